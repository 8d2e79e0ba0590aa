//! Failed sign-ins per client address: after too many in a window, that address is refused until the
//! window has passed, whichever usernames it tries. Kept in memory (per server process); the per-account
//! lockout, which is the stronger guard, is in the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How many failed sign-ins one address may make per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub failures: u32,
    pub window: Duration,
}

/// Entries kept before old ones are swept out, so that a flood of addresses cannot grow memory for ever.
const SWEEP_AT: usize = 10_000;

pub(crate) struct ClientThrottle {
    limit: RateLimit,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    failures: u32,
}

impl ClientThrottle {
    pub(crate) fn new(limit: RateLimit) -> ClientThrottle {
        ClientThrottle {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(when)` if `client` has used up its failures: it may try again at `when`.
    pub(crate) fn blocked_until(
        &self,
        client: IpAddr,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows.get(&client)?;
        let ends = w.started + self.limit.window;
        (now < ends && w.failures >= self.limit.failures).then_some(ends)
    }

    /// Counts a failed sign-in from `client`.
    pub(crate) fn failed(&self, client: IpAddr, now: DateTime<Utc>) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= SWEEP_AT {
            let window = self.limit.window;
            windows.retain(|_, w| now < w.started + window);
        }
        let w = windows.entry(client).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now >= w.started + self.limit.window {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_failures_until_the_window_ends() {
        let t = ClientThrottle::new(RateLimit {
            failures: 3,
            window: Duration::minutes(10),
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for i in 0..3 {
            assert_eq!(t.blocked_until(a, t0), None, "after {i} failures");
            t.failed(a, t0 + Duration::seconds(i));
        }
        assert_eq!(
            t.blocked_until(a, t0 + Duration::minutes(1)),
            Some(t0 + Duration::minutes(10))
        );
        assert_eq!(
            t.blocked_until(b, t0),
            None,
            "other addresses are not affected"
        );
        assert_eq!(t.blocked_until(a, t0 + Duration::minutes(10)), None);
        t.failed(a, t0 + Duration::minutes(11));
        assert_eq!(
            t.blocked_until(a, t0 + Duration::minutes(11)),
            None,
            "a new window"
        );
    }
}
