//! The citizens' ways in (`docs/citizen.md`), without an account:
//!
//! - [`propose_own`] and [`propose_neighbour`]: a proposal (*usulan warga*) for the village operator;
//! - [`public_list`]: a village's households approved into the registry in the last
//!   [`OBJECTION_WINDOW_DAYS`] days, names masked (`S****N M****D`), no NIK, no address;
//! - [`object`]: an objection (*sanggahan*) to a household on that list, by someone living in the village.
//!
//! A citizen proves who they are with their NIK and KK number, checked against the population extract
//! ([`identify`]): "no such NIK", "wrong pair", "malformed" and "deceased" all get the one answer
//! [`CitizenError::NotRecognised`], so the form cannot be used to learn whether a NIK exists. Attempts are
//! limited per client address and per NIK ([`Limits`]). Nothing a citizen types is logged; NIK and KK
//! number are not stored (the proposal keeps names, address and reason, sealed). Each proposal and
//! objection is in the audit log (`citizen_proposal`, `objection`) with the public actor, its id,
//! village and the client address only.
//!
//! Officers read what arrived with [`tips`] and [`objections`], or both with their answers and
//! deadlines with [`inbox`] (grant `Propose`, inside their scope, audited), and close each one once
//! with [`close`]: answered, accepted into the workflow as a request, or rejected, with a reply text.
//! An objection should be answered within [`ReplySettings::answer_within_days`] (default
//! [`ANSWER_WITHIN_DAYS`]); past that it shows as overdue. The citizen reads the state and the reply
//! with the receipt code (the submission's id) they got when submitting ([`status`]).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use tepat_domain::{KkNumber, Lang, Localized, Nik, RegionCode, RegionLevel, Role};
use tepat_regions::RegionTable;
use tepat_store::{
    AuditAction, AuditEntry, CitizenTip, ObjectKind, Objection, ObjectionDetails, PopulationPerson,
    ReplyOutcome, Store, StoreError, SubmissionKind, SubmissionReply, SubmissionState, TipDetails,
    TipKind, PUBLIC_ACTOR,
};
use uuid::Uuid;

use super::mask::mask_name;
use crate::access::{Grant, Propose};
use crate::registry::{audit_entry, Origin};

/// Days after the approval during which a listed household can be objected to.
pub const OBJECTION_WINDOW_DAYS: i64 = 14;
/// Days an officer has to answer an objection, by default, before it shows as overdue.
pub const ANSWER_WITHIN_DAYS: i64 = 14;
/// Longest reason, name or address a citizen may type.
const MAX_TEXT: usize = 500;
const MAX_NAME: usize = 100;

/// Why a citizen's request did not go through. Never says which of NIK or KK number was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenError {
    #[error("the NIK and KK number do not match the population data; check both numbers on your family card (KK)")]
    NotRecognised,
    #[error("too many attempts; wait an hour and try again")]
    TooMany,
    #[error("only people living in this village can object to its list")]
    NotYourVillage,
    #[error("this household is not on the village's list, or its {OBJECTION_WINDOW_DAYS}-day objection period has ended")]
    NotListed,
    #[error("no proposal or objection has this receipt code; check the code you were given")]
    NoSuchSubmission,
    #[error("this proposal or objection has already been answered; an answer cannot be changed")]
    AlreadyClosed,
    #[error("no change request with this id exists in the submission's village; enter the request first, then accept with its id")]
    UnknownRequest,
    #[error("{field}: {problem}")]
    Field {
        field: &'static str,
        problem: &'static str,
    },
    #[error("the database failed; try again later")]
    Store,
}

impl Localized for CitizenError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            CitizenError::NotRecognised => "NIK dan nomor KK tidak cocok dengan data kependudukan; periksa kedua nomor di kartu keluarga (KK) Anda".into(),
            CitizenError::TooMany => "terlalu banyak percobaan; tunggu satu jam lalu coba lagi".into(),
            CitizenError::NotYourVillage => "hanya warga yang tinggal di desa/kelurahan ini yang dapat menyanggah daftarnya".into(),
            CitizenError::NotListed => format!("keluarga ini tidak ada di daftar desa/kelurahan, atau masa sanggah {OBJECTION_WINDOW_DAYS} harinya sudah berakhir"),
            CitizenError::NoSuchSubmission => "tidak ada usulan atau sanggahan dengan kode tanda terima ini; periksa kode yang Anda terima".into(),
            CitizenError::AlreadyClosed => "usulan atau sanggahan ini sudah dijawab; jawaban tidak dapat diubah".into(),
            CitizenError::UnknownRequest => "tidak ada permintaan perubahan dengan id ini di desa/kelurahan tersebut; masukkan permintaannya dulu, lalu terima dengan id-nya".into(),
            CitizenError::Field { field, problem } => format!("{}: {}", field_id(field), problem_id(problem)),
            CitizenError::Store => "basis data gagal; coba lagi nanti".into(),
        }
    }
}

fn field_id(field: &str) -> &'static str {
    match field {
        "name" => "nama",
        "address" => "alamat",
        "reason" => "alasan",
        "village" => "desa/kelurahan",
        "reply" => "jawaban",
        _ => "isian",
    }
}

fn problem_id(problem: &str) -> &'static str {
    match problem {
        "required" => "wajib diisi",
        "too long" => "terlalu panjang",
        "markup" => "tidak boleh memuat <, >, tanda petik atau awalan =, +, - atau @",
        "unknown village" => "kode desa/kelurahan tidak dikenal",
        _ => "tidak sah",
    }
}

impl From<StoreError> for CitizenError {
    fn from(_: StoreError) -> CitizenError {
        tracing::error!("a citizen's request failed on the database");
        CitizenError::Store
    }
}

/// Attempts allowed per client address and per NIK in one hour.
#[derive(Debug, Clone, Copy)]
pub struct LimitSettings {
    pub per_client: u32,
    pub per_nik: u32,
}

impl Default for LimitSettings {
    fn default() -> LimitSettings {
        LimitSettings {
            per_client: 20,
            per_nik: 5,
        }
    }
}

/// Attempts per hashed key: when the hour started and how many since.
type Counts = HashMap<[u8; 32], (DateTime<Utc>, u32)>;

/// The attempt counters (in memory, per server). A NIK is counted under a salted hash, never kept.
pub struct Limits {
    settings: LimitSettings,
    salt: [u8; 16],
    counts: Mutex<Counts>,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Limits {
        Limits {
            settings,
            salt: rand::random(),
            counts: Mutex::default(),
        }
    }

    fn key(&self, kind: &[u8], value: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(kind);
        h.update([0]);
        h.update(value);
        h.finalize().into()
    }

    /// Counts one attempt from `client` with `nik`; refuses when either is over its limit.
    fn attempt(
        &self,
        client: Option<&str>,
        nik: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CitizenError> {
        let client = client
            .map(|c| c.rsplit_once(':').map_or(c, |(ip, _)| ip))
            .unwrap_or("-");
        let keys = [
            (
                self.key(b"client", client.as_bytes()),
                self.settings.per_client,
            ),
            (self.key(b"nik", nik.as_bytes()), self.settings.per_nik),
        ];
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now - *start < Duration::hours(1));
        }
        let mut over = false;
        for (key, limit) in keys {
            let entry = counts.entry(key).or_insert((now, 0));
            if now - entry.0 >= Duration::hours(1) {
                *entry = (now, 0);
            }
            entry.1 += 1;
            over |= entry.1 > limit;
        }
        if over {
            Err(CitizenError::TooMany)
        } else {
            Ok(())
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new(LimitSettings::default())
    }
}

/// A citizen's NIK and KK number, as typed.
pub struct Proof<'a> {
    pub nik: &'a str,
    pub kk: &'a str,
}

/// The person whose NIK and KK number these are, alive, per the population extract.
pub async fn identify(
    store: &dyn Store,
    limits: &Limits,
    proof: &Proof<'_>,
    origin: &Origin,
) -> Result<PopulationPerson, CitizenError> {
    let nik_text: String = proof.nik.chars().filter(|c| !c.is_whitespace()).collect();
    let kk_text: String = proof.kk.chars().filter(|c| !c.is_whitespace()).collect();
    limits.attempt(origin.client.as_deref(), &nik_text, origin.now)?;
    let (Ok(nik), Ok(kk)) = (
        Nik::parse_structure(&nik_text),
        KkNumber::parse_structure(&kk_text),
    ) else {
        return Err(CitizenError::NotRecognised);
    };
    match store.population_person_by_nik(&nik).await? {
        Some(p) if p.record.kk_number == kk && p.record.death_date.is_none() => Ok(p),
        _ => Err(CitizenError::NotRecognised),
    }
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, CitizenError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(CitizenError::Field {
            field,
            problem: "required",
        });
    }
    if v.chars().count() > max {
        return Err(CitizenError::Field {
            field,
            problem: "too long",
        });
    }
    let markup = v
        .chars()
        .any(|c| (c.is_control() && c != '\n') || matches!(c, '<' | '>' | '"' | '`'));
    if markup || v.starts_with(['=', '+', '-', '@']) {
        return Err(CitizenError::Field {
            field,
            problem: "markup",
        });
    }
    Ok(v.to_owned())
}

fn address_of(p: &PopulationPerson) -> String {
    let r = &p.record;
    format!("{} RT {} RW {}", r.address, r.rt, r.rw)
}

/// A citizen proposes their own household: it lands with the operator of the village where the extract
/// says they live.
pub async fn propose_own(
    store: &dyn Store,
    limits: &Limits,
    proof: &Proof<'_>,
    reason: &str,
    origin: &Origin,
) -> Result<CitizenTip, CitizenError> {
    let reason = text("reason", reason, MAX_TEXT)?;
    let person = identify(store, limits, proof, origin).await?;
    let tip = CitizenTip {
        id: Uuid::now_v7(),
        village: person.record.village,
        kind: TipKind::Own,
        details: TipDetails {
            name: person.record.full_name.clone(),
            address: address_of(&person),
            reason,
            proposer: person.record.full_name.clone(),
        },
        created_at: origin.now,
    };
    audit_submission(store, AuditAction::CitizenProposal, &tip, origin).await?;
    store.intake_add_tip(&tip).await?;
    Ok(tip)
}

/// A citizen proposes a neighbour's household with what they can know: name, address, village and why.
#[allow(clippy::too_many_arguments)]
pub async fn propose_neighbour(
    store: &dyn Store,
    limits: &Limits,
    regions: &RegionTable,
    proof: &Proof<'_>,
    village: &str,
    name: &str,
    address: &str,
    reason: &str,
    origin: &Origin,
) -> Result<CitizenTip, CitizenError> {
    let village = match RegionCode::parse(village.trim()) {
        Ok(v) if v.level() == RegionLevel::DesaKelurahan && regions.get(&v).is_some() => v,
        _ => {
            return Err(CitizenError::Field {
                field: "village",
                problem: "unknown village",
            })
        }
    };
    let name = text("name", name, MAX_NAME)?;
    let address = text("address", address, MAX_TEXT)?;
    let reason = text("reason", reason, MAX_TEXT)?;
    let person = identify(store, limits, proof, origin).await?;
    let tip = CitizenTip {
        id: Uuid::now_v7(),
        village,
        kind: TipKind::Neighbour,
        details: TipDetails {
            name,
            address,
            reason,
            proposer: person.record.full_name.clone(),
        },
        created_at: origin.now,
    };
    audit_submission(store, AuditAction::CitizenProposal, &tip, origin).await?;
    store.intake_add_tip(&tip).await?;
    Ok(tip)
}

/// One line of a village's public list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub household: Uuid,
    /// `S****N M****D`: first and last letter of each word of the head of family's name.
    pub masked_name: String,
    pub approved_on: NaiveDate,
    /// The last day an objection is accepted.
    pub objection_until: NaiveDate,
}

/// The households of `village` approved into the registry within the objection window, masked.
pub async fn public_list(
    store: &dyn Store,
    village: &RegionCode,
    now: DateTime<Utc>,
) -> Result<Vec<Listed>, CitizenError> {
    let since = now - Duration::days(OBJECTION_WINDOW_DAYS);
    Ok(store
        .intake_published(village, since)
        .await?
        .into_iter()
        .map(|p| Listed {
            household: p.household,
            masked_name: mask_name(&p.head_name),
            approved_on: p.approved_at.date_naive(),
            objection_until: (p.approved_at + Duration::days(OBJECTION_WINDOW_DAYS)).date_naive(),
        })
        .collect())
}

/// An objection by a resident of `village` to a household on its list, inside the window. It lands in
/// that village's operator queue with the reason.
pub async fn object(
    store: &dyn Store,
    limits: &Limits,
    proof: &Proof<'_>,
    village: &RegionCode,
    household: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<Objection, CitizenError> {
    let reason = text("reason", reason, MAX_TEXT)?;
    let person = identify(store, limits, proof, origin).await?;
    if person.record.village != *village {
        return Err(CitizenError::NotYourVillage);
    }
    let listed = public_list(store, village, origin.now).await?;
    if !listed.iter().any(|l| l.household == household) {
        return Err(CitizenError::NotListed);
    }
    let objection = Objection {
        id: Uuid::now_v7(),
        village: *village,
        household,
        details: ObjectionDetails {
            reason,
            objector: person.record.full_name.clone(),
        },
        created_at: origin.now,
    };
    audit_submission(store, AuditAction::Objection, &objection, origin).await?;
    store.intake_add_objection(&objection).await?;
    Ok(objection)
}

/// Citizens' proposals inside the grant's scope, newest first (an audited read).
pub async fn tips(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    origin: &Origin,
) -> Result<Vec<CitizenTip>, CitizenError> {
    let found = store.intake_tips(&grant.scope(), 200).await?;
    audit_read(store, grant, "intake.tips", origin).await?;
    Ok(found)
}

/// Objections inside the grant's scope, newest first (an audited read).
pub async fn objections(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    origin: &Origin,
) -> Result<Vec<Objection>, CitizenError> {
    let found = store.intake_objections(&grant.scope(), 200).await?;
    audit_read(store, grant, "intake.objections", origin).await?;
    Ok(found)
}

/// What the audit log says about a citizen's submission: its kind, id and village.
trait Submitted {
    fn object(&self) -> (ObjectKind, Uuid, RegionCode, &'static str);
}

impl Submitted for CitizenTip {
    fn object(&self) -> (ObjectKind, Uuid, RegionCode, &'static str) {
        let purpose = match self.kind {
            TipKind::Own => "citizen.own",
            TipKind::Neighbour => "citizen.neighbour",
        };
        (ObjectKind::CitizenTip, self.id, self.village, purpose)
    }
}

impl Submitted for Objection {
    fn object(&self) -> (ObjectKind, Uuid, RegionCode, &'static str) {
        (
            ObjectKind::Objection,
            self.id,
            self.village,
            "citizen.objection",
        )
    }
}

/// The audit entry of a citizen's submission, written just before it is stored (so nothing stored is
/// unaudited; a failure in between leaves an entry whose id names nothing). The actor is
/// [`PUBLIC_ACTOR`] with role `citizen`: no account, and nothing of the NIK, KK number or names that
/// proved who they are.
async fn audit_submission(
    store: &dyn Store,
    action: AuditAction,
    submitted: &impl Submitted,
    origin: &Origin,
) -> Result<(), CitizenError> {
    let (object, id, village, purpose) = submitted.object();
    let entry = AuditEntry {
        actor: PUBLIC_ACTOR,
        role: Role::Citizen,
        action,
        object,
        object_id: Some(id),
        region: Some(village),
        purpose: purpose.into(),
        client: origin.client.clone(),
    };
    store.audit_record(&entry).await?;
    Ok(())
}

async fn audit_read(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    purpose: &str,
    origin: &Origin,
) -> Result<(), CitizenError> {
    let region = match grant.scope() {
        tepat_domain::Scope::Within(r) => Some(r),
        tepat_domain::Scope::All => None,
    };
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Registry,
        None,
        region,
        purpose,
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(())
}

/// How long officers have to answer objections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplySettings {
    pub answer_within_days: i64,
}

impl Default for ReplySettings {
    fn default() -> ReplySettings {
        ReplySettings {
            answer_within_days: ANSWER_WITHIN_DAYS,
        }
    }
}

impl ReplySettings {
    /// The last day to answer an objection submitted at `submitted_at`.
    pub fn answer_by(&self, submitted_at: DateTime<Utc>) -> NaiveDate {
        (submitted_at + Duration::days(self.answer_within_days)).date_naive()
    }
}

/// A proposal or objection in the officers' list, with its answer or its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answerable<T> {
    pub item: T,
    pub reply: Option<SubmissionReply>,
    /// Objections only: the last day to answer.
    pub answer_by: Option<NaiveDate>,
    /// Unanswered past `answer_by`.
    pub overdue: bool,
}

/// What arrived inside an officer's scope, newest first, with answers and deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbox {
    pub tips: Vec<Answerable<CitizenTip>>,
    pub objections: Vec<Answerable<Objection>>,
}

/// The officers' list: [`tips`] and [`objections`] with their answers; an unanswered objection past
/// its deadline is overdue.
pub async fn inbox(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    settings: &ReplySettings,
    origin: &Origin,
) -> Result<Inbox, CitizenError> {
    let tips = tips(store, grant, origin).await?;
    let objections = objections(store, grant, origin).await?;
    let oldest = tips
        .iter()
        .map(|t| t.created_at)
        .chain(objections.iter().map(|o| o.created_at))
        .min();
    let mut replies: HashMap<Uuid, SubmissionReply> = match oldest {
        Some(since) => store
            .intake_replies(&grant.scope(), since)
            .await?
            .into_iter()
            .map(|r| (r.submission, r))
            .collect(),
        None => HashMap::new(),
    };
    let today = origin.now.date_naive();
    Ok(Inbox {
        tips: tips
            .into_iter()
            .map(|t| Answerable {
                reply: replies.remove(&t.id),
                item: t,
                answer_by: None,
                overdue: false,
            })
            .collect(),
        objections: objections
            .into_iter()
            .map(|o| {
                let reply = replies.remove(&o.id);
                let answer_by = settings.answer_by(o.created_at);
                Answerable {
                    overdue: reply.is_none() && today > answer_by,
                    reply,
                    item: o,
                    answer_by: Some(answer_by),
                }
            })
            .collect(),
    })
}

/// Closes a citizen's proposal or objection inside the grant's scope with `outcome` and a reply the
/// citizen will read; once: a second answer is refused. Accepting names the registry request it became,
/// which must be in the submission's village.
pub async fn close(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    submission: Uuid,
    outcome: ReplyOutcome,
    reply: &str,
    origin: &Origin,
) -> Result<SubmissionReply, CitizenError> {
    let text = text("reply", reply, MAX_TEXT)?;
    let found = store
        .intake_submission(submission)
        .await?
        // Outside the scope reads as absent: an officer elsewhere learns nothing about it.
        .filter(|s| grant.covers(&s.village).is_ok())
        .ok_or(CitizenError::NoSuchSubmission)?;
    if found.reply.is_some() {
        return Err(CitizenError::AlreadyClosed);
    }
    if let ReplyOutcome::Accepted { request } = outcome {
        match store.registry_request(request).await? {
            Some(r) if r.request.village == found.village => {}
            _ => return Err(CitizenError::UnknownRequest),
        }
    }
    let answer = SubmissionReply {
        submission,
        kind: found.kind,
        village: found.village,
        outcome,
        text,
        submitted_at: found.submitted_at,
        replied_at: origin.now,
    };
    let object = match found.kind {
        SubmissionKind::Tip => ObjectKind::CitizenTip,
        SubmissionKind::Objection => ObjectKind::Objection,
    };
    let purpose = format!("citizen.reply:{}", outcome.code());
    let entry = audit_entry(
        grant,
        AuditAction::Advance,
        object,
        Some(submission),
        Some(found.village),
        &purpose,
        origin,
    );
    store.audit_record(&entry).await?;
    // The insert decides between two officers answering at once: only one row can exist.
    if !store.intake_add_reply(&answer).await? {
        return Err(CitizenError::AlreadyClosed);
    }
    Ok(answer)
}

/// What a citizen sees with their receipt code: the kind, when it was sent, and the answer if any.
/// `None` when no submission has this code (a malformed code included). A code is the submission's
/// UUIDv7 (74 random bits), too many to guess, so this check needs no attempt limit of its own.
pub async fn status(
    store: &dyn Store,
    receipt: &str,
) -> Result<Option<SubmissionState>, CitizenError> {
    let Ok(id) = Uuid::parse_str(receipt.trim()) else {
        return Ok(None);
    };
    Ok(store.intake_submission(id).await?)
}
