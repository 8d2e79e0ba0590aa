//! PBI-JK premiums on every backend: released as payments to BPJS Kesehatan, settled together by the
//! treasury transfer's document number, once; refused before release and for a bad number.

use chrono::{NaiveDate, Utc};
use tepat_core::access::{
    Actor, ApproveEnvelope, ManagePayments, PrepareEnvelope, ReleaseEnvelope,
};
use tepat_core::distribution::premium::{premiums_due, settle_premiums, PremiumError, BPJS};
use tepat_core::distribution::{
    approve_envelope, prepare_envelope, reconcile, release_envelope, DistributionError,
};
use tepat_core::registry::Origin;
use tepat_domain::distribution::{CycleCode, EntitlementState, EnvelopeState, PaymentState, Route};
use tepat_domain::{
    HouseholdFacts, Lang, Localized, MemberFacts, RegionCode, Relationship, Role, Rupiah, Scope,
    Sex,
};
use tepat_store::testing::TestDb;
use tepat_store::Store;
use uuid::Uuid;

tepat_store::on_every_backend!(
    premiums_are_settled_once_by_the_transfer_number,
    premiums_are_refused_before_release_and_for_a_bad_number,
);

const VILLAGE: &str = "19.02.01.1001";
const REGENCY: &str = "19.02";
/// PBI-JK's premium per member and month (programs/default.toml).
const PREMIUM: i64 = 42_000;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn origin() -> Origin {
    Origin::now(None)
}

fn household(members: usize) -> HouseholdFacts {
    let member = |relationship| MemberFacts {
        birth_date: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
        sex: Sex::Perempuan,
        relationship,
        survey: None,
    };
    let mut all = vec![member(Relationship::KepalaKeluarga)];
    all.extend((1..members).map(|_| member(Relationship::Anak)));
    HouseholdFacts {
        id: Uuid::now_v7(),
        village: code(VILLAGE),
        survey: None,
        members: all,
        desil: None,
        welfare: None,
        enrolled: vec!["PBI-JK".into()],
    }
}

fn verifier() -> Actor {
    Actor::for_tests(Role::Verifier, Scope::Within(code(REGENCY)))
}

fn approver() -> Actor {
    Actor::for_tests(Role::Approver, Scope::Within(code(REGENCY)))
}

/// Three households of 1, 2 and 4 members: seven premiums' worth.
async fn prepared(store: &dyn Store) -> Uuid {
    store
        .load_targeting_facts(&[household(1), household(2), household(4)])
        .await
        .unwrap();
    let v = verifier();
    let grant = v.may::<PrepareEnvelope>(&code(REGENCY)).unwrap();
    let cycle: CycleCode = "2027-02".parse().unwrap();
    let day = NaiveDate::from_ymd_opt(2027, 2, 1)
        .unwrap()
        .max(Utc::now().date_naive());
    prepare_envelope(store, &grant, "PBI-JK", &cycle, day, &origin())
        .await
        .unwrap()
        .envelope
}

async fn approve_and_release(store: &dyn Store, id: Uuid) {
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
}

async fn premiums_are_settled_once_by_the_transfer_number(db: TestDb) {
    let store = db.store.as_ref();
    let id = prepared(store).await;
    approve_and_release(store, id).await;
    let due = premiums_due(store, id).await.unwrap();
    assert_eq!(due.count, 3);
    assert_eq!(due.amount, Rupiah::new(7 * PREMIUM));

    let v = verifier();
    let grant = v.may_anywhere::<ManagePayments>().unwrap();
    let report = settle_premiums(store, &grant, id, " SP2D/00123/2027 ", &origin())
        .await
        .unwrap();
    assert!(!report.already_recorded);
    assert_eq!((report.count, report.amount), (3, Rupiah::new(7 * PREMIUM)));
    assert_eq!(premiums_due(store, id).await.unwrap().count, 0);

    let totals = store.payment_totals(id).await.unwrap();
    assert!(totals
        .iter()
        .all(|t| t.route == Route::Premium && t.provider == BPJS));
    let settled: u64 = totals
        .iter()
        .filter(|t| t.state == PaymentState::Settled)
        .map(|t| t.totals.count)
        .sum();
    assert_eq!(settled, 3);
    let paid = store
        .entitlement_totals(id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.state == EntitlementState::Paid)
        .unwrap();
    assert_eq!(paid.totals.count, 3);
    let rows = store
        .entitlements(
            id,
            &tepat_store::EntitlementFilter::within(Scope::All),
            None,
            10,
        )
        .await
        .unwrap();
    for row in &rows {
        let p = store.household_payments(id, row.household).await.unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].provider_ref.as_deref(), Some("SP2D/00123/2027"));
    }
    assert!(reconcile(store, id).await.unwrap().balanced);

    // The same transfer again: recognised, nothing changes.
    let again = settle_premiums(store, &grant, id, "SP2D/00123/2027", &origin())
        .await
        .unwrap();
    assert!(again.already_recorded);
    assert_eq!(again.count, 0);
    // Another number: nothing is left to settle, and the first reference stays.
    let other = settle_premiums(store, &grant, id, "SP2D/99999/2027", &origin())
        .await
        .unwrap();
    assert_eq!((other.count, other.already_recorded), (0, false));
    let p = store
        .household_payments(id, rows[0].household)
        .await
        .unwrap();
    assert_eq!(p[0].provider_ref.as_deref(), Some("SP2D/00123/2027"));
}

async fn premiums_are_refused_before_release_and_for_a_bad_number(db: TestDb) {
    let store = db.store.as_ref();
    let id = prepared(store).await;
    let v = verifier();
    let grant = v.may_anywhere::<ManagePayments>().unwrap();
    let err = settle_premiums(store, &grant, id, "SP2D/1", &origin())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PremiumError::Distribution(DistributionError::NotPaying {
                state: EnvelopeState::Prepared
            })
        ),
        "{err:?}"
    );
    for bad in ["", "   ", "SP2D<script>", &"9".repeat(65)] {
        let err = settle_premiums(store, &grant, id, bad, &origin())
            .await
            .unwrap_err();
        assert!(matches!(err, PremiumError::BadReference), "{bad:?}");
        assert!(err.message(Lang::Id).contains("nomor dokumen"));
    }
    approve_and_release(store, id).await;
    let err = settle_premiums(store, &grant, Uuid::now_v7(), "SP2D/1", &origin())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PremiumError::Distribution(DistributionError::EnvelopeNotFound)
    ));
    // Nothing was settled by the refusals.
    assert_eq!(premiums_due(store, id).await.unwrap().count, 3);
}
