//! Finding the person a `/{handle}/…` address names, for the handlers
//! outside the Leptos pages (feeds, cards, embeds, oEmbed): looked up as
//! the page does (a person never seen is fetched once), with the same
//! plain answers when there is no one to show.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use domain::{
    profile::{ProfileEntry, ProfileLookup},
    username::Username,
};
use services::ClientIp;

use super::SharedState;

/// `@name` in an address: the username, or `None` for anything else.
pub fn username_of_handle(handle: &str) -> Option<Username> {
    handle.strip_prefix('@').and_then(|name| Username::parse_exact(name).ok())
}

/// The person `@name` in an address names, or the answer to send: 404 for
/// anything that is not a username, and as [`find`] after that.
pub async fn find_handle(
    state: &SharedState,
    handle: &str,
    client: Option<ClientIp>,
) -> Result<ProfileEntry, Response> {
    let Some(username) = username_of_handle(handle) else {
        return Err(plain(StatusCode::NOT_FOUND, "no such user"));
    };
    find(state, &username, client).await
}

/// The person's cached (or freshly fetched) profile, or the answer to send.
pub async fn find(
    state: &SharedState,
    username: &Username,
    client: Option<ClientIp>,
) -> Result<ProfileEntry, Response> {
    match state.services.profiles.lookup(username, client).await {
        ProfileLookup::Found(entry) => Ok(entry),
        ProfileLookup::NotFound => Err(plain(StatusCode::NOT_FOUND, "no such user")),
        ProfileLookup::Gone => Err(plain(StatusCode::NOT_FOUND, "this account no longer exists")),
        ProfileLookup::Unavailable { retry_after_secs } => {
            let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, "Clubhouse is not answering; try again later");
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Err(response)
        }
    }
}

/// A short plain-text answer that no cache keeps.
pub fn plain(status: StatusCode, message: &str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], format!("{message}\n")).into_response()
}

/// Whether `If-None-Match` names `etag` (weak or strong), or is `*`.
pub fn reader_has(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*"))
}
