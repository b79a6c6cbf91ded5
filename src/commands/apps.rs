//! `tessera apps`: applications with embedded passkeys stored in the directory (those in the
//! configuration file are listed, and changed only there).

use clap::Subcommand;
use tessera::clock::Clock;
use tessera::config::Config;
use tessera::domain::embedded_passkeys::manage::{self, AppSpec, Refused};

use super::admin_event;
use crate::CliResult;

#[derive(Subcommand)]
pub(crate) enum AppsCommand {
    /// Register an application; its public key and secret are printed (the secret only now).
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        /// The WebAuthn relying-party id: the application's domain.
        #[arg(long)]
        rp_id: String,
        /// An exact origin its pages or apps run on (repeat for several).
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
        /// Allow the backend to mint sign-in tokens (`/signin/generate-token`).
        #[arg(long)]
        generate_sign_in_tokens: bool,
        /// Its user ids are Tessera user ids: its passkeys also sign in on Tessera's pages.
        #[arg(long)]
        tessera_users: bool,
    },
    /// List applications (never their secrets).
    List,
    /// Replace an application's public key and secret; the old ones stop working at once.
    NewKeys {
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Remove an application with its users' passkeys and aliases.
    Remove {
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

fn refused(e: Refused) -> Box<dyn std::error::Error> {
    match e {
        Refused::Invalid(field, why) => format!("{field}: {why}").into(),
        Refused::ManagedByConfig => "this application is declared in the configuration file; change it there".into(),
        Refused::NotFound => "no such application in the directory".into(),
        Refused::Taken => "an application with this id exists already".into(),
        Refused::Store(e) => e.into(),
    }
}

pub(crate) async fn apps(config: Config, cmd: AppsCommand) -> CliResult {
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let dir = directory.as_ref();
    let now = Clock::System.now();
    match cmd {
        AppsCommand::Add { id, name, rp_id, origins, generate_sign_in_tokens, tessera_users } => {
            let spec = AppSpec { id, name, rp_id, origins, generate_sign_in_tokens, tessera_users };
            let (app, secret) = manage::create(&config, dir, spec, now).await.map_err(refused)?;
            admin_event(dir, "embedded_app_created", None, &app.id).await;
            println!(
                "app {} registered\npublic key (ApiKey):    {}\nsecret (ApiSecret):     {secret}",
                app.id, app.public_key
            );
            println!("(the secret is shown only now)");
        }
        AppsCommand::List => {
            for a in &config.apps {
                println!("{:<24} {:<24} config     {}", a.id, a.rp_id, a.origins.join(" "));
            }
            for a in dir.embedded_apps().await? {
                println!("{:<24} {:<24} directory  {}", a.id, a.rp_id, a.origins.join(" "));
            }
        }
        AppsCommand::NewKeys { id } => {
            let (app, secret) = manage::rotate_keys(&config, dir, &id, now).await.map_err(refused)?;
            admin_event(dir, "embedded_app_keys_replaced", None, &id).await;
            println!("public key (ApiKey):    {}\nsecret (ApiSecret):     {secret}", app.public_key);
        }
        AppsCommand::Remove { id } => {
            manage::delete(&config, dir, &id).await.map_err(refused)?;
            admin_event(dir, "embedded_app_removed", None, &id).await;
            println!("app {id} removed");
        }
    }
    Ok(())
}
