//! Which keys a verifier trusts: the log's key, the witnesses' keys, and the quorum of cosignatures a
//! checkpoint needs. Written in the C2SP tlog-policy text form:
//!
//! ```text
//! log bansos.example.go.id/ledger+1a2b3c4d+AV...
//! witness w1 inspektorat.example.go.id/witness+5e6f7a8b+BK...
//! witness w2 bpk.example.go.id/witness+9c0d1e2f+BA...
//! group agencies 2 w1 w2
//! quorum agencies
//! ```
//! Groups take `k`, `all` or `any` and may name witnesses or other groups; `quorum none` needs no
//! cosignature.

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use crate::note::{KeyType, Note, NoteVerifier};

/// The policy text is malformed, or a checkpoint does not satisfy it.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// A policy line is malformed.
    #[error("policy line {line}: {why}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The checkpoint or its log signature is bad.
    #[error("{0}")]
    Checkpoint(#[from] CheckpointError),
    /// Not enough valid cosignatures.
    #[error("witness quorum not met: valid cosignatures from [{got}], policy needs {need}")]
    Quorum {
        /// Witnesses whose cosignature verified.
        got: String,
        /// The quorum expression.
        need: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Threshold {
    All,
    Any,
    K(usize),
}

/// A verifier's trust configuration for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPolicy {
    /// The log's key (its name is the origin).
    pub log: NoteVerifier,
    /// Witness name → key.
    pub witnesses: BTreeMap<String, NoteVerifier>,
    groups: BTreeMap<String, (Threshold, Vec<String>)>,
    quorum: Option<String>,
}

/// A cosignature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's name in the policy.
    pub witness: String,
    /// The cosignature's timestamp (Unix seconds).
    pub time: u64,
}

/// A checkpoint with a valid log signature and a satisfied witness quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The note as received.
    pub note: Note,
    /// The valid cosignatures.
    pub cosignatures: Vec<Cosigned>,
}

impl LogPolicy {
    /// A policy: this log key, these witnesses, and at least `k` of them (0: no quorum).
    pub fn new(log: NoteVerifier, witnesses: Vec<NoteVerifier>, k: usize) -> Self {
        let mut p = LogPolicy {
            log,
            witnesses: BTreeMap::new(),
            groups: BTreeMap::new(),
            quorum: None,
        };
        let names: Vec<String> = witnesses
            .into_iter()
            .map(|w| {
                let n = w.name().to_string();
                p.witnesses.insert(n.clone(), w);
                n
            })
            .collect();
        if k > 0 {
            p.groups
                .insert("witnesses".into(), (Threshold::K(k), names));
            p.quorum = Some("witnesses".into());
        }
        p
    }

    /// Parses the tlog-policy text form (one log).
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let mut log = None;
        let mut witnesses = BTreeMap::new();
        let mut groups: BTreeMap<String, (Threshold, Vec<String>)> = BTreeMap::new();
        let mut quorum: Option<Option<String>> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |why: String| PolicyError::Syntax { line, why };
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = l.split_whitespace().collect();
            match f[0] {
                "log" if f.len() == 2 || f.len() == 3 => {
                    if log.is_some() {
                        return Err(err("only one log per policy".into()));
                    }
                    let v = NoteVerifier::from_vkey(f[1]).map_err(|e| err(e.to_string()))?;
                    if v.key_type() != KeyType::Ed25519 {
                        return Err(err("a log key must be Ed25519 (type 0x01)".into()));
                    }
                    log = Some(v);
                }
                "witness" if f.len() == 3 || f.len() == 4 => {
                    let v = NoteVerifier::from_vkey(f[2]).map_err(|e| err(e.to_string()))?;
                    if v.key_type() != KeyType::CosignatureV1 {
                        return Err(err(
                            "a witness key must be cosignature/v1 (type 0x04)".into()
                        ));
                    }
                    if groups.contains_key(f[1]) || witnesses.insert(f[1].to_string(), v).is_some()
                    {
                        return Err(err(format!("name {} defined twice", f[1])));
                    }
                }
                "group" if f.len() >= 4 => {
                    let t = match f[2] {
                        "all" => Threshold::All,
                        "any" => Threshold::Any,
                        k => Threshold::K(
                            k.parse()
                                .ok()
                                .filter(|&k: &usize| k >= 1 && k <= f.len() - 3)
                                .ok_or_else(|| err(format!("bad threshold {k:?}")))?,
                        ),
                    };
                    let members: Vec<String> = f[3..].iter().map(|s| s.to_string()).collect();
                    for m in &members {
                        if !witnesses.contains_key(m) && !groups.contains_key(m) {
                            return Err(err(format!(
                                "{m} is not a witness or group defined above"
                            )));
                        }
                    }
                    if witnesses.contains_key(f[1])
                        || groups.insert(f[1].to_string(), (t, members)).is_some()
                    {
                        return Err(err(format!("name {} defined twice", f[1])));
                    }
                }
                "quorum" if f.len() == 2 => {
                    if quorum.is_some() {
                        return Err(err("quorum given twice".into()));
                    }
                    if f[1] != "none" && !witnesses.contains_key(f[1]) && !groups.contains_key(f[1])
                    {
                        return Err(err(format!("{} is not a witness or group", f[1])));
                    }
                    quorum = Some((f[1] != "none").then(|| f[1].to_string()));
                }
                other => {
                    return Err(err(format!(
                        "unknown or malformed line starting with {other:?}"
                    )))
                }
            }
        }
        let log = log.ok_or(PolicyError::Syntax {
            line: 0,
            why: "no `log` line".into(),
        })?;
        let quorum = quorum.ok_or(PolicyError::Syntax {
            line: 0,
            why: "no `quorum` line".into(),
        })?;
        Ok(LogPolicy {
            log,
            witnesses,
            groups,
            quorum,
        })
    }

    /// The tlog-policy text.
    pub fn to_text(&self) -> String {
        let mut s = format!("log {}\n", self.log.to_vkey());
        for (name, v) in &self.witnesses {
            s.push_str(&format!("witness {name} {}\n", v.to_vkey()));
        }
        // Groups in an order where each comes after the groups it names.
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut order = Vec::new();
        while order.len() < self.groups.len() {
            let before = order.len();
            for (name, (_, members)) in &self.groups {
                if !done.contains(name.as_str())
                    && members
                        .iter()
                        .all(|m| self.witnesses.contains_key(m) || done.contains(m.as_str()))
                {
                    done.insert(name);
                    order.push(name);
                }
            }
            if order.len() == before {
                break;
            }
        }
        for name in order {
            let (t, members) = &self.groups[name];
            let t = match t {
                Threshold::All => "all".to_string(),
                Threshold::Any => "any".to_string(),
                Threshold::K(k) => k.to_string(),
            };
            s.push_str(&format!("group {name} {t} {}\n", members.join(" ")));
        }
        s.push_str(&format!(
            "quorum {}\n",
            self.quorum.as_deref().unwrap_or("none")
        ));
        s
    }

    fn satisfied(&self, name: &str, ok: &BTreeSet<String>, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        if self.witnesses.contains_key(name) {
            return ok.contains(name);
        }
        let Some((t, members)) = self.groups.get(name) else {
            return false;
        };
        let n = members
            .iter()
            .filter(|m| self.satisfied(m, ok, depth + 1))
            .count();
        match t {
            Threshold::All => n == members.len(),
            Threshold::Any => n >= 1,
            Threshold::K(k) => n >= *k,
        }
    }

    /// Checks a cosigned checkpoint note: log signature (origin = log key name), then the quorum.
    pub fn verify_checkpoint(&self, bytes: &[u8]) -> Result<VerifiedCheckpoint, PolicyError> {
        let signed = SignedCheckpoint::open(bytes, &self.log)?;
        self.verify_signed(signed)
    }

    /// Checks the quorum of an already opened checkpoint.
    pub fn verify_signed(
        &self,
        signed: SignedCheckpoint,
    ) -> Result<VerifiedCheckpoint, PolicyError> {
        let keys: Vec<(&String, &NoteVerifier)> = self.witnesses.iter().collect();
        let verifiers: Vec<NoteVerifier> = keys.iter().map(|(_, v)| (*v).clone()).collect();
        let ok_idx = signed
            .note
            .check(&verifiers)
            .map_err(|e| PolicyError::Checkpoint(e.into()))?;
        let mut ok = BTreeSet::new();
        let mut cosignatures = Vec::new();
        for i in ok_idx {
            let (name, key) = keys[i];
            let time = signed
                .note
                .signatures
                .iter()
                .find(|s| key.matches(s))
                .and_then(|s| s.cosignature_time())
                .unwrap_or(0);
            ok.insert(name.clone());
            cosignatures.push(Cosigned {
                witness: name.clone(),
                time,
            });
        }
        if let Some(q) = &self.quorum {
            if !self.satisfied(q, &ok, 0) {
                return Err(PolicyError::Quorum {
                    got: ok.into_iter().collect::<Vec<_>>().join(", "),
                    need: match self.groups.get(q) {
                        Some((t, m)) => format!("{q} = {t:?} of [{}]", m.join(", ")),
                        None => q.clone(),
                    },
                });
            }
        }
        Ok(VerifiedCheckpoint {
            checkpoint: signed.checkpoint,
            note: signed.note,
            cosignatures,
        })
    }
}
