//! Profile history: versions and samples made by real fetches from the
//! simulator, the history page and its charts, the Atom feeds (parsed with
//! a real feed parser), the JSON API, the scheduler, retention, and gone
//! accounts.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{backdate, html, same_simulator, spawn_app_with, spawn_replica, wait_until, TestApp};
use server::config::Config;

/// The scheduler every second, and every watched person due after one.
fn busy_scheduler(config: &mut Config) {
    config.profiles.history.scheduler_every = Duration::from_secs(1);
    config.profiles.history.every = Duration::from_secs(1);
    config.profiles.history.hot_every = Duration::from_secs(1);
}

/// A scheduler that never runs: history grows only by what the test does.
fn no_scheduler(config: &mut Config) {
    config.profiles.history.scheduler_every = Duration::ZERO;
}

async fn count(app: &TestApp, table: &str, username: &str) -> i64 {
    sqlx::query_scalar(&format!(
        "select count(*) from {table} where user_id = (select user_id from profile_cache where lower(username) = lower($1))"
    ))
    .bind(username)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

fn person(app: &TestApp, n: usize) -> String {
    app.sim.sim.usernames().into_iter().filter(|u| !u.starts_with("xss")).nth(n).unwrap()
}

fn feed(body: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("not a valid feed: {e}\n{body}"))
}

fn entry_text(entry: &feed_rs::model::Entry) -> String {
    entry.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_in_the_simulator_becomes_a_version_a_feed_entry_and_a_chart_point() {
    let app = spawn_app_with(busy_scheduler).await;
    let username = person(&app, 10);
    let (status, page) = html(&app, &format!("/@{username}/history")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#"data-testid="history-no-chart""#), "one count is no chart");
    assert!(page.contains(r#"data-testid="history-no-changes""#), "one version says so");
    assert!(!page.contains("<svg"), "no empty chart is drawn");

    let before: Value = app.get(&format!("/api/v1/profiles/{username}")).await.json().await.unwrap();
    let followers = before["profile"]["num_followers"].as_u64().unwrap();
    app.sim
        .sim
        .update_person(
            &username,
            json!({"bio": "I host rooms about Korean jazz", "num_followers": followers + 1234, "name": "New Name"}),
        )
        .unwrap();
    assert!(
        wait_until(async || count(&app, "profile_versions", &username).await == 2).await,
        "the scheduler refreshed the watched person and kept the new version"
    );
    assert!(count(&app, "profile_samples", &username).await >= 2);

    let (status, page) = html(&app, &format!("/@{username}/history")).await;
    assert_eq!(status, 200);
    let points: usize = page.split(r#"data-testid="followers-chart" data-points=""#).nth(1).unwrap()[..10]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(points >= 2, "a chart point per sample");
    assert!(page.contains(&app::format::full_count(followers + 1234)), "the new count is in the table");
    assert!(page.contains(r#"aria-labelledby="followers-chart-title followers-chart-desc""#));
    assert!(page.contains(r#"data-testid="history-change""#));
    assert!(page.contains("New Name"));
    assert!(page.contains("Korean"), "the bio diff");
    assert!(page.contains("<ins"), "added words are marked");

    let res = app.get(&format!("/@{username}/feed.atom")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let body = res.text().await.unwrap();
    let parsed = feed(&body);
    assert_eq!(parsed.entries.len(), 1, "{body}");
    let entry = &parsed.entries[0];
    assert!(entry_text(entry).contains("“New Name”"), "{body}");
    assert!(entry_text(entry).contains("I host rooms about Korean jazz"));
    let again = feed(&app.get(&format!("/@{username}/feed.atom")).await.text().await.unwrap());
    assert_eq!(again.entries[0].id, entry.id, "entry ids are stable");

    let api: Value = app.get(&format!("/api/v1/profiles/{username}/history")).await.json().await.unwrap();
    assert_eq!(api["total_versions"], 2);
    assert_eq!(api["versions"][0]["changes"][0]["field"], "name", "{api}");
    assert!(api["versions"][1]["changes"].is_null(), "the first version changed nothing");
    assert_eq!(api["samples"][0]["followers"], followers + 1234);

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"history_scheduled_refreshes_total{result="refreshed"}"#), "{metrics}");
    assert!(metrics.contains("history_watched_people"));
    assert!(metrics.contains(r#"profile_versions_total{result="changed"}"#));
    app.stop().await;
}

/// Charts with 0, 1, 2 and 1,000 points: the first two say so instead of
/// drawing; the others draw every point and list the same numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_with_none_one_two_and_a_thousand_points() {
    let app = spawn_app_with(no_scheduler).await;
    let username = person(&app, 11);
    assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
    let user_id: i64 = sqlx::query_scalar("select user_id from profile_cache where lower(username) = lower($1)")
        .bind(&username)
        .fetch_one(&app.db)
        .await
        .unwrap();
    for n in [0i64, 1, 2, 1000] {
        sqlx::query("delete from profile_samples where user_id = $1").bind(user_id).execute(&app.db).await.unwrap();
        sqlx::query(
            "insert into profile_samples (user_id, sampled_at, followers, following)
             select $1, now() - make_interval(hours => g::int), 5000 + g * 3, 100 + g % 7 from generate_series(1, $2) g",
        )
        .bind(user_id)
        .bind(n)
        .execute(&app.db)
        .await
        .unwrap();
        let (status, page) = html(&app, &format!("/@{username}/history")).await;
        assert_eq!(status, 200);
        let rows = page.split(r#"data-testid="history-table""#).nth(1).map(|t| t.matches("<tr").count() - 1);
        match n {
            0 | 1 => {
                assert!(page.contains(r#"data-testid="history-no-chart""#), "{n} points");
                assert!(!page.contains("<svg"), "{n} points: no chart");
            }
            _ => {
                for chart in ["followers-chart", "following-chart"] {
                    assert!(page.contains(&format!(r#"data-testid="{chart}" data-points="{n}""#)), "{n} points");
                }
                let path = page.split(r#"<path d=""#).nth(1).unwrap().split('"').next().unwrap();
                assert_eq!(path.matches(['M', 'L']).count(), n as usize, "every point drawn");
                assert_eq!(rows, Some(n as usize), "the table has the same points");
            }
        }
    }
    let korean = app.client.get(app.url(&format!("/@{username}/history"))).header("cookie", "lang=ko").send().await;
    let page = korean.unwrap().text().await.unwrap();
    assert!(page.contains("팔로워 추이"), "the chart's words follow the language");
    assert!(page.contains("월 "), "dates in Korean");
    app.stop().await;
}

const HOSTILE: [&str; 5] = [
    "</title><script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(3)",
    "javascript:alert(5)",
    "<b>bold</b> ]]> &amp; \u{1b}\u{0}",
];

/// Hostile text in every field, as the old value and as the new: escaped
/// in the page (values, the bio diff, the title), valid in the feed and
/// read back as the same text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_escaped_in_old_values_diffs_and_feeds() {
    let app = spawn_app_with(busy_scheduler).await;
    let username = person(&app, 12);
    let hostile = |i: usize| {
        json!({
            "name": HOSTILE[i % 5], "bio": format!("{} and {}", HOSTILE[(i + 1) % 5], HOSTILE[(i + 2) % 5]),
            "twitter": HOSTILE[(i + 3) % 5], "instagram": HOSTILE[(i + 4) % 5], "photo_url": HOSTILE[3],
            // The second version joins xss.link's club and names xss.title as nominator.
            "clubs": if i == 0 { json!([]) } else { json!([920099001]) },
            "invited_by": if i == 0 { Value::Null } else { json!("xss.title") },
        })
    };
    app.sim.sim.update_person(&username, hostile(0)).unwrap();
    assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
    app.sim.sim.update_person(&username, hostile(1)).unwrap();
    assert!(wait_until(async || count(&app, "profile_versions", &username).await == 2).await);

    let (status, page) = html(&app, &format!("/@{username}/history")).await;
    assert_eq!(status, 200);
    for raw in ["<script>alert", "<img src=x", "onerror=alert(1)>", "<b>bold", "' onmouseover='"] {
        assert!(!page.contains(raw), "raw {raw:?} in the history page");
    }
    assert!(!page.to_lowercase().contains("href=\"javascript:"));
    assert!(!page.to_lowercase().contains("src=\"javascript:"));
    let title = page.split("<title>").nth(1).unwrap().split("</title>").next().unwrap();
    assert!(!title.contains('<'), "{title}");
    assert!(page.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), "old and new names show as text");
    assert!(page.contains(r#"data-testid="history-bio-diff""#));

    let body = app.get(&format!("/@{username}/feed.atom")).await.text().await.unwrap();
    for raw in ["<script>", "<img", "<b>"] {
        assert!(!body.contains(raw), "raw {raw:?} in the feed");
    }
    let parsed = feed(&body);
    let text = entry_text(&parsed.entries[0]);
    assert!(text.contains("</title><script>alert(1)</script>"), "the feed reads back as the text: {text}");
    assert!(text.contains("\"><img src=x onerror=alert(1)>"));
    assert!(text.contains("<b>Bold</b> <script>alert(11)</script> Club"), "the club joined: {text}");
    assert!(text.contains("</title><script>alert(1)</script> (@xss.title)"), "the nominator: {text}");

    let combined = app.get(&format!("/feed.atom?u={username},odessa.finch")).await.text().await.unwrap();
    feed(&combined);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_have_validators_autodiscovery_and_bounds() {
    let app = spawn_app_with(busy_scheduler).await;
    let (a, b) = (person(&app, 13), person(&app, 14));
    for u in [&a, &b] {
        let page = app.get(&format!("/@{u}")).await.text().await.unwrap();
        assert!(
            page.contains(&format!(
                r#"<link href="/@{u}/feed.atom" rel="alternate" title="Changes to @{u}" type="application/atom+xml""#
            )),
            "autodiscovery on the profile page: {:?}",
            page.split("<link").skip(1).map(|l| l.split('>').next().unwrap()).collect::<Vec<_>>()
        );
        assert!(page.contains(&format!(r#"href="/@{u}/history""#)), "the profile links its history");
    }
    app.sim.sim.update_person(&a, json!({"bio": "changed a"})).unwrap();
    app.sim.sim.update_person(&b, json!({"twitter": "changed_b"})).unwrap();
    assert!(
        wait_until(async || {
            count(&app, "profile_versions", &a).await == 2 && count(&app, "profile_versions", &b).await == 2
        })
        .await
    );

    let path = format!("/@{a}/feed.atom");
    let res = app.get(&path).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let modified = res.headers()["last-modified"].to_str().unwrap().to_owned();
    let conditional = |header: &'static str, value: String| {
        let request = app.client.get(app.url(&path)).header(header, value);
        async move { request.send().await.unwrap() }
    };
    let res = conditional("if-none-match", etag.clone()).await;
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert!(res.text().await.unwrap().is_empty());
    assert_eq!(conditional("if-modified-since", modified).await.status(), 304);
    assert_eq!(conditional("if-none-match", "\"other\"".into()).await.status(), 200);
    assert_eq!(conditional("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT".into()).await.status(), 200);
    app.sim.sim.update_person(&a, json!({"bio": "changed a again"})).unwrap();
    assert!(wait_until(async || count(&app, "profile_versions", &a).await == 3).await);
    let res = conditional("if-none-match", etag.clone()).await;
    assert_eq!(res.status(), 200, "a new change makes the old ETag stale");
    assert_ne!(res.headers()["etag"], etag.as_str());
    assert_eq!(feed(&res.text().await.unwrap()).entries.len(), 2);

    let both = feed(&app.get(&format!("/feed.atom?u={a},@{b}")).await.text().await.unwrap());
    assert_eq!(both.entries.len(), 3, "two changes of one, one of the other");
    assert!(both.entries[0].updated >= both.entries[1].updated, "newest first");
    let ko = app.get(&format!("/feed.atom?u={a},{b}&lang=ko")).await.text().await.unwrap();
    assert!(feed(&ko).entries.iter().any(|e| entry_text(e).contains("소개")), "{ko}");

    let fifty_one: Vec<String> = (0..51).map(|i| format!("someone{i}")).collect();
    for bad in [format!("/feed.atom?u={}", fifty_one.join(",")), "/feed.atom?u=".into(), "/feed.atom?u=a,<b>".into()] {
        let res = app.get(&bad).await;
        assert_eq!(res.status(), 400, "{bad}");
        assert!(!res.text().await.unwrap().contains('<'));
    }
    assert_eq!(app.get(&format!("/@{a}/feed.atom?lang=xx")).await.status(), 400);
    assert_eq!(app.get("/@nobody.here.zz/feed.atom").await.status(), 404);

    // A name no one has viewed: fetched in the background, then in the feed.
    let unseen = person(&app, 15);
    let first = feed(&app.get(&format!("/feed.atom?u={a},{unseen}")).await.text().await.unwrap());
    assert_eq!(first.entries.len(), 2, "a's two changes; nothing of the unseen person yet");
    assert!(
        wait_until(async || count(&app, "profile_versions", &unseen).await == 1).await,
        "the scheduler fetched the name the feed asked for"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_history_is_paginated() {
    let app = spawn_app_with(no_scheduler).await;
    let username = person(&app, 16);
    assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
    sqlx::query(
        "insert into profile_samples (user_id, sampled_at, followers, following)
         select user_id, now() - make_interval(hours => g), g, g from profile_cache, generate_series(1, 249) g
         where lower(username) = lower($1)",
    )
    .bind(&username)
    .execute(&app.db)
    .await
    .unwrap();
    let mut seen = 0;
    let mut next = Some(format!("/api/v1/profiles/{username}/history?per_page=100"));
    let mut pages = 0;
    while let Some(path) = next {
        let page: Value = app.get(&path).await.json().await.unwrap();
        assert_eq!(page["total_samples"], 250);
        seen += page["samples"].as_array().unwrap().len();
        next = page["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!((seen, pages), (250, 3));
    for bad in ["?page=0", "?per_page=501", "?page=x"] {
        let res = app.get(&format!("/api/v1/profiles/{username}/history{bad}")).await;
        assert_eq!(res.status(), 400, "{bad}");
    }
    assert_eq!(app.get("/api/v1/profiles/nobody.here.zz/history").await.status(), 404);
    app.stop().await;
}

/// Only watched people are refreshed, and a person no one looked at for
/// longer than the watch window is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_refreshes_watched_people_only() {
    let app = spawn_app_with(|config| {
        config.profiles.history.scheduler_every = Duration::from_secs(1);
        config.profiles.history.every = Duration::from_secs(3600);
        config.profiles.history.hot_every = Duration::from_secs(3600);
    })
    .await;
    let (watched, forgotten) = (person(&app, 17), person(&app, 18));
    for u in [&watched, &forgotten] {
        assert_eq!(app.get(&format!("/@{u}")).await.status(), 200);
    }
    sqlx::query("update profile_cache set viewed_at = now() - interval '30 days' where lower(username) = lower($1)")
        .bind(&forgotten)
        .execute(&app.db)
        .await
        .unwrap();
    let calls = app.sim.sim.calls().get_profile;
    for u in [&watched, &forgotten] {
        backdate(&app, u, 2).await;
    }
    assert!(
        wait_until(async || count(&app, "profile_samples", &watched).await == 2).await,
        "the watched person was refreshed"
    );
    // Two more rounds: neither is due now.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(count(&app, "profile_samples", &watched).await, 2, "not due again until the cadence comes round");
    assert_eq!(count(&app, "profile_samples", &forgotten).await, 1, "not watched: left alone");
    assert_eq!(app.sim.sim.calls().get_profile, calls + 1, "one call: the watched person");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("history_scheduler_rounds_total"), "{metrics}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_old_history_but_keeps_the_newest_version() {
    let app = spawn_app_with(no_scheduler).await;
    let username = person(&app, 19);
    assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
    sqlx::query(
        "insert into profile_versions (user_id, seen_at, content)
         select user_id, now() - interval '400 days', '{}'::jsonb from profile_cache where lower(username) = lower($1);
         ",
    )
    .bind(&username)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into profile_samples (user_id, sampled_at, followers, following)
         select user_id, now() - interval '400 days', 1, 1 from profile_cache where lower(username) = lower($1)",
    )
    .bind(&username)
    .execute(&app.db)
    .await
    .unwrap();
    // Someone whose only version is old keeps it.
    sqlx::query(
        "insert into profile_versions (user_id, seen_at, content) values (42, now() - interval '500 days', '{}')",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (versions, samples) =
        services::history::store::prune(&app.db, Duration::from_secs(365 * 86_400)).await.unwrap();
    assert_eq!((versions, samples), (1, 1));
    assert_eq!(count(&app, "profile_versions", &username).await, 1);
    assert_eq!(count(&app, "profile_samples", &username).await, 1);
    let kept: i64 = sqlx::query_scalar("select count(*) from profile_versions where user_id = 42")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gone_account_has_no_history() {
    let app = spawn_app_with(no_scheduler).await;
    let username = person(&app, 20);
    assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
    assert_eq!(count(&app, "profile_versions", &username).await, 1);
    let user_id: i64 = sqlx::query_scalar("select user_id from profile_cache where lower(username) = lower($1)")
        .bind(&username)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(app.sim.sim.delete_person(&username));
    backdate(&app, &username, 3).await;
    let _ = app.get(&format!("/@{username}")).await;
    assert!(
        wait_until(async || app.get(&format!("/@{username}/history")).await.status() == 404).await,
        "the refresh found the account gone"
    );
    let left: (i64, i64) = sqlx::query_as(
        "select (select count(*) from profile_versions where user_id = $1), (select count(*) from profile_samples where user_id = $1)",
    )
    .bind(user_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(left, (0, 0), "history is wiped with the account");
    assert_eq!(app.get(&format!("/@{username}/feed.atom")).await.status(), 404);
    assert_eq!(app.get(&format!("/api/v1/profiles/{username}/history")).await.status(), 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_addresses_are_canonical() {
    let app = spawn_app_with(no_scheduler).await;
    let res = app.get("/@Odessa.Finch/history").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/@odessa.finch/history");
    let res = app.get("/@%20odessa.finch/history").await;
    assert_eq!(res.status(), 301);
    assert_eq!(app.get("/odessa.finch/history").await.status(), 404);
    assert_eq!(app.get("/@no..such/history").await.status(), 404);
    app.stop().await;
}

/// Two replicas run the scheduler on one database: a person due is
/// refreshed once, by whichever takes the fetch lock first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_refresh_a_due_person_once() {
    let hourly = |config: &mut Config| {
        config.profiles.history.scheduler_every = Duration::from_secs(1);
        config.profiles.history.every = Duration::from_secs(3600);
        config.profiles.history.hot_every = Duration::from_secs(3600);
    };
    let first = spawn_app_with(hourly).await;
    let second = spawn_replica(&first.db_name, same_simulator(&first.sim), hourly).await;
    let username = person(&first, 21);
    assert_eq!(first.get(&format!("/@{username}")).await.status(), 200);
    let calls = first.sim.sim.calls().get_profile;
    backdate(&first, &username, 2).await;
    assert!(wait_until(async || count(&first, "profile_samples", &username).await == 2).await);
    // Both replicas have had two more rounds since.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(first.sim.sim.calls().get_profile, calls + 1, "one refresh for both replicas");
    assert_eq!(count(&first, "profile_samples", &username).await, 2);
    second.stop().await;
    first.stop().await;
}

/// Thirty changes a page, newest first, with links between the pages; the
/// bio diff keeps the words around a change, not the whole bio.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_hold_thirty_changes_each() {
    let app = spawn_app_with(no_scheduler).await;
    let username = person(&app, 22);
    assert_eq!(app.get(&format!("/@{username}")).await.status(), 200);
    let long_bio: String = (0..60).map(|i| format!("word{i} ")).collect();
    sqlx::query(
        "insert into profile_versions (user_id, seen_at, content)
         select user_id, now() - make_interval(mins => 100 - g), jsonb_build_object('username', username, 'bio', $2 || g)
         from profile_cache, generate_series(1, 70) g where lower(username) = lower($1)",
    )
    .bind(&username)
    .bind(&long_bio)
    .execute(&app.db)
    .await
    .unwrap();
    let path = format!("/@{username}/history");
    let (status, first) = html(&app, &path).await;
    assert_eq!(status, 200);
    assert_eq!(first.matches(r#"data-testid="history-change""#).count(), 30);
    assert!(first.contains(&format!(r#"href="{path}?page=2" rel="next""#)));
    assert!(!first.contains(r#"data-testid="history-newer""#));
    assert!(first.contains("word59"), "the words before the change");
    // The newest change replaced the whole bio; the others changed its last word.
    let diffs: Vec<&str> = first.split(r#"data-testid="history-bio-diff""#).skip(1).collect();
    assert_eq!(diffs.len(), 30);
    assert_eq!(diffs.iter().filter(|d| d.split("</p>").next().unwrap().contains("word3 ")).count(), 1);
    let (_, third) = html(&app, &format!("{path}?page=3")).await;
    // 71 versions: 70 changes, the last of them on page 3 (the first version changed nothing).
    assert_eq!(third.matches(r#"data-testid="history-change""#).count(), 10);
    assert!(third.contains(&format!(r#"href="{path}?page=2" rel="prev""#)));
    assert!(!third.contains(r#"data-testid="history-older""#));
    for bad in ["?page=0", "?page=x", "?page=-1"] {
        assert_eq!(app.get(&format!("{path}{bad}")).await.status(), 404, "{bad}");
    }
    app.stop().await;
}
