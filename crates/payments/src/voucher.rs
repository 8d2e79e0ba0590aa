//! The QR voucher for a cash or goods entitlement: a small binary record signed with Ed25519, so a
//! distribution officer's phone can check it with no network, using public keys cached earlier.
//!
//! The text form is `TPV1.` followed by base64url (no padding) of the record's bytes and the 64-byte
//! signature. The byte layout is documented in `docs/vouchers.md`, precisely enough for the scan page's
//! JavaScript to decode and verify it; the test vectors there are checked by `tests/voucher.rs`.
//!
//! The recipient is not named on the voucher: it carries a commitment to the household's NIK (the
//! 16-digit national identity number) that the officer checks against the KTP (identity card) at
//! hand-over. See [`recipient_commitment`].

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{Datelike, NaiveDate};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tepat_domain::{Lang, Localized, Rupiah};
use uuid::Uuid;

/// What every voucher's text starts with; the `1` is the layout version.
pub const TEXT_PREFIX: &str = "TPV1.";
/// The first byte of the signed record.
pub const LAYOUT_VERSION: u8 = 1;
/// Text fields are length-prefixed with one byte, which also keeps the QR code small.
pub const MAX_FIELD_BYTES: usize = 255;

const SIGNATURE_LEN: usize = 64;
const RECIPIENT_DOMAIN: &[u8] = b"tepat/voucher/recipient/v1\n";

/// One voucher, as signed. `amount` is the cash to hand over (zero for goods only); `goods` names
/// the goods (e.g. "Beras 10 kg"); both dates are inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    pub id: Uuid,
    pub program: String,
    pub cycle: String,
    pub amount: Rupiah,
    pub goods: Option<String>,
    /// [`recipient_commitment`] of the voucher id and the recipient's NIK.
    pub recipient: [u8; 32],
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Which signing key signed it ([`VoucherSigner::key_id`]); set by the signer.
    pub key_id: String,
}

/// SHA-256 of `"tepat/voucher/recipient/v1\n"`, the 16 bytes of the voucher id and the NIK's 16
/// ASCII digits.
///
/// This lets the scan page check, offline, that the NIK the officer types from the KTP is the one
/// the voucher was issued to. It is a check, not secrecy: NIKs are structured and guessable (region,
/// birth date, a serial), so anyone with the voucher can confirm a guessed NIK. Treat the voucher as
/// personal data anyway.
pub fn recipient_commitment(voucher_id: Uuid, nik: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(RECIPIENT_DOMAIN);
    hash.update(voucher_id.as_bytes());
    hash.update(nik.trim().as_bytes());
    hash.finalize().into()
}

/// The id of a public key: the first 16 hex characters of SHA-256 of its 32 bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a voucher could not be signed. Each is a bug in the caller's data, not something an officer
/// can cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("voucher field {field} is longer than {MAX_FIELD_BYTES} bytes")]
    FieldTooLong { field: &'static str },
    #[error("voucher amount is negative")]
    NegativeAmount,
    #[error("voucher goods, when given, must not be empty")]
    EmptyGoods,
    #[error("voucher is valid until a day before it is valid from")]
    DatesReversed,
}

/// Signs vouchers with one office key.
pub struct VoucherSigner {
    key: SigningKey,
    key_id: String,
}

impl VoucherSigner {
    pub fn new(key: SigningKey) -> VoucherSigner {
        let key_id = key_id(&key.verifying_key());
        VoucherSigner { key, key_id }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The voucher's text form. The signer's own key id is written, whatever `voucher.key_id` says.
    pub fn sign(&self, voucher: &Voucher) -> Result<String, SignError> {
        let mut bytes = encode(voucher, &self.key_id)?;
        let signature = self.key.sign(&bytes);
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(format!("{TEXT_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }
}

/// The public keys a scanning device trusts, by key id. Its JSON form,
/// `{"keys":[{"kid":"…","x":"<base64url of the 32 key bytes>"}]}`, is what the scan page caches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "KeysJson", into = "KeysJson")]
pub struct VoucherKeys {
    keys: BTreeMap<String, VerifyingKey>,
}

impl VoucherKeys {
    pub fn new() -> VoucherKeys {
        VoucherKeys::default()
    }

    /// Adds a key and returns its id.
    pub fn insert(&mut self, key: VerifyingKey) -> String {
        let id = key_id(&key);
        self.keys.insert(id.clone(), key);
        id
    }

    pub fn get(&self, key_id: &str) -> Option<&VerifyingKey> {
        self.keys.get(key_id)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[derive(Serialize, Deserialize)]
struct KeysJson {
    keys: Vec<KeyJson>,
}

#[derive(Serialize, Deserialize)]
struct KeyJson {
    kid: String,
    x: String,
}

/// Why a key list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysError {
    #[error("voucher key {kid}: not 32 base64url bytes of an Ed25519 public key")]
    BadKey { kid: String },
    #[error("voucher key {kid}: the id does not match the key (expected {expected})")]
    WrongId { kid: String, expected: String },
}

impl TryFrom<KeysJson> for VoucherKeys {
    type Error = KeysError;

    fn try_from(json: KeysJson) -> Result<VoucherKeys, KeysError> {
        let mut keys = VoucherKeys::new();
        for KeyJson { kid, x } in json.keys {
            let key = URL_SAFE_NO_PAD
                .decode(x.as_bytes())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .and_then(|b| VerifyingKey::from_bytes(&b).ok())
                .ok_or_else(|| KeysError::BadKey { kid: kid.clone() })?;
            let expected = key_id(&key);
            if expected != kid {
                return Err(KeysError::WrongId { kid, expected });
            }
            keys.keys.insert(kid, key);
        }
        Ok(keys)
    }
}

impl From<VoucherKeys> for KeysJson {
    fn from(keys: VoucherKeys) -> KeysJson {
        KeysJson {
            keys: keys
                .keys
                .into_iter()
                .map(|(kid, key)| KeyJson {
                    kid,
                    x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
                })
                .collect(),
        }
    }
}

/// Why a scanned voucher must not be honoured. Checked in this order: the text, the key, the
/// signature, then the dates and the cycle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherRefusal {
    #[error("the voucher code is not a readable tepat voucher")]
    Malformed,
    #[error("the voucher was signed with a key this device does not know")]
    UnknownKey,
    #[error("the voucher's signature does not match its content")]
    BadSignature,
    #[error("the voucher is not valid before {from}")]
    NotYetValid { from: NaiveDate },
    #[error("the voucher expired after {until}")]
    Expired { until: NaiveDate },
    #[error("the voucher is for cycle {voucher}, not {expected}")]
    WrongCycle { voucher: String, expected: String },
}

impl Localized for VoucherRefusal {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (VoucherRefusal::Malformed, Lang::Id) => "Kode voucher tidak terbaca atau rusak. Pindai \
                ulang QR-nya; jika tetap gagal, jangan serahkan bantuan dan laporkan ke verifikator \
                dinas sosial."
                .into(),
            (VoucherRefusal::Malformed, Lang::En) => "The voucher code cannot be read or is damaged. \
                Scan the QR code again; if it still fails, do not hand over the aid and report it to \
                the social affairs verifier."
                .into(),
            (VoucherRefusal::UnknownKey, Lang::Id) => "Voucher ini ditandatangani dengan kunci yang \
                belum dikenal perangkat ini. Sambungkan perangkat ke internet agar daftar kunci \
                diperbarui, lalu pindai ulang."
                .into(),
            (VoucherRefusal::UnknownKey, Lang::En) => "This voucher was signed with a key this device \
                does not know yet. Connect the device to the internet so its key list is updated, \
                then scan again."
                .into(),
            (VoucherRefusal::BadSignature, Lang::Id) => "Tanda tangan voucher tidak sah: isinya telah \
                diubah atau voucher ini palsu. Jangan serahkan bantuan dan laporkan ke verifikator \
                dinas sosial."
                .into(),
            (VoucherRefusal::BadSignature, Lang::En) => "The voucher's signature is not valid: its \
                content was altered or it is forged. Do not hand over the aid and report it to the \
                social affairs verifier."
                .into(),
            (VoucherRefusal::NotYetValid { from }, Lang::Id) => format!(
                "Voucher ini baru berlaku mulai {}. Minta penerima datang kembali pada tanggal \
                 tersebut.",
                long_date(*from, Lang::Id)
            ),
            (VoucherRefusal::NotYetValid { from }, Lang::En) => format!(
                "This voucher is only valid from {}. Ask the recipient to come back on that day.",
                long_date(*from, Lang::En)
            ),
            (VoucherRefusal::Expired { until }, Lang::Id) => format!(
                "Voucher ini sudah kedaluwarsa: masa berlakunya berakhir {}. Jangan serahkan \
                 bantuan; arahkan penerima ke kantor desa atau dinas sosial untuk jadwal baru.",
                long_date(*until, Lang::Id)
            ),
            (VoucherRefusal::Expired { until }, Lang::En) => format!(
                "This voucher has expired: it was valid until {}. Do not hand over the aid; send \
                 the recipient to the village office or social affairs office for a new schedule.",
                long_date(*until, Lang::En)
            ),
            (VoucherRefusal::WrongCycle { voucher, expected }, Lang::Id) => format!(
                "Voucher ini untuk periode {voucher}, sedangkan penyaluran ini untuk periode \
                 {expected}. Jangan serahkan bantuan dengan voucher ini."
            ),
            (VoucherRefusal::WrongCycle { voucher, expected }, Lang::En) => format!(
                "This voucher is for cycle {voucher}, but this distribution is for cycle \
                 {expected}. Do not hand over the aid with this voucher."
            ),
        }
    }
}

/// Checks a scanned voucher: its form, its signature by a known key, that `today` is within its
/// validity, and, when given, that it is for `cycle`.
pub fn verify(
    text: &str,
    keys: &VoucherKeys,
    today: NaiveDate,
    cycle: Option<&str>,
) -> Result<Voucher, VoucherRefusal> {
    let bytes = text
        .trim()
        .strip_prefix(TEXT_PREFIX)
        .and_then(|b64| URL_SAFE_NO_PAD.decode(b64.as_bytes()).ok())
        .ok_or(VoucherRefusal::Malformed)?;
    if bytes.len() <= SIGNATURE_LEN {
        return Err(VoucherRefusal::Malformed);
    }
    let (record, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let voucher = decode(record).ok_or(VoucherRefusal::Malformed)?;
    let key = keys
        .get(&voucher.key_id)
        .ok_or(VoucherRefusal::UnknownKey)?;
    let signature = Signature::from_slice(signature).map_err(|_| VoucherRefusal::BadSignature)?;
    key.verify_strict(record, &signature)
        .map_err(|_| VoucherRefusal::BadSignature)?;
    if today < voucher.valid_from {
        return Err(VoucherRefusal::NotYetValid {
            from: voucher.valid_from,
        });
    }
    if today > voucher.valid_until {
        return Err(VoucherRefusal::Expired {
            until: voucher.valid_until,
        });
    }
    match cycle {
        Some(expected) if expected != voucher.cycle => Err(VoucherRefusal::WrongCycle {
            voucher: voucher.cycle,
            expected: expected.to_owned(),
        }),
        _ => Ok(voucher),
    }
}

/// The signed record (see `docs/vouchers.md`): version, id, program, cycle, amount, goods,
/// recipient, validity, key id.
fn encode(voucher: &Voucher, key_id: &str) -> Result<Vec<u8>, SignError> {
    let amount = u64::try_from(voucher.amount.amount()).map_err(|_| SignError::NegativeAmount)?;
    if voucher.goods.as_deref() == Some("") {
        return Err(SignError::EmptyGoods);
    }
    if voucher.valid_until < voucher.valid_from {
        return Err(SignError::DatesReversed);
    }
    let mut out = Vec::with_capacity(128);
    out.push(LAYOUT_VERSION);
    out.extend_from_slice(voucher.id.as_bytes());
    push_field(&mut out, "program", &voucher.program)?;
    push_field(&mut out, "cycle", &voucher.cycle)?;
    out.extend_from_slice(&amount.to_be_bytes());
    push_field(&mut out, "goods", voucher.goods.as_deref().unwrap_or(""))?;
    out.extend_from_slice(&voucher.recipient);
    out.extend_from_slice(&date_number(voucher.valid_from).to_be_bytes());
    out.extend_from_slice(&date_number(voucher.valid_until).to_be_bytes());
    push_field(&mut out, "key_id", key_id)?;
    Ok(out)
}

fn push_field(out: &mut Vec<u8>, field: &'static str, value: &str) -> Result<(), SignError> {
    let len = u8::try_from(value.len()).map_err(|_| SignError::FieldTooLong { field })?;
    out.push(len);
    out.extend_from_slice(value.as_bytes());
    Ok(())
}

/// Reads a record written by [`encode`]; `None` for anything else, including trailing bytes.
fn decode(record: &[u8]) -> Option<Voucher> {
    let mut reader = Reader(record);
    if reader.take(1)?[0] != LAYOUT_VERSION {
        return None;
    }
    let id = Uuid::from_bytes(reader.array()?);
    let program = reader.field()?;
    let cycle = reader.field()?;
    let amount = i64::try_from(u64::from_be_bytes(reader.array()?)).ok()?;
    let goods = Some(reader.field()?).filter(|g| !g.is_empty());
    let recipient = reader.array()?;
    let valid_from = date_from_number(u32::from_be_bytes(reader.array()?))?;
    let valid_until = date_from_number(u32::from_be_bytes(reader.array()?))?;
    let key_id = reader.field()?;
    if !reader.0.is_empty() || valid_until < valid_from {
        return None;
    }
    Some(Voucher {
        id,
        program,
        cycle,
        amount: Rupiah::new(amount),
        goods,
        recipient,
        valid_from,
        valid_until,
        key_id,
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn field(&mut self) -> Option<String> {
        let len = usize::from(self.take(1)?[0]);
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

/// A date as the number yyyymmdd, which reads the same in a hex dump and in JavaScript.
fn date_number(date: NaiveDate) -> u32 {
    // Years outside 0..=9999 cannot be written as yyyymmdd; vouchers are for this decade.
    let year = u32::try_from(date.year().clamp(0, 9999)).unwrap_or(0);
    year * 10_000 + date.month() * 100 + date.day()
}

fn date_from_number(n: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(n / 10_000).ok()?, n / 100 % 100, n % 100)
}

/// "31 Maret 2027" / "31 March 2027": how an officer reads a date.
fn long_date(date: NaiveDate, lang: Lang) -> String {
    const ID: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let names = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    let month = names[date.month0() as usize];
    format!("{} {month} {}", date.day(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_as_yyyymmdd() {
        let d = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        assert_eq!(date_number(d), 20_270_331);
        assert_eq!(date_from_number(20_270_331), Some(d));
        assert_eq!(date_from_number(20_270_230), None);
    }

    #[test]
    fn long_dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        assert_eq!(long_date(d, Lang::Id), "31 Maret 2027");
        assert_eq!(long_date(d, Lang::En), "31 March 2027");
    }
}
