//! `document.cookie`: read, written back, expired.

use crate::core::presets::Preset;
use crate::prelude::*;

/// The value of cookie `name` in a `document.cookie` string, percent-decoded when it decodes to
/// UTF-8 (most libraries write `encodeURIComponent(value)`).
pub fn find(cookies: &str, name: &str) -> Option<String> {
    cookies.split(';').find_map(|pair| {
        let (key, value) = pair.trim_start().split_once('=')?;
        (key == name).then(|| decode(value))
    })
}

/// Every cookie name in a `document.cookie` string.
pub fn names(cookies: &str) -> impl Iterator<Item = &str> {
    cookies
        .split(';')
        .filter_map(|pair| pair.trim_start().split_once('=').map(|(key, _)| key))
}

/// Appends `byte` as `%XX`, uppercase, as URL and cookie encoders escape a byte.
pub fn push_percent_escaped(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0x0f)]));
}

/// `value` with its `%XX` escapes decoded, when that is UTF-8; as it is otherwise. A `%` not
/// followed by two hex digits stays, as `percent_encoding` leaves it, whose decoder is not
/// worth its code in the Wasm for this.
fn decode(value: &str) -> String {
    let hex = |byte: Option<&u8>| char::from(*byte?).to_digit(16);
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match (byte, hex(bytes.get(at + 1)), hex(bytes.get(at + 2))) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits: below 256.
                decoded.push((high * 16 + low) as u8);
                at += 3;
            }
            _ => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|_| value.to_owned())
}

/// `SameSite` of a cookie the engine writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    None,
}

/// The attributes a cookie is written back with. Page JavaScript cannot read a cookie's
/// attributes, so those of the SDK that set it are known per SDK, from its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attributes {
    /// `None`: a session cookie.
    pub max_age_seconds: Option<u64>,
    pub same_site: SameSite,
    /// Set even on http pages (only where the SDK's default is a `Secure` cookie on every page).
    pub secure: bool,
}

/// Chrome's limit on a cookie's lifetime; SDKs that ask for more get this.
const MAX_LIFETIME: u64 = 400 * 24 * 60 * 60;

impl Attributes {
    /// A legacy cookie of unknown origin (`legacy.storage: "cookie"`): a session cookie for
    /// the whole site, as most libraries write by default.
    pub const DEFAULT: Self = Self {
        max_age_seconds: None,
        same_site: SameSite::Lax,
        secure: false,
    };

    /// The attributes the SDK behind `preset` writes its cookies with, by default.
    pub const fn of(preset: Preset) -> Self {
        match preset {
            // @supabase/ssr `src/utils/constants.ts` DEFAULT_COOKIE_OPTIONS: path "/",
            // sameSite "lax", maxAge 400 days.
            Preset::Supabase => Self {
                max_age_seconds: Some(MAX_LIFETIME),
                ..Self::DEFAULT
            },
            // Amplify `packages/core/src/storage/CookieStorage.ts`: path "/", expires 365 days;
            // `ssr: true` asks for sameSite "lax".
            Preset::Amplify | Preset::Cognito => Self {
                max_age_seconds: Some(365 * 24 * 60 * 60),
                ..Self::DEFAULT
            },
            // okta-auth-js `lib/browser/browserStorage.ts`: expires 2200-01-01 (capped by the
            // browser), secure on https, and then sameSite "none".
            Preset::Okta => Self {
                max_age_seconds: Some(MAX_LIFETIME),
                same_site: SameSite::None,
                secure: false,
            },
            _ => Self::DEFAULT,
        }
    }
}

/// The assignment that sets cookie `name` to an already encoded value, site-wide (`Path=/`).
/// `Secure` on https pages: a token cookie must not travel over plain http. `SameSite=None`
/// needs `Secure`, so on http it falls back to `Lax`, as the SDKs do.
pub fn assign(name: &str, encoded_value: &str, attributes: Attributes, https: bool) -> String {
    let secure = https || attributes.secure;
    let same_site = match attributes.same_site {
        SameSite::None if secure => "None",
        _ => "Lax",
    };
    let mut assignment = concat(&[name, "=", encoded_value, "; Path=/; SameSite=", same_site]);
    if let Some(max_age) = attributes.max_age_seconds {
        assignment.push_str("; Max-Age=");
        crate::core::json::push_decimal(&mut assignment, max_age, false);
    }
    if secure {
        assignment.push_str("; Secure");
    }
    assignment
}

/// The assignment that deletes cookie `name` set with `path`: same name and path, in the past.
pub fn expire(name: &str, path: &str) -> String {
    concat(&[name, "=; Max-Age=0; Path=", path, "; SameSite=Lax"])
}

/// The domains a cookie of this page may have been set for: the host and each parent domain
/// (not the top-level one); an IP address has none but itself.
pub fn domains(host: &str) -> Vec<&str> {
    let is_ip =
        host.as_bytes().contains(&b':') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut domains = vec![host];
    let mut domain = host;
    while let Some((_, parent)) = domain.split_once('.') {
        if is_ip || !parent.as_bytes().contains(&b'.') {
            break;
        }
        domains.push(parent);
        domain = parent;
    }
    domains
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_as_percent_encoding_does() {
        for value in [
            "",
            "plain",
            "a%20b",
            "%",
            "%4",
            "%4g",
            "%%41",
            "%41%42",
            "%e2%82%ac",
            "%E2%82%AC",
            "%ff",
            "%C3",
            "100%",
            "%2",
            "a%zzb",
            "%0a%0A",
            "é%C3%A9",
        ] {
            let theirs = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_or_else(|_| value.to_owned(), |decoded| decoded.into_owned());
            assert_eq!(decode(value), theirs, "{value}");
        }
    }

    #[test]
    fn finds_and_decodes() {
        let jar = "a=1; legacy=%7B%22t%22%3A%22x%22%7D; b=2=3; bad=%E0%A4%A";
        assert_eq!(find(jar, "legacy").as_deref(), Some(r#"{"t":"x"}"#));
        assert_eq!(find(jar, "b").as_deref(), Some("2=3"));
        assert_eq!(find(jar, "bad").as_deref(), Some("%E0%A4%A"));
        assert_eq!(find(jar, "missing"), None);
        assert_eq!(find("", "a"), None);
        assert_eq!(names(jar).collect::<Vec<_>>(), ["a", "legacy", "b", "bad"]);
    }

    #[test]
    fn assignments() {
        assert_eq!(expire("s", "/"), "s=; Max-Age=0; Path=/; SameSite=Lax");
        let okta = Attributes::of(Preset::Okta);
        let cases = [
            (Attributes::DEFAULT, false, "k=v; Path=/; SameSite=Lax"),
            (
                Attributes::DEFAULT,
                true,
                "k=v; Path=/; SameSite=Lax; Secure",
            ),
            // The SDKs' own lifetimes and scopes, Secure on https.
            (
                Attributes::of(Preset::Supabase),
                true,
                "k=v; Path=/; SameSite=Lax; Max-Age=34560000; Secure",
            ),
            (
                Attributes::of(Preset::Cognito),
                false,
                "k=v; Path=/; SameSite=Lax; Max-Age=31536000",
            ),
            (
                okta,
                true,
                "k=v; Path=/; SameSite=None; Max-Age=34560000; Secure",
            ),
            // SameSite=None without Secure is refused by browsers: Lax on http, as okta-auth-js does.
            (okta, false, "k=v; Path=/; SameSite=Lax; Max-Age=34560000"),
        ];
        for (attributes, https, expected) in cases {
            assert_eq!(assign("k", "v", attributes, https), expected);
        }
    }

    #[test]
    fn parent_domains() {
        assert_eq!(
            domains("a.b.example.com"),
            ["a.b.example.com", "b.example.com", "example.com"]
        );
        assert_eq!(domains("localhost"), ["localhost"]);
        assert_eq!(domains("127.0.0.1"), ["127.0.0.1"]);
    }
}
