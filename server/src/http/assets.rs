//! Cache headers for the built site's assets under `/pkg/`.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// With content-hashed file names an asset never changes under its name, so
/// browsers and proxies may keep it for a year. Without hashes they must ask
/// again each time (`no-cache` still lets them reuse it after a 304).
pub async fn cache_headers(State(hashed): State<bool>, request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    if is_asset && response.status().is_success() {
        let policy = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}
