//! Rendered profile pages kept for the memory window (`PROFILE_MEMORY_SECS`,
//! by default the profile's whole freshness), per path and per language and
//! theme, within a byte budget (`PAGE_MEMORY_MIB`; moka evicts the least
//! useful). Rendering dominates a cached page's cost, so a popular profile is
//! rendered once per change instead of once per visit.
//!
//! Only pages the app marks replayable (a fresh profile, status 200, no
//! cookie set) are kept, and only from their second render within the window
//! (a doorkeeper remembers which were rendered once): most profiles are
//! opened once, and keeping those would spend the budget on pages nobody
//! asks for again, and never past the moment the profile stops being
//! fresh (`PROFILE_FRESH_SECS` after it was fetched). A page is dropped as
//! soon as any replica stores another copy of its profile (the profile
//! service's change feed); while that feed is deaf, pages are trusted for a
//! few seconds only. Each replay gets a new CSP nonce: the one in the kept
//! page is swapped for a fresh one in the body and the header alike.

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::{
    i18n::Lang,
    prefs::{Prefs, Theme},
    server_data::REPLAYABLE_PAGE_HEADER,
};
use moka::{sync::Cache, Expiry};
use services::profiles::changes::{ChangeFeed, ProfileChange};
use tokio::sync::broadcast::{self, error::RecvError};
/// A profile page is about 12 KB; anything far larger is served but not kept.
const MAX_PAGE_BYTES: usize = 128 * 1024;
/// Tells a replay from a render (for tests and for reading access logs).
pub const CACHE_STATUS_HEADER: &str = "x-inssa-cache";

pub struct PageCache {
    keep_for: Duration,
    /// How long a profile is fresh after it was fetched.
    profile_fresh_for: Duration,
    pages: Cache<PageKey, Arc<KeptPage>>,
    /// Pages rendered once in the window, by a hash of their key: the second
    /// render is kept.
    rendered_once: Cache<u64, ()>,
    changes: Arc<ChangeFeed>,
}

/// Only `/@{username}` is replayed, so the profile, language and theme name
/// a page; a change finds every page of a profile from its key alone.
#[derive(Clone, PartialEq, Eq, Hash)]
struct PageKey {
    /// The profile the page shows (its lower-cased username). Only
    /// `/@{profile}` is replayed; a route added under it must be added to
    /// [`PageCache::changed`] too.
    profile: String,
    lang: &'static str,
    theme: &'static str,
}

struct KeptPage {
    /// The path it answers, spelled as the profile is (another spelling is
    /// redirected, never replayed).
    path: String,
    kept_at: Instant,
    expires_at: Instant,
    /// When the profile on the page was fetched (Unix milliseconds).
    fetched_at_ms: i64,
    headers: HeaderMap,
    /// The body split around each `nonce="…"` it was rendered with, so a
    /// replay copies the parts around a new nonce without searching.
    body_parts: Vec<Bytes>,
    body_len: usize,
    /// The CSP header split around its nonce the same way.
    policy_parts: (String, String),
}

/// Each page expires when its profile turns stale or its window ends.
struct UntilStale;

impl Expiry<PageKey, Arc<KeptPage>> for UntilStale {
    fn expire_after_create(&self, _: &PageKey, page: &Arc<KeptPage>, created_at: Instant) -> Option<Duration> {
        Some(page.expires_at.saturating_duration_since(created_at))
    }
}

impl PageCache {
    pub fn new(
        keep_for: Duration,
        profile_fresh_for: Duration,
        budget_bytes: u64,
        changes: Arc<ChangeFeed>,
    ) -> PageCache {
        let keep_for = if budget_bytes == 0 { Duration::ZERO } else { keep_for };
        let pages = Cache::builder()
            .max_capacity(budget_bytes)
            .weigher(|key: &PageKey, page: &Arc<KeptPage>| {
                let headers: usize = page.headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
                u32::try_from(page.body_len + headers + key.profile.len() + page.path.len() + 256).unwrap_or(u32::MAX)
            })
            .expire_after(UntilStale)
            .build();
        // A hash and a timestamp per page: about 100 bytes each.
        let rendered_once =
            Cache::builder().max_capacity(100_000).time_to_live(keep_for.max(Duration::from_millis(1))).build();
        PageCache { keep_for, profile_fresh_for, pages, rendered_once, changes }
    }

    /// Drops pages whose profile another copy replaced, until aborted.
    pub async fn follow_changes(self: Arc<Self>, mut heard: broadcast::Receiver<ProfileChange>) {
        loop {
            match heard.recv().await {
                Ok(ProfileChange::One { key, fetched_at_micros, .. }) => self.changed(&key, fetched_at_micros),
                // Fell behind: some changes were missed.
                Ok(ProfileChange::All) | Err(RecvError::Lagged(_)) => self.pages.invalidate_all(),
                Err(RecvError::Closed) => return,
            }
        }
    }

    /// How long a page may be replayed: the window, cut short when its
    /// profile (fetched at `fetched_at`, Unix milliseconds) turns stale sooner.
    fn replay_for(&self, fetched_at: i64, now: SystemTime) -> Duration {
        let fetched_at = Duration::from_millis(u64::try_from(fetched_at).unwrap_or(0));
        let stale_at = UNIX_EPOCH.checked_add(fetched_at + self.profile_fresh_for);
        let fresh_for = stale_at.and_then(|stale_at| stale_at.duration_since(now).ok()).unwrap_or_default();
        self.keep_for.min(fresh_for)
    }

    /// Drops the pages of `profile` unless they show the copy fetched at
    /// `fetched_at_micros`: its page in every language and theme, looked up
    /// directly (a predicate over the whole cache would be checked on every
    /// read until moka's housekeeping ran it).
    fn changed(&self, profile: &str, fetched_at_micros: i64) {
        for lang in Lang::ALL {
            for theme in Theme::ALL {
                let key = PageKey { profile: profile.to_owned(), lang: lang.code(), theme: theme.as_str() };
                if self.pages.get(&key).is_some_and(|page| page.fetched_at_ms != fetched_at_micros / 1000) {
                    self.pages.invalidate(&key);
                }
            }
        }
    }

    fn get(&self, key: &PageKey, path: &str) -> Option<Arc<KeptPage>> {
        let trusted_for = self.changes.trusted_for(self.keep_for);
        let now = Instant::now();
        self.pages
            .get(key)
            .filter(|page| page.path == path && now < page.expires_at && page.kept_at.elapsed() < trusted_for)
    }

    /// Keeps a page rendered after `stamp`, unless another copy of its
    /// profile was heard of since.
    fn keep(&self, key: PageKey, page: KeptPage, stamp: services::profiles::changes::Stamp) {
        if self.rendered_once.entry(key_hash(&key)).or_insert(()).is_fresh() {
            return;
        }
        // The page carries milliseconds; the feed, microseconds.
        let fetched_at_ms = page.fetched_at_ms;
        let is_copy = |heard: i64| heard / 1000 == fetched_at_ms;
        if self.changes.may_keep(&key.profile, stamp, is_copy) {
            self.pages.insert(key.clone(), Arc::new(page));
            // A change heard between the check and the insert.
            if !self.changes.may_keep(&key.profile, stamp, is_copy) {
                self.pages.invalidate(&key);
            }
        }
    }
}

pub async fn replay_profile_pages(State(cache): State<Arc<PageCache>>, request: Request, next: Next) -> Response {
    let profile_page = request.uri().path().strip_prefix("/@").is_some_and(|rest| !rest.contains('/'));
    // A link that sets preferences gets a page that stores them in cookies.
    let sets_prefs = request.uri().query().is_some_and(|query| Prefs::default().with_query(Some(query)).1.any());
    if cache.keep_for.is_zero() || request.method() != Method::GET || !profile_page || sets_prefs {
        // The app's mark is for this layer only; it never leaves the server.
        let mut response = next.run(request).await;
        response.headers_mut().remove(REPLAYABLE_PAGE_HEADER);
        return response;
    }
    let key = page_key(&request);
    let path = request.uri().path().to_owned();
    if let Some(page) = cache.get(&key, &path) {
        services::metrics::page_replay();
        return replay(&page);
    }

    let stamp = cache.changes.stamp(&key.profile);
    let mut response = next.run(request).await;
    let fetched_at = response.headers_mut().remove(REPLAYABLE_PAGE_HEADER);
    let Some(fetched_at) = fetched_at.and_then(|v| v.to_str().ok()?.parse::<i64>().ok()) else {
        return response;
    };
    let replay_for = cache.replay_for(fetched_at, SystemTime::now());
    if replay_for.is_zero()
        || response.status() != StatusCode::OK
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let kept_policy =
        response.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).and_then(policy_nonce);
    let Some((nonce, policy_parts)) = kept_policy else {
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
        let now = Instant::now();
        let page = KeptPage {
            path,
            kept_at: now,
            expires_at: now + replay_for,
            fetched_at_ms: fetched_at,
            headers: parts.headers.clone(),
            body_parts: split_bytes(&body, format!("nonce=\"{nonce}\"").as_bytes()),
            body_len: body.len(),
            policy_parts,
        };
        cache.keep(key, page, stamp);
    }
    Response::from_parts(parts, Body::from(body))
}

fn key_hash(key: &PageKey) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
}

/// The page's path and what it is rendered in (from the same headers the
/// app reads).
fn page_key(request: &Request) -> PageKey {
    let header = |name| request.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let (prefs, _) = Prefs::of_request(header(header::COOKIE), header(header::ACCEPT_LANGUAGE), request.uri().query());
    let path = request.uri().path();
    let profile = path.trim_start_matches("/@").to_ascii_lowercase();
    PageKey { profile, lang: prefs.lang.code(), theme: prefs.theme.as_str() }
}

fn replay(page: &KeptPage) -> Response {
    let nonce = new_nonce();
    let mut headers = page.headers.clone();
    let (before, after) = &page.policy_parts;
    if let Ok(value) = HeaderValue::from_str(&format!("{before}{nonce}{after}")) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(CACHE_STATUS_HEADER, HeaderValue::from_static("hit"));
    let body = join_bytes(&page.body_parts, format!("nonce=\"{nonce}\"").as_bytes(), page.body_len);
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// The nonce in a policy's `'nonce-…'` source, and the policy around it.
fn policy_nonce(policy: &str) -> Option<(String, (String, String))> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let len = policy[start..].find('\'')?;
    let parts = (policy[..start].to_owned(), policy[start + len..].to_owned());
    Some((policy[start..start + len].to_owned(), parts))
}

/// A nonce made the way Leptos makes the one it renders with.
fn new_nonce() -> String {
    leptos::nonce::Nonce::new().to_string()
}

/// `haystack` cut around every `needle` (which is left out).
fn split_bytes(haystack: &Bytes, needle: &[u8]) -> Vec<Bytes> {
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(i) = haystack[start..].windows(needle.len()).position(|w| w == needle) {
        parts.push(haystack.slice(start..start + i));
        start += i + needle.len();
    }
    parts.push(haystack.slice(start..));
    parts
}

/// The parts joined with `glue` between them.
fn join_bytes(parts: &[Bytes], glue: &[u8], len_hint: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len_hint + 64);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(glue);
        }
        out.extend_from_slice(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nonce_and_swaps_it_everywhere() {
        let policy = "script-src 'self' 'sha256-x' 'nonce-abc_123' 'wasm-unsafe-eval'";
        let (nonce, (before, after)) = policy_nonce(policy).unwrap();
        assert_eq!(nonce, "abc_123");
        assert_eq!(format!("{before}xyz{after}"), "script-src 'self' 'sha256-x' 'nonce-xyz' 'wasm-unsafe-eval'");
        assert_eq!(policy_nonce("default-src 'none'"), None);
        let body =
            Bytes::from_static(br#"<script nonce="abc">a</script><p>nonce="abd"</p><script nonce="abc">b</script>"#);
        let parts = split_bytes(&body, br#"nonce="abc""#);
        assert_eq!(parts.len(), 3);
        assert_eq!(
            join_bytes(&parts, br#"nonce="xyz""#, body.len()),
            br#"<script nonce="xyz">a</script><p>nonce="abd"</p><script nonce="xyz">b</script>"#.to_vec()
        );
        assert_eq!(join_bytes(&split_bytes(&body, b"absent"), b"x", 0), body.to_vec(), "no nonce: the page as it was");
        assert_ne!(new_nonce(), new_nonce());
        assert_eq!(new_nonce().len(), 22);
    }

    fn kept(fetched_at_ms: i64) -> KeptPage {
        let now = Instant::now();
        KeptPage {
            path: "/@Odessa.Finch".into(),
            kept_at: now,
            expires_at: now + Duration::from_secs(60),
            fetched_at_ms,
            headers: HeaderMap::new(),
            body_parts: vec![Bytes::from_static(b"page")],
            body_len: 4,
            policy_parts: (String::new(), String::new()),
        }
    }

    #[test]
    fn pages_are_kept_from_their_second_render_and_dropped_when_their_profile_changes() {
        let feed = Arc::new(ChangeFeed::default());
        let cache = PageCache::new(Duration::from_secs(60), Duration::from_secs(3600), 1 << 20, feed.clone());
        let key = |lang: Lang, theme: Theme| PageKey {
            profile: "odessa.finch".into(),
            lang: lang.code(),
            theme: theme.as_str(),
        };
        let path = "/@Odessa.Finch";
        let (en, ko) = (key(Lang::En, Theme::System), key(Lang::Ko, Theme::Dark));
        // (This feed is not listening, so pages are trusted for the unwatched
        // window: long enough here.)
        cache.keep(en.clone(), kept(1_000), feed.stamp("odessa.finch"));
        assert!(cache.get(&en, path).is_none(), "rendered once: not kept");
        cache.keep(en.clone(), kept(1_000), feed.stamp("odessa.finch"));
        for _ in 0..2 {
            cache.keep(ko.clone(), kept(1_000), feed.stamp("odessa.finch"));
        }
        assert!(cache.get(&en, path).is_some() && cache.get(&ko, path).is_some(), "kept from the second render");
        assert!(cache.get(&en, "/@odessa.finch").is_none(), "another spelling is not this page (it redirects)");

        cache.changed("odessa.finch", 1_000_000);
        assert!(cache.get(&en, path).is_some(), "the copy the pages show: kept");
        cache.changed("someone.else", 2_000_000);
        assert!(cache.get(&en, path).is_some(), "another profile's change");
        cache.changed("odessa.finch", 2_000_000);
        assert!(
            cache.get(&en, path).is_none() && cache.get(&ko, path).is_none(),
            "a newer copy: every page of it dropped"
        );

        let stamp = feed.stamp("odessa.finch");
        feed.note(&ProfileChange::One { key: "odessa.finch".into(), user_id: 1, fetched_at_micros: 3_000_000 });
        for _ in 0..2 {
            cache.keep(en.clone(), kept(1_000), stamp);
        }
        assert!(cache.get(&en, path).is_none(), "rendered from a copy older than one heard of meanwhile");
    }

    #[test]
    fn a_page_is_replayed_no_longer_than_its_profile_is_fresh() {
        let cache =
            PageCache::new(Duration::from_secs(5), Duration::from_secs(3600), 1 << 20, Arc::new(ChangeFeed::default()));
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let fetched = |secs_ago: i64| (1_800_000_000 - secs_ago) * 1000;
        assert_eq!(cache.replay_for(fetched(0), now), Duration::from_secs(5), "the window");
        assert_eq!(cache.replay_for(fetched(3598), now), Duration::from_secs(2), "until it turns stale");
        assert_eq!(cache.replay_for(fetched(3600), now), Duration::ZERO, "stale now");
        assert_eq!(cache.replay_for(fetched(7200), now), Duration::ZERO);
        assert_eq!(cache.replay_for(1_800_000_100_000, now), Duration::from_secs(5), "a clock a little behind");
    }
}
