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

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use utoipa::PartialSchema;

    use super::*;
    use crate::domain::vocab::LANGUAGE_CODES;
    use crate::*;

    /// Whether `value`, as `Serialize` writes it, is valid under `T`'s schema.
    fn fits<T: PartialSchema, V: Serialize>(value: &V) -> bool {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        validator.is_valid(&serde_json::to_value(value).unwrap())
    }

    /// Every value of a vocabulary fits its schema, and a name outside it does not.
    fn vocabulary<T: PartialSchema + Serialize>(all: &[T]) {
        for value in all {
            assert!(
                fits::<T, _>(value),
                "{}",
                serde_json::to_string(value).unwrap()
            );
        }
        assert!(!fits::<T, _>(&"not_a_value"));
    }

    #[test]
    fn each_hand_written_serialize_writes_what_its_schema_says() {
        vocabulary(Approach::ALL);
        vocabulary(Fellowship::ALL);
        vocabulary(Orientation::ALL);
        vocabulary(Format::ALL);
        vocabulary(Facilitation::ALL);
        vocabulary(Serves::ALL);
        vocabulary(Audience::ALL);
        vocabulary(Need::ALL);
        vocabulary(Substance::ALL);
        vocabulary(MedicationStance::ALL);
        vocabulary(Requirement::ALL);
        vocabulary(Risk::ALL);
        vocabulary(Origin::ALL);
        let languages: Vec<Language> = LANGUAGE_CODES.iter().map(|c| c.parse().unwrap()).collect();
        vocabulary(&languages);

        for cost in [
            "free",
            "donation",
            "sliding_scale",
            "insurance",
            "0",
            "25",
            "$25.50",
            "10 EUR",
        ] {
            let cost: Cost = cost.parse().unwrap();
            assert!(fits::<Cost, _>(&cost), "{cost}");
        }
        assert!(!fits::<Cost, _>(&-1.0));
        assert!(!fits::<Cost, _>(&serde_json::json!({"amount": 25})));

        for session in [
            "Tue 19:00-20:00",
            "2nd 4th Wed 19:00-20:00",
            "Tue 19:00-20:00 every 2 weeks from 2026-12-08 except 2026-12-22",
        ] {
            let session: Session = session.parse().unwrap();
            assert!(fits::<Session, _>(&session), "{session}");
        }

        let person = crate::testutil::person();
        let options =
            RankOptions::new(None, crate::testutil::now()).with_excluded(ExcludedDetail::Full);
        let ranking = Engine::embedded().rank(&person, &options).unwrap();
        let reasons: Vec<_> = ranking
            .excluded
            .groups()
            .iter()
            .flat_map(|g| &g.reasons)
            .collect();
        assert!(!reasons.is_empty());
        for reason in reasons {
            assert!(fits::<Exclusion, _>(reason), "{reason:?}");
        }
        assert!(!fits::<Exclusion, _>(
            &serde_json::json!({"code": "distance"})
        ));
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_schema_it_refers_to() {
        let json = serde_json::to_value(document()).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let text = json.to_string();
        let schemas = json["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(
                schemas.contains_key(name),
                "{name} is referred to but not defined"
            );
        }
    }
}
