//! The outbox worker: claims due mails (a lease, so a replica that dies
//! mid-send leaves them to another), sends them, and records the outcome
//! with a backoff for failures. Sending is at least once: a mail sent just
//! before a crash is sent again, which the reader can shrug off (links in
//! either copy work, a second confirmation changes nothing).
//!
//! Hand-written rather than a job-queue crate: the queue is one table
//! written in the signup's own transaction, which is the point of it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use rand::Rng;

use super::{
    mails::{MailKind, WaitlistMail},
    WaitlistService,
};
use crate::{mail::SendError, metrics};

/// Mails claimed at once (sent `MAIL_CONNECTIONS` at a time).
const BATCH: i64 = 32;
/// Sent and failed rows are kept this long, for the per-address limit.
const KEEP_FINISHED_HOURS: i32 = 48;

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    kind: String,
    lang: String,
    confirm_token: Option<String>,
    remove_token: Option<String>,
    attempts: i32,
    created_at: DateTime<Utc>,
    email: String,
    username: Option<String>,
}

pub(super) async fn run(service: &WaitlistService) {
    let mut last_sweep: Option<tokio::time::Instant> = None;
    loop {
        if last_sweep.is_none_or(|at| at.elapsed() >= service.settings.sweep_every) {
            sweep(service).await;
            last_sweep = Some(tokio::time::Instant::now());
        }
        let wait = match send_due(service).await {
            Ok(claimed) => {
                let next_due = pending_state(service).await;
                // A full batch: there may be more.
                if claimed as i64 == BATCH {
                    Duration::ZERO
                } else {
                    next_due
                }
            }
            Err(e) => {
                tracing::warn!("mail outbox not readable: {e}");
                service.settings.poll_every
            }
        };
        let wait = wait.min(service.settings.poll_every).min(service.settings.sweep_every);
        if !wait.is_zero() {
            let _ = tokio::time::timeout(wait, service.wake.notified()).await;
        }
    }
}

/// Claims and sends one batch of due mails; returns how many were claimed.
async fn send_due(service: &WaitlistService) -> Result<usize, sqlx::Error> {
    let claimed: Vec<Claimed> = sqlx::query_as(
        "with due as (
             select id from mail_outbox
             where status = 'pending' and next_attempt_at <= now()
             order by next_attempt_at limit $1
             for update skip locked
         )
         update mail_outbox m
         set attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         from due, waitlist w
         where m.id = due.id and w.id = m.signup_id
         returning m.id, m.kind, m.lang, m.confirm_token, m.remove_token, m.attempts, m.created_at, w.email, w.username",
    )
    .bind(BATCH)
    .bind(service.settings.lease.as_secs_f64())
    .fetch_all(&service.db)
    .await?;
    let count = claimed.len();
    let outcomes: Vec<(Claimed, Result<(), SendError>)> = futures::stream::iter(claimed)
        .map(|row| async move {
            let outcome = send_one(service, &row).await;
            (row, outcome)
        })
        .buffer_unordered(service.mailer.connections())
        .collect()
        .await;
    // One commit for the batch's sent mails, not one each: with fsync on,
    // commits are what the outbox waits for. A crash before it means the
    // batch is sent again, which at least once allows.
    let (sent, failed): (Vec<_>, Vec<_>) = outcomes.into_iter().partition(|(_, outcome)| outcome.is_ok());
    let sent_ids: Vec<i64> = sent.iter().map(|(row, _)| row.id).collect();
    if !sent_ids.is_empty() {
        metrics::waitlist_mails_sent(sent_ids.len() as u64);
        let recorded = sqlx::query(
            "update mail_outbox set status = 'sent', sent_at = now(), confirm_token = null, remove_token = null
             where id = any($1)",
        )
        .bind(&sent_ids)
        .execute(&service.db)
        .await;
        // If this fails the leases run out and the mails are sent again.
        if let Err(e) = recorded {
            tracing::warn!(count = sent_ids.len(), "sent mails not recorded: {e}");
        }
    }
    for (row, outcome) in failed {
        if let Err(e) = outcome {
            record_failure(service, &row, e).await;
        }
    }
    Ok(count)
}

async fn send_one(service: &WaitlistService, row: &Claimed) -> Result<(), SendError> {
    match (MailKind::from_code(&row.kind), row.remove_token.as_deref()) {
        (Some(kind), Some(remove_token)) => {
            let mail = WaitlistMail {
                kind,
                lang: &row.lang,
                email: &row.email,
                username: row.username.as_deref(),
                public_url: &service.public_url,
                confirm_token: row.confirm_token.as_deref(),
                remove_token,
                expires_in_days: (service.settings.unconfirmed_for.as_secs() / 86_400).max(1),
            };
            match mail.message(service.mailer.sender()) {
                Ok(message) => service.mailer.send(message).await,
                Err(why) => Err(SendError::Permanent(why)),
            }
        }
        _ => Err(SendError::Permanent("an outbox row without its kind or removal link".into())),
    }
}

/// A retry time, or `failed` once a refused mail had its attempts or the
/// signup's time is over.
async fn record_failure(service: &WaitlistService, row: &Claimed, e: SendError) {
    let permanent = matches!(e, SendError::Permanent(_));
    let expired = Utc::now() - row.created_at
        > chrono::Duration::from_std(service.settings.unconfirmed_for).unwrap_or(chrono::TimeDelta::MAX);
    let recorded = if (permanent && row.attempts as u32 >= service.settings.max_attempts) || expired {
        metrics::waitlist_mail("failed");
        tracing::error!(outbox_id = row.id, attempts = row.attempts, "waitlist mail given up: {e}");
        sqlx::query("update mail_outbox set status = 'failed', confirm_token = null, remove_token = null where id = $1")
            .bind(row.id)
            .execute(&service.db)
            .await
    } else {
        metrics::waitlist_mail("retried");
        let wait = backoff(service.settings.retry_base, service.settings.retry_max, row.attempts as u32);
        tracing::warn!(outbox_id = row.id, attempts = row.attempts, retry_in_ms = wait.as_millis() as u64, "{e}");
        sqlx::query("update mail_outbox set next_attempt_at = now() + make_interval(secs => $2) where id = $1")
            .bind(row.id)
            .bind(wait.as_secs_f64())
            .execute(&service.db)
            .await
    };
    // If this fails the lease runs out and the mail is tried again.
    if let Err(e) = recorded {
        tracing::warn!(outbox_id = row.id, "mail outcome not recorded: {e}");
    }
}

/// `base`, doubled per earlier attempt, at most `max`, less up to a fifth at
/// random so replicas and rows do not retry in step.
fn backoff(base: Duration, max: Duration, attempts: u32) -> Duration {
    let full = base.saturating_mul(1u32 << attempts.saturating_sub(1).min(20)).min(max);
    full.mul_f64(1.0 - rand::thread_rng().gen_range(0.0..0.2))
}

/// Reports the pending mails as a gauge, in the same read as the time
/// until the next one is due (the poll period if none is).
async fn pending_state(service: &WaitlistService) -> Duration {
    let state: Result<(i64, Option<f64>), _> = sqlx::query_as(
        "select count(*), greatest(0, extract(epoch from min(next_attempt_at) - now()))::float8
         from mail_outbox where status = 'pending'",
    )
    .fetch_one(&service.db)
    .await;
    match state {
        Ok((pending, next)) => {
            metrics::waitlist_mails_pending(pending);
            next.map_or(service.settings.poll_every, Duration::from_secs_f64)
        }
        Err(_) => service.settings.poll_every,
    }
}

/// Deletes unconfirmed signups past their time (their links and mails go
/// with them), finished outbox rows past the limit window, and old client
/// counters.
async fn sweep(service: &WaitlistService) {
    let expired = sqlx::query(
        "delete from waitlist where confirmed_at is null and requested_at < now() - make_interval(secs => $1)",
    )
    .bind(service.settings.unconfirmed_for.as_secs_f64())
    .execute(&service.db)
    .await;
    match expired {
        Ok(done) if done.rows_affected() > 0 => {
            metrics::waitlist_expired(done.rows_affected());
            tracing::info!(count = done.rows_affected(), "unconfirmed waitlist signups expired and deleted");
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!("waitlist sweep failed: {e}");
            return;
        }
    }
    let finished = sqlx::query(
        "delete from mail_outbox where status <> 'pending' and created_at < now() - make_interval(hours => $1)",
    )
    .bind(KEEP_FINISHED_HOURS)
    .execute(&service.db);
    let windows = sqlx::query("delete from waitlist_client_windows where window_start < now() - interval '2 hours'")
        .execute(&service.db);
    let (finished, windows) = tokio::join!(finished, windows);
    if let Err(e) = finished.and(windows) {
        tracing::warn!("waitlist sweep failed: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_up_to_the_most_with_jitter() {
        let (base, max) = (Duration::from_secs(2), Duration::from_secs(60));
        for attempts in 1..40 {
            let wait = backoff(base, max, attempts);
            let full = (base * 2u32.pow(attempts.min(20) - 1)).min(max);
            assert!(wait <= full && wait >= full.mul_f64(0.8), "{attempts}: {wait:?} vs {full:?}");
        }
    }
}
