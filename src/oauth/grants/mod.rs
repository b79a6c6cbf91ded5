//! The grant types `/token` accepts, one file each.

pub mod authorization_code;
pub mod refresh_token;
