//! Splits a bio into text, web links and @mentions, so a page can render
//! each as escaped text or a checked link. Nothing here produces HTML.

use domain::username::Username;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    /// An `http(s)://` URL, scheme checked.
    Link(String),
    /// `@username` of a syntactically valid username.
    Mention(Username),
}

/// Characters that end a URL in running text.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`' | '(' | ')' | '[' | ']' | '{' | '}')
}

pub fn segments(text: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let flush = |plain: &mut String, out: &mut Vec<Segment>| {
        if !plain.is_empty() {
            out.push(Segment::Text(std::mem::take(plain)));
        }
    };
    while let Some(c) = rest.chars().next() {
        let lower_head: String = rest.chars().take(8).collect::<String>().to_ascii_lowercase();
        if lower_head.starts_with("https://") || lower_head.starts_with("http://") {
            let end = rest.find(ends_url).unwrap_or(rest.len());
            let mut url = &rest[..end];
            // Sentence punctuation after a URL is not part of it.
            while let Some(last) = url.chars().last() {
                if matches!(last, '.' | ',' | '!' | '?' | ':' | ';') {
                    url = &url[..url.len() - last.len_utf8()];
                } else {
                    break;
                }
            }
            let scheme_len = if lower_head.starts_with("https://") { 8 } else { 7 };
            if url.len() > scheme_len {
                flush(&mut plain, &mut out);
                out.push(Segment::Link(url.to_owned()));
                rest = &rest[url.len()..];
                continue;
            }
        }
        let after_word = plain.chars().last().is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'));
        if c == '@' && after_word {
            let name_len = rest[1..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
                .unwrap_or(rest.len() - 1);
            let name = rest[1..1 + name_len].trim_end_matches('.');
            if let Ok(username) = Username::parse(name) {
                flush(&mut plain, &mut out);
                out.push(Segment::Mention(username));
                rest = &rest[1 + name.len()..];
                continue;
            }
        }
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut plain, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::{Segment::*, *};

    fn m(s: &str) -> Segment {
        Mention(Username::parse(s).unwrap())
    }

    #[test]
    fn finds_links_and_mentions() {
        assert_eq!(
            segments("Maps & more: https://example.com/x?y=1. Ask @twren or @bram.oy!\nBye"),
            vec![
                Text("Maps & more: ".into()),
                Link("https://example.com/x?y=1".into()),
                Text(". Ask ".into()),
                m("twren"),
                Text(" or ".into()),
                m("bram.oy"),
                Text("!\nBye".into()),
            ]
        );
    }

    #[test]
    fn never_links_other_schemes_or_emails() {
        assert_eq!(segments("javascript:alert(1)"), vec![Text("javascript:alert(1)".into())]);
        assert_eq!(segments("mail me: a@b.com"), vec![Text("mail me: a@b.com".into())]);
        assert_eq!(segments("https:// alone"), vec![Text("https:// alone".into())]);
        assert_eq!(
            segments(r#""><img src=x onerror=alert(1)>"#),
            vec![Text(r#""><img src=x onerror=alert(1)>"#.into())]
        );
    }

    #[test]
    fn urls_stop_at_markup_and_quotes() {
        assert_eq!(
            segments(r#"https://a.example/"onmouseover="x"#),
            vec![Link("https://a.example/".into()), Text(r#""onmouseover="x"#.into())]
        );
    }

    #[test]
    fn handles_unicode_text() {
        assert_eq!(segments("안녕 @민준 🗺️"), vec![Text("안녕 @민준 🗺️".into())]);
        assert_eq!(segments("🗺️@odessa.finch."), vec![Text("🗺️".into()), m("odessa.finch"), Text(".".into())]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Bios made of the pieces that matter: schemes, mentions, markup.
        fn bio() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                Just("https://".to_owned()),
                Just("HTTP://".to_owned()),
                Just("javascript:".to_owned()),
                Just("@".to_owned()),
                Just("\"><".to_owned()),
                "[a-z0-9_.]{1,12}",
                "[ .,!?:;()]{1,3}",
                any::<String>(),
            ];
            prop::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
        }

        proptest! {
            #[test]
            fn segments_lose_nothing_and_link_only_web_urls(text in bio()) {
                let parts = segments(&text);
                let mut rebuilt = String::new();
                for part in &parts {
                    match part {
                        Segment::Text(t) => {
                            prop_assert!(!t.is_empty());
                            rebuilt.push_str(t);
                        }
                        Segment::Link(url) => {
                            let lower = url.to_ascii_lowercase();
                            prop_assert!(lower.starts_with("https://") || lower.starts_with("http://"), "{}", url);
                            prop_assert!(!url.contains(['<', '>', '"', '\'', ' ']), "{}", url);
                            rebuilt.push_str(url);
                        }
                        Segment::Mention(name) => {
                            rebuilt.push('@');
                            rebuilt.push_str(name.as_str());
                        }
                    }
                }
                prop_assert_eq!(rebuilt, text);
            }
        }
    }
}
