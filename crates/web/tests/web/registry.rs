//! The officers' registry pages through the real router: scope (an operator of village A against the
//! data of village B on every route, and roles without the permission), form errors in Indonesian that
//! name the field and keep the input, double submission, and HTML in names.

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use tepat_core::access::{
    Actor, Decide, Propose, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::registry::{self, Origin};
use tepat_domain::registry::{
    FieldVisit, MemberStatus, RegistryHousehold, RegistryMember, SurveyAnswers,
};
use tepat_domain::{KkNumber, Nik, RegionCode, Relationship, Role, Scope, Sex};
use tepat_store::Store;
use uuid::Uuid;

use crate::officer::Officer;
use crate::support::{belitung, TestApp};

/// Village A (Kota, Tanjungpandan) and village B (Parit, the same kecamatan).
pub const A: &str = "19.02.01.1001";
pub const B: &str = "19.02.01.1002";

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// A household of two in `village`; `serial` keeps NIKs and KK numbers apart.
pub fn household(village: &str, serial: u16, head_name: &str) -> RegistryHousehold {
    let district = code("19.02.01");
    let member = |n: u16, sex, relationship, (y, m, d), name: &str| {
        let birth = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        RegistryMember {
            id: Uuid::now_v7(),
            nik: Nik::from_parts(district, sex, birth, 500 + serial * 2 + n).unwrap(),
            full_name: name.to_owned(),
            sex,
            birth_date: birth,
            relationship,
            phone: None,
            survey: None,
            status: MemberStatus::Active,
        }
    };
    RegistryHousehold {
        id: Uuid::now_v7(),
        kk_number: KkNumber::parse_structure(&format!("190201{:010}", 7000 + u32::from(serial)))
            .unwrap(),
        village: code(village),
        address: format!("Jalan Uji {serial}"),
        rt: "001".into(),
        rw: "002".into(),
        location: None,
        survey: None,
        account: None,
        members: vec![
            member(
                0,
                Sex::LakiLaki,
                Relationship::KepalaKeluarga,
                (1975, 4, 2),
                head_name,
            ),
            member(
                1,
                Sex::Perempuan,
                Relationship::SuamiIstri,
                (1979, 9, 30),
                "Istri Uji",
            ),
        ],
    }
}

fn origin() -> Origin {
    Origin::now(None)
}

fn actor(role: Role, scope: &str) -> Actor {
    Actor::for_tests(role, Scope::parse(scope).unwrap())
}

/// Proposes `h` as its village's operator; returns the request id.
pub async fn propose(store: &dyn Store, h: RegistryHousehold) -> Uuid {
    let op = actor(Role::VillageOperator, &h.village.dotted());
    let grant = op.may::<Propose>(&h.village).unwrap();
    registry::propose_household(store, &grant, h, "usulan uji", &origin())
        .await
        .unwrap()
        .id
}

/// The village's verification of request `id` in `village` (visit today, no survey).
pub async fn village_verifies(store: &dyn Store, village: &str, id: Uuid) {
    let op = actor(Role::VillageOperator, village);
    let grant = op.may_anywhere::<VerifyInVillage>().unwrap();
    let visit = FieldVisit {
        visited_on: Utc::now().date_naive(),
        survey: SurveyAnswers {
            household: None,
            members: Vec::new(),
        },
        location: None,
    };
    registry::verify(store, &grant, id, visit, "kunjungan uji", &origin())
        .await
        .unwrap();
}

/// Every step after the village's, up to approval.
pub async fn approve_rest(store: &dyn Store, id: Uuid) {
    let district = actor(Role::DistrictOperator, "19.02.01");
    let g = district.may_anywhere::<ReviewInDistrict>().unwrap();
    registry::review(store, &g, id, "periksa uji", &origin())
        .await
        .unwrap();
    let verifier = actor(Role::Verifier, "19.02");
    let g = verifier.may_anywhere::<VerifyAtDinas>().unwrap();
    registry::verify_at_dinas(store, &g, id, "verifikasi uji", &origin())
        .await
        .unwrap();
    let approver = actor(Role::Approver, "19.02");
    let g = approver.may_anywhere::<Decide>().unwrap();
    registry::approve(store, &g, id, "setuju uji", &origin())
        .await
        .unwrap();
}

/// Village B's data: an active household (approved) and a proposed one with its request.
pub struct Seeded {
    pub active: RegistryHousehold,
    pub proposed: RegistryHousehold,
    pub request: Uuid,
    /// A request of village B waiting for the district.
    pub verified_request: Uuid,
}

pub async fn seed_b(app: &TestApp) -> Seeded {
    let store = app.store.as_ref();
    let active = household(B, 1, "Budi Parit");
    let approved = propose(store, active.clone()).await;
    village_verifies(store, B, approved).await;
    approve_rest(store, approved).await;
    let proposed = household(B, 2, "Sari Parit");
    let request = propose(store, proposed.clone()).await;
    let third = household(B, 3, "Joko Parit");
    let verified_request = propose(store, third).await;
    village_verifies(store, B, verified_request).await;
    Seeded {
        active,
        proposed,
        request,
        verified_request,
    }
}

async fn app() -> TestApp {
    TestApp::builder().population(belitung(3, 0)).build().await
}

/// What must not change when B's data is refused: stages, households, requests, decisions.
async fn snapshot(store: &dyn Store, s: &Seeded) -> String {
    let mut out = String::new();
    for r in [s.request, s.verified_request] {
        let req = store.registry_request(r).await.unwrap().unwrap();
        out.push_str(&format!(
            "{}:{};",
            req.request.stage.code(),
            req.request.history.len()
        ));
    }
    for h in [s.active.id, s.proposed.id] {
        let stored = store.registry_household(h).await.unwrap().unwrap();
        let n = store.registry_requests_of_household(h).await.unwrap().len();
        out.push_str(&format!("{}:{}:{n};", stored.state.code(), stored.version));
    }
    let d = store
        .registry_duplicate_decision(s.active.members[0].id, s.proposed.members[0].id)
        .await
        .unwrap();
    out.push_str(&format!("{d:?}"));
    out
}

/// Every registry and audit route with B's ids (GET, then POST with plausible fields).
fn gets(s: &Seeded) -> Vec<String> {
    vec![
        format!("/registry/household/{}", s.active.id),
        format!("/registry/household/{}", s.proposed.id),
        format!("/registry/household/{}/change?kind=death", s.active.id),
        format!("/registry/request/{}", s.request),
        format!("/registry/request/{}", s.verified_request),
    ]
}

fn posts(s: &Seeded) -> Vec<(String, Vec<(&'static str, String)>)> {
    let today = Utc::now().date_naive().to_string();
    let head = s.active.members[0].id.to_string();
    vec![
        (
            format!("/registry/request/{}/verify", s.request),
            vec![
                ("stage", "proposed".into()),
                ("visited_on", today.clone()),
                ("reason", "dicoba".into()),
            ],
        ),
        (
            format!("/registry/request/{}/act", s.request),
            vec![
                ("stage", "proposed".into()),
                ("action", "reject".into()),
                ("reason", "dicoba".into()),
            ],
        ),
        (
            format!("/registry/request/{}/act", s.verified_request),
            vec![
                ("stage", "village_verified".into()),
                ("action", "forward".into()),
                ("reason", "dicoba".into()),
            ],
        ),
        (
            format!("/registry/household/{}/change", s.active.id),
            vec![
                ("kind", "death".into()),
                ("request_id", Uuid::now_v7().to_string()),
                ("member", head),
                ("date", today),
                ("reason", "dicoba".into()),
            ],
        ),
        (
            format!("/registry/household/{}/duplicate", s.active.id),
            vec![
                ("member", s.active.members[0].id.to_string()),
                ("other_member", s.proposed.members[0].id.to_string()),
                ("other_household", s.proposed.id.to_string()),
                ("verdict", "distinct".into()),
            ],
        ),
        (
            "/registry/new".into(),
            vec![
                ("action", "save".into()),
                ("household_id", Uuid::now_v7().to_string()),
                ("rows", "1".into()),
                ("village", B.into()),
                ("kk", "1902010000009999".into()),
                ("address", "Jalan Lain".into()),
                ("rt", "001".into()),
                ("rw", "001".into()),
                ("m0_id", Uuid::now_v7().to_string()),
                ("m0_nik", "1902011203800001".into()),
                ("m0_name", "Orang Lain".into()),
                ("m0_sex", "L".into()),
                ("m0_birth", "1980-03-12".into()),
                ("m0_rel", "kepala_keluarga".into()),
                ("reason", "dicoba".into()),
            ],
        ),
    ]
}

async fn post(
    officer: &Officer<'_>,
    uri: &str,
    fields: &[(&str, String)],
) -> crate::support::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    officer.post_form(uri, &fields).await
}

#[tokio::test]
async fn an_operator_of_village_a_is_refused_every_route_on_village_b() {
    let app = app().await;
    let s = seed_b(&app).await;
    let before = snapshot(app.store.as_ref(), &s).await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    for uri in gets(&s) {
        let r = op.get(&uri).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "GET {uri}");
        assert!(
            r.body.contains("di luar wilayah kerja Anda"),
            "GET {uri}: {}",
            r.body
        );
        assert!(!r.body.contains("Parit"), "GET {uri} shows B's names");
    }
    op.refresh_csrf("/registry").await;
    for (uri, fields) in posts(&s) {
        let r = post(&op, &uri, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "POST {uri}: {}", r.body);
    }
    // Searching and the queue only look inside village A: B's people and requests are not there.
    for q in [
        s.active.members[0].nik.digits().to_owned(),
        s.active.kk_number.digits().to_owned(),
        "Budi".to_owned(),
    ] {
        let r = op.post_form("/registry/search", &[("q", &q)]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("id=\"no-results\""),
            "search finds B's data"
        );
    }
    let queue = op.get("/registry/queue/village").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(!queue.body.contains(&s.request.to_string()));
    assert_eq!(
        snapshot(app.store.as_ref(), &s).await,
        before,
        "something changed"
    );
}

#[tokio::test]
async fn officers_of_other_levels_and_places_are_refused_too() {
    let app = app().await;
    let s = seed_b(&app).await;
    let before = snapshot(app.store.as_ref(), &s).await;
    // A district operator of another kecamatan, a verifier and an approver of another kabupaten.
    for (role, scope) in [
        (Role::DistrictOperator, "19.02.02"),
        (Role::Verifier, "19.01"),
        (Role::Approver, "19.01"),
    ] {
        let officer = app.sign_in_as(role, scope).await;
        for uri in gets(&s) {
            assert_eq!(
                officer.get(&uri).await.status,
                StatusCode::FORBIDDEN,
                "{role:?} GET {uri}"
            );
        }
        officer.refresh_csrf("/registry").await;
        for (uri, fields) in posts(&s) {
            let r = post(&officer, &uri, &fields).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{role:?} POST {uri}: {}",
                r.body
            );
        }
    }
    assert_eq!(snapshot(app.store.as_ref(), &s).await, before);
}

#[tokio::test]
async fn roles_without_the_permission_are_refused_every_route() {
    let app = app().await;
    let s = seed_b(&app).await;
    let before = snapshot(app.store.as_ref(), &s).await;
    // Administrators manage accounts but read no households; merchants have no registry rights at all.
    for (role, scope) in [(Role::Admin, "*"), (Role::Merchant, B)] {
        let officer = app.sign_in_as(role, scope).await;
        let mut all = gets(&s);
        all.extend(
            [
                "/registry",
                "/registry/new",
                "/registry/queue/village",
                "/registry/queue/district",
                "/registry/queue/dinas",
                "/registry/queue/decision",
                "/audit",
            ]
            .map(String::from),
        );
        for uri in all {
            let r = officer.get(&uri).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?} GET {uri}");
            assert!(
                r.body.contains("tidak berhak"),
                "{role:?} GET {uri}: the reason"
            );
        }
        let mut posts = posts(&s);
        posts.push(("/registry/search".into(), vec![("q", "Budi".into())]));
        posts.push(("/audit/verify".into(), vec![]));
        for (uri, fields) in posts {
            let r = post(&officer, &uri, &fields).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{role:?} POST {uri}: {}",
                r.body
            );
        }
    }
    // An operator may not act at another level, even in their own village.
    let op = app.sign_in_as(Role::VillageOperator, B).await;
    for uri in [
        "/registry/queue/district",
        "/registry/queue/dinas",
        "/registry/queue/decision",
        "/audit",
    ] {
        assert_eq!(op.get(uri).await.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let r = op
        .post_form(
            &format!("/registry/household/{}/duplicate", s.active.id),
            &[
                ("member", &s.active.members[0].id.to_string()),
                ("other_member", &s.proposed.members[0].id.to_string()),
                ("other_household", &s.proposed.id.to_string()),
                ("verdict", "same"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(app.store.as_ref(), &s).await, before);
}

#[tokio::test]
async fn without_a_session_every_registry_page_sends_to_sign_in() {
    let app = app().await;
    let s = seed_b(&app).await;
    let visitor = app.browser();
    let mut all = gets(&s);
    all.extend(["/registry", "/registry/new", "/registry/queue", "/audit"].map(String::from));
    for uri in all {
        let r = visitor.get(&uri).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(r.header("location").starts_with("/signin?next="), "{uri}");
    }
}

#[tokio::test]
async fn the_menu_leads_each_role_to_its_ways_in_and_the_household_to_its_photos() {
    let app = app().await;
    let s = seed_b(&app).await;
    let op = app.sign_in_as(Role::VillageOperator, B).await;
    let home = op.get("/registry").await;
    for link in ["/registry/upload", "/registry/warga", "/lapangan"] {
        assert!(
            home.body.contains(&format!("href=\"{link}\"")),
            "{link} in {}",
            home.body
        );
    }
    let district = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    let page = district.get("/registry").await;
    assert!(page.body.contains("href=\"/registry/upload\""));
    assert!(
        !page.body.contains("href=\"/lapangan\""),
        "field entry is the village's"
    );
    let household = op
        .get(&format!("/registry/household/{}", s.active.id))
        .await;
    assert_eq!(household.status, StatusCode::OK);
    let photos = format!("href=\"/registry/household/{}/photos\"", s.active.id);
    assert!(household.body.contains(&photos), "{}", household.body);
    assert_eq!(
        op.get(&format!("/registry/household/{}/photos", s.active.id))
            .await
            .status,
        StatusCode::OK
    );
}
