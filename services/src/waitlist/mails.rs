//! The waitlist's mails, in the signup's language: plain text and HTML,
//! every address and name escaped in the HTML, and the removal link in the
//! `List-Unsubscribe` headers (RFC 2369, one-click per RFC 8058).

use lettre::message::{
    header::{ContentType, HeaderName, HeaderValue},
    Mailbox, MultiPart, SinglePart,
};
use lettre::Message;
use locales::{Arg, Lang};

/// What a mail is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// A first signup, or a repeat of one not yet confirmed.
    Confirm,
    /// A signup for an address that is already confirmed.
    AlreadyListed,
}

impl MailKind {
    pub fn code(self) -> &'static str {
        match self {
            MailKind::Confirm => "confirm",
            MailKind::AlreadyListed => "already_listed",
        }
    }

    pub fn from_code(code: &str) -> Option<MailKind> {
        match code {
            "confirm" => Some(MailKind::Confirm),
            "already_listed" => Some(MailKind::AlreadyListed),
            _ => None,
        }
    }
}

/// Everything one mail says.
#[derive(Clone, Debug)]
pub struct WaitlistMail<'a> {
    pub kind: MailKind,
    pub lang: &'a str,
    /// The signup's address (untrusted text).
    pub email: &'a str,
    /// The Clubhouse username given with the first signup (untrusted text).
    pub username: Option<&'a str>,
    /// The site's address, without a trailing slash.
    pub public_url: &'a str,
    pub confirm_token: Option<&'a str>,
    pub remove_token: &'a str,
    /// How long an unconfirmed signup is kept.
    pub expires_in_days: u64,
}

impl WaitlistMail<'_> {
    fn lang(&self) -> Lang {
        Lang::from_code(self.lang).unwrap_or_default()
    }

    fn word(&self, id: &str) -> &'static str {
        self.lang().word(id)
    }
}

impl WaitlistMail<'_> {
    pub fn subject(&self) -> &'static str {
        match self.kind {
            MailKind::Confirm => self.word("mail-confirm-subject"),
            MailKind::AlreadyListed => self.word("mail-listed-subject"),
        }
    }

    pub fn confirm_url(&self) -> Option<String> {
        self.confirm_token.map(|t| format!("{}/waitlist/confirm?token={t}", self.public_url))
    }

    /// The page with the removal button (the link in the text).
    pub fn leave_url(&self) -> String {
        format!("{}/waitlist/leave?token={}", self.public_url, self.remove_token)
    }

    /// The one-click address mail clients POST to (RFC 8058).
    pub fn unsubscribe_url(&self) -> String {
        format!("{}/waitlist/unsubscribe?token={}", self.public_url, self.remove_token)
    }

    /// The opening paragraph, with `escape` applied to the untrusted parts.
    fn opening(&self, escape: impl Fn(&str) -> String) -> String {
        let lang = self.lang();
        let who = match (self.kind, self.username) {
            (MailKind::Confirm, Some(name)) => lang.format("mail-as-user", &[("username", Arg::from(escape(name)))]),
            _ => String::new(),
        };
        let id = match self.kind {
            MailKind::Confirm => "mail-confirm-asked",
            MailKind::AlreadyListed => "mail-listed-body",
        };
        lang.format(id, &[("email", Arg::from(escape(self.email))), ("who", Arg::from(who))])
    }

    pub fn text(&self) -> String {
        let mut text = format!("{}\n\n{}\n\n", self.word("mail-greeting"), self.opening(|s| s.to_owned()));
        if let Some(url) = self.confirm_url() {
            text += &format!("{}:\n{url}\n\n{}\n\n", self.word("mail-confirm-button"), self.ignore_line());
        }
        text += &format!(
            "{}\n{}\n\n-- \n{}\n",
            self.word("mail-remove-lead"),
            self.leave_url(),
            self.word("mail-signature")
        );
        text
    }

    fn ignore_line(&self) -> String {
        self.lang().format("mail-confirm-ignore", &[("days", Arg::from(self.expires_in_days))])
    }

    pub fn html(&self) -> String {
        let escape = |s: &str| html_escape::encode_safe(s).into_owned();
        let attr = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
        let button = |url: &str, label: &str, colour: &str| {
            format!(
                r#"<p><a href="{}" style="display:inline-block;padding:10px 16px;border-radius:10px;background:{colour};color:#ffffff;font-weight:600;text-decoration:none">{}</a></p>"#,
                attr(url),
                escape(label)
            )
        };
        let mut body = format!("<p>{}</p><p>{}</p>", escape(self.word("mail-greeting")), self.opening(escape));
        if let Some(url) = self.confirm_url() {
            body += &button(&url, self.word("mail-confirm-button"), "#92400e");
            body += &format!("<p>{}</p>", escape(&self.ignore_line()));
        }
        body += &format!(
            r#"<p style="color:#57534e">{} <a href="{}" style="color:#92400e">{}</a></p><p>&mdash; {}</p>"#,
            escape(self.word("mail-remove-lead")),
            attr(&self.leave_url()),
            escape(self.word("mail-remove-button")),
            escape(self.word("mail-signature"))
        );
        format!(
            r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1c1917;max-width:36rem">{body}</body></html>"#,
            attr(self.lang),
            escape(self.subject())
        )
    }

    /// The whole message, or why it cannot be built (an address lettre refuses).
    pub fn message(&self, from: &Mailbox) -> Result<Message, String> {
        let to: Mailbox = self.email.parse().map_err(|e| format!("recipient refused: {e}"))?;
        let header = |name: &'static str, value: String| HeaderValue::new(HeaderName::new_from_ascii_str(name), value);
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(self.subject())
            .date_now()
            .raw_header(header("List-Unsubscribe", format!("<{}>", self.unsubscribe_url())))
            .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()))
            .raw_header(header("Auto-Submitted", "auto-generated".to_owned()))
            .raw_header(header("Content-Language", self.lang.to_owned()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(self.text()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(self.html())),
            )
            .map_err(|e| format!("mail not built: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(kind: MailKind, lang: &'static str) -> WaitlistMail<'static> {
        WaitlistMail {
            kind,
            lang,
            email: "o'neil+<b>x</b>@example.com",
            username: Some("odessa.finch"),
            public_url: "https://inssa.example",
            confirm_token: (kind == MailKind::Confirm).then_some("CONFIRMTOKEN"),
            remove_token: "REMOVETOKEN",
            expires_in_days: 7,
        }
    }

    #[test]
    fn the_confirmation_has_both_links_and_escapes_the_address_in_html() {
        let m = mail(MailKind::Confirm, "en");
        let text = m.text();
        assert!(text.contains("https://inssa.example/waitlist/confirm?token=CONFIRMTOKEN"), "{text}");
        assert!(text.contains("https://inssa.example/waitlist/leave?token=REMOVETOKEN"), "{text}");
        assert!(text.contains("o'neil+<b>x</b>@example.com (Clubhouse @odessa.finch)"), "{text}");
        assert!(text.contains("after 7 days"));
        let html = m.html();
        assert!(html.contains("o&#x27;neil+&lt;b&gt;x&lt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains(r#"href="https://inssa.example/waitlist/confirm?token=CONFIRMTOKEN""#));
        assert!(html.starts_with(r#"<!DOCTYPE html><html lang="en">"#));
    }

    #[test]
    fn already_listed_has_no_confirmation_and_speaks_korean() {
        let m = mail(MailKind::AlreadyListed, "ko");
        assert_eq!(m.subject(), "이미 inssa 대기자 명단에 있습니다");
        let text = m.text();
        assert!(!text.contains("confirm?token"), "{text}");
        assert!(!text.contains("odessa.finch"), "a repeat does not repeat the first signup's name: {text}");
        assert!(text.contains("명단에서 빼려면"), "{text}");
        assert!(m.html().contains(r#"lang="ko""#));
    }

    #[test]
    fn the_japanese_mail_is_japanese_and_escaped() {
        let m = mail(MailKind::Confirm, "ja");
        assert_eq!(m.subject(), "inssa ウェイトリストへの登録を確認してください");
        let text = m.text();
        assert!(text.contains("o'neil+<b>x</b>@example.com (Clubhouse @odessa.finch) を inssa"), "{text}");
        assert!(text.contains("7日後に削除"), "{text}");
        let html = m.html();
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.starts_with(r#"<!DOCTYPE html><html lang="ja">"#));
    }

    #[test]
    fn the_message_carries_list_unsubscribe_headers() {
        let from: Mailbox = "inssa <waitlist@inssa.example>".parse().unwrap();
        let mut m = mail(MailKind::Confirm, "en");
        m.email = "odessa@example.com";
        let raw = String::from_utf8(m.message(&from).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("List-Unsubscribe: <https://inssa.example/waitlist/unsubscribe?token=REMOVETOKEN>"),
            "{raw}"
        );
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
        assert!(raw.contains("From: inssa <waitlist@inssa.example>"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        // An address lettre cannot put in a header is refused, not sent.
        m.email = "bad\r\nBcc: x@example.com";
        assert!(m.message(&from).is_err());
    }
}
