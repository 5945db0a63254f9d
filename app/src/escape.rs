//! Escaping for the few places where Leptos does not escape for us.
//!
//! Leptos escapes text nodes and attribute values, but `leptos_meta`'s `<Title>`
//! writes its text into `<title>` verbatim during server rendering (checked in
//! leptos_meta 0.8.7, `ServerMetaContextOutput::inject_meta_context`). Every
//! title therefore goes through [`html_text`] first.

/// Escapes text for an HTML text node or a quoted attribute (`&`, `<`,
/// `>`, both quotes and `/`).
pub fn html_text(input: &str) -> String {
    html_escape::encode_safe(input).into_owned()
}

/// Escapes a value for a double-quoted attribute in HTML we write by hand
/// (`&`, `<`, `>`, `"`). Unlike [`html_text`] it leaves `/` and `'` alone,
/// so URLs stay readable in a snippet a person copies; `<` and `>` are
/// escaped as well because such a snippet is also shown inside a
/// `<textarea>`. html_escape has no function for exactly this set.
pub fn attribute(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_escape_what_can_end_them() {
        assert_eq!(attribute(r#"a"b<c>d&e/f'g"#), "a&quot;b&lt;c&gt;d&amp;e/f'g");
        assert_eq!(html_escape::decode_html_entities(&attribute(r#"</textarea>"&amp;"#)), r#"</textarea>"&amp;"#);
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            html_text(r#"</title><script>alert("x")</script> & 'y'"#),
            "&lt;&#x2F;title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; &#x27;y&#x27;"
        );
    }

    #[test]
    fn leaves_plain_text_and_unicode_alone() {
        assert_eq!(html_text("김민준 🗺️ Odessa"), "김민준 🗺️ Odessa");
    }
}
