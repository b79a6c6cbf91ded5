//! `tessera clients add|list|remove`: relying parties registered in the directory; those of the
//! configuration file are listed, and changed only there.

use clap::{Args, Subcommand};
use tessera::clock::Clock;
use tessera::config::Config;
use tessera::model::{AuthMethod, Client, SigningAlg};
use tessera::store::Directory;

use super::admin_event;
use crate::CliResult;

// Parsed once at start; the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub(crate) enum ClientsCommand {
    /// Register a client; a confidential client's secret is printed once.
    Add(AddClient),
    /// List clients from the configuration and the directory.
    List,
    /// Remove a client from the directory.
    Remove {
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

#[derive(Args)]
pub(crate) struct AddClient {
    #[arg(long)]
    id: String,
    #[arg(long)]
    name: Option<String>,
    /// Exact redirect URI; repeat for several.
    #[arg(long = "redirect-uri", required = true)]
    redirect_uris: Vec<String>,
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// client_secret_basic, client_secret_post, private_key_jwt, or none (public client, PKCE required).
    #[arg(long, default_value = "client_secret_basic")]
    auth_method: String,
    /// For private_key_jwt: where the client publishes its JWK Set.
    #[arg(long)]
    jwks_uri: Option<String>,
    /// For private_key_jwt: the client's JWK Set as JSON.
    #[arg(long)]
    jwks: Option<String>,
    /// Where to POST a logout token when a session the client used ends.
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    /// A scope the client may request for itself with client_credentials; repeat for several.
    #[arg(long = "client-credentials-scope")]
    client_credentials_scopes: Vec<String>,
    /// RS256, ES256 or EdDSA.
    #[arg(long, default_value = "RS256")]
    alg: String,
    /// What this client's sign-in emails carry: code, link or both (default: login.email_sends).
    #[arg(long)]
    email_sends: Option<String>,
    /// Whether a magic link opened in another browser signs in there (default: login.cross_device_links).
    #[arg(long)]
    cross_device_links: Option<bool>,
    /// Allow the embedded APIs (/passwordless/start, the passwordless OTP grant, /verify).
    #[arg(long)]
    passwordless: bool,
    /// Where /verify requests POST their final status.
    #[arg(long)]
    verify_callback_url: Option<String>,
    /// The application's logo on the login pages (https URL).
    #[arg(long)]
    logo_uri: Option<String>,
    /// The application's accent colour on the login pages, as #rrggbb.
    #[arg(long)]
    primary_color: Option<String>,
    /// A third-party application: users consent to the scopes it asks for.
    #[arg(long)]
    third_party: bool,
    /// Authorization requests only through the pushed authorization request endpoint (RFC 9126).
    #[arg(long)]
    require_par: bool,
    /// Authorization requests only as request objects signed with the client's keys (RFC 9101).
    #[arg(long)]
    require_signed_request_object: bool,
    /// public (default) or pairwise subject identifiers (OIDC Core §8).
    #[arg(long)]
    subject_type: Option<String>,
    /// For pairwise subjects: the https URL whose host names the client's sector.
    #[arg(long)]
    sector_identifier_uri: Option<String>,
    /// Userinfo as a JWT signed with RS256, ES256 or EdDSA (default: plain JSON).
    #[arg(long)]
    userinfo_alg: Option<String>,
    /// Every access token DPoP-bound: token requests need a DPoP proof (RFC 9449).
    #[arg(long)]
    dpop: bool,
    /// fapi2: the FAPI 2.0 Security Profile (PAR, PKCE, DPoP, private_key_jwt, no RS256).
    #[arg(long)]
    security_profile: Option<String>,
}

pub(crate) async fn clients(config: Config, cmd: ClientsCommand) -> CliResult {
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let now = Clock::System.now();
    match cmd {
        ClientsCommand::Add(a) => add_client(&config, directory.as_ref(), a, now).await?,
        ClientsCommand::List => {
            for c in &config.clients {
                println!("{:<24} {:<20} config     {}", c.id, c.token_endpoint_auth_method, c.redirect_uris.join(" "));
            }
            for c in directory.clients().await? {
                println!("{:<24} {:<20} directory  {}", c.id, c.auth_method.as_str(), c.redirect_uris.join(" "));
            }
        }
        ClientsCommand::Remove { id } => {
            if directory.delete_client(&id).await? {
                admin_event(directory.as_ref(), "client_removed", None, &id).await;
                println!("client {id} removed");
            } else {
                return Err(format!("no client {id} in the directory").into());
            }
        }
    }
    Ok(())
}

/// Registers a client in the directory; a generated secret is printed once.
async fn add_client(config: &Config, directory: &dyn Directory, a: AddClient, now: i64) -> CliResult {
    let method: AuthMethod = a.auth_method.parse()?;
    let alg: SigningAlg = a.alg.parse()?;
    let has_secret = matches!(method, AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost);
    let secret = has_secret.then(tessera::crypto::random_token);
    let spec = tessera::config::ClientConfig {
        id: a.id.clone(),
        name: a.name.clone(),
        secret: secret.clone(),
        redirect_uris: a.redirect_uris,
        post_logout_redirect_uris: a.post_logout_redirect_uris,
        token_endpoint_auth_method: method.as_str().into(),
        id_token_signed_response_alg: alg.as_str().into(),
        jwks_uri: a.jwks_uri,
        jwks: a.jwks,
        backchannel_logout_session_required: a.backchannel_logout_uri.is_some(),
        backchannel_logout_uri: a.backchannel_logout_uri,
        client_credentials_scopes: a.client_credentials_scopes,
        email_sends: a.email_sends,
        cross_device_links: a.cross_device_links,
        passwordless: a.passwordless,
        verify_callback_url: a.verify_callback_url,
        logo_uri: a.logo_uri,
        primary_color: a.primary_color,
        third_party: a.third_party,
        require_pushed_authorization_requests: a.require_par,
        require_signed_request_object: a.require_signed_request_object,
        subject_type: a.subject_type,
        sector_identifier_uri: a.sector_identifier_uri,
        userinfo_signed_response_alg: a.userinfo_alg,
        dpop_bound_access_tokens: a.dpop,
        security_profile: a.security_profile,
    };
    tessera::config::check_client(&spec).map_err(|(field, why)| format!("{field}: {why}"))?;
    if config.clients.iter().any(|c| c.id == a.id) {
        return Err(format!("client {} is already defined in the configuration file", a.id).into());
    }
    if tessera::domain::registry::bridges::audience_of_any(config, directory, &a.id).await? {
        return Err(format!("{} is the audience of a bridge, so it cannot be a client id", a.id).into());
    }
    let client: Client = tessera::domain::clients::from_config(&spec);
    directory.insert_client(&client, now).await.map_err(|e| match e {
        tessera::store::StoreError::Conflict => {
            format!("client {} already exists", a.id)
        }
        other => other.to_string(),
    })?;
    admin_event(directory, "client_added", None, &client.id).await;
    println!("client {} registered ({})", client.id, method.as_str());
    if let Some(secret) = secret {
        println!("client_secret: {secret}\nStore it now: it is kept only as a hash and cannot be shown again.");
    }
    Ok(())
}
