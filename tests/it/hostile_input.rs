//! Malformed and ambiguous input at the boundary: each is refused with a clear error and
//! changes nothing.

use reqwest::Method;
use serde_json::json;

use crate::api::{KEY, call, with_keys};
use crate::support::TestServer;

#[tokio::test]
async fn redirect_uris_with_cr_lf_or_tab_are_refused_at_registration() {
    let server = TestServer::start().await;
    with_keys(&server).await;
    for uri in ["https://x.example/c\rb", "https://x.example/c\nb", "https://x.example/\tcb"] {
        let body = json!({"id": "x", "redirect_uris": [uri]});
        let (status, problem) = call(&server, Method::POST, "/api/v1/clients", Some(KEY), Some(body)).await;
        assert_eq!(status, 400, "{uri:?}: {problem}");
        assert!(problem["detail"].as_str().unwrap().starts_with("redirect_uris"), "{problem}");
    }
    assert_eq!(call(&server, Method::GET, "/api/v1/clients/x", Some(KEY), None).await.0, 404);
}
