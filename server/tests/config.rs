//! Every bad or missing setting is refused with a message that names the variable.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use authgear_migrate_server::{Algorithm, Config, ConfigError, LoginIdKey, LoginIdSource};
use common::key_path;

fn minimal() -> HashMap<&'static str, String> {
    HashMap::from([
        (
            "AUTHGEAR_ENDPOINT",
            "https://myapp.authgear.cloud".to_owned(),
        ),
        ("AUTHGEAR_ADMIN_KEY_ID", "kid-1".to_owned()),
        (
            "AUTHGEAR_ADMIN_KEY_FILE",
            key_path("admin-rsa.pem").display().to_string(),
        ),
        ("AUTHGEAR_CLIENT_IDS", "client-a".to_owned()),
        (
            "LEGACY_JWKS_URL",
            "https://legacy.example.com/.well-known/jwks.json".to_owned(),
        ),
        ("LEGACY_ISSUER", "https://legacy.example.com/".to_owned()),
        ("LEGACY_AUDIENCE", "https://api.example.com".to_owned()),
    ])
}

fn load(env: &HashMap<&'static str, String>) -> Result<Config, ConfigError> {
    Config::from_lookup(|name| env.get(name).cloned())
}

fn sources(config: &Config) -> Vec<(&str, LoginIdKey)> {
    config
        .legacy
        .login_ids
        .iter()
        .map(|LoginIdSource { claim, key, .. }| (claim.as_str(), *key))
        .collect()
}

#[test]
fn login_ids_come_from_an_ordered_list_of_sources() {
    let mut env = minimal();
    env.insert(
        "LEGACY_LOGIN_ID_SOURCES",
        "email, phone_number, preferred_username, custom_handle:username".to_owned(),
    );
    let config = load(&env).unwrap();
    assert_eq!(
        sources(&config),
        [
            ("email", LoginIdKey::Email),
            ("phone_number", LoginIdKey::Phone),
            ("preferred_username", LoginIdKey::Username),
            ("custom_handle", LoginIdKey::Username),
        ]
    );
    // The key a claim's name implies, for the single-claim form too.
    let mut env = minimal();
    env.insert("LEGACY_LOGIN_ID_CLAIM", "phone_number".to_owned());
    assert_eq!(
        sources(&load(&env).unwrap()),
        [("phone_number", LoginIdKey::Phone)]
    );
}

#[test]
fn subject_binding_and_client_binding_are_read() {
    let mut env = minimal();
    env.extend([
        ("LEGACY_SUBJECT_ATTRIBUTE", "/legacy_user_id".to_owned()),
        ("LEGACY_ALLOWED_CLIENT_IDS", "spa, ios".to_owned()),
        ("LEGACY_REQUIRE_VERIFIED", "false".to_owned()),
    ]);
    let config = load(&env).unwrap();
    let binding = config.legacy.subject_binding.as_ref().unwrap();
    assert_eq!(binding.attribute, "legacy_user_id");
    assert!(!binding.when_present);
    assert_eq!(config.legacy.allowed_client_ids, ["spa", "ios"]);
    assert!(!config.legacy.require_verified);
    env.insert("LEGACY_SUBJECT_BINDING", "when-present".to_owned());
    assert!(
        load(&env)
            .unwrap()
            .legacy
            .subject_binding
            .unwrap()
            .when_present
    );
}

#[test]
fn check_config_warns_of_each_open_door() {
    let warnings = load(&minimal()).unwrap().warnings().join("\n");
    for named in ["LEGACY_SUBJECT_ATTRIBUTE", "LEGACY_ALLOWED_CLIENT_IDS"] {
        assert!(warnings.contains(named), "{warnings}");
    }
    assert!(!warnings.contains("LEGACY_REQUIRE_VERIFIED"), "{warnings}");
    let mut env = minimal();
    env.extend([
        ("LEGACY_REQUIRE_VERIFIED", "false".to_owned()),
        ("LEGACY_LOGIN_ID_CLAIM", "preferred_username".to_owned()),
        ("ALLOW_INSECURE_UPSTREAMS", "true".to_owned()),
    ]);
    let warnings = load(&env).unwrap().warnings().join("\n");
    for named in [
        "LEGACY_REQUIRE_VERIFIED=false",
        "`preferred_username` has no verified flag",
        "ALLOW_INSECURE_UPSTREAMS=true",
    ] {
        assert!(warnings.contains(named), "{warnings}");
    }
    let mut bound = minimal();
    bound.extend([
        ("LEGACY_SUBJECT_ATTRIBUTE", "legacy_user_id".to_owned()),
        ("LEGACY_ALLOWED_CLIENT_IDS", "spa".to_owned()),
    ]);
    assert_eq!(load(&bound).unwrap().warnings(), Vec::<String>::new());
}

#[test]
fn upstreams_are_https_unless_loopback_or_allowed() {
    let plain = [
        ("AUTHGEAR_ENDPOINT", "http://myapp.authgear.cloud"),
        ("LEGACY_JWKS_URL", "http://legacy.example.com/jwks"),
        ("REDIS_URL", "redis://redis.internal:6379"),
    ];
    for (variable, url) in plain {
        let mut env = minimal();
        env.insert(variable, url.to_owned());
        let error = load(&env).expect_err(variable).to_string();
        assert!(error.contains(&format!("{variable} is invalid")), "{error}");
        assert!(error.contains("ALLOW_INSECURE_UPSTREAMS"), "{error}");
        env.insert("ALLOW_INSECURE_UPSTREAMS", "true".to_owned());
        assert!(load(&env).is_ok(), "{variable} with the opt-out");
    }
    // The provisioning target of a rolling migration is held to the same rule.
    let mut env = minimal();
    env.extend([
        ("LEGACY_PROVISION_URL", "http://legacy.example/p".to_owned()),
        ("LEGACY_PROVISION_SECRET", "0123456789abcdef".to_owned()),
    ]);
    let error = load(&env).expect_err("LEGACY_PROVISION_URL").to_string();
    assert!(error.contains("LEGACY_PROVISION_URL is invalid"), "{error}");
    env.insert("ALLOW_INSECURE_UPSTREAMS", "true".to_owned());
    assert!(load(&env).is_ok(), "LEGACY_PROVISION_URL with the opt-out");
    let mut env = minimal();
    env.extend([
        ("AUTHGEAR_ENDPOINT", "http://127.0.0.1:3001".to_owned()),
        ("AUTHGEAR_PROJECT_ID", "p".to_owned()),
        ("LEGACY_JWKS_URL", "http://localhost:3002/jwks".to_owned()),
        ("REDIS_URL", "redis://127.0.0.1:6379".to_owned()),
    ]);
    assert!(load(&env).is_ok());
}

#[test]
fn defaults_fill_in_what_is_not_set() {
    let config = load(&minimal()).unwrap();
    assert_eq!(config.authgear.project_id, "myapp");
    assert_eq!(config.authgear.client_ids, ["client-a"]);
    assert_eq!(config.authgear.admin_key.id(), "kid-1");
    assert_eq!(
        config.legacy.jwt.as_ref().unwrap().algorithms,
        [Algorithm::Rs256]
    );
    assert_eq!(sources(&config), [("email", LoginIdKey::Email)]);
    // Secure by default: verified login IDs only, upstreams over TLS.
    assert!(config.legacy.require_verified);
    assert!(!config.allow_insecure_upstreams);
    assert_eq!(config.legacy.leeway, Duration::from_secs(60));
    assert!(config.cors_allowed_origins.is_empty());
    assert_eq!(
        config.listen_addr,
        "127.0.0.1:8080".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(config.exchange_path, "/");
    // The admin key never shows in a debug print.
    assert!(!format!("{config:?}").contains("PRIVATE"));
}

#[test]
fn every_setting_is_read() {
    let mut env = minimal();
    let pem = std::fs::read_to_string(key_path("admin-rsa.pem")).unwrap();
    env.remove("AUTHGEAR_ADMIN_KEY_FILE");
    env.extend([
        ("AUTHGEAR_PROJECT_ID", "other-project".to_owned()),
        // As an env file often carries it: line breaks written as `\n`.
        ("AUTHGEAR_ADMIN_KEY_PEM", pem.replace('\n', "\\n")),
        ("AUTHGEAR_CLIENT_IDS", " a, b ,,c ".to_owned()),
        ("LEGACY_ALGORITHMS", "ES256, RS256,EdDSA,RS256".to_owned()),
        ("LEGACY_LOGIN_ID_CLAIM", "preferred_username".to_owned()),
        ("LEGACY_LOGIN_ID_KEY", "username".to_owned()),
        ("LEEWAY_SECONDS", "0".to_owned()),
        (
            "CORS_ALLOWED_ORIGINS",
            "https://App.Example.com/, http://localhost:3000".to_owned(),
        ),
        ("LISTEN_ADDR", "0.0.0.0:9000".to_owned()),
        ("EXCHANGE_PATH", "/api/authgear-migrate".to_owned()),
    ]);
    let config = load(&env).unwrap();
    assert_eq!(config.authgear.project_id, "other-project");
    assert_eq!(config.authgear.client_ids, ["a", "b", "c"]);
    assert_eq!(
        config.legacy.jwt.as_ref().unwrap().algorithms,
        [Algorithm::Es256, Algorithm::Rs256, Algorithm::EdDsa]
    );
    assert_eq!(
        sources(&config),
        [("preferred_username", LoginIdKey::Username)]
    );
    assert_eq!(config.legacy.leeway, Duration::ZERO);
    let origins: Vec<&str> = config
        .cors_allowed_origins
        .iter()
        .map(|origin| origin.as_str())
        .collect();
    assert_eq!(
        origins,
        ["https://app.example.com", "http://localhost:3000"]
    );
    assert_eq!(config.listen_addr.port(), 9000);
    assert_eq!(config.exchange_path, "/api/authgear-migrate");
}

#[test]
fn the_portal_pkcs1_key_and_a_pkcs8_key_both_load() {
    // The portal's download (PKCS#1) as a file, and the tests' PKCS#8 key as text.
    let portal = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../devstack/keys/authgear-admin.pem"
    );
    assert!(
        std::fs::read_to_string(portal)
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    let mut env = minimal();
    env.insert("AUTHGEAR_ADMIN_KEY_FILE", portal.to_owned());
    assert_eq!(load(&env).unwrap().authgear.admin_key.id(), "kid-1");
    let pkcs8 = std::fs::read_to_string(key_path("admin-rsa.pem")).unwrap();
    assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"));
    env.remove("AUTHGEAR_ADMIN_KEY_FILE");
    env.insert("AUTHGEAR_ADMIN_KEY_PEM", pkcs8);
    assert_eq!(load(&env).unwrap().authgear.admin_key.id(), "kid-1");
}

#[test]
fn empty_means_unset() {
    let mut env = minimal();
    env.insert("LEGACY_ALGORITHMS", "  ".to_owned());
    env.insert("AUTHGEAR_ADMIN_KEY_PEM", String::new());
    assert_eq!(
        load(&env).unwrap().legacy.jwt.unwrap().algorithms,
        [Algorithm::Rs256]
    );
}

#[test]
fn bad_settings_name_their_variable() {
    let pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----";
    let cases: &[(&str, Option<&str>, &str)] = &[
        ("AUTHGEAR_ENDPOINT", None, "AUTHGEAR_ENDPOINT is not set"),
        (
            "AUTHGEAR_ENDPOINT",
            Some("myapp.authgear.cloud"),
            "AUTHGEAR_ENDPOINT is invalid",
        ),
        (
            "AUTHGEAR_ENDPOINT",
            Some("ftp://myapp.authgear.cloud"),
            "AUTHGEAR_ENDPOINT is invalid",
        ),
        (
            "AUTHGEAR_ENDPOINT",
            Some("https://myapp.authgear.cloud/?x=1"),
            "AUTHGEAR_ENDPOINT is invalid",
        ),
        // An IP address has no first label to take the project ID from.
        (
            "AUTHGEAR_ENDPOINT",
            Some("http://127.0.0.1:3000"),
            "AUTHGEAR_PROJECT_ID is not set",
        ),
        (
            "AUTHGEAR_ADMIN_KEY_ID",
            None,
            "AUTHGEAR_ADMIN_KEY_ID is not set",
        ),
        (
            "AUTHGEAR_ADMIN_KEY_FILE",
            None,
            "AUTHGEAR_ADMIN_KEY_FILE is not set",
        ),
        (
            "AUTHGEAR_ADMIN_KEY_FILE",
            Some("/no/such/key.pem"),
            "cannot read /no/such/key.pem",
        ),
        (
            "AUTHGEAR_ADMIN_KEY_PEM",
            Some("garbage"),
            "AUTHGEAR_ADMIN_KEY_FILE and AUTHGEAR_ADMIN_KEY_PEM are both set",
        ),
        (
            "AUTHGEAR_CLIENT_IDS",
            None,
            "AUTHGEAR_CLIENT_IDS is not set",
        ),
        (
            "AUTHGEAR_CLIENT_IDS",
            Some(" , ,"),
            "AUTHGEAR_CLIENT_IDS is invalid",
        ),
        ("LEGACY_JWKS_URL", None, "LEGACY_JWKS_URL is not set"),
        (
            "LEGACY_JWKS_URL",
            Some("/jwks.json"),
            "LEGACY_JWKS_URL is invalid",
        ),
        ("LEGACY_ISSUER", None, "LEGACY_ISSUER is not set"),
        ("LEGACY_AUDIENCE", None, "LEGACY_AUDIENCE is not set"),
        (
            "LEGACY_ALGORITHMS",
            Some("none"),
            "LEGACY_ALGORITHMS is invalid",
        ),
        (
            "LEGACY_ALGORITHMS",
            Some("RS256,HS256"),
            "`HS256` is refused",
        ),
        (
            "LEGACY_ALGORITHMS",
            Some("rs256"),
            "LEGACY_ALGORITHMS is invalid",
        ),
        (
            "LEGACY_ALGORITHMS",
            Some("ES512"),
            "LEGACY_ALGORITHMS is invalid",
        ),
        (
            "LEGACY_LOGIN_ID_KEY",
            Some("oauth"),
            "LEGACY_LOGIN_ID_KEY is invalid: expected email, phone or username",
        ),
        ("LEEWAY_SECONDS", Some("-1"), "LEEWAY_SECONDS is invalid"),
        ("LEEWAY_SECONDS", Some("301"), "LEEWAY_SECONDS is invalid"),
        ("LEEWAY_SECONDS", Some("1m"), "LEEWAY_SECONDS is invalid"),
        (
            "CORS_ALLOWED_ORIGINS",
            Some("*"),
            "CORS_ALLOWED_ORIGINS is invalid",
        ),
        (
            "CORS_ALLOWED_ORIGINS",
            Some("https://app.example.com/path"),
            "CORS_ALLOWED_ORIGINS is invalid",
        ),
        ("LISTEN_ADDR", Some("localhost"), "LISTEN_ADDR is invalid"),
        ("EXCHANGE_PATH", Some("api"), "EXCHANGE_PATH is invalid"),
        (
            "EXCHANGE_PATH",
            Some("/api/{id}"),
            "EXCHANGE_PATH is invalid",
        ),
        ("EXCHANGE_PATH", Some("/api/"), "EXCHANGE_PATH is invalid"),
    ];
    for (variable, value, message) in cases {
        let mut env = minimal();
        match value {
            Some(value) => env.insert(variable, (*value).to_owned()),
            None => env.remove(variable),
        };
        let error = load(&env).expect_err(variable).to_string();
        assert!(error.contains(message), "{variable}={value:?}: {error}");
    }

    // The key given inline is checked too, and its text never repeated.
    for (pem, message) in [
        (pkcs1, "PKCS#1"),
        (
            "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
            "not base64",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
            "not a usable RSA private key",
        ),
        ("just text", "BEGIN RSA PRIVATE KEY"),
    ] {
        let mut env = minimal();
        env.remove("AUTHGEAR_ADMIN_KEY_FILE");
        env.insert("AUTHGEAR_ADMIN_KEY_PEM", pem.to_owned());
        let error = load(&env).unwrap_err();
        assert_eq!(error.variable(), "AUTHGEAR_ADMIN_KEY_PEM");
        let text = error.to_string();
        assert!(text.contains(message), "{text}");
        assert!(!text.contains("MIIB"), "{text}");
    }
}

#[test]
fn the_production_settings_are_read() {
    let mut env = minimal();
    env.extend([
        (
            "LEGACY_CREDENTIALS",
            "access_token, refresh_token,cookie,id_token".to_owned(),
        ),
        ("LEGACY_CLIENT_ID", "legacy-app".to_owned()),
        ("LEGACY_CLIENT_SECRET", "s3cret-value".to_owned()),
        (
            "LEGACY_TOKEN_URL",
            "https://legacy.example.com/oauth/token".to_owned(),
        ),
        (
            "LEGACY_SESSION_CHECK_URL",
            "https://legacy.example.com/session".to_owned(),
        ),
        ("LEGACY_SESSION_COOKIES", "sid, sid.sig".to_owned()),
        ("CORS_ALLOWED_ORIGINS", "https://app.example.com".to_owned()),
        ("AUTHGEAR_CREATE_USERS", "yes".to_owned()),
        ("AUTHGEAR_MAX_CONCURRENCY", "4".to_owned()),
        ("AUTHGEAR_QUEUE_TIMEOUT_MS", "250".to_owned()),
        ("RATE_LIMIT_PER_IP", "300/1m".to_owned()),
        ("RATE_LIMIT_PER_SUBJECT", "off".to_owned()),
        ("CLIENT_IP_HEADER", "X-Forwarded-For".to_owned()),
        ("TRUSTED_PROXY_COUNT", "2".to_owned()),
        ("KILL_SWITCH", "off".to_owned()),
        ("KILL_SWITCH_FILE", "/etc/migrate/pause".to_owned()),
        ("KILL_SWITCH_RETRY_AFTER_SECONDS", "3600".to_owned()),
        (
            "REDIS_URL",
            "rediss://default:hunter2@redis.internal:6380/1".to_owned(),
        ),
        ("REDIS_KEY_PREFIX", "migrate-prod:".to_owned()),
        ("REPLAY_TTL_SECONDS", "604800".to_owned()),
        ("IDEMPOTENCY_TTL_SECONDS", "3600".to_owned()),
        ("OPS_LISTEN_ADDR", "127.0.0.1:9090".to_owned()),
        ("SHUTDOWN_GRACE_SECONDS", "5".to_owned()),
    ]);
    let config = load(&env).unwrap();
    use authgear_migrate_server::wire::SubjectTokenType as Kind;
    use authgear_migrate_server::{ClientIpSource, RateLimit};
    assert_eq!(
        config.legacy.credentials,
        [
            Kind::AccessToken,
            Kind::RefreshToken,
            Kind::Cookie,
            Kind::IdToken
        ]
    );
    let jwt = config.legacy.jwt.as_ref().unwrap();
    // ID tokens name the legacy client unless told otherwise.
    assert_eq!(jwt.id_token_audience.as_deref(), Some("legacy-app"));
    assert_eq!(
        config.legacy.audience.as_deref(),
        Some("https://api.example.com")
    );
    let session = config.legacy.session_check.as_ref().unwrap();
    assert_eq!(session.cookies, ["sid", "sid.sig"]);
    assert!(config.authgear.create_users);
    assert_eq!(config.authgear.max_concurrency, 4);
    assert_eq!(config.authgear.queue_timeout, Duration::from_millis(250));
    assert_eq!(
        config.limits.per_ip,
        Some(RateLimit {
            count: 300,
            window: Duration::from_secs(60)
        })
    );
    assert_eq!(config.limits.per_subject, None);
    assert_eq!(
        config.limits.client_ip,
        ClientIpSource::ForwardedFor { hops: 2 }
    );
    assert!(!config.limits.kill_switch);
    assert_eq!(
        config.limits.kill_switch_retry_after,
        Duration::from_secs(3600)
    );
    assert_eq!(config.store.key_prefix, "migrate-prod:");
    assert_eq!(config.store.replay_ttl, Duration::from_secs(604_800));
    assert_eq!(config.store.idempotency_ttl, Duration::from_secs(3600));
    assert_eq!(config.ops_listen_addr.unwrap().port(), 9090);
    assert_eq!(config.shutdown_grace, Duration::from_secs(5));
    // Secrets never show in a debug print.
    let printed = format!("{config:?}");
    for secret in ["s3cret-value", "hunter2", "PRIVATE"] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
}

#[test]
fn opaque_tokens_need_no_jwks() {
    let mut env = minimal();
    for jwt_variable in ["LEGACY_JWKS_URL", "LEGACY_ISSUER", "LEGACY_AUDIENCE"] {
        env.remove(jwt_variable);
    }
    env.insert("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo".to_owned());
    env.insert(
        "LEGACY_USERINFO_URL",
        "https://legacy.example.com/userinfo".to_owned(),
    );
    let error = load(&env).unwrap_err().to_string();
    assert!(
        error.contains("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT is not set"),
        "{error}"
    );
    env.insert("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT", "true".to_owned());
    let config = load(&env).unwrap();
    use authgear_migrate_server::wire::SubjectTokenType as Kind;
    assert_eq!(config.legacy.credentials, [Kind::AccessToken]);
    assert!(config.legacy.jwt.is_none());
}

#[test]
fn introspection_keeps_the_audience_and_issuer_without_a_jwks() {
    let mut env = minimal();
    env.remove("LEGACY_JWKS_URL");
    env.extend([
        ("LEGACY_ACCESS_TOKEN_VERIFIER", "introspection".to_owned()),
        (
            "LEGACY_INTROSPECTION_URL",
            "https://legacy.example.com/oauth/introspect".to_owned(),
        ),
    ]);
    let config = load(&env).unwrap();
    assert!(config.legacy.jwt.is_none());
    assert_eq!(
        config.legacy.audience.as_deref(),
        Some("https://api.example.com")
    );
    assert_eq!(
        config.legacy.issuer.as_deref(),
        Some("https://legacy.example.com/")
    );
}

#[test]
fn userinfo_refuses_the_checks_it_cannot_make() {
    let mut env = minimal();
    env.remove("LEGACY_JWKS_URL");
    env.extend([
        ("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo".to_owned()),
        (
            "LEGACY_USERINFO_URL",
            "https://legacy.example.com/userinfo".to_owned(),
        ),
        ("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT", "true".to_owned()),
    ]);
    // A userinfo answer says neither whom a token was for nor who issued it: asked for, these
    // checks stop the start instead of being skipped.
    let error = load(&env).unwrap_err();
    assert_eq!(error.variable(), "LEGACY_AUDIENCE", "{error}");
    assert!(error.to_string().contains("userinfo"), "{error}");
    env.remove("LEGACY_AUDIENCE");
    let error = load(&env).unwrap_err();
    assert_eq!(error.variable(), "LEGACY_ISSUER", "{error}");
    env.remove("LEGACY_ISSUER");
    load(&env).unwrap();
    // With a JWKS, LEGACY_ISSUER is the JWTs' (ID tokens here); the audience is still refused.
    env.extend([
        (
            "LEGACY_JWKS_URL",
            "https://legacy.example.com/.well-known/jwks.json".to_owned(),
        ),
        ("LEGACY_ISSUER", "https://legacy.example.com/".to_owned()),
        ("LEGACY_CREDENTIALS", "access_token,id_token".to_owned()),
        ("LEGACY_CLIENT_ID", "legacy-app".to_owned()),
    ]);
    load(&env).unwrap();
    env.insert("LEGACY_AUDIENCE", "https://api.example.com".to_owned());
    assert_eq!(load(&env).unwrap_err().variable(), "LEGACY_AUDIENCE");
}

#[test]
fn settings_that_need_others_name_both() {
    type Settings = &'static [(&'static str, &'static str)];
    let cases: &[(Settings, &str)] = &[
        (
            &[("LEGACY_CREDENTIALS", "refresh_token")],
            "LEGACY_CLIENT_ID is not set: expected the legacy OAuth client ID, because LEGACY_CREDENTIALS includes refresh_token",
        ),
        (
            &[
                ("LEGACY_CREDENTIALS", "refresh_token"),
                ("LEGACY_CLIENT_ID", "c"),
            ],
            "LEGACY_TOKEN_URL is not set",
        ),
        (
            &[("LEGACY_CREDENTIALS", "cookie")],
            "LEGACY_SESSION_CHECK_URL is not set",
        ),
        (
            &[
                ("LEGACY_CREDENTIALS", "cookie"),
                ("LEGACY_SESSION_CHECK_URL", "https://l.example/s"),
            ],
            "LEGACY_SESSION_COOKIES is not set",
        ),
        (
            &[
                ("LEGACY_CREDENTIALS", "cookie"),
                ("LEGACY_SESSION_CHECK_URL", "https://l.example/s"),
                ("LEGACY_SESSION_COOKIES", "sid;x"),
            ],
            "LEGACY_SESSION_COOKIES is invalid",
        ),
        (
            &[
                ("LEGACY_CREDENTIALS", "cookie"),
                ("LEGACY_SESSION_CHECK_URL", "https://l.example/s"),
                ("LEGACY_SESSION_COOKIES", "sid"),
            ],
            "CORS_ALLOWED_ORIGINS is not set",
        ),
        (
            &[("LEGACY_CREDENTIALS", "access_token,saml")],
            "LEGACY_CREDENTIALS is invalid",
        ),
        (
            &[
                ("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo"),
                ("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT", "true"),
            ],
            "LEGACY_USERINFO_URL is not set",
        ),
        (
            &[("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo")],
            "LEGACY_USERINFO_ACCEPTS_ANY_CLIENT is not set",
        ),
        (
            &[
                ("LEGACY_LOGIN_ID_SOURCES", "email"),
                ("LEGACY_LOGIN_ID_CLAIM", "email"),
            ],
            "LEGACY_LOGIN_ID_SOURCES",
        ),
        (
            &[("LEGACY_LOGIN_ID_SOURCES", "email,phone_number:sms")],
            "LEGACY_LOGIN_ID_SOURCES is invalid",
        ),
        (
            &[("LEGACY_SUBJECT_BINDING", "when-present")],
            "LEGACY_SUBJECT_ATTRIBUTE is not set",
        ),
        (
            &[
                ("LEGACY_SUBJECT_ATTRIBUTE", "legacy_user_id"),
                ("LEGACY_SUBJECT_BINDING", "sometimes"),
            ],
            "LEGACY_SUBJECT_BINDING is invalid",
        ),
        (
            &[("LEGACY_REQUIRE_VERIFIED", "mostly")],
            "LEGACY_REQUIRE_VERIFIED is invalid",
        ),
        (
            &[("LEGACY_ACCESS_TOKEN_VERIFIER", "introspection")],
            "LEGACY_INTROSPECTION_URL is not set",
        ),
        (
            &[("LEGACY_ACCESS_TOKEN_VERIFIER", "guess")],
            "LEGACY_ACCESS_TOKEN_VERIFIER is invalid",
        ),
        (
            &[("LEGACY_CLIENT_SECRET", "s")],
            "LEGACY_CLIENT_ID is not set",
        ),
        (
            &[
                ("LEGACY_TOKEN_URL", "ftp://l.example/token"),
                ("LEGACY_CREDENTIALS", "refresh_token"),
                ("LEGACY_CLIENT_ID", "c"),
            ],
            "LEGACY_TOKEN_URL is invalid",
        ),
        (
            &[
                ("LEGACY_USERINFO_URL", "https://user:pw@l.example/u"),
                ("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo"),
                ("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT", "true"),
            ],
            "LEGACY_USERINFO_URL is invalid",
        ),
        (
            &[("RATE_LIMIT_PER_IP", "lots")],
            "RATE_LIMIT_PER_IP is invalid",
        ),
        (
            &[("RATE_LIMIT_PER_SUBJECT", "10/1w")],
            "RATE_LIMIT_PER_SUBJECT is invalid",
        ),
        (
            &[("TRUSTED_PROXY_COUNT", "1")],
            "CLIENT_IP_HEADER is not set",
        ),
        (
            &[
                ("CLIENT_IP_HEADER", "X-Forwarded-For"),
                ("TRUSTED_PROXY_COUNT", "0"),
            ],
            "TRUSTED_PROXY_COUNT is invalid",
        ),
        (
            &[("CLIENT_IP_HEADER", "bad header")],
            "CLIENT_IP_HEADER is invalid",
        ),
        (&[("KILL_SWITCH", "maybe")], "KILL_SWITCH is invalid"),
        (
            &[("KILL_SWITCH_RETRY_AFTER_SECONDS", "0")],
            "KILL_SWITCH_RETRY_AFTER_SECONDS is invalid",
        ),
        (
            &[("REDIS_URL", "http://redis:6379")],
            "REDIS_URL is invalid",
        ),
        (
            &[("REDIS_KEY_PREFIX", "a b")],
            "REDIS_KEY_PREFIX is invalid",
        ),
        (
            &[("REPLAY_TTL_SECONDS", "10")],
            "REPLAY_TTL_SECONDS is invalid",
        ),
        (
            &[("IDEMPOTENCY_TTL_SECONDS", "forever")],
            "IDEMPOTENCY_TTL_SECONDS is invalid",
        ),
        (
            &[("AUTHGEAR_MAX_CONCURRENCY", "0")],
            "AUTHGEAR_MAX_CONCURRENCY is invalid",
        ),
        (
            &[("AUTHGEAR_QUEUE_TIMEOUT_MS", "60000")],
            "AUTHGEAR_QUEUE_TIMEOUT_MS is invalid",
        ),
        (
            &[("AUTHGEAR_CREATE_USERS", "sure")],
            "AUTHGEAR_CREATE_USERS is invalid",
        ),
        (&[("EXCHANGE_PATH", "/metrics")], "EXCHANGE_PATH is invalid"),
        (&[("OPS_LISTEN_ADDR", "9090")], "OPS_LISTEN_ADDR is invalid"),
        (
            &[("SHUTDOWN_GRACE_SECONDS", "3600")],
            "SHUTDOWN_GRACE_SECONDS is invalid",
        ),
    ];
    for (settings, message) in cases {
        let mut env = minimal();
        for (name, value) in settings.iter() {
            env.insert(name, (*value).to_owned());
        }
        let error = load(&env).expect_err(message).to_string();
        assert!(error.contains(message), "{settings:?}: {error}");
        // A secret given in a setting is never repeated.
        assert!(!error.contains("pw@"), "{error}");
    }
}
