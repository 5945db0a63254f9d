//! The waitlist pages: the form without JavaScript, its result, and the
//! pages the mailed links open (confirming and leaving, each by a button).

use leptos::{
    prelude::*,
    server_fn::{error::ServerFnUrlError, ServerFn},
};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::{
    escape,
    i18n::Text,
    islands::waitlist::{Joined, WaitlistFields},
    prefs::use_prefs,
    waitlist::{ConfirmWaitlist, JoinWaitlist, LeaveWaitlist, WaitlistError, WaitlistWords},
};

/// `/waitlist`: the modal's form as a page. A failed no-JS post comes back
/// here with the error encoded in the query string by the server function.
#[component]
pub fn WaitlistPage() -> impl IntoView {
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    let error = returned_error(JoinWaitlist::PATH);
    if error.is_some() {
        crate::server_data::set_status(400);
    }
    view! {
        <Title text=escape::html_text(text.waitlist_title) />
        <Meta name="description" content=text.waitlist_description />
        <section class="mx-auto max-w-md py-8">
            <h1 class="mb-4 text-2xl font-bold">{text.waitlist_title}</h1>
            <form method="post" action=JoinWaitlist::url() novalidate>
                <WaitlistFields words=WaitlistWords::of(lang) username=None source="/waitlist".to_owned() errors=Signal::stored(error) />
            </form>
        </section>
    }
}

/// The error a failed no-JS post to the server function at `path` came
/// back with (the server function puts it in the query string).
fn returned_error(path: &str) -> Option<WaitlistError> {
    let query = use_query_map().read_untracked().clone();
    (query.get("__path").as_deref() == Some(path))
        .then(|| query.get("__err"))
        .flatten()
        .map(|e| ServerFnUrlError::<WaitlistError>::decode_err(&e))
}

/// `/waitlist/joined`: the no-JS signup result.
#[component]
pub fn JoinedPage() -> impl IntoView {
    let lang = use_prefs().lang;
    view! {
        <Title text=escape::html_text(Text::of(lang).waitlist_done_title) />
        // A step of someone's signup, not a page to find: kept out of
        // indexes, described for whoever shares it anyway.
        <Meta name="robots" content="noindex" />
        <Meta name="description" content=Text::of(use_prefs().lang).waitlist_description />
        <section class="mx-auto max-w-md py-8">
            <Joined words=WaitlistWords::of(lang) page_heading=true />
        </section>
    }
}

/// `/waitlist/confirm?token=…`, the mailed link: a button, not the link
/// itself, confirms (mail scanners fetch links; they do not press buttons).
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    let error = returned_error(ConfirmWaitlist::PATH);
    if let Some(e) = &error {
        crate::server_data::set_status(e.status());
    }
    let error = error.map(|e| e.message(&WaitlistWords::of(lang)).to_owned());
    view! {
        <Title text=escape::html_text(text.waitlist_confirm_title) />
        // A step of someone's signup, not a page to find: kept out of
        // indexes, described for whoever shares it anyway.
        <Meta name="robots" content="noindex" />
        <Meta name="description" content=Text::of(use_prefs().lang).waitlist_description />
        <section class="mx-auto max-w-md py-8">
            <h1 class="mb-4 text-2xl font-bold">{text.waitlist_confirm_title}</h1>
            // Set as the element's content, not a child: an absent child
            // would leave a `<!>` hydration marker, which is invalid HTML.
            // The text is our own (a static message), never the visitor's.
            <p role="alert" data-testid="waitlist-confirm-error" class="mb-3 font-semibold text-red-700 dark:text-red-400"
                inner_html=error.unwrap_or_default()></p>
            <form method="post" action=ConfirmWaitlist::url()>
                <input type="hidden" name="token" value=token />
                <p class="mb-4">{text.waitlist_confirm_body}</p>
                <button type="submit" data-testid="waitlist-confirm"
                    class="rounded-xl bg-stone-800 px-4 py-2 font-semibold text-white dark:bg-stone-200 dark:text-stone-900">
                    {text.waitlist_confirm_button}
                </button>
            </form>
        </section>
    }
}

#[component]
pub fn ConfirmedPage() -> impl IntoView {
    let text = Text::of(use_prefs().lang);
    view! {
        <Title text=escape::html_text(text.waitlist_confirmed_title) />
        // A step of someone's signup, not a page to find: kept out of
        // indexes, described for whoever shares it anyway.
        <Meta name="robots" content="noindex" />
        <Meta name="description" content=Text::of(use_prefs().lang).waitlist_description />
        <section class="mx-auto max-w-md py-8" data-testid="waitlist-confirmed">
            <h1 class="mb-4 text-2xl font-bold">{text.waitlist_confirmed_title}</h1>
            <p>{text.waitlist_confirmed_body}</p>
        </section>
    }
}

/// `/waitlist/leave?token=…`: a button, not the link itself, removes the
/// address (link scanners and prefetchers must not unsubscribe anyone).
#[component]
pub fn LeavePage() -> impl IntoView {
    let text = Text::of(use_prefs().lang);
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text=escape::html_text(text.waitlist_leave) />
        // A step of someone's signup, not a page to find: kept out of
        // indexes, described for whoever shares it anyway.
        <Meta name="robots" content="noindex" />
        <Meta name="description" content=Text::of(use_prefs().lang).waitlist_description />
        <section class="mx-auto max-w-md py-8">
            <h1 class="mb-4 text-2xl font-bold">{text.waitlist_leave}</h1>
            <form method="post" action=LeaveWaitlist::url()>
                <input type="hidden" name="token" value=token />
                <p class="mb-4">{text.waitlist_leave_confirm}</p>
                <button type="submit" data-testid="waitlist-leave-confirm"
                    class="rounded-xl bg-stone-800 px-4 py-2 font-semibold text-white dark:bg-stone-200 dark:text-stone-900">
                    {text.waitlist_leave}
                </button>
            </form>
        </section>
    }
}

#[component]
pub fn LeftPage() -> impl IntoView {
    let text = Text::of(use_prefs().lang);
    view! {
        <Title text=escape::html_text(text.waitlist_left_title) />
        // A step of someone's signup, not a page to find: kept out of
        // indexes, described for whoever shares it anyway.
        <Meta name="robots" content="noindex" />
        <Meta name="description" content=Text::of(use_prefs().lang).waitlist_description />
        <section class="mx-auto max-w-md py-8" data-testid="waitlist-left">
            <h1 class="mb-4 text-2xl font-bold">{text.waitlist_left_title}</h1>
            <p>{text.waitlist_left_body}</p>
        </section>
    }
}
