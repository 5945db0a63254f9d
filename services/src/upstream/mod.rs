//! The Clubhouse API client. This module owns every call to the upstream:
//! its headers and token, timeouts, pacing and backoff, error mapping, and
//! the sanitizing of what comes back. Its budget per account is shared by
//! every replica through Postgres (`budget`).

mod budget;
mod client;
mod config;
mod error;
mod limiter;
mod sanitize;

pub use client::{AccountHealth, ClubhouseClient, FetchedProfile, Turn, UpstreamConfig, UpstreamHealth};
pub use config::{parse_accounts, UpstreamAccount, SIMULATOR_BASE_URL};
pub use error::UpstreamError;
pub use limiter::{Limiter, LimiterSettings, Priority};
pub use sanitize::sanitize_profile;
