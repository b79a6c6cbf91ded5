//! Page and message text in every language: the catalogs embedded from `locales/` (one TOML
//! file per language, so adding a language is adding a file), the language a request gets
//! (`ui_locales`, then `Accept-Language`, then configuration), and lookups with `{name}`
//! placeholders. A key missing from a catalog falls back to English.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashMap;

include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));

/// The language tags that have a catalog.
pub fn tags() -> impl Iterator<Item = &'static str> {
    CATALOGS.iter().map(|(tag, _)| *tag)
}

/// The language every catalog is checked against and falls back to.
pub const BASE: &str = "en";

pub struct Catalog {
    /// The file name: a BCP 47 language tag such as `de` or `pt-BR`.
    pub tag: String,
    messages: HashMap<String, String>,
}

impl Catalog {
    fn parse(tag: &str, text: &str) -> Result<Self, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| format!("locales/{tag}.toml: {e}"))?;
        let mut messages = HashMap::new();
        flatten("", &toml::Value::Table(table), &mut messages).map_err(|e| format!("locales/{tag}.toml: {e}"))?;
        Ok(Catalog { tag: tag.to_string(), messages })
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.messages.keys().map(String::as_str)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.messages.get(key).map(String::as_str)
    }
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut HashMap<String, String>) -> Result<(), String> {
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out)?;
            }
            Ok(())
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
            Ok(())
        }
        _ => Err(format!("{prefix}: every message is a string")),
    }
}

/// Every embedded catalog, and the configured default.
pub struct Locales {
    catalogs: Vec<Catalog>,
    base: usize,
    default: usize,
}

impl Locales {
    pub fn load(default: &str) -> Result<Self, String> {
        let catalogs = CATALOGS.iter().map(|(tag, text)| Catalog::parse(tag, text)).collect::<Result<Vec<_>, _>>()?;
        let find = |tag: &str| catalogs.iter().position(|c| c.tag.eq_ignore_ascii_case(tag));
        let base = find(BASE).ok_or("locales/en.toml is missing")?;
        let default = find(default).ok_or_else(|| {
            let known: Vec<&str> = catalogs.iter().map(|c| c.tag.as_str()).collect();
            format!("no catalog for {default:?}; available: {}", known.join(", "))
        })?;
        Ok(Locales { catalogs, base, default })
    }

    pub fn tags(&self) -> Vec<&str> {
        self.catalogs.iter().map(|c| c.tag.as_str()).collect()
    }

    pub fn catalogs(&self) -> &[Catalog] {
        &self.catalogs
    }

    /// The catalog for one tag: exact, else by primary language (`de-AT` finds `de`).
    fn find(&self, tag: &str) -> Option<usize> {
        let tag = tag.trim();
        if tag.is_empty() || tag == "*" {
            return None;
        }
        let exact = self.catalogs.iter().position(|c| c.tag.eq_ignore_ascii_case(tag));
        let primary = tag.split('-').next().unwrap_or(tag);
        exact.or_else(|| self.catalogs.iter().position(|c| c.tag.eq_ignore_ascii_case(primary)))
    }

    /// OIDC Core §3.1.2.1 `ui_locales` (space-separated, in order of preference), then RFC 9110
    /// §12.5.4 `Accept-Language` (by weight), then the configured default.
    pub fn negotiate(&self, ui_locales: Option<&str>, accept_language: Option<&str>) -> Tr<'_> {
        let from_ui = ui_locales.and_then(|list| list.split_whitespace().find_map(|t| self.find(t)));
        let index =
            from_ui.or_else(|| accept_language.and_then(|h| self.by_accept_language(h))).unwrap_or(self.default);
        self.tr(index)
    }

    /// The catalog named by `tag`, or the default.
    pub fn named(&self, tag: &str) -> Tr<'_> {
        self.tr(self.find(tag).unwrap_or(self.default))
    }

    fn by_accept_language(&self, header: &str) -> Option<usize> {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .take(32)
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((q, tag))
            })
            .collect();
        // Stable: equal weights keep the order the browser sent.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.iter().find_map(|(_, tag)| self.find(tag))
    }

    fn tr(&self, index: usize) -> Tr<'_> {
        Tr { catalog: &self.catalogs[index], base: &self.catalogs[self.base] }
    }
}

/// Lookups in one language.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    catalog: &'a Catalog,
    base: &'a Catalog,
}

impl<'a> Tr<'a> {
    pub fn lang(&self) -> &'a str {
        &self.catalog.tag
    }

    /// The message for `key`; the English one when this catalog lacks it; empty when no
    /// catalog has it (a test keeps that from shipping).
    pub fn t(&self, key: &str) -> &'a str {
        self.catalog.get(key).or_else(|| self.base.get(key)).unwrap_or_else(|| {
            tracing::warn!(key, "missing message");
            ""
        })
    }

    /// The message with each `{name}` replaced.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args, str::to_owned)
    }

    /// The message as HTML: the catalog's markup kept, every argument escaped. For `|safe`.
    pub fn h(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args, escape)
    }

    /// A message that depends on a count, with `{n}` filled: a TOML table of CLDR plural forms
    /// (`key = { one = "{n} minute", other = "{n} minutes" }`), chosen by this language's rules.
    /// A form the catalog lacks falls back to its `other`.
    /// A duration in whole minutes when it is some ("5 minutes"), else in seconds ("90 seconds").
    pub fn duration(&self, secs: u64) -> String {
        if secs.is_multiple_of(60) {
            self.plural("dates.minutes", secs / 60)
        } else {
            self.plural("dates.seconds", secs)
        }
    }

    pub fn plural(&self, key: &str, n: u64) -> String {
        let form = |catalog: &'a Catalog| {
            let category = plural_category(&catalog.tag, n);
            catalog.get(&format!("{key}.{category}")).or_else(|| catalog.get(&format!("{key}.other")))
        };
        let text = form(self.catalog).or_else(|| form(self.base)).unwrap_or_else(|| {
            tracing::warn!(key, "missing message");
            ""
        });
        fill(text, &[("n", &n.to_string())], str::to_owned)
    }
}

/// The CLDR plural category of `n` in language `tag` ("one", "few", "many", "other", ...).
fn plural_category(tag: &str, n: u64) -> &'static str {
    use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
    let rules = tag
        .parse::<unic_langid::LanguageIdentifier>()
        .ok()
        .and_then(|lang| PluralRules::create(lang, PluralRuleType::CARDINAL).ok());
    match rules.and_then(|r| r.select(n).ok()) {
        Some(PluralCategory::ZERO) => "zero",
        Some(PluralCategory::ONE) => "one",
        Some(PluralCategory::TWO) => "two",
        Some(PluralCategory::FEW) => "few",
        Some(PluralCategory::MANY) => "many",
        Some(PluralCategory::OTHER) | None => "other",
    }
}

fn fill(text: &str, args: &[(&str, &str)], show: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if args.iter().any(|(n, _)| *n == &after[..close]) => {
                let (_, value) = args.iter().find(|(n, _)| *n == &after[..close]).expect("found above");
                out.push_str(&show(value));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The request's `Accept-Language` header, if readable.
pub struct AcceptLanguage(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for AcceptLanguage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Ok(AcceptLanguage(header.filter(|h| h.len() <= 512).map(str::to_owned)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Locales {
        Locales::load("en").unwrap()
    }

    #[test]
    fn ui_locales_wins_then_accept_language_by_weight_then_the_default() {
        let l = locales();
        assert_eq!(l.negotiate(Some("xx de-CH"), Some("fr")).lang(), "de", "first supported ui_locale, by primary tag");
        assert_eq!(l.negotiate(None, Some("it;q=0.9, es;q=0.5, fr;q=0.7")).lang(), "fr", "highest weight supported");
        assert_eq!(l.negotiate(None, Some("fr;q=0, es")).lang(), "es", "q=0 means not acceptable");
        assert_eq!(l.negotiate(Some("xx"), Some("zz")).lang(), "en", "the default");
        assert_eq!(Locales::load("de").unwrap().negotiate(None, None).lang(), "de");
        assert!(Locales::load("tlh").is_err(), "an unknown default refuses to start");
    }

    #[test]
    fn every_catalog_has_every_english_key_with_the_same_placeholders() {
        let l = locales();
        let base = l.catalogs.iter().find(|c| c.tag == BASE).unwrap();
        assert!(l.catalogs.len() >= 4, "en, de, fr, es at least: {:?}", l.tags());
        let placeholders = |s: &str| {
            let mut names: Vec<String> =
                s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string())).collect();
            names.sort();
            names
        };
        for catalog in &l.catalogs {
            for key in base.keys() {
                let text = catalog.get(key).unwrap_or_else(|| panic!("{}: missing {key}", catalog.tag));
                assert!(!text.trim().is_empty(), "{}: {key} is empty", catalog.tag);
                assert_eq!(placeholders(text), placeholders(base.get(key).unwrap()), "{}: {key}", catalog.tag);
            }
            for key in catalog.keys() {
                assert!(base.get(key).is_some(), "{}: {key} is not an English key", catalog.tag);
            }
        }
    }

    #[test]
    fn every_english_message_is_used_by_a_page_email_or_text() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = String::new();
        let mut folders = vec![root.join("src"), root.join("templates")];
        while let Some(dir) = folders.pop() {
            for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    sources.push_str(&std::fs::read_to_string(path).unwrap_or_default());
                }
            }
        }
        // The plural forms a catalog may give a message (CLDR).
        const PLURAL_FORMS: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];
        let l = locales();
        let base = l.catalogs.iter().find(|c| c.tag == BASE).unwrap();
        let mut unused: Vec<&str> = base
            .keys()
            .filter(|k| !k.starts_with("meta."))
            // A plural form is used through its message's key.
            .map(|k| k.rsplit_once('.').filter(|(_, form)| PLURAL_FORMS.contains(form)).map_or(k, |(base, _)| base))
            .filter(|k| !sources.contains(&format!("\"{k}\"")))
            .filter(|k| !k.strip_prefix("passkey.").is_some_and(|m| crate::web::ui::PASSKEY_MESSAGES.contains(&m)))
            .collect();
        unused.sort();
        assert!(unused.is_empty(), "messages no page uses: {unused:?}");
    }

    #[test]
    fn plural_forms_follow_each_languages_rules() {
        assert_eq!(plural_category("en", 1), "one");
        assert_eq!(plural_category("en", 0), "other");
        assert_eq!(plural_category("en", 2), "other");
        assert_eq!(plural_category("fr", 0), "one", "French counts zero as one");
        assert_eq!(plural_category("fr", 1), "one");
        assert_eq!(plural_category("fr", 2), "other");
        assert_eq!(plural_category("de", 1), "one");
        assert_eq!(plural_category("es", 5), "other");
        assert_eq!(plural_category("pl", 3), "few", "a language with more forms gets them");
    }

    #[test]
    fn placeholders_are_filled_and_escaped_only_in_html() {
        let l = locales();
        let en = l.named("en");
        let who = "<b>ann</b>";
        let args = [("to", who), ("app", "App"), ("minutes", "10")];
        assert!(en.h("code.sent_email", &args).contains("&lt;b&gt;ann"));
        assert!(en.f("code.sent_email", &args).contains("<b>ann"));
        assert_eq!(fill("a {x} {y} {", &[("x", "1")], str::to_owned), "a 1 {y} {");
    }
}
