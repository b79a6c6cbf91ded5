//! The relying party: the `openidconnect` crate configured from discovery, over a reqwest
//! transport, as a real application would use it.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse};
use openidconnect::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};

use super::TestServer;

pub type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The transport handed to `openidconnect`.
pub async fn http(request: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, HttpError> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (parts, body) = request.into_parts();
    let response = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let mut builder = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await.map_err(|e| HttpError(e.to_string()))?;
    builder.body(body.to_vec()).map_err(|e| HttpError(e.to_string()))
}

pub async fn discover(server: &TestServer) -> CoreProviderMetadata {
    CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http).await.unwrap()
}

/// A relying party registered as `client_id` (see `TestServer`), with its secret if it has one.
pub async fn client(server: &TestServer, client_id: &str) -> Client {
    let secret = match client_id {
        "web" => Some(ClientSecret::new(super::WEB_SECRET.into())),
        "post" => Some(ClientSecret::new(super::POST_SECRET.into())),
        _ => None,
    };
    let auth_type = if client_id == "web" { AuthType::BasicAuth } else { AuthType::RequestBody };
    CoreClient::from_provider_metadata(discover(server).await, ClientId::new(client_id.into()), secret)
        .set_redirect_uri(RedirectUrl::new(server.redirect_uri(client_id)).unwrap())
        .set_auth_type(auth_type)
}

/// One authorization request in flight: its URL and what the RP must remember.
pub struct Pending {
    pub url: String,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub verifier: PkceCodeVerifier,
}

pub fn start(client: &Client, scopes: &[&str]) -> Pending {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in scopes {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    // OIDC Core §11: offline access is granted with the user's consent, asked for by prompt=consent.
    if scopes.contains(&"offline_access") {
        request = request.add_prompt(openidconnect::core::CoreAuthPrompt::Consent);
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    Pending { url: url.to_string(), state, nonce, verifier }
}

/// Redeems `code` and verifies the ID token exactly as an application would.
pub async fn redeem(client: &Client, pending: Pending, code: &str) -> CoreTokenResponse {
    use openidconnect::TokenResponse as _;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .unwrap()
        .set_pkce_verifier(pending.verifier)
        .request_async(&http)
        .await
        .expect("token exchange succeeds");
    let id_token = tokens.id_token().expect("an ID token");
    id_token.claims(&client.id_token_verifier(), &pending.nonce).expect("the ID token verifies");
    tokens
}
