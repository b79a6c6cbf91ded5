//! `openid-client` v6 from npm, run by Node as a relying party (`openid_client.mjs`): it makes
//! the authorization URL (pushed, signed, or both) and redeems the code its own way.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

pub const PACKAGE: &str = "openid-client@6.9.0";

/// How the library builds the authorization request, and whether its tokens are DPoP-bound.
#[derive(Clone, Copy)]
pub enum Mode {
    Par,
    Jar,
    ParJar,
    ParDpop,
    Dpop,
    /// The device authorization grant (RFC 8628): `params` are the device request's.
    Device,
    /// Dynamic registration (RFC 7591) first: `client_id` is then the metadata as JSON and
    /// `secret` an initial access token; then the plain code flow.
    Register,
}

/// A signing key for request objects: PKCS#8 DER and its `kid`.
pub struct Signer<'a> {
    pub der: &'a [u8],
    pub kid: &'a str,
}

pub struct Rp {
    node: Child,
    stdin: ChildStdin,
    lines: UnboundedReceiver<String>,
}

impl Rp {
    /// Starts the library for `client_id` with its test redirect_uri; `params` are extra
    /// authorization parameters (a JSON object).
    pub fn start(
        server: &super::TestServer,
        client_id: &str,
        secret: Option<&str>,
        mode: Mode,
        mut params: serde_json::Value,
        signer: Option<Signer>,
    ) -> Rp {
        if !matches!(mode, Mode::Device | Mode::Register) {
            params["redirect_uri"] = server.redirect_uri(client_id).into();
        }
        use base64::Engine;
        let modules = super::npm::package(PACKAGE);
        let mode = match mode {
            Mode::Par => "par",
            Mode::Jar => "jar",
            Mode::ParJar => "par+jar",
            Mode::ParDpop => "par+dpop",
            Mode::Dpop => "dpop",
            Mode::Device => "device",
            Mode::Register => "register",
        };
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support/openid_client.mjs");
        let mut command = Command::new("node");
        command.arg(script).arg(&modules).args([server.base.as_str(), client_id, secret.unwrap_or("-"), mode]);
        command.arg(params.to_string());
        if let Some(signer) = signer {
            command.args([base64::engine::general_purpose::STANDARD.encode(signer.der), signer.kid.to_string()]);
        }
        let mut node = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node is needed to run openid-client");
        let stdin = node.stdin.take().unwrap();
        let stdout = node.stdout.take().unwrap();
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Rp { node, stdin, lines }
    }

    /// The library's next step as JSON: `{step, url}`, `{step, claims}` or `{step, error}`.
    pub async fn next(&mut self) -> serde_json::Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.lines.recv())
            .await
            .expect("openid-client answers within 30 s")
            .expect("openid-client printed a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// The authorization URL the library built; panics with its error if it could not.
    pub async fn authorization_url(&mut self) -> String {
        let step = self.next().await;
        step["url"].as_str().unwrap_or_else(|| panic!("openid-client built no URL: {step}")).to_string()
    }

    /// Hands the callback URL to the library and returns its code-grant outcome.
    pub async fn redeem(&mut self, callback: &str) -> serde_json::Value {
        writeln!(self.stdin, "{callback}").unwrap();
        self.next().await
    }
}

impl Drop for Rp {
    fn drop(&mut self) {
        let _ = self.node.kill();
        let _ = self.node.wait();
    }
}
