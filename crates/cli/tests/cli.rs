//! The `tepat` binary as a user runs it: real files, a real SQLite database, a real server on loopback.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;
// These tests read the `info` log, and check that it leaks no personal data.
use support::{error_line as one_line_failure, free_port, run, stderr, stdout, verbose as tepat};

/// Runs `tepat ARGS` in `dir`, expects it to fail, and returns its one error line.
fn fails(dir: &Path, args: &[&str]) -> String {
    one_line_failure(&run(tepat(dir).args(args)))
}

#[test]
fn help_explains_the_indonesian_terms() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(tepat(dir.path()).arg("--help"));
    assert!(o.status.success());
    let help = stdout(&o);
    for term in [
        "Nomor Induk Kependudukan",
        "Kartu Keluarga",
        "kecamatan",
        "desil",
        "TEPAT_DATABASE_URL",
    ] {
        assert!(help.contains(term), "--help should explain {term}:\n{help}");
    }
}

/// The number before `label` in the import summary, e.g. `12 inserted`.
fn count_before(text: &str, label: &str) -> u64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in:\n{text}"));
    text[..at]
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|s| !s.is_empty())
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn generate_import_and_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let gen = run(tepat(dir.path()).args([
        "generate",
        "--out",
        "gen",
        "--seed",
        "11",
        "--persons",
        "3000",
        "--errors",
        "--as-of",
        "2026-11-22",
    ]));
    assert!(gen.status.success(), "{}", stderr(&gen));
    assert!(dir.path().join("gen/population.csv").exists());
    assert!(dir.path().join("gen/persons_truth.csv").exists());

    let first = run(tepat(dir.path()).args(["import", "population", "gen/population.csv"]));
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    let inserted = count_before(&out, " inserted");
    let rejected = count_before(&out, " rejected");
    assert!(inserted > 2500, "{out}");
    assert!(
        rejected > 0,
        "--errors puts rows to reject into population.csv:\n{out}"
    );
    let report = std::fs::read_to_string(dir.path().join("gen/population.rejected.csv")).unwrap();
    let reported_lines: std::collections::BTreeSet<&str> = report
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        reported_lines.len() as u64,
        rejected,
        "each rejected row is in the report once:\n{report}"
    );

    let again = run(tepat(dir.path()).args(["import", "population", "gen/population.csv"]));
    assert!(again.status.success(), "{}", stderr(&again));
    let out = stdout(&again);
    assert_eq!(count_before(&out, " inserted"), 0, "{out}");
    assert_eq!(count_before(&out, " updated"), 0, "{out}");
    assert_eq!(count_before(&out, " unchanged"), inserted, "{out}");

    // No personal data in what the commands printed to the log.
    let first_nik = std::fs::read_to_string(dir.path().join("gen/population.csv"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(first_nik.len(), 16);
    for o in [&gen, &first, &again] {
        assert!(!stderr(o).contains(&first_nik), "a NIK reached the log");
    }
}

#[test]
fn bad_input_fails_with_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();

    let line = fails(dir.path(), &["import", "population", "missing.csv"]);
    assert!(line.contains("missing.csv"), "{line}");

    let line = fails(dir.path(), &["generate", "--out", "g", "--regency", "19.9"]);
    assert!(line.contains("--regency"), "{line}");

    let line = fails(
        dir.path(),
        &["generate", "--out", "g", "--regency", "99.99"],
    );
    assert!(line.contains("99.99"), "{line}");

    let line = fails(
        dir.path(),
        &["--database", "mysql://localhost/x", "migrate"],
    );
    assert!(line.contains("mysql"), "{line}");

    std::fs::write(
        dir.path().join("bad.csv"),
        "nik,name\n1902015708850003,Siti\n",
    )
    .unwrap();
    let line = one_line_failure(&run(tepat(dir.path()).args([
        "import",
        "population",
        "bad.csv",
    ])));
    assert!(line.contains("bad.csv"), "{line}");
    assert!(
        !line.contains("1902015708850003"),
        "the error must not echo a NIK: {line}"
    );
}

/// A bare HTTP/1.1 GET; returns (status, body).
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let status = raw.split_whitespace().nth(1)?.parse().ok()?;
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

fn wait_ready(child: &mut Child, port: u16, within: Duration) {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("tepat exited early with {status}");
        }
        if matches!(get(port, "/readyz"), Some((200, _))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("not ready within {within:?}");
}

/// Stops the server the way a service manager does, and expects a clean exit.
fn terminate(mut child: Child) -> String {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown should exit 0, got {status}"
    );
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    err
}

#[test]
fn demo_generates_imports_serves_and_reuses_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = tepat(dir.path())
        .args([
            "demo",
            "--persons",
            "2000",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&mut child, port, Duration::from_secs(120));
    let (status, page) = get(port, "/").unwrap();
    assert_eq!(status, 200);
    for district in [
        "Tanjungpandan",
        "Membalong",
        "Selat Nasik",
        "Sijuk",
        "Badau",
    ] {
        assert!(page.contains(district), "landing page lists {district}");
    }
    let log = terminate(child);
    assert!(dir.path().join("tepat.db").exists());
    assert!(dir.path().join("tepat.keys").exists());
    assert!(dir.path().join("tepat-demo-data/population.csv").exists());
    assert!(log.contains("generating the demo regency"), "{log}");

    // Second run: same database, listen address from the environment; nothing is generated again.
    std::fs::remove_dir_all(dir.path().join("tepat-demo-data")).unwrap();
    let port = free_port();
    let mut child = tepat(dir.path())
        .arg("demo")
        .env("TEPAT_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&mut child, port, Duration::from_secs(60));
    let log = terminate(child);
    assert!(
        !dir.path().join("tepat-demo-data").exists(),
        "the demo generated again"
    );
    assert!(log.contains("already holds a population"), "{log}");
}

#[test]
fn dedupe_and_link_generated_registry_files() {
    let dir = tempfile::tempdir().unwrap();
    let gen = run(tepat(dir.path()).args([
        "generate",
        "--out",
        "gen",
        "--seed",
        "5",
        "--persons",
        "4000",
        "--errors",
        "--as-of",
        "2026-11-22",
    ]));
    assert!(gen.status.success(), "{}", stderr(&gen));

    let o = run(tepat(dir.path()).args([
        "dedupe",
        "--input",
        "gen/persons.csv",
        "--out",
        "clusters.csv",
        "--pairs",
        "pairs.csv",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("clusters"),
        "a summary is printed:\n{}",
        stdout(&o)
    );
    let input = std::fs::read_to_string(dir.path().join("gen/persons.csv")).unwrap();
    let ids: std::collections::BTreeSet<&str> = input
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let clusters = std::fs::read_to_string(dir.path().join("clusters.csv")).unwrap();
    assert_eq!(clusters.lines().next(), Some("record_id,cluster_id"));
    let clustered: Vec<&str> = clusters
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        clustered.len(),
        ids.len(),
        "every input record exactly once"
    );
    assert_eq!(
        clustered
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        ids
    );
    // --errors writes duplicate records: some clusters must hold more than one record.
    let mut sizes = std::collections::BTreeMap::<&str, usize>::new();
    for line in clusters.lines().skip(1) {
        *sizes.entry(line.split(',').nth(1).unwrap()).or_default() += 1;
    }
    assert!(sizes.values().any(|&n| n > 1), "no duplicates found");
    let pairs = std::fs::read_to_string(dir.path().join("pairs.csv")).unwrap();
    assert_eq!(
        pairs.lines().next(),
        Some("record_id_a,record_id_b,match_probability")
    );

    let o = run(tepat(dir.path()).args([
        "link",
        "--left",
        "gen/persons.csv",
        "--right",
        "gen/persons.csv",
        "--out",
        "links.csv",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(dir.path().join("links.csv"))
            .unwrap()
            .lines()
            .count()
            > ids.len() / 2
    );

    // A malformed row is reported with its line; with --reject-bad-rows it stops the run.
    let mut bad = input.clone();
    bad.push_str("R_BAD,only,three\n");
    std::fs::write(dir.path().join("bad.csv"), &bad).unwrap();
    let line_no = bad.lines().count();
    let o = run(tepat(dir.path()).args(["dedupe", "--input", "bad.csv", "--out", "c2.csv"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("line {line_no}")),
        "{}",
        stderr(&o)
    );
    let line = one_line_failure(&run(tepat(dir.path()).args([
        "dedupe",
        "--input",
        "bad.csv",
        "--out",
        "c3.csv",
        "--reject-bad-rows",
    ])));
    assert!(line.contains(&format!("{line_no}")), "{line}");
}
