use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::lang::{Lang, Localized};
use crate::person::{Relationship, Sex};
use crate::region::RegionCode;
use crate::rupiah::Rupiah;
use crate::survey::{Disability, MemberSurvey, SchoolLevel, Sector};
use crate::targeting::HouseholdFacts;
use crate::targeting::{Desil, MemberFacts, NATIONAL_PROGRAMS};

const DEFAULT: &str = include_str!("../../../../programs/default.toml");

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The reference date benefits are computed on: the start of the 2027 period.
fn on() -> NaiveDate {
    date(2027, 1, 1)
}

/// A member `age` whole years old on [`on`], with survey answers.
fn member(age: i32, pregnant: bool, disability: Disability, school: SchoolLevel) -> MemberFacts {
    MemberFacts {
        birth_date: date(2027 - age, 1, 1),
        sex: Sex::Perempuan,
        relationship: Relationship::Anak,
        survey: Some(MemberSurvey {
            sector: Sector::Lainnya,
            disability,
            chronic_illness: false,
            pregnant,
            school_level: school,
        }),
    }
}

fn adult(age: i32) -> MemberFacts {
    member(age, false, Disability::Tidak, SchoolLevel::TidakSekolah)
}

fn pregnant() -> MemberFacts {
    member(25, true, Disability::Tidak, SchoolLevel::TidakSekolah)
}

fn pupil(age: i32, school: SchoolLevel) -> MemberFacts {
    member(age, false, Disability::Tidak, school)
}

fn household(desil: u8, members: Vec<MemberFacts>) -> HouseholdFacts {
    HouseholdFacts {
        id: Uuid::nil(),
        village: RegionCode::parse("19.02.01.2001").unwrap(),
        survey: None,
        members,
        desil: Desil::new(desil),
        welfare: None,
        enrolled: Vec::new(),
    }
}

fn rp(n: i64) -> Rupiah {
    Rupiah::new(n)
}

fn pkh_quarter(members: Vec<MemberFacts>) -> Benefit {
    Programs::builtin()
        .get("PKH")
        .unwrap()
        .benefit(&household(2, members), on())
}

fn counts(b: &Benefit) -> Vec<(&str, u32)> {
    b.parts
        .iter()
        .map(|p| (p.component.as_str(), p.count))
        .collect()
}

#[test]
fn the_default_programs_load_with_the_national_codes() {
    let programs = Programs::builtin();
    let codes: Vec<&str> = programs.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "PKH",
            "SEMBAKO",
            "BLT-DD",
            "BLT-DAERAH",
            "PBI-JK",
            "BANTUAN-NELAYAN"
        ]
    );
    for (_, code) in NATIONAL_PROGRAMS {
        assert!(programs.get(code).is_some(), "{code}");
    }
    for p in programs.iter() {
        assert_eq!(p.version, 1);
        assert_eq!(p.start.year(), 2027, "{}", p.code);
    }
    let pkh = programs.get("PKH").unwrap();
    assert_eq!(pkh.name(Lang::Id), "Program Keluarga Harapan");
    assert_eq!(pkh.channel.name(Lang::Id), "transfer ke rekening KKS");
    assert_eq!(pkh.cycle.name(Lang::En), "quarterly (tahap)");
    assert_eq!(pkh.funding.name(Lang::Id), "APBN");
    assert_eq!(
        programs.get("BLT-DAERAH").unwrap().exclusive_with,
        ["PKH", "SEMBAKO"]
    );
}

#[test]
fn default_budgets_cover_their_quotas() {
    // A flat program's budget is its quota times the period's payment, so the quota can be met.
    for p in Programs::builtin().iter() {
        let (Some(budget), Formula::Flat { per_cycle }) = (p.budget, &p.benefit) else {
            continue;
        };
        let households: i64 = p.quotas.iter().map(|q| i64::from(q.households)).sum();
        let needed = per_cycle.amount() * i64::from(p.cycles) * households;
        assert_eq!(budget.amount(), needed, "{}", p.code);
    }
}

#[test]
fn pkh_pays_a_quarter_of_each_annual_amount() {
    // Two pregnancies are both counted: 2 × Rp3,000,000 / 4.
    let b = pkh_quarter(vec![pregnant(), pregnant()]);
    assert_eq!(b.per_cycle, rp(1_500_000));
    assert_eq!(b.total, rp(6_000_000));
    assert_eq!(counts(&b), [("hamil", 2)]);
    // A third pregnancy is past the maximum of two.
    assert_eq!(
        pkh_quarter(vec![pregnant(), pregnant(), pregnant()]).per_cycle,
        rp(1_500_000)
    );
}

#[test]
fn three_young_children_count_as_two() {
    let b = pkh_quarter(vec![adult(30), adult(1), adult(3), adult(5)]);
    assert_eq!(counts(&b), [("anak_usia_dini", 2)]);
    assert_eq!(b.per_cycle, rp(2 * 750_000));
    assert_eq!(b.parts[0].amount, rp(1_500_000));
}

#[test]
fn the_family_keeps_its_four_highest_components() {
    let severe = member(40, false, Disability::Berat, SchoolLevel::TidakSekolah);
    let b = pkh_quarter(vec![
        adult(70),
        severe,
        pupil(8, SchoolLevel::Sd),
        pupil(13, SchoolLevel::Smp),
        pupil(16, SchoolLevel::Sma),
    ]);
    // Per quarter: elderly 600,000, severe disability 600,000, SMA 500,000, SMP 375,000; SD's 225,000
    // is the lowest and the fifth, so it goes.
    assert_eq!(b.per_cycle, rp(600_000 + 600_000 + 500_000 + 375_000));
    assert_eq!(b.total, rp(4 * 2_075_000));
    let mut kept = counts(&b);
    kept.sort();
    assert_eq!(
        kept,
        [
            ("disabilitas_berat", 1),
            ("lansia", 1),
            ("sma", 1),
            ("smp", 1)
        ]
    );
}

#[test]
fn components_follow_their_ages() {
    // Six is school age, not early childhood; 22 is past the education component's age.
    let b = pkh_quarter(vec![pupil(6, SchoolLevel::Sd), pupil(22, SchoolLevel::Sd)]);
    assert_eq!(counts(&b), [("sd", 1)]);
    assert_eq!(b.per_cycle, rp(225_000));
    assert_eq!(pkh_quarter(vec![adult(30)]).per_cycle, Rupiah::ZERO);
    // A pregnancy, three small children and an elder: 750,000 × 3 (two children) + 600,000.
    let b = pkh_quarter(vec![pregnant(), adult(0), adult(2), adult(4), adult(60)]);
    assert_eq!(b.per_cycle, rp(2_850_000));
}

#[test]
fn eligibility_is_the_rule() {
    let pkh = Programs::builtin().get("PKH").unwrap().clone();
    assert!(pkh.selects(&household(3, vec![adult(70)]), on()));
    assert!(!pkh.selects(&household(5, vec![adult(70)]), on()));
    assert!(!pkh.selects(&household(1, vec![adult(40)]), on()));
}

#[test]
fn flat_and_per_member_benefits() {
    let programs = Programs::builtin();
    let family = household(3, vec![adult(40), adult(38), adult(10), adult(8), adult(2)]);
    let sembako = programs.get("SEMBAKO").unwrap().benefit(&family, on());
    assert_eq!(
        (sembako.per_cycle, sembako.total),
        (rp(200_000), rp(2_400_000))
    );
    let pbi = programs.get("PBI-JK").unwrap().benefit(&family, on());
    assert_eq!(
        (pbi.per_cycle, pbi.total),
        (rp(5 * 42_000), rp(12 * 5 * 42_000))
    );
    let blt = programs.get("BLT-DD").unwrap().benefit(&family, on());
    assert_eq!(blt.total, rp(900_000));
}

#[test]
fn the_cap_per_cycle_limits_a_per_member_benefit() {
    let mut def = Programs::builtin().get("PBI-JK").unwrap().def().clone();
    def.max_per_cycle = Some(rp(100_000));
    def.benefit = Formula::PerMember {
        per_cycle: rp(42_000),
        condition: Some("age < 18".into()),
    };
    let p = Program::new(def).unwrap();
    let one_child = household(3, vec![adult(40), adult(10)]);
    assert_eq!(p.benefit(&one_child, on()).per_cycle, rp(42_000));
    let four = household(3, vec![adult(1), adult(2), adult(3), adult(4)]);
    assert_eq!(p.benefit(&four, on()).per_cycle, rp(100_000));
}

#[test]
fn the_file_round_trips() {
    let programs = Programs::builtin();
    let text = programs.to_toml();
    assert_eq!(Programs::from_toml(&text).unwrap(), programs);
}

#[test]
fn definitions_round_trip_through_json_for_storage() {
    for p in Programs::builtin().iter() {
        let json = serde_json::to_string(p.def()).unwrap();
        let back: ProgramDef = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, p.def());
    }
}

#[test]
fn one_program_round_trips_alone() {
    let programs = Programs::builtin();
    let daerah = programs.get("BLT-DAERAH").unwrap();
    let text = daerah.def().to_toml();
    assert_eq!(&ProgramDef::from_toml(&text).unwrap(), daerah.def());
    let e = ProgramDef::from_toml(&programs.to_toml()).unwrap_err();
    assert_eq!(
        e.kind,
        ProgramErrorKind::Format("expected one program, found 6".into())
    );
}

#[test]
fn a_saved_edit_is_the_next_version() {
    let mut programs = Programs::builtin();
    let mut def = programs.get("SEMBAKO").unwrap().def().clone();
    def.benefit = Formula::Flat {
        per_cycle: rp(250_000),
    };
    let saved = programs.save(def.clone()).unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(programs.get("SEMBAKO").unwrap().version, 2);
    let again = programs.save(def).unwrap();
    assert_eq!(again.version, 3);
    let mut bad = programs.get("SEMBAKO").unwrap().def().clone();
    bad.exclusive_with = vec!["NOPE".into()];
    let e = programs.save(bad).unwrap_err();
    assert_eq!(e.kind, ProgramErrorKind::UnknownProgram("NOPE".into()));
    assert_eq!(
        programs.get("SEMBAKO").unwrap().version,
        3,
        "a refused edit saves nothing"
    );
}

/// The default file with `from` (which must occur once) replaced by `to`; the line `to` starts on.
fn mangled(from: &str, to: &str) -> (String, usize) {
    assert_eq!(DEFAULT.matches(from).count(), 1, "{from}");
    let at = DEFAULT.find(from).unwrap();
    let line = DEFAULT[..at].matches('\n').count() + 1;
    (DEFAULT.replace(from, to), line)
}

fn refused(from: &str, to: &str) -> (ProgramError, usize) {
    let (text, line) = mangled(from, to);
    (Programs::from_toml(&text).unwrap_err(), line)
}

#[test]
fn unknown_exclusivity_names_the_program_field_and_line() {
    let (e, line) = refused(
        "exclusive_with = [\"PKH\", \"SEMBAKO\"]\nbudget",
        "exclusive_with = [\"PKH\", \"SEMBAKOO\"]\nbudget",
    );
    assert_eq!(e.kind, ProgramErrorKind::UnknownProgram("SEMBAKOO".into()));
    assert_eq!(e.program.as_deref(), Some("BLT-DAERAH"));
    assert_eq!(e.field, "exclusive_with");
    assert_eq!(e.line, Some(line));
    let en = e.message(Lang::En);
    assert!(
        en.contains("BLT-DAERAH") && en.contains(&format!("line {line}")),
        "{en}"
    );
    let id = e.message(Lang::Id);
    assert!(
        id.contains(&format!("baris {line}")) && id.contains("tidak ada program"),
        "{id}"
    );
}

#[test]
fn duplicate_codes_are_refused_at_the_second() {
    let (e, line) = refused("code = \"PBI-JK\"", "code = \"SEMBAKO\"");
    assert_eq!(e.kind, ProgramErrorKind::DuplicateCode);
    assert_eq!(e.line, Some(line));
}

#[test]
fn a_period_that_ends_before_it_starts() {
    let (e, line) = refused(
        "start = \"2027-04-01\"\nend = \"2027-06-30\"",
        "start = \"2027-04-01\"\nend = \"2027-03-30\"",
    );
    assert_eq!(e.kind, ProgramErrorKind::EndBeforeStart);
    assert_eq!(e.program.as_deref(), Some("BLT-DAERAH"));
    assert_eq!((e.field.as_str(), e.line), ("end", Some(line + 1)));
}

#[test]
fn an_invalid_region_in_a_quota() {
    let (e, line) = refused(
        "region = \"19.02\"\nhouseholds = 500",
        "region = \"19.0x\"\nhouseholds = 500",
    );
    assert!(matches!(e.kind, ProgramErrorKind::Format(_)), "{e:?}");
    assert_eq!(e.field, "region");
    assert_eq!(e.program.as_deref(), Some("BANTUAN-NELAYAN"));
    assert_eq!(e.line, Some(line));
    let (e, line) = refused("households = 500", "households = 0");
    assert_eq!(e.kind, ProgramErrorKind::NotPositive);
    assert_eq!(
        (e.field.as_str(), e.line),
        ("quota[0].households", Some(line))
    );
}

#[test]
fn zero_cycles_and_too_many() {
    let (e, line) = refused(
        "cycles = 3\nchannel = \"pos\"",
        "cycles = 0\nchannel = \"pos\"",
    );
    assert_eq!(e.kind, ProgramErrorKind::NotPositive);
    assert_eq!(
        (e.program.as_deref(), e.line),
        (Some("BLT-DAERAH"), Some(line))
    );
    // April to June has room for three monthly payments, not four.
    let (e, _) = refused(
        "cycles = 3\nchannel = \"pos\"",
        "cycles = 4\nchannel = \"pos\"",
    );
    assert_eq!(e.kind, ProgramErrorKind::CyclesExceedPeriod);
}

#[test]
fn amounts_must_be_positive_and_divide_into_cycles() {
    let (e, line) = refused("per_cycle = 2500000", "per_cycle = 0");
    assert_eq!(e.kind, ProgramErrorKind::NotPositive);
    assert_eq!(
        (e.program.as_deref(), e.field.as_str(), e.line),
        (Some("BANTUAN-NELAYAN"), "benefit.per_cycle", Some(line))
    );
    let (e, line) = refused("annual = 1500000", "annual = 1500002");
    assert_eq!(
        e.kind,
        ProgramErrorKind::Indivisible {
            annual: rp(1_500_002),
            cycles_per_year: 4
        }
    );
    assert_eq!(
        (e.field.as_str(), e.line),
        ("benefit.component[3].annual", Some(line))
    );
    let (e, _) = refused("budget = 1250000000", "budget = -1");
    assert_eq!(
        (e.kind, e.field.as_str()),
        (ProgramErrorKind::NotPositive, "budget")
    );
}

#[test]
fn rules_that_do_not_check_are_refused_with_their_column() {
    let (e, line) = refused(
        "rule = \"desil <= 5\"",
        "rule = \"desil <= 5 and agee > 3\"",
    );
    assert_eq!(e.program.as_deref(), Some("PBI-JK"));
    assert_eq!(e.line, Some(line));
    let ProgramErrorKind::Rule { text, error } = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(text, "desil <= 5 and agee > 3");
    assert_eq!(error.span.start, "desil <= 5 and ".len() + 1);
    assert!(e.message(Lang::En).contains("column 16"), "{e}");
    // A member condition of the fifth component.
    let (e, line) = refused(
        "condition = 'school == \"sma\"",
        "condition = 'school == \"sma2\"",
    );
    assert_eq!(
        (e.field.as_str(), e.line),
        ("benefit.component[4].condition", Some(line))
    );
    assert!(matches!(e.kind, ProgramErrorKind::Rule { .. }));
}

#[test]
fn codes_fields_and_syntax() {
    let (e, line) = refused("code = \"SEMBAKO\"", "code = \"Sembako\"");
    assert_eq!((e.kind, e.line), (ProgramErrorKind::BadCode, Some(line)));
    let (e, line) = refused("channel = \"e_warong\"", "chanel = \"e_warong\"");
    assert!(matches!(e.kind, ProgramErrorKind::Format(_)), "{e:?}");
    assert_eq!(e.line, Some(line));
    let (e, line) = refused("cycle = \"once\"", "cycle = \"weekly\"");
    assert_eq!(
        (e.program.as_deref(), e.line),
        (Some("BANTUAN-NELAYAN"), Some(line))
    );
    let (e, line) = refused("max_components = 4", "max_components = 4 4");
    assert_eq!((e.program.as_deref(), e.line), (Some("PKH"), Some(line)));
}

#[test]
fn dates_may_be_bare_toml_dates() {
    let (text, _) = mangled("start = \"2027-04-01\"", "start = 2027-04-01");
    let programs = Programs::from_toml(&text).unwrap();
    assert_eq!(programs.get("BLT-DAERAH").unwrap().start, date(2027, 4, 1));
    let (e, line) = refused("start = \"2027-04-01\"", "start = 2027-04-01T08:00:00");
    assert_eq!((e.field.as_str(), e.line), ("start", Some(line)));
    let (e, _) = refused("start = \"2027-04-01\"", "start = \"2027-13-01\"");
    assert!(matches!(e.kind, ProgramErrorKind::Format(_)), "{e:?}");
}

#[test]
fn a_formula_refuses_fields_of_another_kind() {
    let (e, line) = refused(
        "per_cycle = 200000",
        "per_cycle = 200000\nmax_components = 2",
    );
    assert!(matches!(e.kind, ProgramErrorKind::Format(_)), "{e:?}");
    assert_eq!(e.program.as_deref(), Some("SEMBAKO"));
    assert!(
        e.line.is_some_and(|l| l >= line - 2 && l <= line + 1),
        "{e:?} {line}"
    );
}

#[test]
fn components_need_a_regular_cycle() {
    let mut def = Programs::builtin().get("PKH").unwrap().def().clone();
    def.cycle = Cycle::Once;
    def.cycles = 1;
    let e = Program::new(def).unwrap_err();
    assert_eq!(e.kind, ProgramErrorKind::ComponentsNeedRegularCycle);
    assert_eq!(e.line, None);
}

proptest! {
    /// Whatever an admin uploads, loading answers Ok or an error inside the file; it never panics.
    #[test]
    fn mangled_files_never_panic(cuts in prop::collection::vec((0usize..DEFAULT.len(), 0usize..40, "[ -~\n]{0,6}"), 1..4)) {
        let mut text = DEFAULT.to_owned();
        for (at, len, insert) in cuts {
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) { at -= 1; }
            let mut end = (at + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(at..end, &insert);
        }
        if let Err(e) = Programs::from_toml(&text) {
            let lines = text.lines().count().max(1);
            prop_assert!(e.line.is_none_or(|l| l >= 1 && l <= lines + 1), "{e:?}");
            prop_assert!(!e.message(Lang::Id).is_empty());
        }
    }
}

/// The counts a household gives PKH's components, in their order: hamil, anak_usia_dini, sd, smp, sma,
/// disabilitas_berat, lansia — worked out by hand, not by the conditions.
#[test]
fn a_benefit_from_counts_is_the_benefit_from_facts() {
    let programs = Programs::builtin();
    let pkh = programs.get("PKH").unwrap();
    let cases: Vec<(Vec<MemberFacts>, Vec<usize>)> = vec![
        (vec![adult(40)], vec![0, 0, 0, 0, 0, 0, 0]),
        (
            vec![pregnant(), adult(2), adult(3), adult(4)],
            vec![1, 3, 0, 0, 0, 0, 0],
        ),
        (
            vec![
                pupil(8, SchoolLevel::Sd),
                pupil(13, SchoolLevel::Smp),
                pupil(14, SchoolLevel::Smp),
                adult(75),
                pregnant(),
                adult(1),
            ],
            vec![1, 1, 1, 2, 0, 0, 1],
        ),
    ];
    assert_eq!(pkh.benefit_counts_sql(&TestColumns).unwrap().len(), 7);
    for (members, counts) in cases {
        let from_facts = pkh.benefit(&household(2, members), on());
        assert_eq!(pkh.benefit_from_counts(&counts), from_facts);
    }
    // The fourth case's family cap: six units, the four highest kept.
    let capped = pkh.benefit_from_counts(&[2, 2, 1, 1, 0, 0, 0]);
    assert_eq!(capped.per_cycle, rp(4 * 750_000));
    let pbi = programs.get("PBI-JK").unwrap();
    let three = household(2, vec![adult(30), adult(31), adult(2)]);
    assert_eq!(pbi.benefit_from_counts(&[3]), pbi.benefit(&three, on()));
    assert_ne!(pbi.benefit_from_counts(&[2]), pbi.benefit(&three, on()));
}

/// Member conditions compile to `COUNT(*)` over the members, one per component.
#[test]
fn benefit_counts_compile_to_member_counts() {
    let programs = Programs::builtin();
    let pkh = programs.get("PKH").unwrap();
    let sql = pkh.benefit_counts_sql(&TestColumns).unwrap();
    let pregnant = crate::targeting::Field::Pregnant.index();
    assert_eq!(
        sql[0],
        format!("(SELECT COUNT(*) FROM members m WHERE m.h = h.id AND (m.f{pregnant}))")
    );
    let sembako = programs.get("SEMBAKO").unwrap();
    assert!(sembako.benefit_counts_sql(&TestColumns).unwrap().is_empty());
}

/// Columns that name fields by their schema index.
struct TestColumns;

impl crate::rules::SqlColumns for TestColumns {
    fn household(&self, index: usize) -> String {
        format!("h.f{index}")
    }
    fn member(&self, index: usize) -> String {
        format!("m.f{index}")
    }
    fn members(&self) -> String {
        "members m WHERE m.h = h.id".to_owned()
    }
    fn int_range(&self, _: crate::rules::Scope, _: usize) -> (i64, i64) {
        (0, 200)
    }
    fn max_members(&self) -> i64 {
        50
    }
}
