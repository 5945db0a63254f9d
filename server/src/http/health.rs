use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use super::AppState;

/// The process is alive and serving HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can do useful work: the database answers. The upstream's
/// state is reported too, but does not make us unready: cached profiles are
/// still served while Clubhouse is down.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let upstream = state.upstream.health();
    if crate::db::is_reachable(&state.db).await {
        (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok", "upstream": upstream })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "database": "unreachable", "upstream": upstream })),
        )
    }
}
