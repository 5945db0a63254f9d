//! Escaping for the few places where Leptos does not escape for us.
//!
//! Leptos escapes text nodes and attribute values, but `leptos_meta`'s `<Title>`
//! writes its text into `<title>` verbatim during server rendering (checked in
//! leptos_meta 0.8.7, `ServerMetaContextOutput::inject_meta_context`). Every
//! title therefore goes through [`html_text`] first.

/// Escapes text for an HTML text node or a double-quoted attribute.
pub fn html_text(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            html_text(r#"</title><script>alert("x")</script> & 'y'"#),
            "&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn leaves_plain_text_and_unicode_alone() {
        assert_eq!(html_text("김민준 🗺️ Odessa"), "김민준 🗺️ Odessa");
    }
}
