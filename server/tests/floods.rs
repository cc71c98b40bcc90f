//! Denial of service: a flood of exchanges from one address is cut at the per-IP limit before
//! any work, and bodies too large to be a request (a padded token, a body streamed without a
//! length) are refused unread. See SECURITY.md.

mod common;

use std::time::Duration;

use common::stack::{Ask, Stack};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Requests in the flood; the limit lets `LIMIT` through.
const FLOOD: usize = 40;
const LIMIT: usize = 5;

#[tokio::test]
async fn an_exchange_flood_from_one_address_is_cut_at_the_limit() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[("RATE_LIMIT_PER_IP", "5/1m")]).await;
    let mut tokens = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        tokens.push(stack.mint(json!({ "user": "bob@example.com" })).await);
    }
    // All at once, as a script hammering the endpoint would.
    let mut flood = tokio::task::JoinSet::new();
    for token in tokens {
        let (http, url) = (stack.http.clone(), served.url.clone());
        flood.spawn(async move { Ask::access(&token).send(&http, &url).await });
    }
    let answers = tokio::time::timeout(Duration::from_secs(60), flood.join_all())
        .await
        .expect("the flood is answered within a minute");
    let served_count = answers.iter().filter(|answer| answer.status == 200).count();
    let limited: Vec<_> = answers
        .iter()
        .filter(|answer| answer.status == 429)
        .collect();
    assert_eq!(served_count, LIMIT, "{answers:?}");
    assert_eq!(limited.len(), FLOOD - LIMIT, "{answers:?}");
    for answer in limited {
        assert_eq!(answer.error().error.as_str(), "temporarily_unavailable");
        assert!((1..=60).contains(&answer.retry_after.unwrap()));
    }
    // Only the requests let through reached Authgear's Admin API.
    assert_eq!(stack.sessions_created().await, LIMIT as u64);
    stack.stop().await;
}

#[tokio::test]
async fn bodies_past_the_limit_are_refused_unread() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    // Signed by the legacy IdP and otherwise good: only its size refuses it.
    let padded = stack
        .mint(json!({ "claims": { "padding": "p".repeat(16 * 1024) } }))
        .await;
    let answer = Ask::access(&padded).send(&stack.http, &served.url).await;
    assert_eq!(answer.refusal(), (400, "invalid_request".into(), None));
    assert!(answer.text.contains("larger than"), "{}", answer.text);

    // A body streamed in chunks announces no length: it is cut at the same limit.
    let head = chunked_post(&served.url, 64 * 1024).await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    assert!(head.contains("larger than"), "{head}");

    // The limit is the body's: a large token that fits is exchanged.
    let large = stack
        .mint(json!({ "claims": { "padding": "p".repeat(8 * 1024) } }))
        .await;
    let answer = Ask::access(&large).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

/// POSTs a form body of `size` bytes with `Transfer-Encoding: chunked` over a raw connection,
/// and returns what came back (the endpoint may close before it all went out).
async fn chunked_post(url: &str, size: usize) -> String {
    let address = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("1000\r\n{}\r\n", "a".repeat(0x1000));
    for _ in 0..size / 0x1000 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let reading = stream.read_to_end(&mut answer);
    // A reset after the answer ends the read; the answer is what counts.
    let _ = tokio::time::timeout(Duration::from_secs(10), reading).await;
    String::from_utf8_lossy(&answer).into_owned()
}
