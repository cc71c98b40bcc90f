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

mod admin_jwt;
mod gate;
mod graphql;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use authgear_migrate::wire::TokenResponse;
use serde::Deserialize;
use serde_json::json;

pub use admin_jwt::{AdminJwt, AdminKey, SigningFailed};
pub(crate) use gate::Slot;
pub(crate) use graphql::AdminError;

use crate::config::AuthgearConfig;
use crate::metrics::Metrics;
use gate::Gate;
use graphql::{Graphql, Transient};

const GET_USER_BY_LOGIN_ID: &str = "\
query getUserByLoginID($loginIDKey: String!, $loginIDValue: String!) {
  getUserByLoginID(loginIDKey: $loginIDKey, loginIDValue: $loginIDValue) { id isDisabled }
}";

const CREATE_USER: &str = "\
mutation createUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id isDisabled } }
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
}

impl AdminClient {
    pub(crate) fn new(
        config: &AuthgearConfig,
        http: reqwest::Client,
        metrics: Arc<Metrics>,
    ) -> Self {
        let jwt = AdminJwt::new(config.admin_key.clone(), config.project_id.clone())
            .with_metrics(Arc::clone(&metrics));
        Self {
            graphql: Graphql::new(config.admin_api_url(), http, jwt),
            gate: Gate::new(
                config.max_concurrency,
                config.queue_timeout,
                Arc::clone(&metrics),
            ),
            metrics,
        }
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
    /// creates none). When another exchange created them a moment ago, finds them instead.
    pub(crate) async fn create_user(
        &self,
        slot: &Slot<'_>,
        key: LoginIdKey,
        value: &str,
        now: u64,
    ) -> Result<Lookup, AdminError> {
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
            Ok(data) => Ok(Lookup::Found(data.payload.user)),
            // identity.NewErrDuplicatedIdentity: a concurrent exchange won the race.
            Err(AdminError::Refused { error, .. })
                if error.is("InvariantViolated", "identity already exists") =>
            {
                self.user_by_login_id(slot, key, value, now).await
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
