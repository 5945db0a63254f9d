//! Security headers on every response, by tower-http's header layers.

use axum::Router;
use axum::{
    body::Body,
    http::{header, HeaderValue, Response},
};
use tower_http::set_header::SetResponseHeaderLayer;

/// The headers no response should lack. `https` (from `PUBLIC_URL`) adds
/// HSTS. Pages set their own Content-Security-Policy (scripts by hash and
/// nonce, see `app::csp`); every other response (JSON, images, files) gets
/// one that allows nothing at all, so a proxied SVG or a JSON body opened
/// as a document can run no script.
pub fn with_headers<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let hsts = https.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    router
        .layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, move |_: &Response<Body>| {
            hsts.clone()
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
}
