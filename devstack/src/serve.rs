//! Serves a router on a listener, one task per connection, so that a fault can close a single
//! TCP connection with no response at all (which `axum::serve` cannot do).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

/// Put into every request's extensions: closes the connection the request came on.
#[derive(Clone)]
pub struct Connection {
    close: Arc<Notify>,
}

impl Connection {
    /// Drops the connection at once: whatever the client was waiting for never comes.
    pub fn close(&self) {
        self.close.notify_one();
    }
}

/// Accepts connections until `shutdown` turns true. Connections still open then are dropped.
pub async fn serve(listener: TcpListener, router: Router, shutdown: watch::Receiver<bool>) {
    let mut stop = shutdown.clone();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stopped| *stopped) => return,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of file descriptors and the like: pause rather than spin, then go on.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        tokio::spawn(connection(stream, peer, router.clone(), shutdown.clone()));
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    // Small writes (a trickled body) go out at once.
    let _ = stream.set_nodelay(true);
    let handle = Connection {
        close: Arc::new(Notify::new()),
    };
    let close = handle.close.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(handle.clone());
        // What `axum::serve(...).into_make_service_with_connect_info` provides, for handlers
        // (the migration endpoint's per-IP rate limit) that read the peer address.
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move { router.oneshot(request).await }
    });
    let served =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = served => {}
        () = close.notified() => {}
        _ = shutdown.wait_for(|stopped| *stopped) => {}
    }
}
