//! Uploading a CSV of proposals (`docs/proposals-csv.md`) and importing a sector agency's list.
//!
//! 1. The file as a whole: at most [`MAX_UPLOAD_BYTES`] and [`MAX_ROWS`], UTF-8, a header with every
//!    required column, each known column once. Otherwise [`UploadError`] and nothing is written.
//! 2. Every row against every rule (identity numbers, region codes, names without markup, dates, …) and
//!    the rules across rows: a NIK once in the file; the rows of one KK agreeing on village, address and
//!    RT/RW; exactly one head of family per KK.
//! 3. Every household whose rows are all valid: inside the uploader's scope; not already in the registry
//!    (a KK number of a proposed or registered household: reported, nothing created — this is what makes a
//!    second upload of the same file create nothing twice); then [`check_household`] (population extract,
//!    double registration, possible duplicates). A finding of severity `problem` refuses the household;
//!    warnings and infos are reported and the household is proposed (verifiers see the same findings).
//!    In [`Mode::Propose`] the household is first claimed (`intake_claim_upload`): of two uploads of one
//!    file at the same moment, the one that loses the claim reports it `already_in_registry`.
//! 4. In [`Mode::Propose`], each remaining household is proposed with [`propose_household`], each in its
//!    own transaction: a bad row never stops the valid households, and a household is never half-written.

use std::collections::HashMap;

use chrono::NaiveDate;
use tepat_domain::registry::{check_name, MemberStatus, Phone, RegistryHousehold, RegistryMember};
use tepat_domain::survey::Sector;
use tepat_domain::{
    KkNumber, Lang, Localized, Nik, RegionCode, RegionLevel, Relationship, Scope, Sex,
};
use tepat_regions::RegionTable;
use tepat_store::{HouseholdState, Store};
use uuid::Uuid;

use super::columns::Column;
use super::error::UploadError;
use super::parse::{parse, Parsed, RawRow};
use super::report::{
    mask_identifier, HouseholdOutcome, Outcome, RowProblem, Severity, UploadReport,
};
use crate::access::{Actor, Denied, Grant, ImportAgencyList, Propose};
use crate::registry::{
    check_household, propose_household, DuplicateIndex, Finding, Origin, RegistryError,
};

/// The largest file accepted: 4 MiB, about 25,000 rows of a typical file.
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;
/// The most data rows in one file.
pub const MAX_ROWS: usize = 20_000;
/// Longest field.
const MAX_FIELD_CHARS: usize = 255;
/// Longest address (as the registry record allows).
const MAX_ADDRESS_CHARS: usize = 200;
/// Longest reason (as the workflow allows).
const MAX_REASON_CHARS: usize = 500;

/// How long a household claimed by an upload stays its own: far longer than proposing one household
/// takes, short enough that a household of an upload that died can be uploaded again the same day.
const CLAIM_LEASE_MINUTES: i64 = 10;

/// Check only (nothing proposed; the report says what would happen) or check and propose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    Propose,
}

/// The sectors a sector agency (OPD) list may be for.
const AGENCY_SECTORS: [Sector; 4] = [
    Sector::Nelayan,
    Sector::Kukm,
    Sector::Phk,
    Sector::Dirumahkan,
];

/// An operator's (village, district, agency or Dinas Sosial) CSV of proposals, with their `Propose`
/// grant: households outside its scope are refused, each with its lines.
pub async fn upload_proposals(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    file: &[u8],
    mode: Mode,
    regions: &RegionTable,
    duplicates: Option<&DuplicateIndex>,
    origin: &Origin,
) -> Result<UploadReport, UploadError> {
    let covers = |v: &RegionCode| grant.covers(v);
    let job = Job {
        store,
        actor: grant.actor(),
        covers: &covers,
        sector: None,
        regions,
        duplicates,
        origin,
    };
    job.run(file, mode).await
}

/// A sector agency's list (fishers, small businesses, laid-off or furloughed workers) imported as
/// proposals, with the agency officer's `ImportAgencyList` grant; `sector` is recorded with every
/// proposal (a row's own `sector` cell, if filled, wins for that member).
#[allow(clippy::too_many_arguments)]
pub async fn import_agency_list(
    store: &dyn Store,
    grant: &Grant<'_, ImportAgencyList>,
    sector: Sector,
    file: &[u8],
    mode: Mode,
    regions: &RegionTable,
    duplicates: Option<&DuplicateIndex>,
    origin: &Origin,
) -> Result<UploadReport, UploadError> {
    if !AGENCY_SECTORS.contains(&sector) {
        return Err(UploadError::NotAnAgencySector);
    }
    let covers = |v: &RegionCode| grant.covers(v);
    let job = Job {
        store,
        actor: grant.actor(),
        covers: &covers,
        sector: Some(sector),
        regions,
        duplicates,
        origin,
    };
    job.run(file, mode).await
}

struct Job<'a> {
    store: &'a dyn Store,
    actor: &'a Actor,
    covers: &'a (dyn Fn(&RegionCode) -> Result<(), Denied> + Sync),
    /// The agency list's sector, `None` for an operator's upload.
    sector: Option<Sector>,
    regions: &'a RegionTable,
    duplicates: Option<&'a DuplicateIndex>,
    origin: &'a Origin,
}

/// A valid row.
struct Row {
    line: u64,
    kk: KkNumber,
    village: RegionCode,
    address: String,
    rt: String,
    rw: String,
    member: RegistryMember,
    sector: Option<Sector>,
    reason: String,
}

/// The rows of one KK number, in file order.
struct Group {
    key: String,
    lines: Vec<u64>,
    rows: Vec<Row>,
    bad: bool,
}

impl Job<'_> {
    async fn run(&self, file: &[u8], mode: Mode) -> Result<UploadReport, UploadError> {
        if file.len() > MAX_UPLOAD_BYTES {
            return Err(UploadError::TooLarge {
                size: file.len(),
                max: MAX_UPLOAD_BYTES,
                rows: MAX_ROWS,
            });
        }
        let parsed = parse(file, MAX_ROWS)?;
        let mut report = UploadReport {
            rows: parsed.rows.len(),
            ..UploadReport::default()
        };
        let groups = self.rows(&parsed, &mut report.problems);
        for group in groups {
            let outcome = self.household(group.0, mode, &mut report.problems).await;
            report.households.push(HouseholdOutcome {
                line: group.1,
                rows: group.2,
                outcome,
            });
            if matches!(
                outcome,
                Outcome::Proposed {
                    request: Some(_),
                    ..
                }
            ) {
                report.written = true;
            }
        }
        report.problems.sort_by_key(|p| p.line);
        Ok(report)
    }

    /// Checks every row and groups them by KK number: (group, first line, rows).
    fn rows(&self, parsed: &Parsed, problems: &mut Vec<RowProblem>) -> Vec<(Group, u64, usize)> {
        let today = self.origin.now.date_naive();
        let mut first_nik: HashMap<&str, u64> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, Group> = HashMap::new();
        for raw in &parsed.rows {
            let kk_text = parsed.get(raw, Column::KkNumber);
            let key = if kk_text.is_empty() {
                format!("line {}", raw.line)
            } else {
                kk_text.to_owned()
            };
            let group = groups.entry(key.clone()).or_insert_with(|| {
                order.push(key.clone());
                Group {
                    key,
                    lines: Vec::new(),
                    rows: Vec::new(),
                    bad: false,
                }
            });
            group.lines.push(raw.line);
            let mut found = Vec::new();
            let row = self.row(parsed, raw, today, &mut found);
            let nik = parsed.get(raw, Column::Nik);
            if !nik.is_empty() && raw.fields.len() == parsed.width {
                match first_nik.get(nik) {
                    Some(first) => found.push(problem(
                        raw.line,
                        Column::Nik.name(),
                        "nik_duplicate_in_file",
                        format!("NIK yang sama sudah ada di baris {first}; hanya satu yang dapat diusulkan"),
                        format!("the same NIK is already on line {first}; only one can be proposed"),
                        mask_identifier(nik),
                    )),
                    None => {
                        first_nik.insert(nik, raw.line);
                    }
                }
            }
            match row {
                Some(row) if found.is_empty() => group.rows.push(row),
                _ => group.bad = true,
            }
            problems.append(&mut found);
        }
        order
            .into_iter()
            .filter_map(|k| groups.remove(&k))
            .map(|mut g| {
                let first = g.lines[0];
                let n = g.lines.len();
                if !g.bad {
                    self.across(&mut g, problems);
                }
                (g, first, n)
            })
            .collect()
    }

    /// The rules across the rows of one KK: same village, address and RT/RW; one head.
    fn across(&self, g: &mut Group, problems: &mut Vec<RowProblem>) {
        let first = &g.rows[0];
        let mut found = Vec::new();
        for r in &g.rows[1..] {
            let differs = [
                (
                    r.village != first.village,
                    Column::VillageCode,
                    r.village.dotted(),
                ),
                (
                    r.address != first.address,
                    Column::Address,
                    r.address.clone(),
                ),
                (r.rt != first.rt, Column::Rt, r.rt.clone()),
                (r.rw != first.rw, Column::Rw, r.rw.clone()),
            ];
            for (d, column, value) in differs {
                if d {
                    found.push(problem(
                        r.line,
                        column.name(),
                        "household_fields_differ",
                        format!(
                            "baris-baris satu KK harus sama pada kolom {}; berbeda dengan baris {}",
                            column.name(),
                            first.line
                        ),
                        format!(
                            "the rows of one KK must agree on {}; this differs from line {}",
                            column.name(),
                            first.line
                        ),
                        value,
                    ));
                }
            }
        }
        let heads = g
            .rows
            .iter()
            .filter(|r| r.member.relationship == Relationship::KepalaKeluarga)
            .count();
        if heads != 1 {
            let (code, id, en) = if heads == 0 {
                (
                    "household_no_head",
                    "tidak ada baris KK ini dengan hubungan kepala_keluarga".to_owned(),
                    "no row of this KK has relationship kepala_keluarga".to_owned(),
                )
            } else {
                (
                    "household_several_heads",
                    format!(
                        "{heads} baris KK ini adalah kepala keluarga; satu KK punya tepat satu"
                    ),
                    format!("{heads} rows of this KK are the head of family; a KK has exactly one"),
                )
            };
            found.push(problem(
                first.line,
                Column::Relationship.name(),
                code,
                id,
                en,
                String::new(),
            ));
        }
        if !found.is_empty() {
            g.bad = true;
            problems.append(&mut found);
        }
    }

    /// One row against every rule of its cells.
    fn row(
        &self,
        parsed: &Parsed,
        raw: &RawRow,
        today: NaiveDate,
        out: &mut Vec<RowProblem>,
    ) -> Option<Row> {
        let line = raw.line;
        if raw.fields.len() != parsed.width {
            out.push(problem(
                line,
                "row",
                "row_field_count",
                format!(
                    "baris ini berisi {} kolom; judulnya {}",
                    raw.fields.len(),
                    parsed.width
                ),
                format!(
                    "the row has {} fields; the header has {}",
                    raw.fields.len(),
                    parsed.width
                ),
                String::new(),
            ));
            return None;
        }
        let get = |c: Column| parsed.get(raw, c);
        let before = out.len();
        for c in super::columns::COLUMNS {
            if get(c).chars().count() > MAX_FIELD_CHARS {
                out.push(problem(
                    line,
                    c.name(),
                    "field_too_long",
                    format!("lebih dari {MAX_FIELD_CHARS} karakter"),
                    format!("more than {MAX_FIELD_CHARS} characters"),
                    String::new(),
                ));
            }
        }
        if out.len() > before {
            return None;
        }
        let mut bad = |code: &'static str, column: Column, id: String, en: String| {
            let v = get(column);
            let value = if column.is_identifier() {
                mask_identifier(v)
            } else {
                v.chars().take(100).collect()
            };
            out.push(problem(line, column.name(), code, id, en, value));
        };
        let kk = match KkNumber::parse(get(Column::KkNumber), self.regions) {
            Ok(k) => Some(k),
            Err(e) => {
                bad(
                    e.code(),
                    Column::KkNumber,
                    e.message(Lang::Id),
                    e.message(Lang::En),
                );
                None
            }
        };
        let village = self.village(get(Column::VillageCode), &mut bad);
        let address = get(Column::Address);
        if !clean_text(address, MAX_ADDRESS_CHARS) {
            bad(
                "address_invalid",
                Column::Address,
                format!("alamat paling banyak {MAX_ADDRESS_CHARS} karakter, tanpa <, >, tanda petik atau awalan =, +, - atau @"),
                format!("the address must be at most {MAX_ADDRESS_CHARS} characters without <, >, quotes or a leading =, +, - or @"),
            );
        }
        for c in [Column::Rt, Column::Rw] {
            let s = get(c);
            if !((1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())) {
                bad(
                    "rt_rw_invalid",
                    c,
                    "RT dan RW harus 1–3 angka, mis. 003".into(),
                    "RT and RW must be 1–3 digits, e.g. 003".into(),
                );
            }
        }
        let nik = match Nik::parse(get(Column::Nik), self.regions) {
            Ok(n) => Some(n),
            Err(e) => {
                bad(
                    e.code(),
                    Column::Nik,
                    e.message(Lang::Id),
                    e.message(Lang::En),
                );
                None
            }
        };
        let name = get(Column::FullName);
        if name.is_empty() {
            bad(
                "full_name_missing",
                Column::FullName,
                "nama kosong".into(),
                "the name is empty".into(),
            );
        } else if name.contains(['<', '>']) {
            bad(
                "full_name_markup",
                Column::FullName,
                "nama tidak boleh memuat < atau > (HTML); tulis nama seperti di KK".into(),
                "names may not contain < or > (HTML); write the name as on the KK".into(),
            );
        } else if let Err(e) = check_name(name) {
            bad(
                "full_name_invalid",
                Column::FullName,
                e.message(Lang::Id),
                e.message(Lang::En),
            );
        }
        let sex = match get(Column::Sex) {
            "" => {
                bad(
                    "sex_missing",
                    Column::Sex,
                    "jenis kelamin kosong".into(),
                    "the sex is empty".into(),
                );
                None
            }
            s => match s.to_ascii_uppercase().as_str() {
                "L" => Some(Sex::LakiLaki),
                "P" => Some(Sex::Perempuan),
                _ => Sex::parse(s).or_else(|| {
                    bad(
                        "sex_invalid",
                        Column::Sex,
                        "jenis kelamin harus L atau P".into(),
                        "the sex must be L or P".into(),
                    );
                    None
                }),
            },
        };
        let birth = match get(Column::BirthDate) {
            "" => {
                bad(
                    "birth_date_missing",
                    Column::BirthDate,
                    "tanggal lahir kosong".into(),
                    "the birth date is empty".into(),
                );
                None
            }
            s => match strict_date(s) {
                Some(d) if d > today => {
                    bad(
                        "birth_date_future",
                        Column::BirthDate,
                        "tanggal lahir di masa depan".into(),
                        "the birth date is in the future".into(),
                    );
                    None
                }
                Some(d) => Some(d),
                None => {
                    bad(
                        "birth_date_invalid",
                        Column::BirthDate,
                        "tanggal lahir harus tanggal nyata dalam bentuk TTTT-BB-HH, mis. 1985-01-31".into(),
                        "the birth date must be a real date written YYYY-MM-DD, e.g. 1985-01-31".into(),
                    );
                    None
                }
            },
        };
        let relationship = match get(Column::Relationship) {
            "" => {
                bad(
                    "relationship_missing",
                    Column::Relationship,
                    "hubungan dengan kepala keluarga kosong".into(),
                    "the relationship to the head is empty".into(),
                );
                None
            }
            s => Relationship::parse(s).or_else(|| {
                bad(
                    "relationship_invalid",
                    Column::Relationship,
                    "hubungan harus salah satu dari kepala_keluarga, suami_istri, anak, menantu, cucu, orang_tua, mertua, famili_lain, lainnya".into(),
                    "the relationship must be one of kepala_keluarga, suami_istri, anak, menantu, cucu, orang_tua, mertua, famili_lain, lainnya".into(),
                );
                None
            }),
        };
        let phone = match get(Column::Phone) {
            "" => Some(None),
            s => match Phone::parse(s) {
                Ok(p) => Some(Some(p)),
                Err(e) => {
                    bad(
                        "phone_invalid",
                        Column::Phone,
                        e.message(Lang::Id),
                        e.message(Lang::En),
                    );
                    None
                }
            },
        };
        let sector = match get(Column::Sector) {
            "" => Some(self.sector),
            s => match Sector::parse(s) {
                Some(sec) => Some(Some(sec)),
                None => {
                    bad(
                        "sector_invalid",
                        Column::Sector,
                        "sektor tidak dikenal; mis. nelayan, kukm, phk, dirumahkan".into(),
                        "unknown sector; e.g. nelayan, kukm, phk, dirumahkan".into(),
                    );
                    None
                }
            },
        };
        let reason = get(Column::Reason);
        if reason.chars().count() > MAX_REASON_CHARS {
            bad(
                "reason_too_long",
                Column::Reason,
                format!("alasan paling banyak {MAX_REASON_CHARS} karakter"),
                format!("the reason may have at most {MAX_REASON_CHARS} characters"),
            );
        }
        if out.len() > before {
            return None;
        }
        Some(Row {
            line,
            kk: kk?,
            village: village?,
            address: address.to_owned(),
            rt: get(Column::Rt).to_owned(),
            rw: get(Column::Rw).to_owned(),
            member: RegistryMember {
                id: Uuid::now_v7(),
                nik: nik?,
                full_name: name.to_owned(),
                sex: sex?,
                birth_date: birth?,
                relationship: relationship?,
                phone: phone?,
                survey: None,
                status: MemberStatus::Active,
            },
            sector: sector?,
            reason: reason.to_owned(),
        })
    }

    fn village(
        &self,
        s: &str,
        bad: &mut impl FnMut(&'static str, Column, String, String),
    ) -> Option<RegionCode> {
        let c = Column::VillageCode;
        if s.is_empty() {
            bad(
                "village_code_missing",
                c,
                "kode desa/kelurahan kosong".into(),
                "the village code is empty".into(),
            );
            return None;
        }
        let Ok(code) = RegionCode::parse(s) else {
            bad(
                "village_code_invalid",
                c,
                "kode wilayah harus berbentuk PP.KK.CC.DDDD (angka dan titik)".into(),
                "a region code is written PP.KK.CC.DDDD (digits and dots)".into(),
            );
            return None;
        };
        if code.level() != RegionLevel::DesaKelurahan {
            bad(
                "village_code_not_a_village",
                c,
                "kode ini bukan desa/kelurahan (10 angka)".into(),
                "this code is not a desa/kelurahan (10 digits)".into(),
            );
            return None;
        }
        if self.regions.get(&code).is_none() {
            bad(
                "village_code_unknown",
                c,
                "kode desa/kelurahan tidak ada di tabel wilayah Kemendagri".into(),
                "the village code is not in the Kemendagri region table".into(),
            );
            return None;
        }
        Some(code)
    }

    /// One household whose rows passed (or not): scope, registry, checks, proposal.
    async fn household(&self, g: Group, mode: Mode, problems: &mut Vec<RowProblem>) -> Outcome {
        if g.bad || g.rows.is_empty() {
            return Outcome::Refused;
        }
        let first = &g.rows[0];
        let line = first.line;
        let village = first.village;
        let refuse =
            |problems: &mut Vec<RowProblem>, code, id: String, en: String, column: &'static str| {
                problems.push(problem(line, column, code, id, en, String::new()));
                Outcome::Refused
            };
        let grant = match (self.covers)(&village).and_then(|()| self.actor.may::<Propose>(&village))
        {
            Ok(g) => g,
            Err(d) => {
                return refuse(
                    problems,
                    "village_outside_scope",
                    format!("{}; keluarga ini tidak diusulkan", d.message(Lang::Id)),
                    format!("{}; this household was not proposed", d.message(Lang::En)),
                    Column::VillageCode.name(),
                )
            }
        };
        let household = RegistryHousehold {
            id: Uuid::now_v7(),
            kk_number: first.kk,
            village,
            address: first.address.clone(),
            rt: first.rt.clone(),
            rw: first.rw.clone(),
            location: None,
            survey: None,
            account: None,
            members: g.rows.iter().map(|r| r.member.clone()).collect(),
        };
        if let Err(e) = household.validate() {
            return refuse(
                problems,
                e.code(),
                e.message(Lang::Id),
                e.message(Lang::En),
                "household",
            );
        }
        match self.store.registry_search_kk(&first.kk, &Scope::All).await {
            Ok(hits) => {
                let open = hits.iter().find(|h| {
                    matches!(
                        h.household_state,
                        HouseholdState::Proposed | HouseholdState::Active
                    )
                });
                if let Some(hit) = open {
                    let v = hit.village.dotted();
                    problems.push(problem(
                        line,
                        Column::KkNumber.name(),
                        "already_in_registry",
                        format!("KK ini sudah ada di registri (diusulkan atau terdaftar, desa/kelurahan {v}); tidak dibuat lagi"),
                        format!("this KK is already in the registry (proposed or registered, village {v}); nothing was created"),
                        mask_identifier(g.key.as_str()),
                    ));
                    return Outcome::AlreadyInRegistry;
                }
            }
            Err(e) => return self.failed(problems, line, RegistryError::Store(e)),
        }
        // Claimed before the checks, so that the upload that loses a race stops here rather than in
        // the checks (which would see the winner's proposal as a double registration).
        let id = household.id;
        let kk = household.kk_number;
        if mode == Mode::Propose {
            match self.claim(&village, &kk, id).await {
                Ok(true) => {}
                Ok(false) => {
                    problems.push(problem(
                        line,
                        Column::KkNumber.name(),
                        "already_in_registry",
                        "KK ini sedang diusulkan oleh unggahan lain; tidak dibuat lagi".into(),
                        "another upload is proposing this KK right now; nothing was created".into(),
                        mask_identifier(g.key.as_str()),
                    ));
                    return Outcome::AlreadyInRegistry;
                }
                Err(e) => return self.failed(problems, line, RegistryError::Store(e)),
            }
        }
        let outcome = self.checked(household, &grant, g, mode, problems).await;
        if mode == Mode::Propose && !matches!(outcome, Outcome::Proposed { .. }) {
            self.release(&village, &kk, id).await;
        }
        outcome
    }

    /// The checks of a household (claimed, in [`Mode::Propose`]) and its proposal.
    async fn checked(
        &self,
        household: RegistryHousehold,
        grant: &Grant<'_, Propose>,
        g: Group,
        mode: Mode,
        problems: &mut Vec<RowProblem>,
    ) -> Outcome {
        let line = g.rows[0].line;
        let lines: HashMap<Uuid, u64> = g.rows.iter().map(|r| (r.member.id, r.line)).collect();
        let findings = match check_household(
            self.store,
            grant,
            &household,
            self.regions,
            self.duplicates,
            self.origin,
        )
        .await
        {
            Ok(f) => f,
            Err(e) => return self.failed(problems, line, e),
        };
        let mut refused = false;
        for f in &findings {
            let severity = match f.severity() {
                crate::registry::Severity::Problem => Severity::Error,
                crate::registry::Severity::Warning => Severity::Warning,
                crate::registry::Severity::Info => Severity::Info,
            };
            refused |= severity == Severity::Error;
            problems.push(RowProblem {
                line: f
                    .member()
                    .and_then(|m| lines.get(&m).copied())
                    .unwrap_or(line),
                column: finding_column(f),
                code: f.code(),
                severity,
                reason_id: f.message(Lang::Id),
                reason_en: f.message(Lang::En),
                value: String::new(),
            });
        }
        if refused {
            return Outcome::Refused;
        }
        if mode == Mode::Check {
            return Outcome::Proposed {
                request: None,
                household: household.id,
            };
        }
        let reason = self.reason(&g.rows);
        let id = household.id;
        match propose_household(self.store, grant, household, &reason, self.origin).await {
            Ok(request) => Outcome::Proposed {
                request: Some(request.id),
                household: id,
            },
            Err(e) => self.failed(problems, line, e),
        }
    }

    /// Gives up a claim whose household was not proposed, so that a corrected file can propose it.
    async fn release(&self, village: &RegionCode, kk: &KkNumber, household: Uuid) {
        if let Err(error) = self
            .store
            .intake_release_upload(village, kk, household)
            .await
        {
            tracing::error!(%error, "an upload's claim on a household was not released");
        }
    }

    /// Claims the household for this upload, so that another upload of the same file at the same time
    /// does not propose it too (the registry check above cannot see a proposal not yet written). A
    /// claim older than [`CLAIM_LEASE_MINUTES`] belongs to an upload that died and is taken over.
    async fn claim(
        &self,
        village: &RegionCode,
        kk: &KkNumber,
        household: Uuid,
    ) -> Result<bool, tepat_store::StoreError> {
        let now = self.origin.now;
        let stale = now - chrono::Duration::minutes(CLAIM_LEASE_MINUTES);
        self.store
            .intake_claim_upload(village, kk, household, now, stale)
            .await
    }

    fn failed(&self, problems: &mut Vec<RowProblem>, line: u64, e: RegistryError) -> Outcome {
        if matches!(e, RegistryError::Store(_)) {
            tracing::error!(
                code = e.code(),
                "an upload's household failed on the database"
            );
        }
        problems.push(problem(
            line,
            "household",
            "propose_failed",
            format!("{}; keluarga ini tidak diusulkan", e.message(Lang::Id)),
            format!("{}; this household was not proposed", e.message(Lang::En)),
            String::new(),
        ));
        Outcome::Refused
    }

    /// The proposal's reason: the file's (first filled `reason` cell of the KK) or a default, with the
    /// sectors of its members and, for an agency list, where it came from.
    fn reason(&self, rows: &[Row]) -> String {
        let given = rows
            .iter()
            .map(|r| r.reason.as_str())
            .find(|r| !r.is_empty());
        let mut sectors: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.sector.map(|s| s.code()))
            .collect();
        sectors.sort_unstable();
        sectors.dedup();
        let base = match (given, self.sector) {
            (Some(r), _) => r.to_owned(),
            (None, Some(_)) => "usulan dari daftar OPD (unggahan CSV)".to_owned(),
            (None, None) => "usulan dari unggahan CSV".to_owned(),
        };
        let mut tail = String::new();
        if let Some(s) = self.sector {
            tail.push_str(&format!(" [daftar OPD: {}]", s.code()));
        }
        if !sectors.is_empty() {
            tail.push_str(&format!(" [sektor: {}]", sectors.join(", ")));
        }
        let room = MAX_REASON_CHARS.saturating_sub(tail.chars().count());
        let mut reason: String = base.chars().take(room).collect();
        reason.push_str(&tail);
        reason
    }
}

fn problem(
    line: u64,
    column: &'static str,
    code: &'static str,
    reason_id: String,
    reason_en: String,
    value: String,
) -> RowProblem {
    RowProblem {
        line,
        column,
        code,
        severity: Severity::Error,
        reason_id,
        reason_en,
        value,
    }
}

/// The column a finding of `check_household` is about.
fn finding_column(f: &Finding) -> &'static str {
    match f {
        Finding::KkInvalid(_) | Finding::OtherKk { .. } => Column::KkNumber.name(),
        Finding::NameDiffers { .. } | Finding::PossibleDuplicate { .. } => Column::FullName.name(),
        Finding::BirthDateDiffers { .. } => Column::BirthDate.name(),
        Finding::SexDiffers { .. } => Column::Sex.name(),
        Finding::LivesElsewhere { .. } => Column::VillageCode.name(),
        Finding::NikInvalid { .. }
        | Finding::NikDisagrees { .. }
        | Finding::NotInPopulation { .. }
        | Finding::Deceased { .. }
        | Finding::AlreadyRegistered { .. } => Column::Nik.name(),
    }
}

/// `YYYY-MM-DD` exactly, a real date.
fn strict_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Free text the registry accepts: at most `max` characters, no markup, quotes or control characters,
/// no leading formula character.
fn clean_text(s: &str, max: usize) -> bool {
    let markup = s
        .chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '`'));
    let formula = s.trim_start().starts_with(['=', '+', '-', '@']);
    s.chars().count() <= max && !markup && !formula
}
