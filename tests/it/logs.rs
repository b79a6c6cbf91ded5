//! Logs: one line per request with its id, route, status and latency; JSON in production; and
//! never a code, token, secret or full email address.

use tessera::config::{Config, EmailTransport, Mode, SmtpSecurity};

use crate::support::process::{Replica, free_port, sign_in_on};
use crate::support::{SmtpSink, WEB_SECRET, client, copy_keys};

fn config(dir: &std::path::Path, issuer: &str, mode: Mode, smtp_port: u16) -> std::path::PathBuf {
    let mut config = Config { issuer: issuer.into(), keys_dir: copy_keys(dir), demo: false, mode, ..Config::default() };
    config.directory.url = format!("sqlite://{}", dir.join("tessera.db").display());
    config.email.transport = EmailTransport::Smtp;
    config.email.smtp.host = "127.0.0.1".into();
    config.email.smtp.port = smtp_port;
    config.email.smtp.security = SmtpSecurity::None;
    let mut web = client("web", Some(WEB_SECRET), "client_secret_basic", "ES256", issuer);
    web.redirect_uris = vec!["http://127.0.0.1:9/cb".into()];
    config.clients = vec![web];
    let file = dir.join("tessera.toml");
    std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
    file
}

#[tokio::test]
async fn a_full_flow_logs_each_request_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let file = config(dir.path(), "http://localhost:8080", Mode::Dev, smtp.port);
    let log = dir.path().join("tessera.log");
    let mut replica = Replica::spawn_logged(&file, free_port(), &log);
    replica.ready().await;

    let email = "ada.lovelace@example.com";
    let tokens = sign_in_on(&replica.base, &smtp, email, WEB_SECRET).await.unwrap();
    let otp = smtp.nth_to(email, 1).await.code();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let refreshed: serde_json::Value = reqwest::Client::new()
        .post(replica.url("/token"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    replica.kill();

    let text = std::fs::read_to_string(&log).unwrap();
    let requests: Vec<&str> = text.lines().filter(|l| l.contains("request_id=") && l.contains("status=")).collect();
    assert!(requests.len() >= 7, "one line per request:\n{text}");
    assert!(requests.iter().any(|l| l.contains("route=/token") && l.contains("status=200") && l.contains("ms=")));
    assert!(requests.iter().any(|l| l.contains("route=/login/{id}/code")), "route templates, not paths");
    let secrets = [
        otp.as_str(),
        WEB_SECRET,
        email,
        tokens["access_token"].as_str().unwrap(),
        tokens["id_token"].as_str().unwrap(),
        refresh.as_str(),
        refreshed["refresh_token"].as_str().unwrap(),
    ];
    for secret in secrets {
        assert!(!text.contains(secret), "the log contains a secret ({}…)", &secret[..6.min(secret.len())]);
    }
}

#[tokio::test]
async fn production_logs_are_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let file = config(dir.path(), "https://id.example.test", Mode::Production, smtp.port);
    let log = dir.path().join("tessera.log");
    let mut replica = Replica::spawn_logged(&file, free_port(), &log);
    replica.ready().await;
    reqwest::get(replica.url("/healthz")).await.unwrap();
    replica.kill();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> =
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let request = lines.iter().find(|l| l["fields"]["route"] == "/healthz").expect("a request line");
    assert!(request["fields"]["request_id"].is_string() && request["fields"]["ms"].is_number());
    assert_eq!(request["fields"]["status"], 200);
}
