//! `/@username/history`: followers and following over time (server-drawn
//! SVG charts with the same numbers as a table), the change over 7, 30 and
//! 90 days, and a dated list of every change inssa saw.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use domain::{
    profile::{ProfileEntry, ProfileLookup},
    username::Username,
};
use services::history::{condensed, Change, ChangeSet, DiffPart, PersonHistory, PersonRef, Sample};

use crate::history_text::HistoryText;
use crate::i18n::Text;
use crate::{
    components::{
        avatar::{Avatar, AvatarSize, PLACEHOLDER_AVATAR},
        chart::{thin, LineChart},
    },
    escape,
    format::full_count,
    format::proxied_image,
    history_text::{date, date_time, field_label, growth},
    i18n::Lang,
    pages::{
        not_found::NotFoundPage,
        profile::{redirect_to_canonical_spelling, ProfileGone, ProfileNotFound, UpstreamUnavailable},
    },
    prefs::use_prefs,
    server_data::{self, lookup_profile, person_history, redirect_permanently},
};

/// Words of unchanged bio kept beside each change in a diff.
const DIFF_CONTEXT_WORDS: usize = 8;

/// `/{handle}/history?page=N`: the handle must be `@username`; padded forms
/// redirect to the canonical address, as the profile page's do. `page`
/// (from 1; 30 changes a page) is a whole number or the page is a 404.
#[component]
pub fn HistoryRoute() -> impl IntoView {
    let handle = use_params_map().read_untracked().get("handle").unwrap_or_default();
    let page = match use_query_map().read_untracked().get("page") {
        None => Some(1),
        Some(page) => page.parse::<u32>().ok().filter(|p| (1..=100_000).contains(p)),
    };
    let (Some(name), Some(page)) = (handle.strip_prefix('@'), page) else {
        return view! { <NotFoundPage /> }.into_any();
    };
    match Username::parse_padded(name) {
        Ok(username) => {
            let canonical = format!("{}/history", username.page_path());
            if server_data::request_path().is_none_or(|path| path == canonical) {
                view! { <HistoryPage username page /> }.into_any()
            } else {
                redirect_permanently(&canonical);
                ().into_any()
            }
        }
        Err(_) => view! { <NotFoundPage /> }.into_any(),
    }
}

#[component]
fn HistoryPage(username: Username, page: u32) -> impl IntoView {
    let lang = use_prefs().lang;
    let requested = username.clone();
    view! {
        <Suspense>
            {Suspend::new(async move {
                match lookup_profile(username).await {
                    ProfileLookup::Found(entry) => {
                        redirect_to_canonical_spelling(&entry, &requested, "/history");
                        match person_history(entry.profile.user_id, page).await {
                            Some(history) => view! { <HistoryView entry history page lang /> }.into_any(),
                            // The database answered the lookup but not this: it is failing.
                            None => view! { <UpstreamUnavailable retry_after_secs=30 /> }.into_any(),
                        }
                    }
                    ProfileLookup::NotFound => view! { <ProfileNotFound /> }.into_any(),
                    // A gone account has no history: it was wiped with it.
                    ProfileLookup::Gone => view! { <ProfileGone /> }.into_any(),
                    ProfileLookup::Unavailable { retry_after_secs } => {
                        view! { <UpstreamUnavailable retry_after_secs /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn HistoryView(entry: ProfileEntry, history: PersonHistory, page: u32, lang: Lang) -> impl IntoView {
    let t = HistoryText::of(lang);
    let p = entry.profile;
    let username = p.username.clone().unwrap_or_default();
    let name = p.display_name().to_owned();
    let site = server_data::public_url();
    let history_path = format!("/@{username}/history");
    let page_link = move |page: u32| match page {
        1 => history_path.clone(),
        n => format!("{history_path}?page={n}"),
    };
    let page_url = format!("{site}{}", page_link(page));
    let title = format!("{} {name} (@{username}) · inssa", t.of);
    let description = format!("{} {name} (@{username}).", t.description);
    let feed_url = format!("/@{username}/feed.atom");
    let changes = history.changes();
    let first_seen = history.versions.last().map(|v| v.seen_at);
    let samples = thin(&history.samples);
    let followers: Vec<(DateTime<Utc>, u64)> = samples.iter().filter_map(|s| Some((s.at, s.followers?))).collect();
    let following: Vec<(DateTime<Utc>, u64)> = samples.iter().filter_map(|s| Some((s.at, s.following?))).collect();
    let (newer, older) = ((page > 1).then(|| page_link(page - 1)), history.has_older.then(|| page_link(page + 1)));
    let image = format!(
        "{site}{}",
        p.photo_url.as_deref().and_then(proxied_image).unwrap_or_else(|| PLACEHOLDER_AVATAR.to_owned())
    );

    view! {
        <Title text=escape::html_text(&title) />
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=page_url.clone() />
        <Link rel="alternate" type_="application/atom+xml" href=feed_url.clone() title=format!("{} @{username}", t.feed_title) />
        <Meta property="og:type" content="website" />
        <Meta property="og:site_name" content="inssa" />
        <Meta property="og:title" content=title.clone() />
        <Meta property="og:description" content=description />
        <Meta property="og:url" content=page_url />
        <Meta property="og:image" content=image.clone() />
        <Meta name="twitter:card" content="summary" />
        <Meta name="twitter:title" content=title.clone() />
        <Meta name="twitter:image" content=image />

        <article class="space-y-8" data-testid="history">
            <header class="flex items-center gap-4">
                <Avatar url=p.photo_url.clone() alt=name.clone() size=AvatarSize::Medium />
                <div class="min-w-0">
                    <h1 class="text-2xl font-extrabold break-words" data-testid="history-name">
                        {format!("{} {name}", t.of)}
                    </h1>
                    <p class="text-sm">
                        <a href=format!("/@{username}") class="text-amber-800 underline dark:text-amber-400">
                            {format!("{} @{username}", t.back_to_profile)}
                        </a>
                        " · "
                        <a href=feed_url class="text-amber-800 underline dark:text-amber-400" data-testid="history-feed">{t.feed}</a>
                    </p>
                </div>
            </header>

            <Growth samples=history.samples.clone() current=(p.num_followers, p.num_following) lang />

            <div class="space-y-4" data-testid="history-charts">
                {match samples.len() {
                    0 => view! { <p class="text-stone-600 dark:text-stone-300" data-testid="history-no-chart">{t.no_samples}</p> }.into_any(),
                    1 => view! { <p class="text-stone-600 dark:text-stone-300" data-testid="history-no-chart">{t.one_sample}</p> }.into_any(),
                    _ => view! {
                        <figure class="space-y-1">
                            <figcaption class="text-sm font-semibold">{t.followers_over_time}</figcaption>
                            <LineChart id="followers-chart" title=format!("{} · @{username}", t.followers_over_time) points=followers lang />
                        </figure>
                        <figure class="space-y-1">
                            <figcaption class="text-sm font-semibold">{t.following_over_time}</figcaption>
                            <LineChart id="following-chart" title=format!("{} · @{username}", t.following_over_time) points=following lang />
                        </figure>
                        <SampleTable samples=samples.clone() lang />
                    }.into_any(),
                }}
            </div>

            <section class="space-y-4">
                <h2 class="text-xl font-bold">{t.changes}</h2>
                {if changes.is_empty() && page == 1 {
                    let note = match first_seen {
                        Some(at) if history.total_versions > 1 => format!("{} {}.", t.no_changes_since, date(at, lang)),
                        _ => t.one_version.to_owned(),
                    };
                    view! { <p class="text-stone-600 dark:text-stone-300" data-testid="history-no-changes">{note}</p> }.into_any()
                } else {
                    view! {
                        <ol class="space-y-4" data-testid="history-changes">
                            {changes.into_iter().map(|set| view! { <ChangeItem set lang /> }).collect_view()}
                        </ol>
                    }.into_any()
                }}
                <nav class="flex justify-between text-sm" aria-label=t.changes>
                    {newer.map(|href| view! {
                        <a href=href rel="prev" class="text-amber-800 underline dark:text-amber-400" data-testid="history-newer">{t.newer_changes}</a>
                    })}
                    {older.map(|href| view! {
                        <a href=href rel="next" class="ml-auto text-amber-800 underline dark:text-amber-400" data-testid="history-older">{t.older_changes}</a>
                    })}
                </nav>
            </section>
        </article>
    }
}

/// The change of the counts over 7, 30 and 90 days: now against the last
/// sample at least that old. Unknown when history is younger.
#[component]
fn Growth(samples: Vec<Sample>, current: (Option<u64>, Option<u64>), lang: Lang) -> impl IntoView {
    let t = HistoryText::of(lang);
    let text = Text::of(lang);
    let now = Utc::now();
    let rows = [7i64, 30, 90].map(|days| {
        let cutoff = now - chrono::Duration::days(days);
        let then = samples.iter().rev().find(|s| s.at <= cutoff);
        let change = |old: Option<u64>, new: Option<u64>| match (old, new) {
            (Some(old), Some(new)) => growth(old, new),
            _ => t.not_enough_history.to_owned(),
        };
        (days, change(then.and_then(|s| s.followers), current.0), change(then.and_then(|s| s.following), current.1))
    });
    view! {
        <table class="w-full max-w-md text-left text-sm" data-testid="history-growth">
            <caption class="sr-only">{t.growth}</caption>
            <thead>
                <tr class="border-b border-stone-200 dark:border-stone-800">
                    <th scope="col" class="py-1 font-semibold">{t.growth}</th>
                    <th scope="col" class="py-1 font-semibold capitalize">{text.followers}</th>
                    <th scope="col" class="py-1 font-semibold capitalize">{text.following}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|(days, followers, following)| view! {
                    <tr>
                        <th scope="row" class="py-1 font-normal">{format!("{days} {}", t.days)}</th>
                        <td class="py-1">{followers}</td>
                        <td class="py-1">{following}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The charts' numbers, newest first, folded away under a summary.
#[component]
fn SampleTable(samples: Vec<Sample>, lang: Lang) -> impl IntoView {
    let t = HistoryText::of(lang);
    let text = Text::of(lang);
    let count = |n: Option<u64>| n.map(full_count).unwrap_or_else(|| "–".into());
    view! {
        <details class="text-sm">
            <summary class="cursor-pointer font-semibold">{t.numbers_as_table}</summary>
            <table class="mt-2 w-full text-left" data-testid="history-table">
                <thead>
                    <tr class="border-b border-stone-200 dark:border-stone-800">
                        <th scope="col" class="py-1">{t.date}</th>
                        <th scope="col" class="py-1 capitalize">{text.followers}</th>
                        <th scope="col" class="py-1 capitalize">{text.following}</th>
                    </tr>
                </thead>
                <tbody>
                    {samples.iter().rev().map(|s| view! {
                        <tr>
                            <td class="py-0.5"><time datetime=s.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)>{date_time(s.at, lang)}</time></td>
                            <td class="py-0.5">{count(s.followers)}</td>
                            <td class="py-0.5">{count(s.following)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

#[component]
fn ChangeItem(set: ChangeSet, lang: Lang) -> impl IntoView {
    view! {
        <li id=format!("v{}", set.version_id) class="rounded-2xl border border-stone-200 p-4 dark:border-stone-800"
            data-testid="history-change">
            <p class="mb-2 text-sm text-stone-600 dark:text-stone-300">
                <time datetime=set.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)>{date_time(set.at, lang)}</time>
            </p>
            <dl class="space-y-2">
                {set.changes.into_iter().map(|change| view! { <ChangeRow change lang /> }).collect_view()}
            </dl>
        </li>
    }
}

#[component]
fn ChangeRow(change: Change, lang: Lang) -> impl IntoView {
    let t = HistoryText::of(lang);
    let label = field_label(&change, lang);
    let none = || view! { <span class="italic text-stone-600 dark:text-stone-300">{t.none}</span> }.into_any();
    let value = move |v: Option<String>| match v {
        Some(v) => view! { <span class="break-words">{v}</span> }.into_any(),
        None => none(),
    };
    let arrow = |old: AnyView, new: AnyView| {
        view! {
            <span class="inline-flex flex-wrap items-center gap-2">
                <del class="text-stone-600 dark:text-stone-300">{old}</del>
                <span aria-hidden="true">"→"</span>
                <ins class="no-underline">{new}</ins>
            </span>
        }
        .into_any()
    };
    let body = match change {
        Change::Name { old, new }
        | Change::Username { old, new }
        | Change::Twitter { old, new }
        | Change::Instagram { old, new } => arrow(value(old), value(new)),
        Change::Photo { old, new } => {
            let photo = move |url: Option<String>, alt: &'static str| match url.as_deref().and_then(proxied_image) {
                Some(src) => view! {
                    <img src=src alt=alt width="64" height="64" loading="lazy" decoding="async"
                        referrerpolicy="no-referrer" class="size-16 rounded-full object-cover" />
                }
                .into_any(),
                None => none(),
            };
            arrow(photo(old, t.photo_old), photo(new, t.photo_new))
        }
        Change::Bio { diff, .. } => view! {
            <p class="whitespace-pre-line break-words" data-testid="history-bio-diff">
                {condensed(&diff, DIFF_CONTEXT_WORDS).into_iter().map(|part| match part {
                    DiffPart::Same(s) => view! { <span>{s}</span> }.into_any(),
                    DiffPart::Added(s) => view! {
                        <ins class="rounded bg-emerald-100 px-0.5 text-emerald-900 no-underline dark:bg-emerald-950 dark:text-emerald-200"
                            title=t.added>{s}</ins>
                    }.into_any(),
                    DiffPart::Removed(s) => view! {
                        <del class="rounded bg-rose-100 px-0.5 text-rose-900 dark:bg-rose-950 dark:text-rose-200" title=t.removed>{s}</del>
                    }.into_any(),
                }).collect_view()}
            </p>
        }
        .into_any(),
        Change::ClubJoined { name, club_id } | Change::ClubLeft { name, club_id } => {
            value(Some(name.unwrap_or_else(|| format!("#{club_id}"))))
        }
        Change::Nominator { old, new } => arrow(nominator(old, none), nominator(new, none)),
    };
    view! {
        <div class="sm:flex sm:gap-4">
            <dt class="w-32 shrink-0 font-semibold">{label}</dt>
            <dd class="min-w-0">{body}</dd>
        </div>
    }
}

/// A nominator links to their page when their username is one.
fn nominator(person: Option<PersonRef>, none: impl Fn() -> AnyView) -> AnyView {
    let Some(person) = person else { return none() };
    let username = person.username.as_deref().and_then(|u| Username::parse(u).ok());
    let label = person
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| username.as_ref().map(|u| format!("@{u}")))
        .unwrap_or_default();
    match username {
        Some(u) => {
            view! { <a href=u.page_path() class="text-amber-800 underline dark:text-amber-400">{label}</a> }.into_any()
        }
        None => view! { <span>{label}</span> }.into_any(),
    }
}
