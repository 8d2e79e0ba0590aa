//! `[notify]` in the config file: which channels deliver, and how (`docs/configuration.md`,
//! `docs/notifications.md`). Without the section only the in-app inbox works: notices are still fanned
//! out to nothing, and nothing is sent.
//!
//! Secrets (the SMTP password, the gateway's token and the key of its delivery reports) are read from
//! files named here, never written in the config file itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Attempts per delivery before it is given up.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
/// How often `serve` and `demo` run the outbox.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(10);
pub const DEFAULT_VAPID_KEY_FILE: &str = "tepat-vapid.key";

/// The resolved settings.
#[derive(Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    pub smtp: Option<SmtpSettings>,
    pub gateway: Option<GatewaySettings>,
    pub push: Option<PushSettings>,
    pub max_attempts: u32,
    pub every: Duration,
}

impl Default for NotifyConfig {
    fn default() -> NotifyConfig {
        NotifyConfig {
            smtp: None,
            gateway: None,
            push: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            every: DEFAULT_EVERY,
        }
    }
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field(
                "smtp",
                &self.smtp.as_ref().map(|s| (&s.host, s.port, s.tls)),
            )
            .field(
                "gateway",
                &self.gateway.as_ref().map(|g| (&g.url, g.whatsapp)),
            )
            .field("push", &self.push)
            .field("max_attempts", &self.max_attempts)
            .field("every", &self.every)
            .finish()
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server does not offer it.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a server on this machine (a relay on loopback).
    None,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The `From:` header, e.g. `TEPAT Dinas Sosial <noreply@dinsos.example.id>`.
    pub from: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct GatewaySettings {
    /// Where messages are POSTed (`docs/notifications.md`, "The gateway protocol").
    pub url: String,
    /// Sent as `Authorization: Bearer …`.
    pub token: String,
    /// The sender id shown on phones (`DINSOS`).
    pub sender: String,
    /// Whether households may choose WhatsApp (the gateway must support it).
    pub whatsapp: bool,
    /// The HMAC key the gateway signs its delivery reports with; without it reports are refused.
    pub report_secret: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSettings {
    /// The VAPID key (P-256), created on first use.
    pub vapid_key_file: PathBuf,
    /// Who push services contact about our messages: `mailto:…` or `https://…`.
    pub subject: String,
}

/// A bad `[notify]` setting; names the key, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct NotifyConfigError {
    pub key: &'static str,
    pub message: String,
}

fn bad(key: &'static str, message: impl Into<String>) -> NotifyConfigError {
    NotifyConfigError {
        key,
        message: message.into(),
    }
}

/// `[notify]` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyFile {
    max_attempts: Option<u32>,
    every_seconds: Option<u64>,
    smtp: Option<SmtpFile>,
    gateway: Option<GatewayFile>,
    push: Option<PushFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpFile {
    host: String,
    port: Option<u16>,
    tls: Option<SmtpTls>,
    user: Option<String>,
    password_file: Option<PathBuf>,
    from: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatewayFile {
    url: String,
    token_file: PathBuf,
    sender: String,
    #[serde(default)]
    whatsapp: bool,
    report_secret_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PushFile {
    vapid_key_file: Option<PathBuf>,
    subject: Option<String>,
}

impl NotifyConfig {
    /// Checks the section and reads the secret files. Relative paths are relative to `dir` (the config
    /// file's directory); the VAPID key defaults to `beside_db`.
    pub fn from_file(
        file: NotifyFile,
        dir: &Path,
        beside_db: &Path,
    ) -> Result<NotifyConfig, NotifyConfigError> {
        let max_attempts = match file.max_attempts {
            None => DEFAULT_MAX_ATTEMPTS,
            Some(n @ 1..=50) => n,
            Some(_) => return Err(bad("[notify] max_attempts", "must be 1 to 50")),
        };
        let every = match file.every_seconds {
            None => DEFAULT_EVERY,
            Some(n @ 1..=3600) => Duration::from_secs(n),
            Some(_) => return Err(bad("[notify] every_seconds", "must be 1 to 3600")),
        };
        Ok(NotifyConfig {
            smtp: file.smtp.map(|s| smtp(s, dir)).transpose()?,
            gateway: file.gateway.map(|g| gateway(g, dir)).transpose()?,
            push: file.push.map(|p| push(p, dir, beside_db)).transpose()?,
            max_attempts,
            every,
        })
    }

    /// The channels a household may choose on this server.
    pub fn channels(&self) -> Vec<tepat_store::Channel> {
        use tepat_store::Channel;
        let mut out = Vec::new();
        if self.gateway.is_some() {
            out.push(Channel::Sms);
        }
        if self.gateway.as_ref().is_some_and(|g| g.whatsapp) {
            out.push(Channel::Whatsapp);
        }
        if self.smtp.is_some() {
            out.push(Channel::Email);
        }
        if self.push.is_some() {
            out.push(Channel::Push);
        }
        out
    }
}

fn read_secret(key: &'static str, path: &Path, dir: &Path) -> Result<String, NotifyConfigError> {
    let path = dir.join(path);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad(key, format!("cannot read {}: {e}", path.display())))?;
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(bad(key, format!("{} is empty", path.display())));
    }
    Ok(text)
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn smtp(s: SmtpFile, dir: &Path) -> Result<SmtpSettings, NotifyConfigError> {
    let tls = s.tls.unwrap_or(SmtpTls::Starttls);
    if s.host.trim().is_empty() {
        return Err(bad("[notify.smtp] host", "is empty"));
    }
    if tls == SmtpTls::None && !is_loopback(&s.host) {
        return Err(bad(
            "[notify.smtp] tls",
            "\"none\" is allowed only to a server on this machine (localhost, 127.0.0.1, ::1); use \
             \"starttls\" or \"tls\"",
        ));
    }
    if s.from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(bad(
            "[notify.smtp] from",
            "is not an address such as `TEPAT <noreply@dinsos.example.id>`",
        ));
    }
    let password = s
        .password_file
        .map(|p| read_secret("[notify.smtp] password_file", &p, dir))
        .transpose()?;
    if password.is_some() != s.user.is_some() {
        return Err(bad(
            "[notify.smtp] user",
            "user and password_file go together",
        ));
    }
    let port = s.port.unwrap_or(match tls {
        SmtpTls::Starttls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    });
    Ok(SmtpSettings {
        host: s.host,
        port,
        tls,
        user: s.user,
        password,
        from: s.from,
    })
}

fn gateway(g: GatewayFile, dir: &Path) -> Result<GatewaySettings, NotifyConfigError> {
    let url = g.url.trim().to_owned();
    let local = url
        .strip_prefix("http://")
        .map(|rest| rest.split(['/', ':']).next().unwrap_or(""))
        .is_some_and(is_loopback);
    if !url.starts_with("https://") && !local {
        return Err(bad(
            "[notify.gateway] url",
            "must be https:// (http:// only to this machine)",
        ));
    }
    let sender = g.sender.trim().to_owned();
    if sender.is_empty() || sender.len() > 11 {
        return Err(bad(
            "[notify.gateway] sender",
            "must be 1 to 11 characters (an SMS sender id)",
        ));
    }
    Ok(GatewaySettings {
        url,
        token: read_secret("[notify.gateway] token_file", &g.token_file, dir)?,
        sender,
        whatsapp: g.whatsapp,
        report_secret: g
            .report_secret_file
            .map(|p| read_secret("[notify.gateway] report_secret_file", &p, dir))
            .transpose()?
            .map(String::into_bytes),
    })
}

fn push(p: PushFile, dir: &Path, beside_db: &Path) -> Result<PushSettings, NotifyConfigError> {
    let subject = p.subject.ok_or_else(|| {
        bad(
            "[notify.push] subject",
            "is required (mailto:… or https://…)",
        )
    })?;
    if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
        return Err(bad(
            "[notify.push] subject",
            "must be mailto:… or https://… (push services contact the sender there)",
        ));
    }
    Ok(PushSettings {
        vapid_key_file: match p.vapid_key_file {
            Some(path) => dir.join(path),
            None => beside_db.join(DEFAULT_VAPID_KEY_FILE),
        },
        subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, dir: &Path) -> Result<NotifyConfig, NotifyConfigError> {
        #[derive(Deserialize)]
        struct Root {
            notify: NotifyFile,
        }
        let root: Root = toml::from_str(text).expect("toml");
        NotifyConfig::from_file(root.notify, dir, dir)
    }

    #[test]
    fn settings_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "sekret-token\n").unwrap();
        std::fs::write(dir.path().join("smtp.pass"), "pw").unwrap();
        let c = parse(
            "[notify]\nmax_attempts = 5\n[notify.smtp]\nhost = \"mail.example.id\"\nuser = \"tepat\"\n\
             password_file = \"smtp.pass\"\nfrom = \"TEPAT <noreply@example.id>\"\n\
             [notify.gateway]\nurl = \"https://sms.example.id/send\"\ntoken_file = \"token\"\n\
             sender = \"DINSOS\"\nwhatsapp = true\n[notify.push]\nsubject = \"mailto:admin@example.id\"\n",
            dir.path(),
        )
        .unwrap();
        assert_eq!(c.max_attempts, 5);
        let smtp = c.smtp.as_ref().unwrap();
        assert_eq!((smtp.port, smtp.tls), (587, SmtpTls::Starttls));
        assert_eq!(c.gateway.as_ref().unwrap().token, "sekret-token");
        assert_eq!(c.channels().len(), 4);
        assert!(!format!("{c:?}").contains("sekret"));
        assert!(NotifyConfig::default().channels().is_empty());
    }

    #[test]
    fn bad_settings_name_their_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "t").unwrap();
        for (text, key) in [
            ("[notify.smtp]\nhost = \"mail.example.id\"\ntls = \"none\"\nfrom = \"a@b.id\"\n", "[notify.smtp] tls"),
            ("[notify.smtp]\nhost = \"localhost\"\nfrom = \"not an address\"\n", "[notify.smtp] from"),
            ("[notify.gateway]\nurl = \"http://sms.example.id\"\ntoken_file = \"token\"\nsender = \"D\"\n", "[notify.gateway] url"),
            ("[notify.gateway]\nurl = \"https://sms.example.id\"\ntoken_file = \"missing\"\nsender = \"D\"\n", "[notify.gateway] token_file"),
            ("[notify.push]\nsubject = \"admin\"\n", "[notify.push] subject"),
            ("[notify]\nmax_attempts = 0\n", "[notify] max_attempts"),
        ] {
            let err = parse(text, dir.path()).unwrap_err();
            assert_eq!(err.key, key, "{text}: {err}");
        }
        let ok = parse(
            "[notify.smtp]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nfrom = \"a@b.id\"\n\
             [notify.gateway]\nurl = \"http://127.0.0.1:9/x\"\ntoken_file = \"token\"\nsender = \"D\"\n",
            dir.path(),
        )
        .unwrap();
        assert_eq!(ok.smtp.unwrap().port, 2525);
    }
}
