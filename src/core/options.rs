//! The engine's options, as the npm wrapper hands them over.
//!
//! Users never write this shape: `pkg/src/options.js` validates what they wrote, with errors that
//! name the option, and normalises it into this form (absolute URLs, defaults filled in, storage
//! keys made), and passes it as JSON text. Reading here is strict (every field known, every type
//! right, an error naming the field) so that a drift between the two sides fails loudly in the
//! tests rather than quietly in the field.

use core::cell::Cell;

use crate::core::base64;
use crate::core::json::{Json, Named};
use crate::core::presets::{CookieMode, Preset, PresetSpec};
use crate::core::source::Area;
use crate::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub authgear: AuthgearTarget,
    pub exchange: ExchangeTarget,
    pub legacy: LegacyOptions,
    pub cleanup: Cleanup,
    /// Clock skew allowed when judging any token's `exp`, seconds.
    pub clock_tolerance_seconds: u32,
    /// Read and pre-check only: no lock, no request, no write; answer what would be sent.
    pub dry_run: bool,
    pub keys: Keys,
}

/// The Authgear project and client the session is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthgearTarget {
    /// The project endpoint's origin, without a trailing slash: the `iss` of its tokens.
    pub endpoint: String,
    pub client_id: String,
    /// The SDK container name (`default` unless the app set one).
    pub name: String,
    /// `authgear.issuer`: other origins a JWT access token may name as `iss` (a custom domain
    /// on one side of the exchange only). Never contains `endpoint`.
    pub issuers: Vec<String>,
}

/// Where and how the legacy credential is exchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeTarget {
    /// Absolute URL, already checked against the URL policy (https, same origin, or loopback).
    pub url: String,
    /// Per request.
    pub timeout_ms: u32,
    /// For the whole call, retries included.
    pub budget_ms: u32,
    pub credentials: Credentials,
    /// The app's `deviceInfo` as `createSession` takes it: its JSON text (as the wrapper wrote
    /// it), unpadded base64url, as Authgear decodes it.
    pub device_info: Option<String>,
}

/// `RequestInit.credentials` of the exchange request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyOptions {
    pub source: SourceSpec,
    /// When set, a legacy JWT whose `iss` differs is not sent.
    pub issuer: Option<String>,
    /// When set, a legacy JWT whose `aud` does not contain it is not sent.
    pub audience: Option<String>,
}

/// Where the legacy session is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    /// One storage entry; JSON pointers pick the tokens out of its value.
    Storage {
        area: Area,
        key: String,
        pointers: Pointers,
    },
    /// The app's `legacy.read()` callback returns the tokens; `legacy.clear()`, when given,
    /// removes them.
    Callback { has_clear: bool },
    /// A legacy SDK named by the app: the preset knows where that SDK keeps its session
    /// (`src/core/presets/`).
    Preset(PresetSpec),
}

/// RFC 6901 JSON pointers into a storage value, one per token kind. `""` is the whole value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pointers {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

/// What happens to the legacy session once the Authgear session is saved and verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cleanup {
    Remove,
    Keep,
}

/// Storage keys, made by the key maker (`core::keys`, through `pkg/src/keys.js`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    /// `authgear_<name>_refreshToken`, read by the SDK's `configure()`.
    pub refresh_token: String,
    /// `authgear_<name>_idToken`.
    pub id_token: String,
    /// This engine's state record.
    pub state: String,
    /// Web Locks name, and the lease key where Web Locks are missing.
    pub lock: String,
}

impl Named for Credentials {
    const ALL: &'static [Self] = &[Self::Omit, Self::SameOrigin, Self::Include];

    fn name(self) -> &'static str {
        match self {
            Self::Omit => "omit",
            Self::SameOrigin => "same-origin",
            Self::Include => "include",
        }
    }
}

impl Named for Cleanup {
    const ALL: &'static [Self] = &[Self::Remove, Self::Keep];

    fn name(self) -> &'static str {
        match self {
            Self::Remove => "remove",
            Self::Keep => "keep",
        }
    }
}

/// Why the options did not read: the field, as a dotted path of the normalised form
/// (`legacy.source.storage.area`), and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionsError {
    pub field: String,
    pub what: &'static str,
}

impl Options {
    /// Reads the wrapper's JSON text.
    pub fn parse(text: &str) -> Result<Self, OptionsError> {
        let value = Json::parse(text).map_err(|_| OptionsError {
            field: "options".to_owned(),
            what: "are not JSON text",
        })?;
        Self::from_json(&value)
    }

    pub fn from_json(value: &Json) -> Result<Self, OptionsError> {
        let wrong = Cell::new(None);
        let options = Fields::top(
            value,
            &wrong,
            &[
                "authgear",
                "exchange",
                "legacy",
                "cleanup",
                "clockToleranceSeconds",
                "dryRun",
                "keys",
            ],
        );
        let authgear = options.object("authgear", &["endpoint", "clientID", "name", "issuers"]);
        let exchange = options.object(
            "exchange",
            &["url", "timeoutMs", "budgetMs", "credentials", "deviceInfo"],
        );
        let legacy = options.object("legacy", &["source", "issuer", "audience"]);
        // `sample` is the wrapper's own key (its rollout draw): known, and not the engine's.
        let keys = options.object(
            "keys",
            &["refreshToken", "idToken", "state", "lock", "sample"],
        );
        let read = Self {
            authgear: AuthgearTarget {
                endpoint: authgear.string("endpoint"),
                client_id: authgear.string("clientID"),
                name: authgear.string("name"),
                issuers: authgear
                    .required("issuers", Json::as_strings, "is not an array of strings")
                    .unwrap_or_default(),
            },
            exchange: ExchangeTarget {
                url: exchange.string("url"),
                timeout_ms: exchange.whole("timeoutMs"),
                budget_ms: exchange.whole("budgetMs"),
                credentials: exchange.named("credentials", Credentials::Omit),
                device_info: exchange
                    .optional_string("deviceInfo")
                    .map(|json| base64::encode(json.as_bytes())),
            },
            legacy: LegacyOptions {
                source: source(&legacy.object("source", SOURCES)),
                issuer: legacy.optional_string("issuer"),
                audience: legacy.optional_string("audience"),
            },
            cleanup: options.named("cleanup", Cleanup::Remove),
            clock_tolerance_seconds: options.whole("clockToleranceSeconds"),
            dry_run: options.boolean("dryRun"),
            keys: Keys {
                refresh_token: keys.string("refreshToken"),
                id_token: keys.string("idToken"),
                state: keys.string("state"),
                lock: keys.string("lock"),
            },
        };
        wrong.take().map_or(Ok(read), Err)
    }
}

impl SourceSpec {
    /// `legacy.source` on its own.
    pub fn from_json(value: &Json) -> Result<Self, OptionsError> {
        let wrong = Cell::new(None);
        let above = Fields {
            value: &NOTHING,
            name: None,
            wrong: &wrong,
        };
        let tagged = Fields {
            value,
            name: Some((&above, "legacy.source")),
            wrong: &wrong,
        };
        tagged.check(SOURCES);
        let read = source(&tagged);
        wrong.take().map_or(Ok(read), Err)
    }
}

const SOURCES: &[&str] = &["storage", "callback", "preset"];

/// `legacy.source`, externally tagged: `{"storage": {…}}`, `{"callback": {…}}` or
/// `{"preset": {…}}`.
fn source(tagged: &Fields<'_>) -> SourceSpec {
    if tagged.value.as_object().map(<[_]>::len) != Some(1) {
        tagged.note(
            None,
            "does not hold exactly one of storage, callback, preset",
        );
    }
    if tagged.value.get("storage").is_some() {
        let storage = tagged.object("storage", &["area", "key", "pointers"]);
        let pointers = storage.object("pointers", &["accessToken", "refreshToken", "idToken"]);
        return SourceSpec::Storage {
            area: storage.named("area", Area::LocalStorage),
            key: storage.string("key"),
            pointers: Pointers {
                access_token: pointers.optional_string("accessToken"),
                refresh_token: pointers.optional_string("refreshToken"),
                id_token: pointers.optional_string("idToken"),
            },
        };
    }
    if tagged.value.get("callback").is_some() {
        let callback = tagged.object("callback", &["hasClear"]);
        return SourceSpec::Callback {
            has_clear: callback.boolean("hasClear"),
        };
    }
    let preset = tagged.object(
        "preset",
        &[
            "preset",
            "clientId",
            "audience",
            "scope",
            "storageKey",
            "authority",
            "apiKey",
            "appName",
            "prefix",
            "bearer",
            "cookie",
        ],
    );
    let cookie = preset.value.field("cookie").map(|_| CookieMode {
        indicator: preset
            .object("cookie", &["indicator"])
            .optional_string("indicator"),
    });
    SourceSpec::Preset(PresetSpec {
        preset: preset.named("preset", Preset::Cookie),
        client_id: preset.optional_string("clientId"),
        audience: preset.optional_string("audience"),
        scope: preset.optional_string("scope"),
        storage_key: preset.optional_string("storageKey"),
        authority: preset.optional_string("authority"),
        api_key: preset.optional_string("apiKey"),
        app_name: preset.optional_string("appName"),
        prefix: preset.optional_string("prefix"),
        bearer: preset.optional("bearer", from_name, NOT_A_NAME),
        cookie,
    })
}

const NOT_A_NAME: &str = "is not one of the names it takes";
const NOT_A_STRING: &str = "is not a string";

fn from_name<T: Named>(value: &Json) -> Option<T> {
    value.as_str().and_then(T::from_name)
}

fn string(value: &Json) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// Where a field is missing: reads on as an object with no members.
static NOTHING: Json = Json::Object(Vec::new());

/// One object of the options, read field by field. A wrong field is noted (the first one is
/// the error returned) and reading goes on with a stand-in value, so that no error path has
/// to drop a half-built `Options`: one such path per field cost kilobytes of Wasm (issue 15).
struct Fields<'a> {
    value: &'a Json,
    /// The object holding this one, and this one's key there; `None` at the top.
    name: Option<(&'a Fields<'a>, &'a str)>,
    wrong: &'a Cell<Option<OptionsError>>,
}

impl<'a> Fields<'a> {
    fn top(value: &'a Json, wrong: &'a Cell<Option<OptionsError>>, known: &[&str]) -> Self {
        let top = Self {
            value,
            name: None,
            wrong,
        };
        top.check(known);
        top
    }

    /// Notes a value that is not an object, or the first member that is not a known field.
    fn check(&self, known: &[&str]) {
        match self.value.as_object() {
            None => self.note(None, "is not an object"),
            Some(members) => {
                if let Some((unknown, _)) = members
                    .iter()
                    .find(|(key, _)| !known.contains(&key.as_str()))
                {
                    self.note(Some(unknown), "is not a field the engine knows");
                }
            }
        }
    }

    /// The dotted path of `key` in this object, or of this object itself.
    fn path(&self, key: Option<&str>) -> String {
        let mut path = match self.name {
            Some((parent, name)) => parent.path(Some(name)),
            None if key.is_none() => return "options".to_owned(),
            None => String::new(),
        };
        if let Some(key) = key {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
        }
        path
    }

    fn note(&self, key: Option<&str>, what: &'static str) {
        let first = self.wrong.take().unwrap_or_else(|| OptionsError {
            field: self.path(key),
            what,
        });
        self.wrong.set(Some(first));
    }

    /// A field that may be absent or `null`; noted as `what` when `read` refuses it.
    fn optional<T>(
        &self,
        key: &str,
        read: impl FnOnce(&'a Json) -> Option<T>,
        what: &'static str,
    ) -> Option<T> {
        let read = read(self.value.field(key)?);
        if read.is_none() {
            self.note(Some(key), what);
        }
        read
    }

    /// A field that must be there, and not `null`.
    fn required<T>(
        &self,
        key: &str,
        read: impl FnOnce(&'a Json) -> Option<T>,
        what: &'static str,
    ) -> Option<T> {
        if self.value.field(key).is_none() {
            self.note(Some(key), "is missing");
        }
        self.optional(key, read, what)
    }

    fn object<'b>(&'b self, key: &'b str, known: &[&str]) -> Fields<'b> {
        let object = Fields {
            value: self.required(key, Some, "").unwrap_or(&NOTHING),
            name: Some((self, key)),
            wrong: self.wrong,
        };
        object.check(known);
        object
    }

    fn string(&self, key: &str) -> String {
        self.required(key, string, NOT_A_STRING).unwrap_or_default()
    }

    fn optional_string(&self, key: &str) -> Option<String> {
        self.optional(key, string, NOT_A_STRING)
    }

    fn whole(&self, key: &str) -> u32 {
        self.required(
            key,
            Json::as_integer::<u32>,
            "is not a whole number from 0 to 4294967295",
        )
        .unwrap_or_default()
    }

    fn boolean(&self, key: &str) -> bool {
        self.required(key, Json::as_bool, "is not true or false")
            .unwrap_or_default()
    }

    /// `stand_in` stands for a wrong name while reading goes on; it is never returned.
    fn named<T: Named>(&self, key: &str, stand_in: T) -> T {
        self.required(key, from_name, NOT_A_NAME)
            .unwrap_or(stand_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::source::TokenKind;
    use base64ct::{Base64UrlUnpadded, Encoding};
    use serde_json::{Value, json};

    /// The wrapper's normalised options, as `pkg/src/options.js` writes them.
    fn normalised() -> Value {
        json!({
            "authgear": {"endpoint": "https://app.authgear.cloud", "clientID": "client",
                "name": "default", "issuers": ["https://auth.example"]},
            "exchange": {"url": "https://api.example/migrate", "timeoutMs": 10000,
                "budgetMs": 20000, "credentials": "same-origin", "deviceInfo": null},
            "legacy": {"source": {"storage": {"area": "localStorage", "key": "session",
                "pointers": {"accessToken": "/access_token"}}}, "issuer": null, "audience": "api"},
            "cleanup": "remove",
            "clockToleranceSeconds": 60,
            "dryRun": false,
            "keys": {"idToken": "authgear_default_idToken", "lock": "authgear-migrate:default",
                "refreshToken": "authgear_default_refreshToken",
                "sample": "authgear-migrate_default_sample", "state": "authgear-migrate_default_state"}
        })
    }

    fn read(value: &Value) -> Result<Options, OptionsError> {
        Options::parse(&value.to_string())
    }

    /// The options with `pointer` set to `value`, read.
    fn read_with(pointer: &str, value: Value) -> Result<Options, OptionsError> {
        let mut options = normalised();
        *options.pointer_mut(pointer).unwrap() = value;
        read(&options)
    }

    fn refused<T: core::fmt::Debug>(result: Result<T, OptionsError>) -> (String, &'static str) {
        let error = result.unwrap_err();
        (error.field, error.what)
    }

    #[test]
    fn reads_the_normalised_form() {
        let options = read(&normalised()).unwrap();
        assert_eq!(
            options,
            Options {
                authgear: AuthgearTarget {
                    endpoint: "https://app.authgear.cloud".into(),
                    client_id: "client".into(),
                    name: "default".into(),
                    issuers: vec!["https://auth.example".into()],
                },
                exchange: ExchangeTarget {
                    url: "https://api.example/migrate".into(),
                    timeout_ms: 10_000,
                    budget_ms: 20_000,
                    credentials: Credentials::SameOrigin,
                    device_info: None,
                },
                legacy: LegacyOptions {
                    source: SourceSpec::Storage {
                        area: Area::LocalStorage,
                        key: "session".into(),
                        pointers: Pointers {
                            access_token: Some("/access_token".into()),
                            ..Pointers::default()
                        },
                    },
                    issuer: None,
                    audience: Some("api".into()),
                },
                cleanup: Cleanup::Remove,
                clock_tolerance_seconds: 60,
                dry_run: false,
                keys: Keys {
                    refresh_token: "authgear_default_refreshToken".into(),
                    id_token: "authgear_default_idToken".into(),
                    state: "authgear-migrate_default_state".into(),
                    lock: "authgear-migrate:default".into(),
                },
            }
        );
        // `JSON.stringify` leaves out what is undefined: an absent optional is `None`.
        let mut options = normalised();
        options["exchange"]
            .as_object_mut()
            .unwrap()
            .remove("deviceInfo");
        assert_eq!(read(&options).unwrap().exchange.device_info, None);
        let options = read_with("/exchange/credentials", json!("include")).unwrap();
        assert_eq!(options.exchange.credentials, Credentials::Include);
        let options = read_with("/cleanup", json!("keep")).unwrap();
        assert_eq!(options.cleanup, Cleanup::Keep);
    }

    #[test]
    fn device_info_is_sent_as_authgear_decodes_it() {
        let json = r#"{"platform":"web","note":"✓?>"}"#;
        let encoded = read_with("/exchange/deviceInfo", json!(json))
            .unwrap()
            .exchange
            .device_info
            .unwrap();
        // Unpadded base64url (Go's RawURLEncoding) of the JSON text, byte for byte.
        assert!(!encoded.contains(['+', '/', '=']), "{encoded}");
        assert_eq!(
            Base64UrlUnpadded::decode_vec(&encoded).unwrap(),
            json.as_bytes()
        );
    }

    #[test]
    fn sources_are_externally_tagged() {
        let source = |value: Value| read_with("/legacy/source", value).map(|o| o.legacy.source);
        assert_eq!(
            source(json!({"callback": {"hasClear": true}})),
            Ok(SourceSpec::Callback { has_clear: true })
        );
        assert_eq!(
            source(json!({"storage": {"area": "indexedDB", "key": "k", "pointers": {}}})),
            Ok(SourceSpec::Storage {
                area: Area::IndexedDb,
                key: "k".into(),
                pointers: Pointers::default(),
            })
        );
        let mut spec = PresetSpec::new(Preset::Kinde);
        spec.cookie = Some(CookieMode {
            indicator: Some("signed_in".into()),
        });
        assert_eq!(
            source(json!({"preset": {"preset": "kinde", "cookie": {"indicator": "signed_in"}}})),
            Ok(SourceSpec::Preset(spec))
        );
        assert_eq!(
            refused(source(json!({}))),
            (
                "legacy.source".into(),
                "does not hold exactly one of storage, callback, preset"
            )
        );
        assert_eq!(
            refused(source(
                json!({"callback": {"hasClear": true}, "preset": {"preset": "okta"}})
            ))
            .0,
            "legacy.source"
        );
        assert_eq!(
            refused(source(json!({"cookie": {}}))),
            (
                "legacy.source.cookie".into(),
                "is not a field the engine knows"
            )
        );
        assert_eq!(
            refused(source(json!("callback"))),
            ("legacy.source".into(), "is not an object")
        );
    }

    #[test]
    fn a_source_reads_on_its_own() {
        let source = |text: &str| SourceSpec::from_json(&Json::parse(text).unwrap());
        assert_eq!(
            source(r#"{"callback":{"hasClear":false}}"#),
            Ok(SourceSpec::Callback { has_clear: false })
        );
        assert_eq!(
            refused(source(r#"{"callback":{"hasClear":1}}"#)),
            (
                "legacy.source.callback.hasClear".into(),
                "is not true or false"
            )
        );
        assert_eq!(
            refused(source("[]")),
            ("legacy.source".into(), "is not an object")
        );
    }

    #[test]
    fn presets_read_strictly() {
        let preset = |value: Value| match read_with("/legacy/source", json!({"preset": value})) {
            Ok(Options {
                legacy:
                    LegacyOptions {
                        source: SourceSpec::Preset(spec),
                        ..
                    },
                ..
            }) => Ok(spec),
            Ok(other) => panic!("{other:?}"),
            Err(error) => Err((error.field, error.what)),
        };
        let spec = preset(json!({"preset": "oidc-client-ts", "clientId": "c", "authority": null}))
            .unwrap();
        assert_eq!(spec.preset, Preset::OidcClientTs);
        assert_eq!(spec.client_id.as_deref(), Some("c"));
        assert_eq!(spec.authority, None);
        assert_eq!(
            preset(json!({"preset": "nope"})),
            Err(("legacy.source.preset.preset".into(), NOT_A_NAME))
        );
        assert_eq!(
            preset(json!({"preset": "okta", "x": 1})),
            Err((
                "legacy.source.preset.x".into(),
                "is not a field the engine knows"
            ))
        );
        let spec =
            preset(json!({"preset": "auth0-spa", "bearer": "id_token", "cookie": {}})).unwrap();
        assert_eq!(spec.bearer(), TokenKind::IdToken);
        assert_eq!(spec.cookie, Some(CookieMode::default()));
        assert_eq!(
            preset(json!({"preset": "auth0-spa", "cookie": {"indicator": "i", "x": 1}})),
            Err((
                "legacy.source.preset.cookie.x".into(),
                "is not a field the engine knows"
            ))
        );
        assert_eq!(
            preset(json!({"preset": "auth0-spa", "bearer": "accessToken"})),
            Err(("legacy.source.preset.bearer".into(), NOT_A_NAME))
        );
        assert_eq!(
            preset(json!({"preset": "supabase", "storageKey": 5})),
            Err(("legacy.source.preset.storageKey".into(), NOT_A_STRING))
        );
    }

    #[test]
    fn errors_name_the_field() {
        for (pointer, value, field, what) in [
            (
                "/authgear/clientID",
                json!(5),
                "authgear.clientID",
                NOT_A_STRING,
            ),
            (
                "/authgear/clientID",
                json!(null),
                "authgear.clientID",
                "is missing",
            ),
            (
                "/authgear/issuers",
                json!(["a", 1]),
                "authgear.issuers",
                "is not an array of strings",
            ),
            (
                "/exchange/timeoutMs",
                json!(1.5),
                "exchange.timeoutMs",
                "is not a whole number from 0 to 4294967295",
            ),
            (
                "/exchange/budgetMs",
                json!(-1),
                "exchange.budgetMs",
                "is not a whole number from 0 to 4294967295",
            ),
            (
                "/exchange/credentials",
                json!("same_origin"),
                "exchange.credentials",
                NOT_A_NAME,
            ),
            (
                "/exchange/deviceInfo",
                json!({}),
                "exchange.deviceInfo",
                NOT_A_STRING,
            ),
            (
                "/legacy/source/storage/area",
                json!("local"),
                "legacy.source.storage.area",
                NOT_A_NAME,
            ),
            (
                "/legacy/source/storage/pointers",
                json!([]),
                "legacy.source.storage.pointers",
                "is not an object",
            ),
            (
                "/legacy/source/storage/pointers/accessToken",
                json!(0),
                "legacy.source.storage.pointers.accessToken",
                NOT_A_STRING,
            ),
            ("/cleanup", json!("Remove"), "cleanup", NOT_A_NAME),
            ("/dryRun", json!("false"), "dryRun", "is not true or false"),
            ("/keys", json!(null), "keys", "is missing"),
            ("/keys/lock", json!(true), "keys.lock", NOT_A_STRING),
        ] {
            assert_eq!(
                refused(read_with(pointer, value)),
                (field.to_owned(), what),
                "{pointer}"
            );
        }
        let mut options = normalised();
        options["exchange"]["retries"] = json!(3);
        assert_eq!(
            refused(read(&options)),
            ("exchange.retries".into(), "is not a field the engine knows")
        );
        options = normalised();
        options["debug"] = json!(true);
        assert_eq!(refused(read(&options)).0, "debug");
        options = normalised();
        options["keys"].as_object_mut().unwrap().remove("state");
        assert_eq!(refused(read(&options)), ("keys.state".into(), "is missing"));
        assert_eq!(
            refused(Options::parse("{")),
            ("options".into(), "are not JSON text")
        );
        assert_eq!(
            refused(Options::parse("[]")),
            ("options".into(), "is not an object")
        );
    }
}
