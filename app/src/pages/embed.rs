//! `/@username/embed`: a small profile card made to sit in another site's
//! iframe. A whole document of its own, outside the site's layout and
//! router: no header, no scripts (it works the same without JavaScript), no
//! cookies, and every link opens a new tab. The server (`http/embeds.rs`)
//! sends it with the only policy that lets it be framed.

use leptos::{prelude::*, tachys::html::InertElement};

use domain::profile::ProfileEntry;

use crate::i18n::Text;
use crate::share::ShareText;
use crate::{
    components::avatar::{Avatar, AvatarSize},
    escape,
    format::compact_count,
    i18n::Lang,
    prefs::Theme,
    share,
};

/// The embed's HTML. `stylesheet` is the site's `<link rel="stylesheet">`
/// tag (its hashed name), `public_url` the site's address.
pub fn render_embed(
    entry: &ProfileEntry,
    lang: Lang,
    theme: Theme,
    stylesheet: &'static str,
    public_url: &str,
) -> String {
    let p = &entry.profile;
    let text = Text::of(lang);
    let share = ShareText::of(lang);
    let username = p.username.clone().unwrap_or_default();
    let name = p.display_name().to_owned();
    let page_url = format!("{public_url}/@{username}");
    let title = format!("{name} (@{username}) {}", share.on_inssa);
    let bio = p.bio.as_deref().map(|b| b.split_whitespace().collect::<Vec<_>>().join(" ")).unwrap_or_default();
    let count = |n: Option<u64>| n.map(|n| compact_count(n, lang)).unwrap_or_else(|| "–".into());
    let counts =
        format!("{} {} · {} {}", count(p.num_followers), text.followers, count(p.num_following), text.following);
    let description = if bio.is_empty() { counts.clone() } else { bio.chars().take(200).collect() };
    let card = share::card(p, lang, public_url);
    let image = format!("{public_url}{}", share::card_path(&card, lang));
    // `property` is not an attribute Leptos's typed `<meta>` knows, so
    // these are written here, each value escaped for its quotes.
    let open_graph: String = [
        ("og:type", "profile"),
        ("og:site_name", "inssa"),
        ("og:title", title.as_str()),
        ("og:description", description.as_str()),
        ("og:url", page_url.as_str()),
        ("og:image", image.as_str()),
    ]
    .iter()
    .map(|(property, content)| format!(r#"<meta property="{property}" content="{}">"#, escape::attribute(content)))
    .collect();
    let owner = Owner::new();
    owner.with(|| {
        view! {
            <!DOCTYPE html>
            <html lang=lang.code() data-theme=theme.as_str()>
                <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <meta name="color-scheme" content="light dark" />
                    <title>{title.clone()}</title>
                    <meta name="description" content=description.clone() />
                    // Indexed as the profile page itself, which it points to.
                    <link rel="canonical" href=page_url.clone() />
                    {InertElement::new(open_graph)}
                    <meta name="twitter:card" content="summary_large_image" />
                    <meta name="twitter:image" content=image.clone() />
                    {InertElement::new(stylesheet)}
                </head>
                <body class="m-0 bg-transparent text-stone-900 antialiased dark:text-stone-100">
                    <main>
                    <article class="m-1 flex h-[206px] flex-col justify-between overflow-hidden rounded-2xl border \
                        border-stone-200 bg-white p-4 dark:border-stone-700 dark:bg-stone-900" data-testid="embed">
                        <a href=page_url.clone() target="_blank" rel="noopener" class="flex min-w-0 items-center gap-3">
                            <Avatar url=p.photo_url.clone() alt=String::new() size=AvatarSize::Medium />
                            <div class="min-w-0">
                                <h1 class="truncate text-lg font-bold" data-testid="embed-name">{name}</h1>
                                <p class="truncate text-sm text-stone-600 dark:text-stone-400">{format!("@{username}")}</p>
                            </div>
                        </a>
                        <p class="text-sm font-semibold" data-testid="embed-counts">{counts}</p>
                        <p class="line-clamp-2 text-sm break-words text-stone-700 dark:text-stone-300" data-testid="embed-bio">{bio}</p>
                        <p class="flex items-center justify-between text-sm">
                            <a href=page_url target="_blank" rel="noopener"
                                class="font-semibold text-amber-800 underline dark:text-amber-400">{share.view_on_inssa}</a>
                            <a href=format!("https://www.clubhouse.com/@{username}") target="_blank" rel="noopener noreferrer nofollow"
                                class="text-stone-600 underline dark:text-stone-400">"Clubhouse"</a>
                        </p>
                    </article>
                    </main>
                </body>
            </html>
        }
        .to_html()
    })
}
