//! Profile history: the versions of each profile (what a visitor saw, less
//! the counts), the follower and following samples taken at every fetch,
//! and the changes between versions, for the history page, the Atom feeds
//! and the JSON API. Written by the profile cache's store function
//! (`migrations/0006_profile_history.sql`), read here.

mod diff;
pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use sqlx::PgPool;

pub use diff::{change_sets, changes_between, condensed, word_diff, Change, ChangeSet, DiffPart};

/// What one version holds: the visible fields of a profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionContent {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub displayname: Option<String>,
    #[serde(default)]
    pub photo_url: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub twitter: Option<String>,
    #[serde(default)]
    pub instagram: Option<String>,
    #[serde(default)]
    pub invited_by: Option<PersonRef>,
    #[serde(default, deserialize_with = "list")]
    pub clubs: Vec<ClubRef>,
}

impl VersionContent {
    /// The name shown: `name`, else `displayname`.
    pub fn shown_name(&self) -> Option<&str> {
        [&self.name, &self.displayname].into_iter().flatten().map(|s| s.trim()).find(|s| !s.is_empty())
    }
}

/// A nominator as a version remembers them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClubRef {
    /// As text: the upstream sends ids as numbers or strings.
    #[serde(deserialize_with = "id_text")]
    pub club_id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// One stored version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Version {
    pub id: i64,
    pub seen_at: DateTime<Utc>,
    pub content: VersionContent,
}

/// The counts at one fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub followers: Option<u64>,
    pub following: Option<u64>,
}

/// Everything a history page shows of one person.
#[derive(Clone, Debug, Default)]
pub struct PersonHistory {
    /// The page's versions, newest first, at most [`CHANGES_PER_PAGE`] + 1
    /// (the one before the oldest change shown, to diff it against).
    pub versions: Vec<Version>,
    /// Oldest first: every sample kept.
    pub samples: Vec<Sample>,
    pub total_versions: i64,
    /// Whether an older page of changes follows.
    pub has_older: bool,
}

impl PersonHistory {
    /// The changes, newest first.
    pub fn changes(&self) -> Vec<ChangeSet> {
        change_sets(&self.versions)
    }
}

/// Changes in a person's feed.
pub const PAGE_VERSIONS: i64 = 200;
/// Changes on one history page.
pub const CHANGES_PER_PAGE: i64 = 30;
/// Entries in a feed of several people.
pub const FEED_ENTRIES: usize = 100;
/// People in one feed.
pub const FEED_PEOPLE_MAX: usize = 50;

/// Why history could not be read: the database. Callers log it and answer
/// with a plain error.
pub type HistoryError = sqlx::Error;

/// The history reads, for pages, feeds and the JSON API.
#[derive(Clone)]
pub struct HistoryService {
    pub db: PgPool,
}

impl HistoryService {
    /// Page `page` (from 1) of a person's changes, and all their samples.
    pub async fn of_person(&self, user_id: u64, page: u32) -> Result<PersonHistory, HistoryError> {
        let offset = i64::from(page.saturating_sub(1)) * CHANGES_PER_PAGE;
        let (versions, samples, (total_versions, _)) = tokio::try_join!(
            store::versions(&self.db, user_id, CHANGES_PER_PAGE + 1, offset),
            store::samples(&self.db, user_id),
            store::counts(&self.db, user_id),
        )?;
        let has_older = total_versions > offset + CHANGES_PER_PAGE + 1;
        Ok(PersonHistory { versions, samples, total_versions, has_older })
    }

    /// One page of versions and samples (newest first) for the JSON API.
    pub async fn page(&self, user_id: u64, page: u32, per_page: u32) -> Result<HistoryPage, HistoryError> {
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let (versions, samples, (total_versions, total_samples)) = tokio::try_join!(
            store::versions(&self.db, user_id, i64::from(per_page), offset),
            store::samples_page(&self.db, user_id, i64::from(per_page), offset),
            store::counts(&self.db, user_id),
        )?;
        let more = offset + i64::from(per_page) < total_versions.max(total_samples);
        Ok(HistoryPage { versions, samples, total_versions, total_samples, next_page: more.then_some(page + 1) })
    }

    /// The version just older than a page's oldest (what it changed from).
    pub async fn version_after_page(
        &self,
        user_id: u64,
        page: u32,
        per_page: u32,
    ) -> Result<Option<Version>, HistoryError> {
        let offset = i64::from(page) * i64::from(per_page);
        Ok(store::versions(&self.db, user_id, 1, offset).await?.pop())
    }

    /// The people of a feed by username, as cached (gone people and names
    /// not cached are left out), recording that a reader follows them.
    pub async fn feed_people(&self, keys: &[String]) -> Result<Vec<FeedPerson>, HistoryError> {
        store::feed_people(&self.db, keys).await
    }

    /// A fingerprint of what a feed of these people shows, and when its
    /// newest version was seen: see [`store::feed_stamp`].
    pub async fn feed_stamp(&self, people: &[FeedPerson]) -> Result<(String, Option<DateTime<Utc>>), HistoryError> {
        let ids: Vec<i64> = people.iter().map(|p| p.user_id as i64).collect();
        let (versions, latest) = store::feed_stamp(&self.db, &ids).await?;
        let mut stamp = String::new();
        for person in people {
            let (newest, count) = versions.iter().find(|v| v.0 == person.user_id as i64).map_or((0, 0), |v| (v.1, v.2));
            let name = person.name.as_deref().unwrap_or("");
            stamp.push_str(&format!("{} {} {name:?} {newest} {count};", person.user_id, person.username));
        }
        Ok((stamp, latest))
    }

    /// The newest changes of these people, newest first, at most `limit`.
    pub async fn feed_changes(&self, people: &[FeedPerson], limit: usize) -> Result<Vec<FeedChange>, HistoryError> {
        let ids: Vec<i64> = people.iter().map(|p| p.user_id as i64).collect();
        let versions = store::versions_of_many(&self.db, &ids, PAGE_VERSIONS + 1).await?;
        let mut out = Vec::new();
        for person in people {
            let theirs: Vec<Version> =
                versions.iter().filter(|(id, _)| *id == person.user_id).map(|(_, v)| v.clone()).collect();
            out.extend(change_sets(&theirs).into_iter().map(|set| FeedChange { person: person.clone(), set }));
        }
        out.sort_by(|a, b| b.set.at.cmp(&a.set.at).then(b.set.version_id.cmp(&a.set.version_id)));
        out.truncate(limit);
        Ok(out)
    }
}

/// A page of the JSON API's history.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryPage {
    pub versions: Vec<Version>,
    pub samples: Vec<Sample>,
    pub total_versions: i64,
    pub total_samples: i64,
    pub next_page: Option<u32>,
}

/// A person a feed follows, as cached now.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedPerson {
    pub user_id: u64,
    pub username: String,
    pub name: Option<String>,
}

/// One entry of a feed.
#[derive(Clone, Debug)]
pub struct FeedChange {
    pub person: FeedPerson,
    pub set: ChangeSet,
}

fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}
