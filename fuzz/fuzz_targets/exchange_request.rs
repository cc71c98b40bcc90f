//! The endpoint's request parser: any body is a request or a clean refusal, a parsed request
//! survives the client's serialisation unchanged, and its `Debug` never shows the token.
#![no_main]

use authgear_migrate::wire::ExchangeRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = ExchangeRequest::from_form(data) else {
        return;
    };
    let again = ExchangeRequest::from_form(request.to_form().as_bytes());
    assert_eq!(again.as_ref(), Ok(&request), "to_form does not round-trip");
    let blank = ExchangeRequest {
        subject_token: request.subject_token.as_ref().map(|_| String::new()),
        ..request.clone()
    };
    assert_eq!(
        format!("{request:?}"),
        format!("{blank:?}"),
        "Debug shows the token"
    );
});
