//! The command line.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

use crate::formats::{Format, InputKind};
use crate::progress::ProgressMode;
use crate::record::Identifier;
use crate::split::BODY_MAX_SIZE;

#[derive(Debug, Parser)]
#[command(
    name = "authgear-migrate",
    version,
    about = "Move users from a legacy auth system to Authgear before their sessions follow."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a legacy export and import its users through Authgear's User Import API.
    ///
    /// Checks every user first (and with --dry-run, stops there), sends requests under the
    /// 500 KB limit, waits for each import job, retries transient failures, and keeps its
    /// progress in a state file so that running the same command again after an interruption
    /// resumes without importing anyone twice.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file.
    pub input: PathBuf,

    /// The system the export comes from.
    #[arg(long, value_enum)]
    pub format: Format,

    /// The login ID that identifies a user (the one the migration endpoint looks up). A
    /// comma-separated list imports a mixed base in one command, each user under the first of
    /// them they have: `email,phone_number,preferred_username` (the endpoint's
    /// LEGACY_LOGIN_ID_SOURCES in the same order).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "email")]
    pub identifier: Vec<Identifier>,

    /// Store the legacy user ID in this custom attribute (define it in the Authgear portal
    /// first, as a string; Authgear ignores custom attributes it does not know).
    #[arg(long, value_name = "NAME")]
    pub legacy_id_attribute: Option<String>,

    /// Update users that already exist (by identifier) instead of skipping them.
    #[arg(long)]
    pub upsert: bool,

    /// Leave every password out (users then sign in through the legacy session or reset).
    #[arg(long)]
    pub no_passwords: bool,

    /// Field mapping, TARGET=SOURCE (repeatable): the whole mapping for --format generic,
    /// extra fields for the others. SOURCE is a CSV column, a JSON member or a JSON pointer.
    #[arg(long = "map", value_name = "TARGET=SOURCE")]
    pub map: Vec<String>,

    /// Field mapping from a JSON file: {"email": "Email Address", ...}.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// CSV, JSON or NDJSON, when the file name does not say.
    #[arg(long, value_enum, value_name = "KIND")]
    pub input_format: Option<InputKind>,

    /// Auth0 only: the password hashes export (NDJSON), joined to the users by user ID.
    #[arg(long, value_name = "FILE")]
    pub auth0_password_hashes: Option<PathBuf>,

    /// Check and report (counts, duplicates, users left out and why); upload nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Also write the Authgear import records, one JSON object per line. The file holds the
    /// password hashes: keep it as safe as the export.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Where to write the report of every user not imported (.json, or .csv). Default: beside
    /// the input, when there is anything to report.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// The resumable state. Default: <INPUT>.import-state.json.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Start over, ignoring the state file (already imported users are skipped or updated by
    /// Authgear, never duplicated).
    #[arg(long)]
    pub restart: bool,

    /// The largest request body, in bytes (Authgear refuses more than 500000).
    #[arg(long, value_name = "BYTES", default_value_t = BODY_MAX_SIZE,
          value_parser = clap::value_parser!(u32).range(2_000..=BODY_MAX_SIZE as i64).map(|n| n as usize))]
    pub max_request_bytes: usize,

    /// Import jobs submitted and not yet completed at any time.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=16).map(|n| n as usize))]
    pub max_in_flight: usize,

    /// How often to ask whether a job completed.
    #[arg(long, value_name = "MS", default_value_t = 1_000)]
    pub poll_interval_ms: u64,

    /// Attempts per HTTP call before giving up (transient failures only).
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,

    /// The first retry waits up to this long; each next one up to twice as long (30 s at most).
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub retry_base_ms: u64,

    /// Timeout of each HTTP call.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout_secs: u64,

    /// A bar on a terminal, plain lines otherwise.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,

    /// The Authgear project's URL.
    #[arg(long, env = "AUTHGEAR_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,

    /// The project ID (the admin JWT's `aud`). Default: the endpoint's first label.
    #[arg(long, env = "AUTHGEAR_PROJECT_ID", value_name = "ID")]
    pub project_id: Option<String>,

    /// The Admin API key's ID, as the portal shows it.
    #[arg(long, env = "AUTHGEAR_ADMIN_KEY_ID", value_name = "ID")]
    pub admin_key_id: Option<String>,

    /// The Admin API private key: the PEM the portal downloads (PKCS#1), or PKCS#8. Or its text
    /// in AUTHGEAR_ADMIN_KEY_PEM.
    #[arg(long, env = "AUTHGEAR_ADMIN_KEY_FILE", value_name = "FILE")]
    pub admin_key_file: Option<String>,

    /// Accept a plain-http AUTHGEAR_ENDPOINT off this machine (development only: the admin JWT
    /// and the password hashes would cross the network in clear text).
    #[arg(long, env = "ALLOW_INSECURE_UPSTREAMS", value_name = "BOOL", num_args = 0..=1,
          default_missing_value = "true", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_insecure_upstreams: bool,

    /// Test only: after the Nth request is accepted, exit (status 75) before recording it,
    /// as a crash between the POST and the state file would.
    #[arg(long, hide = true, value_name = "N")]
    pub stop_after_batches: Option<usize>,
}
