//! `POST /oauth2/token`, the `refresh_token` grant, as pkg/lib/oauth/handler/handler_token.go
//! handles it.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::clients::OAuthClient;
use super::protocol::{OAuthError, TokenResponse, no_store_json};
use super::{Authgear, RequestOrigin};
use crate::form::Form;
use crate::jose::unb64;

/// Grant types Authgear knows (pkg/lib/oauth/grant_type.go) that the stand-in does not
/// emulate. They get a clear refusal instead of Authgear's behaviour.
const NOT_EMULATED: &[&str] = &[
    "authorization_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:authgear:params:oauth:grant-type:anonymous-request",
    "urn:authgear:params:oauth:grant-type:biometric-request",
    "urn:authgear:params:oauth:grant-type:app2app-request",
    "urn:authgear:params:oauth:grant-type:id-token",
    "urn:authgear:params:oauth:grant-type:settings-action",
    "client_credentials",
];

pub async fn token(
    State(authgear): State<Arc<Authgear>>,
    Extension(RequestOrigin(origin)): Extension<RequestOrigin>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Form::parse(uri.query(), &headers, &body);
    let grant_type = form.get("grant_type").to_owned();
    let result = authgear.token_request(&origin, &form, &headers);
    authgear
        .counters
        .authgear_token(&grant_type, result.is_ok());
    match result {
        Ok(response) => no_store_json(StatusCode::OK, &Value::Object(response)),
        Err(error) => error.into_response(),
    }
}

impl Authgear {
    /// TokenHandler.Handle: client authentication, client lookup, request validation, grant.
    fn token_request(
        &self,
        origin: &str,
        form: &Form,
        headers: &HeaderMap,
    ) -> Result<TokenResponse, OAuthError> {
        // "Prefer client authentication in the request body over the Authorization header."
        let mut client_id = form.get("client_id").to_owned();
        if client_id.is_empty() && form.get("client_secret").is_empty() {
            if let Some(username) = basic_auth_username(headers) {
                client_id = username;
            }
        }
        // (The per-IP and per-user rate limits are not emulated.)
        let client = self
            .clients
            .resolve(&client_id)
            .ok_or_else(|| OAuthError::new("invalid_client", "invalid client ID"))?;
        // validateRequestWithoutTx.
        match form.get("grant_type") {
            "refresh_token" => {
                if form.get("refresh_token").is_empty() {
                    return Err(OAuthError::new(
                        "invalid_request",
                        "refresh token is required",
                    ));
                }
            }
            known if NOT_EMULATED.contains(&known) => {
                return Err(OAuthError::new(
                    "unsupported_grant_type",
                    format!("devstack: grant type {known} is not emulated"),
                ));
            }
            _ => {
                return Err(OAuthError::new(
                    "unsupported_grant_type",
                    "grant type is not supported",
                ));
            }
        }
        // Every client may use refresh_token (grant_type.go: whitelistedGrantTypes).
        self.refresh(origin, client, form)
    }

    /// handleRefreshToken.
    fn refresh(
        &self,
        origin: &str,
        client: &OAuthClient,
        form: &Form,
    ) -> Result<TokenResponse, OAuthError> {
        let device_info = device_info(form.get("x_device_info"))
            .map_err(|message| OAuthError::new("invalid_request", message))?;
        let now = crate::time::now();
        let mut grants = self.grants.lock().expect("grants lock");
        // pkg/lib/oauth/handler/service_token.go: ParseRefreshToken.
        let grant = grants
            .find_by_refresh_token(form.get("refresh_token"))
            .ok_or_else(OAuthError::invalid_refresh_token)?;
        // "Standard session checking consider ErrUserNotFound and disabled as invalid."
        let user = self
            .users
            .by_authgear_id(&grant.user_id)
            .filter(|user| !user.seed.disabled)
            .ok_or_else(OAuthError::invalid_refresh_token)?;
        // issueTokensForRefreshToken: an ID token because the grant has `openid`, the refresh
        // token rotated when the client has rotation on, then the access token.
        let mut response = TokenResponse::new();
        if grant.scopes.iter().any(|scope| scope == "openid") {
            response.insert(
                "id_token".into(),
                self.issue_id_token(origin, client, &grant, user, now)
                    .into(),
            );
        }
        if self.settings().refresh_token_rotation_enabled {
            if let Some(rotated) = grants.rotate(&grant.id) {
                response.insert("refresh_token".into(), rotated.into());
            }
        }
        let access = self.issue_access_token(origin, &mut grants, client, &grant, user, now);
        // Checked only after the tokens are prepared, as Authgear does. Authgear rolls back its
        // SQL transaction on this error, but the rotation above was a Redis write and stays:
        // after it, the refresh token that was sent no longer works.
        if client.client_id != grant.client_id {
            return Err(OAuthError::new(
                "invalid_request",
                "client id doesn't match the refresh token",
            ));
        }
        grants.set_device_info(&grant.id, device_info);
        response.insert("access_token".into(), access.token.into());
        response.insert("token_type".into(), "Bearer".into());
        response.insert("expires_in".into(), access.expires_in.into());
        Ok(response)
    }
}

/// pkg/lib/oauth/protocol/token.go: TokenRequest.DeviceInfo — base64url JSON naming a device
/// model (pkg/util/deviceinfo/deviceinfo.go: DeviceModel), or nothing.
fn device_info(encoded: &str) -> Result<Option<Map<String, Value>>, String> {
    if encoded.is_empty() {
        return Ok(None);
    }
    let bytes = unb64(encoded).ok_or("illegal base64 data")?;
    let info: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|err| err.to_string())?;
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    let model = if let Some(android) = info.get("android").and_then(Value::as_object) {
        let build = android.get("Build");
        let manufacturer = text(build.and_then(|build| build.get("MANUFACTURER")));
        let model = text(build.and_then(|build| build.get("MODEL")));
        manufacturer
            .zip(model)
            .map(|(make, model)| format!("{make} {model}"))
    } else if let Some(ios) = info.get("ios").and_then(Value::as_object) {
        text(ios.get("uname").and_then(|uname| uname.get("machine")))
    } else {
        None
    };
    if model.is_none_or(|model| model.is_empty()) {
        return Err(format!(
            "invalid device info: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    Ok(Some(info))
}

/// Go's `Request.BasicAuth` username, URL-unescaped (RFC 6749 Appendix B).
fn basic_auth_username(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(credentials).ok()?).ok()?;
    let (username, _) = decoded.split_once(':')?;
    let unescaped: String = form_urlencoded::parse(format!("u={username}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())?;
    Some(unescaped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::b64;

    #[test]
    fn device_info_needs_a_device_model() {
        assert_eq!(device_info(""), Ok(None));
        let ios = b64(r#"{"ios":{"uname":{"machine":"iPhone15,2"}}}"#);
        assert!(device_info(&ios).unwrap().is_some());
        let android = b64(r#"{"android":{"Build":{"MANUFACTURER":"G","MODEL":"P"}}}"#);
        assert!(device_info(&android).unwrap().is_some());
        let web = b64(r#"{"web":{}}"#);
        assert!(
            device_info(&web)
                .unwrap_err()
                .starts_with("invalid device info")
        );
        assert!(device_info("%%%").is_err());
    }
}
