//! `spawn_app`: the real server on a random port, on a fresh database in the
//! private PostgreSQL cluster that `scripts/test.sh` starts.
// Shared by both test binaries, and each uses only some of the helpers.
#![allow(dead_code)]

use std::{sync::OnceLock, time::Duration};

use server::{config::Config, Application};
use services::upstream::LimiterSettings;
use simulator::{RunningSimulator, SimConfig};
use sqlx::{Connection, PgConnection, PgPool};

pub struct TestApp {
    pub base_url: String,
    /// The Clubhouse simulator this server talks to.
    pub sim: RunningSimulator,
    pub db: PgPool,
    pub db_name: String,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub served: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request failed")
    }

    /// Stops accepting connections and waits for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.served).await;
    }
}

/// The cluster's URL, from the test command's environment.
pub fn admin_database_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        std::env::var("DATABASE_URL")
            .expect("DATABASE_URL is not set: run the tests through scripts/test.sh, which starts a private PostgreSQL")
    })
}

/// `DATABASE_URL` with its database name replaced.
pub fn database_url_for(name: &str) -> String {
    let admin = admin_database_url();
    let (base, rest) = admin.rsplit_once('/').expect("DATABASE_URL has a database name");
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    format!("{base}/{name}{query}")
}

/// Creates an empty database with a unique name.
pub async fn create_database() -> String {
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(admin_database_url()).await.expect("connect to the test cluster");
    sqlx::query(&format!(r#"create database "{name}""#)).execute(&mut admin).await.expect("create database");
    name
}

/// Configuration for a test server: a random port and the given database.
pub fn test_config(db_name: &str) -> Config {
    let mut config = Config::from_lookup(|_| None).expect("defaults are valid");
    config.listen_addr = "127.0.0.1:0".parse().unwrap();
    config.database.url = database_url_for(db_name);
    config.shutdown_grace = Duration::from_secs(5);
    // Tests stop servers often; the drain has a test of its own.
    config.drain = Duration::ZERO;
    // The root files (favicon, robots.txt) straight from the sources: the
    // built site may not exist yet when the Rust tests run.
    config.site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../public").to_owned();
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A simulator with a small dataset, for tests.
pub async fn spawn_simulator() -> RunningSimulator {
    simulator::spawn(SimConfig { people: 300, ..SimConfig::default() }, 0).await.expect("the simulator starts")
}

/// Points `config` at `sim`, with pacing fast enough for tests.
pub fn use_simulator(config: &mut Config, sim: &RunningSimulator) {
    config.upstream.base_url = format!("{}/api", sim.base_url);
    config.upstream.limiter = LimiterSettings {
        interval: Duration::from_millis(1),
        burst: 50,
        max_concurrent: 8,
        max_wait: Duration::from_secs(3),
    };
    config.upstream.timeout = Duration::from_secs(3);
    config.upstream.backoff_base = Duration::from_millis(100);
    config.image_hosts = vec![sim.base_url.trim_start_matches("http://").to_owned()];
    // Every test request comes from 127.0.0.1: one client's share of the
    // budget would be every test's. The fairness tests set their own.
    config.profiles.share_per_minute = 1_000_000;
    config.profiles.share_at_once = 256;
}

pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(spawn_simulator().await, customize).await
}

/// A server on a fresh database, calling `sim`.
pub async fn spawn_app_on(sim: RunningSimulator, customize: impl FnOnce(&mut Config)) -> TestApp {
    spawn_replica(&create_database().await, sim, customize).await
}

/// Another handle on the same simulator, for a second server.
pub fn same_simulator(sim: &RunningSimulator) -> RunningSimulator {
    RunningSimulator { base_url: sim.base_url.clone(), sim: sim.sim.clone() }
}

/// A server on the existing database `db_name` (another replica of an
/// app), calling `sim`.
pub async fn spawn_replica(db_name: &str, sim: RunningSimulator, customize: impl FnOnce(&mut Config)) -> TestApp {
    let db_name = db_name.to_owned();
    let mut config = test_config(&db_name);
    use_simulator(&mut config, &sim);
    customize(&mut config);
    let db = PgPool::connect(&config.database.url).await.expect("connect to the test database");

    let app = Application::build(config).await.expect("the server starts");
    let base_url = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // Until the server listens for profile changes it trusts its memory
    // briefly and forgets it when the listener connects: tests start after.
    let ready = format!("{base_url}/readyz");
    let mut listening = false;
    for _ in 0..200 {
        listening = match client.get(&ready).send().await {
            Ok(res) => res.text().await.unwrap_or_default().contains(r#""profile_changes":"listening""#),
            Err(_) => false,
        };
        if listening {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(listening, "the server did not listen for profile changes within 10 s");
    TestApp { base_url, sim, db, db_name, client, stop: Some(stop), served }
}

/// A page's status and body.
pub async fn html(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Polls `check` every 50 ms for up to 10 s; whether it came true.
pub async fn wait_until(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Makes a cached profile `hours` older, so it is served stale.
pub async fn backdate(app: &TestApp, username: &str, hours: i32) {
    sqlx::query("update profile_cache set fetched_at = fetched_at - make_interval(hours => $1) where username = $2")
        .bind(hours)
        .bind(username)
        .execute(&app.db)
        .await
        .unwrap();
}

/// Like [`backdate`], but as a write no replica hears of (triggers off for
/// this transaction, which the test cluster's superuser may do): what a
/// replica holds in memory then differs from the row.
pub async fn backdate_quietly(app: &TestApp, username: &str, hours: i32) {
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("set local session_replication_role = replica").execute(&mut *tx).await.unwrap();
    sqlx::query("update profile_cache set fetched_at = fetched_at - make_interval(hours => $1) where username = $2")
        .bind(hours)
        .bind(username)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// A built-site directory of the test's own holding `files` (paths relative
/// to the site root, e.g. `pkg/inssa.css`), for `Config::site_root`.
pub fn temp_site(files: &[(&str, &str)]) -> std::path::PathBuf {
    let site = std::env::temp_dir().join(format!("inssa-site-{}", uuid::Uuid::new_v4().simple()));
    for (path, contents) in files {
        let path = site.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    site
}
