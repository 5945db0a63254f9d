//! The Clubhouse budget: one per account across replicas, several
//! accounts, fairness between visitors, gone accounts, one address per
//! person. Servers and the simulator talk over real HTTP; replicas share a
//! real Postgres database.

use std::time::Duration;

use futures::future::join_all;
use secrecy::SecretString;
use serde_json::Value;
use server::config::Config;
use services::upstream::{ClubhouseClient, LimiterSettings, Priority, UpstreamAccount};
use simulator::{SimAccount, SimConfig};

use crate::common::{
    backdate, create_database, same_simulator, spawn_app, spawn_app_on, spawn_app_with, spawn_replica, TestApp,
};

fn paced(interval_ms: u64, burst: u32, max_wait_ms: u64) -> impl Fn(&mut Config) + Clone {
    move |c: &mut Config| {
        c.upstream.limiter = LimiterSettings {
            interval: Duration::from_millis(interval_ms),
            burst,
            max_concurrent: 8,
            max_wait: Duration::from_millis(max_wait_ms),
        };
    }
}

async fn readyz(app: &TestApp) -> Value {
    app.get("/readyz").await.json().await.unwrap()
}

fn account<'a>(ready: &'a Value, label: &str) -> &'a Value {
    ready["upstream"]["accounts"]
        .as_array()
        .and_then(|accounts| accounts.iter().find(|a| a["label"] == label))
        .unwrap_or_else(|| panic!("no account {label} in {ready}"))
}

/// The most calls that arrived within any `window_ms` of each other.
fn busiest(times: &[u64], window_ms: u64) -> usize {
    let mut times = times.to_vec();
    times.sort();
    (0..times.len()).map(|i| times[i..].iter().take_while(|t| **t < times[i] + window_ms).count()).max().unwrap_or(0)
}

/// Three servers on one database and one account keep that account's rate
/// together, measured at the simulator: replicas pacing on their own would
/// call three times as fast.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_keep_one_accounts_rate() {
    let pace = paced(100, 2, 3000);
    let a = spawn_app_with(pace.clone()).await;
    let b = spawn_replica(&a.db_name, same_simulator(&a.sim), pace.clone()).await;
    let c = spawn_replica(&a.db_name, same_simulator(&a.sim), pace).await;
    let names: Vec<String> = a.sim.sim.usernames().into_iter().skip(20).take(45).collect();
    a.sim.sim.reset_calls();

    let requests = names.iter().enumerate().map(|(i, name)| {
        let app = [&a, &b, &c][i % 3];
        async move { app.get(&format!("/@{name}")).await.status().as_u16() }
    });
    let statuses = join_all(requests).await;
    let stats = a.sim.sim.account_stats();
    let times = &stats[0].call_times_ms;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    println!("statuses {statuses:?}; {} calls; busiest second {}", times.len(), busiest(times, 1000));
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    assert!(ok >= 20, "the budget was used: {ok} answered");
    // GCRA: at most the burst plus one call per interval in any window
    // (one more for the network's jitter between booking and arrival).
    for window in [300, 1000, 2000] {
        let allowed = 2 + window as usize / 100 + 1;
        assert!(busiest(times, window) <= allowed, "{} calls within {window} ms: {times:?}", busiest(times, window));
    }
    for app in [&a, &b, &c] {
        assert_eq!(readyz(app).await["upstream"]["budget_shared"], true);
    }
}

/// A 429 seen by one replica pauses the account for every replica: the
/// other one makes no call and says so in /readyz.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_one_replica_sets_holds_for_all() {
    let a = spawn_app().await;
    let b = spawn_replica(&a.db_name, same_simulator(&a.sim), |_| {}).await;
    let names = a.sim.sim.usernames();
    a.sim.sim.set_faults(simulator::Faults { rate_429: 1.0, retry_after_secs: 120, ..Default::default() });
    assert_eq!(a.get(&format!("/@{}", names[30])).await.status(), 503);

    a.sim.sim.set_faults(simulator::Faults::default());
    a.sim.sim.reset_calls();
    let res = b.get(&format!("/@{}", names[31])).await;
    assert_eq!(res.status(), 503, "the other replica waits out the pause");
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((60..=120).contains(&retry), "told when to come back: {retry}");
    assert_eq!(a.sim.sim.calls().total, 0, "no call during another replica's pause");
    let ready = readyz(&b).await;
    let label = a.sim.sim.config().user_id.to_string();
    assert_eq!(account(&ready, &label)["state"], "paused", "{ready}");
    assert_eq!(account(&ready, &label)["pause_reason"], "rate_limited");
}

const BANNED: u64 = 910_000_101;
const OTHER: u64 = 910_000_102;
/// Two accounts besides the simulator's default one.
const EXTRA_ACCOUNTS: [(u64, &str); 2] = [(BANNED, "tok-extra-b"), (OTHER, "tok-extra-c")];

/// A simulator that knows [`EXTRA_ACCOUNTS`] too.
async fn simulator_with_extra_accounts() -> simulator::RunningSimulator {
    let accounts = EXTRA_ACCOUNTS
        .iter()
        .map(|(id, token)| SimAccount { user_id: *id, token: token.to_string(), calls_per_minute: None })
        .collect();
    simulator::spawn(SimConfig { people: 300, accounts, ..SimConfig::default() }, 0).await.unwrap()
}

/// Configures [`EXTRA_ACCOUNTS`] after the default one.
fn add_extra_accounts(config: &mut Config) {
    for (id, token) in EXTRA_ACCOUNTS {
        config.upstream.accounts.push(UpstreamAccount {
            label: id.to_string(),
            token: SecretString::from(token),
            user_id: Some(id),
            device_id: "TEST-DEVICE".into(),
        });
    }
}

/// Three accounts, one banned: it is set aside after its first refusal and
/// reported; every visitor is still served by the other two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_account_is_set_aside_and_the_others_carry_on() {
    let sim = simulator_with_extra_accounts().await;
    sim.sim.set_account_banned(BANNED, true);
    let app = spawn_app_on(sim, |c| {
        // One call per account per 200 ms: the accounts take turns.
        paced(200, 1, 3000)(c);
        add_extra_accounts(c);
    })
    .await;
    let names = app.sim.sim.usernames();
    for name in &names[40..52] {
        let res = app.get(&format!("/@{name}")).await;
        let status = res.status();
        assert_eq!(status, 200, "{name} is served by an account that works: {}", readyz(&app).await);
    }
    let stats = app.sim.sim.account_stats();
    let banned = stats.iter().find(|s| s.label == BANNED).unwrap();
    assert_eq!((banned.refused, banned.calls), (1, 0), "asked once, then set aside: {stats:?}");
    assert!(stats.iter().filter(|s| s.label != BANNED).all(|s| s.calls > 0), "both others served: {stats:?}");

    let ready = readyz(&app).await;
    assert_eq!(account(&ready, &BANNED.to_string())["state"], "set_aside", "{ready}");
    assert_eq!(account(&ready, &OTHER.to_string())["state"], "ready");
    assert_eq!(ready["upstream"]["healthy"], true, "two accounts still work");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(&format!(r#"upstream_account_state{{account="{BANNED}",state="set_aside"}} 1"#)));
    assert!(metrics.contains(&format!(r#"upstream_account_state{{account="{OTHER}",state="ready"}} 1"#)));
    for text in [ready.to_string(), metrics] {
        assert!(!text.contains("tok-"), "no token is ever shown");
    }
}

/// Concurrent calls go to whichever account's turn comes first, as booked
/// by the others: three accounts with a burst of four serve twelve calls
/// made at once four each, rather than all queueing on the account that was
/// first when they started. The client itself, so the bookings do overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_spread_over_the_accounts() {
    let sim = simulator_with_extra_accounts().await;
    let mut config = crate::common::test_config(&create_database().await);
    crate::common::use_simulator(&mut config, &sim);
    paced(1000, 4, 200)(&mut config);
    add_extra_accounts(&mut config);
    let db = sqlx::PgPool::connect(&config.database.url).await.unwrap();
    services::db::migrate(&db, Duration::from_secs(30)).await.unwrap();
    let client = ClubhouseClient::new(config.upstream).unwrap().with_shared_budget(db).await;
    let client = &client;
    let calls = join_all((0..12).map(|_| async move { client.profile_by_id(910_000_001, Priority::FirstView).await }));
    let answered = calls.await.iter().filter(|r| r.is_ok()).count();
    let calls: Vec<u64> = sim.sim.account_stats().iter().map(|s| s.calls).collect();
    assert_eq!((answered, calls), (12, vec![4, 4, 4]), "each account's burst, at once");
}

/// While one client floods unknown usernames, another's first view of a
/// real profile is served: the flood gets its share and is told to retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_client_leaves_the_budget_to_others() {
    let pace = paced(300, 3, 2000);
    let app = spawn_app_with(move |c| {
        pace(c);
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        // The shipped shares.
        c.profiles.share_per_minute = 10;
        c.profiles.share_at_once = 2;
    })
    .await;
    let real = app.sim.sim.usernames()[60].clone();
    // Answers in the order they come: the victim's place in that order says
    // whether the flood went first (no wall-clock limit to assert).
    let answered = std::sync::atomic::AtomicUsize::new(0);
    let from = |path: String, ip: &'static str| {
        let request = app.client.get(app.url(&path)).header("x-forwarded-for", ip);
        let answered = &answered;
        async move {
            let status = request.send().await.unwrap().status().as_u16();
            (status, answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
        }
    };
    let flood = join_all((0..40).map(|i| from(format!("/@nobody.here.{i}"), "198.51.100.7")));
    let victim = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        from(format!("/@{real}"), "203.0.113.9").await
    };
    let (flooded, (victim, flood_answered_before)) = tokio::join!(flood, victim);
    let flooded: Vec<u16> = flooded.into_iter().map(|(status, _)| status).collect();
    assert_eq!(victim, 200, "the other visitor is served during the flood");
    assert!(flood_answered_before <= 10, "the victim waited for {flood_answered_before} flood requests: {flooded:?}");
    let told_to_retry = flooded.iter().filter(|s| **s == 503).count();
    assert!(told_to_retry >= 25, "the flood is told to retry: {flooded:?}");
    assert!(flooded.iter().all(|s| *s == 404 || *s == 503), "{flooded:?}");
}

/// A cached person whose account was deleted: the page becomes a 404 that
/// says so, with nothing of theirs; the JSON API, search and the home page
/// drop them; repeats cost no call; someone new under that name shows once
/// the name is asked about again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_is_gone_everywhere_until_someone_new_takes_the_name() {
    let app = spawn_app().await;
    let username = app.sim.sim.usernames()[70].clone();
    let page = app.get(&format!("/@{username}")).await.text().await.unwrap();
    let profile: Value = app.get(&format!("/api/v1/profiles/{username}")).await.json().await.unwrap();
    let name = profile["profile"]["name"].as_str().unwrap().to_owned();
    assert!(page.contains(&name));

    assert!(app.sim.sim.delete_person(&username));
    backdate(&app, &username, 3).await;
    let gone = async || {
        let res = app.get(&format!("/@{username}")).await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        (status == 404 && body.contains(r#"data-testid="profile-gone""#)).then_some(body)
    };
    let mut body = None;
    for _ in 0..100 {
        body = gone().await;
        if body.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = body.expect("the stale copy's refresh found the account gone");
    assert!(!body.contains(&name), "nothing of the person is shown");
    let bio = profile["profile"]["bio"].as_str().unwrap_or("no bio");
    assert!(!body.contains(bio));

    let api = app.get(&format!("/api/v1/profiles/{username}")).await;
    assert_eq!(api.status(), 404);
    assert!(api.text().await.unwrap().contains("no longer exists"));
    let row: (Value, Option<String>) =
        sqlx::query_as("select profile, name from profile_cache where lower(username) = lower($1)")
            .bind(&username)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(row.1, None, "the stored copy is wiped");
    assert!(row.0.get("bio").is_none(), "{:?}", row.0);
    let link = format!(r#"href="/@{username}""#);
    let search = app.get(&format!("/search?q={username}")).await.text().await.unwrap();
    assert!(!search.contains(&link), "not in search");
    let home = app.get("/").await.text().await.unwrap();
    assert!(!home.contains(&link), "not among the recently viewed");

    app.sim.sim.reset_calls();
    let new_id = app.sim.sim.add_person(&username).unwrap();
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/@{username}")).await.status(), 404);
    }
    assert_eq!(app.sim.sim.calls().total, 0, "repeats cost no upstream call for a while");

    // The while is over: asked again, the name shows its new holder.
    sqlx::query("update profile_cache set gone_at = gone_at - interval '1 day' where lower(username) = lower($1)")
        .bind(&username)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update profile_misses set checked_at = checked_at - interval '1 day'").execute(&app.db).await.unwrap();
    let res = app.get(&format!("/@{username}")).await;
    assert_eq!(res.status(), 200);
    let profile: Value = app.get(&format!("/api/v1/profiles/{username}")).await.json().await.unwrap();
    assert_eq!(profile["profile"]["user_id"], new_id);
}

/// A refresh that fails (rather than "not found") keeps the stale copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_refresh_is_not_a_gone_account() {
    let app = spawn_app().await;
    let username = app.sim.sim.usernames()[71].clone();
    assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
    backdate(&app, &username, 3).await;
    app.sim.sim.set_faults(simulator::Faults { rate_5xx: 1.0, ..Default::default() });
    for _ in 0..5 {
        assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select refresh_failed_at from profile_cache where lower(username) = lower($1)")
            .bind(&username)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(failed.is_some(), "the refresh was tried and failed");
}

/// Padded addresses of a person redirect to the one address (or are 404);
/// never a second 200 page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn padded_addresses_redirect_to_the_one_address() {
    let app = spawn_app().await;
    for path in [
        "/@%20odessa.finch",
        "/@odessa.finch%20",
        "/@odessa.finch.",
        "/@.odessa.finch",
        "/@@odessa.finch",
        "/@%40odessa.finch",
        "/%40odessa.finch",
        "/@%09odessa.finch%0A",
        "/odessa.finch.",
    ] {
        let res = app.get(path).await;
        let status = res.status().as_u16();
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        match status {
            301 => assert_eq!(location.as_deref(), Some("/@odessa.finch"), "{path}"),
            404 => {}
            other => panic!("{path}: {other}, a second page of the same person"),
        }
    }
    assert_eq!(app.get("/@odessa.finch").await.status(), 200);
    for path in ["/api/v1/profiles/%20odessa.finch", "/api/v1/profiles/odessa.finch.", "/api/v1/profiles/@odessa.finch"]
    {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}
