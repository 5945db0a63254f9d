//! `/metrics`, alone in its test binary: the metrics recorder is global to
//! the process, so no other test's requests can move these counters.

mod common;

use common::{link_token, spawn_app_with, wait_until, MailServer};

fn metric(text: &str, series: &str) -> f64 {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happens_and_hold_no_secrets() {
    const TOKEN: &str = "sim-token-6b1f0e2d-do-not-print";
    const DB_PASSWORD: &str = "db-pw-39c1e8-do-not-print";
    let sim = simulator::spawn(
        simulator::SimConfig { token: TOKEN.into(), people: 300, ..simulator::SimConfig::default() },
        0,
    )
    .await
    .unwrap();
    let sim_url = sim.base_url.clone();
    let app = spawn_app_with(move |c| {
        c.upstream.base_url = format!("{sim_url}/api");
        c.upstream.accounts[0].token = secrecy::SecretString::from(TOKEN);
        // The test cluster trusts local connections, so any password works.
        c.database.url =
            c.database.url.replacen("postgres://postgres@", &format!("postgres://postgres:{DB_PASSWORD}@"), 1);
    })
    .await;
    let before = app.get("/metrics").await.text().await.unwrap();

    assert_eq!(app.get("/@odessa.finch").await.status(), 200);
    // Rendered again (and kept), then replayed; in Korean it is rendered
    // again, from the profile kept in memory.
    assert_eq!(app.get("/@odessa.finch").await.status(), 200);
    assert_eq!(app.get("/@odessa.finch").await.status(), 200);
    let ko = app.client.get(app.url("/@odessa.finch")).header("accept-language", "ko").send().await.unwrap();
    assert_eq!(ko.status(), 200);
    let signup = [("email", "metrics@example.com"), ("consent", "yes")];
    let res = app
        .client
        .post(app.url("/api/waitlist/join"))
        .header("origin", &app.base_url)
        .form(&signup)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bad = [("email", "not-an-address"), ("consent", "yes")];
    app.client.post(app.url("/api/waitlist/join")).header("origin", &app.base_url).form(&bad).send().await.unwrap();

    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let after = res.text().await.unwrap();
    let grew = |series: &str| metric(&after, series) - metric(&before, series);
    assert!(grew(r#"http_requests_total{route="/{handle}",method="GET",status="200"}"#) >= 2.0, "{after}");
    assert!(grew(r#"profile_cache_lookups_total{outcome="miss"}"#) >= 1.0);
    assert!(grew(r#"profile_cache_lookups_total{outcome="memory"}"#) >= 1.0);
    assert!(grew("profile_page_replays_total") >= 1.0, "{after}");
    assert!(grew(r#"profile_fetches_total{result="stored"}"#) >= 1.0);
    assert!(grew(r#"upstream_requests_total{endpoint="get_profile",result="ok"}"#) >= 1.0, "{after}");
    assert!(grew(r#"waitlist_signups_total{result="accepted"}"#) >= 1.0);
    assert!(grew(r#"waitlist_signups_total{result="invalid"}"#) >= 1.0);
    assert!(after.contains("http_request_duration_seconds_bucket{"));
    assert!(after.contains("upstream_request_duration_seconds_bucket{"));
    assert!(after.contains("upstream_limiter_wait_seconds_bucket"));
    assert!(after.contains(r#"db_pool_connections{state="idle"}"#));
    assert!(!after.contains(TOKEN) && !after.contains(DB_PASSWORD), "no secrets in /metrics");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waitlist_mails_are_counted_by_outcome() {
    let (smtp_port, web_port) = (common::free_port(), common::free_port());
    let app = spawn_app_with(move |c| {
        c.mail.smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
        c.waitlist.mails_per_address_per_day = 1;
    })
    .await;
    let scrape = async || app.get("/metrics").await.text().await.unwrap();
    let before = scrape().await;
    let join = async |email: &str| {
        let form = [("email", email), ("consent", "yes")];
        let res = app.client.post(app.url("/api/waitlist/join")).header("origin", &app.base_url).form(&form);
        assert_eq!(res.send().await.unwrap().status(), 200);
    };
    // The SMTP server is down: the mail is retried, and the second signup
    // for the address is past its limit.
    join("counted@example.com").await;
    join("counted@example.com").await;
    let retried = wait_until(async || {
        let now = scrape().await;
        metric(&now, r#"waitlist_mails_total{outcome="retried"}"#)
            > metric(&before, r#"waitlist_mails_total{outcome="retried"}"#)
            && metric(&now, "waitlist_mail_outbox_pending") >= 1.0
    })
    .await;
    assert!(retried, "a failed send is counted as retried, and the mail as pending");
    let now = scrape().await;
    let grew = |after: &str, series: &str| metric(after, series) - metric(&before, series);
    assert_eq!(grew(&now, r#"waitlist_mails_total{outcome="suppressed"}"#), 1.0);

    // It comes back: the mail is sent; its link confirms.
    let mail = MailServer::start_on(smtp_port, web_port).await;
    let sent = mail.wait_for("counted@example.com", 1).await;
    let token = link_token(&sent[0], "/waitlist/confirm").unwrap();
    let form = [("token", token)];
    let res = app.client.post(app.url("/api/waitlist/confirm")).header("origin", &app.base_url).form(&form);
    assert_eq!(res.send().await.unwrap().status(), 200);
    let counted = wait_until(async || grew(&scrape().await, r#"waitlist_mails_total{outcome="sent"}"#) == 1.0).await;
    assert!(counted);
    let after = scrape().await;
    assert_eq!(grew(&after, r#"waitlist_links_total{outcome="confirmed"}"#), 1.0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_token_keeps_metrics_private() {
    let app = spawn_app_with(|c| c.metrics_token = Some(secrecy::SecretString::from("scrape-me"))).await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let wrong = app.client.get(app.url("/metrics")).bearer_auth("scrape-mf").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app.client.get(app.url("/metrics")).bearer_auth("scrape-me").send().await.unwrap();
    assert_eq!(right.status(), 200);
    app.stop().await;
}

/// A stale profile is served at once and refreshed in the background; the
/// refresh's outcome is counted on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_refreshes_are_counted_by_outcome() {
    let app = spawn_app_with(|c| {
        // Every stored copy is stale at once, and nothing is kept in memory.
        c.profiles.fresh_for = std::time::Duration::ZERO;
        c.profiles.memory_for = std::time::Duration::ZERO;
    })
    .await;
    let series = r#"profile_refreshes_total{result="refreshed"}"#;
    let before = metric(&app.get("/metrics").await.text().await.unwrap(), series);
    let name = app.sim.sim.usernames().into_iter().next().unwrap();
    assert_eq!(app.get(&format!("/@{name}")).await.status(), 200, "a miss: fetched and stored");
    assert_eq!(app.get(&format!("/@{name}")).await.status(), 200, "stale: served, refreshed behind");
    let mut refreshed = 0.0;
    for _ in 0..100 {
        refreshed = metric(&app.get("/metrics").await.text().await.unwrap(), series) - before;
        if refreshed >= 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refreshed >= 1.0, "the background refresh was counted");
    app.stop().await;
}

/// Every family has HELP and TYPE, `promtool check metrics` (Prometheus's
/// own linter) finds nothing, and series with a known label set are there
/// before anything happened, at zero, so alerts on them can be written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_pass_promtool_and_known_series_start_at_zero() {
    let app = common::spawn_app().await;
    let text = app.get("/metrics").await.text().await.unwrap();

    let promtool = std::env::var("PROMTOOL").unwrap_or_else(|_| "promtool".into());
    let mut lint = std::process::Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{promtool} (Debian package prometheus; scripts/setup.sh installs it): {e}"));
    use std::io::Write;
    lint.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = lint.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let typed: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
    assert!(typed.len() >= 30, "{text}");
    for family in &typed {
        assert!(text.contains(&format!("# HELP {family} ")), "no HELP for {family}");
    }
    // No test here signs up into the honeypot or asks an unknown link's
    // account to be set aside, so these stay at zero for the whole binary.
    for series in [
        r#"waitlist_signups_total{result="honeypot"} 0"#,
        r#"waitlist_mails_total{outcome="failed"} 0"#,
        r#"share_cards_total{result="timed_out"} 0"#,
        r#"upstream_limiter_denials_total{reason="unauthorized"} 0"#,
        r#"upstream_requests_total{endpoint="get_profile",result="unauthorized"} 0"#,
        "waitlist_expired_total 0",
    ] {
        assert!(text.lines().any(|l| l == series), "{series} missing:\n{text}");
    }
    for family in [
        "waitlist_mail_outbox_pending",
        "history_watched_people",
        "upstream_account_state",
        "upstream_account_calls_total",
    ] {
        assert!(typed.contains(&family), "{family} missing:\n{text}");
    }
}
