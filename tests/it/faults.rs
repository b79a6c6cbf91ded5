//! Store outages: requests that need a missing store answer 503 within a bound, `/readyz` says
//! so while `/healthz` stays up, and Tessera recovers by itself when the store returns.

use std::time::{Duration, Instant};

use openidconnect::OAuth2TokenResponse;

use crate::support::browser::Step;
use crate::support::process::{OwnRedis, PgSchema, Relay, free_port, postgres_url, redis_prefix};
use crate::support::{TestServer, WEB_SECRET, rp, signed_in};

/// Every request in an outage must be answered within this bound.
const BOUND: Duration = Duration::from_secs(4);

async fn status(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

async fn eventually_ready(server: &TestServer) {
    for _ in 0..100 {
        if status(&server.url("/readyz")).await == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not ready again after the store came back");
}

#[tokio::test]
async fn a_redis_outage_answers_503_fast_and_heals_when_redis_returns() {
    let port = free_port();
    let mut redis = OwnRedis::start(port).await;
    let server = TestServer::start_with(|c| {
        c.ephemeral.url = format!("redis://127.0.0.1:{port}");
        c.ephemeral.prefix = redis_prefix();
    })
    .await;
    let signed_in_browser = server.browser();
    let (_, tokens) = signed_in(&server, &signed_in_browser, "web", &["offline_access"], "ada@example.com").await;
    // A code issued before the outage, redeemed during it: its single use needs Redis.
    let client = rp::client(&server, "web").await;
    let earlier = rp::start(&client, &[]);
    let Step::Client(with_code) = signed_in_browser.authorize(&earlier.url).await else {
        panic!("the session answers")
    };
    let code = crate::support::browser::param(&with_code, "code").unwrap();

    redis.stop();
    let started = Instant::now();
    let browser = server.browser();
    let pending = rp::start(&client, &[]);
    let Step::Client(url) = browser.authorize(&pending.url).await else { panic!("a verified client gets a redirect") };
    assert_eq!(crate::support::browser::param(&url, "error").as_deref(), Some("temporarily_unavailable"));
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", &server.redirect_uri("web"))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["error"], "temporarily_unavailable");
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 503);
    assert_eq!(status(&server.url("/readyz")).await, 503);
    assert_eq!(status(&server.url("/healthz")).await, 200);
    assert!(started.elapsed() < BOUND * 5, "all outage answers came quickly: {:?}", started.elapsed());

    let _redis = OwnRedis::start(port).await;
    eventually_ready(&server).await;
    signed_in(&server, &server.browser(), "web", &[], "ada@example.com").await;
}

#[tokio::test]
async fn a_postgres_outage_answers_503_and_readyz_reports_it_until_it_returns() {
    let schema = PgSchema::create().await;
    let target = postgres_url().split('@').nth(1).unwrap().split('/').next().unwrap().to_string();
    let relay = Relay::start(&target).await;
    let url = schema.url().replace(&target, &format!("127.0.0.1:{}", relay.port));
    let server = TestServer::start_with(|c| c.directory.url = url.clone()).await;
    let (client, tokens) = signed_in(&server, &server.browser(), "web", &["offline_access"], "ada@example.com").await;

    relay.cut();
    let started = Instant::now();
    let readyz = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(readyz.status(), 503);
    let body: serde_json::Value = readyz.json().await.unwrap();
    assert!(body["directory"].as_str().unwrap().starts_with("unavailable"), "{body}");
    assert_eq!(body["ephemeral"], "ok");
    assert_eq!(status(&server.url("/healthz")).await, 200);
    let refresh = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", tokens.refresh_token().unwrap().secret().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 503);
    assert!(started.elapsed() < BOUND * 2, "answered within a bound: {:?}", started.elapsed());

    relay.restore();
    eventually_ready(&server).await;
    let refreshed =
        client.exchange_refresh_token(tokens.refresh_token().unwrap()).unwrap().request_async(&rp::http).await;
    assert!(refreshed.is_ok(), "the refused refresh did not spend the token, and the service is back");
}
