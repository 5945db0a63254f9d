//! Every request's body is read whole before anything answers it.
//!
//! hyper closes a connection whose request body was left unread, and Linux
//! answers bytes still arriving on a closed socket with a reset, which can
//! destroy the response the client was about to read. The 100,000-request
//! benchmark lost 83 answers that way (404s, 405s and kept pages sent before
//! a 24 KB body had arrived). So bodies are read first: kept up to the
//! body limit, and discarded beyond it up to `DRAIN_BYTES`, after which the
//! answer is a 413 (a 408 if the body takes longer than the request
//! deadline). nginx in front does the same ("lingering close"); this
//! keeps the server right without it. Written here because tower-http's
//! body limit answers a long body at once, unread.

use std::time::Duration;

use axum::{
    body::{Body, HttpBody},
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures::StreamExt;

/// The largest body any route accepts (forms and server functions).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// How much of a longer body is read and thrown away so its 413 arrives.
const DRAIN_BYTES: usize = 1024 * 1024;

/// `read_timeout` is the server's request deadline (`REQUEST_TIMEOUT_SECS`):
/// a body that has not arrived by then will not.
pub async fn read_whole_body(State(read_timeout): State<Duration>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let read = async move {
        let mut stream = body.into_data_stream();
        let mut kept = Vec::new();
        let mut seen = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            seen += chunk.len();
            if seen <= MAX_BODY_BYTES {
                kept.extend_from_slice(&chunk);
            } else if seen > DRAIN_BYTES {
                break;
            }
        }
        Ok::<_, axum::Error>((kept, seen))
    };
    match tokio::time::timeout(read_timeout, read).await {
        Ok(Ok((kept, seen))) if seen <= MAX_BODY_BYTES => next.run(Request::from_parts(parts, Body::from(kept))).await,
        Ok(Ok((_, seen))) => {
            let mut response = (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
            if seen > DRAIN_BYTES {
                // The rest is left unread: the connection cannot be reused.
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
        // The client broke off or sent a malformed body.
        Ok(Err(_)) => (StatusCode::BAD_REQUEST, "the request body could not be read").into_response(),
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time").into_response(),
    }
}
