//! `inssa-bench`: starts the release server and the simulator as separate
//! processes against a private PostgreSQL, drives them over real HTTP (wrk
//! for throughput), and prints one table with the budgets beside the figures.
//! Run it through `scripts/bench.sh`, which builds everything first.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::{stream, StreamExt};
use serde_json::Value;
use sqlx::{Connection, PgConnection};

const SERVER_PORT: u16 = 3100;
const SIM_PORT: u16 = 4011;
/// MailDev for the benchmark's server (the run command's uses 1025 and 1080).
const MAIL_SMTP_PORT: u16 = 1026;
const MAIL_WEB_PORT: u16 = 1081;
const PEOPLE: usize = 10_500;
const CACHED_PROFILES: usize = 10_000;
const MISS_LATENCY_MS: u64 = 50;
const NGINX_PORT: u16 = 3180;
/// Distinct cached profiles requested in rotation for the long tail.
const LONG_TAIL: usize = 3_000;

// The same random requests as the test's bounded slice.
#[path = "../../server/tests/common/random_requests.rs"]
mod random_requests;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Row {
    what: String,
    result: String,
    budget: String,
    verdict: &'static str,
}

#[derive(Default)]
struct Report(Vec<Row>);

impl Report {
    fn add(&mut self, what: impl Into<String>, result: impl Into<String>, budget: impl Into<String>, ok: Option<bool>) {
        let row = Row {
            what: what.into(),
            result: result.into(),
            budget: budget.into(),
            verdict: match ok {
                Some(true) => "ok",
                Some(false) => "MISSED",
                None => "",
            },
        };
        println!("  {:<48} {}", row.what, row.result);
        self.0.push(row);
    }

    fn print(&self) {
        println!("\n| Measure | Result | Budget | |\n|---|---|---|---|");
        for r in &self.0 {
            println!("| {} | {} | {} | {} |", r.what, r.result, r.budget, r.verdict);
        }
    }
}

struct Paths {
    root: PathBuf,
    server: PathBuf,
    simulator: PathBuf,
    site: PathBuf,
}

/// A child process that is stopped when dropped.
struct Process {
    child: Child,
}

impl Process {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then wait.
    fn terminate(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("inssa-bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize()?;
    let paths = Paths {
        server: root.join("target/release/server"),
        simulator: root.join("target/release/clubhouse-simulator"),
        site: root.join("target/site"),
        root,
    };
    for needed in [&paths.server, &paths.simulator, &paths.site] {
        if !needed.exists() {
            return Err(format!("{} is missing: run scripts/bench.sh, which builds it", needed.display()).into());
        }
    }
    let admin_url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set (scripts/bench.sh sets it)")?;
    let db_url = fresh_database(&admin_url, "inssa_bench").await?;
    let http = reqwest::Client::builder().no_gzip().no_brotli().redirect(reqwest::redirect::Policy::none()).build()?;
    let base = format!("http://127.0.0.1:{SERVER_PORT}");
    let sim_base = format!("http://127.0.0.1:{SIM_PORT}");
    let mut report = Report::default();

    println!("machine: {}", machine());
    let _sim = start_simulator(&paths)?;
    wait_ready(&http, &format!("{sim_base}/_sim/health"), Duration::from_secs(20)).await?;
    let _mail = start_maildev(&paths)?;
    wait_ready(&http, &format!("http://127.0.0.1:{MAIL_WEB_PORT}/email"), Duration::from_secs(20)).await?;

    // 7. Start-up: the first start migrates an empty database; the second is
    // the everyday case, a warm database.
    let (server, first) = start_server(&paths, &db_url, &http, &base).await?;
    server.terminate();
    let (server, warm) = start_server(&paths, &db_url, &http, &base).await?;
    report.add("Start-up to ready, empty database (migrations)", ms(first), "", None);
    report.add("Start-up to ready, warm database", ms(warm), "≤ 1 s", Some(warm <= Duration::from_secs(1)));

    // nginx on the same machine serving the very same bytes from disk: the
    // limit a page can be compared with.
    let nginx_root = std::env::temp_dir().join(format!("inssa-bench-nginx-{}", std::process::id()));
    let nginx = Nginx::start(&nginx_root)?;
    let nginx_base = format!("http://127.0.0.1:{NGINX_PORT}");

    // 1. Cached profile page against a static file of the same size.
    let page_path = "/@odessa.finch";
    let page = http.get(format!("{base}{page_path}")).send().await?;
    if page.status() != 200 {
        return Err(format!("{page_path} answered {}", page.status()).into());
    }
    let page_bytes = page.bytes().await?;
    let static_name = "bench-same-size.html";
    let static_file = paths.site.join("pkg").join(static_name);
    std::fs::write(&static_file, &page_bytes)?;
    std::fs::write(nginx.root.join(&page_path[1..]), &page_bytes)?;
    let nginx_result = wrk(&format!("{nginx_base}{page_path}"), None)?;
    let static_result = wrk(&format!("{base}/pkg/{static_name}"), None);
    let page_result = wrk(&format!("{base}{page_path}"), None);
    let _ = std::fs::remove_file(&static_file);
    let (static_result, page_result) = (static_result?, page_result?);
    let ratio = page_result.rps / static_result.rps;
    let nginx_ratio = page_result.rps / nginx_result.rps;
    report.add(
        format!("nginx, the same {} bytes from disk, 64 connections", page_bytes.len()),
        nginx_result.describe(),
        "",
        None,
    );
    report.add(format!("Static file from our server, {} bytes", page_bytes.len()), static_result.describe(), "", None);
    report.add("Cached profile page, 64 connections", page_result.describe(), "", None);
    report.add(
        "Cached page ÷ nginx throughput",
        format!("{nginx_ratio:.2}"),
        "≥ 0.5",
        Some(nginx_ratio >= 0.5 && page_result.errors == 0),
    );
    report.add(
        "Cached page ÷ our static file throughput",
        format!("{ratio:.2}"),
        "≥ 0.8",
        Some(ratio >= 0.8 && page_result.errors == 0),
    );

    // 6 (part). Time to first byte of the cached page, one request at a time.
    let ttfb = sample(50, || async {
        let started = Instant::now();
        let res = http.get(format!("{base}{page_path}")).send().await?;
        let elapsed = started.elapsed();
        res.bytes().await?;
        Ok(elapsed)
    })
    .await?;
    report.add(
        "Time to first byte, cached profile (p50 / p99)",
        format!("{} / {}", ms(ttfb.p(50)), ms(ttfb.p(99))),
        "",
        None,
    );

    // 2. Miss overhead: uncached people, the simulator answering in a fixed time.
    let people: Vec<String> = http.get(format!("{sim_base}/_sim/usernames")).send().await?.json().await?;
    let crowd: Vec<String> = people.iter().filter(|u| !u.contains("xss")).skip(20).cloned().collect();
    set_faults(&http, &sim_base, serde_json::json!({ "latency_ms": MISS_LATENCY_MS })).await?;
    let next = AtomicU64::new(0);
    let misses = sample(100, || async {
        let username = &crowd[next.fetch_add(1, Ordering::Relaxed) as usize];
        let started = Instant::now();
        let res = http.get(format!("{base}/@{username}")).send().await?;
        let status = res.status();
        res.bytes().await?;
        if status != 200 {
            return Err(format!("/@{username} answered {status}").into());
        }
        Ok(started.elapsed().saturating_sub(Duration::from_millis(MISS_LATENCY_MS)))
    })
    .await?;
    report.add(
        format!("Cache miss overhead over the upstream's {MISS_LATENCY_MS} ms (p50 / p99)"),
        format!("{} / {}", ms(misses.p(50)), ms(misses.p(99))),
        "p50 ≤ 5 ms",
        Some(misses.p(50) <= Duration::from_millis(5)),
    );

    // 3. Stampede: many concurrent first requests for one person.
    set_faults(&http, &sim_base, serde_json::json!({ "latency_ms": 200 })).await?;
    let target = &crowd[500];
    let before = calls(&http, &sim_base).await?;
    let statuses: Vec<u16> = stream::iter(0..500)
        .map(|_| {
            let http = http.clone();
            let url = format!("{base}/@{target}");
            async move { http.get(url).send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
        })
        .buffer_unordered(500)
        .collect()
        .await;
    let stampede_calls = calls(&http, &sim_base).await? - before;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    report.add(
        "Stampede: 500 concurrent requests, one uncached person",
        format!("{stampede_calls} upstream call(s), {ok}/500 answered 200"),
        "exactly 1 call",
        Some(stampede_calls == 1 && ok == 500),
    );
    set_faults(&http, &sim_base, serde_json::json!({})).await?;

    // 4. Waitlist: sustained signups from distinct clients, then a count of
    // what was stored, then how long the outbox takes to mail them all
    // through a real SMTP server (MailDev).
    let (acked, elapsed) = signup_load(&http, &base, Duration::from_secs(5)).await;
    let load_ended = Instant::now();
    let mut db = PgConnection::connect(&db_url).await?;
    let rows: i64 = sqlx::query_scalar("select count(*) from waitlist").fetch_one(&mut db).await?;
    report.add(
        "Waitlist signups, 64 concurrent clients, 5 s (mails sent meanwhile)",
        format!("{:.0}/s; {acked} acknowledged, {rows} stored", acked as f64 / elapsed.as_secs_f64()),
        "nothing lost",
        Some(rows as u64 == acked),
    );
    let (sent, pending) = loop {
        let (sent, pending): (i64, i64) = sqlx::query_as(
            "select count(*) filter (where status = 'sent'), count(*) filter (where status = 'pending') from mail_outbox",
        )
        .fetch_one(&mut db)
        .await?;
        if pending == 0 || load_ended.elapsed() > Duration::from_secs(180) {
            break (sent, pending);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let drained = load_ended.elapsed();
    report.add(
        "Waitlist mails through SMTP (MailDev), one per signup",
        format!(
            "{sent} sent, {pending} pending; outbox empty {:.1} s after the last signup ({:.0} mails/s overall)",
            drained.as_secs_f64(),
            sent as f64 / (elapsed + drained).as_secs_f64()
        ),
        "every acknowledged signup mailed",
        Some(sent as u64 == acked && pending == 0),
    );
    let same: Vec<u16> = stream::iter(0..200u64)
        .map(|n| join(&http, &base, n, "same.person@example.com".to_owned()))
        .buffer_unordered(200)
        .collect()
        .await;
    let (stored, queued): (i64, i64) = sqlx::query_as(
        "select (select count(*) from waitlist where email_key = 'same.person@example.com'),
                (select count(*) from mail_outbox where recipient_key = 'same.person@example.com')",
    )
    .fetch_one(&mut db)
    .await?;
    report.add(
        "Waitlist: 200 concurrent identical signups",
        format!(
            "{} answered 200, {stored} row stored, {queued} mails queued",
            same.iter().filter(|s| **s == 200).count()
        ),
        "1 row, 3 mails (the daily limit)",
        Some(stored == 1 && queued == 3),
    );

    // 5. Memory after filling the cache with 10 000 profiles.
    let started = Instant::now();
    let fill: Vec<u16> = stream::iter(crowd.iter().take(CACHED_PROFILES).cloned())
        .map(|u| {
            let http = http.clone();
            let url = format!("{base}/@{u}");
            async move {
                match http.get(url).send().await {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        s
                    }
                    Err(_) => 0,
                }
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let fill_time = started.elapsed();
    let cached: i64 = sqlx::query_scalar("select count(*) from profile_cache").fetch_one(&mut db).await?;
    report.add(
        "Cache fill through the server (misses, 32 concurrent)",
        format!(
            "{} pages in {:.1} s ({:.0}/s), {} not 200; {cached} profiles cached",
            fill.len(),
            fill_time.as_secs_f64(),
            fill.len() as f64 / fill_time.as_secs_f64(),
            fill.iter().filter(|s| **s != 200).count()
        ),
        "",
        None,
    );
    let rss = rss_kib(server.pid())?;
    report.add(
        format!("Server resident memory after the load, {cached} profiles cached"),
        format!("{:.1} MB", rss as f64 / 1024.0),
        "≤ 100 MB",
        Some(rss as f64 / 1024.0 <= 100.0),
    );

    // 5b. The long tail: many distinct cached profiles in rotation, each
    // against nginx serving the same pages from files.
    let tail: Vec<&String> = crowd.iter().take(LONG_TAIL).collect();
    let mut paths_list = String::new();
    for username in &tail {
        let res = http.get(format!("{base}/@{username}")).send().await?;
        if res.status() != 200 {
            return Err(format!("/@{username} answered {}", res.status()).into());
        }
        std::fs::write(nginx.root.join(format!("@{username}")), res.bytes().await?)?;
        paths_list.push_str(&format!("/@{username}\n"));
    }
    let rotation = nginx.root.join("rotation.lua");
    std::fs::write(nginx.root.join("paths.txt"), paths_list)?;
    std::fs::write(&rotation, rotation_script(&nginx.root.join("paths.txt")))?;
    let tail_nginx = wrk(&format!("{nginx_base}/"), Some(&rotation))?;
    let tail_page = wrk(&format!("{base}/"), Some(&rotation))?;
    let tail_ratio = tail_page.rps / tail_nginx.rps;
    report.add(format!("nginx, {LONG_TAIL} distinct pages in rotation"), tail_nginx.describe(), "", None);
    report.add(format!("{LONG_TAIL} distinct cached profiles in rotation"), tail_page.describe(), "", None);
    report.add(
        "Long tail ÷ nginx throughput",
        format!("{tail_ratio:.2}"),
        "≥ 0.15",
        Some(tail_ratio >= 0.15 && tail_page.errors == 0),
    );
    let rss = rss_kib(server.pid())?;
    report.add(
        format!("Server resident memory after the long tail, {cached} profiles cached"),
        format!("{:.1} MB", rss as f64 / 1024.0),
        "",
        None,
    );
    // 5c. Profile history: storage, the history page and the feeds.
    history(&mut report, &http, &base, &nginx, &nginx_base, &mut db).await?;
    // 5d. Share cards: drawing one, and serving a drawn one.
    share_cards(&mut report, &http, &base, &nginx, &nginx_base, &mut db).await?;
    let rss = rss_kib(server.pid())?;
    report.add(
        "Server resident memory after the share-card rows (fonts mapped, cards cached)",
        format!("{:.1} MB", rss as f64 / 1024.0),
        "",
        None,
    );
    drop(nginx);

    // 5e. Random requests: every route, method and odd input.
    random_requests(&mut report, &http, &base).await?;
    let rss = rss_kib(server.pid())?;
    report.add("Server resident memory after the random requests", format!("{:.1} MB", rss as f64 / 1024.0), "", None);

    // 6. The front end.
    let assets = Assets::find(&paths.site.join("pkg"))?;
    for asset in [&assets.wasm, &assets.js, &assets.css] {
        let budget = if asset.name.ends_with(".wasm") { "≤ 150 KB brotli" } else { "" };
        let ok = asset.name.ends_with(".wasm").then_some(asset.br <= 150 * 1024);
        report.add(
            format!("{} raw / gzip / brotli", asset.name),
            format!("{} / {} / {} bytes", asset.raw, asset.gz, asset.br),
            budget,
            ok,
        );
    }
    let first_visit = first_visit_bytes(&http, &base, page_path).await?;
    report.add("First visit to a profile page, bytes transferred", first_visit, "", None);

    server.terminate();

    // 8. The upstream budget with pacing on, on a database of its own.
    upstream_budget(&mut report, &paths, &admin_url, &http, &sim_base, &crowd[CACHED_PROFILES..]).await?;
    report.print();
    Ok(())
}

/// How many random requests, and how many at once.
const RANDOM_REQUESTS: usize = 100_000;
const RANDOM_AT_ONCE: usize = 32;

/// The random-request run: the same generator as the test's bounded slice
/// (`server/tests/common/random_requests.rs`), a new seed each run (printed,
/// so a failure can be replayed with RANDOM_REQUESTS_SEED in the test).
/// Any 5xx, or a connection dropped before a whole answer, is a failure.
async fn random_requests(report: &mut Report, http: &reqwest::Client, base: &str) -> Result<()> {
    use rand::{rngs::StdRng, SeedableRng};

    let seed: u64 =
        std::env::var("RANDOM_REQUESTS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut refused_by_client = 0usize;
    let mut requests = Vec::with_capacity(RANDOM_REQUESTS);
    while requests.len() < RANDOM_REQUESTS {
        match random_requests::build(http, base, random_requests::random_request(&mut rng, base)) {
            Some(request) => requests.push(request),
            None => refused_by_client += 1,
        }
    }
    #[derive(Default)]
    struct Tally {
        server_errors: usize,
        dropped: usize,
        by_class: [usize; 6],
        examples: Vec<String>,
    }
    let tally = stream::iter(requests)
        .map(|request| async move {
            let what: String = format!("{} {}", request.method(), request.url()).chars().take(160).collect();
            match http.execute(request).await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    match res.bytes().await {
                        Ok(_) => (Some(status), what),
                        Err(_) => (None, what),
                    }
                }
                Err(_) => (None, what),
            }
        })
        .buffer_unordered(RANDOM_AT_ONCE)
        .fold(Tally::default(), |mut tally, (status, what)| async move {
            match status {
                Some(status) => {
                    tally.by_class[(status / 100).min(5) as usize] += 1;
                    if status >= 500 {
                        tally.server_errors += 1;
                        if tally.examples.len() < 5 {
                            tally.examples.push(format!("{what} -> {status}"));
                        }
                    }
                }
                None => {
                    tally.dropped += 1;
                    if tally.examples.len() < 5 {
                        tally.examples.push(format!("{what} -> dropped"));
                    }
                }
            }
            tally
        })
        .await;
    let elapsed = started.elapsed();
    for example in &tally.examples {
        println!("  failure: {example}");
    }
    let still_serving = http.get(format!("{base}/healthz")).send().await.map(|r| r.status() == 200).unwrap_or(false);
    report.add(
        format!("Random requests: {RANDOM_REQUESTS} sent, {RANDOM_AT_ONCE} at once (seed {seed})"),
        format!(
            "{:.0} req/s; 2xx {} / 3xx {} / 4xx {} / 5xx {}; {} the client could not send",
            RANDOM_REQUESTS as f64 / elapsed.as_secs_f64(),
            tally.by_class[2],
            tally.by_class[3],
            tally.by_class[4],
            tally.by_class[5],
            refused_by_client
        ),
        "",
        None,
    );
    report.add("Random requests answered 5xx", tally.server_errors.to_string(), "0", Some(tally.server_errors == 0));
    report.add(
        "Random requests dropped before a whole answer",
        tally.dropped.to_string(),
        "0",
        Some(tally.dropped == 0),
    );
    report.add("Server answers after the random requests", still_serving.to_string(), "true", Some(still_serving));
    Ok(())
}

/// People whose card is drawn for the miss row.
const CARD_MISSES: i64 = 60;

/// Share cards: the time to a card nobody asked for before (the cached
/// profile read, the photo fetched from the simulator, the drawing and
/// the PNG encoding), one person after another; then one drawn card under
/// load, against nginx serving the same bytes.
async fn share_cards(
    report: &mut Report,
    http: &reqwest::Client,
    base: &str,
    nginx: &Nginx,
    nginx_base: &str,
    db: &mut PgConnection,
) -> Result<()> {
    let people: Vec<String> =
        sqlx::query_scalar("select username from profile_cache where gone_at is null order by user_id limit $1")
            .bind(CARD_MISSES + 1)
            .fetch_all(&mut *db)
            .await?;
    let card = |name: &str| format!("{base}/@{name}/card.png?lang=en");
    // The first card also loads the fonts: not a miss like the others.
    let (first, rest) = people.split_first().ok_or("no cached profiles for the card rows")?;
    let started = Instant::now();
    http.get(card(first)).send().await?.bytes().await?;
    let fonts_and_first = started.elapsed();
    let mut misses = Vec::new();
    for name in rest {
        let started = Instant::now();
        let res = http.get(card(name)).send().await?;
        if res.status() != 200 {
            return Err(format!("{} answered {}", card(name), res.status()).into());
        }
        res.bytes().await?;
        misses.push(started.elapsed());
    }
    misses.sort();
    let misses = Samples(misses);
    report.add(
        format!("Share card, first drawing of {} people one after another (photo fetch included)", rest.len()),
        format!(
            "p50 {}, p99 {}; the process's first card {} (fonts loaded)",
            ms(misses.p(50)),
            ms(misses.p(99)),
            ms(fonts_and_first)
        ),
        "",
        None,
    );
    let res = http.get(card(first)).send().await?;
    let bytes = res.bytes().await?;
    std::fs::write(nginx.root.join("card.png"), &bytes)?;
    let ours = wrk(&card(first), None)?;
    let theirs = wrk(&format!("{nginx_base}/card.png"), None)?;
    report.add(format!("nginx, the same {} bytes", bytes.len()), theirs.describe(), "", None);
    report.add("Share card already drawn, 64 connections", ours.describe(), "", None);
    report.add("Share card already drawn ÷ nginx", format!("{:.2}", ours.rps / theirs.rps), "", None);
    Ok(())
}

/// Profiles given 100 versions each for the storage row.
const HISTORY_PROFILES: i64 = 100;

/// History: what 100 versions of a profile cost on disk (each a one-word
/// change of the bio, stored through the same function a fetch uses), then
/// the history page and the Atom feed of one of those people (100 changes,
/// 1 000 samples) against nginx serving the same bytes, and the feed
/// answered 304 to a reader that has it.
async fn history(
    report: &mut Report,
    http: &reqwest::Client,
    base: &str,
    nginx: &Nginx,
    nginx_base: &str,
    db: &mut PgConnection,
) -> Result<()> {
    let size = "select pg_total_relation_size('profile_versions') as versions,
                       pg_total_relation_size('profile_samples') as samples";
    // The same stores through the cache's function without history, for
    // what history adds to each.
    let plain_stores = store_bio_changes(db, "store_fetched_profile", "w").await?;
    let (versions_before, samples_before): (i64, i64) = sqlx::query_as(size).fetch_one(&mut *db).await?;
    let stores = store_bio_changes(db, "store_fetched_profile_with_history", "v").await?;
    sqlx::raw_sql("vacuum analyze profile_versions, profile_samples").execute(&mut *db).await?;
    let (versions_after, samples_after): (i64, i64) = sqlx::query_as(size).fetch_one(&mut *db).await?;
    let per = |before: i64, after: i64| (after - before) as f64 / HISTORY_PROFILES as f64;
    report.add(
        "History on disk per profile per 100 versions (one-word bio changes; tables, TOAST and indexes)",
        format!(
            "{:.1} KB of versions + {:.1} KB for their 100 samples; {} per store ({} without history)",
            per(versions_before, versions_after) / 1024.0,
            per(samples_before, samples_after) / 1024.0,
            ms(stores),
            ms(plain_stores)
        ),
        "",
        None,
    );

    let (user_id, username): (i64, String) =
        sqlx::query_as("select user_id, username from profile_cache where gone_at is null order by user_id limit 1")
            .fetch_one(&mut *db)
            .await?;
    sqlx::query(
        "insert into profile_samples (user_id, sampled_at, followers, following)
         select $1, now() - make_interval(hours => g), 10000 + g * 5, 300 + g % 9 from generate_series(1, 900) g
         on conflict do nothing",
    )
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    for (what, path, file) in [
        ("History page, first 30 of 100 changes, 1 000 samples", format!("/@{username}/history"), "history.html"),
        ("Atom feed, 100 entries", format!("/@{username}/feed.atom"), "feed.atom"),
    ] {
        let res = http.get(format!("{base}{path}")).send().await?;
        if res.status() != 200 {
            return Err(format!("{path} answered {}", res.status()).into());
        }
        let etag = res.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let bytes = res.bytes().await?;
        std::fs::write(nginx.root.join(file), &bytes)?;
        let ours = wrk(&format!("{base}{path}"), None)?;
        let theirs = wrk(&format!("{nginx_base}/{file}"), None)?;
        report.add(format!("nginx, the same {} bytes", bytes.len()), theirs.describe(), "", None);
        report.add(format!("{what}, 64 connections"), ours.describe(), "", None);
        report.add(format!("{what} ÷ nginx"), format!("{:.2}", ours.rps / theirs.rps), "", None);
        if file == "feed.atom" {
            let script = nginx.root.join("not-modified.lua");
            std::fs::write(&script, format!("wrk.headers[\"If-None-Match\"] = '{etag}'\n"))?;
            let revalidated = wrk(&format!("{base}{path}"), Some(&script))?;
            report.add("Atom feed revalidated (If-None-Match → 304), 64 connections", revalidated.describe(), "", None);
        }
    }
    Ok(())
}

/// Stores each of [`HISTORY_PROFILES`] cached profiles 100 times through
/// the SQL `function`, the bio one word longer each time (`<mark><i>`):
/// one statement per store, each its own transaction, as a fetch stores
/// (in one `DO` block every store would share the transaction's `now()`,
/// and the samples with it). The time is per store, round trip included.
async fn store_bio_changes(db: &mut PgConnection, function: &str, mark: &str) -> Result<Duration> {
    let people: Vec<(i64, String, Option<String>, Value)> = sqlx::query_as(&format!(
        "select user_id, username, name, profile from profile_cache where gone_at is null
         order by user_id limit {HISTORY_PROFILES}"
    ))
    .fetch_all(&mut *db)
    .await?;
    let statement = format!("select {function}($1, $2, $3, $4)::text");
    let started = Instant::now();
    for i in 1..=100 {
        for (user_id, username, name, profile) in &people {
            let mut profile = profile.clone();
            let bio = profile.get("bio").and_then(Value::as_str).unwrap_or_default().to_owned();
            profile["bio"] = Value::String(format!("{bio} {mark}{i}"));
            sqlx::query(&statement).bind(user_id).bind(username).bind(name).bind(&profile).execute(&mut *db).await?;
        }
    }
    Ok(started.elapsed() / (100 * people.len().max(1) as u32))
}

/// Pacing of the budget rows: 10 calls a second, 2 back to back.
const PACED: [(&str, &str); 7] = [
    ("CLUBHOUSE_MIN_INTERVAL_MS", "100"),
    ("CLUBHOUSE_BURST", "2"),
    ("CLUBHOUSE_MAX_CONCURRENT", "8"),
    ("CLUBHOUSE_MAX_WAIT_MS", "3000"),
    // Clients told apart by X-Forwarded-For, as behind the edge proxy,
    // with the shipped shares.
    ("TRUSTED_PROXIES", "127.0.0.1"),
    ("UPSTREAM_SHARE_PER_MINUTE", "10"),
    ("UPSTREAM_SHARE_AT_ONCE", "2"),
];
const BUDGET_PORTS: [u16; 3] = [3101, 3102, 3103];

/// Three server processes on one database and one account: the calls the
/// simulator receives, against the configured rate. Then one client floods
/// unknown usernames while other visitors open real profiles.
async fn upstream_budget(
    report: &mut Report,
    paths: &Paths,
    admin_url: &str,
    http: &reqwest::Client,
    sim_base: &str,
    uncached: &[String],
) -> Result<()> {
    let db_url = fresh_database(admin_url, "inssa_bench_budget").await?;
    set_faults(http, sim_base, serde_json::json!({ "latency_ms": 20 })).await?;
    let mut servers = Vec::new();
    for port in BUDGET_PORTS {
        let base = format!("http://127.0.0.1:{port}");
        servers.push(start_server_on(paths, &db_url, http, &base, port, &PACED).await?.0);
    }
    http.delete(format!("{sim_base}/_sim/calls")).send().await?;
    let next = Arc::new(AtomicU64::new(0));
    let (served, retry) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let load_for = Duration::from_secs(6);
    let started = Instant::now();
    let workers: Vec<_> = (0..48u64)
        .map(|w| {
            let (http, next, served, retry) = (http.clone(), next.clone(), served.clone(), retry.clone());
            // The last 50 are the visitors' of the next row.
            let people = uncached[..uncached.len() - 50].to_vec();
            let port = BUDGET_PORTS[w as usize % 3];
            tokio::spawn(async move {
                while started.elapsed() < load_for {
                    let n = next.fetch_add(1, Ordering::Relaxed) as usize % people.len();
                    let res = http
                        .get(format!("http://127.0.0.1:{port}/@{}", people[n]))
                        .header("x-forwarded-for", format!("10.0.{w}.1"))
                        .send()
                        .await;
                    match res.map(|r| r.status().as_u16()) {
                        Ok(200) => served.fetch_add(1, Ordering::Relaxed),
                        _ => retry.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    let elapsed = started.elapsed();
    let accounts: Value = http.get(format!("{sim_base}/_sim/accounts")).send().await?.json().await?;
    let mut times: Vec<u64> = accounts[0]["call_times_ms"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    times.sort();
    let busiest =
        (0..times.len()).map(|i| times[i..].iter().take_while(|t| **t < times[i] + 1000).count()).max().unwrap_or(0);
    let rate = times.len() as f64 / elapsed.as_secs_f64();
    report.add(
        "3 server processes, 1 account at 10 calls/s (burst 2), 48 clients of misses",
        format!(
            "{busiest} calls in the busiest second, {rate:.1}/s on average; {} pages served, {} told to retry",
            served.load(Ordering::Relaxed),
            retry.load(Ordering::Relaxed)
        ),
        "≤ 12 a second (burst + rate)",
        Some(busiest <= 12),
    );

    // One client floods unknown usernames on one replica; 50 other
    // visitors (an address each) open real, uncached profiles meanwhile.
    let base = format!("http://127.0.0.1:{}", BUDGET_PORTS[0]);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (flooded, flood_retry) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let flooders: Vec<_> = (0..40u64)
        .map(|f| {
            let (http, base, stop, flooded, flood_retry) =
                (http.clone(), base.clone(), stop.clone(), flooded.clone(), flood_retry.clone());
            tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let res = http
                        .get(format!("{base}/@flood.{f}.{n}"))
                        .header("x-forwarded-for", "198.51.100.7")
                        .send()
                        .await;
                    flooded.fetch_add(1, Ordering::Relaxed);
                    if res.map(|r| r.status().as_u16()).unwrap_or(0) == 503 {
                        flood_retry.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut latencies = Vec::new();
    let mut ok = 0;
    let visitors = &uncached[uncached.len() - 50..];
    for (i, username) in visitors.iter().enumerate() {
        let started = Instant::now();
        let res =
            http.get(format!("{base}/@{username}")).header("x-forwarded-for", format!("203.0.113.{i}")).send().await?;
        if res.status() == 200 {
            ok += 1;
        }
        res.bytes().await?;
        latencies.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        let _ = f.await;
    }
    latencies.sort();
    let victims = Samples(latencies);
    report.add(
        "First views of 50 visitors while one client floods unknown names (40 at once)",
        format!(
            "{ok}/50 answered 200, p50 {}, p99 {}; the flood: {} requests, {} told to retry",
            ms(victims.p(50)),
            ms(victims.p(99)),
            flooded.load(Ordering::Relaxed),
            flood_retry.load(Ordering::Relaxed)
        ),
        "all 200, p99 ≤ 2 s",
        Some(ok == 50 && victims.p(99) <= Duration::from_secs(2)),
    );
    for server in servers {
        server.terminate();
    }
    set_faults(http, sim_base, serde_json::json!({})).await?;
    Ok(())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0)))
        .unwrap_or(0);
    format!("{cpus} CPUs ({model}), {:.1} GiB RAM", mem as f64 / 1024.0 / 1024.0)
}

async fn fresh_database(admin_url: &str, name: &str) -> Result<String> {
    let mut admin = PgConnection::connect(admin_url).await?;
    sqlx::query(&format!(r#"drop database if exists "{name}" with (force)"#)).execute(&mut admin).await?;
    sqlx::query(&format!(r#"create database "{name}""#)).execute(&mut admin).await?;
    let (base, rest) = admin_url.rsplit_once('/').ok_or("DATABASE_URL has no database name")?;
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    Ok(format!("{base}/{name}{query}"))
}

fn start_simulator(paths: &Paths) -> Result<Process> {
    let child = Command::new(&paths.simulator)
        .args(["--port", &SIM_PORT.to_string(), "--people", &PEOPLE.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    Ok(Process { child })
}

/// MailDev, the SMTP server of the run and test commands, on the
/// benchmark's own ports.
fn start_maildev(paths: &Paths) -> Result<Process> {
    let child = Command::new(paths.root.join("node_modules/.bin/maildev"))
        .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
        .args(["--smtp", &MAIL_SMTP_PORT.to_string(), "--web", &MAIL_WEB_PORT.to_string()])
        .stdout(Stdio::null())
        .spawn()?;
    Ok(Process { child })
}

/// Starts the server and measures the time until `/readyz` answers 200.
async fn start_server(paths: &Paths, db_url: &str, http: &reqwest::Client, base: &str) -> Result<(Process, Duration)> {
    start_server_on(paths, db_url, http, base, SERVER_PORT, &[]).await
}

/// [`start_server`] on `port`, with `extra` environment variables last (they win).
async fn start_server_on(
    paths: &Paths,
    db_url: &str,
    http: &reqwest::Client,
    base: &str,
    port: u16,
    extra: &[(&str, &str)],
) -> Result<(Process, Duration)> {
    let started = Instant::now();
    let mut command = Command::new(&paths.server);
    command
        .current_dir(&paths.root)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", db_url)
        .env("DATABASE_MAX_CONNECTIONS", "16")
        .env("LEPTOS_SITE_ROOT", &paths.site)
        .env("LEPTOS_HASH_FILES", "true")
        .env("LOG_LEVEL", "warn")
        .env("CLUBHOUSE_BASE_URL", format!("http://127.0.0.1:{SIM_PORT}/api"))
        .env("CLUBHOUSE_TOKEN", "sim-token")
        .env("CLUBHOUSE_USER_ID", "910000000")
        .env("IMAGE_HOSTS", format!("127.0.0.1:{SIM_PORT}"))
        // Pacing off: the benchmark measures our server, not the limiter.
        .env("CLUBHOUSE_MIN_INTERVAL_MS", "0")
        .env("CLUBHOUSE_BURST", "1000")
        .env("CLUBHOUSE_MAX_CONCURRENT", "64")
        .env("CLUBHOUSE_MAX_WAIT_MS", "30000")
        .env("WAITLIST_SIGNUPS_PER_HOUR", "1000000")
        // Waitlist mail goes to the benchmark's MailDev; signups come
        // through X-Forwarded-For from many clients.
        .env("SMTP_URL", format!("smtp://127.0.0.1:{MAIL_SMTP_PORT}"))
        .env("MAIL_POLL_SECS", "1")
        .env("TRUSTED_PROXIES", "127.0.0.1")
        // Every request comes from one address: shares off, like pacing.
        .env("UPSTREAM_SHARE_PER_MINUTE", "1000000")
        .env("UPSTREAM_SHARE_AT_ONCE", "1000")
        // No proxy to drain for between runs.
        .env("DRAIN_SECS", "0")
        .stdout(Stdio::null());
    for (name, value) in extra {
        command.env(name, value);
    }
    let process = Process { child: command.spawn()? };
    wait_ready(http, &format!("{base}/readyz"), Duration::from_secs(30)).await?;
    Ok((process, started.elapsed()))
}

async fn wait_ready(http: &reqwest::Client, url: &str, limit: Duration) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(res) = http.get(url).send().await {
            if res.status() == 200 {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Err(format!("{url} not ready after {limit:?}").into())
}

async fn set_faults(http: &reqwest::Client, sim: &str, faults: Value) -> Result<()> {
    let res = http.put(format!("{sim}/_sim/faults")).body(faults.to_string()).send().await?;
    if !res.status().is_success() {
        return Err(format!("setting faults: {}", res.text().await?).into());
    }
    Ok(())
}

async fn calls(http: &reqwest::Client, sim: &str) -> Result<u64> {
    let counts: Value = http.get(format!("{sim}/_sim/calls")).send().await?.json().await?;
    Ok(counts["total"].as_u64().unwrap_or(0))
}

/// A signup from client number `client` (a distinct address through
/// `X-Forwarded-For`, which the benchmark's server trusts from 127.0.0.1).
async fn join(http: &reqwest::Client, base: &str, client: u64, email: String) -> u16 {
    let form = [
        ("email", email),
        ("username", String::new()),
        ("consent", "yes".into()),
        ("source", "/".into()),
        ("website", String::new()),
    ];
    let ip = format!("10.{}.{}.{}", (client >> 16) & 255, (client >> 8) & 255, client & 255);
    let request = http.post(format!("{base}/api/waitlist/join")).header("origin", base).header("x-forwarded-for", ip);
    match request.form(&form).send().await {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}

/// 64 clients signing up distinct addresses for `duration`; returns the
/// number of acknowledged (200) signups and the time taken.
async fn signup_load(http: &reqwest::Client, base: &str, duration: Duration) -> (u64, Duration) {
    let acked = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let (http, base, acked, counter) = (http.clone(), base.to_owned(), acked.clone(), counter.clone());
            tokio::spawn(async move {
                while started.elapsed() < duration {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    if join(&http, &base, n, format!("bench-{n}@example.com")).await == 200 {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    (acked.load(Ordering::Relaxed), started.elapsed())
}

struct Samples(Vec<Duration>);

impl Samples {
    fn p(&self, percentile: usize) -> Duration {
        let i = ((self.0.len() * percentile).div_ceil(100)).clamp(1, self.0.len()) - 1;
        self.0[i]
    }
}

/// Runs `f` `n` times in a row and sorts the durations.
async fn sample<F, Fut>(n: usize, f: F) -> Result<Samples>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Duration>>,
{
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        all.push(f().await?);
    }
    all.sort();
    Ok(Samples(all))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct WrkResult {
    rps: f64,
    p50: String,
    p99: String,
    errors: u64,
}

impl WrkResult {
    fn describe(&self) -> String {
        let errors = if self.errors > 0 { format!(", {} errors", self.errors) } else { String::new() };
        format!("{:.0} req/s, p50 {}, p99 {}{errors}", self.rps, self.p50, self.p99)
    }
}

/// wrk with 2 threads and 64 connections for 10 s, with a request script.
fn wrk(url: &str, script: Option<&Path>) -> Result<WrkResult> {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c64", "-d10s", "--latency"]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let out = command.arg(url).output()?;
    if !out.status.success() {
        return Err(format!("wrk failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| {
        text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|rest| rest.trim().to_owned())).unwrap_or_default()
    };
    let errors = field("Non-2xx or 3xx responses:").parse::<u64>().unwrap_or(0)
        + text.lines().find(|l| l.contains("Socket errors")).map(|_| 1).unwrap_or(0);
    Ok(WrkResult { rps: field("Requests/sec:").parse()?, p50: field("50%"), p99: field("99%"), errors })
}

/// A wrk script that requests the paths listed in `paths`, one after
/// another, each thread from its own starting point.
fn rotation_script(paths: &Path) -> String {
    format!(
        r#"local paths = {{}}
for line in io.lines("{}") do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"#,
        paths.display()
    )
}

/// nginx serving a folder of files on `NGINX_PORT`, with a configuration of
/// its own (one worker per core, no access log, sendfile), stopped on drop.
struct Nginx {
    root: PathBuf,
    process: Process,
}

impl Nginx {
    fn start(prefix: &Path) -> Result<Nginx> {
        let root = prefix.join("html");
        std::fs::create_dir_all(&root)?;
        std::fs::create_dir_all(prefix.join("logs"))?;
        let conf = prefix.join("nginx.conf");
        // Root runs workers as nobody, who must read the files.
        let user = if running_as_root() { "user nobody nogroup;" } else { "" };
        std::fs::write(
            &conf,
            format!(
                "{user}\nworker_processes auto;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log warn;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  default_type text/html;\n\
                 client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;\n\
                 uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;\n\
                 server {{ listen 127.0.0.1:{NGINX_PORT}; root {root}; }}\n}}\n",
                prefix = prefix.display(),
                root = root.display(),
            ),
        )?;
        std::fs::create_dir_all(prefix.join("tmp"))?;
        let binary = ["/usr/sbin/nginx", "nginx"].into_iter().find(|b| Path::new(b).exists()).unwrap_or("nginx");
        let child = Command::new(binary)
            .arg("-p")
            .arg(prefix)
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stderr(Stdio::null())
            .spawn()?;
        std::thread::sleep(Duration::from_millis(300));
        Ok(Nginx { root, process: Process { child } })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-QUIT").arg(self.process.pid().to_string()).status();
        if let Some(prefix) = self.root.parent() {
            let _ = std::fs::remove_dir_all(prefix);
        }
    }
}

/// Whether this process runs as root (by its effective uid, from /proc).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmRSS")?.parse()?)
}

struct Asset {
    name: String,
    raw: u64,
    gz: u64,
    br: u64,
}

struct Assets {
    wasm: Asset,
    js: Asset,
    css: Asset,
}

impl Assets {
    fn find(pkg: &Path) -> Result<Assets> {
        let find = |ext: &str| -> Result<Asset> {
            let entry = std::fs::read_dir(pkg)?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == ext))
                .ok_or_else(|| format!("no .{ext} in {}", pkg.display()))?;
            let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let with = |suffix: &str| PathBuf::from(format!("{}.{suffix}", entry.display()));
            Ok(Asset {
                name: entry.file_name().unwrap_or_default().to_string_lossy().into_owned(),
                raw: size(entry.clone()),
                gz: size(with("gz")),
                br: size(with("br")),
            })
        };
        Ok(Assets { wasm: find("wasm")?, js: find("js")?, css: find("css")? })
    }
}

/// What a browser downloads from us on a first visit to a profile page, as
/// a browser asks for it (brotli accepted), with each part's size.
async fn first_visit_bytes(http: &reqwest::Client, base: &str, page: &str) -> Result<String> {
    let html = http.get(format!("{base}{page}")).header("accept-encoding", "br, gzip").send().await?.text().await?;
    let mut urls = vec![page.to_owned()];
    for (marker, end) in [("href=\"/pkg/", '"'), ("src=\"/img?src=", '"')] {
        for part in html.split(marker).skip(1) {
            let rest = part.split(end).next().unwrap_or("");
            let prefix = if marker.contains("/pkg/") { "/pkg/" } else { "/img?src=" };
            urls.push(format!("{prefix}{}", rest.replace("&amp;", "&")));
        }
    }
    urls.push("/favicon.ico".into());
    urls.sort();
    urls.dedup();
    let mut total = 0u64;
    let mut parts = Vec::new();
    for url in &urls {
        let res = http.get(format!("{base}{url}")).header("accept-encoding", "br, gzip").send().await?;
        let encoding =
            res.headers().get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("identity").to_owned();
        let bytes = res.bytes().await?.len() as u64;
        total += bytes;
        let short = url.split('?').next().unwrap_or(url).rsplit('/').next().unwrap_or(url).to_owned();
        let short = if short.is_empty() || short.starts_with('@') { url.clone() } else { short };
        parts.push(format!("{short} {bytes} ({encoding})"));
    }
    Ok(format!("{total} bytes: {}", parts.join(", ")))
}
