//! Whole requests through Tessera's router, as an attacker sends them: any method, any route of
//! the public surface with any path tail, query, body, content type, cookie and credentials.
//! Nothing reachable from a request may panic, and no answer is a 500 (a store that works cannot
//! fail on bad input).
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const API_KEY: &str = "tsk_fuzz_0123456789abcdef0123456789abcdef";
const SECRET: &str = "fuzz-secret-0123456789abcdef";
const APP_PUBLIC: &str = "shop:public:0123456789abcdef0123";
const APP_SECRET: &str = "shop:secret:0123456789abcdef0123456789abcdef";

const ROUTES: &[&str] = &[
    "/authorize",
    "/authorize/resume/{}",
    "/token",
    "/oauth/token",
    "/userinfo",
    "/revoke",
    "/oauth/revoke",
    "/introspect",
    "/logout",
    "/logout/confirm",
    "/passwordless/start",
    "/passwordless/link/{}",
    "/verify",
    "/verify/{}",
    "/verify/{}/check",
    "/login/{}",
    "/login/{}/email",
    "/login/{}/phone",
    "/login/{}/code",
    "/login/{}/resend",
    "/login/{}/wait",
    "/login/{}/status",
    "/login/{}/passkey/start",
    "/login/{}/passkey/finish",
    "/login/link/{}",
    "/magic/{}",
    "/consent/{}",
    "/account",
    "/account/sessions/end",
    "/account/passkeys/register/start",
    "/account/passkeys/remove",
    "/passkeys/register",
    "/bridge/{}/login",
    "/api/v1/users",
    "/api/v1/users/{}",
    "/api/v1/users/lookup",
    "/api/v1/clients",
    "/api/v1/clients/{}",
    "/api/v1/bridges",
    "/api/v1/magic-links",
    "/api/v1/passkey-tickets",
    "/api/v1/events",
    "/api/v1/apps",
    "/api/v1/apps/{}",
    "/embedded/passkeys/register/token",
    "/embedded/passkeys/register/{}",
    "/embedded/passkeys/signin/{}",
    "/embedded/passkeys/credentials/{}",
    "/embedded/passkeys/alias",
    "/embedded/passkeys/alias/list",
    "/embedded/passkeys/users/{}",
    "/embedded/passkeys/apps/features",
    "/.well-known/openid-configuration",
    "/jwks",
    "/demo/callback",
    "/{}",
];

#[derive(Arbitrary, Debug)]
struct Input {
    route: u8,
    method: u8,
    tail: String,
    query: String,
    body: Vec<u8>,
    content_type: u8,
    credentials: u8,
    cookie: Option<String>,
    header: Option<(String, String)>,
}

struct App {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    _dir: std::path::PathBuf,
}

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tessera-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let router = runtime.block_on(async {
            let mut config = tessera::config::Config { keys_dir: dir.join("keys"), ..Default::default() };
            config.directory.url = format!("sqlite://{}", dir.join("tessera.db").display());
            config.email.outbox_dir = dir.join("outbox");
            let client = format!(
                "id = \"app\"\nsecret = \"{SECRET}\"\nredirect_uris = [\"http://localhost:3000/cb\"]\npasswordless = true"
            );
            config.clients = vec![toml::from_str(&client).unwrap()];
            let embedded = format!(
                "id = \"shop\"\nrp_id = \"localhost\"\norigins = [\"http://localhost:3000\"]\n\
                 public_key = \"{APP_PUBLIC}\"\nsecret = \"{APP_SECRET}\"\ngenerate_sign_in_tokens = true"
            );
            config.apps = vec![toml::from_str(&embedded).unwrap()];
            let started = tessera::build(config, tessera::clock::Clock::System).await.unwrap();
            let key = tessera::model::ApiKey {
                id: "fuzz".into(),
                name: "fuzz".into(),
                hash: tessera::crypto::sha256(API_KEY.as_bytes()),
                scopes: tessera::model::API_SCOPES.iter().map(|s| s.to_string()).collect(),
                created_at: 0,
                revoked_at: None,
            };
            started.state.directory.insert_api_key(&key).await.unwrap();
            tessera::app(started.state)
        });
        App { runtime, router, _dir: dir }
    })
}

fn request(input: Input) -> Option<Request<Body>> {
    let route = ROUTES[usize::from(input.route) % ROUTES.len()].replace("{}", &input.tail);
    let method = [Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::PUT, Method::OPTIONS]
        [usize::from(input.method) % 6]
        .clone();
    let uri = if input.query.is_empty() { route } else { format!("{route}?{}", input.query) };
    let mut builder = Request::builder().method(method).uri(uri);
    let content_type = ["application/x-www-form-urlencoded", "application/json", "text/plain"];
    builder = builder.header(header::CONTENT_TYPE, content_type[usize::from(input.content_type) % 3]);
    builder = match input.credentials % 6 {
        1 => builder.header(header::AUTHORIZATION, "Basic YXBwOmZ1enotc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY="),
        2 => builder.header(header::AUTHORIZATION, format!("Bearer {API_KEY}")),
        3 => builder.header("apisecret", APP_SECRET),
        4 => builder.header("apikey", APP_PUBLIC).header(header::ORIGIN, "http://localhost:3000"),
        _ => builder,
    };
    if let Some(cookie) = input.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    if let Some((name, value)) = input.header {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(input.body)).ok()
}

fuzz_target!(|input: Input| {
    let Some(request) = request(input) else { return };
    let app = app();
    let response = app.runtime.block_on(app.router.clone().oneshot(request)).unwrap();
    assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{response:?}");
});
