//! A stand-in for the unofficial Clubhouse API, as the team's upstream
//! reference (`upstream/clubhouse-api.md`, outside this repository; its
//! fixtures are copied into `simulator/fixtures/`) describes it: the same endpoints,
//! status codes and bodies, a seeded synthetic dataset, generated avatars,
//! fault injection and call counters. Tests start it in-process with
//! [`spawn`]; `clubhouse-simulator` serves it as a program.

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
        Arc, Mutex, OnceLock, RwLock,
    },
};

use axum::serve::ListenerExt;
use serde_json::Value;

pub use faults::{CallCounts, Endpoint, Faults};

use dataset::Dataset;
use faults::Counters;

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The `Authorization: Token …` value the simulator accepts.
    pub token: String,
    /// The service account's user id (informational; `me` answers for it).
    pub user_id: u64,
    /// Seeds the synthetic crowd: the same seed gives the same people.
    pub seed: u64,
    /// People in all, fixtures and special accounts included.
    pub people: usize,
    /// The address clients reach the simulator at, for photo URLs, when it
    /// differs from the listening address (behind a proxy, in a container).
    pub public_base_url: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig { token: "sim-token".into(), user_id: 910000000, seed: 42, people: 3000, public_base_url: None }
    }
}

pub struct Simulator {
    config: SimConfig,
    data: Dataset,
    faults: RwLock<Faults>,
    counters: Counters,
    /// Where the simulator listens, once it does.
    base_url: OnceLock<String>,
    /// Drives the random share of injected faults.
    noise: AtomicU64,
    avatar_cache: Mutex<HashMap<String, Arc<[u8]>>>,
    /// Keys only the account itself sees in its own profile.
    self_view_keys: Value,
}

/// Generated avatars kept in memory; past this many the cache starts over.
const AVATAR_CACHE_ENTRIES: usize = 4096;

impl Simulator {
    pub fn new(config: SimConfig) -> Simulator {
        let data = Dataset::generate(config.seed, config.people);
        let self_view_keys = serde_json::from_str(include_str!("../fixtures/get_profile.self_extra_keys.json"))
            .expect("the self-view fixture is JSON");
        Simulator {
            noise: AtomicU64::new(config.seed),
            config,
            data,
            faults: RwLock::new(Faults::default()),
            counters: Counters::default(),
            base_url: OnceLock::new(),
            avatar_cache: Mutex::new(HashMap::new()),
            self_view_keys,
        }
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

    pub fn reset_calls(&self) {
        self.counters.reset();
    }

    /// Every username in the dataset, in id order of creation.
    pub fn usernames(&self) -> Vec<String> {
        self.data.people.iter().map(|p| p.username.clone()).collect()
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
pub async fn spawn_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSimulator> {
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
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes).await {
            tracing::error!("the simulator stopped: {e}");
        }
    });
    Ok(RunningSimulator { base_url, sim })
}
