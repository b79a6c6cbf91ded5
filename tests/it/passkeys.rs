//! Passkeys in a real browser: headless Chromium with a virtual authenticator registers a
//! passkey and signs in with it (autofill, the button, after typing an email) through the whole
//! OIDC flow; forged, replayed and foreign assertions, a wrong origin and a counter that goes
//! backwards are refused; the account page renames and removes; registration tickets work once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tessera::model::{AuditQuery, User};

use crate::support::chrome::{Authenticator, Chrome, Page};
use crate::support::process::{RedisKeys, redis_url};
use crate::support::{TestServer, rp};

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
const FORGE: &str = r#"
async (authUrl, tamper, otherHandle) => {
  const r = await fetch(authUrl, { credentials: "same-origin" });
  const html = await r.text();
  const id = new URL(r.url).pathname.split("/")[2];
  const csrf = html.match(/data-csrf="([^"]+)"/)[1];
  const post = async (path, body) => {
    const res = await fetch(`/login/${id}/passkey/${path}`, { method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const start = (await post("start", {})).body;
  const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(start.publicKey) });
  const json = cred.toJSON();
  const statuses = [];
  if (tamper === "replay") {
    statuses.push((await post("finish", { ceremony: start.ceremony, credential: json })).status);
    statuses.push((await post("finish", { ceremony: start.ceremony, credential: json })).status);
    const again = (await post("start", {})).body;
    statuses.push((await post("finish", { ceremony: again.ceremony, credential: json })).status);
  } else {
    if (tamper === "signature") {
      const s = json.response.signature;
      json.response.signature = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
    }
    if (tamper === "user") json.response.userHandle = otherHandle;
    statuses.push((await post("finish", { ceremony: start.ceremony, credential: json })).status);
  }
  return statuses;
}"#;

async fn forge(page: &Page<'_>, server: &Setup, tamper: &str, other: &str) -> Vec<u64> {
    let rp = app_client(server).await;
    let url = format!("{}&prompt=login", rp::start(&rp, &["openid"]).url);
    page.goto(&server.url("/healthz")).await;
    let call = format!("({FORGE})({}, {}, {})", js(&url), js(tamper), js(other));
    let statuses = page.eval(&call).await.unwrap();
    statuses.as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect()
}

#[tokio::test]
async fn replayed_tampered_foreign_and_counter_regressed_assertions_are_refused() {
    let server = Setup::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    let user = register_after_email(&page, &auth, &server, EMAIL).await;
    let other = server.state.directory.create_user_with_email(&"eve@example.com".parse().unwrap(), 0).await.unwrap();
    let other_handle = URL_SAFE_NO_PAD.encode(uuid::Uuid::parse_str(&other.id.0).unwrap().as_bytes());

    assert_eq!(forge(&page, &server, "replay", "").await, [200, 400, 400], "a ceremony and an assertion work once");
    assert_eq!(forge(&page, &server, "signature", "").await, [400]);
    assert_eq!(forge(&page, &server, "user", &other_handle).await, [400], "a credential never signs in another user");
    assert_eq!(forge(&page, &server, "none", "").await, [200], "the untouched assertion still works");

    // A device-bound credential whose counter goes backwards is a clone: refused and logged.
    let credential = page.credentials(&auth).await.remove(0);
    assert!(credential["signCount"].as_u64().unwrap() >= 2);
    let id = credential["credentialId"].clone();
    page.call("WebAuthn.removeCredential", json!({"authenticatorId": auth.id, "credentialId": id})).await.unwrap();
    let mut cloned = credential.clone();
    cloned["signCount"] = json!(0);
    page.call("WebAuthn.addCredential", json!({"authenticatorId": auth.id, "credential": cloned})).await.unwrap();
    assert_eq!(forge(&page, &server, "none", "").await, [400]);
    server.state.flush_audit().await;
    let query = AuditQuery {
        kind: Some("sign_in_failed".into()),
        user_id: Some(user.id.0.clone()),
        limit: 20,
        ..Default::default()
    };
    let reasons: Vec<String> = server
        .state
        .directory
        .audit_events(&query)
        .await
        .unwrap()
        .iter()
        .map(|e| e.detail["reason"].as_str().unwrap().to_string())
        .collect();
    assert!(reasons.contains(&"counter_went_backwards".to_string()), "{reasons:?}");
}

#[tokio::test]
async fn a_ceremony_from_an_origin_that_is_not_allowed_is_refused() {
    let server = Setup::start(|c| c.passkeys.origins = vec!["http://localhost:1".into()]).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.add_authenticator(false, true).await;
    let rp = app_client(&server).await;
    email_sign_in(&page, &server, &rp::start(&rp, &["openid"]).url, EMAIL).await;
    page.wait_for(
        "location.pathname.endsWith('/passkey/offer') && !document.getElementById('passkey-register').hidden",
    )
    .await;
    page.eval("document.getElementById('passkey-register').click()").await.unwrap();
    let status = page.wait_for("document.getElementById('passkey-status').textContent").await;
    assert!(status.as_str().unwrap().contains("could not be verified"), "{status}");
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().is_empty());
}

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

fn mint(server: &Setup, user: &User, ttl: u64) -> String {
    let options = tessera::domain::passkeys::RegisterOptions { discoverable: true, attachment: None };
    tessera::domain::passkeys::tickets::mint(
        &server.state.keys(),
        server.state.issuer(),
        &user.id,
        EMAIL,
        options,
        ttl,
        server.clock.now(),
    )
    .unwrap()
}

async fn redeem(page: &Page<'_>, server: &Setup, ticket: &str) {
    page.goto(&server.url(&format!("/passkeys/register?ticket={ticket}"))).await;
    page.wait_for("!document.getElementById('passkey-register').hidden").await;
    page.eval("document.getElementById('passkey-register').click()").await.unwrap();
    page.wait_for("document.getElementById('passkey-status').textContent === 'Passkey saved.'").await;
}

#[tokio::test]
async fn a_registration_ticket_adds_a_passkey_without_signing_in_and_works_once() {
    let server = Setup::start(|_| {}).await;
    let user = server.state.directory.create_user_with_email(&EMAIL.parse().unwrap(), 0).await.unwrap();
    let ticket = mint(&server, &user, 600);
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.add_authenticator(false, true).await;
    redeem(&page, &server, &ticket).await;
    assert_eq!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().len(), 1);

    let again = reqwest::get(server.url(&format!("/passkeys/register?ticket={ticket}"))).await.unwrap();
    assert_eq!(again.status(), 400, "a ticket works once");
    let expired = mint(&server, &user, 60);
    server.clock.advance(61);
    assert_eq!(reqwest::get(server.url(&format!("/passkeys/register?ticket={expired}"))).await.unwrap().status(), 400);
    let forged = format!("{}x", &ticket[..ticket.len() - 1]);
    assert_eq!(reqwest::get(server.url(&format!("/passkeys/register?ticket={forged}"))).await.unwrap().status(), 400);

    let id_token = sign_in_at_client(&page, &server, async || {}).await;
    assert_eq!(id_token["sub"], user.id.0.as_str(), "the ticket's passkey signs its user in");
}

#[tokio::test]
async fn passkey_calls_without_the_page_csrf_token_are_refused() {
    let server = Setup::start(|_| {}).await;
    let browser = server.browser();
    let rp = app_client(&server).await;
    let crate::support::browser::Step::Login(page) = browser.authorize(&rp::start(&rp, &["openid"]).url).await else {
        panic!("a login page")
    };
    assert!(page.html.contains("/assets/passkey.js") && page.html.contains("autocomplete=\"username webauthn\""));
    let url = server.url(&format!("/login/{}/passkey/start", page.id));
    let refused = browser.client.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let accepted = browser.client.post(&url).header("x-csrf-token", &page.csrf).json(&json!({})).send().await.unwrap();
    assert_eq!(accepted.status(), 200);
    let options: Value = accepted.json().await.unwrap();
    assert_eq!(options["publicKey"]["rpId"], "localhost");
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]), "usernameless: any discoverable passkey");
}

#[tokio::test]
async fn a_ticket_ceremony_finishes_only_with_its_ticket_and_a_failed_attempt_does_not_spend_it() {
    let server = Setup::start(|_| {}).await;
    let victim =
        server.state.directory.create_user_with_email(&"victim@example.com".parse().unwrap(), 0).await.unwrap();
    let ticket = mint(&server, &victim, 600);
    // Someone signed in as themselves starts a ceremony with the victim's ticket ...
    let browser = server.browser();
    let (_, _) = crate::support::signed_in(&server, &browser, "web", &["openid"], "mallory@example.com").await;
    browser.get(&format!("/passkeys/register?ticket={ticket}")).await;
    let started: Value = browser
        .client
        .post(server.url("/passkeys/register/start"))
        .json(&json!({"ticket": ticket}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ceremony = started["ceremony"].as_str().unwrap();
    // ... and tries to finish it as their own account's registration: refused before anything else.
    let account_page = browser.get("/account").await.text().await.unwrap();
    let csrf = account_page.split("data-csrf=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let refused = browser
        .client
        .post(server.url("/account/passkeys/register/finish"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"ceremony": ceremony, "credential": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("expired"));
    // A failed attestation through the ticket endpoint does not spend the ticket either.
    let started: Value = browser
        .client
        .post(server.url("/passkeys/register/start"))
        .json(&json!({"ticket": ticket}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({"ceremony": started["ceremony"], "credential": {"bogus": true}, "ticket": ticket});
    let failed = browser.client.post(server.url("/passkeys/register/finish")).json(&body).send().await.unwrap();
    assert_eq!(failed.status(), 400);
    assert_eq!(browser.get(&format!("/passkeys/register?ticket={ticket}")).await.status(), 200, "still usable");
    assert!(server.state.directory.passkeys_of_user(&victim.id).await.unwrap().is_empty());
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
