//! The referral endpoints over the referrals store (`serve --db FILE`, docs/referrals.md):
//! `POST /v1/referrals` records a referral as `groupmatch refer` does
//! ([`NewReferral::ranked`] with the served engine and its version), `PATCH /v1/referrals/{id}`
//! appends an event as `groupmatch referral update` does, `GET /v1/referrals/due` lists the
//! follow-ups due as `groupmatch referrals due` does.
//!
//! Each request opens its own connection on the blocking pool (SQLite calls block): measured on
//! a debug build, `GET /v1/referrals/due` (open, migration check, query) answers in a median
//! 1.8 ms against 0.36 ms for `GET /v1/groups/{id}`, less than the ranking a referral makes;
//! a pool would save part of that millisecond at the cost of sizing it and of connections held
//! across requests, and the store's busy timeout already orders concurrent writers. Every
//! endpoint needs a `match` token: these are writes and reads of health records, which a `read`
//! token (a kiosk ranking for a visitor) is not trusted with. Without a database every one
//! answers 404 saying so. Person data travels only in the POST body; the URLs carry referral
//! ids and dates, which are not person data, and the log holds only the route template.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::{blocking, PROBLEM};
use super::auth::{Auth, Match};
use super::problem::{field_errors, ApiProblem};
use super::request::JsonObject;
use super::{AppState, Served};
use crate::domain::person::Person;
use crate::domain::vocab::{EventKind, ReferralType, StopReason};
use crate::error::Error;
use crate::store::{
    Consent, DueFollowUp, Event, NewEvent, NewReferral, ReferralChoice, ReferralId, Store,
};

/// Suggestions shown when a referral request does not say (as `groupmatch refer`).
const DEFAULT_TOP: usize = 10;

/// `POST /v1/referrals`: a person, the groups they chose, and what `groupmatch refer` records.
#[derive(ToSchema)]
pub struct ReferralRequest {
    /// The person, with the fields of a person file (docs/formats.md, "Person"); each bad field
    /// is a 422 error at its pointer under `/person`.
    #[schema(value_type = Object)]
    pub person: Person,
    /// Where the person starts from, instead of their `latitude` and `longitude`: as in
    /// `POST /v1/rank`.
    #[schema(required = false, example = "19104")]
    // Kept for the schema; the referral ranks `person`, which holds the place.
    #[allow(dead_code)]
    pub near: Option<String>,
    /// The groups the person chose, each by id or by a name one group has: at least one.
    pub groups: Vec<String>,
    /// What the person agreed to: `follow_up`, `training`, `follow_up,training` or `none`
    /// (`none` when left out).
    #[schema(value_type = String, required = false, example = "follow_up,training")]
    pub consent: Consent,
    /// The staff member making the referral (an id, never a name).
    #[schema(required = false)]
    pub staff: Option<String>,
    /// How the person was referred (`list` when left out).
    #[schema(required = false)]
    pub referral_type: ReferralType,
    /// How many suggestions were shown (10 when left out).
    #[schema(required = false, default = 10)]
    pub top: usize,
    /// The moment of the referral (RFC 3339); now when left out.
    #[schema(required = false)]
    pub now: DateTime<Utc>,
}

impl ReferralRequest {
    /// The request of a body: every bad or unknown field a 422 error at its pointer.
    fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<ReferralRequest, ApiProblem> {
        let mut body = JsonObject::read(headers, body)?;
        let near = body.take::<String>("near");
        let person = body.person("person", near.as_deref());
        let groups: Option<Vec<String>> = body.require("groups");
        if groups.as_ref().is_some_and(Vec::is_empty) {
            body.error("groups", "give at least one chosen group");
        }
        let consent = match body.take::<String>("consent").map(|c| c.parse::<Consent>()) {
            None => Some(Consent::default()),
            Some(Ok(consent)) => Some(consent),
            Some(Err(message)) => {
                body.error("consent", message);
                None
            }
        };
        let staff = body.take("staff");
        let referral_type = body.take("referral_type").unwrap_or(ReferralType::List);
        let top = body.take("top").unwrap_or(DEFAULT_TOP);
        let now = body.take("now").unwrap_or_else(Utc::now);
        body.finish()?;
        let missing = "finish reports a field that could not be read";
        Ok(ReferralRequest {
            person: person.expect(missing),
            near,
            groups: groups.expect(missing),
            consent: consent.expect(missing),
            staff,
            referral_type,
            top,
            now,
        })
    }

    /// The person, and what the referral records besides.
    fn into_parts(self) -> (Person, ReferralChoice) {
        let choice = ReferralChoice {
            chosen: self.groups,
            top: self.top,
            now: self.now,
            staff: self.staff,
            referral_type: self.referral_type,
            consent: self.consent,
        };
        (self.person, choice)
    }
}

/// The answer to `POST /v1/referrals`.
#[derive(Serialize, ToSchema)]
pub struct ReferralCreated {
    /// The new referral's id (for `PATCH /v1/referrals/{id}`).
    pub id: ReferralId,
    /// The engine that ranked the person, recorded with the referral.
    pub engine: String,
    /// The chosen groups' ids.
    pub chosen: Vec<String>,
    /// How many suggestions were shown (recorded with their ranks and scores).
    pub shown: usize,
    /// The chosen groups that were not among the suggestions shown.
    pub chosen_not_shown: Vec<String>,
}

/// The database, or 404 when the server has none.
fn db_of(state: &AppState) -> Result<PathBuf, ApiProblem> {
    state.shared.db.clone().ok_or_else(|| {
        ApiProblem::new(
            StatusCode::NOT_FOUND,
            "this server has no referrals store: start it with --db FILE (or GROUPMATCH_DB)",
        )
    })
}

/// Opens the store at `db` (on the blocking pool): a failure is logged, and a 500.
fn open(db: &std::path::Path) -> Result<Store, ApiProblem> {
    Store::open(db).map_err(|e| ApiProblem::from_error(e, ""))
}

/// Records a referral, as `groupmatch refer`.
///
/// The person is ranked with the engine serving (the suggestions shown, with their ranks and
/// scores, are recorded with it, and the engine's version); each chosen group is found by id or
/// name, a group not in the directory a 422 error at `/groups`. 201 with the new referral's id.
#[utoipa::path(post, path = "/v1/referrals", tag = "referrals", security(("bearer" = ["match"])),
    request_body = ReferralRequest,
    responses(
        (status = 201, description = "The referral is recorded", body = ReferralCreated,
            headers(("Location" = String, description = "The referral, for `PATCH`"))),
        (status = 404, description = "The server has no referrals store", body = ApiProblem, content_type = PROBLEM),
    ))]
pub async fn create(
    _: Auth<Match>,
    State(state): State<AppState>,
    Extension(served): Extension<Arc<Served>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiProblem> {
    let db = db_of(&state)?;
    let (person, choice) = ReferralRequest::read(&headers, body)?.into_parts();
    let (id, referral) = blocking(move || {
        let referral = NewReferral::ranked(&served.engine, &served.version, person, choice)
            .map_err(|e| match e {
                e @ Error::Invalid { .. } => ApiProblem::from_error(e, ""),
                e => ApiProblem::from_error(e, "/groups"),
            })?;
        let id = open(&db)?
            .record_referral(&referral)
            .map_err(|e| ApiProblem::from_error(e, ""))?;
        Ok::<_, ApiProblem>((id, referral))
    })
    .await??;
    let created = ReferralCreated {
        id,
        engine: referral.engine_version.clone(),
        chosen_not_shown: referral.chosen_not_shown().map(str::to_string).collect(),
        shown: referral.shown.len(),
        chosen: referral.chosen,
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/v1/referrals/{id}"))],
        Json(created),
    )
        .into_response())
}

/// `PATCH /v1/referrals/{id}`: what happened, as `groupmatch referral update`.
#[derive(ToSchema)]
pub struct EventRequest {
    /// What happened: contacted, attended_first, attending (a check-in), stopped (with a
    /// reason), no_capacity, could_not_contact or declined.
    pub status: EventKind,
    /// When (YYYY-MM-DD).
    pub on: NaiveDate,
    /// The chosen group it is about (the referral as a whole, every chosen group, when left
    /// out).
    #[schema(required = false)]
    pub group: Option<String>,
    /// Why they stopped (required with `stopped`) or declined.
    #[schema(required = false)]
    pub reason: Option<StopReason>,
}

impl EventRequest {
    /// The request of a body: every bad or unknown field a 422 error at its pointer.
    fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<EventRequest, ApiProblem> {
        let mut body = JsonObject::read(headers, body)?;
        let status = body.require("status");
        let on = body.require("on");
        let group = body.take("group");
        let reason = body.take("reason");
        body.finish()?;
        let missing = "finish reports a field that could not be read";
        Ok(EventRequest {
            status: status.expect(missing),
            on: on.expect(missing),
            group,
            reason,
        })
    }
}

/// The answer to `PATCH /v1/referrals/{id}`: the referral's events, the new one last.
#[derive(Serialize, ToSchema)]
pub struct EventsAnswer {
    /// The referral.
    pub id: ReferralId,
    /// Its events in the order recorded (the first is `referred`).
    pub events: Vec<Event>,
}

/// Appends an event to a referral, as `groupmatch referral update`.
///
/// Events are appended, never changed: a correction is a new event. A referral not in the store
/// is 404; a bad event (a stop without a reason, a group the referral did not choose, a date
/// before the referral) 422 at its field.
#[utoipa::path(patch, path = "/v1/referrals/{id}", tag = "referrals", security(("bearer" = ["match"])),
    params(("id" = i64, Path, description = "The referral's id, as `POST /v1/referrals` gave it")),
    request_body = EventRequest,
    responses(
        (status = 200, description = "The event is appended; the referral's events", body = EventsAnswer),
        (status = 404, description = "No such referral, or the server has no referrals store", body = ApiProblem, content_type = PROBLEM),
    ))]
pub async fn update(
    _: Auth<Match>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EventsAnswer>, ApiProblem> {
    let db = db_of(&state)?;
    let no_such = |detail: String| ApiProblem::new(StatusCode::NOT_FOUND, detail);
    let id: ReferralId = id.parse().map_err(no_such)?;
    let request = EventRequest::read(&headers, body)?;
    let event = NewEvent {
        referral: id,
        kind: request.status,
        on: request.on,
        group_id: request.group,
        reason: request.reason,
    };
    blocking(move || {
        let mut store = open(&db)?;
        store
            .append_events(std::slice::from_ref(&event))
            .map_err(|e| match e {
                Error::Invalid { problems, .. }
                    if problems
                        .iter()
                        .any(|p| p.field.as_deref() == Some("referral")) =>
                {
                    no_such(format!("no referral {id} in the store"))
                }
                Error::Invalid { problems, .. } => {
                    let problems: Vec<_> = problems
                        .into_iter()
                        .map(|p| crate::Problem { line: None, ..p })
                        .collect();
                    ApiProblem::invalid(field_errors(&problems, ""))
                }
                e => ApiProblem::from_error(e, ""),
            })?;
        let events = store
            .referral(id)
            .map_err(|e| ApiProblem::from_error(e, ""))?
            .events;
        Ok(Json(EventsAnswer { id, events }))
    })
    .await?
}

/// The day to list the follow-ups due on.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The day (YYYY-MM-DD); today (UTC) when left out.
    on: Option<NaiveDate>,
}

/// The answer to `GET /v1/referrals/due`.
#[derive(Serialize, ToSchema)]
pub struct DueAnswer {
    /// The day they are due on.
    pub on: NaiveDate,
    /// The follow-ups due: pseudonymous person ids, never a person's record.
    pub due: Vec<DueFollowUp>,
}

/// The follow-ups due on a day, as `groupmatch referrals due`.
///
/// Only referrals with consent to follow-up: the 7-, 30- and 90-day follow-ups, each until an
/// event dated on or after its day, or every chosen group closed (docs/referrals.md).
#[utoipa::path(get, path = "/v1/referrals/due", tag = "referrals", security(("bearer" = ["match"])),
    params(DueQuery),
    responses(
        (status = 200, description = "The follow-ups due", body = DueAnswer),
        (status = 404, description = "The server has no referrals store", body = ApiProblem, content_type = PROBLEM),
    ))]
pub async fn due(
    _: Auth<Match>,
    State(state): State<AppState>,
    query: Result<Query<DueQuery>, QueryRejection>,
) -> Result<Json<DueAnswer>, ApiProblem> {
    let db = db_of(&state)?;
    let Query(query) =
        query.map_err(|e| ApiProblem::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let on = query.on.unwrap_or_else(|| Utc::now().date_naive());
    blocking(move || {
        let due = open(&db)?
            .due(on)
            .map_err(|e| ApiProblem::from_error(e, ""))?;
        Ok(Json(DueAnswer { on, due }))
    })
    .await?
}
