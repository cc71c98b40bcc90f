//! `POST /_api/admin/graphql`: the Admin API operations a migration needs,
//! `getUserByLoginID`, `users` (`user_list.rs`), `createUser` (`create_user.rs`, which fires
//! `user.created` with `triggered_by: "admin_api"`) and `createSession`, validated and
//! answered the way Authgear's graphql-go schema does. Anything else in the schema gets a
//! GraphQL error saying it is not emulated.
//!
//! Request handling follows pkg/admin/routes.go (authz middleware, then `CheckContentType`,
//! then pkg/util/graphqlutil/handler.go); errors follow pkg/util/graphqlutil/api_error.go.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::admin_auth;
use super::admin_schema::{
    FieldDef, GqlError, ObjectType, coerce, field_def, parse_type, validate,
};
use super::create_user::Refusal;
use super::grants::NewOfflineGrant;
use super::graphql::{self, Document, Field, Operation, OperationKind, ParseError, TypeRef};
use super::hooks::TriggeredBy;
use super::import_record::{ApiError, merge_custom_attributes};
use super::tokens::CREATE_SESSION_SCOPES;
use super::user_list::ListRefusal;
use super::users::{node_id, standard_attributes, user_id_from_node_id};
use super::{Authgear, RequestOrigin};
use crate::jose::unb64;
use crate::time::rfc3339;
use crate::users::{UserRecord, normalize_email};

/// pkg/util/graphqlutil/handler.go: maxMutationFieldsPerRequest.
const MAX_MUTATION_FIELDS: usize = 5;

pub async fn graphql(
    State(authgear): State<Arc<Authgear>>,
    Extension(RequestOrigin(origin)): Extension<RequestOrigin>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let project_id = &authgear.project_id;
    let now = crate::time::now();
    if let Err(reason) = admin_auth::verify(authorization, &authgear.keys.admin, project_id, now) {
        crate::log!("authgear: Admin API request refused: {reason}");
        // Go's http.Error(w, "Forbidden", http.StatusForbidden).
        return plain_error(StatusCode::FORBIDDEN, "Forbidden");
    }
    // pkg/util/httputil/content_type.go: CheckContentType([application/json, application/graphql]).
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type.is_empty() {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("invalid content type: {content_type}"),
        );
    }
    let request = if media_type == "application/graphql" {
        Request {
            query: String::from_utf8_lossy(&body).into_owned(),
            variables: Map::new(),
            operation_name: None,
        }
    } else if media_type == "application/json" {
        match Request::from_json(&body) {
            Ok(request) => request,
            // pkg/api/apierrors/error.go: newInvalidJSON.
            Err(message) => {
                return http_api_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "InvalidJSON",
                    &message,
                );
            }
        }
    } else {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("invalid content type: {media_type}"),
        );
    };
    let document = match graphql::parse(&request.query) {
        Ok(document) => document,
        // validateMutationFieldCount parses first, and writeErrorResponse turns graphql-go's
        // syntax error (not an APIError) into a 500 UnexpectedError.
        Err(ParseError::Syntax { message, pos }) => {
            crate::log!(
                "authgear: GraphQL syntax error at {}:{}: {message}",
                pos.line,
                pos.column
            );
            return http_api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "UnexpectedError",
                "unexpected error occurred",
            );
        }
        Err(ParseError::Unsupported { what, pos }) => {
            let error = GqlError::new(format!("devstack: {what} are not emulated"), Some(pos))
                .not_emulated();
            return graphql_response(Value::Null, vec![error]);
        }
    };
    if let Some(count) = mutation_field_count(&document, request.operation_name.as_deref()) {
        if count > MAX_MUTATION_FIELDS {
            return http_api_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "BadRequest",
                &format!(
                    "too many mutation fields in one request: got {count}, limit is {MAX_MUTATION_FIELDS}"
                ),
            );
        }
    }
    let (data, errors) = authgear.execute(
        &origin,
        &document,
        request.operation_name.as_deref(),
        &request.variables,
    );
    graphql_response(data, errors)
}

/// pkg/util/graphqlutil/handler.go: RequestOptions.
struct Request {
    query: String,
    variables: Map<String, Value>,
    operation_name: Option<String>,
}

impl Request {
    fn from_json(body: &[u8]) -> Result<Self, String> {
        let root: Value = serde_json::from_slice(body).map_err(|err| err.to_string())?;
        let text = |name: &str| root.get(name).and_then(Value::as_str).map(str::to_owned);
        // "Probably `variables` was sent as a string instead of an object."
        let variables = match root.get("variables") {
            Some(Value::Object(map)) => map.clone(),
            Some(Value::String(text)) => {
                serde_json::from_str(text).map_err(|err: serde_json::Error| err.to_string())?
            }
            _ => Map::new(),
        };
        Ok(Self {
            query: text("query").unwrap_or_default(),
            variables,
            operation_name: text("operationName").filter(|name| !name.is_empty()),
        })
    }
}

fn plain_error(status: StatusCode, text: &str) -> Response {
    let mut response = (status, format!("{text}\n")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// pkg/api/response.go: `{"error": APIError}` with the status of the error's kind.
fn http_api_error(status: StatusCode, name: &str, reason: &str, message: &str) -> Response {
    let body = json!({"error": {"name": name, "reason": reason, "message": message, "code": status.as_u16()}});
    (status, axum::Json(body)).into_response()
}

fn graphql_response(data: Value, errors: Vec<GqlError>) -> Response {
    let mut body = Map::new();
    body.insert("data".into(), data);
    if !errors.is_empty() {
        body.insert(
            "errors".into(),
            errors.into_iter().map(GqlError::into_json).collect(),
        );
    }
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        Value::Object(body).to_string(),
    )
        .into_response()
}

fn mutation_field_count(document: &Document, operation_name: Option<&str>) -> Option<usize> {
    let operation = select_operation(document, operation_name).ok()?;
    (operation.kind == OperationKind::Mutation).then_some(operation.selection.len())
}

/// apierrors.NewInvalid.
fn invalid(message: &str) -> ApiError {
    ApiError::new("Invalid", "Invalid", message)
}

/// apierrors.NewForbidden.
fn forbidden(message: &str) -> ApiError {
    ApiError::new("Forbidden", "Forbidden", message)
}

/// graphqlutil/api_error.go: APIErrorExtension — the API error's message, and `errorName`,
/// `reason` and (when not empty) `info` in `extensions`.
fn api_error(error: ApiError, field: &Field) -> GqlError {
    let mut extensions = Map::new();
    extensions.insert("errorName".into(), error.name.into());
    extensions.insert("reason".into(), error.reason.into());
    if let Some(info) = error.info {
        extensions.insert("info".into(), info);
    }
    GqlError {
        message: error.message,
        location: Some(field.pos),
        path: Some(field.response_key().to_owned()),
        extensions: Some(extensions),
    }
}

fn select_operation<'d>(
    document: &'d Document,
    operation_name: Option<&str>,
) -> Result<&'d Operation, String> {
    match operation_name {
        Some(wanted) => document
            .operations
            .iter()
            .find(|operation| operation.name.as_deref() == Some(wanted))
            .ok_or_else(|| format!("Unknown operation named \"{wanted}\".")),
        None if document.operations.len() == 1 => Ok(&document.operations[0]),
        None => Err("Must provide operation name if query contains multiple operations.".into()),
    }
}

impl Authgear {
    /// graphql.Do: validate the document, pick the operation, coerce the variables, execute.
    /// Returns `data` and `errors`.
    fn execute(
        &self,
        origin: &str,
        document: &Document,
        operation_name: Option<&str>,
        raw_variables: &Map<String, Value>,
    ) -> (Value, Vec<GqlError>) {
        let errors = validate(document);
        if !errors.is_empty() {
            return (Value::Null, errors);
        }
        let operation = match select_operation(document, operation_name) {
            Ok(operation) => operation,
            Err(message) => return (Value::Null, vec![GqlError::new(message, None)]),
        };
        let mut variables = Map::new();
        for definition in &operation.variables {
            let given = raw_variables.get(&definition.name);
            let value = match (given, &definition.default) {
                (Some(value), _) => value.clone(),
                (None, Some(default)) => literal(default, &Map::new()),
                (None, None) => Value::Null,
            };
            if value.is_null() && matches!(definition.ty, TypeRef::NonNull(_)) {
                let message = format!(
                    "Variable \"${}\" of required type \"{}\" was not provided.",
                    definition.name, definition.ty
                );
                return (Value::Null, vec![GqlError::new(message, None)]);
            }
            match coerce(&definition.ty, &value) {
                Ok(coerced) => {
                    variables.insert(definition.name.clone(), coerced);
                }
                Err(why) => {
                    let message = format!(
                        "Variable \"${}\" got invalid value {value}.\n{why}",
                        definition.name
                    );
                    return (Value::Null, vec![GqlError::new(message, None)]);
                }
            }
        }
        let parent = match operation.kind {
            OperationKind::Query => ObjectType::Query,
            OperationKind::Mutation => ObjectType::Mutation,
        };
        let mut data = Map::new();
        let mut errors = Vec::new();
        for field in &operation.selection {
            match self.resolve_root(origin, parent, field, &variables) {
                Ok(value) => {
                    data.insert(field.response_key().to_owned(), value);
                }
                Err(error) => {
                    errors.push(error);
                    if parent == ObjectType::Mutation {
                        // createSession is non-null: its null propagates to `data`. Mutations run
                        // one after the other, and graphql-go stops at a null root.
                        return (Value::Null, errors);
                    }
                    data.insert(field.response_key().to_owned(), Value::Null);
                }
            }
        }
        (Value::Object(data), errors)
    }

    fn resolve_root(
        &self,
        origin: &str,
        parent: ObjectType,
        field: &Field,
        variables: &Map<String, Value>,
    ) -> Result<Value, GqlError> {
        if field.name == "__typename" {
            return Ok(parent.name().into());
        }
        let Some(FieldDef::Object { arguments, .. }) = field_def(parent, &field.name) else {
            unreachable!("validate() admits only emulated root fields");
        };
        let mut args = Map::new();
        for (name, ty) in arguments {
            let given = field
                .arguments
                .iter()
                .find(|(argument, _)| argument == name)
                .map_or(Value::Null, |(_, value)| literal(value, variables));
            let coerced = coerce(&parse_type(ty), &given).map_err(|why| {
                GqlError::at(
                    field,
                    format!("Argument \"{name}\" has invalid value {given}.\n{why}"),
                )
            })?;
            args.insert((*name).into(), coerced);
        }
        let selection = field.selection.as_deref().unwrap_or_default();
        match field.name.as_str() {
            "getUserByLoginID" => {
                let key = args["loginIDKey"].as_str().unwrap_or_default();
                let value = args["loginIDValue"].as_str().unwrap_or_default();
                let user = self
                    .user_by_login_id(key, value)
                    .map_err(|error| api_error(error, field))?;
                Ok(user.map_or(Value::Null, |user| user_object(user, selection)))
            }
            "createUser" => {
                let created = self.create_user(&args["input"]);
                self.counters.create_user(created.is_ok());
                if let Ok(user) = created {
                    self.hooks.user_created(user, TriggeredBy::AdminApi);
                }
                let user = created.map_err(|refusal| refusal_error(refusal, field))?;
                // pkg/admin/graphql/user_mutation.go: createUserPayload, `user: User!`.
                Ok(user_payload("CreateUserPayload", user, selection))
            }
            "updateUser" => {
                let user = self
                    .update_custom_attributes(&args["input"])
                    .map_err(|refusal| refusal_error(refusal, field))?;
                Ok(user_payload("UpdateUserPayload", user, selection))
            }
            "users" => self
                .users_page(&args, selection, user_object)
                .map_err(|refusal| match refusal {
                    ListRefusal::Api(error) => api_error(error, field),
                    ListRefusal::NotEmulated(what) => {
                        GqlError::at(field, format!("devstack: {what} is not emulated"))
                            .not_emulated()
                    }
                }),
            "createSession" => {
                let payload = self.create_session(origin, &args["input"]);
                self.counters.create_session(payload.is_ok());
                let payload = payload.map_err(|error| api_error(error, field))?;
                Ok(Value::Object(
                    selection
                        .iter()
                        .map(|leaf| {
                            let value = match leaf.name.as_str() {
                                "__typename" => "CreateSessionPayload".into(),
                                name => payload[name].clone(),
                            };
                            (leaf.response_key().to_owned(), value)
                        })
                        .collect(),
                ))
            }
            other => unreachable!("validate() admits no root field {other}"),
        }
    }

    /// pkg/admin/graphql/query.go: getUserByLoginID, through
    /// pkg/lib/authn/identity/loginid/provider.go: GetByKeyAndValue with the default login ID
    /// config (one key, `email`). No match is `null`, not an error.
    fn user_by_login_id(&self, key: &str, value: &str) -> Result<Option<&UserRecord>, ApiError> {
        let invalid = |message| ApiError::new("Invalid", "GetUsersInvalidArgument", message);
        if key != "email" {
            return Err(invalid("invalid Login ID key"));
        }
        let normalized = normalize_email(value).ok_or_else(|| invalid("invalid Login ID value"))?;
        Ok(self.users.by_normalized_email(&normalized))
    }

    /// pkg/admin/graphql/user_mutation.go: updateUser, `customAttributes` only: "whole custom
    /// attributes to be set on the user" (UpdateAllCustomAttributes), checked as the import
    /// checks them. `standardAttributes` is not emulated.
    fn update_custom_attributes(&self, input: &Value) -> Result<&UserRecord, Refusal> {
        if input
            .get("standardAttributes")
            .is_some_and(|v| !v.is_null())
        {
            return Err(Refusal::NotEmulated("updateUser with standardAttributes"));
        }
        let user_id = input["userID"]
            .as_str()
            .and_then(user_id_from_node_id)
            .ok_or_else(|| invalid("invalid user ID"))?;
        let user = self
            .users
            .by_authgear_id(&user_id)
            .ok_or_else(|| ApiError::new("NotFound", "UserNotFound", "user not found"))?;
        let Some(given) = input.get("customAttributes").filter(|v| !v.is_null()) else {
            return Ok(user);
        };
        let mut seed = user.seed.clone();
        seed.custom_attributes = Map::new();
        merge_custom_attributes(
            &mut seed.custom_attributes,
            json!({ "custom_attributes": given })
                .as_object()
                .expect("an object"),
        )?;
        match self.users.update(&user_id, seed) {
            Some(Ok(updated)) => Ok(updated),
            _ => Err(ApiError::new("NotFound", "UserNotFound", "user not found").into()),
        }
    }

    /// pkg/admin/graphql/session_mutation.go (the resolver) and pkg/admin/facade/oauth.go:
    /// CreateSession, checks in their order. `origin` is the Admin API host asked: the `iss`
    /// and `aud` of a JWT access token. No ID token: the payload has no field for one.
    fn create_session(&self, origin: &str, input: &Value) -> Result<Map<String, Value>, ApiError> {
        if !self.settings().create_session_enabled {
            return Err(forbidden("CreateSession is disabled"));
        }
        let user_id = input["userID"]
            .as_str()
            .and_then(user_id_from_node_id)
            .ok_or_else(|| invalid("invalid user ID"))?;
        let device_info = match input.get("deviceInfo").and_then(Value::as_str) {
            // base64.RawURLEncoding, then json.Unmarshal into map[string]any (`null` is fine).
            Some(encoded) => match unb64(encoded)
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            {
                Some(Value::Object(map)) => Some(map),
                Some(Value::Null) => None,
                _ => return Err(invalid("invalid device info")),
            },
            None => None,
        };
        let client_id = input["clientID"].as_str().unwrap_or_default();
        let client = self
            .clients
            .resolve(client_id)
            .ok_or_else(|| invalid("invalid client ID"))?;
        if !client.is_first_party() {
            return Err(forbidden(
                "cannot create session for non-first party client",
            ));
        }
        // "Check user existence." A disabled user passes: the refresh token fails later.
        let user = self
            .users
            .by_authgear_id(&user_id)
            .ok_or_else(|| ApiError::new("NotFound", "UserNotFound", "user not found"))?;
        let now = crate::time::now();
        let mut grants = self.grants.lock().expect("grants lock");
        let (grant, refresh_token) = grants.issue_offline_grant(NewOfflineGrant {
            user_id: &user.authgear_id,
            client_id: &client.client_id,
            scopes: &CREATE_SESSION_SCOPES,
            authenticated_at: now,
            device_info,
        });
        // "The token is new, no need to rotate."
        let access = self.issue_access_token(origin, &mut grants, client, &grant, user, now);
        let mut payload = Map::new();
        payload.insert("refreshToken".into(), refresh_token.into());
        payload.insert("accessToken".into(), access.token.into());
        payload.insert("tokenType".into(), "Bearer".into());
        payload.insert("expiresIn".into(), access.expires_in.into());
        Ok(payload)
    }
}

/// An argument literal with its variables substituted.
fn literal(value: &graphql::Value, variables: &Map<String, Value>) -> Value {
    use graphql::Value as Literal;
    match value {
        Literal::Variable(name) => variables.get(name).cloned().unwrap_or(Value::Null),
        Literal::Int(n) => (*n).into(),
        Literal::Float(x) => json!(x),
        Literal::String(text) | Literal::Enum(text) => text.clone().into(),
        Literal::Boolean(b) => (*b).into(),
        Literal::Null => Value::Null,
        Literal::List(items) => items.iter().map(|item| literal(item, variables)).collect(),
        Literal::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), literal(value, variables)))
                .collect(),
        ),
    }
}

/// pkg/admin/graphql/user.go: the scalar fields of `User`.
fn user_object(user: &UserRecord, selection: &[Field]) -> Value {
    let attributes = standard_attributes(user);
    Value::Object(
        selection
            .iter()
            .map(|field| {
                let value = match field.name.as_str() {
                    "__typename" => "User".into(),
                    "id" => node_id(user).into(),
                    "createdAt" | "updatedAt" => rfc3339(user.created_at).into(),
                    "isDisabled" => user.seed.disabled.into(),
                    "isAnonymous" | "isDeactivated" | "isAnonymized" => false.into(),
                    "standardAttributes" => attributes.clone().into(),
                    "customAttributes" => user.seed.custom_attributes.clone().into(),
                    "web3" => json!({}),
                    "formattedName" => formatted_name(&attributes),
                    // pkg/lib/authn/user/model.go: computeEndUserAccountID prefers the email.
                    "endUserAccountID" => user.seed.email.clone().into(),
                    // Timestamps and reasons an imported, never-logged-in user does not have.
                    _ => Value::Null,
                };
                (field.response_key().to_owned(), value)
            })
            .collect(),
    )
}

/// pkg/lib/authn/stdattrs/model.go: FormattedName.
/// A `{ user }` payload (createUserPayload, updateUserPayload: `user: User!`).
fn user_payload(type_name: &str, user: &UserRecord, selection: &[Field]) -> Value {
    Value::Object(
        selection
            .iter()
            .map(|child| {
                let value = match child.name.as_str() {
                    "__typename" => type_name.into(),
                    _ => user_object(user, child.selection.as_deref().unwrap_or_default()),
                };
                (child.response_key().to_owned(), value)
            })
            .collect(),
    )
}

fn refusal_error(refusal: Refusal, field: &Field) -> GqlError {
    match refusal {
        Refusal::Api(error) => api_error(error, field),
        Refusal::NotEmulated(what) => {
            let mut error =
                GqlError::at(field, format!("devstack: {what} is not emulated")).not_emulated();
            error.path = Some(field.response_key().to_owned());
            error
        }
    }
}

fn formatted_name(attributes: &Map<String, Value>) -> Value {
    let text = |name: &str| attributes.get(name).and_then(Value::as_str).unwrap_or("");
    let name = if !text("name").is_empty() {
        text("name").to_owned()
    } else {
        [text("given_name"), text("middle_name"), text("family_name")]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (name.is_empty(), text("nickname")) {
        (true, "") => Value::Null,
        (false, "") => name.into(),
        (true, nickname) => nickname.into(),
        (false, nickname) => format!("{name} ({nickname})").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_name_follows_stdattrs() {
        let attributes = |value: Value| value.as_object().unwrap().clone();
        assert_eq!(
            formatted_name(&attributes(json!({"name": "A B"}))),
            json!("A B")
        );
        assert_eq!(
            formatted_name(&attributes(
                json!({"given_name": "A", "family_name": "B", "nickname": "ab"})
            )),
            json!("A B (ab)")
        );
        assert_eq!(formatted_name(&attributes(json!({}))), Value::Null);
    }
}
