//! The facts the JS side needs without loading the engine, rendered from their one definition
//! here in Rust into `pkg/src/facts.js` (values) and `pkg/src/facts.d.ts` (the TypeScript
//! unions): the key maker, the state record's fields, the broadcast message, every code, and
//! where each preset looks.
//!
//! `tests/facts.rs` renders both files and compares them with the checked-in ones; on any
//! difference it writes the new text and fails, so a change on the Rust side cannot ship with a
//! stale JS side. Native only: none of this is in the Wasm.
//!
//! Where a preset looks depends on its options (Auth0's client ID narrows the key prefix,
//! Supabase's storage key replaces the key). The JS side gets, per preset and per set of the
//! options that change where it looks, the probe [`presets::probe`] computes for a spec whose
//! options are placeholders; it fills the placeholders with the app's values. So the JS side
//! knows exactly the locations the engine reads first, and decides nothing.

use alloc::collections::BTreeMap;
use core::fmt::Write;

use serde::Serialize;

use crate::core::event::Warning;
use crate::core::json::Named;
use crate::core::keys;
use crate::core::options::SourceSpec;
use crate::core::outcome::{DeferReason, RejectReason};
use crate::core::presets::{self, CookieMode, Preset, PresetSpec};
use crate::core::source::Unreadable;
use crate::core::state::{self, Status};

/// A placeholder for an option's value in a probe template.
fn placeholder(option: &str) -> String {
    format!("\u{1}{option}\u{1}")
}

/// The preset options that can change where a preset looks, as the JS side names them.
/// `cookie` is cookie mode without an indicator, `cookieIndicator` with one.
const LOCATION_OPTIONS: [&str; 10] = [
    "clientId",
    "audience",
    "scope",
    "storageKey",
    "authority",
    "apiKey",
    "appName",
    "prefix",
    "cookie",
    "cookieIndicator",
];

fn spec_with(preset: Preset, options: &[&str]) -> PresetSpec {
    let mut spec = PresetSpec::new(preset);
    for option in options {
        let value = Some(placeholder(option));
        match *option {
            "clientId" => spec.client_id = value,
            "audience" => spec.audience = value,
            "scope" => spec.scope = value,
            "storageKey" => spec.storage_key = value,
            "authority" => spec.authority = value,
            "apiKey" => spec.api_key = value,
            "appName" => spec.app_name = value,
            "prefix" => spec.prefix = value,
            "cookie" => spec.cookie = Some(CookieMode::default()),
            "cookieIndicator" => spec.cookie = Some(CookieMode { indicator: value }),
            other => unreachable!("{other} is not a location option"),
        }
    }
    spec
}

fn probe_of(preset: Preset, options: &[&str]) -> Option<Vec<state::Probe>> {
    presets::probe(&SourceSpec::Preset(spec_with(preset, options)))
}

/// One place, compactly: `<area>=<key>`, `<area>*<prefix>` or `<area>~<contained text>`;
/// no area's name holds `=`, `*` or `~`, and no place a space (places are joined by spaces).
fn place(probe: &state::Probe) -> String {
    let area = probe.area.as_str();
    let place = match (&probe.key, &probe.prefix, &probe.contains) {
        (Some(key), _, _) => format!("{area}={key}"),
        (None, Some(prefix), _) => format!("{area}*{prefix}"),
        (None, None, Some(text)) => format!("{area}~{text}"),
        (None, None, None) => unreachable!("a probe names a key, a prefix or a text"),
    };
    assert!(!place.contains(' '), "{place}: a place holds a space");
    place
}

fn places(probe: Option<Vec<state::Probe>>) -> Option<Vec<String>> {
    probe.map(|probe| probe.iter().map(place).collect())
}

/// The subsets of `options`, in their order; the last is `options` itself.
fn subsets<'a>(options: &[&'a str]) -> Vec<Vec<&'a str>> {
    (0..(1u32 << options.len()))
        .map(|mask| {
            options
                .iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, option)| *option)
                .collect()
        })
        .collect()
}

/// Per preset, for each set of the options that change where it looks (the option names
/// present, in their order, joined by `,`; every subset, the full set last), the places of its
/// probe joined by spaces, each written as [`place`] does; none: only the engine can tell.
/// Cookie mode is factored out, and checked here for every set: an indicator cookie adds one
/// place, `cookie=<indicator>`; without one, only the engine can tell.
fn preset_probes(preset: Preset) -> Vec<(String, String)> {
    let plain: Vec<&'static str> = LOCATION_OPTIONS[..LOCATION_OPTIONS.len() - 2].to_vec();
    // An option matters when adding it to any combination of the others changes the probe
    // (oidc-client-ts reads one exact key only with both `authority` and `clientId`).
    let all = subsets(&plain);
    let options: Vec<&'static str> = plain
        .iter()
        .copied()
        .filter(|option| {
            all.iter()
                .filter(|chosen| !chosen.contains(option))
                .any(|chosen| {
                    let mut with = chosen.clone();
                    with.push(option);
                    with.sort_by_key(|name| plain.iter().position(|o| o == name));
                    probe_of(preset, chosen) != probe_of(preset, &with)
                })
        })
        .collect();
    let indicator = place(&state::Probe {
        area: crate::core::source::Area::Cookie,
        key: Some(placeholder("cookieIndicator")),
        prefix: None,
        contains: None,
    });
    subsets(&options)
        .into_iter()
        .map(|chosen| {
            let base = places(probe_of(preset, &chosen)).unwrap_or_default();
            let with = |extra: &'static str| {
                let mut with = chosen.clone();
                with.push(extra);
                places(probe_of(preset, &with))
            };
            let mut expected = base.clone();
            expected.push(indicator.clone());
            assert_eq!(
                with("cookieIndicator"),
                Some(expected),
                "{preset:?} {chosen:?}: an indicator adds its cookie"
            );
            assert_eq!(
                with("cookie"),
                None,
                "{preset:?} {chosen:?}: cookie mode without an indicator is the engine's to tell"
            );
            (chosen.join(","), base.join(" "))
        })
        .collect()
}

/// A JSON object of `entries`, in their order.
fn object(entries: impl IntoIterator<Item = (String, String)>) -> String {
    let entries: Vec<String> = entries
        .into_iter()
        .map(|(name, value)| format!("{}:{value}", json(&name)))
        .collect();
    format!("{{{}}}", entries.join(","))
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("facts serialise")
}

fn strings(codes: impl IntoIterator<Item = &'static str>) -> Vec<&'static str> {
    codes.into_iter().collect()
}

fn union(name: &str, doc: &str, codes: &[&str]) -> String {
    let mut text = format!("/** {doc} */\nexport type {name} =\n");
    for code in codes {
        let _ = writeln!(text, "  | {}", json(code));
    }
    text.pop();
    text.push_str(";\n");
    text
}

const HEADER: &str = "// Generated from the Rust definitions (src/facts.rs) by `cargo test --test facts`: do not edit.\n";

fn statuses() -> Vec<String> {
    Status::ALL
        .iter()
        .map(|status| status.name().to_owned())
        .collect()
}

/// `pkg/src/facts.js`.
pub fn js() -> String {
    let mut text = String::from(HEADER);
    let key_templates: BTreeMap<&str, [&str; 2]> = keys::ALL
        .iter()
        .map(|key| (key.name, [key.before, key.after]))
        .collect();
    let _ = writeln!(
        text,
        "\n/** Storage keys per container: `before + name + after` (src/core/keys.rs). */\nexport const KEYS = {};",
        json(&key_templates)
    );
    let status: BTreeMap<String, String> = statuses().into_iter().map(|s| (s.clone(), s)).collect();
    let _ = writeln!(
        text,
        "\n/** The state record (src/core/state.rs): its version, and its statuses. */\nexport const STATE_VERSION = {};\nexport const STATUS = {};",
        state::VERSION,
        json(&status)
    );
    let _ = writeln!(
        text,
        "\n/** The message a tab posts when it finished a migration (src/core/keys.rs). */\nexport const BROADCAST = {};",
        json(&BTreeMap::from([
            ("typeField", keys::BROADCAST_TYPE_FIELD),
            ("migrated", keys::BROADCAST_MIGRATED),
            ("atField", keys::BROADCAST_AT_FIELD),
        ]))
    );
    let warnings: BTreeMap<&str, &str> = Warning::ALL
        .iter()
        .filter(|warning| !matches!(warning, Warning::InvalidAnswer(_)))
        .map(|warning| (warning.as_str(), warning.as_str()))
        .collect();
    let _ = writeln!(
        text,
        "\n/** Warning codes the JS side emits itself (src/core/event.rs). */\nexport const WARNING = {};",
        json(&warnings)
    );
    let _ = writeln!(
        text,
        "\n/** How long a function of the app's may take to settle (src/engine/device.rs). */\nexport const APP_CALL_TIMEOUT_MS = {};",
        crate::engine::device::APP_CALL_TIMEOUT_MS
    );
    let _ = writeln!(
        text,
        "\n/** supabase-js's default `storageKey`: `before + project ref + after` (src/core/presets/supabase.rs). */\nexport const SUPABASE_DEFAULT_KEY = {};",
        json(&presets::supabase::DEFAULT_KEY)
    );
    let probes = object(Preset::ALL.iter().map(|preset| {
        let sets = preset_probes(*preset).into_iter();
        (
            preset.as_str().to_owned(),
            object(sets.map(|(set, places)| (set, json(&places)))),
        )
    }));
    let _ = writeln!(
        text,
        "\n/**\n * Where each preset looks first (src/core/presets/), per set of the options that change it\n * (their names, in order, joined by \",\"; every set, the one of them all last): its places,\n * joined by spaces, `<area>=<key>`, `<area>*<prefix>` or `<area>~<part>`, where `\\u0001<option>\\u0001`\n * stands for the option's value (lowercased: for the value lowercased, as MSAL's keys are).\n * An indicator cookie adds `cookie=<indicator>`; cookie mode without one: only the engine can tell.\n */\nexport const PRESET_PROBES = {probes};"
    );
    text
}

/// `pkg/src/facts.d.ts`.
pub fn dts() -> String {
    let mut text = String::from(HEADER);
    text.push('\n');
    text.push_str(&union(
        "RejectReason",
        "Why a credential was rejected (src/core/outcome.rs). Permanent for that credential.",
        &strings(RejectReason::ALL.iter().map(|reason| reason.as_str())),
    ));
    text.push('\n');
    text.push_str(&union(
        "DeferReason",
        "Why the migration did not happen now (src/core/outcome.rs). Transient: nothing was lost.",
        &strings(DeferReason::ALL.iter().map(|reason| reason.as_str())),
    ));
    text.push('\n');
    text.push_str(&union(
        "WarningCode",
        "Something went wrong that did not change the outcome (src/core/event.rs).",
        &strings(Warning::ALL.iter().map(|warning| warning.as_str())),
    ));
    text.push('\n');
    text.push_str(&union(
        "Unreadable",
        "Why a value that was there did not yield a session (src/core/source.rs).",
        &strings(Unreadable::ALL.iter().map(|why| why.as_str())),
    ));
    text.push('\n');
    text.push_str(&union(
        "LegacyPresetName",
        "The legacy SDKs a preset reads (src/core/presets/).",
        &strings(
            Preset::ALL
                .iter()
                .filter(|preset| **preset != Preset::Cookie)
                .map(|preset| preset.as_str()),
        ),
    ));
    text
}
