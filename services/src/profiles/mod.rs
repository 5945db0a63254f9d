//! The profile directory: a Postgres jsonb cache in front of Clubhouse with
//! fresh / stale-while-revalidate / stale-if-error serving and single-flight
//! fetches (per process and across replicas).

mod service;
mod hot;
/// The cache's SQL; public for the tests that check its semantics.
pub mod store;

pub use service::{ProfileService, ProfileSettings};
pub use hot::HotTier;
pub use store::{CachedProfile, ProfileStore};
