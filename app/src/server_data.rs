//! Data the pages load while rendering on the server.
//!
//! In islands mode page components run only on the server; the browser never
//! renders them, so these calls never happen in the WASM build. They read
//! the ports the server provides as context, with no HTTP round trip.

use crate::{
    profile::{ProfileCard, ProfileLookup, SearchResults},
    username::Username,
};

#[cfg(feature = "ssr")]
fn directory() -> Option<crate::ports::Profiles> {
    leptos::prelude::use_context::<crate::ports::Profiles>()
}

pub async fn lookup_profile(username: Username) -> ProfileLookup {
    #[cfg(feature = "ssr")]
    if let Some(profiles) = directory() {
        return profiles.0.lookup(&username).await;
    }
    let _ = username;
    ProfileLookup::Unavailable { retry_after_secs: 30 }
}

pub async fn search_people(query: String) -> SearchResults {
    #[cfg(feature = "ssr")]
    if let Some(profiles) = directory() {
        let client = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<crate::ports::ClientIp>().copied());
        return profiles.0.search(&query, client).await;
    }
    let _ = query;
    SearchResults::default()
}

pub async fn recently_viewed(limit: usize) -> Vec<ProfileCard> {
    #[cfg(feature = "ssr")]
    if let Some(profiles) = directory() {
        return profiles.0.recently_viewed(limit).await;
    }
    let _ = limit;
    vec![]
}

/// Sets the response status (server only).
pub fn set_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(_code))
    {
        response.set_status(status);
    }
}

/// Marks a page the server may keep and replay for a few seconds (a fresh
/// profile). Its value is when the profile was fetched (Unix milliseconds), so
/// the page is not replayed past the profile's freshness. The server
/// removes it before the response leaves.
pub const REPLAYABLE_PAGE_HEADER: &str = "x-inssa-replayable";

/// Adds a response header (server only). Values must be safe header text.
pub fn set_header(_name: &'static str, _value: &str) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(value)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(_value))
    {
        response.insert_header(http::HeaderName::from_static(_name), value);
    }
}

/// An absolute URL's authority and its path with query (`/` when it has
/// none), for checking where a request came from.
pub fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.split_once("://")?.1;
    Some(match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    })
}

/// Whether a POST is a plain form submitted by a browser page (it asks for
/// HTML back), rather than a server-function call from an island.
#[cfg(feature = "ssr")]
pub fn accepts_html(parts: &http::request::Parts) -> bool {
    parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// A permanent redirect to one of our own paths.
pub fn redirect_permanently(path: &str) {
    set_status(301);
    set_header("location", path);
}

/// The site's absolute URL, for canonical and OpenGraph links.
pub fn public_url() -> String {
    #[cfg(feature = "ssr")]
    if let Some(site) = leptos::prelude::use_context::<crate::ports::SiteSettings>() {
        return site.public_url;
    }
    String::new()
}
