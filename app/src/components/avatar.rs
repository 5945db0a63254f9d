use leptos::prelude::*;

use crate::format::proxied_image;

/// Shown when a person has no photo, or it is not a web URL.
pub const PLACEHOLDER_AVATAR: &str = "/avatar-placeholder.svg";

/// The sizes pages use. Classes rather than a `style` attribute, which the
/// Content-Security-Policy (`style-src 'self'`) would block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AvatarSize {
    /// 40 px: nominators and clubs.
    Small,
    /// 48 px: search results and lists.
    Medium,
    /// 112 px: the profile's own photo.
    Large,
}

impl AvatarSize {
    fn pixels(self) -> u32 {
        match self {
            AvatarSize::Small => 40,
            AvatarSize::Medium => 48,
            AvatarSize::Large => 112,
        }
    }

    /// Full class names, so Tailwind finds them in this file.
    fn class(self) -> &'static str {
        match self {
            AvatarSize::Small => "size-10",
            AvatarSize::Medium => "size-12",
            AvatarSize::Large => "size-28",
        }
    }
}

/// A round picture through our image proxy: pages never hot-link Clubhouse.
#[component]
pub fn Avatar(url: Option<String>, alt: String, size: AvatarSize) -> impl IntoView {
    let src = url.as_deref().and_then(proxied_image).unwrap_or_else(|| PLACEHOLDER_AVATAR.to_owned());
    let pixels = size.pixels();
    view! {
        <img
            src=src
            alt=alt
            width=pixels
            height=pixels
            loading="lazy"
            decoding="async"
            referrerpolicy="no-referrer"
            class=format!("shrink-0 rounded-full bg-stone-200 object-cover dark:bg-stone-800 {}", size.class())
        />
    }
}
