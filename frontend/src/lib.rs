//! The browser entry point: hydrates the islands of a server-rendered page.

// Linking the app crate brings in the `#[island]` components it exports.
extern crate app;

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by Leptos' island loader once the WASM module is instantiated.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
