//! The waitlist: double opt-in by mail. A signup answers the same for a new
//! and a known address, and writes its mail into the outbox in the same
//! transaction (`outbox` sends it); a mailed link confirms or removes.
//! Limits: signups per client per hour and mails per address per day, both
//! counted in Postgres, so every replica shares them.

mod export;
pub mod mails;
mod outbox;

use std::{net::IpAddr, sync::Arc, time::Duration};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use domain::{email::EmailAddress, username::Username};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::{
    config::{ConfigError, Env},
    mail::Mailer,
    metrics, ClientIp,
};

pub use export::export_csv;
use mails::MailKind;

/// `WAITLIST_*` and the outbox's `MAIL_*` timings.
#[derive(Clone, Debug)]
pub struct WaitlistSettings {
    /// `WAITLIST_SIGNUPS_PER_HOUR`: signups one client (an IPv4 address, an
    /// IPv6 /64) may make per clock hour, across all replicas.
    pub signups_per_hour: u32,
    /// `WAITLIST_MAILS_PER_ADDRESS_PER_DAY`: mails one address gets in 24 hours;
    /// signups past that are answered as usual and mail nothing.
    pub mails_per_address_per_day: u32,
    /// `WAITLIST_UNCONFIRMED_HOURS`: how long an unconfirmed signup is kept.
    pub unconfirmed_for: Duration,
    /// `WAITLIST_SWEEP_SECS`: how often expired signups are deleted.
    pub sweep_every: Duration,
    /// `MAIL_RETRY_BASE_MS`, `MAIL_RETRY_MAX_SECS`: the first wait after a
    /// failed send, doubling per attempt up to the most.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// `MAIL_MAX_ATTEMPTS`: sends a mail the server refuses (5xx) gets.
    /// Failures that may pass (server down, 4xx) are retried until the
    /// signup expires.
    pub max_attempts: u32,
    /// `MAIL_LEASE_SECS`: a claimed mail not reported sent by then (its
    /// replica died) is sent again.
    pub lease: Duration,
    /// `MAIL_POLL_SECS`: how often the outbox is read when nothing woke it.
    pub poll_every: Duration,
}

impl WaitlistSettings {
    pub fn from_env(env: &Env) -> Result<WaitlistSettings, ConfigError> {
        Ok(WaitlistSettings {
            signups_per_hour: env.number("WAITLIST_SIGNUPS_PER_HOUR", 10, 1, 1_000_000)?,
            mails_per_address_per_day: env.number("WAITLIST_MAILS_PER_ADDRESS_PER_DAY", 3, 1, 1000)?,
            unconfirmed_for: Duration::from_secs(3600 * env.number("WAITLIST_UNCONFIRMED_HOURS", 168, 1, 24 * 365)?),
            sweep_every: Duration::from_secs(env.number("WAITLIST_SWEEP_SECS", 60, 1, 86_400)?),
            retry_base: env.millis("MAIL_RETRY_BASE_MS", 2000, 10, 3_600_000)?,
            retry_max: Duration::from_secs(env.number("MAIL_RETRY_MAX_SECS", 600, 1, 86_400)?),
            max_attempts: env.number("MAIL_MAX_ATTEMPTS", 5, 1, 100)?,
            lease: Duration::from_secs(env.number("MAIL_LEASE_SECS", 60, 1, 3600)?),
            poll_every: Duration::from_secs(env.number("MAIL_POLL_SECS", 5, 1, 3600)?),
        })
    }
}

/// A validated signup.
#[derive(Clone, Debug)]
pub struct Signup {
    pub email: EmailAddress,
    pub username: Option<Username>,
    /// The visitor's language code (`en`, `ko`): the mail's language.
    pub lang: &'static str,
    /// The page the form was on (our own path).
    pub source_path: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRefused {
    RateLimited { retry_after_secs: u64 },
    Unavailable,
}

/// What a mailed link did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    Done,
    /// No signup has this link (expired, removed, or never issued).
    Unknown,
}

/// The waitlist's store, limits and mail outbox.
pub struct WaitlistService {
    db: PgPool,
    settings: WaitlistSettings,
    mailer: Mailer,
    public_url: String,
    /// Wakes this replica's outbox worker after a signup commits.
    wake: Notify,
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Tokens we issue are 43 (or, from the migration, 64) URL-safe characters.
fn plausible_token(token: &str) -> bool {
    (20..=100).contains(&token.len()) && token.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// The client a signup is counted against: an IPv4 address, or an IPv6
/// address's /64 (one household or phone usually has a whole /64).
fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

impl WaitlistService {
    pub fn new(db: PgPool, settings: WaitlistSettings, mailer: Mailer, public_url: String) -> WaitlistService {
        WaitlistService { db, settings, mailer, public_url, wake: Notify::new() }
    }

    /// Stores the signup once per address and, in the same transaction,
    /// its mail: a confirmation link while unconfirmed, "already on the
    /// list" once confirmed, each with a fresh removal link. Answers the
    /// same either way.
    pub async fn join(&self, signup: Signup, client: Option<ClientIp>) -> Result<(), JoinRefused> {
        match self.store_signup(&signup, client).await {
            Ok(Stored::Accepted { mailed }) => {
                metrics::waitlist_signup("accepted");
                if mailed {
                    self.wake.notify_one();
                } else {
                    metrics::waitlist_mail("suppressed");
                    tracing::info!("waitlist: mails-per-address limit reached; signup answered without a mail");
                }
                Ok(())
            }
            Ok(Stored::ClientLimit { retry_after_secs }) => {
                metrics::waitlist_signup("rate_limited");
                Err(JoinRefused::RateLimited { retry_after_secs })
            }
            Err(e) => {
                metrics::waitlist_signup("failed");
                tracing::error!("waitlist signup not stored: {e}");
                Err(JoinRefused::Unavailable)
            }
        }
    }

    async fn store_signup(&self, signup: &Signup, client: Option<ClientIp>) -> Result<Stored, sqlx::Error> {
        let mut tx = self.db.begin().await?;
        if let Some(ClientIp(ip)) = client {
            let (count, left_secs): (i32, f64) = sqlx::query_as(
                "insert into waitlist_client_windows (client_key, window_start, signups)
                 values ($1, date_trunc('hour', now()), 1)
                 on conflict (client_key, window_start) do update set signups = waitlist_client_windows.signups + 1
                 returning signups, extract(epoch from window_start + interval '1 hour' - now())::float8",
            )
            .bind(client_key(ip))
            .fetch_one(&mut *tx)
            .await?;
            if count as u32 > self.settings.signups_per_hour {
                tx.rollback().await?;
                return Ok(Stored::ClientLimit { retry_after_secs: (left_secs.ceil() as u64).max(1) });
            }
        }
        // A repeat keeps the first signup's details; an unconfirmed one gets
        // a fresh expiry window with its fresh confirmation mail. The row
        // lock this takes also orders concurrent signups for one address.
        let (signup_id, confirmed): (i64, bool) = sqlx::query_as(
            "insert into waitlist (email, email_key, username, lang, source_path, consent_at)
             values ($1, $2, $3, $4, $5, now())
             on conflict (email_key) do update
                 set requested_at = case when waitlist.confirmed_at is null then now() else waitlist.requested_at end
             returning id, confirmed_at is not null",
        )
        .bind(signup.email.as_str())
        .bind(signup.email.key())
        .bind(signup.username.as_ref().map(|u| u.as_str()))
        .bind(signup.lang)
        .bind(signup.source_path.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        let mailed_today: i64 = sqlx::query_scalar(
            "select count(*) from mail_outbox where recipient_key = $1 and created_at > now() - interval '1 day'",
        )
        .bind(signup.email.key())
        .fetch_one(&mut *tx)
        .await?;
        if mailed_today >= i64::from(self.settings.mails_per_address_per_day) {
            tx.commit().await?;
            return Ok(Stored::Accepted { mailed: false });
        }
        let kind = if confirmed { MailKind::AlreadyListed } else { MailKind::Confirm };
        let remove_token = new_token();
        let confirm_token = (kind == MailKind::Confirm).then(new_token);
        let mut hashes = vec![token_hash(&remove_token)];
        let mut actions = vec!["remove"];
        if let Some(token) = &confirm_token {
            hashes.push(token_hash(token));
            actions.push("confirm");
        }
        // The links and their mail in one statement: one round trip less.
        sqlx::query(
            "with links as (
                 insert into waitlist_links (token_hash, signup_id, action)
                 select hash, $1, action from unnest($7::bytea[], $8::text[]) as t(hash, action)
             )
             insert into mail_outbox (signup_id, recipient_key, kind, lang, confirm_token, remove_token)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(signup_id)
        .bind(signup.email.key())
        .bind(kind.code())
        .bind(signup.lang)
        .bind(confirm_token.as_deref())
        .bind(&remove_token)
        .bind(&hashes)
        .bind(&actions)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Stored::Accepted { mailed: true })
    }

    /// Confirms the signup a confirmation link was mailed for. A second
    /// confirmation changes nothing (the first time stays).
    pub async fn confirm(&self, token: &str) -> Result<LinkOutcome, JoinRefused> {
        self.follow_link(
            "update waitlist set confirmed_at = coalesce(confirmed_at, now())
             from waitlist_links l
             where l.token_hash = $1 and l.action = 'confirm' and l.signup_id = waitlist.id",
            token,
            "confirmed",
        )
        .await
    }

    /// Deletes the signup a removal link was mailed for, with its links and
    /// mails: nothing of the address stays.
    pub async fn leave(&self, token: &str) -> Result<LinkOutcome, JoinRefused> {
        self.follow_link(
            "delete from waitlist
             where id = (select signup_id from waitlist_links where token_hash = $1 and action = 'remove')",
            token,
            "removed",
        )
        .await
    }

    /// Runs `sql` (which reads the token's hash as `$1`) and counts the link
    /// as `done` when it touched a signup, `unknown` when it did not.
    async fn follow_link(&self, sql: &str, token: &str, done: &'static str) -> Result<LinkOutcome, JoinRefused> {
        if !plausible_token(token) {
            return Ok(LinkOutcome::Unknown);
        }
        let touched = sqlx::query(sql).bind(token_hash(token)).execute(&self.db).await.map_err(|e| {
            tracing::error!("waitlist link ({done}) failed: {e}");
            JoinRefused::Unavailable
        })?;
        Ok(if touched.rows_affected() > 0 {
            metrics::waitlist_link(done);
            LinkOutcome::Done
        } else {
            metrics::waitlist_link("unknown");
            LinkOutcome::Unknown
        })
    }

    /// Counts a signup refused before it reached the store (`invalid`,
    /// `cross_origin`, `honeypot`), for the operator's metrics.
    pub fn count_refusal(&self, reason: &'static str) {
        metrics::waitlist_signup(reason);
    }

    /// Sends the outbox's mails and deletes expired signups, until the task
    /// is dropped. Every replica runs one; they share the work.
    pub async fn run_outbox(self: Arc<Self>) {
        outbox::run(&self).await
    }
}

enum Stored {
    Accepted { mailed: bool },
    ClientLimit { retry_after_secs: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(plausible_token(&a));
        assert!(!plausible_token("short") && !plausible_token(&format!("{a}<")));
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn clients_are_addresses_or_ipv6_networks() {
        assert_eq!(client_key("203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(client_key("2001:db8:1:2:aaaa::1".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:2:bbbb::7".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(client_key("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
    }
}
