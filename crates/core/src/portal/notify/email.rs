//! E-mail over SMTP with `lettre`: STARTTLS or TLS with rustls (the platform's roots), or plain to a
//! relay on this machine. A failure is recorded as the SMTP reply code only: servers' texts often quote
//! the recipient's address.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::{SmtpSettings, SmtpTls};
use super::outbox::SendError;
use super::templates::Rendered;

/// How long one SMTP conversation may take.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A configured SMTP transport.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> Result<Mailer, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = match settings.tls {
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|e| format!("SMTP STARTTLS setup: {e}"))?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|e| format!("SMTP TLS setup: {e}"))?,
            SmtpTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(TIMEOUT));
        if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = settings
            .from
            .parse()
            .map_err(|_| "[notify.smtp] from is not an address".to_owned())?;
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends `rendered` to `to` as a plain-text UTF-8 message, the language tagged.
    pub async fn send(
        &self,
        to: &str,
        rendered: &Rendered,
        lang: tepat_domain::Lang,
        reference: &str,
    ) -> Result<(), SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::Permanent("the stored e-mail address is not valid".into()))?;
        let footer = match lang {
            tepat_domain::Lang::Id => {
                "Pesan ini dikirim otomatis oleh TEPAT. Untuk berhenti menerima e-mail, hapus alamat \
                 ini di halaman Pemberitahuan setelah cek status."
            }
            tepat_domain::Lang::En => {
                "This message was sent automatically by TEPAT. To stop these e-mails, remove this \
                 address on the Notifications page after a status check."
            }
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.title.clone())
            .header(ContentType::TEXT_PLAIN)
            .header(ContentLanguage(lang.tag().to_owned()))
            .header(Reference(reference.to_owned()))
            .body(format!("{}\n\n-- \n{footer}\n", rendered.body))
            .map_err(|e| SendError::Permanent(format!("building the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(smtp_error(&e)),
        }
    }
}

/// A failure in words without the server's text.
fn smtp_error(e: &lettre::transport::smtp::Error) -> SendError {
    let code = e
        .status()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "no reply".into());
    if e.is_permanent() {
        SendError::Permanent(format!("SMTP permanent error {code}"))
    } else if e.is_transient() {
        SendError::Retry(format!("SMTP transient error {code}"))
    } else if e.is_timeout() {
        SendError::Retry("SMTP timeout".into())
    } else {
        SendError::Retry(format!("SMTP connection failed ({code})"))
    }
}

/// `Content-Language`.
#[derive(Clone)]
struct ContentLanguage(String);

impl lettre::message::header::Header for ContentLanguage {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `X-Tepat-Reference`: the delivery's reference, so a bounce can be matched without an address.
#[derive(Clone)]
struct Reference(String);

impl lettre::message::header::Header for Reference {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("X-Tepat-Reference")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Reference(s.to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}
