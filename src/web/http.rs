//! The exchange request: one form-encoded POST with a timeout that covers the body too.

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::Request;
use web_sys::{AbortController, RequestCredentials, RequestRedirect};

use crate::core::options::Credentials;
use crate::engine::device::{HttpAnswer, SendError};
use crate::web::clock::Timer;
use crate::wire::FORM_CONTENT_TYPE;

/// POSTs `body` to `url`. Only CORS-safelisted headers are set, so a cross-origin endpoint is
/// reached with one request and no preflight.
pub async fn post_form(
    url: &str,
    body: String,
    credentials: Credentials,
    timeout_ms: u64,
) -> Result<HttpAnswer, SendError> {
    let controller = AbortController::new().map_err(|_| SendError::Network)?;
    let timed_out = Rc::new(Cell::new(false));
    let _timer = Timer::once(timeout_ms, {
        let controller = controller.clone();
        let timed_out = timed_out.clone();
        move || {
            timed_out.set(true);
            controller.abort();
        }
    });
    let failure = || {
        if timed_out.get() {
            SendError::Timeout
        } else {
            SendError::Network
        }
    };

    let response = Request::post(url)
        .header("Content-Type", FORM_CONTENT_TYPE)
        .header("Accept", "application/json")
        .credentials(match credentials {
            Credentials::Omit => RequestCredentials::Omit,
            Credentials::SameOrigin => RequestCredentials::SameOrigin,
            Credentials::Include => RequestCredentials::Include,
        })
        .abort_signal(Some(&controller.signal()))
        // A 307 or 308 would re-send the body, the legacy credential, to wherever it points.
        // Not followed, it reads as status 0: an unexpected status, and the session stays.
        .redirect(RequestRedirect::Manual)
        .body(body)
        .map_err(|_| SendError::Network)?
        .send()
        .await
        .map_err(|_| failure())?;
    let status = response.status();
    let retry_after = response.headers().get("Retry-After");
    let body = response.text().await.map_err(|_| failure())?;
    Ok(HttpAnswer {
        status,
        retry_after,
        body,
    })
}
