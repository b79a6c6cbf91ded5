//! RFC 9207: the provider names itself in its authorization responses, so an answer that another
//! provider sent to this callback (a mix-up attack, RFC 9700 §4.4) is told apart and refused.

use super::{Failure, client};
use crate::config::UpstreamConfig;
use crate::domain::Core;

/// Whether the answer's `iss` is acceptable: when the provider's discovery says it sends one
/// (`authorization_response_iss_parameter_supported`, RFC 9207 §3), it must be there and be
/// the provider's issuer (§2.4); otherwise no `iss` is expected. GitHub has no discovery.
pub async fn issuer_matches(core: &Core, upstream: &UpstreamConfig, iss: Option<&str>) -> Result<bool, Failure> {
    if upstream.kind == "github" {
        return Ok(true);
    }
    let metadata = client::metadata(core, upstream).await?;
    let promised = metadata.additional_metadata().authorization_response_iss_parameter_supported == Some(true);
    Ok(expected(promised, metadata.issuer().as_str(), iss))
}

/// RFC 9207 §2.4: "clients MUST compare" the `iss` with the issuer, by simple string comparison.
fn expected(promised: bool, issuer: &str, iss: Option<&str>) -> bool {
    !promised || iss == Some(issuer)
}

#[cfg(test)]
mod tests {
    use super::expected;

    #[test]
    fn a_provider_that_promises_iss_must_send_its_own() {
        assert!(expected(true, "https://idp.example", Some("https://idp.example")));
        assert!(!expected(true, "https://idp.example", Some("https://evil.example")), "another provider's answer");
        assert!(!expected(true, "https://idp.example", None), "missing where promised");
        assert!(!expected(true, "https://idp.example", Some("https://idp.example/")), "compared as strings");
        assert!(expected(false, "https://idp.example", None), "not promised, not required");
    }
}
