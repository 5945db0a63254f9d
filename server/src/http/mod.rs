//! The HTTP surface: Leptos pages and server functions, static files,
//! health endpoints.

mod health;

use std::sync::Arc;

use axum::{extract::FromRef, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use sqlx::PgPool;

use app::{ports::SiteSettings, shell, App};

use crate::upstream::ClubhouseClient;

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub site: SiteSettings,
    pub upstream: Arc<ClubhouseClient>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.site.clone())
    };
    let shell_options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = shell_options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
        .with_state(state)
}
