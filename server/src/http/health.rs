use std::sync::atomic::Ordering;

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

use super::SharedState;
use secrecy::ExposeSecret;
use services::metrics;
use subtle::ConstantTimeEq;

/// The process is alive and serving HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can do useful work: the database answers, and it is not
/// shutting down (after SIGTERM it answers 503 at once, so the proxy stops
/// sending it requests while it still serves the ones that come). The
/// upstream's state is reported too, but does not make us unready: cached
/// profiles are still served while Clubhouse is down.
pub async fn readyz(State(state): State<SharedState>) -> (StatusCode, Json<Value>) {
    let client = state.services.profiles.upstream();
    // What other replicas learnt of the accounts (a pause, a ban) shows here too.
    client.sync_shared_state().await;
    let upstream = client.health();
    // Whether this replica hears other replicas' writes (else it trusts its
    // memory for seconds only); reported, not a reason to be unready.
    let changes = if state.services.profiles.changes().is_listening() { "listening" } else { "not listening" };
    if state.draining.load(Ordering::Relaxed) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining", "upstream": upstream, "profile_changes": changes })),
        );
    }
    if services::db::is_reachable(&state.db).await {
        (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok", "upstream": upstream, "profile_changes": changes })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "not ready", "database": "unreachable", "upstream": upstream, "profile_changes": changes }),
            ),
        )
    }
}

/// Prometheus text format. With `METRICS_TOKEN` set, only for a scraper
/// that sends it; the edge proxy does not route `/metrics` at all.
pub async fn metrics(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.metrics_token {
        let sent =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        // Constant time, so response time says nothing about how much matched.
        if !sent.is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(token.expose_secret().as_bytes()))) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics need a token\n")
                .into_response();
        }
    }
    metrics::database_pool(state.db.size(), state.db.num_idle(), state.db.options().get_max_connections());
    // Sets each account's state gauge, with what other replicas learnt.
    let upstream = state.services.profiles.upstream();
    upstream.sync_shared_state().await;
    upstream.health();
    let handle = metrics::handle();
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
        handle.render(),
    )
        .into_response()
}
