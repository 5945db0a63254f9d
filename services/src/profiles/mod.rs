//! The profile directory: a Postgres jsonb cache in front of Clubhouse with
//! fresh / stale-while-revalidate / stale-if-error serving and single-flight
//! fetches (per process and across replicas).

pub mod changes;
mod fairness;
mod hot;
mod scheduler;
mod service;
/// The cache's SQL; public for the tests that check its semantics.
pub mod store;

pub use hot::HotTier;
pub use service::{HistorySettings, ProfileService, ProfileSettings};
pub use store::{CachedProfile, ProfileStore};
