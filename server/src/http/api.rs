//! `GET /api/v1/profiles/{username}`: the sanitized profile as JSON, with
//! its freshness, an ETag and cache headers.

use axum::{
    extract::{Extension, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;
use serde_json::json;

use domain::{profile::ProfileLookup, username::Username};
use services::ClientIp;

use super::SharedState;

pub async fn profile(
    State(state): State<SharedState>,
    Path(username): Path<String>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    // One address per person: padded forms (spaces, `@`) are not a username here.
    let Ok(username) = Username::parse_exact(&username) else {
        return error(StatusCode::NOT_FOUND, "no such user: not a valid Clubhouse username");
    };
    match state.services.profiles.lookup(&username, client.map(|Extension(ip)| ip)).await {
        ProfileLookup::Found(entry) => {
            let etag = format!("\"{}-{}\"", entry.profile.user_id, entry.fetched_at.timestamp_micros());
            let age = Utc::now().signed_duration_since(entry.fetched_at).num_seconds().max(0) as u64;
            let fresh_left = state.services.profiles.policy().fresh_for.as_secs().saturating_sub(age);
            let cache_control = format!("public, max-age={}", fresh_left.min(300));
            let matches = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
            let mut response = if matches {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                Json(json!({
                    "profile": entry.profile,
                    "fetched_at": entry.fetched_at,
                    "age_seconds": age,
                    "freshness": entry.freshness,
                }))
                .into_response()
            };
            let h = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&etag) {
                h.insert(header::ETAG, v);
            }
            if let Ok(v) = HeaderValue::from_str(&cache_control) {
                h.insert(header::CACHE_CONTROL, v);
            }
            response
        }
        ProfileLookup::NotFound => error(StatusCode::NOT_FOUND, "no such user"),
        ProfileLookup::Gone => error(StatusCode::NOT_FOUND, "this account no longer exists"),
        ProfileLookup::Unavailable { retry_after_secs } => {
            let mut response =
                error(StatusCode::SERVICE_UNAVAILABLE, "Clubhouse is not answering and nothing is cached");
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(json!({ "error": message }))).into_response()
}
