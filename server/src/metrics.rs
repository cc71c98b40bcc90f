//! Prometheus metrics, served at `/metrics` in the text format (0.0.4).
//!
//! Every label value comes from a fixed set (an outcome, a reason, an operation name): nothing a
//! client sends becomes a label, so the series count stays bounded whatever the traffic.
//! Names follow Prometheus's conventions (`promtool check metrics` passes on a live scrape):
//! counters end in `_total`, durations are `_seconds`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE as CONTENT_TYPE_HEADER};
use axum::response::{IntoResponse, Response};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub(crate) use prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ExchangeLabels {
    /// `migrated`, `refused`, `failed`, or `replayed` (an answer served again from the
    /// idempotency cache).
    outcome: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AdminLabels {
    operation: &'static str,
    /// `ok`, `refused` (a GraphQL error), `unavailable` (429, 5xx, unreachable), `error`.
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    /// `jwks`, `admin_jwt`, `idempotency`, `replay`.
    cache: &'static str,
    /// `hit` or `miss`; for `idempotency` also `conflict` and `wait`.
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LegacyLabels {
    /// `userinfo`, `introspection`, `token`, `session_check`.
    call: &'static str,
    result: &'static str,
}

/// One registry per endpoint instance: tests and libraries may run several in one process.
pub(crate) struct Metrics {
    registry: Registry,
    exchanges: Family<ExchangeLabels, Counter>,
    exchange_seconds: Histogram,
    admin_seconds: Family<AdminLabels, Histogram>,
    admin_in_flight: Gauge,
    cache: Family<CacheLabels, Counter>,
    legacy_calls: Family<LegacyLabels, Counter>,
    store_errors: Counter,
    migrated_users: Gauge<u64, AtomicU64>,
    kill_switch: Gauge,
}

fn latency_buckets() -> Histogram {
    // 5 ms to about 20 s.
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0,
    ])
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("authgear_migrate");
        let exchanges = Family::<ExchangeLabels, Counter>::default();
        registry.register(
            "exchanges",
            "Exchanges answered, by outcome and reason",
            exchanges.clone(),
        );
        let exchange_seconds = latency_buckets();
        registry.register(
            "exchange_duration_seconds",
            "Time to answer an exchange",
            exchange_seconds.clone(),
        );
        let admin_seconds =
            Family::<AdminLabels, Histogram>::new_with_constructor(latency_buckets as fn() -> _);
        registry.register(
            "admin_api_duration_seconds",
            "Authgear Admin API call latency, by operation and result",
            admin_seconds.clone(),
        );
        let admin_in_flight = Gauge::default();
        registry.register(
            "admin_api_in_flight",
            "Exchanges holding an Admin API slot (AUTHGEAR_MAX_CONCURRENCY)",
            admin_in_flight.clone(),
        );
        let cache = Family::<CacheLabels, Counter>::default();
        registry.register(
            "cache_lookups",
            "Cache lookups (jwks, admin_jwt, idempotency, replay), by result",
            cache.clone(),
        );
        let legacy_calls = Family::<LegacyLabels, Counter>::default();
        registry.register(
            "legacy_calls",
            "Calls to the legacy IdP (userinfo, introspection, token, session_check), by result",
            legacy_calls.clone(),
        );
        let store_errors = Counter::default();
        registry.register(
            "store_errors",
            "Operations on the shared state (Redis) that failed",
            store_errors.clone(),
        );
        let migrated_users = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "migrated_users",
            "Distinct legacy users migrated, by every instance on this store: a HyperLogLog \
             estimate, standard error 0.81%",
            migrated_users.clone(),
        );
        let kill_switch = Gauge::default();
        registry.register(
            "kill_switch",
            "1 while the kill switch is on (KILL_SWITCH, KILL_SWITCH_FILE)",
            kill_switch.clone(),
        );
        Self {
            registry,
            exchanges,
            exchange_seconds,
            admin_seconds,
            admin_in_flight,
            cache,
            legacy_calls,
            store_errors,
            migrated_users,
            kill_switch,
        }
    }

    /// The number of users imported (`IMPORTED_USERS`), against which progress is read.
    pub(crate) fn imported_users(&mut self, imported: u64) {
        let gauge = Gauge::<u64, AtomicU64>::default();
        gauge.set(imported);
        self.registry.register(
            "imported_users",
            "Users imported into Authgear (IMPORTED_USERS, from the import command's summary)",
            gauge,
        );
    }

    pub(crate) fn exchange(&self, outcome: &'static str, reason: &'static str, took: Duration) {
        self.exchanges
            .get_or_create(&ExchangeLabels { outcome, reason })
            .inc();
        self.exchange_seconds.observe(took.as_secs_f64());
    }

    pub(crate) fn admin_call(&self, operation: &'static str, result: &'static str, took: Duration) {
        self.admin_seconds
            .get_or_create(&AdminLabels { operation, result })
            .observe(took.as_secs_f64());
    }

    pub(crate) fn admin_in_flight(&self, delta: i64) {
        self.admin_in_flight.inc_by(delta);
    }

    pub(crate) fn cache(&self, cache: &'static str, result: &'static str) {
        self.cache
            .get_or_create(&CacheLabels { cache, result })
            .inc();
    }

    pub(crate) fn legacy_call(&self, call: &'static str, result: &'static str) {
        self.legacy_calls
            .get_or_create(&LegacyLabels { call, result })
            .inc();
    }

    pub(crate) fn store_error(&self) {
        self.store_errors.inc();
    }

    /// The text exposition, with the state read at scrape time.
    pub(crate) fn render(&self, migrated_users: Option<u64>, kill_switch: bool) -> String {
        // Without an answer from the store the last value stays, and the error is counted.
        if let Some(migrated) = migrated_users {
            self.migrated_users.set(migrated);
        }
        self.kill_switch.set(i64::from(kill_switch));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// `GET /metrics`.
pub(crate) async fn serve(State(shared): State<Arc<crate::Shared>>) -> Response {
    let exchange = &shared.exchange;
    let migrated = exchange
        .store
        .migrated()
        .await
        .inspect_err(|_| exchange.metrics.store_error())
        .ok();
    let text = exchange
        .metrics
        .render(migrated, exchange.kill_switch.is_on());
    (
        [
            (CONTENT_TYPE_HEADER, CONTENT_TYPE),
            (CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_family() {
        let mut metrics = Metrics::new();
        metrics.exchange("migrated", "none", Duration::from_millis(12));
        metrics.admin_call("createSession", "ok", Duration::from_millis(3));
        metrics.cache("replay", "hit");
        metrics.imported_users(20_000);
        let text = metrics.render(Some(7), true);
        for line in [
            "authgear_migrate_migrated_users 7",
            "authgear_migrate_imported_users 20000",
            "authgear_migrate_kill_switch 1",
            "authgear_migrate_exchanges_total{outcome=\"migrated\",reason=\"none\"} 1",
            "authgear_migrate_exchange_duration_seconds_count 1",
            "authgear_migrate_admin_api_duration_seconds_count{operation=\"createSession\",result=\"ok\"} 1",
            "authgear_migrate_cache_lookups_total{cache=\"replay\",result=\"hit\"} 1",
            "authgear_migrate_store_errors_total 0",
        ] {
            assert!(text.contains(line), "no `{line}` in\n{text}");
        }
    }
}
