//! How numbers and notices are written on pages.

use tepat_domain::Lang;

/// A whole number with thousands grouped the way readers of `lang` expect: `1.234.567` in Bahasa
/// Indonesia, `1,234,567` in English.
pub fn count(n: i64, lang: Lang) -> String {
    let separator = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// A piece of running text, linked when it is a web address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPart {
    pub text: String,
    pub href: Option<String>,
}

/// Splits `text` so that the `https://` addresses in it can be shown as links (the region-data notice
/// names its source and licence by address).
pub fn linkify(text: &str) -> Vec<TextPart> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("https://") {
        let len = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '<' | '>' | '"'))
            .unwrap_or(rest.len() - start);
        let mut url = &rest[start..start + len];
        url = url.trim_end_matches(['.', ',', ';', ':']);
        if start > 0 {
            parts.push(TextPart {
                text: rest[..start].to_owned(),
                href: None,
            });
        }
        parts.push(TextPart {
            text: url.to_owned(),
            href: Some(url.to_owned()),
        });
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        parts.push(TextPart {
            text: rest.to_owned(),
            href: None,
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_per_language() {
        assert_eq!(count(1_234_567, Lang::Id), "1.234.567");
        assert_eq!(count(1_234_567, Lang::En), "1,234,567");
        assert_eq!(count(0, Lang::Id), "0");
        assert_eq!(count(999, Lang::Id), "999");
        assert_eq!(count(1000, Lang::Id), "1.000");
        assert_eq!(count(100_000, Lang::En), "100,000");
        assert_eq!(count(-12_345, Lang::Id), "-12.345");
        assert_eq!(count(i64::MIN, Lang::En), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn addresses_become_links() {
        let parts = linkify("Data from x (https://example.org/a), see https://b.example.");
        let links: Vec<_> = parts.iter().filter_map(|p| p.href.as_deref()).collect();
        assert_eq!(links, ["https://example.org/a", "https://b.example"]);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            joined,
            "Data from x (https://example.org/a), see https://b.example."
        );
        assert_eq!(linkify("plain").len(), 1);
        assert!(linkify("").is_empty());
    }

    #[test]
    fn the_region_notices_link_their_source_and_licence() {
        for notice in [tepat_regions::ATTRIBUTION_ID, tepat_regions::ATTRIBUTION_EN] {
            let links: Vec<_> = linkify(notice).into_iter().filter_map(|p| p.href).collect();
            assert_eq!(
                links,
                [tepat_regions::SOURCE_URL, tepat_regions::DATA_LICENSE_URL]
            );
        }
    }
}
