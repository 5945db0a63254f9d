use std::{
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
        Mutex,
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use domain::{
    model::{Profile, SearchPage},
    username::Username,
};
use rand::Rng;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use tokio::time::Instant;

use crate::metrics;

use super::{
    budget::{Booking, SharedBudget},
    config::UpstreamAccount,
    error::UpstreamError,
    limiter::{Denied, Limiter, LimiterSettings, LimiterSnapshot, PauseReason, Permit, Priority},
    sanitize::sanitize_profile,
};
use secrecy::ExposeSecret;

/// How to reach Clubhouse (or the simulator), with which accounts, and how gently.
#[derive(Clone, Debug)]
pub struct UpstreamConfig {
    /// e.g. `https://www.clubhouseapi.com/api` (no trailing slash).
    pub base_url: String,
    /// At least one. Each has its own budget, pauses and ban state.
    pub accounts: Vec<UpstreamAccount>,
    pub app_build: String,
    pub app_version: String,
    /// `en_US` style; `CH-Languages` is derived from it.
    pub locale: String,
    /// Per call, connect to last byte.
    pub timeout: Duration,
    /// The pacing of each account (not of the process: see [`SharedBudget`]).
    pub limiter: LimiterSettings,
    /// How long an account is set aside after a 401/403 (a banned or wrong token).
    pub auth_pause: Duration,
    /// How long an account stops after the "high usage" message.
    pub high_usage_pause: Duration,
    /// Pause after a 429 without a usable Retry-After.
    pub rate_limit_pause: Duration,
    /// First and longest backoff after 5xx, timeouts and connection errors.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Largest response body read (profiles with hundreds of clubs are ~150 kB).
    pub max_body_bytes: usize,
}

/// A profile as fetched: the typed view for pages and the sanitized JSON
/// (every key the upstream sent, minus viewer-specific ones) for the cache.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchedProfile {
    pub profile: Profile,
    pub raw: Value,
}

/// What readiness details and metrics show about the upstream.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UpstreamHealth {
    /// False while every account is set aside because Clubhouse refused it.
    pub healthy: bool,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<DateTime<Utc>>,
    pub last_error_kind: Option<&'static str>,
    /// The fewest failures in a row of any account.
    pub consecutive_failures: u32,
    pub calls: u64,
    /// All accounts together: a pause is shown while every account is paused.
    pub limiter: LimiterSnapshot,
    /// Whether the budget is shared with other replicas through Postgres
    /// right now (false without a database, or while it does not answer).
    pub budget_shared: bool,
    pub accounts: Vec<AccountHealth>,
}

/// One account, by its non-secret label.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AccountHealth {
    pub label: String,
    /// `ready`, `paused` (rate limited or backing off) or `set_aside`
    /// (Clubhouse refused its token: banned or wrong).
    pub state: &'static str,
    pub pause_reason: Option<&'static str>,
    pub paused_for_ms: Option<u64>,
    pub calls: u64,
    pub consecutive_failures: u32,
    pub last_error_kind: Option<&'static str>,
}

#[derive(Default)]
struct Outcomes {
    last_success: Option<DateTime<Utc>>,
    last_error: Option<(DateTime<Utc>, &'static str)>,
}

/// A call's turn on one account, booked and come, with its slot.
pub struct Turn {
    account: usize,
    _permit: Permit,
}

/// One account's headers, pacing and record.
struct Account {
    label: String,
    headers: header::HeaderMap,
    /// Its concurrency cap here; its pacing too while the shared budget
    /// cannot answer; and what this replica knows of its pause.
    limiter: Limiter,
    outcomes: Mutex<Outcomes>,
    consecutive_failures: AtomicU32,
    calls: AtomicU64,
}

pub struct ClubhouseClient {
    http: reqwest::Client,
    config: UpstreamConfig,
    accounts: Vec<Account>,
    labels: Vec<String>,
    shared: Option<SharedBudget>,
    /// Whether the last booking reached the shared budget.
    shared_ok: AtomicBool,
    /// After the shared budget failed, when to ask it again (meanwhile
    /// this process paces on its own rather than wait on every call).
    shared_retry_at: Mutex<Option<Instant>>,
    /// Callers who waited for a turn / were refused one, all accounts.
    waits: AtomicU64,
    denials: AtomicU64,
}

/// The exact text Clubhouse uses to throttle an account without a 429.
const HIGH_USAGE_MARKER: &str = "high usage";
/// Cap on any pause the upstream asks for, so a bogus header cannot stop us for days.
const MAX_PAUSE: Duration = Duration::from_secs(3600);
/// Longest a booking in the shared budget may take.
const BOOKING_TIMEOUT: Duration = Duration::from_secs(1);
/// After the shared budget failed, how long this process paces on its own
/// before asking it again.
const SHARED_RETRY_AFTER: Duration = Duration::from_secs(5);

impl Account {
    fn new(account: &UpstreamAccount, config: &UpstreamConfig) -> Account {
        let mut headers = header::HeaderMap::new();
        add_header(&mut headers, "ch-deviceid", &account.device_id);
        if let Some(user_id) = account.user_id {
            add_header(&mut headers, "ch-userid", &user_id.to_string());
        }
        if let Ok(mut auth) = header::HeaderValue::from_str(&format!("Token {}", account.token.expose_secret())) {
            // Keeps the token out of reqwest's and hyper's Debug output.
            auth.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, auth);
        }
        Account {
            label: account.label.clone(),
            headers,
            limiter: Limiter::new(config.limiter),
            outcomes: Mutex::new(Outcomes::default()),
            consecutive_failures: AtomicU32::new(0),
            calls: AtomicU64::new(0),
        }
    }

    fn health(&self) -> AccountHealth {
        let snapshot = self.limiter.snapshot();
        let outcomes = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        AccountHealth {
            label: self.label.clone(),
            state: match snapshot.pause_reason {
                None => "ready",
                Some("unauthorized") => "set_aside",
                Some(_) => "paused",
            },
            pause_reason: snapshot.pause_reason,
            paused_for_ms: snapshot.paused_for_ms,
            calls: self.calls.load(Ordering::Relaxed),
            consecutive_failures: self.consecutive_failures.load(Ordering::Relaxed),
            last_error_kind: outcomes.last_error.map(|(_, kind)| kind),
        }
    }
}

impl ClubhouseClient {
    /// A client whose accounts are paced in this process only (one replica,
    /// or tests of the client itself); see [`Self::with_shared_budget`].
    pub fn new(config: UpstreamConfig) -> Result<ClubhouseClient, reqwest::Error> {
        let mut headers = header::HeaderMap::new();
        add_header(&mut headers, "accept", "application/json");
        add_header(&mut headers, "ch-appbuild", &config.app_build);
        add_header(&mut headers, "ch-appversion", &config.app_version);
        add_header(&mut headers, "ch-locale", &config.locale);
        add_header(&mut headers, "ch-languages", &config.locale.replace('_', "-"));
        let http = reqwest::Client::builder()
            .user_agent(format!("clubhouse/android/{}", config.app_build))
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            // The API never redirects; following one could leak the token.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let accounts: Vec<Account> = config.accounts.iter().map(|a| Account::new(a, &config)).collect();
        metrics::upstream_accounts_known(&accounts.iter().map(|a| a.label.as_str()).collect::<Vec<_>>());
        Ok(ClubhouseClient {
            http,
            labels: accounts.iter().map(|a| a.label.clone()).collect(),
            accounts,
            config,
            shared: None,
            shared_ok: AtomicBool::new(false),
            shared_retry_at: Mutex::new(None),
            waits: AtomicU64::new(0),
            denials: AtomicU64::new(0),
        })
    }

    /// Books every call in the budget all replicas share through `db`
    /// (falling back to this process's pacing while it cannot answer).
    /// Registers the accounts' rows.
    pub async fn with_shared_budget(mut self, db: PgPool) -> ClubhouseClient {
        let shared = SharedBudget::new(db);
        match shared.register(&self.labels).await {
            Ok(()) => self.shared_ok.store(true, Ordering::Relaxed),
            Err(e) => tracing::error!("upstream budget not registered (paced in this process until it is): {e}"),
        }
        self.shared = Some(shared);
        self
    }

    pub fn config(&self) -> &UpstreamConfig {
        &self.config
    }

    /// A profile by username. Tries `get_profile {"username"}` first; when
    /// that finds nothing, searches and takes the exact (case-insensitive)
    /// username match, as the original site did.
    pub async fn profile_by_username(
        &self,
        username: &Username,
        priority: Priority,
    ) -> Result<FetchedProfile, UpstreamError> {
        self.profile_by_username_in(None, username, priority).await
    }

    /// [`Self::profile_by_username`], its first call on `turn` (booked
    /// beforehand with [`Self::take_turn`]).
    pub async fn profile_by_username_in(
        &self,
        turn: Option<Turn>,
        username: &Username,
        priority: Priority,
    ) -> Result<FetchedProfile, UpstreamError> {
        match self.get_profile(json!({ "username": username.as_str() }), priority, turn).await {
            Ok(found) if same_username(found.profile.username.as_deref(), username) => return Ok(found),
            Ok(_) | Err(UpstreamError::NotFound) | Err(UpstreamError::Rejected { .. }) => {}
            Err(e) => return Err(e),
        }
        let hits = self.search_users(username.as_str(), 1, 50, priority).await?;
        let exact = hits.users.iter().find(|u| same_username(u.username.as_deref(), username));
        match exact {
            Some(hit) => self.profile_by_id(hit.user_id, priority).await,
            None => Err(UpstreamError::NotFound),
        }
    }

    pub async fn profile_by_id(&self, user_id: u64, priority: Priority) -> Result<FetchedProfile, UpstreamError> {
        self.profile_by_id_in(None, user_id, priority).await
    }

    /// [`Self::profile_by_id`] on a turn booked beforehand.
    pub async fn profile_by_id_in(
        &self,
        turn: Option<Turn>,
        user_id: u64,
        priority: Priority,
    ) -> Result<FetchedProfile, UpstreamError> {
        self.get_profile(json!({ "user_id": user_id }), priority, turn).await
    }

    /// Books a call's turn ahead of the call, on `conn` when given (a
    /// fetch books on the connection holding its lock, so it never needs a
    /// second one); dropping the turn wastes it.
    pub async fn take_turn(&self, priority: Priority, conn: Option<&mut PgConnection>) -> Result<Turn, UpstreamError> {
        let asked = std::time::Instant::now();
        let (account, permit) = self.turn(priority, conn).await.map_err(|denied| {
            self.denials.fetch_add(1, Ordering::Relaxed);
            metrics::limiter_denied(match denied {
                Denied::Paused { reason, .. } => reason.as_str(),
                Denied::Busy { .. } => "busy",
            });
            denied_error(denied)
        })?;
        let waited = asked.elapsed();
        if waited > Duration::from_millis(1) {
            self.waits.fetch_add(1, Ordering::Relaxed);
        }
        metrics::limiter_wait(waited);
        Ok(Turn { account, _permit: permit })
    }

    /// One page of `search_users` (page numbers start at 1).
    pub async fn search_users(
        &self,
        query: &str,
        page: u32,
        page_size: u32,
        priority: Priority,
    ) -> Result<SearchPage, UpstreamError> {
        let body = json!({
            "query": query,
            "cofollows_only": false,
            "following_only": false,
            "followers_only": false,
        });
        let query_string = [("page", page.max(1).to_string()), ("page_size", page_size.clamp(1, 100).to_string())];
        let value = self.call(priority, None, Method::POST, "search_users", &query_string, Some(body)).await?;
        serde_json::from_value(value).map_err(|e| UpstreamError::Malformed { reason: format!("search_users: {e}") })
    }

    /// What this replica knows of the upstream and its accounts. Pauses set
    /// by other replicas show once a booking or [`Self::sync_shared_state`]
    /// has read them.
    pub fn health(&self) -> UpstreamHealth {
        let accounts: Vec<AccountHealth> = self.accounts.iter().map(Account::health).collect();
        let snapshots: Vec<LimiterSnapshot> = self.accounts.iter().map(|a| a.limiter.snapshot()).collect();
        let all_paused = snapshots.iter().all(|s| s.pause_reason.is_some());
        let first_back = snapshots.iter().filter(|_| all_paused).min_by_key(|s| s.paused_for_ms);
        let mut last_success = None;
        let mut last_error: Option<(DateTime<Utc>, &'static str)> = None;
        for account in &self.accounts {
            let outcomes = account.outcomes.lock().unwrap_or_else(|e| e.into_inner());
            last_success = last_success.max(outcomes.last_success);
            if outcomes.last_error.map(|(at, _)| at) > last_error.map(|(at, _)| at) {
                last_error = outcomes.last_error;
            }
        }
        for a in &accounts {
            metrics::upstream_account(&a.label, a.state);
        }
        UpstreamHealth {
            healthy: accounts.iter().any(|a| a.state != "set_aside"),
            last_success,
            last_error: last_error.map(|(at, _)| at),
            last_error_kind: last_error.map(|(_, kind)| kind),
            consecutive_failures: accounts.iter().map(|a| a.consecutive_failures).min().unwrap_or(0),
            calls: accounts.iter().map(|a| a.calls).sum(),
            limiter: LimiterSnapshot {
                in_flight: snapshots.iter().map(|s| s.in_flight).sum(),
                paused_for_ms: first_back.and_then(|s| s.paused_for_ms),
                pause_reason: first_back.and_then(|s| s.pause_reason),
                waits: self.waits.load(Ordering::Relaxed),
                denials: self.denials.load(Ordering::Relaxed),
            },
            budget_shared: self.shared.is_some() && self.shared_ok.load(Ordering::Relaxed),
            accounts,
        }
    }

    /// Reads the pauses other replicas set into this replica's view (for
    /// `/readyz`); a database error leaves the view as it was.
    pub async fn sync_shared_state(&self) {
        let Some(shared) = &self.shared else { return };
        match shared.pauses(&self.labels).await {
            Ok(pauses) => {
                self.shared_ok.store(true, Ordering::Relaxed);
                for pause in pauses {
                    if let Some(account) = self.accounts.iter().find(|a| a.label == pause.label) {
                        account.limiter.pause(pause.remaining, pause.reason);
                    }
                }
            }
            Err(e) => {
                self.shared_ok.store(false, Ordering::Relaxed);
                tracing::warn!("shared upstream budget unreadable: {e}");
            }
        }
    }

    async fn get_profile(
        &self,
        body: Value,
        priority: Priority,
        turn: Option<Turn>,
    ) -> Result<FetchedProfile, UpstreamError> {
        let mut value = self.call(priority, turn, Method::POST, "get_profile", &[], Some(body)).await?;
        let raw = match value.get_mut("user_profile").map(Value::take) {
            Some(profile @ Value::Object(_)) => sanitize_profile(profile),
            _ => return Err(UpstreamError::Malformed { reason: "get_profile: no user_profile object".into() }),
        };
        let profile: Profile = serde_json::from_value(raw.clone())
            .map_err(|e| UpstreamError::Malformed { reason: format!("get_profile: {e}") })?;
        Ok(FetchedProfile { profile, raw })
    }

    /// One paced call: waits for an account's turn, sends, maps the answer,
    /// and adjusts pacing from the outcome. An answer that concerns the
    /// account (its token refused, it is rate limited) sets that account
    /// aside and the call is tried once on each other account.
    async fn call(
        &self,
        priority: Priority,
        mut booked: Option<Turn>,
        method: Method,
        endpoint: &'static str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, UpstreamError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let turn = match booked.take() {
                Some(turn) => turn,
                None => self.take_turn(priority, None).await?,
            };
            let account = &self.accounts[turn.account];
            account.calls.fetch_add(1, Ordering::Relaxed);
            let started = std::time::Instant::now();
            let result = self.send(account, method.clone(), endpoint, query, body.clone()).await;
            let elapsed = started.elapsed();
            let elapsed_ms = elapsed.as_millis() as u64;
            let kind = match &result {
                Ok(_) => "ok",
                Err(e) => e.kind(),
            };
            metrics::upstream_call(endpoint, kind, elapsed);
            metrics::upstream_account_call(&account.label, priority.as_str(), kind);
            drop(turn);
            let label = account.label.as_str();
            match &result {
                Ok(_) => {
                    tracing::debug!(endpoint, account = label, elapsed_ms, "upstream call ok");
                    account.record_success();
                }
                // An unknown person is an answer, not a failure.
                Err(UpstreamError::NotFound) => {
                    tracing::debug!(endpoint, account = label, elapsed_ms, "upstream call: not found");
                    account.record_success();
                }
                Err(e) => {
                    tracing::warn!(endpoint, account = label, elapsed_ms, kind = e.kind(), "upstream call failed: {e}");
                    self.record_failure(account, e).await;
                }
            }
            let about_the_account =
                matches!(result, Err(UpstreamError::Unauthorized { .. }) | Err(UpstreamError::RateLimited { .. }));
            if about_the_account && attempts < self.accounts.len() {
                continue;
            }
            return result;
        }
    }

    /// The account whose turn comes first (its index), once that turn has
    /// come, and a slot among its calls in flight here.
    async fn turn(&self, priority: Priority, conn: Option<&mut PgConnection>) -> Result<(usize, Permit), Denied> {
        let settings = self.config.limiter;
        let max_wait = priority.max_wait(settings.max_wait);
        let deadline = Instant::now() + max_wait;
        let retry_at = *self.shared_retry_at.lock().unwrap_or_else(|e| e.into_inner());
        let shared = self.shared.as_ref().filter(|_| retry_at.is_none_or(|at| Instant::now() >= at));
        if let Some(shared) = shared {
            // Accounts this replica knows to be paused past the wait are not
            // worth a round trip; when that is all of them, refuse at once.
            let candidates: Vec<String> = self
                .accounts
                .iter()
                .filter(|a| a.limiter.paused_until().is_none_or(|(until, _)| until <= deadline))
                .map(|a| a.label.clone())
                .collect();
            if candidates.is_empty() {
                return Err(self.soonest_pause());
            }
            let booking = shared.book(conn, &candidates, settings.interval, settings.tolerance(priority), max_wait);
            // A booking the database is too slow to answer is given up,
            // like one it cannot answer.
            let booking = match tokio::time::timeout(BOOKING_TIMEOUT, booking).await {
                Ok(booking) => booking,
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            };
            match booking {
                Ok(Some(Booking::Granted { label, start_in })) => {
                    self.shared_ok.store(true, Ordering::Relaxed);
                    let index = self.account_index(&label);
                    // This process's own schedule follows, so pacing here
                    // while the database is away starts from what was used.
                    self.accounts[index].limiter.follow(Instant::now() + start_in);
                    let permit = self.accounts[index].limiter.start_at(Instant::now() + start_in, deadline).await?;
                    return Ok((index, permit));
                }
                Ok(Some(Booking::Denied { label, wait, paused })) => {
                    self.shared_ok.store(true, Ordering::Relaxed);
                    return Err(match paused {
                        Some((remaining, reason)) => {
                            // Another replica's pause: this one now knows it too.
                            self.accounts[self.account_index(&label)].limiter.pause(remaining, reason);
                            Denied::Paused { remaining, reason }
                        }
                        None => Denied::Busy { wait },
                    });
                }
                Ok(None) => {
                    tracing::warn!("upstream accounts missing from the shared budget; registering them again");
                    if let Err(e) = shared.register(&self.labels).await {
                        tracing::warn!("could not register upstream accounts: {e}");
                    }
                }
                Err(e) => {
                    *self.shared_retry_at.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(Instant::now() + SHARED_RETRY_AFTER);
                    if self.shared_ok.swap(false, Ordering::Relaxed) {
                        tracing::error!(
                            "shared upstream budget unavailable; each replica paces on its own meanwhile: {e}"
                        );
                    }
                }
            }
        }
        // This process's own pacing: the account whose turn comes first.
        let index = (0..self.accounts.len())
            .min_by_key(|i| self.accounts[*i].limiter.next_start(priority))
            .expect("the configuration has at least one account");
        let permit = self.accounts[index].limiter.acquire_for(priority).await?;
        Ok((index, permit))
    }

    fn account_index(&self, label: &str) -> usize {
        self.accounts.iter().position(|a| a.label == label).unwrap_or(0)
    }

    /// The refusal when every account is paused: the one back first.
    fn soonest_pause(&self) -> Denied {
        let now = Instant::now();
        self.accounts
            .iter()
            .filter_map(|a| a.limiter.paused_until())
            .min_by_key(|(until, _)| *until)
            .map(|(until, reason)| Denied::Paused { remaining: until.saturating_duration_since(now), reason })
            .unwrap_or(Denied::Busy { wait: self.config.limiter.interval })
    }

    async fn send(
        &self,
        account: &Account,
        method: Method,
        endpoint: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, UpstreamError> {
        let url = format!("{}/{}", self.config.base_url, endpoint);
        let mut request = self.http.request(method, &url).headers(account.headers.clone()).query(query);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let mut response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());

        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if bytes.len() + chunk.len() > self.config.max_body_bytes {
                return Err(UpstreamError::Malformed {
                    reason: format!("{endpoint}: body over {} bytes", self.config.max_body_bytes),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        let app_error = json.as_ref().and_then(application_error);

        match status {
            s if s.is_success() => match (json, app_error) {
                (_, Some(message)) => Err(refusal(message)),
                (Some(value), None) => Ok(value),
                (None, None) => Err(UpstreamError::Malformed { reason: format!("{endpoint}: body is not JSON") }),
            },
            StatusCode::NOT_FOUND => Err(UpstreamError::NotFound),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Err(UpstreamError::Unauthorized { status: status.as_u16() })
            }
            StatusCode::TOO_MANY_REQUESTS => Err(UpstreamError::RateLimited { retry_after }),
            s if s.is_server_error() => {
                Err(UpstreamError::Unavailable { reason: format!("{endpoint}: HTTP {s}"), retry_after })
            }
            s => Err(match app_error {
                Some(message) => refusal(message),
                None => UpstreamError::Rejected { reason: format!("{endpoint}: HTTP {s}") },
            }),
        }
    }

    /// Pauses the account after a failure, here and (through the shared
    /// budget) on every replica.
    async fn record_failure(&self, account: &Account, error: &UpstreamError) {
        account.outcomes.lock().unwrap_or_else(|e| e.into_inner()).last_error = Some((Utc::now(), error.kind()));
        let label = account.label.as_str();
        let (pause, reason) = match error {
            UpstreamError::Unauthorized { status } => {
                tracing::error!(
                    account = label,
                    status,
                    "upstream refused this account's token; set aside for {:?}",
                    self.config.auth_pause
                );
                (self.config.auth_pause, PauseReason::Unauthorized { status: *status })
            }
            UpstreamError::RateLimited { retry_after } => {
                let pause = retry_after.unwrap_or(self.config.rate_limit_pause).min(MAX_PAUSE);
                tracing::warn!(account = label, "upstream rate limited this account; paused for {pause:?}");
                (pause, PauseReason::RateLimited)
            }
            UpstreamError::Unavailable { .. } | UpstreamError::Timeout => {
                let failures = account.consecutive_failures.fetch_add(1, Ordering::Relaxed) + 1;
                let pause = error.retry_after().unwrap_or_else(|| self.backoff(failures)).min(MAX_PAUSE);
                (pause, PauseReason::Failing)
            }
            _ => return,
        };
        account.limiter.pause(pause, reason);
        if let Some(shared) = &self.shared {
            if let Err(e) = shared.pause(label, pause, reason).await {
                tracing::warn!(account = label, "pause not shared with other replicas: {e}");
            }
        }
    }

    /// Exponential backoff with full jitter in its upper half.
    fn backoff(&self, failures: u32) -> Duration {
        let exp = self.config.backoff_base.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let capped = exp.min(self.config.backoff_max);
        capped.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
    }
}

impl Account {
    fn record_success(&self) {
        self.consecutive_failures.store(0, Ordering::Relaxed);
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).last_success = Some(Utc::now());
    }
}

/// Adds a header whose value the configuration checked; one that is not
/// header text is left out rather than sent broken.
fn add_header(headers: &mut header::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = header::HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

fn same_username(found: Option<&str>, wanted: &Username) -> bool {
    found.is_some_and(|f| f.eq_ignore_ascii_case(wanted.as_str()))
}

/// `{"success": false, "error_message": "…"}`, the API's refusal shape.
fn application_error(value: &Value) -> Option<String> {
    (value.get("success") == Some(&Value::Bool(false)))
        .then(|| value.get("error_message").and_then(Value::as_str).unwrap_or("").to_owned())
}

fn refusal(message: String) -> UpstreamError {
    if message.to_lowercase().contains(HIGH_USAGE_MARKER) {
        UpstreamError::RateLimited { retry_after: None }
    } else {
        UpstreamError::Rejected { reason: message }
    }
}

fn transport_error(e: reqwest::Error) -> UpstreamError {
    if e.is_timeout() {
        UpstreamError::Timeout
    } else if e.is_decode() || e.is_body() {
        UpstreamError::Malformed { reason: "unreadable body".into() }
    } else {
        // reqwest's message names the URL and cause, never headers.
        UpstreamError::Unavailable { reason: e.without_url().to_string(), retry_after: None }
    }
}

fn denied_error(denied: Denied) -> UpstreamError {
    match denied {
        Denied::Paused { reason: PauseReason::Unauthorized { status }, .. } => UpstreamError::Unauthorized { status },
        Denied::Paused { remaining, reason: PauseReason::RateLimited } => {
            UpstreamError::RateLimited { retry_after: Some(remaining) }
        }
        Denied::Paused { remaining, reason: PauseReason::Failing } => UpstreamError::Unavailable {
            reason: "backing off after upstream failures".into(),
            retry_after: Some(remaining),
        },
        Denied::Busy { wait } => UpstreamError::RateLimited { retry_after: Some(wait) },
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs; treated as absent).
fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;
    use reqwest::header::{self, HeaderMap, HeaderValue};

    use super::retry_after;

    proptest! {
        /// Upstream's Retry-After: whole seconds are read (spaces around
        /// them allowed); anything else counts as absent, never a panic.
        #[test]
        fn retry_after_reads_whole_seconds_only(
            value in prop_oneof!["[ -~]{0,24}", "[ +]?[0-9]{0,22} ?"],
            secs in any::<u64>(),
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(header::RETRY_AFTER, value);
                let read = retry_after(&headers);
                let digits = value_is_seconds(headers[header::RETRY_AFTER].to_str().unwrap());
                prop_assert_eq!(read.is_some(), digits);
            }
            headers.insert(header::RETRY_AFTER, HeaderValue::from_str(&format!(" {secs} ")).unwrap());
            prop_assert_eq!(retry_after(&headers), Some(Duration::from_secs(secs)));
        }
    }

    /// A decimal number of seconds that fits in a u64, the reference for the
    /// property above: written without `parse`.
    fn value_is_seconds(value: &str) -> bool {
        let digits = value.trim().strip_prefix('+').unwrap_or(value.trim());
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.bytes().try_fold(0u64, |n, b| n.checked_mul(10)?.checked_add(u64::from(b - b'0'))).is_some()
    }
}
