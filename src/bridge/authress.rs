//! The Authress login code and URL, byte for byte as `@authress/sdk`'s `generateUserLoginUrl`
//! (ServiceClientTokenProvider, constructed without a custom domain) builds them, so a broker
//! cannot tell Tessera from its own SDK.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::clock::UnixTime;
use crate::config::AuthressKey;

/// The SDK's code lifetime and `max_age`, both 60 seconds.
pub const LIFETIME_SECS: i64 = 60;

/// The protected header, in the order the SDK sets it.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    kid: &'a str,
    typ: &'static str,
}

/// The claims, in the order the SDK writes them.
#[derive(Serialize)]
struct Claims<'a> {
    aud: String,
    iss: &'a str,
    sub: &'a str,
    client_id: &'a str,
    iat: UnixTime,
    exp: UnixTime,
    max_age: i64,
    scope: &'static str,
}

/// JavaScript's `encodeURIComponent`: every byte but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` escaped.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The issuer the SDK signs: the login URL's origin, `/v1/clients/`, the key's client id.
pub fn issuer(key: &AuthressKey, login: &url::Url) -> String {
    let origin = login.origin().ascii_serialization();
    format!("{}/v1/clients/{}", origin.trim_end_matches('/'), encode_uri_component(&key.client_id))
}

/// One JWT part: compact JSON (as `JSON.stringify` writes it), base64url without padding.
fn part(value: &impl Serialize) -> String {
    // Plain structs of strings and integers always serialize.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default())
}

/// The signed login code for `user_id` at `now`.
fn code(key: &AuthressKey, iss: &str, user_id: &str, now: UnixTime) -> String {
    let header = Header { alg: "EdDSA", kid: &key.key_id, typ: "oauth-authz-req+jwt" };
    let claims = Claims {
        aud: format!("{}.accounts.authress.io", key.account_id),
        iss,
        sub: user_id,
        client_id: &key.client_id,
        iat: now,
        exp: now + LIFETIME_SECS,
        max_age: LIFETIME_SECS,
        scope: "openid",
    };
    let signing_input = format!("{}.{}", part(&header), part(&claims));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

/// `login` (the hand-off's registered return URL, path and query kept) with `code`, `iss` and
/// `state` set as `URLSearchParams.set` does: the first parameter of that name takes the value
/// and later ones go, or it is appended; the query is then serialized anew.
pub fn login_url(key: &AuthressKey, mut login: url::Url, state: &str, user_id: &str, now: UnixTime) -> String {
    let iss = issuer(key, &login);
    let code = code(key, &iss, user_id, now);
    let mut pairs: Vec<(String, String)> = login.query_pairs().into_owned().collect();
    for (name, value) in [("code", code.as_str()), ("iss", iss.as_str()), ("state", state)] {
        match pairs.iter().position(|(n, _)| n == name) {
            Some(first) => {
                pairs[first].1 = value.to_string();
                let mut index = 0;
                pairs.retain(|(n, _)| {
                    index += 1;
                    index - 1 == first || n != name
                });
            }
            None => pairs.push((name.to_string(), value.to_string())),
        }
    }
    login.query_pairs_mut().clear().extend_pairs(pairs);
    login.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_uri_component_leaves_what_javascript_leaves() {
        assert_eq!(encode_uri_component("a-b_c.d!e~f*g'h(i)j"), "a-b_c.d!e~f*g'h(i)j");
        assert_eq!(encode_uri_component("a b/c:é"), "a%20b%2Fc%3A%C3%A9");
    }
}
