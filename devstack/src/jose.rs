//! The little JOSE the stand-ins need: base64url, PEM, RS256/ES256/HS256 signing, RS256 and
//! ES256 verification, JWKs, and compact JWS encoding and parsing.
//!
//! Built on `ring`, not the `rsa` crate (RUSTSEC-2023-0071). `ring` cannot generate RSA keys,
//! which is why the RSA keys are committed under `devstack/keys/`.

use std::fmt;

use authgear_migrate_admin::AdminKey;
use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ring::rand::SystemRandom;
use ring::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
};
use serde_json::{Map, Value, json};

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// base64url as Node's `Buffer` and Go's default (non-strict) encodings read it, and with them
/// many IdPs: `=` padding, and non-zero unused bits in the last character, are accepted.
pub fn unb64_lenient(text: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(text).ok()
}

/// A key file or key material that cannot be used.
#[derive(Debug)]
pub struct KeyError(String);

impl KeyError {
    pub fn new(message: String) -> Self {
        Self(message)
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// The DER inside the first PEM block labelled `label`.
#[cfg(test)]
fn pem_to_der(pem: &str, label: &str) -> Result<Vec<u8>, KeyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem
        .find(&begin)
        .ok_or_else(|| KeyError(format!("no `{begin}` line")))?;
    let body = &pem[start + begin.len()..];
    let stop = body
        .find(&end)
        .ok_or_else(|| KeyError(format!("no `{end}` line")))?;
    let base64: String = body[..stop].split_whitespace().collect();
    STANDARD
        .decode(base64)
        .map_err(|err| KeyError(format!("bad base64 in PEM: {err}")))
}

/// An RSA public key, with the key ID it is published under.
#[derive(Clone)]
pub struct RsaPublic {
    pub kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl RsaPublic {
    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256).
    pub fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
        .is_ok()
    }

    /// The public JWK, as Authgear publishes its keys (`kid`, `use: sig`, `alg: RS256`).
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": b64(&self.n),
            "e": b64(&self.e),
        })
    }

    /// The SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), the bytes a confused verifier
    /// uses as an HMAC secret in the classic RS256-to-HS256 key-confusion attack.
    pub fn spki_pem(&self) -> String {
        let rsa_public_key = der_sequence(&[der_integer(&self.n), der_integer(&self.e)]);
        // rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters.
        let algorithm = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let mut bit_string = vec![0x00];
        bit_string.extend_from_slice(&rsa_public_key);
        let spki = der_sequence(&[algorithm.to_vec(), der_tlv(0x03, &bit_string)]);
        let body = STANDARD.encode(spki);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).unwrap_or_default())
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|byte| *byte == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn der_integer(big_endian: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(big_endian.len() + 1);
    if big_endian.first().is_some_and(|byte| byte & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(big_endian);
    der_tlv(0x02, &content)
}

fn der_sequence(items: &[Vec<u8>]) -> Vec<u8> {
    der_tlv(0x30, &items.concat())
}

/// An RSA private key that signs RS256, read by the Admin API crate's one key reader (PKCS#1,
/// as Authgear's portal downloads the admin key, or PKCS#8).
pub struct RsaKey {
    key: AdminKey,
    public: RsaPublic,
}

impl RsaKey {
    pub fn from_pem(kid: &str, pem: &str) -> Result<Self, KeyError> {
        let key = AdminKey::from_pem(kid, pem).map_err(|err| KeyError(err.to_string()))?;
        let (n, e) = key.public_components();
        let public = RsaPublic {
            kid: kid.to_owned(),
            n,
            e,
        };
        Ok(Self { key, public })
    }

    pub fn public(&self) -> &RsaPublic {
        &self.public
    }

    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key
            .sign_rs256(message)
            .expect("RSA signing fails only when the system's random source does")
    }
}

/// A P-256 key that signs ES256, generated at start (nothing needs it to survive a restart).
pub struct EcKey {
    kid: String,
    pair: EcdsaKeyPair,
}

impl EcKey {
    pub fn generate(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("P-256 key generation does not fail");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("a freshly generated key parses");
        Self {
            kid: kid.to_owned(),
            pair,
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The uncompressed point is `0x04 || x || y`.
    pub fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({
            "kty": "EC",
            "kid": self.kid,
            "use": "sig",
            "alg": "ES256",
            "crv": "P-256",
            "x": b64(&point[1..33]),
            "y": b64(&point[33..65]),
        })
    }

    pub fn verify_es256(&self, message: &[u8], signature: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, self.pair.public_key())
            .verify(message, signature)
            .is_ok()
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        // The FIXED encoding (r || s, 64 bytes) is the JWS one (RFC 7518 §3.4).
        self.pair
            .sign(&SystemRandom::new(), message)
            .expect("ECDSA signing does not fail")
            .as_ref()
            .to_vec()
    }
}

/// How a token is signed. `None` and `Hs256` exist only to mint refusal cases.
pub enum Signer<'a> {
    Rs256(&'a RsaKey),
    Es256(&'a EcKey),
    /// `alg: none`, empty signature (RFC 7519 §6).
    None,
    /// HMAC-SHA256 with the given secret.
    Hs256(&'a [u8]),
}

impl Signer<'_> {
    pub fn alg(&self) -> &'static str {
        match self {
            Self::Rs256(_) => "RS256",
            Self::Es256(_) => "ES256",
            Self::None => "none",
            Self::Hs256(_) => "HS256",
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Rs256(key) => key.sign(message),
            Self::Es256(key) => key.sign(message),
            Self::None => Vec::new(),
            Self::Hs256(secret) => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
                ring::hmac::sign(&key, message).as_ref().to_vec()
            }
        }
    }
}

/// Signs `claims` as a compact JWS. `header` gets `alg` from the signer when it has none.
pub fn encode(mut header: Map<String, Value>, claims: &Value, signer: &Signer<'_>) -> String {
    header
        .entry("alg")
        .or_insert_with(|| Value::from(signer.alg()));
    let signing_input = format!(
        "{}.{}",
        b64(Value::Object(header).to_string()),
        b64(claims.to_string())
    );
    let signature = signer.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(signature))
}

/// A compact JWS split into its parts. Nothing is verified yet.
pub struct Compact {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Compact {
    /// `None` for anything that is not three base64url parts with JSON-object header and payload.
    pub fn parse(token: &str) -> Option<Self> {
        Self::parse_with(token, unb64)
    }

    /// [`Compact::parse`] with [`unb64_lenient`]'s decoding. The signature still covers the
    /// header and payload as sent.
    pub fn parse_lenient(token: &str) -> Option<Self> {
        Self::parse_with(token, unb64_lenient)
    }

    fn parse_with(token: &str, unb64: fn(&str) -> Option<Vec<u8>>) -> Option<Self> {
        let mut parts = token.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let object = |part: &str| match serde_json::from_slice(&unb64(part)?) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        };
        Some(Self {
            header: object(header)?,
            claims: object(payload)?,
            signing_input: format!("{header}.{payload}"),
            signature: unb64(signature)?,
        })
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn verify_rs256(&self, key: &RsaPublic) -> bool {
        key.verify_rs256(self.signing_input.as_bytes(), &self.signature)
    }

    pub fn verify_es256(&self, key: &EcKey) -> bool {
        key.verify_es256(self.signing_input.as_bytes(), &self.signature)
    }

    /// A numeric claim (`exp`, `iat`, `nbf`) in whole seconds; JSON numbers may be fractional.
    pub fn numeric(&self, name: &str) -> Option<i64> {
        self.claims.get(name)?.as_f64().map(|value| value as i64)
    }

    /// Whether `aud` (a string or an array of strings) contains `audience`.
    pub fn has_audience(&self, audience: &str) -> bool {
        match self.claims.get("aud") {
            Some(Value::String(aud)) => aud == audience,
            Some(Value::Array(list)) => list.iter().any(|aud| aud.as_str() == Some(audience)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = include_str!("../keys/legacy-rs256.pem");

    #[test]
    fn rs256_round_trips_and_detects_tampering() {
        let key = RsaKey::from_pem("k1", PEM).unwrap();
        let token = encode(Map::new(), &json!({"sub": "x"}), &Signer::Rs256(&key));
        let parsed = Compact::parse(&token).unwrap();
        assert_eq!(parsed.alg(), Some("RS256"));
        assert!(parsed.verify_rs256(key.public()));
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], b64(r#"{"sub":"y"}"#), parts[2]);
        assert!(!Compact::parse(&forged).unwrap().verify_rs256(key.public()));
    }

    #[test]
    fn es256_round_trips() {
        let key = EcKey::generate("e1");
        let token = encode(Map::new(), &json!({"sub": "x"}), &Signer::Es256(&key));
        let parsed = Compact::parse(&token).unwrap();
        assert!(parsed.verify_es256(&key));
        assert_eq!(key.jwk()["crv"], "P-256");
    }

    #[test]
    fn spki_pem_matches_openssl_shape() {
        let key = RsaKey::from_pem("k1", PEM).unwrap();
        let pem = key.public().spki_pem();
        let der = pem_to_der(&pem, "PUBLIC KEY").unwrap();
        // SEQUENCE (long form, 2 length bytes) then the rsaEncryption AlgorithmIdentifier.
        assert_eq!(&der[..2], &[0x30, 0x82]);
        assert_eq!(&der[4..9], &[0x30, 0x0d, 0x06, 0x09, 0x2a]);
        assert_eq!(der.len(), 294, "a 2048-bit key's SPKI is 294 bytes");
    }

    #[test]
    fn lenient_decoding_takes_padding_and_unused_bits() {
        // 2 bytes: 3 characters, the last with 2 unused bits.
        assert_eq!(unb64("AQI"), Some(vec![1, 2]));
        for spelling in ["AQI=", "AQJ", "AQL="] {
            assert_eq!(unb64(spelling), None, "{spelling}");
            assert_eq!(unb64_lenient(spelling), Some(vec![1, 2]), "{spelling}");
        }
    }

    #[test]
    fn audience_accepts_string_or_array() {
        let make = |aud: Value| {
            let token = encode(Map::new(), &json!({ "aud": aud }), &Signer::None);
            Compact::parse(&token).unwrap()
        };
        assert!(make(json!("p")).has_audience("p"));
        assert!(make(json!(["q", "p"])).has_audience("p"));
        assert!(!make(json!(["q"])).has_audience("p"));
    }
}
