//! Sign in with Apple's differences from a plain OpenID provider: the client secret is an ES256
//! JWT that Tessera signs with the team's key (minted for each token request, so it never
//! needs renewing by hand), the answer comes as a form post (`response_mode=form_post`), and
//! the person's name comes once, beside the code in `user`, on the first sign-in only.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::Failure;
use crate::clock::UnixTime;
use crate::config::UpstreamConfig;

/// The `aud` Apple requires of a client secret.
const AUDIENCE: &str = "https://appleid.apple.com";
/// Apple accepts up to six months; each secret here serves one token request.
const SECRET_SECS: i64 = 300;

/// The client secret: `{alg: ES256, kid}` `{iss: team, sub: client_id, aud, iat, exp}`.
pub fn client_secret(upstream: &UpstreamConfig, now: UnixTime) -> Result<String, Failure> {
    let (Some(team), Some(kid)) = (&upstream.team_id, &upstream.key_id) else {
        return Err(Failure::Unreachable);
    };
    let key = upstream.apple_key().map_err(|why| {
        tracing::error!(upstream = %upstream.id, %why, "the Apple key cannot be used");
        Failure::Unreachable
    })?;
    let header = json!({"alg": "ES256", "kid": kid});
    let claims = json!({"iss": team, "sub": upstream.client_id, "aud": AUDIENCE, "iat": now, "exp": now + SECRET_SECS});
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature =
        key.sign(&aws_lc_rs::rand::SystemRandom::new(), input.as_bytes()).map_err(|_| Failure::Unreachable)?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref())))
}

/// The name in Apple's `user` field (`{"name": {"firstName", "lastName"}, "email"}`), sent
/// with the first sign-in only.
pub fn name(user: &str) -> Option<String> {
    let user: serde_json::Value = serde_json::from_str(user).ok()?;
    let part = |key: &str| user["name"][key].as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let full: Vec<String> = [part("firstName"), part("lastName")].into_iter().flatten().collect();
    (!full.is_empty()).then(|| full.join(" ").chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn the_name_is_read_from_apples_user_field_when_it_is_there() {
        let user = r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"a@privaterelay.appleid.com"}"#;
        assert_eq!(name(user).as_deref(), Some("Ada Lovelace"));
        assert_eq!(name(r#"{"email":"a@x.example"}"#), None);
        assert_eq!(name("not json"), None);
    }
}
