//! C2SP signed notes (`c2sp.org/signed-note`) with Ed25519 keys (type 0x01) and C2SP timestamped Ed25519
//! cosignatures (`c2sp.org/tlog-cosignature`, `cosignature/v1`, type 0x04).
//!
//! Key text forms follow Go's `sumdb/note`: a verifier key is `name+hexkeyid+base64(type ‖ public key)`,
//! a signer key `PRIVATE+KEY+name+hexkeyid+base64(type ‖ seed)`.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Largest note accepted by the parser (bytes). A checkpoint with 100 cosignatures is about 15 KiB.
pub const MAX_NOTE_SIZE: usize = 64 * 1024;
/// Most signature lines accepted on one note (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// Signature type byte of plain Ed25519 note signatures.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type byte of timestamped Ed25519 witness cosignatures (`cosignature/v1`).
pub const TYPE_COSIGNATURE_V1: u8 = 0x04;

const DASH_PREFIX: &str = "\u{2014} ";

/// The kinds of keys this crate signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// A log's key: Ed25519 over the note text.
    Ed25519,
    /// A witness's key: Ed25519 over `cosignature/v1\ntime <T>\n` + the checkpoint text.
    CosignatureV1,
}

impl KeyType {
    /// The type byte of the signed-note spec.
    pub fn byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => TYPE_ED25519,
            KeyType::CosignatureV1 => TYPE_COSIGNATURE_V1,
        }
    }

    fn from_byte(b: u8) -> Option<KeyType> {
        match b {
            TYPE_ED25519 => Some(KeyType::Ed25519),
            TYPE_COSIGNATURE_V1 => Some(KeyType::CosignatureV1),
            _ => None,
        }
    }
}

/// A key in text form could not be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The key name is empty or has a space or `+`.
    #[error("key name {0:?} is not allowed: it must be non-empty, without spaces, `+` or control characters")]
    BadName(String),
    /// The text form does not have the expected `+`-separated parts.
    #[error("key text must look like {0}")]
    Format(&'static str),
    /// The key id in the text is not 8 hexadecimal digits.
    #[error("key id {0:?} is not 8 hexadecimal digits")]
    BadKeyId(String),
    /// The key id does not match the one computed from name, type and key.
    #[error(
        "key id {given:08x} does not match the id {computed:08x} computed from the name and key"
    )]
    KeyIdMismatch {
        /// Id in the text.
        given: u32,
        /// Id computed.
        computed: u32,
    },
    /// The base64 part is not valid base64.
    #[error("the key material is not valid base64")]
    Base64,
    /// The type byte is not one this crate supports.
    #[error("unsupported key type 0x{0:02x} (supported: 0x01 Ed25519, 0x04 cosignature/v1)")]
    UnsupportedType(u8),
    /// The key material has the wrong length or is not a valid Ed25519 point.
    #[error("the key material is not a valid Ed25519 key")]
    BadKey,
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(KeyError::BadName(name.to_string()));
    }
    Ok(())
}

/// `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`, big-endian.
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', key_type.byte()]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The message a `cosignature/v1` signs: `cosignature/v1\ntime <T>\n` followed by the checkpoint text.
pub fn cosignature_message(checkpoint_text: &str, time: u64) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(checkpoint_text.as_bytes());
    m
}

/// A private key that signs notes: a log key (Ed25519) or a witness key (cosignature/v1).
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key_type: KeyType,
    key: SigningKey,
    id: u32,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "NoteSigner({}+{:08x}, {:?})",
            self.name, self.id, self.key_type
        )
    }
}

impl NoteSigner {
    /// A signer from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, key_type: KeyType, seed: [u8; 32]) -> Result<Self, KeyError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, key_type, key.verifying_key().as_bytes());
        Ok(NoteSigner {
            name: name.to_string(),
            key_type,
            key,
            id,
        })
    }

    /// A fresh random key.
    pub fn generate(name: &str, key_type: KeyType) -> Result<Self, KeyError> {
        let seed: [u8; 32] = rand::random();
        Self::from_seed(name, key_type, seed)
    }

    /// Parses `PRIVATE+KEY+name+hexid+base64(type ‖ seed)`.
    pub fn from_skey(text: &str) -> Result<Self, KeyError> {
        const FORM: &str =
            "PRIVATE+KEY+<name>+<8 hex digits>+<base64 of type byte and 32-byte seed>";
        let parts: Vec<&str> = text.trim_end().splitn(5, '+').collect();
        if parts.len() != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
            return Err(KeyError::Format(FORM));
        }
        let (name, id_hex, material) = (parts[2], parts[3], parts[4]);
        check_name(name)?;
        let given = parse_key_id(id_hex)?;
        let bytes = B64.decode(material).map_err(|_| KeyError::Base64)?;
        if bytes.len() != 33 {
            return Err(KeyError::BadKey);
        }
        let key_type = KeyType::from_byte(bytes[0]).ok_or(KeyError::UnsupportedType(bytes[0]))?;
        let seed: [u8; 32] = bytes[1..].try_into().map_err(|_| KeyError::BadKey)?;
        let signer = Self::from_seed(name, key_type, seed)?;
        if signer.id != given {
            return Err(KeyError::KeyIdMismatch {
                given,
                computed: signer.id,
            });
        }
        Ok(signer)
    }

    /// `PRIVATE+KEY+name+hexid+base64(type ‖ seed)`. Secret: store it like a password.
    pub fn to_skey(&self) -> String {
        let mut material = vec![self.key_type.byte()];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(material)
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The kind of key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The matching public key.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_type: self.key_type,
            key: self.key.verifying_key(),
            id: self.id,
        }
    }

    /// Signs a note text (Ed25519 keys). A cosigning key signs with [`NoteSigner::cosign`] instead.
    pub fn sign(&self, text: &str) -> NoteSignature {
        let sig = match self.key_type {
            KeyType::Ed25519 => self.key.sign(text.as_bytes()).to_bytes().to_vec(),
            // A cosigner asked to sign plainly cosigns at time 0, which no verifier accepts as a witness
            // statement; use `cosign`.
            KeyType::CosignatureV1 => return self.cosign(text, 0),
        };
        NoteSignature {
            name: self.name.clone(),
            key_id: self.id,
            signature: sig,
        }
    }

    /// A `cosignature/v1` over a checkpoint text at `time` (Unix seconds): the signature blob is the u64
    /// big-endian time followed by the 64-byte Ed25519 signature.
    pub fn cosign(&self, checkpoint_text: &str, time: u64) -> NoteSignature {
        let sig = self.key.sign(&cosignature_message(checkpoint_text, time));
        let mut blob = time.to_be_bytes().to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        NoteSignature {
            name: self.name.clone(),
            key_id: self.id,
            signature: blob,
        }
    }
}

fn parse_key_id(text: &str) -> Result<u32, KeyError> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::BadKeyId(text.to_string()));
    }
    u32::from_str_radix(text, 16).map_err(|_| KeyError::BadKeyId(text.to_string()))
}

/// A public key that verifies note signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_type: KeyType,
    key: VerifyingKey,
    id: u32,
}

impl fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

impl NoteVerifier {
    /// Parses `name+hexkeyid+base64(type ‖ public key)`, split on `+` at most twice (base64 may contain
    /// `+`); the key id must match the one computed.
    pub fn from_vkey(text: &str) -> Result<Self, KeyError> {
        const FORM: &str = "<name>+<8 hex digits>+<base64 of type byte and 32-byte public key>";
        let parts: Vec<&str> = text.trim_end_matches('\n').splitn(3, '+').collect();
        if parts.len() != 3 {
            return Err(KeyError::Format(FORM));
        }
        let (name, id_hex, material) = (parts[0], parts[1], parts[2]);
        check_name(name)?;
        let given = parse_key_id(id_hex)?;
        let bytes = B64.decode(material).map_err(|_| KeyError::Base64)?;
        let Some((&type_byte, pk)) = bytes.split_first() else {
            return Err(KeyError::BadKey);
        };
        let key_type = KeyType::from_byte(type_byte).ok_or(KeyError::UnsupportedType(type_byte))?;
        let pk: [u8; 32] = pk.try_into().map_err(|_| KeyError::BadKey)?;
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| KeyError::BadKey)?;
        let computed = key_id(name, key_type, &pk);
        if computed != given {
            return Err(KeyError::KeyIdMismatch { given, computed });
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            key_type,
            key,
            id: computed,
        })
    }

    /// `name+hexkeyid+base64(type ‖ public key)`.
    pub fn to_vkey(&self) -> String {
        let mut material = vec![self.key_type.byte()];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(material))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The kind of key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether a signature (without its 4-byte key id) is valid over `text`. For a cosignature key the
    /// signature is the 8-byte timestamp followed by the Ed25519 signature.
    pub fn verify(&self, text: &str, signature: &[u8]) -> bool {
        match self.key_type {
            KeyType::Ed25519 => {
                let Ok(sig) = Signature::from_slice(signature) else {
                    return false;
                };
                self.key.verify_strict(text.as_bytes(), &sig).is_ok()
            }
            KeyType::CosignatureV1 => {
                if signature.len() != 8 + 64 {
                    return false;
                }
                let time = u64::from_be_bytes(signature[..8].try_into().expect("8 bytes"));
                let Ok(sig) = Signature::from_slice(&signature[8..]) else {
                    return false;
                };
                self.key
                    .verify_strict(&cosignature_message(text, time), &sig)
                    .is_ok()
            }
        }
    }

    /// Whether this key made `sig` (same name and key id).
    pub fn matches(&self, sig: &NoteSignature) -> bool {
        sig.name == self.name && sig.key_id == self.id
    }
}

/// One signature line of a note: `— <name> base64(key id ‖ signature)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key id.
    pub key_id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line, with its final newline.
    pub fn to_line(&self) -> String {
        let mut blob = self.key_id.to_be_bytes().to_vec();
        blob.extend_from_slice(&self.signature);
        format!("{DASH_PREFIX}{} {}\n", self.name, B64.encode(blob))
    }

    /// Parses one line, without its newline.
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let rest = line
            .strip_prefix(DASH_PREFIX)
            .ok_or_else(|| NoteError::BadSignatureLine {
                line: clip(line),
                why: "it does not start with an em dash (U+2014) and a space",
            })?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| NoteError::BadSignatureLine {
                line: clip(line),
                why: "it has no space between key name and signature",
            })?;
        if check_name(name).is_err() {
            return Err(NoteError::BadSignatureLine {
                line: clip(line),
                why: "the key name is empty or contains spaces or `+`",
            });
        }
        let blob = B64.decode(b64).map_err(|_| NoteError::BadSignatureLine {
            line: clip(line),
            why: "the signature is not valid standard base64",
        })?;
        if blob.len() < 5 {
            return Err(NoteError::BadSignatureLine {
                line: clip(line),
                why: "the signature is shorter than a key id and one byte",
            });
        }
        Ok(NoteSignature {
            name: name.to_string(),
            key_id: u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]),
            signature: blob[4..].to_vec(),
        })
    }

    /// For a cosignature: the timestamp it carries.
    pub fn cosignature_time(&self) -> Option<u64> {
        (self.signature.len() == 72)
            .then(|| u64::from_be_bytes(self.signature[..8].try_into().expect("8 bytes")))
    }
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A note could not be parsed or verified.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NoteError {
    /// Longer than [`MAX_NOTE_SIZE`].
    #[error("the note is {0} bytes long, more than the {MAX_NOTE_SIZE} accepted")]
    TooLarge(usize),
    /// Not UTF-8.
    #[error("the note is not valid UTF-8")]
    NotUtf8,
    /// A control character other than newline.
    #[error("the note contains control character 0x{byte:02x} at byte {offset}")]
    ControlCharacter {
        /// The byte.
        byte: u8,
        /// Where.
        offset: usize,
    },
    /// The note does not end with a newline.
    #[error("the note does not end with a newline")]
    MissingFinalNewline,
    /// No blank line separating text and signatures.
    #[error("the note has no blank line separating its text from the signatures")]
    NoSignatureBlock,
    /// The blank line is there but no signature follows.
    #[error("the note has no signature lines")]
    NoSignatures,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("the note has {0} signature lines, more than the {MAX_SIGNATURES} accepted")]
    TooManySignatures(usize),
    /// A signature line is malformed.
    #[error("bad signature line {line:?}: {why}")]
    BadSignatureLine {
        /// The line (first 80 characters).
        line: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A signature by a trusted key failed to verify.
    #[error("the signature of trusted key {name}+{key_id:08x} does not verify")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key id.
        key_id: u32,
    },
    /// No trusted key signed the note.
    #[error("no signature from a trusted key (trusted: {trusted})")]
    NoTrustedSignature {
        /// The names of the trusted keys.
        trusted: String,
    },
}

/// A signed note: a text and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, including its final newline.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// A note with a text (which must end with a newline) and no signatures yet.
    pub fn new(text: impl Into<String>) -> Note {
        Note {
            text: text.into(),
            signatures: Vec::new(),
        }
    }

    /// Parses a signed note strictly (UTF-8, no control characters but newline, final newline, a blank
    /// line before one or more well-formed signature lines). Never panics.
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        if bytes.len() > MAX_NOTE_SIZE {
            return Err(NoteError::TooLarge(bytes.len()));
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        if let Some(offset) = bytes.iter().position(|&b| b < 0x20 && b != b'\n') {
            return Err(NoteError::ControlCharacter {
                byte: bytes[offset],
                offset,
            });
        }
        if !s.ends_with('\n') {
            return Err(NoteError::MissingFinalNewline);
        }
        let split = s.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
        let text = &s[..split + 1];
        let sigs = &s[split + 2..];
        if sigs.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let lines: Vec<&str> = sigs[..sigs.len() - 1].split('\n').collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures(lines.len()));
        }
        let signatures = lines
            .into_iter()
            .map(NoteSignature::parse_line)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The note as bytes: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// Adds a signature line.
    pub fn push(&mut self, sig: NoteSignature) {
        self.signatures.push(sig);
    }

    /// Checks every signature made by one of `keys` (matched by name and key id; unknown ones are
    /// ignored) and returns the indexes into `keys` of those that verified. A trusted key whose
    /// signature fails rejects the whole note.
    pub fn check(&self, keys: &[NoteVerifier]) -> Result<Vec<usize>, NoteError> {
        let mut ok = Vec::new();
        for sig in &self.signatures {
            for (i, key) in keys.iter().enumerate() {
                if key.matches(sig) {
                    if !key.verify(&self.text, &sig.signature) {
                        return Err(NoteError::BadSignature {
                            name: sig.name.clone(),
                            key_id: sig.key_id,
                        });
                    }
                    if !ok.contains(&i) {
                        ok.push(i);
                    }
                }
            }
        }
        Ok(ok)
    }

    /// Like [`Note::check`], and rejects the note unless at least one trusted key signed it.
    pub fn verify(&self, keys: &[NoteVerifier]) -> Result<Vec<usize>, NoteError> {
        let ok = self.check(keys)?;
        if ok.is_empty() {
            return Err(NoteError::NoTrustedSignature {
                trusted: keys
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(ok)
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for s in &self.signatures {
            f.write_str(&s.to_line())?;
        }
        Ok(())
    }
}
