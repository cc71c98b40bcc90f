//! Abuse limits: the kill switch, and fixed-window rate limits per client address and per
//! legacy subject, counted in the shared state so that every instance counts together.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use crate::config::{ClientIpSource, LimitsConfig, RateLimit};
use crate::digest::sha256_hex;
use crate::store::{Store, StoreError};

/// Which limit an exchange ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    Ip,
    Subject,
}

impl Scope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Subject => "subject",
        }
    }
}

pub(crate) struct RateLimits {
    store: Arc<Store>,
    per_ip: Option<RateLimit>,
    per_subject: Option<RateLimit>,
    client_ip: ClientIpSource,
}

impl RateLimits {
    pub(crate) fn new(config: &LimitsConfig, store: Arc<Store>) -> Self {
        Self {
            store,
            per_ip: config.per_ip,
            per_subject: config.per_subject,
            client_ip: config.client_ip.clone(),
        }
    }

    /// The client's address, as configured (`CLIENT_IP_HEADER`); `None` when unknown (no
    /// peer address and no usable header), in which case no per-address limit applies.
    pub(crate) fn client_ip(
        &self,
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
    ) -> Option<IpAddr> {
        let peer = peer.map(|addr| addr.ip());
        match &self.client_ip {
            ClientIpSource::Peer => peer,
            ClientIpSource::ForwardedFor { hops } => {
                // Every X-Forwarded-For header, in order, is one list (RFC 7239 §7.1 for its
                // successor); the last `hops` entries were written by trusted proxies.
                let entries: Vec<&str> = headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|value| value.to_str().ok())
                    .flat_map(|value| value.split(','))
                    .map(str::trim)
                    .collect();
                entries
                    .len()
                    .checked_sub(*hops)
                    .and_then(|at| parse_ip(entries[at]))
                    .or(peer)
            }
            ClientIpSource::Header(name) => headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(parse_ip)
                .or(peer),
        }
    }

    /// Counts one exchange from `ip`; `Some(wait)` when it is over the limit.
    pub(crate) async fn hit_ip(&self, ip: IpAddr) -> Result<Option<Duration>, StoreError> {
        let Some(limit) = self.per_ip else {
            return Ok(None);
        };
        let key = format!("rate:ip:{}", network(ip));
        self.hit(&key, limit).await
    }

    /// Counts one exchange for the legacy `subject`; `Some(wait)` when it is over the limit.
    pub(crate) async fn hit_subject(&self, subject: &str) -> Result<Option<Duration>, StoreError> {
        let Some(limit) = self.per_subject else {
            return Ok(None);
        };
        let key = format!("rate:subject:{}", sha256_hex(subject));
        self.hit(&key, limit).await
    }

    async fn hit(&self, key: &str, limit: RateLimit) -> Result<Option<Duration>, StoreError> {
        let count = self.store.hit(key, limit.window).await?;
        Ok((count.hits > limit.count).then_some(count.resets_in))
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    // `[2001:db8::1]:443` and `192.0.2.1:443` appear in some proxies' headers.
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
}

/// An IPv4 address, or an IPv6 address's /64: one subscriber usually holds a whole /64, so
/// counting by single IPv6 addresses would let anyone pick a fresh one per request.
fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The operator's kill switch: on by `KILL_SWITCH`, or while `KILL_SWITCH_FILE` exists.
pub(crate) struct KillSwitch {
    always: bool,
    file: Option<PathBuf>,
    pub(crate) retry_after: Duration,
    /// The file's state and when it was last looked at.
    seen: Mutex<Option<(Instant, bool)>>,
}

/// The file is looked at no more than once a second.
const FILE_CHECK_EVERY: Duration = Duration::from_secs(1);

impl KillSwitch {
    pub(crate) fn new(config: &LimitsConfig) -> Self {
        Self {
            always: config.kill_switch,
            file: config.kill_switch_file.clone(),
            retry_after: config.kill_switch_retry_after,
            seen: Mutex::new(None),
        }
    }

    pub(crate) fn is_on(&self) -> bool {
        if self.always {
            return true;
        }
        let Some(file) = &self.file else {
            return false;
        };
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        match *seen {
            Some((at, on)) if now.duration_since(at) < FILE_CHECK_EVERY => on,
            _ => {
                let on = file.exists();
                *seen = Some((now, on));
                on
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(source: ClientIpSource) -> RateLimits {
        RateLimits {
            store: Arc::new(Store::new(&crate::config::StoreConfig::for_tests())),
            per_ip: None,
            per_subject: None,
            client_ip: source,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_client_address_comes_from_where_it_is_configured() {
        let peer: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        let forwarded = headers(&[
            ("x-forwarded-for", "6.6.6.6, 203.0.113.7"),
            ("x-forwarded-for", "198.51.100.2"),
        ]);
        let ip = |text: &str| Some(text.parse::<IpAddr>().unwrap());
        assert_eq!(
            limits(ClientIpSource::Peer).client_ip(&forwarded, Some(peer)),
            ip("10.0.0.9")
        );
        assert_eq!(
            limits(ClientIpSource::ForwardedFor { hops: 1 }).client_ip(&forwarded, Some(peer)),
            ip("198.51.100.2")
        );
        assert_eq!(
            limits(ClientIpSource::ForwardedFor { hops: 2 }).client_ip(&forwarded, Some(peer)),
            ip("203.0.113.7")
        );
        // Fewer entries than proxies: the header was not written by them; the peer stands.
        assert_eq!(
            limits(ClientIpSource::ForwardedFor { hops: 5 }).client_ip(&forwarded, Some(peer)),
            ip("10.0.0.9")
        );
        let cf = ClientIpSource::Header("cf-connecting-ip".parse().unwrap());
        assert_eq!(
            limits(cf.clone()).client_ip(&headers(&[("cf-connecting-ip", "2001:db8::1")]), None),
            ip("2001:db8::1")
        );
        assert_eq!(limits(cf).client_ip(&HeaderMap::new(), None), None);
    }

    #[test]
    fn ipv6_counts_by_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(network(a), network(b));
        assert_eq!(network("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
    }

    #[test]
    fn the_kill_switch_file_flips_it() {
        let path = std::env::temp_dir().join(format!("kill-switch-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut config = crate::config::LimitsConfig::for_tests();
        config.kill_switch_file = Some(path.clone());
        let switch = KillSwitch::new(&config);
        assert!(!switch.is_on());
        std::fs::write(&path, "").unwrap();
        // Looked at once a second at most.
        *switch.seen.lock().unwrap() = None;
        assert!(switch.is_on());
        std::fs::remove_file(&path).unwrap();
    }
}
