//! Outgoing messages: the `Mailer` (SMTP through lettre, or an outbox folder in dev) with the
//! sign-in email it sends, and the `SmsSender` for sign-in texts.

mod mail;
pub mod sms;

pub use mail::{MailError, Mailer, OtpEmail};
pub use sms::{SmsError, SmsSender};
