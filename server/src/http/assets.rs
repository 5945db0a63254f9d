//! Cache headers for the built site's assets under `/pkg/`.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The longest file name and path Linux file systems hold (`NAME_MAX`,
/// `PATH_MAX`).
const NAME_MAX: usize = 255;
const PATH_MAX: usize = 4096;

/// A name no file can have is not found. The file service would try to
/// open it and answer the file system's "name too long", or "invalid
/// argument" for a NUL byte (`%00`), with a 500; the random requests found
/// both.
pub async fn only_names_a_file_can_have(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let nul = path.as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"));
    if nul || path.len() > PATH_MAX || path.split('/').any(|segment| segment.len() > NAME_MAX) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    next.run(request).await
}

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
