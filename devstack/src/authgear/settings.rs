//! The project configuration a test may switch at run time (`POST /__devstack/config`), named as
//! in `authgear.yaml` / the feature config.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Feature config `admin_api.create_session_enabled`. Authgear's default is false
    /// (pkg/admin/graphql/session_mutation.go answers "CreateSession is disabled"); the devstack
    /// turns it on, because every migration needs it.
    pub create_session_enabled: bool,
    /// Client config `refresh_token_rotation_enabled` (pkg/lib/config/oauth.go), default false:
    /// the `refresh_token` grant answers no new refresh token. A switch.
    pub refresh_token_rotation_enabled: bool,
    /// Client config `access_token_lifetime_seconds`; pkg/lib/config/session.go:
    /// DefaultAccessTokenLifetime = 30 * 60.
    pub access_token_lifetime_seconds: u64,
    /// Client config `issue_jwt_access_token` (pkg/lib/config/oauth.go), default false: access
    /// tokens are opaque, as most projects have them. A switch: on, they are JWTs
    /// (pkg/lib/oauth/token_encoding.go), which the engine checks before saving.
    pub issue_jwt_access_token: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            create_session_enabled: true,
            refresh_token_rotation_enabled: false,
            access_token_lifetime_seconds: 30 * 60,
            issue_jwt_access_token: false,
        }
    }
}

/// The body of `POST /__devstack/config`: any subset of [`Settings`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    create_session_enabled: Option<bool>,
    refresh_token_rotation_enabled: Option<bool>,
    access_token_lifetime_seconds: Option<u64>,
    issue_jwt_access_token: Option<bool>,
}

impl Settings {
    pub fn apply(&mut self, patch: SettingsPatch) -> Result<(), String> {
        if patch.access_token_lifetime_seconds == Some(0) {
            return Err("`access_token_lifetime_seconds` must be positive".into());
        }
        if let Some(value) = patch.create_session_enabled {
            self.create_session_enabled = value;
        }
        if let Some(value) = patch.refresh_token_rotation_enabled {
            self.refresh_token_rotation_enabled = value;
        }
        if let Some(value) = patch.access_token_lifetime_seconds {
            self.access_token_lifetime_seconds = value;
        }
        if let Some(value) = patch.issue_jwt_access_token {
            self.issue_jwt_access_token = value;
        }
        Ok(())
    }
}
