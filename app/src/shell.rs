//! The HTML document and the routes: rendered on the server only (in
//! islands mode the browser hydrates the islands and nothing else).

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    path, ParamSegment, SsrMode, StaticSegment,
};

use crate::{
    components::layout::Layout,
    csp,
    pages::{
        about::AboutPage,
        history::HistoryRoute,
        home::HomePage,
        not_found::NotFoundPage,
        profile::HandlePage,
        search::SearchPage,
        waitlist::{ConfirmPage, ConfirmedPage, JoinedPage, LeavePage, LeftPage, WaitlistPage},
    },
    prefs::Prefs,
    server_data,
};

/// The `<head>` tags that load the site's CSS, JS and WASM, rendered once
/// per process: Leptos reads `hash.txt` from disk each time it renders them,
/// which cost a fifth of a cached profile page (see docs/BENCHMARKS.md).
#[derive(Clone, Copy)]
pub struct AssetTags {
    html: &'static str,
    /// The stylesheet's tag alone, for documents without scripts (embeds).
    pub stylesheet: &'static str,
    /// CSP sources for the inline bootstrap script in `html`.
    script_hashes: &'static str,
}

impl AssetTags {
    pub fn render(options: &LeptosOptions) -> AssetTags {
        let mut options = options.clone();
        let hash_file = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.join(&*options.hash_file)))
            .filter(|path| path.exists());
        if options.hash_files && hash_file.is_none() {
            // Leptos would panic on every page; plain names still work.
            leptos::logging::error!("hashed asset names configured but no {} beside the binary", options.hash_file);
            options.hash_files = false;
        }
        let owner = Owner::new();
        let html = owner.with(|| {
            view! {
                <leptos_meta::HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options=options.clone() islands=true />
            }
            .to_html()
        });
        let stylesheet =
            owner.with(|| view! { <leptos_meta::HashedStylesheet options=options.clone() id="leptos" /> }.to_html());
        let script_hashes = csp::inline_script_hashes(&html);
        // Once per process, for the life of the process.
        AssetTags {
            html: Box::leak(html.into_boxed_str()),
            stylesheet: Box::leak(stylesheet.into_boxed_str()),
            script_hashes: Box::leak(script_hashes.into_boxed_str()),
        }
    }
}

fn asset_tags(options: LeptosOptions) -> impl IntoView {
    match use_context::<AssetTags>() {
        Some(AssetTags { html, script_hashes, .. }) => {
            set_page_policy(script_hashes);
            // What HydrationScripts does besides its tags: an islands page
            // serializes no hydration state.
            if let Some(context) = Owner::current_shared_context() {
                context.set_is_hydrating(false);
            }
            leptos::tachys::html::InertElement::new(html).into_any()
        }
        // Without the server's pre-rendered tags (never in this server):
        // the same tags, rendered live, and no script policy to match them.
        None => view! {
            <leptos_meta::HashedStylesheet options=options.clone() id="leptos" />
            <HydrationScripts options islands=true />
        }
        .into_any(),
    }
}

/// Sends the page's Content-Security-Policy.
fn set_page_policy(script_hashes: &str) {
    let nonce = leptos::nonce::use_nonce();
    server_data::set_header("content-security-policy", &csp::page_policy(script_hashes, nonce.as_deref()));
}

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let prefs = Prefs::from_request();
    view! {
        <!DOCTYPE html>
        <html lang=prefs.lang.code() data-theme=prefs.theme.as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.ico" sizes="any" />
                {asset_tags(options)}
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
    let (prefs, chosen_in_link) = Prefs::from_request_and_url();
    Prefs::keep_url_choice(chosen_in_link);
    provide_context(prefs);

    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("about") view=AboutPage />
                    <Route path=StaticSegment("waitlist") view=WaitlistPage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("joined")) view=JoinedPage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("confirm")) view=ConfirmPage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("confirmed")) view=ConfirmedPage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("leave")) view=LeavePage />
                    <Route path=(StaticSegment("waitlist"), StaticSegment("left")) view=LeftPage />
                    // `/@username` and the original site's `/username`.
                    <Route path=ParamSegment("handle") view=HandlePage ssr=SsrMode::Async />
                    <Route path=(ParamSegment("handle"), StaticSegment("history")) view=HistoryRoute ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
