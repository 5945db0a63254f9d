//! The interactive parts: the only components compiled to WASM.

pub mod theme_toggle;
pub mod waitlist;
