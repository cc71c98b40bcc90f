//! The two Admin API operations of Authgear's zero-downtime migration guide: find the imported
//! user by login ID, then create a session for them.
//!
//! The schema is Authgear's pkg/admin/graphql: `getUserByLoginID(loginIDKey: String!,
//! loginIDValue: String!): User` (null when nobody has the login ID) and
//! `createSession(input: CreateSessionInput!): CreateSessionPayload!`.

mod admin_jwt;
mod graphql;

use std::fmt;
use std::str::FromStr;

use authgear_migrate::wire::TokenResponse;
use serde::Deserialize;
use serde_json::json;

pub use admin_jwt::AdminKey;
pub(crate) use graphql::AdminError;

use crate::config::AuthgearConfig;
use admin_jwt::AdminJwt;
use graphql::Graphql;

const GET_USER_BY_LOGIN_ID: &str = "\
query getUserByLoginID($loginIDKey: String!, $loginIDValue: String!) {
  getUserByLoginID(loginIDKey: $loginIDKey, loginIDValue: $loginIDValue) { id isDisabled }
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

pub(crate) struct AdminClient {
    graphql: Graphql,
}

impl AdminClient {
    pub(crate) fn new(config: &AuthgearConfig, http: reqwest::Client) -> Self {
        let jwt = AdminJwt::new(config.admin_key.clone(), config.project_id.clone());
        Self {
            graphql: Graphql::new(config.admin_api_url(), http, jwt),
        }
    }

    /// The user with this login ID, or `None`.
    pub(crate) async fn user_by_login_id(
        &self,
        key: LoginIdKey,
        value: &str,
        now: u64,
    ) -> Result<Option<User>, AdminError> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "getUserByLoginID")]
            user: Option<User>,
        }
        let variables = json!({ "loginIDKey": key.as_str(), "loginIDValue": value });
        match self
            .graphql
            .run::<Data>("getUserByLoginID", GET_USER_BY_LOGIN_ID, variables, now)
            .await
        {
            Ok(data) => Ok(data.user),
            // A value Authgear cannot normalise (an `email` claim that is not an email address)
            // belongs to nobody. The same reason with "invalid Login ID key" is our
            // misconfiguration and stays an error (identity/loginid/provider.go).
            Err(AdminError::Refused { error, .. })
                if error.is("GetUsersInvalidArgument", "invalid Login ID value") =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// A new session for `user_id` on `client_id`.
    pub(crate) async fn create_session(
        &self,
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
            .graphql
            .run(
                "createSession",
                CREATE_SESSION,
                json!({ "input": input }),
                now,
            )
            .await?;
        Ok(data.session)
    }
}
