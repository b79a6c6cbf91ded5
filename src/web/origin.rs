//! Same-origin checks for form posts, and reading credentials from `Authorization`.

use axum::http::StatusCode;

use super::PageError;

/// A form post from another site. Links consumed by a POST refuse these, so no other site can
/// sign a browser into an account of its choosing (login CSRF).
///
/// `Sec-Fetch-Site` decides when the browser sent it: every current browser does, and no page
/// can set or forge it (a forbidden header name, Fetch Metadata §2). Only `same-origin` and
/// `none` (typed or opened from outside a page, such as a bookmark) pass. `Origin` is not read
/// then: Tessera's pages send `Referrer-Policy: no-referrer`, under which browsers send
/// `Origin: null` on their own same-origin form posts (Fetch §3.1, "serializing a request
/// origin"), so `null` says nothing about who posted. Without fetch metadata (older browsers),
/// `Origin` must be absent or name Tessera's origin exactly; `null` is refused there, since
/// nothing else tells a sandboxed foreign frame from this site.
pub fn cross_site(config: &crate::config::Config, headers: &axum::http::HeaderMap) -> bool {
    let ours = url::Url::parse(config.base_url()).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    posted_from_elsewhere(&ours, headers)
}

fn posted_from_elsewhere(ours: &str, headers: &axum::http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else { return false };
    origin.to_str().map_or(true, |o| o != ours)
}

/// The credentials of an `Authorization` value if it uses `scheme`; the scheme name is
/// case-insensitive (RFC 9110 §11.1, RFC 6750 §2.1).
pub fn credentials<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    Some(rest.trim()).filter(|rest| given.eq_ignore_ascii_case(scheme) && !rest.is_empty())
}

/// The page for a refused cross-site post.
pub fn cross_site_refused() -> PageError {
    PageError::new(StatusCode::FORBIDDEN, "error.cross_site_title", "error.cross_site_message")
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use super::posted_from_elsewhere;

    const OURS: &str = "https://login.example.com";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn a_same_origin_post_under_no_referrer_passes_although_origin_is_null() {
        let h = headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]);
        assert!(!posted_from_elsewhere(OURS, &h));
        assert!(!posted_from_elsewhere(OURS, &headers(&[("sec-fetch-site", "none")])));
    }

    #[test]
    fn fetch_metadata_naming_another_site_is_refused_whatever_origin_says() {
        for site in ["cross-site", "same-site", "bogus"] {
            let h = headers(&[("sec-fetch-site", site), ("origin", OURS)]);
            assert!(posted_from_elsewhere(OURS, &h), "{site}");
        }
    }

    #[test]
    fn without_fetch_metadata_origin_must_be_ours_or_absent() {
        assert!(!posted_from_elsewhere(OURS, &headers(&[])));
        assert!(!posted_from_elsewhere(OURS, &headers(&[("origin", OURS)])));
        assert!(posted_from_elsewhere(OURS, &headers(&[("origin", "null")])));
        assert!(posted_from_elsewhere(OURS, &headers(&[("origin", "https://evil.example")])));
    }
}
