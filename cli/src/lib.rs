//! `authgear-migrate import`: moves a legacy auth system's users into Authgear through the User
//! Import API, so that the migration endpoint finds each one by login ID when their session
//! follows.
//!
//! One concern per module: `formats` (one reader per export format, producing typed records),
//! `record` (the Authgear import record and its checks), `plan` (normalize, check, deduplicate,
//! account for every user left out), `split` (requests under 500 KB), `private_file` (0600, never through a symlink), `state` (the resumable
//! state file), `upload` (the two API calls, with retries), `progress`, `report`, `config`
//! (where to upload, and the Admin API key; its JWT is the endpoint crate's), `run` (the command).

pub mod cli;
pub mod config;
pub mod formats;
pub mod plan;
pub mod private_file;
pub mod progress;
pub mod record;
pub mod report;
pub mod run;
pub mod split;
pub mod state;
pub mod upload;
