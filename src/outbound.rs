//! The HTTP client for URLs a client registration names (`jwks_uri`, `backchannel_logout_uri`,
//! `verify_callback_url`) and for upstream identity providers: a management key can set them, so the networks in `outbound.deny`
//! are refused after DNS resolution, where a name can no longer hide what it points at.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::net::Cidr;

/// Networks no registered URL may reach.
#[derive(Clone, Debug, Default)]
pub struct DenyList(Vec<Cidr>);

impl DenyList {
    /// `validate` has checked every entry.
    pub fn new(networks: &[String]) -> Self {
        DenyList(networks.iter().filter_map(|n| n.parse().ok()).collect())
    }

    fn denies(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// Refuses a URL whose host is a literal address in a denied network: literals never reach
    /// the resolver.
    fn check_url(&self, url: &str) -> Result<(), String> {
        let host = url::Url::parse(url).ok().and_then(|u| u.host().map(|h| h.to_owned()));
        let ip = match host {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        if self.denies(ip) { Err(format!("{ip} is in a network outbound.deny refuses")) } else { Ok(()) }
    }
}

/// Resolves with the system resolver and drops denied addresses; a name with none left fails.
struct Resolver(Arc<DenyList>);

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let deny = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found.into_iter().filter(|a| !deny.denies(a.ip())).collect();
            if allowed.is_empty() {
                let why = format!("{host} resolves only to networks outbound.deny refuses");
                return Err(why.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The client: the deny list at resolution and for literal hosts, no redirects (a redirect
/// could name any address), a 10 s timeout.
#[derive(Clone)]
pub struct Outbound {
    http: reqwest::Client,
    deny: Arc<DenyList>,
}

impl Outbound {
    pub fn new(deny: DenyList) -> Self {
        let deny = Arc::new(deny);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Resolver(deny.clone())))
            .build()
            .unwrap_or_default();
        Outbound { http, deny }
    }

    pub fn get(&self, url: &str) -> Result<reqwest::RequestBuilder, String> {
        self.deny.check_url(url).map(|()| self.http.get(url))
    }

    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, String> {
        self.deny.check_url(url).map(|()| self.http.post(url))
    }

    pub fn request(&self, method: reqwest::Method, url: &str) -> Result<reqwest::RequestBuilder, String> {
        self.deny.check_url(url).map(|()| self.http.request(method, url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_literals_are_refused_and_names_are_left_to_the_resolver() {
        let deny = DenyList::new(&["169.254.0.0/16".into(), "fd00:ec2::254/128".into()]);
        assert!(deny.check_url("http://169.254.169.254/latest/meta-data").is_err());
        assert!(deny.check_url("http://[::ffff:169.254.169.254]/").is_err(), "IPv4-mapped");
        assert!(deny.check_url("http://[fd00:ec2::254]/").is_err());
        assert!(deny.check_url("https://192.0.2.1/jwks").is_ok());
        assert!(deny.check_url("https://keys.example/jwks").is_ok());
    }
}
