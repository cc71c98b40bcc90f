//! `authgear-migrate-server`: the reference migration endpoint as a standalone service.
//!
//! Configured by environment variables (see the README); logs JSON lines. `--check-config`
//! validates the configuration and reaches what it names, then exits.

use std::net::SocketAddr;
use std::process::ExitCode;

use authgear_migrate_server::{Check, Config, Endpoint};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "\
usage: authgear-migrate-server [--check-config]

Serves the migration endpoint, configured by environment variables (see server/README.md).

  --check-config  validate the configuration, reach the shared state, the legacy JWKS, the
                  Authgear Admin API and the legacy IdP's endpoints, print one line each, and
                  exit: 0 when all are fine, 1 when one is not, 2 when the configuration is
                  invalid
  --help          print this
  --version       print the version";

#[tokio::main]
async fn main() -> ExitCode {
    let mut check_only = false;
    for argument in std::env::args().skip(1) {
        match argument.as_str() {
            "--check-config" => check_only = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--version" | "-V" => {
                println!("authgear-migrate-server {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("authgear-migrate-server: unknown argument `{other}`\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("authgear-migrate-server: {error}");
            return ExitCode::from(2);
        }
    };
    let endpoint = Endpoint::new(&config);
    if check_only {
        return check(&config, &endpoint).await;
    }
    for warning in config.warnings() {
        tracing::warn!(warning, "configuration");
    }
    serve(&config, endpoint).await
}

async fn check(config: &Config, endpoint: &Endpoint) -> ExitCode {
    println!("ok   configuration: every variable is valid");
    for warning in config.warnings() {
        println!("WARN {warning}");
    }
    let checks = endpoint.check().await;
    for check in &checks {
        println!("{check}");
    }
    if checks.iter().all(Check::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn serve(config: &Config, endpoint: Endpoint) -> ExitCode {
    let path = config.exchange_path.as_str();
    // axum cannot nest at the root: serve the router itself there.
    let exchange = if path == "/" {
        endpoint.router()
    } else {
        Router::new().nest(path, endpoint.router())
    };
    // `/healthz` is always beside the exchange (load balancers probe that port); `/metrics`
    // is on OPS_LISTEN_ADDR (loopback by default) unless it says beside-exchange.
    let (app, ops) = match config.ops_listen_addr {
        None => (exchange.merge(endpoint.ops_router()), None),
        Some(addr) => (
            exchange.merge(endpoint.health_router()),
            Some((addr, endpoint.ops_router())),
        ),
    };

    let listener = match bind(config.listen_addr, "LISTEN_ADDR").await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    let (stop, stopped) = watch::channel(false);
    let mut servers = Vec::new();
    if let Some((addr, router)) = ops {
        let listener = match bind(addr, "OPS_LISTEN_ADDR").await {
            Ok(listener) => listener,
            Err(code) => return code,
        };
        tracing::info!(ops_listen_addr = %addr, "serving /metrics and /healthz");
        servers.push(tokio::spawn(run(listener, router, stopped.clone())));
    }
    tracing::info!(listen_addr = %config.listen_addr, exchange_path = %path, "listening");
    servers.push(tokio::spawn(run(listener, app, stopped)));

    shutdown_signal().await;
    // Healthz answers 503 from now on; new connections are refused; requests in flight finish
    // within the grace period.
    endpoint.start_draining();
    let _ = stop.send(true);
    let grace = config.shutdown_grace;
    let finished = tokio::time::timeout(grace, async {
        for server in servers {
            let _ = server.await;
        }
    })
    .await;
    match finished {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(_) => {
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                "requests still in flight after the grace period (SHUTDOWN_GRACE_SECONDS): stopping anyway"
            );
            ExitCode::SUCCESS
        }
    }
}

async fn bind(addr: SocketAddr, variable: &str) -> Result<TcpListener, ExitCode> {
    TcpListener::bind(addr).await.map_err(|error| {
        eprintln!("authgear-migrate-server: cannot listen on {addr} ({variable}): {error}");
        ExitCode::FAILURE
    })
}

/// With the listener's header-read and idle timeouts (slow clients), until `stopped`.
async fn run(listener: TcpListener, app: Router, mut stopped: watch::Receiver<bool>) {
    authgear_migrate_server::serve(listener, app, async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    })
    .await;
}

/// SIGINT (Ctrl-C) or SIGTERM (what container runtimes send).
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
