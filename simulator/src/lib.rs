//! A stand-in for the unofficial Clubhouse API, as the team's upstream
//! reference (`upstream/clubhouse-api.md`, outside this repository; its
//! fixtures are copied into `simulator/fixtures/`) describes it: the same endpoints,
//! status codes and bodies, a seeded synthetic dataset, generated avatars,
//! fault injection and call counters. Tests start it in-process with
//! [`spawn`]; `clubhouse-simulator` serves it as a program.

mod accounts;
// Handlers answer errors with a ready `Response`, as axum handlers do.
#[allow(clippy::result_large_err)]
mod api;
mod avatars;
mod dataset;
mod faults;
mod rng;

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard,
    },
    time::Instant,
};

use axum::serve::ListenerExt;
use serde_json::Value;

pub use accounts::{parse_accounts_file, AccountStats, SimAccount, CALL_TIMES_KEPT};
pub use faults::{CallCounts, Endpoint, Faults};

use accounts::Accounts;
use dataset::{Dataset, PeopleError};
use faults::Counters;

#[derive(Clone)]
pub struct SimConfig {
    /// The default account's `Authorization: Token …` value, always accepted.
    pub token: String,
    /// The default account's user id: its label in the account stats, and
    /// who `me` answers for when called with `token`.
    pub user_id: u64,
    /// More accounts, each with its own token; see [`SimAccount`].
    pub accounts: Vec<SimAccount>,
    /// Calls per token in any 60 seconds, for the default account and for
    /// accounts without a limit of their own; `None` is no limit.
    pub calls_per_minute: Option<u32>,
    /// Seeds the synthetic crowd: the same seed gives the same people.
    pub seed: u64,
    /// People in all, fixtures and special accounts included.
    pub people: usize,
    /// The address clients reach the simulator at, for photo URLs, when it
    /// differs from the listening address (behind a proxy, in a container).
    pub public_base_url: Option<String>,
    /// Drift: every this often a few of the crowd change (followers, now
    /// and then a bio), seeded by `seed`, so histories grow on their own.
    pub drift_every: Option<std::time::Duration>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            token: "sim-token".into(),
            user_id: 910000000,
            accounts: Vec::new(),
            calls_per_minute: None,
            seed: 42,
            people: 3000,
            public_base_url: None,
            drift_every: None,
        }
    }
}

impl SimConfig {
    /// Every token must be there, and each token and label belong to one
    /// account (the same pair twice is the same account). Messages name
    /// labels, never tokens.
    pub fn validate(&self) -> Result<(), String> {
        let default = SimAccount { user_id: self.user_id, token: self.token.clone(), calls_per_minute: None };
        let all: Vec<&SimAccount> = std::iter::once(&default).chain(&self.accounts).collect();
        for (i, account) in all.iter().enumerate() {
            if account.token.trim().is_empty() {
                return Err(format!("the token of account {} is empty", account.user_id));
            }
            for earlier in &all[..i] {
                let same_label = earlier.user_id == account.user_id;
                let same_token = earlier.token == account.token;
                if same_label && !same_token {
                    return Err(format!("account {} appears twice, with different tokens", account.user_id));
                }
                if same_token && !same_label {
                    return Err(format!("accounts {} and {} have the same token", earlier.user_id, account.user_id));
                }
            }
        }
        Ok(())
    }
}

// By hand, so that a token never reaches a log line through `{:?}`.
impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("token", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("accounts", &self.accounts)
            .field("calls_per_minute", &self.calls_per_minute)
            .field("seed", &self.seed)
            .field("people", &self.people)
            .field("public_base_url", &self.public_base_url)
            .finish()
    }
}

pub struct Simulator {
    config: SimConfig,
    /// Generated at the start; changed only through the people admin.
    data: RwLock<Dataset>,
    faults: RwLock<Faults>,
    counters: Counters,
    accounts: Accounts,
    /// Call times are given from here.
    started: Instant,
    /// Where the simulator listens, once it does.
    base_url: OnceLock<String>,
    /// Drives the random share of injected faults.
    noise: AtomicU64,
    avatar_cache: Mutex<HashMap<String, Arc<[u8]>>>,
    /// Keys only the account itself sees in its own profile.
    self_view_keys: Value,
    drift_rng: Mutex<rng::Rng>,
}

/// Generated avatars kept in memory; past this many the cache starts over.
const AVATAR_CACHE_ENTRIES: usize = 4096;

impl Simulator {
    /// Panics on a configuration [`SimConfig::validate`] refuses.
    pub fn new(config: SimConfig) -> Simulator {
        if let Err(e) = config.validate() {
            panic!("invalid SimConfig: {e}");
        }
        let data = RwLock::new(Dataset::generate(config.seed, config.people));
        let config_seed = config.seed;
        let accounts = Accounts::new(&config);
        let self_view_keys = serde_json::from_str(include_str!("../fixtures/get_profile.self_extra_keys.json"))
            .expect("the self-view fixture is JSON");
        Simulator {
            noise: AtomicU64::new(config.seed),
            config,
            data,
            faults: RwLock::new(Faults::default()),
            counters: Counters::default(),
            accounts,
            started: Instant::now(),
            base_url: OnceLock::new(),
            avatar_cache: Mutex::new(HashMap::new()),
            self_view_keys,
            drift_rng: Mutex::new(rng::Rng::new(config_seed ^ 0xd71f7)),
        }
    }

    /// One step of drift (see [`SimConfig::drift_every`]); returns how many
    /// people changed.
    pub fn drift_step(&self) -> usize {
        let mut rng = self.drift_rng.lock().unwrap_or_else(|e| e.into_inner());
        self.data_mut().drift(&mut rng)
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The HTTP routes: `/api/…`, `/avatars/…` and the `/_sim/…` admin.
    pub fn router(self: Arc<Self>) -> axum::Router {
        api::router(self)
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    pub fn faults(&self) -> Faults {
        self.faults.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn calls(&self) -> CallCounts {
        self.counters.snapshot()
    }

    /// Clears the call counters and the account stats (bans and the
    /// accounts' minute windows stay).
    pub fn reset_calls(&self) {
        self.counters.reset();
        self.accounts.reset();
    }

    /// Every living person's username, in order of creation (added people last).
    pub fn usernames(&self) -> Vec<String> {
        self.data().people.iter().filter(|p| !p.deleted).map(|p| p.username.clone()).collect()
    }

    /// Bans or unbans one account, by its label (user id): a banned account
    /// gets 403 for every call. False if no account has the label.
    pub fn set_account_banned(&self, label: u64, banned: bool) -> bool {
        let found = self.accounts.set_banned(label, banned);
        if found {
            tracing::info!(account = label, banned, "account ban set");
        }
        found
    }

    /// Each account's stats: the default account first, then
    /// `SimConfig::accounts` in order.
    pub fn account_stats(&self) -> Vec<AccountStats> {
        self.accounts.stats()
    }

    /// Removes a living person (by username, any case, `@` allowed): they
    /// are not found by id or username, nor listed anywhere. Their id is
    /// never given again; their username is free. False if unknown.
    pub fn delete_person(&self, username: &str) -> bool {
        let deleted = self.data_mut().delete(username);
        if deleted {
            tracing::info!(username, "person deleted");
        }
        deleted
    }

    /// Adds a person with a new user id (higher than any so far), a name
    /// made from the username, a generated photo and no followers; found
    /// by id, username and search. Errors for a username that is taken by a
    /// living person (any case) or is not 1 to 30 letters, digits, `_`, `.`.
    pub fn add_person(&self, username: &str) -> Result<u64, String> {
        self.add_person_checked(username).map_err(|e| e.to_string())
    }

    /// Changes a living person's fields, seen by the next call: a JSON
    /// object with any of `name`, `bio`, `twitter`, `instagram`, `photo_url`
    /// (string or null), `num_followers`, `num_following` (whole numbers)
    /// and `username` (a rename). A `photo_url` that is an avatar key
    /// (`<digits>_<uuid>`) or a URL of this simulator's avatar host is served
    /// by it; any other string is sent as it is. Nothing changes on an error.
    pub fn update_person(&self, username: &str, changes: Value) -> Result<(), String> {
        self.update_person_checked(username, &changes).map_err(|e| e.to_string())
    }

    fn add_person_checked(&self, username: &str) -> Result<u64, PeopleError> {
        let id = self.data_mut().add(username, &chrono::Utc::now())?;
        tracing::info!(user_id = id, username, "person added");
        Ok(id)
    }

    fn update_person_checked(&self, username: &str, changes: &Value) -> Result<(), PeopleError> {
        let avatars = format!("{}/", self.avatar_base());
        self.data_mut().update(username, changes, &avatars)?;
        tracing::info!(username, "person updated");
        Ok(())
    }

    fn data(&self) -> RwLockReadGuard<'_, Dataset> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    fn data_mut(&self) -> RwLockWriteGuard<'_, Dataset> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Milliseconds since the simulator started.
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The base of photo URLs.
    fn avatar_base(&self) -> String {
        let base = self
            .config
            .public_base_url
            .as_deref()
            .or(self.base_url.get().map(String::as_str))
            .unwrap_or("http://127.0.0.1:4010");
        format!("{}/avatars", base.trim_end_matches('/'))
    }

    /// True for the given share of calls (0 never, 1 always).
    fn roll(&self, share: f64) -> bool {
        if share <= 0.0 {
            return false;
        }
        let n = rng::mix(self.noise.fetch_add(1, Ordering::Relaxed));
        share >= 1.0 || ((n >> 11) as f64 / (1u64 << 53) as f64) < share
    }

    fn avatar(&self, file: &str) -> Arc<[u8]> {
        if let Some(png) = self.avatar_cache.lock().unwrap_or_else(|e| e.into_inner()).get(file) {
            return png.clone();
        }
        // Drawn outside the lock: two requests may draw the same picture,
        // but none waits for another's.
        let side = if file.ends_with("_thumbnail_250x250") { avatars::THUMBNAIL_SIDE } else { avatars::FULL_SIDE };
        let png: Arc<[u8]> = avatars::identicon(dataset::photo_seed(file), side, file.starts_with("club_")).into();
        let mut cache = self.avatar_cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= AVATAR_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(file.to_owned(), png.clone());
        png
    }
}

/// A simulator serving on a loopback port, for tests and the run command.
pub struct RunningSimulator {
    /// `http://127.0.0.1:<port>`; the API is under `/api`.
    pub base_url: String,
    pub sim: Arc<Simulator>,
}

/// Serves a new simulator on `127.0.0.1:port` (0 picks a free port).
pub async fn spawn(config: SimConfig, port: u16) -> std::io::Result<RunningSimulator> {
    spawn_on(config, SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)).await
}

/// Serves a new simulator on `addr` in a background task.
/// A configuration [`SimConfig::validate`] refuses is an `InvalidInput` error.
pub async fn spawn_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSimulator> {
    config.validate().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let mut local = listener.local_addr()?;
    if local.ip().is_unspecified() {
        local.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let base_url = format!("http://{local}");
    let sim = Arc::new(Simulator::new(config));
    let _ = sim.base_url.set(base_url.clone());
    let routes = sim.clone().router();
    // Without TCP_NODELAY small responses wait on Nagle's algorithm.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    if let Some(every) = sim.config.drift_every.filter(|d| !d.is_zero()) {
        let drifting = Arc::downgrade(&sim);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(sim) = drifting.upgrade() else { break };
                let changed = sim.drift_step();
                tracing::debug!(changed, "drift");
            }
        });
    }
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes).await {
            tracing::error!("the simulator stopped: {e}");
        }
    });
    Ok(RunningSimulator { base_url, sim })
}
