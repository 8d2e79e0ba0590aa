//! Envelopes end to end on every backend: entitlements from the program's formula on the facts (the SQL
//! counts agree with the Rust benefit), routes from the account mapper, maker-checker, release once,
//! control totals at every stage, and the bank round trip — pain.001 out, a simulated bank's pain.002
//! and camt.053 in — with re-exports byte for byte, re-imports and malformed files changing nothing,
//! account rejects, retries and rerouting to cash.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use tepat_core::access::{
    Actor, ApproveEnvelope, ManagePayments, PrepareEnvelope, ReleaseEnvelope, VerifyAccount,
};
use tepat_core::distribution::{
    accounts_pending, approve_envelope, cancel_envelope, export_bank_files, import_status_file,
    prepare_envelope, reconcile, release_envelope, reroute_to_cash, retry_failed, verify_account,
    DebtorAccount, DistributionError,
};
use tepat_core::registry::Origin;
use tepat_core::targeting::run::load_program;
use tepat_domain::distribution::{
    CycleCode, EntitlementState, EnvelopeState, FinancialAddress, PaymentState, Route,
};
use tepat_domain::{
    HouseholdFacts, Lang, Localized, MemberFacts, RegionCode, Relationship, Role, Rupiah, Scope,
    Sex,
};
use tepat_payments::iso20022::bank_sim::{respond, SimPlan};
use tepat_payments::iso20022::end_to_end_id;
use tepat_store::testing::TestDb;
use tepat_store::{EntitlementFilter, LinkSource, LinkState, NewAccountLink, Store};
use uuid::Uuid;

tepat_store::on_every_backend!(
    an_envelope_pays_what_the_formula_says_by_the_households_route,
    preparing_is_refused_for_a_wrong_cycle_a_past_date_or_twice,
    the_preparer_cannot_approve_and_an_envelope_is_released_once,
    bank_files_round_trip_through_a_bank,
    an_officer_verifies_accounts_in_their_village,
);

const VILLAGE: &str = "19.02.01.1001";
const OTHER_VILLAGE: &str = "19.02.01.1002";
const REGENCY: &str = "19.02";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn cycle() -> CycleCode {
    "2027-T1".parse().unwrap()
}

fn pay_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
}

fn origin() -> Origin {
    Origin::now(None)
}

fn member(relationship: Relationship, born: (i32, u32, u32)) -> MemberFacts {
    MemberFacts {
        birth_date: NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap(),
        sex: Sex::Perempuan,
        relationship,
        survey: None,
    }
}

/// A PKH household: a head, and an elderly parent and a young child as asked.
fn household(village: &str, elderly: bool, child: bool) -> HouseholdFacts {
    let mut members = vec![member(Relationship::KepalaKeluarga, (1985, 3, 1))];
    if elderly {
        members.push(member(Relationship::OrangTua, (1950, 6, 1)));
    }
    if child {
        members.push(member(Relationship::Anak, (2024, 8, 1)));
    }
    HouseholdFacts {
        id: Uuid::now_v7(),
        village: code(village),
        survey: None,
        members,
        desil: None,
        welfare: None,
        enrolled: vec!["PKH".into()],
    }
}

/// Seven enrolled households: 0–3 and 5–6 with something to pay, 4 with nothing this cycle.
fn households() -> Vec<HouseholdFacts> {
    vec![
        household(VILLAGE, true, true),
        household(VILLAGE, true, false),
        household(VILLAGE, false, true),
        household(OTHER_VILLAGE, true, true),
        household(OTHER_VILLAGE, false, false),
        household(VILLAGE, false, true),
        household(VILLAGE, true, false),
    ]
}

async fn link(store: &dyn Store, h: &HouseholdFacts, address: &str, verified: bool) {
    store
        .upsert_account_link(&NewAccountLink {
            household: h.id,
            village: h.village,
            address: address.parse::<FinancialAddress>().unwrap(),
            source: LinkSource::Officer,
            requested_at: Utc::now(),
        })
        .await
        .unwrap();
    if verified {
        store
            .verify_account_link(h.id, Uuid::now_v7(), Utc::now())
            .await
            .unwrap();
    }
}

/// Facts loaded; households 0, 5, 6 have verified BRI accounts, 1 a verified DANA wallet, 2 a pending
/// BRI account (so cash), 3 none (cash).
async fn setup(store: &dyn Store) -> Vec<HouseholdFacts> {
    let hh = households();
    store.load_targeting_facts(&hh).await.unwrap();
    link(store, &hh[0], "account:1000000001@bri", true).await;
    link(store, &hh[1], "mobile:081234567890@dana", true).await;
    link(store, &hh[2], "account:1000000002@bri", false).await;
    link(store, &hh[5], "account:1000000005@bri", true).await;
    link(store, &hh[6], "account:1000000006@bri", true).await;
    hh
}

fn verifier() -> Actor {
    Actor::for_tests(Role::Verifier, Scope::Within(code(REGENCY)))
}

fn approver() -> Actor {
    Actor::for_tests(Role::Approver, Scope::Within(code(REGENCY)))
}

async fn prepared(store: &dyn Store, preparer: &Actor) -> Uuid {
    let grant = preparer.may::<PrepareEnvelope>(&code(REGENCY)).unwrap();
    prepare_envelope(store, &grant, "PKH", &cycle(), pay_day(), &origin())
        .await
        .unwrap()
        .envelope
}

async fn paying(store: &dyn Store) -> Uuid {
    let id = prepared(store, &verifier()).await;
    let a = approver();
    approve_envelope(
        store,
        &a.may_anywhere::<ApproveEnvelope>().unwrap(),
        id,
        &origin(),
    )
    .await
    .unwrap();
    release_envelope(
        store,
        &a.may_anywhere::<ReleaseEnvelope>().unwrap(),
        id,
        &origin(),
    )
    .await
    .unwrap();
    id
}

async fn balanced(store: &dyn Store, id: Uuid) {
    let r = reconcile(store, id).await.unwrap();
    assert!(r.balanced, "{r:?}");
}

async fn an_envelope_pays_what_the_formula_says_by_the_households_route(db: TestDb) {
    let store = db.store.as_ref();
    let hh = setup(store).await;
    let program = load_program(store, "PKH").await.unwrap();
    let grant_holder = verifier();
    let grant = grant_holder.may::<PrepareEnvelope>(&code(REGENCY)).unwrap();
    let out = prepare_envelope(store, &grant, "PKH", &cycle(), pay_day(), &origin())
        .await
        .unwrap();
    assert_eq!(out.zero, 1, "household 4 has no component");
    assert_eq!(out.totals.count, 6);
    let (first_day, _) = cycle().period();
    let mut expected = Rupiah::ZERO;
    for (i, h) in hh.iter().enumerate() {
        let benefit = program.benefit(h, first_day).per_cycle;
        let stored = store.entitlement(out.envelope, h.id).await.unwrap();
        if i == 4 {
            assert!(stored.is_none());
            continue;
        }
        let stored = stored.unwrap();
        assert_eq!(
            stored.amount, benefit,
            "household {i}: SQL counts = Rust benefit"
        );
        assert!(stored.amount > Rupiah::ZERO);
        assert!(stored.parts.contains("lansia") || stored.parts.contains("anak_usia_dini"));
        expected = expected.checked_add(benefit).unwrap();
        let route = match i {
            0 | 5 | 6 => (Route::Bank, Some("bri")),
            1 => (Route::EWallet, Some("dana")),
            _ => (Route::Cash, None),
        };
        assert_eq!(
            (stored.route, stored.provider.as_deref()),
            route,
            "household {i}"
        );
    }
    assert_eq!(out.totals.amount, expected);
    let envelope = store.envelope(out.envelope).await.unwrap().unwrap();
    assert_eq!(
        (envelope.state, envelope.totals),
        (EnvelopeState::Prepared, out.totals)
    );
    let by_route: u64 = out.by_route.iter().map(|(_, t)| t.count).sum();
    assert_eq!(by_route, 6);
    balanced(store, out.envelope).await;

    // Entitlements page by scope: one of the six lies in the other village.
    let pending = store
        .entitlements(
            out.envelope,
            &EntitlementFilter::within(Scope::Within(code(OTHER_VILLAGE))),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
}

async fn preparing_is_refused_for_a_wrong_cycle_a_past_date_or_twice(db: TestDb) {
    let store = db.store.as_ref();
    let v = verifier();
    let grant = v.may::<PrepareEnvelope>(&code(REGENCY)).unwrap();
    let monthly: CycleCode = "2027-01".parse().unwrap();
    let err = prepare_envelope(store, &grant, "PKH", &monthly, pay_day(), &origin())
        .await
        .unwrap_err();
    assert!(matches!(err, DistributionError::Cycle(_)), "{err:?}");
    let late: CycleCode = "2028-T1".parse().unwrap();
    assert!(matches!(
        prepare_envelope(store, &grant, "PKH", &late, pay_day(), &origin()).await,
        Err(DistributionError::Cycle(_))
    ));
    let yesterday = Utc::now().date_naive() - Duration::days(1);
    assert!(matches!(
        prepare_envelope(store, &grant, "PKH", &cycle(), yesterday, &origin()).await,
        Err(DistributionError::ScheduledInPast { .. })
    ));
    let nothing = prepare_envelope(store, &grant, "PKH", &cycle(), pay_day(), &origin())
        .await
        .unwrap_err();
    assert!(matches!(nothing, DistributionError::NothingToPay { .. }));
    assert!(nothing.message(Lang::Id).contains("PKH"));
    assert!(matches!(
        prepare_envelope(store, &grant, "NOPE", &cycle(), pay_day(), &origin()).await,
        Err(DistributionError::UnknownProgram { .. })
    ));

    setup(store).await;
    let id = prepared(store, &v).await;
    let twice = prepare_envelope(store, &grant, "PKH", &cycle(), pay_day(), &origin())
        .await
        .unwrap_err();
    assert!(matches!(twice, DistributionError::EnvelopeExists { .. }));
    assert!(twice.message(Lang::Id).contains("2027-T1"));
    let a = approver();
    let release = a.may_anywhere::<ReleaseEnvelope>().unwrap();
    assert!(matches!(
        cancel_envelope(store, &release, id, "  ", &origin()).await,
        Err(DistributionError::BadReason)
    ));
    cancel_envelope(store, &release, id, "rumus_salah", &origin())
        .await
        .unwrap();
    let again = prepare_envelope(store, &grant, "PKH", &cycle(), pay_day(), &origin())
        .await
        .unwrap();
    assert_ne!(
        again.envelope, id,
        "a cancelled envelope may be prepared again"
    );
}

async fn the_preparer_cannot_approve_and_an_envelope_is_released_once(db: TestDb) {
    let store = db.store.as_ref();
    setup(store).await;
    // The command line's officers share one id: the same person preparing and approving.
    let cli_verifier = Actor::local_officer(Role::Verifier);
    let cli_approver = Actor::local_officer(Role::Approver);
    let id = prepared(store, &cli_verifier).await;
    let same = approve_envelope(
        store,
        &cli_approver.may_anywhere::<ApproveEnvelope>().unwrap(),
        id,
        &origin(),
    )
    .await
    .unwrap_err();
    assert!(matches!(same, DistributionError::SamePerson));
    assert!(same.message(Lang::Id).contains("orang lain"));

    let a = approver();
    let release = a.may_anywhere::<ReleaseEnvelope>().unwrap();
    let early = release_envelope(store, &release, id, &origin())
        .await
        .unwrap_err();
    assert!(matches!(early, DistributionError::State(_)), "{early:?}");
    approve_envelope(
        store,
        &a.may_anywhere::<ApproveEnvelope>().unwrap(),
        id,
        &origin(),
    )
    .await
    .unwrap();
    balanced(store, id).await;
    let out = release_envelope(store, &release, id, &origin())
        .await
        .unwrap();
    assert_eq!(out.payments.count, 4, "three bank transfers and a wallet");
    assert_eq!(out.vouchers_due.count, 2, "two households in cash");
    balanced(store, id).await;
    let twice = release_envelope(store, &release, id, &origin())
        .await
        .unwrap_err();
    assert!(matches!(twice, DistributionError::State(_)));
    assert!(twice.message(Lang::Id).contains("sedang disalurkan"));
    let r = reconcile(store, id).await.unwrap();
    let payments: u64 = r.payments.iter().map(|p| p.totals.count).sum();
    assert_eq!(payments, 4, "the second release paid nothing");
    assert_eq!(r.envelope.state, EnvelopeState::Paying);
    // A village operator may not prepare at all.
    let op = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE)));
    assert!(op.may::<PrepareEnvelope>(&code(VILLAGE)).is_err());
}

async fn bank_files_round_trip_through_a_bank(db: TestDb) {
    let store = db.store.as_ref();
    let hh = setup(store).await;
    let id = paying(store).await;
    let v = verifier();
    let grant = v.may_anywhere::<ManagePayments>().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut debtors = HashMap::new();
    let missing = export_bank_files(store, &grant, dir.path(), &debtors, &origin())
        .await
        .unwrap_err();
    assert!(matches!(missing, DistributionError::NoDebtor { .. }));
    debtors.insert(
        "bri".to_owned(),
        DebtorAccount {
            name: "Dinas Sosial Kabupaten Belitung".into(),
            account: "0011223344556".into(),
        },
    );
    let files = export_bank_files(store, &grant, dir.path(), &debtors, &origin())
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(
        (file.bank.as_str(), file.count, file.again),
        ("bri", 3, false)
    );
    let first_bytes = std::fs::read(&file.path).unwrap();
    let text = String::from_utf8(first_bytes.clone()).unwrap();
    assert!(
        !text.contains("081234567890"),
        "the wallet is not in a bank file"
    );
    assert!(text.contains("1000000001"));

    // Exported again before any status: the same file, byte for byte.
    let again = export_bank_files(store, &grant, dir.path(), &debtors, &origin())
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert!(again[0].again);
    assert_eq!(again[0].batch, file.batch);
    assert_eq!(std::fs::read(&again[0].path).unwrap(), first_bytes);

    let pay = |i: usize| {
        let household = hh[i].id;
        async move {
            store
                .household_payments(id, household)
                .await
                .unwrap()
                .pop()
                .unwrap()
        }
    };
    let (p0, p5, p6) = (pay(0).await, pay(5).await, pay(6).await);
    let mut plan = SimPlan::all_paid(Utc::now());
    plan.rejects.insert(end_to_end_id(p5.id), "AC04".to_owned());
    plan.returns.insert(end_to_end_id(p6.id), "MD07".to_owned());
    let bank = respond(&first_bytes, &plan).unwrap();

    // A cut-off file is refused with its line, and changes nothing.
    let cut = &bank.pain002[..bank.pain002.len() / 2];
    let refused = import_status_file(store, &grant, "cut.xml", cut, &origin())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, DistributionError::StatusFile(_)),
        "{refused:?}"
    );
    assert!(refused.message(Lang::Id).contains("baris"));
    assert_eq!(
        store.payment(p0.id).await.unwrap().unwrap().state,
        PaymentState::Sent
    );

    let status = import_status_file(store, &grant, "pain002.xml", &bank.pain002, &origin())
        .await
        .unwrap();
    assert!(!status.already_imported);
    assert_eq!(status.kind, "pain.002");
    assert!(status.unmatched.is_empty(), "{status:?}");
    assert_eq!(status.accounts_invalid, 1);
    let statement = import_status_file(store, &grant, "camt053.xml", &bank.camt053, &origin())
        .await
        .unwrap();
    assert!(statement.changed >= 2, "{statement:?}");
    // The notification repeats what the statement said; re-importing either changes nothing.
    let notice = import_status_file(store, &grant, "camt054.xml", &bank.camt054, &origin())
        .await
        .unwrap();
    assert_eq!(notice.changed, 0, "{notice:?}");
    let twice = import_status_file(store, &grant, "camt053.xml", &bank.camt053, &origin())
        .await
        .unwrap();
    assert!(twice.already_imported);
    // A reordered import (the status report after the statement) moves nothing backwards.
    let mut late = bank.pain002.clone();
    late.extend_from_slice(b"\n");
    let reordered = import_status_file(store, &grant, "pain002-late.xml", &late, &origin())
        .await
        .unwrap();
    assert_eq!(reordered.changed, 0, "{reordered:?}");

    let state = |i: usize| {
        let household = hh[i].id;
        async move { store.entitlement(id, household).await.unwrap().unwrap() }
    };
    assert_eq!(state(0).await.state, EntitlementState::Paid);
    let rejected = state(5).await;
    assert_eq!(
        (rejected.state, rejected.reason.as_deref()),
        (EntitlementState::Failed, Some("AC04"))
    );
    assert_eq!(
        store.account_link(hh[5].id).await.unwrap().unwrap().state,
        LinkState::Invalid
    );
    assert_eq!(state(6).await.state, EntitlementState::Failed);
    assert_eq!(
        store.payment(p6.id).await.unwrap().unwrap().state,
        PaymentState::Returned
    );
    balanced(store, id).await;

    // Nothing waits for a status: an export writes no file.
    assert!(
        export_bank_files(store, &grant, dir.path(), &debtors, &origin())
            .await
            .unwrap()
            .is_empty()
    );
    // The returned transfer is retried (its account is still good); the rejected one is not.
    let retried = retry_failed(store, &grant, id, &origin()).await.unwrap();
    assert_eq!(retried.count, 1);
    let retry = pay(6).await;
    assert_eq!((retry.attempt, retry.state), (2, PaymentState::Created));
    let next = export_bank_files(store, &grant, dir.path(), &debtors, &origin())
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_ne!(next[0].batch, file.batch, "a new batch number");
    assert_eq!(next[0].count, 1);
    let moved = reroute_to_cash(store, &grant, id, Some(&[hh[5].id]), &origin())
        .await
        .unwrap();
    assert_eq!(moved.count, 1);
    let cash = state(5).await;
    assert_eq!(
        (cash.route, cash.state),
        (Route::Cash, EntitlementState::Pending)
    );
    balanced(store, id).await;
}

async fn an_officer_verifies_accounts_in_their_village(db: TestDb) {
    let store = db.store.as_ref();
    let hh = setup(store).await;
    link(store, &hh[3], "account:1000000001@bri", false).await;
    let op = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE)));
    let grant = op.may::<VerifyAccount>(&code(VILLAGE)).unwrap();
    let queue = accounts_pending(store, &grant, 10, &origin())
        .await
        .unwrap();
    assert_eq!(
        queue.iter().map(|p| p.household).collect::<Vec<_>>(),
        vec![hh[2].id],
        "household 3 is in the other village"
    );
    assert!(queue[0].masked.ends_with("0002@bri"));
    assert!(!queue[0].masked.contains("1000000002"));
    let shared = verify_account(store, &grant, hh[2].id, &origin())
        .await
        .unwrap();
    assert_eq!(shared, 1);
    assert!(matches!(
        verify_account(store, &grant, hh[2].id, &origin()).await,
        Err(DistributionError::AccountNotPending)
    ));
    assert!(matches!(
        verify_account(store, &grant, hh[3].id, &origin()).await,
        Err(DistributionError::Denied(_))
    ));
    let regency = verifier();
    let wide = regency.may::<VerifyAccount>(&code(REGENCY)).unwrap();
    let shared = verify_account(store, &wide, hh[3].id, &origin())
        .await
        .unwrap();
    assert_eq!(shared, 2, "household 3 gave household 0's account number");
}
