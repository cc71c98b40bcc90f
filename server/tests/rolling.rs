//! The rolling migration against the devstack: a user who signs up on the Authgear stand-in gets
//! exactly one account in the legacy stand-in, by webhook or by reconciliation, and the old
//! app's way in (a password reset) works for them there.

mod common;

use std::time::Duration;

use authgear_migrate_server::{AdminJwt, AdminKey, ReconcileOptions, reconcile};
use common::redis::RedisServer;
use common::rolling::*;
use common::stack::Stack;
use serde_json::{Value, json};

const EPOCH: &str = "1970-01-01T00:00:00Z";

fn config_of(
    stack: &Stack,
    variables: &[(&'static str, String)],
) -> authgear_migrate_server::Config {
    let mut env = stack.env();
    env.extend(variables.iter().cloned());
    common::config_from(&env)
}

#[tokio::test]
async fn a_sign_up_gets_one_legacy_account_by_webhook_and_the_old_app_gets_in() {
    let stack = Stack::start().await;
    let served = receiver(&stack, &generic(&stack), &[]).await;
    hooks_to(&stack, &[webhook_url(&served)]).await;
    let email = new_email();

    // Before: the old app knows nobody of that name.
    assert_eq!(
        old_app_resets_and_signs_in(&stack, &email, "new-password").await,
        400
    );
    let signed_up = sign_up(&stack, &email).await;
    assert_eq!(calls_once_settled(&stack, &email, 1).await, (1, 1));

    let accounts = legacy_accounts(&stack).await;
    let account = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|account| account["email"] == email.as_str())
        .unwrap();
    assert_eq!(account["authgear_user_id"], signed_up["authgear_user_id"]);
    assert_eq!(account["via"], "generic");
    let delivered = deliveries_of(&stack, signed_up["event_id"].as_str().unwrap(), 1).await;
    assert_eq!(delivered[0]["triggered_by"], "user");
    assert_eq!(delivered[0]["status"], 200);
    // The event id is Authgear's: the sequence number as 16 hex digits.
    assert_eq!(signed_up["event_id"].as_str().unwrap().len(), 16);

    // After: "forgot password" on the old app, and in.
    assert_eq!(
        old_app_resets_and_signs_in(&stack, &email, "new-password").await,
        200
    );
    stack.stop().await;
}

#[tokio::test]
async fn bad_signatures_and_bodies_re_encoded_after_signing_do_nothing() {
    let stack = Stack::start().await;
    let served = receiver(&stack, &generic(&stack), &[]).await;
    let url = webhook_url(&served);
    let email = new_email();
    let body = user_created_event("00000000000000a1", &email, "user", "Tom & Jerry <tj>");
    let signature = sign(&body);

    assert_eq!(post_event(&stack, &url, &body, None).await, 401);
    assert_eq!(post_event(&stack, &url, &body, Some("00ff")).await, 401);
    assert_eq!(
        post_event(&stack, &url, &body, Some(&sign(b"another body"))).await,
        401
    );
    // The same JSON re-encoded (serde_json writes `<`, `>`, `&` as they are): the bytes differ,
    // so Authgear's signature of the original does not cover it.
    let reencoded = serde_json::to_vec(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    assert_ne!(reencoded, body);
    assert_eq!(
        post_event(&stack, &url, &reencoded, Some(&signature)).await,
        401
    );
    assert_eq!(calls(&stack, &email).await, (0, 0));

    assert_eq!(post_event(&stack, &url, &body, Some(&signature)).await, 200);
    assert_eq!(calls_once_settled(&stack, &email, 1).await, (1, 1));
    stack.stop().await;
}

#[tokio::test]
async fn a_duplicate_event_and_admin_api_users_are_not_provisioned_again() {
    let stack = Stack::start().await;
    let served = receiver(&stack, &generic(&stack), &[]).await;
    let url = webhook_url(&served);

    let email = new_email();
    let body = user_created_event("00000000000000b1", &email, "user", "Ada");
    for _ in 0..3 {
        assert_eq!(
            post_event(&stack, &url, &body, Some(&sign(&body))).await,
            200
        );
    }
    assert_eq!(calls_once_settled(&stack, &email, 1).await, (1, 1));

    let other = new_email();
    let body = user_created_event("00000000000000b2", &other, "admin_api", "Ada");
    assert_eq!(
        post_event(&stack, &url, &body, Some(&sign(&body))).await,
        200
    );
    let ignored = json!({"id": "00000000000000b3", "seq": 3, "type": "user.authenticated", "payload": {}, "context": {}});
    let ignored = ignored.to_string().into_bytes();
    assert_eq!(
        post_event(&stack, &url, &ignored, Some(&sign(&ignored))).await,
        200
    );

    // The stand-in's own createUser fires user.created with triggered_by admin_api.
    hooks_to(&stack, std::slice::from_ref(&url)).await;
    let created_by_admin = new_email();
    let key = AdminKey::from_pem(
        include_str!("../../devstack/keys/authgear-admin.kid")
            .trim()
            .to_owned(),
        include_str!("../../devstack/keys/authgear-admin.pem"),
    )
    .unwrap();
    let jwt = AdminJwt::new(key, stack.config.project_id.clone())
        .at(common::now())
        .unwrap();
    let answer: Value = stack
        .http
        .post(format!("{}/_api/admin/graphql", stack.config.authgear))
        .bearer_auth(&*jwt)
        .json(&json!({
            "query": "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            "variables": { "input": { "definition": { "loginID": { "key": "email", "value": created_by_admin } } } },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["errors"].is_null(), "{answer}");
    // Delivery runs in its own task: wait for it (bounded).
    let mut admin_delivery = None;
    for _ in 0..50 {
        admin_delivery = deliveries(&stack)
            .await
            .into_iter()
            .find(|delivery| delivery["triggered_by"] == "admin_api");
        if admin_delivery.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let admin_delivery = admin_delivery.expect("createUser fired user.created");
    assert_eq!(admin_delivery["status"], 200);

    // A moment for anything that would have been provisioned to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(calls(&stack, &other).await, (0, 0));
    assert_eq!(calls(&stack, &created_by_admin).await, (0, 0));
    stack.stop().await;
}

#[tokio::test]
async fn a_target_down_then_back_is_retried_and_provisions_once() {
    let stack = Stack::start().await;
    let served = receiver(&stack, &generic(&stack), &[]).await;
    hooks_to(&stack, &[webhook_url(&served)]).await;
    stack
        .fault(json!({
            "origin": "legacy", "path": "/provision", "times": 2,
            "fault": { "kind": "status", "status": 503 },
        }))
        .await;
    let email = new_email();
    sign_up(&stack, &email).await;
    // Two 503s never reached the handler; the third attempt did.
    assert_eq!(calls_once_settled(&stack, &email, 1).await, (1, 1));
    stack.stop().await;
}

#[tokio::test]
async fn missed_webhooks_are_recovered_by_reconciliation_which_is_resumable_and_twice_safe() {
    let stack = Stack::start().await;
    let variables = generic(&stack);
    // The receiver is down: Authgear's one delivery goes nowhere.
    hooks_to(&stack, &["http://127.0.0.1:9/authgear-events".to_owned()]).await;
    let emails: Vec<String> = (0..5).map(|_| new_email()).collect();
    for email in &emails {
        sign_up(&stack, email).await;
    }
    for email in &emails {
        assert_eq!(calls(&stack, email).await, (0, 0));
    }
    let config = config_of(&stack, &variables);
    let state = state_file();

    let dry = reconcile(
        &config,
        &ReconcileOptions::new(&state).since(EPOCH).dry_run(true),
    )
    .await
    .unwrap();
    assert_eq!((dry.created, dry.deferred), (0, dry.listed));
    assert!(!state.exists(), "a dry run stores nothing");

    // Interrupted after 6 users (the 4 seed users come first: they are the legacy system's).
    let first = ReconcileOptions::new(&state)
        .since(EPOCH)
        .settle(Duration::ZERO)
        .limit(6);
    let first = reconcile(&config, &first).await.unwrap();
    println!(
        "reconcile, interrupted run: {}",
        serde_json::to_string(&first).unwrap()
    );
    assert_eq!(
        (first.already_there, first.created, first.deferred),
        (4, 2, 3)
    );
    assert_ne!(first.watermark_after, EPOCH);

    // Resumed from the stored watermark.
    let resumed = ReconcileOptions::new(&state).settle(Duration::ZERO);
    let resumed = reconcile(&config, &resumed).await.unwrap();
    println!(
        "reconcile, resumed run: {}",
        serde_json::to_string(&resumed).unwrap()
    );
    assert_eq!(resumed.watermark_before, first.watermark_after);
    assert_eq!(
        (resumed.created, resumed.failed, resumed.deferred),
        (3, 0, 0)
    );

    // Twice-safe: nothing left to create.
    let again = reconcile(
        &config,
        &ReconcileOptions::new(&state).settle(Duration::ZERO),
    )
    .await
    .unwrap();
    assert_eq!((again.created, again.failed), (0, 0));
    for email in &emails {
        assert_eq!(calls(&stack, email).await.1, 1, "{email} created once");
        assert_eq!(
            old_app_resets_and_signs_in(&stack, email, "new-password").await,
            200
        );
    }
    let _ = std::fs::remove_file(&state);
    stack.stop().await;
}

#[tokio::test]
async fn reconciliation_stops_while_the_target_is_down_and_keeps_its_watermark() {
    let stack = Stack::start().await;
    hooks_to(&stack, &[]).await;
    let email = new_email();
    sign_up(&stack, &email).await;
    let config = config_of(&stack, &generic(&stack));
    let state = state_file();
    stack
        .fault(json!({
            "origin": "legacy", "path": "/provision",
            "fault": { "kind": "status", "status": 503 },
        }))
        .await;
    let options = ReconcileOptions::new(&state)
        .since(EPOCH)
        .settle(Duration::ZERO);
    let down = reconcile(&config, &options).await.unwrap();
    assert_eq!((down.created, down.failed), (0, 1));
    assert_eq!(down.deferred, down.listed - 1);
    assert_eq!(down.watermark_after, EPOCH);

    stack.clear_faults().await;
    let back = reconcile(
        &config,
        &ReconcileOptions::new(&state).settle(Duration::ZERO),
    )
    .await
    .unwrap();
    assert_eq!(back.watermark_before, EPOCH);
    assert_eq!((back.created, back.failed), (1, 0));
    assert_eq!(calls(&stack, &email).await, (1, 1));
    let _ = std::fs::remove_file(&state);
    stack.stop().await;
}

#[tokio::test]
async fn two_instances_on_redis_provision_a_user_once() {
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let url = redis.url();
    let extra = [("REDIS_URL", url.as_str())];
    let a = receiver(&stack, &generic(&stack), &extra).await;
    let b = receiver(&stack, &generic(&stack), &extra).await;
    // Two handlers: every event reaches both instances.
    hooks_to(&stack, &[webhook_url(&a), webhook_url(&b)]).await;
    let email = new_email();
    let signed_up = sign_up(&stack, &email).await;
    let delivered = deliveries_of(&stack, signed_up["event_id"].as_str().unwrap(), 2).await;
    assert_eq!(delivered.len(), 2);
    assert!(delivered.iter().all(|delivery| delivery["status"] == 200));
    assert_eq!(calls_once_settled(&stack, &email, 1).await, (1, 1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(calls(&stack, &email).await, (1, 1));
    stack.stop().await;
}

#[tokio::test]
async fn the_auth0_target_creates_the_user_and_counts_already_exists_as_done() {
    let stack = Stack::start().await;
    let variables = auth0(&stack);
    let served = receiver(&stack, &variables, &[]).await;
    hooks_to(&stack, &[webhook_url(&served)]).await;
    let email = new_email();
    let signed_up = sign_up(&stack, &email).await;
    assert_eq!(calls_once_settled(&stack, &email, 1).await, (1, 1));
    let accounts = legacy_accounts(&stack).await;
    let account = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|account| account["email"] == email.as_str())
        .unwrap()
        .clone();
    assert_eq!(account["via"], "auth0");
    assert_eq!(
        account["app_metadata"]["authgear_user_id"],
        signed_up["authgear_user_id"]
    );
    assert_eq!(account["email_verified"], false);

    // Reconciliation through the same target: Auth0's 409 "The user already exists." is done.
    let state = state_file();
    let options = ReconcileOptions::new(&state)
        .since(EPOCH)
        .settle(Duration::ZERO);
    let report = reconcile(&config_of(&stack, &variables), &options)
        .await
        .unwrap();
    assert_eq!(report.target, "auth0");
    assert_eq!((report.created, report.failed), (0, 0));
    assert_eq!(report.already_there, report.listed);
    assert_eq!(calls(&stack, &email).await, (2, 1));
    assert_eq!(
        old_app_resets_and_signs_in(&stack, &email, "new-password").await,
        200
    );
    let _ = std::fs::remove_file(&state);
    stack.stop().await;
}

/// A figure, printed: users per second reconciled against the devstack (generic target,
/// every user missing). Not asserted.
#[tokio::test]
async fn reconciliation_throughput_is_printed() {
    const USERS: usize = 200;
    let stack = Stack::start().await;
    hooks_to(&stack, &[]).await;
    for _ in 0..USERS {
        sign_up(&stack, &new_email()).await;
    }
    let state = state_file();
    let options = ReconcileOptions::new(&state)
        .since(EPOCH)
        .settle(Duration::ZERO);
    let config = config_of(&stack, &generic(&stack));
    let report = reconcile(&config, &options).await.unwrap();
    assert_eq!(report.created, USERS);
    println!(
        "reconcile: {} users listed in {} pages, {} created, {:.2} s, {:.0} users/s",
        report.listed, report.pages, report.created, report.seconds, report.users_per_second
    );
    let again = reconcile(
        &config,
        &ReconcileOptions::new(&state).settle(Duration::ZERO),
    )
    .await
    .unwrap();
    println!(
        "reconcile, second run: {} listed, {} already there, {:.2} s, {:.0} users/s",
        again.listed, again.already_there, again.seconds, again.users_per_second
    );
    let _ = std::fs::remove_file(&state);
    stack.stop().await;
}
