//! A program as written in a file or the editor: plain data with serde.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::region::RegionCode;
use crate::rupiah::Rupiah;

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
