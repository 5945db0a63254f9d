//! The HTTP face of the simulator: the Clubhouse endpoints with the status
//! codes, headers and bodies the reference documents, the avatar host, and
//! a small admin API under `/_sim`.

use std::{collections::HashMap, io::Write, sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::{any, get, put},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    avatars,
    dataset::{PeopleError, Person},
    faults::{Endpoint, Faults},
    AccountStats, Simulator,
};

type Sim = State<Arc<Simulator>>;
type Params = Query<HashMap<String, String>>;

pub fn router(sim: Arc<Simulator>) -> Router {
    Router::new()
        .route("/api/get_profile", any(get_profile))
        .route("/api/search_users", any(search_users))
        .route("/api/get_followers", any(get_followers))
        .route("/api/get_following", any(get_following))
        .route("/api/me", any(me))
        .route("/avatars/{file}", get(avatar))
        .route("/_sim/health", get(|| async { "ok" }))
        .route("/_sim/faults", get(read_faults).put(write_faults).post(write_faults))
        .route("/_sim/calls", get(read_calls).delete(reset_calls))
        .route("/_sim/usernames", get(usernames))
        .route("/_sim/accounts", get(read_accounts))
        .route("/_sim/accounts/{label}", put(write_account))
        .route("/_sim/people", axum::routing::post(add_person))
        .route("/_sim/people/{username}", put(update_person).delete(delete_person))
        .fallback(|| async { (StatusCode::NOT_FOUND, Json(json!({ "detail": "Not found." }))) })
        .with_state(sim)
}

const PROFILE_METHODS: &str = "POST, OPTIONS";
const LIST_METHODS: &str = "GET, POST, OPTIONS";
const HIGH_USAGE: &str =
    "Our systems have detected high usage of this feature from your account. Please try again later.";

/// What every API call goes through before its own work: counting, then the
/// injected faults in the order a real request meets them (the edge, the
/// network, authentication, bans, the token's own limit, throttling, the
/// application). Gives the account the call came from.
async fn gate(sim: &Simulator, endpoint: Endpoint, headers: &HeaderMap) -> Result<usize, Response> {
    sim.counters.count(endpoint);
    let faults = sim.faults();
    if faults.down {
        return Err(edge_error(StatusCode::SERVICE_UNAVAILABLE));
    }
    if faults.hang {
        // Long enough for any client timeout; the connection is dropped with the client.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let account = authenticate(sim, headers)?;
    if sim.accounts.refuse_if_banned(account, faults.banned) {
        return Err(detail(StatusCode::FORBIDDEN, "You do not have permission to perform this action."));
    }
    let arrived_ms = sim.now_ms();
    if let Err(wait) = sim.accounts.admit(account, arrived_ms) {
        return Err(throttled(wait));
    }
    if sim.roll(faults.rate_429) {
        return Err(throttled(if faults.retry_after_secs == 0 { 30 } else { faults.retry_after_secs }));
    }
    if sim.roll(faults.rate_5xx) {
        const STATUSES: [u16; 5] = [500, 502, 503, 520, 522];
        let status = STATUSES[(sim.noise.load(std::sync::atomic::Ordering::Relaxed) % 5) as usize];
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        return Err(if status == StatusCode::INTERNAL_SERVER_ERROR {
            detail(status, "A server error occurred.")
        } else {
            edge_error(status)
        });
    }
    // From here on the application answers, so the call counts as the account's.
    sim.accounts.count_call(account, arrived_ms);
    if faults.high_usage {
        return Err(json_response(StatusCode::OK, &json!({ "success": false, "error_message": HIGH_USAGE }), headers));
    }
    Ok(account)
}

/// DRF's throttled answer.
fn throttled(wait_secs: u64) -> Response {
    let mut response = detail(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("Request was throttled. Expected available in {wait_secs} seconds."),
    );
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait_secs));
    response
}

/// Django REST Framework's token authentication, with its exact messages;
/// gives the account the token belongs to.
fn authenticate(sim: &Simulator, headers: &HeaderMap) -> Result<usize, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match token {
        None => Err(detail(StatusCode::UNAUTHORIZED, "Authentication credentials were not provided.")),
        Some(token) => sim.accounts.find(token).ok_or_else(|| detail(StatusCode::UNAUTHORIZED, "Invalid token.")),
    }
}

/// The method check comes after authentication, as in DRF.
fn allowed(method: &Method, allow: &'static str) -> Result<(), Response> {
    if method == Method::OPTIONS {
        let mut response = StatusCode::OK.into_response();
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        return Err(response);
    }
    if allow.split(", ").any(|m| m == method.as_str()) {
        return Ok(());
    }
    let mut response = detail(StatusCode::METHOD_NOT_ALLOWED, &format!("Method \"{method}\" not allowed."));
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    Err(response)
}

async fn get_profile(State(sim): Sim, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = gate(&sim, Endpoint::GetProfile, &headers).await {
        return response;
    }
    if let Err(response) = allowed(&method, PROFILE_METHODS) {
        return response;
    }
    let request = match json_body(&body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let data = sim.data();
    let person = match (&request["user_id"], &request["username"]) {
        (Value::Null, Value::String(username)) => data.by_username(username.trim_start_matches('@')),
        (Value::Null, _) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({ "success": false, "error_message": "Please provide a user_id or username." }),
                &headers,
            )
        }
        (id, _) => match id_value(id) {
            Some(id) => data.by_id(id),
            None => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({ "user_id": ["A valid integer is required."] }),
                    &headers,
                )
            }
        },
    };
    let Some(person) = person else { return detail(StatusCode::NOT_FOUND, "Not found.") };
    let mut profile = data.profile_json(person, &sim.avatar_base());
    let viewer = headers.get("ch-userid").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if viewer == Some(person.user_id) {
        if let (Some(profile), Some(extra)) = (profile.as_object_mut(), sim.self_view_keys.as_object()) {
            profile.extend(extra.clone());
        }
    }
    answer(&sim, json!({ "user_profile": profile, "success": true }), &headers)
}

async fn search_users(
    State(sim): Sim,
    method: Method,
    headers: HeaderMap,
    Query(params): Params,
    body: Bytes,
) -> Response {
    if let Err(response) = gate(&sim, Endpoint::SearchUsers, &headers).await {
        return response;
    }
    if let Err(response) = allowed(&method, LIST_METHODS) {
        return response;
    }
    let request = match json_body(&body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let query = request["query"].as_str().or(params.get("query").map(String::as_str)).unwrap_or("").trim().to_owned();
    if query.is_empty() {
        // As reported for the real API: zeros, not nulls.
        return answer(&sim, json!({ "users": [], "count": 0, "next": 0, "previous": 0, "success": true }), &headers);
    }
    let data = sim.data();
    let hits = data.search(&query);
    let page = match Page::from(&params, 100, hits.len()) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let avatars = sim.avatar_base();
    let users: Vec<Value> = hits[page.range()].iter().map(|p| data.search_entry(p, &avatars)).collect();
    drop(data);
    answer(&sim, page.body(users), &headers)
}

async fn get_followers(
    State(sim): Sim,
    method: Method,
    headers: HeaderMap,
    Query(params): Params,
    body: Bytes,
) -> Response {
    list(sim, Endpoint::GetFollowers, method, headers, params, body).await
}

async fn get_following(
    State(sim): Sim,
    method: Method,
    headers: HeaderMap,
    Query(params): Params,
    body: Bytes,
) -> Response {
    list(sim, Endpoint::GetFollowing, method, headers, params, body).await
}

/// `get_followers` and `get_following`: paged, with truncated bios.
async fn list(
    sim: Arc<Simulator>,
    endpoint: Endpoint,
    method: Method,
    headers: HeaderMap,
    mut params: HashMap<String, String>,
    body: Bytes,
) -> Response {
    if let Err(response) = gate(&sim, endpoint, &headers).await {
        return response;
    }
    if let Err(response) = allowed(&method, LIST_METHODS) {
        return response;
    }
    // POST may carry the parameters in the body instead.
    if let Ok(Value::Object(fields)) = json_body(&body) {
        for (key, value) in fields {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            params.entry(key).or_insert(text);
        }
    }
    let data = sim.data();
    let person = params.get("user_id").and_then(|id| id.parse::<u64>().ok()).and_then(|id| data.by_id(id));
    let Some(person) = person else { return detail(StatusCode::NOT_FOUND, "Not found.") };
    let following = endpoint == Endpoint::GetFollowing;
    let people: Vec<&Person> = if following { data.following(person) } else { data.followers(person) };
    let page = match Page::from(&params, 50, people.len()) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let avatars = sim.avatar_base();
    let users: Vec<Value> = people[page.range()].iter().map(|p| data.list_entry(p, &avatars, !following)).collect();
    let mut body = page.body(users);
    if following {
        let clubs: Vec<Value> = if page.number == 1 {
            person.clubs.iter().take(10).map(|&i| data.club_json(&data.clubs[i], &avatars)).collect()
        } else {
            Vec::new()
        };
        body["clubs"] = Value::Array(clubs);
    }
    drop(data);
    answer(&sim, body, &headers)
}

/// The token check: who the account is, for whichever token is asking.
async fn me(State(sim): Sim, method: Method, headers: HeaderMap) -> Response {
    let account = match gate(&sim, Endpoint::Me, &headers).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    if let Err(response) = allowed(&method, PROFILE_METHODS) {
        return response;
    }
    let user_id = sim.accounts.label(account);
    let profile = match sim.data().by_id(user_id) {
        Some(p) => json!({ "user_id": p.user_id, "name": p.name, "photo_url": null, "username": p.username }),
        None => {
            json!({ "user_id": user_id, "name": "Service Account", "photo_url": null, "username": "service.account" })
        }
    };
    answer(&sim, json!({ "user_profile": profile, "num_invites": 0, "is_admin": false, "success": true }), &headers)
}

async fn avatar(State(sim): Sim, Path(file): Path<String>) -> Response {
    sim.counters.count_avatar();
    if !avatars::is_photo_key(&file) {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        return (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/xml")], body).into_response();
    }
    let png = sim.avatar(&file);
    let etag = format!("\"{:016x}\"", crate::rng::hash(&file));
    (
        [
            (header::CONTENT_TYPE, "image/png".to_owned()),
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            (header::ETAG, etag),
        ],
        Bytes::copy_from_slice(&png),
    )
        .into_response()
}

async fn read_faults(State(sim): Sim) -> Json<Faults> {
    Json(sim.faults())
}

async fn write_faults(State(sim): Sim, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("invalid faults: {e}\n")).into_response(),
    };
    if let Err(e) = faults.validate() {
        return (StatusCode::BAD_REQUEST, format!("invalid faults: {e}\n")).into_response();
    }
    sim.set_faults(faults.clone());
    tracing::info!(?faults, "faults set");
    Json(faults).into_response()
}

async fn read_calls(State(sim): Sim) -> Json<crate::CallCounts> {
    Json(sim.calls())
}

async fn reset_calls(State(sim): Sim) -> StatusCode {
    sim.reset_calls();
    StatusCode::NO_CONTENT
}

async fn usernames(State(sim): Sim) -> Json<Vec<String>> {
    Json(sim.usernames())
}

async fn read_accounts(State(sim): Sim) -> Json<Vec<AccountStats>> {
    Json(sim.account_stats())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountChange {
    banned: bool,
}

/// `{"banned": true|false}` for the account labelled `label`; answers its stats.
async fn write_account(State(sim): Sim, Path(label): Path<String>, body: Bytes) -> Response {
    let Some(id) = label.parse::<u64>().ok().filter(|&l| sim.accounts.stats_by_label(l).is_some()) else {
        let message = format!("no account is labelled {label:?} (accounts are labelled by user id)");
        return admin_error(&sim, StatusCode::NOT_FOUND, &message);
    };
    let change: AccountChange = match serde_json::from_slice(&body) {
        Ok(change) => change,
        Err(e) => return admin_error(&sim, StatusCode::BAD_REQUEST, &format!("invalid account change: {e}")),
    };
    sim.set_account_banned(id, change.banned);
    match sim.accounts.stats_by_label(id) {
        Some(stats) => Json(stats).into_response(),
        None => admin_error(&sim, StatusCode::NOT_FOUND, &format!("no account is labelled {id}")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPerson {
    username: String,
}

async fn add_person(State(sim): Sim, body: Bytes) -> Response {
    let new: NewPerson = match serde_json::from_slice(&body) {
        Ok(new) => new,
        Err(e) => return admin_error(&sim, StatusCode::BAD_REQUEST, &format!("invalid person: {e}")),
    };
    match sim.add_person_checked(&new.username) {
        Ok(user_id) => (StatusCode::CREATED, Json(json!({ "user_id": user_id }))).into_response(),
        Err(e) => people_error(&sim, e),
    }
}

async fn update_person(State(sim): Sim, Path(username): Path<String>, body: Bytes) -> Response {
    let changes: Value = match serde_json::from_slice(&body) {
        Ok(changes) => changes,
        Err(e) => return admin_error(&sim, StatusCode::BAD_REQUEST, &format!("invalid changes: {e}")),
    };
    match sim.update_person_checked(&username, &changes) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => people_error(&sim, e),
    }
}

async fn delete_person(State(sim): Sim, Path(username): Path<String>) -> Response {
    if sim.delete_person(&username) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        people_error(&sim, PeopleError::NotFound(username))
    }
}

fn people_error(sim: &Simulator, error: PeopleError) -> Response {
    let status = match error {
        PeopleError::NotFound(_) => StatusCode::NOT_FOUND,
        PeopleError::Taken(_) => StatusCode::CONFLICT,
        PeopleError::Invalid(_) => StatusCode::BAD_REQUEST,
    };
    admin_error(sim, status, &error.to_string())
}

/// The admin's errors are for people reading test output: plain text, as
/// the faults route answers them. They echo what was sent, which might be a
/// token sent by mistake, so tokens are blanked out.
fn admin_error(sim: &Simulator, status: StatusCode, message: &str) -> Response {
    (status, format!("{}\n", sim.accounts.redact(message))).into_response()
}

/// Page-number paging as DRF does it: `count`, `next`, `previous`, and 404
/// for a page past the end.
struct Page {
    number: usize,
    size: usize,
    total: usize,
}

impl Page {
    fn from(params: &HashMap<String, String>, default_size: usize, total: usize) -> Result<Page, Response> {
        let invalid = || detail(StatusCode::NOT_FOUND, "Invalid page.");
        let number = match params.get("page") {
            None => 1,
            Some(p) => p.parse::<usize>().ok().filter(|&n| n >= 1).ok_or_else(invalid)?,
        };
        let size =
            params.get("page_size").and_then(|s| s.parse::<usize>().ok()).filter(|&s| s >= 1).unwrap_or(default_size);
        let size = size.min(5000);
        let pages = total.div_ceil(size).max(1);
        if number > pages {
            return Err(invalid());
        }
        Ok(Page { number, size, total })
    }

    fn range(&self) -> std::ops::Range<usize> {
        let start = ((self.number - 1) * self.size).min(self.total);
        start..(start + self.size).min(self.total)
    }

    fn body(&self, users: Vec<Value>) -> Value {
        let next = (self.number * self.size < self.total).then_some(self.number + 1);
        let previous = (self.number > 1).then_some(self.number - 1);
        json!({ "users": users, "count": self.total, "next": next, "previous": previous, "success": true })
    }
}

/// `{}` for an empty body; 400 for one that is not a JSON object.
fn json_body(body: &[u8]) -> Result<Value, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(detail(StatusCode::BAD_REQUEST, "Invalid data. Expected a dictionary.")),
        Err(e) => Err(detail(StatusCode::BAD_REQUEST, &format!("JSON parse error - {e}"))),
    }
}

/// An id sent as a number or as a string of digits.
fn id_value(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A successful answer, unless the malformed-body fault is on.
fn answer(sim: &Simulator, body: Value, request: &HeaderMap) -> Response {
    if sim.faults().malformed {
        let text = body.to_string();
        let cut = text.len() / 2;
        let broken = text.get(..cut).unwrap_or("{\"user_profile\": {").to_owned();
        return ([(header::CONTENT_TYPE, "application/json")], broken).into_response();
    }
    json_response(StatusCode::OK, &body, request)
}

fn detail(status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(json!({ "detail": message }))).into_response();
    add_upstream_headers(response.headers_mut());
    response
}

/// JSON with the headers the real service sends, gzip-encoded when the
/// client accepts it (as Cloudflare does).
fn json_response(status: StatusCode, body: &Value, request: &HeaderMap) -> Response {
    let text = body.to_string();
    let gzip = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut response = if gzip && text.len() > 860 {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let compressed = encoder.write_all(text.as_bytes()).and_then(|_| encoder.finish());
        match compressed {
            Ok(bytes) => {
                let mut r = (status, bytes).into_response();
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            Err(_) => (status, text).into_response(),
        }
    } else {
        (status, text).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    add_upstream_headers(headers);
    response
}

fn add_upstream_headers(headers: &mut HeaderMap) {
    headers.insert(header::SERVER, HeaderValue::from_static("cloudflare"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding, Origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("cf-cache-status", HeaderValue::from_static("DYNAMIC"));
}

/// An error page from the edge (Cloudflare), not from the API: HTML.
fn edge_error(status: StatusCode) -> Response {
    let title = match status.as_u16() {
        520 => "520: Web server is returning an unknown error".to_owned(),
        522 => "522: Connection timed out".to_owned(),
        code => format!("{code} {}", status.canonical_reason().unwrap_or("Error")),
    };
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = (status, [(header::CONTENT_TYPE, "text/html")], body).into_response();
    response.headers_mut().insert(header::SERVER, HeaderValue::from_static("cloudflare"));
    response
}
