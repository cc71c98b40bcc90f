//! `GET /.well-known/openid-configuration` (and `/.well-known/oauth-authorization-server`,
//! served by the same handler): pkg/auth/handler/oauth/metadata.go with the two providers of
//! pkg/auth/deps.go: ProvideOAuthMetadataProviders.

use axum::{Extension, Json};
use serde_json::{Value, json};

use super::RequestOrigin;

/// The `issuer` and every URL are of the host asked (pkg/lib/endpoints).
pub async fn metadata(Extension(RequestOrigin(origin)): Extension<RequestOrigin>) -> Json<Value> {
    Json(document(&origin))
}

fn document(origin: &str) -> Value {
    let url = |path: &str| format!("{origin}{path}");
    json!({
        // pkg/lib/oauth/metadata.go
        "authorization_endpoint": url("/oauth2/authorize"),
        "token_endpoint": url("/oauth2/token"),
        "response_types_supported": ["code", "urn:authgear:params:oauth:response-type:settings-action", "none"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "revocation_endpoint": url("/oauth2/revoke"),
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        // pkg/lib/dpop/alg.go: SupportedAlgorithms
        "dpop_signing_alg_values_supported": ["ES256", "RS256"],
        // pkg/lib/oauth/oidc/metadata.go
        "issuer": origin,
        // pkg/lib/oauth/scope.go: AllowedScopes
        "scopes_supported": [
            "offline_access",
            "device_sso",
            "openid",
            "profile",
            "email",
            "address",
            "phone",
            "https://authgear.com/scopes/full-access",
            "https://authgear.com/scopes/full-userinfo",
            "https://authgear.com/scopes/pre-authenticated-url",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": [
            "iss", "aud", "iat", "exp", "sub",
            "email", "email_verified", "phone_number", "phone_number_verified",
            "preferred_username", "family_name", "given_name", "middle_name", "name",
            "nickname", "picture", "profile", "website", "gender", "birthdate", "zoneinfo",
            "locale", "address", "updated_at",
        ],
        "jwks_uri": url("/oauth2/jwks"),
        "userinfo_endpoint": url("/oauth2/userinfo"),
        "end_session_endpoint": url("/oauth2/end_session"),
    })
}
