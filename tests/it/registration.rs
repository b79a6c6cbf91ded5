//! Dynamic client registration (RFC 7591, OIDC Dynamic Client Registration 1.0) with
//! `openid-client`, the refusals RFC 7591 §3.2.2 lists, and RFC 7592's management of the
//! registration with its access token.

use serde_json::json;

use crate::support::openid_client::{Mode, Rp};
use crate::support::receiver::Receiver;
use crate::support::{TestServer, browser};

const INITIAL: &str = "initial-access-token-0123456789";

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.oauth.registration = true;
        c.oauth.registration_tokens = vec![INITIAL.into()];
    })
    .await
}

async fn register(server: &TestServer, token: Option<&str>, metadata: serde_json::Value) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new().post(server.url("/register")).json(&metadata);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn openid_client_registers_itself_and_signs_a_user_in() {
    let server = server().await;
    // openid-client authenticates a registered client with client_secret_post unless told otherwise.
    let metadata = json!({"redirect_uris": ["https://notes.example/cb"], "client_name": "Notes",
                          "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                          "token_endpoint_auth_method": "client_secret_post"});
    let params = json!({"redirect_uri": "https://notes.example/cb"});
    let mut rp = Rp::start(&server, &metadata.to_string(), Some(INITIAL), Mode::Register, params, None);
    let registered = rp.next().await;
    assert!(registered["client_id"].is_string() && registered["client_secret"].is_string(), "{registered}");
    let doc: serde_json::Value =
        reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["registration_endpoint"], server.url("/register"));
    let url = rp.authorization_url().await;
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    assert!(browser::param(&callback, "code").is_some(), "the user consented to the new client: {callback}");
    let outcome = rp.redeem(callback.as_str()).await;
    assert_eq!(outcome["claims"]["email"], "ada@example.com", "{outcome}");
}

#[tokio::test]
async fn registration_refuses_what_rfc7591_lists_and_changes_nothing() {
    let closed = TestServer::start().await;
    assert_eq!(register(&closed, None, json!({"redirect_uris": ["https://a.example/cb"]})).await.0, 404);
    let server = server().await;
    let ok = json!({"redirect_uris": ["https://a.example/cb"]});
    assert_eq!(register(&server, None, ok.clone()).await.0, 401, "an initial access token is required");
    assert_eq!(register(&server, Some("guess"), ok.clone()).await.0, 401);
    let sectors = Receiver::start().await;
    *sectors.jwks.lock().unwrap() = json!(["https://a.example/cb"]);
    let cases = [
        (json!({"redirect_uris": ["http://localhost/cb"]}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "application_type": "native", "token_endpoint_auth_method": "none"}),
            "",
        ),
        (
            json!({"redirect_uris": ["com.example.app:/cb"], "application_type": "native", "token_endpoint_auth_method": "none"}),
            "",
        ),
        (json!({"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]}), "invalid_client_metadata"),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "id_token_signed_response_alg": "none"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://b.example/cb"], "subject_type": "pairwise",
                "sector_identifier_uri": format!("{}/jwks", sectors.base)}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "subject_type": "pairwise",
                "sector_identifier_uri": format!("{}/jwks", sectors.base)}),
            "",
        ),
        (json!({}), "invalid_redirect_uri"),
    ];
    for (metadata, error) in cases {
        let (status, body) = register(&server, Some(INITIAL), metadata.clone()).await;
        if error.is_empty() {
            assert_eq!(status, 201, "{metadata}: {body}");
        } else {
            assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{metadata}: {body}");
        }
    }
    assert_eq!(server.state.directory.clients().await.unwrap().len(), 3, "only the three accepted were stored");
}

#[tokio::test]
async fn the_registration_access_token_reads_updates_and_deletes_the_registration() {
    let server = server().await;
    let (status, registered) =
        register(&server, Some(INITIAL), json!({"redirect_uris": ["https://a.example/cb"]})).await;
    assert_eq!(status, 201);
    let (id, token) =
        (registered["client_id"].as_str().unwrap(), registered["registration_access_token"].as_str().unwrap());
    let uri = registered["registration_client_uri"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let read = http.get(&uri).bearer_auth(token).send().await.unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(read.json::<serde_json::Value>().await.unwrap()["client_id"], id);
    assert_eq!(http.get(&uri).bearer_auth("wrong").send().await.unwrap().status(), 401);
    let update = json!({"client_id": id, "redirect_uris": ["https://a.example/cb", "https://a.example/other"], "client_name": "Renamed"});
    let updated = http.put(&uri).bearer_auth(token).json(&update).send().await.unwrap();
    assert_eq!(updated.status(), 200);
    let stored = server.state.directory.client(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.redirect_uris.len()),
        ("Renamed", 2),
        "RFC 7592 §2.2 replaces the metadata"
    );
    assert_eq!(http.delete(&uri).bearer_auth(token).send().await.unwrap().status(), 204);
    assert!(server.state.directory.client(id).await.unwrap().is_none());
    assert_eq!(http.get(&uri).bearer_auth(token).send().await.unwrap().status(), 401, "gone with its token");
}
