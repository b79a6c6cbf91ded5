//! Outgoing messages: the `Mailer` (SMTP through lettre, or an outbox folder in dev) and the
//! one-time-code email it sends.

mod mail;

pub use mail::{MailError, Mailer, OtpEmail};
