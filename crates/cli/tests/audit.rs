//! `tepat audit anchor` / `tepat audit verify` on a real SQLite file and ledger directory: the audit
//! log's head goes into the ledger, and tampering with the audit table afterwards — even tampering that
//! keeps the hash chain consistent — is found.

use std::path::Path;
use std::sync::Arc;

use sqlx::Connection;
use tepat_domain::{RegionCode, Role};
use tepat_store::{AuditAction, AuditEntry, AuditFilter, ObjectKind, Store};

mod support;
use support::{ok_text, output, text};

async fn store(dir: &Path) -> Arc<dyn Store> {
    let keyring = tepat_crypto::Keyring::load_or_create(&dir.join("tepat.keys")).unwrap();
    tepat_store::connect(
        &format!("sqlite://{}", dir.join("tepat.db").display()),
        Arc::new(keyring),
    )
    .await
    .unwrap()
}

async fn record(store: &dyn Store, n: usize) {
    for i in 0..n {
        store
            .audit_record(&AuditEntry {
                actor: uuid::Uuid::now_v7(),
                role: Role::VillageOperator,
                action: AuditAction::Read,
                object: ObjectKind::Request,
                object_id: Some(uuid::Uuid::now_v7()),
                region: Some(RegionCode::parse("19.02.01.1001").unwrap()),
                purpose: format!("test_{i}"),
                client: None,
            })
            .await
            .unwrap();
    }
}

async fn sql(dir: &Path, statements: &[String]) {
    let mut c =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.join("tepat.db").display()))
            .await
            .unwrap();
    for s in statements {
        sqlx::query(s).execute(&mut c).await.unwrap();
    }
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchored_heads_catch_a_rewritten_or_shortened_audit_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok_text(dir, &["migrate"]);
    let out = ok_text(dir, &["audit", "verify"]);
    assert!(out.contains("nothing anchored"), "{out}");

    let s = store(dir).await;
    record(s.as_ref(), 5).await;
    let out = ok_text(dir, &["audit", "anchor"]);
    assert!(
        out.contains("anchored the audit log's head (5 entries)"),
        "{out}"
    );

    // The anchor is in the ledger, and the ledger still verifies as a whole.
    let key = String::from_utf8(output(dir, &["ledger", "key"]).stdout).unwrap();
    let policy = dir.join("policy.txt");
    std::fs::write(&policy, format!("log {}\nquorum none\n", key.trim())).unwrap();
    let report = ok_text(
        dir,
        &[
            "ledger",
            "verify",
            "--dir",
            "tepat-ledger",
            "--policy",
            policy.to_str().unwrap(),
        ],
    );
    assert!(report.contains("audit-anchor"), "{report}");
    assert!(report.contains("region 00: 5 entries"), "{report}");

    // More entries after the anchor: still a prefix.
    record(s.as_ref(), 2).await;
    let out = ok_text(dir, &["audit", "verify"]);
    assert!(out.contains("7 entries, the hash chain is intact"), "{out}");
    assert!(out.contains("covers the first 5 audit entries"), "{out}");

    // Someone with the file rewrites entry 2 and recomputes every hash after it and the head: the chain
    // itself is consistent again, only the anchor shows it.
    let mut rows = s
        .audit_query(&AuditFilter {
            within: tepat_domain::Scope::All,
            actor: None,
            object_id: None,
            before_seq: None,
            limit: 100,
        })
        .await
        .unwrap();
    rows.sort_by_key(|r| r.seq);
    let mut statements = vec![
        "DROP TRIGGER audit_log_no_update".to_string(),
        "DROP TRIGGER audit_log_no_delete".to_string(),
        "UPDATE audit_log SET purpose = 'covered_up' WHERE seq = 2".to_string(),
    ];
    rows[1].entry.purpose = "covered_up".into();
    let mut prev = rows[0].hash;
    for r in &rows[1..] {
        prev = tepat_store::chain_hash(&prev, r.seq, r.at, &r.entry);
        statements.push(format!(
            "UPDATE audit_log SET hash = X'{}' WHERE seq = {}",
            hex(&prev),
            r.seq
        ));
    }
    statements.push(format!(
        "UPDATE audit_head SET hash = X'{}' WHERE id = 1",
        hex(&prev)
    ));
    sql(dir, &statements).await;
    let check = s.audit_verify().await.unwrap();
    assert!(check.is_intact(), "the rewrite is consistent: {check:?}");
    let o = output(dir, &["audit", "verify"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the audit log was rewritten"),
        "{}",
        text(&o)
    );

    // Cutting entries off the end, head adjusted: consistent again, fewer than anchored.
    let mut prev = rows[0].hash;
    for r in &rows[1..3] {
        prev = tepat_store::chain_hash(&prev, r.seq, r.at, &r.entry);
    }
    sql(
        dir,
        &[
            "DELETE FROM audit_log WHERE seq > 3".to_string(),
            format!(
                "UPDATE audit_head SET seq = 3, hash = X'{}' WHERE id = 1",
                hex(&prev)
            ),
        ],
    )
    .await;
    let check = s.audit_verify().await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.checked, 3);
    let o = output(dir, &["audit", "verify"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("holds 3 entries but 5 were anchored"),
        "{}",
        text(&o)
    );
}
