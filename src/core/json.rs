//! JSON, read and written by one small walker instead of one serde deserialiser per shape.
//!
//! Every shape the engine reads (options, legacy SDK records, the state record, the endpoint's
//! answer, JWT claims) is parsed into a [`Json`] tree and read with [`Json::get`] and the `as_*`
//! accessors. One parser, instantiated once, is what keeps the Wasm small (issue 15): serde_json
//! cost a monomorphised deserialiser per struct, and float formatting besides.
//!
//! The grammar is RFC 8259's, as strict as `JSON.parse`: no trailing commas, no leading zeros,
//! no comments. Two choices differ from a general-purpose library, both on purpose:
//! - numbers keep their text. A record the engine rewrites (a legacy SDK's, after the endpoint
//!   hands back rotated tokens) is written back byte for byte in every field it did not change,
//!   and the engine reads integers ([`Json::as_i64`]); only a token's claims are read as
//!   serde_json reads a number ([`serde_f64`]: integer arithmetic and one `f64` product or
//!   quotient), so there is no float parsing or formatting code.
//! - a duplicate key reads as its last value, as `JSON.parse` and so the legacy SDKs read it.

use core::fmt;

use crate::core::search;
use crate::prelude::*;

/// A parsed JSON value. Objects keep their keys in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text exactly as written (already checked against the grammar).
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Why a text is not JSON: what was wrong, and the byte offset where it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl core::error::Error for JsonError {}

/// A key given more than once where one occurrence is allowed; see [`Json::member`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeated;

/// A closed set of names (an enum written as its name), read back with [`Named::from_name`].
pub trait Named: Copy + 'static {
    const ALL: &'static [Self];

    fn name(self) -> &'static str;

    fn from_name(name: &str) -> Option<Self> {
        for value in Self::ALL {
            if value.name() == name {
                return Some(*value);
            }
        }
        None
    }
}

/// A code enum with its names and its [`Named`] list, written once: a variant cannot be left
/// out of `ALL` (it would not read back) nor lack its name.
macro_rules! named_codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$attr:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$attr])* $variant,)+
        }

        impl $crate::core::json::Named for $name {
            const ALL: &'static [Self] = &[$(Self::$variant,)+];

            fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl $name {
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }
        }
    };
}
pub(crate) use named_codes;

/// Deeper than any record an SDK writes; a bound so hostile storage cannot exhaust the stack.
/// serde_json's own (its recursion limit of 128 counts the outermost value): JWTs nested deeper
/// are refused as jwt-compact refuses them.
const MAX_DEPTH: usize = 127;

impl Json {
    /// Parses a whole text: one value, surrounded by nothing but whitespace.
    pub fn parse(text: &str) -> Result<Self, JsonError> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            text,
            at: 0,
        };
        let value = parser.value(0)?;
        parser.skip_whitespace();
        if parser.at != parser.bytes.len() {
            return Err(parser.error("text after the JSON value"));
        }
        Ok(value)
    }

    /// An object from `(key, value)` pairs, in order. A `Vec`, not any iterator: one body for
    /// every caller rather than one per array length.
    pub fn object(pairs: Vec<(&str, Json)>) -> Self {
        let mut members = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            members.push((key.to_owned(), value));
        }
        Self::Object(members)
    }

    /// The member `key` of an object (its last occurrence); `None` for a missing key or a
    /// value that is not an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Self::Object(members) => members
                .iter()
                .rev()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// The member named one of `names` (a field and its aliases), found as serde's derive finds
    /// a struct's field: given more than once is [`Repeated`], where [`get`](Self::get) takes
    /// the last. For the shapes whose serde reading refused a repeat.
    pub fn member(&self, names: &[&str]) -> Result<Option<&Json>, Repeated> {
        let mut found = None;
        for (key, value) in self.as_object().unwrap_or_default() {
            if names.contains(&key.as_str()) && found.replace(value).is_some() {
                return Err(Repeated);
            }
        }
        Ok(found)
    }

    /// [`get`](Self::get), with `null` read as absent: how every optional field is read.
    pub fn field(&self, key: &str) -> Option<&Json> {
        self.get(key).filter(|value| !value.is_null())
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key)?.as_i64()
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key)?.as_bool()
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// An array of strings, and nothing else.
    pub fn as_strings(&self) -> Option<Vec<String>> {
        let mut strings = Vec::new();
        for item in self.as_array()? {
            strings.push(item.as_str()?.to_owned());
        }
        Some(strings)
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Self::Object(members) => Some(members),
            _ => None,
        }
    }

    /// Whether serde_json reads every number in this value, at any depth, as a finite `f64`
    /// ([`serde_f64`]): it refuses one out of range where it buffers a value (serde's flattened
    /// fields, as jwt-compact's header and claims are), and so does [`token`](crate::core::token).
    pub fn numbers_are_finite(&self) -> bool {
        match self {
            Self::Number(text) => serde_f64(text).is_some(),
            Self::Array(items) => items.iter().all(Self::numbers_are_finite),
            Self::Object(members) => members.iter().all(|(_, value)| value.numbers_are_finite()),
            Self::Null | Self::Bool(_) | Self::String(_) => true,
        }
    }

    /// A number as a whole number, its fraction cut toward zero (`1712345678.9` is
    /// `1712345678`, `1.5e3` is `1500`); `None` for a non-number or one outside `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Number(text) => whole_number(text),
            _ => None,
        }
    }

    /// The value an RFC 6901 JSON pointer names (`""` is the whole value, `/a/0` the first
    /// item of member `a`; `~1` is `/`, `~0` is `~`), as serde_json's `Value::pointer` reads it:
    /// an array index is digits without a leading zero. A duplicate key is its last value.
    pub fn pointer(&self, pointer: &str) -> Option<&Json> {
        let mut target = self;
        for token in pointer_tokens(pointer)? {
            target = match target {
                Self::Object(_) => target.get(&token)?,
                Self::Array(items) => items.get(array_index(&token)?)?,
                _ => return None,
            };
        }
        Some(target)
    }

    /// [`pointer`](Self::pointer), for writing in place.
    pub fn pointer_mut(&mut self, pointer: &str) -> Option<&mut Json> {
        let mut target = self;
        for token in pointer_tokens(pointer)? {
            target = match target {
                Self::Object(members) => members
                    .iter_mut()
                    .rev()
                    .find(|(name, _)| *name == token)
                    .map(|(_, value)| value)?,
                Self::Array(items) => items.get_mut(array_index(&token)?)?,
                _ => return None,
            };
        }
        Some(target)
    }

    /// A number written as a whole number (`-?[0-9]+`), as serde reads a typed integer field:
    /// `None` for `1.5`, `1e3`, a non-number, or one outside `T` (a negative one for unsigned).
    pub fn as_integer<T: TryFrom<u64> + TryFrom<i64>>(&self) -> Option<T> {
        match self {
            // The text has passed the grammar: `integer` sees no `+`, no leading zero, and
            // refuses a fraction or an exponent.
            Self::Number(text) => integer(text),
            _ => None,
        }
    }

    /// The object with `key: value` appended: an object written field by field, its keys
    /// the caller's own and distinct. Does nothing to a non-object.
    pub fn with(self, key: &str, value: impl Into<Json>) -> Self {
        self.with_json(key, value.into())
    }

    // The one body every `with::<T>` calls: only the conversion is instantiated per type.
    #[inline(never)]
    fn with_json(mut self, key: &str, value: Json) -> Self {
        if let Self::Object(members) = &mut self {
            members.push((key.to_owned(), value));
        }
        self
    }

    /// [`with`](Self::with), leaving the field out for `None`: how an optional field is omitted.
    pub fn with_some(self, key: &str, value: Option<impl Into<Json>>) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// Sets `key` of an object, in place of its value if present (every occurrence but the
    /// first is dropped) or at the end. Does nothing to a non-object.
    pub fn set(&mut self, key: &str, value: Json) {
        if let Self::Object(members) = self {
            // Taken by the first occurrence: no copy of the value.
            let mut value = Some(value);
            members.retain_mut(|(name, slot)| {
                if name != key {
                    return true;
                }
                match value.take() {
                    Some(value) => {
                        *slot = value;
                        true
                    }
                    None => false,
                }
            });
            if let Some(value) = value {
                members.push((key.to_owned(), value));
            }
        }
    }

    /// Removes every occurrence of `key` from an object.
    pub fn remove(&mut self, key: &str) {
        if let Self::Object(members) = self {
            members.retain(|(name, _)| name != key);
        }
    }

    /// The compact text, as `JSON.stringify` writes it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    pub fn write(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(true) => out.push_str("true"),
            Self::Bool(false) => out.push_str("false"),
            Self::Number(text) => out.push_str(text),
            Self::String(text) => write_string(text, out),
            Self::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Self::Object(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Self::String(text.to_owned())
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Self::String(text)
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i64> for Json {
    fn from(value: i64) -> Self {
        let mut text = String::new();
        push_decimal(&mut text, value.unsigned_abs(), value < 0);
        Self::Number(text)
    }
}

impl From<u64> for Json {
    fn from(value: u64) -> Self {
        let mut text = String::new();
        push_decimal(&mut text, value, false);
        Self::Number(text)
    }
}

impl From<u32> for Json {
    fn from(value: u32) -> Self {
        Self::from(u64::from(value))
    }
}

/// Appends `magnitude` in decimal, `-` first when `negative`: the engine's integers written
/// without `core::fmt`, whose integer formatting the Wasm would otherwise carry for them.
pub(crate) fn push_decimal(out: &mut String, magnitude: u64, negative: bool) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = magnitude;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if negative {
        out.push('-');
    }
    for digit in &digits[start..] {
        out.push(char::from(*digit));
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// A JSON string literal of `text`, escaped as `JSON.stringify` escapes it.
pub fn write_string(text: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(span(text, start, index));
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
        start = index + 1;
    }
    out.push_str(span(text, start, text.len()));
    out.push('"');
}

/// `text[from..to]`, for cuts at ASCII bytes (so on character boundaries): `get` spares the
/// module core's panic for a cut inside a character, and the formatting that panic brings.
fn span(text: &str, from: usize, to: usize) -> &str {
    text.get(from..to).unwrap_or_default()
}

/// A JSON pointer's reference tokens, unescaped; `None` for a pointer not starting with `/`.
fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    if !pointer.is_empty() {
        for token in pointer.strip_prefix('/')?.split('/') {
            tokens.push(search::replace(
                &search::replace(token, "~1", "/"),
                "~0",
                "~",
            ));
        }
    }
    Some(tokens)
}

/// An array index token: digits, no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    integer(token)
}

/// `text.parse::<T>()` for an integer type: a sign (`-` for signed types only), then decimal
/// digits, within `T`. One body for every type, where `parse` compiles one per type.
pub(crate) fn integer<T: TryFrom<u64> + TryFrom<i64>>(text: &str) -> Option<T> {
    match sign_and_digits(text, T::try_from(-1_i64).is_ok())? {
        Ok(magnitude) => T::try_from(magnitude).ok(),
        Err(negative) => T::try_from(negative).ok(),
    }
}

/// [`integer`]'s reading, shared by every type: `Ok` a magnitude, `Err` a negative value.
#[inline(never)]
fn sign_and_digits(text: &str, signed: bool) -> Option<Result<u64, i64>> {
    match text.as_bytes() {
        [b'-', digits @ ..] if signed => Some(Err(0_i64.checked_sub_unsigned(decimal(digits)?)?)),
        [b'+', digits @ ..] | digits => decimal(digits).map(Ok),
    }
}

/// Decimal digits, at least one, as a `u64`.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    Some(value)
}

/// See [`Json::as_i64`]. `text` has passed the grammar: `-? int frac? exp?`.
fn whole_number(text: &str) -> Option<i64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (
            span(rest, 0, at),
            integer::<i32>(span(rest, at + 1, rest.len()))?,
        ),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The digits, and how far the decimal point moves right of the last one.
    let shift = exponent.checked_sub(i32::try_from(fraction.len()).ok()?)?;
    let digits = whole.bytes().chain(fraction.bytes());
    let keep = if shift >= 0 {
        whole.len() + fraction.len()
    } else {
        (whole.len() + fraction.len()).saturating_sub(shift.unsigned_abs() as usize)
    };
    let mut value: i64 = 0;
    for digit in digits.take(keep) {
        value = value
            .checked_mul(10)?
            .checked_sub(i64::from(digit - b'0'))?;
    }
    for _ in 0..shift.max(0) {
        if value == 0 {
            break;
        }
        value = value.checked_mul(10)?;
    }
    // Accumulated as a negative number, so `i64::MIN` fits.
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

/// The `f64` serde_json (1.x, without `float_roundtrip`) reads the number `text` (valid JSON)
/// as, or `None` where it refuses it as out of range. Its reading, followed here digit for
/// digit: the digits that fit a `u64` are the significand (the integer part's further digits
/// only raise the power of ten; the fraction's are dropped), then one multiplication by, or
/// division by, a power of ten. Exact wherever a decision can turn on it: powers up to 10^22
/// are exact, and 10^289 to 10^308, the only ones that can overflow a `u64` significand, are
/// serde_json's literals; between them a value may be a rounding off, far from any range the
/// engine checks.
pub(crate) fn serde_f64(text: &str) -> Option<f64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.as_bytes()),
        None => (false, text.as_bytes()),
    };
    // Whether `significand * 10 + digit` would overflow, as serde_json's `overflow!` asks it.
    let overflows = |significand: u64, digit: u64| {
        significand >= u64::MAX / 10 && (significand > u64::MAX / 10 || digit > u64::MAX % 10)
    };
    let mut significand: u64 = 0;
    let mut power: i32 = 0;
    let mut at = 0;
    let mut long = false;
    while let Some(&c @ b'0'..=b'9') = digits.get(at) {
        let digit = u64::from(c - b'0');
        long = long || overflows(significand, digit);
        if long {
            power = power.saturating_add(1);
        } else {
            significand = significand * 10 + digit;
        }
        at += 1;
    }
    if digits.get(at) == Some(&b'.') {
        at += 1;
        while let Some(&c @ b'0'..=b'9') = digits.get(at) {
            let digit = u64::from(c - b'0');
            at += 1;
            if overflows(significand, digit) {
                while let Some(b'0'..=b'9') = digits.get(at) {
                    at += 1;
                }
                break;
            }
            significand = significand * 10 + digit;
            power = power.saturating_sub(1);
        }
    }
    if let Some(b'e' | b'E') = digits.get(at) {
        let (minus, exponent) = match &digits[at + 1..] {
            [b'-', rest @ ..] => (true, rest),
            [b'+', rest @ ..] | rest => (false, rest),
        };
        let mut value: i32 = 0;
        for digit in exponent {
            let digit = i32::from(digit - b'0');
            if value >= i32::MAX / 10 && (value > i32::MAX / 10 || digit > i32::MAX % 10) {
                // An exponent past i32: zero for a zero significand or a negative exponent.
                return (significand == 0 || minus).then_some(if negative { -0.0 } else { 0.0 });
            }
            value = value * 10 + digit;
        }
        power = if minus {
            power.saturating_sub(value)
        } else {
            power.saturating_add(value)
        };
    }
    let mut value = significand as f64;
    if value != 0.0 {
        if power > 308 {
            return None;
        }
        if power >= 0 {
            value *= power_of_ten(power);
            if value.is_infinite() {
                return None;
            }
        } else {
            while power < -308 {
                value /= 1e308;
                power += 308;
            }
            value /= power_of_ten(-power);
        }
    }
    Some(if negative { -value } else { value })
}

/// 10^`power`, 0 to 308: see [`serde_f64`] for where it is exact.
fn power_of_ten(power: i32) -> f64 {
    const EDGE: [f64; 20] = [
        1e289, 1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301,
        1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
    ];
    if let Some(edge) = power.checked_sub(289).and_then(|at| EDGE.get(at as usize)) {
        return *edge;
    }
    let mut value = 1.0;
    for _ in 0..power {
        value *= 10.0;
    }
    value
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> JsonError {
        JsonError { at: self.at, what }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("an unknown word"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.error("the text ends where a value was expected")),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(open @ (b'[' | b'{')) => {
                if depth == MAX_DEPTH {
                    return Err(self.error("nested too deep"));
                }
                self.at += 1;
                if open == b'[' {
                    self.array(depth + 1)
                } else {
                    self.object(depth + 1)
                }
            }
            Some(_) => Err(self.error("an unexpected character")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.error("an array missing a comma or ']'"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("an object key that is not a string"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if !self.eat(b':') {
                return Err(self.error("an object key without ':'"));
            }
            members.push((key, self.value(depth)?));
            self.skip_whitespace();
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.error("an object missing a comma or '}'"));
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.at;
        self.eat(b'-');
        let leading_zero = self.peek() == Some(b'0');
        let whole = self.digits();
        if whole == 0 || (leading_zero && whole > 1) {
            return Err(self.error("a malformed number"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.error("a malformed number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return Err(self.error("a malformed number"));
            }
        }
        Ok(Json::Number(span(self.text, start, self.at).to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .ok_or_else(|| self.error("a short \\u escape"))?;
        let mut value = 0;
        for &digit in digits {
            let nibble = (digit as char)
                .to_digit(16)
                .ok_or_else(|| self.error("a malformed \\u escape"))?;
            value = value * 16 + nibble;
        }
        self.at += 4;
        Ok(value)
    }

    /// A string literal; `self.at` is on its opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut out = String::new();
        let mut run = self.at;
        loop {
            match self.peek() {
                None => return Err(self.error("an unterminated string")),
                Some(b'"') => {
                    out.push_str(span(self.text, run, self.at));
                    self.at += 1;
                    return Ok(out);
                }
                Some(0..0x20) => return Err(self.error("a control character in a string")),
                Some(b'\\') => {
                    out.push_str(span(self.text, run, self.at));
                    self.at += 1;
                    let escaped = self
                        .peek()
                        .ok_or_else(|| self.error("an unterminated string"))?;
                    self.at += 1;
                    match escaped {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.escaped_char()?),
                        _ => return Err(self.error("an unknown escape")),
                    }
                    run = self.at;
                }
                Some(_) => self.at += 1,
            }
        }
    }

    /// The character of a `\u` escape (after the `u`), a surrogate pair read as one. A lone
    /// surrogate, which `JSON.parse` would keep, has no place in a Rust string: refused.
    fn escaped_char(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&first) {
            if !(self.eat(b'\\') && self.eat(b'u')) {
                return Err(self.error("a lone surrogate in a \\u escape"));
            }
            let second = self.hex4()?;
            if !(0xdc00..0xe000).contains(&second) {
                return Err(self.error("a lone surrogate in a \\u escape"));
            }
            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("a lone surrogate in a \\u escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        for text in [
            "0",
            "-0",
            "7",
            "-7",
            "0.5",
            "-2.5e-3",
            "1e22",
            "1e23",
            "123456789.987654321",
            "18446744073709551615",
            "18446744073709551616",
            "184467440737095516159.5",
            "1844674407370955161.6",
            "0.0000000000000000000001",
            "1e-400",
            "-1e-400",
            "0e99999999999999999999",
            "1e-99999999999999999999",
            "1e99999999999999999999",
            "1e307",
            "9.99e307",
            "1.7976931348623157e308",
            "1.7976931348623157000e308",
            "17976931348623157000e289",
            "1.797693134862315649e308",
            "1.7976931348623156225e308",
            "1.79769313486231571e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1e308",
            "1e309",
            "-1e309",
            "1.8e308",
            "1700000000.99999999999",
            "-0.99999999999999999",
        ] {
            let serde = serde_json::from_str::<serde_json::Value>(&format!("[{text}]"))
                .ok()
                .map(|value| value[0].as_f64().unwrap());
            assert_eq!(serde_f64(text), serde, "{text}");
        }
        let long = format!("1{}", "0".repeat(308));
        assert_eq!(serde_f64(&long), Some(1e308));
        assert_eq!(serde_f64(&format!("{long}0")), None);
        let nested = Json::parse(r#"{"a":[1,{"b":-1e400}]}"#).unwrap();
        assert!(!nested.numbers_are_finite());
        assert!(
            Json::parse(r#"{"a":[1,{"b":-1e300}],"c":"1e400"}"#)
                .unwrap()
                .numbers_are_finite()
        );
    }

    fn parse(text: &str) -> Json {
        Json::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn reads_what_json_parse_reads() {
        let value = parse(
            r#" { "a" : [1, -2.5e1, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {} } "#,
        );
        assert_eq!(
            value.get("a").and_then(Json::as_array).map(<[Json]>::len),
            Some(5)
        );
        assert_eq!(value.str("b"), Some("x\"\\/\né😀"));
        assert_eq!(value.get("c"), Some(&Json::Object(vec![])));
        assert_eq!(value.get("missing"), None);
        assert_eq!(parse("[]"), Json::Array(vec![]));
        assert_eq!(parse("\"\""), Json::String(String::new()));
    }

    #[test]
    fn refuses_what_json_parse_refuses() {
        for text in [
            "",
            " ",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "-",
            "1.",
            "1e",
            ".5",
            "+1",
            "tru",
            "nul",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "'a'",
            "\"\t\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"abc",
            "[",
            "{",
            "1 2",
            "NaN",
            "Infinity",
            "// no\n1",
            "[1]]",
        ] {
            assert!(Json::parse(text).is_err(), "accepted {text:?}");
        }
    }

    #[test]
    fn a_duplicate_key_reads_as_its_last_value() {
        assert_eq!(parse(r#"{"a":1,"a":2}"#).int("a"), Some(2));
    }

    #[test]
    fn a_member_given_twice_is_repeated() {
        let value = parse(r#"{"a":1,"b":2,"B":3,"c":4,"c":5}"#);
        assert_eq!(value.member(&["a"]), Ok(Some(&Json::Number("1".into()))));
        assert_eq!(value.member(&["x"]), Ok(None));
        assert_eq!(value.member(&["b", "B"]), Err(Repeated));
        assert_eq!(value.member(&["c"]), Err(Repeated));
        assert_eq!(Json::Null.member(&["a"]), Ok(None));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Json::parse(&deep).is_ok());
        let deeper = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(Json::parse(&deeper).unwrap_err().what, "nested too deep");
        assert!(Json::parse(&"[".repeat(100_000)).is_err());
    }

    #[test]
    fn numbers_read_as_whole_numbers() {
        for (text, whole) in [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("1712345678", Some(1_712_345_678)),
            ("1712345678.999", Some(1_712_345_678)),
            ("-1.9", Some(-1)),
            ("1.5e3", Some(1500)),
            ("15E-1", Some(1)),
            ("1e-400", Some(0)),
            ("0e999999", Some(0)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("1e19", None),
            ("1e99999999999", None),
        ] {
            assert_eq!(parse(text).as_i64(), whole, "{text}");
        }
        assert_eq!(Json::from("1").as_i64(), None);
    }

    #[test]
    fn writes_what_json_stringify_writes() {
        let value = Json::object(vec![
            ("s", Json::from("q\"b\\n\n\u{1}\u{1f}é/")),
            ("n", Json::from(-5_i64)),
            ("o", Json::from(None::<bool>)),
            (
                "a",
                Json::Array(vec![Json::Bool(true), Json::Number("1.50".into())]),
            ),
        ]);
        assert_eq!(
            value.to_text(),
            r#"{"s":"q\"b\\n\n\u0001\u001fé/","n":-5,"o":null,"a":[true,1.50]}"#
        );
    }

    #[test]
    fn round_trips_byte_for_byte_in_compact_form() {
        let text = r#"{"access_token":"a.b.c","expires_at":1712345678.25,"user":{"id":"u","tags":[1e3,-0.0,null]},"s":"\u2028é"}"#;
        let value = parse(text);
        assert_eq!(value.to_text(), text.replace(r"\u2028", "\u{2028}"));
        assert_eq!(parse(&value.to_text()), value);
    }

    #[test]
    fn names_read_back() {
        use crate::core::presets::Preset;
        use crate::core::source::{Area, TokenKind};
        for &area in Area::ALL {
            assert_eq!(Area::from_name(area.name()), Some(area));
        }
        assert_eq!(TokenKind::from_name("id_token"), Some(TokenKind::IdToken));
        assert_eq!(Preset::from_name("auth0-spa"), Some(Preset::Auth0Spa));
        assert_eq!(Preset::from_name("Auth0-SPA"), None);
    }

    #[test]
    fn pointers_read_as_rfc_6901_says() {
        let value = parse(r#"{"a":[{"b":1},"c"],"x/y":2,"m~n":3,"":4,"d":5,"d":6}"#);
        for (pointer, found) in [
            ("", Some(value.clone())),
            ("/a/0/b", Some(Json::Number("1".into()))),
            ("/a/1", Some(Json::from("c"))),
            ("/x~1y", Some(Json::Number("2".into()))),
            ("/m~0n", Some(Json::Number("3".into()))),
            ("/", Some(Json::Number("4".into()))),
            ("/d", Some(Json::Number("6".into()))),
            ("a", None),
            ("/a/2", None),
            ("/a/01", None),
            ("/a/+1", None),
            ("/a/-1", None),
            ("/a/1/z", None),
            ("/missing", None),
        ] {
            assert_eq!(value.pointer(pointer).cloned(), found, "{pointer}");
        }
        let mut value = value;
        if let Some(slot) = value.pointer_mut("/a/0/b") {
            *slot = Json::from("new");
        }
        if let Some(slot) = value.pointer_mut("/d") {
            *slot = Json::Null;
        }
        assert_eq!(value.pointer_mut("/a/9"), None);
        assert_eq!(
            value.to_text(),
            r#"{"a":[{"b":"new"},"c"],"x/y":2,"m~n":3,"":4,"d":5,"d":null}"#
        );
    }

    #[test]
    fn integers_are_written_whole() {
        for (text, integer) in [
            ("0", Some(0)),
            ("-12", Some(-12)),
            ("9223372036854775807", Some(i64::MAX)),
            ("9223372036854775808", None),
            ("1.0", None),
            ("1e3", None),
            ("\"1\"", None),
        ] {
            assert_eq!(parse(text).as_integer::<i64>(), integer, "{text}");
        }
    }

    #[test]
    fn objects_are_built_field_by_field() {
        let value = Json::object(vec![("a", Json::from(1_u32))])
            .with("b", "x")
            .with_some("c", None::<bool>)
            .with_some("d", Some(true))
            .with("e", None::<i64>);
        assert_eq!(value.to_text(), r#"{"a":1,"b":"x","d":true,"e":null}"#);
        assert_eq!(Json::Null.with("a", true), Json::Null);
    }

    #[test]
    fn integers_read_as_parse_reads_them() {
        fn same<T>(text: &str)
        where
            T: TryFrom<u64> + TryFrom<i64> + core::str::FromStr + PartialEq + core::fmt::Debug,
        {
            assert_eq!(integer::<T>(text), text.parse::<T>().ok(), "{text}");
        }
        for text in [
            "",
            "+",
            "-",
            "0",
            "-0",
            "+0",
            "7",
            "+7",
            "-7",
            "007",
            "255",
            "256",
            "-128",
            "-129",
            "4294967295",
            "4294967296",
            "-2147483648",
            "-2147483649",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "1.5",
            "1e3",
            " 1",
            "1 ",
            "--1",
            "+-1",
            "١",
        ] {
            same::<u8>(text);
            same::<u32>(text);
            same::<u64>(text);
            same::<usize>(text);
            same::<i32>(text);
            same::<i64>(text);
        }
    }

    #[test]
    fn integers_are_written_as_fmt_writes_them() {
        for value in [0, 7, -7, 10, 1_735_689_600_000, i64::MIN, i64::MAX] {
            assert_eq!(Json::from(value).to_text(), value.to_string());
        }
        assert_eq!(Json::from(u64::MAX).to_text(), u64::MAX.to_string());
        assert_eq!(Json::from(u32::MAX).to_text(), u32::MAX.to_string());
    }

    #[test]
    fn set_replaces_in_place_and_remove_removes() {
        let mut value = parse(r#"{"a":1,"b":2,"a":3}"#);
        value.set("a", Json::from(9_i64));
        value.set("c", Json::Null);
        assert_eq!(value.to_text(), r#"{"a":9,"b":2,"c":null}"#);
        value.remove("b");
        assert_eq!(value.to_text(), r#"{"a":9,"c":null}"#);
    }
}
