//! The waitlist against the real server and PostgreSQL.

use std::process::Command;

use crate::common::{spawn_app, spawn_app_with, TestApp};
use futures::{stream, StreamExt};
use serde_json::Value;

const JOIN: &str = "/api/waitlist/join";
const LEAVE: &str = "/api/waitlist/leave";

fn signup(email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("email", email.to_owned()),
        ("username", "odessa.finch".to_owned()),
        ("consent", "yes".to_owned()),
        ("source", "/@odessa.finch".to_owned()),
        ("website", String::new()),
    ]
}

/// Posts like the island does: same origin, JSON answer.
async fn post(app: &TestApp, path: &str, form: &[(&str, String)]) -> reqwest::Response {
    app.client.post(app.url(path)).header("origin", &app.base_url).form(form).send().await.unwrap()
}

/// Posts like a browser without JavaScript: a plain form from `page`.
async fn post_from_page(app: &TestApp, page: &str, form: &[(&str, String)]) -> reqwest::Response {
    app.client
        .post(app.url(JOIN))
        .header("accept", "text/html")
        .header("origin", &app.base_url)
        .header("referer", page)
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from waitlist").fetch_one(&app.db).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signup_is_stored_once_with_its_details() {
    let app = spawn_app().await;
    let res = post(&app, JOIN, &signup("  Odessa.Finch@Example.COM ")).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["removal_token"].as_str().unwrap().len(), 43);

    let (email, username, lang, source): (String, Option<String>, String, Option<String>) =
        sqlx::query_as("select email, username, lang, source_path from waitlist").fetch_one(&app.db).await.unwrap();
    assert_eq!(email, "Odessa.Finch@example.com");
    assert_eq!(username.as_deref(), Some("odessa.finch"));
    assert_eq!(lang, "en");
    assert_eq!(source.as_deref(), Some("/@odessa.finch"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_answers_like_a_first_signup_and_changes_nothing() {
    let app = spawn_app().await;
    let first = post(&app, JOIN, &signup("odessa@example.com")).await;
    let first_status = first.status();
    let first_body: Value = first.json().await.unwrap();

    let mut again = signup("ODESSA@example.com");
    again[1].1 = "someone.else".into();
    let second = post(&app, JOIN, &again).await;
    assert_eq!(second.status(), first_status);
    let second_body: Value = second.json().await.unwrap();
    // Same shape, a different (inert) token: nothing tells them apart.
    assert_eq!(
        first_body.as_object().unwrap().keys().collect::<Vec<_>>(),
        second_body.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    assert_eq!(rows(&app).await, 1);
    let username: String = sqlx::query_scalar("select username from waitlist").fetch_one(&app.db).await.unwrap();
    assert_eq!(username, "odessa.finch", "the first signup is unchanged");

    // The repeat's token cannot remove the first signup.
    post(&app, LEAVE, &[("token", second_body["removal_token"].as_str().unwrap().to_owned())]).await;
    assert_eq!(rows(&app).await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_signups_store_one_row() {
    let app = spawn_app_with(|c| c.waitlist.signups_per_hour = 1_000).await;
    let statuses: Vec<u16> = stream::iter(0..50)
        .map(|_| async { post(&app, JOIN, &signup("same@example.com")).await.status().as_u16() })
        .buffer_unordered(50)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(rows(&app).await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_distinct_concurrent_signups_are_all_kept() {
    let app = spawn_app_with(|c| c.waitlist.signups_per_hour = 1_000_000).await;
    let statuses: Vec<u16> = stream::iter(0..1000)
        .map(|i| {
            let app = &app;
            async move { post(app, JOIN, &signup(&format!("person{i}@example.com"))).await.status().as_u16() }
        })
        .buffer_unordered(100)
        .collect()
        .await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1000, "{:?}", statuses.iter().find(|s| **s != 200));
    assert_eq!(rows(&app).await, 1000);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_is_refused_field_by_field_and_stores_nothing() {
    let app = spawn_app().await;
    let mut form = signup("not-an-address");
    form[1].1 = "bad name!".into();
    form[2].1 = String::new();
    let res = post(&app, JOIN, &form).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["Invalid"]["email"], "Invalid");
    assert_eq!(body["Invalid"]["username"], true);
    assert_eq!(body["Invalid"]["consent"], true);

    for email in ["", &format!("{}@example.com", "a".repeat(250)), "a@b", "<script>@x.com"] {
        assert_eq!(post(&app, JOIN, &signup(email)).await.status(), 400, "{email:?}");
    }
    let no_consent: Vec<_> = signup("ok@example.com").into_iter().filter(|(k, _)| *k != "consent").collect();
    assert_eq!(post(&app, JOIN, &no_consent).await.status(), 400);
    assert_eq!(rows(&app).await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_filling_the_honeypot_gets_a_fake_success() {
    let app = spawn_app().await;
    let mut form = signup("bot@example.com");
    form[4].1 = "http://spam.example".into();
    let res = post(&app, JOIN, &form).await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["removal_token"].is_string());
    assert_eq!(rows(&app).await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signups_are_rate_limited_per_client() {
    let app = spawn_app_with(|c| c.waitlist.signups_per_hour = 3).await;
    for i in 0..3 {
        assert_eq!(post(&app, JOIN, &signup(&format!("p{i}@example.com"))).await.status(), 200);
    }
    let res = post(&app, JOIN, &signup("p4@example.com")).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    assert!(res.json::<Value>().await.unwrap().get("RateLimited").is_some());
    assert_eq!(rows(&app).await, 3);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_posts_are_refused() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url(JOIN))
        .header("origin", "https://evil.example")
        .form(&signup("a@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app.client.post(app.url(JOIN)).form(&signup("a@example.com")).send().await.unwrap();
    assert_eq!(res.status(), 403, "no Origin and no Referer");
    let res = app
        .client
        .post(app.url(JOIN))
        .header("referer", format!("{}/@twren", app.base_url))
        .form(&signup("a@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a same-site Referer is enough");
    assert_eq!(rows(&app).await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_are_refused() {
    let app = spawn_app().await;
    let mut form = signup("big@example.com");
    form[4].1 = "x".repeat(100_000);
    let res = post(&app, JOIN, &form).await;
    assert_eq!(res.status(), 413);
    assert_eq!(rows(&app).await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_removal_link_deletes_the_row_for_good() {
    let app = spawn_app().await;
    let token = post(&app, JOIN, &signup("leaving@example.com")).await.json::<Value>().await.unwrap()["removal_token"]
        .as_str()
        .unwrap()
        .to_owned();
    post(&app, JOIN, &signup("staying@example.com")).await;
    assert_eq!(rows(&app).await, 2);

    // Unknown tokens answer the same and remove nothing.
    assert_eq!(post(&app, LEAVE, &[("token", "x".repeat(43))]).await.status(), 200);
    assert_eq!(rows(&app).await, 2);
    assert_eq!(post(&app, LEAVE, &[("token", token.clone())]).await.status(), 200);
    assert_eq!(rows(&app).await, 1);
    let left: i64 = sqlx::query_scalar("select count(*) from waitlist where email_key = 'leaving@example.com'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_the_form_posts_and_a_page_answers() {
    let app = spawn_app().await;
    let form_page = app.url("/waitlist");
    let res = post_from_page(&app, &form_page, &signup("nojs@example.com")).await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/waitlist/joined?token="), "{location}");
    let page = app.get(&location).await.text().await.unwrap();
    assert!(page.contains("You're on the list"), "{page}");
    assert!(page.contains("/waitlist/leave?token="));
    assert_eq!(rows(&app).await, 1);

    // A mistake comes back to the form with the error next to the field.
    let res = post_from_page(&app, &form_page, &signup("nope")).await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let res = app.client.get(&location).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("That does not look like an email address."), "{page}");
    assert!(!location.contains("nope"), "the address is not put in the URL");
    assert_eq!(rows(&app).await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_down_the_visitor_is_asked_to_retry() {
    let app = spawn_app().await;
    let mut admin =
        <sqlx::PgConnection as sqlx::Connection>::connect(crate::common::admin_database_url()).await.unwrap();
    app.db.close().await;
    sqlx::query(&format!(r#"drop database "{}" with (force)"#, app.db_name)).execute(&mut admin).await.unwrap();

    let res = post(&app, JOIN, &signup("later@example.com")).await;
    assert_eq!(res.status(), 503);
    let body = res.text().await.unwrap();
    assert!(body.contains("Unavailable"), "{body}");
    for internal in ["database", "sqlx", "pool", "connection", "does not exist"] {
        assert!(!body.to_lowercase().contains(internal), "{internal} in {body}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_exports_csv() {
    let app = spawn_app().await;
    post(&app, JOIN, &signup("first@example.com")).await;
    let mut tricky = signup("second@example.com");
    tricky[1].1 = String::new();
    post(&app, JOIN, &tricky).await;
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("export-waitlist")
        .env("DATABASE_URL", crate::common::database_url_for(&app.db_name))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "email,username,lang,source_path,consent_at,created_at");
    assert!(lines[1].starts_with("first@example.com,odessa.finch,en,/@odessa.finch,"), "{csv}");
    assert!(lines[2].starts_with("second@example.com,,en,"), "{csv}");
    assert_eq!(lines.len(), 3);
    app.stop().await;
}
