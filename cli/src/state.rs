//! The resumable state of an upload, in a JSON file written atomically (a temporary file,
//! flushed to disk, then renamed over the old one) after every step.
//!
//! Each batch moves `pending` → `submitting` → `accepted` (with Authgear's job ID) →
//! `completed` (with its per-record results). `submitting` is written *before* the POST, with
//! the batch's SHA-256: if the process dies between the POST and recording the job ID, the
//! batch is found `submitting` on resume and sent again, byte for byte. That cannot import a
//! user twice: Authgear looks every record up by its identifier before inserting
//! (pkg/lib/userimport/service.go importRecordInTxn: `ListByClaim`, then insert only when
//! nobody has it), so a record the lost submission imported comes back `skipped` ("user
//! exists", with `upsert: false`) or `updated` with the same values (with `upsert: true`). The
//! identifier is normalized beforehand (see `record::normalize_login_id`), so that lookup finds
//! it. An `accepted` batch is never sent again while its job can be read; it is polled.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plan::Identifiers;
use crate::split::{Batch, hex_sha256};

const VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Pending,
    /// Written before the POST; the answer was not recorded.
    Submitting,
    /// Authgear answered with a job ID.
    Accepted,
    /// The job completed and its results are below.
    Completed,
}

/// Authgear's per-job summary (pkg/lib/userimport/model.go: Summary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub inserted: usize,
    pub updated: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl Summary {
    pub fn add(&mut self, other: &Self) {
        self.total += other.total;
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }
}

/// A record Authgear did not import: `failed`, with its errors as Authgear gave them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordFailure {
    /// Index in the plan's records.
    pub record: usize,
    pub errors: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What a completed job said.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchResult {
    pub job_id: String,
    pub summary: Summary,
    pub failures: Vec<RecordFailure>,
    /// Warnings of records that were imported or skipped, counted by message.
    #[serde(default)]
    pub warnings: BTreeMap<String, usize>,
    /// A job-level error (a task that could not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchState {
    pub first: usize,
    pub count: usize,
    pub bytes: usize,
    pub sha256: String,
    pub status: BatchStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// POSTs made for this batch, over every run.
    #[serde(default)]
    pub submissions: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<BatchResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// SHA-256 over the options and every batch's SHA-256: a different export or different
    /// options make a different upload.
    pub fingerprint: String,
    pub endpoint: String,
    /// The identifiers, comma-separated in their order (`email` for a plain email import).
    pub identifier: String,
    pub upsert: bool,
    pub batches: Vec<BatchState>,
}

/// Why the state file cannot be used.
#[derive(Debug)]
pub enum StateError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    Corrupt {
        path: PathBuf,
        error: String,
    },
    /// The file belongs to another export, other options, or another project.
    Mismatch {
        path: PathBuf,
        what: String,
    },
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "state file {}: {error}", path.display()),
            Self::Corrupt { path, error } => write!(
                f,
                "state file {} cannot be read ({error}); move it away, or pass --restart",
                path.display()
            ),
            Self::Mismatch { path, what } => write!(
                f,
                "state file {} was written for {what}; pass --restart to start over (users already imported are then skipped or updated, never duplicated) or --state to use another file",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StateError {}

pub fn fingerprint(identifier: &str, upsert: bool, batches: &[Batch]) -> String {
    let mut text = format!("v{VERSION}|{identifier}|upsert={upsert}");
    for batch in batches {
        text.push('|');
        text.push_str(&batch.sha256);
    }
    hex_sha256(text.as_bytes())
}

impl State {
    pub fn new(endpoint: &str, identifier: &Identifiers, upsert: bool, batches: &[Batch]) -> Self {
        let identifier = identifier.joined(",");
        Self {
            version: VERSION,
            fingerprint: fingerprint(&identifier, upsert, batches),
            endpoint: endpoint.to_owned(),
            identifier,
            upsert,
            batches: batches
                .iter()
                .map(|batch| BatchState {
                    first: batch.first,
                    count: batch.count,
                    bytes: batch.body.len(),
                    sha256: batch.sha256.clone(),
                    status: BatchStatus::Pending,
                    job_id: None,
                    submissions: 0,
                    result: None,
                })
                .collect(),
        }
    }

    /// The state in `path`, if the file exists.
    pub fn load(path: &Path) -> Result<Option<Self>, StateError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(StateError::Io {
                    path: path.to_owned(),
                    error,
                });
            }
        };
        let state: Self = serde_json::from_str(&text).map_err(|error| StateError::Corrupt {
            path: path.to_owned(),
            error: error.to_string(),
        })?;
        if state.version != VERSION {
            return Err(StateError::Corrupt {
                path: path.to_owned(),
                error: format!("version {} (this build writes {VERSION})", state.version),
            });
        }
        Ok(Some(state))
    }

    /// Checks that this state is the upload `expected` describes.
    pub fn check_matches(&self, path: &Path, expected: &Self) -> Result<(), StateError> {
        let mismatch = |what: String| StateError::Mismatch {
            path: path.to_owned(),
            what,
        };
        if self.endpoint != expected.endpoint {
            return Err(mismatch(format!("another project ({})", self.endpoint)));
        }
        if self.fingerprint != expected.fingerprint {
            return Err(mismatch(
                "another export, or other options (identifier, upsert, request size, mapping)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Writes the state atomically, as the owner's file alone ([`crate::private_file`]).
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let json = serde_json::to_vec_pretty(self).expect("the state serializes");
        crate::private_file::write(path, &json).map_err(|error| StateError::Io {
            path: path.to_owned(),
            error,
        })
    }

    pub fn records_completed(&self) -> usize {
        self.batches
            .iter()
            .filter(|batch| batch.status == BatchStatus::Completed)
            .map(|batch| batch.count)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: u8) -> Batch {
        Batch {
            first: usize::from(n),
            count: 1,
            body: vec![n],
            sha256: hex_sha256(&[n]),
        }
    }

    #[test]
    fn round_trips_and_refuses_another_upload() {
        let dir = std::env::temp_dir().join(format!("agm-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let _ = std::fs::remove_file(&path);
        assert!(State::load(&path).unwrap().is_none());
        let mut state = State::new(
            "https://a.example",
            &Identifiers::one(crate::record::Identifier::Email),
            false,
            &[batch(1), batch(2)],
        );
        state.batches[0].status = BatchStatus::Submitting;
        state.save(&path).unwrap();
        let loaded = State::load(&path).unwrap().unwrap();
        assert_eq!(loaded, state);
        assert!(loaded.check_matches(&path, &state).is_ok());
        let other = State::new(
            "https://a.example",
            &Identifiers::one(crate::record::Identifier::Email),
            true,
            &[batch(1), batch(2)],
        );
        assert!(matches!(
            loaded.check_matches(&path, &other),
            Err(StateError::Mismatch { .. })
        ));
        let elsewhere = State::new(
            "https://b.example",
            &Identifiers::one(crate::record::Identifier::Email),
            false,
            &[batch(1), batch(2)],
        );
        assert!(loaded.check_matches(&path, &elsewhere).is_err());
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            State::load(&path),
            Err(StateError::Corrupt { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
