//! Protocol parameters from a query string or a form body, with repeats detected (RFC 6749 §3.1:
//! "parameters MUST NOT be included more than once") and empty values treated as absent.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::http::{Method, header};

use crate::web::oauth_error::OAuthError;

/// Body size limit for form posts to protocol endpoints.
const MAX_FORM: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, String>,
    /// Names that appeared more than once; the request is invalid if any is set.
    pub repeated: Vec<String>,
}

impl Params {
    pub fn parse(input: &[u8]) -> Self {
        let mut params = Params::default();
        let mut seen = std::collections::HashSet::new();
        for (name, value) in form_urlencoded::parse(input) {
            // RFC 6749 §3.1: a repeat is a repeat even when one of the values is empty.
            if !seen.insert(name.clone()) && !params.is_repeated(&name) {
                params.repeated.push(name.to_string());
            }
            if !value.is_empty() {
                params.values.insert(name.into_owned(), value.into_owned());
            }
        }
        params
    }

    /// Parameters from name-value pairs known to be distinct (a stored or decoded request).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let values = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        Params { values, repeated: Vec::new() }
    }

    /// These parameters with `over` taking precedence (OIDC Core §6.1: a request object's
    /// values supersede those of the query).
    pub fn overridden_by(mut self, over: Params) -> Self {
        self.values.extend(over.values);
        self
    }

    /// Every parameter except those named in `skip`, as name-value pairs.
    pub fn pairs_except(&self, skip: &[&str]) -> Vec<(String, String)> {
        let kept = self.values.iter().filter(|(name, _)| !skip.contains(&name.as_str()));
        kept.map(|(n, v)| (n.clone(), v.clone())).collect()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn is_repeated(&self, name: &str) -> bool {
        self.repeated.iter().any(|r| r == name)
    }

    /// The first repeated parameter as an `invalid_request`.
    pub fn reject_repeats(&self) -> Result<(), OAuthError> {
        match self.repeated.first() {
            Some(name) => Err(OAuthError::invalid_request(format!("The {name} parameter is repeated."))),
            None => Ok(()),
        }
    }

    pub fn required(&self, name: &'static str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| OAuthError::invalid_request(format!("The {name} parameter is missing.")))
    }
}

/// GET reads the query string; POST reads an `application/x-www-form-urlencoded` body.
impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = OAuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.method() == Method::GET || req.method() == Method::HEAD {
            return Ok(Params::parse(req.uri().query().unwrap_or("").as_bytes()));
        }
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(OAuthError::invalid_request("The body must be application/x-www-form-urlencoded."));
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| OAuthError::invalid_request("The request body could not be read."))?;
        if body.len() > MAX_FORM {
            return Err(OAuthError::invalid_request("The request body is too large."));
        }
        Ok(Params::parse(&body))
    }
}

/// A JSON or form body read into `Params`, for the embedded APIs that accept both. Nested JSON
/// values (such as `authParams`) are kept as JSON text under their name.
pub struct AnyBody(pub Params);

impl<S: Send + Sync> FromRequest<S> for AnyBody {
    type Rejection = OAuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Ok(AnyBody(Params::from_request(req, state).await?));
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| OAuthError::invalid_request("The request body could not be read."))?;
        if body.len() > MAX_FORM {
            return Err(OAuthError::invalid_request("The request body is too large."));
        }
        let UniqueKeys(members) = serde_json::from_slice(&body).map_err(|e| {
            let why = if e.is_data() { e.to_string() } else { "The body is not a JSON object.".into() };
            OAuthError::invalid_request(why)
        })?;
        let mut params = Params::default();
        for (name, value) in members {
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) if s.is_empty() => continue,
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            params.values.insert(name, text);
        }
        Ok(AnyBody(params))
    }
}

/// A JSON object whose members are kept in order and whose names must be unique: RFC 8259 §4
/// leaves duplicates to the parser, and a last-one-wins reading would let two components of a
/// deployment see different values in the same body.
struct UniqueKeys(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
                let (mut members, mut seen) = (Vec::new(), std::collections::HashSet::new());
                while let Some((name, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if !seen.insert(name.clone()) {
                        return Err(serde::de::Error::custom(format!("The {name} member is repeated.")));
                    }
                    members.push((name, value));
                }
                Ok(UniqueKeys(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_reported() {
        let p = Params::parse(b"a=1&b=2&a=3");
        assert!(p.is_repeated("a"));
        assert!(p.reject_repeats().is_err());
    }

    #[test]
    fn a_repeat_with_an_empty_value_is_still_a_repeat() {
        for query in [&b"redirect_uri=&redirect_uri=https%3A%2F%2Fa.example%2Fcb"[..], b"state=s&state="] {
            assert!(Params::parse(query).reject_repeats().is_err(), "{}", String::from_utf8_lossy(query));
        }
    }

    #[test]
    fn a_name_that_does_not_decode_is_still_seen_repeated() {
        // Found by the `params` fuzz target: two undecodable names, both empty, are one name twice.
        assert!(Params::parse(b"\xff&\xe3").is_repeated("\u{fffd}"));
    }

    #[test]
    fn empty_values_count_as_absent() {
        let p = Params::parse(b"state=&nonce=n");
        assert_eq!(p.get("state"), None);
        assert_eq!(p.get("nonce"), Some("n"));
    }

    #[test]
    fn percent_encoding_is_decoded() {
        let p = Params::parse(b"redirect_uri=https%3A%2F%2Fa.example%2Fcb&scope=openid+email");
        assert_eq!(p.get("redirect_uri"), Some("https://a.example/cb"));
        assert_eq!(p.get("scope"), Some("openid email"));
    }
}
