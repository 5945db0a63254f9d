//! SQL for profile history. Versions and samples are written by the cache's
//! store function; this reads them, finds who is due a scheduled refresh,
//! and applies retention.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgExecutor, Row};

use super::{FeedPerson, Sample, Version, VersionContent};

/// Versions newest first.
pub async fn versions<'e>(
    db: impl PgExecutor<'e>,
    user_id: u64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Version>, sqlx::Error> {
    let rows = sqlx::query(
        "select id, seen_at, content from profile_versions where user_id = $1
         order by seen_at desc, id desc limit $2 offset $3",
    )
    .bind(user_id as i64)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// The newest `per_person` versions of each of these people, with whose
/// they are, newest first within each person.
pub async fn versions_of_many<'e>(
    db: impl PgExecutor<'e>,
    user_ids: &[i64],
    per_person: i64,
) -> Result<Vec<(u64, Version)>, sqlx::Error> {
    let rows = sqlx::query(
        "select user_id, id, seen_at, content from (
             select v.*, row_number() over (partition by user_id order by seen_at desc, id desc) as n
             from profile_versions v where user_id = any($1)) ranked
         where n <= $2 order by user_id, seen_at desc, id desc",
    )
    .bind(user_ids)
    .bind(per_person)
    .fetch_all(db)
    .await?;
    rows.iter().map(|row| Ok((row.try_get::<i64, _>("user_id")? as u64, version_from_row(row)?))).collect()
}

/// What a feed of these people shows changes with: each one's newest
/// version id and how many versions they have (retention lowers it), and
/// when the newest of them all was seen. One indexed query, so a reader
/// that already has the feed is answered without reading the versions.
pub async fn feed_stamp<'e>(
    db: impl PgExecutor<'e>,
    user_ids: &[i64],
) -> Result<(Vec<(i64, i64, i64)>, Option<DateTime<Utc>>), sqlx::Error> {
    let rows = sqlx::query(
        "select user_id, max(id) as newest, count(*) as versions, max(seen_at) as seen
         from profile_versions where user_id = any($1) group by user_id order by user_id",
    )
    .bind(user_ids)
    .fetch_all(db)
    .await?;
    let mut stamp = Vec::with_capacity(rows.len());
    let mut latest: Option<DateTime<Utc>> = None;
    for row in &rows {
        stamp.push((row.try_get("user_id")?, row.try_get("newest")?, row.try_get("versions")?));
        let seen: DateTime<Utc> = row.try_get("seen")?;
        latest = Some(latest.map_or(seen, |l| l.max(seen)));
    }
    Ok((stamp, latest))
}

fn version_from_row(row: &sqlx::postgres::PgRow) -> Result<Version, sqlx::Error> {
    let content: Value = row.try_get("content")?;
    Ok(Version {
        id: row.try_get("id")?,
        seen_at: row.try_get("seen_at")?,
        // A version we cannot read shows as empty rather than failing the page.
        content: serde_json::from_value::<VersionContent>(content).unwrap_or_else(|e| {
            tracing::warn!("unreadable profile version: {e}");
            VersionContent::default()
        }),
    })
}

/// Every sample kept, oldest first.
pub async fn samples<'e>(db: impl PgExecutor<'e>, user_id: u64) -> Result<Vec<Sample>, sqlx::Error> {
    let rows = sqlx::query(
        "select sampled_at, followers, following from profile_samples where user_id = $1 order by sampled_at",
    )
    .bind(user_id as i64)
    .fetch_all(db)
    .await?;
    rows.iter().map(sample_from_row).collect()
}

/// Samples newest first, a page at a time.
pub async fn samples_page<'e>(
    db: impl PgExecutor<'e>,
    user_id: u64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Sample>, sqlx::Error> {
    let rows = sqlx::query(
        "select sampled_at, followers, following from profile_samples where user_id = $1
         order by sampled_at desc limit $2 offset $3",
    )
    .bind(user_id as i64)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    rows.iter().map(sample_from_row).collect()
}

fn sample_from_row(row: &sqlx::postgres::PgRow) -> Result<Sample, sqlx::Error> {
    let count = |name: &str| row.try_get::<Option<i64>, _>(name).map(|n| n.and_then(|n| u64::try_from(n).ok()));
    Ok(Sample { at: row.try_get("sampled_at")?, followers: count("followers")?, following: count("following")? })
}

/// How many versions and samples a person has.
pub async fn counts<'e>(db: impl PgExecutor<'e>, user_id: u64) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(
        "select (select count(*) from profile_versions where user_id = $1) as versions,
                (select count(*) from profile_samples where user_id = $1) as samples",
    )
    .bind(user_id as i64)
    .fetch_one(db)
    .await?;
    Ok((row.try_get("versions")?, row.try_get("samples")?))
}

/// The cached (not gone) people among these lower-cased usernames, in the
/// order asked. Records the poll for the scheduler, at most once a minute
/// per person, so a busy feed writes little.
pub async fn feed_people<'e>(db: impl PgExecutor<'e>, keys: &[String]) -> Result<Vec<FeedPerson>, sqlx::Error> {
    let rows = sqlx::query(
        "with polled as (
             update profile_cache set polled_at = now()
             where lower(username) = any($1) and gone_at is null
               and (polled_at is null or polled_at < now() - interval '1 minute')
         )
         select user_id, username, name from profile_cache
         where lower(username) = any($1) and gone_at is null",
    )
    .bind(keys)
    .fetch_all(db)
    .await?;
    let mut people: Vec<FeedPerson> = rows
        .iter()
        .map(|row| {
            Ok(FeedPerson {
                user_id: row.try_get::<i64, _>("user_id")? as u64,
                username: row.try_get("username")?,
                name: row.try_get("name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    people.sort_by_key(|p| keys.iter().position(|k| *k == p.username.to_lowercase()));
    Ok(people)
}

/// Someone a scheduled refresh is due for.
#[derive(Clone, Debug, PartialEq)]
pub struct Due {
    pub user_id: u64,
    pub username: String,
    /// Among the most viewed: refreshed at the shorter cadence.
    pub hot: bool,
}

/// What the scheduler considers, from [`due`].
#[derive(Clone, Copy, Debug)]
pub struct Cadence {
    /// Viewed or polled within this is watched.
    pub watch_window: Duration,
    pub every: Duration,
    pub hot_every: Duration,
    /// The most viewed this many watched people are hot.
    pub hot_count: i64,
}

/// Watched people whose copy is older than their cadence, the oldest first,
/// at most `limit`; and how many people are watched in all.
pub async fn due<'e>(db: impl PgExecutor<'e>, cadence: Cadence, limit: i64) -> Result<(Vec<Due>, i64), sqlx::Error> {
    let rows = sqlx::query(
        "with watched as (
             select user_id, username, fetched_at, view_minutes from profile_cache
             where gone_at is null
               and greatest(viewed_at, coalesce(polled_at, '-infinity')) > now() - make_interval(secs => $1)
         ), hot as (
             select user_id from watched order by view_minutes desc, user_id limit $4
         ), due as (
             select w.user_id, w.username, w.fetched_at, h.user_id is not null as hot from watched w
             left join hot h using (user_id)
             where w.fetched_at < now() - make_interval(secs => case when h.user_id is null then $2 else $3 end)
         )
         select user_id, username, hot, (select count(*) from watched) as watched
         from (select 1) one left join (select * from due order by fetched_at limit $5) d on true",
    )
    .bind(cadence.watch_window.as_secs_f64())
    .bind(cadence.every.as_secs_f64())
    .bind(cadence.hot_every.as_secs_f64())
    .bind(cadence.hot_count)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let watched = rows.first().map(|r| r.try_get::<i64, _>("watched")).transpose()?.unwrap_or(0);
    let mut due = Vec::new();
    for row in &rows {
        if let Some(user_id) = row.try_get::<Option<i64>, _>("user_id")? {
            due.push(Due { user_id: user_id as u64, username: row.try_get("username")?, hot: row.try_get("hot")? });
        }
    }
    Ok((due, watched))
}

/// Deletes samples and versions older than `keep`, but never a person's
/// newest version (what the next fetch compares with). Returns how many
/// versions and samples went.
pub async fn prune<'e>(db: impl PgExecutor<'e>, keep: Duration) -> Result<(u64, u64), sqlx::Error> {
    let row = sqlx::query(
        "with cutoff as (select now() - make_interval(secs => $1) as t),
         samples as (
             delete from profile_samples where sampled_at < (select t from cutoff) returning 1
         ), versions as (
             delete from profile_versions v where v.seen_at < (select t from cutoff)
               and exists (select 1 from profile_versions newer where newer.user_id = v.user_id
                           and (newer.seen_at, newer.id) > (v.seen_at, v.id))
             returning 1
         )
         select (select count(*) from versions) as versions, (select count(*) from samples) as samples",
    )
    .bind(keep.as_secs_f64())
    .fetch_one(db)
    .await?;
    Ok((row.try_get::<i64, _>("versions")? as u64, row.try_get::<i64, _>("samples")? as u64))
}
