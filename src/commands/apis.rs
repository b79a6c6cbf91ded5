//! `tessera apis add|list|remove`: the API registry (what `audience` / `resource` name) in the
//! directory; APIs in the configuration file are listed, and changed only there.

use clap::{Args, Subcommand};
use tessera::clock::Clock;
use tessera::config::{ApiConfig, Config};

use super::admin_event;
use crate::CliResult;

#[derive(Subcommand)]
pub(crate) enum ApisCommand {
    /// Register an API access tokens can be issued for.
    Add(AddApi),
    /// List APIs from the configuration and the directory.
    List,
    /// Remove an API from the directory; refresh tokens granted for it stop working.
    Remove { identifier: String },
}

#[derive(Args)]
pub(crate) struct AddApi {
    /// The `aud` of its access tokens: what clients pass as `audience` or `resource`.
    #[arg(long)]
    identifier: String,
    #[arg(long)]
    name: Option<String>,
    /// A scope of this API clients may ask for; repeat for several.
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// Seconds its access tokens live (default: lifetimes.access_token).
    #[arg(long)]
    token_lifetime: Option<u64>,
    /// The algorithm that signs its access tokens: RS256, ES256 or EdDSA.
    #[arg(long, default_value = "RS256")]
    alg: String,
}

pub(crate) async fn apis(config: Config, cmd: ApisCommand) -> CliResult {
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    match cmd {
        ApisCommand::Add(a) => {
            let api = ApiConfig {
                identifier: a.identifier,
                name: a.name,
                scopes: a.scopes,
                token_lifetime_secs: a.token_lifetime,
                signing_alg: a.alg,
            };
            tessera::config::check_api(&api).map_err(|(field, why)| format!("{field}: {why}"))?;
            if config.apis.iter().any(|c| c.identifier == api.identifier) {
                return Err(format!("{} is declared in the configuration file", api.identifier).into());
            }
            directory.insert_api(&api, Clock::System.now()).await?;
            admin_event(directory.as_ref(), "api_added", None, &api.identifier).await;
            println!("api {} added", api.identifier);
        }
        ApisCommand::List => {
            let listed = config.apis.iter().map(|a| (a.clone(), "config"));
            for (a, source) in listed.chain(directory.apis().await?.into_iter().map(|a| (a, "directory"))) {
                let lifetime = a.token_lifetime_secs.map_or("default".into(), |s| format!("{s}s"));
                println!("{:<40} {source:<10} {:<6} {lifetime:<8} {}", a.identifier, a.signing_alg, a.scopes.join(" "));
            }
        }
        ApisCommand::Remove { identifier } => {
            if !directory.delete_api(&identifier).await? {
                return Err(format!("no api {identifier} in the directory").into());
            }
            admin_event(directory.as_ref(), "api_removed", None, &identifier).await;
            println!("api {identifier} removed");
        }
    }
    Ok(())
}
