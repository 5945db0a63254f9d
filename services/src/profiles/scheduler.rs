//! The history scheduler: refreshes the people someone watches (viewed
//! lately, or in a feed someone polls) at a steady cadence, so their
//! history grows without visitors. Its calls take the upstream budget's
//! lowest priority: only turns nobody else needs. Every replica runs it;
//! the fetch lock and its re-check make one replica's refresh the others'
//! skip.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use domain::username::Username;

use super::service::{FetchOutcome, ProfileService};
use crate::{
    history::store::{self as history_store, Cadence},
    metrics,
    upstream::{Priority, UpstreamError},
};

/// People refreshed per round at most; the rest wait for the next.
const ROUND_BATCH: i64 = 50;
/// Names from feeds waiting to be fetched, at most.
const WANTED_NAMES_MAX: usize = 1000;
/// How often retention runs.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

impl ProfileService {
    /// Runs the scheduler until aborted, a round every
    /// `HISTORY_SCHEDULER_SECS` (never when 0).
    pub async fn run_history_scheduler(self: Arc<Self>) {
        let every = self.policy().history.scheduler_every;
        if every.is_zero() {
            return;
        }
        let mut pruned_at: Option<Instant> = None;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                pruned_at = Some(Instant::now());
                self.prune_history().await;
            }
            self.history_round().await;
        }
    }

    /// Deletes history past `HISTORY_RETENTION_DAYS`.
    async fn prune_history(&self) {
        match history_store::prune(&self.database(), self.policy().history.retention).await {
            Ok((versions, samples)) => metrics::history_pruned(versions, samples),
            Err(e) => tracing::error!("history retention failed: {e}"),
        }
    }

    /// One round: refreshes the watched people whose copy is older than
    /// their cadence (oldest first), then fetches names feeds asked for.
    /// Stops at the first refresh that finds no turn in the budget.
    async fn history_round(self: &Arc<Self>) {
        let settings = self.policy().history;
        let cadence = Cadence {
            watch_window: settings.watch_window,
            every: settings.every,
            hot_every: settings.hot_every,
            hot_count: i64::from(settings.hot_count),
        };
        let (due, watched) = match history_store::due(&self.database(), cadence, ROUND_BATCH).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!("history scheduler could not read who is due: {e}");
                return;
            }
        };
        metrics::history_round(watched, due.len());
        let fresh_for = self.policy().fresh_for;
        for person in due {
            let Ok(username) = Username::parse(&person.username) else { continue };
            // Under the fetch lock, a copy younger than the cadence means
            // another replica refreshed it meanwhile.
            let cadence = if person.hot { settings.hot_every } else { settings.every };
            let outcome =
                self.fetch_once(&username, Priority::Background, Some(person.user_id), cadence.min(fresh_for)).await;
            if !count_scheduled(&outcome) {
                return;
            }
        }
        let names: Vec<Username> =
            std::mem::take(&mut *self.wanted_names.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect();
        let mut names = names.into_iter();
        while let Some(username) = names.next() {
            let outcome = self.fetch_once(&username, Priority::Background, None, fresh_for).await;
            if !count_scheduled(&outcome) {
                // The rest wait for the next round.
                let mut wanted = self.wanted_names.lock().unwrap_or_else(|e| e.into_inner());
                wanted.insert(username);
                wanted.extend(names);
                return;
            }
        }
    }

    /// A feed asked for people who are not cached: the scheduler fetches
    /// them on its next round, at the lowest priority, rather than the feed
    /// spending a visitor's budget on up to fifty names at once.
    pub fn want_names(&self, names: impl IntoIterator<Item = Username>) {
        let mut wanted = self.wanted_names.lock().unwrap_or_else(|e| e.into_inner());
        for name in names {
            if wanted.len() >= WANTED_NAMES_MAX {
                break;
            }
            wanted.insert(name);
        }
    }
}

/// Counts one scheduled fetch; false when the budget had no turn.
fn count_scheduled(outcome: &FetchOutcome) -> bool {
    let (result, turn) = match outcome {
        FetchOutcome::Found(_) => ("refreshed", true),
        FetchOutcome::Gone => ("gone", true),
        FetchOutcome::NotFound => ("not_found", true),
        FetchOutcome::Failed(UpstreamError::RateLimited { .. }) => ("postponed", false),
        FetchOutcome::Failed(_) => ("failed", true),
    };
    metrics::history_refresh(result);
    turn
}
