//! The endpoint trusts only what the legacy IdP vouched for (issue 13), tried from outside as
//! an attacker would, against the devstack's stand-ins on the binary's own listener. Every
//! refused case makes no `createSession` and no `createUser`.

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::stack::{Ask, Stack, serve_config};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn refused(reason: &str) -> (u16, String, Option<String>) {
    (400, "invalid_grant".to_owned(), Some(reason.to_owned()))
}

/// Sends `token` as an access token and asserts the refusal, and that nothing was created.
async fn assert_refused(stack: &Stack, url: &str, token: &str, reason: &str, case: &str) {
    let (sessions, users) = (stack.sessions_created().await, stack.users_created().await);
    let answer = Ask::access(token).send(&stack.http, url).await;
    assert_eq!(answer.refusal(), refused(reason), "{case}: {}", answer.text);
    assert_eq!(
        stack.sessions_created().await,
        sessions,
        "{case}: a session"
    );
    assert_eq!(stack.users_created().await, users, "{case}: a user");
}

/// Sends `token` as an access token; it must migrate (200), with one more session.
async fn assert_migrated(stack: &Stack, url: &str, token: &str) -> common::stack::Answer {
    let sessions = stack.sessions_created().await;
    let answer = Ask::access(token).send(&stack.http, url).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(stack.sessions_created().await, sessions + 1);
    answer
}

/// An endpoint that checks access tokens by introspection, with `extra` settings.
async fn introspecting(stack: &Stack, extra: &[(&'static str, &str)]) -> String {
    let introspect = format!("{}/introspect", stack.config.legacy);
    let mut settings = vec![
        ("LEGACY_ACCESS_TOKEN_VERIFIER", "introspection"),
        ("LEGACY_INTROSPECTION_URL", introspect.as_str()),
        ("LEGACY_CREDENTIALS", "access_token"),
    ];
    settings.extend_from_slice(extra);
    stack.endpoint(&settings).await.url
}

#[tokio::test]
async fn an_unverified_email_is_refused_by_default() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    // The takeover of the issue: anyone's own token, with someone else's unverified address.
    for (case, verified) in [
        ("false", json!(false)),
        ("the string false", json!("false")),
        ("absent", json!(null)),
        ("another string", json!("yes")),
    ] {
        let token = stack
            .mint(json!({ "user": "bob@example.com",
                          "claims": { "email": "alice@example.com", "email_verified": verified } }))
            .await;
        assert_refused(&stack, &served.url, &token, "unverified_login_id", case).await;
    }
    // Carol never verified her address at the legacy IdP: her own token is refused too.
    let carol = stack.mint(json!({ "user": "carol@example.com" })).await;
    assert_refused(&stack, &served.url, &carol, "unverified_login_id", "carol").await;
    // Cognito sends the flag as a string.
    let cognito = stack
        .mint(json!({ "user": "alice@example.com", "claims": { "email_verified": "true" } }))
        .await;
    let answer = Ask::access(&cognito).send(&stack.http, &served.url).await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("alice@example.com").await
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_opt_out_finds_users_but_never_creates_one_from_an_unverified_login_id() {
    let stack = Stack::start().await;
    let served = stack
        .endpoint(&[
            ("LEGACY_REQUIRE_VERIFIED", "false"),
            ("AUTHGEAR_CREATE_USERS", "true"),
        ])
        .await;
    let carol = stack.mint(json!({ "user": "carol@example.com" })).await;
    let answer = Ask::access(&carol).send(&stack.http, &served.url).await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("carol@example.com").await
    );
    // Just-in-time creation from an address nobody proved: never, whatever the setting.
    let unproved = stack
        .mint(json!({ "user": "carol@example.com",
                      "claims": { "email": "nobody-yet@example.com", "sub": "legacy|new" } }))
        .await;
    assert_refused(
        &stack,
        &served.url,
        &unproved,
        "unverified_login_id",
        "JIT, unverified",
    )
    .await;
    stack.stop().await;
}

#[tokio::test]
async fn jit_creation_with_a_verified_email_still_works_and_an_unverified_one_never_does() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[("AUTHGEAR_CREATE_USERS", "true")]).await;
    let unverified = stack
        .mint(json!({ "claims": { "email": "jit-unverified@example.com",
                                  "email_verified": false, "sub": "legacy|jit1" } }))
        .await;
    assert_refused(
        &stack,
        &served.url,
        &unverified,
        "unverified_login_id",
        "JIT",
    )
    .await;
    let verified = stack
        .mint(json!({ "claims": { "email": "jit-verified@example.com", "sub": "legacy|jit2" } }))
        .await;
    let users = stack.users_created().await;
    assert_migrated(&stack, &served.url, &verified).await;
    assert_eq!(stack.users_created().await, users + 1);
    stack.stop().await;
}

#[tokio::test]
async fn a_user_created_just_in_time_is_bound_to_its_legacy_subject() {
    let stack = Stack::start().await;
    let served = stack
        .endpoint(&[
            ("AUTHGEAR_CREATE_USERS", "true"),
            ("LEGACY_SUBJECT_ATTRIBUTE", "legacy_user_id"),
        ])
        .await;
    let claims = json!({ "email": "jit-bound@example.com", "sub": "legacy|jit3" });
    let first = stack.mint(json!({ "claims": claims })).await;
    let users = stack.users_created().await;
    assert_migrated(&stack, &served.url, &first).await;
    assert_eq!(stack.users_created().await, users + 1);
    // Its next credential finds it bound (`updateUser` set the attribute)…
    let again = stack.mint(json!({ "claims": claims })).await;
    assert_migrated(&stack, &served.url, &again).await;
    // …and another legacy subject with the same verified address does not get in.
    let other = stack
        .mint(json!({ "claims": { "email": "jit-bound@example.com", "sub": "legacy|other" } }))
        .await;
    assert_refused(
        &stack,
        &served.url,
        &other,
        "subject_mismatch",
        "JIT, bound",
    )
    .await;
    stack.stop().await;
}

#[tokio::test]
async fn subject_binding_refuses_a_login_id_that_belongs_to_another_legacy_subject() {
    let stack = Stack::start().await;
    // Bob was imported with `legacy_user_id: legacy|2` (his `sub`); Alice without it.
    let served = stack
        .endpoint(&[("LEGACY_SUBJECT_ATTRIBUTE", "legacy_user_id")])
        .await;
    let bob = stack.mint(json!({ "user": "bob@example.com" })).await;
    let answer = Ask::access(&bob).send(&stack.http, &served.url).await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("bob@example.com").await
    );
    // Alice's legacy account (legacy|1) with Bob's address, verified: a second connection of
    // the tenant, or an address changed at the IdP that kept its verified flag.
    for (case, claims) in [
        (
            "another user's verified email",
            json!({ "email": "bob@example.com" }),
        ),
        (
            "an email changed at the IdP",
            json!({ "email": "Bob@Example.com", "email_verified": "true" }),
        ),
    ] {
        let token = stack
            .mint(json!({ "user": "alice@example.com", "claims": claims }))
            .await;
        assert_refused(&stack, &served.url, &token, "subject_mismatch", case).await;
    }
    // Alice has no subject attribute: refused while binding is required…
    let alice = stack.mint(json!({ "user": "alice@example.com" })).await;
    assert_refused(&stack, &served.url, &alice, "subject_mismatch", "unbound").await;
    // …and found by login ID with `when-present`, where a mismatch is still refused.
    let lenient = stack
        .endpoint(&[
            ("LEGACY_SUBJECT_ATTRIBUTE", "legacy_user_id"),
            ("LEGACY_SUBJECT_BINDING", "when-present"),
        ])
        .await;
    assert_migrated(&stack, &lenient.url, &alice).await;
    let hijack = stack
        .mint(json!({ "user": "alice@example.com", "claims": { "email": "bob@example.com" } }))
        .await;
    assert_refused(
        &stack,
        &lenient.url,
        &hijack,
        "subject_mismatch",
        "when-present, bound",
    )
    .await;
    stack.stop().await;
}

#[tokio::test]
async fn a_token_another_legacy_application_received_is_refused() {
    let stack = Stack::start().await;
    let own = stack.config.legacy_client_id.clone();
    let served = stack.endpoint(&[("LEGACY_ALLOWED_CLIENT_IDS", &own)]).await;
    // The devstack's access tokens carry `client_id`, its ID tokens `aud` = the client.
    let tokens = stack.legacy_login("alice@example.com").await;
    for kind in ["access_token", "id_token"] {
        let token = tokens[kind].as_str().unwrap();
        let answer = if kind == "access_token" {
            Ask::access(token)
        } else {
            Ask::new(
                authgear_migrate_server::wire::SubjectTokenType::IdToken,
                token,
            )
        }
        .send(&stack.http, &served.url)
        .await;
        assert_eq!(answer.status, 200, "{kind}: {}", answer.text);
    }
    for (case, claims) in [
        ("azp of another app", json!({ "azp": "legacy-other-app" })),
        (
            "client_id of another app",
            json!({ "client_id": "legacy-other-app" }),
        ),
        (
            "cid (Okta) of another app",
            json!({ "client_id": null, "cid": "legacy-other-app" }),
        ),
        ("no client at all", json!({ "client_id": null })),
    ] {
        let token = stack
            .mint(json!({ "user": "alice@example.com", "claims": claims }))
            .await;
        assert_refused(&stack, &served.url, &token, "invalid", case).await;
    }
    stack.stop().await;
}

#[tokio::test]
async fn introspection_needs_the_audience_and_an_allowed_client() {
    let stack = Stack::start().await;
    let own = stack.config.legacy_client_id.clone();
    let url = introspecting(&stack, &[("LEGACY_ALLOWED_CLIENT_IDS", &own)]).await;
    let good = stack
        .mint(json!({ "user": "alice@example.com", "kind": "opaque" }))
        .await;
    assert_migrated(&stack, &url, &good).await;
    for (case, claims) in [
        ("no aud", json!({ "aud": null })),
        // (The stand-in, as real IdPs, always answers a `client_id`; an answer without one is
        // refused too: see legacy/identity.rs.)
        ("another client", json!({ "client_id": "legacy-other-app" })),
    ] {
        let token = stack
            .mint(json!({ "user": "alice@example.com", "kind": "opaque", "claims": claims }))
            .await;
        assert_refused(&stack, &url, &token, "invalid", case).await;
    }
    stack.stop().await;
}

#[tokio::test]
async fn introspection_checks_the_audience_and_issuer_without_a_jwks() {
    let stack = Stack::start().await;
    // Opaque access tokens only: no JWKS, yet LEGACY_AUDIENCE and LEGACY_ISSUER still hold.
    let url = introspecting(&stack, &[("LEGACY_JWKS_URL", "")]).await;
    for own in [
        json!({ "user": "alice@example.com", "kind": "opaque" }),
        json!({ "user": "alice@example.com" }),
    ] {
        let token = stack.mint(own).await;
        assert_migrated(&stack, &url, &token).await;
    }
    let other_api = "https://api-b.legacy.example";
    for (case, spec) in [
        (
            "a JWT for another resource server",
            json!({ "claims": { "aud": other_api } }),
        ),
        (
            "a JWT for other resource servers only",
            json!({ "claims": { "aud": [other_api, "https://api-c.legacy.example"] } }),
        ),
        (
            "an opaque token for another resource server",
            json!({ "kind": "opaque", "claims": { "aud": other_api } }),
        ),
        (
            "an opaque token of another issuer",
            json!({ "kind": "opaque", "claims": { "iss": "https://tenant-b.legacy.example/" } }),
        ),
    ] {
        let mut spec = spec;
        spec["user"] = json!("alice@example.com");
        let token = stack.mint(spec).await;
        assert_refused(&stack, &url, &token, "invalid", case).await;
    }
    stack.stop().await;
}

/// P-256's group order `n`, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The ES256 twin of `token`: `(r, n - s)`, which verifies under the same key without it.
fn ecdsa_twin(token: &str) -> String {
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let (r, s) = signature.split_at(32);
    let mut twin_s = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut digit = i16::from(P256_ORDER[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        twin_s[i] = u8::try_from(digit).unwrap();
    }
    let twin = [r, &twin_s[..]].concat();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(twin))
}

#[tokio::test]
async fn an_ecdsa_twin_is_the_same_credential_to_the_replay_cache() {
    let stack = Stack::start().await;
    let served = stack
        .endpoint(&[("LEGACY_ALGORITHMS", "RS256,ES256")])
        .await;
    // With a `jti` (keyed by `iss` + `jti`), and without (keyed by the signed content).
    for claims in [json!({}), json!({ "jti": null })] {
        let token = stack
            .mint(json!({ "user": "alice@example.com", "alg": "ES256", "claims": claims }))
            .await;
        let twin = ecdsa_twin(&token);
        assert_ne!(twin, token);
        assert_migrated(&stack, &served.url, &token).await;
        // The twin verifies (it is a valid signature) but is the credential just exchanged.
        assert_refused(&stack, &served.url, &twin, "replayed", "(r, n - s)").await;
    }
    stack.stop().await;
}

/// `jwt` re-spelled as lenient base64url decoders (Node's `Buffer`, Go's non-strict encodings)
/// read it the same: with `=` padding, and with its signature's unused low bits flipped.
fn re_spellings(jwt: &str) -> [String; 2] {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (rest, last) = jwt.split_at(jwt.len() - 1);
    // An RS256 signature is 256 bytes, 342 characters: the last one carries 4 unused bits.
    assert_eq!(jwt.rsplit_once('.').unwrap().1.len() % 4, 2);
    let index = ALPHABET
        .iter()
        .position(|c| c == &last.as_bytes()[0])
        .unwrap();
    let flipped = char::from(ALPHABET[index ^ 1]);
    [format!("{jwt}=="), format!("{rest}{flipped}")]
}

#[tokio::test]
async fn a_re_spelled_jwt_is_the_same_credential_to_userinfo_and_introspection() {
    let stack = Stack::start().await;
    let userinfo = format!("{}/userinfo", stack.config.legacy);
    let by_userinfo = stack
        .endpoint(&[
            ("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo"),
            ("LEGACY_USERINFO_URL", &userinfo),
            ("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT", "true"),
            ("LEGACY_AUDIENCE", ""),
        ])
        .await
        .url;
    let by_introspection = introspecting(&stack, &[]).await;
    for url in [&by_userinfo, &by_introspection] {
        // With a `jti` (the key), and without (the signed content is).
        for claims in [json!({}), json!({ "jti": null })] {
            let token = stack
                .mint(json!({ "user": "alice@example.com", "claims": claims }))
                .await;
            assert_migrated(&stack, url, &token).await;
            for (case, spelling) in ["padded", "unused bits flipped"]
                .into_iter()
                .zip(re_spellings(&token))
            {
                // Each under a key of its own: the thief's new attempt, not a retry.
                assert_refused(&stack, url, &spelling, "replayed", case).await;
            }
        }
    }
    stack.stop().await;
}

#[tokio::test]
async fn a_quoted_session_cookie_is_the_same_session_to_the_replay_cache() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let cookie = stack.legacy_cookie("alice@example.com").await;
    let (name, value) = cookie.split_once('=').unwrap();
    let quoted = format!("{name}=\"{value}\"");
    let ask = |cookie: &str| {
        Ask::cookie()
            .header("cookie", cookie)
            .header("origin", stack.config.app.clone())
    };
    let sessions = stack.sessions_created().await;
    let answer = ask(&cookie).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // The legacy IdP reads the quoted value as the same session (as Go and Node servers do).
    let answer = ask(&quoted).send(&stack.http, &served.url).await;
    assert_eq!(answer.refusal(), refused("replayed"), "{}", answer.text);
    assert_eq!(stack.sessions_created().await, sessions + 1);
    stack.stop().await;
}

#[tokio::test]
async fn an_opaque_token_has_one_spelling() {
    let stack = Stack::start().await;
    let url = introspecting(&stack, &[]).await;
    let token = stack
        .mint(json!({ "user": "alice@example.com", "kind": "opaque" }))
        .await;
    // An IdP that trims what it is sent would honour each of these as the same token.
    let half = token.len() / 2;
    for (case, variant) in [
        ("leading space", format!(" {token}")),
        ("trailing space", format!("{token} ")),
        ("trailing line break", format!("{token}\n")),
        (
            "tab inside",
            format!("{}\t{}", &token[..half], &token[half..]),
        ),
        (
            "padding inside",
            format!("{}={}", &token[..half], &token[half..]),
        ),
    ] {
        assert_refused(&stack, &url, &variant, "invalid", case).await;
    }
    assert_migrated(&stack, &url, &token).await;
    assert_refused(&stack, &url, &token, "replayed", "again").await;
    stack.stop().await;
}

#[tokio::test]
async fn a_slow_exchange_outlives_its_in_flight_marker_and_is_answered_once() {
    let stack = Stack::start().await;
    // The marker's lifetime made short, the exchange several times longer: its renewals keep
    // the retry waiting for it, instead of running it again into "replayed".
    let mut config = stack.config_with(&[]);
    config.store.in_flight_ttl = Duration::from_millis(900);
    let served = serve_config(config).await;
    stack.slow_admin_api(1500).await;
    let token = stack.mint(json!({ "user": "alice@example.com" })).await;
    let ask = Ask::access(&token);
    let sessions = stack.sessions_created().await;
    let (first, retry) = tokio::join!(ask.send(&stack.http, &served.url), async {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        ask.send(&stack.http, &served.url).await
    });
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.text, first.text);
    assert_eq!(stack.sessions_created().await, sessions + 1);
    stack.clear_faults().await;
    stack.stop().await;
}

#[tokio::test]
async fn slowloris_connections_are_closed_while_real_exchanges_succeed() {
    const HALF_OPEN: usize = 200;
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let addr = served
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut held = Vec::with_capacity(HALF_OPEN);
    for _ in 0..HALF_OPEN {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        // A request head that never ends.
        stream
            .write_all(b"POST / HTTP/1.1\r\nHost: endpoint\r\nX-Slow: 1")
            .await
            .unwrap();
        held.push(stream);
    }
    for user in ["alice@example.com", "bob@example.com"] {
        let token = stack.mint(json!({ "user": user })).await;
        let answer = Ask::access(&token).send(&stack.http, &served.url).await;
        assert_eq!(
            answer.authgear_subject(),
            stack.authgear_user_id(user).await
        );
    }
    // Each half-open connection is closed by the server once the header-read timeout passes.
    let deadline = authgear_migrate_server::HEADER_READ_TIMEOUT + Duration::from_secs(10);
    let closed = tokio::time::timeout(deadline, async {
        let mut closed = 0;
        for stream in &mut held {
            let mut buffer = [0u8; 512];
            // Hyper may answer 408 first; then the connection ends.
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            closed += 1;
        }
        closed
    })
    .await
    .expect("the half-open connections are closed within the header-read timeout");
    assert_eq!(closed, HALF_OPEN);
    stack.stop().await;
}
