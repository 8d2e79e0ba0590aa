//! The geography of the generated regency: its districts and villages with their relative sizes, what
//! kind of place each village is (urban kelurahan, coastal, island), its streets, dusun and RT/RW, and the
//! places outside the regency that migrants come from.
//!
//! Per-place properties (village weights, streets) come from a hash of the region code, not from the
//! seed: a village is the same place in every generated data set, as it would be in reality.

use std::collections::BTreeMap;

use tepat_domain::{RegionCode, RegionLevel};
use tepat_regions::RegionTable;

use crate::names::{ethnic_mix, Ethnic, ALL_ETHNIC};
use crate::rng::{chance, normal, pick, place_rng, Rng, Weighted};
use crate::GenerateError;

/// Kabupaten Belitung, the default regency.
pub const BELITUNG: &str = "19.02";

/// Approximate shares of Kabupaten Belitung's population by district (rounded from recent census and
/// Dukcapil figures; the generator only needs the shape: Tanjungpandan holds over half, then Sijuk and
/// Membalong, Badau, and the island district Selat Nasik smallest).
const BELITUNG_DISTRICT_SHARES: &[(&str, f64)] = &[
    ("19.02.01", 0.555), // Tanjungpandan
    ("19.02.02", 0.150), // Membalong
    ("19.02.03", 0.045), // Selat Nasik
    ("19.02.04", 0.170), // Sijuk
    ("19.02.05", 0.080), // Badau
];

/// Belitung villages known as fishing communities (besides those whose names say coast or island).
const BELITUNG_FISHING: &[&str] = &[
    "19.02.01.2008", // Juru Seberang
    "19.02.01.1009", // Tanjungpendam
    "19.02.02.2008", // Mentigi
    "19.02.02.2012", // Padang Kandis
    "19.02.04.2002", // Batu Itam
    "19.02.04.2005", // Tanjung Binga
    "19.02.04.2007", // Sungai Padang
    "19.02.04.2008", // Keciput
    "19.02.04.2010", // Tanjong Tinggi
];

pub(crate) struct District {
    pub code: RegionCode,
    /// Birth-place text for people born here.
    pub place: u32,
    /// Relative population weight.
    pub weight: f64,
    pub first_village: usize,
    pub villages: usize,
}

pub(crate) struct Village {
    pub code: RegionCode,
    /// Index into [`Geo::districts`].
    pub district: usize,
    /// Relative population weight within the whole regency.
    pub weight: f64,
    /// A kelurahan (code 1xxx): urban.
    pub urban: bool,
    /// Share of working men who fish.
    pub fish_share: f64,
    /// An island or otherwise remote village (poorer, fewer services).
    pub remote: bool,
    /// Birth-place text when someone names the village.
    pub place: u32,
    pub streets: Vec<String>,
    /// Dusun names; dusun *i* is RW *i + 1*.
    pub dusun: Vec<String>,
    /// RTs per RW.
    pub rts: Vec<u16>,
    /// The code in dotted form, as written in the files.
    pub dotted: String,
}

/// A district outside the regency that people were born in, with its birth-place text.
#[derive(Clone, Copy)]
pub(crate) struct Origin {
    pub district: RegionCode,
    pub place: u32,
}

pub(crate) struct Origins {
    pub list: Vec<Origin>,
    weights: Weighted,
}

impl Origins {
    pub(crate) fn sample(&self, rng: &mut Rng) -> Origin {
        self.list[self.weights.sample(rng)]
    }
}

pub(crate) struct Geo {
    /// The regency's short name as a birth place ("BELITUNG").
    pub regency_place: u32,
    pub districts: Vec<District>,
    pub villages: Vec<Village>,
    district_weights: Weighted,
    /// Birth-place texts.
    pub places: Vec<String>,
    /// Per naming tradition (index of [`ALL_ETHNIC`]): where migrants of that tradition were born.
    outside: Vec<Origins>,
    pub mix: [(Ethnic, f64); 8],
    /// Village codes of the regency, to find a code that does not exist (the unknown-village fault).
    pub known_villages: std::collections::HashSet<RegionCode>,
}

impl Geo {
    pub(crate) fn build(regions: &RegionTable, regency: RegionCode) -> Result<Geo, GenerateError> {
        if regency.level() != RegionLevel::KabupatenKota {
            return Err(GenerateError::NotARegency(regency.dotted()));
        }
        let Some(regency_row) = regions.get(&regency) else {
            return Err(GenerateError::UnknownRegency(regency.dotted()));
        };
        let mut places = Places::default();
        let regency_place = places.id(&short_name(&regency_row.name));
        let belitung = regency.dotted() == BELITUNG;
        let mut districts = Vec::new();
        let mut villages = Vec::new();
        for d in regions.children(&regency) {
            let mut rng = place_rng(code_key(&d.code));
            let weight = if belitung {
                BELITUNG_DISTRICT_SHARES
                    .iter()
                    .find(|(c, _)| *c == d.code.dotted())
                    .map(|(_, w)| *w)
                    .unwrap_or(0.02)
            } else {
                (0.25 * normal(&mut rng)).exp()
            };
            let first_village = villages.len();
            let district_index = districts.len();
            let selat_nasik = belitung && d.code.dotted() == "19.02.03";
            for v in regions.children(&d.code) {
                let mut vr = place_rng(code_key(&v.code));
                let urban = v.code.plain().as_bytes()[6] == b'1';
                let lower = v.name.to_lowercase();
                let remote = lower.starts_with("pulau") || selat_nasik;
                let coastal = [
                    "pulau", "tanjung", "tanjong", "selat", "pantai", "teluk", "kuala", "muara",
                    "laut", "pesisir", "suak",
                ]
                .iter()
                .any(|k| lower.contains(k))
                    || (belitung && BELITUNG_FISHING.contains(&v.code.dotted().as_str()))
                    || selat_nasik;
                let fish_share = match (coastal, urban, belitung, regency.is_kota()) {
                    (true, true, _, _) => 0.25,
                    (true, false, _, _) => 0.45,
                    (false, true, true, _) => 0.05,
                    (false, false, true, _) => 0.12,
                    (false, _, false, true) => 0.01,
                    (false, _, false, false) => 0.04,
                };
                let name = v.name.to_uppercase();
                let place = places.id(&name);
                let w = (0.45 * normal(&mut vr)).exp() * if urban { 1.8 } else { 1.0 };
                let (streets, dusun, rts) = address_book(&mut vr, urban, &name);
                villages.push(Village {
                    code: v.code,
                    district: district_index,
                    weight: w,
                    urban,
                    fish_share,
                    remote,
                    place,
                    streets,
                    dusun,
                    rts,
                    dotted: v.code.dotted(),
                });
            }
            let n = villages.len() - first_village;
            // Village weights are shares of the district's weight.
            let sum: f64 = villages[first_village..].iter().map(|v| v.weight).sum();
            for v in &mut villages[first_village..] {
                v.weight = if sum > 0.0 {
                    weight * v.weight / sum
                } else {
                    0.0
                };
            }
            if n > 0 {
                districts.push(District {
                    code: d.code,
                    place: places.id(&d.name.to_uppercase()),
                    weight,
                    first_village,
                    villages: n,
                });
            }
        }
        if villages.is_empty() {
            return Err(GenerateError::NoVillages(regency.dotted()));
        }
        let district_weights = Weighted::new(districts.iter().map(|d| d.weight));
        let province = regency
            .ancestor(RegionLevel::Provinsi)
            .expect("a regency has a province");
        let province_number: u8 = province.plain().parse().unwrap_or(0);
        let outside = ALL_ETHNIC
            .iter()
            .map(|&e| origins_for(regions, &mut places, regency, province, e))
            .collect();
        let known_villages = villages.iter().map(|v| v.code).collect();
        Ok(Geo {
            regency_place,
            districts,
            villages,
            district_weights,
            places: places.names,
            outside,
            mix: ethnic_mix(province_number),
            known_villages,
        })
    }

    /// A district of the regency, weighted by population (for people born elsewhere in the regency).
    pub(crate) fn sample_district(&self, rng: &mut Rng) -> usize {
        self.district_weights.sample(rng)
    }

    /// A district outside the regency where someone of this naming tradition was born.
    pub(crate) fn sample_outside(&self, rng: &mut Rng, ethnic: Ethnic) -> Origin {
        let i = ALL_ETHNIC.iter().position(|e| *e == ethnic).unwrap_or(0);
        self.outside[i].sample(rng)
    }

    /// The birth-place text for someone born in district `d` of the regency: mostly the district's name,
    /// sometimes the regency's or a village's.
    pub(crate) fn home_birth_place(&self, rng: &mut Rng, d: usize) -> u32 {
        let district = &self.districts[d];
        let r: f64 = rand::Rng::random(rng);
        if r < 0.78 {
            district.place
        } else if r < 0.9 {
            self.regency_place
        } else {
            let v = district.first_village + crate::rng::below(rng, district.villages);
            self.villages[v].place
        }
    }
}

/// "Kabupaten Belitung" → "BELITUNG", "Kota Administrasi Jakarta Timur" → "JAKARTA TIMUR".
fn short_name(name: &str) -> String {
    let upper = name.to_uppercase();
    for prefix in ["KABUPATEN ", "KOTA ADMINISTRASI ", "KOTA ", "KAB. "] {
        if let Some(rest) = upper.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    upper
}

fn code_key(code: &RegionCode) -> u64 {
    code.plain().parse::<u64>().unwrap_or(0) ^ ((code.plain().len() as u64) << 56)
}

#[derive(Default)]
struct Places {
    names: Vec<String>,
    index: BTreeMap<String, u32>,
}

impl Places {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }
}

/// Where migrants of one naming tradition come from: half from the rest of the regency's province, half
/// from the tradition's home provinces.
fn origins_for(
    regions: &RegionTable,
    places: &mut Places,
    regency: RegionCode,
    province: RegionCode,
    ethnic: Ethnic,
) -> Origins {
    let homes: &[(&str, f64)] = match ethnic {
        Ethnic::Melayu => &[
            ("16", 3.0),
            ("21", 2.0),
            ("14", 1.0),
            ("13", 1.0),
            ("31", 1.0),
        ],
        Ethnic::Jawa => &[("33", 4.0), ("35", 3.0), ("34", 1.0), ("31", 1.0)],
        Ethnic::Sunda => &[("32", 5.0), ("36", 1.0)],
        Ethnic::Tionghoa => &[("31", 2.0), ("16", 1.0), ("21", 1.0), ("19", 2.0)],
        Ethnic::Batak => &[("12", 1.0)],
        Ethnic::Bugis => &[("73", 3.0), ("74", 1.0)],
        Ethnic::Bali => &[("51", 1.0)],
        Ethnic::Timur => &[("53", 2.0), ("81", 1.0), ("91", 1.0)],
    };
    let mut list = Vec::new();
    let mut weights = Vec::new();
    let mut add_province =
        |p: RegionCode, total: f64, list: &mut Vec<Origin>, weights: &mut Vec<f64>| {
            let mut found = Vec::new();
            for r in regions.children(&p) {
                if r.code == regency {
                    continue;
                }
                let place = places.id(&short_name(&r.name));
                for d in regions.children(&r.code) {
                    found.push(Origin {
                        district: d.code,
                        place,
                    });
                }
            }
            let n = found.len();
            for o in found {
                list.push(o);
                weights.push(total / n as f64);
            }
        };
    add_province(province, 1.0, &mut list, &mut weights);
    let home_total: f64 = homes.iter().map(|(_, w)| w).sum();
    for (p, w) in homes {
        if let Ok(code) = RegionCode::parse(p) {
            if regions.get(&code).is_some() {
                add_province(code, w / home_total, &mut list, &mut weights);
            }
        }
    }
    if list.is_empty() {
        // A province with a single regency and no home provinces present: fall back to the regency itself.
        for d in regions.children(&regency) {
            list.push(Origin {
                district: d.code,
                place: places.id(&d.name.to_uppercase()),
            });
            weights.push(1.0);
        }
    }
    Origins {
        list,
        weights: Weighted::new(weights),
    }
}

/// A village's streets, dusun and RT/RW layout.
fn address_book(rng: &mut Rng, urban: bool, village: &str) -> (Vec<String>, Vec<String>, Vec<u16>) {
    let mut streets: Vec<String> = Vec::new();
    let n_streets = if urban {
        8 + crate::rng::below(rng, 13)
    } else {
        3 + crate::rng::below(rng, 6)
    };
    while streets.len() < n_streets {
        let s = pick(rng, STREETS).to_string();
        if !streets.contains(&s) {
            streets.push(s);
        }
    }
    if !urban {
        streets.push(format!("RAYA {village}"));
    }
    let n_rw = if urban {
        4 + crate::rng::below(rng, 9)
    } else {
        2 + crate::rng::below(rng, 5)
    };
    let mut dusun = Vec::with_capacity(n_rw);
    let roman = chance(rng, 0.2);
    for i in 0..n_rw {
        let name = if roman {
            [
                "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
            ][i]
                .to_string()
        } else {
            loop {
                let candidate = format!("{} {}", pick(rng, DUSUN_PREFIX), pick(rng, DUSUN_SUFFIX));
                if !dusun.contains(&candidate) {
                    break candidate;
                }
            }
        };
        dusun.push(name);
    }
    let rts = (0..n_rw)
        .map(|_| {
            if urban {
                3 + crate::rng::below(rng, 7) as u16
            } else {
                2 + crate::rng::below(rng, 5) as u16
            }
        })
        .collect();
    (streets, dusun, rts)
}

const STREETS: &[&str] = &[
    "SUDIRMAN",
    "JEND. SUDIRMAN",
    "DIPONEGORO",
    "AHMAD YANI",
    "GATOT SUBROTO",
    "MERDEKA",
    "PATTIMURA",
    "IMAM BONJOL",
    "HASANUDIN",
    "SRIWIJAYA",
    "MELATI",
    "MAWAR",
    "KENANGA",
    "ANGGREK",
    "PELABUHAN",
    "PANTAI",
    "DEPATI GEGEDEK",
    "KH. AGUS SALIM",
    "AIR RAJA",
    "KAMPUNG BARU",
    "SUPRAPTO",
    "YOS SUDARSO",
    "KARTINI",
    "MUHAMMAD HATTA",
    "KI HAJAR DEWANTARA",
    "CUT NYAK DIEN",
    "TEUKU UMAR",
    "SEMANGKA",
    "MANGGA",
    "DELIMA",
    "PERINTIS KEMERDEKAAN",
    "PEMUDA",
    "PAHLAWAN",
    "LINTAS",
    "BATU MENTAS",
    "SIJUK",
    "MEMBALONG",
    "BADAU",
    "GAJAH MADA",
    "SISINGAMANGARAJA",
    "DR. SUSILO",
    "RA KARTINI",
    "SUKARNO HATTA",
    "NELAYAN",
    "PASAR",
    "MASJID",
    "KELAPA",
    "NANGKA",
    "CEMPAKA",
    "DAHLIA",
    "FLAMBOYAN",
    "BERINGIN",
    "PERSATUAN",
    "BHAYANGKARA",
    "SUNGAI PADANG",
    "TANJUNG KELAYANG",
    "ANWAR",
    "ENDEK",
    "BUKIT",
    "SEKOLAH",
    "RUMAH SAKIT",
    "PRAMUKA",
    "MADURA",
];

const DUSUN_PREFIX: &[&str] = &[
    "AIR", "SUNGAI", "TANJUNG", "BUKIT", "PANGKAL", "KAMPONG", "TELUK", "BATU", "PADANG", "LUBUK",
    "SIMPANG", "PARIT", "SERUK", "AIK",
];

const DUSUN_SUFFIX: &[&str] = &[
    "MERAH",
    "BARU",
    "RAYA",
    "JAYA",
    "LALANG",
    "BATANG",
    "ITAM",
    "MAS",
    "PANDAN",
    "KELUMPANG",
    "SERUK",
    "GEDE",
    "KECIL",
    "BESAR",
    "TENGAH",
    "ASAM",
    "LIMAU",
    "PUTIH",
    "PANJANG",
    "DALAM",
    "LAUT",
    "DARAT",
    "SEKAR",
    "BULUH",
    "KERAMAT",
];
