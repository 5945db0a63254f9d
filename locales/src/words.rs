//! The words: each language's Fluent file, loaded once.

use std::{borrow::Cow, collections::HashMap, sync::LazyLock};

use fluent_bundle::{concurrent::FluentBundle, FluentArgs, FluentResource};

pub use fluent_bundle::FluentValue as Arg;

use crate::{Lang, CODES};

/// Each language's code and Fluent file, in [`Lang::ALL`]'s order.
const FILES: [&str; 3] = [include_str!("../ftl/en.ftl"), include_str!("../ftl/ko.ftl"), include_str!("../ftl/ja.ftl")];

struct Words {
    bundle: FluentBundle<FluentResource>,
    /// Every message without arguments, formatted once: pages use them as
    /// `&'static str` like literals. They live as long as the process,
    /// which holds each language's words once.
    plain: HashMap<&'static str, &'static str>,
    /// `compact-units`, parsed once: counts are formatted on every page.
    compact_units: Vec<(&'static str, u32)>,
}

static WORDS: LazyLock<Vec<Words>> =
    LazyLock::new(|| CODES.iter().zip(FILES).map(|(code, source)| load(code, source)).collect());

fn load(code: &str, source: &'static str) -> Words {
    // The files are part of the program: a syntax error is a bug the unit
    // tests catch, not a condition to recover from.
    let resource = FluentResource::try_new(source.to_owned())
        .unwrap_or_else(|(_, errors)| panic!("locales/ftl/{code}.ftl does not parse: {errors:?}"));
    let mut bundle = FluentBundle::new_concurrent(vec![code.parse().expect("a language code")]);
    // No Unicode isolation marks around arguments: every argument here is
    // a number, a date or a name the page already isolates where needed.
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).unwrap_or_else(|errors| panic!("locales/ftl/{code}.ftl: {errors:?}"));
    let mut plain = HashMap::new();
    for id in message_ids(source) {
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else { continue };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, None, &mut errors).into_owned();
        // Messages that need arguments are formatted per call instead.
        if errors.is_empty() {
            plain.insert(id, &*Box::leak(text.into_boxed_str()));
        }
    }
    let compact_units = plain
        .get("compact-units")
        .map(|units| {
            units
                .split_whitespace()
                .filter_map(|unit| {
                    let (symbol, power) = unit.rsplit_once(':')?;
                    Some((symbol, power.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    Words { bundle, plain, compact_units }
}

impl Lang {
    fn words(self) -> &'static Words {
        &WORDS[self.index()]
    }
}

impl Lang {
    /// The name of the language in that language, for the switcher.
    pub fn native_name(self) -> &'static str {
        self.word("language-name")
    }

    /// Open Graph's locale (`en_US`).
    pub fn og_locale(self) -> &'static str {
        self.word("og-locale")
    }

    /// A message without arguments. A message missing from this language
    /// falls back to English, and to "…" (logged) if English lacks it too
    /// (the unit tests make sure neither happens).
    pub fn word(self, id: &str) -> &'static str {
        self.words().plain.get(id).or_else(|| Lang::En.words().plain.get(id)).copied().unwrap_or_else(|| {
            tracing::error!(lang = self.code(), id, "missing message");
            "…"
        })
    }

    /// A message with arguments: `lang.format("search-count", &[("n", 3.into())])`.
    pub fn format(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        for words in [self.words(), Lang::En.words()] {
            let Some(pattern) = words.bundle.get_message(id).and_then(|m| m.value()) else { continue };
            let mut errors = Vec::new();
            let text: Cow<str> = words.bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            if !errors.is_empty() {
                tracing::error!(lang = self.code(), id, ?errors, "message formatted with errors");
            }
            return text.into_owned();
        }
        tracing::error!(lang = self.code(), id, "missing message");
        "…".to_owned()
    }

    /// Whether [`Lang::word`] finds `id` in this language itself: a
    /// message that formats without arguments.
    pub fn has_word(self, id: &str) -> bool {
        self.words().plain.contains_key(id)
    }

    /// The ids of the messages English has and this language lacks.
    pub fn missing_messages(self) -> Vec<&'static str> {
        let mine = &self.words().bundle;
        let mut missing: Vec<&'static str> =
            message_ids(FILES[0]).into_iter().filter(|id| !mine.has_message(id)).collect();
        missing.sort_unstable();
        missing
    }

    /// Compact-count units, smallest first: (unit, power of ten).
    pub fn compact_units(self) -> &'static [(&'static str, u32)] {
        &self.words().compact_units
    }
}

fn message_ids(source: &'static str) -> Vec<&'static str> {
    source
        .lines()
        .filter_map(|line| {
            let (id, _) = line.split_once(" =")?;
            (id.starts_with(|c: char| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .then_some(id)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message_and_they_all_format() {
        assert!(message_ids(FILES[0]).len() > 150);
        for lang in Lang::ALL {
            assert_eq!(lang.missing_messages(), Vec::<&str>::new(), "{}", lang.code());
            // Every message without arguments formats cleanly.
            assert!(lang.words().plain.len() > 140, "{}: {}", lang.code(), lang.words().plain.len());
            // And the other way: no language has messages English lacks.
            let english = message_ids(FILES[0]);
            for id in message_ids(FILES[lang.index()]) {
                assert!(english.contains(&id), "{} has {id}, English does not", lang.code());
            }
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let n = |n: u64| [("n", Arg::from(n))];
        assert_eq!(Lang::En.format("minutes-ago", &n(1)), "1 minute ago");
        assert_eq!(Lang::En.format("minutes-ago", &n(5)), "5 minutes ago");
        assert_eq!(Lang::Ko.format("hours-ago", &n(1)), "1시간 전");
        assert_eq!(Lang::Ja.format("days-ago", &n(2)), "2日前");
        let count = |n: u64| [("n", Arg::from(n)), ("count", Arg::from(n.to_string()))];
        assert_eq!(Lang::En.format("search-count", &count(1)), "1 person found");
        assert_eq!(Lang::En.format("search-count", &count(20)), "20 people found");
        assert_eq!(Lang::Ja.format("search-count", &count(20)), "20人が見つかりました");
    }

    #[test]
    fn names_units_and_locales() {
        assert_eq!(Lang::Ja.native_name(), "日本語");
        assert_eq!(Lang::Ko.og_locale(), "ko_KR");
        assert_eq!(Lang::En.compact_units(), [("K", 3), ("M", 6), ("B", 9)]);
        assert_eq!(Lang::Ja.compact_units(), [("万", 4), ("億", 8)]);
    }
}
