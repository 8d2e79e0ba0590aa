//! Logs never carry personal data: a request with a NIK, KK number, name and phone number in its query
//! string, path, headers and body leaves none of them in the logs, in either format, at the most verbose
//! level, while the requests themselves are logged.

use axum::http::Method;
use tepat_web::LogFormat;

use crate::support::{raw_get, LogBuffer, TestApp};

const NIK: &str = "1902014509870003";
const KK: &str = "1902010101230004";
const PHONE: &str = "081234567890";
const SECRETS: &[&str] = &[NIK, KK, PHONE, "Siti", "Aminah", "Jalan Melati"];

#[tokio::test(flavor = "current_thread")]
async fn requests_carrying_personal_data_leave_none_in_the_logs() {
    for format in [LogFormat::Text, LogFormat::Json] {
        let buffer = LogBuffer::default();
        // tracing caches per call site whether anyone listens. With a single dispatcher registered, a call
        // site first reached on another test's thread (which has none) is cached as "nobody listens" for
        // every thread; a second registered dispatcher makes tracing ask each of them instead.
        let _second = tracing::Dispatch::new(tracing_subscriber::registry());
        let subscriber =
            tepat_web::telemetry::log_subscriber("trace", format, buffer.clone()).unwrap();
        let guard = tracing::subscriber::set_default(subscriber);

        let app = TestApp::new().await;
        let mut request_ids = Vec::new();
        let query =
            format!("nik={NIK}&no_kk={KK}&nama=Siti%20Aminah&hp={PHONE}&alamat=Jalan+Melati");
        let form = format!("nik={NIK}&no_kk={KK}&nama=Siti+Aminah&hp={PHONE}&alamat=Jalan+Melati");
        let json = format!(
            r#"{{"nik":"{NIK}","kk_number":"{KK}","nama":"Siti Aminah","telepon":"{PHONE}","alamat":"Jalan Melati"}}"#
        );

        let responses = vec![
            (200, app.get(&format!("/?{query}")).await),
            (303, app.get(&format!("/?lang=en&{query}")).await),
            (404, app.get(&format!("/cek/{NIK}/{KK}?{query}")).await),
            (404, app.get(&format!("/static/tepat.css?{query}")).await),
            // 403: a POST without a CSRF token is refused before routing (auth::csrf).
            (
                403,
                app.send(
                    Method::POST,
                    "/",
                    "application/x-www-form-urlencoded",
                    &form,
                )
                .await,
            ),
            (
                403,
                app.send(
                    Method::POST,
                    &format!("/readyz?{query}"),
                    "application/json",
                    &json,
                )
                .await,
            ),
            (
                200,
                app.get_with(
                    &format!("/healthz?{query}"),
                    &[
                        ("cookie", &format!("lang=en; nik={NIK}")),
                        ("referer", &format!("https://example.org/?nik={NIK}")),
                        ("user-agent", &format!("Siti Aminah {PHONE}")),
                        ("x-nik", NIK),
                    ],
                )
                .await,
            ),
        ];
        for (expected, response) in &responses {
            assert_eq!(response.status.as_u16(), *expected, "{}", response.body);
            request_ids.push(response.header("x-request-id").to_owned());
        }

        // And through a real socket and hyper, as in production.
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr, server) = app
            .spawn(async move {
                let _ = stopped.await;
            })
            .await;
        let (status, _) = raw_get(addr, &format!("/?{query}")).await.unwrap();
        assert_eq!(status, 200);
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        drop(guard);

        let logs = buffer.contents();
        for secret in SECRETS {
            assert!(
                !logs.contains(secret),
                "{format}: `{secret}` is in the logs:\n{logs}"
            );
        }
        // The requests were logged: every request id, the matched routes, the statuses.
        for id in &request_ids {
            assert!(
                logs.contains(id.as_str()),
                "{format}: request {id} not logged:\n{logs}"
            );
        }
        match format {
            LogFormat::Text => {
                assert!(logs.contains("route=/readyz"), "{logs}");
                assert!(logs.contains("route=/static/{file}"), "{logs}");
                assert!(logs.contains("route=(unmatched)"), "{logs}");
                assert!(logs.contains("status=403"), "{logs}");
                assert!(logs.contains("method=POST"), "{logs}");
                assert!(logs.contains("latency_ms="), "{logs}");
            }
            LogFormat::Json => {
                let mut answered = 0;
                for line in logs.lines() {
                    let event: serde_json::Value = serde_json::from_str(line)
                        .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                    if event["fields"]["message"] == "request answered" {
                        answered += 1;
                        assert!(event["span"]["route"].is_string(), "{line}");
                        assert!(event["fields"]["status"].is_number(), "{line}");
                    }
                }
                assert!(answered >= request_ids.len(), "{logs}");
                assert!(logs.contains(r#""route":"/readyz""#), "{logs}");
            }
        }
        assert!(logs.contains("tepat is serving"), "{logs}");
    }
}
