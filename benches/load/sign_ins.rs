//! Whole sign-ins as a browser makes them, from `/authorize` to the token response: an email
//! code (delivered over SMTP), a magic link opened in the same browser, an SMS code (delivered
//! to the webhook), a passkey (the page's `passkey/start` and `/finish` calls, the assertion
//! signed by a software authenticator here), and the embedded OTP grant
//! (`/passwordless/start` + `/oauth/token`). Each
//! operation is a new browser; each worker signs in a pool of its own people in turn, so after
//! the first round every sign-in is a returning user's. `run` measures them on a server of their own.

use std::path::Path;

use std::sync::Arc;

use bytes::Bytes;
use hyper::Request;
use serde_json::{Value, json};
use tessera::config::Config;

use crate::authenticator::SoftPasskey;
use crate::load::{Answer, Http, Scenario, get, post_form, send};
use crate::scenarios::{CodeFlow, TESSERA, basic, json, keep_cookies, ok};
use crate::server::{Server, free_port};
use crate::sinks::{Inbox, mail_code, mail_link, text_code};
use crate::{Options, Row};

/// People per worker: small enough that the warm-up signs each up once.
const POOL: u64 = 32;
/// Area codes in use, one per worker (a number must be valid to be texted).
const AREAS: [u16; 32] = [
    201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225, 228, 229, 231, 234,
    239, 240, 248, 251, 252, 253, 254, 256, 260,
];
/// The embedded-OTP client and its grant.
pub const OTP_CLIENT: &str = "bench-otp";
const OTP_GRANT: &str = "http%3A%2F%2Fauth0.com%2Foauth%2Fgrant-type%2Fpasswordless%2Fotp";

#[derive(Clone, Copy, PartialEq)]
pub enum Method {
    EmailCode,
    MagicLink,
    SmsCode,
    Passkey,
    EmbeddedOtp,
}

impl Method {
    pub const ALL: [Method; 5] =
        [Method::EmailCode, Method::MagicLink, Method::SmsCode, Method::Passkey, Method::EmbeddedOtp];
}

pub struct SignIn {
    pub http: Http,
    pub base: String,
    /// The client whose flow it is (its `email_sends` picks code or link).
    pub client_id: String,
    pub method: Method,
    pub mail: Inbox,
    pub texts: Inbox,
    /// The key behind every person's passkey.
    pub passkey: Arc<SoftPasskey>,
}

pub struct Worker {
    index: usize,
    count: u64,
}

impl SignIn {
    fn person(&self, w: &Worker) -> String {
        let n = w.count % POOL;
        match self.method {
            // 555-0100 to 555-0199 are fictional in every North American area code.
            Method::SmsCode => format!("+1{}5550{}", AREAS[w.index % AREAS.len()], 100 + n),
            Method::Passkey => passkey_person(w.index, n),
            _ => format!("w{}.p{n}@bench.example", w.index),
        }
    }

    fn cookies(jar: &[String]) -> String {
        jar.join("; ")
    }

    async fn page(&self, url: &str, jar: &mut Vec<String>) -> Result<Answer, String> {
        let request = get(url).header("cookie", Self::cookies(jar)).body(Bytes::new()).map_err(|e| e.to_string())?;
        Ok(keep_cookies(send(&self.http, request).await?, jar))
    }

    async fn post(&self, url: &str, body: String, jar: &mut Vec<String>) -> Result<Answer, String> {
        let mut request = post_form(url, body);
        request.headers_mut().insert("cookie", Self::cookies(jar).parse().map_err(|_| "cookie header")?);
        Ok(keep_cookies(send(&self.http, request).await?, jar))
    }

    /// A JSON call of the page's script: the interaction's CSRF token in `x-csrf-token`.
    async fn call(&self, url: &str, csrf: &str, body: Value, jar: &mut Vec<String>) -> Result<Value, String> {
        let request = Request::post(url)
            .header("content-type", "application/json")
            .header("x-csrf-token", csrf)
            .header("cookie", Self::cookies(jar))
            .body(Bytes::from(body.to_string()))
            .map_err(|e| e.to_string())?;
        let answer = keep_cookies(send(&self.http, request).await?, jar);
        if answer.status != 200 {
            return Err(format!("{url}: {} {}", answer.status, String::from_utf8_lossy(&answer.body)));
        }
        json(&answer)
    }

    /// The pages: authorize, the login page, the identifier, the code or link, back to
    /// authorize; returns the redirect that carries the authorization code.
    async fn through_pages(&self, who: &str) -> Result<String, String> {
        let flow = self.flow();
        let mut jar = Vec::new();
        let a = self.page(&flow.authorize_url(), &mut jar).await?;
        let login = format!("{}{}", self.base, a.location.filter(|l| l.starts_with("/login/")).ok_or("no login page")?);
        let page = ok(self.page(&login, &mut jar).await?, 200)?;
        let html = String::from_utf8_lossy(&page.body);
        let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).ok_or("no form")?;
        let csrf = csrf.to_string();
        let resume = match self.method {
            Method::EmailCode | Method::MagicLink => {
                let body = format!("csrf={csrf}&email={}", who.replace('@', "%40"));
                let sent = self.post(&format!("{login}/email"), body, &mut jar).await?;
                if sent.status != 303 {
                    return Err(format!("sending: status {}", sent.status));
                }
                let mail = self.mail.take(who).await?;
                if self.method == Method::MagicLink {
                    let link = mail_link(&mail).ok_or("no link in the mail")?;
                    self.post(&format!("{}{link}", self.base), String::new(), &mut jar).await?
                } else {
                    let code = mail_code(&mail).ok_or("no code in the mail")?;
                    self.post(&format!("{login}/code"), format!("csrf={csrf}&code={code}"), &mut jar).await?
                }
            }
            Method::SmsCode => {
                let body = format!("csrf={csrf}&phone={}", who.replace('+', "%2B"));
                let sent = self.post(&format!("{login}/phone"), body, &mut jar).await?;
                if sent.status != 303 {
                    return Err(format!("sending: status {}", sent.status));
                }
                let code = text_code(&self.texts.take(who).await?).ok_or("no code in the text")?;
                self.post(&format!("{login}/code"), format!("csrf={csrf}&code={code}"), &mut jar).await?
            }
            Method::Passkey => {
                let csrf = html.split("data-csrf=\"").nth(1).and_then(|r| r.split('"').next()).ok_or("no passkey")?;
                let started =
                    self.call(&format!("{login}/passkey/start"), csrf, json!({"email": who}), &mut jar).await?;
                let challenge =
                    started.pointer("/publicKey/challenge").and_then(|c| c.as_str()).ok_or("no challenge")?;
                let mut credential = self.passkey.assert_as(&credential_id(who), challenge);
                // `PublicKeyCredential.toJSON()` names it `clientDataJSON`.
                let client_data = credential["response"]["clientDataJson"].take();
                credential["response"]["clientDataJSON"] = client_data;
                let body = json!({"ceremony": started["ceremony"], "credential": credential});
                let done = self.call(&format!("{login}/passkey/finish"), csrf, body, &mut jar).await?;
                let to = done["redirect"].as_str().ok_or("no redirect after the passkey")?;
                Answer { status: 303, location: Some(to.to_string()), cookies: Vec::new(), body: Bytes::new() }
            }
            Method::EmbeddedOtp => return Err("the embedded grant has no pages".into()),
        };
        let resume = resume.location.filter(|l| l.starts_with("/authorize/resume/")).ok_or("not signed in")?;
        let back = self.page(&format!("{}{resume}", self.base), &mut jar).await?;
        back.location.filter(|l| l.contains("code=")).ok_or_else(|| "no code after sign-in".to_string())
    }

    fn flow(&self) -> CodeFlow {
        CodeFlow {
            http: self.http.clone(),
            base: self.base.clone(),
            client_id: self.client_id.clone(),
            cookie: String::new(),
            offline: false,
            paths: TESSERA,
        }
    }

    /// `/passwordless/start`, the emailed code, `/oauth/token` with the OTP grant.
    async fn embedded(&self, who: &str) -> Result<(), String> {
        let email = who.replace('@', "%40");
        let start = format!("connection=email&send=code&email={email}");
        let mut request = post_form(&format!("{}/passwordless/start", self.base), start);
        request.headers_mut().insert("authorization", basic(OTP_CLIENT).parse().map_err(|_| "header")?);
        ok(send(&self.http, request).await?, 200)?;
        let code = mail_code(&self.mail.take(who).await?).ok_or("no code in the mail")?;
        let body = format!("grant_type={OTP_GRANT}&realm=email&username={email}&otp={code}&scope=openid%20email");
        let mut request = post_form(&format!("{}/oauth/token", self.base), body);
        request.headers_mut().insert("authorization", basic(OTP_CLIENT).parse().map_err(|_| "header")?);
        let tokens = json(&ok(send(&self.http, request).await?, 200)?)?;
        tokens["id_token"].as_str().map(drop).ok_or_else(|| "no ID token".into())
    }
}

impl Scenario for SignIn {
    type Worker = Worker;
    async fn worker(&self, index: usize) -> Worker {
        Worker { index, count: 0 }
    }

    async fn step(&self, w: &mut Worker) -> Result<(), String> {
        w.count += 1;
        let who = self.person(w);
        if self.method == Method::EmbeddedOtp {
            return self.embedded(&who).await;
        }
        let redirect = self.through_pages(&who).await?;
        let code = redirect.split("code=").nth(1).and_then(|r| r.split('&').next()).ok_or("no code")?;
        let body = format!(
            "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier={}",
            crate::scenarios::VERIFIER
        );
        let mut request = post_form(&format!("{}/token", self.base), body);
        request.headers_mut().insert("authorization", basic(&self.client_id).parse().map_err(|_| "header")?);
        json(&ok(send(&self.http, request).await?, 200)?).map(drop)
    }
}

/// The address of a worker's `n`th person who signs in by passkey.
fn passkey_person(worker: usize, n: u64) -> String {
    format!("pk{worker}.p{n}@bench.example")
}

/// Each person's credential id: derived from the address, so workers need no registry.
fn credential_id(who: &str) -> Vec<u8> {
    tessera::crypto::sha256(who.as_bytes())[..16].to_vec()
}

/// Imports every person the passkey scenario signs in (`tessera users import`), each with a
/// passkey of `key`, as a team moving to Tessera brings its users along.
fn import_passkeys(binary: &Path, dir: &Path, config: &Path, workers: usize, key: &SoftPasskey) -> Result<(), String> {
    let cose = tessera::crypto::b64url(&key.cose_key());
    let mut lines = String::new();
    for worker in 0..workers {
        for n in 0..POOL {
            let who = passkey_person(worker, n);
            let passkey = json!({"credential_id": tessera::crypto::b64url(&credential_id(&who)), "public_key": cose,
                "sign_count": 0, "backup_eligible": true, "backup_state": true, "user_verified": true});
            let user = json!({"external_id": who, "email": who, "email_verified": true, "passkeys": [passkey]});
            lines.push_str(&format!("{user}\n"));
        }
    }
    let file = dir.join("passkey-people.ndjson");
    std::fs::write(&file, lines).map_err(|e| e.to_string())?;
    let config = config.to_str().ok_or("a UTF-8 path")?;
    for args in
        [vec!["--config", config, "migrate"], vec!["--config", config, "users", "import", "passkey-people.ndjson"]]
    {
        let done =
            std::process::Command::new(binary).args(&args).current_dir(dir).output().map_err(|e| e.to_string())?;
        if !done.status.success() {
            return Err(format!("tessera {}: {}", args[2], String::from_utf8_lossy(&done.stderr)));
        }
    }
    Ok(())
}

/// The sign-in scenarios, on a server of their own whose mail goes over SMTP and whose texts go
/// to the webhook, both to sinks in this process; `adjust` picks the stores. With `purge` (and a
/// seeded directory), the email-code sign-in runs once more after a restart with 7 days'
/// retention: the seeded events span 30 days, so the purge of three quarters of them starts with
/// the server and runs under the sign-ins.
pub async fn run(
    binary: &Path,
    o: &Options,
    rows: &mut Vec<Row>,
    label: &str,
    methods: &[Method],
    purge: bool,
    adjust: impl Fn(&mut Config),
) {
    let all = [
        (Method::EmailCode, "bench-es256", "sign-in, email code (pages + SMTP + token)"),
        (Method::MagicLink, "bench-link", "sign-in, magic link (pages + SMTP + token)"),
        (Method::SmsCode, "bench-es256", "sign-in, SMS code (pages + webhook + token)"),
        (Method::Passkey, "bench-es256", "sign-in, passkey (pages + WebAuthn + token)"),
        (Method::EmbeddedOtp, OTP_CLIENT, "sign-in, embedded OTP grant (start + token)"),
    ];
    let names: Vec<_> = all.into_iter().filter(|(method, _, _)| methods.contains(method)).collect();
    let wanted = |name: &str| o.wants(&format!("{label}{name}"));
    const PURGE: &str = "sign-in, email code, during the retention purge";
    let purge = purge && o.seeded() > 0 && wanted(PURGE);
    if !purge && !names.iter().any(|(_, _, name)| wanted(name)) {
        return;
    }
    let (smtp_port, mail) = crate::sinks::smtp().await;
    let (sms_url, texts) = crate::sinks::sms().await;
    let Ok(dir) = tempfile::tempdir() else { return };
    let port = free_port();
    let settings = |c: &mut Config| {
        c.email.transport = tessera::config::EmailTransport::Smtp;
        c.email.smtp.host = "127.0.0.1".into();
        c.email.smtp.port = smtp_port;
        c.email.smtp.security = tessera::config::SmtpSecurity::None;
        c.sms.provider = tessera::config::SmsProvider::Webhook;
        c.sms.webhook_url = sms_url.clone();
        c.sms.webhook_secret = "bench-sms-webhook-secret-0123456789abcdef".into();
        c.sms.allowed_country_codes = vec![1];
        c.sms.per_number_per_hour = 1_000_000;
        c.sms.per_prefix_per_hour = 1_000_000;
        c.sms.daily_cap = 100_000_000;
        // One source signs everyone in: the per-source limits would refuse a load generator.
        c.login.resend_cooldown_secs = 0;
        c.login.sends_per_window = 1_000_000;
        c.login.sends_per_client = 100_000_000;
        c.login.checks_per_ip = 100_000_000;
        c.login.checks_per_identifier = 1_000_000;
        c.login.sign_ins_per_ip_per_minute = 100_000_000;
        let mut link = crate::client("bench-link", "ES256");
        link.email_sends = Some("link".into());
        let mut otp = crate::client(OTP_CLIENT, "ES256");
        otp.passwordless = true;
        c.clients.extend([link, otp]);
        // Passkeys need a domain name: the issuer (and so the relying party) is localhost, which
        // browsers allow over http; the load generator still connects to 127.0.0.1.
        c.issuer = format!("http://localhost:{port}");
        adjust(c);
    };
    let config = crate::write_config(dir.path(), port, settings);
    crate::seed::directory_of(binary, dir.path(), &config, o).await;
    let passkey = Arc::new(SoftPasskey::new("localhost", &format!("http://localhost:{port}")));
    if let Err(e) = import_passkeys(binary, dir.path(), &config, o.connections, &passkey) {
        eprintln!("the passkey people were not imported: {e}");
    }
    let (server, _) = Server::start(binary, dir.path(), &config, port).await;
    let http = crate::load::client();
    let scenario = |method, client_id: &str, server: &Server| SignIn {
        http: http.clone(),
        base: server.base.clone(),
        client_id: client_id.into(),
        method,
        mail: mail.clone(),
        texts: texts.clone(),
        passkey: passkey.clone(),
    };
    for (method, client_id, name) in names.into_iter().filter(|(_, _, name)| wanted(name)) {
        crate::measure(rows, &format!("{label}{name}"), &server, &scenario(method, client_id, &server), o).await;
    }
    server.stop();
    if purge {
        crate::write_config(dir.path(), port, |c| {
            settings(c);
            c.audit.retention_days = 7;
        });
        let (server, _) = Server::start(binary, dir.path(), &config, port).await;
        let name = format!("{label}{PURGE}");
        crate::measure(rows, &name, &server, &scenario(Method::EmailCode, "bench-es256", &server), o).await;
        server.stop();
    }
}
