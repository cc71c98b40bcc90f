//! Reads the seed users, written in the input format of Authgear's User Import API
//! (authgear/docs: `reference/apis/user-import-api.md`), so that the same file could be sent to
//! a real project's `POST /_api/admin/users/import`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::authgear::NON_IDENTITY_AWARE_STANDARD_ATTRIBUTES;

/// One imported user, as the import record described it.
#[derive(Clone, Debug)]
pub struct SeedUser {
    /// The login ID (`identifier: "email"`), as written in the file.
    pub email: String,
    /// `email_verified`; absent means unverified on insert (the docs' "Update Behavior" table).
    pub email_verified: bool,
    /// Standard attributes other than the `*_verified` flags, named as in OIDC.
    pub standard_attributes: Map<String, Value>,
    pub custom_attributes: Map<String, Value>,
    pub roles: Vec<String>,
    pub disabled: bool,
    /// A bcrypt hash (`password.type: "bcrypt"`), shared with the legacy IdP.
    pub password_hash: Option<String>,
}

/// Why the seed file cannot be used. Always names the file.
#[derive(Debug)]
pub struct SeedError {
    path: PathBuf,
    problem: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed file {}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for SeedError {}

/// The identity-aware standard attributes (the login IDs); the import format accepts them and
/// the others of pkg/lib/userimport/model.go.
const IDENTITY_AWARE_STANDARD_ATTRIBUTES: &[&str] =
    &["preferred_username", "email", "phone_number"];

/// Other record fields the format accepts. `groups`, `phone_number_verified` and `mfa` are
/// accepted and ignored: nothing in the stand-ins reads them.
const OTHER_FIELDS: &[&str] = &[
    "email_verified",
    "phone_number_verified",
    "custom_attributes",
    "roles",
    "groups",
    "disabled",
    "password",
    "mfa",
];

pub fn load(path: &Path) -> Result<Vec<SeedUser>, SeedError> {
    let error = |problem: String| SeedError {
        path: path.to_owned(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|err| error(format!("cannot read: {err}")))?;
    parse(&text).map_err(error)
}

fn parse(text: &str) -> Result<Vec<SeedUser>, String> {
    let root: Value = serde_json::from_str(text).map_err(|err| format!("bad JSON: {err}"))?;
    let root = root.as_object().ok_or("expected a JSON object")?;
    for key in root.keys() {
        if !["upsert", "identifier", "records"].contains(&key.as_str()) {
            return Err(format!("unknown field `{key}`"));
        }
    }
    match root.get("identifier").and_then(Value::as_str) {
        Some("email") => {}
        Some(other) => {
            return Err(format!(
                "identifier `{other}` is valid for the User Import API, but the devstack keys users by email: use \"email\""
            ));
        }
        None => return Err("`identifier` is required".into()),
    }
    let records = root
        .get("records")
        .and_then(Value::as_array)
        .ok_or("`records` must be an array")?;
    let mut users: Vec<SeedUser> = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let user =
            parse_record(record).map_err(|problem| format!("records[{index}]: {problem}"))?;
        let folded = user.email.to_lowercase();
        if users.iter().any(|seen| seen.email.to_lowercase() == folded) {
            return Err(format!("records[{index}]: duplicate email {}", user.email));
        }
        users.push(user);
    }
    if users.is_empty() {
        return Err("`records` is empty".into());
    }
    Ok(users)
}

fn parse_record(record: &Value) -> Result<SeedUser, String> {
    let record = record.as_object().ok_or("expected an object")?;
    let mut standard_attributes = Map::new();
    for (key, value) in record {
        if IDENTITY_AWARE_STANDARD_ATTRIBUTES
            .iter()
            .chain(NON_IDENTITY_AWARE_STANDARD_ATTRIBUTES)
            .any(|name| name == key)
        {
            let fits = if key == "address" {
                value.is_object()
            } else {
                value.is_string()
            };
            if !fits {
                return Err(format!("`{key}` has the wrong type"));
            }
            standard_attributes.insert(key.clone(), value.clone());
        } else if !OTHER_FIELDS.contains(&key.as_str()) {
            return Err(format!("unknown field `{key}`"));
        }
    }
    let email = record
        .get("email")
        .and_then(Value::as_str)
        .filter(|email| email.contains('@'))
        .ok_or("`email` is required and must contain @")?
        .to_owned();
    let flag = |name: &str| -> Result<bool, String> {
        match record.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(value)) => Ok(*value),
            Some(_) => Err(format!("`{name}` must be a boolean")),
        }
    };
    let roles = match record.get("roles") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or("`roles` must be an array of strings")?,
        Some(_) => return Err("`roles` must be an array of strings".into()),
    };
    let custom_attributes = match record.get("custom_attributes") {
        None => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("`custom_attributes` must be an object".into()),
    };
    let password_hash = match record.get("password") {
        None => None,
        Some(password) => {
            if password.get("type").and_then(Value::as_str) != Some("bcrypt") {
                return Err("`password.type` must be \"bcrypt\"".into());
            }
            let hash = password
                .get("password_hash")
                .and_then(Value::as_str)
                .ok_or("`password.password_hash` is required")?;
            if !hash.starts_with("$2") {
                return Err("`password.password_hash` is not a bcrypt hash".into());
            }
            Some(hash.to_owned())
        }
    };
    Ok(SeedUser {
        email,
        email_verified: flag("email_verified")?,
        standard_attributes,
        custom_attributes,
        roles,
        disabled: flag("disabled")?,
        password_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_seed_loads() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/seed/users.json"));
        let users = load(path).unwrap();
        assert!(users.len() >= 3);
        assert!(users.iter().any(|user| user.disabled));
        assert!(users.iter().all(|user| user.password_hash.is_some()));
    }

    #[test]
    fn errors_name_the_record_and_field() {
        let err = parse(r#"{"identifier":"email","records":[{"email":"a@x"},{"emial":"b@x"}]}"#)
            .unwrap_err();
        assert_eq!(err, "records[1]: unknown field `emial`");
        let err = parse(r#"{"identifier":"email","records":[{"email":"a@x"},{"email":"A@x"}]}"#)
            .unwrap_err();
        assert!(err.contains("duplicate"), "{err}");
        assert!(parse("{").unwrap_err().starts_with("bad JSON"));
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = load(Path::new("/nonexistent/users.json")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("seed file /nonexistent/users.json: cannot read")
        );
    }
}
