//! From the users an export gave to the records that will be sent: normalize the login IDs as
//! Authgear stores them, attach the legacy ID and the password (bcrypt only), check everything
//! against Authgear's schema, and keep one record per identifier. Every user left out, and
//! every attribute dropped, is accounted for.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::formats::{PasswordSource, SourceUser};
use crate::record::{self, Identifier, ImportRecord, Password};

/// The identifiers of one import, in order of preference (`--identifier
/// email,phone_number,preferred_username`): each user is imported under the first one they have,
/// so that a base mixing email, phone-only and username users goes in with one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identifiers(Vec<Identifier>);

impl Identifiers {
    /// `list` without repeats; an empty list means `email`, the default.
    pub fn new(list: &[Identifier]) -> Self {
        let mut unique = Vec::new();
        for identifier in list {
            if !unique.contains(identifier) {
                unique.push(*identifier);
            }
        }
        if unique.is_empty() {
            unique.push(Identifier::Email);
        }
        Self(unique)
    }

    pub fn one(identifier: Identifier) -> Self {
        Self(vec![identifier])
    }

    pub fn as_slice(&self) -> &[Identifier] {
        &self.0
    }

    pub fn contains(&self, identifier: Identifier) -> bool {
        self.0.contains(&identifier)
    }

    /// The names joined by `separator`, e.g. `email,phone_number`.
    pub fn joined(&self, separator: &str) -> String {
        let names: Vec<&str> = self
            .0
            .iter()
            .map(|identifier| identifier.as_str())
            .collect();
        names.join(separator)
    }

    /// The first identifier the record has a value for (else the first of all, which then
    /// names what is missing).
    fn choose(&self, record: &ImportRecord) -> Identifier {
        self.0
            .iter()
            .copied()
            .find(|identifier| record.identifier(*identifier).is_some())
            .unwrap_or(self.0[0])
    }

    /// Where a record's identifier ranks: records are sent grouped by it, one request each.
    pub fn rank(&self, identifier: Identifier) -> usize {
        self.0
            .iter()
            .position(|i| *i == identifier)
            .unwrap_or(usize::MAX)
    }
}

impl std::fmt::Display for Identifiers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.joined(" or "))
    }
}

#[derive(Clone, Debug)]
pub struct PlanOptions {
    pub identifier: Identifiers,
    /// The custom attribute that receives the legacy user ID (it must exist in the project:
    /// Authgear ignores custom attributes it does not define).
    pub legacy_id_attribute: Option<String>,
    /// `false` leaves every password out (`--no-passwords`).
    pub passwords: bool,
}

/// A record that will be sent.
#[derive(Clone, Debug)]
pub struct Planned {
    /// Where it came from in the export (1-based).
    pub position: usize,
    pub legacy_id: Option<String>,
    /// The identifier it is imported under, and its normalized value.
    pub identifier: Identifier,
    pub login_id: String,
    pub record: ImportRecord,
}

/// Why a user is not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// The export marks the user as not to import (deleted, anonymous).
    Excluded { why: String },
    /// No value for the identifier.
    MissingIdentifier,
    /// The identifier's value fails Authgear's format.
    InvalidIdentifier { why: String },
    /// Another record earlier in the export has the same identifier.
    Duplicate { first_position: usize },
    /// The record alone is over the request size limit.
    TooLarge { bytes: usize },
}

impl SkipReason {
    /// A short label to group by in the summary.
    pub fn label(&self, identifier: &Identifiers) -> String {
        match self {
            Self::Excluded { why } => why.clone(),
            Self::MissingIdentifier => format!("no {identifier}"),
            Self::InvalidIdentifier { .. } => format!("invalid {identifier}"),
            Self::Duplicate { .. } => format!("duplicate {identifier}"),
            Self::TooLarge { .. } => "record over the request size limit".into(),
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Self::Excluded { why } => why.clone(),
            Self::MissingIdentifier => "no value for the identifier".into(),
            Self::InvalidIdentifier { why } => why.clone(),
            Self::Duplicate { first_position } => {
                format!("same identifier as record {first_position}, which is imported")
            }
            Self::TooLarge { bytes } => format!("{bytes} bytes alone"),
        }
    }
}

/// A user that is not imported.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub position: usize,
    pub legacy_id: Option<String>,
    pub login_id: Option<String>,
    pub reason: SkipReason,
}

/// Passwords, by what became of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PasswordCounts {
    /// bcrypt hashes sent.
    pub imported: usize,
    /// Users the export had no password for (social, passwordless, SSO).
    pub none: usize,
    /// Left out, by scheme (`firebase-scrypt`, `argon2`, `cognito (not exportable)`,
    /// `malformed bcrypt`, `--no-passwords`).
    pub left_out: BTreeMap<String, usize>,
}

impl PasswordCounts {
    pub fn left_out_total(&self) -> usize {
        self.left_out.values().sum()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub read: usize,
    pub records: Vec<Planned>,
    pub skipped: Vec<Skipped>,
    /// Passwords of the records to send (skipped users are not counted).
    pub passwords: PasswordCounts,
    /// Attributes removed because they would fail Authgear's schema, by name.
    pub dropped_attributes: BTreeMap<String, usize>,
}

pub fn plan(users: Vec<SourceUser>, options: &PlanOptions) -> Plan {
    let mut plan = Plan {
        read: users.len(),
        ..Plan::default()
    };
    let identifiers = &options.identifier;
    let mut first_by_login_id: HashMap<(&'static str, String), usize> = HashMap::new();
    // Secondary login IDs (an email when the identifier is the phone number, …) must be unique
    // too, or the later user fails at Authgear as a duplicated identity.
    let mut secondary: HashMap<(&'static str, String), usize> = HashMap::new();

    for user in users {
        let SourceUser {
            position,
            legacy_id,
            mut record,
            password,
            exclude,
            ..
        } = user;
        let skip = |reason, login_id| Skipped {
            position,
            legacy_id: legacy_id.clone(),
            login_id,
            reason,
        };
        if let Some(why) = exclude {
            plan.skipped.push(skip(SkipReason::Excluded { why }, None));
            continue;
        }
        record.tidy();
        normalize_login_ids(&mut record);
        // `false` flags are left out: on insert Authgear ignores them (with a warning), and on
        // upsert they would un-verify an email or re-enable a user that was set otherwise.
        for flag in [
            &mut record.email_verified,
            &mut record.phone_number_verified,
            &mut record.disabled,
        ] {
            if *flag == Some(false) {
                *flag = None;
            }
        }
        if let (Some(attribute), Some(id)) = (&options.legacy_id_attribute, &legacy_id) {
            record
                .custom_attributes
                .insert(attribute.clone(), id.clone().into());
        }
        let identifier = identifiers.choose(&record);
        let login_id = record.identifier(identifier).map(str::to_owned);
        let dropped = match record::validate(&mut record, identifier) {
            Ok(dropped) => dropped,
            Err(why) => {
                let reason = if login_id.is_none() {
                    SkipReason::MissingIdentifier
                } else {
                    SkipReason::InvalidIdentifier { why }
                };
                plan.skipped.push(skip(reason, login_id));
                continue;
            }
        };
        let login_id = login_id.expect("validated");
        if let Some(&first_position) =
            first_by_login_id.get(&(identifier.as_str(), login_id.clone()))
        {
            plan.skipped.push(skip(
                SkipReason::Duplicate { first_position },
                Some(login_id),
            ));
            continue;
        }
        first_by_login_id.insert((identifier.as_str(), login_id.clone()), position);
        for name in dropped {
            *plan.dropped_attributes.entry(name.to_owned()).or_default() += 1;
        }
        for (name, slot) in [
            ("email", &mut record.email),
            ("phone_number", &mut record.phone_number),
            ("preferred_username", &mut record.preferred_username),
        ] {
            if name == identifier.as_str() {
                continue;
            }
            if let Some(value) = slot.clone() {
                if secondary.contains_key(&(name, value.clone())) {
                    *slot = None;
                    *plan
                        .dropped_attributes
                        .entry(format!("{name} (used by an earlier record)"))
                        .or_default() += 1;
                } else {
                    secondary.insert((name, value), position);
                }
            }
        }
        if record.email.is_none() {
            record.email_verified = None;
        }
        if record.phone_number.is_none() {
            record.phone_number_verified = None;
        }
        attach_password(
            &mut record,
            password,
            options.passwords,
            &mut plan.passwords,
        );
        plan.records.push(Planned {
            position,
            legacy_id,
            identifier,
            login_id,
            record,
        });
    }
    // One request has one identifier: the records go grouped by it, in export order within.
    plan.records
        .sort_by_key(|planned| identifiers.rank(planned.identifier));
    plan
}

fn normalize_login_ids(record: &mut ImportRecord) {
    if let Some(email) = record.email.as_mut() {
        *email = record::normalize_login_id(Identifier::Email, email);
    }
    if let Some(phone) = record.phone_number.as_mut() {
        *phone = record::normalize_login_id(Identifier::PhoneNumber, phone);
    }
    if let Some(username) = record.preferred_username.as_mut() {
        *username = record::normalize_login_id(Identifier::PreferredUsername, username);
    }
}

fn attach_password(
    record: &mut ImportRecord,
    password: PasswordSource,
    wanted: bool,
    counts: &mut PasswordCounts,
) {
    let mut left_out = |why: String| *counts.left_out.entry(why).or_default() += 1;
    match password {
        PasswordSource::None => counts.none += 1,
        _ if !wanted => left_out("--no-passwords".into()),
        PasswordSource::Bcrypt(hash) if is_acceptable_bcrypt(&hash) => {
            record.password = Some(Password::bcrypt(&hash));
            counts.imported += 1;
        }
        PasswordSource::Bcrypt(_) => left_out("malformed bcrypt".into()),
        PasswordSource::Unsupported(scheme) => left_out(scheme),
        PasswordSource::NotExportable(system) => left_out(format!("{system} (not exportable)")),
    }
}

/// What Authgear checks of an imported hash (pkg/util/password CheckHash, then
/// golang.org/x/crypto/bcrypt Cost): at least 59 bytes, `$`, version at most 2, cost 4 to 31.
pub fn is_acceptable_bcrypt(hash: &str) -> bool {
    let bytes = hash.as_bytes();
    if bytes.len() < 59 || bytes[0] != b'$' || bytes[1] > b'2' {
        return false;
    }
    let at = if bytes[2] == b'$' { 3 } else { 4 };
    hash.get(at..at + 2)
        .and_then(|digits| digits.parse::<u32>().ok())
        .is_some_and(|cost| (4..=31).contains(&cost))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Raw;

    const HASH: &str = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

    fn user(position: usize, email: &str, password: PasswordSource) -> SourceUser {
        let mut user = SourceUser::new(position, Raw::Csv(Default::default()));
        user.record.email = Some(email.into());
        user.legacy_id = Some(format!("legacy|{position}"));
        user.password = password;
        user
    }

    #[test]
    fn normalizes_deduplicates_and_counts() {
        let users = vec![
            user(1, " Alice@Example.com", PasswordSource::Bcrypt(HASH.into())),
            user(2, "alice@example.com", PasswordSource::None),
            user(
                3,
                "bob@example.com",
                PasswordSource::Unsupported("argon2".into()),
            ),
            user(4, "", PasswordSource::None),
            user(5, "not-an-email", PasswordSource::None),
            user(
                6,
                "carol@example.com",
                PasswordSource::Bcrypt("$2b$10$short".into()),
            ),
        ];
        let options = PlanOptions {
            identifier: Identifiers::one(Identifier::Email),
            legacy_id_attribute: Some("legacy_user_id".into()),
            passwords: true,
        };
        let plan = plan(users, &options);
        assert_eq!(plan.read, 6);
        let logins: Vec<&str> = plan.records.iter().map(|r| r.login_id.as_str()).collect();
        assert_eq!(
            logins,
            ["alice@example.com", "bob@example.com", "carol@example.com"]
        );
        assert_eq!(
            plan.records[0].record.custom_attributes["legacy_user_id"],
            "legacy|1"
        );
        let reasons: Vec<&SkipReason> = plan.skipped.iter().map(|s| &s.reason).collect();
        assert_eq!(
            reasons,
            [
                &SkipReason::Duplicate { first_position: 1 },
                &SkipReason::MissingIdentifier,
                &SkipReason::InvalidIdentifier {
                    why: "invalid email: mail: missing @ in addr-spec".into()
                },
            ]
        );
        assert_eq!(plan.passwords.imported, 1);
        assert_eq!(plan.passwords.left_out["argon2"], 1);
        assert_eq!(plan.passwords.left_out["malformed bcrypt"], 1);
    }

    #[test]
    fn a_mixed_base_is_imported_each_user_under_the_identifier_they_have() {
        let mut phone_only = user(2, "", PasswordSource::None);
        phone_only.record.phone_number = Some("+1 415 555 0100".into());
        let mut username_only = user(3, "", PasswordSource::None);
        username_only.record.preferred_username = Some("Dora".into());
        let mut both = user(4, "erin@example.com", PasswordSource::None);
        both.record.phone_number = Some("+14155550101".into());
        let nothing = user(5, "", PasswordSource::None);
        let users = vec![
            user(1, "carl@example.com", PasswordSource::None),
            phone_only,
            username_only,
            both,
            nothing,
        ];
        let options = PlanOptions {
            identifier: Identifiers::new(&[
                Identifier::Email,
                Identifier::PhoneNumber,
                Identifier::PreferredUsername,
            ]),
            legacy_id_attribute: None,
            passwords: true,
        };
        let plan = plan(users, &options);
        let chosen: Vec<(usize, Identifier, &str)> = plan
            .records
            .iter()
            .map(|r| (r.position, r.identifier, r.login_id.as_str()))
            .collect();
        assert_eq!(
            chosen,
            [
                (1, Identifier::Email, "carl@example.com"),
                (4, Identifier::Email, "erin@example.com"),
                (2, Identifier::PhoneNumber, "+14155550100"),
                (3, Identifier::PreferredUsername, "dora"),
            ]
        );
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(
            plan.skipped[0].reason.label(&options.identifier),
            "no email or phone_number or preferred_username"
        );
    }

    #[test]
    fn bcrypt_shape() {
        assert!(is_acceptable_bcrypt(HASH));
        assert!(!is_acceptable_bcrypt(&HASH.replace("$10$", "$03$")));
        assert!(!is_acceptable_bcrypt(&HASH.replace("$2b$", "$3b$")));
    }
}
