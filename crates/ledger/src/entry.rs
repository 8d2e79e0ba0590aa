//! Aid events: the entries of tepat's ledger, in one canonical byte encoding (see `docs/ledger.md`).
//!
//! Every event names the office's own event id, the time, the program, cycle and region codes (public),
//! and — except a budget allocation and an audit anchor — its parent entry by log index and leaf hash, so the chain
//! budget → beneficiary list → (envelope →) entitlement → payment instruction → payment result →
//! hand-over can be walked, and a reversal points at the entry it corrects. Beneficiaries appear only as salted
//! commitments ([`beneficiary_commitment`]). Amounts are integer rupiah.
//!
//! Layout (all integers big-endian; `str8` = one length byte then that many ASCII bytes):
//! ```text
//! u8 version (1) · u8 kind · u64 time · str8 id · str8 program · str8 cycle · str8 region
//! · u8 has_parent (0|1) [· u64 parent index · 32 parent leaf hash] · body of the kind
//! ```
//! Decoding is strict: unknown versions or kinds, bad strings, missing or extra parents and trailing
//! bytes are rejected, so every event has exactly one encoding.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

use crate::hash::{Hash, HASH_SIZE};

/// The only encoding version.
pub const VERSION: u8 = 1;

/// Computes a beneficiary's commitment for one program cycle:
/// `HMAC-SHA-256(key = salt, "tepat/ledger/beneficiary/v1\n" ‖ program ‖ "\n" ‖ cycle ‖ "\n" ‖ NIK)`.
/// The 32-byte salt is kept per beneficiary outside the log (deleting it unlinks the person); the
/// citizen's receipt carries it so the citizen, and only who they show it to, can recompute it.
pub fn beneficiary_commitment(salt: &[u8; 32], nik: &str, program: &str, cycle: &str) -> Hash {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(salt).expect("HMAC takes any key length");
    mac.update(b"tepat/ledger/beneficiary/v1\n");
    mac.update(program.as_bytes());
    mac.update(b"\n");
    mac.update(cycle.as_bytes());
    mac.update(b"\n");
    mac.update(nik.as_bytes());
    Hash(mac.finalize().into_bytes().into())
}

/// Reference to an earlier entry: its index and leaf hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParentRef {
    /// Index in the log.
    pub index: u64,
    /// Its leaf hash, `SHA-256(0x00 ‖ entry)`.
    pub leaf_hash: Hash,
}

/// How money or goods reach the beneficiary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Bank transfer (e.g. a Himbara bank account).
    Bank = 1,
    /// E-wallet.
    EWallet = 2,
    /// Cash through the post office.
    PostOffice = 3,
    /// Goods or vouchers at an e-Warung.
    Goods = 4,
    /// Cash handed over by a distribution officer.
    Cash = 5,
}

/// A payment provider's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentStatus {
    /// Credited.
    Success = 1,
    /// Failed (nothing moved).
    Failed = 2,
    /// Credited then returned.
    Returned = 3,
}

/// What kind of step an event records, and its own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    /// A program's budget allocated for a cycle (no parent). `document`: the budget document number.
    Budget {
        /// Rupiah.
        amount: u64,
        /// Budget document reference (e.g. a DPA number).
        document: String,
    },
    /// A beneficiary list approved (parent: the budget).
    BeneficiaryList {
        /// SHA-256 of the approved list file (kept outside the log).
        list_hash: Hash,
        /// Number of beneficiaries.
        count: u32,
        /// Total rupiah.
        amount: u64,
    },
    /// One cycle's payment envelope, approved by maker-checker (parent: the list it pays; the list
    /// serves every cycle of its period, so the envelope's cycle may differ from the list's). Its
    /// control totals are what the entitlements under it may add up to.
    Envelope {
        /// Number of entitlements in the envelope.
        count: u32,
        /// Total rupiah.
        amount: u64,
        /// SHA-256 of the envelope's entitlement list (kept outside the log).
        envelope_hash: Hash,
    },
    /// One beneficiary's entitlement (parent: the list, or since kind 9 the cycle's envelope).
    Entitlement {
        /// [`beneficiary_commitment`].
        beneficiary: Hash,
        /// Rupiah.
        amount: u64,
    },
    /// An instruction to pay an entitlement (parent: the entitlement).
    PaymentInstruction {
        /// Rupiah.
        amount: u64,
        /// Channel.
        channel: Channel,
        /// Instruction or batch reference.
        reference: String,
    },
    /// The provider's result (parent: the instruction).
    PaymentResult {
        /// Outcome.
        status: PaymentStatus,
        /// Rupiah.
        amount: u64,
        /// Provider's reference.
        reference: String,
    },
    /// The final hand-over to the beneficiary (parent: the instruction or its result).
    HandOver {
        /// Rupiah (or the value of goods).
        amount: u64,
        /// Channel actually used.
        channel: Channel,
        /// SHA-256 of the evidence kept outside the log (signed receipt, scan log).
        evidence: Hash,
    },
    /// A correction: reverses (part of) the parent entry's amount.
    Reversal {
        /// Rupiah reversed.
        amount: u64,
        /// Short reason code, e.g. `DUPLICATE`, `DECEASED`, `WRONG_AMOUNT`.
        reason: String,
    },
    /// The head of the office's audit-log hash chain (no parent, no amount): anchoring it here makes
    /// the audit trail itself tamper-evident, since a rewritten audit log no longer matches an anchor
    /// the witnesses have cosigned. By convention program `AUDIT`, cycle the UTC date, region the
    /// regency code (see `docs/ledger.md`).
    AuditAnchor {
        /// Number of audit entries covered.
        entries: u64,
        /// The chain's hash after entry `entries`.
        head: Hash,
    },
}

/// Kinds of events, with their byte codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// 1
    Budget = 1,
    /// 2
    BeneficiaryList = 2,
    /// 3
    Entitlement = 3,
    /// 4
    PaymentInstruction = 4,
    /// 5
    PaymentResult = 5,
    /// 6
    HandOver = 6,
    /// 7
    Reversal = 7,
    /// 8
    AuditAnchor = 8,
    /// 9
    Envelope = 9,
}

impl EventKind {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Budget => "budget",
            EventKind::BeneficiaryList => "beneficiary-list",
            EventKind::Entitlement => "entitlement",
            EventKind::PaymentInstruction => "payment-instruction",
            EventKind::PaymentResult => "payment-result",
            EventKind::HandOver => "hand-over",
            EventKind::Reversal => "reversal",
            EventKind::AuditAnchor => "audit-anchor",
            EventKind::Envelope => "envelope",
        }
    }

    /// The kinds a parent of this kind may have (empty: no parent).
    pub fn allowed_parents(self) -> &'static [EventKind] {
        use EventKind::*;
        match self {
            Budget => &[],
            BeneficiaryList => &[Budget],
            Envelope => &[BeneficiaryList],
            Entitlement => &[BeneficiaryList, Envelope],
            PaymentInstruction => &[Entitlement],
            PaymentResult => &[PaymentInstruction],
            HandOver => &[PaymentInstruction, PaymentResult],
            Reversal => &[
                Budget,
                BeneficiaryList,
                Envelope,
                Entitlement,
                PaymentInstruction,
                PaymentResult,
                HandOver,
            ],
            AuditAnchor => &[],
        }
    }
}

/// One aid event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AidEvent {
    /// The office's own id for the event (e.g. a UUIDv7), so a retried append is recognisable.
    pub id: String,
    /// When it happened (Unix seconds).
    pub time: u64,
    /// Program code, e.g. `PKH`, `BPNT`, `BLT-DD`.
    pub program: String,
    /// Cycle code, e.g. `2026-03` or `2026-T1`.
    pub cycle: String,
    /// Kemendagri region code (`32`, `32.04`, `32.04.12`, `32.04.12.2001`).
    pub region: String,
    /// The entry this one follows from; `None` only for a budget.
    pub parent: Option<ParentRef>,
    /// Kind and kind-specific fields.
    pub body: EventBody,
}

/// An entry is not a canonical aid event.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EntryError {
    /// Ran out of bytes.
    #[error("the entry ends early while reading {0}")]
    Truncated(&'static str),
    /// Unknown version.
    #[error("unknown entry version {0}")]
    Version(u8),
    /// Unknown kind or enum value.
    #[error("unknown {what} code {code}")]
    UnknownCode {
        /// Which field.
        what: &'static str,
        /// Its value.
        code: u8,
    },
    /// A string field breaks its rule.
    #[error("field {field} {value:?} is not allowed: {rule}")]
    BadString {
        /// Field.
        field: &'static str,
        /// Value (lossy).
        value: String,
        /// The rule.
        rule: &'static str,
    },
    /// Parent present where none is allowed, or missing where required, or flag not 0/1.
    #[error("parent: {0}")]
    Parent(&'static str),
    /// Bytes after the last field.
    #[error("{0} bytes after the end of the entry")]
    Trailing(usize),
}

struct StrRule {
    field: &'static str,
    min: usize,
    max: usize,
    rule: &'static str,
    ok: fn(u8) -> bool,
}

const ID: StrRule = StrRule {
    field: "id",
    min: 1,
    max: 64,
    rule: "1-64 characters of A-Z a-z 0-9 - _ . :",
    ok: |b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b),
};
const PROGRAM: StrRule = StrRule {
    field: "program",
    min: 1,
    max: 32,
    rule: "1-32 characters of A-Z 0-9 - _",
    ok: |b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_".contains(&b),
};
const CYCLE: StrRule = StrRule {
    field: "cycle",
    min: 1,
    max: 32,
    rule: "1-32 characters of A-Z a-z 0-9 - _ .",
    ok: |b| b.is_ascii_alphanumeric() || b"-_.".contains(&b),
};
const REGION: StrRule = StrRule {
    field: "region",
    min: 2,
    max: 13,
    rule: "a Kemendagri code: digits and dots, 2-13 characters",
    ok: |b| b.is_ascii_digit() || b == b'.',
};
const REFERENCE: StrRule = StrRule {
    field: "reference",
    min: 0,
    max: 64,
    rule: "0-64 printable ASCII characters without spaces",
    ok: |b| b.is_ascii_graphic(),
};
const REASON: StrRule = StrRule {
    field: "reason",
    min: 1,
    max: 32,
    rule: "1-32 characters of A-Z 0-9 _",
    ok: |b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_',
};

fn check_str(r: &StrRule, s: &[u8]) -> Result<(), EntryError> {
    if s.len() < r.min || s.len() > r.max || !s.iter().all(|&b| (r.ok)(b)) {
        return Err(EntryError::BadString {
            field: r.field,
            value: String::from_utf8_lossy(s).chars().take(80).collect(),
            rule: r.rule,
        });
    }
    Ok(())
}

impl AidEvent {
    /// The kind.
    pub fn kind(&self) -> EventKind {
        match self.body {
            EventBody::Budget { .. } => EventKind::Budget,
            EventBody::BeneficiaryList { .. } => EventKind::BeneficiaryList,
            EventBody::Envelope { .. } => EventKind::Envelope,
            EventBody::Entitlement { .. } => EventKind::Entitlement,
            EventBody::PaymentInstruction { .. } => EventKind::PaymentInstruction,
            EventBody::PaymentResult { .. } => EventKind::PaymentResult,
            EventBody::HandOver { .. } => EventKind::HandOver,
            EventBody::Reversal { .. } => EventKind::Reversal,
            EventBody::AuditAnchor { .. } => EventKind::AuditAnchor,
        }
    }

    /// The amount (rupiah) the event carries (0 for an audit anchor).
    pub fn amount(&self) -> u64 {
        match &self.body {
            EventBody::AuditAnchor { .. } => 0,
            EventBody::Budget { amount, .. }
            | EventBody::BeneficiaryList { amount, .. }
            | EventBody::Envelope { amount, .. }
            | EventBody::Entitlement { amount, .. }
            | EventBody::PaymentInstruction { amount, .. }
            | EventBody::PaymentResult { amount, .. }
            | EventBody::HandOver { amount, .. }
            | EventBody::Reversal { amount, .. } => *amount,
        }
    }

    /// Checks every field rule (the encoder refuses events that the decoder would reject).
    pub fn validate(&self) -> Result<(), EntryError> {
        check_str(&ID, self.id.as_bytes())?;
        check_str(&PROGRAM, self.program.as_bytes())?;
        check_str(&CYCLE, self.cycle.as_bytes())?;
        check_str(&REGION, self.region.as_bytes())?;
        match (&self.parent, self.kind()) {
            (Some(_), EventKind::Budget) => {
                return Err(EntryError::Parent("a budget has no parent"))
            }
            (Some(_), EventKind::AuditAnchor) => {
                return Err(EntryError::Parent("an audit anchor has no parent"))
            }
            (None, k) if !k.allowed_parents().is_empty() => {
                return Err(EntryError::Parent(
                    "every event but a budget or an audit anchor names its parent",
                ))
            }
            _ => {}
        }
        match &self.body {
            EventBody::Budget { document, .. } => check_str(&REFERENCE, document.as_bytes()),
            EventBody::PaymentInstruction { reference, .. }
            | EventBody::PaymentResult { reference, .. } => {
                check_str(&REFERENCE, reference.as_bytes())
            }
            EventBody::Reversal { reason, .. } => check_str(&REASON, reason.as_bytes()),
            _ => Ok(()),
        }
    }

    /// The canonical bytes.
    pub fn encode(&self) -> Result<Vec<u8>, EntryError> {
        self.validate()?;
        let mut out = Vec::with_capacity(160);
        out.push(VERSION);
        out.push(self.kind() as u8);
        out.extend_from_slice(&self.time.to_be_bytes());
        for s in [&self.id, &self.program, &self.cycle, &self.region] {
            put_str(&mut out, s);
        }
        match &self.parent {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                out.extend_from_slice(&p.index.to_be_bytes());
                out.extend_from_slice(&p.leaf_hash.0);
            }
        }
        match &self.body {
            EventBody::Budget { amount, document } => {
                out.extend_from_slice(&amount.to_be_bytes());
                put_str(&mut out, document);
            }
            EventBody::BeneficiaryList {
                list_hash,
                count,
                amount,
            } => {
                out.extend_from_slice(&list_hash.0);
                out.extend_from_slice(&count.to_be_bytes());
                out.extend_from_slice(&amount.to_be_bytes());
            }
            EventBody::Envelope {
                count,
                amount,
                envelope_hash,
            } => {
                out.extend_from_slice(&envelope_hash.0);
                out.extend_from_slice(&count.to_be_bytes());
                out.extend_from_slice(&amount.to_be_bytes());
            }
            EventBody::Entitlement {
                beneficiary,
                amount,
            } => {
                out.extend_from_slice(&beneficiary.0);
                out.extend_from_slice(&amount.to_be_bytes());
            }
            EventBody::PaymentInstruction {
                amount,
                channel,
                reference,
            } => {
                out.extend_from_slice(&amount.to_be_bytes());
                out.push(*channel as u8);
                put_str(&mut out, reference);
            }
            EventBody::PaymentResult {
                status,
                amount,
                reference,
            } => {
                out.push(*status as u8);
                out.extend_from_slice(&amount.to_be_bytes());
                put_str(&mut out, reference);
            }
            EventBody::HandOver {
                amount,
                channel,
                evidence,
            } => {
                out.extend_from_slice(&amount.to_be_bytes());
                out.push(*channel as u8);
                out.extend_from_slice(&evidence.0);
            }
            EventBody::Reversal { amount, reason } => {
                out.extend_from_slice(&amount.to_be_bytes());
                put_str(&mut out, reason);
            }
            EventBody::AuditAnchor { entries, head } => {
                out.extend_from_slice(&entries.to_be_bytes());
                out.extend_from_slice(&head.0);
            }
        }
        Ok(out)
    }

    /// Decodes canonical bytes strictly. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<AidEvent, EntryError> {
        let mut r = Reader { b: bytes };
        let version = r.u8("version")?;
        if version != VERSION {
            return Err(EntryError::Version(version));
        }
        let kind_code = r.u8("kind")?;
        let time = r.u64("time")?;
        let id = r.str(&ID)?;
        let program = r.str(&PROGRAM)?;
        let cycle = r.str(&CYCLE)?;
        let region = r.str(&REGION)?;
        let parent = match r.u8("parent flag")? {
            0 => None,
            1 => Some(ParentRef {
                index: r.u64("parent index")?,
                leaf_hash: r.hash("parent leaf hash")?,
            }),
            _ => return Err(EntryError::Parent("the parent flag must be 0 or 1")),
        };
        let body = match kind_code {
            1 => EventBody::Budget {
                amount: r.u64("amount")?,
                document: r.str(&REFERENCE)?,
            },
            2 => EventBody::BeneficiaryList {
                list_hash: r.hash("list hash")?,
                count: r.u32("count")?,
                amount: r.u64("amount")?,
            },
            3 => EventBody::Entitlement {
                beneficiary: r.hash("beneficiary commitment")?,
                amount: r.u64("amount")?,
            },
            4 => EventBody::PaymentInstruction {
                amount: r.u64("amount")?,
                channel: channel(r.u8("channel")?)?,
                reference: r.str(&REFERENCE)?,
            },
            5 => EventBody::PaymentResult {
                status: match r.u8("status")? {
                    1 => PaymentStatus::Success,
                    2 => PaymentStatus::Failed,
                    3 => PaymentStatus::Returned,
                    code => {
                        return Err(EntryError::UnknownCode {
                            what: "payment status",
                            code,
                        })
                    }
                },
                amount: r.u64("amount")?,
                reference: r.str(&REFERENCE)?,
            },
            6 => EventBody::HandOver {
                amount: r.u64("amount")?,
                channel: channel(r.u8("channel")?)?,
                evidence: r.hash("evidence hash")?,
            },
            7 => EventBody::Reversal {
                amount: r.u64("amount")?,
                reason: r.str(&REASON)?,
            },
            8 => EventBody::AuditAnchor {
                entries: r.u64("audit entry count")?,
                head: r.hash("audit chain head")?,
            },
            9 => {
                let envelope_hash = r.hash("envelope hash")?;
                EventBody::Envelope {
                    envelope_hash,
                    count: r.u32("count")?,
                    amount: r.u64("amount")?,
                }
            }
            code => return Err(EntryError::UnknownCode { what: "kind", code }),
        };
        if !r.b.is_empty() {
            return Err(EntryError::Trailing(r.b.len()));
        }
        let ev = AidEvent {
            id,
            time,
            program,
            cycle,
            region,
            parent,
            body,
        };
        ev.validate()?;
        Ok(ev)
    }
}

fn channel(code: u8) -> Result<Channel, EntryError> {
    Ok(match code {
        1 => Channel::Bank,
        2 => Channel::EWallet,
        3 => Channel::PostOffice,
        4 => Channel::Goods,
        5 => Channel::Cash,
        code => {
            return Err(EntryError::UnknownCode {
                what: "channel",
                code,
            })
        }
    })
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.push(s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], EntryError> {
        if self.b.len() < n {
            return Err(EntryError::Truncated(what));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, EntryError> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, EntryError> {
        Ok(u32::from_be_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, EntryError> {
        Ok(u64::from_be_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }
    fn hash(&mut self, what: &'static str) -> Result<Hash, EntryError> {
        Ok(Hash::from_slice(self.take(HASH_SIZE, what)?).expect("32 bytes"))
    }
    fn str(&mut self, rule: &StrRule) -> Result<String, EntryError> {
        let len = self.u8(rule.field)? as usize;
        let s = self.take(len, rule.field)?;
        check_str(rule, s)?;
        Ok(String::from_utf8(s.to_vec()).expect("checked ASCII"))
    }
}

/// Encodes events for appending at known positions and hands back the [`ParentRef`] each child needs.
/// Start it at the log's next index; append [`ChainBuilder::take`]'s entries in order.
#[derive(Debug, Clone, Default)]
pub struct ChainBuilder {
    next_index: u64,
    entries: Vec<Vec<u8>>,
}

impl ChainBuilder {
    /// Events will be appended from `next_index` on.
    pub fn new(next_index: u64) -> Self {
        ChainBuilder {
            next_index,
            entries: Vec::new(),
        }
    }

    /// Encodes an event; returns the reference its children use.
    pub fn push(&mut self, event: &AidEvent) -> Result<ParentRef, EntryError> {
        let bytes = event.encode()?;
        let r = ParentRef {
            index: self.next_index,
            leaf_hash: crate::hash::leaf_hash(&bytes),
        };
        self.entries.push(bytes);
        self.next_index += 1;
        Ok(r)
    }

    /// The encoded entries so far (clears them; indexes keep counting).
    pub fn take(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.entries)
    }

    /// Index the next event will get.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }
}

/// A whole synthetic distribution cycle for demos, tests and benchmarks: one budget, one list, and per
/// beneficiary an entitlement, a bank payment instruction, a successful result and a hand-over record.
/// `salt_seed` derives per-beneficiary salts (demo only: real salts are random and kept in the store).
pub fn sample_cycle(
    chain: &mut ChainBuilder,
    program: &str,
    cycle: &str,
    region: &str,
    beneficiaries: u32,
    amount_each: u64,
    salt_seed: u64,
) -> Result<(), EntryError> {
    let base = |id: String, parent: Option<ParentRef>, body: EventBody| AidEvent {
        id,
        time: 1_767_225_600,
        program: program.to_string(),
        cycle: cycle.to_string(),
        region: region.to_string(),
        parent,
        body,
    };
    let total = amount_each * u64::from(beneficiaries);
    let budget = chain.push(&base(
        format!("{program}-{cycle}-budget"),
        None,
        EventBody::Budget {
            amount: total,
            document: format!("DPA-{program}-{cycle}"),
        },
    ))?;
    let list = chain.push(&base(
        format!("{program}-{cycle}-list"),
        Some(budget),
        EventBody::BeneficiaryList {
            list_hash: crate::hash::sha256(format!("list {program} {cycle} {region}").as_bytes()),
            count: beneficiaries,
            amount: total,
        },
    ))?;
    for b in 0..beneficiaries {
        let mut salt = [0u8; 32];
        salt[..8].copy_from_slice(&salt_seed.to_be_bytes());
        salt[8..12].copy_from_slice(&b.to_be_bytes());
        let nik = format!("{:016}", 3204_0000_0000_0000u64 + u64::from(b));
        let ent = chain.push(&base(
            format!("{program}-{cycle}-e{b}"),
            Some(list),
            EventBody::Entitlement {
                beneficiary: beneficiary_commitment(&salt, &nik, program, cycle),
                amount: amount_each,
            },
        ))?;
        let ins = chain.push(&base(
            format!("{program}-{cycle}-i{b}"),
            Some(ent),
            EventBody::PaymentInstruction {
                amount: amount_each,
                channel: Channel::Bank,
                reference: format!("SP2D-{cycle}-{b}"),
            },
        ))?;
        let res = chain.push(&base(
            format!("{program}-{cycle}-r{b}"),
            Some(ins),
            EventBody::PaymentResult {
                status: PaymentStatus::Success,
                amount: amount_each,
                reference: format!("BANK-{b}"),
            },
        ))?;
        chain.push(&base(
            format!("{program}-{cycle}-h{b}"),
            Some(res),
            EventBody::HandOver {
                amount: amount_each,
                channel: Channel::Bank,
                evidence: crate::hash::sha256(format!("evidence {b}").as_bytes()),
            },
        ))?;
    }
    Ok(())
}

/// The program code of audit anchors.
pub const AUDIT_PROGRAM: &str = "AUDIT";

/// An audit anchor: program [`AUDIT_PROGRAM`], cycle the UTC date of `time` (`YYYY-MM-DD`), region the
/// office's regency code, id `audit-<entries>` (a retried anchor of the same head has the same id).
pub fn audit_anchor(time: u64, region: &str, entries: u64, head: Hash) -> AidEvent {
    let days = (time / 86_400) as i64;
    AidEvent {
        id: format!("audit-{entries}"),
        time,
        program: AUDIT_PROGRAM.to_string(),
        cycle: civil_date(days),
        region: region.to_string(),
        parent: None,
        body: EventBody::AuditAnchor { entries, head },
    }
}

/// `YYYY-MM-DD` of a day number since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod audit_anchor_tests {
    use super::*;

    fn anchor() -> AidEvent {
        audit_anchor(1_795_392_000, "19.02", 42, crate::hash::sha256(b"head"))
    }

    #[test]
    fn the_cycle_is_the_utc_date() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(19_782), "2024-02-29");
        assert_eq!(anchor().cycle, "2026-11-23");
        assert_eq!(anchor().program, "AUDIT");
        assert_eq!(anchor().id, "audit-42");
    }

    #[test]
    fn an_audit_anchor_round_trips_in_its_exact_layout() {
        let ev = anchor();
        let bytes = ev.encode().unwrap();
        let mut want = vec![1u8, 8];
        want.extend_from_slice(&1_795_392_000u64.to_be_bytes());
        for s in ["audit-42", "AUDIT", "2026-11-23", "19.02"] {
            want.push(s.len() as u8);
            want.extend_from_slice(s.as_bytes());
        }
        want.push(0);
        want.extend_from_slice(&42u64.to_be_bytes());
        want.extend_from_slice(&crate::hash::sha256(b"head").0);
        assert_eq!(bytes, want);
        assert_eq!(AidEvent::decode(&bytes).unwrap(), ev);
        assert_eq!(ev.kind().name(), "audit-anchor");
        assert_eq!(ev.amount(), 0);
    }

    #[test]
    fn audit_anchors_decode_strictly() {
        let bytes = anchor().encode().unwrap();
        // Truncated body.
        assert!(matches!(
            AidEvent::decode(&bytes[..bytes.len() - 1]),
            Err(EntryError::Truncated(_))
        ));
        // Trailing byte.
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(AidEvent::decode(&long), Err(EntryError::Trailing(1)));
        // A parent where none is allowed.
        let mut ev = anchor();
        ev.parent = Some(ParentRef {
            index: 0,
            leaf_hash: crate::hash::sha256(b"p"),
        });
        assert!(matches!(ev.encode(), Err(EntryError::Parent(_))));
        let head_start = bytes.len() - 8 - HASH_SIZE;
        let mut with_parent = bytes[..head_start - 1].to_vec();
        with_parent.push(1);
        with_parent.extend_from_slice(&0u64.to_be_bytes());
        with_parent.extend_from_slice(&[7u8; 32]);
        with_parent.extend_from_slice(&bytes[head_start..]);
        assert!(matches!(
            AidEvent::decode(&with_parent),
            Err(EntryError::Parent(_))
        ));
        // The next code is still unknown.
        let mut unknown = bytes.clone();
        unknown[1] = 10;
        assert!(matches!(
            AidEvent::decode(&unknown),
            Err(EntryError::UnknownCode {
                what: "kind",
                code: 10
            })
        ));
    }

    #[test]
    fn the_other_kinds_still_need_their_parent() {
        let mut ev = anchor();
        ev.body = EventBody::Entitlement {
            beneficiary: crate::hash::sha256(b"b"),
            amount: 1,
        };
        assert!(matches!(ev.encode(), Err(EntryError::Parent(_))));
    }
}

#[cfg(test)]
mod envelope_tests {
    use super::*;
    use crate::hash::sha256;

    fn list_ref() -> ParentRef {
        ParentRef {
            index: 1,
            leaf_hash: sha256(b"list"),
        }
    }

    fn envelope() -> AidEvent {
        AidEvent {
            id: "env-1".into(),
            time: 1_795_392_000,
            program: "PKH".into(),
            cycle: "2027-T1".into(),
            region: "19.02".into(),
            parent: Some(list_ref()),
            body: EventBody::Envelope {
                count: 3,
                amount: 2_250_000,
                envelope_hash: sha256(b"envelope"),
            },
        }
    }

    #[test]
    fn an_envelope_round_trips_in_its_exact_layout() {
        let ev = envelope();
        let bytes = ev.encode().unwrap();
        let mut want = vec![1u8, 9];
        want.extend_from_slice(&1_795_392_000u64.to_be_bytes());
        for s in ["env-1", "PKH", "2027-T1", "19.02"] {
            want.push(s.len() as u8);
            want.extend_from_slice(s.as_bytes());
        }
        want.push(1);
        want.extend_from_slice(&1u64.to_be_bytes());
        want.extend_from_slice(&sha256(b"list").0);
        want.extend_from_slice(&sha256(b"envelope").0);
        want.extend_from_slice(&3u32.to_be_bytes());
        want.extend_from_slice(&2_250_000u64.to_be_bytes());
        assert_eq!(bytes, want);
        assert_eq!(AidEvent::decode(&bytes).unwrap(), ev);
        assert_eq!(ev.kind().name(), "envelope");
        assert_eq!(ev.amount(), 2_250_000);
        assert!(matches!(
            AidEvent::decode(&bytes[..bytes.len() - 1]),
            Err(EntryError::Truncated(_))
        ));
    }

    #[test]
    fn an_envelope_needs_a_parent_and_only_a_list_may_be_it() {
        let mut orphan = envelope();
        orphan.parent = None;
        assert!(matches!(orphan.encode(), Err(EntryError::Parent(_))));
        assert_eq!(
            EventKind::Envelope.allowed_parents(),
            &[EventKind::BeneficiaryList]
        );
    }

    #[test]
    fn an_entitlement_may_follow_a_list_as_before_or_an_envelope() {
        assert_eq!(
            EventKind::Entitlement.allowed_parents(),
            &[EventKind::BeneficiaryList, EventKind::Envelope]
        );
        assert!(EventKind::Reversal
            .allowed_parents()
            .contains(&EventKind::Envelope));
        // An entitlement encoded before kind 9 existed: the same bytes decode to the same event.
        let ent = AidEvent {
            id: "e".into(),
            time: 5,
            program: "PKH".into(),
            cycle: "2026".into(),
            region: "19".into(),
            parent: Some(list_ref()),
            body: EventBody::Entitlement {
                beneficiary: sha256(b"b"),
                amount: 7,
            },
        };
        let mut old = vec![1u8, 3];
        old.extend_from_slice(&5u64.to_be_bytes());
        for s in ["e", "PKH", "2026", "19"] {
            old.push(s.len() as u8);
            old.extend_from_slice(s.as_bytes());
        }
        old.push(1);
        old.extend_from_slice(&1u64.to_be_bytes());
        old.extend_from_slice(&sha256(b"list").0);
        old.extend_from_slice(&sha256(b"b").0);
        old.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(ent.encode().unwrap(), old);
        assert_eq!(AidEvent::decode(&old).unwrap(), ent);
    }
}
