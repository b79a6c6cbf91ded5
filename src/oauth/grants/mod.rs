//! The grant types `/token` accepts, one file each.

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod passwordless_otp;
pub mod refresh_token;
