//! The console's client form: a registration as the fields an operator commonly edits, and a
//! posted form read back onto a registration. Fields the form does not carry keep their value.

use super::form::{Field, lines, text, ticked, words};
use crate::config::ClientConfig;
use crate::web::params::Params;

const METHODS: &[&str] = &["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];
const ALGS: &[&str] = &["RS256", "ES256", "EdDSA"];

/// A registration with every default, as the management API reads one naming only its id.
pub fn blank() -> ClientConfig {
    ClientConfig {
        id: String::new(),
        name: None,
        secret: None,
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        token_endpoint_auth_method: METHODS[0].into(),
        id_token_signed_response_alg: ALGS[0].into(),
        jwks_uri: None,
        jwks: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        client_credentials_scopes: Vec::new(),
        email_sends: None,
        cross_device_links: None,
        passwordless: false,
        verify_callback_url: None,
        logo_uri: None,
        primary_color: None,
        third_party: false,
        require_pushed_authorization_requests: false,
        require_signed_request_object: false,
        subject_type: None,
        sector_identifier_uri: None,
        userinfo_signed_response_alg: None,
        dpop_bound_access_tokens: false,
        security_profile: None,
    }
}

fn or_empty(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// The form's fields showing `spec`; the id is a field only while the client is being created.
pub fn fields(spec: &ClientConfig, creating: bool) -> Vec<Field> {
    let mut fields = Vec::new();
    if creating {
        fields.push(Field::new("id", "console_clients.client_id", "text", &spec.id).hint("console_clients.id_hint"));
    }
    fields.extend([
        Field::new("name", "console_clients.name", "text", or_empty(&spec.name)),
        Field::new("redirect_uris", "console_clients.redirect_uris", "lines", spec.redirect_uris.join("\n"))
            .hint("console_clients.redirect_uris_hint"),
        Field::new(
            "post_logout_redirect_uris",
            "console_clients.post_logout",
            "lines",
            spec.post_logout_redirect_uris.join("\n"),
        )
        .hint("console_clients.one_per_line"),
        Field::new(
            "token_endpoint_auth_method",
            "console_clients.auth_method",
            "select",
            &spec.token_endpoint_auth_method,
        )
        .options(METHODS)
        .hint("console_clients.auth_method_hint"),
        Field::new("id_token_signed_response_alg", "console_clients.alg", "select", &spec.id_token_signed_response_alg)
            .options(ALGS),
        Field::new(
            "client_credentials_scopes",
            "console_clients.scopes",
            "text",
            spec.client_credentials_scopes.join(" "),
        )
        .hint("console_clients.scopes_hint"),
        Field::new("jwks_uri", "console_clients.jwks_uri", "url", or_empty(&spec.jwks_uri))
            .hint("console_clients.jwks_hint"),
        Field::new("jwks", "console_clients.jwks", "lines", or_empty(&spec.jwks)),
        Field::new(
            "backchannel_logout_uri",
            "console_clients.backchannel",
            "url",
            or_empty(&spec.backchannel_logout_uri),
        ),
        Field::check(
            "backchannel_logout_session_required",
            "console_clients.backchannel_sid",
            spec.backchannel_logout_session_required,
        ),
        Field::new("logo_uri", "console_clients.logo_uri", "url", or_empty(&spec.logo_uri)),
        Field::new("primary_color", "console_clients.primary_color", "text", or_empty(&spec.primary_color))
            .hint("console_clients.primary_color_hint"),
        Field::check("third_party", "console_clients.third_party", spec.third_party),
        Field::check("passwordless", "console_clients.passwordless", spec.passwordless),
        Field::check(
            "require_pushed_authorization_requests",
            "console_clients.par",
            spec.require_pushed_authorization_requests,
        ),
        Field::check("dpop_bound_access_tokens", "console_clients.dpop", spec.dpop_bound_access_tokens),
    ]);
    fields
}

/// `spec` with the posted form's fields put in; the id only while creating.
pub fn apply(form: &Params, mut spec: ClientConfig, creating: bool) -> ClientConfig {
    if creating {
        spec.id = text(form, "id").unwrap_or_default();
    }
    spec.name = text(form, "name");
    spec.redirect_uris = lines(form, "redirect_uris");
    spec.post_logout_redirect_uris = lines(form, "post_logout_redirect_uris");
    spec.token_endpoint_auth_method = text(form, "token_endpoint_auth_method").unwrap_or_default();
    spec.id_token_signed_response_alg = text(form, "id_token_signed_response_alg").unwrap_or_default();
    spec.client_credentials_scopes = words(form, "client_credentials_scopes");
    spec.jwks_uri = text(form, "jwks_uri");
    spec.jwks = text(form, "jwks");
    spec.backchannel_logout_uri = text(form, "backchannel_logout_uri");
    spec.backchannel_logout_session_required = ticked(form, "backchannel_logout_session_required");
    spec.logo_uri = text(form, "logo_uri");
    spec.primary_color = text(form, "primary_color");
    spec.third_party = ticked(form, "third_party");
    spec.passwordless = ticked(form, "passwordless");
    spec.require_pushed_authorization_requests = ticked(form, "require_pushed_authorization_requests");
    spec.dpop_bound_access_tokens = ticked(form, "dpop_bound_access_tokens");
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_form_replaces_what_it_carries_and_keeps_what_it_does_not() {
        let mut current = blank();
        current.id = "reports".into();
        current.subject_type = Some("pairwise".into());
        current.third_party = true;
        let form = Params::parse(
            b"id=other&name=Reports&redirect_uris=https%3A%2F%2Fr.example%2Fcb%0Ahttps%3A%2F%2Fr.example%2Fcb2\
              &token_endpoint_auth_method=none&id_token_signed_response_alg=ES256&client_credentials_scopes=a+b",
        );
        let spec = apply(&form, current, false);
        assert_eq!(spec.id, "reports", "the id changes only while creating");
        assert_eq!(spec.redirect_uris, ["https://r.example/cb", "https://r.example/cb2"]);
        assert_eq!(
            (spec.token_endpoint_auth_method.as_str(), spec.id_token_signed_response_alg.as_str()),
            ("none", "ES256")
        );
        assert_eq!(spec.client_credentials_scopes, ["a", "b"]);
        assert!(!spec.third_party, "an unticked box is false");
        assert_eq!(spec.subject_type.as_deref(), Some("pairwise"), "a field the form lacks is kept");
        let shown = fields(&spec, true);
        assert_eq!(
            shown.iter().find(|f| f.name == "redirect_uris").unwrap().value,
            "https://r.example/cb\nhttps://r.example/cb2"
        );
    }
}
