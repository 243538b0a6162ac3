//! `GET /openapi.json`: the OpenAPI 3.1 document of the API, made from the code. Each route is
//! registered together with its handler's `#[utoipa::path]` (utoipa-axum's `routes!`), so the
//! router and the document list the same endpoints; each body's schema is its type's
//! `ToSchema` (derived, or written beside a hand-written `Serialize` to say what it writes).

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// What the document says of the whole API; the paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "groupmatch",
        description = "Ranks support groups for a person in addiction recovery, explains a ranking, \
                       and matches a waitlist to the seats of a directory (docs/serve.md). Person \
                       data travels only in POST bodies, never in a URL.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0")
    ),
    modifiers(&Bearer),
    tags(
        (name = "rank", description = "One person: rank and explain"),
        (name = "match", description = "A waitlist: match, and poll a match job"),
        (name = "directory", description = "The directory, and checking documents"),
        (name = "service", description = "Health, readiness, metrics, reload, this document"),
        (name = "page", description = "The staff page and its files")
    )
)]
pub(super) struct Api;

/// The bearer scheme every endpoint but the open ones names.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A token made by `groupmatch token add --role ROLE`. Roles, each allowing what \
                 the ones below it allow: `read` (rank, explain, groups, validate, metrics), \
                 `match` (match and its jobs), `admin` (reload). Each endpoint says the role it \
                 needs; 401 without a valid token, 403 for a lower role.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document of every route of [`super::router`].
pub fn document() -> utoipa::openapi::OpenApi {
    super::routes().into_openapi()
}

/// The document as JSON, made once.
static DOCUMENT: LazyLock<Bytes> = LazyLock::new(|| {
    // Strings, numbers and maps with string keys: writing them cannot fail.
    Bytes::from(serde_json::to_vec(&document()).expect("an OpenAPI document is JSON"))
});

/// This document: every endpoint, what it reads, and every status it answers with its body.
///
/// Open: no token.
#[utoipa::path(get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json() -> Response {
    let json = HeaderValue::from_static("application/json");
    ([(header::CONTENT_TYPE, json)], DOCUMENT.clone()).into_response()
}
