//! Abuse by unauthenticated clients: what they can make Tessera keep, and whom they can lock out.

use crate::support::TestServer;

#[tokio::test]
async fn only_known_methods_become_metric_labels() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for n in 0..20 {
        let made_up = reqwest::Method::from_bytes(format!("X{}{n}", "Y".repeat(500)).as_bytes()).unwrap();
        http.request(made_up, server.url("/authorize")).send().await.unwrap();
    }
    let text = http.get(server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("YYYY"), "a made-up method became a label");
    assert!(text.contains(r#"tessera_http_requests_total{method="other","#), "{text}");
}
