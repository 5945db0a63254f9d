//! The waitlist: form input, its validation, and the server functions
//! behind the modal (and the same form without JavaScript).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use domain::email::EmailError;

#[cfg(feature = "ssr")]
use crate::i18n::Lang;

/// What a signup answers: "check your inbox". The same for a new and an
/// already-listed address, so nobody can learn whether someone else signed
/// up; the links are in the mail, never on the page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinReceipt {}

/// Problems with individual fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub email: Option<EmailError>,
    pub username: bool,
    pub consent: bool,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && !self.username && !self.consent
    }
}

/// Why a signup was not taken. Carries codes, not text: pages show them in
/// the visitor's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum WaitlistError {
    #[error("some fields are invalid")]
    Invalid(FieldErrors),
    #[error("too many signups from this network")]
    RateLimited { retry_after_secs: u64 },
    #[error("the request did not come from this site")]
    CrossOrigin,
    #[error("the waitlist is unavailable")]
    Unavailable,
    #[error("the link is not valid")]
    LinkNotValid,
    #[error("request failed")]
    Request(String),
}

impl FromServerFnError for WaitlistError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Transport or decoding problems: the details stay in the log.
        WaitlistError::Request(match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => "bad request".into(),
            _ => "request failed".into(),
        })
    }
}

impl WaitlistError {
    /// The HTTP status that goes with the error.
    pub fn status(&self) -> u16 {
        match self {
            WaitlistError::Invalid(_) | WaitlistError::Request(_) => 400,
            WaitlistError::CrossOrigin => 403,
            WaitlistError::RateLimited { .. } => 429,
            WaitlistError::LinkNotValid => 404,
            WaitlistError::Unavailable => 503,
        }
    }

    /// The error in the visitor's words.
    pub fn message<'a>(&self, words: &'a WaitlistWords) -> &'a str {
        match self {
            WaitlistError::Invalid(_) => &words.fix_fields,
            WaitlistError::RateLimited { .. } => &words.rate_limited,
            WaitlistError::CrossOrigin | WaitlistError::Request(_) => &words.bad_request,
            WaitlistError::Unavailable => &words.unavailable,
            WaitlistError::LinkNotValid => &words.link_not_valid,
        }
    }
}

pub fn email_error_message(e: EmailError, words: &WaitlistWords) -> &str {
    match e {
        EmailError::Empty => &words.email_required,
        EmailError::TooLong => &words.email_too_long,
        EmailError::Invalid => &words.email_invalid,
    }
}

/// Declares [`WaitlistWords`] from one list of its fields, so the order
/// they travel in is written once.
macro_rules! waitlist_words {
    ($($field:ident),* $(,)?) => {
        /// The waitlist form's words in the visitor's language, each the
        /// message `waitlist-` plus the field's name (as `Text`'s
        /// `waitlist_` fields). The islands get them as a prop, so the
        /// browser build carries no language's words at all. They travel as
        /// a list, not a map: serde's code for a struct of 21 fields weighed
        /// 12 KB of the WASM, a list of strings almost nothing.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(from = "Vec<String>", into = "Vec<String>")]
        pub struct WaitlistWords {
            $(pub $field: String,)*
        }

        impl From<Vec<String>> for WaitlistWords {
            /// A short list (never sent by our server) leaves the rest empty.
            fn from(words: Vec<String>) -> WaitlistWords {
                let mut words = words.into_iter();
                WaitlistWords { $($field: words.next().unwrap_or_default(),)* }
            }
        }

        impl From<WaitlistWords> for Vec<String> {
            fn from(words: WaitlistWords) -> Vec<String> {
                vec![$(words.$field,)*]
            }
        }

        #[cfg(feature = "ssr")]
        impl WaitlistWords {
            pub fn of(lang: Lang) -> WaitlistWords {
                WaitlistWords {
                    $($field: lang.word(&crate::i18n::message_id("waitlist-", stringify!($field))).to_owned(),)*
                }
            }
        }
    };
}

waitlist_words!(
    button,
    title,
    close,
    intro,
    email,
    username,
    honeypot,
    consent,
    submit,
    done_title,
    done_body,
    fix_fields,
    rate_limited,
    bad_request,
    unavailable,
    link_not_valid,
    email_required,
    email_too_long,
    email_invalid,
    username_invalid,
    consent_required,
);

/// Signs up for the waitlist. `website` is a honeypot that people never see
/// or fill in; a bot that does gets a convincing success and nothing is kept.
#[leptos::server(prefix = "/api", endpoint = "waitlist/join")]
pub async fn join_waitlist(
    email: String,
    #[server(default)] username: String,
    #[server(default)] consent: Option<String>,
    #[server(default)] source: String,
    #[server(default)] website: String,
) -> Result<JoinReceipt, WaitlistError> {
    let result = server::join(email, username, consent, source, website).await;
    server::set_error_status(&result);
    result
}

/// Confirms the signup a mailed confirmation link names. Only a POST (the
/// page's button) confirms: mail scanners that fetch links confirm nothing.
#[leptos::server(prefix = "/api", endpoint = "waitlist/confirm")]
pub async fn confirm_waitlist(token: String) -> Result<(), WaitlistError> {
    let result = server::confirm(token).await;
    server::set_error_status(&result);
    result
}

/// Removes the address that `token` was issued for. Answers the same for
/// any token, so tokens cannot be probed.
#[leptos::server(prefix = "/api", endpoint = "waitlist/leave")]
pub async fn leave_waitlist(token: String) -> Result<(), WaitlistError> {
    let result = server::leave(token).await;
    server::set_error_status(&result);
    result
}

#[cfg(feature = "ssr")]
mod server {
    use domain::{email::EmailAddress, username::Username};
    use leptos::prelude::use_context;
    use services::waitlist::{JoinRefused, LinkOutcome, Signup, WaitlistService};

    use super::*;
    use crate::{
        prefs::Prefs,
        server_data::{accepts_html, client_ip, services, set_header, set_status, split_url},
    };

    pub async fn join(
        email: String,
        username: String,
        consent: Option<String>,
        source: String,
        website: String,
    ) -> Result<JoinReceipt, WaitlistError> {
        let (parts, waitlist) = from_this_site()?;

        let mut errors = FieldErrors::default();
        let email = EmailAddress::parse(&email).map_err(|e| errors.email = Some(e)).ok();
        let username = match username.trim() {
            "" => None,
            name => Username::parse(name).map_err(|_| errors.username = true).ok(),
        };
        if consent.as_deref().is_none_or(|c| c.is_empty()) {
            errors.consent = true;
        }
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            waitlist.count_refusal("invalid");
            return Err(WaitlistError::Invalid(errors));
        };
        if !website.trim().is_empty() {
            tracing::info!("waitlist honeypot filled; answering without storing");
            waitlist.count_refusal("honeypot");
            return Ok(JoinReceipt {});
        }
        let signup = Signup {
            email,
            username,
            lang: Prefs::from_request().lang.code(),
            source_path: Some(source).filter(|s| s.starts_with('/') && !s.starts_with("//") && s.len() <= 200),
        };
        match waitlist.join(signup, client_ip()).await {
            Ok(()) => {}
            Err(JoinRefused::RateLimited { retry_after_secs }) => {
                set_header("retry-after", &retry_after_secs.to_string());
                return Err(WaitlistError::RateLimited { retry_after_secs });
            }
            Err(JoinRefused::Unavailable) => return Err(WaitlistError::Unavailable),
        }
        // Without JavaScript the form posted here directly: show the result page.
        if accepts_html(&parts) {
            leptos_axum::redirect("/waitlist/joined");
        }
        Ok(JoinReceipt {})
    }

    pub async fn confirm(token: String) -> Result<(), WaitlistError> {
        let (parts, waitlist) = from_this_site()?;
        match waitlist.confirm(token.trim()).await {
            Ok(LinkOutcome::Done) => {}
            Ok(LinkOutcome::Unknown) => return Err(WaitlistError::LinkNotValid),
            Err(_) => return Err(WaitlistError::Unavailable),
        }
        if accepts_html(&parts) {
            leptos_axum::redirect("/waitlist/confirmed");
        }
        Ok(())
    }

    pub async fn leave(token: String) -> Result<(), WaitlistError> {
        let (parts, waitlist) = from_this_site()?;
        waitlist.leave(token.trim()).await.map_err(|_| WaitlistError::Unavailable)?;
        if accepts_html(&parts) {
            leptos_axum::redirect("/waitlist/left");
        }
        Ok(())
    }

    /// The request and the waitlist, for a POST that came from a page of
    /// this site; any other is refused (and counted).
    fn from_this_site() -> Result<(http::request::Parts, std::sync::Arc<WaitlistService>), WaitlistError> {
        let parts = use_context::<http::request::Parts>().ok_or(WaitlistError::Unavailable)?;
        let waitlist = services().waitlist;
        if !same_origin(&parts) {
            waitlist.count_refusal("cross_origin");
            return Err(WaitlistError::CrossOrigin);
        }
        Ok((parts, waitlist))
    }

    /// Errors get their HTTP status, except for a plain form post: that one
    /// is redirected back to its page with the error in the query string.
    pub fn set_error_status<T>(result: &Result<T, WaitlistError>) {
        if let Err(e) = result {
            let plain_form = use_context::<http::request::Parts>().is_some_and(|p| accepts_html(&p));
            if !plain_form {
                set_status(e.status());
            }
        }
    }

    /// A POST must come from a page of this site: its `Origin` (or, failing
    /// that, its `Referer`) must name the host it was sent to.
    pub fn same_origin(parts: &http::request::Parts) -> bool {
        let header = |name| parts.headers.get(name).and_then(|v: &http::HeaderValue| v.to_str().ok());
        let Some(host) = header(http::header::HOST) else { return false };
        let source = header(http::header::ORIGIN).filter(|o| *o != "null").or_else(|| header(http::header::REFERER));
        let Some(source) = source else { return false };
        split_url(source).is_some_and(|(authority, _)| authority.eq_ignore_ascii_case(host))
    }
}

#[cfg(all(test, feature = "ssr"))]
mod words_tests {
    #[test]
    fn waitlist_words_travel_as_a_list_and_come_back_whole() {
        let words = super::WaitlistWords::of(crate::i18n::Lang::Ja);
        let json = serde_json::to_string(&words).unwrap();
        assert!(json.starts_with('['), "{json}");
        assert_eq!(serde_json::from_str::<super::WaitlistWords>(&json).unwrap(), words);
        assert_eq!(words.consent_required, "同意のチェックボックスをオンにしてください。");
    }
}
