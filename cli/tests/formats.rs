//! Each vendor's export, as the committed fixtures (hand-made after each vendor's documented
//! format) give it, read and planned: which users, which attributes, which passwords.

use std::path::{Path, PathBuf};

use authgear_migrate_cli::formats::{self, Format, InputKind, Mapping, ReadOptions};
use authgear_migrate_cli::plan::{self, Identifiers, Plan, PlanOptions, Planned, SkipReason};
use authgear_migrate_cli::record::Identifier;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn planned(format: Format, file: &str, options: ReadOptions) -> Plan {
    let users = formats::read(format, &fixture(file), &options).expect("the fixture reads");
    plan::plan(
        users,
        &PlanOptions {
            identifier: Identifiers::one(Identifier::Email),
            legacy_id_attribute: Some("legacy_user_id".into()),
            passwords: true,
        },
    )
}

fn by_email<'a>(plan: &'a Plan, email: &str) -> &'a Planned {
    plan.records
        .iter()
        .find(|planned| planned.login_id == email)
        .unwrap_or_else(|| panic!("{email} is planned"))
}

#[test]
fn auth0_bulk_export_joined_with_the_password_hashes_export() {
    let plan = planned(
        Format::Auth0,
        "auth0-users.ndjson",
        ReadOptions {
            auth0_password_hashes: Some(fixture("auth0-password-hashes.ndjson")),
            ..ReadOptions::default()
        },
    );
    assert_eq!(plan.read, 6);
    assert_eq!(plan.records.len(), 4);
    let erin = by_email(&plan, "erin.example@example.com");
    assert_eq!(
        erin.legacy_id.as_deref(),
        Some("auth0|5dea9f9c82dd7c0e76e4ec93")
    );
    assert_eq!(erin.record.email_verified, Some(true));
    assert_eq!(erin.record.preferred_username.as_deref(), Some("erin"));
    assert_eq!(erin.record.given_name.as_deref(), Some("Erin"));
    assert_eq!(
        erin.record.custom_attributes["legacy_user_id"],
        "auth0|5dea9f9c82dd7c0e76e4ec93"
    );
    assert!(
        erin.record
            .password
            .as_ref()
            .unwrap()
            .password_hash
            .starts_with("$2b$04$0cAL")
    );
    // Joined through alt_id; the email as name is not a name; unverified is left out.
    let frank = by_email(&plan, "frank@example.com");
    assert!(
        frank
            .record
            .password
            .as_ref()
            .unwrap()
            .password_hash
            .starts_with("$2b$04$Q1fo")
    );
    assert_eq!(frank.record.name, None);
    assert_eq!(frank.record.email_verified, None);
    let grace = by_email(&plan, "grace@example.com");
    assert_eq!(grace.record.password, None);
    assert_eq!(grace.record.locale.as_deref(), Some("en"));
    assert_eq!(
        by_email(&plan, "heidi@example.com").record.disabled,
        Some(true)
    );
    let reasons: Vec<&SkipReason> = plan.skipped.iter().map(|skipped| &skipped.reason).collect();
    assert_eq!(
        reasons,
        [
            &SkipReason::MissingIdentifier,
            &SkipReason::Duplicate { first_position: 1 }
        ]
    );
    assert_eq!(plan.passwords.imported, 3);
    assert_eq!(plan.passwords.none, 1);
}

#[test]
fn auth0_password_hashes_export_alone() {
    let plan = planned(
        Format::Auth0,
        "auth0-password-hashes.ndjson",
        ReadOptions::default(),
    );
    assert_eq!(plan.records.len(), 3);
    let frank = by_email(&plan, "frank@example.com");
    assert_eq!(frank.legacy_id.as_deref(), Some("auth0|euclid"));
    assert_eq!(plan.passwords.imported, 3);
}

#[test]
fn firebase_auth_export() {
    let plan = planned(
        Format::Firebase,
        "firebase-users.json",
        ReadOptions::default(),
    );
    assert_eq!(plan.read, 4);
    assert_eq!(plan.records.len(), 3);
    let ivan = by_email(&plan, "ivan@example.com");
    assert_eq!(
        ivan.legacy_id.as_deref(),
        Some("Qx3nVf8sKpM2aR7tYb1cZd4eWg5h")
    );
    assert_eq!(ivan.record.name.as_deref(), Some("Ivan Petrov"));
    assert_eq!(
        ivan.record.picture.as_deref(),
        Some("https://example.com/photos/ivan.png")
    );
    assert_eq!(ivan.record.password, None);
    assert_eq!(
        by_email(&plan, "mallory@example.com").record.disabled,
        Some(true)
    );
    // scrypt hashes are left out and counted; the Google user had none.
    assert_eq!(plan.passwords.left_out["firebase-scrypt"], 2);
    assert_eq!(plan.passwords.none, 1);
    assert_eq!(plan.skipped[0].reason, SkipReason::MissingIdentifier);
}

#[test]
fn firebase_phone_users_by_phone_number() {
    let users = formats::read(
        Format::Firebase,
        &fixture("firebase-users.json"),
        &ReadOptions::default(),
    )
    .unwrap();
    let plan = plan::plan(
        users,
        &PlanOptions {
            identifier: Identifiers::one(Identifier::PhoneNumber),
            legacy_id_attribute: None,
            passwords: true,
        },
    );
    assert_eq!(plan.records.len(), 1);
    assert_eq!(plan.records[0].login_id, "+14155550188");
}

#[test]
fn cognito_csv_with_the_get_csv_header_columns() {
    let plan = planned(Format::Cognito, "cognito-users.csv", ReadOptions::default());
    assert_eq!(plan.read, 4);
    assert_eq!(plan.records.len(), 3);
    let niaj = by_email(&plan, "niaj@example.com");
    assert_eq!(
        niaj.legacy_id.as_deref(),
        Some("8f4e5b1a-0c2d-4e6f-8a9b-1c2d3e4f5a6b")
    );
    assert_eq!(niaj.record.phone_number.as_deref(), Some("+447700900123"));
    assert_eq!(niaj.record.phone_number_verified, Some(true));
    assert_eq!(niaj.record.zoneinfo.as_deref(), Some("Europe/London"));
    assert_eq!(niaj.record.locale.as_deref(), Some("en-GB"));
    assert_eq!(
        niaj.record.address.as_ref().unwrap().formatted.as_deref(),
        Some("1 High Street, London")
    );
    // Lowercased, so that Authgear's lookup by identifier finds it again.
    assert_eq!(
        by_email(&plan, "olivia@example.com").record.email_verified,
        None
    );
    assert_eq!(
        by_email(&plan, "peggy@example.com").record.disabled,
        Some(true)
    );
    assert_eq!(plan.passwords.left_out["cognito (not exportable)"], 3);
}

#[test]
fn cognito_list_users_json_and_custom_attributes_by_mapping() {
    let users = formats::read(
        Format::Cognito,
        &fixture("cognito-list-users.json"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(
        users[0].legacy_id.as_deref(),
        Some("5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f9a")
    );
    assert_eq!(users[1].record.disabled, Some(true));
    let mapped = formats::read(
        Format::Cognito,
        &fixture("cognito-users.csv"),
        &ReadOptions {
            mapping: Mapping::parse(
                &["custom_attributes.joined_on=custom:joinedOn".into()],
                None,
            )
            .unwrap(),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        mapped[0].record.custom_attributes["joined_on"],
        "2021-05-01"
    );
}

#[test]
fn supabase_auth_users_csv() {
    let plan = planned(
        Format::Supabase,
        "supabase-users.csv",
        ReadOptions::default(),
    );
    assert_eq!(plan.read, 7);
    let emails: Vec<&str> = plan
        .records
        .iter()
        .map(|planned| planned.login_id.as_str())
        .collect();
    assert_eq!(
        emails,
        [
            "rupert@example.com",
            "sybil@example.com",
            "walter@example.com",
            "xavier@example.com",
            "zara@example.com"
        ]
    );
    let rupert = by_email(&plan, "rupert@example.com");
    assert_eq!(rupert.record.name.as_deref(), Some("Rupert Supa"));
    assert_eq!(rupert.record.email_verified, Some(true));
    assert!(rupert.record.password.is_some());
    let walter = by_email(&plan, "walter@example.com");
    assert_eq!(
        walter.record.picture.as_deref(),
        Some("https://avatars.githubusercontent.com/u/1?v=4")
    );
    assert_eq!(walter.record.password, None);
    assert_eq!(
        by_email(&plan, "xavier@example.com").record.disabled,
        Some(true)
    );
    let zara = by_email(&plan, "zara@example.com");
    assert_eq!(zara.record.phone_number.as_deref(), Some("+15555550100"));
    assert_eq!(zara.record.email_verified, None);
    assert_eq!(plan.passwords.imported, 3);
    assert_eq!(plan.passwords.left_out["argon2"], 1);
    let why: Vec<String> = plan
        .skipped
        .iter()
        .map(|skipped| skipped.reason.label(&Identifiers::one(Identifier::Email)))
        .collect();
    assert_eq!(
        why,
        [
            "deleted in Supabase (deleted_at is set)",
            "anonymous Supabase user"
        ]
    );
}

#[test]
fn supabase_rows_as_json() {
    let plan = planned(
        Format::Supabase,
        "supabase-users.json",
        ReadOptions::default(),
    );
    assert_eq!(plan.records.len(), 2);
    let amy = by_email(&plan, "amy@example.com");
    assert_eq!(amy.record.name.as_deref(), Some("Amy Json"));
    assert!(amy.record.password.is_some());
    assert_eq!(plan.passwords.none, 1);
}

#[test]
fn generic_csv_with_a_mapping_file() {
    let mapping = Mapping::parse(&[], Some(&fixture("generic-mapping.json"))).unwrap();
    let plan = planned(
        Format::Generic,
        "generic-users.csv",
        ReadOptions {
            mapping,
            ..ReadOptions::default()
        },
    );
    assert_eq!(plan.read, 3);
    let carl = by_email(&plan, "carl@example.com");
    assert_eq!(carl.legacy_id.as_deref(), Some("1001"));
    assert_eq!(carl.record.custom_attributes["member_id"], "M-1001");
    assert_eq!(carl.record.custom_attributes["legacy_user_id"], "1001");
    assert_eq!(
        carl.record.address.as_ref().unwrap().country.as_deref(),
        Some("HK")
    );
    assert_eq!(
        carl.record.roles.as_deref(),
        Some(&["beta_tester".to_owned()][..])
    );
    assert!(carl.record.password.is_some());
    assert_eq!(by_email(&plan, "dora@example.com").record.password, None);
    assert_eq!(plan.passwords.left_out["pbkdf2"], 1);
    assert!(matches!(
        plan.skipped[0].reason,
        SkipReason::InvalidIdentifier { .. }
    ));
}

#[test]
fn generic_needs_a_mapping_and_a_known_layout() {
    let error = formats::read(
        Format::Generic,
        &fixture("generic-users.csv"),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("needs a field mapping"),
        "{error}"
    );
    let mapping = Mapping::parse(&["email=Email Address".into()], None).unwrap();
    let users = formats::read(
        Format::Generic,
        &fixture("generic-mapping.json"),
        &ReadOptions {
            mapping: mapping.clone(),
            input_kind: Some(InputKind::Csv),
            ..ReadOptions::default()
        },
    );
    // A JSON file read as CSV: one header, no email column, so no users with an email.
    assert!(
        users
            .map(|users| users.iter().all(|user| user.record.email.is_none()))
            .unwrap_or(true)
    );
    let cognito_as_auth0 = formats::read(
        Format::Auth0,
        &fixture("cognito-users.csv"),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(
        cognito_as_auth0.to_string().contains("record 1"),
        "{cognito_as_auth0}"
    );
}
