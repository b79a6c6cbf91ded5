//! The URL rules every configured address must meet: server URLs, and redirect URIs (RFC 6749
//! §3.1.2, OAuth 2.0 for Native Apps §7).

use url::Url;

/// A URL Tessera itself calls: https, or http on loopback; no fragment.
pub fn check_server_url(uri: &str) -> Result<(), String> {
    let url = absolute_without_fragment(uri)?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => Err("must use https (http only for localhost and loopback addresses)".into()),
    }
}

fn absolute_without_fragment(uri: &str) -> Result<Url, String> {
    // The URL parser drops tabs and newlines and trims spaces and controls (WHATWG URL), so the
    // string stored would not be the URL checked; RFC 3986 §2 allows none of them in a URI.
    if uri.chars().any(|c| c.is_control() || c == ' ') {
        return Err("must not contain spaces or control characters (CR, LF, TAB)".into());
    }
    let url = Url::parse(uri).map_err(|e| format!("not an absolute URL ({e})"))?;
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    Ok(url)
}

/// RFC 6749 §3.1.2: absolute, no fragment. Plain http only for loopback (RFC 8252 §7.3).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let url = absolute_without_fragment(uri)?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err("http is allowed only for localhost and loopback addresses".into()),
        // Private-use schemes for native apps (RFC 8252 §7.1) must look like reverse domain names.
        s if s.contains('.') => Ok(()),
        _ => Err("scheme must be https, loopback http, or a reverse-domain private scheme".into()),
    }
}

pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
