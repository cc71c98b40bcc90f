//! Non-blocking webhooks (`hook.non_blocking_handlers`), as Authgear delivers them: the event
//! envelope of pkg/api/event/event.go and pkg/lib/event/event.go (`id` = the `seq` as 16 hex
//! digits), `user.created`'s payload (pkg/api/event/nonblocking/user_created.go: `user` as
//! pkg/api/model/user.go writes it, `identities`), the context of pkg/api/event/context.go, and
//! pkg/lib/hook/hook_web.go's request: `json.Marshal` (which escapes `<`, `>`, `&`, U+2028 and
//! U+2029), `Content-Type: application/json`, `x-authgear-body-signature` = lowercase hex
//! HMAC-SHA256 of the body. pkg/lib/hook/sink.go sends to every handler whose `events` has the
//! type or `*`, once each, in its own task (http.go: a 60 s client); a failure is logged, never
//! retried. The User Import API fires no events, so nothing in import.rs calls this.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::users::{can_reauthenticate, is_verified, standard_attributes};
use crate::time::rfc3339;
use crate::users::UserRecord;

/// The devstack project's webhook signature secret (what the portal shows under Hooks). The
/// in-process endpoint is configured with it; it protects nothing real.
pub const WEBHOOK_SECRET: &str = "devstack-webhook-secret-not-for-production";
/// pkg/lib/hook/http.go: NewAsyncHTTPClient.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);
/// How many deliveries `/__devstack/authgear/hooks` remembers.
const KEPT_DELIVERIES: usize = 200;

/// pkg/api/event/context.go: TriggeredByType.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggeredBy {
    User,
    AdminApi,
}

/// pkg/lib/config/hook.go: NonBlockingHandlersConfig.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Handler {
    pub events: Vec<String>,
    pub url: String,
}

/// One delivery attempt, for tests.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub triggered_by: TriggeredBy,
    pub user_id: String,
    pub url: String,
    /// The HTTP status, or `None` when there was no answer.
    pub status: Option<u16>,
    pub error: Option<String>,
}

pub struct Hooks {
    app_id: String,
    seq: AtomicI64,
    default_handlers: Vec<Handler>,
    handlers: Mutex<Vec<Handler>>,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    http: reqwest::Client,
}

impl Hooks {
    pub fn new(app_id: String, default_handlers: Vec<Handler>) -> Self {
        Self {
            app_id,
            seq: AtomicI64::new(0),
            handlers: Mutex::new(default_handlers.clone()),
            default_handlers,
            deliveries: Arc::new(Mutex::new(Vec::new())),
            // Go's http.Client follows up to 10 redirects; a 3xx at the end is a failure.
            http: reqwest::Client::builder()
                .timeout(DELIVERY_TIMEOUT)
                .no_proxy()
                .build()
                .expect("the HTTP client builds"),
        }
    }

    pub fn handlers(&self) -> Vec<Handler> {
        lock(&self.handlers).clone()
    }

    pub fn set_handlers(&self, handlers: Vec<Handler>) {
        *lock(&self.handlers) = handlers;
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.deliveries).clone()
    }

    /// The default handlers back, the delivery log empty (the sequence goes on, as Authgear's).
    pub fn reset(&self) {
        *lock(&self.handlers) = self.default_handlers.clone();
        lock(&self.deliveries).clear();
    }

    /// Fires `user.created` for `user` (pkg/lib/facade/coordinator.go after the user's creation).
    /// Answers the event's `id`.
    pub fn user_created(&self, user: &UserRecord, triggered_by: TriggeredBy) -> String {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let event = Event {
            id: format!("{seq:016x}"),
            seq,
            kind: "user.created",
            payload: UserCreated {
                user: user_model(user),
                identities: vec![identity(user)],
            },
            context: Context {
                timestamp: crate::time::now(),
                user_id: Some(user.authgear_id.clone()),
                triggered_by,
                audit_context: Map::new(),
                preferred_languages: Vec::new(),
                language: "en",
                geo_location_code: None,
                app_id: self.app_id.clone(),
            },
        };
        let body = go_json(&event);
        let signature = hmac_sha256_hex(WEBHOOK_SECRET.as_bytes(), body.as_bytes());
        for handler in self.handlers() {
            if !handler.events.iter().any(|e| e == "*" || e == event.kind) {
                continue;
            }
            let (http, deliveries) = (self.http.clone(), Arc::clone(&self.deliveries));
            let (body, signature) = (body.clone(), signature.clone());
            let mut delivery = Delivery {
                id: event.id.clone(),
                kind: event.kind.to_owned(),
                triggered_by,
                user_id: user.authgear_id.clone(),
                url: handler.url.clone(),
                status: None,
                error: None,
            };
            tokio::spawn(async move {
                let sent = http
                    .post(&handler.url)
                    .header("content-type", "application/json")
                    .header("x-authgear-body-signature", signature)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(response) => {
                        let status = response.status();
                        delivery.status = Some(status.as_u16());
                        if !status.is_success() {
                            crate::log!(
                                "authgear: failed to dispatch non blocking event {} to {}: invalid status code {status}",
                                delivery.id,
                                handler.url
                            );
                        }
                    }
                    Err(error) => {
                        crate::log!(
                            "authgear: failed to dispatch non blocking event {} to {}: {error}",
                            delivery.id,
                            handler.url
                        );
                        delivery.error = Some(error.to_string());
                    }
                }
                let mut log = lock(&deliveries);
                if log.len() == KEPT_DELIVERIES {
                    log.remove(0);
                }
                log.push(delivery);
            });
        }
        event.id
    }
}

/// Lowercase hex HMAC-SHA256 (pkg/util/crypto: HMACSHA256String); the legacy stand-in checks
/// provisioning calls with it too.
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// pkg/api/event/event.go: Event (`IsNonBlocking` is `json:"-"`).
#[derive(Serialize)]
struct Event {
    id: String,
    seq: i64,
    #[serde(rename = "type")]
    kind: &'static str,
    payload: UserCreated,
    context: Context,
}

#[derive(Serialize)]
struct UserCreated {
    user: UserModel,
    identities: Vec<IdentityModel>,
}

/// pkg/api/event/context.go: Context, with the `omitempty` members the devstack has none of
/// left out.
#[derive(Serialize)]
struct Context {
    timestamp: i64,
    user_id: Option<String>,
    triggered_by: TriggeredBy,
    audit_context: Map<String, Value>,
    preferred_languages: Vec<String>,
    language: &'static str,
    geo_location_code: Option<String>,
    app_id: String,
}

/// pkg/api/model/user.go: User (Meta first: `id`, `created_at`, `updated_at`). Go writes a map
/// with its keys sorted: hence the BTreeMaps.
#[derive(Serialize)]
struct UserModel {
    id: String,
    created_at: String,
    updated_at: String,
    is_anonymous: bool,
    is_verified: bool,
    is_disabled: bool,
    is_deactivated: bool,
    can_reauthenticate: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    standard_attributes: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    custom_attributes: BTreeMap<String, Value>,
}

/// pkg/api/model/identity.go: Identity.
#[derive(Serialize)]
struct IdentityModel {
    id: String,
    created_at: String,
    updated_at: String,
    #[serde(rename = "type")]
    kind: &'static str,
    claims: BTreeMap<String, Value>,
}

fn user_model(user: &UserRecord) -> UserModel {
    let at = rfc3339(user.created_at);
    UserModel {
        id: user.authgear_id.clone(),
        created_at: at.clone(),
        updated_at: at,
        is_anonymous: false,
        is_verified: is_verified(user),
        is_disabled: user.seed.disabled,
        is_deactivated: false,
        can_reauthenticate: can_reauthenticate(user),
        standard_attributes: standard_attributes(user).into_iter().collect(),
        custom_attributes: user.seed.custom_attributes.clone().into_iter().collect(),
    }
}

/// The email login ID's claims (pkg/lib/authn/identity/loginid/identity.go: ToModel).
fn identity(user: &UserRecord) -> IdentityModel {
    let at = rfc3339(user.created_at);
    let email = user.seed.email.clone();
    let claims = [
        ("email", email.clone()),
        ("https://authgear.com/claims/login_id/key", "email".into()),
        (
            "https://authgear.com/claims/login_id/original_value",
            email.clone(),
        ),
        ("https://authgear.com/claims/login_id/type", "email".into()),
        ("https://authgear.com/claims/login_id/value", email),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), Value::String(value)))
    .collect();
    IdentityModel {
        id: uuid::Uuid::new_v4().to_string(),
        created_at: at.clone(),
        updated_at: at,
        kind: "login_id",
        claims,
    }
}

/// `json.Marshal`: serde_json's output with Go's HTML-safe escapes. `<`, `>`, `&` and the two
/// line separators can only occur inside strings, so replacing them everywhere is exact.
fn go_json(value: &impl Serialize) -> String {
    let text = serde_json::to_string(value).expect("an event serializes");
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_are_escaped_as_go_escapes_them() {
        let body = go_json(&json!({"name": "Tom & Jerry <tj>\u{2028}"}));
        assert_eq!(body, r#"{"name":"Tom \u0026 Jerry \u003ctj\u003e\u2028"}"#);
        let back: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(back["name"], "Tom & Jerry <tj>\u{2028}");
    }
}
