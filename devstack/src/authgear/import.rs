//! Authgear's User Import API: `POST /_api/admin/users/import` starts a job,
//! `GET /_api/admin/users/import/{id}` reports on it.
//!
//! Request handling follows pkg/admin/routes.go (the Admin API's authorization middleware, then
//! `CheckContentType`), pkg/admin/transport/handler_user_import_create.go and
//! handler_user_import_get.go (answers wrapped in pkg/api/response.go's `{"result": …}` or
//! `{"error": …}`); jobs and tasks follow pkg/lib/userimport/job.go (a job of tasks of at most
//! 100 records), pkg/lib/infra/redisqueue (task IDs and statuses) and pkg/redisqueue/consumer.go
//! (one worker takes the tasks in order). The records themselves are imported by
//! `import_record.rs`.
//!
//! Jobs are answered `pending` when created, as Authgear's are (the worker has not run yet), and
//! kept for the life of the devstack (Authgear keeps them 24 hours). Not emulated: the usage
//! limit on imported records (`UsageLimiter.Reserve`) and the queue's rate limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use serde_json::{Value, json};

use super::Authgear;
use super::admin_auth;
use super::import_record::{self, ApiError, Detail, Identifier, Summary, TaskInput, TaskResult};
use super::import_schema;

/// pkg/lib/userimport/model.go: `BodyMaxSize = 500 * 1000` (500 KB, not KiB).
pub const BODY_MAX_SIZE: usize = 500 * 1000;
/// pkg/lib/userimport/job.go: recordsPerTask.
const RECORDS_PER_TASK: usize = 100;
/// pkg/lib/userimport/job.go: jobIDPrefix.
const JOB_ID_PREFIX: &str = "userimport_";
/// pkg/lib/userimport/job.go: taskIDPrefix, which redisqueue/producer.go joins with another `_`.
const TASK_ID_PREFIX: &str = "userimporttask_";
/// pkg/util/base32: Crockford's alphabet.
const BASE32: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Every import job and task of the project, and the queue worker.
#[derive(Default)]
pub struct Imports {
    store: Mutex<Store>,
    /// pkg/redisqueue/consumer.go: the worker dequeues one task at a time. Jobs wait for it in
    /// the order they were created (tokio's mutex is fair).
    worker: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Store {
    jobs: HashMap<String, Job>,
    tasks: HashMap<String, Task>,
}

/// pkg/lib/userimport/model.go: Job.
struct Job {
    created_at: Time,
    task_ids: Vec<String>,
}

/// pkg/lib/infra/redisqueue/task.go: Task.
struct Task {
    created_at: Time,
    completed_at: Option<Time>,
    input: TaskInput,
    output: Option<TaskResult>,
}

/// A UTC instant with nanoseconds, written as Go writes `time.Time` (RFC 3339, fraction without
/// trailing zeros).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Time {
    secs: i64,
    nanos: u32,
}

impl Time {
    fn now() -> Self {
        let elapsed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            secs: i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
            nanos: elapsed.subsec_nanos(),
        }
    }

    fn to_json(self) -> String {
        let whole = crate::time::rfc3339(self.secs);
        if self.nanos == 0 {
            return whole;
        }
        let fraction = format!("{:09}", self.nanos);
        format!(
            "{}.{}Z",
            whole.trim_end_matches('Z'),
            fraction.trim_end_matches('0')
        )
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_json())
    }
}

/// pkg/lib/userimport/model.go: Response, members in its order.
#[derive(Serialize)]
struct ImportResponse {
    id: String,
    created_at: Time,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_at: Option<Time>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ApiError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<Detail>,
}

impl Store {
    /// job.go: GetJob — NewResponseFromJob, then AggregateTaskResult for each task in order.
    fn job_response(&self, id: &str, job: &Job) -> ImportResponse {
        let mut response = ImportResponse {
            id: id.to_owned(),
            created_at: job.created_at,
            completed_at: Some(job.created_at),
            status: "completed",
            error: None,
            summary: Some(Summary::default()),
            details: Vec::new(),
        };
        for (position, task_id) in job.task_ids.iter().enumerate() {
            let task = &self.tasks[task_id];
            match task.completed_at {
                // Any task not yet complete: the job is pending, with no summary or details.
                None => {
                    response.completed_at = None;
                    response.status = "pending";
                    response.summary = None;
                    response.details.clear();
                }
                Some(completed_at) => {
                    if let Some(latest) = response.completed_at.as_mut() {
                        *latest = (*latest).max(completed_at);
                    }
                }
            }
            if let Some(output) = &task.output {
                if let Some(summary) = response.summary.as_mut() {
                    summary.add(&output.summary);
                }
                if response.completed_at.is_some() {
                    let offset = position * RECORDS_PER_TASK;
                    response
                        .details
                        .extend(output.details.iter().cloned().map(|mut detail| {
                            detail.index += offset;
                            detail
                        }));
                }
            }
        }
        response
    }

    /// model.go: NewResponseFromTask (a task ID given where a job ID is expected).
    fn task_response(id: &str, task: &Task) -> ImportResponse {
        ImportResponse {
            id: id.to_owned(),
            created_at: task.created_at,
            completed_at: task.completed_at,
            status: if task.completed_at.is_some() {
                "completed"
            } else {
                "pending"
            },
            error: None,
            summary: task.output.as_ref().map(|output| output.summary),
            details: task
                .output
                .as_ref()
                .map(|output| output.details.clone())
                .unwrap_or_default(),
        }
    }
}

impl Imports {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `POST /_api/admin/users/import`.
pub async fn create(
    State(authgear): State<Arc<Authgear>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(refused) = refuse(&authgear, &headers) {
        return refused;
    }
    // pkg/util/httputil/content_type.go: CheckContentType([application/json,
    // application/graphql]) for a request with a body.
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let Some((media_type, params)) = parse_media_type(content_type) else {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("invalid content type: {content_type}"),
        );
    };
    let charset_ok = params
        .iter()
        .find(|(name, _)| name == "charset")
        .is_none_or(|(_, value)| matches!(value.to_ascii_lowercase().as_str(), "utf-8" | "utf8"));
    if !["application/json", "application/graphql"].contains(&media_type.as_str()) || !charset_ok {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("invalid content type: {media_type}"),
        );
    }
    // pkg/util/httputil/json.go: ParseJSONBody — IsJSONContentType first (application/json,
    // no parameter but `charset=utf-8`).
    let is_json = media_type == "application/json"
        && match params.as_slice() {
            [] => true,
            [(name, value)] => name == "charset" && value.eq_ignore_ascii_case("utf-8"),
            _ => false,
        };
    if !is_json {
        return api_error(ApiError::new(
            "BadRequest",
            "BadRequest",
            "request content type is invalid",
        ));
    }
    // http.MaxBytesReader(w, r.Body, BodyMaxSize): past the limit, JSONTooLarge.
    let Ok(bytes) = axum::body::to_bytes(body, BODY_MAX_SIZE).await else {
        return api_error(
            ApiError::new(
                "RequestEntityTooLarge",
                "JSONTooLarge",
                "request body too large",
            )
            .with_info(json!({ "limit": BODY_MAX_SIZE })),
        );
    };
    // pkg/util/validation/validate.go: ParseWithMessage — JSON, then the schema.
    let request: Value = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(error) => {
            // pkg/api/apierrors/error.go: newInvalidJSON (the message is serde's, not Go's).
            return api_error(ApiError::new(
                "BadRequest",
                "InvalidJSON",
                error.to_string(),
            ));
        }
    };
    let causes = import_schema::validate_request(&request);
    if !causes.is_empty() {
        return api_error(ApiError::validation_failed("invalid request body", causes));
    }
    let upsert = request["upsert"].as_bool().unwrap_or(false);
    let identifier = request["identifier"]
        .as_str()
        .and_then(Identifier::parse)
        .expect("validated");
    let records = request["records"].as_array().expect("validated").clone();

    // job.go: EnqueueJob — tasks of at most 100 records, then the job, then GetJob.
    let now = Time::now();
    let (job_id, response) = {
        let mut store = authgear.imports.store();
        let mut task_ids = Vec::new();
        for chunk in records.chunks(RECORDS_PER_TASK) {
            let task_id = format!("{TASK_ID_PREFIX}_{}", random_base32());
            store.tasks.insert(
                task_id.clone(),
                Task {
                    created_at: now,
                    completed_at: None,
                    input: TaskInput {
                        upsert,
                        identifier,
                        records: chunk.to_vec(),
                    },
                    output: None,
                },
            );
            task_ids.push(task_id);
        }
        let job_id = format!("{JOB_ID_PREFIX}{}", random_base32());
        let job = Job {
            created_at: now,
            task_ids,
        };
        let response = store.job_response(&job_id, &job);
        store.jobs.insert(job_id.clone(), job);
        (job_id, response)
    };
    crate::log!(
        "authgear: user import {job_id}: {} records, identifier {}, upsert {upsert}",
        records.len(),
        identifier.as_str()
    );
    tokio::spawn(run_job(authgear.clone(), job_id));
    result(&response)
}

/// `GET /_api/admin/users/import/{id}`.
pub async fn get(
    State(authgear): State<Arc<Authgear>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse(&authgear, &headers) {
        return refused;
    }
    let store = authgear.imports.store();
    // job.go: GetJob — an ID without the job prefix is looked up as a task (backward
    // compatibility with imports that were one task).
    let response = if id.starts_with(JOB_ID_PREFIX) {
        store.jobs.get(&id).map(|job| store.job_response(&id, job))
    } else {
        store
            .tasks
            .get(&id)
            .map(|task| Store::task_response(&id, task))
    };
    match response {
        Some(response) => result(&response),
        // pkg/api/errors.go: ErrTaskNotFound.
        None => api_error(ApiError::new("NotFound", "TaskNotFound", "task not found")),
    }
}

/// pkg/redisqueue/consumer.go: each task is executed, then marked completed with its output.
async fn run_job(authgear: Arc<Authgear>, job_id: String) {
    let _turn = authgear.imports.worker.lock().await;
    let task_ids = authgear.imports.store().jobs[&job_id].task_ids.clone();
    for task_id in task_ids {
        let input = authgear.imports.store().tasks[&task_id].input.clone();
        let output = import_record::import_records(&authgear.users, &input, crate::time::now());
        {
            let mut store = authgear.imports.store();
            let task = store
                .tasks
                .get_mut(&task_id)
                .expect("tasks are never removed");
            task.completed_at = Some(Time::now());
            task.output = Some(output);
        }
        // Let requests in between tasks, as a separate worker process would.
        tokio::task::yield_now().await;
    }
}

/// The Admin API's authorization middleware: the answer when the request is refused.
fn refuse(authgear: &Authgear, headers: &HeaderMap) -> Option<Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let verified = admin_auth::verify(
        authorization,
        &authgear.keys.admin,
        &authgear.project_id,
        crate::time::now(),
    );
    let reason = verified.err()?;
    crate::log!("authgear: User Import API request refused: {reason}");
    // Go's http.Error(w, "Forbidden", http.StatusForbidden).
    Some(plain_error(StatusCode::FORBIDDEN, "Forbidden"))
}

/// Go's `mime.ParseMediaType`, enough of it: the lowercased media type and its parameters.
fn parse_media_type(text: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut parts = text.split(';');
    let media_type = parts.next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = media_type.split_once('/')?;
    if kind.is_empty() || subtype.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    for part in parts {
        let (name, value) = part.split_once('=')?;
        params.push((
            name.trim().to_ascii_lowercase(),
            value.trim().trim_matches('"').to_owned(),
        ));
    }
    Some((media_type, params))
}

fn random_base32() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source works");
    bytes
        .iter()
        .map(|byte| char::from(BASE32[usize::from(*byte) % BASE32.len()]))
        .collect()
}

/// pkg/util/httputil/json.go: WriteJSONResponse with `{"result": …}`.
fn result(response: &ImportResponse) -> Response {
    let body = json!({ "result": response });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// WriteJSONResponse with `{"error": …}`, the status being the error's.
fn api_error(error: ApiError) -> Response {
    let status = StatusCode::from_u16(error.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(json!({ "error": error }))).into_response()
}

/// Go's `http.Error`.
fn plain_error(status: StatusCode, text: &str) -> Response {
    let mut response = (status, format!("{text}\n")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_go_writes_them() {
        let time = Time {
            secs: 1_712_213_796,
            nanos: 25_080_960,
        };
        assert_eq!(time.to_json(), "2024-04-04T06:56:36.02508096Z");
        let whole = Time {
            secs: 1_712_213_796,
            nanos: 0,
        };
        assert_eq!(whole.to_json(), "2024-04-04T06:56:36Z");
    }

    #[test]
    fn ids_have_the_prefixes_and_alphabet() {
        let id = random_base32();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|byte| BASE32.contains(&byte)));
    }

    #[test]
    fn media_types() {
        assert_eq!(
            parse_media_type("Application/JSON; charset=UTF-8"),
            Some((
                "application/json".into(),
                vec![("charset".into(), "UTF-8".into())]
            ))
        );
        assert_eq!(parse_media_type(""), None);
        assert_eq!(parse_media_type("json"), None);
    }

    fn job_with(tasks: Vec<Task>) -> (Store, Job) {
        let mut store = Store::default();
        let mut task_ids = Vec::new();
        for (n, task) in tasks.into_iter().enumerate() {
            store.tasks.insert(format!("t{n}"), task);
            task_ids.push(format!("t{n}"));
        }
        let job = Job {
            created_at: Time { secs: 10, nanos: 0 },
            task_ids,
        };
        (store, job)
    }

    fn task(completed: Option<i64>, records: usize) -> Task {
        let input = TaskInput {
            upsert: false,
            identifier: Identifier::Email,
            records: Vec::new(),
        };
        let output = completed.map(|_| TaskResult {
            summary: Summary {
                total: records,
                skipped: records,
                ..Summary::default()
            },
            details: (0..records)
                .map(|index| Detail {
                    index,
                    record: None,
                    outcome: import_record::Outcome::Skipped,
                    user_id: None,
                    warnings: Vec::new(),
                    errors: Vec::new(),
                })
                .collect(),
        });
        Task {
            created_at: Time { secs: 10, nanos: 0 },
            completed_at: completed.map(|secs| Time { secs, nanos: 0 }),
            input,
            output,
        }
    }

    #[test]
    fn a_job_is_pending_until_every_task_completes_then_aggregates() {
        let (store, job) = job_with(vec![task(Some(12), 100), task(None, 0)]);
        let pending = serde_json::to_value(store.job_response("userimport_x", &job)).unwrap();
        assert_eq!(
            pending,
            json!({"id": "userimport_x", "created_at": "1970-01-01T00:00:10Z", "status": "pending"})
        );
        let (store, job) = job_with(vec![task(Some(12), 100), task(Some(11), 3)]);
        let done = store.job_response("userimport_x", &job);
        assert_eq!(done.status, "completed");
        assert_eq!(done.completed_at, Some(Time { secs: 12, nanos: 0 }));
        assert_eq!(done.summary.unwrap().total, 103);
        assert_eq!(done.details.last().unwrap().index, 102);
    }
}
