//! The endpoints: each reads its request, makes the library call the command line makes, and
//! answers with the JSON the command line prints (`rank --format json` is a [`Ranking`]). Each
//! says in its `#[utoipa::path]` what it reads, the role its token needs (its security
//! requirement: `security(("bearer" = ["read"]))`, the role its `Auth` extractor enforces), and
//! the answers only it gives; `GET /openapi.json` is made from these, with the problem answers
//! that follow from a token, a body or a query added by one rule (`openapi.rs`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{Admin, Auth, Match, Read};
use super::jobs::{JobStarted, JobStatus, MatchAnswer};
use super::problem::ApiProblem;
use super::request::{body_bytes, syntax_of, ExplainRequest, MatchRequest, RankRequest};
use super::{AppState, Reloaded, Served};
use crate::domain::group::Group;
use crate::explain::Explanation;
use crate::formats::people::parse_waitlist;
use crate::formats::Syntax;
use crate::matching::match_waitlist;
use crate::rank::{RankOptions, Ranking};
use crate::validate::{validate_bytes, FileKind, Report};

/// The content type of every problem answer.
pub const PROBLEM: &str = "application/problem+json";

/// Groups on a page of `GET /v1/groups` unless `limit` says.
const DEFAULT_PAGE: usize = 50;
/// The most groups on one page.
const MAX_PAGE: usize = 500;
/// The most people a match answers within its request; a larger waitlist is a job.
pub const MAX_DIRECT_MATCH: usize = 1000;

type Answer<T> = Result<Json<T>, ApiProblem>;

/// Runs CPU-bound library work on tokio's blocking pool, so the async workers keep serving; a
/// panic there is a 500 problem.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiProblem> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "blocking work failed");
        ApiProblem::internal()
    })
}

/// `GET /healthz`: the process answers.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    #[schema(value_type = String, pattern = "^ok$")]
    status: &'static str,
}

/// The process answers.
///
/// Open: no token.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "The process answers", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// `GET /readyz`: the engine is loaded, and which.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    #[schema(value_type = String, pattern = "^ready$")]
    status: &'static str,
    /// The engine serving: content hashes of its directory, model and rules (also the
    /// `Groupmatch-Engine` header of every answer).
    engine: String,
    /// Groups in the directory.
    groups: usize,
    /// Rules loaded.
    rules: usize,
}

/// The engine is loaded, and which.
///
/// Open: no token.
#[utoipa::path(get, path = "/readyz", tag = "service",
    responses((status = 200, description = "The engine serving", body = Ready)))]
pub async fn readyz(Extension(served): Extension<Arc<Served>>) -> Json<Ready> {
    Json(Ready {
        status: "ready",
        engine: served.version.clone(),
        groups: served.engine.groups().len(),
        rules: served.engine.rules().rules().len(),
    })
}

/// Ranks the directory for one person, as `groupmatch rank --format json`.
///
/// `excluded` is `counts` unless the request says.
#[utoipa::path(post, path = "/v1/rank", tag = "rank", security(("bearer" = ["read"])),
    request_body = RankRequest,
    responses((status = 200, description = "The ranking", body = Ranking)))]
pub async fn rank(
    _: Auth<Read>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer<Ranking> {
    let request = RankRequest::read(&headers, body)?;
    let options = RankOptions::new(Some(request.top), request.now).with_excluded(request.excluded);
    blocking(move || served.engine.rank(&request.person, &options))
        .await?
        .map(Json)
        .map_err(|e| ApiProblem::from_error(e, ""))
}

/// Explains one pair of a person and a group, as `groupmatch explain --format json`.
///
/// A group that is not in the directory is a 422 error at `/group`.
#[utoipa::path(post, path = "/v1/explain", tag = "rank", security(("bearer" = ["read"])),
    request_body = ExplainRequest,
    responses((status = 200, description = "The explanation", body = Explanation)))]
pub async fn explain(
    _: Auth<Read>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer<Explanation> {
    let request = ExplainRequest::read(&headers, body)?;
    blocking(move || {
        served
            .engine
            .explain(&request.person, &request.group, request.now)
    })
    .await?
    .map(Json)
    .map_err(|e| match e {
        // explain checks the person (read already) and `now`: anything else is the group.
        e @ crate::Error::Invalid { .. } => ApiProblem::from_error(e, ""),
        e => ApiProblem::from_error(e, "/group"),
    })
}

/// A page of the directory.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Groups to skip (0 when left out).
    offset: Option<usize>,
    /// Groups on the page (50 when left out, at most 500).
    limit: Option<usize>,
}

/// `GET /v1/groups`: a page of the directory.
#[derive(Serialize, ToSchema)]
pub struct GroupsPage {
    /// Groups in the directory.
    total: usize,
    /// Groups skipped.
    offset: usize,
    /// Groups asked for.
    limit: usize,
    /// The page's groups, in directory order.
    groups: Vec<Group>,
}

/// A page of the directory.
#[utoipa::path(get, path = "/v1/groups", tag = "directory", security(("bearer" = ["read"])),
    params(PageQuery),
    responses((status = 200, description = "The page", body = GroupsPage)))]
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

/// One group, by id (or by a name one group has, as `explain --group`).
#[utoipa::path(get, path = "/v1/groups/{id}", tag = "directory", security(("bearer" = ["read"])),
    params(("id" = String, Path, description = "The group's id, or a name one group has")),
    responses(
        (status = 200, description = "The group", body = Group),
        (status = 404, description = "No such group, or the name is not one group's", body = ApiProblem, content_type = PROBLEM),
    ))]
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
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    /// `groups`, `person` or `waitlist`; recognised from the document when left out.
    kind: Option<String>,
}

/// Checks a groups, person or waitlist document, as `groupmatch validate --format json`.
///
/// The body is the document (JSON, JSON Lines or CSV by its content type); the answer is the
/// report `validate --format json` prints for one file. Problems in the document are a 200
/// answer: the report is what was asked for.
#[utoipa::path(post, path = "/v1/validate", tag = "directory", security(("bearer" = ["read"])),
    params(KindQuery),
    request_body(content(
        (String = "application/json"),
        (String = "application/x-ndjson"),
        (String = "text/csv"),
    ), description = "The document"),
    responses(
        (status = 200, description = "The report", body = Report),
        (status = 413, description = "The document is larger than 16 MiB", body = ApiProblem, content_type = PROBLEM),
        (status = 415, description = "Not JSON, JSON Lines or CSV", body = ApiProblem, content_type = PROBLEM),
    ))]
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

/// The content type of `GET /metrics`.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The server's numbers as Prometheus scrapes them.
#[utoipa::path(get, path = "/metrics", tag = "service", security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "Requests, latency, reloads and the engine version, in the OpenMetrics text format", body = String, content_type = OPENMETRICS),
    ))]
pub async fn metrics(_: Auth<Read>, State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, OPENMETRICS)], state.metrics_text())
}

/// Loads the directory, model, rules and tokens again and swaps them in.
///
/// When any file is bad, 422 with every problem as `FILE:LINE: field: message`, and the engine
/// before keeps serving.
#[utoipa::path(post, path = "/v1/admin/reload", tag = "service", security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The engine now serving", body = Reloaded),
        (status = 422, description = "Refused: the files' problems, in `problems`", body = ApiProblem, content_type = PROBLEM),
    ))]
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

/// Matches a waitlist to the directory's seats, as `groupmatch match`.
///
/// Up to 1,000 people are answered at once with the summary `match --summary` writes (without
/// timings) and one row per person; more are a job: 202 and its id, to poll at
/// `GET /v1/match/{id}` on the same instance.
#[utoipa::path(post, path = "/v1/match", tag = "match", security(("bearer" = ["match"])),
    request_body = MatchRequest,
    responses(
        (status = 200, description = "The match", body = MatchAnswer),
        (status = 202, description = "A job: poll it", body = JobStarted,
            headers(("Location" = String, description = "Where to poll the job"))),
        (status = 413, description = "The body is larger than 16 MiB", body = ApiProblem, content_type = PROBLEM),
        (status = 422, description = "Bad fields or people, each at its JSON pointer", body = ApiProblem, content_type = PROBLEM),
        (status = 503, description = "Too many jobs, or not answered in time", body = ApiProblem, content_type = PROBLEM),
    ))]
pub async fn matching(
    _: Auth<Match>,
    State(state): State<AppState>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiProblem> {
    let request = MatchRequest::read(&headers, body)?;
    let options = request.options()?;
    let (bytes, syntax) = request.document();
    let people = lines_over(&bytes, syntax);
    let work = move || -> Result<MatchAnswer, ApiProblem> {
        let waitlist = parse_waitlist(&bytes, syntax, "waitlist")
            .map_err(|e| ApiProblem::from_error(e, "/waitlist"))?
            .value;
        let result = match_waitlist(&served.engine, &waitlist, &options)
            .map_err(|e| ApiProblem::from_error(e, ""))?;
        Ok(MatchAnswer {
            summary: result.summary(),
            rows: result.rows,
        })
    };
    if people <= MAX_DIRECT_MATCH {
        let answer = blocking(work).await??;
        return Ok(Json(answer).into_response());
    }
    let id = state.shared.jobs.start(work)?;
    let poll = format!("/v1/match/{id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, poll.clone())],
        Json(JobStarted {
            id,
            status: "running",
            poll,
        }),
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

/// Where a match job is: running, done with its result, or failed with its problem.
///
/// Jobs are kept in memory on the instance that took them, until newer ones replace them: 404
/// for one this instance does not hold.
#[utoipa::path(get, path = "/v1/match/{id}", tag = "match", security(("bearer" = ["match"])),
    params(("id" = String, Path, description = "The job's id")),
    responses(
        (status = 200, description = "The job", body = JobStatus),
        (status = 404, description = "No such job on this instance", body = ApiProblem, content_type = PROBLEM),
    ))]
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
