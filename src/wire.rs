//! The wire contract between the client engine and a migration endpoint.
//!
//! An OAuth 2.0 Token Exchange ([RFC 8693]) request, form-encoded so that a cross-origin call is a
//! CORS "simple request" and costs no preflight. Errors follow [RFC 6749 §5.2] with a
//! machine-readable `reason` extension. The engine and the reference endpoint (`server/`) both use
//! these types, so the two sides cannot drift apart.
//!
//! [RFC 8693]: https://www.rfc-editor.org/rfc/rfc8693
//! [RFC 6749 §5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2

use core::fmt;

// The endpoint (native) writes and reads these types with serde; the engine reads the answers
// with the one JSON walker (`from_json`), so serde stays out of the Wasm.
#[cfg(not(target_arch = "wasm32"))]
use serde::{Deserialize, Serialize};

use crate::core::cookie::push_percent_escaped;
use crate::core::json::{Json, Named, named_codes};
use crate::prelude::*;

/// `grant_type` of every exchange request.
pub const GRANT_TYPE_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `requested_token_type` of every exchange request, and `issued_token_type` of every answer.
pub const TOKEN_TYPE_REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
/// Content type of the request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// What kind of legacy credential the `subject_token` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize, Deserialize))]
pub enum SubjectTokenType {
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(rename = "urn:ietf:params:oauth:token-type:access_token")
    )]
    AccessToken,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(rename = "urn:ietf:params:oauth:token-type:refresh_token")
    )]
    RefreshToken,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(rename = "urn:ietf:params:oauth:token-type:id_token")
    )]
    IdToken,
    /// The legacy session lives in an HttpOnly cookie: the request carries credentials and no
    /// `subject_token`; the endpoint reads the cookie itself.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(rename = "urn:authgear-migrate:token-type:cookie")
    )]
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
        let mut form = String::new();
        let mut pair = |name: &str, value: &str| {
            if !form.is_empty() {
                form.push('&');
            }
            push_form_encoded(&mut form, name);
            form.push('=');
            push_form_encoded(&mut form, value);
        };
        pair("grant_type", GRANT_TYPE_TOKEN_EXCHANGE);
        pair("client_id", &self.client_id);
        if let Some(token) = &self.subject_token {
            pair("subject_token", token);
        }
        pair("subject_token_type", self.subject_token_type.as_urn());
        pair("requested_token_type", TOKEN_TYPE_REFRESH_TOKEN);
        pair("idempotency_key", &self.idempotency_key);
        if let Some(info) = &self.device_info {
            pair("device_info", info);
        }
        form
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

/// `text` as `application/x-www-form-urlencoded` writes it (the URL Standard's byte
/// serializer, as `form_urlencoded` does): ASCII alphanumerics and `*-._` as they are, space as
/// `+`, every other byte as `%XX`. Here rather than `form_urlencoded`'s serializer, which brings
/// its code and a 768-byte table into the Wasm for one body.
fn push_form_encoded(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => push_percent_escaped(out, byte),
        }
    }
}

/// Authgear decodes `deviceInfo` as unpadded base64url (Go's `RawURLEncoding`) of a JSON
/// object (pkg/admin/graphql/session_mutation.go); anything else fails there as "invalid device
/// info", so it is refused here, where the error can name the field.
fn is_device_info(info: &str) -> bool {
    crate::core::base64::decode(info)
        .and_then(|json| String::from_utf8(json).ok())
        .and_then(|text| Json::parse(&text).ok())
        .is_some_and(|value| value.as_object().is_some())
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

impl core::error::Error for FormError {}

/// A successful answer (HTTP 200).
///
/// Serialises as RFC 8693 (`access_token`, `expires_in`, …). Also reads the camelCase payload of
/// Authgear's `createSession` (`accessToken`, `refreshToken`, `expiresIn`, `tokenType`) that a
/// backend written from Authgear's guide returns as it is.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize, Deserialize))]
pub struct TokenResponse {
    #[cfg_attr(not(target_arch = "wasm32"), serde(alias = "accessToken"))]
    pub access_token: String,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(alias = "tokenType", default = "bearer")
    )]
    pub token_type: String,
    #[cfg_attr(not(target_arch = "wasm32"), serde(alias = "expiresIn"))]
    pub expires_in: u64,
    #[cfg_attr(not(target_arch = "wasm32"), serde(alias = "refreshToken"))]
    pub refresh_token: String,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default = "refresh_token_type"))]
    pub issued_token_type: String,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(alias = "idToken", default, skip_serializing_if = "Option::is_none")
    )]
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

impl TokenResponse {
    /// Reads a success answer as the serde derive above reads it: the camelCase aliases, the
    /// defaults, unknown fields ignored, a field given twice (under either name) refused.
    pub fn from_json(body: &Json) -> Result<Self, BodyError> {
        let fields = Fields::of(body)?;
        let required = |name, alias| {
            fields
                .text(name, alias)?
                .map(str::to_owned)
                .ok_or(BodyError::Missing(name))
        };
        Ok(Self {
            access_token: required("access_token", Some("accessToken"))?,
            token_type: fields
                .text("token_type", Some("tokenType"))?
                .map_or_else(bearer, str::to_owned),
            expires_in: match fields.get("expires_in", Some("expiresIn"))? {
                Some(value) => value
                    .as_integer::<u64>()
                    .ok_or(BodyError::WrongType("expires_in"))?,
                None => return Err(BodyError::Missing("expires_in")),
            },
            refresh_token: required("refresh_token", Some("refreshToken"))?,
            issued_token_type: fields
                .text("issued_token_type", None)?
                .map_or_else(refresh_token_type, str::to_owned),
            id_token: fields
                .optional_text("id_token", Some("idToken"))?
                .map(str::to_owned),
        })
    }
}

/// Why an answer's body does not have the contract's shape; names the field at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyError {
    NotAnObject,
    Missing(&'static str),
    Repeated(&'static str),
    WrongType(&'static str),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAnObject => f.write_str("the body is not a JSON object"),
            Self::Missing(name) => write!(f, "missing field `{name}`"),
            Self::Repeated(name) => write!(f, "field `{name}` given more than once"),
            Self::WrongType(name) => write!(f, "field `{name}` has the wrong type"),
        }
    }
}

impl core::error::Error for BodyError {}

/// An answer object, its fields read as serde's derive reads a struct's.
struct Fields<'a>(&'a Json);

impl<'a> Fields<'a> {
    fn of(value: &'a Json) -> Result<Self, BodyError> {
        match value {
            Json::Object(_) => Ok(Self(value)),
            _ => Err(BodyError::NotAnObject),
        }
    }

    /// The value of `name`, also spelt `alias`.
    fn get(&self, name: &'static str, alias: Option<&str>) -> Result<Option<&'a Json>, BodyError> {
        let names = [name, alias.unwrap_or(name)];
        self.0.member(&names).map_err(|_| BodyError::Repeated(name))
    }

    /// A `String` field: absent is `None`, anything but a string (`null` too) an error.
    fn text(&self, name: &'static str, alias: Option<&str>) -> Result<Option<&'a str>, BodyError> {
        self.get(name, alias)?
            .map(|value| value.as_str().ok_or(BodyError::WrongType(name)))
            .transpose()
    }

    /// An `Option<String>` field: absent and `null` are `None`.
    fn optional_text(
        &self,
        name: &'static str,
        alias: Option<&str>,
    ) -> Result<Option<&'a str>, BodyError> {
        match self.get(name, alias)? {
            None | Some(Json::Null) => Ok(None),
            Some(value) => value.as_str().map(Some).ok_or(BodyError::WrongType(name)),
        }
    }
}

named_codes! {
    /// The RFC 6749 §5.2 `error` codes the contract uses.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[cfg_attr(not(target_arch = "wasm32"), derive(Serialize, Deserialize))]
    #[cfg_attr(not(target_arch = "wasm32"), serde(rename_all = "snake_case"))]
    #[non_exhaustive]
    ErrorCode {
        /// 400: the legacy credential will never be exchanged. Permanent.
        InvalidGrant = "invalid_grant",
        /// 400: a malformed request. Permanent (a configuration error).
        InvalidRequest = "invalid_request",
        /// 400: the endpoint does not take this kind of subject token. Permanent.
        UnsupportedTokenType = "unsupported_token_type",
        /// 400: not a token-exchange request. Permanent.
        UnsupportedGrantType = "unsupported_grant_type",
        /// 401: the `client_id` is not one the endpoint serves. Permanent.
        InvalidClient = "invalid_client",
        /// 429 or 503: back off, honouring `Retry-After`.
        TemporarilyUnavailable = "temporarily_unavailable",
        /// 500: transient.
        ServerError = "server_error",
        /// A code this version does not know; handled by HTTP status.
        #[cfg_attr(not(target_arch = "wasm32"), serde(other))]
        Unknown = "unknown",
    }
}

named_codes! {
    /// Why an `invalid_grant` was refused: the `reason` extension.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[cfg_attr(not(target_arch = "wasm32"), derive(Serialize, Deserialize))]
    #[cfg_attr(not(target_arch = "wasm32"), serde(rename_all = "snake_case"))]
    #[non_exhaustive]
    GrantRefusal {
        Expired = "expired",
        Invalid = "invalid",
        Revoked = "revoked",
        Replayed = "replayed",
        UserNotFound = "user_not_found",
        UserDisabled = "user_disabled",
        /// The login ID is one the legacy IdP did not mark verified.
        UnverifiedLoginId = "unverified_login_id",
        /// The Authgear user with the login ID is bound to another legacy subject (or to none).
        SubjectMismatch = "subject_mismatch",
        #[cfg_attr(not(target_arch = "wasm32"), serde(other))]
        Other = "other",
    }
}

/// An error answer (RFC 6749 §5.2, plus `reason` and `legacy_session`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize, Deserialize))]
pub struct ErrorResponse {
    pub error: ErrorCode,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub error_description: Option<String>,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub reason: Option<GrantRefusal>,
    /// Replacement legacy tokens, when the endpoint spent a rotating legacy refresh token and
    /// then failed: the client writes them back so that the user keeps the legacy session.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub legacy_session: Option<LegacyTokens>,
}

/// Legacy tokens handed back by the endpoint.
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize, Deserialize))]
pub struct LegacyTokens {
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub access_token: Option<String>,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub refresh_token: Option<String>,
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub id_token: Option<String>,
}

impl ErrorResponse {
    /// Reads an error answer as the serde derive above reads it; codes this version does not
    /// know read as [`ErrorCode::Unknown`] and [`GrantRefusal::Other`].
    pub fn from_json(body: &Json) -> Result<Self, BodyError> {
        let fields = Fields::of(body)?;
        Ok(Self {
            error: fields
                .text("error", None)?
                .map(|code| ErrorCode::from_name(code).unwrap_or(ErrorCode::Unknown))
                .ok_or(BodyError::Missing("error"))?,
            error_description: fields
                .optional_text("error_description", None)?
                .map(str::to_owned),
            reason: fields
                .optional_text("reason", None)?
                .map(|reason| GrantRefusal::from_name(reason).unwrap_or(GrantRefusal::Other)),
            legacy_session: match fields.get("legacy_session", None)? {
                None | Some(Json::Null) => None,
                Some(tokens) => Some(LegacyTokens::from_json(tokens)?),
            },
        })
    }
}

impl LegacyTokens {
    fn from_json(body: &Json) -> Result<Self, BodyError> {
        let fields = Fields::of(body)?;
        let token = |name| Ok(fields.optional_text(name, None)?.map(str::to_owned));
        Ok(Self {
            access_token: token("access_token")?,
            refresh_token: token("refresh_token")?,
            id_token: token("id_token")?,
        })
    }
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

    #[test]
    fn form_encoding_is_form_urlencoded_s() {
        let every_byte: Vec<u8> = (0..=255).collect();
        let every_char: String = (0..=0x2FF_u32).filter_map(char::from_u32).collect();
        for text in [
            String::from_utf8_lossy(&every_byte).into_owned(),
            every_char,
            "a b+c&d=e%f~g*h-i.j_k/l:m".to_owned(),
            String::new(),
        ] {
            let mut ours = String::new();
            push_form_encoded(&mut ours, &text);
            let theirs: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
            assert_eq!(ours, theirs);
        }
    }

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

    fn tokens(id_token: Option<&str>) -> TokenResponse {
        TokenResponse {
            access_token: "a".into(),
            token_type: "Bearer".into(),
            expires_in: 1800,
            refresh_token: "r".into(),
            issued_token_type: TOKEN_TYPE_REFRESH_TOKEN.into(),
            id_token: id_token.map(str::to_owned),
        }
    }

    /// The endpoint reads and writes the wire types with serde (natively), the engine with the
    /// JSON walker: the two must agree on every name and every body.
    #[cfg(not(target_arch = "wasm32"))]
    mod serde_agreement {
        use super::*;

        /// Every name the engine reads is the one serde writes and reads at the endpoint.
        #[test]
        fn codes_spell_as_serde_does() {
            fn agree<T>(value: T, name: &str)
            where
                T: Copy + Serialize + serde::de::DeserializeOwned + PartialEq + fmt::Debug,
            {
                assert_eq!(serde_json::to_value(value).unwrap(), name);
                assert_eq!(serde_json::from_value::<T>(name.into()).unwrap(), value);
            }
            for &code in ErrorCode::ALL {
                agree(code, code.as_str());
                assert_eq!(ErrorCode::from_name(code.as_str()), Some(code));
            }
            for &reason in GrantRefusal::ALL {
                agree(reason, reason.as_str());
                assert_eq!(GrantRefusal::from_name(reason.as_str()), Some(reason));
            }
            for kind in [
                SubjectTokenType::AccessToken,
                SubjectTokenType::RefreshToken,
                SubjectTokenType::IdToken,
                SubjectTokenType::Cookie,
            ] {
                agree(kind, kind.as_urn());
                assert_eq!(SubjectTokenType::from_urn(kind.as_urn()), Some(kind));
            }
        }

        /// Reads `body` both ways, checks that they agree, and returns the reading.
        fn read_both<T>(body: &str, from_json: fn(&Json) -> Result<T, BodyError>) -> Option<T>
        where
            T: serde::de::DeserializeOwned + PartialEq + fmt::Debug,
        {
            let by_serde = serde_json::from_str::<T>(body).ok();
            let by_walker = Json::parse(body)
                .ok()
                .and_then(|json| from_json(&json).ok());
            assert_eq!(by_walker, by_serde, "{body}");
            by_walker
        }

        #[test]
        fn what_the_endpoint_writes_the_engine_reads() {
            for answer in [tokens(None), tokens(Some("i"))] {
                let body = serde_json::to_string(&answer).unwrap();
                assert_eq!(read_both(&body, TokenResponse::from_json), Some(answer));
            }
            let legacy = LegacyTokens {
                refresh_token: Some("new-r".into()),
                ..LegacyTokens::default()
            };
            for &error in ErrorCode::ALL {
                for reason in GrantRefusal::ALL.iter().copied().map(Some).chain([None]) {
                    let answer = ErrorResponse {
                        error,
                        error_description: Some("why".into()),
                        reason,
                        legacy_session: Some(legacy.clone()),
                    };
                    let body = serde_json::to_string(&answer).unwrap();
                    assert_eq!(read_both(&body, ErrorResponse::from_json), Some(answer));
                }
            }
        }

        #[test]
        fn token_responses_read_as_serde_reads_them() {
            let snake = r#"{"access_token":"a","token_type":"Bearer","expires_in":1800,
                "refresh_token":"r","issued_token_type":"urn:ietf:params:oauth:token-type:refresh_token"}"#;
            let camel =
                r#"{"accessToken":"a","tokenType":"Bearer","expiresIn":1800,"refreshToken":"r"}"#;
            assert_eq!(
                read_both(snake, TokenResponse::from_json),
                Some(tokens(None))
            );
            assert_eq!(
                read_both(camel, TokenResponse::from_json),
                Some(tokens(None))
            );
            let defaults =
                r#"{"accessToken":"a","expiresIn":1800,"refreshToken":"r","idToken":"i"}"#;
            assert_eq!(
                read_both(defaults, TokenResponse::from_json),
                Some(tokens(Some("i")))
            );
            let rest = r#""refresh_token":"r","access_token":"a""#;
            for (extra, accepted) in [
                (r#""expires_in":1800,"id_token":null"#, true),
                (
                    r#""expires_in":1800,"unknown":{"x":[1]},"issuedTokenType":5"#,
                    true,
                ),
                (r#""expires_in":18446744073709551615"#, true),
                (r#""expires_in":0"#, true),
                (r#""expires_in":1800,"token_type":"DPoP""#, true),
                (r#""expires_in":1800,"token_type":null"#, false),
                (r#""expires_in":1800,"issued_token_type":null"#, false),
                (r#""expires_in":1800,"id_token":5"#, false),
                (r#""expires_in":1800.0"#, false),
                (r#""expires_in":1e3"#, false),
                (r#""expires_in":-1"#, false),
                (r#""expires_in":-0"#, false),
                (r#""expires_in":"1800""#, false),
                (r#""expires_in":null"#, false),
                (r#""expires_in":18446744073709551616"#, false),
                (r#""expiresIn":1800,"expires_in":1800"#, false),
                (r#""expires_in":1800,"expires_in":1800"#, false),
                (r#""expires_in":1800,"accessToken":"a""#, false),
                (r#""expires_in":1800,"refresh_token":null"#, false),
                ("", false),
            ] {
                let body = format!("{{{rest},{extra}}}");
                assert_eq!(
                    read_both(&body, TokenResponse::from_json).is_some(),
                    accepted,
                    "{body}"
                );
            }
            for body in ["", "null", r#""a""#, "{}", r#"{"access_token":"a""#] {
                assert_eq!(read_both(body, TokenResponse::from_json), None, "{body}");
            }
        }

        #[test]
        fn error_responses_read_as_serde_reads_them() {
            for (body, accepted) in [
                (r#"{"error":"invalid_grant","reason":"expired"}"#, true),
                (r#"{"error":"slow_down","reason":"cosmic_rays"}"#, true),
                (
                    r#"{"error":"x","reason":null,"error_description":null}"#,
                    true,
                ),
                (r#"{"error":"x","legacy_session":null}"#, true),
                (r#"{"error":"x","legacy_session":{}}"#, true),
                (
                    r#"{"error":"x","legacy_session":{"id_token":null,"other":1}}"#,
                    true,
                ),
                (r#"{"error":"x","extra":[{"deep":null}]}"#, true),
                (r#"{"error":"x","reason":5}"#, false),
                (r#"{"error":"x","error_description":5}"#, false),
                (r#"{"error":"x","legacy_session":"r"}"#, false),
                (
                    r#"{"error":"x","legacy_session":{"refresh_token":5}}"#,
                    false,
                ),
                (
                    r#"{"error":"x","legacy_session":{"refresh_token":"a","refresh_token":"b"}}"#,
                    false,
                ),
                (r#"{"error":"a","error":"b"}"#, false),
                (r#"{"error":null}"#, false),
                (r#"{"error":5}"#, false),
                (r#"{"reason":"expired"}"#, false),
                ("[]", false),
                ("<html>", false),
            ] {
                assert_eq!(
                    read_both(body, ErrorResponse::from_json).is_some(),
                    accepted,
                    "{body}"
                );
            }
            let unknown = read_both(
                r#"{"error":"slow_down","reason":"cosmic_rays"}"#,
                ErrorResponse::from_json,
            )
            .unwrap();
            assert_eq!(unknown.error, ErrorCode::Unknown);
            assert_eq!(unknown.reason, Some(GrantRefusal::Other));
        }
    }

    #[test]
    fn body_errors_name_the_field() {
        let read = |body: &str| TokenResponse::from_json(&Json::parse(body).unwrap());
        assert_eq!(read("[]"), Err(BodyError::NotAnObject));
        assert_eq!(
            read(r#"{"accessToken":"a","expiresIn":1}"#),
            Err(BodyError::Missing("refresh_token"))
        );
        assert_eq!(
            read(r#"{"accessToken":"a","access_token":"a"}"#),
            Err(BodyError::Repeated("access_token"))
        );
        assert_eq!(
            read(r#"{"access_token":"a","refresh_token":"r","expires_in":1.5}"#),
            Err(BodyError::WrongType("expires_in"))
        );
        assert_eq!(
            BodyError::Repeated("access_token").to_string(),
            "field `access_token` given more than once"
        );
        assert!(!format!("{:?}", tokens(None)).contains("\"r\""));
    }
}
