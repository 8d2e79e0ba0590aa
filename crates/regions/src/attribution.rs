//! The notices the Open Database License asks for (ODbL 1.0 §4.2, §4.3).
//!
//! Any page, report, file or API response built from the region data and shown publicly carries
//! [`attribution`] in the user's language, e.g. in the UI footer, on the about page and in the open-data
//! portal. Whoever receives a copy of the binary receives a copy of the data, so [`DATA_LICENSE`] ships too.

use tepat_domain::Lang;

/// Where the data come from.
pub const SOURCE_URL: &str = "https://github.com/fityannugroho/idn-area-data";

/// The exact package the embedded data were taken from.
pub const SOURCE_PACKAGE: &str = "idn-area-data@4.0.1";

/// The licence of the data.
pub const DATA_LICENSE_URL: &str = "https://opendatacommons.org/licenses/odbl/1-0/";

/// The notice in Bahasa Indonesia.
pub const ATTRIBUTION_ID: &str = "Memuat informasi dari idn-area-data \
    (https://github.com/fityannugroho/idn-area-data), yang disediakan di sini di bawah \
    Open Database License (ODbL) v1.0 (https://opendatacommons.org/licenses/odbl/1-0/).";

/// The notice in English.
pub const ATTRIBUTION_EN: &str = "Contains information from idn-area-data \
    (https://github.com/fityannugroho/idn-area-data), which is made available here under the \
    Open Database License (ODbL) v1.0 (https://opendatacommons.org/licenses/odbl/1-0/).";

/// The full text of the Open Database License v1.0, as shipped with the data.
pub const DATA_LICENSE: &str = include_str!("../data/LICENSE.md");

/// The notice in `lang`.
pub fn attribution(lang: Lang) -> &'static str {
    match lang {
        Lang::Id => ATTRIBUTION_ID,
        Lang::En => ATTRIBUTION_EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_link_the_database_and_the_licence() {
        for lang in [Lang::Id, Lang::En] {
            let text = attribution(lang);
            assert!(text.contains(SOURCE_URL), "{text}");
            assert!(text.contains(DATA_LICENSE_URL), "{text}");
            assert!(text.contains("Open Database License (ODbL) v1.0"), "{text}");
            assert!(
                !text.contains("  "),
                "line continuation left double spaces: {text}"
            );
        }
        assert_ne!(ATTRIBUTION_ID, ATTRIBUTION_EN);
        assert!(DATA_LICENSE.starts_with("# Open Database License (ODbL)"));
    }
}
