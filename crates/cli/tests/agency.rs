//! `tepat admin add-agency`, `list-agencies`, `set-agency-keys`, `disable-agency`, as an administrator
//! runs them (a real SQLite file).

mod support;
use support::{output, text};

/// RFC 8037, appendix A.2: an Ed25519 public key.
const KEY: &str = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"2026-01"}]}"#;

#[test]
fn an_agency_is_registered_listed_rekeyed_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("dukcapil.jwks"), KEY).unwrap();
    let o = output(
        d,
        &[
            "admin",
            "add-agency",
            "dukcapil.belitungkab.go.id",
            "--name",
            "Dinas Dukcapil",
            "--scope",
            "19.02",
            "--keys",
            "dukcapil.jwks",
            "--search",
            "--subscribe",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("registered dukcapil.belitungkab.go.id"),
        "{}",
        text(&o)
    );

    let o = output(d, &["admin", "list-agencies"]);
    assert!(o.status.success(), "{}", text(&o));
    let listing = text(&o);
    assert!(listing.contains("dukcapil.belitungkab.go.id"), "{listing}");
    assert!(
        listing.contains("active")
            && listing.contains("19.02")
            && listing.contains("search,subscribe"),
        "{listing}"
    );
    assert!(listing.contains("keys 2026-01"), "{listing}");

    // The same sender twice, a broken key set, no permission: refused with a reason.
    let o = output(
        d,
        &[
            "admin",
            "add-agency",
            "dukcapil.belitungkab.go.id",
            "--name",
            "x",
            "--scope",
            "all",
            "--keys",
            "dukcapil.jwks",
            "--search",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("registered already"), "{}", text(&o));
    std::fs::write(d.join("bad.jwks"), KEY.replace("11qYAYKx", "11q")).unwrap();
    let o = output(
        d,
        &[
            "admin",
            "add-agency",
            "bpjs.go.id",
            "--name",
            "BPJS",
            "--scope",
            "all",
            "--keys",
            "bad.jwks",
            "--search",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("key 2026-01"), "{}", text(&o));
    let o = output(
        d,
        &[
            "admin",
            "add-agency",
            "bpjs.go.id",
            "--name",
            "BPJS",
            "--scope",
            "all",
            "--keys",
            "dukcapil.jwks",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("--search"), "{}", text(&o));

    std::fs::write(d.join("new.jwks"), KEY.replace("2026-01", "2026-07")).unwrap();
    let o = output(
        d,
        &[
            "admin",
            "set-agency-keys",
            "dukcapil.belitungkab.go.id",
            "--keys",
            "new.jwks",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = output(
        d,
        &["admin", "disable-agency", "dukcapil.belitungkab.go.id"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let listing = text(&output(d, &["admin", "list-agencies"]));
    assert!(
        listing.contains("disabled") && listing.contains("keys 2026-07"),
        "{listing}"
    );
    let o = output(d, &["admin", "disable-agency", "nobody.go.id"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no agency with sender id nobody.go.id"),
        "{}",
        text(&o)
    );
    let o = output(
        d,
        &[
            "admin",
            "disable-agency",
            "dukcapil.belitungkab.go.id",
            "--enable",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&output(d, &["admin", "list-agencies"])).contains("active"));
}

#[test]
fn the_population_office_may_be_given_the_right_to_report_deaths_and_moves() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("dukcapil.jwks"), KEY).unwrap();
    let o = output(
        d,
        &[
            "admin",
            "add-agency",
            "dukcapil.belitungkab.go.id",
            "--name",
            "Dinas Dukcapil",
            "--scope",
            "19.02",
            "--keys",
            "dukcapil.jwks",
            "--population",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("population"), "{}", text(&o));
    let listing = text(&output(d, &["admin", "list-agencies"]));
    assert!(
        listing.contains("dukcapil.belitungkab.go.id") && listing.contains(" population "),
        "only the population right, not search or subscribe: {listing}"
    );
    assert!(!listing.contains("search"), "{listing}");
}
