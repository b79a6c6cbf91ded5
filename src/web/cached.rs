//! A JSON body computed once, served with an ETag and a short public cache lifetime.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::crypto;

/// A JSON body computed at start, served with an ETag and a short public cache lifetime.
pub struct CachedJson {
    body: axum::body::Bytes,
    etag: HeaderValue,
}

impl CachedJson {
    pub fn new(body: Vec<u8>) -> Self {
        let etag = format!("\"{}\"", &crypto::sha256_hex(&body)[..32]);
        CachedJson {
            body: body.into(),
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        }
    }

    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let cache = [
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
            (header::ETAG, self.etag.clone()),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        ];
        let etag = self.etag.as_bytes();
        let matches = headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
            v.as_bytes().split(|b| *b == b',').any(|t| t.trim_ascii() == etag || t.trim_ascii() == b"*")
        });
        if matches {
            return (StatusCode::NOT_MODIFIED, cache).into_response();
        }
        let json = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))];
        (cache, json, self.body.clone()).into_response()
    }
}
