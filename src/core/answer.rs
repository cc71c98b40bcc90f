//! What the endpoint's answer means: tokens, a permanent refusal, or "not now".

use crate::core::json::{Json, integer};
use crate::core::outcome::{DeferReason, RejectReason};
use crate::core::search;
use crate::prelude::*;
use crate::wire::{ErrorCode, ErrorResponse, GrantRefusal, LegacyTokens, TokenResponse};

/// The endpoint's answer, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum ExchangeAnswer {
    Tokens(TokenResponse),
    /// The credential will never be exchanged, or the configuration is wrong. Not retried.
    Refused {
        reason: RejectReason,
        description: Option<String>,
        legacy_session: Option<LegacyTokens>,
    },
    /// Try again later; `retry_after_ms` when the endpoint said how long to wait.
    Unavailable {
        reason: DeferReason,
        retry_after_ms: Option<u64>,
        legacy_session: Option<LegacyTokens>,
    },
}

impl ExchangeAnswer {
    /// A request that got no answer at all.
    pub const fn unanswered(reason: DeferReason) -> Self {
        Self::Unavailable {
            reason,
            retry_after_ms: None,
            legacy_session: None,
        }
    }

    /// Replacement legacy tokens the endpoint handed back, if any.
    pub fn legacy_session(&self) -> Option<&LegacyTokens> {
        match self {
            Self::Tokens(_) => None,
            Self::Refused { legacy_session, .. } | Self::Unavailable { legacy_session, .. } => {
                legacy_session.as_ref()
            }
        }
    }
}

/// Classifies an HTTP answer. `retry_after` is the raw `Retry-After` header; `now_ms` resolves
/// its HTTP-date form.
pub fn classify(status: u16, retry_after: Option<&str>, body: &str, now_ms: i64) -> ExchangeAnswer {
    let json = Json::parse(body).ok();
    if status == 200 {
        return match json.as_ref().map(TokenResponse::from_json) {
            Some(Ok(tokens)) => ExchangeAnswer::Tokens(tokens),
            // A truncated or mangled body: the exchange may well have happened, and a retry
            // with the same idempotency key gets the endpoint's stored answer.
            _ => ExchangeAnswer::unanswered(DeferReason::InvalidResponse),
        };
    }
    let error = json.and_then(|json| ErrorResponse::from_json(&json).ok());
    let retry_after_ms = retry_after.and_then(|value| parse_retry_after(value, now_ms));
    let code = error.as_ref().map(|error| error.error);
    let permanent = match (status, code) {
        (400, Some(ErrorCode::InvalidGrant)) => {
            Some(grant_refusal(error.as_ref().and_then(|error| error.reason)))
        }
        (400, Some(ErrorCode::InvalidRequest)) => Some(RejectReason::InvalidRequest),
        (400, Some(ErrorCode::UnsupportedTokenType)) => Some(RejectReason::UnsupportedTokenType),
        (400, Some(ErrorCode::UnsupportedGrantType)) => Some(RejectReason::InvalidRequest),
        // Only the contract's own 401: a gateway's or a platform's login wall (basic auth, a
        // preview deployment's protection) says nothing about the credential or the client.
        (401, Some(ErrorCode::InvalidClient)) => Some(RejectReason::InvalidClient),
        _ => None,
    };
    let (description, legacy_session) = error
        .map(|error| (error.error_description, error.legacy_session))
        .unwrap_or_default();
    if let Some(reason) = permanent {
        return ExchangeAnswer::Refused {
            reason,
            description,
            legacy_session,
        };
    }
    let reason = match (status, code) {
        (429, _) => DeferReason::RateLimited,
        (503, _) | (_, Some(ErrorCode::TemporarilyUnavailable)) => {
            DeferReason::TemporarilyUnavailable
        }
        (500..=599, _) => DeferReason::ServerError,
        // 404, 403, 401 without the contract's body, a proxy's HTML page: a deployment problem,
        // not the credential's fault.
        _ => DeferReason::UnexpectedStatus,
    };
    ExchangeAnswer::Unavailable {
        reason,
        retry_after_ms,
        legacy_session,
    }
}

fn grant_refusal(reason: Option<GrantRefusal>) -> RejectReason {
    match reason {
        Some(GrantRefusal::Expired) => RejectReason::Expired,
        Some(GrantRefusal::Revoked) => RejectReason::Revoked,
        Some(GrantRefusal::Replayed) => RejectReason::Replayed,
        Some(GrantRefusal::UserNotFound) => RejectReason::UserNotFound,
        Some(GrantRefusal::UserDisabled) => RejectReason::UserDisabled,
        Some(GrantRefusal::UnverifiedLoginId) => RejectReason::UnverifiedLoginId,
        Some(GrantRefusal::SubjectMismatch) => RejectReason::SubjectMismatch,
        Some(GrantRefusal::Invalid | GrantRefusal::Other) | None => RejectReason::Invalid,
    }
}

/// RFC 9110 §10.2.3: delay-seconds, or an HTTP-date (IMF-fixdate). Past dates mean "now".
pub fn parse_retry_after(value: &str, now_ms: i64) -> Option<u64> {
    let value = value.trim();
    if let Some(seconds) = integer::<u64>(value) {
        return Some(seconds.saturating_mul(1000));
    }
    let at_ms = parse_imf_fixdate(value)?;
    Some(u64::try_from(at_ms.saturating_sub(now_ms)).unwrap_or(0))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`, in Unix milliseconds.
fn parse_imf_fixdate(value: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let rest = search::split_once(value, ", ")?.1;
    let mut parts = rest.split(' ');
    let day: i64 = integer(parts.next()?)?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|name| *name == month_name)? as i64 + 1;
    let year: i64 = integer(parts.next()?)?;
    let mut clock = parts.next()?.split(':').map(integer::<i64>);
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || !(1..=31).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT

    fn refused(answer: ExchangeAnswer) -> RejectReason {
        match answer {
            ExchangeAnswer::Refused { reason, .. } => reason,
            other => panic!("not refused: {other:?}"),
        }
    }

    fn unavailable(answer: ExchangeAnswer) -> (DeferReason, Option<u64>) {
        match answer {
            ExchangeAnswer::Unavailable {
                reason,
                retry_after_ms,
                ..
            } => (reason, retry_after_ms),
            other => panic!("not unavailable: {other:?}"),
        }
    }

    #[test]
    fn tokens_in_either_spelling() {
        let body =
            r#"{"accessToken":"a","refreshToken":"r","expiresIn":1800,"tokenType":"Bearer"}"#;
        assert!(matches!(
            classify(200, None, body, NOW),
            ExchangeAnswer::Tokens(_)
        ));
    }

    #[test]
    fn truncated_success_is_retried() {
        let answer = classify(200, None, r#"{"access_token":"a","refre"#, NOW);
        assert_eq!(unavailable(answer), (DeferReason::InvalidResponse, None));
    }

    #[test]
    fn invalid_grant_reasons() {
        for (reason, expected) in [
            ("expired", RejectReason::Expired),
            ("revoked", RejectReason::Revoked),
            ("replayed", RejectReason::Replayed),
            ("user_not_found", RejectReason::UserNotFound),
            ("user_disabled", RejectReason::UserDisabled),
            ("unverified_login_id", RejectReason::UnverifiedLoginId),
            ("subject_mismatch", RejectReason::SubjectMismatch),
            ("something_new", RejectReason::Invalid),
        ] {
            let body = format!(r#"{{"error":"invalid_grant","reason":"{reason}"}}"#);
            assert_eq!(refused(classify(400, None, &body, NOW)), expected);
        }
        let bare = r#"{"error":"invalid_grant"}"#;
        assert_eq!(
            refused(classify(400, None, bare, NOW)),
            RejectReason::Invalid
        );
    }

    #[test]
    fn configuration_errors_are_permanent() {
        let client = r#"{"error":"invalid_client"}"#;
        assert_eq!(
            refused(classify(401, None, client, NOW)),
            RejectReason::InvalidClient
        );
        let request = r#"{"error":"invalid_request","error_description":"missing client_id"}"#;
        match classify(400, None, request, NOW) {
            ExchangeAnswer::Refused {
                reason: RejectReason::InvalidRequest,
                description: Some(description),
                ..
            } => assert_eq!(description, "missing client_id"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn back_off_answers() {
        let busy = r#"{"error":"temporarily_unavailable"}"#;
        assert_eq!(
            unavailable(classify(503, Some("120"), busy, NOW)),
            (DeferReason::TemporarilyUnavailable, Some(120_000))
        );
        assert_eq!(
            unavailable(classify(429, Some("5"), "", NOW)),
            (DeferReason::RateLimited, Some(5_000))
        );
        assert_eq!(
            unavailable(classify(502, None, "<html>bad gateway</html>", NOW)),
            (DeferReason::ServerError, None)
        );
        assert_eq!(
            unavailable(classify(404, None, "not found", NOW)),
            (DeferReason::UnexpectedStatus, None)
        );
        // A 400 that is not JSON is not a verdict on the credential.
        assert_eq!(
            unavailable(classify(400, None, "<html>", NOW)),
            (DeferReason::UnexpectedStatus, None)
        );
        // Nor is a 401 without the contract's `invalid_client`: a login wall in front of the
        // endpoint, fixed by the next deploy.
        for wall in [
            "<html>Authentication Required</html>",
            "",
            r#"{"error":"unauthorized"}"#,
        ] {
            assert_eq!(
                unavailable(classify(401, None, wall, NOW)),
                (DeferReason::UnexpectedStatus, None),
                "{wall}"
            );
        }
    }

    #[test]
    fn replacement_legacy_tokens_travel_with_errors() {
        let body = r#"{"error":"server_error","legacy_session":{"refresh_token":"new-r"}}"#;
        let answer = classify(500, None, body, NOW);
        assert_eq!(
            answer
                .legacy_session()
                .and_then(|s| s.refresh_token.as_deref()),
            Some("new-r")
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("0", NOW), Some(0));
        assert_eq!(parse_retry_after(" 30 ", NOW), Some(30_000));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", NOW),
            Some(60_000)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", NOW),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Tue, 29 Feb 2028 12:00:00 GMT", 0),
            Some(1_835_438_400_000)
        );
        for bad in [
            "",
            "-1",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, NOW), None, "{bad}");
        }
    }
}
