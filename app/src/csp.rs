//! The Content-Security-Policy of every page: scripts only from our origin,
//! our own inline bootstrap script (by hash) and Leptos's per-request inline
//! scripts (by nonce); WASM allowed to compile; nothing else inline.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// `'sha256-…'` sources for every inline `<script>` in `html`.
pub fn inline_script_hashes(html: &str) -> String {
    let mut sources = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else { break };
        let body_and_rest = &after_tag[open_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else { break };
        let body = &body_and_rest[..close];
        if !body.is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            sources.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &body_and_rest[close..];
    }
    sources.join(" ")
}

/// The policy for a page. `script_hashes` covers the constant bootstrap
/// script; `nonce` the inline scripts Leptos writes per request.
pub fn page_policy(script_hashes: &str, nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' {script_hashes}{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of the embed (`/@username/embed`), the only document other
/// sites may frame: no script at all, our styles and images only.
pub const EMBED_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors *";

/// Whether a response's policy lets any site frame it (then it needs no
/// `X-Frame-Options: DENY`).
pub fn allows_framing(policy: &str) -> bool {
    policy.split(';').any(|directive| directive.trim() == "frame-ancestors *")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_each_inline_script_body() {
        let html = r#"<link rel="x"><script type="module">alert(1)</script><script src="/a.js"></script><script nonce="n">x=1</script>"#;
        // sha256("alert(1)") and sha256("x=1"), base64.
        assert_eq!(
            inline_script_hashes(html),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=' 'sha256-HyBrEcI+KMwlDe1/wAmNOCOoRnpUNA8axOU1y4VEST8='"
        );
    }

    #[test]
    fn the_policy_allows_nothing_inline_but_what_it_names() {
        let policy = page_policy("'sha256-abc'", Some("n0nce"));
        assert!(policy.contains("script-src 'self' 'sha256-abc' 'nonce-n0nce' 'wasm-unsafe-eval';"), "{policy}");
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("style-src 'self';"));
    }
}
