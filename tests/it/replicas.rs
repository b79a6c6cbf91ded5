//! Several stateless replicas over one PostgreSQL and one Redis: every step of a login may land
//! on a different replica, single-use things are used once across all of them, and limits are
//! shared.

use std::path::Path;

use serde_json::Value;
use tessera::config::{Config, EmailTransport, SmtpSecurity};

use crate::support::browser::{csrf, param};
use crate::support::process::{PgSchema, RedisKeys, Replica, allow_consent, free_port, redis_url};
use crate::support::{SmtpSink, WEB_SECRET, client, copy_keys};

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:9/cb";

struct Cluster {
    replicas: Vec<Replica>,
    smtp: SmtpSink,
    _schema: PgSchema,
    _keys: RedisKeys,
    _dir: tempfile::TempDir,
}

/// Writes one configuration (same issuer, keys, PostgreSQL schema and Redis prefix) and starts
/// three replicas on their own ports.
async fn cluster(adjust: impl FnOnce(&mut Config)) -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let keys = copy_keys(dir.path());
    let schema = PgSchema::create().await;
    let smtp = SmtpSink::start().await;
    let ports = [free_port(), free_port(), free_port()];
    let issuer = format!("http://localhost:{}", ports[0]);
    let mut config = Config { issuer: issuer.clone(), keys_dir: keys, demo: false, ..Config::default() };
    config.login.resend_cooldown_secs = 0;
    config.directory.url = schema.url();
    config.ephemeral.url = redis_url();
    let redis_keys = RedisKeys::new();
    config.ephemeral.prefix = redis_keys.prefix.clone();
    config.email.transport = EmailTransport::Smtp;
    config.email.smtp.host = "127.0.0.1".into();
    config.email.smtp.port = smtp.port;
    config.email.smtp.security = SmtpSecurity::None;
    let mut web = client("web", Some(WEB_SECRET), "client_secret_basic", "ES256", &issuer);
    web.redirect_uris = vec![REDIRECT.into()];
    config.clients = vec![web];
    adjust(&mut config);
    let file = dir.path().join("tessera.toml");
    std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
    let replicas = start(&file, &ports).await;
    Cluster { replicas, smtp, _schema: schema, _keys: redis_keys, _dir: dir }
}

async fn start(file: &Path, ports: &[u16]) -> Vec<Replica> {
    let replicas: Vec<Replica> = ports.iter().map(|p| Replica::spawn(file, *p)).collect();
    for r in &replicas {
        r.ready().await;
    }
    replicas
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

/// An authorization request; `offline_access` comes with `prompt=consent` (OIDC Core §11).
fn authorize_query(scope: &str) -> String {
    let redirect: String = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect();
    let prompt = if scope.contains("offline_access") { "&prompt=consent" } else { "" };
    format!(
        "/authorize?response_type=code&client_id=web&redirect_uri={redirect}&scope={scope}{prompt}&state=s&nonce=n\
         &code_challenge={CHALLENGE}&code_challenge_method=S256"
    )
}

async fn token(replica: &Replica, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(replica.url("/token"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_login_spread_over_three_replicas_works_and_single_use_holds_across_them() {
    let c = cluster(|_| {}).await;
    let [a, b, cc] = [&c.replicas[0], &c.replicas[1], &c.replicas[2]];
    let browser = browser();

    // authorize on A
    let r = browser.get(a.url(&authorize_query("openid%20email%20offline_access"))).send().await.unwrap();
    let login = location(&r);
    assert!(login.starts_with("/login/"), "{login}");
    // email code on B
    let html = browser.get(b.url(&login)).send().await.unwrap().text().await.unwrap();
    let token_csrf = csrf(&html);
    let r = browser
        .post(b.url(&format!("{login}/email")))
        .form(&[("csrf", token_csrf.as_str()), ("email", "ada@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let code = c.smtp.nth_to("ada@example.com", 1).await.code();
    // the code is checked on C
    let r = browser
        .post(cc.url(&format!("{login}/code")))
        .form(&[("csrf", token_csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let resume = location(&r);
    assert!(resume.starts_with("/authorize/resume/"), "{resume}");
    // the accepted OTP is refused on every other replica
    for other in [a, b] {
        let r = browser
            .post(other.url(&format!("{login}/code")))
            .form(&[("csrf", token_csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert!(!location(&r).starts_with("/authorize/resume/"), "OTP reused on {}", other.base);
    }
    let r = browser.get(a.url(&resume)).send().await.unwrap();
    // consent to offline_access on B
    let callback = allow_consent(&browser, &b.base, location(&r)).await.unwrap();
    let callback = url::Url::parse(&callback).unwrap();
    let auth_code = param(&callback, "code").unwrap();

    // token on C; the same code is refused on A and B
    let form = [
        ("grant_type", "authorization_code"),
        ("code", auth_code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(cc, &form).await;
    assert_eq!(status, 200, "{tokens}");
    for other in [a, b] {
        let (status, body) = token(other, &form).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "code replay on {}", other.base);
    }
    // The replay revoked what the code produced, everywhere.
    let r = reqwest::Client::new()
        .get(b.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn refresh_on_one_replica_and_userinfo_on_another() {
    let c = cluster(|_| {}).await;
    let [a, b, cc] = [&c.replicas[0], &c.replicas[1], &c.replicas[2]];
    let browser = browser();
    let r = browser.get(a.url(&authorize_query("openid%20email%20offline_access"))).send().await.unwrap();
    let login = location(&r);
    let html = browser.get(b.url(&login)).send().await.unwrap().text().await.unwrap();
    let token_csrf = csrf(&html);
    browser
        .post(b.url(&format!("{login}/email")))
        .form(&[("csrf", token_csrf.as_str()), ("email", "ada@example.com")])
        .send()
        .await
        .unwrap();
    let code = c.smtp.nth_to("ada@example.com", 1).await.code();
    let r = browser
        .post(b.url(&format!("{login}/code")))
        .form(&[("csrf", token_csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let r = browser.get(a.url(&location(&r))).send().await.unwrap();
    let callback = allow_consent(&browser, &cc.base, location(&r)).await.unwrap();
    let auth_code = param(&url::Url::parse(&callback).unwrap(), "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", auth_code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let (_, tokens) = token(cc, &form).await;

    // refresh on A, userinfo on B with the new access token
    let rt = tokens["refresh_token"].as_str().unwrap();
    let (status, refreshed) = token(a, &[("grant_type", "refresh_token"), ("refresh_token", rt)]).await;
    assert_eq!(status, 200, "{refreshed}");
    let info: Value = reqwest::Client::new()
        .get(b.url("/userinfo"))
        .bearer_auth(refreshed["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "ada@example.com");
    // the rotated token is spent on every replica, and its reuse revokes the family
    let (status, _) = token(b, &[("grant_type", "refresh_token"), ("refresh_token", rt)]).await;
    assert_eq!(status, 400);
    let (status, _) =
        token(cc, &[("grant_type", "refresh_token"), ("refresh_token", refreshed["refresh_token"].as_str().unwrap())])
            .await;
    assert_eq!(status, 400, "the family was revoked by the reuse");
}

#[tokio::test]
async fn rate_limits_are_shared_so_spreading_requests_does_not_multiply_the_budget() {
    let c = cluster(|config| config.login.sends_per_window = 3).await;
    let browser = browser();
    let r = browser.get(c.replicas[0].url(&authorize_query("openid"))).send().await.unwrap();
    let login = location(&r);
    let html = browser.get(c.replicas[0].url(&login)).send().await.unwrap().text().await.unwrap();
    let token_csrf = csrf(&html);
    let mut statuses = Vec::new();
    for i in 0..4 {
        let replica = &c.replicas[i % 3];
        let r = browser
            .post(replica.url(&format!("{login}/email")))
            .form(&[("csrf", token_csrf.as_str()), ("email", "ada@example.com")])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 429], "three sends in total, whichever replicas served them");
}
