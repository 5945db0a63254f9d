//! Fault drills: the database stopped and restarted under a running server,
//! every kind of upstream failure, the server killed during a signup flood
//! (every acknowledged signup stored and mailed), and the logs of a failing
//! server checked for secrets.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::common::{backdate, create_database, database_url_for, spawn_app_with, MailServer};
use simulator::Faults;
use sqlx::PgPool;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `scripts/pg.sh ACTION drill [--fresh]` (a cluster of its own, so
/// stopping it disturbs no other test) and returns what it printed: `start`
/// prints the URL.
fn drill_cluster(action: &str, fresh: bool) -> String {
    let output = Command::new("bash")
        .args(["scripts/pg.sh", action, "drill"])
        .args(fresh.then_some("--fresh"))
        .current_dir(repo_root())
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/pg.sh runs");
    assert!(output.status.success(), "scripts/pg.sh {action} drill failed");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Stops the drill cluster even when an assertion fails.
struct DrillCluster;
impl Drop for DrillCluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").args(["scripts/pg.sh", "stop", "drill"]).current_dir(repo_root()).status();
    }
}

async fn wait_for(what: &str, patience: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + patience;
    while !check().await {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn join(app_url: &str, client: &reqwest::Client, email: &str) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{app_url}/api/waitlist/join"))
        .header("origin", app_url)
        .form(&[("email", email), ("consent", "yes")])
        .send()
        .await
}

/// Text that must never reach a visitor.
fn assert_no_internals(what: &str, page: &str) {
    for internal in [
        "sqlx",
        "reqwest",
        "get_profile",
        "Malformed",
        "malformed",
        "Unauthorized",
        "HTTP 5",
        "HTTP 4",
        "pool timed out",
        "Connection refused",
        "panicked",
    ] {
        assert!(!page.contains(internal), "{what}: {internal:?} shown to the visitor");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_and_restarted_while_serving() {
    let _guard = DrillCluster;
    let database_url = drill_cluster("start", true);

    let url = database_url.clone();
    let app = spawn_app_with(move |c| {
        c.database.url = url;
        // Every lookup goes to the database, so the outage is felt.
        c.profiles.memory_for = Duration::ZERO;
    })
    .await;
    assert_eq!(app.get("/@odessa.finch").await.status(), 200);
    assert_eq!(join(&app.base_url, &app.client, "before@example.com").await.unwrap().status(), 200);
    app.db.close().await;

    drill_cluster("stop", false);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503, "not ready without the database");
    wait_for("deaf to changes", Duration::from_secs(10), async || {
        app.get("/readyz").await.text().await.unwrap().contains(r#""profile_changes":"not listening""#)
    })
    .await;
    assert_eq!(app.get("/healthz").await.status(), 200, "but alive");

    // Pages degrade: the profile comes straight from Clubhouse, the home
    // page has no recently-viewed list, the waitlist asks to retry.
    let res = app.get("/@odessa.finch").await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Odessa Finch"));
    assert_no_internals("profile", &page);
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert_no_internals("home", &res.text().await.unwrap());
    let res = join(&app.base_url, &app.client, "during@example.com").await.unwrap();
    assert_eq!(res.status(), 503);
    assert_no_internals("waitlist", &res.text().await.unwrap());

    // Back up: the same process recovers by itself.
    assert_eq!(drill_cluster("start", false), database_url);
    wait_for("ready again", Duration::from_secs(30), async || app.get("/readyz").await.status() == 200).await;
    // And hears other replicas' writes again (its listener reconnected).
    wait_for("listening again", Duration::from_secs(30), async || {
        app.get("/readyz").await.text().await.unwrap().contains(r#""profile_changes":"listening""#)
    })
    .await;
    assert_eq!(join(&app.base_url, &app.client, "after@example.com").await.unwrap().status(), 200);
    let db = PgPool::connect(&database_url).await.unwrap();
    let emails: Vec<String> =
        sqlx::query_scalar("select email from waitlist order by email").fetch_all(&db).await.unwrap();
    assert_eq!(emails, ["after@example.com", "before@example.com"]);
    db.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_upstream_fault_degrades_pages_and_heals() {
    let faults = [
        ("slow", Faults { latency_ms: 2500, ..Faults::default() }),
        ("hanging", Faults { hang: true, ..Faults::default() }),
        ("429", Faults { rate_429: 1.0, retry_after_secs: 1, ..Faults::default() }),
        ("5xx", Faults { rate_5xx: 1.0, ..Faults::default() }),
        ("malformed JSON", Faults { malformed: true, ..Faults::default() }),
        ("high usage", Faults { high_usage: true, ..Faults::default() }),
        ("banned token", Faults { banned: true, ..Faults::default() }),
        ("down", Faults { down: true, ..Faults::default() }),
    ];
    for (name, fault) in faults {
        let app = spawn_app_with(|c| {
            c.profiles.memory_for = Duration::ZERO;
            // Short pauses, so recovery fits in a test.
            c.upstream.auth_pause = Duration::from_secs(1);
            c.upstream.high_usage_pause = Duration::from_secs(1);
            c.upstream.rate_limit_pause = Duration::from_secs(1);
            c.upstream.backoff_max = Duration::from_secs(1);
        })
        .await;
        assert_eq!(app.get("/@odessa.finch").await.status(), 200);
        backdate(&app, "odessa.finch", 5).await;
        app.sim.sim.set_faults(fault.clone());

        // A cached profile is served at once, however the upstream fails.
        let started = Instant::now();
        let res = app.get("/@odessa.finch").await;
        assert_eq!(res.status(), 200, "{name}: stale copy served");
        assert!(started.elapsed() < Duration::from_secs(2), "{name}: without waiting for Clubhouse");
        assert_no_internals(name, &res.text().await.unwrap());

        // One never seen is a clear answer: the page when Clubhouse is only
        // slow, a 503 outage page with Retry-After otherwise.
        let res = app.get("/@twren").await;
        if name == "slow" {
            assert_eq!(res.status(), 200, "{name}");
        } else {
            assert_eq!(res.status(), 503, "{name}");
            assert!(res.headers().get("retry-after").is_some(), "{name}");
            let page = res.text().await.unwrap();
            assert!(page.contains("Clubhouse is not answering"), "{name}: {page}");
            assert_no_internals(name, &page);
        }
        assert_eq!(app.get("/readyz").await.status(), 200, "{name}: still ready, the cache works");

        // The fault ends: the same process serves fresh data again.
        app.sim.sim.set_faults(Faults::default());
        wait_for(name, Duration::from_secs(20), async || app.get("/@bram.oy").await.status() == 200).await;
        app.stop().await;
    }
}

/// The server binary as its own process, as in production.
struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    fn start(envs: &[(&str, String)], log: Option<&Path>) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command.env("LISTEN_ADDR", format!("127.0.0.1:{port}")).env("LOG_LEVEL", "warn").env("DRAIN_SECS", "0");
        for (name, value) in envs {
            command.env(name, value);
        }
        match log {
            Some(path) => {
                let file = std::fs::File::create(path).unwrap();
                command.stdout(file.try_clone().unwrap()).stderr(file);
            }
            None => {
                command.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        ServerProcess {
            child: command.spawn().expect("the server binary starts"),
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_ready(&self, client: &reqwest::Client) {
        let url = format!("{}/readyz", self.url);
        wait_for("the server is ready", Duration::from_secs(30), async || {
            client.get(&url).send().await.is_ok_and(|r| r.status() == 200)
        })
        .await;
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_signup_flood_loses_no_acknowledged_signup_or_mail() {
    let db_name = create_database().await;
    let mail = MailServer::start().await;
    let envs = [
        ("DATABASE_URL", database_url_for(&db_name)),
        ("WAITLIST_SIGNUPS_PER_HOUR", "1000000".to_owned()),
        ("SMTP_URL", mail.smtp_url()),
        // Mails the killed process had claimed are sent again soon.
        ("MAIL_LEASE_SECS", "2".to_owned()),
        ("MAIL_RETRY_BASE_MS", "100".to_owned()),
        ("MAIL_POLL_SECS", "1".to_owned()),
    ];
    let mut server = ServerProcess::start(&envs, None);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    server.wait_ready(&client).await;

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..32)
        .map(|worker| {
            let (client, url, acknowledged) = (client.clone(), server.url.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let email = format!("flood-{worker}-{i}@example.com");
                    match join(&url, &client, &email).await {
                        Ok(res) if res.status() == 200 => acknowledged.lock().unwrap().push(email),
                        // Refused, or the server is gone: stop.
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Kill mid-flood, once it is clearly a flood (and not later than 30 s).
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.signal("-KILL");
    let _ = server.child.wait();
    for worker in workers {
        worker.await.unwrap();
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 100, "the flood was real: {} signups acknowledged", acknowledged.len());
    let db = PgPool::connect(&database_url_for(&db_name)).await.unwrap();
    let stored: HashSet<String> =
        sqlx::query_scalar("select email from waitlist").fetch_all(&db).await.unwrap().into_iter().collect();
    let lost: Vec<_> = acknowledged.iter().filter(|e| !stored.contains(*e)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged signups lost: {lost:?}", lost.len(), acknowledged.len());
    eprintln!("SIGKILL drill: {} acknowledged, {} stored, none lost", acknowledged.len(), stored.len());

    let sent_before: i64 =
        sqlx::query_scalar("select count(*) from mail_outbox where status = 'sent'").fetch_one(&db).await.unwrap();

    // A new process on the same database carries on, and mails everyone
    // the killed one had not (the claimed-but-unreported ones again).
    let server = ServerProcess::start(&envs, None);
    server.wait_ready(&client).await;
    assert_eq!(join(&server.url, &client, "after-the-crash@example.com").await.unwrap().status(), 200);
    let mut mailed = HashSet::new();
    wait_for("every acknowledged signup is mailed", Duration::from_secs(60), async || {
        for m in mail.all().await.unwrap_or_default() {
            if let Some(to) = m["to"][0]["address"].as_str() {
                mailed.insert(to.to_owned());
            }
        }
        acknowledged.iter().all(|e| mailed.contains(e)) && mailed.contains("after-the-crash@example.com")
    })
    .await;
    let received = mail.all().await.unwrap().len();
    eprintln!(
        "SIGKILL drill: {} mails sent before the kill, {} received in all for {} addresses ({} sent twice)",
        sent_before,
        received,
        mailed.len(),
        received - mailed.len()
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_show_the_token_or_the_database_password() {
    const TOKEN: &str = "wrong-token-41d9c2-must-not-appear";
    const DB_PASSWORD: &str = "db-pw-77ae10-must-not-appear";
    let sim = crate::common::spawn_simulator().await;
    let db_name = create_database().await;
    let log = std::env::temp_dir().join(format!("inssa-secrets-{}.log", std::process::id()));
    let database_url =
        database_url_for(&db_name).replacen("postgres://postgres@", &format!("postgres://postgres:{DB_PASSWORD}@"), 1);
    let envs = [
        ("DATABASE_URL", database_url),
        ("CLUBHOUSE_BASE_URL", format!("{}/api", sim.base_url)),
        // The simulator refuses this token: the failure gets logged.
        ("CLUBHOUSE_TOKEN", TOKEN.to_owned()),
        ("CLUBHOUSE_USER_ID", "1".to_owned()),
        ("LOG_LEVEL", "debug".to_owned()),
        ("LOG_FORMAT", "json".to_owned()),
    ];
    let server = ServerProcess::start(&envs, Some(&log));
    let client = reqwest::Client::new();
    server.wait_ready(&client).await;
    assert_eq!(client.get(format!("{}/@odessa.finch", server.url)).send().await.unwrap().status(), 503);
    client.get(format!("{}/search?q=odessa", server.url)).send().await.unwrap();
    let metrics = client.get(format!("{}/metrics", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(!metrics.contains(TOKEN) && !metrics.contains(DB_PASSWORD));
    assert_eq!(join(&server.url, &client, "logs@example.com").await.unwrap().status(), 200);
    server.signal("-TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(server);

    let logs = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(logs.contains("upstream call failed"), "the failure was logged: {logs}");
    assert!(logs.contains(r#""id":""#), "log lines carry the request id: {logs}");
    assert!(!logs.contains(TOKEN), "the token is in the logs");
    assert!(!logs.contains(DB_PASSWORD), "the database password is in the logs");
}
