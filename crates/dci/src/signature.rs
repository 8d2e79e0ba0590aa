//! Message signatures as DCI and G2P Connect write them, in the envelope's `signature` field:
//!
//! ```text
//! Signature: namespace="dci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519",
//!   created="1735689600", expires="1735690200", headers="(created) (expires) digest",
//!   signature="<base64 Ed25519 signature>"
//! ```
//!
//! The signed string is three lines, `(created): …`, `(expires): …` and `digest: BLAKE-512=<base64>`, where
//! the digest is BLAKE2b-512 over the canonical JSON of `{"header": …, "message": …}` (keys sorted, no
//! whitespace; see `docs/agency-api.md` for why canonical). Verification works on the JSON as received, so
//! fields tepat does not model are covered too.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use blake2::{Blake2b512, Digest as _};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::Serialize;
use serde_json::{json, Value};

use crate::canonical;
use crate::envelope::Envelope;
use crate::keys::Jwk;
use crate::reason::ReasonCode;

/// How far a sender's clock may run ahead of ours.
pub const CLOCK_SKEW_SECONDS: i64 = 60;
/// The longest validity tepat accepts: a captured message cannot be replayed for longer (and message ids
/// are remembered at least as long).
pub const MAX_LIFETIME_SECONDS: i64 = 3600;
/// What tepat signs with unless told otherwise.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

const HEADERS: &str = "(created) (expires) digest";
const NAMESPACES: &[&str] = &["dci", "spdci", "g2p"];

/// A sender's signing key, with the ids that name it.
pub struct Signer {
    sender_id: String,
    key_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Signer")
            .field("sender_id", &self.sender_id)
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl Signer {
    /// A new random key.
    pub fn generate(sender_id: &str, key_id: &str) -> Signer {
        let mut secret = [0u8; 32];
        rand::fill(&mut secret);
        Signer::from_secret(sender_id, key_id, secret)
    }

    /// The key from its 32 secret bytes (as kept in a key file).
    pub fn from_secret(sender_id: &str, key_id: &str, secret: [u8; 32]) -> Signer {
        Signer {
            sender_id: sender_id.into(),
            key_id: key_id.into(),
            key: SigningKey::from_bytes(&secret),
        }
    }

    pub fn secret(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn sender_id(&self) -> &str {
        &self.sender_id
    }

    /// The public half, to publish in the sender's JWKS.
    pub fn public_jwk(&self) -> Jwk {
        Jwk::from_key(&self.key_id, &self.key.verifying_key())
    }

    /// Signs `envelope` now, valid for [`DEFAULT_LIFETIME`].
    pub fn sign<M: Serialize>(&self, envelope: &mut Envelope<M>) {
        let created = chrono::Utc::now().timestamp();
        self.sign_at(
            envelope,
            created,
            created + DEFAULT_LIFETIME.as_secs() as i64,
        );
    }

    /// Signs `envelope` with explicit `created` and `expires` (Unix seconds).
    pub fn sign_at<M: Serialize>(&self, envelope: &mut Envelope<M>, created: i64, expires: i64) {
        let body = json!({
            "header": serde_json::to_value(&envelope.header).expect("a header serialises"),
            "message": serde_json::to_value(&envelope.message).expect("a message serialises"),
        });
        let signed = signing_string(created, expires, &digest(&body));
        let signature = self.key.sign(signed.as_bytes());
        envelope.signature = Some(format!(
            "Signature: namespace=\"dci\", kidId=\"{}|{}|ed25519\", algorithm=\"ed25519\", \
             created=\"{created}\", expires=\"{expires}\", headers=\"{HEADERS}\", signature=\"{}\"",
            self.sender_id,
            self.key_id,
            STANDARD.encode(signature.to_bytes())
        ));
    }
}

/// Finds a sender's public key by sender id and key id.
pub trait KeyLookup {
    fn key(&self, sender_id: &str, key_id: &str) -> Option<VerifyingKey>;
}

impl<F: Fn(&str, &str) -> Option<VerifyingKey>> KeyLookup for F {
    fn key(&self, sender_id: &str, key_id: &str) -> Option<VerifyingKey> {
        self(sender_id, key_id)
    }
}

/// A signature that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub sender_id: String,
    pub key_id: String,
    pub created: i64,
    pub expires: i64,
}

/// Why a message's signature is not accepted. Messages are in English for the partner's developers and
/// never quote the message's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the message is not signed (no signature field)")]
    Missing,
    #[error("the signature field is malformed: {0}")]
    Malformed(&'static str),
    #[error("only the ed25519 algorithm is accepted")]
    Algorithm,
    #[error("the signature must cover exactly \"(created) (expires) digest\"")]
    Headers,
    #[error("the signature's kidId names another sender than header.sender_id")]
    SenderMismatch,
    #[error("no key {key_id} is registered for this sender")]
    UnknownKey { key_id: String },
    #[error("the signature was created in the future (check the sender's clock)")]
    NotYetValid,
    #[error("the signature has expired")]
    Expired,
    #[error(
        "the signature's validity is longer than {MAX_LIFETIME_SECONDS} s or ends before it starts"
    )]
    Lifetime,
    #[error("the signature does not match the message")]
    Mismatch,
}

impl SignatureError {
    /// The reason code to answer with.
    pub fn reason(&self) -> ReasonCode {
        match self {
            SignatureError::UnknownKey { .. } => ReasonCode::SenderUnknown,
            _ => ReasonCode::SignatureInvalid,
        }
    }
}

/// Checks the signature of `envelope` (the whole JSON body as received) at time `now` (Unix seconds).
pub fn verify(
    envelope: &Value,
    keys: &impl KeyLookup,
    now: i64,
) -> Result<Verified, SignatureError> {
    let text = envelope
        .get("signature")
        .and_then(Value::as_str)
        .ok_or(SignatureError::Missing)?;
    let parsed = Parsed::from(text)?;
    let sender = envelope
        .pointer("/header/sender_id")
        .and_then(Value::as_str)
        .ok_or(SignatureError::Malformed("header.sender_id is missing"))?;
    if parsed.sender_id != sender {
        return Err(SignatureError::SenderMismatch);
    }
    check_times(parsed.created, parsed.expires, now)?;
    let key =
        keys.key(&parsed.sender_id, &parsed.key_id)
            .ok_or_else(|| SignatureError::UnknownKey {
                key_id: parsed.key_id.clone(),
            })?;
    let body = json!({
        "header": envelope.get("header").cloned().unwrap_or(Value::Null),
        "message": envelope.get("message").cloned().unwrap_or(Value::Null),
    });
    let signed = signing_string(parsed.created, parsed.expires, &digest(&body));
    key.verify_strict(signed.as_bytes(), &parsed.signature)
        .map_err(|_| SignatureError::Mismatch)?;
    Ok(Verified {
        sender_id: parsed.sender_id,
        key_id: parsed.key_id,
        created: parsed.created,
        expires: parsed.expires,
    })
}

fn check_times(created: i64, expires: i64, now: i64) -> Result<(), SignatureError> {
    if expires <= created || expires - created > MAX_LIFETIME_SECONDS {
        return Err(SignatureError::Lifetime);
    }
    if created > now + CLOCK_SKEW_SECONDS {
        return Err(SignatureError::NotYetValid);
    }
    if expires < now {
        return Err(SignatureError::Expired);
    }
    Ok(())
}

fn digest(body: &Value) -> String {
    STANDARD.encode(Blake2b512::digest(canonical::to_vec(body)))
}

fn signing_string(created: i64, expires: i64, digest: &str) -> String {
    format!("(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={digest}")
}

/// The parameters of a `Signature:` string.
struct Parsed {
    sender_id: String,
    key_id: String,
    created: i64,
    expires: i64,
    signature: Signature,
}

impl Parsed {
    fn from(text: &str) -> Result<Parsed, SignatureError> {
        let rest = text
            .trim()
            .strip_prefix("Signature:")
            .ok_or(SignatureError::Malformed(
                "it must start with \"Signature:\"",
            ))?;
        let params = parameters(rest)?;
        let get = |name: &'static str| {
            params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
                .ok_or(SignatureError::Malformed(name))
        };
        if !NAMESPACES.contains(&get("namespace")?) {
            return Err(SignatureError::Malformed("namespace"));
        }
        if !get("algorithm")?.eq_ignore_ascii_case("ed25519") {
            return Err(SignatureError::Algorithm);
        }
        if get("headers")? != HEADERS {
            return Err(SignatureError::Headers);
        }
        let kid: Vec<&str> = get("kidId")?.split('|').collect();
        let [sender_id, key_id, alg] = kid[..] else {
            return Err(SignatureError::Malformed(
                "kidId must be sender|key|algorithm",
            ));
        };
        if !alg.eq_ignore_ascii_case("ed25519") {
            return Err(SignatureError::Algorithm);
        }
        let number = |name| {
            get(name)?
                .parse::<i64>()
                .map_err(|_| SignatureError::Malformed(name))
        };
        let bytes: [u8; 64] = STANDARD
            .decode(get("signature")?)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SignatureError::Malformed(
                "signature must be 64 bytes in base64",
            ))?;
        Ok(Parsed {
            sender_id: sender_id.into(),
            key_id: key_id.into(),
            created: number("created")?,
            expires: number("expires")?,
            signature: Signature::from_bytes(&bytes),
        })
    }
}

/// `a="x", b="y"` → `[(a, x), (b, y)]`. Values are quoted and contain no quotes.
fn parameters(text: &str) -> Result<Vec<(&str, String)>, SignatureError> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or(SignatureError::Malformed("expected name=\"value\" pairs"))?;
        let after = after
            .strip_prefix('"')
            .ok_or(SignatureError::Malformed("values must be quoted"))?;
        let (value, after) = after
            .split_once('"')
            .ok_or(SignatureError::Malformed("a quoted value is not closed"))?;
        out.push((name.trim(), value.to_owned()));
        rest = after.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Header;

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn signed() -> (Signer, Value) {
        let signer = Signer::from_secret("dukcapil.example.go.id", "k1", [3; 32]);
        let mut envelope = Envelope::new(
            Header::new("search", "dukcapil.example.go.id", 1),
            json!({"transaction_id": "t1", "search_request": [{"reference_id": "r1"}]}),
        );
        signer.sign_at(&mut envelope, NOW, NOW + 600);
        (signer, serde_json::to_value(&envelope).unwrap())
    }

    fn lookup(signer: &Signer) -> impl KeyLookup + '_ {
        move |sender: &str, kid: &str| {
            (sender == signer.sender_id && kid == "k1")
                .then(|| signer.public_jwk().verifying_key().unwrap())
        }
    }

    #[test]
    fn a_signed_message_verifies_and_names_its_sender() {
        let (signer, body) = signed();
        let verified = verify(&body, &lookup(&signer), NOW + 10).unwrap();
        assert_eq!(verified.sender_id, "dukcapil.example.go.id");
        assert_eq!(verified.key_id, "k1");
        assert_eq!(verified.expires, NOW + 600);
    }

    #[test]
    fn reordered_or_reformatted_json_still_verifies() {
        let (signer, body) = signed();
        // Pretty-printed and re-read: the canonical digest does not depend on the sender's formatting.
        let again: Value =
            serde_json::from_str(&serde_json::to_string_pretty(&body).unwrap()).unwrap();
        assert!(verify(&again, &lookup(&signer), NOW).is_ok());
    }

    #[test]
    fn any_change_to_header_or_message_breaks_it() {
        let (signer, body) = signed();
        for (pointer, value) in [
            ("/message/search_request/0/reference_id", json!("r2")),
            ("/header/total_count", json!(2)),
            ("/header/action", json!("subscribe")),
        ] {
            let mut changed = body.clone();
            *changed.pointer_mut(pointer).unwrap() = value;
            assert_eq!(
                verify(&changed, &lookup(&signer), NOW),
                Err(SignatureError::Mismatch),
                "{pointer}"
            );
        }
        // An added field the model does not know is covered too.
        let mut added = body.clone();
        added["message"]["extra"] = json!(true);
        assert_eq!(
            verify(&added, &lookup(&signer), NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn time_limits_hold() {
        let (signer, body) = signed();
        assert_eq!(
            verify(&body, &lookup(&signer), NOW + 601),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify(&body, &lookup(&signer), NOW - CLOCK_SKEW_SECONDS - 1),
            Err(SignatureError::NotYetValid)
        );
        let mut long = Envelope::new(
            Header::new("search", "dukcapil.example.go.id", 0),
            json!({}),
        );
        signer.sign_at(&mut long, NOW, NOW + MAX_LIFETIME_SECONDS + 1);
        let long = serde_json::to_value(&long).unwrap();
        assert_eq!(
            verify(&long, &lookup(&signer), NOW),
            Err(SignatureError::Lifetime)
        );
    }

    #[test]
    fn a_key_of_another_sender_or_an_unknown_key_is_refused() {
        let (signer, body) = signed();
        let mut posing = body.clone();
        posing["header"]["sender_id"] = json!("bpjs.example.go.id");
        assert_eq!(
            verify(&posing, &lookup(&signer), NOW),
            Err(SignatureError::SenderMismatch)
        );
        let nobody = |_: &str, _: &str| None;
        let err = verify(&body, &nobody, NOW).unwrap_err();
        assert_eq!(
            err,
            SignatureError::UnknownKey {
                key_id: "k1".into()
            }
        );
        assert_eq!(err.reason(), ReasonCode::SenderUnknown);
        // Someone else's key under the right ids does not verify.
        let impostor = Signer::from_secret("dukcapil.example.go.id", "k1", [4; 32]);
        assert_eq!(
            verify(&body, &lookup(&impostor), NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_signature_strings_are_named() {
        let (signer, body) = signed();
        let text = body["signature"].as_str().unwrap().to_owned();
        let cases = [
            (
                text.replace("Signature:", ""),
                SignatureError::Malformed("it must start with \"Signature:\""),
            ),
            (
                text.replace("ed25519\", created", "rsa-sha256\", created"),
                SignatureError::Algorithm,
            ),
            (
                text.replace("(created) (expires) digest", "(created)"),
                SignatureError::Headers,
            ),
            (
                text.replace("namespace=\"dci\"", "namespace=\"x\""),
                SignatureError::Malformed("namespace"),
            ),
        ];
        for (bad, expected) in cases {
            let mut changed = body.clone();
            changed["signature"] = json!(bad);
            assert_eq!(
                verify(&changed, &lookup(&signer), NOW),
                Err(expected),
                "{bad}"
            );
        }
        let mut unsigned = body.clone();
        unsigned.as_object_mut().unwrap().remove("signature");
        assert_eq!(
            verify(&unsigned, &lookup(&signer), NOW),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn the_signing_string_has_the_beckn_shape() {
        // BLAKE2b-512 of the canonical body, base64, in the three-line signing string.
        let body = json!({"header": {"a": 1}, "message": {}});
        let s = signing_string(1, 2, &digest(&body));
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], "(created): 1");
        assert_eq!(lines[1], "(expires): 2");
        assert!(lines[2].starts_with("digest: BLAKE-512="));
        assert_eq!(STANDARD.decode(&lines[2][18..]).unwrap().len(), 64);
    }
}
