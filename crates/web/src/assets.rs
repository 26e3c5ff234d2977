//! Front-end files embedded at build time (see `build.rs`), served under
//! content-hashed names with a year-long cache.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::routes::Routes;

pub(crate) struct Asset {
    pub name: &'static str,
    pub hashed: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The URL of an asset by its plain name, e.g. `app.css`.
pub(crate) fn url(name: &str) -> String {
    ASSETS.iter().find(|a| a.name == name).map_or_else(
        || format!("/assets/{name}"),
        |a| format!("/assets/{}", a.hashed),
    )
}

pub(crate) fn routes() -> Routes {
    Routes::new().get("/assets/{file}", serve)
}

async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.hashed == file) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
