//! `[ui]`: how the pages look and speak — default language, logo, accent colour, stylesheet.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// The language when neither `ui_locales` nor `Accept-Language` names one with a catalog.
    pub default_locale: String,
    /// The product logo: an https URL, or a file (.svg, .png, .jpg, .webp) served at `/assets/logo`.
    pub logo: Option<String>,
    /// Accent colour of buttons, links and focus rings, as `#rrggbb`.
    pub primary_color: Option<String>,
    /// A stylesheet served after the built-in one, read at start.
    pub custom_css: Option<PathBuf>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig { default_locale: crate::i18n::BASE.into(), logo: None, primary_color: None, custom_css: None }
    }
}
