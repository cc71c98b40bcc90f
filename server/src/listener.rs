//! The binary's HTTP/1.1 listener, with the timeouts `axum::serve` does not set: a client must
//! send its request head within [`HEADER_READ_TIMEOUT`], and a kept-alive connection that sends
//! nothing is closed after as long. A slowloris (many connections, each trickling a header)
//! then holds a task and a socket for seconds, never for good; the body has its own limit in
//! the exchange.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// Time to receive a request head, and the longest a connection may sit idle between requests
/// (hyper starts this timer as soon as it waits for a head). An honest client sends its few
/// hundred bytes of head in one packet.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// After an accept error (out of file descriptors, say), a pause before the next accept.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish. Handlers see the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A closed or timed-out connection is the client's business, not an error of ours.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
