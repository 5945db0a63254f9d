use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_query_map;

use locales::Arg;

use crate::{
    components::person_list::PersonList,
    escape,
    format::{full_count, query_value},
    i18n::{Lang, Text},
    prefs::use_prefs,
    server_data::{search_people, set_header, set_status},
};

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_query_map().read_untracked();
    let query = params.get("q").unwrap_or_default();
    // A page number that is not one is page 1.
    let page = params.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1);
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    let heading = if query.trim().is_empty() {
        text.search_title.to_owned()
    } else {
        format!("{} “{}”", text.search_results_for, query.trim())
    };
    view! {
        <Title text=escape::html_text(&if page > 1 {
            format!("{heading} · {} · inssa", page_label(lang, page))
        } else {
            format!("{heading} · inssa")
        }) />
        <Meta name="description" content=text.search_description />
        <section class="space-y-6">
            <form method="get" action="/search" role="search" class="flex gap-2">
                <label for="q" class="sr-only">{text.search_label}</label>
                <input id="q" name="q" type="search" required maxlength="64" value=query.clone()
                    placeholder=text.search_placeholder
                    class="flex-1 rounded-xl border border-stone-300 bg-white px-4 py-2 dark:border-stone-700 dark:bg-stone-900" />
                <button type="submit" class="rounded-xl bg-amber-700 px-4 py-2 font-semibold text-white hover:bg-amber-800">
                    {text.search_button}
                </button>
            </form>
            <h1 class="text-2xl font-bold" data-testid="search-heading">{heading}</h1>
            <Suspense>
                {Suspend::new(async move {
                    let results = search_people(query.clone(), page).await;
                    if let Some(wait) = results.retry_after_secs {
                        set_status(429);
                        set_header("retry-after", &wait.to_string());
                        return view! {
                            <p class="rounded-xl bg-amber-100 p-3 text-amber-900 dark:bg-amber-950 dark:text-amber-200" role="alert" data-testid="search-throttled">
                                {text.search_throttled}
                            </p>
                        }.into_any();
                    }
                    view! {
                        {(!results.upstream_answered).then(|| view! {
                            <p class="rounded-xl bg-amber-100 p-3 text-amber-900 dark:bg-amber-950 dark:text-amber-200" role="status" data-testid="search-cache-only">
                                {text.search_cache_only}
                            </p>
                        })}
                        {results.total.filter(|&n| n > 0).map(|n| view! {
                            <p class="text-sm text-stone-600 dark:text-stone-400" data-testid="search-count">
                                {lang.format("search-count", &[("n", Arg::from(n)), ("count", Arg::from(full_count(n)))])}
                            </p>
                        })}
                        {if results.hits.is_empty() {
                            view! { <p class="text-stone-600 dark:text-stone-400" data-testid="no-results">{text.no_results}</p> }.into_any()
                        } else {
                            view! { <PersonList people=results.hits /> }.into_any()
                        }}
                        <Pager query=query.clone() page=results.page has_next=results.has_next />
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// Previous and next links, each a plain link that keeps the query.
#[component]
fn Pager(query: String, page: u32, has_next: bool) -> impl IntoView {
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    if page <= 1 && !has_next {
        return None;
    }
    let href = |to: u32| {
        let q = query_value(query.trim());
        if to <= 1 {
            format!("/search?q={q}")
        } else {
            format!("/search?q={q}&page={to}")
        }
    };
    let link =
        "rounded-xl border border-stone-300 px-4 py-2 hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-900";
    Some(view! {
        {(page > 1).then(|| view! { <Link rel="prev" href=href(page - 1) /> })}
        {has_next.then(|| view! { <Link rel="next" href=href(page + 1) /> })}
        <nav aria-label=text.search_pages_label class="flex items-center justify-between gap-3" data-testid="search-pager">
            {if page > 1 {
                view! { <a href=href(page - 1) rel="prev" class=link data-testid="search-previous">{text.search_previous}</a> }.into_any()
            } else {
                view! { <span></span> }.into_any()
            }}
            <span class="text-sm text-stone-600 dark:text-stone-400" aria-current="page">
                {page_label(lang, page)}
            </span>
            {if has_next {
                view! { <a href=href(page + 1) rel="next" class=link data-testid="search-next">{text.search_next}</a> }.into_any()
            } else {
                view! { <span></span> }.into_any()
            }}
        </nav>
    })
}

/// "Page 2" / "2페이지" / "2ページ目".
fn page_label(lang: Lang, page: u32) -> String {
    lang.format("search-page", &[("page", Arg::from(page))])
}
