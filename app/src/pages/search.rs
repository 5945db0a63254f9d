use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::{
    components::person_list::PersonList,
    escape,
    prefs::use_prefs,
    server_data::{search_people, set_header, set_status},
};

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map().read_untracked().get("q").unwrap_or_default();
    let text = use_prefs().lang.text();
    let heading = if query.trim().is_empty() {
        text.search_title.to_owned()
    } else {
        format!("{} “{}”", text.search_results_for, query.trim())
    };
    view! {
        <Title text=escape::html_text(&format!("{heading} · inssa")) />
        <Meta name="robots" content="noindex" />
        <section class="space-y-6">
            <form method="get" action="/search" role="search" class="flex gap-2">
                <label for="q" class="sr-only">{text.search_label}</label>
                <input id="q" name="q" type="search" required maxlength="64" value=query.clone()
                    placeholder=text.search_placeholder
                    class="flex-1 rounded-xl border border-stone-300 bg-white px-4 py-2 dark:border-stone-700 dark:bg-stone-900" />
                <button type="submit" class="rounded-xl bg-amber-600 px-4 py-2 font-semibold text-white hover:bg-amber-700">
                    {text.search_button}
                </button>
            </form>
            <h1 class="text-2xl font-bold" data-testid="search-heading">{heading}</h1>
            <Suspense>
                {Suspend::new(async move {
                    let results = search_people(query).await;
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
                        {if results.hits.is_empty() {
                            view! { <p class="text-stone-500" data-testid="no-results">{text.no_results}</p> }.into_any()
                        } else {
                            view! { <PersonList people=results.hits /> }.into_any()
                        }}
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
