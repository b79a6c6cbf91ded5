//! The frame of every page: its language, the product, the application the user is signing in
//! to (name and logo), and the theme stylesheets; plus the theme's CSS routes.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::i18n::Tr;
use crate::model::Client;
use crate::state::AppState;

/// What a template needs besides its own fields. Templates read text as `ui.t("key")`. It
/// copies what it shows of the client, so it outlives a client looked up for one page.
pub struct Ui<'a> {
    pub tr: Tr<'a>,
    pub product: &'a str,
    /// The application's name; empty on pages of Tessera's own (account, sign-out).
    pub app: String,
    pub logo: Option<String>,
    /// A client with its own colour: its stylesheet is `/theme/{id}.css`.
    pub client_theme: Option<String>,
}

impl<'a> Ui<'a> {
    pub fn new(state: &'a AppState, tr: Tr<'a>, client: Option<&Client>) -> Self {
        let product_logo = state.config.ui.logo.as_deref().map(|l| if is_url(l) { l } else { "/assets/logo" });
        Ui {
            tr,
            product: &state.config.login.product_name,
            app: client.map(|c| c.name.clone()).unwrap_or_default(),
            logo: client.and_then(|c| c.logo_uri.as_deref()).or(product_logo).map(str::to_owned),
            client_theme: client.filter(|c| c.primary_color.is_some()).map(|c| c.id.clone()),
        }
    }

    /// The same frame naming an application the caller knows only by name.
    pub fn named(mut self, app: &str) -> Self {
        if self.app.is_empty() {
            self.app = app.to_string();
        }
        self
    }

    pub fn lang(&self) -> &'a str {
        self.tr.lang()
    }

    pub fn t(&self, key: &str) -> &'a str {
        self.tr.t(key)
    }

    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.tr.f(key, args)
    }

    /// HTML with escaped arguments, for `|safe`.
    pub fn h(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.tr.h(key, args)
    }

    /// The browser a `User-Agent` names, in this language: "Firefox unter Windows".
    pub fn device(&self, user_agent: &str) -> String {
        crate::device::Device::parse(user_agent).name(self.t("device.on"), self.t("device.unknown"))
    }
}

/// Every `passkey.*` message, as JSON for the page's script (which shows them by code).
pub const PASSKEY_MESSAGES: [&str; 17] = [
    "no_passkey_used",
    "saved",
    "already",
    "not_created",
    "failed",
    "expired",
    "unavailable",
    "busy",
    "unreadable",
    "not_verified",
    "not_registered",
    "duplicate",
    "no_account",
    "account_cannot",
    "ticket_invalid",
    "ticket_used",
    "bad_request",
];

impl Ui<'_> {
    pub fn passkey_messages(&self) -> String {
        let messages: serde_json::Map<String, serde_json::Value> =
            PASSKEY_MESSAGES.iter().map(|k| (k.to_string(), self.t(&format!("passkey.{k}")).into())).collect();
        // Inside <script>: no "<" may close the element.
        serde_json::Value::Object(messages).to_string().replace('<', "\\u003c")
    }
}

fn is_url(logo: &str) -> bool {
    logo.starts_with("https://") || logo.starts_with("http://")
}

/// A colour as `#rgb` or `#rrggbb`: the only form that reaches a stylesheet.
pub fn check_color(color: &str) -> Result<(), String> {
    let hex = color.strip_prefix('#').ok_or("must be #rgb or #rrggbb")?;
    if (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err("must be #rgb or #rrggbb".into())
    }
}

/// The accent colour as CSS custom properties, with black or white text on it, whichever
/// contrasts more (WCAG 2.2 relative luminance); the same in light and dark schemes.
fn accent(color: &str) -> String {
    let on = if luminance(color) > 0.179 { "#000" } else { "#fff" };
    let vars = format!("--accent: {color}; --accent-fg: {on};");
    format!(":root {{ {vars} }}\n@media (prefers-color-scheme: dark) {{ :root {{ {vars} }} }}\n")
}

/// WCAG relative luminance of a checked `#rgb` or `#rrggbb` colour.
fn luminance(color: &str) -> f64 {
    let hex = color.trim_start_matches('#');
    let full: String = if hex.len() == 3 { hex.chars().flat_map(|c| [c, c]).collect() } else { hex.to_string() };
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(full.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0)) / 255.0;
        if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

/// The site theme: the configured colour, then the operator's stylesheet, read at start.
pub fn site_css(config: &crate::config::Config) -> Result<String, String> {
    let mut css = config.ui.primary_color.as_deref().map(accent).unwrap_or_default();
    if let Some(path) = &config.ui.custom_css {
        let custom = std::fs::read_to_string(path).map_err(|e| format!("ui.custom_css {}: {e}", path.display()))?;
        css.push_str(&custom);
    }
    Ok(css)
}

/// The logo file named by `ui.logo` when it is a path, read at start.
pub fn site_logo(config: &crate::config::Config) -> Result<Option<(&'static str, Vec<u8>)>, String> {
    let Some(path) = config.ui.logo.as_deref().filter(|l| !is_url(l)) else { return Ok(None) };
    let kind = match path.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => return Err(format!("ui.logo {path}: use an .svg, .png, .jpg or .webp file")),
    };
    let bytes = std::fs::read(path).map_err(|e| format!("ui.logo {path}: {e}"))?;
    Ok(Some((kind, bytes)))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/theme.css", get(site_theme))
        .route("/assets/logo", get(logo))
        .route("/theme/{file}", get(client_theme))
}

fn css(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], body)
        .into_response()
}

async fn site_theme(State(state): State<AppState>) -> Response {
    css(state.theme.css.clone())
}

async fn logo(State(state): State<AppState>) -> Response {
    match &state.theme.logo {
        Some((kind, bytes)) => {
            ([(header::CONTENT_TYPE, *kind), (header::CACHE_CONTROL, "public, max-age=300")], bytes.clone())
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn client_theme(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".css") else { return StatusCode::NOT_FOUND.into_response() };
    match state.client(id).await {
        Ok(Some(client)) => css(client.primary_color.as_deref().map(accent).unwrap_or_default()),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The theme read at start.
pub struct Theme {
    pub css: String,
    pub logo: Option<(&'static str, Vec<u8>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_colours_reach_a_stylesheet() {
        for good in ["#fff", "#1F4FD8"] {
            assert!(check_color(good).is_ok(), "{good}");
        }
        for bad in ["red", "#12345", "#1234567", "#ggg", "#fff;}body{display:none", "url(x)"] {
            assert!(check_color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_on_the_accent_is_black_or_white_whichever_contrasts_more() {
        assert!(accent("#ffdd00").contains("--accent-fg: #000"));
        assert!(accent("#1f4fd8").contains("--accent-fg: #fff"));
        assert!(accent("#abc").contains("--accent: #abc"));
    }
}
