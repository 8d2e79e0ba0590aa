//! One household (KK): who lives in it, how old they are, how they are related, their names, religion,
//! where they were born, what they do, who died recently, and the household's latent welfare.
//!
//! Make-up follows the KK: a head (the husband in a married couple; a widow, divorcee or single person
//! otherwise), a spouse, 0–5 children, and sometimes a parent or parent-in-law, a married child with a
//! child-in-law and grandchildren, or another relative. Age gaps are checked: children are at least 16
//! years younger than their mother and 17 than their father, parents at least 16 years older than the
//! head.

use chrono::{Datelike, Days, NaiveDate};
use tepat_domain::survey::{Disability, SchoolLevel, Sector};
use tepat_domain::{
    HouseholdSurvey, MaritalStatus, MemberSurvey, RegionCode, Relationship, Religion, Sex,
};

use crate::geo::Geo;
use crate::names::{
    clan_for, family_religion, maybe_old_spelling, person_name, titles, with_titles, Clan, Ethnic,
    NameSpec,
};
use crate::rng::{below, chance, exponential, normal, pick_weighted, uniform, Rng};
use crate::survey;

/// A person as generated (the truth; faults are applied only when rows are written).
pub(crate) struct Member {
    pub name: String,
    pub sex: Sex,
    pub birth: NaiveDate,
    /// The kecamatan whose code starts the NIK.
    pub birth_district: RegionCode,
    pub birth_place: u32,
    pub religion: Religion,
    pub marital: MaritalStatus,
    pub relationship: Relationship,
    pub occupation: &'static str,
    pub death: Option<NaiveDate>,
    pub survey: MemberSurvey,
    /// What the NIK serial is counted by (district and encoded birth date).
    pub nik_key: u64,
    /// NIK serial, set by the numbering pass.
    pub serial: u16,
}

impl Member {
    pub(crate) fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.birth).unwrap_or(0)
    }
}

/// A household as generated.
pub(crate) struct Home {
    pub village: u32,
    /// Street address without RT/RW, e.g. `JL. MELATI NO. 12` or `DUSUN AIR MERAH`.
    pub address: String,
    pub rt: u16,
    pub rw: u16,
    /// The KK's registration date (digits 7–12 of the KK number).
    pub kk_date: NaiveDate,
    /// What the KK serial is counted by (district and registration date).
    pub kk_key: u64,
    /// KK serial, set by the numbering pass.
    pub kk_serial: u16,
    pub members: Vec<Member>,
    /// `None` when nobody in the household is alive any more.
    pub survey: Option<HouseholdSurvey>,
    /// Whether the social registry lists this household (poorer households, with targeting noise).
    pub in_registry: bool,
}

/// A member before names are given.
struct Slot {
    rel: Relationship,
    sex: Sex,
    age: f64,
    marital: MaritalStatus,
    /// Index of the slot that is this person's father (for names and clans).
    father: Option<usize>,
    /// Who passes the clan on: the slot itself (head, spouse, elders, in-laws) or its father.
    own_clan: bool,
    /// Index among siblings, for Balinese names.
    birth_order: u8,
    /// A different naming tradition than the head (a spouse or child-in-law from elsewhere).
    ethnic: Ethnic,
}

const MAX_AGE: f64 = 98.5;

pub(crate) fn generate_home(
    rng: &mut Rng,
    geo: &Geo,
    village_index: u32,
    size: u8,
    today: NaiveDate,
) -> Home {
    let village = &geo.villages[village_index as usize];
    let head_ethnic = pick_weighted(rng, &geo.mix);
    let religion = family_religion(rng, head_ethnic);
    let mut slots = compose(rng, size as usize, head_ethnic);
    for s in &mut slots {
        if matches!(s.rel, Relationship::SuamiIstri | Relationship::Menantu) && chance(rng, 0.15) {
            s.ethnic = pick_weighted(rng, &geo.mix);
        }
    }

    // Base luck of the household: shapes schooling and jobs, then welfare.
    let w0 = normal(rng);

    // Birth dates, districts, schooling and occupations.
    let mut members: Vec<Member> = Vec::with_capacity(slots.len());
    for s in &slots {
        let birth = birth_date(rng, today, s.age);
        let age = today.years_since(birth).unwrap_or(0);
        let (birth_district, birth_place) = birth_origin(rng, geo, village.district, s, age);
        let school = survey::school_level(rng, age, w0);
        let occupation = occupation(rng, s, age, school, village.urban, village.fish_share, w0);
        let sector = sector_of(rng, occupation);
        let religion = if matches!(religion, Religion::Buddha | Religion::Khonghucu)
            && matches!(s.rel, Relationship::Anak | Relationship::Cucu)
            && chance(rng, 0.15)
        {
            if chance(rng, 0.5) {
                Religion::Kristen
            } else {
                Religion::Katolik
            }
        } else {
            religion
        };
        members.push(Member {
            name: String::new(),
            sex: s.sex,
            birth,
            birth_district,
            birth_place,
            religion,
            marital: s.marital,
            relationship: s.rel,
            occupation,
            death: None,
            survey: MemberSurvey {
                sector,
                disability: Disability::Tidak,
                chronic_illness: false,
                pregnant: false,
                school_level: school,
            },
            nik_key: crate::ids::nik_key(&birth_district, s.sex, birth),
            serial: 0,
        });
    }

    // Recent deaths (~0.5 % of persons, mostly the old).
    for m in &mut members {
        let age = m.age_on(today);
        let p = match age {
            0 => 0.004,
            1..=49 => 0.0012,
            50..=59 => 0.006,
            60..=69 => 0.016,
            70..=79 => 0.04,
            _ => 0.10,
        };
        if chance(rng, p) {
            let days_ago = 1 + below(rng, 730) as u64;
            let d = today.checked_sub_days(Days::new(days_ago)).unwrap_or(today);
            m.death = Some(d.max(m.birth));
        }
    }

    let welfare = survey::welfare(&members, w0, village.urban, village.remote, today);

    // Names: fathers before children (slots are ordered so that fathers come first).
    let clans: Vec<Clan> = slots
        .iter()
        .map(|s| clan_for(rng, s.ethnic, religion))
        .collect();
    // Children of a single mother carry their absent father's family name, the same for all of them.
    let absent_father_clan = clan_for(rng, head_ethnic, religion);
    for i in 0..slots.len() {
        let s = &slots[i];
        let clan = match (s.own_clan, s.father) {
            (false, Some(f)) => clans[f],
            (false, None) => absent_father_clan,
            (true, _) => clans[i],
        };
        let birth_year = members[i].birth.year();
        let father_name = s.father.map(|f| members[f].name.clone());
        let ethnic = match s.father {
            Some(f) if !s.own_clan => slots[f].ethnic,
            _ => s.ethnic,
        };
        let spec = NameSpec {
            ethnic,
            sex: s.sex,
            birth_year,
            religion: members[i].religion,
            clan,
            father: father_name.as_deref(),
            birth_order: s.birth_order,
        };
        let plain = person_name(rng, &spec);
        let plain = maybe_old_spelling(rng, &plain, birth_year, ethnic);
        let age = members[i].age_on(today);
        let t = titles(
            rng,
            s.sex,
            age,
            members[i].religion,
            birth_year,
            members[i].occupation,
            welfare,
        );
        members[i].name = with_titles(&plain, &t, s.sex);
    }

    let survey = survey::household_survey(rng, &mut members, welfare, village, today);
    let (address, rw, rt) = address(rng, geo, village_index);
    let kk_date = kk_date(rng, &members, today);
    Home {
        village: village_index,
        address,
        rt,
        rw,
        kk_date,
        kk_key: crate::ids::kk_key(&geo.districts[village.district].code, kk_date),
        kk_serial: 0,
        members,
        survey,
        in_registry: crate::survey::in_registry(rng, welfare),
    }
}

/// A birth date `age` years before today, with the heaping on 1 January (and 31 December, 1 July) that
/// older records show when the true date was unknown.
fn birth_date(rng: &mut Rng, today: NaiveDate, age: f64) -> NaiveDate {
    // Ages are often clamped to a bound (17, 0, the maximum); spreading each over its year keeps those
    // births from piling up on today's day and month.
    let age = age.clamp(0.0, MAX_AGE);
    let days = (age * 365.2425) as u64 + below(rng, 365) as u64;
    let d = today.checked_sub_days(Days::new(days)).unwrap_or(today);
    if d.year() < 1975 {
        let r: f64 = rand::Rng::random(rng);
        let heaped = if r < 0.10 {
            NaiveDate::from_ymd_opt(d.year(), 1, 1)
        } else if r < 0.13 {
            NaiveDate::from_ymd_opt(d.year(), 12, 31)
        } else if r < 0.15 {
            NaiveDate::from_ymd_opt(d.year(), 7, 1)
        } else {
            None
        };
        if let Some(h) = heaped {
            return h.min(today);
        }
    }
    d
}

/// Where someone was born: mostly in the district where they live, some elsewhere in the regency, some
/// in another regency or province (migrants; children less often).
fn birth_origin(
    rng: &mut Rng,
    geo: &Geo,
    home_district: usize,
    s: &Slot,
    age: u32,
) -> (RegionCode, u32) {
    let (p_home, p_regency) = if age < 15 { (0.88, 0.08) } else { (0.70, 0.15) };
    let r: f64 = rand::Rng::random(rng);
    let d = if r < p_home {
        home_district
    } else if r < p_home + p_regency {
        geo.sample_district(rng)
    } else {
        let o = geo.sample_outside(rng, s.ethnic);
        return (o.district, o.place);
    };
    (geo.districts[d].code, geo.home_birth_place(rng, d))
}

/// The household's make-up for a given size.
fn compose(rng: &mut Rng, n: usize, ethnic: Ethnic) -> Vec<Slot> {
    let mut b = Builder {
        slots: Vec::with_capacity(n),
        ethnic,
    };
    let r: f64 = rand::Rng::random(rng);
    match n {
        1 => {
            if r < 0.45 {
                let sex = if chance(rng, 0.75) {
                    Sex::Perempuan
                } else {
                    Sex::LakiLaki
                };
                let age = 60.0 + exponential(rng, 9.0).min(38.0);
                let marital = if chance(rng, 0.85) {
                    MaritalStatus::CeraiMati
                } else {
                    MaritalStatus::CeraiHidup
                };
                b.head(sex, age, marital);
            } else if r < 0.85 {
                let sex = if chance(rng, 0.6) {
                    Sex::LakiLaki
                } else {
                    Sex::Perempuan
                };
                let marital = if chance(rng, 0.85) {
                    MaritalStatus::BelumKawin
                } else {
                    MaritalStatus::CeraiHidup
                };
                b.head(sex, uniform(rng, 19.0, 38.0), marital);
            } else {
                let sex = if chance(rng, 0.5) {
                    Sex::LakiLaki
                } else {
                    Sex::Perempuan
                };
                let marital = pick_weighted(
                    rng,
                    &[
                        (MaritalStatus::CeraiHidup, 0.55),
                        (MaritalStatus::CeraiMati, 0.30),
                        (MaritalStatus::BelumKawin, 0.15),
                    ],
                );
                b.head(sex, uniform(rng, 38.0, 60.0), marital);
            }
        }
        2 => {
            if r < 0.55 {
                let husband = if chance(rng, 0.45) {
                    uniform(rng, 20.0, 35.0)
                } else {
                    uniform(rng, 45.0, 85.0)
                };
                b.couple(rng, husband);
            } else if r < 0.85 {
                b.single_parent(rng, 1);
            } else if r < 0.95 {
                let head_age = uniform(rng, 22.0, 55.0);
                let sex = if chance(rng, 0.5) {
                    Sex::LakiLaki
                } else {
                    Sex::Perempuan
                };
                let marital = if chance(rng, 0.7) {
                    MaritalStatus::BelumKawin
                } else {
                    MaritalStatus::CeraiHidup
                };
                b.head(sex, head_age, marital);
                b.elder(rng, Relationship::OrangTua);
            } else {
                let sex = if chance(rng, 0.6) {
                    Sex::Perempuan
                } else {
                    Sex::LakiLaki
                };
                b.head(sex, uniform(rng, 45.0, 80.0), MaritalStatus::CeraiMati);
                b.relative(rng);
            }
        }
        _ => {
            if r < 0.70 {
                let kids = (n - 2).min(5);
                b.nuclear(rng, kids);
            } else if r < 0.80 {
                let kids = (n - 3).min(5);
                b.nuclear(rng, kids);
                let rel = if chance(rng, 0.5) {
                    Relationship::OrangTua
                } else {
                    Relationship::Mertua
                };
                b.elder(rng, rel);
            } else if r < 0.88 {
                b.three_generations(rng, n);
            } else if r < 0.97 {
                b.single_parent(rng, (n - 1).min(5));
            } else {
                let kids = (n - 3).min(5);
                b.nuclear(rng, kids);
                b.relative(rng);
            }
        }
    }
    while b.slots.len() < n {
        b.relative(rng);
    }
    b.slots.truncate(n);
    b.slots
}

/// Where a member stands in the family line: their father (for names), whether they carry their own
/// family name, and their birth order among siblings.
#[derive(Clone, Copy)]
struct Kin {
    father: Option<usize>,
    own_clan: bool,
    birth_order: u8,
}

impl Kin {
    /// Heads, spouses, elders, in-laws and other relatives: their own family name.
    const OWN: Kin = Kin {
        father: None,
        own_clan: true,
        birth_order: 1,
    };
}

struct Builder {
    slots: Vec<Slot>,
    ethnic: Ethnic,
}

impl Builder {
    fn push(
        &mut self,
        rel: Relationship,
        sex: Sex,
        age: f64,
        marital: MaritalStatus,
        kin: Kin,
    ) -> usize {
        self.slots.push(Slot {
            rel,
            sex,
            age: age.clamp(0.0, MAX_AGE),
            marital,
            father: kin.father,
            own_clan: kin.own_clan,
            birth_order: kin.birth_order,
            ethnic: self.ethnic,
        });
        self.slots.len() - 1
    }

    fn head(&mut self, sex: Sex, age: f64, marital: MaritalStatus) -> usize {
        self.push(Relationship::KepalaKeluarga, sex, age, marital, Kin::OWN)
    }

    /// Husband (head) and wife, no children.
    fn couple(&mut self, rng: &mut Rng, husband_age: f64) -> (usize, usize) {
        let gap = (4.0 + 3.5 * normal(rng)).clamp(-4.0, 15.0);
        let wife_age = (husband_age - gap).clamp(17.0, MAX_AGE);
        let husband_age = husband_age.max(wife_age - 4.0).max(19.0);
        let h = self.head(Sex::LakiLaki, husband_age, MaritalStatus::Kawin);
        let w = self.push(
            Relationship::SuamiIstri,
            Sex::Perempuan,
            wife_age,
            MaritalStatus::Kawin,
            Kin::OWN,
        );
        (h, w)
    }

    /// Husband (head), wife and `kids` children.
    fn nuclear(&mut self, rng: &mut Rng, kids: usize) {
        if kids == 0 {
            let husband = if chance(rng, 0.5) {
                uniform(rng, 21.0, 35.0)
            } else {
                uniform(rng, 48.0, 85.0)
            };
            self.couple(rng, husband);
            return;
        }
        let (ages, mother_age) = children_ages(rng, kids);
        let gap = (4.0 + 3.5 * normal(rng)).clamp(-4.0, 15.0);
        let eldest = ages.iter().cloned().fold(0.0, f64::max);
        let father_age = (mother_age + gap).max(eldest + 17.0).clamp(19.0, MAX_AGE);
        let h = self.head(Sex::LakiLaki, father_age, MaritalStatus::Kawin);
        self.push(
            Relationship::SuamiIstri,
            Sex::Perempuan,
            mother_age,
            MaritalStatus::Kawin,
            Kin::OWN,
        );
        self.children(rng, &ages, Some(h), Relationship::Anak);
    }

    /// A widowed or divorced parent (usually the mother) as head with `kids` children.
    fn single_parent(&mut self, rng: &mut Rng, kids: usize) {
        let (ages, mother_age) = children_ages(rng, kids.max(1));
        let mother = chance(rng, 0.8);
        let age = if mother {
            mother_age
        } else {
            (mother_age + 3.0).min(MAX_AGE)
        };
        let marital = if age > 45.0 && chance(rng, 0.6) {
            MaritalStatus::CeraiMati
        } else {
            MaritalStatus::CeraiHidup
        };
        let sex = if mother {
            Sex::Perempuan
        } else {
            Sex::LakiLaki
        };
        let h = self.head(sex, age, marital);
        // A mother's children carry their (absent) father's clan; approximate with the head's tradition.
        let father = if mother { None } else { Some(h) };
        self.children(rng, &ages, father, Relationship::Anak);
    }

    fn children(&mut self, rng: &mut Rng, ages: &[f64], father: Option<usize>, rel: Relationship) {
        // Eldest first: birth order 1, 2, …
        let mut sorted = ages.to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        for (i, age) in sorted.into_iter().enumerate() {
            let sex = if chance(rng, 0.51) {
                Sex::LakiLaki
            } else {
                Sex::Perempuan
            };
            self.push(
                rel,
                sex,
                age,
                MaritalStatus::BelumKawin,
                Kin {
                    father,
                    own_clan: false,
                    birth_order: (i + 1) as u8,
                },
            );
        }
    }

    /// A widowed parent or parent-in-law of the head, at least 18 years older.
    fn elder(&mut self, rng: &mut Rng, rel: Relationship) {
        let base = if rel == Relationship::Mertua {
            self.slots
                .iter()
                .find(|s| s.rel == Relationship::SuamiIstri)
                .map(|s| s.age)
        } else {
            None
        }
        .unwrap_or(self.slots[0].age)
        .max(self.slots[0].age);
        let age = base + uniform(rng, 20.0, 36.0);
        if age > MAX_AGE {
            self.relative(rng);
            return;
        }
        let sex = if chance(rng, 0.7) {
            Sex::Perempuan
        } else {
            Sex::LakiLaki
        };
        self.push(rel, sex, age, MaritalStatus::CeraiMati, Kin::OWN);
    }

    /// Another relative (niece, nephew, sibling), younger than the head.
    fn relative(&mut self, rng: &mut Rng) {
        let head_age = self.slots.first().map(|s| s.age).unwrap_or(40.0);
        let age = uniform(rng, 3.0, 30.0).min((head_age - 5.0).max(0.0));
        let sex = if chance(rng, 0.5) {
            Sex::LakiLaki
        } else {
            Sex::Perempuan
        };
        let marital = if age >= 25.0 && chance(rng, 0.3) {
            MaritalStatus::CeraiHidup
        } else {
            MaritalStatus::BelumKawin
        };
        self.push(Relationship::FamiliLain, sex, age, marital, Kin::OWN);
    }

    /// Grandparents as head and spouse, a married child with a child-in-law and grandchildren; for three
    /// persons, grandparents raising a grandchild.
    fn three_generations(&mut self, rng: &mut Rng, n: usize) {
        if n == 3 {
            let grandchild = uniform(rng, 1.0, 17.0);
            let husband = (grandchild + uniform(rng, 40.0, 60.0)).min(MAX_AGE);
            self.couple(rng, husband.max(45.0));
            self.push(
                Relationship::Cucu,
                if chance(rng, 0.5) {
                    Sex::LakiLaki
                } else {
                    Sex::Perempuan
                },
                grandchild,
                MaritalStatus::BelumKawin,
                Kin::OWN,
            );
            return;
        }
        let grandkids = n - 4;
        let (gk_ages, young_mother) = if grandkids > 0 {
            children_ages(rng, grandkids.min(5))
        } else {
            (Vec::new(), uniform(rng, 19.0, 30.0))
        };
        // The married child is the young mother or the young father.
        let daughter = chance(rng, 0.5);
        let child_age = if daughter {
            young_mother
        } else {
            young_mother + (3.0 + 2.5 * normal(rng)).clamp(-2.0, 10.0)
        };
        let in_law_age = if daughter {
            young_mother + (3.0 + 2.5 * normal(rng)).clamp(-2.0, 10.0)
        } else {
            young_mother
        };
        let eldest_gk = gk_ages.iter().cloned().fold(0.0, f64::max);
        let child_age = child_age.max(eldest_gk + 17.0).max(18.0);
        let in_law_age = in_law_age.max(eldest_gk + 17.0).max(18.0);
        let grandmother = (child_age + uniform(rng, 19.0, 36.0)).min(MAX_AGE - 2.0);
        let gap = (4.0 + 3.5 * normal(rng)).clamp(-2.0, 12.0);
        let grandfather = (grandmother + gap).max(child_age + 18.0).min(MAX_AGE);
        let h = self.head(Sex::LakiLaki, grandfather, MaritalStatus::Kawin);
        self.push(
            Relationship::SuamiIstri,
            Sex::Perempuan,
            grandmother,
            MaritalStatus::Kawin,
            Kin::OWN,
        );
        let (child_sex, in_law_sex) = if daughter {
            (Sex::Perempuan, Sex::LakiLaki)
        } else {
            (Sex::LakiLaki, Sex::Perempuan)
        };
        let c = self.push(
            Relationship::Anak,
            child_sex,
            child_age,
            MaritalStatus::Kawin,
            Kin {
                father: Some(h),
                own_clan: false,
                birth_order: 1,
            },
        );
        let m = self.push(
            Relationship::Menantu,
            in_law_sex,
            in_law_age,
            MaritalStatus::Kawin,
            Kin::OWN,
        );
        let father = if daughter { m } else { c };
        let mut sorted = gk_ages;
        sorted.sort_by(|a, b| b.total_cmp(a));
        for (i, age) in sorted.into_iter().enumerate() {
            let sex = if chance(rng, 0.51) {
                Sex::LakiLaki
            } else {
                Sex::Perempuan
            };
            self.push(
                Relationship::Cucu,
                sex,
                age,
                MaritalStatus::BelumKawin,
                Kin {
                    father: Some(father),
                    own_clan: false,
                    birth_order: (i + 1) as u8,
                },
            );
        }
    }
}

/// Ages of `k` children and their mother's age: spacing of 1.3–8 years, the mother 16.5–38 at the first
/// birth and at most 44 at the last.
fn children_ages(rng: &mut Rng, k: usize) -> (Vec<f64>, f64) {
    // Children stay in their parents' KK until they marry, often into their twenties.
    let youngest = 24.0 * rand::Rng::random::<f64>(rng).powf(1.15);
    let mut gaps: Vec<f64> = (1..k)
        .map(|_| (1.3 + exponential(rng, 2.2)).min(8.0))
        .collect();
    let first_birth = (23.5 + 4.0 * normal(rng)).clamp(16.5, 38.0);
    let span: f64 = gaps.iter().sum();
    if first_birth + span > 44.0 && span > 0.0 {
        let scale = ((44.0 - first_birth) / span).max(0.2);
        for g in &mut gaps {
            *g *= scale;
        }
    }
    let mut ages = Vec::with_capacity(k);
    let mut a = youngest;
    ages.push(a);
    for g in &gaps {
        a += g;
        ages.push(a);
    }
    let mother = (a + first_birth).min(MAX_AGE);
    // If the cap bit, pull the children down so the mother stays at least 16.5 years older.
    for x in &mut ages {
        *x = x.min(mother - 16.5).max(0.0);
    }
    (ages, mother)
}

/// Occupation as Dukcapil writes it, consistent with age, sex, schooling and the village.
fn occupation(
    rng: &mut Rng,
    s: &Slot,
    age: u32,
    school: SchoolLevel,
    urban: bool,
    fish: f64,
    w0: f64,
) -> &'static str {
    use crate::occupation::*;
    if age < 5 || school == SchoolLevel::Paud {
        return BELUM_BEKERJA;
    }
    if matches!(
        school,
        SchoolLevel::Sd | SchoolLevel::Smp | SchoolLevel::Sma | SchoolLevel::Kuliah
    ) {
        return PELAJAR;
    }
    if age < 15 {
        return BELUM_BEKERJA;
    }
    let male = s.sex == Sex::LakiLaki;
    let rural = if urban { 0.0 } else { 1.0 };
    let up = |k: f64| (k * w0).exp();
    let job = if male && age < 25 {
        if chance(rng, fish * 0.8) {
            NELAYAN
        } else {
            pick_weighted(
                rng,
                &[
                    (BELUM_BEKERJA, 0.30),
                    (BURUH, 0.20),
                    (KARYAWAN, (0.2 + 0.1 * (1.0 - rural)) * up(0.3)),
                    (PETANI, 0.08 * rural),
                    (WIRASWASTA, 0.08),
                    (SOPIR, 0.02),
                    (TUKANG_BATU, 0.02),
                    (BURUH_NELAYAN, fish * 0.3),
                ],
            )
        }
    } else if male && age < 65 {
        if chance(rng, fish) {
            NELAYAN
        } else {
            pick_weighted(
                rng,
                &[
                    (PETANI, 0.03 + 0.17 * rural),
                    (BURUH, 0.14),
                    (WIRASWASTA, 0.15 + 0.05 * (1.0 - rural)),
                    (PEDAGANG, 0.04),
                    (KARYAWAN, (0.10 + 0.10 * (1.0 - rural)) * up(0.3)),
                    (PNS, 0.045 * up(0.6)),
                    (GURU, 0.015 * up(0.5)),
                    (TNI, 0.006),
                    (POLRI, 0.007),
                    (BUMN, 0.01 * up(0.5)),
                    (SOPIR, 0.025),
                    (TUKANG_KAYU, 0.012),
                    (TUKANG_BATU, 0.018),
                    (MEKANIK, 0.006),
                    (PERANGKAT_DESA, 0.01 * rural),
                    (BURUH_NELAYAN, fish * 0.35),
                    (BURUH_TANI, 0.04 * rural),
                    (BELUM_BEKERJA, 0.04),
                ],
            )
        }
    } else if male {
        pick_weighted(
            rng,
            &[
                (PENSIUNAN, 0.12 * up(0.5)),
                (BELUM_BEKERJA, 0.38),
                (PETANI, 0.03 + 0.17 * rural),
                (NELAYAN, fish * 0.5),
                (WIRASWASTA, 0.12),
                (PEDAGANG, 0.04),
                (BURUH, 0.05),
            ],
        )
    } else if age >= 65 {
        pick_weighted(
            rng,
            &[
                (MENGURUS_RUMAH_TANGGA, 0.55),
                (BELUM_BEKERJA, 0.30),
                (PENSIUNAN, 0.05 * up(0.5)),
                (PEDAGANG, 0.05),
                (PETANI, 0.05 * rural),
                (WIRASWASTA, 0.05),
            ],
        )
    } else if s.marital == MaritalStatus::Kawin {
        pick_weighted(
            rng,
            &[
                (MENGURUS_RUMAH_TANGGA, 0.60),
                (WIRASWASTA, 0.10),
                (PEDAGANG, 0.06),
                (PETANI, 0.05 * rural),
                (KARYAWAN, (0.06 + 0.03 * (1.0 - rural)) * up(0.3)),
                (PNS, 0.025 * up(0.6)),
                (GURU, 0.035 * up(0.4)),
                (BIDAN, 0.005),
                (PERAWAT, 0.006),
                (BURUH, 0.03),
                (BELUM_BEKERJA, 0.03),
            ],
        )
    } else {
        pick_weighted(
            rng,
            &[
                (BELUM_BEKERJA, 0.25),
                (KARYAWAN, 0.22 * up(0.3)),
                (WIRASWASTA, 0.12),
                (PEDAGANG, 0.08),
                (MENGURUS_RUMAH_TANGGA, 0.15),
                (GURU, 0.04 * up(0.4)),
                (PNS, 0.03 * up(0.6)),
                (PERAWAT, 0.02),
                (BURUH, 0.06),
                (PETANI, 0.05 * rural),
            ],
        )
    };
    if age >= 58 && matches!(job, PNS | TNI | POLRI | BUMN) {
        return PENSIUNAN;
    }
    job
}

/// The needs-survey sector of an occupation; some employees are recorded as laid off (PHK) or
/// furloughed (dirumahkan) — the extract's occupation text is often not updated when that happens.
fn sector_of(rng: &mut Rng, occupation: &str) -> Sector {
    use crate::occupation::*;
    match occupation {
        NELAYAN | BURUH_NELAYAN => Sector::Nelayan,
        PETANI | BURUH_TANI => Sector::Petani,
        BURUH | TUKANG_BATU | TUKANG_KAYU => Sector::Buruh,
        WIRASWASTA | PEDAGANG => Sector::Kukm,
        KARYAWAN | SOPIR | MEKANIK | BUMN => {
            let r: f64 = rand::Rng::random(rng);
            if r < 0.07 {
                Sector::Phk
            } else if r < 0.12 {
                Sector::Dirumahkan
            } else {
                Sector::Karyawan
            }
        }
        PNS | TNI | POLRI => Sector::Asn,
        PELAJAR => Sector::PelajarMahasiswa,
        MENGURUS_RUMAH_TANGGA | BELUM_BEKERJA | PENSIUNAN => Sector::TidakBekerja,
        _ => Sector::Lainnya,
    }
}

/// The address of a new household in its village: a street with a house number in town, a dusun or a
/// village road in the country; RW and RT within the village's layout.
pub(crate) fn address(rng: &mut Rng, geo: &Geo, village: u32) -> (String, u16, u16) {
    let v = &geo.villages[village as usize];
    let rw_index = below(rng, v.dusun.len());
    let rw = rw_index as u16 + 1;
    let rt = 1 + below(rng, v.rts[rw_index] as usize) as u16;
    let street = &v.streets[below(rng, v.streets.len())];
    let r: f64 = rand::Rng::random(rng);
    let address = if v.urban {
        if r < 0.7 {
            format!("JL. {street} NO. {}", 1 + below(rng, 150))
        } else if r < 0.85 {
            let gang = &v.streets[below(rng, v.streets.len())];
            format!("JL. {street} GG. {gang}")
        } else {
            format!("JL. {street}")
        }
    } else if r < 0.6 {
        format!("DUSUN {}", v.dusun[rw_index])
    } else if r < 0.85 {
        format!("JL. {street}")
    } else {
        format!("JL. {street} NO. {}", 1 + below(rng, 80))
    };
    (address, rw, rt)
}

/// The KK's registration date: after the head turned 17 and after 2006 (SIAK), skewed to recent years
/// (cards are re-issued when a household changes).
fn kk_date(rng: &mut Rng, members: &[Member], today: NaiveDate) -> NaiveDate {
    let head_birth = members[0].birth;
    let adult = head_birth
        .checked_add_months(chrono::Months::new(17 * 12))
        .unwrap_or(head_birth);
    let start = adult.max(NaiveDate::from_ymd_opt(2006, 1, 2).expect("date"));
    let end = today.pred_opt().unwrap_or(today);
    if start >= end {
        return end;
    }
    let span = (end - start).num_days() as f64;
    let back = (rand::Rng::random::<f64>(rng).powf(1.5) * span) as u64;
    end.checked_sub_days(Days::new(back)).unwrap_or(end)
}
