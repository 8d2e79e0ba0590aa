//! Passwords: the rules a new one must meet, and Argon2id hashing with OWASP's parameters.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use tepat_domain::{Lang, Localized};

/// Argon2id memory in KiB: 19 MiB, OWASP's Password Storage Cheat Sheet minimum with 2 passes.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id passes over memory.
pub const ARGON2_ITERATIONS: u32 = 2;
/// Argon2id lanes.
pub const ARGON2_PARALLELISM: u32 = 1;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// The longest (in bytes): far above any passphrase, small enough that hashing cannot be abused.
pub const MAX_BYTES: usize = 256;

/// A password as typed, kept out of `Debug` output.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Password {
        Password(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Why a new password is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("the password is too short: use at least {MIN_LENGTH} characters (a few words make a good one)")]
    TooShort,
    #[error("the password is too long: use at most {MAX_BYTES} bytes")]
    TooLong,
    #[error("the password must not be the username")]
    SameAsUsername,
}

impl Localized for PasswordProblem {
    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Id => match self {
                PasswordProblem::TooShort => format!(
                    "kata sandi terlalu pendek: gunakan sedikitnya {MIN_LENGTH} karakter (beberapa kata \
                     sekaligus adalah pilihan yang baik)"
                ),
                PasswordProblem::TooLong => {
                    format!("kata sandi terlalu panjang: gunakan paling banyak {MAX_BYTES} byte")
                }
                PasswordProblem::SameAsUsername => {
                    "kata sandi tidak boleh sama dengan nama pengguna".into()
                }
            },
        }
    }
}

/// Checks a new password against the rules (length; not the username). Following NIST SP 800-63B there
/// are no composition rules (digits, symbols) and no forced periodic changes.
pub fn check_new(password: &Password, username: &str) -> Result<(), PasswordProblem> {
    let p = password.expose();
    if p.len() > MAX_BYTES {
        return Err(PasswordProblem::TooLong);
    }
    if p.chars().count() < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if p.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(PasswordProblem::SameAsUsername);
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes with Argon2id and a random 128-bit salt; returns the PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`). CPU-bound (tens of milliseconds): call it off the async
/// threads (`spawn_blocking`).
pub fn hash(password: &Password) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .expect("Argon2id hashing with valid parameters cannot fail")
        .to_string()
}

/// Whether a stored hash was made with other than today's algorithm and parameters, so that it should be
/// replaced (with the password just verified) at sign-in.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let current = (ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM);
    let params = Params::try_from(&parsed).ok();
    parsed.algorithm.as_str() != "argon2id"
        || parsed.version != Some(0x13)
        || params.map(|p| (p.m_cost(), p.t_cost(), p.p_cost())) != Some(current)
}

/// Whether `password` matches the PHC string `phc` (with the parameters written in it). A malformed
/// hash matches nothing. CPU-bound like [`hash`].
pub fn verify(password: &Password, phc: &str) -> bool {
    if password.expose().len() > MAX_BYTES {
        // Still spend the time a real check takes, so that the answer's timing says nothing.
        let _ = argon2().hash_password(b"x", &SaltString::encode_b64(&[0u8; 16]).expect("salt"));
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_strings_with_owasp_parameters_and_a_fresh_salt() {
        let p = Password::new("kopi tubruk pagi hari");
        let a = hash(&p);
        let b = hash(&p);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify(&p, &a));
        assert!(verify(&p, &b));
        assert!(!verify(&Password::new("kopi tubruk pagi hari!"), &a));
        assert!(!verify(&p, "not a hash"));
        assert!(!format!("{p:?}").contains("kopi"));
        assert!(!needs_rehash(&a));
        let weaker = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"x", &SaltString::encode_b64(&[1u8; 16]).unwrap())
        .unwrap()
        .to_string();
        assert!(needs_rehash(&weaker));
        assert!(needs_rehash(
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
        assert!(needs_rehash("garbage"));
    }

    #[test]
    fn new_passwords_follow_the_rules() {
        assert_eq!(
            check_new(&Password::new("pendek"), "budi"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_new(&Password::new("x".repeat(300)), "budi"),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(
            check_new(&Password::new("operator.desa1"), "Operator.Desa1"),
            Err(PasswordProblem::SameAsUsername)
        );
        assert_eq!(
            check_new(&Password::new("ikan asin goreng"), "budi"),
            Ok(())
        );
        assert!(PasswordProblem::TooShort.message(Lang::Id).contains("12"));
    }
}
