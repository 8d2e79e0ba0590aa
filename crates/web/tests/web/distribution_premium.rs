//! PBI-JK premiums on the envelope's payments page: the total waiting is shown, a verifier records the
//! treasury transfer's number (the premiums become settled, their entitlements paid), the same number
//! again changes nothing, a bad number is refused in the user's language, and an auditor may not post.

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs;
use tepat_domain::distribution::{EntitlementState, PaymentState, Route};
use tepat_domain::{Role, Rupiah};
use tepat_store::{Entitlement, NewEnvelope, Store};
use uuid::Uuid;

use crate::registry::{code, A};
use crate::support::TestApp;

const BELITUNG: &str = "19.02";

/// A released PBI-JK envelope of two households (premiums of 84,000 and 126,000 rupiah).
async fn released(store: &dyn Store, preparer: Uuid) -> (Uuid, [Uuid; 2]) {
    let id = Uuid::now_v7();
    let households = [Uuid::now_v7(), Uuid::now_v7()];
    let row = |household, amount| Entitlement {
        household,
        village: code(A),
        amount: Rupiah::new(amount),
        parts: "[]".into(),
        route: Route::Premium,
        provider: Some("bpjs".into()),
        state: EntitlementState::Pending,
        reason: None,
    };
    let now = Utc::now();
    store
        .create_envelope(
            &NewEnvelope {
                id,
                program: "PBI-JK".into(),
                cycle: "2027-02".into(),
                program_version: 1,
                scheduled_date: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
                prepared_by: preparer,
                prepared_at: now,
            },
            &[row(households[0], 84_000), row(households[1], 126_000)],
        )
        .await
        .unwrap();
    store
        .approve_envelope(id, Uuid::now_v7(), now)
        .await
        .unwrap();
    store.release_envelope(id, now).await.unwrap();
    (id, households)
}

#[tokio::test]
async fn a_verifier_records_the_premium_transfer_once() {
    let app = TestApp::new().await;
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let preparer = store
        .account_by_username(&verifier.username)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (id, households) = released(store, preparer).await;

    let uri = format!("/penyaluran/amplop/{id}/pembayaran");
    let page = verifier.refresh_csrf(&uri).await;
    assert!(page.body.contains("id=\"premium-form\""), "{}", page.body);
    assert!(
        page.body.contains("id=\"premium-count\">2<"),
        "{}",
        page.body
    );
    assert!(page.body.contains("210.000"), "{}", page.body);

    // A number with markup is refused in Bahasa Indonesia; nothing changes.
    let bad = verifier
        .post_form(&format!("{uri}/premi"), &[("reference", "<b>1</b>")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("nomor dokumen"), "{}", bad.body);
    let p = store.household_payments(id, households[0]).await.unwrap();
    assert_eq!(p[0].state, PaymentState::Created);

    let done = verifier
        .post_form(&format!("{uri}/premi"), &[("reference", "SP2D/00042/2027")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.header("location").to_owned();
    assert!(location.contains("premi=2"), "{location}");
    let after = verifier.get(&location).await;
    assert!(after.body.contains("Iuran dicatat lunas"), "{}", after.body);
    assert!(
        !after.body.contains("id=\"premium-form\""),
        "nothing left to settle: {}",
        after.body
    );
    for h in households {
        let p = store.household_payments(id, h).await.unwrap();
        assert_eq!(p[0].state, PaymentState::Settled);
        assert_eq!(p[0].provider_ref.as_deref(), Some("SP2D/00042/2027"));
        let e = store.entitlement(id, h).await.unwrap().unwrap();
        assert_eq!(e.state, EntitlementState::Paid);
    }

    // The same transfer again: recognised.
    let again = verifier
        .post_form(&format!("{uri}/premi"), &[("reference", "SP2D/00042/2027")])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(
        again.header("location").contains("premium_already"),
        "{}",
        again.header("location")
    );

    let auditor = app.sign_in_as(Role::Auditor, BELITUNG).await;
    let seen = auditor.refresh_csrf(&uri).await;
    assert!(seen.body.contains("id=\"premium-due\""));
    assert!(!seen.body.contains("id=\"premium-form\""));
    let denied = auditor
        .post_form(&format!("{uri}/premi"), &[("reference", "SP2D/1")])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
