//! The registry in a real headless Chromium at a phone's width (360 px): a village operator enters a
//! proposal and verifies it in the field with the needs survey, then the district, Dinas Sosial's
//! verifier and the approver each sign in through the sign-in page and take their step, until the
//! household is in the registry. Every page on the way must fit the screen without sideways scrolling.

use chrono::{NaiveDate, Utc};
use fantoccini::{Client, Locator};
use serde_json::json;
use tepat_domain::{Nik, RegionCode, Role, Sex};

use crate::browser::Browser;
use crate::officer::PASSWORD;
use crate::registry::A;
use crate::support::{belitung, TestApp};

async fn fill(c: &Client, id: &str, text: &str) {
    let field = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn choose(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("#{id} = {value}: {e}"));
}

/// Date inputs show the phone's own picker (dd/mm/yyyy in Indonesian); set the value the picker would.
async fn set_date(c: &Client, id: &str, date: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(date)],
    )
    .await
    .unwrap();
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
    assert_eq!(browser.horizontal_overflow().await, 0, "{what} at 360 px");
}

async fn sign_in(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/signin")).await.unwrap();
    fill(c, "username", username).await;
    fill(c, "password", PASSWORD).await;
    click(c, "main button[type=submit]").await;
    wait_for(c, "#role").await;
}

async fn sign_out(c: &Client) {
    click(c, "form.who button").await;
    wait_for(c, "#username").await;
}

/// From the officer's menu to their queue, and the oldest request in it.
async fn open_first_in_queue(browser: &Browser, level: &str) {
    let c = &browser.client;
    click(
        c,
        &format!(".officer-nav a[href=\"/registry/queue/{level}\"]"),
    )
    .await;
    wait_for(c, "#queue").await;
    fits(browser, "queue").await;
    click(c, "#queue a").await;
    wait_for(c, "#your-turn").await;
    fits(browser, "request page").await;
}

#[tokio::test]
async fn a_proposal_is_entered_verified_reviewed_and_approved_on_phones() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().population(belitung(3, 0)).build().await;
    for (name, role, scope) in [
        ("desa.kota", Role::VillageOperator, A),
        ("kec.tanjungpandan", Role::DistrictOperator, "19.02.01"),
        ("verifikator", Role::Verifier, "19.02"),
        ("pengesah", Role::Approver, "19.02"),
        ("auditor", Role::Auditor, "*"),
    ] {
        app.create_officer(name, role, scope).await;
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;

    // The village operator enters the household of the population extract's first KK of village A.
    sign_in(c, &base, "desa.kota").await;
    click(c, ".officer-nav a[href=\"/registry/new\"]").await;
    wait_for(c, "#new-form").await;
    assert!(browser.text_of("h1").await.contains("Usulan keluarga baru"));
    fits(&browser, "new proposal form").await;
    let nik = Nik::from_parts(
        RegionCode::parse("19.02.01").unwrap(),
        Sex::LakiLaki,
        NaiveDate::from_ymd_opt(1980, 3, 12).unwrap(),
        1,
    )
    .unwrap();
    fill(c, "kk", "1902010000000001").await;
    fill(c, "address", "Jalan Contoh 1").await;
    fill(c, "rt", "001").await;
    fill(c, "rw", "002").await;
    fill(c, "m0_nik", nik.digits()).await;
    fill(c, "m0_name", "Warga 1 O").await;
    choose(c, "m0_sex", "L").await;
    set_date(c, "m0_birth", "1980-03-12").await;
    choose(c, "m0_rel", "kepala_keluarga").await;
    fill(c, "reason", "keluarga nelayan tidak mampu").await;
    // Checked before saving (htmx replaces only the findings): the typo in the name is reported.
    // A mark on the page shows that it was not reloaded.
    c.execute("window.tepatMark = 1;", vec![]).await.unwrap();
    click(c, "#check").await;
    wait_for(c, "#findings").await;
    let mark = c
        .execute("return window.tepatMark === 1;", vec![])
        .await
        .unwrap();
    assert_eq!(mark, json!(true), "htmx updated the findings in place");
    assert!(browser.text_of("#findings").await.contains("nama"));
    let kept = c
        .find(Locator::Id("m0_name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Warga 1 O"), "the input stays");
    fill(c, "m0_name", "Warga 1 0").await;
    click(c, "#save").await;
    wait_for(c, "#household").await;
    assert!(browser.text_of("#state").await.contains("diusulkan"));
    fits(&browser, "household page").await;

    // The same operator after the field visit: the verification with the needs survey.
    open_first_in_queue(&browser, "village").await;
    set_date(c, "visited_on", &Utc::now().date_naive().to_string()).await;
    for (id, value) in [
        ("hs_floor", "tanah"),
        ("hs_wall", "bambu"),
        ("hs_roof", "seng"),
        ("hs_water", "sumur_terlindung"),
        ("hs_sanitation", "bersama"),
        ("hs_electricity", "pln_450"),
        ("hs_cooking_fuel", "kayu"),
        ("hs_income_band", "lt_1jt"),
        ("ms0_sector", "nelayan"),
        ("ms0_disability", "tidak"),
        ("ms0_school_level", "sd"),
    ] {
        choose(c, id, value).await;
    }
    fill(c, "hs_floor_area", "24").await;
    click(c, "input[name=hs_has_boat]").await;
    fill(c, "reason", "dikunjungi; rumah berlantai tanah").await;
    click(c, "#verify-submit").await;
    wait_for(c, "#notice").await;
    assert!(browser
        .text_of("#stage")
        .await
        .contains("diverifikasi desa"));
    sign_out(c).await;

    // The district, Dinas Sosial's verifier and the approver, each on their own phone session.
    for (user, level, stage) in [
        ("kec.tanjungpandan", "district", "diperiksa kecamatan"),
        ("verifikator", "dinas", "diverifikasi Dinas Sosial"),
        ("pengesah", "decision", "disetujui"),
    ] {
        sign_in(c, &base, user).await;
        open_first_in_queue(&browser, level).await;
        fill(c, "reason", "data lengkap dan sesuai").await;
        click(c, "#forward").await;
        wait_for(c, "#notice").await;
        assert!(browser.text_of("#stage").await.contains(stage), "{user}");
        if level != "decision" {
            sign_out(c).await;
        }
    }

    // In the registry, with the survey and the whole history.
    click(c, "#household-link").await;
    wait_for(c, "#household").await;
    assert!(browser.text_of("#state").await.contains("terdaftar"));
    assert!(browser.text_of("#survey").await.contains("tanah"));
    let history = browser.text_of("main").await;
    for who in ["desa.kota", "kec.tanjungpandan", "verifikator", "pengesah"] {
        assert!(history.contains(who), "{who} in the history");
    }
    fits(&browser, "household page in the registry").await;

    // The search page and the audit log fit too.
    click(c, ".officer-nav a[href=\"/registry\"]").await;
    wait_for(c, "#q").await;
    fill(c, "q", "Warga 1").await;
    click(c, "main form button[type=submit]").await;
    wait_for(c, "#hits").await;
    assert!(browser.text_of("#hits").await.contains("Warga 1 0"));
    fits(&browser, "search results").await;
    sign_out(c).await;
    sign_in(c, &base, "auditor").await;
    click(c, ".officer-nav a[href=\"/audit\"]").await;
    wait_for(c, "#audit-rows").await;
    assert!(browser
        .text_of("#audit-rows")
        .await
        .contains("workflow.approve"));
    fits(&browser, "audit log").await;

    browser.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
