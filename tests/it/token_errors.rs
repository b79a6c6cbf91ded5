//! Token endpoint errors (RFC 6749 §5.2): client authentication, malformed requests of every
//! kind, each answered with the right error, JSON, `no-store`, and never a panic.

use crate::support::{TestServer, WEB_SECRET, raw_token};

#[tokio::test]
async fn wrong_or_unknown_client_credentials_are_invalid_client_with_a_basic_challenge() {
    let server = TestServer::start().await;
    let form = [("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", "http://127.0.0.1:9/cb")];
    for (id, secret) in [("web", "wrong-secret-0123456789"), ("nobody", WEB_SECRET), ("web", "")] {
        let (status, body, headers) = raw_token(&server, &form, Some((id, secret))).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{id}:{secret}");
        assert!(headers["www-authenticate"].to_str().unwrap().starts_with("Basic"));
        assert_eq!(headers["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn a_client_must_use_the_authentication_method_it_registered() {
    let server = TestServer::start().await;
    let base = [("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", "http://127.0.0.1:9/cb")];
    // `web` registered client_secret_basic: posting the secret in the body is refused.
    let mut form = base.to_vec();
    form.extend([("client_id", "web"), ("client_secret", WEB_SECRET)]);
    let (status, body, _) = raw_token(&server, &form, None).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    // `post` registered client_secret_post: sending no secret at all is refused.
    let mut form = base.to_vec();
    form.push(("client_id", "post"));
    let (status, body, _) = raw_token(&server, &form, None).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    // Two methods at once is a malformed request.
    let mut form = base.to_vec();
    form.push(("client_secret", WEB_SECRET));
    let (status, body, _) = raw_token(&server, &form, Some(("web", WEB_SECRET))).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
}

#[tokio::test]
async fn malformed_token_requests_get_the_right_oauth_error() {
    let server = TestServer::start().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "invalid_request"),
        (vec![("grant_type", "password"), ("username", "a"), ("password", "b")], "unsupported_grant_type"),
        (vec![("grant_type", "authorization_code")], "invalid_request"),
        (vec![("grant_type", "authorization_code"), ("code", "x")], "invalid_request"),
        (
            vec![("grant_type", "authorization_code"), ("code", "nope"), ("redirect_uri", "http://127.0.0.1:9/cb")],
            "invalid_grant",
        ),
        (vec![("grant_type", "refresh_token")], "invalid_request"),
        (vec![("grant_type", "refresh_token"), ("refresh_token", "nope")], "invalid_grant"),
        (
            vec![("grant_type", "refresh_token"), ("grant_type", "refresh_token"), ("refresh_token", "x")],
            "invalid_request",
        ),
        (
            vec![("grant_type", "authorization_code"), ("code", "\u{0}\u{ffff}"), ("redirect_uri", "\u{202e}")],
            "invalid_grant",
        ),
    ];
    for (form, expected) in cases {
        let (status, body, headers) = raw_token(&server, &form, Some(("web", WEB_SECRET))).await;
        assert_eq!(body["error"].as_str(), Some(expected), "{form:?}");
        assert_eq!(status, 400, "{form:?}");
        assert_eq!(headers["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn bodies_that_are_not_forms_are_refused_cleanly() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let attempts = [
        ("application/json", b"{\"grant_type\":\"authorization_code\"}".to_vec()),
        ("text/plain", b"grant_type=authorization_code".to_vec()),
        ("application/x-www-form-urlencoded", vec![0xff, 0xfe, b'=', 0x00]),
        ("application/x-www-form-urlencoded", b"%%%&&&===".to_vec()),
    ];
    for (content_type, body) in attempts {
        let response =
            http.post(server.url("/token")).header("content-type", content_type).body(body).send().await.unwrap();
        let status = response.status().as_u16();
        assert!(status == 400 || status == 401, "{content_type}: {status}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert!(json["error"].is_string());
    }
    let huge = "a=".to_string() + &"x".repeat(200_000);
    let response = http
        .post(server.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    let response = http.get(server.url("/token")).send().await.unwrap();
    assert_eq!(response.status(), 405);
}
