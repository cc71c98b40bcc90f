//! The `devstack` binary: the one stdout line, and how it stops.

use std::process::Stdio;
use std::time::Duration;

use authgear_migrate_devstack::PublicConfig;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seed/users.json");

fn devstack(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devstack"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

type StdoutLines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// Starts the binary on ephemeral ports and reads its line.
async fn start() -> (Child, PublicConfig, StdoutLines) {
    let dir = env!("CARGO_MANIFEST_DIR");
    let mut child = devstack(&[
        "--port-base",
        "0",
        "--seed",
        SEED,
        "--www",
        dir,
        "--pkg",
        dir,
    ])
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("ready in time")
        .unwrap()
        .expect("one line");
    let config: PublicConfig = serde_json::from_str(&line).expect("the line is the config JSON");
    (child, config, lines)
}

/// Waits for a successful exit, and checks that nothing but the first line went to stdout.
async fn exits_cleanly(mut child: Child, mut stdout: StdoutLines) {
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits in time")
        .unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(stdout.next_line().await.unwrap(), None, "one line only");
}

#[tokio::test]
async fn prints_one_line_and_stops_when_stdin_closes() {
    let (mut child, config, stdout) = start().await;
    assert!(config.exchange_url.starts_with(&config.app));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let served: PublicConfig = client
        .get(format!("{}/config.json", config.app))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, config);
    drop(child.stdin.take());
    exits_cleanly(child, stdout).await;
}

#[tokio::test]
async fn stops_on_sigterm() {
    let (child, _, stdout) = start().await;
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    exits_cleanly(child, stdout).await;
}

#[tokio::test]
async fn startup_errors_name_the_problem() {
    let missing = devstack(&["--port-base", "0", "--seed", "/nonexistent/users.json"])
        .output()
        .await
        .unwrap();
    assert!(!missing.status.success());
    assert!(missing.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("seed file /nonexistent/users.json: cannot read"),
        "{stderr}"
    );

    let bad = std::env::temp_dir().join(format!("devstack-bad-seed-{}.json", std::process::id()));
    std::fs::write(&bad, "{\"identifier\": \"email\", \"records\": [").unwrap();
    let broken = devstack(&["--port-base", "0", "--seed", bad.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains(&format!("seed file {}: bad JSON", bad.display())),
        "{stderr}"
    );
    std::fs::remove_file(&bad).unwrap();

    let usage = devstack(&["--bogus"]).output().await.unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("unknown argument `--bogus`"));
}
