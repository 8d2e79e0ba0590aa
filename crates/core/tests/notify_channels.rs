//! The outbox against real peers on loopback: an HTTP gateway speaking the documented protocol (axum),
//! a real SMTP server process (aiosmtpd, `tests/smtp_sink.py`) and a push service that decrypts the
//! payload as a browser would (RFC 8291) and checks the VAPID token (RFC 8292).
//!
//! Where python3 with aiosmtpd is missing the e-mail test says so and returns, except with `CI=true`
//! where it fails (CI installs python3-aiosmtpd).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rand::RngCore;
use tepat_core::portal::notify::config::{
    GatewaySettings, NotifyConfig, PushSettings, SmtpSettings, SmtpTls,
};
use tepat_core::portal::notify::gateway::{sign_report, verify_report};
use tepat_core::portal::notify::push::decrypt;
use tepat_core::portal::notify::{enqueue, ContactAddress, Message, Outbox, Recipient};
use tepat_domain::Lang;
use tepat_store::testing::{run_sqlite, TestDb};
use tepat_store::{Channel, DeliveryKey, DeliveryState, Notice, NoticeKind, NotifyContact, Store};
use uuid::Uuid;

const PHONE: &str = "081234567890";
const GONE_PHONE: &str = "081299999999";

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn contact(household: Uuid, channel: Channel, address: &str, lang: Lang) -> NotifyContact {
    NotifyContact {
        household,
        channel,
        address: address.into(),
        lang,
        created_at: Utc::now(),
    }
}

/// A schedule notice as issue 7 writes it.
fn schedule(household: Uuid) -> Notice {
    Notice {
        id: Uuid::now_v7(),
        household,
        kind: NoticeKind::Schedule,
        program: "PKH".into(),
        cycle: "2027-T1".into(),
        body: serde_json::json!({
            "point_code": "KPOS-TJP", "point_name": "Kantor Pos Tanjung Pandan",
            "point_kind": "post_office", "day": "2027-02-03", "slot": 2, "slot_time": "09:00",
            "slot_minutes": 30, "amount": 600000, "route": "cash", "voucher": Uuid::now_v7(),
        })
        .to_string(),
        created_at: Utc::now(),
        delivered_at: None,
    }
}

/// What the fake gateway saw.
#[derive(Default)]
struct Gateway {
    received: Mutex<Vec<(String, serde_json::Value)>>,
    /// Requests answered 503 before it starts accepting.
    fail_first: AtomicUsize,
}

async fn gateway_send(
    State(g): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let json: serde_json::Value = serde_json::from_slice(&body).expect("the gateway gets JSON");
    if g.fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if json["to"] == "+6281299999999" {
        return StatusCode::GONE;
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    g.received.lock().unwrap().push((auth, json));
    StatusCode::ACCEPTED
}

fn gateway_config(addr: SocketAddr, max_attempts: u32) -> NotifyConfig {
    NotifyConfig {
        gateway: Some(GatewaySettings {
            url: format!("http://{addr}/send"),
            token: "gateway-token".into(),
            sender: "DINSOS".into(),
            whatsapp: true,
            report_secret: Some(b"report-secret".to_vec()),
        }),
        max_attempts,
        ..NotifyConfig::default()
    }
}

async fn the_gateway_is_retried_with_backoff_then_delivers(db: TestDb) {
    let store: Arc<dyn Store> = db.store.clone();
    let gateway = Arc::new(Gateway::default());
    gateway.fail_first.store(2, Ordering::SeqCst);
    let addr = serve(
        Router::new()
            .route("/send", post(gateway_send))
            .with_state(gateway.clone()),
    )
    .await;
    let (h, gone) = (Uuid::now_v7(), Uuid::now_v7());
    store
        .set_contact(&contact(h, Channel::Sms, PHONE, Lang::Id))
        .await
        .unwrap();
    store
        .set_contact(&contact(h, Channel::Whatsapp, PHONE, Lang::En))
        .await
        .unwrap();
    let notice = schedule(h);
    store
        .insert_notices(std::slice::from_ref(&notice))
        .await
        .unwrap();
    let outbox = Outbox::new(store.clone(), gateway_config(addr, 8)).unwrap();

    let t = Utc::now();
    let first = outbox.run_once(t).await.unwrap();
    assert_eq!((first.fanned_out, first.queued), (1, 2));
    assert_eq!((first.sent, first.retrying), (0, 2), "{first:?}");
    for row in store.deliveries_of(notice.id).await.unwrap() {
        assert_eq!((row.state, row.attempts), (DeliveryState::Pending, 1));
        assert_eq!(row.last_error.as_deref(), Some("gateway answered 503"));
        let wait = row.next_attempt_at - t;
        assert!(
            wait >= Duration::seconds(15) && wait <= Duration::seconds(31),
            "{wait}"
        );
    }
    // Nothing is due before the backoff has passed.
    assert_eq!(outbox.run_once(t).await.unwrap().sent, 0);
    let later = t + Duration::minutes(1);
    assert_eq!(outbox.run_once(later).await.unwrap().sent, 2);

    let received = gateway.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    for (auth, m) in &received {
        assert_eq!(auth, "Bearer gateway-token");
        assert_eq!(m["to"], "+6281234567890");
        assert_eq!(m["sender"], "DINSOS");
        assert!(m["text"].as_str().unwrap().chars().count() <= 160, "{m}");
    }
    let sms = received
        .iter()
        .find(|(_, m)| m["channel"] == "sms")
        .unwrap();
    assert_eq!(
        sms.1["text"],
        "TEPAT: PKH 2027-T1 Rp600.000 ambil di KPOS-TJP 3/2/2027 jam 09:00. Bawa KTP, KK, kupon."
    );
    let wa = received
        .iter()
        .find(|(_, m)| m["channel"] == "whatsapp")
        .unwrap();
    assert!(wa.1["text"]
        .as_str()
        .unwrap()
        .contains("collect at KPOS-TJP"));

    // The gateway's signed delivery report lands on the delivery it names.
    let key = DeliveryKey {
        source: notice.id,
        channel: Channel::Sms,
    };
    assert_eq!(sms.1["reference"], key.reference());
    let body = format!(
        r#"{{"reference":"{}","status":"delivered"}}"#,
        key.reference()
    );
    let now = Utc::now();
    let signature = sign_report(b"report-secret", now.timestamp(), body.as_bytes());
    let report = verify_report(
        Some(b"report-secret"),
        Some(&now.timestamp().to_string()),
        Some(&signature),
        body.as_bytes(),
        now,
    )
    .unwrap();
    assert!(store
        .delivery_report(report.key, report.delivered, None, now)
        .await
        .unwrap());
    let row = store.delivery(key).await.unwrap().unwrap();
    assert_eq!((row.state, row.attempts), (DeliveryState::Delivered, 2));

    // A number the gateway says is gone: failed at once, and removed from the household.
    store
        .set_contact(&contact(gone, Channel::Sms, GONE_PHONE, Lang::Id))
        .await
        .unwrap();
    let n = schedule(gone);
    store
        .insert_notices(std::slice::from_ref(&n))
        .await
        .unwrap();
    let pass = outbox.run_once(later).await.unwrap();
    assert_eq!(pass.failed, 1, "{pass:?}");
    let row = &store.deliveries_of(n.id).await.unwrap()[0];
    assert_eq!(row.state, DeliveryState::Failed);
    let error = row.last_error.clone().unwrap();
    assert!(error.contains("410") && !error.contains("99999"), "{error}");
    assert!(store.contacts_of_household(gone).await.unwrap().is_empty());
}

async fn the_gateway_is_given_up_after_max_attempts(db: TestDb) {
    let store: Arc<dyn Store> = db.store.clone();
    let gateway = Arc::new(Gateway::default());
    gateway.fail_first.store(usize::MAX, Ordering::SeqCst);
    let addr = serve(
        Router::new()
            .route("/send", post(gateway_send))
            .with_state(gateway.clone()),
    )
    .await;
    let h = Uuid::now_v7();
    store
        .set_contact(&contact(h, Channel::Sms, PHONE, Lang::Id))
        .await
        .unwrap();
    enqueue(
        store.as_ref(),
        Recipient::Household(h),
        Message::complaint_update("ADU-7Q2K", "resolved"),
    )
    .await
    .unwrap();
    let outbox = Outbox::new(store.clone(), gateway_config(addr, 3)).unwrap();
    let mut t = Utc::now();
    let mut passes = Vec::new();
    for _ in 0..4 {
        passes.push(outbox.run_once(t).await.unwrap());
        t += Duration::hours(7);
    }
    assert_eq!(
        passes
            .iter()
            .map(|p| (p.retrying, p.failed))
            .collect::<Vec<_>>(),
        [(1, 0), (1, 0), (0, 1), (0, 0)]
    );
    let counts = store.delivery_counts().await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(
        (counts[0].channel, counts[0].state, counts[0].count),
        (Channel::Sms, DeliveryState::Failed, 1)
    );
    assert!(gateway.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn gateway_retries_backoff_reports() {
    run_sqlite(the_gateway_is_retried_with_backoff_then_delivers).await;
}

#[tokio::test]
async fn gateway_gives_up() {
    run_sqlite(the_gateway_is_given_up_after_max_attempts).await;
}

/// A python3 that has aiosmtpd, if any.
fn python_with_aiosmtpd() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|python| {
        std::process::Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The SMTP sink process; killed when dropped.
struct SmtpSink {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_smtp_sink(python: &str) -> SmtpSink {
    use std::io::BufRead as _;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .arg(port.to_string())
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the SMTP sink");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
    SmtpSink { child, port, dir }
}

/// A quoted-printable body as text again (soft line breaks joined, `=XX` decoded).
fn unquote(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn e_mail_goes_through_a_real_smtp_server(db: TestDb, python: &'static str) {
    let sink = start_smtp_sink(python);
    let store: Arc<dyn Store> = db.store.clone();
    let h = Uuid::now_v7();
    store
        .set_contact(&contact(
            h,
            Channel::Email,
            "siti@desa.example.id",
            Lang::En,
        ))
        .await
        .unwrap();
    let notice = schedule(h);
    store
        .insert_notices(std::slice::from_ref(&notice))
        .await
        .unwrap();
    for address in ["bounce@desa.example.id", "later@desa.example.id"] {
        enqueue(
            store.as_ref(),
            Recipient::Contact(ContactAddress::Email(address.into())),
            Message::complaint_received("ADU-7Q2K"),
        )
        .await
        .unwrap();
    }
    let config = NotifyConfig {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: sink.port,
            tls: SmtpTls::None,
            user: None,
            password: None,
            from: "TEPAT Dinas Sosial <noreply@dinsos.example.id>".into(),
        }),
        ..NotifyConfig::default()
    };
    let outbox = Outbox::new(store.clone(), config).unwrap();
    let pass = outbox.run_once(Utc::now()).await.unwrap();
    assert_eq!(
        (pass.sent, pass.retrying, pass.failed),
        (1, 1, 1),
        "{pass:?}"
    );
    let mut files: Vec<_> = std::fs::read_dir(sink.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 1);
    let mail = std::fs::read_to_string(&files[0]).unwrap();
    assert!(mail.starts_with("RCPT siti@desa.example.id\n"), "{mail}");
    assert!(
        mail.contains("Subject: When and where to collect your PKH aid"),
        "{mail}"
    );
    assert!(mail.contains("Content-Language: en"), "{mail}");
    assert!(mail.contains(&format!(
        "X-Tepat-Reference: {}",
        DeliveryKey {
            source: notice.id,
            channel: Channel::Email
        }
        .reference()
    )));
    let text = unquote(&mail);
    assert!(
        text.contains(
            "can be collected at Kantor Pos Tanjung Pandan (KPOS-TJP) on 3 Feb 2027 at 09:00"
        ),
        "{text}"
    );
    assert!(!text.contains("NIK:"));
    // Refused for good, and refused for now: errors carry the SMTP code, never the address.
    let counts = store.delivery_counts().await.unwrap();
    let state_of = |s: DeliveryState| {
        counts
            .iter()
            .find(|c| c.channel == Channel::Email && c.state == s)
            .map_or(0, |c| c.count)
    };
    assert_eq!(
        (
            state_of(DeliveryState::Sent),
            state_of(DeliveryState::Pending),
            state_of(DeliveryState::Failed)
        ),
        (1, 1, 1)
    );
    let later = Utc::now() + Duration::hours(1);
    let due = store
        .claim_deliveries(later, later + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let retried = store.delivery(due[0].key).await.unwrap().unwrap();
    let error = retried.last_error.unwrap();
    assert!(error.starts_with("SMTP transient error 451"), "{error}");
    assert!(!error.contains("later@"), "{error}");
}

#[tokio::test]
async fn e_mail_over_smtp() {
    let Some(python) = python_with_aiosmtpd() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("python3 with aiosmtpd is needed for the e-mail test (apt-get install python3-aiosmtpd)");
        }
        eprintln!(
            "skipping the e-mail test: no python3 with aiosmtpd (apt-get install python3-aiosmtpd)"
        );
        return;
    };
    run_sqlite(|db| e_mail_goes_through_a_real_smtp_server(db, python)).await;
}

/// A push service: decrypts what arrives for each subscription as the browser would, checks the
/// VAPID token against the key in the same header, and answers 410 for the dropped one.
struct PushService {
    keys: Vec<(p256::SecretKey, [u8; 16])>,
    received: Mutex<Vec<(usize, serde_json::Value)>>,
    dropped: usize,
    origin: Mutex<String>,
}

async fn push_receive(
    State(s): State<Arc<PushService>>,
    Path(n): Path<usize>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    use p256::ecdsa::signature::Verifier;
    if n == s.dropped {
        return StatusCode::GONE;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(header("content-encoding"), "aes128gcm");
    assert!(header("ttl").parse::<u32>().is_ok());
    let auth = header("authorization");
    let (t, k) = auth
        .strip_prefix("vapid t=")
        .and_then(|r| r.split_once(", k="))
        .expect("a VAPID authorization");
    let (signing_input, signature) = t.rsplit_once('.').unwrap();
    let key =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    if key.verify(signing_input.as_bytes(), &signature).is_err() {
        return StatusCode::UNAUTHORIZED;
    }
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signing_input.split_once('.').unwrap().1)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"].as_str().unwrap(), *s.origin.lock().unwrap());
    let (secret, auth_secret) = &s.keys[n];
    let Some(plain) = decrypt(secret, auth_secret, &body) else {
        return StatusCode::BAD_REQUEST;
    };
    let payload: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    s.received.lock().unwrap().push((n, payload));
    StatusCode::CREATED
}

fn browser_key() -> (p256::SecretKey, [u8; 16]) {
    loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
            let mut auth = [0u8; 16];
            rand::rng().fill_bytes(&mut auth);
            return (secret, auth);
        }
    }
}

async fn web_push_arrives_encrypted_for_the_browser(db: TestDb) {
    let store: Arc<dyn Store> = db.store.clone();
    let service = Arc::new(PushService {
        keys: vec![browser_key(), browser_key()],
        received: Mutex::new(Vec::new()),
        dropped: 1,
        origin: Mutex::new(String::new()),
    });
    let addr = serve(
        Router::new()
            .route("/push/{n}", post(push_receive))
            .with_state(service.clone()),
    )
    .await;
    *service.origin.lock().unwrap() = format!("http://{addr}");
    let households = [Uuid::now_v7(), Uuid::now_v7()];
    for (n, h) in households.iter().enumerate() {
        let (secret, auth) = &service.keys[n];
        let subscription = serde_json::json!({
            "endpoint": format!("http://{addr}/push/{n}"),
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(auth),
            }
        });
        let (_, stored) =
            tepat_core::portal::notify::push::Subscription::parse(&subscription.to_string())
                .unwrap();
        store
            .set_contact(&contact(*h, Channel::Push, &stored, Lang::Id))
            .await
            .unwrap();
        store.insert_notices(&[schedule(*h)]).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let config = NotifyConfig {
        push: Some(PushSettings {
            vapid_key_file: dir.path().join("vapid.key"),
            subject: "mailto:admin@dinsos.example.id".into(),
        }),
        ..NotifyConfig::default()
    };
    let outbox = Outbox::new(store.clone(), config).unwrap();
    assert!(outbox.vapid_public_key().is_some());
    let pass = outbox.run_once(Utc::now()).await.unwrap();
    assert_eq!((pass.sent, pass.failed), (1, 1), "{pass:?}");
    let received = service.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (n, payload) = &received[0];
    assert_eq!(*n, 0);
    assert_eq!(payload["title"], "Jadwal pengambilan bantuan PKH");
    assert!(payload["body"]
        .as_str()
        .unwrap()
        .contains("Kantor Pos Tanjung Pandan"));
    assert_eq!(payload["url"], "/cek");
    // The dropped subscription is removed; the other stays.
    assert!(store
        .contacts_of_household(households[1])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .contacts_of_household(households[0])
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn web_push() {
    run_sqlite(web_push_arrives_encrypted_for_the_browser).await;
}
