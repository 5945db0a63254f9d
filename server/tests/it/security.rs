//! The Content-Security-Policy, per-client search limits, the request
//! timeout and request ids, against the real server.

use std::time::{Duration, Instant};

use crate::common::{spawn_app, spawn_app_with, TestApp};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use simulator::Faults;

/// Each inline script with its opening tag's attributes and its body.
fn inline_scripts(html: &str) -> Vec<(String, String)> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag_and_rest = &rest[start + "<script".len()..];
        let tag_end = tag_and_rest.find('>').expect("a closed tag");
        let body_and_rest = &tag_and_rest[tag_end + 1..];
        let close = body_and_rest.find("</script>").expect("a closed script");
        scripts.push((tag_and_rest[..tag_end].to_owned(), body_and_rest[..close].to_owned()));
        rest = &body_and_rest[close..];
    }
    scripts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_run_only_the_scripts_their_policy_names() {
    let app = spawn_app().await;
    let mut nonces = Vec::new();
    let pages = [
        "/",
        "/@odessa.finch",
        "/@xss.title",
        "/@odessa.finch/history",
        "/search?q=odessa",
        "/waitlist",
        "/no/such/page",
        "/@nobody.here.zz",
    ];
    for path in pages {
        let res = app.get(path).await;
        let policy = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let html = res.text().await.unwrap();
        let script_src = policy.split(';').map(str::trim).find(|d| d.starts_with("script-src ")).expect(&policy);
        assert!(!policy.contains("'unsafe-inline'") && !policy.contains(" 'unsafe-eval'"), "{path}: {policy}");
        assert!(script_src.contains("'wasm-unsafe-eval'"), "{path}: {policy}");
        for directive in
            ["default-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]
        {
            assert!(policy.contains(directive), "{path}: {directive} in {policy}");
        }
        let nonce = script_src.split(' ').find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\'')).expect(&policy);
        nonces.push(nonce.to_owned());

        let scripts = inline_scripts(&html);
        assert!(
            scripts.iter().any(|(tag, _)| tag.contains("type=\"module\"")),
            "{path}: the hydration script is there"
        );
        for (tag, body) in scripts.iter().filter(|(tag, _)| !tag.contains("src=")) {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
            let allowed =
                tag.contains(&format!("nonce=\"{nonce}\"")) || script_src.contains(&format!("'sha256-{hash}'"));
            assert!(allowed, "{path}: inline script not allowed by {policy}: <script{tag}>{body}");
        }
        // Inline styles and event handlers would need 'unsafe-inline'.
        // (Hostile profile text may say "onerror=", escaped, between tags.)
        for tag in html.split('<').skip(1).filter_map(|t| t.split_once('>')).map(|(tag, _)| tag) {
            // Attribute names only: quoted values dropped.
            let names: String = tag.split('"').step_by(2).collect();
            let handler = names.split_whitespace().skip(1).any(|attr| attr.starts_with("on") && attr.contains('='));
            assert!(!handler && !names.contains(" style="), "{path}: <{tag}>");
        }
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), pages.len(), "a fresh nonce per response");

    // Everything else may run nothing at all.
    for path in ["/healthz", "/api/v1/profiles/odessa.finch", "/robots.txt"] {
        let res = app.get(path).await;
        let policy = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'"), "{path}: {policy}");
    }
    app.stop().await;
}

async fn search_from(app: &TestApp, query: &str, forwarded_for: Option<&str>) -> (u16, Option<String>, String) {
    let mut request = app.client.get(app.url(&format!("/search?q={query}")));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_are_limited_per_client() {
    let app = spawn_app_with(|c| {
        c.profiles.searches_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    for q in ["odessa", "finch", "bram"] {
        let (status, _, _) = search_from(&app, q, Some("203.0.113.7")).await;
        assert_eq!(status, 200);
    }
    let calls = app.sim.sim.calls().total;
    let (status, retry_after, page) = search_from(&app, "yara", Some("203.0.113.7")).await;
    assert_eq!(status, 429);
    assert!(retry_after.unwrap().parse::<u64>().unwrap() > 0);
    assert!(page.contains(r#"data-testid="search-throttled""#), "the page explains itself");
    assert!(page.contains(r#"name="q""#), "and keeps the search form");
    assert_eq!(app.sim.sim.calls().total, calls, "a refused search costs no upstream call");

    // Another visitor behind the same proxy is not affected.
    let (status, _, page) = search_from(&app, "yara", Some("198.51.100.2")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("search-throttled"));
    // An empty search counts for nothing.
    assert_eq!(search_from(&app, "", Some("203.0.113.7")).await.0, 200);
    app.stop().await;
}

/// From a peer that is not a trusted proxy, X-Forwarded-For is the client's
/// own claim: a new forged address on every request gets no new allowance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app_with(|c| {
        c.profiles.searches_per_minute = 3;
        c.waitlist.signups_per_hour = 2;
        // Trusted: a proxy network the test's 127.0.0.1 is not in.
        c.trusted_proxies = vec!["10.20.0.0/24".parse().unwrap()];
    })
    .await;
    let statuses: Vec<u16> = {
        let mut statuses = Vec::new();
        for (i, q) in ["odessa", "finch", "bram", "yara"].into_iter().enumerate() {
            statuses.push(search_from(&app, q, Some(&format!("203.0.113.{i}, 10.20.0.{i}"))).await.0);
        }
        statuses
    };
    assert_eq!(statuses, [200, 200, 200, 429], "one client, whatever it claims to be");

    let mut signups = Vec::new();
    for i in 0..3 {
        let res = app
            .client
            .post(app.url("/api/waitlist/join"))
            .header("origin", &app.base_url)
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .form(&[("email", format!("forged-{i}@example.com").as_str()), ("consent", "yes")])
            .send()
            .await
            .unwrap();
        signups.push(res.status().as_u16());
    }
    assert_eq!(signups, [200, 200, 429]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_slower_than_the_timeout_gets_a_503() {
    let app = spawn_app_with(|c| c.request_timeout = Duration::from_secs(1)).await;
    app.sim.sim.set_faults(Faults { latency_ms: 2500, ..Faults::default() });
    let started = Instant::now();
    let res = app.get("/@odessa.finch").await;
    assert!(started.elapsed() < Duration::from_secs(2), "cut off at the timeout, not after the upstream");
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("retry-after").is_some());
    assert!(res.headers().get("x-request-id").is_some());
    let body = res.text().await.unwrap();
    assert!(body.contains("took too long"), "{body}");

    // The server stays healthy; the fetch it started finished in the
    // background, so the profile is now cached and fast.
    app.sim.sim.set_faults(Faults::default());
    assert_eq!(app.get("/healthz").await.status(), 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.get("/@odessa.finch").await.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"http_request_timeouts_total{route="/{handle}"}"#), "{metrics}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_has_a_request_id() {
    let app = spawn_app().await;
    let a = app.get("/healthz").await.headers()["x-request-id"].to_str().unwrap().to_owned();
    let b = app.get("/healthz").await.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(a.len() >= 16 && a != b);
    // The proxy's id is kept, so log lines of both can be joined; junk is not.
    let kept = app.client.get(app.url("/no/such/page")).header("x-request-id", "nginx-5f0c6a1e").send().await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "nginx-5f0c6a1e");
    let replaced = app.client.get(app.url("/")).header("x-request-id", "a\"b c").send().await.unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a\"b c");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_policy_is_only_sent_by_pages() {
    // A server-function error is JSON: the strict default applies.
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/waitlist/join"))
        .header("origin", &app.base_url)
        .form(&[("email", "x")])
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    app.stop().await;
}

/// Files and pages keep their own headers when served at the same time
/// (why they could not with leptos_axum's file handler: `server/src/http/mod.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_and_pages_served_together_keep_their_own_headers() {
    let site = crate::common::temp_site(&[("pkg/inssa.css", "body{}")]);
    let root = site.to_string_lossy().into_owned();
    let app = spawn_app_with(move |c| {
        c.site_root = root;
        c.hash_files = false;
        c.profiles.memory_for = Duration::ZERO;
    })
    .await;
    let served = &app;
    let pages = (0..60).map(|i| async move {
        let path = if i % 3 == 0 { "/@odessa.finch".to_owned() } else { format!("/@nobody{i}.here.zz") };
        let res = served.get(&path).await;
        let policy = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        (path, policy)
    });
    let files = (0..240).map(|_| async move {
        let res = served.get("/pkg/inssa.css").await;
        assert_eq!(res.status(), 200);
        res.headers()["content-security-policy"].to_str().unwrap().to_owned()
    });
    let (pages, files) = futures::join!(futures::future::join_all(pages), futures::future::join_all(files));
    for (path, policy) in pages {
        assert!(policy.contains("script-src 'self'"), "{path} went out without the page policy: {policy}");
    }
    for policy in files {
        assert!(policy.starts_with("default-src 'none'"), "a file took a page's policy: {policy}");
    }
    app.stop().await;
    std::fs::remove_dir_all(site).unwrap();
}

/// The image proxy keeps a bounded number of outside fetches in flight: a
/// request that finds no free slot within a second is turned away with 503
/// rather than queued behind a slow image host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_proxy_caps_its_fetches_in_flight() {
    // An allowed image host that takes 2.5 s to answer anything (404).
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host_addr = host.local_addr().unwrap();
    std::thread::spawn(move || {
        for socket in host.incoming() {
            let Ok(mut socket) = socket else { return };
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut request = [0u8; 2048];
                let _ = socket.read(&mut request);
                std::thread::sleep(Duration::from_millis(2500));
                let _ = socket.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            });
        }
    });
    let app = spawn_app_with(move |c| {
        c.image_hosts = vec![host_addr.to_string()];
        c.image_fetches_at_once = 1;
    })
    .await;
    let (a, b) = (format!("/img?src=http://{host_addr}/a.png"), format!("/img?src=http://{host_addr}/b.png"));
    let first = app.get(&a);
    let second = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.get(&b).await
    };
    let (first, second) = tokio::join!(first, second);
    let answer = |res: &reqwest::Response| (res.status().as_u16(), res.headers().get("retry-after").cloned());
    let mut answers = [answer(&first), answer(&second)];
    answers.sort_by_key(|(status, _)| *status);
    assert_eq!(answers[0].0, 404, "one fetch got the slow host's answer");
    assert_eq!(answers[1].0, 503, "the other found no free slot");
    assert_eq!(answers[1].1.as_ref().unwrap(), "1");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"image_fetches_total{result="busy"}"#), "{metrics}");
    app.stop().await;
}
