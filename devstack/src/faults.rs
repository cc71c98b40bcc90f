//! Fault switches: one middleware on every origin's router, so that any route of any stand-in
//! (and the migration endpoint) can be made slow, failing, or silent from a test, over HTTP.
//!
//! The same layer counts requests and logs one line per request to stderr.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::authgear::top_level_fields;
use crate::counters::Counters;
use crate::serve::Connection;

/// The four listeners.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    App,
    Authgear,
    Legacy,
    Endpoint,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Authgear => "authgear",
            Self::Legacy => "legacy",
            Self::Endpoint => "endpoint",
        }
    }
}

/// What a matching request gets instead of (or on top of) its normal handling.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Waits `ms`, then handles the request normally.
    Delay { ms: u64 },
    /// Answers `status` (with `Retry-After` and a JSON `body` when given); the handler never runs.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<RetryAfter>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
    },
    /// Closes the TCP connection without answering; the handler never runs.
    Drop {},
    /// Answers 200 `application/json` with a body that is not JSON; the handler never runs.
    MalformedJson {},
    /// Runs the handler, sends its headers with the full `Content-Length` and half its body,
    /// then closes the connection.
    Truncate {},
    /// Runs the handler, sends its headers at once, then trickles the body over `ms`.
    SlowBody { ms: u64 },
    /// Runs the handler to completion (its side effects happen, e.g. a session is created),
    /// then closes the connection without answering.
    DropResponse {},
}

/// `Retry-After` as seconds or as an HTTP date, written as given.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RetryAfter {
    Seconds(u64),
    Text(String),
}

/// The body of `POST /__devstack/faults`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub origin: Origin,
    /// An exact path, or a prefix ending in `*`.
    pub path: String,
    /// Absent: every method except `OPTIONS`, so that a CORS preflight does not consume a
    /// one-time fault meant for the request it precedes.
    #[serde(default)]
    pub method: Option<String>,
    /// How many requests the fault acts on; absent means until cleared.
    #[serde(default)]
    pub times: Option<u32>,
    /// Only a GraphQL request one of whose operations has this top-level field (`updateUser`),
    /// so that one Admin API operation can fail while the others on the same path pass.
    #[serde(default)]
    pub graphql_field: Option<String>,
    pub fault: Fault,
}

/// A fault switch as `/__devstack/state` shows it. Spent switches stay listed with
/// `remaining: 0`, so that a test can check that its fault was hit.
#[derive(Clone, Serialize)]
pub struct FaultRule {
    pub id: u64,
    pub origin: Origin,
    pub path: String,
    pub method: Option<String>,
    pub times: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graphql_field: Option<String>,
    pub remaining: Option<u32>,
    pub hits: u64,
    pub fault: Fault,
}

impl FaultRule {
    /// `fields`: the request's GraphQL top-level fields, read only when a live switch for its
    /// route has a `graphql_field` (else `None`, and such switches do not match).
    fn matches(
        &self,
        origin: Origin,
        method: &Method,
        path: &str,
        fields: Option<&[String]>,
    ) -> bool {
        let field_matches = match &self.graphql_field {
            Some(wanted) => fields.is_some_and(|fields| fields.contains(wanted)),
            None => true,
        };
        field_matches && self.matches_route(origin, method, path)
    }

    fn matches_route(&self, origin: Origin, method: &Method, path: &str) -> bool {
        let method_matches = match &self.method {
            Some(wanted) => wanted.eq_ignore_ascii_case(method.as_str()),
            None => method != Method::OPTIONS,
        };
        let path_matches = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        };
        self.origin == origin && method_matches && path_matches && self.remaining != Some(0)
    }
}

#[derive(Default)]
pub struct Faults {
    inner: Mutex<(u64, Vec<FaultRule>)>,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> Result<FaultRule, String> {
        if !spec.path.starts_with('/') {
            return Err("`path` must start with /".into());
        }
        if spec.times == Some(0) {
            return Err("`times` must be at least 1".into());
        }
        if let Fault::Status { status, .. } = &spec.fault {
            if StatusCode::from_u16(*status).is_err() {
                return Err(format!("`status` {status} is not an HTTP status"));
            }
        }
        let mut inner = self.inner.lock().expect("faults lock");
        inner.0 += 1;
        let rule = FaultRule {
            id: inner.0,
            origin: spec.origin,
            path: spec.path,
            method: spec.method,
            times: spec.times,
            graphql_field: spec.graphql_field,
            remaining: spec.times,
            hits: 0,
            fault: spec.fault,
        };
        inner.1.push(rule.clone());
        Ok(rule)
    }

    pub fn clear(&self) {
        self.inner.lock().expect("faults lock").1.clear();
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.inner.lock().expect("faults lock").1.clone()
    }

    /// The first live switch matching the request, spending one of its `times`; the request
    /// again (its body is read when a switch needs to see its GraphQL fields).
    async fn take_for(&self, origin: Origin, request: Request) -> (Request, Option<Fault>) {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let wants_fields = self
            .inner
            .lock()
            .expect("faults lock")
            .1
            .iter()
            .any(|rule| rule.graphql_field.is_some() && rule.matches_route(origin, &method, &path));
        if !wants_fields {
            return (request, self.take(origin, &method, &path, None));
        }
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let fields = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|request| request["query"].as_str().map(top_level_fields))
            .unwrap_or_default();
        let fault = self.take(origin, &method, &path, Some(&fields));
        (Request::from_parts(parts, Body::from(body)), fault)
    }

    fn take(
        &self,
        origin: Origin,
        method: &Method,
        path: &str,
        fields: Option<&[String]>,
    ) -> Option<Fault> {
        let mut inner = self.inner.lock().expect("faults lock");
        let rule = inner
            .1
            .iter_mut()
            .find(|rule| rule.matches(origin, method, path, fields))?;
        rule.hits += 1;
        if let Some(remaining) = &mut rule.remaining {
            *remaining -= 1;
        }
        Some(rule.fault.clone())
    }
}

#[derive(Clone)]
struct Observer {
    origin: Origin,
    faults: Arc<Faults>,
    counters: Arc<Counters>,
}

/// Wraps `router` (every route it has, nested ones included) in the fault-and-count layer.
pub fn observed(
    router: Router,
    origin: Origin,
    faults: Arc<Faults>,
    counters: Arc<Counters>,
) -> Router {
    let observer = Observer {
        origin,
        faults,
        counters,
    };
    router.layer(axum::middleware::from_fn_with_state(observer, observe))
}

async fn observe(State(observer): State<Observer>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    observer
        .counters
        .request(observer.origin, method.as_str(), &path);
    // The control API stays reachable whatever the switches say, so that a test can always
    // clear them.
    let control = observer.origin == Origin::App && path.starts_with("/__devstack/");
    let (request, fault) = if control {
        (request, None)
    } else {
        observer.faults.take_for(observer.origin, request).await
    };
    let label = fault.as_ref().map_or(String::new(), |fault| {
        observer.counters.fault_hit();
        let kind = serde_json::to_value(fault).map_or(Value::Null, |value| value["kind"].clone());
        format!(" [fault {}]", kind.as_str().unwrap_or("?"))
    });
    let log = |status: &str| {
        crate::log!(
            "{} {method} {path} {status} {}ms{label}",
            observer.origin.name(),
            started.elapsed().as_millis()
        );
    };
    let response = match fault {
        None => next.run(request).await,
        Some(fault) => match apply(fault, request, next).await {
            Ok(response) => response,
            Err(connection) => {
                log("closed");
                connection.close();
                return std::future::pending().await;
            }
        },
    };
    log(response.status().as_str());
    response
}

/// The response to send, or the connection to close without one.
async fn apply(fault: Fault, request: Request, next: Next) -> Result<Response, Connection> {
    let connection = request
        .extensions()
        .get::<Connection>()
        .cloned()
        .expect("serve::serve puts a Connection into every request");
    match fault {
        Fault::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(next.run(request).await)
        }
        Fault::Status {
            status,
            retry_after,
            body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = match body {
                Some(body) => (status, axum::Json(body)).into_response(),
                None => status.into_response(),
            };
            if let Some(retry_after) = retry_after {
                let value = match retry_after {
                    RetryAfter::Seconds(seconds) => seconds.to_string(),
                    RetryAfter::Text(text) => text,
                };
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            Ok(response)
        }
        Fault::Drop {} => Err(connection),
        Fault::MalformedJson {} => Ok((
            [(header::CONTENT_TYPE, "application/json")],
            "{access_token: <not json>",
        )
            .into_response()),
        Fault::Truncate {} => {
            let (mut parts, full) = buffered(next.run(request).await).await;
            let half = full.slice(..full.len() / 2);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
            // Yielding an error from the body makes hyper abort the connection; the pause lets
            // the first half reach the client before that.
            let body = futures_util::stream::iter([Some(half), None]).then(|piece| async move {
                match piece {
                    Some(bytes) => Ok(bytes),
                    None => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err(std::io::Error::other(
                            "devstack: truncated by a fault switch",
                        ))
                    }
                }
            });
            Ok(Response::from_parts(parts, Body::from_stream(body)))
        }
        Fault::SlowBody { ms } => {
            let (mut parts, full) = buffered(next.run(request).await).await;
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
            const PIECES: usize = 10;
            let size = full.len().div_ceil(PIECES).max(1);
            let pieces: Vec<Bytes> = (0..full.len())
                .step_by(size)
                .map(|start| full.slice(start..(start + size).min(full.len())))
                .collect();
            let pause = Duration::from_millis(ms / pieces.len().max(1) as u64);
            let body = futures_util::stream::iter(pieces).then(move |piece| async move {
                tokio::time::sleep(pause).await;
                Ok::<_, Infallible>(piece)
            });
            Ok(Response::from_parts(parts, Body::from_stream(body)))
        }
        Fault::DropResponse {} => {
            // Read the whole body so that a streamed handler also finishes its work.
            let _ = buffered(next.run(request).await).await;
            Err(connection)
        }
    }
}

async fn buffered(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: Value) -> FaultSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn fault_json_parses_every_kind() {
        for fault in [
            serde_json::json!({"kind": "delay", "ms": 5}),
            serde_json::json!({"kind": "status", "status": 503, "retry_after": 2, "body": {"error": "x"}}),
            serde_json::json!({"kind": "drop"}),
            serde_json::json!({"kind": "malformed_json"}),
            serde_json::json!({"kind": "truncate"}),
            serde_json::json!({"kind": "slow_body", "ms": 100}),
            serde_json::json!({"kind": "drop_response"}),
        ] {
            let _: Fault = serde_json::from_value(fault).unwrap();
        }
        assert!(
            serde_json::from_value::<Fault>(serde_json::json!({"kind": "drop", "x": 1})).is_err()
        );
    }

    #[test]
    fn switches_match_method_path_and_times() {
        let faults = Faults::default();
        faults
            .add(spec(serde_json::json!({
                "origin": "endpoint", "path": "/", "times": 1, "fault": {"kind": "drop"}
            })))
            .unwrap();
        faults
            .add(spec(serde_json::json!({
                "origin": "authgear", "path": "/oauth2/*", "method": "post", "fault": {"kind": "drop"}
            })))
            .unwrap();
        let take = |origin, method, path| faults.take(origin, &method, path, None);
        assert!(take(Origin::Endpoint, Method::OPTIONS, "/").is_none());
        assert!(take(Origin::Endpoint, Method::POST, "/").is_some());
        assert!(take(Origin::Endpoint, Method::POST, "/").is_none(), "spent");
        assert!(take(Origin::Authgear, Method::GET, "/oauth2/token").is_none());
        assert!(take(Origin::Authgear, Method::POST, "/oauth2/token").is_some());
        let listed = faults.list();
        assert_eq!((listed[0].remaining, listed[0].hits), (Some(0), 1));
    }

    #[test]
    fn a_graphql_field_switch_matches_that_operation_only() {
        let faults = Faults::default();
        faults
            .add(spec(serde_json::json!({
                "origin": "authgear", "path": "/_api/admin/graphql", "graphql_field": "updateUser",
                "fault": {"kind": "drop"}
            })))
            .unwrap();
        let take = |fields: Option<&[String]>| {
            faults.take(
                Origin::Authgear,
                &Method::POST,
                "/_api/admin/graphql",
                fields,
            )
        };
        assert!(take(None).is_none(), "unread body");
        assert!(take(Some(&["createUser".to_owned()])).is_none());
        assert!(take(Some(&["updateUser".to_owned()])).is_some());
        assert_eq!(
            top_level_fields(
                "mutation m($i: UpdateUserInput!) { updateUser(input: $i) { user { id } } }"
            ),
            ["updateUser"]
        );
        assert!(top_level_fields("not graphql {").is_empty());
    }
}
