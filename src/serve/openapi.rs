//! `GET /openapi.json`: the OpenAPI 3.1 document of the API, made from the code. Each route is
//! registered together with its handler's `#[utoipa::path]` (utoipa-axum's `routes!`), so the
//! router and the document list the same endpoints; each body's schema is its type's
//! `ToSchema` (derived, or written beside a hand-written `Serialize` to say what it writes).
//!
//! A handler's `#[utoipa::path]` lists the answers only it gives; the problem answers that follow
//! from what it declares (a token, a body, a query) are added here, by one rule ([`Problems`]), so
//! each is written once and no endpoint can leave one out.

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::api::PROBLEM;
use super::{ApiProblem, Role, MAX_BODY_BYTES};

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
    components(schemas(ApiProblem)),
    tags(
        (name = "rank", description = "One person: rank and explain"),
        (name = "match", description = "A waitlist: match, and poll a match job"),
        (name = "referrals", description = "The referrals store (serve --db): record a referral, append what happened, list follow-ups due"),
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
                 `match` (match and its jobs, referrals), `admin` (reload). Each endpoint names the least \
                 role it needs in its security requirement (`\"bearer\": [\"match\"]`); 401 \
                 without a valid token, 403 for a lower role.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The problem answers an operation gives because of what it declares, each added unless the
/// operation states its own answer with that status (as `POST /v1/match` does for its larger
/// body and its jobs):
/// - a bearer token of a role (`security(("bearer" = ["match"]))`, as every secured endpoint
///   declares): 401; and 403 when that role is above `read`, the role every token has;
/// - a JSON body: 400 when it is not an object, 415 when it is not JSON, 422 for bad fields; with
///   no JSON body, query parameters: 400 for a bad query;
/// - any body: 413 above [`MAX_BODY_BYTES`], and 503 when not answered in time.
struct Problems;

impl Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, description) in problems_of(operation) {
                    let problem = ResponseBuilder::new()
                        .description(description)
                        .content(
                            PROBLEM,
                            Content::new(Some(Ref::from_schema_name(ApiProblem::name()))),
                        )
                        .build();
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert(problem.into());
                }
            }
        }
    }
}

/// The statuses and descriptions of [`Problems`] for `operation`.
fn problems_of(operation: &Operation) -> Vec<(u16, String)> {
    let mut problems = Vec::new();
    if let Some(role) = role_of(operation) {
        problems.push((401, "No valid token".to_string()));
        if role > Role::Read {
            problems.push((403, format!("The token's role is below {role}")));
        }
    }
    let body = operation.request_body.as_ref();
    let query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query);
    if body.is_some_and(|b| b.content.keys().eq(["application/json"])) {
        problems.push((400, "The body is not a JSON object".to_string()));
        problems.push((415, "The body is not application/json".to_string()));
        problems.push((422, "Bad fields, each at its JSON pointer".to_string()));
    } else if query {
        problems.push((400, "A bad query".to_string()));
    }
    if body.is_some() {
        let limit = format!("The body is larger than {} MiB", MAX_BODY_BYTES >> 20);
        problems.push((413, limit));
        problems.push((503, "Not answered in time".to_string()));
    }
    problems
}

/// The role `operation`'s bearer requirement names: `match` for `security(("bearer" =
/// ["match"]))`. OpenAPI 3.1 lets the array of a scheme other than OAuth 2 list the roles an
/// operation needs, so the role is stated where a client looks for what it must send.
fn role_of(operation: &Operation) -> Option<Role> {
    let requirements = operation.security.as_deref()?;
    Role::ALL
        .into_iter()
        .find(|role| requirements.contains(&SecurityRequirement::new("bearer", [role.as_str()])))
}

/// The document of every route of [`super::router`].
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = super::routes().into_openapi();
    Problems.modify(&mut document);
    document
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
    use utoipa::openapi::path::OperationBuilder;
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
        // Each vocabulary type's `ALL` is an inherent constant, not a trait's: named in a list.
        macro_rules! vocabularies {
            ($($vocabulary:ident),+ $(,)?) => { $(vocabulary($vocabulary::ALL);)+ };
        }
        vocabularies! {
            Approach, Fellowship, Orientation, Format, Facilitation, Serves, Audience, Need,
            Substance, MedicationStance, Requirement, Risk, Origin,
        }
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

    /// The description of `method path`'s answer with `status`, if it lists one.
    fn answer(
        document: &serde_json::Value,
        method: &str,
        path: &str,
        status: u16,
    ) -> Option<String> {
        let response = &document["paths"][path][method]["responses"][status.to_string()];
        response["description"].as_str().map(str::to_string)
    }

    #[test]
    fn problems_follow_what_an_operation_declares_and_its_own_answers_stand() {
        let document = document();
        let json = serde_json::to_value(&document).unwrap();
        for (path, item) in &document.paths.paths {
            for operation in [&item.get, &item.post].into_iter().flatten() {
                if operation.security.is_some() {
                    // Else its 401 and 403 would silently go missing.
                    assert!(role_of(operation).is_some(), "{path} names no role");
                }
            }
        }
        let roleless = OperationBuilder::new()
            .security(SecurityRequirement::new("bearer", [""; 0]))
            .build();
        assert_eq!(role_of(&roleless), None);
        let below = |role: &str| Some(format!("The token's role is below {role}"));
        assert_eq!(
            answer(&json, "post", "/v1/admin/reload", 403),
            below("admin")
        );
        assert_eq!(answer(&json, "get", "/v1/match/{id}", 403), below("match"));
        assert_eq!(answer(&json, "post", "/v1/rank", 403), None);
        assert_eq!(
            answer(&json, "get", "/v1/groups", 401).unwrap(),
            "No valid token"
        );
        assert_eq!(answer(&json, "get", "/healthz", 401), None);
        assert_eq!(
            answer(&json, "post", "/v1/rank", 413).unwrap(),
            "The body is larger than 1 MiB"
        );
        assert_eq!(
            answer(&json, "post", "/v1/match", 413).unwrap(),
            "The body is larger than 16 MiB"
        );
        assert_eq!(
            answer(&json, "post", "/v1/validate", 400).unwrap(),
            "A bad query"
        );
        assert_eq!(answer(&json, "post", "/v1/validate", 422), None);
        assert_eq!(answer(&json, "post", "/v1/admin/reload", 503), None);
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
