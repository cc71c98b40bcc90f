//! `document.cookie`, read and expired.

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

fn decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .map_or_else(|_| value.to_owned(), |decoded| decoded.into_owned())
}

/// The assignment that sets cookie `name` to an already encoded value for `path`.
pub fn assign(name: &str, encoded_value: &str, path: &str) -> String {
    format!("{name}={encoded_value}; Path={path}; SameSite=Lax")
}

/// The assignment that deletes cookie `name` set with `path`: same name and path, in the past.
pub fn expire(name: &str, path: &str) -> String {
    format!("{name}=; Max-Age=0; Path={path}; SameSite=Lax")
}

/// The domains a cookie of this page may have been set for: the host and each parent domain
/// (not the top-level one); an IP address has none but itself.
pub fn domains(host: &str) -> Vec<&str> {
    let is_ip = host.contains(':') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut domains = vec![host];
    let mut domain = host;
    while let Some((_, parent)) = domain.split_once('.') {
        if is_ip || !parent.contains('.') {
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
        assert_eq!(assign("s", "v%20w", "/"), "s=v%20w; Path=/; SameSite=Lax");
        assert_eq!(expire("s", "/"), "s=; Max-Age=0; Path=/; SameSite=Lax");
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
