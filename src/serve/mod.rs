//! `groupmatch serve`: the library behind an HTTP JSON API (the `serve` feature; `docs/serve.md`).
//!
//! The layer is as thin as the command line: each handler turns a request into the library call
//! the matching `cmd/` file makes ([`Engine::rank`](crate::Engine::rank),
//! [`Engine::explain`](crate::Engine::explain), [`crate::validate_bytes`], ...) and a library
//! error into a problem response ([`ApiProblem`]). Each route is registered together with its
//! handler's OpenAPI path, so `GET /openapi.json` ([`document`]) lists exactly the routes the
//! router has. The server holds no state but the engine
//! (swapped atomically on reload: a request in flight finishes on the engine it started with)
//! and the tokens.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use groupmatch::serve::{router, AppState};
//! let (state, _warnings) =
//!     AppState::load(groupmatch::EngineBuilder::new(), "tokens.json".into()).unwrap();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, router(state)).await
//! // or, with SIGTERM draining, SIGHUP reloading and at most 1,024 open connections:
//! // groupmatch::serve::run(LimitedListener::new(listener, 1024), state).await
//! # }
//! ```

mod api;
mod auth;
mod engine;
mod handout;
mod jobs;
mod listener;
mod metrics;
mod openapi;
mod page;
mod problem;
mod referrals;
mod request;
mod tokens;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub use auth::{Admin, Auth, Match, Need, Read};
pub use engine::Served;
pub use jobs::{MAX_JOBS, MAX_RUNNING};
pub use listener::LimitedListener;
pub use openapi::document;
pub use problem::{ApiProblem, FieldError};
pub use tokens::{Role, TokenEntry, Tokens};

use crate::engine::EngineBuilder;
use crate::error::Result;
use crate::formats::Loaded;

/// The response header naming the engine that answered ([`Served::version`]).
pub const ENGINE_HEADER: &str = "groupmatch-engine";
/// The request header carrying a request's id (made when the request has none).
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The longest request id logged (a UUID is 36).
const MAX_REQUEST_ID_BYTES: usize = 64;
/// The largest body of a request about one person (rank, explain).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The largest document `POST /v1/validate` takes, and the largest match request.
pub const MAX_DOCUMENT_BODY_BYTES: usize = 16 << 20;
/// How long a request may take, reading its body included, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server shares between requests: the engine and the tokens (each swapped whole on
/// reload), and how to load them again. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    served: ArcSwap<Served>,
    tokens: ArcSwap<Tokens>,
    builder: EngineBuilder,
    tokens_path: PathBuf,
    timeout: Duration,
    /// One reload at a time (a SIGHUP during a reload by request waits for it).
    reloading: tokio::sync::Mutex<()>,
    /// Match jobs of large waitlists.
    jobs: Arc<jobs::Jobs>,
    /// What `GET /metrics` shows.
    metrics: metrics::Metrics,
    /// The referrals database, when the server has one (`serve --db FILE`).
    db: Option<PathBuf>,
}

/// What a reload loaded: the new engine's version and size, and the groups file's warnings.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Reloaded {
    /// The engine version now serving.
    pub engine: String,
    /// Groups in the directory.
    pub groups: usize,
    /// Tokens accepted.
    pub tokens: usize,
    /// The directory's warnings (unknown fields, ignored), as `FILE:LINE: field: message`.
    pub warnings: Vec<String>,
}

impl AppState {
    /// Loads the engine `builder` describes and the tokens of `tokens_path`, with the
    /// directory's warnings as `FILE:LINE: field: message` lines.
    pub fn load(builder: EngineBuilder, tokens_path: PathBuf) -> Result<(AppState, Vec<String>)> {
        let Loaded { value, warnings } = Served::load(&builder)?;
        let version = value.version.clone();
        let tokens = Tokens::read(&tokens_path)?;
        let warnings = warning_lines(&builder, &warnings);
        let state = AppState {
            shared: Arc::new(Shared {
                served: ArcSwap::from_pointee(value),
                tokens: ArcSwap::from_pointee(tokens),
                builder,
                tokens_path,
                timeout: DEFAULT_TIMEOUT,
                reloading: tokio::sync::Mutex::new(()),
                jobs: Arc::default(),
                metrics: metrics::Metrics::new(&version),
                db: None,
            }),
        };
        Ok((state, warnings))
    }

    /// The same state answering each request within `timeout` (503 after it). Only before the
    /// state is shared.
    pub fn with_timeout(mut self, timeout: Duration) -> AppState {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.timeout = timeout;
        }
        self
    }

    /// The same state recording referrals in the database at `db` (the referral endpoints answer
    /// 404 without one). The database is opened (created, migrated) here, so a file that cannot
    /// be a store stops the server before it listens. Only before the state is shared.
    pub fn with_db(mut self, db: PathBuf) -> Result<AppState> {
        crate::store::Store::open(&db)?;
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.db = Some(db);
        }
        Ok(self)
    }

    /// The engine serving now.
    pub fn served(&self) -> Arc<Served> {
        self.shared.served.load_full()
    }

    /// Every metric, as `GET /metrics` shows them.
    pub fn metrics_text(&self) -> String {
        self.shared.metrics.text()
    }

    /// The tokens accepted now.
    pub fn tokens(&self) -> Arc<Tokens> {
        self.shared.tokens.load_full()
    }

    /// Loads the directory, model, rules and tokens again (on a blocking thread) and swaps them
    /// in together; on any problem nothing changes and the problems are returned as
    /// `FILE:LINE: field: message` lines.
    pub async fn reload(&self) -> std::result::Result<Reloaded, Vec<String>> {
        let _one_at_a_time = self.shared.reloading.lock().await;
        let shared = Arc::clone(&self.shared);
        let loaded = tokio::task::spawn_blocking(move || {
            let served = Served::load(&shared.builder);
            let tokens = Tokens::read(&shared.tokens_path);
            (served, tokens)
        })
        .await;
        let (served, tokens) = match loaded {
            Ok(both) => both,
            Err(_) => return Err(vec!["the reload failed; the failure is logged".into()]),
        };
        match (served, tokens) {
            (Ok(served), Ok(tokens)) => {
                let reloaded = Reloaded {
                    engine: served.value.version.clone(),
                    groups: served.value.engine.groups().len(),
                    tokens: tokens.entries().len(),
                    warnings: warning_lines(&self.shared.builder, &served.warnings),
                };
                self.shared.served.store(Arc::new(served.value));
                self.shared.tokens.store(Arc::new(tokens));
                self.shared.metrics.reload(Some(&reloaded.engine));
                Ok(reloaded)
            }
            (served, tokens) => {
                self.shared.metrics.reload(None);
                Err([served.err(), tokens.err()]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| error_lines(&e))
                    .collect())
            }
        }
    }
}

/// An error as `FILE:LINE: field: message` lines (one per problem).
fn error_lines(err: &crate::Error) -> Vec<String> {
    err.to_string().lines().map(str::to_string).collect()
}

/// The directory's warnings as `FILE:LINE: field: message` lines.
fn warning_lines(builder: &EngineBuilder, warnings: &[crate::Problem]) -> Vec<String> {
    let label = match builder.sources().groups {
        Some(crate::engine::Source::File(path)) => path.display().to_string(),
        _ => "the directory".to_string(),
    };
    warnings
        .iter()
        .map(|w| w.display_in(&label).to_string())
        .collect()
}

/// The API's routes, each with its part of the OpenAPI document, before the layers every route
/// shares ([`router`]). Every route is registered with `routes!`, so none is left out of the
/// document. Another part of the server (the staff page) merges its routes here.
fn routes() -> OpenApiRouter<AppState> {
    let person = DefaultBodyLimit::max(MAX_BODY_BYTES);
    let document = DefaultBodyLimit::max(MAX_DOCUMENT_BODY_BYTES);
    OpenApiRouter::with_openapi(openapi::Api::openapi())
        .routes(routes!(api::healthz))
        .routes(routes!(api::readyz))
        .routes(routes!(api::rank).layer(person))
        .routes(routes!(api::explain).layer(person))
        .routes(routes!(handout::handout).layer(person))
        .routes(routes!(api::groups))
        .routes(routes!(api::group))
        .routes(routes!(api::validate).layer(document))
        .routes(routes!(api::matching).layer(document))
        .routes(routes!(api::match_job))
        .routes(routes!(referrals::create).layer(person))
        .routes(routes!(referrals::update).layer(person))
        .routes(routes!(referrals::due))
        .routes(routes!(api::reload).layer(person))
        .routes(routes!(api::metrics))
        .routes(routes!(openapi::openapi_json))
        .merge(page::routes())
        .fallback(api::not_found)
}

/// The whole service: every route, behind a request id, a last-resort catch of panics (a 500
/// problem), one log line per request with the engine that answered it (also the
/// `Groupmatch-Engine` header), and the per-request timeout.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let (routes, _document) = routes().split_for_parts();
    routes
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            ApiProblem::internal().into_response()
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Gives the request the engine serving now (it answers with that one even if a reload swaps
/// another in meanwhile), names it in the response, and logs one line: method, route template,
/// status, latency, request id and engine. Never a body, a query, a person field or a token.
async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let served = state.served();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    // A proxy's request id is logged when it looks like one; anything else a client put there
    // (it could be any text) is not.
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            id.len() <= MAX_REQUEST_ID_BYTES
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .unwrap_or("not-logged")
        .to_string();
    req.extensions_mut().insert(Arc::clone(&served));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&served.version) {
        response.headers_mut().insert(ENGINE_HEADER, value);
    }
    state.shared.metrics.request(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    tracing::info!(
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
        request_id = %request_id,
        engine = %served.version,
        "request"
    );
    response
}

/// 503 when a request (reading its body included) takes longer than the state's timeout.
async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.shared.timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiProblem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request was not answered within {} s",
                limit.as_secs_f64()
            ),
        )
        .into_response(),
    }
}

/// Open connections [`run`] holds at most unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Serves [`router`] on `listener` until SIGTERM or Ctrl-C, then stops taking connections and
/// drains the requests in flight. SIGHUP reloads the engine and tokens ([`AppState::reload`]).
pub async fn run(listener: LimitedListener, state: AppState) -> std::io::Result<()> {
    let reloader = state.clone();
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            log_reload(&reloader.reload().await, "SIGHUP");
        }
    });
    let mut terms = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let shutdown = async move {
        tokio::select! {
            _ = terms.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down: draining the requests in flight");
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// One log line for a reload: the new engine, or every problem (which name files, lines and
/// fields of the directory, model and rules: no person data).
fn log_reload(result: &std::result::Result<Reloaded, Vec<String>>, by: &str) {
    match result {
        Ok(r) => {
            tracing::info!(by, engine = %r.engine, groups = r.groups, tokens = r.tokens, "reloaded")
        }
        Err(problems) => {
            tracing::warn!(by, problems = %problems.join("; "), "reload refused; the engine before it still serves")
        }
    }
}
