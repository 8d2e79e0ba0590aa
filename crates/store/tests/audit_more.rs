//! The audit log's time range and its newer actions, on every backend: entries outside a period are
//! left out (with the other filters and paging still applying inside it), and every action and object
//! code survives the round trip with the chain intact.

use chrono::Duration;
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::TestDb;
use tepat_store::{
    AuditAction, AuditEntry, AuditFilter, AuditPeriod, AuditRecord, ObjectKind, Store, PUBLIC_ACTOR,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    entries_outside_the_period_are_left_out,
    every_action_and_object_kind_round_trips,
);

const VILLAGE: &str = "19.02.01.1001";

fn entry(actor: Uuid, n: usize) -> AuditEntry {
    AuditEntry {
        actor,
        role: Role::VillageOperator,
        action: AuditAction::Read,
        object: ObjectKind::Household,
        object_id: Some(Uuid::now_v7()),
        region: Some(RegionCode::parse(VILLAGE).unwrap()),
        purpose: format!("test.{n}"),
        client: None,
    }
}

fn all(limit: u32) -> AuditFilter {
    AuditFilter {
        within: Scope::All,
        actor: None,
        object_id: None,
        before_seq: None,
        limit,
    }
}

fn seqs(rows: &[AuditRecord]) -> Vec<u64> {
    rows.iter().map(|r| r.seq).collect()
}

/// Five entries with distinct times (a short pause between them, so no two share a microsecond).
async fn five(store: &dyn Store, actor: Uuid) -> Vec<AuditRecord> {
    for n in 1..=5 {
        store.audit_record(&entry(actor, n)).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let mut rows = store.audit_query(&all(100)).await.unwrap();
    rows.reverse();
    assert_eq!(seqs(&rows), [1, 2, 3, 4, 5]);
    rows
}

async fn entries_outside_the_period_are_left_out(db: TestDb) {
    let store = db.store.as_ref();
    let actor = Uuid::now_v7();
    let rows = five(store, actor).await;
    let at = |seq: usize| rows[seq - 1].at;
    let query = |filter: AuditFilter, from, until| async move {
        let period = AuditPeriod { from, until };
        seqs(&store.audit_query_in(&filter, &period).await.unwrap())
    };

    // Half-open: from is in, until is out.
    assert_eq!(query(all(100), Some(at(2)), Some(at(4))).await, [3, 2]);
    assert_eq!(query(all(100), Some(at(4)), None).await, [5, 4]);
    assert_eq!(query(all(100), None, Some(at(2))).await, [1]);
    assert_eq!(
        query(all(100), Some(at(3)), Some(at(3))).await,
        Vec::<u64>::new()
    );
    let before_all = at(1) - Duration::days(1);
    assert_eq!(
        query(all(100), None, Some(before_all)).await,
        Vec::<u64>::new()
    );
    assert_eq!(
        query(all(100), Some(before_all), None).await,
        [5, 4, 3, 2, 1]
    );

    // The limit counts entries inside the period, and paging continues inside it.
    let inside = (Some(at(1)), Some(at(5)));
    assert_eq!(query(all(2), inside.0, inside.1).await, [4, 3]);
    let older = AuditFilter {
        before_seq: Some(3),
        ..all(2)
    };
    assert_eq!(query(older, inside.0, inside.1).await, [2, 1]);

    // With the other filters: another actor's entry inside the period is left out.
    store.audit_record(&entry(Uuid::now_v7(), 6)).await.unwrap();
    let mine = AuditFilter {
        actor: Some(actor),
        ..all(100)
    };
    assert_eq!(query(mine, Some(at(4)), None).await, [5, 4]);
    let region = AuditFilter {
        within: Scope::Within(RegionCode::parse("19.02.02").unwrap()),
        ..all(100)
    };
    assert_eq!(
        query(region, Some(before_all), None).await,
        Vec::<u64>::new()
    );

    // `contains` agrees with the database.
    let period = AuditPeriod {
        from: Some(at(2)),
        until: Some(at(4)),
    };
    let kept: Vec<u64> = rows
        .iter()
        .filter(|r| period.contains(r.at))
        .map(|r| r.seq)
        .collect();
    assert_eq!(kept, [2, 3]);
    assert!(store.audit_verify().await.unwrap().is_intact());
}

async fn every_action_and_object_kind_round_trips(db: TestDb) {
    let store = db.store.as_ref();
    let mut written = Vec::new();
    for (i, action) in AuditAction::ALL.iter().enumerate() {
        let object = ObjectKind::ALL[i % ObjectKind::ALL.len()];
        let e = AuditEntry {
            actor: PUBLIC_ACTOR,
            role: Role::ALL[i % Role::ALL.len()],
            action: *action,
            object,
            object_id: None,
            region: None,
            purpose: format!("{}.round_trip", action.code()),
            client: Some("192.0.2.7".into()),
        };
        store.audit_record(&e).await.unwrap();
        written.push(e);
    }
    for kind in ObjectKind::ALL {
        let e = AuditEntry {
            object: *kind,
            ..written[0].clone()
        };
        store.audit_record(&e).await.unwrap();
        written.push(e);
    }
    let mut read: Vec<AuditEntry> = store
        .audit_query(&all(1000))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry)
        .collect();
    read.reverse();
    assert_eq!(read, written);
    assert!(read.iter().any(|e| e.role == Role::System));
    assert!(store.audit_verify().await.unwrap().is_intact());
}
