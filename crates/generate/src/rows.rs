//! Turns a chunk of generated households into the bytes of every output file, applying the `--errors`
//! faults on the way. Runs in parallel, one chunk per task; everything that depends on the position in
//! the files (row numbers, record ids) comes in through [`Offsets`] computed beforehand.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use csv::Writer;
use tepat_domain::{Relationship, Sex};

use crate::family::{self, Home, Member};
use crate::faults::{self, NikFault, RecordRates};
use crate::geo::Geo;
use crate::ids::{iso_date, kk_digits, kk_of, nik_of, three};
use crate::names::name_variant;
use crate::rng::{self, below, chance, Phase, Rng};

pub(crate) type Counts = BTreeMap<&'static str, u64>;

pub(crate) struct Ctx<'a> {
    pub geo: &'a Geo,
    pub seed: u64,
    pub errors: bool,
    pub today: NaiveDate,
}

/// Where a chunk starts in the output: population data rows and registry records written before it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Offsets {
    pub rows: u64,
    pub records: u64,
}

/// One registry record, before it has its id.
#[derive(Clone)]
pub(crate) struct Record {
    pub nik: String,
    pub kk: String,
    pub name: String,
    pub sex: Sex,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    pub address: String,
    pub village: String,
    /// The person's data-row number in population.csv (1-based): the person id.
    pub person_row: u64,
    pub faults: Vec<&'static str>,
}

pub(crate) struct ChunkOut {
    pub population: Vec<u8>,
    pub population_truth: Vec<u8>,
    pub persons: Vec<u8>,
    pub persons_truth: Vec<u8>,
    pub households: Vec<u8>,
    pub members: Vec<u8>,
    /// Extra records of persons already listed; written after all originals.
    pub duplicates: Vec<Record>,
    pub person_faults: Counts,
    pub population_faults: Counts,
}

/// How many registry records (first records, not duplicates) a chunk writes.
pub(crate) fn registry_originals(homes: &[Home], errors: bool) -> u64 {
    homes
        .iter()
        .filter(|h| h.in_registry)
        .map(|h| {
            h.members
                .iter()
                .filter(|m| errors || m.death.is_none())
                .count() as u64
        })
        .sum()
}

fn writer(capacity: usize) -> Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(capacity))
}

fn done(w: Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().expect("writing to memory cannot fail")
}

fn b(v: bool) -> &'static [u8] {
    if v {
        b"true"
    } else {
        b"false"
    }
}

pub(crate) fn format_chunk(ctx: &Ctx, chunk: u64, homes: &[Home], off: Offsets) -> ChunkOut {
    let geo = ctx.geo;
    let persons_here: usize = homes.iter().map(|h| h.members.len()).sum();
    let mut pop = writer(persons_here * 160);
    let mut pop_truth = writer(64);
    let mut persons = writer(persons_here * 60);
    let mut persons_truth = writer(persons_here * 12);
    let mut households = writer(homes.len() * 110);
    let mut members = writer(persons_here * 60);
    let mut pop_rng = rng::stream(ctx.seed, Phase::Faults, chunk);
    let mut reg_rng = rng::stream(ctx.seed, Phase::Duplicates, chunk);
    let mut out_dups = Vec::new();
    let mut person_faults = Counts::new();
    let mut population_faults = Counts::new();
    let mut row = off.rows;
    let mut record = off.records;
    let mut clean_niks: Vec<[u8; 16]> = Vec::new();

    for h in homes {
        let village = &geo.villages[h.village as usize];
        let kk = kk_of(h, geo);
        let niks: Vec<[u8; 16]> = h.members.iter().map(nik_of).collect();
        let first_row = row + 1;
        let headless = ctx.errors && chance(&mut pop_rng, faults::POP_HOUSEHOLD_WITHOUT_HEAD);
        let rt = three(h.rt);
        let rw = three(h.rw);

        // population.csv
        for (m, nik) in h.members.iter().zip(&niks) {
            row += 1;
            let mut nik_field: Vec<u8> = nik.to_vec();
            let mut sex = m.sex;
            let mut birth = m.birth;
            let mut village_code = village.dotted.clone();
            let mut relationship = m.relationship;
            let mut fault: Option<&'static str> = None;
            if headless {
                if relationship == Relationship::KepalaKeluarga {
                    relationship = Relationship::FamiliLain;
                }
                fault = Some("household_without_head");
            } else if ctx.errors {
                let x: f64 = rand::Rng::random(&mut pop_rng);
                let t1 = faults::POP_NIK_INVALID;
                let t2 = t1 + faults::POP_SEX_MISMATCH;
                let t3 = t2 + faults::POP_BIRTH_MISMATCH;
                let t4 = t3 + faults::POP_UNKNOWN_VILLAGE;
                let t5 = t4 + faults::POP_DUPLICATE_NIK;
                if x < t1 {
                    nik_field = invalid_nik(&mut pop_rng, nik);
                    fault = Some("nik_invalid");
                } else if x < t2 {
                    sex = match sex {
                        Sex::LakiLaki => Sex::Perempuan,
                        Sex::Perempuan => Sex::LakiLaki,
                    };
                    fault = Some("nik_sex_mismatch");
                } else if x < t3 {
                    birth = faults::date_digit(&mut pop_rng, birth, ctx.today);
                    fault = Some("nik_birth_date_mismatch");
                } else if x < t4 {
                    village_code = unknown_village(&mut pop_rng, geo, village.code);
                    fault = Some("unknown_village");
                } else if x < t5 && !clean_niks.is_empty() {
                    nik_field = clean_niks[below(&mut pop_rng, clean_niks.len())].to_vec();
                    fault = Some("duplicate_nik");
                }
            }
            if fault.is_none() {
                clean_niks.push(*nik);
            }
            let birth_s = iso_date(birth);
            let death_s = m.death.map(iso_date);
            pop.write_record([
                &nik_field[..],
                &kk[..],
                m.name.as_bytes(),
                sex.letter().as_bytes(),
                geo.places[m.birth_place as usize].as_bytes(),
                &birth_s[..],
                m.religion.code().as_bytes(),
                m.marital.code().as_bytes(),
                relationship.code().as_bytes(),
                h.address.as_bytes(),
                &rt[..],
                &rw[..],
                village_code.as_bytes(),
                m.occupation.as_bytes(),
                death_s.as_ref().map_or(&b""[..], |d| &d[..]),
            ])
            .expect("memory");
            if let Some(f) = fault {
                pop_truth
                    .write_record([(row + 1).to_string().as_bytes(), f.as_bytes()])
                    .expect("memory");
                *population_faults.entry(f).or_default() += 1;
            }
        }

        // survey_households.csv and survey_members.csv (living members only)
        if let Some(s) = &h.survey {
            let living = h.members.iter().filter(|m| m.death.is_none()).count();
            households
                .write_record([
                    &kk[..],
                    village.dotted.as_bytes(),
                    living.to_string().as_bytes(),
                    s.floor.code().as_bytes(),
                    s.wall.code().as_bytes(),
                    s.roof.code().as_bytes(),
                    s.floor_area_m2.to_string().as_bytes(),
                    s.water.code().as_bytes(),
                    s.sanitation.code().as_bytes(),
                    s.electricity.code().as_bytes(),
                    s.cooking_fuel.code().as_bytes(),
                    s.income_band.code().as_bytes(),
                    b(s.owns_house),
                    b(s.has_motorcycle),
                    b(s.has_car),
                    b(s.has_refrigerator),
                    b(s.has_boat),
                    s.livestock_units.to_string().as_bytes(),
                    s.land_m2.to_string().as_bytes(),
                    s.consumption_per_capita
                        .map(|c| c.amount())
                        .unwrap_or(0)
                        .to_string()
                        .as_bytes(),
                ])
                .expect("memory");
            for (m, nik) in h.members.iter().zip(&niks) {
                if m.death.is_some() {
                    continue;
                }
                members
                    .write_record([
                        &nik[..],
                        &kk[..],
                        m.survey.sector.code().as_bytes(),
                        m.survey.disability.code().as_bytes(),
                        b(m.survey.chronic_illness),
                        b(m.survey.pregnant),
                        m.survey.school_level.code().as_bytes(),
                    ])
                    .expect("memory");
            }
        }

        // persons.csv: the registry lists poorer households.
        if !h.in_registry {
            continue;
        }
        for (k, m) in h.members.iter().enumerate() {
            if m.death.is_some() && !ctx.errors {
                continue;
            }
            let base = Record {
                nik: text(&niks[k]),
                kk: text(&kk),
                name: m.name.clone(),
                sex: m.sex,
                birth_place: geo.places[m.birth_place as usize].clone(),
                birth_date: m.birth,
                address: format!("{} RT {} RW {}", h.address, text(&rt), text(&rw)),
                village: village.dotted.clone(),
                person_row: first_row + k as u64,
                faults: Vec::new(),
            };
            let mut rec = base.clone();
            if ctx.errors {
                if m.death.is_some() {
                    rec.faults.push("deceased");
                }
                let f = FaultTarget {
                    member: m,
                    index: k,
                    home: h,
                    niks: &niks,
                    today: ctx.today,
                };
                apply_faults(&mut reg_rng, &mut rec, &f, &faults::ORIGINAL);
                if chance(&mut reg_rng, faults::DUPLICATE_PERSON) {
                    let n = 1 + usize::from(chance(&mut reg_rng, faults::SECOND_DUPLICATE));
                    for _ in 0..n {
                        let dup = duplicate(&mut reg_rng, geo, &base, &f);
                        for fault in &dup.faults {
                            *person_faults.entry(fault).or_default() += 1;
                        }
                        out_dups.push(dup);
                    }
                }
            }
            record += 1;
            for fault in &rec.faults {
                *person_faults.entry(fault).or_default() += 1;
            }
            write_record(&mut persons, &mut persons_truth, record, &rec);
        }
    }
    ChunkOut {
        population: done(pop),
        population_truth: done(pop_truth),
        persons: done(persons),
        persons_truth: done(persons_truth),
        households: done(households),
        members: done(members),
        duplicates: out_dups,
        person_faults,
        population_faults,
    }
}

/// `R00000001`: registry record ids, in file order.
pub(crate) fn record_id(n: u64) -> String {
    format!("R{n:08}")
}

/// `P123`: a person is identified by their data-row number in population.csv.
pub(crate) fn person_id(row: u64) -> String {
    format!("P{row}")
}

pub(crate) fn write_record(
    persons: &mut Writer<Vec<u8>>,
    truth: &mut Writer<Vec<u8>>,
    n: u64,
    rec: &Record,
) {
    let id = record_id(n);
    let birth = iso_date(rec.birth_date);
    persons
        .write_record([
            id.as_bytes(),
            rec.nik.as_bytes(),
            rec.kk.as_bytes(),
            rec.name.as_bytes(),
            rec.sex.letter().as_bytes(),
            rec.birth_place.as_bytes(),
            &birth[..],
            rec.address.as_bytes(),
            rec.village.as_bytes(),
        ])
        .expect("memory");
    truth
        .write_record([
            id.as_bytes(),
            person_id(rec.person_row).as_bytes(),
            rec.faults.join(";").as_bytes(),
        ])
        .expect("memory");
}

/// Formats the duplicates at the end of persons.csv, numbering on from `first`.
pub(crate) fn format_duplicates(dups: &[Record], first: u64) -> (Vec<u8>, Vec<u8>) {
    let mut persons = writer(dups.len() * 130);
    let mut truth = writer(dups.len() * 40);
    for (i, rec) in dups.iter().enumerate() {
        write_record(&mut persons, &mut truth, first + i as u64, rec);
    }
    (done(persons), done(truth))
}

fn text(digits: &[u8]) -> String {
    String::from_utf8(digits.to_vec()).expect("ASCII")
}

struct FaultTarget<'a> {
    member: &'a Member,
    index: usize,
    home: &'a Home,
    niks: &'a [[u8; 16]],
    today: NaiveDate,
}

/// Applies the NIK, birth-date and name faults drawn at `rates` to a record.
fn apply_faults(rng: &mut Rng, rec: &mut Record, t: &FaultTarget, rates: &RecordRates) {
    let nik = &t.niks[t.index];
    if let Some(fault) = faults::draw_nik_fault(rng, rates) {
        let changed = match fault {
            NikFault::Missing => Some(String::new()),
            NikFault::WrongLength => Some(faults::nik_wrong_length(rng, nik)),
            NikFault::InvalidDay => Some(faults::nik_invalid_day(rng, nik)),
            NikFault::SerialZero => Some(faults::nik_serial_zero(nik)),
            NikFault::Typo => Some(faults::nik_typo(rng, nik)),
            NikFault::Borrowed => borrowed_nik(rng, t),
        };
        if let Some(c) = changed {
            rec.nik = c;
            rec.faults.push(fault.code());
        }
    }
    let x: f64 = rand::Rng::random(rng);
    if x < rates.birth_date_swapped {
        match faults::date_swapped(rec.birth_date) {
            Some(d) => {
                rec.birth_date = d;
                rec.faults.push("birth_date_swapped");
            }
            None => {
                rec.birth_date = faults::date_digit(rng, rec.birth_date, t.today);
                rec.faults.push("birth_date_digit");
            }
        }
    } else if x < rates.birth_date_swapped + rates.birth_date_digit {
        rec.birth_date = faults::date_digit(rng, rec.birth_date, t.today);
        rec.faults.push("birth_date_digit");
    }
    if chance(rng, rates.name_variant) {
        let age = t.member.age_on(t.today);
        let (name, v) = name_variant(rng, &rec.name, t.member.sex, age, t.member.religion);
        rec.name = name;
        rec.faults.push(v.code());
        if chance(rng, rates.second_name_variant) {
            let (name, v2) = name_variant(rng, &rec.name, t.member.sex, age, t.member.religion);
            // A second variant must not undo the first (old spelling and back again).
            if name != t.member.name {
                rec.name = name;
                if !rec.faults.contains(&v2.code()) {
                    rec.faults.push(v2.code());
                }
            }
        }
    }
}

/// Another member's NIK: a child on a parent's, a spouse on the head's (none for a one-person KK).
fn borrowed_nik(rng: &mut Rng, t: &FaultTarget) -> Option<String> {
    let n = t.home.members.len();
    if n < 2 {
        return None;
    }
    let other = if t.index != 0 && chance(rng, 0.6) {
        0
    } else {
        let mut o = below(rng, n - 1);
        if o >= t.index {
            o += 1;
        }
        o
    };
    Some(text(&t.niks[other]))
}

/// An extra record of a person: entered again, later, by someone else.
fn duplicate(rng: &mut Rng, geo: &Geo, base: &Record, t: &FaultTarget) -> Record {
    let mut rec = base.clone();
    rec.faults.push("duplicate");
    if t.member.death.is_some() {
        rec.faults.push("deceased");
    }
    apply_faults(rng, &mut rec, t, &faults::DUPLICATE);
    if chance(rng, faults::DUPLICATE_MOVED) && geo.villages.len() > 1 {
        let mut v = below(rng, geo.villages.len() - 1) as u32;
        if v >= t.home.village {
            v += 1;
        }
        let (address, rw, rt) = family::address(rng, geo, v);
        rec.address = format!("{address} RT {} RW {}", text(&three(rt)), text(&three(rw)));
        rec.village = geo.villages[v as usize].dotted.clone();
        rec.faults.push("moved");
    }
    if chance(rng, faults::DUPLICATE_KK_OLD) {
        let district = geo.districts[geo.villages[t.home.village as usize].district].code;
        let years = 1 + below(rng, 10) as u32;
        let date = t
            .home
            .kk_date
            .checked_sub_months(chrono::Months::new(12 * years))
            .unwrap_or(t.home.kk_date);
        let serial = 1000 + below(rng, 9000) as u16;
        rec.kk = text(&kk_digits(&district, date, serial));
        rec.faults.push("kk_old");
    }
    // Untracked noise a second clerk adds: address and birth-place written differently.
    if chance(rng, 0.3) {
        rec.address = rec.address.replacen("JL. ", "JALAN ", 1);
    }
    if chance(rng, 0.2) {
        if let Some(i) = rec.address.find(" RT ") {
            rec.address.truncate(i);
        }
    }
    let r: f64 = rand::Rng::random(rng);
    if r < 0.08 {
        rec.birth_place.clear();
    } else if r < 0.16 {
        rec.birth_place = geo.places[geo.regency_place as usize].clone();
    }
    rec
}

/// A NIK that breaks a structural rule, for the population import to reject.
fn invalid_nik(rng: &mut Rng, nik: &[u8; 16]) -> Vec<u8> {
    let r: f64 = rand::Rng::random(rng);
    let s = if r < 0.35 {
        faults::nik_wrong_length(rng, nik)
    } else if r < 0.6 {
        faults::nik_invalid_day(rng, nik)
    } else if r < 0.8 {
        faults::nik_serial_zero(nik)
    } else {
        // A letter typed for a digit: O for 0, I for 1, or B for 8.
        let mut v = nik.to_vec();
        let pos = below(rng, 16);
        v[pos] = match v[pos] {
            b'0' => b'O',
            b'1' => b'I',
            b'8' => b'B',
            _ => b'O',
        };
        return v;
    };
    s.into_bytes()
}

/// A village code in the same district that the region table does not have.
fn unknown_village(rng: &mut Rng, geo: &Geo, village: tepat_domain::RegionCode) -> String {
    let district = village.parent().expect("a village has a district");
    for _ in 0..50 {
        let n = 2000 + below(rng, 1000);
        let code = format!("{}.{n:04}", district.dotted());
        if let Ok(c) = tepat_domain::RegionCode::parse(&code) {
            if !geo.known_villages.contains(&c) {
                return code;
            }
        }
    }
    format!("{}.9999", district.dotted())
}
