//! The pure core: every decision of a migration, with time, randomness and storage contents
//! passed in. Nothing here touches the browser, so all of it is tested natively.

pub mod answer;
pub mod base64;
pub mod choice;
pub mod cookie;
pub mod event;
pub mod json;
pub mod keys;
pub mod options;
pub mod outcome;
pub mod presets;
pub mod retry;
pub mod search;
pub mod source;
pub mod state;
pub mod token;
pub mod validate;
