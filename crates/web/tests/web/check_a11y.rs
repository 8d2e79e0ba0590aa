//! WCAG 2.1 AA on the citizens' pages, without a browser: the contrast of every text colour pair
//! tepat.css uses (at least 4.5:1, success criterion 1.4.3), computed from the stylesheet itself so a
//! changed colour is caught; labels, the page language and errors tied to their fields on `/cek`.

use axum::http::StatusCode;

use crate::support::TestApp;

const CSS: &str = include_str!("../../static/tepat.css");

/// The value of the custom property `--name` in tepat.css's `:root`.
fn var(name: &str) -> &'static str {
    let key = format!("--{name}:");
    let at = CSS
        .find(&key)
        .unwrap_or_else(|| panic!("tepat.css has no {key}"));
    let rest = &CSS[at + key.len()..];
    rest[..rest.find(';').unwrap()].trim()
}

/// `#rrggbb` as 0–255 channels.
fn rgb(hex: &str) -> [f64; 3] {
    let hex = hex.trim_start_matches('#');
    assert_eq!(hex.len(), 6, "a six-digit colour: {hex}");
    let channel = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
    [channel(0), channel(2), channel(4)]
}

/// WCAG 2.1's relative luminance.
fn luminance(c: [f64; 3]) -> f64 {
    let lin = |v: f64| {
        let s = v / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn the_contrast_formula_matches_wcags_reference_values() {
    let black = rgb("#000000");
    let white = rgb("#ffffff");
    assert!((contrast(black, white) - 21.0).abs() < 1e-9);
    assert!((contrast(white, white) - 1.0).abs() < 1e-9);
    // #767676 on white is the classic lightest grey that passes: 4.54:1.
    let grey = contrast(rgb("#767676"), white);
    assert!((4.5..4.6).contains(&grey), "{grey}");
}

#[test]
fn every_text_colour_pair_of_the_stylesheet_reaches_4_5_to_1() {
    let ink = rgb(var("ink"));
    let muted = rgb(var("muted"));
    let paper = rgb(var("paper"));
    let tint = rgb(var("tint"));
    let brand = rgb(var("brand"));
    let brand_dark = rgb(var("brand-dark"));
    let white = rgb("#ffffff");
    let error = rgb("#b3261e");
    assert!(
        CSS.contains(".lang-switch strong { background: var(--brand-dark); }"),
        "the chosen language's highlight (a translucent white over --brand gave 4.27:1)"
    );
    for literal in ["#b3261e", "#8c1d18", "#fde7e4", "#6b4e00", "#fff4d6"] {
        assert!(CSS.contains(literal), "tepat.css no longer uses {literal}");
    }
    let pairs = [
        ("text on the page", ink, paper),
        ("text in a notice", ink, tint),
        ("muted text on the page", muted, paper),
        ("muted text in a notice or total", muted, tint),
        ("links", brand, paper),
        ("links in a notice", brand, tint),
        ("links hovered or focused", brand_dark, paper),
        ("the header and buttons", white, brand),
        ("buttons hovered or focused", white, brand_dark),
        ("the language chosen in the header", white, brand_dark),
        ("a secondary button", brand, white),
        ("a field's error", error, paper),
        ("a danger button", white, error),
        ("a state badge", brand_dark, tint),
        ("a problem badge", rgb("#8c1d18"), rgb("#fde7e4")),
        ("a warning badge", rgb("#6b4e00"), rgb("#fff4d6")),
    ];
    for (what, text, background) in pairs {
        let ratio = contrast(text, background);
        assert!(ratio >= 4.5, "{what}: {ratio:.2}:1");
    }
}

#[tokio::test]
async fn the_status_form_labels_its_fields_and_ties_the_error_to_them() {
    let app = TestApp::new().await;
    let page = app.get("/cek").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.starts_with("<!doctype html>\n<html lang=\"id\">"));
    for field in ["nik", "kk"] {
        assert!(page.body.contains(&format!("<label for=\"{field}\">")));
        assert!(page
            .body
            .contains(&format!("id=\"{field}\" name=\"{field}\"")));
    }
    assert!(!page.body.contains("aria-invalid"), "no error yet");
    assert!(page.body.contains("class=\"skip\" href=\"#main\""));

    let citizen = app.browser();
    citizen.refresh_csrf("/cek").await;
    let wrong = citizen
        .post_form("/cek", &[("nik", "12"), ("kk", "34")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("id=\"check-error\" role=\"alert\""));
    assert_eq!(
        wrong
            .body
            .matches("aria-invalid=\"true\" aria-describedby=\"check-error\"")
            .count(),
        2,
        "both fields point at the one message (it never says which number was wrong)"
    );
    let english = app.get_with("/cek", &[("cookie", "lang=en")]).await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("KK number"));
}
