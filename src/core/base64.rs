//! Unpadded base64url (RFC 4648 §5), the one encoding the engine reads and writes: JWT
//! segments, Supabase's `base64-` cookies, the device info it sends.
//!
//! Decoding is as strict as base64ct's `Base64UrlUnpadded`, the decoder jwt-compact reads
//! tokens with: no padding, no other alphabet, and the bits past the last byte zero (one text
//! per byte string). The test holds both functions to base64ct; base64ct itself weighed 3 KB
//! of the module for what is two loops here.

use crate::prelude::*;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut group = 0u32;
        for (at, byte) in chunk.iter().enumerate() {
            group |= u32::from(*byte) << (16 - 8 * at);
        }
        for at in 0..=chunk.len() {
            text.push(char::from(ALPHABET[(group >> (18 - 6 * at)) as usize & 63]));
        }
    }
    text
}

/// The bytes `text` encodes, or `None` when it is not canonical unpadded base64url.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut group = 0u32;
        for (at, symbol) in chunk.iter().enumerate() {
            group |= value(*symbol)? << (18 - 6 * at);
        }
        let len = chunk.len() - 1;
        if group & (0x00ff_ffff >> (8 * len)) != 0 {
            return None;
        }
        bytes.extend_from_slice(&group.to_be_bytes()[1..=len]);
    }
    Some(bytes)
}

fn value(symbol: u8) -> Option<u32> {
    let value = match symbol {
        b'A'..=b'Z' => symbol - b'A',
        b'a'..=b'z' => symbol - b'a' + 26,
        b'0'..=b'9' => symbol - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

    /// Every text of up to five symbols over an alphabet that has each class of symbol (both
    /// ends of each range, padding, the standard alphabet's `+` and `/`, a byte past ASCII):
    /// accepted and decoded exactly as base64ct does.
    #[test]
    fn decodes_as_base64ct() {
        let symbols = [
            "A", "B", "Q", "Z", "a", "z", "0", "9", "-", "_", "=", "+", "/", "é",
        ];
        let mut texts = vec![String::new()];
        let mut checked = 0;
        for _ in 0..5 {
            let mut longer = Vec::new();
            for text in &texts {
                for symbol in symbols {
                    let text = concat(&[text.as_str(), symbol]);
                    assert_eq!(
                        decode(&text),
                        Base64UrlUnpadded::decode_vec(&text).ok(),
                        "{text:?}"
                    );
                    checked += 1;
                    longer.push(text);
                }
            }
            texts = longer;
        }
        assert!(checked > 500_000);
    }

    #[test]
    fn encodes_as_base64ct() {
        let bytes: Vec<u8> = (0..=255).chain((0..=255).rev()).collect();
        for start in 0..bytes.len() {
            for len in 0..8.min(bytes.len() - start) {
                let slice = &bytes[start..start + len];
                let text = encode(slice);
                assert_eq!(text, Base64UrlUnpadded::encode_string(slice));
                assert_eq!(decode(&text).as_deref(), Some(slice));
            }
        }
    }
}
