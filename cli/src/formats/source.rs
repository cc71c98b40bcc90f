//! What the readers share: loading CSV, JSON and NDJSON rows, reading a field by column name or
//! JSON pointer, the field mapping (`--map target=source`), booleans and timestamps as exports
//! write them, and telling a bcrypt hash from the hashes Authgear cannot take.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::{Map, Value};

use super::{PasswordSource, ReadError, SourceUser};

/// How an input file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputKind {
    /// Comma-separated, with a header row.
    Csv,
    /// One JSON array of objects, or an object holding one (`{"users": [...]}`).
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl InputKind {
    /// From the file name: `.csv`, `.json`, `.ndjson` / `.jsonl`.
    pub fn guess(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".csv") {
            Some(Self::Csv)
        } else if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
            Some(Self::Ndjson)
        } else if name.ends_with(".json") {
            Some(Self::Json)
        } else {
            None
        }
    }
}

/// One record as read: a CSV row (column → text) or a JSON object.
#[derive(Clone, Debug)]
pub enum Raw {
    Csv(HashMap<String, String>),
    Json(Map<String, Value>),
}

impl Raw {
    /// A field by CSV column name, JSON member name, or (starting with `/`) JSON pointer. Empty
    /// CSV cells and JSON nulls are absent.
    pub fn get(&self, source: &str) -> Option<Value> {
        match self {
            Self::Csv(row) => row
                .get(source)
                .filter(|text| !text.is_empty())
                .map(|text| Value::String(text.clone())),
            Self::Json(object) => {
                let value = match source.strip_prefix('/') {
                    // RFC 6901: the first token names a member, the rest points inside it.
                    Some(pointer) => {
                        let (first, rest) = pointer
                            .split_once('/')
                            .map_or((pointer, ""), |(first, rest)| (first, rest));
                        let first = first.replace("~1", "/").replace("~0", "~");
                        let member = object.get(&first);
                        if rest.is_empty() {
                            member.cloned()
                        } else {
                            member.and_then(|member| member.pointer(&format!("/{rest}")).cloned())
                        }
                    }
                    None => object.get(source).cloned(),
                };
                value.filter(|value| !value.is_null())
            }
        }
    }

    /// A field as text: strings as they are, numbers and booleans written out.
    pub fn text(&self, source: &str) -> Option<String> {
        match self.get(source)? {
            Value::String(text) => Some(text),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// A field as a boolean (see [`parse_bool`]).
    pub fn flag(&self, source: &str) -> Option<bool> {
        match self.get(source)? {
            Value::Bool(flag) => Some(flag),
            Value::String(text) => parse_bool(&text),
            Value::Number(number) => number.as_i64().map(|n| n != 0),
            _ => None,
        }
    }
}

/// `true`/`false`, `t`/`f` (psql), `1`/`0`, `yes`/`no`, any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" => Some(true),
        "false" | "f" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Reads every record of a CSV, JSON or NDJSON file. JSON may be an array or an object whose
/// `array_key` member (the first that exists) is the array.
pub fn read_rows(
    path: &Path,
    kind: InputKind,
    array_keys: &[&str],
) -> Result<Vec<(usize, Raw)>, ReadError> {
    let open = || {
        std::fs::File::open(path)
            .map_err(|error| ReadError::new(path, None, format!("cannot read: {error}")))
    };
    match kind {
        InputKind::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(false)
                .from_reader(std::io::BufReader::new(open()?));
            let headers: Vec<String> = reader
                .headers()
                .map_err(|error| ReadError::new(path, None, format!("bad CSV header: {error}")))?
                .iter()
                .map(|header| header.trim_start_matches('\u{feff}').trim().to_owned())
                .collect();
            let mut rows = Vec::new();
            for (index, row) in reader.records().enumerate() {
                let row = row.map_err(|error| {
                    ReadError::new(path, Some(index + 1), format!("bad CSV row: {error}"))
                })?;
                let map = headers
                    .iter()
                    .cloned()
                    .zip(row.iter().map(str::to_owned))
                    .collect();
                rows.push((index + 1, Raw::Csv(map)));
            }
            Ok(rows)
        }
        InputKind::Ndjson => {
            let mut rows = Vec::new();
            for (index, line) in std::io::BufReader::new(open()?).lines().enumerate() {
                let line = line.map_err(|error| {
                    ReadError::new(path, Some(index + 1), format!("cannot read: {error}"))
                })?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str(&line) {
                    Ok(Value::Object(object)) => rows.push((index + 1, Raw::Json(object))),
                    Ok(_) => {
                        return Err(ReadError::new(
                            path,
                            Some(index + 1),
                            "the line is not a JSON object",
                        ));
                    }
                    Err(error) => {
                        return Err(ReadError::new(
                            path,
                            Some(index + 1),
                            format!("bad JSON: {error}"),
                        ));
                    }
                }
            }
            Ok(rows)
        }
        InputKind::Json => {
            let value: Value = serde_json::from_reader(std::io::BufReader::new(open()?))
                .map_err(|error| ReadError::new(path, None, format!("bad JSON: {error}")))?;
            let items = match value {
                Value::Array(items) => items,
                Value::Object(mut object) => {
                    let key = array_keys
                        .iter()
                        .find(|key| object.get(**key).is_some_and(Value::is_array))
                        .ok_or_else(|| {
                            ReadError::new(
                                path,
                                None,
                                format!(
                                    "expected an array, or an object with {}",
                                    array_keys.join(" or ")
                                ),
                            )
                        })?;
                    match object.remove(*key) {
                        Some(Value::Array(items)) => items,
                        _ => unreachable!("checked above"),
                    }
                }
                _ => {
                    return Err(ReadError::new(
                        path,
                        None,
                        "expected a JSON array or object",
                    ));
                }
            };
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| match item {
                    Value::Object(object) => Ok((index + 1, Raw::Json(object))),
                    _ => Err(ReadError::new(path, Some(index + 1), "not a JSON object")),
                })
                .collect()
        }
    }
}

/// Tells what kind of password hash a string is. Only bcrypt (`$2a$`, `$2b$`, `$2y$`, `$2x$`,
/// `$2$`) goes to Authgear; the rest is named so that the summary can count it.
pub fn classify_hash(hash: &str) -> PasswordSource {
    let hash = hash.trim();
    if hash.is_empty() {
        return PasswordSource::None;
    }
    if ["$2a$", "$2b$", "$2y$", "$2x$", "$2$"]
        .iter()
        .any(|prefix| hash.starts_with(prefix))
    {
        return PasswordSource::Bcrypt(hash.to_owned());
    }
    let scheme = if hash.starts_with("$argon2") {
        "argon2"
    } else if hash.starts_with("$fbscrypt$") {
        "firebase-scrypt"
    } else if hash.starts_with("$scrypt$") || hash.starts_with("$7$") {
        "scrypt"
    } else if hash.starts_with("$pbkdf2") || hash.starts_with("pbkdf2_") {
        "pbkdf2"
    } else if hash.starts_with("$6$") || hash.starts_with("$5$") {
        "sha-crypt"
    } else if hash.starts_with("$1$") {
        "md5-crypt"
    } else {
        "unrecognized"
    };
    PasswordSource::Unsupported(scheme.to_owned())
}

/// Seconds since the epoch of a timestamp as exports write it: RFC 3339 (`2024-01-02T03:04:05Z`,
/// `…+08:00`), psql's `2024-01-02 03:04:05.123456+00`, a date alone, or epoch milliseconds
/// (Firebase). `infinity` is far in the future.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("infinity") {
        return Some(i64::MAX);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.len() >= 12 {
        return text.parse::<i64>().ok().map(|ms| ms / 1000);
    }
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let slice = text.get(range)?;
        slice
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| slice.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if bytes.len() > 10 {
        if !matches!(bytes[10], b'T' | b't' | b' ') {
            return None;
        }
        seconds += number(11..13)? * 3_600 + number(14..16)? * 60 + number(17..19)?;
        let mut rest = &text[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let end = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            rest = &fraction[end..];
        }
        match rest.as_bytes().first() {
            None | Some(b'Z' | b'z') => {}
            Some(sign @ (b'+' | b'-')) => {
                let offset = &rest[1..];
                let hours: i64 = offset.get(0..2)?.parse().ok()?;
                let minutes: i64 = offset
                    .get(2..)
                    .map(|m| m.trim_start_matches(':'))
                    .filter(|m| !m.is_empty())
                    .map_or(Some(0), |m| m.parse().ok())?;
                let offset = hours * 3_600 + minutes * 60;
                seconds -= if *sign == b'+' { offset } else { -offset };
            }
            _ => return None,
        }
    }
    Some(seconds)
}

/// Howard Hinnant's days_from_civil.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `--map target=source` entries, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    pub entries: Vec<(String, String)>,
}

/// The targets a mapping may name besides the record's string members.
const SPECIAL_TARGETS: &[&str] = &[
    "legacy_id",
    "password_hash",
    "email_verified",
    "phone_number_verified",
    "disabled",
    "roles",
    "groups",
];

impl Mapping {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses `target=source` entries, then those of a JSON mapping file
    /// (`{"email": "Email Address", …}`), checking every target.
    pub fn parse(entries: &[String], file: Option<&Path>) -> Result<Self, String> {
        let mut mapping = Self::default();
        if let Some(file) = file {
            let text = std::fs::read_to_string(file)
                .map_err(|error| format!("--mapping {}: {error}", file.display()))?;
            let object: Map<String, Value> = serde_json::from_str(&text).map_err(|error| {
                format!(
                    "--mapping {}: expected a JSON object of strings ({error})",
                    file.display()
                )
            })?;
            for (target, source) in object {
                let source = source.as_str().ok_or_else(|| {
                    format!(
                        "--mapping {}: the source of `{target}` is not a string",
                        file.display()
                    )
                })?;
                mapping.entries.push((target, source.to_owned()));
            }
        }
        for entry in entries {
            let (target, source) = entry
                .split_once('=')
                .ok_or_else(|| format!("--map {entry}: expected TARGET=SOURCE"))?;
            mapping
                .entries
                .push((target.trim().to_owned(), source.trim().to_owned()));
        }
        for (target, source) in &mapping.entries {
            let known = SPECIAL_TARGETS.contains(&target.as_str())
                || crate::record::ImportRecord::default().set_text(target, String::new());
            if !known {
                return Err(format!(
                    "--map {target}={source}: `{target}` is not an Authgear import field (email, phone_number, preferred_username, name, given_name, family_name, middle_name, nickname, profile, picture, website, gender, birthdate, zoneinfo, locale, address.<part>, custom_attributes.<name>, {})",
                    SPECIAL_TARGETS.join(", ")
                ));
            }
            if source.is_empty() {
                return Err(format!("--map {target}=: the source is empty"));
            }
        }
        Ok(mapping)
    }

    pub fn targets(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(target, _)| target.as_str())
    }
}

/// Applies each mapping entry whose source field is present, over what the reader set.
pub fn apply_mapping(user: &mut SourceUser, mapping: &Mapping) -> Result<(), String> {
    for (target, source) in &mapping.entries {
        let Some(value) = user.raw.get(source) else {
            continue;
        };
        match target.as_str() {
            "legacy_id" => user.legacy_id = user.raw.text(source),
            "password_hash" => {
                if let Some(hash) = user.raw.text(source) {
                    user.password = classify_hash(&hash);
                }
            }
            "email_verified" | "phone_number_verified" | "disabled" => {
                let flag = user.raw.flag(source).ok_or_else(|| {
                    format!("`{source}` ({value}) is not a boolean, for {target}")
                })?;
                match target.as_str() {
                    "email_verified" => user.record.email_verified = Some(flag),
                    "phone_number_verified" => user.record.phone_number_verified = Some(flag),
                    _ => user.record.disabled = Some(flag),
                }
            }
            "roles" | "groups" => {
                let keys: Vec<String> = match value {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(|item| item.as_str().map(str::to_owned))
                        .collect(),
                    Value::String(text) => text
                        .split(',')
                        .map(|key| key.trim().to_owned())
                        .filter(|key| !key.is_empty())
                        .collect(),
                    other => {
                        return Err(format!("`{source}` ({other}) is not a list, for {target}"));
                    }
                };
                if target == "roles" {
                    user.record.roles = Some(keys);
                } else {
                    user.record.groups = Some(keys);
                }
            }
            _ => {
                if let Some(name) = target.strip_prefix("custom_attributes.") {
                    user.record.custom_attributes.insert(name.to_owned(), value);
                } else if let Some(text) = user.raw.text(source) {
                    user.record.set_text(target, text);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_as_exports_write_them() {
        assert_eq!(parse_timestamp("1970-01-02T00:00:00Z"), Some(86_400));
        assert_eq!(
            parse_timestamp("1970-01-02 01:00:00.123456+01"),
            Some(86_400)
        );
        assert_eq!(parse_timestamp("1970-01-02T00:00:00-00:30"), Some(88_200));
        assert_eq!(parse_timestamp("2000-03-01"), Some(951_868_800));
        assert_eq!(parse_timestamp("1700000000000"), Some(1_700_000_000));
        assert_eq!(parse_timestamp("infinity"), Some(i64::MAX));
        assert_eq!(parse_timestamp("soon"), None);
    }

    #[test]
    fn hashes_are_classified() {
        assert!(matches!(
            classify_hash("$2b$10$abc"),
            PasswordSource::Bcrypt(_)
        ));
        assert_eq!(
            classify_hash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
            PasswordSource::Unsupported("argon2".into())
        );
        assert_eq!(classify_hash(""), PasswordSource::None);
    }

    #[test]
    fn fields_by_name_or_pointer() {
        let raw = Raw::Json(
            serde_json::json!({"a/b": 1, "profile": {"email": "x@example.com"}, "gone": null})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(raw.text("/profile/email").as_deref(), Some("x@example.com"));
        assert_eq!(raw.text("/a~1b").as_deref(), Some("1"));
        assert_eq!(raw.get("gone"), None);
        assert_eq!(raw.get("/profile/phone"), None);
    }

    #[test]
    fn mappings_check_their_targets() {
        let mapping = Mapping::parse(
            &[
                "email=E-mail".into(),
                "custom_attributes.tier=/plan/tier".into(),
            ],
            None,
        )
        .unwrap();
        assert_eq!(mapping.entries.len(), 2);
        let error = Mapping::parse(&["shoe=size".into()], None).unwrap_err();
        assert!(
            error.contains("`shoe` is not an Authgear import field"),
            "{error}"
        );
        assert!(Mapping::parse(&["email".into()], None).is_err());
    }
}
