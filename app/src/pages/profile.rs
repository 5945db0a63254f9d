use chrono::{DateTime, Utc};
use leptos::{prelude::*, tachys::html::InertElement};
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_params_map;

use domain::{
    model::Profile,
    profile::{Freshness, ProfileEntry, ProfileLookup},
    username::Username,
};

use crate::history_text::HistoryText;
use crate::share::ShareText;
use crate::{
    components::{
        avatar::{Avatar, AvatarSize},
        message::MessagePage,
    },
    escape,
    format::{compact_count, month_year, time_ago},
    i18n::{Lang, Text},
    linkify::{segments, Segment},
    pages::not_found::NotFoundPage,
    prefs::use_prefs,
    server_data::{self, lookup_profile, redirect_permanently, set_header, set_status},
    share,
};

/// `/@username` shows a profile; `/username` (the original site's address)
/// redirects there permanently, and so does every padded form of the address
/// (`/@%20name`, `/%40name`, `/@name.`): one address per person.
#[component]
pub fn HandlePage() -> impl IntoView {
    let handle = use_params_map().read_untracked().get("handle").unwrap_or_default();
    match handle.strip_prefix('@') {
        Some(name) => match Username::parse_padded(name) {
            // The address as sent, before any decoding, must be the canonical one.
            Ok(username) if server_data::request_path().is_none_or(|path| path == username.page_path()) => {
                view! { <ProfilePage username /> }.into_any()
            }
            Ok(username) => {
                redirect_permanently(&username.page_path());
                ().into_any()
            }
            // A name that cannot exist: 404 without asking Clubhouse.
            Err(_) => view! { <ProfileNotFound /> }.into_any(),
        },
        None => match Username::parse_padded(&handle) {
            Ok(username) => {
                redirect_permanently(&username.page_path());
                ().into_any()
            }
            Err(_) => view! { <NotFoundPage /> }.into_any(),
        },
    }
}

#[component]
fn ProfilePage(username: Username) -> impl IntoView {
    let lang = use_prefs().lang;
    let requested = username.clone();
    view! {
        <Suspense>
            {Suspend::new(async move {
                match lookup_profile(username).await {
                    ProfileLookup::Found(entry) => {
                        let redirected = redirect_to_canonical_spelling(&entry, &requested, "");
                        if !redirected && entry.freshness == Freshness::Fresh {
                            // The server may replay this page while it keeps
                            // the profile in memory, but not once the
                            // profile is no longer fresh.
                            set_header(server_data::REPLAYABLE_PAGE_HEADER, &entry.fetched_at.timestamp_millis().to_string());
                        }
                        view! { <ProfileView entry lang /> }.into_any()
                    }
                    ProfileLookup::NotFound => view! { <ProfileNotFound /> }.into_any(),
                    ProfileLookup::Gone => view! { <ProfileGone /> }.into_any(),
                    ProfileLookup::Unavailable { retry_after_secs } => {
                        view! { <UpstreamUnavailable retry_after_secs /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// One address per person: a username asked for in another case than the
/// profile's own redirects (301) to the canonical spelling, `suffix`
/// (`/history`) kept. True when it did.
pub(crate) fn redirect_to_canonical_spelling(entry: &ProfileEntry, requested: &Username, suffix: &str) -> bool {
    let canonical = entry.profile.username.as_deref().unwrap_or_default();
    let redirect = canonical != requested.as_str() && canonical.eq_ignore_ascii_case(requested.as_str());
    if redirect {
        redirect_permanently(&format!("/@{canonical}{suffix}"));
    }
    redirect
}

#[component]
fn ProfileView(entry: ProfileEntry, lang: Lang) -> impl IntoView {
    let text = Text::of(lang);
    let p = entry.profile;
    let username = p.username.clone().unwrap_or_default();
    let name = p.display_name().to_owned();
    let site = server_data::public_url();
    let page_url = format!("{site}/@{username}");
    let title = format!("{name} (@{username}) · {}", text.clubhouse);
    let description = p
        .bio
        .as_deref()
        .map(|b| b.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|b| !b.is_empty())
        .map(|b| truncate_chars(&b, 200))
        .unwrap_or_else(|| format!("@{username}{}", text.profile_of));
    let card = share::card(&p, lang, &site);
    let image = format!("{site}{}", share::card_path(&card, lang));
    let image_alt = share::card_alt(&card);
    let oembed = share::oembed_url(&site, &page_url);
    let snippet = share::iframe_snippet(&site, &username, &name, lang, share::EMBED_WIDTH);
    let joined = p
        .time_created
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| month_year(t.with_timezone(&Utc), lang));

    view! {
            <Title text=escape::html_text(&title) />
            <Meta name="description" content=description.clone() />
            <Link rel="canonical" href=page_url.clone() />
            <Link rel="alternate" type_="application/atom+xml" href=format!("/@{username}/feed.atom")
                title=format!("{} @{username}", HistoryText::of(lang).feed_title) />
            <Meta property="og:type" content="profile" />
            <Meta property="og:site_name" content="inssa" />
            <Meta property="og:title" content=title.clone() />
            <Meta property="og:description" content=description.clone() />
            <Link rel="alternate" type_="application/json+oembed" href=oembed
                title=format!("{name} (@{username})") />
            <Meta property="og:image" content=image.clone() />
            <Meta property="og:image:type" content="image/png" />
            <Meta property="og:image:width" content=share::CARD_WIDTH.to_string() />
            <Meta property="og:image:height" content=share::CARD_HEIGHT.to_string() />
            <Meta property="og:image:alt" content=image_alt.clone() />
            <Meta property="og:url" content=page_url.clone() />
            <Meta property="og:locale" content=lang.og_locale() />
            {Lang::ALL
                .into_iter()
                .filter(|other| *other != lang)
                .map(|other| view! { <Meta property="og:locale:alternate" content=other.og_locale() /> })
                .collect_view()}
            <Meta property="profile:username" content=username.clone() />
            <Meta name="twitter:card" content="summary_large_image" />
            <Meta name="twitter:title" content=title />
            <Meta name="twitter:description" content=description />
            <Meta name="twitter:image" content=image.clone() />
            <Meta name="twitter:image:alt" content=image_alt />

            <article class="space-y-8" data-testid="profile">
                <header class="flex flex-col items-center gap-4 text-center sm:flex-row sm:items-start sm:text-left">
                    <Avatar url=p.photo_url.clone() alt=name.clone() size=AvatarSize::Large />
                    <div class="min-w-0 space-y-1">
                        <h1 class="text-3xl font-extrabold break-words" data-testid="profile-name">{name.clone()}</h1>
                        <p class="text-stone-600 dark:text-stone-400" data-testid="profile-username">"@"{username.clone()}</p>
                        <Counts profile=p.clone() lang />
                        <p class="text-sm text-stone-600 dark:text-stone-400">
                            {joined.map(|j| format!("{} {j}", text.joined))}
                        </p>
                        <SocialLinks profile=p.clone() />
                    </div>
                </header>

                <Bio bio=p.bio.clone() text />

                {p.invited_by_user_profile.clone().and_then(|n| {
                    let nominator = Username::parse(n.username.as_deref()?).ok()?;
                    let label = n.name.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| nominator.to_string());
                    Some(view! {
                        <section>
                            <h2 class="mb-2 text-sm font-semibold uppercase tracking-wide text-stone-600 dark:text-stone-400">{text.nominated_by}</h2>
                            <a href=nominator.page_path() data-testid="nominated-by"
                                class="inline-flex items-center gap-3 rounded-2xl border border-stone-200 p-3 hover:bg-stone-100 dark:border-stone-800 dark:hover:bg-stone-900">
                                <Avatar url=n.photo_url.clone() alt=label.clone() size=AvatarSize::Small />
                                <span>
                                    <span class="block font-semibold">{label}</span>
                                    <span class="block text-sm text-stone-600 dark:text-stone-400">"@"{nominator.to_string()}</span>
                                </span>
                            </a>
                        </section>
                    })
                })}

                <Clubs profile=p.clone() lang />

                <footer class="flex flex-wrap items-center justify-between gap-3 border-t border-stone-200 pt-4 text-sm text-stone-600 dark:text-stone-400 dark:border-stone-800">
                    <a
                        href=format!("https://www.clubhouse.com/@{username}")
                        rel="noopener noreferrer nofollow"
                        target="_blank"
                        class="rounded-full bg-amber-700 px-4 py-2 font-semibold text-white hover:bg-amber-800"
                    >
                        {text.open_in_clubhouse}
                    </a>
    <a href=format!("/@{username}/history") data-testid="history-link"
                        class="text-amber-800 underline dark:text-amber-400">{HistoryText::of(lang).title}</a>
                    <Freshness fetched_at=entry.fetched_at freshness=entry.freshness lang />
                </footer>

                <ShareBox page_url=page_url snippet image lang />
            </article>
        }
}

/// The link and the embed snippet in plain form fields: readable and
/// selectable without JavaScript, inside a native disclosure.
#[component]
fn ShareBox(page_url: String, snippet: String, image: String, lang: Lang) -> impl IntoView {
    let text = ShareText::of(lang);
    let field = "mt-1 block w-full rounded-lg border border-stone-300 bg-white p-2 font-mono text-sm \
                 text-stone-900 dark:border-stone-700 dark:bg-stone-900 dark:text-stone-100";
    view! {
        <details class="rounded-2xl border border-stone-200 p-4 dark:border-stone-800" data-testid="share">
            <summary class="cursor-pointer font-semibold">{text.title}</summary>
            <div class="mt-4 space-y-4">
                <label class="block text-sm">
                    <span class="font-semibold">{text.link}</span>
                    <input type="url" readonly value=page_url class=field data-testid="share-link" />
                </label>
                <label class="block text-sm">
                    <span class="font-semibold">{text.embed}</span>
                    <span class="block text-stone-600 dark:text-stone-400">{text.embed_hint}</span>
                    // Leptos writes a textarea's text unescaped (it is RCDATA), so
                    // it is escaped here: a `</textarea>` would otherwise end it.
                    <textarea readonly rows="3" class=field data-testid="share-embed">
                        {InertElement::new(escape::html_text(&snippet))}
                    </textarea>
                </label>
                <a href=image class="text-sm text-amber-800 underline dark:text-amber-400" data-testid="share-card">{text.card}</a>
            </div>
        </details>
    }
}

#[component]
fn Counts(profile: Profile, lang: Lang) -> impl IntoView {
    let text = Text::of(lang);
    let count = move |n: Option<u64>| n.map(|n| compact_count(n, lang)).unwrap_or_else(|| "–".into());
    view! {
        <p class="flex justify-center gap-4 sm:justify-start" data-testid="profile-counts">
            <span><strong>{count(profile.num_followers)}</strong>" "{text.followers}</span>
            <span><strong>{count(profile.num_following)}</strong>" "{text.following}</span>
        </p>
    }
}

/// Twitter and Instagram handles become links only when they are handles.
#[component]
fn SocialLinks(profile: Profile) -> impl IntoView {
    let valid = |h: &str, max: usize, dot: bool| {
        !h.is_empty()
            && h.len() <= max
            && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || (dot && b == b'.'))
    };
    let twitter = profile.twitter.filter(|h| valid(h, 15, false));
    let instagram = profile.instagram.filter(|h| valid(h, 30, true));
    view! {
        <p class="flex justify-center gap-3 text-sm sm:justify-start">
            {twitter.map(|h| view! {
                <a href=format!("https://twitter.com/{h}") rel="noopener noreferrer nofollow" target="_blank"
                    class="text-sky-700 underline dark:text-sky-400" data-testid="twitter">"Twitter @"{h.clone()}</a>
            })}
            {instagram.map(|h| view! {
                <a href=format!("https://www.instagram.com/{h}/") rel="noopener noreferrer nofollow" target="_blank"
                    class="text-pink-700 underline dark:text-pink-400" data-testid="instagram">"Instagram @"{h.clone()}</a>
            })}
        </p>
    }
}

/// The bio as escaped text with line breaks kept; web links and @mentions
/// become links (mentions to our page for that person).
#[component]
fn Bio(bio: Option<String>, text: &'static Text) -> impl IntoView {
    let bio = bio.filter(|b| !b.trim().is_empty());
    match bio {
        None => view! { <p class="text-stone-600 dark:text-stone-400 italic">{text.no_bio}</p> }.into_any(),
        Some(bio) => view! {
            <p class="whitespace-pre-line break-words text-lg leading-relaxed" data-testid="profile-bio">
                {segments(&bio)
                    .into_iter()
                    .map(|segment| match segment {
                        Segment::Text(t) => t.into_any(),
                        Segment::Link(url) => {
                            let href = url.clone();
                            view! {
                                <a href=href rel="noopener noreferrer nofollow ugc" target="_blank"
                                    class="text-amber-700 underline dark:text-amber-400">{url}</a>
                            }.into_any()
                        }
                        Segment::Mention(u) => view! {
                            <a href=u.page_path() class="text-amber-700 underline dark:text-amber-400">"@"{u.to_string()}</a>
                        }.into_any(),
                    })
                    .collect_view()}
            </p>
        }
        .into_any(),
    }
}

#[component]
fn Clubs(profile: Profile, lang: Lang) -> impl IntoView {
    let text = Text::of(lang);
    if profile.clubs.is_empty() {
        return ().into_any();
    }
    view! {
        <section>
            <h2 class="mb-3 text-sm font-semibold uppercase tracking-wide text-stone-600 dark:text-stone-400">
                {text.clubs}" · "{profile.clubs.len()}
            </h2>
            <ul class="grid grid-cols-1 gap-3 sm:grid-cols-2" data-testid="clubs">
                {profile
                    .clubs
                    .into_iter()
                    .map(|club| {
                        let name = club.name.clone().unwrap_or_default();
                        view! {
                            <li class="flex items-center gap-3 rounded-2xl border border-stone-200 p-3 dark:border-stone-800">
                                <Avatar url=club.photo_url.clone() alt=name.clone() size=AvatarSize::Small />
                                <span class="min-w-0">
                                    <span class="block truncate font-semibold">{name}</span>
                                    <span class="block text-sm text-stone-600 dark:text-stone-400">
                                        {club.num_members.map(|n| format!("{} {}", compact_count(n, lang), text.members))}
                                    </span>
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn Freshness(fetched_at: DateTime<Utc>, freshness: Freshness, lang: Lang) -> impl IntoView {
    let text = Text::of(lang);
    let ago = time_ago(fetched_at, Utc::now(), lang);
    let note = match freshness {
        Freshness::Fresh => None,
        Freshness::Stale => Some(text.refreshing),
        Freshness::StaleUpstreamFailing => Some(text.upstream_failing),
    };
    view! {
        <p data-testid="freshness" data-freshness=freshness.as_str()>
            <time datetime=fetched_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)>{format!("{} {ago}", text.updated)}</time>
            {note.map(|n| view! { <span class="block">{n}</span> })}
        </p>
    }
}

#[component]
pub(crate) fn ProfileNotFound() -> impl IntoView {
    set_status(404);
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    view! {
        <MessagePage lang title=text.profile_not_found_title body=text.profile_not_found_body
            testid="profile-not-found" home_link=true />
    }
}

/// A person Clubhouse says no longer exists: a 404 with nothing of theirs.
#[component]
pub(crate) fn ProfileGone() -> impl IntoView {
    set_status(404);
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    view! {
        <MessagePage lang title=text.profile_gone_title body=text.profile_gone_body testid="profile-gone" home_link=true />
    }
}

#[component]
pub(crate) fn UpstreamUnavailable(retry_after_secs: u64) -> impl IntoView {
    set_status(503);
    set_header("retry-after", &retry_after_secs.to_string());
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    view! { <MessagePage lang title=text.unavailable_title body=text.unavailable_body testid="clubhouse-unavailable" /> }
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
