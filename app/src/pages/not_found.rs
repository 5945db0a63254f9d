use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::{escape, prefs::use_prefs};

/// The page for any address we do not serve, with a real 404 status.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let text = use_prefs().lang.text();
    view! {
        <Title text=escape::html_text(text.not_found_title) />
        <Meta name="robots" content="noindex" />
        <section class="py-16 text-center" data-testid="not-found">
            <h1 class="text-3xl font-bold">{text.not_found_title}</h1>
            <p class="mt-3 text-stone-600 dark:text-stone-300">{text.not_found_body}</p>
            <a href="/" class="mt-6 inline-block text-amber-700 underline dark:text-amber-400">{text.back_home}</a>
        </section>
    }
}
