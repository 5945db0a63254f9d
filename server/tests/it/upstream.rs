//! The Clubhouse client against the simulator, over real HTTP.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::username::Username;
use secrecy::SecretString;
use server::config::Config;
use services::upstream::{ClubhouseClient, LimiterSettings, Priority, UpstreamConfig, UpstreamError};
use simulator::{Faults, RunningSimulator, SimConfig};

async fn simulator() -> RunningSimulator {
    simulator::spawn(SimConfig { people: 300, ..SimConfig::default() }, 0).await.expect("simulator starts")
}

/// The default configuration, pointed at `sim`, with pacing fast enough for tests.
fn client_config(sim: &RunningSimulator) -> UpstreamConfig {
    let mut config = Config::from_lookup(|_| None).unwrap().upstream;
    config.base_url = format!("{}/api", sim.base_url);
    config.limiter = LimiterSettings {
        interval: Duration::from_millis(1),
        burst: 100,
        max_concurrent: 8,
        max_wait: Duration::from_secs(2),
    };
    config.timeout = Duration::from_secs(2);
    config.backoff_base = Duration::from_millis(200);
    config
}

fn client(sim: &RunningSimulator) -> ClubhouseClient {
    ClubhouseClient::new(client_config(sim)).unwrap()
}

fn name(s: &str) -> Username {
    Username::parse(s).unwrap()
}

fn fixture(file: &str) -> serde_json::Value {
    let path = format!("{}/../simulator/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
}

#[tokio::test]
async fn fetches_a_profile_in_the_fixture_shape() {
    let sim = simulator().await;
    let fetched = client(&sim).profile_by_username(&name("odessa.finch"), Priority::FirstView).await.unwrap();
    let expected = fixture("get_profile.other_user.json")["user_profile"].clone();

    let p = &fetched.profile;
    assert_eq!(p.user_id, 910000001);
    assert_eq!(p.name.as_deref(), Some("Odessa Finch"));
    assert_eq!(p.bio.as_deref(), expected["bio"].as_str());
    assert_eq!(p.num_followers, Some(1284));
    assert_eq!(p.num_following, Some(311));
    assert_eq!(p.twitter.as_deref(), Some("ofinch_demo"));
    assert_eq!(p.instagram.as_deref(), Some("odessa.finch.demo"));
    assert_eq!(p.time_created.as_deref(), Some("2021-02-03T17:42:09.518203+00:00"));
    let nominator = p.invited_by_user_profile.as_ref().unwrap();
    assert_eq!((nominator.user_id, nominator.username.as_deref()), (910000042, Some("twren")));
    assert_eq!(p.clubs.len(), 1);
    assert_eq!(p.clubs[0].name.as_deref(), Some("Lighthouse Keepers Society"));

    // The raw JSON keeps every key but the viewer-specific ones.
    let raw = fetched.raw.as_object().unwrap();
    for gone in ["follows_me", "mutual_follows", "mutual_follows_count", "notification_type", "is_blocked_by_network"] {
        assert!(!raw.contains_key(gone), "{gone} must be stripped");
    }
    for kept in ["direct_payment_fee_rate", "can_receive_direct_payment", "bio_links", "upcoming_events", "url"] {
        assert_eq!(raw.get(kept), expected.get(kept), "{kept} is kept as sent");
    }
}

#[tokio::test]
async fn usernames_match_case_insensitively_and_ids_work() {
    let sim = simulator().await;
    let client = client(&sim);
    let by_name = client.profile_by_username(&name("@Odessa.FINCH"), Priority::FirstView).await.unwrap();
    assert_eq!(by_name.profile.username.as_deref(), Some("odessa.finch"));
    let by_id = client.profile_by_id(910000001, Priority::FirstView).await.unwrap();
    assert_eq!(by_id.profile, by_name.profile);
}

#[tokio::test]
async fn unknown_people_are_not_found_after_the_search_fallback() {
    let sim = simulator().await;
    let client = client(&sim);
    sim.sim.reset_calls();
    let err = client.profile_by_username(&name("nobody.at.all.zz"), Priority::FirstView).await.unwrap_err();
    assert_eq!(err, UpstreamError::NotFound);
    let calls = sim.sim.calls();
    assert_eq!((calls.get_profile, calls.search_users), (1, 1), "{calls:?}");
}

#[tokio::test]
async fn search_reads_string_ids_and_pages() {
    let sim = simulator().await;
    let client = client(&sim);
    let page = client.search_users("odessa", 1, 2, Priority::Search).await.unwrap();
    assert_eq!(page.users.len(), 2);
    assert!(page.count.unwrap() >= 2);
    assert!(page.users.iter().any(|u| u.user_id == 910000001), "{page:?}");
    let empty = client.search_users("zzzz-no-match-zzzz", 1, 10, Priority::Search).await.unwrap();
    assert!(empty.users.is_empty());
}

#[tokio::test]
async fn odd_shapes_still_parse() {
    let sim = simulator().await;
    let client = client(&sim);
    let nulls = client.profile_by_username(&name("null.fields"), Priority::FirstView).await.unwrap().profile;
    assert_eq!((nulls.name, nulls.bio, nulls.photo_url, nulls.twitter), (None, None, None, None));
    let early = client.profile_by_username(&name("early.shape"), Priority::FirstView).await.unwrap();
    assert!(early.raw.get("url").is_none());
    let many = client.profile_by_username(&name("many.clubs"), Priority::FirstView).await.unwrap().profile;
    assert!(many.clubs.len() >= 200, "{}", many.clubs.len());
    let orphan = client.profile_by_username(&name("no.nominator"), Priority::FirstView).await.unwrap().profile;
    assert_eq!(orphan.invited_by_user_profile, None);
}

#[tokio::test]
async fn the_self_view_is_sanitized_too() {
    let sim = simulator().await;
    let mut config = client_config(&sim);
    config.accounts[0].user_id = Some(910000001); // the service account looks at itself
    let fetched = ClubhouseClient::new(config).unwrap().profile_by_id(910000001, Priority::FirstView).await.unwrap();
    for gone in ["has_verified_email", "can_edit_username", "can_edit_name", "can_edit_displayname", "topics"] {
        assert!(fetched.raw.get(gone).is_none(), "{gone}");
    }
}

#[tokio::test]
async fn a_wrong_token_stops_all_calls() {
    let sim = simulator().await;
    let mut config = client_config(&sim);
    config.accounts[0].token = SecretString::from("not-the-token");
    let client = ClubhouseClient::new(config).unwrap();
    let err = client.profile_by_username(&name("odessa.finch"), Priority::FirstView).await.unwrap_err();
    assert_eq!(err, UpstreamError::Unauthorized { status: 401 });
    assert!(!client.health().healthy);

    // Never retried: the next call is refused without reaching the upstream.
    let before = sim.sim.calls().total;
    let err = client.profile_by_id(910000001, Priority::FirstView).await.unwrap_err();
    assert_eq!(err, UpstreamError::Unauthorized { status: 401 });
    assert_eq!(sim.sim.calls().total, before);
}

#[tokio::test]
async fn a_banned_account_gets_403_and_stops() {
    let sim = simulator().await;
    sim.sim.set_faults(Faults { banned: true, ..Faults::default() });
    let client = client(&sim);
    assert_eq!(
        client.profile_by_id(910000001, Priority::FirstView).await.unwrap_err(),
        UpstreamError::Unauthorized { status: 403 }
    );
    let before = sim.sim.calls().total;
    assert!(client.search_users("a", 1, 5, Priority::Search).await.is_err());
    assert_eq!(sim.sim.calls().total, before);
    assert_eq!(client.health().last_error_kind, Some("unauthorized"));
}

#[tokio::test]
async fn a_429_pauses_calls_for_retry_after() {
    let sim = simulator().await;
    sim.sim.set_faults(Faults { rate_429: 1.0, retry_after_secs: 30, ..Faults::default() });
    let client = client(&sim);
    match client.profile_by_id(910000001, Priority::FirstView).await {
        Err(UpstreamError::RateLimited { retry_after }) => assert_eq!(retry_after, Some(Duration::from_secs(30))),
        other => panic!("{other:?}"),
    }
    // Even after the upstream recovers, we wait out its Retry-After.
    sim.sim.set_faults(Faults::default());
    let before = sim.sim.calls().total;
    match client.profile_by_id(910000001, Priority::FirstView).await {
        Err(UpstreamError::RateLimited { retry_after: Some(wait) }) => assert!(wait > Duration::from_secs(25)),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.sim.calls().total, before, "no call during the pause");
    assert_eq!(client.health().limiter.pause_reason, Some("rate_limited"));
}

#[tokio::test]
async fn the_high_usage_message_is_a_rate_limit() {
    let sim = simulator().await;
    sim.sim.set_faults(Faults { high_usage: true, ..Faults::default() });
    let err = client(&sim).profile_by_id(910000001, Priority::FirstView).await.unwrap_err();
    assert!(matches!(err, UpstreamError::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn server_errors_back_off_then_recover() {
    let sim = simulator().await;
    sim.sim.set_faults(Faults { rate_5xx: 1.0, ..Faults::default() });
    let client = client(&sim);
    let err = client.profile_by_id(910000001, Priority::FirstView).await.unwrap_err();
    assert!(matches!(err, UpstreamError::Unavailable { .. }), "{err:?}");
    assert_eq!(client.health().consecutive_failures, 1);

    sim.sim.set_faults(Faults::default());
    // The backoff (100–200 ms here) is waited out, then calls succeed again.
    let started = Instant::now();
    let ok = client.profile_by_id(910000001, Priority::FirstView).await;
    assert!(ok.is_ok(), "{ok:?}");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(client.health().consecutive_failures, 0);
    assert!(client.health().last_success.is_some());
}

#[tokio::test]
async fn a_hanging_upstream_times_out() {
    let sim = simulator().await;
    sim.sim.set_faults(Faults { hang: true, ..Faults::default() });
    let mut config = client_config(&sim);
    config.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = ClubhouseClient::new(config).unwrap().profile_by_id(910000001, Priority::FirstView).await.unwrap_err();
    assert_eq!(err, UpstreamError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn malformed_answers_are_reported_not_trusted() {
    let sim = simulator().await;
    sim.sim.set_faults(Faults { malformed: true, ..Faults::default() });
    let err = client(&sim).profile_by_id(910000001, Priority::FirstView).await.unwrap_err();
    assert!(matches!(err, UpstreamError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_upstream_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = Config::from_lookup(|_| None).unwrap().upstream;
    config.base_url = format!("http://127.0.0.1:{port}/api");
    let err = ClubhouseClient::new(config).unwrap().profile_by_id(1, Priority::FirstView).await.unwrap_err();
    assert!(matches!(err, UpstreamError::Unavailable { .. }), "{err:?}");
}

/// The limiter holds concurrent callers to the configured rate, measured at
/// the simulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_are_paced() {
    let sim = simulator().await;
    let mut config = client_config(&sim);
    config.limiter = LimiterSettings {
        interval: Duration::from_millis(50),
        burst: 2,
        max_concurrent: 4,
        max_wait: Duration::from_secs(10),
    };
    let client = Arc::new(ClubhouseClient::new(config).unwrap());
    sim.sim.reset_calls();
    let started = Instant::now();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.profile_by_id(910000001, Priority::FirstView).await.is_ok() })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap());
    }
    // 12 calls at 1 per 50 ms with a burst of 2 need at least 10 intervals.
    assert!(started.elapsed() >= Duration::from_millis(500), "{:?}", started.elapsed());
    assert_eq!(sim.sim.calls().get_profile, 12);
    assert!(client.health().limiter.waits >= 10);
}

/// A writer the test can read back: collects everything the client logs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_token_is_never_printed() {
    let token = "tok-3f9a1c7e5b2d4680aa11bb22cc33dd44";
    let sim = simulator::spawn(SimConfig { people: 50, token: token.into(), ..SimConfig::default() }, 0).await.unwrap();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut config = client_config(&sim);
    config.accounts[0].token = SecretString::from(token);
    let client = ClubhouseClient::new(config.clone()).unwrap();
    let mut printed = vec![format!("{config:?}"), format!("{config:#?}")];
    printed.push(format!("{:?}", client.profile_by_username(&name("odessa.finch"), Priority::FirstView).await));
    printed.push(format!("{:?}", client.profile_by_username(&name("nobody.zz"), Priority::FirstView).await));
    for faults in [
        Faults { rate_5xx: 1.0, ..Faults::default() },
        Faults { malformed: true, ..Faults::default() },
        Faults { banned: true, ..Faults::default() },
    ] {
        sim.sim.set_faults(faults);
        tokio::time::sleep(Duration::from_millis(450)).await; // past the backoff
        let result = client.profile_by_id(910000001, Priority::FirstView).await;
        printed.push(format!("{result:?}"));
        if let Err(e) = result {
            printed.push(e.to_string());
        }
    }
    printed.push(format!("{:?}", client.health()));
    printed.push(serde_json::to_string(&client.health()).unwrap());
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("upstream call"), "the client did log: {logs}");
    printed.push(logs);

    for text in printed {
        assert!(!text.contains(token), "token printed in: {text}");
    }
}
