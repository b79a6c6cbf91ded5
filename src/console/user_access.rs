//! Access an operator hands a user from their page: a magic link sent to them, a passkey
//! registration ticket shown once, and unlinking an upstream identity (after a confirmation),
//! each through `domain::admin::access` as the management API makes them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::form;
use super::user_page::{Problem, existing, not_found, render};
use super::users::{back, name};
use super::{Confirm, Operator, html};
use crate::dates;
use crate::domain::admin::access::{self, LinkOrder, TicketRefused};
use crate::domain::links::{LinkType, Refused};
use crate::domain::passkeys::RegisterOptions;
use crate::i18n::AcceptLanguage;
use crate::model::User;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::ui::Ui;

/// How long a link or ticket made here works, in seconds.
const LIFETIME: u64 = 900;

/// A client and one of its redirect URIs, as the link form offers them.
pub struct AppChoice {
    /// `{client_id} {redirect_uri}`: a redirect URI holds no space.
    pub value: String,
    pub label: String,
}

pub struct IdentityRow {
    pub provider: String,
    pub subject: String,
    pub email: String,
    pub linked: String,
}

/// What the user's page offers to hand them, and the identities linked to them.
pub struct Access {
    /// Where a link goes: the user's email address, else phone number; `None`: no link.
    pub to: Option<String>,
    pub apps: Vec<AppChoice>,
    /// Each language's tag and its name in itself; `lang` is preselected.
    pub langs: Vec<(&'static str, String)>,
    pub lang: String,
    pub passkeys_on: bool,
    /// How long a link works, in words.
    pub lifetime: String,
    pub identities: Vec<IdentityRow>,
}

/// Gathers the page's access section for `user`.
pub(super) async fn of(state: &AppState, ui: &Ui<'_>, user: &User) -> Result<Access, PageError> {
    let mut clients: Vec<crate::model::Client> =
        state.config.clients.iter().map(crate::domain::clients::from_config).collect();
    clients.extend(state.directory.clients().await?);
    let apps = clients
        .iter()
        .flat_map(|c| {
            c.redirect_uris
                .iter()
                .map(|uri| AppChoice { value: format!("{} {uri}", c.id), label: format!("{} · {uri}", c.name) })
        })
        .collect();
    let langs = crate::i18n::tags().map(|t| (t, state.locales.named(t).t("meta.name").to_string())).collect();
    let identities = state
        .directory
        .identities_of_user(&user.id)
        .await?
        .into_iter()
        .map(|i| IdentityRow {
            linked: dates::date(ui.tr, i.created_at),
            email: i.email.unwrap_or_default(),
            provider: i.provider,
            subject: i.subject,
        })
        .collect();
    Ok(Access {
        to: user.identifier().map(|i| i.as_str().to_string()),
        apps,
        langs,
        lang: ui.lang().to_string(),
        passkeys_on: state.webauthn.is_some(),
        lifetime: ui.tr.duration(LIFETIME),
        identities,
    })
}

fn problem(field: &'static str, key: &'static str) -> Option<Problem> {
    Some(Problem { field, key })
}

/// Sends the user a sign-in link for the chosen application, in the chosen language.
pub async fn magic_link(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let user = existing(&state, &id).await?;
    let Some(identifier) = user.identifier() else {
        return render(&state, &op, &accept, user, None, problem("link-app", "console_keys.link_no_address")).await;
    };
    let chosen = form.get("app").and_then(|v| v.rsplit_once(' '));
    let client = match chosen {
        Some((client_id, _)) => state.client(client_id).await?,
        None => None,
    };
    let (Some(client), Some((_, redirect_uri))) = (client, chosen) else {
        return render(&state, &op, &accept, user, None, problem("link-app", "console_keys.link_app_invalid")).await;
    };
    let lang = form.get("lang").unwrap_or("en");
    let order = LinkOrder {
        user: &user,
        identifier,
        client: &client,
        redirect_uri,
        kind: LinkType::Login,
        lang,
        ttl: LIFETIME,
        send: true,
    };
    let refused = match access::magic_link(&state, op.actor(), order) {
        Ok(_) => return Ok(back(&id, "link_sent")),
        Err(Refused::RedirectUri { .. }) => problem("link-app", "console_keys.link_app_invalid"),
        Err(Refused::Language { .. }) => problem("link-lang", "console_keys.link_lang_invalid"),
        Err(why) => {
            tracing::error!(error = %why, "magic link not minted");
            problem("link-app", "console_keys.link_failed")
        }
    };
    render(&state, &op, &accept, user, None, refused).await
}

#[derive(Template)]
#[template(path = "console/ticket.html")]
struct TicketPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    id: String,
    name: String,
    url: String,
    minutes: String,
}

/// Mints a passkey registration ticket and shows its link, this once.
pub async fn passkey_ticket(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    form::read(&op, &body)?;
    let user = existing(&state, &id).await?;
    let refused = match access::passkey_ticket(&state, op.actor(), &user, None, RegisterOptions::default(), LIFETIME) {
        Ok(access::Ticket { url, .. }) => {
            let ui = state.ui(None, &accept, None);
            let minutes = ui.tr.duration(LIFETIME);
            let page = TicketPage { nav: "users", operator: name(&op.user), id, name: name(&user), url, minutes, ui };
            return html(page);
        }
        Err(TicketRefused::PasskeysOff) => problem("passkey-ticket", "console_keys.passkeys_off"),
        Err(TicketRefused::Invalid(why)) => {
            tracing::error!(error = %why, "passkey ticket not minted");
            problem("passkey-ticket", "console_keys.ticket_failed")
        }
    };
    render(&state, &op, &accept, user, None, refused).await
}

/// Unlinks an upstream identity from the user once the operator has confirmed it.
pub async fn unlink(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let user = existing(&state, &id).await?;
    let (Some(provider), Some(subject)) = (form.get("provider"), form.get("subject")) else {
        return Err(not_found());
    };
    if form.get("confirm") != Some("1") {
        let ui = state.ui(None, &accept, None);
        let page = Confirm {
            nav: "users",
            operator: name(&op.user),
            csrf: op.csrf.clone(),
            title: "console_keys.unlink_title",
            question: ui.f(
                "console_keys.unlink_question",
                &[("provider", provider), ("subject", subject), ("user", &name(&user))],
            ),
            action: format!("/console/users/{}/identities/unlink", super::users::urlencoding(&id)),
            fields: vec![("provider", provider.to_string()), ("subject", subject.to_string())],
            button: "console_keys.unlink",
            back: format!("/console/users/{}", super::users::urlencoding(&id)),
            ui,
        };
        return html(page);
    }
    if !access::unlink_identity(&state, op.actor(), &user.id, provider, subject).await? {
        return Err(not_found());
    }
    Ok(back(&id, "unlinked"))
}
