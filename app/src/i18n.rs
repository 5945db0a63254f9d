//! The pages' words: [`Text`] has one field per message of the locales'
//! Fluent files (a test checks every field is a message of every language),
//! so views name messages as fields, checked by the compiler. Messages with
//! arguments (counts, dates) are formatted with `Lang::format` where they
//! are used. Names (inssa, Clubhouse) and what
//! comes from the upstream are not translated.

pub use locales::Lang;

/// Declares a struct of `&'static str` fields, each the message
/// [`message_id`] names, and `of(lang)`, loaded once per language.
#[cfg(feature = "ssr")]
macro_rules! words {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, { $($field:ident),* $(,)? }) => {
        $(#[$meta])*
        pub struct $name {
            $(pub $field: &'static str,)*
        }

        impl $name {
            pub fn of(lang: $crate::i18n::Lang) -> &'static $name {
                static LOADED: std::sync::LazyLock<Vec<$name>> = std::sync::LazyLock::new(|| {
                    $crate::i18n::Lang::ALL.iter().map(|&lang| $name::load(lang)).collect()
                });
                &LOADED[$crate::i18n::Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)]
            }

            /// The fields' messages that `lang` lacks or cannot format
            /// without arguments (the unit tests want none).
            pub fn missing_in(lang: $crate::i18n::Lang) -> Vec<String> {
                [$($crate::i18n::message_id($prefix, stringify!($field)),)*]
                    .into_iter()
                    .filter(|id| !lang.has_word(id))
                    .collect()
            }

            fn load(lang: $crate::i18n::Lang) -> $name {
                $name {
                    $($field: lang.word(&$crate::i18n::message_id($prefix, stringify!($field))),)*
                }
            }
        }
    };
}
#[cfg(feature = "ssr")]
pub(crate) use words;

/// The message a field stands for: `$prefix` and the field's name in kebab
/// case (`search_label` is `search-label`).
#[cfg(feature = "ssr")]
pub fn message_id(prefix: &str, field: &str) -> String {
    format!("{prefix}{}", field.replace('_', "-"))
}

#[cfg(feature = "ssr")]
words!(
    /// Every page's words in one language.
    Text, "", {
        site_name,
        clubhouse,
        tagline,
        home_title,
        home_description,
        search_label,
        search_placeholder,
        search_button,
        not_found_title,
        not_found_body,
        back_home,
        theme_label,
        theme_light,
        theme_dark,
        theme_system,
        language_label,
        footer_note,
        just_now,
        followers,
        following,
        joined,
        nominated_by,
        clubs,
        members,
        open_in_clubhouse,
        updated,
        refreshing,
        upstream_failing,
        profile_not_found_title,
        profile_not_found_body,
        profile_gone_title,
        profile_gone_body,
        unavailable_title,
        unavailable_body,
        search_title,
        search_results_for,
        no_results,
        search_cache_only,
        search_throttled,
        recently_viewed,
        profile_of,
        no_bio,
        retry,
        waitlist_button,
        waitlist_title,
        waitlist_intro,
        waitlist_email,
        waitlist_username,
        waitlist_consent,
        waitlist_submit,
        waitlist_close,
        waitlist_done_title,
        waitlist_done_body,
        waitlist_leave,
        waitlist_confirm_title,
        waitlist_confirm_body,
        waitlist_confirm_button,
        waitlist_confirmed_title,
        waitlist_confirmed_body,
        waitlist_link_not_valid,
        waitlist_leave_confirm,
        waitlist_left_title,
        waitlist_left_body,
        waitlist_fix_fields,
        waitlist_rate_limited,
        waitlist_bad_request,
        waitlist_unavailable,
        waitlist_email_required,
        waitlist_email_too_long,
        waitlist_email_invalid,
        waitlist_username_invalid,
        waitlist_consent_required,
        waitlist_honeypot,
        skip_to_content,
        about_link,
        about_title,
        about_description,
        about_what_heading,
        about_what_body,
        about_stored_heading,
        about_profiles,
        about_logs,
        about_removal_heading,
        about_removal_body,
        about_status_heading,
        upstream_ok,
        upstream_limited,
        upstream_refused,
        upstream_no_calls,
        about_version,
        search_description,
        search_pages_label,
        search_previous,
        search_next,
        waitlist_description,
    }
);

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_a_message_of_every_language() {
        for lang in Lang::ALL {
            assert_eq!(Text::missing_in(lang), Vec::<String>::new(), "{lang:?}");
        }
        assert_eq!(Text::of(Lang::Ja).search_button, "検索");
        assert_eq!(Text::of(Lang::Ko).search_button, "검색");
    }
}
