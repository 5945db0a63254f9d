//! Fetching images from outside hosts, for the avatar proxy (`/img`) and
//! the share cards: an allow-list only, no redirect off it, raster image
//! types only, a size limit, and a bounded number of fetches in flight.

use std::{sync::Arc, time::Duration};

use reqwest::{header, StatusCode, Url};
use tokio::sync::Semaphore;

const ALLOWED_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"];
const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// How long a fetch waits for a slot before it is turned away: an avatar is
/// not worth holding a connection for longer.
const WAIT_FOR_SLOT: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct ImageFetcher {
    http: reqwest::Client,
    allowed_hosts: Arc<Vec<String>>,
    /// One permit per fetch in flight: a flood of `/img` requests (each with
    /// a new query string, so no cache helps) cannot open unbounded
    /// connections to the image hosts.
    slots: Arc<Semaphore>,
}

/// An image as its host sent it.
pub struct FetchedImage {
    /// One of the allowed types, lower case, without parameters.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why no image came back. The `Display` text is safe to show.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("image source not allowed")]
    NotAllowed,
    #[error("image proxy busy")]
    Busy,
    #[error("image not found")]
    NotFound,
    #[error("image unavailable")]
    Unavailable,
    #[error("not an image")]
    NotAnImage,
    #[error("image too large")]
    TooLarge,
}

impl ImageError {
    /// Whether asking again later may succeed (so a result drawn without
    /// the image must not be kept).
    pub fn is_transient(&self) -> bool {
        matches!(self, ImageError::Busy | ImageError::Unavailable)
    }
}

impl ImageFetcher {
    pub fn new(allowed_hosts: Vec<String>, fetches_at_once: u32) -> Result<ImageFetcher, reqwest::Error> {
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
        Ok(ImageFetcher { http, allowed_hosts, slots })
    }

    pub fn allows(&self, url: &Url) -> bool {
        is_allowed(&self.allowed_hosts, url)
    }

    /// Fetches `src` if it is an allowed address, within the fetch slots.
    /// Counts the outcome in `image_fetches_total`.
    pub async fn fetch(&self, src: &str) -> Result<FetchedImage, ImageError> {
        let result = self.fetch_uncounted(src).await;
        crate::metrics::image_fetch(match &result {
            Ok(_) => "ok",
            Err(ImageError::NotAllowed) => "refused",
            Err(ImageError::Busy) => "busy",
            Err(ImageError::NotFound) => "not_found",
            Err(_) => "failed",
        });
        result
    }

    async fn fetch_uncounted(&self, src: &str) -> Result<FetchedImage, ImageError> {
        let url = match Url::parse(src.trim()) {
            Ok(url) if self.allows(&url) => url,
            _ => return Err(ImageError::NotAllowed),
        };
        let Ok(Ok(_slot)) = tokio::time::timeout(WAIT_FOR_SLOT, self.slots.clone().acquire_owned()).await else {
            return Err(ImageError::Busy);
        };
        let mut upstream = match self.http.get(url.clone()).send().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(host = url.host_str(), "image fetch failed: {}", e.without_url());
                return Err(ImageError::Unavailable);
            }
        };
        match upstream.status() {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => return Err(ImageError::NotFound),
            s => {
                tracing::warn!(host = url.host_str(), status = s.as_u16(), "image fetch refused");
                return Err(ImageError::Unavailable);
            }
        }
        let content_type = upstream
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !ALLOWED_TYPES.contains(&content_type.as_str()) {
            return Err(ImageError::NotAnImage);
        }
        if upstream.content_length().is_some_and(|n| n as usize > MAX_IMAGE_BYTES) {
            return Err(ImageError::TooLarge);
        }
        let mut bytes = Vec::new();
        loop {
            match upstream.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
                        return Err(ImageError::TooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(_) => return Err(ImageError::Unavailable),
            }
        }
        Ok(FetchedImage { content_type, bytes })
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
