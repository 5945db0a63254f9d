//! Prometheus metrics: one process-wide recorder, rendered at `/metrics`.
//!
//! Every metric the server records is named here, so the list of what we
//! measure is in one place. Labels hold only bounded values (route patterns,
//! status codes, outcome names), never usernames or addresses.

use std::{
    collections::HashMap,
    sync::{OnceLock, RwLock},
    time::Duration,
};

use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Counter, Histogram, Unit,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Seconds; from a hot-tier hit (well under a millisecond) to a timeout.
const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Installs the recorder on first use. Later servers in the same process
/// (tests) share it: counters then only grow, which is what they assert.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        describe();
        handle
    })
}

/// Histograms keep raw samples until upkeep folds them into buckets; run
/// it regularly so memory stays flat between scrapes.
pub async fn upkeep_every(period: Duration) {
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        handle().run_upkeep();
    }
}

/// The handles of one (route, method, status) series, looked up once: the
/// registry would otherwise build and hash a labelled key per request.
type HttpSeries = HashMap<(String, &'static str, u16), (Counter, Histogram)>;

/// `method` is one of a fixed set of names (see `http::observe`).
pub fn http_request(route: &str, method: &'static str, status: u16, elapsed: Duration) {
    static SERIES: OnceLock<RwLock<HttpSeries>> = OnceLock::new();
    let series = SERIES.get_or_init(Default::default);
    let key = (route.to_owned(), method, status);
    let known = series.read().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
    let (count, duration) = known.unwrap_or_else(|| {
        let handles = (
            counter!("http_requests_total", "route" => key.0.clone(), "method" => method, "status" => status.to_string()),
            histogram!("http_request_duration_seconds", "route" => key.0.clone(), "method" => method),
        );
        series.write().unwrap_or_else(|e| e.into_inner()).insert(key, handles.clone());
        handles
    });
    count.increment(1);
    duration.record(elapsed.as_secs_f64());
}

pub fn http_timeout(route: &str) {
    counter!("http_request_timeouts_total", "route" => route.to_owned()).increment(1);
}

/// How a profile lookup was answered: `memory`, `fresh`, `stale`,
/// `stale_failing`, `known_missing` or `miss`.
const PROFILE_LOOKUP_OUTCOMES: &[&str] =
    &["memory", "fresh", "stale", "stale_failing", "known_missing", "gone", "miss"];

pub fn profile_lookup(outcome: &'static str) {
    debug_assert!(PROFILE_LOOKUP_OUTCOMES.contains(&outcome), "{outcome}");
    counter!("profile_cache_lookups_total", "outcome" => outcome).increment(1);
}

/// A rendered profile page served again from memory.
pub fn page_replay() {
    // The handle once: a replay is the cheapest request, so the registry
    // lookup showed in its profile.
    static REPLAYS: OnceLock<Counter> = OnceLock::new();
    REPLAYS.get_or_init(|| counter!("profile_page_replays_total")).increment(1);
}

/// A change notification heard from Postgres: `one` profile, or `all` (the
/// listener connected again, so anything may have changed meanwhile).
pub fn profile_change_heard(all: bool) {
    counter!("profile_changes_heard_total", "scope" => if all { "all" } else { "one" }).increment(1);
}

/// How a fetch from Clubhouse ended: `stored`, `found_not_stored` (the
/// database write failed; the visitor still gets the profile), `not_found`,
/// `gone` (a cached person's account no longer exists), `failed`,
/// `postponed` (a refresh found no turn in the budget), `over_share` (the
/// client had its share in flight), or `found_cached` when another replica
/// fetched it first.
const PROFILE_FETCH_RESULTS: &[&str] =
    &["stored", "found_not_stored", "not_found", "gone", "failed", "postponed", "over_share", "found_cached"];

pub fn profile_fetch(result: &'static str) {
    debug_assert!(PROFILE_FETCH_RESULTS.contains(&result), "{result}");
    counter!("profile_fetches_total", "result" => result).increment(1);
}

/// How a background refresh of a stale profile ended: `refreshed`
/// (Clubhouse answered), `gone`, `postponed` (no turn in the budget: back in
/// the queue) or `failed` (the stale copy is then served as it is). Its fetch also counts in `profile_fetches_total`, with
/// the misses'.
const PROFILE_REFRESH_RESULTS: &[&str] = &["refreshed", "gone", "postponed", "failed"];

pub fn profile_refresh(result: &'static str) {
    debug_assert!(PROFILE_REFRESH_RESULTS.contains(&result), "{result}");
    counter!("profile_refreshes_total", "result" => result).increment(1);
}

/// A stored copy's history: `changed` (a new version) or `unchanged` (a
/// sample only).
pub fn profile_version(changed: bool) {
    counter!("profile_versions_total", "result" => if changed { "changed" } else { "unchanged" }).increment(1);
}

/// How a scheduled background refresh ended: `refreshed`, `gone`,
/// `postponed` (no turn in the budget: tried on a later round), `failed` or
/// `not_found` (a name a feed asked for does not exist). A refresh another
/// replica had just made counts as `refreshed`, without a call.
const HISTORY_REFRESH_RESULTS: &[&str] = &["refreshed", "gone", "postponed", "failed", "not_found"];

pub fn history_refresh(result: &'static str) {
    debug_assert!(HISTORY_REFRESH_RESULTS.contains(&result), "{result}");
    counter!("history_scheduled_refreshes_total", "result" => result).increment(1);
}

/// What the history scheduler saw on its last round: people watched, and
/// those due a refresh (at most one round's batch).
pub fn history_round(watched: i64, due: usize) {
    gauge!("history_watched_people").set(watched as f64);
    gauge!("history_due_people").set(due as f64);
    counter!("history_scheduler_rounds_total").increment(1);
}

/// Versions and samples retention deleted.
pub fn history_pruned(versions: u64, samples: u64) {
    counter!("history_pruned_total", "kind" => "versions").increment(versions);
    counter!("history_pruned_total", "kind" => "samples").increment(samples);
}

const UPSTREAM_ENDPOINTS: &[&str] = &["search_users", "get_profile"];
/// `ok` or an `UpstreamError::kind`.
const UPSTREAM_RESULTS: &[&str] =
    &["ok", "not_found", "unauthorized", "rate_limited", "unavailable", "timeout", "malformed", "rejected"];
const UPSTREAM_PRIORITIES: &[&str] = &["first_view", "search", "refresh", "background"];
const ACCOUNT_STATES: [&str; 3] = ["ready", "paused", "set_aside"];

pub fn upstream_call(endpoint: &'static str, result: &'static str, elapsed: Duration) {
    debug_assert!(UPSTREAM_ENDPOINTS.contains(&endpoint) && UPSTREAM_RESULTS.contains(&result), "{endpoint} {result}");
    counter!("upstream_requests_total", "endpoint" => endpoint, "result" => result).increment(1);
    histogram!("upstream_request_duration_seconds", "endpoint" => endpoint).record(elapsed.as_secs_f64());
}

/// Each upstream call by account (its non-secret label), priority and outcome.
pub fn upstream_account_call(account: &str, priority: &'static str, result: &'static str) {
    counter!("upstream_account_calls_total", "account" => account.to_owned(), "priority" => priority, "result" => result)
        .increment(1);
}

/// One account's state: 1 for the state it is in (`ready`, `paused`,
/// `set_aside`), 0 for the others, so an alert can watch each series.
pub fn upstream_account(account: &str, state: &'static str) {
    for known in ACCOUNT_STATES {
        gauge!("upstream_account_state", "account" => account.to_owned(), "state" => known).set(if known == state {
            1.0
        } else {
            0.0
        });
    }
}

/// Time a call waited for its turn under the upstream rate limit.
pub fn limiter_wait(waited: Duration) {
    histogram!("upstream_limiter_wait_seconds").record(waited.as_secs_f64());
}

/// A call refused by our own limiter (paused, or the wait would be too long).
const LIMITER_DENIALS: &[&str] = &["rate_limited", "failing", "unauthorized", "busy"];

pub fn limiter_denied(reason: &'static str) {
    debug_assert!(LIMITER_DENIALS.contains(&reason), "{reason}");
    counter!("upstream_limiter_denials_total", "reason" => reason).increment(1);
}

/// How an image proxy request ended: `ok`, `refused` (not an allowed
/// source), `not_found`, `failed` (the host failed or sent no usable image)
/// or `busy` (too many fetches in flight).
const IMAGE_RESULTS: &[&str] = &["ok", "refused", "not_found", "failed", "busy"];

pub fn image_fetch(result: &'static str) {
    debug_assert!(IMAGE_RESULTS.contains(&result), "{result}");
    counter!("image_fetches_total", "result" => result).increment(1);
}

/// How a share card request was met: `cached`, `drawn`,
/// `drawn_without_photo` (the photo host failed; not cached), `busy`,
/// `timed_out`, `failed`.
const CARD_RESULTS: &[&str] = &["cached", "drawn", "drawn_without_photo", "busy", "timed_out", "failed"];

pub fn card(result: &'static str) {
    debug_assert!(CARD_RESULTS.contains(&result), "{result}");
    counter!("share_cards_total", "result" => result).increment(1);
}

/// Time to draw one card, photo fetch included.
pub fn card_drawn(elapsed: Duration) {
    histogram!("share_card_render_seconds").record(elapsed.as_secs_f64());
}

/// Characters on a card that no installed font could draw.
pub fn card_missing_glyphs(count: usize) {
    counter!("share_card_missing_glyphs_total").increment(count as u64);
}

/// `accepted`, `rate_limited`, `failed`, or a refusal before the store:
/// `invalid`, `cross_origin`, `honeypot`.
const SIGNUP_RESULTS: &[&str] = &["accepted", "rate_limited", "failed", "invalid", "cross_origin", "honeypot"];

pub fn waitlist_signup(result: &'static str) {
    debug_assert!(SIGNUP_RESULTS.contains(&result), "{result}");
    counter!("waitlist_signups_total", "result" => result).increment(1);
}

/// Waitlist mails by outcome: `sent`, `retried` (a failure that will be
/// tried again), `failed` (given up), `suppressed` (the address had its
/// mails for the day; the signup was answered as usual).
const MAIL_OUTCOMES: &[&str] = &["sent", "retried", "failed", "suppressed"];

pub fn waitlist_mail(outcome: &'static str) {
    debug_assert!(MAIL_OUTCOMES.contains(&outcome), "{outcome}");
    counter!("waitlist_mails_total", "outcome" => outcome).increment(1);
}

pub fn waitlist_mails_sent(count: u64) {
    counter!("waitlist_mails_total", "outcome" => "sent").increment(count);
}

/// Mails in the outbox not yet sent (every replica reports the same table).
pub fn waitlist_mails_pending(count: i64) {
    gauge!("waitlist_mail_outbox_pending").set(count as f64);
}

/// Mailed links used: `confirmed`, `removed`, `unknown` (expired or never issued).
const LINK_OUTCOMES: &[&str] = &["confirmed", "removed", "unknown"];

pub fn waitlist_link(outcome: &'static str) {
    debug_assert!(LINK_OUTCOMES.contains(&outcome), "{outcome}");
    counter!("waitlist_links_total", "outcome" => outcome).increment(1);
}

/// Unconfirmed signups deleted when their time ran out.
pub fn waitlist_expired(count: u64) {
    counter!("waitlist_expired_total").increment(count);
}

/// `searched`, `cache_only` (no call: the cache answered) or `rate_limited`.
const SEARCH_RESULTS: &[&str] = &["searched", "cache_only", "rate_limited"];

pub fn search(result: &'static str) {
    debug_assert!(SEARCH_RESULTS.contains(&result), "{result}");
    counter!("searches_total", "result" => result).increment(1);
}

/// The pool's state, sampled when `/metrics` is read.
pub fn database_pool(size: u32, idle: usize, max: u32) {
    gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    gauge!("db_pool_connections", "state" => "in_use").set(size.saturating_sub(idle as u32) as f64);
    gauge!("db_pool_max_connections").set(max as f64);
}

/// Each upstream account's series, at zero until it is used, so an alert
/// on one (a paused or banned account) can be written before it happens.
pub fn upstream_accounts_known(labels: &[&str]) {
    handle();
    for account in labels {
        for priority in UPSTREAM_PRIORITIES {
            for result in UPSTREAM_RESULTS {
                counter!("upstream_account_calls_total", "account" => account.to_string(), "priority" => *priority, "result" => *result)
                    .increment(0);
            }
        }
        for state in ACCOUNT_STATES {
            // Registered, not set: a state already reported stays as it is.
            gauge!("upstream_account_state", "account" => account.to_string(), "state" => state).increment(0.0);
        }
    }
}

/// HELP text for every family, and every series with a known label set
/// registered at zero: a counter that first appears at its first count
/// cannot be alerted on (`rate()` of a missing series is no data, not 0),
/// and promtool reports families without HELP.
fn describe() {
    describe_counter!("http_requests_total", "HTTP requests answered, by route pattern, method and status.");
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time from a request's arrival to its response head, by route pattern and method."
    );
    describe_counter!(
        "http_request_timeouts_total",
        "Requests answered 503 because they ran past REQUEST_TIMEOUT_SECS."
    );
    describe_counter!(
        "profile_cache_lookups_total",
        "Profile lookups by how they were answered (memory, fresh, stale, miss, ...)."
    );
    describe_counter!("profile_page_replays_total", "Rendered profile pages served again from memory.");
    describe_counter!(
        "profile_changes_heard_total",
        "Profile change notifications heard from Postgres (one profile, or all)."
    );
    describe_counter!("profile_fetches_total", "Profile fetches from Clubhouse by result.");
    describe_counter!("profile_refreshes_total", "Background refreshes of stale profiles by result.");
    describe_counter!(
        "profile_versions_total",
        "Stored profile copies: a new version (changed) or a sample only (unchanged)."
    );
    describe_counter!("history_scheduled_refreshes_total", "Scheduled history refreshes by result.");
    describe_gauge!("history_watched_people", "People whose history is kept, at the scheduler's last round.");
    describe_gauge!("history_due_people", "People due a refresh at the scheduler's last round (at most one batch).");
    describe_counter!("history_scheduler_rounds_total", "Rounds of the history scheduler.");
    describe_counter!("history_pruned_total", "History versions and samples deleted by retention.");
    describe_counter!("upstream_requests_total", "Calls to the Clubhouse API by endpoint and result.");
    describe_histogram!(
        "upstream_request_duration_seconds",
        Unit::Seconds,
        "Duration of Clubhouse API calls by endpoint."
    );
    describe_counter!("upstream_account_calls_total", "Clubhouse API calls by account label, priority and result.");
    describe_gauge!(
        "upstream_account_state",
        "1 for the state each upstream account is in (ready, paused, set_aside), 0 for the others."
    );
    describe_histogram!(
        "upstream_limiter_wait_seconds",
        Unit::Seconds,
        "Time a call waited for its turn under the upstream rate limit."
    );
    describe_counter!("upstream_limiter_denials_total", "Calls our own limiter refused, by reason.");
    describe_counter!("image_fetches_total", "Image proxy requests by result.");
    describe_counter!("share_cards_total", "Share card requests by how they were met.");
    describe_histogram!(
        "share_card_render_seconds",
        Unit::Seconds,
        "Time to draw one share card, photo fetch included."
    );
    describe_counter!(
        "share_card_missing_glyphs_total",
        "Characters on share cards that no installed font could draw."
    );
    describe_counter!("waitlist_signups_total", "Waitlist signups by result.");
    describe_counter!("waitlist_mails_total", "Waitlist mails by outcome (sent, retried, failed, suppressed).");
    describe_gauge!("waitlist_mail_outbox_pending", "Waitlist mails in the outbox not yet sent.");
    describe_counter!("waitlist_links_total", "Mailed waitlist links used, by outcome.");
    describe_counter!("waitlist_expired_total", "Unconfirmed waitlist signups deleted when their time ran out.");
    describe_counter!("searches_total", "Searches by result.");
    describe_gauge!("db_pool_connections", "Database pool connections by state (idle, in_use).");
    describe_gauge!("db_pool_max_connections", "The database pool's size limit.");

    let zero = |name: &'static str, label: &'static str, values: &[&'static str]| {
        for value in values {
            counter!(name, label => *value).increment(0);
        }
    };
    zero("profile_cache_lookups_total", "outcome", PROFILE_LOOKUP_OUTCOMES);
    zero("profile_changes_heard_total", "scope", &["one", "all"]);
    zero("profile_fetches_total", "result", PROFILE_FETCH_RESULTS);
    zero("profile_refreshes_total", "result", PROFILE_REFRESH_RESULTS);
    zero("profile_versions_total", "result", &["changed", "unchanged"]);
    zero("history_scheduled_refreshes_total", "result", HISTORY_REFRESH_RESULTS);
    zero("history_pruned_total", "kind", &["versions", "samples"]);
    zero("upstream_limiter_denials_total", "reason", LIMITER_DENIALS);
    zero("image_fetches_total", "result", IMAGE_RESULTS);
    zero("share_cards_total", "result", CARD_RESULTS);
    zero("waitlist_signups_total", "result", SIGNUP_RESULTS);
    zero("waitlist_mails_total", "outcome", MAIL_OUTCOMES);
    zero("waitlist_links_total", "outcome", LINK_OUTCOMES);
    zero("searches_total", "result", SEARCH_RESULTS);
    for endpoint in UPSTREAM_ENDPOINTS {
        for result in UPSTREAM_RESULTS {
            counter!("upstream_requests_total", "endpoint" => *endpoint, "result" => *result).increment(0);
        }
    }
    for name in [
        "profile_page_replays_total",
        "history_scheduler_rounds_total",
        "share_card_missing_glyphs_total",
        "waitlist_expired_total",
    ] {
        counter!(name).increment(0);
    }
    for name in ["history_watched_people", "history_due_people", "waitlist_mail_outbox_pending"] {
        gauge!(name).increment(0.0);
    }
}
