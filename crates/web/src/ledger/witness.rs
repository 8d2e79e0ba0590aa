//! The witness's HTTP endpoint (C2SP tlog-witness): `POST /add-checkpoint`.
//!
//! The witness core ([`tepat_ledger::Witness`]) decides; this only maps its answer to HTTP: 200 with the
//! cosignature lines, or the spec's status with [`tepat_ledger::WitnessError::body`] and its content type
//! (`text/x.tlog.size` for 409). The state update is durable before the answer (the core fsyncs), so it
//! runs on a blocking thread.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tepat_ledger::Witness;

/// Largest request body: 63 proof lines and a checkpoint note of at most 64 KiB.
const MAX_BODY: usize = 72 * 1024;

/// The witness application: `POST /add-checkpoint`, `GET /healthz`, and `GET /` naming the witness key.
pub fn witness_router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/", get(about))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(witness)
}

async fn about(State(w): State<Arc<Witness>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "tepat witness (C2SP tlog-witness)\nkey {}\nPOST /add-checkpoint\n",
            w.verifier().to_vkey()
        ),
    )
        .into_response()
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: Bytes) -> Response {
    let answer = tokio::task::spawn_blocking(move || w.add_checkpoint(&body)).await;
    let (status, content_type, body) = match answer {
        Ok(Ok(lines)) => (200, "text/plain; charset=utf-8", lines),
        Ok(Err(e)) => {
            tracing::info!(status = e.status(), reason = %e, "add-checkpoint refused");
            (e.status(), e.content_type(), e.body())
        }
        Err(e) => {
            tracing::error!(error = %e, "add-checkpoint task failed");
            (
                500,
                "text/plain; charset=utf-8",
                b"internal error\n".to_vec(),
            )
        }
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// Serves [`witness_router`] on `listener` until `shutdown` completes.
pub async fn serve_witness(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, witness_router(witness))
        .with_graceful_shutdown(shutdown)
        .await
}
