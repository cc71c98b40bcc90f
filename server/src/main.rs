//! `authgear-migrate-server`: the reference migration endpoint as a standalone service.
//!
//! Configured by environment variables (see the README); logs JSON lines. `--check-config`
//! validates the configuration and reaches what it names, then exits.

use std::net::SocketAddr;
use std::process::ExitCode;

use authgear_migrate_server::{Check, Config, Endpoint, ReconcileError, ReconcileOptions};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "\
usage: authgear-migrate-server [--check-config]
       authgear-migrate-server reconcile [--state FILE] [--since TIME] [--dry-run] [--limit N]
                                         [--settle-seconds N]

Serves the migration endpoint, configured by environment variables (see server/README.md).

  --check-config  validate the configuration, reach the shared state, the legacy JWKS, the
                  Authgear Admin API and the legacy IdP's endpoints, print one line each, and
                  exit: 0 when all are fine, 1 when one is not, 2 when the configuration is
                  invalid
  --help          print this
  --version       print the version

reconcile: provisions in the legacy system the Authgear users created since the stored
watermark that it lacks (the webhook's guarantee), prints a JSON report, and exits: 0 when
every user was handled, 1 when some were not (run it again), 2 on a bad setting.
  --state FILE    where the watermark is kept (default reconcile-state.json)
  --since TIME    start here (RFC 3339) instead of the stored watermark; a first run needs it
  --dry-run       list the users it would provision; change nothing
  --limit N       handle at most N users this run
  --settle-seconds N
                  keep the watermark N seconds behind the run's start (default 60): users
                  whose creation commits late are not skipped";

#[tokio::main]
async fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.first().map(String::as_str) == Some("reconcile") {
        return reconcile(&arguments[1..]).await;
    }
    let mut check_only = false;
    for argument in arguments {
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

    let config = match configured() {
        Ok(config) => config,
        Err(code) => return code,
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

/// Logs on, and the configuration read; a bad one is said and exits with 2.
fn configured() -> Result<Config, ExitCode> {
    init_logs();
    Config::from_env().map_err(|error| {
        eprintln!("authgear-migrate-server: {error}");
        ExitCode::from(2)
    })
}

/// JSON lines on stderr (stdout is for `--check-config`'s and `reconcile`'s output).
fn init_logs() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
}

async fn reconcile(arguments: &[String]) -> ExitCode {
    let options = match reconcile_options(arguments) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("authgear-migrate-server reconcile: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match configured() {
        Ok(config) => config,
        Err(code) => return code,
    };
    match authgear_migrate_server::reconcile(&config, &options).await {
        Ok(report) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("the report serializes")
            );
            if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("authgear-migrate-server reconcile: {error}");
            match error {
                ReconcileError::NoTarget
                | ReconcileError::NoWatermark
                | ReconcileError::BadTime(_) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn reconcile_options(arguments: &[String]) -> Result<ReconcileOptions, String> {
    let mut state = "reconcile-state.json".to_owned();
    let (mut since, mut limit, mut settle, mut dry_run) = (None, None, None, false);
    let mut rest = arguments.iter();
    while let Some(argument) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{argument} needs a value"))
        };
        match argument.as_str() {
            "--state" => state = value()?,
            "--since" => since = Some(value()?),
            "--limit" => {
                let text = value()?;
                limit = Some(
                    text.parse::<usize>()
                        .map_err(|_| format!("--limit takes a whole number, got `{text}`"))?,
                );
            }
            "--settle-seconds" => {
                let text = value()?;
                settle =
                    Some(text.parse::<u64>().map_err(|_| {
                        format!("--settle-seconds takes a whole number, got `{text}`")
                    })?);
            }
            "--dry-run" => dry_run = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let mut options = ReconcileOptions::new(state).dry_run(dry_run);
    if let Some(since) = since {
        options = options.since(since);
    }
    if let Some(limit) = limit {
        options = options.limit(limit);
    }
    if let Some(seconds) = settle {
        options = options.settle(std::time::Duration::from_secs(seconds));
    }
    Ok(options)
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
    }
    .merge(endpoint.webhook_router());
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
    // Healthz answers 503 from now on; new connections are refused; requests in flight, and
    // exchanges whose client has gone, finish within the grace period.
    endpoint.start_draining();
    let _ = stop.send(true);
    let grace = config.shutdown_grace;
    let finished = tokio::time::timeout(grace, async {
        for server in servers {
            let _ = server.await;
        }
        endpoint.finish_in_flight().await;
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
                "exchanges still in flight after the grace period (SHUTDOWN_GRACE_SECONDS): stopping anyway"
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
