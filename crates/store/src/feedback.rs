//! Citizens' complaints (*pengaduan*) with their history, and ratings of each distribution (issue 8,
//! `docs/complaints.md`): what is stored, and the [`FeedbackStore`] trait.
//!
//! Everything a citizen or an officer types (the complaint, the contact for updates, notes, comments) is
//! sealed bound to its table, column and row, because it may name people. A complaint's [`Ticket`] is a
//! bearer secret: it is found through a keyed blind index and stored sealed, never in plain text.
//! Routing, deadlines and who may see what are decided in `tepat-core::portal::complaints`; this module
//! only keeps the rows.

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::{RegionCode, Role, Scope};
use uuid::Uuid;

use crate::error::StoreError;

macro_rules! codes {
    ($(#[$doc:meta])* $ty:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $ty { $($(#[$vdoc])* $variant,)+ }

        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)+];

            pub fn code(self) -> &'static str {
                match self { $($ty::$variant => $code,)+ }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|v| v.code() == s)
            }
        }
    };
}

codes! {
    /// What a complaint is about. Decides where it goes and how fast it must be answered.
    ComplaintCategory {
        /// *Tidak terdaftar*: the household thinks it qualifies but is not in the registry or a program.
        NotListed => "not_listed",
        /// *Jumlah tidak sesuai*: less (or other) than the entitlement said.
        WrongAmount => "wrong_amount",
        /// *Belum/tidak menerima*: nothing arrived.
        NotReceived => "not_received",
        /// *Pungutan/potongan liar*: someone asked for money or cut the aid.
        Extortion => "extortion",
        /// *Data salah*: wrong name, members, address or other registry data.
        DataError => "data_error",
        /// *Perilaku petugas*: how an officer behaved.
        OfficerBehaviour => "officer_behaviour",
        /// *Lainnya*.
        Other => "other",
    }
}

impl ComplaintCategory {
    /// Abuse reports: may be anonymous, and are kept from the village and district operators and the
    /// distribution officers, who may be the very people reported.
    pub fn is_abuse(self) -> bool {
        matches!(
            self,
            ComplaintCategory::Extortion | ComplaintCategory::OfficerBehaviour
        )
    }
}

codes! {
    /// Who handles a complaint now. Forwarding and escalation move it up.
    Level {
        /// The village (*desa/kelurahan*) operator.
        Village => "village",
        /// The district (*kecamatan*) operator.
        District => "district",
        /// Dinas Sosial of the regency (verifiers, approvers, distribution officers).
        Regency => "regency",
    }
}

impl Level {
    /// The next level up, if any.
    pub fn above(self) -> Option<Level> {
        match self {
            Level::Village => Some(Level::District),
            Level::District => Some(Level::Regency),
            Level::Regency => None,
        }
    }
}

codes! {
    /// Where a complaint stands.
    ComplaintState {
        /// Received, nobody has looked at it yet.
        Open => "open",
        /// An officer has seen it and is working on it.
        Acknowledged => "acknowledged",
        /// An officer has answered; it stays open for a resolution.
        Answered => "answered",
        /// Closed: the problem was dealt with.
        Resolved => "resolved",
        /// Closed: not a complaint that can be acted on, with the reason.
        Rejected => "rejected",
    }
}

impl ComplaintState {
    pub fn is_closed(self) -> bool {
        matches!(self, ComplaintState::Resolved | ComplaintState::Rejected)
    }

    /// Whether the service-level clock still runs (nobody has answered yet).
    pub fn awaits_answer(self) -> bool {
        matches!(self, ComplaintState::Open | ComplaintState::Acknowledged)
    }
}

codes! {
    /// One step in a complaint's history.
    EventKind {
        Submitted => "submitted",
        Acknowledged => "acknowledged",
        Answered => "answered",
        Forwarded => "forwarded",
        Resolved => "resolved",
        Rejected => "rejected",
        /// Moved up a level by the escalation job because its deadline passed.
        Escalated => "escalated",
    }
}

/// A complaint's ticket, `ADU-XXXX-XXXX`: eight characters of Crockford's base32 (40 bits, no I, L, O
/// or U, so it reads over the phone). Parsing accepts lower case, missing or extra dashes and spaces,
/// and the letters Crockford maps to digits (O → 0, I and L → 1).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ticket(String);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl Ticket {
    /// A fresh random ticket.
    pub fn random() -> Ticket {
        let mut bytes = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let chars: String = bytes
            .iter()
            .map(|b| CROCKFORD[usize::from(b % 32)] as char)
            .collect();
        Ticket(chars)
    }

    /// The ticket a citizen typed, if it can be one.
    pub fn parse(s: &str) -> Option<Ticket> {
        let mut body: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect();
        if let Some(rest) = body.strip_prefix("ADU") {
            body = rest.to_owned();
        }
        (body.len() == 8 && body.bytes().all(|b| CROCKFORD.contains(&b))).then_some(Ticket(body))
    }

    /// The eight characters without prefix or dashes (what is indexed and sealed).
    pub fn body(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ADU-{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// A bearer secret: never in debug output or logs.
impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticket(..)")
    }
}

/// Where a complainant wants updates, besides the inbox of their household (if they have one).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Contact {
    /// Digits, with the country code (`62…`).
    Phone(String),
    Email(String),
}

impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contact::Phone(_) => f.write_str("Contact::Phone(..)"),
            Contact::Email(_) => f.write_str("Contact::Email(..)"),
        }
    }
}

/// A complaint as stored, opened (without its contact, which is read on its own and audited).
#[derive(Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: Uuid,
    /// The village the complaint is about (the complainant's, or the one an anonymous report names).
    pub village: RegionCode,
    pub ticket: Ticket,
    pub category: ComplaintCategory,
    pub level: Level,
    pub state: ComplaintState,
    /// The population person who complained; `None` for an anonymous report.
    pub person: Option<Uuid>,
    /// Their household in the registry, if any.
    pub household: Option<Uuid>,
    pub text: String,
    pub has_contact: bool,
    pub submitted_at: DateTime<Utc>,
    /// The service-level deadline: answered by the end of this day.
    pub due_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for Complaint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Complaint")
            .field("id", &self.id)
            .field("village", &self.village)
            .field("category", &self.category)
            .field("level", &self.level)
            .field("state", &self.state)
            .field("due_on", &self.due_on)
            .finish_non_exhaustive()
    }
}

impl Complaint {
    pub fn is_anonymous(&self) -> bool {
        self.person.is_none()
    }
}

/// A complaint to store, with its contact (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub complaint: Complaint,
    pub contact: Option<Contact>,
}

/// One step of a complaint's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintEvent {
    pub id: Uuid,
    pub complaint: Uuid,
    pub kind: EventKind,
    /// The officer's account, [`crate::PUBLIC_ACTOR`] for the citizen, or a job's id.
    pub actor: Uuid,
    pub role: Role,
    /// The level and state the complaint has after this step.
    pub level: Level,
    pub state: ComplaintState,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// A change to a complaint, applied only if it still has `from` (state and level): two officers acting
/// at once cannot both succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintChange {
    pub village: RegionCode,
    pub from_state: ComplaintState,
    pub from_level: Level,
    pub event: ComplaintEvent,
}

/// Which complaints to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintFilter {
    pub within: Scope,
    /// Only these levels (empty: all).
    pub levels: Vec<Level>,
    /// Include abuse reports ([`ComplaintCategory::is_abuse`]).
    pub abuse: bool,
    pub state: Option<ComplaintState>,
    pub category: Option<ComplaintCategory>,
    /// Only those still waiting for an answer whose deadline ended before this day.
    pub overdue_on: Option<NaiveDate>,
}

impl ComplaintFilter {
    /// Everything inside `within`.
    pub fn within(within: Scope) -> ComplaintFilter {
        ComplaintFilter {
            within,
            levels: Vec::new(),
            abuse: true,
            state: None,
            category: None,
            overdue_on: None,
        }
    }
}

/// One rating of one entitlement.
#[derive(Clone, PartialEq, Eq)]
pub struct Rating {
    pub id: Uuid,
    pub village: RegionCode,
    pub envelope: Uuid,
    pub household: Uuid,
    pub program: String,
    pub cycle: String,
    /// 1 to 5.
    pub stars: u8,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

impl std::fmt::Debug for Rating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rating")
            .field("id", &self.id)
            .field("envelope", &self.envelope)
            .field("stars", &self.stars)
            .finish_non_exhaustive()
    }
}

/// Ratings of one program-cycle in one village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingGroup {
    pub program: String,
    pub cycle: String,
    pub village: RegionCode,
    pub count: u64,
    /// The sum of the stars (the average is `stars / count`).
    pub stars: u64,
    /// How many gave 1, 2, 3, 4 and 5 stars.
    pub by_stars: [u64; 5],
}

/// Complaints and ratings. Part of [`crate::Store`]; both backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Stores a complaint and its `submitted` event (one transaction). The id and ticket must be new:
    /// a ticket already in use is [`StoreError::Conflict`] (draw another).
    async fn insert_complaint(
        &self,
        complaint: &NewComplaint,
        submitted: &ComplaintEvent,
    ) -> Result<(), StoreError>;

    async fn complaint(&self, id: Uuid) -> Result<Option<Complaint>, StoreError>;

    async fn complaint_by_ticket(&self, ticket: &Ticket) -> Result<Option<Complaint>, StoreError>;

    /// Complaints matching `filter`, newest first.
    async fn complaints(
        &self,
        filter: &ComplaintFilter,
        limit: u32,
    ) -> Result<Vec<Complaint>, StoreError>;

    /// A complaint's history, oldest first.
    async fn complaint_events(&self, complaint: Uuid) -> Result<Vec<ComplaintEvent>, StoreError>;

    /// The contact a complainant left, opened. Callers serving an officer must audit the read.
    async fn complaint_contact(&self, complaint: Uuid) -> Result<Option<Contact>, StoreError>;

    /// Applies `change` if the complaint still has its `from` state and level; `false` (nothing
    /// written) otherwise.
    async fn change_complaint(&self, change: &ComplaintChange) -> Result<bool, StoreError>;

    /// Stores a rating; `false` (nothing written) when the entitlement has one already.
    async fn insert_rating(&self, rating: &Rating) -> Result<bool, StoreError>;

    /// The ratings a household has given, newest first.
    async fn ratings_of_household(&self, household: Uuid) -> Result<Vec<Rating>, StoreError>;

    /// Ratings inside `within`, newest first, optionally of one envelope.
    async fn ratings(
        &self,
        within: &Scope,
        envelope: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Rating>, StoreError>;

    /// Counts and star sums per program, cycle and village inside `within`, optionally of one program,
    /// ordered by program, cycle, village.
    async fn rating_groups(
        &self,
        within: &Scope,
        program: Option<&str>,
    ) -> Result<Vec<RatingGroup>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_read_over_the_phone_parse_back() {
        for _ in 0..200 {
            let t = Ticket::random();
            let shown = t.to_string();
            assert!(shown.starts_with("ADU-") && shown.len() == 13, "{shown}");
            assert_eq!(Ticket::parse(&shown), Some(t.clone()));
            assert_eq!(Ticket::parse(&shown.to_lowercase()), Some(t.clone()));
            assert_eq!(Ticket::parse(&shown.replace('-', " ")), Some(t.clone()));
            assert!(!shown[4..].contains(['I', 'L', 'O', 'U']));
        }
        assert_eq!(
            Ticket::parse("adu-7k3f-q9xo").map(|t| t.to_string()),
            Some("ADU-7K3F-Q9X0".into())
        );
        assert_eq!(Ticket::parse("ADU-7K3F-Q9X"), None);
        assert_eq!(Ticket::parse("ADU-7K3F-Q9XU"), None);
        assert_eq!(Ticket::parse("<script>"), None);
        assert_eq!(format!("{:?}", Ticket::random()), "Ticket(..)");
    }

    #[test]
    fn codes_round_trip() {
        for c in ComplaintCategory::ALL {
            assert_eq!(ComplaintCategory::parse(c.code()), Some(*c));
        }
        for s in ComplaintState::ALL {
            assert_eq!(ComplaintState::parse(s.code()), Some(*s));
        }
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.code()), Some(*k));
        }
        assert_eq!(Level::Village.above(), Some(Level::District));
        assert_eq!(Level::Regency.above(), None);
    }
}
