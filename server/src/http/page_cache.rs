//! Rendered profile pages kept for a few seconds (`PROFILE_MEMORY_SECS`, the
//! same window in which the profile itself is kept in memory), per path and
//! per language and theme. Rendering dominates a cached page's cost, so a
//! popular profile is rendered once per window instead of once per visit.
//!
//! Only pages the app marks replayable (a fresh profile, status 200, no
//! cookie set) are kept, and never past the moment the profile stops being
//! fresh (`PROFILE_FRESH_SECS` after it was fetched). Each replay gets a new
//! CSP nonce: the one in the kept page is swapped for a fresh one in the
//! body and the header alike.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::{prefs::Prefs, server_data::REPLAYABLE_PAGE_HEADER};

/// Pages kept at most (about 6 MB of typical 12 KB pages, 64 MB at the
/// very worst); beyond that new pages are not kept
/// until old ones expire. Popular profiles are what matters, and within a
/// few seconds they are few.
const MAX_PAGES: usize = 500;
/// A profile page is about 12 KB; anything far larger is served but not kept.
const MAX_PAGE_BYTES: usize = 128 * 1024;
/// Tells a replay from a render (for tests and for reading access logs).
pub const CACHE_STATUS_HEADER: &str = "x-inssa-cache";

pub struct PageCache {
    keep_for: Duration,
    /// How long a profile is fresh after it was fetched.
    profile_fresh_for: Duration,
    pages: RwLock<HashMap<PageKey, Arc<KeptPage>>>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct PageKey {
    path: String,
    lang: &'static str,
    theme: &'static str,
}

struct KeptPage {
    expires_at: Instant,
    headers: HeaderMap,
    body: Bytes,
    /// The nonce the page was rendered with, in its body and its CSP.
    nonce: String,
}

impl PageCache {
    pub fn new(keep_for: Duration, profile_fresh_for: Duration) -> PageCache {
        PageCache { keep_for, profile_fresh_for, pages: RwLock::new(HashMap::new()) }
    }

    /// How long a page may be replayed: the window, cut short when its
    /// profile (fetched at `fetched_at`, Unix milliseconds) turns stale sooner.
    fn replay_for(&self, fetched_at: u64, now: SystemTime) -> Duration {
        let stale_at = UNIX_EPOCH.checked_add(Duration::from_millis(fetched_at) + self.profile_fresh_for);
        let fresh_for = stale_at.and_then(|stale_at| stale_at.duration_since(now).ok()).unwrap_or_default();
        self.keep_for.min(fresh_for)
    }

    fn get(&self, key: &PageKey) -> Option<Arc<KeptPage>> {
        let pages = self.pages.read().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        pages.get(key).filter(|page| now < page.expires_at).cloned()
    }

    fn keep(&self, key: PageKey, page: KeptPage) {
        let mut pages = self.pages.write().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= MAX_PAGES {
            let now = Instant::now();
            pages.retain(|_, page| now < page.expires_at);
        }
        if pages.len() < MAX_PAGES {
            pages.insert(key, Arc::new(page));
        }
    }
}

pub async fn replay_profile_pages(State(cache): State<Arc<PageCache>>, request: Request, next: Next) -> Response {
    if cache.keep_for.is_zero() || request.method() != Method::GET || !request.uri().path().starts_with("/@") {
        // The app's mark is for this layer only; it never leaves the server.
        let mut response = next.run(request).await;
        response.headers_mut().remove(REPLAYABLE_PAGE_HEADER);
        return response;
    }
    let key = page_key(&request);
    if let Some(page) = cache.get(&key) {
        crate::metrics::page_replay();
        return replay(&page);
    }

    let mut response = next.run(request).await;
    let fetched_at = response.headers_mut().remove(REPLAYABLE_PAGE_HEADER);
    let Some(fetched_at) = fetched_at.and_then(|v| v.to_str().ok()?.parse::<u64>().ok()) else {
        return response;
    };
    let replay_for = cache.replay_for(fetched_at, SystemTime::now());
    if replay_for.is_zero()
        || response.status() != StatusCode::OK
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let Some(nonce) = response.headers().get(header::CONTENT_SECURITY_POLICY).and_then(policy_nonce) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    // The page is already rendered in full (SsrMode::Async); no limit here.
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            tracing::error!("could not read a rendered page: {e}");
            return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")], "Please try again.\n")
                .into_response();
        }
    };
    if body.len() <= MAX_PAGE_BYTES {
        cache.keep(
            key,
            KeptPage {
                expires_at: Instant::now() + replay_for,
                headers: parts.headers.clone(),
                body: body.clone(),
                nonce,
            },
        );
    }
    Response::from_parts(parts, Body::from(body))
}

/// The page's path and what it is rendered in (from the same headers the
/// app reads).
fn page_key(request: &Request) -> PageKey {
    let header = |name| request.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let prefs = Prefs::from_headers(header(header::COOKIE), header(header::ACCEPT_LANGUAGE));
    PageKey { path: request.uri().path().to_owned(), lang: prefs.lang.code(), theme: prefs.theme.as_str() }
}

fn replay(page: &KeptPage) -> Response {
    let nonce = new_nonce();
    let mut headers = page.headers.clone();
    if let Some(policy) = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()) {
        let policy = policy.replace(&format!("'nonce-{}'", page.nonce), &format!("'nonce-{nonce}'"));
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.insert(CACHE_STATUS_HEADER, HeaderValue::from_static("hit"));
    let body = replace_bytes(
        &page.body,
        format!("nonce=\"{}\"", page.nonce).as_bytes(),
        format!("nonce=\"{nonce}\"").as_bytes(),
    );
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// The nonce in a policy's `'nonce-…'` source.
fn policy_nonce(policy: &HeaderValue) -> Option<String> {
    let policy = policy.to_str().ok()?;
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let len = policy[start..].find('\'')?;
    Some(policy[start..start + len].to_owned())
}

/// A nonce made the way Leptos makes the one it renders with.
fn new_nonce() -> String {
    leptos::nonce::Nonce::new().to_string()
}

fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len() + 64);
    let mut rest = haystack;
    while let Some(i) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nonce_and_swaps_it_everywhere() {
        let policy = HeaderValue::from_static("script-src 'self' 'sha256-x' 'nonce-abc_123' 'wasm-unsafe-eval'");
        assert_eq!(policy_nonce(&policy).as_deref(), Some("abc_123"));
        assert_eq!(policy_nonce(&HeaderValue::from_static("default-src 'none'")), None);
        let body = br#"<script nonce="abc">a</script><p>nonce="abd"</p><script nonce="abc">b</script>"#;
        assert_eq!(
            replace_bytes(body, br#"nonce="abc""#, br#"nonce="xyz""#),
            br#"<script nonce="xyz">a</script><p>nonce="abd"</p><script nonce="xyz">b</script>"#.to_vec()
        );
        assert_ne!(new_nonce(), new_nonce());
        assert_eq!(new_nonce().len(), 22);
    }

    #[test]
    fn a_page_is_replayed_no_longer_than_its_profile_is_fresh() {
        let cache = PageCache::new(Duration::from_secs(5), Duration::from_secs(3600));
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let fetched = |secs_ago: u64| (1_800_000_000 - secs_ago) * 1000;
        assert_eq!(cache.replay_for(fetched(0), now), Duration::from_secs(5), "the window");
        assert_eq!(cache.replay_for(fetched(3598), now), Duration::from_secs(2), "until it turns stale");
        assert_eq!(cache.replay_for(fetched(3600), now), Duration::ZERO, "stale now");
        assert_eq!(cache.replay_for(fetched(7200), now), Duration::ZERO);
        assert_eq!(cache.replay_for(1_800_000_100_000, now), Duration::from_secs(5), "a clock a little behind");
    }
}
