//! Makes rendered pages valid HTML, in this one place.
//!
//! Leptos writes two things an HTML parser reports as errors:
//! - `<!>` markers between adjacent text nodes and after every list, which
//!   hydration uses to find nodes again. In islands mode only the islands
//!   hydrate, so outside `<leptos-island>` the markers serve nothing. A view
//!   can avoid the text ones (one `format!` instead of two texts), but not
//!   the ones lists end with: tachys writes them for every `Vec` it renders.
//! - Its resource scripts (`__RESOLVED_RESOURCES`, `__INCOMPLETE_CHUNKS`),
//!   written after `</html>` once the page is complete.
//!
//! Neither can be switched off in Leptos 0.8, so pages are tidied as text
//! after rendering: markers outside islands are dropped, and whatever
//! follows `</html>` moves to the end of `<body>`. Inside islands, tags
//! (attribute values), comments and raw-text elements (`script`, `style`,
//! `textarea`, `title`) nothing is touched. The page cache sits outside this
//! layer, so a kept page is tidied once.

use std::borrow::Cow;

use axum::{
    body::Body,
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Far above any page we render (the largest, a long history, is ~200 KB).
const MAX_PAGE_BYTES: usize = 8 << 20;

pub async fn tidy_pages(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !html || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "a page's body failed while it was rendered");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    match tidy(text) {
        Cow::Borrowed(_) => Response::from_parts(parts, Body::from(bytes)),
        Cow::Owned(tidied) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(tidied))
        }
    }
}

/// The page with markers outside islands removed and anything after
/// `</html>` moved into `<body>`.
pub fn tidy(html: &str) -> Cow<'_, str> {
    let (document, trailing) = match html.rfind("</html>") {
        Some(end) => html.split_at(end + "</html>".len()),
        None => (html, ""),
    };
    if !document.contains("<!>") && trailing.trim().is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    drop_markers(document, &mut out);
    let trailing = trailing.trim();
    if !trailing.is_empty() {
        match out.rfind("</body>") {
            Some(body_end) => out.insert_str(body_end, trailing),
            None => out.push_str(trailing),
        }
    }
    Cow::Owned(out)
}

/// Elements whose content is text up to their end tag, never markup.
const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "title"];

fn drop_markers(html: &str, out: &mut String) {
    let bytes = html.as_bytes();
    let mut islands = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            let next = html[i..].find('<').map_or(bytes.len(), |n| i + n);
            out.push_str(&html[i..next]);
            i = next;
            continue;
        }
        let rest = &html[i..];
        if rest.starts_with("<!>") {
            if islands > 0 {
                out.push_str("<!>");
            }
            i += 3;
            continue;
        }
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(bytes.len(), |n| i + n + 3);
            out.push_str(&html[i..end]);
            i = end;
            continue;
        }
        let end = tag_end(html, i);
        let tag = &html[i..end];
        out.push_str(tag);
        i = end;
        let name: String =
            tag[1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '/').collect();
        match name.to_ascii_lowercase().as_str() {
            "leptos-island" => islands += 1,
            "/leptos-island" => islands = islands.saturating_sub(1),
            raw if RAW_TEXT.contains(&raw) && !tag.ends_with("/>") => {
                let close = format!("</{raw}");
                let text_end = find_ignore_case(&html[i..], &close).map_or(bytes.len(), |n| i + n);
                out.push_str(&html[i..text_end]);
                i = text_end;
            }
            _ => {}
        }
    }
}

/// The index just past the `>` closing the tag that starts at `start`,
/// skipping `>` inside quoted attribute values.
fn tag_end(html: &str, start: usize) -> usize {
    let mut quote: Option<u8> = None;
    for (offset, &b) in html.as_bytes()[start + 1..].iter().enumerate() {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return start + 1 + offset + 1,
            (None, _) => {}
        }
    }
    html.len()
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn markers_go_outside_islands_and_stay_inside() {
        let page = r#"<!DOCTYPE html><html><head><title>a<!>b</title></head><body><p>@<!>name</p><ul><li>x</li><!></ul><leptos-island data-component="x"><p>a<!>b</p></leptos-island><!></body></html>"#;
        assert_eq!(
            tidy(page),
            r#"<!DOCTYPE html><html><head><title>a<!>b</title></head><body><p>@name</p><ul><li>x</li></ul><leptos-island data-component="x"><p>a<!>b</p></leptos-island></body></html>"#
        );
    }

    #[test]
    fn attribute_values_comments_and_raw_text_are_not_touched() {
        let page = concat!(
            r#"<html><body><meta content="x<!>y>z"><a title='<!>'>t</a><!-- <!> -->"#,
            r#"<script>let s = "<!>";</script><textarea><!></textarea><STYLE>a{}/*<!>*/</STYLE><p><!></p></body></html>"#
        );
        let tidied = tidy(page);
        assert_eq!(tidied.matches("<!>").count(), 6, "{tidied}");
        assert!(tidied.ends_with("<p></p></body></html>"), "{tidied}");
    }

    #[test]
    fn scripts_after_the_document_move_into_the_body() {
        let page = r#"<html><body><p>x</p></body></html><script nonce="n">__RESOLVED_RESOURCES=[];</script><script>b()</script>"#;
        assert_eq!(
            tidy(page),
            r#"<html><body><p>x</p><script nonce="n">__RESOLVED_RESOURCES=[];</script><script>b()</script></body></html>"#
        );
    }

    #[test]
    fn a_clean_page_is_returned_as_it_is() {
        let page = "<html><body><p>a &lt;!&gt; b</p></body></html>";
        assert!(matches!(tidy(page), std::borrow::Cow::Borrowed(_)));
    }
}
