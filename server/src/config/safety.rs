//! Abuse limits, the kill switch, and the shared state (memory or Redis) they keep.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::parse::{ConfigError, Vars, parse_duration};

/// Rate limits, the client address they count by, and the kill switch.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LimitsConfig {
    /// `RATE_LIMIT_PER_IP`: exchanges per client address (IPv6: per /64). `None`: off.
    pub per_ip: Option<RateLimit>,
    /// `RATE_LIMIT_PER_SUBJECT`: exchanges per legacy subject. `None`: off.
    pub per_subject: Option<RateLimit>,
    /// `CLIENT_IP_HEADER` and `TRUSTED_PROXY_COUNT`: where the client address is read.
    pub client_ip: ClientIpSource,
    /// `KILL_SWITCH`: every exchange is answered 503 while it is on.
    pub kill_switch: bool,
    /// `KILL_SWITCH_FILE`: the kill switch is also on while this file exists (checked at most
    /// once a second), so that it can be flipped without a restart.
    pub kill_switch_file: Option<PathBuf>,
    /// `KILL_SWITCH_RETRY_AFTER_SECONDS`: the `Retry-After` the kill switch answers.
    pub kill_switch_retry_after: Duration,
}

/// `count` exchanges per `window` (fixed windows aligned on the Unix epoch, shared by every
/// instance on one Redis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u64,
    pub window: Duration,
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.count, self.window.as_secs())
    }
}

/// Where the client's address comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientIpSource {
    /// The TCP peer: the endpoint faces the clients directly.
    Peer,
    /// `X-Forwarded-For`: the address `hops` entries from the right, the one the outermost
    /// trusted proxy saw (entries further left are the client's to forge).
    ForwardedFor { hops: usize },
    /// A header a proxy sets to the client's address alone (`CF-Connecting-IP`,
    /// `Fly-Client-IP`, `X-Real-IP`).
    Header(axum::http::HeaderName),
}

/// The replay and idempotency caches and the rate counters: in this process, or in Redis.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoreConfig {
    /// `REDIS_URL`: `redis://` or `rediss://` (TLS). `None`: in memory, for one instance.
    pub redis_url: Option<RedisUrl>,
    /// `REDIS_KEY_PREFIX`: put before every key, so that deployments can share a Redis.
    pub key_prefix: String,
    /// `REPLAY_TTL_SECONDS`: how long a credential whose lifetime is unknown (opaque token,
    /// refresh token, cookie session) is remembered as exchanged.
    pub replay_ttl: Duration,
    /// `IDEMPOTENCY_TTL_SECONDS`: how long an answer is kept for retries with its key.
    pub idempotency_ttl: Duration,
    /// How long an "in flight" marker lives unless its exchange renews it (it does, a few
    /// times per lifetime, for as long as it runs): how soon a crashed instance's marker stops
    /// blocking retries. Not read from the environment.
    pub in_flight_ttl: Duration,
}

/// A Redis URL. Its password never reaches a log line through `{:?}` or `{}`.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("redacted"));
                }
                f.write_str(url.as_str())
            }
            Err(_) => f.write_str("<unparsable Redis URL>"),
        }
    }
}

/// Whether `url`'s host is this machine: traffic to it never crosses a network.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // A URL of a scheme the URL standard does not know (`redis:`) keeps an IPv4 address
        // as a name.
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

const EXPECT_TLS: &str = "an https URL (http only for a loopback host, or with \
                          ALLOW_INSECURE_UPSTREAMS=true for development)";

/// Tokens, admin JWTs and user data travel to every upstream: in plain text only on loopback.
pub(super) fn require_tls(variable: &'static str, url: &url::Url) -> Result<(), ConfigError> {
    if url.scheme() == "https" || is_loopback(url) {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        variable,
        expected: EXPECT_TLS,
        problem: format!(
            "`{}` is plain http to a host off this machine",
            url.origin().ascii_serialization()
        ),
    })
}

/// Redis holds the sealed answers and the replay claims: `rediss://` unless on loopback or a
/// Unix socket.
pub(super) fn require_tls_redis(redis: &RedisUrl) -> Result<(), ConfigError> {
    let Ok(url) = url::Url::parse(redis.as_str()) else {
        return Ok(());
    };
    if url.scheme() != "redis" || is_loopback(&url) {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        variable: "REDIS_URL",
        expected: "a rediss:// URL (redis:// only for a loopback host, or with \
                   ALLOW_INSECURE_UPSTREAMS=true)",
        problem: "it is plain-text redis:// to a host off this machine".to_owned(),
    })
}

const DEFAULT_IN_FLIGHT_TTL: Duration = Duration::from_secs(60);

#[cfg(test)]
impl LimitsConfig {
    pub(crate) fn for_tests() -> Self {
        Self {
            per_ip: None,
            per_subject: None,
            client_ip: ClientIpSource::Peer,
            kill_switch: false,
            kill_switch_file: None,
            kill_switch_retry_after: DEFAULT_KILL_RETRY_AFTER,
        }
    }
}

#[cfg(test)]
impl StoreConfig {
    pub(crate) fn for_tests() -> Self {
        Self {
            redis_url: None,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            replay_ttl: DEFAULT_REPLAY_TTL,
            idempotency_ttl: DEFAULT_IDEMPOTENCY_TTL,
            in_flight_ttl: DEFAULT_IN_FLIGHT_TTL,
        }
    }
}

const DEFAULT_PER_IP: RateLimit = RateLimit {
    count: 60,
    window: Duration::from_secs(60),
};
const DEFAULT_PER_SUBJECT: RateLimit = RateLimit {
    count: 10,
    window: Duration::from_secs(3600),
};
const DEFAULT_KILL_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);
const DEFAULT_REPLAY_TTL: Duration = Duration::from_secs(24 * 3600);
const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);
const DEFAULT_KEY_PREFIX: &str = "authgear-migrate:";

const EXPECT_RATE: &str = "`COUNT/WINDOW` such as 60/1m, 10/1h or 5/30s (window 1s to 1d), or off";
const EXPECT_HEADER: &str = "an HTTP header name such as X-Forwarded-For or CF-Connecting-IP";
const EXPECT_HOPS: &str = "the number of proxies in front of the endpoint, 1 to 10";
const EXPECT_RETRY_AFTER: &str = "a whole number of seconds from 1 to 86400";
const EXPECT_TTL: &str = "a whole number of seconds from 60 to 2592000 (30 days)";
const EXPECT_REDIS: &str = "a Redis URL such as redis://redis.internal:6379/0 or rediss://…";
const EXPECT_PREFIX: &str = "a key prefix such as authgear-migrate:";
const EXPECT_PATH: &str = "a file path";

pub(super) fn limits<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<LimitsConfig, ConfigError> {
    let per_ip = vars
        .parsed("RATE_LIMIT_PER_IP", EXPECT_RATE, parse_rate_limit)?
        .unwrap_or(Some(DEFAULT_PER_IP));
    let per_subject = vars
        .parsed("RATE_LIMIT_PER_SUBJECT", EXPECT_RATE, parse_rate_limit)?
        .unwrap_or(Some(DEFAULT_PER_SUBJECT));
    let header = vars.parsed("CLIENT_IP_HEADER", EXPECT_HEADER, |name| {
        axum::http::HeaderName::try_from(name).map_err(|_| format!("got `{name}`"))
    })?;
    let hops = vars.parsed("TRUSTED_PROXY_COUNT", EXPECT_HOPS, |text| {
        match text.parse::<usize>() {
            Ok(n) if (1..=10).contains(&n) => Ok(n),
            _ => Err(format!("got `{text}`")),
        }
    })?;
    let client_ip = match header {
        None if hops.is_some() => {
            return Err(ConfigError::Needed {
                variable: "CLIENT_IP_HEADER",
                expected: EXPECT_HEADER,
                because: "TRUSTED_PROXY_COUNT is set".to_owned(),
            });
        }
        None => ClientIpSource::Peer,
        Some(name) if name == "x-forwarded-for" => ClientIpSource::ForwardedFor {
            hops: hops.unwrap_or(1),
        },
        Some(name) => ClientIpSource::Header(name),
    };
    Ok(LimitsConfig {
        per_ip,
        per_subject,
        client_ip,
        kill_switch: vars.flag("KILL_SWITCH")?.unwrap_or(false),
        kill_switch_file: vars.parsed("KILL_SWITCH_FILE", EXPECT_PATH, |path| {
            Ok(PathBuf::from(path))
        })?,
        kill_switch_retry_after: vars
            .seconds(
                "KILL_SWITCH_RETRY_AFTER_SECONDS",
                EXPECT_RETRY_AFTER,
                (1, 86_400),
            )?
            .unwrap_or(DEFAULT_KILL_RETRY_AFTER),
    })
}

pub(super) fn store<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<StoreConfig, ConfigError> {
    let redis_url = vars.parsed("REDIS_URL", EXPECT_REDIS, |text| {
        // The client parses it now, so that a typo stops the start rather than the first
        // exchange. Its error may quote the URL: it is not repeated.
        match redis::Client::open(text) {
            Ok(_) => Ok(RedisUrl(text.to_owned())),
            Err(_) => Err("the Redis client cannot read it".to_owned()),
        }
    })?;
    let key_prefix = vars
        .parsed("REDIS_KEY_PREFIX", EXPECT_PREFIX, |prefix| {
            if prefix.len() > 64 || prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!("got `{prefix}`"));
            }
            Ok(prefix.to_owned())
        })?
        .unwrap_or_else(|| DEFAULT_KEY_PREFIX.to_owned());
    let ttl_range = (60, 30 * 86_400);
    Ok(StoreConfig {
        redis_url,
        key_prefix,
        replay_ttl: vars
            .seconds("REPLAY_TTL_SECONDS", EXPECT_TTL, ttl_range)?
            .unwrap_or(DEFAULT_REPLAY_TTL),
        idempotency_ttl: vars
            .seconds("IDEMPOTENCY_TTL_SECONDS", EXPECT_TTL, ttl_range)?
            .unwrap_or(DEFAULT_IDEMPOTENCY_TTL),
        in_flight_ttl: DEFAULT_IN_FLIGHT_TTL,
    })
}

/// `60/1m` → 60 per minute; `off` (or `0`) → no limit.
fn parse_rate_limit(text: &str) -> Result<Option<RateLimit>, String> {
    if text.eq_ignore_ascii_case("off") || text == "0" {
        return Ok(None);
    }
    let (count, window) = text
        .split_once('/')
        .ok_or_else(|| format!("got `{text}`"))?;
    let count: u64 = count
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("got `{text}`"))?;
    let window = parse_duration(window)
        .filter(|window| (1..=86_400).contains(&window.as_secs()))
        .ok_or_else(|| format!("got `{text}`"))?;
    Ok(Some(RateLimit { count, window }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_read_count_and_window() {
        let limit = |count, secs| {
            Some(RateLimit {
                count,
                window: Duration::from_secs(secs),
            })
        };
        assert_eq!(parse_rate_limit("60/1m"), Ok(limit(60, 60)));
        assert_eq!(parse_rate_limit("5 / 30s"), Ok(limit(5, 30)));
        assert_eq!(parse_rate_limit("10/3600"), Ok(limit(10, 3600)));
        assert_eq!(parse_rate_limit("OFF"), Ok(None));
        assert_eq!(parse_rate_limit("0"), Ok(None));
        for bad in ["60", "0/1m", "-1/1m", "60/0s", "60/2d", "x/1m", "60/1w"] {
            assert!(parse_rate_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_redis_password_is_never_printed() {
        let url = RedisUrl("redis://user:hunter2@redis.internal:6379/0".to_owned());
        assert!(!format!("{url} {url:?}").contains("hunter2"));
    }
}
