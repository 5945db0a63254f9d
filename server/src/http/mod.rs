//! The HTTP surface: Leptos pages and server functions, static files,
//! health endpoints.

mod api;
mod assets;
mod cards;
mod client_ip;
mod embeds;
mod feeds;
mod health;
mod images;
mod observe;
mod page_cache;
mod people;
mod reactive_root;
mod request_body;
mod security;
mod server_fns;
mod tidy_html;
mod unsubscribe;

pub use page_cache::{PageCache, CACHE_STATUS_HEADER};

use std::sync::Arc;

use axum::{extract::FromRef, handler::HandlerWithoutStateExt, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, render_app_async_with_context, LeptosRoutes};
use sqlx::PgPool;

use app::{shell, App};
use services::Services;
use tower::ServiceBuilder;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::{ServeDir, ServeFile},
};

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    /// What pages, server functions and the JSON API call.
    pub services: Services,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Set on SIGTERM: `/readyz` answers 503 while requests are still served.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    pub metrics_token: Option<secrecy::SecretString>,
    pub request_timeout: std::time::Duration,
    pub pages: Arc<page_cache::PageCache>,
}

/// What handlers and middleware hold. One `Arc`: axum clones every route's
/// whole middleware stack per request, state included, and cloning the
/// struct itself (the Leptos options, the services, the image client) was a
/// third of a replayed page's time.
#[derive(Clone)]
pub struct SharedState(Arc<AppState>);

impl std::ops::Deref for SharedState {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.0
    }
}

impl FromRef<SharedState> for LeptosOptions {
    fn from_ref(state: &SharedState) -> Self {
        state.leptos_options.clone()
    }
}

pub fn router(state: AppState) -> Router {
    let state = SharedState(Arc::new(state));
    let routes = generate_route_list(App);
    // Closures behind `Arc`s: like the state, they are cloned with the
    // middleware stack on every request, rendered or replayed.
    let asset_tags = app::AssetTags::render(&state.leptos_options);
    let embed_assets = asset_tags;
    let context = {
        let services = Arc::new(state.services.clone());
        move || {
            provide_context(asset_tags);
            provide_context(Services::clone(&services));
        }
    };
    // Files are served without Leptos. leptos_axum 0.8's file handler
    // applies the response options of whatever reactive owner is current on
    // its thread; under concurrent renders that was sometimes another
    // request's page, so the file took that page's headers (its CSP; a
    // Set-Cookie could have travelled the same way) and the page went out
    // without them. The end-to-end suite caught it as CSP errors on one run
    // in many; `files_and_pages_served_together_keep_their_own_headers`
    // (server/tests/it/security.rs) reproduces it every time against the old
    // handler and guards this. `reactive_root.rs` closes the same door for
    // server functions. Precompressed copies (`.br`,
    // `.gz`, written by `cargo leptos build --precompress`) are preferred.
    // `/{handle}` is a page route, so single-segment files need routes of
    // their own.
    let site_root = &state.leptos_options.site_root;
    let root_file = |name: &str| ServeFile::new(format!("{site_root}/{name}")).precompressed_br().precompressed_gzip();
    let shell_options = Arc::new(state.leptos_options.clone());
    // Any other path, a missing asset included: the app's own 404 page.
    let not_found_page = {
        let render = render_app_async_with_context(context.clone(), {
            let options = shell_options.clone();
            move || shell(LeptosOptions::clone(&options))
        });
        move |request: axum::extract::Request| render(request)
    };
    // Routed (not nested) so the path stays whole for the 404 page.
    let assets = ServeDir::new(&**site_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(not_found_page.clone().into_service());

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/img", get(images::proxy_image))
        .route("/api/v1/profiles/{username}", get(api::profile))
        .route("/api/v1/profiles/{username}/history", get(api::history))
        .route("/feed.atom", get(feeds::combined_feed))
        .route("/{handle}/feed.atom", get(feeds::person_feed))
        .route("/{handle}/card.png", get(cards::card))
        .route("/{handle}/embed", get(embeds::embed).layer(axum::Extension(embed_assets)))
        .route("/oembed", get(embeds::oembed))
        .route("/waitlist/unsubscribe", get(unsubscribe::page).post(unsubscribe::one_click))
        .route_service("/favicon.ico", root_file("favicon.ico"))
        .route_service("/robots.txt", root_file("robots.txt"))
        .route_service("/avatar-placeholder.svg", root_file("avatar-placeholder.svg"))
        .route_service(
            "/pkg/{*file}",
            ServiceBuilder::new().layer(axum::middleware::from_fn(assets::only_names_a_file_can_have)).service(assets),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = shell_options.clone();
            move || shell(LeptosOptions::clone(&options))
        })
        .fallback(not_found_page)
        // Grouped with ServiceBuilder: axum clones each `Router::layer` box
        // per request, so one box per group instead of one per layer.
        // Outermost first within a group.
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(state.clone(), client_ip::tag_client_ip))
                .layer(axum::middleware::from_fn(server_fns::decoding_errors_are_bad_requests))
                .layer(axum::middleware::from_fn_with_state(state.leptos_options.hash_files, assets::cache_headers))
                .layer(axum::middleware::from_fn(reactive_root::fresh_reactive_root))
                // Innermost: the page cache keeps pages already tidied.
                .layer(axum::middleware::from_fn(tidy_html::tidy_pages)),
        )
        .layer(RequestBodyLimitLayer::new(request_body::MAX_BODY_BYTES))
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(observe::drop_unplain_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(axum::middleware::from_fn(observe::observe))
                .layer(security::nosniff())
                .layer(security::referrer_policy())
                .layer(security::no_framing())
                .layer(security::default_policy())
                .layer(security::hsts(state.services.site.secure_cookies))
                // Before anything can answer, kept pages included.
                .layer(axum::middleware::from_fn_with_state(state.request_timeout, request_body::read_whole_body))
                // A replayed page needs none of the layers below, so it skips them.
                .layer(axum::middleware::from_fn_with_state(state.pages.clone(), page_cache::replay_profile_pages))
                // Inside the security headers, so a timeout's 503 carries them too.
                .layer(axum::middleware::from_fn_with_state(state.request_timeout, observe::deadline)),
        )
        .with_state(state)
}
