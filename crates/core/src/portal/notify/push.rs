//! Web push: the payload encrypted for the browser (RFC 8291, `aes128gcm` of RFC 8188) and the server
//! identified to the push service with VAPID (RFC 8292), on RustCrypto's P-256, HKDF and AES-GCM.
//!
//! The VAPID key is a P-256 private key kept in a file (base64url of the 32-byte scalar), created on
//! first use like the voucher key; its public key is what the page passes to
//! `PushManager.subscribe` as `applicationServerKey`.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::NotifyError;

/// Records are never split: a notice is far below one record.
const RECORD_SIZE: u32 = 4096;
/// How long a VAPID token is valid (RFC 8292 allows up to 24 hours).
const TOKEN_HOURS: i64 = 12;

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionKeys {
    /// The browser's P-256 public key, base64url of the uncompressed point.
    pub p256dh: String,
    /// 16 random bytes, base64url.
    pub auth: String,
}

impl Subscription {
    /// Parses and checks a subscription: an `https://` endpoint, a valid P-256 point, a 16-byte secret.
    /// Returns it in the compact JSON that is stored.
    pub fn parse(json: &str) -> Result<(Subscription, String), NotifyError> {
        #[derive(Deserialize)]
        struct Raw {
            endpoint: String,
            keys: SubscriptionKeys,
        }
        let raw: Raw = serde_json::from_str(json)
            .map_err(|_| NotifyError::InvalidSubscription("not a subscription's JSON"))?;
        if !(raw.endpoint.starts_with("https://") || loopback_http(&raw.endpoint))
            || raw.endpoint.len() > 1024
        {
            return Err(NotifyError::InvalidSubscription(
                "the endpoint is not an https:// address",
            ));
        }
        let sub = Subscription {
            endpoint: raw.endpoint,
            keys: raw.keys,
        };
        sub.keys()?;
        let stored = serde_json::to_string(&sub).expect("a subscription serialises");
        Ok((sub, stored))
    }

    fn keys(&self) -> Result<(PublicKey, [u8; 16]), NotifyError> {
        let point = URL_SAFE_NO_PAD
            .decode(self.keys.p256dh.trim_end_matches('='))
            .map_err(|_| NotifyError::InvalidSubscription("p256dh is not base64url"))?;
        let public = PublicKey::from_sec1_bytes(&point)
            .map_err(|_| NotifyError::InvalidSubscription("p256dh is not a P-256 key"))?;
        let auth = URL_SAFE_NO_PAD
            .decode(self.keys.auth.trim_end_matches('='))
            .map_err(|_| NotifyError::InvalidSubscription("auth is not base64url"))?;
        let auth: [u8; 16] = auth
            .try_into()
            .map_err(|_| NotifyError::InvalidSubscription("auth is not 16 bytes"))?;
        Ok((public, auth))
    }
}

/// The application server's VAPID key.
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VapidKey({})", self.public_key())
    }
}

impl VapidKey {
    /// Reads the key file, creating it (mode 0600 on Unix) when it does not exist.
    pub fn load_or_create(path: &Path) -> std::io::Result<VapidKey> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = URL_SAFE_NO_PAD
                    .decode(text.trim())
                    .map_err(|_| invalid(path))?;
                let secret = SecretKey::from_slice(&bytes).map_err(|_| invalid(path))?;
                Ok(VapidKey {
                    signing: SigningKey::from(secret),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = random_secret();
                let text = URL_SAFE_NO_PAD.encode(secret.to_bytes());
                write_private(path, &text)?;
                Ok(VapidKey {
                    signing: SigningKey::from(secret),
                })
            }
            Err(e) => Err(e),
        }
    }

    pub fn from_secret(secret: SecretKey) -> VapidKey {
        VapidKey {
            signing: SigningKey::from(secret),
        }
    }

    /// base64url of the uncompressed public point: `applicationServerKey` and the `k=` of the header.
    pub fn public_key(&self) -> String {
        let point = self.signing.verifying_key().to_encoded_point(false);
        URL_SAFE_NO_PAD.encode(point.as_bytes())
    }

    /// `Authorization: vapid t=…, k=…` for a request to `endpoint`.
    pub fn authorization(
        &self,
        endpoint: &str,
        subject: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": origin(endpoint),
            "exp": (now + chrono::Duration::hours(TOKEN_HOURS)).timestamp(),
            "sub": subject,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        let jwt = format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        );
        format!("vapid t={jwt}, k={}", self.public_key())
    }
}

fn invalid(path: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "{} is not a VAPID key (base64url of a P-256 private key)",
            path.display()
        ),
    )
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

fn random_secret() -> SecretKey {
    loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        if let Ok(secret) = SecretKey::from_slice(&bytes) {
            return secret;
        }
    }
}

/// `http://` to this machine (a push service run for tests or a local relay); browsers' own
/// services are always `https://`.
fn loopback_http(endpoint: &str) -> bool {
    endpoint
        .strip_prefix("http://")
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .and_then(|host| host.rsplit_once(':').map_or(Some(host), |(h, _)| Some(h)))
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]")
}

/// `https://host[:port]` of an endpoint: the JWT's audience.
fn origin(endpoint: &str) -> String {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let scheme = endpoint.split_once("://").map_or("https", |(s, _)| s);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!("{scheme}://{host}")
}

/// Encrypts `plaintext` for the subscription (RFC 8291) with a fresh key pair and salt.
pub fn encrypt(sub: &Subscription, plaintext: &[u8]) -> Result<Vec<u8>, NotifyError> {
    let (ua_public, auth) = sub.keys()?;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Ok(encrypt_with(
        &ua_public,
        &auth,
        &random_secret(),
        &salt,
        plaintext,
    ))
}

/// RFC 8291 section 3.4 with the sender's ephemeral key and salt given (the RFC's example is a test).
pub fn encrypt_with(
    ua_public: &PublicKey,
    auth: &[u8; 16],
    as_secret: &SecretKey,
    salt: &[u8; 16],
    plaintext: &[u8],
) -> Vec<u8> {
    let as_public = as_secret.public_key().to_encoded_point(false);
    let ua_bytes = ua_public.to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_public.as_affine());
    let (cek, nonce) = content_keys(
        shared.raw_secret_bytes(),
        auth,
        ua_bytes.as_bytes(),
        as_public.as_bytes(),
        salt,
    );
    let mut padded = Vec::with_capacity(plaintext.len() + 1);
    padded.extend_from_slice(plaintext);
    padded.push(2); // the last (and only) record's delimiter
    let cipher = Aes128Gcm::new_from_slice(&cek).expect("16-byte key");
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &padded,
                aad: b"",
            },
        )
        .expect("AES-GCM encrypts any length below its limit");
    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.as_bytes().len() as u8);
    body.extend_from_slice(as_public.as_bytes());
    body.extend_from_slice(&sealed);
    body
}

/// The content-encryption key and nonce (RFC 8291 section 3.4, RFC 8188 section 2.2).
fn content_keys(
    ecdh_secret: &[u8],
    auth: &[u8; 16],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8; 16],
) -> ([u8; 16], [u8; 12]) {
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh_secret)
        .expand(&key_info, &mut ikm)
        .expect("32 bytes is a valid HKDF length");
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .expect("16 bytes is a valid HKDF length");
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .expect("12 bytes is a valid HKDF length");
    (cek, nonce)
}

/// Decrypts an `aes128gcm` push body with the browser's key and secret: what a browser does, for
/// tests and for checking a deployment by hand. `None` when it does not decrypt.
pub fn decrypt(ua_secret: &SecretKey, auth: &[u8; 16], body: &[u8]) -> Option<Vec<u8>> {
    let salt: [u8; 16] = body.get(..16)?.try_into().ok()?;
    let id_len = usize::from(*body.get(20)?);
    let as_public = PublicKey::from_sec1_bytes(body.get(21..21 + id_len)?).ok()?;
    let sealed = body.get(21 + id_len..)?;
    let shared = p256::ecdh::diffie_hellman(ua_secret.to_nonzero_scalar(), as_public.as_affine());
    let ua_public = ua_secret.public_key().to_encoded_point(false);
    let (cek, nonce) = content_keys(
        shared.raw_secret_bytes(),
        auth,
        ua_public.as_bytes(),
        as_public.to_encoded_point(false).as_bytes(),
        &salt,
    );
    let cipher = Aes128Gcm::new_from_slice(&cek).ok()?;
    let mut padded = cipher.decrypt(Nonce::from_slice(&nonce), sealed).ok()?;
    // Strip the padding: zeros after the delimiter (2 for the last record).
    while padded.last() == Some(&0) {
        padded.pop();
    }
    (padded.pop()? == 2).then_some(padded)
}

/// Sends one push message. `Ok(())` when the push service accepted it (201).
pub async fn send(
    http: &reqwest::Client,
    key: &VapidKey,
    subject: &str,
    sub: &Subscription,
    payload: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), super::outbox::SendError> {
    use super::outbox::SendError;
    let body = encrypt(sub, payload).map_err(|_| SendError::Gone("invalid subscription".into()))?;
    let response = http
        .post(&sub.endpoint)
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("TTL", "86400")
        .header("Urgency", "normal")
        .header(
            "Authorization",
            key.authorization(&sub.endpoint, subject, now),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| SendError::Retry(super::outbox::http_error(&e)))?;
    let status = response.status().as_u16();
    match status {
        200..=299 => Ok(()),
        404 | 410 => Err(SendError::Gone(format!(
            "push service answered {status}: subscription gone"
        ))),
        408 | 429 | 500..=599 => Err(SendError::Retry(format!("push service answered {status}"))),
        _ => Err(SendError::Permanent(format!(
            "push service answered {status}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    /// RFC 8291, Appendix A: the same keys, secret and salt give the same body byte for byte.
    #[test]
    fn the_rfc_8291_example_encrypts_and_decrypts() {
        let as_secret =
            SecretKey::from_slice(&b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).unwrap();
        let ua_secret =
            SecretKey::from_slice(&b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94")).unwrap();
        let ua_public = ua_secret.public_key();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(ua_public.to_encoded_point(false).as_bytes()),
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
        );
        let auth: [u8; 16] = b64("BTBZMqHH6r4Tts7J_aSIgg").try_into().unwrap();
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let plaintext = b"When I grow up, I want to be a watermelon";
        let body = encrypt_with(&ua_public, &auth, &as_secret, &salt, plaintext);
        assert_eq!(
            URL_SAFE_NO_PAD.encode(&body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
        assert_eq!(decrypt(&ua_secret, &auth, &body).unwrap(), plaintext);
        let mut tampered = body.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(decrypt(&ua_secret, &auth, &tampered).is_none());
    }

    #[test]
    fn vapid_tokens_verify_with_the_public_key() {
        use p256::ecdsa::signature::Verifier;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vapid.key");
        let key = VapidKey::load_or_create(&path).unwrap();
        let again = VapidKey::load_or_create(&path).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        let now = chrono::Utc::now();
        let header = key.authorization(
            "https://push.example.net/wpush/v2/abc",
            "mailto:a@b.id",
            now,
        );
        let (t, k) = header
            .strip_prefix("vapid t=")
            .unwrap()
            .split_once(", k=")
            .unwrap();
        assert_eq!(k, key.public_key());
        let (signing_input, signature) = t.rsplit_once('.').unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&b64(signing_input.split_once('.').unwrap().1)).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["sub"], "mailto:a@b.id");
        assert!(claims["exp"].as_i64().unwrap() > now.timestamp());
        let verifying = p256::ecdsa::VerifyingKey::from_sec1_bytes(&b64(k)).unwrap();
        let signature = Signature::from_slice(&b64(signature)).unwrap();
        verifying
            .verify(signing_input.as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn subscriptions_are_checked() {
        let ua = random_secret().public_key();
        let p256dh = URL_SAFE_NO_PAD.encode(ua.to_encoded_point(false).as_bytes());
        let good = format!(
            r#"{{"endpoint":"https://push.example.net/x","expirationTime":null,"keys":{{"p256dh":"{p256dh}","auth":"AAAAAAAAAAAAAAAAAAAAAA"}}}}"#
        );
        let (sub, stored) = Subscription::parse(&good).unwrap();
        assert_eq!(sub.endpoint, "https://push.example.net/x");
        assert!(!stored.contains("expirationTime"));
        for bad in [
            good.replace("https://", "http://"),
            good.replace("https://push.example.net", "http://127.0.0.1.example.net"),
            good.replace(&p256dh, "AAAA"),
            good.replace("AAAAAAAAAAAAAAAAAAAAAA", "AAAA"),
            "{}".to_owned(),
        ] {
            assert!(Subscription::parse(&bad).is_err(), "{bad}");
        }
    }
}
