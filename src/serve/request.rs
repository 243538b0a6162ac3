//! Reading request bodies: the content type, the size, JSON syntax, and each field of a JSON
//! object, so every bad field is reported at once with its pointer.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::problem::{field_errors, ApiProblem, FieldError};
use crate::domain::person::Person;
use crate::formats::people::parse_person;
use crate::formats::Syntax;

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

    /// The field `name` as a person, read as a person file is ([`parse_person`]); each problem
    /// is recorded at its field under `/name`.
    pub fn person(&mut self, name: &str) -> Option<Person> {
        if !self.fields.contains_key(name) {
            self.error(name, format!("missing field '{name}'"));
            return None;
        }
        let raw = self.fields.remove(name)?;
        match parse_person(raw.get().as_bytes(), name) {
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
