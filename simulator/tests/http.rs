//! The simulator over real HTTP: the reference's shapes, codes and faults.

use std::time::Duration;

use serde_json::{json, Value};
use simulator::{AccountStats, Faults, RunningSimulator, SimAccount, SimConfig};

const TOKEN: &str = "sim-token";

async fn start() -> RunningSimulator {
    simulator::spawn(SimConfig { people: 500, ..SimConfig::default() }, 0).await.unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap()
}

/// A request with the service account's token, as the app sends it.
fn authorized(method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
    http().request(method, url).header("authorization", format!("Token {TOKEN}"))
}

fn fixture(file: &str) -> Value {
    let path = format!("{}/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn post(sim: &RunningSimulator, endpoint: &str, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    let res =
        authorized(reqwest::Method::POST, format!("{}/api/{endpoint}", sim.base_url)).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

/// The photo URL's file name, whatever host serves it.
fn photo_file(v: &Value) -> &str {
    v.as_str().unwrap().rsplit('/').next().unwrap()
}

#[tokio::test]
async fn get_profile_matches_the_fixture_except_the_photo_host() {
    let sim = start().await;
    let (status, _, body) = post(&sim, "get_profile", json!({ "username": "odessa.finch" })).await;
    assert_eq!(status, 200);
    let mut expected = fixture("get_profile.other_user.json");
    let mut got = body.clone();
    assert_eq!(photo_file(&got["user_profile"]["photo_url"]), photo_file(&expected["user_profile"]["photo_url"]));
    assert!(got["user_profile"]["photo_url"].as_str().unwrap().starts_with(&format!("{}/avatars/", sim.base_url)));
    // Compare everything else exactly, photos aside.
    for v in [&mut expected, &mut got] {
        let p = &mut v["user_profile"];
        p["photo_url"] = Value::Null;
        p["mutual_follows"][0]["photo_url"] = Value::Null;
        p["invited_by_user_profile"]["photo_url"] = Value::Null;
        p["clubs"][0]["photo_url"] = Value::Null;
    }
    assert_eq!(got, expected);
}

#[tokio::test]
async fn ids_as_numbers_or_strings_and_usernames_in_any_case() {
    let sim = start().await;
    for request in
        [json!({ "user_id": 910000001 }), json!({ "user_id": "910000001" }), json!({ "username": "ODESSA.Finch" })]
    {
        let (status, _, body) = post(&sim, "get_profile", request.clone()).await;
        assert_eq!(status, 200, "{request}");
        assert_eq!(body["user_profile"]["username"], "odessa.finch");
    }
    let (status, _, body) = post(&sim, "get_profile", json!({ "user_id": 1 })).await;
    assert_eq!((status, body), (404, json!({ "detail": "Not found." })));
    let (status, _, _) = post(&sim, "get_profile", json!({ "user_id": "abc" })).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn authentication_and_methods_answer_like_drf() {
    let sim = start().await;
    let url = format!("{}/api/get_profile", sim.base_url);
    let res = http().post(&url).json(&json!({ "user_id": 910000001 })).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "detail": "Authentication credentials were not provided." })
    );
    let res = http().post(&url).header("authorization", "Token nope").json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "detail": "Invalid token." }));
    let res = authorized(reqwest::Method::GET, url.clone()).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST, OPTIONS");
}

#[tokio::test]
async fn the_self_view_has_its_extra_keys() {
    let sim = start().await;
    let res = authorized(reqwest::Method::POST, format!("{}/api/get_profile", sim.base_url))
        .header("ch-userid", "910000001")
        .json(&json!({ "user_id": 910000001 }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user_profile"]["topics"], fixture("get_profile.self_extra_keys.json")["topics"]);
    let (_, _, other) = post(&sim, "get_profile", json!({ "user_id": 910000001 })).await;
    assert!(other["user_profile"].get("topics").is_none());
}

#[tokio::test]
async fn search_pages_with_string_ids() {
    let sim = start().await;
    let url = format!("{}/api/search_users?page=1&page_size=2", sim.base_url);
    let res = authorized(reqwest::Method::POST, url.clone()).json(&json!({ "query": "odessa" })).send().await.unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["users"].as_array().unwrap().len(), 2);
    assert_eq!(body["users"][0]["user_id"], "910000001");
    assert_eq!(body["previous"], Value::Null);
    let count = body["count"].as_u64().unwrap();
    assert!(count >= 2);
    // GET works too, with the query in the query string.
    let res = authorized(
        reqwest::Method::GET,
        format!("{}/api/search_users?query=odessa&page=1&page_size=100", sim.base_url),
    )
    .send()
    .await
    .unwrap();
    let all: Value = res.json().await.unwrap();
    assert_eq!(all["count"].as_u64(), Some(count));
    assert_eq!(all["next"], Value::Null);

    let (_, _, empty) = post(&sim, "search_users", json!({ "query": "" })).await;
    assert_eq!(empty, json!({ "users": [], "count": 0, "next": 0, "previous": 0, "success": true }));
}

#[tokio::test]
async fn followers_are_paged_with_truncated_bios() {
    let sim = start().await;
    let res = authorized(
        reqwest::Method::GET,
        format!("{}/api/get_followers?user_id=910000001&page=1&page_size=100", sim.base_url),
    )
    .send()
    .await
    .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["users"].as_array().unwrap().len(), 100);
    assert_eq!(body["count"], 499, "everyone else, capped by the dataset");
    assert_eq!(body["next"], 2);
    for user in body["users"].as_array().unwrap() {
        assert!(user["user_id"].is_u64());
        assert!(user.get("last_active_minutes").is_some());
        if let Some(bio) = user["bio"].as_str() {
            assert!(bio.chars().count() <= 80, "{bio}");
        }
    }
    let res = authorized(reqwest::Method::POST, format!("{}/api/get_following?user_id=910000001", sim.base_url))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["clubs"][0]["name"], "Lighthouse Keepers Society");
    assert!(body["users"][0].get("last_active_minutes").is_none());
}

#[tokio::test]
async fn faults_are_injected_and_counted() {
    let sim = start().await;
    let request = json!({ "user_id": 910000001 });

    sim.sim.set_faults(Faults { rate_429: 1.0, retry_after_secs: 7, ..Faults::default() });
    let (status, headers, _) = post(&sim, "get_profile", request.clone()).await;
    assert_eq!((status, headers["retry-after"].to_str().unwrap()), (429, "7"));

    sim.sim.set_faults(Faults { banned: true, ..Faults::default() });
    assert_eq!(post(&sim, "get_profile", request.clone()).await.0, 403);

    sim.sim.set_faults(Faults { high_usage: true, ..Faults::default() });
    let (status, _, body) = post(&sim, "get_profile", request.clone()).await;
    assert_eq!((status, body["success"].clone()), (200, json!(false)));
    assert!(body["error_message"].as_str().unwrap().contains("high usage"));

    sim.sim.set_faults(Faults { rate_5xx: 1.0, ..Faults::default() });
    assert!(post(&sim, "get_profile", request.clone()).await.0 >= 500);

    sim.sim.set_faults(Faults { down: true, ..Faults::default() });
    assert_eq!(post(&sim, "get_profile", request.clone()).await.0, 503);

    sim.sim.set_faults(Faults { malformed: true, ..Faults::default() });
    let res = authorized(reqwest::Method::POST, format!("{}/api/get_profile", sim.base_url))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(serde_json::from_slice::<Value>(&res.bytes().await.unwrap()).is_err());

    sim.sim.set_faults(Faults { hang: true, ..Faults::default() });
    let hung = authorized(reqwest::Method::POST, format!("{}/api/get_profile", sim.base_url))
        .timeout(Duration::from_millis(300))
        .json(&request)
        .send()
        .await;
    assert!(hung.unwrap_err().is_timeout());

    sim.sim.set_faults(Faults { latency_ms: 200, ..Faults::default() });
    let started = std::time::Instant::now();
    assert_eq!(post(&sim, "get_profile", request.clone()).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));

    let calls = sim.sim.calls();
    assert_eq!((calls.get_profile, calls.total), (8, 8));
    sim.sim.reset_calls();
    assert_eq!(sim.sim.calls().total, 0);
}

#[tokio::test]
async fn the_admin_api_sets_faults_and_reads_counters() {
    let sim = start().await;
    let client = http();
    let res = client.put(format!("{}/_sim/faults", sim.base_url)).body(r#"{"rate_429": 2}"#).send().await.unwrap();
    assert_eq!(res.status(), 400, "a share above 1 is refused");
    let res = client.put(format!("{}/_sim/faults", sim.base_url)).body(r#"{"latency_ms": 5}"#).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(sim.sim.faults().latency_ms, 5);
    post(&sim, "search_users", json!({ "query": "a" })).await;
    let calls: Value = client.get(format!("{}/_sim/calls", sim.base_url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(calls["search_users"], 1);
    let res = client.delete(format!("{}/_sim/calls", sim.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(sim.sim.calls().search_users, 0);
}

#[tokio::test]
async fn avatars_are_generated_pngs() {
    let sim = start().await;
    let (_, _, body) = post(&sim, "get_profile", json!({ "username": "twren" })).await;
    let url = body["user_profile"]["photo_url"].as_str().unwrap().to_owned();
    sim.sim.reset_calls();
    let res = http().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let res = http().get(format!("{}/avatars/not-a-photo", sim.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(sim.sim.calls().avatars, 2);
    assert_eq!(sim.sim.calls().total, 0, "avatars are not API calls");
}

/// The default account and two more, one of them limited to two calls a minute.
async fn start_with_accounts() -> RunningSimulator {
    let accounts = vec![
        SimAccount { user_id: 910000101, token: "tok-limited-5e1f".into(), calls_per_minute: Some(2) },
        SimAccount { user_id: 910000102, token: "tok-free-77ac".into(), calls_per_minute: None },
    ];
    simulator::spawn(SimConfig { people: 300, accounts, ..SimConfig::default() }, 0).await.unwrap()
}

async fn post_as(sim: &RunningSimulator, token: &str, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    let res = http()
        .post(format!("{}/api/get_profile", sim.base_url))
        .header("authorization", format!("Token {token}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

fn stats_of(sim: &RunningSimulator, label: u64) -> AccountStats {
    sim.sim.account_stats().into_iter().find(|s| s.label == label).unwrap()
}

#[tokio::test]
async fn each_token_has_its_own_minute_limit() {
    let sim = start_with_accounts().await;
    let request = json!({ "user_id": 910000001 });
    assert_eq!(post_as(&sim, "tok-limited-5e1f", request.clone()).await.0, 200);
    assert_eq!(post_as(&sim, "tok-limited-5e1f", request.clone()).await.0, 200);
    let (status, headers, body) = post_as(&sim, "tok-limited-5e1f", request.clone()).await;
    assert_eq!(status, 429);
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(body, json!({ "detail": format!("Request was throttled. Expected available in {wait} seconds.") }));
    for token in [TOKEN, "tok-free-77ac", TOKEN, "tok-free-77ac", TOKEN] {
        assert_eq!(post_as(&sim, token, request.clone()).await.0, 200, "other tokens are not limited");
    }

    let limited = stats_of(&sim, 910000101);
    assert_eq!((limited.calls, limited.throttled, limited.refused), (2, 1, 0));
    assert_eq!(limited.call_times_ms.len(), 2);
    assert!(limited.call_times_ms[0] <= limited.call_times_ms[1]);
    assert_eq!((stats_of(&sim, 910000000).calls, stats_of(&sim, 910000102).calls), (3, 2));
    assert_eq!(sim.sim.calls().get_profile, 8, "the endpoint counters count every call");

    sim.sim.reset_calls();
    assert!(sim.sim.account_stats().iter().all(|s| s.calls == 0 && s.throttled == 0 && s.call_times_ms.is_empty()));
    assert_eq!(post_as(&sim, "tok-limited-5e1f", request).await.0, 429, "a reset does not give the minute back");
}

#[tokio::test]
async fn the_shared_limit_covers_the_default_account() {
    let config = SimConfig { people: 100, calls_per_minute: Some(1), ..SimConfig::default() };
    let sim = simulator::spawn(config, 0).await.unwrap();
    assert_eq!(post(&sim, "get_profile", json!({ "user_id": 910000001 })).await.0, 200);
    assert_eq!(post(&sim, "get_profile", json!({ "user_id": 910000001 })).await.0, 429);
    assert_eq!(stats_of(&sim, 910000000).throttled, 1);
}

#[tokio::test]
async fn one_token_can_be_banned_alone() {
    let sim = start_with_accounts().await;
    let client = http();
    let request = json!({ "user_id": 910000001 });
    let url = format!("{}/_sim/accounts/910000102", sim.base_url);
    let res = client.put(&url).body(r#"{"banned": true}"#).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<AccountStats>().await.unwrap().banned);
    let (status, _, body) = post_as(&sim, "tok-free-77ac", request.clone()).await;
    assert_eq!((status, body), (403, json!({ "detail": "You do not have permission to perform this action." })));
    assert_eq!(post_as(&sim, TOKEN, request.clone()).await.0, 200);
    assert_eq!(post_as(&sim, "tok-limited-5e1f", request.clone()).await.0, 200);
    let banned = stats_of(&sim, 910000102);
    assert_eq!((banned.banned, banned.calls, banned.refused), (true, 0, 1));

    assert!(sim.sim.set_account_banned(910000102, false));
    assert_eq!(post_as(&sim, "tok-free-77ac", request.clone()).await.0, 200);
    assert!(!sim.sim.set_account_banned(1, true), "no such account");
    assert!(sim.sim.set_account_banned(910000000, true), "the default account is one too");
    assert_eq!(post_as(&sim, TOKEN, request).await.0, 403);

    for (url, body, status) in [
        ("/_sim/accounts/910000102", r#"{"banned": "yes"}"#, 400),
        ("/_sim/accounts/910000102", r#"{"banned": "tok-free-77ac"}"#, 400),
        ("/_sim/accounts/910000102", r#"{"banned": true, "limit": 3}"#, 400),
        ("/_sim/accounts/910000102", "not json", 400),
        ("/_sim/accounts/910000102", "{}", 400),
        ("/_sim/accounts/12345", r#"{"banned": true}"#, 404),
        ("/_sim/accounts/tok-free-77ac", r#"{"banned": true}"#, 404),
    ] {
        let res = client.put(format!("{}{url}", sim.base_url)).body(body).send().await.unwrap();
        assert_eq!(res.status(), status, "{url} {body}");
        assert!(!res.text().await.unwrap().contains("tok-"), "no token in {url}");
    }
}

#[tokio::test]
async fn the_accounts_admin_never_shows_a_token() {
    let sim = start_with_accounts().await;
    post_as(&sim, "tok-limited-5e1f", json!({ "user_id": 910000001 })).await;
    let res = http().get(format!("{}/_sim/accounts", sim.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    for token in [TOKEN, "tok-limited-5e1f", "tok-free-77ac"] {
        assert!(!text.contains(token), "{token} in {text}");
    }
    let stats: Vec<AccountStats> = serde_json::from_str(&text).unwrap();
    let labels: Vec<u64> = stats.iter().map(|s| s.label).collect();
    assert_eq!(labels, [910000000, 910000101, 910000102]);
    assert_eq!(stats[1].calls, 1);
    assert!(!format!("{:?}", sim.sim.config()).contains("tok-"), "nor does the config's debug form");
}

#[tokio::test]
async fn me_answers_for_the_token_asking() {
    let sim = start_with_accounts().await;
    for (token, user_id) in [(TOKEN, 910000000), ("tok-free-77ac", 910000102)] {
        let res = http()
            .post(format!("{}/api/me", sim.base_url))
            .header("authorization", format!("Token {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.json::<Value>().await.unwrap()["user_profile"]["user_id"], user_id);
    }
}

#[tokio::test]
async fn a_config_with_a_shared_token_is_refused() {
    let accounts = vec![SimAccount { user_id: 910000101, token: TOKEN.into(), calls_per_minute: None }];
    let error = simulator::spawn(SimConfig { people: 50, accounts, ..SimConfig::default() }, 0).await.err().unwrap();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(!error.to_string().contains(TOKEN));
}

#[tokio::test]
async fn people_are_added_changed_and_deleted_over_the_admin() {
    let sim = start().await;
    let client = http();
    let people = format!("{}/_sim/people", sim.base_url);

    let last = sim.sim.usernames().pop().unwrap();
    let (_, _, last) = post(&sim, "get_profile", json!({ "username": last })).await;
    let res = client.post(&people).body(r#"{"username": "fresh.face"}"#).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["user_id"].as_u64().unwrap();
    assert_eq!(id, last["user_profile"]["user_id"].as_u64().unwrap() + 1, "above every generated id");
    for (body, status) in [
        (r#"{"username": "FRESH.face"}"#, 409),
        (r#"{"username": "odessa.finch"}"#, 409),
        (r#"{"username": "no spaces"}"#, 400),
        (r#"{"username": "ok", "bio": "x"}"#, 400),
        (r#"{}"#, 400),
        ("nope", 400),
    ] {
        assert_eq!(client.post(&people).body(body).send().await.unwrap().status(), status, "{body}");
    }
    for request in [json!({ "username": "fresh.face" }), json!({ "user_id": id })] {
        let (status, _, body) = post(&sim, "get_profile", request).await;
        assert_eq!(status, 200);
        assert_eq!(
            (body["user_profile"]["user_id"].as_u64(), body["user_profile"]["num_followers"].as_u64()),
            (Some(id), Some(0))
        );
    }
    let (_, _, found) = post(&sim, "search_users", json!({ "query": "fresh.face" })).await;
    assert_eq!(found["users"][0]["user_id"], id.to_string());
    assert!(sim.sim.usernames().contains(&"fresh.face".to_owned()));

    let res = client
        .put(format!("{people}/fresh.face"))
        .body(r#"{"bio": "Changed.", "photo_url": null, "username": "fresh.renamed"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, _, body) = post(&sim, "get_profile", json!({ "user_id": id })).await;
    let profile = &body["user_profile"];
    assert_eq!(
        (&profile["bio"], &profile["photo_url"], &profile["username"]),
        (&json!("Changed."), &Value::Null, &json!("fresh.renamed"))
    );
    assert_eq!(post(&sim, "get_profile", json!({ "username": "fresh.face" })).await.0, 404);
    let res = client.put(format!("{people}/fresh.renamed")).body(r#"{"followers": 3}"#).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("\"followers\""), "the message names the key");
    assert_eq!(client.put(format!("{people}/nobody.at.all")).body("{}").send().await.unwrap().status(), 404);
    assert_eq!(
        client.put(format!("{people}/fresh.renamed")).body(r#"{"username": "twren"}"#).send().await.unwrap().status(),
        409
    );
    sim.sim.update_person("fresh.renamed", json!({ "num_followers": 12 })).unwrap();
    let (_, _, body) = post(&sim, "get_profile", json!({ "username": "fresh.renamed" })).await;
    assert_eq!(body["user_profile"]["num_followers"], 12);

    assert_eq!(client.delete(format!("{people}/fresh.renamed")).send().await.unwrap().status(), 204);
    assert_eq!(client.delete(format!("{people}/fresh.renamed")).send().await.unwrap().status(), 404);
    for request in [json!({ "username": "fresh.renamed" }), json!({ "user_id": id })] {
        let (status, _, body) = post(&sim, "get_profile", request).await;
        assert_eq!((status, body), (404, json!({ "detail": "Not found." })));
    }
    let (_, _, found) = post(&sim, "search_users", json!({ "query": "fresh" })).await;
    assert_eq!(found["count"], 0);
}

#[tokio::test]
async fn people_are_deleted_and_added_in_process() {
    let sim = start().await;
    let (_, _, before) = post(&sim, "get_profile", json!({ "username": "twren" })).await;
    let twren = before["user_profile"]["user_id"].as_u64().unwrap();
    assert!(sim.sim.delete_person("twren"));
    assert!(!sim.sim.delete_person("twren"));
    assert_eq!(post(&sim, "get_profile", json!({ "username": "twren" })).await.0, 404);
    assert_eq!(post(&sim, "get_profile", json!({ "user_id": twren })).await.0, 404);
    assert!(!sim.sim.usernames().contains(&"twren".to_owned()));
    let (_, _, odessa) = post(&sim, "get_profile", json!({ "username": "odessa.finch" })).await;
    assert_eq!(odessa["user_profile"]["invited_by_user_profile"], Value::Null, "a deleted nominator is not shown");

    let again = sim.sim.add_person("twren").unwrap();
    assert_ne!(again, twren, "a new person, with a new id");
    assert!(sim.sim.add_person("twren").unwrap_err().contains("taken"));
    assert!(sim.sim.update_person("no.such.person", json!({ "bio": "x" })).is_err());
    let (status, _, body) = post(&sim, "get_profile", json!({ "user_id": again })).await;
    assert_eq!((status, body["user_profile"]["username"].as_str()), (200, Some("twren")));
}
