//! Comparing place names the way people type them.
//!
//! Two names are the same when their [`normalize_name`] forms are equal. For kabupaten/kota and provinces
//! the administrative prefix is optional: `Belitung`, `Kab. Belitung` and `Kabupaten Belitung` all name
//! 19.02, but `Kota Belitung` does not (a prefix that is given must fit the kind of region).

/// Characters that stand for an apostrophe in names: `'`, `’` (U+2019, in three village names), `‘`,
/// `ʼ`, `` ` ``, and `"` (the data write `Soka"an`, `Ra"as` where an apostrophe is meant). They are removed.
const APOSTROPHES: [char; 6] = ['\'', '\u{2019}', '\u{2018}', '\u{02BC}', '`', '"'];

/// The form names are compared in: lower case, apostrophes removed, runs of whitespace collapsed to one
/// space, no leading or trailing space. `"  Regapu’u "` and `regapuu` give the same.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        let start = out.len();
        if !out.is_empty() {
            out.push(' ');
        }
        let before = out.len();
        for c in word.chars().filter(|c| !APOSTROPHES.contains(c)) {
            out.extend(c.to_lowercase());
        }
        if out.len() == before {
            // The word was only apostrophes: drop the space too.
            out.truncate(start);
        }
    }
    out
}

/// The kind of region an administrative prefix names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefix {
    Provinsi,
    Kabupaten,
    Kota,
}

/// Prefixes in normalised form, longer before shorter. Those ending in a dot may be followed directly by
/// the name (`kab.belitung`).
const PREFIXES: [(&str, Prefix); 9] = [
    ("provinsi ", Prefix::Provinsi),
    ("prov.", Prefix::Provinsi),
    ("kabupaten administrasi ", Prefix::Kabupaten),
    ("kabupaten ", Prefix::Kabupaten),
    ("kab.", Prefix::Kabupaten),
    ("kota administrasi ", Prefix::Kota),
    ("kota adm.", Prefix::Kota),
    ("kota ", Prefix::Kota),
    ("kab ", Prefix::Kabupaten),
];

/// Splits a normalised name into its administrative prefix, if any, and the rest.
pub(crate) fn split_prefix(normalized: &str) -> (Option<Prefix>, &str) {
    for (prefix, kind) in PREFIXES {
        if let Some(rest) = normalized.strip_prefix(prefix) {
            let rest = rest.trim_start();
            if !rest.is_empty() {
                return (Some(kind), rest);
            }
        }
    }
    (None, normalized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_apostrophes_and_spaces() {
        assert_eq!(normalize_name("Regapu’u"), "regapuu");
        assert_eq!(normalize_name("Regapu'u"), "regapuu");
        assert_eq!(normalize_name("Soka\"an"), "sokaan");
        assert_eq!(
            normalize_name("  Kabupaten \t Belitung\n"),
            "kabupaten belitung"
        );
        assert_eq!(normalize_name("O'o'u"), "oou");
        assert_eq!(normalize_name("Lubuk Pakam I,II"), "lubuk pakam i,ii");
        assert_eq!(normalize_name("Desa ’ Baru"), "desa baru");
        assert_eq!(normalize_name("’"), "");
        assert_eq!(normalize_name("ÇAKRA"), "çakra");
    }

    #[test]
    fn splits_administrative_prefixes() {
        assert_eq!(
            split_prefix("kabupaten belitung"),
            (Some(Prefix::Kabupaten), "belitung")
        );
        assert_eq!(
            split_prefix("kab. belitung"),
            (Some(Prefix::Kabupaten), "belitung")
        );
        assert_eq!(
            split_prefix("kab.belitung"),
            (Some(Prefix::Kabupaten), "belitung")
        );
        assert_eq!(
            split_prefix("kota administrasi jakarta timur"),
            (Some(Prefix::Kota), "jakarta timur")
        );
        assert_eq!(
            split_prefix("kota bandung"),
            (Some(Prefix::Kota), "bandung")
        );
        assert_eq!(
            split_prefix("provinsi jawa barat"),
            (Some(Prefix::Provinsi), "jawa barat")
        );
        assert_eq!(
            split_prefix("kabupaten administrasi kepulauan seribu"),
            (Some(Prefix::Kabupaten), "kepulauan seribu")
        );
        assert_eq!(split_prefix("kotabaru"), (None, "kotabaru"));
        assert_eq!(split_prefix("kota"), (None, "kota"));
        assert_eq!(split_prefix("tanjungpandan"), (None, "tanjungpandan"));
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(name in "\\PC{0,30}") {
            let once = normalize_name(&name);
            prop_assert_eq!(normalize_name(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
            prop_assert!(!once.contains(APOSTROPHES));
        }
    }
}
