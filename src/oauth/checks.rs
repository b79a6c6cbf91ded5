//! The rules an authorization request must meet once its client and redirect_uri are verified
//! (RFC 6749 §4.1.1, OIDC Core §3.1.2.1), one function each; `check` composes them in order.
//! A rule answers with the error code the client receives at its redirect_uri.

use crate::domain::interaction::{AuthRequest, Prompt, ResponseMode};
use crate::domain::jwt;
use crate::domain::keys::KeyRing;
use crate::model::Client;
use crate::oauth::pkce;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

/// Longest accepted `state` and `nonce`: opaque values clients may pack data into.
pub const MAX_VALUE: usize = 2048;
/// Longest accepted hint or list of locales or ACRs: an address, a phone number, a few tags.
const MAX_HINT: usize = 256;

pub type Invalid = (ErrorCode, String);

fn invalid(description: impl Into<String>) -> Invalid {
    (ErrorCode::InvalidRequest, description.into())
}

/// Every rule, in the order a client learns of its mistakes.
pub fn check(p: &Params, client: &Client, keys: &KeyRing, issuer: &str) -> Result<AuthRequest, Invalid> {
    no_repeats(p)?;
    no_registration(p)?;
    response_type_is_code(p.get("response_type"))?;
    response_mode_is_known(p.get("response_mode"))?;
    let scope = scopes(p.get("scope"))?;
    // FAPI 2.0 §5.3.2.2: PKCE for every client of the profile, as for public ones.
    let pkce_required = client.is_public() || client.options.fapi2;
    let code_challenge =
        pkce::challenge(p.get("code_challenge"), p.get("code_challenge_method"), pkce_required).map_err(invalid)?;
    let prompt = prompt(p.get("prompt"))?;
    let max_age = max_age(p.get("max_age"))?;
    display_is_known(p.get("display"))?;
    let claims = p.get("claims").map(crate::domain::claims::parse).transpose().map_err(invalid)?;
    let hint_sub = p.get("id_token_hint").map(|hint| id_token_hint(keys, hint, &client.id, issuer)).transpose()?;
    values_fit(p)?;
    Ok(AuthRequest {
        client_id: client.id.clone(),
        redirect_uri: String::new(),
        response_mode: ResponseMode::Query,
        scope,
        state: None,
        nonce: p.get("nonce").map(str::to_owned),
        code_challenge,
        prompt,
        max_age,
        login_hint: p.get("login_hint").map(str::to_owned),
        hint_sub,
        ui_locales: p.get("ui_locales").map(str::to_owned),
        acr_values: p.get("acr_values").map(str::to_owned),
        claims,
        dpop_jkt: dpop_jkt(p.get("dpop_jkt"))?,
        fapi2: client.options.fapi2,
        audience: None,
        upstream: None,
    })
}

/// RFC 6749 §3.1: "parameters MUST NOT be included more than once".
fn no_repeats(p: &Params) -> Result<(), Invalid> {
    match p.repeated.first() {
        Some(name) => Err(invalid(format!("The {name} parameter is repeated."))),
        None => Ok(()),
    }
}

/// OIDC Core §7.2.1 `registration` is not supported (discovery says so). Request objects and
/// pushed requests were opened by `sources` before these rules run.
fn no_registration(p: &Params) -> Result<(), Invalid> {
    if p.get("registration").is_some() {
        return Err((ErrorCode::RegistrationNotSupported, "The registration parameter is not supported.".into()));
    }
    Ok(())
}

/// RFC 6749 §4.1.1: `response_type` is required; only the code flow is offered.
fn response_type_is_code(value: Option<&str>) -> Result<(), Invalid> {
    match value {
        None => Err(invalid("The response_type parameter is missing.")),
        Some("code") => Ok(()),
        Some(_) => Err((ErrorCode::UnsupportedResponseType, "Only response_type=code is supported.".into())),
    }
}

/// OAuth 2.0 Multiple Response Types §2.1 and Form Post Response Mode: `query` or `form_post`.
fn response_mode_is_known(value: Option<&str>) -> Result<(), Invalid> {
    match value {
        None | Some("query" | "form_post") => Ok(()),
        Some(_) => Err(invalid("response_mode must be query or form_post.")),
    }
}

/// Known scopes in a stable order; unknown ones are ignored (RFC 6749 §3.3). OIDC Core §3.1.2.1:
/// `openid` is required.
fn scopes(raw: Option<&str>) -> Result<Vec<String>, Invalid> {
    let requested: Vec<&str> = raw.unwrap_or("").split(' ').filter(|s| !s.is_empty()).collect();
    if !requested.contains(&"openid") {
        return Err((ErrorCode::InvalidScope, "The openid scope is required.".into()));
    }
    Ok(crate::model::SCOPES.iter().filter(|s| requested.contains(s)).map(|s| s.to_string()).collect())
}

/// OIDC Core §3.1.2.1 `prompt`: known values only, and `none` alone.
fn prompt(raw: Option<&str>) -> Result<Prompt, Invalid> {
    let mut prompt = Prompt::default();
    for value in raw.unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
        match value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => prompt.select_account = true,
            other => return Err(invalid(format!("Unsupported prompt value {other:?}."))),
        }
    }
    if prompt.none && (prompt.login || prompt.consent || prompt.select_account) {
        return Err(invalid("prompt=none cannot be combined with other values."));
    }
    Ok(prompt)
}

/// OIDC Core §3.1.2.1 `max_age`: a non-negative number of seconds.
fn max_age(raw: Option<&str>) -> Result<Option<u64>, Invalid> {
    raw.map(|v| v.parse::<u64>().map_err(|_| invalid("max_age must be a non-negative integer of seconds."))).transpose()
}

/// OIDC Core §3.1.2.1 `display`: one of the four defined values.
fn display_is_known(value: Option<&str>) -> Result<(), Invalid> {
    match value {
        None | Some("page" | "popup" | "touch" | "wap") => Ok(()),
        Some(_) => Err(invalid("display must be page, popup, touch or wap.")),
    }
}

/// RFC 9449 §10: `dpop_jkt` is a base64url SHA-256 JWK thumbprint.
fn dpop_jkt(value: Option<&str>) -> Result<Option<String>, Invalid> {
    match value {
        Some(jkt) if jkt.len() != 43 || !jkt.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => {
            Err(invalid("dpop_jkt must be a base64url SHA-256 JWK thumbprint."))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

#[derive(serde::Deserialize)]
struct HintClaims {
    iss: String,
    sub: String,
    aud: serde_json::Value,
}

/// OIDC Core §3.1.2.1 `id_token_hint`: an ID token this server issued to this client (its
/// expiry is tolerated); the answer is its subject.
fn id_token_hint(keys: &KeyRing, token: &str, client_id: &str, issuer: &str) -> Result<String, Invalid> {
    let refused = || invalid("The id_token_hint is not a valid ID token from this server.");
    let claims: HintClaims = jwt::verify(keys, token, "JWT").map_err(|_| refused())?;
    let audience_ok = match &claims.aud {
        serde_json::Value::String(a) => a == client_id,
        serde_json::Value::Array(list) => list.iter().any(|a| a == client_id),
        _ => false,
    };
    if claims.iss != issuer || !audience_ok {
        return Err(refused());
    }
    Ok(claims.sub)
}

/// Opaque values and hints stay within bounds, so one request cannot fill the interaction store.
fn values_fit(p: &Params) -> Result<(), Invalid> {
    let longest = |name| if matches!(name, "state" | "nonce" | "claims") { MAX_VALUE } else { MAX_HINT };
    for name in ["state", "nonce", "login_hint", "ui_locales", "claims_locales", "acr_values", "claims"] {
        if p.get(name).is_some_and(|v| v.len() > longest(name)) {
            return Err(invalid(format!("The {name} parameter is too long.")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<impl std::fmt::Debug, Invalid>) -> ErrorCode {
        result.expect_err("the rule refuses").0
    }

    #[test]
    fn a_repeated_parameter_is_refused_by_name() {
        let p = Params::parse(b"scope=openid&scope=email");
        assert_eq!(no_repeats(&p), Err(invalid("The scope parameter is repeated.")));
        assert_eq!(no_repeats(&Params::parse(b"scope=openid")), Ok(()));
    }

    #[test]
    fn the_registration_parameter_gets_its_own_error_code() {
        assert_eq!(code(no_registration(&Params::parse(b"registration=x"))), ErrorCode::RegistrationNotSupported);
        assert_eq!(no_registration(&Params::parse(b"scope=openid")), Ok(()));
    }

    #[test]
    fn only_the_code_response_type_is_offered_and_it_is_required() {
        assert_eq!(response_type_is_code(Some("code")), Ok(()));
        assert_eq!(code(response_type_is_code(Some("token"))), ErrorCode::UnsupportedResponseType);
        assert_eq!(code(response_type_is_code(None)), ErrorCode::InvalidRequest);
    }

    #[test]
    fn response_mode_is_query_or_form_post() {
        for ok in [None, Some("query"), Some("form_post")] {
            assert_eq!(response_mode_is_known(ok), Ok(()), "{ok:?}");
        }
        assert_eq!(code(response_mode_is_known(Some("fragment"))), ErrorCode::InvalidRequest);
    }

    #[test]
    fn openid_is_required_and_unknown_scopes_are_dropped_in_a_stable_order() {
        assert_eq!(code(scopes(Some("email profile"))), ErrorCode::InvalidScope);
        assert_eq!(code(scopes(None)), ErrorCode::InvalidScope);
        assert_eq!(scopes(Some("email  custom openid")).unwrap(), ["openid", "email"]);
    }

    #[test]
    fn prompt_none_stands_alone_and_unknown_values_are_refused() {
        assert!(prompt(Some("login consent")).is_ok_and(|p| p.login && p.consent && !p.none));
        assert_eq!(code(prompt(Some("none login"))), ErrorCode::InvalidRequest);
        assert_eq!(code(prompt(Some("bogus"))), ErrorCode::InvalidRequest);
        assert_eq!(prompt(None), Ok(Prompt::default()));
    }

    #[test]
    fn max_age_is_a_non_negative_integer() {
        assert_eq!(max_age(Some("0")), Ok(Some(0)));
        assert_eq!(max_age(None), Ok(None));
        for bad in ["-1", "1.5", "ten"] {
            assert_eq!(code(max_age(Some(bad))), ErrorCode::InvalidRequest, "{bad}");
        }
    }

    #[test]
    fn display_takes_the_four_defined_values() {
        for ok in ["page", "popup", "touch", "wap"] {
            assert_eq!(display_is_known(Some(ok)), Ok(()));
        }
        assert_eq!(code(display_is_known(Some("fullscreen"))), ErrorCode::InvalidRequest);
    }

    #[test]
    fn state_and_nonce_may_be_long_but_hints_may_not() {
        let long_state = format!("state={}", "s".repeat(MAX_VALUE));
        assert_eq!(values_fit(&Params::parse(long_state.as_bytes())), Ok(()));
        let too_long = format!("nonce={}", "n".repeat(MAX_VALUE + 1));
        assert_eq!(code(values_fit(&Params::parse(too_long.as_bytes()))), ErrorCode::InvalidRequest);
        let hint = format!("login_hint={}", "h".repeat(MAX_HINT + 1));
        assert_eq!(code(values_fit(&Params::parse(hint.as_bytes()))), ErrorCode::InvalidRequest);
    }

    #[test]
    fn an_id_token_hint_from_elsewhere_is_refused() {
        let keys = KeyRing::new(
            crate::model::SigningAlg::ALL
                .iter()
                .map(|alg| crate::domain::keys::SigningKey::generate(*alg).unwrap().0)
                .collect(),
        )
        .unwrap();
        let token = |iss: &str, aud: &str| {
            let claims = serde_json::json!({"iss": iss, "sub": "u1", "aud": aud, "exp": 0, "iat": 0});
            jwt::sign(keys.active(crate::model::SigningAlg::RS256), "JWT", &claims).unwrap()
        };
        let issuer = "https://login.example.com";
        assert_eq!(id_token_hint(&keys, &token(issuer, "app"), "app", issuer), Ok("u1".into()));
        assert!(id_token_hint(&keys, &token(issuer, "other"), "app", issuer).is_err(), "another client's token");
        assert!(id_token_hint(&keys, &token("https://evil.example", "app"), "app", issuer).is_err(), "another issuer");
        assert!(id_token_hint(&keys, "not.a.token", "app", issuer).is_err());
    }
}
