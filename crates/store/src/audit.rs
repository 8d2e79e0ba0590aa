//! The audit log: every full-record read and every change, append-only, each row chained to the one
//! before by SHA-256 so that editing, deleting or reordering rows is detected by [`AuditStore::audit_verify`].
//!
//! Rows hold no personal data: ids, role, action and object codes, region codes, a purpose code and the
//! client's address. They are appended in the same transaction as the change they record, so a change
//! without its audit row (or the reverse) cannot be committed.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tepat_domain::{RegionCode, Role, Scope};
use uuid::Uuid;

use crate::error::StoreError;

/// A SHA-256 hash of the chain.
pub type ChainHash = [u8; 32];

/// The hash "before the first row".
pub const GENESIS: ChainHash = [0; 32];

/// Longest purpose code and client address kept.
const MAX_CODE: usize = 64;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A full record was opened.
    Read,
    /// The registry was searched (the search terms are not kept).
    Search,
    /// A request was entered.
    Propose,
    /// A request moved through the workflow.
    Advance,
    /// A task for an officer was created or changed.
    Task,
    /// A possible duplicate was decided.
    Duplicate,
    /// The population extract's deaths and moves were turned into tasks.
    PopulationSync,
    /// The audit log itself was read.
    ReadAudit,
    /// A household photo was added (object: the household; purpose `photo.add:<photo id>`).
    PhotoUpload,
    /// A household's photos were listed or one was opened (purpose `photo.list`, `photo.view:<id>`).
    PhotoView,
    /// An officer deleted a household photo.
    PhotoDelete,
    /// The retention job removed a household photo past its time.
    PhotoPurge,
    /// A passkey was added to an account (object: the account).
    PasskeyRegister,
    /// A passkey was removed from an account, by its owner or by an administrator.
    PasskeyRemove,
    /// Someone signed in (purpose `sign_in.password` or `sign_in.passkey`).
    SignIn,
    /// A sign-in was refused; the purpose says why, without the username or password typed.
    SignInFailed,
    /// An account was locked after too many failed sign-ins in a row.
    Lockout,
    /// A citizen without an account sent a proposal (*usulan warga*).
    CitizenProposal,
    /// A citizen without an account objected (*sanggahan*) to a listed household.
    Objection,
    /// An administrator created, locked, unlocked an account or set its password (object: the account).
    AccountChange,
    /// A citizen filed a complaint (*pengaduan*), anonymously or as themselves (object: the complaint).
    Complaint,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::Read,
        AuditAction::Search,
        AuditAction::Propose,
        AuditAction::Advance,
        AuditAction::Task,
        AuditAction::Duplicate,
        AuditAction::PopulationSync,
        AuditAction::ReadAudit,
        AuditAction::PhotoUpload,
        AuditAction::PhotoView,
        AuditAction::PhotoDelete,
        AuditAction::PhotoPurge,
        AuditAction::PasskeyRegister,
        AuditAction::PasskeyRemove,
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::Lockout,
        AuditAction::CitizenProposal,
        AuditAction::Objection,
        AuditAction::AccountChange,
        AuditAction::Complaint,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::Search => "search",
            AuditAction::Propose => "propose",
            AuditAction::Advance => "advance",
            AuditAction::Task => "task",
            AuditAction::Duplicate => "duplicate",
            AuditAction::PopulationSync => "population_sync",
            AuditAction::ReadAudit => "read_audit",
            AuditAction::PhotoUpload => "photo_upload",
            AuditAction::PhotoView => "photo_view",
            AuditAction::PhotoDelete => "photo_delete",
            AuditAction::PhotoPurge => "photo_purge",
            AuditAction::PasskeyRegister => "passkey_register",
            AuditAction::PasskeyRemove => "passkey_remove",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::Lockout => "lockout",
            AuditAction::CitizenProposal => "citizen_proposal",
            AuditAction::Objection => "objection",
            AuditAction::AccountChange => "account_change",
            AuditAction::Complaint => "complaint",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        Self::ALL.iter().copied().find(|a| a.code() == s)
    }
}

/// What kind of thing an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Household,
    Member,
    Request,
    Task,
    /// A search: no single object.
    Registry,
    AuditLog,
    /// An officer's account (sign-ins, passkeys).
    Account,
    /// A citizen's proposal (*usulan warga*).
    CitizenTip,
    /// A citizen's objection (*sanggahan*).
    Objection,
    /// A citizen's complaint (*pengaduan*).
    Complaint,
}

impl ObjectKind {
    pub const ALL: &'static [ObjectKind] = &[
        ObjectKind::Household,
        ObjectKind::Member,
        ObjectKind::Request,
        ObjectKind::Task,
        ObjectKind::Registry,
        ObjectKind::AuditLog,
        ObjectKind::Account,
        ObjectKind::CitizenTip,
        ObjectKind::Objection,
        ObjectKind::Complaint,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ObjectKind::Household => "household",
            ObjectKind::Member => "member",
            ObjectKind::Request => "request",
            ObjectKind::Task => "task",
            ObjectKind::Registry => "registry",
            ObjectKind::AuditLog => "audit_log",
            ObjectKind::Account => "account",
            ObjectKind::CitizenTip => "citizen_tip",
            ObjectKind::Objection => "objection",
            ObjectKind::Complaint => "complaint",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectKind> {
        Self::ALL.iter().copied().find(|a| a.code() == s)
    }
}

/// The actor of entries made by someone without an account (role `citizen`): a citizen's proposal or
/// objection, and a sign-in that did not succeed. One id for everyone, on purpose: an id per person
/// (say, a hash of their NIK) would be personal data in the log. The client address and the object
/// are what tell entries apart.
pub const PUBLIC_ACTOR: Uuid = Uuid::from_u128(1);

/// One entry to append: who did what to which object, where, why and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: Uuid,
    pub role: Role,
    pub action: AuditAction,
    pub object: ObjectKind,
    pub object_id: Option<Uuid>,
    /// The region of the object (or the scope of a search).
    pub region: Option<RegionCode>,
    /// Why, as a code (`field_verification`, `household_page`, `workflow.approve`, …): never free text,
    /// which could carry names.
    pub purpose: String,
    /// The client's address (IP and port), if known.
    pub client: Option<String>,
}

impl AuditEntry {
    /// Checks the purpose code and the client address: short, and only characters that cannot carry a
    /// name (`a-z 0-9 _ . : -` for the purpose; printable ASCII without spaces for the address).
    pub fn validate(&self) -> Result<(), StoreError> {
        let purpose_ok = !self.purpose.is_empty()
            && self.purpose.len() <= MAX_CODE
            && self.purpose.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'_' | b'.' | b':' | b'-')
            });
        if !purpose_ok {
            return Err(StoreError::InvalidAudit { field: "purpose" });
        }
        let client_ok = self.client.as_deref().is_none_or(|c| {
            !c.is_empty() && c.len() <= MAX_CODE && c.bytes().all(|b| b.is_ascii_graphic())
        });
        if !client_ok {
            return Err(StoreError::InvalidAudit { field: "client" });
        }
        Ok(())
    }
}

/// A stored entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub entry: AuditEntry,
    pub hash: ChainHash,
}

/// The chain's head: how many entries, and the hash of the last. What gets anchored in the
/// transparency ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub count: u64,
    pub hash: ChainHash,
}

/// What [`AuditStore::audit_verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// Entries read and checked.
    pub checked: u64,
    /// The first problem, if any (the chain cannot be trusted from there on).
    pub problem: Option<ChainProblem>,
}

impl AuditCheck {
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// How the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainProblem {
    /// Entry numbers jump: rows were deleted (or inserted with a made-up number).
    Gap { expected: u64, found: u64 },
    /// The entry's content or its predecessor changed since it was written.
    Altered { seq: u64 },
    /// The head says there are more (or other) entries than the table holds: rows were cut off the end.
    Head { head_count: u64, rows: u64 },
}

/// Which entries an auditor wants, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries whose region lies inside (entries without a region only with [`Scope::All`]).
    pub within: Scope,
    pub actor: Option<Uuid>,
    pub object_id: Option<Uuid>,
    /// Entries before this number (paging backwards); `None` from the newest.
    pub before_seq: Option<u64>,
    pub limit: u32,
}

/// A time range of entries, `[from, until)`; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditPeriod {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl AuditPeriod {
    /// Every entry.
    pub const ANY: AuditPeriod = AuditPeriod {
        from: None,
        until: None,
    };

    /// Whether an entry written at `at` lies in the range.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| at >= f) && self.until.is_none_or(|u| at < u)
    }
}

/// The hash of one row: SHA-256 over the previous hash and every field, each length-prefixed so that no
/// two different rows encode the same.
pub fn chain_hash(prev: &ChainHash, seq: u64, at: DateTime<Utc>, e: &AuditEntry) -> ChainHash {
    let mut h = Sha256::new();
    h.update(b"tepat-audit-v1");
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.timestamp_micros().to_be_bytes());
    h.update(e.actor.as_bytes());
    let mut field = |s: Option<&[u8]>| match s {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u32).to_be_bytes());
            h.update(b);
        }
    };
    field(Some(e.role.code().as_bytes()));
    field(Some(e.action.code().as_bytes()));
    field(Some(e.object.code().as_bytes()));
    field(e.object_id.as_ref().map(|id| &id.as_bytes()[..]));
    field(e.region.as_ref().map(|r| r.plain().as_bytes()));
    field(Some(e.purpose.as_bytes()));
    field(e.client.as_deref().map(str::as_bytes));
    h.finalize().into()
}

/// Checks rows in order against the chain; `rows` must be every stored row, by `seq`.
pub(crate) struct ChainChecker {
    prev: ChainHash,
    next_seq: u64,
    problem: Option<ChainProblem>,
}

impl ChainChecker {
    pub(crate) fn new() -> ChainChecker {
        ChainChecker {
            prev: GENESIS,
            next_seq: 1,
            problem: None,
        }
    }

    pub(crate) fn feed(&mut self, r: &AuditRecord) {
        if self.problem.is_some() {
            return;
        }
        if r.seq != self.next_seq {
            self.problem = Some(ChainProblem::Gap {
                expected: self.next_seq,
                found: r.seq,
            });
            return;
        }
        if chain_hash(&self.prev, r.seq, r.at, &r.entry) != r.hash {
            self.problem = Some(ChainProblem::Altered { seq: r.seq });
            return;
        }
        self.prev = r.hash;
        self.next_seq += 1;
    }

    /// Marks row `seq` as altered (its stored values no longer even decode).
    pub(crate) fn altered(&mut self, seq: u64) {
        if self.problem.is_none() {
            self.problem = Some(ChainProblem::Altered { seq });
        }
    }

    pub(crate) fn finish(self, head: ChainHead) -> AuditCheck {
        let rows = self.next_seq - 1;
        let problem = self.problem.or_else(|| {
            (head.count != rows || head.hash != self.prev).then_some(ChainProblem::Head {
                head_count: head.count,
                rows,
            })
        });
        AuditCheck {
            checked: rows,
            problem,
        }
    }
}

/// The audit log's part of the store.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one entry on its own (a read, a search): its own transaction.
    async fn audit_record(&self, entry: &AuditEntry) -> Result<u64, StoreError>;

    /// Entries matching `filter`, newest first.
    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        self.audit_query_in(filter, &AuditPeriod::ANY).await
    }

    /// Entries matching `filter` written inside `period`, newest first (`limit` counts only those).
    async fn audit_query_in(
        &self,
        filter: &AuditFilter,
        period: &AuditPeriod,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// Recomputes the whole chain and compares it with the head.
    async fn audit_verify(&self) -> Result<AuditCheck, StoreError>;

    /// The current head, for anchoring in the transparency ledger.
    async fn audit_head(&self) -> Result<ChainHead, StoreError>;

    /// The stored chain hash after entry `count` ([`GENESIS`] for 0), `None` when the log holds no
    /// such entry: compared with an anchored head by `tepat audit verify`, after [`Self::audit_verify`]
    /// has checked that the stored hashes are the chain's.
    async fn audit_hash_at(&self, count: u64) -> Result<Option<ChainHash>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AuditEntry {
        AuditEntry {
            actor: Uuid::now_v7(),
            role: Role::VillageOperator,
            action: AuditAction::Read,
            object: ObjectKind::Household,
            object_id: Some(Uuid::now_v7()),
            region: Some(RegionCode::parse("19.02.01.2001").unwrap()),
            purpose: "household_page".into(),
            client: Some("10.0.0.7:51234".into()),
        }
    }

    fn record(prev: &ChainHash, seq: u64, e: AuditEntry) -> AuditRecord {
        let at = DateTime::from_timestamp_micros(1_790_000_000_000_000 + seq as i64).unwrap();
        AuditRecord {
            seq,
            at,
            hash: chain_hash(prev, seq, at, &e),
            entry: e,
        }
    }

    fn chain(n: u64) -> Vec<AuditRecord> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let r = record(&prev, seq, entry());
                prev = r.hash;
                r
            })
            .collect()
    }

    fn check(rows: &[AuditRecord], head: ChainHead) -> AuditCheck {
        let mut c = ChainChecker::new();
        rows.iter().for_each(|r| c.feed(r));
        c.finish(head)
    }

    fn head_of(rows: &[AuditRecord]) -> ChainHead {
        ChainHead {
            count: rows.len() as u64,
            hash: rows.last().map_or(GENESIS, |r| r.hash),
        }
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        assert!(check(&rows, head_of(&rows)).is_intact());
        assert!(check(&[], head_of(&[])).is_intact());
    }

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let rows = chain(3);
        type Edit = Box<dyn Fn(&mut AuditEntry)>;
        let mut edits: Vec<Edit> = vec![
            Box::new(|e| e.actor = Uuid::nil()),
            Box::new(|e| e.role = Role::Admin),
            Box::new(|e| e.action = AuditAction::Advance),
            Box::new(|e| e.object = ObjectKind::Member),
            Box::new(|e| e.object_id = None),
            Box::new(|e| e.region = None),
            Box::new(|e| e.purpose.push('x')),
            Box::new(|e| e.client = None),
        ];
        for edit in edits.drain(..) {
            let mut tampered = rows.clone();
            edit(&mut tampered[1].entry);
            assert_eq!(
                check(&tampered, head_of(&rows)).problem,
                Some(ChainProblem::Altered { seq: 2 })
            );
        }
        let mut tampered = rows.clone();
        tampered[1].at += chrono::Duration::microseconds(1);
        assert!(!check(&tampered, head_of(&rows)).is_intact());
    }

    #[test]
    fn deleted_and_truncated_rows_are_found() {
        let rows = chain(4);
        let mut gap = rows.clone();
        gap.remove(1);
        assert_eq!(
            check(&gap, head_of(&rows)).problem,
            Some(ChainProblem::Gap {
                expected: 2,
                found: 3
            })
        );
        let cut = &rows[..3];
        assert_eq!(
            check(cut, head_of(&rows)).problem,
            Some(ChainProblem::Head {
                head_count: 4,
                rows: 3
            })
        );
    }

    #[test]
    fn purposes_and_clients_cannot_carry_names() {
        let mut e = entry();
        assert!(e.validate().is_ok());
        e.purpose = "Siti Aminah".into();
        assert!(matches!(
            e.validate(),
            Err(StoreError::InvalidAudit { field: "purpose" })
        ));
        let mut e = entry();
        e.client = Some("a b".into());
        assert!(e.validate().is_err());
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.code()), Some(*a));
        }
        for k in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(k.code()), Some(*k));
        }
    }
}
