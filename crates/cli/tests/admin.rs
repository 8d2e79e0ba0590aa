//! `tepat admin`: accounts from the command line, as an administrator runs it (a real SQLite file).

use std::path::Path;
use std::process::Output;

mod support;
use support::{error_line, output_with_stdin, text, verbose};

const PASSWORD: &str = "ombak pantai tanjung kelayang";

/// Runs `tepat ARGS` with `stdin` piped in.
fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    output_with_stdin(verbose(dir).args(args), stdin)
}

fn create(dir: &Path, username: &str, role: &str, scope: &str, password: &str) -> Output {
    run(
        dir,
        &[
            "admin",
            "create-user",
            username,
            "--name",
            "Siti Rahmawati",
            "--role",
            role,
            "--scope",
            scope,
            "--password-stdin",
        ],
        &format!("{password}\n"),
    )
}

#[test]
fn an_administrator_creates_lists_locks_and_unlocks_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = create(
        d,
        "op.tanjungpandan",
        "village_operator",
        "19.02.01.1001",
        PASSWORD,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("created op.tanjungpandan (village_operator, 19.02.01.1001)"));
    let o = create(d, "admin.belitung", "administrator", "19.02", PASSWORD);
    assert!(o.status.success(), "{}", text(&o));

    let list = run(d, &["admin", "list-users"], "");
    assert!(list.status.success());
    let listing = text(&list);
    assert!(listing.contains("op.tanjungpandan"), "{listing}");
    assert!(listing.contains("admin.belitung"), "{listing}");
    assert!(listing.contains("active"), "{listing}");
    assert!(
        !listing.contains(PASSWORD) && !listing.contains("argon2"),
        "{listing}"
    );

    let o = run(d, &["admin", "lock", "op.tanjungpandan"], "");
    assert!(o.status.success(), "{}", text(&o));
    let listing = text(&run(d, &["admin", "list-users"], ""));
    let line = listing
        .lines()
        .find(|l| l.starts_with("op.tanjungpandan"))
        .unwrap();
    assert!(line.contains("locked"), "{line}");
    let o = run(d, &["admin", "unlock", "OP.TANJUNGPANDAN"], "");
    assert!(o.status.success(), "{}", text(&o));
    let listing = text(&run(d, &["admin", "list-users"], ""));
    let line = listing
        .lines()
        .find(|l| l.starts_with("op.tanjungpandan"))
        .unwrap();
    assert!(line.contains("active"), "{line}");

    let o = run(
        d,
        &[
            "admin",
            "set-password",
            "op.tanjungpandan",
            "--password-stdin",
        ],
        "nasi lemak dan teh tarik\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("sessions have ended"));
    assert!(!text(&o).contains("nasi lemak"));
}

#[test]
fn mistakes_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        (create(d, "x", "verifier", "19.02", PASSWORD), "username"),
        (
            create(d, "op.desa", "superuser", "19.02", PASSWORD),
            "role:",
        ),
        (
            create(d, "op.desa", "village_operator", "19.02.x", PASSWORD),
            "scope:",
        ),
        (
            create(d, "op.desa", "village_operator", "19.02.01", PASSWORD),
            "scope:",
        ),
        (
            create(d, "op.desa", "village_operator", "19.02.01.1001", "pendek"),
            "password:",
        ),
        (
            create(d, "op.desa", "village_operator", "19.02.01.1001", ""),
            "password:",
        ),
        (
            create(d, "op.desa", "village_operator", "19.02.01.2999", PASSWORD),
            "region 19.02.01.2999",
        ),
        (create(d, "op.desa", "citizen", "all", PASSWORD), "role:"),
    ];
    for (o, field) in &cases {
        let line = error_line(o);
        assert!(line.contains(field), "{field}: {line}");
        assert!(!text(o).contains(PASSWORD), "the password is never printed");
    }
    let o = create(d, "op.desa", "village_operator", "19.02.01.1001", PASSWORD);
    assert!(o.status.success(), "{}", text(&o));
    let again = create(d, "op.desa", "verifier", "all", PASSWORD);
    assert!(error_line(&again).contains("exists already"));
    let o = run(d, &["admin", "lock", "nobody"], "");
    assert!(error_line(&o).contains("no account is named `nobody`"));
}

#[test]
fn the_password_is_never_taken_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No flag for it…
    let o = run(
        d,
        &[
            "admin",
            "create-user",
            "op.desa",
            "--name",
            "Siti",
            "--role",
            "verifier",
            "--scope",
            "all",
            "--password",
            PASSWORD,
        ],
        "",
    );
    assert!(!o.status.success());
    // …and without a terminal and without --password-stdin it says what to do.
    let o = run(
        d,
        &[
            "admin",
            "create-user",
            "op.desa",
            "--name",
            "Siti",
            "--role",
            "verifier",
            "--scope",
            "all",
        ],
        "",
    );
    let line = error_line(&o);
    assert!(
        line.contains("password:") && line.contains("--password-stdin"),
        "{line}"
    );
}
