//! What the SQLite and PostgreSQL directories share: row mapping, and the statements that read
//! the same in both dialects (`$N` placeholders, which both accept), written once as macros and
//! compiled for each pool. An aggregate whose statements all agree is implemented here whole
//! (`implement!`); one whose statements differ shares what it can (`statements!`) and each
//! backend implements the rest.
//!
//! The macros expect a directory type with a `pool` field; `users::statements!` also calls its
//! `forget_user(&UserId)`, which drops any cached copy of the user.

pub(super) mod api_keys;
pub(super) mod apis;
pub(super) mod audit_log;
pub(super) mod clients;
pub(super) mod consents;
pub(super) mod embedded_apps;
pub(super) mod identities;
pub(super) mod passkeys;
pub(super) mod refresh_tokens;
pub(super) mod registered;
pub(super) mod rows;
pub(super) mod sessions;
pub(super) mod users;
