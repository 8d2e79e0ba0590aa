//! Server settings and where they come from.
//!
//! Each setting is taken from the first of these that has it: the command line ([`ConfigOverrides`], which
//! the CLI fills from its flags), an environment variable (`TEPAT_…`), the TOML config file (`--config` or
//! `TEPAT_CONFIG`), the default. Every setting is documented in `docs/configuration.md`; a test keeps that
//! page and this module in step.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use tepat_domain::Lang;

/// `127.0.0.1:8080`: only this machine can connect until the operator chooses otherwise.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8080,
));
pub const DEFAULT_DATABASE_URL: &str = "sqlite://tepat.db";
pub const DEFAULT_KEY_FILE: &str = "tepat.keys";
pub const DEFAULT_LOG_LEVEL: &str = "info";
/// 2 MiB: far above any form, small enough that a flood of large bodies cannot exhaust memory.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// The transparency ledger's directory (tlog-tiles files), beside the SQLite database by default.
pub const DEFAULT_LEDGER_DIR: &str = "tepat-ledger";
/// The ledger's signing key, beside the SQLite database by default (never inside the served directory).
pub const DEFAULT_LEDGER_KEY_FILE: &str = "tepat-ledger.key";
/// tepat's signing key for DCI callbacks and notifications, beside the SQLite database by default.
pub const DEFAULT_DCI_KEY_FILE: &str = "tepat-dci.key";
/// tepat's DCI `sender_id` when none is set and there is no public URL.
pub const DEFAULT_DCI_SENDER_ID: &str = "tepat.localhost";
/// The vouchers' Ed25519 signing key, beside the SQLite database by default.
pub const DEFAULT_VOUCHER_KEY_FILE: &str = "tepat-voucher.key";
/// Days of hand-over per envelope (two working weeks).
pub const DEFAULT_DISTRIBUTION_DAYS: u32 = 12;

/// The environment variables read by [`ServerConfig::load`], in the order of `docs/configuration.md`.
pub mod env {
    pub const CONFIG: &str = "TEPAT_CONFIG";
    pub const LISTEN: &str = "TEPAT_LISTEN";
    pub const PUBLIC_URL: &str = "TEPAT_PUBLIC_URL";
    pub const DEFAULT_LANG: &str = "TEPAT_DEFAULT_LANG";
    pub const MAX_BODY_BYTES: &str = "TEPAT_MAX_BODY_BYTES";
    pub const REQUEST_TIMEOUT_SECS: &str = "TEPAT_REQUEST_TIMEOUT_SECS";
    pub const SHUTDOWN_TIMEOUT_SECS: &str = "TEPAT_SHUTDOWN_TIMEOUT_SECS";
    pub const DATABASE_URL: &str = "TEPAT_DATABASE_URL";
    pub const KEY_FILE: &str = "TEPAT_KEY_FILE";
    pub const LOG: &str = "TEPAT_LOG";
    pub const LOG_FORMAT: &str = "TEPAT_LOG_FORMAT";
    pub const LEDGER_DIR: &str = "TEPAT_LEDGER_DIR";
    pub const LEDGER_KEY_FILE: &str = "TEPAT_LEDGER_KEY_FILE";
    pub const LEDGER_WITNESSES: &str = "TEPAT_LEDGER_WITNESSES";
    pub const LEDGER_QUORUM: &str = "TEPAT_LEDGER_QUORUM";
    pub const SESSION_IDLE_MINUTES: &str = "TEPAT_SESSION_IDLE_MINUTES";
    pub const SESSION_MAX_HOURS: &str = "TEPAT_SESSION_MAX_HOURS";
    pub const LOCKOUT_FAILURES: &str = "TEPAT_LOCKOUT_FAILURES";
    pub const LOCKOUT_MINUTES: &str = "TEPAT_LOCKOUT_MINUTES";
    pub const CLIENT_MAX_FAILURES: &str = "TEPAT_CLIENT_MAX_FAILURES";
    pub const CLIENT_WINDOW_MINUTES: &str = "TEPAT_CLIENT_WINDOW_MINUTES";
    pub const SECURE_COOKIES: &str = "TEPAT_SECURE_COOKIES";
    pub const CLIENT_IP_HEADER: &str = "TEPAT_CLIENT_IP_HEADER";
    pub const PASSKEYS: &str = "TEPAT_PASSKEYS";
    pub const PASSKEY_RP_ID: &str = "TEPAT_PASSKEY_RP_ID";
    pub const DCI_SENDER_ID: &str = "TEPAT_DCI_SENDER_ID";
    pub const DCI_KEY_FILE: &str = "TEPAT_DCI_KEY_FILE";
    pub const DCI_CALLBACK_HOSTS: &str = "TEPAT_DCI_CALLBACK_HOSTS";
    pub const DCI_ALLOW_PRIVATE_CALLBACKS: &str = "TEPAT_DCI_ALLOW_PRIVATE_CALLBACKS";
    pub const DCI_RATE_PER_MINUTE: &str = "TEPAT_DCI_RATE_PER_MINUTE";
    pub const AUDIT_ANCHOR_MINUTES: &str = "TEPAT_AUDIT_ANCHOR_MINUTES";
    pub const REGISTRY_REVERIFY_AFTER_DAYS: &str = "TEPAT_REGISTRY_REVERIFY_AFTER_DAYS";
    pub const REGISTRY_PHOTO_RETENTION_DAYS: &str = "TEPAT_REGISTRY_PHOTO_RETENTION_DAYS";
    pub const REGISTRY_PHOTO_MAX_BYTES: &str = "TEPAT_REGISTRY_PHOTO_MAX_BYTES";
    pub const REGISTRY_OBJECTION_ANSWER_DAYS: &str = "TEPAT_REGISTRY_OBJECTION_ANSWER_DAYS";
    pub const TARGETING_INDICATORS_FILE: &str = "TEPAT_TARGETING_INDICATORS_FILE";
    pub const PAYMENTS_VOUCHER_KEY_FILE: &str = "TEPAT_PAYMENTS_VOUCHER_KEY_FILE";
    pub const PAYMENTS_PAYER_FA: &str = "TEPAT_PAYMENTS_PAYER_FA";
    pub const CITIZEN_PER_CLIENT_PER_HOUR: &str = "TEPAT_CITIZEN_PER_CLIENT_PER_HOUR";
    pub const CITIZEN_PER_NIK_PER_HOUR: &str = "TEPAT_CITIZEN_PER_NIK_PER_HOUR";
    pub const CITIZEN_CARD_TTL_SECONDS: &str = "TEPAT_CITIZEN_CARD_TTL_SECONDS";
    pub const CITIZEN_OFFICE_CONTACT: &str = "TEPAT_CITIZEN_OFFICE_CONTACT";
    pub const CITIZEN_SMS_SECRET_FILE: &str = "TEPAT_CITIZEN_SMS_SECRET_FILE";

    /// All of them.
    pub const ALL: [&str; 43] = [
        CONFIG,
        LISTEN,
        PUBLIC_URL,
        DEFAULT_LANG,
        MAX_BODY_BYTES,
        REQUEST_TIMEOUT_SECS,
        SHUTDOWN_TIMEOUT_SECS,
        DATABASE_URL,
        KEY_FILE,
        LOG,
        LOG_FORMAT,
        LEDGER_DIR,
        LEDGER_KEY_FILE,
        LEDGER_WITNESSES,
        LEDGER_QUORUM,
        SESSION_IDLE_MINUTES,
        SESSION_MAX_HOURS,
        LOCKOUT_FAILURES,
        LOCKOUT_MINUTES,
        CLIENT_MAX_FAILURES,
        CLIENT_WINDOW_MINUTES,
        SECURE_COOKIES,
        CLIENT_IP_HEADER,
        PASSKEYS,
        PASSKEY_RP_ID,
        DCI_SENDER_ID,
        DCI_KEY_FILE,
        DCI_CALLBACK_HOSTS,
        DCI_ALLOW_PRIVATE_CALLBACKS,
        DCI_RATE_PER_MINUTE,
        AUDIT_ANCHOR_MINUTES,
        REGISTRY_REVERIFY_AFTER_DAYS,
        REGISTRY_PHOTO_RETENTION_DAYS,
        REGISTRY_PHOTO_MAX_BYTES,
        REGISTRY_OBJECTION_ANSWER_DAYS,
        TARGETING_INDICATORS_FILE,
        PAYMENTS_VOUCHER_KEY_FILE,
        PAYMENTS_PAYER_FA,
        CITIZEN_PER_CLIENT_PER_HOUR,
        CITIZEN_PER_NIK_PER_HOUR,
        CITIZEN_CARD_TTL_SECONDS,
        CITIZEN_OFFICE_CONTACT,
        CITIZEN_SMS_SECRET_FILE,
    ];
}

/// Everything `tepat serve` needs to know before it starts.
#[derive(Clone, PartialEq)]
pub struct ServerConfig {
    /// The IP address and port to listen on.
    pub listen: SocketAddr,
    /// The address users reach the server at (behind a reverse proxy, say), used in links and to decide
    /// whether cookies are `Secure` and HSTS is sent. `None`: derived from `listen`, plain HTTP.
    pub public_url: Option<PublicUrl>,
    /// The language of a visitor who has chosen none and whose browser asks for neither Indonesian nor
    /// English.
    pub default_lang: Lang,
    /// Requests with a larger body are refused with 413.
    pub max_body_bytes: usize,
    /// A request that has no response after this long gets 503.
    pub request_timeout: Duration,
    /// After the shutdown signal, how long requests in flight may take to finish.
    pub shutdown_timeout: Duration,
    /// `sqlite://FILE` or `postgres://…`. May hold a password: show it with
    /// [`ServerConfig::database_url_redacted`].
    pub database_url: String,
    /// The key file that encrypts personal data at rest.
    pub key_file: PathBuf,
    pub log: LogConfig,
    /// The transparency ledger.
    pub ledger: LedgerConfig,
    /// Sign-in, sessions and their cookies.
    pub auth: AuthConfig,
    /// The agency API (DCI Social Registry): tepat's signing key, callbacks, rate limits.
    pub dci: DciConfig,
    /// Anchoring the audit log's head in the ledger.
    pub audit: AuditConfig,
    /// The registry's upkeep.
    pub registry: RegistryConfig,
    /// Targeting: the needs forecast's economic indicators.
    pub targeting: TargetingConfig,
    /// Distribution: the voucher key, the office's bank accounts, the e-wallet providers.
    pub payments: PaymentsConfig,
    /// Notifications to citizens: SMTP, the SMS/WhatsApp gateway, web push (`docs/notifications.md`).
    pub notify: tepat_core::portal::notify::NotifyConfig,
    /// The citizen status check and forms: attempt limits, card freshness, contact, SMS gateway.
    pub citizen: CitizenConfig,
    /// The public transparency portal: suppression threshold, masked lists, refresh (`docs/open-data.md`).
    pub opendata: tepat_core::opendata::OpenDataSettings,
    /// The config file the settings were read from, if any.
    pub file: Option<PathBuf>,
}

/// Sign-in and session settings (`docs/configuration.md`, `docs/accounts.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in.
    pub session_max: Duration,
    /// Failed sign-ins in a row that lock an account …
    pub lockout_failures: u32,
    /// … for this long.
    pub lockout: Duration,
    /// Failed sign-ins one client address may make per window …
    pub client_max_failures: u32,
    /// … and the window.
    pub client_window: Duration,
    /// Whether cookies carry `Secure`.
    pub secure_cookies: SecureCookies,
    /// A header set by a trusted reverse proxy that holds the client's address (e.g. `X-Forwarded-For`:
    /// its last entry is used). `None`: the address of the TCP connection.
    pub client_ip_header: Option<String>,
    /// Whether passkeys (WebAuthn) are offered at all. They work only when the site is reached over
    /// HTTPS or at `http://localhost` (see `docs/accounts.md`).
    pub passkeys: bool,
    /// The WebAuthn RP ID: the public URL's host (`None`) or a parent domain of it.
    pub passkey_rp_id: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> AuthConfig {
        AuthConfig {
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            lockout_failures: 5,
            lockout: Duration::from_secs(15 * 60),
            client_max_failures: 30,
            client_window: Duration::from_secs(15 * 60),
            secure_cookies: SecureCookies::Auto,
            client_ip_header: None,
            passkeys: true,
            passkey_rp_id: None,
        }
    }
}

/// When cookies are marked `Secure` (sent over HTTPS only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecureCookies {
    /// Always, except when the site is plain `http://` on this machine (`127.0.0.1`, `[::1]`,
    /// `localhost`), where some browsers (Safari) would drop a `Secure` cookie and sign-in would fail.
    #[default]
    Auto,
    Always,
    Never,
}

impl FromStr for SecureCookies {
    type Err = String;
    fn from_str(s: &str) -> Result<SecureCookies, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(SecureCookies::Auto),
            "always" | "true" => Ok(SecureCookies::Always),
            "never" | "false" => Ok(SecureCookies::Never),
            _ => Err(format!(
                "`{s}` is not a choice; use `auto`, `always` or `never`"
            )),
        }
    }
}

/// The agency API's settings (`docs/configuration.md`, `docs/agency-api.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DciConfig {
    /// tepat's own DCI `sender_id` in callbacks and notifications.
    pub sender_id: String,
    /// tepat's Ed25519 signing key for callbacks and notifications, created on first use.
    pub key_file: PathBuf,
    /// Hosts callbacks may go to (exact names, or `*.example.go.id` for subdomains). Empty: any host
    /// with a public address.
    pub callback_hosts: Vec<String>,
    /// Allow callbacks to loopback, private, link-local and other non-public addresses (tests, or an
    /// agency on the office's own network). Off by default: SSRF protection.
    pub allow_private_callbacks: bool,
    /// Messages one agency may send per minute; more are refused with `rjct.sender_id.rate_limited`.
    pub rate_per_minute: u32,
    /// Largest request body on `/api/dci/…`.
    pub max_body_bytes: usize,
    /// The first retry of a failed callback or notification waits this long, each next one twice as
    /// long (three retries). Not in the config file; tests shorten it.
    pub retry_base: Duration,
}

impl Default for DciConfig {
    fn default() -> DciConfig {
        DciConfig {
            sender_id: DEFAULT_DCI_SENDER_ID.into(),
            key_file: PathBuf::from(DEFAULT_DCI_KEY_FILE),
            callback_hosts: Vec::new(),
            allow_private_callbacks: false,
            rate_per_minute: 120,
            max_body_bytes: 1024 * 1024,
            retry_base: Duration::from_secs(2),
        }
    }
}

/// Anchoring the audit log in the transparency ledger (`docs/configuration.md`, `docs/registry.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// Minutes between anchors of the audit chain's head (only when it changed); 0 turns anchoring off.
    pub anchor_minutes: u64,
}

impl Default for AuditConfig {
    fn default() -> AuditConfig {
        AuditConfig { anchor_minutes: 60 }
    }
}

/// The registry's upkeep (`docs/configuration.md`, `docs/registry.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// Households not verified for this many days get a re-verification task (checked daily).
    pub reverify_after_days: u32,
    /// Household photos are removed this many days after the household's verification (`docs/registry.md`,
    /// "Photos").
    pub photo_retention_days: u32,
    /// Largest photo accepted, in bytes (the request body limit `max_body_bytes` must leave room for it).
    pub photo_max_bytes: usize,
    /// Officers should answer a citizen's objection within this many days; past it the objection shows
    /// as overdue and the citizen sees the date.
    pub objection_answer_days: u32,
}

/// The citizens' status check and forms (`docs/configuration.md`, `docs/status-check.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenConfig {
    /// Checks and citizen forms allowed per client address (or SMS sender) per hour.
    pub per_client_per_hour: u32,
    /// Checks and citizen forms allowed per NIK per hour, whoever asks.
    pub per_nik_per_hour: u32,
    /// How long a status card is served from memory before it is assembled again.
    pub card_ttl: Duration,
    /// The social-affairs office's contact (address, phone, hours), shown on every status card.
    pub office_contact: String,
    /// The file holding the SMS gateway's shared secret (the webhook's HMAC key). `None`: the SMS
    /// webhook is off.
    pub sms_secret_file: Option<PathBuf>,
}

impl Default for CitizenConfig {
    fn default() -> CitizenConfig {
        let limits = tepat_core::portal::status::LimitSettings::default();
        CitizenConfig {
            per_client_per_hour: limits.per_client,
            per_nik_per_hour: limits.per_nik,
            card_ttl: tepat_core::portal::status::StatusSettings::default().card_ttl,
            office_contact: String::new(),
            sms_secret_file: None,
        }
    }
}

/// Targeting settings (`docs/configuration.md`, `docs/forecast.md`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetingConfig {
    /// The economic indicators CSV the needs forecast reads (`period,region_code,indicator,value`).
    /// `None`: the forecast uses registry trends only.
    pub indicators_file: Option<PathBuf>,
}

impl Default for RegistryConfig {
    fn default() -> RegistryConfig {
        RegistryConfig {
            reverify_after_days: tepat_core::registry::DEFAULT_REVERIFICATION.num_days() as u32,
            photo_retention_days: tepat_core::photos::DEFAULT_RETENTION_DAYS,
            photo_max_bytes: tepat_core::photos::DEFAULT_MAX_BYTES,
            objection_answer_days: tepat_core::intake::citizen::ANSWER_WITHIN_DAYS as u32,
        }
    }
}

/// Paying envelopes (`docs/configuration.md`, `docs/distribution.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentsConfig {
    /// The Ed25519 key that signs cash and goods vouchers, created on first use.
    pub voucher_key_file: PathBuf,
    /// The office's own financial address (`account:…@bri`), the `payer_fa` of e-wallet disbursements.
    pub payer_fa: Option<tepat_domain::distribution::FinancialAddress>,
    /// The office's account at each bank it pays through: the debtor of that bank's pain.001 files.
    pub banks: Vec<BankDebtor>,
    /// The e-wallet providers paid through the G2P Connect disbursement API.
    pub ewallets: Vec<EwalletProvider>,
    /// Cash and goods are handed over on this many days from an envelope's start date (Sundays
    /// skipped), when the envelope is released.
    pub distribution_days: u32,
}

impl Default for PaymentsConfig {
    fn default() -> PaymentsConfig {
        PaymentsConfig {
            voucher_key_file: PathBuf::from(DEFAULT_VOUCHER_KEY_FILE),
            payer_fa: None,
            banks: Vec::new(),
            ewallets: Vec::new(),
            distribution_days: DEFAULT_DISTRIBUTION_DAYS,
        }
    }
}

impl PaymentsConfig {
    /// The office's account at bank `code` (lower case), if configured.
    pub fn bank(&self, code: &str) -> Option<&BankDebtor> {
        self.banks.iter().find(|b| b.code == code)
    }

    /// The e-wallet provider `code` (lower case), if configured.
    pub fn ewallet(&self, provider: &str) -> Option<&EwalletProvider> {
        self.ewallets.iter().find(|e| e.provider == provider)
    }

    /// What the e-wallet client needs to pay through `provider`; `None` when it is not configured or
    /// there is no `payer_fa` to debit.
    pub fn ewallet_client_settings(
        &self,
        provider: &str,
    ) -> Option<tepat_payments::ewallet::Provider> {
        let e = self.ewallet(provider)?;
        Some(tepat_payments::ewallet::Provider {
            code: e.provider.clone(),
            url: e.url.clone(),
            receiver_id: e.receiver_id.clone(),
            payer_fa: self.payer_fa.clone()?,
        })
    }
}

/// `[[payments.bank]]`: the office's account at one bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDebtor {
    /// The bank's code, lower case (`bri`, `bni`, `mandiri`, `btn`, `bsi`), as in households' accounts.
    pub code: String,
    /// The account holder's name on the debtor side of the files.
    pub debtor_name: String,
    /// The office's account number at that bank (digits).
    pub debtor_account: String,
}

/// `[[payments.ewallet]]`: one e-wallet provider's disbursement endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EwalletProvider {
    /// The provider code, lower case (`dana`, `ovo`), as in households' `mobile:…@dana` addresses.
    pub provider: String,
    /// The base URL of its G2P Connect disbursement API (`…/disburse`, `…/txn/status` below it).
    pub url: String,
    /// Its `receiver_id` in the messages' headers.
    pub receiver_id: String,
    /// Its public keys, which its `on-disburse` callbacks are verified with.
    pub keys: tepat_dci::Jwks,
}

/// The transparency ledger's settings (`docs/configuration.md`, `docs/ledger.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerConfig {
    /// The log's tlog-tiles directory, served under `/ledger/<log>/`.
    pub dir: PathBuf,
    /// The log's Ed25519 signing key (Go `sumdb/note` private key text), created on first use.
    pub key_file: PathBuf,
    /// The witnesses asked to cosign each checkpoint.
    pub witnesses: Vec<WitnessConfig>,
    /// Cosignatures needed before a checkpoint is published (default: all witnesses).
    pub quorum: usize,
}

/// One witness of the ledger: where it listens and its public key (C2SP vkey text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessConfig {
    /// Base URL; the log posts to `<url>/add-checkpoint`.
    pub url: String,
    /// `name+hexid+base64` of a `cosignature/v1` key.
    pub key: String,
}

impl Default for LedgerConfig {
    fn default() -> LedgerConfig {
        LedgerConfig {
            dir: PathBuf::from(DEFAULT_LEDGER_DIR),
            key_file: PathBuf::from(DEFAULT_LEDGER_KEY_FILE),
            witnesses: Vec::new(),
            quorum: 0,
        }
    }
}

/// How the server logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// A level (`info`) or a filter in `tracing_subscriber::EnvFilter` syntax (`info,tepat_web=debug`).
    pub level: String,
    pub format: LogFormat,
}

/// Log lines for people (`text`) or for a log collector (`json`, one object per line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("`{s}` is not a log format; use `text` or `json`")),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

/// An absolute `http://` or `https://` URL without query or fragment, stored without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(s: &str) -> Result<PublicUrl, String> {
        let s = s.trim();
        let bad = |why: &str| {
            Err(format!(
                "`{s}` is not a public URL: {why}; write it like https://bansos.example.go.id"
            ))
        };
        let Some((scheme, rest)) = s.split_once("://") else {
            return bad("it has no http:// or https://");
        };
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return bad("only http and https are possible");
        }
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return bad("the host name is missing");
        }
        if rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
            return bad("it must not contain a query, fragment or spaces");
        }
        let path = rest.trim_end_matches('/');
        Ok(PublicUrl(format!(
            "{}://{path}",
            scheme.to_ascii_lowercase()
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Values from the command line; each one set wins over the environment, the file and the default.
#[derive(Debug, Clone, Default)]
pub struct ConfigOverrides {
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub default_lang: Option<Lang>,
    pub database_url: Option<String>,
    pub key_file: Option<PathBuf>,
    pub log_level: Option<String>,
    pub log_format: Option<LogFormat>,
    pub ledger_dir: Option<PathBuf>,
}

/// Why the settings could not be loaded. Each says where the bad value came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, an unknown key (named in the message) or a value of the wrong type.
    #[error("config file {}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{origin}: {message}")]
    Invalid { origin: Origin, message: String },
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File { path: PathBuf, key: &'static str },
    Env(&'static str),
    CommandLine(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, key } => write!(f, "config file {}, {key}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::CommandLine(flag) => write!(f, "command line {flag}"),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            listen: DEFAULT_LISTEN,
            public_url: None,
            default_lang: Lang::Id,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            key_file: PathBuf::from(DEFAULT_KEY_FILE),
            log: LogConfig {
                level: DEFAULT_LOG_LEVEL.to_owned(),
                format: LogFormat::Text,
            },
            ledger: LedgerConfig::default(),
            auth: AuthConfig::default(),
            dci: DciConfig::default(),
            audit: AuditConfig::default(),
            registry: RegistryConfig::default(),
            targeting: TargetingConfig::default(),
            payments: PaymentsConfig::default(),
            notify: tepat_core::portal::notify::NotifyConfig::default(),
            citizen: CitizenConfig::default(),
            opendata: tepat_core::opendata::OpenDataSettings::default(),
            file: None,
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("default_lang", &self.default_lang)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("database_url", &self.database_url_redacted())
            .field("key_file", &self.key_file)
            .field("log", &self.log)
            .field("ledger", &self.ledger)
            .field("auth", &self.auth)
            .field("dci", &self.dci)
            .field("audit", &self.audit)
            .field("registry", &self.registry)
            .field("targeting", &self.targeting)
            .field("payments", &self.payments)
            .field("notify", &self.notify)
            .field("citizen", &self.citizen)
            .field("opendata", &self.opendata)
            .field("file", &self.file)
            .finish()
    }
}

impl ServerConfig {
    /// Loads the settings: `overrides` > environment > `file` (or the file named by `TEPAT_CONFIG` when
    /// `file` is `None`) > defaults.
    pub fn load(
        file: Option<&Path>,
        overrides: ConfigOverrides,
    ) -> Result<ServerConfig, ConfigError> {
        ServerConfig::load_with_env(file, overrides, |name| {
            std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
        })
    }

    /// [`ServerConfig::load`] with the environment given as a lookup function (for tests, and for
    /// callers that keep their environment elsewhere). An empty value counts as unset.
    pub fn load_with_env(
        file: Option<&Path>,
        overrides: ConfigOverrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let env = |name: &'static str| env(name).filter(|v| !v.trim().is_empty());
        let file_path = file
            .map(Path::to_path_buf)
            .or_else(|| env(env::CONFIG).map(PathBuf::from));
        let from_file = match &file_path {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let path = file_path.clone().unwrap_or_default();
        let mut config = ServerConfig {
            file: file_path,
            ..ServerConfig::default()
        };
        let layer = |key: &'static str, file_value: Option<String>, env_name: &'static str| {
            Setting::pick(&path, key, file_value, env_name, env(env_name))
        };

        let s = from_file.server;
        config.listen = match overrides.listen {
            Some(addr) => addr,
            None => layer("[server] listen", s.listen, env::LISTEN)
                .parse_or(config.listen, parse_listen)?,
        };
        let public_url = match overrides.public_url {
            Some(url) => Setting::command_line("--public-url", url),
            None => layer("[server] public_url", s.public_url, env::PUBLIC_URL),
        };
        config.public_url = public_url.parse_opt(PublicUrl::parse)?;
        config.default_lang = match overrides.default_lang {
            Some(lang) => lang,
            None => layer("[server] default_lang", s.default_lang, env::DEFAULT_LANG)
                .parse_or(config.default_lang, parse_lang)?,
        };
        config.max_body_bytes = layer(
            "[server] max_body_bytes",
            s.max_body_bytes.map(|n| n.to_string()),
            env::MAX_BODY_BYTES,
        )
        .parse_or(config.max_body_bytes, parse_positive::<usize>)?;
        config.request_timeout = layer(
            "[server] request_timeout_secs",
            s.request_timeout_secs.map(|n| n.to_string()),
            env::REQUEST_TIMEOUT_SECS,
        )
        .parse_or(config.request_timeout, parse_secs)?;
        config.shutdown_timeout = layer(
            "[server] shutdown_timeout_secs",
            s.shutdown_timeout_secs.map(|n| n.to_string()),
            env::SHUTDOWN_TIMEOUT_SECS,
        )
        .parse_or(config.shutdown_timeout, parse_secs)?;

        config.database_url = match overrides.database_url {
            Some(url) => Setting::command_line("--database", url),
            None => layer("[database] url", from_file.database.url, env::DATABASE_URL),
        }
        .parse_or(config.database_url, parse_database_url)?;
        config.key_file = match overrides.key_file {
            Some(path) => path,
            None => layer(
                "[keys] file",
                from_file
                    .keys
                    .file
                    .map(|p| p.to_string_lossy().into_owned()),
                env::KEY_FILE,
            )
            .parse_or(config.key_file, |v| Ok(PathBuf::from(v)))?,
        };
        config.log.level = match overrides.log_level {
            Some(level) => Setting::command_line("--log", level),
            None => layer("[log] level", from_file.log.level, env::LOG),
        }
        .parse_or(config.log.level, parse_log_level)?;
        config.log.format = match overrides.log_format {
            Some(format) => format,
            None => layer("[log] format", from_file.log.format, env::LOG_FORMAT)
                .parse_or(config.log.format, LogFormat::from_str)?,
        };

        // The ledger: beside the SQLite database unless set.
        let beside_db = match tepat_store::DatabaseUrl::parse(&config.database_url) {
            Ok(tepat_store::DatabaseUrl::Sqlite(db)) => {
                db.parent().map(Path::to_path_buf).unwrap_or_default()
            }
            _ => PathBuf::new(),
        };
        let l = from_file.ledger;
        config.ledger.dir = match overrides.ledger_dir {
            Some(dir) => dir,
            None => layer(
                "[ledger] dir",
                l.dir.map(|p| p.to_string_lossy().into_owned()),
                env::LEDGER_DIR,
            )
            .parse_or(beside_db.join(DEFAULT_LEDGER_DIR), |v| Ok(PathBuf::from(v)))?,
        };
        config.ledger.key_file = layer(
            "[ledger] key_file",
            l.key_file.map(|p| p.to_string_lossy().into_owned()),
            env::LEDGER_KEY_FILE,
        )
        .parse_or(beside_db.join(DEFAULT_LEDGER_KEY_FILE), |v| {
            Ok(PathBuf::from(v))
        })?;
        let witnesses_origin;
        config.ledger.witnesses = match env(env::LEDGER_WITNESSES) {
            Some(v) => {
                witnesses_origin = Origin::Env(env::LEDGER_WITNESSES);
                parse_witness_list(&v).map_err(|message| ConfigError::Invalid {
                    origin: witnesses_origin.clone(),
                    message,
                })?
            }
            None => {
                witnesses_origin = Origin::File {
                    path: path.clone(),
                    key: "[[ledger.witness]]",
                };
                let mut out = Vec::new();
                for w in l.witness {
                    out.push(parse_witness(&w.url, &w.key).map_err(|message| {
                        ConfigError::Invalid {
                            origin: witnesses_origin.clone(),
                            message,
                        }
                    })?);
                }
                out
            }
        };
        let n = config.ledger.witnesses.len();
        let quorum = layer(
            "[ledger] quorum",
            l.quorum.map(|q| q.to_string()),
            env::LEDGER_QUORUM,
        );
        let quorum_origin = quorum.origin.clone();
        config.ledger.quorum = quorum.parse_or(n, |v| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{v}` is not a whole number"))
        })?;
        if config.ledger.quorum > n {
            return Err(ConfigError::Invalid {
                origin: quorum_origin,
                message: format!(
                    "a quorum of {} needs at least that many witnesses, but {n} are configured",
                    config.ledger.quorum
                ),
            });
        }

        let a = from_file.auth;
        let minutes = |v: &str| parse_positive::<u64>(v).map(|m| Duration::from_secs(m * 60));
        config.auth.session_idle = layer(
            "[auth] session_idle_minutes",
            a.session_idle_minutes.map(|n| n.to_string()),
            env::SESSION_IDLE_MINUTES,
        )
        .parse_or(config.auth.session_idle, minutes)?;
        config.auth.session_max = layer(
            "[auth] session_max_hours",
            a.session_max_hours.map(|n| n.to_string()),
            env::SESSION_MAX_HOURS,
        )
        .parse_or(config.auth.session_max, |v| {
            parse_positive::<u64>(v).map(|h| Duration::from_secs(h * 3600))
        })?;
        config.auth.lockout_failures = layer(
            "[auth] lockout_failures",
            a.lockout_failures.map(|n| n.to_string()),
            env::LOCKOUT_FAILURES,
        )
        .parse_or(config.auth.lockout_failures, parse_positive::<u32>)?;
        config.auth.lockout = layer(
            "[auth] lockout_minutes",
            a.lockout_minutes.map(|n| n.to_string()),
            env::LOCKOUT_MINUTES,
        )
        .parse_or(config.auth.lockout, minutes)?;
        config.auth.client_max_failures = layer(
            "[auth] client_max_failures",
            a.client_max_failures.map(|n| n.to_string()),
            env::CLIENT_MAX_FAILURES,
        )
        .parse_or(config.auth.client_max_failures, parse_positive::<u32>)?;
        config.auth.client_window = layer(
            "[auth] client_window_minutes",
            a.client_window_minutes.map(|n| n.to_string()),
            env::CLIENT_WINDOW_MINUTES,
        )
        .parse_or(config.auth.client_window, minutes)?;
        config.auth.secure_cookies = layer(
            "[auth] secure_cookies",
            a.secure_cookies,
            env::SECURE_COOKIES,
        )
        .parse_or(config.auth.secure_cookies, SecureCookies::from_str)?;
        config.auth.client_ip_header = layer(
            "[auth] client_ip_header",
            a.client_ip_header,
            env::CLIENT_IP_HEADER,
        )
        .parse_opt(|v| {
            let v = v.trim();
            axum::http::HeaderName::from_bytes(v.as_bytes())
                .map(|_| v.to_ascii_lowercase())
                .map_err(|_| format!("`{v}` is not a header name; use e.g. X-Forwarded-For"))
        })?;
        config.auth.passkeys = layer(
            "[auth] passkeys",
            a.passkeys.map(|b| b.to_string()),
            env::PASSKEYS,
        )
        .parse_or(true, |v| match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(format!("`{v}` is not true or false")),
        })?;
        config.auth.passkey_rp_id =
            layer("[auth] passkey_rp_id", a.passkey_rp_id, env::PASSKEY_RP_ID).parse_opt(|v| {
                let v = v.trim().trim_end_matches('.').to_ascii_lowercase();
                if v.is_empty()
                    || v.contains(['/', ':', ' '])
                    || v.parse::<std::net::IpAddr>().is_ok()
                {
                    Err(format!(
                    "`{v}` is not an RP ID; use the site's domain name (or a parent domain of it), \
                     e.g. bansos.belitungkab.go.id"
                ))
                } else {
                    Ok(v)
                }
            })?;

        let d = from_file.dci;
        let default_sender = config
            .public_url
            .as_ref()
            .and_then(|u| u.as_str().split("://").nth(1))
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|host| !host.is_empty())
            .unwrap_or(DEFAULT_DCI_SENDER_ID)
            .to_owned();
        config.dci.sender_id = layer("[dci] sender_id", d.sender_id, env::DCI_SENDER_ID).parse_or(
            default_sender,
            |v| {
                let v = v.trim();
                if v.len() < 3 || v.contains(['|', ' ']) {
                    Err(format!(
                        "`{v}` is not a sender id; use a domain such as dinsos.belitungkab.go.id"
                    ))
                } else {
                    Ok(v.to_owned())
                }
            },
        )?;
        config.dci.key_file = layer(
            "[dci] key_file",
            d.key_file.map(|p| p.to_string_lossy().into_owned()),
            env::DCI_KEY_FILE,
        )
        .parse_or(beside_db.join(DEFAULT_DCI_KEY_FILE), |v| {
            Ok(PathBuf::from(v))
        })?;
        config.dci.callback_hosts = layer(
            "[dci] callback_hosts",
            d.callback_hosts.map(|h| h.join(",")),
            env::DCI_CALLBACK_HOSTS,
        )
        .parse_or(Vec::new(), |v| {
            Ok(v.split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect())
        })?;
        config.dci.allow_private_callbacks = layer(
            "[dci] allow_private_callbacks",
            d.allow_private_callbacks.map(|b| b.to_string()),
            env::DCI_ALLOW_PRIVATE_CALLBACKS,
        )
        .parse_or(false, |v| match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(format!("`{v}` is not true or false")),
        })?;
        config.dci.rate_per_minute = layer(
            "[dci] rate_per_minute",
            d.rate_per_minute.map(|n| n.to_string()),
            env::DCI_RATE_PER_MINUTE,
        )
        .parse_or(config.dci.rate_per_minute, parse_positive::<u32>)?;
        config.dci.max_body_bytes = match d.max_body_bytes {
            Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
            Some(_) => {
                return Err(ConfigError::Invalid {
                    origin: Origin::File {
                        path: path.clone(),
                        key: "[dci] max_body_bytes",
                    },
                    message: "must be a positive number of bytes".into(),
                })
            }
            None => config.dci.max_body_bytes,
        };
        config.audit.anchor_minutes = layer(
            "[audit] anchor_minutes",
            from_file.audit.anchor_minutes.map(|n| n.to_string()),
            env::AUDIT_ANCHOR_MINUTES,
        )
        .parse_or(config.audit.anchor_minutes, |v| {
            v.trim().parse::<u64>().map_err(|_| {
                format!("`{v}` is not a whole number of minutes (0 turns anchoring off)")
            })
        })?;
        config.registry.reverify_after_days = layer(
            "[registry] reverify_after_days",
            from_file
                .registry
                .reverify_after_days
                .map(|n| n.to_string()),
            env::REGISTRY_REVERIFY_AFTER_DAYS,
        )
        .parse_or(config.registry.reverify_after_days, parse_positive::<u32>)?;
        config.registry.photo_retention_days = layer(
            "[registry] photo_retention_days",
            from_file
                .registry
                .photo_retention_days
                .map(|n| n.to_string()),
            env::REGISTRY_PHOTO_RETENTION_DAYS,
        )
        .parse_or(config.registry.photo_retention_days, parse_positive::<u32>)?;
        config.registry.photo_max_bytes = layer(
            "[registry] photo_max_bytes",
            from_file.registry.photo_max_bytes.map(|n| n.to_string()),
            env::REGISTRY_PHOTO_MAX_BYTES,
        )
        .parse_or(config.registry.photo_max_bytes, parse_positive::<usize>)?;
        config.registry.objection_answer_days = layer(
            "[registry] objection_answer_days",
            from_file
                .registry
                .objection_answer_days
                .map(|n| n.to_string()),
            env::REGISTRY_OBJECTION_ANSWER_DAYS,
        )
        .parse_or(config.registry.objection_answer_days, parse_positive::<u32>)?;
        config.targeting.indicators_file = layer(
            "[targeting] indicators_file",
            from_file
                .targeting
                .indicators_file
                .map(|p| p.to_string_lossy().into_owned()),
            env::TARGETING_INDICATORS_FILE,
        )
        .parse_opt(|v| Ok(PathBuf::from(v.trim())))?;
        config.payments = payments_settings(from_file.payments, &path, &beside_db, &layer)?;
        config.notify = tepat_core::portal::notify::NotifyConfig::from_file(
            from_file.notify,
            path.parent().unwrap_or(Path::new(".")),
            &beside_db,
        )
        .map_err(|e| ConfigError::Invalid {
            origin: Origin::File {
                path: path.clone(),
                key: e.key,
            },
            message: e.message,
        })?;
        config.citizen = citizen_settings(from_file.citizen, &layer)?;
        config.opendata = tepat_core::opendata::OpenDataSettings::from_file(from_file.opendata)
            .map_err(|e| ConfigError::Invalid {
                origin: Origin::File {
                    path: path.clone(),
                    key: e.key,
                },
                message: e.message,
            })?;
        Ok(config)
    }

    /// The database URL with any password replaced by `***`, for logs and messages.
    pub fn database_url_redacted(&self) -> String {
        redact_url(&self.database_url)
    }

    /// The URL people open: the public URL if set, else `http://` and the listen address
    /// (`0.0.0.0` and `::` shown as `127.0.0.1` and `[::1]`, which work from the same machine).
    pub fn url(&self) -> String {
        self.public_url_or(self.listen)
    }

    /// Like [`ServerConfig::url`] for the address the server actually bound (port 0 resolved).
    pub fn public_url_or(&self, bound: SocketAddr) -> String {
        if let Some(url) = &self.public_url {
            return url.to_string();
        }
        let mut addr = bound;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{addr}")
    }

    /// Whether session cookies are marked `Secure` ([`SecureCookies`]).
    pub fn secure_cookies(&self) -> bool {
        match self.auth.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            SecureCookies::Auto => {
                let url = self.url();
                let local_http = url.strip_prefix("http://").is_some_and(|rest| {
                    let host = rest.split('/').next().unwrap_or_default();
                    let host = match host.rsplit_once(':') {
                        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
                        _ => host,
                    };
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    host.eq_ignore_ascii_case("localhost")
                        || host
                            .parse::<std::net::IpAddr>()
                            .is_ok_and(|ip| ip.is_loopback())
                });
                !local_http
            }
        }
    }

    /// Whether browsers reach the server over HTTPS (then cookies are `Secure` and HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_url.as_ref().is_some_and(PublicUrl::is_https)
    }
}

/// One setting's raw value and where it came from.
struct Setting {
    value: Option<String>,
    origin: Origin,
}

impl Setting {
    fn pick(
        path: &Path,
        key: &'static str,
        file_value: Option<String>,
        env_name: &'static str,
        env_value: Option<String>,
    ) -> Setting {
        match (env_value, file_value) {
            (Some(v), _) => Setting {
                value: Some(v),
                origin: Origin::Env(env_name),
            },
            (None, Some(v)) => Setting {
                value: Some(v),
                origin: Origin::File {
                    path: path.to_path_buf(),
                    key,
                },
            },
            (None, None) => Setting {
                value: None,
                origin: Origin::Default,
            },
        }
    }

    fn command_line(flag: &'static str, value: String) -> Setting {
        Setting {
            value: Some(value),
            origin: Origin::CommandLine(flag),
        }
    }

    fn parse_or<T>(
        self,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.value {
            None => Ok(default),
            Some(v) => parse(&v).map_err(|message| ConfigError::Invalid {
                origin: self.origin,
                message,
            }),
        }
    }

    fn parse_opt<T>(
        self,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match self.value {
            None => Ok(None),
            Some(v) => parse(&v).map(Some).map_err(|message| ConfigError::Invalid {
                origin: self.origin,
                message,
            }),
        }
    }
}

/// The config file. Every table and key is optional; unknown ones are refused by name.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    server: FileServer,
    database: FileDatabase,
    keys: FileKeys,
    log: FileLog,
    ledger: FileLedger,
    auth: FileAuth,
    dci: FileDci,
    audit: FileAudit,
    registry: FileRegistry,
    targeting: FileTargeting,
    payments: FilePayments,
    notify: tepat_core::portal::notify::config::NotifyFile,
    citizen: FileCitizen,
    opendata: tepat_core::opendata::OpenDataFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileCitizen {
    per_client_per_hour: Option<u64>,
    per_nik_per_hour: Option<u64>,
    card_ttl_seconds: Option<u64>,
    office_contact: Option<String>,
    sms_secret_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FilePayments {
    voucher_key_file: Option<PathBuf>,
    payer_fa: Option<String>,
    distribution_days: Option<u64>,
    bank: Vec<FileBank>,
    ewallet: Vec<FileEwallet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBank {
    code: String,
    debtor_name: String,
    debtor_account: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEwallet {
    provider: String,
    url: String,
    receiver_id: String,
    keys: String,
}

/// `[payments]`: the voucher key and payer address from the usual layers; banks and e-wallets from the
/// file only (tables do not fit in one variable).
/// `[citizen]`: the status check's and citizen forms' limits, card freshness, contact, SMS secret.
fn citizen_settings(
    file: FileCitizen,
    layer: &dyn Fn(&'static str, Option<String>, &'static str) -> Setting,
) -> Result<CitizenConfig, ConfigError> {
    let defaults = CitizenConfig::default();
    let number =
        |key, value: Option<u64>, env_name| layer(key, value.map(|n| n.to_string()), env_name);
    Ok(CitizenConfig {
        per_client_per_hour: number(
            "[citizen] per_client_per_hour",
            file.per_client_per_hour,
            env::CITIZEN_PER_CLIENT_PER_HOUR,
        )
        .parse_or(defaults.per_client_per_hour, parse_positive::<u32>)?,
        per_nik_per_hour: number(
            "[citizen] per_nik_per_hour",
            file.per_nik_per_hour,
            env::CITIZEN_PER_NIK_PER_HOUR,
        )
        .parse_or(defaults.per_nik_per_hour, parse_positive::<u32>)?,
        card_ttl: number(
            "[citizen] card_ttl_seconds",
            file.card_ttl_seconds,
            env::CITIZEN_CARD_TTL_SECONDS,
        )
        .parse_or(defaults.card_ttl, |v| {
            v.trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| {
                    format!("`{v}` is not a whole number of seconds (0 rebuilds every card)")
                })
        })?,
        office_contact: layer(
            "[citizen] office_contact",
            file.office_contact,
            env::CITIZEN_OFFICE_CONTACT,
        )
        .parse_or(defaults.office_contact, |v| Ok(v.trim().to_owned()))?,
        sms_secret_file: layer(
            "[citizen] sms_secret_file",
            file.sms_secret_file
                .map(|p| p.to_string_lossy().into_owned()),
            env::CITIZEN_SMS_SECRET_FILE,
        )
        .parse_opt(|v| Ok(PathBuf::from(v.trim())))?,
    })
}

fn payments_settings(
    file: FilePayments,
    path: &Path,
    beside_db: &Path,
    layer: &dyn Fn(&'static str, Option<String>, &'static str) -> Setting,
) -> Result<PaymentsConfig, ConfigError> {
    let voucher_key_file = layer(
        "[payments] voucher_key_file",
        file.voucher_key_file
            .map(|p| p.to_string_lossy().into_owned()),
        env::PAYMENTS_VOUCHER_KEY_FILE,
    )
    .parse_or(beside_db.join(DEFAULT_VOUCHER_KEY_FILE), |v| {
        Ok(PathBuf::from(v.trim()))
    })?;
    let payer_fa =
        layer("[payments] payer_fa", file.payer_fa, env::PAYMENTS_PAYER_FA).parse_opt(|v| {
            v.parse::<tepat_domain::distribution::FinancialAddress>()
                .map_err(|e| e.to_string())
        })?;
    let distribution_days = match file.distribution_days {
        None => DEFAULT_DISTRIBUTION_DAYS,
        Some(n @ 1..=90) => n as u32,
        Some(_) => {
            return Err(ConfigError::Invalid {
                origin: Origin::File {
                    path: path.to_path_buf(),
                    key: "[payments] distribution_days",
                },
                message: "must be 1 to 90 days".into(),
            })
        }
    };
    let invalid = |key: &'static str, message: String| ConfigError::Invalid {
        origin: Origin::File {
            path: path.to_path_buf(),
            key,
        },
        message,
    };
    let mut banks: Vec<BankDebtor> = Vec::new();
    for (i, b) in file.bank.into_iter().enumerate() {
        let bank = bank_debtor(b)
            .map_err(|m| invalid("[[payments.bank]]", format!("entry {}: {m}", i + 1)))?;
        if banks.iter().any(|x| x.code == bank.code) {
            return Err(invalid(
                "[[payments.bank]]",
                format!("bank `{}` is listed twice", bank.code),
            ));
        }
        banks.push(bank);
    }
    let mut ewallets: Vec<EwalletProvider> = Vec::new();
    for (i, e) in file.ewallet.into_iter().enumerate() {
        let provider = ewallet_provider(e, path)
            .map_err(|m| invalid("[[payments.ewallet]]", format!("entry {}: {m}", i + 1)))?;
        if ewallets.iter().any(|x| x.provider == provider.provider) {
            return Err(invalid(
                "[[payments.ewallet]]",
                format!("provider `{}` is listed twice", provider.provider),
            ));
        }
        ewallets.push(provider);
    }
    Ok(PaymentsConfig {
        voucher_key_file,
        payer_fa,
        banks,
        ewallets,
        distribution_days,
    })
}

fn bank_debtor(b: FileBank) -> Result<BankDebtor, String> {
    use tepat_domain::distribution::{AddressKind, FinancialAddress};
    // The same rules as a household's account, so a typo is caught before the first file is written.
    let account = FinancialAddress::new(AddressKind::Account, &b.debtor_account, &b.code)
        .map_err(|e| e.to_string())?;
    let name = b.debtor_name.trim();
    if name.is_empty() || name.chars().count() > 140 {
        return Err(
            "debtor_name must be 1 to 140 characters, the office's name on its account".into(),
        );
    }
    Ok(BankDebtor {
        code: account.provider().to_owned(),
        debtor_name: name.to_owned(),
        debtor_account: account.id().to_owned(),
    })
}

fn ewallet_provider(e: FileEwallet, config_path: &Path) -> Result<EwalletProvider, String> {
    use tepat_domain::distribution::{AddressKind, FinancialAddress};
    let provider = FinancialAddress::new(AddressKind::Mobile, "081200000000", &e.provider)
        .map_err(|e| e.to_string())?
        .provider()
        .to_owned();
    let url = e.url.trim().trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        return Err(format!("url `{url}` is not an http(s) URL"));
    }
    let receiver_id = e.receiver_id.trim();
    if receiver_id.is_empty() || receiver_id.contains(['|', ' ']) {
        return Err("receiver_id must be the provider's DCI id, such as dana.id".into());
    }
    let keys = jwks(e.keys.trim(), config_path)?;
    Ok(EwalletProvider {
        provider,
        url: url.to_owned(),
        receiver_id: receiver_id.to_owned(),
        keys,
    })
}

/// `keys`: JWKS JSON inline (starts with `{`) or the path of a file holding it (relative paths from
/// the config file's directory).
fn jwks(keys: &str, config_path: &Path) -> Result<tepat_dci::Jwks, String> {
    let text = if keys.starts_with('{') {
        keys.to_owned()
    } else {
        let file = config_path
            .parent()
            .map_or_else(|| PathBuf::from(keys), |dir| dir.join(keys));
        std::fs::read_to_string(&file)
            .map_err(|err| format!("keys: cannot read {}: {err}", file.display()))?
    };
    let jwks: tepat_dci::Jwks = serde_json::from_str(&text)
        .map_err(|err| format!("keys: not a JWKS (`{{\"keys\": [...]}}`): {err}"))?;
    if jwks.keys.is_empty() {
        return Err("keys: the JWKS has no key".into());
    }
    jwks.check().map_err(|err| format!("keys: {err}"))?;
    Ok(jwks)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileAudit {
    anchor_minutes: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileRegistry {
    reverify_after_days: Option<u64>,
    photo_retention_days: Option<u64>,
    photo_max_bytes: Option<u64>,
    objection_answer_days: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileTargeting {
    indicators_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileDci {
    sender_id: Option<String>,
    key_file: Option<PathBuf>,
    callback_hosts: Option<Vec<String>>,
    allow_private_callbacks: Option<bool>,
    rate_per_minute: Option<u64>,
    max_body_bytes: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileAuth {
    session_idle_minutes: Option<u64>,
    session_max_hours: Option<u64>,
    lockout_failures: Option<u64>,
    lockout_minutes: Option<u64>,
    client_max_failures: Option<u64>,
    client_window_minutes: Option<u64>,
    secure_cookies: Option<String>,
    client_ip_header: Option<String>,
    passkeys: Option<bool>,
    passkey_rp_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileLedger {
    dir: Option<PathBuf>,
    key_file: Option<PathBuf>,
    quorum: Option<u64>,
    witness: Vec<FileWitness>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWitness {
    url: String,
    key: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileServer {
    listen: Option<String>,
    public_url: Option<String>,
    default_lang: Option<String>,
    max_body_bytes: Option<u64>,
    request_timeout_secs: Option<u64>,
    shutdown_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileDatabase {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileKeys {
    file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileLog {
    level: Option<String>,
    format: Option<String>,
}

impl FileConfig {
    fn read(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        FileConfig::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let message = e.message().trim_end();
            match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!("line {line}, column {column}: {message}")
                }
                None => message.to_owned(),
            }
        })
    }
}

fn parse_listen(v: &str) -> Result<SocketAddr, String> {
    v.trim().parse().map_err(|_| {
        format!(
            "`{v}` is not an IP address and port; write it like 127.0.0.1:8080 (this machine only), \
             0.0.0.0:8080 (every network) or [::]:8080"
        )
    })
}

/// `URL KEY, URL KEY, …` (the form of `TEPAT_LEDGER_WITNESSES`).
fn parse_witness_list(v: &str) -> Result<Vec<WitnessConfig>, String> {
    v.split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| {
            let mut parts = item.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(url), Some(key), None) => parse_witness(url, key),
                _ => Err(format!(
                    "`{}` is not `URL KEY`; write witnesses as `URL KEY, URL KEY`",
                    item.trim()
                )),
            }
        })
        .collect()
}

fn parse_witness(url: &str, key: &str) -> Result<WitnessConfig, String> {
    let url = PublicUrl::parse(url)
        .map_err(|e| format!("witness URL: {e}"))?
        .to_string();
    let v = tepat_ledger::NoteVerifier::from_vkey(key.trim())
        .map_err(|e| format!("witness key `{}`: {e}", key.trim()))?;
    if v.key_type() != tepat_ledger::KeyType::CosignatureV1 {
        return Err(format!(
            "witness key `{}` is not a cosignature/v1 key (`tepat witness init` prints one)",
            key.trim()
        ));
    }
    Ok(WitnessConfig {
        url,
        key: key.trim().to_owned(),
    })
}

fn parse_lang(v: &str) -> Result<Lang, String> {
    Lang::from_tag(v)
        .ok_or_else(|| format!("`{v}` is not a language tepat speaks; use `id` or `en`"))
}

fn parse_positive<T: FromStr + PartialOrd + Default>(v: &str) -> Result<T, String> {
    match v.trim().parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(format!("`{v}` is not a whole number above 0")),
    }
}

fn parse_secs(v: &str) -> Result<Duration, String> {
    parse_positive::<u64>(v)
        .map(Duration::from_secs)
        .map_err(|e| format!("{e} (seconds)"))
}

fn parse_database_url(v: &str) -> Result<String, String> {
    let v = v.trim();
    tepat_store::DatabaseUrl::parse(v)
        .map(|_| v.to_owned())
        .map_err(|e| e.to_string())
}

fn parse_log_level(v: &str) -> Result<String, String> {
    let v = v.trim();
    tracing_subscriber::EnvFilter::builder()
        .parse(v)
        .map(|_| v.to_owned())
        .map_err(|e| {
            format!("`{v}` is not a log level or filter ({e}); use e.g. `info`, `debug` or `info,tepat_web=debug`")
        })
}

/// `scheme://user:secret@host/…` → `scheme://user:***@host/…`; anything else unchanged.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => {
            // A password can also travel as a query parameter.
            match tail.split_once('?') {
                Some((path, query)) if query.to_ascii_lowercase().contains("password=") => {
                    format!("{scheme}://{authority}{path}?***")
                }
                _ => url.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("tepat.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn defaults_without_file_or_environment() {
        let config =
            ServerConfig::load_with_env(None, ConfigOverrides::default(), env_of(&[])).unwrap();
        assert_eq!(config, ServerConfig::default());
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://tepat.db");
        assert_eq!(config.key_file, PathBuf::from("tepat.keys"));
        assert_eq!(config.default_lang, Lang::Id);
        assert_eq!(config.log.level, "info");
        assert_eq!(config.url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn command_line_beats_environment_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            r#"
            [server]
            listen = "127.0.0.1:1001"
            default_lang = "en"
            max_body_bytes = 1000
            [database]
            url = "sqlite://from-file.db"
            [keys]
            file = "/etc/tepat/file.keys"
            [log]
            level = "debug"
            format = "json"
            "#,
        );
        let env = env_of(&[
            ("TEPAT_LISTEN", "127.0.0.1:2002"),
            ("TEPAT_DATABASE_URL", "sqlite://from-env.db"),
            ("TEPAT_LOG", "warn"),
        ]);
        let overrides = ConfigOverrides {
            listen: Some("127.0.0.1:3003".parse().unwrap()),
            ..ConfigOverrides::default()
        };
        let config = ServerConfig::load_with_env(Some(&path), overrides, env).unwrap();
        assert_eq!(config.listen.port(), 3003, "command line wins");
        assert_eq!(
            config.database_url, "sqlite://from-env.db",
            "environment beats file"
        );
        assert_eq!(config.log.level, "warn", "environment beats file");
        assert_eq!(
            config.key_file,
            PathBuf::from("/etc/tepat/file.keys"),
            "file beats default"
        );
        assert_eq!(config.default_lang, Lang::En);
        assert_eq!(config.max_body_bytes, 1000);
        assert_eq!(config.log.format, LogFormat::Json);
        assert_eq!(config.request_timeout, DEFAULT_REQUEST_TIMEOUT, "default");
        assert_eq!(config.file.as_deref(), Some(path.as_path()));
    }

    #[test]
    fn the_file_can_come_from_tepat_config_and_the_flag_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(&a, "[server]\nlisten = \"127.0.0.1:1111\"\n").unwrap();
        std::fs::write(&b, "[server]\nlisten = \"127.0.0.1:2222\"\n").unwrap();
        let env = env_of(&[("TEPAT_CONFIG", a.to_str().unwrap())]);
        let config = ServerConfig::load_with_env(None, ConfigOverrides::default(), &env).unwrap();
        assert_eq!(config.listen.port(), 1111);
        let config =
            ServerConfig::load_with_env(Some(&b), ConfigOverrides::default(), &env).unwrap();
        assert_eq!(config.listen.port(), 2222);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[server]\nlisen = \"127.0.0.1:8080\"\n");
        let err = ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ConfigError::Parse { .. }), "{message}");
        assert!(message.contains("lisen"), "{message}");
        assert!(message.contains("tepat.toml"), "{message}");
        assert!(message.contains("line 2, column 1"), "{message}");

        let path = write(&dir, "[serverr]\nlisten = \"127.0.0.1:8080\"\n");
        let message =
            ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
                .unwrap_err()
                .to_string();
        assert!(message.contains("serverr"), "{message}");
    }

    #[test]
    fn bad_values_name_where_they_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[server]\nlisten = \"localhost:8080\"\n");
        let message =
            ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
                .unwrap_err()
                .to_string();
        assert!(message.contains("[server] listen"), "{message}");
        assert!(
            message.contains("127.0.0.1:8080"),
            "suggests a fix: {message}"
        );

        let cases = [
            ("TEPAT_LISTEN", "8080"),
            ("TEPAT_DEFAULT_LANG", "fr"),
            ("TEPAT_MAX_BODY_BYTES", "0"),
            ("TEPAT_REQUEST_TIMEOUT_SECS", "ten"),
            ("TEPAT_LOG", "info,[[["),
            ("TEPAT_LOG_FORMAT", "xml"),
            ("TEPAT_PUBLIC_URL", "bansos.example.go.id"),
            ("TEPAT_DATABASE_URL", "mysql://root:hunter2@db/tepat"),
        ];
        for (name, value) in cases {
            let err = ServerConfig::load_with_env(
                None,
                ConfigOverrides::default(),
                env_of(&[(name, value)]),
            )
            .unwrap_err();
            let message = err.to_string();
            assert!(message.contains(name), "{name}: {message}");
            assert!(
                !message.contains("hunter2"),
                "passwords never shown: {message}"
            );
        }

        let overrides = ConfigOverrides {
            public_url: Some("ftp://x".into()),
            ..ConfigOverrides::default()
        };
        let message = ServerConfig::load_with_env(None, overrides, env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(message.contains("--public-url"), "{message}");
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let err = ServerConfig::load_with_env(
            Some(Path::new("/nonexistent/tepat.toml")),
            ConfigOverrides::default(),
            env_of(&[]),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
        assert!(err.to_string().contains("/nonexistent/tepat.toml"));
    }

    #[test]
    fn empty_environment_values_count_as_unset() {
        let config = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_LISTEN", ""), ("TEPAT_CONFIG", " ")]),
        )
        .unwrap();
        assert_eq!(config.listen, DEFAULT_LISTEN);
    }

    #[test]
    fn public_urls_are_normalised() {
        let url = PublicUrl::parse(" HTTPS://bansos.example.go.id/ ").unwrap();
        assert_eq!(url.as_str(), "https://bansos.example.go.id");
        assert!(url.is_https());
        let url = PublicUrl::parse("http://10.0.0.5:8080/tepat/").unwrap();
        assert_eq!(url.as_str(), "http://10.0.0.5:8080/tepat");
        assert!(!url.is_https());
        for bad in ["https://", "https:///x", "https://x?y=1", "ftp://x", "x"] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let config = ServerConfig {
            database_url: "postgres://tepat:s3cret@db.internal:5432/tepat".into(),
            ..ServerConfig::default()
        };
        assert_eq!(
            config.database_url_redacted(),
            "postgres://tepat:***@db.internal:5432/tepat"
        );
        assert!(!format!("{config:?}").contains("s3cret"));
        assert_eq!(
            redact_url("postgres://db/tepat?user=a&password=b"),
            "postgres://db/tepat?***"
        );
        assert_eq!(redact_url("sqlite://tepat.db"), "sqlite://tepat.db");
    }

    #[test]
    fn the_url_people_open() {
        let mut config = ServerConfig {
            listen: "0.0.0.0:9000".parse().unwrap(),
            ..ServerConfig::default()
        };
        assert_eq!(config.url(), "http://127.0.0.1:9000");
        config.public_url = Some(PublicUrl::parse("https://bansos.example.go.id").unwrap());
        assert_eq!(config.url(), "https://bansos.example.go.id");
        assert!(config.is_https());
    }

    const W1: &str =
        "inspektorat.belitungkab.go.id/witness+e594c876+BMhhUiR55XSB5ad9CGEmVXaBXrqp7F3ZlSo4b41mvdAT";
    const W2: &str =
        "bappeda.belitungkab.go.id/witness+1f552a93+BN20ckb2HBU/hBmrDhcFTW0V+BiSNx++pVTsumZUsNcx";

    #[test]
    fn the_ledger_lives_beside_the_database_and_takes_witnesses_from_file_or_environment() {
        let config = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_DATABASE_URL", "sqlite:///var/lib/tepat/tepat.db")]),
        )
        .unwrap();
        assert_eq!(
            config.ledger.dir,
            PathBuf::from("/var/lib/tepat/tepat-ledger")
        );
        assert_eq!(
            config.ledger.key_file,
            PathBuf::from("/var/lib/tepat/tepat-ledger.key")
        );
        assert!(config.ledger.witnesses.is_empty());
        assert_eq!(config.ledger.quorum, 0);

        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            &format!(
                "[ledger]\ndir = \"/srv/l\"\n[[ledger.witness]]\nurl = \"https://w1.example/\"\nkey = \"{W1}\"\n\
                 [[ledger.witness]]\nurl = \"http://127.0.0.1:9001\"\nkey = \"{W2}\"\n"
            ),
        );
        let config =
            ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
                .unwrap();
        assert_eq!(config.ledger.dir, PathBuf::from("/srv/l"));
        assert_eq!(config.ledger.witnesses.len(), 2);
        assert_eq!(config.ledger.witnesses[0].url, "https://w1.example");
        assert_eq!(config.ledger.quorum, 2, "default: all witnesses");

        // The environment replaces the file's list; a quorum above the witnesses is refused.
        let env = env_of(&[
            (
                "TEPAT_LEDGER_WITNESSES",
                &format!("http://127.0.0.1:1 {W2}"),
            ),
            ("TEPAT_LEDGER_QUORUM", "1"),
        ]);
        let config =
            ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env).unwrap();
        assert_eq!(config.ledger.witnesses.len(), 1);
        assert_eq!(config.ledger.quorum, 1);
        let err = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_LEDGER_QUORUM", "1")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("TEPAT_LEDGER_QUORUM"), "{err}");

        for bad in [
            "http://x".to_owned(),
            format!("ftp://x {W1}"),
            "http://x dinsos+12345678+AAAA".to_owned(),
        ] {
            let err = ServerConfig::load_with_env(
                None,
                ConfigOverrides::default(),
                env_of(&[("TEPAT_LEDGER_WITNESSES", &bad)]),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("TEPAT_LEDGER_WITNESSES"), "{bad}: {err}");
        }
        let path = write(&dir, "[ledger]\nwitnesses = 2\n");
        let err = ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("witnesses"), "unknown keys refused: {err}");
    }

    #[test]
    fn cookies_are_secure_except_on_plain_http_loopback() {
        let mut config = ServerConfig::default();
        assert!(!config.secure_cookies(), "http://127.0.0.1:8080 (the demo)");
        config.listen = "0.0.0.0:8080".parse().unwrap();
        assert!(!config.secure_cookies(), "shown as http://127.0.0.1:8080");
        config.listen = "10.0.0.5:8080".parse().unwrap();
        assert!(
            config.secure_cookies(),
            "plain http on a network: Secure (set public_url or `never`)"
        );
        config.public_url = Some(PublicUrl::parse("http://localhost:8080").unwrap());
        assert!(!config.secure_cookies());
        config.public_url = Some(PublicUrl::parse("https://bansos.example.go.id").unwrap());
        assert!(config.secure_cookies());
        config.auth.secure_cookies = SecureCookies::Never;
        assert!(!config.secure_cookies());
        let config = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[
                ("TEPAT_SECURE_COOKIES", "always"),
                ("TEPAT_LOCKOUT_FAILURES", "7"),
                ("TEPAT_SESSION_IDLE_MINUTES", "10"),
                ("TEPAT_CLIENT_IP_HEADER", "X-Real-IP"),
            ]),
        )
        .unwrap();
        assert!(config.secure_cookies());
        assert_eq!(config.auth.lockout_failures, 7);
        assert_eq!(config.auth.session_idle, Duration::from_secs(600));
        assert_eq!(config.auth.client_ip_header.as_deref(), Some("x-real-ip"));
        for (name, value) in [
            ("TEPAT_SECURE_COOKIES", "sometimes"),
            ("TEPAT_LOCKOUT_FAILURES", "0"),
            ("TEPAT_CLIENT_IP_HEADER", "not a header"),
        ] {
            let err = ServerConfig::load_with_env(
                None,
                ConfigOverrides::default(),
                env_of(&[(name, value)]),
            )
            .unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn upkeep_settings_default_and_layer() {
        let dir = tempfile::tempdir().unwrap();
        let config =
            ServerConfig::load_with_env(None, ConfigOverrides::default(), env_of(&[])).unwrap();
        assert_eq!(config.audit.anchor_minutes, 60);
        assert_eq!(config.registry.reverify_after_days, 365);
        let path = write(
            &dir,
            "[audit]\nanchor_minutes = 15\n\n[registry]\nreverify_after_days = 180\n",
        );
        let config = ServerConfig::load_with_env(
            Some(&path),
            ConfigOverrides::default(),
            env_of(&[("TEPAT_REGISTRY_REVERIFY_AFTER_DAYS", "90")]),
        )
        .unwrap();
        assert_eq!(config.audit.anchor_minutes, 15);
        assert_eq!(
            config.registry.reverify_after_days, 90,
            "the environment wins"
        );
        let off = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_AUDIT_ANCHOR_MINUTES", "0")]),
        )
        .unwrap();
        assert_eq!(off.audit.anchor_minutes, 0, "0 turns anchoring off");
        let err = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_AUDIT_ANCHOR_MINUTES", "-5")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("TEPAT_AUDIT_ANCHOR_MINUTES"), "{err}");
    }

    #[test]
    fn the_objection_deadline_and_the_indicators_file_default_and_layer() {
        let dir = tempfile::tempdir().unwrap();
        let config =
            ServerConfig::load_with_env(None, ConfigOverrides::default(), env_of(&[])).unwrap();
        assert_eq!(config.registry.objection_answer_days, 14);
        assert_eq!(config.targeting.indicators_file, None, "trends only");
        let path = write(
            &dir,
            "[registry]\nobjection_answer_days = 7\n\n[targeting]\nindicators_file = \"/srv/indikator.csv\"\n",
        );
        let config =
            ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
                .unwrap();
        assert_eq!(config.registry.objection_answer_days, 7);
        assert_eq!(
            config.targeting.indicators_file,
            Some(PathBuf::from("/srv/indikator.csv"))
        );
        let env_wins = ServerConfig::load_with_env(
            Some(&path),
            ConfigOverrides::default(),
            env_of(&[("TEPAT_REGISTRY_OBJECTION_ANSWER_DAYS", "21")]),
        )
        .unwrap();
        assert_eq!(env_wins.registry.objection_answer_days, 21);
        let err = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_REGISTRY_OBJECTION_ANSWER_DAYS", "0")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("TEPAT_REGISTRY_OBJECTION_ANSWER_DAYS"),
            "{err}"
        );
    }

    #[test]
    fn the_agency_api_settings_have_safe_defaults_and_layer_like_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[
                ("TEPAT_DATABASE_URL", "sqlite:///srv/tepat/tepat.db"),
                ("TEPAT_PUBLIC_URL", "https://dinsos.belitungkab.go.id/tepat"),
            ]),
        )
        .unwrap();
        assert_eq!(config.dci.sender_id, "dinsos.belitungkab.go.id");
        assert_eq!(
            config.dci.key_file,
            PathBuf::from("/srv/tepat/tepat-dci.key")
        );
        assert!(
            !config.dci.allow_private_callbacks,
            "SSRF protection is on by default"
        );
        assert!(config.dci.callback_hosts.is_empty());
        let path = write(
            &dir,
            "[dci]\nsender_id = \"a.example\"\ncallback_hosts = [\"Dukcapil.Example\", \"*.bpjs.example\"]\nrate_per_minute = 10\n",
        );
        let config = ServerConfig::load_with_env(
            Some(&path),
            ConfigOverrides::default(),
            env_of(&[
                ("TEPAT_DCI_ALLOW_PRIVATE_CALLBACKS", "true"),
                ("TEPAT_DCI_RATE_PER_MINUTE", "60"),
            ]),
        )
        .unwrap();
        assert_eq!(config.dci.sender_id, "a.example");
        assert_eq!(
            config.dci.callback_hosts,
            ["dukcapil.example", "*.bpjs.example"]
        );
        assert!(config.dci.allow_private_callbacks);
        assert_eq!(
            config.dci.rate_per_minute, 60,
            "the environment wins over the file"
        );
        let err = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_DCI_ALLOW_PRIVATE_CALLBACKS", "maybe")]),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("TEPAT_DCI_ALLOW_PRIVATE_CALLBACKS"),
            "{err}"
        );
    }

    #[test]
    fn payments_settings_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dana.json"),
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"dana-1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#,
        )
        .unwrap();
        let text = "[payments]\npayer_fa = \"account:1234567890@bri\"\n\
            [[payments.bank]]\ncode = \"BRI\"\ndebtor_name = \"Dinas Sosial\"\ndebtor_account = \"0012-3456-789\"\n\
            [[payments.ewallet]]\nprovider = \"dana\"\nurl = \"https://g2p.dana.test/api/\"\nreceiver_id = \"dana.test\"\nkeys = \"dana.json\"\n";
        let path = write(&dir, text);
        let config =
            ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
                .unwrap();
        let p = &config.payments;
        assert_eq!(p.bank("bri").unwrap().debtor_account, "00123456789");
        assert_eq!(p.ewallet("dana").unwrap().url, "https://g2p.dana.test/api");
        assert_eq!(p.ewallet("dana").unwrap().keys.keys.len(), 1);
        assert_eq!(p.payer_fa.as_ref().unwrap().provider(), "bri");
        assert!(p.voucher_key_file.ends_with(DEFAULT_VOUCHER_KEY_FILE));

        for (bad, says) in [
            ("[[payments.bank]]\ncode = \"bri\"\ndebtor_name = \"D\"\ndebtor_account = \"12\"\n", "6 to 20 digits"),
            ("[[payments.bank]]\ncode = \"bri\"\ndebtor_name = \"D\"\ndebtor_account = \"123456\"\n[[payments.bank]]\ncode = \"bri\"\ndebtor_name = \"D\"\ndebtor_account = \"123456\"\n", "listed twice"),
            ("[[payments.ewallet]]\nprovider = \"dana\"\nurl = \"ftp://x\"\nreceiver_id = \"d\"\nkeys = \"{}\"\n", "http(s)"),
            ("[[payments.ewallet]]\nprovider = \"dana\"\nurl = \"https://x\"\nreceiver_id = \"d\"\nkeys = \"missing.json\"\n", "cannot read"),
            ("[payments]\npayer_fa = \"bri:123\"\n", "[payments] payer_fa"),
        ] {
            let path = write(&dir, bad);
            let message =
                ServerConfig::load_with_env(Some(&path), ConfigOverrides::default(), env_of(&[]))
                    .unwrap_err()
                    .to_string();
            assert!(message.contains(says), "{bad}: {message}");
        }
        let err = ServerConfig::load_with_env(
            None,
            ConfigOverrides::default(),
            env_of(&[("TEPAT_PAYMENTS_PAYER_FA", "mobile:12@dana")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("TEPAT_PAYMENTS_PAYER_FA"), "{err}");
    }

    /// docs/configuration.md shows a complete config file and names every environment variable.
    #[test]
    fn the_documentation_matches() {
        let doc = include_str!("../../../docs/configuration.md");
        let example = doc
            .split("```toml")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/configuration.md has a ```toml example");
        let file = FileConfig::parse(example).expect("the documented example parses");
        let s = &file.server;
        assert!(
            s.listen.is_some()
                && s.public_url.is_some()
                && s.default_lang.is_some()
                && s.max_body_bytes.is_some()
                && s.request_timeout_secs.is_some()
                && s.shutdown_timeout_secs.is_some()
                && file.database.url.is_some()
                && file.keys.file.is_some()
                && file.log.level.is_some()
                && file.log.format.is_some()
                && file.ledger.dir.is_some()
                && file.ledger.key_file.is_some()
                && file.ledger.quorum.is_some()
                && !file.ledger.witness.is_empty()
                && file.auth.session_idle_minutes.is_some()
                && file.auth.session_max_hours.is_some()
                && file.auth.lockout_failures.is_some()
                && file.auth.lockout_minutes.is_some()
                && file.auth.client_max_failures.is_some()
                && file.auth.client_window_minutes.is_some()
                && file.auth.secure_cookies.is_some()
                && file.auth.client_ip_header.is_some()
                && file.dci.sender_id.is_some()
                && file.dci.key_file.is_some()
                && file.dci.callback_hosts.is_some()
                && file.dci.allow_private_callbacks.is_some()
                && file.dci.rate_per_minute.is_some()
                && file.dci.max_body_bytes.is_some()
                && file.audit.anchor_minutes.is_some()
                && file.registry.reverify_after_days.is_some()
                && file.registry.photo_retention_days.is_some()
                && file.registry.photo_max_bytes.is_some()
                && file.registry.objection_answer_days.is_some()
                && file.targeting.indicators_file.is_some()
                && file.payments.voucher_key_file.is_some()
                && file.payments.payer_fa.is_some()
                && file.payments.distribution_days.is_some()
                && !file.payments.bank.is_empty()
                && !file.payments.ewallet.is_empty()
                && file.citizen.per_client_per_hour.is_some()
                && file.citizen.per_nik_per_hour.is_some()
                && file.citizen.card_ttl_seconds.is_some()
                && file.citizen.office_contact.is_some()
                && file.citizen.sms_secret_file.is_some(),
            "the example sets every key: {file:?}"
        );
        for name in env::ALL {
            assert!(doc.contains(&format!("`{name}`")), "{name} is documented");
        }
    }
}
