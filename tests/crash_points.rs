//! Nothing lost, natively: the engine's one flow on a fake device that records every effect
//! (each storage write and removal, each request). A clean migration is run once to count its
//! effects; then, for every k, it is run again crashing right after effect k (the page closed at
//! that instant) and, separately, with effect k failing (a quota error, a dropped connection).
//! After each, "reloads" on the same storage must finish the migration: one idempotency key for
//! the session the endpoint created, the Authgear session saved and read back, at most one
//! `createSession`, and at no instant a device with neither a legacy nor an Authgear session.
//!
//! The fake's futures are all ready at once, so one poll runs a whole call; a crash is an
//! effect that never returns, and the call's future is dropped like a closed page's.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use authgear_migrate::core::event::Event;
use authgear_migrate::core::options::{
    AuthgearTarget, Cleanup, Credentials, ExchangeTarget, Keys, LegacyOptions, Options, Pointers,
    SourceSpec,
};
use authgear_migrate::core::outcome::Outcome;
use authgear_migrate::core::presets::{self, CookieMode, Preset, PresetSpec, Sealed};
use authgear_migrate::core::source::{Area, Entry, parse_storage_entry};
use authgear_migrate::engine::device::{
    Broadcast, CallbackFailed, CallbackTokens, Clock, Events, Http, HttpAnswer, LegacyMedia, Lock,
    LockTimeout, Random, SendError, Storage, Store, StoreError,
};
use authgear_migrate::engine::migrate;
use authgear_migrate::wire::{self, ExchangeRequest};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::json;

const START_MS: i64 = 1_800_000_000_000;
const ENDPOINT: &str = "https://app.authgear.example";
const CLIENT_ID: &str = "client1";
const REFRESH_KEY: &str = "authgear_default_refreshToken";
const ID_TOKEN_KEY: &str = "authgear_default_idToken";
const STATE_KEY: &str = "authgear-migrate_default_state";
/// A reload comes after any backoff the engine may have recorded (at most a week).
const RELOAD_AFTER_MS: i64 = 8 * 24 * 3_600_000;
const MAX_RELOADS: usize = 4;

// ---------------------------------------------------------------------------------------------
// The fake device.

/// What survives a crash: storage, the clock, and the endpoint's own records.
#[derive(Clone, Default)]
struct World {
    /// Every medium, IndexedDB records included, by area then key.
    areas: BTreeMap<&'static str, BTreeMap<String, String>>,
    now_ms: i64,
    endpoint: Endpoint,
    /// Every effect so far, in every page load: numbering runs across loads, so a fault at k
    /// strikes once.
    effects: Vec<String>,
    /// A medium whose reads fail (a Capacitor plugin that times out).
    unreadable: Option<&'static str>,
}

/// The migration endpoint as the reference one behaves: an idempotency cache by key, one
/// `createSession` per key. `script` answers the first sends before it (a 503 that hands back
/// rotated legacy tokens, say).
#[derive(Clone, Default)]
struct Endpoint {
    script: Vec<HttpAnswer>,
    answered: BTreeMap<String, String>,
    create_sessions: usize,
    /// The idempotency key of every request that reached it, in order.
    keys: Vec<String>,
    /// The key whose request created the session.
    created_with: Option<String>,
    /// A write of another tab's that this tab's storage shows once its request is answered
    /// (web storage is only eventually consistent between a browser's processes).
    other_tab_writes: Option<(String, String)>,
}

impl Endpoint {
    fn answer(&mut self, body: &str) -> HttpAnswer {
        let request = ExchangeRequest::from_form(body.as_bytes()).expect("a well-formed request");
        self.keys.push(request.idempotency_key.clone());
        if let Some(stored) = self.answered.get(&request.idempotency_key) {
            return ok(stored.clone());
        }
        if !self.script.is_empty() {
            return self.script.remove(0);
        }
        self.create_sessions += 1;
        self.created_with = Some(request.idempotency_key.clone());
        let n = self.create_sessions;
        let tokens = json!({
            "access_token": format!("opaque-access-{n}"), "token_type": "Bearer", "expires_in": 1800,
            "refresh_token": format!("authgear-refresh-{n}"),
            "issued_token_type": "urn:ietf:params:oauth:token-type:refresh_token",
            "id_token": jwt(&json!({"iss": ENDPOINT, "aud": CLIENT_ID, "sub": "user-1"})),
        })
        .to_string();
        self.answered
            .insert(request.idempotency_key, tokens.clone());
        ok(tokens)
    }
}

fn ok(body: String) -> HttpAnswer {
    HttpAnswer {
        status: 200,
        retry_after: None,
        body,
    }
}

/// What a run does to effects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    /// The page dies right after effect k (1-based) took place.
    CrashAfter(usize),
    /// Effect k fails; the call goes on.
    Fail(usize),
}

struct Fake<'a> {
    world: RefCell<World>,
    fault: Fault,
    /// Instants at which the device held neither session, with the effect that caused it.
    lost: RefCell<Vec<String>>,
    /// Whether the load posted the "migrated" message to the other tabs.
    announced: Cell<bool>,
    case: &'a Case,
}

enum Done {
    Applied,
    Failed,
    Crashed,
}

impl<'a> Fake<'a> {
    fn new(world: World, fault: Fault, case: &'a Case) -> Self {
        Self {
            world: RefCell::new(world),
            fault,
            lost: RefCell::new(Vec::new()),
            announced: Cell::new(false),
            case,
        }
    }

    /// Performs one effect, or fails it, or performs it and dies, as the fault says; then checks
    /// the invariant.
    async fn effect(&self, label: String, apply: impl FnOnce(&mut World)) -> Done {
        let k = {
            let effects = &mut self.world.borrow_mut().effects;
            effects.push(label.clone());
            effects.len()
        };
        if self.fault == Fault::Fail(k) {
            return Done::Failed;
        }
        apply(&mut self.world.borrow_mut());
        if !self.case.has_session(&self.world.borrow()) {
            self.lost.borrow_mut().push(label);
        }
        if self.fault == Fault::CrashAfter(k) {
            std::future::pending::<()>().await;
            return Done::Crashed;
        }
        Done::Applied
    }
}

fn quota(store: &str, op: &'static str) -> StoreError {
    StoreError {
        store: store.to_owned(),
        op,
        name: "QuotaExceededError".to_owned(),
    }
}

/// One medium of the fake.
struct FakeStore<'d, 'a> {
    device: &'d Fake<'a>,
    area: &'static str,
}

impl Store for FakeStore<'_, '_> {
    fn name(&self) -> &str {
        self.area
    }

    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        if self.device.world.borrow().unreadable == Some(self.area) {
            return Err(StoreError {
                store: self.area.to_owned(),
                op: "read",
                name: "TimeoutError".to_owned(),
            });
        }
        Ok(self
            .device
            .world
            .borrow()
            .areas
            .get(self.area)
            .and_then(|m| m.get(key))
            .cloned())
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (area, owned, value) = (self.area, key.to_owned(), value.to_owned());
        match self
            .device
            .effect(format!("{area} set {key}"), move |world| {
                world.areas.entry(area).or_default().insert(owned, value);
            })
            .await
        {
            Done::Failed => Err(quota(area, "write")),
            _ => Ok(()),
        }
    }

    async fn remove(&self, key: &str) -> Result<(), StoreError> {
        let (area, owned) = (self.area, key.to_owned());
        match self
            .device
            .effect(format!("{area} remove {key}"), move |world| {
                world.areas.entry(area).or_default().remove(&owned);
            })
            .await
        {
            Done::Failed => Err(quota(area, "remove")),
            _ => Ok(()),
        }
    }

    async fn keys(&self) -> Result<Vec<String>, StoreError> {
        let world = self.device.world.borrow();
        Ok(world
            .areas
            .get(self.area)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default())
    }
}

impl Clock for Fake<'_> {
    fn now_ms(&self) -> i64 {
        self.world.borrow().now_ms
    }

    fn monotonic_ms(&self) -> f64 {
        self.world.borrow().now_ms as f64
    }

    async fn sleep(&self, ms: u64) {
        self.world.borrow_mut().now_ms += i64::try_from(ms).unwrap();
    }
}

impl Random for Fake<'_> {
    fn key(&self) -> String {
        // Distinct per call and per run: a key made anew after a crash would show.
        let world = self.world.borrow();
        format!("key-{}-{}", world.now_ms, world.effects.len())
    }

    fn unit(&self) -> f64 {
        0.5
    }
}

impl<'c> Storage for Fake<'c> {
    type Store<'d>
        = FakeStore<'d, 'c>
    where
        Self: 'd;

    fn state(&self) -> Result<FakeStore<'_, 'c>, StoreError> {
        Ok(self.store(Area::LocalStorage))
    }

    fn authgear(&self) -> Result<FakeStore<'_, 'c>, StoreError> {
        Ok(self.store(Area::LocalStorage))
    }

    fn open(&self, area: Area) -> Result<FakeStore<'_, 'c>, StoreError> {
        Ok(self.store(area))
    }
}

impl<'c> Fake<'c> {
    fn store(&self, area: Area) -> FakeStore<'_, 'c> {
        FakeStore {
            device: self,
            area: area.as_str(),
        }
    }
}

impl LegacyMedia for Fake<'_> {
    async fn records(
        &self,
        _database: &str,
        _store: &str,
        _key_path: &str,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let world = self.world.borrow();
        Ok(world
            .areas
            .get(Area::IndexedDb.as_str())
            .into_iter()
            .flatten()
            .filter(|(key, _)| key.starts_with(prefix))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    async fn delete_record(
        &self,
        _database: &str,
        _store: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        self.store(Area::IndexedDb).remove(key).await
    }

    async fn unseal(&self, sealed: &Sealed) -> Vec<Option<String>> {
        vec![None; sealed.items.len()]
    }

    fn host(&self) -> Option<String> {
        Some("app.example".to_owned())
    }

    fn expire_cookie(&self, _name: &str, _domain: &str) {}

    async fn callback_read(&self) -> Result<Option<CallbackTokens>, CallbackFailed> {
        Err(CallbackFailed)
    }

    async fn callback_write(&self, _tokens: &wire::LegacyTokens) -> Result<(), CallbackFailed> {
        Err(CallbackFailed)
    }

    async fn callback_clear(&self) -> Option<Result<(), CallbackFailed>> {
        None
    }
}

impl Http for Fake<'_> {
    async fn post_form(
        &self,
        _url: &str,
        body: String,
        _credentials: Credentials,
        _timeout_ms: u64,
    ) -> Result<HttpAnswer, SendError> {
        let answer = RefCell::new(None);
        let done = self
            .effect("request".to_owned(), |world| {
                *answer.borrow_mut() = Some(world.endpoint.answer(&body));
                if let Some((key, value)) = world.endpoint.other_tab_writes.take() {
                    let local = world.areas.entry(Area::LocalStorage.as_str()).or_default();
                    local.insert(key, value);
                }
            })
            .await;
        match done {
            Done::Failed => Err(SendError::Network),
            _ => Ok(answer.into_inner().expect("answered")),
        }
    }
}

impl Lock for Fake<'_> {
    type Guard = ();

    async fn acquire(&self, _: &str, _: u64, _: u64) -> Result<((), &'static str), LockTimeout> {
        Ok(((), "fake"))
    }

    fn keep(&self, _: &(), _: u64) -> bool {
        true
    }
}

impl Broadcast for Fake<'_> {
    fn announce(&self, _channel: &str, _message: &str) {
        self.announced.set(true);
    }
}

impl Events for Fake<'_> {
    fn emit(&self, event: &Event) {
        // Never a token in an event.
        let text = format!("{event:?}");
        assert!(!text.contains("legacy-refresh") && !text.contains("authgear-refresh"));
    }
}

/// Runs one call; `None` when the page crashed.
fn run(options: &Options, device: &Fake<'_>) -> Option<Outcome> {
    let mut call = pin!(migrate(options, device));
    match call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(outcome) => Some(outcome),
        Poll::Pending => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The cases: each credential kind, each cleanup policy, and the flows with a retry.

/// The legacy session as the SDK left it: (area, key, value).
type LegacyEntries = Vec<(Area, String, String)>;

struct Case {
    name: String,
    source: SourceSpec,
    cleanup: Cleanup,
    legacy: LegacyEntries,
    script: Vec<HttpAnswer>,
}

impl Case {
    /// Whether the device holds a usable session: the Authgear one, or a legacy one the source
    /// still reads (cookie mode: the HttpOnly cookie, which page JavaScript never removes).
    fn has_session(&self, world: &World) -> bool {
        let local = world.areas.get(Area::LocalStorage.as_str());
        if local.is_some_and(|m| m.contains_key(REFRESH_KEY)) {
            return true;
        }
        let entries: Vec<Entry> = world
            .areas
            .iter()
            .flat_map(|(area, map)| {
                let area = area_of(area);
                map.iter().map(move |(key, value)| Entry {
                    area,
                    key: key.clone(),
                    value: value.clone(),
                })
            })
            .collect();
        let now = world.now_ms / 1000;
        match &self.source {
            SourceSpec::Storage {
                area,
                key,
                pointers,
            } => {
                let entry = entries.iter().find(|e| e.area == *area && &e.key == key);
                matches!(parse_storage_entry(entry, pointers), Ok(Some(_)))
            }
            SourceSpec::Preset(spec) => matches!(presets::parse(spec, &entries, now), Ok(Some(_))),
            SourceSpec::Callback { .. } => unreachable!("no callback case"),
        }
    }

    fn world(&self) -> World {
        let mut world = World {
            now_ms: START_MS,
            endpoint: Endpoint {
                script: self.script.clone(),
                ..Endpoint::default()
            },
            ..World::default()
        };
        for (area, key, value) in &self.legacy {
            world
                .areas
                .entry(area.as_str())
                .or_default()
                .insert(key.clone(), value.clone());
        }
        world
    }

    fn options(&self) -> Options {
        Options {
            authgear: AuthgearTarget {
                endpoint: ENDPOINT.to_owned(),
                client_id: CLIENT_ID.to_owned(),
                name: "default".to_owned(),
                issuers: Vec::new(),
            },
            exchange: ExchangeTarget {
                url: "https://app.example/api/authgear-migrate".to_owned(),
                timeout_ms: 5_000,
                budget_ms: 15_000,
                credentials: Credentials::SameOrigin,
                device_info: None,
            },
            legacy: LegacyOptions {
                source: self.source.clone(),
                issuer: None,
                audience: None,
            },
            cleanup: self.cleanup,
            clock_tolerance_seconds: 60,
            dry_run: false,
            keys: Keys {
                refresh_token: REFRESH_KEY.to_owned(),
                id_token: ID_TOKEN_KEY.to_owned(),
                state: STATE_KEY.to_owned(),
                lock: "authgear-migrate:default".to_owned(),
            },
        }
    }
}

fn area_of(name: &str) -> Area {
    [
        Area::LocalStorage,
        Area::SessionStorage,
        Area::Cookie,
        Area::Adapter,
        Area::IndexedDb,
    ]
    .into_iter()
    .find(|area| area.as_str() == name)
    .expect("a known area")
}

fn jwt(claims: &serde_json::Value) -> String {
    let part =
        |value: &serde_json::Value| Base64UrlUnpadded::encode_string(value.to_string().as_bytes());
    format!(
        "{}.{}.c2ln",
        part(&json!({"alg": "RS256", "typ": "JWT"})),
        part(claims)
    )
}

fn legacy_jwt(exp_offset_s: i64) -> String {
    jwt(
        &json!({"iss": "https://legacy.example", "sub": "legacy-user", "aud": "api",
        "exp": START_MS / 1000 + exp_offset_s, "iat": START_MS / 1000 - 60}),
    )
}

const YEAR_S: i64 = 365 * 24 * 3600;

fn cases() -> Vec<Case> {
    let pointers = Pointers {
        access_token: Some("/access_token".to_owned()),
        refresh_token: Some("/refresh_token".to_owned()),
        id_token: None,
    };
    // The generic storage source: one entry, tokens by JSON pointer.
    let storage = |access: String| {
        let source = SourceSpec::Storage {
            area: Area::LocalStorage,
            key: "legacy_session".to_owned(),
            pointers: pointers.clone(),
        };
        let value = json!({"access_token": access, "refresh_token": "legacy-refresh-1"});
        (
            source,
            (
                Area::LocalStorage,
                "legacy_session".to_owned(),
                value.to_string(),
            ),
        )
    };
    let firebase = PresetSpec {
        api_key: Some("AIzaKey".to_owned()),
        ..PresetSpec::new(Preset::Firebase)
    };
    let firebase_user = json!({"uid": "u1", "stsTokenManager": {"refreshToken": "legacy-refresh-1",
        "accessToken": legacy_jwt(YEAR_S), "expirationTime": (START_MS / 1000 + YEAR_S) * 1000}})
    .to_string();
    let cookie_mode = PresetSpec {
        cookie: Some(CookieMode {
            indicator: Some("legacy_signed_in".to_owned()),
        }),
        ..PresetSpec::new(Preset::Cookie)
    };
    let kinds: Vec<(&str, SourceSpec, LegacyEntries)> = vec![
        {
            let (source, entry) = storage(legacy_jwt(YEAR_S));
            ("access token", source, vec![entry])
        },
        {
            let (source, entry) = storage(legacy_jwt(-3600));
            ("refresh token", source, vec![entry])
        },
        (
            "ID token (Firebase, IndexedDB)",
            SourceSpec::Preset(firebase),
            vec![(
                Area::IndexedDb,
                "firebase:authUser:AIzaKey:[DEFAULT]".to_owned(),
                firebase_user,
            )],
        ),
        (
            "cookie mode",
            SourceSpec::Preset(cookie_mode),
            vec![(Area::Cookie, "legacy_signed_in".to_owned(), "1".to_owned())],
        ),
    ];
    // A first answer that says "not now" and hands back the rotated legacy tokens, as an
    // endpoint does when it spent a rotating refresh token and then failed.
    let unavailable = HttpAnswer {
        status: 503,
        retry_after: Some("1".to_owned()),
        body: json!({"error": "temporarily_unavailable",
            "legacy_session": {"refresh_token": "legacy-refresh-2"}})
        .to_string(),
    };
    let mut cases = Vec::new();
    for (kind, source, legacy) in kinds {
        for cleanup in [Cleanup::Remove, Cleanup::Keep] {
            for (flow, script) in [
                ("straight", vec![]),
                ("503 first", vec![unavailable.clone()]),
            ] {
                cases.push(Case {
                    name: format!("{kind}, cleanup {cleanup:?}, {flow}"),
                    source: source.clone(),
                    cleanup,
                    legacy: legacy.clone(),
                    script,
                });
            }
        }
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// The suite.

/// What a scenario (the faulted load and the reloads after it) came to.
struct Verdict {
    /// Every effect, across loads.
    effects: Vec<String>,
    problems: Vec<String>,
}

/// Loads the app with `fault` armed, then again until the migration settles, then once more;
/// checks everything on the way and at the end.
fn check(case: &Case, fault: Fault) -> Verdict {
    let options = case.options();
    let mut problems = Vec::new();
    let mut world = case.world();
    let mut last = None;
    for load in 0..=MAX_RELOADS {
        if load > 0 {
            world.now_ms += RELOAD_AFTER_MS;
        }
        let device = Fake::new(world, fault, case);
        last = run(&options, &device);
        let announced = device.announced.get();
        world = device.world.into_inner();
        if matches!(last, Some(Outcome::Migrated { .. })) {
            // The other tabs hear of it once: from the storage event of the first record that
            // says so (`saved`, or `done`), or else from the message.
            let recorded = world
                .areas
                .get(Area::LocalStorage.as_str())
                .and_then(|local| local.get(STATE_KEY))
                .is_some_and(|record| {
                    let status =
                        &serde_json::from_str::<serde_json::Value>(record).unwrap()["status"];
                    status == "saved" || status == "done"
                });
            if recorded == announced {
                problems.push(format!(
                    "load {load}: saved or done record {recorded}, message posted {announced}"
                ));
            }
        }
        problems.extend(
            device
                .lost
                .into_inner()
                .into_iter()
                .map(|at| format!("no session after {at} (load {load})")),
        );
        // Settled once migrated with nothing left to do: a cleanup that waits for the disk
        // (`saved`) comes on a later load, and its effects are crash points too.
        let waiting = world
            .areas
            .get(Area::LocalStorage.as_str())
            .and_then(|local| local.get(STATE_KEY))
            .is_some_and(|record| {
                serde_json::from_str::<serde_json::Value>(record).unwrap()["status"] == "saved"
            });
        if !waiting
            && matches!(
                last,
                Some(Outcome::Migrated { .. } | Outcome::AlreadyMigrated { .. })
            )
        {
            break;
        }
    }
    if !matches!(
        last,
        Some(Outcome::Migrated { .. } | Outcome::AlreadyMigrated { .. })
    ) {
        problems.push(format!("{MAX_RELOADS} reloads did not finish: {last:?}"));
    }
    let effects = world.effects.clone();
    // Two more loads of a finished device: each must find the session in place, and by the
    // second the legacy one is gone (a cleanup that waits for the disk, when the record of the
    // save was lost, starts its wait on the first).
    for _ in 0..2 {
        world.now_ms += RELOAD_AFTER_MS;
        let device = Fake::new(world, Fault::None, case);
        let settled = run(&options, &device);
        world = device.world.into_inner();
        if !matches!(settled, Some(Outcome::AlreadyMigrated { .. })) {
            problems.push(format!("a load after the migration ended {settled:?}"));
        }
    }
    let endpoint = &world.endpoint;
    if endpoint.create_sessions != 1 {
        problems.push(format!(
            "createSession ran {} times",
            endpoint.create_sessions
        ));
    }
    // Every send after the one that created the session carries its key: a retry is replayed.
    if let Some(created) = &endpoint.created_with {
        let from = endpoint.keys.iter().position(|key| key == created).unwrap();
        if endpoint.keys[from..].iter().any(|key| key != created) {
            problems.push(format!(
                "idempotency keys changed after the session was created: {:?}",
                endpoint.keys
            ));
        }
    }
    let local = world
        .areas
        .get(Area::LocalStorage.as_str())
        .cloned()
        .unwrap_or_default();
    match endpoint
        .answered
        .get(endpoint.created_with.as_deref().unwrap_or_default())
    {
        Some(tokens) => {
            let tokens: serde_json::Value = serde_json::from_str(tokens).unwrap();
            if local.get(REFRESH_KEY).map(String::as_str) != tokens["refresh_token"].as_str() {
                problems
                    .push("the saved refresh token is not the one the endpoint issued".to_owned());
            }
            // The ID token is a cache the SDK refills: saved when it can be, never a stale one.
            let id_token = local.get(ID_TOKEN_KEY).map(String::as_str);
            if id_token.is_some() && id_token != tokens["id_token"].as_str() {
                problems.push("the saved ID token is not the one the endpoint issued".to_owned());
            }
        }
        None => problems.push("no session was created".to_owned()),
    }
    let legacy_left = case.legacy.iter().any(|(area, key, _)| {
        world
            .areas
            .get(area.as_str())
            .is_some_and(|m| m.contains_key(key))
    });
    let cookie_mode =
        matches!(&case.source, SourceSpec::Preset(spec) if spec.preset == Preset::Cookie);
    match case.cleanup {
        // Cookie mode's indicator is the app's: the HttpOnly session is the endpoint's to end.
        Cleanup::Remove if legacy_left && !cookie_mode => {
            problems.push("the legacy session was not removed".to_owned())
        }
        Cleanup::Keep if !legacy_left => {
            problems.push("the legacy session was removed under `keep`".to_owned())
        }
        _ => {}
    }
    Verdict { effects, problems }
}

#[test]
fn every_crash_point_and_every_failing_effect_loses_nothing() {
    let mut points = 0;
    let mut failures = Vec::new();
    for case in cases() {
        // The clean scenario names the effects.
        let Verdict { effects, problems } = check(&case, Fault::None);
        failures.extend(
            problems
                .into_iter()
                .map(|p| format!("{}, clean: {p}", case.name)),
        );
        assert!(
            effects.iter().any(|effect| effect == "request"),
            "{}: {effects:?}",
            case.name
        );
        for k in 1..=effects.len() {
            for fault in [Fault::CrashAfter(k), Fault::Fail(k)] {
                points += 1;
                let verdict = check(&case, fault);
                failures.extend(verdict.problems.into_iter().map(|problem| {
                    format!("{}, {fault:?} ({}): {problem}", case.name, effects[k - 1])
                }));
            }
        }
    }
    let lost = failures.iter().filter(|f| f.contains("no session")).count();
    println!("crash points: {points}, sessions lost: {lost}");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Two tabs, one legacy session: this one was granted the lock after the other saved its
/// session, but read storage before that write reached it. Its request is refused `replayed`;
/// by the answer the other tab's session shows, and is the outcome, with nothing recorded as
/// rejected. The next start finishes the cleanup.
#[test]
fn a_credential_another_tab_spent_answers_with_that_tabs_session() {
    let mut case = cases().remove(0);
    case.script = vec![HttpAnswer {
        status: 400,
        retry_after: None,
        body: json!({"error": "invalid_grant", "reason": "replayed"}).to_string(),
    }];
    let options = case.options();
    let mut world = case.world();
    world.endpoint.other_tab_writes =
        Some((REFRESH_KEY.to_owned(), "other-tab-refresh".to_owned()));
    let device = Fake::new(world, Fault::None, &case);
    let outcome = run(&options, &device);
    assert!(
        matches!(outcome, Some(Outcome::AlreadyMigrated { .. })),
        "{outcome:?}"
    );
    let mut world = device.world.into_inner();
    let local = &world.areas[Area::LocalStorage.as_str()];
    assert_eq!(local[REFRESH_KEY], "other-tab-refresh");
    assert!(
        !local[STATE_KEY].contains("rejected"),
        "{}",
        local[STATE_KEY]
    );

    world.now_ms += RELOAD_AFTER_MS;
    let device = Fake::new(world, Fault::None, &case);
    assert!(matches!(
        run(&options, &device),
        Some(Outcome::AlreadyMigrated { .. })
    ));
    let world = device.world.into_inner();
    assert!(!world.areas[Area::LocalStorage.as_str()].contains_key("legacy_session"));
    assert!(world.areas[Area::LocalStorage.as_str()][STATE_KEY].contains("done"));

    // Refused `replayed` with no session anywhere: rejected, as before.
    let mut case = cases().remove(0);
    case.script = vec![HttpAnswer {
        status: 400,
        retry_after: None,
        body: json!({"error": "invalid_grant", "reason": "replayed"}).to_string(),
    }];
    let device = Fake::new(case.world(), Fault::None, &case);
    let outcome = run(&case.options(), &device);
    assert!(
        matches!(outcome, Some(Outcome::Rejected { .. })),
        "{outcome:?}"
    );
}

/// A refusal of the deployment (the endpoint's `invalid_client`) is not the credential's: no
/// start asks again for a day, for any credential, and then the same credential is sent again
/// and migrates. A 401 without the contract's body (a login wall in front of the endpoint) is
/// no refusal at all: deferred, and the next start migrates.
#[test]
fn a_refused_deployment_is_asked_again_and_a_login_wall_refuses_nothing() {
    let refusal = HttpAnswer {
        status: 401,
        retry_after: None,
        body: json!({"error": "invalid_client", "error_description": "unknown client"}).to_string(),
    };
    let wall = HttpAnswer {
        status: 401,
        retry_after: None,
        body: "<html>Authentication Required</html>".to_owned(),
    };
    for (answer, first) in [(refusal, "rejected"), (wall, "deferred")] {
        let mut case = cases().remove(0);
        case.script = vec![answer];
        let options = case.options();
        let device = Fake::new(case.world(), Fault::None, &case);
        let outcome = run(&options, &device).expect("a call that ends");
        assert_eq!(outcome.status(), first, "{outcome:?}");
        let mut world = device.world.into_inner();
        if first == "rejected" {
            // Within the day: refused on the device, nothing sent.
            world.now_ms += 3_600_000;
            let device = Fake::new(world, Fault::None, &case);
            let outcome = run(&options, &device).expect("a call that ends");
            assert_eq!(outcome.status(), "rejected", "{outcome:?}");
            world = device.world.into_inner();
            assert_eq!(world.endpoint.keys.len(), 1, "asked again within the day");
            world.now_ms += authgear_migrate::core::state::CONFIGURATION_RECHECK_MS;
        } else {
            world.now_ms += RELOAD_AFTER_MS;
        }
        let device = Fake::new(world, Fault::None, &case);
        let outcome = run(&options, &device).expect("a call that ends");
        assert_eq!(outcome.status(), "migrated", "{outcome:?}");
        let world = device.world.into_inner();
        assert_eq!(world.endpoint.create_sessions, 1);
        assert!(world.areas[Area::LocalStorage.as_str()].contains_key(REFRESH_KEY));
    }
}

/// The medium the app named for its legacy session (`legacy.storage`, here an adapter) not
/// answering says nothing of the session: the call defers and asks again, and a due cleanup
/// waits for a later start rather than giving the session up as gone.
#[test]
fn a_legacy_store_that_cannot_be_read_defers_and_its_cleanup_waits() {
    use authgear_migrate::core::outcome::DeferReason;
    use authgear_migrate::core::state::CLEANUP_DELAY_MS;
    let adapter = Area::Adapter.as_str();
    let mut case = cases().remove(0);
    let SourceSpec::Storage { area, .. } = &mut case.source else {
        panic!("the first case reads one storage entry");
    };
    *area = Area::Adapter;
    case.legacy[0].0 = Area::Adapter;
    let options = case.options();
    let load = |world: World| {
        let device = Fake::new(world, Fault::None, &case);
        let outcome = run(&options, &device).expect("a call that ends");
        (outcome, device.world.into_inner())
    };
    let status = |world: &World| {
        let record = &world.areas[Area::LocalStorage.as_str()][STATE_KEY];
        serde_json::from_str::<serde_json::Value>(record).unwrap()["status"].clone()
    };

    let mut world = case.world();
    world.unreadable = Some(adapter);
    let (outcome, mut world) = load(world);
    assert!(
        matches!(
            outcome,
            Outcome::Deferred {
                reason: DeferReason::Storage,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(world.endpoint.keys.is_empty(), "a credential was sent");

    world.unreadable = None;
    world.now_ms += RELOAD_AFTER_MS;
    let (outcome, mut world) = load(world);
    assert_eq!(outcome.status(), "migrated", "{outcome:?}");
    assert_eq!(status(&world), "saved");

    // The cleanup is due, and the legacy store does not answer: migrated all the same, and
    // the legacy session stays for a later start to remove.
    world.now_ms += CLEANUP_DELAY_MS + 1;
    world.unreadable = Some(adapter);
    let (outcome, mut world) = load(world);
    assert_eq!(outcome.status(), "already-migrated", "{outcome:?}");
    assert_eq!(status(&world), "saved");
    assert!(world.areas[adapter].contains_key("legacy_session"));

    world.unreadable = None;
    let (outcome, world) = load(world);
    assert_eq!(outcome.status(), "already-migrated", "{outcome:?}");
    assert_eq!(status(&world), "done");
    assert!(!world.areas[adapter].contains_key("legacy_session"));
    assert_eq!(world.endpoint.create_sessions, 1);
}

/// The browser commits web storage to disk seconds after a write (Chromium: 5 s at the least),
/// an IndexedDB delete at once. A browser killed right after a migration (an app swiped away)
/// comes back with web storage as it was before it, and every other medium as it is: the legacy
/// session must still be there. It is removed by a load after `CLEANUP_DELAY_MS`.
#[test]
fn a_crash_before_web_storage_reaches_the_disk_keeps_the_legacy_session() {
    use authgear_migrate::core::state::CLEANUP_DELAY_MS;
    let local = Area::LocalStorage.as_str();
    for case in cases() {
        if case.cleanup != Cleanup::Remove || !case.script.is_empty() {
            continue;
        }
        let options = case.options();
        let before = case.world().areas.get(local).cloned().unwrap_or_default();
        let device = Fake::new(case.world(), Fault::None, &case);
        let outcome = run(&options, &device).expect("a call that ends");
        assert_eq!(outcome.status(), "migrated", "{}: {outcome:?}", case.name);
        let durable = device.world.into_inner();

        let mut crashed = durable.clone();
        crashed.areas.insert(local, before);
        assert!(
            case.has_session(&crashed),
            "{}: neither session once web storage lost what it had not committed",
            case.name
        );

        // A session beside an attempt (a tab whose view of storage lagged wrote `pending` over
        // the `saved` record): its time on disk is unknown, so the wait starts again.
        let mut lagging = durable.clone();
        let pending = authgear_migrate::core::state::begin_attempt(
            None,
            authgear_migrate::core::outcome::Credential::Cookie,
            "other".to_owned(),
            || "k2".to_owned(),
            lagging.now_ms,
        );
        let legacy_kept = |world: &World| {
            case.legacy.iter().all(|(area, key, _)| {
                world
                    .areas
                    .get(area.as_str())
                    .is_some_and(|m| m.contains_key(key))
            })
        };
        let waits = legacy_kept(&lagging);
        lagging
            .areas
            .get_mut(local)
            .unwrap()
            .insert(STATE_KEY.to_owned(), pending.to_json());
        let device = Fake::new(lagging, Fault::None, &case);
        let outcome = run(&options, &device).expect("a call that ends");
        assert_eq!(outcome.status(), "already-migrated", "{}", case.name);
        let lagging = device.world.into_inner();
        assert_eq!(
            legacy_kept(&lagging),
            waits,
            "{}: cleaned up before the wait",
            case.name
        );

        // Written to disk, the session is kept; the legacy one goes on a load once it is due.
        let mut world = durable;
        world.now_ms += CLEANUP_DELAY_MS;
        let device = Fake::new(world, Fault::None, &case);
        let outcome = run(&options, &device).expect("a call that ends");
        assert_eq!(outcome.status(), "already-migrated", "{}", case.name);
        let world = device.world.into_inner();
        assert!(
            world.areas[local][STATE_KEY].contains("done"),
            "{}: {}",
            case.name,
            world.areas[local][STATE_KEY]
        );
        for (area, key, _) in &case.legacy {
            if *area != Area::Cookie {
                let kept = world
                    .areas
                    .get(area.as_str())
                    .is_some_and(|m| m.contains_key(key));
                assert!(
                    !kept,
                    "{}: the legacy entry {key} was not removed",
                    case.name
                );
            }
        }
    }
}

/// The endpoint takes no refresh tokens (`unsupported_token_type`): that says nothing of the
/// device's next credential. Once the legacy SDK has refreshed its access token, the next start
/// sends that one and migrates.
#[test]
fn a_token_type_the_endpoint_does_not_take_leaves_the_other_kinds_free() {
    let mut case = cases()
        .into_iter()
        .find(|case| case.name == "refresh token, cleanup Remove, straight")
        .expect("the refresh token case");
    case.script = vec![HttpAnswer {
        status: 400,
        retry_after: None,
        body: json!({"error": "unsupported_token_type"}).to_string(),
    }];
    let options = case.options();
    let device = Fake::new(case.world(), Fault::None, &case);
    let outcome = run(&options, &device).expect("a call that ends");
    assert_eq!(outcome.status(), "rejected", "{outcome:?}");
    let mut world = device.world.into_inner();
    world.now_ms += 3_600_000;
    let refreshed =
        json!({"access_token": legacy_jwt(YEAR_S), "refresh_token": "legacy-refresh-1"});
    world
        .areas
        .get_mut(Area::LocalStorage.as_str())
        .unwrap()
        .insert("legacy_session".to_owned(), refreshed.to_string());
    let device = Fake::new(world, Fault::None, &case);
    let outcome = run(&options, &device).expect("a call that ends");
    assert!(
        matches!(outcome, Outcome::Migrated { credential, .. } if credential.as_str() == "access_token"),
        "{outcome:?}"
    );
}
