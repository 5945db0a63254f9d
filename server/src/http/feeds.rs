//! Atom feeds of profile changes: `/@username/feed.atom` for one person and
//! `/feed.atom?u=a,b,c` for up to fifty, kept in the URL (no account, no
//! cookie). Written with `atom_syndication`, which escapes every text and
//! attribute; characters XML cannot hold at all are dropped first. Answers
//! carry an ETag and Last-Modified, and 304 when the reader has them.

use std::collections::BTreeSet;

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use axum::{
    extract::{Extension, Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use app::{
    history_text::{describe, HistoryText},
    i18n::Lang,
};
use domain::username::Username;
use services::{
    history::{FeedChange, FeedPerson, FEED_ENTRIES, FEED_PEOPLE_MAX, PAGE_VERSIONS},
    ClientIp,
};

use super::{
    people::{self, plain},
    SharedState,
};

#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    /// `u=a,b,c`: the people of a combined feed.
    #[serde(default)]
    u: Option<String>,
    /// `lang=ko`: the feed's words (English by default).
    #[serde(default)]
    lang: Option<String>,
}

impl FeedQuery {
    /// `None` for a language we do not have.
    fn lang(&self) -> Option<Lang> {
        match self.lang.as_deref() {
            None | Some("") => Some(Lang::En),
            Some(code) => Lang::from_code(code),
        }
    }
}

/// `/@username/feed.atom`: a person's changes. Looks the person up as the
/// page does (a person never seen is fetched once).
pub async fn person_feed(
    State(state): State<SharedState>,
    Path(handle): Path<String>,
    Query(query): Query<FeedQuery>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = query.lang() else {
        return plain(StatusCode::BAD_REQUEST, "lang: one of en, ko");
    };
    let entry = match people::find_handle(&state, &handle, client.map(|Extension(ip)| ip)).await {
        Ok(entry) => entry,
        Err(response) => return response,
    };
    let canonical = entry.profile.username.clone().unwrap_or_else(|| handle.trim_start_matches('@').to_owned());
    let history = &state.services.history;
    let people = match history.feed_people(&[canonical.to_lowercase()]).await {
        Ok(people) if !people.is_empty() => people,
        Ok(_) => vec![FeedPerson {
            user_id: entry.profile.user_id,
            username: canonical.clone(),
            name: entry.profile.name.clone(),
        }],
        Err(e) => return database_down(e),
    };
    let site = &state.services.site.public_url;
    let name = entry.profile.display_name().to_owned();
    let t = HistoryText::of(lang);
    let feed = FeedSpec {
        id: format!("{}:profile:{}", tag_base(site), entry.profile.user_id),
        title: format!("{} {name} (@{canonical}) · inssa", t.feed_title),
        self_url: format!("{site}/@{canonical}/feed.atom{}", lang_query(&query, '?')),
        page_url: format!("{site}/@{canonical}/history"),
    };
    answer(&state, &headers, &feed, &people, lang, PAGE_VERSIONS as usize).await
}

/// `/feed.atom?u=a,b,c`: the changes of up to fifty people, newest first.
/// Only cached people are read; names not cached yet are fetched in the
/// background by the scheduler and appear on a later poll.
pub async fn combined_feed(
    State(state): State<SharedState>,
    Query(query): Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = query.lang() else {
        return plain(StatusCode::BAD_REQUEST, "lang: one of en, ko");
    };
    let names = match parse_people(query.u.as_deref().unwrap_or("")) {
        Ok(names) => names,
        Err(message) => return plain(StatusCode::BAD_REQUEST, &message),
    };
    let keys: Vec<String> = names.iter().map(Username::key).collect();
    let history = &state.services.history;
    let people = match history.feed_people(&keys).await {
        Ok(people) => people,
        Err(e) => return database_down(e),
    };
    let missing = names.iter().filter(|n| !people.iter().any(|p| p.username.eq_ignore_ascii_case(n.as_str())));
    state.services.profiles.want_names(missing.cloned());
    let site = &state.services.site.public_url;
    let list = keys.join(",");
    let feed = FeedSpec {
        id: format!("{}:people:{list}", tag_base(site)),
        title: format!("{} · inssa", HistoryText::of(lang).feed_of_many),
        self_url: format!("{site}/feed.atom?u={list}{}", lang_query(&query, '&')),
        page_url: format!("{site}/"),
    };
    answer(&state, &headers, &feed, &people, lang, FEED_ENTRIES).await
}

/// A feed of `people`'s newest `limit` changes, or 304 when the reader has
/// it (decided before any version is read).
async fn answer(
    state: &SharedState,
    headers: &HeaderMap,
    feed: &FeedSpec,
    people: &[FeedPerson],
    lang: Lang,
    limit: usize,
) -> Response {
    let validators = match Validators::of(state, feed, people, lang).await {
        Ok(validators) => validators,
        Err(e) => return database_down(e),
    };
    if validators.reader_has_it(headers) {
        return validators.not_modified();
    }
    let changes = match state.services.history.feed_changes(people, limit).await {
        Ok(changes) => changes,
        Err(e) => return database_down(e),
    };
    // A feed of people with no version yet has changed never.
    let updated = validators.last_modified.unwrap_or(DateTime::UNIX_EPOCH);
    validators.respond(render(feed, updated, &changes, &state.services.site.public_url, lang))
}

/// The `u` list: comma-separated usernames (an `@` before one is fine),
/// each valid, at most [`FEED_PEOPLE_MAX`] different ones; sorted and
/// deduplicated, so one set of people is one feed.
fn parse_people(list: &str) -> Result<Vec<Username>, String> {
    let mut names = BTreeSet::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let name = item.strip_prefix('@').unwrap_or(item);
        let username =
            Username::parse_exact(name).map_err(|_| "u: not a Clubhouse username: one of the names".to_owned())?;
        names.insert(username.key());
        if names.len() > FEED_PEOPLE_MAX {
            return Err(format!("u: at most {FEED_PEOPLE_MAX} people in one feed"));
        }
    }
    if names.is_empty() {
        return Err("u: give the people, comma-separated: /feed.atom?u=name1,name2".into());
    }
    names.into_iter().map(|key| Username::parse_exact(&key).map_err(|_| "u: not a username".to_owned())).collect()
}

struct FeedSpec {
    id: String,
    title: String,
    self_url: String,
    page_url: String,
}

fn render(spec: &FeedSpec, updated: DateTime<Utc>, changes: &[FeedChange], site: &str, lang: Lang) -> String {
    let t = HistoryText::of(lang);
    let entries = changes
        .iter()
        .map(|change| {
            let person = &change.person;
            let who = match person.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(name) => format!("{name} (@{})", person.username),
                None => format!("@{}", person.username),
            };
            let fields: Vec<&str> =
                change.set.changes.iter().map(|c| app::history_text::field_label(c, lang)).collect();
            let words: Vec<String> = change.set.changes.iter().map(|c| describe(c, lang)).collect();
            let at = change.set.at.fixed_offset();
            Entry {
                id: format!("{}:profile:{}:version:{}", tag_base(site), person.user_id, change.set.version_id),
                title: Text::plain(xml_safe(&format!("{who}: {} {}", fields.join(", "), t.changed))),
                updated: at,
                published: Some(at),
                authors: vec![Person { name: xml_safe(&who), ..Default::default() }],
                links: vec![Link {
                    href: format!("{site}/@{}/history#v{}", person.username, change.set.version_id),
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Default::default()
                }],
                content: Some(Content {
                    value: Some(xml_safe(&words.join("\n"))),
                    content_type: Some("text".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let feed = Feed {
        id: spec.id.clone(),
        title: Text::plain(xml_safe(&spec.title)),
        updated: updated.fixed_offset(),
        lang: Some(lang.code().into()),
        links: vec![
            Link {
                href: spec.self_url.clone(),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            Link {
                href: spec.page_url.clone(),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            },
        ],
        generator: Some(atom_syndication::Generator { value: "inssa".into(), ..Default::default() }),
        entries,
        ..Default::default()
    };
    feed.to_string()
}

/// A feed's ETag and Last-Modified, known before it is rendered: the ETag
/// hashes everything the feed is made of (its people as cached, their
/// newest version and version count, the language, the site, this build),
/// so a reader that has the feed gets its 304 without the versions being
/// read or the feed written.
struct Validators {
    etag: String,
    last_modified: Option<DateTime<Utc>>,
}

impl Validators {
    async fn of(state: &SharedState, feed: &FeedSpec, people: &[FeedPerson], lang: Lang) -> Result<Self, sqlx::Error> {
        let (stamp, last_modified) = state.services.history.feed_stamp(people).await?;
        let mut digest = Sha256::new();
        for part in [env!("CARGO_PKG_VERSION"), lang.code(), &feed.id, &feed.title, &feed.self_url, &stamp] {
            digest.update(part.as_bytes());
            digest.update([0]);
        }
        let etag = format!("\"{}\"", digest.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
        Ok(Validators { etag, last_modified })
    }

    /// `If-None-Match` decides when sent; else `If-Modified-Since`.
    fn reader_has_it(&self, headers: &HeaderMap) -> bool {
        // If-None-Match wins over If-Modified-Since when both are sent.
        if headers.contains_key(header::IF_NONE_MATCH) {
            return people::reader_has(headers, &self.etag);
        }
        match (headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()), self.last_modified) {
            (Some(since), Some(modified)) => DateTime::parse_from_rfc2822(since)
                .map(|since| since.timestamp() >= modified.timestamp())
                .unwrap_or(false),
            _ => false,
        }
    }

    fn not_modified(&self) -> Response {
        self.with_headers(StatusCode::NOT_MODIFIED.into_response())
    }

    fn respond(&self, body: String) -> Response {
        let mut response = self.with_headers(body.into_response());
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
        response
    }

    fn with_headers(&self, mut response: Response) -> Response {
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
        if let Ok(v) = HeaderValue::from_str(&self.etag) {
            h.insert(header::ETAG, v);
        }
        let modified = self.last_modified.map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        if let Some(v) = modified.and_then(|t| HeaderValue::from_str(&t).ok()) {
            h.insert(header::LAST_MODIFIED, v);
        }
        response
    }
}

/// `tag:` URIs (RFC 4151) keep entry ids the same across renames and
/// addresses: the site's host and the year the history began.
fn tag_base(site: &str) -> String {
    let host = site.split_once("://").map_or(site, |(_, rest)| rest);
    let host = host.split(['/', ':']).next().unwrap_or("localhost");
    format!("tag:{host},2026")
}

fn lang_query(query: &FeedQuery, sep: char) -> String {
    match query.lang().filter(|l| *l != Lang::En) {
        Some(lang) => format!("{sep}lang={}", lang.code()),
        None => String::new(),
    }
}

/// Text as XML 1.0 can hold it: control characters other than tab and
/// line breaks, and the two non-characters, cannot appear even escaped.
fn xml_safe(s: &str) -> String {
    s.chars().filter(|&c| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')).collect()
}

fn database_down(e: sqlx::Error) -> Response {
    tracing::error!("feed unavailable: {e}");
    plain(StatusCode::SERVICE_UNAVAILABLE, "the feed is unavailable; try again later")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_lists_are_checked_deduplicated_and_bounded() {
        let names = parse_people("bob, @Ann,bob,,").unwrap();
        assert_eq!(names.iter().map(|n| n.as_str()).collect::<Vec<_>>(), ["ann", "bob"]);
        assert!(parse_people("").is_err());
        assert!(parse_people("ok,<script>").is_err());
        let fifty: Vec<String> = (0..50).map(|i| format!("user{i}")).collect();
        assert!(parse_people(&fifty.join(",")).is_ok());
        let fifty_one: Vec<String> = (0..51).map(|i| format!("user{i}")).collect();
        assert!(parse_people(&fifty_one.join(",")).is_err());
    }

    #[test]
    fn xml_cannot_hold_control_characters() {
        assert_eq!(xml_safe("a\u{0}b\u{1b}c\td\n"), "abc\td\n");
    }

    #[test]
    fn tags_use_the_host_only() {
        assert_eq!(tag_base("https://inssa.club"), "tag:inssa.club,2026");
        assert_eq!(tag_base("http://127.0.0.1:3000/"), "tag:127.0.0.1,2026");
    }
}
