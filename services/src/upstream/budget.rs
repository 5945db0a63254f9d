//! The upstream budget shared by every replica: one row per account in
//! Postgres (`upstream_accounts`, migration 0005) holds its GCRA schedule
//! and its pause. A call books its turn with one atomic statement that also
//! picks the account whose turn comes first, so replicas together keep each
//! account's configured rate and all see a pause one of them set.
//!
//! Hand-written: no crate keeps rate-limit state in Postgres; the statement
//! is the same GCRA the in-process [`Limiter`](super::Limiter) runs, which
//! takes over while the database cannot answer.

use std::time::Duration;

use sqlx::{PgConnection, PgPool, Row};

use super::limiter::PauseReason;

/// The outcome of one booking.
#[derive(Clone, Debug, PartialEq)]
pub enum Booking {
    /// `label`'s turn starts after `start_in`.
    Granted { label: String, start_in: Duration },
    /// No account has a turn within the wait. `label` is the account whose
    /// turn comes first; `paused` is set when a pause is what holds it back.
    Denied { label: String, wait: Duration, paused: Option<(Duration, PauseReason)> },
}

/// What the shared row says of an account, for readiness and metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedPause {
    pub label: String,
    pub remaining: Duration,
    pub reason: PauseReason,
}

#[derive(Clone)]
pub struct SharedBudget {
    db: PgPool,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn duration(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX)
}

impl SharedBudget {
    pub fn new(db: PgPool) -> SharedBudget {
        SharedBudget { db }
    }

    /// Creates the rows of accounts not seen before (never resets a
    /// schedule: another replica may be using it). An account set aside for
    /// a refused token gets another try: a start is when a token is replaced.
    pub async fn register(&self, labels: &[String]) -> Result<(), sqlx::Error> {
        sqlx::query("insert into upstream_accounts (label) select unnest($1::text[]) on conflict (label) do nothing")
            .bind(labels)
            .execute(&self.db)
            .await?;
        sqlx::query(
            "update upstream_accounts set paused_until = null, pause_reason = null
             where label = any($1) and pause_reason like 'unauthorized:%'",
        )
        .bind(labels)
        .execute(&self.db)
        .await
        .map(|_| ())
    }

    /// Books the earliest turn among `labels`: GCRA with `interval` between
    /// calls and `tolerance` ahead of the schedule, not starting before a
    /// pause ends, granted only if it starts within `max_wait`. The rows are
    /// locked for the statement only; all candidates are locked before one
    /// is chosen, so concurrent bookings choose from what the others booked
    /// (locking only the chosen row would send them all to the account that
    /// was first when they started). On `conn` when given (a fetch's own
    /// connection), else on the pool.
    pub async fn book(
        &self,
        conn: Option<&mut PgConnection>,
        labels: &[String],
        interval: Duration,
        tolerance: Duration,
        max_wait: Duration,
    ) -> Result<Option<Booking>, sqlx::Error> {
        let query = sqlx::query(
            "with locked as (
                 select label, tat, paused_until, pause_reason
                 from upstream_accounts
                 where label = any($1)
                 order by label
                 for update
             ), pick as (
                 select label, tat, pause_reason,
                        greatest(now(), coalesce(paused_until, now())) as base
                 from locked
                 order by greatest(tat - make_interval(secs => $3), now(), coalesce(paused_until, now())), label
                 limit 1
             ), start as (
                 select label, tat, base, pause_reason,
                        greatest(greatest(tat, base) - make_interval(secs => $3), base) as starts_at
                 from pick
             ), booked as (
                 update upstream_accounts a
                 set tat = greatest(s.tat, s.base) + make_interval(secs => $2)
                 from start s
                 where a.label = s.label and s.starts_at <= now() + make_interval(secs => $4)
                 returning a.label
             )
             select s.label, (b.label is not null) as granted,
                    -- A booking lost to a crash only loosens the schedule for
                    -- a moment: its commit need not wait for the disk (that
                    -- wait was most of a miss's cost).
                    set_config('synchronous_commit', 'off', true) as relaxed,
                    extract(epoch from s.starts_at - now())::float8 as start_in,
                    extract(epoch from s.base - now())::float8 as paused_for,
                    case when s.base > now() then s.pause_reason end as pause_reason
             from start s left join booked b on true",
        )
        .bind(labels)
        .bind(secs(interval))
        .bind(secs(tolerance))
        .bind(secs(max_wait));
        let row = match conn {
            Some(conn) => query.fetch_optional(conn).await?,
            None => query.fetch_optional(&self.db).await?,
        };
        let Some(row) = row else { return Ok(None) };
        let label: String = row.try_get("label")?;
        let start_in = duration(row.try_get("start_in")?);
        if row.try_get("granted")? {
            return Ok(Some(Booking::Granted { label, start_in }));
        }
        let reason: Option<String> = row.try_get("pause_reason")?;
        let paused_for = duration(row.try_get("paused_for")?);
        let paused = reason.map(|r| (paused_for, PauseReason::from_stored(&r)));
        Ok(Some(Booking::Denied { label, wait: start_in, paused }))
    }

    /// Stops `label`'s calls on every replica for `duration` (a longer
    /// pause already set wins).
    pub async fn pause(&self, label: &str, duration: Duration, reason: PauseReason) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update upstream_accounts
             set pause_reason = case when coalesce(paused_until, now()) < now() + make_interval(secs => $2)
                                     then $3 else pause_reason end,
                 paused_until = greatest(coalesce(paused_until, now()), now() + make_interval(secs => $2))
             where label = $1",
        )
        .bind(label)
        .bind(secs(duration))
        .bind(reason.to_stored())
        .execute(&self.db)
        .await
        .map(|_| ())
    }

    /// The pauses in force among `labels`.
    pub async fn pauses(&self, labels: &[String]) -> Result<Vec<SharedPause>, sqlx::Error> {
        let rows = sqlx::query(
            "select label, pause_reason, extract(epoch from paused_until - now())::float8 as remaining
             from upstream_accounts
             where label = any($1) and paused_until > now() and pause_reason is not null",
        )
        .bind(labels)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SharedPause {
                    label: row.try_get("label")?,
                    remaining: duration(row.try_get("remaining")?),
                    reason: PauseReason::from_stored(&row.try_get::<String, _>("pause_reason")?),
                })
            })
            .collect()
    }
}
