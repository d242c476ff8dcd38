//! The instance's mail: rendered here (plain text and HTML, from the small hand-written layout
//! below: three kinds of message do not need a template engine), queued as a durable `email`
//! job in the caller's transaction, and sent by that job through [`transport::Mailer`]. A mail
//! server that is down makes the job retry with backoff; a crash leaves the job queued, so no
//! mail is lost. With no `[smtp]` nothing is queued.

pub mod transport;

use crate::Instance;
use ferrotube_db::Tx;
use ferrotube_jobs::{JobContext, JobError, QueueError};
use serde::{Deserialize, Serialize};

/// The job kind that sends one mail.
pub const SEND_EMAIL: &str = "email";
/// A mail server down for hours still gets the mail: 5 s, 10 s … then every 10 minutes.
const EMAIL_ATTEMPTS: i64 = 20;
const EMAIL_PRIORITY: i64 = 15;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A mail's content: a title, paragraphs, and at most one link to follow.
pub struct Content<'a> {
    pub title: &'a str,
    pub paragraphs: &'a [&'a str],
    pub action: Option<(&'a str, &'a str)>,
}

/// Whether the instance can send mail at all (`/api/v1/config`'s `email.enabled`).
pub fn enabled(state: &Instance) -> bool {
    state.mailer.is_some()
}

/// Renders `c` for `to` as plain text and HTML, signed with the instance's name and URL.
pub fn render(state: &Instance, to: &str, c: &Content<'_>) -> Email {
    let live = state.live();
    let name = &live.settings.instance.name;
    let subject = format!("[{name}] {}", c.title);
    let mut text = format!("{}\n\n", c.title);
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;max-width:40em\">\
         <h1 style=\"font-size:1.3em\">{}</h1>",
        escape(c.title)
    );
    for p in c.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, url)) = c.action {
        text.push_str(&format!("{label}:\n{url}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\" style=\"font-weight:bold\">{}</a></p>",
            escape(url),
            escape(label)
        ));
    }
    text.push_str(&format!("-- \n{name}\n{}\n", state.url));
    html.push_str(&format!(
        "<hr><p style=\"color:#666\"><a href=\"{}\">{}</a></p></body></html>",
        escape(&state.url),
        escape(name)
    ));
    Email {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// HTML text and attribute escaping.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Queues the mail in the caller's transaction (nothing when no SMTP server is configured);
/// wake the queue after the commit.
pub async fn queue_in(state: &Instance, tx: &mut Tx, email: &Email) -> Result<(), QueueError> {
    if state.mailer.is_none() {
        return Ok(());
    }
    state
        .queue
        .enqueue_in_with_attempts(tx, SEND_EMAIL, email, EMAIL_PRIORITY, EMAIL_ATTEMPTS)
        .await?;
    Ok(())
}

/// The `email` job: one mail, one SMTP transaction.
pub async fn run_send_email(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let email: Email = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad email job: {e}")))?;
    let Some(mailer) = state.mailer.as_ref() else {
        return Err(JobError::Permanent("no SMTP server is configured".into()));
    };
    match mailer
        .send(&email.to, &email.subject, email.text, email.html)
        .await
    {
        Ok(()) => {
            tracing::info!(subject = %email.subject, "mail sent");
            Ok(())
        }
        Err(transport::MailError::Smtp {
            message,
            permanent: false,
        }) => Err(JobError::Retry(message)),
        Err(e) => Err(JobError::Permanent(e.to_string())),
    }
}
