//! The demo registry (`tepat demo`): every level's queue has work, one household is in the registry
//! with a change waiting and a possible duplicate to decide, and a second start writes nothing again.

use axum::http::StatusCode;
use tepat_domain::Role;

use crate::support::TestApp;

#[tokio::test]
async fn the_demo_registry_fills_every_queue_once() {
    let app = TestApp::new().await;
    let written = tepat_web::ui::registry::demo::seed_demo(app.store.clone())
        .await
        .unwrap();
    assert_eq!(written, 7, "six households and one change request");
    assert_eq!(
        tepat_web::ui::registry::demo::seed_demo(app.store.clone())
            .await
            .unwrap(),
        0
    );

    let mut officers = Vec::new();
    for (role, scope, level, expected) in [
        (Role::VillageOperator, "19.02.01.1001", "village", 3),
        (Role::DistrictOperator, "19.02.01", "district", 1),
        (Role::Verifier, "19.02", "dinas", 1),
        (Role::Approver, "19.02", "decision", 1),
    ] {
        let officer = app.sign_in_as(role, scope).await;
        let queue = officer.get(&format!("/registry/queue/{level}")).await;
        assert_eq!(queue.status, StatusCode::OK);
        let n = queue.body.matches("href=\"/registry/request/").count();
        assert_eq!(n, expected, "{level} queue");
        officers.push(officer);
    }
    // The household in the registry, its waiting death report and the proposal that shares a NIK.
    let verifier = &officers[2];
    verifier.refresh_csrf("/registry").await;
    let r = verifier
        .post_form("/registry/search", &[("q", "Bambang")])
        .await;
    assert_eq!(r.body.matches("Bambang Sutrisno").count(), 2, "{}", r.body);
    assert!(r.body.contains("terdaftar") && r.body.contains("diusulkan"));
    let household = r
        .body
        .split("/registry/household/")
        .skip(1)
        .map(|s| s[..36].to_owned())
        .find(|_| true)
        .unwrap();
    let page = verifier
        .get(&format!("/registry/household/{household}"))
        .await;
    assert!(
        page.body.contains("id=\"duplicates\""),
        "a possible duplicate to decide"
    );
    assert!(
        page.body.contains("value=\"distinct\""),
        "the verifier may decide it"
    );
    // The example officers who wrote it cannot sign in.
    let r = app
        .browser()
        .sign_in("contoh.desa", "anything at all")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
