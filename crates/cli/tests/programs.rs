//! `tepat programs list / show / export / load` on a real SQLite file: the built-in programs are there,
//! an edited file saves only what changed as the next version, and a file that does not check saves
//! nothing and says where it is wrong.

mod support;
use support::{ok_text, output, text};

#[test]
fn a_programs_file_is_exported_edited_and_loaded_as_new_versions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listing = ok_text(d, &["programs", "list"]);
    for code in ["PKH", "SEMBAKO", "BLT-DD", "PBI-JK"] {
        assert!(listing.contains(code), "{code} missing: {listing}");
    }
    assert!(listing.contains("rule: desil <= 4"), "{listing}");

    ok_text(d, &["programs", "export", "--out", "all.toml"]);
    let exported = std::fs::read_to_string(d.join("all.toml")).unwrap();
    // Sembako for desil 1–3 only: one program changed, the others as stored.
    let at = exported
        .find("code = \"SEMBAKO\"")
        .expect("Sembako exported");
    let (before, sembako) = exported.split_at(at);
    let edited = format!(
        "{before}{}",
        sembako.replacen("rule = \"desil <= 4\"", "rule = \"desil <= 3\"", 1)
    );
    assert_ne!(edited, exported, "the export has Sembako's rule as written");
    std::fs::write(d.join("edited.toml"), &edited).unwrap();
    let out = ok_text(
        d,
        &["programs", "load", "edited.toml", "--note", "SK 12/2027"],
    );
    let changed: Vec<&str> = out.lines().filter(|l| l.contains(": changed")).collect();
    assert_eq!(changed.len(), 1, "{out}");
    assert!(
        changed[0].starts_with("SEMBAKO: changed, saved as version 2"),
        "{out}"
    );
    assert!(out.contains("PKH: unchanged (version 1)"), "{out}");

    let shown = ok_text(d, &["programs", "show", "SEMBAKO"]);
    assert!(shown.contains("rule = \"desil <= 3\""), "{shown}");
    assert!(
        shown.contains("v2 saved") && shown.contains("SK 12/2027"),
        "{shown}"
    );
    let old = ok_text(d, &["programs", "show", "SEMBAKO", "--version", "1"]);
    assert!(old.contains("rule = \"desil <= 4\""), "{old}");

    // Loading the same file again saves nothing.
    let again = ok_text(d, &["programs", "load", "edited.toml"]);
    assert!(!again.contains(": changed"), "{again}");

    // A rule that does not check: refused with its program, line and column; nothing saved.
    let broken = edited.replace("rule = \"desil <= 3\"", "rule = \"desl <= 3\"");
    std::fs::write(d.join("broken.toml"), broken).unwrap();
    let o = output(d, &["programs", "load", "broken.toml"]);
    assert!(!o.status.success());
    let e = text(&o);
    assert!(
        e.contains("broken.toml")
            && e.contains("SEMBAKO")
            && e.contains("line")
            && e.contains("desil"),
        "{e}"
    );
    let shown = ok_text(d, &["programs", "show", "SEMBAKO"]);
    assert!(
        shown.contains("rule = \"desil <= 3\"") && !shown.contains("v3"),
        "{shown}"
    );
}
