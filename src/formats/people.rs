//! Reading people (one JSON object) and waitlists (CSV or JSON Lines); see `docs/formats.md`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::domain::check::{id_problem, list_length_problem, parse_date, text_problem};
use crate::domain::person::{self, Person, Prior, WaitlistEntry};
use crate::domain::place::PlaceGiven;
use crate::domain::vocab::{
    Approach, FamilyAim, Gender, GenderSpecific, Language, Medication, PriorOutcome, Relationship,
    Role, Stage, Substance,
};
use crate::error::{Problem, Result};
use crate::formats::record::{
    first_seen, json_records, read_records, Cell, Fields, Record, READ_CHUNK,
};
use crate::formats::{read_bytes, Loaded, Syntax};
use crate::limits::MAX_LIST_ITEMS;

/// Every field of a person, in documented order.
pub const PERSON_FIELDS: &[&str] = &[
    "id",
    "role",
    "stage",
    "relationship",
    "family_aim",
    "approach_preference",
    "approach_strict",
    "format_preference",
    "availability",
    "timezone",
    "latitude",
    "longitude",
    "place",
    "max_travel_km",
    "languages",
    "gender",
    "gender_specific",
    "audience_preference",
    "age",
    "lgbtq",
    "veteran",
    "needs",
    "can_pay",
    "risks",
    "substances",
    "primary_substance",
    "medication",
    "goal",
    "facilitation_preference",
    "self_efficacy",
    "readiness",
    "social_support",
    "network_supports_use",
    "prior",
];

/// The fields a person must have.
pub const PERSON_REQUIRED: &[&str] = &[
    "id",
    "approach_preference",
    "format_preference",
    "availability",
    "timezone",
];

/// Reads one person from a `.json` file holding one object.
pub fn read_person(path: &Path) -> Result<Loaded<Person>> {
    let bytes = read_bytes(path, crate::limits::MAX_DOCUMENT_FILE_BYTES)?;
    parse_person(&bytes, &path.display().to_string())
}

/// Parses one person from JSON text; `label` names it in messages.
///
/// ```
/// let json = r#"{"id": "p1", "stage": "early", "approach_preference": "secular",
///   "format_preference": "online", "availability": ["Mon 18:00-22:00"],
///   "timezone": "America/New_York"}"#;
/// let person = groupmatch::parse_person(json.as_bytes(), "p1.json").unwrap().value;
/// assert_eq!(person.languages[0].as_str(), "en");
/// ```
pub fn parse_person(bytes: &[u8], label: &str) -> Result<Loaded<Person>> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut person = None;
    match crate::formats::record::text_of(bytes) {
        Ok(text) => {
            let (records, structural) = json_records(text, false);
            problems = structural;
            if let Some(record) = records.first() {
                warnings =
                    crate::formats::record::unknown_field_warnings(record.names(), PERSON_FIELDS);
                person = person_from_fields(&mut Fields::new(record, &mut problems), &mut warnings);
                warnings.sort_by_key(|w| w.line);
            }
        }
        Err(p) => problems.push(p),
    }
    Loaded::finish(person, problems, warnings, label)
}

/// Reads a waitlist row by row (see [`parse_waitlist_rows`]).
pub fn read_waitlist_rows(
    path: &Path,
) -> Result<Loaded<Vec<std::result::Result<WaitlistEntry, InvalidEntry>>>> {
    let bytes = read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    parse_waitlist_rows(&bytes, Syntax::of_path(path), &path.display().to_string())
}

/// Reads a waitlist: `.csv` (person fields as columns, `prior` as `approach:outcome;...`) or
/// `.jsonl` (one person object per line), each with `waiting_since` (YYYY-MM-DD).
pub fn read_waitlist(path: &Path) -> Result<Loaded<Vec<WaitlistEntry>>> {
    let bytes = read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    parse_waitlist(&bytes, Syntax::of_path(path), &path.display().to_string())
}

/// Parses a waitlist's contents; `label` names it in messages.
pub fn parse_waitlist(
    bytes: &[u8],
    syntax: Syntax,
    label: &str,
) -> Result<Loaded<Vec<WaitlistEntry>>> {
    let Loaded {
        value: rows,
        warnings,
    } = parse_waitlist_rows(bytes, syntax, label)?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for row in rows {
        match row {
            Ok(entry) => entries.push(entry),
            Err(invalid) => problems.extend(invalid.problems),
        }
    }
    Loaded::finish(Some(entries), problems, warnings, label)
}

/// A waitlist row that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidEntry {
    /// The row's line.
    pub line: u64,
    /// The person's id, when it could be read.
    pub id: Option<String>,
    /// Everything wrong with the row.
    pub problems: Vec<Problem>,
}

impl InvalidEntry {
    /// Whether the row repeats an earlier row's id (an error even when invalid rows are skipped).
    pub fn is_duplicate(&self) -> bool {
        self.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("id") && p.message.starts_with("duplicate id"))
    }
}

/// Parses a waitlist row by row: each row is an entry or an [`InvalidEntry`] with its problems.
/// Problems with the file as a whole (unreadable, missing column, no rows) are an `Err`.
pub fn parse_waitlist_rows(
    bytes: &[u8],
    syntax: Syntax,
    label: &str,
) -> Result<Loaded<Vec<std::result::Result<WaitlistEntry, InvalidEntry>>>> {
    let required = [PERSON_REQUIRED, &["waiting_since"]].concat();
    let known = [PERSON_FIELDS, WAITLIST_FIELDS].concat();
    let mut rows = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut row_warnings = Vec::new();
    let each = |records: &[Record]| {
        for record in records {
            let mut problems = Vec::new();
            let mut f = Fields::new(record, &mut problems);
            let fresh = first_seen(record, "id", &mut first_line, &mut f);
            let entry = entry_from_fields(&mut f, &mut row_warnings, fresh);
            rows.push(match entry {
                Some(entry) if problems.is_empty() => Ok(entry),
                _ => Err(InvalidEntry {
                    line: record.line,
                    id: record
                        .scalar("id")
                        .filter(|id| id_problem(id).is_none())
                        .map(Cow::into_owned),
                    problems,
                }),
            });
        }
    };
    let (structural, mut warnings) =
        read_records(bytes, syntax, &required, &known, READ_CHUNK, each);
    warnings.append(&mut row_warnings);
    let mut problems = structural;
    if problems.is_empty() && rows.is_empty() {
        problems.push(Problem::new(None, None, "no people in the file"));
    }
    warnings.sort_by_key(|w| w.line);
    Loaded::finish(Some(rows), problems, warnings, label)
}

/// Reads people from JSON Lines (one person object per line, as `simulate` writes `people.jsonl`).
pub fn read_people(path: &Path) -> Result<Loaded<Vec<Person>>> {
    let bytes = read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut people = Vec::new();
    let (mut row_problems, mut row_warnings) = (Vec::new(), Vec::new());
    let each = |records: &[Record]| {
        for record in records {
            let mut f = Fields::new(record, &mut row_problems);
            let fresh = first_seen(record, "id", &mut first_line, &mut f);
            people.extend(person_from_fields(&mut f, &mut row_warnings).filter(|_| fresh));
        }
    };
    let (mut problems, mut warnings) = read_records(
        &bytes,
        Syntax::JsonLines,
        PERSON_REQUIRED,
        PERSON_FIELDS,
        READ_CHUNK,
        each,
    );
    problems.append(&mut row_problems);
    warnings.append(&mut row_warnings);
    warnings.sort_by_key(|w| w.line);
    Loaded::finish(
        Some(people),
        problems,
        warnings,
        &path.display().to_string(),
    )
}

/// The fields of a waitlist row besides the person's.
pub const WAITLIST_FIELDS: &[&str] = &["waiting_since", "priority"];

/// Builds a waitlist entry from a record ([`person_from_fields`], `waiting_since` and
/// `priority`); `fresh` is false when the row repeats an earlier id (its fields are still checked).
fn entry_from_fields(
    f: &mut Fields,
    warnings: &mut Vec<Problem>,
    fresh: bool,
) -> Option<WaitlistEntry> {
    let person = person_from_fields(f, warnings).filter(|_| fresh);
    let since = f.parse_with("waiting_since", true, parse_date);
    let priority = f.list("priority", MAX_LIST_ITEMS);
    Some(WaitlistEntry {
        person: person?,
        waiting_since: since?,
        priority,
    })
}

/// Builds a person from a record, recording a problem for each bad field and a warning in
/// `warnings` for a time zone that does not follow the place ([`Fields::zone_of_place`]).
pub(crate) fn person_from_fields(f: &mut Fields, warnings: &mut Vec<Problem>) -> Option<Person> {
    let id = f.id("id");
    let role = f.parse("role", false).unwrap_or(Role::InRecovery);
    let stage: Option<Stage> = f.parse("stage", false);
    let relationship: Option<Relationship> = f.parse("relationship", false);
    let family_aim: Option<FamilyAim> = f.parse("family_aim", false);
    let role_fits = {
        let present = |field| f.cell(field).is_some();
        let found = person::role_problems(
            role,
            present("stage"),
            present("relationship"),
            present("family_aim"),
        );
        let fits = found.is_empty();
        for (field, message) in found {
            f.problem(field, message);
        }
        fits
    };
    let approach_preference = f.parse("approach_preference", true);
    let approach_strict = f.boolean("approach_strict").unwrap_or(false);
    let format_preference = f.parse("format_preference", true);
    let availability = f.availability("availability", MAX_LIST_ITEMS);
    let timezone = f.timezone();
    let location = f.geo_point();
    let timezone = f.zone_of_place(timezone, location.ok().flatten(), warnings);
    let place = place_of(f);
    if matches!((&place, &location), (Some(Some(_)), Ok(None))) {
        f.problem("place", person::PLACE_WITHOUT_POINT);
    }
    let max_travel_km = f.number("max_travel_km", false, 0.0..=person::MAX_TRAVEL_KM);
    let mut languages: Vec<Language> = f.list("languages", MAX_LIST_ITEMS);
    let gender = f.parse("gender", false).unwrap_or(Gender::Unspecified);
    let gender_specific = f
        .parse("gender_specific", false)
        .unwrap_or(GenderSpecific::No);
    let audience_preference = f.list("audience_preference", MAX_LIST_ITEMS);
    let age = f
        .integer("age", false, 0..=person::MAX_AGE.into())
        .map(|a| a as u8);
    let lgbtq = f.boolean("lgbtq").unwrap_or(false);
    let veteran = f.boolean("veteran").unwrap_or(false);
    let needs = f.list("needs", MAX_LIST_ITEMS);
    let can_pay = f.boolean("can_pay").unwrap_or(true);
    let risks = f.list("risks", MAX_LIST_ITEMS);
    let substances: Vec<Substance> = f.list("substances", MAX_LIST_ITEMS);
    let primary_substance = f.parse("primary_substance", false);
    if let Some(m) = person::primary_substance_problem(primary_substance, &substances) {
        f.problem("primary_substance", m);
    }
    let medication = f.parse("medication", false).unwrap_or(Medication::None);
    let goal = f.parse("goal", false);
    let facilitation_preference = f
        .parse("facilitation_preference", false)
        .unwrap_or(crate::FacilitationPreference::Either);
    let scale = || (*person::SCORE_SCALE.start()).into()..=(*person::SCORE_SCALE.end()).into();
    let self_efficacy = f.integer("self_efficacy", false, scale()).map(|v| v as u8);
    let readiness = f.integer("readiness", false, scale()).map(|v| v as u8);
    let social_support = f.parse("social_support", false);
    let network_supports_use = f.boolean("network_supports_use");
    let prior = prior_of(f);

    if let Some(message) = person::gender_specific_problem(gender, gender_specific) {
        f.problem("gender_specific", message);
        return None;
    }
    if languages.is_empty() {
        languages.push(Language::ENGLISH);
    }
    if !role_fits {
        return None;
    }
    Some(Person {
        id: id?,
        role,
        stage,
        relationship,
        family_aim,
        approach_preference: approach_preference?,
        approach_strict,
        format_preference: format_preference?,
        availability: availability?,
        timezone: timezone?,
        location: location.ok()?,
        place: place?,
        max_travel_km,
        languages,
        gender,
        gender_specific,
        audience_preference,
        age,
        lgbtq,
        veteran,
        needs,
        can_pay,
        risks,
        substances,
        primary_substance,
        medication,
        goal,
        facilitation_preference,
        self_efficacy,
        readiness,
        social_support,
        network_supports_use,
        prior: prior?,
    })
}

/// How a `place` is written, for its messages.
const PLACE_SHAPE: &str = "write an object like {\"given\": \"19104\", \"kind\": \"postal_code\", \"precision_km\": 1.3} (in a CSV cell, 19104:postal_code:1.3 or the object as JSON text)";

/// `place`: an object `{given, kind, name, precision_km}` (`name` optional). In a CSV cell, the
/// same object as JSON text, or its values joined by `:` as the CSV writers write an object
/// (`given:kind:precision_km` or `given:kind:name:precision_km`, `given` without a colon).
/// `None` after a problem; `Some(None)` when there is none.
fn place_of(f: &mut Fields) -> Option<Option<PlaceGiven>> {
    let value = match f.cell("place") {
        None | Some(Cell::Json(serde_json::Value::Null)) => return Some(None),
        Some(Cell::Json(value)) => value.clone(),
        Some(Cell::Text(text)) if text.trim_start().starts_with('{') => {
            match serde_json::from_str(text) {
                Ok(value) => value,
                Err(e) => {
                    f.problem("place", format!("not a JSON object ({e}): {PLACE_SHAPE}"));
                    return None;
                }
            }
        }
        Some(Cell::Text(text)) => match place_fields(text) {
            Some(value) => value,
            None => {
                f.problem("place", format!("'{text}' is not a place: {PLACE_SHAPE}"));
                return None;
            }
        },
    };
    match serde_json::from_value::<PlaceGiven>(value) {
        Ok(place) => {
            let problems = place.problems();
            for p in &problems {
                f.problem("place", p.message.clone());
            }
            problems.is_empty().then_some(Some(place))
        }
        Err(e) => {
            f.problem("place", format!("{e}: {PLACE_SHAPE}"));
            None
        }
    }
}

/// The object of a place written `given:kind[:name]:precision_km`.
fn place_fields(text: &str) -> Option<serde_json::Value> {
    let (given, rest) = text.split_once(':')?;
    let (rest, precision) = rest.rsplit_once(':')?;
    let (kind, name) = match rest.split_once(':') {
        Some((kind, name)) => (kind, Some(name)),
        None => (rest, None),
    };
    let precision: f64 = precision.trim().parse().ok()?;
    let mut object = serde_json::json!({
        "given": given, "kind": kind.trim(), "precision_km": precision
    });
    if let Some(name) = name {
        object["name"] = name.into();
    }
    Some(object)
}

/// `prior`: a JSON list of `{approach, outcome}` objects, or text `approach:outcome;...`.
fn prior_of(f: &mut Fields) -> Option<Vec<Prior>> {
    let pairs: Vec<(String, String)> = match f.cell("prior") {
        None => return Some(Vec::new()),
        Some(Cell::Json(serde_json::Value::Array(items))) => {
            let mut pairs = Vec::new();
            for item in items {
                let get = |k: &str| item.get(k).and_then(|v| v.as_str()).map(str::to_string);
                match (get("approach"), get("outcome")) {
                    (Some(a), Some(o)) => pairs.push((a, o)),
                    _ => {
                        f.problem("prior", "each item needs 'approach' and 'outcome'");
                        return None;
                    }
                }
            }
            pairs
        }
        Some(_) => {
            let text = f.text("prior", false)?;
            let mut pairs = Vec::new();
            for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                match item.split_once(':') {
                    Some((a, o)) => pairs.push((a.trim().to_string(), o.trim().to_string())),
                    None => {
                        f.problem(
                            "prior",
                            format!("'{item}' is not like 'twelve_step:helped'"),
                        );
                        return None;
                    }
                }
            }
            pairs
        }
    };
    if let Some(m) = list_length_problem(pairs.len(), MAX_LIST_ITEMS) {
        f.problem("prior", m);
        return None;
    }
    let mut prior = Vec::with_capacity(pairs.len());
    for (a, o) in pairs {
        if let Some(m) = text_problem(&a).or_else(|| text_problem(&o)) {
            f.problem("prior", m);
            continue;
        }
        match (a.parse::<Approach>(), o.parse::<PriorOutcome>()) {
            (Ok(approach), Ok(outcome)) => prior.push(Prior { approach, outcome }),
            (Err(e), _) => f.problem("prior", format!("approach: {e}")),
            (_, Err(e)) => f.problem("prior", format!("outcome: {e}")),
        }
    }
    (prior.len() == prior.capacity()).then_some(prior)
}

/// A JSON object as the readers' record: deserialising goes through exactly their reading.
fn record_of(map: serde_json::Map<String, serde_json::Value>) -> Record<'static> {
    Record::object(0, map.into_iter().map(|(k, v)| (k, v, 0)).collect())
}

/// The problems as one deserialisation error (`field: message; ...`); lines mean nothing here.
fn de_error<E: serde::de::Error>(problems: &[Problem]) -> E {
    let text: Vec<String> = problems
        .iter()
        .map(|p| match &p.field {
            Some(field) => format!("{field}: {}", p.message),
            None => p.message.clone(),
        })
        .collect();
    E::custom(text.join("; "))
}

impl<'de> Deserialize<'de> for Person {
    /// Reads a person object exactly as [`crate::parse_person`] does (same defaults, same checks).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Person, D::Error> {
        let record = record_of(serde_json::Map::deserialize(d)?);
        let mut problems = Vec::new();
        // Serde has no place for warnings: a zone that follows no place is not reported here
        // (one that contradicts the coordinates is refused, as by the reader).
        let person = person_from_fields(&mut Fields::new(&record, &mut problems), &mut Vec::new());
        match person {
            Some(person) if problems.is_empty() => Ok(person),
            _ => Err(de_error(&problems)),
        }
    }
}

impl<'de> Deserialize<'de> for WaitlistEntry {
    /// Reads a waitlist row object as [`crate::parse_waitlist`] reads one line of JSON Lines.
    fn deserialize<D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<WaitlistEntry, D::Error> {
        let record = record_of(serde_json::Map::deserialize(d)?);
        let mut problems = Vec::new();
        let entry = entry_from_fields(
            &mut Fields::new(&record, &mut problems),
            &mut Vec::new(),
            true,
        );
        match entry {
            Some(entry) if problems.is_empty() => Ok(entry),
            _ => Err(de_error(&problems)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const PERSON: &str = r#"{
  "id": "p1",
  "stage": "early",
  "approach_preference": "secular",
  "format_preference": "either",
  "availability": ["Mon 18:00-22:00", "Sat 09:00-12:00"],
  "timezone": "America/New_York",
  "latitude": 39.95, "longitude": -75.16, "max_travel_km": 10,
  "languages": ["en", "es"],
  "gender": "woman", "gender_specific": "preferred", "age": 34,
  "needs": ["childcare"],
  "prior": [{"approach": "twelve_step", "outcome": "disliked"}]
}"#;

    fn problems_of(result: Result<Loaded<impl std::fmt::Debug>>) -> Vec<Problem> {
        match result {
            Err(Error::Invalid { problems, .. }) => problems,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn reads_a_complete_person() {
        let p = parse_person(PERSON.as_bytes(), "p.json").unwrap().value;
        assert_eq!(p.availability.len(), 2);
        assert_eq!(
            p.prior_outcome(Approach::TwelveStep),
            Some(PriorOutcome::Disliked)
        );
        assert_eq!(p.languages.len(), 2);
        assert_eq!(p.age, Some(34));
    }

    #[test]
    fn bad_person_fields_are_reported_at_their_lines() {
        let bad = PERSON
            .replace("\"early\"", "\"earlyish\"")
            .replace("Sat 09:00-12:00", "Sat 12:00-09:00")
            .replace("\"age\": 34", "\"age\": 200");
        let p = problems_of(parse_person(bad.as_bytes(), "p.json"));
        let got = crate::testutil::lines_and_fields(&p);
        assert_eq!(
            got,
            [
                (3, "stage".to_string()),
                (6, "availability".to_string()),
                (10, "age".to_string())
            ]
        );
    }

    /// The person with another `timezone` and, when given, other coordinates.
    fn person_in(zone: &str, coordinates: Option<&str>) -> String {
        let p = PERSON.replace("\"America/New_York\"", &format!("\"{zone}\""));
        match coordinates {
            Some(c) => p.replace("\"latitude\": 39.95, \"longitude\": -75.16", c),
            None => p.replace("\"latitude\": 39.95, \"longitude\": -75.16, ", ""),
        }
    }

    #[test]
    fn est_with_philadelphia_coordinates_is_refused_naming_new_york() {
        let json = person_in(
            "EST",
            Some("\"latitude\": 39.9526, \"longitude\": -75.1652"),
        );
        let p = problems_of(parse_person(json.as_bytes(), "p.json"));
        crate::testutil::assert_timezone_refused(
            &p,
            7,
            &["use America/New_York", "UTC-04:00 in July"],
        );
        let shown = crate::Error::Invalid {
            path: "p.json".into(),
            problems: p,
            warnings: vec![],
        };
        assert!(
            shown
                .to_string()
                .contains("p.json:7: timezone: 'EST' follows no place"),
            "{shown}"
        );
    }

    #[test]
    fn est_without_coordinates_is_a_warning_suggesting_new_york() {
        let loaded = parse_person(person_in("EST", None).as_bytes(), "p.json").unwrap();
        assert_eq!(loaded.value.timezone, chrono_tz::EST, "kept as written");
        assert_eq!(loaded.warnings.len(), 1);
        let w = &loaded.warnings[0];
        assert_eq!((w.line, w.field.as_deref()), (Some(7), Some("timezone")));
        assert!(
            w.message.ends_with("likely America/New_York"),
            "{}",
            w.message
        );
    }

    #[test]
    fn another_place_zone_is_a_warning_and_the_zone_of_the_place_nothing() {
        let loaded = parse_person(
            person_in(
                "America/Los_Angeles",
                Some("\"latitude\": 39.95, \"longitude\": -75.16"),
            )
            .as_bytes(),
            "p.json",
        )
        .unwrap();
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].message.contains("America/New_York"));
        assert_eq!(loaded.warnings[0].line, Some(7));
        let loaded = parse_person(PERSON.as_bytes(), "p.json").unwrap();
        assert!(loaded.warnings.is_empty());
    }

    #[test]
    fn a_waitlist_row_whose_zone_contradicts_its_place_is_invalid_and_the_others_warned() {
        let csv = "id,stage,approach_preference,format_preference,availability,timezone,latitude,longitude,waiting_since\n\
                   w1,early,secular,online,Mon 18:00-22:00,Etc/GMT+5,39.95,-75.16,2026-10-01\n\
                   w2,early,secular,online,Mon 18:00-22:00,EST5EDT,,,2026-10-01\n\
                   w3,early,secular,online,Mon 18:00-22:00,UTC,,,2026-10-01\n";
        let loaded = parse_waitlist_rows(csv.as_bytes(), Syntax::Csv, "w.csv").unwrap();
        let invalid = loaded.value[0].as_ref().unwrap_err();
        assert_eq!(
            crate::testutil::lines_and_fields(&invalid.problems),
            [(2, "timezone".to_string())]
        );
        assert!(loaded.value[1].is_ok() && loaded.value[2].is_ok());
        assert_eq!(
            crate::testutil::lines_and_fields(&loaded.warnings),
            [(3, "timezone".to_string())],
            "UTC without coordinates says nothing"
        );
    }

    #[test]
    fn missing_required_fields_are_each_named() {
        let p = problems_of(parse_person(br#"{"id": "p1"}"#, "p.json"));
        let fields: Vec<_> = p.iter().map(|p| p.field.clone().unwrap()).collect();
        assert_eq!(
            fields,
            [
                "stage",
                "approach_preference",
                "format_preference",
                "availability",
                "timezone"
            ]
        );
    }

    #[test]
    fn required_gender_specific_needs_a_gender() {
        let bad = PERSON.replace(
            "\"gender\": \"woman\", \"gender_specific\": \"preferred\"",
            "\"gender_specific\": \"required\"",
        );
        let p = problems_of(parse_person(bad.as_bytes(), "p.json"));
        assert_eq!(p[0].field.as_deref(), Some("gender_specific"));
    }

    #[test]
    fn waitlist_csv_reads_prior_pairs_and_dates() {
        let csv = "id,stage,approach_preference,format_preference,availability,timezone,prior,waiting_since\n\
                   w1,early,secular,online,Mon 18:00-22:00;Tue 18:00-22:00,UTC,twelve_step:disliked;smart_recovery:helped,2026-10-01\n";
        let list = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w.csv")
            .unwrap()
            .value;
        assert_eq!(list[0].person.prior.len(), 2);
        assert_eq!(list[0].waiting_since.to_string(), "2026-10-01");
    }

    #[test]
    fn waitlist_rejects_duplicates_bad_dates_and_bad_prior() {
        let csv = "id,stage,approach_preference,format_preference,availability,timezone,prior,waiting_since\n\
                   w1,early,secular,online,Mon 18:00-22:00,UTC,,2026-10-01\n\
                   w1,early,secular,online,Mon 18:00-22:00,UTC,,2026-10-01\n\
                   w2,early,secular,online,Mon 18:00-22:00,UTC,twelve_step:loved,2026-13-01\n";
        let p = problems_of(parse_waitlist(csv.as_bytes(), Syntax::Csv, "w.csv"));
        let got = crate::testutil::lines_and_fields(&p);
        assert_eq!(
            got,
            [
                (3, "id".to_string()),
                (4, "prior".to_string()),
                (4, "waiting_since".to_string())
            ]
        );
    }

    #[test]
    fn waitlist_jsonl_reports_the_bad_line() {
        let line = r#"{"id": "w1", "stage": "early", "approach_preference": "secular", "format_preference": "online", "availability": ["Mon 18:00-22:00"], "timezone": "UTC", "waiting_since": "2026-10-01"}"#;
        let text = format!(
            "{line}\n\n{}\n",
            line.replace("w1", "w2").replace("UTC", "Mars/Base")
        );
        let p = problems_of(parse_waitlist(
            text.as_bytes(),
            Syntax::JsonLines,
            "w.jsonl",
        ));
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].line, p[0].field.as_deref()),
            (Some(3), Some("timezone"))
        );
    }

    /// `PERSON` with `field` set to the JSON value `value`.
    fn person_with(field: &str, value: serde_json::Value) -> String {
        let mut v: serde_json::Value = serde_json::from_str(PERSON).unwrap();
        v[field] = value;
        v.to_string()
    }

    #[test]
    fn ids_past_the_limits_are_refused_without_being_quoted() {
        for (id, start) in [
            (
                "x".repeat(5_000_000),
                "5000000 bytes long; an id has at most 128",
            ),
            ("p 1".to_string(), "whitespace (U+0020) at character 2"),
            (
                "p\u{7}1".to_string(),
                "a control character (U+0007) at character 2",
            ),
        ] {
            let got = problems_of(parse_person(person_with("id", id.into()).as_bytes(), "p"));
            assert_eq!(got.len(), 1, "{got:?}");
            assert_eq!(got[0].field.as_deref(), Some("id"));
            assert!(got[0].message.starts_with(start), "{}", got[0].message);
        }
    }

    #[test]
    fn lists_and_fields_past_the_limits_are_refused() {
        let needs = vec!["childcare"; MAX_LIST_ITEMS + 1];
        let got = problems_of(parse_person(
            person_with("needs", needs.into()).as_bytes(),
            "p",
        ));
        assert_eq!(got[0].field.as_deref(), Some("needs"));
        assert_eq!(got[0].message, "65 items; at most 64 are allowed");
        let prior = vec![serde_json::json!({"approach": "cbt", "outcome": "helped"}); 65];
        let got = problems_of(parse_person(
            person_with("prior", prior.into()).as_bytes(),
            "p",
        ));
        assert_eq!(got[0].field.as_deref(), Some("prior"));
        let long = "x".repeat(crate::limits::MAX_FIELD_BYTES + 1);
        let got = problems_of(parse_person(
            person_with("stage", long.into()).as_bytes(),
            "p",
        ));
        assert_eq!(got[0].message, "4097 bytes long; a field has at most 4096");
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let got = problems_of(parse_person(
            person_with("x", 1.into())
                .replace("1}", &format!("{deep}}}"))
                .as_bytes(),
            "p",
        ));
        assert!(got[0].message.contains("recursion limit"), "{got:?}");
        let got = problems_of(parse_waitlist(deep.as_bytes(), Syntax::JsonLines, "w"));
        assert!(got[0].message.contains("recursion limit"), "{got:?}");
    }

    #[test]
    fn a_waitlist_row_with_a_bad_id_does_not_carry_it() {
        let row = |id: &str| {
            let mut v: serde_json::Value = serde_json::from_str(PERSON).unwrap();
            v["id"] = id.into();
            v["waiting_since"] = "2026-10-01".into();
            v.to_string()
        };
        let text = format!("{}\n{}\n{}\n", row("a b"), row("a b"), row("ok"));
        let rows = parse_waitlist_rows(text.as_bytes(), Syntax::JsonLines, "w")
            .unwrap()
            .value;
        let bad: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(bad.len(), 2, "{rows:?}");
        assert!(bad.iter().all(|e| e.id.is_none() && !e.is_duplicate()));
        assert!(rows[2].is_ok());
        let text = format!("{}\n{}\n", row("ok"), row("ok"));
        let rows = parse_waitlist_rows(text.as_bytes(), Syntax::JsonLines, "w")
            .unwrap()
            .value;
        assert!(rows[1].as_ref().is_err_and(InvalidEntry::is_duplicate));
    }

    #[test]
    fn a_waitlist_entry_with_any_problem_does_not_deserialise() {
        let mut v: serde_json::Value = serde_json::from_str(PERSON).unwrap();
        v["waiting_since"] = "2026-10-01".into();
        assert!(serde_json::from_value::<WaitlistEntry>(v.clone()).is_ok());
        // A bad optional field leaves a person, but the entry is still refused.
        v["age"] = 300.into();
        let err = serde_json::from_value::<WaitlistEntry>(v).unwrap_err();
        assert!(err.to_string().contains("age"), "{err}");
    }

    #[test]
    fn a_place_is_read_checked_and_written_back() {
        let place = r#""place": {"given": "19104", "kind": "postal_code", "precision_km": 1.3},"#;
        let json = PERSON.replace("\"max_travel_km\"", &format!("{place} \"max_travel_km\""));
        let p = parse_person(json.as_bytes(), "p.json").unwrap().value;
        let given = p.place.clone().unwrap();
        assert_eq!(
            (
                given.given.as_str(),
                given.kind,
                given.name,
                given.precision_km
            ),
            ("19104", crate::PlaceKind::PostalCode, None, 1.3)
        );
        assert!(p.distance_is_approximate());
        let written = serde_json::to_string(&p).unwrap();
        assert!(written
            .contains(r#""place":{"given":"19104","kind":"postal_code","precision_km":1.3}"#));
        assert_eq!(parse_person(written.as_bytes(), "again").unwrap().value, p);
        // Without a place, a person is written as before.
        let plain = parse_person(PERSON.as_bytes(), "p.json").unwrap().value;
        assert!(!serde_json::to_string(&plain).unwrap().contains("place"));
    }

    #[test]
    fn a_bad_place_is_reported_on_its_field() {
        let with = |place: &str| {
            PERSON.replace(
                "\"max_travel_km\"",
                &format!("\"place\": {place}, \"max_travel_km\""),
            )
        };
        let message = |json: String| -> String {
            let p = problems_of(parse_person(json.as_bytes(), "p.json"));
            assert_eq!(p.len(), 1, "{p:?}");
            assert_eq!(p[0].field.as_deref(), Some("place"));
            p[0].message.clone()
        };
        assert!(message(with(
            r#"{"given": "19104", "kind": "zip", "precision_km": 1}"#
        ))
        .contains("unknown variant `zip`"));
        assert!(message(with(
            r#"{"given": "19104", "kind": "town", "precision_km": -2}"#
        ))
        .contains("precision_km -2 is outside 0 to 20000"));
        assert!(
            message(with(r#"{"given": "", "kind": "town", "precision_km": 2}"#))
                .contains("given is empty")
        );
        assert!(message(with(
            r#"{"given": "x", "kind": "town", "precision_km": 2, "radius": 1}"#
        ))
        .contains("unknown field `radius`"));
        assert!(message(with(r#""19104""#)).contains("19104:postal_code:1.3"));
        let no_point = person_in("America/New_York", None).replace(
            "\"max_travel_km\"",
            r#""place": {"given": "19104", "kind": "postal_code", "precision_km": 1.3}, "max_travel_km""#,
        );
        assert!(message(no_point).contains("given without latitude and longitude"));
    }

    #[test]
    fn a_waitlist_csv_reads_a_place_as_json_text_or_as_the_writers_write_it() {
        let csv = "id,stage,approach_preference,format_preference,availability,timezone,latitude,longitude,place,waiting_since\n\
            a,early,secular,either,Mon 18:00-22:00,America/New_York,39.9585,-75.1989,19104:postal_code:1.3,2026-01-05\n\
            b,early,secular,either,Mon 18:00-22:00,America/New_York,39.9585,-75.1989,\"{\"\"given\"\": \"\"19104\"\", \"\"kind\"\": \"\"postal_code\"\", \"\"precision_km\"\": 1.3}\",2026-01-05\n\
            c,early,secular,either,Mon 18:00-22:00,America/New_York,39.9585,-75.1989,,2026-01-05\n";
        let list = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w.csv")
            .unwrap()
            .value;
        assert_eq!(list[0].person.place, list[1].person.place);
        assert_eq!(list[0].person.place.as_ref().unwrap().given, "19104");
        assert_eq!(list[2].person.place, None);
        // The CSV writer's form reads back as it was written.
        let mut person = list[0].person.clone();
        person.place.as_mut().unwrap().name = Some("19104 (near Philadelphia, PA), US".into());
        let value = serde_json::to_value(&person).unwrap();
        let cell = &crate::formats::write::csv_cells(&value, &["place"])[0];
        assert_eq!(
            cell,
            "19104:postal_code:19104 (near Philadelphia, PA), US:1.3"
        );
        let row = csv
            .lines()
            .nth(1)
            .unwrap()
            .replace("19104:postal_code:1.3", &format!("\"{cell}\""));
        let again = format!("{}\n{row}\n", csv.lines().next().unwrap());
        let read = parse_waitlist(again.as_bytes(), Syntax::Csv, "w.csv")
            .unwrap()
            .value;
        assert_eq!(read[0].person.place, person.place);
    }
}
