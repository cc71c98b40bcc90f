//! The slice of Authgear's Admin API schema (pkg/admin/graphql/*.go) the stand-in answers, with
//! graphql-go's validation and input coercion for it, and the GraphQL error shape.

use authgear_migrate_admin::formats::check_date_time;
use serde_json::{Map, Value, json};

use super::graphql::{self, Document, Field, OperationKind, Pos, TypeRef};

/// A GraphQL error entry: `message`, `locations`, `path`, `extensions`.
pub(super) struct GqlError {
    pub(super) message: String,
    pub(super) location: Option<Pos>,
    pub(super) path: Option<String>,
    pub(super) extensions: Option<Map<String, Value>>,
}

impl GqlError {
    pub(super) fn new(message: impl Into<String>, location: Option<Pos>) -> Self {
        Self {
            message: message.into(),
            location,
            path: None,
            extensions: None,
        }
    }

    pub(super) fn at(field: &Field, message: impl Into<String>) -> Self {
        Self::new(message, Some(field.pos))
    }

    /// Marks an error the real Authgear would not give, because the devstack lacks the feature.
    pub(super) fn not_emulated(mut self) -> Self {
        let mut extensions = Map::new();
        extensions.insert("devstack".into(), "not emulated".into());
        self.extensions = Some(extensions);
        self
    }

    pub(super) fn into_json(self) -> Value {
        let mut out = Map::new();
        out.insert("message".into(), self.message.into());
        out.insert(
            "locations".into(),
            self.location
                .map(|pos| json!([{"line": pos.line, "column": pos.column}]))
                .unwrap_or_else(|| json!([])),
        );
        if let Some(path) = self.path {
            out.insert("path".into(), json!([path]));
        }
        if let Some(extensions) = self.extensions {
            out.insert("extensions".into(), extensions.into());
        }
        Value::Object(out)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ObjectType {
    Query,
    Mutation,
    User,
    CreateUserPayload,
    UpdateUserPayload,
    CreateSessionPayload,
    UserConnection,
    UserEdge,
    PageInfo,
}

impl ObjectType {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Query => "Query",
            Self::Mutation => "Mutation",
            Self::User => "User",
            Self::CreateUserPayload => "CreateUserPayload",
            Self::UpdateUserPayload => "UpdateUserPayload",
            Self::CreateSessionPayload => "CreateSessionPayload",
            Self::UserConnection => "UserConnection",
            Self::UserEdge => "UserEdge",
            Self::PageInfo => "PageInfo",
        }
    }
}

/// What the schema says about one field.
pub(super) enum FieldDef {
    /// A leaf, with its type as written in the schema.
    Scalar(&'static str),
    /// An object; `type_name` as written, e.g. `CreateSessionPayload!`.
    Object {
        object: ObjectType,
        type_name: &'static str,
        arguments: &'static [(&'static str, &'static str)],
    },
    /// In Authgear's schema, not in the stand-in.
    NotEmulated,
}

/// The part of pkg/admin/graphql/*.go the stand-in answers.
pub(super) fn field_def(parent: ObjectType, name: &str) -> Option<FieldDef> {
    const USER_NOT_EMULATED: &[&str] = &[
        "loginIDs",
        "oauthConnections",
        "biometricRegistrations",
        "passkeys",
        "identities",
        "primaryPassword",
        "primaryOOBOTPEmailAuthenticator",
        "primaryOOBOTPSMSAuthenticator",
        "secondaryTOTPAuthenticators",
        "secondaryOOBOTPEmailAuthenticators",
        "secondaryOOBOTPSMSAuthenticators",
        "secondaryPassword",
        "authenticators",
        "accountLockout",
        "verifiedClaims",
        "sessions",
        "authorizations",
        "roles",
        "groups",
    ];
    const QUERY_NOT_EMULATED: &[&str] = &[
        "node",
        "nodes",
        "roles",
        "groups",
        "auditLogs",
        "fraudProtectionOverview",
        "fraudProtectionLogs",
        "resources",
        "getUsersByStandardAttribute",
        "getUserByOAuth",
    ];
    if name == "__typename" {
        return Some(FieldDef::Scalar("String!"));
    }
    Some(match (parent, name) {
        (ObjectType::Query, "getUserByLoginID") => FieldDef::Object {
            object: ObjectType::User,
            type_name: "User",
            arguments: &[("loginIDKey", "String!"), ("loginIDValue", "String!")],
        },
        // query.go: `users`, relay.NewConnectionArgs plus its own three.
        (ObjectType::Query, "users") => FieldDef::Object {
            object: ObjectType::UserConnection,
            type_name: "UserConnection",
            arguments: &[
                ("before", "String"),
                ("after", "String"),
                ("first", "Int"),
                ("last", "Int"),
                ("searchKeyword", "String"),
                ("sortBy", "UserSortBy"),
                ("sortDirection", "SortDirection"),
            ],
        },
        (ObjectType::Query, other) if QUERY_NOT_EMULATED.contains(&other) => FieldDef::NotEmulated,
        // graphqlutil.NewConnectionDef: relay's connection with `totalCount`.
        (ObjectType::UserConnection, "edges") => FieldDef::Object {
            object: ObjectType::UserEdge,
            type_name: "[UserEdge]",
            arguments: &[],
        },
        (ObjectType::UserConnection, "pageInfo") => FieldDef::Object {
            object: ObjectType::PageInfo,
            type_name: "PageInfo!",
            arguments: &[],
        },
        (ObjectType::UserConnection, "totalCount") => FieldDef::Scalar("Int"),
        (ObjectType::UserEdge, "node") => FieldDef::Object {
            object: ObjectType::User,
            type_name: "User",
            arguments: &[],
        },
        (ObjectType::UserEdge, "cursor") => FieldDef::Scalar("String!"),
        (ObjectType::PageInfo, "hasNextPage" | "hasPreviousPage") => FieldDef::Scalar("Boolean!"),
        (ObjectType::PageInfo, "startCursor" | "endCursor") => FieldDef::Scalar("String"),
        // user_mutation.go.
        (ObjectType::Mutation, "createUser") => FieldDef::Object {
            object: ObjectType::CreateUserPayload,
            type_name: "CreateUserPayload!",
            arguments: &[("input", "CreateUserInput!")],
        },
        // user_mutation.go: updateUser, for its `customAttributes` (the legacy subject binding).
        (ObjectType::Mutation, "updateUser") => FieldDef::Object {
            object: ObjectType::UpdateUserPayload,
            type_name: "UpdateUserPayload!",
            arguments: &[("input", "UpdateUserInput!")],
        },
        (ObjectType::Mutation, "createSession") => FieldDef::Object {
            object: ObjectType::CreateSessionPayload,
            type_name: "CreateSessionPayload!",
            arguments: &[("input", "CreateSessionInput!")],
        },
        // Every other mutation of pkg/admin/graphql (updateUser, revokeSession, …).
        (ObjectType::Mutation, _) => FieldDef::NotEmulated,
        (ObjectType::User, "id") => FieldDef::Scalar("ID!"),
        (ObjectType::User, "createdAt" | "updatedAt") => FieldDef::Scalar("DateTime!"),
        (
            ObjectType::User,
            "lastLoginAt"
            | "deleteAt"
            | "anonymizeAt"
            | "temporarilyDisabledFrom"
            | "temporarilyDisabledUntil"
            | "accountValidFrom"
            | "accountValidUntil"
            | "mfaGracePeriodEndAt",
        ) => FieldDef::Scalar("DateTime"),
        (ObjectType::User, "isDisabled" | "isAnonymous" | "isDeactivated" | "isAnonymized") => {
            FieldDef::Scalar("Boolean!")
        }
        (
            ObjectType::User,
            "disableReason" | "deleteReason" | "formattedName" | "endUserAccountID",
        ) => FieldDef::Scalar("String"),
        (ObjectType::User, "standardAttributes") => FieldDef::Scalar("UserStandardAttributes!"),
        (ObjectType::User, "customAttributes") => FieldDef::Scalar("UserCustomAttributes!"),
        (ObjectType::User, "web3") => FieldDef::Scalar("Web3Claims!"),
        (ObjectType::User, other) if USER_NOT_EMULATED.contains(&other) => FieldDef::NotEmulated,
        (ObjectType::CreateUserPayload | ObjectType::UpdateUserPayload, "user") => {
            FieldDef::Object {
                object: ObjectType::User,
                type_name: "User!",
                arguments: &[],
            }
        }
        (ObjectType::CreateSessionPayload, "refreshToken" | "accessToken" | "tokenType") => {
            FieldDef::Scalar("String!")
        }
        (ObjectType::CreateSessionPayload, "expiresIn") => FieldDef::Scalar("Int!"),
        _ => return None,
    })
}

/// The input object types of the emulated mutations: each field's name and type as written.
fn input_fields(name: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match name {
        // user_mutation.go: createUserInput.
        "CreateUserInput" => &[
            ("definition", "IdentityDefinition!"),
            ("password", "String"),
            ("sendPassword", "Boolean"),
            ("setPasswordExpired", "Boolean"),
            ("accountValidFrom", "DateTime"),
            ("accountValidUntil", "DateTime"),
        ],
        // user_mutation.go: updateUserInput; each attributes object is "whole", when given.
        "UpdateUserInput" => &[
            ("userID", "ID!"),
            ("standardAttributes", "UserStandardAttributes"),
            ("customAttributes", "UserCustomAttributes"),
        ],
        // identity_def.go: identityDef, "a union object".
        "IdentityDefinition" => &[("loginID", "IdentityDefinitionLoginID")],
        // identity_def.go: identityDefLoginID.
        "IdentityDefinitionLoginID" => &[("key", "String!"), ("value", "String!")],
        // session_mutation.go: createSessionInput.
        "CreateSessionInput" => &[
            ("userID", "ID!"),
            ("clientID", "String!"),
            ("deviceInfo", "String"),
        ],
        _ => return None,
    })
}

/// query.go: the enums `users` takes, and their values.
fn enum_values(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "UserSortBy" => &["CREATED_AT", "LAST_LOGIN_AT"],
        "SortDirection" => &["ASC", "DESC"],
        _ => return None,
    })
}

/// Types a variable may be declared with, and how a value of each is checked.
fn known_input_type(name: &str) -> bool {
    matches!(
        name,
        "String"
            | "ID"
            | "Int"
            | "Float"
            | "Boolean"
            | "DateTime"
            | "UserStandardAttributes"
            | "UserCustomAttributes"
    ) || input_fields(name).is_some()
        || enum_values(name).is_some()
}

pub(super) fn parse_type(text: &str) -> TypeRef {
    match text.strip_suffix('!') {
        Some(inner) => TypeRef::NonNull(Box::new(parse_type(inner))),
        None => TypeRef::Named(text.to_owned()),
    }
}

/// Input coercion (graphql-go `coerceValue` / `isValidInputValue`): the coerced value, or why not.
pub(super) fn coerce(ty: &TypeRef, value: &Value) -> Result<Value, String> {
    match ty {
        TypeRef::NonNull(inner) => {
            if value.is_null() {
                Err(format!("Expected \"{ty}\", found null."))
            } else {
                coerce(inner, value)
            }
        }
        _ if value.is_null() => Ok(Value::Null),
        TypeRef::List(inner) => match value {
            Value::Array(items) => items.iter().map(|item| coerce(inner, item)).collect(),
            single => Ok(Value::Array(vec![coerce(inner, single)?])),
        },
        TypeRef::Named(name) => {
            let fits = match name.as_str() {
                "String" => value.is_string(),
                "ID" => value.is_string() || value.is_i64(),
                "Int" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                "Float" => value.is_number(),
                "Boolean" => value.is_boolean(),
                // graphql-go's DateTime: a string `time.Parse(time.RFC3339, …)` reads.
                "DateTime" => value
                    .as_str()
                    .is_some_and(|text| check_date_time(text).is_ok()),
                // user.go: JSON-object scalars.
                "UserStandardAttributes" | "UserCustomAttributes" => value.is_object(),
                other => match (input_fields(other), enum_values(other)) {
                    (Some(fields), _) => return coerce_input_object(other, fields, value),
                    (None, Some(values)) => {
                        value.as_str().is_some_and(|text| values.contains(&text))
                    }
                    (None, None) => false,
                },
            };
            if !fits {
                return Err(format!("Expected type \"{name}\", found {value}."));
            }
            Ok(match value {
                Value::Number(n) if name == "ID" => Value::String(n.to_string()),
                other => other.clone(),
            })
        }
    }
}

/// An input object: no unknown fields, each field coerced to its type; fields not given stay
/// absent (a resolver tells "not given" from `null` only where Authgear does).
fn coerce_input_object(
    name: &str,
    fields: &[(&str, &str)],
    value: &Value,
) -> Result<Value, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("Expected \"{name}\", found not an object: {value}."))?;
    if let Some(unknown) = object
        .keys()
        .find(|key| !fields.iter().any(|(field, _)| field == key))
    {
        return Err(format!("In field \"{unknown}\": Unknown field."));
    }
    let mut out = Map::new();
    for (field, ty) in fields {
        let given = object.get(*field).unwrap_or(&Value::Null);
        let coerced =
            coerce(&parse_type(ty), given).map_err(|why| format!("In field \"{field}\": {why}"))?;
        if object.contains_key(*field) {
            out.insert((*field).into(), coerced);
        }
    }
    Ok(Value::Object(out))
}

/// graphql-go's validation rules, for what the stand-in's schema covers: known fields, leaf
/// selections, known and required arguments, declared and used variables, known types, lone
/// anonymous operation, unique operation names.
pub(super) fn validate(document: &Document) -> Vec<GqlError> {
    let mut errors = Vec::new();
    let count = document.operations.len();
    for (index, operation) in document.operations.iter().enumerate() {
        if operation.name.is_none() && count > 1 {
            errors.push(GqlError::new(
                "This anonymous operation must be the only defined operation.",
                None,
            ));
        }
        if let Some(name) = &operation.name {
            let earlier = document.operations[..index]
                .iter()
                .any(|other| other.name.as_ref() == Some(name));
            if earlier {
                errors.push(GqlError::new(
                    format!("There can only be one operation named \"{name}\"."),
                    None,
                ));
            }
        }
        for definition in &operation.variables {
            let mut base = &definition.ty;
            while let TypeRef::NonNull(inner) | TypeRef::List(inner) = base {
                base = inner;
            }
            if let TypeRef::Named(name) = base {
                if !known_input_type(name) {
                    errors.push(GqlError::new(format!("Unknown type \"{name}\"."), None));
                }
            }
        }
        let root = match operation.kind {
            OperationKind::Query => ObjectType::Query,
            OperationKind::Mutation => ObjectType::Mutation,
        };
        let mut used = Vec::new();
        validate_selection(root, &operation.selection, &mut used, &mut errors);
        let operation_name = operation.name.as_deref();
        for name in &used {
            if !operation.variables.iter().any(|v| &v.name == name) {
                errors.push(GqlError::new(
                    variable_message(
                        name,
                        operation_name,
                        "is not defined by operation",
                        "is not defined",
                    ),
                    None,
                ));
            }
        }
        for definition in &operation.variables {
            if !used.contains(&definition.name) {
                errors.push(GqlError::new(
                    variable_message(
                        &definition.name,
                        operation_name,
                        "is never used in operation",
                        "is never used",
                    ),
                    None,
                ));
            }
        }
    }
    errors
}

/// `Variable "$x" is never used in operation "Op".`, or `Variable "$x" is never used.` when the
/// operation has no name.
fn variable_message(name: &str, operation: Option<&str>, named: &str, anonymous: &str) -> String {
    match operation {
        Some(operation) => format!("Variable \"${name}\" {named} \"{operation}\"."),
        None => format!("Variable \"${name}\" {anonymous}."),
    }
}

fn validate_selection(
    parent: ObjectType,
    selection: &[Field],
    used: &mut Vec<String>,
    errors: &mut Vec<GqlError>,
) {
    for field in selection {
        for (_, value) in &field.arguments {
            collect_variables(value, used);
        }
        let Some(definition) = field_def(parent, &field.name) else {
            errors.push(GqlError::at(
                field,
                format!(
                    "Cannot query field \"{}\" on type \"{}\".",
                    field.name,
                    parent.name()
                ),
            ));
            continue;
        };
        match definition {
            FieldDef::NotEmulated => errors.push(
                GqlError::at(
                    field,
                    format!(
                        "devstack: field \"{}\" on type \"{}\" is not emulated",
                        field.name,
                        parent.name()
                    ),
                )
                .not_emulated(),
            ),
            FieldDef::Scalar(type_name) => {
                if field.selection.is_some() {
                    errors.push(GqlError::at(
                        field,
                        format!(
                            "Field \"{}\" must not have a selection since type \"{type_name}\" has no subfields.",
                            field.name
                        ),
                    ));
                }
                if let Some((argument, _)) = field.arguments.first() {
                    errors.push(unknown_argument(field, argument, parent));
                }
            }
            FieldDef::Object {
                object,
                type_name,
                arguments,
            } => {
                for (argument, _) in &field.arguments {
                    if !arguments.iter().any(|(name, _)| name == argument) {
                        errors.push(unknown_argument(field, argument, parent));
                    }
                }
                for (name, ty) in arguments {
                    let given = field.arguments.iter().any(|(argument, _)| argument == name);
                    if ty.ends_with('!') && !given {
                        errors.push(GqlError::at(
                            field,
                            format!(
                                "Field \"{}\" argument \"{name}\" of type \"{ty}\" is required but not provided.",
                                field.name
                            ),
                        ));
                    }
                }
                match &field.selection {
                    Some(children) => validate_selection(object, children, used, errors),
                    None => errors.push(GqlError::at(
                        field,
                        format!(
                            "Field \"{}\" of type \"{type_name}\" must have a sub selection.",
                            field.name
                        ),
                    )),
                }
            }
        }
    }
}

fn unknown_argument(field: &Field, argument: &str, parent: ObjectType) -> GqlError {
    GqlError::at(
        field,
        format!(
            "Unknown argument \"{argument}\" on field \"{}\" of type \"{}\".",
            field.name,
            parent.name()
        ),
    )
}

fn collect_variables(value: &graphql::Value, used: &mut Vec<String>) {
    match value {
        graphql::Value::Variable(name) if !used.contains(name) => used.push(name.clone()),
        graphql::Value::List(items) => {
            for item in items {
                collect_variables(item, used);
            }
        }
        graphql::Value::Object(fields) => {
            for (_, item) in fields {
                collect_variables(item, used);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(query: &str) -> Vec<String> {
        validate(&graphql::parse(query).unwrap())
            .into_iter()
            .map(|error| error.message)
            .collect()
    }

    #[test]
    fn validation_speaks_graphql_go() {
        assert_eq!(
            messages(
                "{ getUserByLoginID(loginIDKey: \"email\", loginIDValue: \"a@b\") { id nope } }"
            ),
            ["Cannot query field \"nope\" on type \"User\"."]
        );
        assert_eq!(
            messages("query Q($v: String!) { getUserByLoginID(loginIDKey: \"email\") { id } }"),
            [
                "Field \"getUserByLoginID\" argument \"loginIDValue\" of type \"String!\" is required but not provided.",
                "Variable \"$v\" is never used in operation \"Q\"."
            ]
        );
        assert_eq!(
            messages("mutation { createSession(input: $x) { accessToken { a } } }"),
            [
                "Field \"accessToken\" must not have a selection since type \"String!\" has no subfields.",
                "Variable \"$x\" is not defined."
            ]
        );
        assert_eq!(
            messages("mutation { createUser(input: {}) { user { id nope } } }"),
            ["Cannot query field \"nope\" on type \"User\"."]
        );
        assert_eq!(
            messages("mutation { createUser(input: {}) { user } }"),
            ["Field \"user\" of type \"User!\" must have a sub selection."]
        );
        assert_eq!(
            messages("mutation { deleteUser(input: {}) { deletedUserID } }"),
            ["devstack: field \"deleteUser\" on type \"Mutation\" is not emulated"]
        );
    }

    #[test]
    fn create_session_input_is_coerced() {
        let ty = parse_type("CreateSessionInput!");
        let ok = coerce(&ty, &json!({"userID": "x", "clientID": "c"})).unwrap();
        assert_eq!(ok, json!({"userID": "x", "clientID": "c"}));
        assert_eq!(
            coerce(&ty, &json!({"userID": "x"})).unwrap_err(),
            "In field \"clientID\": Expected \"String!\", found null."
        );
        assert_eq!(
            coerce(&ty, &json!({"userID": "x", "clientID": "c", "extra": 1})).unwrap_err(),
            "In field \"extra\": Unknown field."
        );
        assert_eq!(coerce(&parse_type("ID!"), &json!(7)).unwrap(), json!("7"));
    }

    #[test]
    fn create_user_input_is_coerced() {
        let ty = parse_type("CreateUserInput!");
        let login_id = json!({"definition": {"loginID": {"key": "email", "value": "a@b.c"}}});
        assert_eq!(coerce(&ty, &login_id).unwrap(), login_id);
        let with_password =
            json!({"definition": {}, "password": null, "accountValidFrom": "2026-01-02T03:04:05Z"});
        assert_eq!(coerce(&ty, &with_password).unwrap(), with_password);
        assert_eq!(
            coerce(&ty, &json!({"password": null})).unwrap_err(),
            "In field \"definition\": Expected \"IdentityDefinition!\", found null."
        );
        assert_eq!(
            coerce(&ty, &json!({"definition": {"loginID": {"key": "email"}}})).unwrap_err(),
            "In field \"definition\": In field \"loginID\": In field \"value\": Expected \"String!\", found null."
        );
        assert_eq!(
            coerce(&ty, &json!({"definition": {"oauth": {}}})).unwrap_err(),
            "In field \"definition\": In field \"oauth\": Unknown field."
        );
        assert_eq!(
            coerce(
                &ty,
                &json!({"definition": {}, "accountValidFrom": "tomorrow"})
            )
            .unwrap_err(),
            "In field \"accountValidFrom\": Expected type \"DateTime\", found \"tomorrow\"."
        );
    }
}
