//! The pieces of Authgear's Admin API that the migration endpoint (`server/`), the import CLI
//! (`cli/`) and the Authgear stand-in (`devstack/`) share, so that each is written once:
//!
//! - [`AdminKey`]: the Admin API private key, read from the PEM the portal downloads (PKCS#1,
//!   `-----BEGIN RSA PRIVATE KEY-----`) or from a PKCS#8 PEM, as a file or as text.
//! - [`AdminJwt`]: the admin JWT (RS256, `kid`, `typ: JWT`, `aud` = project ID, `iat`, `exp`),
//!   minted and reused until shortly before it expires.
//! - [`formats`]: the format rules Authgear's User Import API checks records with.
//!
//! Nothing here talks HTTP: each user brings its own client.

pub mod formats;
mod jwt;
mod key;

pub use jwt::{AdminJwt, CacheResult, SigningFailed};
pub use key::{AdminKey, KeyError, PemKind};
