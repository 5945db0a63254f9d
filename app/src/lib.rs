//! The inssa web app: pages, components, islands and server functions.
//!
//! Pages render on the server only (feature `ssr`), where they call the
//! `services` crate directly; the few interactive parts are Leptos *islands*,
//! hydrated in the browser (feature `hydrate`). The browser build holds the
//! islands, the server-function stubs they call and the types both sides
//! share, nothing else.
// Deeply nested view types (islands inside `into_any`) need more room.
#![recursion_limit = "256"]

pub mod i18n;
pub mod islands;
pub mod prefs;
pub mod waitlist;

#[cfg(feature = "ssr")]
pub mod components;
#[cfg(feature = "ssr")]
pub mod csp;
#[cfg(feature = "ssr")]
pub mod escape;
#[cfg(feature = "ssr")]
pub mod format;
#[cfg(feature = "ssr")]
pub mod history_text;
#[cfg(feature = "ssr")]
pub mod linkify;
#[cfg(feature = "ssr")]
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server_data;
#[cfg(feature = "ssr")]
pub mod share;
#[cfg(feature = "ssr")]
mod shell;

#[cfg(feature = "ssr")]
pub use shell::{shell, App, AssetTags};

/// The name cargo-leptos gives the JS, WASM and CSS bundles (`/pkg/inssa.*`).
pub const OUTPUT_NAME: &str = "inssa";
