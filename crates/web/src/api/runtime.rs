//! What the agency API keeps between requests: tepat's signing key (loaded on first use), the
//! per-agency rate counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tepat_dci::{Jwks, Signer};
use tepat_store::Lease;

use crate::config::ServerConfig;

/// How long a claim on outbox rows lasts: longer than sending a batch takes (each send gives up after
/// 20 s), so no other process takes a row still being sent; short enough that the rows of a process
/// that died are sent soon by another.
pub(crate) const LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// Shared by every request (one per application).
pub struct DciRuntime {
    /// Who this process is when it claims outbox rows: unique per start.
    holder: String,
    signer: Mutex<Option<Arc<Signer>>>,
    /// Per sender id: the minute (Unix minutes) and the messages counted in it.
    rate: Mutex<HashMap<String, (i64, u32)>>,
}

impl Default for DciRuntime {
    fn default() -> DciRuntime {
        DciRuntime {
            holder: format!("pid {} start {}", std::process::id(), uuid::Uuid::now_v7()),
            signer: Mutex::new(None),
            rate: Mutex::new(HashMap::new()),
        }
    }
}

impl DciRuntime {
    /// tepat's signing key, read from (or created in) `[dci] key_file` on first use.
    pub fn signer(&self, config: &ServerConfig) -> Result<Arc<Signer>, std::io::Error> {
        let mut slot = self.signer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(signer) = slot.as_ref() {
            return Ok(signer.clone());
        }
        let signer = Arc::new(super::keys::load_or_create(
            &config.dci.key_file,
            &config.dci.sender_id,
        )?);
        *slot = Some(signer.clone());
        Ok(signer)
    }

    /// A claim on outbox rows by this process, from `now` for [`LEASE`].
    pub fn lease(&self, now: DateTime<Utc>) -> Lease {
        Lease {
            holder: self.holder.clone(),
            until: now + LEASE,
        }
    }

    /// tepat's public keys.
    pub fn jwks(&self, config: &ServerConfig) -> Result<Jwks, std::io::Error> {
        Ok(Jwks {
            keys: vec![self.signer(config)?.public_jwk()],
        })
    }

    /// Counts a message of `sender` at `now` (Unix seconds); `false` when over `per_minute`.
    pub(crate) fn admit(&self, sender: &str, now: i64, per_minute: u32) -> bool {
        let minute = now.div_euclid(60);
        let mut rate = self.rate.lock().unwrap_or_else(|p| p.into_inner());
        if rate.len() > 10_000 {
            rate.retain(|_, (m, _)| *m == minute);
        }
        let entry = rate.entry(sender.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_counts_per_sender_and_per_minute() {
        let rt = DciRuntime::default();
        assert!(rt.admit("a", 600, 2));
        assert!(rt.admit("a", 610, 2));
        assert!(!rt.admit("a", 659, 2), "a third message in the same minute");
        assert!(rt.admit("b", 659, 2), "another sender has its own count");
        assert!(rt.admit("a", 660, 2), "a new minute starts again");
    }
}
