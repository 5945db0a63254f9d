//! `GET /api/v1/profiles/{username}`: the sanitized profile as JSON, with
//! its freshness, an ETag and cache headers; `.../history`: its versions,
//! changes and follower samples, a page at a time.

use axum::{
    extract::{Extension, Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;
use serde_json::json;

use domain::{profile::ProfileLookup, username::Username};
use services::ClientIp;

use super::{people, SharedState};

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
            let mut response = if people::reader_has(&headers, &etag) {
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

#[derive(Debug, Default, serde::Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    per_page: Option<String>,
}

/// Largest page of the history API.
const HISTORY_PER_PAGE_MAX: u32 = 500;

/// `GET /api/v1/profiles/{username}/history?page=1&per_page=100`: versions
/// (each with the changes it brought) and samples, newest first; one page
/// of each, `next_page` while either has more.
pub async fn history(
    State(state): State<SharedState>,
    Path(username): Path<String>,
    Query(query): Query<HistoryQuery>,
    client: Option<Extension<ClientIp>>,
) -> Response {
    let number = |value: &Option<String>, default: u32, max: u32| match value.as_deref() {
        None => Ok(default),
        Some(v) => v.trim().parse::<u32>().ok().filter(|n| (1..=max).contains(n)).ok_or(()),
    };
    let (Ok(page), Ok(per_page)) =
        (number(&query.page, 1, 1_000_000), number(&query.per_page, 100, HISTORY_PER_PAGE_MAX))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("page must be a whole number from 1, per_page from 1 to {HISTORY_PER_PAGE_MAX}"),
        );
    };
    let Ok(username) = Username::parse_exact(&username) else {
        return error(StatusCode::NOT_FOUND, "no such user: not a valid Clubhouse username");
    };
    let entry = match state.services.profiles.lookup(&username, client.map(|Extension(ip)| ip)).await {
        ProfileLookup::Found(entry) => entry,
        ProfileLookup::NotFound => return error(StatusCode::NOT_FOUND, "no such user"),
        ProfileLookup::Gone => return error(StatusCode::NOT_FOUND, "this account no longer exists"),
        ProfileLookup::Unavailable { retry_after_secs } => {
            let mut response =
                error(StatusCode::SERVICE_UNAVAILABLE, "Clubhouse is not answering and nothing is cached");
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
    };
    let user_id = entry.profile.user_id;
    // One version more than the page, to tell the page's oldest one's changes.
    let found = state.services.history.page(user_id, page, per_page).await;
    let older = state.services.history.version_after_page(user_id, page, per_page).await;
    let (history, older) = match (found, older) {
        (Ok(history), Ok(older)) => (history, older),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("history of {user_id} unavailable: {e}");
            return error(StatusCode::SERVICE_UNAVAILABLE, "history is unavailable; try again later");
        }
    };
    let mut with_older = history.versions.clone();
    with_older.extend(older);
    let versions: Vec<serde_json::Value> = history
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let changes =
                with_older.get(i + 1).map(|prev| services::history::changes_between(&prev.content, &v.content));
            json!({ "id": v.id, "seen_at": v.seen_at, "content": v.content, "changes": changes })
        })
        .collect();
    let next = history
        .next_page
        .map(|n| format!("/api/v1/profiles/{}/history?page={n}&per_page={per_page}", username.as_str()));
    (
        [(header::CACHE_CONTROL, "public, max-age=60")],
        Json(json!({
            "user_id": user_id,
            "username": entry.profile.username,
            "page": page,
            "per_page": per_page,
            "total_versions": history.total_versions,
            "total_samples": history.total_samples,
            "versions": versions,
            "samples": history.samples,
            "next": next,
        })),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(json!({ "error": message }))).into_response()
}
