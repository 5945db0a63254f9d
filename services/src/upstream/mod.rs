//! The Clubhouse API client. This module owns every call to the upstream:
//! its headers and token, timeouts, pacing and backoff, error mapping, and
//! the sanitizing of what comes back.

mod client;
mod config;
mod error;
mod limiter;
mod sanitize;

pub use client::{ClubhouseClient, FetchedProfile, UpstreamConfig, UpstreamHealth};
pub use config::SIMULATOR_BASE_URL;
pub use error::UpstreamError;
pub use limiter::{Limiter, LimiterSettings};
pub use sanitize::sanitize_profile;
