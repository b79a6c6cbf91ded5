//! The built-in demo relying party at `/demo`: a registered public client of this server that
//! runs a real code + PKCE flow over HTTP and shows the verified ID token claims and userinfo.
//! It is on by default in dev and meant for a first try, not for production.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::domain::clients::DEMO_CLIENT_ID;
use crate::domain::jwt;
use crate::state::AppState;
use crate::web::PageError;

const COOKIE: &str = "tessera_demo";

pub fn routes() -> Router<AppState> {
    Router::new().route("/demo", get(index)).route("/demo/login", get(login)).route("/demo/callback", get(callback))
}

#[derive(Template)]
#[template(path = "demo/index.html")]
struct IndexPage<'a> {
    ui: crate::web::ui::Ui<'a>,
    issuer: &'a str,
}

#[derive(Template)]
#[template(path = "demo/result.html")]
struct ResultPage<'a> {
    ui: crate::web::ui::Ui<'a>,
    /// Signs out of Tessera and comes back to `/demo`.
    logout: String,
    id_token_claims: String,
    userinfo: String,
    refresh: bool,
}

#[derive(Serialize, Deserialize)]
struct Pending {
    verifier: String,
    nonce: String,
}

async fn index(State(state): State<AppState>) -> Response {
    let page = IndexPage {
        ui: crate::web::ui::Ui::new(&state.config, state.locales.named("en"), None),
        issuer: state.issuer(),
    };
    page.render().map(|h| Html(h).into_response()).unwrap_or_else(PageError::unavailable)
}

#[derive(Deserialize)]
struct LoginQuery {
    prompt: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let client_state = crypto::random_token();
    let pending = Pending { verifier: crypto::random_token(), nonce: crypto::random_token() };
    let challenge = crypto::b64url(&crypto::sha256(pending.verifier.as_bytes()));
    state.ephemeral.put_json(&format!("demo:{client_state}"), &pending, 600).await?;
    let mut params = vec![
        ("response_type", "code".to_string()),
        ("client_id", DEMO_CLIENT_ID.to_string()),
        ("redirect_uri", state.url("/demo/callback")),
        ("scope", "openid email profile offline_access".to_string()),
        ("state", client_state.clone()),
        ("nonce", pending.nonce.clone()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".to_string()),
    ];
    if q.prompt.as_deref() == Some("login") {
        params.push(("prompt", "login".into()));
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let cookie = Cookie::build((COOKIE, client_state)).path("/demo").http_only(true).same_site(SameSite::Lax).build();
    Ok((jar.add(cookie), Redirect::to(&format!("/authorize?{query}"))).into_response())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Tokens {
    access_token: String,
    id_token: String,
    refresh_token: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let fail = |m: String| PageError::bad_request(m);
    if let Some(error) = q.error {
        return Err(fail(format!("The server answered {error}: {}", q.error_description.unwrap_or_default())));
    }
    // RFC 9207: the response must come from the issuer we sent the user to.
    if q.iss.as_deref() != Some(state.issuer()) {
        return Err(fail("The response does not carry this server's issuer.".into()));
    }
    let client_state = q.state.ok_or_else(|| fail("The response has no state.".into()))?;
    if jar.get(COOKIE).map(|c| c.value()) != Some(client_state.as_str()) {
        return Err(fail("The state does not belong to this browser.".into()));
    }
    let pending: Pending = state
        .ephemeral
        .take_json(&format!("demo:{client_state}"))
        .await?
        .ok_or_else(|| fail("This sign-in was already completed or has expired.".into()))?;
    let code = q.code.ok_or_else(|| fail("The response has no code.".into()))?;
    let tokens = redeem(&state, &code, &pending.verifier).await.map_err(fail)?;
    let claims: serde_json::Value =
        jwt::verify(&state.keys(), &tokens.id_token, "JWT").map_err(|e| fail(format!("ID token rejected: {e}")))?;
    if claims["iss"] != state.issuer() || claims["aud"] != DEMO_CLIENT_ID || claims["nonce"] != pending.nonce.as_str() {
        return Err(fail("The ID token's issuer, audience or nonce is wrong.".into()));
    }
    let userinfo = userinfo(&state, &tokens.access_token).await.map_err(|e| fail(format!("userinfo: {e}")))?;
    // RP-Initiated Logout back to the demo's own page: the ID token ties it to this session.
    let back = state.url("/demo");
    let logout =
        serde_urlencoded::to_string([("id_token_hint", tokens.id_token.as_str()), ("post_logout_redirect_uri", &back)])
            .map(|q| format!("/logout?{q}"))
            .unwrap_or_default();
    let page = ResultPage {
        ui: crate::web::ui::Ui::new(&state.config, state.locales.named("en"), None),
        logout,
        id_token_claims: serde_json::to_string_pretty(&claims).unwrap_or_default(),
        userinfo: serde_json::to_string_pretty(&userinfo).unwrap_or_default(),
        refresh: tokens.refresh_token.is_some(),
    };
    Ok(page.render().map(|h| Html(h).into_response()).unwrap_or_else(PageError::unavailable))
}

/// The token request of the code flow, as a relying party makes it.
async fn redeem(state: &AppState, code: &str, verifier: &str) -> Result<Tokens, String> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &state.url("/demo/callback")),
        ("client_id", DEMO_CLIENT_ID),
        ("code_verifier", verifier),
    ];
    match state.http.post(state.url("/token")).form(&form).send().await {
        Ok(r) if r.status().is_success() => r.json().await.map_err(|e| format!("Unreadable token response: {e}")),
        Ok(r) => Err(format!("The token endpoint answered {}: {}", r.status(), r.text().await.unwrap_or_default())),
        Err(e) => Err(format!("The token endpoint could not be reached at {}: {e}", state.issuer())),
    }
}

/// The userinfo response for `access_token`.
async fn userinfo(state: &AppState, access_token: &str) -> reqwest::Result<serde_json::Value> {
    state.http.get(state.url("/userinfo")).bearer_auth(access_token).send().await?.json().await
}
