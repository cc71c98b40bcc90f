//! `POST /oauth2/revoke` (pkg/auth/handler/oauth/revoke.go, pkg/lib/oauth/handler/handler_revoke.go).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};

use super::Authgear;
use crate::form::Form;

/// Always 200 with no body: unknown tokens are not an error. Note Authgear's order: anything
/// with a `.` is taken for a refresh token, so revoking a JWT access token this way does nothing.
pub async fn revoke(
    State(authgear): State<Arc<Authgear>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let form = Form::parse(uri.query(), &headers, &body);
    authgear
        .grants
        .lock()
        .expect("grants lock")
        .revoke(form.get("token"));
    StatusCode::OK
}
