//! The endpoints: each reads its request, makes the library call the command line makes, and
//! answers with the JSON the command line prints (`rank --format json` is a [`Ranking`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{Admin, Auth, Read};
use super::problem::ApiProblem;
use super::request::{body_bytes, syntax_of, JsonObject};
use super::{AppState, Reloaded, Served};
use crate::domain::group::Group;
use crate::explain::Explanation;
use crate::rank::{ExcludedDetail, RankOptions, Ranking};
use crate::validate::{validate_bytes, FileKind, Report};

/// Suggestions returned when a request does not say (as `groupmatch rank`).
const DEFAULT_TOP: usize = 10;
/// Groups on a page of `GET /v1/groups` unless `limit` says.
const DEFAULT_PAGE: usize = 50;
/// The most groups on one page.
const MAX_PAGE: usize = 500;

type Answer<T> = Result<Json<T>, ApiProblem>;

/// Runs CPU-bound library work on tokio's blocking pool, so the async workers keep serving; a
/// panic there is a 500 problem.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiProblem> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "blocking work failed");
        ApiProblem::internal()
    })
}

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// `GET /readyz`: the engine is loaded, and which.
#[derive(Serialize)]
pub struct Ready {
    status: &'static str,
    engine: String,
    groups: usize,
    rules: usize,
}

/// `GET /readyz`.
pub async fn readyz(Extension(served): Extension<Arc<Served>>) -> Json<Ready> {
    Json(Ready {
        status: "ready",
        engine: served.version.clone(),
        groups: served.engine.groups().len(),
        rules: served.engine.rules().rules().len(),
    })
}

/// The `now` of a request: the field's, else the current time.
fn now_of(body: &mut JsonObject) -> DateTime<Utc> {
    body.take("now").unwrap_or_else(Utc::now)
}

/// `POST /v1/rank`: `{"person": {...}, "top": 10, "now": "...", "excluded": "counts"}`.
pub async fn rank(
    _: Auth<Read>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer<Ranking> {
    let mut body = JsonObject::read(&headers, body)?;
    let person = body.person("person");
    let top = body.take::<usize>("top").unwrap_or(DEFAULT_TOP);
    let now = now_of(&mut body);
    let excluded = body.take::<ExcludedDetail>("excluded").unwrap_or_default();
    body.finish()?;
    let person = person.expect("finish reports a person that could not be read");
    let options = RankOptions::new(Some(top), now).with_excluded(excluded);
    blocking(move || served.engine.rank(&person, &options))
        .await?
        .map(Json)
        .map_err(|e| ApiProblem::from_error(e, ""))
}

/// `POST /v1/explain`: `{"person": {...}, "group": "ID", "now": "..."}`.
pub async fn explain(
    _: Auth<Read>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer<Explanation> {
    let mut body = JsonObject::read(&headers, body)?;
    let person = body.person("person");
    let group = body.require::<String>("group");
    let now = now_of(&mut body);
    body.finish()?;
    let (person, group) = (
        person.expect("finish reports a person that could not be read"),
        group.expect("finish reports a missing group"),
    );
    blocking(move || served.engine.explain(&person, &group, now))
        .await?
        .map(Json)
        .map_err(|e| match e {
            // explain checks the person (read already) and `now`: anything else is the group.
            e @ crate::Error::Invalid { .. } => ApiProblem::from_error(e, ""),
            e => ApiProblem::from_error(e, "/group"),
        })
}

/// A page of the directory.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    offset: Option<usize>,
    limit: Option<usize>,
}

/// `GET /v1/groups`: a page of the directory.
#[derive(Serialize)]
pub struct GroupsPage {
    total: usize,
    offset: usize,
    limit: usize,
    groups: Vec<Group>,
}

/// `GET /v1/groups?offset=0&limit=50` (at most 500 a page).
pub async fn groups(
    _: Auth<Read>,
    Extension(served): Extension<Arc<Served>>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Answer<GroupsPage> {
    let Query(page) = query.map_err(|e| ApiProblem::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let all = served.engine.groups();
    let offset = page.offset.unwrap_or(0);
    let limit = page.limit.unwrap_or(DEFAULT_PAGE);
    if limit > MAX_PAGE {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            format!("limit {limit} is more than {MAX_PAGE} groups a page"),
        ));
    }
    Ok(Json(GroupsPage {
        total: all.len(),
        offset,
        limit,
        groups: all.iter().skip(offset).take(limit).cloned().collect(),
    }))
}

/// `GET /v1/groups/{id}`: one group, by id (or by a name one group has, as `explain --group`).
pub async fn group(
    _: Auth<Read>,
    Extension(served): Extension<Arc<Served>>,
    Path(id): Path<String>,
) -> Answer<Group> {
    match served.engine.find_group(&id) {
        Ok(i) => Ok(Json(served.engine.groups()[i].clone())),
        Err(e) => Err(ApiProblem::new(StatusCode::NOT_FOUND, e.to_string())),
    }
}

/// The kind of a document to validate.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindQuery {
    kind: Option<String>,
}

/// `POST /v1/validate?kind=groups|person|waitlist`: the body is the document (JSON, JSON Lines
/// or CSV by its content type); the answer is the report `validate --format json` prints for
/// one file (its kind recognised when not given). Problems in the document are a 200 answer:
/// the report is what was asked for.
pub async fn validate(
    _: Auth<Read>,
    headers: HeaderMap,
    query: Result<Query<KindQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Answer<Report> {
    let Query(query) =
        query.map_err(|e| ApiProblem::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let kind = match query.kind.as_deref().map(str::parse::<FileKind>) {
        None => None,
        Some(Ok(kind)) => Some(kind),
        Some(Err(message)) => return Err(ApiProblem::new(StatusCode::BAD_REQUEST, message)),
    };
    let Some(syntax) = syntax_of(&headers) else {
        return Err(ApiProblem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the document as application/json, application/x-ndjson or text/csv",
        ));
    };
    let bytes = body_bytes(body)?;
    Ok(Json(
        blocking(move || validate_bytes(&bytes, syntax, kind, "request")).await?,
    ))
}

/// `POST /v1/admin/reload`: the directory, model, rules and tokens again; 422 with every problem
/// when any file is bad (the engine before keeps serving).
pub async fn reload(_: Auth<Admin>, State(state): State<AppState>) -> Answer<Reloaded> {
    let result = state.reload().await;
    super::log_reload(&result, "request");
    result.map(Json).map_err(|problems| ApiProblem {
        problems,
        ..ApiProblem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the files have problems; the engine before the reload still serves",
        )
    })
}

/// Any other path: 404 as a problem.
pub async fn not_found() -> ApiProblem {
    ApiProblem::new(
        StatusCode::NOT_FOUND,
        "no such endpoint (see docs/serve.md)",
    )
}
