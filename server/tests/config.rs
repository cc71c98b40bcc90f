//! Every bad or missing setting is refused with a message that names the variable.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use authgear_migrate_server::{Algorithm, Config, ConfigError, LoginIdKey};
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

#[test]
fn defaults_fill_in_what_is_not_set() {
    let config = load(&minimal()).unwrap();
    assert_eq!(config.authgear.project_id, "myapp");
    assert_eq!(config.authgear.client_ids, ["client-a"]);
    assert_eq!(config.authgear.admin_key.id(), "kid-1");
    assert_eq!(config.authgear.login_id_key, LoginIdKey::Email);
    assert_eq!(config.legacy.algorithms, [Algorithm::Rs256]);
    assert_eq!(config.legacy.login_id_claim, "email");
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
        config.legacy.algorithms,
        [Algorithm::Es256, Algorithm::Rs256, Algorithm::EdDsa]
    );
    assert_eq!(config.legacy.login_id_claim, "preferred_username");
    assert_eq!(config.authgear.login_id_key, LoginIdKey::Username);
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
fn empty_means_unset() {
    let mut env = minimal();
    env.insert("LEGACY_ALGORITHMS", "  ".to_owned());
    env.insert("AUTHGEAR_ADMIN_KEY_PEM", String::new());
    assert_eq!(load(&env).unwrap().legacy.algorithms, [Algorithm::Rs256]);
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
            "ring refuses",
        ),
        ("just text", "BEGIN PRIVATE KEY"),
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
