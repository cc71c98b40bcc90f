//! Test harness: keys, token minting, and one loopback HTTP server that plays both the legacy
//! IdP's JWKS and a minimal Authgear Admin API (it checks the admin JWT as Authgear does).
//! The endpoint under test runs for real on another loopback port.

#![allow(dead_code)] // Each test binary uses a different part of the harness.

pub mod logs;
pub mod redis;
pub mod rolling;
pub mod stack;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use authgear_migrate_server::wire::{ExchangeRequest, SubjectTokenType};
use authgear_migrate_server::{Config, router};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use serde_json::{Value, json};

pub const ISSUER: &str = "https://legacy.example.com/";
pub const AUDIENCE: &str = "https://api.example.com";
pub const CLIENT_ID: &str = "portal-client";
pub const PROJECT_ID: &str = "myapp";
pub const ADMIN_KEY_ID: &str = "admin-key-1";
pub const USER_EMAIL: &str = "ada@example.com";
pub const USER_ID: &str = "VXNlcjo3ZjE0ZTI2Ny0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDE"; // User:<uuid>
pub const DISABLED_EMAIL: &str = "gone@example.com";
pub const DISABLED_ID: &str = "VXNlcjo3ZjE0ZTI2Ny0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDI";

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn key_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keys")
        .join(name)
}

fn pkcs8_from_pem_file(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(key_path(name)).unwrap();
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).unwrap()
}

/// A private key that signs test tokens, with its public JWK.
pub enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

impl Signer {
    /// The development-only RSA key under tests/keys/.
    pub fn rsa() -> Self {
        Self::Rsa(RsaKeyPair::from_pkcs8(&pkcs8_from_pem_file("legacy-rsa.pem")).unwrap())
    }

    /// Another RSA key (the admin key's), to forge with.
    pub fn other_rsa() -> Self {
        Self::Rsa(RsaKeyPair::from_pkcs8(&pkcs8_from_pem_file("admin-rsa.pem")).unwrap())
    }

    pub fn p256() -> Self {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        Self::Ec(EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap())
    }

    pub fn ed25519() -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Self::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap())
    }

    /// The public JWK, with `alg` only when given.
    pub fn jwk(&self, kid: &str, alg: Option<&str>) -> Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let mut jwk = match self {
            Self::Rsa(pair) => {
                let public = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({ "kty": "RSA", "n": b64(&public.n), "e": b64(&public.e) })
            }
            Self::Ec(pair) => {
                let point = pair.public_key().as_ref();
                json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..]) })
            }
            Self::Ed(pair) => {
                json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()) })
            }
        };
        jwk["kid"] = kid.into();
        jwk["use"] = "sig".into();
        if let Some(alg) = alg {
            jwk["alg"] = alg.into();
        }
        jwk
    }

    /// Signs `message` for the JWS `alg` (RS*/PS* with the RSA key, ES256, EdDSA).
    pub fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Rsa(pair) => {
                let padding: &dyn signature::RsaEncoding = match alg {
                    "RS256" => &signature::RSA_PKCS1_SHA256,
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    "RS512" => &signature::RSA_PKCS1_SHA512,
                    "PS256" => &signature::RSA_PSS_SHA256,
                    "PS384" => &signature::RSA_PSS_SHA384,
                    "PS512" => &signature::RSA_PSS_SHA512,
                    other => panic!("no RSA padding for {other}"),
                };
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, message, &mut signature).unwrap();
                signature
            }
            Self::Ec(pair) => pair.sign(&rng, message).unwrap().as_ref().to_vec(),
            Self::Ed(pair) => pair.sign(message).as_ref().to_vec(),
        }
    }
}

/// A compact JWS over `header` and `claims`, signed by `signer` with the header's `alg`.
pub fn mint(signer: &Signer, header: &Value, claims: &Value) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let alg = header["alg"].as_str().unwrap();
    let signature = signer.sign(alg, signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A string no other call in this process returns: each minted token is a new credential
/// (RS256 signatures are deterministic, and the endpoint exchanges each token once).
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The claims of a good legacy access token for `email`.
pub fn claims_for(email: &str) -> Value {
    let now = now();
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": format!("legacy|{email}"),
        "email": email,
        // What a real IdP mints for a user who proved the address.
        "email_verified": true,
        "iat": now,
        "exp": now + 600,
        "jti": unique("jti"),
    })
}

/// A good legacy RS256 access token for the test user, signed with `kid` "legacy-rsa".
pub fn good_token() -> String {
    mint(
        &Signer::rsa(),
        &json!({ "alg": "RS256", "kid": "legacy-rsa", "typ": "JWT" }),
        &claims_for(USER_EMAIL),
    )
}

/// The exchange form the engine would send, with a new idempotency key.
pub fn form(token: &str, kind: SubjectTokenType) -> String {
    form_with_key(token, kind, &unique("idem"))
}

/// The exchange form the engine would send, with this idempotency key.
pub fn form_with_key(token: &str, kind: SubjectTokenType, key: &str) -> String {
    ExchangeRequest {
        client_id: CLIENT_ID.to_owned(),
        subject_token: Some(token.to_owned()),
        subject_token_type: kind,
        idempotency_key: key.to_owned(),
        device_info: None,
    }
    .to_form()
}

/// How the stand-in Admin API behaves.
#[derive(Clone)]
pub enum AdminMode {
    /// Answers as Authgear does.
    Normal,
    /// Answers every call with this status (and `Retry-After`, when given).
    Status(u16, Option<&'static str>),
    /// Answers `createSession` with this GraphQL error (`errorName`, `reason`, `message`).
    CreateSessionError(&'static str, &'static str, &'static str),
    /// Answers `getUserByLoginID` with this GraphQL error.
    GetUserError(&'static str, &'static str, &'static str),
}

pub struct Upstream {
    pub addr: SocketAddr,
    pub state: Arc<UpstreamState>,
}

pub struct UpstreamState {
    pub jwks: Mutex<Value>,
    pub jwks_fetches: AtomicUsize,
    pub admin_mode: Mutex<AdminMode>,
    /// Every admin JWT received, in order.
    pub admin_jwts: Mutex<Vec<String>>,
    /// Every `createSession` input received.
    pub sessions: Mutex<Vec<Value>>,
    admin_public_key: Vec<u8>,
}

impl Upstream {
    /// Serves `jwks` at `/jwks` and the Admin API at `/_api/admin/graphql`.
    pub async fn start(jwks: Value) -> Self {
        let admin = RsaKeyPair::from_pkcs8(&pkcs8_from_pem_file("admin-rsa.pem")).unwrap();
        let state = Arc::new(UpstreamState {
            jwks: Mutex::new(jwks),
            jwks_fetches: AtomicUsize::new(0),
            admin_mode: Mutex::new(AdminMode::Normal),
            admin_jwts: Mutex::new(Vec::new()),
            sessions: Mutex::new(Vec::new()),
            admin_public_key: admin.public().as_ref().to_vec(),
        });
        let app = Router::new()
            .route("/jwks", get(serve_jwks))
            .route("/_api/admin/graphql", post(serve_admin))
            .with_state(Arc::clone(&state));
        let addr = serve(app).await;
        Self { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set_admin_mode(&self, mode: AdminMode) {
        *self.state.admin_mode.lock().unwrap() = mode;
    }

    pub fn set_jwks(&self, jwks: Value) {
        *self.state.jwks.lock().unwrap() = jwks;
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    /// The variables of a working configuration against this upstream.
    pub fn env(&self) -> HashMap<&'static str, String> {
        HashMap::from([
            ("AUTHGEAR_ENDPOINT", self.url("")),
            ("AUTHGEAR_PROJECT_ID", PROJECT_ID.to_owned()),
            ("AUTHGEAR_ADMIN_KEY_ID", ADMIN_KEY_ID.to_owned()),
            (
                "AUTHGEAR_ADMIN_KEY_FILE",
                key_path("admin-rsa.pem").display().to_string(),
            ),
            ("AUTHGEAR_CLIENT_IDS", format!("other-client, {CLIENT_ID}")),
            ("LEGACY_JWKS_URL", self.url("/jwks")),
            ("LEGACY_ISSUER", ISSUER.to_owned()),
            ("LEGACY_AUDIENCE", AUDIENCE.to_owned()),
            // Tests of other things exchange many tokens quickly; the limits have their own.
            ("RATE_LIMIT_PER_IP", "off".to_owned()),
            ("RATE_LIMIT_PER_SUBJECT", "off".to_owned()),
        ])
    }

    pub fn config(&self) -> Config {
        config_from(&self.env())
    }
}

pub fn config_from(env: &HashMap<&'static str, String>) -> Config {
    Config::from_lookup(|name| env.get(name).cloned()).unwrap()
}

/// Serves `app` on a fresh loopback port.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The binary's own listener: its timeouts, and the peer address the per-address rate
    // limit reads.
    tokio::spawn(authgear_migrate_server::serve(
        listener,
        app,
        std::future::pending(),
    ));
    addr
}

/// Runs the endpoint under test; returns its URL.
pub async fn start_endpoint(config: Config) -> String {
    format!("http://{}/", serve(router(config)).await)
}

/// POSTs `body` as a form.
pub async fn post_form(url: &str, body: String) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The JSON body of an answer.
pub async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

async fn serve_jwks(State(state): State<Arc<UpstreamState>>) -> Response {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let jwks = state.jwks.lock().unwrap().clone();
    axum::Json(jwks).into_response()
}

async fn serve_admin(
    State(state): State<Arc<UpstreamState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mode = state.admin_mode.lock().unwrap().clone();
    if let AdminMode::Status(status, retry_after) = mode {
        let mut response = (StatusCode::from_u16(status).unwrap(), "unavailable").into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", seconds.parse().unwrap());
        }
        return response;
    }
    // Authgear's authz middleware: `^Bearer (.*)$`, then a JWT it can verify; else 403.
    let Some(jwt) = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return (StatusCode::FORBIDDEN, "Forbidden").into_response();
    };
    if let Err(problem) = check_admin_jwt(&state.admin_public_key, jwt) {
        eprintln!("stand-in Admin API refuses the admin JWT: {problem}");
        return (StatusCode::FORBIDDEN, "Forbidden").into_response();
    }
    state.admin_jwts.lock().unwrap().push(jwt.to_owned());
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return (StatusCode::BAD_REQUEST, "want JSON").into_response();
    }

    let request: Value = serde_json::from_str(&body).unwrap();
    let query = request["query"].as_str().unwrap();
    let variables = &request["variables"];
    // `data` keeps the failed field as null, which a client must not trip over.
    let error = |field: &str, name: &str, reason: &str, message: &str| {
        axum::Json(json!({
            "errors": [{ "message": message, "extensions": { "errorName": name, "reason": reason } }],
            "data": { field: null },
        }))
        .into_response()
    };
    if query.contains("getUserByLoginID(loginIDKey: $loginIDKey, loginIDValue: $loginIDValue)") {
        if let AdminMode::GetUserError(name, reason, message) = mode {
            return error("getUserByLoginID", name, reason, message);
        }
        assert_eq!(variables["loginIDKey"], "email");
        assert!(query.contains("id") && query.contains("isDisabled"));
        let user = match variables["loginIDValue"].as_str().unwrap() {
            USER_EMAIL => json!({ "id": USER_ID, "isDisabled": false }),
            DISABLED_EMAIL => json!({ "id": DISABLED_ID, "isDisabled": true }),
            _ => Value::Null,
        };
        axum::Json(json!({ "data": { "getUserByLoginID": user } })).into_response()
    } else if query.contains("createSession(input: $input)") {
        if let AdminMode::CreateSessionError(name, reason, message) = mode {
            return error("createSession", name, reason, message);
        }
        let input = variables["input"].clone();
        assert!([USER_ID, DISABLED_ID].contains(&input["userID"].as_str().unwrap()));
        state.sessions.lock().unwrap().push(input);
        axum::Json(json!({ "data": { "createSession": {
            "accessToken": "authgear-access-token",
            "refreshToken": "authgear-refresh-token",
            "tokenType": "Bearer",
            "expiresIn": 1800,
        } } }))
        .into_response()
    } else {
        error("unknown", "BadRequest", "", "unknown operation")
    }
}

/// The checks of Authgear's pkg/lib/admin/authz/middleware.go, plus the documented shape.
fn check_admin_jwt(public_key: &[u8], jwt: &str) -> Result<(), String> {
    let (signing_input, signature) = jwt.rsplit_once('.').ok_or("not a JWS")?;
    let (header, claims) = signing_input.split_once('.').ok_or("not a JWS")?;
    let decode = |segment: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    };
    let header = decode(header)?;
    let claims = decode(claims)?;
    if header != json!({ "alg": "RS256", "kid": ADMIN_KEY_ID, "typ": "JWT" }) {
        return Err(format!("header {header}"));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| e.to_string())?;
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public_key)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| "bad signature")?;
    let aud_ok = claims["aud"] == PROJECT_ID || claims["aud"] == json!([PROJECT_ID]);
    let iat = claims["iat"].as_u64().ok_or("no iat")?;
    let exp = claims["exp"].as_u64().ok_or("no exp")?;
    let now = now();
    if !aud_ok || exp != iat + 300 || iat > now + 5 || exp <= now {
        return Err(format!("claims {claims}"));
    }
    Ok(())
}
