//! Fuzzy duplicates on the household page: a person entered a second time under a mistyped NIK is shown
//! to the Dinas verifier with its probability once the server's duplicate index is ready (and the page
//! says it is being prepared until then); a village operator outside the other household's village does
//! not see the match.

use axum::http::StatusCode;
use chrono::NaiveDate;
use tepat_domain::registry::{RegistryHousehold, RegistryMember};
use tepat_domain::{Nik, Relationship, Role};
use tepat_store::Store;
use uuid::Uuid;

use crate::registry::{code, household, propose, A, B};
use crate::support::TestApp;

const HEADS: [&str; 12] = [
    "Ahmad Fauzi",
    "Budi Santoso",
    "Joko Widodo",
    "Slamet Riyadi",
    "Agus Salim",
    "Dedi Kurniawan",
    "Eko Prasetyo",
    "Hendra Gunawan",
    "Rudi Hartono",
    "Wahyu Hidayat",
    "Yusuf Maulana",
    "Iwan Setiawan",
];
const WIVES: [&str; 12] = [
    "Siti Aminah",
    "Sri Wahyuni",
    "Dewi Lestari",
    "Rina Wulandari",
    "Nur Hasanah",
    "Ratna Sari",
    "Yuni Astuti",
    "Fitri Handayani",
    "Lina Marlina",
    "Maya Sofiani",
    "Tuti Alawiyah",
    "Wati Susanti",
];

const PREPARING: &str = "indeks duplikat sedang disiapkan";
const MAYBE_SAME: &str = "mungkin orang yang sama";

/// Village B's households with their own names and birth dates (a registry where a name or a date shared
/// by two records is telling, as in a real one); the first is the one entered again.
async fn registry_of_b(store: &dyn Store) -> RegistryHousehold {
    let mut first = None;
    for (i, (head, wife)) in HEADS.iter().zip(WIVES).enumerate() {
        let serial = 10 + i as u16;
        let mut h = household(B, serial, head);
        h.members[1].full_name = wife.to_owned();
        for (n, m) in h.members.iter_mut().enumerate() {
            let year = 1950 + 2 * i as i32 + n as i32;
            m.birth_date = NaiveDate::from_ymd_opt(year, 1 + i as u32, 3 + n as u32).unwrap();
            m.nik = Nik::from_parts(code("19.02.01"), m.sex, m.birth_date, 600 + serial).unwrap();
        }
        propose(store, h.clone()).await;
        first.get_or_insert(h);
    }
    first.unwrap()
}

/// `first`'s head again, in a household of village A at the same address, with the NIK's last digit
/// mistyped.
fn entered_again(first: &RegistryHousehold) -> RegistryHousehold {
    let mut second = household(A, 2, "Bambang Sutrisno");
    second.address = first.address.clone();
    let head = &first.members[0];
    let nik = head.nik.digits();
    let last = if nik.ends_with('1') { '2' } else { '1' };
    let typo = format!("{}{last}", &nik[..15]);
    second.members.push(RegistryMember {
        id: Uuid::now_v7(),
        nik: Nik::parse_structure(&typo).unwrap(),
        relationship: Relationship::OrangTua,
        ..head.clone()
    });
    second
}

fn probability_shown(body: &str) -> bool {
    body.find(MAYBE_SAME)
        .map(|at| &body[at..])
        .and_then(|rest| rest.find("peluang ").map(|p| &rest[p + 8..]))
        .is_some_and(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            !digits.is_empty() && rest[digits.len()..].starts_with('%')
        })
}

#[tokio::test]
async fn the_verifier_sees_a_person_entered_twice_under_another_nik() {
    let app = TestApp::builder().build().await;
    let store = app.store.as_ref();
    let first = registry_of_b(store).await;
    let second = entered_again(&first);
    propose(store, second.clone()).await;
    let page = format!("/registry/household/{}", second.id);

    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let before = verifier.get(&page).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.body.contains(PREPARING), "{}", before.body);
    assert!(!before.body.contains(MAYBE_SAME));

    app.state().start_duplicate_index().await.unwrap();
    let after = verifier.get(&page).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(!after.body.contains(PREPARING));
    assert!(probability_shown(&after.body), "{}", after.body);
    assert!(after
        .body
        .contains(&format!("/registry/household/{}", first.id)));
    assert!(after.body.contains(B), "the other household's village");

    // The operator of village A enters and sees the household, but not a guess about village B.
    let operator = app.sign_in_as(Role::VillageOperator, A).await;
    let own = operator.get(&page).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.body.contains(MAYBE_SAME), "{}", own.body);
    assert!(!own.body.contains(&first.id.to_string()));
    // The operator of village B does not see village A's household at all.
    let other = app.sign_in_as(Role::VillageOperator, B).await;
    assert_eq!(other.get(&page).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_household_saved_after_the_index_is_built_is_found() {
    let app = TestApp::builder().build().await;
    let store = app.store.as_ref();
    let first = registry_of_b(store).await;
    app.state().start_duplicate_index().await.unwrap();

    // Saved afterwards: the web's save paths re-index the household as this does.
    let second = entered_again(&first);
    propose(store, second.clone()).await;
    app.state().reindex_household(second.id).await;

    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let body = verifier
        .get(&format!("/registry/household/{}", first.id))
        .await
        .body;
    assert!(probability_shown(&body), "{body}");
    assert!(body.contains(&format!("/registry/household/{}", second.id)));
}
