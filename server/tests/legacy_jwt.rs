//! Verification of legacy JWTs, through the endpoint: what is accepted, what is refused and why,
//! and how the JWKS is fetched. Keys are the development RSA key under tests/keys/ and ECDSA
//! P-256 / Ed25519 keys generated per test.

mod common;

use std::time::Duration;

use authgear_migrate_server::Config;
use authgear_migrate_server::wire::{ErrorCode, ErrorResponse, GrantRefusal, SubjectTokenType};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use serde_json::{Value, json};

/// Runs the endpoint with `jwks` and extra settings.
async fn endpoint(jwks: Value, settings: &[(&'static str, &str)]) -> (Upstream, String) {
    let upstream = Upstream::start(jwks).await;
    let mut env = upstream.env();
    for (name, value) in settings {
        env.insert(name, (*value).to_owned());
    }
    let url = start_endpoint(config_from(&env)).await;
    (upstream, url)
}

fn rsa_jwks() -> Value {
    json!({ "keys": [Signer::rsa().jwk("legacy-rsa", Some("RS256"))] })
}

async fn exchange(url: &str, token: &str) -> reqwest::Response {
    post_form(url, form(token, SubjectTokenType::AccessToken)).await
}

async fn expect_refusal(response: reqwest::Response, reason: GrantRefusal) -> String {
    assert_eq!(response.status(), 400);
    let body: ErrorResponse = response.json().await.unwrap();
    assert_eq!(body.error, ErrorCode::InvalidGrant, "{body:?}");
    assert_eq!(body.reason, Some(reason), "{body:?}");
    body.error_description.unwrap()
}

fn rs256(kid: &str) -> Value {
    json!({ "alg": "RS256", "kid": kid, "typ": "JWT" })
}

#[tokio::test]
async fn accepts_every_allowed_algorithm_family() {
    let ec = Signer::p256();
    let ed = Signer::ed25519();
    let jwks = json!({ "keys": [
        Signer::rsa().jwk("legacy-rsa", None),
        ec.jwk("legacy-ec", Some("ES256")),
        ed.jwk("legacy-ed", None),
    ] });
    let (_upstream, url) = endpoint(
        jwks,
        &[("LEGACY_ALGORITHMS", "RS256,PS256,RS512,ES256,EdDSA")],
    )
    .await;
    // Each its own token (its own `jti`): one `iss` + `jti` is one credential, however signed.
    let claims = || claims_for(USER_EMAIL);
    let tokens = [
        mint(&Signer::rsa(), &rs256("legacy-rsa"), &claims()),
        mint(
            &Signer::rsa(),
            &json!({ "alg": "PS256", "kid": "legacy-rsa" }),
            &claims(),
        ),
        mint(
            &Signer::rsa(),
            &json!({ "alg": "RS512", "kid": "legacy-rsa" }),
            &claims(),
        ),
        mint(
            &ec,
            &json!({ "alg": "ES256", "kid": "legacy-ec" }),
            &claims(),
        ),
        mint(
            &ed,
            &json!({ "alg": "EdDSA", "kid": "legacy-ed" }),
            &claims(),
        ),
        // No `kid`: any key that fits the algorithm may have signed it.
        mint(&ed, &json!({ "alg": "EdDSA" }), &claims()),
    ];
    for token in tokens {
        let response = exchange(&url, &token).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
}

#[tokio::test]
async fn accepts_an_audience_array_and_expiry_within_the_leeway() {
    let (_upstream, url) = endpoint(rsa_jwks(), &[]).await;
    let mut claims = claims_for(USER_EMAIL);
    claims["aud"] = json!(["https://other.example.com", AUDIENCE]);
    claims["exp"] = json!(now() - 30); // default leeway 60 s
    claims["nbf"] = json!(now() + 30);
    let response = exchange(&url, &mint(&Signer::rsa(), &rs256("legacy-rsa"), &claims)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn refuses_expired_tokens_as_expired() {
    let (_upstream, url) = endpoint(rsa_jwks(), &[("LEEWAY_SECONDS", "5")]).await;
    let mut claims = claims_for(USER_EMAIL);
    claims["exp"] = json!(now() - 30);
    let token = mint(&Signer::rsa(), &rs256("legacy-rsa"), &claims);
    expect_refusal(exchange(&url, &token).await, GrantRefusal::Expired).await;
}

#[tokio::test]
async fn refuses_bad_claims_as_invalid() {
    let (_upstream, url) = endpoint(rsa_jwks(), &[]).await;
    type Change = fn(&mut Value);
    let cases: [(&str, Change); 7] = [
        ("`iss`", |c| {
            c["iss"] = json!("https://elsewhere.example.com/")
        }),
        ("`aud`", |c| c["aud"] = json!("https://other.example.com")),
        ("`aud`", |c| c["aud"] = json!(["a", "b"])),
        ("`nbf`", |c| c["nbf"] = json!(now() + 3600)),
        ("`exp`", |c| {
            c.as_object_mut().unwrap().remove("exp");
        }),
        ("`iss`", |c| {
            c.as_object_mut().unwrap().remove("iss");
        }),
        // From elsewhere and expired: the issuer is the verdict, not the clock.
        ("`iss`", |c| {
            c["iss"] = json!("https://elsewhere.example.com/");
            c["exp"] = json!(now() - 3600);
        }),
    ];
    for (names, change) in cases {
        let mut claims = claims_for(USER_EMAIL);
        change(&mut claims);
        let token = mint(&Signer::rsa(), &rs256("legacy-rsa"), &claims);
        let description = expect_refusal(exchange(&url, &token).await, GrantRefusal::Invalid).await;
        assert!(
            description.contains(names),
            "{description} should name {names}"
        );
    }
}

#[tokio::test]
async fn refuses_a_bad_signature() {
    let (_upstream, url) = endpoint(rsa_jwks(), &[]).await;
    let token = good_token();
    let (signed, _) = token.rsplit_once('.').unwrap();
    // Signed with another RSA key but naming ours.
    let forged = mint(
        &Signer::other_rsa(),
        &rs256("legacy-rsa"),
        &claims_for(USER_EMAIL),
    );
    let mut tampered_claims = claims_for(USER_EMAIL);
    tampered_claims["email"] = json!("admin@example.com");
    let spliced = format!(
        "{}.{}.{}",
        signed.split('.').next().unwrap(),
        URL_SAFE_NO_PAD.encode(tampered_claims.to_string()),
        token.rsplit('.').next().unwrap()
    );
    for token in [spliced, forged] {
        let description = expect_refusal(exchange(&url, &token).await, GrantRefusal::Invalid).await;
        assert!(description.contains("signature"), "{description}");
    }
}

#[tokio::test]
async fn refuses_none_and_hmac_structurally() {
    let (_upstream, url) = endpoint(rsa_jwks(), &[]).await;
    let claims = URL_SAFE_NO_PAD.encode(claims_for(USER_EMAIL).to_string());
    let header =
        |alg: &str| URL_SAFE_NO_PAD.encode(json!({ "alg": alg, "kid": "legacy-rsa" }).to_string());

    let unsigned = format!("{}.{claims}.", header("none"));
    let description = expect_refusal(exchange(&url, &unsigned).await, GrantRefusal::Invalid).await;
    assert!(description.contains("algorithm"), "{description}");

    // The confusion attack: HMAC-SHA256 keyed with the RSA public key the JWKS publishes.
    let signing_input = format!("{}.{claims}", header("HS256"));
    let rsa_jwk = Signer::rsa().jwk("legacy-rsa", None).to_string();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, rsa_jwk.as_bytes());
    let tag = ring::hmac::sign(&key, signing_input.as_bytes());
    let hs256 = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
    let description = expect_refusal(exchange(&url, &hs256).await, GrantRefusal::Invalid).await;
    assert!(description.contains("algorithm"), "{description}");
}

#[tokio::test]
async fn the_key_must_fit_the_algorithm() {
    let ec = Signer::p256();
    let jwks = json!({ "keys": [
        Signer::rsa().jwk("legacy-rsa", Some("RS256")),
        ec.jwk("legacy-ec", None),
    ] });
    let (_upstream, url) =
        endpoint(jwks, &[("LEGACY_ALGORITHMS", "RS256,PS256,ES256,EdDSA")]).await;
    let claims = claims_for(USER_EMAIL);

    // The JWK says RS256: a PS256 signature by the same key is not accepted.
    let ps256 = mint(
        &Signer::rsa(),
        &json!({ "alg": "PS256", "kid": "legacy-rsa" }),
        &claims,
    );
    let description = expect_refusal(exchange(&url, &ps256).await, GrantRefusal::Invalid).await;
    assert!(description.contains("fits"), "{description}");

    // An EC key cannot check an EdDSA token, whatever the token claims.
    let eddsa = mint(
        &Signer::ed25519(),
        &json!({ "alg": "EdDSA", "kid": "legacy-ec" }),
        &claims,
    );
    expect_refusal(exchange(&url, &eddsa).await, GrantRefusal::Invalid).await;

    // An algorithm outside the allowlist is refused before any key is looked at.
    let rs384 = mint(
        &Signer::rsa(),
        &json!({ "alg": "RS384", "kid": "legacy-rsa" }),
        &claims,
    );
    let description = expect_refusal(exchange(&url, &rs384).await, GrantRefusal::Invalid).await;
    assert!(description.contains("algorithm"), "{description}");
}

#[tokio::test]
async fn refuses_critical_headers_and_garbage() {
    let (_upstream, url) = endpoint(rsa_jwks(), &[]).await;
    let crit = mint(
        &Signer::rsa(),
        &json!({ "alg": "RS256", "kid": "legacy-rsa", "crit": ["exp"], "exp": 1 }),
        &claims_for(USER_EMAIL),
    );
    expect_refusal(exchange(&url, &crit).await, GrantRefusal::Invalid).await;
    for garbage in ["not-a-jwt", "a.b", "a.b.c.d.e"] {
        let description =
            expect_refusal(exchange(&url, garbage).await, GrantRefusal::Invalid).await;
        assert!(description.contains("malformed"), "{description}");
    }
    // Not even a bearer token's characters: refused before any parsing.
    let description = expect_refusal(exchange(&url, "!!.??.##").await, GrantRefusal::Invalid).await;
    assert!(description.contains("bearer token"), "{description}");
}

#[tokio::test]
async fn the_jwks_is_fetched_once_and_cached() {
    let (upstream, url) = endpoint(rsa_jwks(), &[]).await;
    assert_eq!(upstream.jwks_fetches(), 0, "fetched lazily");
    for _ in 0..3 {
        assert_eq!(exchange(&url, &good_token()).await.status(), 200);
    }
    assert_eq!(upstream.jwks_fetches(), 1);
}

#[tokio::test]
async fn unknown_kids_cannot_hammer_the_jwks() {
    let (upstream, url) = endpoint(rsa_jwks(), &[]).await;
    assert_eq!(exchange(&url, &good_token()).await.status(), 200);
    assert_eq!(upstream.jwks_fetches(), 1);
    for n in 0..5 {
        let token = mint(
            &Signer::rsa(),
            &rs256(&format!("made-up-{n}")),
            &claims_for(USER_EMAIL),
        );
        let response = exchange(&url, &token).await;
        // Within the cooldown the key cannot be looked for again: "later", never "invalid".
        assert_eq!(response.status(), 503);
        assert!(response.headers().contains_key("retry-after"));
    }
    assert_eq!(upstream.jwks_fetches(), 1);
}

#[tokio::test]
async fn a_rotated_key_is_found_by_refetching() {
    let upstream = Upstream::start(rsa_jwks()).await;
    let mut config: Config = upstream.config();
    config.legacy.jwt.as_mut().unwrap().jwks_cooldown = Duration::ZERO;
    let url = start_endpoint(config).await;
    assert_eq!(exchange(&url, &good_token()).await.status(), 200);

    let token = mint(
        &Signer::rsa(),
        &rs256("legacy-rsa-2"),
        &claims_for(USER_EMAIL),
    );
    upstream.set_jwks(json!({ "keys": [Signer::rsa().jwk("legacy-rsa-2", None)] }));
    assert_eq!(exchange(&url, &token).await.status(), 200);
    // Once refetched and still unknown, a `kid` is a verdict.
    let stray = mint(
        &Signer::rsa(),
        &rs256("never-published"),
        &claims_for(USER_EMAIL),
    );
    let description = expect_refusal(exchange(&url, &stray).await, GrantRefusal::Invalid).await;
    assert!(description.contains("`kid`"), "{description}");
}

#[tokio::test]
async fn an_unreachable_jwks_means_try_later() {
    let upstream = Upstream::start(rsa_jwks()).await;
    let mut env = upstream.env();
    env.insert("LEGACY_JWKS_URL", upstream.url("/no-such-jwks"));
    let url = start_endpoint(config_from(&env)).await;
    let response = exchange(&url, &good_token()).await;
    assert_eq!(response.status(), 503);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after));
    let body: ErrorResponse = response.json().await.unwrap();
    assert_eq!(body.error, ErrorCode::TemporarilyUnavailable);
    assert_eq!(body.reason, None);

    // A JWKS that is not one is no better.
    let (_upstream, url) = endpoint(json!({ "not": "a key set" }), &[]).await;
    assert_eq!(exchange(&url, &good_token()).await.status(), 503);
}
