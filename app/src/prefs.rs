//! The visitor's display preferences: language and theme.
//!
//! Both are read on the server from cookies (set by the `/api/prefs/...`
//! server functions below, posted by plain forms that work without JavaScript) with `Accept-Language` as the language fallback, so
//! the first byte of HTML is already in the right language and theme.
//! A link can carry them too: `?lang=ko&theme=dark` wins over the cookies
//! and is stored in them, so a setting moves between devices without an
//! account.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

pub const LANG_COOKIE: &str = "lang";
pub const THEME_COOKIE: &str = "theme";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    /// Follow the operating system (`prefers-color-scheme`).
    #[default]
    System,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == value.trim())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefs {
    pub lang: Lang,
    pub theme: Theme,
}

impl Prefs {
    /// Derives the preferences from a `Cookie` and an `Accept-Language` header.
    pub fn from_headers(cookie: Option<&str>, accept_language: Option<&str>) -> Prefs {
        let cookie_value = |name: &str| {
            cookie.and_then(|c| {
                c.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    (k.trim() == name).then(|| v.trim())
                })
            })
        };
        let lang = cookie_value(LANG_COOKIE)
            .and_then(Lang::from_code)
            .unwrap_or_else(|| Lang::negotiate(accept_language.unwrap_or("")));
        let theme = cookie_value(THEME_COOKIE).and_then(Theme::parse).unwrap_or_default();
        Prefs { lang, theme }
    }

    /// What a link's query string sets (`lang=`, `theme=`), over `self`.
    pub fn with_query(self, query: Option<&str>) -> (Prefs, UrlPrefs) {
        let mut chosen = UrlPrefs::default();
        for pair in query.unwrap_or("").split('&') {
            match pair.split_once('=') {
                Some(("lang", value)) => chosen.lang = chosen.lang.or(Lang::from_code(value)),
                Some(("theme", value)) => chosen.theme = chosen.theme.or(Theme::parse(value)),
                _ => {}
            }
        }
        let prefs = Prefs { lang: chosen.lang.unwrap_or(self.lang), theme: chosen.theme.unwrap_or(self.theme) };
        (prefs, chosen)
    }

    /// The preferences of a request: its link's, else its cookies', else
    /// its `Accept-Language`. The page cache keys pages by the same answer.
    pub fn of_request(cookie: Option<&str>, accept_language: Option<&str>, query: Option<&str>) -> (Prefs, UrlPrefs) {
        Prefs::from_headers(cookie, accept_language).with_query(query)
    }

    /// The preferences of the request being rendered (server side).
    #[cfg(feature = "ssr")]
    pub fn from_request() -> Prefs {
        Self::from_request_and_url().0
    }

    /// Also what the request's link chose, which the page then stores.
    #[cfg(feature = "ssr")]
    pub fn from_request_and_url() -> (Prefs, UrlPrefs) {
        use leptos::prelude::use_context;
        let Some(parts) = use_context::<http::request::Parts>() else {
            return (Prefs::default(), UrlPrefs::default());
        };
        let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
        Prefs::of_request(header(http::header::COOKIE), header(http::header::ACCEPT_LANGUAGE), parts.uri.query())
    }

    /// Stores what the request's link chose in the preference cookies.
    #[cfg(feature = "ssr")]
    pub fn keep_url_choice(chosen: UrlPrefs) {
        if let Some(lang) = chosen.lang {
            server::remember(LANG_COOKIE, lang.code());
        }
        if let Some(theme) = chosen.theme {
            server::remember(THEME_COOKIE, theme.as_str());
        }
    }

    /// In the browser the server's choice arrives through context or props.
    #[cfg(not(feature = "ssr"))]
    pub fn from_request() -> Prefs {
        Prefs::default()
    }
}

/// The preferences a link's query string set, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UrlPrefs {
    pub lang: Option<Lang>,
    pub theme: Option<Theme>,
}

impl UrlPrefs {
    pub fn any(self) -> bool {
        self.lang.is_some() || self.theme.is_some()
    }
}

/// Reads the preferences provided for the current page.
pub fn use_prefs() -> Prefs {
    leptos::prelude::use_context::<Prefs>().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_beats_accept_language() {
        let p = Prefs::from_headers(Some("a=b; lang=ko; theme=dark"), Some("en-US"));
        assert_eq!(p, Prefs { lang: Lang::Ko, theme: Theme::Dark });
    }

    proptest::proptest! {
        /// Any headers parse; a valid cookie among other pairs wins over
        /// Accept-Language, and a broken one never beats it.
        #[test]
        fn preferences_come_from_any_headers(
            junk in proptest::collection::vec(("[a-k]{1,5}", "[^;]{0,8}"), 0..5),
            cookie in proptest::option::of(proptest::prelude::any::<String>()),
            accept_language in proptest::option::of(proptest::prelude::any::<String>()),
            lang in proptest::sample::select(vec!["en", "ko", "xx", ""]),
            theme in proptest::sample::select(vec!["light", "dark", "system", "<b>"]),
        ) {
            let _ = Prefs::from_headers(cookie.as_deref(), accept_language.as_deref());
            let mut pairs: Vec<String> = junk.iter().map(|(k, v)| format!("{k}={v}")).collect();
            pairs.insert(pairs.len() / 2, format!("lang={lang}"));
            pairs.push(format!(" theme = {theme} "));
            let prefs = Prefs::from_headers(Some(&pairs.join(";")), accept_language.as_deref());
            let fallback = Lang::negotiate(accept_language.as_deref().unwrap_or(""));
            proptest::prop_assert_eq!(prefs.lang, Lang::from_code(lang).unwrap_or(fallback));
            proptest::prop_assert_eq!(prefs.theme, Theme::parse(theme).unwrap_or_default());
        }
    }

    #[test]
    fn a_link_beats_the_cookie_and_bad_values_are_ignored() {
        let (p, chosen) = Prefs::of_request(Some("lang=en; theme=light"), None, Some("q=x&lang=ko&theme=dark"));
        assert_eq!(p, Prefs { lang: Lang::Ko, theme: Theme::Dark });
        assert_eq!(chosen, UrlPrefs { lang: Some(Lang::Ko), theme: Some(Theme::Dark) });
        let (p, chosen) = Prefs::of_request(Some("lang=ko"), None, Some("lang=xx&theme=%3Cb%3E"));
        assert_eq!(p, Prefs { lang: Lang::Ko, theme: Theme::System });
        assert!(!chosen.any());
        assert_eq!(Prefs::of_request(None, Some("ko"), None).0.lang, Lang::Ko);
    }

    #[test]
    fn bad_cookie_values_fall_back() {
        let p = Prefs::from_headers(Some("lang=xx; theme=<script>"), Some("ko"));
        assert_eq!(p, Prefs { lang: Lang::Ko, theme: Theme::System });
        assert_eq!(Prefs::from_headers(None, None), Prefs::default());
    }
}

/// Stores the visitor's theme in a cookie. Posted by the theme form: by its
/// island with JavaScript, as a plain form (then redirected back) without.
#[leptos::server(prefix = "/api", endpoint = "prefs/theme")]
pub async fn set_theme(theme: Theme) -> Result<(), leptos::prelude::ServerFnError> {
    server::remember(THEME_COOKIE, theme.as_str());
    server::back_to_page();
    Ok(())
}

/// Stores the visitor's language in a cookie; the page is then rendered again.
#[leptos::server(prefix = "/api", endpoint = "prefs/lang")]
pub async fn set_lang(lang: Lang) -> Result<(), leptos::prelude::ServerFnError> {
    server::remember(LANG_COOKIE, lang.code());
    server::back_to_page();
    Ok(())
}

#[cfg(feature = "ssr")]
mod server {
    use http::{
        header::{HOST, REFERER, SET_COOKIE},
        HeaderValue,
    };
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    /// Sets a year-long preference cookie. Values come from our own enums,
    /// never from the request, so they are safe header values.
    pub fn remember(name: &str, value: &str) {
        let secure = crate::server_data::services().site.secure_cookies;
        let cookie = format!(
            "{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
            if secure { "; Secure" } else { "" }
        );
        if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&cookie)) {
            response.append_header(SET_COOKIE, value);
        }
    }

    /// After a plain form post (no JavaScript), sends the visitor back to the
    /// page they came from on this site, or home.
    pub fn back_to_page() {
        let Some(parts) = use_context::<http::request::Parts>() else { return };
        if !crate::server_data::accepts_html(&parts) {
            return;
        }
        let header = |name| parts.headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
        let path = header(REFERER).and_then(|r| same_site_path(r, header(HOST)?)).unwrap_or_else(|| "/".to_owned());
        leptos_axum::redirect(&path);
    }

    /// The path and query of `referer` when it is a page of `host`.
    pub(super) fn same_site_path(referer: &str, host: &str) -> Option<String> {
        let (authority, path) = crate::server_data::split_url(referer)?;
        let path = path.split('#').next().unwrap_or("/").trim_end_matches('?');
        // `//elsewhere` would leave the site, and so would `/\elsewhere` and
        // `/<tab>/elsewhere`: browsers read `\` as `/` and drop tabs and
        // newlines from a Location.
        let leaves = path.starts_with("//") || path.contains('\\') || path.chars().any(char::is_control);
        (authority.eq_ignore_ascii_case(host) && !leaves).then(|| {
            if path.is_empty() {
                "/".to_owned()
            } else {
                path.to_owned()
            }
        })
    }

    #[cfg(test)]
    mod tests {
        use proptest::prelude::*;

        use super::same_site_path;

        proptest! {
            /// Whatever the Referer, the way back is a path on this site, as
            /// a browser would read it.
            #[test]
            fn the_way_back_never_leaves_the_site(
                referer in any::<String>(),
                path in "[/\\\\\t\r\n?#@:.a-z\\x00-\\x1f\\x7f ]{0,12}",
            ) {
                for referer in [referer, format!("https://inssa.club{path}"), format!("http://INSSA.club/{path}")] {
                    if let Some(back) = same_site_path(&referer, "inssa.club") {
                        let as_read: String = back.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
                        prop_assert!(as_read.starts_with('/') && !as_read.starts_with("//"), "{back:?}");
                        prop_assert!(!back.contains('\\') && !back.chars().any(char::is_control), "{back:?}");
                    }
                }
            }
        }

        #[test]
        fn only_our_own_pages_are_returned_to() {
            let host = "inssa.club";
            assert_eq!(same_site_path("https://inssa.club/@odessa.finch?", host).as_deref(), Some("/@odessa.finch"));
            assert_eq!(same_site_path("https://inssa.club/search?q=a#x", host).as_deref(), Some("/search?q=a"));
            assert_eq!(same_site_path("https://inssa.club", host).as_deref(), Some("/"));
            assert_eq!(same_site_path("https://evil.example/@x", host), None);
            assert_eq!(same_site_path("https://inssa.club//evil.example/", host), None);
            assert_eq!(same_site_path("https://inssa.club/\t/evil.example/", host), None);
            assert_eq!(same_site_path("not a url", host), None);
        }
    }
}
