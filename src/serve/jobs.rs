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
use serde_json::json;

use super::problem::ApiProblem;

/// The most jobs kept, running or finished.
pub const MAX_JOBS: usize = 16;
/// The most jobs running at once (each uses every core while it scores).
pub const MAX_RUNNING: usize = 2;

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
        work: impl FnOnce() -> Result<serde_json::Value, ApiProblem> + Send + 'static,
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
                Ok(Ok(result)) => json!({"status": "done", "result": result}),
                Ok(Err(problem)) => json!({"status": "failed", "problem": problem}),
                Err(_) => {
                    tracing::error!("a match job panicked");
                    json!({"status": "failed", "problem": ApiProblem::internal()})
                }
            };
            let state = JobState::Finished(Bytes::from(answer.to_string()));
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
            JobState::Running => Bytes::from_static(br#"{"status":"running"}"#),
            JobState::Finished(body) => body,
        };
        let json = HeaderValue::from_static("application/json");
        Some(([(header::CONTENT_TYPE, json)], body).into_response())
    }
}

fn busy(why: String) -> ApiProblem {
    ApiProblem::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        format!("{why}: try again when one has finished"),
    )
}
