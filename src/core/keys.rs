//! The one key maker: every storage key and channel name, per Authgear container.
//!
//! Authgear's names mirror `_KeyMaker` in the Authgear JS SDK
//! (`packages/authgear-core/src/storage.ts`): `authgear_<container name>_<what>`. The JS side
//! gets these as templates in the generated `pkg/src/facts.js`; nothing else spells them.

use crate::prelude::*;

/// A key of one container: `before` + the container name + `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyTemplate {
    /// How the JS side names it.
    pub name: &'static str,
    pub before: &'static str,
    pub after: &'static str,
}

impl KeyTemplate {
    pub fn make(self, container: &str) -> String {
        let mut key = String::with_capacity(self.before.len() + container.len() + self.after.len());
        key.push_str(self.before);
        key.push_str(container);
        key.push_str(self.after);
        key
    }
}

/// The refresh token the Authgear SDK's `configure()` reads: its session.
pub const REFRESH_TOKEN: KeyTemplate = KeyTemplate {
    name: "refreshToken",
    before: "authgear_",
    after: "_refreshToken",
};
/// The ID token the SDK caches.
pub const ID_TOKEN: KeyTemplate = KeyTemplate {
    name: "idToken",
    before: "authgear_",
    after: "_idToken",
};
/// This engine's state record (`core::state`).
pub const STATE: KeyTemplate = KeyTemplate {
    name: "state",
    before: "authgear-migrate_",
    after: "_state",
};
/// The device's draw for `sample`, kept by the wrapper.
pub const SAMPLE: KeyTemplate = KeyTemplate {
    name: "sample",
    before: "authgear-migrate_",
    after: "_sample",
};
/// The Web Locks name, the lease key where Web Locks are missing, and the BroadcastChannel.
pub const LOCK: KeyTemplate = KeyTemplate {
    name: "lock",
    before: "authgear-migrate:",
    after: "",
};

pub const ALL: [KeyTemplate; 5] = [REFRESH_TOKEN, ID_TOKEN, STATE, SAMPLE, LOCK];

/// The message a tab posts on the container's channel when it finished a migration; `at` is
/// the state record's `updatedAt`, so a tab that hears both this and the record's `storage`
/// event acts once.
pub fn migrated_message(at: i64) -> String {
    crate::core::json::Json::object(vec![
        (BROADCAST_TYPE_FIELD, BROADCAST_MIGRATED.into()),
        (BROADCAST_AT_FIELD, at.into()),
    ])
    .to_text()
}

pub const BROADCAST_TYPE_FIELD: &str = "type";
pub const BROADCAST_MIGRATED: &str = "migrated";
pub const BROADCAST_AT_FIELD: &str = "at";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_the_sdk_spells_them() {
        assert_eq!(
            REFRESH_TOKEN.make("default"),
            "authgear_default_refreshToken"
        );
        assert_eq!(ID_TOKEN.make("app"), "authgear_app_idToken");
        assert_eq!(LOCK.make("default"), "authgear-migrate:default");
        assert_eq!(migrated_message(5), r#"{"type":"migrated","at":5}"#);
    }
}
