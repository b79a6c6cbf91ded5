//! Passkeys on the application's own pages, Passwordless.dev-compatible: the official SDKs, the
//! backend's from Node and the browser's in headless Chromium on a page of another origin than
//! Tessera's, register and sign in; tokens work once, for their application, until they expire;
//! wrong secrets and wrong origins are refused.

mod backend;
mod browser;
mod hosted;
mod manage;

use serde_json::Value;
use tessera::config::AppConfig;

use crate::support::TestServer;
use crate::support::passwordless_dev::Backend;

pub const SHOP_PUBLIC: &str = "shop:public:0123456789abcdef0123";
pub const SHOP_SECRET: &str = "shop:secret:0123456789abcdef0123456789abcdef";
pub const BLOG_SECRET: &str = "blog:secret:fedcba9876543210fedcba9876543210";

/// An application on `localhost` whose pages run on `origins`.
pub fn app(id: &str, public_key: &str, secret: &str, origins: &[&str]) -> AppConfig {
    AppConfig {
        id: id.into(),
        name: Some(format!("App {id}")),
        rp_id: "localhost".into(),
        origins: origins.iter().map(|o| o.to_string()).collect(),
        public_key: public_key.into(),
        secret: secret.into(),
        generate_sign_in_tokens: true,
        tessera_users: false,
    }
}

/// Tessera with two applications, `shop` (whose page is at `origin`) and `blog`.
pub async fn server(origin: &str, adjust: impl FnOnce(&mut tessera::config::Config)) -> TestServer {
    let origin = origin.to_string();
    TestServer::start_with(move |c| {
        c.apps.push(app("shop", SHOP_PUBLIC, SHOP_SECRET, &[&origin]));
        c.apps.push(app("blog", "blog:public:fedcba9876543210fedc", BLOG_SECRET, &["http://localhost:1"]));
        adjust(c);
    })
    .await
}

/// Where the SDKs are pointed (`baseUrl`, `apiUrl`).
pub fn api(server: &TestServer) -> String {
    server.url("/embedded/passkeys")
}

pub fn shop(server: &TestServer) -> Backend {
    Backend::new(&api(server), SHOP_SECRET)
}

/// A raw backend call, to read the status and problem the SDK hides (`verifyToken` answers
/// `null` for any error).
pub async fn raw(server: &TestServer, secret: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", api(server)))
        .header("ApiSecret", secret)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(kind.as_deref(), Some("application/problem+json"), "errors are problem details");
    }
    (status, body)
}
