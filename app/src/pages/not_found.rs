use leptos::prelude::*;

use crate::i18n::Text;
use crate::{components::message::MessagePage, prefs::use_prefs, server_data::set_status};

/// The page for any address we do not serve, with a real 404 status.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_status(404);
    let lang = use_prefs().lang;
    let text = Text::of(lang);
    view! { <MessagePage lang title=text.not_found_title body=text.not_found_body testid="not-found" home_link=true /> }
}
