//! The JSON schemas of the User Import API: the request (pkg/lib/userimport/model.go
//! RequestSchema) and the record for each identifier (RecordSchemaForIdentifier*, built from
//! pkg/lib/authn/stdattrs/validate.go), with the format checkers they name
//! (pkg/util/validation/formats.go, pkg/lib/config/formats.go). Those checkers are Authgear's
//! rules, shared with the import CLI in `authgear_migrate_admin::formats`; the schemas, their
//! order and the shape of their errors are the stand-in's own, written from Authgear's source.
//!
//! Errors come as Authgear's validation causes (pkg/util/validation/error.go: `location`,
//! `kind`, `details`), sorted by location.

use serde::Serialize;
use serde_json::{Map, Value, json};

use authgear_migrate_admin::formats::{
    check_bcp47, check_birthdate, check_date_time, check_email, check_phone, check_picture,
    check_timezone, check_uri,
};

use super::import_record::Identifier;

/// One validation error (pkg/util/validation/error.go: Error).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Cause {
    pub location: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl Cause {
    pub fn new(location: &str, kind: &str, details: Option<Value>) -> Self {
        Self {
            location: location.to_owned(),
            kind: kind.to_owned(),
            details,
        }
    }

    /// `validationCtx.EmitErrorMessage(msg)`: kind `general`.
    pub fn general(location: &str, message: &str) -> Self {
        Self::new(location, "general", Some(json!({ "msg": message })))
    }

    pub fn type_mismatch(location: &str, value: &Value, expected: &[&str]) -> Self {
        Self::new(
            location,
            "type",
            Some(json!({"actual": json_types(value), "expected": expected})),
        )
    }
}

fn json_types(value: &Value) -> Vec<&'static str> {
    match value {
        Value::Null => vec!["null"],
        Value::Bool(_) => vec!["boolean"],
        Value::Number(number) if number.is_i64() || number.is_u64() => vec!["integer", "number"],
        Value::Number(_) => vec!["number"],
        Value::String(_) => vec!["string"],
        Value::Array(_) => vec!["array"],
        Value::Object(_) => vec!["object"],
    }
}

/// RequestSchema: `{upsert?: boolean, identifier: enum, records: [object, ...1+]}`, no other
/// members.
pub fn validate_request(body: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let Some(object) = body.as_object() else {
        causes.push(Cause::type_mismatch("", body, &["object"]));
        return causes;
    };
    required(&mut causes, "", object, &["identifier", "records"]);
    additional(
        &mut causes,
        "",
        object,
        &["upsert", "identifier", "records"],
    );
    if let Some(value) = object.get("upsert") {
        if !value.is_boolean() {
            causes.push(Cause::type_mismatch("/upsert", value, &["boolean"]));
        }
    }
    if let Some(value) = object.get("identifier") {
        match value.as_str() {
            None => causes.push(Cause::type_mismatch("/identifier", value, &["string"])),
            Some(text) if Identifier::parse(text).is_none() => causes.push(Cause::new(
                "/identifier",
                "enum",
                Some(json!({"actual": text, "expected": ["preferred_username", "email", "phone_number"]})),
            )),
            Some(_) => {}
        }
    }
    if let Some(value) = object.get("records") {
        match value.as_array() {
            None => causes.push(Cause::type_mismatch("/records", value, &["array"])),
            Some(records) => {
                if records.is_empty() {
                    causes.push(Cause::new(
                        "/records",
                        "minItems",
                        Some(json!({"actual": 0, "expected": 1})),
                    ));
                }
                for (index, record) in records.iter().enumerate() {
                    if !record.is_object() {
                        causes.push(Cause::type_mismatch(
                            &format!("/records/{index}"),
                            record,
                            &["object"],
                        ));
                    }
                }
            }
        }
    }
    sorted(causes)
}

/// How one member of a record is checked.
#[derive(Clone, Copy)]
enum Rule {
    Boolean,
    DateTime,
    /// A string of at least one character; `null` allowed when `nullable`.
    Text {
        nullable: bool,
    },
    Format {
        format: &'static str,
        nullable: bool,
    },
    Address,
    Object,
    Keys,
    Password,
    Mfa,
}

/// makeBase() in model.go, in its order.
const BASE: &[(&str, Rule)] = &[
    ("disabled", Rule::Boolean),
    ("account_valid_from", Rule::DateTime),
    ("account_valid_until", Rule::DateTime),
    ("email_verified", Rule::Boolean),
    ("phone_number_verified", Rule::Boolean),
    ("name", Rule::Text { nullable: true }),
    ("given_name", Rule::Text { nullable: true }),
    ("family_name", Rule::Text { nullable: true }),
    ("middle_name", Rule::Text { nullable: true }),
    ("nickname", Rule::Text { nullable: true }),
    (
        "profile",
        Rule::Format {
            format: "uri",
            nullable: true,
        },
    ),
    (
        "picture",
        Rule::Format {
            format: "x_picture",
            nullable: true,
        },
    ),
    (
        "website",
        Rule::Format {
            format: "uri",
            nullable: true,
        },
    ),
    ("gender", Rule::Text { nullable: true }),
    (
        "birthdate",
        Rule::Format {
            format: "birthdate",
            nullable: true,
        },
    ),
    (
        "zoneinfo",
        Rule::Format {
            format: "timezone",
            nullable: true,
        },
    ),
    (
        "locale",
        Rule::Format {
            format: "bcp47",
            nullable: true,
        },
    ),
    ("address", Rule::Address),
    ("custom_attributes", Rule::Object),
    ("roles", Rule::Keys),
    ("groups", Rule::Keys),
    ("password", Rule::Password),
    ("mfa", Rule::Mfa),
];

/// RecordSchemaForIdentifier*: the identifier is required and not nullable; the other two
/// identity members may be null.
fn identity_rules(identifier: Identifier) -> [(&'static str, Rule); 3] {
    let email = |nullable| Rule::Format {
        format: "email",
        nullable,
    };
    let phone = |nullable| Rule::Format {
        format: "phone",
        nullable,
    };
    let username = |nullable| Rule::Text { nullable };
    let is = |which| identifier == which;
    [
        ("email", email(!is(Identifier::Email))),
        ("phone_number", phone(!is(Identifier::PhoneNumber))),
        (
            "preferred_username",
            username(!is(Identifier::PreferredUsername)),
        ),
    ]
}

pub fn validate_record(identifier: Identifier, record: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let Some(object) = record.as_object() else {
        causes.push(Cause::type_mismatch("", record, &["object"]));
        return causes;
    };
    let identity = identity_rules(identifier);
    let rules: Vec<(&str, Rule)> = BASE.iter().copied().chain(identity).collect();
    let names: Vec<&str> = rules.iter().map(|(name, _)| *name).collect();
    required(&mut causes, "", object, &[identifier.as_str()]);
    additional(&mut causes, "", object, &names);
    for (name, rule) in rules {
        if let Some(value) = object.get(name) {
            check(&mut causes, &format!("/{name}"), value, rule);
        }
    }
    sorted(causes)
}

fn check(causes: &mut Vec<Cause>, location: &str, value: &Value, rule: Rule) {
    match rule {
        Rule::Boolean => {
            if !value.is_boolean() {
                causes.push(Cause::type_mismatch(location, value, &["boolean"]));
            }
        }
        Rule::DateTime => match value.as_str() {
            None => causes.push(Cause::type_mismatch(location, value, &["string"])),
            Some(text) => format(causes, location, "date-time", text),
        },
        Rule::Text { nullable } => match value {
            Value::Null if nullable => {}
            Value::String(text) => min_length(causes, location, text),
            _ => causes.push(Cause::type_mismatch(
                location,
                value,
                if nullable {
                    &["string", "null"]
                } else {
                    &["string"]
                },
            )),
        },
        Rule::Format {
            format: name,
            nullable,
        } => match value {
            Value::Null if nullable => {}
            Value::String(text) => format(causes, location, name, text),
            _ => causes.push(Cause::type_mismatch(
                location,
                value,
                if nullable {
                    &["string", "null"]
                } else {
                    &["string"]
                },
            )),
        },
        // stdattrs: an object of non-empty strings; other members are allowed.
        Rule::Address => match value {
            Value::Null => {}
            Value::Object(address) => {
                for part in [
                    "formatted",
                    "street_address",
                    "locality",
                    "region",
                    "postal_code",
                    "country",
                ] {
                    if let Some(value) = address.get(part) {
                        check(
                            causes,
                            &format!("{location}/{part}"),
                            value,
                            Rule::Text { nullable: false },
                        );
                    }
                }
            }
            _ => causes.push(Cause::type_mismatch(location, value, &["object", "null"])),
        },
        Rule::Object => {
            if !value.is_object() {
                causes.push(Cause::type_mismatch(location, value, &["object"]));
            }
        }
        Rule::Keys => match value.as_array() {
            None => causes.push(Cause::type_mismatch(location, value, &["array"])),
            Some(items) => {
                for (index, item) in items.iter().enumerate() {
                    check(
                        causes,
                        &format!("{location}/{index}"),
                        item,
                        Rule::Text { nullable: false },
                    );
                }
            }
        },
        Rule::Password => {
            let Some(password) = value.as_object() else {
                causes.push(Cause::type_mismatch(location, value, &["object"]));
                return;
            };
            required(causes, location, password, &["type", "password_hash"]);
            additional(
                causes,
                location,
                password,
                &["type", "password_hash", "expire_after"],
            );
            if let Some(kind) = password.get("type") {
                match kind.as_str() {
                    Some("bcrypt") => {}
                    Some(other) => causes.push(Cause::new(
                        &format!("{location}/type"),
                        "enum",
                        Some(json!({"actual": other, "expected": ["bcrypt"]})),
                    )),
                    None => causes.push(Cause::type_mismatch(
                        &format!("{location}/type"),
                        kind,
                        &["string"],
                    )),
                }
            }
            if let Some(hash) = password.get("password_hash") {
                check(
                    causes,
                    &format!("{location}/password_hash"),
                    hash,
                    Rule::Text { nullable: false },
                );
            }
            if let Some(expire) = password.get("expire_after") {
                check(
                    causes,
                    &format!("{location}/expire_after"),
                    expire,
                    Rule::DateTime,
                );
            }
        }
        Rule::Mfa => {
            let Some(mfa) = value.as_object() else {
                causes.push(Cause::type_mismatch(location, value, &["object"]));
                return;
            };
            additional(
                causes,
                location,
                mfa,
                &["email", "phone_number", "password", "totp"],
            );
            let member = |name: &str| format!("{location}/{name}");
            if let Some(email) = mfa.get("email") {
                check(
                    causes,
                    &member("email"),
                    email,
                    Rule::Format {
                        format: "email",
                        nullable: true,
                    },
                );
            }
            if let Some(phone) = mfa.get("phone_number") {
                check(
                    causes,
                    &member("phone_number"),
                    phone,
                    Rule::Format {
                        format: "phone",
                        nullable: true,
                    },
                );
            }
            if let Some(password) = mfa.get("password") {
                check(causes, &member("password"), password, Rule::Password);
            }
            if let Some(totp) = mfa.get("totp") {
                match totp.as_object() {
                    None => causes.push(Cause::type_mismatch(&member("totp"), totp, &["object"])),
                    Some(object) => {
                        required(causes, &member("totp"), object, &["secret"]);
                        additional(causes, &member("totp"), object, &["secret"]);
                        if let Some(secret) = object.get("secret") {
                            check(
                                causes,
                                &format!("{location}/totp/secret"),
                                secret,
                                Rule::Text { nullable: false },
                            );
                        }
                    }
                }
            }
        }
    }
}

fn required(causes: &mut Vec<Cause>, location: &str, object: &Map<String, Value>, names: &[&str]) {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| !object.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        let actual: Option<Vec<&String>> = (!object.is_empty()).then(|| object.keys().collect());
        causes.push(Cause::new(
            location,
            "required",
            Some(json!({"actual": actual, "expected": names, "missing": missing})),
        ));
    }
}

/// `additionalProperties: false`: each extra member fails at its own location.
fn additional(
    causes: &mut Vec<Cause>,
    location: &str,
    object: &Map<String, Value>,
    names: &[&str],
) {
    for key in object.keys() {
        if !names.contains(&key.as_str()) {
            causes.push(Cause::new(
                &format!("{location}/{}", escape_pointer(key)),
                "additionalProperties",
                None,
            ));
        }
    }
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn min_length(causes: &mut Vec<Cause>, location: &str, text: &str) {
    if text.is_empty() {
        causes.push(Cause::new(
            location,
            "minLength",
            Some(json!({"actual": 0, "expected": 1})),
        ));
    }
}

fn format(causes: &mut Vec<Cause>, location: &str, name: &str, text: &str) {
    let result = match name {
        "email" => check_email(text),
        "phone" => check_phone(text),
        "uri" => check_uri(text),
        "x_picture" => check_picture(text),
        "birthdate" => check_birthdate(text),
        "timezone" => check_timezone(text),
        "bcp47" => check_bcp47(text),
        "date-time" => check_date_time(text),
        _ => Ok(()),
    };
    if let Err(error) = result {
        causes.push(Cause::new(
            location,
            "format",
            Some(json!({"error": error, "format": name})),
        ));
    }
}

fn sorted(mut causes: Vec<Cause>) -> Vec<Cause> {
    causes.sort_by(|a, b| a.location.cmp(&b.location));
    causes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_errors_match_the_go_test() {
        // pkg/lib/userimport/model_test.go: "Request JSON Schema".
        let causes = validate_request(&json!({}));
        assert_eq!(
            serde_json::to_value(&causes).unwrap(),
            json!([{"location": "", "kind": "required",
                    "details": {"actual": null, "expected": ["identifier", "records"],
                                "missing": ["identifier", "records"]}}])
        );
        let causes = validate_request(&json!({"identifier": "foobar", "records": []}));
        assert_eq!(
            serde_json::to_value(&causes).unwrap(),
            json!([
                {"location": "/identifier", "kind": "enum",
                 "details": {"actual": "foobar", "expected": ["preferred_username", "email", "phone_number"]}},
                {"location": "/records", "kind": "minItems", "details": {"actual": 0, "expected": 1}}
            ])
        );
    }

    #[test]
    fn the_docs_sample_record_is_valid() {
        let record = json!({
            "preferred_username": "jdoe", "email": "johndoe@example.com",
            "phone_number": "+85123456789", "email_verified": true, "phone_number_verified": true,
            "name": "John Doe", "given_name": "John", "family_name": "Doe", "nickname": "JD",
            "profile": "https://example.com", "picture": "https://example.com",
            "website": "https://example.com", "gender": "male", "birthdate": "1990-01-01",
            "zoneinfo": "Asia/Hong_Kong", "locale": "zh-Hant-HK",
            "address": {"formatted": "1 Unnamed Road", "country": "HK"},
            "custom_attributes": {"member_id": "123456789"}, "roles": ["role_a"], "groups": ["group_a"],
            "disabled": false,
            "password": {"type": "bcrypt", "password_hash": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
            "mfa": {"email": "johndoe@example.com", "totp": {"secret": "secret"}}
        });
        assert_eq!(validate_record(Identifier::Email, &record), Vec::new());
        // middle_name "" breaks minLength, as the docs' sample would.
        let causes = validate_record(
            Identifier::Email,
            &json!({"email": "a@example.com", "middle_name": ""}),
        );
        assert_eq!(causes[0].kind, "minLength");
    }

    #[test]
    fn record_refusals() {
        let kinds = |record: Value| -> Vec<(String, String)> {
            validate_record(Identifier::Email, &record)
                .into_iter()
                .map(|cause| (cause.location, cause.kind))
                .collect()
        };
        assert_eq!(kinds(json!({})), [("".into(), "required".into())]);
        assert_eq!(
            kinds(json!({"email": null})),
            [("/email".into(), "type".into())]
        );
        assert_eq!(
            kinds(json!({"email": "a@b.c", "nope": 1})),
            [("/nope".into(), "additionalProperties".into())]
        );
        assert_eq!(
            kinds(
                json!({"email": "Someone <a@b.c>", "locale": "en-us", "phone_number": "85212345678"})
            ),
            [
                ("/email".into(), "format".into()),
                ("/locale".into(), "format".into()),
                ("/phone_number".into(), "format".into())
            ]
        );
        assert!(!kinds(json!({"preferred_username": "x"})).is_empty());
        assert!(
            validate_record(
                Identifier::PreferredUsername,
                &json!({"preferred_username": "x"})
            )
            .is_empty()
        );
    }
}
