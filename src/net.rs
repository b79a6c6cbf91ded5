//! Networks: CIDR ranges, and the client's address as seen through trusted reverse proxies
//! (with the browser it names itself, for naming sessions).

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderValue, header};

/// An IPv4 or IPv6 network such as `10.0.0.0/8`; a bare address is a one-address network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr.trim().parse().map_err(|_| format!("{s:?} is not an IP network"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: bad prefix"))?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), self.prefix, 32) == masked(u32::from(a).into(), self.prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), self.prefix, 128) == masked(u128::from(a), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, prefix: u8, width: u32) -> u128 {
    if prefix == 0 { 0 } else { bits >> (width - u32::from(prefix)) }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, seen on dual-stack sockets) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Who sent the request and over which scheme, after believing trusted proxies only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddr {
    pub ip: IpAddr,
    /// `X-Forwarded-Proto` from a trusted proxy said `https`.
    pub forwarded_https: bool,
    /// The `User-Agent` header (a shared handle, not a copy): what a new session is named after.
    pub user_agent: Option<HeaderValue>,
}

impl ClientAddr {
    /// The `User-Agent`, or empty when absent or not text.
    pub fn user_agent(&self) -> &str {
        self.user_agent.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// The client address: the socket peer, unless the peer is a trusted proxy, in which case
/// `X-Forwarded-For` is read from the right, skipping trusted hops, and the first untrusted
/// address is the client (anything further left was written by the client and is not believed).
pub fn client_addr(peer: SocketAddr, headers: &HeaderMap, trusted: &[Cidr]) -> ClientAddr {
    let peer_ip = canonical(peer.ip());
    let user_agent = headers.get(header::USER_AGENT).cloned();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer_ip) {
        return ClientAddr { ip: peer_ip, forwarded_https: false, user_agent };
    }
    let mut ip = peer_ip;
    let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
    let hops: Vec<&str> = hops.iter().flat_map(|v| v.split(',')).map(str::trim).collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(hop) => {
                ip = canonical(hop);
                if !is_trusted(ip) {
                    break;
                }
            }
            // A hop that is not an address ends what can be believed.
            Err(_) => break,
        }
    }
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")));
    ClientAddr { ip, forwarded_https, user_agent }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn trusted() -> Vec<Cidr> {
        vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()]
    }

    #[test]
    fn cidr_membership_respects_the_prefix() {
        let net: Cidr = "192.168.4.0/22".parse().unwrap();
        assert!(net.contains("192.168.7.255".parse().unwrap()));
        assert!(!net.contains("192.168.8.0".parse().unwrap()));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!("::ffff:10.1.2.3".parse::<IpAddr>().map(|ip| trusted()[0].contains(ip)).unwrap());
        assert!("10.0.0.1/33".parse::<Cidr>().is_err());
        assert!("ten/8".parse::<Cidr>().is_err());
    }

    #[test]
    fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
        let peer = "203.0.113.9:4000".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-proto", "https")]);
        let addr = client_addr(peer, &h, &trusted());
        assert_eq!(addr, ClientAddr { ip: "203.0.113.9".parse().unwrap(), forwarded_https: false, user_agent: None });
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let peer = "10.0.0.2:4000".parse().unwrap();
        // The client wrote a fake first entry; the proxy chain appended the real one.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7"), ("x-forwarded-for", "10.0.0.9")]);
        let addr = client_addr(peer, &h, &trusted());
        assert_eq!(addr.ip, "198.51.100.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_trusted_peer_without_forwarding_headers_is_the_client() {
        let peer = "10.0.0.2:4000".parse().unwrap();
        let addr = client_addr(peer, &headers(&[("x-forwarded-proto", "https")]), &trusted());
        assert_eq!(addr, ClientAddr { ip: "10.0.0.2".parse().unwrap(), forwarded_https: true, user_agent: None });
    }
}
