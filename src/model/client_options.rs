//! The protocol extensions a client opts into, named as their registration metadata
//! (RFC 9126 §6, RFC 9101 §10.5), kept together so new ones need no new column.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientOptions {
    /// RFC 9126 §6: authorization requests only by a `request_uri` from the PAR endpoint.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9101 §10.5: authorization requests only as request objects signed by the client.
    pub require_signed_request_object: bool,
}
