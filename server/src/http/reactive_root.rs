//! Every request is handled with a reactive owner of its own current.
//!
//! leptos_axum's server-function handler creates its owner with
//! `Owner::new()`, which hangs it under whatever owner is current on the
//! thread, and reads contexts (`ResponseOptions` among them) up that chain:
//! the same flaw that made us serve files without Leptos (the story is in
//! `http/mod.rs`, where files are routed). Polling each request with a fresh
//! root owner current keeps server functions, and any handler added later,
//! from finding another request's contexts.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{extract::Request, middleware::Next, response::Response};
use leptos::prelude::Owner;

pub async fn fresh_reactive_root(request: Request, next: Next) -> Response {
    WithOwner { owner: Owner::new_root(None), future: Box::pin(next.run(request)) }.await
}

/// Polls `future` with `owner` current, restoring the thread's previous
/// owner after each poll.
struct WithOwner<F> {
    owner: Owner,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for WithOwner<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        this.owner.with(|| this.future.as_mut().poll(cx))
    }
}

#[cfg(test)]
mod tests {
    use leptos::prelude::{provide_context, use_context};

    use super::*;

    #[derive(Clone)]
    struct OtherRequests;

    /// What leptos_axum's handlers do: a new owner, then a context lookup.
    async fn handler_finds_another_requests_context() -> bool {
        Owner::new().with(|| use_context::<OtherRequests>().is_some())
    }

    #[test]
    fn a_handler_cannot_reach_the_owner_current_on_its_thread() {
        let other = Owner::new_root(None);
        other.with(|| provide_context(OtherRequests));
        let without = other.with(|| futures::executor::block_on(handler_finds_another_requests_context()));
        assert!(without, "without the layer the handler finds it");
        let with = other.with(|| {
            futures::executor::block_on(WithOwner {
                owner: Owner::new_root(None),
                future: Box::pin(handler_finds_another_requests_context()),
            })
        });
        assert!(!with, "with a fresh root it does not");
    }
}
