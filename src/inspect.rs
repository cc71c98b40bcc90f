//! `inspectLegacySession`: what a source finds on this device, for support and the demo.
//!
//! Read-only: no lock, no request, no write. It reads the legacy session as `migrateSession`
//! would and judges it with the same pre-check, then reports kinds, formats, expiries and the
//! entries cleanup would remove. Never a token value.

use crate::core::choice::{Choice, Expectations, choose};
use crate::core::json::Json;
use crate::core::options::{Options, SourceSpec};
use crate::core::source::{LegacySession, Unreadable};
use crate::engine::device::{Clock, LegacyMedia, Storage};
use crate::engine::legacy;
use crate::prelude::*;

/// The answer, written as the object `pkg/index.d.ts` documents as `Inspection`
/// ([`Inspection::to_json`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    pub found: bool,
    /// The medium (`localStorage`, `cookie`, `callback`) or the preset's name.
    pub source: &'static str,
    pub preset: Option<&'static str>,
    pub tokens: Vec<TokenReport>,
    pub entries: Vec<EntryReport>,
    /// The credential `migrateSession` would send: a token kind, or `cookie`.
    pub credential: Option<&'static str>,
    /// Why nothing would be sent (`expired`, `wrong_issuer`, `wrong_audience`, `dpop_bound`).
    pub refused: Option<&'static str>,
    /// Why a value that was there did not yield a session.
    pub unreadable: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenReport {
    pub kind: &'static str,
    pub format: &'static str,
    /// Unix seconds, from the token's `exp` or the SDK's record of it; `null` when unknown.
    pub expires_at: Option<i64>,
    /// Judged with the clock tolerance, as the pre-check does.
    pub expired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryReport {
    pub storage: &'static str,
    pub key: String,
}

impl Inspection {
    /// camelCase fields; `preset`, `credential`, `refused`, `unreadable` left out when `None`,
    /// a token's `expiresAt` written as `null`.
    pub fn to_json(&self) -> Json {
        let mut tokens = Vec::with_capacity(self.tokens.len());
        for token in &self.tokens {
            tokens.push(Json::object(vec![
                ("kind", Json::from(token.kind)),
                ("format", Json::from(token.format)),
                ("expiresAt", Json::from(token.expires_at)),
                ("expired", Json::from(token.expired)),
            ]));
        }
        let mut entries = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            entries.push(Json::object(vec![
                ("storage", Json::from(entry.storage)),
                ("key", Json::from(entry.key.as_str())),
            ]));
        }
        Json::object(vec![
            ("found", Json::from(self.found)),
            ("source", Json::from(self.source)),
        ])
        .with_some("preset", self.preset)
        .with("tokens", Json::Array(tokens))
        .with("entries", Json::Array(entries))
        .with_some("credential", self.credential)
        .with_some("refused", self.refused)
        .with_some("unreadable", self.unreadable)
    }
}

/// Builds the answer from what reading found.
pub fn inspection(
    source: &'static str,
    preset: Option<&'static str>,
    session: Option<&LegacySession>,
    unreadable: Option<&'static str>,
    expect: &Expectations<'_>,
) -> Inspection {
    let mut answer = Inspection {
        found: session.is_some(),
        source,
        preset,
        tokens: Vec::new(),
        entries: Vec::new(),
        credential: None,
        refused: None,
        unreadable,
    };
    let Some(session) = session else {
        return answer;
    };
    for token in &session.tokens {
        answer.tokens.push(TokenReport {
            kind: token.kind.as_str(),
            format: token.facts.format.as_str(),
            expires_at: token.facts.expires_at,
            expired: token.facts.is_expired(expect.now, expect.leeway),
        });
    }
    for entry in &session.entries {
        answer.entries.push(EntryReport {
            storage: entry.area.as_str(),
            key: entry.key.clone(),
        });
    }
    if session.is_cookie() {
        answer.credential = Some("cookie");
    } else {
        match choose(session, expect) {
            Choice::Send(token) => answer.credential = Some(token.kind.as_str()),
            Choice::Refuse(refusal) => answer.refused = Some(refusal.as_str()),
        }
    }
    answer
}

/// Reads the configured source and answers, without touching anything.
pub async fn inspect<D: Storage + LegacyMedia + Clock>(
    options: &Options,
    device: &D,
) -> Inspection {
    let source = &options.legacy.source;
    let preset = match source {
        SourceSpec::Preset(spec) => Some(spec.preset.as_str()),
        _ => None,
    };
    let expect = Expectations {
        issuer: options.legacy.issuer.as_deref(),
        audience: options.legacy.audience.as_deref(),
        leeway: i64::from(options.clock_tolerance_seconds),
        now: device.now_s(),
        bearer: crate::core::presets::bearer(source),
    };
    match legacy::read(source, device).await {
        Ok(reading) => inspection(
            reading.source,
            preset,
            reading.session.as_ref(),
            reading.unreadable,
            &expect,
        ),
        // What `migrateSession` answers `deferred` for (`legacy_read_failed`, `storage`).
        Err(failed) => inspection(
            failed.source(),
            None,
            None,
            Some(Unreadable::ReadFailed.as_str()),
            &expect,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::presets::{Preset, PresetSpec, fixtures::*, parse};
    use crate::core::source::TokenKind;
    use serde_json::{Value, json};

    fn written(answer: &Inspection) -> Value {
        serde_json::from_str(&answer.to_json().to_text()).unwrap()
    }

    fn expect(bearer: TokenKind) -> Expectations<'static> {
        Expectations {
            issuer: None,
            audience: None,
            leeway: 60,
            now: NOW,
            bearer,
        }
    }

    #[test]
    fn reports_without_tokens() {
        let spec = PresetSpec::new(Preset::OidcClientTs);
        let access = jwt_exp(NOW - 3600);
        let value = json!({"access_token": access, "refresh_token": "secret-refresh",
            "expires_at": NOW - 3600})
        .to_string();
        let session = parse(
            &spec,
            &[session_storage("oidc.user:https://a:c", &value)],
            NOW,
        )
        .unwrap()
        .unwrap();
        let answer = inspection(
            "oidc-client-ts",
            Some("oidc-client-ts"),
            Some(&session),
            None,
            &expect(TokenKind::AccessToken),
        );
        let serialised = written(&answer);
        assert_eq!(
            serialised,
            json!({"found": true, "source": "oidc-client-ts", "preset": "oidc-client-ts",
                "tokens": [
                    {"kind": "access_token", "format": "jwt", "expiresAt": NOW - 3600, "expired": true},
                    {"kind": "refresh_token", "format": "opaque", "expiresAt": null, "expired": false}],
                "entries": [{"storage": "sessionStorage", "key": "oidc.user:https://a:c"}],
                "credential": "refresh_token"})
        );
        let text = serialised.to_string();
        assert!(!text.contains("secret-refresh") && !text.contains(&access));
    }

    #[test]
    fn refusals_cookie_sessions_and_nothing() {
        let spec = PresetSpec::new(Preset::Descope);
        let session = parse(&spec, &[local("DS", &jwt_exp(NOW - 3600))], NOW)
            .unwrap()
            .unwrap();
        let answer = inspection(
            "descope",
            None,
            Some(&session),
            None,
            &expect(TokenKind::AccessToken),
        );
        assert_eq!(answer.refused, Some("expired"));
        assert_eq!(answer.credential, None);
        let cookie = LegacySession::default();
        let answer = inspection(
            "authjs",
            None,
            Some(&cookie),
            None,
            &expect(TokenKind::AccessToken),
        );
        assert_eq!(answer.credential, Some("cookie"));
        let answer = inspection(
            "msal",
            None,
            None,
            Some("not_decryptable"),
            &expect(TokenKind::AccessToken),
        );
        assert_eq!(
            written(&answer),
            json!({"found": false, "source": "msal", "tokens": [], "entries": [],
                "unreadable": "not_decryptable"})
        );
    }
}
