//! How far the cutover is: distinct legacy users migrated (the store's HyperLogLog, shared by
//! every instance on one Redis) against the users imported (`IMPORTED_USERS`).

use crate::check::{Check, Status};
use crate::exchange::Exchange;

/// Redis's HyperLogLog (and ours, in memory): 1.04/√16384.
pub(crate) const STANDARD_ERROR: &str = "0.81%";

/// "migrated X of Y imported (Z%)", or what keeps it from being said.
pub(crate) async fn check(exchange: &Exchange, imported: Option<u64>) -> Check {
    let name = "progress (IMPORTED_USERS)".to_owned();
    let (status, detail) = match exchange.store.migrated().await {
        Err(error) => (Status::Fail, format!("cannot read the count: {error}")),
        // A process of its own has an empty memory: only the running instance knows.
        Ok(_) if exchange.store.kind() == "memory" => (
            Status::Ok,
            "counted in each instance's memory: read authgear_migrate_migrated_users on its \
             /metrics (OPS_LISTEN_ADDR)"
                .to_owned(),
        ),
        Ok(migrated) => (Status::Ok, describe(migrated, imported)),
    };
    Check {
        name,
        status,
        detail,
    }
}

pub(crate) fn describe(migrated: u64, imported: Option<u64>) -> String {
    let estimate = format!("an estimate, standard error {STANDARD_ERROR}");
    match imported {
        Some(0) => format!("migrated {migrated} of 0 imported ({estimate})"),
        Some(imported) => format!(
            "migrated {migrated} of {imported} imported ({:.1}%; {estimate})",
            migrated as f64 * 100.0 / imported as f64
        ),
        None => format!("migrated {migrated} ({estimate}); set IMPORTED_USERS for the share"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_the_share_and_the_error() {
        assert_eq!(
            describe(1234, Some(10_000)),
            "migrated 1234 of 10000 imported (12.3%; an estimate, standard error 0.81%)"
        );
        assert_eq!(
            describe(5, None),
            "migrated 5 (an estimate, standard error 0.81%); set IMPORTED_USERS for the share"
        );
        assert!(describe(0, Some(0)).starts_with("migrated 0 of 0 imported"));
    }
}
