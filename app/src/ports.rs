//! What the app needs from its host, declared here and implemented by the
//! `server` crate, so this crate never names a database or HTTP client.
//! Everything is provided as Leptos context for each request.

/// Site-wide settings the pages need.
#[derive(Clone, Debug)]
pub struct SiteSettings {
    /// Absolute base URL of the public site, without a trailing slash, for
    /// canonical and OpenGraph URLs (e.g. `https://inssa.club`).
    pub public_url: String,
    /// Whether cookies get the `Secure` attribute (the site is served over HTTPS).
    pub secure_cookies: bool,
}
