//! Cookie mode: the legacy session lives in an HttpOnly cookie the page cannot read. The
//! browser sends it along with the exchange; the endpoint forwards the configured cookies (and
//! only those: the others may be the app's own) to the legacy session-check URL, which answers
//! the user's claims while the session is alive.

use std::sync::Arc;

use authgear_migrate::wire::GrantRefusal;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use url::Url;

use super::call::{self, unexpected};
use super::{IssuedTo, LegacyError, Verified, replay_id};
use crate::config::SessionCheckConfig;
use crate::legacy_jwt::Claims;
use crate::metrics::Metrics;

const CALL: &str = "session_check";
/// A session cookie is an ID or a signed blob: a few hundred bytes, 4 KiB at the very most
/// (RFC 6265 §6.1).
const MAX_COOKIE_BYTES: usize = 4096;

pub(super) struct SessionCheck {
    url: Url,
    names: Vec<String>,
    http: reqwest::Client,
    metrics: Arc<Metrics>,
}

impl SessionCheck {
    pub(super) fn new(
        config: &SessionCheckConfig,
        http: reqwest::Client,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            url: config.url.clone(),
            names: config.cookies.clone(),
            http,
            metrics,
        }
    }

    pub(super) fn url(&self) -> &Url {
        &self.url
    }

    /// `name=value; …` of the configured cookies, in configuration order, as the request
    /// carries them; `None` unless it carries every one. A cookie the session check can do
    /// without, added or left out, would otherwise make one session two credentials.
    pub(super) fn cookies_of(&self, headers: &HeaderMap) -> Option<String> {
        let pairs: Vec<(&str, &str)> = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .map(|(name, value)| (name.trim(), value.trim()))
            .filter(|(_, value)| !value.is_empty() && value.len() <= MAX_COOKIE_BYTES)
            .collect();
        let forwarded: Option<Vec<String>> = self
            .names
            .iter()
            .map(|name| {
                // The first of a repeated name is the most specific (RFC 6265 §5.4).
                let (name, value) = pairs.iter().find(|(candidate, _)| candidate == name)?;
                Some(format!("{name}={value}"))
            })
            .collect();
        forwarded.map(|forwarded| forwarded.join("; "))
    }

    pub(super) async fn check(&self, cookies: &str) -> Result<Verified, LegacyError> {
        let request = self
            .http
            .get(self.url.clone())
            .header(reqwest::header::COOKIE, cookies)
            .header(ACCEPT, "application/json");
        let answer = call::send(request, CALL, &self.metrics).await?;
        match answer.status {
            StatusCode::OK => Ok(Verified {
                claims: Claims::from_object(answer.object(CALL)?),
                // The session's own end is the IdP's business; REPLAY_TTL_SECONDS stands in.
                expires_at: None,
                replay_id: cookies_replay_id(cookies),
                issued_to: IssuedTo::Unknown,
            }),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(LegacyError::Refused {
                reason: GrantRefusal::Invalid,
                detail: "the legacy IdP says the session cookie is not a live session",
            }),
            _ => Err(unexpected(CALL, &answer)),
        }
    }
}

/// The replay identity of the forwarded `cookies` (every configured one, see
/// [`SessionCheck::cookies_of`]): each value as servers read it, without the double quotes
/// RFC 6265 §4.1.1 allows around it (Go's net/http and Node's `cookie` drop them), then as any
/// token is known, since a session cookie may be a JWT. They are forwarded as sent: the IdP,
/// not the endpoint, decides what its cookies mean.
fn cookies_replay_id(cookies: &str) -> String {
    let values: Vec<String> = cookies
        .split("; ")
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let unquoted = value
                .strip_prefix('"')
                .and_then(|value| value.strip_suffix('"'));
            format!("{name}\0{}", replay_id(unquoted.unwrap_or(value), None))
        })
        .collect();
    format!("cookie\0{}", values.join("\0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session of two cookies, `sid` and its signature `sid_sig`.
    fn sid_check() -> SessionCheck {
        SessionCheck::new(
            &SessionCheckConfig {
                url: "https://legacy.example/session".parse().unwrap(),
                cookies: vec!["sid".to_owned(), "sid_sig".to_owned()],
            },
            reqwest::Client::new(),
            Arc::new(Metrics::new()),
        )
    }

    #[test]
    fn only_the_configured_cookies_are_forwarded() {
        let check = sid_check();
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, "app_pref=1; sid_sig=abc".parse().unwrap());
        headers.append(COOKIE, "sid=xyz; sid=shadowed; other=2".parse().unwrap());
        assert_eq!(
            check.cookies_of(&headers).as_deref(),
            Some("sid=xyz; sid_sig=abc")
        );
        let mut none = HeaderMap::new();
        none.append(COOKIE, "app_pref=1; sid=".parse().unwrap());
        assert_eq!(check.cookies_of(&none), None);
    }

    #[test]
    fn a_session_has_one_spelling() {
        let check = sid_check();
        let replay_id_of = |cookie: &str| {
            let mut headers = HeaderMap::new();
            headers.append(COOKIE, cookie.parse().unwrap());
            check
                .cookies_of(&headers)
                .map(|cookies| cookies_replay_id(&cookies))
        };
        let plain = replay_id_of("sid=xyz; sid_sig=abc").unwrap();
        for spelling in [
            r#"sid="xyz"; sid_sig=abc"#,
            r#"sid=xyz; sid_sig="abc""#,
            "sid_sig=abc; theme=dark; sid=xyz",
        ] {
            assert_eq!(
                replay_id_of(spelling).as_deref(),
                Some(plain.as_str()),
                "{spelling}"
            );
        }
        assert_ne!(replay_id_of("sid=xyz; sid_sig=abd").unwrap(), plain);
        // One of them left out is no other spelling of the session: it is refused.
        assert_eq!(replay_id_of("sid=xyz"), None);
    }
}
