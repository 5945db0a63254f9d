//! `/about`: what inssa is, what it keeps and for how long, how to have it
//! removed, whether Clubhouse answers right now, and the running commit.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

use locales::Arg;

use crate::{escape, i18n::Text, prefs::use_prefs, server_data::services};

#[component]
pub fn AboutPage() -> impl IntoView {
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    let services = services();
    let site = services.site.clone();
    let days = Arg::from(site.history_retention.as_secs() / 86_400);
    let hours = Arg::from(site.unconfirmed_signups_kept.as_secs() / 3600);
    let status = upstream_status(text, &services.profiles.upstream().health());
    let mailto = format!("mailto:{}", site.contact_email);
    view! {
        <Title text=escape::html_text(&format!("{} · inssa", text.about_title)) />
        <Meta name="description" content=text.about_description />
        <Link rel="canonical" href=format!("{}/about", site.public_url) />
        <article class="space-y-8 leading-relaxed" data-testid="about">
            <h1 class="text-3xl font-bold">{text.about_title}</h1>
            <section class="space-y-2">
                <h2 class="text-xl font-semibold">{text.about_what_heading}</h2>
                <p>{text.about_what_body}</p>
            </section>
            <section class="space-y-2">
                <h2 class="text-xl font-semibold">{text.about_stored_heading}</h2>
                <ul class="list-disc space-y-2 pl-6">
                    <li data-testid="about-profiles">{text.about_profiles}</li>
                    <li data-testid="about-history">{lang.format("about-history", &[("days", days)])}</li>
                    <li data-testid="about-waitlist">{lang.format("about-waitlist", &[("hours", hours)])}</li>
                    <li>{text.about_logs}</li>
                </ul>
            </section>
            <section class="space-y-2">
                <h2 class="text-xl font-semibold">{text.about_removal_heading}</h2>
                <p>{text.about_removal_body}</p>
                <p>
                    <a href=mailto class="text-amber-700 underline dark:text-amber-400" data-testid="about-contact">
                        {site.contact_email.clone()}
                    </a>
                </p>
            </section>
            <section class="space-y-2">
                <h2 class="text-xl font-semibold">{text.about_status_heading}</h2>
                <p data-testid="about-upstream">{status}</p>
            </section>
            <p class="text-sm text-stone-600 dark:text-stone-400">
                {format!("{}: ", text.about_version)}<code data-testid="about-version">{site.version}</code>
            </p>
        </article>
    }
}

/// The upstream's state in one sentence a visitor understands.
fn upstream_status(text: &'static Text, health: &services::upstream::UpstreamHealth) -> &'static str {
    if !health.healthy {
        text.upstream_refused
    } else if health.limiter.pause_reason.is_some()
        || (health.consecutive_failures > 0 && health.last_error > health.last_success)
    {
        text.upstream_limited
    } else if health.last_success.is_none() && health.last_error.is_none() {
        text.upstream_no_calls
    } else {
        text.upstream_ok
    }
}
