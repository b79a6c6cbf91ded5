//! A real third-party client: Auth0's Node SDK (`auth0` on npm) runs its passwordless methods
//! (`sendEmail`, `loginWithEmail`) against Tessera over loopback TLS, and validates the ID token
//! it gets back its own way (issuer with a trailing slash, JWKS at `/.well-known/jwks.json`,
//! tokens from `/oauth/token`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::support::process::free_port;
use crate::support::{TestServer, client};

const SDK: &str = "auth0@4.37.1";
const SECRET: &str = "sdk-secret-0123456789abcdef";

#[tokio::test]
async fn auth0s_node_sdk_signs_in_with_its_passwordless_methods() {
    let modules = crate::support::npm::package(SDK);
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "openssl made the test certificate");

    let port = free_port();
    let issuer = format!("https://localhost:{port}/");
    let server = TestServer::start_with(|c| {
        c.issuer = issuer.clone();
        let mut sdk = client("sdk", Some(SECRET), "client_secret_post", "RS256", &issuer);
        sdk.passwordless = true;
        c.clients.push(sdk);
    })
    .await;
    let target = server.base.replace("localhost", "127.0.0.1");
    let email = "ada@example.com";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support/auth0_sdk.cjs");
    let mut node = Command::new("node")
        .arg(script)
        .args([&port.to_string(), &target, cert.to_str().unwrap(), key.to_str().unwrap(), "sdk", SECRET, email])
        .env("NODE_PATH", &modules)
        .env("NODE_EXTRA_CA_CERTS", &cert)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is needed to run Auth0's SDK");
    let mut stdin = node.stdin.take().unwrap();
    let stdout = node.stdout.take().unwrap();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let next = async |lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>| {
        tokio::time::timeout(std::time::Duration::from_secs(30), lines.recv()).await.expect("the SDK answers").unwrap()
    };
    let first = next(&mut lines).await;
    assert_eq!(first, "sent", "sendEmail succeeded: {first}");
    let code = server.smtp.nth_to(email, 1).await.code();
    writeln!(stdin, "{code}").unwrap();
    let outcome: serde_json::Value = serde_json::from_str(&next(&mut lines).await).unwrap();
    let _ = node.wait();
    assert_eq!(outcome["ok"], true, "loginWithEmail succeeded and the SDK accepted the ID token: {outcome}");

    use base64::Engine;
    let id_token = outcome["id_token"].as_str().unwrap();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id_token.split('.').nth(1).unwrap()).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let user = server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some(issuer.as_str()), Some(user.id.0.as_str())));
}
