//! The browser edge: thin wrappers over web-sys, one noun per file. Browser types stay here;
//! the rest of the engine sees Rust types.

pub mod broadcast;
pub mod clock;
pub mod device;
pub mod http;
pub mod indexeddb;
pub mod lock;
pub mod pending;
pub mod random;
pub mod report;
pub mod storage;
pub mod webcrypto;
