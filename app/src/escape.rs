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

#[cfg(test)]
mod tests {
    use super::*;

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
