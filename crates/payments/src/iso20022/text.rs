//! The small text rules of ISO 20022 files: identifiers, the basic Latin character set, amounts in
//! rupiah, and tepat's message ids.

use tepat_domain::Rupiah;
use uuid::Uuid;

/// `MsgId`, `PmtInfId`, `InstrId` and `EndToEndId` are at most 35 characters (`Max35Text`).
pub const MAX_ID: usize = 35;
/// Unstructured remittance (`Ustrd`) is at most 140 characters.
pub const MAX_REMITTANCE: usize = 140;
/// Names are cut at 70 characters: `Nm` allows 140, but banks' own records (and SEPA) stop at 70.
pub const MAX_NAME: usize = 70;

/// An identifier we write: 1–35 characters of the basic Latin set without spaces, so it survives every
/// bank's system unchanged.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'.' | b':' | b'+'))
}

/// Characters banks accept in names and remittance (the "basic Latin" set of ISO 20022 guides).
fn is_basic_latin(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ' ' | '/' | '-' | '?' | ':' | '(' | ')' | '.' | ',' | '\'' | '+'
        )
}

/// Writes `text` in the basic Latin set: accented letters lose their accent, `&` becomes `+`, anything
/// else becomes a space; runs of spaces collapse; cut at `max` characters.
pub fn basic_latin(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    let mut count = 0;
    for c in text.chars() {
        let c = if is_basic_latin(c) { c } else { fold(c) };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        if count == max {
            break;
        }
        out.push(c);
        count += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

/// The basic Latin letter for a Latin letter with a diacritic (names in Indonesia are mostly plain
/// ASCII; the few others are loan names and typing accidents).
fn fold(c: char) -> char {
    match c {
        'À'..='Å' => 'A',
        'à'..='å' => 'a',
        'Ç' => 'C',
        'ç' => 'c',
        'È'..='Ë' => 'E',
        'è'..='ë' => 'e',
        'Ì'..='Ï' => 'I',
        'ì'..='ï' => 'i',
        'Ñ' => 'N',
        'ñ' => 'n',
        'Ò'..='Ö' | 'Ø' => 'O',
        'ò'..='ö' | 'ø' => 'o',
        'Ù'..='Ü' => 'U',
        'ù'..='ü' => 'u',
        'Ý' => 'Y',
        'ý' | 'ÿ' => 'y',
        '&' => '+',
        '\u{2018}' | '\u{2019}' | '`' | '"' => '\'',
        _ => ' ',
    }
}

/// `amount` as an ISO 20022 decimal: whole rupiah (`150000`) or with two zero decimals
/// (`150000.00`). String formatting only: an amount paid never passes through a float.
pub fn format_amount(amount: Rupiah, decimals: bool) -> String {
    if decimals {
        format!("{}.00", amount.amount())
    } else {
        amount.amount().to_string()
    }
}

/// What is wrong with an amount read from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountProblem {
    /// Not an unsigned decimal number.
    Malformed,
    /// Has sen (a non-zero fraction): tepat pays whole rupiah, so this is not one of its payments.
    Fractional,
    /// Larger than any amount of rupiah tepat can hold.
    TooLarge,
}

/// Parses an ISO 20022 decimal amount (`150000`, `150000.00`, `150000.0`) into whole rupiah.
pub fn parse_amount(text: &str) -> Result<Rupiah, AmountProblem> {
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || (text.ends_with('.')) {
        return Err(AmountProblem::Malformed);
    }
    if fraction.bytes().any(|b| b != b'0') {
        return Err(AmountProblem::Fractional);
    }
    if whole.len() > 18 {
        return Err(AmountProblem::TooLarge);
    }
    whole
        .parse::<i64>()
        .map(Rupiah::new)
        .map_err(|_| AmountProblem::TooLarge)
}

/// Crockford's base32 alphabet (no I, L, O, U): unambiguous when read aloud over the phone to a bank.
const BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn base32(id: Uuid) -> String {
    let value = id.as_u128();
    (0..26)
        .rev()
        .map(|i| BASE32[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

fn from_base32(text: &str) -> Option<Uuid> {
    if text.len() != 26 {
        return None;
    }
    let mut value: u128 = 0;
    for b in text.bytes() {
        let digit = BASE32.iter().position(|&c| c == b)? as u128;
        value = value.checked_mul(32)? + digit;
    }
    Some(Uuid::from_u128(value))
}

/// Where one pain.001 file belongs: an envelope, a bank and the batch number of the file for that bank.
/// Its [`message_id`](BatchRef::message_id) is both `MsgId` and `PmtInfId` (one debit side per file), so
/// a status report naming only the original message still leads back to the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchRef {
    pub envelope: Uuid,
    /// The bank's four-letter BIC prefix ([`BankProfile::bank_code4`](super::BankProfile::bank_code4)).
    pub bank_code4: [u8; 4],
    /// 1–9999.
    pub batch: u16,
}

impl BatchRef {
    /// `<envelope id in base32, 26>-<BIC4><batch, 4 digits>`: exactly 35 characters, no personal data.
    pub fn message_id(&self) -> String {
        format!(
            "{}-{}{:04}",
            base32(self.envelope),
            String::from_utf8_lossy(&self.bank_code4),
            self.batch
        )
    }

    /// The batch a message id of [`BatchRef::message_id`] names; `None` for other ids.
    pub fn parse(id: &str) -> Option<BatchRef> {
        let (envelope, rest) = id.split_once('-')?;
        if rest.len() != 8 || !rest.is_ascii() {
            return None;
        }
        let (code, batch) = rest.split_at(4);
        let bank_code4: [u8; 4] = code.as_bytes().try_into().ok()?;
        if !bank_code4.iter().all(u8::is_ascii_uppercase)
            || !batch.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        Some(BatchRef {
            envelope: from_base32(envelope)?,
            bank_code4,
            batch: batch.parse().ok()?,
        })
    }
}

/// The `EndToEndId` (and `InstrId`) of a payment: its id as 32 hex digits, opaque and free of personal
/// data. A retry is a new payment with a new id.
pub fn end_to_end_id(payment: Uuid) -> String {
    payment.simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_written_in_basic_latin() {
        assert_eq!(
            basic_latin("  Siti  Nur'aini & Bambang ", 70),
            "Siti Nur'aini + Bambang"
        );
        assert_eq!(basic_latin("José Ñúñez", 70), "Jose Nunez");
        assert_eq!(basic_latin("<b>Budi</b>", 70), "b Budi /b");
        assert_eq!(basic_latin("Abcdef", 3), "Abc");
        assert_eq!(basic_latin("Ab  cdef", 3), "Ab");
        assert_eq!(basic_latin("试", 10), "");
    }

    #[test]
    fn amounts_round_trip_without_floats() {
        let big = Rupiah::new(999_999_999_999_999_999);
        assert_eq!(format_amount(big, true), "999999999999999999.00");
        assert_eq!(parse_amount(&format_amount(big, true)), Ok(big));
        assert_eq!(parse_amount("150000"), Ok(Rupiah::new(150_000)));
        assert_eq!(parse_amount("150000.0"), Ok(Rupiah::new(150_000)));
        assert_eq!(parse_amount("150000.50"), Err(AmountProblem::Fractional));
        for bad in ["", ".5", "1.", "-5", "1e3", "1,000", "1.2.3", " 5"] {
            assert_eq!(parse_amount(bad), Err(AmountProblem::Malformed), "{bad}");
        }
        assert_eq!(
            parse_amount("9999999999999999999"),
            Err(AmountProblem::TooLarge)
        );
    }

    #[test]
    fn message_ids_are_35_characters_and_parse_back() {
        let r = BatchRef {
            envelope: Uuid::now_v7(),
            bank_code4: *b"BMRI",
            batch: 12,
        };
        let id = r.message_id();
        assert_eq!(id.len(), 35);
        assert!(is_valid_id(&id));
        assert_eq!(BatchRef::parse(&id), Some(r));
        assert_eq!(BatchRef::parse("not-an-id"), None);
        assert!(is_valid_id(&end_to_end_id(Uuid::now_v7())));
        assert!(!is_valid_id(&"x".repeat(36)) && !is_valid_id("") && !is_valid_id("a b"));
    }
}
