//! The SMS channel for feature phones: `CEK <NIK> <KK>` (any case, any spacing) → a short reply in
//! Indonesian, at most [`MAX_SEGMENTS`] SMS segments of plain GSM-7 text; anything else → [`HELP`].
//! The web layer receives the gateway's webhook and returns the reply for the gateway to send.

use chrono::{DateTime, Utc};
use tepat_domain::distribution::EntitlementState;
use tepat_domain::Lang;
use tepat_store::Store;

use super::card::{Advice, ProgramStatus, RegistryStage, Stage, StatusCard};
use super::StatusService;
use crate::intake::citizen::{CitizenError, Proof};

/// Segments a reply may take (a concatenated SMS segment carries 153 GSM-7 characters).
pub const MAX_SEGMENTS: usize = 3;
const SEGMENT_CHARS: usize = 153;
/// The longest reply: three concatenated segments.
pub const MAX_REPLY_CHARS: usize = MAX_SEGMENTS * SEGMENT_CHARS;

/// The reply to anything that is not a command.
pub const HELP: &str = "Cek status bansos: kirim CEK <spasi> NIK <spasi> nomor KK. \
Contoh: CEK 3201010101900001 3201010101900002. Info: kantor desa/kelurahan atau Dinas Sosial.";

const NOT_RECOGNISED: &str = "NIK dan nomor KK tidak cocok dengan data kependudukan. \
Periksa kedua nomor di kartu keluarga (KK), lalu kirim lagi: CEK NIK KK.";
const TOO_MANY: &str = "Terlalu banyak percobaan. Tunggu satu jam lalu coba lagi.";
const MALFORMED: &str = "NIK dan nomor KK masing-masing 16 angka. Kirim: CEK NIK KK.";
const FAILED: &str = "Layanan sedang gangguan. Coba lagi nanti.";

/// What an incoming SMS asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Check { nik: String, kk: String },
    Help,
}

/// Reads an incoming message: `CEK`, then the NIK, then the KK number, separated by spaces (or `#`,
/// `*`, `.`, `,`, as some phones and gateways insert).
pub fn parse(text: &str) -> Command {
    let mut words = text
        .split(|c: char| c.is_whitespace() || matches!(c, '#' | '*' | '.' | ',' | ';'))
        .filter(|w| !w.is_empty());
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some(cmd), Some(nik), Some(kk), None) if cmd.eq_ignore_ascii_case("cek") => {
            Command::Check {
                nik: nik.to_owned(),
                kk: kk.to_owned(),
            }
        }
        _ => Command::Help,
    }
}

/// The reply to `text` from `sender` (the number as the gateway gives it; only a keyed hash of it
/// is kept, by the limits).
pub async fn answer(
    service: &StatusService,
    store: &dyn Store,
    sender: &str,
    text: &str,
    now: DateTime<Utc>,
) -> String {
    let Command::Check { nik, kk } = parse(text) else {
        return HELP.to_owned();
    };
    let proof = Proof { nik: &nik, kk: &kk };
    match service.check_for_sms(store, &proof, sender, now).await {
        Ok(card) => reply(&card),
        Err(CitizenError::TooMany) => TOO_MANY.to_owned(),
        Err(CitizenError::Field { .. }) => MALFORMED.to_owned(),
        Err(CitizenError::Store) => FAILED.to_owned(),
        Err(_) => NOT_RECOGNISED.to_owned(),
    }
}

/// The card in at most [`MAX_REPLY_CHARS`] GSM-7 characters: the registry, each program the
/// household has something in (stage, amount, next collection), then what to do.
pub fn reply(card: &StatusCard) -> String {
    let mut out = String::from("BANSOS ");
    out.push_str(&card.village_name);
    out.push_str(": ");
    out.push_str(match card.registry {
        RegistryStage::NotListed => "belum terdaftar di data sosial.",
        RegistryStage::Proposed => "diusulkan, menunggu verifikasi.",
        RegistryStage::Verified => "terdaftar di data sosial.",
    });
    if let Some(d) = card.desil {
        out.push_str(&format!(" Desil {d}."));
    }
    for p in card.programs.iter().filter(|p| worth_telling(p)) {
        out.push(' ');
        out.push_str(&program_line(p));
    }
    if card.advice != Advice::Collect {
        out.push(' ');
        out.push_str(short_advice(card.advice));
    }
    if let Some(op) = card.contact.operators.first() {
        out.push_str(&format!(" Operator desa: {op}."));
    }
    gsm7_truncated(&out, MAX_REPLY_CHARS)
}

fn worth_telling(p: &ProgramStatus) -> bool {
    !matches!(
        p.stage,
        Stage::NotListed | Stage::Proposed | Stage::Verified
    ) || !p.history.is_empty()
}

fn program_line(p: &ProgramStatus) -> String {
    let mut line = format!("{}: {}", p.program, p.stage.label(Lang::Id));
    if let Some(rank) = p.waitlist_rank {
        line.push_str(&format!(" no {rank}"));
    }
    if let Some(a) = p.amount_per_cycle {
        line.push_str(&format!(", {}", rupiah(a.amount())));
    }
    if let Some(n) = &p.next {
        line.push_str(&format!(
            ", ambil {}{} di {}",
            n.day.format("%d-%m-%Y"),
            n.slot_start
                .map(|t| format!(" {}", t.format("%H:%M")))
                .unwrap_or_default(),
            n.point_name
        ));
    } else if let Some(last) = p.history.first() {
        let state = match last.state {
            EntitlementState::Paid => "sudah ditransfer",
            EntitlementState::HandedOver => "sudah diterima",
            s => s.label(Lang::Id),
        };
        line.push_str(&format!(", {} {}", last.cycle, state));
    }
    line.push('.');
    line
}

fn short_advice(a: Advice) -> &'static str {
    match a {
        Advice::Propose => "Ajukan usulan di kantor desa dengan KTP dan KK.",
        Advice::AwaitVerification => "Tunggu verifikasi lapangan.",
        Advice::AskOperator => "Tanyakan ke operator desa bila keadaan berubah.",
        Advice::Wait => "Tunggu giliran, tidak perlu daftar ulang.",
        Advice::Collect => "",
    }
}

fn rupiah(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::from("Rp");
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Plain ASCII letters, digits and punctuation (all in the GSM-7 basic set, one character each),
/// cut at `max` on a word boundary.
fn gsm7_truncated(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            'a'..='z'
            | 'A'..='Z'
            | '0'..='9'
            | ' '
            | '.'
            | ','
            | ':'
            | '-'
            | '('
            | ')'
            | '/'
            | '!'
            | '?'
            | '\''
            | '+'
            | '='
            | '&'
            | '%'
            | '"'
            | ';'
            | '*'
            | '#' => c,
            'é' | 'è' => 'e',
            _ => ' ',
        })
        .collect();
    if clean.len() <= max {
        return clean;
    }
    let cut = clean[..max - 3].rfind(' ').unwrap_or(max - 3);
    format!("{}...", &clean[..cut])
}

/// How far the gateway's timestamp may be from the server's clock (replays older than this fail).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 300;

/// Whether `signature` (`sha256=` + lowercase hex, or the hex alone) is the HMAC-SHA256 with `secret`
/// of `timestamp` + `.` + `body`, and `timestamp` (Unix seconds) is within
/// [`MAX_CLOCK_SKEW_SECONDS`] of `now`. The comparison takes the same time however much matches.
pub fn verify_signature(
    secret: &[u8],
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now: DateTime<Utc>,
) -> bool {
    use hmac::{Hmac, Mac};
    let Ok(ts) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    if (now.timestamp() - ts).abs() > MAX_CLOCK_SKEW_SECONDS {
        return false;
    }
    let hex = signature.trim();
    let hex = hex.strip_prefix("sha256=").unwrap_or(hex);
    let Some(tag) = from_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

/// The signature a gateway sends (for the gateway's side, and tests).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_secret_body_and_fresh_time() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let ts = "1800000000";
        let sig = sign(b"rahasia", ts, b"{}");
        assert!(verify_signature(b"rahasia", ts, b"{}", &sig, now));
        assert!(verify_signature(b"rahasia", ts, b"{}", &sig[7..], now));
        assert!(!verify_signature(b"lain", ts, b"{}", &sig, now));
        assert!(!verify_signature(b"rahasia", ts, b"{ }", &sig, now));
        assert!(!verify_signature(
            b"rahasia",
            "1799999000",
            b"{}",
            &sign(b"rahasia", "1799999000", b"{}"),
            now
        ));
        assert!(!verify_signature(b"rahasia", ts, b"{}", "sha256=zz", now));
    }

    #[test]
    fn parses_cek_in_any_case_and_spacing() {
        let want = Command::Check {
            nik: "3201".into(),
            kk: "3202".into(),
        };
        assert_eq!(parse("CEK 3201 3202"), want);
        assert_eq!(parse("  cek   3201\t3202 \n"), want);
        assert_eq!(parse("Cek#3201#3202"), want);
        assert_eq!(parse("CEK 3201"), Command::Help);
        assert_eq!(parse("CEK 3201 3202 extra"), Command::Help);
        assert_eq!(parse("INFO"), Command::Help);
        assert_eq!(parse(""), Command::Help);
    }

    #[test]
    fn replies_fit_three_segments_of_plain_text() {
        let long = "kata ".repeat(200);
        let cut = gsm7_truncated(&long, MAX_REPLY_CHARS);
        assert!(cut.len() <= MAX_REPLY_CHARS);
        assert!(cut.ends_with("..."));
        assert_eq!(gsm7_truncated("Soka\"an – ĕ", 100), "Soka\"an    ");
        assert!(HELP.len() <= MAX_REPLY_CHARS);
    }

    #[test]
    fn rupiah_has_thousands_dots() {
        assert_eq!(rupiah(750_000), "Rp750.000");
        assert_eq!(rupiah(1_200_000), "Rp1.200.000");
        assert_eq!(rupiah(900), "Rp900");
    }
}
