//! The formats Authgear's JSON schemas name, as the User Import API checks a record with them
//! (pkg/lib/userimport/model.go RecordSchemaForIdentifier*, built from
//! pkg/lib/authn/stdattrs/validate.go), and as its login ID checker checks an email
//! (pkg/lib/authn/identity/loginid/type_checkers.go: EmailChecker runs the same FormatEmail).
//! The format checkers are pkg/util/validation/formats.go and pkg/lib/config/formats.go; each
//! function names the one it follows, and answers Go's error message.
//!
//! Only Authgear's rules live here. What a caller does about a failure (the import CLI drops the
//! attribute and counts it; the devstack's stand-in answers a validation cause) stays with it.
//!
//! Approximations, each named where it is made: the phone format checks the E.164 shape, not
//! libphonenumber's validity tables; `timezone` checks the shape of an IANA name, not the tz
//! database; `bcp47` checks the canonical case of each subtag, not deprecated-tag replacement.

/// pkg/util/validation/formats.go FormatEmail (the `email` format: `AllowName: false`):
/// `net/mail.ParseAddress`, then "input email must not have name" when the address had a
/// display name. So `a@example.com` and `<a@example.com>` pass, and `Alice <a@example.com>`
/// fails. An addr-spec: a local part of atoms with dots anywhere, or a quoted string; a domain
/// of dot-atoms or a domain literal. Surrounding spaces are allowed, as ParseAddress skips them.
pub fn check_email(text: &str) -> Result<(), String> {
    let fail = |why: &str| Err(format!("mail: {why}"));
    let trimmed = text.trim();
    let spec = match trimmed.find('<') {
        None => trimmed,
        Some(open) if trimmed.ends_with('>') => {
            let spec = &trimmed[open + 1..trimmed.len() - 1];
            check_addr_spec(spec).or_else(fail)?;
            let name = trimmed[..open].trim();
            // A quoted empty phrase (`"" <a@b>`) leaves the name empty too.
            return if name.is_empty() || name == "\"\"" {
                Ok(())
            } else {
                Err("input email must not have name".into())
            };
        }
        Some(_) => return fail("unclosed angle-addr"),
    };
    check_addr_spec(spec).or_else(fail)
}

fn check_addr_spec(spec: &str) -> Result<(), &'static str> {
    if spec.is_empty() {
        return Err("no address");
    }
    let at = spec.rfind('@').ok_or("missing @ in addr-spec")?;
    let (local, domain) = (&spec[..at], &spec[at + 1..]);
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        !local[1..local.len() - 1].contains(['"', '\r', '\n'])
    } else {
        !local.is_empty() && local.chars().all(|c| atext(c) || c == '.')
    };
    if !local_ok {
        return Err("invalid string");
    }
    if domain.is_empty() {
        return Err("no domain in addr-spec");
    }
    let domain_ok = if domain.starts_with('[') {
        domain.ends_with(']') && !domain[1..domain.len() - 1].contains(['[', ']', '\\'])
    } else {
        domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(atext))
    };
    if domain_ok {
        Ok(())
    } else {
        Err("invalid domain")
    }
}

/// pkg/lib/config/formats.go FormatPhone, pkg/util/phone: the input must already be E.164
/// (`+`, a country code, at most 15 digits). libphonenumber's validity tables are not emulated.
pub fn check_phone(text: &str) -> Result<(), String> {
    let digits = text.strip_prefix('+').unwrap_or("");
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err("not in E.164 format".into())
    }
}

/// pkg/util/validation/formats.go FormatURI: absolute (scheme and host), with a clean absolute
/// path.
pub fn check_uri(text: &str) -> Result<(), String> {
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err("input URL must be absolute".into());
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if !scheme_ok || end == 0 || text.contains(char::is_whitespace) {
        return Err("input URL must be absolute".into());
    }
    let path_end = rest[end..]
        .find(['?', '#'])
        .map_or(rest.len(), |at| at + end);
    check_absolute_path(&rest[end..path_end])
}

/// FormatAbsolutePath: `path.Clean` must leave the path as it is.
fn check_absolute_path(path: &str) -> Result<(), String> {
    let path = if path.is_empty() { "/" } else { path };
    let inner = path.trim_end_matches('/');
    let clean = path.starts_with('/')
        && !inner
            .split('/')
            .skip(1)
            .any(|segment| segment.is_empty() || segment == "." || segment == "..");
    if clean {
        Ok(())
    } else {
        Err(format!("invalid path: {path}"))
    }
}

/// FormatPicture: an http(s) URI, or `authgearimages:///<path>`.
pub fn check_picture(text: &str) -> Result<(), String> {
    let scheme = text.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme {
        "http" | "https" => check_uri(text),
        "authgearimages" => match text.strip_prefix("authgearimages://") {
            Some(path) if path.starts_with('/') => check_absolute_path(path),
            _ => Err("authgearimages URI does not have host".into()),
        },
        other => Err(format!("invalid scheme: {other}")),
    }
}

/// FormatBirthdate: `2006-01-02`, `0000-01-02`, `--01-02` or `2006`.
pub fn check_birthdate(text: &str) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let month_day = |m: &str, d: &str| {
        digits(m)
            && digits(d)
            && m.len() == 2
            && d.len() == 2
            && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&d.parse::<u32>().unwrap_or(0))
    };
    let parts: Vec<&str> = text.split('-').collect();
    let ok = match parts.as_slice() {
        [year] => year.len() == 4 && digits(year),
        ["", "", month, day] => month_day(month, day),
        [year, month, day] => year.len() == 4 && digits(year) && month_day(month, day),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("invalid birthdate: {text:?}"))
    }
}

/// FormatTimezone: at least one slash, and (not emulated: present in the tz database) made of
/// the characters IANA names use.
pub fn check_timezone(text: &str) -> Result<(), String> {
    if !text.contains('/') {
        return Err(format!(
            "valid timezone name has at least 1 slash: {text:?}"
        ));
    }
    let ok = text.split('/').all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
    });
    if ok {
        Ok(())
    } else {
        Err(format!("invalid timezone name: unknown time zone {text}"))
    }
}

/// FormatBCP47: `language.Parse`, and the tag must already be canonical: language lowercase,
/// script title case, region uppercase (or three digits), anything after lowercase.
pub fn check_bcp47(text: &str) -> Result<(), String> {
    match canonical_bcp47(text) {
        None => Err("invalid BCP 47 tag: language: tag is not well-formed".into()),
        Some(canonical) if canonical == text => Ok(()),
        Some(canonical) => Err(format!("non-canonical BCP 47 tag: {text} != {canonical}")),
    }
}

/// The canonical case of a well-formed BCP 47 tag (`EN-us` becomes `en-US`), `None` for one
/// that is not well formed: the form FormatBCP47 accepts.
pub fn canonical_bcp47(text: &str) -> Option<String> {
    let subtags: Vec<&str> = text.split('-').collect();
    let alpha = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
    let language = subtags[0];
    if !(2..=8).contains(&language.len()) || language.len() == 4 || !alpha(language) {
        return None;
    }
    let mut canonical = vec![language.to_ascii_lowercase()];
    let mut position = 1;
    if let Some(script) = subtags.get(position).filter(|s| s.len() == 4 && alpha(s)) {
        canonical.push(format!(
            "{}{}",
            script[..1].to_ascii_uppercase(),
            script[1..].to_ascii_lowercase()
        ));
        position += 1;
    }
    if let Some(region) = subtags.get(position).filter(|s| {
        (s.len() == 2 && alpha(s)) || (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
    }) {
        canonical.push(region.to_ascii_uppercase());
        position += 1;
    }
    for rest in &subtags[position..] {
        if rest.is_empty() || rest.len() > 8 || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        canonical.push(rest.to_ascii_lowercase());
    }
    Some(canonical.join("-"))
}

/// FormatDateTime: RFC 3339.
pub fn check_date_time(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|slice| slice.iter().all(u8::is_ascii_digit))
    };
    let mut ok = bytes.len() >= 20
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && matches!(bytes[10], b'T' | b't')
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19);
    if ok {
        let mut rest = &text[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let end = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            ok = end > 0;
            rest = &fraction[end..];
        }
        ok = ok
            && (matches!(rest, "Z" | "z")
                || (rest.len() == 6
                    && matches!(rest.as_bytes()[0], b'+' | b'-')
                    && rest.as_bytes()[3] == b':'));
    }
    if ok {
        Ok(())
    } else {
        Err(format!("date-time must be in RFC3339 format: {text:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_follows_net_mail_without_a_name() {
        assert!(check_email("a.b+c@example.com").is_ok());
        assert!(check_email(" a@example.com ").is_ok());
        assert!(check_email("<a@example.com>").is_ok());
        assert!(check_email("\"\" <a@example.com>").is_ok());
        assert!(check_email("a@example").is_ok());
        assert!(check_email("\"a b\"@example.com").is_ok());
        assert_eq!(
            check_email("Alice <a@example.com>").unwrap_err(),
            "input email must not have name"
        );
        assert_eq!(
            check_email("\"Alice\" <a@example.com>").unwrap_err(),
            "input email must not have name"
        );
        assert_eq!(
            check_email("Alice <not an address>").unwrap_err(),
            "mail: missing @ in addr-spec"
        );
        assert_eq!(
            check_email("a@@example.com").unwrap_err(),
            "mail: invalid string"
        );
        assert!(check_email("a b@example.com").is_err());
        assert_eq!(
            check_email("a@").unwrap_err(),
            "mail: no domain in addr-spec"
        );
        assert_eq!(
            check_email("<a@example.com").unwrap_err(),
            "mail: unclosed angle-addr"
        );
    }

    #[test]
    fn the_other_formats() {
        assert!(check_phone("+85298765432").is_ok());
        assert!(check_phone("+0123456789").is_err());
        assert!(check_phone("85298765432").is_err());
        assert!(check_bcp47("zh-Hant-HK").is_ok());
        assert!(check_bcp47("en-US").is_ok());
        assert!(check_bcp47("en_US").is_err());
        assert_eq!(
            check_bcp47("en-us").unwrap_err(),
            "non-canonical BCP 47 tag: en-us != en-US"
        );
        assert!(check_uri("https://example.com/a/b").is_ok());
        assert!(check_uri("https://example.com/a/../b").is_err());
        assert!(check_uri("example.com").is_err());
        assert!(check_picture("https://example.com/a.png").is_ok());
        assert!(check_picture("authgearimages:///app/a.png").is_ok());
        assert!(check_picture("ftp://example.com/a.png").is_err());
        assert!(check_birthdate("--01-02").is_ok());
        assert!(check_birthdate("1990").is_ok());
        assert!(check_birthdate("1990-13-01").is_err());
        assert!(check_timezone("Asia/Hong_Kong").is_ok());
        assert!(check_timezone("UTC").is_err());
        assert!(check_date_time("2006-01-02T03:04:05+08:00").is_ok());
        assert!(check_date_time("2006-01-02").is_err());
    }
}
