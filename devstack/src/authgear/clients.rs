//! The project's OAuth clients: the first-party SPA the demo uses, and a third-party app that
//! exists so that createSession's "non-first party client" refusal can be seen.

use serde::Serialize;

/// `x_application_type`, only the two kinds the devstack configures.
/// pkg/lib/config/oauth.go: OAuthClientApplicationType.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    Spa,
    ThirdPartyApp,
}

#[derive(Clone, Debug, Serialize)]
pub struct OAuthClient {
    pub client_id: String,
    #[serde(rename = "x_application_type")]
    pub application_type: ApplicationType,
    pub redirect_uris: Vec<String>,
}

impl OAuthClient {
    /// pkg/lib/config/oauth.go: IsFirstParty = !IsThirdParty; only `third_party_app` is third party.
    pub fn is_first_party(&self) -> bool {
        self.application_type != ApplicationType::ThirdPartyApp
    }
}

pub struct Clients(Vec<OAuthClient>);

impl Clients {
    pub fn new(clients: Vec<OAuthClient>) -> Self {
        Self(clients)
    }

    /// pkg/lib/oauth/handler/resolve.go: resolveClient, by exact `client_id`.
    pub fn resolve(&self, client_id: &str) -> Option<&OAuthClient> {
        self.0.iter().find(|client| client.client_id == client_id)
    }

    pub fn all(&self) -> &[OAuthClient] {
        &self.0
    }
}
