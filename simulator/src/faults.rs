//! Fault injection and call counting: what tests switch on and read back.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Faults the simulator injects into API calls (avatars are a separate host
/// and never fail). All off by default; settable from tests, from the
/// command line and over `PUT /_sim/faults`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every API call before it is answered.
    pub latency_ms: u64,
    /// Share of calls (0 to 1) answered 429 with `Retry-After`.
    pub rate_429: f64,
    /// The `Retry-After` of those answers; 0 means 30 seconds.
    pub retry_after_secs: u64,
    /// Share of calls (0 to 1) answered with a 5xx (500, 502, 503 or Cloudflare's 520/522).
    pub rate_5xx: f64,
    /// Calls never get an answer.
    pub hang: bool,
    /// Calls get 200 with `success: false` and the "high usage" message.
    pub high_usage: bool,
    /// Every token is banned: 403 for every call (one account alone is
    /// banned with `Simulator::set_account_banned`).
    pub banned: bool,
    /// Calls get 200 with a truncated, unparsable JSON body.
    pub malformed: bool,
    /// The service is down: 503 from the edge for every call.
    pub down: bool,
}

impl Faults {
    /// Shares outside 0..=1 are a mistake worth a clear message.
    pub fn validate(&self) -> Result<(), String> {
        for (name, share) in [("rate_429", self.rate_429), ("rate_5xx", self.rate_5xx)] {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("{name} must be between 0 and 1, got {share}"));
            }
        }
        Ok(())
    }
}

/// Calls received per endpoint since the last reset. `total` counts API
/// calls only; avatar downloads are counted apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCounts {
    pub get_profile: u64,
    pub search_users: u64,
    pub get_followers: u64,
    pub get_following: u64,
    pub me: u64,
    pub avatars: u64,
    pub total: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    GetProfile,
    SearchUsers,
    GetFollowers,
    GetFollowing,
    Me,
}

#[derive(Default)]
pub(crate) struct Counters {
    get_profile: AtomicU64,
    search_users: AtomicU64,
    get_followers: AtomicU64,
    get_following: AtomicU64,
    me: AtomicU64,
    avatars: AtomicU64,
}

impl Counters {
    pub fn count(&self, endpoint: Endpoint) {
        let counter = match endpoint {
            Endpoint::GetProfile => &self.get_profile,
            Endpoint::SearchUsers => &self.search_users,
            Endpoint::GetFollowers => &self.get_followers,
            Endpoint::GetFollowing => &self.get_following,
            Endpoint::Me => &self.me,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    pub fn count_avatar(&self) {
        self.avatars.fetch_add(1, Ordering::SeqCst);
    }

    pub fn snapshot(&self) -> CallCounts {
        let read = |c: &AtomicU64| c.load(Ordering::SeqCst);
        let mut counts = CallCounts {
            get_profile: read(&self.get_profile),
            search_users: read(&self.search_users),
            get_followers: read(&self.get_followers),
            get_following: read(&self.get_following),
            me: read(&self.me),
            avatars: read(&self.avatars),
            total: 0,
        };
        counts.total =
            counts.get_profile + counts.search_users + counts.get_followers + counts.get_following + counts.me;
        counts
    }

    pub fn reset(&self) {
        for c in
            [&self.get_profile, &self.search_users, &self.get_followers, &self.get_following, &self.me, &self.avatars]
        {
            c.store(0, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_partially_and_refuse_unknown_keys() {
        let f: Faults = serde_json::from_str(r#"{"latency_ms": 50}"#).unwrap();
        assert_eq!(f, Faults { latency_ms: 50, ..Faults::default() });
        assert!(serde_json::from_str::<Faults>(r#"{"latency": 50}"#).is_err());
        assert!(Faults { rate_429: 1.5, ..Faults::default() }.validate().is_err());
        assert!(Faults { rate_5xx: 0.5, ..Faults::default() }.validate().is_ok());
    }

    #[test]
    fn counters_total_api_calls_only() {
        let c = Counters::default();
        c.count(Endpoint::GetProfile);
        c.count(Endpoint::SearchUsers);
        c.count_avatar();
        let s = c.snapshot();
        assert_eq!((s.get_profile, s.search_users, s.avatars, s.total), (1, 1, 1, 2));
        c.reset();
        assert_eq!(c.snapshot(), CallCounts::default());
    }
}
