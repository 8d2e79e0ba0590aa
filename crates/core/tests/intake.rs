//! The proposals CSV upload and the agency-list import on every backend: good files, bad rows named by
//! line, column and reason, files refused whole, formula and HTML cells, unknown regions, re-uploads that
//! create nothing twice, households already in the registry, and the uploader's scope.

use tepat_core::access::{Actor, ImportAgencyList, Propose};
use tepat_core::intake::{
    self, import_agency_list, upload_proposals, Mode, Outcome, Severity, UploadError, UploadReport,
    MAX_UPLOAD_BYTES,
};
use tepat_core::registry::{self, Origin};
use tepat_domain::registry::{MemberStatus, RegistryHousehold, RegistryMember};
use tepat_domain::survey::Sector;
use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::testing::{sample, TestDb};
use tepat_store::{HouseholdState, ImportMeta, ImportSummaryForRun, PopulationRecord, Store};
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_good_file_proposes_every_household,
    bad_rows_are_named_and_the_valid_households_go_in,
    files_that_cannot_be_read_are_refused_whole,
    formula_cells_and_html_in_names_are_refused_and_neutralised,
    a_second_upload_of_the_same_file_creates_nothing,
    a_household_already_in_the_registry_is_not_proposed_again,
    an_operator_uploads_only_inside_their_village,
    a_check_writes_nothing,
    an_agency_list_is_imported_with_its_sector,
);

const VILLAGE_A: &str = "19.02.01.1001";
const VILLAGE_B: &str = "19.02.01.1002";
const HEADER: &str = "kk_number,village_code,address,rt,rw,nik,full_name,sex,birth_date,relationship,phone,sector,reason";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn origin() -> Origin {
    Origin::now(Some("10.1.2.3:5000".into()))
}

fn operator(village: &str) -> Actor {
    Actor::for_tests(Role::VillageOperator, Scope::Within(code(village)))
}

fn line(r: &PopulationRecord) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},,,",
        r.kk_number.digits(),
        r.village.dotted(),
        r.address,
        r.rt,
        r.rw,
        r.nik.digits(),
        r.full_name,
        r.sex.letter(),
        r.birth_date,
        r.relationship.code()
    )
}

fn csv(records: &[PopulationRecord]) -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for r in records {
        s.push_str(&line(r));
        s.push('\n');
    }
    s
}

async fn import(store: &dyn Store, rows: &[PopulationRecord]) {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "penduduk.csv".into(),
        })
        .await
        .unwrap();
    let n = rows.len() as u64;
    import.write_batch(rows).await.unwrap();
    import
        .finish(ImportSummaryForRun {
            rows_read: n,
            rows_valid: n,
            rows_rejected: 0,
            source_sha256: None,
        })
        .await
        .unwrap();
}

async fn upload(store: &dyn Store, actor: &Actor, village: &str, file: &str) -> UploadReport {
    let grant = actor.may::<Propose>(&code(village)).unwrap();
    upload_proposals(
        store,
        &grant,
        file.as_bytes(),
        Mode::Propose,
        RegionTable::embedded(),
        None,
        &origin(),
    )
    .await
    .unwrap()
}

/// The requests the report says were created.
fn requests(report: &UploadReport) -> Vec<Uuid> {
    report
        .households
        .iter()
        .filter_map(|h| match h.outcome {
            Outcome::Proposed { request, .. } => request,
            _ => None,
        })
        .collect()
}

/// How many proposed or active households have this record's KK.
async fn households_with_kk(store: &dyn Store, r: &PopulationRecord) -> usize {
    let hits = store
        .registry_search_kk(&r.kk_number, &Scope::All)
        .await
        .unwrap();
    let mut ids: Vec<Uuid> = hits
        .iter()
        .filter(|h| {
            matches!(
                h.household_state,
                HouseholdState::Proposed | HouseholdState::Active
            )
        })
        .map(|h| h.household)
        .collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

fn errors(report: &UploadReport) -> Vec<(u64, &str, &str)> {
    report
        .at_least(Severity::Error)
        .map(|p| (p.line, p.column, p.code))
        .collect()
}

async fn a_good_file_proposes_every_household(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 2, 3, 10);
    import(store, &records).await;
    let report = upload(store, &operator(VILLAGE_A), VILLAGE_A, &csv(&records)).await;
    assert_eq!(report.rows, 6);
    assert_eq!(report.proposed(), 2, "{:?}", report.problems);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.written);
    for id in requests(&report) {
        let stored = store.registry_request(id).await.unwrap().unwrap();
        assert_eq!(stored.request.village, code(VILLAGE_A));
        assert!(stored.request.history[0].reason.contains("unggahan CSV"));
    }
    assert_eq!(households_with_kk(store, &records[0]).await, 1);
    assert_eq!(households_with_kk(store, &records[3]).await, 1);
    let text = String::from_utf8(report.to_csv()).unwrap();
    assert!(text.contains(",household,proposed,outcome,"));
    assert!(
        !text.contains(records[0].nik.digits()),
        "the report never repeats a whole NIK"
    );
}

async fn bad_rows_are_named_and_the_valid_households_go_in(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 3, 2, 30);
    import(store, &records).await;
    let mut lines: Vec<String> = records.iter().map(line).collect();
    // Line 5 (third data row: second household's head): an impossible birth date.
    lines[2] = lines[2].replace(&records[2].birth_date.to_string(), "1990-02-30");
    // Line 7 (fifth data row: third household's head): a village that does not exist.
    lines[4] = lines[4].replace(VILLAGE_A, "19.02.01.2999");
    let file = format!("{HEADER}\n{}\n", lines.join("\n"));
    let report = upload(store, &operator(VILLAGE_A), VILLAGE_A, &file).await;
    assert_eq!(report.proposed(), 1, "{:?}", report.problems);
    assert_eq!(report.refused(), 2);
    assert_eq!(
        errors(&report),
        vec![
            (4, "birth_date", "birth_date_invalid"),
            (6, "village_code", "village_code_unknown"),
        ]
    );
    let bad_date = report.at_least(Severity::Error).next().unwrap();
    assert!(bad_date.reason(Lang::Id).contains("TTTT-BB-HH"));
    assert!(bad_date.reason(Lang::En).contains("YYYY-MM-DD"));
    // Only the valid household was written; the refused ones are not half-written.
    assert_eq!(households_with_kk(store, &records[0]).await, 1);
    assert_eq!(households_with_kk(store, &records[2]).await, 0);
    assert_eq!(households_with_kk(store, &records[4]).await, 0);
}

async fn files_that_cannot_be_read_are_refused_whole(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 1, 2, 50);
    import(store, &records).await;
    let op = operator(VILLAGE_A);
    let grant = op.may::<Propose>(&code(VILLAGE_A)).unwrap();
    let before = store.audit_head().await.unwrap().count;
    let run = |bytes: Vec<u8>| {
        let grant = &grant;
        async move {
            upload_proposals(
                store,
                grant,
                &bytes,
                Mode::Propose,
                RegionTable::embedded(),
                None,
                &origin(),
            )
            .await
        }
    };
    // Too large.
    let mut big = csv(&records).into_bytes();
    big.resize(MAX_UPLOAD_BYTES + 1, b'\n');
    let e = run(big).await.unwrap_err();
    assert!(matches!(e, UploadError::TooLarge { .. }));
    assert!(e.message(Lang::Id).contains("paling banyak"));
    // Not UTF-8: a Latin-1 name on line 3.
    let mut latin = csv(&records).into_bytes();
    let at = latin
        .windows(5)
        .rposition(|w| w == b"Warga")
        .expect("a name");
    latin[at + 1] = 0xE1; // "á" in Latin-1
    assert_eq!(
        run(latin).await.unwrap_err(),
        UploadError::NotUtf8 {
            line: 3,
            column: "full_name".into()
        }
    );
    // A header without a required column, and one with an unknown column.
    let no_nik = csv(&records).replacen(",nik,", ",nomor,", 1);
    assert!(matches!(
        run(no_nik.into_bytes()).await.unwrap_err(),
        UploadError::UnknownColumn { .. }
    ));
    let missing = "kk_number,village_code,rt,rw,full_name,sex,birth_date,relationship\n";
    match run(missing.as_bytes().to_vec()).await.unwrap_err() {
        UploadError::MissingColumns { columns } => assert_eq!(columns, "nik"),
        other => panic!("{other:?}"),
    }
    assert_eq!(run(Vec::new()).await.unwrap_err(), UploadError::Empty);
    assert_eq!(
        store.audit_head().await.unwrap().count,
        before,
        "nothing at all was written"
    );
    assert_eq!(households_with_kk(store, &records[0]).await, 0);
}

async fn formula_cells_and_html_in_names_are_refused_and_neutralised(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 2, 2, 60);
    import(store, &records).await;
    let mut lines: Vec<String> = records.iter().map(line).collect();
    lines[1] = lines[1].replace(&records[1].full_name, "\"=HYPERLINK(\"\"http://x\"\")\"");
    lines[3] = lines[3].replace(&records[3].full_name, "<script>alert(1)</script>");
    let file = format!("{HEADER}\n{}\n", lines.join("\n"));
    let report = upload(store, &operator(VILLAGE_A), VILLAGE_A, &file).await;
    assert_eq!(report.proposed(), 0);
    assert_eq!(
        errors(&report),
        vec![
            (3, "full_name", "full_name_invalid"),
            (5, "full_name", "full_name_markup"),
        ]
    );
    let text = String::from_utf8(report.to_csv()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(
        !text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"),
        "no cell of the report starts with ="
    );
}

async fn a_second_upload_of_the_same_file_creates_nothing(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 2, 3, 70);
    import(store, &records).await;
    let op = operator(VILLAGE_A);
    let file = csv(&records);
    let first = upload(store, &op, VILLAGE_A, &file).await;
    assert_eq!(first.proposed(), 2);
    let second = upload(store, &op, VILLAGE_A, &file).await;
    assert_eq!(second.proposed(), 0);
    assert_eq!(second.already(), 2);
    assert!(!second.written);
    assert!(second
        .problems
        .iter()
        .all(|p| p.code == "already_in_registry" && p.column == "kk_number"));
    assert_eq!(households_with_kk(store, &records[0]).await, 1);
    assert_eq!(households_with_kk(store, &records[3]).await, 1);
}

async fn a_household_already_in_the_registry_is_not_proposed_again(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 2, 2, 80);
    import(store, &records).await;
    let op = operator(VILLAGE_A);
    let grant = op.may::<Propose>(&code(VILLAGE_A)).unwrap();
    let existing = RegistryHousehold {
        id: Uuid::now_v7(),
        kk_number: records[0].kk_number,
        village: records[0].village,
        address: records[0].address.clone(),
        rt: records[0].rt.clone(),
        rw: records[0].rw.clone(),
        location: None,
        survey: None,
        account: None,
        members: records[..2]
            .iter()
            .map(|r| RegistryMember {
                id: Uuid::now_v7(),
                nik: r.nik,
                full_name: r.full_name.clone(),
                sex: r.sex,
                birth_date: r.birth_date,
                relationship: r.relationship,
                phone: None,
                survey: None,
                status: MemberStatus::Active,
            })
            .collect(),
    };
    registry::propose_household(store, &grant, existing, "usulan desa", &origin())
        .await
        .unwrap();
    let report = upload(store, &op, VILLAGE_A, &csv(&records)).await;
    assert_eq!(report.already(), 1);
    assert_eq!(report.proposed(), 1);
    assert_eq!(report.households[0].outcome, Outcome::AlreadyInRegistry);
    assert_eq!(households_with_kk(store, &records[0]).await, 1);

    // A member of a registered household under another KK number: double registration, refused.
    let mut moved = sample::households(VILLAGE_A, 1, 1, 85);
    moved.push(records[1].clone());
    moved[1].kk_number = moved[0].kk_number;
    moved[1].address = moved[0].address.clone();
    moved[1].relationship = tepat_domain::Relationship::SuamiIstri;
    let report = upload(store, &op, VILLAGE_A, &csv(&moved)).await;
    assert_eq!(report.proposed(), 0, "{:?}", report.problems);
    assert!(
        errors(&report).contains(&(3, "nik", "already_registered")),
        "{:?}",
        errors(&report)
    );
}

async fn an_operator_uploads_only_inside_their_village(db: TestDb) {
    let store = db.store.as_ref();
    let mut records = sample::households(VILLAGE_A, 1, 2, 90);
    let b = sample::households(VILLAGE_B, 1, 2, 95);
    records.extend(b.iter().cloned());
    import(store, &records).await;
    let report = upload(store, &operator(VILLAGE_A), VILLAGE_A, &csv(&records)).await;
    assert_eq!(report.proposed(), 1);
    assert_eq!(
        errors(&report),
        vec![(4, "village_code", "village_outside_scope")]
    );
    let refusal = report.at_least(Severity::Error).next().unwrap();
    assert!(refusal.reason(Lang::Id).contains("di luar wilayah kerja"));
    assert_eq!(households_with_kk(store, &b[0]).await, 0);
    // And a village operator may not ask for a grant in village B at all.
    assert!(operator(VILLAGE_A)
        .may::<Propose>(&code(VILLAGE_B))
        .is_err());
}

async fn a_check_writes_nothing(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 2, 2, 110);
    import(store, &records[..2]).await;
    let op = operator(VILLAGE_A);
    let grant = op.may::<Propose>(&code(VILLAGE_A)).unwrap();
    let report = upload_proposals(
        store,
        &grant,
        csv(&records).as_bytes(),
        Mode::Check,
        RegionTable::embedded(),
        None,
        &origin(),
    )
    .await
    .unwrap();
    assert_eq!(report.proposed(), 2, "{:?}", report.problems);
    assert!(!report.written);
    assert!(requests(&report).is_empty());
    // The second household is not in the extract: a warning per member, on its own lines.
    let warnings: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .map(|p| (p.line, p.code))
        .collect();
    assert_eq!(
        warnings,
        vec![(4, "not_in_population"), (5, "not_in_population")]
    );
    assert_eq!(households_with_kk(store, &records[0]).await, 0);
}

async fn an_agency_list_is_imported_with_its_sector(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE_A, 2, 2, 120);
    import(store, &records).await;
    let officer = Actor::for_tests(Role::AgencyOfficer, Scope::Within(code("19.02")));
    let grant = officer.may_anywhere::<ImportAgencyList>().unwrap();
    // Row 2 of the file is a laid-off worker; the list is the fisheries office's.
    let file = csv(&records)
        .replacen(",,,\n", ",,phk,\n", 2)
        .replacen(",,phk,\n", ",,,\n", 1);
    let run = |sector| {
        let (grant, file) = (&grant, &file);
        async move {
            import_agency_list(
                store,
                grant,
                sector,
                file.as_bytes(),
                Mode::Propose,
                RegionTable::embedded(),
                None,
                &origin(),
            )
            .await
        }
    };
    assert_eq!(
        run(Sector::Petani).await.unwrap_err(),
        UploadError::NotAnAgencySector
    );
    let report = run(Sector::Nelayan).await.unwrap();
    assert_eq!(report.proposed(), 2, "{:?}", report.problems);
    let reasons: Vec<String> = futures_reasons(store, &requests(&report)).await;
    assert!(reasons[0].contains("[daftar OPD: nelayan]"), "{reasons:?}");
    assert!(reasons[0].contains("[sektor: nelayan, phk]"), "{reasons:?}");
    assert!(reasons[1].contains("[sektor: nelayan]"), "{reasons:?}");
    // A village operator has no ImportAgencyList grant.
    assert!(operator(VILLAGE_A)
        .may::<ImportAgencyList>(&code(VILLAGE_A))
        .is_err());
    let _ = intake::mask_name("x");
}

async fn futures_reasons(store: &dyn Store, ids: &[Uuid]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        let r = store.registry_request(*id).await.unwrap().unwrap();
        out.push(r.request.history[0].reason.clone());
    }
    out
}
