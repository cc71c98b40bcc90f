//! What the command says at the end: a summary for people (what was read, what will be or was
//! imported, what was left out and why), and a report file of every user that was not
//! imported — skipped before upload or failed at Authgear — as JSON or CSV.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::plan::{Identifiers, Plan};
use crate::split::Batch;
use crate::state::{State, Summary};
use crate::upload::describe_api_error;

/// One user that was not imported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportEntry {
    /// Record number in the export (1-based: line, row or array element).
    pub position: usize,
    pub legacy_id: Option<String>,
    pub login_id: Option<String>,
    /// `validation` (left out before upload) or `import` (Authgear answered `failed`).
    pub stage: &'static str,
    pub reason: String,
    pub detail: String,
}

/// The users left out before upload.
pub fn skipped_entries(plan: &Plan, identifier: &Identifiers) -> Vec<ReportEntry> {
    plan.skipped
        .iter()
        .map(|skipped| ReportEntry {
            position: skipped.position,
            legacy_id: skipped.legacy_id.clone(),
            login_id: skipped.login_id.clone(),
            stage: "validation",
            reason: skipped.reason.label(identifier),
            detail: skipped.reason.detail(),
        })
        .collect()
}

/// The users Authgear answered `failed` for, across every completed batch.
pub fn failure_entries(plan: &Plan, state: &State) -> Vec<ReportEntry> {
    let mut entries = Vec::new();
    for batch in &state.batches {
        let Some(result) = &batch.result else {
            continue;
        };
        for failure in &result.failures {
            let Some(planned) = plan.records.get(failure.record) else {
                continue;
            };
            let first = failure.errors.first();
            let reason = first
                .and_then(|error| {
                    let name = error.get("name")?.as_str()?;
                    let reason = error.get("reason")?.as_str()?;
                    Some(format!("{name}/{reason}"))
                })
                .unwrap_or_else(|| "failed".into());
            let detail = failure
                .errors
                .iter()
                .map(describe_api_error)
                .collect::<Vec<_>>()
                .join("; ");
            entries.push(ReportEntry {
                position: planned.position,
                legacy_id: planned.legacy_id.clone(),
                login_id: Some(planned.login_id.clone()),
                stage: "import",
                reason,
                detail,
            });
        }
    }
    entries
}

/// Writes the entries as JSON (an array) or, for a `.csv` path, CSV with a header.
pub fn write_report(path: &Path, entries: &[ReportEntry]) -> Result<(), String> {
    let csv = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"));
    let bytes = if csv {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record([
                "position",
                "legacy_id",
                "login_id",
                "stage",
                "reason",
                "detail",
            ])
            .map_err(|error| error.to_string())?;
        for entry in entries {
            writer
                .write_record(
                    [
                        entry.position.to_string(),
                        entry.legacy_id.clone().unwrap_or_default(),
                        entry.login_id.clone().unwrap_or_default(),
                        entry.stage.to_owned(),
                        entry.reason.clone(),
                        entry.detail.clone(),
                    ]
                    .map(|cell| spreadsheet_safe(&cell)),
                )
                .map_err(|error| error.to_string())?;
        }
        writer.into_inner().map_err(|error| error.to_string())?
    } else {
        let mut json = serde_json::to_vec_pretty(entries).expect("entries serialize");
        json.push(b'\n');
        json
    };
    crate::private_file::write(path, &bytes)
        .map_err(|error| format!("report {}: {error}", path.display()))
}

/// A cell a spreadsheet will not run as a formula: one that begins with `=`, `+`, `-` or `@`
/// (or a tab or carriage return, which some strip first) gets a leading `'` (OWASP's CSV
/// injection advice). Legacy IDs and login IDs come from the export, i.e. from users.
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The first `limit` entries, one line each, for the terminal.
pub fn listing(entries: &[ReportEntry], limit: usize) -> String {
    let mut out = String::new();
    if entries.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "Users left out{}:",
        if entries.len() > limit {
            format!(
                " (the first {limit} of {}; --report FILE lists them all)",
                count(entries.len())
            )
        } else {
            String::new()
        }
    );
    for entry in entries.iter().take(limit) {
        let who: Vec<&str> = [entry.legacy_id.as_deref(), entry.login_id.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = writeln!(
            out,
            "  record {} ({}): {} — {}",
            entry.position,
            who.join(", "),
            entry.reason,
            entry.detail
        );
    }
    out
}

fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the export gave and what will be sent.
pub fn plan_summary(
    plan: &Plan,
    identifier: &Identifiers,
    source: &str,
    batches: &[Batch],
    max_bytes: usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Read {} users from {source}", count(plan.read));
    let by_identifier = if identifier.as_slice().len() == 1 {
        format!("identifier: {identifier}")
    } else {
        let counts: Vec<String> = identifier
            .as_slice()
            .iter()
            .map(|id| {
                let n = plan.records.iter().filter(|r| r.identifier == *id).count();
                format!("{id} {}", count(n))
            })
            .collect();
        format!("identifiers: {}", counts.join(", "))
    };
    let _ = writeln!(
        out,
        "  to import:   {} ({by_identifier})",
        count(plan.records.len())
    );
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for skipped in &plan.skipped {
        *by_reason
            .entry(skipped.reason.label(identifier))
            .or_default() += 1;
    }
    let _ = writeln!(out, "  left out:    {}", count(plan.skipped.len()));
    for (reason, n) in &by_reason {
        let _ = writeln!(out, "    {reason}: {}", count(*n));
    }
    let passwords = &plan.passwords;
    let _ = writeln!(out, "  passwords (of the users to import):");
    let _ = writeln!(out, "    bcrypt, imported: {}", count(passwords.imported));
    let _ = writeln!(
        out,
        "    none in the export (social, passwordless, SSO): {}",
        count(passwords.none)
    );
    let _ = writeln!(out, "    left out: {}", count(passwords.left_out_total()));
    for (scheme, n) in &passwords.left_out {
        let _ = writeln!(out, "      {scheme}: {}", count(*n));
    }
    if passwords.left_out_total() > 0 {
        let _ = writeln!(
            out,
            "    Authgear imports bcrypt hashes only: the {} users whose password was left out sign in again once (the migration endpoint keeps their session) or reset their password.",
            count(passwords.left_out_total())
        );
    }
    if !plan.dropped_attributes.is_empty() {
        let dropped: Vec<String> = plan
            .dropped_attributes
            .iter()
            .map(|(name, n)| format!("{name} × {}", count(*n)))
            .collect();
        let _ = writeln!(
            out,
            "  attributes dropped (they would fail Authgear's checks; the users are kept): {}",
            dropped.join(", ")
        );
    }
    let largest = batches
        .iter()
        .map(|batch| batch.body.len())
        .max()
        .unwrap_or(0);
    let bytes: usize = batches.iter().map(|batch| batch.body.len()).sum();
    let _ = writeln!(
        out,
        "  requests:    {} of at most {} bytes (largest {}, {} bytes in all)",
        count(batches.len()),
        count(max_bytes),
        count(largest),
        count(bytes)
    );
    out
}

/// What Authgear did, over every run of this upload.
pub fn upload_summary(state: &State) -> (String, Summary) {
    let mut total = Summary::default();
    let mut warnings: BTreeMap<String, usize> = BTreeMap::new();
    let mut resubmitted = 0;
    for batch in &state.batches {
        if let Some(result) = &batch.result {
            total.add(&result.summary);
            for (message, n) in &result.warnings {
                *warnings.entry(message.clone()).or_default() += n;
            }
        }
        if batch.submissions > 1 {
            resubmitted += 1;
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Imported into Authgear: {} inserted · {} updated · {} already there (skipped) · {} failed",
        count(total.inserted),
        count(total.updated),
        count(total.skipped),
        count(total.failed)
    );
    // Everyone but the failed is in Authgear now: what the endpoint's progress is read against.
    let imported = total.inserted + total.updated + total.skipped;
    let _ = writeln!(
        out,
        "  users in Authgear from this export: {} (IMPORTED_USERS={imported} on the endpoint shows the share migrated)",
        count(imported)
    );
    if resubmitted > 0 {
        let _ = writeln!(
            out,
            "  {resubmitted} request(s) were sent more than once (an answer was lost or the run was interrupted); Authgear matched their users by identifier, so none was imported twice."
        );
    }
    for (message, n) in &warnings {
        let _ = writeln!(out, "  warning × {}: {message}", count(*n));
    }
    (out, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(10_000), "10,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn reports_are_json_or_csv() {
        let dir = std::env::temp_dir().join(format!("agm-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let entries = vec![ReportEntry {
            position: 3,
            legacy_id: Some("auth0|3".into()),
            login_id: None,
            stage: "validation",
            reason: "no email".into(),
            detail: "no value, for the identifier".into(),
        }];
        write_report(&dir.join("r.csv"), &entries).unwrap();
        let csv = std::fs::read_to_string(dir.join("r.csv")).unwrap();
        assert_eq!(
            csv,
            "position,legacy_id,login_id,stage,reason,detail\n3,auth0|3,,validation,no email,\"no value, for the identifier\"\n"
        );
        write_report(&dir.join("r.json"), &entries).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
        assert_eq!(json[0]["legacy_id"], "auth0|3");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_escaped() {
        let dir = std::env::temp_dir().join(format!("agm-report-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let entries: Vec<ReportEntry> = ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "plain"]
            .into_iter()
            .enumerate()
            .map(|(position, login_id)| ReportEntry {
                position,
                legacy_id: None,
                login_id: Some(login_id.into()),
                stage: "validation",
                reason: "r".into(),
                detail: "d".into(),
            })
            .collect();
        write_report(&dir.join("r.csv"), &entries).unwrap();
        let csv = std::fs::read_to_string(dir.join("r.csv")).unwrap();
        let cells: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|line| line.split(',').nth(2).unwrap())
            .collect();
        assert_eq!(
            cells,
            [
                "\"'=HYPERLINK(\"\"x\"\")\"",
                "'+1",
                "'-2",
                "'@SUM(A1)",
                "plain"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
