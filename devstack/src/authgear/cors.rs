//! Authgear's two CORS behaviours, copied from its middlewares.
//!
//! - [`star`]: discovery and JWKS (`oauthStaticChain` in pkg/auth/routes.go).
//! - [`matched`]: token, revoke and userinfo (`newOAuthAPIChain` / `oauthAPIScopedChain`).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origins the matched policy lets in, besides the request's own `Host`.
#[derive(Clone)]
pub struct AllowedOrigins(pub Vec<String>);

/// pkg/lib/infra/middleware/cors_star.go: `*` to everyone, no credentials; `OPTIONS` answered 200
/// with the requested method and headers echoed.
pub async fn star(request: Request, next: Next) -> Response {
    let requested = requested_cors(request.headers());
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::OK.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("900"),
    );
    requested.write(headers);
    response
}

/// pkg/lib/infra/middleware/cors.go (CORSMiddleware): `Vary: Origin` always; for an allowed
/// `Origin`, that origin echoed with `Access-Control-Allow-Credentials: true`; `OPTIONS` answered
/// 200 whether the origin is allowed or not (without CORS headers when it is not).
pub async fn matched(
    State(allowed): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .filter(|origin| !origin.is_empty())
        .map(str::to_owned);
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let requested = requested_cors(request.headers());
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::OK.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    // pkg/lib/infra/middleware/cors_matcher.go: the Host header is always allowed, then the
    // configured origins.
    let allowed_origin = origin.filter(|origin| {
        origin_matches(&host, origin)
            || allowed
                .0
                .iter()
                .any(|pattern| origin_matches(pattern, origin))
    });
    if let Some(value) = allowed_origin.and_then(|origin| HeaderValue::from_str(&origin).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("900"),
        );
        requested.write(headers);
    }
    response
}

/// `Access-Control-Request-Method` / `-Headers`, echoed back as the allowed ones.
struct Requested {
    method: Option<HeaderValue>,
    headers: Option<HeaderValue>,
}

fn requested_cors(headers: &HeaderMap) -> Requested {
    let non_empty = |name| {
        headers
            .get(name)
            .filter(|value: &&HeaderValue| !value.is_empty())
            .cloned()
    };
    Requested {
        method: non_empty(header::ACCESS_CONTROL_REQUEST_METHOD),
        headers: non_empty(header::ACCESS_CONTROL_REQUEST_HEADERS),
    }
}

impl Requested {
    fn write(self, headers: &mut HeaderMap) {
        if let Some(method) = self.method {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, method);
        }
        if let Some(requested) = self.headers {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
        }
    }
}

/// github.com/iawaknahc/originmatcher (hierarchical matcher) for the patterns the devstack
/// uses: `scheme://host[:port]`, or `host[:port]` meaning http or https. A pattern without a
/// port, or with the scheme's default port, matches the default port only. No wildcards.
fn origin_matches(pattern: &str, origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let (pattern_scheme, pattern_rest) = match pattern.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, pattern),
    };
    let scheme_ok = match pattern_scheme {
        Some(wanted) => wanted == scheme,
        None => scheme == "http" || scheme == "https",
    };
    let default_port = |scheme: Option<&str>| match scheme {
        Some("http") => "80",
        Some("https") => "443",
        _ => "",
    };
    // A pattern may be a full URL (a redirect URI); only its origin counts.
    let pattern_authority = pattern_rest.split('/').next().unwrap_or_default();
    let split = |authority: &str, scheme: Option<&str>| -> (String, String) {
        match authority.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                (host.to_ascii_lowercase(), port.to_owned())
            }
            _ => (
                authority.to_ascii_lowercase(),
                default_port(scheme).to_owned(),
            ),
        }
    };
    let (host, port) = split(rest, Some(scheme));
    let (pattern_host, pattern_port) = split(pattern_authority, pattern_scheme.or(Some(scheme)));
    scheme_ok && host == pattern_host && port == pattern_port
}

#[cfg(test)]
mod tests {
    use super::origin_matches;

    #[test]
    fn matches_like_originmatcher() {
        assert!(origin_matches(
            "http://127.0.0.1:8000",
            "http://127.0.0.1:8000"
        ));
        assert!(origin_matches("127.0.0.1:8000", "http://127.0.0.1:8000"));
        assert!(origin_matches(
            "http://127.0.0.1:8000/after-auth",
            "http://127.0.0.1:8000"
        ));
        assert!(!origin_matches(
            "http://127.0.0.1:8000",
            "http://127.0.0.1:8001"
        ));
        assert!(!origin_matches(
            "https://127.0.0.1:8000",
            "http://127.0.0.1:8000"
        ));
        assert!(origin_matches("example.com", "https://example.com"));
        assert!(origin_matches("example.com", "https://example.com:443"));
        assert!(!origin_matches("example.com", "https://example.com:444"));
        assert!(!origin_matches("http://127.0.0.1:8000", "null"));
    }
}
