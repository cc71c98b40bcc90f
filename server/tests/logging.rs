//! What the endpoint logs. Alone in its binary: `tracing` caches, per call site, whether anyone
//! listens, and tests on other threads without a subscriber would race this one's.

mod common;

use std::sync::{Arc, Mutex};

use authgear_migrate_server::wire::SubjectTokenType;
use common::*;
use serde_json::json;

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// `#[tokio::test]` runs the endpoint on the test's own thread, where the subscriber is set.
#[tokio::test]
async fn log_lines_tell_the_outcome_and_never_a_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let jwks = json!({ "keys": [Signer::rsa().jwk("legacy-rsa", Some("RS256"))] });
    let upstream = Upstream::start(jwks).await;
    let url = start_endpoint(upstream.config()).await;
    let token = good_token();
    assert_eq!(
        post_form(&url, form(&token, SubjectTokenType::AccessToken))
            .await
            .status(),
        200
    );
    let forged = format!("{}x", &token[..token.len() - 1]);
    post_form(&url, form(&forged, SubjectTokenType::AccessToken)).await;
    upstream.set_admin_mode(AdminMode::Status(503, None));
    post_form(&url, form(&token, SubjectTokenType::AccessToken)).await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for outcome in [
        "\"migrated\"",
        "\"refused\"",
        "\"failed\"",
        "\"invalid_grant\"",
    ] {
        assert!(log.contains(outcome), "no {outcome} in {log}");
    }
    for secret in [
        token.rsplit('.').next().unwrap(),
        token.split('.').nth(1).unwrap(),
        "authgear-access-token",
        "authgear-refresh-token",
        USER_EMAIL,
    ] {
        assert!(!log.contains(secret), "{secret} logged: {log}");
    }
}
