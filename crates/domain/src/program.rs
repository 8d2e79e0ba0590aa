//! Programs as data (*program bansos*): what each program pays, to whom, when, through which channel, and
//! within which budget and quotas. Programs are loaded from a TOML file (`programs/default.toml` is built
//! in), edited by admins in the app and saved back; every saved edit is a new version. The format and the
//! default programs are described in `docs/programs.md`.
//!
//! - [`ProgramDef`]: one program as written in the file: plain data, what the editor holds.
//! - [`Program`]: a definition whose eligibility rule and member conditions type-checked against
//!   [`targeting::schema`] and whose amounts divide into whole rupiah per cycle: safe to run.
//! - [`Programs`]: a set of programs with unique codes whose exclusivity names only programs in the set.
//! - [`Benefit`]: what one household (a *KPM*, *keluarga penerima manfaat*) receives per cycle and in total.

use std::fmt;
use std::ops::Deref;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::lang::{Lang, Localized};
use crate::region::RegionCode;
use crate::rules::{MemberCondition, Rule, RuleError};
use crate::rupiah::Rupiah;
use crate::targeting::{self, HouseholdFacts};

/// Who pays for a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    /// The national budget (*Anggaran Pendapatan dan Belanja Negara*).
    Apbn,
    /// The regional budget of a province or regency (*APBD*).
    Apbd,
    /// A village's transfer from the national budget (*Dana Desa*).
    DanaDesa,
}

/// How often a program pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    Monthly,
    /// Quarterly stages (*tahap*), as PKH pays.
    Quarterly,
    Yearly,
    /// A single payment.
    Once,
}

impl Funding {
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Funding::Apbn, Lang::Id) => "APBN",
            (Funding::Apbn, Lang::En) => "national budget (APBN)",
            (Funding::Apbd, Lang::Id) => "APBD",
            (Funding::Apbd, Lang::En) => "regional budget (APBD)",
            (Funding::DanaDesa, Lang::Id) => "Dana Desa",
            (Funding::DanaDesa, Lang::En) => "village fund (Dana Desa)",
        }
    }
}

impl Cycle {
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Cycle::Monthly, Lang::Id) => "bulanan",
            (Cycle::Monthly, Lang::En) => "monthly",
            (Cycle::Quarterly, Lang::Id) => "triwulanan (tahap)",
            (Cycle::Quarterly, Lang::En) => "quarterly (tahap)",
            (Cycle::Yearly, Lang::Id) => "tahunan",
            (Cycle::Yearly, Lang::En) => "yearly",
            (Cycle::Once, Lang::Id) => "sekali",
            (Cycle::Once, Lang::En) => "once",
        }
    }

    /// Months one cycle covers; `None` for a one-off payment.
    pub fn months(self) -> Option<u32> {
        match self {
            Cycle::Monthly => Some(1),
            Cycle::Quarterly => Some(3),
            Cycle::Yearly => Some(12),
            Cycle::Once => None,
        }
    }
}

/// How the benefit reaches the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Transfer to the family's KKS (*Kartu Keluarga Sejahtera*) account at a state bank.
    KksTransfer,
    /// Cash through PT Pos Indonesia: post office, community point or home delivery.
    Pos,
    /// Goods bought with the KKS balance at an e-Warong merchant.
    EWarong,
    /// Cash or transfer by the village treasurer.
    VillageCash,
    /// A premium paid to BPJS Kesehatan; no money reaches the household.
    BpjsPremium,
    /// Goods handed over by the agency running the program, against a voucher.
    Goods,
}

impl Channel {
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Channel::KksTransfer, Lang::Id) => "transfer ke rekening KKS",
            (Channel::KksTransfer, Lang::En) => "transfer to the KKS account",
            (Channel::Pos, Lang::Id) => "PT Pos Indonesia",
            (Channel::Pos, Lang::En) => "PT Pos Indonesia (cash)",
            (Channel::EWarong, Lang::Id) => "belanja di e-Warong",
            (Channel::EWarong, Lang::En) => "goods at an e-Warong",
            (Channel::VillageCash, Lang::Id) => "tunai oleh bendahara desa",
            (Channel::VillageCash, Lang::En) => "cash by the village treasurer",
            (Channel::BpjsPremium, Lang::Id) => "iuran dibayar ke BPJS Kesehatan",
            (Channel::BpjsPremium, Lang::En) => "premium paid to BPJS Kesehatan",
            (Channel::Goods, Lang::Id) => "barang, diserahkan dengan voucher",
            (Channel::Goods, Lang::En) => "goods, handed over against a voucher",
        }
    }
}

impl Program {
    /// The program's name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.def.name_id,
            Lang::En => &self.def.name_en,
        }
    }
}

/// How a household's benefit per cycle is computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Formula {
    /// The same amount for every household.
    Flat { per_cycle: Rupiah },
    /// An amount per member for whom `condition` (a member condition) holds; every member without one.
    PerMember {
        per_cycle: Rupiah,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
    },
    /// PKH's components: each eligible member earns a component's annual amount (up to its maximum
    /// count), and the family keeps at most `max_components` of them, the highest first.
    Components {
        max_components: u32,
        #[serde(rename = "component")]
        components: Vec<Component>,
    },
}

/// One component of a [`Formula::Components`] benefit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// A short code such as `hamil` or `lansia`.
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    /// A member condition in the rule language, e.g. `age >= 60`.
    pub condition: String,
    /// Rupiah per member per year; a cycle pays its share, which must be whole rupiah.
    pub annual: Rupiah,
    /// How many members of one family may count; no limit when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
}

/// A quota: at most this many households in a region (at any level, from province to village).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub region: RegionCode,
    pub households: u32,
}

/// One program as written in a file or the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramDef {
    /// Upper-case letters, digits and `-`, such as `PKH` or `BLT-DD`.
    pub code: String,
    /// Starts at 1; every saved edit adds one, and a targeting run records the version it used.
    pub version: u32,
    pub name_id: String,
    pub name_en: String,
    /// The regulation the program rests on.
    pub legal_basis: String,
    pub funding: Funding,
    #[serde(with = "date")]
    pub start: NaiveDate,
    /// The last day of the period (inclusive).
    #[serde(with = "date")]
    pub end: NaiveDate,
    pub cycle: Cycle,
    /// How many cycles the period pays.
    pub cycles: u32,
    pub channel: Channel,
    /// The eligibility rule (see `docs/rules.md`).
    pub rule: String,
    pub benefit: Formula,
    /// The most one household receives in one cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_cycle: Option<Rupiah>,
    /// Codes of programs a household of this one may not also receive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusive_with: Vec<String>,
    /// The whole period's budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Rupiah>,
    #[serde(default, rename = "quota", skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<Quota>,
}

/// Dates are written quoted (`"2027-01-01"`), and a bare TOML date (`2027-01-01`), which is what people
/// type, is read as well.
mod date {
    use chrono::NaiveDate;
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        d.format("%Y-%m-%d").to_string().serialize(s)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Toml(toml::value::Datetime),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = match Written::deserialize(d)? {
            Written::Text(t) => t,
            Written::Toml(t) if t.time.is_none() && t.offset.is_none() => t.to_string(),
            Written::Toml(_) => return Err(de::Error::custom("expected a date without a time")),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
            de::Error::custom(format!("expected a date as yyyy-mm-dd, found {text:?}"))
        })
    }
}

/// A program whose rule and amounts were checked: the only kind that computes benefits.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    def: ProgramDef,
    rule: Rule,
    formula: Checked,
}

#[derive(Debug, Clone, PartialEq)]
enum Checked {
    Flat(Rupiah),
    PerMember(Rupiah, Option<MemberCondition>),
    Components {
        max: usize,
        parts: Vec<CheckedComponent>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct CheckedComponent {
    code: String,
    condition: MemberCondition,
    per_cycle: Rupiah,
    max_count: usize,
}

/// What one household receives from a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Benefit {
    pub per_cycle: Rupiah,
    /// `per_cycle` times the program's cycles.
    pub total: Rupiah,
    /// For component formulas: what each component kept contributes per cycle.
    pub parts: Vec<BenefitPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenefitPart {
    pub component: String,
    pub count: u32,
    /// Per cycle, for all `count` members together.
    pub amount: Rupiah,
}

/// A program that cannot be loaded or saved: which program, which field, which line, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramError {
    /// The program's code, when it is known.
    pub program: Option<String>,
    /// The field, as a path such as `benefit.component[2].condition`.
    pub field: String,
    /// 1-based line in the file, when the program came from one.
    pub line: Option<usize>,
    pub kind: ProgramErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProgramErrorKind {
    /// The file is not TOML or does not have the program format; the message is the TOML reader's.
    Format(String),
    BadCode,
    DuplicateCode,
    UnknownProgram(String),
    ExclusiveWithItself,
    EndBeforeStart,
    /// A count or amount that must be at least 1.
    NotPositive,
    /// More cycles than the period has room for.
    CyclesExceedPeriod,
    /// Component amounts are annual, so a one-off program cannot have them.
    ComponentsNeedRegularCycle,
    NoComponents,
    /// An annual amount that does not split into whole rupiah per cycle.
    Indivisible {
        annual: Rupiah,
        cycles_per_year: u32,
    },
    /// A rule or member condition that does not check, with its text.
    Rule {
        text: String,
        error: Box<RuleError>,
    },
    /// A saved edit of a program under another code.
    CodeChanged,
}

impl ProgramError {
    fn new(program: &str, field: impl Into<String>, kind: ProgramErrorKind) -> ProgramError {
        ProgramError {
            program: Some(program.to_owned()).filter(|p| !p.is_empty()),
            field: field.into(),
            line: None,
            kind,
        }
    }

    fn what(&self, lang: Lang) -> String {
        use ProgramErrorKind::*;
        let en = lang == Lang::En;
        match &self.kind {
            Format(m) if en => m.clone(),
            Format(m) => format!("berkas program tidak sesuai format: {m}"),
            BadCode if en => {
                "a program code is upper-case letters, digits and '-', such as BLT-DD".into()
            }
            BadCode => "kode program berupa huruf besar, angka dan '-', misalnya BLT-DD".into(),
            DuplicateCode if en => "another program has the same code".into(),
            DuplicateCode => "ada program lain dengan kode yang sama".into(),
            UnknownProgram(c) if en => format!("there is no program {c}"),
            UnknownProgram(c) => format!("tidak ada program {c}"),
            ExclusiveWithItself if en => "a program cannot exclude itself".into(),
            ExclusiveWithItself => "program tidak dapat mengecualikan dirinya sendiri".into(),
            EndBeforeStart if en => "the period ends before it starts".into(),
            EndBeforeStart => "periode berakhir sebelum dimulai".into(),
            NotPositive if en => "must be more than zero".into(),
            NotPositive => "harus lebih dari nol".into(),
            CyclesExceedPeriod if en => "more cycles than the period has room for".into(),
            CyclesExceedPeriod => "jumlah siklus melebihi periode".into(),
            ComponentsNeedRegularCycle if en => {
                "component amounts are per year: use a monthly, quarterly or yearly cycle".into()
            }
            ComponentsNeedRegularCycle => {
                "nilai komponen per tahun: gunakan siklus bulanan, triwulan atau tahunan".into()
            }
            NoComponents if en => "a component benefit needs at least one component".into(),
            NoComponents => "manfaat berkomponen memerlukan paling sedikit satu komponen".into(),
            Indivisible {
                annual,
                cycles_per_year,
            } if en => format!(
                "{annual} a year does not divide into {cycles_per_year} payments of whole rupiah"
            ),
            Indivisible {
                annual,
                cycles_per_year,
            } => format!(
                "{annual} per tahun tidak habis dibagi {cycles_per_year} pembayaran rupiah bulat"
            ),
            Rule { text, error } if en => {
                format!("{} in `{text}`", error.message(lang))
            }
            Rule { text, error } => {
                format!("{} pada `{text}`", error.message(lang))
            }
            CodeChanged if en => "an edit cannot change the program's code".into(),
            CodeChanged => "perubahan tidak boleh mengganti kode program".into(),
        }
    }
}

impl Localized for ProgramError {
    fn message(&self, lang: Lang) -> String {
        let (program, line) = match lang {
            Lang::En => ("program", "line"),
            Lang::Id => ("program", "baris"),
        };
        let mut out = String::new();
        if let Some(code) = &self.program {
            out.push_str(&format!("{program} {code}, "));
        }
        out.push_str(&format!("`{}`", self.field));
        if let Some(n) = self.line {
            out.push_str(&format!(" ({line} {n})"));
        }
        format!("{out}: {}", self.what(lang))
    }
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ProgramError {}

impl Program {
    /// Checks a definition on its own (codes in `exclusive_with` are checked by [`Programs`]).
    pub fn new(def: ProgramDef) -> Result<Program, ProgramError> {
        let code = def.code.clone();
        let err = |field: &str, kind| Err(ProgramError::new(&code, field, kind));
        if !valid_code(&def.code) {
            return err("code", ProgramErrorKind::BadCode);
        }
        for (field, n) in [("version", def.version), ("cycles", def.cycles)] {
            if n == 0 {
                return err(field, ProgramErrorKind::NotPositive);
            }
        }
        if def.end < def.start {
            return err("end", ProgramErrorKind::EndBeforeStart);
        }
        if let Some(months) = def.cycle.months() {
            if u64::from(def.cycles) * u64::from(months) > months_in(def.start, def.end) {
                return err("cycles", ProgramErrorKind::CyclesExceedPeriod);
            }
        }
        let positive = [("max_per_cycle", def.max_per_cycle), ("budget", def.budget)];
        for (field, amount) in positive {
            if amount.is_some_and(|a| a.amount() <= 0) {
                return err(field, ProgramErrorKind::NotPositive);
            }
        }
        for (i, quota) in def.quotas.iter().enumerate() {
            if quota.households == 0 {
                return err(
                    &format!("quota[{i}].households"),
                    ProgramErrorKind::NotPositive,
                );
            }
        }
        if def.exclusive_with.contains(&def.code) {
            return err("exclusive_with", ProgramErrorKind::ExclusiveWithItself);
        }
        let schema = targeting::schema();
        let rule = Rule::compile(&def.rule, &schema).map_err(|error| {
            let text = def.rule.clone();
            ProgramError::new(
                &code,
                "rule",
                ProgramErrorKind::Rule {
                    text,
                    error: Box::new(error),
                },
            )
        })?;
        let formula = check_formula(&def, &schema)?;
        Ok(Program { def, rule, formula })
    }

    /// A saved edit: the new definition under the same code, as the next version.
    pub fn edited(&self, mut def: ProgramDef) -> Result<Program, ProgramError> {
        if def.code != self.def.code {
            return Err(ProgramError::new(
                &self.def.code,
                "code",
                ProgramErrorKind::CodeChanged,
            ));
        }
        def.version = self.def.version + 1;
        Program::new(def)
    }

    pub fn def(&self) -> &ProgramDef {
        &self.def
    }

    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Whether the eligibility rule selects the household, with ages counted to `on`.
    pub fn selects(&self, facts: &HouseholdFacts, on: NaiveDate) -> bool {
        self.rule.selects(&facts.on(on))
    }

    /// What the household would receive, with ages counted to `on` (eligibility is [`Program::selects`]).
    pub fn benefit(&self, facts: &HouseholdFacts, on: NaiveDate) -> Benefit {
        let subject = facts.on(on);
        let (mut per_cycle, parts) = match &self.formula {
            Checked::Flat(amount) => (*amount, Vec::new()),
            Checked::PerMember(amount, condition) => {
                let n = condition
                    .as_ref()
                    .map_or(facts.members.len(), |c| c.count(&subject));
                (times(*amount, n as u64), Vec::new())
            }
            Checked::Components { max, parts } => components(parts, *max, &subject),
        };
        if let Some(cap) = self.def.max_per_cycle {
            per_cycle = per_cycle.min(cap);
        }
        Benefit {
            per_cycle,
            total: times(per_cycle, u64::from(self.def.cycles)),
            parts,
        }
    }
}

impl Deref for Program {
    type Target = ProgramDef;

    fn deref(&self) -> &ProgramDef {
        &self.def
    }
}

/// Amounts are validated small, so a product past `i64` means corrupt input: it saturates rather than
/// wrapping into a negative payment.
fn times(amount: Rupiah, n: u64) -> Rupiah {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    Rupiah::new(amount.amount().saturating_mul(n))
}

/// Each member a component counts is one unit; the family keeps the `max` highest units.
fn components(
    parts: &[CheckedComponent],
    max: usize,
    subject: &impl crate::rules::Subject,
) -> (Rupiah, Vec<BenefitPart>) {
    let mut units: Vec<(usize, Rupiah)> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            let n = c.condition.count(subject).min(c.max_count);
            std::iter::repeat_n((i, c.per_cycle), n)
        })
        .collect();
    // Stable: between equal amounts the component listed first is kept.
    units.sort_by_key(|(_, amount)| std::cmp::Reverse(*amount));
    units.truncate(max);
    let mut kept: Vec<BenefitPart> = Vec::new();
    for (i, _) in &units {
        match kept.iter_mut().find(|p| p.component == parts[*i].code) {
            Some(p) => p.count += 1,
            None => kept.push(BenefitPart {
                component: parts[*i].code.clone(),
                count: 1,
                amount: Rupiah::ZERO,
            }),
        }
    }
    for p in &mut kept {
        let unit = parts
            .iter()
            .find(|c| c.code == p.component)
            .map(|c| c.per_cycle);
        p.amount = times(unit.unwrap_or(Rupiah::ZERO), u64::from(p.count));
    }
    let total = units.iter().fold(Rupiah::ZERO, |sum, (_, a)| {
        Rupiah::new(sum.amount().saturating_add(a.amount()))
    });
    (total, kept)
}

fn check_formula(def: &ProgramDef, schema: &crate::rules::Schema) -> Result<Checked, ProgramError> {
    let code = def.code.as_str();
    let err = |field: String, kind| ProgramError::new(code, field, kind);
    let condition = |field: String, text: &str| {
        MemberCondition::compile(text, schema).map_err(|error| {
            let text = text.to_owned();
            err(
                field,
                ProgramErrorKind::Rule {
                    text,
                    error: Box::new(error),
                },
            )
        })
    };
    let positive = |field: String, amount: Rupiah| {
        if amount.amount() <= 0 {
            Err(err(field, ProgramErrorKind::NotPositive))
        } else {
            Ok(amount)
        }
    };
    match &def.benefit {
        Formula::Flat { per_cycle } => Ok(Checked::Flat(positive(
            "benefit.per_cycle".into(),
            *per_cycle,
        )?)),
        Formula::PerMember {
            per_cycle,
            condition: text,
        } => {
            let amount = positive("benefit.per_cycle".into(), *per_cycle)?;
            let c = match text {
                Some(t) => Some(condition("benefit.condition".into(), t)?),
                None => None,
            };
            Ok(Checked::PerMember(amount, c))
        }
        Formula::Components {
            max_components,
            components,
        } => {
            let Some(months) = def.cycle.months() else {
                return Err(err(
                    "cycle".into(),
                    ProgramErrorKind::ComponentsNeedRegularCycle,
                ));
            };
            if components.is_empty() {
                return Err(err(
                    "benefit.component".into(),
                    ProgramErrorKind::NoComponents,
                ));
            }
            if *max_components == 0 {
                return Err(err(
                    "benefit.max_components".into(),
                    ProgramErrorKind::NotPositive,
                ));
            }
            let cycles_per_year = 12 / months;
            let mut parts = Vec::new();
            for (i, c) in components.iter().enumerate() {
                let at = |key: &str| format!("benefit.component[{i}].{key}");
                let annual = positive(at("annual"), c.annual)?;
                if annual.amount() % i64::from(cycles_per_year) != 0 {
                    let kind = ProgramErrorKind::Indivisible {
                        annual,
                        cycles_per_year,
                    };
                    return Err(err(at("annual"), kind));
                }
                if c.max_count == Some(0) {
                    return Err(err(at("max_count"), ProgramErrorKind::NotPositive));
                }
                parts.push(CheckedComponent {
                    code: c.code.clone(),
                    condition: condition(at("condition"), &c.condition)?,
                    per_cycle: Rupiah::new(annual.amount() / i64::from(cycles_per_year)),
                    max_count: c.max_count.map_or(usize::MAX, |n| n as usize),
                });
            }
            Ok(Checked::Components {
                max: *max_components as usize,
                parts,
            })
        }
    }
}

fn valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-')
}

/// Calendar months the period touches, counting partial months.
fn months_in(start: NaiveDate, end: NaiveDate) -> u64 {
    let index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    u64::try_from(index(end) - index(start) + 1).unwrap_or(0)
}

/// A set of checked programs with unique codes; exclusivity names only programs in the set.
#[derive(Debug, Clone, PartialEq)]
pub struct Programs {
    programs: Vec<Program>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(default)]
    program: Vec<ProgramDef>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    program: Vec<&'a ProgramDef>,
}

impl ProgramDef {
    /// One program in the file format (a file with one `[[program]]`): what a stored version keeps.
    pub fn to_toml(&self) -> String {
        let file = FileOut {
            program: vec![self],
        };
        toml::to_string(&file).expect("program definitions are plain TOML data")
    }

    /// Reads a file of exactly one program; only its shape is checked here ([`Program::new`] checks
    /// the rest, and [`Programs::new`] the codes it excludes).
    pub fn from_toml(text: &str) -> Result<ProgramDef, ProgramError> {
        let file: FileIn = toml::from_str(text).map_err(|e| format_error(text, &e))?;
        let count = file.program.len();
        let mut programs = file.program.into_iter();
        match (programs.next(), count) {
            (Some(def), 1) => Ok(def),
            _ => Err(ProgramError {
                program: None,
                field: "program".into(),
                line: None,
                kind: ProgramErrorKind::Format(format!("expected one program, found {count}")),
            }),
        }
    }
}

impl Programs {
    /// The programs shipped with tepat (`programs/default.toml`).
    pub fn builtin() -> Programs {
        Programs::from_toml(include_str!("../../../programs/default.toml"))
            .expect("programs/default.toml is checked by the tests")
    }

    /// Reads and checks a programs file; an error names the program, the field and the line.
    pub fn from_toml(text: &str) -> Result<Programs, ProgramError> {
        let file: FileIn = toml::from_str(text).map_err(|e| format_error(text, &e))?;
        let sections = program_sections(text, file.program.len());
        let programs = file
            .program
            .into_iter()
            .map(Program::new)
            .collect::<Result<Vec<_>, _>>()
            .and_then(Programs::new);
        programs.map_err(|mut e| {
            e.line = e
                .program
                .as_deref()
                .and_then(|code| section_of(text, &sections, code))
                .map(|range| locate(text, range, &e.field));
            e
        })
    }

    /// Checks a set of programs together: unique codes, known exclusivity codes.
    pub fn new(programs: Vec<Program>) -> Result<Programs, ProgramError> {
        for (i, p) in programs.iter().enumerate() {
            if programs[..i].iter().any(|q| q.code == p.code) {
                return Err(ProgramError::new(
                    &p.code,
                    "code",
                    ProgramErrorKind::DuplicateCode,
                ));
            }
            for other in &p.exclusive_with {
                if !programs.iter().any(|q| q.code == *other) {
                    let kind = ProgramErrorKind::UnknownProgram(other.clone());
                    return Err(ProgramError::new(&p.code, "exclusive_with", kind));
                }
            }
        }
        Ok(Programs { programs })
    }

    /// The file form, for export and the admin editor; reading it back gives the same programs.
    pub fn to_toml(&self) -> String {
        let file = FileOut {
            program: self.programs.iter().map(Program::def).collect(),
        };
        toml::to_string(&file).expect("program definitions are plain TOML data")
    }

    pub fn get(&self, code: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.code == code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Program> {
        self.programs.iter()
    }

    /// Saves an edit of program `def.code` as its next version, checked with the rest of the set.
    pub fn save(&mut self, def: ProgramDef) -> Result<&Program, ProgramError> {
        let Some(index) = self.programs.iter().position(|p| p.code == def.code) else {
            let kind = ProgramErrorKind::UnknownProgram(def.code.clone());
            return Err(ProgramError::new(&def.code, "code", kind));
        };
        let mut next = self.programs.clone();
        next[index] = self.programs[index].edited(def)?;
        *self = Programs::new(next)?;
        Ok(&self.programs[index])
    }
}

/// A TOML or shape error, with its line and the code of the program it is in when one precedes it.
fn format_error(text: &str, e: &toml::de::Error) -> ProgramError {
    let offset = e.span().map(|s| s.start);
    let line = offset.map(|o| line_at(text, o));
    let before = &text[..offset.unwrap_or(0).min(text.len())];
    let program = before
        .rsplit("[[program]]")
        .next()
        .filter(|_| before.contains("[[program]]"))
        .and_then(|section| section.lines().find_map(code_value));
    ProgramError {
        program,
        field: line
            .and_then(|n| text.lines().nth(n - 1))
            .and_then(|l| l.split_once('='))
            .map_or("file", |(key, _)| key.trim())
            .to_owned(),
        line,
        kind: ProgramErrorKind::Format(e.message().to_owned()),
    }
}

fn code_value(line: &str) -> Option<String> {
    let rest = key_value(line, "code")?;
    Some(rest.trim().trim_matches('"').to_owned())
}

/// The text after `key =` when `line` assigns `key`.
fn key_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.trim_start()
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line ranges (0-based, end exclusive) of the `[[program]]` sections, when the file uses them.
fn program_sections(text: &str, count: usize) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].trim() == "[[program]]")
        .collect();
    if starts.len() != count {
        return Vec::new();
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, s)| (*s, starts.get(k + 1).copied().unwrap_or(lines.len())))
        .collect()
}

/// The section whose `code = …` is `code` (the last one, for a duplicate).
fn section_of(text: &str, sections: &[(usize, usize)], code: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    sections.iter().rev().copied().find(|(s, e)| {
        lines[*s..*e]
            .iter()
            .any(|l| code_value(l).as_deref() == Some(code))
    })
}

/// The 1-based line of `field` (e.g. `benefit.component[2].condition`) within a program's section; the
/// section's header when the field is not written there.
fn locate(text: &str, (start, end): (usize, usize), field: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let (mut from, mut to) = (start, end);
    let key = match field.split_once('[') {
        Some((table, rest)) => {
            let (index, key) = rest
                .split_once("].")
                .unwrap_or((rest.trim_end_matches(']'), ""));
            let header = format!("[[program.{table}]]");
            let index: usize = index.parse().unwrap_or(0);
            if let Some(h) = (start..end)
                .filter(|i| lines[*i].trim() == header)
                .nth(index)
            {
                from = h;
                to = (h + 1..end)
                    .find(|i| lines[*i].trim_start().starts_with('['))
                    .unwrap_or(end);
            }
            key
        }
        None => field.rsplit('.').next().unwrap_or(field),
    };
    (from..to)
        .find(|i| key_value(lines[*i], key).is_some())
        .unwrap_or(from)
        + 1
}

#[cfg(test)]
mod tests;
