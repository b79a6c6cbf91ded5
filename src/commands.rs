//! The operator commands behind
//! `tessera keys|clients|apis|apps|upstreams|users|api-keys|passkeys|links|health`:
//! each works on the configured folders and directory directly, no server needed.

use tessera::clock::Clock;
use tessera::config::Config;
use tessera::model::SigningAlg;

use super::{ApiKeysCommand, CliResult, KeysCommand, PasskeysCommand, UsersCommand};

mod apis;
mod apps;
mod clients;
mod links;
mod transfer;
mod upstreams;

pub(super) use apis::{ApisCommand, apis};
pub(super) use apps::{AppsCommand, apps};
pub(super) use clients::{ClientsCommand, clients};
pub(super) use links::links;
pub(super) use upstreams::{UpstreamsCommand, upstreams};

pub(super) fn keys(config: Config, cmd: KeysCommand) -> CliResult {
    use tessera::domain::keys;
    let dir = &config.keys_dir;
    let now = Clock::System.now();
    let tail = tessera::domain::keys::publish_tail(&config);
    match cmd {
        KeysCommand::Generate => {
            let generated = keys::generate_missing(dir, now)?;
            let names: Vec<&str> = generated.iter().map(|a| a.as_str()).collect();
            let what = if names.is_empty() { "nothing (all keys present)".into() } else { names.join(", ") };
            println!("generated: {what}");
        }
        KeysCommand::List => {}
        KeysCommand::Rotate { algs, lead } => {
            let algs: Vec<SigningAlg> = if algs.is_empty() {
                SigningAlg::ALL.to_vec()
            } else {
                algs.iter().map(|a| a.parse()).collect::<Result<_, _>>()?
            };
            let lead = lead.unwrap_or(config.key_rotation_lead_secs) as i64;
            for entry in keys::rotate(dir, &algs, now, lead)? {
                println!("{} {} published now, signs from {}", entry.alg, entry.kid, when(entry.activates));
            }
        }
        KeysCommand::Retire { kid } => {
            let entry = keys::retire(dir, &kid, now, tail)?;
            println!("{} {} stopped signing; it leaves the JWKS at {}", entry.alg, entry.kid, when(now + tail));
        }
    }
    let (ring, _) = keys::KeyRing::load_dir(dir, false, now, tail)?;
    println!(
        "{:<6} {:<44} {:<8} {:<20} {:<20} {:<20} file",
        "alg", "kid", "state", "signs from", "stops", "unpublished"
    );
    for s in ring.schedule() {
        let opt = |t: Option<i64>| t.map_or("-".to_string(), when);
        println!(
            "{:<6} {:<44} {:<8} {:<20} {:<20} {:<20} {}{}",
            s.key.alg.as_str(),
            s.key.kid,
            s.state.as_str(),
            when(s.entry.activates),
            opt(s.stops_signing),
            opt(s.unpublished_at),
            s.entry.file,
            if s.entry.dev { " (dev)" } else { "" }
        );
    }
    Ok(())
}

/// A Unix time as UTC, to the second.
fn when(t: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&format).ok())
        .unwrap_or_else(|| t.to_string())
}

/// The signing keys in the configured folder, as a running server would use them at `now`.
fn signing_keys(config: &Config, now: i64) -> Result<tessera::domain::keys::KeyRing, tessera::domain::keys::KeyError> {
    let tail = tessera::domain::keys::publish_tail(config);
    Ok(tessera::domain::keys::KeyRing::load_dir(&config.keys_dir, false, now, tail)?.0)
}

/// Records an administrative change made from the command line in the audit trail.
async fn admin_event(directory: &dyn tessera::store::Directory, action: &str, user: Option<&str>, target: &str) {
    let event = tessera::model::AuditEvent {
        id: tessera::crypto::random_id(),
        at: Clock::System.now(),
        kind: "admin".into(),
        user_id: user.map(str::to_owned),
        client_id: None,
        ip: None,
        detail: serde_json::json!({"action": action, "target": target, "via": "cli"}),
    };
    if let Err(e) = directory.insert_audit_events(&[event]).await {
        eprintln!("warning: the change is done but its audit event was not stored: {e}");
    }
}

async fn find_user(directory: &dyn tessera::store::Directory, who: &str) -> Result<tessera::model::User, String> {
    let found = match who.parse::<tessera::model::Email>() {
        Ok(email) if who.contains('@') => directory.user_by_email(&email).await,
        _ => directory.user(&tessera::model::UserId(who.to_string())).await,
    };
    found.map_err(|e| e.to_string())?.ok_or_else(|| format!("no user {who}"))
}

async fn set_operator(directory: &dyn tessera::store::Directory, who: &str, operator: bool) -> CliResult {
    let user = find_user(directory, who).await?;
    directory.set_operator(&user.id, operator, Clock::System.now()).await?;
    let action = if operator { "operator_granted" } else { "operator_revoked" };
    admin_event(directory, action, Some(&user.id.0), &user.id.0).await;
    println!("user {} {}", user.id.0, if operator { "is an operator" } else { "is no longer an operator" });
    Ok(())
}

pub(super) async fn users(config: Config, cmd: UsersCommand) -> CliResult {
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let directory = directory.as_ref();
    let now = Clock::System.now();
    match cmd {
        UsersCommand::Create { email } => {
            let email: tessera::model::Email = email.parse()?;
            if directory.user_by_email(&email).await?.is_some() {
                return Err(format!("a user with {} already exists", email.as_str()).into());
            }
            let user = directory.create_user_with_email(&email, now).await?;
            admin_event(directory, "user_created", Some(&user.id.0), &user.id.0).await;
            println!("user {} created ({})", user.id.0, email.as_str());
        }
        UsersCommand::List { limit, after } => {
            let query = tessera::model::UserQuery { after, limit: limit.clamp(1, 1000), ..Default::default() };
            let page = directory.users(&query).await?;
            for u in &page {
                let email = u.email.as_ref().map_or("-", |e| e.as_str());
                let status = if u.active { "active" } else { "deactivated" };
                println!("{}  {status:<11}  {email}", u.id.0);
            }
            if page.len() == limit as usize
                && let Some(last) = page.last()
            {
                println!("more: --after {}", last.id.0);
            }
        }
        UsersCommand::Deactivate { user } => {
            let user = find_user(directory, &user).await?;
            directory.set_user_active(&user.id, false, now).await?;
            let mut ended = 0;
            for session in directory.sessions_of_user(&user.id, now).await? {
                ended += u32::from(directory.revoke_session(&session.id, now).await?.is_some());
            }
            let families = directory.revoke_refresh_of_user(&user.id, now).await?;
            admin_event(directory, "user_deactivated", Some(&user.id.0), &user.id.0).await;
            println!("user {} deactivated; {ended} sessions and {families} refresh-token grants ended", user.id.0);
        }
        UsersCommand::Activate { user } => {
            let user = find_user(directory, &user).await?;
            directory.set_user_active(&user.id, true, now).await?;
            admin_event(directory, "user_activated", Some(&user.id.0), &user.id.0).await;
            println!("user {} activated", user.id.0);
        }
        UsersCommand::GrantOperator { user } => set_operator(directory, &user, true).await?,
        UsersCommand::RevokeOperator { user } => set_operator(directory, &user, false).await?,
        UsersCommand::Import { file, format } => return transfer::import(&config, &file, &format).await,
        UsersCommand::Export => return transfer::export(&config).await,
    }
    Ok(())
}

pub(super) async fn api_keys(config: Config, cmd: ApiKeysCommand) -> CliResult {
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let directory = directory.as_ref();
    let now = Clock::System.now();
    match cmd {
        ApiKeysCommand::Create { name, scopes } => {
            let tessera::domain::admin::api_keys::NewKey { record, secret: key } =
                tessera::domain::admin::api_keys::new_key(&name, &scopes, now)?;
            let id = record.id.clone();
            directory.insert_api_key(&record).await?;
            admin_event(directory, "api_key_created", None, &id).await;
            println!("api key {id} created ({})", record.scopes.join(","));
            println!("key: {key}\nStore it now: it is kept only as a hash and cannot be shown again.");
        }
        ApiKeysCommand::List => {
            for k in directory.api_keys().await? {
                let status = if k.revoked_at.is_some() { "revoked" } else { "live" };
                println!("{}  {status:<7}  {:<24}  {}", k.id, k.name, k.scopes.join(","));
            }
        }
        ApiKeysCommand::Revoke { id } => {
            if !directory.revoke_api_key(&id, now).await? {
                return Err(format!("no live api key {id}").into());
            }
            admin_event(directory, "api_key_revoked", None, &id).await;
            println!("api key {id} revoked");
        }
    }
    Ok(())
}

pub(super) async fn health(config: &Config, url: Option<String>) -> CliResult {
    let base = url.unwrap_or_else(|| {
        format!("http://{}", config.listen.replace("0.0.0.0", "127.0.0.1").replace("[::]", "[::1]"))
    });
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build()?;
    let response = client.get(format!("{}/healthz", base.trim_end_matches('/'))).send().await?;
    if !response.status().is_success() {
        return Err(format!("{base}/healthz answered {}", response.status()).into());
    }
    println!("ok");
    Ok(())
}

pub(super) async fn passkeys(config: Config, cmd: PasskeysCommand) -> CliResult {
    let PasskeysCommand::Ticket { user, username, ttl, non_discoverable, attachment } = cmd;
    if config.webauthn_rp().is_none() {
        return Err("passkeys are off, or the issuer is an IP address (WebAuthn needs a domain name)".into());
    }
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let user = find_user(directory.as_ref(), &user).await?;
    let username = username
        .or_else(|| user.email.as_ref().map(|e| e.as_str().to_string()))
        .ok_or("this user has no email address; give --username")?;
    let now = Clock::System.now();
    let ring = signing_keys(&config, now)?;
    let options = tessera::domain::passkeys::RegisterOptions { discoverable: !non_discoverable, attachment };
    let ticket =
        tessera::domain::passkeys::tickets::mint(&ring, config.issuer(), &user.id, &username, options, ttl, now)?;
    admin_event(directory.as_ref(), "passkey_ticket_created", Some(&user.id.0), &user.id.0).await;
    println!("{}/passkeys/register?ticket={ticket}", config.base_url());
    Ok(())
}
