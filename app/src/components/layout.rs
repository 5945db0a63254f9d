use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Link;

use domain::username::Username;

use crate::{
    i18n::{Lang, Text},
    islands::{
        theme_toggle::{ThemeToggle, ThemeWords},
        waitlist::{WaitlistModal, WAITLIST_BUTTON},
    },
    prefs::{use_prefs, SetLang},
    waitlist::WaitlistWords,
};

/// Header, main column and footer around every page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let prefs = use_prefs();
    let text = Text::of(prefs.lang);
    // On a profile page the waitlist form suggests that person's username.
    let path = leptos_router::hooks::use_location().pathname.get_untracked();
    let profile_username = path.strip_prefix("/@").and_then(|u| Username::parse(u).ok()).map(|u| u.to_string());
    view! {
        <LanguageAlternates />
        <a href="#main" class="skip-link">{text.skip_to_content}</a>
        <div class="mx-auto flex min-h-screen max-w-3xl flex-col px-4">
            <header class="flex flex-wrap items-center justify-between gap-3 py-5">
                <a href="/" class="text-2xl font-extrabold tracking-tight text-amber-700 dark:text-amber-400" data-testid="site-name">
                    {text.site_name}
                </a>
                <div class="flex items-center gap-2">
                    {if path.starts_with("/waitlist") {
                        // The page is the form already; a second copy in a
                        // modal would repeat its field ids.
                        view! {
                            <a href="/waitlist" data-testid="waitlist-open" class=WAITLIST_BUTTON>{text.waitlist_button}</a>
                        }
                            .into_any()
                    } else {
                        view! { <WaitlistModal words=WaitlistWords::of(prefs.lang) username=profile_username source=path /> }.into_any()
                    }}
                    <LanguageSwitch current=prefs.lang />
                    <ThemeToggle initial=prefs.theme words=ThemeWords::of(prefs.lang) />
                </div>
            </header>
            // Focusable by the skip link, not by Tab.
            <main id="main" tabindex="-1" class="flex-1 pb-12">{children()}</main>
            <footer class="flex flex-wrap justify-between gap-3 border-t border-stone-200 py-6 text-sm text-stone-600 dark:border-stone-800 dark:text-stone-400">
                <p>{text.footer_note}</p>
                <a href="/about" class="underline" data-testid="about-link">{text.about_link}</a>
            </footer>
        </div>
    }
}

/// A plain form: it needs no JavaScript, and the page must be rendered again
/// in the new language anyway.
#[component]
fn LanguageSwitch(current: Lang) -> impl IntoView {
    let text = Text::of(current);
    view! {
        <form method="post" action=SetLang::url() class="flex gap-1" aria-label=text.language_label>
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    let active = lang == current;
                    view! {
                        <button
                            type="submit"
                            name="lang"
                            value=lang.code()
                            lang=lang.code()
                            aria-pressed=active.to_string()
                            data-testid=format!("lang-{}", lang.code())
                            class=if active {
                                "rounded-full bg-stone-800 px-3 py-1 text-sm text-white dark:bg-stone-200 dark:text-stone-900"
                            } else {
                                "rounded-full px-3 py-1 text-sm hover:bg-stone-200 dark:hover:bg-stone-800"
                            }
                        >
                            {lang.native_name()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}

/// `hreflang` alternates: this page in each language (`?lang=` picks it and
/// keeps the choice), and the address without it as the default, which
/// follows the visitor's browser.
#[component]
fn LanguageAlternates() -> impl IntoView {
    // Start-up renders the app once, outside any request, to list its
    // routes: there is no site address to link to then.
    let site = use_context::<services::Services>()?.site.public_url;
    let location = leptos_router::hooks::use_location();
    let url = format!("{site}{}", location.pathname.get_untracked());
    let kept = without_prefs(&location.search.get_untracked());
    let with = |extra: Option<String>| {
        let query: Vec<String> = kept.iter().cloned().chain(extra).collect();
        if query.is_empty() {
            url.clone()
        } else {
            format!("{url}?{}", query.join("&"))
        }
    };
    Some(view! {
        {Lang::ALL
            .into_iter()
            .map(|lang| view! { <Link rel="alternate" hreflang=lang.code() href=with(Some(format!("lang={}", lang.code()))) /> })
            .collect_view()}
        <Link rel="alternate" hreflang="x-default" href=with(None) />
    })
}

/// The query's parameters other than the preferences, as they were written.
fn without_prefs(search: &str) -> Vec<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            key != "lang" && key != "theme"
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn alternates_keep_the_query_but_the_preferences() {
        assert_eq!(super::without_prefs("?q=a%20b&lang=ko&page=2&theme=dark"), vec!["q=a%20b", "page=2"]);
        assert_eq!(super::without_prefs(""), Vec::<String>::new());
        assert_eq!(super::without_prefs("lang=ja"), Vec::<String>::new());
    }
}
