//! Types shared by every part of inssa: the browser build, the pages and the
//! server-side services. Plain data and parsers only, so it compiles to WASM
//! and depends on nothing of ours.

pub mod email;
pub mod model;
pub mod profile;
pub mod username;
