//! Just-in-time users (`AUTHGEAR_CREATE_USERS`): when nobody has the legacy login ID, the
//! endpoint creates the user with the Admin API's `createUser` (pkg/admin/graphql/
//! user_mutation.go: a login ID identity, no password), then the session. Against the
//! devstack's Authgear stand-in, whose `createUser` follows Authgear's. With
//! `LEGACY_SUBJECT_ATTRIBUTE`, the new user is bound to the credential's `sub` by a second call
//! (`updateUser`: `createUser` takes no custom attributes).

mod common;

use common::stack::{Ask, Stack};
use serde_json::{Value, json};

const NEWCOMER: &str = "newcomer@example.com";

/// A legacy access token for `email`, which no devstack user has: a seed user's token with
/// the login ID claim (and the subject) replaced.
async fn token_for(stack: &Stack, email: &str) -> String {
    stack
        .mint(json!({ "claims": { "email": email, "sub": format!("legacy|{email}") } }))
        .await
}

/// The devstack's users with this email.
async fn users_with(stack: &Stack, email: &str) -> Vec<Value> {
    stack.state().await["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|user| user["email"] == email)
        .cloned()
        .collect()
}

async fn create_user_count(stack: &Stack) -> Value {
    stack.state().await["counters"]["create_user"].clone()
}

/// Just-in-time users, bound to their legacy subject.
const BOUND: [(&str, &str); 2] = [
    ("AUTHGEAR_CREATE_USERS", "true"),
    ("LEGACY_SUBJECT_ATTRIBUTE", "legacy_user_id"),
];

/// One Admin API operation answers `fault` (once), the others pass.
async fn fail_once(stack: &Stack, operation: &str, fault: Value) {
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "times": 1,
            "graphql_field": operation, "fault": fault,
        }))
        .await;
}

#[tokio::test]
async fn a_missing_user_is_created_when_configured_and_found_after() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[("AUTHGEAR_CREATE_USERS", "true")]).await;
    assert!(users_with(&stack, NEWCOMER).await.is_empty());
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let token = token_for(&stack, NEWCOMER).await;
        let answer = Ask::access(&token).send(&stack.http, &served.url).await;
        subjects.push(answer.authgear_subject());
    }
    // Created once, by the first exchange; the second found them by login ID.
    assert_eq!(
        create_user_count(&stack).await,
        json!({ "total": 1, "successful": 1 })
    );
    let created = users_with(&stack, NEWCOMER).await;
    assert_eq!(created.len(), 1);
    let id = created[0]["authgear_user_id"].as_str().unwrap();
    assert_eq!(subjects, [id, id]);
    assert_eq!(stack.sessions_created().await, 2);
    stack.stop().await;
}

#[tokio::test]
async fn a_creation_race_ends_with_one_user() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[("AUTHGEAR_CREATE_USERS", "true")]).await;
    let (first, second) = (
        token_for(&stack, "racer@example.com").await,
        token_for(&stack, "racer@example.com").await,
    );
    // Each Admin API call waits 300 ms, so both exchanges find nobody before either creates.
    stack.slow_admin_api(300).await;
    let (first, second) = (Ask::access(&first), Ask::access(&second));
    let (a, b) = tokio::join!(first.send(&stack.http, &served.url), async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        second.send(&stack.http, &served.url).await
    });
    // Both tried; Authgear refused the second as a duplicated identity, and that exchange found
    // the user the first one created.
    assert_eq!(
        create_user_count(&stack).await,
        json!({ "total": 2, "successful": 1 })
    );
    let created = users_with(&stack, "racer@example.com").await;
    assert_eq!(created.len(), 1);
    assert_eq!(a.authgear_subject(), created[0]["authgear_user_id"]);
    assert_eq!(b.authgear_subject(), created[0]["authgear_user_id"]);
    stack.stop().await;
}

#[tokio::test]
async fn users_are_not_created_by_default() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let token = token_for(&stack, "stranger@example.com").await;
    let answer = Ask::access(&token).send(&stack.http, &served.url).await;
    let (status, _, reason) = answer.refusal();
    assert_eq!(status, 400);
    assert_eq!(reason.as_deref(), Some("user_not_found"));
    assert_eq!(
        create_user_count(&stack).await,
        json!({ "total": 0, "successful": 0 })
    );
    assert!(users_with(&stack, "stranger@example.com").await.is_empty());
    stack.stop().await;
}

#[tokio::test]
async fn a_binding_that_failed_after_creation_is_finished_by_the_retry_only() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&BOUND).await;
    let email = "interrupted@example.com";
    let token = token_for(&stack, email).await;
    fail_once(
        &stack,
        "updateUser",
        json!({ "kind": "status", "status": 503 }),
    )
    .await;
    let ask = Ask::access(&token).key("interrupted");
    let first = ask.send(&stack.http, &served.url).await;
    assert_eq!(first.status, 503, "{}", first.text);
    let created = users_with(&stack, email).await;
    assert_eq!(created.len(), 1, "createUser ran before updateUser failed");
    assert_eq!(created[0]["custom_attributes"], json!({}));

    // Someone else whose legacy token carries the same verified email is not bound to that user.
    let other = stack
        .mint(json!({ "claims": { "email": email, "sub": "legacy|someone-else" } }))
        .await;
    let refused = Ask::access(&other).send(&stack.http, &served.url).await;
    assert_eq!(
        refused.refusal(),
        (400, "invalid_grant".into(), Some("subject_mismatch".into()))
    );

    // The retry finds the user it created and finishes the binding.
    let retry = ask.send(&stack.http, &served.url).await;
    assert_eq!(
        retry.authgear_subject(),
        created[0]["authgear_user_id"].as_str().unwrap()
    );
    let bound = users_with(&stack, email).await;
    assert_eq!(
        bound[0]["custom_attributes"],
        json!({ "legacy_user_id": format!("legacy|{email}") })
    );
    assert_eq!(stack.users_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn a_user_someone_else_created_is_not_bound_by_the_creation_race() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&BOUND).await;
    // Alice exists (with other custom attributes) but carries no legacy subject. A creation
    // race looks like this: the lookup finds nobody, and then `createUser` finds her.
    fail_once(
        &stack,
        "getUserByLoginID",
        json!({ "kind": "status", "status": 200, "body": { "data": { "getUserByLoginID": null } } }),
    )
    .await;
    let token = stack
        .mint(json!({ "claims": { "sub": "legacy|not-alice" } }))
        .await;
    let answer = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(
        answer.refusal(),
        (400, "invalid_grant".into(), Some("subject_mismatch".into()))
    );
    let alice = users_with(&stack, "alice@example.com").await;
    assert_eq!(
        alice[0]["custom_attributes"],
        json!({ "member_id": "1001" })
    );
    assert_eq!(stack.sessions_created().await, 0);
    stack.stop().await;
}
