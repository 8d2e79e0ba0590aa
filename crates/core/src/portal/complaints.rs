//! Citizens' complaints (*pengaduan*, issue 8; `docs/complaints.md`).
//!
//! A citizen files a complaint in one of seven [`ComplaintCategory`]s, anonymously (abuse reports
//! only: extortion and officer behaviour) or as themselves (with the pass a status check issued, or NIK
//! and KK number on the form), with an optional phone number or e-mail address for updates. They get a
//! [`Ticket`] (`ADU-7K3F-Q9XM`), the only handle of an anonymous report, which they type to [`track`]
//! it (a bearer secret: it travels in POST bodies, never in a URL).
//!
//! **Routing** ([`route`]): registry matters (not listed, data error) go to the village operator of the
//! village; money matters (wrong amount, not received) and anything else to Dinas Sosial of the regency;
//! abuse reports to Dinas Sosial too, where only verifiers, approvers and auditors see them — never the
//! village or district operators or the distribution officers, who may be the people reported
//! ([`Desk`]). Officers may forward a complaint to another level (an abuse report never below the
//! regency).
//!
//! **Deadlines** ([`deadline_days`]): working days (Monday to Friday, Western Indonesian Time) from
//! the day after submission until an officer answers. Forwarding does not restart the clock. An
//! unanswered complaint past its day is overdue: highlighted in the inbox, and [`escalate_overdue`]
//! moves it one level up.
//!
//! Every step is recorded with who and when, every officer's read is in the audit log (the contact's
//! read separately, `complaint.contact`), and each step notifies the complainant through
//! [`crate::portal::notify::enqueue`]. Nothing a citizen types is logged.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use sha2::{Digest, Sha256};
use tepat_domain::{Lang, Localized, RegionCode, RegionLevel, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::{
    AuditAction, AuditEntry, ComplaintChange, ComplaintEvent, ComplaintFilter, NewComplaint,
    ObjectKind, Store, StoreError, PUBLIC_ACTOR,
};
use uuid::Uuid;

pub use tepat_store::{
    Complaint, ComplaintCategory, ComplaintState, Contact, EventKind, Level, Ticket,
};

use crate::access::{Grant, HandleComplaints, Job, ReadComplaints};
use crate::intake::citizen::{self, CitizenError, Limits, Proof};
use crate::portal::notify::{self, ContactAddress, Message, Recipient};
use crate::portal::PassKey;
use crate::registry::{audit_entry, Origin};

/// Longest complaint text, in characters.
pub const MAX_TEXT: usize = 2000;
/// Longest officer's note (answer, reason, resolution).
pub const MAX_NOTE: usize = 1000;
/// Complaints an inbox page shows at most.
pub const INBOX_LIMIT: u32 = 200;

/// Working days to answer a complaint of `category`.
pub fn deadline_days(category: ComplaintCategory) -> u32 {
    match category {
        // Someone may be extorting recipients right now.
        ComplaintCategory::Extortion => 3,
        // Money that did not arrive is the family's food this month.
        ComplaintCategory::NotReceived | ComplaintCategory::WrongAmount => 5,
        ComplaintCategory::OfficerBehaviour => 5,
        // Registry corrections need a field visit.
        ComplaintCategory::NotListed | ComplaintCategory::DataError => 10,
        ComplaintCategory::Other => 10,
    }
}

/// The level a new complaint of `category` goes to.
pub fn route(category: ComplaintCategory) -> Level {
    match category {
        ComplaintCategory::NotListed | ComplaintCategory::DataError => Level::Village,
        ComplaintCategory::WrongAmount
        | ComplaintCategory::NotReceived
        | ComplaintCategory::Extortion
        | ComplaintCategory::OfficerBehaviour
        | ComplaintCategory::Other => Level::Regency,
    }
}

/// Today's date in Western Indonesian Time (UTC+7), where most regencies are and office days are counted.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(7)).date_naive()
}

/// The last day to answer: `days` working days (Monday to Friday) after the day of `submitted`.
/// Public holidays are not counted out (they differ per year and region).
pub fn due_on(submitted: DateTime<Utc>, days: u32) -> NaiveDate {
    let mut day = today(submitted);
    let mut left = days;
    while left > 0 {
        day += Duration::days(1);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// Waiting for an answer after its last day.
pub fn is_overdue(c: &Complaint, now: DateTime<Utc>) -> bool {
    c.state.awaits_answer() && today(now) > c.due_on
}

/// What an officer's desk shows: which levels, and whether abuse reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desk {
    pub levels: &'static [Level],
    pub abuse: bool,
}

/// The desk of a role. Village operators see their village's desk; district operators also what
/// their villages have (to supervise and take over); distribution officers the regency's desk without
/// abuse reports; verifiers, approvers and auditors everything.
pub fn desk(role: Role) -> Option<Desk> {
    const ALL: &[Level] = &[Level::Village, Level::District, Level::Regency];
    match role {
        Role::VillageOperator => Some(Desk {
            levels: &[Level::Village],
            abuse: false,
        }),
        Role::DistrictOperator => Some(Desk {
            levels: &[Level::Village, Level::District],
            abuse: false,
        }),
        Role::DistributionOfficer => Some(Desk {
            levels: &[Level::Regency],
            abuse: false,
        }),
        Role::Verifier | Role::Approver | Role::Auditor => Some(Desk {
            levels: ALL,
            abuse: true,
        }),
        _ => None,
    }
}

/// Whether `role` working in `scope` may see `c`.
pub fn may_see(role: Role, scope: &Scope, c: &Complaint) -> bool {
    let Some(d) = desk(role) else {
        return false;
    };
    scope.covers(&c.village) && d.levels.contains(&c.level) && (d.abuse || !c.category.is_abuse())
}

/// Why a complaint could not be filed, tracked or handled. Never says which of NIK or KK was wrong,
/// nor whether a complaint exists outside the officer's desk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    #[error("choose what the complaint is about")]
    NoCategory,
    #[error("only reports of extortion or cuts and of officers' behaviour can be anonymous; for other complaints, check your status first or give your NIK and KK number")]
    AnonymousNotAllowed,
    #[error("the village code is not known; write it like 19.02.01.2001")]
    UnknownVillage,
    #[error("{field}: {problem}")]
    Field {
        field: &'static str,
        problem: &'static str,
    },
    #[error(transparent)]
    Citizen(#[from] CitizenError),
    #[error("{0}")]
    Pass(&'static str),
    #[error("the phone number or e-mail address for updates is not valid; write a mobile number like 0812 3456 7890 or an address like name@example.id")]
    BadContact,
    #[error("too many attempts from your connection; wait an hour and try again")]
    TooMany,
    #[error(
        "no complaint has this ticket number; check the number you were given (ADU-XXXX-XXXX)"
    )]
    NoSuchTicket,
    #[error("no such complaint in your desk")]
    NotFound,
    #[error("this step is not possible now: the complaint is {state}")]
    NotNow { state: &'static str },
    #[error(
        "forward to another level than the current one; reports of abuse stay at Dinas Sosial"
    )]
    BadForward,
    #[error("someone else changed this complaint at the same time; look at it again")]
    Changed,
    #[error("the database failed; try again later")]
    Store,
}

impl From<StoreError> for ComplaintError {
    fn from(e: StoreError) -> ComplaintError {
        tracing::error!(error = %e, "a complaint failed on the database");
        ComplaintError::Store
    }
}

impl Localized for ComplaintError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return match self {
                ComplaintError::Citizen(e) => e.message(lang),
                ComplaintError::Pass(m) => (*m).into(),
                _ => self.to_string(),
            };
        }
        match self {
            ComplaintError::NoCategory => "pilih jenis pengaduan".into(),
            ComplaintError::AnonymousNotAllowed => "hanya laporan pungutan/potongan liar dan perilaku petugas yang boleh tanpa nama; untuk pengaduan lain, cek status dulu atau isi NIK dan nomor KK Anda".into(),
            ComplaintError::UnknownVillage => "kode desa/kelurahan tidak dikenal; tulis seperti 19.02.01.2001".into(),
            ComplaintError::Field { field, problem } => format!("{}: {}", field_id(field), problem_id(problem)),
            ComplaintError::Citizen(e) => e.message(lang),
            ComplaintError::Pass(m) => (*m).into(),
            ComplaintError::BadContact => "nomor HP atau alamat e-mail untuk kabar tidak valid; tulis nomor seluler seperti 0812 3456 7890 atau alamat seperti nama@contoh.id".into(),
            ComplaintError::TooMany => "terlalu banyak percobaan dari sambungan Anda; tunggu satu jam lalu coba lagi".into(),
            ComplaintError::NoSuchTicket => "tidak ada pengaduan dengan nomor tiket ini; periksa nomor yang Anda terima (ADU-XXXX-XXXX)".into(),
            ComplaintError::NotFound => "pengaduan ini tidak ada di meja kerja Anda".into(),
            ComplaintError::NotNow { state } => format!("langkah ini tidak dapat dilakukan sekarang: status pengaduan {}", state_label(ComplaintState::parse(state).unwrap_or(ComplaintState::Open), Lang::Id)),
            ComplaintError::BadForward => "teruskan ke tingkat lain dari tingkat sekarang; laporan penyalahgunaan tetap di Dinas Sosial".into(),
            ComplaintError::Changed => "pengaduan ini baru saja diubah orang lain; buka lagi".into(),
            ComplaintError::Store => "basis data gagal; coba lagi nanti".into(),
        }
    }
}

fn field_id(field: &str) -> &'static str {
    match field {
        "text" => "isi pengaduan",
        "note" => "catatan",
        _ => "isian",
    }
}

fn problem_id(problem: &str) -> &'static str {
    match problem {
        "required" => "wajib diisi",
        "too long" => "terlalu panjang",
        "markup" => "tidak boleh memuat tanda < atau > (kode atau skrip), karakter kendali, atau diawali =, +, - atau @",
        _ => "tidak sah",
    }
}

/// The category's name.
pub fn category_label(c: ComplaintCategory, lang: Lang) -> &'static str {
    match (c, lang) {
        (ComplaintCategory::NotListed, Lang::Id) => "Tidak terdaftar",
        (ComplaintCategory::NotListed, Lang::En) => "Not listed",
        (ComplaintCategory::WrongAmount, Lang::Id) => "Jumlah bantuan tidak sesuai",
        (ComplaintCategory::WrongAmount, Lang::En) => "Wrong amount",
        (ComplaintCategory::NotReceived, Lang::Id) => "Belum/tidak menerima bantuan",
        (ComplaintCategory::NotReceived, Lang::En) => "Aid not received",
        (ComplaintCategory::Extortion, Lang::Id) => "Pungutan atau potongan liar",
        (ComplaintCategory::Extortion, Lang::En) => "Extortion or cuts",
        (ComplaintCategory::DataError, Lang::Id) => "Data salah",
        (ComplaintCategory::DataError, Lang::En) => "Data error",
        (ComplaintCategory::OfficerBehaviour, Lang::Id) => "Perilaku petugas",
        (ComplaintCategory::OfficerBehaviour, Lang::En) => "Officer behaviour",
        (ComplaintCategory::Other, Lang::Id) => "Lainnya",
        (ComplaintCategory::Other, Lang::En) => "Other",
    }
}

pub fn state_label(s: ComplaintState, lang: Lang) -> &'static str {
    match (s, lang) {
        (ComplaintState::Open, Lang::Id) => "diterima, menunggu ditangani",
        (ComplaintState::Open, Lang::En) => "received, waiting",
        (ComplaintState::Acknowledged, Lang::Id) => "sedang ditangani",
        (ComplaintState::Acknowledged, Lang::En) => "being handled",
        (ComplaintState::Answered, Lang::Id) => "sudah dijawab",
        (ComplaintState::Answered, Lang::En) => "answered",
        (ComplaintState::Resolved, Lang::Id) => "selesai",
        (ComplaintState::Resolved, Lang::En) => "resolved",
        (ComplaintState::Rejected, Lang::Id) => "ditolak",
        (ComplaintState::Rejected, Lang::En) => "rejected",
    }
}

pub fn level_label(l: Level, lang: Lang) -> &'static str {
    match (l, lang) {
        (Level::Village, Lang::Id) => "operator desa/kelurahan",
        (Level::Village, Lang::En) => "village operator",
        (Level::District, Lang::Id) => "operator kecamatan",
        (Level::District, Lang::En) => "district operator",
        (Level::Regency, Lang::Id) => "Dinas Sosial kabupaten/kota",
        (Level::Regency, Lang::En) => "the regency's social affairs office",
    }
}

pub fn event_label(k: EventKind, lang: Lang) -> &'static str {
    match (k, lang) {
        (EventKind::Submitted, Lang::Id) => "diterima",
        (EventKind::Submitted, Lang::En) => "received",
        (EventKind::Acknowledged, Lang::Id) => "mulai ditangani",
        (EventKind::Acknowledged, Lang::En) => "taken up",
        (EventKind::Answered, Lang::Id) => "dijawab",
        (EventKind::Answered, Lang::En) => "answered",
        (EventKind::Forwarded, Lang::Id) => "diteruskan",
        (EventKind::Forwarded, Lang::En) => "forwarded",
        (EventKind::Resolved, Lang::Id) => "diselesaikan",
        (EventKind::Resolved, Lang::En) => "resolved",
        (EventKind::Rejected, Lang::Id) => "ditolak",
        (EventKind::Rejected, Lang::En) => "rejected",
        (EventKind::Escalated, Lang::Id) => "dinaikkan karena melewati batas waktu",
        (EventKind::Escalated, Lang::En) => "escalated, past its deadline",
    }
}

/// A text a citizen or officer typed: trimmed, within `max` characters, without markup (no `<` or
/// `>`, so no tag or script), without control characters other than line breaks and tabs, and not
/// starting like a spreadsheet formula (the text may be exported).
pub fn clean_text(field: &'static str, value: &str, max: usize) -> Result<String, ComplaintError> {
    let v = value.trim().replace("\r\n", "\n");
    if v.is_empty() {
        return Err(ComplaintError::Field {
            field,
            problem: "required",
        });
    }
    if v.chars().count() > max {
        return Err(ComplaintError::Field {
            field,
            problem: "too long",
        });
    }
    let markup = v
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\n' | '\t')) || matches!(c, '<' | '>'));
    if markup || v.starts_with(['=', '+', '-', '@']) {
        return Err(ComplaintError::Field {
            field,
            problem: "markup",
        });
    }
    Ok(v)
}

/// A phone number (sent by SMS) or e-mail address for updates; empty means none.
pub fn parse_contact(raw: &str) -> Result<Option<Contact>, ComplaintError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.contains('@') {
        notify::normalise_email(raw)
            .map(|e| Some(Contact::Email(e)))
            .map_err(|_| ComplaintError::BadContact)
    } else {
        notify::normalise_phone(raw)
            .map(|p| Some(Contact::Phone(p)))
            .map_err(|_| ComplaintError::BadContact)
    }
}

/// Attempts per client address and hour: filing complaints and tracking tickets. Kept in memory per
/// server, under a salted hash of the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackLimitSettings {
    pub submissions: u32,
    pub tracking: u32,
    pub ratings: u32,
}

impl Default for FeedbackLimitSettings {
    fn default() -> FeedbackLimitSettings {
        FeedbackLimitSettings {
            submissions: 10,
            // A ticket has 40 random bits: at 30 guesses an hour, finding any of a million tickets
            // takes about four thousand years.
            tracking: 30,
            ratings: 30,
        }
    }
}

/// Attempts per hashed key: when the hour started and how many since.
type Counts = HashMap<[u8; 32], (DateTime<Utc>, u32)>;

/// The counters.
pub struct FeedbackLimits {
    settings: FeedbackLimitSettings,
    salt: [u8; 16],
    counts: Mutex<Counts>,
}

/// What is being counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Submit,
    Track,
    Rate,
}

impl FeedbackLimits {
    pub fn new(settings: FeedbackLimitSettings) -> FeedbackLimits {
        FeedbackLimits {
            settings,
            salt: rand::random(),
            counts: Mutex::default(),
        }
    }

    /// Counts one attempt from `client`; `false` when it is over the hour's limit.
    pub fn allow(&self, what: Attempt, client: Option<&str>, now: DateTime<Utc>) -> bool {
        let (kind, limit) = match what {
            Attempt::Submit => (b"submit".as_slice(), self.settings.submissions),
            Attempt::Track => (b"track".as_slice(), self.settings.tracking),
            Attempt::Rate => (b"rate".as_slice(), self.settings.ratings),
        };
        let address = client
            .map(|c| c.rsplit_once(':').map_or(c, |(ip, _)| ip))
            .unwrap_or("-");
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(kind);
        h.update([0]);
        h.update(address.as_bytes());
        let key: [u8; 32] = h.finalize().into();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now - *start < Duration::hours(1));
        }
        let entry = counts.entry(key).or_insert((now, 0));
        if now - entry.0 >= Duration::hours(1) {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= limit
    }
}

impl Default for FeedbackLimits {
    fn default() -> FeedbackLimits {
        FeedbackLimits::new(FeedbackLimitSettings::default())
    }
}

/// Who files a complaint.
pub enum Complainant<'a> {
    /// Nobody named: an abuse report about something in `village` (a code as typed).
    Anonymous { village: &'a str },
    /// The holder of a pass from a status check.
    Pass(&'a str),
    /// Someone typing their NIK and KK number on the form.
    Proof(Proof<'a>),
}

/// What the services a complaint needs, from the server's state.
pub struct Services<'a> {
    pub limits: &'a FeedbackLimits,
    pub citizen_limits: &'a Limits,
    pub pass_key: &'a PassKey,
    pub regions: &'a RegionTable,
}

/// What the citizen typed.
pub struct ComplaintInput<'a> {
    /// A [`ComplaintCategory`] code.
    pub category: &'a str,
    pub text: &'a str,
    /// A phone number or e-mail address for updates, or empty.
    pub contact: &'a str,
}

/// What the citizen is told after filing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub id: Uuid,
    pub ticket: Ticket,
    pub level: Level,
    pub due_on: NaiveDate,
}

/// Files a complaint: checks the input, then who complains, stores it with its `submitted` step and
/// an audit entry (public actor, the complaint's id and village), and notifies the complainant.
pub async fn submit(
    store: &dyn Store,
    services: &Services<'_>,
    who: Complainant<'_>,
    input: &ComplaintInput<'_>,
    origin: &Origin,
) -> Result<Filed, ComplaintError> {
    if !services
        .limits
        .allow(Attempt::Submit, origin.client.as_deref(), origin.now)
    {
        return Err(ComplaintError::TooMany);
    }
    let category = ComplaintCategory::parse(input.category).ok_or(ComplaintError::NoCategory)?;
    let text = clean_text("text", input.text, MAX_TEXT)?;
    let contact = parse_contact(input.contact)?;
    let (village, person, household) = match who {
        Complainant::Anonymous { village } => {
            if !category.is_abuse() {
                return Err(ComplaintError::AnonymousNotAllowed);
            }
            (village_of(services.regions, village)?, None, None)
        }
        Complainant::Pass(token) => {
            let pass = services
                .pass_key
                .verify(token, origin.now)
                .map_err(|e| ComplaintError::Pass(e.message(Lang::Id)))?;
            (pass.village, Some(pass.person), pass.household)
        }
        Complainant::Proof(proof) => {
            let person = citizen::identify(store, services.citizen_limits, &proof, origin).await?;
            let household = store
                .registry_search_nik(&person.record.nik, &Scope::All)
                .await?
                .into_iter()
                .find(|h| h.member_status == "active")
                .map(|h| h.household);
            (person.record.village, Some(person.id), household)
        }
    };
    let level = route(category);
    let complaint = Complaint {
        id: Uuid::now_v7(),
        village,
        ticket: Ticket::random(),
        category,
        level,
        state: ComplaintState::Open,
        person,
        household,
        text,
        has_contact: contact.is_some(),
        submitted_at: origin.now,
        due_on: due_on(origin.now, deadline_days(category)),
        updated_at: origin.now,
    };
    store
        .audit_record(&AuditEntry {
            actor: PUBLIC_ACTOR,
            role: Role::Citizen,
            action: AuditAction::Complaint,
            object: ObjectKind::Complaint,
            object_id: Some(complaint.id),
            region: Some(village),
            purpose: format!("complaint.{}", category.code()),
            client: origin.client.clone(),
        })
        .await?;
    let mut new = NewComplaint { complaint, contact };
    let step = |c: &Complaint| ComplaintEvent {
        id: Uuid::now_v7(),
        complaint: c.id,
        kind: EventKind::Submitted,
        actor: PUBLIC_ACTOR,
        role: Role::Citizen,
        level,
        state: ComplaintState::Open,
        note: None,
        at: origin.now,
    };
    // A ticket drawn twice (one in a trillion per pair) is drawn again.
    let mut tries = 0;
    loop {
        match store.insert_complaint(&new, &step(&new.complaint)).await {
            Ok(()) => break,
            Err(StoreError::Conflict { .. }) if tries < 3 => {
                tries += 1;
                new.complaint.ticket = Ticket::random();
            }
            Err(e) => return Err(e.into()),
        }
    }
    let c = &new.complaint;
    notify_complainant(
        store,
        c,
        new.contact.as_ref(),
        Message::complaint_received(&c.ticket.to_string()),
    )
    .await;
    Ok(Filed {
        id: c.id,
        ticket: c.ticket.clone(),
        level: c.level,
        due_on: c.due_on,
    })
}

fn village_of(regions: &RegionTable, code: &str) -> Result<RegionCode, ComplaintError> {
    match RegionCode::parse(code.trim()) {
        Ok(v) if v.level() == RegionLevel::DesaKelurahan && regions.get(&v).is_some() => Ok(v),
        _ => Err(ComplaintError::UnknownVillage),
    }
}

/// Tells the complainant: their household's inbox (and channels) when they complained as themselves
/// with a household, and the contact they left. A notice that cannot be queued does not undo the
/// step; it is logged without the address.
async fn notify_complainant(
    store: &dyn Store,
    c: &Complaint,
    contact: Option<&Contact>,
    message: Message,
) {
    let mut recipients = Vec::new();
    if let Some(h) = c.household {
        recipients.push(Recipient::Household(h));
    }
    match contact {
        Some(Contact::Phone(p)) => {
            recipients.push(Recipient::Contact(ContactAddress::Phone(p.clone())))
        }
        Some(Contact::Email(e)) => {
            recipients.push(Recipient::Contact(ContactAddress::Email(e.clone())))
        }
        None => {}
    }
    for r in recipients {
        if let Err(e) = notify::enqueue(store, r, message.clone()).await {
            tracing::warn!(error = %e, complaint = %c.id, "a complaint update was not queued");
        }
    }
}

/// One step as the complainant sees it: officers' answers, resolutions and reasons for rejection are
/// shown; internal notes (a forward's reason) are not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicStep {
    pub kind: EventKind,
    pub level: Level,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// What tracking by ticket shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    pub ticket: Ticket,
    pub category: ComplaintCategory,
    pub state: ComplaintState,
    pub level: Level,
    pub submitted_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub overdue: bool,
    pub steps: Vec<PublicStep>,
}

/// The complaint with this ticket, as its complainant sees it. Counted per client address: the ticket
/// is the only handle of an anonymous report, so guessing must stay hopeless.
pub async fn track(
    store: &dyn Store,
    limits: &FeedbackLimits,
    ticket: &str,
    origin: &Origin,
) -> Result<Tracked, ComplaintError> {
    if !limits.allow(Attempt::Track, origin.client.as_deref(), origin.now) {
        return Err(ComplaintError::TooMany);
    }
    let ticket = Ticket::parse(ticket).ok_or(ComplaintError::NoSuchTicket)?;
    let c = store
        .complaint_by_ticket(&ticket)
        .await?
        .ok_or(ComplaintError::NoSuchTicket)?;
    let steps = store
        .complaint_events(c.id)
        .await?
        .into_iter()
        .map(|e| PublicStep {
            note: e.note.filter(|_| {
                matches!(
                    e.kind,
                    EventKind::Answered | EventKind::Resolved | EventKind::Rejected
                )
            }),
            kind: e.kind,
            level: e.level,
            at: e.at,
        })
        .collect();
    Ok(Tracked {
        overdue: is_overdue(&c, origin.now),
        ticket: c.ticket,
        category: c.category,
        state: c.state,
        level: c.level,
        submitted_at: c.submitted_at,
        due_on: c.due_on,
        steps,
    })
}

/// The inbox's filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub state: Option<ComplaintState>,
    pub category: Option<ComplaintCategory>,
    pub overdue: bool,
}

/// A complaint in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub complaint: Complaint,
    pub overdue: bool,
}

fn desk_filter(grant_scope: Scope, role: Role) -> Result<ComplaintFilter, ComplaintError> {
    let d = desk(role).ok_or(ComplaintError::NotFound)?;
    Ok(ComplaintFilter {
        within: grant_scope,
        levels: d.levels.to_vec(),
        abuse: d.abuse,
        state: None,
        category: None,
        overdue_on: None,
    })
}

/// The complaints on the officer's desk, newest first (an audited read).
pub async fn inbox(
    store: &dyn Store,
    grant: &Grant<'_, ReadComplaints>,
    filter: InboxFilter,
    origin: &Origin,
) -> Result<Vec<InboxItem>, ComplaintError> {
    let mut f = desk_filter(grant.scope(), grant.actor().role())?;
    f.state = filter.state;
    f.category = filter.category;
    f.overdue_on = filter.overdue.then(|| today(origin.now));
    let found = store.complaints(&f, INBOX_LIMIT).await?;
    let region = match grant.scope() {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    };
    store
        .audit_record(&audit_entry(
            grant,
            AuditAction::Read,
            ObjectKind::Complaint,
            None,
            region,
            "complaint.inbox",
            origin,
        ))
        .await?;
    Ok(found
        .into_iter()
        .map(|c| InboxItem {
            overdue: is_overdue(&c, origin.now),
            complaint: c,
        })
        .collect())
}

/// A complaint with its history, for the officer's detail page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub complaint: Complaint,
    pub overdue: bool,
    pub events: Vec<ComplaintEvent>,
}

/// The complaint if the actor's desk has it; absent otherwise (an officer elsewhere learns nothing).
async fn on_desk<A: crate::access::Action>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    id: Uuid,
) -> Result<Complaint, ComplaintError> {
    store
        .complaint(id)
        .await?
        .filter(|c| may_see(grant.actor().role(), &grant.scope(), c))
        .ok_or(ComplaintError::NotFound)
}

/// One complaint with its history (an audited read).
pub async fn detail(
    store: &dyn Store,
    grant: &Grant<'_, ReadComplaints>,
    id: Uuid,
    origin: &Origin,
) -> Result<Detail, ComplaintError> {
    let complaint = on_desk(store, grant, id).await?;
    store
        .audit_record(&audit_entry(
            grant,
            AuditAction::Read,
            ObjectKind::Complaint,
            Some(id),
            Some(complaint.village),
            "complaint.view",
            origin,
        ))
        .await?;
    let events = store.complaint_events(id).await?;
    Ok(Detail {
        overdue: is_overdue(&complaint, origin.now),
        complaint,
        events,
    })
}

/// The contact the complainant left, for an officer who needs to call back (audited as
/// `complaint.contact`, separately from reading the complaint).
pub async fn contact(
    store: &dyn Store,
    grant: &Grant<'_, HandleComplaints>,
    id: Uuid,
    origin: &Origin,
) -> Result<Option<Contact>, ComplaintError> {
    let complaint = on_desk(store, grant, id).await?;
    store
        .audit_record(&audit_entry(
            grant,
            AuditAction::Read,
            ObjectKind::Complaint,
            Some(id),
            Some(complaint.village),
            "complaint.contact",
            origin,
        ))
        .await?;
    Ok(store.complaint_contact(id).await?)
}

/// What an officer does with a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficerAction {
    /// "We are on it": from open only.
    Acknowledge,
    /// An answer the citizen reads; the complaint stays open for a resolution.
    Answer,
    /// To another level, with an internal note why.
    Forward(Level),
    /// Closed: what was done.
    Resolve,
    /// Closed: why it cannot be acted on.
    Reject,
}

impl OfficerAction {
    pub fn code(self) -> &'static str {
        match self {
            OfficerAction::Acknowledge => "acknowledge",
            OfficerAction::Answer => "answer",
            OfficerAction::Forward(_) => "forward",
            OfficerAction::Resolve => "resolve",
            OfficerAction::Reject => "reject",
        }
    }

    /// The step it records and the state it leads to.
    fn outcome(self, from: ComplaintState) -> Option<(EventKind, ComplaintState)> {
        use ComplaintState as S;
        match (self, from) {
            (OfficerAction::Acknowledge, S::Open) => {
                Some((EventKind::Acknowledged, S::Acknowledged))
            }
            (OfficerAction::Answer, S::Open | S::Acknowledged | S::Answered) => {
                Some((EventKind::Answered, S::Answered))
            }
            (OfficerAction::Forward(_), S::Open | S::Acknowledged | S::Answered) => {
                Some((EventKind::Forwarded, S::Open))
            }
            (OfficerAction::Resolve, s) if !s.is_closed() => {
                Some((EventKind::Resolved, S::Resolved))
            }
            (OfficerAction::Reject, s) if !s.is_closed() => {
                Some((EventKind::Rejected, S::Rejected))
            }
            _ => None,
        }
    }

    fn needs_note(self) -> bool {
        !matches!(self, OfficerAction::Acknowledge)
    }
}

/// The state code the complainant's notice names (the notification templates' words).
fn notice_state(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Submitted => "received",
        EventKind::Acknowledged | EventKind::Answered => "in_progress",
        EventKind::Forwarded => "routed",
        EventKind::Escalated => "escalated",
        EventKind::Resolved => "resolved",
        EventKind::Rejected => "rejected",
    }
}

/// Takes one step on a complaint on the officer's desk, recorded with who and when (and in the audit
/// log), then notifies the complainant. Refused when the step does not fit the complaint's state, or
/// when someone else changed it meanwhile.
pub async fn act(
    store: &dyn Store,
    grant: &Grant<'_, HandleComplaints>,
    id: Uuid,
    action: OfficerAction,
    note: &str,
    origin: &Origin,
) -> Result<Complaint, ComplaintError> {
    let note = if action.needs_note() {
        Some(clean_text("note", note, MAX_NOTE)?)
    } else {
        match note.trim() {
            "" => None,
            n => Some(clean_text("note", n, MAX_NOTE)?),
        }
    };
    let mut c = on_desk(store, grant, id).await?;
    let (kind, state) = action.outcome(c.state).ok_or(ComplaintError::NotNow {
        state: c.state.code(),
    })?;
    let level = match action {
        OfficerAction::Forward(to) => {
            if to == c.level || (c.category.is_abuse() && to != Level::Regency) {
                return Err(ComplaintError::BadForward);
            }
            to
        }
        _ => c.level,
    };
    store
        .audit_record(&audit_entry(
            grant,
            AuditAction::Advance,
            ObjectKind::Complaint,
            Some(id),
            Some(c.village),
            &format!("complaint.{}", action.code()),
            origin,
        ))
        .await?;
    let change = ComplaintChange {
        village: c.village,
        from_state: c.state,
        from_level: c.level,
        event: ComplaintEvent {
            id: Uuid::now_v7(),
            complaint: id,
            kind,
            actor: grant.actor().user(),
            role: grant.actor().role(),
            level,
            state,
            note,
            at: origin.now,
        },
    };
    if !store.change_complaint(&change).await? {
        return Err(ComplaintError::Changed);
    }
    c.state = state;
    c.level = level;
    c.updated_at = origin.now;
    let contact = if c.has_contact {
        store.complaint_contact(id).await?
    } else {
        None
    };
    notify_complainant(
        store,
        &c,
        contact.as_ref(),
        Message::complaint_update(&c.ticket.to_string(), notice_state(kind)),
    )
    .await;
    Ok(c)
}

/// The escalation job: every complaint still waiting for an answer past its deadline moves one level
/// up (village → district, district → regency), once, recorded as an `escalated` step by the job's
/// actor. Returns how many moved. Run daily by the server; running it again changes nothing more.
pub async fn escalate_overdue(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<u64, ComplaintError> {
    let mut filter = ComplaintFilter::within(Scope::All);
    filter.levels = vec![Level::Village, Level::District];
    filter.overdue_on = Some(today(now));
    let job = Job::ComplaintEscalation;
    let mut moved = 0;
    for c in store.complaints(&filter, 10_000).await? {
        let Some(up) = c.level.above() else {
            continue;
        };
        // Once: an escalated complaint waits at the new level, which sees it overdue (and Dinas
        // Sosial sees every overdue complaint), until someone answers.
        let events = store.complaint_events(c.id).await?;
        if events.iter().any(|e| e.kind == EventKind::Escalated) {
            continue;
        }
        let change = ComplaintChange {
            village: c.village,
            from_state: c.state,
            from_level: c.level,
            event: ComplaintEvent {
                id: Uuid::now_v7(),
                complaint: c.id,
                kind: EventKind::Escalated,
                actor: job.id(),
                role: Role::System,
                level: up,
                state: c.state,
                note: None,
                at: now,
            },
        };
        if store.change_complaint(&change).await? {
            moved += 1;
            let contact = if c.has_contact {
                store.complaint_contact(c.id).await?
            } else {
                None
            };
            notify_complainant(
                store,
                &c,
                contact.as_ref(),
                Message::complaint_update(&c.ticket.to_string(), "escalated"),
            )
            .await;
        }
    }
    if moved > 0 {
        tracing::info!(moved, "overdue complaints escalated");
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn deadlines_count_working_days_in_western_indonesian_time() {
        // Monday 4 January 2027, 10:00 WIB.
        let monday = at(2027, 1, 4, 3);
        assert_eq!(
            due_on(monday, 5),
            NaiveDate::from_ymd_opt(2027, 1, 11).unwrap()
        );
        assert_eq!(
            due_on(monday, 3),
            NaiveDate::from_ymd_opt(2027, 1, 7).unwrap()
        );
        // Friday 8 January, 20:00 WIB (13:00 UTC): three working days end on Wednesday.
        let friday = at(2027, 1, 8, 13);
        assert_eq!(
            due_on(friday, 3),
            NaiveDate::from_ymd_opt(2027, 1, 13).unwrap()
        );
        // Friday 23:30 UTC is already Saturday in WIB: the count starts from Saturday.
        let late = Utc.with_ymd_and_hms(2027, 1, 8, 23, 30, 0).unwrap();
        assert_eq!(today(late), NaiveDate::from_ymd_opt(2027, 1, 9).unwrap());
        assert_eq!(
            due_on(late, 1),
            NaiveDate::from_ymd_opt(2027, 1, 11).unwrap()
        );
    }

    #[test]
    fn every_category_has_a_route_and_a_deadline() {
        for c in ComplaintCategory::ALL {
            let days = deadline_days(*c);
            assert!((1..=10).contains(&days), "{c:?}");
            if c.is_abuse() {
                assert_eq!(route(*c), Level::Regency, "{c:?}");
            }
            assert_ne!(category_label(*c, Lang::Id), category_label(*c, Lang::En));
        }
        assert_eq!(route(ComplaintCategory::NotListed), Level::Village);
        assert_eq!(route(ComplaintCategory::DataError), Level::Village);
        assert_eq!(route(ComplaintCategory::WrongAmount), Level::Regency);
        assert_eq!(route(ComplaintCategory::NotReceived), Level::Regency);
        assert!(
            deadline_days(ComplaintCategory::Extortion)
                < deadline_days(ComplaintCategory::NotListed)
        );
    }

    fn complaint(village: &str, category: ComplaintCategory, level: Level) -> Complaint {
        Complaint {
            id: Uuid::now_v7(),
            village: RegionCode::parse(village).unwrap(),
            ticket: Ticket::random(),
            category,
            level,
            state: ComplaintState::Open,
            person: None,
            household: None,
            text: "x".into(),
            has_contact: false,
            submitted_at: at(2027, 1, 4, 3),
            due_on: NaiveDate::from_ymd_opt(2027, 1, 7).unwrap(),
            updated_at: at(2027, 1, 4, 3),
        }
    }

    #[test]
    fn abuse_reports_are_kept_from_the_people_who_may_be_reported() {
        let village = Scope::Within(RegionCode::parse("19.02.01.2003").unwrap());
        let district = Scope::Within(RegionCode::parse("19.02.01").unwrap());
        let regency = Scope::Within(RegionCode::parse("19.02").unwrap());
        let abuse = complaint(
            "19.02.01.2003",
            ComplaintCategory::Extortion,
            Level::Regency,
        );
        assert!(!may_see(Role::VillageOperator, &village, &abuse));
        assert!(!may_see(Role::DistrictOperator, &district, &abuse));
        assert!(!may_see(Role::DistributionOfficer, &regency, &abuse));
        assert!(may_see(Role::Verifier, &regency, &abuse));
        assert!(may_see(Role::Approver, &regency, &abuse));
        assert!(may_see(Role::Auditor, &regency, &abuse));
        assert!(!may_see(Role::Admin, &Scope::All, &abuse));
        assert!(!may_see(
            Role::Verifier,
            &Scope::Within(RegionCode::parse("19.03").unwrap()),
            &abuse
        ));
        let data = complaint(
            "19.02.01.2003",
            ComplaintCategory::DataError,
            Level::Village,
        );
        assert!(may_see(Role::VillageOperator, &village, &data));
        assert!(may_see(Role::DistrictOperator, &district, &data));
        assert!(!may_see(Role::DistributionOfficer, &regency, &data));
        let other_village = Scope::Within(RegionCode::parse("19.02.01.1001").unwrap());
        assert!(!may_see(Role::VillageOperator, &other_village, &data));
        let money = complaint(
            "19.02.01.2003",
            ComplaintCategory::NotReceived,
            Level::Regency,
        );
        assert!(!may_see(Role::VillageOperator, &village, &money));
        assert!(may_see(Role::DistributionOfficer, &regency, &money));
    }

    #[test]
    fn steps_fit_the_state() {
        use ComplaintState as S;
        assert!(OfficerAction::Acknowledge.outcome(S::Open).is_some());
        assert!(OfficerAction::Acknowledge.outcome(S::Answered).is_none());
        assert_eq!(
            OfficerAction::Forward(Level::District).outcome(S::Acknowledged),
            Some((EventKind::Forwarded, S::Open))
        );
        for closed in [S::Resolved, S::Rejected] {
            for a in [
                OfficerAction::Acknowledge,
                OfficerAction::Answer,
                OfficerAction::Resolve,
                OfficerAction::Reject,
                OfficerAction::Forward(Level::Village),
            ] {
                assert!(a.outcome(closed).is_none(), "{a:?} from {closed:?}");
            }
        }
    }

    #[test]
    fn texts_with_markup_are_refused_with_a_reason() {
        assert!(clean_text(
            "text",
            "Bantuan dipotong \"uang rokok\" 50 ribu.\nTolong.",
            100
        )
        .is_ok());
        for bad in [
            "<script>alert(1)</script>",
            "a <img src=x onerror=alert(1)>",
            "=HYPERLINK(\"x\")",
            "ok\u{0007}",
        ] {
            let e = clean_text("text", bad, 100).unwrap_err();
            assert_eq!(
                e,
                ComplaintError::Field {
                    field: "text",
                    problem: "markup"
                },
                "{bad}"
            );
            assert!(e.message(Lang::Id).contains("skrip"));
        }
        assert!(matches!(
            clean_text("text", &"a".repeat(101), 100),
            Err(ComplaintError::Field {
                problem: "too long",
                ..
            })
        ));
        assert!(matches!(
            clean_text("text", "   ", 100),
            Err(ComplaintError::Field {
                problem: "required",
                ..
            })
        ));
    }

    #[test]
    fn a_contact_is_a_mobile_number_or_an_address() {
        assert!(matches!(
            parse_contact("0812 3456 7890"),
            Ok(Some(Contact::Phone(_)))
        ));
        assert!(matches!(
            parse_contact("warga@example.id"),
            Ok(Some(Contact::Email(_)))
        ));
        assert_eq!(parse_contact("  "), Ok(None));
        assert_eq!(parse_contact("12"), Err(ComplaintError::BadContact));
        assert_eq!(parse_contact("a@"), Err(ComplaintError::BadContact));
    }

    #[test]
    fn the_limits_count_per_client_address_and_hour() {
        let limits = FeedbackLimits::new(FeedbackLimitSettings {
            submissions: 2,
            tracking: 1,
            ratings: 1,
        });
        let now = at(2027, 1, 4, 3);
        let a = Some("10.0.0.1:5000");
        assert!(limits.allow(Attempt::Submit, a, now));
        // Another port of the same address is the same client.
        assert!(limits.allow(Attempt::Submit, Some("10.0.0.1:6000"), now));
        assert!(!limits.allow(Attempt::Submit, a, now));
        assert!(limits.allow(Attempt::Submit, Some("10.0.0.2:1"), now));
        assert!(limits.allow(Attempt::Track, a, now), "counted apart");
        assert!(!limits.allow(Attempt::Track, a, now));
        assert!(limits.allow(Attempt::Submit, a, now + Duration::hours(1)));
    }
}
