//! Comparison of two prepared records: each field maps to an ordered list of **levels** (level 0 is always
//! "a value is missing", which carries no evidence; the last level is "different").
//!
//! The levels of all fields of one pair form its comparison vector, packed into a [`Gamma`] (3 bits a field),
//! so that scoring is a table lookup and EM runs on counts of distinct vectors.

use crate::record::{dob_parts, Prepared};
use crate::similarity::{digits_diff, jaro_winkler_min, DigitsDiff};

/// The compared fields, in the order of their bits in a [`Gamma`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Name = 0,
    BirthDate = 1,
    Nik = 2,
    Sex = 3,
    BirthPlace = 4,
    Village = 5,
    Address = 6,
    Kk = 7,
}

pub const NUM_FIELDS: usize = 8;
pub const MAX_LEVELS: usize = 8;

pub const ALL_FIELDS: [Field; NUM_FIELDS] = [
    Field::Name,
    Field::BirthDate,
    Field::Nik,
    Field::Sex,
    Field::BirthPlace,
    Field::Village,
    Field::Address,
    Field::Kk,
];

impl Field {
    /// Column name in `persons.csv` (and in explanations).
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "full_name",
            Field::BirthDate => "birth_date",
            Field::Nik => "nik",
            Field::Sex => "sex",
            Field::BirthPlace => "birth_place",
            Field::Village => "village_code",
            Field::Address => "address",
            Field::Kk => "kk_number",
        }
    }

    pub fn from_index(i: usize) -> Field {
        ALL_FIELDS[i]
    }

    /// Labels of the levels, from level 0 (missing) to the last (different).
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "missing",
                "exact",
                "same words, other order",
                "every word agrees but for a small typo",
                "one name contains the other",
                "similar (every word Jaro-Winkler >= 0.8, or 0.92 when a word is missing)",
                "one word agrees",
                "different",
            ],
            Field::BirthDate => &[
                "missing",
                "exact",
                "day and month swapped",
                "one digit off",
                "two digits off or swapped",
                "same year",
                "different",
            ],
            Field::Nik => &[
                "missing",
                "exact",
                "exact, but the NIK's birth date or sex contradicts a record (shared NIK)",
                "one digit wrong",
                "two adjacent digits swapped",
                "two valid NIKs one digit apart (a typo or another person's NIK)",
                "two valid NIKs that differ",
                "different",
            ],
            Field::Sex => &["missing", "same", "different"],
            Field::BirthPlace => &[
                "missing",
                "exact",
                "similar (Jaro-Winkler >= 0.9)",
                "different",
            ],
            Field::Village => &[
                "missing",
                "same village",
                "same kecamatan",
                "same kabupaten/kota",
                "different",
            ],
            Field::Address => &[
                "missing",
                "exact",
                "almost the same (Jaro-Winkler >= 0.92 or same words)",
                "same house numbers, similar street",
                "same house numbers or similar street",
                "different",
            ],
            Field::Kk => &[
                "missing",
                "exact",
                "one digit wrong or swapped",
                "different",
            ],
        }
    }

    pub fn num_levels(self) -> usize {
        self.levels().len()
    }
}

/// A packed comparison vector: 3 bits of level per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Gamma(pub u32);

impl Gamma {
    #[inline]
    pub fn level(self, f: Field) -> u8 {
        ((self.0 >> (3 * f as u32)) & 7) as u8
    }

    #[inline]
    pub fn with(self, f: Field, level: u8) -> Gamma {
        let shift = 3 * f as u32;
        Gamma((self.0 & !(7 << shift)) | ((level as u32 & 7) << shift))
    }

    pub fn levels(self) -> [u8; NUM_FIELDS] {
        let mut out = [0u8; NUM_FIELDS];
        for (i, o) in out.iter_mut().enumerate() {
            *o = ((self.0 >> (3 * i)) & 7) as u8;
        }
        out
    }
}

/// Compares two records on every field.
pub fn compare(a: &Prepared, b: &Prepared) -> Gamma {
    let mut g = 0u32;
    g |= (name_level(&a.name, &a.name_sorted, &b.name, &b.name_sorted) as u32)
        << (3 * Field::Name as u32);
    g |= (dob_level(a.dob.as_ref(), b.dob.as_ref()) as u32) << (3 * Field::BirthDate as u32);
    g |= (nik_level(a, b) as u32) << (3 * Field::Nik as u32);
    g |= (sex_level(a, b) as u32) << (3 * Field::Sex as u32);
    g |= (place_level(&a.place, &b.place) as u32) << (3 * Field::BirthPlace as u32);
    g |= (village_level(a, b) as u32) << (3 * Field::Village as u32);
    g |= (address_level(&a.address, &b.address) as u32) << (3 * Field::Address as u32);
    g |= (kk_level(&a.kk, &b.kk) as u32) << (3 * Field::Kk as u32);
    Gamma(g)
}

const MAX_TOKENS: usize = 8;

/// Name levels (see [`Field::levels`]).
pub fn name_level(a: &str, a_sorted: &str, b: &str, b_sorted: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a == b {
        return 1;
    }
    if a_sorted == b_sorted {
        return 2;
    }
    let mut ta: [&[u8]; MAX_TOKENS] = [&[]; MAX_TOKENS];
    let mut tb: [&[u8]; MAX_TOKENS] = [&[]; MAX_TOKENS];
    let na = tokens_into(a, &mut ta);
    let nb = tokens_into(b, &mut tb);
    let (short, long) = if na <= nb {
        (&ta[..na], &tb[..nb])
    } else {
        (&tb[..nb], &ta[..na])
    };
    // Greedy alignment of the shorter name's tokens to the longer's, best pairs first.
    let mut sims = [[0f64; MAX_TOKENS]; MAX_TOKENS];
    for (i, x) in short.iter().enumerate() {
        for (j, y) in long.iter().enumerate() {
            sims[i][j] = if x == y {
                1.0
            } else {
                jaro_winkler_min(x, y, 0.8)
            };
        }
    }
    let mut used_s = [false; MAX_TOKENS];
    let mut used_l = [false; MAX_TOKENS];
    let mut aligned_min = 1.0f64;
    let mut exact = 0usize;
    let mut good = 0usize;
    for _ in 0..short.len() {
        let mut best = (-1.0, 0, 0);
        for i in 0..short.len() {
            if used_s[i] {
                continue;
            }
            for j in 0..long.len() {
                if !used_l[j] && sims[i][j] > best.0 {
                    best = (sims[i][j], i, j);
                }
            }
        }
        used_s[best.1] = true;
        used_l[best.2] = true;
        aligned_min = aligned_min.min(best.0);
        if best.0 >= 1.0 {
            exact += 1;
        }
        if best.0 >= 0.92 {
            good += 1;
        }
    }
    let same_count = short.len() == long.len();
    if same_count && aligned_min >= 0.92 {
        return 3;
    }
    if !same_count && exact == short.len() {
        return 4;
    }
    if (same_count && aligned_min >= 0.80) || aligned_min >= 0.92 || squashed_jw(a, b) >= 0.92 {
        return 5;
    }
    if good > 0 {
        return 6;
    }
    7
}

/// Splits on spaces into `out` (at most [`MAX_TOKENS`] tokens); returns the count.
fn tokens_into<'a>(s: &'a str, out: &mut [&'a [u8]; MAX_TOKENS]) -> usize {
    let mut n = 0;
    for t in s.split(' ').filter(|t| !t.is_empty()).take(MAX_TOKENS) {
        out[n] = t.as_bytes();
        n += 1;
    }
    n
}

/// Jaro-Winkler of the names without spaces ("sitiaminah" = "siti aminah").
fn squashed_jw(a: &str, b: &str) -> f64 {
    let mut x = [0u8; 64];
    let mut y = [0u8; 64];
    let fill = |s: &str, buf: &mut [u8; 64]| {
        let mut n = 0;
        for &c in s.as_bytes().iter().filter(|c| **c != b' ').take(64) {
            buf[n] = c;
            n += 1;
        }
        n
    };
    let nx = fill(a, &mut x);
    let ny = fill(b, &mut y);
    jaro_winkler_min(&x[..nx], &y[..ny], 0.92)
}

/// Birth date levels.
pub fn dob_level(a: Option<&[u8; 8]>, b: Option<&[u8; 8]>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else { return 0 };
    if a == b {
        return 1;
    }
    if a[0..4] == b[0..4] && a[4..6] == b[6..8] && a[6..8] == b[4..6] {
        return 2;
    }
    let (da, ma, ya) = dob_parts(a);
    let (db, mb, yb) = dob_parts(b);
    if da == db && ma == mb && ya.abs_diff(yb) == 1 {
        return 3;
    }
    match digits_diff(a, b) {
        DigitsDiff::OneSubstitution => return 3,
        DigitsDiff::AdjacentSwap | DigitsDiff::TwoSubstitutions => return 4,
        _ => {}
    }
    if ya == yb {
        return 5;
    }
    6
}

/// NIK levels. Between two structurally valid 16-digit NIKs a one-digit difference has its own level:
/// people born on one day in one kecamatan get consecutive serials, neighbouring kecamatan codes differ in
/// one digit, and serial 0001 is the most common of all, so two different people's NIKs are often one digit
/// apart. Only when a NIK is invalid (or is not a 16-digit NIK) is a one-digit difference a typo.
pub fn nik_level(a: &Prepared, b: &Prepared) -> u8 {
    if a.nik.is_empty() || b.nik.is_empty() {
        return 0;
    }
    let (x, y) = (a.nik.as_bytes(), b.nik.as_bytes());
    let both_valid = a.nik_valid && b.nik_valid;
    // Differences confined to the serial: whether or not a serial is valid (0000), the rest says "same
    // kecamatan, same birth date" — a neighbour as often as a typo.
    let serial_only = x.len() == 16 && y.len() == 16 && x[..12] == y[..12];
    match digits_diff(x, y) {
        DigitsDiff::Equal => {
            if a.nik_consistent == Some(false) || b.nik_consistent == Some(false) {
                2
            } else {
                1
            }
        }
        DigitsDiff::OneSubstitution | DigitsDiff::AdjacentSwap if both_valid || serial_only => 5,
        DigitsDiff::OneSubstitution => 3,
        DigitsDiff::AdjacentSwap => 4,
        _ if both_valid => 6,
        _ => 7,
    }
}

pub fn sex_level(a: &Prepared, b: &Prepared) -> u8 {
    match (a.sex, b.sex) {
        (Some(x), Some(y)) if x == y => 1,
        (Some(_), Some(_)) => 2,
        _ => 0,
    }
}

pub fn place_level(a: &str, b: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a == b {
        return 1;
    }
    if jaro_winkler_min(a.as_bytes(), b.as_bytes(), 0.9) >= 0.9 {
        return 2;
    }
    3
}

pub fn village_level(a: &Prepared, b: &Prepared) -> u8 {
    if a.village.is_empty() || b.village.is_empty() {
        return 0;
    }
    if a.village == b.village {
        return 1;
    }
    let (x, y) = (a.village.as_bytes(), b.village.as_bytes());
    if a.village_digits >= 6 && b.village_digits >= 6 && x[..6] == y[..6] {
        return 2;
    }
    if a.village_digits >= 4 && b.village_digits >= 4 && x[..4] == y[..4] {
        return 3;
    }
    4
}

/// An address as house numbers (tokens with a digit) and street words, without allocating.
struct AddressParts<'a> {
    numbers: [&'a str; 8],
    n_numbers: usize,
    /// Words joined by spaces, in written order.
    words: [u8; 96],
    n_words: usize,
    /// Hash of the sorted word multiset (order-insensitive comparison).
    words_sorted_hash: u64,
}

fn address_parts(s: &str) -> AddressParts<'_> {
    let mut p = AddressParts {
        numbers: [""; 8],
        n_numbers: 0,
        words: [0; 96],
        n_words: 0,
        words_sorted_hash: 0,
    };
    for t in s.split(' ').filter(|t| !t.is_empty()) {
        if t.bytes().any(|b| b.is_ascii_digit()) {
            if p.n_numbers < 8 {
                p.numbers[p.n_numbers] = t;
                p.n_numbers += 1;
            }
        } else {
            // Order-insensitive: a sum of per-word hashes.
            let mut h: u64 = 0xcbf29ce484222325;
            for b in t.bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x100000001b3);
            }
            p.words_sorted_hash = p.words_sorted_hash.wrapping_add(h);
            let need = t.len() + usize::from(p.n_words > 0);
            if p.n_words + need <= p.words.len() {
                if p.n_words > 0 {
                    p.words[p.n_words] = b' ';
                    p.n_words += 1;
                }
                p.words[p.n_words..p.n_words + t.len()].copy_from_slice(t.as_bytes());
                p.n_words += t.len();
            }
        }
    }
    p
}

pub fn address_level(a: &str, b: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a == b {
        return 1;
    }
    if jaro_winkler_min(a.as_bytes(), b.as_bytes(), 0.92) >= 0.92 {
        return 2;
    }
    let pa = address_parts(a);
    let pb = address_parts(b);
    let numbers_same = pa.numbers[..pa.n_numbers] == pb.numbers[..pb.n_numbers];
    if numbers_same && pa.words_sorted_hash == pb.words_sorted_hash {
        return 2;
    }
    let numbers_equal = pa.n_numbers > 0 && numbers_same;
    let words_sim = if pa.n_words == 0 || pb.n_words == 0 {
        0.0
    } else {
        jaro_winkler_min(&pa.words[..pa.n_words], &pb.words[..pb.n_words], 0.8)
    };
    if numbers_equal && words_sim >= 0.8 {
        return 3;
    }
    if numbers_equal || words_sim >= 0.9 {
        return 4;
    }
    5
}

pub fn kk_level(a: &str, b: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    match digits_diff(a.as_bytes(), b.as_bytes()) {
        DigitsDiff::Equal => 1,
        DigitsDiff::OneSubstitution | DigitsDiff::AdjacentSwap => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{NormaliseOptions, PersonRecord, Prepared};

    fn prep(name: &str, nik: &str, sex: &str, dob: &str) -> Prepared {
        Prepared::from_record(
            &PersonRecord {
                record_id: "x".into(),
                nik: nik.into(),
                full_name: name.into(),
                sex: sex.into(),
                birth_date: dob.into(),
                ..Default::default()
            },
            &NormaliseOptions::default(),
        )
    }

    fn nl(a: &str, b: &str) -> u8 {
        let a = prep(a, "", "", "");
        let b = prep(b, "", "", "");
        name_level(&a.name, &a.name_sorted, &b.name, &b.name_sorted)
    }

    #[test]
    fn name_levels() {
        assert_eq!(nl("", "Budi"), 0);
        assert_eq!(nl("Moh. Rizki", "Muhammad Rizki"), 1);
        assert_eq!(nl("Budi Santoso", "Santoso Budi"), 2);
        assert_eq!(nl("Budi Santoso", "Budi Santosa"), 3);
        assert_eq!(nl("Budi Santoso", "Budi"), 4);
        assert_eq!(nl("Siti Aminah", "Siti Nurjanah"), 6);
        assert_eq!(nl("Budi Santoso", "Wayan Sudirta"), 7);
    }

    #[test]
    fn dob_levels() {
        let d = |s: &str| crate::record::parse_dob(s).unwrap();
        assert_eq!(dob_level(Some(&d("1985-08-17")), None), 0);
        assert_eq!(dob_level(Some(&d("1985-08-17")), Some(&d("1985-08-17"))), 1);
        assert_eq!(dob_level(Some(&d("1985-08-07")), Some(&d("1985-07-08"))), 2);
        assert_eq!(dob_level(Some(&d("1985-08-17")), Some(&d("1985-08-18"))), 3);
        assert_eq!(dob_level(Some(&d("1989-08-17")), Some(&d("1990-08-17"))), 3);
        assert_eq!(dob_level(Some(&d("1985-08-17")), Some(&d("1958-08-17"))), 4);
        assert_eq!(dob_level(Some(&d("1985-01-01")), Some(&d("1985-12-31"))), 5);
        assert_eq!(dob_level(Some(&d("1985-01-01")), Some(&d("1970-12-31"))), 6);
    }

    #[test]
    fn nik_levels() {
        let a = prep("A", "3175070101900001", "L", "1990-01-01");
        let level = |nik: &str, sex: &str, dob: &str| nik_level(&a, &prep("A", nik, sex, dob));
        assert_eq!(level("", "", ""), 0);
        assert_eq!(level("3175070101900001", "L", "1990-01-01"), 1);
        // The same NIK on a woman born another day: shared or borrowed.
        assert_eq!(level("3175070101900001", "P", "1970-05-05"), 2);
        // Two valid NIKs one digit apart: serial, kecamatan or date — could be two people.
        assert_eq!(level("3175070101900002", "L", "1990-01-01"), 5);
        assert_eq!(level("3175080101900001", "L", "1990-01-01"), 5);
        assert_eq!(level("3175070101900010", "L", "1990-01-01"), 5);
        // A difference only in the serial is ambiguous even when the serial is invalid (0000).
        assert_eq!(level("3175070101900000", "L", "1990-01-01"), 5);
        // An invalid NIK (month 71) one digit from a valid one: a typo.
        assert_eq!(level("3175070171900001", "L", "1990-01-01"), 3);
        assert_eq!(level("3175070202900001", "L", "1990-01-01"), 6);
        assert_eq!(level("12345", "L", "1990-01-01"), 7);
        // Identifiers that are not NIKs (FEBRL's soc_sec_id): one digit is a typo.
        assert_eq!(
            nik_level(&prep("A", "1234567", "", ""), &prep("A", "1234568", "", "")),
            3
        );
        assert_eq!(
            nik_level(&prep("A", "1234567", "", ""), &prep("A", "1234576", "", "")),
            4
        );
    }

    #[test]
    fn gamma_packs() {
        let g = Gamma::default()
            .with(Field::Nik, 5)
            .with(Field::Kk, 3)
            .with(Field::Name, 7);
        assert_eq!(g.level(Field::Nik), 5);
        assert_eq!(g.level(Field::Kk), 3);
        assert_eq!(g.level(Field::Name), 7);
        assert_eq!(g.level(Field::Sex), 0);
        for f in ALL_FIELDS {
            assert!(f.num_levels() <= MAX_LEVELS);
        }
    }

    #[test]
    fn address_levels() {
        use crate::normalise::normalise_address as n;
        assert_eq!(
            address_level(&n("Jl. Merdeka No. 12"), &n("Jalan Merdeka 12")),
            1
        );
        assert_eq!(
            address_level(&n("Jl. Merdeka 12 RT 3"), &n("Jl. Merdeka 12 RT 4")),
            2
        );
        assert_eq!(address_level(&n("12 Merdeka"), &n("Merdeka 12")), 2);
        assert_eq!(address_level(&n("Gg. Mawar 7"), &n("Jl. Anggrek 99")), 5);
    }
}
