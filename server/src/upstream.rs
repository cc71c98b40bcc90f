//! The HTTP client for the services the endpoint depends on: the legacy IdP's JWKS and Authgear.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use reqwest::redirect::Policy;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole call, body included. Kept well under the client's own exchange timeout, so the
/// client hears a proper 503 rather than timing out itself.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // A redirect is a misconfigured URL: fail loudly instead of carrying the admin JWT along.
        .redirect(Policy::none())
        .user_agent(concat!(
            "authgear-migrate-server/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        // Fails only when the TLS backend cannot start; with rustls and bundled roots it can't.
        .expect("the HTTP client builds")
}

/// Reads a response body, refusing one longer than `limit` bytes before it is all in memory.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Debug)]
pub(crate) enum BodyError {
    Transport(reqwest::Error),
    TooLarge(usize),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(error) => write!(f, "reading the body failed: {}", Causes(error)),
            Self::TooLarge(limit) => write!(f, "the body is larger than {limit} bytes"),
        }
    }
}

/// An error with its causes: reqwest's own message ("error sending request for url …") leaves
/// out the one that matters ("Connection refused").
pub(crate) struct Causes<'a>(pub(crate) &'a dyn Error);

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}
