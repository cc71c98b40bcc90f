//! Operating the endpoint: `/healthz`, `/metrics`, `--check-config`, and the binary's graceful
//! shutdown, against the devstack's stand-ins.

mod common;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use common::redis::RedisServer;
use common::stack::{Ask, Stack};
use serde_json::{Value, json};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_authgear-migrate-server");

/// The binary with exactly these variables (nothing inherited but PATH).
fn binary(env: &HashMap<&'static str, String>) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, String) {
    let response = http.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn healthz_and_metrics_report_the_instance() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let (status, body) = get(&stack.http, &format!("{}healthz", served.url)).await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        json!({ "status": "ok", "store": "memory", "kill_switch": false })
    );

    let token = stack.mint(json!({})).await;
    assert_eq!(
        Ask::access(&token)
            .send(&stack.http, &served.url)
            .await
            .status,
        200
    );
    let replayed = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(replayed.status, 400);

    let response = stack
        .http
        .get(format!("{}metrics", served.url))
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let metrics = response.text().await.unwrap();
    for line in [
        "authgear_migrate_exchanges_total{outcome=\"migrated\",reason=\"none\"} 1",
        "authgear_migrate_exchanges_total{outcome=\"refused\",reason=\"replayed\"} 1",
        "authgear_migrate_exchange_duration_seconds_count 2",
        "authgear_migrate_admin_api_duration_seconds_count{operation=\"getUserByLoginID\",result=\"ok\"} 1",
        "authgear_migrate_admin_api_duration_seconds_count{operation=\"createSession\",result=\"ok\"} 1",
        "authgear_migrate_cache_lookups_total{cache=\"jwks\",result=\"miss\"} 1",
        "authgear_migrate_cache_lookups_total{cache=\"jwks\",result=\"hit\"} 1",
        "authgear_migrate_cache_lookups_total{cache=\"admin_jwt\",result=\"hit\"} 1",
        "authgear_migrate_cache_lookups_total{cache=\"replay\",result=\"hit\"} 1",
        "authgear_migrate_cache_lookups_total{cache=\"idempotency\",result=\"miss\"} 2",
        "authgear_migrate_admin_api_in_flight 0",
    ] {
        assert!(metrics.contains(line), "no `{line}` in\n{metrics}");
    }
    assert!(!metrics.contains(token.split('.').nth(2).unwrap()));

    // Draining: load balancers see 503 and stop sending.
    served.endpoint.start_draining();
    let (status, body) = get(&stack.http, &format!("{}healthz", served.url)).await;
    assert_eq!(status, 503);
    assert!(body.contains("draining"), "{body}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_reaches_what_the_configuration_names() {
    let stack = Stack::start().await;
    let env = stack.env();
    let output = binary(&env).arg("--check-config").output().await.unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for expected in [
        "ok   configuration",
        "ok   shared state (memory)",
        "ok   legacy JWKS (LEGACY_JWKS_URL): keys: 1 for RS256",
        "ok   Authgear Admin API",
        "ok   Authgear createSession for client `devstack-spa-client` (AUTHGEAR_CLIENT_IDS): usable",
        "WARN Authgear issuer",
        "ok   legacy token endpoint",
        "ok   legacy session check endpoint",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in\n{stdout}");
    }
    // The devstack's apps use a custom domain: the line says what they must set.
    let admin = &stack.config.authgear_admin;
    assert!(
        stdout.contains(&format!("set `authgear.issuer: \"{admin}\"`")),
        "{stdout}"
    );
    // The probe was refused, as it must be, and created nothing.
    let state = stack.state().await;
    assert_eq!(state["counters"]["create_session"]["successful"], 0);
    assert_eq!(state["sessions"]["authgear_offline_grants"], 0);

    // A key Authgear does not know, and a JWKS nobody serves: each named, exit 1.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}/jwks", closed.local_addr().unwrap());
    drop(closed);
    let mut broken = env.clone();
    broken.insert("AUTHGEAR_ADMIN_KEY_ID", "not-the-key".to_owned());
    broken.insert("LEGACY_JWKS_URL", closed_url);
    let output = binary(&broken)
        .arg("--check-config")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL legacy JWKS"), "{stdout}");
    assert!(stdout.contains("FAIL Authgear Admin API"), "{stdout}");
    assert!(stdout.contains("AUTHGEAR_ADMIN_KEY_ID"), "{stdout}");

    // An invalid configuration: exit 2, naming the variable.
    let mut invalid = env.clone();
    invalid.remove("LEGACY_TOKEN_URL");
    let output = binary(&invalid)
        .arg("--check-config")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("LEGACY_TOKEN_URL is not set") && stderr.contains("refresh_token"),
        "{stderr}"
    );
    stack.stop().await;
}

/// `--check-config`'s createSession probe: each client ID, answered as Authgear answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_proves_create_session_usable_for_each_client() {
    let stack = Stack::start().await;
    let mut env = stack.env();
    env.insert(
        "AUTHGEAR_CLIENT_IDS",
        format!(
            "{}, not-a-client, {}",
            stack.config.client_id,
            authgear_migrate_devstack::THIRD_PARTY_CLIENT_ID
        ),
    );
    // One origin for the apps and the Admin API: no issuer to add.
    env.insert(
        "AUTHGEAR_PUBLIC_ENDPOINT",
        stack.config.authgear_admin.clone(),
    );
    let run = |env: HashMap<&'static str, String>| async move {
        let output = binary(&env).arg("--check-config").output().await.unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
        )
    };
    let (code, stdout) = run(env.clone()).await;
    assert_eq!(code, Some(1), "{stdout}");
    for expected in [
        "ok   Authgear createSession for client `devstack-spa-client` (AUTHGEAR_CLIENT_IDS): usable",
        "FAIL Authgear createSession for client `not-a-client` (AUTHGEAR_CLIENT_IDS): Authgear answers \"invalid client ID\"",
        "FAIL Authgear createSession for client `devstack-third-party-client` (AUTHGEAR_CLIENT_IDS): Authgear answers \"cannot create session for non-first party client\"",
        "ok   Authgear issuer (AUTHGEAR_ENDPOINT, AUTHGEAR_PUBLIC_ENDPOINT): the apps and the Admin API use",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in\n{stdout}");
    }

    // The project's feature flag off (Authgear's default): every client fails, naming it.
    stack
        .configure_authgear(json!({"create_session_enabled": false}))
        .await;
    env.insert("AUTHGEAR_CLIENT_IDS", stack.config.client_id.clone());
    let (code, stdout) = run(env).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL Authgear createSession for client `devstack-spa-client`")
            && stdout.contains("admin_api.create_session_enabled is off")
            && stdout.contains("ask Authgear support"),
        "{stdout}"
    );
    let state = stack.state().await;
    assert_eq!(state["counters"]["create_session"]["successful"], 0);
    assert_eq!(state["sessions"]["authgear_offline_grants"], 0);
    stack.stop().await;
}

/// The binary serving `env` at `/api/authgear-migrate` of a free port, once it answers
/// `/healthz`; its base URL.
async fn start_binary(
    stack: &Stack,
    mut env: HashMap<&'static str, String>,
) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    env.insert("LISTEN_ADDR", format!("127.0.0.1:{port}"));
    env.insert("EXCHANGE_PATH", "/api/authgear-migrate".to_owned());
    env.insert("OPS_LISTEN_ADDR", "beside-exchange".to_owned());
    let child = binary(&env).stderr(Stdio::null()).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..50 {
        if let Ok(response) = stack.http.get(format!("{base}/healthz")).send().await {
            up = response.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the binary did not answer /healthz within 5 s");
    (child, base)
}

async fn terminate(child: &mut tokio::process::Child) {
    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().await;
    assert!(killed.unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the binary exits within 10 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_finishes_what_is_in_flight_on_sigterm() {
    let stack = Stack::start().await;
    let (mut child, base) = start_binary(&stack, stack.env()).await;
    let (status, metrics) = get(&stack.http, &format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    assert!(metrics.contains("authgear_migrate_admin_api_in_flight"));

    // An exchange that Authgear makes slow is in flight when SIGTERM comes: it is answered.
    stack.slow_admin_api(400).await;
    let token = stack.mint(json!({})).await;
    let exchange_url = format!("{base}/api/authgear-migrate");
    let ask = Ask::access(&token);
    let (answer, ()) = tokio::join!(ask.send(&stack.http, &exchange_url), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        terminate(&mut child).await;
    });
    assert_eq!(answer.status, 200, "{}", answer.text);
    stack.stop().await;
}

/// A deploy: SIGTERM while `createSession` is under way for a client that has gone (its
/// timeout). The exchange still finishes and its answer is kept, so the retry (here on the
/// next instance, on the same Redis) gets it instead of `replayed` for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_whose_client_left_is_finished_and_kept_on_sigterm() {
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let mut env = stack.env();
    env.insert("REDIS_URL", redis.url());
    let (mut child, base) = start_binary(&stack, env).await;
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "times": 1,
            "graphql_field": "createSession", "fault": { "kind": "delay", "ms": 1500 },
        }))
        .await;
    let token = stack.mint(json!({})).await;
    let ask = Ask::access(&token).key("deploy");
    ask.send_and_give_up(
        &stack.http,
        &format!("{base}/api/authgear-migrate"),
        Duration::from_millis(300),
    )
    .await;
    stack
        .fault_struck("createSession", Duration::from_millis(100))
        .await;
    terminate(&mut child).await;

    let next = stack.endpoint(&[("REDIS_URL", &redis.url())]).await;
    let retry = ask.send(&stack.http, &next.url).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}
