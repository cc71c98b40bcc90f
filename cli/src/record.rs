//! The Authgear User Import record (authgear/docs `reference/apis/user-import-api.md`, "Input
//! Format"; authgear-server pkg/lib/userimport/model.go `RecordSchemaForIdentifier*`), built by
//! the format readers, and the checks Authgear will make of it, made here first so that a dry run
//! can say which users would fail and why.
//!
//! Checks are Authgear's own format rules (`authgear_migrate_admin::formats`, from
//! pkg/util/validation/formats.go, shared with the devstack's stand-in). What to do about a
//! failure is this tool's: a login ID that fails makes the user unimportable; any other
//! attribute that fails is dropped (and counted), so that a bad picture URL never costs a user
//! their account; a locale in the wrong case is put in canonical case first.

use std::fmt;

use authgear_migrate_admin::formats::{
    canonical_bcp47, check_birthdate, check_email, check_phone, check_picture, check_timezone,
    check_uri,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `identifier` of the import request: which login ID finds an existing user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum Identifier {
    Email,
    PhoneNumber,
    PreferredUsername,
}

impl Identifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::PhoneNumber => "phone_number",
            Self::PreferredUsername => "preferred_username",
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `address` (OIDC): replaced whole on upsert.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `password`: only `bcrypt` is accepted (model.go: `Enum("bcrypt")`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Password {
    #[serde(rename = "type")]
    pub kind: String,
    pub password_hash: String,
}

impl Password {
    pub fn bcrypt(hash: &str) -> Self {
        Self {
            kind: "bcrypt".into(),
            password_hash: hash.to_owned(),
        }
    }
}

/// One user, as the import request carries it. Absent members are left out of the JSON, so that
/// an upsert leaves the user's existing value alone (UPDATED_IF_PRESENT).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_attributes: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
}

impl ImportRecord {
    /// The value of the login ID that identifies this user.
    pub fn identifier(&self, identifier: Identifier) -> Option<&str> {
        match identifier {
            Identifier::Email => self.email.as_deref(),
            Identifier::PhoneNumber => self.phone_number.as_deref(),
            Identifier::PreferredUsername => self.preferred_username.as_deref(),
        }
    }

    /// Sets a string member by its Authgear name (`address.<part>` and `custom_attributes.<name>`
    /// included). `false` when no such member exists.
    pub fn set_text(&mut self, target: &str, value: String) -> bool {
        let slot = match target {
            "email" => &mut self.email,
            "phone_number" => &mut self.phone_number,
            "preferred_username" => &mut self.preferred_username,
            "name" => &mut self.name,
            "given_name" => &mut self.given_name,
            "family_name" => &mut self.family_name,
            "middle_name" => &mut self.middle_name,
            "nickname" => &mut self.nickname,
            "profile" => &mut self.profile,
            "picture" => &mut self.picture,
            "website" => &mut self.website,
            "gender" => &mut self.gender,
            "birthdate" => &mut self.birthdate,
            "zoneinfo" => &mut self.zoneinfo,
            "locale" => &mut self.locale,
            _ => {
                if let Some(part) = target.strip_prefix("address.") {
                    let address = self.address.get_or_insert_with(Address::default);
                    let slot = match part {
                        "formatted" => &mut address.formatted,
                        "street_address" => &mut address.street_address,
                        "locality" => &mut address.locality,
                        "region" => &mut address.region,
                        "postal_code" => &mut address.postal_code,
                        "country" => &mut address.country,
                        _ => return false,
                    };
                    *slot = Some(value);
                    return true;
                }
                if let Some(name) = target.strip_prefix("custom_attributes.") {
                    if name.is_empty() {
                        return false;
                    }
                    self.custom_attributes.insert(name.to_owned(), value.into());
                    return true;
                }
                return false;
            }
        };
        *slot = Some(value);
        true
    }

    /// Drops empty strings and empty objects, which Authgear's `minLength: 1` would refuse.
    pub fn tidy(&mut self) {
        for slot in [
            &mut self.email,
            &mut self.phone_number,
            &mut self.preferred_username,
            &mut self.name,
            &mut self.given_name,
            &mut self.family_name,
            &mut self.middle_name,
            &mut self.nickname,
            &mut self.profile,
            &mut self.picture,
            &mut self.website,
            &mut self.gender,
            &mut self.birthdate,
            &mut self.zoneinfo,
            &mut self.locale,
        ] {
            if let Some(text) = slot.as_mut() {
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    *slot = None;
                } else if trimmed.len() != text.len() {
                    *text = trimmed.to_owned();
                }
            }
        }
        if let Some(address) = self.address.as_mut() {
            for slot in [
                &mut address.formatted,
                &mut address.street_address,
                &mut address.locality,
                &mut address.region,
                &mut address.postal_code,
                &mut address.country,
            ] {
                if slot.as_deref().is_some_and(|text| text.trim().is_empty()) {
                    *slot = None;
                }
            }
        }
        if self.address.as_ref().is_some_and(Address::is_empty) {
            self.address = None;
        }
        for list in [&mut self.roles, &mut self.groups] {
            if let Some(items) = list.as_mut() {
                items.retain(|item| !item.trim().is_empty());
            }
        }
    }
}

/// Normalizes a login ID the way Authgear stores it, so that the import's lookup by identifier
/// (which compares the value as sent with the stored, normalized claim: pkg/lib/authn/identity/
/// loginid/store.go ListByClaim) finds a user imported before. Without this, re-importing
/// `Alice@Example.com` would not find `alice@example.com` and fail as a duplicate.
///
/// Email and username: trimmed and lowercased (the default `case_sensitive: false`). Phone: the
/// E.164 form (spaces, dashes, dots and brackets removed).
pub fn normalize_login_id(identifier: Identifier, value: &str) -> String {
    let value = value.trim();
    match identifier {
        Identifier::Email | Identifier::PreferredUsername => value.to_lowercase(),
        Identifier::PhoneNumber => normalize_phone(value),
    }
}

/// `+` and digits only; a number without `+` is returned as given (and fails validation).
pub fn normalize_phone(value: &str) -> String {
    let stripped: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    stripped
}

/// Why a member does not pass Authgear's schema.
pub type Invalid = String;

/// A BCP 47 tag in canonical case (Authgear's FormatBCP47 refuses non-canonical tags); `en_us`
/// and `EN-us` become `en-US`. `None` when it is not a tag at all.
pub fn canonical_locale(text: &str) -> Option<String> {
    canonical_bcp47(&text.replace('_', "-"))
}

/// Checks every member against Authgear's schema for `identifier`. The identifier's own value
/// must pass (else `Err`); any other member that fails is removed and named in the answer.
pub fn validate(
    record: &mut ImportRecord,
    identifier: Identifier,
) -> Result<Vec<&'static str>, Invalid> {
    let login_id = record
        .identifier(identifier)
        .ok_or_else(|| format!("no {identifier}"))?;
    match identifier {
        Identifier::Email => check_email(login_id),
        Identifier::PhoneNumber => check_phone(login_id),
        Identifier::PreferredUsername => Ok(()),
    }
    .map_err(|why| format!("invalid {identifier}: {why}"))?;

    let mut dropped = Vec::new();
    let mut keep = |name: &'static str,
                    slot: &mut Option<String>,
                    check: &dyn Fn(&str) -> Result<(), Invalid>| {
        if slot.as_deref().is_some_and(|value| check(value).is_err()) {
            *slot = None;
            dropped.push(name);
        }
    };
    if identifier != Identifier::Email {
        keep("email", &mut record.email, &check_email);
    }
    if identifier != Identifier::PhoneNumber {
        keep("phone_number", &mut record.phone_number, &check_phone);
    }
    keep("profile", &mut record.profile, &check_uri);
    keep("website", &mut record.website, &check_uri);
    keep("picture", &mut record.picture, &check_picture);
    keep("birthdate", &mut record.birthdate, &check_birthdate);
    keep("zoneinfo", &mut record.zoneinfo, &check_timezone);
    if let Some(locale) = record.locale.take() {
        match canonical_locale(&locale) {
            Some(canonical) => record.locale = Some(canonical),
            None => dropped.push("locale"),
        }
    }
    // `email_verified` without an email, or `phone_number_verified` without a phone number, has
    // no effect (service.go warns); leave them out rather than draw the warning.
    if record.email.is_none() {
        record.email_verified = None;
    }
    if record.phone_number.is_none() {
        record.phone_number_verified = None;
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_members_are_left_out() {
        let record = ImportRecord {
            email: Some("a@example.com".into()),
            email_verified: Some(true),
            password: Some(Password::bcrypt("$2b$10$x")),
            ..ImportRecord::default()
        };
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"email":"a@example.com","email_verified":true,"password":{"type":"bcrypt","password_hash":"$2b$10$x"}}"#
        );
    }

    #[test]
    fn validation_keeps_the_user_and_drops_bad_attributes() {
        let mut record = ImportRecord {
            email: Some("a@example.com".into()),
            picture: Some("ftp://x/y.png".into()),
            locale: Some("en_us".into()),
            phone_number: Some("12345".into()),
            phone_number_verified: Some(true),
            ..ImportRecord::default()
        };
        let dropped = validate(&mut record, Identifier::Email).unwrap();
        assert_eq!(dropped, ["phone_number", "picture"]);
        assert_eq!(record.locale.as_deref(), Some("en-US"));
        assert_eq!(record.phone_number_verified, None);
        let mut bad = ImportRecord {
            email: Some("not-an-email".into()),
            ..ImportRecord::default()
        };
        assert!(validate(&mut bad, Identifier::Email).is_err());
        // Authgear's FormatEmail: a display name is refused, angle brackets alone are not.
        let mut named = ImportRecord {
            email: Some("Alice <a@example.com>".into()),
            ..ImportRecord::default()
        };
        assert_eq!(
            validate(&mut named, Identifier::Email).unwrap_err(),
            "invalid email: input email must not have name"
        );
        let mut bracketed = ImportRecord {
            email: Some("<a@example.com>".into()),
            ..ImportRecord::default()
        };
        assert!(validate(&mut bracketed, Identifier::Email).is_ok());
        assert_eq!(
            validate(&mut ImportRecord::default(), Identifier::Email).unwrap_err(),
            "no email"
        );
    }

    #[test]
    fn login_ids_are_normalized_as_authgear_stores_them() {
        assert_eq!(
            normalize_login_id(Identifier::Email, " Alice@Example.COM "),
            "alice@example.com"
        );
        assert_eq!(
            normalize_login_id(Identifier::PhoneNumber, "+1 (415) 555-0100"),
            "+14155550100"
        );
    }

    #[test]
    fn set_text_reaches_nested_members() {
        let mut record = ImportRecord::default();
        assert!(record.set_text("address.country", "HK".into()));
        assert!(record.set_text("custom_attributes.tier", "gold".into()));
        assert!(!record.set_text("shoe_size", "9".into()));
        assert_eq!(record.address.unwrap().country.as_deref(), Some("HK"));
        assert_eq!(record.custom_attributes["tier"], "gold");
    }
}
