//! The photo table, on every backend (SQLite always; PostgreSQL when `TEPAT_TEST_POSTGRES_URL` is set,
//! required in CI): round trip, sealing at rest, retention.

use chrono::{DateTime, Duration, Utc};
use sqlx::Connection as _;
use tepat_domain::RegionCode;
use tepat_store::testing::TestDb;
use tepat_store::{Photo, PhotoKind, PhotoMeta, StoreError};
use uuid::Uuid;

tepat_store::on_every_backend!(
    photos_round_trip_per_household,
    photos_are_sealed_at_rest,
    expired_photos_are_purged_unless_held,
    retention_is_only_ever_extended,
    a_sealed_image_copied_to_another_row_does_not_open,
);

const VILLAGE: &str = "19.02.01.1001";
/// Something no cipher text will contain by chance: the JPEG start and a readable marker.
const MARKER: &[u8] = b"RUMAH-KELUARGA-CONTOH";

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 123_456_000).unwrap()
}

fn jpeg(n: u8) -> Vec<u8> {
    let mut b = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    b.extend_from_slice(MARKER);
    b.extend(std::iter::repeat_n(n, 300));
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn photo(household: Uuid, kind: PhotoKind, minute: i64, n: u8) -> Photo {
    let bytes = jpeg(n);
    Photo {
        meta: PhotoMeta {
            id: Uuid::now_v7(),
            village: RegionCode::parse(VILLAGE).unwrap(),
            household,
            kind,
            content_type: "image/jpeg".into(),
            size: bytes.len() as i64,
            taken_at: t0() + Duration::minutes(minute),
            taken_by: Uuid::now_v7(),
            delete_after: t0() + Duration::days(180) + Duration::minutes(minute),
        },
        bytes,
    }
}

async fn photos_round_trip_per_household(db: TestDb) {
    let store = &db.store;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let front = photo(a, PhotoKind::HouseFront, 0, 1);
    let floor = photo(a, PhotoKind::Floor, 1, 2);
    // A hand-over's photo (migration 18 added its kind) is kept like any other.
    let other = photo(b, PhotoKind::HandOver, 2, 3);
    for p in [&floor, &front, &other] {
        store.add_photo(p).await.unwrap();
    }
    let listed = store.photos_of_household(a).await.unwrap();
    assert_eq!(listed, vec![front.meta.clone(), floor.meta.clone()]);
    assert_eq!(
        store.photo(floor.meta.id).await.unwrap(),
        Some(floor.clone())
    );
    assert_eq!(
        store.photo_meta(other.meta.id).await.unwrap(),
        Some(other.meta.clone())
    );
    // The same id twice is refused, not overwritten.
    assert!(store.add_photo(&front).await.is_err());

    assert!(store.delete_photo(front.meta.id).await.unwrap());
    assert!(!store.delete_photo(front.meta.id).await.unwrap());
    assert_eq!(store.photo(front.meta.id).await.unwrap(), None);
    assert_eq!(
        store.photos_of_household(a).await.unwrap(),
        vec![floor.meta.clone()]
    );
    assert_eq!(store.photos_of_household(b).await.unwrap().len(), 1);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn photos_are_sealed_at_rest(db: TestDb) {
    let p = photo(Uuid::now_v7(), PhotoKind::Kitchen, 0, 7);
    db.store.add_photo(&p).await.unwrap();
    let stored: Vec<u8> = if let Some(path) = &db.sqlite_path {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal"] {
            bytes.extend(std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default());
        }
        // The test is only meaningful if the row is in the files at all.
        assert!(
            contains(&bytes, p.meta.id.as_bytes()),
            "photo row not found"
        );
        bytes
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT image_sealed FROM registry_photo")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        rows.concat()
    };
    assert!(
        !contains(&stored, &[0xFF, 0xD8, 0xFF, 0xE0]),
        "JPEG start in plaintext"
    );
    assert!(!contains(&stored, MARKER), "image bytes in plaintext");
    // And it still opens, with a store opened again with the same keys.
    let again = db.reopen().await;
    assert_eq!(
        again.photo(p.meta.id).await.unwrap().unwrap().bytes,
        p.bytes
    );
}

async fn expired_photos_are_purged_unless_held(db: TestDb) {
    let store = &db.store;
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let old_a = photo(a, PhotoKind::HouseFront, 0, 1);
    let old_b = photo(b, PhotoKind::HouseFront, 0, 2);
    let young_c = photo(c, PhotoKind::HouseFront, 60 * 24 * 30, 3);
    for p in [&old_a, &old_b, &young_c] {
        store.add_photo(p).await.unwrap();
    }
    let now = old_a.meta.delete_after + Duration::days(1);
    // Before the date nothing goes.
    assert!(store
        .purge_photos(old_a.meta.delete_after - Duration::seconds(1), &[])
        .await
        .unwrap()
        .is_empty());
    // b is held (an open objection): only a's photo is removed.
    let removed = store.purge_photos(now, &[b]).await.unwrap();
    assert_eq!(removed, vec![old_a.meta.clone()]);
    assert_eq!(store.photo(old_a.meta.id).await.unwrap(), None);
    assert!(store.photo(old_b.meta.id).await.unwrap().is_some());
    assert!(store.photo(young_c.meta.id).await.unwrap().is_some());
    // Released, b's goes too; c's is still young.
    let removed = store.purge_photos(now, &[]).await.unwrap();
    assert_eq!(removed, vec![old_b.meta.clone()]);
    assert_eq!(store.photos_of_household(c).await.unwrap().len(), 1);
}

async fn retention_is_only_ever_extended(db: TestDb) {
    let store = &db.store;
    let h = Uuid::now_v7();
    let first = photo(h, PhotoKind::Floor, 0, 1);
    let second = photo(h, PhotoKind::Wall, 10, 2);
    store.add_photo(&first).await.unwrap();
    store.add_photo(&second).await.unwrap();
    assert_eq!(
        store.photo_households().await.unwrap(),
        vec![(h, first.meta.delete_after)]
    );
    // Earlier than both: nothing changes.
    let earlier = t0();
    assert_eq!(store.keep_photos_until(h, earlier).await.unwrap(), 0);
    // Between them: only the first moves.
    let between = first.meta.delete_after + Duration::minutes(5);
    assert_eq!(store.keep_photos_until(h, between).await.unwrap(), 1);
    let listed = store.photos_of_household(h).await.unwrap();
    assert_eq!(listed[0].delete_after, between);
    assert_eq!(listed[1].delete_after, second.meta.delete_after);
    assert_eq!(store.photo_households().await.unwrap(), vec![(h, between)]);
}

async fn a_sealed_image_copied_to_another_row_does_not_open(db: TestDb) {
    let h = Uuid::now_v7();
    let (first, second) = (
        photo(h, PhotoKind::Floor, 0, 1),
        photo(h, PhotoKind::Wall, 1, 2),
    );
    db.store.add_photo(&first).await.unwrap();
    db.store.add_photo(&second).await.unwrap();
    // Someone with write access to the database copies the first photo's sealed bytes onto the second.
    let copy = "UPDATE registry_photo SET image_sealed = \
                (SELECT image_sealed FROM registry_photo WHERE id = $1) WHERE id = $2";
    if db.sqlite_path.is_some() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let done = sqlx::query(copy)
            .bind(first.meta.id)
            .bind(second.meta.id)
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let done = sqlx::query(copy)
            .bind(first.meta.id)
            .bind(second.meta.id)
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
    assert!(matches!(
        db.store.photo(second.meta.id).await,
        Err(StoreError::Undecryptable { .. })
    ));
    assert_eq!(
        db.store.photo(first.meta.id).await.unwrap().unwrap().bytes,
        first.bytes
    );
}
