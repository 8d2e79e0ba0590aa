//! The needs survey and the latent welfare behind it.
//!
//! Every household has a latent welfare level `w` (about standard normal across the regency): its base
//! luck plus what its members do (fishers, day labourers, the laid-off and large households are poorer;
//! civil servants, employees and towns richer). Each survey attribute is `w` plus its own noise, cut into
//! the attribute's categories, so attributes correlate with each other and with consumption the way they
//! do in real welfare surveys, without any one of them deciding it. The ground truth is
//! `consumption_per_capita = median × exp(σ (w + ε))` with a regency median of about Rp1.2 million a
//! month and σ = 0.55: a proxy-means test fitted on the attributes recovers much, not all, of it.

use chrono::NaiveDate;
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::{HouseholdSurvey, MaritalStatus, Rupiah, Sex};

use crate::family::Member;
use crate::geo::Village;
use crate::rng::{chance, normal, uniform, Rng};

/// Median monthly consumption per capita across the regency, in rupiah.
pub(crate) const MEDIAN_CONSUMPTION: f64 = 1_200_000.0;
/// Spread of log consumption.
pub(crate) const SIGMA: f64 = 0.55;
/// Centres welfare so that the median household sits near 0 (measured on generated data).
const WELFARE_OFFSET: f64 = 0.085;

/// The school level a person of this age attends now.
pub(crate) fn school_level(rng: &mut Rng, age: u32, w0: f64) -> SchoolLevel {
    let p = |base: f64, slope: f64| (base + slope * w0).clamp(0.0, 1.0);
    match age {
        0..=3 => SchoolLevel::TidakSekolah,
        4..=6 if chance(rng, p(0.55, 0.15)) => SchoolLevel::Paud,
        4..=6 => SchoolLevel::TidakSekolah,
        7..=12 if chance(rng, 0.99) => SchoolLevel::Sd,
        13..=15 if chance(rng, p(0.92, 0.05)) => SchoolLevel::Smp,
        16..=18 if chance(rng, p(0.78, 0.12)) => SchoolLevel::Sma,
        19..=23 if chance(rng, p(0.22, 0.15)) => SchoolLevel::Kuliah,
        _ => SchoolLevel::TidakSekolah,
    }
}

fn sector_effect(sector: Sector) -> f64 {
    match sector {
        Sector::Nelayan => -0.35,
        Sector::Buruh => -0.45,
        Sector::Petani => -0.30,
        Sector::Kukm => 0.05,
        Sector::Karyawan => 0.35,
        Sector::Asn => 0.90,
        Sector::Phk => -0.70,
        Sector::Dirumahkan => -0.45,
        Sector::TidakBekerja => -0.40,
        Sector::PelajarMahasiswa => -0.50,
        Sector::Lainnya => 0.10,
    }
}

fn earner_effect(sector: Sector) -> f64 {
    match sector {
        Sector::Asn => 0.35,
        Sector::Karyawan => 0.20,
        Sector::Kukm => 0.12,
        Sector::Nelayan | Sector::Petani | Sector::Buruh | Sector::Lainnya => 0.08,
        Sector::Phk | Sector::Dirumahkan => -0.10,
        Sector::TidakBekerja | Sector::PelajarMahasiswa => 0.0,
    }
}

/// The household's latent welfare.
pub(crate) fn welfare(
    members: &[Member],
    w0: f64,
    urban: bool,
    remote: bool,
    today: NaiveDate,
) -> f64 {
    let living: Vec<&Member> = members.iter().filter(|m| m.death.is_none()).collect();
    let n = living.len().max(1) as f64;
    let head = &members[0];
    let mut w = 0.8 * w0 + sector_effect(head.survey.sector) + WELFARE_OFFSET;
    for m in living.iter().skip(usize::from(head.death.is_none())) {
        if m.age_on(today) >= 18 {
            w += earner_effect(m.survey.sector);
        }
    }
    w -= 0.12 * (n - 3.0);
    if urban {
        w += 0.25;
    }
    if remote {
        w -= 0.25;
    }
    if living.len() == 1 && head.age_on(today) >= 60 {
        w -= 0.3;
    }
    w
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn cut<T: Copy>(score: f64, cuts: &[(f64, T)], top: T) -> T {
    cuts.iter()
        .find(|(c, _)| score < *c)
        .map(|(_, v)| *v)
        .unwrap_or(top)
}

/// Fills the members' health and pregnancy answers and returns the household's survey (none when no
/// member is alive).
pub(crate) fn household_survey(
    rng: &mut Rng,
    members: &mut [Member],
    w: f64,
    village: &Village,
    today: NaiveDate,
) -> Option<HouseholdSurvey> {
    let poor = if w < -0.8 { 1.5 } else { 1.0 };
    for m in members.iter_mut() {
        let age = m.age_on(today);
        let old = if age >= 60 { 1.0 } else { 0.0 };
        let r: f64 = rand::Rng::random(rng);
        m.survey.disability = if r < (0.004 + 0.02 * old) * poor {
            Disability::Berat
        } else if r < (0.02 + 0.07 * old) * poor {
            Disability::Ringan
        } else {
            Disability::Tidak
        };
        let p_chronic =
            0.02 + if age >= 40 { 0.06 } else { 0.0 } + if age >= 60 { 0.12 } else { 0.0 };
        m.survey.chronic_illness = chance(rng, p_chronic * poor.sqrt());
        m.survey.pregnant = m.death.is_none()
            && m.sex == Sex::Perempuan
            && m.marital == MaritalStatus::Kawin
            && (18..=42).contains(&age)
            && chance(rng, if age <= 35 { 0.07 } else { 0.03 });
        if m.death.is_some() {
            m.survey.disability = Disability::Tidak;
            m.survey.chronic_illness = false;
        }
    }
    let living = members.iter().filter(|m| m.death.is_none()).count();
    if living == 0 {
        return None;
    }
    let n = living as f64;
    let fishers = members
        .iter()
        .any(|m| m.death.is_none() && m.survey.sector == Sector::Nelayan);
    let farmers = members
        .iter()
        .any(|m| m.death.is_none() && m.survey.sector == Sector::Petani);
    let head_age = members[0].age_on(today) as f64;
    let urban = if village.urban { 1.0 } else { 0.0 };
    let remote = if village.remote { 1.0 } else { 0.0 };
    let fisher = if fishers { 1.0 } else { 0.0 };

    let s = |rng: &mut Rng, k: f64| w + k * normal(rng);
    let floor = cut(
        s(rng, 0.7) - 0.3 * fisher,
        &[
            (-1.9, Floor::Tanah),
            (-1.4, Floor::Bambu),
            (-0.7, Floor::KayuMurah),
            (0.5, Floor::Semen),
        ],
        Floor::Keramik,
    );
    let wall = cut(
        s(rng, 0.7),
        &[
            (-1.7, Wall::Bambu),
            (-0.6, Wall::Kayu),
            (-0.1, Wall::TembokTanpaPlester),
        ],
        Wall::Tembok,
    );
    let roof = cut(
        s(rng, 0.8),
        &[
            (-2.0, Roof::Ijuk),
            (-0.2, Roof::Seng),
            (0.4, Roof::Asbes),
            (1.9, Roof::Genteng),
        ],
        Roof::Beton,
    );
    let floor_area = (50f64.ln() + 0.3 * w + 0.07 * (n - 3.0) + 0.3 * normal(rng))
        .exp()
        .clamp(9.0, 500.0)
        .round() as u32;
    let water_score = s(rng, 0.7) + 0.5 * urban;
    let water = if water_score < -1.8 {
        Water::Sungai
    } else if water_score < -0.9 {
        Water::SumurTakTerlindung
    } else if water_score < 0.1 {
        Water::SumurTerlindung
    } else if village.urban && chance(rng, 0.45) {
        Water::Ledeng
    } else {
        Water::Kemasan
    };
    let sanitation = cut(
        s(rng, 0.7),
        &[(-1.7, Sanitation::TidakAda), (-1.0, Sanitation::Bersama)],
        Sanitation::Sendiri,
    );
    let electricity = cut(
        s(rng, 0.6) - 0.8 * remote,
        &[
            (-2.4, Electricity::TidakAda),
            (-1.9, Electricity::NonPln),
            (-0.2, Electricity::Pln450),
            (1.0, Electricity::Pln900),
        ],
        Electricity::Pln1300,
    );
    let cooking_fuel = cut(
        s(rng, 0.7) - 0.3 * (1.0 - urban),
        &[
            (-1.6, CookingFuel::Kayu),
            (-1.35, CookingFuel::MinyakTanah),
            (1.2, CookingFuel::Lpg3kg),
        ],
        CookingFuel::LpgBesar,
    );
    let consumption = MEDIAN_CONSUMPTION * (crate::survey::SIGMA * (w + 0.3 * normal(rng))).exp();
    let income = consumption * n * uniform(rng, 0.8, 1.3);
    let income_band = if income < 1_000_000.0 {
        IncomeBand::Below1m
    } else if income < 2_000_000.0 {
        IncomeBand::From1to2m
    } else if income < 4_000_000.0 {
        IncomeBand::From2to4m
    } else {
        IncomeBand::Above4m
    };
    let owns_house = chance(rng, logistic(1.2 + 0.03 * (head_age - 40.0) + 0.3 * w));
    let has_motorcycle = chance(rng, logistic(1.5 + 1.3 * w));
    let has_car = chance(rng, logistic(-2.8 + 1.5 * w));
    let has_refrigerator = chance(rng, logistic(0.3 + 1.4 * w));
    let has_boat = chance(
        rng,
        if fishers {
            logistic(0.3 + 0.6 * w)
        } else {
            0.01
        },
    );
    let p_livestock = if village.urban { 0.02 } else { 0.10 } + if farmers { 0.25 } else { 0.0 };
    let livestock_units = if chance(rng, p_livestock) {
        (1.0 + crate::rng::exponential(rng, 2.0)).min(30.0) as u32
    } else {
        0
    };
    let land = if farmers {
        Some((8000f64.ln() + 0.6 * normal(rng) + 0.3 * w).exp())
    } else if !village.urban && chance(rng, 0.25) {
        Some((1500f64.ln() + 0.6 * normal(rng)).exp())
    } else if village.urban && chance(rng, 0.03) {
        Some((800f64.ln() + 0.5 * normal(rng)).exp())
    } else {
        None
    };
    let land_m2 = land.map_or(0, |m2| ((m2 / 10.0).round() * 10.0) as u32);
    Some(HouseholdSurvey {
        floor,
        wall,
        roof,
        floor_area_m2: floor_area,
        water,
        sanitation,
        electricity,
        cooking_fuel,
        income_band,
        owns_house,
        has_motorcycle,
        has_car,
        has_refrigerator,
        has_boat,
        livestock_units,
        land_m2,
        consumption_per_capita: Some(Rupiah::new(consumption.round() as i64)),
    })
}

/// Whether the social registry lists the household: poorer households are listed, with the inclusion
/// and exclusion errors real registries have (noise on the welfare it sees). About 40 % are listed.
pub(crate) fn in_registry(rng: &mut Rng, w: f64) -> bool {
    -w + 0.6 * normal(rng) > REGISTRY_THRESHOLD
}

/// Chosen so that about 40 % of households are listed (welfare has mean ≈ 0 and s.d. ≈ 1.1 across the
/// regency; checked by a test).
const REGISTRY_THRESHOLD: f64 = 0.25;
