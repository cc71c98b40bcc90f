//! The presets and their options: which SDK a team named, what it configured that SDK with, and
//! the per-preset facts (wire name, default bearer) the rest of the crate reads. Apart from the
//! parsers so that the options, the cookie code and the rendered facts can name a preset without
//! them.

use crate::core::json::Named;
use crate::core::options::SourceSpec;
use crate::core::source::TokenKind;
use crate::prelude::*;

/// The SDKs a preset reads. `authjs` and `cookie` are cookie modes: the session is in an
/// HttpOnly cookie only the endpoint can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Auth0Spa,
    Firebase,
    Amplify,
    Cognito,
    Supabase,
    Okta,
    Msal,
    OidcClientTs,
    Descope,
    Stytch,
    Privy,
    Kinde,
    Clerk,
    Authjs,
    Cookie,
}

impl Preset {
    pub const ALL: [Self; 15] = [
        Self::Auth0Spa,
        Self::Firebase,
        Self::Amplify,
        Self::Cognito,
        Self::Supabase,
        Self::Okta,
        Self::Msal,
        Self::OidcClientTs,
        Self::Descope,
        Self::Stytch,
        Self::Privy,
        Self::Kinde,
        Self::Clerk,
        Self::Authjs,
        Self::Cookie,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auth0Spa => "auth0-spa",
            Self::Firebase => "firebase",
            Self::Amplify => "amplify",
            Self::Cognito => "cognito",
            Self::Supabase => "supabase",
            Self::Okta => "okta",
            Self::Msal => "msal",
            Self::OidcClientTs => "oidc-client-ts",
            Self::Descope => "descope",
            Self::Stytch => "stytch",
            Self::Privy => "privy",
            Self::Kinde => "kinde",
            Self::Clerk => "clerk",
            Self::Authjs => "authjs",
            Self::Cookie => "cookie",
        }
    }

    /// The bearer token the SDK's backends verify: the ID token for Firebase (its "access
    /// token" is the Firebase ID token) and Cognito; the access token otherwise.
    pub const fn bearer(self) -> TokenKind {
        match self {
            Self::Firebase | Self::Amplify | Self::Cognito => TokenKind::IdToken,
            _ => TokenKind::AccessToken,
        }
    }
}

impl Named for Preset {
    const ALL: &'static [Self] = &Self::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// A preset and its options, as `pkg/src/presets.js` normalises them. Which options a preset
/// takes is checked there, with errors that name the option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetSpec {
    pub preset: Preset,
    /// The SDK's client ID (Auth0, Cognito, MSAL, oidc-client-ts): picks that app's session.
    pub client_id: Option<String>,
    /// Auth0's cache key audience; MSAL: the access token whose `aud` has it.
    pub audience: Option<String>,
    /// Auth0's cache key scope, MSAL's token target: every word of it must be there.
    pub scope: Option<String>,
    /// The storage key the SDK was configured with (Supabase `storageKey`, Okta
    /// `tokenManager.storageKey`), or the one the wrapper derived (Supabase from `url`).
    pub storage_key: Option<String>,
    /// oidc-client-ts `authority`.
    pub authority: Option<String>,
    /// Firebase `apiKey` and app name.
    pub api_key: Option<String>,
    pub app_name: Option<String>,
    /// Descope `localStorage` key prefix.
    pub prefix: Option<String>,
    /// The bearer token the backend verifies, when not the preset's default.
    pub bearer: Option<TokenKind>,
    /// Cookie mode: when no readable token is live, let the endpoint read an HttpOnly cookie.
    pub cookie: Option<CookieMode>,
}

/// Cookie mode. `indicator` names a cookie page JavaScript can read whose presence says a
/// legacy session exists, so signed-out users send nothing; presets with one of their own
/// (Clerk `__client_uat`, Privy `privy-session`) need none. Kinde's `_kbrte` is its HttpOnly
/// refresh cookie itself, never visible to page JavaScript: Kinde's cookie mode asks the
/// endpoint once, as Auth.js's does, unless the app names an indicator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CookieMode {
    pub indicator: Option<String>,
}

impl PresetSpec {
    /// A spec with no options, for tests and defaults.
    pub const fn new(preset: Preset) -> Self {
        Self {
            preset,
            client_id: None,
            audience: None,
            scope: None,
            storage_key: None,
            authority: None,
            api_key: None,
            app_name: None,
            prefix: None,
            bearer: None,
            cookie: None,
        }
    }

    pub fn bearer(&self) -> TokenKind {
        self.bearer.unwrap_or_else(|| self.preset.bearer())
    }
}

/// The bearer token kind the source's backend verifies.
pub fn bearer(source: &SourceSpec) -> TokenKind {
    match source {
        SourceSpec::Preset(spec) => spec.bearer(),
        _ => TokenKind::AccessToken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_per_preset() {
        assert_eq!(Preset::Firebase.bearer(), TokenKind::IdToken);
        assert_eq!(Preset::Cognito.bearer(), TokenKind::IdToken);
        assert_eq!(Preset::Amplify.bearer(), TokenKind::IdToken);
        assert_eq!(Preset::Supabase.bearer(), TokenKind::AccessToken);
    }
}
