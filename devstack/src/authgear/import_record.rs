//! One User Import task: the records of a request, validated and imported one by one, each in
//! its own "transaction", the way pkg/lib/userimport/service.go (ImportRecords,
//! importRecordInTxn, insertRecordInTxn, upsertRecordInTxn) does it, against the devstack
//! project's configuration: email is the only login ID key, two custom attributes
//! (`member_id`, `legacy_user_id`, both strings), one role (`beta_tester`), no groups.
//!
//! What a record carries that the directory cannot hold (account validity period, groups, MFA
//! authenticators, phone and username login IDs) is validated and answered as Authgear does, then
//! forgotten.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::import_schema::{self, Cause};
use crate::seed::SeedUser;
use crate::users::{Directory, UserRecord, normalize_email};

/// The project's custom attributes (authgear.yaml `user_profile.custom_attributes`): pointer
/// name and JSON type. pkg/lib/feature/customattrs/service_noevent.go silently ignores the others.
const CUSTOM_ATTRIBUTES: &[&str] = &["member_id", "legacy_user_id"];
/// The project's roles (pkg/lib/rolesgroups: roles are created in the portal before import).
const ROLES: &[&str] = &["beta_tester"];
/// The project's groups: none.
const GROUPS: &[&str] = &[];

/// pkg/lib/userimport/model.go: nonIdentityAwareStandardAttributeKeys.
pub(crate) const NON_IDENTITY_AWARE_STANDARD_ATTRIBUTES: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "address",
];

/// pkg/lib/userimport/model.go: RedactPlaceholder.
const REDACTED: &str = "REDACTED";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identifier {
    Email,
    PhoneNumber,
    PreferredUsername,
}

impl Identifier {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(Self::Email),
            "phone_number" => Some(Self::PhoneNumber),
            "preferred_username" => Some(Self::PreferredUsername),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::PhoneNumber => "phone_number",
            Self::PreferredUsername => "preferred_username",
        }
    }
}

/// What a task was given: pkg/lib/userimport/model.go Request, as the job manager cut it (at most
/// 100 records).
#[derive(Clone, Debug)]
pub struct TaskInput {
    pub upsert: bool,
    pub identifier: Identifier,
    pub records: Vec<Value>,
}

/// pkg/lib/userimport/model.go: Summary.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
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

/// pkg/lib/userimport/model.go: Outcome.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Inserted,
    Updated,
    Skipped,
    Failed,
}

/// pkg/lib/userimport/model.go: Warning.
#[derive(Clone, Debug, Serialize)]
pub struct Warning {
    pub message: String,
}

/// pkg/api/apierrors/error.go: APIError, as it is marshalled (the embedded Kind first).
#[derive(Clone, Debug, Serialize)]
pub struct ApiError {
    pub name: &'static str,
    pub reason: String,
    pub message: String,
    pub code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Value>,
}

impl ApiError {
    pub fn new(name: &'static str, reason: &str, message: impl Into<String>) -> Self {
        // pkg/api/apierrors/kinds.go: Name.HTTPStatus.
        let code = match name {
            "BadRequest" | "Invalid" => 400,
            "Unauthorized" => 401,
            "Forbidden" => 403,
            "NotFound" => 404,
            "AlreadyExists" | "DataRace" => 409,
            "TooManyRequest" => 429,
            "ServiceUnavailable" => 503,
            "RequestEntityTooLarge" => 413,
            _ => 500,
        };
        Self {
            name,
            reason: reason.to_owned(),
            message: message.into(),
            code,
            info: None,
        }
    }

    pub fn with_info(mut self, info: Value) -> Self {
        self.info = Some(info);
        self
    }

    /// pkg/api/apierrors/error.go: asAPIError on a validation.AggregatedError.
    pub fn validation_failed(message: &str, causes: Vec<Cause>) -> Self {
        Self::new("Invalid", "ValidationFailed", message).with_info(json!({ "causes": causes }))
    }

    /// pkg/api/apierrors/error.go: asAPIError on anything that is not an API error.
    pub fn unexpected() -> Self {
        Self::new(
            "InternalError",
            "UnexpectedError",
            "unexpected error occurred",
        )
    }
}

/// pkg/lib/userimport/model.go: Detail.
#[derive(Clone, Debug, Serialize)]
pub struct Detail {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<Map<String, Value>>,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ApiError>,
}

/// pkg/lib/userimport/model.go: Result.
#[derive(Clone, Debug)]
pub struct TaskResult {
    pub summary: Summary,
    pub details: Vec<Detail>,
}

/// pkg/lib/userimport/service.go: ImportRecords.
pub fn import_records(users: &Directory, input: &TaskInput, now: i64) -> TaskResult {
    let mut summary = Summary {
        total: input.records.len(),
        ..Summary::default()
    };
    let mut details = Vec::with_capacity(input.records.len());
    for (index, raw) in input.records.iter().enumerate() {
        let detail = import_record(users, input, index, raw, now);
        match detail.outcome {
            Outcome::Inserted => summary.inserted += 1,
            Outcome::Updated => summary.updated += 1,
            Outcome::Skipped => summary.skipped += 1,
            Outcome::Failed => summary.failed += 1,
        }
        details.push(detail);
    }
    TaskResult { summary, details }
}

/// pkg/lib/userimport/service.go: importRecordInConn. The outcome is `failed` unless the
/// transaction completes; the record comes back redacted.
fn import_record(
    users: &Directory,
    input: &TaskInput,
    index: usize,
    raw: &Value,
    now: i64,
) -> Detail {
    let mut detail = Detail {
        index,
        record: None,
        outcome: Outcome::Failed,
        user_id: None,
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    // Even when validation fails, the record is unmarshalled "to provide context".
    let mut record = raw.as_object().cloned();
    let result = import_record_in_txn(users, input, raw, &mut detail, now);
    if let Some(record) = record.as_mut() {
        redact(record);
    }
    detail.record = record.filter(|record| !record.is_empty());
    if let Err(error) = result {
        // A failed transaction leaves nothing behind, and its outcome stays `failed`.
        detail.outcome = Outcome::Failed;
        detail.user_id = None;
        detail.errors = vec![error];
    }
    detail
}

/// pkg/lib/userimport/service.go: importRecordInTxn.
fn import_record_in_txn(
    users: &Directory,
    input: &TaskInput,
    raw: &Value,
    detail: &mut Detail,
    now: i64,
) -> Result<(), ApiError> {
    // options.RecordSchema().Validator().ParseJSONRawMessage: "invalid value".
    let causes = import_schema::validate_record(input.identifier, raw);
    if !causes.is_empty() {
        return Err(ApiError::validation_failed("invalid value", causes));
    }
    let record = raw.as_object().expect("the schema requires an object");
    let value = record
        .get(input.identifier.as_str())
        .and_then(Value::as_str)
        .expect("the schema requires the identifier");
    // Identities.ListByClaim(identifier, value): the value as given against the normalized claim.
    // Only email login IDs exist here, so phone numbers and usernames never match.
    let existing = match input.identifier {
        Identifier::Email => users.by_normalized_email(value),
        Identifier::PhoneNumber | Identifier::PreferredUsername => None,
    };
    match existing {
        None => insert(users, record, detail, now),
        Some(user) if input.upsert => upsert(users, input.identifier, record, user, detail),
        Some(user) => {
            detail.user_id = Some(user.authgear_id.clone());
            detail.outcome = Outcome::Skipped;
            warn(detail, "skipping because upsert = false and user exists");
            Ok(())
        }
    }
}

/// pkg/lib/userimport/service.go: insertRecordInTxn and the insert*InTxn steps, in their order.
fn insert(
    users: &Directory,
    record: &Map<String, Value>,
    detail: &mut Detail,
    now: i64,
) -> Result<(), ApiError> {
    // insertIdentitiesInTxn.
    let mut email = None;
    match record.get("email") {
        None => {}
        Some(Value::Null) => warn(detail, "email = null has no effect in insert."),
        Some(value) => {
            let value = value.as_str().unwrap_or_default();
            // loginid/provider.go: New normalizes the trimmed value.
            email = normalize_email(value.trim());
        }
    }
    for key in ["phone_number", "preferred_username"] {
        match record.get(key) {
            None => {}
            Some(Value::Null) => warn(detail, &format!("{key} = null has no effect in insert.")),
            // LoginIDConfig.GetKeyConfig: the devstack allows email only.
            Some(_) => warn(
                detail,
                &format!("{key} is ignored because it is not an allowed login ID."),
            ),
        }
    }
    if let Some(email) = &email {
        // Identities.CheckDuplicated.
        if users.by_normalized_email(email).is_some() {
            return Err(duplicated_identity());
        }
    }

    // insertVerifiedClaimsInTxn.
    let mut email_verified = false;
    match record.get("email_verified").and_then(Value::as_bool) {
        None => {}
        Some(false) => warn(detail, "email_verified = false has no effect in insert."),
        Some(true) if email.is_none() => warn(
            detail,
            "email_verified = true has no effect when email is absent.",
        ),
        Some(true) => email_verified = true,
    }
    match record.get("phone_number_verified").and_then(Value::as_bool) {
        None => {}
        Some(false) => warn(
            detail,
            "phone_number_verified = false has no effect in insert.",
        ),
        // No phone login ID is ever created here.
        Some(true) => warn(
            detail,
            "phone_number_verified = true has no effect when phone_number is absent.",
        ),
    }

    // insertStandardAttributesInTxn: stdattrs.T{}.MergedWithList (null removes).
    let mut standard_attributes = Map::new();
    merge_standard_attributes(&mut standard_attributes, record);
    if let Some(email) = &email {
        // The identity-aware attribute comes from the login ID's claims.
        standard_attributes.insert("email".into(), email.clone().into());
    }

    // insertCustomAttributesInTxn.
    let mut custom_attributes = Map::new();
    merge_custom_attributes(&mut custom_attributes, record)?;

    // insertAccountStatusInTxn.
    let mut disabled = false;
    match record.get("disabled").and_then(Value::as_bool) {
        None => {}
        Some(false) => warn(detail, "disabled = false has no effect in insert."),
        Some(true) => disabled = true,
    }

    // insertRolesInTxn / insertGroupsInTxn: rolesgroups Store.ResetUserRole / ResetUserGroup.
    let roles = reset_keys(&[], record.get("roles"), ROLES, "RoleUnknownKeys", "role")?;
    reset_keys(
        &[],
        record.get("groups"),
        GROUPS,
        "GroupUnknownKeys",
        "group",
    )?;

    // insertPasswordInTxn, insertMFAPasswordInTxn: authenticator/password/provider.go New checks
    // the hash with pkg/util/password CheckHash.
    let password_hash = match record.get("password") {
        Some(Value::Object(password)) => Some(checked_hash(password)?),
        _ => None,
    };
    if let Some(Value::Object(mfa)) = record.get("mfa") {
        if let Some(Value::Object(password)) = mfa.get("password") {
            checked_hash(password)?;
        }
        // insertMFAOOBOTPEmailInTxn / insertMFAOOBOTPPhoneInTxn.
        for key in ["email", "phone_number"] {
            if mfa.get(key) == Some(&Value::Null) {
                warn(
                    detail,
                    &format!("mfa.{key} = null has no effect in insert."),
                );
            }
        }
    }

    let seed = SeedUser {
        email: email.unwrap_or_default(),
        email_verified,
        standard_attributes,
        custom_attributes,
        roles,
        disabled,
        password_hash,
    };
    let user = users.insert(seed, now).map_err(|_| duplicated_identity())?;
    detail.user_id = Some(user.authgear_id.clone());
    detail.outcome = Outcome::Inserted;
    Ok(())
}

/// pkg/lib/userimport/service.go: upsertRecordInTxn and the upsert*InTxn steps, in their order.
fn upsert(
    users: &Directory,
    identifier: Identifier,
    record: &Map<String, Value>,
    user: &UserRecord,
    detail: &mut Detail,
) -> Result<(), ApiError> {
    let mut seed = user.seed.clone();

    // upsertIdentitiesInTxn: with identifier email, the phone number and username login IDs.
    debug_assert_eq!(identifier, Identifier::Email);
    for key in ["phone_number", "preferred_username"] {
        match record.get(key) {
            // removeIdentityInTxn: there are none to remove.
            None | Some(Value::Null) => {}
            // upsertIdentityInTxn: Identities.New runs the login ID checker
            // (loginid/checker.go), which refuses a key the config does not have.
            Some(_) => {
                return Err(ApiError::validation_failed(
                    "invalid login ID",
                    vec![Cause::general("/login_id", "login ID key is not allowed")],
                ));
            }
        }
    }

    // upsertVerifiedClaimsInTxn: upsertEmailVerifiedInTxn.
    if let Some(verified) = record.get("email_verified").and_then(Value::as_bool) {
        match record.get("email") {
            None => warn(detail, "email_verified has no effect when email is absent."),
            Some(Value::Null) => warn(detail, "email_verified has no effect when email = null."),
            Some(email) => {
                // The claim is set only when the login ID's (normalized) claim equals the value.
                if email.as_str() == Some(seed.email.as_str()) {
                    seed.email_verified = verified;
                }
            }
        }
    }
    if let Some(_verified) = record.get("phone_number_verified").and_then(Value::as_bool) {
        match record.get("phone_number") {
            None => warn(
                detail,
                "phone_number_verified has no effect when phone_number is absent.",
            ),
            Some(Value::Null) => warn(
                detail,
                "phone_number_verified has no effect when phone_number = null.",
            ),
            // No phone login ID exists to match.
            Some(_) => {}
        }
    }

    // upsertStandardAttributesInTxn / upsertCustomAttributesInTxn.
    merge_standard_attributes(&mut seed.standard_attributes, record);
    merge_custom_attributes(&mut seed.custom_attributes, record)?;

    // upsertAccountStatusInTxn: an impossible transition is a warning, not an error.
    match record.get("disabled").and_then(Value::as_bool) {
        None => {}
        Some(true) if seed.disabled => warn(
            detail,
            "invalid account status transition: disabled -> disabled",
        ),
        Some(false) if !seed.disabled => warn(
            detail,
            "invalid account status transition: normal -> normal",
        ),
        Some(disabled) => seed.disabled = disabled,
    }

    // upsertRolesInTxn / upsertGroupsInTxn.
    seed.roles = reset_keys(
        &seed.roles,
        record.get("roles"),
        ROLES,
        "RoleUnknownKeys",
        "role",
    )?;
    reset_keys(
        &[],
        record.get("groups"),
        GROUPS,
        "GroupUnknownKeys",
        "group",
    )?;

    // password, mfa.password and mfa.totp: update behaviour IGNORED.

    let updated = users
        .update(&user.authgear_id, seed)
        .ok_or_else(ApiError::unexpected)?
        .map_err(|_| duplicated_identity())?;
    detail.user_id = Some(updated.authgear_id.clone());
    detail.outcome = Outcome::Updated;
    Ok(())
}

fn warn(detail: &mut Detail, message: &str) {
    detail.warnings.push(Warning {
        message: message.to_owned(),
    });
}

/// pkg/lib/authn/identity/errors.go: NewErrDuplicatedIdentity, for an email login ID that another
/// user has.
pub(super) fn duplicated_identity() -> ApiError {
    ApiError::new("Invalid", "InvariantViolated", "identity already exists").with_info(json!({
        "IdentityTypeExisting": "login_id",
        "IdentityTypeIncoming": "login_id",
        "LoginIDTypeExisting": "email",
        "LoginIDTypeIncoming": "email",
        "cause": {"kind": "DuplicatedIdentity"},
    }))
}

/// UPDATED_IF_PRESENT_AND_REMOVED_IF_NULL for each non-identity-aware standard attribute
/// (`address` replaced whole, never merged).
fn merge_standard_attributes(into: &mut Map<String, Value>, record: &Map<String, Value>) {
    for key in NON_IDENTITY_AWARE_STANDARD_ATTRIBUTES {
        match record.get(*key) {
            None => {}
            Some(Value::Null) => {
                into.remove(*key);
            }
            Some(value) => {
                into.insert((*key).to_owned(), value.clone());
            }
        }
    }
}

/// pkg/lib/feature/customattrs/service_noevent.go: UpdateCustomAttributesWithList. Attributes
/// the project does not define are ignored; defined ones are checked against their type
/// (string here).
pub(super) fn merge_custom_attributes(
    into: &mut Map<String, Value>,
    record: &Map<String, Value>,
) -> Result<(), ApiError> {
    let Some(Value::Object(given)) = record.get("custom_attributes") else {
        return Ok(());
    };
    let mut causes = Vec::new();
    for name in CUSTOM_ATTRIBUTES {
        match given.get(*name) {
            None => {}
            Some(Value::Null) => {
                into.remove(*name);
            }
            Some(Value::String(text)) => {
                into.insert((*name).to_owned(), text.clone().into());
            }
            Some(other) => causes.push(Cause::type_mismatch(
                &format!("/{name}"),
                other,
                &["string"],
            )),
        }
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation_failed("invalid value", causes))
    }
}

/// rolesgroups Store.ResetUserRole / ResetUserGroup: the user ends with exactly the keys given;
/// a key to add that the project does not define is `unknown role keys` / `unknown group keys`.
fn reset_keys(
    current: &[String],
    given: Option<&Value>,
    defined: &[&str],
    reason: &str,
    noun: &str,
) -> Result<Vec<String>, ApiError> {
    let Some(Value::Array(items)) = given else {
        return Ok(current.to_vec());
    };
    let keys: Vec<String> = items
        .iter()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&String> = keys
        .iter()
        .filter(|key| !current.contains(key) && !defined.contains(&key.as_str()))
        .collect();
    if !missing.is_empty() {
        return Err(
            ApiError::new("NotFound", reason, format!("unknown {noun} keys"))
                .with_info(json!({ "keys": missing })),
        );
    }
    Ok(keys)
}

/// pkg/util/password/dispatch.go CheckHash, then authenticator/password/error.go
/// TranslateBcryptError.
fn checked_hash(password: &Map<String, Value>) -> Result<String, ApiError> {
    let hash = password
        .get("password_hash")
        .and_then(Value::as_str)
        .unwrap_or_default();
    check_hash(hash)?;
    Ok(hash.to_owned())
}

pub fn check_hash(hash: &str) -> Result<(), ApiError> {
    let invalid = |message: String| ApiError::new("Invalid", "InvalidBcryptHash", message);
    // format.go: parsePasswordFormat wants `$<id>$<data>`; anything else is a plain Go error,
    // which the API answers as an unexpected error.
    let bytes = hash.as_bytes();
    if bytes.first() != Some(&b'$') {
        return Err(ApiError::unexpected());
    }
    let Some(second) = bytes[1..].iter().position(|byte| *byte == b'$') else {
        return Err(ApiError::unexpected());
    };
    let id = &hash[1..=second];
    // bcrypt_sha512.go: `$bcrypt-sha512$<bcrypt hash>` checks the inner hash.
    let bcrypt = if id == "bcrypt-sha512" {
        &bytes[second + 2..]
    } else {
        bytes
    };
    // golang.org/x/crypto/bcrypt: Cost → newFromHash → decodeVersion → decodeCost.
    const MIN_HASH_SIZE: usize = 59;
    if bcrypt.len() < MIN_HASH_SIZE {
        return Err(invalid(
            "crypto/bcrypt: hashedSecret too short to be a bcrypted password".into(),
        ));
    }
    if bcrypt[0] != b'$' {
        return Err(invalid(format!(
            "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '{}'",
            char::from(bcrypt[0])
        )));
    }
    if bcrypt[1] > b'2' {
        return Err(invalid(format!(
            "crypto/bcrypt: bcrypt algorithm version '{}' requested is newer than current version '2'",
            char::from(bcrypt[1])
        )));
    }
    let at = if bcrypt[2] == b'$' { 3 } else { 4 };
    // strconv.Atoi failing is not a bcrypt error: unexpected.
    let cost: i64 = std::str::from_utf8(&bcrypt[at..at + 2])
        .ok()
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(ApiError::unexpected)?;
    if !(4..=31).contains(&cost) {
        return Err(invalid(format!(
            "crypto/bcrypt: cost {cost} is outside allowed inclusive range 4..31"
        )));
    }
    Ok(())
}

/// pkg/lib/userimport/model.go: Record.Redact (and MFA.Redact): hashes and TOTP secrets are
/// replaced by `REDACTED`; a member of the wrong shape is replaced whole.
fn redact(record: &mut Map<String, Value>) {
    fn redact_password(slot: &mut Value) {
        match slot {
            Value::Object(password) => {
                password.insert("password_hash".into(), REDACTED.into());
            }
            Value::Null => {}
            other => *other = REDACTED.into(),
        }
    }
    if let Some(password) = record.get_mut("password") {
        redact_password(password);
    }
    match record.get_mut("mfa") {
        Some(Value::Object(mfa)) => {
            if let Some(password) = mfa.get_mut("password") {
                redact_password(password);
            }
            match mfa.get_mut("totp") {
                Some(Value::Object(totp)) => {
                    totp.insert("secret".into(), REDACTED.into());
                }
                Some(Value::Null) | None => {}
                Some(other) => *other = REDACTED.into(),
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => *other = REDACTED.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

    fn directory() -> Directory {
        Directory::new(Vec::new(), 0)
    }

    fn run(users: &Directory, upsert: bool, records: Value) -> TaskResult {
        let input = TaskInput {
            upsert,
            identifier: Identifier::Email,
            records: records.as_array().unwrap().clone(),
        };
        import_records(users, &input, 0)
    }

    #[test]
    fn inserts_then_skips_or_updates_by_identifier() {
        let users = directory();
        let first = run(
            &users,
            false,
            json!([{"email": "erin@example.com", "email_verified": true, "name": "Erin",
                    "password": {"type": "bcrypt", "password_hash": HASH}}]),
        );
        assert_eq!(first.summary.inserted, 1);
        let detail = serde_json::to_value(&first.details[0]).unwrap();
        assert_eq!(detail["record"]["password"]["password_hash"], "REDACTED");
        let user = users.by_normalized_email("erin@example.com").unwrap();
        assert!(user.seed.email_verified);
        assert_eq!(user.seed.password_hash.as_deref(), Some(HASH));

        let again = run(&users, false, json!([{"email": "erin@example.com"}]));
        assert_eq!(again.details[0].outcome, Outcome::Skipped);
        assert_eq!(
            again.details[0].warnings[0].message,
            "skipping because upsert = false and user exists"
        );
        let updated = run(
            &users,
            true,
            json!([{"email": "erin@example.com", "name": null, "disabled": true}]),
        );
        assert_eq!(updated.details[0].outcome, Outcome::Updated);
        let user = users.by_normalized_email("erin@example.com").unwrap();
        assert!(user.seed.disabled);
        assert!(!user.seed.standard_attributes.contains_key("name"));
        assert_eq!(users.current().len(), 1);
    }

    #[test]
    fn an_unnormalized_identifier_is_not_found_and_then_collides() {
        let users = directory();
        run(&users, false, json!([{"email": "erin@example.com"}]));
        let result = run(&users, true, json!([{"email": "Erin@Example.com"}]));
        let detail = &result.details[0];
        assert_eq!(detail.outcome, Outcome::Failed);
        assert_eq!(detail.errors[0].reason, "InvariantViolated");
        assert_eq!(users.current().len(), 1);
    }

    #[test]
    fn insert_warnings_follow_the_go_messages() {
        let users = directory();
        let result = run(
            &users,
            false,
            json!([{"email": "f@example.com", "email_verified": false, "disabled": false,
                    "phone_number": "+85298765432"}]),
        );
        let messages: Vec<&str> = result.details[0]
            .warnings
            .iter()
            .map(|warning| warning.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "phone_number is ignored because it is not an allowed login ID.",
                "email_verified = false has no effect in insert.",
                "disabled = false has no effect in insert.",
            ]
        );
    }

    #[test]
    fn failures_roll_back_and_carry_the_api_error() {
        let users = directory();
        let result = run(
            &users,
            false,
            json!([
                {"email": "a@example.com", "password": {"type": "bcrypt", "password_hash": "$2a$10$short"}},
                {"email": "b@example.com", "roles": ["admin"]},
                {"email": "not an email"},
                {"email": "c@example.com", "password": {"type": "md5", "password_hash": "x"}},
                {"email": "d@example.com", "custom_attributes": {"member_id": 7, "other": 1}},
            ]),
        );
        assert_eq!(result.summary.failed, 5);
        assert_eq!(users.current().len(), 0);
        let reasons: Vec<&str> = result
            .details
            .iter()
            .map(|detail| detail.errors[0].reason.as_str())
            .collect();
        assert_eq!(
            reasons,
            [
                "InvalidBcryptHash",
                "RoleUnknownKeys",
                "ValidationFailed",
                "ValidationFailed",
                "ValidationFailed"
            ]
        );
    }

    #[test]
    fn bcrypt_checks_are_those_of_x_crypto() {
        assert!(check_hash(HASH).is_ok());
        assert!(check_hash(&format!("$bcrypt-sha512${HASH}")).is_ok());
        assert_eq!(check_hash("plain").unwrap_err().reason, "UnexpectedError");
        assert_eq!(
            check_hash(&HASH.replace("$2a$10", "$3a$10"))
                .unwrap_err()
                .message,
            "crypto/bcrypt: bcrypt algorithm version '3' requested is newer than current version '2'"
        );
        assert_eq!(
            check_hash(&HASH.replace("$2a$10", "$2a$03"))
                .unwrap_err()
                .message,
            "crypto/bcrypt: cost 3 is outside allowed inclusive range 4..31"
        );
    }
}
