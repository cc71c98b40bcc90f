//! Where the operators look: the listener of `/metrics` (`OPS_LISTEN_ADDR`) and the number of
//! users imported that progress is read against (`IMPORTED_USERS`).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use super::parse::{ConfigError, Vars};

/// Loopback by default, so that the metrics (which say how the cutover goes) are not public;
/// 9464 is the port Prometheus exporters of OpenTelemetry use by convention.
const DEFAULT_OPS_LISTEN_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 9464));
/// The value of `OPS_LISTEN_ADDR` that serves `/metrics` on `LISTEN_ADDR`, beside the exchange.
const BESIDE_EXCHANGE: &str = "beside-exchange";
const EXPECT_OPS_LISTEN_ADDR: &str = "an IP address and port such as 127.0.0.1:9464, or \
                                      beside-exchange to serve /metrics on LISTEN_ADDR";
const EXPECT_IMPORTED: &str =
    "the number of users imported, a whole number (the import command's summary gives it)";

/// Progress: how many of the imported users have moved.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ProgressConfig {
    /// `IMPORTED_USERS`: exposed as `authgear_migrate_imported_users`, and `--check-config`
    /// prints "migrated X of Y imported".
    pub imported_users: Option<u64>,
}

pub(super) fn progress<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<ProgressConfig, ConfigError> {
    let imported_users = vars.parsed("IMPORTED_USERS", EXPECT_IMPORTED, |text| {
        text.replace(['_', ','], "")
            .parse::<u64>()
            .map_err(|_| format!("got `{text}`"))
    })?;
    Ok(ProgressConfig { imported_users })
}

/// `OPS_LISTEN_ADDR`: `Some(addr)` (by default loopback), or `None` for beside the exchange.
pub(super) fn ops_listen_addr<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
    listen_addr: SocketAddr,
) -> Result<Option<SocketAddr>, ConfigError> {
    let parsed = vars.parsed("OPS_LISTEN_ADDR", EXPECT_OPS_LISTEN_ADDR, |text| {
        if text == BESIDE_EXCHANGE {
            return Ok(None);
        }
        let addr: SocketAddr = text.parse().map_err(|_| format!("got `{text}`"))?;
        if addr == listen_addr {
            return Err(format!(
                "got `{text}`, which is LISTEN_ADDR: write {BESIDE_EXCHANGE} to serve /metrics there"
            ));
        }
        Ok(Some(addr))
    })?;
    Ok(parsed.unwrap_or(Some(DEFAULT_OPS_LISTEN_ADDR)))
}
