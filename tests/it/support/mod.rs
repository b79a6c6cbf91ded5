//! The test server (the real Tessera router on a free port), its SMTP sink, a cookie-keeping
//! browser for the login pages, and a relying party built on the `openidconnect` crate.

pub mod browser;
pub mod chrome;
pub mod node;
pub mod npm;
pub mod openid_client;
pub mod passwordless_dev;
pub mod process;
pub mod receiver;
pub mod rp;
pub mod sms_vendor;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tessera::clock::Clock;
use tessera::config::{ClientConfig, Config, EmailTransport, SmtpSecurity};
use tessera::state::AppState;

pub use browser::Browser;
pub use smtp::SmtpSink;

pub const WEB_SECRET: &str = "web-secret-0123456789abcdef";
pub const POST_SECRET: &str = "post-secret-0123456789abcdef";

pub struct TestServer {
    pub base: String,
    pub clock: Clock,
    pub smtp: SmtpSink,
    pub state: AppState,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Keys are generated once per test run and copied into each server's folder.
fn shared_keys() -> &'static Path {
    static KEYS: OnceLock<PathBuf> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tessera-test-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // Production keys (not dev-marked), active from the epoch whatever a test's clock says.
        tessera::domain::keys::generate_missing(&dir, 0).unwrap();
        dir
    })
}

/// Copies the shared test keys into `dir/keys` and returns that folder.
pub fn copy_keys(dir: &Path) -> PathBuf {
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for entry in std::fs::read_dir(shared_keys()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, keys.join(path.file_name().unwrap())).unwrap();
    }
    keys
}

pub fn client(id: &str, secret: Option<&str>, method: &str, alg: &str, base: &str) -> ClientConfig {
    ClientConfig {
        id: id.into(),
        name: Some(format!("App {id}")),
        secret: secret.map(str::to_owned),
        redirect_uris: vec![format!("{base}/cb/{id}"), "http://127.0.0.1:9/cb".into()],
        post_logout_redirect_uris: vec![format!("{base}/bye/{id}")],
        token_endpoint_auth_method: method.into(),
        id_token_signed_response_alg: alg.into(),
        jwks_uri: None,
        jwks: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        client_credentials_scopes: vec!["reports:read".into(), "reports:write".into()],
        email_sends: None,
        cross_device_links: None,
        passwordless: false,
        verify_callback_url: None,
        logo_uri: None,
        primary_color: None,
        third_party: false,
        require_pushed_authorization_requests: false,
        require_signed_request_object: false,
        subject_type: None,
        sector_identifier_uri: None,
        userinfo_signed_response_alg: None,
        dpop_bound_access_tokens: false,
        security_profile: None,
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        Self::try_start_with(adjust).await.expect("test configuration is valid")
    }

    /// Starts unless the adjusted configuration is refused; the refusal's text otherwise.
    pub async fn try_start_with(adjust: impl FnOnce(&mut Config)) -> Result<TestServer, String> {
        let dir = tempfile::tempdir().unwrap();
        let keys = copy_keys(dir.path());
        let smtp = SmtpSink::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());

        let mut config = Config { issuer: base.clone(), keys_dir: keys, ..Config::default() };
        config.directory.url = format!("sqlite://{}", dir.path().join("tessera.db").display());
        config.email.transport = EmailTransport::Smtp;
        config.email.smtp.host = "127.0.0.1".into();
        config.email.smtp.port = smtp.port;
        config.email.smtp.security = SmtpSecurity::None;
        config.login.sends_per_window = 20;
        // Tests send to one address several times in a row; the cool-down has its own test.
        config.login.resend_cooldown_secs = 0;
        config.clients = vec![
            client("web", Some(WEB_SECRET), "client_secret_basic", "RS256", &base),
            client("post", Some(POST_SECRET), "client_secret_post", "ES256", &base),
            client("spa", None, "none", "EdDSA", &base),
        ];
        adjust(&mut config);
        config.validate().map_err(|e| e.to_string())?;

        let clock = Clock::manual();
        let started = tessera::build(config, clock.clone()).await.unwrap();
        let state = started.state;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            tessera::serve(listener, serving, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Ok(TestServer { base, clock, smtp, state, _dir: dir, _stop: stop })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn redirect_uri(&self, client_id: &str) -> String {
        self.url(&format!("/cb/{client_id}"))
    }

    pub fn browser(&self) -> Browser {
        Browser::new(self)
    }
}

/// Signs `email` in through `client_id` and redeems the code: the RP, the pending request's
/// verified token response.
pub async fn signed_in(
    server: &TestServer,
    browser: &Browser,
    client_id: &str,
    scopes: &[&str],
    email: &str,
) -> (rp::Client, openidconnect::core::CoreTokenResponse) {
    let client = rp::client(server, client_id).await;
    let pending = rp::start(&client, scopes);
    let callback = browser.sign_in(&pending.url, email).await;
    let code = browser::param(&callback, "code").expect("a code in the redirect");
    let tokens = rp::redeem(&client, pending, &code).await;
    (client, tokens)
}

/// Posts a form to the token endpoint without any client library: for malformed requests.
pub async fn raw_token(
    server: &TestServer,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new().post(server.url("/token")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body, headers)
}
