//! Every legacy preset's reader, over whatever another script or an older SDK left in storage.
//!
//! Input: byte 0 picks the preset, byte 1 its options (bit 0: configured options, bit 1: cookie
//! mode), then lines `<d><suffix>\t<value>`: the digit `d` picks one of the entries the preset asks for
//! (given the lines so far, so MSAL's second round is reached), `suffix` completes a key prefix.
#![no_main]

use authgear_migrate::core::presets::{CookieMode, Preset, PresetSpec, Want, parse, sealed, wants};
use authgear_migrate::core::source::Entry;
use libfuzzer_sys::fuzz_target;

const NOW_S: i64 = 1_800_000_000;

const PRESETS: [Preset; 15] = [
    Preset::Auth0Spa,
    Preset::Firebase,
    Preset::Amplify,
    Preset::Cognito,
    Preset::Supabase,
    Preset::Okta,
    Preset::Msal,
    Preset::OidcClientTs,
    Preset::Descope,
    Preset::Stytch,
    Preset::Privy,
    Preset::Kinde,
    Preset::Clerk,
    Preset::Authjs,
    Preset::Cookie,
];

fn spec(preset: Preset, flags: u8) -> PresetSpec {
    let mut spec = PresetSpec::new(preset);
    if flags & 1 != 0 {
        spec.client_id = Some("client1".into());
        spec.audience = Some("https://api.example".into());
        spec.scope = Some("openid profile".into());
        spec.authority = Some("https://idp.example".into());
        spec.api_key = Some("AIzaKey".into());
        spec.app_name = Some("[DEFAULT]".into());
    }
    if flags & 2 != 0 {
        spec.cookie = Some(CookieMode::default());
    }
    spec
}

fuzz_target!(|data: &[u8]| {
    let [pick, flags, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let spec = spec(PRESETS[usize::from(*pick) % PRESETS.len()], *flags);
    let mut entries: Vec<Entry> = Vec::new();
    for line in text.split('\n') {
        let mut chars = line.chars();
        let Some(choice) = chars.next() else {
            continue;
        };
        let wanted = wants(&spec, &entries);
        if wanted.is_empty() {
            break;
        }
        let (suffix, value) = chars
            .as_str()
            .split_once('\t')
            .unwrap_or(("", chars.as_str()));
        // Digits in the seeds; any other character picks some entry too.
        let choice = (choice as usize).wrapping_sub('0' as usize) % wanted.len();
        let (area, key) = match &wanted[choice] {
            Want::Key(area, key) => (*area, key.clone()),
            Want::Prefix(area, prefix) => (*area, format!("{prefix}{suffix}")),
            Want::Containing(area, text) => (*area, format!("{suffix}{text}{suffix}")),
        };
        entries.push(Entry {
            area,
            key,
            value: value.to_owned(),
        });
    }
    if let Some(sealed) = sealed(&spec, &entries) {
        assert!(sealed.items.iter().all(|item| item.index < entries.len()));
    }
    if let Ok(Some(session)) = parse(&spec, &entries, NOW_S) {
        // Cleanup removes what the session lists: only ever entries that were read.
        for read in &session.entries {
            assert!(
                entries
                    .iter()
                    .any(|entry| entry.area == read.area && entry.key == read.key),
                "{read:?} was never read"
            );
        }
    }
});
