//! `authgear-migrate import`: read, plan, split, then (unless `--dry-run`) upload batch by
//! batch, keeping the state file current, and report.

use std::collections::VecDeque;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::ImportArgs;
use crate::config::Settings;
use crate::formats::{self, Format, Mapping, ReadOptions};
use crate::plan::{self, Identifiers, PlanOptions};
use crate::progress::Progress;
use crate::record::Identifier;
use crate::report;
use crate::split::{self, Batch};
use crate::state::{BatchResult, BatchStatus, RecordFailure, State};
use crate::upload::{Client, JobResponse, RetryPolicy, UploadError};
use authgear_migrate_admin::AdminJwt;

/// How the command ended, when it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum Finish {
    /// Everything planned was imported (or already there); or a dry run.
    Done,
    /// Authgear answered `failed` for some users (see the report).
    SomeFailed,
    /// `--stop-after-batches` (tests): the process stops as a crash would.
    Stopped,
}

impl Finish {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Done => 0,
            Self::SomeFailed => 3,
            Self::Stopped => 75,
        }
    }
}

pub async fn import(args: ImportArgs) -> Result<Finish, String> {
    let mapping = Mapping::parse(&args.map, args.mapping.as_deref())?;
    let options = ReadOptions {
        auth0_password_hashes: args.auth0_password_hashes.clone(),
        input_kind: args.input_format,
        mapping,
    };
    let mut users =
        formats::read(args.format, &args.input, &options).map_err(|error| error.to_string())?;
    let identifiers = Identifiers::new(&args.identifier);
    if args.format == Format::Cognito && identifiers.contains(Identifier::PreferredUsername) {
        users
            .iter_mut()
            .for_each(formats::cognito::username_as_preferred_username);
    }
    let mut plan = plan::plan(
        users,
        &PlanOptions {
            identifier: identifiers.clone(),
            legacy_id_attribute: args.legacy_id_attribute.clone(),
            passwords: !args.no_passwords,
        },
    );
    // The longest identifier's envelope: a record that fits with it fits with any.
    let widest = identifiers
        .as_slice()
        .iter()
        .copied()
        .max_by_key(|identifier| identifier.as_str().len())
        .unwrap_or(Identifier::Email);
    split::set_aside_oversize(&mut plan, widest, args.upsert, args.max_request_bytes);
    let batches = batches_by_identifier(&plan.records, args.upsert, args.max_request_bytes);
    let source = format!("{} ({})", args.input.display(), args.format.name());
    print!(
        "{}",
        report::plan_summary(
            &plan,
            &identifiers,
            &source,
            &batches,
            args.max_request_bytes
        )
    );

    if let Some(output) = &args.output {
        write_records(output, &plan)?;
        println!("  records written to {}", output.display());
    }

    let report_path = args
        .report
        .clone()
        .unwrap_or_else(|| sibling(&args.input, "import-report.json"));
    let skipped = report::skipped_entries(&plan, &identifiers);
    if args.dry_run {
        print!("{}", report::listing(&skipped, 20));
        if args.report.is_some() {
            finish_report(&report_path, true, skipped)?;
        }
        println!("Dry run: nothing was uploaded.");
        return Ok(Finish::Done);
    }
    if batches.is_empty() {
        finish_report(&report_path, args.report.is_some(), skipped)?;
        println!("Nothing to upload.");
        return Ok(Finish::Done);
    }

    let connection = Settings {
        endpoint: args.endpoint.clone(),
        project_id: args.project_id.clone(),
        admin_key_id: args.admin_key_id.clone(),
        admin_key_file: args.admin_key_file.clone(),
        admin_key_pem: std::env::var("AUTHGEAR_ADMIN_KEY_PEM").ok(),
        allow_insecure: args.allow_insecure_upstreams,
    }
    .connection()?;
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| sibling(&args.input, "import-state.json"));
    let expected = State::new(
        connection.endpoint.as_str(),
        &identifiers,
        args.upsert,
        &batches,
    );
    let mut state = match State::load(&state_path).map_err(|error| error.to_string())? {
        Some(existing) if !args.restart => {
            existing
                .check_matches(&state_path, &expected)
                .map_err(|error| error.to_string())?;
            println!(
                "Resuming from {}: {} of {} users done.",
                state_path.display(),
                existing.records_completed(),
                plan.records.len()
            );
            existing
        }
        _ => expected,
    };
    save(&state, &state_path)?;

    let client = Client::new(
        connection.import_url(),
        AdminJwt::new(connection.key, connection.project_id.clone()),
        RetryPolicy {
            attempts: args.max_attempts,
            base: Duration::from_millis(args.retry_base_ms),
            cap: Duration::from_secs(30),
            timeout: Duration::from_secs(args.timeout_secs),
        },
    )?;
    let progress = Progress::new(
        args.progress,
        plan.records.len() as u64,
        state.records_completed() as u64,
    );
    let uploaded = upload(&args, &client, &batches, &mut state, &state_path, &progress).await;
    progress.finish();
    let mut entries = skipped;
    entries.extend(report::failure_entries(&plan, &state));
    finish_report(&report_path, args.report.is_some(), entries)?;
    match uploaded? {
        Finish::Stopped => return Ok(Finish::Stopped),
        Finish::Done | Finish::SomeFailed => {}
    }
    let (text, total) = report::upload_summary(&state);
    print!("{text}");
    println!("State: {}", state_path.display());
    Ok(if total.failed > 0 {
        Finish::SomeFailed
    } else {
        Finish::Done
    })
}

/// The upload loop: keep up to `--max-in-flight` jobs submitted, poll the oldest until it
/// completes, record everything in the state file as it happens.
async fn upload(
    args: &ImportArgs,
    client: &Client,
    batches: &[Batch],
    state: &mut State,
    state_path: &Path,
    progress: &Progress,
) -> Result<Finish, String> {
    let total = batches.len();
    let mut in_flight: VecDeque<usize> = (0..total)
        .filter(|&i| state.batches[i].status == BatchStatus::Accepted)
        .collect();
    if !in_flight.is_empty() {
        progress.note(&format!(
            "{} request(s) were accepted in an earlier run: waiting for their jobs",
            in_flight.len()
        ));
    }
    let mut next = 0;
    let mut accepted_this_run = 0;
    let poll_interval = Duration::from_millis(args.poll_interval_ms);
    loop {
        while in_flight.len() < args.max_in_flight {
            let Some(i) = (next..total).find(|&i| {
                matches!(
                    state.batches[i].status,
                    BatchStatus::Pending | BatchStatus::Submitting
                )
            }) else {
                break;
            };
            next = i + 1;
            let batch_state = &mut state.batches[i];
            if batch_state.status == BatchStatus::Submitting {
                progress.note(&format!(
                    "request {}/{total} was sent before without its answer being recorded: sending it again (Authgear finds its users by identifier, so none is imported twice)",
                    i + 1
                ));
            }
            batch_state.status = BatchStatus::Submitting;
            batch_state.submissions += 1;
            save(state, state_path)?;
            let notify = |text: &str| progress.note(&format!("request {}/{total}: {text}", i + 1));
            let (job_id, attempts) = client
                .submit(&batches[i].body, &notify)
                .await
                .map_err(|error| upload_error(i, total, &error, state_path))?;
            accepted_this_run += 1;
            if args.stop_after_batches == Some(accepted_this_run) {
                // Test only: stop as a crash between the POST and the state file would.
                progress.finish();
                let _ = std::io::stdout().flush();
                eprintln!(
                    "import: stopping after {accepted_this_run} accepted request(s) (--stop-after-batches)"
                );
                return Ok(Finish::Stopped);
            }
            let batch_state = &mut state.batches[i];
            batch_state.status = BatchStatus::Accepted;
            batch_state.job_id = Some(job_id);
            batch_state.submissions += attempts - 1;
            save(state, state_path)?;
            in_flight.push_back(i);
        }
        let Some(&i) = in_flight.front() else { break };
        let job_id = state.batches[i].job_id.clone().unwrap_or_default();
        let notify = |text: &str| progress.note(&format!("request {}/{total}: {text}", i + 1));
        match client.status(&job_id, &notify).await {
            Ok(job) if job.status == "completed" => {
                let result = batch_result(state.batches[i].first, batches[i].count, job);
                let failed = result.failures.len();
                let batch_state = &mut state.batches[i];
                batch_state.status = BatchStatus::Completed;
                batch_state.result = Some(result);
                save(state, state_path)?;
                in_flight.pop_front();
                progress.advance(
                    state.records_completed() as u64,
                    &format!("request {}/{total} done ({failed} failed)", i + 1),
                );
            }
            Ok(_) => tokio::time::sleep(poll_interval).await,
            Err(UploadError::JobNotFound) => {
                progress.note(&format!(
                    "the job of request {}/{total} is gone (expired): sending the request again",
                    i + 1
                ));
                let batch_state = &mut state.batches[i];
                batch_state.status = BatchStatus::Pending;
                batch_state.job_id = None;
                save(state, state_path)?;
                in_flight.pop_front();
                next = next.min(i);
            }
            Err(error) => return Err(upload_error(i, total, &error, state_path)),
        }
    }
    Ok(Finish::Done)
}

/// A completed job's per-record results, with indices into the plan's records. Records with no
/// detail (a task that failed as a whole) count as failed with the job's error.
fn batch_result(first: usize, count: usize, job: JobResponse) -> BatchResult {
    let mut result = BatchResult {
        job_id: job.id,
        summary: job.summary.unwrap_or_default(),
        failures: Vec::new(),
        warnings: Default::default(),
        error: job.error.clone(),
    };
    let mut seen = vec![false; count];
    for detail in job.details {
        if let Some(slot) = seen.get_mut(detail.index) {
            *slot = true;
        }
        let warnings: Vec<String> = detail.warnings.into_iter().map(|w| w.message).collect();
        if detail.outcome.as_deref() == Some("failed") {
            result.failures.push(RecordFailure {
                record: first + detail.index,
                errors: detail.errors,
                warnings,
            });
        } else {
            for message in warnings {
                *result.warnings.entry(message).or_default() += 1;
            }
        }
    }
    let missing_error = job.error.unwrap_or_else(|| {
        serde_json::json!({"name": "Unknown", "reason": "NoResult", "message": "Authgear reported no result for this record"})
    });
    for (index, seen) in seen.into_iter().enumerate() {
        if !seen {
            result.failures.push(RecordFailure {
                record: first + index,
                errors: vec![missing_error.clone()],
                warnings: Vec::new(),
            });
        }
    }
    result.summary.failed = result.summary.failed.max(result.failures.len());
    result
}

fn upload_error(index: usize, total: usize, error: &UploadError, state_path: &Path) -> String {
    format!(
        "request {}/{total}: {error}\nThe progress so far is in {}; run the same command again to resume.",
        index + 1,
        state_path.display()
    )
}

/// The requests: one run of them per identifier (a request names one), each record's index
/// into the plan's records kept, as the plan grouped them.
fn batches_by_identifier(records: &[plan::Planned], upsert: bool, max_bytes: usize) -> Vec<Batch> {
    let mut batches = Vec::new();
    let mut start = 0;
    for group in records.chunk_by(|a, b| a.identifier == b.identifier) {
        for mut batch in split::split(group, group[0].identifier, upsert, max_bytes) {
            batch.first += start;
            batches.push(batch);
        }
        start += group.len();
    }
    batches
}

fn save(state: &State, path: &Path) -> Result<(), String> {
    state.save(path).map_err(|error| error.to_string())
}

/// `<input>.<suffix>` in the input's folder.
fn sibling(input: &Path, suffix: &str) -> PathBuf {
    let mut name = input.file_name().unwrap_or_default().to_owned();
    name.push(".");
    name.push(suffix);
    input.with_file_name(name)
}

fn write_records(path: &Path, plan: &plan::Plan) -> Result<(), String> {
    let mut out = Vec::new();
    for planned in &plan.records {
        out.extend_from_slice(&split::serialize(&planned.record));
        out.push(b'\n');
    }
    crate::private_file::write(path, &out)
        .map_err(|error| format!("--output {}: {error}", path.display()))
}

/// Writes the report when asked for, or when there is anything in it.
fn finish_report(
    path: &Path,
    asked: bool,
    entries: Vec<report::ReportEntry>,
) -> Result<(), String> {
    if entries.is_empty() && !asked {
        return Ok(());
    }
    report::write_report(path, &entries)?;
    println!(
        "Report of the {} user(s) not imported: {}",
        entries.len(),
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::ImportRecord;

    fn planned(identifier: Identifier, login_id: &str) -> plan::Planned {
        let mut record = ImportRecord::default();
        match identifier {
            Identifier::Email => record.email = Some(login_id.into()),
            Identifier::PhoneNumber => record.phone_number = Some(login_id.into()),
            Identifier::PreferredUsername => record.preferred_username = Some(login_id.into()),
        }
        plan::Planned {
            position: 1,
            legacy_id: None,
            identifier,
            login_id: login_id.into(),
            record,
        }
    }

    #[test]
    fn each_request_names_the_identifier_of_its_records() {
        let records = [
            planned(Identifier::Email, "a@example.com"),
            planned(Identifier::Email, "b@example.com"),
            planned(Identifier::PhoneNumber, "+14155550100"),
            planned(Identifier::PreferredUsername, "dora"),
        ];
        let batches = batches_by_identifier(&records, false, 500_000);
        let shape: Vec<(usize, usize, String)> = batches
            .iter()
            .map(|batch| {
                let body: serde_json::Value = serde_json::from_slice(&batch.body).unwrap();
                (
                    batch.first,
                    batch.count,
                    body["identifier"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (0, 2, "email".to_owned()),
                (2, 1, "phone_number".to_owned()),
                (3, 1, "preferred_username".to_owned()),
            ]
        );
    }
}
