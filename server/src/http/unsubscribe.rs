//! `/waitlist/unsubscribe?token=…`: the address in every waitlist mail's
//! `List-Unsubscribe` header. Mail clients POST `List-Unsubscribe=One-Click`
//! to it (RFC 8058) from their own servers, so there is no Origin to check:
//! the unguessable token is the authority. A GET never removes anything
//! (link scanners fetch every URL in a mail); it leads to the page with the
//! button.

use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;
use services::waitlist::LinkOutcome;

use super::{people::plain, SharedState};

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct OneClickBody {
    #[serde(default, rename = "List-Unsubscribe")]
    list_unsubscribe: String,
}

pub async fn one_click(
    State(state): State<SharedState>,
    Query(query): Query<TokenQuery>,
    Form(body): Form<OneClickBody>,
) -> Response {
    if body.list_unsubscribe != "One-Click" {
        return plain(StatusCode::BAD_REQUEST, "expected the body List-Unsubscribe=One-Click (RFC 8058)");
    }
    match state.services.waitlist.leave(query.token.trim()).await {
        // The same answer for any token: tokens cannot be probed.
        Ok(LinkOutcome::Done | LinkOutcome::Unknown) => plain(StatusCode::OK, "This address is off the waitlist."),
        Err(_) => {
            let mut res = plain(StatusCode::SERVICE_UNAVAILABLE, "Please try again in a minute.");
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
            res
        }
    }
}

/// A browser that opened the header's address: the page with the button.
pub async fn page(Query(query): Query<TokenQuery>) -> impl IntoResponse {
    let token: String = query.token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    Redirect::to(&format!("/waitlist/leave?token={token}"))
}
