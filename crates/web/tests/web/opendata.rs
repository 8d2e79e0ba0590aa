//! The public transparency portal (issue 9): `/data`, the downloads, DCAT, CKAN and the masked lists.
//! The figures are seeded in SQL as the ledger publisher leaves them (every step logged).
//!
//! The suppression test attacks the downloads the way a reader could: it takes every level's JSON
//! table, and subtracts published siblings from published parents until nothing new is learnt; no
//! household count below k may come out.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use fantoccini::Locator;
use sqlx::Connection;
use tepat_domain::{RegionCode, RegionLevel};
use tepat_regions::RegionTable;

use crate::browser::Browser;
use crate::support::TestApp;

/// Households per village of Belitung (two districts), as seeded: village 0 of district 0 has 3 (below
/// k = 5), the others more.
const PLAN: [(usize, usize, i64); 5] = [(0, 0, 3), (0, 1, 20), (0, 2, 30), (1, 0, 12), (1, 1, 9)];
const AMOUNT: i64 = 600_000;

fn villages() -> Vec<Vec<RegionCode>> {
    let table = RegionTable::embedded();
    let regency = RegionCode::parse("19.02").unwrap();
    table
        .children(&regency)
        .take(2)
        .map(|d| table.children(&d.code).map(|v| v.code).collect())
        .collect()
}

fn village(d: usize, v: usize) -> RegionCode {
    villages()[d][v]
}

/// One transfer program's cycle in the villages of [`PLAN`]: every payment settled except one per
/// village (rejected), ratings from the first four households of each village, complaints, and a head
/// of family's name for every household.
async fn seed(app: &TestApp) {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
    let envelope = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO envelope (id, program, cycle, program_version, state, count, amount, \
         scheduled_date, prepared_by, prepared_at, ledger_index) VALUES ($1, 'PKH', '2027-T1', 1, \
         'paying', 74, 0, '2027-01-15', randomblob(16), '2027-01-01T00:00:00Z', 1)",
    )
    .bind(envelope)
    .execute(&mut c)
    .await
    .unwrap();
    let mut index = 10i64;
    for (d, v, n) in PLAN {
        let code = village(d, v).plain().to_owned();
        for i in 0..n {
            let household = uuid::Uuid::now_v7();
            index += 1;
            sqlx::query(
                "INSERT INTO entitlement (envelope_id, household_id, village_code, amount, parts, route, \
                 state, ledger_index, ledger_leaf) VALUES ($1, $2, $3, $4, '[]', 'bank', $5, $6, randomblob(32))",
            )
            .bind(envelope)
            .bind(household)
            .bind(&code)
            .bind(AMOUNT)
            .bind(if i == 0 { "failed" } else { "paid" })
            .bind(index)
            .execute(&mut c)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO payment (id, envelope_id, household_id, attempt, route, provider, amount, \
                 state, created_at, updated_at, ledger_index, ledger_leaf, result_ledger_index, \
                 result_ledger_leaf) VALUES ($1, $2, $3, 1, 'bank', 'BRI', $4, $5, \
                 '2027-01-15T00:00:00Z', '2027-01-16T00:00:00Z', 1, randomblob(32), 2, randomblob(32))",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(envelope)
            .bind(household)
            .bind(AMOUNT)
            .bind(if i == 0 { "rejected" } else { "settled" })
            .execute(&mut c)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO registry_member (village_code, id, household_id, position, state, nik_index, \
                 nik_sealed, full_name, name_key, sex, birth_date, relationship, details_sealed) \
                 VALUES ($1, $2, $3, 1, 'active', randomblob(32), randomblob(40), $4, 'x', 'P', \
                 '1980-01-01', 'kepala_keluarga', randomblob(40))",
            )
            .bind(&code)
            .bind(uuid::Uuid::now_v7())
            .bind(household)
            .bind(format!("Siti Nurhaliza {}", ["Putri", "Wulandari", "Rahma"][i as usize % 3]))
            .execute(&mut c)
            .await
            .unwrap();
            if i < 4 {
                sqlx::query(
                    "INSERT INTO rating (village_code, id, envelope_id, household_id, program, cycle, \
                     stars, comment_sealed, rated_at) VALUES ($1, $2, $3, $4, 'PKH', '2027-T1', 4, x'', \
                     '2027-01-20T00:00:00Z')",
                )
                .bind(&code)
                .bind(uuid::Uuid::now_v7())
                .bind(envelope)
                .bind(household)
                .execute(&mut c)
                .await
                .unwrap();
            }
        }
        for _ in 0..n / 3 {
            sqlx::query(
                "INSERT INTO complaint (village_code, id, ticket_index, ticket_sealed, category, level, \
                 state, text_sealed, contact_sealed, submitted_at, due_on, updated_at) VALUES ($1, $2, \
                 randomblob(32), x'', 'other', 'village', 'open', x'', x'', '2027-01-22T00:00:00Z', \
                 '2027-02-05', '2027-01-22T00:00:00Z')",
            )
            .bind(&code)
            .bind(uuid::Uuid::now_v7())
            .execute(&mut c)
            .await
            .unwrap();
        }
    }
}

async fn app(lists: bool) -> TestApp {
    let app = TestApp::builder()
        .config(|c| c.opendata.recipient_lists = lists)
        .build()
        .await;
    seed(&app).await;
    app
}

async fn json(app: &TestApp, uri: &str) -> serde_json::Value {
    let r = app.get(uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{uri}: {e}: {}", r.body))
}

/// What a reader learns from published tables: each region's value, or what subtracting published
/// siblings from a published parent (or adding children up) gives, repeated until nothing new.
fn differencing(rows: &[serde_json::Value], column: &str) -> BTreeMap<String, Option<u64>> {
    let key = |r: &serde_json::Value| r["region_code"].as_str().unwrap_or("").to_owned();
    let mut known: BTreeMap<String, Option<u64>> =
        rows.iter().map(|r| (key(r), r[column].as_u64())).collect();
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        if r["level"] != "total" {
            let parent = r["parent_code"].as_str().unwrap_or("").to_owned();
            children.entry(parent).or_default().push(key(r));
        }
    }
    loop {
        let mut learnt = false;
        for (parent, kids) in &children {
            let unknown: Vec<&String> = std::iter::once(parent)
                .chain(kids.iter())
                .filter(|c| known[*c].is_none())
                .collect();
            if unknown.len() != 1 {
                continue;
            }
            let sum: u64 = kids.iter().filter_map(|k| known[k]).sum();
            let u = unknown[0].clone();
            let value = if &u == parent {
                sum
            } else {
                known[parent].unwrap() - sum
            };
            known.insert(u, Some(value));
            learnt = true;
        }
        if !learnt {
            return known;
        }
    }
}

#[tokio::test]
async fn no_small_cell_can_be_read_or_recomputed_from_the_published_tables() {
    let app = app(false).await;
    // Every level's table, downloaded apart, as a reader would combine them.
    let mut rows = Vec::new();
    for level in ["total", "province", "regency", "district", "village"] {
        let t = json(&app, &format!("/data/penyaluran.json?level={level}")).await;
        assert_eq!(t["k"], 5);
        rows.extend(t["rows"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(rows.len(), 1 + 1 + 1 + 2 + 5, "{rows:?}");
    let small = village(0, 0).dotted();
    for r in &rows {
        if let Some(n) = r["households"].as_u64() {
            assert!(n == 0 || n >= 5, "a small cell published: {r}");
        }
    }
    let learnt = differencing(&rows, "households");
    assert_eq!(
        learnt[&small], None,
        "the 3-household village is recomputable"
    );
    // The complement is the smallest sibling (20 households), the district stays published.
    assert_eq!(learnt[&village(0, 1).dotted()], None);
    let district = villages()[0][0].parent().unwrap().dotted();
    assert_eq!(learnt[&district], Some(53));
    assert_eq!(learnt[""], Some(74));
    // Amounts follow the household pattern: the hidden village has no amount either.
    let row = rows
        .iter()
        .find(|r| r["region_code"] == small.as_str())
        .unwrap();
    assert!(row["entitled_rp"].is_null() && row["disbursed_rp"].is_null());
    // Ratings (4 per village, all below k per village) and complaints are protected the same way.
    let ratings = differencing(&rows, "ratings");
    for d in 0..2 {
        for v in 0..villages()[d].len().min(3) {
            if PLAN.iter().any(|p| p.0 == d && p.1 == v) {
                assert_eq!(ratings[&village(d, v).dotted()], None, "ratings of {d}/{v}");
            }
        }
    }
    let complaints = json(&app, "/data/pengaduan.json").await;
    let complaints = complaints["rows"].as_array().unwrap().clone();
    let learnt = differencing(&complaints, "complaints");
    assert_eq!(learnt[&small], None, "1 complaint");
    assert_eq!(learnt[""], Some(1 + 6 + 10 + 4 + 3));
}

#[tokio::test]
async fn tables_download_as_csv_and_json_with_the_disbursed_amounts() {
    let app = app(false).await;
    let csv = app.get("/data/penyaluran.csv?level=district").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert_eq!(csv.header("access-control-allow-origin"), "*");
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "program,cycle,level,region_code,region_name,parent_code,households,entitled_rp,disbursed_rp,share_delivered,ratings,rating_average"
    );
    let second = villages()[1][0].parent().unwrap().dotted();
    let line = lines.find(|l| l.contains(&format!(",{second},"))).unwrap();
    // 12 + 9 households, one unpaid per village: 19 paid.
    assert!(
        line.ends_with(&format!(",21,{},{},0.905,8,4", 21 * AMOUNT, 19 * AMOUNT)),
        "{line}"
    );
    let t = json(
        &app,
        "/data/penyaluran.json?program=PKH&cycle=2027-T1&level=total",
    )
    .await;
    assert_eq!(t["rows"][0]["disbursed_rp"], 69 * AMOUNT);
    assert_eq!(t["rows"][0]["share_delivered"], 0.932);
    assert_eq!(t["rows"][0]["rating_average"], 4.0);
    let none = json(&app, "/data/penyaluran.json?program=NOPE").await;
    assert_eq!(none["rows"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get("/data/penyaluran.json?level=planet").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/data/nothing.csv").await.status,
        StatusCode::NOT_FOUND
    );
    let c = app.get("/data/pengaduan.csv").await;
    assert!(
        c.body
            .starts_with("level,region_code,region_name,parent_code,complaints\n"),
        "{}",
        c.body
    );
}

#[tokio::test]
async fn the_catalogue_is_dcat_and_ckan_harvestable() {
    let app = app(false).await;
    let r = app.get("/data/catalog.jsonld").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/ld+json");
    let cat: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(cat["@type"], "dcat:Catalog");
    assert_eq!(cat["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
    let datasets = cat["dcat:dataset"].as_array().unwrap();
    assert_eq!(datasets.len(), 2, "no recipient lists when they are off");
    for d in datasets {
        assert_eq!(d["@type"], "dcat:Dataset");
        assert_eq!(
            d["dct:license"]["@id"],
            "https://creativecommons.org/licenses/by/4.0/"
        );
        assert!(d["dct:temporal"]["cycles"]
            .as_array()
            .unwrap()
            .contains(&"2027-T1".into()));
        assert_eq!(d["dct:spatial"][0]["skos:notation"], "19.02");
        let dists = d["dcat:distribution"].as_array().unwrap();
        let media: Vec<&str> = dists
            .iter()
            .map(|x| x["dcat:mediaType"]["@id"].as_str().unwrap())
            .collect();
        assert!(media.iter().any(|m| m.ends_with("text/csv")), "{media:?}");
        assert!(media.iter().any(|m| m.ends_with("application/json")));
        let columns = dists[0]["csvw:tableSchema"]["csvw:column"]
            .as_array()
            .unwrap();
        assert!(columns
            .iter()
            .any(|c| c["csvw:name"] == "households" || c["csvw:name"] == "complaints"));
        assert!(dists[0]["dcat:downloadURL"]["@id"]
            .as_str()
            .unwrap()
            .starts_with("http://"));
    }

    let list = json(&app, "/api/3/action/package_list").await;
    assert_eq!(list["success"], true);
    assert!(list["help"].as_str().unwrap().contains("package_list"));
    assert_eq!(
        list["result"],
        serde_json::json!(["tepat-penyaluran", "tepat-pengaduan"])
    );
    let show = json(&app, "/api/3/action/package_show?id=tepat-penyaluran").await;
    assert_eq!(show["success"], true);
    assert_eq!(show["result"]["name"], "tepat-penyaluran");
    assert_eq!(show["result"]["license_id"], "cc-by");
    let resources = show["result"]["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2);
    assert_eq!(resources[0]["format"], "CSV");
    assert!(resources[0]["url"]
        .as_str()
        .unwrap()
        .ends_with("/data/penyaluran.csv"));
    let missing = app.get("/api/3/action/package_show?id=nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let missing: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
    assert_eq!(missing["success"], false);

    let spec = json(&app, "/data/openapi.json").await;
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/3/action/package_show"].is_object());
}

#[tokio::test]
async fn masked_lists_only_when_on_and_only_where_the_count_is_published() {
    let off = app(false).await;
    let v = village(0, 2).dotted();
    let r = off
        .get(&format!(
            "/data/penerima.json?program=PKH&cycle=2027-T1&village={v}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let page = off
        .get(&format!("/data?program=PKH&cycle=2027-T1&region={v}"))
        .await;
    assert!(page.body.contains("tidak diterbitkan"), "{}", page.body);

    let on = app(true).await;
    let list = json(
        &on,
        &format!("/data/penerima.json?program=PKH&cycle=2027-T1&village={v}"),
    )
    .await;
    let rows = list["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    for r in rows {
        let name = r["masked_name"].as_str().unwrap();
        assert!(name.starts_with("S**I N*******A "), "{name}");
        assert!(
            !name.contains("Siti") && !name.contains("Nurhaliza"),
            "{name}"
        );
        assert_eq!(
            r.as_object().unwrap().len(),
            2,
            "a masked name and delivered, nothing else: {r}"
        );
    }
    let csv = on
        .get(&format!(
            "/data/penerima.csv?program=PKH&cycle=2027-T1&village={v}"
        ))
        .await;
    assert!(csv
        .body
        .starts_with("program,cycle,region_code,masked_name,delivered\n"));
    assert!(
        csv.body.lines().all(|l| l.split(',').count() == 5),
        "{}",
        csv.body
    );
    // The 3-household village and its complement: hidden counts, so no lists.
    for hidden in [village(0, 0).dotted(), village(0, 1).dotted()] {
        let r = on
            .get(&format!(
                "/data/penerima.json?program=PKH&cycle=2027-T1&village={hidden}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{hidden}");
        let page = on
            .get(&format!("/data?program=PKH&cycle=2027-T1&region={hidden}"))
            .await;
        assert!(
            page.body.contains("jumlahnya disembunyikan"),
            "{}",
            page.body
        );
    }
    let page = on
        .get(&format!("/data?program=PKH&cycle=2027-T1&region={v}"))
        .await;
    assert!(page.body.contains("S**I N*******A"), "{}", page.body);
    let catalog = json(&on, "/api/3/action/package_list").await;
    assert_eq!(catalog["result"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_portal_page_drills_down_with_a_chart_and_says_what_is_hidden() {
    let app = app(false).await;
    let page = app.get("/data").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    assert!(html.contains("Data terbuka bantuan sosial"), "{html}");
    assert!(html.contains("kurang dari 5 keluarga"), "{html}");
    assert!(html.contains("PKH · 2027-T1"));
    assert!(html.contains("<svg"), "a server-rendered chart");
    assert!(!html.contains("<script src"), "no chart library");
    assert!(
        html.contains("Server ini tidak menyajikan buku besar"),
        "no ledger in this app"
    );
    let district = villages()[0][0].parent().unwrap();
    let page = app
        .get(&format!(
            "/data?program=PKH&cycle=2027-T1&region={}",
            district.dotted()
        ))
        .await;
    let html = &page.body;
    assert!(
        html.contains(&format!("data-code=\"{}\"", village(0, 0).dotted())),
        "{html}"
    );
    assert!(
        html.contains("— disembunyikan"),
        "the hidden bar says so: {html}"
    );
    let en = app.get_with("/data", &[("cookie", "lang=en")]).await;
    assert!(
        en.body.contains("Open data on social assistance"),
        "{}",
        en.body
    );
    assert!(en.body.contains("fewer than 5 households"), "{}", en.body);
}

#[tokio::test]
async fn the_portal_in_a_phone_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = app(true).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;
    c.goto(&format!("{base}/data")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#figures"))
        .await
        .unwrap();
    assert_eq!(browser.horizontal_overflow().await, 0, "/data at 360 px");
    // From the regency down to a district, then a village: the table, the chart and the masked list.
    c.goto(&format!(
        "{base}/data?program=PKH&cycle=2027-T1&region=19.02"
    ))
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css("#figures"))
        .await
        .unwrap();
    let district = villages()[0][0].parent().unwrap().dotted();
    c.find(Locator::Css(&format!(
        "#figures a[href$='region={district}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css("#chart svg"))
        .await
        .unwrap();
    let hidden = browser
        .text_of(&format!(
            "#figures tr[data-code='{}']",
            village(0, 0).dotted()
        ))
        .await;
    assert!(hidden.contains('—'), "{hidden}");
    assert_eq!(
        browser.horizontal_overflow().await,
        0,
        "the district at 360 px"
    );
    c.find(Locator::Css(&format!(
        "#figures a[href$='region={}']",
        village(0, 2).dotted()
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css("#recipients"))
        .await
        .unwrap();
    let list = browser.text_of("#recipients").await;
    assert!(list.contains("S**I N*******A"), "{list}");
    assert!(!list.contains("Siti"), "{list}");
    assert_eq!(village(0, 2).level(), RegionLevel::DesaKelurahan);
    browser.close().await;
    let _ = stop.send(());
    let _ = server.await;
}
