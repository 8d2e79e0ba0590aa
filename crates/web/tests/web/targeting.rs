//! The targeting pages through the real router on a generated Belitung: an admin edits a program (new
//! version; a bad rule answered with its column under a caret; a stale version refused), a verifier runs
//! a program and sees the simulation, an approver approves with a decree once, a village operator sees
//! only their village's list and cannot run or approve, appeals are filed and decided, and every form
//! refuses a POST without its CSRF token.

use std::sync::OnceLock;

use axum::http::StatusCode;
use chrono::NaiveDate;
use tepat_core::access::{Actor, ManagePrograms, RunTargeting};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs::{self, Edit};
use tepat_core::targeting::rank::rank_households;
use tepat_domain::program::Quota;
use tepat_domain::{Desil, HouseholdFacts, RegionCode, Role, Rupiah, Scope};
use tepat_regions::RegionTable;
use tepat_store::{Store, WelfareRank};
use tepat_targeting::pmt::Model;
use tepat_targeting::survey_file;
use uuid::Uuid;

use crate::officer::Officer;
use crate::registry::{approve_rest, household, propose, village_verifies, A, B};
use crate::support::{Response, TestApp};

const BELITUNG: &str = "19.02";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// A small generated Belitung, read once per test binary.
fn generated() -> &'static [HouseholdFacts] {
    static FACTS: OnceLock<Vec<HouseholdFacts>> = OnceLock::new();
    FACTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut opts = tepat_generate::GenerateOptions::new(dir.path(), 11, today);
        opts.persons = Some(2_000);
        tepat_generate::generate(&opts, RegionTable::embedded(), &|_, _| {}).unwrap();
        survey_file::read_dir(dir.path())
            .unwrap()
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    })
}

/// The app with the built-in programs stored; with `facts`, the generated households loaded and ranked.
async fn app(facts: bool) -> TestApp {
    let app = TestApp::new().await;
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    if facts {
        store.load_targeting_facts(generated()).await.unwrap();
        let verifier = Actor::for_tests(Role::Verifier, Scope::Within(code(BELITUNG)));
        let grant = verifier.may::<RunTargeting>(&code(BELITUNG)).unwrap();
        let on = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
        rank_households(store, &grant, &Model::builtin(), on)
            .await
            .unwrap();
    }
    app
}

/// The form fields of program `code` as stored, with `change` applied.
async fn program_fields(store: &dyn Store, code: &str) -> Vec<(String, String)> {
    let p = programs::get(store, code).await.unwrap();
    vec![
        ("version".into(), p.version.to_string()),
        ("name_id".into(), p.name_id.clone()),
        ("name_en".into(), p.name_en.clone()),
        ("start".into(), p.start.to_string()),
        ("end".into(), p.end.to_string()),
        (
            "budget".into(),
            p.budget.map(|b| b.amount().to_string()).unwrap_or_default(),
        ),
        ("quotas".into(), String::new()),
        ("exclusive_with".into(), p.exclusive_with.join(", ")),
        ("rule".into(), p.rule.clone()),
        ("toml".into(), p.def().to_toml()),
        ("note".into(), "uji".into()),
    ]
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| k == name).unwrap().1 = value.to_owned();
}

async fn post(officer: &Officer<'_>, uri: &str, fields: &[(String, String)]) -> Response {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    officer.post_form(uri, &refs).await
}

#[tokio::test]
async fn an_admin_edits_a_program_and_bad_or_stale_edits_are_refused() {
    let app = app(false).await;
    let store = app.store.as_ref();
    let admin = app.sign_in_as(Role::Admin, "*").await;
    let list = admin.get("/program").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("href=\"/program/PKH\""));
    assert!(list.body.contains("href=\"/program\""), "menu entry");
    let form = admin.refresh_csrf("/program/SEMBAKO/ubah").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("hx-post=\"/program/periksa-aturan\""));

    let mut fields = program_fields(store, "SEMBAKO").await;
    set(&mut fields, "budget", "7000000000");
    let saved = post(&admin, "/program/SEMBAKO/ubah", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.header("location"), "/program/SEMBAKO?done=saved");
    let detail = admin.get("/program/SEMBAKO").await;
    assert!(detail.body.contains("Versi 2"), "{}", detail.body);
    assert!(detail.body.contains("Rp7.000.000.000"));
    assert!(detail.body.contains("id=\"definition\""));
    assert!(detail.body.contains("budget = 7000000000"));
    assert_eq!(detail.body.matches("<td class=\"num\">").count(), 2);

    // A rule with an unknown field: 422, the message, the caret under column 16, the input kept.
    let mut bad = program_fields(store, "SEMBAKO").await;
    set(&mut bad, "rule", "desil <= 4 and umur > 3");
    set(&mut bad, "name_id", "Nama yang diketik");
    let refused = post(&admin, "/program/SEMBAKO/ubah", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"rule-error\""));
    assert!(
        refused
            .body
            .contains("desil &#60;= 4 and umur &#62; 3\n               ^^^^"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"Nama yang diketik\""));
    assert_eq!(programs::get(store, "SEMBAKO").await.unwrap().version, 2);

    // Someone still on version 1 is told to reload.
    let mut stale = program_fields(store, "SEMBAKO").await;
    set(&mut stale, "version", "1");
    let refused = post(&admin, "/program/SEMBAKO/ubah", &stale).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("muat ulang"), "{}", refused.body);
    assert_eq!(programs::get(store, "SEMBAKO").await.unwrap().version, 2);

    // The live check.
    let check = admin
        .post_form("/program/periksa-aturan", &[("rule", "desil <= 4 and")])
        .await;
    assert_eq!(check.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(check.body.contains("id=\"rule-error\""));
    let check = admin
        .post_form("/program/periksa-aturan", &[("rule", "desil <= 4")])
        .await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.body.contains("id=\"rule-ok\""));

    // Officers other than admins may look but not edit.
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    assert_eq!(
        verifier.get("/program/SEMBAKO").await.status,
        StatusCode::OK
    );
    let edit = verifier.get("/program/SEMBAKO/ubah").await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let post_edit = post(&verifier, "/program/SEMBAKO/ubah", &fields).await;
    assert_eq!(post_edit.status, StatusCode::FORBIDDEN);
}

/// The location's last path segment as a run id.
fn run_id(r: &Response) -> Uuid {
    let location = r.header("location");
    Uuid::parse_str(location.rsplit('/').next().unwrap()).unwrap()
}

#[tokio::test]
async fn a_verifier_runs_an_approver_approves_once_and_a_village_sees_only_itself() {
    let app = app(true).await;
    let store = app.store.as_ref();
    // A small quota, so that the run has a waitlist.
    let admin = Actor::for_tests(Role::Admin, Scope::All);
    let grant = admin.may_anywhere::<ManagePrograms>().unwrap();
    let mut def = programs::get(store, "SEMBAKO").await.unwrap().def().clone();
    def.quotas = vec![Quota {
        region: code(BELITUNG),
        households: 20,
    }];
    programs::save(
        store,
        &grant,
        "SEMBAKO",
        1,
        Edit::Def(Box::new(def)),
        "kuota uji",
        &Origin::now(None),
    )
    .await
    .unwrap();
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let runs = verifier.refresh_csrf("/penargetan/SEMBAKO").await;
    assert_eq!(runs.status, StatusCode::OK, "{}", runs.body);
    assert!(runs.body.contains("id=\"run-form\""));
    let ran = verifier
        .post_form("/penargetan/SEMBAKO/jalankan", &[("on", "2027-02-01")])
        .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    let id = run_id(&ran);
    let page = verifier.get(&format!("/penargetan/hasil/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for part in [
        "id=\"summary\"",
        "id=\"gini\"",
        "id=\"by-district\"",
        "id=\"by-village\"",
    ] {
        assert!(page.body.contains(part), "{part}");
    }
    assert!(
        !page.body.contains("id=\"approve-form\""),
        "verifiers do not approve"
    );

    // Two villages of the run.
    let rows = store
        .candidates(id, &Scope::All, None, None, 10_000)
        .await
        .unwrap();
    // Village A: one with households left out (waitlisted or excluded) when the run has any.
    let left_out =
        |r: &tepat_store::CandidateRow| r.status != tepat_store::CandidateStatus::Candidate;
    let village_a = rows
        .iter()
        .find(|r| left_out(r))
        .unwrap_or(&rows[0])
        .village;
    let village_b = rows
        .iter()
        .find(|r| r.village != village_a)
        .unwrap()
        .village;
    let in_b = rows
        .iter()
        .find(|r| r.village == village_b)
        .unwrap()
        .household;
    let list = verifier
        .get(&format!(
            "/penargetan/hasil/{id}?desa={}",
            village_a.dotted()
        ))
        .await;
    assert!(list.body.contains("id=\"candidates\""));
    // Reasons: the selection's in words and each rule part's outcome.
    assert!(
        list.body
            .contains("daftar tunggu: kuota wilayah 19.02 sudah penuh"),
        "{}",
        list.body
    );
    assert!(list.body.contains(": lolos"));
    let switched = verifier
        .get(&format!(
            "/penargetan/hasil/{id}?desa={}&lang=en",
            village_a.dotted()
        ))
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let english = verifier.get(switched.header("location")).await;
    assert!(english
        .body
        .contains("waitlisted: the quota of region 19.02 is full"));
    assert!(english.body.contains("Simulation"));
    assert!(list.body.contains(&format!(
        "href=\"/registry/household/{}\"",
        rows[0].household
    )));

    // The operator of village A: their list by default, not B's, no run, no approval.
    let op = app
        .sign_in_as(Role::VillageOperator, &village_a.dotted())
        .await;
    let own = op.get(&format!("/penargetan/hasil/{id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("id=\"candidates\""));
    assert!(!own.body.contains(&in_b.to_string()));
    assert!(!own.body.contains("id=\"by-district\""));
    // The operator may appeal for the households left out, and only for them.
    assert!(rows.iter().any(|r| r.village == village_a && left_out(r)));
    assert_eq!(
        own.body.contains("/sanggahan?program=SEMBAKO&#38;run="),
        rows.iter().any(|r| r.village == village_a && left_out(r))
    );
    let other = op
        .get(&format!(
            "/penargetan/hasil/{id}?desa={}",
            village_b.dotted()
        ))
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(!other.body.contains(&in_b.to_string()));
    let ran = op
        .post_form("/penargetan/SEMBAKO/jalankan", &[("on", "2027-02-01")])
        .await;
    assert_eq!(ran.status, StatusCode::FORBIDDEN);
    let approve_uri = format!("/penargetan/hasil/{id}/tetapkan");
    let approved = op.post_form(&approve_uri, &[("decree", "1/2027")]).await;
    assert_eq!(approved.status, StatusCode::FORBIDDEN);

    // The approver: an empty decree is refused, a decree approves, a second approval is refused.
    let approver = app.sign_in_as(Role::Approver, BELITUNG).await;
    let page = approver
        .refresh_csrf(&format!("/penargetan/hasil/{id}"))
        .await;
    assert!(page.body.contains("id=\"approve-form\""));
    let empty = approver.post_form(&approve_uri, &[("decree", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("nomor SK kosong"));
    let decree = "400/12/DINSOS/2027";
    let approved = approver
        .post_form(&approve_uri, &[("decree", decree)])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = approver.get(&format!("/penargetan/hasil/{id}")).await;
    assert!(page.body.contains(decree));
    assert!(!page.body.contains("id=\"approve-form\""));
    let again = approver
        .post_form(&approve_uri, &[("decree", "401/12/DINSOS/2027")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("bukan draf"), "{}", again.body);
    let run = store.run(id).await.unwrap().unwrap();
    assert_eq!(run.decree_number.as_deref(), Some(decree));
}

#[tokio::test]
async fn an_appeal_is_filed_from_the_household_and_decided_once_in_scope() {
    let app = app(false).await;
    let store = app.store.as_ref();
    let h = household(A, 81, "Ahmad Sanggah");
    let id = h.id;
    propose(store, h).await;
    let op_a = app.sign_in_as(Role::VillageOperator, A).await;
    let household_page = op_a.get(&format!("/registry/household/{id}")).await;
    assert_eq!(household_page.status, StatusCode::OK);
    assert!(household_page.body.contains("id=\"targeting\""));
    assert!(household_page
        .body
        .contains(&format!("href=\"/registry/household/{id}/sanggahan\"")));

    let form_uri = format!("/registry/household/{id}/sanggahan");
    let form = op_a.refresh_csrf(&form_uri).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let empty = op_a
        .post_form(&form_uri, &[("program", "PKH"), ("grounds", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let grounds = "<b>Anak sekolah</b> belum tercatat";
    let filed = op_a
        .post_form(&form_uri, &[("program", "PKH"), ("grounds", grounds)])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);

    // Village B's operator may not appeal for A's household; village operators do not review.
    let op_b = app.sign_in_as(Role::VillageOperator, B).await;
    assert_eq!(op_b.get(&form_uri).await.status, StatusCode::FORBIDDEN);
    let forged = op_b
        .post_form(&form_uri, &[("program", "PKH"), ("grounds", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(op_a.get("/sanggahan").await.status, StatusCode::FORBIDDEN);

    // A verifier of another kecamatan does not see it; Belitung's does, and decides it once.
    let elsewhere = app.sign_in_as(Role::Verifier, "19.02.02").await;
    let queue = elsewhere.get("/sanggahan").await;
    assert!(queue.body.contains("id=\"appeals-none\""));
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let queue = verifier.get("/sanggahan").await;
    assert_eq!(queue.status, StatusCode::OK);
    let href = queue
        .body
        .split("href=\"/sanggahan/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/sanggahan/{rest}"))
        .expect("an appeal in the queue");
    assert_eq!(elsewhere.get(&href).await.status, StatusCode::FORBIDDEN);
    let page = verifier.refresh_csrf(&href).await;
    assert!(
        page.body.contains("&#60;b&#62;Anak sekolah&#60;/b&#62;"),
        "escaped"
    );
    assert!(!page.body.contains(grounds));
    let no_reason = verifier
        .post_form(&href, &[("decision", "upheld"), ("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let decided = verifier
        .post_form(
            &href,
            &[
                ("decision", "upheld"),
                ("reason", "data sekolah diperiksa ulang"),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let page = verifier.get(&format!("{href}?done=decided")).await;
    assert!(page.body.contains("id=\"decision\""));
    assert!(!page.body.contains("id=\"decide-form\""));
    let again = verifier
        .post_form(&href, &[("decision", "rejected"), ("reason", "lagi")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("sudah diputuskan"));
}

#[tokio::test]
async fn every_targeting_form_refuses_a_post_without_its_csrf_token() {
    let app = app(false).await;
    let h = household(A, 82, "Budi Token");
    let id = h.id;
    propose(app.store.as_ref(), h).await;
    let admin = app.sign_in_as(Role::Admin, "*").await;
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let approver = app.sign_in_as(Role::Approver, BELITUNG).await;
    let run = Uuid::now_v7();
    let appeal = format!("/sanggahan/{A}/{}", Uuid::now_v7());
    let household_form = format!("/registry/household/{id}/sanggahan");
    let approve = format!("/penargetan/hasil/{run}/tetapkan");
    let cases: [(&Officer<'_>, &str, &str); 6] = [
        (&admin, "/program/SEMBAKO/ubah", "name_id=x"),
        (&admin, "/program/periksa-aturan", "rule=desil"),
        (&verifier, "/penargetan/SEMBAKO/jalankan", "on=2027-02-01"),
        (&approver, &approve, "decree=1"),
        (&verifier, &appeal, "decision=upheld&reason=x"),
        (&verifier, &household_form, "program=PKH&grounds=x"),
    ];
    for (officer, uri, body) in cases {
        let r = officer.post_raw(uri, body, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}: {}", r.body);
        let forged = officer
            .post_raw(uri, &format!("csrf=not-the-token&{body}"), &[])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert_eq!(
        programs::get(app.store.as_ref(), "SEMBAKO")
            .await
            .unwrap()
            .version,
        1
    );
}

#[tokio::test]
async fn the_household_page_shows_the_welfare_rank_to_readers_of_targeting() {
    let app = app(false).await;
    let store = app.store.as_ref();
    let h = household(A, 83, "Citra Desil");
    let id = h.id;
    let request = propose(store, h).await;
    village_verifies(store, A, request).await;
    approve_rest(store, request).await;
    let rank = WelfareRank {
        household: id,
        welfare: Rupiah::new(612_345),
        desil: Desil::new(3).unwrap(),
    };
    assert_eq!(store.set_welfare(&[rank]).await.unwrap(), 1);
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let page = verifier.get(&format!("/registry/household/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<dd id=\"desil\">3</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<dd id=\"welfare\">Rp612.345</dd>"));
    assert!(page.body.contains("id=\"enrolments-none\""));
    // Verifiers may appeal too; approvers review but do not file.
    assert!(page.body.contains("id=\"file-appeal\""));
    let approver = app.sign_in_as(Role::Approver, BELITUNG).await;
    let page = approver.get(&format!("/registry/household/{id}")).await;
    assert!(page.body.contains("id=\"targeting\""));
    assert!(!page.body.contains("id=\"file-appeal\""));
}

mod phone {
    //! The targeting pages in a real headless Chromium at a phone's width (360 px): the program page with
    //! PKH's long rule, the editor's live rule check (htmx) with its caret, a verifier's run and a
    //! village's list. Every page must fit without sideways scrolling.

    use fantoccini::{Client, Locator};
    use tepat_domain::Role;

    use crate::browser::Browser;
    use crate::officer::PASSWORD;

    async fn fill(c: &Client, id: &str, text: &str) {
        let field = c.find(Locator::Id(id)).await.unwrap();
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

    async fn fits(browser: &Browser, what: &str) {
        let wide = browser
            .client
            .execute(
                "const w = document.documentElement.clientWidth; const out = []; const it = document.createNodeIterator(document.body, NodeFilter.SHOW_TEXT); let n; while ((n = it.nextNode())) { if (n.parentElement.closest('.table-scroll')) continue; const r = document.createRange(); r.selectNodeContents(n); if (r.getBoundingClientRect().right > w) out.push(n.parentElement.tagName + '.' + n.parentElement.className + ': ' + n.textContent.slice(0, 50)); } return out.slice(0, 8).join(' | ');",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            browser.horizontal_overflow().await,
            0,
            "{what} at 360 px: {wide}"
        );
    }

    async fn sign_in(c: &Client, base: &str, username: &str) {
        c.goto(&format!("{base}/signin")).await.unwrap();
        fill(c, "username", username).await;
        fill(c, "password", PASSWORD).await;
        click(c, "main button[type=submit]").await;
        wait_for(c, "#role").await;
    }

    #[tokio::test]
    async fn programs_runs_and_lists_fit_a_phone_and_the_rule_is_checked_as_typed() {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let app = super::app(true).await;
        app.create_officer("admin.program", Role::Admin, "*").await;
        app.create_officer("verifikator", Role::Verifier, super::BELITUNG)
            .await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr, server) = app
            .spawn(async {
                let _ = stopped.await;
            })
            .await;
        let base = format!("http://{addr}");
        let c = &browser.client;

        sign_in(c, &base, "admin.program").await;
        click(c, ".officer-nav a[href=\"/program\"]").await;
        wait_for(c, "#programs").await;
        fits(&browser, "programs").await;
        c.goto(&format!("{base}/program/PKH")).await.unwrap();
        wait_for(c, "#history").await;
        fits(&browser, "PKH with its long rule").await;
        click(c, "#edit").await;
        wait_for(c, "#edit-form").await;
        fits(&browser, "the program editor").await;
        fill(c, "rule", "desil <= 4 and umur > 3").await;
        wait_for(c, "#rule-error").await;
        let shown = browser.text_of("#rule-error").await;
        assert!(shown.contains("^^^^"), "{shown}");
        assert!(shown.contains("umur"), "{shown}");
        fits(&browser, "the rule error").await;
        fill(c, "rule", "desil <= 4").await;
        wait_for(c, "#rule-ok").await;
        click(c, "form.who button").await;
        wait_for(c, "#username").await;

        sign_in(c, &base, "verifikator").await;
        c.goto(&format!("{base}/penargetan/SEMBAKO")).await.unwrap();
        wait_for(c, "#run-form").await;
        click(c, "#run-form button[type=submit]").await;
        wait_for(c, "#summary").await;
        fits(&browser, "the run's simulation").await;
        click(c, "#by-village a").await;
        wait_for(c, "#candidates").await;
        fits(&browser, "a village's list").await;

        browser.close().await;
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}
