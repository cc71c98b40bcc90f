//! The exchange request: one form-encoded POST with a timeout that covers the body too.

use alloc::rc::Rc;
use core::cell::Cell;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, Request, RequestCredentials, RequestInit, RequestRedirect, Response,
};

use crate::core::options::Credentials;
use crate::engine::device::{HttpAnswer, SendError};
use crate::prelude::*;
use crate::web::clock::Timer;
use crate::wire::FORM_CONTENT_TYPE;

#[wasm_bindgen]
extern "C" {
    // The global `fetch`, so it works in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn fetch(request: &Request) -> Promise;
}

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
    let failure = |_| {
        if timed_out.get() {
            SendError::Timeout
        } else {
            SendError::Network
        }
    };

    let headers = Headers::new().map_err(|_| SendError::Network)?;
    for (name, value) in [
        ("Content-Type", FORM_CONTENT_TYPE),
        ("Accept", "application/json"),
    ] {
        headers.set(name, value).map_err(|_| SendError::Network)?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    init.set_credentials(match credentials {
        Credentials::Omit => RequestCredentials::Omit,
        Credentials::SameOrigin => RequestCredentials::SameOrigin,
        Credentials::Include => RequestCredentials::Include,
    });
    init.set_signal(Some(&controller.signal()));
    // A 307 or 308 would re-send the body, the legacy credential, to wherever it points.
    // Not followed, it reads as status 0: an unexpected status, and the session stays.
    init.set_redirect(RequestRedirect::Manual);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| SendError::Network)?;

    let response: Response = JsFuture::from(fetch(&request))
        .await
        .map_err(failure)?
        .unchecked_into();
    let status = response.status();
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    let text = response.text().map_err(failure)?;
    let body = JsFuture::from(text)
        .await
        .map_err(failure)?
        .as_string()
        .unwrap_or_default();
    Ok(HttpAnswer {
        status,
        retry_after,
        body,
    })
}
