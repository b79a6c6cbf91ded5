//! An application moving from Passwordless.dev: its backend is the official Node SDK
//! (`@passwordlessdev/passwordless-nodejs`, run by `passwordless_dev.cjs`), and its page, served
//! from an origin of its own, loads the official browser SDK (`@passwordlessdev/passwordless-client`).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

pub const NODE_SDK: &str = "@passwordlessdev/passwordless-nodejs@1.0.1";
pub const CLIENT_SDK: &str = "@passwordlessdev/passwordless-client@1.2.4";

/// The application's backend: the Node SDK with one secret.
pub struct Backend {
    pub base: String,
    pub secret: String,
    modules: PathBuf,
}

impl Backend {
    pub fn new(base: &str, secret: &str) -> Backend {
        Backend { base: base.into(), secret: secret.into(), modules: crate::support::npm::package(NODE_SDK) }
    }

    /// The same backend holding another secret.
    pub fn with_secret(&self, secret: &str) -> Backend {
        Backend { base: self.base.clone(), secret: secret.into(), modules: self.modules.clone() }
    }

    /// `client.method(...args)`: `Ok` with what it resolved to, `Err` with the problem it threw.
    pub async fn call(&self, method: &str, args: Value) -> Result<Value, Value> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support/passwordless_dev.cjs");
        let mut command = Command::new("node");
        command.arg(script).args([&self.base, &self.secret, method, &args.to_string()]);
        command.env("NODE_PATH", &self.modules);
        let out = tokio::task::spawn_blocking(move || command.output().expect("node runs the SDK")).await.unwrap();
        let line = String::from_utf8_lossy(&out.stdout);
        let answer: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|_| panic!("the SDK printed {line:?}; stderr: {}", String::from_utf8_lossy(&out.stderr)));
        match answer.get("error") {
            Some(problem) => Err(problem.clone()),
            None => Ok(answer["ok"].clone()),
        }
    }
}

/// The application's page, served on a localhost port of its own (another origin than Tessera):
/// an address field for autofill and the browser SDK as `window.Passwordless`.
pub async fn serve_page() -> String {
    let modules = crate::support::npm::package(CLIENT_SDK);
    let sdk = modules.join("@passwordlessdev/passwordless-client/dist/umd/passwordless.umd.js");
    let sdk = std::fs::read_to_string(sdk).unwrap();
    let page = "<!doctype html><title>Shop</title><form><label>Email \
                <input id=username name=username autocomplete=\"username webauthn\"></label></form>\
                <script src=/passwordless.umd.js></script>";
    let app =
        axum::Router::new().route("/", axum::routing::get(move || async move { axum::response::Html(page) })).route(
            "/passwordless.umd.js",
            axum::routing::get(move || async move { ([("content-type", "text/javascript")], sdk) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    origin
}
