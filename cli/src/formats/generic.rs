//! Any export as CSV (with a header row), JSON (an array of objects, or an object with a
//! `users` / `records` / `data` array) or NDJSON, with a field mapping: `--map target=source`
//! (or `--mapping file.json`). A source is a CSV column, a JSON member, or a JSON pointer
//! (`/profile/email`). Targets are the import record's members (`email`, `name`,
//! `address.country`, `custom_attributes.tier`, …) and `legacy_id`, `password_hash` (bcrypt
//! is imported; any other scheme is left out and counted), `email_verified`,
//! `phone_number_verified`, `disabled` (booleans: `true`/`false`, `t`/`f`, `1`/`0`,
//! `yes`/`no`), `roles` and `groups` (a JSON array, or a comma-separated string).

use std::path::Path;

use super::source::{InputKind, Mapping, apply_mapping, read_rows};
use super::{ReadError, SourceUser};

pub fn read(
    path: &Path,
    kind: Option<InputKind>,
    mapping: &Mapping,
) -> Result<Vec<SourceUser>, ReadError> {
    if mapping.is_empty() {
        return Err(ReadError::new(
            path,
            None,
            "the generic format needs a field mapping: --map email=<column> (and more), or --mapping FILE",
        ));
    }
    let kind = kind.or_else(|| InputKind::guess(path)).ok_or_else(|| {
        ReadError::new(
            path,
            None,
            "cannot tell CSV from JSON by the file name: give --input-format csv|json|ndjson",
        )
    })?;
    let rows = read_rows(path, kind, &["users", "records", "data"])?;
    rows.into_iter()
        .map(|(position, raw)| {
            let mut user = SourceUser::new(position, raw);
            apply_mapping(&mut user, mapping)
                .map_err(|message| ReadError::new(path, Some(position), message))?;
            Ok(user)
        })
        .collect()
}
