//! Bridge mode: a broker hands the user over, the user signs in, and the broker — played here by
//! a local server verifying with `jsonwebtoken` — receives a signed assertion at its registered
//! return URL; in both formats, with the broker checking signature, `typ`, `iss`, `aud`, `exp`,
//! `state` and single use, and with open-redirect attempts refused before any redirect.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tessera::config::BridgeConfig;

use crate::support::TestServer;
use crate::support::browser::{Browser, Step};

const AUDIENCE: &str = "acct-1.accounts.example-broker.io";

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
        if !self.seen_jti.lock().unwrap().insert(claims["jti"].as_str().unwrap_or_default().to_string()) {
            return Err("replayed jti".into());
        }
        Ok(claims)
    }
}

pub(crate) fn access_key() -> (String, DecodingKey) {
    let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(der.as_ref()).unwrap();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(
        json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())}),
    )
    .unwrap();
    (format!("broker-client.key-1.acct-1.{}", STANDARD.encode(der.as_ref())), DecodingKey::from_jwk(&jwk).unwrap())
}

fn bridges(broker: &Broker, key: &str) -> Vec<BridgeConfig> {
    let bridge = |id: &str, format: &str| BridgeConfig {
        id: id.into(),
        name: Some("Example Broker".into()),
        format: format.into(),
        return_urls: vec![format!("{}/cb", broker.base)],
        audience: AUDIENCE.into(),
        assertion_lifetime_secs: 60,
        access_key: (format == "authress").then(|| key.to_string()),
        alg: "EdDSA".into(),
        client_ids: vec!["tenant-client".into()],
    };
    vec![bridge("authress", "authress"), bridge("generic", "jwt")]
}

fn param(url: &str, name: &str) -> String {
    crate::support::browser::param(&url::Url::parse(url).unwrap(), name).unwrap_or_default()
}

/// Starts the hand-off and signs in by email code; returns where the user is sent back.
async fn hand_off(server: &TestServer, browser: &Browser, bridge: &str, broker: &Broker, state: &str) -> String {
    let entry = format!("/bridge/{bridge}/login?state={state}&redirect_uri={}/cb&client_id=tenant-client", broker.base);
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

#[tokio::test]
async fn an_authress_login_code_is_signed_with_the_brokers_key_and_verifies_at_the_broker() {
    let broker = Broker::start().await;
    let (key, public) = access_key();
    let b = bridges(&broker, &key);
    let server = TestServer::start_with(move |c| c.bridges = b).await;
    let browser = server.browser();
    let back = hand_off(&server, &browser, "authress", &broker, "st-1").await;
    assert!(back.starts_with(&format!("{}/login?code=", broker.base)), "{back}");
    assert_eq!(reqwest::get(&back).await.unwrap().text().await.unwrap(), "received");
    let iss = format!("{}/v1/clients/tenant-client", broker.base);
    assert_eq!((param(&back, "iss"), param(&back, "state")), (iss.clone(), "st-1".to_string()));
    let token = param(&back, "code");
    let now = server.clock.now();
    let claims = broker
        .verify(
            &token,
            &Expect { key: &public, alg: Algorithm::EdDSA, typ: "oauth-authz-req+jwt", iss: &iss, aud: AUDIENCE, now },
        )
        .unwrap();
    let user = server.state.directory.user_by_email(&"ada@example.com".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(claims["sub"], user.id.0.as_str());
    assert_eq!((claims["client_id"].as_str(), claims["scope"].as_str()), (Some("tenant-client"), Some("openid")));
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 60);
    assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(), Some("key-1"));

    // What the broker refuses: a replay, a tampered payload, another audience, a late arrival.
    assert_eq!(
        broker
            .verify(
                &token,
                &Expect {
                    key: &public,
                    alg: Algorithm::EdDSA,
                    typ: "oauth-authz-req+jwt",
                    iss: &iss,
                    aud: AUDIENCE,
                    now
                }
            )
            .unwrap_err(),
        "replayed jti"
    );
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut forged: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    forged["sub"] = json!("someone-else");
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    assert!(
        broker
            .verify(
                &parts.join("."),
                &Expect {
                    key: &public,
                    alg: Algorithm::EdDSA,
                    typ: "oauth-authz-req+jwt",
                    iss: &iss,
                    aud: AUDIENCE,
                    now
                }
            )
            .is_err()
    );
    let again = hand_off(&server, &browser, "authress", &broker, "st-2").await;
    let second = param(&again, "code");
    assert!(
        broker
            .verify(
                &second,
                &Expect {
                    key: &public,
                    alg: Algorithm::EdDSA,
                    typ: "oauth-authz-req+jwt",
                    iss: &iss,
                    aud: "other-audience",
                    now
                }
            )
            .is_err()
    );
    assert_eq!(
        broker
            .verify(
                &second,
                &Expect {
                    key: &public,
                    alg: Algorithm::EdDSA,
                    typ: "oauth-authz-req+jwt",
                    iss: &iss,
                    aud: AUDIENCE,
                    now: now + 61
                }
            )
            .unwrap_err(),
        "expired"
    );
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
