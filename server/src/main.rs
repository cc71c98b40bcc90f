//! `authgear-migrate-server`: the reference migration endpoint as a standalone service.
//!
//! Configured by environment variables (see the README); logs one JSON line per exchange.

use std::process::ExitCode;

use authgear_migrate_server::{Config, router};
use axum::Router;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("authgear-migrate-server: {error}");
            return ExitCode::from(2);
        }
    };
    let addr = config.listen_addr;
    let path = config.exchange_path.clone();
    let exchange = router(config);
    // axum cannot nest at the root: serve the router itself there.
    let app = if path == "/" {
        exchange
    } else {
        Router::new().nest(&path, exchange)
    };

    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("authgear-migrate-server: cannot listen on {addr} (LISTEN_ADDR): {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(listen_addr = %addr, exchange_path = %path, "listening");
    if let Err(error) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        tracing::error!(%error, "server failed");
        return ExitCode::FAILURE;
    }
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// SIGINT (Ctrl-C) or SIGTERM (what container runtimes send): stop accepting, finish what is in
/// flight, exit.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
