//! pain.001 writing (validated against the ISO schemas with xmllint), the bank simulator, and the
//! status readers on good, reordered, partial and malformed files.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use tepat_domain::distribution::PaymentState;
use tepat_domain::{Lang, Localized, Rupiah};
use tepat_payments::iso20022::bank_sim::{self, Fate, SimPlan};
use tepat_payments::iso20022::read::read_pain001;
use tepat_payments::iso20022::{
    bank, end_to_end_id, read_status_file, write_pain001, BankProfile, BatchRef, CreditTransfer,
    Outcome, Pain001, Pain001Version, Party, ReadErrorKind, StatusKind, WriteError, BANKS,
};
use uuid::Uuid;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 15, 1, 30, 0).unwrap()
}

fn ids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            end_to_end_id(Uuid::from_u128(
                0x0190_0000_0000_7000_8000_0000_0000_0000 + i as u128,
            ))
        })
        .collect()
}

fn doc(profile: &BankProfile, n: usize) -> Pain001 {
    let msg_id = BatchRef {
        envelope: Uuid::from_u128(0x0190_1234_5678_7abc_8def_0123_4567_89ab),
        bank_code4: profile.bank_code4().as_bytes().try_into().unwrap(),
        batch: 1,
    }
    .message_id();
    let names = [
        "Siti Aminah",
        "José Ñúñez & Sons",
        "<Budi> \"Santoso\"",
        "Ni Made Ayu",
    ];
    Pain001 {
        payment_info_id: msg_id.clone(),
        msg_id,
        created: at(),
        initiating_party: "Dinas Sosial Kabupaten Contoh".into(),
        requested_date: NaiveDate::from_ymd_opt(2027, 1, 20).unwrap(),
        debtor: Party {
            name: "Kementerian Sosial RI - PKH".into(),
            account: "0012345678901".into(),
        },
        transfers: ids(n)
            .into_iter()
            .enumerate()
            .map(|(i, id)| CreditTransfer {
                end_to_end_id: id,
                amount: Rupiah::new(150_000 + 25_000 * (i as i64 % 7)),
                creditor_name: names[i % names.len()].into(),
                creditor_account: format!("{:015}", 100_000 + i),
                remittance: "PKH 2027-T1 bansos".into(),
            })
            .collect(),
    }
}

fn write(doc: &Pain001, profile: &BankProfile) -> Vec<u8> {
    let mut out = Vec::new();
    write_pain001(doc, profile, &mut out).unwrap();
    out
}

/// xmllint's verdict on `xml` against the vendored schema, or `None` when xmllint is missing
/// outside CI.
fn xmllint(xml: &[u8], version: Pain001Version) -> Option<(bool, String)> {
    if Command::new("xmllint").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint is required in CI (apt-get install libxml2-utils)"
        );
        eprintln!("xmllint is not installed: the schema validation is skipped (CI installs it)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pain001.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/xsd")
        .join(format!("{}.xsd", version.message_name()));
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn every_profile_writes_schema_valid_files_with_matching_control_totals() {
    for profile in BANKS {
        let d = doc(profile, 9);
        let xml = write(&d, profile);
        if let Some((ok, why)) = xmllint(&xml, profile.version) {
            assert!(ok, "{} ({:?}): {why}", profile.code, profile.version);
            let broken = String::from_utf8(xml.clone())
                .unwrap()
                .replace("<PmtMtd>TRF", "<PmtMtd>XXX");
            let (ok, _) = xmllint(broken.as_bytes(), profile.version).unwrap();
            assert!(!ok, "the schema check can fail");
        }
        let order = read_pain001(&xml).unwrap();
        let sum = Rupiah::checked_sum(d.transfers.iter().map(|t| t.amount)).unwrap();
        assert_eq!(order.group_totals, (9, sum), "{}", profile.code);
        assert_eq!(order.block_totals, (9, sum), "{}", profile.code);
        assert_eq!(order.message_name, profile.version.message_name());
        assert_eq!(order.decimals, profile.decimals);
        assert_eq!(order.debtor_account, "0012345678901");
        assert_eq!(order.transfers.len(), 9);
        assert_eq!(
            order.transfers[0].end_to_end_id,
            d.transfers[0].end_to_end_id
        );
        assert_eq!(
            order.transfers[0].instruction_id.as_deref(),
            Some(d.transfers[0].end_to_end_id.as_str())
        );
        let text = String::from_utf8(xml).unwrap();
        assert!(text.is_ascii(), "basic Latin only");
        assert!(text.contains("<Nm>Jose Nunez + Sons</Nm>"));
        assert!(
            text.contains("<CreDtTm>2027-01-15T08:30:00+07:00</CreDtTm>"),
            "in WIB"
        );
        assert!(text.contains("<Nm>Budi 'Santoso'</Nm>"));
        let amount = if profile.decimals {
            ">150000.00<"
        } else {
            ">150000<"
        };
        assert!(text.contains(amount), "{}", profile.code);
    }
}

#[test]
fn writing_returns_the_totals_and_is_deterministic() {
    let profile = bank("bni").unwrap();
    let d = doc(profile, 5);
    let mut a = Vec::new();
    let totals = write_pain001(&d, profile, &mut a).unwrap();
    assert_eq!(totals.count, 5);
    assert_eq!(
        totals.amount,
        Rupiah::checked_sum(d.transfers.iter().map(|t| t.amount)).unwrap()
    );
    assert_eq!(a, write(&d, profile), "same input, same bytes");
    let mut later = d.clone();
    later.created = at() + chrono::Duration::seconds(1);
    assert_ne!(
        a,
        write(&later, profile),
        "the creation time is part of the file"
    );
}

#[test]
fn bad_input_is_refused_before_writing() {
    let profile = bank("bri").unwrap();
    let refuse = |change: &dyn Fn(&mut Pain001)| {
        let mut d = doc(profile, 3);
        change(&mut d);
        let mut out = Vec::new();
        let err = write_pain001(&d, profile, &mut out).unwrap_err();
        assert!(out.is_empty(), "nothing written for {err}");
        err
    };
    assert!(matches!(
        refuse(&|d| d.msg_id = "x".repeat(36)),
        WriteError::BadId { field: "MsgId", .. }
    ));
    assert!(matches!(
        refuse(&|d| d.payment_info_id.clear()),
        WriteError::BadId { .. }
    ));
    assert!(matches!(
        refuse(&|d| d.transfers[1].end_to_end_id = "a b".into()),
        WriteError::BadId {
            field: "EndToEndId",
            ..
        }
    ));
    assert!(matches!(
        refuse(&|d| d.transfers[0].amount = Rupiah::ZERO),
        WriteError::NotPositive { .. }
    ));
    assert!(matches!(
        refuse(&|d| d.transfers[2].amount = Rupiah::new(-5)),
        WriteError::NotPositive { .. }
    ));
    assert!(matches!(
        refuse(&|d| d.transfers[2].end_to_end_id = d.transfers[0].end_to_end_id.clone()),
        WriteError::DuplicateId(_)
    ));
    assert!(matches!(
        refuse(&|d| d.transfers.clear()),
        WriteError::NoTransfers
    ));
    assert!(matches!(
        refuse(&|d| d.transfers[0].remittance = "x".repeat(141)),
        WriteError::RemittanceTooLong { .. }
    ));
    assert!(matches!(
        refuse(&|d| d.transfers[0].creditor_name = "试试".into()),
        WriteError::EmptyText { .. }
    ));
    let err = refuse(&|d| d.transfers[0].creditor_account = "12-34".into());
    assert!(matches!(err, WriteError::BadAccount { .. }));
    assert!(
        !err.to_string().contains("12-34"),
        "no account number in errors: {err}"
    );
    assert!(matches!(
        refuse(&|d| d.transfers = doc(profile, profile.max_transfers_per_file + 1).transfers),
        WriteError::TooManyTransfers { .. }
    ));
    assert!(matches!(
        refuse(&|d| d.transfers[0].amount = Rupiah::new(i64::MAX)),
        WriteError::Overflow
    ));
}

fn plan(rejects: &[(&str, &str)], returns: &[(&str, &str)]) -> SimPlan {
    let map = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    SimPlan {
        rejects: map(rejects),
        returns: map(returns),
        ..SimPlan::all_paid(at())
    }
}

#[test]
fn status_files_from_the_bank_come_back_per_payment_for_every_profile() {
    for profile in BANKS {
        let d = doc(profile, 6);
        let id = |i: usize| d.transfers[i].end_to_end_id.clone();
        let sim = bank_sim::respond(
            &write(&d, profile),
            &plan(&[(&id(1), "AC01"), (&id(4), "AM04")], &[(&id(2), "AC04")]),
        )
        .unwrap();

        let p2 = read_status_file(&sim.pain002).unwrap();
        assert_eq!(p2.kind, StatusKind::Pain002);
        let expected = if profile.version == Pain001Version::V03 {
            "pain.002.001.03"
        } else {
            "pain.002.001.10"
        };
        assert_eq!(p2.message_name, expected);
        assert_eq!(p2.created, at());
        assert_eq!(p2.lines.len(), 6);
        assert_eq!(p2.groups.len(), 0, "PART has no group outcome");
        for (i, line) in p2.lines.iter().enumerate() {
            assert_eq!(line.end_to_end_id.as_deref(), Some(id(i).as_str()));
            assert_eq!(line.amount, Some(d.transfers[i].amount));
            let (outcome, reason) = match i {
                1 => (Outcome::Rejected, Some("AC01")),
                4 => (Outcome::Rejected, Some("AM04")),
                _ => (Outcome::Accepted, None),
            };
            assert_eq!(
                (line.outcome, line.reason.as_deref()),
                (outcome, reason),
                "{} line {i}",
                profile.code
            );
        }

        for (bytes, kind) in [
            (&sim.camt053, StatusKind::Camt053),
            (&sim.camt054, StatusKind::Camt054),
        ] {
            let camt = read_status_file(bytes).unwrap();
            assert_eq!(camt.kind, kind);
            let settled: Vec<_> = camt
                .lines
                .iter()
                .filter(|l| l.outcome == Outcome::Settled)
                .collect();
            let returned: Vec<_> = camt
                .lines
                .iter()
                .filter(|l| l.outcome == Outcome::Returned)
                .collect();
            let settled_ids: Vec<_> = settled
                .iter()
                .map(|l| l.end_to_end_id.clone().unwrap())
                .collect();
            assert_eq!(
                settled_ids,
                vec![id(0), id(2), id(3), id(5)],
                "{} {kind:?}",
                profile.code
            );
            assert!(settled.iter().all(|l| l.booked == Some(at().date_naive())));
            assert_eq!(returned.len(), 1);
            assert_eq!(returned[0].end_to_end_id, Some(id(2)));
            assert_eq!(returned[0].reason.as_deref(), Some("AC04"));
            assert_eq!(returned[0].amount, Some(d.transfers[2].amount));
            assert_eq!(settled[1].remittance.as_deref(), Some("PKH 2027-T1 bansos"));
            assert_eq!(camt.lines.len(), 5);
        }
        assert_eq!(sim.fates[1].1, Fate::Rejected("AC01".into()));
        let ids: std::collections::HashSet<String> = [&sim.pain002, &sim.camt053, &sim.camt054]
            .iter()
            .map(|f| read_status_file(f).unwrap().message_id)
            .collect();
        assert_eq!(ids.len(), 3, "each answer has its own message id");
    }
}

#[test]
fn outcomes_map_to_payment_states() {
    assert_eq!(Outcome::Received.payment_state(), PaymentState::Sent);
    assert_eq!(Outcome::Accepted.payment_state(), PaymentState::Accepted);
    assert_eq!(Outcome::Settled.payment_state(), PaymentState::Settled);
    assert_eq!(Outcome::Rejected.payment_state(), PaymentState::Rejected);
    assert_eq!(Outcome::Returned.payment_state(), PaymentState::Returned);
}

#[test]
fn a_file_whose_control_sum_is_wrong_is_rejected_whole_with_am10() {
    let profile = bank("mandiri").unwrap();
    let xml = String::from_utf8(write(&doc(profile, 3), profile)).unwrap();
    let tampered = xml.replacen("<CtrlSum>", "<CtrlSum>1", 1);
    let sim = bank_sim::respond(tampered.as_bytes(), &SimPlan::all_paid(at())).unwrap();
    assert!(sim.fates.iter().all(|(_, f)| *f == Fate::FileRejected));
    let p2 = read_status_file(&sim.pain002).unwrap();
    assert!(p2.lines.is_empty());
    assert_eq!(p2.groups.len(), 1);
    assert_eq!(p2.groups[0].outcome, Outcome::Rejected);
    assert_eq!(p2.groups[0].reason.as_deref(), Some("AM10"));
    assert_eq!(p2.groups[0].original_msg_id, sim.order.msg_id);
    assert_eq!(p2.groups[0].original_pmt_inf_id, None);
    assert_eq!(read_status_file(&sim.camt053).unwrap().lines.len(), 0);
}

/// The pain.002 the simulator writes for a BRI (.03) file of `n` transfers, two rejected.
fn pain002_text(n: usize) -> String {
    let profile = bank("bri").unwrap();
    let d = doc(profile, n);
    let id = |i: usize| d.transfers[i].end_to_end_id.clone();
    let sim = bank_sim::respond(
        &write(&d, profile),
        &plan(&[(&id(0), "AC06"), (&id(2), "BE01")], &[]),
    )
    .unwrap();
    String::from_utf8(sim.pain002).unwrap()
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the file"));
    1 + text[..at].matches('\n').count() as u32
}

fn blocks(text: &str) -> (String, Vec<String>, String) {
    let first = text.find("      <TxInfAndSts>").unwrap();
    let last = text.rfind("      </TxInfAndSts>\n").unwrap() + "      </TxInfAndSts>\n".len();
    let txs: Vec<String> = text[first..last]
        .split_inclusive("      </TxInfAndSts>\n")
        .map(str::to_string)
        .collect();
    (text[..first].to_string(), txs, text[last..].to_string())
}

#[test]
fn reordered_duplicated_and_partial_reports_read_line_by_line() {
    let text = pain002_text(5);
    let whole = read_status_file(text.as_bytes()).unwrap();
    assert_eq!(
        whole,
        read_status_file(text.as_bytes()).unwrap(),
        "reading is deterministic"
    );
    let key = |l: &tepat_payments::iso20022::StatusLine| {
        (l.end_to_end_id.clone(), l.outcome, l.reason.clone())
    };

    let (head, txs, tail) = blocks(&text);
    let reordered = format!(
        "{head}{}{tail}",
        txs.iter().rev().cloned().collect::<String>()
    );
    let r = read_status_file(reordered.as_bytes()).unwrap();
    let mut a: Vec<_> = whole.lines.iter().map(key).collect();
    let mut b: Vec<_> = r.lines.iter().map(key).collect();
    assert_ne!(a, b, "the order changed");
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(r.lines[0].line, line_of(&reordered, "<TxInfAndSts>"));

    let duplicated = format!("{head}{}{}{tail}", txs[0], txs.concat());
    let d = read_status_file(duplicated.as_bytes()).unwrap();
    assert_eq!(d.lines.len(), 6);
    assert_eq!(
        key(&d.lines[0]),
        key(&d.lines[1]),
        "a repeated transaction is read twice; the state machine ignores the second"
    );

    let partial = format!("{head}{}{}{tail}", txs[2], txs[4]);
    let p = read_status_file(partial.as_bytes()).unwrap();
    assert_eq!(p.lines.len(), 2);
    assert_eq!(key(&p.lines[0]), key(&whole.lines[2]));
    assert_eq!(p.lines[0].reason.as_deref(), Some("BE01"));
    assert_eq!(key(&p.lines[1]), key(&whole.lines[4]));
}

fn refused(text: &str) -> (u32, ReadErrorKind) {
    let err = read_status_file(text.as_bytes()).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!("line {}: ", err.line)),
        "{err}"
    );
    (err.line, err.kind)
}

#[test]
fn malformed_files_are_refused_with_the_line() {
    let text = pain002_text(4);
    let amount = r#"<InstdAmt Ccy="IDR">175000</InstdAmt>"#;
    let line = line_of(&text, amount);

    let bad = text.replacen(amount, r#"<InstdAmt Ccy="IDR">17S000</InstdAmt>"#, 1);
    assert_eq!(
        refused(&bad),
        (line, ReadErrorKind::BadAmount("17S000".into()))
    );

    let fraction = text.replacen(amount, r#"<InstdAmt Ccy="IDR">175000.50</InstdAmt>"#, 1);
    let err = read_status_file(fraction.as_bytes()).unwrap_err();
    assert!(err.message(Lang::Id).starts_with(&format!(
        "baris {line}: jumlah `175000.50` memuat pecahan rupiah"
    )));
    assert_eq!(err.message(Lang::En), err.to_string());
    assert_eq!(
        refused(&fraction),
        (line, ReadErrorKind::FractionalRupiah("175000.50".into()))
    );
    let zero_fraction = text.replacen(amount, r#"<InstdAmt Ccy="IDR">175000.00</InstdAmt>"#, 1);
    assert!(
        read_status_file(zero_fraction.as_bytes()).is_ok(),
        "IDR with .00 is whole rupiah"
    );

    let usd = text.replacen(amount, r#"<InstdAmt Ccy="USD">175000</InstdAmt>"#, 1);
    assert_eq!(refused(&usd), (line, ReadErrorKind::Currency("USD".into())));

    let status = text.replacen("<TxSts>ACCP</TxSts>", "<TxSts>OKAY</TxSts>", 1);
    let (l, kind) = refused(&status);
    assert_eq!(l, line_of(&text, "<TxSts>ACCP</TxSts>"));
    assert!(matches!(
        kind,
        ReadErrorKind::UnknownStatus {
            element: "TxSts",
            ..
        }
    ));

    let long_id = text.replacen("<OrgnlEndToEndId>", "<OrgnlEndToEndId>0123", 1);
    let (l, kind) = refused(&long_id);
    assert_eq!(l, line_of(&text, "<OrgnlEndToEndId>"));
    assert_eq!(
        kind,
        ReadErrorKind::TooLong {
            element: "OrgnlEndToEndId",
            max: 35
        }
    );

    let cut = &text[..text.len() / 2];
    let (l, kind) = refused(cut);
    assert_eq!(kind, ReadErrorKind::Truncated);
    assert_eq!(l, 1 + cut.matches('\n').count() as u32);

    let unclosed = text.replacen("</TxSts>", "</TxStatus>", 1);
    let (l, kind) = refused(&unclosed);
    assert!(matches!(kind, ReadErrorKind::Malformed(_)));
    assert_eq!(l, line_of(&text, "</TxSts>"));

    let no_status =
        text.replacen("<TxSts>ACCP</TxSts>", "", 1)
            .replacen("<PmtInfSts>PART</PmtInfSts>", "", 1);
    let (l, kind) = refused(&no_status.replacen("<GrpSts>PART</GrpSts>", "", 1));
    assert_eq!(
        kind,
        ReadErrorKind::Missing {
            element: "TxSts",
            within: "TxInfAndSts"
        }
    );
    let second_tx = text.match_indices("<TxInfAndSts>").nth(1).unwrap().0;
    assert_eq!(l, 1 + text[..second_tx].matches('\n').count() as u32);
}

#[test]
fn a_byte_order_mark_and_a_namespace_prefix_are_accepted() {
    let text = pain002_text(3);
    let plain = read_status_file(text.as_bytes()).unwrap();
    let bom = format!("\u{feff}{text}");
    assert_eq!(read_status_file(bom.as_bytes()).unwrap(), plain);
    let prefixed = text
        .replace("<Document xmlns=", "<p:Document xmlns:p=")
        .replace("</Document>", "</p:Document>")
        .replace("<", "<p:")
        .replace("<p:/", "</p:")
        .replace("<p:?xml", "<?xml")
        .replace("<p:p:", "<p:")
        .replace("</p:p:", "</p:");
    assert!(prefixed.contains("<p:TxSts>"), "{prefixed}");
    assert_eq!(read_status_file(prefixed.as_bytes()).unwrap(), plain);
}

#[test]
fn an_empty_id_is_refused_and_a_batch_reason_stays_with_the_batch_status() {
    let text = pain002_text(3);
    let empty = text
        .replacen("<OrgnlMsgId>", "<OrgnlMsgId>  </OrgnlMsgId><X>", 1)
        .replacen("</OrgnlMsgId>\n", "</X>\n", 1);
    let (l, kind) = refused(&empty);
    assert_eq!(
        kind,
        ReadErrorKind::Empty {
            element: "OrgnlMsgId"
        }
    );
    assert_eq!(l, line_of(&text, "<OrgnlMsgId>"));

    let with_reason = text.replace(
        "<PmtInfSts>PART</PmtInfSts>",
        "<PmtInfSts>ACSC</PmtInfSts><StsRsnInf><Rsn><Cd>NARR</Cd></Rsn></StsRsnInf>",
    );
    let without_own = with_reason.replacen("<TxSts>ACCP</TxSts>", "", 1);
    let file = read_status_file(without_own.as_bytes()).unwrap();
    assert_eq!(
        file.lines[0].reason.as_deref(),
        Some("AC06"),
        "its own reason"
    );
    assert_eq!(
        (file.lines[1].outcome, file.lines[1].reason.as_deref()),
        (Outcome::Settled, Some("NARR"))
    );
    assert_eq!(
        (file.lines[2].outcome, file.lines[2].reason.as_deref()),
        (Outcome::Rejected, Some("BE01"))
    );
    assert_eq!(file.groups[0].reason.as_deref(), Some("NARR"));
}

#[test]
fn a_transaction_without_its_own_status_takes_its_batchs() {
    let text = pain002_text(3)
        .replace("<TxSts>ACCP</TxSts>", "")
        .replace("<PmtInfSts>PART</PmtInfSts>", "<PmtInfSts>ACSC</PmtInfSts>");
    let file = read_status_file(text.as_bytes()).unwrap();
    assert_eq!(file.lines[1].outcome, Outcome::Settled);
    assert_eq!(file.lines[0].outcome, Outcome::Rejected);
    assert_eq!(file.groups.len(), 1);
    assert!(file.groups[0].original_pmt_inf_id.is_some());
}

#[test]
fn foreign_files_are_refused() {
    let profile = bank("bni").unwrap();
    let pain001 = write(&doc(profile, 2), profile);
    let (l, kind) = refused(std::str::from_utf8(&pain001).unwrap());
    assert_eq!(l, 2);
    assert!(
        matches!(&kind, ReadErrorKind::Foreign(why) if why.contains("pain.001.001.09")),
        "{kind}"
    );

    let text = pain002_text(3);
    let wrong = text.replacen("pain.002.001.03", "pain.002.001.05", 1);
    assert!(matches!(refused(&wrong), (2, ReadErrorKind::Foreign(_))));
    let other = "<?xml version=\"1.0\"?>\n<html><body>hello</body></html>\n";
    assert!(matches!(refused(other), (2, ReadErrorKind::Foreign(_))));
    assert!(matches!(
        refused("NIK;NAMA\n1;2\n"),
        (_, ReadErrorKind::Foreign(_))
    ));
    assert!(matches!(refused(""), (1, ReadErrorKind::Foreign(_))));
    let mismatch = text.replace("CstmrPmtStsRpt", "BkToCstmrStmt");
    assert!(matches!(refused(&mismatch), (3, ReadErrorKind::Foreign(_))));
}

#[test]
fn camt_entries_are_checked_against_their_details() {
    let profile = bank("btn").unwrap();
    let d = doc(profile, 3);
    let sim = bank_sim::respond(&write(&d, profile), &SimPlan::all_paid(at())).unwrap();
    let text = String::from_utf8(sim.camt054).unwrap();
    assert_eq!(text.matches("<Ntry>").count(), 1, "batch-booked");
    let first_amount = format!(
        r#"<Amt Ccy="IDR">{}.00</Amt>"#,
        d.transfers[0].amount.amount()
    );
    let changed = text.replacen(&first_amount, r#"<Amt Ccy="IDR">1.00</Amt>"#, 1);
    let (l, kind) = refused(&changed);
    assert_eq!(l, line_of(&text, "<Ntry>"));
    assert!(matches!(kind, ReadErrorKind::EntrySum { .. }));

    let no_side = text.replacen("<CdtDbtInd>DBIT</CdtDbtInd>", "", 1);
    assert_eq!(
        refused(&no_side),
        (
            line_of(&text, "<Ntry>"),
            ReadErrorKind::Missing {
                element: "CdtDbtInd",
                within: "Ntry"
            }
        )
    );
    let pending = text.replace("<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>");
    let file = read_status_file(pending.as_bytes()).unwrap();
    assert!(file.lines.iter().all(|l| l.outcome == Outcome::Accepted));
    let info = text.replace("<Sts>BOOK</Sts>", "<Sts>INFO</Sts>");
    let file = read_status_file(info.as_bytes()).unwrap();
    assert!(file.lines.is_empty());
    assert_eq!(file.other_entries, 1);
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn transfers() -> impl Strategy<Value = Vec<(i64, String, bool, bool)>> {
        prop::collection::vec(
            (
                1i64..=2_000_000_000_000,
                "\\PC{1,80}",
                any::<bool>(),
                prop::bool::weighted(0.2),
            ),
            1..40,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn writer_bank_and_reader_agree(
            items in transfers(),
            which in 0usize..5,
            seed in any::<u64>(),
        ) {
            let profile = &BANKS[which];
            let mut d = doc(profile, items.len());
            let mut rejects = Vec::new();
            let mut returns = Vec::new();
            for (t, (amount, name, reject, ret)) in d.transfers.iter_mut().zip(&items) {
                t.amount = Rupiah::new(*amount);
                t.creditor_name = format!("K{name}");
                t.remittance = name.clone().chars().take(100).collect::<String>() + "x";
                if *reject { rejects.push((t.end_to_end_id.clone(), "AC01".to_string())); }
                else if *ret { returns.push((t.end_to_end_id.clone(), "AC04".to_string())); }
            }
            let mut xml = Vec::new();
            let totals = write_pain001(&d, profile, &mut xml).unwrap();
            let plan = SimPlan {
                seed,
                rejects: rejects.iter().cloned().collect(),
                returns: returns.iter().cloned().collect(),
                ..SimPlan::all_paid(at())
            };
            let sim = bank_sim::respond(&xml, &plan).unwrap();
            prop_assert_eq!(sim.order.group_totals, (totals.count, totals.amount));
            let p2 = read_status_file(&sim.pain002).unwrap();
            prop_assert_eq!(p2.lines.len(), d.transfers.len());
            for (line, t) in p2.lines.iter().zip(&d.transfers) {
                prop_assert_eq!(line.end_to_end_id.as_deref(), Some(t.end_to_end_id.as_str()));
                prop_assert_eq!(line.amount, Some(t.amount));
                let rejected = rejects.iter().any(|(id, _)| *id == t.end_to_end_id);
                prop_assert_eq!(line.outcome == Outcome::Rejected, rejected);
            }
            for bytes in [&sim.camt053, &sim.camt054] {
                let camt = read_status_file(bytes).unwrap();
                let settled: Vec<Rupiah> = camt.lines.iter().filter(|l| l.outcome == Outcome::Settled).filter_map(|l| l.amount).collect();
                let expected: Vec<Rupiah> = d.transfers.iter()
                    .filter(|t| !rejects.iter().any(|(id, _)| *id == t.end_to_end_id))
                    .map(|t| t.amount).collect();
                prop_assert_eq!(settled, expected);
                let returned = camt.lines.iter().filter(|l| l.outcome == Outcome::Returned).count();
                prop_assert_eq!(returned, returns.len());
            }
        }
    }
}
