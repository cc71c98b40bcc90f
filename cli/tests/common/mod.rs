//! Shared by the end-to-end tests: an in-process devstack on ephemeral ports, the
//! `authgear-migrate` binary run against it, generated exports, and the stand-in's state.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use authgear_migrate_admin::{AdminJwt, AdminKey};
use authgear_migrate_devstack::{Devstack, Options, PublicConfig};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_authgear-migrate");
/// A bcrypt hash (cost 4) of `password`, from the devstack seed.
pub const HASH: &str = "$2b$04$0cAL5CkNPuSAQk5cV18YGefXGqokcRkOg1WvInvNoV/i0MR.TgVJa";

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn admin_key_id() -> String {
    std::fs::read_to_string(repo("devstack/keys/authgear-admin.kid"))
        .unwrap()
        .trim()
        .to_owned()
}

/// A fresh folder under the system's temporary directory, removed by [`Stack::stop`].
pub fn scratch(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "agm-cli-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Stack {
    devstack: Option<Devstack>,
    pub config: PublicConfig,
    pub http: reqwest::Client,
    pub dir: PathBuf,
}

impl Stack {
    pub async fn start(tag: &str) -> Self {
        let dir = scratch(tag);
        std::fs::create_dir_all(dir.join("www")).unwrap();
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        let options = Options {
            port_base: 0,
            seed: repo("devstack/seed/users.json"),
            www: dir.join("www"),
            pkg: dir.join("pkg"),
        };
        let devstack = Devstack::start(&options).await.expect("devstack starts");
        let config = devstack.config().clone();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Self {
            devstack: Some(devstack),
            config,
            http,
            dir,
        }
    }

    pub async fn stop(mut self) {
        if let Some(devstack) = self.devstack.take() {
            devstack.stop().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Runs `authgear-migrate <args>` against this devstack's Authgear.
    pub async fn cli(&self, args: &[&str]) -> Output {
        cli_command(Some(&self.config.authgear), args)
            .output()
            .await
            .expect("the binary runs")
    }

    pub fn cli_child(&self, args: &[&str]) -> tokio::process::Child {
        cli_command(Some(&self.config.authgear), args)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the binary starts")
    }

    pub async fn state(&self) -> Value {
        self.http
            .get(format!("{}/__devstack/state", self.config.app))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The emails of every user the stand-in has.
    pub async fn emails(&self) -> Vec<String> {
        self.state().await["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|user| user["email"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn fault(&self, fault: Value) {
        let response = self
            .http
            .post(format!("{}/__devstack/faults", self.config.app))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
    }

    pub fn admin_jwt(&self) -> String {
        let pem = std::fs::read_to_string(repo("devstack/keys/authgear-admin.pem")).unwrap();
        let key = AdminKey::from_pem(admin_key_id(), &pem).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        AdminJwt::new(key, self.config.project_id.clone())
            .at(now)
            .unwrap()
            .to_string()
    }
}

/// The binary with the connection in the environment, as an operator would set it, and nothing
/// inherited that could point it elsewhere.
pub fn cli_command(authgear: Option<&str>, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(BIN);
    command.args(args).kill_on_drop(true);
    for variable in [
        "AUTHGEAR_ENDPOINT",
        "AUTHGEAR_PROJECT_ID",
        "AUTHGEAR_ADMIN_KEY_ID",
        "AUTHGEAR_ADMIN_KEY_FILE",
        "AUTHGEAR_ADMIN_KEY_PEM",
        "ALLOW_INSECURE_UPSTREAMS",
    ] {
        command.env_remove(variable);
    }
    if let Some(authgear) = authgear {
        command
            .env("AUTHGEAR_ENDPOINT", authgear)
            .env("AUTHGEAR_PROJECT_ID", "devstack")
            .env("AUTHGEAR_ADMIN_KEY_ID", admin_key_id())
            .env(
                "AUTHGEAR_ADMIN_KEY_FILE",
                repo("devstack/keys/authgear-admin.pem"),
            );
    }
    command
}

/// Runs the binary with no connection, asserts that it succeeded, and answers its stdout.
pub async fn succeeds(args: &[&str]) -> String {
    let output = cli_command(None, args).output().await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// An Auth0 bulk export (NDJSON) of `count` users and the matching password hashes export.
/// Emails are `<tag>NNNNN@example.com`.
pub fn auth0_export(dir: &Path, tag: &str, count: usize) -> (PathBuf, PathBuf) {
    let mut users = String::new();
    let mut hashes = String::new();
    for n in 0..count {
        let id = format!("{n:024x}");
        let email = format!("{tag}{n:05}@example.com");
        users.push_str(&serde_json::json!({
            "user_id": format!("auth0|{id}"),
            "email": email,
            "email_verified": n % 3 != 0,
            "name": format!("User {n}"),
            "given_name": "User",
            "family_name": format!("Number {n}"),
            "nickname": format!("user{n}"),
            "picture": format!("https://s.gravatar.com/avatar/{id}?s=480&r=pg"),
            "created_at": "2020-01-01T00:00:00.000Z",
            "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": id, "isSocial": false}],
        }).to_string());
        users.push('\n');
        hashes.push_str(
            &serde_json::json!({
                "_id": {"$oid": id},
                "email": email,
                "email_verified": n % 3 != 0,
                "passwordHash": HASH,
                "connection": "Username-Password-Authentication",
                "tenant": "example",
            })
            .to_string(),
        );
        hashes.push('\n');
    }
    let users_path = dir.join(format!("{tag}-users.ndjson"));
    let hashes_path = dir.join(format!("{tag}-hashes.ndjson"));
    std::fs::write(&users_path, users).unwrap();
    std::fs::write(&hashes_path, hashes).unwrap();
    (users_path, hashes_path)
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Asserts the stand-in holds each generated user exactly once.
pub async fn assert_each_once(stack: &Stack, tag: &str, count: usize) {
    let emails = stack.emails().await;
    let mut ours: Vec<&String> = emails
        .iter()
        .filter(|email| email.starts_with(tag))
        .collect();
    let total = ours.len();
    ours.sort();
    ours.dedup();
    assert_eq!(total, ours.len(), "no user is there twice");
    assert_eq!(ours.len(), count, "every user is there");
}
