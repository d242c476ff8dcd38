//! The SMTP client, built once from `[smtp]`: lettre's tokio transport with rustls (webpki
//! roots), pooled connections. A leaf the `Instance` holds; it knows nothing of jobs.

use ferrotube_config::{Smtp, SmtpTls};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address {0:?}: {1}")]
    Address(String, String),
    #[error("cannot build the mail: {0}")]
    Build(String),
    /// `permanent`: the server refused for good (5xx); otherwise worth another try.
    #[error("SMTP: {message}")]
    Smtp { message: String, permanent: bool },
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` when no SMTP server is configured: then no mail is ever queued.
    pub fn from_settings(s: &Smtp, default_from: &str) -> Result<Option<Mailer>, MailError> {
        let Some(host) = s.host.as_deref().filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let tls_error = |e: lettre::transport::smtp::Error| MailError::Smtp {
            message: e.to_string(),
            permanent: true,
        };
        let builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(tls_error)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(tls_error)?,
        };
        let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &s.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                s.password.clone().unwrap_or_default(),
            ));
        }
        let from_raw = s.from_address.as_deref().unwrap_or(default_from);
        let from: Mailbox = from_raw
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                MailError::Address(from_raw.to_string(), e.to_string())
            })?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one mail with a plain-text and an HTML alternative.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        text: String,
        html: String,
    ) -> Result<(), MailError> {
        let to_box: Mailbox = to.parse().map_err(|e: lettre::address::AddressError| {
            MailError::Address(to.to_string(), e.to_string())
        })?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Smtp {
                permanent: e.is_permanent(),
                message: e.to_string(),
            })
    }
}
