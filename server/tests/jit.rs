//! Just-in-time users (`AUTHGEAR_CREATE_USERS`): when nobody has the legacy login ID, the
//! endpoint creates the user with the Admin API's `createUser` (pkg/admin/graphql/
//! user_mutation.go: a login ID identity, no password), then the session.

mod common;

use authgear_migrate_server::wire::SubjectTokenType;
use common::*;
use serde_json::json;

fn token_for(email: &str) -> String {
    mint(
        &Signer::rsa(),
        &json!({ "alg": "RS256", "kid": "legacy-rsa" }),
        &claims_for(email),
    )
}

async fn setup(create_users: bool) -> (Upstream, String) {
    let upstream =
        Upstream::start(json!({ "keys": [Signer::rsa().jwk("legacy-rsa", Some("RS256"))] })).await;
    let mut env = upstream.env();
    if create_users {
        env.insert("AUTHGEAR_CREATE_USERS", "true".to_owned());
    }
    let url = start_endpoint(config_from(&env)).await;
    (upstream, url)
}

#[tokio::test]
async fn a_missing_user_is_created_when_configured_and_found_after() {
    let (upstream, url) = setup(true).await;
    for _ in 0..2 {
        let response = post_form(
            &url,
            form(
                &token_for("newcomer@example.com"),
                SubjectTokenType::AccessToken,
            ),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    // Created once, with the login ID and no password; found by login ID the second time.
    let inputs = upstream.state.user_inputs.lock().unwrap().clone();
    assert_eq!(
        inputs,
        [
            json!({ "definition": { "loginID": { "key": "email", "value": "newcomer@example.com" } } })
        ]
    );
    let created = upstream.state.created.lock().unwrap().clone();
    let sessions = upstream.state.sessions.lock().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    assert!(
        sessions
            .iter()
            .all(|input| input["userID"] == created[0].1.as_str())
    );
}

#[tokio::test]
async fn a_creation_race_finds_the_user_the_other_request_created() {
    let (upstream, url) = setup(true).await;
    upstream.set_admin_mode(AdminMode::CreateUserRace);
    let response = post_form(
        &url,
        form(
            &token_for("racer@example.com"),
            SubjectTokenType::AccessToken,
        ),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(upstream.state.sessions.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn users_are_not_created_by_default() {
    let (upstream, url) = setup(false).await;
    let response = post_form(
        &url,
        form(
            &token_for("stranger@example.com"),
            SubjectTokenType::AccessToken,
        ),
    )
    .await;
    assert_eq!(response.status(), 400);
    let body = json_of(response).await;
    assert_eq!(body["reason"], "user_not_found");
    assert!(upstream.state.user_inputs.lock().unwrap().is_empty());
}
