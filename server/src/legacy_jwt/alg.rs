//! The JWS algorithms a legacy token may be signed with.

use std::fmt;

use ring::signature::{self, VerificationAlgorithm};

/// An asymmetric JWS algorithm ([RFC 7518 §3.1], [RFC 8037 §3.1]) the verifier can accept.
///
/// `none` and the HMAC family (`HS256`, …) have no variant: a token that names them is refused
/// before any key is looked at, so the classic confusion attack (an `HS256` token "signed" with the
/// RSA public key as the shared secret) has nothing to work with.
///
/// [RFC 7518 §3.1]: https://www.rfc-editor.org/rfc/rfc7518#section-3.1
/// [RFC 8037 §3.1]: https://www.rfc-editor.org/rfc/rfc8037#section-3.1
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    EdDsa,
}

/// The kind of JWK an algorithm needs (`kty`, and `crv` where there is one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    EcP256,
    EcP384,
    Ed25519,
}

impl Algorithm {
    pub const ALL: [Self; 9] = [
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Es256,
        Self::Es384,
        Self::EdDsa,
    ];

    /// The `alg` header value.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Reads an `alg` value. JWS algorithm names are case-sensitive (RFC 7515 §4.1.1).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    pub(crate) const fn key_kind(self) -> KeyKind {
        match self {
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => {
                KeyKind::Rsa
            }
            Self::Es256 => KeyKind::EcP256,
            Self::Es384 => KeyKind::EcP384,
            Self::EdDsa => KeyKind::Ed25519,
        }
    }

    /// How ring checks this algorithm's signatures.
    pub(crate) fn verification(self) -> Verification {
        // ring refuses RSA moduli under 2048 bits, as NIST SP 800-131A does. JWS ECDSA
        // signatures are the fixed-width `r || s` (RFC 7518 §3.4), not DER.
        match self {
            Self::Rs256 => Verification::Rsa(&signature::RSA_PKCS1_2048_8192_SHA256),
            Self::Rs384 => Verification::Rsa(&signature::RSA_PKCS1_2048_8192_SHA384),
            Self::Rs512 => Verification::Rsa(&signature::RSA_PKCS1_2048_8192_SHA512),
            Self::Ps256 => Verification::Rsa(&signature::RSA_PSS_2048_8192_SHA256),
            Self::Ps384 => Verification::Rsa(&signature::RSA_PSS_2048_8192_SHA384),
            Self::Ps512 => Verification::Rsa(&signature::RSA_PSS_2048_8192_SHA512),
            Self::Es256 => Verification::Point(&signature::ECDSA_P256_SHA256_FIXED),
            Self::Es384 => Verification::Point(&signature::ECDSA_P384_SHA384_FIXED),
            Self::EdDsa => Verification::Point(&signature::ED25519),
        }
    }
}

/// ring's two shapes of public-key verification: RSA from `(n, e)`, the others from one
/// public-key byte string.
pub(crate) enum Verification {
    Rsa(&'static signature::RsaParameters),
    Point(&'static dyn VerificationAlgorithm),
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
