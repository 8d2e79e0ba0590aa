//! `tepat-crypto`: how personal data (NIK, KK number, phone and account numbers) is kept at rest.
//!
//! - [`Keyring`]: the office's secret keys, in a key file kept apart from the database.
//! - Field encryption ([`Keyring::seal`] / [`Keyring::open`]): XChaCha20-Poly1305 with a random 192-bit
//!   nonce; the associated data binds each ciphertext to its table, column and row ([`Aad`]), so a value
//!   copied into another row or column no longer opens. The key id travels with the ciphertext, so keys can
//!   be rotated without re-encrypting everything at once.
//! - Blind indexes ([`Keyring::blind_index`]): HMAC-SHA-256 under a separate key, so equal values can be
//!   found without decrypting and without a plain hash that 16 structured digits would make trivial to
//!   brute-force.
#![forbid(unsafe_code)]

mod keyring;

pub use keyring::{Aad, BlindIndex, CryptoError, KeyId, Keyring};
