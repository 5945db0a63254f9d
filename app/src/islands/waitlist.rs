use leptos::{html, prelude::*, server_fn::ServerFn};

use crate::waitlist::{email_error_message, JoinWaitlist, WaitlistError, WaitlistWords};

/// The header's waitlist button (and its no-JavaScript link in the layout).
pub const WAITLIST_BUTTON: &str =
    "rounded-full bg-amber-700 px-3 py-1 text-sm font-semibold text-white hover:bg-amber-800";

const INPUT: &str = "w-full rounded-xl border border-stone-300 bg-white px-3 py-2 dark:border-stone-700 dark:bg-stone-900 aria-[invalid=true]:border-red-600";
const ERROR: &str = "mt-1 text-sm text-red-700 dark:text-red-400";

/// The "Join the waitlist" button and its modal dialog. Without JavaScript
/// the button is a link to `/waitlist`, a page with the same form. With it,
/// the native `<dialog>` opens modally: focus moves in and stays, Esc and
/// the close button close it, and focus returns to the button.
#[island]
pub fn WaitlistModal(words: WaitlistWords, username: Option<String>, source: String) -> impl IntoView {
    // The dialog's parts each keep a copy (the island renders once).
    let text = StoredValue::new(words);
    let word = move |pick: fn(&WaitlistWords) -> &String| text.with_value(|w| pick(w).clone());
    let dialog = NodeRef::<html::Dialog>::new();
    let opener = NodeRef::<html::A>::new();
    let email = NodeRef::<html::Input>::new();
    let join = ServerAction::<JoinWaitlist>::new();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let open = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
            if let Some(input) = email.get() {
                let _ = input.focus();
            }
        }
    };
    let close = move |_| {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    // Runs however the dialog closed (button, Esc, after success).
    let restore_focus = move |_| {
        if let Some(a) = opener.get() {
            let _ = a.focus();
        }
    };
    let result = join.value();
    let errors = Signal::derive(move || result.get().and_then(Result::err));
    let receipt = Signal::derive(move || result.get().and_then(Result::ok));
    let pending = join.pending();

    view! {
        <a
            href="/waitlist"
            node_ref=opener
            on:click=open
            data-testid="waitlist-open"
            data-hydrated=move || hydrated.get().to_string()
            class=WAITLIST_BUTTON
        >
            {word(|w| &w.button)}
        </a>
        <dialog
            node_ref=dialog
            on:close=restore_focus
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if let Some(d) = dialog.get() {
                    keep_focus_inside(&d, &ev);
                }
            }
            aria-labelledby="waitlist-title"
            data-testid="waitlist-dialog"
            class="w-full max-w-md rounded-2xl bg-white p-6 text-stone-900 shadow-xl backdrop:bg-black/50 dark:bg-stone-900 dark:text-stone-100"
        >
            <div class="mb-4 flex items-start justify-between gap-4">
                <h2 id="waitlist-title" class="text-xl font-bold">{word(|w| &w.title)}</h2>
                <button type="button" on:click=close aria-label=word(|w| &w.close) data-testid="waitlist-close"
                    class="rounded-full px-2 text-xl leading-none hover:bg-stone-200 dark:hover:bg-stone-800">"×"</button>
            </div>
            <Show
                when=move || receipt.get().is_none()
                fallback=move || view! { <Joined words=text.get_value() /> }
            >
                <form
                    method="post"
                    action=JoinWaitlist::url()
                    novalidate
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        if let Some(form) = ev.target().and_then(wasm_form) {
                            join.dispatch(form);
                        }
                    }
                >
                    <WaitlistFields words=text.get_value() username=username.clone() source=source.clone() errors email_ref=email pending=pending />
                </form>
            </Show>
        </dialog>
    }
}

/// A modal `<dialog>` keeps Tab away from the page behind it, but not from
/// the browser's own controls; wrap around so focus stays in the dialog.
fn keep_focus_inside(_dialog: &leptos::web_sys::HtmlDialogElement, _ev: &leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if _ev.key() != "Tab" {
            return;
        }
        let Ok(nodes) = _dialog.query_selector_all("button:not([disabled]), a[href], input:not([tabindex='-1'])")
        else {
            return;
        };
        let focusable: Vec<leptos::web_sys::HtmlElement> =
            (0..nodes.length()).filter_map(|i| nodes.item(i)?.dyn_into().ok()).collect();
        let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else { return };
        let active = leptos::prelude::document().active_element();
        let is = |el: &leptos::web_sys::HtmlElement| {
            active.as_ref().is_some_and(|a| a == el.unchecked_ref::<leptos::web_sys::Element>())
        };
        if _ev.shift_key() && is(first) {
            _ev.prevent_default();
            let _ = last.focus();
        } else if !_ev.shift_key() && is(last) {
            _ev.prevent_default();
            let _ = first.focus();
        }
    }
}

/// Reads the submitted form into the server function's arguments.
fn wasm_form(_target: leptos::web_sys::EventTarget) -> Option<JoinWaitlist> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let form = _target.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()?;
        let field = |name: &str| {
            form.elements().named_item(name).and_then(|e| e.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
        };
        let value = |name: &str| field(name).map(|i| i.value()).unwrap_or_default();
        return Some(JoinWaitlist {
            email: value("email"),
            username: value("username"),
            consent: field("consent").filter(|i| i.checked()).map(|i| i.value()),
            source: value("source"),
            website: value("website"),
        });
    }
    #[allow(unreachable_code)]
    None
}

/// The fields, shared by the modal and the `/waitlist` page.
#[component]
pub fn WaitlistFields(
    words: WaitlistWords,
    username: Option<String>,
    source: String,
    #[prop(into)] errors: Signal<Option<WaitlistError>>,
    #[prop(optional)] email_ref: Option<NodeRef<html::Input>>,
    #[prop(optional, into)] pending: Signal<bool>,
) -> impl IntoView {
    let text = StoredValue::new(words);
    let word = move |pick: fn(&WaitlistWords) -> &String| text.with_value(|w| pick(w).clone());
    let fields = move || match errors.get() {
        Some(WaitlistError::Invalid(f)) => f,
        _ => Default::default(),
    };
    let email_error = move || fields().email.map(|e| text.with_value(|w| email_error_message(e, w).to_owned()));
    let username_error = move || fields().username.then(|| word(|w| &w.username_invalid));
    let consent_error = move || fields().consent.then(|| word(|w| &w.consent_required));
    let summary = move || errors.get().map(|e| text.with_value(|w| e.message(w).to_owned()));
    // The messages go in as the paragraphs' HTML: an optional text child
    // would leave a `<!>` hydration marker when empty, which is invalid
    // HTML. They are our own words, escaped all the same.
    let as_html = |message: Option<String>| {
        message.unwrap_or_default().replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    };
    let email_ref = email_ref.unwrap_or_default();

    view! {
        <p class="mb-4 text-stone-600 dark:text-stone-300">{word(|w| &w.intro)}</p>
        <p role="alert" data-testid="waitlist-error" class="mb-3 font-semibold text-red-700 dark:text-red-400"
            inner_html=move || as_html(summary())></p>
        <input type="hidden" name="source" value=source />
        <div class="mb-3">
            <label for="waitlist-email" class="mb-1 block font-medium">{word(|w| &w.email)}</label>
            <input id="waitlist-email" name="email" type="email" autocomplete="email" required maxlength="254"
                node_ref=email_ref class=INPUT
                aria-invalid=move || email_error().is_some().to_string()
                aria-describedby="waitlist-email-error" />
            <p id="waitlist-email-error" class=ERROR inner_html=move || as_html(email_error())></p>
        </div>
        <div class="mb-3">
            <label for="waitlist-username" class="mb-1 block font-medium">{word(|w| &w.username)}</label>
            <input id="waitlist-username" name="username" type="text" autocomplete="username" maxlength="31"
                value=username.unwrap_or_default() class=INPUT
                aria-invalid=move || username_error().is_some().to_string()
                aria-describedby="waitlist-username-error" />
            <p id="waitlist-username-error" class=ERROR inner_html=move || as_html(username_error())></p>
        </div>
        // A honeypot: hidden from people and screen readers, filled by bots.
        <div class="hidden" aria-hidden="true">
            <label for="waitlist-website">{word(|w| &w.honeypot)}</label>
            <input id="waitlist-website" name="website" type="text" tabindex="-1" autocomplete="off" />
        </div>
        <div class="mb-4">
            <label class="flex items-start gap-2">
                <input id="waitlist-consent" name="consent" type="checkbox" value="yes" required class="mt-1"
                    aria-invalid=move || consent_error().is_some().to_string()
                    aria-describedby="waitlist-consent-error" />
                <span>{word(|w| &w.consent)}</span>
            </label>
            <p id="waitlist-consent-error" class=ERROR inner_html=move || as_html(consent_error())></p>
        </div>
        <button type="submit" disabled=move || pending.get() data-testid="waitlist-submit"
            class="w-full rounded-xl bg-amber-700 px-4 py-2 font-semibold text-white hover:bg-amber-800 disabled:opacity-60">
            {word(|w| &w.submit)}
        </button>
    }
}

/// The answer to a signup: "check your inbox", the same whether the address
/// was new or not. The links are in the mail only.
#[component]
pub fn Joined(
    words: WaitlistWords,
    /// The page's own heading (`/waitlist/joined`), not a modal's.
    #[prop(optional)]
    page_heading: bool,
) -> impl IntoView {
    let title = words.done_title;
    view! {
        <div role="status" data-testid="waitlist-joined">
            {if page_heading {
                view! { <h1 class="text-2xl font-bold">{title}</h1> }.into_any()
            } else {
                view! { <h3 class="text-lg font-bold">{title}</h3> }.into_any()
            }}
            <p class="mt-2 text-stone-600 dark:text-stone-300">{words.done_body}</p>
        </div>
    }
}
