//! The stores, metrics, proxies, outbound requests and audit delivery: how Tessera runs.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `/metrics` on this address only; empty serves it on the main listener.
    pub listen: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// Networks (CIDR) of the reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trusted: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundConfig {
    /// Networks (CIDR) that URLs a client registration names (`jwks_uri`,
    /// `backchannel_logout_uri`, `verify_callback_url`) may not reach, checked after DNS
    /// resolution. The default refuses only what is never a client's server: "this network",
    /// link-local and the cloud metadata addresses.
    pub deny: Vec<String>,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        let deny = ["0.0.0.0/8", "169.254.0.0/16", "100.100.100.200/32", "::/128", "fe80::/10", "fd00:ec2::254/128"];
        OutboundConfig { deny: deny.map(str::to_owned).to_vec() }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Stored audit events older than this are deleted.
    pub retention_days: u64,
    /// First retry delay of a failed webhook delivery; each next one doubles.
    pub retry_base_ms: u64,
    /// Delivery attempts per event and webhook before it goes to the dead-letter log.
    pub max_attempts: u32,
    pub webhooks: Vec<WebhookConfig>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// Keys the `Tessera-Signature` HMAC; at least 32 characters.
    pub secret: String,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig { retention_days: 90, retry_base_ms: 1000, max_attempts: 6, webhooks: Vec::new() }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EphemeralConfig {
    /// `memory://` keeps expiring state inside this process; `redis://` or `rediss://` shares it.
    pub url: String,
    /// Redis Cluster seed nodes (`redis://host:port`); when set, `url` is not used.
    pub cluster_nodes: Vec<String>,
    /// Prepended to every Redis key, so several deployments can share one Redis.
    pub prefix: String,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig { url: "sqlite://data/tessera.db".into() }
    }
}

impl Default for EphemeralConfig {
    fn default() -> Self {
        EphemeralConfig { url: "memory://".into(), cluster_nodes: Vec::new(), prefix: "tessera:".into() }
    }
}
