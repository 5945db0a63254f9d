//! The skeleton: health, readiness, pages, 404, preferences, configuration,
//! migrations and shutdown, against the real server and PostgreSQL.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
    time::Duration,
};

use crate::common::{create_database, spawn_app, spawn_app_with, test_config};
use server::Application;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_database() {
    let app = spawn_app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);

    // Take the database away under the running server.
    let mut admin =
        <sqlx::PgConnection as sqlx::Connection>::connect(crate::common::admin_database_url()).await.unwrap();
    app.db.close().await;
    sqlx::query(&format!(r#"drop database "{}" with (force)"#, app.db_name)).execute(&mut admin).await.unwrap();

    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body = res.text().await.unwrap();
    assert!(body.contains("not ready"), "{body}");
    assert!(!body.to_lowercase().contains("does not exist"), "no database internals: {body}");

    // It comes back by itself once the database is there again.
    sqlx::query(&format!(r#"create database "{}""#, app.db_name)).execute(&mut admin).await.unwrap();
    let mut ready = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "readiness recovers without a restart");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_is_rendered_on_the_server() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains(r#"<html lang="en" data-theme="system""#), "{html}");
    assert!(html.contains("<title>inssa: look up Clubhouse profiles</title>"), "{html}");
    assert!(html.contains(r#"action="/search""#), "the search form is in the HTML");
    assert!(html.contains("/pkg/inssa.js"), "the island loader is linked");
    assert!(html.contains("<leptos-island"), "the theme toggle is an island");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_and_theme_come_from_the_request() {
    let app = spawn_app().await;
    let korean =
        app.client.get(app.url("/")).header("accept-language", "ko-KR,ko;q=0.9,en;q=0.5").send().await.unwrap();
    let html = korean.text().await.unwrap();
    assert!(html.contains(r#"<html lang="ko""#), "{html}");
    assert!(html.contains("클럽하우스 프로필을 빠르게 보고 공유하세요."));

    let cookie = app
        .client
        .get(app.url("/"))
        .header("accept-language", "ko")
        .header("cookie", "lang=en; theme=dark")
        .send()
        .await
        .unwrap();
    let html = cookie.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en" data-theme="dark""#), "{html}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preference_forms_set_http_only_cookies_and_go_back() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/prefs/lang"))
        .header("accept", "text/html")
        .header("referer", app.url("/"))
        .form(&[("lang", "ko")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    // Back to the page the form was on, as a path on this site.
    assert_eq!(res.headers()["location"], "/");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("lang=ko;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "not Secure over plain HTTP: {cookie}");

    // A page elsewhere is never a destination.
    let res = app
        .client
        .post(app.url("/api/prefs/lang"))
        .header("accept", "text/html")
        .header("referer", "https://evil.example/phish")
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");

    let res = app.client.post(app.url("/api/prefs/theme")).form(&[("theme", "dark")]).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("theme=dark;"));

    // A value outside the enum is refused and sets nothing.
    let res = app.client.post(app.url("/api/prefs/theme")).form(&[("theme", "<script>")]).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("set-cookie").is_none());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_get_a_real_404_page() {
    let app = spawn_app().await;
    for path in ["/no/such/page", "/pkg/missing.js", "/a/b"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Page not found"), "{path}: {html}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    let db_name = create_database().await;
    let (a, b) = tokio::join!(Application::build(test_config(&db_name)), Application::build(test_config(&db_name)));
    assert!(a.is_ok() && b.is_ok(), "both replicas start");
    let pool = sqlx::PgPool::connect(&crate::common::database_url_for(&db_name)).await.unwrap();
    let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations").fetch_one(&pool).await.unwrap();
    assert_eq!(applied as usize, services::db::MIGRATOR.iter().count());
}

/// A rollback: the previous release starts on a database that a newer one
/// has already migrated further.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_release_starts_on_a_database_a_newer_one_migrated() {
    let db_name = create_database().await;
    Application::build(test_config(&db_name)).await.expect("the first start migrates");
    let pool = sqlx::PgPool::connect(&crate::common::database_url_for(&db_name)).await.unwrap();
    // What a newer release's migration leaves behind.
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (99990101000000, 'from a newer release', true, '\\x00', 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(Application::build(test_config(&db_name)).await.is_ok(), "this release still starts");
    pool.close().await;
}

#[test]
fn an_invalid_setting_stops_the_binary_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_server")).env("LISTEN_ADDR", "not-an-address").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid LISTEN_ADDR"), "{stderr}");

    let out =
        Command::new(env!("CARGO_BIN_EXE_server")).env("DATABASE_URL", "mysql://root:hunter2@db/x").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid DATABASE_URL") && !stderr.contains("hunter2"), "{stderr}");
}

/// SIGTERM: not ready at once, still serving through the drain, then no new
/// connections, while a request that was already being received when the
/// drain ended still gets its answer; then exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_then_finishes_in_flight_requests() {
    let db_name = create_database().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", crate::common::database_url_for(&db_name))
        .env("LOG_LEVEL", "warn")
        // Long enough that the checks below run inside the drain on a busy
        // machine.
        .env("DRAIN_SECS", "3")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let mut stream = None;
    for _ in 0..100 {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            stream = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut stream = stream.expect("the server starts listening");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();

    // Headers and half the body, then SIGTERM, then the rest.
    let body = "theme=dark";
    write!(
        stream,
        "POST /api/prefs/theme HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..5]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    // Draining: not ready, so the proxy sends new work elsewhere, but new
    // requests that still arrive are served.
    let get = |path: &str| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("still accepting while draining");
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        response
    };
    // The signal is handled asynchronously: wait for it to be seen.
    let mut ready = get("/readyz");
    for _ in 0..20 {
        if ready.starts_with("HTTP/1.1 503") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        ready = get("/readyz");
    }
    assert!(ready.starts_with("HTTP/1.1 503") && ready.contains("draining"), "{ready}");
    assert!(get("/healthz").starts_with("HTTP/1.1 200"));
    // The drain ends: the listener closes. The request on `stream` is still
    // waiting for the rest of its body.
    let mut closed = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(closed, "the server stops accepting connections after the drain");
    stream.write_all(&body.as_bytes()[5..]).unwrap();

    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("theme=dark"), "{response}");

    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

/// Hashed asset names never change content, so they are cached for a year;
/// unhashed ones must be revalidated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_get_cache_headers_by_whether_their_names_are_hashed() {
    let site =
        crate::common::temp_site(&[("pkg/inssa.abc123.css", "body{}"), ("pkg/inssa.abc123.css.br", "brotli bytes")]);
    for (hashed, expected) in [(true, "public, max-age=31536000, immutable"), (false, "no-cache")] {
        let root = site.to_string_lossy().into_owned();
        let app = spawn_app_with(move |c| {
            c.site_root = root;
            c.hash_files = hashed;
        })
        .await;
        let res = app.get("/pkg/inssa.abc123.css").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], expected);
        assert_eq!(res.text().await.unwrap(), "body{}");
        // The precompressed copy, to a browser that takes brotli.
        let res =
            app.client.get(app.url("/pkg/inssa.abc123.css")).header("accept-encoding", "br").send().await.unwrap();
        assert_eq!(res.headers()["content-encoding"], "br");
        assert_eq!(res.headers()["cache-control"], expected);
        assert_eq!(res.text().await.unwrap(), "brotli bytes");
        if !hashed {
            // A 404 page is not an asset (and rendering it with hashed names
            // would need cargo-leptos's hash.txt beside the test binary).
            let missing = app.get("/pkg/missing.css").await;
            assert_eq!(missing.status(), 404);
            assert!(missing.headers().get("cache-control").is_none());
        }
        app.stop().await;
    }
    let _ = std::fs::remove_dir_all(site);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    // Pages, files, and the answers of the limits and the image proxy.
    let too_big = app.client.post(app.url("/api/waitlist/join")).body(vec![b'a'; 64 * 1024]);
    let responses = [
        ("/", app.get("/").await),
        ("/no/such/page", app.get("/no/such/page").await),
        ("/healthz", app.get("/healthz").await),
        ("/robots.txt", app.get("/robots.txt").await),
        ("/img (refused)", app.get("/img?src=javascript:alert(1)").await),
        ("a 64 KiB POST", too_big.send().await.unwrap()),
    ];
    assert_eq!(responses[4].1.status(), 400);
    assert_eq!(responses[5].1.status(), 413);
    for (path, res) in responses {
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    }
    app.stop().await;

    let app = spawn_app_with(|c| c.public_url = "https://inssa.example".into()).await;
    let res = app.get("/healthz").await;
    assert!(res.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    // Under HTTPS the preference cookie is Secure too.
    let res = app.client.post(app.url("/api/prefs/theme")).form(&[("theme", "dark")]).send().await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
    app.stop().await;
}
