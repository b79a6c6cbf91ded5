//! The page's ceremonies through `@passwordlessdev/passwordless-client` in headless Chromium, on
//! a page served from the application's own origin (another port than Tessera's), with a virtual
//! authenticator; its tokens verified by the backend through the Node SDK.

use serde_json::{Value, json};

use super::{SHOP_PUBLIC, api, server, shop};
use crate::support::chrome::{Chrome, Page};
use crate::support::passwordless_dev::serve_page;

/// Runs `call` on a `Passwordless.Client` of the shop (e.g. `register(token, 'Laptop')`) and
/// returns what it resolved to: `{token}` or `{error}`.
async fn client(page: &Page<'_>, api: &str, call: &str) -> Value {
    let config = json!({"apiUrl": api, "apiKey": SHOP_PUBLIC});
    let script = format!("(async () => {{ const c = new Passwordless.Client({config}); return await c.{call}; }})()");
    page.eval(&script).await.unwrap()
}

fn token(answer: &Value) -> String {
    answer["token"].as_str().unwrap_or_else(|| panic!("a token, not {answer}")).to_string()
}

#[tokio::test]
async fn the_official_sdks_register_then_sign_in_by_discoverable_alias_user_id_and_autofill_on_the_apps_page() {
    let origin = serve_page().await;
    let server = server(&origin, |_| {}).await;
    let (api, backend) = (api(&server), shop(&server));
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(true, true).await;
    page.goto(&format!("{origin}/")).await;

    let options = json!({"userId": "user-42", "username": "ada@example.com", "aliases": ["ada@example.com"]});
    let register = backend.call("createRegisterToken", json!([options])).await.unwrap();
    let register = register["token"].as_str().unwrap().to_string();
    let registered = client(&page, &api, &format!("register({}, 'Laptop')", json!(register))).await;
    let verified = backend.call("verifyToken", json!([token(&registered)])).await.unwrap();
    assert_eq!((verified["userId"].as_str(), verified["type"].as_str()), (Some("user-42"), Some("passkey_register")));
    assert_eq!(page.credentials(&auth).await.len(), 1, "the passkey is on the authenticator");
    // The register token was spent by the registration.
    let again = client(&page, &api, &format!("register({}, 'Again')", json!(register))).await;
    assert_eq!(again["error"]["errorCode"], "invalid_token", "{again}");

    for call in [
        "signinWithDiscoverable()",
        "signinWithAlias('ada@example.com')",
        "signinWithId('user-42')",
        "signinWithAutofill()",
    ] {
        let signed_in = client(&page, &api, call).await;
        let verified = backend.call("verifyToken", json!([token(&signed_in)])).await.unwrap();
        assert_eq!(verified["success"], true, "{call}: {verified}");
        assert_eq!(verified["userId"], "user-42", "{call}");
        assert_eq!(verified["type"], "passkey_signin", "{call}");
        assert_eq!(verified["origin"], origin.as_str(), "{call}");
        assert_eq!(verified["rpId"], "localhost", "{call}");
        assert_eq!(verified["nickname"], "Laptop", "{call}");
        // Replayed: the backend gets nothing.
        assert_eq!(backend.call("verifyToken", json!([token(&signed_in)])).await.unwrap(), json!(null), "{call}");
    }

    // Counted and audited as every sign-in is.
    let completed = server.state.metrics.counter("tessera_logins_completed_total", &[("method", "embedded_passkey")]);
    assert_eq!(completed, 4);
    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { kind: Some("sign_in".into()), limit: 10, ..Default::default() };
    let events = server.state.directory.audit_events(&query).await.unwrap();
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e.client_id.as_deref() == Some("shop") && e.detail["app_user"] == "user-42"));

    let credentials = backend.call("listCredentials", json!(["user-42"])).await.unwrap();
    assert_eq!(credentials.as_array().unwrap().len(), 1);
    assert_eq!(credentials[0]["origin"], origin.as_str());
    assert_eq!(credentials[0]["isBackupEligible"], true);
    let users: Value = reqwest::Client::new()
        .get(format!("{api}/users/list"))
        .header("ApiSecret", super::SHOP_SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["values"][0]["credentialsCount"], 1, "{users}");
    assert_eq!(users["values"][0]["aliasCount"], 1, "{users}");

    // Deleted on the backend, the passkey no longer signs in.
    let id = credentials[0]["descriptor"]["id"].as_str().unwrap();
    let raw_id: Vec<u8> = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id).unwrap();
    backend.call("deleteCredential", json!([raw_id])).await.unwrap();
    let refused = client(&page, &api, "signinWithDiscoverable()").await;
    assert_eq!(refused["error"]["errorCode"], "unknown_credential", "{refused}");
}

#[tokio::test]
async fn a_page_on_an_origin_the_application_does_not_list_is_refused_and_stores_nothing() {
    let listed = serve_page().await;
    let other = serve_page().await;
    let server = server(&listed, |_| {}).await;
    let (api, backend) = (api(&server), shop(&server));
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    page.goto(&format!("{other}/")).await;

    let made = backend.call("createRegisterToken", json!([{"userId": "user-7", "username": "eve"}])).await.unwrap();
    let register = made["token"].as_str().unwrap().to_string();
    let refused = client(&page, &api, &format!("register({})", json!(register))).await;
    assert!(refused["error"].is_object(), "the browser may not call from another origin: {refused}");
    assert!(page.credentials(&auth).await.is_empty(), "no ceremony ran");
    assert_eq!(backend.call("listCredentials", json!(["user-7"])).await.unwrap(), json!([]));

    // Claiming the listed origin in the body does not help: the browser's Origin header decides.
    let forged = format!(
        "(async () => {{ const c = new Passwordless.Client({}); return await c.register({}); }})()",
        json!({"apiUrl": api, "apiKey": SHOP_PUBLIC, "origin": listed}),
        json!(register)
    );
    let refused = page.eval(&forged).await.unwrap();
    assert!(refused["error"].is_object(), "{refused}");
    assert!(page.credentials(&auth).await.is_empty());

    // The preflight names no origin but the application's.
    let preflight = |origin: String| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{api}/signin/begin"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "apikey,content-type")
            .send()
    };
    let allowed = preflight(listed.clone()).await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], listed.as_str());
    let denied = preflight(other.clone()).await.unwrap();
    assert!(denied.headers().get("access-control-allow-origin").is_none());

    // On the listed origin, a wrong public key is refused in words the page can read.
    page.goto(&format!("{listed}/")).await;
    let wrong = format!(
        "(async () => {{ const c = new Passwordless.Client({}); return await c.register({}); }})()",
        json!({"apiUrl": api, "apiKey": "shop:public:not-the-key-000000000"}),
        json!(register)
    );
    let refused = page.eval(&wrong).await.unwrap();
    assert_eq!(refused["error"]["status"], 401, "{refused}");
    assert_eq!(refused["error"]["from"], "server", "{refused}");

    // The same page on the listed origin registers with the same token.
    let registered = client(&page, &api, &format!("register({})", json!(register))).await;
    assert!(registered["token"].is_string(), "{registered}");
}
