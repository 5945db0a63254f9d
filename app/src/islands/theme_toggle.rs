use leptos::{prelude::*, server_fn::ServerFn};

use serde::{Deserialize, Serialize};

use crate::prefs::{SetTheme, Theme};

/// The toggle's words in the visitor's language, given as a prop so the
/// browser build carries none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThemeWords {
    pub label: String,
    pub light: String,
    pub dark: String,
    pub system: String,
}

#[cfg(feature = "ssr")]
impl ThemeWords {
    pub fn of(lang: crate::i18n::Lang) -> ThemeWords {
        let text = crate::i18n::Text::of(lang);
        ThemeWords {
            label: text.theme_label.to_owned(),
            light: text.theme_light.to_owned(),
            dark: text.theme_dark.to_owned(),
            system: text.theme_system.to_owned(),
        }
    }
}

/// Cycles light → dark → system. Without JavaScript it is a plain form that
/// posts the next theme and comes back; with it, the page switches at once and
/// the choice is saved in the background.
#[island]
pub fn ThemeToggle(initial: Theme, words: ThemeWords) -> impl IntoView {
    let (theme, set_theme) = signal(initial);
    let save = ServerAction::<SetTheme>::new();
    // Tests and styles can tell a hydrated island from server HTML.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    // Saves run one at a time: two quick clicks must not race, or the
    // cookie could end with the first choice. The latest waiting one wins.
    let waiting = StoredValue::new(None::<Theme>);
    let saving = save.pending();
    Effect::new(move |_| {
        if !saving.get() {
            if let Some(theme) = waiting.get_value() {
                waiting.set_value(None);
                save.dispatch(SetTheme { theme });
            }
        }
    });

    let next = move || next_theme(theme.get());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = next();
        apply_theme(chosen);
        set_theme.set(chosen);
        if saving.get_untracked() {
            waiting.set_value(Some(chosen));
        } else {
            save.dispatch(SetTheme { theme: chosen });
        }
    };
    let label = move || {
        let current = match theme.get() {
            Theme::Light => &words.light,
            Theme::Dark => &words.dark,
            Theme::System => &words.system,
        };
        format!("{}: {}", words.label, current)
    };

    view! {
        <form
            method="post"
            action=SetTheme::url()
            on:submit=on_submit
            data-hydrated=move || hydrated.get().to_string()
            class="inline"
        >
            <input type="hidden" name="theme" value=move || next().as_str() />
            <button
                type="submit"
                data-testid="theme-toggle"
                data-theme-current=move || theme.get().as_str()
                class="rounded-full border border-stone-300 px-3 py-1 text-sm hover:bg-stone-200 dark:border-stone-700 dark:hover:bg-stone-800"
            >
                {label}
            </button>
        </form>
    }
}

fn next_theme(theme: Theme) -> Theme {
    match theme {
        Theme::Light => Theme::Dark,
        Theme::Dark => Theme::System,
        Theme::System => Theme::Light,
    }
}

/// Switches the page's theme without a reload (browser only).
fn apply_theme(_theme: Theme) {
    #[cfg(feature = "hydrate")]
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", _theme.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_through_every_theme() {
        let mut t = Theme::Light;
        let mut seen = vec![];
        for _ in 0..3 {
            t = next_theme(t);
            seen.push(t);
        }
        assert_eq!(seen, vec![Theme::Dark, Theme::System, Theme::Light]);
    }
}
