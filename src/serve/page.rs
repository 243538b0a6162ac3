//! The staff page at `/`: an intake form that asks `POST /v1/rank` for a person's ranking and
//! shows it with its explanations. Plain HTML, CSS and a little JavaScript, embedded in the binary
//! (`page/index.html`, `page/page.css`, `page/page.js`): no front-end build, nothing fetched from
//! elsewhere.
//!
//! The page holds no data, so it is served without a token; what it shows comes from `/v1/rank`
//! with the token staff type in (kept in the tab's `sessionStorage`). Its Content-Security-Policy
//! allows scripts, styles and requests from this origin only and no inline script at all, so a
//! directory text that looks like markup can do nothing even if a change to `page.js` ever wrote
//! one as markup; `page.js` writes every text with `textContent`, in one function. The one
//! exception to "no inline code" is the handout's `<style>`, allowed by its hash: the page opens
//! the handout (`POST /v1/handout`) from a `blob:` URL, whose document keeps this policy. The
//! headers every page of the server carries (the handout's too) are made here.

use std::sync::LazyLock;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handout::STYLE_ELEMENT_TEXT;

/// The handout's style as a CSP source: `'sha256-...'` of its `<style>` element's text. The
/// staff page's policy allows it (the handout opens from a `blob:` URL, whose document keeps
/// that policy), and so does the handout's own.
pub(super) static STYLE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLE_ELEMENT_TEXT.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// Only this origin's script, style and requests, and the handout's one style (by its hash: the
/// handout opens from a `blob:` URL, whose document keeps this policy); no frames, plugins,
/// other inline code or form submission (the form is sent by `page.js`, so a page whose script
/// failed cannot send the person's fields anywhere, in a URL least of all).
static CONTENT_SECURITY_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' {}; connect-src 'self'; \
         img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
        *STYLE_SOURCE
    );
    HeaderValue::from_str(&policy).expect("ASCII")
});

/// One embedded file of the page.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    /// A hash of the body, computed at compile time: the `ETag`.
    hash: u64,
}

impl Asset {
    const fn new(body: &'static str, content_type: &'static str) -> Asset {
        Asset {
            body,
            content_type,
            hash: fnv1a(body.as_bytes()),
        }
    }
}

const INDEX: Asset = Asset::new(include_str!("page/index.html"), "text/html; charset=utf-8");
const CSS: Asset = Asset::new(include_str!("page/page.css"), "text/css; charset=utf-8");
const JS: Asset = Asset::new(
    include_str!("page/page.js"),
    "text/javascript; charset=utf-8",
);

/// 64-bit FNV-1a: a fixed, fast hash for the `ETag`s (not a security boundary).
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `GET /`, `GET /page.css` and `GET /page.js`, for any router state.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new()
        .routes(routes!(index))
        .routes(routes!(css))
        .routes(routes!(js))
}

/// A handler for one embedded file: `GET` at its path answers the asset (or 304, see [`serve`]),
/// with the doc comment and the 200's description its operation has in the OpenAPI document.
macro_rules! file {
    ($(#[$doc:meta])* $name:ident: $path:literal => $asset:ident, $what:literal) => {
        $(#[$doc])*
        #[utoipa::path(get, path = $path, tag = "page",
            responses(
                (status = 200, description = $what, body = String, content_type = $asset.content_type),
                (status = 304, description = "The browser's copy (`If-None-Match`) is current"),
            ))]
        async fn $name(headers: HeaderMap) -> Response {
            serve(&$asset, &headers)
        }
    };
}

file! {
    /// The staff page.
    ///
    /// Open: the page holds no data; what it shows comes from `POST /v1/rank` with the token staff
    /// type in.
    index: "/" => INDEX, "The page"
}
file! {
    /// The staff page's style sheet.
    ///
    /// Open.
    css: "/page.css" => CSS, "The style sheet"
}
file! {
    /// The staff page's script.
    ///
    /// Open.
    js: "/page.js" => JS, "The script"
}

/// The asset, or `304 Not Modified` when the browser's copy is current. `no-cache` makes the
/// browser ask each time (a cheap 304): after an upgrade the page and its script change together,
/// never a new page with an old script.
fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let etag = format!("\"{:016x}\"", asset.hash);
    let current = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == etag || tag.trim() == "*");
    let headers = page_headers(asset.content_type, &CONTENT_SECURITY_POLICY, "no-cache");
    let etag = [(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex digits in quotes"),
    )];
    if current {
        (StatusCode::NOT_MODIFIED, headers, etag).into_response()
    } else {
        (headers, etag, asset.body).into_response()
    }
}

/// The headers of a page this server answers (the staff page's files, the handout): its type,
/// its policy, `nosniff`, `no-referrer`, and how it may be cached.
pub(super) fn page_headers(
    content_type: &'static str,
    policy: &HeaderValue,
    cache: &'static str,
) -> [(HeaderName, HeaderValue); 5] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (header::CONTENT_SECURITY_POLICY, policy.clone()),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;
    use axum::body::Body;
    use axum::http::Request;
    use axum::Router;
    use tower::ServiceExt;

    async fn get(path: &str, if_none_match: Option<&str>) -> Response {
        let mut request = Request::get(path);
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        Router::from(routes::<()>())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn header(response: &Response, name: header::HeaderName) -> &str {
        response.headers()[name].to_str().unwrap()
    }

    #[tokio::test]
    async fn each_file_is_served_with_its_type_a_strict_policy_and_an_etag() {
        for (path, asset, kind) in [
            ("/", &INDEX, "text/html"),
            ("/page.css", &CSS, "text/css"),
            ("/page.js", &JS, "text/javascript"),
        ] {
            let response = get(path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert!(header(&response, header::CONTENT_TYPE).starts_with(kind));
            let csp = header(&response, header::CONTENT_SECURITY_POLICY);
            assert!(csp.contains("script-src 'self';"), "{csp}");
            assert!(!csp.contains("unsafe"), "{csp}");
            // The handout's one style, by hash: it opens from a blob: URL under this policy.
            let handout = format!("style-src 'self' {};", *STYLE_SOURCE);
            assert!(csp.contains(&handout), "{csp}");
            assert_eq!(header(&response, header::CACHE_CONTROL), "no-cache");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            assert_eq!(body, asset.body.as_bytes(), "{path}");
        }
    }

    #[tokio::test]
    async fn a_current_copy_gets_not_modified_and_an_old_one_the_file() {
        let etag = header(&get("/page.js", None).await, header::ETAG).to_string();
        let again = get("/page.js", Some(&format!("\"old\", {etag}"))).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&again, header::ETAG), etag);
        let old = get("/page.js", Some("\"0000000000000000\"")).await;
        assert_eq!(old.status(), StatusCode::OK);
        assert_ne!(etag, header(&get("/page.css", None).await, header::ETAG));
    }

    #[test]
    fn the_script_never_writes_markup_and_the_page_has_no_inline_code() {
        for call in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "Function(",
            "setAttribute(\"on",
        ] {
            assert!(!JS.body.contains(call), "page.js calls {call}");
        }
        // The policy would block them: the page must work without.
        assert_eq!(INDEX.body.matches("<script").count(), 1);
        assert!(INDEX
            .body
            .contains("<script src=\"page.js\" defer></script>"));
        for inline in ["<style", " style=\"", " onclick=", " onload=", " onsubmit="] {
            assert!(!INDEX.body.contains(inline), "index.html has {inline}");
        }
    }

    /// The values of the form control(s) named `name` in the page: a select's options or a
    /// group of checkboxes, leaving out the empty "not given" option.
    fn values(name: &str) -> Vec<String> {
        let html = INDEX.body;
        let (scope, marker) = match html.find(&format!("<select id=\"{name}\"")) {
            Some(start) => {
                let end = start + html[start..].find("</select>").unwrap();
                (&html[start..end], "<option value=\"".to_string())
            }
            None => (html, format!("name=\"{name}\" value=\"")),
        };
        scope
            .match_indices(&marker)
            .map(|(i, m)| {
                let rest = &scope[i + m.len()..];
                rest[..rest.find('"').unwrap()].to_string()
            })
            .filter(|v| !v.is_empty())
            .collect()
    }

    #[test]
    fn the_form_offers_every_value_of_each_vocabulary_and_no_other() {
        let vocabularies: [(&str, &[&str]); 18] = [
            ("role", Role::NAMES),
            ("stage", Stage::NAMES),
            ("relationship", Relationship::NAMES),
            ("family_aim", FamilyAim::NAMES),
            ("approach_preference", ApproachPreference::NAMES),
            ("format_preference", FormatPreference::NAMES),
            ("gender", Gender::NAMES),
            ("gender_specific", GenderSpecific::NAMES),
            ("audience_preference", Audience::NAMES),
            ("needs", Need::NAMES),
            ("substances", Substance::NAMES),
            ("primary_substance", Substance::NAMES),
            ("medication", Medication::NAMES),
            ("goal", Goal::NAMES),
            ("facilitation_preference", FacilitationPreference::NAMES),
            ("social_support", SocialSupport::NAMES),
            ("risks", Risk::NAMES),
            ("network_supports_use", &["true", "false"]),
        ];
        for (name, allowed) in vocabularies {
            let mut offered = values(name);
            offered.sort();
            let mut allowed = allowed.to_vec();
            allowed.sort();
            assert_eq!(offered, allowed, "{name}");
        }
    }

    #[test]
    fn the_form_starts_from_the_command_lines_defaults() {
        let html = INDEX.body;
        for (field, default) in [
            ("availability", DEFAULT_AVAILABILITY.to_string()),
            ("max_travel_km", DEFAULT_TRAVEL_KM.to_string()),
        ] {
            let input = &html[html.find(&format!("<input id=\"{field}\"")).unwrap()..];
            let tag = &input[..input.find('>').unwrap()];
            assert!(tag.contains(&format!("value=\"{default}\"")), "{tag}");
        }
        let stage = &html[html.find("<select id=\"stage\"").unwrap()..];
        assert!(stage.contains(&format!("<option value=\"{DEFAULT_STAGE}\" selected>")));
    }
}
