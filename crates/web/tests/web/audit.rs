//! `/audit` for auditors: queries by actor, object, region and time inside the auditor's scope, the
//! hash chain's verification, and the refusals.

use axum::http::StatusCode;
use chrono::Utc;
use tepat_domain::{Role, Scope};
use tepat_store::{AuditAction, AuditFilter};

use crate::registry::{seed_b, B};
use crate::support::{belitung, TestApp};

#[tokio::test]
async fn an_auditor_queries_the_log_and_verifies_the_chain() {
    let app = TestApp::builder().population(belitung(2, 0)).build().await;
    let s = seed_b(&app).await;
    let op = app.sign_in_as(Role::VillageOperator, B).await;
    assert_eq!(
        op.get(&format!("/registry/household/{}", s.active.id))
            .await
            .status,
        StatusCode::OK
    );

    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    let page = auditor.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Log audit"));
    assert!(
        page.body.contains("household_page"),
        "the household read is listed"
    );

    // By actor (username): only the operator's entries.
    let r = auditor.get(&format!("/audit?actor={}", op.username)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&op.username));
    assert!(
        !r.body.contains("workflow.approve"),
        "others' entries are filtered out"
    );
    // By object: the household.
    let r = auditor.get(&format!("/audit?object={}", s.active.id)).await;
    assert!(r.body.contains(&format!("household {}", s.active.id)));
    assert!(!r.body.contains("registry.search"));
    // By region and time: today in village B has entries, yesterday has none.
    let today = Utc::now().date_naive();
    let r = auditor
        .get(&format!("/audit?region={B}&since={today}"))
        .await;
    assert!(r.body.contains("workflow.propose"));
    let yesterday = today.pred_opt().unwrap();
    let r = auditor
        .get(&format!("/audit?region={B}&until={yesterday}"))
        .await;
    assert!(r.body.contains("id=\"audit-none\""));

    // Bad filters name the field and keep the input.
    let r = auditor
        .get("/audit?actor=tidak.ada&object=bukan-id&since=kemarin")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("Pelaku (nama pengguna): tidak ada pengguna dengan nama ini"));
    assert!(r.body.contains("Id objek: harus id (UUID)"));
    assert!(r.body.contains("Sejak tanggal: tanggal tidak sah"));
    assert!(r.body.contains("value=\"bukan-id\""));

    // The chain verifies; reading the log was itself recorded.
    auditor.refresh_csrf("/audit").await;
    let r = auditor.post_form("/audit/verify", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Rantai hash utuh"), "{}", r.body);
    let reads = app
        .store
        .audit_query(&AuditFilter {
            within: Scope::All,
            actor: None,
            object_id: None,
            before_seq: None,
            limit: 1000,
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == AuditAction::ReadAudit)
        .count();
    assert!(
        reads >= 6,
        "every query and the verification are audited ({reads})"
    );
}

#[tokio::test]
async fn a_regional_auditor_stays_in_their_region_and_cannot_verify_everything() {
    let app = TestApp::new().await;
    let auditor = app.sign_in_as(Role::Auditor, "19.02").await;
    assert_eq!(auditor.get("/audit").await.status, StatusCode::OK);
    assert_eq!(
        auditor.get(&format!("/audit?region={B}")).await.status,
        StatusCode::OK
    );
    let r = auditor.get("/audit?region=19.01").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("di luar wilayah kerja Anda"));
    assert!(!auditor
        .get("/audit")
        .await
        .body
        .contains("id=\"verify-chain\""));
    auditor.refresh_csrf("/audit").await;
    assert_eq!(
        auditor.post_form("/audit/verify", &[]).await.status,
        StatusCode::FORBIDDEN
    );
}
