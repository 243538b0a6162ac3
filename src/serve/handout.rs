//! `POST /v1/handout`: the printable handout for a person and the groups they chose, as
//! `groupmatch rank --handout` writes it ([`crate::handout::render_handout`]), answered as a page
//! with its own strict Content-Security-Policy. The handout's only style is one `<style>`
//! element of fixed text, so both that policy and the staff page's (which opens the handout from
//! a `blob:` URL, a document that keeps the staff page's policy) allow exactly that text by its
//! hash, and nothing else inline.

use std::sync::{Arc, LazyLock};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use super::auth::{Auth, Read};
use super::page::{page_headers, STYLE_SOURCE};
use super::problem::ApiProblem;
use super::request::HandoutRequest;
use super::Served;
use crate::handout::render_handout;

/// The handout's policy: nothing but its own style; no script, image, font, frame, form or
/// base URL (its links are plain links, which a policy does not govern).
static CONTENT_SECURITY_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let policy = format!(
        "default-src 'none'; style-src {}; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        *STYLE_SOURCE
    );
    HeaderValue::from_str(&policy).expect("ASCII")
});

/// The content type of the handout.
const HTML: &str = "text/html; charset=utf-8";

/// Lays the referrer's problems (`/name`, ...) under `/referrer`, where the request has them.
fn under_referrer(mut problem: ApiProblem) -> ApiProblem {
    for error in &mut problem.errors {
        if ["/name", "/phone", "/email", "/url"].contains(&error.pointer.as_str()) {
            error.pointer.insert_str(0, "/referrer");
        }
    }
    problem
}

/// The printable handout for a person and the groups they chose, as `groupmatch rank --handout`
/// writes it.
///
/// The page gives each group's next dates in the person's zone, how to get there, a week
/// picture, the referrer's contact and the crisis lines, in the person's language; nothing about
/// their health. It is answered with its own Content-Security-Policy (its one style, by hash;
/// nothing else).
#[utoipa::path(post, path = "/v1/handout", tag = "rank", security(("bearer" = ["read"])),
    request_body = HandoutRequest,
    responses(
        (status = 200, description = "The handout: a complete HTML page, its CSS inline", body = String, content_type = HTML,
            headers(("Content-Security-Policy" = String, description = "The handout's own policy"))),
        (status = 422, description = "Bad fields, each at its JSON pointer (a group not in the directory at `/groups`)", body = ApiProblem, content_type = super::api::PROBLEM),
    ))]
pub async fn handout(
    _: Auth<Read>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiProblem> {
    let request = HandoutRequest::read(&headers, body)?;
    let html = super::api::blocking(move || {
        render_handout(
            &served.engine,
            &request.person,
            &request.groups,
            request.now,
            &request.referrer,
        )
    })
    .await?
    .map_err(|e| match e {
        e @ crate::Error::NotFound(_) => ApiProblem::from_error(e, "/groups"),
        e => under_referrer(ApiProblem::from_error(e, "")),
    })?;
    let headers = page_headers(HTML, &CONTENT_SECURITY_POLICY, "no-store");
    Ok((headers, html).into_response())
}
