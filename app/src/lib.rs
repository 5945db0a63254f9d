//! The inssa web app: pages, components, islands and server functions.
//!
//! Rendered on the server (feature `ssr`) and, for the few interactive parts,
//! hydrated in the browser as Leptos *islands* (feature `hydrate`). The app names
//! no server crates: everything it needs from the server is a port declared in
//! [`ports`] and provided as context by the `server` crate.
// Deeply nested view types (islands inside `into_any`) need more room.
#![recursion_limit = "256"]

pub mod components;
pub mod email;
pub mod escape;
pub mod format;
pub mod i18n;
pub mod islands;
pub mod linkify;
pub mod model;
pub mod pages;
pub mod prefs;
pub mod profile;
pub mod server_data;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod username;
pub mod waitlist;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    path, ParamSegment, SsrMode, StaticSegment,
};

use crate::{
    components::layout::Layout,
    pages::{
        home::HomePage,
        not_found::NotFoundPage,
        profile::HandlePage,
        search::SearchPage,
        waitlist::{JoinedPage, LeavePage, LeftPage, WaitlistPage},
    },
    prefs::Prefs,
};

/// The name cargo-leptos gives the JS, WASM and CSS bundles (`/pkg/inssa.*`).
pub const OUTPUT_NAME: &str = "inssa";

/// The HTML document around every page. Runs on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let prefs = Prefs::from_request();
    view! {
        <!DOCTYPE html>
        <html lang=prefs.lang.code() data-theme=prefs.theme.as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                // With hashed asset names (release builds) the CSS name comes from hash.txt.
                <leptos_meta::HashedStylesheet options=options.clone() id="leptos" />
                <link rel="icon" href="/favicon.ico" sizes="any" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-stone-50 text-stone-900 antialiased dark:bg-stone-950 dark:text-stone-100">
                <App />
            </body>
        </html>
    }
}

/// The routed application inside `<body>`.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(Prefs::from_request());

    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("waitlist") view=WaitlistPage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("joined")) view=JoinedPage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("leave")) view=LeavePage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("left")) view=LeftPage />
                    // `/@username` and the original site's `/username`.
                    <Route path=ParamSegment("handle") view=HandlePage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
