//! The waitlist's mails, in the signup's language: plain text and HTML,
//! every address and name escaped in the HTML, and the removal link in the
//! `List-Unsubscribe` headers (RFC 2369, one-click per RFC 8058).

use lettre::message::{
    header::{ContentType, HeaderName, HeaderValue},
    Mailbox, MultiPart, SinglePart,
};
use lettre::Message;

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

struct Words {
    confirm_subject: &'static str,
    listed_subject: &'static str,
    greeting: &'static str,
    /// `{email}` and `{who}` are replaced.
    confirm_asked: &'static str,
    as_user: &'static str,
    confirm_button: &'static str,
    confirm_ignore: &'static str,
    listed_body: &'static str,
    remove_lead: &'static str,
    remove_button: &'static str,
    signature: &'static str,
}

const EN: Words = Words {
    confirm_subject: "Confirm your place on the inssa waitlist",
    listed_subject: "You are already on the inssa waitlist",
    greeting: "Hello,",
    confirm_asked: "Someone, hopefully you, asked to put {email}{who} on the inssa waitlist.",
    as_user: " (Clubhouse @{username})",
    confirm_button: "Confirm my address",
    confirm_ignore: "Not you? Ignore this mail: an unconfirmed signup is deleted after {days} days.",
    listed_body: "Someone asked to put {email} on the inssa waitlist. It is already on it, and nothing has changed.",
    remove_lead: "To take the address off the list, now or later:",
    remove_button: "Leave the waitlist",
    signature: "inssa",
};

const KO: Words = Words {
    confirm_subject: "inssa 대기자 명단 등록을 확인해 주세요",
    listed_subject: "이미 inssa 대기자 명단에 있습니다",
    greeting: "안녕하세요,",
    confirm_asked: "{email}{who} 주소를 inssa 대기자 명단에 등록하라는 요청이 있었습니다.",
    as_user: " (클럽하우스 @{username})",
    confirm_button: "주소 확인하기",
    confirm_ignore: "본인이 아니라면 이 메일을 무시하세요. 확인되지 않은 등록은 {days}일 후에 삭제됩니다.",
    listed_body:
        "{email} 주소를 inssa 대기자 명단에 등록하라는 요청이 있었습니다. 이미 명단에 있으며 바뀐 것은 없습니다.",
    remove_lead: "지금이나 나중에 명단에서 빼려면:",
    remove_button: "대기자 명단에서 나가기",
    signature: "inssa",
};

fn words(lang: &str) -> &'static Words {
    match lang {
        "ko" => &KO,
        _ => &EN,
    }
}

impl WaitlistMail<'_> {
    pub fn subject(&self) -> &'static str {
        match self.kind {
            MailKind::Confirm => words(self.lang).confirm_subject,
            MailKind::AlreadyListed => words(self.lang).listed_subject,
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
        let w = words(self.lang);
        let template = match self.kind {
            MailKind::Confirm => w.confirm_asked,
            MailKind::AlreadyListed => w.listed_body,
        };
        let who = match (self.kind, self.username) {
            (MailKind::Confirm, Some(name)) => w.as_user.replace("{username}", &escape(name)),
            _ => String::new(),
        };
        template.replace("{who}", &who).replace("{email}", &escape(self.email))
    }

    pub fn text(&self) -> String {
        let w = words(self.lang);
        let mut text = format!("{}\n\n{}\n\n", w.greeting, self.opening(|s| s.to_owned()));
        if let Some(url) = self.confirm_url() {
            text += &format!("{}:\n{url}\n\n{}\n\n", w.confirm_button, self.ignore_line());
        }
        text += &format!("{}\n{}\n\n-- \n{}\n", w.remove_lead, self.leave_url(), w.signature);
        text
    }

    fn ignore_line(&self) -> String {
        words(self.lang).confirm_ignore.replace("{days}", &self.expires_in_days.to_string())
    }

    pub fn html(&self) -> String {
        let w = words(self.lang);
        let escape = |s: &str| html_escape::encode_safe(s).into_owned();
        let attr = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
        let button = |url: &str, label: &str, colour: &str| {
            format!(
                r#"<p><a href="{}" style="display:inline-block;padding:10px 16px;border-radius:10px;background:{colour};color:#ffffff;font-weight:600;text-decoration:none">{}</a></p>"#,
                attr(url),
                escape(label)
            )
        };
        let mut body = format!("<p>{}</p><p>{}</p>", escape(w.greeting), self.opening(escape));
        if let Some(url) = self.confirm_url() {
            body += &button(&url, w.confirm_button, "#92400e");
            body += &format!("<p>{}</p>", escape(&self.ignore_line()));
        }
        body += &format!(
            r#"<p style="color:#57534e">{} <a href="{}" style="color:#92400e">{}</a></p><p>&mdash; {}</p>"#,
            escape(w.remove_lead),
            attr(&self.leave_url()),
            escape(w.remove_button),
            escape(w.signature)
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
