//! `/img?src=…`: the avatar proxy. Pages never hot-link Clubhouse's image
//! hosts; this fetches from an allow-list only, follows no redirect off it,
//! accepts only raster image types up to a size limit, keeps a bounded number
//! of fetches in flight, and lets browsers and the edge cache the result for
//! a week.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use reqwest::Url;
use serde::Deserialize;
use tokio::sync::Semaphore;

use super::SharedState;
use services::metrics;

const ALLOWED_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"];
const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// How long a request waits for a fetch slot before it is turned away: an
/// avatar is not worth holding a connection for longer.
const WAIT_FOR_SLOT: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct ImageProxy {
    http: reqwest::Client,
    allowed_hosts: Arc<Vec<String>>,
    /// One permit per fetch in flight: a flood of `/img` requests (each with
    /// a new query string, so no cache helps) cannot open unbounded
    /// connections to the image hosts.
    slots: Arc<Semaphore>,
}

impl ImageProxy {
    pub fn new(allowed_hosts: Vec<String>, fetches_at_once: u32) -> Result<ImageProxy, reqwest::Error> {
        let allowed_hosts = Arc::new(allowed_hosts);
        let for_redirects = allowed_hosts.clone();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(8))
            .connect_timeout(Duration::from_secs(4))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= 3 || !is_allowed(&for_redirects, attempt.url()) {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }))
            .build()?;
        let slots = Arc::new(Semaphore::new(fetches_at_once.max(1) as usize));
        Ok(ImageProxy { http, allowed_hosts, slots })
    }

    pub fn allows(&self, url: &Url) -> bool {
        is_allowed(&self.allowed_hosts, url)
    }
}

/// `host` entries match the scheme's default port; `host:port` entries that port.
fn is_allowed(hosts: &[String], url: &Url) -> bool {
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
    let wanted = match url.port() {
        None => host,
        Some(port) => format!("{host}:{port}"),
    };
    hosts.contains(&wanted)
}

#[derive(Deserialize)]
pub struct ImageQuery {
    src: String,
}

pub async fn proxy_image(State(state): State<SharedState>, Query(query): Query<ImageQuery>) -> Response {
    let proxy = &state.images;
    let url = match Url::parse(query.src.trim()) {
        Ok(url) if proxy.allows(&url) => url,
        _ => {
            metrics::image_fetch("refused");
            return plain(StatusCode::BAD_REQUEST, "image source not allowed");
        }
    };
    let Ok(Ok(_slot)) = tokio::time::timeout(WAIT_FOR_SLOT, proxy.slots.clone().acquire_owned()).await else {
        metrics::image_fetch("busy");
        let mut busy = plain(StatusCode::SERVICE_UNAVAILABLE, "image proxy busy");
        busy.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return busy;
    };
    let response = fetch(proxy, url).await;
    metrics::image_fetch(match response.status() {
        StatusCode::OK => "ok",
        StatusCode::NOT_FOUND => "not_found",
        _ => "failed",
    });
    response
}

/// Fetches an allowed image and answers with it, or with a plain error.
async fn fetch(proxy: &ImageProxy, url: Url) -> Response {
    let mut upstream = match proxy.http.get(url.clone()).send().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(host = url.host_str(), "image fetch failed: {}", e.without_url());
            return plain(StatusCode::BAD_GATEWAY, "image unavailable");
        }
    };
    match upstream.status() {
        s if s.is_success() => {}
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => return plain(StatusCode::NOT_FOUND, "image not found"),
        s => {
            tracing::warn!(host = url.host_str(), status = s.as_u16(), "image fetch refused");
            return plain(StatusCode::BAD_GATEWAY, "image unavailable");
        }
    }
    let content_type = upstream
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !ALLOWED_TYPES.contains(&content_type.as_str()) {
        return plain(StatusCode::BAD_GATEWAY, "not an image");
    }
    if upstream.content_length().is_some_and(|n| n as usize > MAX_IMAGE_BYTES) {
        return plain(StatusCode::BAD_GATEWAY, "image too large");
    }
    let mut bytes = Vec::new();
    loop {
        match upstream.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
                    return plain(StatusCode::BAD_GATEWAY, "image too large");
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(_) => return plain(StatusCode::BAD_GATEWAY, "image unavailable"),
        }
    }
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("image/png")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=604800, immutable"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    response
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], message).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matches_host_and_port_exactly() {
        let hosts = vec!["clubhouseprod.s3.amazonaws.com".to_owned(), "127.0.0.1:4010".to_owned()];
        let ok = |u: &str| is_allowed(&hosts, &Url::parse(u).unwrap());
        assert!(ok("https://clubhouseprod.s3.amazonaws.com:443/1_abc"));
        assert!(ok("https://CLUBHOUSEPROD.s3.amazonaws.com/1_abc"));
        assert!(ok("http://127.0.0.1:4010/avatars/1.png"));
        assert!(!ok("http://127.0.0.1:4011/avatars/1.png"));
        assert!(!ok("http://127.0.0.1/avatars/1.png"));
        assert!(!ok("https://clubhouseprod.s3.amazonaws.com.evil.example/x"));
        assert!(!ok("https://user:pw@clubhouseprod.s3.amazonaws.com/x"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("https://169.254.169.254/latest/meta-data"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Addresses built from the pieces attacks use: userinfo, look-alike
        /// hosts, ports, encoded characters, fragments.
        fn address() -> impl Strategy<Value = String> {
            let scheme =
                prop::sample::select(vec!["http://", "https://", "HTTPS://", "file://", "javascript:", "//", ""]);
            let userinfo = prop::sample::select(vec!["", "user@", "user:pw@", "img.example@", "@"]);
            let host = prop::sample::select(vec![
                "img.example",
                "IMG.EXAMPLE",
                "img.example.",
                "img.example.evil.test",
                "evil.test",
                "127.0.0.1",
                "[::1]",
                "169.254.169.254",
                "img%2eexample",
                "xn--mg-7ka.example",
                "",
            ]);
            let port = prop::sample::select(vec!["", ":443", ":80", ":4010", ":8443", ":0", ":99999"]);
            let tail = prop::sample::select(vec![
                "",
                "/a.png",
                "/../x",
                "#@evil.test",
                "?@evil.test",
                "\\@evil.test/",
                "/%2F%2Fevil.test",
            ]);
            (scheme, userinfo, host, port, tail, "[ -~]{0,8}")
                .prop_map(|(s, u, h, p, t, junk)| format!("{s}{u}{h}{p}{t}{junk}"))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]

            #[test]
            fn only_listed_hosts_on_listed_ports_pass(address in address()) {
                let hosts = vec!["img.example".to_owned(), "127.0.0.1:4010".to_owned()];
                if let Ok(url) = Url::parse(&address) {
                    if is_allowed(&hosts, &url) {
                        prop_assert!(matches!(url.scheme(), "http" | "https"));
                        prop_assert!(url.username().is_empty() && url.password().is_none());
                        let host = url.host_str().unwrap().to_ascii_lowercase();
                        let allowed = (host == "img.example" && url.port().is_none())
                            || (host == "127.0.0.1" && url.port() == Some(4010));
                        prop_assert!(allowed, "{} let through", address);
                    }
                }
            }
        }
    }
}
