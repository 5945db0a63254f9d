//! The waitlist pages: the form without JavaScript, its result, and leaving.

use leptos::{
    prelude::*,
    server_fn::{error::ServerFnUrlError, ServerFn},
};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::{
    escape,
    islands::waitlist::{Joined, WaitlistFields},
    prefs::use_prefs,
    waitlist::{JoinReceipt, JoinWaitlist, LeaveWaitlist, WaitlistError},
};

/// `/waitlist`: the modal's form as a page. A failed no-JS post comes back
/// here with the error encoded in the query string by the server function.
#[component]
pub fn WaitlistPage() -> impl IntoView {
    let lang = use_prefs().lang;
    let text = lang.text();
    let query = use_query_map().read_untracked().clone();
    let error = (query.get("__path").as_deref() == Some(JoinWaitlist::PATH))
        .then(|| query.get("__err"))
        .flatten()
        .map(|e| ServerFnUrlError::<WaitlistError>::decode_err(&e));
    if error.is_some() {
        crate::server_data::set_status(400);
    }
    view! {
        <Title text=escape::html_text(text.waitlist_title) />
        <Meta name="robots" content="noindex" />
        <section class="mx-auto max-w-md py-8">
            <h1 class="mb-4 text-2xl font-bold">{text.waitlist_title}</h1>
            <form method="post" action=JoinWaitlist::url() novalidate>
                <WaitlistFields lang username=None source="/waitlist".to_owned() errors=Signal::stored(error) />
            </form>
        </section>
    }
}

/// `/waitlist/joined?token=…`: the no-JS signup result.
#[component]
pub fn JoinedPage() -> impl IntoView {
    let lang = use_prefs().lang;
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text=escape::html_text(lang.text().waitlist_done_title) />
        <Meta name="robots" content="noindex" />
        <section class="mx-auto max-w-md py-8">
            <Joined receipt=JoinReceipt { removal_token: token } lang />
        </section>
    }
}

/// `/waitlist/leave?token=…`: a button, not the link itself, removes the
/// address (link scanners and prefetchers must not unsubscribe anyone).
#[component]
pub fn LeavePage() -> impl IntoView {
    let text = use_prefs().lang.text();
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text=escape::html_text(text.waitlist_leave) />
        <Meta name="robots" content="noindex" />
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
    let text = use_prefs().lang.text();
    view! {
        <Title text=escape::html_text(text.waitlist_left_title) />
        <Meta name="robots" content="noindex" />
        <section class="mx-auto max-w-md py-8" data-testid="waitlist-left">
            <h1 class="mb-4 text-2xl font-bold">{text.waitlist_left_title}</h1>
            <p>{text.waitlist_left_body}</p>
        </section>
    }
}
