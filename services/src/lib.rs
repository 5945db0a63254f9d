//! inssa's server-side services, called directly by the pages and server
//! functions (through the `app` crate's `ssr` build) and by the JSON API
//! and health endpoints (in the `server` crate). Never in the WASM build.
//!
//! Dependencies point one way: `domain` ← `services` ← `app` (ssr) ← `server`.

pub mod cards;
pub mod config;
pub mod db;
pub mod history;
pub mod images;
pub mod mail;
pub mod metrics;
pub mod profiles;
pub mod rate_limit;
pub mod upstream;
pub mod waitlist;

use std::{net::IpAddr, sync::Arc};

use profiles::ProfileService;
use waitlist::WaitlistService;

/// What one request's pages and server functions may use, provided by the
/// server as a Leptos context.
#[derive(Clone)]
pub struct Services {
    pub site: SiteSettings,
    pub profiles: Arc<ProfileService>,
    pub history: history::HistoryService,
    /// Outside images, for the avatar proxy and the share cards.
    pub images: images::ImageFetcher,
    pub cards: Arc<cards::CardService>,
    pub waitlist: Arc<WaitlistService>,
}

/// Site-wide settings the pages need.
#[derive(Clone, Debug)]
pub struct SiteSettings {
    /// Absolute base URL of the public site, without a trailing slash, for
    /// canonical and OpenGraph URLs (e.g. `https://inssa.club`).
    pub public_url: String,
    /// Whether cookies get the `Secure` attribute (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// `CONTACT_EMAIL`: where people ask for their data to be removed.
    pub contact_email: String,
    /// The commit the running binary was built from.
    pub version: &'static str,
    /// How long history and unconfirmed signups are kept, for `/about`.
    pub history_retention: std::time::Duration,
    pub unconfirmed_signups_kept: std::time::Duration,
}

/// The visitor's IP address as the server decided to trust it (the socket
/// peer, or the forwarding header when the peer is a trusted proxy). The
/// server puts it in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);
