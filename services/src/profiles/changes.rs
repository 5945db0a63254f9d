//! Replicas tell each other when a cached profile changes: a trigger on
//! `profile_cache` (migration 0004) sends `NOTIFY profile_changed` with the
//! row's user id, username and `fetched_at`, and every replica LISTENs. So
//! the memory tier and the replayed pages can keep a profile for its whole
//! freshness, not for a few seconds, and still never show an old copy once a
//! new one is stored anywhere.
//!
//! While the listener is not connected, notifications may be missed: then
//! memory is trusted for [`UNWATCHED_WINDOW`] only, as before replicas could
//! talk, and everything kept is dropped once it listens again.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::Duration,
};

use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::broadcast;

use crate::metrics;

pub const CHANNEL: &str = "profile_changed";
/// How long a copy in memory is trusted while changes cannot be heard.
pub const UNWATCHED_WINDOW: Duration = Duration::from_secs(10);
const STRIPES: usize = 64;
/// How long the listener may hear nothing before it checks its connection.
const HEARTBEAT: Duration = Duration::from_secs(30);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);

/// One notification: the profile `user_id`, known as `key` (lower-cased
/// username), now has the copy fetched at `fetched_at_micros` (0: deleted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileChange {
    One {
        key: String,
        user_id: u64,
        fetched_at_micros: i64,
    },
    /// Anything may have changed (the listener reconnected, or fell behind).
    All,
}

impl ProfileChange {
    pub fn parse(payload: &str) -> Option<ProfileChange> {
        let mut parts = payload.split(' ');
        let user_id = parts.next()?.parse().ok()?;
        let key = parts.next().filter(|k| !k.is_empty())?.to_owned();
        let fetched_at_micros = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(ProfileChange::One { key, user_id, fetched_at_micros })
    }
}

/// A point in the feed, taken before reading a profile: a copy read after
/// it may be kept only if nothing about that profile was heard since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    epoch: u64,
    stripe: u64,
}

/// What this replica has heard of profile changes.
pub struct ChangeFeed {
    listening: AtomicBool,
    epoch: AtomicU64,
    // Per-key counters, striped: a change to one profile rarely holds back
    // keeping another.
    stripes: [AtomicU64; STRIPES],
    /// The copy each profile was last heard to have (`fetched_at`, in
    /// microseconds): a copy read after a stamp may still be kept if the
    /// change heard since was its own arrival (this replica's own write).
    latest: moka::sync::Cache<String, i64>,
    sender: broadcast::Sender<ProfileChange>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            listening: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            stripes: std::array::from_fn(|_| AtomicU64::new(0)),
            latest: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(Duration::from_secs(3600)).build(),
            sender: broadcast::channel(1024).0,
        }
    }
}

impl ChangeFeed {
    fn stripe(key: &str) -> usize {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        (hasher.finish() % STRIPES as u64) as usize
    }

    pub fn stamp(&self, key: &str) -> Stamp {
        Stamp {
            epoch: self.epoch.load(Ordering::Acquire),
            stripe: self.stripes[Self::stripe(key)].load(Ordering::Acquire),
        }
    }

    /// Whether nothing about `key` (nor everything) was heard since `stamp`.
    pub fn unchanged_since(&self, key: &str, stamp: Stamp) -> bool {
        self.stamp(key) == stamp
    }

    /// Whether a copy of `key` read after `stamp` may be kept, `is_copy`
    /// telling whether a heard `fetched_at` (microseconds) is that copy's:
    /// nothing may have been missed since the stamp, and the copy is the one
    /// last heard of, or (nothing heard of this profile) nothing was heard
    /// since. Holders check again after inserting (a change may land between
    /// the check and the insert), and drop the copy if this no longer holds.
    pub fn may_keep(&self, key: &str, stamp: Stamp, is_copy: impl Fn(i64) -> bool) -> bool {
        if self.epoch.load(Ordering::Acquire) != stamp.epoch {
            return false;
        }
        match self.latest.get(key) {
            Some(latest) => is_copy(latest),
            None => self.unchanged_since(key, stamp),
        }
    }

    /// How long a copy kept for `window` may be trusted now.
    pub fn trusted_for(&self, window: Duration) -> Duration {
        if self.listening.load(Ordering::Acquire) {
            window
        } else {
            window.min(UNWATCHED_WINDOW)
        }
    }

    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// Every change heard, for other holders of copies (the page replay).
    pub fn subscribe(&self) -> broadcast::Receiver<ProfileChange> {
        self.sender.subscribe()
    }

    /// Records a change before anyone acts on it.
    pub fn note(&self, change: &ProfileChange) {
        match change {
            ProfileChange::One { key, fetched_at_micros, .. } => {
                // Before the stripe moves, so whoever sees it moved sees this.
                self.latest.insert(key.clone(), *fetched_at_micros);
                self.stripes[Self::stripe(key)].fetch_add(1, Ordering::AcqRel);
            }
            ProfileChange::All => {
                self.epoch.fetch_add(1, Ordering::AcqRel);
            }
        }
        // No receiver is not an error: the page replay may be off.
        let _ = self.sender.send(change.clone());
    }

    pub(crate) fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Release);
    }

    /// Listens until the task is aborted; reconnects by itself. An idle
    /// LISTEN connection can be cut silently (a load balancer's idle
    /// timeout; sqlx sets no keepalive), so a quiet listener asks the server
    /// something every `HEARTBEAT` and reconnects when it gets no answer.
    pub async fn listen(&self, db: PgPool, apply: impl Fn(&ProfileChange)) {
        let mut delay = Duration::from_millis(250);
        loop {
            match connect(&db).await {
                Ok(mut listener) => {
                    // Whatever changed while nobody listened is unknown.
                    self.set_listening(true);
                    self.heard(&ProfileChange::All, &apply);
                    tracing::info!("listening for profile changes");
                    delay = Duration::from_millis(250);
                    loop {
                        let heard = match tokio::time::timeout(HEARTBEAT, listener.try_recv()).await {
                            Ok(heard) => heard,
                            Err(_quiet) => {
                                let probe = sqlx::query("select 1").execute(&mut listener);
                                match tokio::time::timeout(HEARTBEAT_TIMEOUT, probe).await {
                                    Ok(Ok(_)) => continue,
                                    _ => {
                                        tracing::warn!("profile change listener got no answer; reconnecting");
                                        break;
                                    }
                                }
                            }
                        };
                        match heard {
                            Ok(Some(notification)) => match ProfileChange::parse(notification.payload()) {
                                Some(change) => self.heard(&change, &apply),
                                None => tracing::warn!("unreadable profile change notification"),
                            },
                            // The connection dropped: connect anew (and forget).
                            Ok(None) => {
                                tracing::warn!("profile change listener lost its connection; reconnecting");
                                break;
                            }
                            Err(e) => {
                                tracing::warn!("profile change listener failed: {e}");
                                break;
                            }
                        }
                    }
                    self.set_listening(false);
                }
                Err(e) => tracing::warn!("cannot listen for profile changes yet: {e}"),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    fn heard(&self, change: &ProfileChange, apply: &impl Fn(&ProfileChange)) {
        metrics::profile_change_heard(matches!(change, ProfileChange::All));
        self.note(change);
        apply(change);
    }
}

async fn connect(db: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse_strictly() {
        assert_eq!(
            ProfileChange::parse("910000001 odessa.finch 1764577200123456"),
            Some(ProfileChange::One {
                key: "odessa.finch".into(),
                user_id: 910000001,
                fetched_at_micros: 1764577200123456
            })
        );
        assert_eq!(
            ProfileChange::parse("7 gone 0"),
            Some(ProfileChange::One { key: "gone".into(), user_id: 7, fetched_at_micros: 0 })
        );
        for bad in ["", "7", "7 x", "x y 1", "7  1", "7 x 1 extra", "7 x 1.5"] {
            assert_eq!(ProfileChange::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_stamp_tells_whether_its_key_changed() {
        let feed = ChangeFeed::default();
        let before = feed.stamp("a");
        assert!(feed.unchanged_since("a", before));
        feed.note(&ProfileChange::One { key: "a".into(), user_id: 1, fetched_at_micros: 1 });
        assert!(!feed.unchanged_since("a", before));
        let before = feed.stamp("a");
        feed.note(&ProfileChange::All);
        assert!(!feed.unchanged_since("a", before), "everything changed");
    }

    #[test]
    fn a_copy_may_be_kept_when_the_change_heard_was_itself() {
        let feed = ChangeFeed::default();
        let stamp = feed.stamp("a");
        feed.note(&ProfileChange::One { key: "a".into(), user_id: 1, fetched_at_micros: 5 });
        assert!(feed.may_keep("a", stamp, |heard| heard == 5), "our own write came back");
        assert!(!feed.may_keep("a", stamp, |heard| heard == 4), "an older copy, read before a newer one was stored");
        let later = feed.stamp("a");
        assert!(!feed.may_keep("a", later, |heard| heard == 4), "a newer copy is known: never keep an older one");
        let b = feed.stamp("b");
        assert!(feed.may_keep("b", b, |_| false), "nothing heard of b");
        feed.note(&ProfileChange::All);
        assert!(!feed.may_keep("a", stamp, |heard| heard == 5), "something may have been missed");
        assert!(!feed.may_keep("b", b, |_| false));
    }

    #[test]
    fn memory_is_trusted_briefly_while_not_listening() {
        let feed = ChangeFeed::default();
        assert_eq!(feed.trusted_for(Duration::from_secs(7200)), UNWATCHED_WINDOW);
        feed.set_listening(true);
        assert_eq!(feed.trusted_for(Duration::from_secs(7200)), Duration::from_secs(7200));
        assert_eq!(feed.trusted_for(Duration::from_secs(3)), Duration::from_secs(3));
    }
}
