//! `/@username/card.png?v=…&lang=…`: the profile's share card.
//!
//! The page links the card under its token (`v`, see `services::cards`),
//! so that address always shows the same picture: it is sent with a
//! year-long `immutable` cache and the token as its ETag. Asked for
//! without a token, or with an old one, the current card comes back with
//! a short cache, so a stale link still shows the person as they are.

use axum::{
    extract::{Extension, Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use app::{i18n::Lang, prefs::Prefs, share};
use services::ClientIp;

use super::{
    people::{self, plain},
    SharedState,
};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CURRENT: &str = "public, max-age=300";

#[derive(Debug, Default, Deserialize)]
pub struct CardQuery {
    #[serde(default)]
    v: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// The language asked for in `lang`, else the reader's `Accept-Language`;
/// `None` for a language we do not have.
pub fn lang_of(lang: Option<&str>, headers: &HeaderMap) -> Option<Lang> {
    match lang {
        None | Some("") => {
            let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
            Some(Prefs::from_headers(None, accept).lang)
        }
        Some(code) => Lang::from_code(code),
    }
}

pub const NO_SUCH_LANGUAGE: &str = "lang: one of en, ko";

pub async fn card(
    State(state): State<SharedState>,
    Path(handle): Path<String>,
    Query(query): Query<CardQuery>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = lang_of(query.lang.as_deref(), &headers) else {
        return plain(StatusCode::BAD_REQUEST, NO_SUCH_LANGUAGE);
    };
    let entry = match people::find_handle(&state, &handle, client.map(|Extension(ip)| ip)).await {
        Ok(entry) => entry,
        Err(response) => return response,
    };
    let card = share::card(&entry.profile, lang, &state.services.site.public_url);
    let token = card.token();
    let etag = format!("\"{token}\"");
    let cache_control = if query.v.as_deref() == Some(token.as_str()) { IMMUTABLE } else { CURRENT };
    if people::reader_has(&headers, &etag) {
        return with_validators(StatusCode::NOT_MODIFIED.into_response(), &etag, cache_control);
    }
    match state.services.cards.card(&card).await {
        Ok(image) if image.complete => {
            let response = ([(header::CONTENT_TYPE, "image/png")], image.png.clone()).into_response();
            with_validators(response, &etag, cache_control)
        }
        // Drawn with the placeholder because the photo host failed just
        // now: shown, but kept nowhere, so the next request tries again.
        Ok(image) => ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], image.png.clone())
            .into_response(),
        Err(_) => {
            let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, "the card cannot be drawn right now; try again");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            response
        }
    }
}

fn with_validators(mut response: Response, etag: &str, cache_control: &'static str) -> Response {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    response
}
