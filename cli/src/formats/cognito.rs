//! Amazon Cognito user pools. Cognito has no export of its own; the two shapes a pool's users
//! leave it in are:
//!
//! - CSV with the columns `aws cognito-idp get-csv-header` lists (the pool's attributes:
//!   `name`, `given_name`, `family_name`, `middle_name`, `nickname`, `preferred_username`,
//!   `profile`, `picture`, `website`, `email`, `email_verified`, `gender`, `birthdate`,
//!   `zoneinfo`, `locale`, `phone_number`, `phone_number_verified`, `address`, `updated_at`,
//!   `custom:…`, `cognito:mfa_enabled`, `cognito:username`), optionally with `sub`, `enabled`
//!   and `cognito:user_status` added from `ListUsers`.
//! - The JSON `aws cognito-idp list-users` prints: `{"Users": [{"Username", "Attributes":
//!   [{"Name", "Value"}], "Enabled", "UserStatus", "UserCreateDate", …}]}`, flattened to the
//!   same names.
//!
//! The attribute names are OpenID Connect's, as Authgear's are, so each maps to itself
//! (`address`, a string in Cognito, becomes `address.formatted`; a JSON object string is read
//! as the address). `enabled: false` → `disabled`. The legacy ID is `sub` when present (it is
//! what Cognito's tokens carry), else `cognito:username`; with `--identifier
//! preferred_username` and no `preferred_username`, `cognito:username` is the username.
//! Cognito never exports password hashes: every user signs in again once, or resets. Not
//! mapped: `custom:…` (use `--map custom_attributes.x=custom:x`), MFA settings, dates.

use std::path::Path;

use serde_json::{Map, Value};

use super::source::{InputKind, Raw, read_rows};
use super::{PasswordSource, ReadError, SourceUser};
use crate::record::Address;

/// Attributes whose Cognito name is their Authgear name.
const SAME_NAME: &[&str] = &[
    "email",
    "phone_number",
    "preferred_username",
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
];

pub fn read(path: &Path, kind: Option<InputKind>) -> Result<Vec<SourceUser>, ReadError> {
    let kind = kind
        .or_else(|| InputKind::guess(path))
        .unwrap_or(InputKind::Csv);
    let rows = read_rows(path, kind, &["Users"])?;
    Ok(rows
        .into_iter()
        .map(|(position, raw)| from_row(position, flatten(raw)))
        .collect())
}

/// A `ListUsers` user becomes `{"cognito:username", "enabled", "cognito:user_status",
/// <attribute name>: <value>…}`; a CSV row stays as it is.
fn flatten(raw: Raw) -> Raw {
    let Raw::Json(object) = raw else { return raw };
    if !object.contains_key("Attributes") && !object.contains_key("Username") {
        return Raw::Json(object);
    }
    let mut flat = Map::new();
    if let Some(username) = object.get("Username") {
        flat.insert("cognito:username".into(), username.clone());
    }
    if let Some(enabled) = object.get("Enabled") {
        flat.insert("enabled".into(), enabled.clone());
    }
    if let Some(status) = object.get("UserStatus") {
        flat.insert("cognito:user_status".into(), status.clone());
    }
    for attribute in object
        .get("Attributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(name), Some(value)) = (
            attribute.get("Name").and_then(Value::as_str),
            attribute.get("Value"),
        ) {
            flat.insert(name.to_owned(), value.clone());
        }
    }
    Raw::Json(flat)
}

fn from_row(position: usize, raw: Raw) -> SourceUser {
    let mut user = SourceUser::new(position, raw);
    let raw = &user.raw;
    for name in SAME_NAME {
        if let Some(text) = raw.text(name) {
            user.record.set_text(name, text);
        }
    }
    user.record.email_verified = raw.flag("email_verified");
    user.record.phone_number_verified = raw.flag("phone_number_verified");
    user.record.address = raw.text("address").map(|text| address(&text));
    if raw.flag("enabled") == Some(false) {
        user.record.disabled = Some(true);
    }
    user.legacy_id = raw.text("sub").or_else(|| raw.text("cognito:username"));
    user.password = PasswordSource::NotExportable("cognito");
    user
}

/// An OIDC address object written as JSON, or (usually) a plain formatted address.
fn address(text: &str) -> Address {
    if let Ok(address) = serde_json::from_str::<Address>(text) {
        if !address.is_empty() {
            return address;
        }
    }
    Address {
        formatted: Some(text.to_owned()),
        ..Address::default()
    }
}

/// `cognito:username` as the username, for `--identifier preferred_username`.
pub fn username_as_preferred_username(user: &mut SourceUser) {
    if user.record.preferred_username.is_none() {
        user.record.preferred_username = user.raw.text("cognito:username");
    }
}
