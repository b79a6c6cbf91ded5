//! Request objects (RFC 9101, OIDC Core §6.1): authorization parameters as a JWT signed with one
//! of the client's registered keys, opened into name-value pairs.

use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::domain::{Core, client_jwt};
use crate::model::Client;

/// Clock skew tolerated on `exp` and `nbf`.
const SKEW: i64 = 30;
/// JWT claims that describe the object itself rather than the request.
const ENVELOPE: [&str; 5] = ["iss", "aud", "exp", "nbf", "iat"];

/// Why a request object was refused; the client receives it as `invalid_request_object`.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse(why: impl Into<String>) -> Refused {
    Refused(why.into())
}

/// The request parameters of `jwt`, once its signature, issuer, audience and times check out.
pub async fn open(core: &Core, client: &Client, jwt: &str) -> Result<Vec<(String, String)>, Refused> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|e| refuse(format!("malformed request object: {e}")))?;
    // RFC 9101 §10.8: the explicit type, or a plain JWT from clients that predate it.
    if header.typ.as_deref().is_some_and(|t| !matches!(t, "oauth-authz-req+jwt" | "JWT")) {
        return Err(refuse("the request object's typ must be oauth-authz-req+jwt"));
    }
    // Unsigned (`none`) objects do not parse as a header here; HMAC would need the secret,
    // which Tessera keeps only hashed.
    client_jwt::signed_as_allowed(client, header.alg).map_err(refuse)?;
    let jwk = client_jwt::find_key(core, client, header.kid.as_deref()).await.map_err(|e| refuse(e.0))?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| refuse(format!("unusable client key: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Map<String, Value>>(jwt, &key, &validation)
        .map_err(|e| refuse(format!("request object rejected: {e}")))?
        .claims;
    check_claims(&claims, &client.id, core.issuer(), core.clock.now())?;
    Ok(claims.into_iter().filter(|(name, _)| !ENVELOPE.contains(&name.as_str())).map(as_parameter).collect())
}

/// RFC 9101 §4 and §6.3, OIDC Core §6.1: who signed it, for whom, and when.
fn check_claims(claims: &Map<String, Value>, client_id: &str, issuer: &str, now: i64) -> Result<(), Refused> {
    if claims.get("iss").is_some_and(|iss| iss != client_id) {
        return Err(refuse("iss must be the client_id"));
    }
    if claims.get("client_id").is_some_and(|id| id != client_id) {
        return Err(refuse("the request object's client_id differs from the request's"));
    }
    let audience_ok = match claims.get("aud") {
        None => true,
        Some(Value::String(aud)) => aud == issuer,
        Some(Value::Array(list)) => list.iter().any(|a| a == issuer),
        Some(_) => false,
    };
    if !audience_ok {
        return Err(refuse("aud must be the issuer identifier"));
    }
    let time = |name| claims.get(name).map(|v| v.as_i64().ok_or_else(|| refuse(format!("{name} must be a number"))));
    if time("exp").transpose()?.is_some_and(|exp| exp <= now - SKEW) {
        return Err(refuse("the request object has expired"));
    }
    if time("nbf").transpose()?.is_some_and(|nbf| nbf > now + SKEW) {
        return Err(refuse("the request object is not valid yet"));
    }
    // OIDC Core §6.1: "MUST NOT include the request or request_uri parameters".
    if claims.contains_key("request") || claims.contains_key("request_uri") {
        return Err(refuse("a request object cannot contain request or request_uri"));
    }
    Ok(())
}

/// A claim as a request parameter: strings as they are, anything else (`max_age`, `claims`)
/// as its JSON text, which is how the parameter would have been sent.
fn as_parameter((name, value): (String, Value)) -> (String, String) {
    let text = match value {
        Value::String(s) => s,
        other => other.to_string(),
    };
    (name, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "https://login.example";

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_request_object_must_come_from_its_client_for_this_issuer() {
        let ok = claims(json!({"iss": "app", "aud": ISSUER, "client_id": "app", "exp": 1000}));
        assert_eq!(check_claims(&ok, "app", ISSUER, 900), Ok(()));
        let aud_list = claims(json!({"aud": ["https://other", ISSUER]}));
        assert_eq!(check_claims(&aud_list, "app", ISSUER, 900), Ok(()));
        for bad in [
            json!({"iss": "other"}),
            json!({"client_id": "other"}),
            json!({"aud": "https://other"}),
            json!({"aud": 7}),
            json!({"request_uri": "urn:x"}),
            json!({"request": "a.b.c"}),
        ] {
            assert!(check_claims(&claims(bad.clone()), "app", ISSUER, 900).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_expired_or_early_request_object_is_refused_beyond_the_skew() {
        assert!(check_claims(&claims(json!({"exp": 900 - SKEW})), "app", ISSUER, 900).is_err());
        assert!(check_claims(&claims(json!({"exp": 901 - SKEW})), "app", ISSUER, 900).is_ok());
        assert!(check_claims(&claims(json!({"nbf": 901 + SKEW})), "app", ISSUER, 900).is_err());
        assert!(check_claims(&claims(json!({"exp": "soon"})), "app", ISSUER, 900).is_err());
    }

    #[test]
    fn claims_become_parameters_as_they_would_be_sent() {
        assert_eq!(as_parameter(("max_age".into(), json!(60))), ("max_age".into(), "60".into()));
        assert_eq!(as_parameter(("scope".into(), json!("openid"))), ("scope".into(), "openid".into()));
        let claims = json!({"id_token": {"acr": {"essential": true}}});
        assert_eq!(as_parameter(("claims".into(), claims.clone())).1, claims.to_string());
    }
}
