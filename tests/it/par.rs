//! Pushed authorization requests (RFC 9126) with `openid-client` as the relying party, and the
//! refusals the RFC lists: unauthenticated pushes, pushed `request_uri`s, requests the
//! authorization endpoint would refuse, reuse, expiry, another client's URI, and clients or
//! servers that require PAR.

use serde_json::json;

use crate::support::openid_client::{Mode, Rp};
use crate::support::{Browser, TestServer, WEB_SECRET, browser, client};

async fn push(server: &TestServer, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new().post(server.url("/par")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or_default())
}

fn request_form(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", "web".into()),
        ("redirect_uri", server.redirect_uri("web")),
        ("scope", "openid".into()),
        ("state", "s1".into()),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        ("code_challenge_method", "S256".into()),
    ]
}

async fn pushed_uri(server: &TestServer) -> String {
    let form = request_form(server);
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let (status, body) = push(server, &form, Some(("web", WEB_SECRET))).await;
    assert_eq!(status, 201, "{body}");
    body["request_uri"].as_str().unwrap().to_string()
}

fn authorize_url(server: &TestServer, client_id: &str, request_uri: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri)
        .finish();
    server.url(&format!("/authorize?{query}"))
}

#[tokio::test]
async fn openid_client_signs_in_through_a_pushed_request() {
    let server = TestServer::start().await;
    let mut rp = Rp::start(&server, "web", Some(WEB_SECRET), Mode::Par, json!({}), None);
    let url = rp.authorization_url().await;
    let query: Vec<(String, String)> = url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    let mut names: Vec<&str> = query.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    assert_eq!(names, ["client_id", "request_uri"], "RFC 9126 §4: only the reference travels through the browser");
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    let outcome = rp.redeem(callback.as_str()).await;
    assert_eq!(outcome["claims"]["email"], "ada@example.com", "{outcome}");
}

#[tokio::test]
async fn a_pushed_request_answers_201_with_a_short_lived_urn() {
    let server = TestServer::start().await;
    let form = request_form(&server);
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let (status, body) = push(&server, &form, Some(("web", WEB_SECRET))).await;
    assert_eq!(status, 201);
    assert!(body["request_uri"].as_str().unwrap().starts_with("urn:ietf:params:oauth:request_uri:"), "{body}");
    assert_eq!(body["expires_in"], 60);
}

#[tokio::test]
async fn a_request_uri_is_used_once() {
    let server = TestServer::start().await;
    let uri = pushed_uri(&server).await;
    let browser = server.browser();
    let first = browser.get(&authorize_url(&server, "web", &uri)).await;
    assert!(Browser::location(&first).starts_with("/login/"), "the first use starts a sign-in");
    let again = browser.get(&authorize_url(&server, "web", &uri)).await;
    assert_eq!(again.status(), 400, "RFC 9126 §4: a request_uri is one-time use");
}

#[tokio::test]
async fn a_request_uri_expires_and_belongs_to_its_client() {
    let server = TestServer::start().await;
    let uri = pushed_uri(&server).await;
    let other = server.browser().get(&authorize_url(&server, "post", &uri)).await;
    assert_eq!(other.status(), 400, "another client cannot use it");
    server.clock.advance(61);
    let late = server.browser().get(&authorize_url(&server, "web", &uri)).await;
    assert_eq!(late.status(), 400, "expired after expires_in");
    let fresh = pushed_uri(&server).await;
    let without_client = server.browser().get(&server.url(&format!("/authorize?request_uri={fresh}"))).await;
    assert_eq!(without_client.status(), 400, "RFC 9126 §4: client_id is required beside request_uri");
}

#[tokio::test]
async fn the_par_endpoint_refuses_what_the_authorization_endpoint_would() {
    let server = TestServer::start().await;
    let base = request_form(&server);
    let with = |name: &'static str, value: &str| {
        let mut form = base.clone();
        form.retain(|(n, _)| *n != name);
        form.push((name, value.to_string()));
        form
    };
    let cases = [
        (with("redirect_uri", "https://evil.example/cb"), "invalid_request"),
        (with("scope", "email"), "invalid_scope"),
        (with("request_uri", "urn:ietf:params:oauth:request_uri:x"), "invalid_request"),
        (with("response_type", "token"), "unsupported_response_type"),
        (with("code_challenge_method", "plain"), "invalid_request"),
    ];
    for (form, error) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, body) = push(&server, &form, Some(("web", WEB_SECRET))).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{form:?}: {body}");
    }
    let form: Vec<(&str, &str)> = base.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let (status, body) = push(&server, &form, None).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "RFC 9126 §2.1: clients authenticate");
    let (status, _) = push(&server, &form, Some(("web", "wrong-secret-0123456789"))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_client_that_requires_par_cannot_send_a_plain_request() {
    let server = TestServer::start_with(|c| {
        let mut strict = client("strict", Some(WEB_SECRET), "client_secret_basic", "ES256", &c.issuer);
        strict.require_pushed_authorization_requests = true;
        c.clients.push(strict);
    })
    .await;
    let plain = format!(
        "/authorize?response_type=code&client_id=strict&redirect_uri={}&scope=openid&state=s1\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        server.redirect_uri("strict")
    );
    let refused = server.browser().get(&plain).await;
    let location = url::Url::parse(&Browser::location(&refused)).unwrap();
    assert_eq!(browser::param(&location, "error").as_deref(), Some("invalid_request"));
    assert_eq!(browser::param(&location, "state").as_deref(), Some("s1"));

    let mut rp = Rp::start(&server, "strict", Some(WEB_SECRET), Mode::Par, json!({}), None);
    let url = rp.authorization_url().await;
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    assert!(rp.redeem(callback.as_str()).await["claims"]["sub"].is_string(), "the pushed request works");
}

#[tokio::test]
async fn a_server_that_requires_par_says_so_and_refuses_plain_requests() {
    let server = TestServer::start_with(|c| c.oauth.require_pushed_authorization_requests = true).await;
    let doc: serde_json::Value =
        reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["require_pushed_authorization_requests"], true);
    let form = request_form(&server);
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(form.iter()).finish();
    let refused = server.browser().get(&server.url(&format!("/authorize?{query}"))).await;
    let location = url::Url::parse(&Browser::location(&refused)).unwrap();
    assert_eq!(browser::param(&location, "error").as_deref(), Some("invalid_request"));
    let uri = pushed_uri(&server).await;
    let pushed = server.browser().get(&authorize_url(&server, "web", &uri)).await;
    assert!(Browser::location(&pushed).starts_with("/login/"));
}
