//! Status codes for server-function requests that cannot be decoded.

use axum::{extract::Request, http::StatusCode, middleware::Next, response::Response};

/// Leptos answers a server-function request whose arguments do not decode
/// (a missing field, a body that is not a form) with 500. Our server
/// functions never fail with 500 themselves (their errors carry their own
/// status), so a 500 here is always the client's malformed request: 400.
/// Found by `tests/robustness.rs`.
pub async fn decoding_errors_are_bad_requests(request: Request, next: Next) -> Response {
    let is_server_fn = {
        let path = request.uri().path();
        path.starts_with("/api/waitlist/") || path.starts_with("/api/prefs/")
    };
    let mut response = next.run(request).await;
    if is_server_fn && response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::info!("server function request could not be decoded");
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}
