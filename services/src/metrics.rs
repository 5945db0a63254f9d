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

use metrics::{counter, gauge, histogram, Counter, Histogram};
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
pub fn profile_lookup(outcome: &'static str) {
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
pub fn profile_fetch(result: &'static str) {
    counter!("profile_fetches_total", "result" => result).increment(1);
}

/// How a background refresh of a stale profile ended: `refreshed`
/// (Clubhouse answered), `gone`, `postponed` (no turn in the budget: back in
/// the queue) or `failed` (the stale copy is then served as it is). Its fetch also counts in `profile_fetches_total`, with
/// the misses'.
pub fn profile_refresh(result: &'static str) {
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
pub fn history_refresh(result: &'static str) {
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

pub fn upstream_call(endpoint: &'static str, result: &'static str, elapsed: Duration) {
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
    for known in ["ready", "paused", "set_aside"] {
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
pub fn limiter_denied(reason: &'static str) {
    counter!("upstream_limiter_denials_total", "reason" => reason).increment(1);
}

/// How an image proxy request ended: `ok`, `refused` (not an allowed
/// source), `not_found`, `failed` (the host failed or sent no usable image)
/// or `busy` (too many fetches in flight).
pub fn image_fetch(result: &'static str) {
    counter!("image_fetches_total", "result" => result).increment(1);
}

/// How a share card request was met: `cached`, `drawn`,
/// `drawn_without_photo` (the photo host failed; not cached), `busy`,
/// `timed_out`, `failed`.
pub fn card(result: &'static str) {
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
pub fn waitlist_signup(result: &'static str) {
    counter!("waitlist_signups_total", "result" => result).increment(1);
}

/// Waitlist mails by outcome: `sent`, `retried` (a failure that will be
/// tried again), `failed` (given up), `suppressed` (the address had its
/// mails for the day; the signup was answered as usual).
pub fn waitlist_mail(outcome: &'static str) {
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
pub fn waitlist_link(outcome: &'static str) {
    counter!("waitlist_links_total", "outcome" => outcome).increment(1);
}

/// Unconfirmed signups deleted when their time ran out.
pub fn waitlist_expired(count: u64) {
    counter!("waitlist_expired_total").increment(count);
}

/// `searched` or `rate_limited`.
pub fn search(result: &'static str) {
    counter!("searches_total", "result" => result).increment(1);
}

/// The pool's state, sampled when `/metrics` is read.
pub fn database_pool(size: u32, idle: usize, max: u32) {
    gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    gauge!("db_pool_connections", "state" => "in_use").set(size.saturating_sub(idle as u32) as f64);
    gauge!("db_pool_max_connections").set(max as f64);
}
