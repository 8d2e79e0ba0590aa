//! `tepat distribution` and `tepat payments` through the binary on a real SQLite file and ledger
//! directory: a PKH cycle prepared, refused to its preparer, approved by a second person, released
//! once, its pain.001 files written (and written again byte for byte), the simulated bank's status
//! files imported (rejects and a return reconciled), a re-import changing nothing, a malformed file
//! refused with its line, and every step in a ledger that verifies.

mod support;
use support::{ok, output, output_with_stdin, tepat};

const ON: &str = "2027-02-01";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The word after `label` in `text`.
fn word_after<'a>(text: &'a str, label: &str) -> &'a str {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {text}"))
        + label.len();
    text[at..].split_whitespace().next().unwrap()
}

/// The number before `label` in `text`, e.g. 12 in "… 12 matched …".
fn number_before(text: &str, label: &str) -> u64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {text}"));
    text[..at]
        .split_whitespace()
        .last()
        .unwrap()
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap()
}

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// A generated regency ranked, PKH run and approved; returns the enrolled households' ids.
fn enrolled_pkh(dir: &std::path::Path) -> Vec<(String, String)> {
    ok(
        dir,
        &[
            "generate",
            "--out",
            "gen",
            "--seed",
            "5",
            "--persons",
            "4000",
            "--as-of",
            "2026-06-01",
        ],
    );
    ok(dir, &["targeting", "load", "--survey", "gen"]);
    ok(dir, &["pmt", "rank", "--on", ON]);
    let stored = ok(dir, &["targeting", "run", "--program", "PKH", "--on", ON]);
    let run_id = word_after(&stored, "stored as draft run ").trim_end_matches(';');
    ok(
        dir,
        &[
            "targeting",
            "approve",
            run_id,
            "--decree",
            "400/9/DINSOS/2027",
        ],
    );
    ok(dir, &["targeting", "export", run_id, "--out", "list.csv"]);
    std::fs::read_to_string(dir.join("list.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split(',').collect();
            (cols[2].to_owned(), cols[1].to_owned())
        })
        .collect()
}

#[test]
fn a_cycle_is_prepared_approved_by_another_released_once_paid_by_bank_and_published() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let households = enrolled_pkh(dir);
    assert!(households.len() > 20, "{} enrolled", households.len());

    // Twenty households with verified accounts at two banks; the others are paid in cash.
    let mut csv = String::from("household_id,village_code,address\n");
    for (i, (h, v)) in households.iter().take(20).enumerate() {
        let bank = if i % 2 == 0 { "bri" } else { "mandiri" };
        csv.push_str(&format!(
            "{h},{v},account:{:010}@{bank}\n",
            4_200_000_000u64 + i as u64
        ));
    }
    std::fs::write(dir.join("accounts.csv"), csv).unwrap();
    assert!(ok(dir, &["payments", "link-accounts", "accounts.csv"]).contains("20 verified"));

    let prepared = ok(
        dir,
        &[
            "distribution",
            "prepare",
            "--program",
            "PKH",
            "--cycle",
            "2027-T1",
        ],
    );
    let envelope = word_after(&prepared, "prepared envelope ").to_owned();
    assert!(prepared.contains("bank"), "{prepared}");
    assert!(prepared.contains("cash"), "{prepared}");

    // Maker-checker: an approver account is needed, the preparer's own name is not enough.
    let no_account = output(
        dir,
        &["distribution", "approve", &envelope, "--as", "nobody"],
    );
    assert!(!no_account.status.success());
    assert!(stderr(&no_account).contains("no account nobody"));
    let created = output_with_stdin(
        tepat(dir).args([
            "admin",
            "create-user",
            "kabid.linjamsos",
            "--name",
            "Kepala Bidang",
            "--role",
            "approver",
            "--scope",
            "all",
            "--password-stdin",
        ]),
        "a-long-demo-password-1\n",
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let release_early = output(dir, &["distribution", "release", &envelope]);
    assert!(!release_early.status.success(), "released before approval");
    let approved = ok(
        dir,
        &[
            "distribution",
            "approve",
            &envelope,
            "--as",
            "kabid.linjamsos",
        ],
    );
    assert!(approved.contains("approved envelope"), "{approved}");

    // A village hall in every village of the enrolled: the cash households get a place and time.
    let mut villages: Vec<&str> = households.iter().map(|(_, v)| v.as_str()).collect();
    villages.sort();
    villages.dedup();
    let mut points = String::from(
        "code,name,kind,village_code,capacity_per_slot,slots_per_day,first_slot,slot_minutes,active,merchant_account\n",
    );
    for (i, v) in villages.iter().enumerate() {
        points.push_str(&format!(
            "BD-{i},Balai Desa {i},village_hall,{v},20,8,08:00,30,1,\n"
        ));
    }
    std::fs::write(dir.join("points.csv"), points).unwrap();
    let imported_points = ok(dir, &["distribution", "points", "import", "points.csv"]);
    assert!(
        imported_points.contains(&format!("{} created", villages.len())),
        "{imported_points}"
    );

    let released = ok(dir, &["distribution", "release", &envelope]);
    let vouchers = number_before(&released, "issued with a point");
    assert!(vouchers > 0, "{released}");
    assert!(
        released.contains("released envelope")
            && number_before(&released, "payment instructions") == 20,
        "{released}"
    );
    // Released once: a second release is refused.
    let again = output(dir, &["distribution", "release", &envelope]);
    assert!(!again.status.success());

    // Bank files: written, then written again byte for byte while their payments wait.
    std::fs::write(
        dir.join("tepat.toml"),
        "[[payments.bank]]\ncode = \"bri\"\ndebtor_name = \"Dinas Sosial\"\ndebtor_account = \"1902000001\"\n\n\
         [[payments.bank]]\ncode = \"mandiri\"\ndebtor_name = \"Dinas Sosial\"\ndebtor_account = \"1902000002\"\n",
    )
    .unwrap();
    let export = [
        "--config",
        "tepat.toml",
        "payments",
        "export",
        "--dir",
        "out",
    ];
    let no_debtor = output(dir, &["payments", "export", "--dir", "out"]);
    assert!(!no_debtor.status.success());
    assert!(
        stderr(&no_debtor).contains("no debtor account"),
        "{}",
        stderr(&no_debtor)
    );
    let exported = ok(dir, &export);
    let files = files_in(&dir.join("out"));
    assert_eq!(files.len(), 2, "{exported}");
    let first: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    std::fs::remove_dir_all(dir.join("out")).unwrap();
    let re = ok(dir, &export);
    assert!(re.contains("written again"), "{re}");
    let second: Vec<Vec<u8>> = files_in(&dir.join("out"))
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    assert_eq!(first, second);

    // The bank answers: in each file one reject (AC04) and one return.
    ok(
        dir,
        &[
            "payments",
            "simulate-bank",
            "--dir",
            "out",
            "--out",
            "status",
            "--reject",
            "1",
            "--return",
            "1",
        ],
    );
    let status: Vec<String> = files_in(&dir.join("status"))
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(status.len(), 4);
    let mut args = vec!["payments", "import"];
    args.extend(status.iter().map(String::as_str));
    let imported = ok(dir, &args);
    assert_eq!(imported.matches("changed").count(), 4, "{imported}");
    assert!(imported.contains("1 accounts marked invalid"), "{imported}");

    // Importing the same files again changes nothing.
    let twice = ok(dir, &args);
    assert_eq!(
        twice.matches("imported before; nothing changed").count(),
        4,
        "{twice}"
    );

    // A malformed file is refused whole with its line, and the command fails.
    let good = std::fs::read_to_string(&status[0]).unwrap();
    let broken = good.replacen("</", "<", 3);
    std::fs::write(dir.join("broken.xml"), broken).unwrap();
    let refused = output(dir, &["payments", "import", "broken.xml"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(stderr(&refused).contains("line"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("refused"), "{}", stderr(&refused));

    let shown = ok(dir, &["distribution", "show", &envelope]);
    assert!(shown.contains("paying"), "{shown}");
    assert!(shown.contains("settled"), "{shown}");
    assert!(shown.contains("rejected"), "{shown}");

    // Every step in the ledger, which verifies: envelope, entitlements, instructions, results, the
    // returned transfers' reversals.
    let published = ok(dir, &["distribution", "publish"]);
    assert!(published.contains("1 envelopes"), "{published}");
    assert!(
        number_before(&published, "entitlements") >= households.len() as u64 / 2,
        "{published}"
    );
    assert!(
        published.contains(&format!("{} payment instructions", 20 + vouchers)),
        "{published}"
    );
    assert!(published.contains("2 reversals"), "{published}");
    let listed = ok(dir, &["distribution", "list"]);
    assert!(listed.contains("ledger entry"), "{listed}");
    let key = stdout(&output(dir, &["ledger", "key"]));
    std::fs::write(
        dir.join("policy.txt"),
        format!("log {}\nquorum none\n", key.trim()),
    )
    .unwrap();
    let report = ok(
        dir,
        &[
            "ledger",
            "verify",
            "--dir",
            "tepat-ledger",
            "--policy",
            "policy.txt",
        ],
    );
    for kind in [
        "envelope",
        "entitlement",
        "payment-instruction",
        "payment-result",
        "reversal",
    ] {
        assert!(report.contains(kind), "{kind} in {report}");
    }
    assert!(report.contains("OK: no inconsistency found"), "{report}");
    // A second pass writes nothing more.
    let nothing = ok(dir, &["distribution", "publish"]);
    assert!(nothing.contains("0 envelopes, 0 entitlements"), "{nothing}");
}
