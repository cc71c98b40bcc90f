//! Progress: distinct legacy users migrated, counted in a HyperLogLog that two instances share
//! through a real `redis-server`, the same estimate in memory, and the settings and the
//! `--check-config` line that read it.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use authgear_migrate_server::Config;
use authgear_migrate_server::wire::SubjectTokenType;
use common::redis::RedisServer;
use common::stack::{Ask, Stack, serve_endpoint};
use common::{AUDIENCE, ISSUER, Signer, USER_EMAIL, Upstream, form, mint, now};
use serde_json::json;

const SUBJECTS: usize = 10_000;
/// Users who sign in on a second device: exchanged twice, counted once.
const TWICE: usize = 500;
const WORKERS: usize = 16;

/// A token of legacy user `n` (all log in as the test user: Authgear's side is not what is
/// counted), signed with Ed25519 to keep the test's own cost small.
fn token(signer: &Signer, n: usize, device: usize) -> String {
    let now = now();
    mint(
        signer,
        &json!({ "alg": "EdDSA", "kid": "legacy-ed", "typ": "JWT" }),
        &json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": format!("legacy|user-{n}"),
            "email": USER_EMAIL, "email_verified": true,
            "iat": now, "exp": now + 600, "jti": format!("user-{n}-device-{device}"),
        }),
    )
}

async fn migrated_users(http: &reqwest::Client, url: &str) -> u64 {
    let text = http
        .get(format!("{url}metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("authgear_migrate_migrated_users "))
        .unwrap_or_else(|| panic!("no authgear_migrate_migrated_users in\n{text}"))
        .parse()
        .unwrap()
}

/// Exchanges a token of user `n` from device `d` at `url`, for each `(url, n, d)`, from
/// [`WORKERS`] tasks and one client (its connections kept alive); all must succeed.
async fn exchange_all(signer: &Arc<Signer>, jobs: Vec<(String, usize, usize)>) {
    let http = reqwest::Client::new();
    let jobs = Arc::new(jobs);
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (signer, jobs, http) = (Arc::clone(signer), Arc::clone(&jobs), http.clone());
        workers.push(tokio::spawn(async move {
            for (url, n, device) in jobs.iter().skip(worker).step_by(WORKERS) {
                let response = http
                    .post(url.as_str())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form(
                        &token(&signer, *n, *device),
                        SubjectTokenType::AccessToken,
                    ))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                // The body says which dependency answered 503, if one flakes under load.
                if status != 200 {
                    let body = response.text().await.unwrap_or_default();
                    panic!("user {n} on {url}: {status} {body}");
                }
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

/// The test's legacy IdP (Ed25519) and Admin API, and the variables of an endpoint on them.
async fn upstream() -> (Arc<Signer>, Upstream, HashMap<&'static str, String>) {
    let signer = Arc::new(Signer::ed25519());
    let upstream =
        Upstream::start(json!({ "keys": [signer.jwk("legacy-ed", Some("EdDSA"))] })).await;
    let mut env = upstream.env();
    env.insert("LEGACY_ALGORITHMS", "EdDSA".to_owned());
    (signer, upstream, env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_users_through_two_instances_on_one_redis() {
    let redis = RedisServer::start();
    let (signer, _upstream, mut env) = upstream().await;
    env.insert("REDIS_URL", redis.url());
    let (a, b) = (serve_endpoint(&env).await, serve_endpoint(&env).await);
    let http = reqwest::Client::new();
    assert_eq!(migrated_users(&http, &a.url).await, 0);

    // Each user through one of the two instances, and TWICE of them from a second device
    // through the other.
    let mut jobs = Vec::new();
    for n in 0..SUBJECTS {
        let devices = if n < TWICE { 2 } else { 1 };
        for device in 0..devices {
            let url = if (n + device) % 2 == 0 {
                &a.url
            } else {
                &b.url
            };
            jobs.push((url.clone(), n, device));
        }
    }
    let exchanges = jobs.len();
    let started = Instant::now();
    exchange_all(&signer, jobs).await;
    let took = started.elapsed().as_secs_f64();

    // Both instances read the one count.
    let (on_a, on_b) = (
        migrated_users(&http, &a.url).await,
        migrated_users(&http, &b.url).await,
    );
    assert_eq!(on_a, on_b);
    let error = (on_a as f64 - SUBJECTS as f64) / SUBJECTS as f64;
    println!(
        "progress estimate: {on_a} for {SUBJECTS} distinct users ({exchanges} exchanges through \
         2 instances on one Redis, {TWICE} of the users twice): error {:+.2}% (standard error \
         0.81%); {exchanges} exchanges in {took:.1} s",
        error * 100.0
    );
    // The subjects are fixed, so the estimate is too: three standard errors is a bound that
    // only a broken sketch crosses.
    assert!(error.abs() < 0.0243, "estimate {on_a} for {SUBJECTS}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_memory_estimate_is_the_one_redis_gives() {
    const USERS: usize = 1_000;
    let redis = RedisServer::start();
    let (signer, _upstream, mut env) = upstream().await;
    let memory = serve_endpoint(&env).await;
    env.insert("REDIS_URL", redis.url());
    let in_redis = serve_endpoint(&env).await;
    let jobs = (0..USERS)
        .flat_map(|n| [(memory.url.clone(), n, 0), (in_redis.url.clone(), n, 0)])
        .collect();
    exchange_all(&signer, jobs).await;
    let http = reqwest::Client::new();
    let (in_memory, in_redis) = (
        migrated_users(&http, &memory.url).await,
        migrated_users(&http, &in_redis.url).await,
    );
    println!("{USERS} users: {in_memory} in memory, {in_redis} by PFCOUNT");
    // Same hash, registers and estimator: the same number, not merely a close one.
    assert_eq!(in_memory, in_redis);
    assert_ne!(in_memory, 0);
}

fn config(upstream: &Upstream, extra: &[(&'static str, &str)]) -> Result<Config, String> {
    let mut env: HashMap<&'static str, String> = upstream.env();
    for (name, value) in extra {
        env.insert(name, (*value).to_owned());
    }
    Config::from_lookup(|name| env.get(name).cloned()).map_err(|error| error.to_string())
}

#[tokio::test]
async fn the_ops_listener_is_loopback_unless_told_and_imported_users_is_a_number() {
    let upstream = Upstream::start(json!({ "keys": [] })).await;
    let default = config(&upstream, &[]).unwrap();
    assert_eq!(
        default.ops_listen_addr,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    assert_eq!(default.progress.imported_users, None);
    let beside = config(&upstream, &[("OPS_LISTEN_ADDR", "beside-exchange")]).unwrap();
    assert_eq!(beside.ops_listen_addr, None);
    let same = config(
        &upstream,
        &[
            ("LISTEN_ADDR", "127.0.0.1:8080"),
            ("OPS_LISTEN_ADDR", "127.0.0.1:8080"),
        ],
    )
    .unwrap_err();
    assert!(
        same.contains("OPS_LISTEN_ADDR is invalid") && same.contains("beside-exchange"),
        "{same}"
    );
    let imported = config(&upstream, &[("IMPORTED_USERS", "120,000")]).unwrap();
    assert_eq!(imported.progress.imported_users, Some(120_000));
    let bad = config(&upstream, &[("IMPORTED_USERS", "lots")]).unwrap_err();
    assert!(
        bad.contains("IMPORTED_USERS is invalid") && bad.contains("lots"),
        "{bad}"
    );
}

/// What `--check-config` prints with exactly these variables.
async fn check_config(env: &HashMap<&'static str, String>) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_authgear-migrate-server"))
        .arg("--check-config")
        .env_clear()
        .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
        .output()
        .await
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn check_config_prints_the_share_migrated_from_redis() {
    // The devstack's Authgear, which answers --check-config's createSession probe as Authgear does.
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let mut env = stack.env();
    env.insert("REDIS_URL", redis.url());
    env.insert("IMPORTED_USERS", "8".to_owned());
    let served = serve_endpoint(&env).await;
    for user in ["alice@example.com", "bob@example.com", "alice@example.com"] {
        let token = stack.mint(json!({ "user": user })).await;
        let answer = Ask::access(&token).send(&stack.http, &served.url).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    let stdout = check_config(&env).await;
    assert!(
        stdout.contains(
            "ok   progress (IMPORTED_USERS): migrated 2 of 8 imported (25.0%; an estimate, \
             standard error 0.81%)"
        ),
        "{stdout}"
    );
    // Without Redis, a process of its own cannot know: it says where to look.
    env.remove("REDIS_URL");
    let stdout = check_config(&env).await;
    assert!(
        stdout.contains("authgear_migrate_migrated_users on its /metrics"),
        "{stdout}"
    );
    stack.stop().await;
}
