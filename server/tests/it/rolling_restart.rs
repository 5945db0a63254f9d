//! The zero-downtime proof: two server processes behind a real nginx on
//! loopback, steady load on profile pages and the waitlist, each replica
//! restarted in turn (SIGTERM, then a new process). No request may fail and
//! no acknowledged signup may be lost.
//!
//! The harness plays Swarm's part the way production sees it: a replica gets
//! SIGTERM and leaves nginx's upstream set a second later (in production
//! Swarm takes the task out of `tasks.app`, which nginx re-resolves every
//! 2 s), inside the replica's drain; the new process joins once it is ready.
//! nginx never retries a request (`proxy_next_upstream off`), so one that the
//! stopping replica refused or dropped fails the test: it must keep serving
//! through the drain and finish what it has.
//!
//! Run by `scripts/test.sh` with its figures shown:
//!   cargo test --release -p server --test it rolling_restart -- --ignored --nocapture

use std::{
    collections::HashSet,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use crate::common::{create_database, database_url_for};
use sqlx::PgPool;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_replica(port: u16, database_url: &str, simulator: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .env("CLUBHOUSE_BASE_URL", format!("{simulator}/api"))
        .env("CLUBHOUSE_TOKEN", "sim-token")
        .env("CLUBHOUSE_USER_ID", "910000000")
        .env("TRUSTED_PROXIES", "127.0.0.1")
        .env("WAITLIST_SIGNUPS_PER_HOUR", "1000000")
        // Longer than the harness takes to move traffic away (a second, then
        // an nginx reload), as DRAIN_SECS must outlast the resolver cache.
        .env("DRAIN_SECS", "2")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server binary starts")
}

async fn wait_ready(client: &reqwest::Client, port: u16) -> Duration {
    let started = Instant::now();
    loop {
        if client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "replica on {port} never got ready");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn nginx_binary() -> &'static str {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx is not installed (scripts/setup.sh installs Debian's nginx)")
}

/// nginx's configuration in `dir`: both replicas, except `out`, which the
/// harness has taken out of rotation (it is stopping, or not ready yet).
fn write_nginx_conf(dir: &std::path::Path, listen: u16, replicas: [u16; 2], out: Option<usize>) {
    let d = dir.display();
    let server = |i: usize| {
        let down = if out == Some(i) { " down" } else { "" };
        format!("server 127.0.0.1:{}{down};", replicas[i])
    };
    let conf = format!(
        r#"daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream inssa {{
        {a}
        {b}
    }}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            proxy_pass http://inssa;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-Id $request_id;
            proxy_connect_timeout 1s;
            proxy_next_upstream off;
        }}
    }}
}}
"#,
        a = server(0),
        b = server(1),
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
}

/// nginx as a plain process with its files in `dir`.
fn start_nginx(dir: &std::path::Path) -> Child {
    Command::new(nginx_binary())
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-p")
        .arg(dir)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx starts")
}

/// How many times nginx has started its workers: once at start, then once
/// per configuration it loaded (a configuration it refuses starts none).
fn worker_starts(dir: &std::path::Path) -> usize {
    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default().matches("start worker processes").count()
}

/// Rewrites the configuration and has nginx load it, and waits until it
/// has: new connections go to the new workers, while the old ones finish
/// what they have.
async fn route(nginx: &Child, dir: &std::path::Path, listen: u16, replicas: [u16; 2], out: Option<usize>) {
    let before = worker_starts(dir);
    write_nginx_conf(dir, listen, replicas, out);
    let status = Command::new("kill").args(["-HUP", &nginx.id().to_string()]).status().unwrap();
    assert!(status.success());
    let asked = Instant::now();
    while worker_starts(dir) == before {
        assert!(asked.elapsed() < Duration::from_secs(5), "nginx did not load the new configuration");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[derive(Default)]
struct Tally {
    pages: AtomicU64,
    signups: AtomicU64,
    failures: Mutex<Vec<String>>,
    slowest_ms: AtomicU64,
    acknowledged: Mutex<Vec<String>>,
}

impl Tally {
    fn record(&self, started: Instant, outcome: Result<u16, String>, what: &str) -> bool {
        self.slowest_ms.fetch_max(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        match outcome {
            Ok(200) => true,
            Ok(status) => {
                self.failures.lock().unwrap().push(format!("{what}: HTTP {status}"));
                false
            }
            Err(e) => {
                self.failures.lock().unwrap().push(format!("{what}: {e}"));
                false
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by scripts/test.sh with its figures shown"]
async fn rolling_restart_behind_nginx_fails_no_request_and_loses_no_signup() {
    let sim = crate::common::spawn_simulator().await;
    let db_name = create_database().await;
    let database_url = database_url_for(&db_name);
    let ports = [free_port(), free_port()];
    let mut replicas = ports.map(|port| start_replica(port, &database_url, &sim.base_url));
    // A new connection to nginx for every request: nginx closes idle
    // keep-alive connections when it reloads (which the harness does and
    // production does not), and a request racing that close would fail for a
    // reason that is not the app's.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).pool_max_idle_per_host(0).build().unwrap();
    for port in ports {
        wait_ready(&client, port).await;
    }
    let dir = std::env::temp_dir().join(format!("inssa-nginx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nginx_port = free_port();
    write_nginx_conf(&dir, nginx_port, ports, None);
    let mut nginx = start_nginx(&dir);
    let edge = format!("http://127.0.0.1:{nginx_port}");
    let names: Vec<String> = sim.sim.usernames().into_iter().take(20).collect();
    let mut warmed = false;
    for _ in 0..100 {
        if client.get(format!("{edge}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            warmed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(warmed, "nginx answers");
    for name in &names {
        assert_eq!(client.get(format!("{edge}/@{name}")).send().await.unwrap().status(), 200, "{name}");
    }

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..6 {
        let (client, edge, names, tally, stop) =
            (client.clone(), edge.clone(), names.clone(), tally.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut i = worker;
            while !stop.load(Ordering::Relaxed) {
                let name = &names[i % names.len()];
                i += 1;
                let started = Instant::now();
                let outcome = client.get(format!("{edge}/@{name}")).send().await;
                let outcome = outcome.map(|r| r.status().as_u16()).map_err(|e| e.to_string());
                tally.record(started, outcome, &format!("GET /@{name}"));
                tally.pages.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for worker in 0..2 {
        let (client, edge, tally, stop) = (client.clone(), edge.clone(), tally.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let email = format!("rolling-{worker}-{i}@example.com");
                i += 1;
                let started = Instant::now();
                let outcome = client
                    .post(format!("{edge}/api/waitlist/join"))
                    .header("origin", &edge)
                    .form(&[("email", email.as_str()), ("consent", "yes")])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .map_err(|e| e.to_string());
                if tally.record(started, outcome, &format!("POST join {email}")) {
                    tally.acknowledged.lock().unwrap().push(email);
                }
                tally.signups.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }

    // Steady load, then each replica in turn: SIGTERM, out of rotation a
    // second later (inside its 2 s drain), wait for it to exit (the drain,
    // then in-flight requests), start a new one on the same port, back into
    // rotation once it is ready.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut restarts = Vec::new();
    for (i, port) in ports.into_iter().enumerate() {
        let started = Instant::now();
        let status = Command::new("kill").args(["-TERM", &replicas[i].id().to_string()]).status().unwrap();
        assert!(status.success());
        tokio::time::sleep(Duration::from_secs(1)).await;
        route(&nginx, &dir, nginx_port, ports, Some(i)).await;
        let exit = tokio::task::block_in_place(|| replicas[i].wait()).unwrap();
        assert!(exit.success(), "replica {i} exited cleanly: {exit:?}");
        let stopped_after = started.elapsed();
        replicas[i] = start_replica(port, &database_url, &sim.base_url);
        let ready_after = wait_ready(&client, port).await;
        route(&nginx, &dir, nginx_port, ports, None).await;
        restarts.push((stopped_after, ready_after));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in load {
        worker.await.unwrap();
    }

    let acknowledged = tally.acknowledged.lock().unwrap().clone();
    let db = PgPool::connect(&database_url).await.unwrap();
    let stored: HashSet<String> =
        sqlx::query_scalar("select email from waitlist").fetch_all(&db).await.unwrap().into_iter().collect();
    let lost = acknowledged.iter().filter(|e| !stored.contains(*e)).count();
    let failures = tally.failures.lock().unwrap().clone();

    eprintln!("\nrolling restart of 2 replicas behind nginx {}", "-".repeat(30));
    eprintln!("{:<44} {:>10}", "page requests", tally.pages.load(Ordering::Relaxed));
    eprintln!("{:<44} {:>10}", "signup requests", tally.signups.load(Ordering::Relaxed));
    eprintln!("{:<44} {:>10}", "failed requests (nginx retries nothing)", failures.len());
    eprintln!("{:<44} {:>10}", "signups acknowledged", acknowledged.len());
    eprintln!("{:<44} {:>10}", "signups stored", stored.len());
    eprintln!("{:<44} {:>10}", "acknowledged signups lost", lost);
    eprintln!("{:<44} {:>8}ms", "slowest request", tally.slowest_ms.load(Ordering::Relaxed));
    for (i, (stopped, ready)) in restarts.iter().enumerate() {
        eprintln!("{:<44} {:>8}ms", format!("replica {i}: SIGTERM to exit (drain 2 s)"), stopped.as_millis());
        eprintln!("{:<44} {:>8}ms", format!("replica {i}: new process to ready"), ready.as_millis());
    }

    // Fast shutdown: a graceful one would wait out idle keep-alive connections.
    let _ = Command::new("kill").args(["-TERM", &nginx.id().to_string()]).status();
    let _ = nginx.wait();
    for replica in &mut replicas {
        let _ = replica.kill();
        let _ = replica.wait();
    }
    let _ = std::fs::remove_dir_all(&dir);
    db.close().await;

    assert!(failures.is_empty(), "{} requests failed: {:?}", failures.len(), &failures[..failures.len().min(10)]);
    assert_eq!(lost, 0, "acknowledged signups lost");
    assert!(tally.pages.load(Ordering::Relaxed) > 500 && acknowledged.len() > 100, "the load was real");
}
