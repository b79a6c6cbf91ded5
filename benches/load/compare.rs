//! The comparison run: node `oidc-provider`, installed from npm into a temporary folder and
//! configured like Tessera (`benches/compare/provider.mjs`), under the same scenarios.

use std::process::Command;

use bytes::Bytes;

use crate::load::{get, post_form, send};
use crate::scenarios::{CodeFlow, Paths, Repeat, SECRET, TokenUse, keep_cookies};
use crate::server::{Server, free_port};
use crate::{Options, Row, measure};

const PROVIDER: &str = include_str!("../compare/provider.mjs");
const VERSION: &str = "oidc-provider@9";

pub struct Measured {
    pub rows: Vec<Row>,
    pub rss_idle: f64,
    pub rss_loaded: f64,
}

pub async fn oidc_provider(o: &Options) -> Result<Measured, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("provider.mjs"), PROVIDER).map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("package.json"), r#"{"type": "module", "private": true}"#)
        .map_err(|e| e.to_string())?;
    eprintln!("installing {VERSION} with npm into {} ...", dir.path().display());
    let npm = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", VERSION])
        .current_dir(dir.path())
        .status()
        .map_err(|e| format!("npm: {e}"))?;
    if !npm.success() {
        return Err("npm install failed".into());
    }
    let port = free_port();
    let mut node = Command::new("node");
    node.arg("provider.mjs").env("PORT", port.to_string()).env("SECRET", SECRET).env("NODE_ENV", "production");
    let (server, _) = Server::spawn(node, dir.path(), port, "/.well-known/openid-configuration").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let rss_idle = server.rss_mib();
    let http = crate::load::client();
    let paths = Paths { authorize: "/auth", userinfo: "/me", introspection: "/token/introspection" };
    let cookie = sign_in(&http, &server.base, paths).await?;

    let mut rows = Vec::new();
    for (name, path) in [("discovery document", "/.well-known/openid-configuration"), ("JWKS", "/jwks")] {
        measure(&mut rows, name, &server, &Repeat::fetch(&http, &server.url(path)), o).await;
    }
    for (alg, id) in [("RS256", "bench-rs256"), ("ES256", "bench-es256"), ("EdDSA", "bench-eddsa")] {
        let cc = Repeat::client_credentials(&http, &server.url("/token"), id);
        measure(&mut rows, &format!("client_credentials, {alg}"), &server, &cc, o).await;
    }
    let flow = CodeFlow {
        http: http.clone(),
        base: server.base.clone(),
        client_id: "bench-es256".into(),
        cookie,
        offline: false,
        paths,
    };
    measure(&mut rows, "code flow + PKCE, ES256 (authorize + token)", &server, &flow, o).await;
    measure(&mut rows, "userinfo", &server, &TokenUse { flow: flow.clone(), introspect: false }, o).await;
    measure(&mut rows, "introspection", &server, &TokenUse { flow, introspect: true }, o).await;
    let rss_loaded = server.rss_mib();
    server.stop();
    Ok(Measured { rows, rss_idle, rss_loaded })
}

/// Signs the user in through oidc-provider's development interactions (login, then consent),
/// and returns the session cookies.
async fn sign_in(http: &crate::load::Http, base: &str, paths: Paths) -> Result<String, String> {
    let probe = CodeFlow {
        http: http.clone(),
        base: base.into(),
        client_id: "bench-es256".into(),
        cookie: String::new(),
        offline: false,
        paths,
    };
    let mut jar: Vec<String> = Vec::new();
    let mut next = probe.authorize_url();
    for _ in 0..8 {
        let request = get(&next).header("cookie", jar.join("; ")).body(Bytes::new()).map_err(|e| e.to_string())?;
        let answer = keep_cookies(send(http, request).await?, &mut jar);
        let location = answer.location.ok_or_else(|| format!("no redirect from {next} ({})", answer.status))?;
        if location.contains("code=") {
            // What a browser sends to `/auth` afterwards: the session cookies. The interaction
            // cookies are scoped to the interaction's own paths, so a browser never sends them
            // there, and oidc-provider looks an interaction up for each one it is sent.
            let session: Vec<&str> = jar.iter().map(String::as_str).filter(|c| c.starts_with("_session")).collect();
            return Ok(session.join("; "));
        }
        let target = if location.starts_with('/') { format!("{base}{location}") } else { location };
        if target.contains("/interaction/") {
            // The login prompt first, then consent for the client's scopes.
            let page = keep_cookies(
                send(http, get(&target).header("cookie", jar.join("; ")).body(Bytes::new()).unwrap()).await?,
                &mut jar,
            );
            let html = String::from_utf8_lossy(&page.body);
            let prompt = if html.contains("name=\"login\"") {
                "prompt=login&login=bench&password=bench"
            } else {
                "prompt=consent"
            };
            let mut post = post_form(&target, prompt.into());
            post.headers_mut().insert("cookie", jar.join("; ").parse().map_err(|_| "cookie")?);
            let answer = keep_cookies(send(http, post).await?, &mut jar);
            next = answer
                .location
                .map(|l| if l.starts_with('/') { format!("{base}{l}") } else { l })
                .ok_or("no redirect after the form")?;
        } else {
            next = target;
        }
    }
    Err("oidc-provider sign-in did not finish".into())
}
