//! What the app needs from its host, declared here and implemented by the
//! `server` crate, so this crate never names a database or HTTP client.
//! Everything is provided as Leptos context for each request.

use std::sync::Arc;

use crate::{
    profile::{ProfileCard, ProfileLookup, SearchResults},
    username::Username,
};

/// Site-wide settings the pages need.
#[derive(Clone, Debug)]
pub struct SiteSettings {
    /// Absolute base URL of the public site, without a trailing slash, for
    /// canonical and OpenGraph URLs (e.g. `https://inssa.club`).
    pub public_url: String,
    /// Whether cookies get the `Secure` attribute (the site is served over HTTPS).
    pub secure_cookies: bool,
}

/// Profiles, from the cache or Clubhouse: the server's cache policy lives
/// behind this trait.
#[async_trait::async_trait]
pub trait ProfileDirectory: Send + Sync + 'static {
    /// A profile by username (case-insensitive).
    async fn lookup(&self, username: &Username) -> ProfileLookup;
    /// People matching a free-text query: Clubhouse's search merged with
    /// cached profiles; answers from the cache alone when Clubhouse cannot.
    /// `client` is counted against a per-client limit.
    async fn search(&self, query: &str, client: Option<ClientIp>) -> SearchResults;
    /// The profiles visitors opened most recently.
    async fn recently_viewed(&self, limit: usize) -> Vec<ProfileCard>;
}

/// The directory as Leptos context.
#[derive(Clone)]
pub struct Profiles(pub Arc<dyn ProfileDirectory>);

/// The visitor's IP address as the server decided to trust it (the socket
/// peer, or the forwarding header when the peer is the trusted proxy). The
/// server puts it in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientIp(pub std::net::IpAddr);

/// A validated signup.
#[derive(Clone, Debug)]
pub struct Signup {
    pub email: crate::email::EmailAddress,
    pub username: Option<Username>,
    pub lang: crate::i18n::Lang,
    /// The page the form was on (our own path).
    pub source_path: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRefused {
    RateLimited { retry_after_secs: u64 },
    Unavailable,
}

/// The waitlist's storage and abuse limits, implemented by the server.
#[async_trait::async_trait]
pub trait WaitlistStore: Send + Sync + 'static {
    /// Stores the signup once per address. A repeat changes nothing and
    /// answers exactly like a first signup.
    async fn join(&self, signup: Signup, client: Option<ClientIp>)
        -> Result<crate::waitlist::JoinReceipt, JoinRefused>;
    /// Deletes the signup the token was issued for, if any.
    async fn leave(&self, token: &str) -> Result<(), JoinRefused>;
    /// A token shaped like a real one, for answers that store nothing.
    fn decoy_token(&self) -> String;
    /// Counts a signup refused before it reached the store (`invalid`,
    /// `cross_origin`, `honeypot`), for the operator's metrics.
    fn count_refusal(&self, reason: &'static str);
}

#[derive(Clone)]
pub struct Waitlist(pub Arc<dyn WaitlistStore>);
