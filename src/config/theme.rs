//! The site theme: the accent colour as CSS, the operator's stylesheet and logo, read at start
//! and checked by `validate`.

/// The theme read at start.
pub struct Theme {
    pub css: String,
    pub logo: Option<(&'static str, Vec<u8>)>,
}

impl Theme {
    /// The theme of a checked configuration (`validate` has read both files once already).
    pub fn load(config: &crate::config::Config) -> Self {
        Theme { css: site_css(config).unwrap_or_default(), logo: site_logo(config).ok().flatten() }
    }
}

pub fn is_url(logo: &str) -> bool {
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
pub fn accent(color: &str) -> String {
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
