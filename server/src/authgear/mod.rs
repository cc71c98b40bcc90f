//! The Admin API operations of Authgear's zero-downtime migration guide: find the imported
//! user by login ID (or create them, when configured), then create a session for them.
//!
//! The schema is Authgear's pkg/admin/graphql: `getUserByLoginID(loginIDKey: String!,
//! loginIDValue: String!): User` (null when nobody has the login ID),
//! `createUser(input: CreateUserInput!): CreateUserPayload!` (user_mutation.go) and
//! `createSession(input: CreateSessionInput!): CreateSessionPayload!`.
//!
//! Calls are gated: at most `AUTHGEAR_MAX_CONCURRENCY` exchanges talk to the Admin API at
//! once, and after Authgear answered 429 none does until its `Retry-After` has passed.

mod gate;
mod graphql;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use authgear_migrate::wire::TokenResponse;
use serde::Deserialize;
use serde_json::json;

pub use authgear_migrate_admin::{AdminJwt, AdminKey, SigningFailed};
pub(crate) use gate::Slot;
pub(crate) use graphql::AdminError;

use crate::config::AuthgearConfig;
use crate::metrics::Metrics;
use gate::Gate;
use graphql::{Graphql, Transient};

const GET_USER_BY_LOGIN_ID: &str = "\
query getUserByLoginID($loginIDKey: String!, $loginIDValue: String!) {
  getUserByLoginID(loginIDKey: $loginIDKey, loginIDValue: $loginIDValue) { id isDisabled customAttributes }
}";

const CREATE_USER: &str = "\
mutation createUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id isDisabled customAttributes } }
}";

const UPDATE_USER: &str = "\
mutation updateUser($input: UpdateUserInput!) {
  updateUser(input: $input) { user { customAttributes } }
}";

const CREATE_SESSION: &str = "\
mutation createSession($input: CreateSessionInput!) {
  createSession(input: $input) { accessToken refreshToken tokenType expiresIn }
}";

/// Which kind of login ID the legacy users were imported with: the `loginIDKey` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginIdKey {
    Email,
    Phone,
    Username,
}

impl LoginIdKey {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Username => "username",
        }
    }
}

impl FromStr for LoginIdKey {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        [Self::Email, Self::Phone, Self::Username]
            .into_iter()
            .find(|key| key.as_str() == text)
            .ok_or(())
    }
}

impl fmt::Display for LoginIdKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user ID no user has: the global node ID of `User:` and the nil UUID. Well-formed, so that
/// `createSession` gets past its user ID check to the client checks.
const PROBE_USER_ID: &str = "VXNlcjowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA";

/// What a `createSession` for a user who does not exist says about a client. Authgear checks,
/// in order (pkg/admin/graphql/session_mutation.go, then pkg/admin/facade/oauth.go): the
/// project's feature flag, the user ID's form, the client ID, the client being first-party, and
/// only then whether the user exists. "user not found" therefore proves the rest, and nothing
/// was created.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SessionProbe {
    /// "user not found": the feature is on and the client exists and is first-party.
    Usable,
    /// "CreateSession is disabled": the feature `admin_api.create_session_enabled` is off.
    FeatureDisabled,
    /// "invalid client ID": the project has no such client.
    UnknownClient,
    /// "cannot create session for non-first party client".
    NotFirstParty,
    /// A session was created: Authgear has a user with the nil UUID.
    Created,
}

/// An Authgear user, as much of it as the exchange needs.
#[derive(Debug, Deserialize)]
pub(crate) struct User {
    /// The global node ID (base64url of `User:<uuid>`) that `createSession` wants.
    pub(crate) id: String,
    /// True for disabled, deactivated, anonymized, scheduled-for-deletion and out-of-validity
    /// users. `createSession` checks none of these: it would issue tokens that fail at the first
    /// refresh.
    #[serde(rename = "isDisabled")]
    pub(crate) is_disabled: bool,
    /// `UserCustomAttributes!`: the custom attributes by name (pkg/admin/graphql/user.go), for
    /// the legacy subject binding.
    #[serde(rename = "customAttributes", default)]
    pub(crate) custom_attributes: serde_json::Map<String, serde_json::Value>,
}

/// What `getUserByLoginID` found.
#[derive(Debug)]
pub(crate) enum Lookup {
    Found(User),
    /// Nobody has the login ID.
    Nobody,
    /// Authgear cannot read the value as this kind of login ID (an `email` claim that is not an
    /// email address): nobody can have it, and no user can be created with it.
    Unusable,
}

pub(crate) struct AdminClient {
    graphql: Graphql,
    gate: Gate,
    metrics: Arc<Metrics>,
    client_ids: Vec<String>,
    /// The origins of `AUTHGEAR_ENDPOINT` and `AUTHGEAR_PUBLIC_ENDPOINT`.
    origins: (String, String),
}

impl AdminClient {
    pub(crate) fn new(
        config: &AuthgearConfig,
        http: reqwest::Client,
        metrics: Arc<Metrics>,
    ) -> Self {
        let counted = Arc::clone(&metrics);
        let jwt = AdminJwt::new(config.admin_key.clone(), config.project_id.clone())
            .observed(move |result| counted.cache("admin_jwt", result.as_str()));
        Self {
            graphql: Graphql::new(config.admin_api_url(), http, jwt),
            gate: Gate::new(
                config.max_concurrency,
                config.queue_timeout,
                Arc::clone(&metrics),
            ),
            metrics,
            client_ids: config.client_ids.clone(),
            origins: (
                config.endpoint.origin().ascii_serialization(),
                config.public_endpoint.origin().ascii_serialization(),
            ),
        }
    }

    /// `AUTHGEAR_CLIENT_IDS`.
    pub(crate) fn client_ids(&self) -> &[String] {
        &self.client_ids
    }

    /// The origin the Admin API is called at (the `iss` of the JWT access tokens it issues)
    /// and the origin the apps' SDK uses.
    pub(crate) fn origins(&self) -> (&str, &str) {
        (&self.origins.0, &self.origins.1)
    }

    /// A slot to make calls in; every call needs one. `Err` when every slot stayed taken for
    /// the queue timeout, or Authgear asked to slow down moments ago.
    pub(crate) async fn slot(&self) -> Result<Slot<'_>, AdminError> {
        self.gate.enter().await
    }

    /// Runs an operation, timed, and opens the gate's backoff when Authgear answers 429.
    pub(crate) async fn run<D: serde::de::DeserializeOwned>(
        &self,
        _slot: &Slot<'_>,
        operation: &'static str,
        query: &'static str,
        variables: serde_json::Value,
        now: u64,
    ) -> Result<D, AdminError> {
        let started = Instant::now();
        let result = self.graphql.run(operation, query, variables, now).await;
        let label = match &result {
            Ok(_) => "ok",
            Err(AdminError::Unavailable { .. }) => "unavailable",
            Err(AdminError::Refused { .. }) => "refused",
            Err(_) => "error",
        };
        self.metrics.admin_call(operation, label, started.elapsed());
        if let Err(AdminError::Unavailable {
            cause: Transient::Status(status),
            retry_after,
            ..
        }) = &result
        {
            if status.as_u16() == 429 {
                self.gate.back_off(*retry_after);
            }
        }
        result
    }

    /// The user with this login ID.
    pub(crate) async fn user_by_login_id(
        &self,
        slot: &Slot<'_>,
        key: LoginIdKey,
        value: &str,
        now: u64,
    ) -> Result<Lookup, AdminError> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "getUserByLoginID")]
            user: Option<User>,
        }
        let variables = json!({ "loginIDKey": key.as_str(), "loginIDValue": value });
        match self
            .run::<Data>(
                slot,
                "getUserByLoginID",
                GET_USER_BY_LOGIN_ID,
                variables,
                now,
            )
            .await
        {
            Ok(data) => Ok(data.user.map_or(Lookup::Nobody, Lookup::Found)),
            // A value Authgear cannot normalise belongs to nobody. The same reason with
            // "invalid Login ID key" is our misconfiguration and stays an error
            // (identity/loginid/provider.go).
            Err(AdminError::Refused { error, .. })
                if error.is("GetUsersInvalidArgument", "invalid Login ID value") =>
            {
                Ok(Lookup::Unusable)
            }
            Err(error) => Err(error),
        }
    }

    /// Creates a user with this login ID and no password (user_mutation.go: `password` null
    /// creates none). `None` when someone has the login ID already (another exchange a moment
    /// ago, a sign-up): that user was not created here.
    pub(crate) async fn create_user(
        &self,
        slot: &Slot<'_>,
        key: LoginIdKey,
        value: &str,
        now: u64,
    ) -> Result<Option<User>, AdminError> {
        #[derive(Deserialize)]
        struct Payload {
            user: User,
        }
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "createUser")]
            payload: Payload,
        }
        let input = json!({ "definition": { "loginID": { "key": key.as_str(), "value": value } } });
        match self
            .run::<Data>(
                slot,
                "createUser",
                CREATE_USER,
                json!({ "input": input }),
                now,
            )
            .await
        {
            Ok(data) => Ok(Some(data.payload.user)),
            // identity.NewErrDuplicatedIdentity.
            Err(AdminError::Refused { error, .. })
                if error.is("InvariantViolated", "identity already exists") =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// Sets one custom attribute of `user`, and answers the attributes Authgear now holds.
    /// `updateUser`'s `customAttributes` replaces them all (user_mutation.go), so the user's
    /// others are sent along.
    pub(crate) async fn set_custom_attribute(
        &self,
        slot: &Slot<'_>,
        user: &User,
        attribute: &str,
        value: &str,
        now: u64,
    ) -> Result<serde_json::Map<String, serde_json::Value>, AdminError> {
        #[derive(Deserialize)]
        struct Attributes {
            #[serde(rename = "customAttributes")]
            custom_attributes: serde_json::Map<String, serde_json::Value>,
        }
        #[derive(Deserialize)]
        struct Payload {
            user: Attributes,
        }
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "updateUser")]
            payload: Payload,
        }
        let mut attributes = user.custom_attributes.clone();
        attributes.insert(attribute.to_owned(), value.into());
        let input = json!({ "userID": user.id, "customAttributes": attributes });
        let data: Data = self
            .run(
                slot,
                "updateUser",
                UPDATE_USER,
                json!({ "input": input }),
                now,
            )
            .await?;
        Ok(data.payload.user.custom_attributes)
    }

    /// Asks for a session for a user who does not exist, to see which check refuses it.
    pub(crate) async fn probe_create_session(
        &self,
        slot: &Slot<'_>,
        client_id: &str,
        now: u64,
    ) -> Result<SessionProbe, AdminError> {
        match self
            .create_session(slot, PROBE_USER_ID, client_id, None, now)
            .await
        {
            Ok(_) => Ok(SessionProbe::Created),
            // api.ErrUserNotFound; apierrors.NewForbidden / NewInvalid for the others.
            Err(AdminError::Refused { error, .. })
                if error.is("UserNotFound", "user not found") =>
            {
                Ok(SessionProbe::Usable)
            }
            Err(AdminError::Refused { error, .. })
                if error.is("Forbidden", "CreateSession is disabled") =>
            {
                Ok(SessionProbe::FeatureDisabled)
            }
            Err(AdminError::Refused { error, .. }) if error.is("Invalid", "invalid client ID") => {
                Ok(SessionProbe::UnknownClient)
            }
            Err(AdminError::Refused { error, .. })
                if error.is(
                    "Forbidden",
                    "cannot create session for non-first party client",
                ) =>
            {
                Ok(SessionProbe::NotFirstParty)
            }
            Err(error) => Err(error),
        }
    }

    /// A new session for `user_id` on `client_id`.
    pub(crate) async fn create_session(
        &self,
        slot: &Slot<'_>,
        user_id: &str,
        client_id: &str,
        device_info: Option<&str>,
        now: u64,
    ) -> Result<TokenResponse, AdminError> {
        #[derive(Deserialize)]
        struct Data {
            // The payload's camelCase fields are aliases of the wire type's own.
            #[serde(rename = "createSession")]
            session: TokenResponse,
        }
        let mut input = json!({ "userID": user_id, "clientID": client_id });
        if let Some(device_info) = device_info {
            input["deviceInfo"] = device_info.into();
        }
        let data: Data = self
            .run(
                slot,
                "createSession",
                CREATE_SESSION,
                json!({ "input": input }),
                now,
            )
            .await?;
        Ok(data.session)
    }
}
