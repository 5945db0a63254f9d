use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use domain::{
    profile::{Freshness, ProfileCard, ProfileEntry, ProfileLookup, SearchResults},
    username::Username,
};
use futures::{
    future::{BoxFuture, Shared},
    FutureExt,
};
use sqlx::{pool::PoolConnection, Postgres};
use tracing::Instrument;

use super::{
    changes::{ChangeFeed, ProfileChange},
    fairness::ClientShare,
    hot::HotTier,
    store::{self, Cached, CachedProfile, ProfileStore},
};
use crate::{
    config::{ConfigError, Env},
    metrics,
    rate_limit::ClientLimiter,
    upstream::{ClubhouseClient, Priority, UpstreamError},
    ClientIp,
};

/// `PROFILE_*` and `SEARCHES_PER_MINUTE`: how long copies stay fresh, how
/// long "no such person" is believed, and how often a client may search.
#[derive(Clone, Copy, Debug)]
pub struct ProfileSettings {
    /// `PROFILE_FRESH_SECS`: served without asking Clubhouse for this long.
    pub fresh_for: Duration,
    /// `PROFILE_NOT_FOUND_SECS`: how long "no such user" is remembered.
    pub not_found_for: Duration,
    /// `PROFILE_MEMORY_SECS`: how long a fresh profile is kept in this
    /// process's memory (0: never).
    pub memory_for: Duration,
    /// `PROFILE_MEMORY_MIB`: the memory tier's budget, in bytes.
    pub memory_bytes: u64,
    /// `SEARCHES_PER_MINUTE`: searches one client may make per minute (per replica).
    pub searches_per_minute: u32,
    /// `UPSTREAM_SHARE_PER_MINUTE`: requests costing upstream calls (misses,
    /// searches) one client makes per minute at their own priority; past it
    /// they get only budget no one else needs (per replica).
    pub share_per_minute: u32,
    /// `UPSTREAM_SHARE_AT_ONCE`: such requests of one client in flight at
    /// once; more are told to retry.
    pub share_at_once: u32,
    /// The history scheduler's `HISTORY_*` settings.
    pub history: HistorySettings,
}

/// `HISTORY_*`: which people the scheduler refreshes in the background
/// (so their history grows without visitors), how often, and how long
/// history is kept.
#[derive(Clone, Copy, Debug)]
pub struct HistorySettings {
    /// `HISTORY_WATCH_DAYS`: a person viewed, or in a feed polled, within
    /// this is watched.
    pub watch_window: Duration,
    /// `HISTORY_REFRESH_SECS`: a watched person is refreshed this often.
    pub every: Duration,
    /// `HISTORY_HOT_REFRESH_SECS`: ...and the most viewed this often.
    pub hot_every: Duration,
    /// `HISTORY_HOT_PEOPLE`: how many of the most viewed are refreshed at
    /// the shorter cadence.
    pub hot_count: u32,
    /// `HISTORY_SCHEDULER_SECS`: how often the scheduler looks for people
    /// due a refresh (0: never; no background refreshes).
    pub scheduler_every: Duration,
    /// `HISTORY_RETENTION_DAYS`: versions and samples older than this are
    /// deleted (a person's newest version always stays).
    pub retention: Duration,
}

impl HistorySettings {
    pub fn from_env(env: &Env) -> Result<HistorySettings, ConfigError> {
        const DAY: u64 = 86_400;
        Ok(HistorySettings {
            watch_window: Duration::from_secs(env.number("HISTORY_WATCH_DAYS", 7, 1, 3650)? * DAY),
            every: Duration::from_secs(env.number("HISTORY_REFRESH_SECS", DAY, 1, 365 * DAY)?),
            hot_every: Duration::from_secs(env.number("HISTORY_HOT_REFRESH_SECS", 4 * 3600, 1, 365 * DAY)?),
            hot_count: env.number("HISTORY_HOT_PEOPLE", 100, 0, 1_000_000)?,
            scheduler_every: env.secs("HISTORY_SCHEDULER_SECS", 60, DAY)?,
            retention: Duration::from_secs(env.number("HISTORY_RETENTION_DAYS", 730, 1, 36_500)? * DAY),
        })
    }
}

impl ProfileSettings {
    pub fn from_env(env: &Env) -> Result<ProfileSettings, ConfigError> {
        const MONTH_SECS: u64 = 30 * 86_400;
        let fresh_for = env.secs("PROFILE_FRESH_SECS", 2 * 3600, MONTH_SECS)?;
        Ok(ProfileSettings {
            fresh_for,
            not_found_for: env.secs("PROFILE_NOT_FOUND_SECS", 10 * 60, MONTH_SECS)?,
            // Replicas hear of changes (LISTEN/NOTIFY), so memory may keep a
            // profile for as long as it is fresh.
            memory_for: env.secs("PROFILE_MEMORY_SECS", fresh_for.as_secs(), MONTH_SECS)?,
            memory_bytes: env.number("PROFILE_MEMORY_MIB", 16, 0, 64 * 1024)? << 20,
            searches_per_minute: env.number("SEARCHES_PER_MINUTE", 30, 1, 1_000_000)?,
            share_per_minute: env.number("UPSTREAM_SHARE_PER_MINUTE", 10, 1, 1_000_000)?,
            share_at_once: env.number("UPSTREAM_SHARE_AT_ONCE", 2, 1, 1000)?,
            history: HistorySettings::from_env(env)?,
        })
    }
}

/// The result of one upstream fetch, shared by everyone who waited for it.
// One per fetch, shared by reference: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(super) enum FetchOutcome {
    Found(CachedProfile),
    NotFound,
    /// The cached person's account no longer exists.
    Gone,
    Failed(UpstreamError),
}

type SharedFetch = Shared<BoxFuture<'static, FetchOutcome>>;

/// The one way to profiles, for pages, server functions and the JSON API.
pub struct ProfileService {
    store: ProfileStore,
    client: Arc<ClubhouseClient>,
    policy: ProfileSettings,
    /// Every search may cost an upstream call: limited per client.
    search_limiter: ClientLimiter,
    /// Each client's share of the upstream budget.
    share: ClientShare,
    /// Stale profiles waiting for a refresh, most viewed first.
    refreshes: Mutex<RefreshQueue>,
    refresh_wanted: tokio::sync::Notify,
    /// Fetches in flight in this process, by lower-cased username. moka for
    /// its atomic get-or-insert (concurrent misses of one profile start one
    /// fetch) without one lock over every username.
    in_flight: moka::sync::Cache<String, SharedFetch>,
    /// Each fetch holds one pooled connection (its lock) while it waits for
    /// the upstream; at most half the pool, so cached pages always find one.
    fetch_slots: Arc<tokio::sync::Semaphore>,
    hot: HotTier,
    /// What this replica hears of changes other replicas store.
    changes: Arc<ChangeFeed>,
    /// Names a feed asked for that are not cached, for the scheduler to
    /// fetch in the background.
    pub(super) wanted_names: Mutex<std::collections::HashSet<Username>>,
}

/// How long an in-flight entry may outlive a fetch that failed to remove it.
const FETCH_ENTRY_TTL: Duration = Duration::from_secs(600);

/// Longest wait for another replica's fetch of the same profile.
const CROSS_REPLICA_WAIT: &str = "15s";

impl ProfileService {
    pub fn new(store: ProfileStore, client: Arc<ClubhouseClient>, policy: ProfileSettings) -> Arc<ProfileService> {
        let changes = Arc::new(ChangeFeed::default());
        let slots = (store.db.options().get_max_connections() as usize / 2).max(1);
        Arc::new(ProfileService {
            store,
            client,
            policy,
            search_limiter: ClientLimiter::new(policy.searches_per_minute, Duration::from_secs(60)),
            share: ClientShare::new(policy.share_per_minute, policy.share_at_once),
            refreshes: Mutex::new(RefreshQueue::default()),
            refresh_wanted: tokio::sync::Notify::new(),
            // A fetch takes seconds at most; the lifetime only guards against a leak.
            in_flight: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(FETCH_ENTRY_TTL).build(),
            fetch_slots: Arc::new(tokio::sync::Semaphore::new(slots)),
            hot: HotTier::new(policy.memory_for, policy.memory_bytes, changes.clone()),
            changes,
            wanted_names: Mutex::new(Default::default()),
        })
    }

    pub fn policy(&self) -> ProfileSettings {
        self.policy
    }

    /// The pool the cache lives in.
    pub fn database(&self) -> sqlx::PgPool {
        self.store.db.clone()
    }

    /// Changes heard from other replicas, for whatever else keeps copies.
    pub fn changes(&self) -> &Arc<ChangeFeed> {
        &self.changes
    }

    /// Listens for changes until aborted, dropping outdated copies from memory.
    pub async fn watch_changes(self: Arc<Self>) {
        let service = self.clone();
        self.changes
            .listen(self.store.db.clone(), move |change| match change {
                ProfileChange::One { key, fetched_at_micros, .. } => service.hot.changed(key, *fetched_at_micros),
                ProfileChange::All => service.hot.clear(),
            })
            .await
    }

    /// The Clubhouse client, for readiness and metrics.
    pub fn upstream(&self) -> &ClubhouseClient {
        &self.client
    }

    /// A profile by username (case-insensitive): from memory, the cache or
    /// Clubhouse, by the cache policy. `client` is who asks: a miss counts
    /// against its share of the upstream budget.
    pub async fn lookup(self: &Arc<Self>, username: &Username, client: Option<ClientIp>) -> ProfileLookup {
        let key = username.key();
        if let Some(cached) = self.hot.get(&key).filter(|c| self.is_fresh(c)) {
            self.touch_in_background(&key);
            metrics::profile_lookup("memory");
            return found(cached, Freshness::Fresh);
        }
        let stamp = self.hot.stamp(&key);
        match self.store.lookup(&key, self.policy.not_found_for.as_secs_f64()).await {
            Ok(Cached::Profile(cached)) => {
                self.touch_in_background(&key);
                if self.is_fresh(&cached) {
                    self.hot.put(&key, &cached, stamp);
                    metrics::profile_lookup("fresh");
                    return found(cached, Freshness::Fresh);
                }
                self.hot.forget(&key);
                // Stale: answer now; refreshed in the background, most viewed first.
                let failing = cached.refresh_failed_at.is_some_and(|failed| failed >= cached.fetched_at);
                metrics::profile_lookup(if failing { "stale_failing" } else { "stale" });
                self.want_refresh(username, cached.profile.user_id);
                found(cached, if failing { Freshness::StaleUpstreamFailing } else { Freshness::Stale })
            }
            Ok(Cached::KnownMissing) => {
                metrics::profile_lookup("known_missing");
                ProfileLookup::NotFound
            }
            Ok(Cached::Gone) => {
                metrics::profile_lookup("gone");
                ProfileLookup::Gone
            }
            Ok(Cached::Unknown) => {
                metrics::profile_lookup("miss");
                self.fetch_now(username, client).await
            }
            Err(e) => {
                // The database is down: still try to answer from Clubhouse.
                tracing::error!("profile cache unavailable: {e}");
                metrics::profile_lookup("miss");
                self.fetch_now(username, client).await
            }
        }
    }

    async fn fetch_now(self: &Arc<Self>, username: &Username, client: Option<ClientIp>) -> ProfileLookup {
        let key = username.key();
        // Joining a fetch already in flight costs no call, so no share.
        let ticket = if self.in_flight.contains_key(&key) {
            None
        } else {
            let wait = self.client.config().limiter.max_wait;
            match self.share.admit(client, Priority::FirstView, wait).await {
                Some(ticket) => Some(ticket),
                None => {
                    metrics::profile_fetch("over_share");
                    return ProfileLookup::Unavailable { retry_after_secs: 2 };
                }
            }
        };
        let priority = ticket.as_ref().map_or(Priority::FirstView, |t| t.priority);
        // Before the read: what is heard meanwhile decides whether it is kept
        // (our own write coming back is; a newer copy from elsewhere is not).
        let stamp = self.hot.stamp(&key);
        let outcome = self.fetch_once(username, priority, None, self.policy.fresh_for).await;
        drop(ticket);
        match outcome {
            FetchOutcome::Found(cached) => {
                self.hot.put(&key, &cached, stamp);
                found(cached, Freshness::Fresh)
            }
            FetchOutcome::NotFound => ProfileLookup::NotFound,
            FetchOutcome::Gone => ProfileLookup::Gone,
            FetchOutcome::Failed(e) => ProfileLookup::Unavailable {
                retry_after_secs: e.retry_after().map(|d| d.as_secs().max(1)).unwrap_or(30),
            },
        }
    }

    /// Queues a stale profile's refresh (counting the view), for
    /// [`Self::run_refreshes`].
    fn want_refresh(&self, username: &Username, user_id: u64) {
        let queued = self.refreshes.lock().unwrap_or_else(|e| e.into_inner()).want(username, user_id);
        if queued {
            self.refresh_wanted.notify_one();
        }
    }

    /// Refreshes stale profiles until aborted, the most viewed first, each
    /// at the refresh priority: only with budget first views and searches
    /// leave. One whose turn did not come goes back in the queue.
    pub async fn run_refreshes(self: Arc<Self>) {
        loop {
            let next = self.refreshes.lock().unwrap_or_else(|e| e.into_inner()).take_most_viewed();
            let Some(wanted) = next else {
                self.refresh_wanted.notified().await;
                continue;
            };
            let outcome =
                self.fetch_once(&wanted.username, Priority::Refresh, Some(wanted.user_id), self.policy.fresh_for).await;
            metrics::profile_refresh(match &outcome {
                FetchOutcome::Found(_) => "refreshed",
                FetchOutcome::NotFound | FetchOutcome::Gone => "gone",
                FetchOutcome::Failed(UpstreamError::RateLimited { .. }) => "postponed",
                FetchOutcome::Failed(_) => "failed",
            });
            if let FetchOutcome::Failed(e @ UpstreamError::RateLimited { .. }) = &outcome {
                // No turn now: back in the queue with its views, and wait
                // for the budget rather than asking again at once.
                let pause =
                    e.retry_after().unwrap_or(Duration::from_secs(1)).clamp(REFRESH_RETRY_MIN, REFRESH_RETRY_MAX);
                self.refreshes.lock().unwrap_or_else(|e| e.into_inner()).put_back(wanted);
                tokio::time::sleep(pause).await;
            }
        }
    }

    fn is_fresh(&self, cached: &CachedProfile) -> bool {
        younger_than(cached, self.policy.fresh_for)
    }

    /// At most one upstream fetch per username at a time in this process;
    /// every caller shares its outcome. The fetch runs in its own task, so a
    /// visitor who leaves does not cancel it for the others. A copy younger
    /// than `fresh_for` found under the fetch lock makes the call needless.
    pub(super) async fn fetch_once(
        self: &Arc<Self>,
        username: &Username,
        priority: Priority,
        user_id: Option<u64>,
        fresh_for: Duration,
    ) -> FetchOutcome {
        let key = username.key();
        let start = || {
            let service = self.clone();
            let username = username.clone();
            let task = tokio::spawn(
                async move {
                    let outcome = service.fetch_and_store(&username, priority, user_id, fresh_for).await;
                    service.in_flight.invalidate(&username.key());
                    outcome
                }
                .in_current_span(),
            );
            async move {
                task.await.unwrap_or_else(|e| {
                    tracing::error!("profile fetch task failed: {e}");
                    FetchOutcome::Failed(UpstreamError::Unavailable {
                        reason: "fetch task failed".into(),
                        retry_after: None,
                    })
                })
            }
            .boxed()
            .shared()
        };
        let mut shared = self.in_flight.entry(key.clone()).or_insert_with(start).into_value();
        if shared.peek().is_some() {
            // A finished fetch whose entry outlived it (its task ended before
            // the entry was in): its outcome is old news, so start anew.
            self.in_flight.invalidate(&key);
            shared = self.in_flight.entry(key).or_insert_with(start).into_value();
        }
        shared.await
    }

    /// Fetches under a Postgres advisory lock on the username, so replicas
    /// sharing the database fetch it once: whoever waited for the lock finds
    /// the fresh copy and makes no call. The lock is a session lock on one
    /// pooled connection; no transaction stays open during the call. All of
    /// the fetch's SQL runs on that connection, the booking of its first
    /// upstream call included, so a fetch needs no second one (many
    /// concurrent misses would otherwise starve the pool); only a second
    /// call (the search a username may need) books on the pool.
    ///
    /// A refresh (`user_id` known) asks by id: it follows a rename, and a
    /// "not found" then means the account is gone.
    async fn fetch_and_store(
        &self,
        username: &Username,
        priority: Priority,
        user_id: Option<u64>,
        fresh_for: Duration,
    ) -> FetchOutcome {
        let key = username.key();
        let Ok(slot) = self.fetch_slots.clone().acquire_owned().await else {
            return FetchOutcome::Failed(UpstreamError::Unavailable {
                reason: "shutting down".into(),
                retry_after: None,
            });
        };
        let mut lock = match self.lock_and_recheck(&key, fresh_for).await {
            Ok(lock) => lock,
            Err(outcome) => return outcome,
        };
        // Booked after the re-check (a fetch another replica just made costs
        // no turn), on the lock's connection.
        let turn = self.client.take_turn(priority, lock.as_deref_mut()).await;
        let fetched = match (turn, user_id) {
            (Err(e), _) => Err(e),
            (Ok(turn), Some(id)) => self.client.profile_by_id_in(Some(turn), id, priority).await,
            (Ok(turn), None) => self.client.profile_by_username_in(Some(turn), username, priority).await,
        };
        let outcome = match fetched {
            Ok(fetched) => {
                let stored = match lock.as_mut() {
                    Some(conn) => store::store_profile(&mut **conn, &fetched.profile, &fetched.raw).await,
                    None => self.store.store(&fetched.profile, &fetched.raw).await,
                };
                match stored {
                    Ok((cached, changed)) => {
                        metrics::profile_fetch("stored");
                        metrics::profile_version(changed);
                        FetchOutcome::Found(cached)
                    }
                    Err(e) => {
                        tracing::error!("could not cache profile {key:?}: {e}");
                        metrics::profile_fetch("found_not_stored");
                        FetchOutcome::Found(CachedProfile {
                            profile: fetched.profile,
                            fetched_at: Utc::now(),
                            refresh_failed_at: None,
                        })
                    }
                }
            }
            Err(UpstreamError::NotFound) if user_id.is_some() => {
                let id = user_id.unwrap_or_default();
                let marked = match lock.as_mut() {
                    Some(conn) => store::mark_gone(&mut **conn, id).await,
                    None => store::mark_gone(&self.store.db, id).await,
                };
                if let Err(e) = marked {
                    tracing::error!("could not mark {key:?} gone: {e}");
                }
                self.hot.forget(&key);
                tracing::info!(user_id = id, "a cached account no longer exists upstream");
                metrics::profile_fetch("gone");
                FetchOutcome::Gone
            }
            Err(UpstreamError::NotFound) => {
                let remembered = match lock.as_mut() {
                    Some(conn) => store::remember_missing(&mut **conn, &key).await,
                    None => self.store.remember_missing(&key).await,
                };
                if let Err(e) = remembered {
                    tracing::error!("could not remember missing {key:?}: {e}");
                }
                metrics::profile_fetch("not_found");
                FetchOutcome::NotFound
            }
            // A refresh with no turn now is postponed, not failing: the
            // page keeps saying only that the copy is stale.
            Err(e @ UpstreamError::RateLimited { .. }) if priority >= Priority::Refresh => {
                metrics::profile_fetch("postponed");
                FetchOutcome::Failed(e)
            }
            Err(e) => {
                let marked = match lock.as_mut() {
                    Some(conn) => store::mark_refresh_failed(&mut **conn, &key).await,
                    None => self.store.mark_refresh_failed(&key).await,
                };
                if let Err(db) = marked {
                    tracing::error!("could not mark refresh failure for {key:?}: {db}");
                }
                metrics::profile_fetch("failed");
                FetchOutcome::Failed(e)
            }
        };
        // Off the visitor's path: everyone waiting here has the outcome now;
        // only other replicas wait for the lock, one round trip longer.
        // The slot is held until the connection is back in the pool, so
        // fetches never hold more than half of it.
        tokio::spawn(
            async move {
                unlock(lock, &key).await;
                drop(slot);
            }
            .in_current_span(),
        );
        outcome
    }

    /// Takes the cross-replica fetch lock of `key` on a pooled connection
    /// and reads the cache again under it: another replica may have fetched
    /// the profile while this one waited. `Err` holds that outcome (the lock
    /// released); `Ok(None)` means no lock could be taken (the database is
    /// down: fetch anyway).
    async fn lock_and_recheck(
        &self,
        key: &str,
        fresh_for: Duration,
    ) -> Result<Option<PoolConnection<Postgres>>, FetchOutcome> {
        let mut conn = match self.store.db.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::error!("no database connection for the fetch lock: {e}");
                return Ok(None);
            }
        };
        let locked =
            sqlx::query("select set_config('lock_timeout', $1, false), pg_advisory_lock(hashtextextended($2, 0))")
                .bind(CROSS_REPLICA_WAIT)
                .bind(key)
                .execute(&mut *conn)
                .await;
        if let Err(e) = locked {
            tracing::warn!("fetch lock for {key:?} not taken: {e}");
            return Ok(None);
        }
        let early = match store::lookup(&mut *conn, key, self.policy.not_found_for.as_secs_f64()).await {
            Ok(Cached::Profile(cached)) if younger_than(&cached, fresh_for) => FetchOutcome::Found(cached),
            Ok(Cached::KnownMissing) => FetchOutcome::NotFound,
            Ok(Cached::Gone) => FetchOutcome::Gone,
            _ => return Ok(Some(conn)),
        };
        unlock(Some(conn), key).await;
        metrics::profile_fetch("found_cached");
        Err(early)
    }

    /// Records a view for "recently viewed", at most once a minute per
    /// profile, off the request's path.
    fn touch_in_background(&self, key: &str) {
        if !self.hot.should_touch(key) {
            return;
        }
        let store = self.store.clone();
        let key = key.to_owned();
        tokio::spawn(
            async move {
                if let Err(e) = store.touch(&key).await {
                    tracing::warn!("could not record a view of {key:?}: {e}");
                }
            }
            .in_current_span(),
        );
    }
}

async fn unlock(lock: Option<PoolConnection<Postgres>>, key: &str) {
    if let Some(mut conn) = lock {
        let released =
            sqlx::query("select pg_advisory_unlock(hashtextextended($1, 0))").bind(key).execute(&mut *conn).await;
        if released.is_err() {
            // Never return a connection that may still hold the lock.
            let _ = conn.detach();
        }
    }
}

fn younger_than(cached: &CachedProfile, age: Duration) -> bool {
    let elapsed = Utc::now().signed_duration_since(cached.fetched_at);
    elapsed.to_std().map(|elapsed| elapsed < age).unwrap_or(true)
}

fn found(cached: CachedProfile, freshness: Freshness) -> ProfileLookup {
    ProfileLookup::Found(ProfileEntry { profile: cached.profile, fetched_at: cached.fetched_at, freshness })
}

fn card(user: &domain::model::UserRef) -> Option<ProfileCard> {
    Some(ProfileCard {
        username: user.username.clone()?,
        name: user.name.clone(),
        photo_url: user.photo_url.clone(),
        bio: user.bio.clone(),
    })
}

/// How long the refresher waits after its turn did not come.
const REFRESH_RETRY_MIN: Duration = Duration::from_millis(200);
const REFRESH_RETRY_MAX: Duration = Duration::from_secs(30);
/// Stale profiles remembered for a refresh; past this the least viewed go.
const REFRESH_QUEUE_MAX: usize = 10_000;

struct WantedRefresh {
    username: Username,
    user_id: u64,
    views: u32,
}

/// Stale profiles waiting for their refresh, with the views each got since.
#[derive(Default)]
struct RefreshQueue {
    wanted: HashMap<u64, WantedRefresh>,
}

impl RefreshQueue {
    /// Counts a view of a stale profile; true when it was not queued yet.
    fn want(&mut self, username: &Username, user_id: u64) -> bool {
        if let Some(w) = self.wanted.get_mut(&user_id) {
            w.views = w.views.saturating_add(1);
            return false;
        }
        self.make_room();
        self.wanted.insert(user_id, WantedRefresh { username: username.clone(), user_id, views: 1 });
        true
    }

    fn put_back(&mut self, wanted: WantedRefresh) {
        match self.wanted.get_mut(&wanted.user_id) {
            Some(w) => w.views = w.views.saturating_add(wanted.views),
            None => {
                self.make_room();
                self.wanted.insert(wanted.user_id, wanted);
            }
        }
    }

    /// A linear scan: the queue is short unless the upstream is slow, and
    /// then one refresh takes seconds anyway.
    fn take_most_viewed(&mut self) -> Option<WantedRefresh> {
        let (&id, _) = self.wanted.iter().max_by_key(|(id, w)| (w.views, std::cmp::Reverse(**id)))?;
        self.wanted.remove(&id)
    }

    fn make_room(&mut self) {
        if self.wanted.len() >= REFRESH_QUEUE_MAX {
            if let Some((&id, _)) = self.wanted.iter().min_by_key(|(_, w)| w.views) {
                self.wanted.remove(&id);
            }
        }
    }
}

/// Longest query we pass on; Clubhouse names and usernames are short.
const MAX_QUERY_CHARS: usize = 64;
/// People on one page of search results.
pub const SEARCH_PAGE_SIZE: u32 = 20;
/// The deepest page asked for: each page costs a call, and no one reads
/// 50 pages of a name search (a crawler following "next" would).
pub const MAX_SEARCH_PAGE: u32 = 50;

/// What a visitor typed, as we search for it: trimmed, without a leading
/// `@`, at most `MAX_QUERY_CHARS` characters. Empty means no search.
fn search_terms(query: &str) -> String {
    let query = query.trim_start_matches(|c: char| c == '@' || c.is_whitespace());
    query.chars().take(MAX_QUERY_CHARS).collect::<String>().trim_end().to_owned()
}

impl ProfileService {
    /// One page (1-based, `SEARCH_PAGE_SIZE` people) of the people matching
    /// a free-text query. Clubhouse's own paging where it answers, with the
    /// cached matches added to its first page; the cache's paging alone
    /// when Clubhouse cannot answer. `client` is counted against the
    /// per-client limit.
    pub async fn search(&self, query: &str, page: u32, client: Option<ClientIp>) -> SearchResults {
        let query = search_terms(query);
        let page = page.clamp(1, MAX_SEARCH_PAGE);
        let nothing = |retry_after_secs| SearchResults {
            hits: vec![],
            upstream_answered: true,
            retry_after_secs,
            page,
            total: None,
            has_next: false,
        };
        if query.is_empty() {
            return nothing(None);
        }
        if let Some(ClientIp(ip)) = client {
            if let Err(wait) = self.search_limiter.check(ip) {
                metrics::search("rate_limited");
                return nothing(Some(wait.as_secs().max(1)));
            }
        }
        let ticket = self
            .share
            .admit(client, Priority::Search, Priority::Search.max_wait(self.client.config().limiter.max_wait))
            .await;
        metrics::search(if ticket.is_some() { "searched" } else { "cache_only" });
        let upstream = async {
            match &ticket {
                Some(ticket) => self.client.search_users(&query, page, SEARCH_PAGE_SIZE, ticket.priority).await,
                // Its share in flight already: the cache answers alone.
                None => Err(UpstreamError::RateLimited { retry_after: None }),
            }
        };
        let size = i64::from(SEARCH_PAGE_SIZE);
        let cached = self.store.search(&query, size, (i64::from(page) - 1) * size);
        let (upstream, cached) = tokio::join!(upstream, cached);
        drop(ticket);
        let cached = cached.map_err(|e| tracing::error!("cache search failed: {e}")).ok();
        let mut results = match upstream {
            Ok(found) => {
                let mut hits: Vec<ProfileCard> = found.users.iter().filter_map(card).collect();
                // People only we know (renamed, or outside Clubhouse's
                // ranking) join the first page.
                if page == 1 {
                    for c in cached.into_iter().flat_map(|(cards, _)| cards) {
                        if !hits.iter().any(|h| h.username.eq_ignore_ascii_case(&c.username)) {
                            hits.push(c);
                        }
                    }
                }
                let total = found.count.map(|count| count.max(hits.len() as u64));
                SearchResults {
                    hits,
                    upstream_answered: true,
                    retry_after_secs: None,
                    page,
                    total,
                    has_next: found.next.is_some_and(|next| next > u64::from(page)) && page < MAX_SEARCH_PAGE,
                }
            }
            // Clubhouse pages as Django REST framework does: past the last
            // page is a 404. That is an answer: nothing more.
            Err(UpstreamError::NotFound) if page > 1 => SearchResults {
                hits: vec![],
                upstream_answered: true,
                retry_after_secs: None,
                page,
                total: None,
                has_next: false,
            },
            Err(e) => {
                tracing::warn!("search answered from the cache only: {e}");
                let (hits, total) = cached.map_or((vec![], None), |(hits, total)| (hits, Some(total)));
                let shown = u64::from(page) * u64::from(SEARCH_PAGE_SIZE);
                SearchResults {
                    hits,
                    upstream_answered: false,
                    retry_after_secs: None,
                    page,
                    total,
                    has_next: total.is_some_and(|t| t > shown) && page < MAX_SEARCH_PAGE,
                }
            }
        };
        results.hits.retain(|h| Username::parse(&h.username).is_ok());
        results
    }

    /// The profiles visitors opened most recently.
    pub async fn recently_viewed(&self, limit: usize) -> Vec<ProfileCard> {
        self.store.recently_viewed(limit as i64).await.unwrap_or_else(|e| {
            tracing::error!("recently viewed unavailable: {e}");
            vec![]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refreshes_go_most_viewed_first_and_keep_their_views_when_put_back() {
        let mut queue = RefreshQueue::default();
        let name = |s: &str| Username::parse(s).unwrap();
        assert!(queue.want(&name("a"), 1));
        assert!(queue.want(&name("b"), 2));
        assert!(!queue.want(&name("b"), 2), "a second view counts, it does not queue twice");
        assert!(queue.want(&name("c"), 3));
        let first = queue.take_most_viewed().unwrap();
        assert_eq!((first.user_id, first.views), (2, 2));
        queue.put_back(first);
        queue.want(&name("a"), 1);
        queue.want(&name("a"), 1);
        assert_eq!(queue.take_most_viewed().unwrap().user_id, 1, "three views beat two");
        assert_eq!(queue.take_most_viewed().unwrap().user_id, 2);
        assert_eq!(queue.take_most_viewed().unwrap().user_id, 3);
        assert!(queue.take_most_viewed().is_none());
    }

    #[test]
    fn search_terms_drop_the_at_sign_and_spaces() {
        assert_eq!(search_terms("  @odessa  "), "odessa");
        assert_eq!(search_terms("@@@"), "");
        assert_eq!(search_terms("@ odessa"), "odessa");
        assert_eq!(search_terms(&"가".repeat(100)).chars().count(), MAX_QUERY_CHARS);
    }

    proptest! {
        #[test]
        fn search_terms_are_short_trimmed_and_never_panic(query in prop_oneof![any::<String>(), "[@ \t]{0,3}[a-z ]{0,5}[@ ]{0,2}"]) {
            let terms = search_terms(&query);
            prop_assert!(terms.chars().count() <= MAX_QUERY_CHARS);
            prop_assert_eq!(terms.trim(), terms.as_str());
            prop_assert!(!terms.starts_with('@'));
            prop_assert!(query.contains(terms.as_str()));
        }
    }
}
