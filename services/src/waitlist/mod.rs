//! The waitlist store: one row per address, no way to tell a repeat from a
//! first signup, removal by an unguessable token, a per-client signup limit,
//! and a CSV export for the operator.

mod export;

use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use domain::{email::EmailAddress, username::Username};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::{
    config::{ConfigError, Env},
    metrics,
    rate_limit::ClientLimiter,
    ClientIp,
};

pub use export::export_csv;

/// `WAITLIST_*`.
#[derive(Clone, Debug)]
pub struct WaitlistSettings {
    /// `WAITLIST_SIGNUPS_PER_HOUR`: signups one client may make per hour (per replica).
    pub signups_per_hour: u32,
}

impl WaitlistSettings {
    pub fn from_env(env: &Env) -> Result<WaitlistSettings, ConfigError> {
        Ok(WaitlistSettings { signups_per_hour: env.number("WAITLIST_SIGNUPS_PER_HOUR", 10, 1, 1_000_000)? })
    }
}

/// A validated signup.
#[derive(Clone, Debug)]
pub struct Signup {
    pub email: EmailAddress,
    pub username: Option<Username>,
    /// The visitor's language code (`en`, `ko`).
    pub lang: &'static str,
    /// The page the form was on (our own path).
    pub source_path: Option<String>,
}

/// What a signup answers: the removal token for the "leave" link. The same
/// for a new and an already-listed address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub removal_token: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRefused {
    RateLimited { retry_after_secs: u64 },
    Unavailable,
}

/// The waitlist's storage and abuse limits.
pub struct WaitlistService {
    db: PgPool,
    limiter: ClientLimiter,
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl WaitlistService {
    pub fn new(db: PgPool, settings: &WaitlistSettings) -> WaitlistService {
        WaitlistService { db, limiter: ClientLimiter::new(settings.signups_per_hour, Duration::from_secs(3600)) }
    }

    /// Stores the signup once per address. A repeat changes nothing and
    /// answers exactly like a first signup.
    pub async fn join(&self, signup: Signup, client: Option<ClientIp>) -> Result<Receipt, JoinRefused> {
        if let Some(ClientIp(ip)) = client {
            self.limiter.check(ip).map_err(|wait| {
                metrics::waitlist_signup("rate_limited");
                JoinRefused::RateLimited { retry_after_secs: wait.as_secs().max(1) }
            })?;
        }
        let token = new_token();
        // A repeat does nothing and still gets a token: the answer cannot
        // tell whether the address was already listed. That token matches
        // no row, so it cannot remove someone else's signup.
        let stored = sqlx::query(
            "insert into waitlist (email, email_key, username, lang, source_path, consent_at, removal_token_hash)
             values ($1, $2, $3, $4, $5, now(), $6)
             on conflict (email_key) do nothing",
        )
        .bind(signup.email.as_str())
        .bind(signup.email.key())
        .bind(signup.username.as_ref().map(|u| u.as_str()))
        .bind(signup.lang)
        .bind(signup.source_path.as_deref())
        .bind(token_hash(&token))
        .execute(&self.db)
        .await;
        match stored {
            Ok(_) => {
                metrics::waitlist_signup("accepted");
                Ok(Receipt { removal_token: token })
            }
            Err(e) => {
                metrics::waitlist_signup("failed");
                tracing::error!("waitlist signup not stored: {e}");
                Err(JoinRefused::Unavailable)
            }
        }
    }

    /// Deletes the signup the token was issued for, if any.
    pub async fn leave(&self, token: &str) -> Result<(), JoinRefused> {
        if token.is_empty() || token.len() > 100 {
            return Ok(());
        }
        sqlx::query("delete from waitlist where removal_token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.db)
            .await
            .map(|_| ())
            .map_err(|e| {
                tracing::error!("waitlist removal failed: {e}");
                JoinRefused::Unavailable
            })
    }

    /// A token shaped like a real one, for answers that store nothing.
    pub fn decoy_token(&self) -> String {
        new_token()
    }

    /// Counts a signup refused before it reached the store (`invalid`,
    /// `cross_origin`, `honeypot`), for the operator's metrics.
    pub fn count_refusal(&self, reason: &'static str) {
        metrics::waitlist_signup(reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
