//! The file entry points the CLI calls: formats, bad rows, review round trip.

use std::io::Write;

use tepat_linkage::*;

fn persons_csv(dir: &std::path::Path, name: &str, body: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(
        b"record_id,nik,kk_number,full_name,sex,birth_place,birth_date,address,village_code\n",
    )
    .unwrap();
    f.write_all(body).unwrap();
    path
}

#[test]
fn febrl3_through_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let (records, _) = febrl::dataset(3).unwrap();
    let input = dir.path().join("persons.csv");
    write_persons(&input, &records).unwrap();
    let opts = DedupeOptions {
        input,
        out: dir.path().join("clusters.csv"),
        pairs: Some(dir.path().join("pairs.csv")),
        review: Some(dir.path().join("review.csv")),
        model_out: Some(dir.path().join("model.json")),
        ..Default::default()
    };
    let summary = dedupe_files(&opts, &NoProgress).unwrap();
    eprintln!("{summary}");
    assert_eq!(summary.records, 5000);
    assert_eq!(summary.rows_skipped, 0);
    assert!(summary.peak_memory_bytes.unwrap() > 0);
    assert!(
        (2000..=2010).contains(&summary.clusters),
        "FEBRL3 has 2,000 people, found {}",
        summary.clusters
    );
    let clusters = std::fs::read_to_string(dir.path().join("clusters.csv")).unwrap();
    let mut lines = clusters.lines();
    assert_eq!(lines.next(), Some("record_id,cluster_id"));
    let ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    let expected: Vec<&str> = records.iter().map(|r| r.record_id.as_str()).collect();
    assert_eq!(
        ids, expected,
        "every input record exactly once, in input order"
    );
    let pairs = std::fs::read_to_string(dir.path().join("pairs.csv")).unwrap();
    assert!(pairs.starts_with("record_id_a,record_id_b,match_probability\n"));
    assert_eq!(pairs.lines().count() as u64, summary.pairs_linked + 1);

    // A saved model scores the same file the same way without training.
    let again = DedupeOptions {
        model_in: Some(dir.path().join("model.json")),
        model_out: None,
        out: dir.path().join("clusters2.csv"),
        ..opts.clone()
    };
    dedupe_files(&again, &NoProgress).unwrap();
    assert_eq!(
        clusters,
        std::fs::read_to_string(dir.path().join("clusters2.csv")).unwrap()
    );
}

#[test]
fn bad_rows_are_reported_with_their_line_and_skipped_or_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = Vec::new();
    body.extend_from_slice(
        b"r1,3175070101900001,,Budi Santoso,L,Jakarta,1990-01-01,Jl. Merdeka 1,31.75.07.1001\n",
    );
    body.extend_from_slice(b"r2,not-a-nik,,,,,tanggal?,,99\n"); // malformed values: fine
    body.extend_from_slice(b"r3,too,few,fields\n"); // line 4
    body.extend_from_slice(b"r4,,,Sit\xff Aminah,P,,,,\n"); // line 5: not UTF-8
    body.extend_from_slice(b"r1,,,Duplicate,,,,,\n"); // line 6: repeated id
    body.extend_from_slice(b",,,No Id,,,,,\n"); // line 7
    body.extend_from_slice(
        b"\"r5\",\"\",\"\",\"Santoso, Budi\",\"L\",\"\",\"1990-01-01\",\"\",\"\"\n",
    );
    let input = persons_csv(dir.path(), "persons.csv", &body);
    let opts = DedupeOptions {
        input: input.clone(),
        out: dir.path().join("clusters.csv"),
        ..Default::default()
    };
    let s = dedupe_files(&opts, &NoProgress).unwrap();
    assert_eq!(s.records, 3);
    let lines: Vec<u64> = s.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![4, 5, 6, 7]);
    assert!(matches!(
        s.problems[0].problem,
        RowProblemKind::FieldCount {
            expected: 9,
            found: 4
        }
    ));
    assert!(
        matches!(&s.problems[1].problem, RowProblemKind::NotUtf8 { column, byte_offset: 3 } if column == "full_name")
    );
    assert!(matches!(
        s.problems[2].problem,
        RowProblemKind::DuplicateRecordId { first_line: 2 }
    ));
    assert!(matches!(
        s.problems[3].problem,
        RowProblemKind::EmptyRecordId
    ));
    assert!(s.problems[1].to_string().contains("line 5"));
    let clusters = std::fs::read_to_string(dir.path().join("clusters.csv")).unwrap();
    assert_eq!(clusters.lines().count(), 4);

    let reject = DedupeOptions {
        bad_rows: BadRows::Reject,
        ..opts
    };
    match dedupe_files(&reject, &NoProgress) {
        Err(LinkageError::BadRow(p)) => assert_eq!(p.line, 4),
        other => panic!("expected a rejected row, got {other:?}"),
    }
}

#[test]
fn a_wrong_header_is_an_error_that_says_what_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, "id,name\n1,Budi\n").unwrap();
    let err = dedupe_files(
        &DedupeOptions {
            input: path,
            out: dir.path().join("c.csv"),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, LinkageError::Header { .. }));
    assert!(err
        .to_string()
        .contains("record_id,nik,kk_number,full_name"));
    use tepat_domain::{Lang, Localized};
    assert!(err.message(Lang::Id).contains("baris pertama"));
}

#[test]
fn link_files_write_links() {
    let dir = tempfile::tempdir().unwrap();
    let (left, right, truth) = febrl::dataset4().unwrap();
    let (l, r) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    write_persons(&l, &left[..1000]).unwrap();
    write_persons(&r, &right).unwrap();
    let s = link_files(
        &LinkOptions {
            left: l,
            right: r,
            out: dir.path().join("links.csv"),
            one_to_one: true,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    eprintln!("{s}");
    let text = std::fs::read_to_string(dir.path().join("links.csv")).unwrap();
    assert!(text.starts_with("record_id_left,record_id_right,match_probability\n"));
    let links: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    let correct = links
        .iter()
        .filter(|(a, b)| truth.contains(&eval::pair_key(a, b)))
        .count();
    assert!(correct >= 995, "{correct} of {} links correct", links.len());
    assert!(links.len() <= 1000);
}

#[test]
fn a_filled_review_file_is_read_back_as_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let (records, _) = febrl::dataset(1).unwrap();
    let input = dir.path().join("persons.csv");
    write_persons(&input, &records).unwrap();
    let mut opts = DedupeOptions {
        input,
        out: dir.path().join("clusters.csv"),
        review: Some(dir.path().join("review.csv")),
        ..Default::default()
    };
    opts.linkage.review = ReviewBand {
        low: 0.0001,
        high: 1.0,
    };
    let first = dedupe_files(&opts, &NoProgress).unwrap();
    assert!(first.review_queue > 0);
    // The reviewer rejects the first pair and accepts nothing else.
    let text = std::fs::read_to_string(dir.path().join("review.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines[0].ends_with(",decision"));
    lines[1].push_str("ditolak");
    std::fs::write(dir.path().join("decisions.csv"), lines.join("\n") + "\n").unwrap();
    let decisions = read_decisions(&dir.path().join("decisions.csv")).unwrap();
    assert_eq!(decisions.len(), 1);
    let d = decisions.iter().next().unwrap();
    assert_eq!(d.verdict, Verdict::Reject);
    assert!(d.fingerprint_a.is_some());
    let again = DedupeOptions {
        decisions: Some(dir.path().join("decisions.csv")),
        ..opts
    };
    let second = dedupe_files(&again, &NoProgress).unwrap();
    assert_eq!((second.decisions_applied, second.decisions_stale), (1, 0));
    assert_eq!(second.review_queue, first.review_queue - 1);
}
