//! Agencies' public keys as a JSON Web Key Set (RFC 7517; Ed25519 keys as RFC 8037 `OKP` keys), the
//! form DCI partners publish and fetch them in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

/// A set of keys: `{"keys": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `OKP` for Ed25519.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The 32-byte public key, base64url without padding.
    pub x: String,
    /// The key id senders put in their signatures.
    pub kid: String,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
}

/// Why a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key {kid}: only Ed25519 keys (kty OKP, crv Ed25519) are accepted")]
    NotEd25519 { kid: String },
    #[error("key {kid}: x must be 32 bytes in base64url without padding")]
    BadKey { kid: String },
    #[error("key {kid} appears twice in the set")]
    DuplicateKid { kid: String },
}

impl Jwk {
    pub fn from_key(kid: &str, key: &VerifyingKey) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
            kid: kid.into(),
            key_use: Some("sig".into()),
            alg: Some("EdDSA".into()),
        }
    }

    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(KeyError::NotEd25519 {
                kid: self.kid.clone(),
            });
        }
        let bad = || KeyError::BadKey {
            kid: self.kid.clone(),
        };
        let bytes: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&self.x)
            .map_err(|_| bad())?
            .try_into()
            .map_err(|_| bad())?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| bad())
    }
}

impl Jwks {
    /// The key with id `kid`, if the set has it and it is a usable Ed25519 key.
    pub fn find(&self, kid: &str) -> Option<VerifyingKey> {
        self.keys
            .iter()
            .find(|k| k.kid == kid)
            .and_then(|k| k.verifying_key().ok())
    }

    /// Every key usable and every id once: run when an agency's key set is registered, so that a broken
    /// set is refused then rather than at its first message.
    pub fn check(&self) -> Result<(), KeyError> {
        let mut seen = std::collections::HashSet::new();
        for key in &self.keys {
            key.verifying_key()?;
            if !seen.insert(key.kid.as_str()) {
                return Err(KeyError::DuplicateKid {
                    kid: key.kid.clone(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn rfc_8037_example_key_reads() {
        // RFC 8037, appendix A.2: the public key of the example Ed25519 key pair.
        let jwk: Jwk = serde_json::from_str(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"rfc8037"}"#,
        )
        .unwrap();
        let key = jwk.verifying_key().unwrap();
        assert_eq!(
            key.as_bytes()[..4],
            [0xd7, 0x5a, 0x98, 0x01],
            "x decodes to the RFC's public key bytes"
        );
    }

    #[test]
    fn a_set_round_trips_and_finds_its_keys() {
        let one = SigningKey::from_bytes(&[7; 32]).verifying_key();
        let two = SigningKey::from_bytes(&[9; 32]).verifying_key();
        let set = Jwks {
            keys: vec![
                Jwk::from_key("2026-01", &one),
                Jwk::from_key("2026-06", &two),
            ],
        };
        set.check().unwrap();
        let back: Jwks = serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
        assert_eq!(back.find("2026-06"), Some(two));
        assert_eq!(back.find("2025-01"), None);
    }

    #[test]
    fn broken_sets_are_refused_by_name() {
        let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
        let mut rsa = Jwk::from_key("a", &key);
        rsa.kty = "RSA".into();
        assert_eq!(
            Jwks { keys: vec![rsa] }.check(),
            Err(KeyError::NotEd25519 { kid: "a".into() })
        );
        let mut short = Jwk::from_key("b", &key);
        short.x.truncate(20);
        assert_eq!(
            Jwks { keys: vec![short] }.check(),
            Err(KeyError::BadKey { kid: "b".into() })
        );
        let twice = Jwks {
            keys: vec![Jwk::from_key("c", &key), Jwk::from_key("c", &key)],
        };
        assert_eq!(
            twice.check(),
            Err(KeyError::DuplicateKid { kid: "c".into() })
        );
    }
}
