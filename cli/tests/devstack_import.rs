//! The devstack's User Import API stand-in over HTTP, as authgear-server answers: the 500 KB
//! limit, authentication and content-type refusals, schema errors, and a job's life from
//! `pending` to `completed` with per-record results.

mod common;

use std::time::Duration;

use common::{HASH, Stack};
use serde_json::{Value, json};

async fn post(stack: &Stack, body: Vec<u8>, content_type: &str) -> (u16, String) {
    let response = stack
        .http
        .post(format!("{}/_api/admin/users/import", stack.config.authgear))
        .bearer_auth(stack.admin_jwt())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn get(stack: &Stack, id: &str) -> (u16, Value) {
    let response = stack
        .http
        .get(format!(
            "{}/_api/admin/users/import/{id}",
            stack.config.authgear
        ))
        .bearer_auth(stack.admin_jwt())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn completed(stack: &Stack, id: &str) -> Value {
    for _ in 0..500 {
        let (status, body) = get(stack, id).await;
        assert_eq!(status, 200, "{body}");
        if body["result"]["status"] == "completed" {
            return body["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the job did not complete");
}

/// A request body of exactly `size` bytes: one record whose name pads it.
fn body_of(size: usize) -> Vec<u8> {
    let empty =
        json!({"identifier": "email", "records": [{"email": "pad@example.com", "name": ""}]})
            .to_string();
    let pad = size - empty.len();
    let body = json!({"identifier": "email", "records": [{"email": "pad@example.com", "name": "x".repeat(pad)}]})
        .to_string()
        .into_bytes();
    assert_eq!(body.len(), size);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_limit_is_500_000_bytes() {
    let stack = Stack::start("limit").await;
    let (status, text) = post(&stack, body_of(500_001), "application/json").await;
    assert_eq!(status, 413, "{text}");
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        error,
        json!({"error": {"name": "RequestEntityTooLarge", "reason": "JSONTooLarge",
                         "message": "request body too large", "code": 413, "info": {"limit": 500000}}})
    );
    let (status, text) = post(&stack, body_of(500_000), "application/json").await;
    assert_eq!(status, 200, "{text}");
    let (status, text) = post(&stack, body_of(2_000_000), "application/json").await;
    assert_eq!(status, 413, "{text}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_before_the_job() {
    let stack = Stack::start("refusals").await;
    let url = format!("{}/_api/admin/users/import", stack.config.authgear);
    let anonymous = stack.http.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(anonymous.status(), 403);
    assert_eq!(anonymous.text().await.unwrap(), "Forbidden\n");
    let (status, text) = post(&stack, b"{}".to_vec(), "text/plain").await;
    assert_eq!(
        (status, text.as_str()),
        (415, "invalid content type: text/plain\n")
    );
    let (status, text) = post(&stack, b"{}".to_vec(), "application/graphql").await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"]["message"],
        "request content type is invalid"
    );
    let (status, text) = post(&stack, b"{".to_vec(), "application/json").await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"]["reason"],
        "InvalidJSON"
    );
    let body = json!({"identifier": "foobar", "records": []})
        .to_string()
        .into_bytes();
    let (status, text) = post(&stack, body, "application/json; charset=utf-8").await;
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["error"]["reason"], "ValidationFailed");
    assert_eq!(error["error"]["message"], "invalid request body");
    assert_eq!(
        error["error"]["info"]["causes"],
        json!([
            {"location": "/identifier", "kind": "enum",
             "details": {"actual": "foobar", "expected": ["preferred_username", "email", "phone_number"]}},
            {"location": "/records", "kind": "minItems", "details": {"actual": 0, "expected": 1}}
        ])
    );
    let (status, body) = get(&stack, "userimport_NOSUCHJOB").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["reason"], "TaskNotFound");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_goes_from_pending_to_completed_with_per_record_results() {
    let stack = Stack::start("job").await;
    let mut records: Vec<Value> = (0..250)
        .map(|n| json!({"email": format!("job{n:03}@example.com"), "email_verified": true,
                        "password": {"type": "bcrypt", "password_hash": HASH},
                        "custom_attributes": {"legacy_user_id": format!("legacy-{n}"), "unknown": 1}}))
        .collect();
    records[120] = json!({"email": "job120@example.com", "password": {"type": "bcrypt", "password_hash": "$2b$04$tooshort"}});
    records[200] = json!({"email": "alice@example.com"});
    records[201] = json!({"email": "Job000@Example.com"});
    let body = json!({"identifier": "email", "records": records})
        .to_string()
        .into_bytes();
    let (status, text) = post(&stack, body, "application/json").await;
    assert_eq!(status, 200, "{text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    let id = created["result"]["id"].as_str().unwrap().to_owned();
    assert!(
        id.starts_with("userimport_") && id.len() == "userimport_".len() + 32,
        "{id}"
    );
    assert_eq!(created["result"]["status"], "pending");
    assert!(created["result"].get("summary").is_none());

    let job = completed(&stack, &id).await;
    assert_eq!(
        job["summary"],
        json!({"total": 250, "inserted": 247, "updated": 0, "skipped": 1, "failed": 2})
    );
    let details = job["details"].as_array().unwrap();
    let indices: Vec<u64> = details
        .iter()
        .map(|detail| detail["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, (0..250).collect::<Vec<u64>>());
    assert_eq!(details[0]["outcome"], "inserted");
    assert_eq!(
        details[0]["record"]["password"]["password_hash"],
        "REDACTED"
    );
    assert!(details[0]["user_id"].as_str().is_some());
    assert_eq!(details[120]["errors"][0]["reason"], "InvalidBcryptHash");
    assert_eq!(details[200]["outcome"], "skipped");
    assert_eq!(
        details[200]["warnings"][0]["message"],
        "skipping because upsert = false and user exists"
    );
    // Not normalized: Authgear's lookup misses it, and the insert collides.
    assert_eq!(details[201]["errors"][0]["reason"], "InvariantViolated");
    assert!(job["completed_at"].as_str().is_some());

    // The imported user is what the Admin API finds, with the defined custom attribute only.
    let query = json!({"query": "query($v: String!) { getUserByLoginID(loginIDKey: \"email\", loginIDValue: $v) { id customAttributes standardAttributes } }",
                       "variables": {"v": "job007@example.com"}});
    let found: Value = stack
        .http
        .post(format!("{}/_api/admin/graphql", stack.config.authgear))
        .bearer_auth(stack.admin_jwt())
        .json(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = &found["data"]["getUserByLoginID"];
    assert_eq!(
        user["customAttributes"],
        json!({"legacy_user_id": "legacy-7"}),
        "{found}"
    );
    assert_eq!(
        user["standardAttributes"]["email_verified"], true,
        "{found}"
    );

    // The same request again, with upsert: every user is found and updated, none added.
    let again = json!({"upsert": true, "identifier": "email", "records": [{"email": "job001@example.com", "name": "Renamed"}]});
    let (_, text) = post(&stack, again.to_string().into_bytes(), "application/json").await;
    let id = serde_json::from_str::<Value>(&text).unwrap()["result"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = completed(&stack, &id).await;
    assert_eq!(job["details"][0]["outcome"], "updated");
    let emails = stack.emails().await;
    assert_eq!(
        emails
            .iter()
            .filter(|email| email.starts_with("job"))
            .count(),
        247
    );
    stack.stop().await;
}
