//! Running the application: bind, serve, stop gracefully.

use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tepat_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::ServerConfig;
use crate::state::AppState;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("cannot listen on {addr}: {source}; {}", bind_hint(source))]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(#[source] io::Error),
}

fn bind_hint(error: &io::Error) -> &'static str {
    match error.kind() {
        io::ErrorKind::AddrInUse => {
            "another program (perhaps another tepat) is using it; stop that one or choose another address \
             with --listen or TEPAT_LISTEN"
        }
        io::ErrorKind::PermissionDenied => {
            "ports below 1024 need privileges; listen on a port above 1024 (e.g. 8080) behind a reverse proxy"
        }
        io::ErrorKind::AddrNotAvailable => {
            "this machine has no such address; use 127.0.0.1 (this machine only) or 0.0.0.0 (every network)"
        }
        _ => "check the address given with --listen or TEPAT_LISTEN",
    }
}

/// Serves the application on `config.listen` until `shutdown` completes, then lets requests in flight
/// finish (at most `config.shutdown_timeout`) and returns.
pub async fn serve(
    config: &ServerConfig,
    store: Arc<dyn Store>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    serve_ledger(config, store, None, shutdown).await
}

/// [`serve`], also serving a transparency ledger under `/ledger/`.
pub async fn serve_ledger(
    config: &ServerConfig,
    store: Arc<dyn Store>,
    ledger: Option<Arc<crate::ledger::Ledger>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    // Parse the embedded region table before the first request, off the async threads.
    let _ = tokio::task::spawn_blocking(tepat_regions::RegionTable::embedded).await;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| WebError::Bind {
            addr: config.listen,
            source,
        })?;
    let state = AppState::with_ledger(config.clone(), store, ledger);
    state.start_duplicate_index();
    state.start_status_index();
    // Expired sessions are refused when seen; this deletes the ones never seen again.
    let sweeper = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                every.tick().await;
                match state.auth().sweep().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(sessions = n, "expired sessions deleted"),
                    Err(error) => tracing::warn!(%error, "cannot delete expired sessions"),
                }
            }
        })
    };
    // Notifications to agencies subscribed to registry changes (`api::outbox`).
    let notifier = tokio::spawn(crate::api::outbox::run(state.clone()));
    let app = crate::router(state);
    let served = serve_with(listener, app, config, shutdown).await;
    sweeper.abort();
    notifier.abort();
    served
}

/// [`serve`] on a listener the caller bound (port 0 in tests) with a router the caller built (usually
/// [`crate::router`], possibly with more routes).
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let bound = listener.local_addr().map_err(WebError::Serve)?;
    tracing::info!(
        url = %config.public_url_or(bound),
        listen = %bound,
        database = %config.database_url_redacted(),
        "tepat is serving"
    );

    let (signalled_tx, signalled) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = signalled_tx.send(true);
    });
    let stop = wait_for(signalled.clone());
    // The peer address reaches handlers as `ConnectInfo` (the sign-in throttle counts per address).
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .into_future();

    let grace = config.shutdown_timeout;
    let deadline = async move {
        wait_for(signalled).await;
        tracing::info!(
            grace_secs = grace.as_secs(),
            "shutting down: no new connections; waiting for requests in flight"
        );
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => {
            result.map_err(WebError::Serve)?;
            tracing::info!("stopped");
        }
        () = deadline => {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "requests were still running when the shutdown timeout ran out; stopping anyway"
            );
        }
    }
    Ok(())
}

/// Completes when the flag turns true; never, if its sender is gone without setting it.
async fn wait_for(mut signalled: watch::Receiver<bool>) {
    if signalled.wait_for(|&s| s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what `systemctl stop` and container runtimes send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received Ctrl-C"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}
