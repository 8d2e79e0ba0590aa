//! Indonesian personal names as the population registry prints them (upper case, titles inside the name
//! field), and the ways other registries write the same name differently.
//!
//! Name *patterns* follow `reference/identifiers.md` §5: single names (common for older Javanese), two- and
//! three-word names, Muhammad in many spellings and abbreviations, religious and academic titles, pre-1972
//! spellings (Soeharto, Djoko, Tjahjono), Batak marga (women: `BR` + marga), Balinese birth-order names,
//! Chinese-Indonesian names (Hakka names of older Belitung Chinese: Tjhin, Lie, Bong…), Bugis `ANDI`.
//! The word lists are hand-made for this generator; no list of real persons was used.

use crate::rng::{chance, pick, pick_weighted, Rng};

#[rustfmt::skip]
mod words;
use tepat_domain::{Religion, Sex};
use words::*;

/// The naming tradition a family follows (a coarse proxy for ethnicity, used only for names, religion and
/// where people come from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ethnic {
    /// Malay (Belitung, Bangka, Sumatra) and the generic Indonesian Muslim naming of most regions.
    Melayu,
    Jawa,
    Sunda,
    /// Chinese-Indonesian (in Belitung mostly Hakka).
    Tionghoa,
    Batak,
    Bugis,
    Bali,
    /// Eastern Indonesia (NTT, Maluku, Papua, North Sulawesi): mostly Christian names.
    Timur,
}

pub(crate) const ALL_ETHNIC: [Ethnic; 8] = [
    Ethnic::Melayu,
    Ethnic::Jawa,
    Ethnic::Sunda,
    Ethnic::Tionghoa,
    Ethnic::Batak,
    Ethnic::Bugis,
    Ethnic::Bali,
    Ethnic::Timur,
];

/// The ethnic mix of a province's population (weights, rough). Belitung (19): mostly Malay, a large
/// Chinese minority, Javanese, Bugis fishers, some Batak and Sundanese.
pub(crate) fn ethnic_mix(province: u8) -> [(Ethnic, f64); 8] {
    use Ethnic::*;
    let w: [f64; 8] = match province {
        19 => [74.0, 8.5, 2.0, 10.0, 1.2, 4.0, 0.1, 0.2],
        12 => [12.0, 33.0, 1.0, 7.0, 45.0, 0.5, 0.5, 1.0],
        18 => [25.0, 60.0, 9.0, 2.0, 1.0, 1.0, 2.0, 0.0],
        11 | 13 | 14 | 15 | 16 | 17 | 21 => [68.0, 20.0, 3.0, 5.0, 2.5, 1.0, 0.3, 0.2],
        31 => [25.0, 35.0, 18.0, 8.0, 5.0, 2.0, 1.0, 6.0],
        32 | 36 => [4.0, 18.0, 72.0, 3.0, 2.0, 0.5, 0.3, 0.2],
        33..=35 => [2.0, 94.0, 1.0, 2.0, 0.5, 0.2, 0.3, 0.0],
        51 => [2.0, 10.0, 0.5, 1.0, 0.3, 1.0, 85.0, 0.2],
        52 => [75.0, 6.0, 1.0, 1.0, 0.5, 6.0, 10.0, 0.5],
        53 | 81 | 82 | 91..=96 => [20.0, 8.0, 1.0, 2.0, 2.0, 10.0, 1.0, 56.0],
        71 => [15.0, 5.0, 1.0, 4.0, 1.0, 5.0, 1.0, 68.0],
        72..=76 => [28.0, 8.0, 1.0, 3.0, 1.0, 55.0, 2.0, 2.0],
        61..=65 => [50.0, 25.0, 3.0, 8.0, 3.0, 10.0, 1.0, 0.0],
        _ => [55.0, 25.0, 5.0, 5.0, 4.0, 3.0, 2.0, 1.0],
    };
    [
        (Melayu, w[0]),
        (Jawa, w[1]),
        (Sunda, w[2]),
        (Tionghoa, w[3]),
        (Batak, w[4]),
        (Bugis, w[5]),
        (Bali, w[6]),
        (Timur, w[7]),
    ]
}

/// Religion of a family, by naming tradition.
pub(crate) fn family_religion(rng: &mut Rng, ethnic: Ethnic) -> Religion {
    use Religion::*;
    let table: &[(Religion, f64)] = match ethnic {
        Ethnic::Melayu | Ethnic::Jawa | Ethnic::Sunda | Ethnic::Bugis => &[
            (Islam, 99.3),
            (Kristen, 0.35),
            (Katolik, 0.25),
            (Kepercayaan, 0.1),
        ],
        Ethnic::Tionghoa => &[
            (Buddha, 60.0),
            (Khonghucu, 12.0),
            (Kristen, 12.0),
            (Katolik, 12.0),
            (Islam, 4.0),
        ],
        Ethnic::Batak => &[(Kristen, 62.0), (Katolik, 14.0), (Islam, 24.0)],
        Ethnic::Bali => &[(Hindu, 95.0), (Islam, 3.0), (Kristen, 2.0)],
        Ethnic::Timur => &[(Kristen, 62.0), (Katolik, 30.0), (Islam, 8.0)],
    };
    pick_weighted(rng, table)
}

/// A family name passed from father to children: Batak marga, Chinese surname.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clan {
    None,
    Marga(&'static str),
    Surname(&'static str),
}

pub(crate) fn clan_for(rng: &mut Rng, ethnic: Ethnic, religion: Religion) -> Clan {
    match ethnic {
        Ethnic::Batak if religion == Religion::Islam => Clan::Marga(word(rng, MARGA_MUSLIM)),
        Ethnic::Batak => Clan::Marga(word(rng, MARGA)),
        Ethnic::Tionghoa => Clan::Surname(word(rng, CHINESE_SURNAMES)),
        Ethnic::Timur => Clan::Surname(word(rng, TIMUR_SURNAMES)),
        _ => Clan::None,
    }
}

/// A word from a list.
fn word(rng: &mut Rng, list: &[&'static str]) -> &'static str {
    list[crate::rng::below(rng, list.len())]
}

/// What a name depends on.
pub(crate) struct NameSpec<'a> {
    pub ethnic: Ethnic,
    pub sex: Sex,
    pub birth_year: i32,
    pub religion: Religion,
    /// The family name this person carries (a child's is the father's; a wife keeps her own).
    pub clan: Clan,
    /// The father's full name, for children who take one of its words.
    pub father: Option<&'a str>,
    /// 1 for a first-born child, 2 for the second… (Balinese names encode it).
    pub birth_order: u8,
}

/// A registry-style upper-case name without titles.
pub(crate) fn person_name(rng: &mut Rng, spec: &NameSpec) -> String {
    let mut words: Vec<String> = Vec::with_capacity(4);
    let male = spec.sex == Sex::LakiLaki;
    let cohort = cohort(spec.birth_year);
    let muslim = spec.religion == Religion::Islam;
    match spec.ethnic {
        Ethnic::Tionghoa => return chinese_name(rng, spec),
        Ethnic::Bali if spec.religion == Religion::Hindu => return balinese_name(rng, spec),
        Ethnic::Timur if !muslim => {
            words.push(pick(rng, if male { TIMUR_M } else { TIMUR_F }).to_string());
            if chance(rng, 0.5) {
                words.push(pick(rng, if male { TIMUR_M } else { TIMUR_F }).to_string());
            }
            if let Clan::Surname(s) = spec.clan {
                words.push(s.to_string());
            }
            return words.join(" ");
        }
        Ethnic::Batak => {
            let given: &[&str] = match (muslim, male) {
                (true, true) => MELAYU_MID_M,
                (true, false) => MELAYU_MID_F,
                (false, true) => BATAK_M,
                (false, false) => BATAK_F,
            };
            words.push(pick(rng, given).to_string());
            if chance(rng, 0.3) {
                words.push(pick(rng, given).to_string());
            }
            if let Clan::Marga(m) = spec.clan {
                if !male {
                    words.push("BR".into());
                }
                words.push(m.to_string());
            }
            dedup_words(&mut words);
            return words.join(" ");
        }
        _ => {}
    }

    // Muslim and other Malay/Javanese/Sundanese/Bugis naming.
    if spec.ethnic == Ethnic::Bugis && chance(rng, if male { 0.12 } else { 0.08 }) {
        words.push("ANDI".into());
    }
    let single_p = match (spec.ethnic, cohort) {
        (Ethnic::Jawa, Cohort::Old) => 0.55,
        (Ethnic::Jawa, Cohort::Mid) => 0.2,
        (_, Cohort::Old) => 0.3,
        (_, Cohort::Mid) => 0.12,
        (_, Cohort::Young) => 0.04,
    };
    let (given_pool, second_pool) = pools(spec.ethnic, male, cohort, muslim);
    if muslim && male && chance(rng, 0.13) {
        words.push(muhammad_spelling(rng, cohort).to_string());
        words.push(pick(rng, given_pool).to_string());
        if chance(rng, 0.4) {
            words.push(pick(rng, second_pool).to_string());
        }
    } else if muslim && male && chance(rng, 0.03) {
        words.push("ABDUL".into());
        words.push(pick(rng, ABDUL_SECOND).to_string());
        if chance(rng, 0.5) {
            words.push(pick(rng, second_pool).to_string());
        }
    } else if muslim && !male && chance(rng, 0.12) {
        words.push(pick(rng, &["SITI", "SITI", "NUR", "NURUL"]).to_string());
        words.push(pick(rng, given_pool).to_string());
    } else if words.is_empty() && chance(rng, single_p) {
        words.push(pick(rng, given_pool).to_string());
    } else {
        words.push(pick(rng, given_pool).to_string());
        let third = match cohort {
            Cohort::Young => 0.4,
            Cohort::Mid => 0.15,
            Cohort::Old => 0.03,
        };
        if chance(rng, third) {
            words.push(pick(rng, given_pool).to_string());
        }
        words.push(pick(rng, second_pool).to_string());
    }
    if cohort != Cohort::Old {
        for w in &mut words {
            if w.len() > 3 && chance(rng, 0.15) {
                *w = creative_spelling(rng, w);
            }
        }
    }
    // Some children carry a word of their father's name (Malay/Javanese/Sundanese practice varies).
    if let Some(father) = spec.father {
        if words.len() < 3 && chance(rng, 0.2) {
            if let Some(w) = father
                .split(' ')
                .rfind(|w| !is_title(w) && !is_muhammad(w) && w.len() > 2)
            {
                words.push(w.to_string());
            }
        }
    }
    dedup_words(&mut words);
    words.join(" ")
}

/// Parents spell the same name many ways (RIZKY, RIZKI, RISKI; RAMADAN, RAMADHAN; FITRI, FITRIE): a
/// different person, not a typo, and one of the reasons exact name matching fails.
fn creative_spelling(rng: &mut Rng, word: &str) -> String {
    let w = word;
    let options: Vec<String> = [
        w.strip_suffix('I').map(|s| format!("{s}Y")),
        w.strip_suffix('Y').map(|s| format!("{s}I")),
        w.strip_suffix('I').map(|s| format!("{s}IE")),
        w.strip_suffix('A').map(|s| format!("{s}AH")),
        w.contains("DH").then(|| w.replacen("DH", "D", 1)),
        (!w.contains("DH") && w.contains('D')).then(|| w.replacen('D', "DH", 1)),
        w.contains("TH").then(|| w.replacen("TH", "T", 1)),
        w.contains('Z').then(|| w.replacen('Z', "S", 1)),
        w.contains("SY").then(|| w.replacen("SY", "S", 1)),
        (w.matches('F').count() == 1 && !w.starts_with('F')).then(|| w.replacen('F', "V", 1)),
        (w.matches('V').count() == 1 && !w.starts_with('V')).then(|| w.replacen('V', "F", 1)),
        w.contains("KH").then(|| w.replacen("KH", "H", 1)),
        w.contains("NN").then(|| w.replacen("NN", "N", 1)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if options.is_empty() {
        w.to_string()
    } else {
        pick(rng, &options).clone()
    }
}

fn dedup_words(words: &mut Vec<String>) {
    let mut seen: Vec<String> = Vec::new();
    words.retain(|w| {
        if seen.contains(w) && w != "BR" {
            false
        } else {
            seen.push(w.clone());
            true
        }
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cohort {
    /// Born before 1975.
    Old,
    /// Born 1975–1999.
    Mid,
    /// Born 2000 or later.
    Young,
}

fn cohort(year: i32) -> Cohort {
    if year < 1975 {
        Cohort::Old
    } else if year < 2000 {
        Cohort::Mid
    } else {
        Cohort::Young
    }
}

fn pools(
    ethnic: Ethnic,
    male: bool,
    cohort: Cohort,
    muslim: bool,
) -> (&'static [&'static str], &'static [&'static str]) {
    match (ethnic, male, cohort) {
        (_, true, Cohort::Young) => (YOUNG_M, YOUNG_SECOND_M),
        (_, false, Cohort::Young) => (YOUNG_F, YOUNG_SECOND_F),
        (Ethnic::Jawa, true, Cohort::Old) => (JAWA_OLD_M, JAWA_SECOND_M),
        (Ethnic::Jawa, false, Cohort::Old) => (JAWA_OLD_F, JAWA_SECOND_F),
        (Ethnic::Jawa, true, _) => (JAWA_MID_M, JAWA_SECOND_M),
        (Ethnic::Jawa, false, _) => (JAWA_MID_F, JAWA_SECOND_F),
        (Ethnic::Sunda, true, _) => (SUNDA_M, SUNDA_SECOND_M),
        (Ethnic::Sunda, false, _) => (SUNDA_F, SUNDA_SECOND_F),
        (Ethnic::Bugis, true, _) => (BUGIS_M, MELAYU_SECOND_M),
        (Ethnic::Bugis, false, _) => (BUGIS_F, MELAYU_SECOND_F),
        (_, true, Cohort::Old) if muslim => (MELAYU_OLD_M, MELAYU_SECOND_M),
        (_, false, Cohort::Old) if muslim => (MELAYU_OLD_F, MELAYU_SECOND_F),
        (_, true, _) => (MELAYU_MID_M, MELAYU_SECOND_M),
        (_, false, _) => (MELAYU_MID_F, MELAYU_SECOND_F),
    }
}

fn chinese_name(rng: &mut Rng, spec: &NameSpec) -> String {
    let male = spec.sex == Sex::LakiLaki;
    let surname = match spec.clan {
        Clan::Surname(s) => s,
        _ => pick(rng, CHINESE_SURNAMES),
    };
    let christian = matches!(spec.religion, Religion::Kristen | Religion::Katolik);
    if (spec.birth_year < 1970 && !christian) || spec.birth_year < 1960 {
        // Older Belitung Chinese: Hakka names in the old spelling, surname first ("TJHIN NYUK LAN").
        let pool = if male { HAKKA_M } else { HAKKA_F };
        let a = pick(rng, HAKKA_COMMON);
        let b = pick(rng, pool);
        return if chance(rng, 0.25) {
            format!("{surname} {b}")
        } else {
            format!("{surname} {a} {b}")
        };
    }
    let given = if christian || spec.birth_year >= 1990 {
        pick(
            rng,
            if male {
                CHINESE_WESTERN_M
            } else {
                CHINESE_WESTERN_F
            },
        )
    } else {
        pick(rng, if male { CHINESE_INDO_M } else { CHINESE_INDO_F })
    };
    match rng.random_range_u8(0, 10) {
        // Given name + surname kept as a family name ("VINCENT LIE").
        0..=3 => format!("{given} {surname}"),
        // An Indonesianised family name ("HENDRA WIJAYA").
        4..=6 => format!("{given} {}", pick(rng, CHINESE_INDONESIANISED)),
        // A single name ("SUSANTI").
        7 if spec.birth_year < 1990 => given.to_string(),
        // Given name and a second given name ("KEVIN ANDREAS").
        _ => format!(
            "{given} {}",
            pick(
                rng,
                if male {
                    CHINESE_WESTERN_M
                } else {
                    CHINESE_WESTERN_F
                }
            )
        ),
    }
}

fn balinese_name(rng: &mut Rng, spec: &NameSpec) -> String {
    let male = spec.sex == Sex::LakiLaki;
    let prefix = if male { "I" } else { "NI" };
    let order = match (spec.birth_order.max(1) - 1) % 4 {
        0 if male => *pick(rng, &["WAYAN", "PUTU", "GEDE"]),
        0 => *pick(rng, &["WAYAN", "PUTU", "LUH"]),
        1 => *pick(rng, &["MADE", "KADEK", "NENGAH"]),
        2 => *pick(rng, &["NYOMAN", "KOMANG"]),
        _ => "KETUT",
    };
    let given = pick(rng, if male { BALI_M } else { BALI_F });
    format!("{prefix} {order} {given}")
}

/// Small helper so that the name code reads without turbofish noise.
trait RangeU8 {
    fn random_range_u8(&mut self, lo: u8, hi: u8) -> u8;
}

impl RangeU8 for Rng {
    fn random_range_u8(&mut self, lo: u8, hi: u8) -> u8 {
        use rand::Rng as _;
        self.random_range(lo..hi)
    }
}

/// How Muhammad is written in the population registry, by birth cohort.
fn muhammad_spelling(rng: &mut Rng, cohort: Cohort) -> &'static str {
    let table: &[(&str, f64)] = match cohort {
        Cohort::Old => &[
            ("MUHAMMAD", 25.0),
            ("MOHAMMAD", 12.0),
            ("MOHAMAD", 10.0),
            ("MOEHAMAD", 6.0),
            ("MOEHAMMAD", 4.0),
            ("MOCHAMAD", 8.0),
            ("MOCHAMMAD", 4.0),
            ("MUHAMAD", 8.0),
            ("MOH.", 10.0),
            ("MOCH.", 5.0),
            ("M.", 8.0),
        ],
        _ => &[
            ("MUHAMMAD", 50.0),
            ("MUHAMAD", 15.0),
            ("MOHAMMAD", 7.0),
            ("MOHAMAD", 6.0),
            ("MOCHAMAD", 4.0),
            ("MUKHAMAD", 2.0),
            ("MUH.", 3.0),
            ("MOH.", 4.0),
            ("MOHD.", 1.0),
            ("M.", 8.0),
        ],
    };
    pick_weighted(rng, table)
}

/// Every spelling and abbreviation of Muhammad the generator writes.
pub(crate) const MUHAMMAD_FORMS: &[&str] = &[
    "MUHAMMAD",
    "MUHAMAD",
    "MOHAMMAD",
    "MOHAMAD",
    "MOEHAMAD",
    "MOEHAMMAD",
    "MOCHAMAD",
    "MOCHAMMAD",
    "MUKHAMAD",
    "MOHAMMED",
    "MUH.",
    "MOH.",
    "MOCH.",
    "MOHD.",
    "M.",
    "MUH",
    "MOH",
    "M",
];

pub(crate) fn is_muhammad(word: &str) -> bool {
    MUHAMMAD_FORMS.contains(&word)
}

/// Titles written inside the name field (religious, academic, honorific).
pub(crate) const PREFIX_TITLES: &[&str] = &[
    "H.", "HJ.", "K.H.", "DRS.", "DRA.", "IR.", "DR.", "R.", "RADEN", "BPK.", "BPK", "IBU", "ALM.",
    "ALMH.", "H", "HJ", "DRS", "IR",
];
const SUFFIX_TITLES: &[&str] = &[
    "S.PD", "S.PD.I", "S.E", "S.H", "S.SOS", "S.IP", "S.KOM", "S.T", "A.MD", "S.AP", "M.PD",
    "M.SI", "S.KEP", "AMD.KEP", "S.AG",
];

pub(crate) fn is_title(word: &str) -> bool {
    let w = word.trim_end_matches(',');
    PREFIX_TITLES.contains(&w) || SUFFIX_TITLES.contains(&w)
}

/// Titles a person's registry name carries.
pub(crate) struct Titles {
    pub hajj: bool,
    /// An old-style degree written before the name (DRS., DRA., IR.).
    pub old_degree: Option<&'static str>,
    /// A degree written after the name (", S.PD").
    pub degree: Option<&'static str>,
}

/// Decides the titles: the hajj for older Muslims (more often in better-off households), degrees for
/// civil servants and teachers.
pub(crate) fn titles(
    rng: &mut Rng,
    sex: Sex,
    age: u32,
    religion: Religion,
    birth_year: i32,
    occupation: &str,
    welfare: f64,
) -> Titles {
    let male = sex == Sex::LakiLaki;
    let hajj = religion == Religion::Islam
        && age >= 40
        && chance(rng, if welfare > 0.7 { 0.16 } else { 0.03 });
    let educated = matches!(
        occupation,
        "PEGAWAI NEGERI SIPIL"
            | "GURU"
            | "KARYAWAN BUMN"
            | "DOSEN"
            | "PENSIUNAN"
            | "BIDAN"
            | "PERAWAT"
    );
    let mut t = Titles {
        hajj,
        old_degree: None,
        degree: None,
    };
    if !educated || !chance(rng, 0.55) {
        return t;
    }
    if birth_year <= 1966 && chance(rng, 0.5) {
        t.old_degree = Some(if chance(rng, 0.15) {
            "IR."
        } else if male {
            "DRS."
        } else {
            "DRA."
        });
    } else {
        t.degree = Some(match occupation {
            "GURU" => *pick(rng, &["S.PD", "S.PD", "S.PD", "S.PD.I", "M.PD"]),
            "BIDAN" => "AMD.KEB",
            "PERAWAT" => *pick(rng, &["S.KEP", "AMD.KEP"]),
            _ => *pick(rng, SUFFIX_TITLES),
        });
    }
    t
}

/// The name with its titles as printed on the KK: `H. DRS. AHMAD YANI`, `SITI AMINAH, S.PD`. At most 60
/// characters (Permendagri 73/2022); words are dropped from the middle if needed.
pub(crate) fn with_titles(name: &str, t: &Titles, sex: Sex) -> String {
    let mut out = String::with_capacity(name.len() + 12);
    if t.hajj {
        out.push_str(if sex == Sex::LakiLaki { "H. " } else { "HJ. " });
    }
    if let Some(d) = t.old_degree {
        out.push_str(d);
        out.push(' ');
    }
    out.push_str(name);
    if let Some(d) = t.degree {
        out.push_str(", ");
        out.push_str(d);
    }
    fit_60(out)
}

/// Shortens a name to at most 60 characters by dropping words before the last one.
pub(crate) fn fit_60(name: String) -> String {
    if name.len() <= 60 {
        return name;
    }
    let mut words: Vec<&str> = name.split(' ').collect();
    while words.iter().map(|w| w.len() + 1).sum::<usize>() - 1 > 60 && words.len() > 1 {
        words.remove(words.len() - 2);
    }
    let mut s = words.join(" ");
    s.truncate(60);
    s
}

/// The pre-1972 (pre-EYD) spelling of a word: u→oe, j→dj, c→tj, y→j, ny→nj, sy→sj, kh→ch.
pub(crate) fn old_spelling(word: &str) -> String {
    let b = word.as_bytes();
    let mut out = String::with_capacity(word.len() + 3);
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied();
        match (b[i], next) {
            (b'N', Some(b'Y')) => {
                out.push_str("NJ");
                i += 2;
            }
            (b'S', Some(b'Y')) => {
                out.push_str("SJ");
                i += 2;
            }
            (b'K', Some(b'H')) => {
                out.push_str("CH");
                i += 2;
            }
            (b'C', _) => {
                out.push_str("TJ");
                i += 1;
            }
            (b'J', _) => {
                out.push_str("DJ");
                i += 1;
            }
            (b'Y', _) => {
                out.push('J');
                i += 1;
            }
            // U after a vowel is part of a diphthong (AULIA, MAULANA) and stays.
            (b'U', _) if i == 0 || !b"AEIO".contains(&b[i - 1]) => {
                out.push_str("OE");
                i += 1;
            }
            (c, _) => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// The modern (EYD) spelling of a word written the old way: oe→u, dj→j, tj→c, nj→ny, sj→sy, ch→kh, j→y.
pub(crate) fn new_spelling(word: &str) -> String {
    let b = word.as_bytes();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied();
        let (s, n): (&str, usize) = match (b[i], next) {
            (b'D', Some(b'J')) => ("J", 2),
            (b'T', Some(b'J')) => ("C", 2),
            (b'N', Some(b'J')) => ("NY", 2),
            (b'S', Some(b'J')) => ("SY", 2),
            (b'C', Some(b'H')) => ("KH", 2),
            (b'O', Some(b'E')) => ("U", 2),
            (b'J', _) => ("Y", 1),
            _ => {
                out.push(b[i] as char);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += n;
    }
    out
}

/// Whether a word is written in the old spelling (and so changes under [`new_spelling`]).
pub(crate) fn looks_old(word: &str) -> bool {
    ["OE", "DJ", "TJ", "NJ", "SJ"]
        .iter()
        .any(|p| word.contains(p))
}

/// Applies the old spelling to the words of a name that have something to change, for people registered
/// before the 1972 reform (the registry kept their spelling).
pub(crate) fn maybe_old_spelling(
    rng: &mut Rng,
    name: &str,
    birth_year: i32,
    ethnic: Ethnic,
) -> String {
    let p = match ethnic {
        _ if birth_year > 1971 => 0.0,
        Ethnic::Jawa => 0.5,
        Ethnic::Melayu | Ethnic::Sunda => 0.3,
        _ => 0.0,
    };
    if p == 0.0 || !chance(rng, p) {
        return name.to_string();
    }
    name.split(' ')
        .map(|w| {
            if is_title(w) || w.len() < 3 {
                w.to_string()
            } else {
                old_spelling(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Common nicknames recorded instead of the legal name (formal word → nickname).
pub(crate) const NICKNAMES: &[(&str, &str)] = &[
    ("HERMAWAN", "WAWAN"),
    ("KURNIAWAN", "IWAN"),
    ("SETIAWAN", "IWAN"),
    ("RIDWAN", "IWAN"),
    ("SULAIMAN", "LEMAN"),
    ("RAHMAT", "AMAT"),
    ("MUHAMMAD", "MAMAT"),
    ("SURYANI", "YANI"),
    ("WAHYUNI", "YUNI"),
    ("SUSANTI", "SANTI"),
    ("HERMAN", "EMAN"),
    ("NURHAYATI", "YATI"),
    ("HERIYANTO", "HERI"),
    ("SUPRIYADI", "PRI"),
    ("SUHARTONO", "TONO"),
    ("SUTRISNO", "TRISNO"),
    ("FATIMAH", "IMAH"),
    ("ROHANI", "ANI"),
    ("ROSMAWATI", "ROS"),
    ("JUNAIDI", "JUNED"),
    ("ABDULLAH", "DOLAH"),
    ("SAMSUDIN", "UDIN"),
    ("JAMALUDIN", "UDIN"),
    ("ZAINUDIN", "UDIN"),
    ("HASANUDDIN", "UDIN"),
    ("ASEP", "AA"),
    ("YOHANES", "ANES"),
    ("AGUSTINUS", "AGUS"),
    ("ISKANDAR", "ISKA"),
    ("BUDIMAN", "BUDI"),
    ("SLAMET", "MEMET"),
    ("SUPARMAN", "PARMAN"),
    ("SUMIYEM", "IYEM"),
    ("HALIMAH", "IMAH"),
    ("KHADIJAH", "IJAH"),
    ("ZUBAIDAH", "IDA"),
    ("NURAINI", "ENI"),
    ("YULIANA", "YULI"),
    ("RAHMAWATI", "WATI"),
    ("HENDRA", "HEN"),
    ("RUSLAN", "LAN"),
    ("ZULKIFLI", "ZUL"),
    ("SYAHRIL", "ARIL"),
    ("ABDUL", "DUL"),
];

pub(crate) fn nickname(word: &str) -> Option<&'static str> {
    NICKNAMES.iter().find(|(w, _)| *w == word).map(|(_, n)| *n)
}

/// How a second registry may write a name differently. Each variant is also a fault kind in
/// `persons_truth.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NameVariant {
    /// Old spelling made new or new made old (Soeharto / Suharto, Djoko / Joko).
    Spelling,
    /// Another spelling or abbreviation of Muhammad.
    Muhammad,
    /// A title added or dropped (H., Hj., Drs., S.Pd., Bpk., Ibu).
    Title,
    /// A nickname instead of the legal name (Hermawan → Wawan).
    Nickname,
    /// One letter wrong, missing, doubled or swapped.
    Typo,
    /// A word of a multi-word name left out.
    Truncated,
    /// Words in another order (surname first or last).
    Order,
}

impl NameVariant {
    pub(crate) fn code(self) -> &'static str {
        match self {
            NameVariant::Spelling => "name_spelling",
            NameVariant::Muhammad => "name_muhammad",
            NameVariant::Title => "name_title",
            NameVariant::Nickname => "name_nickname",
            NameVariant::Typo => "name_typo",
            NameVariant::Truncated => "name_truncated",
            NameVariant::Order => "name_order",
        }
    }
}

/// Writes `name` the way another registry might, choosing among the variants that change this name.
/// Returns the new name and the variant applied.
pub(crate) fn name_variant(
    rng: &mut Rng,
    name: &str,
    sex: Sex,
    age: u32,
    religion: Religion,
) -> (String, NameVariant) {
    let words: Vec<&str> = name.split(' ').collect();
    let core: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !is_title(w.trim_end_matches(',')))
        .collect();
    let has_muhammad = words.iter().any(|w| is_muhammad(w));
    let has_old = core.iter().any(|w| looks_old(w));
    let can_old = core.iter().any(|w| old_spelling(w) != *w);
    let has_nick = core.iter().any(|w| nickname(w).is_some());
    let has_title = core.len() < words.len();
    let mut options: Vec<(NameVariant, f64)> = vec![(NameVariant::Typo, 2.0)];
    // Titles are added to adults' names only (Bpk., Ibu, H.); one already there can always be dropped.
    if has_title || age >= 25 {
        options.push((NameVariant::Title, 1.0));
    }
    if has_muhammad {
        options.push((NameVariant::Muhammad, 4.0));
    }
    // The old spelling is written back to the new one; an old spelling is invented only for the old.
    if has_old {
        options.push((NameVariant::Spelling, 3.0));
    } else if can_old && age >= 45 {
        options.push((NameVariant::Spelling, 0.8));
    }
    if has_nick {
        options.push((NameVariant::Nickname, 1.5));
    }
    if core.len() >= 3 {
        options.push((NameVariant::Truncated, 1.0));
    }
    if core.len() >= 2 {
        options.push((NameVariant::Order, 0.3));
    }
    let variant = pick_weighted(rng, &options);
    let out = match variant {
        NameVariant::Muhammad => {
            let current: Vec<&str> = words.iter().copied().filter(|w| is_muhammad(w)).collect();
            let mut replacement = *pick(rng, MUHAMMAD_FORMS);
            while current.contains(&replacement) {
                replacement = *pick(rng, MUHAMMAD_FORMS);
            }
            words
                .iter()
                .map(|w| if is_muhammad(w) { replacement } else { w })
                .collect::<Vec<_>>()
                .join(" ")
        }
        NameVariant::Spelling => words
            .iter()
            .map(|w| {
                if is_title(w.trim_end_matches(',')) {
                    w.to_string()
                } else if has_old {
                    new_spelling(w)
                } else {
                    old_spelling(w)
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        NameVariant::Title => toggle_title(rng, &words, &core, sex, age, religion),
        NameVariant::Nickname => {
            let mut done = false;
            let out: Vec<String> = core
                .iter()
                .map(|w| match nickname(w) {
                    Some(n) if !done => {
                        done = true;
                        n.to_string()
                    }
                    _ => w.to_string(),
                })
                .collect();
            // A nickname often stands alone or with one more word.
            if out.len() > 2 && chance(rng, 0.5) {
                out[..2].join(" ")
            } else {
                out.join(" ")
            }
        }
        NameVariant::Typo => typo_in_name(rng, &words),
        NameVariant::Truncated => {
            let drop = if chance(rng, 0.5) { core.len() - 1 } else { 1 };
            core.iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
                .join(" ")
        }
        NameVariant::Order => {
            let mut c = core.clone();
            c.rotate_left(1);
            c.join(" ")
        }
    };
    if out == name || out.trim().is_empty() {
        // Nothing changed (e.g. a typo that produced the same letter): a plain typo always changes it.
        let t = typo_in_name(rng, &words);
        return (t, NameVariant::Typo);
    }
    (out, variant)
}

fn toggle_title(
    rng: &mut Rng,
    words: &[&str],
    core: &[&str],
    sex: Sex,
    age: u32,
    religion: Religion,
) -> String {
    if core.len() < words.len() {
        return core.join(" ");
    }
    let male = sex == Sex::LakiLaki;
    let prefix = if religion == Religion::Islam && age >= 40 && chance(rng, 0.6) {
        if male {
            *pick(rng, &["H.", "H"])
        } else {
            *pick(rng, &["HJ.", "HJ"])
        }
    } else if male {
        *pick(rng, &["BPK.", "BPK"])
    } else {
        "IBU"
    };
    format!("{prefix} {}", core.join(" "))
}

const NEIGHBOURS: &[(u8, &[u8])] = &[
    (b'A', b"EIS"),
    (b'E', b"AIR"),
    (b'I', b"YEU"),
    (b'Y', b"IJ"),
    (b'U', b"OI"),
    (b'O', b"UP"),
    (b'F', b"PV"),
    (b'P', b"FB"),
    (b'V', b"FW"),
    (b'D', b"TS"),
    (b'T', b"DR"),
    (b'S', b"ZA"),
    (b'Z', b"SJ"),
    (b'N', b"MH"),
    (b'M', b"NK"),
    (b'K', b"GCH"),
    (b'G', b"KH"),
    (b'R', b"LT"),
    (b'L', b"RK"),
    (b'H', b"NG"),
    (b'B', b"PV"),
    (b'J', b"YZ"),
    (b'C', b"KS"),
    (b'W', b"VE"),
];

/// One typing error in one word of the name (not in titles).
fn typo_in_name(rng: &mut Rng, words: &[&str]) -> String {
    let candidates: Vec<usize> = (0..words.len())
        .filter(|&i| {
            let w = words[i].trim_end_matches(',');
            !is_title(w) && w.len() >= 3 && w.bytes().all(|b| b.is_ascii_uppercase())
        })
        .collect();
    let Some(&target) = candidates.get(crate::rng::below(rng, candidates.len().max(1))) else {
        return format!("{}X", words.join(" "));
    };
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[target] = typo(rng, words[target]);
    out.join(" ")
}

/// One typing error in a word: a neighbouring or similar-sounding letter, a letter dropped or doubled,
/// or two letters swapped. The first letter is changed less often (people rarely get it wrong).
pub(crate) fn typo(rng: &mut Rng, word: &str) -> String {
    let mut b: Vec<u8> = word.as_bytes().to_vec();
    if b.len() < 2 {
        b.push(b'H');
        return String::from_utf8(b).expect("ASCII");
    }
    let pos = if chance(rng, 0.9) {
        1 + crate::rng::below(rng, b.len() - 1)
    } else {
        0
    };
    match crate::rng::below(rng, 4) {
        0 => {
            let c = b[pos];
            let alternatives = NEIGHBOURS
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, v)| *v)
                .unwrap_or(b"A");
            b[pos] = *pick(rng, alternatives);
        }
        1 => {
            b.remove(pos);
        }
        2 => {
            let c = b[pos];
            b.insert(pos, c);
        }
        _ => {
            let p = pos.min(b.len() - 2);
            b.swap(p, p + 1);
        }
    }
    let s = String::from_utf8(b).expect("ASCII");
    if s == word {
        format!("{word}H")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Phase};

    #[test]
    fn old_and_new_spellings() {
        assert_eq!(old_spelling("SUHARTO"), "SOEHARTO");
        assert_eq!(old_spelling("JOKO"), "DJOKO");
        assert_eq!(old_spelling("CAHYONO"), "TJAHJONO");
        assert_eq!(old_spelling("YUSUF"), "JOESOEF");
        assert_eq!(old_spelling("SYAMSUL"), "SJAMSOEL");
        assert_eq!(old_spelling("AULIA"), "AULIA");
        assert_eq!(old_spelling("RAHAYU"), "RAHAJOE");
        assert_eq!(new_spelling("SOEHARTO"), "SUHARTO");
        assert_eq!(new_spelling("DJOKO"), "JOKO");
        assert_eq!(new_spelling("TJAHJONO"), "CAHYONO");
        assert_eq!(new_spelling("JOESOEF"), "YUSUF");
        assert_eq!(new_spelling("NJOMAN"), "NYOMAN");
        assert_eq!(new_spelling("ACHMAD"), "AKHMAD");
        for w in [
            "SUKARNO", "CAHYONO", "SUMIYEM", "YUSUF", "NYOMAN", "KHAIRUL",
        ] {
            assert_eq!(new_spelling(&old_spelling(w)), w);
            assert!(looks_old(&old_spelling(w)), "{w}");
        }
    }

    #[test]
    fn titles_are_placed_and_names_fit() {
        let t = Titles {
            hajj: true,
            old_degree: Some("DRS."),
            degree: None,
        };
        assert_eq!(
            with_titles("AHMAD YANI", &t, Sex::LakiLaki),
            "H. DRS. AHMAD YANI"
        );
        let t = Titles {
            hajj: false,
            old_degree: None,
            degree: Some("S.PD"),
        };
        assert_eq!(
            with_titles("SITI AMINAH", &t, Sex::Perempuan),
            "SITI AMINAH, S.PD"
        );
        let long = "A".repeat(30) + " " + &"B".repeat(30) + " " + &"C".repeat(10);
        let fitted = fit_60(long);
        assert!(fitted.len() <= 60, "{fitted}");
        assert!(fitted.ends_with("CCCCCCCCCC"));
    }

    #[test]
    fn variants_change_the_name() {
        let mut rng = stream(3, Phase::Faults, 0);
        let names = [
            "MUHAMMAD RIZKY PRATAMA",
            "SOEHARTO",
            "H. DRS. AHMAD YANI",
            "HERMAWAN SETIAWAN",
            "TJHIN NJUK LAN",
            "SITI AMINAH, S.PD",
            "ROSMAWATI BR SIREGAR",
        ];
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            for n in names {
                let (v, kind) = name_variant(&mut rng, n, Sex::LakiLaki, 50, Religion::Islam);
                assert_ne!(v, n, "{kind:?}");
                assert!(!v.trim().is_empty());
                seen.insert(kind);
            }
        }
        assert_eq!(seen.len(), 7, "{seen:?}");
    }

    #[test]
    fn names_look_indonesian() {
        let mut rng = stream(5, Phase::Households, 0);
        for ethnic in ALL_ETHNIC {
            for year in [1940, 1985, 2015] {
                for sex in [Sex::LakiLaki, Sex::Perempuan] {
                    let religion = family_religion(&mut rng, ethnic);
                    let clan = clan_for(&mut rng, ethnic, religion);
                    let n = person_name(
                        &mut rng,
                        &NameSpec {
                            ethnic,
                            sex,
                            birth_year: year,
                            religion,
                            clan,
                            father: Some("AHMAD FAUZI"),
                            birth_order: 2,
                        },
                    );
                    assert!(!n.is_empty() && n.len() <= 60, "{n}");
                    assert_eq!(n, n.to_uppercase());
                    assert!(!n.contains("  ") && !n.starts_with(' '), "{n:?}");
                }
            }
        }
    }
}
