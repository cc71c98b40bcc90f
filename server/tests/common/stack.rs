//! The devstack's stand-ins for Authgear and the legacy IdP, in-process on ephemeral loopback
//! ports, and endpoints under test configured against them the way a deployment would be.

use std::collections::HashMap;
use std::net::SocketAddr;

use authgear_migrate_devstack::{Devstack, Options, PublicConfig};
use authgear_migrate_server::wire::{ErrorResponse, ExchangeRequest, SubjectTokenType};
use authgear_migrate_server::{Config, Endpoint};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{serve, unique};

const ADMIN_KEY_ID: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../devstack/keys/authgear-admin.kid"
));
const ADMIN_KEY_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../devstack/keys/authgear-admin.pem"
));

pub struct Stack {
    devstack: Option<Devstack>,
    pub config: PublicConfig,
    pub http: reqwest::Client,
}

/// An endpoint under test: its URL and the instance (for its metrics and health).
pub struct Served {
    pub url: String,
    pub endpoint: Endpoint,
}

impl Stack {
    pub async fn start() -> Self {
        let nowhere = std::env::temp_dir().join("authgear-migrate-server-tests-no-static-files");
        #[allow(clippy::field_reassign_with_default)] // Robust to fields added later.
        let options = {
            let mut options = Options::default();
            options.port_base = 0;
            options.seed =
                concat!(env!("CARGO_MANIFEST_DIR"), "/../devstack/seed/users.json").into();
            options.www = nowhere.clone();
            options.pkg = nowhere;
            options
        };
        let devstack = Devstack::start(&options)
            .await
            .expect("the devstack starts");
        let config = devstack.config().clone();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let stack = Self {
            devstack: Some(devstack),
            config,
            http,
        };
        // The endpoint passes Authgear's tokens through whatever their form; JWT access tokens
        // (a switch: Authgear's default is opaque) let these tests read the `sub` they name.
        stack
            .control("config", json!({"issue_jwt_access_token": true}))
            .await;
        stack
    }

    pub async fn stop(mut self) {
        if let Some(devstack) = self.devstack.take() {
            devstack.stop().await;
        }
    }

    /// The variables of a deployment next to these stand-ins, every credential kind on, the
    /// rate limits off (tests of the limits set their own).
    pub fn env(&self) -> HashMap<&'static str, String> {
        let legacy = &self.config.legacy;
        HashMap::from([
            // The Admin API at the project's own host; the apps at its custom domain.
            ("AUTHGEAR_ENDPOINT", self.config.authgear_admin.clone()),
            ("AUTHGEAR_PUBLIC_ENDPOINT", self.config.authgear.clone()),
            ("AUTHGEAR_PROJECT_ID", self.config.project_id.clone()),
            ("AUTHGEAR_ADMIN_KEY_ID", ADMIN_KEY_ID.trim().to_owned()),
            ("AUTHGEAR_ADMIN_KEY_PEM", ADMIN_KEY_PEM.to_owned()),
            ("AUTHGEAR_CLIENT_IDS", self.config.client_id.clone()),
            (
                "LEGACY_CREDENTIALS",
                "access_token,id_token,refresh_token,cookie".to_owned(),
            ),
            ("LEGACY_JWKS_URL", format!("{legacy}/jwks")),
            ("LEGACY_ISSUER", legacy.clone()),
            ("LEGACY_AUDIENCE", self.config.legacy_audience.clone()),
            ("LEGACY_CLIENT_ID", self.config.legacy_client_id.clone()),
            ("LEGACY_TOKEN_URL", format!("{legacy}/token")),
            (
                "LEGACY_SESSION_CHECK_URL",
                format!("{legacy}/session/check"),
            ),
            ("LEGACY_SESSION_COOKIES", "legacy_session".to_owned()),
            ("CORS_ALLOWED_ORIGINS", self.config.app.clone()),
            ("RATE_LIMIT_PER_IP", "off".to_owned()),
            ("RATE_LIMIT_PER_SUBJECT", "off".to_owned()),
        ])
    }

    /// Serves an endpoint configured by [`Stack::env`] with `overrides` (an empty value unsets).
    pub async fn endpoint(&self, overrides: &[(&'static str, &str)]) -> Served {
        serve_config(self.config_with(overrides)).await
    }

    /// The configuration [`Stack::endpoint`] serves, for a test to adjust what the
    /// environment does not set.
    pub fn config_with(&self, overrides: &[(&'static str, &str)]) -> Config {
        let mut env = self.env();
        for (name, value) in overrides {
            env.insert(name, (*value).to_owned());
        }
        config_of(&env)
    }

    /// How many times `createUser` ran.
    pub async fn users_created(&self) -> u64 {
        self.state().await["counters"]["create_user"]["total"]
            .as_u64()
            .unwrap_or(0)
    }

    pub fn app(&self, path: &str) -> String {
        format!("{}{path}", self.config.app)
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.app(&format!("/__devstack/{path}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "devstack {path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// A legacy token from the mint route (see devstack/README.md).
    pub async fn mint(&self, spec: Value) -> String {
        self.control("legacy/mint", spec).await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Switches of the Authgear stand-in (`POST /__devstack/config`, see devstack/README.md).
    pub async fn configure_authgear(&self, settings: Value) {
        self.control("config", settings).await;
    }

    /// A fault switch (see devstack/README.md).
    pub async fn fault(&self, spec: Value) {
        self.control("faults", spec).await;
    }

    /// Every Admin API call waits `ms` first: an exchange stays in flight that long.
    pub async fn slow_admin_api(&self, ms: u64) {
        self.fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql",
            "fault": { "kind": "delay", "ms": ms },
        }))
        .await;
    }

    /// Sends `ask` to `first`, and again to `retry` while the first is still in flight (with
    /// [`Stack::slow_admin_api`]); both answers.
    pub async fn retry_in_flight(
        &self,
        ask: &Ask<'_>,
        first: &str,
        retry: &str,
    ) -> (Answer, Answer) {
        tokio::join!(ask.send(&self.http, first), async {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            ask.send(&self.http, retry).await
        })
    }

    pub async fn clear_faults(&self) {
        let response = self
            .http
            .delete(self.app("/__devstack/faults"))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
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

    /// Waits until the first fault armed has struck, polling every `every`, at most 50 times;
    /// panics naming `what` when it has not.
    pub async fn fault_struck(&self, what: &str, every: std::time::Duration) {
        for _ in 0..50 {
            if self.state().await["faults"][0]["hits"] == 1 {
                return;
            }
            tokio::time::sleep(every).await;
        }
        panic!("{what} was not asked for within {:?}", every * 50);
    }

    /// How many times `createSession` ran.
    pub async fn sessions_created(&self) -> u64 {
        self.state().await["counters"]["create_session"]["total"]
            .as_u64()
            .unwrap_or(0)
    }

    /// The Authgear user ID of a seed user.
    pub async fn authgear_user_id(&self, email: &str) -> String {
        let state = self.state().await;
        state["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["email"] == email)
            .and_then(|user| user["authgear_user_id"].as_str())
            .unwrap_or_else(|| panic!("no seed user {email}"))
            .to_owned()
    }

    /// The legacy password grant: `{access_token, refresh_token, id_token, …}`.
    pub async fn legacy_login(&self, email: &str) -> Value {
        let response = self
            .http
            .post(format!("{}/token", self.config.legacy))
            .form(&[
                ("grant_type", "password"),
                ("client_id", self.config.legacy_client_id.as_str()),
                ("username", email),
                ("password", "password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Redeems a legacy refresh token directly at the legacy IdP: the status.
    pub async fn legacy_refresh(&self, refresh_token: &str) -> u16 {
        self.http
            .post(format!("{}/token", self.config.legacy))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", self.config.legacy_client_id.as_str()),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Signs in at the legacy cookie session: the `legacy_session=…` pair.
    pub async fn legacy_cookie(&self, email: &str) -> String {
        let response = self
            .http
            .post(format!("{}/session/login", self.config.legacy))
            .json(&json!({ "email": email, "password": "password" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }
}

/// Serves a new endpoint configured by `env`, with the connect info the binary gives it.
pub async fn serve_endpoint(env: &HashMap<&'static str, String>) -> Served {
    serve_config(config_of(env)).await
}

fn config_of(env: &HashMap<&'static str, String>) -> Config {
    Config::from_lookup(|name| env.get(name).cloned().filter(|v| !v.is_empty()))
        .unwrap_or_else(|error| panic!("test configuration: {error}"))
}

/// Serves a new endpoint with `config`, on the binary's listener.
pub async fn serve_config(config: Config) -> Served {
    let endpoint = Endpoint::new(&config);
    let app = endpoint
        .router()
        .merge(endpoint.ops_router())
        .merge(endpoint.webhook_router());
    let addr: SocketAddr = serve(app).await;
    Served {
        url: format!("http://{addr}/"),
        endpoint,
    }
}

/// One exchange request, as the engine sends it.
pub struct Ask<'a> {
    pub kind: SubjectTokenType,
    pub token: Option<&'a str>,
    pub key: String,
    pub client_id: Option<&'a str>,
    pub headers: Vec<(&'static str, String)>,
}

impl<'a> Ask<'a> {
    pub fn new(kind: SubjectTokenType, token: &'a str) -> Self {
        Self {
            kind,
            token: Some(token),
            key: unique("idem"),
            client_id: None,
            headers: Vec::new(),
        }
    }

    pub fn access(token: &'a str) -> Self {
        Self::new(SubjectTokenType::AccessToken, token)
    }

    pub fn cookie() -> Self {
        Self {
            token: None,
            ..Self::new(SubjectTokenType::Cookie, "")
        }
    }

    pub fn key(mut self, key: &str) -> Self {
        self.key = key.to_owned();
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn client(mut self, client_id: &'a str) -> Self {
        self.client_id = Some(client_id);
        self
    }

    pub async fn send(&self, http: &reqwest::Client, url: &str) -> Answer {
        Answer::of(self.request(http, url).send().await.unwrap()).await
    }

    /// Sends, and gives up (closes the connection) if no answer came `after`, as a client's
    /// timeout or a closed tab does.
    pub async fn send_and_give_up(
        &self,
        http: &reqwest::Client,
        url: &str,
        after: std::time::Duration,
    ) {
        let sent = self.request(http, url).timeout(after).send().await;
        assert!(
            sent.is_err_and(|error| error.is_timeout()),
            "an answer came"
        );
    }

    fn request(&self, http: &reqwest::Client, url: &str) -> reqwest::RequestBuilder {
        let form = ExchangeRequest {
            client_id: self.client_id.unwrap_or("devstack-spa-client").to_owned(),
            subject_token: self.token.map(str::to_owned),
            subject_token_type: self.kind,
            idempotency_key: self.key.clone(),
            device_info: None,
        }
        .to_form();
        let mut request = http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        request
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub text: String,
}

impl Answer {
    async fn of(response: reqwest::Response) -> Self {
        Self {
            status: response.status().as_u16(),
            retry_after: response
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().unwrap().parse().unwrap()),
            text: response.text().await.unwrap(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap()
    }

    pub fn error(&self) -> ErrorResponse {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not an error: {}", self.text))
    }

    /// `error` and `reason` of an error answer, as the wire spells them.
    pub fn refusal(&self) -> (u16, String, Option<String>) {
        let body = self.json();
        (
            self.status,
            body["error"].as_str().unwrap_or_default().to_owned(),
            body["reason"].as_str().map(str::to_owned),
        )
    }

    /// The `sub` of the Authgear access token of a success.
    pub fn authgear_subject(&self) -> String {
        assert_eq!(self.status, 200, "{}", self.text);
        let access_token = self.json()["access_token"].as_str().unwrap().to_owned();
        let payload = access_token.split('.').nth(1).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        claims["sub"].as_str().unwrap().to_owned()
    }
}
