//! CORS for the configured origins only.
//!
//! The client's exchange is a CORS "simple request" (a form-encoded POST with no custom header),
//! so browsers send no preflight; one is still answered for clients that add headers.
//! Credentials are allowed because cookie mode sends the legacy session cookie along.

use std::time::Duration;

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Origin;

/// How long a browser may reuse a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(10 * 60);

pub(crate) fn layer(origins: &[Origin]) -> CorsLayer {
    let origins = origins.iter().map(|origin| {
        HeaderValue::from_str(origin.as_str()).expect("an origin is ASCII by construction")
    });
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::POST])
        .allow_headers([CONTENT_TYPE])
        .allow_credentials(true)
        // Not CORS-safelisted, and the client needs it to back off.
        .expose_headers([RETRY_AFTER])
        .max_age(PREFLIGHT_MAX_AGE)
}
