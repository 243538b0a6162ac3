//! The endpoints: each reads its request, makes the library call the command line makes, and
//! answers with the JSON the command line prints (`rank --format json` is a [`Ranking`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{Admin, Auth, Match, Read};
use super::problem::ApiProblem;
use super::request::{body_bytes, syntax_of, JsonObject};
use super::{AppState, Reloaded, Served};
use crate::domain::group::Group;
use crate::explain::Explanation;
use crate::formats::people::parse_waitlist;
use crate::formats::Syntax;
use crate::matching::{match_waitlist, MatchOptions, PriorityPolicy};
use crate::rank::{ExcludedDetail, RankOptions, Ranking};
use crate::validate::{validate_bytes, FileKind, Report};

/// Suggestions returned when a request does not say (as `groupmatch rank`).
const DEFAULT_TOP: usize = 10;
/// Groups on a page of `GET /v1/groups` unless `limit` says.
const DEFAULT_PAGE: usize = 50;
/// The most groups on one page.
const MAX_PAGE: usize = 500;
/// The most people a match answers within its request; a larger waitlist is a job.
pub const MAX_DIRECT_MATCH: usize = 1000;

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

/// `GET /metrics`: the server's numbers as Prometheus scrapes them (any role's token).
pub async fn metrics(_: Auth<Read>, State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics_text(),
    )
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

/// `POST /v1/match`: `{"waitlist": [...] | "CSV or JSON Lines text", "format": "csv" | "jsonl",
/// "now", "min_score", "wait_weight", "alternates", "candidates", "priority": "strict" |
/// "weighted", "holds": [{"person_id", "group_id"}]}` (options as `groupmatch match` takes them,
/// with its defaults). Up to [`MAX_DIRECT_MATCH`] people are answered at once with
/// `{"summary", "rows"}` (the summary `match --summary` writes, without timings, and one row per
/// person); more are a job (202 and its id, `GET /v1/match/{id}`).
pub async fn matching(
    _: Auth<Match>,
    State(state): State<AppState>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiProblem> {
    let mut body = JsonObject::read(&headers, body)?;
    let waitlist = match body.require::<serde_json::Value>("waitlist") {
        Some(serde_json::Value::Array(people)) => {
            // Each person a line of JSON Lines: the reader's line is the place in the array.
            let lines: Vec<String> = people.iter().map(|p| p.to_string()).collect();
            Some((lines.join("\n").into_bytes(), Syntax::JsonLines))
        }
        Some(serde_json::Value::String(text)) => {
            match body.take::<String>("format").as_deref().unwrap_or("csv") {
                "csv" => Some((text.into_bytes(), Syntax::Csv)),
                "jsonl" => Some((text.into_bytes(), Syntax::JsonLines)),
                other => {
                    body.error(
                        "format",
                        format!("unknown format '{other}' (allowed: csv, jsonl)"),
                    );
                    None
                }
            }
        }
        Some(_) => {
            body.error(
                "waitlist",
                "give the waitlist as an array of people or as CSV or JSON Lines text",
            );
            None
        }
        None => None,
    };
    let mut options = MatchOptions::new(now_of(&mut body));
    if let Some(v) = body.take("min_score") {
        options.min_score = v;
    }
    if let Some(v) = body.take("wait_weight") {
        options.wait_weight = v;
    }
    if let Some(v) = body.take("alternates") {
        options.alternates = v;
    }
    if let Some(v) = body.take("candidates") {
        options.candidates = v;
    }
    if let Some(holds) = body.take("holds") {
        options.holds = holds;
    }
    let policy = body.take::<PriorityPolicy>("priority");
    body.finish()?;
    let (bytes, syntax) = waitlist.expect("finish reports a waitlist that could not be read");
    if let Some(policy) = policy {
        options.priorities = (options.priorities.clone())
            .with_policy(policy, "priority")
            .map_err(|e| ApiProblem::from_error(e, ""))?;
    }
    let people = lines_over(&bytes, syntax);
    let work = move || -> Result<serde_json::Value, ApiProblem> {
        let waitlist = parse_waitlist(&bytes, syntax, "waitlist")
            .map_err(|e| ApiProblem::from_error(e, "/waitlist"))?
            .value;
        let result = match_waitlist(&served.engine, &waitlist, &options)
            .map_err(|e| ApiProblem::from_error(e, ""))?;
        Ok(serde_json::json!({"summary": result.summary(), "rows": result.rows}))
    };
    if people <= MAX_DIRECT_MATCH {
        let answer = blocking(work).await??;
        return Ok(Json(answer).into_response());
    }
    let id = state.shared.jobs.start(work)?;
    let location = format!("/v1/match/{id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location.clone())],
        Json(serde_json::json!({"id": id, "status": "running", "poll": location})),
    )
        .into_response())
}

/// People a waitlist document holds at most: its lines (a CSV header and blank lines count too,
/// and a CSV cell may hold a line break, so this over-counts, never under).
fn lines_over(bytes: &[u8], syntax: Syntax) -> usize {
    let lines = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    match syntax {
        Syntax::Csv => lines.saturating_sub(1),
        _ => lines,
    }
}

/// `GET /v1/match/{id}`: `{"status": "running"}`, `{"status": "done", "result": ...}` or
/// `{"status": "failed", "problem": ...}`; 404 for a job this instance does not hold.
pub async fn match_job(
    _: Auth<Match>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiProblem> {
    state.shared.jobs.poll(&id).ok_or_else(|| {
        ApiProblem::new(
            StatusCode::NOT_FOUND,
            "no such match job on this instance (jobs are kept in memory, on the instance that took them, until newer ones replace them)",
        )
    })
}
