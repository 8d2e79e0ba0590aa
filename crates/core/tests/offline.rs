//! Offline field entry's service on both backends: a record counts once — across retries, two syncs at
//! the same time, and a restart (the store opened again, as a new server process would) — and a record
//! of another village is refused with nothing written.

use tepat_core::access::Actor;
use tepat_core::offline::{self, Entry, Outcome, Record, Rejection};
use tepat_core::registry::Origin;
use tepat_domain::registry::{MemberStatus, RegistryHousehold, RegistryMember};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::testing::{sample, TestDb};
use tepat_store::Store;
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_record_counts_once_across_retries_concurrency_and_a_restart,
    a_record_of_another_village_is_refused_and_nothing_written,
);

const VILLAGE_A: &str = "19.02.01.1001";
const VILLAGE_B: &str = "19.02.01.1002";

fn household(village: &str, serial: u16) -> RegistryHousehold {
    let records = sample::households(village, 1, 2, serial);
    RegistryHousehold {
        id: Uuid::now_v7(),
        kk_number: records[0].kk_number,
        village: records[0].village,
        address: records[0].address.clone(),
        rt: records[0].rt.clone(),
        rw: records[0].rw.clone(),
        location: None,
        survey: None,
        account: None,
        members: records
            .iter()
            .map(|r| RegistryMember {
                id: Uuid::now_v7(),
                nik: r.nik,
                full_name: r.full_name.clone(),
                sex: r.sex,
                birth_date: r.birth_date,
                relationship: r.relationship,
                phone: None,
                survey: None,
                status: MemberStatus::Active,
            })
            .collect(),
    }
}

fn operator(village: &str) -> Actor {
    Actor::for_tests(
        Role::VillageOperator,
        Scope::Within(RegionCode::parse(village).unwrap()),
    )
}

fn entry(id: Uuid, h: &RegistryHousehold) -> Entry {
    Entry {
        client_id: id,
        record: Record::NewHousehold {
            household: h.clone(),
            reason: "usulan dari lapangan".into(),
        },
    }
}

async fn submit(store: &dyn Store, actor: &Actor, e: Entry) -> Outcome {
    offline::submit(store, actor, RegionTable::embedded(), e, &Origin::now(None))
        .await
        .expect("no database failure")
}

async fn a_record_counts_once_across_retries_concurrency_and_a_restart(db: TestDb) {
    let op = operator(VILLAGE_A);
    let h = household(VILLAGE_A, 10);
    let id = Uuid::now_v7();
    let store = db.store.as_ref();
    assert!(matches!(
        submit(store, &op, entry(id, &h)).await,
        Outcome::Accepted { request } if request == id
    ));
    assert!(matches!(
        submit(store, &op, entry(id, &h)).await,
        Outcome::Duplicate { request } if request == id
    ));
    // A restart: the store opened again remembers through the requests table.
    let again = db.reopen().await;
    assert!(matches!(
        submit(again.as_ref(), &op, entry(id, &h)).await,
        Outcome::Duplicate { .. }
    ));
    assert_eq!(
        store
            .registry_requests_of_household(h.id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Two syncs of a new record at the same time, through two connections.
    let h2 = household(VILLAGE_A, 20);
    let id2 = Uuid::now_v7();
    let (a, b) = tokio::join!(
        submit(store, &op, entry(id2, &h2)),
        submit(again.as_ref(), &op, entry(id2, &h2))
    );
    let accepted = [&a, &b]
        .iter()
        .filter(|o| matches!(o, Outcome::Accepted { .. }))
        .count();
    let duplicate = [&a, &b]
        .iter()
        .filter(|o| matches!(o, Outcome::Duplicate { .. }))
        .count();
    assert_eq!((accepted, duplicate), (1, 1), "{a:?} {b:?}");
    assert_eq!(
        store
            .registry_requests_of_household(h2.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_record_of_another_village_is_refused_and_nothing_written(db: TestDb) {
    let op = operator(VILLAGE_A);
    let h = household(VILLAGE_B, 30);
    let id = Uuid::now_v7();
    let store = db.store.as_ref();
    let outcome = submit(store, &op, entry(id, &h)).await;
    let Outcome::Rejected(why) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(why.codes(), ["denied_region"]);
    assert!(matches!(why, Rejection::Registry(_)));
    assert!(store.registry_request(id).await.unwrap().is_none());
    assert!(store.registry_household(h.id).await.unwrap().is_none());
    // Village B's operator enters it; A's retry of that id is not A's duplicate.
    let op_b = operator(VILLAGE_B);
    assert!(matches!(
        submit(store, &op_b, entry(id, &h)).await,
        Outcome::Accepted { .. }
    ));
    let outcome = submit(store, &op, entry(id, &h)).await;
    assert!(
        matches!(&outcome, Outcome::Rejected(Rejection::IdTaken)),
        "{outcome:?}"
    );
}
