//! `/@username/embed`, the profile card other sites put in an iframe, and
//! `/oembed`, which tells an oEmbed consumer how to embed a profile page.

use axum::{
    extract::{Extension, Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use reqwest::Url;
use serde::Deserialize;
use serde_json::json;

use app::{csp, pages::embed::render_embed, prefs::Theme, share, AssetTags};
use domain::username::Username;
use services::ClientIp;

use super::{
    cards::{lang_of, NO_SUCH_LANGUAGE},
    people::{self, plain},
    SharedState,
};

/// How long consumers may keep an embed or an oEmbed answer.
const EMBED_MAX_AGE: &str = "public, max-age=300";

#[derive(Debug, Default, Deserialize)]
pub struct EmbedQuery {
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    theme: Option<String>,
}

/// The embed: no cookie is read or set (in another site's page it would
/// be a third-party cookie), the language comes from `lang` or the
/// reader's `Accept-Language`, the theme from `theme` or the system.
pub async fn embed(
    State(state): State<SharedState>,
    Extension(assets): Extension<AssetTags>,
    Path(handle): Path<String>,
    Query(query): Query<EmbedQuery>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = lang_of(query.lang.as_deref(), &headers) else {
        return plain(StatusCode::BAD_REQUEST, NO_SUCH_LANGUAGE);
    };
    let theme = query.theme.as_deref().and_then(Theme::parse).unwrap_or(Theme::System);
    let entry = match people::find_handle(&state, &handle, client.map(|Extension(ip)| ip)).await {
        Ok(entry) => entry,
        Err(response) => return response,
    };
    let html = render_embed(&entry, lang, theme, assets.stylesheet, &state.services.site.public_url);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, EMBED_MAX_AGE),
            (header::CONTENT_SECURITY_POLICY, csp::EMBED_POLICY),
        ],
        html,
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct OembedQuery {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    maxwidth: Option<String>,
    #[serde(default)]
    maxheight: Option<String>,
}

/// oEmbed 1.0 (<https://oembed.com>): type `rich`, JSON only.
pub async fn oembed(
    State(state): State<SharedState>,
    Query(query): Query<OembedQuery>,
    client: Option<Extension<ClientIp>>,
) -> Response {
    if !matches!(query.format.as_deref(), None | Some("") | Some("json")) {
        return plain(StatusCode::NOT_IMPLEMENTED, "format: only json is offered");
    }
    let limit = |value: &Option<String>, name: &str| match value.as_deref().map(str::trim) {
        None | Some("") => Ok(u32::MAX),
        Some(v) => v.parse::<u32>().map_err(|_| format!("{name}: a whole number of pixels")),
    };
    let (max_width, max_height) = match (limit(&query.maxwidth, "maxwidth"), limit(&query.maxheight, "maxheight")) {
        (Ok(w), Ok(h)) => (w, h),
        (Err(message), _) | (_, Err(message)) => return plain(StatusCode::BAD_REQUEST, &message),
    };
    let Some(url) = query.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return plain(StatusCode::BAD_REQUEST, "url: the address of a profile page is required");
    };
    let site = &state.services.site.public_url;
    let Some(username) = profile_of_url(url, site) else {
        return plain(StatusCode::NOT_FOUND, "not a profile page of this site");
    };
    let width = share::EMBED_WIDTH.min(max_width);
    if width < share::EMBED_MIN_WIDTH || max_height < share::EMBED_HEIGHT {
        return plain(StatusCode::NOT_FOUND, "no embed fits in maxwidth and maxheight");
    }
    let entry = match people::find(&state, &username, client.map(|Extension(ip)| ip)).await {
        Ok(entry) => entry,
        Err(response) => return response,
    };
    let p = &entry.profile;
    let canonical = p.username.clone().unwrap_or_else(|| username.to_string());
    let name = p.display_name().to_owned();
    // The consumer's page language is unknown: the embed follows its
    // reader's; the thumbnail is the English card.
    let lang = app::i18n::Lang::En;
    let card = share::card(p, lang, site);
    let body = json!({
        "version": "1.0",
        "type": "rich",
        "provider_name": "inssa",
        "provider_url": site,
        "title": format!("{name} (@{canonical})"),
        "author_name": name,
        "author_url": format!("{site}/@{canonical}"),
        "html": share::iframe_snippet(site, &canonical, &name, lang, width),
        "width": width,
        "height": share::EMBED_HEIGHT,
        "thumbnail_url": format!("{site}{}", share::card_path(&card, lang)),
        "thumbnail_width": share::CARD_WIDTH,
        "thumbnail_height": share::CARD_HEIGHT,
        "cache_age": 300,
    });
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(EMBED_MAX_AGE));
    // Some consumers ask from the browser.
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// The person a profile address of this site names: `{site}/@name`, with
/// or without a trailing `/`, `/embed` or `/history`, a query or a
/// fragment. Any other site, scheme or path is `None`.
fn profile_of_url(url: &str, site: &str) -> Option<Username> {
    let (url, site) = (Url::parse(url).ok()?, Url::parse(site).ok()?);
    if url.origin() != site.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let mut segments = url.path_segments()?;
    let handle = segments.next()?;
    let rest: Vec<&str> = segments.collect();
    if !matches!(rest.as_slice(), [] | [""] | ["embed"] | ["history"]) {
        return None;
    }
    people::username_of_handle(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_sites_profile_addresses_are_embeddable() {
        let site = "https://inssa.club";
        let name = |u: &str| profile_of_url(u, site).map(|n| n.to_string());
        assert_eq!(name("https://inssa.club/@rohan").as_deref(), Some("rohan"));
        assert_eq!(name("https://INSSA.club/@rohan/?x=1#y").as_deref(), Some("rohan"));
        assert_eq!(name("https://inssa.club/@rohan/embed").as_deref(), Some("rohan"));
        assert_eq!(name("https://inssa.club/@rohan/history").as_deref(), Some("rohan"));
        for other in [
            "http://inssa.club/@rohan",
            "https://inssa.club.evil.test/@rohan",
            "https://evil.test/@rohan",
            "https://user@inssa.club/@rohan",
            "https://inssa.club:8443/@rohan",
            "https://inssa.club/rohan",
            "https://inssa.club/@rohan/card.png",
            "https://inssa.club/@ro%20han",
            "https://inssa.club/",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert_eq!(name(other), None, "{other}");
        }
    }
}
