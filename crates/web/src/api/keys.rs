//! tepat's own signing key for callbacks and notifications: a key file like the ledger's, created on
//! first use and readable by its owner only.
//!
//! ```text
//! # tepat DCI signing key (Ed25519). Secret: never serve, log or copy it.
//! kid=<key id>
//! secret=<base64 of the 32-byte Ed25519 seed>
//! ```

use std::io::{self, Write as _};
use std::path::Path;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tepat_dci::Signer;

pub(crate) fn load_or_create(path: &Path, sender_id: &str) -> io::Result<Signer> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, sender_id).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a tepat DCI key file (lines kid=… and secret=…)",
                    path.display()
                ),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create(path, sender_id),
        Err(e) => Err(e),
    }
}

fn parse(text: &str, sender_id: &str) -> Option<Signer> {
    let mut kid = None;
    let mut secret = None;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("kid=") {
            kid = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("secret=") {
            secret = STANDARD.decode(v).ok()?.try_into().ok();
        }
    }
    Some(Signer::from_secret(sender_id, &kid?, secret?))
}

fn create(path: &Path, sender_id: &str) -> io::Result<Signer> {
    let fresh = Signer::generate(sender_id, "new");
    let secret = fresh.secret();
    // The key id: a fingerprint of the public key, so a new key always has a new id.
    let public = ed25519_public(&fresh);
    let kid = format!(
        "tepat-{}",
        &URL_SAFE_NO_PAD.encode(Sha256::digest(public.as_bytes()))[..12]
    );
    let text = format!(
        "# tepat DCI signing key (Ed25519). Secret: never serve, log or copy it.\nkid={kid}\nsecret={}\n",
        STANDARD.encode(secret)
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), kid = %kid, "created the DCI signing key");
    Ok(Signer::from_secret(sender_id, &kid, secret))
}

/// The vouchers' signing key (`[payments] voucher_key_file`), the same file form without a `kid` line:
/// the voucher key id is derived from the public key (`tepat_payments::voucher::key_id`).
pub(crate) fn load_or_create_voucher_key(path: &Path) -> io::Result<ed25519_dalek::SigningKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .find_map(|line| line.trim().strip_prefix("secret="))
            .and_then(|v| STANDARD.decode(v).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(|seed| ed25519_dalek::SigningKey::from_bytes(&seed))
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} is not a tepat voucher key file (a line secret=…)",
                        path.display()
                    ),
                )
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let seed: [u8; 32] = rand::random();
            let text = format!(
                "# tepat voucher signing key (Ed25519). Secret: never serve, log or copy it.\nsecret={}\n",
                STANDARD.encode(seed)
            );
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "created the voucher signing key");
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(e),
    }
}

fn ed25519_public(signer: &Signer) -> String {
    signer.public_jwk().x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let a = load_or_create(&path, "tepat.test").unwrap();
        let b = load_or_create(&path, "tepat.test").unwrap();
        assert_eq!(a.public_jwk(), b.public_jwk());
        assert!(a.public_jwk().kid.starts_with("tepat-"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only");
        }
        std::fs::write(&path, "nonsense").unwrap();
        assert!(load_or_create(&path, "tepat.test").is_err());
    }

    #[test]
    fn a_voucher_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.key");
        let a = load_or_create_voucher_key(&path).unwrap();
        let b = load_or_create_voucher_key(&path).unwrap();
        assert_eq!(a.verifying_key(), b.verifying_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only");
        }
        std::fs::write(&path, "secret=short").unwrap();
        assert!(load_or_create_voucher_key(&path).is_err());
    }
}
