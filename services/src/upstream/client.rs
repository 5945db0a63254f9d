use std::{
    sync::{
        atomic::{AtomicU32, AtomicU64, Ordering},
        Mutex,
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use domain::{
    model::{Profile, SearchPage},
    username::Username,
};
use rand::Rng;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::metrics;

use super::{
    error::UpstreamError,
    limiter::{Denied, Limiter, LimiterSettings, LimiterSnapshot, PauseReason},
    sanitize::sanitize_profile,
};
use secrecy::{ExposeSecret, SecretString};

/// How to reach Clubhouse (or the simulator) and how gently.
#[derive(Clone, Debug)]
pub struct UpstreamConfig {
    /// e.g. `https://www.clubhouseapi.com/api` (no trailing slash).
    pub base_url: String,
    pub token: SecretString,
    /// The service account's user id (`CH-UserID`).
    pub user_id: Option<u64>,
    /// A stable device id (`CH-DeviceId`), the one the token was issued to.
    pub device_id: String,
    pub app_build: String,
    pub app_version: String,
    /// `en_US` style; `CH-Languages` is derived from it.
    pub locale: String,
    /// Per call, connect to last byte.
    pub timeout: Duration,
    pub limiter: LimiterSettings,
    /// How long calls stop after a 401/403 (a banned or wrong token).
    pub auth_pause: Duration,
    /// How long calls stop after the "high usage" message.
    pub high_usage_pause: Duration,
    /// Pause after a 429 without a usable Retry-After.
    pub rate_limit_pause: Duration,
    /// First and longest backoff after 5xx, timeouts and connection errors.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Largest response body read (profiles with hundreds of clubs are ~150 kB).
    pub max_body_bytes: usize,
}

/// A profile as fetched: the typed view for pages and the sanitized JSON
/// (every key the upstream sent, minus viewer-specific ones) for the cache.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchedProfile {
    pub profile: Profile,
    pub raw: Value,
}

/// What readiness details and metrics show about the upstream.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UpstreamHealth {
    /// False while calls are stopped because the upstream refused our token.
    pub healthy: bool,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<DateTime<Utc>>,
    pub last_error_kind: Option<&'static str>,
    pub consecutive_failures: u32,
    pub calls: u64,
    pub limiter: LimiterSnapshot,
}

#[derive(Default)]
struct Outcomes {
    last_success: Option<DateTime<Utc>>,
    last_error: Option<(DateTime<Utc>, &'static str)>,
}

pub struct ClubhouseClient {
    http: reqwest::Client,
    config: UpstreamConfig,
    limiter: Limiter,
    outcomes: Mutex<Outcomes>,
    consecutive_failures: AtomicU32,
    calls: AtomicU64,
}

/// The exact text Clubhouse uses to throttle an account without a 429.
const HIGH_USAGE_MARKER: &str = "high usage";
const UNAUTHORIZED: &str = "unauthorized";
/// Cap on any pause the upstream asks for, so a bogus header cannot stop us for days.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

impl ClubhouseClient {
    pub fn new(config: UpstreamConfig) -> Result<ClubhouseClient, reqwest::Error> {
        let mut headers = header::HeaderMap::new();
        let mut add = |name: &'static str, value: &str| {
            if let Ok(value) = header::HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        add("accept", "application/json");
        add("ch-appbuild", &config.app_build);
        add("ch-appversion", &config.app_version);
        add("ch-deviceid", &config.device_id);
        add("ch-locale", &config.locale);
        add("ch-languages", &config.locale.replace('_', "-"));
        if let Some(user_id) = config.user_id {
            add("ch-userid", &user_id.to_string());
        }
        if let Ok(mut auth) = header::HeaderValue::from_str(&format!("Token {}", config.token.expose_secret())) {
            // Keeps the token out of reqwest's and hyper's Debug output.
            auth.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, auth);
        }
        let http = reqwest::Client::builder()
            .user_agent(format!("clubhouse/android/{}", config.app_build))
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            // The API never redirects; following one could leak the token.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(ClubhouseClient {
            http,
            limiter: Limiter::new(config.limiter),
            config,
            outcomes: Mutex::new(Outcomes::default()),
            consecutive_failures: AtomicU32::new(0),
            calls: AtomicU64::new(0),
        })
    }

    pub fn config(&self) -> &UpstreamConfig {
        &self.config
    }

    /// A profile by username. Tries `get_profile {"username"}` first; when
    /// that finds nothing, searches and takes the exact (case-insensitive)
    /// username match, as the original site did.
    pub async fn profile_by_username(&self, username: &Username) -> Result<FetchedProfile, UpstreamError> {
        match self.get_profile(json!({ "username": username.as_str() })).await {
            Ok(found) if same_username(found.profile.username.as_deref(), username) => return Ok(found),
            Ok(_) | Err(UpstreamError::NotFound) | Err(UpstreamError::Rejected { .. }) => {}
            Err(e) => return Err(e),
        }
        let hits = self.search_users(username.as_str(), 1, 50).await?;
        let exact = hits.users.iter().find(|u| same_username(u.username.as_deref(), username));
        match exact {
            Some(hit) => self.profile_by_id(hit.user_id).await,
            None => Err(UpstreamError::NotFound),
        }
    }

    pub async fn profile_by_id(&self, user_id: u64) -> Result<FetchedProfile, UpstreamError> {
        self.get_profile(json!({ "user_id": user_id })).await
    }

    /// One page of `search_users` (page numbers start at 1).
    pub async fn search_users(&self, query: &str, page: u32, page_size: u32) -> Result<SearchPage, UpstreamError> {
        let body = json!({
            "query": query,
            "cofollows_only": false,
            "following_only": false,
            "followers_only": false,
        });
        let query_string = [("page", page.max(1).to_string()), ("page_size", page_size.clamp(1, 100).to_string())];
        let value = self.call(Method::POST, "search_users", &query_string, Some(body)).await?;
        serde_json::from_value(value).map_err(|e| UpstreamError::Malformed { reason: format!("search_users: {e}") })
    }

    pub fn health(&self) -> UpstreamHealth {
        let outcomes = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        let limiter = self.limiter.snapshot();
        UpstreamHealth {
            healthy: limiter.pause_reason != Some(UNAUTHORIZED),
            last_success: outcomes.last_success,
            last_error: outcomes.last_error.map(|(at, _)| at),
            last_error_kind: outcomes.last_error.map(|(_, kind)| kind),
            consecutive_failures: self.consecutive_failures.load(Ordering::Relaxed),
            calls: self.calls.load(Ordering::Relaxed),
            limiter,
        }
    }

    async fn get_profile(&self, body: Value) -> Result<FetchedProfile, UpstreamError> {
        let mut value = self.call(Method::POST, "get_profile", &[], Some(body)).await?;
        let raw = match value.get_mut("user_profile").map(Value::take) {
            Some(profile @ Value::Object(_)) => sanitize_profile(profile),
            _ => return Err(UpstreamError::Malformed { reason: "get_profile: no user_profile object".into() }),
        };
        let profile: Profile = serde_json::from_value(raw.clone())
            .map_err(|e| UpstreamError::Malformed { reason: format!("get_profile: {e}") })?;
        Ok(FetchedProfile { profile, raw })
    }

    /// One paced call: waits for the limiter, sends, maps the answer, and
    /// adjusts pacing from the outcome.
    async fn call(
        &self,
        method: Method,
        endpoint: &'static str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, UpstreamError> {
        let asked = std::time::Instant::now();
        let _permit = self.limiter.acquire().await.map_err(|denied| {
            metrics::limiter_denied(match denied {
                Denied::Paused { reason, .. } => reason.as_str(),
                Denied::Busy { .. } => "busy",
            });
            denied_error(denied)
        })?;
        metrics::limiter_wait(asked.elapsed());
        self.calls.fetch_add(1, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let result = self.send(method, endpoint, query, body).await;
        let elapsed = started.elapsed();
        let elapsed_ms = elapsed.as_millis() as u64;
        metrics::upstream_call(
            endpoint,
            match &result {
                Ok(_) => "ok",
                Err(e) => e.kind(),
            },
            elapsed,
        );
        match &result {
            Ok(_) => {
                tracing::debug!(endpoint, elapsed_ms, "upstream call ok");
                self.record_success();
            }
            // An unknown person is an answer, not a failure.
            Err(UpstreamError::NotFound) => {
                tracing::debug!(endpoint, elapsed_ms, "upstream call: not found");
                self.record_success();
            }
            Err(e) => {
                tracing::warn!(endpoint, elapsed_ms, kind = e.kind(), "upstream call failed: {e}");
                self.record_failure(e);
            }
        }
        result
    }

    async fn send(
        &self,
        method: Method,
        endpoint: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, UpstreamError> {
        let url = format!("{}/{}", self.config.base_url, endpoint);
        let mut request = self.http.request(method, &url).query(query);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let mut response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());

        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if bytes.len() + chunk.len() > self.config.max_body_bytes {
                return Err(UpstreamError::Malformed {
                    reason: format!("{endpoint}: body over {} bytes", self.config.max_body_bytes),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        let app_error = json.as_ref().and_then(application_error);

        match status {
            s if s.is_success() => match (json, app_error) {
                (_, Some(message)) => Err(refusal(message)),
                (Some(value), None) => Ok(value),
                (None, None) => Err(UpstreamError::Malformed { reason: format!("{endpoint}: body is not JSON") }),
            },
            StatusCode::NOT_FOUND => Err(UpstreamError::NotFound),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Err(UpstreamError::Unauthorized { status: status.as_u16() })
            }
            StatusCode::TOO_MANY_REQUESTS => Err(UpstreamError::RateLimited { retry_after }),
            s if s.is_server_error() => {
                Err(UpstreamError::Unavailable { reason: format!("{endpoint}: HTTP {s}"), retry_after })
            }
            s => Err(match app_error {
                Some(message) => refusal(message),
                None => UpstreamError::Rejected { reason: format!("{endpoint}: HTTP {s}") },
            }),
        }
    }

    fn record_success(&self) {
        self.consecutive_failures.store(0, Ordering::Relaxed);
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).last_success = Some(Utc::now());
    }

    fn record_failure(&self, error: &UpstreamError) {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).last_error = Some((Utc::now(), error.kind()));
        match error {
            UpstreamError::Unauthorized { status } => {
                tracing::error!(status, "upstream refused our token; pausing calls for {:?}", self.config.auth_pause);
                self.limiter.pause(self.config.auth_pause, PauseReason::Unauthorized { status: *status });
            }
            UpstreamError::RateLimited { retry_after } => {
                let pause = retry_after.unwrap_or(self.config.rate_limit_pause).min(MAX_PAUSE);
                self.limiter.pause(pause, PauseReason::RateLimited);
            }
            UpstreamError::Unavailable { .. } | UpstreamError::Timeout => {
                let failures = self.consecutive_failures.fetch_add(1, Ordering::Relaxed) + 1;
                let pause = error.retry_after().unwrap_or_else(|| self.backoff(failures)).min(MAX_PAUSE);
                self.limiter.pause(pause, PauseReason::Failing);
            }
            _ => {}
        }
    }

    /// Exponential backoff with full jitter in its upper half.
    fn backoff(&self, failures: u32) -> Duration {
        let exp = self.config.backoff_base.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let capped = exp.min(self.config.backoff_max);
        capped.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
    }
}

fn same_username(found: Option<&str>, wanted: &Username) -> bool {
    found.is_some_and(|f| f.eq_ignore_ascii_case(wanted.as_str()))
}

/// `{"success": false, "error_message": "…"}`, the API's refusal shape.
fn application_error(value: &Value) -> Option<String> {
    (value.get("success") == Some(&Value::Bool(false)))
        .then(|| value.get("error_message").and_then(Value::as_str).unwrap_or("").to_owned())
}

fn refusal(message: String) -> UpstreamError {
    if message.to_lowercase().contains(HIGH_USAGE_MARKER) {
        UpstreamError::RateLimited { retry_after: None }
    } else {
        UpstreamError::Rejected { reason: message }
    }
}

fn transport_error(e: reqwest::Error) -> UpstreamError {
    if e.is_timeout() {
        UpstreamError::Timeout
    } else if e.is_decode() || e.is_body() {
        UpstreamError::Malformed { reason: "unreadable body".into() }
    } else {
        // reqwest's message names the URL and cause, never headers.
        UpstreamError::Unavailable { reason: e.without_url().to_string(), retry_after: None }
    }
}

fn denied_error(denied: Denied) -> UpstreamError {
    match denied {
        Denied::Paused { reason: PauseReason::Unauthorized { status }, .. } => UpstreamError::Unauthorized { status },
        Denied::Paused { remaining, reason: PauseReason::RateLimited } => {
            UpstreamError::RateLimited { retry_after: Some(remaining) }
        }
        Denied::Paused { remaining, reason: PauseReason::Failing } => UpstreamError::Unavailable {
            reason: "backing off after upstream failures".into(),
            retry_after: Some(remaining),
        },
        Denied::Busy { wait } => UpstreamError::RateLimited { retry_after: Some(wait) },
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs; treated as absent).
fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;
    use reqwest::header::{self, HeaderMap, HeaderValue};

    use super::retry_after;

    proptest! {
        /// Upstream's Retry-After: whole seconds are read (spaces around
        /// them allowed); anything else counts as absent, never a panic.
        #[test]
        fn retry_after_reads_whole_seconds_only(
            value in prop_oneof!["[ -~]{0,24}", "[ +]?[0-9]{0,22} ?"],
            secs in any::<u64>(),
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(header::RETRY_AFTER, value);
                let read = retry_after(&headers);
                let digits = value_is_seconds(headers[header::RETRY_AFTER].to_str().unwrap());
                prop_assert_eq!(read.is_some(), digits);
            }
            headers.insert(header::RETRY_AFTER, HeaderValue::from_str(&format!(" {secs} ")).unwrap());
            prop_assert_eq!(retry_after(&headers), Some(Duration::from_secs(secs)));
        }
    }

    /// A decimal number of seconds that fits in a u64, the reference for the
    /// property above: written without `parse`.
    fn value_is_seconds(value: &str) -> bool {
        let digits = value.trim().strip_prefix('+').unwrap_or(value.trim());
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.bytes().try_fold(0u64, |n, b| n.checked_mul(10)?.checked_add(u64::from(b - b'0'))).is_some()
    }
}
