//! The relying-party client for one upstream: `openidconnect` over Tessera's outbound HTTP
//! client, so `outbound.deny` holds for discovery, keys and the token endpoint alike.

use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType,
    CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthType, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, IssuerUrl, ProviderMetadata, RedirectUrl,
};
use serde::{Deserialize, Serialize};

use super::Failure;
use crate::config::UpstreamConfig;
use crate::domain::Core;

pub type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// What discovery says beyond OpenID Connect Core: RFC 9207 §3's
/// `authorization_response_iss_parameter_supported`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IssSupport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for IssSupport {}

/// A provider's discovery document (OIDC Discovery §3) with RFC 9207's flag, and its keys.
pub type Metadata = ProviderMetadata<
    IssSupport,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The transport `openidconnect` calls: one request through `outbound`, no redirects followed.
pub async fn send(outbound: &crate::outbound::Outbound, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let builder = outbound.request(parts.method, &parts.uri.to_string()).map_err(HttpError)?;
    let response = builder.headers(parts.headers).body(body).send().await.map_err(|e| HttpError(e.to_string()))?;
    let mut answer = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await.map_err(|e| HttpError(e.to_string()))?;
    answer.body(body.to_vec()).map_err(|e| HttpError(e.to_string()))
}

/// Where the upstream sends the person back: the same for every sign-in, registered there.
pub fn callback_url(core: &Core, upstream: &UpstreamConfig) -> String {
    format!("{}/login/upstream/{}/callback", core.config.base_url(), upstream.id)
}

/// The provider's metadata and keys (OIDC Discovery §4), from the cache or fetched.
pub async fn metadata(core: &Core, upstream: &UpstreamConfig) -> Result<Arc<Metadata>, Failure> {
    let issuer = upstream.issuer();
    let now = core.clock.now();
    if let Some(found) = core.upstream_metadata.get(issuer, now) {
        return Ok(found);
    }
    if upstream.kind == "microsoft" {
        let found = Arc::new(super::microsoft::discover(core, upstream).await?);
        core.upstream_metadata.put(issuer, now, found.clone());
        return Ok(found);
    }
    let url = IssuerUrl::new(issuer.to_string()).map_err(|_| Failure::Unreachable)?;
    let outbound = core.outbound.clone();
    let http = move |request: HttpRequest| {
        let outbound = outbound.clone();
        async move { send(&outbound, request).await }
    };
    // OIDC Discovery §4.3: the document's `issuer` must be the one asked for; the crate checks.
    let found = Metadata::discover_async(url, &http).await.map_err(|e| {
        tracing::warn!(upstream = %upstream.id, error = %e, "upstream discovery failed");
        Failure::Unreachable
    })?;
    let found = Arc::new(found);
    core.upstream_metadata.put(issuer, now, found.clone());
    Ok(found)
}

/// The client for `upstream` as its metadata describes it.
pub fn client(core: &Core, upstream: &UpstreamConfig, metadata: &Metadata) -> Result<Client, Failure> {
    let redirect = RedirectUrl::new(callback_url(core, upstream)).map_err(|_| Failure::Unreachable)?;
    if upstream.kind == "apple" {
        // Apple reads the client secret from the body only.
        let secret = ClientSecret::new(super::apple::client_secret(upstream, core.clock.now())?);
        let client = CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(upstream.client_id.clone()),
            Some(secret),
        );
        return Ok(client.set_redirect_uri(redirect).set_auth_type(AuthType::RequestBody));
    }
    let secret = upstream.client_secret.clone().map(ClientSecret::new);
    Ok(CoreClient::from_provider_metadata(metadata.clone(), ClientId::new(upstream.client_id.clone()), secret)
        .set_redirect_uri(redirect))
}

/// Forgets the cached metadata of `upstream` (after a failed check: its keys may have moved).
pub fn forget(core: &Core, upstream: &UpstreamConfig) {
    core.upstream_metadata.forget(upstream.issuer());
}
