//! The status card: everything a household may learn about itself after a NIK + KK check. Plain data
//! (serialised as snake_case JSON by `POST /api/v1/status-check`), without NIK, KK number or names.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use tepat_domain::distribution::{EntitlementState, PaymentState, Route};
use tepat_domain::{Lang, RegionCode, Rupiah};
use uuid::Uuid;

/// What one check shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCard {
    /// A citizen pass (`TPP1.…`, [`crate::portal::PassKey`]) for the forms that follow the check
    /// (rating, notification contacts, a complaint as oneself). Always the first field (the JSON API
    /// splices it into a card serialised beforehand).
    pub pass: String,
    /// The village the population extract says the person lives in.
    pub village: RegionCode,
    pub village_name: String,
    /// Whom to ask.
    pub contact: VillageContact,
    /// The household is in the social registry (verified, not only proposed).
    pub registered: bool,
    /// Where the household stands in the registry.
    pub registry: RegistryStage,
    /// The household's welfare decile (*desil*, 1 = poorest tenth of the regency), once ranked.
    pub desil: Option<u8>,
    /// Every program, with where the household stands in it.
    pub programs: Vec<ProgramStatus>,
    /// What to do next, if anything.
    pub advice: Advice,
    /// The in-app inbox: the household's latest notices, newest first.
    pub notices: Vec<NoticeView>,
    /// When the card was assembled from the database (cards are cached for a short while:
    /// `docs/status-check.md`, "Staleness").
    pub as_of: DateTime<Utc>,
}

/// Whom a citizen asks about their status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VillageContact {
    /// The public display names of the village's operators (*operator desa/kelurahan*).
    pub operators: Vec<String>,
    /// The social-affairs office (`[citizen] office_contact`): address, phone, hours.
    pub office: String,
}

/// The household in the social registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryStage {
    /// No registry household lists this person as an active member.
    NotListed,
    /// Proposed (*usulan*), waiting for the field visit and approval.
    Proposed,
    /// Verified and approved into the registry.
    Verified,
}

/// Where a household stands in one program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Not in the registry at all.
    NotListed,
    /// In the registry as a proposal, not verified yet.
    Proposed,
    /// Verified in the registry, not selected for this program.
    Verified,
    /// A beneficiary family (KPM, *keluarga penerima manfaat*): receives the program.
    Enrolled,
    /// Eligible, over the quota: waits for a place (`waitlist_rank`).
    Waitlisted,
    /// Enrolled, payments on hold.
    Suspended,
    /// Left the program (no longer selected, or a reason such as a move).
    Graduated,
}

impl Stage {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Stage::NotListed, Lang::Id) => "belum terdaftar",
            (Stage::NotListed, Lang::En) => "not registered",
            (Stage::Proposed, Lang::Id) => "diusulkan, menunggu verifikasi",
            (Stage::Proposed, Lang::En) => "proposed, awaiting verification",
            (Stage::Verified, Lang::Id) => "terdaftar, belum terpilih",
            (Stage::Verified, Lang::En) => "registered, not selected",
            (Stage::Enrolled, Lang::Id) => "penerima (KPM)",
            (Stage::Enrolled, Lang::En) => "recipient (KPM)",
            (Stage::Waitlisted, Lang::Id) => "daftar tunggu",
            (Stage::Waitlisted, Lang::En) => "waiting list",
            (Stage::Suspended, Lang::Id) => "ditangguhkan",
            (Stage::Suspended, Lang::En) => "suspended",
            (Stage::Graduated, Lang::Id) => "sudah tidak menerima",
            (Stage::Graduated, Lang::En) => "no longer receiving",
        }
    }
}

/// One program for the household.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramStatus {
    /// The program code, e.g. `PKH`.
    pub program: String,
    pub program_name: String,
    pub program_name_en: String,
    pub stage: Stage,
    /// Place on the village's waiting list (1 = next), when waitlisted.
    pub waitlist_rank: Option<u32>,
    /// What one cycle pays the household, when enrolled or waitlisted.
    pub amount_per_cycle: Option<Rupiah>,
    /// The next collection of cash or goods not handed over yet.
    pub next: Option<NextCollection>,
    /// Every entitlement of the household in this program, newest first.
    pub history: Vec<HistoryItem>,
}

/// Where and when to collect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextCollection {
    pub envelope_id: Uuid,
    pub cycle: String,
    /// Cash or goods.
    pub route: Route,
    pub point_code: String,
    pub point_name: String,
    pub day: NaiveDate,
    pub slot_start: Option<NaiveTime>,
    pub slot_end: Option<NaiveTime>,
    pub amount: Rupiah,
    /// The signed voucher (`TPV1.…`) to show as a QR code with the KTP, if the server can sign it.
    pub voucher: Option<String>,
}

/// One entitlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryItem {
    pub envelope_id: Uuid,
    pub cycle: String,
    pub amount: Rupiah,
    pub route: Route,
    pub state: EntitlementState,
    /// The latest transfer attempt's state (transfers only).
    pub payment_state: Option<PaymentState>,
    pub handed_over_at: Option<DateTime<Utc>>,
    /// The transparency-ledger entries of its steps, in order.
    pub ledger: Vec<LedgerLink>,
    /// Completed (paid or handed over), so it may be rated. The rating form refuses a second rating.
    pub rateable: bool,
}

/// One ledger entry of an entitlement's step, with the receipt page that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLink {
    /// `entitlement`, `payment_instruction`, `payment_result` or `handover`.
    pub step: &'static str,
    pub index: u64,
    /// The receipt page, e.g. `/ledger/bansos/receipt/42`.
    pub href: String,
}

impl LedgerLink {
    pub fn label(&self, lang: Lang) -> &'static str {
        match (self.step, lang) {
            ("entitlement", Lang::Id) => "hak",
            ("payment_instruction", Lang::Id) => "perintah bayar",
            ("payment_result", Lang::Id) => "hasil bayar",
            ("handover", Lang::Id) => "penyerahan",
            ("payment_instruction", Lang::En) => "payment instruction",
            ("payment_result", Lang::En) => "payment result",
            ("handover", Lang::En) => "hand-over",
            _ => "entitlement",
        }
    }
}

/// A notice of the household's inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeView {
    pub id: Uuid,
    /// `schedule`, `payment_sent`, `handover` or `fix_account`.
    pub kind: &'static str,
    pub program: String,
    pub cycle: String,
    /// The notice's text parts (JSON written by the distribution; no NIK, no names).
    pub body: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// What the household should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// Not in the registry: propose the household (online or at the village office).
    Propose,
    /// Proposed: wait for the field visit; ask the village operator.
    AwaitVerification,
    /// Registered, receives nothing: ask the village operator, or object to a decision.
    AskOperator,
    /// On a waiting list: nothing to do, a place opens when a recipient leaves.
    Wait,
    /// Receives aid: collect it as scheduled (voucher and KTP) or check the account.
    Collect,
}

impl Advice {
    pub fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Advice::Propose, Lang::Id) => "Keluarga Anda belum ada di data sosial. Ajukan usulan di kantor desa/kelurahan atau lewat menu Usulan warga, dengan KTP dan KK.",
            (Advice::Propose, Lang::En) => "Your household is not in the social registry. Propose it at the village office or through the citizen proposal page, with your KTP and KK.",
            (Advice::AwaitVerification, Lang::Id) => "Usulan keluarga Anda sedang menunggu verifikasi lapangan. Tanyakan jadwalnya kepada operator desa/kelurahan.",
            (Advice::AwaitVerification, Lang::En) => "Your household's proposal awaits the field visit. Ask the village operator when it will take place.",
            (Advice::AskOperator, Lang::Id) => "Keluarga Anda terdaftar tetapi belum terpilih untuk program bantuan. Jika keadaan keluarga berubah, hubungi operator desa/kelurahan; Anda juga dapat mengajukan sanggahan.",
            (Advice::AskOperator, Lang::En) => "Your household is registered but not selected for a program. If your situation has changed, contact the village operator; you may also file an objection.",
            (Advice::Wait, Lang::Id) => "Keluarga Anda ada di daftar tunggu. Tempat terbuka ketika penerima lain keluar dari program; tidak perlu mendaftar ulang.",
            (Advice::Wait, Lang::En) => "Your household is on a waiting list. A place opens when another recipient leaves the program; there is no need to register again.",
            (Advice::Collect, Lang::Id) => "Keluarga Anda penerima bantuan. Ambil bantuan sesuai jadwal dengan KTP dan voucher, atau periksa rekening Anda.",
            (Advice::Collect, Lang::En) => "Your household receives aid. Collect it as scheduled with your KTP and voucher, or check your account.",
        }
    }
}
