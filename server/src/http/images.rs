//! `/img?src=…`: the avatar proxy. Pages never hot-link Clubhouse's image
//! hosts; `services::images` fetches from an allow-list only, and browsers
//! and the edge may cache the result for a week.

use axum::{
    body::Body,
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::SharedState;
use services::images::ImageError;

#[derive(Deserialize)]
pub struct ImageQuery {
    src: String,
}

pub async fn proxy_image(State(state): State<SharedState>, Query(query): Query<ImageQuery>) -> Response {
    let image = match state.services.images.fetch(&query.src).await {
        Ok(image) => image,
        Err(error) => {
            let status = match error {
                ImageError::NotAllowed => StatusCode::BAD_REQUEST,
                ImageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
                ImageError::NotFound => StatusCode::NOT_FOUND,
                ImageError::Unavailable | ImageError::NotAnImage | ImageError::TooLarge => StatusCode::BAD_GATEWAY,
            };
            let mut response = (status, [(header::CACHE_CONTROL, "no-store")], error.to_string()).into_response();
            if error == ImageError::Busy {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            return response;
        }
    };
    let mut response = Response::new(Body::from(image.bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&image.content_type).unwrap_or(HeaderValue::from_static("image/png")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=604800, immutable"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    response
}
