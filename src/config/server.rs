//! `[server]`: how long a connection may take over each part of a request, and how many
//! connections are served at once. The defaults suit Tessera alone on the internet and behind
//! a reverse proxy alike.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// A request's headers must arrive within this long of its first byte (or, on a kept-alive
    /// connection, of the previous response).
    pub header_read_timeout_secs: u64,
    /// A request's body must arrive whole within this long of its headers.
    pub body_read_timeout_secs: u64,
    /// A connection with nothing sent either way for this long is closed.
    pub idle_timeout_secs: u64,
    /// A request not answered within this long gets `408` (its handler is stopped).
    pub request_timeout_secs: u64,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 20,
            idle_timeout_secs: 60,
            request_timeout_secs: 60,
            max_connections: 4096,
        }
    }
}

impl ServerConfig {
    /// Each value's name and whether it is in range.
    pub(super) fn check(&self) -> Result<(), (&'static str, String)> {
        let secs = [
            ("server.header_read_timeout_secs", self.header_read_timeout_secs),
            ("server.body_read_timeout_secs", self.body_read_timeout_secs),
            ("server.idle_timeout_secs", self.idle_timeout_secs),
            ("server.request_timeout_secs", self.request_timeout_secs),
        ];
        for (name, value) in secs {
            if !(1..=3_600).contains(&value) {
                return Err((name, "must be between 1 and 3600 seconds".into()));
            }
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            return Err(("server.max_connections", "must be between 1 and 1000000".into()));
        }
        Ok(())
    }
}
