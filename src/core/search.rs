//! Searching text for text, byte by byte.
//!
//! `str::contains`, `split_once` and `replace` with a `&str` pattern run core's two-way
//! searcher, which with its panic paths weighs some 4 KB of the module; the texts searched here
//! are storage keys, header values and short error bodies, for which a plain scan is as fast.
//! A match of a UTF-8 needle starts and ends on character boundaries, so the cuts are sound.

use crate::prelude::*;

/// Where `needle` first occurs in `haystack`, in bytes.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window == needle.as_bytes())
}

pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// The text before and after the first `separator`.
pub fn split_once<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let at = find(text, separator)?;
    Some((text.get(..at)?, text.get(at + separator.len()..)?))
}

/// `text` with every `from` replaced by `to`, left to right, as `str::replace` does for a
/// non-empty `from` (every caller's; an empty one replaces nothing, where std inserts `to`
/// between every character).
pub fn replace(text: &str, from: &str, to: &str) -> String {
    debug_assert!(!from.is_empty(), "replace() of an empty text");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = (!from.is_empty()).then(|| split_once(rest, from)).flatten() {
        out.push_str(before);
        out.push_str(to);
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal to std's own searches, on the cases that matter: none, several, overlapping,
    /// at either end, multi-byte characters, an empty needle.
    #[test]
    fn answers_as_std_does() {
        let cases = [
            ("", ""),
            ("", "a"),
            ("abc", ""),
            ("a::b::c", "::"),
            ("::", "::"),
            ("aaaa", "aa"),
            ("x~1y~0z~01", "~1"),
            ("x~1y~0z~01", "~0"),
            ("héllo wörld", "ö"),
            ("héllo", "lo"),
            ("Sun, 06 Nov 1994", ", "),
            ("abc", "abcd"),
        ];
        for (haystack, needle) in cases {
            assert_eq!(
                find(haystack, needle),
                haystack.find(needle),
                "{haystack:?} {needle:?}"
            );
            assert_eq!(contains(haystack, needle), haystack.contains(needle));
            assert_eq!(split_once(haystack, needle), haystack.split_once(needle));
            if !needle.is_empty() {
                assert_eq!(
                    replace(haystack, needle, "[r]"),
                    haystack.replace(needle, "[r]")
                );
            }
        }
    }
}
