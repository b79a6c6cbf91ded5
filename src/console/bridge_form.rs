//! The console's bridge form: a bridge as its fields, and a posted form read back onto one. The
//! access key is write-only: the field is always empty, and left empty it keeps the current key.

use super::form::{Field, lines, text};
use crate::config::BridgeConfig;
use crate::web::params::Params;

const FORMATS: &[&str] = &["jwt", "authress"];
const ALGS: &[&str] = &["EdDSA", "ES256", "RS256"];

/// A bridge with every default, as the management API reads one naming only what it must.
pub fn blank() -> BridgeConfig {
    BridgeConfig {
        id: String::new(),
        name: None,
        format: FORMATS[0].into(),
        return_urls: Vec::new(),
        audience: String::new(),
        assertion_lifetime_secs: 60,
        access_key: None,
        alg: ALGS[0].into(),
        client_ids: Vec::new(),
    }
}

/// The form's fields showing `spec` (never its access key); the id only while creating.
pub fn fields(spec: &BridgeConfig, creating: bool) -> Vec<Field> {
    let mut fields = Vec::new();
    if creating {
        fields.push(
            Field::new("id", "console_clients.bridge_id", "text", &spec.id).hint("console_clients.bridge_id_hint"),
        );
    }
    let key_hint =
        if spec.access_key.is_some() { "console_clients.access_key_kept" } else { "console_clients.access_key_hint" };
    fields.extend([
        Field::new("name", "console_clients.name", "text", spec.name.clone().unwrap_or_default()),
        Field::new("format", "console_clients.format", "select", &spec.format)
            .options(FORMATS)
            .hint("console_clients.format_hint"),
        Field::new("return_urls", "console_clients.return_urls", "lines", spec.return_urls.join("\n"))
            .hint("console_clients.redirect_uris_hint"),
        Field::new("audience", "console_clients.audience", "text", &spec.audience)
            .hint("console_clients.audience_hint"),
        Field::new(
            "assertion_lifetime_secs",
            "console_clients.lifetime",
            "number",
            spec.assertion_lifetime_secs.to_string(),
        )
        .hint("console_clients.lifetime_hint"),
        Field::new("alg", "console_clients.alg", "select", &spec.alg)
            .options(ALGS)
            .hint("console_clients.bridge_alg_hint"),
        Field::new("access_key", "console_clients.access_key", "password", "").hint(key_hint),
        Field::new("client_ids", "console_clients.client_ids", "lines", spec.client_ids.join("\n"))
            .hint("console_clients.client_ids_hint"),
    ]);
    fields
}

/// `spec` with the posted form's fields put in: the id only while creating, the access key only
/// when one is typed. A lifetime that is no number reads as 0, which the bridge check refuses.
pub fn apply(form: &Params, mut spec: BridgeConfig, creating: bool) -> BridgeConfig {
    if creating {
        spec.id = text(form, "id").unwrap_or_default();
    }
    spec.name = text(form, "name");
    spec.format = text(form, "format").unwrap_or_default();
    spec.return_urls = lines(form, "return_urls");
    spec.audience = text(form, "audience").unwrap_or_default();
    spec.assertion_lifetime_secs = text(form, "assertion_lifetime_secs").and_then(|s| s.parse().ok()).unwrap_or(0);
    spec.alg = text(form, "alg").unwrap_or_default();
    if let Some(key) = text(form, "access_key") {
        spec.access_key = Some(key);
    }
    spec.client_ids = lines(form, "client_ids");
    spec
}

/// The fields showing a refused form as it was typed (the lifetime too, number or not).
pub fn entered(form: &Params, spec: &BridgeConfig, creating: bool) -> Vec<Field> {
    let mut fields = fields(spec, creating);
    if let Some(f) = fields.iter_mut().find(|f| f.name == "assertion_lifetime_secs") {
        f.value = form.get("assertion_lifetime_secs").unwrap_or("").to_string();
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_key_is_never_shown_and_an_empty_field_keeps_the_current_one() {
        let mut current = blank();
        current.id = "broker".into();
        current.access_key = Some("the-key".into());
        assert!(fields(&current, false).iter().all(|f| !f.value.contains("the-key")), "write-only");
        let kept = apply(&Params::parse(b"format=authress&assertion_lifetime_secs=60"), current.clone(), false);
        assert_eq!(kept.access_key.as_deref(), Some("the-key"));
        let replaced = apply(&Params::parse(b"access_key=new-key&assertion_lifetime_secs=soon"), current, false);
        assert_eq!(replaced.access_key.as_deref(), Some("new-key"));
        assert_eq!(replaced.assertion_lifetime_secs, 0, "no number: refused by the check as out of range");
    }
}
