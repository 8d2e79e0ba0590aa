//! Notification contacts, messages and the outbox on every backend: contacts sealed and found by their
//! blind index, "payment sent" notices generated once per settled transfer, notices fanned out once to
//! each channel of their household, and deliveries claimed, sent, reported, retried and counted.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tepat_domain::distribution::EntitlementState;
use tepat_domain::distribution::{PaymentState, Route};
use tepat_domain::{Lang, RegionCode, Rupiah};
use tepat_store::testing::TestDb;
use tepat_store::{
    Channel, DeliveryKey, DeliveryState, Entitlement, MessageTo, NewEnvelope, NewMessage, Notice,
    NoticeKind, NotifyContact, StatusImport, StatusUpdate,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    contacts_are_sealed_replaced_and_removed,
    settled_transfers_get_one_payment_notice,
    notices_fan_out_once_to_each_channel,
    messages_go_to_a_household_or_an_address,
    deliveries_are_claimed_sent_reported_and_retried,
);

const VILLAGE: &str = "19.02.01.2001";
const PHONE: &str = "081234567890";

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 250_000_000).unwrap()
}

fn contact(household: Uuid, channel: Channel, address: &str, lang: Lang) -> NotifyContact {
    NotifyContact {
        household,
        channel,
        address: address.into(),
        lang,
        created_at: t0(),
    }
}

fn notice(household: Uuid, kind: NoticeKind) -> Notice {
    Notice {
        id: Uuid::now_v7(),
        household,
        kind,
        program: "PKH".into(),
        cycle: "2027-T1".into(),
        body: r#"{"point_code":"KPOS-1","amount":600000}"#.into(),
        created_at: t0(),
        delivered_at: None,
    }
}

async fn contacts_are_sealed_replaced_and_removed(db: TestDb) {
    let store = db.store.as_ref();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    store
        .set_contact(&contact(a, Channel::Sms, PHONE, Lang::Id))
        .await
        .unwrap();
    store
        .set_contact(&contact(
            a,
            Channel::Email,
            "siti@desa.example.id",
            Lang::En,
        ))
        .await
        .unwrap();
    store
        .set_contact(&contact(b, Channel::Sms, PHONE, Lang::Id))
        .await
        .unwrap();
    let mine = store.contacts_of_household(a).await.unwrap();
    assert_eq!(
        mine.iter()
            .map(|c| (c.channel, c.address.as_str(), c.lang))
            .collect::<Vec<_>>(),
        [
            (Channel::Sms, PHONE, Lang::Id),
            (Channel::Email, "siti@desa.example.id", Lang::En)
        ]
    );
    assert!(
        !format!("{mine:?}").contains(PHONE),
        "Debug hides addresses"
    );
    // A new number replaces the old one on the channel.
    store
        .set_contact(&contact(a, Channel::Sms, "085700001111", Lang::En))
        .await
        .unwrap();
    let sms = &store.contacts_of_household(a).await.unwrap()[0];
    assert_eq!((sms.address.as_str(), sms.lang), ("085700001111", Lang::En));
    // Found by the blind index: only b still has the old number.
    assert_eq!(
        store.remove_contacts_at(Channel::Sms, PHONE).await.unwrap(),
        1
    );
    assert!(store.contacts_of_household(b).await.unwrap().is_empty());
    assert!(store.remove_contact(a, Channel::Email).await.unwrap());
    assert!(!store.remove_contact(a, Channel::Email).await.unwrap());
    assert_eq!(store.contacts_of_household(a).await.unwrap().len(), 1);
    // Sealed at rest: the plaintext address is nowhere in the database file.
    if let Some(path) = &db.sqlite_path {
        let bytes = std::fs::read(path).unwrap();
        let wal = std::fs::read(path.with_extension("db-wal")).unwrap_or_default();
        for needle in [b"085700001111".as_slice(), b"siti@desa".as_slice()] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle));
            assert!(!wal.windows(needle.len()).any(|w| w == needle));
        }
    }
}

fn entitlement(route: Route, provider: Option<&str>, amount: i64) -> Entitlement {
    Entitlement {
        household: Uuid::now_v7(),
        village: RegionCode::parse(VILLAGE).unwrap(),
        amount: Rupiah::new(amount),
        parts: "[]".into(),
        route,
        provider: provider.map(str::to_owned),
        state: EntitlementState::Pending,
        reason: None,
    }
}

async fn settled_transfers_get_one_payment_notice(db: TestDb) {
    let store = db.store.as_ref();
    let rows = vec![
        entitlement(Route::Bank, Some("bri"), 750_000),
        entitlement(Route::EWallet, Some("dana"), 500_000),
        entitlement(Route::Bank, Some("bri"), 600_000),
        entitlement(Route::Premium, Some("bpjs"), 42_000),
        entitlement(Route::Cash, None, 300_000),
    ];
    let envelope = Uuid::now_v7();
    store
        .create_envelope(
            &NewEnvelope {
                id: envelope,
                program: "PKH".into(),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
                prepared_by: Uuid::now_v7(),
                prepared_at: t0(),
            },
            &rows,
        )
        .await
        .unwrap();
    store
        .approve_envelope(envelope, Uuid::now_v7(), t0())
        .await
        .unwrap();
    store.release_envelope(envelope, t0()).await.unwrap();
    assert_eq!(store.generate_payment_notices(t0(), 100).await.unwrap(), 0);
    let mut payments = Vec::new();
    for row in &rows[..4] {
        payments.extend(
            store
                .household_payments(envelope, row.household)
                .await
                .unwrap(),
        );
    }
    let ids: Vec<Uuid> = payments.iter().map(|p| p.id).collect();
    store.mark_sent(&ids, "B-1", t0()).await.unwrap();
    // Settled: the bank transfer, the e-wallet and the premium; the second bank transfer is not.
    let settle: Vec<StatusUpdate> = [0usize, 1, 3]
        .iter()
        .map(|i| StatusUpdate {
            payment: payments[*i].id,
            state: PaymentState::Settled,
            reason: None,
            provider_ref: None,
        })
        .collect();
    store
        .apply_status(
            &StatusImport {
                sha256: [1; 32],
                kind: "pain.002".into(),
                file_name: "s.xml".into(),
                imported_by: Uuid::now_v7(),
                imported_at: t0(),
                summary: "{}".into(),
            },
            &settle,
        )
        .await
        .unwrap();
    let now = t0() + Duration::hours(1);
    assert_eq!(store.generate_payment_notices(now, 1).await.unwrap(), 1);
    assert_eq!(store.generate_payment_notices(now, 100).await.unwrap(), 1);
    assert_eq!(store.generate_payment_notices(now, 100).await.unwrap(), 0);
    let bank = store.notices_of_household(rows[0].household).await.unwrap();
    assert_eq!(bank.len(), 1);
    assert_eq!(bank[0].kind, NoticeKind::PaymentSent);
    let body: serde_json::Value = serde_json::from_str(&bank[0].body).unwrap();
    assert_eq!(
        (
            body["amount"].as_i64(),
            body["route"].as_str(),
            body["provider"].as_str()
        ),
        (Some(750_000), Some("bank"), Some("bri"))
    );
    for quiet in [&rows[2], &rows[3], &rows[4]] {
        assert!(store
            .notices_of_household(quiet.household)
            .await
            .unwrap()
            .is_empty());
    }
}

async fn notices_fan_out_once_to_each_channel(db: TestDb) {
    let store = db.store.as_ref();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    store
        .set_contact(&contact(a, Channel::Sms, PHONE, Lang::Id))
        .await
        .unwrap();
    store
        .set_contact(&contact(a, Channel::Email, "a@desa.example.id", Lang::En))
        .await
        .unwrap();
    let (na, nb) = (
        notice(a, NoticeKind::Schedule),
        notice(b, NoticeKind::Handover),
    );
    store
        .insert_notices(&[na.clone(), nb.clone()])
        .await
        .unwrap();
    let done = store.fan_out_notices(100, t0()).await.unwrap();
    assert_eq!((done.notices, done.deliveries), (2, 2));
    assert!(store.undelivered_notices(10).await.unwrap().is_empty());
    assert_eq!(store.fan_out_notices(100, t0()).await.unwrap().notices, 0);
    let rows = store.deliveries_of(na.id).await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.key.channel, r.lang, r.state, r.template.as_str()))
            .collect::<Vec<_>>(),
        [
            (Channel::Sms, Lang::Id, DeliveryState::Pending, "schedule"),
            (Channel::Email, Lang::En, DeliveryState::Pending, "schedule")
        ]
    );
    assert!(store.deliveries_of(nb.id).await.unwrap().is_empty());
    // The claimed delivery carries the notice's words' inputs and the contact's address.
    let due = store
        .claim_deliveries(t0(), t0() + Duration::minutes(5), 10)
        .await
        .unwrap();
    let sms = due.iter().find(|d| d.key.channel == Channel::Sms).unwrap();
    assert_eq!(sms.address.as_deref(), Some(PHONE));
    assert_eq!(
        (sms.program.as_deref(), sms.cycle.as_deref()),
        (Some("PKH"), Some("2027-T1"))
    );
    assert!(sms.params.contains("KPOS-1"));
}

async fn messages_go_to_a_household_or_an_address(db: TestDb) {
    let store = db.store.as_ref();
    let h = Uuid::now_v7();
    store
        .set_contact(&contact(h, Channel::Whatsapp, PHONE, Lang::En))
        .await
        .unwrap();
    let to_household = NewMessage {
        id: Uuid::now_v7(),
        to: MessageTo::Household(h),
        template: "complaint_update".into(),
        params: r#"{"ticket":"ADU-1","state":"resolved"}"#.into(),
        created_at: t0(),
    };
    assert_eq!(store.enqueue_message(&to_household).await.unwrap(), 1);
    assert_eq!(
        store.enqueue_message(&to_household).await.unwrap(),
        0,
        "once"
    );
    let inbox = store.messages_of_household(h).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].template, "complaint_update");
    let to_address = NewMessage {
        id: Uuid::now_v7(),
        to: MessageTo::Address {
            channel: Channel::Email,
            address: "pelapor@example.id".into(),
            lang: Lang::Id,
        },
        template: "complaint_received".into(),
        params: r#"{"ticket":"ADU-2"}"#.into(),
        created_at: t0(),
    };
    assert!(!format!("{to_address:?}").contains("pelapor"));
    assert_eq!(store.enqueue_message(&to_address).await.unwrap(), 1);
    let due = store
        .claim_deliveries(t0(), t0() + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 2);
    let mail = due.iter().find(|d| d.key.source == to_address.id).unwrap();
    assert_eq!(
        (
            mail.key.channel,
            mail.address.as_deref(),
            mail.household,
            mail.lang
        ),
        (Channel::Email, Some("pelapor@example.id"), None, Lang::Id)
    );
    let wa = due
        .iter()
        .find(|d| d.key.source == to_household.id)
        .unwrap();
    assert_eq!(
        (wa.key.channel, wa.address.as_deref()),
        (Channel::Whatsapp, Some(PHONE))
    );
    // A household that removed its contact: the delivery has no address any more.
    store.remove_contact(h, Channel::Whatsapp).await.unwrap();
    let later = t0() + Duration::minutes(10);
    let again = store
        .claim_deliveries(later, later + Duration::minutes(5), 10)
        .await
        .unwrap();
    let wa = again
        .iter()
        .find(|d| d.key.source == to_household.id)
        .unwrap();
    assert_eq!(wa.address, None);
}

async fn deliveries_are_claimed_sent_reported_and_retried(db: TestDb) {
    let store = db.store.as_ref();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    for h in [a, b] {
        store
            .set_contact(&contact(h, Channel::Sms, PHONE, Lang::Id))
            .await
            .unwrap();
    }
    let (na, nb) = (
        notice(a, NoticeKind::Schedule),
        notice(b, NoticeKind::Schedule),
    );
    store
        .insert_notices(&[na.clone(), nb.clone()])
        .await
        .unwrap();
    store.fan_out_notices(10, t0()).await.unwrap();
    let ka = DeliveryKey {
        source: na.id,
        channel: Channel::Sms,
    };
    let kb = DeliveryKey {
        source: nb.id,
        channel: Channel::Sms,
    };
    assert_eq!(DeliveryKey::parse_reference(&ka.reference()), Some(ka));
    let until = t0() + Duration::minutes(5);
    assert_eq!(
        store.claim_deliveries(t0(), until, 10).await.unwrap().len(),
        2
    );
    // Claimed: not due again until the claim lapses.
    assert!(store
        .claim_deliveries(t0(), until, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store.delivery_sent(ka, t0()).await.unwrap());
    assert!(
        !store.delivery_sent(ka, t0()).await.unwrap(),
        "only a claimed one"
    );
    assert!(store.delivery_report(ka, true, None, t0()).await.unwrap());
    let row = store.delivery(ka).await.unwrap().unwrap();
    assert_eq!((row.state, row.attempts), (DeliveryState::Delivered, 1));
    // b fails, is retried later, then given up.
    let retry_at = t0() + Duration::minutes(1);
    assert!(store
        .delivery_failed(kb, "gateway answered 503", Some(retry_at), t0())
        .await
        .unwrap());
    let row = store.delivery(kb).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.attempts, row.last_error.as_deref()),
        (DeliveryState::Pending, 1, Some("gateway answered 503"))
    );
    assert!(store
        .claim_deliveries(t0(), until, 10)
        .await
        .unwrap()
        .is_empty());
    let due = store
        .claim_deliveries(retry_at, retry_at + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 1);
    assert!(store
        .delivery_failed(kb, "gateway answered 400", None, retry_at)
        .await
        .unwrap());
    let counts = store.delivery_counts().await.unwrap();
    assert_eq!(
        counts
            .iter()
            .map(|c| (c.channel, c.state, c.count))
            .collect::<Vec<_>>(),
        [
            (Channel::Sms, DeliveryState::Delivered, 1),
            (Channel::Sms, DeliveryState::Failed, 1)
        ]
    );
    assert_eq!(store.retry_failed_deliveries(retry_at).await.unwrap(), 1);
    let row = store.delivery(kb).await.unwrap().unwrap();
    assert_eq!((row.state, row.attempts), (DeliveryState::Pending, 0));
    // A crashed sender's claim lapses and the delivery is due again.
    store
        .claim_deliveries(retry_at, retry_at, 10)
        .await
        .unwrap();
    let later = retry_at + Duration::seconds(1);
    assert_eq!(
        store
            .claim_deliveries(later, later + Duration::minutes(5), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
