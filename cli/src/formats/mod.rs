//! Readers of legacy exports, one per vendor format plus a generic one driven by a field
//! mapping. Each turns the export into [`SourceUser`]s: an Authgear [`ImportRecord`] with the
//! attributes that map cleanly, the legacy user ID, and what the export had as a password.
//! Validation, normalization and deduplication happen later, in one place (`plan.rs`).

pub mod auth0;
pub mod cognito;
pub mod firebase;
pub mod generic;
mod source;
pub mod supabase;

use std::fmt;
use std::path::{Path, PathBuf};

pub use source::{InputKind, Mapping, Raw, apply_mapping, classify_hash};

use crate::record::ImportRecord;

/// The legacy system the export comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Auth0 bulk user export (NDJSON) and/or the password hashes export (NDJSON).
    Auth0,
    /// Firebase `firebase auth:export users.json --format=json`.
    Firebase,
    /// Cognito user CSV (the `get-csv-header` columns) or `aws cognito-idp list-users` JSON.
    Cognito,
    /// Supabase `auth.users` rows, CSV or JSON.
    Supabase,
    /// Any CSV, JSON or NDJSON, with `--map`.
    Generic,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Self::Auth0 => "auth0",
            Self::Firebase => "firebase",
            Self::Cognito => "cognito",
            Self::Supabase => "supabase",
            Self::Generic => "generic",
        }
    }
}

/// What the export held as the user's password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// No password (a social, passwordless or SSO user, or none exported).
    None,
    /// A bcrypt hash: Authgear takes it as `{"type": "bcrypt"}`.
    Bcrypt(String),
    /// A hash Authgear cannot take, named by its scheme (`firebase-scrypt`, `argon2`, …).
    Unsupported(String),
    /// The legacy system never exports hashes (Cognito).
    NotExportable(&'static str),
}

/// One user read from an export.
#[derive(Clone, Debug)]
pub struct SourceUser {
    /// 1-based: the line (NDJSON), row (CSV, header excluded) or array element (JSON).
    pub position: usize,
    /// The user's ID in the legacy system (the `sub` of its tokens, usually).
    pub legacy_id: Option<String>,
    pub record: ImportRecord,
    pub password: PasswordSource,
    /// Set when the export itself says this user should not be imported (deleted, anonymous).
    pub exclude: Option<String>,
    /// The row or object as read, for extra `--map` entries.
    pub raw: Raw,
}

impl SourceUser {
    pub fn new(position: usize, raw: Raw) -> Self {
        Self {
            position,
            legacy_id: None,
            record: ImportRecord::default(),
            password: PasswordSource::None,
            exclude: None,
            raw,
        }
    }
}

/// Why an export cannot be read. Names the file and, when known, the line or record.
#[derive(Debug)]
pub struct ReadError {
    pub path: PathBuf,
    pub position: Option<usize>,
    pub message: String,
}

impl ReadError {
    pub fn new(path: &Path, position: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(position) => write!(
                f,
                "{} (record {position}): {}",
                self.path.display(),
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ReadError {}

/// Options some readers take.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Auth0: the password hashes export, joined by user ID (or email).
    pub auth0_password_hashes: Option<PathBuf>,
    /// CSV, JSON or NDJSON, when the file name does not say (generic, Cognito, Supabase).
    pub input_kind: Option<InputKind>,
    /// Generic: the whole mapping. Other formats: extra entries applied after theirs.
    pub mapping: Mapping,
}

/// Reads `path` as `format`, then applies the extra mapping entries.
pub fn read(
    format: Format,
    path: &Path,
    options: &ReadOptions,
) -> Result<Vec<SourceUser>, ReadError> {
    let mut users = match format {
        Format::Auth0 => auth0::read(path, options.auth0_password_hashes.as_deref())?,
        Format::Firebase => firebase::read(path)?,
        Format::Cognito => cognito::read(path, options.input_kind)?,
        Format::Supabase => supabase::read(path, options.input_kind)?,
        Format::Generic => return generic::read(path, options.input_kind, &options.mapping),
    };
    if !options.mapping.is_empty() {
        for user in &mut users {
            apply_mapping(user, &options.mapping)
                .map_err(|message| ReadError::new(path, Some(user.position), message))?;
        }
    }
    Ok(users)
}
