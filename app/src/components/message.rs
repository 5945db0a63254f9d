use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::i18n::Text;
use crate::{escape, i18n::Lang};

/// A page that only says something (not found, unavailable): a title, one
/// paragraph, optionally a way home. Never indexed.
#[component]
pub fn MessagePage(
    lang: Lang,
    title: &'static str,
    body: &'static str,
    testid: &'static str,
    #[prop(optional)] home_link: bool,
) -> impl IntoView {
    let text = Text::of(lang);
    view! {
        <Title text=escape::html_text(title) />
        <Meta name="robots" content="noindex" />
        <section class="py-16 text-center" data-testid=testid>
            <h1 class="text-3xl font-bold">{title}</h1>
            <p class="mt-3 text-stone-600 dark:text-stone-300">{body}</p>
            {home_link.then(|| view! {
                <a href="/" class="mt-6 inline-block text-amber-700 underline dark:text-amber-400">{text.back_home}</a>
            })}
        </section>
    }
}
