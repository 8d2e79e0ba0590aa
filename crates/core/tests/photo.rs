//! Household photos on every backend: the grants and region checks, the checks of the bytes (type,
//! size, metadata stripped), the audit entries and the retention purge.

use chrono::{DateTime, Duration, Utc};
use tepat_core::access::{Actor, Denied, Propose, ReadHousehold, VerifyInVillage};
use tepat_core::photos::{self, PhotoError, PhotoKind, PhotoSettings};
use tepat_core::registry::Origin;
use tepat_domain::registry::{Change, ChangeKind, RegistryHousehold, Request, Submission, Who};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    AuditAction, AuditEntry, HouseholdState, ObjectKind, Objection, ObjectionDetails,
    SaveHousehold, Store,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    an_operator_adds_lists_views_and_deletes_photos_with_audit,
    an_operator_of_village_a_cannot_touch_village_b_photos,
    only_images_within_the_limit_are_accepted,
    photos_go_after_the_retention_unless_an_objection_holds_them,
);

const VILLAGE_A: &str = "19.02.01.1001";
const VILLAGE_B: &str = "19.02.01.1002";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn operator(village: &str) -> Actor {
    Actor::for_tests(Role::VillageOperator, Scope::Within(code(village)))
}

fn origin_at(now: DateTime<Utc>) -> Origin {
    Origin {
        now,
        client: Some("10.1.2.3:5000".into()),
    }
}

fn origin() -> Origin {
    Origin::now(Some("10.1.2.3:5000".into()))
}

/// Stores a household of `village` (verified at `at` when `verified`); returns its id.
async fn household(
    store: &dyn Store,
    village: &str,
    serial: u16,
    verified: bool,
    at: DateTime<Utc>,
) -> Uuid {
    let records = sample::households(village, 1, 3, serial);
    let first = &records[0];
    let h = RegistryHousehold {
        id: Uuid::now_v7(),
        kk_number: first.kk_number,
        village: first.village,
        address: first.address.clone(),
        rt: first.rt.clone(),
        rw: first.rw.clone(),
        location: None,
        survey: None,
        account: None,
        members: records.iter().map(sample::registry_member).collect(),
    };
    let who = Who {
        user: Uuid::now_v7(),
        role: Role::VillageOperator,
    };
    let request = Request::propose(
        Uuid::now_v7(),
        ChangeKind::NewHousehold,
        h.id,
        h.village,
        who,
        at,
        "usulan",
    )
    .unwrap();
    let submission = Submission {
        change: Change::NewHousehold {
            household: h.clone(),
        },
        field_visit: None,
    };
    let save = SaveHousehold {
        household: h.clone(),
        state: if verified {
            HouseholdState::Active
        } else {
            HouseholdState::Proposed
        },
        expected_version: None,
        verified,
    };
    let audit = AuditEntry {
        actor: who.user,
        role: who.role,
        action: AuditAction::Propose,
        object: ObjectKind::Request,
        object_id: Some(request.id),
        region: Some(h.village),
        purpose: "test".into(),
        client: None,
    };
    store
        .registry_propose(&request, &submission, Some(save), &audit)
        .await
        .unwrap();
    h.id
}

/// A JPEG skeleton: SOI, APP0 JFIF, APP1 EXIF with a GPS tag and a readable marker, a COM segment,
/// a quantisation table, SOS with some "compressed" bytes, EOI.
fn jpeg_with_gps() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let exif = b"Exif\0\0MM\0*GPSLatitude-6.2088-LOKASI-RUMAH";
    b.extend_from_slice(&[0xFF, 0xE1]);
    b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(exif);
    let comment = b"KAMERA-SERIAL-123";
    b.extend_from_slice(&[0xFF, 0xFE]);
    b.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(comment);
    b.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
    b.extend_from_slice(b"PIXELS-OF-THE-HOUSE");
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn png_with_text() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]); // CRC: copied as is, not checked here
        c
    }
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
    b.extend(chunk(b"tEXt", b"Comment\0LOKASI-RUMAH"));
    b.extend(chunk(b"eXIf", b"MM\0*GPS"));
    b.extend(chunk(b"IDAT", b"PIXELS"));
    b.extend(chunk(b"IEND", b""));
    b
}

fn webp_with_exif() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }
    let mut body = b"WEBP".to_vec();
    body.extend(chunk(b"VP8X", &[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    body.extend(chunk(b"VP8L", b"PIXELS!"));
    body.extend(chunk(b"EXIF", b"MM\0*GPS-LOKASI-RUMAH"));
    body.extend(chunk(b"XMP ", b"<x:xmpmeta/>"));
    let mut b = b"RIFF".to_vec();
    b.extend_from_slice(&(body.len() as u32).to_le_bytes());
    b.extend(body);
    b
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn audit_count(store: &dyn Store) -> u64 {
    store.audit_head().await.unwrap().count
}

async fn an_operator_adds_lists_views_and_deletes_photos_with_audit(db: TestDb) {
    let store = db.store.as_ref();
    let h = household(store, VILLAGE_A, 10, false, Utc::now()).await;
    let op = operator(VILLAGE_A);
    let settings = PhotoSettings::default();
    let verify = op.may::<VerifyInVillage>(&code(VILLAGE_A)).unwrap();
    let read = op.may::<ReadHousehold>(&code(VILLAGE_A)).unwrap();

    let before = audit_count(store).await;
    let added = photos::add_photo(
        store,
        &verify,
        h,
        PhotoKind::HouseFront,
        &jpeg_with_gps(),
        &settings,
        &origin(),
    )
    .await
    .unwrap();
    assert_eq!(added.content_type, "image/jpeg");
    assert_eq!(added.household, h);
    assert_eq!(audit_count(store).await, before + 1);

    let listed = photos::list_photos(store, &read, h, &origin())
        .await
        .unwrap();
    assert_eq!(listed, vec![added.clone()]);
    assert_eq!(audit_count(store).await, before + 2);

    let photo = photos::view_photo(store, &read, added.id, &origin())
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 3);
    // GPS, the camera's comment gone; the picture and the JFIF header kept.
    assert!(!contains(&photo.bytes, b"GPS"));
    assert!(!contains(&photo.bytes, b"LOKASI-RUMAH"));
    assert!(!contains(&photo.bytes, b"KAMERA-SERIAL"));
    assert!(contains(&photo.bytes, b"JFIF"));
    assert!(photo.bytes.ends_with(b"PIXELS-OF-THE-HOUSE\xFF\xD9"));
    assert_eq!(photo.meta.size, photo.bytes.len() as i64);

    // A proposer's grant also adds (PNG and WebP, metadata stripped).
    let propose = op.may::<Propose>(&code(VILLAGE_A)).unwrap();
    let png = photos::add_photo(
        store,
        &propose,
        h,
        PhotoKind::Floor,
        &png_with_text(),
        &settings,
        &origin(),
    )
    .await
    .unwrap();
    let png = photos::view_photo(store, &read, png.id, &origin())
        .await
        .unwrap();
    assert_eq!(png.meta.content_type, "image/png");
    assert!(!contains(&png.bytes, b"LOKASI") && !contains(&png.bytes, b"GPS"));
    assert!(contains(&png.bytes, b"IDATPIXELS") && png.bytes.ends_with(b"IEND\0\0\0\0"));
    let webp = photos::add_photo(
        store,
        &propose,
        h,
        PhotoKind::Roof,
        &webp_with_exif(),
        &settings,
        &origin(),
    )
    .await
    .unwrap();
    let webp = photos::view_photo(store, &read, webp.id, &origin())
        .await
        .unwrap();
    assert_eq!(webp.meta.content_type, "image/webp");
    assert!(!contains(&webp.bytes, b"GPS") && !contains(&webp.bytes, b"xmpmeta"));
    assert!(contains(&webp.bytes, b"VP8LPIXELS") || contains(&webp.bytes, b"PIXELS!"));
    // VP8X flags no longer announce EXIF or XMP, and the RIFF size is the new one.
    assert_eq!(webp.bytes[20] & 0x0C, 0);
    let riff = u32::from_le_bytes(webp.bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff + 8, webp.bytes.len());

    let count = audit_count(store).await;
    let gone = photos::delete_photo(store, &verify, added.id, &origin())
        .await
        .unwrap();
    assert_eq!(gone.id, added.id);
    assert_eq!(audit_count(store).await, count + 1);
    assert!(matches!(
        photos::view_photo(store, &read, added.id, &origin()).await,
        Err(PhotoError::NotFound { .. })
    ));
    assert_eq!(
        photos::list_photos(store, &read, h, &origin())
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn an_operator_of_village_a_cannot_touch_village_b_photos(db: TestDb) {
    let store = db.store.as_ref();
    let b_household = household(store, VILLAGE_B, 20, false, Utc::now()).await;
    let settings = PhotoSettings::default();
    let b_op = operator(VILLAGE_B);
    let b_photo = photos::add_photo(
        store,
        &b_op.may::<VerifyInVillage>(&code(VILLAGE_B)).unwrap(),
        b_household,
        PhotoKind::HouseFront,
        &jpeg_with_gps(),
        &settings,
        &origin(),
    )
    .await
    .unwrap();

    let a_op = operator(VILLAGE_A);
    // A grant for B cannot be had at all …
    assert!(a_op.may::<ReadHousehold>(&code(VILLAGE_B)).is_err());
    // … and A's own grants do not reach B's records by id.
    let verify = a_op.may::<VerifyInVillage>(&code(VILLAGE_A)).unwrap();
    let read = a_op.may::<ReadHousehold>(&code(VILLAGE_A)).unwrap();
    let denied =
        |r: Result<_, PhotoError>| matches!(r, Err(PhotoError::Denied(Denied::Region { .. })));
    let before = audit_count(store).await;
    assert!(denied(
        photos::add_photo(
            store,
            &verify,
            b_household,
            PhotoKind::Floor,
            &jpeg_with_gps(),
            &settings,
            &origin()
        )
        .await
        .map(|_| ())
    ));
    assert!(denied(
        photos::list_photos(store, &read, b_household, &origin())
            .await
            .map(|_| ())
    ));
    assert!(denied(
        photos::view_photo(store, &read, b_photo.id, &origin())
            .await
            .map(|_| ())
    ));
    assert!(denied(
        photos::delete_photo(store, &verify, b_photo.id, &origin())
            .await
            .map(|_| ())
    ));
    // Nothing was written: no audit entry, B's photo still there, none added.
    assert_eq!(audit_count(store).await, before);
    assert_eq!(
        store.photos_of_household(b_household).await.unwrap(),
        vec![b_photo]
    );
}

async fn only_images_within_the_limit_are_accepted(db: TestDb) {
    let store = db.store.as_ref();
    let h = household(store, VILLAGE_A, 30, false, Utc::now()).await;
    let op = operator(VILLAGE_A);
    let grant = op.may::<VerifyInVillage>(&code(VILLAGE_A)).unwrap();
    let small = PhotoSettings {
        max_bytes: 64,
        ..PhotoSettings::default()
    };
    let add = |bytes: Vec<u8>, settings: PhotoSettings| {
        let grant = &grant;
        async move {
            photos::add_photo(
                store,
                grant,
                h,
                PhotoKind::Other,
                &bytes,
                &settings,
                &origin(),
            )
            .await
        }
    };
    assert!(matches!(
        add(jpeg_with_gps(), small).await,
        Err(PhotoError::TooLarge { max_kib: 0 })
    ));
    let defaults = PhotoSettings::default();
    assert!(matches!(
        add(b"%PDF-1.7 not a photo".to_vec(), defaults).await,
        Err(PhotoError::NotAnImage)
    ));
    assert!(matches!(
        add(b"<svg onload=alert(1)>".to_vec(), defaults).await,
        Err(PhotoError::NotAnImage)
    ));
    assert!(matches!(
        add(Vec::new(), defaults).await,
        Err(PhotoError::Empty)
    ));
    // JPEG magic but no picture (cut off before the scan): refused.
    assert!(matches!(
        add(jpeg_with_gps()[..30].to_vec(), defaults).await,
        Err(PhotoError::NotAnImage)
    ));
    let e = add(b"GIF89a....".to_vec(), defaults).await.unwrap_err();
    assert_eq!(e.field(), Some("photo"));
    assert!(tepat_domain::Localized::message(&e, tepat_domain::Lang::Id).starts_with("foto:"));
    assert!(store.photos_of_household(h).await.unwrap().is_empty());
}

async fn photos_go_after_the_retention_unless_an_objection_holds_them(db: TestDb) {
    let store = db.store.as_ref();
    // The store stamps verifications with the clock, so the test counts from now.
    let t0 = Origin::now(None).now;
    let settings = PhotoSettings {
        retention_days: 30,
        ..PhotoSettings::default()
    };
    let unverified = household(store, VILLAGE_A, 40, false, t0).await;
    let held = household(store, VILLAGE_A, 41, false, t0).await;
    let verified = household(store, VILLAGE_A, 42, true, t0).await;
    let verified_at = store
        .registry_household(verified)
        .await
        .unwrap()
        .unwrap()
        .verified_at
        .expect("verified");
    let op = operator(VILLAGE_A);
    let grant = op.may::<VerifyInVillage>(&code(VILLAGE_A)).unwrap();
    let taken = t0 - Duration::days(40);
    let add = |h: Uuid| {
        let grant = &grant;
        async move {
            photos::add_photo(
                store,
                grant,
                h,
                PhotoKind::HouseFront,
                &jpeg_with_gps(),
                &settings,
                &origin_at(taken),
            )
            .await
            .unwrap()
        }
    };
    let p_verified = add(verified).await;
    let p_unverified = add(unverified).await;
    let p_held = add(held).await;
    // Counted from the verification, not from the day the photo was taken.
    assert_eq!(p_verified.delete_after, verified_at + Duration::days(30));
    assert_eq!(p_unverified.delete_after, taken + Duration::days(30));
    store
        .intake_add_objection(&Objection {
            id: Uuid::now_v7(),
            village: code(VILLAGE_A),
            household: held,
            details: ObjectionDetails {
                reason: "bukan warga miskin".into(),
                objector: "Contoh".into(),
            },
            created_at: t0,
        })
        .await
        .unwrap();

    // 11 days ago nothing was due.
    let report = photos::purge(store, &settings, t0 - Duration::days(11))
        .await
        .unwrap();
    assert!(report.removed.is_empty());
    // Now: the unverified household's photo goes; the held one and the verified one stay.
    let report = photos::purge(store, &settings, t0).await.unwrap();
    let removed: Vec<Uuid> = report.removed.iter().map(|m| m.id).collect();
    assert_eq!(removed, vec![p_unverified.id]);
    assert_eq!(report.held, 1);
    assert!(store.photo_meta(p_held.id).await.unwrap().is_some());
    assert!(store.photo_meta(p_verified.id).await.unwrap().is_some());
    // 31 days on: the verified household's photo goes too; the held one still stays.
    let report = photos::purge(store, &settings, t0 + Duration::days(31))
        .await
        .unwrap();
    let removed: Vec<Uuid> = report.removed.iter().map(|m| m.id).collect();
    assert_eq!(removed, vec![p_verified.id]);
    assert!(store.photo_meta(p_held.id).await.unwrap().is_some());
}
