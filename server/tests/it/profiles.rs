//! Profile pages, the cache policy, search, the JSON API and the image proxy,
//! against the real server, PostgreSQL and the simulator.

use std::time::Duration;

use crate::common::{backdate, backdate_quietly, html, spawn_app, spawn_app_with, wait_until, TestApp};
use futures::future::join_all;
use simulator::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_page_shows_everything() {
    let app = spawn_app().await;
    let (status, page) = html(&app, "/@odessa.finch").await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "Odessa Finch",
        "@odessa.finch",
        "Lighthouse historian &amp; amateur cartographer",
        "1.3K",
        "followers",
        "311",
        "Joined February 2021",
        r#"href="/@twren""#,
        "Tobias Wren",
        "Lighthouse Keepers Society",
        "57 members",
        r#"href="https://twitter.com/ofinch_demo""#,
        r#"href="https://www.instagram.com/odessa.finch.demo/""#,
        r#"href="https://www.clubhouse.com/@odessa.finch""#,
        "Updated just now",
        "<title>Odessa Finch (@odessa.finch) · Clubhouse</title>",
        r#"<link href="http://localhost:3000/@odessa.finch" rel="canonical">"#,
        r#"<meta property="og:type" content="profile""#,
        r#"<meta name="twitter:card" content="summary_large_image""#,
        r#"<meta property="og:image" content="http://localhost:3000/@odessa.finch/card.png?v="#,
    ] {
        assert!(page.contains(expected), "missing {expected:?}");
    }
    // Avatars go through our proxy, never straight to the upstream host.
    assert!(!page.contains(&format!(r#"src="{}"#, app.sim.base_url)), "hot-linked image");
    assert!(page.contains(r#"src="/img?src="#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn korean_visitors_get_korean_counts_and_dates() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/@odessa.finch")).header("accept-language", "ko").send().await.unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<html lang="ko""#));
    assert!(page.contains("1.3천"), "{page}");
    assert!(page.contains("2021년 2월"));
    assert!(page.contains(r#"content="ko_KR""#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn japanese_is_a_language_like_the_others() {
    let app = spawn_app().await;
    let res =
        app.client.get(app.url("/@odessa.finch")).header("accept-language", "ja-JP,ja;q=0.9").send().await.unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<html lang="ja""#), "{page}");
    // 1,284 followers: Japanese writes thousands in full; the month it joined.
    assert!(page.contains("1,284"), "{page}");
    assert!(page.contains("2021年2月"), "{page}");
    assert!(page.contains(r#"<meta property="og:locale" content="ja_JP""#), "{page}");
    assert!(page.contains(r#"<meta property="og:locale:alternate" content="ko_KR""#), "{page}");
    assert!(page.contains("Clubhouse で開く"), "{page}");
    // Every page names itself in every language, and the default.
    let alternate = |page: &str, code: &str| {
        let tag = page
            .split("<link ")
            .skip(1)
            .map(|rest| &rest[..rest.find('>').unwrap()])
            .find(|tag| tag.contains(r#"rel="alternate""#) && tag.contains(&format!(r#"hreflang="{code}""#)))
            .unwrap_or_else(|| panic!("no {code} alternate in {page}"));
        let href = &tag[tag.find(r#"href=""#).unwrap() + 6..];
        href[..href.find('"').unwrap()].to_owned()
    };
    for (code, query) in [("en", "?lang=en"), ("ko", "?lang=ko"), ("ja", "?lang=ja"), ("x-default", "")] {
        let href = alternate(&page, code);
        assert!(href.starts_with("http") && href.ends_with(&format!("/@odessa.finch{query}")), "{code}: {href}");
    }
    // The search keeps its query in the alternates, and counts in Japanese.
    let (_, page) = html(&app, "/search?q=odessa&lang=ja").await;
    assert!(alternate(&page, "ko").ends_with("/search?q=odessa&amp;lang=ko"), "{page}");
    assert!(page.contains("人が見つかりました"), "{page}");
    // The switcher offers it, and the cookie keeps it.
    assert!(page.contains(r#"data-testid="lang-ja""#) && page.contains("日本語"));
    let kept = app.client.get(app.url("/about")).header("cookie", "lang=ja").send().await.unwrap();
    let about = kept.text().await.unwrap();
    assert!(about.contains(r#"<html lang="ja""#) && about.contains("inssa について"), "{about}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_hit_makes_no_upstream_call() {
    let app = spawn_app().await;
    assert_eq!(html(&app, "/@odessa.finch").await.0, 200);
    app.sim.sim.reset_calls();
    assert_eq!(html(&app, "/@odessa.finch").await.0, 200);
    assert_eq!(html(&app, "/@ODESSA.finch").await.0, 301);
    assert_eq!(app.get("/api/v1/profiles/odessa.finch").await.status(), 200);
    assert_eq!(app.sim.sim.calls().total, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_first_requests_make_one_upstream_call() {
    let app = spawn_app_with(|c| c.upstream.limiter.max_wait = Duration::from_secs(10)).await;
    app.sim.sim.set_faults(Faults { latency_ms: 300, ..Faults::default() });
    app.sim.sim.reset_calls();
    let requests = (0..100).map(|_| app.client.get(app.url("/@twren")).send());
    let statuses: Vec<u16> = join_all(requests).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let calls = app.sim.sim.calls();
    assert_eq!((calls.get_profile, calls.search_users), (1, 0), "{calls:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_sharing_the_database_fetch_once() {
    let first = spawn_app().await;
    let db_name = first.db_name.clone();
    let sim_url = first.sim.base_url.clone();
    // A second server on the same database and the same simulator.
    let second = spawn_app_with(move |c| {
        c.database.url = crate::common::database_url_for(&db_name);
        c.upstream.base_url = format!("{sim_url}/api");
    })
    .await;
    first.sim.sim.set_faults(Faults { latency_ms: 300, ..Faults::default() });
    first.sim.sim.reset_calls();
    let requests = (0..40).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        app.client.get(app.url("/@bram.oy")).send()
    });
    let statuses: Vec<u16> = join_all(requests).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(first.sim.sim.calls().get_profile, 1);
    second.stop().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_profile_is_served_at_once_and_refreshed_once() {
    // The in-memory tier would hide the backdated row for a few seconds.
    let app = spawn_app_with(|c| c.profiles.memory_for = Duration::ZERO).await;
    assert_eq!(html(&app, "/@odessa.finch").await.0, 200);
    backdate(&app, "odessa.finch", 3).await;
    // Far slower than 20 renders on a busy machine, well inside the
    // upstream timeout: the pages must come back before Clubhouse does.
    app.sim.sim.set_faults(Faults { latency_ms: 2500, ..Faults::default() });
    app.sim.sim.reset_calls();

    let started = std::time::Instant::now();
    let pages = join_all((0..20).map(|_| html(&app, "/@odessa.finch"))).await;
    assert!(started.elapsed() < Duration::from_millis(2000), "stale pages do not wait for the upstream");
    for (status, page) in &pages {
        assert_eq!(*status, 200);
        assert!(page.contains(r#"data-freshness="stale""#));
        assert!(page.contains("Updated 3 hours ago"), "the age is shown");
    }
    let refreshed = wait_until(async || {
        sqlx::query_scalar::<_, bool>(
            "select fetched_at > now() - interval '1 minute' from profile_cache where username = 'odessa.finch'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap()
    })
    .await;
    assert!(refreshed, "the background refresh stored a fresh copy");
    assert_eq!(app.sim.sim.calls().get_profile, 1, "refreshed exactly once");
    let (_, page) = html(&app, "/@odessa.finch").await;
    assert!(page.contains(r#"data-freshness="fresh""#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_upstream_down_cached_profiles_answer_and_others_get_503() {
    let app = spawn_app_with(|c| c.profiles.memory_for = Duration::ZERO).await;
    assert_eq!(html(&app, "/@odessa.finch").await.0, 200);
    backdate(&app, "odessa.finch", 5).await;
    app.sim.sim.set_faults(Faults { down: true, ..Faults::default() });

    let (status, page) = html(&app, "/@odessa.finch").await;
    assert_eq!(status, 200);
    assert!(page.contains("Updated 5 hours ago"));
    // Once the background refresh has failed, the page says so.
    let failing = wait_until(async || html(&app, "/@odessa.finch").await.1.contains("stale_upstream_failing")).await;
    assert!(failing, "stale-if-error is shown");
    let (_, page) = html(&app, "/@odessa.finch").await;
    assert!(page.contains("Clubhouse is not answering right now"));

    let res = app.get("/@twren").await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("retry-after").is_some());
    let page = res.text().await.unwrap();
    assert!(page.contains("Clubhouse is not answering"), "{page}");
    assert!(!page.contains("HTTP 503") && !page.contains("upstream"), "no internals: {page}");

    // Recovery without a restart.
    app.sim.sim.set_faults(Faults::default());
    let recovered = wait_until(async || app.get("/@twren").await.status() == 200).await;
    assert!(recovered);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_person_is_404_and_remembered() {
    let app = spawn_app().await;
    let (status, page) = html(&app, "/@nobody.here.zz").await;
    assert_eq!(status, 404);
    assert!(page.contains("No such Clubhouse user"));
    app.sim.sim.reset_calls();
    assert_eq!(html(&app, "/@nobody.here.zz").await.0, 404);
    assert_eq!(html(&app, "/@Nobody.Here.ZZ").await.0, 404);
    assert_eq!(app.sim.sim.calls().total, 0, "the miss is remembered");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impossible_usernames_are_404_without_an_upstream_call() {
    let app = spawn_app().await;
    app.sim.sim.reset_calls();
    let long = format!("/@{}", "a".repeat(31));
    for path in ["/@bad%20name", "/@%3Cscript%3E", "/@", long.as_str(), "/@%ED%95%9C"] {
        let (status, _) = html(&app, path).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(app.get("/api/v1/profiles/bad%20name").await.status(), 404);
    assert_eq!(app.sim.sim.calls().total, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_addresses_and_other_spellings_redirect_permanently() {
    let app = spawn_app().await;
    let res = app.get("/odessa.finch").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/@odessa.finch");
    let res = app.get("/@Odessa.Finch").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/@odessa.finch");
    // Root files are not usernames.
    assert_eq!(app.get("/favicon.ico").await.status(), 200);
    assert_eq!(app.get("/robots.txt").await.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_upstream_text_is_escaped_everywhere() {
    let app = spawn_app().await;
    for user in ["xss.title", "xss.attr", "xss.link"] {
        let (status, page) = html(&app, &format!("/@{user}")).await;
        assert_eq!(status, 200, "{user}");
        for raw in ["<script>alert", "<img src=x", "<svg onload", "onerror=alert(1)>", "<b>"] {
            assert!(!page.contains(raw), "{user}: raw {raw:?} in page");
        }
        assert!(!page.to_lowercase().contains("href=\"javascript:"), "{user}: javascript: link");
        assert!(!page.to_lowercase().contains("src=\"javascript:"), "{user}: javascript: src");
        let title = page.split("<title>").nth(1).unwrap().split("</title>").next().unwrap();
        assert!(!title.contains('<'), "{user}: title {title:?}");
        for meta in page.split("<meta ").skip(1) {
            let tag = meta.split('>').next().unwrap();
            assert!(!tag.contains('<'), "{user}: meta {tag:?}");
            assert_eq!(tag.matches('"').count() % 2, 0, "{user}: meta {tag:?}");
        }
    }
    let (_, page) = html(&app, "/@xss.title").await;
    assert!(page.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), "the name shows as text");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_merges_upstream_and_cache_and_survives_an_outage() {
    let app = spawn_app().await;
    let (status, page) = html(&app, "/search?q=odessa").await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"href="/@odessa.finch""#), "{page}");
    assert!(page.contains(r#"href="/@odessamk""#));
    assert!(!page.contains("search-cache-only"));

    assert_eq!(html(&app, "/@odessa.finch").await.0, 200); // now cached
    app.sim.sim.set_faults(Faults { down: true, ..Faults::default() });
    let (status, page) = html(&app, "/search?q=Finch").await;
    assert_eq!(status, 200);
    assert!(page.contains("search-cache-only"), "says it answers from the cache");
    assert!(page.contains(r#"href="/@odessa.finch""#), "cached match by name");

    // `%` is a LIKE wildcard: searched for as text, it matches nobody.
    let (status, page) = html(&app, "/search?q=%25").await;
    assert_eq!(status, 200);
    assert!(page.contains("no-results") && !page.contains("person-list"), "{page}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_lists_recently_viewed_profiles() {
    let app = spawn_app().await;
    let (_, page) = html(&app, "/").await;
    assert!(!page.contains("recently-viewed"));
    html(&app, "/@odessa.finch").await;
    html(&app, "/@twren").await;
    let (_, page) = html(&app, "/").await;
    assert!(page.contains("recently-viewed"));
    assert!(page.contains(r#"href="/@odessa.finch""#) && page.contains(r#"href="/@twren""#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_serves_profiles_with_etags() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/profiles/Odessa.Finch").await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("public, max-age="));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["profile"]["username"], "odessa.finch");
    assert_eq!(body["freshness"], "fresh");
    assert!(body["profile"].get("follows_me").is_none());

    let res =
        app.client.get(app.url("/api/v1/profiles/odessa.finch")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(app.get("/api/v1/profiles/nobody.here.zz").await.status(), 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_proxy_fetches_allowed_images_only() {
    let app = spawn_app().await;
    let page = html(&app, "/@odessa.finch").await.1;
    let src = page.split(r#"src="/img?src="#).nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let res = app.get(&format!("/img?src={src}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG"));

    for bad in [
        "https%3A%2F%2Fevil.example%2Fa.png",
        "javascript%3Aalert(1)",
        "file%3A%2F%2F%2Fetc%2Fpasswd",
        "http%3A%2F%2F127.0.0.1%3A1%2Fx",
    ] {
        assert_eq!(app.get(&format!("/img?src={bad}")).await.status(), 400, "{bad}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_username_change_moves_the_row() {
    use services::profiles::ProfileStore;
    let app = spawn_app().await;
    let store = ProfileStore { db: app.db.clone() };
    let profile = |id: u64, username: &str| {
        let raw = serde_json::json!({ "user_id": id, "username": username, "name": "N" });
        (serde_json::from_value::<domain::model::Profile>(raw.clone()).unwrap(), raw)
    };
    let (p, raw) = profile(1, "old.name");
    store.store(&p, &raw).await.unwrap();
    let (p, raw) = profile(1, "new.name");
    store.store(&p, &raw).await.unwrap();
    assert!(store.by_username("old.name").await.unwrap().is_none());
    assert_eq!(store.by_username("new.name").await.unwrap().unwrap().profile.user_id, 1);
    // Someone else takes the old name, then the new one.
    let (p, raw) = profile(2, "new.name");
    store.store(&p, &raw).await.unwrap();
    assert_eq!(store.by_username("new.name").await.unwrap().unwrap().profile.user_id, 2);
    let rows: i64 = sqlx::query_scalar("select count(*) from profile_cache").fetch_one(&app.db).await.unwrap();
    assert_eq!(rows, 1);
    app.stop().await;
}

/// Each fetch holds one pooled connection for its lock while it waits for
/// Clubhouse; many concurrent misses must not starve the pool (they once
/// did: every fetch held its lock and waited for a second connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_misses_do_not_starve_a_small_pool() {
    let app = spawn_app_with(|c| c.database.max_connections = 4).await;
    app.sim.sim.set_faults(Faults { latency_ms: 100, ..Faults::default() });
    let people: Vec<String> =
        app.sim.sim.usernames().into_iter().filter(|u| !u.starts_with("xss")).skip(20).take(40).collect();
    let requests = people.iter().map(|u| app.client.get(app.url(&format!("/@{u}"))).send());
    let statuses: Vec<u16> = join_all(requests).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(app.get("/readyz").await.status(), 200);
    let cached: i64 = sqlx::query_scalar("select count(*) from profile_cache").fetch_one(&app.db).await.unwrap();
    assert_eq!(cached, 40);
    app.stop().await;
}

/// Hot profiles are answered from the replica's memory for
/// `PROFILE_MEMORY_SECS`, without reading Postgres; after that the row rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_profiles_are_served_from_memory_for_the_window() {
    let app = spawn_app_with(|c| c.profiles.memory_for = Duration::from_secs(1)).await;
    assert_eq!(html(&app, "/@odessa.finch").await.0, 200);
    // Changed behind the replica's back: it cannot know.
    backdate_quietly(&app, "odessa.finch", 3).await;
    app.sim.sim.set_faults(Faults { latency_ms: 300, ..Faults::default() });
    let ko = |app: &TestApp| app.client.get(app.url("/@odessa.finch")).header("accept-language", "ko").send();
    let page = ko(&app).await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"data-freshness="fresh""#), "from memory (a page not kept before)");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let page = ko(&app).await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"data-freshness="stale""#), "from the database once the memory copy expired");
    app.stop().await;
}

/// Replicas hear of each other's writes (Postgres LISTEN/NOTIFY): a profile
/// kept in memory, and its replayed page, are dropped as soon as another
/// replica or an operator stores another copy, long before their window
/// ends; a replica holding exactly the copy it wrote keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_stored_anywhere_reaches_every_replica_memory() {
    let first = spawn_app_with(|c| c.profiles.memory_for = Duration::from_secs(600)).await;
    let db_url = crate::common::database_url_for(&first.db_name);
    let second = spawn_app_with(move |c| {
        c.database.url = db_url;
        c.profiles.memory_for = Duration::from_secs(600);
    })
    .await;
    assert_eq!(html(&first, "/@odessa.finch").await.0, 200, "fetched and stored by the first replica");
    for app in [&first, &second] {
        let page = app.get("/@odessa.finch").await;
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains(r#"data-freshness="fresh""#));
    }
    // Its second render is kept, and replayed from then on.
    assert!(second.get("/@odessa.finch").await.headers().get(server::http::CACHE_STATUS_HEADER).is_none());
    let kept = second.get("/@odessa.finch").await;
    assert_eq!(kept.headers()[server::http::CACHE_STATUS_HEADER], "hit", "the second replica replays it");
    // The first replica wrote that copy and heard its own write: still in memory.
    assert_eq!(first.get("/@odessa.finch").await.headers()[server::http::CACHE_STATUS_HEADER], "hit");

    // Another copy is stored (here by an operator's update): every replica
    // drops what it kept, within moments rather than ten minutes.
    sqlx::query(
        "update profile_cache set profile = jsonb_set(profile, '{name}', '\"Odessa Renamed\"'),
         name = 'Odessa Renamed', fetched_at = now() where username = 'odessa.finch'",
    )
    .execute(&first.db)
    .await
    .unwrap();
    let renamed = |body: &str| body.contains("Odessa Renamed");
    for app in [&first, &second] {
        assert!(wait_until(async || renamed(&html(app, "/@odessa.finch").await.1)).await);
    }
    second.stop().await;
    first.stop().await;
}

/// A page kept under a username with capitals (its canonical spelling) is
/// found and dropped too when its profile changes: pages are kept by the
/// lower-cased name, and the notification carries that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_page_of_a_capitalised_username_is_dropped_when_it_changes() {
    let app = spawn_app_with(|c| c.profiles.memory_for = Duration::from_secs(600)).await;
    assert_eq!(html(&app, "/@odessa.finch").await.0, 200);
    let store = |name: &'static str| {
        sqlx::query(
            "update profile_cache set username = 'Odessa.Finch', name = $1,
             profile = jsonb_set(jsonb_set(profile, '{username}', '\"Odessa.Finch\"'), '{name}', to_jsonb($1::text)),
             fetched_at = now() where lower(username) = 'odessa.finch'",
        )
        .bind(name)
        .execute(&app.db)
    };
    store("Odessa Capital").await.unwrap();
    let capital = |body: &str| body.contains("Odessa Capital");
    assert!(wait_until(async || capital(&html(&app, "/@Odessa.Finch").await.1)).await);
    // Rendered twice, then replayed.
    let _ = app.get("/@Odessa.Finch").await;
    assert_eq!(app.get("/@Odessa.Finch").await.headers()[server::http::CACHE_STATUS_HEADER], "hit");
    assert_eq!(app.get("/@odessa.finch").await.status(), 301, "another spelling still redirects");

    store("Odessa Changed").await.unwrap();
    let changed = |body: &str| body.contains("Odessa Changed");
    assert!(wait_until(async || changed(&html(&app, "/@Odessa.Finch").await.1)).await);
    app.stop().await;
}

/// A kept page never outlives its profile's freshness, even when the replay
/// window is longer: once the profile is stale the page is rendered again,
/// and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_is_not_replayed_once_its_profile_is_stale() {
    let app = spawn_app_with(|c| {
        c.profiles.memory_for = Duration::from_secs(60);
        c.profiles.fresh_for = Duration::from_secs(3);
    })
    .await;
    for _ in 0..2 {
        assert!(app.get("/@odessa.finch").await.headers().get(server::http::CACHE_STATUS_HEADER).is_none());
    }
    assert_eq!(app.get("/@odessa.finch").await.headers()[server::http::CACHE_STATUS_HEADER], "hit");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let later = app.get("/@odessa.finch").await;
    assert!(later.headers().get(server::http::CACHE_STATUS_HEADER).is_none(), "rendered again");
    assert!(later.text().await.unwrap().contains(r#"data-freshness="stale""#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_page_is_replayed_for_a_few_seconds_with_a_new_nonce() {
    let app = spawn_app_with(|c| c.profiles.memory_for = Duration::from_secs(2)).await;
    let once = app.get("/@odessa.finch").await;
    assert!(once.headers().get(server::http::CACHE_STATUS_HEADER).is_none(), "rendered");
    assert!(once.headers().get("x-inssa-replayable").is_none(), "the internal mark never leaves");
    // A page rendered once is not kept (most profiles are opened once); the
    // second render is.
    let first = app.get("/@odessa.finch").await;
    assert!(first.headers().get(server::http::CACHE_STATUS_HEADER).is_none(), "rendered again, and kept");
    let first_policy = first.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let first_page = first.text().await.unwrap();
    app.sim.sim.reset_calls();

    let again = app.get("/@odessa.finch").await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()[server::http::CACHE_STATUS_HEADER], "hit");
    let policy = again.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let page = again.text().await.unwrap();
    let nonce_of = |policy: &str| policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    let (old, new) = (nonce_of(&first_policy), nonce_of(&policy));
    assert_ne!(old, new, "a fresh nonce per response");
    assert!(page.contains(&format!("nonce=\"{new}\"")) && !page.contains(&old));
    assert_eq!(page.replace(&new, &old), first_page, "the same page otherwise");
    assert_eq!(app.sim.sim.calls().total, 0);

    // Per language: a Korean visitor gets a Korean page, not the kept one.
    let ko = app.client.get(app.url("/@odessa.finch")).header("accept-language", "ko").send().await.unwrap();
    assert!(ko.headers().get(server::http::CACHE_STATUS_HEADER).is_none());
    assert!(ko.text().await.unwrap().contains("lang=\"ko\""));

    let head = app.client.head(app.url("/@odessa.finch")).send().await.unwrap();
    assert!(head.headers().get("x-inssa-replayable").is_none(), "nor on HEAD");

    // Only for the window: then rendered again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = app.get("/@odessa.finch").await;
    assert!(later.headers().get(server::http::CACHE_STATUS_HEADER).is_none());

    // Outage and not-found pages are never kept.
    for _ in 0..2 {
        let missing = app.get("/@nobody.here.zz").await;
        assert_eq!(missing.status(), 404);
        assert!(missing.headers().get(server::http::CACHE_STATUS_HEADER).is_none());
    }
    app.stop().await;
}

/// The cache's store, on its own: a username goes with whoever holds it now
/// (case-insensitively), storing forgets a remembered "no such user" and
/// clears a refresh-failure mark, and the stored copy reads back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storing_a_profile_moves_its_username_forgets_a_miss_and_clears_a_failure() {
    use services::profiles::store;
    let db_name = crate::common::create_database().await;
    let db = sqlx::PgPool::connect(&crate::common::database_url_for(&db_name)).await.unwrap();
    services::db::MIGRATOR.run(&db).await.unwrap();
    let person = |id: u64, username: &str| {
        let raw = serde_json::json!({ "user_id": id, "username": username, "name": format!("Person {id}") });
        (serde_json::from_value::<domain::model::Profile>(raw.clone()).unwrap(), raw)
    };
    let rows = || async {
        sqlx::query_as::<_, (i64, String, bool)>(
            "select user_id, username, refresh_failed_at is not null from profile_cache order by user_id",
        )
        .fetch_all(&db)
        .await
        .unwrap()
    };

    let (finch, raw) = person(1, "Finch");
    store::store_profile(&db, &finch, &raw).await.unwrap();
    store::mark_refresh_failed(&db, "finch").await.unwrap();
    assert_eq!(rows().await, [(1, "Finch".to_owned(), true)]);
    store::store_profile(&db, &finch, &raw).await.unwrap();
    assert_eq!(rows().await, [(1, "Finch".to_owned(), false)], "a new copy clears the failure mark");

    // Person 1 renames to "robin", which had been remembered as missing;
    // person 2 takes "finch".
    store::remember_missing(&db, "robin").await.unwrap();
    let (robin, raw) = person(1, "robin");
    store::store_profile(&db, &robin, &raw).await.unwrap();
    let (new_finch, raw) = person(2, "finch");
    store::store_profile(&db, &new_finch, &raw).await.unwrap();
    assert_eq!(rows().await, [(1, "robin".to_owned(), false), (2, "finch".to_owned(), false)]);
    let misses: i64 = sqlx::query_scalar("select count(*) from profile_misses").fetch_one(&db).await.unwrap();
    assert_eq!(misses, 0, "the remembered miss is forgotten");

    // Person 3 takes "ROBIN" while person 1 still holds it: person 1's row
    // goes (it is fetched again under its new name when someone asks).
    let (robin_3, raw) = person(3, "ROBIN");
    store::store_profile(&db, &robin_3, &raw).await.unwrap();
    assert_eq!(rows().await, [(2, "finch".to_owned(), false), (3, "ROBIN".to_owned(), false)]);
    match store::lookup(&db, "robin", 600.0).await.unwrap() {
        store::Cached::Profile(cached) => assert_eq!(cached.profile.user_id, 3),
        _ => panic!("robin is cached"),
    }
    db.close().await;
}

/// The `/@…` links of a page's person list, in order.
fn listed_people(page: &str) -> Vec<String> {
    page.split(r#"data-testid="person-list""#)
        .nth(1)
        .unwrap_or("")
        .split(r#"href="/@"#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

fn search_count(page: &str) -> Option<u64> {
    let element = page.split(r#"data-testid="search-count""#).nth(1)?;
    let text = element.split_once('>')?.1.split(' ').next()?;
    text.replace(',', "").parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pages_through_clubhouse_then_through_the_cache() {
    let app = spawn_app().await;
    let (status, first) = html(&app, "/search?q=a").await;
    assert_eq!(status, 200);
    let total = search_count(&first).unwrap_or_else(|| panic!("a result count: {first}"));
    assert!(total > 40, "the simulator's 300 people have many a's: {total}");
    assert!(first.contains(r#"value="a""#), "the query stays in the box");
    assert!(first.contains(r#"href="/search?q=a&amp;page=2""#), "{first}");
    assert!(!first.contains(r#"data-testid="search-previous""#));
    let first_people = listed_people(&first);
    assert!(first_people.len() >= 20);

    let (status, second) = html(&app, "/search?q=a&page=2").await;
    assert_eq!(status, 200);
    assert!(second.contains(r#"value="a""#));
    assert!(second.contains(r#"href="/search?q=a""#) && second.contains(r#"data-testid="search-previous""#));
    let second_people = listed_people(&second);
    assert_eq!(second_people.len(), 20);
    assert!(second_people.iter().all(|p| !first_people.contains(p)), "page 2 shows other people");

    // Past Clubhouse's last page: an empty page, still Clubhouse's answer.
    let last = total.div_ceil(20) + 1;
    let (status, past) = html(&app, &format!("/search?q=a&page={last}")).await;
    assert_eq!(status, 200);
    assert!(past.contains("no-results") && !past.contains("search-cache-only") && !past.contains("search-next"));
    // A page number that is not one is the first page.
    for odd in ["abc", "0", "-1", "99999999999"] {
        let (status, page) = html(&app, &format!("/search?q=a&page={odd}")).await;
        assert_eq!(status, 200, "{odd}");
        assert!(!page.contains("search-previous") || odd == "99999999999", "{odd}");
    }

    // Clubhouse down: the cache pages on its own.
    let seen: Vec<String> = first_people.iter().chain(&second_people).take(25).cloned().collect();
    for username in &seen {
        assert_eq!(html(&app, &format!("/@{username}")).await.0, 200, "{username}");
    }
    app.sim.sim.set_faults(Faults { down: true, ..Faults::default() });
    let (_, cached) = html(&app, "/search?q=a").await;
    assert!(cached.contains("search-cache-only"));
    let cached_total = search_count(&cached).expect("the cache's count");
    assert!(cached_total >= 25, "{cached_total}");
    assert_eq!(listed_people(&cached).len(), 20);
    assert!(cached.contains(r#"href="/search?q=a&amp;page=2""#));
    let (_, cached_second) = html(&app, "/search?q=a&page=2").await;
    let rest = listed_people(&cached_second);
    assert_eq!(rest.len() as u64, cached_total - 20);
    assert!(rest.iter().all(|p| !listed_people(&cached).contains(p)));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_sets_language_and_theme_and_they_stay() {
    let app = spawn_app().await;
    // Cached in English first (a page is kept from its second render).
    for _ in 0..3 {
        assert!(html(&app, "/@odessa.finch").await.1.contains(r#"<html lang="en""#));
    }
    let res = app.get("/@odessa.finch?lang=ko&theme=dark").await;
    assert_eq!(res.status(), 200);
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("lang=ko;")), "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("theme=dark;")), "{cookies:?}");
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<html lang="ko" data-theme="dark""#), "not the kept English page");

    // The cookies carry the choice to the next page; the link beats them.
    let kept = app.client.get(app.url("/about")).header("cookie", "lang=ko; theme=dark").send().await.unwrap();
    assert!(kept.text().await.unwrap().contains(r#"<html lang="ko" data-theme="dark""#));
    let (_, page) = html(&app, "/?lang=en&theme=light").await;
    assert!(page.contains(r#"<html lang="en" data-theme="light""#));
    // Unknown values change nothing and set nothing.
    let res = app.get("/?lang=xx&theme=%3Cscript%3E").await;
    assert!(res.headers().get("set-cookie").is_none());
    assert!(res.text().await.unwrap().contains(r#"<html lang="en" data-theme="system""#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_about_page_says_what_is_kept_the_upstream_state_and_the_version() {
    let app = spawn_app_with(|c| {
        c.contact_email = "removals@example.org".into();
        c.profiles.history.retention = Duration::from_secs(90 * 86_400);
    })
    .await;
    let (_, home) = html(&app, "/").await;
    assert!(home.contains(r#"href="/about""#), "every footer links it");
    let (status, about) = html(&app, "/about").await;
    assert_eq!(status, 200);
    assert!(about.contains(r#"<meta name="description""#));
    assert!(about.contains(r#"href="mailto:removals@example.org""#));
    assert!(about.contains("kept for 90 days"), "{about}");
    assert!(about.contains("deleted after 168 hours"));
    assert!(about.contains(&format!(r#"data-testid="about-version">{}<"#, env!("INSSA_COMMIT"))));
    assert!(about.contains("No request to Clubhouse has been made"), "{about}");

    assert_eq!(html(&app, "/@odessa.finch").await.0, 200);
    assert!(html(&app, "/about").await.1.contains("Clubhouse is answering"));
    app.sim.sim.set_faults(Faults { banned: true, ..Faults::default() });
    assert!(html(&app, "/@twren").await.0 >= 500);
    let about = html(&app, "/about").await.1;
    assert!(about.contains("Clubhouse is refusing our requests"), "{about}");
    let ko = app.client.get(app.url("/about")).header("accept-language", "ko").send().await.unwrap();
    assert!(ko.text().await.unwrap().contains("클럽하우스가 요청을 거절하고 있습니다"));
    app.stop().await;
}
