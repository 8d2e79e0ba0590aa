//! The real binary on a real SQLite file: `tepat admin list-passkeys` and `remove-passkey` for an officer
//! who lost their device (audited as the command-line administrator), `tepat registry flag-stale`
//! audited as the re-verification job (not as an administrator), and no account with the role `system`.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use tepat_core::access::Job;
use tepat_domain::{Role, Scope};
use tepat_store::{AuditAction, AuditEntry, AuditFilter, NewPasskey, ObjectKind, Store};
use uuid::Uuid;

mod support;
use support::{ok, output, output_with_stdin, stderr, tepat, text};

const PASSWORD: &str = "ombak pantai tanjung kelayang";

fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    output_with_stdin(tepat(dir).args(args), stdin)
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let o = output(dir, args);
    assert!(!o.status.success(), "tepat {args:?} worked: {}", text(&o));
    stderr(&o)
}

async fn store(dir: &Path) -> Arc<dyn Store> {
    let keyring = tepat_crypto::Keyring::load_or_create(&dir.join("tepat.keys")).unwrap();
    tepat_store::connect(
        &format!("sqlite://{}", dir.join("tepat.db").display()),
        Arc::new(keyring),
    )
    .await
    .unwrap()
}

/// The newest audit entry.
async fn last(s: &dyn Store) -> AuditEntry {
    s.audit_query(&AuditFilter {
        within: Scope::All,
        actor: None,
        object_id: None,
        before_seq: None,
        limit: 1,
    })
    .await
    .unwrap()
    .remove(0)
    .entry
}

fn create_operator(dir: &Path) {
    let o = run(
        dir,
        &[
            "admin",
            "create-user",
            "op.tanjungpandan",
            "--name",
            "Siti Rahmawati",
            "--role",
            "village_operator",
            "--scope",
            "19.02.01.1001",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_removes_the_passkeys_of_a_lost_phone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["migrate"]);
    create_operator(dir);
    let s = store(dir).await;
    let account = s
        .account_by_username("op.tanjungpandan")
        .await
        .unwrap()
        .unwrap();

    let listed = ok(dir, &["admin", "list-passkeys", "op.tanjungpandan"]);
    assert_eq!(listed.trim(), "op.tanjungpandan has no passkeys");
    for (id, name) in [(vec![7u8; 16], "HP kantor"), (vec![9u8; 16], "HP pribadi")] {
        s.add_passkey(
            &NewPasskey {
                credential_id: id,
                account_id: account.id,
                static_state: vec![1],
                dynamic_state: vec![2],
                name: name.into(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    }
    let listed = ok(dir, &["admin", "list-passkeys", "op.tanjungpandan"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(lines[0].starts_with("BwcHBwcHBwcHBwcHBwcHBw  added "));
    assert!(
        lines[0].ends_with("last used never  \"HP kantor\""),
        "{listed}"
    );
    assert!(lines[1].starts_with("CQkJCQkJCQkJCQkJCQkJCQ"));

    // Mistakes remove nothing and say what to do.
    let err = fails(dir, &["admin", "remove-passkey", "op.tanjungpandan"]);
    assert!(err.contains("--id"), "{err}");
    let err = fails(
        dir,
        &["admin", "remove-passkey", "op.tanjungpandan", "--id", "Bwc"],
    );
    assert!(err.contains("at least 8 characters"), "{err}");
    let err = fails(dir, &["admin", "remove-passkey", "tidak.ada", "--all"]);
    assert!(err.contains("no account is named `tidak.ada`"), "{err}");
    assert_eq!(s.passkeys_of(account.id).await.unwrap().len(), 2);

    let out = ok(
        dir,
        &[
            "admin",
            "remove-passkey",
            "op.tanjungpandan",
            "--id",
            "BwcHBwcHBw",
        ],
    );
    assert_eq!(
        out.trim(),
        "removed 1 passkey(s) of op.tanjungpandan; its password still works"
    );
    let left = s.passkeys_of(account.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name, "HP pribadi");
    let e = last(s.as_ref()).await;
    assert_eq!(e.action, AuditAction::PasskeyRemove);
    assert_eq!((e.actor, e.role), (Uuid::nil(), Role::Admin));
    assert_eq!(
        (e.object, e.object_id),
        (ObjectKind::Account, Some(account.id))
    );
    assert_eq!(e.purpose, "passkey.remove_by_admin");

    ok(
        dir,
        &["admin", "remove-passkey", "op.tanjungpandan", "--all"],
    );
    assert!(s.passkeys_of(account.id).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_stale_is_the_jobs_doing_and_no_account_is_a_system() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["migrate"]);
    let out = ok(dir, &["registry", "flag-stale"]);
    assert!(out.starts_with("0 household(s)"), "{out}");
    let s = store(dir).await;
    let e = last(s.as_ref()).await;
    assert_eq!(e.actor, Job::Reverification.id());
    assert_eq!(e.role, Role::System);
    assert_eq!(e.purpose, "upkeep.reverification");

    let o = run(
        dir,
        &[
            "admin",
            "create-user",
            "jadwal",
            "--name",
            "Tugas",
            "--role",
            "system",
            "--scope",
            "all",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`system` is not a role"), "{err}");
    assert!(
        !err.contains("system,") && !err.contains(", system"),
        "{err}"
    );
    assert!(s.account_by_username("jadwal").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_photos_removes_what_is_due_as_the_purge_job() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["migrate"]);
    let s = store(dir).await;
    let now = chrono::Utc::now();
    let household = Uuid::now_v7();
    let photo = |id: Uuid, delete_after| tepat_store::Photo {
        meta: tepat_store::PhotoMeta {
            id,
            village: tepat_domain::RegionCode::parse("19.02.01.1001").unwrap(),
            household,
            kind: tepat_store::PhotoKind::Floor,
            content_type: "image/jpeg".into(),
            size: 3,
            taken_at: now - chrono::Duration::days(200),
            taken_by: Uuid::now_v7(),
            delete_after,
        },
        bytes: vec![1, 2, 3],
    };
    let (due, kept) = (Uuid::now_v7(), Uuid::now_v7());
    s.add_photo(&photo(due, now - chrono::Duration::days(1)))
        .await
        .unwrap();
    s.add_photo(&photo(kept, now + chrono::Duration::days(30)))
        .await
        .unwrap();

    let out = ok(dir, &["registry", "purge-photos"]);
    assert_eq!(
        out.trim(),
        "1 photo(s) past 180 days after verification removed; 0 household(s) held by an objection"
    );
    assert!(s.photo_meta(due).await.unwrap().is_none());
    assert!(s.photo_meta(kept).await.unwrap().is_some());
    let e = last(s.as_ref()).await;
    assert_eq!(e.action, AuditAction::PhotoPurge);
    assert_eq!((e.actor, e.role), (Job::PhotoPurge.id(), Role::System));
    assert_eq!(e.purpose, format!("photo.purge:{due}"));
    let out = ok(dir, &["registry", "purge-photos"]);
    assert!(out.starts_with("0 photo(s)"), "{out}");
}
