//! `spawn_app`: the real server on a random port, on a fresh database in the
//! private PostgreSQL cluster that `scripts/test.sh` starts.
// Shared by both test binaries, and each uses only some of the helpers.
#![allow(dead_code)]

pub mod random_requests;

use std::{
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::Duration,
};

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
    // No mail server unless a test starts one (`MailServer`): mails wait
    // in the outbox. Retries come fast, so a test sees them.
    config.mail.smtp_url = "smtp://127.0.0.1:9".to_owned();
    config.mail.timeout = Duration::from_secs(5);
    config.waitlist.retry_base = Duration::from_millis(100);
    config.waitlist.retry_max = Duration::from_secs(1);
    config.waitlist.poll_every = Duration::from_secs(1);
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

/// A free port on 127.0.0.1 (free when asked; taken by whoever binds first).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A private MailDev, the SMTP server (with an HTTP API) the run command
/// uses, on its own ports: a test reads the mails the server really sent.
pub struct MailServer {
    child: Option<Child>,
    pub smtp_port: u16,
    pub web_port: u16,
    http: reqwest::Client,
}

impl MailServer {
    pub async fn start() -> MailServer {
        MailServer::start_on(free_port(), free_port()).await
    }

    pub async fn start_on(smtp_port: u16, web_port: u16) -> MailServer {
        let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/../node_modules/.bin/maildev");
        assert!(std::path::Path::new(bin).exists(), "{bin} is missing: run scripts/setup.sh (npm ci)");
        let child = Command::new(bin)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
            .args(["--smtp", &smtp_port.to_string(), "--web", &web_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("MailDev starts");
        let server = MailServer { child: Some(child), smtp_port, web_port, http: reqwest::Client::new() };
        let up = wait_until(async || {
            std::net::TcpStream::connect(("127.0.0.1", smtp_port)).is_ok() && server.all().await.is_some()
        })
        .await;
        assert!(up, "MailDev did not start within 10 s");
        server
    }

    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Every mail received (MailDev's `GET /email`).
    pub async fn all(&self) -> Option<Vec<serde_json::Value>> {
        let res = self.http.get(format!("http://127.0.0.1:{}/email", self.web_port)).send().await.ok()?;
        res.json().await.ok()
    }

    pub async fn mails_to(&self, address: &str) -> Vec<serde_json::Value> {
        let mails = self.all().await.unwrap_or_default();
        mails
            .into_iter()
            .filter(|m| m["to"].as_array().is_some_and(|to| to.iter().any(|t| t["address"] == address)))
            .collect()
    }

    /// Waits up to 10 s for `count` mails to `address`.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<serde_json::Value> {
        wait_until(async || self.mails_to(address).await.len() >= count).await;
        let mails = self.mails_to(address).await;
        assert!(mails.len() >= count, "{} of {count} mails to {address} arrived", mails.len());
        mails
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The token in the first link to `path` (`/waitlist/confirm`) in a mail's text.
pub fn link_token(mail: &serde_json::Value, path: &str) -> Option<String> {
    let text = mail["text"].as_str()?;
    let start = text.find(&format!("{path}?token="))? + path.len() + "?token=".len();
    Some(text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}
