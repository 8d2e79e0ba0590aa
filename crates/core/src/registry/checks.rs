//! The checks every entry gets before it is proposed, shown to the operator with reasons: NIK and KK
//! number valid; each member in the population extract, alive, with name, birth date and sex agreeing
//! (names compared fuzzily with the linkage engine's comparators), and on that KK; and whether the
//! person is already in the registry in another household (decisions on such pairs are remembered).
//!
//! Checks do not refuse anything by themselves: the operator sees the findings, fixes what is a typo, and
//! proposes; the verifiers see the same findings later. Each finding has a stable code, a severity and a
//! message in both languages, and names members by id only.

use chrono::NaiveDate;
use tepat_domain::registry::{RegistryHousehold, RegistryMember};
use tepat_domain::{
    KkError, KkNumber, KnownRegions, Lang, Localized, Nik, NikError, NikFinding, RegionCode, Scope,
};
use tepat_linkage::compare::{dob_level, name_level, Field};
use tepat_linkage::{normalise_name, Explanation};
use tepat_store::{AuditAction, DuplicateVerdict, ObjectKind, PopulationPerson, Store};
use uuid::Uuid;

use super::duplicates::DuplicateIndex;
use super::{audit_entry, Origin, RegistryError};
use crate::access::{Grant, Propose};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; nothing to do.
    Info,
    /// Look again before proposing (a typo, a person who moved).
    Warning,
    /// Almost certainly wrong: an invalid number, a person who died, another person's NIK.
    Problem,
}

/// One reason shown to the operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    KkInvalid(KkError),
    NikInvalid {
        member: Uuid,
        error: NikError,
    },
    /// The NIK's encoded sex or birth date disagrees with what was entered.
    NikDisagrees {
        member: Uuid,
        finding: NikFinding,
    },
    NotInPopulation {
        member: Uuid,
    },
    Deceased {
        member: Uuid,
        on: NaiveDate,
    },
    /// The name agrees only partly (`level` of the linkage name comparison) or not at all.
    NameDiffers {
        member: Uuid,
        level: u8,
    },
    BirthDateDiffers {
        member: Uuid,
        level: u8,
    },
    SexDiffers {
        member: Uuid,
    },
    /// In the extract, but on another family card.
    OtherKk {
        member: Uuid,
    },
    /// The extract puts the person in another village.
    LivesElsewhere {
        member: Uuid,
        village: RegionCode,
    },
    /// The same NIK is in another registry household.
    AlreadyRegistered {
        member: Uuid,
        other_member: Uuid,
        other_household: Uuid,
        village: RegionCode,
        /// What an officer decided about this pair before, if anything.
        decided: Option<DuplicateVerdict>,
    },
    /// Another household's member (with another NIK) who may be the same person.
    PossibleDuplicate {
        member: Uuid,
        other_member: Uuid,
        other_household: Uuid,
        village: RegionCode,
        probability: f64,
        /// The linkage engine's field-by-field reasons (no personal values).
        explanation: Option<Explanation>,
        decided: Option<DuplicateVerdict>,
    },
}

impl Finding {
    pub fn code(&self) -> &'static str {
        match self {
            Finding::KkInvalid(e) => e.code(),
            Finding::NikInvalid { error, .. } => error.code(),
            Finding::NikDisagrees { .. } => "nik_disagrees",
            Finding::NotInPopulation { .. } => "not_in_population",
            Finding::Deceased { .. } => "deceased",
            Finding::NameDiffers { .. } => "name_differs",
            Finding::BirthDateDiffers { .. } => "birth_date_differs",
            Finding::SexDiffers { .. } => "sex_differs",
            Finding::OtherKk { .. } => "other_kk",
            Finding::LivesElsewhere { .. } => "lives_elsewhere",
            Finding::AlreadyRegistered { .. } => "already_registered",
            Finding::PossibleDuplicate { .. } => "possible_duplicate",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            Finding::KkInvalid(_)
            | Finding::NikInvalid { .. }
            | Finding::Deceased { .. }
            | Finding::SexDiffers { .. } => Severity::Problem,
            Finding::NameDiffers { level, .. } if *level >= NAME_DIFFERENT => Severity::Problem,
            // Other order, a small typo, one name inside the other, similar: worth a glance only.
            Finding::NameDiffers { level, .. } if *level < NAME_ONE_WORD => Severity::Info,
            Finding::AlreadyRegistered { decided, .. } => match decided {
                Some(DuplicateVerdict::Distinct) => Severity::Info,
                _ => Severity::Problem,
            },
            Finding::PossibleDuplicate {
                decided,
                probability,
                ..
            } => match decided {
                Some(DuplicateVerdict::Distinct) => Severity::Info,
                Some(DuplicateVerdict::Same) => Severity::Problem,
                None if *probability >= 0.9 => Severity::Problem,
                None => Severity::Warning,
            },
            Finding::NikDisagrees { .. }
            | Finding::NotInPopulation { .. }
            | Finding::NameDiffers { .. }
            | Finding::BirthDateDiffers { .. }
            | Finding::OtherKk { .. }
            | Finding::LivesElsewhere { .. } => Severity::Warning,
        }
    }

    /// The member the finding is about (`None`: the household).
    pub fn member(&self) -> Option<Uuid> {
        match self {
            Finding::KkInvalid(_) => None,
            Finding::NikInvalid { member, .. }
            | Finding::NikDisagrees { member, .. }
            | Finding::NotInPopulation { member }
            | Finding::Deceased { member, .. }
            | Finding::NameDiffers { member, .. }
            | Finding::BirthDateDiffers { member, .. }
            | Finding::SexDiffers { member }
            | Finding::OtherKk { member }
            | Finding::LivesElsewhere { member, .. }
            | Finding::AlreadyRegistered { member, .. }
            | Finding::PossibleDuplicate { member, .. } => Some(*member),
        }
    }
}

/// Name comparison levels (`tepat_linkage::Field::Name`): 1–5 agree (exact to similar), 6 only one word
/// agrees, 7 different.
const NAME_ONE_WORD: u8 = 6;
const NAME_DIFFERENT: u8 = 7;

impl Localized for Finding {
    fn message(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            Finding::KkInvalid(e) => e.message(lang),
            Finding::NikInvalid { error, .. } => error.message(lang),
            Finding::NikDisagrees { finding, .. } => finding.message(lang),
            Finding::NotInPopulation { .. } if en => {
                "not found in the population extract: check the NIK, or ask Dukcapil".into()
            }
            Finding::NotInPopulation { .. } => {
                "tidak ditemukan di data kependudukan: periksa NIK, atau tanyakan ke Dukcapil"
                    .into()
            }
            Finding::Deceased { on, .. } if en => {
                format!("the population extract records this person as deceased on {on}")
            }
            Finding::Deceased { on, .. } => {
                format!("data kependudukan mencatat orang ini meninggal pada {on}")
            }
            Finding::NameDiffers { level, .. } => name_message(*level, lang),
            Finding::BirthDateDiffers { level, .. } if en => format!(
                "the birth date differs from the population extract ({})",
                Field::BirthDate.levels()[usize::from(*level)]
            ),
            Finding::BirthDateDiffers { level, .. } => format!(
                "tanggal lahir berbeda dengan data kependudukan ({})",
                dob_label_id(*level)
            ),
            Finding::SexDiffers { .. } if en => {
                "the sex differs from the population extract".into()
            }
            Finding::SexDiffers { .. } => "jenis kelamin berbeda dengan data kependudukan".into(),
            Finding::OtherKk { .. } if en => {
                "the population extract lists this person on another family card (KK)".into()
            }
            Finding::OtherKk { .. } => {
                "data kependudukan mencatat orang ini pada kartu keluarga (KK) lain".into()
            }
            Finding::LivesElsewhere { village, .. } if en => format!(
                "the population extract puts this person in village {}",
                village.dotted()
            ),
            Finding::LivesElsewhere { village, .. } => format!(
                "data kependudukan mencatat orang ini tinggal di desa/kelurahan {}",
                village.dotted()
            ),
            Finding::AlreadyRegistered {
                village, decided, ..
            } => already_message(village, *decided, lang),
            Finding::PossibleDuplicate {
                village,
                probability,
                explanation,
                decided,
                ..
            } => duplicate_message(village, *probability, explanation.as_ref(), *decided, lang),
        }
    }
}

fn name_message(level: u8, lang: Lang) -> String {
    match (level >= NAME_DIFFERENT, lang) {
        (true, Lang::En) => "the name differs from the population extract".into(),
        (true, Lang::Id) => "nama berbeda dengan data kependudukan".into(),
        (false, Lang::En) => format!(
            "the name only partly agrees with the population extract ({})",
            Field::Name.levels()[usize::from(level)]
        ),
        (false, Lang::Id) => format!(
            "nama hanya sebagian sesuai dengan data kependudukan ({})",
            name_label_id(level)
        ),
    }
}

fn name_label_id(level: u8) -> &'static str {
    match level {
        2 => "urutan kata berbeda",
        3 => "salah ketik kecil",
        4 => "nama yang satu memuat yang lain",
        5 => "mirip",
        NAME_ONE_WORD => "hanya satu kata yang sama",
        _ => "berbeda",
    }
}

fn dob_label_id(level: u8) -> &'static str {
    match level {
        2 => "tanggal dan bulan tertukar",
        3 => "satu angka berbeda",
        4 => "dua angka berbeda atau tertukar",
        5 => "tahun sama",
        _ => "berbeda",
    }
}

fn already_message(village: &RegionCode, decided: Option<DuplicateVerdict>, lang: Lang) -> String {
    let v = village.dotted();
    match (decided, lang) {
        (Some(DuplicateVerdict::Distinct), Lang::En) => format!(
            "the same NIK is registered in another household (village {v}); an officer decided earlier that they are different people"
        ),
        (Some(DuplicateVerdict::Distinct), Lang::Id) => format!(
            "NIK yang sama terdaftar di keluarga lain (desa/kelurahan {v}); petugas sebelumnya memutuskan keduanya orang berbeda"
        ),
        (_, Lang::En) => format!(
            "the same NIK is already registered in another household (village {v}): a possible double registration"
        ),
        (_, Lang::Id) => format!(
            "NIK yang sama sudah terdaftar di keluarga lain (desa/kelurahan {v}): kemungkinan terdaftar ganda"
        ),
    }
}

fn duplicate_message(
    village: &RegionCode,
    probability: f64,
    explanation: Option<&Explanation>,
    decided: Option<DuplicateVerdict>,
    lang: Lang,
) -> String {
    let v = village.dotted();
    let pct = (probability * 100.0).round();
    let mut text = match (decided, lang) {
        (Some(DuplicateVerdict::Distinct), Lang::En) => format!(
            "resembles a member of another household (village {v}, {pct}%); an officer decided earlier that they are different people"
        ),
        (Some(DuplicateVerdict::Distinct), Lang::Id) => format!(
            "mirip anggota keluarga lain (desa/kelurahan {v}, {pct}%); petugas sebelumnya memutuskan keduanya orang berbeda"
        ),
        (_, Lang::En) => format!(
            "may be the same person as a member of another household (village {v}): probability {pct}%"
        ),
        (_, Lang::Id) => format!(
            "mungkin orang yang sama dengan anggota keluarga lain (desa/kelurahan {v}): peluang {pct}%"
        ),
    };
    if let Some(e) = explanation {
        // The linkage engine's own field-by-field terms (English, technical), for the verifier.
        text.push_str(" [");
        text.push_str(&e.to_compact());
        text.push(']');
    }
    text
}

/// Checks a household as entered (before or after it is proposed) against the region table, the
/// population extract and the registry. Reading the extract for these members is audited once.
pub async fn check_household(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    household: &RegistryHousehold,
    regions: &impl KnownRegions,
    duplicates: Option<&DuplicateIndex>,
    origin: &Origin,
) -> Result<Vec<Finding>, RegistryError> {
    grant.covers(&household.village)?;
    let mut findings = Vec::new();
    if let Err(e) = KkNumber::parse(household.kk_number.digits(), regions) {
        findings.push(Finding::KkInvalid(e));
    }
    for m in &household.members {
        check_member(store, household, m, regions, &mut findings).await?;
        if let Some(index) = duplicates {
            possible_duplicates(store, index, household, m, &mut findings).await?;
        }
    }
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Household,
        Some(household.id),
        Some(household.village),
        "registry.check",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(findings)
}

async fn check_member(
    store: &dyn Store,
    h: &RegistryHousehold,
    m: &RegistryMember,
    regions: &impl KnownRegions,
    out: &mut Vec<Finding>,
) -> Result<(), RegistryError> {
    let member = m.id;
    if let Err(error) = Nik::parse(m.nik.digits(), regions) {
        out.push(Finding::NikInvalid { member, error });
    }
    for finding in m.nik.check_record(m.sex, m.birth_date) {
        out.push(Finding::NikDisagrees { member, finding });
    }
    match store.population_person_by_nik(&m.nik).await? {
        None => out.push(Finding::NotInPopulation { member }),
        Some(p) => compare_with_population(h, m, &p, out),
    }
    for hit in store.registry_search_nik(&m.nik, &Scope::All).await? {
        if hit.household == h.id {
            continue;
        }
        let decided = store
            .registry_duplicate_decision(member, hit.member)
            .await?
            .map(|d| d.verdict);
        out.push(Finding::AlreadyRegistered {
            member,
            other_member: hit.member,
            other_household: hit.household,
            village: hit.village,
            decided,
        });
    }
    Ok(())
}

/// Fuzzy matches from the duplicate index, except those already reported for sharing the NIK.
async fn possible_duplicates(
    store: &dyn Store,
    index: &DuplicateIndex,
    h: &RegistryHousehold,
    m: &RegistryMember,
    out: &mut Vec<Finding>,
) -> Result<(), RegistryError> {
    for c in index.candidates(h, m) {
        let known = out.iter().any(|f| {
            matches!(f, Finding::AlreadyRegistered { member, other_member, .. }
                if *member == m.id && *other_member == c.member)
        });
        if known {
            continue;
        }
        let decided = store
            .registry_duplicate_decision(m.id, c.member)
            .await?
            .map(|d| d.verdict);
        out.push(Finding::PossibleDuplicate {
            member: m.id,
            other_member: c.member,
            other_household: c.household,
            village: c.village,
            probability: c.probability,
            explanation: c.explanation,
            decided,
        });
    }
    Ok(())
}

fn compare_with_population(
    h: &RegistryHousehold,
    m: &RegistryMember,
    p: &PopulationPerson,
    out: &mut Vec<Finding>,
) {
    let member = m.id;
    let r = &p.record;
    if let Some(on) = r.death_date {
        out.push(Finding::Deceased { member, on });
    }
    let (a, b) = (
        normalise_name(&m.full_name, None),
        normalise_name(&r.full_name, None),
    );
    let level = match name_level(&a.canonical(), &a.sorted(), &b.canonical(), &b.sorted()) {
        // A name that normalises to nothing (only titles or symbols) agrees with nothing.
        0 => NAME_DIFFERENT,
        level => level,
    };
    if level > 1 {
        out.push(Finding::NameDiffers { member, level });
    }
    let level = dob_level(Some(&dob(m.birth_date)), Some(&dob(r.birth_date)));
    if level > 1 {
        out.push(Finding::BirthDateDiffers { member, level });
    }
    if r.sex != m.sex {
        out.push(Finding::SexDiffers { member });
    }
    if r.kk_number != h.kk_number {
        out.push(Finding::OtherKk { member });
    } else if r.village != h.village {
        out.push(Finding::LivesElsewhere {
            member,
            village: r.village,
        });
    }
}

/// A date as the linkage comparators take it: `YYYYMMDD` digits.
fn dob(d: NaiveDate) -> [u8; 8] {
    let s = d.format("%Y%m%d").to_string();
    s.as_bytes().try_into().unwrap_or([b'0'; 8])
}
