//! Issue 5's leftovers through the real router: change forms that carry their request's id (a repeat,
//! also after a restart, enters nothing), open tasks that open their prefilled change form and are
//! closed by the request, and the forms for a member's phone, the payment account and a move's
//! position (errors beside the field in both languages, input kept, numbers never in a URL).

use axum::http::StatusCode;
use chrono::Utc;
use tepat_domain::registry::{Change, RegistryHousehold};
use tepat_domain::Role;
use tepat_store::{AuditAction, AuditEntry, NewTask, ObjectKind, Store, TaskKind, TaskState};
use uuid::Uuid;

use crate::officer::{Officer, PASSWORD};
use crate::registry::{approve_rest, code, household, propose, village_verifies, A, B};
use crate::support::{belitung, TestApp};

async fn app() -> TestApp {
    TestApp::builder().population(belitung(3, 0)).build().await
}

/// A household of village A in the registry.
async fn in_registry(store: &dyn Store, serial: u16, head: &str) -> RegistryHousehold {
    let h = household(A, serial, head);
    let request = propose(store, h.clone()).await;
    village_verifies(store, A, request).await;
    approve_rest(store, request).await;
    h
}

/// The hidden value of `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no field {name}")) + key.len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// Opens the change form of `kind` and posts it with `fields` (plus kind, request id and reason).
async fn send_change(
    op: &Officer<'_>,
    h: &RegistryHousehold,
    kind: &str,
    fields: &[(&str, &str)],
) -> (String, crate::support::Response) {
    let page = op
        .refresh_csrf(&format!("/registry/household/{}/change?kind={kind}", h.id))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let id = hidden(&page.body, "request_id");
    let mut all = vec![("kind", kind), ("request_id", id.as_str())];
    all.push(("reason", "dilaporkan warga"));
    all.extend_from_slice(fields);
    let r = op
        .post_form(&format!("/registry/household/{}/change", h.id), &all)
        .await;
    (id, r)
}

fn request_in(location: &str) -> Uuid {
    Uuid::parse_str(&location.trim_start_matches("/registry/request/")[..36]).unwrap()
}

async fn count_requests(store: &dyn Store, h: &RegistryHousehold) -> usize {
    store
        .registry_requests_of_household(h.id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_change_form_sent_twice_is_one_request_also_after_a_restart() {
    let app = app().await;
    let h = in_registry(app.store.as_ref(), 70, "Joko Kota").await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let page = op
        .refresh_csrf(&format!(
            "/registry/household/{}/change?kind=member_phone",
            h.id
        ))
        .await;
    let id = hidden(&page.body, "request_id");
    assert_eq!(Uuid::parse_str(&id).unwrap().get_version_num(), 7);
    let member = h.members[1].id.to_string();
    let fields = [
        ("kind", "member_phone"),
        ("request_id", id.as_str()),
        ("member", member.as_str()),
        ("phone", "0812-3456-7890"),
        ("reason", "nomor baru"),
    ];
    let uri = format!("/registry/household/{}/change", h.id);
    let first = op.post_form(&uri, &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(
        first.header("location"),
        format!("/registry/request/{id}?done=saved")
    );
    let second = op.post_form(&uri, &fields).await;
    assert_eq!(
        second.header("location"),
        format!("/registry/request/{id}?done=already")
    );
    assert!(op
        .get(second.header("location"))
        .await
        .body
        .contains("sudah tercatat sebelumnya"));

    // A new server process on the same database: nothing in memory, the same answer.
    let again = app.restarted().await;
    let browser = again.browser();
    assert_eq!(
        browser.sign_in(&op.username, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    browser
        .refresh_csrf(&format!("/registry/household/{}", h.id))
        .await;
    let third = browser.post_form(&uri, &fields).await;
    assert_eq!(third.status, StatusCode::SEE_OTHER, "{}", third.body);
    assert!(third.header("location").ends_with("done=already"));
    assert_eq!(
        count_requests(app.store.as_ref(), &h).await,
        2,
        "the household's own request and one phone change"
    );

    // Another officer of the same village cannot reuse the id; ids that are not UUIDv7 are refused.
    app.create_officer("desa.kota.dua", Role::VillageOperator, A)
        .await;
    let colleague = app.browser();
    colleague.sign_in("desa.kota.dua", PASSWORD).await;
    colleague
        .refresh_csrf(&format!("/registry/household/{}", h.id))
        .await;
    let r = colleague.post_form(&uri, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let not_v7 = Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef).to_string();
    for forged in [not_v7.as_str(), "bukan-uuid"] {
        let r = op
            .post_form(
                &uri,
                &[
                    ("kind", "member_phone"),
                    ("request_id", forged),
                    ("member", member.as_str()),
                    ("phone", "081234567890"),
                    ("reason", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{forged}");
    }
    assert_eq!(count_requests(app.store.as_ref(), &h).await, 2);
}

async fn add_task(
    store: &dyn Store,
    h: &RegistryHousehold,
    kind: TaskKind,
    member: Option<Uuid>,
) -> Uuid {
    let audit = AuditEntry {
        actor: Uuid::nil(),
        role: Role::Admin,
        action: AuditAction::Task,
        object: ObjectKind::Task,
        object_id: None,
        region: Some(h.village),
        purpose: "test.task".into(),
        client: None,
    };
    let task = NewTask {
        village: h.village,
        household: h.id,
        member,
        kind,
        source: "test".into(),
    };
    store.registry_add_tasks(&[task], &audit).await.unwrap();
    store
        .registry_tasks(
            TaskState::Open,
            &tepat_domain::Scope::Within(h.village),
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.household == h.id && t.kind == kind)
        .unwrap()
        .id
}

#[tokio::test]
async fn an_open_task_opens_its_prefilled_form_and_the_request_closes_it() {
    let app = app().await;
    let store = app.store.as_ref();
    let h = in_registry(store, 71, "Slamet Kota").await;
    let wife = h.members[1].id;
    let death = add_task(store, &h, TaskKind::Death, Some(wife)).await;
    let reverify = add_task(store, &h, TaskKind::Reverify, None).await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;

    let page = op.get(&format!("/registry/household/{}", h.id)).await;
    let link = format!(
        "/registry/household/{}/change?kind=death&#38;task={death}",
        h.id
    );
    assert!(page.body.contains(&link), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("kind=survey_update&#38;task={reverify}")));

    // The link opens the death form with the member chosen and the task carried along.
    let form = op
        .refresh_csrf(&format!(
            "/registry/household/{}/change?kind=death&task={death}",
            h.id
        ))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form
        .body
        .contains(&format!("<option value=\"{wife}\" selected>")));
    assert_eq!(hidden(&form.body, "task"), death.to_string());
    assert!(form.body.contains("id=\"from-task\""));

    // A death does not do the re-verification's work: explained, nothing entered, still open.
    let before = count_requests(store, &h).await;
    let today = Utc::now().date_naive().to_string();
    let wife_s = wife.to_string();
    let reverify_s = reverify.to_string();
    let (_, wrong) = send_change(
        &op,
        &h,
        "death",
        &[
            ("task", reverify_s.as_str()),
            ("member", wife_s.as_str()),
            ("date", today.as_str()),
        ],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("bukan yang diminta tugas"),
        "{}",
        wrong.body
    );
    assert_eq!(count_requests(store, &h).await, before);

    // Submitting the prefilled form enters the death and closes the task in one go.
    let death_s = death.to_string();
    let (id, done) = send_change(
        &op,
        &h,
        "death",
        &[
            ("task", death_s.as_str()),
            ("member", wife_s.as_str()),
            ("date", today.as_str()),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(request_in(done.header("location")).to_string(), id);
    let task = store
        .registry_task(&h.village, death)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(task.state, TaskState::Done);
    let page = op.get(&format!("/registry/household/{}", h.id)).await;
    assert!(!page.body.contains(&format!("task={death}")));
    assert!(page.body.contains(&format!("task={reverify}")));
    // The done task's form is not offered again.
    let closed = op
        .get(&format!(
            "/registry/household/{}/change?kind=death&task={death}",
            h.id
        ))
        .await;
    assert_eq!(closed.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Village B's operator cannot open it; another household does not have it.
    let b = app.sign_in_as(Role::VillageOperator, B).await;
    let r = b
        .get(&format!(
            "/registry/household/{}/change?kind=survey_update&task={reverify}",
            h.id
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let other = in_registry(store, 72, "Bambang Kota").await;
    let r = op
        .get(&format!(
            "/registry/household/{}/change?kind=survey_update&task={reverify}",
            other.id
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let still = store
        .registry_task(&code(A), reverify)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.state, TaskState::Open);
}

#[tokio::test]
async fn phone_account_and_move_forms_explain_errors_at_the_field_and_keep_the_input() {
    let app = app().await;
    let store = app.store.as_ref();
    let h = in_registry(store, 73, "Rudi Kota").await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let member = h.members[1].id.to_string();

    // Phone.
    let (_, r) = send_change(
        &op,
        &h,
        "member_phone",
        &[("member", member.as_str()), ("phone", "12345")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Nomor HP: nomor HP harus nomor seluler"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"12345\""), "kept");
    let (_, r) = send_change(
        &op,
        &h,
        "member_phone",
        &[("member", member.as_str()), ("phone", "+62 812 3456 7890")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        !r.header("location").contains("3456"),
        "no number in the URL"
    );
    let stored = store
        .registry_request(request_in(r.header("location")))
        .await
        .unwrap()
        .unwrap();
    match stored.submission.change {
        Change::MemberPhone { phone, .. } => assert_eq!(phone.digits(), "081234567890"),
        other => panic!("{other:?}"),
    }

    // Payment account: each part's problem beside its own field.
    let (_, r) = send_change(
        &op,
        &h,
        "payment_account",
        &[("provider", "b r i!"), ("account_number", "12")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("penyedia rekening harus kode singkat"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"b r i!\""), "kept");
    let (_, r) = send_change(
        &op,
        &h,
        "payment_account",
        &[("provider", "bri"), ("account_number", "12")],
    )
    .await;
    assert!(
        r.body
            .contains("Nomor rekening: nomor rekening harus 6–20 angka"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"12\""), "kept");
    let (_, r) = send_change(
        &op,
        &h,
        "payment_account",
        &[("provider", "BRI"), ("account_number", "0123 4567 8901")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!r.header("location").contains("4567"));
    let request = request_in(r.header("location"));
    let page = op.get(&format!("/registry/request/{request}")).await;
    assert!(page.body.contains("012345678901"), "shown to the officer");

    // A move's position: both coordinates or neither, inside Indonesia.
    let moved = |lat: &'static str, lon: &'static str| {
        vec![
            ("village", "19.02.01.1005"),
            ("address", "Jalan Pindah 3"),
            ("rt", "004"),
            ("rw", "001"),
            ("latitude", lat),
            ("longitude", lon),
        ]
    };
    let (_, r) = send_change(&op, &h, "household_moved", &moved("40.1", "107.6")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Lokasi: lokasi di luar Indonesia"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"40.1\"") && r.body.contains("value=\"Jalan Pindah 3\""));
    let (_, r) = send_change(&op, &h, "household_moved", &moved("-2,74", "")).await;
    assert!(
        r.body.contains("keduanya atau tidak sama sekali"),
        "{}",
        r.body
    );
    // In English on request.
    op.get("/home?lang=en").await;
    let (_, r) = send_change(&op, &h, "household_moved", &moved("40.1", "107.6")).await;
    assert!(
        r.body.contains("Location: location is outside Indonesia"),
        "{}",
        r.body
    );
    let (_, r) = send_change(
        &op,
        &h,
        "member_phone",
        &[("member", member.as_str()), ("phone", "0812")],
    )
    .await;
    assert!(
        r.body
            .contains("Mobile number: phone number must be a mobile number"),
        "{}",
        r.body
    );
    let (_, r) = send_change(&op, &h, "household_moved", &moved("-2.74", "107.65")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = store
        .registry_request(request_in(r.header("location")))
        .await
        .unwrap()
        .unwrap();
    match stored.submission.change {
        Change::HouseholdMoved { location, .. } => {
            let l = location.expect("a position");
            assert_eq!((l.latitude(), l.longitude()), (-2.74, 107.65));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn phone_and_account_numbers_stay_out_of_the_logs() {
    let buffer = crate::support::LogBuffer::default();
    // See logs.rs: a second dispatcher makes tracing ask every one of them at each call site.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let subscriber =
        tepat_web::telemetry::log_subscriber("trace", tepat_web::LogFormat::Text, buffer.clone())
            .unwrap();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app().await;
    let h = in_registry(app.store.as_ref(), 75, "Wawan Kota").await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let member = h.members[1].id.to_string();
    for phone in ["0812-9876-5432", "0812"] {
        send_change(
            &op,
            &h,
            "member_phone",
            &[("member", member.as_str()), ("phone", phone)],
        )
        .await;
    }
    for number in ["9876543210123", "98"] {
        send_change(
            &op,
            &h,
            "payment_account",
            &[("provider", "bni"), ("account_number", number)],
        )
        .await;
    }
    let logs = buffer.contents();
    assert!(
        logs.contains("/registry/household/"),
        "requests are logged: {logs}"
    );
    // Long enough not to turn up by chance inside an id or a time.
    for secret in ["98765432", "9876-5432", "9876543210123"] {
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
}

mod phone {
    //! The same in a real headless Chromium at 360 px: every page on the way fits without sideways
    //! scrolling, and a form with an error keeps what was typed.

    use fantoccini::{Client, Locator};
    use serde_json::json;

    use super::*;
    use crate::browser::Browser;

    async fn fill(c: &Client, id: &str, text: &str) {
        let field = c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no #{id}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(c: &Client, css: &str) {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    async fn wait_for(c: &Client, css: &str) {
        c.wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
    }

    async fn value_of(c: &Client, id: &str) -> Option<String> {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
    }

    async fn fits(browser: &Browser, what: &str) {
        assert_eq!(browser.horizontal_overflow().await, 0, "{what} at 360 px");
    }

    #[tokio::test]
    async fn a_task_becomes_its_request_and_the_new_forms_fit_a_phone() {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let app = app().await;
        let store = app.store.as_ref();
        let h = in_registry(store, 74, "Darto Kota").await;
        let wife = h.members[1].id;
        let death = add_task(store, &h, TaskKind::Death, Some(wife)).await;
        app.create_officer("desa.kota", Role::VillageOperator, A)
            .await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr, server) = app
            .spawn(async {
                let _ = stopped.await;
            })
            .await;
        let base = format!("http://{addr}");
        let c = &browser.client;
        c.goto(&format!("{base}/signin")).await.unwrap();
        fill(c, "username", "desa.kota").await;
        fill(c, "password", PASSWORD).await;
        click(c, "main button[type=submit]").await;
        wait_for(c, "#role").await;

        // From the household page's task to its prefilled form, and the request.
        c.goto(&format!("{base}/registry/household/{}", h.id))
            .await
            .unwrap();
        wait_for(c, "#tasks a.task-action").await;
        fits(&browser, "household page with a task").await;
        click(c, "#tasks a.task-action").await;
        wait_for(c, "#from-task").await;
        fits(&browser, "death form from a task").await;
        assert_eq!(value_of(c, "member").await, Some(wife.to_string()));
        c.execute(
            "document.getElementById('date').value = arguments[0];",
            vec![json!(Utc::now().date_naive().to_string())],
        )
        .await
        .unwrap();
        fill(c, "reason", "meninggal menurut data kependudukan").await;
        click(c, "#change-submit").await;
        wait_for(c, "#notice").await;
        fits(&browser, "the death's request").await;
        let task = store
            .registry_task(&h.village, death)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(task.state, TaskState::Done);

        // The payment account: an error beside the field, the input kept, then saved.
        c.goto(&format!(
            "{base}/registry/household/{}/change?kind=payment_account",
            h.id
        ))
        .await
        .unwrap();
        wait_for(c, "#change-form").await;
        fits(&browser, "payment account form").await;
        fill(c, "provider", "bri").await;
        fill(c, "account_number", "12").await;
        fill(c, "reason", "rekening baru").await;
        click(c, "#change-submit").await;
        wait_for(c, ".field-error").await;
        fits(&browser, "payment account form with an error").await;
        assert_eq!(value_of(c, "account_number").await.as_deref(), Some("12"));
        assert_eq!(value_of(c, "provider").await.as_deref(), Some("bri"));
        fill(c, "account_number", "012345678901").await;
        click(c, "#change-submit").await;
        wait_for(c, "#notice").await;
        assert!(!c.current_url().await.unwrap().as_str().contains("5678"));

        // The move's and the phone's forms fit as well.
        for kind in ["household_moved", "member_phone"] {
            c.goto(&format!(
                "{base}/registry/household/{}/change?kind={kind}",
                h.id
            ))
            .await
            .unwrap();
            wait_for(c, "#change-form").await;
            fits(&browser, kind).await;
        }

        browser.close().await;
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}
