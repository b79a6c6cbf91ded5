//! Operations: metrics that move as flows run, audit events stored and delivered to signed
//! webhooks with retries, client addresses behind trusted proxies, and graceful shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use serde_json::json;
use tessera::config::{Config, WebhookConfig};
use tessera::model::AuditQuery;

use crate::private_key_jwt::{assertion, new_key};
use crate::support::process::{Replica, free_port};
use crate::support::receiver::Receiver;
use crate::support::{TestServer, client, copy_keys, rp, signed_in};

const HOOK_SECRET: &str = "hook-secret-0123456789abcdef-0123456789";

/// The value of one sample line of `/metrics` (0 when absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.parse().unwrap())
}

async fn metrics(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

async fn events(server: &TestServer, kind: &str) -> Vec<tessera::model::AuditEvent> {
    server.state.flush_audit().await;
    let query = AuditQuery { kind: Some(kind.into()), limit: 100, ..AuditQuery::default() };
    server.state.directory.audit_events(&query).await.unwrap()
}

#[tokio::test]
async fn metrics_count_a_login_from_code_sent_to_tokens_issued() {
    let server = TestServer::start().await;
    let before = metrics(&server.url("/metrics")).await;
    signed_in(&server, &server.browser(), "web", &["openid"], "grace@example.com").await;
    let after = metrics(&server.url("/metrics")).await;

    for (series, delta) in [
        (r#"tessera_logins_started_total{method="email_code"}"#, 1.0),
        (r#"tessera_logins_completed_total{method="email_code"}"#, 1.0),
        (r#"tessera_codes_sent_total{channel="email"}"#, 1.0),
        (r#"tessera_tokens_issued_total{grant="authorization_code"}"#, 1.0),
        (r#"tessera_http_requests_total{method="POST",route="/token",status="200"}"#, 1.0),
        (r#"tessera_http_request_duration_seconds_count{method="POST",route="/token",status="200"}"#, 1.0),
    ] {
        assert_eq!(sample(&after, series) - sample(&before, series), delta, "{series}\n{after}");
    }
    let store =
        r#"tessera_store_duration_seconds_count{store="directory",backend="sqlite",operation="user_by_identifier"}"#;
    assert!(sample(&after, store) > sample(&before, store), "store latency is measured: {after}");
    assert!(after.contains("# TYPE tessera_http_request_duration_seconds histogram"));
    assert!(!after.contains("grace@example.com"), "no identifier in metrics");
}

#[tokio::test]
async fn metrics_publish_the_configured_sms_daily_cap_as_a_gauge_for_the_alert_rules() {
    let server = TestServer::start_with(|c| c.sms.daily_cap = 250).await;
    let text = metrics(&server.url("/metrics")).await;
    assert!(text.contains("# TYPE tessera_sms_daily_cap gauge"), "{text}");
    assert_eq!(sample(&text, "tessera_sms_daily_cap"), 250.0, "{text}");
}

#[tokio::test]
async fn metrics_on_their_own_address_are_not_served_on_the_public_port() {
    let port = free_port();
    let server = TestServer::start_with(|c| c.metrics.listen = format!("127.0.0.1:{port}")).await;
    assert_eq!(reqwest::get(server.url("/metrics")).await.unwrap().status(), 404);
    let mut text = String::new();
    for _ in 0..50 {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await {
            text = r.text().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(text.contains("tessera_http_requests_total"), "{text}");
}

/// Checks a `Tessera-Signature` header the way a receiver would.
fn signature_is_valid(header: &str, body: &[u8]) -> bool {
    let Some((t, v1)) = header.strip_prefix("t=").and_then(|r| r.split_once(",v1=")) else { return false };
    let key = hmac::Key::new(hmac::HMAC_SHA256, HOOK_SECRET.as_bytes());
    let signed = [t.as_bytes(), b".", body].concat();
    let Ok(tag) =
        (0..v1.len() / 2).map(|i| u8::from_str_radix(&v1[2 * i..2 * i + 2], 16)).collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    hmac::verify(&key, &signed, &tag).is_ok()
}

#[tokio::test]
async fn audit_events_are_stored_and_reach_a_webhook_that_fails_twice_then_succeeds() {
    let receiver = Receiver::start().await;
    *receiver.fail_next.lock().unwrap() = 2;
    let hook = format!("{}/hook", receiver.base);
    let server = TestServer::start_with(|c| {
        c.audit.retry_base_ms = 20;
        c.audit.webhooks = vec![WebhookConfig { url: hook, secret: HOOK_SECRET.into() }];
    })
    .await;
    let browser = server.browser();
    let rp = rp::client(&server, "web").await;
    let pending = rp::start(&rp, &["openid"]);
    let crate::support::browser::Step::Login(page) = browser.authorize(&pending.url).await else { panic!("login") };
    let email = "katherine@example.com";
    browser.submit_email(&page, email).await;
    let code = server.smtp.nth_to(email, 1).await.code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    browser.submit_code(&page, wrong).await;
    let done = browser.submit_code(&page, &code).await;
    assert!(done.status().is_redirection());

    let sign_in = events(&server, "sign_in").await;
    assert_eq!(sign_in.len(), 1);
    let user = server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(sign_in[0].user_id.as_deref(), Some(user.id.0.as_str()));
    assert_eq!(sign_in[0].client_id.as_deref(), Some("web"));
    assert_eq!(sign_in[0].detail["method"], "email_code");
    let failed = events(&server, "sign_in_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].detail["reason"], "wrong_code");
    assert_eq!(failed[0].detail["to"], "k***@example.com", "addresses are masked");
    let sent = events(&server, "code_sent").await;
    assert_eq!(sent.len(), 1);

    let hooks = receiver.hooks.lock().unwrap().clone();
    let kinds: Vec<String> = hooks
        .iter()
        .map(|(_, _, body)| serde_json::from_slice::<serde_json::Value>(body).unwrap()["kind"].as_str().unwrap().into())
        .collect();
    for kind in ["code_sent", "sign_in_failed", "sign_in"] {
        assert_eq!(kinds.iter().filter(|k| *k == kind).count(), 1, "{kind} delivered once: {kinds:?}");
    }
    for (signature, event_id, body) in &hooks {
        assert!(signature_is_valid(signature, body), "signature {signature} checks out");
        let event: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(event["id"].as_str(), Some(event_id.as_str()));
    }
    let text = server.state.metrics.render();
    assert_eq!(sample(&text, r#"tessera_webhook_deliveries_total{outcome="failed"}"#), 2.0, "{text}");
    assert_eq!(sample(&text, r#"tessera_webhook_deliveries_total{outcome="delivered"}"#), 3.0, "{text}");
}

#[tokio::test]
async fn a_webhook_that_keeps_failing_is_dead_lettered_after_max_attempts() {
    let dead = format!("http://127.0.0.1:{}/hook", free_port());
    let server = TestServer::start_with(|c| {
        c.audit.retry_base_ms = 10;
        c.audit.max_attempts = 3;
        c.audit.webhooks = vec![WebhookConfig { url: dead, secret: HOOK_SECRET.into() }];
    })
    .await;
    server.state.audit("admin", None, None, None, json!({"action": "test"}));
    server.state.flush_audit().await;
    let text = server.state.metrics.render();
    assert_eq!(sample(&text, r#"tessera_webhook_deliveries_total{outcome="failed"}"#), 3.0, "{text}");
    assert_eq!(sample(&text, r#"tessera_webhook_deliveries_total{outcome="dead_letter"}"#), 1.0, "{text}");
    assert_eq!(events(&server, "admin").await.len(), 1, "stored even when no webhook takes it");
}

#[tokio::test]
async fn audit_events_past_retention_are_pruned() {
    let server = TestServer::start_with(|c| c.audit.retention_days = 1).await;
    let old = tessera::model::AuditEvent {
        id: "old".into(),
        at: server.clock.now() - 2 * 86_400,
        kind: "admin".into(),
        user_id: None,
        client_id: None,
        ip: None,
        detail: json!({}),
    };
    let fresh = tessera::model::AuditEvent { id: "fresh".into(), at: server.clock.now(), ..old.clone() };
    server.state.directory.insert_audit_events(&[old, fresh]).await.unwrap();
    // The worker also prunes when it starts; whichever runs last, only the old event goes.
    let deleted = server.state.directory.purge_audit_events(server.clock.now() - 86_400, 100).await.unwrap();
    assert!(deleted <= 1);
    let left: Vec<String> = events(&server, "admin").await.into_iter().map(|e| e.id).collect();
    assert_eq!(left, ["fresh"]);
}

/// Sends an email for a login on `server`, with `X-Forwarded-For: forwarded`; returns the
/// address the audit event recorded.
async fn recorded_ip(server: &TestServer, forwarded: &str) -> String {
    let browser = server.browser();
    let rp = rp::client(server, "web").await;
    let pending = rp::start(&rp, &["openid"]);
    let crate::support::browser::Step::Login(page) = browser.authorize(&pending.url).await else { panic!("login") };
    let response = browser
        .client
        .post(server.url(&format!("/login/{}/email", page.id)))
        .header("x-forwarded-for", forwarded)
        .form(&[("csrf", page.csrf.as_str()), ("email", "proxy@example.com")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    events(server, "code_sent").await[0].ip.clone().unwrap()
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let trusting = TestServer::start_with(|c| c.proxy.trusted = vec!["127.0.0.0/8".into()]).await;
    assert_eq!(recorded_ip(&trusting, "6.6.6.6, 198.51.100.7").await, "198.51.100.7");
    let plain = TestServer::start().await;
    assert_eq!(recorded_ip(&plain, "198.51.100.7").await, "127.0.0.1");
}

/// A replica with private_key_jwt clients whose `jwks_uri` answers slowly, so that requests
/// authenticating as them are in flight for a while.
fn slow_replica(dir: &std::path::Path, receiver: &Receiver, grace: u64) -> Replica {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let mut config = Config { issuer: issuer.clone(), keys_dir: copy_keys(dir), demo: false, ..Config::default() };
    config.directory.url = format!("sqlite://{}", dir.join("tessera.db").display());
    config.shutdown_grace_secs = grace;
    for i in 0..4 {
        let mut c = client(&format!("pkj{i}"), None, "private_key_jwt", "ES256", &issuer);
        c.jwks_uri = Some(format!("{}/jwks", receiver.base));
        config.clients.push(c);
    }
    let file = dir.join("tessera.toml");
    std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
    Replica::spawn(&file, port)
}

/// Authenticates as `pkj{i}` at /introspect (a request that waits for the slow JWKS).
async fn slow_request(base: String, key: Arc<crate::private_key_jwt::ClientKey>, i: usize) -> Result<u16, String> {
    let id = format!("pkj{i}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = json!({"iss": id, "sub": id, "aud": base, "iat": now, "exp": now + 60,
                        "jti": format!("slow-{i}")});
    let form = [
        ("token", "anything".to_string()),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into()),
        ("client_assertion", assertion(&key, claims)),
    ];
    let response = reqwest::Client::new().post(format!("{base}/introspect")).form(&form).send().await;
    response.map(|r| r.status().as_u16()).map_err(|e| e.to_string())
}

fn sigterm(replica: &Replica) {
    let status = std::process::Command::new("kill").args(["-TERM", &replica.child.id().to_string()]).status();
    assert!(status.unwrap().success());
}

async fn wait_exit(replica: &mut Replica, within: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = replica.child.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < within, "the process did not exit within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn sigterm_under_load_finishes_every_accepted_request_then_exits() {
    let receiver = Receiver::start().await;
    let key = Arc::new(new_key("k1"));
    *receiver.jwks.lock().unwrap() = json!({"keys": [key.jwk]});
    *receiver.jwks_delay.lock().unwrap() = Duration::from_millis(1500);
    let dir = tempfile::tempdir().unwrap();
    let mut replica = slow_replica(dir.path(), &receiver, 10);
    replica.ready().await;

    // Steady load on keep-alive connections.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for _ in 0..8 {
        let (stop, url) = (stop.clone(), replica.url("/.well-known/openid-configuration"));
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut ok, mut refused, mut dropped) = (0u32, 0u32, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                // RFC 9112 §9.3.1: a GET that meets a keep-alive connection the server closed
                // before reading it was never accepted; a client retries it once.
                let mut outcome = client.get(&url).send().await;
                if outcome.as_ref().is_err_and(|e| !e.is_connect()) {
                    outcome = client.get(&url).send().await;
                }
                match outcome {
                    Ok(r) if r.status() == 200 => match r.bytes().await {
                        Ok(_) => ok += 1,
                        Err(e) => dropped.push(format!("body cut: {e:?}")),
                    },
                    Ok(r) => dropped.push(format!("status {}", r.status())),
                    // Refused at connect: the listener was already closed, nothing was accepted.
                    Err(e) if e.is_connect() => refused += 1,
                    Err(e) => dropped.push(format!("{e:?}")),
                }
            }
            (ok, refused, dropped)
        }));
    }
    let slow: Vec<_> = (0..4).map(|i| tokio::spawn(slow_request(replica.base.clone(), key.clone(), i))).collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let signalled = Instant::now();
    sigterm(&replica);

    for request in slow {
        assert_eq!(request.await.unwrap(), Ok(200), "a request in flight at SIGTERM is answered");
    }
    let status = wait_exit(&mut replica, Duration::from_secs(10)).await;
    assert!(status.success(), "graceful exit: {status}");
    assert!(signalled.elapsed() >= Duration::from_millis(900), "it waited for the in-flight requests");
    stop.store(true, Ordering::Relaxed);
    let mut served = 0;
    for task in load {
        let (ok, _refused, dropped) = task.await.unwrap();
        assert!(dropped.is_empty(), "accepted requests were dropped: {dropped:?}");
        served += ok;
    }
    assert!(served > 0);
    assert!(reqwest::get(replica.url("/healthz")).await.unwrap_err().is_connect(), "nothing listens any more");
}

#[tokio::test]
async fn requests_still_running_after_the_grace_period_do_not_hold_the_exit() {
    let receiver = Receiver::start().await;
    let key = Arc::new(new_key("k1"));
    *receiver.jwks.lock().unwrap() = json!({"keys": [key.jwk]});
    *receiver.jwks_delay.lock().unwrap() = Duration::from_secs(8);
    let dir = tempfile::tempdir().unwrap();
    let mut replica = slow_replica(dir.path(), &receiver, 1);
    replica.ready().await;
    let slow = tokio::spawn(slow_request(replica.base.clone(), key.clone(), 0));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    sigterm(&replica);
    wait_exit(&mut replica, Duration::from_secs(5)).await;
    assert!(signalled.elapsed() < Duration::from_secs(4), "exit after the 1 s grace, not the 8 s request");
    assert!(slow.await.unwrap().is_err(), "the request past the grace period was cut off");
}
