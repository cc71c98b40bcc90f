//! Form parameters the way Go's `Request.ParseForm` reads them, which is what Authgear's
//! handlers see: the URL query plus, for a form-encoded body, the body; `Get` is the first value,
//! body values before query values.

use axum::http::{HeaderMap, header};

pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Self {
        let form_body = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| {
                media
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        let mut pairs: Vec<(String, String)> = Vec::new();
        if form_body {
            pairs.extend(form_urlencoded::parse(body).into_owned());
        }
        pairs.extend(form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned());
        Self(pairs)
    }

    /// The first value, or `""` (Go's `url.Values.Get`).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value)
    }
}
