//! This replica's memory in front of Postgres: fresh profiles, weighed by
//! their size against a byte budget (moka evicts the least useful first),
//! and the throttle on "viewed" writes. An entry lives for the memory window
//! (by default the profile's whole freshness) unless the database says the
//! profile changed first (`changes.rs`, Postgres LISTEN/NOTIFY).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use moka::sync::Cache;

use super::{
    changes::{ChangeFeed, Stamp},
    store::CachedProfile,
};

/// At most one "viewed" write per profile per replica this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Profiles whose last view write is remembered (a key is ~30 bytes).
const TOUCHED_KEYS: u64 = 100_000;

pub struct HotTier {
    ttl: Duration,
    entries: Cache<String, HotEntry>,
    touched: Cache<String, ()>,
    feed: Arc<ChangeFeed>,
}

#[derive(Clone)]
struct HotEntry {
    stored: Instant,
    cached: CachedProfile,
}

impl HotTier {
    /// `ttl` zero (or a zero budget) turns the tier off.
    pub fn new(ttl: Duration, budget_bytes: u64, feed: Arc<ChangeFeed>) -> HotTier {
        let ttl = if budget_bytes == 0 { Duration::ZERO } else { ttl };
        let entries = Cache::builder()
            .max_capacity(budget_bytes)
            .weigher(|key: &String, entry: &HotEntry| weight(key, &entry.cached))
            .time_to_live(ttl.max(Duration::from_millis(1)))
            .build();
        let touched = Cache::builder().max_capacity(TOUCHED_KEYS).time_to_live(TOUCH_EVERY).build();
        HotTier { ttl, entries, touched, feed }
    }

    /// A copy kept no longer than this replica can vouch for it: the whole
    /// window while it hears of changes, a few seconds while it cannot.
    pub fn get(&self, key: &str) -> Option<CachedProfile> {
        if self.ttl.is_zero() {
            return None;
        }
        let entry = self.entries.get(key)?;
        (entry.stored.elapsed() < self.feed.trusted_for(self.ttl)).then_some(entry.cached)
    }

    /// Where the feed stands before a copy is read from the database.
    pub fn stamp(&self, key: &str) -> Stamp {
        self.feed.stamp(key)
    }

    /// Keeps a copy read after `stamp`, unless another copy of the profile
    /// was heard of since (then this one may already be old; the next visit
    /// reads the database again).
    pub fn put(&self, key: &str, cached: &CachedProfile, stamp: Stamp) {
        let micros = cached.fetched_at.timestamp_micros();
        let is_copy = |heard: i64| heard == micros;
        if !self.ttl.is_zero() && self.feed.may_keep(key, stamp, is_copy) {
            self.entries.insert(key.to_owned(), HotEntry { stored: Instant::now(), cached: cached.clone() });
            // A change heard between the check and the insert.
            if !self.feed.may_keep(key, stamp, is_copy) {
                self.entries.invalidate(key);
            }
        }
    }

    pub fn forget(&self, key: &str) {
        self.entries.invalidate(key);
    }

    /// The database says the profile known as `key` now has the copy
    /// fetched at `fetched_at_micros` (0: deleted). A copy we hold that is
    /// exactly that one stays; any other copy goes. A username change is
    /// announced under the old name too (migration 0004), so no scan by user
    /// id is needed.
    pub fn changed(&self, key: &str, fetched_at_micros: i64) {
        if self.entries.get(key).is_some_and(|entry| entry.cached.fetched_at.timestamp_micros() != fetched_at_micros) {
            self.entries.invalidate(key);
        }
    }

    /// Forgets everything: after notifications may have been missed.
    pub fn clear(&self) {
        self.entries.invalidate_all();
    }

    /// Whether this view should be written to the database: the first one,
    /// then at most once a minute per profile.
    pub fn should_touch(&self, key: &str) -> bool {
        self.touched.entry(key.to_owned()).or_insert(()).is_fresh()
    }

    #[cfg(test)]
    fn weighed_size(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size()
    }
}

/// About what an entry holds in memory: its key, the profile's text fields
/// (their JSON is a close measure) and the fixed parts.
fn weight(key: &str, cached: &CachedProfile) -> u32 {
    let text = serde_json::to_vec(&cached.profile).map(|json| json.len()).unwrap_or(4096);
    u32::try_from(key.len() + text + std::mem::size_of::<CachedProfile>()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use domain::model::Profile;

    use crate::profiles::changes::ProfileChange;

    fn listening() -> Arc<ChangeFeed> {
        let feed = Arc::new(ChangeFeed::default());
        feed.set_listening(true);
        feed
    }

    fn profile(id: u64) -> CachedProfile {
        let profile: Profile = serde_json::from_value(serde_json::json!({ "user_id": id, "username": "x" })).unwrap();
        CachedProfile { profile, fetched_at: Utc::now(), refresh_failed_at: None }
    }

    #[test]
    fn entries_expire_and_zero_turns_it_off() {
        let hot = HotTier::new(Duration::from_millis(500), 1 << 20, listening());
        hot.put("a", &profile(1), hot.stamp("a"));
        assert_eq!(hot.get("a").unwrap().profile.user_id, 1);
        std::thread::sleep(Duration::from_millis(550));
        assert!(hot.get("a").is_none());

        let off = HotTier::new(Duration::ZERO, 1 << 20, listening());
        off.put("a", &profile(1), off.stamp("a"));
        assert!(off.get("a").is_none());
    }

    #[test]
    fn memory_is_bounded_by_the_byte_budget() {
        let budget = 64 * 1024;
        let hot = HotTier::new(Duration::from_secs(60), budget, listening());
        let one = u64::from(weight("1000", &profile(1000)));
        for i in 0..2_000u64 {
            hot.put(&i.to_string(), &profile(i), hot.stamp(&i.to_string()));
        }
        let used = hot.weighed_size();
        assert!(used <= budget, "{used} bytes kept, budget {budget}");
        assert!(used >= budget / 2, "the budget is used: {used} of {budget}");
        assert!(budget / one < 2_000, "the test overfills the budget ({one} bytes an entry)");
        hot.forget("1999");
        assert!(hot.get("1999").is_none());
    }

    #[test]
    fn a_change_elsewhere_drops_other_copies_and_keeps_the_same_one() {
        let hot = HotTier::new(Duration::from_secs(60), 1 << 20, listening());
        let mine = profile(7);
        hot.put("seven", &mine, hot.stamp("seven"));
        hot.changed("seven", mine.fetched_at.timestamp_micros());
        assert!(hot.get("seven").is_some(), "the copy this replica wrote");
        hot.changed("seven", mine.fetched_at.timestamp_micros() + 1);
        assert!(hot.get("seven").is_none(), "another replica wrote a newer copy");

        hot.put("eight", &profile(8), hot.stamp("eight"));
        hot.put("seven", &mine, hot.stamp("seven"));
        hot.changed("seven", 0);
        assert!(hot.get("seven").is_none(), "deleted");
        assert!(hot.get("eight").is_some(), "other people stay");
    }

    #[test]
    fn a_copy_read_before_a_change_is_not_kept() {
        let hot = HotTier::new(Duration::from_secs(60), 1 << 20, listening());
        let old = profile(7);
        let mut newer = old.clone();
        newer.fetched_at += chrono::Duration::seconds(1);
        let stamp = hot.stamp("seven");
        let heard = ProfileChange::One {
            key: "seven".into(),
            user_id: 7,
            fetched_at_micros: newer.fetched_at.timestamp_micros(),
        };
        hot.feed.note(&heard);
        hot.put("seven", &old, stamp);
        assert!(hot.get("seven").is_none(), "read before the newer copy was announced");
        hot.put("seven", &old, hot.stamp("seven"));
        assert!(hot.get("seven").is_none(), "a newer copy is known: never the older one");
        hot.put("seven", &newer, stamp);
        assert_eq!(hot.get("seven").unwrap().fetched_at, newer.fetched_at, "the copy last heard of");
    }

    #[test]
    fn unheard_changes_limit_trust_to_a_few_seconds() {
        let deaf = Arc::new(ChangeFeed::default());
        let hot = HotTier::new(Duration::from_secs(3600), 1 << 20, deaf.clone());
        hot.put("a", &profile(1), hot.stamp("a"));
        assert!(hot.get("a").is_some(), "just stored");
        let old = HotEntry { stored: Instant::now() - Duration::from_secs(11), cached: profile(1) };
        hot.entries.insert("a".into(), old);
        assert!(hot.get("a").is_none(), "older than the unwatched window");
        deaf.set_listening(true);
        assert!(hot.get("a").is_some(), "trusted again while listening");
    }

    #[test]
    fn views_are_written_once_a_minute() {
        let hot = HotTier::new(Duration::from_secs(5), 1 << 20, listening());
        assert!(hot.should_touch("a"));
        assert!(!hot.should_touch("a"));
        assert!(hot.should_touch("b"));
    }
}
