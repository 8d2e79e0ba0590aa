//! A citizen's pass: proof, for a short while, that this visitor typed a NIK and the matching KK
//! number.
//!
//! Citizens have no accounts and the numbers must not travel again (nor sit in a page or URL), yet a
//! status page leads to more forms: rate a hand-over, leave a phone number for notices, complain as
//! oneself. The page carries a pass in a hidden field instead: `TPP1.` + base64url(body) + `.` +
//! base64url(HMAC-SHA256(key, body)), where the body names the population person, their household in
//! the registry (if any), their village and when the pass expires. It holds no NIK, KK number or name.
//!
//! The key is random per server process: a restart (or another server behind a balancer) simply asks
//! the citizen to check again, which is cheaper than sharing a secret for a thirty-minute pass.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tepat_domain::RegionCode;
use uuid::Uuid;

/// How long a pass lasts after the check that issued it.
pub const PASS_LIFETIME: Duration = Duration::minutes(30);

const PREFIX: &str = "TPP1.";

/// What a pass vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenPass {
    /// The person in the population extract whose NIK and KK number were shown.
    pub person: Uuid,
    /// Their household in the social registry, if it has one.
    pub household: Option<Uuid>,
    /// Their village (from the population extract).
    pub village: RegionCode,
    /// The pass is refused from this instant on.
    pub expires: DateTime<Utc>,
}

/// Why a pass was refused. Deliberately coarse: a visitor learns only to check again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PassError {
    #[error("the pass is malformed or its signature does not match")]
    Invalid,
    #[error("the pass has expired")]
    Expired,
}

impl PassError {
    /// What the citizen reads.
    pub fn message(self, lang: tepat_domain::Lang) -> &'static str {
        match (self, lang) {
            (PassError::Invalid, tepat_domain::Lang::Id) => {
                "Sesi pengecekan tidak sah. Silakan cek status lagi dengan NIK dan nomor KK."
            }
            (PassError::Expired, tepat_domain::Lang::Id) => {
                "Sesi pengecekan sudah habis (30 menit). Silakan cek status lagi dengan NIK dan nomor KK."
            }
            (PassError::Invalid, tepat_domain::Lang::En) => {
                "This check session is not valid. Please check your status again with NIK and KK number."
            }
            (PassError::Expired, tepat_domain::Lang::En) => {
                "This check session has expired (30 minutes). Please check your status again with NIK and KK number."
            }
        }
    }
}

/// Signs and checks passes.
pub struct PassKey {
    key: [u8; 32],
}

impl std::fmt::Debug for PassKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PassKey(..)")
    }
}

impl Default for PassKey {
    fn default() -> PassKey {
        PassKey::random()
    }
}

impl PassKey {
    /// A fresh key for this process.
    pub fn random() -> PassKey {
        PassKey {
            key: rand::random(),
        }
    }

    /// A fixed key (tests).
    pub fn from_bytes(key: [u8; 32]) -> PassKey {
        PassKey { key }
    }

    /// A pass for `person`, valid for [`PASS_LIFETIME`] from `now`.
    pub fn issue(
        &self,
        person: Uuid,
        household: Option<Uuid>,
        village: RegionCode,
        now: DateTime<Utc>,
    ) -> String {
        self.sign(&CitizenPass {
            person,
            household,
            village,
            expires: now + PASS_LIFETIME,
        })
    }

    /// The token for `pass`.
    pub fn sign(&self, pass: &CitizenPass) -> String {
        let body = encode(pass);
        let tag = self.tag(&body);
        format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The pass in `token`, if this key signed it and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<CitizenPass, PassError> {
        let rest = token
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(PassError::Invalid)?;
        let (body, tag) = rest.split_once('.').ok_or(PassError::Invalid)?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| PassError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| PassError::Invalid)?;
        let mut mac = self.mac();
        mac.update(&body);
        mac.verify_slice(&tag).map_err(|_| PassError::Invalid)?;
        let pass = decode(&body).ok_or(PassError::Invalid)?;
        if now >= pass.expires {
            return Err(PassError::Expired);
        }
        Ok(pass)
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length")
    }

    fn tag(&self, body: &[u8]) -> [u8; 32] {
        let mut mac = self.mac();
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

/// person (16) · household flag (1) + household (16) · expiry seconds (8, big-endian) · village code.
fn encode(pass: &CitizenPass) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(pass.person.as_bytes());
    match pass.household {
        Some(h) => {
            out.push(1);
            out.extend_from_slice(h.as_bytes());
        }
        None => out.push(0),
    }
    out.extend_from_slice(&pass.expires.timestamp().to_be_bytes());
    out.extend_from_slice(pass.village.to_string().as_bytes());
    out
}

fn decode(body: &[u8]) -> Option<CitizenPass> {
    let person = Uuid::from_slice(body.get(..16)?).ok()?;
    let (household, rest) = match body.get(16)? {
        0 => (None, body.get(17..)?),
        1 => (
            Some(Uuid::from_slice(body.get(17..33)?).ok()?),
            body.get(33..)?,
        ),
        _ => return None,
    };
    let expires = i64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    let expires = Utc.timestamp_opt(expires, 0).single()?;
    let village = RegionCode::parse(std::str::from_utf8(rest.get(8..)?).ok()?).ok()?;
    Some(CitizenPass {
        person,
        household,
        village,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn village() -> RegionCode {
        RegionCode::parse("19.02.01.2001").unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 10, 8, 0, 0).unwrap()
    }

    #[test]
    fn a_pass_round_trips_until_it_expires() {
        let key = PassKey::from_bytes([7; 32]);
        let (person, household) = (Uuid::now_v7(), Some(Uuid::now_v7()));
        let token = key.issue(person, household, village(), now());
        let pass = key.verify(&token, now() + Duration::minutes(29)).unwrap();
        assert_eq!(pass.person, person);
        assert_eq!(pass.household, household);
        assert_eq!(pass.village, village());
        assert_eq!(
            key.verify(&token, now() + PASS_LIFETIME),
            Err(PassError::Expired)
        );
    }

    #[test]
    fn a_pass_without_household_round_trips() {
        let key = PassKey::from_bytes([7; 32]);
        let token = key.issue(Uuid::now_v7(), None, village(), now());
        assert_eq!(key.verify(&token, now()).unwrap().household, None);
    }

    #[test]
    fn another_key_or_an_edited_body_is_refused() {
        let key = PassKey::from_bytes([7; 32]);
        let token = key.issue(Uuid::now_v7(), None, village(), now());
        assert_eq!(
            PassKey::from_bytes([8; 32]).verify(&token, now()),
            Err(PassError::Invalid)
        );
        // Extend the expiry by editing the body: the tag no longer matches.
        let mut pass = key.verify(&token, now()).unwrap();
        pass.expires += Duration::days(365);
        let forged_body = URL_SAFE_NO_PAD.encode(encode(&pass));
        let tag = token.rsplit_once('.').unwrap().1;
        let forged = format!("{PREFIX}{forged_body}.{tag}");
        assert_eq!(key.verify(&forged, now()), Err(PassError::Invalid));
        assert_eq!(key.verify("TPP1.garbage", now()), Err(PassError::Invalid));
        assert_eq!(key.verify("", now()), Err(PassError::Invalid));
    }

    #[test]
    fn a_pass_holds_no_readable_numbers() {
        let key = PassKey::from_bytes([7; 32]);
        let token = key.issue(Uuid::now_v7(), None, village(), now());
        assert!(
            !token.contains("1902"),
            "the village is inside, but encoded"
        );
        assert!(token.len() < 120, "fits a hidden field: {}", token.len());
    }
}
