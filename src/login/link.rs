//! Magic links in the sign-in email.
//!
//! ```text
//! GET  /login/link/{token}  a page with one button; mail scanners that fetch links change nothing
//! POST /login/link/{token}  consumes the link (single use), then:
//!                           - the browser that asked: the login continues to the application;
//!                           - another browser, when the client allows cross-device links: the
//!                             login continues there instead;
//!                           - another browser otherwise: the person picks, among three numbers,
//!                             the one the asking browser shows; the right one approves that
//!                             browser, which continues by itself, a wrong one cancels the sign-in.
//! GET  /login/{id}/wait     the asking browser: continues once approved, else refreshes
//! GET  /login/{id}/status   the asking browser's script polls it (from the code page too)
//! ```
//!
//! Approving another browser is the default because a link is often opened on a phone while
//! the sign-in started on a computer; signing the phone in instead would strand the computer.
//! Number matching makes approving a sign-in someone else started (with the victim's address) a
//! deliberate act, not one click: the approver must read the number off the asking screen.
//! Links live in Ephemeral only as a SHA-256 of the token, for `lifetimes.magic_link`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::crypto;
use crate::domain::interaction::{self, Interaction};
use crate::domain::session;
use crate::i18n::AcceptLanguage;
use crate::login::code::sign_in;
use crate::login::{frame, load, save};
use crate::model::{Email, Identifier};
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::store::StoreError;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

const METHOD: &str = "email_link";

#[derive(Serialize, Deserialize)]
struct LinkRecord {
    interaction: String,
    /// Hash of the asking browser's binding cookie.
    browser: String,
    email: Email,
    cross_device: bool,
    /// The asking browser's `User-Agent`, which the approval page names ("Firefox on Windows").
    user_agent: String,
    ip: String,
}

/// What the person opening the link elsewhere decided for the browser that asked.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
enum Verdict {
    Approved(Email),
    Refused,
}

fn key(token: &str) -> String {
    format!("link:{}", crypto::b64url(&crypto::sha256(token.as_bytes())))
}

fn verdict_key(interaction: &str) -> String {
    format!("link-verdict:{interaction}")
}

/// The number the asking browser shows: two digits, from 10 to 99.
pub fn new_match() -> String {
    (10 + crypto::random_u64() % 90).to_string()
}

/// The three numbers the approval page offers: the asking browser's and two others, in an
/// order and with decoys fixed by the link, so reloading the page shows the same choice.
fn choices(secret: &[u8], token: &str, number: &str) -> Vec<String> {
    let seed = crypto::keyed_hash(secret, &[b"link-choices", token.as_bytes()]);
    let mut numbers = vec![number.to_string()];
    for byte in seed.iter().skip(1) {
        let candidate = (10 + u64::from(*byte) % 90).to_string();
        if !numbers.contains(&candidate) {
            numbers.push(candidate);
        }
        if numbers.len() == 3 {
            break;
        }
    }
    let turn = usize::from(seed[0]) % numbers.len();
    numbers.rotate_right(turn);
    numbers
}

/// Creates the link for this login (replacing none: each email carries its own) and returns it.
pub async fn create(
    state: &AppState,
    ix: &mut Interaction,
    email: &Email,
    asker: &ClientAddr,
) -> Result<String, StoreError> {
    let token = crypto::random_token();
    let record = LinkRecord {
        interaction: ix.id.clone(),
        browser: crypto::b64url(&ix.browser),
        email: email.clone(),
        cross_device: ix.cross_device_links.unwrap_or(state.config.login.cross_device_links),
        user_agent: crate::device::stored(asker.user_agent()).to_string(),
        ip: asker.ip.to_string(),
    };
    state.ephemeral.put_json(&key(&token), &record, state.config.lifetimes.magic_link).await?;
    Ok(state.url(&format!("/login/link/{token}")))
}

#[derive(Template)]
#[template(path = "login/link.html")]
struct LinkPage<'a> {
    ui: Ui<'a>,
    token: &'a str,
    email: &'a str,
    /// Approving the browser that asked rather than signing in here: the numbers to pick from.
    choices: Option<Vec<String>>,
    device: &'a str,
    ip: &'a str,
}

#[derive(Template)]
#[template(path = "login/link_done.html")]
struct VerdictPage<'a> {
    ui: Ui<'a>,
    approved: bool,
}

fn expired() -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, "error.link_used_title", "error.link_used_message")
}

/// The browser opening the link is the one that asked.
fn same_browser(state: &AppState, jar: &CookieJar, record: &LinkRecord) -> bool {
    session::browser_hash(state, jar)
        .is_some_and(|h| crypto::constant_time_eq(crypto::b64url(&h).as_bytes(), record.browser.as_bytes()))
}

/// Whether opening the link here approves another browser (rather than signing in here).
fn approves_elsewhere(state: &AppState, jar: &CookieJar, record: &LinkRecord) -> bool {
    !same_browser(state, jar, record) && !record.cross_device
}

fn html<T: Template>(page: T) -> Result<Response, PageError> {
    Ok(Html(page.render().map_err(PageError::rendering)?).into_response())
}

/// The sign-in a link belongs to, while it waits for one.
async fn interaction_of(state: &AppState, record: &LinkRecord) -> Result<Interaction, PageError> {
    let ix: Interaction =
        state.ephemeral.get_json(&interaction::key(&record.interaction)).await?.ok_or_else(expired)?;
    if ix.session_id().is_some() {
        return Err(expired());
    }
    Ok(ix)
}

/// The link and the sign-in it belongs to, both still live; consumes nothing.
async fn find(state: &AppState, token: &str) -> Result<(LinkRecord, Interaction), PageError> {
    let record: LinkRecord = state.ephemeral.get_json(&key(token)).await?.ok_or_else(expired)?;
    let ix = interaction_of(state, &record).await?;
    Ok((record, ix))
}

/// `GET`: shows what the button will do; reading the link consumes nothing.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let (record, ix) = find(&state, &token).await?;
    let number = ix.link_match().unwrap_or_default();
    let choices = approves_elsewhere(&state, &jar, &record).then(|| choices(&state.secret, &token, number));
    let ui = frame(&state, &ix, &accept).await?;
    let ip = ui.f("link.ip", &[("ip", &record.ip)]);
    let device = ui.device(&record.user_agent);
    let mut response =
        html(LinkPage { ui, token: &token, email: record.email.as_str(), choices, device: &device, ip: &ip })?;
    // The token is in the address: keep it out of caches and referrers.
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST`: consumes the link, then continues, moves, approves or refuses the login.
pub async fn open(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    if crate::web::origin::cross_site(&state.config, &headers) {
        return Err(crate::web::origin::cross_site_refused());
    }
    let form = Params::parse(&body);
    let (record, _) = find(&state, &token).await?;
    let approving = approves_elsewhere(&state, &jar, &record);
    if approving && (form.get("pick").is_none() || form.is_repeated("pick")) {
        // Nothing picked (a form from before number matching): ask again, consuming nothing.
        return Ok(Redirect::to(&format!("/login/link/{token}")).into_response());
    }
    let record: LinkRecord = state.ephemeral.take_json(&key(&token)).await?.ok_or_else(expired)?;
    let ix = interaction_of(&state, &record).await?;
    let identifier = Identifier::Email(record.email.clone());
    if same_browser(&state, &jar, &record) {
        let ix = load(&state, &jar, &record.interaction).await?;
        return sign_in(&state, jar, ix, identifier, METHOD, &client).await;
    }
    if record.cross_device {
        // The login moves to this browser: it is bound here from now on.
        let (jar, browser) = session::browser_id(&state, jar);
        let mut ix = ix;
        ix.browser = browser;
        save(&state, &ix).await?;
        let detail = json!({"method": METHOD, "cross_device": true});
        state.audit("link_opened_elsewhere", None, ix.client_id(), Some(client.ip), detail);
        return sign_in(&state, jar, ix, identifier, METHOD, &client).await;
    }
    let picked = form.get("pick").unwrap_or_default();
    let right = ix.link_match().is_some_and(|n| crypto::constant_time_eq(n.as_bytes(), picked.as_bytes()));
    let (verdict, event) = if right {
        (Verdict::Approved(record.email.clone()), "link_approved")
    } else {
        (Verdict::Refused, "link_refused")
    };
    let left = state.config.lifetimes.interaction.saturating_sub((state.clock.now() - ix.created_at).max(0) as u64);
    state.ephemeral.put_json(&verdict_key(&ix.id), &verdict, left.max(1)).await?;
    let detail = json!({"method": METHOD, "to": record.email.masked()});
    state.audit(event, None, ix.client_id(), Some(client.ip), detail);
    html(VerdictPage { ui: frame(&state, &ix, &accept).await?, approved: right })
}

#[derive(Template)]
#[template(path = "login/link_wait.html")]
struct WaitPage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    email: &'a str,
    link_match: &'a str,
    minutes: String,
}

/// The verdict on this browser's sign-in from a link opened elsewhere, taken once acted on.
async fn verdict(state: &AppState, ix: &Interaction, take: bool) -> Result<Option<Verdict>, StoreError> {
    let key = verdict_key(&ix.id);
    if take { state.ephemeral.take_json(&key).await } else { state.ephemeral.get_json(&key).await }
}

/// `GET /login/{id}/wait`: the asking browser, until the link is approved or refused elsewhere.
pub async fn wait(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let mut ix = load(&state, &jar, &id).await?;
    let Some(email) = ix.email().cloned() else { return Ok(Redirect::to(&ix.login_path()).into_response()) };
    match verdict(&state, &ix, true).await? {
        Some(Verdict::Approved(approved)) if approved == email => {
            return sign_in(&state, jar, ix, Identifier::Email(approved), METHOD, &client).await;
        }
        Some(Verdict::Refused) => {
            // Refused on the other device: this sign-in's code dies with it.
            ix.refuse_proof();
            save(&state, &ix).await?;
            return Ok(Redirect::to(&format!("/login/{id}?e=refused")).into_response());
        }
        // Approved for an address this sign-in no longer uses: stale, and now spent.
        Some(Verdict::Approved(_)) | None => {}
    }
    let ui = frame(&state, &ix, &accept).await?;
    let mut response = html(WaitPage {
        minutes: ui.tr.plural("dates.minutes", state.config.lifetimes.magic_link / 60),
        ui,
        id: &ix.id,
        email: email.as_str(),
        link_match: ix.link_match().unwrap_or(""),
    })?;
    response.headers_mut().insert(axum::http::header::REFRESH, axum::http::HeaderValue::from_static("3"));
    Ok(response)
}

/// `GET /login/{id}/status`: whether a link opened elsewhere decided this sign-in yet, for the
/// script of the code and wait pages (which then go to the wait page, where it acts).
pub async fn status(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    Ok(Json(json!({ "decided": decided(&state, &ix).await? })).into_response())
}

/// Whether a link opened elsewhere approved or refused this sign-in yet.
pub async fn decided(state: &AppState, ix: &Interaction) -> Result<bool, StoreError> {
    Ok(verdict(state, ix, false).await?.is_some())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::choices;

    proptest! {
        #[test]
        fn the_approval_page_offers_three_distinct_two_digit_numbers_one_of_them_the_asked_one(
            secret in prop::collection::vec(any::<u8>(), 32),
            token in "[A-Za-z0-9_-]{43}",
            number in 10u8..100,
        ) {
            let number = number.to_string();
            let offered = choices(&secret, &token, &number);
            prop_assert_eq!(offered.len(), 3);
            prop_assert!(offered.contains(&number));
            prop_assert!(offered.iter().all(|n| n.len() == 2 && n.parse::<u8>().is_ok_and(|n| n >= 10)));
            prop_assert!(offered[0] != offered[1] && offered[1] != offered[2] && offered[0] != offered[2]);
            prop_assert_eq!(&offered, &choices(&secret, &token, &number), "the same on every reload");
        }
    }
}
