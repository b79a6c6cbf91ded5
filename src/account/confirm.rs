//! The second step before what cannot be undone from `/account` (removing a passkey, taking
//! back an application's access, signing out everywhere), without JavaScript: the first POST
//! answers with a page that says what will happen and repeats the form with `confirm=1`; only
//! that second POST acts. Both steps carry the account CSRF token and are checked alike.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

/// What the confirmation page asks, and the form it repeats.
pub struct Ask {
    /// Where the confirmed form goes: the same action as the first step.
    pub action: &'static str,
    pub question: String,
    /// The catalog key of the button that confirms, the same words as the first step's.
    pub button: &'static str,
    /// The first step's own fields (besides `csrf`), sent again.
    pub fields: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "account/confirm.html")]
struct ConfirmPage<'a> {
    ui: Ui<'a>,
    csrf: &'a str,
    ask: Ask,
}

/// Whether this POST is the confirmed second step.
pub fn confirmed(form: &Params) -> bool {
    form.get("confirm") == Some("1")
}

/// The confirmation page: Confirm posts the same form again with `confirm=1`, Cancel goes back.
pub fn page(ui: Ui<'_>, csrf: &str, ask: Ask) -> Result<Response, PageError> {
    let html = ConfirmPage { ui, csrf, ask }.render().map_err(PageError::rendering)?;
    Ok(Html(html).into_response())
}
