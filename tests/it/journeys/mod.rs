//! Sign-in journeys in a real browser: headless Chromium, driven only by clicks and typing.
//! Headers (`Origin`, `Sec-Fetch-*`, `Referer`, cookies) are the browser's own, and every form
//! posted is one the page made; the tests read mail and texts from the capture servers, as a
//! person reads their inbox.

mod account;
mod device;
mod links;
mod moved;
mod otp;
mod passkeys;
mod process;
mod session;
mod step_up;

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use crate::support::chrome::Page;
use crate::support::{TestServer, rp};

pub const EMAIL: &str = "ada@example.com";

/// A Tessera test server and, beside it, the application's page that the browser lands on.
pub struct Journey {
    pub server: TestServer,
    /// The application's callback, `http://localhost:PORT/cb`.
    pub app: String,
}

impl Journey {
    pub async fn start(adjust: impl FnOnce(&mut tessera::config::Config)) -> Journey {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = format!("http://localhost:{}/cb", listener.local_addr().unwrap().port());
        let page = axum::Router::new().fallback(|| async {
            axum::response::Html("<!doctype html><title>App</title><p>Welcome back to the application.</p>")
        });
        tokio::spawn(async move { axum::serve(listener, page).await.unwrap() });
        let callback = app.clone();
        let server = TestServer::start_with(move |c| {
            for client in &mut c.clients {
                client.redirect_uris.push(callback.clone());
            }
            adjust(c);
        })
        .await;
        Journey { server, app }
    }

    /// An authorization request of `client_id` that returns to the application's page.
    pub async fn request(&self, client_id: &str, scopes: &[&str]) -> (rp::Client, rp::Pending) {
        let client = rp::client(&self.server, client_id)
            .await
            .set_redirect_uri(openidconnect::RedirectUrl::new(self.app.clone()).unwrap());
        let pending = rp::start(&client, scopes);
        (client, pending)
    }

    /// Waits until the browser is at the application and returns the address it arrived at.
    /// Offered a passkey on the way (Chromium can create one), the person says "Not now".
    pub async fn arrival(&self, page: &Page<'_>) -> url::Url {
        let at_app = format!("location.href.startsWith({})", js(&self.app));
        page.wait_for(&format!("{at_app} || location.pathname.endsWith('/passkey/offer')")).await;
        if page.eval(&at_app).await == Ok(Value::Bool(false)) {
            page.click_on("Not now, continue").await;
        }
        let href = page.wait_for(&format!("{at_app} && location.href")).await;
        url::Url::parse(href.as_str().unwrap()).unwrap()
    }

    /// Redeems the code the application got, with the `openidconnect` crate; the ID token's claims.
    pub async fn redeem(&self, client: &rp::Client, pending: rp::Pending, at: &url::Url) -> Value {
        let code = crate::support::browser::param(at, "code").unwrap_or_else(|| panic!("no code in {at}"));
        let tokens = rp::redeem(client, pending, &code).await;
        claims(&openidconnect::TokenResponse::id_token(&tokens).unwrap().to_string())
    }

    /// Types `email` into the sign-in page and presses its button; the number of mails that
    /// address had before.
    pub async fn ask_for_code(&self, page: &Page<'_>, email: &str) -> usize {
        page.wait_for("!!document.querySelector('#email')").await;
        let sent = self.server.smtp.count_to(email);
        page.type_into("#email", email).await;
        page.click("form[action$='/email'] button[type=submit]").await;
        sent
    }

    /// The `n`th mail to `email`.
    pub async fn mail(&self, email: &str, n: usize) -> crate::support::smtp::Mail {
        self.server.smtp.nth_to(email, n).await
    }

    /// Types `code` on the code page and presses Enter.
    pub async fn type_code(&self, page: &Page<'_>, code: &str) {
        page.wait_for("!!document.querySelector('#code')").await;
        page.type_into("#code", code).await;
        page.press_enter().await;
    }

    /// Signs in to the `web` client by email code, starting at its authorization request; the
    /// token response the application gets for the code it arrived with.
    pub async fn signed_in_at_app(&self, page: &Page<'_>) -> openidconnect::core::CoreTokenResponse {
        let (client, pending) = self.request("web", &["openid"]).await;
        page.goto(&pending.url.clone()).await;
        self.sign_in_by_code(page, EMAIL).await;
        let at = self.arrival(page).await;
        let code = crate::support::browser::param(&at, "code").unwrap_or_else(|| panic!("no code in {at}"));
        rp::redeem(&client, pending, &code).await
    }

    /// Signs in by email code from wherever the browser is (a sign-in page).
    pub async fn sign_in_by_code(&self, page: &Page<'_>, email: &str) {
        let sent = self.ask_for_code(page, email).await;
        let code = self.mail(email, sent + 1).await.code();
        page.wait_for("location.pathname.endsWith('/code')").await;
        self.type_code(page, &code).await;
    }
}

pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

pub fn claims(jwt: &str) -> Value {
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// Captures the page on screen as `NAME.png` in `$SCREENSHOTS_DIR`, when it is set (the
/// README shows these).
pub async fn capture(page: &Page<'_>, name: &str) {
    if let Ok(dir) = std::env::var("SCREENSHOTS_DIR") {
        page.screenshot(&std::path::Path::new(&dir).join(format!("{name}.png"))).await;
    }
}

/// How long a page that waits on another device may take to move on by itself.
pub const MOVES_ON_WITHIN: Duration = Duration::from_secs(10);
