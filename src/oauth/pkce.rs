//! PKCE (RFC 7636): S256 only, required for public clients, checked in constant time.

use crate::crypto;

/// RFC 7636 §4.1-4.2: 43-128 characters of `[A-Za-z0-9-._~]`.
fn is_valid_verifier_or_challenge(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Checks the challenge of an authorization request. `Ok(None)` means no PKCE (confidential only).
pub fn challenge(challenge: Option<&str>, method: Option<&str>, public_client: bool) -> Result<Option<String>, String> {
    match (challenge, method) {
        (None, None) if public_client => {
            Err("PKCE is required: send code_challenge with code_challenge_method=S256.".into())
        }
        (None, None) => Ok(None),
        (None, Some(_)) => Err("code_challenge_method was sent without code_challenge.".into()),
        // RFC 7636 §4.3: an absent method means `plain`, which is refused like an explicit one.
        (Some(_), None | Some("plain")) => Err("Only code_challenge_method=S256 is supported.".into()),
        (Some(c), Some("S256")) if c.len() == 43 && is_valid_verifier_or_challenge(c) => Ok(Some(c.to_string())),
        (Some(_), Some("S256")) => Err("code_challenge must be a base64url SHA-256 (43 characters).".into()),
        (Some(_), Some(_)) => Err("Only code_challenge_method=S256 is supported.".into()),
    }
}

/// RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) == code_challenge.
pub fn verify(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier_or_challenge(verifier)
        && crypto::constant_time_eq(
            crypto::b64url(&crypto::sha256(verifier.as_bytes())).as_bytes(),
            challenge.as_bytes(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b_example_verifies() {
        assert!(verify(VERIFIER, CHALLENGE));
        assert!(!verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX", CHALLENGE));
    }

    #[test]
    fn plain_and_missing_methods_are_refused() {
        assert!(challenge(Some(CHALLENGE), Some("plain"), false).is_err());
        assert!(challenge(Some(CHALLENGE), None, false).is_err());
    }

    #[test]
    fn public_clients_must_send_a_challenge() {
        assert!(challenge(None, None, true).is_err());
        assert_eq!(challenge(None, None, false), Ok(None));
    }

    #[test]
    fn short_verifiers_never_verify() {
        assert!(!verify("short", CHALLENGE));
    }
}
