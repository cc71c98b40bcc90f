//! Shared by the integration tests: an in-process devstack on ephemeral ports, an HTTP client,
//! and helpers that speak to the stand-ins the way the engine, a backend or a browser would.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use authgear_migrate_admin::AdminKey;
use authgear_migrate_devstack::{Devstack, Options, PublicConfig};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

pub const ADMIN_KEY_ID: &str = include_str!("../../keys/authgear-admin.kid");
const ADMIN_KEY_PEM: &str = include_str!("../../keys/authgear-admin.pem");

pub struct Stack {
    devstack: Option<Devstack>,
    pub config: PublicConfig,
    pub http: reqwest::Client,
    /// The folder holding `www/`, `pkg/` and a file beside them that must stay unreachable.
    pub root: PathBuf,
}

impl Stack {
    pub async fn start() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "devstack-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let www = root.join("www");
        let pkg = root.join("pkg");
        std::fs::create_dir_all(pkg.join("dist/wasm")).unwrap();
        std::fs::create_dir_all(www.join("empty")).unwrap();
        std::fs::write(www.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
        std::fs::write(www.join("app.mjs"), "export {};").unwrap();
        std::fs::write(pkg.join("index.js"), "export const x = 1;").unwrap();
        std::fs::write(pkg.join("dist/wasm/engine.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(root.join("secret.txt"), "must not be served").unwrap();
        let options = Options {
            port_base: 0,
            seed: concat!(env!("CARGO_MANIFEST_DIR"), "/seed/users.json").into(),
            www,
            pkg,
        };
        let devstack = Devstack::start(&options).await.expect("devstack starts");
        let config = devstack.config().clone();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client builds");
        Self {
            devstack: Some(devstack),
            config,
            http,
            root,
        }
    }

    pub async fn stop(mut self) {
        if let Some(devstack) = self.devstack.take() {
            devstack.stop().await;
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }

    pub fn app(&self, path: &str) -> String {
        format!("{}{path}", self.config.app)
    }

    pub fn authgear(&self, path: &str) -> String {
        format!("{}{path}", self.config.authgear)
    }

    /// The project at the origin a backend calls the Admin API at (beside the custom domain
    /// the apps use, `authgear`).
    pub fn authgear_admin(&self, path: &str) -> String {
        format!("{}{path}", self.config.authgear_admin)
    }

    pub fn legacy(&self, path: &str) -> String {
        format!("{}{path}", self.config.legacy)
    }

    /// `POST /__devstack/reset`, which answers 204.
    pub async fn reset(&self) {
        let reset = self
            .http
            .post(self.app("/__devstack/reset"))
            .send()
            .await
            .unwrap();
        assert_eq!(reset.status(), reqwest::StatusCode::NO_CONTENT);
    }

    pub async fn state(&self) -> Value {
        self.http
            .get(self.app("/__devstack/state"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn user(&self, email: &str) -> Value {
        let state = self.state().await;
        state["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["email"] == email)
            .cloned()
            .unwrap_or_else(|| panic!("no seed user {email}"))
    }

    pub async fn configure(&self, settings: Value) {
        let response = self
            .http
            .post(self.app("/__devstack/config"))
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    pub async fn fault(&self, spec: Value) -> Value {
        let response = self
            .http
            .post(self.app("/__devstack/faults"))
            .json(&spec)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "fault accepted");
        response.json().await.unwrap()
    }

    /// An Admin API call as a backend makes it (at the Admin API origin), with a valid admin
    /// JWT.
    pub async fn admin(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        self.admin_with(&admin_jwt(json!({})), query, variables)
            .await
    }

    pub async fn admin_with(
        &self,
        bearer: &str,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.authgear_admin("/_api/admin/graphql"))
            .bearer_auth(bearer)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// createSession for a seed user and the SPA client; the payload.
    pub async fn create_session(&self, email: &str) -> Value {
        let user = self.user(email).await;
        let (status, body) = self
            .admin(
                CREATE_SESSION,
                json!({"input": {"userID": user["authgear_node_id"], "clientID": self.config.client_id}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["createSession"].clone()
    }

    /// `POST /oauth2/token` with `grant_type=refresh_token`, as @authgear/web sends it.
    pub async fn refresh(&self, client_id: &str, refresh_token: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.authgear("/oauth2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", client_id),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// `GET /oauth2/userinfo` at `origin` with `access_token`: the status and the body.
    pub async fn userinfo(&self, origin: &str, access_token: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{origin}/oauth2/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The legacy password grant for a seed user.
    pub async fn legacy_login(&self, email: &str) -> Value {
        let response = self
            .http
            .post(self.legacy("/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", self.config.legacy_client_id.as_str()),
                ("username", email),
                ("password", "password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn mint(&self, spec: Value) -> Value {
        let response = self
            .http
            .post(self.app("/__devstack/legacy/mint"))
            .json(&spec)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }
}

pub const CREATE_SESSION: &str = "mutation createSession($input: CreateSessionInput!) {
  createSession(input: $input) { refreshToken accessToken tokenType expiresIn }
}";

/// A compact JWS with any header, signed RS256 with the admin key.
pub fn sign_rs256(header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // The portal's PKCS#1 PEM, read by the one key reader the endpoint and the CLI use.
    let key = AdminKey::from_pem(ADMIN_KEY_ID.trim(), ADMIN_KEY_PEM).unwrap();
    let signature = key.sign_rs256(input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The Admin API JWT of Authgear's docs (header `kid`, `typ`; claims `aud`, `iat`, `exp` in 5
/// minutes), with `overrides` merged into the claims (`null` removes one).
pub fn admin_jwt(overrides: Value) -> String {
    let now = now();
    let mut claims: Map<String, Value> = json!({"aud": ["devstack"], "iat": now, "exp": now + 300})
        .as_object()
        .unwrap()
        .clone();
    for (name, value) in overrides.as_object().unwrap() {
        if value.is_null() {
            claims.remove(name);
        } else {
            claims.insert(name.clone(), value.clone());
        }
    }
    sign_rs256(
        &json!({"alg": "RS256", "typ": "JWT", "kid": ADMIN_KEY_ID.trim()}),
        &Value::Object(claims),
    )
}

/// The claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The header of a JWT.
pub fn header(jwt: &str) -> Value {
    let header = jwt.split('.').next().expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}
