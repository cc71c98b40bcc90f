//! The JWS compact serialization ([RFC 7515 §7.1]): `header.payload.signature`, each base64url.
//!
//! [RFC 7515 §7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::VerifyError;

pub(super) struct CompactJws<'a> {
    /// `header.payload` as received: the bytes the signature covers.
    pub(super) signing_input: &'a str,
    pub(super) header: Header,
    pub(super) payload: Vec<u8>,
    pub(super) signature: Vec<u8>,
}

/// The header parameters the verifier reads. serde refuses a repeated one, so two parsers can
/// never read different `alg`s from one token.
#[derive(Deserialize)]
pub(super) struct Header {
    pub(super) alg: String,
    #[serde(default)]
    pub(super) kid: Option<String>,
    #[serde(default)]
    pub(super) crit: Option<serde_json::Value>,
}

impl<'a> CompactJws<'a> {
    pub(super) fn parse(token: &'a str) -> Result<Self, VerifyError> {
        let (signing_input, signature) = token
            .rsplit_once('.')
            .ok_or(VerifyError::Malformed("not a compact JWS"))?;
        let (header, payload) = signing_input
            .split_once('.')
            .filter(|(_, payload)| !payload.contains('.'))
            .ok_or(VerifyError::Malformed("not a compact JWS"))?;
        let header = serde_json::from_slice(&decode(header)?)
            .map_err(|_| VerifyError::Malformed("the header is not a JWS header"))?;
        Ok(Self {
            signing_input,
            header,
            payload: decode(payload)?,
            signature: decode(signature)?,
        })
    }
}

fn decode(segment: &str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| VerifyError::Malformed("a segment is not base64url"))
}
