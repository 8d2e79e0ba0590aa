//! `tepat admin`: accounts from the command line, as an administrator runs it (a real SQLite file).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "ombak pantai tanjung kelayang";

fn tepat(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tepat"));
    cmd.current_dir(dir)
        .env_remove("TEPAT_DATABASE_URL")
        .env_remove("TEPAT_CONFIG")
        .env_remove("TEPAT_KEY_FILE")
        .env("TEPAT_LOG", "info");
    cmd
}

/// Runs `tepat ARGS` with `stdin` piped in.
fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = tepat(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The one `error:` line of a failed run.
fn error_line(o: &Output) -> String {
    assert!(!o.status.success(), "expected failure: {}", out(o));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    lines[0].to_owned()
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
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("created op.tanjungpandan (village_operator, 19.02.01.1001)"));
    let o = create(d, "admin.belitung", "administrator", "19.02", PASSWORD);
    assert!(o.status.success(), "{}", out(&o));

    let list = run(d, &["admin", "list-users"], "");
    assert!(list.status.success());
    let text = out(&list);
    assert!(text.contains("op.tanjungpandan"), "{text}");
    assert!(text.contains("admin.belitung"), "{text}");
    assert!(text.contains("active"), "{text}");
    assert!(
        !text.contains(PASSWORD) && !text.contains("argon2"),
        "{text}"
    );

    let o = run(d, &["admin", "lock", "op.tanjungpandan"], "");
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&run(d, &["admin", "list-users"], ""));
    let line = text
        .lines()
        .find(|l| l.starts_with("op.tanjungpandan"))
        .unwrap();
    assert!(line.contains("locked"), "{line}");
    let o = run(d, &["admin", "unlock", "OP.TANJUNGPANDAN"], "");
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&run(d, &["admin", "list-users"], ""));
    let line = text
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
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("sessions have ended"));
    assert!(!out(&o).contains("nasi lemak"));
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
        assert!(!out(o).contains(PASSWORD), "the password is never printed");
    }
    let o = create(d, "op.desa", "village_operator", "19.02.01.1001", PASSWORD);
    assert!(o.status.success(), "{}", out(&o));
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
