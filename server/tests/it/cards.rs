//! Share cards, embeds and oEmbed, over real HTTP against the simulator:
//! the card's size, type and caching; the meta tags pointing at it; hostile,
//! very long, right-to-left and emoji-only names in the card and the embed;
//! which responses may be framed; oEmbed's answers and refusals.

use serde_json::{json, Value};

use crate::common::{backdate, html, spawn_app, wait_until, TestApp};

/// The tests' `PUBLIC_URL` (the default for port 3000).
const SITE: &str = "http://localhost:3000";

fn person(app: &TestApp, n: usize) -> String {
    app.sim.sim.usernames().into_iter().filter(|u| !u.starts_with("xss")).nth(n).unwrap()
}

/// `content` of `<meta property|name="key">`, decoded as a parser would.
fn meta(page: &str, key: &str) -> Option<String> {
    let needle = format!("=\"{key}\" content=\"");
    let start = page.find(&needle)? + needle.len();
    let value = &page[start..start + page[start..].find('"')?];
    Some(value.replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">"))
}

/// The PNG's (width, height), read from its header; panics if it is none.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24 && &png[..8] == b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

async fn card_of(app: &TestApp, username: &str) -> String {
    let (status, page) = html(app, &format!("/@{username}")).await;
    assert_eq!(status, 200, "{page}");
    meta(&page, "og:image").expect("og:image").strip_prefix(SITE).expect("absolute, on the site").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_is_a_1200_by_630_png_under_an_address_that_never_changes() {
    let app = spawn_app().await;
    let username = person(&app, 3);
    let (_, page) = html(&app, &format!("/@{username}")).await;
    assert_eq!(meta(&page, "twitter:card").as_deref(), Some("summary_large_image"));
    assert_eq!(meta(&page, "og:image:width").as_deref(), Some("1200"));
    assert_eq!(meta(&page, "og:image:height").as_deref(), Some("630"));
    assert_eq!(meta(&page, "og:image:type").as_deref(), Some("image/png"));
    assert!(meta(&page, "og:image:alt").unwrap().contains(&format!("(@{username})")));
    assert_eq!(meta(&page, "twitter:image"), meta(&page, "og:image"));

    let path = card_of(&app, &username).await;
    assert!(path.starts_with(&format!("/@{username}/card.png?v=")) && path.ends_with("&lang=en"), "{path}");
    let res = app.get(&path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let png = res.bytes().await.unwrap();
    assert_eq!(png_size(&png), (1200, 630));

    let again = app.client.get(app.url(&path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    // Without its token, or with an old one: the current card, briefly cached.
    for other in [format!("/@{username}/card.png"), format!("/@{username}/card.png?v=0000&lang=en")] {
        let res = app.get(&other).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "public, max-age=300");
        assert_eq!(res.bytes().await.unwrap(), png, "the same drawing");
    }
    // Korean words are another card.
    let korean = app.client.get(app.url(&format!("/@{username}"))).header("cookie", "lang=ko").send().await.unwrap();
    let korean = meta(&korean.text().await.unwrap(), "og:image").unwrap();
    assert!(korean.ends_with("&lang=ko") && korean.strip_prefix(SITE).unwrap() != path);
    let res = app.get(korean.strip_prefix(SITE).unwrap()).await;
    assert_ne!(res.bytes().await.unwrap(), png);

    // A new count on the profile is a new address.
    app.sim.sim.update_person(&username, json!({ "num_followers": 987_654 })).unwrap();
    backdate(&app, &username, 48).await;
    assert!(wait_until(async || { card_of(&app, &username).await != path }).await, "the card follows the profile");

    for refused in ["/nobody/card.png", "/@no%20one/card.png", &format!("/@{username}/card.png?lang=xx")] {
        let status = app.get(refused).await.status().as_u16();
        assert!(status == 404 || status == 400, "{refused}: {status}");
    }
    assert_eq!(app.get("/@nobody_here_at_all/card.png").await.status(), 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_asking_for_a_new_card_at_once_get_one_drawing() {
    let app = spawn_app().await;
    let path = card_of(&app, &person(&app, 4)).await;
    let photos_before = app.sim.sim.calls().avatars;
    let answers =
        futures::future::join_all((0..12).map(|_| async { app.get(&path).await.bytes().await.unwrap() })).await;
    assert!(answers.iter().all(|png| png == &answers[0] && png_size(png) == (1200, 630)));
    assert_eq!(app.sim.sim.calls().avatars - photos_before, 1, "one drawing, so one photo fetch");
    app.stop().await;
}

const HOSTILE: [&str; 5] = [
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(2)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(3)",
    "<b>bold</b> ]]> &amp; \u{1b}",
];

/// Names and bios that break naive code: markup, 200 characters, right to
/// left, emoji only. Each still gives a card of the right size and an
/// embed with the text escaped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_long_right_to_left_and_emoji_names_break_neither_card_nor_embed() {
    let app = spawn_app().await;
    let long = "Wolfeschlegelsteinhausenbergerdorff-".repeat(6)[..200].to_owned();
    let names: Vec<String> = HOSTILE
        .iter()
        .map(|s| s.to_string())
        .chain([long, "محمد بن سلمان עברית".to_owned(), "🎧🎤🔥🇰🇷👩🏽‍💻".to_owned(), "\u{202e}evil\u{202c}".to_owned()])
        .collect();
    for (i, name) in names.iter().enumerate() {
        let username = person(&app, 20 + i);
        let bio = format!("{} {}", HOSTILE[i % 5], "ok ".repeat(3000));
        app.sim.sim.update_person(&username, json!({ "name": name, "bio": bio, "photo_url": HOSTILE[i % 5] })).unwrap();
        // The profile page's share box quotes the name in its snippet.
        let (_, profile) = html(&app, &format!("/@{username}")).await;
        assert!(!profile.contains("<script>alert"), "{name}: raw script in the profile page");
        let path = card_of(&app, &username).await;
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200, "{name}");
        assert_eq!(png_size(&res.bytes().await.unwrap()), (1200, 630), "{name}");

        let res = app.get(&format!("/@{username}/embed")).await;
        assert_eq!(res.status(), 200, "{name}");
        let page = res.text().await.unwrap();
        // (A single quote is harmless: every attribute is double-quoted.)
        for raw in ["<script", "<img src=x", "<b>bold"] {
            assert!(!page.contains(raw), "{name}: raw {raw:?} in the embed");
        }
        let title = page.split("<title>").nth(1).unwrap().split("</title>").next().unwrap();
        assert!(!title.contains('<'), "{title}");
        assert_eq!(meta(&page, "og:title").unwrap(), format!("{name} (@{username}) on inssa"), "og:title as text");
        let after = page.split(r#"data-testid="embed-name""#).nth(1).unwrap();
        let shown = after[after.find('>').unwrap() + 1..].split("</h1>").next().unwrap();
        assert_eq!(html_escape::decode_html_entities(shown), name.as_str(), "the name as text");
    }
    app.stop().await;
}

/// Only the embed may sit in another site's frame; it sets no cookie,
/// runs no script, and its links open a new tab.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_embed_may_be_framed() {
    let app = spawn_app().await;
    let username = person(&app, 5);
    let res = app.client.get(app.url(&format!("/@{username}/embed?lang=ko&theme=dark"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["content-security-policy"], app::csp::EMBED_POLICY);
    assert!(headers.get("x-frame-options").is_none());
    assert!(headers.get("set-cookie").is_none());
    let page = res.text().await.unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains(r#"<html lang="ko" data-theme="dark">"#));
    assert!(!page.contains("<script"), "no script at all");
    assert!(page.contains("팔로워"));
    let links = page.matches("<a ").count();
    assert!(links >= 3);
    assert_eq!(page.matches(r#"target="_blank""#).count(), links, "every link opens a new tab");
    assert_eq!(page.matches(r#"rel="noopener"#).count(), links);

    for path in [format!("/@{username}"), format!("/@{username}/history"), "/".to_owned(), "/search?q=a".to_owned()] {
        let res = app.get(&path).await;
        assert_eq!(res.headers()["x-frame-options"], "DENY", "{path}");
        let policy = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
    }
    for path in [format!("/@{username}/card.png"), format!("/api/v1/profiles/{username}"), "/oembed".to_owned()] {
        assert_eq!(app.get(&path).await.headers()["x-frame-options"], "DENY", "{path}");
    }
    assert_eq!(app.get("/@nobody_here_at_all/embed").await.status(), 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oembed_describes_profile_pages_and_refuses_the_rest() {
    let app = spawn_app().await;
    let username = person(&app, 6);
    let (_, page) = html(&app, &format!("/@{username}")).await;
    let link =
        page.split("<link ").find(|tag| tag.contains(r#"type="application/json+oembed""#)).expect("discovery link");
    let href = link.split(r#"href=""#).nth(1).unwrap();
    let discovery = href[..href.find('"').unwrap()].replace("&amp;", "&");
    let res = app.get(discovery.strip_prefix(SITE).unwrap()).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["version"], "1.0");
    assert_eq!(answer["type"], "rich");
    assert_eq!(answer["provider_name"], "inssa");
    assert_eq!(answer["author_url"], format!("{SITE}/@{username}"));
    assert_eq!((answer["width"].as_u64(), answer["height"].as_u64()), (Some(400), Some(216)));
    let html = answer["html"].as_str().unwrap();
    assert!(
        html.starts_with(&format!(r#"<iframe src="{SITE}/@{username}/embed?lang=en" width="400" height="216""#)),
        "{html}"
    );
    let thumbnail = answer["thumbnail_url"].as_str().unwrap().strip_prefix(SITE).unwrap().to_owned();
    assert_eq!((answer["thumbnail_width"].as_u64(), answer["thumbnail_height"].as_u64()), (Some(1200), Some(630)));
    assert_eq!(png_size(&app.get(&thumbnail).await.bytes().await.unwrap()), (1200, 630));

    let page_url = format!("{SITE}/@{username}");
    let ask = |query: String| {
        let app = &app;
        async move { app.get(&format!("/oembed?{query}")).await.status().as_u16() }
    };
    let encoded = |u: &str| app::format::query_value(u);
    let narrow: Value =
        app.get(&format!("/oembed?url={}&maxwidth=300", encoded(&page_url))).await.json().await.unwrap();
    assert_eq!(narrow["width"], 300);
    assert!(narrow["html"].as_str().unwrap().contains(r#"width="300""#));
    assert_eq!(ask(format!("url={}&format=xml", encoded(&page_url))).await, 501);
    assert_eq!(ask(format!("url={}&maxwidth=100", encoded(&page_url))).await, 404);
    assert_eq!(ask(format!("url={}&maxheight=50", encoded(&page_url))).await, 404);
    assert_eq!(ask(format!("url={}&maxwidth=wide", encoded(&page_url))).await, 400);
    assert_eq!(ask("format=json".to_owned()).await, 400);
    for unknown in [
        format!("https://evil.test/@{username}"),
        format!("{SITE}/@{username}/card.png"),
        format!("{SITE}/search"),
        format!("{SITE}/@nobody_here_at_all"),
        "javascript:alert(1)".to_owned(),
    ] {
        assert_eq!(ask(format!("url={}", encoded(&unknown))).await, 404, "{unknown}");
    }
    app.stop().await;
}
