//! `tessera upstreams add|list|update|remove`: upstream identity providers ("Continue with …")
//! registered in the directory, checked as the configuration file's are; those of the file are
//! listed, and changed only there. Secrets are read from a file or stdin (`-`), never argv.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use tessera::clock::Clock;
use tessera::config::{Config, Mode, UpstreamConfig};
use tessera::store::{Directory, StoreError};

use super::admin_event;
use crate::CliResult;

#[derive(Subcommand)]
pub(crate) enum UpstreamsCommand {
    /// Register an upstream provider; its button appears on the sign-in page at once.
    Add {
        /// In URLs (/login/upstream/{id}) and in linked identities: letters, digits, - and _.
        #[arg(long)]
        id: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// List upstreams from the configuration and the directory; secrets show as set or unset.
    List,
    /// Change a registered upstream: only the fields given change.
    Update {
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        fields: Fields,
        /// Remove the stored client secret (the client becomes public: PKCE only).
        #[arg(long, conflicts_with = "client_secret_file")]
        no_client_secret: bool,
    },
    /// Remove an upstream from the directory; identities linked through it stay.
    Remove {
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

#[derive(Args)]
pub(crate) struct Fields {
    /// oidc (any OpenID provider), google, apple, microsoft or github.
    #[arg(long)]
    kind: Option<String>,
    /// The button says "Continue with {name}".
    #[arg(long)]
    name: Option<String>,
    /// The issuer; discovery reads {issuer}/.well-known/openid-configuration.
    #[arg(long)]
    issuer: Option<String>,
    #[arg(long)]
    client_id: Option<String>,
    /// A file holding the client secret, or - to read it from stdin.
    #[arg(long)]
    client_secret_file: Option<PathBuf>,
    /// A scope to ask for; repeat for several (default: openid email profile).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// Whether an address the provider asserts as verified signs in (or creates) its account.
    #[arg(long)]
    trust_verified_email: Option<bool>,
    /// github: the REST API's address (GitHub Enterprise).
    #[arg(long)]
    api_url: Option<String>,
    /// apple: the team that owns the Services ID.
    #[arg(long)]
    team_id: Option<String>,
    /// apple: the Sign in with Apple key's id.
    #[arg(long)]
    key_id: Option<String>,
    /// apple: the AuthKey_….p8 file, or - for stdin; its text is stored, not its path.
    #[arg(long)]
    private_key_file: Option<PathBuf>,
}

/// The text of `path`, or of stdin for `-`.
fn read_secret(path: &PathBuf) -> Result<String, String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read stdin: {e}"))?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    }
    Ok(text)
}

impl Fields {
    /// `u` with the given fields in place of its own.
    fn apply(self, mut u: UpstreamConfig) -> Result<UpstreamConfig, String> {
        u.kind = self.kind.unwrap_or(u.kind);
        u.name = self.name.or(u.name);
        u.issuer = self.issuer.unwrap_or(u.issuer);
        u.client_id = self.client_id.unwrap_or(u.client_id);
        if let Some(path) = &self.client_secret_file {
            u.client_secret = Some(read_secret(path)?.trim().to_string());
        }
        if !self.scopes.is_empty() {
            u.scopes = self.scopes;
        }
        u.trust_verified_email = self.trust_verified_email.unwrap_or(u.trust_verified_email);
        u.api_url = self.api_url.or(u.api_url);
        u.team_id = self.team_id.or(u.team_id);
        u.key_id = self.key_id.or(u.key_id);
        if let Some(path) = &self.private_key_file {
            u.private_key = Some(read_secret(path)?);
        }
        Ok(u)
    }
}

pub(crate) async fn upstreams(config: Config, cmd: UpstreamsCommand) -> CliResult {
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let directory = directory.as_ref();
    let dev = config.mode == Mode::Dev;
    let in_file = |id: &str| config.upstreams.iter().any(|u| u.id == id);
    match cmd {
        UpstreamsCommand::Add { id, fields } => {
            let blank = serde_json::from_value(serde_json::json!({"id": id, "client_id": ""}))?;
            let upstream = fields.apply(blank)?;
            checked(&upstream, dev)?;
            if in_file(&id) {
                return Err(format!("upstream {id} is declared in the configuration file").into());
            }
            directory.insert_upstream(&upstream, Clock::System.now()).await.map_err(|e| match e {
                StoreError::Conflict => format!("upstream {id} already exists"),
                other => other.to_string(),
            })?;
            admin_event(directory, "upstream_added", None, &id).await;
            println!(
                "upstream {id} added; register {}/login/upstream/{id}/callback at the provider",
                config.base_url()
            );
        }
        UpstreamsCommand::List => list(&config, directory).await?,
        UpstreamsCommand::Update { id, fields, no_client_secret } => {
            if in_file(&id) {
                return Err(format!("upstream {id} is declared in the configuration file; change it there").into());
            }
            let current = directory.upstream(&id).await?.ok_or_else(|| format!("no upstream {id} in the directory"))?;
            let mut upstream = fields.apply(current)?;
            if no_client_secret {
                upstream.client_secret = None;
            }
            checked(&upstream, dev)?;
            if !directory.update_upstream(&upstream, Clock::System.now()).await? {
                return Err(format!("no upstream {id} in the directory").into());
            }
            admin_event(directory, "upstream_updated", None, &id).await;
            println!("upstream {id} updated");
        }
        UpstreamsCommand::Remove { id } => {
            if !directory.delete_upstream(&id).await? {
                return Err(format!("no upstream {id} in the directory").into());
            }
            admin_event(directory, "upstream_removed", None, &id).await;
            println!("upstream {id} removed");
        }
    }
    Ok(())
}

/// The file's checks, the field at fault named first.
fn checked(u: &UpstreamConfig, dev: bool) -> Result<(), String> {
    tessera::config::check_upstream(u, dev).map_err(|(field, why)| format!("{field}: {why}"))
}

async fn list(config: &Config, directory: &dyn Directory) -> CliResult {
    let listed = config.upstreams.iter().cloned().map(|u| (u, "config"));
    for (u, source) in listed.chain(directory.upstreams().await?.into_iter().map(|u| (u, "directory"))) {
        let secret = if u.client_secret.is_some() || u.private_key.is_some() { "set" } else { "unset" };
        println!("{:<24} {:<10} {source:<10} secret:{secret:<6} {}", u.id, u.kind, u.issuer());
    }
    Ok(())
}
