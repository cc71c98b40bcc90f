//! `authgear-migrate-server reconcile`: the guarantee behind the webhook. Authgear delivers a
//! webhook once and never again, so a receiver that was down, or crashed after answering,
//! misses users for good; this pass finds them through the Admin API and provisions them.
//!
//! It pages Authgear's `users(first, after, sortBy: CREATED_AT, sortDirection: DESC)`
//! (pkg/admin/graphql/query.go; at most 20 per page, offset cursors) from the newest user back
//! to the stored watermark, then provisions them oldest first through the same target as the
//! receiver. The watermark moves, and is saved, after each user it has handled, and never past
//! one that failed, nor closer than a minute (`settle`) to the run's start (a user whose creation commits late
//! may carry an earlier `createdAt`). Users at the watermark itself are looked at again: every
//! target call is idempotent, so running twice, or resuming after a crash, provisions nobody
//! twice.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::authgear::{AdminClient, AdminError};
use crate::config::Config;
use crate::metrics::Metrics;
use crate::provision::{NewUser, ProvisionError, Provisioned, Provisioner};
use crate::upstream;

/// graphqlutil.MaxPageSize: Authgear caps `first` at 20.
const PAGE_SIZE: u64 = 20;
/// The watermark stays this far behind the run's start, by default.
const DEFAULT_SETTLE: Duration = Duration::from_secs(60);

const USERS: &str = "\
query users($first: Int, $after: String) {
  users(first: $first, after: $after, sortBy: CREATED_AT, sortDirection: DESC) {
    edges { node { id createdAt standardAttributes } }
    pageInfo { hasNextPage endCursor }
  }
}";

/// What a run is asked to do.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReconcileOptions {
    /// Where the watermark is kept between runs.
    pub state_file: PathBuf,
    /// Where to start when the state file has no watermark (RFC 3339); overrides it if given.
    pub since: Option<String>,
    /// List what would be provisioned; call no target, move no watermark.
    pub dry_run: bool,
    /// Handle at most this many users, then stop (the rest wait for the next run).
    pub limit: Option<usize>,
    /// How far behind the run's start the watermark stays (default 60 s): a user whose
    /// creation commits late may carry an earlier `createdAt` than one already listed.
    pub settle: Duration,
}

impl ReconcileOptions {
    pub fn new(state_file: impl Into<PathBuf>) -> Self {
        Self {
            state_file: state_file.into(),
            since: None,
            dry_run: false,
            limit: None,
            settle: DEFAULT_SETTLE,
        }
    }

    #[must_use]
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    #[must_use]
    pub fn since(mut self, since: impl Into<String>) -> Self {
        self.since = Some(since.into());
        self
    }

    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// What a run did, printed as JSON by the command.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct ReconcileReport {
    pub target: String,
    pub dry_run: bool,
    pub watermark_before: String,
    pub watermark_after: String,
    /// Users created at or after the watermark.
    pub listed: usize,
    pub pages: usize,
    /// Provisioned now.
    pub created: usize,
    /// The legacy system had them (by webhook, import, or an earlier run).
    pub already_there: usize,
    /// The target cannot hold them (an Auth0 user needs an email): not retried.
    pub unsuitable: usize,
    /// Not provisioned; the watermark stays before the first of them.
    pub failed: usize,
    /// Left for the next run: by `limit`, or because the target went down.
    pub deferred: usize,
    pub seconds: f64,
    /// Users handled (created, already there, unsuitable, failed) per second.
    pub users_per_second: f64,
}

/// Why a run could not start or went wrong as a whole (a user's failure is in the report).
#[derive(Debug)]
#[non_exhaustive]
pub enum ReconcileError {
    /// Neither a provisioning target nor anything to do with it.
    NoTarget,
    /// A first run needs `--since`.
    NoWatermark,
    /// `--since` or the stored watermark is not an RFC 3339 time.
    BadTime(String),
    /// The state file cannot be read or written.
    State { path: PathBuf, problem: String },
    /// The Admin API failed while listing users: nothing was provisioned past the watermark.
    Listing(String),
}

impl fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoTarget => f.write_str(
                "no provisioning target: set LEGACY_PROVISION_URL (generic) or AUTH0_DOMAIN (auth0)",
            ),
            Self::NoWatermark => f.write_str(
                "no watermark stored yet: give --since with the time the rollout began (RFC 3339)",
            ),
            Self::BadTime(text) => write!(f, "`{text}` is not an RFC 3339 time"),
            Self::State { path, problem } => {
                write!(f, "the state file {}: {problem}", path.display())
            }
            Self::Listing(problem) => write!(f, "listing Authgear's users failed: {problem}"),
        }
    }
}

impl std::error::Error for ReconcileError {}

#[derive(Default, Serialize, Deserialize)]
struct State {
    watermark: Option<String>,
}

/// A user as the listing gives them, with the creation time parsed.
struct Listed {
    at: (i64, u32),
    created_at: String,
    user: NewUser,
}

/// One reconciliation run.
pub async fn reconcile(
    config: &Config,
    options: &ReconcileOptions,
) -> Result<ReconcileReport, ReconcileError> {
    let target = config
        .rolling
        .target
        .as_ref()
        .ok_or(ReconcileError::NoTarget)?;
    let started = Instant::now();
    let run_began = unix_now();
    let mut state = read_state(&options.state_file)?;
    let watermark = options
        .since
        .clone()
        .or_else(|| state.watermark.clone())
        .ok_or(ReconcileError::NoWatermark)?;
    let floor =
        parse_rfc3339(&watermark).ok_or_else(|| ReconcileError::BadTime(watermark.clone()))?;

    let http = upstream::client();
    let admin = AdminClient::new(&config.authgear, http.clone(), Arc::new(Metrics::new()));
    let (mut listed, pages) = list_since(&admin, floor).await?;
    // Oldest first, so that the watermark can follow; users created in the same instant keep
    // Authgear's order, reversed.
    listed.reverse();
    listed.sort_by_key(|user| user.at);

    let provisioner = Provisioner::new(target, http);
    let mut report = ReconcileReport {
        target: provisioner.kind().to_owned(),
        dry_run: options.dry_run,
        watermark_before: watermark.clone(),
        watermark_after: watermark,
        listed: listed.len(),
        pages,
        created: 0,
        already_there: 0,
        unsuitable: 0,
        failed: 0,
        deferred: 0,
        seconds: 0.0,
        users_per_second: 0.0,
    };
    if options.dry_run {
        report.deferred = listed.len();
        return Ok(finish(report, started));
    }
    let limit = options.limit.unwrap_or(usize::MAX);
    let settle = i64::try_from(options.settle.as_secs()).unwrap_or(i64::MAX);
    let settled = (run_began.saturating_sub(settle), 0);
    let mut blocked = false;
    for (handled, entry) in listed.iter().enumerate() {
        if handled == limit {
            report.deferred = listed.len() - handled;
            break;
        }
        let user_id = entry.user.authgear_user_id.as_str();
        match provisioner.provision(&entry.user).await {
            Ok(Provisioned::Created) => report.created += 1,
            Ok(Provisioned::AlreadyThere) => report.already_there += 1,
            Err(ProvisionError::Unsuitable(why)) => {
                tracing::warn!(authgear_user_id = user_id, why, "user not provisionable");
                report.unsuitable += 1;
            }
            // Down after every retry: the next users would only wait as long. Stop; the
            // watermark stays before this one.
            Err(error @ ProvisionError::Unavailable { .. }) => {
                tracing::warn!(authgear_user_id = user_id, %error, "stopping: the target is down");
                report.failed += 1;
                report.deferred = listed.len() - handled - 1;
                break;
            }
            Err(error) => {
                tracing::warn!(authgear_user_id = user_id, %error, "user not provisioned");
                report.failed += 1;
                blocked = true;
            }
        }
        if !blocked && entry.at <= settled && entry.created_at != report.watermark_after {
            report.watermark_after = entry.created_at.clone();
            state.watermark = Some(entry.created_at.clone());
            write_state(&options.state_file, &state)?;
        }
    }
    if options.since.is_some() && state.watermark.as_deref() != Some(&report.watermark_after) {
        // A first run that moved nothing still records where it started.
        state.watermark = Some(report.watermark_after.clone());
        write_state(&options.state_file, &state)?;
    }
    Ok(finish(report, started))
}

fn finish(mut report: ReconcileReport, started: Instant) -> ReconcileReport {
    let seconds = started.elapsed().as_secs_f64();
    let handled = report.created + report.already_there + report.unsuitable + report.failed;
    report.seconds = seconds;
    #[allow(clippy::cast_precision_loss)] // Counts far below 2^52.
    let rate = handled as f64 / seconds.max(1e-9);
    report.users_per_second = if handled == 0 { 0.0 } else { rate };
    report
}

/// Every user created at or after `floor`, newest first, and the number of pages read.
async fn list_since(
    admin: &AdminClient,
    floor: (i64, u32),
) -> Result<(Vec<Listed>, usize), ReconcileError> {
    #[derive(Deserialize)]
    struct Data {
        users: Connection,
    }
    #[derive(Deserialize)]
    struct Connection {
        edges: Vec<Edge>,
        #[serde(rename = "pageInfo")]
        page_info: PageInfo,
    }
    #[derive(Deserialize)]
    struct Edge {
        node: Node,
    }
    #[derive(Deserialize)]
    struct Node {
        id: String,
        #[serde(rename = "createdAt")]
        created_at: String,
        #[serde(rename = "standardAttributes", default)]
        standard_attributes: Map<String, Value>,
    }
    #[derive(Deserialize)]
    struct PageInfo {
        #[serde(rename = "hasNextPage")]
        has_next_page: bool,
        #[serde(rename = "endCursor")]
        end_cursor: Option<String>,
    }
    let listing = |error: AdminError| ReconcileError::Listing(error.to_string());
    let mut listed: Vec<Listed> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let slot = admin.slot().await.map_err(listing)?;
        let data: Data = admin
            .run(
                &slot,
                "users",
                USERS,
                json!({ "first": PAGE_SIZE, "after": after }),
                unix_now().unsigned_abs(),
            )
            .await
            .map_err(listing)?;
        drop(slot);
        pages += 1;
        let mut reached_floor = false;
        for edge in data.users.edges {
            let node = edge.node;
            let at = parse_rfc3339(&node.created_at).ok_or_else(|| {
                ReconcileError::Listing(format!("createdAt `{}` is not RFC 3339", node.created_at))
            })?;
            if at < floor {
                reached_floor = true;
                break;
            }
            let user_id = user_id_of(&node.id).ok_or_else(|| {
                ReconcileError::Listing(format!("`{}` is not a User node ID", node.id))
            })?;
            // Offset cursors: a user created while we page shifts the rest by one, and the
            // next page starts with one we have.
            if listed
                .iter()
                .any(|seen| seen.user.authgear_user_id == user_id)
            {
                continue;
            }
            listed.push(Listed {
                at,
                user: NewUser::new(
                    user_id,
                    Some(node.created_at.clone()),
                    &node.standard_attributes,
                ),
                created_at: node.created_at,
            });
        }
        if reached_floor || !data.users.page_info.has_next_page {
            return Ok((listed, pages));
        }
        after = data.users.page_info.end_cursor;
        if after.is_none() {
            return Ok((listed, pages));
        }
    }
}

/// The UUID in a global node ID (base64url of `User:<uuid>`).
fn user_id_of(node_id: &str) -> Option<String> {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(node_id)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    text.strip_prefix("User:")
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

fn read_state(path: &Path) -> Result<State, ReconcileError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| ReconcileError::State {
            path: path.to_owned(),
            problem: format!("not a reconcile state ({error})"),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(error) => Err(ReconcileError::State {
            path: path.to_owned(),
            problem: error.to_string(),
        }),
    }
}

/// Written beside, then renamed over: a crash leaves the old state or the new, never half.
fn write_state(path: &Path, state: &State) -> Result<(), ReconcileError> {
    let failed = |error: std::io::Error| ReconcileError::State {
        path: path.to_owned(),
        problem: error.to_string(),
    };
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let body = serde_json::to_vec_pretty(state).expect("the state serializes");
    std::fs::write(&temporary, body).map_err(failed)?;
    std::fs::rename(&temporary, path).map_err(failed)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

/// RFC 3339 (`2026-12-01T22:00:00.123456Z`, `…+08:00`) as Unix seconds and nanoseconds.
fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't')
    {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut nanos: u32 = 0;
    if bytes[at] == b'.' {
        let digits = bytes[at + 1..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        for (index, byte) in bytes[at + 1..at + 1 + digits].iter().enumerate() {
            if index < 9 {
                nanos = nanos * 10 + u32::from(byte - b'0');
            }
        }
        for _ in digits..9 {
            nanos *= 10;
        }
        at += 1 + digits;
    }
    let offset = match text.get(at..)? {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && matches!(&zone[..1], "+" | "-") && &zone[3..4] == ":" => {
            let minutes = number(at + 1..at + 3)? * 60 + number(at + 4..at + 6)?;
            if zone.starts_with('-') {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    // Howard Hinnant's days_from_civil.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    Some((seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_parse_to_unix_time() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            parse_rfc3339("2026-12-01T22:00:00.5Z"),
            Some((1_796_162_400, 500_000_000))
        );
        assert_eq!(
            parse_rfc3339("2026-12-02T06:00:00+08:00"),
            Some((1_796_162_400, 0))
        );
        // Fractions order by value, not by text ("00.5Z" sorts before "00Z" as text).
        assert!(parse_rfc3339("2026-12-01T22:00:00Z") < parse_rfc3339("2026-12-01T22:00:00.5Z"));
        for bad in [
            "",
            "2026-12-01",
            "2026-13-01T00:00:00Z",
            "2026-12-01T00:00:00",
            "2026-12-01T00:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn node_ids_give_the_user_id() {
        assert_eq!(
            user_id_of("VXNlcjo3ZjE0ZTI2Ny0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDE").as_deref(),
            Some("7f14e267-0000-4000-8000-000000000001")
        );
        assert_eq!(user_id_of("not base64!"), None);
    }
}
