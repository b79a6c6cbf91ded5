//! The embedded passkey sign-in, Passwordless.dev-shaped, as an application's page and backend
//! make it: `signin/begin` and `signin/complete` with the public key and the page's origin,
//! then `signin/verify` with the secret; one flow is the three requests.

use bytes::Bytes;
use hyper::Request;
use serde_json::{Value, json};

use crate::authenticator::SoftPasskey;
use crate::load::{Http, Scenario, send};

pub const RP_ID: &str = "localhost";
pub const ORIGIN: &str = "http://localhost:9";
pub const PUBLIC_KEY: &str = "bench:public:0123456789abcdef0123";
pub const SECRET: &str = "bench:secret:0123456789abcdef0123456789abcdef";
const USER: &str = "bench-user";

/// The application the scenario signs in to.
pub fn app() -> tessera::config::AppConfig {
    tessera::config::AppConfig {
        id: "bench".into(),
        name: None,
        rp_id: RP_ID.into(),
        origins: vec![ORIGIN.into()],
        public_key: PUBLIC_KEY.into(),
        secret: SECRET.into(),
        generate_sign_in_tokens: false,
        tessera_users: false,
    }
}

pub struct EmbeddedSignIn {
    http: Http,
    api: String,
    passkey: SoftPasskey,
}

async fn call(http: &Http, url: &str, key: (&str, &str), body: Value) -> Result<Value, String> {
    let request = Request::post(url)
        .header("content-type", "application/json")
        .header(key.0, key.1)
        .header("origin", ORIGIN)
        .body(Bytes::from(body.to_string()))
        .map_err(|e| e.to_string())?;
    let answer = send(http, request).await?;
    let value: Value = serde_json::from_slice(&answer.body).map_err(|e| e.to_string())?;
    if answer.status != 200 {
        return Err(format!("{url}: {} {value}", answer.status));
    }
    Ok(value)
}

fn field<'a>(value: &'a Value, pointer: &str) -> Result<&'a str, String> {
    value.pointer(pointer).and_then(Value::as_str).ok_or_else(|| format!("no {pointer} in {value}"))
}

impl EmbeddedSignIn {
    /// Registers the software passkey for the bench user, through the same API.
    pub async fn register(http: &Http, base: &str) -> Result<EmbeddedSignIn, String> {
        let api = format!("{base}/embedded/passkeys");
        let passkey = SoftPasskey::new(RP_ID, ORIGIN);
        let secret = ("apisecret", SECRET);
        let public = ("apikey", PUBLIC_KEY);
        let token =
            call(http, &format!("{api}/register/token"), secret, json!({"userId": USER, "username": USER})).await?;
        let begun =
            call(http, &format!("{api}/register/begin"), public, json!({"token": token["token"], "Origin": ORIGIN}))
                .await?;
        let credential = passkey.register(field(&begun, "/data/challenge")?);
        let body = json!({"session": begun["session"], "response": credential, "Origin": ORIGIN});
        call(http, &format!("{api}/register/complete"), public, body).await?;
        Ok(EmbeddedSignIn { http: http.clone(), api, passkey })
    }
}

impl Scenario for EmbeddedSignIn {
    type Worker = ();
    async fn worker(&self, _: usize) {}
    async fn step(&self, _: &mut ()) -> Result<(), String> {
        let public = ("apikey", PUBLIC_KEY);
        let begun = call(&self.http, &format!("{}/signin/begin", self.api), public, json!({"Origin": ORIGIN})).await?;
        let assertion = self.passkey.assert(field(&begun, "/data/challenge")?);
        let body = json!({"session": begun["session"], "response": assertion, "Origin": ORIGIN});
        let done = call(&self.http, &format!("{}/signin/complete", self.api), public, body).await?;
        let verified = call(
            &self.http,
            &format!("{}/signin/verify", self.api),
            ("apisecret", SECRET),
            json!({"token": done["token"]}),
        )
        .await?;
        if verified["userId"] != USER {
            return Err(format!("verified someone else: {verified}"));
        }
        Ok(())
    }
}
