//! Tessera's load benchmark: `cargo bench --bench load`.
//!
//! Builds in release mode (cargo does), starts the `tessera` binary on embedded defaults in a
//! temporary folder, signs one user in, runs each scenario for a fixed time after a warm-up, and
//! prints requests (or flows) per second, latency percentiles, errors, the CPU per operation of
//! the server and of the load generator, server memory, start-up time, and the raw signing rate
//! of the same keys for comparison.
//! Scenario 6 repeats the flow over PostgreSQL and Redis when they answer. The embedded passkey
//! scenario signs in with a software authenticator through the Passwordless.dev-shaped API.
//! The sign-in scenarios (email code, magic link, SMS code, embedded OTP grant) run on a server
//! of their own whose mail goes over SMTP and texts to the webhook, both to sinks in this
//! process; they run again over PostgreSQL and Redis. Every row also shows the store operations
//! each operation cost, read from the server's own metrics.
//!
//! Options (after `--`): `--duration SECS` (10), `--warmup SECS` (2), `--connections N` (32),
//! `--compare` (also run node oidc-provider, installed with npm, and print both side by side),
//! `--only TEXT` (run only the scenarios whose name contains TEXT), `--runs N` (measure each
//! scenario N times in a row and print the median and the spread), `--users N[,M…]` (the
//! data-scale mode, `scale.rs`: at each size, seed every directory with that many users, their
//! sessions and ten audit events each, run the scenarios that read or write the directory, and
//! print the sizes side by side).

mod authenticator;
mod compare;
mod embedded;
mod load;
mod management;
mod pushed;
mod report;
mod scale;
mod scenarios;
mod seed;
mod server;
mod sign;
mod sign_ins;
mod sinks;

use std::path::Path;
use std::time::Duration;

use tessera::config::{ClientConfig, Config};
use tessera::model::SigningAlg;

use load::Scenario;
pub use report::Row;
use scenarios::{CodeFlow, REDIRECT, Refresh, Repeat, SECRET, TESSERA, TokenUse};
use server::{Server, free_port};

#[derive(Clone)]
pub struct Options {
    duration: Duration,
    warmup: Duration,
    connections: usize,
    compare: bool,
    /// Run only the scenarios whose name contains this.
    only: Option<String>,
    /// The data-scale mode: the directory sizes to run at.
    sizes: Vec<u64>,
    /// Users (with sessions and audit events) seeded into the directories of this pass; 0: none.
    users: u64,
    /// Each scenario is measured this many times in a row.
    runs: usize,
}

impl Options {
    /// Users seeded into the directories of this pass.
    pub fn seeded(&self) -> u64 {
        self.users
    }

    /// Whether `--only` lets the scenario `name` run.
    pub fn wants(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|only| name.contains(only.as_str()))
    }
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        duration: Duration::from_secs(value("--duration", 10)),
        warmup: Duration::from_secs(value("--warmup", 2)),
        connections: value("--connections", 32) as usize,
        compare: args.iter().any(|a| a == "--compare"),
        only: args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned(),
        sizes: args
            .iter()
            .position(|a| a == "--users")
            .and_then(|i| args.get(i + 1))
            .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_default(),
        users: 0,
        runs: value("--runs", 1).max(1) as usize,
    }
}

fn client(id: &str, alg: &str) -> ClientConfig {
    ClientConfig {
        id: id.into(),
        name: Some(id.into()),
        secret: Some(SECRET.into()),
        redirect_uris: vec![REDIRECT.into()],
        post_logout_redirect_uris: vec![],
        token_endpoint_auth_method: "client_secret_basic".into(),
        id_token_signed_response_alg: alg.into(),
        jwks_uri: None,
        jwks: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        client_credentials_scopes: vec!["bench".into()],
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

/// Writes the configuration: embedded defaults, plus the benchmark's clients.
pub fn write_config(dir: &Path, port: u16, adjust: impl FnOnce(&mut Config)) -> std::path::PathBuf {
    let mut config = Config { issuer: format!("http://127.0.0.1:{port}"), demo: false, ..Config::default() };
    config.login.sends_per_window = 1000;
    config.clients =
        vec![client("bench-rs256", "RS256"), client("bench-es256", "ES256"), client("bench-eddsa", "EdDSA")];
    config.apps = vec![embedded::app()];
    adjust(&mut config);
    let path = dir.join("tessera.toml");
    std::fs::write(&path, toml::to_string(&config).expect("config serialises")).expect("config written");
    path
}

/// Store operations so far (directory, ephemeral), summed from `/metrics`.
async fn store_operations(server: &Server) -> (f64, f64) {
    let http = load::client();
    let Ok(request) = load::get(&server.url("/metrics")).body(bytes::Bytes::new()) else { return (0.0, 0.0) };
    let Ok(answer) = load::send(&http, request).await else { return (0.0, 0.0) };
    let mut sums = (0.0, 0.0);
    for line in String::from_utf8_lossy(&answer.body).lines() {
        let Some(rest) = line.strip_prefix("tessera_store_duration_seconds_count{store=\"") else { continue };
        let value: f64 = line.rsplit(' ').next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        if rest.starts_with("directory\"") {
            sums.0 += value;
        } else if rest.starts_with("ephemeral\"") {
            sums.1 += value;
        }
    }
    sums
}

pub async fn measure<S: Scenario>(rows: &mut Vec<Row>, name: &str, server: &Server, scenario: &S, o: &Options) {
    if !o.wants(name) {
        return;
    }
    for _ in 0..o.runs {
        let stores0 = store_operations(server).await;
        let (cpu0, load_cpu0) = (server.cpu_seconds(), server::own_cpu_seconds());
        let stats = load::run(scenario, o.connections, o.warmup, o.duration).await;
        let (cpu, load_cpu) = (server.cpu_seconds() - cpu0, server::own_cpu_seconds() - load_cpu0);
        let stores1 = store_operations(server).await;
        // CPU is counted over warm-up and measurement; operations only over the measurement.
        let total_s = (o.warmup + o.duration).as_secs_f64();
        let per_op_ms = |seconds: f64| if stats.ops == 0 { 0.0 } else { seconds / (stats.rate() * total_s) * 1000.0 };
        let (cpu_per_op_ms, load_cpu_per_op_ms) = (per_op_ms(cpu), per_op_ms(load_cpu));
        let per_op = |n: f64| if stats.ops == 0 { 0.0 } else { n / (stats.rate() * total_s) };
        let round_trips = (per_op(stores1.0 - stores0.0), per_op(stores1.1 - stores0.1));
        eprintln!("  {name}: {:.0}/s", stats.rate());
        if let Some(e) = &stats.first_error {
            eprintln!("    {} errors; the first: {e}", stats.errors);
        }
        let users = o.users;
        let rss_mib = server.rss_mib();
        rows.push(Row { name: name.into(), users, stats, cpu_per_op_ms, load_cpu_per_op_ms, round_trips, rss_mib });
    }
}

pub async fn flows(rows: &mut Vec<Row>, server: &Server, http: &load::Http, cookie: &str, label: &str, o: &Options) {
    let flow = |offline| CodeFlow {
        http: http.clone(),
        base: server.base.clone(),
        client_id: "bench-es256".into(),
        cookie: cookie.into(),
        offline,
        paths: TESSERA,
    };
    measure(rows, &format!("{label}code flow + PKCE, ES256 (authorize + token)"), server, &flow(false), o).await;
    measure(rows, &format!("{label}code flow + PKCE + offline_access, ES256"), server, &flow(true), o).await;
    if label.is_empty() {
        let pushed = pushed::PushedDpopFlow::new(flow(false));
        measure(rows, "code flow + PAR + DPoP, ES256 (par + authorize + token)", server, &pushed, o).await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let o = options();
    let binary = Path::new(env!("CARGO_BIN_EXE_tessera"));
    if !o.sizes.is_empty() {
        return scale::run(binary, &o).await;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let port = free_port();
    let config = write_config(dir.path(), port, |_| {});
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    eprintln!("starting tessera (first start generates keys) ...");
    let (first, _) = Server::start(binary, dir.path(), &config, port).await;
    first.stop();
    let (server, cold_start) = Server::start(binary, dir.path(), &config, port).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_idle = server.rss_mib();

    let http = load::client();
    let cookie = scenarios::sign_in(&http, &server.base, "bench-es256", &dir.path().join("data/outbox")).await;
    let mut rows = Vec::new();
    eprintln!(
        "running scenarios ({}s warm-up + {}s each, {} connections) ...",
        o.warmup.as_secs(),
        o.duration.as_secs(),
        o.connections
    );
    for (name, path) in [("discovery document", "/.well-known/openid-configuration"), ("JWKS", "/jwks")] {
        measure(&mut rows, name, &server, &Repeat::fetch(&http, &server.url(path)), &o).await;
    }
    // Each client_credentials run is set against the signing ceiling measured right before and
    // right after it, while the server is idle: the machine is shared, and its speed drifts.
    let keys = dir.path().join("keys");
    let mut ceilings = Vec::new();
    for (alg, id) in
        [(SigningAlg::RS256, "bench-rs256"), (SigningAlg::ES256, "bench-es256"), (SigningAlg::EdDSA, "bench-eddsa")]
    {
        let cc = Repeat::client_credentials(&http, &server.url("/token"), id);
        let name = format!("client_credentials, {}", alg.as_str());
        if let Some(c) = sign::against_ceiling(&mut rows, &name, &server, &cc, &keys, alg, &o).await {
            ceilings.push(c);
        }
    }
    flows(&mut rows, &server, &http, &cookie, "", &o).await;
    let flow = |offline| CodeFlow {
        http: http.clone(),
        base: server.base.clone(),
        client_id: "bench-es256".into(),
        cookie: cookie.clone(),
        offline,
        paths: TESSERA,
    };
    measure(&mut rows, "refresh token rotation, ES256", &server, &Refresh { flow: flow(true) }, &o).await;
    measure(&mut rows, "userinfo", &server, &TokenUse { flow: flow(false), introspect: false }, &o).await;
    measure(&mut rows, "introspection", &server, &TokenUse { flow: flow(false), introspect: true }, &o).await;
    match management::api_key(binary, dir.path(), &config) {
        Ok(key) => management::measure_all(&mut rows, &server, &key, "", &o).await,
        Err(e) => eprintln!("management scenarios not run: {e}"),
    }
    match embedded::EmbeddedSignIn::register(&http, &server.base).await {
        Ok(signin) => {
            measure(&mut rows, "embedded passkey sign-in (begin + complete + verify)", &server, &signin, &o).await
        }
        Err(e) => eprintln!("embedded passkey scenario not run: the registration failed: {e}"),
    }
    let rss_loaded = server.rss_mib();
    server.stop();
    sign_ins::run(binary, &o, &mut rows, "", &sign_ins::Method::ALL, false, |_| {}).await;

    let scale_out = scale::postgres(binary, &o, &mut rows).await;

    println!();
    println!(
        "Tessera {} load benchmark: {cores} cores, load generator on the same machine (1 thread),",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "{} connections, {}s warm-up then {}s measured per scenario.",
        o.connections,
        o.warmup.as_secs(),
        o.duration.as_secs()
    );
    println!();
    report::print_table(&rows);
    println!();
    for c in &ceilings {
        c.print(cores);
    }
    println!();
    println!(
        "server RSS: {rss_idle:.1} MiB idle, {rss_loaded:.1} MiB after the run; cold start to ready: {} ms",
        cold_start.as_millis()
    );
    if let Some(note) = scale_out {
        println!("{note}");
    }
    if o.compare {
        match compare::oidc_provider(&o).await {
            Ok(other) => print_comparison(&rows, rss_idle, rss_loaded, &other),
            Err(e) => println!("\ncomparison with oidc-provider not run: {e}"),
        }
    }
}

fn print_comparison(rows: &[Row], rss_idle: f64, rss_loaded: f64, other: &compare::Measured) {
    println!();
    println!("Side by side with node oidc-provider (same machine, same load generator, same settings;");
    println!("with --runs, the median of each side's runs):");
    println!(
        "{:<44} {:>10} {:>10} {:>8} {:>9} {:>9}",
        "scenario", "Tessera", "oidc-prov", "ratio", "p99 T ms", "p99 o ms"
    );
    let median = |rows: &[Row], name: &str, figure: &dyn Fn(&Row) -> f64| {
        let values: Vec<f64> = rows.iter().filter(|r| r.name == name).map(figure).collect();
        (!values.is_empty()).then(|| report::Spread::of(values).median)
    };
    let rate = |r: &Row| r.stats.rate();
    let p99 = |r: &Row| r.stats.percentile_ms(0.99);
    let mut shown: Vec<&str> = Vec::new();
    for theirs in &other.rows {
        if shown.contains(&theirs.name.as_str()) {
            continue;
        }
        shown.push(&theirs.name);
        let (Some(ours), Some(their_rate)) =
            (median(rows, &theirs.name, &rate), median(&other.rows, &theirs.name, &rate))
        else {
            continue;
        };
        println!(
            "{:<44} {:>10.0} {:>10.0} {:>7.1}x {:>9.2} {:>9.2}",
            theirs.name,
            ours,
            their_rate,
            ours / their_rate.max(1e-9),
            median(rows, &theirs.name, &p99).unwrap_or(0.0),
            median(&other.rows, &theirs.name, &p99).unwrap_or(0.0)
        );
    }
    println!(
        "{:<44} {:>8.1} MiB {:>6.1} MiB idle; {:.1} vs {:.1} MiB after load",
        "server RSS", rss_idle, other.rss_idle, rss_loaded, other.rss_loaded
    );
    let errors: u64 = other.rows.iter().map(|r| r.stats.errors).sum();
    if errors > 0 {
        println!("oidc-provider answered {errors} requests with errors");
    }
}
