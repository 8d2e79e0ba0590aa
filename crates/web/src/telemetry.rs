//! Logs: the subscriber the binary installs, and one span per request.
//!
//! A request is logged by its method, its *matched route* (`/static/{file}`, never the URI the client sent,
//! which can carry a NIK in its query string), the response status, the latency and a request id. Request
//! and response bodies, query strings, headers, cookies and client addresses are never logged; handlers log
//! what went wrong, never the personal data they were handling.

use std::fmt;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::{Instrument, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TracingError {
    #[error("`{filter}` is not a log level or filter: {message}")]
    Filter { filter: String, message: String },
    #[error("logging was already set up in this process")]
    AlreadySet,
}

/// Installs the process-wide log subscriber, writing to standard error. Call once, at start.
pub fn init_tracing(level: &str, format: LogFormat) -> Result<(), TracingError> {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let subscriber = build(level, format, std::io::stderr, ansi)?;
    tracing::subscriber::set_global_default(subscriber).map_err(|_| TracingError::AlreadySet)
}

/// The subscriber [`init_tracing`] installs, writing to `writer` instead (tests capture logs with it).
pub fn log_subscriber<W>(
    level: &str,
    format: LogFormat,
    writer: W,
) -> Result<Box<dyn Subscriber + Send + Sync>, TracingError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    build(level, format, writer, false)
}

fn build<W>(
    level: &str,
    format: LogFormat,
    writer: W,
    ansi: bool,
) -> Result<Box<dyn Subscriber + Send + Sync>, TracingError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::builder()
        .parse(level)
        .map_err(|e| TracingError::Filter {
            filter: level.to_owned(),
            message: e.to_string(),
        })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(true);
    Ok(match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    })
}

/// A request's id: in its log span, in the `X-Request-Id` response header and on error pages, so a user
/// can quote it and an operator can find the request in the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(uuid::Uuid);

impl RequestId {
    fn new() -> RequestId {
        RequestId(uuid::Uuid::now_v7())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.simple(), f)
    }
}

/// Middleware: a span per request and one line when it is answered.
pub(crate) async fn trace_requests(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = RequestId::new();
    request.extensions_mut().insert(id);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        route = %route,
        request_id = %id,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert("x-request-id", value);
    }
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_micros() as f64 / 1000.0;
    let _entered = span.enter();
    if response.status().is_server_error() {
        tracing::error!(status, latency_ms, "request failed");
    } else {
        tracing::info!(status, latency_ms, "request answered");
    }
    response
}
