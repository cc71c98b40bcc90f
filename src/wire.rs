//! The wire contract between the client engine and a migration endpoint.
//!
//! An OAuth 2.0 Token Exchange ([RFC 8693]) request, form-encoded so that a cross-origin call is a
//! CORS "simple request" and costs no preflight. Errors follow [RFC 6749 §5.2] with a
//! machine-readable `reason` extension. The engine and the reference endpoint (`server/`) both use
//! these types, so the two sides cannot drift apart.
//!
//! [RFC 8693]: https://www.rfc-editor.org/rfc/rfc8693
//! [RFC 6749 §5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2

use std::fmt;

use serde::{Deserialize, Serialize};

/// `grant_type` of every exchange request.
pub const GRANT_TYPE_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `requested_token_type` of every exchange request, and `issued_token_type` of every answer.
pub const TOKEN_TYPE_REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
/// Content type of the request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// What kind of legacy credential the `subject_token` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SubjectTokenType {
    #[serde(rename = "urn:ietf:params:oauth:token-type:access_token")]
    AccessToken,
    #[serde(rename = "urn:ietf:params:oauth:token-type:refresh_token")]
    RefreshToken,
    #[serde(rename = "urn:ietf:params:oauth:token-type:id_token")]
    IdToken,
    /// The legacy session lives in an HttpOnly cookie: the request carries credentials and no
    /// `subject_token`; the endpoint reads the cookie itself.
    #[serde(rename = "urn:authgear-migrate:token-type:cookie")]
    Cookie,
}

impl SubjectTokenType {
    pub const fn as_urn(self) -> &'static str {
        match self {
            Self::AccessToken => "urn:ietf:params:oauth:token-type:access_token",
            Self::RefreshToken => TOKEN_TYPE_REFRESH_TOKEN,
            Self::IdToken => "urn:ietf:params:oauth:token-type:id_token",
            Self::Cookie => "urn:authgear-migrate:token-type:cookie",
        }
    }

    pub fn from_urn(urn: &str) -> Option<Self> {
        [
            Self::AccessToken,
            Self::RefreshToken,
            Self::IdToken,
            Self::Cookie,
        ]
        .into_iter()
        .find(|kind| kind.as_urn() == urn)
    }
}

/// The body of a `POST <exchange URL>`.
#[derive(Clone, PartialEq, Eq)]
pub struct ExchangeRequest {
    pub client_id: String,
    /// `None` only in cookie mode.
    pub subject_token: Option<String>,
    pub subject_token_type: SubjectTokenType,
    /// Random, generated before the first send and kept until the attempt resolves, so that a
    /// retry after a lost response or a crash is answered from the endpoint's idempotency cache.
    pub idempotency_key: String,
    /// base64url of a JSON object, passed on to Authgear's `createSession`.
    pub device_info: Option<String>,
}

// The subject token never reaches a log line through `{:?}`.
impl fmt::Debug for ExchangeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeRequest")
            .field("client_id", &self.client_id)
            .field("subject_token_type", &self.subject_token_type)
            .field("has_subject_token", &self.subject_token.is_some())
            .field("has_device_info", &self.device_info.is_some())
            .finish_non_exhaustive()
    }
}

impl ExchangeRequest {
    /// The form-encoded body, fields in the order the contract lists them.
    pub fn to_form(&self) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", GRANT_TYPE_TOKEN_EXCHANGE)
            .append_pair("client_id", &self.client_id);
        if let Some(token) = &self.subject_token {
            form.append_pair("subject_token", token);
        }
        form.append_pair("subject_token_type", self.subject_token_type.as_urn())
            .append_pair("requested_token_type", TOKEN_TYPE_REFRESH_TOKEN)
            .append_pair("idempotency_key", &self.idempotency_key);
        if let Some(info) = &self.device_info {
            form.append_pair("device_info", info);
        }
        form.finish()
    }

    /// Parses a form-encoded body, as the endpoint receives it.
    pub fn from_form(body: &[u8]) -> Result<Self, FormError> {
        let mut fields = FormFields::default();
        for (name, value) in form_urlencoded::parse(body) {
            let (field, slot) = match name.as_ref() {
                "grant_type" => ("grant_type", &mut fields.grant_type),
                "client_id" => ("client_id", &mut fields.client_id),
                "subject_token" => ("subject_token", &mut fields.subject_token),
                "subject_token_type" => ("subject_token_type", &mut fields.subject_token_type),
                "requested_token_type" => {
                    ("requested_token_type", &mut fields.requested_token_type)
                }
                "idempotency_key" => ("idempotency_key", &mut fields.idempotency_key),
                "device_info" => ("device_info", &mut fields.device_info),
                _ => continue,
            };
            // RFC 6749 §3.2: request parameters must not be included more than once.
            if slot.replace(value.into_owned()).is_some() {
                return Err(FormError::Repeated(field));
            }
        }
        let require = |field: Option<String>, name: &'static str| {
            field
                .filter(|value| !value.is_empty())
                .ok_or(FormError::Missing(name))
        };
        let grant_type = require(fields.grant_type, "grant_type")?;
        if grant_type != GRANT_TYPE_TOKEN_EXCHANGE {
            return Err(FormError::UnsupportedGrantType);
        }
        let kind = require(fields.subject_token_type, "subject_token_type")?;
        let subject_token_type =
            SubjectTokenType::from_urn(&kind).ok_or(FormError::UnsupportedTokenType)?;
        if let Some(requested) = fields.requested_token_type
            && requested != TOKEN_TYPE_REFRESH_TOKEN
        {
            return Err(FormError::UnsupportedRequestedTokenType);
        }
        let subject_token = match subject_token_type {
            SubjectTokenType::Cookie => None,
            _ => Some(require(fields.subject_token, "subject_token")?),
        };
        Ok(Self {
            client_id: require(fields.client_id, "client_id")?,
            subject_token,
            subject_token_type,
            idempotency_key: require(fields.idempotency_key, "idempotency_key")?,
            device_info: match fields.device_info.filter(|info| !info.is_empty()) {
                Some(info) if !is_device_info(&info) => return Err(FormError::InvalidDeviceInfo),
                info => info,
            },
        })
    }
}

/// Authgear decodes `deviceInfo` as unpadded base64url (Go's `RawURLEncoding`) of a JSON
/// object (pkg/admin/graphql/session_mutation.go); anything else fails there as "invalid device
/// info", so it is refused here, where the error can name the field.
fn is_device_info(info: &str) -> bool {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(info)
        .ok()
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
        .is_some_and(|value| value.is_object())
}

#[derive(Default)]
struct FormFields {
    grant_type: Option<String>,
    client_id: Option<String>,
    subject_token: Option<String>,
    subject_token_type: Option<String>,
    requested_token_type: Option<String>,
    idempotency_key: Option<String>,
    device_info: Option<String>,
}

/// Why a request body is not a valid exchange request. Each maps to one RFC 6749 error code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormError {
    Missing(&'static str),
    Repeated(&'static str),
    UnsupportedGrantType,
    UnsupportedTokenType,
    UnsupportedRequestedTokenType,
    InvalidDeviceInfo,
}

impl FormError {
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::UnsupportedGrantType => ErrorCode::UnsupportedGrantType,
            Self::UnsupportedTokenType => ErrorCode::UnsupportedTokenType,
            _ => ErrorCode::InvalidRequest,
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(name) => write!(f, "missing parameter `{name}`"),
            Self::Repeated(name) => write!(f, "parameter `{name}` given more than once"),
            Self::UnsupportedGrantType => {
                write!(f, "`grant_type` must be {GRANT_TYPE_TOKEN_EXCHANGE}")
            }
            Self::UnsupportedTokenType => write!(f, "unsupported `subject_token_type`"),
            Self::UnsupportedRequestedTokenType => {
                write!(
                    f,
                    "`requested_token_type` must be {TOKEN_TYPE_REFRESH_TOKEN}"
                )
            }
            Self::InvalidDeviceInfo => {
                write!(
                    f,
                    "`device_info` must be unpadded base64url of a JSON object"
                )
            }
        }
    }
}

impl std::error::Error for FormError {}

/// A successful answer (HTTP 200).
///
/// Serialises as RFC 8693 (`access_token`, `expires_in`, …). Also reads the camelCase payload of
/// Authgear's `createSession` (`accessToken`, `refreshToken`, `expiresIn`, `tokenType`) that a
/// backend written from Authgear's guide returns as it is.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    #[serde(alias = "accessToken")]
    pub access_token: String,
    #[serde(alias = "tokenType", default = "bearer")]
    pub token_type: String,
    #[serde(alias = "expiresIn")]
    pub expires_in: u64,
    #[serde(alias = "refreshToken")]
    pub refresh_token: String,
    #[serde(default = "refresh_token_type")]
    pub issued_token_type: String,
    #[serde(alias = "idToken", default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

// Tokens never reach a log line through `{:?}`.
impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("has_id_token", &self.id_token.is_some())
            .finish_non_exhaustive()
    }
}

fn bearer() -> String {
    "Bearer".to_owned()
}

fn refresh_token_type() -> String {
    TOKEN_TYPE_REFRESH_TOKEN.to_owned()
}

/// The RFC 6749 §5.2 `error` codes the contract uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the legacy credential will never be exchanged. Permanent.
    InvalidGrant,
    /// 400: a malformed request. Permanent (a configuration error).
    InvalidRequest,
    /// 400: the endpoint does not take this kind of subject token. Permanent.
    UnsupportedTokenType,
    /// 400: not a token-exchange request. Permanent.
    UnsupportedGrantType,
    /// 401: the `client_id` is not one the endpoint serves. Permanent.
    InvalidClient,
    /// 429 or 503: back off, honouring `Retry-After`.
    TemporarilyUnavailable,
    /// 500: transient.
    ServerError,
    /// A code this version does not know; handled by HTTP status.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidRequest => "invalid_request",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidClient => "invalid_client",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::ServerError => "server_error",
            Self::Unknown => "unknown",
        }
    }
}

/// Why an `invalid_grant` was refused: the `reason` extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GrantRefusal {
    Expired,
    Invalid,
    Revoked,
    Replayed,
    UserNotFound,
    UserDisabled,
    /// The login ID is one the legacy IdP did not mark verified.
    UnverifiedLoginId,
    /// The Authgear user with the login ID is bound to another legacy subject (or to none).
    SubjectMismatch,
    #[serde(other)]
    Other,
}

impl GrantRefusal {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Invalid => "invalid",
            Self::Revoked => "revoked",
            Self::Replayed => "replayed",
            Self::UserNotFound => "user_not_found",
            Self::UserDisabled => "user_disabled",
            Self::UnverifiedLoginId => "unverified_login_id",
            Self::SubjectMismatch => "subject_mismatch",
            Self::Other => "other",
        }
    }
}

/// An error answer (RFC 6749 §5.2, plus `reason` and `legacy_session`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<GrantRefusal>,
    /// Replacement legacy tokens, when the endpoint spent a rotating legacy refresh token and
    /// then failed: the client writes them back so that the user keeps the legacy session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_session: Option<LegacyTokens>,
}

/// Legacy tokens handed back by the endpoint.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyTokens {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl fmt::Debug for LegacyTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyTokens")
            .field("has_access_token", &self.access_token.is_some())
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("has_id_token", &self.id_token.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ExchangeRequest {
        ExchangeRequest {
            client_id: "client one".into(),
            subject_token: Some("a.b+c/d=".into()),
            subject_token_type: SubjectTokenType::AccessToken,
            idempotency_key: "k1".into(),
            device_info: None,
        }
    }

    #[test]
    fn form_round_trips() {
        let form = request().to_form();
        assert_eq!(
            form,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
             &client_id=client+one&subject_token=a.b%2Bc%2Fd%3D\
             &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token\
             &requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Arefresh_token\
             &idempotency_key=k1"
        );
        assert_eq!(ExchangeRequest::from_form(form.as_bytes()), Ok(request()));
    }

    #[test]
    fn cookie_mode_needs_no_subject_token() {
        let mut cookie = request();
        cookie.subject_token = None;
        cookie.subject_token_type = SubjectTokenType::Cookie;
        let parsed = ExchangeRequest::from_form(cookie.to_form().as_bytes()).unwrap();
        assert_eq!(parsed, cookie);
    }

    #[test]
    fn form_refusals_name_the_field() {
        let missing = request().to_form().replace("&idempotency_key=k1", "");
        assert_eq!(
            ExchangeRequest::from_form(missing.as_bytes()),
            Err(FormError::Missing("idempotency_key"))
        );
        let twice = format!("{}&client_id=x", request().to_form());
        assert_eq!(
            ExchangeRequest::from_form(twice.as_bytes()),
            Err(FormError::Repeated("client_id"))
        );
        let grant = request().to_form().replace("token-exchange", "password");
        assert_eq!(
            ExchangeRequest::from_form(grant.as_bytes())
                .unwrap_err()
                .error_code(),
            ErrorCode::UnsupportedGrantType
        );
    }

    #[test]
    fn device_info_must_be_what_authgear_decodes() {
        let mut with_info = request();
        with_info.device_info = Some("eyJwbGF0Zm9ybSI6IndlYiJ9".into()); // {"platform":"web"}
        assert_eq!(
            ExchangeRequest::from_form(with_info.to_form().as_bytes()),
            Ok(with_info.clone())
        );
        for bad in ["eyJwbGF0Zm9ybSI6IndlYiJ9==", "WzFd", "not base64!"] {
            with_info.device_info = Some(bad.into());
            assert_eq!(
                ExchangeRequest::from_form(with_info.to_form().as_bytes()),
                Err(FormError::InvalidDeviceInfo),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_output_hides_the_subject_token() {
        assert!(!format!("{:?}", request()).contains("a.b+c/d="));
    }

    #[test]
    fn error_codes_spell_as_serde_does() {
        for code in [
            ErrorCode::InvalidGrant,
            ErrorCode::TemporarilyUnavailable,
            ErrorCode::UnsupportedGrantType,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn token_response_reads_both_spellings() {
        let snake: TokenResponse = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":1800,"refresh_token":"r",
                "issued_token_type":"urn:ietf:params:oauth:token-type:refresh_token"}"#,
        )
        .unwrap();
        let camel: TokenResponse = serde_json::from_str(
            r#"{"accessToken":"a","tokenType":"Bearer","expiresIn":1800,"refreshToken":"r"}"#,
        )
        .unwrap();
        assert_eq!(snake, camel);
        assert!(!format!("{snake:?}").contains("\"r\""));
    }

    #[test]
    fn unknown_codes_do_not_fail_parsing() {
        let error: ErrorResponse =
            serde_json::from_str(r#"{"error":"slow_down","reason":"cosmic_rays"}"#).unwrap();
        assert_eq!(error.error, ErrorCode::Unknown);
        assert_eq!(error.reason, Some(GrantRefusal::Other));
    }
}
