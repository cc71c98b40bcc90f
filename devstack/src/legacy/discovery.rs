//! `GET /.well-known/openid-configuration` of the legacy IdP.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::Legacy;

pub async fn metadata(State(legacy): State<Arc<Legacy>>) -> Json<Value> {
    let url = |path: &str| format!("{}{path}", legacy.origin);
    Json(json!({
        "issuer": legacy.origin,
        "token_endpoint": url("/token"),
        "userinfo_endpoint": url("/userinfo"),
        "introspection_endpoint": url("/introspect"),
        "jwks_uri": url("/jwks"),
        "grant_types_supported": ["password", "refresh_token"],
        "response_types_supported": [],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "token_endpoint_auth_methods_supported": ["none"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "email", "email_verified", "name"],
    }))
}
