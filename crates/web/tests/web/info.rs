//! Information pages, the forms' guidance, announcements and their Atom feed (issue 8 parts 2 and 5):
//! every page in Indonesian and English, program criteria read from the programs loaded, an officer's
//! announcement on the page and in a feed that parses as Atom, schedules published once per envelope,
//! and who may not post.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use quick_xml::events::Event;
use quick_xml::Reader;
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::program::{Formula, Programs};
use tepat_domain::{RegionCode, Role, Rupiah};
use tepat_store::{
    Assignment, DistributionPoint, Entitlement, IssueBatch, NewEnvelope, PointKind, ProgramVersion,
    Store, StoredVoucher,
};
use uuid::Uuid;

use crate::support::TestApp;

const VILLAGE: &str = "19.02.01.1002";

/// A page as a browser asking for English gets it.
async fn english(app: &TestApp, path: &str) -> crate::support::Response {
    app.get_with(path, &[("accept-language", "en")]).await
}

fn pages() -> Vec<&'static str> {
    let mut all = tepat_web::ui::info::OFFLINE_PAGES.to_vec();
    all.push("/pengumuman");
    all
}

#[tokio::test]
async fn every_information_page_reads_in_indonesian_and_english() {
    let app = TestApp::new().await;
    for path in pages() {
        let id = app.get(path).await;
        assert_eq!(id.status, StatusCode::OK, "{path}: {}", id.body);
        assert!(id.body.contains(r#"<html lang="id">"#), "{path}");
        assert!(
            id.body.contains("Informasi bansos"),
            "{path}: the navigation"
        );
        let en = english(&app, path).await;
        assert_eq!(en.status, StatusCode::OK, "{path}: {}", en.body);
        assert!(en.body.contains(r#"<html lang="en">"#), "{path}");
        assert!(en.body.contains("About social assistance"), "{path}");
        assert!(
            en.body.contains(r#"aria-current="page""#),
            "{path}: the current page is marked"
        );
    }
    let rights = app.get("/info/hak").await.body;
    assert!(rights.contains("85 %"), "PKH school attendance");
    assert!(rights.contains("tanpa nama"), "anonymous reports");
    let check = english(&app, "/info/cek").await.body;
    assert!(
        check.contains("CEK &lt;NIK&gt; &lt;KK number&gt;"),
        "{check}"
    );
    let guides = app.get("/info/panduan").await.body;
    assert!(
        guides.matches("<svg").count() >= 10,
        "hand-drawn illustrations"
    );
    assert!(
        guides.matches(r#"class="n""#).count() >= 10,
        "numbered steps"
    );
    assert!(guides.contains(r#"role="img""#) && guides.contains("<title id="));
    // The print stylesheet is served and hides the chrome.
    let css_url = tepat_web::assets::url("info.css");
    assert!(guides.contains(css_url));
    let css = app.get(css_url).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.body.contains("@media print"));
}

#[tokio::test]
async fn the_forms_carry_their_guidance_and_the_landing_page_links_here() {
    let app = TestApp::new().await;
    let propose = app.get("/warga/usulan").await.body;
    assert!(propose.contains(r#"id="guidance""#), "{propose}");
    assert!(propose.contains("Siapa yang boleh mengusulkan"));
    assert!(propose.contains("tidak disimpan"), "privacy note");
    let propose_en = english(&app, "/warga/usulan").await.body;
    assert!(propose_en.contains("Who may propose"));
    let list = app.get("/warga/sanggahan").await.body;
    assert!(list.contains("Sanggahan yang sah"), "{list}");
    let list_en = english(&app, "/warga/sanggahan").await.body;
    assert!(list_en.contains("A valid objection"));
    assert!(list_en.contains("usually within 14 days"));
    let landing = app.get("/").await.body;
    assert!(landing.contains(r#"id="info-link" href="/info""#));
    assert!(landing.contains(r#"id="announcements-link" href="/pengumuman""#));
}

/// A program of the office's own, stored as the app stores an admin's edit.
async fn load_program(store: &dyn Store) {
    let mut def = Programs::builtin().get("SEMBAKO").unwrap().def().clone();
    def.code = "BANTUAN-LANSIA".into();
    def.name_id = "Bantuan Lansia Mandiri".into();
    def.name_en = "Independent Elderly Support".into();
    def.rule = "desil <= 3 and any(member, age >= 70)".into();
    def.benefit = Formula::Flat {
        per_cycle: Rupiah::new(123_000),
    };
    def.exclusive_with = Vec::new();
    def.quotas = Vec::new();
    def.budget = None;
    store
        .save_program_version(&ProgramVersion {
            code: def.code.clone(),
            version: 1,
            body: def.to_toml(),
            saved_by: Uuid::nil(),
            saved_at: Utc::now(),
            note: "uji".into(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn program_criteria_come_from_the_programs_loaded() {
    let app = TestApp::new().await;
    let empty = app.get("/info/program").await.body;
    assert!(empty.contains(r#"id="no-programs""#), "{empty}");
    load_program(app.store.as_ref()).await;
    let id = app.get("/info/program").await.body;
    assert!(id.contains(r#"id="program-BANTUAN-LANSIA""#), "{id}");
    assert!(id.contains("Bantuan Lansia Mandiri"));
    assert!(id.contains("Rp123.000 per penyaluran"), "{id}");
    assert!(
        id.contains("Termasuk desil 1 sampai 3: 30 % keluarga"),
        "{id}"
    );
    assert!(
        id.contains("Ada anggota keluarga: umur paling sedikit 70 tahun"),
        "{id}"
    );
    assert!(id.contains("belanja di e-Warong"), "the channel");
    let en = english(&app, "/info/program").await.body;
    assert!(en.contains("Independent Elderly Support"));
    assert!(en.contains("Rp123,000 per payment"), "{en}");
    assert!(
        en.contains("A family member: age at least 70 years"),
        "{en}"
    );
}

/// The feed's entries: (id, title, link) for each `entry`, after checking the feed's required
/// elements (RFC 4287 4.1.1: id, title, updated; each entry: id, title, updated, and here a link and
/// content) with a real XML parser.
fn atom_entries(xml: &str) -> Vec<(String, String, String)> {
    #[derive(Default)]
    struct Entry {
        children: Vec<String>,
        id: String,
        title: String,
        link: String,
    }
    let attribute = |e: &quick_xml::events::BytesStart, name: &str| {
        e.try_get_attribute(name)
            .expect("attributes parse")
            .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
            .unwrap_or_default()
    };
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut feed_children = Vec::new();
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    let mut namespace = String::new();
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
            match path.len() {
                0 => {
                    assert_eq!(name, "feed");
                    namespace = attribute(&e, "xmlns");
                }
                1 => {
                    feed_children.push(name.clone());
                    if name == "entry" {
                        current = Some(Entry::default());
                    }
                }
                2 if path[1] == "entry" => {
                    let c = current.as_mut().unwrap();
                    c.children.push(name.clone());
                    if name == "link" {
                        c.link = attribute(&e, "href");
                    }
                }
                _ => {}
            }
            if !empty {
                path.push(name);
            }
            continue;
        }
        let text = match &event {
            Event::Text(t) => Some(std::str::from_utf8(t).unwrap().to_owned()),
            Event::GeneralRef(r) => Some(
                match &r[..] {
                    b"amp" => "&",
                    b"lt" => "<",
                    b"gt" => ">",
                    b"quot" => "\"",
                    b"apos" => "'",
                    other => panic!("unexpected entity {other:?}"),
                }
                .to_owned(),
            ),
            _ => None,
        };
        if let (Some(text), Some(c), [_, entry, field]) = (text, current.as_mut(), path.as_slice())
        {
            if entry == "entry" {
                match field.as_str() {
                    "id" => c.id.push_str(&text),
                    "title" => c.title.push_str(&text),
                    _ => {}
                }
            }
        }
        match event {
            Event::End(_) => {
                let closed = path.pop().unwrap();
                if closed == "entry" && path.len() == 1 {
                    let c = current.take().unwrap();
                    for required in ["id", "title", "updated", "link", "content"] {
                        assert!(
                            c.children.iter().any(|n| n == required),
                            "entry lacks {required}"
                        );
                    }
                    entries.push((c.id, c.title, c.link));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(namespace, "http://www.w3.org/2005/Atom");
    for required in ["id", "title", "updated", "author"] {
        assert!(
            feed_children.iter().any(|n| n == required),
            "feed lacks {required}"
        );
    }
    entries
}

#[tokio::test]
async fn an_officers_announcement_is_on_the_page_and_in_the_feed() {
    let app = TestApp::new().await;
    let op = app.sign_in_as(Role::VillageOperator, VILLAGE).await;
    op.refresh_csrf("/pengumuman/baru").await;
    let posted = op
        .post_form(
            "/pengumuman/baru",
            &[
                ("title", "Musyawarah desa <usulan> & data"),
                ("body", "Rapat di balai desa.\n\n- Bawa KK\n- Bawa KTP\n\nInfo: https://example.go.id/rapat"),
                ("title_en", "Village meeting"),
                ("body_en", "Meeting at the village hall."),
                ("region", VILLAGE),
                ("program", ""),
                ("publish_at", ""),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let location = posted.header("location").to_owned();
    assert!(location.starts_with("/pengumuman/"), "{location}");

    let one = app.get(&location).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(
        one.body
            .contains("Musyawarah desa &#60;usulan&#62; &#38; data")
            || one
                .body
                .contains("Musyawarah desa &lt;usulan&gt; &amp; data"),
        "{}",
        one.body
    );
    assert!(one.body.contains("<li>Bawa KK</li>"), "{}", one.body);
    assert!(one
        .body
        .contains(r#"<a href="https://example.go.id/rapat">"#));

    let list = app.get("/pengumuman").await.body;
    assert!(list.contains(&location), "{list}");
    let in_village = app
        .get(&format!("/pengumuman?wilayah={VILLAGE}"))
        .await
        .body;
    assert!(in_village.contains(&location));
    let elsewhere = app.get("/pengumuman?wilayah=19.02.02.2001").await.body;
    assert!(!elsewhere.contains(&location), "another village's list");
    let bad = app.get("/pengumuman?wilayah=99.99").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let en = english(&app, "/pengumuman").await.body;
    assert!(en.contains("Village meeting"), "the English version");

    let feed = app.get("/pengumuman.atom").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed
        .header("content-type")
        .starts_with("application/atom+xml"));
    let entries = atom_entries(&feed.body);
    assert_eq!(entries.len(), 1, "{}", feed.body);
    let (id, title, link) = &entries[0];
    assert_eq!(title, "Musyawarah desa <usulan> & data");
    assert!(link.ends_with(&location), "{link}");
    assert_eq!(
        id,
        &format!("urn:uuid:{}", location.trim_start_matches("/pengumuman/"))
    );
    let feed_en = english(&app, "/pengumuman.atom").await.body;
    assert_eq!(atom_entries(&feed_en)[0].1, "Village meeting");
}

#[tokio::test]
async fn who_may_not_post_announcements() {
    let app = TestApp::new().await;
    // Without signing in: no form, nothing stored.
    let anonymous = app.browser();
    anonymous.refresh_csrf("/pengumuman").await;
    let refused = anonymous
        .post_form("/pengumuman/baru", &[("title", "Palsu"), ("body", "Palsu")])
        .await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_ne!(refused.status, StatusCode::OK);
    // A role without the permission.
    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    assert_eq!(
        auditor.get("/pengumuman/baru").await.status,
        StatusCode::FORBIDDEN
    );
    // A village operator outside their village.
    let op = app.sign_in_as(Role::VillageOperator, VILLAGE).await;
    op.refresh_csrf("/pengumuman/baru").await;
    let outside = op
        .post_form(
            "/pengumuman/baru",
            &[
                ("title", "Luar"),
                ("body", "Luar"),
                ("region", "19.02.02.2001"),
            ],
        )
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.body);
    let everywhere = op
        .post_form(
            "/pengumuman/baru",
            &[("title", "Semua"), ("body", "Semua"), ("region", "")],
        )
        .await;
    assert_eq!(everywhere.status, StatusCode::FORBIDDEN);
    // A half English version is refused with the reason, in the officer's language.
    let half = op
        .post_form(
            "/pengumuman/baru",
            &[
                ("title", "Judul"),
                ("body", "Isi"),
                ("title_en", "Title"),
                ("region", VILLAGE),
            ],
        )
        .await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(half.body.contains("bahasa Inggris"), "{}", half.body);
    assert!(half.body.contains(r#"value="Judul""#), "the input is kept");
    let listed = app.get("/pengumuman").await.body;
    assert!(
        listed.contains(r#"id="none""#),
        "nothing was published: {listed}"
    );
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 2, d).unwrap()
}

/// A released cash envelope of three households at one village hall on one day.
async fn released_with_schedule(store: &dyn Store) -> Uuid {
    let village = RegionCode::parse(VILLAGE).unwrap();
    let point = DistributionPoint {
        id: Uuid::now_v7(),
        code: "BALAI-2001".into(),
        name: "Balai Desa Uji".into(),
        kind: PointKind::VillageHall,
        village,
        capacity_per_slot: 2,
        slots_per_day: 8,
        first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        slot_minutes: 30,
        active: true,
        merchant_account: None,
    };
    store.insert_point(&point).await.unwrap();
    let households: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    let id = Uuid::now_v7();
    let rows: Vec<Entitlement> = households
        .iter()
        .map(|h| Entitlement {
            household: *h,
            village,
            amount: Rupiah::new(600_000),
            parts: "[]".into(),
            route: Route::Cash,
            provider: None,
            state: EntitlementState::Pending,
            reason: None,
        })
        .collect();
    let new = NewEnvelope {
        id,
        program: "PKH".into(),
        cycle: "2027-T1".into(),
        program_version: 1,
        scheduled_date: day(1),
        prepared_by: Uuid::now_v7(),
        prepared_at: t0(),
    };
    store.create_envelope(&new, &rows).await.unwrap();
    store
        .approve_envelope(id, Uuid::now_v7(), t0())
        .await
        .unwrap();
    store.release_envelope(id, t0()).await.unwrap();
    let mut batch = IssueBatch::default();
    for (i, h) in households.iter().enumerate() {
        batch.vouchers.push(StoredVoucher {
            id: Uuid::now_v7(),
            envelope: id,
            household: *h,
            amount: Rupiah::new(600_000),
            goods: None,
            recipient: [7; 32],
            valid_from: day(1),
            valid_until: day(28),
            key_id: "0123456789abcdef".into(),
            issued_at: t0(),
        });
        batch.assignments.push(Assignment {
            envelope: id,
            household: *h,
            point: point.id,
            day: day(3),
            slot: i as u16 / 2,
            assigned_at: t0(),
            version: 1,
        });
    }
    store.issue_vouchers(&batch).await.unwrap();
    id
}

#[tokio::test]
async fn a_released_envelopes_schedule_is_announced_once() {
    let app = TestApp::new().await;
    released_with_schedule(app.store.as_ref()).await;
    let first = app.get("/pengumuman").await.body;
    assert_eq!(
        first.matches("Balai Desa Uji (balai desa)").count(),
        1,
        "{first}"
    );
    assert!(
        first.contains("Rabu, 3 Februari 2027 pukul 08.00–09.00: 3 keluarga"),
        "{first}"
    );
    assert!(first.contains("untuk 3 keluarga penerima"));
    // Again, and through the feed: still one.
    let feed = app.get("/pengumuman.atom").await.body;
    assert_eq!(atom_entries(&feed).len(), 1, "{feed}");
    let again = app.get("/pengumuman").await.body;
    assert_eq!(again.matches(r#"<li id="a-"#).count(), 1, "{again}");
    let en = english(&app, "/pengumuman").await.body;
    assert!(
        en.contains("Wednesday 3 February 2027 08:00–09:00: 3 households"),
        "{en}"
    );
    // No personal data: the page names no household.
    assert!(
        !first.contains("600.000"),
        "amounts per household are not announced"
    );
}
