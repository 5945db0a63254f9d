//! Every request is counted and timed for `/metrics`, logged under its id
//! (set by tower-http's request-id layers, see `drop_unplain_request_id`),
//! and cut off after the request timeout.

use std::time::{Duration, Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderName, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::Instrument;

use services::metrics;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Drops an incoming request id unless it is short and plain, so that
/// tower-http's `SetRequestIdLayer` (which keeps any id it is given) makes a
/// new one: an id from our proxy (nginx's `$request_id`) joins the log lines
/// of both, but a forged one must not reach the logs.
pub async fn drop_unplain_request_id(mut request: Request) -> Request {
    let plain = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).is_some_and(is_plain_id);
    if !plain {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

/// Counts, times and logs one request. Runs outside the timeout, so a
/// timed-out request is counted with its 503.
pub async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
    // The route pattern, not the path: bounded label values, no usernames.
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "other".into());
    let method = request.method().clone();
    // A bounded label: hyper accepts any method name.
    let method_label = match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    // The path without its query string, which may carry a removal token.
    let span = tracing::info_span!("request", id = %id, method = %method, path = %request.uri().path());

    let response = next.run(request).instrument(span.clone()).await;

    let status = response.status();
    let elapsed = started.elapsed();
    metrics::http_request(&route, method_label, status.as_u16(), elapsed);
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), elapsed_ms = elapsed.as_millis() as u64, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), elapsed_ms = elapsed.as_millis() as u64, "request done");
        }
    });
    response
}

fn is_plain_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Answers 503 when a request runs longer than the configured timeout, so
/// a slow upstream or database cannot pile up connections forever.
/// Hand-written: tower-http's `TimeoutLayer` answers a bare status, without
/// `Retry-After`, a body, or the route for the metric and the log.
pub async fn deadline(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let route = route.as_deref().unwrap_or("other");
            tracing::warn!(route, timeout_ms = timeout.as_millis() as u64, "request timed out");
            metrics::http_timeout(route);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5"), (header::CACHE_CONTROL, "no-store")],
                "The server took too long to answer. Please try again in a few seconds.\n",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_id;

    #[test]
    fn only_plain_ids_are_kept() {
        assert!(is_plain_id("5f0c6a1e9b2d4c7f8e1a3b5d7c9e0f12"));
        assert!(is_plain_id("req-1_a"));
        assert!(!is_plain_id(""));
        assert!(!is_plain_id("a b"));
        assert!(!is_plain_id("x\"}{\"level\":\"error"));
        assert!(!is_plain_id(&"a".repeat(65)));
    }
}
