//! inssa's languages: which there are, how a visitor's is chosen, and their
//! words, dates and counts, from one Fluent file per language in `ftl/`
//! (Project Fluent's `fluent-bundle`, so plural rules and selectors are the
//! library's, not ours). Adding a language is adding its file and its line
//! in [`Lang`]; a test checks every file has every message of English.
//!
//! The pages, the feeds and the mails all take their words from here; the
//! browser's islands get theirs as props: the WASM build has only [`Lang`]
//! (feature `words`, which the server turns on, adds the rest).

use serde::{Deserialize, Serialize};

#[cfg(feature = "words")]
mod words;
#[cfg(feature = "words")]
pub use words::Arg;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ko,
    Ja,
}

/// Each language's code, in [`Lang::ALL`]'s order.
pub(crate) const CODES: [&str; 3] = ["en", "ko", "ja"];

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ko, Lang::Ja];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The BCP 47 code used in `<html lang>`, cookies and query strings.
    pub fn code(self) -> &'static str {
        CODES[self.index()]
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim();
        Lang::ALL.into_iter().find(|lang| lang.code().eq_ignore_ascii_case(code))
    }

    /// Picks the visitor's language from an `Accept-Language` header: the
    /// supported language with the highest q-value, English when none matches.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(Lang, f32)> = None;
        for item in accept_language.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::from_code(primary) else { continue };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
                best = Some((lang, q));
            }
        }
        best.map(|(lang, _)| lang).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code(" JA "), Some(Lang::Ja));
        assert_eq!(Lang::from_code("xx"), None);
    }

    #[test]
    fn negotiates_by_quality() {
        assert_eq!(Lang::negotiate("ko-KR,ko;q=0.9,en-US;q=0.8"), Lang::Ko);
        assert_eq!(Lang::negotiate("en-US,en;q=0.9,ko;q=0.8"), Lang::En);
        assert_eq!(Lang::negotiate("fr-FR, ko;q=0.5"), Lang::Ko);
        assert_eq!(Lang::negotiate("en;q=0.1, ko;q=0.7"), Lang::Ko);
        assert_eq!(Lang::negotiate("ja-JP,ja;q=0.9,en;q=0.5"), Lang::Ja);
    }

    #[test]
    fn falls_back_to_english() {
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("fr, de;q=0.5"), Lang::En);
        assert_eq!(Lang::negotiate("ko;q=0"), Lang::En);
        assert_eq!(Lang::negotiate(";;;,,,q=x"), Lang::En);
    }
}
