//! Tessera as separate processes (the built binary), and the shared services they run on: a
//! PostgreSQL schema and a Redis key prefix of their own, removed afterwards.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_tessera");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `tessera serve`; killed when dropped.
pub struct Replica {
    pub child: Child,
    pub base: String,
}

impl Replica {
    /// Starts `tessera --config CONFIG serve` listening on `port`.
    pub fn spawn(config: &Path, port: u16) -> Replica {
        Self::start(config, port, "warn", Stdio::null())
    }

    /// Like `spawn`, with every log line at `info` and above written to `log`.
    pub fn spawn_logged(config: &Path, port: u16, log: &Path) -> Replica {
        Self::start(config, port, "info", Stdio::from(std::fs::File::create(log).unwrap()))
    }

    fn start(config: &Path, port: u16, level: &str, stdout: Stdio) -> Replica {
        let child = Command::new(BIN)
            .args(["--config", config.to_str().unwrap(), "serve"])
            .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
            .env("TESSERA_LOG", level)
            .env("NO_COLOR", "1")
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Replica { child, base: format!("http://127.0.0.1:{port}") }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until the replica answers `/readyz` with 200 (a generous bound: the whole suite
    /// shares two cores, Chromium included).
    pub async fn ready(&self) {
        for _ in 0..600 {
            if let Ok(r) = reqwest::get(self.url("/readyz")).await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("replica at {} did not become ready", self.base);
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// A PostgreSQL schema of this test's own, dropped (with everything in it) when dropped.
pub struct PgSchema {
    pub name: String,
}

impl PgSchema {
    pub async fn create() -> PgSchema {
        let name = unique("t_");
        let admin = sqlx::PgPool::connect(&postgres_url()).await.expect("PostgreSQL answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&admin).await.unwrap();
        PgSchema { name }
    }

    /// The directory URL that places Tessera's tables in this schema.
    pub fn url(&self) -> String {
        format!("{}?options=-c%20search_path%3D{}", postgres_url(), self.name)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async code: a small runtime of its own does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&postgres_url()).await {
                    let _ =
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {name} CASCADE"))).execute(&admin).await;
                }
            });
        })
        .join();
    }
}

/// A Redis key prefix of this test's own.
pub fn redis_prefix() -> String {
    format!("{}:", unique("tessera-test-"))
}

/// A key prefix on the shared Redis whose keys are deleted when dropped.
pub struct RedisKeys {
    pub prefix: String,
}

impl RedisKeys {
    pub fn new() -> RedisKeys {
        RedisKeys { prefix: redis_prefix() }
    }
}

impl Drop for RedisKeys {
    fn drop(&mut self) {
        let pattern = format!("{}*", self.prefix);
        let _ = std::thread::spawn(move || {
            let Ok(client) = redis::Client::open(redis_url()) else { return };
            let Ok(mut conn) = client.get_connection() else { return };
            let keys: Vec<String> = redis::cmd("KEYS").arg(&pattern).query(&mut conn).unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
            }
        })
        .join();
    }
}

/// A TCP relay to a service that a test can cut (dropping live connections and refusing new
/// ones) and restore: a service outage without stopping the shared server.
#[derive(Clone)]
pub struct Relay {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    generation: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl Relay {
    pub async fn start(target: &str) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (tx, _) = tokio::sync::watch::channel(0u64);
        let relay = Relay {
            port: listener.local_addr().unwrap().port(),
            up: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
            generation: std::sync::Arc::new(tx),
        };
        let target = target.to_string();
        let r = relay.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !r.up.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is closed at once
                }
                let target = target.clone();
                let mut cut = r.generation.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        relay
    }

    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A Redis server of the test's own on `port`, stopped when dropped.
pub struct OwnRedis {
    child: Child,
}

impl OwnRedis {
    pub async fn start(port: u16) -> OwnRedis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        // Owned from here on, so the process is reaped on every path.
        let redis = OwnRedis { child };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return redis;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {port} did not start");
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Allows on the consent page when `location` is one (`prompt=consent`, as `offline_access`
/// asks), posting on `base`; the location that follows.
pub async fn allow_consent(browser: &reqwest::Client, base: &str, location: String) -> Result<String, String> {
    if !location.starts_with("/consent/") {
        return Ok(location);
    }
    let e = |e: reqwest::Error| e.to_string();
    let page = format!("{base}{location}");
    let html = browser.get(&page).send().await.map_err(e)?.text().await.map_err(e)?;
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).ok_or("no form")?;
    let r = browser.post(&page).form(&[("csrf", csrf), ("decision", "allow")]).send().await.map_err(e)?;
    Ok(r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("").to_string())
}

/// Signs `email` in on one replica, start to finish, and redeems the code. Any failure (the
/// replica may be dying) is an `Err`, never a panic.
pub async fn sign_in_on(
    base: &str,
    smtp: &super::SmtpSink,
    email: &str,
    client_secret: &str,
) -> Result<serde_json::Value, String> {
    let e = |e: reqwest::Error| e.to_string();
    let url = |path: &str| format!("{base}{path}");
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().map_err(e)?;
    let location =
        |r: &reqwest::Response| r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("").to_string();
    let redirect = "http://127.0.0.1:9/cb";
    let query = format!(
        "/authorize?response_type=code&client_id=web&redirect_uri={}&scope=openid%20offline_access&prompt=consent\
         &state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let login = location(&browser.get(url(&query)).send().await.map_err(e)?);
    let html = browser.get(url(&login)).send().await.map_err(e)?.text().await.map_err(e)?;
    let csrf =
        html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).ok_or("no form")?.to_string();
    let before = smtp.count_to(email);
    browser
        .post(url(&format!("{login}/email")))
        .form(&[("csrf", &csrf), ("email", &email.to_string())])
        .send()
        .await
        .map_err(e)?;
    let mail = smtp.try_nth_to(email, before + 1, Duration::from_secs(3)).await.ok_or("no mail")?;
    let r = browser
        .post(url(&format!("{login}/code")))
        .form(&[("csrf", csrf), ("code", mail.code())])
        .send()
        .await
        .map_err(e)?;
    let r = browser.get(url(&location(&r))).send().await.map_err(e)?;
    let callback = allow_consent(&browser, base, location(&r)).await?;
    let callback = url::Url::parse(&callback).map_err(|e| e.to_string())?;
    let code = callback.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).ok_or("no code")?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    ];
    let r = reqwest::Client::new()
        .post(url("/token"))
        .basic_auth("web", Some(client_secret))
        .form(&form)
        .send()
        .await
        .map_err(e)?;
    if !r.status().is_success() {
        return Err(format!("token endpoint answered {}", r.status()));
    }
    r.json().await.map_err(e)
}
