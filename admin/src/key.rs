//! The Admin API private key, read once.
//!
//! Authgear's portal downloads the key as `<keyID>.pem` in PKCS#1 (`-----BEGIN RSA PRIVATE
//! KEY-----`): authgear-server pkg/portal/model/app.go builds it with jwkutil.PrivatePublicPEM,
//! i.e. jwx v2 `jwk.Pem`, which encodes RSA private keys with `x509.MarshalPKCS1PrivateKey`.
//! Authgear's own docs samples (Java) assume PKCS#8 (`-----BEGIN PRIVATE KEY-----`), and
//! `openssl pkcs8 -topk8` gives that: both are read here, by the one reader the endpoint, the
//! CLI and the devstack use.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};

use crate::SigningFailed;

/// Which PEM encoding a key came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PemKind {
    /// `-----BEGIN RSA PRIVATE KEY-----`: RFC 8017 RSAPrivateKey, as the portal downloads it.
    Pkcs1,
    /// `-----BEGIN PRIVATE KEY-----`: RFC 5208 PrivateKeyInfo holding an RSA key.
    Pkcs8,
}

impl PemKind {
    const fn label(self) -> &'static str {
        match self {
            Self::Pkcs1 => "RSA PRIVATE KEY",
            Self::Pkcs8 => "PRIVATE KEY",
        }
    }
}

impl fmt::Display for PemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pkcs1 => f.write_str("PKCS#1 (BEGIN RSA PRIVATE KEY)"),
            Self::Pkcs8 => f.write_str("PKCS#8 (BEGIN PRIVATE KEY)"),
        }
    }
}

/// Why a key cannot be used. Messages name the problem and never echo key material.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read.
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// No `-----BEGIN …-----` line at all.
    NoPem,
    /// A PEM block of another kind: a public key, an EC key, a certificate.
    NotAnRsaPrivateKey { label: String },
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----`: a passphrase-protected PKCS#8 key.
    Encrypted,
    /// The block has a BEGIN line but no matching END line.
    Unterminated { kind: PemKind },
    /// The block's body is not base64.
    NotBase64 { kind: PemKind },
    /// The DER is not an RSA private key ring accepts (malformed, or under 2048 bits).
    Rejected { kind: PemKind, reason: String },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            Self::NoPem => f.write_str(
                "found no `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1, as the portal downloads \
                 it) or `-----BEGIN PRIVATE KEY-----` (PKCS#8) line",
            ),
            Self::NotAnRsaPrivateKey { label } => write!(
                f,
                "found a `{label}` PEM block, not an RSA private key (PKCS#1 or PKCS#8)"
            ),
            Self::Encrypted => f.write_str(
                "found an encrypted key (BEGIN ENCRYPTED PRIVATE KEY); give it unencrypted, \
                 as the portal downloads it",
            ),
            Self::Unterminated { kind } => write!(
                f,
                "found a {kind} key with no `-----END {}-----` line",
                kind.label()
            ),
            Self::NotBase64 { kind } => write!(f, "the body of the {kind} key is not base64"),
            Self::Rejected { kind, reason } => write!(
                f,
                "the {kind} key is not a usable RSA private key ({reason}; RS256 needs 2048 \
                 bits or more)"
            ),
        }
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An Admin API key: its ID, as the portal shows it, and its RSA private key.
#[derive(Clone)]
pub struct AdminKey {
    id: String,
    kind: PemKind,
    pair: Arc<RsaKeyPair>,
}

impl AdminKey {
    /// Reads a PEM given as text (e.g. `AUTHGEAR_ADMIN_KEY_PEM`). Line breaks written as `\n`,
    /// as an environment file often has them, are read as line breaks.
    pub fn from_pem(id: impl Into<String>, pem: &str) -> Result<Self, KeyError> {
        let (kind, der) = der(&pem.replace("\\n", "\n"))?;
        let pair = match kind {
            PemKind::Pkcs1 => RsaKeyPair::from_der(&der),
            PemKind::Pkcs8 => RsaKeyPair::from_pkcs8(&der),
        }
        .map_err(|rejected| KeyError::Rejected {
            kind,
            reason: rejected.to_string(),
        })?;
        Ok(Self {
            id: id.into(),
            kind,
            pair: Arc::new(pair),
        })
    }

    /// Reads a PEM file, e.g. the `<keyID>.pem` the portal downloads.
    pub fn from_file(id: impl Into<String>, path: &Path) -> Result<Self, KeyError> {
        let pem = std::fs::read_to_string(path).map_err(|source| KeyError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(id, &pem)
    }

    /// The key ID: the admin JWT's `kid`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The encoding the key was read from.
    pub fn kind(&self) -> PemKind {
        self.kind
    }

    /// The public half as big-endian `(n, e)`, as a JWK carries it: what Authgear verifies
    /// admin JWTs with.
    pub fn public_components(&self) -> (Vec<u8>, Vec<u8>) {
        let public = PublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        (public.n, public.e)
    }

    /// An RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature of `message`.
    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, SigningFailed> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| SigningFailed)?;
        Ok(signature)
    }
}

// The key never reaches a log line through `{:?}`.
impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminKey")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The kind and DER of the first PEM block.
fn der(pem: &str) -> Result<(PemKind, Vec<u8>), KeyError> {
    const BEGIN: &str = "-----BEGIN ";
    let start = pem.find(BEGIN).ok_or(KeyError::NoPem)? + BEGIN.len();
    let label_end = pem[start..]
        .find("-----")
        .map(|at| at + start)
        .ok_or(KeyError::NoPem)?;
    let kind = match &pem[start..label_end] {
        "RSA PRIVATE KEY" => PemKind::Pkcs1,
        "PRIVATE KEY" => PemKind::Pkcs8,
        "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
        other => {
            return Err(KeyError::NotAnRsaPrivateKey {
                label: other.to_owned(),
            });
        }
    };
    let body_start = label_end + "-----".len();
    let end = format!("-----END {}-----", kind.label());
    let body_end = pem[body_start..]
        .find(&end)
        .map(|at| at + body_start)
        .ok_or(KeyError::Unterminated { kind })?;
    let body: String = pem[body_start..body_end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD
        .decode(body)
        .map_err(|_| KeyError::NotBase64 { kind })?;
    Ok((kind, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The devstack's admin key, as the portal gives it (PKCS#1), and the same key as PKCS#8.
    const PKCS1: &str = include_str!("../../devstack/keys/authgear-admin.pem");
    const PKCS8: &str = include_str!("../tests/authgear-admin.pkcs8.pem");

    #[test]
    fn reads_both_encodings_of_one_key() {
        let pkcs1 = AdminKey::from_pem("k", PKCS1).unwrap();
        let pkcs8 = AdminKey::from_pem("k", PKCS8).unwrap();
        assert_eq!(pkcs1.kind(), PemKind::Pkcs1);
        assert_eq!(pkcs8.kind(), PemKind::Pkcs8);
        assert_eq!(pkcs1.public_components(), pkcs8.public_components());
        let (n, e) = pkcs1.public_components();
        assert_eq!((n.len(), e.as_slice()), (256, &[1, 0, 1][..]));
    }

    #[test]
    fn reads_escaped_line_breaks() {
        let one_line = PKCS1.trim_end().replace('\n', "\\n");
        assert!(!one_line.contains('\n'));
        assert_eq!(
            AdminKey::from_pem("k", &one_line).unwrap().kind(),
            PemKind::Pkcs1
        );
    }

    #[test]
    fn names_what_is_wrong() {
        let refused = |pem: &str| AdminKey::from_pem("k", pem).unwrap_err().to_string();
        assert!(refused("nothing").contains("BEGIN RSA PRIVATE KEY"));
        assert!(
            refused("-----BEGIN PUBLIC KEY-----\nAA\n-----END PUBLIC KEY-----")
                .contains("`PUBLIC KEY` PEM block")
        );
        assert!(refused("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA\n").contains("encrypted key"));
        assert!(refused("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n").contains("END RSA PRIVATE"));
        assert!(
            refused("-----BEGIN RSA PRIVATE KEY-----\n!!\n-----END RSA PRIVATE KEY-----")
                .contains("not base64")
        );
        let garbage =
            refused("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----");
        assert!(garbage.contains("PKCS#1") && garbage.contains("not a usable"));
        // A PKCS#8 body under a PKCS#1 label is refused, not guessed at.
        let body = PKCS8
            .replace(
                "-----BEGIN PRIVATE KEY-----",
                "-----BEGIN RSA PRIVATE KEY-----",
            )
            .replace("-----END PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----");
        assert!(refused(&body).contains("not a usable"));
    }

    #[test]
    fn a_missing_file_is_named() {
        let path = Path::new("/nonexistent/admin.pem");
        let error = AdminKey::from_file("k", path).unwrap_err().to_string();
        assert!(error.starts_with("cannot read /nonexistent/admin.pem"));
    }

    #[test]
    fn debug_output_holds_no_key_material() {
        let key = AdminKey::from_pem("kid-1", PKCS1).unwrap();
        assert_eq!(
            format!("{key:?}"),
            "AdminKey { id: \"kid-1\", kind: Pkcs1, .. }"
        );
    }
}
