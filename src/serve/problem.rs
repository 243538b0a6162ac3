//! Error responses: RFC 9457 problem details (`application/problem+json`), each bad field of a
//! request named by a JSON pointer (RFC 6901), from the library's [`Problem`]s.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, Problem};

/// One bad field of a request: where it is (a JSON pointer into the body) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// A JSON pointer to the field (`/person/availability`), or `""` for the whole body.
    pub pointer: String,
    /// What is wrong and, when knowable, how to fix it.
    pub detail: String,
}

/// An error response: RFC 9457 problem details, with the bad fields (`errors`) or the problems
/// of the engine's files (`problems`, on reload) as extensions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiProblem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^about:blank$")]
    pub kind: &'static str,
    /// The status's reason phrase.
    #[schema(value_type = String)]
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// Every bad field of the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Every problem of the engine's files, as `FILE:LINE: field: message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl ApiProblem {
    /// A problem of `status` saying `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiProblem {
        ApiProblem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// 422: the request's values are wrong, each at its pointer.
    pub fn invalid(errors: Vec<FieldError>) -> ApiProblem {
        let n = errors.len();
        let detail = if n == 1 {
            "1 field of the request is invalid".to_string()
        } else {
            format!("{n} fields of the request are invalid")
        };
        ApiProblem {
            errors,
            ..ApiProblem::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
        }
    }

    /// 500, saying nothing of the cause (which is logged without the request's data).
    pub fn internal() -> ApiProblem {
        ApiProblem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server failed to answer this request; the failure is logged",
        )
    }

    /// The response to a library error about the part of the request at `at` (a JSON pointer):
    /// bad values are 422 with a pointer each, a group that is not there 422 at `at`, anything
    /// else (the server's own files, I/O) 500.
    pub fn from_error(err: Error, at: &str) -> ApiProblem {
        match err {
            Error::Invalid { problems, .. } => ApiProblem::invalid(field_errors(&problems, at)),
            Error::NotFound(detail) => ApiProblem::invalid(vec![FieldError {
                pointer: at.to_string(),
                detail,
            }]),
            e @ (Error::AmbiguousGroup { .. } | Error::WeightOutOfRange { .. }) => {
                ApiProblem::invalid(vec![FieldError {
                    pointer: at.to_string(),
                    detail: e.to_string(),
                }])
            }
            e => {
                tracing::error!(error = %e, "request failed");
                ApiProblem::internal()
            }
        }
    }
}

/// The library's problems of the part of a request at `at`, each at the pointer of its field
/// (the part itself when the problem has none). A line, when known, is said in the detail: in a
/// CSV or JSON Lines document it is the row.
pub fn field_errors(problems: &[Problem], at: &str) -> Vec<FieldError> {
    problems
        .iter()
        .map(|p| {
            let mut pointer = at.to_string();
            if let Some(field) = &p.field {
                pointer.push('/');
                pointer.push_str(&field.replace('~', "~0").replace('/', "~1"));
                if let Some(item) = p.item {
                    pointer.push_str(&format!("/{item}"));
                }
            }
            let detail = match p.line {
                Some(line) if line > 1 => format!("line {line}: {}", p.message),
                _ => p.message.clone(),
            };
            FieldError { pointer, detail }
        })
        .collect()
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_point_at_their_fields_under_the_part() {
        let problems = [
            Problem::new(
                Some(1),
                Some("availability"),
                "end 19:00 is not after start 20:00",
            )
            .at_item(2),
            Problem::new(Some(3), Some("a/b~c"), "odd"),
            Problem::new(None, None, "empty"),
        ];
        let errors = field_errors(&problems, "/person");
        assert_eq!(errors[0].pointer, "/person/availability/2");
        assert_eq!(errors[0].detail, "end 19:00 is not after start 20:00");
        assert_eq!(errors[1].pointer, "/person/a~1b~0c");
        assert_eq!(errors[1].detail, "line 3: odd");
        assert_eq!(errors[2].pointer, "/person");
    }
}
