//! The Admin API's `createUser` mutation, with the default login ID config (one key, `email`)
//! and the default primary authenticators (`password` only).
//!
//! Follows, in their order: pkg/admin/graphql/user_mutation.go (the resolver),
//! pkg/admin/model/identity.go (ParseIdentityDef), pkg/admin/facade/user.go (Create: the login
//! ID key), pkg/lib/facade/coordinator.go (UserCreatebyAdmin: a new UUID, the identity, the
//! duplicate check, identity-aware standard attributes, primary authenticators),
//! pkg/lib/authn/identity/loginid/checker.go and type_checkers.go (ValidateOne: length, required,
//! email format) and provider.go (New: the trimmed value, normalized).
//!
//! The user joins the one directory (`crate::users`) as a User Import API insert does: found by
//! getUserByLoginID, given sessions by createSession, listed in `/__devstack/state`, kept by a
//! reset. Not emulated (a GraphQL error with `extensions.devstack: "not emulated"`): a
//! `password` other than `null` (the password policy, generated passwords and `sendPassword`'s
//! message), and `accountValidFrom` / `accountValidUntil` (account status other than
//! `disabled`). `setPasswordExpired` and `sendPassword` change nothing without a password, as in
//! Authgear. The resolver fires `user.created` with `triggered_by: "admin_api"` (hooks.rs);
//! `admin_api.mutation.create_user.executed` is not emulated.

use authgear_migrate_admin::formats::check_email;
use serde_json::{Map, Value, json};

use super::Authgear;
use super::import_record::{ApiError, duplicated_identity};
use super::import_schema::Cause;
use crate::seed::SeedUser;
use crate::users::{UserRecord, normalize_email};

/// pkg/lib/config/identity.go: LoginIDKeyConfig.SetDefaults, the `max_length` of an email key.
const EMAIL_MAX_LENGTH: usize = 320;

/// Why no user was created.
pub(super) enum Refusal {
    /// What Authgear answers.
    Api(ApiError),
    /// What the devstack cannot do; the text names it.
    NotEmulated(&'static str),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl Authgear {
    /// `input` is a coerced `CreateUserInput`.
    pub(super) fn create_user(&self, input: &Value) -> Result<&UserRecord, Refusal> {
        let (key, value) = parse_identity_def(&input["definition"])?;
        // pkg/admin/facade/user.go: Create, LoginIDConfig.GetKeyConfig.
        if key != "email" {
            return Err(
                ApiError::new("Invalid", "InvariantViolated", "invalid login ID key")
                    .with_info(json!({"cause": {"kind": "InvalidLoginIDKey"}}))
                    .into(),
            );
        }
        // Identities.New → loginid Provider.New: ValidateOne, then Normalize(TrimSpace(value)).
        let trimmed = value.trim();
        if let Some(cause) = login_id_problem(trimmed) {
            return Err(ApiError::validation_failed("invalid login ID", vec![cause]).into());
        }
        let email = normalize_email(trimmed).expect("a valid email address has an @");
        // Identities.CheckDuplicated (checked again, atomically, by the insert below).
        if self.users.by_normalized_email(&email).is_some() {
            return Err(duplicated_identity().into());
        }
        // What Authgear does next and the devstack cannot: create the password authenticator,
        // then SetAccountValidPeriod.
        let given = |name: &str| input.get(name).is_some_and(|value| !value.is_null());
        if given("password") {
            return Err(Refusal::NotEmulated("createUser with a password"));
        }
        if given("accountValidFrom") || given("accountValidUntil") {
            return Err(Refusal::NotEmulated(
                "createUser with an account valid period",
            ));
        }
        // PopulateIdentityAwareStandardAttributes: `email` from the login ID's claims.
        let mut standard_attributes = Map::new();
        standard_attributes.insert("email".into(), email.clone().into());
        let seed = SeedUser {
            email,
            // Nothing verifies the claim (user/commands.go: AfterCreate only reads it).
            email_verified: false,
            standard_attributes,
            custom_attributes: Map::new(),
            roles: Vec::new(),
            disabled: false,
            // `password: null`: "no password is created", and no other primary authenticator
            // applies to an email login ID with the default config.
            password_hash: None,
        };
        // Identities.Create: the unique key makes a concurrent insert fail the same way.
        self.users
            .insert(seed, crate::time::now())
            .map_err(|_| Refusal::Api(duplicated_identity()))
    }
}

/// pkg/admin/model/identity.go: ParseIdentityDef — exactly one non-null member (the schema's
/// only one is `loginID`), whose key and value are not empty.
fn parse_identity_def(definition: &Value) -> Result<(&str, &str), ApiError> {
    let present: Vec<&Value> = definition
        .as_object()
        .into_iter()
        .flat_map(Map::values)
        .filter(|member| !member.is_null())
        .collect();
    let [login_id] = present[..] else {
        return Err(ApiError::new(
            "Invalid",
            "Invalid",
            "exactly 1 field must be present in identity definition",
        ));
    };
    let text = |name: &str| login_id[name].as_str().unwrap_or_default();
    let (key, value) = (text("key"), text("value"));
    if key.is_empty() || value.is_empty() {
        return Err(ApiError::new(
            "Invalid",
            "Invalid",
            "login ID key & value is required",
        ));
    }
    Ok((key, value))
}

/// loginid/checker.go: validateOne for the `email` key, then type_checkers.go: EmailChecker
/// (no domain lists, `block_plus_sign` off: the defaults). The first problem, as the one cause.
fn login_id_problem(trimmed: &str) -> Option<Cause> {
    // Go's len(): bytes.
    if trimmed.len() > EMAIL_MAX_LENGTH {
        return Some(Cause::new(
            "/login_id",
            "maxLength",
            Some(json!({"expected": EMAIL_MAX_LENGTH, "actual": trimmed.len()})),
        ));
    }
    if trimmed.is_empty() {
        return Some(Cause::new("/login_id", "required", None));
    }
    // validation.FormatEmail{}: net/mail.ParseAddress, and no display name.
    if check_email(trimmed).is_err() {
        return Some(Cause::new(
            "/login_id",
            "format",
            Some(json!({"format": "email"})),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_definitions_are_parsed_as_authgear_does() {
        let message = |definition: Value| parse_identity_def(&definition).unwrap_err().message;
        assert_eq!(
            parse_identity_def(&json!({"loginID": {"key": "email", "value": "a@b.c"}})).unwrap(),
            ("email", "a@b.c")
        );
        assert_eq!(
            message(json!({})),
            "exactly 1 field must be present in identity definition"
        );
        assert_eq!(
            message(json!({"loginID": null})),
            "exactly 1 field must be present in identity definition"
        );
        assert_eq!(
            message(json!({"loginID": {"key": "email", "value": ""}})),
            "login ID key & value is required"
        );
    }

    #[test]
    fn login_ids_are_checked_in_the_checkers_order() {
        let kind = |value: &str| login_id_problem(value).map(|cause| cause.kind);
        assert_eq!(kind("newcomer@example.com"), None);
        assert_eq!(kind(""), Some("required".into()));
        assert_eq!(kind("no-at-sign"), Some("format".into()));
        assert_eq!(kind("Someone <a@b.c>"), Some("format".into()));
        let long = format!("{}@example.com", "a".repeat(320));
        assert_eq!(kind(&long), Some("maxLength".into()));
    }
}
