//! The open-data portal's figures are the ledger's (issue 9): after `tepat demo` has paid a cycle of every
//! demo program and published it to the transparency ledger, every household count, amount entitled and
//! amount disbursed that `/data/penyaluran.json` publishes equals the "published figures" that
//! `tepat ledger verify` computes from the served log alone, for the same program, cycle and region.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

mod support;

use support::{free_port, verbose as tepat};

fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}

/// Steps the ledger publisher has not logged yet, and whether every demo program has settled payments.
async fn progress(db: &std::path::Path) -> Option<(i64, bool)> {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .ok()?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM entitlement WHERE ledger_index IS NULL) \
         + (SELECT COUNT(*) FROM payment WHERE state IN ('settled', 'rejected', 'returned') \
            AND result_ledger_index IS NULL) \
         + (SELECT COUNT(*) FROM handover WHERE status = 'accepted' AND ledger_index IS NULL)",
    )
    .fetch_one(&mut c)
    .await
    .ok()?;
    let programs: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT e.program) FROM envelope e JOIN entitlement t ON t.envelope_id = e.id \
         WHERE t.state IN ('paid', 'handed_over')",
    )
    .fetch_one(&mut c)
    .await
    .ok()?;
    Some((pending, programs >= 6))
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// `published figures` lines of the verifier's report: (program, cycle, region) → (households,
/// entitled, disbursed). The total has an empty region.
fn verifier_figures(report: &str) -> BTreeMap<(String, String, String), (u64, u64, u64)> {
    let mut out = BTreeMap::new();
    let Some(start) = report.find("published figures") else {
        return out;
    };
    for line in report[start..].lines().skip(2) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (region, numbers) = match f.len() {
            6 => ("", &f[3..6]),
            7 => (f[3], &f[4..7]),
            _ => break,
        };
        let n: Vec<u64> = numbers.iter().filter_map(|x| x.parse().ok()).collect();
        if n.len() != 3 {
            break;
        }
        out.insert(
            (f[0].to_owned(), f[1].to_owned(), region.to_owned()),
            (n[0], n[1], n[2]),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portal_publishes_the_ledger_verifiers_totals() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = tepat(dir.path())
        .args([
            "demo",
            "--persons",
            "3000",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = dir.path().join("tepat.db");
    // Wait for the demo's payments and for the publisher to log what it will (a limit against a
    // broken demo, not a timing assertion): every program paid, and nothing newly logged for three
    // polls in a row.
    let start = Instant::now();
    let mut quiet = 0;
    let mut last = -1;
    while start.elapsed() < Duration::from_secs(900) && quiet < 3 {
        quiet = match progress(&db).await {
            Some((pending, true)) if pending == last => quiet + 1,
            Some((pending, _)) => {
                last = pending;
                0
            }
            None => 0,
        };
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let portal = get(port, "/data/penyaluran.json");
    let page = get(port, "/data");
    let report = tepat(dir.path())
        .args([
            "ledger",
            "verify",
            "--url",
            &format!("http://127.0.0.1:{port}/ledger/bansos"),
        ])
        .output()
        .unwrap();
    stop(child);
    assert_eq!(quiet, 3, "the demo did not pay and log every program");

    let (status, body) = portal.expect("the portal answers");
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let report = String::from_utf8_lossy(&report.stdout).into_owned();
    assert!(report.contains("OK: no inconsistency found"), "{report}");
    let ledger = verifier_figures(&report);
    assert!(!ledger.is_empty(), "no published figures in {report}");

    let mut compared = 0;
    let mut villages = 0;
    let mut programs = std::collections::BTreeSet::new();
    for row in json["rows"].as_array().unwrap() {
        let Some(households) = row["households"].as_u64() else {
            continue; // suppressed
        };
        let key = (
            row["program"].as_str().unwrap().to_owned(),
            row["cycle"].as_str().unwrap().to_owned(),
            row["region_code"].as_str().unwrap_or("").to_owned(),
        );
        let portal = (
            households,
            row["entitled_rp"].as_u64().unwrap(),
            row["disbursed_rp"].as_u64().unwrap(),
        );
        // A region without a logged entitlement is a zero row on the portal and absent from the
        // verifier's figures (it sums only groups with aid steps).
        let expected = ledger.get(&key).copied().unwrap_or((0, 0, 0));
        assert_eq!(expected, portal, "{key:?}");
        compared += 1;
        villages += usize::from(row["level"] == "village");
        programs.insert(key.0);
    }
    assert!(
        villages > 0 && programs.len() >= 6,
        "{programs:?}, {villages} villages"
    );
    assert!(compared >= 20, "only {compared} cells compared");
    // The page shows the latest witnessed checkpoint.
    let (status, html) = page.expect("the page answers");
    assert_eq!(status, 200);
    assert!(html.contains("id=\"checkpoint-size\""), "{html}");
}
