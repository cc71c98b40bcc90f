//! One migration per device and Authgear container at a time.
//!
//! `navigator.locks` where present: the browser releases the lock when the holder's tab dies.
//! Elsewhere (older webviews), a lease in `localStorage` with an expiry, so that a dead tab
//! cannot hold it for longer than the lease. Without storage at all there is nothing to share
//! with another tab, and the engine runs unlocked.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::json::Json;
use crate::core::source::Area;
use crate::engine::device::LockTimeout;
use crate::prelude::*;
use crate::web::clock::{Timer, now_ms, sleep};
use crate::web::pending::{self, Ticket};
use crate::web::random;
use crate::web::storage::WebArea;

#[wasm_bindgen]
extern "C" {
    type LockManager;

    #[wasm_bindgen(method, js_name = request)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> js_sys::Promise;
}

/// The lock, held until dropped.
pub struct LockGuard {
    held: Held,
    pub mechanism: &'static str,
}

enum Held {
    /// Released by a panic too, while `_ticket` is held: the guard of a trapped call is never
    /// dropped.
    WebLock {
        release: js_sys::Function,
        _ticket: Ticket,
    },
    Lease(WebArea, String, String),
    Nothing,
}

/// Takes the lock `name`, waiting at most `wait_ms`. A lease, where one is used, lasts `lease_ms`.
pub async fn acquire(name: &str, wait_ms: u64, lease_ms: u64) -> Result<LockGuard, LockTimeout> {
    match web_locks() {
        Some(locks) => acquire_web_lock(&locks, name, wait_ms).await,
        None => acquire_lease(name, wait_ms, lease_ms).await,
    }
}

fn web_locks() -> Option<LockManager> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).ok()?;
    locks.is_object().then(|| locks.unchecked_into())
}

async fn acquire_web_lock(
    locks: &LockManager,
    name: &str,
    wait_ms: u64,
) -> Result<LockGuard, LockTimeout> {
    let mut release = None;
    let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
    let mut granted = None;
    let acquired = js_sys::Promise::new(&mut |resolve, _| granted = Some(resolve));
    let (release, granted) = (release.ok_or(LockTimeout)?, granted.ok_or(LockTimeout)?);
    // Before the request: a lock granted after a panic then comes with its release done.
    let ticket = pending::register(&release);
    // The browser holds the lock until the promise the callback returns settles.
    let callback = Closure::once_into_js(move |_lock: JsValue| {
        let _ = granted.call0(&JsValue::NULL);
        held
    });

    let controller = web_sys::AbortController::new().map_err(|_| LockTimeout)?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"signal".into(), &controller.signal())
        .map_err(|_| LockTimeout)?;
    let _timer = Timer::once(wait_ms, move || controller.abort());

    let request = locks.request(name, &options, &callback);
    let race = js_sys::Promise::race(&js_sys::Array::of2(&acquired, &request));
    // Rejects with an AbortError when the wait ran out first.
    JsFuture::from(race).await.map_err(|_| LockTimeout)?;
    Ok(LockGuard {
        held: Held::WebLock {
            release,
            _ticket: ticket,
        },
        mechanism: "web-locks",
    })
}

/// Stored as `{"owner", "expiresAt"}`.
struct Lease {
    owner: String,
    expires_at: i64,
}

impl Lease {
    /// `owner`'s lease, from now for `lease_ms`.
    fn from_now(owner: &str, lease_ms: u64) -> Self {
        Self {
            owner: owner.to_owned(),
            expires_at: now_ms().saturating_add(i64::try_from(lease_ms).unwrap_or(i64::MAX)),
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        let lease = Json::parse(stored).ok()?;
        Some(Self {
            owner: lease.str("owner")?.to_owned(),
            expires_at: lease.get("expiresAt")?.as_integer()?,
        })
    }

    fn to_json(&self) -> String {
        Json::object(vec![
            ("owner", Json::from(self.owner.as_str())),
            ("expiresAt", Json::from(self.expires_at)),
        ])
        .to_text()
    }
}

async fn acquire_lease(name: &str, wait_ms: u64, lease_ms: u64) -> Result<LockGuard, LockTimeout> {
    let Ok(store) = WebArea::open(Area::LocalStorage) else {
        return Ok(LockGuard {
            held: Held::Nothing,
            mechanism: "none",
        });
    };
    let owner = random::key();
    let deadline = now_ms().saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX));
    loop {
        let now = now_ms();
        if read_lease(&store, name).is_none_or(|lease| lease.expires_at <= now) {
            if store
                .set(name, &Lease::from_now(&owner, lease_ms).to_json())
                .is_err()
            {
                return Ok(LockGuard {
                    held: Held::Nothing,
                    mechanism: "none",
                });
            }
            // Two tabs can both see the lease free; the later write wins, and each reads back
            // after a pause to learn which one it was.
            sleep(25 + (random::unit() * 25.0) as u64).await;
            if read_lease(&store, name).is_some_and(|lease| lease.owner == owner) {
                return Ok(LockGuard {
                    held: Held::Lease(store, name.to_owned(), owner),
                    mechanism: "lease",
                });
            }
        }
        if now >= deadline {
            return Err(LockTimeout);
        }
        sleep(100 + (random::unit() * 100.0) as u64).await;
    }
}

impl LockGuard {
    /// Still this call's lock; a lease is extended by `lease_ms`. A lease that ran out is not
    /// (another tab may be taking it this instant: its write and this one would race), nor one
    /// another tab holds, nor one gone (that tab finished and freed it): this call must stop.
    pub fn keep(&self, lease_ms: u64) -> bool {
        let Held::Lease(store, name, owner) = &self.held else {
            return true;
        };
        if read_lease(store, name)
            .is_none_or(|lease| lease.owner != *owner || lease.expires_at <= now_ms())
        {
            return false;
        }
        // Storage that stopped taking writes: the lease ends by itself, as one that was never
        // renewed does.
        let _ = store.set(name, &Lease::from_now(owner, lease_ms).to_json());
        true
    }
}

fn read_lease(store: &WebArea, name: &str) -> Option<Lease> {
    Lease::parse(&store.get(name).ok()??)
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        match &self.held {
            Held::WebLock { release, .. } => {
                let _ = release.call0(&JsValue::NULL);
            }
            Held::Lease(store, name, owner) => {
                if read_lease(store, name).is_some_and(|lease| lease.owner == *owner) {
                    let _ = store.remove(name);
                }
            }
            Held::Nothing => {}
        }
    }
}
