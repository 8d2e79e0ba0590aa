//! `audit_hash_at`: the stored chain hash after entry n, on every backend (what `tepat audit verify`
//! compares with the head anchored in the transparency ledger).

use tepat_domain::{RegionCode, Role};
use tepat_store::testing::TestDb;
use tepat_store::{AuditAction, AuditEntry, AuditFilter};
use uuid::Uuid;

tepat_store::on_every_backend!(the_hash_at_each_entry_is_the_chain_s);

fn entry(n: u32) -> AuditEntry {
    AuditEntry {
        actor: Uuid::now_v7(),
        role: Role::VillageOperator,
        action: AuditAction::Read,
        object: tepat_store::ObjectKind::Request,
        object_id: Some(Uuid::now_v7()),
        region: Some(RegionCode::parse("19.02.01.1001").unwrap()),
        purpose: format!("test-{n}"),
        client: None,
    }
}

async fn the_hash_at_each_entry_is_the_chain_s(db: TestDb) {
    let store = db.store.as_ref();
    assert_eq!(store.audit_hash_at(0).await.unwrap(), Some([0; 32]));
    assert_eq!(store.audit_hash_at(1).await.unwrap(), None);
    for n in 1..=3 {
        assert_eq!(store.audit_record(&entry(n)).await.unwrap(), u64::from(n));
    }
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.count, 3);
    assert_eq!(store.audit_hash_at(3).await.unwrap(), Some(head.hash));
    let rows = store
        .audit_query(&AuditFilter {
            within: tepat_domain::Scope::All,
            actor: None,
            object_id: None,
            before_seq: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(store.audit_hash_at(r.seq).await.unwrap(), Some(r.hash));
    }
    assert_ne!(rows[1].hash, rows[2].hash);
    assert_eq!(store.audit_hash_at(4).await.unwrap(), None);
    assert_eq!(store.audit_hash_at(u64::MAX).await.unwrap(), None);
}
