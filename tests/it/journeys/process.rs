//! Journeys against the `tessera` binary itself, as an operator runs it: an SMS code read from
//! the log provider's line in the server log, and a magic link printed by `tessera links create`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tessera::config::{Config, Mode, SmsProvider};

use super::{EMAIL, js};
use crate::support::chrome::Chrome;
use crate::support::process::{BIN, Replica, free_port};
use crate::support::{SmtpSink, WEB_SECRET, client, copy_keys};

const PHONE: &str = "+447911123456";

/// A configuration file for a server at `http://localhost:PORT` in dev mode, texts to the log.
fn config(dir: &Path, port: u16, smtp: u16) -> PathBuf {
    let issuer = format!("http://localhost:{port}");
    let mut config = Config { issuer: issuer.clone(), keys_dir: copy_keys(dir), mode: Mode::Dev, ..Config::default() };
    config.directory.url = format!("sqlite://{}", dir.join("tessera.db").display());
    config.email.transport = tessera::config::EmailTransport::Smtp;
    config.email.smtp.host = "127.0.0.1".into();
    config.email.smtp.port = smtp;
    config.email.smtp.security = tessera::config::SmtpSecurity::None;
    config.sms.provider = SmsProvider::Log;
    config.sms.allowed_country_codes = vec![44];
    config.passkeys.offer_after_login = false;
    config.clients = vec![client("web", Some(WEB_SECRET), "client_secret_basic", "ES256", &issuer)];
    let file = dir.join("tessera.toml");
    std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
    file
}

/// The code in the log provider's line for `phone`, once it is written.
async fn texted_code(log: &Path, phone: &str) -> String {
    let marker = format!("text message to {phone}: ");
    for _ in 0..200 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(at) = text.find(&marker) {
            return text[at + marker.len()..].chars().take_while(char::is_ascii_digit).collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no text message to {phone} in the log");
}

#[tokio::test]
async fn an_sms_code_from_the_log_provider_signs_in_to_the_account_page() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let port = free_port();
    let log = dir.path().join("tessera.log");
    let replica = Replica::spawn_logged(&config(dir.path(), port, smtp.port), port, &log);
    replica.ready().await;
    let base = format!("http://localhost:{port}");

    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&format!("{base}/account")).await;
    page.click_on("Use a phone number instead").await;
    page.wait_for("location.pathname.endsWith('/phone')").await;
    page.type_into("#phone", PHONE).await;
    page.press_enter().await;
    page.wait_for("location.pathname.endsWith('/code')").await;
    let code = texted_code(&log, PHONE).await;
    page.type_into("#code", &code).await;
    page.press_enter().await;
    let text = page.wait_for_text("Signed in as").await;
    assert!(text.contains("Text message code"), "the session says how it signed in: {text}");
}

#[tokio::test]
async fn a_magic_link_printed_by_the_cli_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let port = free_port();
    let file = config(dir.path(), port, smtp.port);
    let replica = Replica::spawn(&file, port);
    replica.ready().await;
    let back = format!("http://localhost:{port}/account");
    let out = std::process::Command::new(BIN)
        .args(["--config", file.to_str().unwrap(), "links", "create", "--to", EMAIL, "--client", "web"])
        .args(["--redirect-uri", &format!("http://localhost:{port}/cb/web")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let link = String::from_utf8(out.stdout).unwrap().trim().to_string();

    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&link).await;
    page.click("form button[type=submit]").await;
    page.wait_for(&format!("location.href.startsWith({})", js(&format!("http://localhost:{port}/cb/web")))).await;
    page.goto(&back).await;
    let text = page.wait_for_text("Signed in as").await;
    assert!(text.contains(EMAIL), "signed in to Tessera by the link: {text}");
}
