use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::i18n::Text;
use crate::{components::person_list::PersonList, escape, prefs::use_prefs, server_data::recently_viewed};

#[component]
pub fn HomePage() -> impl IntoView {
    let text = Text::of(use_prefs().lang);
    view! {
        <Title text=escape::html_text(text.home_title) />
        <Meta name="description" content=text.home_description />
        <section class="py-10 text-center">
            <h1 class="text-4xl font-extrabold tracking-tight">{text.site_name}</h1>
            <p class="mt-3 text-lg text-stone-600 dark:text-stone-300">{text.tagline}</p>
            <form method="get" action="/search" role="search" class="mx-auto mt-8 flex max-w-lg gap-2">
                <label for="q" class="sr-only">{text.search_label}</label>
                <input
                    id="q"
                    name="q"
                    type="search"
                    required
                    maxlength="64"
                    placeholder=text.search_placeholder
                    class="flex-1 rounded-xl border border-stone-300 bg-white px-4 py-2 dark:border-stone-700 dark:bg-stone-900"
                />
                <button type="submit" class="rounded-xl bg-amber-700 px-4 py-2 font-semibold text-white hover:bg-amber-800">
                    {text.search_button}
                </button>
            </form>
        </section>
        <Suspense>
            {Suspend::new(async move {
                let people = recently_viewed(12).await;
                (!people.is_empty()).then(|| view! {
                    <section class="mt-4" data-testid="recently-viewed">
                        <h2 class="mb-2 text-sm font-semibold uppercase tracking-wide text-stone-600 dark:text-stone-400">{text.recently_viewed}</h2>
                        <PersonList people />
                    </section>
                })
            })}
        </Suspense>
    }
}
