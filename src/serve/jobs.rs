//! Match jobs: a waitlist too large to answer within a request is matched on a blocking thread
//! while the client polls `GET /v1/match/{id}`. Jobs live in this instance's memory only (several
//! instances need sticky routing for them, `docs/serve.md`), bounded in number: the oldest
//! finished job makes room for a new one, and when every kept job is still running a new one is
//! refused (503).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::ApiProblem;
use crate::matching::{MatchRow, MatchSummary};

/// The most jobs kept, running or finished.
pub const MAX_JOBS: usize = 16;
/// The most jobs running at once (each uses every core while it scores).
pub const MAX_RUNNING: usize = 2;

/// What a match answers, at once or as its job's result: the summary `match --summary` writes
/// (without timings) and one row per person.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchAnswer {
    /// The numbers of the match.
    pub summary: MatchSummary,
    /// One row per person, in waitlist order.
    pub rows: Vec<MatchRow>,
}

/// The answer that starts a job (202): its id and where to poll it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobStarted {
    /// The job's id.
    pub id: String,
    /// `running`.
    #[schema(value_type = String, pattern = "^running$")]
    pub status: &'static str,
    /// Where to poll it: `/v1/match/{id}`.
    pub poll: String,
}

/// The answer to a poll of a job.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum JobStatus {
    /// Still matching.
    Running,
    /// Finished.
    Done {
        /// What a direct match would have answered.
        result: MatchAnswer,
    },
    /// Failed.
    Failed {
        /// The problem a direct match would have answered.
        problem: ApiProblem,
    },
}

/// Where a job is.
#[derive(Debug, Clone)]
enum JobState {
    /// Still matching.
    Running,
    /// Finished: the poll's answer, `{"status": "done", "result": ...}` or
    /// `{"status": "failed", "problem": ...}` (the problem a direct match would have answered),
    /// serialised once.
    Finished(Bytes),
}

/// The kept jobs, oldest first.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<VecDeque<(String, JobState)>>,
}

impl Jobs {
    /// Starts a job running `work` on a blocking thread and returns its id, or 503 when
    /// [`MAX_RUNNING`] jobs are running or [`MAX_JOBS`] are kept and none has finished.
    pub fn start(
        self: &Arc<Jobs>,
        work: impl FnOnce() -> Result<MatchAnswer, ApiProblem> + Send + 'static,
    ) -> Result<String, ApiProblem> {
        let id = {
            let mut jobs = self.jobs.lock().expect("jobs lock");
            let running = jobs
                .iter()
                .filter(|(_, s)| matches!(s, JobState::Running))
                .count();
            if running >= MAX_RUNNING {
                return Err(busy(format!("{running} match jobs are running")));
            }
            if jobs.len() >= MAX_JOBS {
                match jobs
                    .iter()
                    .position(|(_, s)| !matches!(s, JobState::Running))
                {
                    Some(oldest_finished) => drop(jobs.remove(oldest_finished)),
                    None => return Err(busy(format!("{MAX_JOBS} match jobs are kept"))),
                }
            }
            let mut bytes = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let id = super::tokens::hex(&bytes);
            jobs.push_back((id.clone(), JobState::Running));
            id
        };
        let (jobs, job) = (Arc::clone(self), id.clone());
        tokio::task::spawn_blocking(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let answer = match outcome {
                Ok(Ok(result)) => JobStatus::Done { result },
                Ok(Err(problem)) => JobStatus::Failed { problem },
                Err(_) => {
                    tracing::error!("a match job panicked");
                    JobStatus::Failed {
                        problem: ApiProblem::internal(),
                    }
                }
            };
            let state = JobState::Finished(json_of(&answer));
            let mut jobs = jobs.jobs.lock().expect("jobs lock");
            if let Some(slot) = jobs.iter_mut().find(|(id, _)| *id == job) {
                slot.1 = state;
            }
        });
        Ok(id)
    }

    /// The answer to a poll of job `id`, if it is kept: `{"status": "running"}` or its
    /// finished answer.
    pub fn poll(&self, id: &str) -> Option<Response> {
        let state = {
            let jobs = self.jobs.lock().expect("jobs lock");
            jobs.iter().find(|(j, _)| j == id).map(|(_, s)| s.clone())?
        };
        let body = match state {
            JobState::Running => json_of(&JobStatus::Running),
            JobState::Finished(body) => body,
        };
        let json = HeaderValue::from_static("application/json");
        Some(([(header::CONTENT_TYPE, json)], body).into_response())
    }
}

/// A poll's answer as JSON. Writing it cannot fail (its maps have text keys), but if it ever
/// did, the poll says the job failed rather than the server panicking.
fn json_of(status: &JobStatus) -> Bytes {
    serde_json::to_vec(status).map(Bytes::from).unwrap_or_else(|e| {
        tracing::error!(error = %e, "a match job's answer could not be written");
        Bytes::from_static(br#"{"status":"failed","problem":{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"the answer could not be written; the failure is logged"}}"#)
    })
}

fn busy(why: String) -> ApiProblem {
    ApiProblem::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        format!("{why}: try again when one has finished"),
    )
}
