//! `POST /introspect` (RFC 7662): `token=…` (access or refresh), answered with `active` and the
//! token's claims. Unauthenticated: the devstack does not model introspection clients.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::Legacy;
use super::tokens::no_store;
use super::verify::Audience;
use crate::form::Form;

pub async fn introspect(
    State(legacy): State<Arc<Legacy>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Form::parse(uri.query(), &headers, &body);
    no_store(StatusCode::OK, legacy.introspection(form.get("token")))
}

impl Legacy {
    fn introspection(&self, token: &str) -> Value {
        let now = crate::time::now();
        if let Ok(claims) = self.verify_access_token(token, Audience::Any, now) {
            let mut answer = claims;
            answer.insert("active".into(), true.into());
            answer.insert("token_type".into(), "access_token".into());
            answer
                .entry("client_id")
                .or_insert_with(|| self.client_id.clone().into());
            return Value::Object(answer);
        }
        let store = self.store();
        let Some(record) = store
            .refresh
            .get(token)
            .filter(|record| !record.spent && record.expires_at > now)
        else {
            return json!({ "active": false });
        };
        let email = self
            .users
            .by_legacy_sub(&record.sub)
            .map(|user| user.seed.email.clone());
        json!({
            "active": true,
            "token_type": "refresh_token",
            "iss": self.origin,
            "sub": record.sub,
            "email": email,
            "client_id": self.client_id,
            "scope": record.scope,
            "exp": record.expires_at,
        })
    }
}
