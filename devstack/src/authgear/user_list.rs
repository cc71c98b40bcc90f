//! The Admin API's `users` connection (pkg/admin/graphql/query.go), paged as Authgear pages it:
//! pkg/util/graphqlutil/page.go (`first` capped at 20, 20 when neither `first` nor `last` is
//! given; `hasNextPage` false only when a page comes back short, `hasPreviousPage` left true)
//! and pkg/lib/infra/db/pagination.go (cursors are base64url of `offset:<n>`; `after` starts at
//! its offset + 1). Sorted by `createdAt` (the `sortBy` default), newest first unless
//! `sortDirection: ASC`. `searchKeyword`, `last`, `before` and `LAST_LOGIN_AT` are not
//! emulated.

use serde_json::{Map, Value, json};

use super::Authgear;
use super::graphql::Field;
use super::import_record::ApiError;
use crate::jose::{b64, unb64};
use crate::users::UserRecord;

/// graphqlutil.MaxPageSize.
const MAX_PAGE_SIZE: usize = 20;
const CURSOR_PREFIX: &str = "offset:";

/// Why no page was given.
pub(super) enum ListRefusal {
    Api(ApiError),
    NotEmulated(&'static str),
}

impl Authgear {
    /// `args` are the coerced arguments of `users`.
    pub(super) fn users_page(
        &self,
        args: &Map<String, Value>,
        selection: &[Field],
        user_object: impl Fn(&UserRecord, &[Field]) -> Value,
    ) -> Result<Value, ListRefusal> {
        let given = |name: &str| args.get(name).is_some_and(|value| !value.is_null());
        if args
            .get("searchKeyword")
            .and_then(Value::as_str)
            .is_some_and(|keyword| !keyword.is_empty())
        {
            return Err(ListRefusal::NotEmulated("users with a searchKeyword"));
        }
        if given("last") || given("before") {
            return Err(ListRefusal::NotEmulated("users with last or before"));
        }
        if args.get("sortBy").and_then(Value::as_str) == Some("LAST_LOGIN_AT") {
            return Err(ListRefusal::NotEmulated("users sorted by LAST_LOGIN_AT"));
        }
        // relay: a negative `first` counts as absent.
        let first = args
            .get("first")
            .and_then(Value::as_i64)
            .and_then(|first| usize::try_from(first).ok())
            .map_or(MAX_PAGE_SIZE, |first| first.min(MAX_PAGE_SIZE));
        let offset = match args.get("after").and_then(Value::as_str) {
            None | Some("") => 0,
            Some(cursor) => {
                offset_of(cursor).ok_or_else(|| {
                    ListRefusal::Api(ApiError::new(
                        "Invalid",
                        "InvalidCursor",
                        "invalid pagination cursor",
                    ))
                })? + 1
            }
        };
        let mut users: Vec<(usize, &UserRecord)> =
            self.users.current().into_iter().enumerate().collect();
        users.sort_by_key(|(position, user)| (user.created_at, *position));
        if args.get("sortDirection").and_then(Value::as_str) != Some("ASC") {
            users.reverse();
        }
        let total = users.len();
        let page: Vec<(usize, &UserRecord)> = users
            .into_iter()
            .map(|(_, user)| user)
            .enumerate()
            .skip(offset)
            .take(first)
            .collect();
        let cursors: Vec<String> = page.iter().map(|(at, _)| cursor(*at)).collect();
        let has_next_page = page.len() >= first;
        let answer = |field: &Field| -> Value {
            let children = field.selection.as_deref().unwrap_or_default();
            match field.name.as_str() {
                "__typename" => "UserConnection".into(),
                "totalCount" => total.into(),
                "edges" => page
                    .iter()
                    .zip(&cursors)
                    .map(|((_, user), cursor)| {
                        pick(children, "UserEdge", |edge| match edge.name.as_str() {
                            "cursor" => cursor.clone().into(),
                            _ => user_object(user, edge.selection.as_deref().unwrap_or_default()),
                        })
                    })
                    .collect(),
                _ => pick(children, "PageInfo", |info| match info.name.as_str() {
                    "hasNextPage" => has_next_page.into(),
                    "hasPreviousPage" => true.into(),
                    "startCursor" => json!(cursors.first().cloned().unwrap_or_default()),
                    _ => json!(cursors.last().cloned().unwrap_or_default()),
                }),
            }
        };
        Ok(pick(selection, "UserConnection", answer))
    }
}

/// An object of `selection`'s fields, each answered by `value` (`__typename` by `type_name`).
fn pick(selection: &[Field], type_name: &str, value: impl Fn(&Field) -> Value) -> Value {
    Value::Object(
        selection
            .iter()
            .map(|field| {
                let answer = if field.name == "__typename" {
                    type_name.into()
                } else {
                    value(field)
                };
                (field.response_key().to_owned(), answer)
            })
            .collect(),
    )
}

fn cursor(offset: usize) -> String {
    b64(format!("{CURSOR_PREFIX}{offset}"))
}

fn offset_of(cursor: &str) -> Option<usize> {
    let text = String::from_utf8(unb64(cursor)?).ok()?;
    text.strip_prefix(CURSOR_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_authgear_offsets() {
        assert_eq!(cursor(0), "b2Zmc2V0OjA");
        assert_eq!(offset_of(&cursor(41)), Some(41));
        assert_eq!(offset_of("b2Zmc2V0Oi0x"), None); // offset:-1
        assert_eq!(offset_of("not base64!"), None);
    }
}
