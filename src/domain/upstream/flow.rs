//! The two legs at the upstream: the authorization request (`begin`) and, back at the
//! callback, the code exchange and the ID token check (`complete`).

use std::time::Duration;

use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreJwsSigningAlgorithm};
use openidconnect::{
    AuthorizationCode, CsrfToken, HttpRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RequestTokenError, Scope, TokenResponse,
};

use super::client::{self, send};
use super::{Asserted, Failure, PENDING_SECS, Pending, pending_key};
use crate::config::UpstreamConfig;
use crate::domain::Core;
use crate::domain::interaction::Interaction;
use crate::store::StoreResult;

/// Signatures accepted on an upstream's ID token: asymmetric only, so the client secret can
/// never sign one (OIDC Core §3.1.3.7 step 6–8).
const ALGORITHMS: [CoreJwsSigningAlgorithm; 7] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
];

/// The URL of an authorization request at `upstream` for `ix`, its `state`, `nonce` and PKCE
/// verifier kept for the callback. `prompt=login` and `max_age` are passed on (OIDC Core
/// §3.1.2.1), so a fresh sign-in asked of Tessera is a fresh sign-in at the upstream.
pub async fn begin(core: &Core, upstream: &UpstreamConfig, ix: &Interaction) -> StoreResult<Result<String, Failure>> {
    let state = crate::crypto::random_token();
    let nonce = crate::crypto::random_token();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let url = if upstream.kind == "github" {
        super::github::authorize_url(core, upstream, &state, &challenge)
    } else {
        oidc_authorize_url(core, upstream, ix, &state, &nonce, challenge).await
    };
    let url = match url {
        Ok(url) => url,
        Err(failure) => return Ok(Err(failure)),
    };
    let pending = Pending {
        provider: upstream.id.clone(),
        interaction: ix.id.clone(),
        nonce,
        verifier: verifier.secret().clone(),
    };
    core.ephemeral.put_json(&pending_key(&state), &pending, PENDING_SECS).await?;
    Ok(Ok(url))
}

async fn oidc_authorize_url(
    core: &Core,
    upstream: &UpstreamConfig,
    ix: &Interaction,
    state: &str,
    nonce: &str,
    challenge: PkceCodeChallenge,
) -> Result<String, Failure> {
    let metadata = client::metadata(core, upstream).await?;
    let client = client::client(core, upstream, &metadata)?;
    let (s, n) = (state.to_string(), nonce.to_string());
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        move || CsrfToken::new(s),
        move || Nonce::new(n),
    );
    request = request.set_pkce_challenge(challenge);
    if upstream.kind == "apple" {
        // Apple posts the answer when it sends the name or address, and knows no `prompt`.
        let request = request.add_scope(Scope::new("name".into())).add_scope(Scope::new("email".into()));
        return Ok(request.add_extra_param("response_mode", "form_post").url().0.to_string());
    }
    for scope in upstream.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    if ix.reauthenticate {
        request = request.add_prompt(CoreAuthPrompt::Login);
    }
    if let Some(max_age) = ix.max_age() {
        request = request.set_max_age(Duration::from_secs(max_age));
    }
    Ok(request.url().0.to_string())
}

/// The request a `state` names, once: a second use of the same `state` finds nothing
/// (RFC 6749 §10.12, RFC 9700 §4.7).
pub async fn take(core: &Core, state: &str) -> StoreResult<Option<Pending>> {
    core.ephemeral.take_json(&pending_key(state)).await
}

/// Redeems `code` with the PKCE verifier and verifies the ID token: signature by the upstream's
/// published keys, `iss`, `aud`, `exp` and the `nonce` of this request (OIDC Core §3.1.3.7).
pub async fn complete(
    core: &Core,
    upstream: &UpstreamConfig,
    pending: Pending,
    code: &str,
) -> Result<Asserted, Failure> {
    if upstream.kind == "github" {
        return super::github::complete(core, upstream, pending.verifier, code).await;
    }
    let metadata = client::metadata(core, upstream).await?;
    let client = client::client(core, upstream, &metadata)?;
    let outbound = core.outbound.clone();
    let http = move |request: HttpRequest| {
        let outbound = outbound.clone();
        async move { send(&outbound, request).await }
    };
    let exchange = client.exchange_code(AuthorizationCode::new(code.to_string())).map_err(|_| Failure::Unreachable)?;
    let tokens =
        exchange.set_pkce_verifier(PkceCodeVerifier::new(pending.verifier)).request_async(&http).await.map_err(
            |e| {
                tracing::warn!(upstream = %upstream.id, error = %e, "upstream token request failed");
                match e {
                    RequestTokenError::ServerResponse(_) => Failure::BadToken,
                    _ => Failure::Unreachable,
                }
            },
        )?;
    let id_token = tokens.id_token().ok_or(Failure::BadToken)?;
    let now = core.clock.now();
    // Entra ID's multi-tenant issuer is a template: checked per token below instead.
    let microsoft = upstream.kind == "microsoft";
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(ALGORITHMS)
        .require_issuer_match(!microsoft)
        .set_time_fn(move || chrono::DateTime::from_timestamp(now, 0).unwrap_or_default());
    let claims = id_token.claims(&verifier, &Nonce::new(pending.nonce)).map_err(|e| {
        tracing::warn!(upstream = %upstream.id, error = %e, "upstream ID token refused");
        client::forget(core, upstream);
        Failure::BadToken
    })?;
    if microsoft {
        super::microsoft::check_tenant(&id_token.to_string(), metadata.issuer().as_str())?;
    }
    let mut asserted = Asserted {
        provider: upstream.id.clone(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        amr: claims.auth_method_refs().map_or_else(Vec::new, |v| v.iter().map(|a| a.to_string()).collect()),
        name: None,
    };
    if asserted.email.is_none()
        && let Ok(request) = client.user_info(tokens.access_token().clone(), Some(claims.subject().clone()))
    {
        // OIDC Core §5.3.2: the UserInfo `sub` must be the ID token's; the crate checks it.
        let info: openidconnect::core::CoreUserInfoClaims =
            request.request_async(&http).await.map_err(|_| Failure::Unreachable)?;
        asserted.email = info.email().map(|e| e.to_string());
        asserted.email_verified = info.email_verified().unwrap_or(false);
    }
    Ok(asserted)
}
