//! The needs-survey part of a form (*survei kebutuhan*): the house and assets, and per member the sector,
//! disability, illness, pregnancy and school. Used by the village's field verification and by a survey
//! update. A house question left at "not answered" everywhere means no house survey; a member whose
//! sector is empty is not part of the survey.

use tepat_domain::registry::{RegistryMember, SurveyAnswers};
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, HouseholdSurvey, IncomeBand, MemberSurvey, Roof,
    Sanitation, SchoolLevel, Sector, Wall, Water,
};
use tepat_domain::Lang;

use super::form::{choices, count, Choice, Errors, Values};
use super::strings::RegistryStrings;

/// What the survey fields of a form need: the questions with their choices, and the members to ask
/// about.
pub struct SurveyForm {
    pub selects: Vec<Select>,
    /// Whole numbers: (field, label).
    pub numbers: Vec<(&'static str, &'static str)>,
    /// Yes/no: (field, label).
    pub checks: Vec<(&'static str, &'static str)>,
    pub members: Vec<SurveyMember>,
}

/// A `<select>` question.
pub struct Select {
    pub name: String,
    pub label: &'static str,
    pub options: Vec<Choice>,
}

/// A member row of the survey: field names are `ms{i}_…`.
pub struct SurveyMember {
    pub name: String,
    pub selects: Vec<Select>,
    pub illness: String,
    pub pregnant: String,
}

fn select(name: impl Into<String>, label: &'static str, options: Vec<Choice>) -> Select {
    Select {
        name: name.into(),
        label,
        options,
    }
}

impl SurveyForm {
    pub fn new(lang: Lang, members: &[&RegistryMember]) -> SurveyForm {
        let r = super::strings(lang);
        SurveyForm {
            selects: vec![
                select("hs_floor", r.floor, choices!(Floor, lang)),
                select("hs_wall", r.wall, choices!(Wall, lang)),
                select("hs_roof", r.roof, choices!(Roof, lang)),
                select("hs_water", r.water, choices!(Water, lang)),
                select("hs_sanitation", r.sanitation, choices!(Sanitation, lang)),
                select("hs_electricity", r.electricity, choices!(Electricity, lang)),
                select(
                    "hs_cooking_fuel",
                    r.cooking_fuel,
                    choices!(CookingFuel, lang),
                ),
                select("hs_income_band", r.income_band, choices!(IncomeBand, lang)),
            ],
            numbers: vec![
                ("hs_floor_area", r.floor_area),
                ("hs_livestock", r.livestock),
                ("hs_land", r.land),
            ],
            checks: vec![
                ("hs_owns_house", r.owns_house),
                ("hs_has_motorcycle", r.has_motorcycle),
                ("hs_has_car", r.has_car),
                ("hs_has_refrigerator", r.has_refrigerator),
                ("hs_has_boat", r.has_boat),
            ],
            members: members
                .iter()
                .enumerate()
                .map(|(i, m)| SurveyMember {
                    name: m.full_name.clone(),
                    selects: vec![
                        select(format!("ms{i}_sector"), r.sector, choices!(Sector, lang)),
                        select(
                            format!("ms{i}_disability"),
                            r.disability,
                            choices!(Disability, lang),
                        ),
                        select(
                            format!("ms{i}_school_level"),
                            r.school_level,
                            choices!(SchoolLevel, lang),
                        ),
                    ],
                    illness: format!("ms{i}_chronic_illness"),
                    pregnant: format!("ms{i}_pregnant"),
                })
                .collect(),
        }
    }
}

const HOUSE_SELECTS: [&str; 8] = [
    "hs_floor",
    "hs_wall",
    "hs_roof",
    "hs_water",
    "hs_sanitation",
    "hs_electricity",
    "hs_cooking_fuel",
    "hs_income_band",
];

/// Pre-fills the form from what is stored.
pub fn prefill(v: &mut Values, house: Option<&HouseholdSurvey>, members: &[&RegistryMember]) {
    if let Some(s) = house {
        v.set("hs_floor", s.floor.code());
        v.set("hs_wall", s.wall.code());
        v.set("hs_roof", s.roof.code());
        v.set("hs_water", s.water.code());
        v.set("hs_sanitation", s.sanitation.code());
        v.set("hs_electricity", s.electricity.code());
        v.set("hs_cooking_fuel", s.cooking_fuel.code());
        v.set("hs_income_band", s.income_band.code());
        v.set("hs_floor_area", s.floor_area_m2.to_string());
        v.set("hs_livestock", s.livestock_units.to_string());
        v.set("hs_land", s.land_m2.to_string());
        for (name, on) in [
            ("hs_owns_house", s.owns_house),
            ("hs_has_motorcycle", s.has_motorcycle),
            ("hs_has_car", s.has_car),
            ("hs_has_refrigerator", s.has_refrigerator),
            ("hs_has_boat", s.has_boat),
        ] {
            if on {
                v.set(name, "1");
            }
        }
    }
    for (i, m) in members.iter().enumerate() {
        if let Some(s) = &m.survey {
            v.set(format!("ms{i}_sector"), s.sector.code());
            v.set(format!("ms{i}_disability"), s.disability.code());
            v.set(format!("ms{i}_school_level"), s.school_level.code());
            if s.chronic_illness {
                v.set(format!("ms{i}_chronic_illness"), "1");
            }
            if s.pregnant {
                v.set(format!("ms{i}_pregnant"), "1");
            }
        }
    }
}

/// Reads the survey answers; every problem is added to `e` with the field's label.
pub fn read(
    v: &Values,
    members: &[&RegistryMember],
    r: &RegistryStrings,
    e: &mut Errors,
) -> SurveyAnswers {
    SurveyAnswers {
        household: read_house(v, r, e),
        members: members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| read_member(v, i, m, r, e).map(|s| (m.id, s)))
            .collect(),
    }
}

fn pick<T: Copy>(
    v: &Values,
    field: &str,
    label: &str,
    parse: fn(&str) -> Option<T>,
    r: &RegistryStrings,
    e: &mut Errors,
) -> Option<T> {
    let s = v.val(field);
    if s.is_empty() {
        e.add(field, label, r.err_required);
        return None;
    }
    let found = parse(s);
    if found.is_none() {
        e.add(field, label, r.err_choice);
    }
    found
}

fn read_house(v: &Values, r: &RegistryStrings, e: &mut Errors) -> Option<HouseholdSurvey> {
    let answered = HOUSE_SELECTS.iter().filter(|f| !v.is_empty_at(f)).count();
    if answered == 0 {
        return None;
    }
    let before = e.list.len();
    let floor = pick(v, "hs_floor", r.floor, Floor::parse, r, e);
    let wall = pick(v, "hs_wall", r.wall, Wall::parse, r, e);
    let roof = pick(v, "hs_roof", r.roof, Roof::parse, r, e);
    let water = pick(v, "hs_water", r.water, Water::parse, r, e);
    let sanitation = pick(v, "hs_sanitation", r.sanitation, Sanitation::parse, r, e);
    let electricity = pick(v, "hs_electricity", r.electricity, Electricity::parse, r, e);
    let cooking_fuel = pick(
        v,
        "hs_cooking_fuel",
        r.cooking_fuel,
        CookingFuel::parse,
        r,
        e,
    );
    let income_band = pick(v, "hs_income_band", r.income_band, IncomeBand::parse, r, e);
    let floor_area_m2 = count(v, "hs_floor_area", r.floor_area, r, e);
    let livestock_units = count(v, "hs_livestock", r.livestock, r, e);
    let land_m2 = count(v, "hs_land", r.land, r, e);
    if e.list.len() > before {
        return None;
    }
    Some(HouseholdSurvey {
        floor: floor?,
        wall: wall?,
        roof: roof?,
        floor_area_m2,
        water: water?,
        sanitation: sanitation?,
        electricity: electricity?,
        cooking_fuel: cooking_fuel?,
        income_band: income_band?,
        owns_house: v.checked("hs_owns_house"),
        has_motorcycle: v.checked("hs_has_motorcycle"),
        has_car: v.checked("hs_has_car"),
        has_refrigerator: v.checked("hs_has_refrigerator"),
        has_boat: v.checked("hs_has_boat"),
        livestock_units,
        land_m2,
        consumption_per_capita: None,
    })
}

fn read_member(
    v: &Values,
    i: usize,
    m: &RegistryMember,
    r: &RegistryStrings,
    e: &mut Errors,
) -> Option<MemberSurvey> {
    let field = |what: &str| format!("ms{i}_{what}");
    if v.is_empty_at(&field("sector")) {
        return None;
    }
    let label = |what: &str| format!("{what} ({})", m.full_name);
    let sector = pick(v, &field("sector"), &label(r.sector), Sector::parse, r, e);
    let disability = pick(
        v,
        &field("disability"),
        &label(r.disability),
        Disability::parse,
        r,
        e,
    );
    let school_level = pick(
        v,
        &field("school_level"),
        &label(r.school_level),
        SchoolLevel::parse,
        r,
        e,
    );
    Some(MemberSurvey {
        sector: sector?,
        disability: disability?,
        chronic_illness: v.checked(field("chronic_illness")),
        pregnant: v.checked(field("pregnant")),
        school_level: school_level?,
    })
}
