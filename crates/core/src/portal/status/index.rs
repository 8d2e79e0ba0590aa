//! The identity index: every living person of the population extract as (NIK blind index → KK blind
//! index, person, village), in memory, so a check costs two HMACs and a hash lookup instead of a
//! database round trip and a decryption.
//!
//! Both outcomes of a failed check do the same work: the KK's blind index is always computed and
//! always compared, in constant time, against the stored one or, for an unknown NIK, a dummy.

use std::collections::HashMap;

use tepat_domain::RegionCode;
use tepat_store::{Blind, StatusIdentity};
use uuid::Uuid;

/// A person the index knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub person: Uuid,
    pub village: RegionCode,
}

struct Entry {
    kk: Blind,
    known: Known,
}

/// The loaded index and the population-import mark it reflects.
pub struct IdentityIndex {
    pub(crate) mark: String,
    map: HashMap<Blind, Entry>,
    dummy: Entry,
}

impl IdentityIndex {
    pub fn new(mark: String, rows: Vec<StatusIdentity>) -> IdentityIndex {
        let mut map = HashMap::with_capacity(rows.len());
        for r in rows {
            map.insert(
                r.nik_index,
                Entry {
                    kk: r.kk_index,
                    known: Known {
                        person: r.person,
                        village: r.village,
                    },
                },
            );
        }
        IdentityIndex {
            mark,
            map,
            dummy: Entry {
                kk: rand::random(),
                known: Known {
                    person: Uuid::nil(),
                    village: RegionCode::parse("11").expect("a province code"),
                },
            },
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether a person with this NIK index is known (the timing test's injected leak only).
    #[cfg(any(test, feature = "testing"))]
    pub fn contains(&self, nik: &Blind) -> bool {
        self.map.contains_key(nik)
    }

    /// The person whose NIK and KK blind indexes these are.
    pub fn find(&self, nik: &Blind, kk: &Blind) -> Option<Known> {
        let (entry, present) = match self.map.get(nik) {
            Some(e) => (e, true),
            None => (&self.dummy, false),
        };
        let same = constant_time_eq(&entry.kk, kk);
        (same & present).then_some(entry.known)
    }
}

/// Compares every byte whatever the first difference, so the time does not tell how much matched.
fn constant_time_eq(a: &Blind, b: &Blind) -> bool {
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_the_matching_pair() {
        let village = RegionCode::parse("1101012001").unwrap();
        let person = Uuid::now_v7();
        let index = IdentityIndex::new(
            "1/x".into(),
            vec![StatusIdentity {
                nik_index: [1; 16],
                kk_index: [2; 16],
                person,
                village,
            }],
        );
        assert_eq!(
            index.find(&[1; 16], &[2; 16]),
            Some(Known { person, village })
        );
        assert_eq!(index.find(&[1; 16], &[3; 16]), None);
        assert_eq!(index.find(&[9; 16], &[2; 16]), None);
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn constant_time_eq_compares_all_bytes() {
        let mut b = [0u8; 16];
        assert!(constant_time_eq(&[0; 16], &b));
        b[15] = 1;
        assert!(!constant_time_eq(&[0; 16], &b));
    }
}
