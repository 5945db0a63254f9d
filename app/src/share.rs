//! What sharing a profile needs, the same for the page (its meta tags and
//! share box), the card, the embed and oEmbed: the card's contents and
//! address, the embed's address and its iframe snippet, and their words.
//! Server only (the words stay out of the WASM bundle).

use domain::model::Profile;
use services::cards::{Card, HEIGHT, WIDTH};

use crate::i18n::{words, Text};
use crate::{
    escape,
    format::{compact_count, query_value},
    i18n::Lang,
};

/// The embed's size in the iframe snippet (CSS pixels). It fits a phone.
pub const EMBED_WIDTH: u32 = 400;
pub const EMBED_HEIGHT: u32 = 216;
/// The narrowest the embed still reads well; oEmbed's `maxwidth` below it is refused.
pub const EMBED_MIN_WIDTH: u32 = 280;
pub const CARD_WIDTH: u32 = WIDTH;
pub const CARD_HEIGHT: u32 = HEIGHT;

words!(
    /// The share box's, the card's and the embed's words in one language.
    ShareText, "share-", {
        title,
        link,
        embed,
        embed_hint,
        card,
        view_on_inssa,
        on_inssa,
    }
);

/// What the card of `profile` shows in `lang`. `public_url` is the site's
/// address (`https://inssa.club`).
pub fn card(profile: &Profile, lang: Lang, public_url: &str) -> Card {
    let text = Text::of(lang);
    let username = profile.username.clone().unwrap_or_default();
    let count = |n: Option<u64>| n.map(|n| compact_count(n, lang)).unwrap_or_else(|| "–".into());
    let host = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    Card {
        name: profile.display_name().to_owned(),
        bio: profile.bio.clone().unwrap_or_default(),
        // Only web addresses are fetched (the fetcher checks its allow-list too).
        photo_url: profile
            .photo_url
            .clone()
            .filter(|u| u.trim().to_ascii_lowercase().starts_with("https://") || u.trim().starts_with("http://")),
        followers: count(profile.num_followers),
        followers_label: text.followers.to_owned(),
        following: count(profile.num_following),
        following_label: text.following.to_owned(),
        site_name: "inssa".to_owned(),
        site_address: format!("{host}/@{username}"),
        username,
    }
}

/// The card's versioned address (site-relative): it names exactly what
/// is drawn, so it may be cached for a year.
pub fn card_path(card: &Card, lang: Lang) -> String {
    format!("/@{}/card.png?v={}&lang={}", card.username, card.token(), lang.code())
}

/// The card's description for `og:image:alt`.
pub fn card_alt(card: &Card) -> String {
    format!(
        "{} (@{}): {} {}, {} {}",
        card.name, card.username, card.followers, card.followers_label, card.following, card.following_label
    )
}

pub fn embed_url(public_url: &str, username: &str, lang: Lang) -> String {
    format!("{public_url}/@{username}/embed?lang={}", lang.code())
}

/// The oEmbed discovery address of a profile page.
pub fn oembed_url(public_url: &str, page_url: &str) -> String {
    format!("{public_url}/oembed?url={}&format=json", query_value(page_url))
}

/// The HTML a site pastes to show the embed, every value escaped, `<`
/// included: the snippet is shown inside a `<textarea>`, where a raw
/// `</textarea>` in a name would end it.
pub fn iframe_snippet(public_url: &str, username: &str, name: &str, lang: Lang, width: u32) -> String {
    let attr = escape::attribute;
    format!(
        r#"<iframe src="{}" width="{width}" height="{EMBED_HEIGHT}" title="{}" loading="lazy" style="border:0;max-width:100%"></iframe>"#,
        attr(&embed_url(public_url, username, lang)),
        attr(&format!("{name} (@{username}) {}", ShareText::of(lang).on_inssa)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_a_message_of_every_language() {
        for lang in Lang::ALL {
            assert_eq!(ShareText::missing_in(lang), Vec::<String>::new(), "{lang:?}");
        }
    }

    #[test]
    fn the_snippet_escapes_what_it_quotes() {
        let html = iframe_snippet("https://inssa.club", "a_b", "\"></textarea><script>x</script>", Lang::En, 400);
        let title = html.split("title=\"").nth(1).unwrap().split('"').next().unwrap();
        assert!(!title.contains('<') && !title.contains('>'), "{html}");
        assert_eq!(html_escape::decode_html_entities(title), "\"></textarea><script>x</script> (@a_b) on inssa");
        assert!(html.starts_with(r#"<iframe src="https://inssa.club/@a_b/embed?lang=en" width="400" height="216""#));
    }

    #[test]
    fn the_card_takes_the_page_language_and_only_web_photos() {
        let profile: Profile = serde_json::from_str(
            r#"{"user_id": 1, "username": "rohan", "name": "Rohan", "num_followers": 12840, "photo_url": "javascript:alert(1)"}"#,
        )
        .unwrap();
        let ko = card(&profile, Lang::Ko, "https://inssa.club");
        assert_eq!((ko.followers.as_str(), ko.following.as_str()), ("1.3만", "–"));
        assert_eq!(ko.site_address, "inssa.club/@rohan");
        assert_eq!(ko.photo_url, None);
        assert_ne!(ko.token(), card(&profile, Lang::En, "https://inssa.club").token());
        assert!(card_path(&ko, Lang::Ko).starts_with("/@rohan/card.png?v="));
    }
}
