//! The `tessera` command: its arguments, serve, and the dispatch to the operator commands
//! (keys, clients, users, api-keys, passkeys, links, health) in `commands`.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tessera::clock::Clock;
use tessera::config::{Config, redacted};

/// A token request allocates some sixty small blocks; mimalloc's thread-local free lists take
/// a sixth off its CPU compared with glibc's malloc. Without transparent huge pages, idle memory
/// stays as small.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "tessera", version, about = "An OpenID Connect provider for passwordless login")]
struct Cli {
    /// Configuration file (TOML). Without one, Tessera runs on embedded defaults.
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start; the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Validate the configuration and exit; every problem names its key.
    CheckConfig,
    /// Create or upgrade the directory's tables, then exit (serve also does this on start).
    Migrate,
    /// Manage signing keys in the keys folder.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage clients stored in the directory (clients in the config file are read-only here).
    #[command(subcommand)]
    Clients(commands::ClientsCommand),
    /// Manage the APIs access tokens can be for (`audience`, RFC 8707 `resource`).
    #[command(subcommand)]
    Apis(commands::ApisCommand),
    /// Manage applications with embedded passkeys (Passwordless.dev-compatible) in the directory.
    #[command(subcommand)]
    Apps(commands::AppsCommand),
    /// Manage upstream identity providers ("Continue with …") stored in the directory.
    #[command(subcommand)]
    Upstreams(commands::UpstreamsCommand),
    /// Manage users: create, list, deactivate (ends their sessions and refresh tokens), activate.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage management-API keys: shown once at creation, stored as hashes, revocable.
    #[command(subcommand, name = "api-keys")]
    ApiKeys(ApiKeysCommand),
    /// Magic links minted for a user: printed, or sent by email or text message.
    #[command(subcommand)]
    Links(LinksCommand),
    /// Passkeys: mint a registration ticket (a link that adds a passkey without signing in).
    #[command(subcommand)]
    Passkeys(PasskeysCommand),
    /// Ask a running server whether it is alive (GET /healthz); exit 0 if so. For container
    /// health checks.
    Health {
        /// Base URL of the server (default: http:// and the configured listen address).
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create a user owning a verified email address.
    Create {
        #[arg(long)]
        email: String,
    },
    /// List users, ordered by id, a page at a time.
    List {
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Start after this user id (the last id of the previous page).
        #[arg(long)]
        after: Option<String>,
    },
    /// Stop a user from signing in, and end their sessions and refresh tokens now.
    Deactivate {
        /// User id or email address.
        #[arg(allow_hyphen_values = true)]
        user: String,
    },
    /// Let a deactivated user sign in again.
    Activate {
        /// User id or email address.
        #[arg(allow_hyphen_values = true)]
        user: String,
    },
    /// Grant the operator role: the user may use the console (/console).
    GrantOperator {
        /// User id or email address.
        #[arg(allow_hyphen_values = true)]
        user: String,
    },
    /// Take the operator role back.
    RevokeOperator {
        /// User id or email address.
        #[arg(allow_hyphen_values = true)]
        user: String,
    },
    /// Import users with their passkeys from NDJSON (docs/import.md); a user whose external id
    /// is known already is left as it is. Lines that fail are reported with their number.
    Import {
        /// The file, or - for standard input.
        file: String,
        /// tessera, auth0, passage or passwordless.
        #[arg(long, default_value = "tessera")]
        format: String,
    },
    /// Write every user with their passkeys to standard output as NDJSON.
    Export,
}

#[derive(Subcommand)]
enum LinksCommand {
    /// Create a single-use link that signs a user in (`login`) or verifies their address or
    /// number (`verify_identifier`), then goes to a redirect URI registered for the client.
    Create {
        /// Email address, phone number (+CC…) or user id.
        #[arg(long)]
        to: String,
        /// The client whose registered redirect URI the link ends at.
        #[arg(long)]
        client: String,
        #[arg(long)]
        redirect_uri: String,
        /// login or verify_identifier.
        #[arg(long = "type", default_value = "login")]
        kind: String,
        /// Seconds the link stays valid (60 to 3600).
        #[arg(long, default_value_t = 900)]
        ttl: u64,
        #[arg(long, default_value = "en")]
        lang: String,
        /// Send it (email, or text message for a phone number) instead of printing it.
        #[arg(long)]
        send: bool,
    },
}

#[derive(Subcommand)]
enum PasskeysCommand {
    /// Print a single-use link that lets USER create a passkey in a browser, without signing in.
    Ticket {
        /// User id or email address.
        #[arg(allow_hyphen_values = true)]
        user: String,
        /// The name the authenticator shows (default: the user's email address).
        #[arg(long)]
        username: Option<String>,
        /// Seconds the link stays valid (30 to 3600).
        #[arg(long, default_value_t = 900)]
        ttl: u64,
        /// Allow a non-discoverable credential (the user then types their username to sign in).
        #[arg(long)]
        non_discoverable: bool,
        /// Ask for a `platform` (built-in) or `cross-platform` (security key, phone) authenticator.
        #[arg(long)]
        attachment: Option<String>,
    },
}

#[derive(Subcommand)]
enum ApiKeysCommand {
    /// Create a key; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        name: String,
        /// Comma-separated scopes, e.g. users:read,users:write.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id.
    Revoke {
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key for every algorithm (RS256, ES256, EdDSA) that has none, and the server secret.
    Generate,
    /// List every key: kid, algorithm, state (next, active, retired) and its dates.
    List,
    /// Add a new key per algorithm: published in the JWKS at once, signing after the lead time;
    /// the key it replaces then stops signing and leaves the JWKS once its tokens have expired.
    Rotate {
        /// Only this algorithm (RS256, ES256 or EdDSA); repeat for several. Default: all.
        #[arg(long = "alg")]
        algs: Vec<String>,
        /// Seconds before the new key signs (default: key_rotation_lead_secs, 24 h). Use 0 only
        /// when no relying party caches the JWKS, or to replace a compromised key at once.
        #[arg(long)]
        lead: Option<u64>,
    },
    /// Stop signing with a key now (it stays published until its tokens expire). Refused if no
    /// other key of its algorithm can sign.
    Retire {
        /// Key ids are base64url, so one may begin with `-`.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let filter = std::env::var("TESSERA_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // Production logs are JSON lines for collectors; dev logs are for people.
    if config.mode == tessera::config::Mode::Production {
        logs.json().init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve(config).await,
            Command::CheckConfig => {
                println!("configuration is valid (issuer {})", config.issuer());
                Ok(())
            }
            Command::Migrate => {
                tessera::store::open_directory(&config.directory.url).await?;
                println!("directory is up to date ({})", redacted(&config.directory.url));
                Ok(())
            }
            Command::Keys(cmd) => commands::keys(config, cmd),
            Command::Clients(cmd) => commands::clients(config, cmd).await,
            Command::Apis(cmd) => commands::apis(config, cmd).await,
            Command::Apps(cmd) => commands::apps(config, cmd).await,
            Command::Upstreams(cmd) => commands::upstreams(config, cmd).await,
            Command::Users(cmd) => commands::users(config, cmd).await,
            Command::ApiKeys(cmd) => commands::api_keys(config, cmd).await,
            Command::Health { url } => commands::health(&config, url).await,
            Command::Passkeys(cmd) => commands::passkeys(config, cmd).await,
            Command::Links(cmd) => commands::links(config, cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

async fn serve(config: Config) -> CliResult {
    let listen = config.listen.clone();
    let started = tessera::build(config, Clock::System).await?;
    let state = started.state.clone();
    let listener =
        tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let c = &state.config;
    tracing::info!("Tessera {} listening on {listen}, issuer {}", env!("CARGO_PKG_VERSION"), c.issuer());
    let ephemeral = if c.ephemeral.cluster_nodes.is_empty() {
        redacted(&c.ephemeral.url)
    } else {
        format!("redis cluster {}", c.ephemeral.cluster_nodes.iter().map(|n| redacted(n)).collect::<Vec<_>>().join(","))
    };
    tracing::info!("directory: {} · ephemeral: {ephemeral}", redacted(&c.directory.url));
    if started.generated_keys.is_empty() {
        tracing::info!("keys: loaded from {}", c.keys_dir.display());
    } else {
        let algs: Vec<&str> = started.generated_keys.iter().map(|a| a.as_str()).collect();
        tracing::info!(
            "keys: generated {} into {} (dev keys; keep them out of git)",
            algs.join(", "),
            c.keys_dir.display()
        );
    }
    let dev_codes =
        if state.dev_mode() && state.mailer.is_outbox() { " (dev mode: codes are also printed here)" } else { "" };
    tracing::info!("email: {}{dev_codes}", state.mailer.describe());
    match c.webauthn_rp().filter(|_| state.webauthn.is_some()) {
        Some((rp_id, _)) => tracing::info!("passkeys: on (relying party {rp_id})"),
        None if c.passkeys.enabled => tracing::info!("passkeys: off (the issuer's host is not a domain name)"),
        None => tracing::info!("passkeys: off"),
    }
    if c.demo {
        tracing::info!("Open {}/demo to try a login.", c.base_url());
    }
    tessera::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
