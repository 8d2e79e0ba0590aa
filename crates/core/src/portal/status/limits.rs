//! Attempt counters of the status check, per client address and per NIK (or per SMS sender), each in
//! fixed one-hour windows that start at the key's first attempt.
//!
//! Keys are 64-bit keyed hashes (SipHash with a random key per process) of the address or NIK as
//! typed: nothing readable is kept, and a hash cannot be turned back into a NIK without the key. The
//! counters are sharded so that concurrent checks rarely wait on the same lock, and bounded: a map
//! over [`MAX_KEYS_PER_SHARD`] forgets its expired windows first and then, under a flood of fresh
//! keys, everything (a flood of distinct NIKs from many addresses could reset NIK counts that way; the
//! per-address limit still holds each address).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Counters kept per shard before old windows are dropped.
pub const MAX_KEYS_PER_SHARD: usize = 1 << 16;
const SHARDS: usize = 16;
const WINDOW_SECONDS: i64 = 3600;

/// Attempts allowed per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Per client address (the web and JSON API) or per sender number (SMS).
    pub per_client: u32,
    /// Per NIK, whoever asks.
    pub per_nik: u32,
}

impl Default for LimitSettings {
    /// The same as the citizen forms' limits (`tepat_core::intake::citizen::LimitSettings`).
    fn default() -> LimitSettings {
        LimitSettings {
            per_client: 20,
            per_nik: 5,
        }
    }
}

/// One kind of key's counters.
struct Counter {
    limit: u32,
    shards: Vec<Mutex<HashMap<u64, (i64, u32)>>>,
}

impl Counter {
    fn new(limit: u32) -> Counter {
        Counter {
            limit,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// Counts one attempt; `false` when the key is over its limit.
    fn hit(&self, key: u64, now: i64) -> bool {
        let mut shard = self.shards[(key as usize) % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if shard.len() >= MAX_KEYS_PER_SHARD {
            shard.retain(|_, (start, _)| now - *start < WINDOW_SECONDS);
            if shard.len() >= MAX_KEYS_PER_SHARD {
                shard.clear();
            }
        }
        let entry = shard.entry(key).or_insert((now, 0));
        if now - entry.0 >= WINDOW_SECONDS {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.limit
    }
}

/// The status check's counters (in memory, per server).
pub struct StatusLimits {
    keys: std::collections::hash_map::RandomState,
    clients: Counter,
    niks: Counter,
}

impl StatusLimits {
    pub fn new(settings: LimitSettings) -> StatusLimits {
        StatusLimits {
            keys: Default::default(),
            clients: Counter::new(settings.per_client),
            niks: Counter::new(settings.per_nik),
        }
    }

    fn key(&self, kind: u8, value: &str) -> u64 {
        let mut h = self.keys.build_hasher();
        kind.hash(&mut h);
        value.hash(&mut h);
        h.finish()
    }

    /// Counts one attempt by `client` (an address, with or without port, or a sender) for `nik`
    /// (as typed, spaces removed). Both counters move even when one is already over, so trying other
    /// NIKs from a blocked address, or a blocked NIK from other addresses, gains nothing.
    pub fn attempt(&self, client: &str, nik: &str, now: DateTime<Utc>) -> bool {
        let now = now.timestamp();
        let client_ok = self.clients.hit(self.key(0, client_key(client)), now);
        let nik_ok = self.niks.hit(self.key(1, nik), now);
        client_ok && nik_ok
    }
}

impl Default for StatusLimits {
    fn default() -> StatusLimits {
        StatusLimits::new(LimitSettings::default())
    }
}

/// The address without its port (`1.2.3.4:5678`, `[::1]:5678`), so each connection of one client
/// counts alike.
fn client_key(client: &str) -> &str {
    match client.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !host.is_empty() => {
            if client.starts_with('[') || !host.contains(':') {
                host
            } else {
                client
            }
        }
        _ => client,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn per_client_limit_spares_other_clients() {
        let l = StatusLimits::new(LimitSettings {
            per_client: 3,
            per_nik: 100,
        });
        for i in 0..3 {
            assert!(l.attempt("10.0.0.1:1000", &format!("n{i}"), t(0)));
        }
        assert!(
            !l.attempt("10.0.0.1:2000", "n9", t(1)),
            "another port, same client"
        );
        assert!(l.attempt("10.0.0.2:1000", "n9", t(1)));
        assert!(l.attempt("10.0.0.1:1000", "n9", t(3600)), "a new hour");
    }

    #[test]
    fn per_nik_limit_holds_across_clients() {
        let l = StatusLimits::new(LimitSettings {
            per_client: 100,
            per_nik: 2,
        });
        assert!(l.attempt("a", "3201", t(0)));
        assert!(l.attempt("b", "3201", t(0)));
        assert!(!l.attempt("c", "3201", t(0)));
        assert!(l.attempt("c", "3202", t(0)));
    }

    #[test]
    fn ports_are_stripped_but_ipv6_stays_whole() {
        assert_eq!(client_key("1.2.3.4:80"), "1.2.3.4");
        assert_eq!(client_key("[::1]:80"), "[::1]");
        assert_eq!(client_key("::1"), "::1");
        assert_eq!(client_key("sms:abc"), "sms:abc");
    }
}
