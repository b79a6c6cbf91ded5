//! The scenarios: what one operation of each is, and the sign-in that gives the flows a live
//! SSO session.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;

use crate::load::{Answer, Http, Prepared, Scenario, get, post_form, send, send_prepared};

pub const REDIRECT: &str = "http://127.0.0.1:9/cb";
pub const SECRET: &str = "bench-secret-0123456789abcdef";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub fn basic(client_id: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{SECRET}")))
}

pub fn ok(answer: Answer, status: u16) -> Result<Answer, String> {
    if answer.status == status { Ok(answer) } else { Err(format!("status {}", answer.status)) }
}

pub fn json(answer: &Answer) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&answer.body).map_err(|e| e.to_string())
}

/// One request repeated unchanged: `GET` of a document, or `POST /token` with
/// `grant_type=client_credentials`.
pub struct Repeat {
    http: Http,
    request: Prepared,
}

impl Repeat {
    /// `GET url`.
    pub fn fetch(http: &Http, url: &str) -> Repeat {
        let request = get(url).body(Bytes::new()).expect("a valid request");
        Repeat { http: http.clone(), request: Prepared::new(&request).expect("a URL with a host") }
    }

    /// `POST token_url` with `grant_type=client_credentials`, authenticated with HTTP Basic.
    pub fn client_credentials(http: &Http, token_url: &str, client_id: &str) -> Repeat {
        let mut request = post_form(token_url, "grant_type=client_credentials".into());
        request.headers_mut().insert("authorization", basic(client_id).parse().expect("a valid header"));
        Repeat { http: http.clone(), request: Prepared::new(&request).expect("a URL with a host") }
    }
}

impl Scenario for Repeat {
    type Worker = ();
    async fn worker(&self, _: usize) {}
    async fn step(&self, _: &mut ()) -> Result<(), String> {
        ok(send_prepared(&self.http, &self.request).await?, 200).map(drop)
    }
}

/// The whole authorization-code flow for a signed-in browser: authorize (303 with a code), then
/// the token exchange with PKCE.
#[derive(Clone)]
pub struct CodeFlow {
    pub http: Http,
    pub base: String,
    pub client_id: String,
    pub cookie: String,
    pub offline: bool,
    pub paths: Paths,
}

/// Where a provider serves its endpoints.
#[derive(Clone, Copy)]
pub struct Paths {
    pub authorize: &'static str,
    pub userinfo: &'static str,
    pub introspection: &'static str,
}

pub const TESSERA: Paths = Paths { authorize: "/authorize", userinfo: "/userinfo", introspection: "/introspect" };

impl CodeFlow {
    pub fn authorize_url(&self) -> String {
        let scope = if self.offline { "openid%20email%20offline_access" } else { "openid%20email" };
        format!(
            "{}{}?response_type=code&client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope={scope}\
             &state=s&nonce=n&code_challenge={CHALLENGE}&code_challenge_method=S256",
            self.base, self.paths.authorize, self.client_id
        )
    }

    /// One flow; returns the token response.
    pub async fn flow(&self) -> Result<serde_json::Value, String> {
        let request =
            get(&self.authorize_url()).header("cookie", &self.cookie).body(Bytes::new()).map_err(|e| e.to_string())?;
        let answer = send(&self.http, request).await?;
        if !(300..400).contains(&answer.status) {
            return Err(format!("status {}", answer.status));
        }
        let redirect = answer.location.ok_or("no location")?;
        let code = redirect.split("code=").nth(1).and_then(|r| r.split('&').next()).ok_or("no code")?.to_string();
        let body = format!(
            "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier={VERIFIER}"
        );
        let mut request = post_form(&format!("{}/token", self.base), body);
        request.headers_mut().insert("authorization", basic(&self.client_id).parse().map_err(|_| "header")?);
        json(&ok(send(&self.http, request).await?, 200)?)
    }
}

impl Scenario for CodeFlow {
    type Worker = ();
    async fn worker(&self, _: usize) {}
    async fn step(&self, _: &mut ()) -> Result<(), String> {
        self.flow().await.map(drop)
    }
}

/// Refresh-token rotation: each worker follows its own chain.
pub struct Refresh {
    pub flow: CodeFlow,
}

impl Scenario for Refresh {
    type Worker = String;
    async fn worker(&self, _: usize) -> String {
        let tokens = self.flow.flow().await.expect("a flow for the first refresh token");
        tokens["refresh_token"].as_str().expect("offline_access gives a refresh token").to_string()
    }
    async fn step(&self, token: &mut String) -> Result<(), String> {
        let mut request =
            post_form(&format!("{}/token", self.flow.base), format!("grant_type=refresh_token&refresh_token={token}"));
        request.headers_mut().insert("authorization", basic(&self.flow.client_id).parse().map_err(|_| "header")?);
        let answer = json(&ok(send(&self.flow.http, request).await?, 200)?)?;
        *token = answer["refresh_token"].as_str().ok_or("no refresh token")?.to_string();
        Ok(())
    }
}

/// `GET /userinfo` or `POST /introspect` with one access token per worker.
pub struct TokenUse {
    pub flow: CodeFlow,
    pub introspect: bool,
}

impl Scenario for TokenUse {
    type Worker = String;
    async fn worker(&self, _: usize) -> String {
        let tokens = self.flow.flow().await.expect("a flow for an access token");
        tokens["access_token"].as_str().expect("an access token").to_string()
    }
    async fn step(&self, token: &mut String) -> Result<(), String> {
        let request = if self.introspect {
            let url = format!("{}{}", self.flow.base, self.flow.paths.introspection);
            let mut r = post_form(&url, format!("token={token}"));
            r.headers_mut().insert("authorization", basic(&self.flow.client_id).parse().map_err(|_| "header")?);
            r
        } else {
            get(&format!("{}{}", self.flow.base, self.flow.paths.userinfo))
                .header("authorization", format!("Bearer {token}"))
                .body(Bytes::new())
                .map_err(|e| e.to_string())?
        };
        let answer = json(&ok(send(&self.flow.http, request).await?, 200)?)?;
        if self.introspect && answer["active"] != true {
            return Err("inactive".into());
        }
        Ok(())
    }
}

/// Signs in once through the email-code pages, reading the code from the outbox, and consents
/// to offline access (OIDC Core §11: later flows get refresh tokens without asking); returns
/// the `Cookie` header of the signed-in browser.
pub async fn sign_in(http: &Http, base: &str, client_id: &str, outbox: &Path) -> String {
    let probe = CodeFlow {
        http: http.clone(),
        base: base.into(),
        client_id: client_id.into(),
        cookie: String::new(),
        offline: true,
        paths: TESSERA,
    };
    let mut jar: Vec<String> = Vec::new();
    let cookie = |jar: &Vec<String>| jar.join("; ");
    let step = keep_cookies;
    let authorize = format!("{}&prompt=consent", probe.authorize_url());
    let a = step(send(http, get(&authorize).body(Bytes::new()).unwrap()).await.unwrap(), &mut jar);
    let login = format!("{base}{}", a.location.expect("the login page"));
    let page = step(
        send(http, get(&login).header("cookie", cookie(&jar)).body(Bytes::new()).unwrap()).await.unwrap(),
        &mut jar,
    );
    let html = String::from_utf8_lossy(&page.body).to_string();
    let csrf =
        html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a form").to_string();
    let mut r = post_form(&format!("{login}/email"), format!("csrf={csrf}&email=bench%40example.com"));
    r.headers_mut().insert("cookie", cookie(&jar).parse().unwrap());
    step(send(http, r).await.unwrap(), &mut jar);
    let code = outbox_code(outbox).await;
    let mut r = post_form(&format!("{login}/code"), format!("csrf={csrf}&code={code}"));
    r.headers_mut().insert("cookie", cookie(&jar).parse().unwrap());
    let a = step(send(http, r).await.unwrap(), &mut jar);
    let resume = a.location.filter(|l| l.starts_with("/authorize/resume/")).expect("signed in");
    let get_with = |url: String, jar: &Vec<String>| get(&url).header("cookie", cookie(jar)).body(Bytes::new()).unwrap();
    let a = step(send(http, get_with(format!("{base}{resume}"), &jar)).await.unwrap(), &mut jar);
    let consent = format!("{base}{}", a.location.filter(|l| l.starts_with("/consent/")).expect("the consent page"));
    let page = step(send(http, get_with(consent.clone(), &jar)).await.unwrap(), &mut jar);
    let html = String::from_utf8_lossy(&page.body).to_string();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a form");
    let mut r = post_form(&consent, format!("csrf={csrf}&decision=allow"));
    r.headers_mut().insert("cookie", cookie(&jar).parse().unwrap());
    let a = step(send(http, r).await.unwrap(), &mut jar);
    assert!(a.location.is_some_and(|l| l.contains("code=")), "consented");
    jar.into_iter().filter(|c| c.starts_with("tessera_session=")).collect::<Vec<_>>().join("; ")
}

async fn outbox_code(outbox: &Path) -> String {
    for _ in 0..500 {
        if let Ok(entries) = std::fs::read_dir(outbox) {
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if let Some(subject) = text.lines().find_map(|l| l.strip_prefix("Subject: ")) {
                    return subject.split(' ').next().unwrap_or_default().to_string();
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no code in the outbox");
}

/// Adds the cookies an answer sets to `jar`, replacing older values.
pub fn keep_cookies(a: Answer, jar: &mut Vec<String>) -> Answer {
    for c in &a.cookies {
        let name = c.split('=').next().unwrap_or("");
        jar.retain(|j| !j.starts_with(&format!("{name}=")));
        jar.push(c.clone());
    }
    a
}
