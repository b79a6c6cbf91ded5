//! Bridge mode: a broker hands the user over, the user signs in, and the broker — played here by
//! a local server verifying with `jsonwebtoken` — receives a signed assertion at its registered
//! return URL; in both formats, with the broker checking signature, `typ`, `iss`, `aud`, `exp`,
//! `state` and single use (where the format has a `jti`), and with open-redirect attempts
//! refused before any redirect. The Authress redirect is compared byte for byte with what
//! `@authress/sdk` (from npm) builds itself.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tessera::config::BridgeConfig;

use crate::support::TestServer;
use crate::support::browser::{Browser, Step};

const AUDIENCE: &str = "acct-1.accounts.example-broker.io";
/// What Authress's SDK signs as `aud` for the test key's account `acct-1`.
const AUTHRESS_AUDIENCE: &str = "acct-1.accounts.authress.io";
const AUTHRESS_SDK: &str = "@authress/sdk@2.3.127";

/// What the broker expects of an assertion.
struct Expect<'a> {
    key: &'a DecodingKey,
    alg: Algorithm,
    typ: &'a str,
    iss: &'a str,
    aud: &'a str,
    now: i64,
}

/// The broker: receives users back and verifies what they carry.
#[derive(Clone, Default)]
struct Broker {
    base: String,
    seen_jti: Arc<Mutex<HashSet<String>>>,
}

impl Broker {
    async fn start() -> Broker {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let broker = Broker {
            base: format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port()),
            ..Default::default()
        };
        let app = axum::Router::new().fallback(|| async { "received" });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        broker
    }

    /// Verifies an assertion as the broker would; `Err` says why it is refused.
    fn verify(&self, token: &str, e: &Expect<'_>) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        if header.typ.as_deref() != Some(e.typ) || header.alg != e.alg {
            return Err(format!("header {header:?}"));
        }
        let mut validation = Validation::new(e.alg);
        validation.set_audience(&[e.aud]);
        validation.set_issuer(&[e.iss]);
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(token, e.key, &validation).map_err(|e| e.to_string())?.claims;
        if claims["exp"].as_i64().unwrap_or(0) <= e.now {
            return Err("expired".into());
        }
        if let Some(jti) = claims["jti"].as_str()
            && !self.seen_jti.lock().unwrap().insert(jti.to_string())
        {
            return Err("replayed jti".into());
        }
        Ok(claims)
    }
}

/// An Authress service-client access key, its private key in PKCS#8 v1 as Authress issues it
/// (`MC4CAQAwBQYDK2VwBCIEI…`), and the public key to verify with.
pub(crate) fn access_key() -> (String, DecodingKey) {
    let mut seed = [0u8; 32];
    aws_lc_rs::rand::fill(&mut seed).unwrap();
    let der =
        [&[0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20][..], &seed]
            .concat();
    let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).unwrap();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(
        json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())}),
    )
    .unwrap();
    (format!("broker-client.key-1.acct-1.{}", STANDARD.encode(&der)), DecodingKey::from_jwk(&jwk).unwrap())
}

fn bridges(broker: &Broker, key: &str) -> Vec<BridgeConfig> {
    let bridge = |id: &str, format: &str| BridgeConfig {
        id: id.into(),
        name: Some("Example Broker".into()),
        format: format.into(),
        // Authress sends users to its login page, whose path and query the SDK keeps.
        return_urls: vec![if format == "authress" { authress_login(broker) } else { format!("{}/cb", broker.base) }],
        audience: if format == "authress" { AUTHRESS_AUDIENCE } else { AUDIENCE }.into(),
        assertion_lifetime_secs: 60,
        access_key: (format == "authress").then(|| key.to_string()),
        alg: "EdDSA".into(),
        client_ids: vec!["tenant-client".into()],
    };
    vec![bridge("authress", "authress"), bridge("generic", "jwt")]
}

fn authress_login(broker: &Broker) -> String {
    format!("{}/login?tenant=acme&state=placeholder", broker.base)
}

fn param(url: &str, name: &str) -> String {
    crate::support::browser::param(&url::Url::parse(url).unwrap(), name).unwrap_or_default()
}

/// Starts the hand-off and signs in by email code; returns where the user is sent back.
async fn hand_off(server: &TestServer, browser: &Browser, bridge: &str, broker: &Broker, state: &str) -> String {
    let back = if bridge == "authress" { authress_login(broker) } else { format!("{}/cb", broker.base) };
    let back: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    let entry = format!("/bridge/{bridge}/login?state={state}&redirect_uri={back}&client_id=tenant-client");
    let page = match browser.authorize(&entry).await {
        Step::Login(page) => page,
        Step::Client(url) => return url.to_string(),
    };
    assert!(page.html.contains("Example Broker"), "the login page names the broker");
    let email = "ada@example.com";
    let sent = server.smtp.count_to(email);
    browser.submit_email(&page, email).await;
    let code = server.smtp.nth_to(email, sent + 1).await.code();
    let resume = Browser::location(&browser.submit_code(&page, &code).await);
    assert!(resume.starts_with("/bridge/resume/"), "{resume}");
    Browser::location(&browser.get(&resume).await)
}

/// The URL `@authress/sdk`'s `generateUserLoginUrl` builds for this hand-off at `now`.
fn authress_sdk_url(key: &str, login: &str, state: &str, user_id: &str, now: i64) -> String {
    let modules = crate::support::npm::package(AUTHRESS_SDK);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support/authress_login_url.cjs");
    let output = std::process::Command::new("node")
        .args([script, key, login, state, "broker-client", user_id, &now.to_string()])
        .env("NODE_PATH", modules)
        .output()
        .expect("node runs Authress's SDK");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn authress_expect<'a>(public: &'a DecodingKey, iss: &'a str, now: i64) -> Expect<'a> {
    Expect { key: public, alg: Algorithm::EdDSA, typ: "oauth-authz-req+jwt", iss, aud: AUTHRESS_AUDIENCE, now }
}

#[tokio::test]
async fn an_authress_hand_off_returns_exactly_the_url_authresss_sdk_builds() {
    let broker = Broker::start().await;
    let (key, public) = access_key();
    let b = bridges(&broker, &key);
    let server = TestServer::start_with(move |c| c.bridges = b).await;
    let browser = server.browser();
    let back = hand_off(&server, &browser, "authress", &broker, "st-1").await;
    let user = server.state.directory.user_by_email(&"ada@example.com".parse().unwrap()).await.unwrap().unwrap();
    let now = server.clock.now();
    let expected = authress_sdk_url(&key, &authress_login(&broker), "st-1", &user.id.0, now);
    assert_eq!(back, expected, "the login page, its path and query kept, and the SDK's code, iss and state");
    assert!(back.starts_with(&format!("{}/login?tenant=acme&state=st-1&code=", broker.base)), "{back}");
    assert_eq!(reqwest::get(&back).await.unwrap().text().await.unwrap(), "received");

    let iss = format!("{}/v1/clients/broker-client", broker.base);
    assert_eq!(param(&back, "iss"), iss);
    let token = param(&back, "code");
    let claims = broker.verify(&token, &authress_expect(&public, &iss, now)).unwrap();
    let names: Vec<&String> = claims.as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 8, "only the SDK's claims: {claims}");
    assert_eq!(
        (claims["sub"].as_str(), claims["client_id"].as_str()),
        (Some(user.id.0.as_str()), Some("broker-client"))
    );
    assert_eq!((claims["max_age"].as_i64(), claims["scope"].as_str()), (Some(60), Some("openid")));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 60);
    assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(), Some("key-1"));

    // What the broker refuses: a tampered payload, another audience, a late arrival.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut forged: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    forged["sub"] = json!("someone-else");
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    assert!(broker.verify(&parts.join("."), &authress_expect(&public, &iss, now)).is_err());
    let other = Expect { aud: "other-audience", ..authress_expect(&public, &iss, now) };
    assert!(broker.verify(&token, &other).is_err());
    assert_eq!(broker.verify(&token, &authress_expect(&public, &iss, now + 61)).unwrap_err(), "expired");
}

#[tokio::test]
async fn a_generic_jwt_assertion_verifies_against_tesseras_jwks_and_sso_skips_the_login() {
    let broker = Broker::start().await;
    let (key, _) = access_key();
    let b = bridges(&broker, &key);
    let server = TestServer::start_with(move |c| c.bridges = b).await;
    let browser = server.browser();
    let back = hand_off(&server, &browser, "generic", &broker, "st-9").await;
    assert!(back.starts_with(&format!("{}/cb?code=", broker.base)), "{back}");
    assert_eq!((param(&back, "state"), param(&back, "iss")), ("st-9".to_string(), server.state.issuer().to_string()));
    let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
    let token = param(&back, "code");
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    let public = DecodingKey::from_jwk(jwks.find(&kid).unwrap()).unwrap();
    let now = server.clock.now();
    let claims = broker
        .verify(
            &token,
            &Expect {
                key: &public,
                alg: Algorithm::EdDSA,
                typ: "bridge+jwt",
                iss: server.state.issuer(),
                aud: AUDIENCE,
                now,
            },
        )
        .unwrap();
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 22));

    // The browser now has a session: the next hand-off answers at once, with a new jti.
    let entry = format!("/bridge/generic/login?state=st-10&redirect_uri={}/cb", broker.base);
    let Step::Client(again) = browser.authorize(&entry).await else { panic!("no login page with a session") };
    let again = param(again.as_str(), "code");
    broker
        .verify(
            &again,
            &Expect {
                key: &public,
                alg: Algorithm::EdDSA,
                typ: "bridge+jwt",
                iss: server.state.issuer(),
                aud: AUDIENCE,
                now,
            },
        )
        .unwrap();
    assert_eq!(
        broker
            .verify(
                &again,
                &Expect {
                    key: &public,
                    alg: Algorithm::EdDSA,
                    typ: "bridge+jwt",
                    iss: server.state.issuer(),
                    aud: AUDIENCE,
                    now
                }
            )
            .unwrap_err(),
        "replayed jti"
    );
}

#[tokio::test]
async fn unknown_bridges_missing_state_and_unregistered_return_urls_render_a_page_and_never_redirect() {
    let broker = Broker::start().await;
    let (key, _) = access_key();
    let b = bridges(&broker, &key);
    let server = TestServer::start_with(move |c| c.bridges = b).await;
    let base = &broker.base;
    for entry in [
        format!("/bridge/nope/login?state=s&redirect_uri={base}/cb"),
        format!("/bridge/generic/login?redirect_uri={base}/cb"),
        "/bridge/generic/login?state=s&redirect_uri=https://evil.example/cb".to_string(),
        format!("/bridge/generic/login?state=s&redirect_uri={base}/cb/../evil"),
        format!("/bridge/generic/login?state=s&redirect_uri={base}/cb%3Fnext=https://evil.example"),
        format!("/bridge/generic/login?state=s&redirect_uri={base}"),
        format!("/bridge/authress/login?state=s&redirect_uri={base}/cb&client_id=unregistered"),
    ] {
        let response = server.browser().get(&entry).await;
        assert_eq!(response.status(), 400, "{entry}");
        assert!(response.headers().get("location").is_none(), "{entry} must not redirect");
    }
    let mut bad = bridges(&broker, "not-a-key").remove(0);
    bad.access_key = Some("not-a-key".into());
    let config = tessera::config::Config { bridges: vec![bad], ..Default::default() };
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("bridges[0].access_key"), "{err}");
}
