//! Where a ceremony runs: only on the application's own origins. The browser's `Origin` header
//! and the origin the client says it runs on must both be one of them, exactly; the origin in
//! the signed client data is checked again by webauthn-rs (WebAuthn §7.1 step 9, §7.2 step 13).

use super::{Caller, Embedded, EmbeddedError, apps};
use crate::model::EmbeddedApp;

/// What the client says about where it runs (`RPID`, `Origin` in its bodies).
#[derive(Clone, Copy, Default)]
pub struct Claimed<'a> {
    pub rp_id: Option<&'a str>,
    pub origin: Option<&'a str>,
}

/// The origin the ceremony runs on, when it is the application's.
pub fn check(app: &EmbeddedApp, caller: Caller<'_>, claimed: Claimed<'_>) -> Embedded<String> {
    let refused = |origin: &str| {
        EmbeddedError::status(
            403,
            "origin_not_allowed",
            format!("The origin '{origin}' is not one of the application's origins."),
        )
    };
    if let Some(header) = caller.origin
        && !apps::allows_origin(app, header)
    {
        return Err(refused(header));
    }
    let origin = claimed
        .origin
        .filter(|o| !o.is_empty())
        .or(caller.origin)
        .ok_or_else(|| EmbeddedError::argument("Origin is required."))?;
    if !apps::allows_origin(app, origin) {
        return Err(refused(origin));
    }
    if let Some(rp_id) = claimed.rp_id
        && rp_id != app.rp_id
    {
        return Err(EmbeddedError::argument(format!("The RPID '{rp_id}' is not the application's ({}).", app.rp_id)));
    }
    Ok(origin.to_string())
}
