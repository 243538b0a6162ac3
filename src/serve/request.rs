//! Reading request bodies: the content type, the size, JSON syntax, and each field of a JSON
//! object, so every bad field is reported at once with its pointer; and the request types the
//! endpoints read them into, whose schemas `GET /openapi.json` shows.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::problem::{field_errors, ApiProblem, FieldError};
use crate::domain::person::Person;
use crate::formats::people::parse_person;
use crate::formats::Syntax;
use crate::handout::Referrer;
use crate::matching::{Hold, MatchOptions, PriorityPolicy};
use crate::person_draft::PersonDraft;
use crate::rank::ExcludedDetail;

/// Suggestions returned when a request does not say (as `groupmatch rank`).
const DEFAULT_TOP: usize = 10;

/// `POST /v1/rank`: a person and how to rank the directory for them.
#[derive(ToSchema)]
pub struct RankRequest {
    /// The person, with the fields of a person file (docs/formats.md, "Person"); each bad field
    /// is a 422 error at its pointer under `/person`.
    #[schema(value_type = Object)]
    pub person: Person,
    /// Where the person starts from, instead of the person's `latitude` and `longitude`: a
    /// postal code (`19104`, `T5J`, `10115`), a town (`Springfield, IL`) or coordinates, found
    /// offline in the gazetteer (docs/places.md) as `rank --near` finds it; the person's
    /// `timezone` defaults to the zone there. A place not found is a 422 error at `/near` with
    /// the closest names.
    #[schema(required = false, example = "19104")]
    // Kept for the schema and for callers; the handler ranks `person`, which holds the place.
    #[allow(dead_code)]
    pub near: Option<String>,
    /// How many suggestions to return (10 when left out).
    #[schema(required = false, default = 10)]
    pub top: usize,
    /// The moment to rank at (RFC 3339); now when left out.
    #[schema(required = false)]
    pub now: DateTime<Utc>,
    /// How much of the excluded groups to return (`counts` when left out).
    #[schema(required = false)]
    pub excluded: ExcludedDetail,
}

impl RankRequest {
    /// The request of a body: every bad or unknown field a 422 error at its pointer.
    pub fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<RankRequest, ApiProblem> {
        let mut body = JsonObject::read(headers, body)?;
        let near = body.take::<String>("near");
        let person = body.person("person", near.as_deref());
        let top = body.take("top").unwrap_or(DEFAULT_TOP);
        let now = now_of(&mut body);
        let excluded = body.take("excluded").unwrap_or_default();
        body.finish()?;
        Ok(RankRequest {
            person: person.expect("finish reports a person that could not be read"),
            near,
            top,
            now,
            excluded,
        })
    }
}

/// `POST /v1/explain`: a person and a group.
#[derive(ToSchema)]
pub struct ExplainRequest {
    /// The person, with the fields of a person file (docs/formats.md, "Person").
    #[schema(value_type = Object)]
    pub person: Person,
    /// Where the person starts from, instead of their `latitude` and `longitude`: as in
    /// `POST /v1/rank`.
    #[schema(required = false, example = "19104")]
    // Kept for the schema; the handler explains for `person`, which holds the place.
    #[allow(dead_code)]
    pub near: Option<String>,
    /// The group: its id, or a name one group of the directory has.
    pub group: String,
    /// The moment to explain at (RFC 3339); now when left out.
    #[schema(required = false)]
    pub now: DateTime<Utc>,
}

impl ExplainRequest {
    /// The request of a body: every bad or unknown field a 422 error at its pointer.
    pub fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<ExplainRequest, ApiProblem> {
        let mut body = JsonObject::read(headers, body)?;
        let near = body.take::<String>("near");
        let person = body.person("person", near.as_deref());
        let group = body.require("group");
        let now = now_of(&mut body);
        body.finish()?;
        Ok(ExplainRequest {
            person: person.expect("finish reports a person that could not be read"),
            near,
            group: group.expect("finish reports a missing group"),
            now,
        })
    }
}

/// `POST /v1/handout`: a person and the groups they chose.
#[derive(ToSchema)]
pub struct HandoutRequest {
    /// The person, with the fields of a person file (docs/formats.md, "Person"): their zone,
    /// availability and language shape the page.
    #[schema(value_type = Object)]
    pub person: Person,
    /// Where the person starts from, instead of their `latitude` and `longitude`: as in
    /// `POST /v1/rank`.
    #[schema(required = false, example = "19104")]
    // Kept for the schema; the handler renders for `person`, which holds the place.
    #[allow(dead_code)]
    pub near: Option<String>,
    /// The chosen groups' ids, in the order the page lists them: 1 to 6 (as `--choose`).
    pub groups: Vec<String>,
    /// The moment the handout is made at (RFC 3339): its dates are the next after it; now when
    /// left out.
    #[schema(required = false)]
    pub now: DateTime<Utc>,
    /// The referring service's contact (as `--referrer`); none when left out.
    #[schema(required = false)]
    pub referrer: Referrer,
}

impl HandoutRequest {
    /// The request of a body: every bad or unknown field a 422 error at its pointer.
    pub fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<HandoutRequest, ApiProblem> {
        let mut body = JsonObject::read(headers, body)?;
        let near = body.take::<String>("near");
        let person = body.person("person", near.as_deref());
        let groups = body.require("groups");
        let now = now_of(&mut body);
        let referrer = body.take("referrer").unwrap_or_default();
        body.finish()?;
        Ok(HandoutRequest {
            person: person.expect("finish reports a person that could not be read"),
            near,
            groups: groups.expect("finish reports missing groups"),
            now,
            referrer,
        })
    }
}

/// A waitlist in a match request: the people, or a waitlist file's text.
#[derive(Deserialize, ToSchema)]
#[serde(
    untagged,
    expecting = "give the waitlist as an array of people or as CSV or JSON Lines text"
)]
pub enum WaitlistBody {
    /// Each person as a person file holds them, with `waiting_since` (docs/formats.md).
    People(Vec<serde_json::Value>),
    /// A waitlist file's text, CSV or JSON Lines as `format` says.
    Text(String),
}

/// The syntax of a waitlist given as text.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistFormat {
    /// CSV with a header line (the default).
    Csv,
    /// One JSON object a line.
    Jsonl,
}

/// `POST /v1/match`: a waitlist and the options of `groupmatch match`, with its defaults.
#[derive(ToSchema)]
pub struct MatchRequest {
    /// The waitlist: an array of people, or a waitlist file's text.
    pub waitlist: WaitlistBody,
    /// The syntax of a waitlist given as text (`csv` when left out).
    pub format: Option<WaitlistFormat>,
    /// The moment to match at (RFC 3339); now when left out.
    pub now: Option<DateTime<Utc>>,
    /// The least score a placement needs (as `match --min-score`).
    pub min_score: Option<f64>,
    /// How much a day on the waitlist weighs (as `match --wait-weight`).
    pub wait_weight: Option<f64>,
    /// Alternates listed per person (as `match --alternates`).
    pub alternates: Option<usize>,
    /// Groups kept per person for the solver (as `match --candidates`).
    pub candidates: Option<usize>,
    /// How priority tiers decide seats (as `match --priority`).
    pub priority: Option<PriorityPolicy>,
    /// Placements kept from an earlier match (as `match --holds`).
    pub holds: Option<Vec<Hold>>,
}

impl MatchRequest {
    /// The request of a body: every bad or unknown field a 422 error at its pointer.
    pub fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<MatchRequest, ApiProblem> {
        let mut body = JsonObject::read(headers, body)?;
        let waitlist = body.require("waitlist");
        let request = MatchRequest {
            waitlist: WaitlistBody::Text(String::new()),
            format: body.take("format"),
            now: body.take("now"),
            min_score: body.take("min_score"),
            wait_weight: body.take("wait_weight"),
            alternates: body.take("alternates"),
            candidates: body.take("candidates"),
            priority: body.take("priority"),
            holds: body.take("holds"),
        };
        body.finish()?;
        Ok(MatchRequest {
            waitlist: waitlist.expect("finish reports a waitlist that could not be read"),
            ..request
        })
    }

    /// The waitlist's bytes and syntax: each person of an array a line of JSON Lines (the
    /// reader's line is then the place in the array).
    pub fn document(&self) -> (Vec<u8>, Syntax) {
        match (&self.waitlist, &self.format) {
            (WaitlistBody::People(people), _) => {
                let lines: Vec<String> = people.iter().map(|p| p.to_string()).collect();
                (lines.join("\n").into_bytes(), Syntax::JsonLines)
            }
            (WaitlistBody::Text(text), Some(WaitlistFormat::Jsonl)) => {
                (text.clone().into_bytes(), Syntax::JsonLines)
            }
            (WaitlistBody::Text(text), _) => (text.clone().into_bytes(), Syntax::Csv),
        }
    }

    /// The match options: `groupmatch match`'s defaults, with the request's values.
    pub fn options(&self) -> Result<MatchOptions, ApiProblem> {
        let mut options = MatchOptions::new(self.now.unwrap_or_else(Utc::now));
        if let Some(v) = self.min_score {
            options.min_score = v;
        }
        if let Some(v) = self.wait_weight {
            options.wait_weight = v;
        }
        if let Some(v) = self.alternates {
            options.alternates = v;
        }
        if let Some(v) = self.candidates {
            options.candidates = v;
        }
        if let Some(holds) = &self.holds {
            options.holds = holds.clone();
        }
        if let Some(policy) = self.priority {
            options.priorities = (options.priorities.clone())
                .with_policy(policy, "priority")
                .map_err(|e| ApiProblem::from_error(e, ""))?;
        }
        Ok(options)
    }
}

/// The `now` of a request: the field's, else the current time.
fn now_of(body: &mut JsonObject) -> DateTime<Utc> {
    body.take("now").unwrap_or_else(Utc::now)
}

/// The syntax of a document body by its content type: JSON, JSON Lines
/// (`application/x-ndjson`, `application/jsonl`) or CSV (`text/csv`); `None` for any other.
pub fn syntax_of(headers: &HeaderMap) -> Option<Syntax> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Some(Syntax::Json),
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
            Some(Syntax::JsonLines)
        }
        "text/csv" => Some(Syntax::Csv),
        _ => None,
    }
}

/// The body's bytes, or 413 when it is larger than the route's limit (any other failure to read
/// it is 400).
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiProblem> {
    body.map_err(|rejection| {
        let status = rejection.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request body is larger than this endpoint takes".to_string()
        } else {
            format!(
                "the request body could not be read: {}",
                rejection.body_text()
            )
        };
        ApiProblem::new(status, detail)
    })
}

/// 415 unless the body is JSON.
fn require_json(headers: &HeaderMap) -> Result<(), ApiProblem> {
    match syntax_of(headers) {
        Some(Syntax::Json) => Ok(()),
        _ => Err(ApiProblem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as application/json",
        )),
    }
}

/// A JSON object body, its fields taken one by one: each field's problems are collected with
/// its pointer, and [`JsonObject::finish`] reports them all (and any field left unknown).
pub struct JsonObject {
    fields: BTreeMap<String, Box<RawValue>>,
    errors: Vec<FieldError>,
}

impl JsonObject {
    /// The body as a JSON object: 415 if it is not JSON, 413 if too large, 400 if not a JSON
    /// object.
    pub fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<JsonObject, ApiProblem> {
        require_json(headers)?;
        let bytes = body_bytes(body)?;
        let fields = serde_json::from_slice(&bytes).map_err(|e| {
            ApiProblem::new(
                StatusCode::BAD_REQUEST,
                format!("the body is not a JSON object: {e}"),
            )
        })?;
        Ok(JsonObject {
            fields,
            errors: Vec::new(),
        })
    }

    /// The field `name` as a `T`, if present; a bad value is recorded.
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        let raw = self.fields.remove(name)?;
        match serde_json::from_str(raw.get()) {
            Ok(value) => Some(value),
            Err(e) => {
                self.error(name, strip_position(&e.to_string()));
                None
            }
        }
    }

    /// The field `name` as a `T`; its absence is recorded.
    pub fn require<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        if !self.fields.contains_key(name) {
            self.error(name, format!("missing field '{name}'"));
            return None;
        }
        self.take(name)
    }

    /// The field `name` as a person, read as a person file is ([`parse_person`]), at the place
    /// `near` when given ([`PersonDraft::set_near`], as `rank --near`); each problem is recorded
    /// at its field under `/name`, a place that cannot be found at `/near`.
    pub fn person(&mut self, name: &str, near: Option<&str>) -> Option<Person> {
        if !self.fields.contains_key(name) {
            self.error(name, format!("missing field '{name}'"));
            return None;
        }
        let raw = self.fields.remove(name)?;
        let bytes = match near {
            Some(near) => self.placed(raw.get(), near)?,
            None => raw.get().as_bytes().to_vec(),
        };
        match parse_person(&bytes, name) {
            Ok(loaded) => Some(loaded.value),
            Err(e) => {
                let at = format!("/{name}");
                match e.problems() {
                    [] => self.errors.push(FieldError {
                        pointer: at,
                        detail: e.to_string(),
                    }),
                    problems => self.errors.extend(field_errors(problems, &at)),
                }
                None
            }
        }
    }

    /// The person's JSON with the place `near` set, or `None` with the problem recorded at
    /// `/near`. A person that is not a JSON object is left to the person reader to report.
    fn placed(&mut self, person: &str, near: &str) -> Option<Vec<u8>> {
        let Ok(mut draft) = PersonDraft::from_json(person.as_bytes(), "person") else {
            return Some(person.as_bytes().to_vec());
        };
        if draft.has("latitude") || draft.has("longitude") {
            self.error(
                "near",
                "give the person's place as near or as latitude and longitude, not both",
            );
            return None;
        }
        if let Err(e) = draft.set_near(near) {
            self.error("near", e.to_string());
            return None;
        }
        serde_json::to_vec(draft.fields()).ok()
    }

    /// Records a problem of the field `name`.
    pub fn error(&mut self, name: &str, detail: impl Into<String>) {
        self.errors.push(FieldError {
            pointer: format!("/{name}"),
            detail: detail.into(),
        });
    }

    /// 422 with every problem recorded, and every field not taken as unknown.
    pub fn finish(mut self) -> Result<(), ApiProblem> {
        let unknown: Vec<String> = self.fields.keys().cloned().collect();
        for name in unknown {
            self.error(&name, "unknown field");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiProblem::invalid(self.errors))
        }
    }
}

/// serde_json's message without its ` at line L column C`: the pointer says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
