//! The import CLI's files and uploads, from outside: what holds password hashes is the
//! owner's alone and never written through a symlink; an upload never follows a redirect; a
//! plain-http endpoint off this machine is refused.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{cli_command, fixture, scratch, text};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

fn auth0_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["import", "--format", "auth0"];
    args.extend_from_slice(extra);
    args
}

#[cfg(unix)]
#[tokio::test]
async fn the_output_the_report_and_the_state_are_the_owners_alone_and_never_follow_a_symlink() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("private-files");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "not yours").unwrap();
    let records = dir.join("records.ndjson");
    std::os::unix::fs::symlink(&victim, &records).unwrap();
    let report = dir.join("report.csv");
    let state = dir.join("state.json");
    let input = fixture("auth0-users.ndjson");
    let hashes = fixture("auth0-password-hashes.ndjson");
    let output = cli_command(
        None,
        &auth0_args(&[
            input.to_str().unwrap(),
            "--auth0-password-hashes",
            hashes.to_str().unwrap(),
            "--dry-run",
            "--output",
            records.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ]),
    )
    .output()
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours");
    assert!(!std::fs::symlink_metadata(&records).unwrap().is_symlink());
    assert!(
        std::fs::read_to_string(&records)
            .unwrap()
            .contains("password")
    );
    for path in [&records, &report] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
}

#[tokio::test]
async fn an_upload_never_follows_a_redirect() {
    // Where a redirect would lead: it must never be reached.
    let elsewhere = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_addr = elsewhere.local_addr().unwrap();
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reached);
    tokio::spawn(async move {
        while let Ok((_stream, _)) = elsewhere.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let redirector = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirector_addr = redirector.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = redirector.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 64 * 1024];
                let _ = stream.read(&mut buffer).await;
                let answer = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{elsewhere_addr}/_api/admin/users/import\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    let dir = scratch("redirect");
    let input = fixture("auth0-password-hashes.ndjson");
    let state = dir.join("state.json");
    let output = cli_command(
        Some(&format!("http://{redirector_addr}")),
        &auth0_args(&[
            input.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--max-attempts",
            "1",
        ]),
    )
    .output()
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("307"), "{stderr}");
    assert!(stderr.contains("redirect is never followed"), "{stderr}");
    assert_eq!(reached.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_plain_http_endpoint_off_this_machine_is_refused() {
    let dir = scratch("plain-http");
    let input = fixture("auth0-password-hashes.ndjson");
    let state = dir.join("state.json");
    let output = cli_command(
        Some("http://authgear.example.com"),
        &auth0_args(&[input.to_str().unwrap(), "--state", state.to_str().unwrap()]),
    )
    .output()
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plain http"), "{stderr}");
    assert!(stderr.contains("--allow-insecure-upstreams"), "{stderr}");
}
