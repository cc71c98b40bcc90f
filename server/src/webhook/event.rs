//! What an Authgear event asks of the receiver. Authgear's envelope (pkg/api/event/event.go):
//! `{id, seq, type, payload, context}`; `user.created`'s payload (pkg/api/event/nonblocking/
//! user_created.go) is `{user, identities}`, `user` being pkg/api/model/user.go's `User`
//! (`id`, `created_at`, `standard_attributes`, …); `context.triggered_by`
//! (pkg/api/event/context.go) says who made the user.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::provision::NewUser;

pub(crate) const USER_CREATED: &str = "user.created";

/// What to do with a verified event.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Nothing: the reason, for the debug log.
    Ignore(&'static str),
    Provision(Box<NewUser>),
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    context: Context,
}

#[derive(Default, Deserialize)]
struct Context {
    triggered_by: Option<String>,
}

#[derive(Deserialize)]
struct UserCreated {
    user: User,
}

#[derive(Deserialize)]
struct User {
    id: String,
    created_at: Option<String>,
    #[serde(default)]
    standard_attributes: Map<String, Value>,
}

/// Reads a body whose signature was checked. `Err` names what is missing.
pub(crate) fn decide(body: &[u8]) -> Result<Decision, String> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|error| format!("not an Authgear event envelope ({error})"))?;
    if envelope.kind != USER_CREATED {
        return Ok(Decision::Ignore("not user.created"));
    }
    // `createUser` through the Admin API: the user came from the legacy system (the bulk
    // import's tooling, or the exchange making them just in time), so it has them already.
    if envelope.context.triggered_by.as_deref() == Some("admin_api") {
        return Ok(Decision::Ignore("created through the Admin API"));
    }
    let payload: UserCreated = serde_json::from_value(envelope.payload)
        .map_err(|error| format!("a user.created payload without its user ({error})"))?;
    let mut user = NewUser::new(
        payload.user.id,
        payload.user.created_at,
        &payload.user.standard_attributes,
    );
    user.event_id = Some(envelope.id);
    Ok(Decision::Provision(Box::new(user)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(kind: &str, triggered_by: &str) -> Vec<u8> {
        json!({
            "id": "0000000000000007",
            "seq": 7,
            "type": kind,
            "payload": {
                "user": {
                    "id": "3f1c2a8e-0000-4000-8000-000000000001",
                    "created_at": "2026-12-01T22:00:00.123456Z",
                    "standard_attributes": {"email": "new@example.com", "email_verified": true},
                },
                "identities": [],
            },
            "context": {"timestamp": 1, "user_id": null, "triggered_by": triggered_by},
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn sign_ups_are_provisioned() {
        let Decision::Provision(user) = decide(&event("user.created", "user")).unwrap() else {
            panic!("ignored");
        };
        assert_eq!(user.event_id.as_deref(), Some("0000000000000007"));
        assert_eq!(user.email.as_deref(), Some("new@example.com"));
        assert_eq!(user.email_verified, Some(true));
        assert_eq!(
            user.created_at.as_deref(),
            Some("2026-12-01T22:00:00.123456Z")
        );
    }

    #[test]
    fn other_events_and_admin_api_users_are_ignored() {
        assert_eq!(
            decide(&event("user.authenticated", "user")).unwrap(),
            Decision::Ignore("not user.created")
        );
        assert_eq!(
            decide(&event("user.created", "admin_api")).unwrap(),
            Decision::Ignore("created through the Admin API")
        );
        assert!(decide(b"[]").is_err());
        assert!(decide(br#"{"id":"1","type":"user.created","payload":{}}"#).is_err());
    }
}
