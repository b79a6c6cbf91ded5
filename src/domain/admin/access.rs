//! Access an administrator hands a user, for the management API and the console alike: a magic
//! link (returned, or sent by Tessera), a passkey registration ticket, and unlinking one of the
//! user's upstream identities. Each is audited with its actor.

use serde_json::json;

use super::Actor;
use crate::domain::Core;
use crate::domain::deliver::{Delivery, deliver_in_background};
use crate::domain::links::{self, LinkType, Refused};
use crate::domain::passkeys::{RegisterOptions, tickets};
use crate::model::{Client, Identifier, User, UserId};
use crate::store::StoreResult;

/// A magic link to mint for a user, at one of their identifiers.
pub struct LinkOrder<'a> {
    pub user: &'a User,
    pub identifier: Identifier,
    pub client: &'a Client,
    pub redirect_uri: &'a str,
    pub kind: LinkType,
    /// A catalog's language tag: the link's page and its message speak it.
    pub lang: &'a str,
    /// Seconds the link works (60 to 3600).
    pub ttl: u64,
    /// Sent by Tessera (email or text message) rather than returned.
    pub send: bool,
}

/// Mints a magic link and, when the order says so, sends it in the background; returns the link.
pub fn magic_link(core: &Core, actor: Actor<'_>, order: LinkOrder<'_>) -> Result<String, Refused> {
    let LinkOrder { user, identifier, client, redirect_uri, kind, lang, ttl, send } = order;
    let request = links::Request { user, identifier: identifier.clone(), client, redirect_uri, kind, lang, ttl };
    let url = links::mint(&core.keys(), core.issuer(), core.config.base_url(), request, core.clock.now())?;
    actor.audit_for(core, Some(&user.id), Some(&client.id), "magic_link_created", json!({}));
    if send {
        let delivery = Delivery {
            to: identifier,
            code: None,
            link: Some(url.clone()),
            app_name: client.name.clone(),
            lang: core.locales.named(lang).lang().to_string(),
            brand: None,
            // The message says the link's own lifetime.
            expires_secs: Some(ttl),
        };
        deliver_in_background(core, delivery, Some(client.id.clone()));
    }
    Ok(url)
}

/// Why a passkey ticket is not minted.
#[derive(Debug, thiserror::Error)]
pub enum TicketRefused {
    /// Passkeys are off, or the issuer is an IP address (WebAuthn needs a domain name).
    #[error("Passkeys are not available on this server.")]
    PasskeysOff,
    #[error("{0}")]
    Invalid(String),
}

/// A passkey registration ticket and the link that redeems it.
pub struct Ticket {
    pub ticket: String,
    pub url: String,
}

/// Mints a single-use passkey registration ticket for `user`. The name the authenticator shows
/// is `username`, else the user's email address, phone number or id.
pub fn passkey_ticket(
    core: &Core,
    actor: Actor<'_>,
    user: &User,
    username: Option<&str>,
    options: RegisterOptions,
    ttl: u64,
) -> Result<Ticket, TicketRefused> {
    if core.webauthn.is_none() {
        return Err(TicketRefused::PasskeysOff);
    }
    let fallback = user.identifier().map_or_else(|| user.id.0.clone(), |i| i.as_str().to_string());
    let username = username.unwrap_or(&fallback);
    let ticket = tickets::mint(&core.keys(), core.issuer(), &user.id, username, options, ttl, core.clock.now())
        .map_err(TicketRefused::Invalid)?;
    actor.audit(core, Some(&user.id), "passkey_ticket_created", json!({}));
    let url = core.url(&format!("/passkeys/register?ticket={ticket}"));
    Ok(Ticket { ticket, url })
}

/// Unlinks one of the user's upstream identities: it signs them in no more (a later sign-in with
/// it follows the linking rules again). `false` if the user has no such identity.
pub async fn unlink_identity(
    core: &Core,
    actor: Actor<'_>,
    user: &UserId,
    provider: &str,
    subject: &str,
) -> StoreResult<bool> {
    if !core.directory.unlink_identity(user, provider, subject).await? {
        return Ok(false);
    }
    actor.event(core, "identity_unlinked", user, json!({"provider": provider}));
    Ok(true)
}
