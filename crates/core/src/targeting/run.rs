//! A targeting run (*penargetan*): one program over every household with targeting facts in the runner's
//! area, from rule to a draft list ("Running a program" in `docs/targeting.md`).
//!
//! The rule runs as SQL inside the database ([`tepat_domain::rules::Rule::to_sql`]); a rule the compiler
//! refuses ([`NotSql`]) runs in Rust over the same facts, and the outcome says which path ran. The
//! households it selects get their benefit, their enrolments (for exclusivity and incumbency) and the
//! rule's parts as reasons, then [`tepat_targeting::select`] applies ranking, quotas and budget, and
//! [`tepat_targeting::simulate`] measures the result. On generated data, where observed consumption is
//! known, the same selection under the truth gives inclusion and exclusion errors.
//!
//! When the rule runs in SQL, nothing walks every household's facts: the scope comes from the household
//! rows, enrolments from one query per program asked about, the truth from the rule compiled once per
//! true desil, and a benefit that counts members (PKH's components, PBI-JK per member) from `COUNT(*)`
//! columns of the rule's own query ([`Program::benefit_counts_sql`], paid by
//! [`Program::benefit_from_counts`], the arithmetic [`Program::benefit`] uses too). Members' facts are
//! read only when a member condition does not compile to SQL, and then only the selected households'
//! (BENCHMARKS.md, "Targeting run end to end"). The Rust path walks the facts once and gives the same
//! outcome.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tepat_domain::program::Program;
use tepat_domain::rules::NotSql;
use tepat_domain::targeting_sql::{TargetingColumns, TruthColumns};
use tepat_domain::{Desil, HouseholdFacts, Lang, Localized, RegionCode, Rupiah, Scope};
use tepat_store::{
    CandidateRow, CandidateStatus, CountedRow, EligibleRow, InvalidDecree, NewRun, Store,
    StoreError,
};
use tepat_targeting::pmt;
use tepat_targeting::select::{self, Eligible, Limits, Quota, Reason, Selection};
use tepat_targeting::simulate::{self, InScope, Simulation};
use uuid::Uuid;

use super::programs::{self, ProgramsError};
use crate::access::{Denied, Grant, RunTargeting};
use crate::registry::Origin;

/// Households read per batch when a run or the ranking walks the facts of an area.
pub(crate) const BATCH: u32 = 5_000;

/// What went wrong in targeting. Says what to do; never names a household.
#[derive(Debug, thiserror::Error)]
pub enum TargetingError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("there is no program {code}; the programs page lists them")]
    UnknownProgram { code: String },
    /// Boxed: a program's errors carry the rule's text and position.
    #[error(transparent)]
    Programs(Box<ProgramsError>),
    #[error("no targeting run has this id")]
    RunNotFound,
    #[error("the run is {state}, not a draft: only a draft can be approved")]
    NotDraft { state: &'static str },
    #[error(transparent)]
    Decree(#[from] InvalidDecree),
    #[error("the run is {state}: only an approved run's waitlist replaces households")]
    NotApproved { state: &'static str },
    #[error("{0}")]
    Forecast(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ProgramsError> for TargetingError {
    fn from(e: ProgramsError) -> TargetingError {
        TargetingError::Programs(Box::new(e))
    }
}

impl Localized for TargetingError {
    fn message(&self, lang: Lang) -> String {
        use TargetingError as E;
        match (self, lang) {
            (E::Denied(d), _) => d.message(lang),
            (E::Programs(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (E::UnknownProgram { code }, Lang::Id) => format!("tidak ada program {code}"),
            (E::RunNotFound, Lang::Id) => "tidak ada penargetan dengan id ini".into(),
            (E::NotDraft { .. }, Lang::Id) => {
                "penargetan ini bukan draf lagi (misalnya sudah ditetapkan): hanya draf yang dapat ditetapkan".into()
            }
            (E::Decree(InvalidDecree::Empty), Lang::Id) => {
                "nomor SK kosong; ketik nomor SK yang menetapkan daftar".into()
            }
            (E::Decree(InvalidDecree::TooLong), Lang::Id) => format!(
                "nomor SK lebih dari {} karakter; periksa ketikan",
                tepat_store::DECREE_MAX_CHARS
            ),
            (E::NotApproved { .. }, Lang::Id) => {
                "hanya daftar tunggu penargetan yang sudah ditetapkan yang dapat menggantikan keluarga".into()
            }
            // The forecast's own errors name a line and field of the indicators file, in English.
            (E::Forecast(m), Lang::Id) => format!("perkiraan kebutuhan tidak dapat dihitung: {m}"),
            (E::Store(_), Lang::Id) => {
                "terjadi kesalahan basis data; coba lagi atau hubungi administrator".into()
            }
        }
    }
}

/// How to run a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// The reference date: ages are counted to it.
    pub on: NaiveDate,
    /// Compute and simulate only; store nothing.
    pub dry_run: bool,
    /// The period the list is for, e.g. `2027Q1`.
    pub period: String,
    /// Evaluate the rule in Rust even when it compiles to SQL (to compare the two paths).
    pub force_rust: bool,
}

impl RunOptions {
    /// A stored run for the quarter of `on`.
    pub fn new(on: NaiveDate) -> RunOptions {
        RunOptions {
            on,
            dry_run: false,
            period: quarter_of(on),
            force_rust: false,
        }
    }
}

/// `2027Q1` (the forecast's `Period` form) for a date in January–March 2027.
pub fn quarter_of(on: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}Q{}", on.year(), (on.month() - 1) / 3 + 1)
}

/// Where the rule was evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "path", rename_all = "snake_case")]
pub enum RulePath {
    /// Inside the database.
    Sql,
    /// In Rust, over the facts; `why` is the compiler's reason (or that it was asked for).
    Rust { why: String },
}

/// One top-level part of the program's rule and its outcome for a household (`None`: a value it needs is
/// missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePart {
    pub part: String,
    pub outcome: Option<bool>,
}

/// Why a household is where it is in a run: stored as the candidate row's reasons (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reasons {
    /// The rule's parts (all true for a household the rule selected).
    pub rule: Vec<RulePart>,
    /// The selection's reason (selected at rank…, quota full, budget, enrolled elsewhere).
    pub selection: Reason,
    /// The PMT's predicted consumption per capita (rupiah a month), the ranking score.
    pub welfare: Option<i64>,
    pub desil: Option<Desil>,
    pub incumbent: bool,
}

/// One household of a run: ids and numbers only, no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub household: Uuid,
    pub village: RegionCode,
    /// `candidate`, `waitlist` or `excluded` ([`CandidateStatus::code`]).
    pub status: String,
    /// Unique in the run: candidates first (1 = poorest), then the waitlist in order, then the excluded.
    pub rank: u32,
    pub village_rank: u32,
    /// Over the program period; zero unless a candidate.
    pub benefit: Rupiah,
    pub reasons: Reasons,
}

/// What [`run_program`] computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// The stored draft; `None` for a dry run.
    pub run_id: Option<Uuid>,
    pub program: String,
    pub program_version: u32,
    pub on: NaiveDate,
    pub period: String,
    /// The area the run covered (`*` for everywhere).
    pub area: String,
    pub path: RulePath,
    /// Households with facts in the area.
    pub households: u32,
    /// Households the rule selected.
    pub eligible: u32,
    /// Whether observed consumption gave a truth to measure errors against.
    pub truth_known: bool,
    /// Households whose full facts (members, survey, enrolments) were read: every household when the
    /// rule ran in Rust; in SQL none when the benefit's member conditions compile to SQL, otherwise those
    /// the rule selects (and, with the truth, those it selects under the truth).
    pub facts_read: u32,
    pub simulation: Simulation,
    pub shortfalls: Vec<select::Shortfall>,
    pub budget_used: Rupiah,
    /// Households with facts per village (for the needs forecast).
    pub registered: Vec<(RegionCode, u32)>,
    /// Candidates, waitlist and excluded, in rank order.
    pub decisions: Vec<Decision>,
}

impl RunOutcome {
    pub fn candidates(&self) -> impl Iterator<Item = &Decision> {
        self.decisions
            .iter()
            .filter(|d| d.status == CandidateStatus::Candidate.code())
    }

    pub fn waitlist(&self) -> impl Iterator<Item = &Decision> {
        self.decisions
            .iter()
            .filter(|d| d.status == CandidateStatus::Waitlist.code())
    }
}

/// The stored summary of a run (`NewRun::summary`): the outcome without its household rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub area: String,
    pub path: RulePath,
    pub households: u32,
    pub eligible: u32,
    pub truth_known: bool,
    pub simulation: Simulation,
    pub shortfalls: Vec<select::Shortfall>,
    pub budget_used: Rupiah,
    #[serde(default)]
    pub registered: Vec<(RegionCode, u32)>,
}

impl RunSummary {
    /// Reads a stored summary (`TargetingRun::summary`).
    pub fn parse(json: &str) -> Option<RunSummary> {
        serde_json::from_str(json).ok()
    }
}

/// The latest stored version of a program. A store without programs (a database made before programs
/// were seeded) gets the built-in set as version 1 first.
pub async fn load_program(store: &dyn Store, code: &str) -> Result<Program, TargetingError> {
    programs::seed_builtin(store, &Origin::now(None)).await?;
    stored_program(programs::get(store, code).await, code)
}

/// Version `version` of a program, as the run that used it saw it.
pub async fn load_program_version(
    store: &dyn Store,
    code: &str,
    version: u32,
) -> Result<Program, TargetingError> {
    stored_program(programs::get_version(store, code, version).await, code)
}

fn stored_program(
    found: Result<Program, ProgramsError>,
    code: &str,
) -> Result<Program, TargetingError> {
    match found {
        Err(ProgramsError::NotFound { .. }) => {
            Err(TargetingError::UnknownProgram { code: code.into() })
        }
        other => Ok(other?),
    }
}

/// Runs program `code` over every household with facts inside the grant's area: see the module
/// documentation. Repeatable: the same facts, program and options give the same list.
pub async fn run_program(
    store: &dyn Store,
    grant: &Grant<'_, RunTargeting>,
    code: &str,
    options: &RunOptions,
) -> Result<RunOutcome, TargetingError> {
    let program = load_program(store, code).await?;
    let scope = grant.scope();
    let on = options.on;
    let sql = if options.force_rust {
        Err(None)
    } else {
        program
            .rule()
            .to_sql(&TargetingColumns::new(on))
            .map_err(Some)
    };
    let (path, selected_by_sql) = match sql {
        Ok(condition) => {
            let condition = within(&scope, &condition);
            let counts = program.benefit_counts_sql(&TargetingColumns::new(on)).ok();
            let asked = counts.as_deref().unwrap_or_default();
            let rows = store.select_counted(&condition, asked, false).await?;
            let selection = SqlSelection {
                condition,
                rows,
                counts,
            };
            (RulePath::Sql, Some(selection))
        }
        Err(why) => (rust_path(why), None),
    };
    let pass = match &selected_by_sql {
        Some(selected) => {
            let truth = truth_possible(store, &scope).await?;
            assess_selected(store, &scope, &program, on, selected, truth).await?
        }
        None => assess(store, &scope, &program, on).await?,
    };
    let limits = limits(&program);
    let truth = pass.truly_eligible().map(|truly| {
        select::select(truly, &limits)
            .candidates
            .into_iter()
            .map(|p| p.household)
            .collect::<HashSet<Uuid>>()
    });
    let eligible = pass.eligible.len() as u32;
    let selection = select::select(pass.eligible, &limits);
    let simulation = simulate::simulate(&selection, &pass.scope, truth.as_ref());
    let decisions = decisions(&selection, &pass.rule_parts);
    let mut outcome = RunOutcome {
        run_id: None,
        program: program.code.clone(),
        program_version: program.version,
        on,
        period: options.period.clone(),
        area: scope.code(),
        path,
        households: pass.scope.len() as u32,
        eligible,
        truth_known: truth.is_some(),
        facts_read: pass.read,
        simulation,
        shortfalls: selection.shortfalls.clone(),
        budget_used: selection.budget_used,
        registered: pass.registered.into_iter().collect(),
        decisions,
    };
    if !options.dry_run {
        outcome.run_id = Some(save(store, grant, &outcome).await?);
    }
    Ok(outcome)
}

fn rust_path(why: Option<NotSql>) -> RulePath {
    RulePath::Rust {
        why: why.map_or_else(|| "asked to evaluate in Rust".to_owned(), |e| e.to_string()),
    }
}

/// `condition` restricted to the households of `scope` (village codes are stored plain).
fn within(scope: &Scope, condition: &str) -> String {
    match scope {
        Scope::All => condition.to_owned(),
        Scope::Within(region) => format!(
            "h.village_code >= '{0}' AND h.village_code < '{0}:' AND ({condition})",
            region.plain()
        ),
    }
}

/// The region codes whose households make up `scope`: the region itself, or every province.
pub(crate) fn areas(scope: &Scope) -> Vec<RegionCode> {
    match scope {
        Scope::Within(region) => vec![*region],
        Scope::All => (11..=99)
            .filter_map(|p| RegionCode::parse(&p.to_string()).ok())
            .collect(),
    }
}

/// Reads every household's facts inside `scope`, a batch at a time.
pub(crate) async fn each_facts(
    store: &dyn Store,
    scope: &Scope,
    each: &mut (dyn FnMut(Vec<HouseholdFacts>) + Send),
) -> Result<u64, StoreError> {
    let mut total = 0;
    for area in areas(scope) {
        total += store.for_each_targeting_facts(&area, BATCH, each).await?;
    }
    Ok(total)
}

/// What one walk over the facts gathers.
#[derive(Default)]
struct Pass {
    scope: Vec<InScope>,
    eligible: Vec<Eligible>,
    rule_parts: HashMap<Uuid, Vec<RulePart>>,
    registered: std::collections::BTreeMap<RegionCode, u32>,
    /// Households whose facts were read.
    read: u32,
    /// Observed consumption per capita of the surveyed households, for the true desil.
    observed: Vec<(Uuid, RegionCode, i64)>,
    /// Surveyed households without observed consumption.
    unobserved: u64,
    /// Households the rule would select under the truth at some desil, with the desils it selects.
    truth_candidates: Vec<(Eligible, DesilMask)>,
    /// The households the rule selects under the truth, when found in SQL rather than by the walk.
    truly: Option<Vec<Eligible>>,
}

/// Bit `d - 1` set when the rule selects the household with desil `d` (1..=10).
type DesilMask = u16;

impl Pass {
    /// The households the rule selects under the truth (welfare = observed consumption, desil = the
    /// observed consumption's decile per regency): `None` unless every surveyed household in scope has
    /// observed consumption (generated data), because errors against a partial truth would mislead.
    fn truly_eligible(&self) -> Option<Vec<Eligible>> {
        if let Some(truly) = &self.truly {
            return Some(truly.clone());
        }
        if self.observed.is_empty() || self.unobserved > 0 {
            return None;
        }
        let mut scores = self.observed.clone();
        let desil: HashMap<Uuid, Desil> = pmt::rank(&mut scores).into_iter().collect();
        Some(
            self.truth_candidates
                .iter()
                .filter_map(|(e, mask)| {
                    let d = *desil.get(&e.household)?;
                    (mask & (1 << (d.get() - 1)) != 0).then(|| Eligible {
                        desil: Some(d),
                        ..e.clone()
                    })
                })
                .collect(),
        )
    }
}

/// Walks the facts once (the rule in Rust): the scope, the rule, benefits, enrolments and reasons of
/// the selected, and for the truth each household's observed consumption and the desils at
/// which the rule would select it (the true desil needs every household's consumption first, so the
/// rule is tried at all ten: one walk instead of two).
async fn assess(
    store: &dyn Store,
    scope: &Scope,
    program: &Program,
    on: NaiveDate,
) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    each_facts(store, scope, &mut |batch| {
        for mut f in batch {
            pass.read += 1;
            pass.scope.push(InScope {
                household: f.id,
                welfare: f.welfare.map(|w| w.amount()),
            });
            *pass.registered.entry(f.village).or_default() += 1;
            if program.selects(&f, on) {
                pass.rule_parts.insert(f.id, rule_parts(program, &f, on));
                pass.eligible.push(eligible(program, &f, on));
            }
            observe_truth(&mut pass, program, &mut f, on);
        }
    })
    .await?;
    Ok(pass)
}

/// Whether every surveyed household in scope has observed consumption (and there is one): only then is
/// the walk over every household's facts needed for the truth.
async fn truth_possible(store: &dyn Store, scope: &Scope) -> Result<bool, StoreError> {
    // Survey columns are all NULL without a survey, so `floor` tells surveyed households.
    let unobserved = store
        .count_households(&within(
            scope,
            "h.consumption IS NULL AND h.floor IS NOT NULL",
        ))
        .await?;
    if unobserved > 0 {
        return Ok(false);
    }
    Ok(store
        .count_households(&within(scope, "h.consumption IS NOT NULL"))
        .await?
        > 0)
}

/// Households whose facts are read at a time when only the selected are read.
const SELECTED_BATCH: usize = 10_000;

/// The households the rule selected inside the database, and the condition (scope included) that did.
struct SqlSelection {
    condition: String,
    /// With the benefit's member counts when `counts` is known.
    rows: Vec<CountedRow>,
    /// The benefit's member counts as SQL ([`Program::benefit_counts_sql`]; none for a flat benefit), or
    /// `None` when a member condition does not compile and the benefit needs the members' facts.
    counts: Option<Vec<String>>,
}

/// What [`assess`] gathers, without a walk over every household's facts: the scope from the household
/// rows alone, enrolments from SQL, the truth (when `truth`) from SQL and the true deciles ranked here,
/// benefits from member counts in SQL, and the facts of the households a list holds only when a member
/// condition of the benefit does not compile to SQL.
async fn assess_selected(
    store: &dyn Store,
    scope: &Scope,
    program: &Program,
    on: NaiveDate,
    selected: &SqlSelection,
    truth: bool,
) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    for row in store.select_households(&within(scope, "1 = 1")).await? {
        pass.scope.push(InScope {
            household: row.id,
            welfare: row.welfare.map(|w| w.amount()),
        });
        *pass.registered.entry(row.village).or_default() += 1;
    }
    let truly = match truth {
        true => true_rows(store, scope, program, on, selected.counts.is_some()).await?,
        false => None,
    };
    if selected.counts.is_none() {
        let rows: Vec<EligibleRow> = selected.rows.iter().map(|r| r.row).collect();
        read_selected(store, program, on, &rows, &mut pass).await?;
        if let Some(rows) = truly {
            let rows: Vec<EligibleRow> = rows.into_iter().map(|r| r.row).collect();
            let truly = read_truly(store, program, on, &rows).await?;
            pass.read += truly.len() as u32;
            pass.truly = Some(truly);
        }
        return Ok(pass);
    }
    // Enrolments of the whole scope when the truth's households are asked about too.
    let asked = match truly {
        Some(_) => within(scope, "1 = 1"),
        None => selected.condition.clone(),
    };
    let enrolled = enrolments(store, program, &asked).await?;
    let enrolled_of = |id: &Uuid| enrolled.get(id).cloned().unwrap_or_default();
    // The rule is the conjunction of its parts: a household it selected passed every one.
    let parts: Vec<RulePart> = program
        .rule()
        .parts()
        .iter()
        .map(|(part, _)| RulePart {
            part: part.clone(),
            outcome: Some(true),
        })
        .collect();
    let counted = |r: &CountedRow| counted(program, r, enrolled_of(&r.row.id));
    for r in &selected.rows {
        pass.rule_parts.insert(r.row.id, parts.clone());
        pass.eligible.push(counted(r));
    }
    pass.truly = truly.map(|rows| rows.iter().map(counted).collect());
    Ok(pass)
}

/// The households the rule selects under the truth, as rows with `welfare` the observed consumption and
/// `desil` its decile per regency ([`pmt::rank`], as the walk ranks it): the rule is compiled with each
/// desil in turn ([`TruthColumns`]) and a household kept under its own. `None` when the rule does not
/// compile that way (the caller then has no truth). When `counted`, each row has the benefit's member
/// counts, compiled with the same columns (a member condition may name `desil` or `welfare`).
async fn true_rows(
    store: &dyn Store,
    scope: &Scope,
    program: &Program,
    on: NaiveDate,
    counted: bool,
) -> Result<Option<Vec<CountedRow>>, StoreError> {
    // Survey columns are all NULL without a survey, so `floor` tells surveyed households.
    let surveyed = within(scope, "h.floor IS NOT NULL");
    let mut scores: Vec<(Uuid, RegionCode, i64)> = store
        .select_observed(&surveyed)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.id, r.village, r.welfare?.amount())))
        .collect();
    let desil: HashMap<Uuid, Desil> = pmt::rank(&mut scores).into_iter().collect();
    let mut rules = Vec::new();
    let mut counts = Vec::new();
    for d in 1..=10u8 {
        let columns = TruthColumns {
            columns: TargetingColumns::new(on),
            desil: d,
        };
        let Ok(rule) = program.rule().to_sql(&columns) else {
            return Ok(None);
        };
        rules.push(format!("{surveyed} AND ({rule})"));
        // Compiles whenever it did with `TargetingColumns` (the truth's columns have the same bounds);
        // were it not to, no truth beats benefits of zero members.
        counts.push(match counted {
            true => match program.benefit_counts_sql(&columns) {
                Ok(counts) => counts,
                Err(_) => return Ok(None),
            },
            false => Vec::new(),
        });
    }
    // Counting members is the costly part: counts that do not depend on the desil (no member condition
    // names desil or welfare) are taken once per household, not once for every desil that selects it.
    let once = counts.iter().all(|c| *c == counts[0]);
    let mut out = Vec::new();
    for ((d, condition), counts) in (1..=10u8).zip(&rules).zip(&counts) {
        let counts: &[String] = if once { &[] } else { counts };
        for mut r in store.select_counted(condition, counts, true).await? {
            if desil.get(&r.row.id).map(|t| t.get()) == Some(d) {
                r.row.desil = Desil::new(d);
                out.push(r);
            }
        }
    }
    if once && !counts[0].is_empty() {
        let any: Vec<String> = rules.iter().map(|r| format!("({r})")).collect();
        let mut counted: HashMap<Uuid, Vec<i64>> = store
            .select_counted(&any.join(" OR "), &counts[0], true)
            .await?
            .into_iter()
            .map(|r| (r.row.id, r.counts))
            .collect();
        for r in &mut out {
            // Every kept household matched one of the rules, so it was counted.
            r.counts = counted.remove(&r.row.id).unwrap_or_default();
        }
    }
    Ok(Some(out))
}

/// The truly eligible households as the selection sees them, from their facts (the benefit needs them).
async fn read_truly(
    store: &dyn Store,
    program: &Program,
    on: NaiveDate,
    rows: &[EligibleRow],
) -> Result<Vec<Eligible>, StoreError> {
    let truth: HashMap<Uuid, &EligibleRow> = rows.iter().map(|r| (r.id, r)).collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in ids.chunks(SELECTED_BATCH) {
        for mut f in store.targeting_facts(chunk).await? {
            let row = truth[&f.id];
            (f.welfare, f.desil) = (row.welfare, row.desil);
            out.push(eligible(program, &f, on));
        }
    }
    Ok(out)
}

/// Reads the facts of the selected households, a batch at a time, for their benefits and reasons.
async fn read_selected(
    store: &dyn Store,
    program: &Program,
    on: NaiveDate,
    rows: &[EligibleRow],
    pass: &mut Pass,
) -> Result<(), StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    for chunk in ids.chunks(SELECTED_BATCH) {
        for f in store.targeting_facts(chunk).await? {
            pass.read += 1;
            pass.rule_parts.insert(f.id, rule_parts(program, &f, on));
            pass.eligible.push(eligible(program, &f, on));
        }
    }
    Ok(())
}

/// A selected household as the selection sees it, its benefit from its member counts.
fn counted(program: &Program, r: &CountedRow, enrolled: Vec<String>) -> Eligible {
    let counts: Vec<usize> = r
        .counts
        .iter()
        .map(|&n| usize::try_from(n).unwrap_or(0))
        .collect();
    let row = &r.row;
    Eligible {
        household: row.id,
        village: row.village,
        welfare: row.welfare.map(|w| w.amount()),
        desil: row.desil,
        benefit: program.benefit_from_counts(&counts).total,
        incumbent: enrolled.iter().any(|p| *p == program.code),
        enrolled,
    }
}

/// The active enrolments, among the households `condition` selects, in the programs the selection asks
/// about: this program (incumbency) and those it is exclusive with. One query per program.
async fn enrolments(
    store: &dyn Store,
    program: &Program,
    condition: &str,
) -> Result<HashMap<Uuid, Vec<String>>, StoreError> {
    let mut codes = vec![program.code.clone()];
    codes.extend(program.exclusive_with.iter().cloned());
    codes.sort_unstable();
    codes.dedup();
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    for code in codes {
        let enrolled = format!(
            "({condition}) AND EXISTS (SELECT 1 FROM targeting_enrolment e \
             WHERE e.household_id = h.id AND e.program = '{}' AND e.state = 'active')",
            code.replace('\'', "''")
        );
        for row in store.select_households(&enrolled).await? {
            out.entry(row.id).or_default().push(code.clone());
        }
    }
    Ok(out)
}

fn rule_parts(program: &Program, f: &HouseholdFacts, on: NaiveDate) -> Vec<RulePart> {
    program
        .rule()
        .explain(&f.on(on))
        .into_iter()
        .map(|(part, outcome)| RulePart {
            part: part.to_owned(),
            outcome,
        })
        .collect()
}

/// Records the household's observed consumption and the desils at which the rule selects it when its
/// welfare is that consumption. `f` is changed and put back.
fn observe_truth(pass: &mut Pass, program: &Program, f: &mut HouseholdFacts, on: NaiveDate) {
    let Some(survey) = &f.survey else { return };
    let Some(consumption) = survey.consumption_per_capita else {
        pass.unobserved += 1;
        return;
    };
    pass.observed.push((f.id, f.village, consumption.amount()));
    let (desil, welfare) = (f.desil, f.welfare);
    f.welfare = Some(consumption);
    let mut mask: DesilMask = 0;
    for d in 1..=10u8 {
        f.desil = Desil::new(d);
        if program.selects(f, on) {
            mask |= 1 << (d - 1);
        }
    }
    if mask != 0 {
        f.desil = Desil::new(mask.trailing_zeros() as u8 + 1);
        pass.truth_candidates.push((eligible(program, f, on), mask));
    }
    (f.desil, f.welfare) = (desil, welfare);
}

fn eligible(program: &Program, f: &HouseholdFacts, on: NaiveDate) -> Eligible {
    Eligible {
        household: f.id,
        village: f.village,
        welfare: f.welfare.map(|w| w.amount()),
        desil: f.desil,
        benefit: program.benefit(f, on).total,
        incumbent: f.enrolled.iter().any(|p| *p == program.code),
        enrolled: f.enrolled.clone(),
    }
}

/// The program's quotas, budget and exclusive programs.
pub(crate) fn limits(program: &Program) -> Limits {
    Limits {
        quotas: program
            .quotas
            .iter()
            .map(|q| Quota {
                region: q.region,
                households: q.households,
            })
            .collect(),
        budget: program.budget,
        exclusive_with: program.exclusive_with.clone(),
    }
}

/// Every placed or excluded household with run-wide ranks: candidates, then the waitlist, then the
/// excluded; within a village the same order.
fn decisions(selection: &Selection, parts: &HashMap<Uuid, Vec<RulePart>>) -> Vec<Decision> {
    let mut out = Vec::with_capacity(
        selection.candidates.len() + selection.waitlist.len() + selection.excluded.len(),
    );
    let mut in_village: HashMap<RegionCode, u32> = HashMap::new();
    let mut next = |village: RegionCode| {
        let n = in_village.entry(village).or_default();
        *n += 1;
        *n
    };
    let placed = [
        (CandidateStatus::Candidate, &selection.candidates),
        (CandidateStatus::Waitlist, &selection.waitlist),
    ];
    for (status, list) in placed {
        for p in list.iter() {
            let rank = out.len() as u32 + 1;
            out.push(Decision {
                household: p.household,
                village: p.village,
                status: status.code().into(),
                rank,
                village_rank: next(p.village),
                benefit: if status == CandidateStatus::Candidate {
                    p.benefit
                } else {
                    Rupiah::new(0)
                },
                reasons: Reasons {
                    rule: parts.get(&p.household).cloned().unwrap_or_default(),
                    selection: p.reason.clone(),
                    welfare: p.welfare,
                    desil: p.desil,
                    incumbent: p.incumbent,
                },
            });
        }
    }
    for e in &selection.excluded {
        let rank = out.len() as u32 + 1;
        out.push(Decision {
            household: e.household,
            village: e.village,
            status: CandidateStatus::Excluded.code().into(),
            rank,
            village_rank: next(e.village),
            benefit: Rupiah::new(0),
            reasons: Reasons {
                rule: parts.get(&e.household).cloned().unwrap_or_default(),
                selection: e.reason.clone(),
                welfare: e.welfare,
                desil: None,
                incumbent: false,
            },
        });
    }
    out
}

/// Saves the outcome as a draft run with all its rows, in one call; returns the run's id.
async fn save(
    store: &dyn Store,
    grant: &Grant<'_, RunTargeting>,
    outcome: &RunOutcome,
) -> Result<Uuid, TargetingError> {
    let id = Uuid::now_v7();
    let summary = RunSummary {
        area: outcome.area.clone(),
        path: outcome.path.clone(),
        households: outcome.households,
        eligible: outcome.eligible,
        truth_known: outcome.truth_known,
        simulation: outcome.simulation.clone(),
        shortfalls: outcome.shortfalls.clone(),
        budget_used: outcome.budget_used,
        registered: outcome.registered.clone(),
    };
    let run = NewRun {
        id,
        program: outcome.program.clone(),
        program_version: outcome.program_version,
        reference_date: outcome.on,
        period: outcome.period.clone(),
        created_by: grant.actor().user(),
        created_at: Utc::now(),
        summary: serde_json::to_string(&summary).expect("a summary serializes"),
    };
    let rows: Vec<CandidateRow> = outcome
        .decisions
        .iter()
        .map(|d| CandidateRow {
            village: d.village,
            household: d.household,
            status: CandidateStatus::parse(&d.status).expect("a status code"),
            rank: d.rank,
            village_rank: d.village_rank,
            benefit: d.benefit,
            reasons: serde_json::to_string(&d.reasons).expect("reasons serialize"),
        })
        .collect();
    store.save_run(&run, &rows).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_follow_the_calendar() {
        let d = |m| NaiveDate::from_ymd_opt(2027, m, 15).unwrap();
        assert_eq!(quarter_of(d(1)), "2027Q1");
        assert_eq!(quarter_of(d(3)), "2027Q1");
        assert_eq!(quarter_of(d(4)), "2027Q2");
        assert_eq!(quarter_of(d(12)), "2027Q4");
    }

    #[test]
    fn a_regional_grant_restricts_the_rule_to_its_villages() {
        let scope = Scope::Within(RegionCode::parse("19.02").unwrap());
        assert_eq!(
            within(&scope, "h.desil <= 4"),
            "h.village_code >= '1902' AND h.village_code < '1902:' AND (h.desil <= 4)"
        );
        assert_eq!(within(&Scope::All, "x"), "x");
    }

    #[test]
    fn targeting_errors_are_told_in_both_languages() {
        let errors = [
            TargetingError::UnknownProgram { code: "PKH".into() },
            TargetingError::RunNotFound,
            TargetingError::NotDraft { state: "approved" },
            TargetingError::Decree(InvalidDecree::Empty),
            TargetingError::Decree(InvalidDecree::TooLong),
            TargetingError::NotApproved { state: "draft" },
            TargetingError::Forecast("line 3: field value: not a number".into()),
        ];
        for e in &errors {
            let (id, en) = (e.message(Lang::Id), e.message(Lang::En));
            assert_eq!(en, e.to_string());
            assert_ne!(id, en, "{e:?} has no Indonesian message");
        }
        assert!(errors[3].message(Lang::Id).contains("nomor SK"));
        assert!(
            errors[6].message(Lang::Id).contains("line 3"),
            "the file's place is kept"
        );
    }
}
