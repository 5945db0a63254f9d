use leptos::prelude::*;

use domain::{profile::ProfileCard, username::Username};

use crate::components::avatar::{Avatar, AvatarSize};

/// People as links to their pages (search results, recently viewed).
#[component]
pub fn PersonList(people: Vec<ProfileCard>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-stone-200 dark:divide-stone-800" data-testid="person-list">
            {people
                .into_iter()
                .filter_map(|card| {
                    let username = Username::parse(&card.username).ok()?;
                    let name = card.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| username.to_string());
                    let bio = card.bio.clone().unwrap_or_default();
                    Some(view! {
                        <li>
                            <a href=username.page_path() class="flex items-center gap-3 py-3 hover:bg-stone-100 dark:hover:bg-stone-900">
                                <Avatar url=card.photo_url.clone() alt=name.clone() size=AvatarSize::Medium />
                                <span class="min-w-0">
                                    <span class="block font-semibold">{name}</span>
                                    <span class="block text-sm text-stone-600 dark:text-stone-400">"@"{username.to_string()}</span>
                                    <span class="block truncate text-sm text-stone-600 dark:text-stone-400">{bio}</span>
                                </span>
                            </a>
                        </li>
                    })
                })
                .collect_view()}
        </ul>
    }
}
