//! Public keys of the legacy IdP, read from its JWK Set ([RFC 7517]).
//!
//! [RFC 7517]: https://www.rfc-editor.org/rfc/rfc7517

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;

use super::alg::{Algorithm, KeyKind, Verification};

/// The usable signature keys of a JWK Set.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    keys: Vec<Jwk>,
}

#[derive(Debug)]
struct Jwk {
    kid: Option<String>,
    /// When the JWK names its algorithm, it verifies that algorithm only (RFC 7517 §4.4).
    alg: Option<String>,
    key: PublicKey,
}

#[derive(Debug)]
enum PublicKey {
    /// Modulus and exponent, big-endian without leading zeros (ring insists on that).
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// An uncompressed SEC1 point, `04 || x || y`.
    Ec {
        kind: KeyKind,
        point: Vec<u8>,
    },
    Ed25519(Vec<u8>),
}

/// A JWK as it appears in the set, before we decide whether we can use it.
#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

impl KeySet {
    /// Reads a JWK Set. Keys this verifier cannot use (encryption keys, unknown `kty` or curve,
    /// broken parameters) are skipped rather than failing the set, as RFC 7517 §5 asks.
    pub(crate) fn parse(json: &[u8]) -> Result<Self, serde_json::Error> {
        let raw: RawSet = serde_json::from_slice(json)?;
        let keys = raw
            .keys
            .into_iter()
            .filter_map(|value| serde_json::from_value::<RawJwk>(value).ok())
            .filter_map(Jwk::from_raw)
            .collect();
        Ok(Self { keys })
    }

    /// How many keys can verify `alg`.
    pub(crate) fn count_for(&self, alg: Algorithm) -> usize {
        self.keys.iter().filter(|key| key.fits(alg)).count()
    }

    pub(crate) fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.kid.as_deref() == Some(kid))
    }

    /// The keys that may have signed a token with this `kid` (any key when the token names none)
    /// and this `alg`: the JWK's type must fit the algorithm, and its own `alg`, if any, must be it.
    pub(crate) fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        alg: Algorithm,
    ) -> impl Iterator<Item = Candidate<'a>> + 'a {
        self.keys
            .iter()
            .filter(move |key| kid.is_none() || key.kid.as_deref() == kid)
            .filter(move |key| key.fits(alg))
            .map(move |key| Candidate { key, alg })
    }
}

/// A key that fits the token's algorithm.
pub(crate) struct Candidate<'a> {
    key: &'a Jwk,
    alg: Algorithm,
}

impl Candidate<'_> {
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let verified = match (&self.key.key, self.alg.verification()) {
            (PublicKey::Rsa { n, e }, Verification::Rsa(parameters)) => {
                RsaPublicKeyComponents { n, e }.verify(parameters, message, signature)
            }
            (
                PublicKey::Ec { point: bytes, .. } | PublicKey::Ed25519(bytes),
                Verification::Point(algorithm),
            ) => UnparsedPublicKey::new(algorithm, bytes).verify(message, signature),
            // `fits` keeps mismatched pairs out; refuse rather than trust that.
            _ => return false,
        };
        verified.is_ok()
    }
}

impl Jwk {
    fn from_raw(raw: RawJwk) -> Option<Self> {
        if raw.usage.as_deref().is_some_and(|usage| usage != "sig") {
            return None;
        }
        if let Some(ops) = &raw.key_ops {
            if !ops.iter().any(|op| op == "verify") {
                return None;
            }
        }
        let key = match (raw.kty.as_str(), raw.crv.as_deref()) {
            ("RSA", _) => PublicKey::Rsa {
                n: unsigned(decode(raw.n.as_deref()?)?),
                e: unsigned(decode(raw.e.as_deref()?)?),
            },
            ("EC", Some("P-256")) => ec_point(KeyKind::EcP256, 32, &raw)?,
            ("EC", Some("P-384")) => ec_point(KeyKind::EcP384, 48, &raw)?,
            ("OKP", Some("Ed25519")) => {
                let x = decode(raw.x.as_deref()?)?;
                (x.len() == 32).then_some(PublicKey::Ed25519(x))?
            }
            _ => return None,
        };
        Some(Self {
            kid: raw.kid,
            alg: raw.alg,
            key,
        })
    }

    fn fits(&self, alg: Algorithm) -> bool {
        let kind = match &self.key {
            PublicKey::Rsa { .. } => KeyKind::Rsa,
            PublicKey::Ec { kind, .. } => *kind,
            PublicKey::Ed25519(_) => KeyKind::Ed25519,
        };
        kind == alg.key_kind() && self.alg.as_deref().is_none_or(|own| own == alg.name())
    }
}

/// EC coordinates are full-width (RFC 7518 §6.2.1.2), so a short one is a broken key.
fn ec_point(kind: KeyKind, width: usize, raw: &RawJwk) -> Option<PublicKey> {
    let x = decode(raw.x.as_deref()?)?;
    let y = decode(raw.y.as_deref()?)?;
    if x.len() != width || y.len() != width {
        return None;
    }
    let mut point = Vec::with_capacity(1 + 2 * width);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Some(PublicKey::Ec { kind, point })
}

fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// RFC 7518 §6.3.1 asks for minimal octets, but some IdPs pad `n` with a zero byte.
fn unsigned(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    bytes.drain(..zeros);
    bytes
}
