//! `--dry-run`: every check and count, nothing uploaded, no connection settings needed.

mod common;

use common::{cli_command, fixture, scratch, succeeds, text};

#[tokio::test]
async fn dry_run_reports_counts_duplicates_and_skips_without_uploading() {
    let dir = scratch("dry");
    let report = dir.join("report.csv");
    let records = dir.join("records.ndjson");
    let stdout = succeeds(&[
        "import",
        fixture("auth0-users.ndjson").to_str().unwrap(),
        "--format",
        "auth0",
        "--auth0-password-hashes",
        fixture("auth0-password-hashes.ndjson").to_str().unwrap(),
        "--legacy-id-attribute",
        "legacy_user_id",
        "--dry-run",
        "--report",
        report.to_str().unwrap(),
        "--output",
        records.to_str().unwrap(),
        "--state",
        dir.join("state.json").to_str().unwrap(),
    ])
    .await;
    for line in [
        "Read 6 users from",
        "to import:   4 (identifier: email)",
        "left out:    2",
        "duplicate email: 1",
        "no email: 1",
        "bcrypt, imported: 3",
        "none in the export (social, passwordless, SSO): 1",
        "record 6 (auth0|6611aa00bb00cc00dd00ee11, erin.example@example.com): duplicate email",
        "Dry run: nothing was uploaded.",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in\n{stdout}");
    }
    assert!(!dir.join("state.json").exists());
    let report = std::fs::read_to_string(&report).unwrap();
    assert_eq!(report.lines().count(), 3, "{report}");
    assert!(report.contains("same identifier as record 1"), "{report}");
    let written = std::fs::read_to_string(&records).unwrap();
    let first: serde_json::Value = serde_json::from_str(written.lines().next().unwrap()).unwrap();
    assert_eq!(first["email"], "erin.example@example.com");
    assert_eq!(first["password"]["type"], "bcrypt");
    assert_eq!(
        first["custom_attributes"]["legacy_user_id"],
        "auth0|5dea9f9c82dd7c0e76e4ec93"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn dry_run_counts_passwords_left_out_and_says_what_follows() {
    let stdout = succeeds(&[
        "import",
        fixture("supabase-users.csv").to_str().unwrap(),
        "--format",
        "supabase",
        "--dry-run",
    ])
    .await;
    for line in [
        "Read 7 users from",
        "to import:   5",
        "deleted in Supabase (deleted_at is set): 1",
        "anonymous Supabase user: 1",
        "bcrypt, imported: 3",
        "argon2: 1",
        "sign in again once",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in\n{stdout}");
    }
}

#[tokio::test]
async fn bad_input_and_missing_settings_are_named() {
    let generic = cli_command(
        None,
        &[
            "import",
            fixture("generic-users.csv").to_str().unwrap(),
            "--format",
            "generic",
            "--dry-run",
        ],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(generic.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&generic.stderr).contains("--map email=<column>"));
    let unmapped = cli_command(
        None,
        &[
            "import",
            fixture("generic-users.csv").to_str().unwrap(),
            "--format",
            "generic",
            "--map",
            "shoe=Size",
        ],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(unmapped.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unmapped.stderr)
            .contains("`shoe` is not an Authgear import field")
    );
    let dir = scratch("nosettings");
    let upload = cli_command(
        None,
        &[
            "import",
            fixture("firebase-users.json").to_str().unwrap(),
            "--format",
            "firebase",
            "--report",
            dir.join("report.json").to_str().unwrap(),
        ],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(upload.status.code(), Some(1), "{}", text(&upload));
    assert!(
        String::from_utf8_lossy(&upload.stderr)
            .contains("AUTHGEAR_ENDPOINT (or --endpoint) is required")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A base mixing email, phone-only and username users, imported in one command: each under the
/// first identifier it has, in requests of one identifier each.
#[tokio::test]
async fn a_mixed_base_goes_in_with_one_command() {
    let dir = scratch("mixed");
    let input = dir.join("users.csv");
    std::fs::write(
        &input,
        "id,email,phone,username\n\
         u1,carl@example.com,,\n\
         u2,,+1 415 555 0100,\n\
         u3,,,Dora\n\
         u4,erin@example.com,+14155550101,erin\n\
         u5,,,\n",
    )
    .unwrap();
    let stdout = succeeds(&[
        "import",
        input.to_str().unwrap(),
        "--format",
        "generic",
        "--map",
        "legacy_id=id",
        "--map",
        "email=email",
        "--map",
        "phone_number=phone",
        "--map",
        "preferred_username=username",
        "--identifier",
        "email,phone_number,preferred_username",
        "--dry-run",
    ])
    .await;
    for line in [
        "to import:   4 (identifiers: email 2, phone_number 1, preferred_username 1)",
        "no email or phone_number or preferred_username: 1",
        "requests:    3 of at most",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
