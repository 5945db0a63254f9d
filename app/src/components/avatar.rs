use leptos::prelude::*;

use crate::format::proxied_image;

/// Shown when a person has no photo, or it is not a web URL.
pub const PLACEHOLDER_AVATAR: &str = "/avatar-placeholder.svg";

/// A round picture through our image proxy: pages never hot-link Clubhouse.
#[component]
pub fn Avatar(url: Option<String>, alt: String, #[prop(default = 64)] size: u32) -> impl IntoView {
    let src = url.as_deref().and_then(proxied_image).unwrap_or_else(|| PLACEHOLDER_AVATAR.to_owned());
    view! {
        <img
            src=src
            alt=alt
            width=size
            height=size
            loading="lazy"
            decoding="async"
            referrerpolicy="no-referrer"
            class="shrink-0 rounded-full bg-stone-200 object-cover dark:bg-stone-800"
            style=format!("width:{size}px;height:{size}px")
        />
    }
}
