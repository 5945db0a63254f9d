//! SQL for the profile cache. Short statements only: no transaction is ever
//! held open across an upstream call.

use chrono::{DateTime, Utc};
use domain::{model::Profile, profile::ProfileCard};
use serde_json::Value;
use sqlx::{PgExecutor, PgPool, Row};

/// A cached copy of one profile.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedProfile {
    pub profile: Profile,
    pub fetched_at: DateTime<Utc>,
    pub refresh_failed_at: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub struct ProfileStore {
    pub db: PgPool,
}

impl ProfileStore {
    pub async fn by_username(&self, key: &str) -> Result<Option<CachedProfile>, sqlx::Error> {
        by_username(&self.db, key).await
    }

    /// See [`lookup`].
    pub async fn lookup(&self, key: &str, ttl_secs: f64) -> Result<Cached, sqlx::Error> {
        lookup(&self.db, key, ttl_secs).await
    }

    /// Stores a fresh copy (see [`store_profile`]).
    pub async fn store(&self, profile: &Profile, raw: &Value) -> Result<(CachedProfile, bool), sqlx::Error> {
        store_profile(&self.db, profile, raw).await
    }

    pub async fn mark_refresh_failed(&self, key: &str) -> Result<(), sqlx::Error> {
        mark_refresh_failed(&self.db, key).await
    }

    /// Records that a visitor opened the profile. Skips the write when the
    /// last one was under a minute ago, to keep hot pages read-only.
    pub async fn touch(&self, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update profile_cache set viewed_at = now(), view_minutes = view_minutes + 1
             where lower(username) = $1 and viewed_at < now() - interval '1 minute'",
        )
        .bind(key)
        .execute(&self.db)
        .await
        .map(|_| ())
    }

    pub async fn remember_missing(&self, key: &str) -> Result<(), sqlx::Error> {
        remember_missing(&self.db, key).await
    }

    /// Cached people whose username or name contains `query`.
    /// One page of cached people matching `query`, and how many match in all.
    pub async fn search(&self, query: &str, limit: i64, offset: i64) -> Result<(Vec<ProfileCard>, u64), sqlx::Error> {
        let pattern = format!("%{}%", escape_like(&query.to_lowercase()));
        let rows = sqlx::query(
            "select username, profile, count(*) over () as total from profile_cache
             where (lower(username) || ' ' || lower(coalesce(name, ''))) like $1 and gone_at is null
             order by viewed_at desc, user_id limit $2 offset $3",
        )
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.db)
        .await?;
        let total = match rows.first() {
            Some(row) => row.try_get::<i64, _>("total")? as u64,
            // Past the last page the window has no row to count on.
            None if offset > 0 => self.search_count(query).await?,
            None => 0,
        };
        Ok((rows.iter().filter_map(card_from_row).collect(), total))
    }

    async fn search_count(&self, query: &str) -> Result<u64, sqlx::Error> {
        let pattern = format!("%{}%", escape_like(&query.to_lowercase()));
        let count: i64 = sqlx::query_scalar(
            "select count(*) from profile_cache
             where (lower(username) || ' ' || lower(coalesce(name, ''))) like $1 and gone_at is null",
        )
        .bind(pattern)
        .fetch_one(&self.db)
        .await?;
        Ok(count as u64)
    }

    pub async fn recently_viewed(&self, limit: i64) -> Result<Vec<ProfileCard>, sqlx::Error> {
        let rows = sqlx::query(
            "select username, profile from profile_cache where gone_at is null order by viewed_at desc limit $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        Ok(rows.iter().filter_map(card_from_row).collect())
    }
}

/// What the cache knows of a username. Read once per lookup and moved on:
/// boxing the profile would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Cached {
    Profile(CachedProfile),
    /// Clubhouse said "no such user" within the last `ttl_secs`.
    KnownMissing,
    /// A cached person Clubhouse said no longer exists, within the last
    /// `ttl_secs` (or a lookup by name said so since).
    Gone,
    Unknown,
}

/// The cached profile, or whether the name is a remembered miss: one round
/// trip, since a cache miss pays for every query before its upstream call.
pub async fn lookup<'e>(db: impl PgExecutor<'e>, key: &str, ttl_secs: f64) -> Result<Cached, sqlx::Error> {
    let row = sqlx::query(
        "select c.profile, c.fetched_at, c.refresh_failed_at,
                c.gone_at > now() - make_interval(secs => $2) as recently_gone,
                c.gone_at is not null as gone,
                exists (select 1 from profile_misses
                        where username_key = $1 and checked_at > now() - make_interval(secs => $2)) as known_missing
         from (select 1) as one left join profile_cache c on lower(c.username) = $1",
    )
    .bind(key)
    .bind(ttl_secs)
    .fetch_one(db)
    .await?;
    let known_missing: bool = row.try_get("known_missing")?;
    if row.try_get::<Option<bool>, _>("gone")?.unwrap_or(false) {
        let recently = row.try_get::<Option<bool>, _>("recently_gone")?.unwrap_or(false);
        // Past its window a gone name is asked about again (someone new may hold it).
        return Ok(if recently || known_missing { Cached::Gone } else { Cached::Unknown });
    }
    let raw: Option<Value> = row.try_get("profile")?;
    if let Some(raw) = raw {
        match serde_json::from_value::<Profile>(raw) {
            Ok(profile) => {
                return Ok(Cached::Profile(CachedProfile {
                    profile,
                    fetched_at: row.try_get("fetched_at")?,
                    refresh_failed_at: row.try_get("refresh_failed_at")?,
                }))
            }
            // A row we can no longer read is treated as absent and refetched.
            Err(e) => tracing::warn!("unreadable cached profile {key:?}: {e}"),
        }
    }
    Ok(if known_missing { Cached::KnownMissing } else { Cached::Unknown })
}

pub async fn by_username<'e>(db: impl PgExecutor<'e>, key: &str) -> Result<Option<CachedProfile>, sqlx::Error> {
    let row = sqlx::query(
        "select profile, fetched_at, refresh_failed_at from profile_cache
             where lower(username) = $1 and gone_at is null",
    )
    .bind(key)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let raw: Value = row.try_get("profile")?;
    match serde_json::from_value::<Profile>(raw) {
        Ok(profile) => Ok(Some(CachedProfile {
            profile,
            fetched_at: row.try_get("fetched_at")?,
            refresh_failed_at: row.try_get("refresh_failed_at")?,
        })),
        Err(e) => {
            // A row we can no longer read is treated as absent and refetched.
            tracing::warn!("unreadable cached profile {key:?}: {e}");
            Ok(None)
        }
    }
}

/// Stores a fresh copy, in one round trip (`store_fetched_profile` in
/// `migrations/0003_store_profile_function.sql`, with history since
/// `0006_profile_history.sql`): a username now held by this person is taken
/// from any other row first (someone renamed, someone else took the name),
/// a follower sample is taken, a version is kept when anything visible
/// changed, and the commit does not wait for the disk (history lost to a
/// crash is one sample; the next fetch keeps the version). Runs on any
/// connection, so a fetch can store on the one holding its lock. The flag
/// says whether this copy made a new version.
pub async fn store_profile<'e>(
    db: impl PgExecutor<'e>,
    profile: &Profile,
    raw: &Value,
) -> Result<(CachedProfile, bool), sqlx::Error> {
    let row = sqlx::query("select stored_at, changed from store_fetched_profile_with_history($1, $2, $3, $4)")
        .bind(profile.user_id as i64)
        .bind(profile.username.as_deref().unwrap_or_default())
        .bind(profile.name.as_deref())
        .bind(raw)
        .fetch_one(db)
        .await?;
    let fetched_at: DateTime<Utc> = row.try_get("stored_at")?;
    let changed: bool = row.try_get("changed")?;
    Ok((CachedProfile { profile: profile.clone(), fetched_at, refresh_failed_at: None }, changed))
}

pub async fn mark_refresh_failed<'e>(db: impl PgExecutor<'e>, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update profile_cache set refresh_failed_at = now() where lower(username) = $1")
        .bind(key)
        .execute(db)
        .await
        .map(|_| ())
}

/// Clubhouse says the person behind this cached copy no longer exists:
/// everything of theirs is wiped but the id and name (which the page then
/// says is gone), their history included, and `fetched_at` moves so every
/// replica drops its copies. One statement, so nothing is half wiped.
pub async fn mark_gone<'e>(db: impl PgExecutor<'e>, user_id: u64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "with versions as (delete from profile_versions where user_id = $1),
              samples as (delete from profile_samples where user_id = $1)
         update profile_cache
         set gone_at = now(), fetched_at = now(), refresh_failed_at = null, name = null,
             profile = jsonb_build_object('user_id', user_id, 'username', username)
         where user_id = $1",
    )
    .bind(user_id as i64)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn remember_missing<'e>(db: impl PgExecutor<'e>, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into profile_misses (username_key, checked_at) values ($1, now())
         on conflict (username_key) do update set checked_at = excluded.checked_at",
    )
    .bind(key)
    .execute(db)
    .await
    .map(|_| ())
}

fn card_from_row(row: &sqlx::postgres::PgRow) -> Option<ProfileCard> {
    let username: String = row.try_get("username").ok()?;
    let raw: Value = row.try_get("profile").ok()?;
    let text = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(ProfileCard { username, name: text("name"), photo_url: text("photo_url"), bio: text("bio") })
}

/// Makes `%`, `_` and `\` literal in a LIKE pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(super::escape_like(r"a%b_c\d"), r"a\%b\_c\\d");
    }
}
