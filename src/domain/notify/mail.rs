//! Email delivery over SMTP (plain on loopback, STARTTLS or TLS) or into an outbox folder as `.eml`.

use std::path::PathBuf;
use std::time::Duration;

use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{EmailConfig, EmailTransport, SmtpSecurity};
use crate::model::Email;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail configuration: {0}")]
    Config(String),
    #[error("mail delivery failed: {0}")]
    Delivery(String),
}

enum Transport {
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// The sign-in code email, in a text and an HTML part.
#[derive(Template)]
#[template(path = "email/code.txt")]
pub struct OtpEmail<'a> {
    /// The language of the page that asked for it.
    pub t: crate::i18n::Tr<'a>,
    /// The one-time code, unless this client's emails carry only a link.
    pub code: Option<&'a str>,
    /// The magic link, unless this client's emails carry only a code.
    pub link: Option<&'a str>,
    /// The link confirms the address rather than signing in.
    pub verify: bool,
    pub app_name: &'a str,
    pub product_name: &'a str,
    /// How long the code or link works, in words ("10 minutes").
    pub expires: String,
}

#[derive(Template)]
#[template(path = "email/code.html")]
struct OtpEmailHtml<'a> {
    mail: &'a OtpEmail<'a>,
}

impl Mailer {
    pub fn new(config: &EmailConfig) -> Result<Self, MailError> {
        let from = config.from.parse().map_err(|e| MailError::Config(format!("email.from: {e}")))?;
        let transport = match config.transport {
            EmailTransport::Outbox => Transport::Outbox(config.outbox_dir.clone()),
            EmailTransport::Smtp => {
                let s = &config.smtp;
                let builder = match s.security {
                    SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
                    SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                        .map_err(|e| MailError::Config(e.to_string()))?,
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                        .map_err(|e| MailError::Config(e.to_string()))?,
                };
                let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(s.timeout_secs)));
                if let (Some(user), Some(pass)) = (&s.username, &s.password) {
                    builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Mailer { from, transport })
    }

    /// Where messages go, for the startup log.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Outbox(dir) => format!("outbox folder {}", dir.display()),
            Transport::Smtp(_) => "SMTP".into(),
        }
    }

    pub fn is_outbox(&self) -> bool {
        matches!(self.transport, Transport::Outbox(_))
    }

    pub async fn send_code(&self, to: &Email, mail: &OtpEmail<'_>) -> Result<(), MailError> {
        let text = mail.render().map_err(|e| MailError::Config(e.to_string()))?;
        let html = OtpEmailHtml { mail }.render().map_err(|e| MailError::Config(e.to_string()))?;
        let app = [("app", mail.app_name)];
        let subject = match mail.code {
            Some(code) => mail.t.f("email.subject_code", &[("code", code), ("app", mail.app_name)]),
            None if mail.verify => mail.t.f("email.subject_verify", &app),
            None => mail.t.f("email.subject_link", &app),
        };
        self.send(to, &subject, text, html).await
    }

    async fn send(&self, to: &Email, subject: &str, text: String, html: String) -> Result<(), MailError> {
        let to: Mailbox = to.as_str().parse().map_err(|e| MailError::Delivery(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| MailError::Delivery(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| MailError::Delivery(e.to_string())),
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| MailError::Delivery(e.to_string()))?;
                let name = format!("{}-{}.eml", crate::clock::Clock::System.now(), uuid::Uuid::new_v4());
                tokio::fs::write(dir.join(name), message.formatted())
                    .await
                    .map_err(|e| MailError::Delivery(e.to_string()))
            }
        }
    }
}
