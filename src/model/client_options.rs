//! The protocol extensions a client opts into, named as their registration metadata
//! (RFC 9126 §6, RFC 9101 §10.5, OIDC Registration §2), kept together so new ones need no new column.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientOptions {
    /// RFC 9126 §6: authorization requests only by a `request_uri` from the PAR endpoint.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9101 §10.5: authorization requests only as request objects signed by the client.
    pub require_signed_request_object: bool,
    /// OIDC Core §8: the same `sub` for every client, or one per sector (§8.1).
    pub subject_type: SubjectType,
    /// OIDC Registration §5: the URL whose host names the sector of pairwise subjects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    /// OIDC Registration §2: userinfo answers as a JWT signed with this algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_signed_response_alg: Option<super::SigningAlg>,
    /// RFC 9449 §5.2: every access token of this client is DPoP-bound.
    pub dpop_bound_access_tokens: bool,
    /// FAPI 2.0 Security Profile: pushed requests with PKCE, DPoP-bound tokens, `private_key_jwt`
    /// without RS256, codes of at most 60 s, refresh tokens without rotation.
    pub fapi2: bool,
    /// RFC 7592 §3: SHA-256 (hex) of the registration access token of a client that registered
    /// itself; it reads, updates and deletes the registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<String>,
}

impl ClientOptions {
    pub fn requires_par(&self) -> bool {
        self.require_pushed_authorization_requests || self.fapi2
    }

    pub fn requires_dpop(&self) -> bool {
        self.dpop_bound_access_tokens || self.fapi2
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectType {
    #[default]
    Public,
    Pairwise,
}

impl SubjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::Public => "public",
            SubjectType::Pairwise => "pairwise",
        }
    }
}

impl std::str::FromStr for SubjectType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "public" => Ok(SubjectType::Public),
            "pairwise" => Ok(SubjectType::Pairwise),
            _ => Err(format!("{s:?} is not one of public, pairwise")),
        }
    }
}
