//! `tessera upstreams add|list|update|remove` against a real directory: an upstream added is
//! offered on the sign-in page of a server on that directory, its secret read from a file or
//! stdin and never printed; bad input is refused by field; one removed is offered no more.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::browser::Step;
use crate::support::{TestServer, rp};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

async fn choice_page(server: &TestServer) -> String {
    let client = rp::client(server, "web").await;
    let pending = rp::start(&client, &["openid"]);
    let Step::Login(page) = server.browser().authorize(&pending.url).await else { panic!("a login page") };
    page.html
}

#[tokio::test]
async fn an_upstream_added_with_the_cli_is_offered_until_it_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let command = |args: &[&str]| {
        let mut command = Command::new(BIN);
        command.args(args).env("TESSERA_DIRECTORY__URL", &db).env_remove("TESSERA_CONFIG");
        command
    };
    let run = |args: &[&str]| command(args).output().unwrap();
    let secret_file = dir.path().join("corp.secret");
    std::fs::write(&secret_file, "cli-secret-of-corp\n").unwrap();
    let secret_path = secret_file.to_str().unwrap();
    let corp = ["upstreams", "add", "--id", "corp", "--name", "Corp SSO", "--client-id", "tessera"];
    let added =
        run(&[&corp[..], &["--issuer", "https://sso.corp.example", "--client-secret-file", secret_path][..]].concat());
    assert!(added.status.success(), "{}", text(&added));
    assert!(!text(&added).contains("cli-secret-of-corp"), "never printed");

    let mut piped =
        command(&["upstreams", "add", "--id", "piped", "--issuer", "https://idp.example", "--client-id", "t"])
            .args(["--client-secret-file", "-", "--trust-verified-email", "true"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
    piped.stdin.take().unwrap().write_all(b"piped-secret-value").unwrap();
    assert!(piped.wait_with_output().unwrap().status.success());

    let listed = text(&run(&["upstreams", "list"]));
    assert!(listed.contains("corp") && listed.contains("piped") && listed.contains("secret:set"), "{listed}");
    assert!(!listed.contains("cli-secret-of-corp") && !listed.contains("piped-secret-value"), "{listed}");
    let duplicate = run(&[&corp[..], &["--issuer", "https://sso.corp.example"][..]].concat());
    assert!(!duplicate.status.success(), "an id is registered once");
    let malformed = run(&["upstreams", "add", "--id", "bad", "--issuer", "sso.example", "--client-id", "t"]);
    assert!(!malformed.status.success() && text(&malformed).contains("issuer: not a URL"), "{}", text(&malformed));
    let unknown = run(&["upstreams", "add", "--id", "bad", "--kind", "saml", "--issuer", "https://x.example"]);
    assert!(!unknown.status.success() && text(&unknown).contains("kind:"), "{}", text(&unknown));
    let updated = run(&["upstreams", "update", "corp", "--name", "Corp"]);
    assert!(updated.status.success(), "{}", text(&updated));
    assert!(!run(&["upstreams", "update", "corp", "--issuer", "ftp://x.example"]).status.success());

    let server = TestServer::start_with(|c| c.directory.url = db.clone()).await;
    let stored = server.state.directory.upstream("corp").await.unwrap().unwrap();
    assert_eq!((stored.client_secret.as_deref(), stored.name.as_deref()), (Some("cli-secret-of-corp"), Some("Corp")));
    assert_eq!(stored.issuer, "https://sso.corp.example", "a refused update changes nothing");
    let piped = server.state.directory.upstream("piped").await.unwrap().unwrap();
    assert_eq!((piped.client_secret.as_deref(), piped.trust_verified_email), (Some("piped-secret-value"), true));
    assert!(choice_page(&server).await.contains("Continue with Corp"), "offered at once");

    assert!(run(&["upstreams", "remove", "corp"]).status.success());
    assert!(!run(&["upstreams", "remove", "corp"]).status.success(), "removed once");
    let html = choice_page(&server).await;
    assert!(!html.contains("Continue with Corp") && html.contains("Continue with piped"), "gone at once: {html}");
}
