//! The waitlist against the real server, PostgreSQL and a real SMTP server
//! (a private MailDev): double opt-in, the mailed links, the outbox, the
//! limits.

use std::{process::Command, time::Duration};

use crate::common::{
    free_port, link_token, spawn_app_with, spawn_replica, spawn_simulator, wait_until, MailServer, TestApp,
};
use futures::{stream, StreamExt};
use serde_json::Value;
use server::config::Config;

const JOIN: &str = "/api/waitlist/join";
const CONFIRM: &str = "/api/waitlist/confirm";
const LEAVE: &str = "/api/waitlist/leave";
/// The links in mails start with `PUBLIC_URL`; the tests' servers keep its default.
const PUBLIC_URL: &str = "http://localhost:3000";

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
async fn post_from_page(app: &TestApp, path: &str, page: &str, form: &[(&str, String)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
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

async fn confirmed_at(app: &TestApp, email_key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    sqlx::query_scalar("select confirmed_at from waitlist where email_key = $1")
        .bind(email_key)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A server mailing through `mail`, with `customize` applied.
async fn app_mailing_to(mail: &MailServer, customize: impl FnOnce(&mut Config)) -> TestApp {
    let smtp_url = mail.smtp_url();
    spawn_app_with(move |c| {
        c.mail.smtp_url = smtp_url;
        customize(c);
    })
    .await
}

fn token(mail: &Value, path: &str) -> String {
    link_token(mail, path).unwrap_or_else(|| panic!("no {path} link in {mail}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signup_is_stored_unconfirmed_and_mailed_a_confirmation() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    let res = post(&app, JOIN, &signup("  Odessa.Finch@Example.COM ")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "{}", "no link or token on the page");

    let (email, username, lang, source): (String, Option<String>, String, Option<String>) =
        sqlx::query_as("select email, username, lang, source_path from waitlist").fetch_one(&app.db).await.unwrap();
    assert_eq!(email, "Odessa.Finch@example.com");
    assert_eq!(username.as_deref(), Some("odessa.finch"));
    assert_eq!(lang, "en");
    assert_eq!(source.as_deref(), Some("/@odessa.finch"));
    assert_eq!(confirmed_at(&app, "odessa.finch@example.com").await, None);

    let mails = mail.wait_for("Odessa.Finch@example.com", 1).await;
    let m = &mails[0];
    assert_eq!(m["subject"], "Confirm your place on the inssa waitlist");
    assert_eq!(m["from"][0]["name"], "inssa");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains(&format!("{PUBLIC_URL}/waitlist/confirm?token=")), "{text}");
    assert!(text.contains(&format!("{PUBLIC_URL}/waitlist/leave?token=")), "{text}");
    assert!(text.contains("(Clubhouse @odessa.finch)"), "{text}");
    assert!(m["html"].as_str().unwrap().contains("Confirm my address"));
    let remove = token(m, "/waitlist/leave");
    assert_eq!(
        m["headers"]["list-unsubscribe"].as_str().unwrap(),
        format!("<{PUBLIC_URL}/waitlist/unsubscribe?token={remove}>")
    );
    assert_eq!(m["headers"]["list-unsubscribe-post"], "List-Unsubscribe=One-Click");

    // Sent: the outbox row keeps no token.
    let (status, kept): (String, bool) =
        sqlx::query_as("select status, confirm_token is not null or remove_token is not null from mail_outbox")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), kept), ("sent", false));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailed_link_confirms_only_by_post_and_only_once() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    post(&app, JOIN, &signup("confirm.me@example.com")).await;
    let confirm = token(&mail.wait_for("confirm.me@example.com", 1).await[0], "/waitlist/confirm");

    // Opening the link (as a mail scanner would) shows a button and changes nothing.
    let page = app.get(&format!("/waitlist/confirm?token={confirm}")).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"data-testid="waitlist-confirm""#), "{page}");
    assert!(page.contains(&format!(r#"value="{confirm}""#)));
    assert_eq!(confirmed_at(&app, "confirm.me@example.com").await, None);

    assert_eq!(post(&app, CONFIRM, &[("token", confirm.clone())]).await.status(), 200);
    let first = confirmed_at(&app, "confirm.me@example.com").await.expect("confirmed");
    assert_eq!(post(&app, CONFIRM, &[("token", confirm.clone())]).await.status(), 200);
    assert_eq!(confirmed_at(&app, "confirm.me@example.com").await, Some(first), "the first time stays");

    // A token that was never mailed, or a removal token, confirms nothing.
    assert_eq!(post(&app, CONFIRM, &[("token", "x".repeat(43))]).await.status(), 404);
    assert_eq!(post(&app, CONFIRM, &[("token", "<script>".into())]).await.status(), 404);
    let res = app
        .client
        .post(app.url(CONFIRM))
        .header("origin", "https://evil.example")
        .form(&[("token", confirm)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_answers_the_same_and_mails_what_fits() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    let first = post(&app, JOIN, &signup("odessa@example.com")).await;
    let (first_status, first_body) = (first.status(), first.text().await.unwrap());

    // Still unconfirmed: another confirmation link, the first signup's details kept.
    let mut again = signup("ODESSA@example.com");
    again[1].1 = "someone.else".into();
    let second = post(&app, JOIN, &again).await;
    assert_eq!((second.status(), second.text().await.unwrap()), (first_status, first_body.clone()));
    let mails = mail.wait_for("odessa@example.com", 2).await;
    assert!(mails.iter().all(|m| m["subject"] == "Confirm your place on the inssa waitlist"));
    assert_eq!(rows(&app).await, 1);
    let username: String = sqlx::query_scalar("select username from waitlist").fetch_one(&app.db).await.unwrap();
    assert_eq!(username, "odessa.finch", "the first signup is unchanged");

    // Both confirmation links work; once confirmed, a repeat is told so.
    assert_eq!(post(&app, CONFIRM, &[("token", token(&mails[1], "/waitlist/confirm"))]).await.status(), 200);
    assert_eq!(post(&app, CONFIRM, &[("token", token(&mails[0], "/waitlist/confirm"))]).await.status(), 200);
    let third = post(&app, JOIN, &signup("odessa@example.com")).await;
    assert_eq!((third.status(), third.text().await.unwrap()), (first_status, first_body));
    let mails = mail.wait_for("odessa@example.com", 3).await;
    let listed = mails.iter().find(|m| m["subject"] == "You are already on the inssa waitlist").expect("told");
    assert!(link_token(listed, "/waitlist/confirm").is_none());
    assert!(link_token(listed, "/waitlist/leave").is_some());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mailed_removal_link_works_by_post_only() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    post(&app, JOIN, &signup("leaving@example.com")).await;
    post(&app, JOIN, &signup("leaving@example.com")).await;
    post(&app, JOIN, &signup("staying@example.com")).await;
    let mails = mail.wait_for("leaving@example.com", 2).await;
    mail.wait_for("staying@example.com", 1).await;
    let (older, newer) = (token(&mails[0], "/waitlist/leave"), token(&mails[1], "/waitlist/leave"));
    assert_ne!(older, newer);

    // The links open a page with a button; fetching them removes nothing.
    let page = app.get(&format!("/waitlist/leave?token={older}")).await.text().await.unwrap();
    assert!(page.contains(r#"data-testid="waitlist-leave-confirm""#));
    let res = app.get(&format!("/waitlist/unsubscribe?token={older}")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/waitlist/leave?token={older}"));
    assert_eq!(rows(&app).await, 2);

    // Unknown tokens answer the same and remove nothing.
    assert_eq!(post(&app, LEAVE, &[("token", "x".repeat(43))]).await.status(), 200);
    assert_eq!(rows(&app).await, 2);
    // Either mail's link removes the address, with its links and mails.
    assert_eq!(post(&app, LEAVE, &[("token", older.clone())]).await.status(), 200);
    assert_eq!(rows(&app).await, 1);
    let left: i64 = sqlx::query_scalar(
        "select (select count(*) from waitlist where email_key = 'leaving@example.com')
              + (select count(*) from mail_outbox where recipient_key = 'leaving@example.com')",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(left, 0, "nothing of the address stays");
    assert_eq!(post(&app, LEAVE, &[("token", newer)]).await.status(), 200, "the other link answers the same");

    // One click from a mail client (RFC 8058): no Origin, the token alone.
    let staying = token(&mail.mails_to("staying@example.com").await[0], "/waitlist/leave");
    let one_click = app.url(&format!("/waitlist/unsubscribe?token={staying}"));
    let wrong = app.client.post(&one_click).form(&[("List-Unsubscribe", "Maybe")]).send().await.unwrap();
    assert_eq!(wrong.status(), 400);
    assert_eq!(rows(&app).await, 1);
    let res = app.client.post(&one_click).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(rows(&app).await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mails_per_address_per_day_are_limited_without_a_different_answer() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |c| c.waitlist.mails_per_address_per_day = 2).await;
    let mut answers = Vec::new();
    for _ in 0..5 {
        let res = post(&app, JOIN, &signup("target@example.com")).await;
        answers.push((res.status().as_u16(), res.text().await.unwrap()));
    }
    assert!(answers.iter().all(|a| *a == (200, "{}".to_owned())), "{answers:?}");
    mail.wait_for("target@example.com", 2).await;
    // The outbox holds exactly two: nothing more is on its way.
    let queued: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(&app.db).await.unwrap();
    assert_eq!(queued, 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail.mails_to("target@example.com").await.len(), 2);
    // Another address is not affected.
    post(&app, JOIN, &signup("other@example.com")).await;
    mail.wait_for("other@example.com", 1).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signups_per_client_per_hour_are_limited_across_replicas() {
    let sim = spawn_simulator().await;
    let a = spawn_app_with(|c| c.waitlist.signups_per_hour = 3).await;
    let b = spawn_replica(&a.db_name, sim, |c| c.waitlist.signups_per_hour = 3).await;
    for (i, app) in [&a, &b, &a].into_iter().enumerate() {
        assert_eq!(post(app, JOIN, &signup(&format!("p{i}@example.com"))).await.status(), 200);
    }
    let res = post(&b, JOIN, &signup("p4@example.com")).await;
    assert_eq!(res.status(), 429, "the other replica counts the same client");
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    assert!(res.json::<Value>().await.unwrap().get("RateLimited").is_some());
    assert_eq!(rows(&a).await, 3);
    let queued: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(&a.db).await.unwrap();
    assert_eq!(queued, 3, "a refused signup queues no mail");
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_smtp_down_signups_are_acknowledged_and_mailed_when_it_returns() {
    let (smtp_port, web_port) = (free_port(), free_port());
    let app = spawn_app_with(move |c| c.mail.smtp_url = format!("smtp://127.0.0.1:{smtp_port}")).await;
    let addresses: Vec<String> = (0..5).map(|i| format!("patient{i}@example.com")).collect();
    for address in &addresses {
        assert_eq!(post(&app, JOIN, &signup(address)).await.status(), 200);
    }
    // The worker tries, fails, and keeps the mails.
    let tried = wait_until(async || {
        sqlx::query_scalar::<_, i64>("select count(*) from mail_outbox where status = 'pending' and attempts >= 2")
            .fetch_one(&app.db)
            .await
            .unwrap()
            == 5
    })
    .await;
    assert!(tried, "every mail was tried at least twice and is still pending");

    let mail = MailServer::start_on(smtp_port, web_port).await;
    for address in &addresses {
        let mails = mail.wait_for(address, 1).await;
        assert!(link_token(&mails[0], "/waitlist/confirm").is_some());
    }
    let sent = wait_until(async || {
        sqlx::query_scalar::<_, i64>("select count(*) from mail_outbox where status = 'sent'")
            .fetch_one(&app.db)
            .await
            .unwrap()
            == 5
    })
    .await;
    assert!(sent);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconfirmed_signups_expire_and_confirmed_ones_stay() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |c| {
        c.waitlist.unconfirmed_for = Duration::from_secs(3600);
        c.waitlist.sweep_every = Duration::from_millis(200);
    })
    .await;
    post(&app, JOIN, &signup("keeps@example.com")).await;
    post(&app, JOIN, &signup("lapses@example.com")).await;
    let keeps = token(&mail.wait_for("keeps@example.com", 1).await[0], "/waitlist/confirm");
    let lapses = token(&mail.wait_for("lapses@example.com", 1).await[0], "/waitlist/confirm");
    assert!(mail.mails_to("keeps@example.com").await[0]["text"].as_str().unwrap().contains("after 1 days"));
    assert_eq!(post(&app, CONFIRM, &[("token", keeps)]).await.status(), 200);

    sqlx::query("update waitlist set requested_at = now() - interval '2 hours'").execute(&app.db).await.unwrap();
    let swept = wait_until(async || rows(&app).await == 1).await;
    assert!(swept, "the unconfirmed signup was deleted");
    assert!(confirmed_at(&app, "keeps@example.com").await.is_some());
    assert_eq!(post(&app, CONFIRM, &[("token", lapses)]).await.status(), 404, "its link went with it");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_are_escaped_in_the_mails() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    let address = "o'neil&{x}|y@example.com";
    assert_eq!(post(&app, JOIN, &signup(address)).await.status(), 200);
    let m = &mail.wait_for(address, 1).await[0];
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("o&#x27;neil&amp;{x}|y@example.com"), "{html}");
    assert!(!html.contains("o'neil&{x}"), "{html}");
    assert!(m["text"].as_str().unwrap().contains(address));
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
    let queued: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(&app.db).await.unwrap();
    assert_eq!(queued, 3, "the per-address limit holds under concurrency");
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
    let queued: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(&app.db).await.unwrap();
    assert_eq!(queued, 1000);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_is_refused_field_by_field_and_stores_nothing() {
    let app = spawn_app_with(|_| {}).await;
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
    let queued: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(&app.db).await.unwrap();
    assert_eq!(queued, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_filling_the_honeypot_gets_a_fake_success_and_no_mail() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    let mut form = signup("bot@example.com");
    form[4].1 = "http://spam.example".into();
    let res = post(&app, JOIN, &form).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "{}");
    assert_eq!(rows(&app).await, 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(mail.all().await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_posts_are_refused() {
    let app = spawn_app_with(|_| {}).await;
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
    let app = spawn_app_with(|_| {}).await;
    let mut form = signup("big@example.com");
    form[4].1 = "x".repeat(100_000);
    let res = post(&app, JOIN, &form).await;
    assert_eq!(res.status(), 413);
    assert_eq!(rows(&app).await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_every_step_is_a_form_and_a_page() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    let form_page = app.url("/waitlist");
    let res = post_from_page(&app, JOIN, &form_page, &signup("nojs@example.com")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/waitlist/joined");
    let page = app.get("/waitlist/joined").await.text().await.unwrap();
    assert!(page.contains("Check your inbox"), "{page}");
    assert!(!page.contains("token="), "no link on the page");

    // The mailed link's page posts the confirmation and lands on a result page.
    let confirm = token(&mail.wait_for("nojs@example.com", 1).await[0], "/waitlist/confirm");
    let confirm_page = app.url(&format!("/waitlist/confirm?token={confirm}"));
    let res = post_from_page(&app, CONFIRM, &confirm_page, &[("token", confirm)]).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/waitlist/confirmed");
    assert!(app.get("/waitlist/confirmed").await.text().await.unwrap().contains("your address is confirmed"));
    assert!(confirmed_at(&app, "nojs@example.com").await.is_some());

    // A dead link comes back to its page with the reason.
    let dead_page = app.url(&format!("/waitlist/confirm?token={}", "d".repeat(43)));
    let res = post_from_page(&app, CONFIRM, &dead_page, &[("token", "d".repeat(43))]).await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let res = app.client.get(&location).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("This link no longer works"));

    // A mistake on the form comes back to it with the error next to the field.
    let res = post_from_page(&app, JOIN, &form_page, &signup("nope")).await;
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
async fn korean_signups_get_korean_mail() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    let res = app
        .client
        .post(app.url(JOIN))
        .header("origin", &app.base_url)
        .header("accept-language", "ko-KR,ko;q=0.9")
        .form(&signup("hangul@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let m = &mail.wait_for("hangul@example.com", 1).await[0];
    assert_eq!(m["subject"], "inssa 대기자 명단 등록을 확인해 주세요");
    assert!(m["html"].as_str().unwrap().contains(r#"<html lang="ko">"#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_down_the_visitor_is_asked_to_retry() {
    let app = spawn_app_with(|_| {}).await;
    let mut admin =
        <sqlx::PgConnection as sqlx::Connection>::connect(crate::common::admin_database_url()).await.unwrap();
    app.db.close().await;
    sqlx::query(&format!(r#"drop database "{}" with (force)"#, app.db_name)).execute(&mut admin).await.unwrap();

    for (path, form) in [(JOIN, signup("later@example.com")), (CONFIRM, vec![("token", "c".repeat(43))])] {
        let res = post(&app, path, &form).await;
        assert_eq!(res.status(), 503, "{path}");
        let body = res.text().await.unwrap();
        assert!(body.contains("Unavailable"), "{body}");
        for internal in ["database", "sqlx", "pool", "connection", "does not exist"] {
            assert!(!body.to_lowercase().contains(internal), "{internal} in {body}");
        }
    }
    let res = app
        .client
        .post(app.url(&format!("/waitlist/unsubscribe?token={}", "u".repeat(43))))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_exports_csv_with_confirmation_times() {
    let mail = MailServer::start().await;
    let app = app_mailing_to(&mail, |_| {}).await;
    post(&app, JOIN, &signup("first@example.com")).await;
    let mut tricky = signup("second@example.com");
    tricky[1].1 = String::new();
    post(&app, JOIN, &tricky).await;
    let confirm = token(&mail.wait_for("first@example.com", 1).await[0], "/waitlist/confirm");
    assert_eq!(post(&app, CONFIRM, &[("token", confirm)]).await.status(), 200);
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("export-waitlist")
        .env("DATABASE_URL", crate::common::database_url_for(&app.db_name))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "email,username,lang,source_path,consent_at,created_at,status,confirmed_at");
    assert!(lines[1].starts_with("first@example.com,odessa.finch,en,/@odessa.finch,"), "{csv}");
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cells[6], "confirmed");
    assert!(chrono::DateTime::parse_from_rfc3339(cells[7]).is_ok(), "{csv}");
    assert!(lines[2].starts_with("second@example.com,,en,"), "{csv}");
    assert!(lines[2].ends_with(",unconfirmed,"), "{csv}");
    assert_eq!(lines.len(), 3);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signups_from_before_double_opt_in_are_asked_to_confirm() {
    // A database as the last release left it: migrations up to 0006 and a
    // signup stored the old way, with the removal token the page showed.
    let db_name = crate::common::create_database().await;
    let db = sqlx::PgPool::connect(&crate::common::database_url_for(&db_name)).await.unwrap();
    let all = &services::db::MIGRATOR;
    let before = sqlx::migrate::Migrator {
        migrations: all.iter().filter(|m| m.version < 7).cloned().collect::<Vec<_>>().into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&db).await.unwrap();
    let old_token = "an-old-removal-token-shown-on-the-page-0123";
    sqlx::query(
        "insert into waitlist (email, email_key, lang, consent_at, removal_token_hash)
         values ('early@example.com', 'early@example.com', 'ko', now() - interval '30 days', sha256($1::bytea))",
    )
    .bind(old_token.as_bytes())
    .execute(&db)
    .await
    .unwrap();

    // The new release migrates it and mails a confirmation in its language.
    let mail = MailServer::start().await;
    let smtp_url = mail.smtp_url();
    let app = spawn_replica(&db_name, spawn_simulator().await, move |c| c.mail.smtp_url = smtp_url).await;
    let m = &mail.wait_for("early@example.com", 1).await[0];
    assert_eq!(m["subject"], "inssa 대기자 명단 등록을 확인해 주세요");
    let confirm = token(m, "/waitlist/confirm");
    assert_eq!(confirm.len(), 64);
    assert_eq!(post(&app, CONFIRM, &[("token", confirm)]).await.status(), 200);
    assert!(confirmed_at(&app, "early@example.com").await.is_some());
    // The link the old page showed still removes the address.
    assert_eq!(post(&app, LEAVE, &[("token", old_token.to_owned())]).await.status(), 200);
    assert_eq!(rows(&app).await, 0);
    db.close().await;
    app.stop().await;
}
