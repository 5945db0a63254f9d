//! The simulator over real HTTP: the reference's shapes, codes and faults.

use std::time::Duration;

use serde_json::{json, Value};
use simulator::{Faults, RunningSimulator, SimConfig};

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
