//! What the profile and search pages receive from the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Profile;

/// The answer to "show me @username".
// Built once per request and moved into the page: boxing the big variant
// would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProfileLookup {
    Found(ProfileEntry),
    /// Clubhouse has no such person (or the name cannot exist).
    NotFound,
    /// The person was cached, and Clubhouse says the account no longer
    /// exists: nothing of it is shown.
    Gone,
    /// Nothing cached and Clubhouse cannot answer now.
    Unavailable {
        retry_after_secs: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileEntry {
    pub profile: Profile,
    /// When this copy was fetched from Clubhouse.
    pub fetched_at: DateTime<Utc>,
    pub freshness: Freshness,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Younger than the fresh period: served without asking Clubhouse.
    Fresh,
    /// Older: served at once while a refresh runs in the background.
    Stale,
    /// Older, and the last refresh failed: Clubhouse is not answering.
    StaleUpstreamFailing,
}

impl Freshness {
    /// The name the JSON API and the page's `data-freshness` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Fresh => "fresh",
            Freshness::Stale => "stale",
            Freshness::StaleUpstreamFailing => "stale_upstream_failing",
        }
    }
}

/// A person in a list (search results, recently viewed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileCard {
    pub username: String,
    pub name: Option<String>,
    pub photo_url: Option<String>,
    pub bio: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<ProfileCard>,
    /// False when Clubhouse could not be asked: the hits come from our cache only.
    pub upstream_answered: bool,
    /// Set when this client searched too often: nothing was searched, and it
    /// may try again after this many seconds.
    pub retry_after_secs: Option<u64>,
    /// The page shown (1-based), the people found in all (Clubhouse's count,
    /// or the cache's when it answered alone), and whether a next page exists.
    pub page: u32,
    pub total: Option<u64>,
    pub has_next: bool,
}

#[cfg(test)]
mod tests {
    use super::Freshness;

    #[test]
    fn freshness_names_match_the_json_api() {
        for f in [Freshness::Fresh, Freshness::Stale, Freshness::StaleUpstreamFailing] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
    }
}
