//! Passkeys in a real browser: headless Chromium with a virtual authenticator registers a
//! passkey and signs in with it (autofill, the button, after typing an email) through the whole
//! OIDC flow, and the account page renames and removes; the refusals are in `refusals`, the
//! registration tickets in `tickets`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tessera::model::{AuditQuery, User};

use crate::support::chrome::{Authenticator, Chrome, Page};
use crate::support::process::{RedisKeys, redis_url};
use crate::support::{TestServer, rp};

mod refusals;
mod tickets;

use tickets::{mint, redeem};

const EMAIL: &str = "ada@example.com";

/// A Tessera test server and, beside it, the relying party's callback page (a browser shows an
/// error page for a 404, and its address is then lost).
struct Setup {
    server: TestServer,
    app: String,
}

impl Setup {
    async fn start(adjust: impl FnOnce(&mut tessera::config::Config)) -> Setup {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = format!("http://localhost:{}/cb", listener.local_addr().unwrap().port());
        let page = axum::Router::new().fallback(|| async { axum::response::Html("<p>Signed in.</p>") });
        tokio::spawn(async move { axum::serve(listener, page).await.unwrap() });
        let callback = app.clone();
        let server = TestServer::start_with(move |c| {
            c.clients[0].redirect_uris.push(callback);
            adjust(c);
        })
        .await;
        Setup { server, app }
    }
}

impl std::ops::Deref for Setup {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.server
    }
}

/// The `web` relying party, returning to the callback page.
async fn app_client(setup: &Setup) -> rp::Client {
    rp::client(setup, "web").await.set_redirect_uri(openidconnect::RedirectUrl::new(setup.app.clone()).unwrap())
}

fn claims(jwt: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Signs in by email code in the browser, starting at `url`.
async fn email_sign_in(page: &Page<'_>, server: &Setup, url: &str, email: &str) {
    page.goto(url).await;
    // The script has run: it marks the form as coming from a passkey-capable browser.
    page.wait_for("document.querySelector('form[action$=\"/email\"] [name=passkey_capable]')?.value === '1'").await;
    let sent = server.smtp.count_to(email);
    let submit = format!(
        "(() => {{ const f = document.querySelector('form[action$=\"/email\"]'); f.email.value = {}; f.submit(); }})()",
        js(email)
    );
    page.eval(&submit).await.unwrap();
    page.wait_for("location.pathname.endsWith('/code') && !!document.querySelector('form[action$=\"/code\"]')").await;
    let code = server.smtp.nth_to(email, sent + 1).await.code();
    let submit = format!(
        "(() => {{ const f = document.querySelector('form[action$=\"/code\"]'); f.code.value = {}; f.submit(); }})()",
        js(&code)
    );
    page.eval(&submit).await.unwrap();
}

/// Email sign-in, then "Add a passkey" on the offer page; returns the user.
async fn register_after_email(page: &Page<'_>, auth: &Authenticator, server: &Setup, email: &str) -> User {
    let rp = app_client(server).await;
    let pending = rp::start(&rp, &["openid"]);
    email_sign_in(page, server, &pending.url, email).await;
    page.wait_for(
        "location.pathname.endsWith('/passkey/offer') && !document.getElementById('passkey-register').hidden",
    )
    .await;
    page.eval("document.getElementById('passkey-register').click()").await.unwrap();
    page.wait_for(&format!("location.href.startsWith({})", js(&server.app.clone()))).await;
    assert_eq!(page.credentials(auth).await.len(), 1, "the authenticator holds one resident credential");
    server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap()
}

/// Runs an authorization request with `prompt=login` and waits for the redirect to the client.
async fn sign_in_at_client(page: &Page<'_>, server: &Setup, before: impl AsyncFnOnce()) -> Value {
    let rp = app_client(server).await;
    let pending = rp::start(&rp, &["openid"]);
    page.goto(&format!("{}&prompt=login", pending.url)).await;
    before().await;
    let href = page.wait_for(&format!("location.href.startsWith({}) && location.href", js(&server.app.clone()))).await;
    let callback = url::Url::parse(href.as_str().unwrap()).unwrap();
    let code = crate::support::browser::param(&callback, "code").expect("a code at the client");
    let tokens = rp::redeem(&rp, pending, &code).await;
    claims(&openidconnect::TokenResponse::id_token(&tokens).unwrap().to_string())
}

async fn a_passkey_registers_after_email_and_signs_in_by_autofill(server: Setup) {
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    let user = register_after_email(&page, &auth, &server, EMAIL).await;
    let stored = server.state.directory.passkeys_of_user(&user.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name, "Chrome on Linux", "named after the browser");
    assert!(!stored[0].backup_eligible, "a device-bound passkey");

    // The login page starts conditional mediation; the authenticator answers it by itself.
    let id_token = sign_in_at_client(&page, &server, async || {}).await;
    assert_eq!(id_token["sub"], user.id.0.as_str());
    assert_eq!(id_token["amr"], json!(["hwk", "user", "mfa"]));
    assert_eq!(id_token["acr"], "phrh");
    let used = server.state.directory.passkeys_of_user(&user.id).await.unwrap();
    assert!(used[0].last_used_at.is_some(), "the sign-in is recorded on the passkey");

    server.state.flush_audit().await;
    let query = AuditQuery { kind: Some("passkey_added".into()), limit: 10, ..Default::default() };
    assert_eq!(server.state.directory.audit_events(&query).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_passkey_added_after_an_email_sign_in_then_signs_in_by_autofill_through_the_oidc_flow() {
    a_passkey_registers_after_email_and_signs_in_by_autofill(Setup::start(|_| {}).await).await;
}

#[tokio::test]
async fn passkey_ceremonies_work_the_same_on_the_redis_ephemeral_store() {
    let keys = RedisKeys::new();
    let prefix = keys.prefix.clone();
    let server = Setup::start(move |c| {
        c.ephemeral.url = redis_url();
        c.ephemeral.prefix = prefix;
    })
    .await;
    a_passkey_registers_after_email_and_signs_in_by_autofill(server).await;
}

#[tokio::test]
async fn the_passkey_button_and_the_typed_email_each_sign_in_a_synced_passkey() {
    let server = Setup::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(true, true).await;
    let user = register_after_email(&page, &auth, &server, EMAIL).await;

    // With presence off, the autofill request waits; the button replaces it with a modal one.
    page.presence(&auth, false).await;
    let id_token = sign_in_at_client(&page, &server, async || {
        page.wait_for("!document.getElementById('passkey-signin').hidden").await;
        page.presence(&auth, true).await;
        page.eval("document.getElementById('passkey-signin').click()").await.unwrap();
    })
    .await;
    assert_eq!(id_token["sub"], user.id.0.as_str());
    assert_eq!(id_token["amr"], json!(["swk", "user", "mfa"]), "a synced passkey is a software key");
    assert_eq!(id_token["acr"], "phr");

    page.presence(&auth, false).await;
    let id_token = sign_in_at_client(&page, &server, async || {
        page.wait_for("!document.getElementById('passkey-signin').hidden").await;
        // After typing an address, only that user's passkeys are offered.
        let offered = page
            .eval(&format!(
                "(async () => {{ const d = document.querySelector('[data-passkey-login]'); \
                 const r = await fetch(d.dataset.passkeyLogin + '/start', {{method: 'POST', headers: \
                 {{'content-type': 'application/json', 'x-csrf-token': d.dataset.csrf}}, body: JSON.stringify({{email: {}}})}}); \
                 return (await r.json()).publicKey.allowCredentials.length; }})()",
                js(EMAIL)
            ))
            .await
            .unwrap();
        assert_eq!(offered, 1);
        page.eval(&format!("document.getElementById('email').value = {}", js(EMAIL))).await.unwrap();
        page.presence(&auth, true).await;
        page.eval("document.getElementById('passkey-signin').click()").await.unwrap();
    })
    .await;
    assert_eq!(id_token["sub"], user.id.0.as_str());
}

/// On a plain same-origin page, gets an assertion for a new login and finishes it after
/// `tamper` has changed the request; returns the HTTP status of every finish posted.
#[tokio::test]
async fn the_account_page_lists_renames_and_removes_passkeys() {
    let server = Setup::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    let user = register_after_email(&page, &auth, &server, EMAIL).await;

    page.goto(&server.url("/account")).await;
    let text = page.wait_for("document.body.innerText").await;
    assert!(
        text.as_str().unwrap().contains("Chrome on Linux") && text.as_str().unwrap().contains("passkey on this device")
    );
    page.eval("(() => { const f = document.querySelector('form[action=\"/account/passkeys/rename\"]'); f.name.value = 'Work laptop'; f.submit(); })()")
        .await
        .unwrap();
    page.wait_for("document.body.innerText.includes('Passkey renamed.')").await;
    assert_eq!(server.state.directory.passkeys_of_user(&user.id).await.unwrap()[0].name, "Work laptop");

    page.eval("document.querySelector('form[action=\"/account/passkeys/remove\"]').submit()").await.unwrap();
    page.wait_for("!!document.querySelector('input[name=confirm]')").await;
    page.eval("document.querySelector('form[action=\"/account/passkeys/remove\"]').submit()").await.unwrap();
    page.wait_for("document.body.innerText.includes('Passkey removed.')").await;
    assert!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_last_passkey_cannot_be_removed_when_email_codes_are_off() {
    let server = Setup::start(|c| c.login.email_code = false).await;
    let user = server.state.directory.create_user_with_email(&EMAIL.parse().unwrap(), 0).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.add_authenticator(false, true).await;
    redeem(&page, &server, &mint(&server, &user, 600)).await;

    page.goto(&server.url("/account")).await;
    page.wait_for("!!document.querySelector('form[action=\"/account/passkeys/remove\"]')").await;
    page.eval("document.querySelector('form[action=\"/account/passkeys/remove\"]').submit()").await.unwrap();
    page.wait_for("document.body.innerText.includes('only way to sign in')").await;
    assert_eq!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_typed_address_gets_the_same_shape_of_answer_whether_or_not_it_has_passkeys() {
    let server = Setup::start(|_| {}).await;
    let browser = server.browser();
    let rp = app_client(&server).await;
    let crate::support::browser::Step::Login(page) = browser.authorize(&rp::start(&rp, &["openid"]).url).await else {
        panic!("a login page")
    };
    let url = server.url(&format!("/login/{}/passkey/start", page.id));
    let offered = |email: &'static str| {
        let (browser, url, csrf) = (&browser, url.clone(), page.csrf.clone());
        async move {
            let r: Value = browser
                .client
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&json!({"email": email}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r["publicKey"]["allowCredentials"].as_array().unwrap().len()
        }
    };
    let decoys = offered("nobody@example.com").await;
    assert!((1..=2).contains(&decoys), "decoy credentials for an unknown address");
    assert_eq!(offered("nobody@example.com").await, decoys, "the same every time");
}

/// The names of the fields at each level of a passkey start answer, with the credentials' own.
fn shape(answer: &Value) -> (Vec<String>, Vec<Vec<String>>) {
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let credentials = answer["publicKey"]["allowCredentials"].as_array().unwrap();
    (keys(&answer["publicKey"]), credentials.iter().map(keys).collect())
}

#[tokio::test]
async fn a_decoy_passkey_answer_has_the_fields_of_a_real_one() {
    let server = Setup::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(true, true).await;
    register_after_email(&page, &auth, &server, EMAIL).await;

    let browser = server.browser();
    let rp = app_client(&server).await;
    let crate::support::browser::Step::Login(login) = browser.authorize(&rp::start(&rp, &["openid"]).url).await else {
        panic!("a login page")
    };
    let url = server.url(&format!("/login/{}/passkey/start", login.id));
    let mut answers = Vec::new();
    for email in [EMAIL, "nobody@example.com"] {
        let response = browser.client.post(&url).header("x-csrf-token", &login.csrf).json(&json!({"email": email}));
        answers.push(response.send().await.unwrap().json::<Value>().await.unwrap());
    }
    let (real, decoy) = (shape(&answers[0]), shape(&answers[1]));
    assert_eq!(real.0, decoy.0, "the same fields: {answers:?}");
    assert!((1..=2).contains(&decoy.1.len()), "a plausible number of passkeys: {answers:?}");
    assert!(decoy.1.iter().all(|fields| *fields == real.1[0]), "credentials described alike: {answers:?}");
    let id_length = |a: &Value| a["publicKey"]["allowCredentials"][0]["id"].as_str().unwrap().len();
    assert_eq!(id_length(&answers[0]), id_length(&answers[1]), "{answers:?}");
}
