//! The JWS compact serialization ([RFC 7515 §7.1]): `header.payload.signature`, each base64url.
//!
//! [RFC 7515 §7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::VerifyError;

pub(super) struct CompactJws<'a> {
    pub(super) signed: Signed<'a>,
    pub(super) signature: Vec<u8>,
}

/// What the signature of a compact JWS covers, read.
pub(crate) struct Signed<'a> {
    /// `header.payload` as received: the bytes the signature covers.
    pub(crate) input: &'a str,
    pub(super) header: Header,
    pub(crate) payload: Vec<u8>,
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
        let (signed, signature) = Signed::split(token)?;
        Ok(Self {
            signed,
            signature: decode(signature)?,
        })
    }
}

impl<'a> Signed<'a> {
    /// The signed part of `token`, and its signature's text, not decoded: three parts, the
    /// first a JWS header.
    pub(crate) fn split(token: &'a str) -> Result<(Self, &'a str), VerifyError> {
        let (input, signature) = token
            .rsplit_once('.')
            .ok_or(VerifyError::Malformed("not a compact JWS"))?;
        let (header, payload) = input
            .split_once('.')
            .filter(|(_, payload)| !payload.contains('.'))
            .ok_or(VerifyError::Malformed("not a compact JWS"))?;
        let header = serde_json::from_slice(&decode(header)?)
            .map_err(|_| VerifyError::Malformed("the header is not a JWS header"))?;
        let signed = Self {
            input,
            header,
            payload: decode(payload)?,
        };
        Ok((signed, signature))
    }
}

fn decode(segment: &str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| VerifyError::Malformed("a segment is not base64url"))
}
