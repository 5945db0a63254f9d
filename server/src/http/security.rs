//! Security headers on every response, by tower-http's header layers
//! (stacked in `http/mod.rs`).

use axum::{
    body::Body,
    http::{header, HeaderValue, Response},
};
use tower_http::set_header::SetResponseHeaderLayer;

type HeaderLayer<M> = SetResponseHeaderLayer<M>;

pub fn nosniff() -> HeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))
}

pub fn referrer_policy() -> HeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    )
}

/// `X-Frame-Options: DENY` on everything but the embed, whose policy
/// (`frame-ancestors *`, see `app::csp::EMBED_POLICY`) lets other sites frame it.
pub fn no_framing() -> HeaderLayer<impl Fn(&Response<Body>) -> Option<HeaderValue> + Clone> {
    SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, |response: &Response<Body>| {
        let policy = response.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok());
        (!policy.is_some_and(app::csp::allows_framing)).then(|| HeaderValue::from_static("DENY"))
    })
}

/// Pages set their own Content-Security-Policy (scripts by hash and nonce,
/// see `app::csp`); every other response (JSON, images, files) gets one that
/// allows nothing at all, so a proxied SVG or a JSON body opened as a
/// document can run no script.
pub fn default_policy() -> HeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    )
}

/// HSTS when the site is served over HTTPS (`PUBLIC_URL`).
pub fn hsts(https: bool) -> HeaderLayer<impl Fn(&Response<Body>) -> Option<HeaderValue> + Clone> {
    let value = https.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, move |_: &Response<Body>| value.clone())
}
