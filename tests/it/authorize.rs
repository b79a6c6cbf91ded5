//! `/authorize` validation and prompt handling (RFC 6749 §4.1.2.1, OIDC Core §3.1.2).

use crate::support::browser::{Step, param};
use crate::support::{TestServer, rp, signed_in};

fn authorize_url(server: &TestServer, query: &str) -> String {
    server.url(&format!("/authorize?{query}"))
}

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn valid_query(server: &TestServer, client_id: &str) -> String {
    let redirect = urlencode(&server.redirect_uri(client_id));
    format!(
        "response_type=code&client_id={client_id}&redirect_uri={redirect}&scope=openid&state=s1&code_challenge={CHALLENGE}&code_challenge_method=S256"
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Asserts the request renders an error page and sends the browser nowhere.
async fn assert_page_not_redirect(server: &TestServer, query: &str, what: &str) {
    let response = server.browser().get(&authorize_url(server, query)).await;
    assert_eq!(response.status(), 400, "{what}");
    assert!(response.headers().get("location").is_none(), "{what}: never redirect");
    assert!(response.text().await.unwrap().contains("cannot be used"), "{what}");
}

/// Asserts the request is answered at the client's redirect_uri with `error`, `state` and `iss`.
async fn assert_redirect_error(server: &TestServer, query: &str, error: &str) {
    let browser = server.browser();
    let Step::Client(url) = browser.authorize(&authorize_url(server, query)).await else {
        panic!("expected a redirect for {error}")
    };
    assert!(
        url.as_str().starts_with(&server.redirect_uri("web")) || url.as_str().starts_with(&server.redirect_uri("spa"))
    );
    assert_eq!(param(&url, "error").as_deref(), Some(error), "{query}");
    assert_eq!(param(&url, "state").as_deref(), Some("s1"));
    assert_eq!(param(&url, "iss").as_deref(), Some(server.base.as_str()));
}

#[tokio::test]
async fn unknown_client_or_unregistered_redirect_uri_renders_a_page_and_never_redirects() {
    let server = TestServer::start().await;
    let registered = server.redirect_uri("web");
    assert_page_not_redirect(&server, "response_type=code&scope=openid", "missing client_id").await;
    assert_page_not_redirect(
        &server,
        &valid_query(&server, "web").replace("client_id=web", "client_id=nobody"),
        "unknown client",
    )
    .await;
    for bad in [
        "https://evil.example/cb".to_string(),
        format!("{registered}/"),
        format!("{registered}?x=1"),
        registered.to_uppercase(),
        registered.replace("/cb/web", "/cb/we"),
    ] {
        let query = valid_query(&server, "web").replace(&urlencode(&registered), &urlencode(&bad));
        assert_page_not_redirect(&server, &query, &format!("redirect_uri {bad}")).await;
    }
    let query = format!("{}&client_id=web", valid_query(&server, "web"));
    assert_page_not_redirect(&server, &query, "repeated client_id").await;
}

#[tokio::test]
async fn a_repeated_parameter_with_an_empty_value_is_a_repeat() {
    let server = TestServer::start().await;
    // RFC 6749 §3.1: parameters MUST NOT be included more than once, empty or not.
    let query = format!("redirect_uri=&{}", valid_query(&server, "web"));
    assert_page_not_redirect(&server, &query, "empty redirect_uri, then the registered one").await;
}

#[tokio::test]
async fn invalid_parameters_after_verification_redirect_with_the_oauth_error() {
    let server = TestServer::start().await;
    let web = valid_query(&server, "web");
    assert_redirect_error(&server, &format!("{web}&scope=email"), "invalid_request").await;
    assert_redirect_error(&server, &web.replace("scope=openid", "scope=email"), "invalid_scope").await;
    assert_redirect_error(
        &server,
        &web.replace("response_type=code", "response_type=token"),
        "unsupported_response_type",
    )
    .await;
    assert_redirect_error(&server, &web.replace("response_type=code&", ""), "invalid_request").await;
    assert_redirect_error(
        &server,
        &web.replace("code_challenge_method=S256", "code_challenge_method=plain"),
        "invalid_request",
    )
    .await;
    assert_redirect_error(&server, &web.replace("&code_challenge_method=S256", ""), "invalid_request").await;
    assert_redirect_error(&server, &format!("{web}&prompt=none%20login"), "invalid_request").await;
    assert_redirect_error(&server, &format!("{web}&prompt=sometimes"), "invalid_request").await;
    assert_redirect_error(&server, &format!("{web}&max_age=-1"), "invalid_request").await;
    assert_redirect_error(&server, &format!("{web}&request=eyJ"), "invalid_request_object").await;
    assert_redirect_error(&server, &format!("{web}&request_uri=https%3A%2F%2Fx"), "request_uri_not_supported").await;
    assert_redirect_error(&server, &format!("{web}&id_token_hint=not.a.token"), "invalid_request").await;
    assert_redirect_error(&server, &format!("{web}&response_mode=fragment"), "invalid_request").await;
}

#[tokio::test]
async fn public_clients_must_use_pkce() {
    let server = TestServer::start().await;
    let spa =
        valid_query(&server, "spa").replace(&format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"), "");
    let browser = server.browser();
    let Step::Client(url) = browser.authorize(&authorize_url(&server, &spa)).await else { panic!() };
    assert_eq!(param(&url, "error").as_deref(), Some("invalid_request"));
    assert!(param(&url, "error_description").unwrap().contains("PKCE"));
}

#[tokio::test]
async fn unknown_parameters_are_ignored_and_post_works_like_get() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let query = format!(
        "{}&unknown_thing=1&display=page&ui_locales=en&claims_locales=en&acr_values=aal1",
        valid_query(&server, "web")
    );
    let response = browser
        .client
        .post(server.url("/authorize"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/login/"));
}

#[tokio::test]
async fn prompt_none_answers_login_required_without_a_session_and_a_code_with_one() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &[]);
    let Step::Client(url) = browser.authorize(&format!("{}&prompt=none", pending.url)).await else { panic!() };
    assert_eq!(param(&url, "error").as_deref(), Some("login_required"));
    assert_eq!(param(&url, "state").as_deref(), Some(pending.state.secret().as_str()));

    signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let pending = rp::start(&client, &[]);
    let Step::Client(url) = browser.authorize(&format!("{}&prompt=none", pending.url)).await else { panic!() };
    assert!(param(&url, "code").is_some(), "a live session answers prompt=none with a code");
}

#[tokio::test]
async fn prompt_login_and_an_exceeded_max_age_force_a_new_login() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    signed_in(&server, &browser, "web", &[], "ada@example.com").await;

    let pending = rp::start(&client, &[]);
    let Step::Login(page) = browser.authorize(&format!("{}&prompt=login", pending.url)).await else {
        panic!("prompt=login shows the login page")
    };
    assert!(!page.html.contains("Continue as"), "prompt=login cannot reuse the session");

    server.clock.advance(120);
    let pending = rp::start(&client, &[]);
    let Step::Login(page) = browser.authorize(&format!("{}&max_age=60", pending.url)).await else {
        panic!("max_age exceeded shows the login page")
    };
    let callback = browser.complete_login(&page, "ada@example.com").await;
    let tokens = rp::redeem(&client, pending, &param(&callback, "code").unwrap()).await;
    let claims = openidconnect::TokenResponse::id_token(&tokens)
        .unwrap()
        .claims(&client.id_token_verifier(), |_: Option<&openidconnect::Nonce>| Ok(()))
        .unwrap();
    assert_eq!(
        claims.auth_time().unwrap().timestamp(),
        server.clock.now(),
        "a fresh auth_time after re-authentication"
    );

    let pending = rp::start(&client, &[]);
    let Step::Client(url) = browser.authorize(&format!("{}&max_age=60", pending.url)).await else {
        panic!("a recent login satisfies max_age")
    };
    assert!(param(&url, "code").is_some());
}

#[tokio::test]
async fn select_account_offers_the_current_account_and_login_hint_prefills_the_email() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &[]);
    let Step::Login(page) = browser.authorize(&format!("{}&login_hint=grace%40example.com", pending.url)).await else {
        panic!()
    };
    assert!(page.html.contains("value=\"grace@example.com\""));

    signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let pending = rp::start(&client, &[]);
    let Step::Login(page) = browser.authorize(&format!("{}&prompt=select_account", pending.url)).await else {
        panic!()
    };
    assert!(page.html.contains("Continue as ada@example.com"));
    let response = browser.post(&format!("/login/{}/continue", page.id), &[("csrf", &page.csrf)]).await;
    assert_eq!(response.status(), 303);
    let resume = crate::support::Browser::location(&response);
    let response = browser.get(&resume).await;
    let url = url::Url::parse(&crate::support::Browser::location(&response)).unwrap();
    assert!(param(&url, "code").is_some());
}
