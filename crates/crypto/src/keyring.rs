use std::collections::BTreeMap;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Identifies an encryption key inside a keyring; stored in front of every ciphertext.
pub type KeyId = u32;

/// A keyed blind index: equal inputs under the same key and purpose give equal indexes.
pub type BlindIndex = [u8; 32];

const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 4 + 24;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("cannot read key file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write key file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("key file {path} is not valid: {reason}")]
    Invalid { path: String, reason: String },
    #[error("ciphertext is too short or of an unknown format")]
    Malformed,
    #[error("ciphertext was made with key {0}, which is not in this keyring")]
    UnknownKey(KeyId),
    #[error("ciphertext does not open: wrong key, or it was moved to another row or column")]
    Forged,
    #[error("key {0} is the active key and cannot be retired")]
    RetireActive(KeyId),
}

/// The associated data that binds a ciphertext to where it is stored.
pub struct Aad<'a> {
    pub table: &'a str,
    pub column: &'a str,
    /// The row's stable id (its UUID bytes, or any key that never changes for that row).
    pub row: &'a [u8],
}

impl Aad<'_> {
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.table.len() + self.column.len() + self.row.len() + 2);
        out.extend_from_slice(self.table.as_bytes());
        out.push(0);
        out.extend_from_slice(self.column.as_bytes());
        out.push(0);
        out.extend_from_slice(self.row);
        out
    }
}

/// The secret keys. Cloning is cheap enough for per-request use but the keyring is normally shared.
#[derive(Clone)]
pub struct Keyring {
    active: KeyId,
    ciphers: BTreeMap<KeyId, XChaCha20Poly1305>,
    raw_keys: BTreeMap<KeyId, [u8; 32]>,
    index: Hmac<Sha256>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("keys", &self.raw_keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    active: KeyId,
    index_key: String,
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
struct KeyEntry {
    id: KeyId,
    key: String,
}

const KEY_FILE_HEADER: &str =
    "# tepat keyring. Keep it secret and back it up: without it the encrypted personal data\n\
# in the database cannot be read. Never store it next to database backups.\n";

fn random_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    rand::rng().fill_bytes(&mut k);
    k
}

impl Keyring {
    /// A new keyring with one fresh encryption key and a fresh index key.
    pub fn generate() -> Keyring {
        Self::from_parts(1, [(1, random_key())].into_iter().collect(), random_key())
    }

    fn from_parts(
        active: KeyId,
        raw_keys: BTreeMap<KeyId, [u8; 32]>,
        index_key: [u8; 32],
    ) -> Keyring {
        let ciphers = raw_keys
            .iter()
            .map(|(id, k)| (*id, XChaCha20Poly1305::new(k.into())))
            .collect();
        Keyring {
            active,
            ciphers,
            raw_keys,
            index: <Hmac<Sha256> as Mac>::new_from_slice(&index_key)
                .expect("HMAC takes any key length"),
            index_key,
        }
    }

    /// Reads the key file at `path`, or creates one (readable by the owner only) if there is none.
    pub fn load_or_create(path: &Path) -> Result<Keyring, CryptoError> {
        if path.exists() {
            return Self::load(path);
        }
        let ring = Keyring::generate();
        ring.save(path)?;
        Ok(ring)
    }

    pub fn load(path: &Path) -> Result<Keyring, CryptoError> {
        let text = std::fs::read_to_string(path).map_err(|source| CryptoError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text).map_err(|reason| CryptoError::Invalid {
            path: path.display().to_string(),
            reason,
        })
    }

    /// Writes the key file, readable by the owner only where the platform supports it.
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        let err = |source| CryptoError::Write {
            path: path.display().to_string(),
            source,
        };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, self.to_toml()).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
        }
        std::fs::rename(&tmp, path).map_err(err)
    }

    pub fn to_toml(&self) -> String {
        let file = KeyFile {
            active: self.active,
            index_key: hex::encode(self.index_key),
            keys: self
                .raw_keys
                .iter()
                .map(|(id, k)| KeyEntry {
                    id: *id,
                    key: hex::encode(k),
                })
                .collect(),
        };
        format!(
            "{KEY_FILE_HEADER}{}",
            toml::to_string(&file).expect("key file serialises")
        )
    }

    pub fn from_toml(text: &str) -> Result<Keyring, String> {
        let file: KeyFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let decode = |what: &str, hex_str: &str| -> Result<[u8; 32], String> {
            let bytes = hex::decode(hex_str).map_err(|_| format!("{what} is not hexadecimal"))?;
            <[u8; 32]>::try_from(bytes)
                .map_err(|_| format!("{what} must be 32 bytes (64 hex digits)"))
        };
        let index_key = decode("index_key", &file.index_key)?;
        let mut keys = BTreeMap::new();
        for entry in &file.keys {
            let key = decode(&format!("key {}", entry.id), &entry.key)?;
            if keys.insert(entry.id, key).is_some() {
                return Err(format!("key id {} appears twice", entry.id));
            }
        }
        if !keys.contains_key(&file.active) {
            return Err(format!("active key {} is not in the file", file.active));
        }
        Ok(Self::from_parts(file.active, keys, index_key))
    }

    /// Adds a new encryption key and makes it the active one. Old ciphertexts still open; new ones use the
    /// new key. The index key does not change (that would need every blind index recomputed).
    pub fn rotate(&mut self) -> KeyId {
        let id = self.raw_keys.keys().max().copied().unwrap_or(0) + 1;
        let mut raw = std::mem::take(&mut self.raw_keys);
        raw.insert(id, random_key());
        *self = Self::from_parts(id, raw, self.index_key);
        id
    }

    /// Every key id in the ring, oldest first.
    pub fn key_ids(&self) -> Vec<KeyId> {
        self.raw_keys.keys().copied().collect()
    }

    /// Removes an old encryption key. Values still sealed under it no longer open, so retire a key only
    /// once nothing uses it (`tepat admin rotate-keys --retire` checks). Retiring a key that is not in
    /// the ring does nothing; the active key cannot be retired.
    pub fn retire(&mut self, id: KeyId) -> Result<(), CryptoError> {
        if id == self.active {
            return Err(CryptoError::RetireActive(id));
        }
        let mut raw = std::mem::take(&mut self.raw_keys);
        raw.remove(&id);
        *self = Self::from_parts(self.active, raw, self.index_key);
        Ok(())
    }

    pub fn active_key(&self) -> KeyId {
        self.active
    }

    /// Encrypts `plaintext` under the active key, bound to `aad`.
    pub fn seal(&self, aad: &Aad<'_>, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let cipher = &self.ciphers[&self.active];
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad.bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory buffers");
        let mut out = Vec::with_capacity(HEADER_LEN + ct.len());
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&self.active.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts what [`seal`](Self::seal) produced for the same `aad`.
    pub fn open(&self, aad: &Aad<'_>, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < HEADER_LEN + 16 || sealed[0] != FORMAT_VERSION {
            return Err(CryptoError::Malformed);
        }
        let id = KeyId::from_be_bytes(sealed[1..5].try_into().expect("4 bytes"));
        let cipher = self.ciphers.get(&id).ok_or(CryptoError::UnknownKey(id))?;
        cipher
            .decrypt(
                XNonce::from_slice(&sealed[5..HEADER_LEN]),
                Payload {
                    msg: &sealed[HEADER_LEN..],
                    aad: &aad.bytes(),
                },
            )
            .map_err(|_| CryptoError::Forged)
    }

    /// The key id a ciphertext was sealed with (to find rows still under an old key after rotation).
    pub fn key_of(sealed: &[u8]) -> Option<KeyId> {
        (sealed.len() >= 5 && sealed[0] == FORMAT_VERSION)
            .then(|| KeyId::from_be_bytes(sealed[1..5].try_into().expect("4 bytes")))
    }

    /// A keyed blind index of `value` for one `purpose` (e.g. `"nik"`, `"kk"`): different purposes give
    /// unrelated indexes for the same value, so two columns cannot be joined by their indexes.
    pub fn blind_index(&self, purpose: &str, value: &[u8]) -> BlindIndex {
        let mut mac = self.index.clone();
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn aad(row: &[u8]) -> Aad<'_> {
        Aad {
            table: "population_person",
            column: "nik",
            row,
        }
    }

    #[test]
    fn sealed_values_open_only_where_they_were_sealed() {
        let ring = Keyring::generate();
        let sealed = ring.seal(&aad(b"row-1"), b"1902015708850003");
        assert_eq!(
            ring.open(&aad(b"row-1"), &sealed).unwrap(),
            b"1902015708850003"
        );
        assert!(matches!(
            ring.open(&aad(b"row-2"), &sealed),
            Err(CryptoError::Forged)
        ));
        let other_column = Aad {
            table: "population_person",
            column: "kk_number",
            row: b"row-1",
        };
        assert!(matches!(
            ring.open(&other_column, &sealed),
            Err(CryptoError::Forged)
        ));
        assert!(matches!(
            Keyring::generate().open(&aad(b"row-1"), &sealed),
            Err(CryptoError::Forged)
        ));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(matches!(
            ring.open(&aad(b"row-1"), &tampered),
            Err(CryptoError::Forged)
        ));
        assert!(matches!(
            ring.open(&aad(b"row-1"), &sealed[..10]),
            Err(CryptoError::Malformed)
        ));
        assert!(!sealed.windows(16).any(|w| w == b"1902015708850003"));
    }

    #[test]
    fn rotation_keeps_old_ciphertexts_readable() {
        let mut ring = Keyring::generate();
        let old = ring.seal(&aad(b"r"), b"old");
        let index_before = ring.blind_index("nik", b"x");
        assert_eq!(ring.rotate(), 2);
        assert_eq!(ring.key_ids(), vec![1, 2]);
        let new = ring.seal(&aad(b"r"), b"new");
        assert_eq!(Keyring::key_of(&old), Some(1));
        assert_eq!(Keyring::key_of(&new), Some(2));
        assert_eq!(ring.open(&aad(b"r"), &old).unwrap(), b"old");
        assert_eq!(ring.blind_index("nik", b"x"), index_before);
    }

    #[test]
    fn retiring_a_key_makes_its_values_unreadable_but_not_the_active_ones() {
        let mut ring = Keyring::generate();
        let old = ring.seal(&aad(b"r"), b"old");
        ring.rotate();
        let new = ring.seal(&aad(b"r"), b"new");
        assert!(matches!(ring.retire(2), Err(CryptoError::RetireActive(2))));
        ring.retire(1).unwrap();
        assert_eq!(ring.key_ids(), vec![2]);
        assert!(matches!(
            ring.open(&aad(b"r"), &old),
            Err(CryptoError::UnknownKey(1))
        ));
        assert_eq!(ring.open(&aad(b"r"), &new).unwrap(), b"new");
        // The ring as saved and read back keeps the retirement.
        let back = Keyring::from_toml(&ring.to_toml()).unwrap();
        assert_eq!(back.key_ids(), vec![2]);
        assert_eq!(back.active_key(), 2);
    }

    #[test]
    fn key_file_round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tepat.keys");
        let ring = Keyring::load_or_create(&path).unwrap();
        let sealed = ring.seal(&aad(b"r"), b"v");
        let again = Keyring::load_or_create(&path).unwrap();
        assert_eq!(again.open(&aad(b"r"), &sealed).unwrap(), b"v");
        assert_eq!(
            again.blind_index("nik", b"1"),
            ring.blind_index("nik", b"1")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "key file must not be readable by others");
        }
        let err = Keyring::from_toml("active = 2\nindex_key = \"00\"\nkeys = []").unwrap_err();
        assert!(err.contains("32 bytes"), "{err}");
        let good_hex = "11".repeat(32);
        let err = Keyring::from_toml(&format!(
            "active = 2\nindex_key = \"{good_hex}\"\nkeys = []"
        ))
        .unwrap_err();
        assert!(err.contains("active key 2"), "{err}");
    }

    proptest! {
        #[test]
        fn blind_index_separates_values_and_purposes(a in "[0-9]{16}", b in "[0-9]{16}") {
            let ring = Keyring::generate();
            prop_assert_eq!(ring.blind_index("nik", a.as_bytes()) == ring.blind_index("nik", b.as_bytes()), a == b);
            prop_assert_ne!(ring.blind_index("nik", a.as_bytes()), ring.blind_index("kk", a.as_bytes()));
        }
    }
}
