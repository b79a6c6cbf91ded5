//! The console's pages join the accessibility walk: the overview with its charts, the users
//! list (and a search it cannot read), one user, the events, the settings, the clients and
//! bridges (a refused form, a new secret, a read-only client), the API keys (and a key just
//! made), the signing keys, a confirmation, and the refusal page, in every language, at 360 px
//! and in the dark scheme. In English they are captured for docs/screenshots.

use serde_json::json;
use tessera::config::BridgeConfig;
use tessera::model::{AuditEvent, Session};

use crate::pages::{Reader, Tour, start_tour};
use crate::support::TestServer;
use crate::support::chrome::Chrome;

/// A server whose console takes email codes, with `ops{i}@example.com` operators, Ada with a
/// session, and a day of sign-ins, failures, codes sent and refusals in the audit log.
async fn seeded() -> TestServer {
    let server = TestServer::start_with(|c| {
        c.console.operators = (0..5).map(|i| format!("ops{i}@example.com")).collect();
    })
    .await;
    let dir = &server.state.directory;
    let now = server.clock.now();
    let ada = dir.create_user_with_email(&"ada@example.com".parse().unwrap(), now - 86_400).await.unwrap();
    dir.create_user_with_email(&"bo@example.com".parse().unwrap(), now - 3600).await.unwrap();
    let session = Session {
        id: "s-ada".into(),
        user_id: ada.id.clone(),
        auth_time: now - 600,
        amr: vec!["otp".into()],
        acr: "aal1".into(),
        expires_at: now + 3600,
        method: "email_code".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0".into(),
        last_seen: now - 60,
    };
    dir.insert_session(&[7; 32], &session, now).await.unwrap();
    let mut events = vec![];
    let mut add = |hours_ago: i64, kind: &str, detail: serde_json::Value| {
        let id = format!("seed-{}", events.len());
        let user_id = Some(ada.id.0.clone());
        events.push(AuditEvent {
            id,
            at: now - hours_ago * 3600,
            kind: kind.into(),
            user_id,
            client_id: None,
            ip: None,
            detail,
        });
    };
    for h in 0..24 {
        for _ in 0..(h % 5 + 1) {
            add(h, "sign_in", json!({"method": "email_code"}));
        }
        for _ in 0..(h % 3) {
            add(h, "sign_in", json!({"method": "passkey"}));
        }
    }
    for (reason, n) in [("wrong_code", 6), ("expired", 2), ("account_disabled", 1)] {
        for _ in 0..n {
            add(3, "sign_in_failed", json!({"method": "email_code", "reason": reason}));
        }
    }
    add(2, "code_sent", json!({"channel": "email"}));
    add(1, "rate_limited", json!({"limit": "sends_per_identifier"}));
    dir.insert_audit_events(&events).await.unwrap();
    let mut reports =
        crate::support::client("reports", None, "client_secret_basic", "ES256", "https://reports.example");
    reports.secret = Some("reports-secret-0123456789".into());
    dir.insert_client(&tessera::domain::clients::from_config(&reports), now).await.unwrap();
    let broker = BridgeConfig {
        id: "broker".into(),
        name: Some("Broker".into()),
        format: "jwt".into(),
        return_urls: vec!["https://broker.example/done".into()],
        audience: "https://broker.example".into(),
        assertion_lifetime_secs: 60,
        access_key: None,
        alg: "EdDSA".into(),
        client_ids: vec![],
    };
    dir.insert_bridge(&broker, now).await.unwrap();
    let identity = tessera::model::LinkedIdentity {
        provider: "google".into(),
        subject: "108423".into(),
        user_id: ada.id.clone(),
        email: Some("ada@example.com".into()),
        created_at: now - 7200,
    };
    dir.link_identity(&identity).await.unwrap();
    for (name, scopes) in
        [("billing sync", vec!["users:read".to_string()]), ("old deploy", vec!["events:read".to_string()])]
    {
        let key = tessera::domain::admin::api_keys::new_key(name, &scopes, now - 86_400).unwrap().record;
        dir.insert_api_key(&key).await.unwrap();
    }
    dir.revoke_api_key(&dir.api_keys().await.unwrap().iter().find(|k| k.name == "old deploy").unwrap().id, now)
        .await
        .unwrap();
    server
}

/// The clients and bridges pages: the lists, a refused form, a client and a new secret shown
/// once, one of the configuration file's (read-only), and a bridge.
async fn registrations(tour: &Tour<'_>) {
    tour.open("/console/clients").await;
    tour.arrive("/console/clients").await;
    tour.audit("console clients").await;
    tour.capture("console-clients").await;
    tour.fill_and_submit("redirect_uris", "http://reports.example/cb").await;
    tour.page.wait_for("!!document.getElementById('id-error') && document.readyState === 'complete'").await;
    tour.audit("console clients, a refused registration").await;
    tour.open("/console/clients/reports").await;
    tour.arrive("/console/clients/reports").await;
    tour.audit("console client").await;
    tour.capture("console-client").await;
    tour.page.eval("document.getElementById('rotate').click()").await.unwrap();
    tour.page.wait_for("!!document.getElementById('secret') && document.readyState === 'complete'").await;
    tour.audit("console client, its new secret").await;
    tour.open("/console/clients/web").await;
    tour.arrive("/console/clients/web").await;
    tour.audit("console client of the configuration file").await;
    tour.open("/console/bridges").await;
    tour.arrive("/console/bridges").await;
    tour.audit("console bridges").await;
    tour.capture("console-bridges").await;
    tour.open("/console/bridges/broker").await;
    tour.arrive("/console/bridges/broker").await;
    tour.audit("console bridge").await;
    tour.capture("console-bridge").await;
}

/// Signs `email` in from wherever the console sent the browser, and goes on to the console.
async fn sign_in(tour: &Tour<'_>, email: &str) {
    tour.arrive("/login/").await;
    let sent = tour.server.smtp.count_to(email);
    tour.fill_and_submit("email", email).await;
    tour.arrive("/code").await;
    let code = tour.server.smtp.nth_to(email, sent + 1).await.code();
    tour.fill_and_submit("code", &code).await;
    tour.page.wait_for("(location.pathname.endsWith('/passkey/offer') || location.pathname === '/console') && document.readyState === 'complete'").await;
    tour.page.eval("document.querySelector('a[href=\"/console\"]')?.click()").await.unwrap();
    tour.page.wait_for("location.pathname === '/console' && document.readyState === 'complete'").await;
}

async fn walk(tour: &Tour<'_>, operator: &str) {
    tour.open("/console").await;
    sign_in(tour, operator).await;
    tour.audit("console overview").await;
    tour.capture("console-overview").await;
    tour.open("/console/users").await;
    tour.arrive("/console/users").await;
    tour.audit("console users").await;
    tour.capture("console-users").await;
    tour.open("/console/events").await;
    tour.arrive("/console/events").await;
    tour.audit("console events").await;
    tour.capture("console-events").await;
    tour.open("/console/settings").await;
    tour.arrive("/console/settings").await;
    tour.audit("console settings").await;
    tour.capture("console-settings").await;
    registrations(tour).await;
    tour.open("/console/users?q=%2B12").await;
    tour.arrive("q=").await;
    tour.audit("console users, a search it cannot read").await;
    let ada = tour.server.state.directory.user_by_email(&"ada@example.com".parse().unwrap()).await.unwrap().unwrap();
    tour.open(&format!("/console/users/{}", ada.id.0)).await;
    tour.arrive(&ada.id.0).await;
    tour.audit("console user").await;
    tour.capture("console-user").await;
    tour.page.eval("document.querySelector('#identities form button').click()").await.unwrap();
    tour.arrive("/identities/unlink").await;
    tour.audit("console confirmation").await;
    tour.open("/console/api-keys").await;
    tour.arrive("/console/api-keys").await;
    tour.audit("console API keys").await;
    tour.capture("console-api-keys").await;
    tour.fill_and_submit("key-name", "reports").await;
    tour.page.wait_for("!!document.getElementById('scopes-error') && document.readyState === 'complete'").await;
    tour.audit("console API keys, a form it refused").await;
    tour.open("/console/keys").await;
    tour.arrive("/console/keys").await;
    tour.audit("console signing keys").await;
    tour.capture("console-keys").await;

    tour.page.call("Network.clearBrowserCookies", json!({})).await.unwrap();
    tour.open("/console").await;
    tour.arrive("/login/").await;
    let sent = tour.server.smtp.count_to("bo@example.com");
    tour.fill_and_submit("email", "bo@example.com").await;
    tour.arrive("/code").await;
    let code = tour.server.smtp.nth_to("bo@example.com", sent + 1).await.code();
    tour.fill_and_submit("code", &code).await;
    tour.page.wait_for("(location.pathname.endsWith('/passkey/offer') || location.pathname === '/console') && document.readyState === 'complete'").await;
    tour.page.eval("document.querySelector('a[href=\"/console\"]')?.click()").await.unwrap();
    tour.page
        .wait_for(
            "location.pathname === '/console' && document.readyState === 'complete' && !!document.querySelector('h1')",
        )
        .await;
    tour.audit("console refusal").await;
    tour.capture("console-refused").await;
}

#[tokio::test]
async fn the_console_pages_in_every_language_pass_the_accessibility_audit_and_fit_a_phone() {
    let server = seeded().await;
    let chrome = Chrome::launch().await;
    let languages: Vec<&'static str> = tessera::i18n::tags().collect();
    for (i, lang) in languages.into_iter().enumerate() {
        let tour = start_tour(&chrome, &server, Reader { lang, dark: false }).await;
        walk(&tour, &format!("ops{i}@example.com")).await;
    }
}

#[tokio::test]
async fn the_console_pages_in_the_dark_colour_scheme_pass_the_audit_too() {
    let server = seeded().await;
    let chrome = Chrome::launch().await;
    let tour = start_tour(&chrome, &server, Reader { lang: "en", dark: true }).await;
    walk(&tour, "ops4@example.com").await;
}
