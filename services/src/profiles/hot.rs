//! A small in-process tier in front of Postgres for hot profiles, and the
//! throttle on "viewed" writes. Each replica has its own; entries live only
//! a few seconds, so replicas never disagree for longer than that.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::CachedProfile;

/// Profiles kept in memory at most (a profile is a few kilobytes).
const CAPACITY: usize = 2_000;
/// At most one "viewed" write per profile per replica this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

pub struct HotTier {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, CachedProfile)>>,
    touched: Mutex<HashMap<String, Instant>>,
}

impl HotTier {
    /// `ttl` zero turns the tier off.
    pub fn new(ttl: Duration) -> HotTier {
        HotTier { ttl, entries: Mutex::new(HashMap::new()), touched: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &str) -> Option<CachedProfile> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(stored, _)| stored.elapsed() < self.ttl).map(|(_, cached)| cached.clone())
    }

    pub fn put(&self, key: &str, cached: &CachedProfile) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(key) {
            evict(&mut entries, |(stored, _)| stored.elapsed() >= self.ttl);
        }
        entries.insert(key.to_owned(), (Instant::now(), cached.clone()));
    }

    pub fn forget(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    /// Whether this view should be written to the database: the first one,
    /// then at most once a minute per profile.
    pub fn should_touch(&self, key: &str) -> bool {
        let mut touched = self.touched.lock().unwrap_or_else(|e| e.into_inner());
        if touched.get(key).is_some_and(|at| at.elapsed() < TOUCH_EVERY) {
            return false;
        }
        if touched.len() >= CAPACITY * 5 {
            evict(&mut touched, |at| at.elapsed() >= TOUCH_EVERY);
        }
        touched.insert(key.to_owned(), Instant::now());
        true
    }
}

/// Drops expired entries; when none are, drops an arbitrary tenth (the map's
/// iteration order is effectively random), which bounds memory at no
/// bookkeeping cost.
fn evict<V>(map: &mut HashMap<String, V>, expired: impl Fn(&V) -> bool) {
    let before = map.len();
    map.retain(|_, v| !expired(v));
    if map.len() == before {
        let victims: Vec<String> = map.keys().take(before / 10 + 1).cloned().collect();
        for key in victims {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::model::Profile;
    use chrono::Utc;

    fn profile(id: u64) -> CachedProfile {
        let profile: Profile = serde_json::from_value(serde_json::json!({ "user_id": id, "username": "x" })).unwrap();
        CachedProfile { profile, fetched_at: Utc::now(), refresh_failed_at: None }
    }

    #[test]
    fn entries_expire_and_zero_turns_it_off() {
        let hot = HotTier::new(Duration::from_millis(500));
        hot.put("a", &profile(1));
        assert_eq!(hot.get("a").unwrap().profile.user_id, 1);
        std::thread::sleep(Duration::from_millis(550));
        assert!(hot.get("a").is_none());

        let off = HotTier::new(Duration::ZERO);
        off.put("a", &profile(1));
        assert!(off.get("a").is_none());
    }

    #[test]
    fn capacity_is_bounded() {
        let hot = HotTier::new(Duration::from_secs(60));
        for i in 0..(CAPACITY as u64 * 3) {
            hot.put(&i.to_string(), &profile(i));
        }
        assert!(hot.entries.lock().unwrap().len() <= CAPACITY);
        hot.forget(&(CAPACITY as u64 * 3 - 1).to_string());
        assert!(hot.get(&(CAPACITY as u64 * 3 - 1).to_string()).is_none());
    }

    #[test]
    fn views_are_written_once_a_minute() {
        let hot = HotTier::new(Duration::from_secs(5));
        assert!(hot.should_touch("a"));
        assert!(!hot.should_touch("a"));
        assert!(hot.should_touch("b"));
    }
}
