//! The two languages of the user interface: Bahasa Indonesia (default) and English.

use serde::{Deserialize, Serialize};

/// A user-interface language. Bahasa Indonesia is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// Parses a language tag such as `id`, `en`, `en-US` or `id-ID`; anything else is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

/// Something that can be said to a user in either language (error messages, labels).
pub trait Localized {
    fn message(&self, lang: Lang) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse() {
        assert_eq!(Lang::from_tag("en-US"), Some(Lang::En));
        assert_eq!(Lang::from_tag("id_ID"), Some(Lang::Id));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::default(), Lang::Id);
    }
}
