//! What pages read and write while they render on the server: the services
//! (called directly, no HTTP round trip) and the response being built.
//! Islands never call these: this module is compiled for the server only.

use domain::{
    profile::{ProfileCard, ProfileLookup, SearchResults},
    username::Username,
};
use leptos::prelude::{expect_context, use_context};
use services::{ClientIp, Services};

/// The services the server provides to every request.
pub fn services() -> Services {
    expect_context::<Services>()
}

pub async fn lookup_profile(username: Username) -> ProfileLookup {
    services().profiles.lookup(&username, client_ip()).await
}

/// A person's history; `None` when the database cannot answer (logged).
pub async fn person_history(user_id: u64, page: u32) -> Option<services::history::PersonHistory> {
    services()
        .history
        .of_person(user_id, page)
        .await
        .map_err(|e| tracing::error!("history of {user_id} unavailable: {e}"))
        .ok()
}

pub async fn search_people(query: String, page: u32) -> SearchResults {
    services().profiles.search(&query, page, client_ip()).await
}

pub async fn recently_viewed(limit: usize) -> Vec<ProfileCard> {
    services().profiles.recently_viewed(limit).await
}

/// The visitor's address as the server's middleware decided to trust it.
pub fn client_ip() -> Option<ClientIp> {
    use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<ClientIp>().copied())
}

/// The request's path as sent (percent-encoding kept).
pub fn request_path() -> Option<String> {
    use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_owned())
}

/// Sets the response status.
pub fn set_status(code: u16) {
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
}

/// Marks a page the server may keep and replay (a fresh profile), until the
/// profile changes or its memory window ends. Its value is when the profile was fetched (Unix milliseconds), so
/// the page is not replayed past the profile's freshness. The server
/// removes it before the response leaves.
pub const REPLAYABLE_PAGE_HEADER: &str = "x-inssa-replayable";

/// Adds a response header. Values must be safe header text.
pub fn set_header(name: &'static str, value: &str) {
    if let (Some(response), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        response.insert_header(http::HeaderName::from_static(name), value);
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
    services().site.public_url
}
