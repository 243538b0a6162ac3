//! A person put together field by field (quick flags on `rank`, an interview, a form), read by
//! exactly the reader a person file goes through, so the same answers make the same [`Person`]
//! however they were given, with the same defaults and the same messages for bad values.
//!
//! A draft is the JSON object a person file would hold: it starts empty (with the documented
//! defaults of [`PersonDraft::build`]) or from a person file, each field set replaces what was
//! there (a list replaces the whole list), and [`PersonDraft::build`] reads the object with
//! [`crate::parse_person`].

use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::domain::geo::GeoPoint;
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::{Approach, PriorOutcome};
use crate::domain::zone::zone_at;
use crate::error::{Error, Result};
use crate::formats::people::parse_person;
use crate::formats::Loaded;

/// The stage of a person in recovery who gives none: `early` (under 90 days), the most common
/// stage of a person at an intake desk.
pub const DEFAULT_STAGE: &str = "early";
/// The availability of a person who gives none: every day from 06:00 to 22:00 (mornings,
/// afternoons and evenings), so the schedule rules out no group until they say when they can go.
pub const DEFAULT_AVAILABILITY: &str = "daily 06:00-22:00";

/// A person being put together field by field; see the module documentation.
///
/// ```
/// use groupmatch::PersonDraft;
/// let mut draft = PersonDraft::new();
/// draft.set("stage", "first_year").set("availability", vec!["weekday evenings"]);
/// let person = draft.build("flags", "America/New_York".parse().unwrap()).unwrap().value;
/// assert_eq!(person.availability.len(), 5);
/// assert!(person.id.starts_with("p-"), "a pseudonymous id from the other fields");
/// let again = draft.build("flags", "America/New_York".parse().unwrap()).unwrap().value;
/// assert_eq!(person.id, again.id, "the same answers give the same id");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonDraft {
    fields: Map<String, Value>,
    /// Whether the draft started from a person file (which then has no defaults).
    from_file: bool,
}

impl PersonDraft {
    /// An empty draft: [`PersonDraft::build`] fills in the defaults.
    pub fn new() -> PersonDraft {
        PersonDraft::default()
    }

    /// A draft starting from a person file's JSON object (fields then set replace the file's).
    /// Bytes that are not a JSON object fail as the person reader fails on them.
    pub fn from_json(bytes: &[u8], label: &str) -> Result<PersonDraft> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(fields)) => Ok(PersonDraft {
                fields,
                from_file: true,
            }),
            // The reader's own message (line, column, what was expected).
            _ => match parse_person(bytes, label) {
                Err(e) => Err(e),
                Ok(_) => Err(Error::invalid(label, None, None, "expected a JSON object")),
            },
        }
    }

    /// Sets `field` (a person file's field name) to `value`, replacing what was there.
    pub fn set(&mut self, field: &str, value: impl Into<Value>) -> &mut PersonDraft {
        self.fields.insert(field.to_string(), value.into());
        self
    }

    /// Sets the person's place to `near` (a postal code, a town, or coordinates) as the embedded
    /// gazetteer finds it, as `rank --near` and the server's `near` do: `latitude`, `longitude`
    /// and `place` (what was given and what it was read as, so distances from a postal code's
    /// centre are said to be "about"), and `timezone`, when the draft has none, to the zone
    /// there. A place the gazetteer does not know is an error whose message suggests the closest.
    ///
    /// ```
    /// use groupmatch::PersonDraft;
    /// let mut draft = PersonDraft::new();
    /// draft.set_near("19104").unwrap();
    /// assert_eq!(draft.fields()["timezone"], "America/New_York");
    /// let person = draft.build("form", chrono_tz::UTC).unwrap().value;
    /// assert!(person.location.is_some());
    /// let miss = PersonDraft::new().set_near("Philadelpia").unwrap_err().to_string();
    /// assert!(miss.contains("did you mean Philadelphia, PA, US"), "{miss}");
    /// ```
    #[cfg(feature = "gazetteer")]
    pub fn set_near(
        &mut self,
        near: &str,
    ) -> std::result::Result<&mut PersonDraft, crate::gazetteer::PlaceError> {
        let place = crate::gazetteer::Gazetteer::embedded().lookup(near)?;
        // Text and numbers: writing them as JSON cannot fail.
        let given = serde_json::to_value(place.given()).unwrap_or_default();
        self.set("latitude", place.point.latitude)
            .set("longitude", place.point.longitude)
            .set("place", given);
        if !self.has("timezone") {
            self.set("timezone", place.timezone.name());
        }
        Ok(self)
    }

    /// Whether `field` has a value.
    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// The fields as a person file would hold them.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The person, read by the person reader (`label` names the source in its messages). A
    /// draft not started from a file gets these defaults for the fields it lacks: role
    /// `in_recovery` with stage [`DEFAULT_STAGE`], approach preference `no_preference`, format
    /// preference `either`, availability [`DEFAULT_AVAILABILITY`], and the time zone at the
    /// person's place (`latitude`, `longitude`) or else `zone` (the CLI passes the directory's
    /// most common zone: [`directory_zone`]); every other field has the reader's default. Without
    /// an `id`, the person gets a pseudonymous one derived from all their other fields
    /// ([`pseudonymous_id`]), so the same answers always give the same id.
    pub fn build(&self, label: &str, zone: Tz) -> Result<Loaded<Person>> {
        let mut fields = self.fields.clone();
        if !self.from_file {
            let family = fields.get("role").and_then(Value::as_str) == Some("family_member");
            let mut default = |field: &str, value: Value| {
                fields.entry(field.to_string()).or_insert(value);
            };
            if !family {
                default("stage", DEFAULT_STAGE.into());
            }
            default("approach_preference", "no_preference".into());
            default("format_preference", "either".into());
            default("availability", vec![DEFAULT_AVAILABILITY].into());
            if !fields.contains_key("timezone") {
                let place = match (
                    fields.get("latitude").and_then(Value::as_f64),
                    fields.get("longitude").and_then(Value::as_f64),
                ) {
                    (Some(lat), Some(lon)) => GeoPoint::new(lat, lon).ok().and_then(zone_at),
                    _ => None,
                };
                fields.insert(
                    "timezone".into(),
                    place.unwrap_or(zone).name().to_string().into(),
                );
            }
        }
        let generated = !fields.contains_key("id");
        if generated {
            // A placeholder the reader accepts; replaced below once the person is read.
            fields.insert("id".into(), "p-pending".into());
        }
        let bytes = serde_json::to_vec(&Value::Object(fields)).map_err(|e| {
            Error::invalid(label, None, None, format!("cannot be written as JSON: {e}"))
        })?;
        // The lines of the JSON written here mean nothing to whoever gave the fields.
        let mut loaded = parse_person(&bytes, label).map_err(|e| match e {
            Error::Invalid {
                path,
                mut problems,
                warnings,
            } => {
                problems.iter_mut().for_each(|p| p.line = None);
                Error::Invalid {
                    path,
                    problems,
                    warnings,
                }
            }
            other => other,
        })?;
        loaded.warnings.iter_mut().for_each(|w| w.line = None);
        if generated {
            loaded.value.id = pseudonymous_id(&loaded.value);
        }
        Ok(loaded)
    }
}

/// A pseudonymous id for `person` from every field but the id: `p-` and 12 hex digits of a
/// 64-bit FNV-1a hash of the person as JSON. Deterministic (the same fields give the same id on
/// every machine and version of Rust) and says nothing about the person by itself.
///
/// ```
/// let mut person = groupmatch::parse_person(br#"{"id": "x", "stage": "early",
///     "approach_preference": "secular", "format_preference": "online",
///     "availability": ["Mon 18:00-22:00"], "timezone": "UTC"}"#, "p").unwrap().value;
/// let id = groupmatch::pseudonymous_id(&person);
/// person.id = "y".into();
/// assert_eq!(groupmatch::pseudonymous_id(&person), id, "the id itself does not count");
/// ```
pub fn pseudonymous_id(person: &Person) -> String {
    let mut value = serde_json::to_value(person).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        fields.remove("id");
    }
    let text = value.to_string();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("p-{:012x}", hash >> 16)
}

/// The time zone most of `groups` are in (the first in name order among equally common ones),
/// or UTC for no groups: the zone a person without one is taken to be in.
///
/// ```
/// let zone = groupmatch::directory_zone(&groupmatch::embedded_groups());
/// assert_eq!(zone.name(), "America/New_York");
/// ```
pub fn directory_zone(groups: &[Group]) -> Tz {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for g in groups {
        *counts.entry(g.timezone.name()).or_default() += 1;
    }
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .and_then(|(name, _)| name.parse().ok())
        .unwrap_or(Tz::UTC)
}

/// An earlier group as people write it: an approach and how it went, `twelve_step:disliked` or
/// `twelve_step disliked` (a space in the approach may stand for `_`).
///
/// ```
/// use groupmatch::{parse_prior, Approach, PriorOutcome};
/// assert_eq!(parse_prior("twelve step helped").unwrap(), (Approach::TwelveStep, PriorOutcome::Helped));
/// assert_eq!(parse_prior("smart_recovery:disliked").unwrap().1, PriorOutcome::Disliked);
/// assert!(parse_prior("twelve_step meh").is_err());
/// ```
pub fn parse_prior(text: &str) -> std::result::Result<(Approach, PriorOutcome), String> {
    let text = text.trim();
    let bad = || {
        format!("'{text}' is not like 'twelve_step:disliked' (an approach and helped, neutral or disliked)")
    };
    let (approach, outcome) = text
        .rsplit_once(':')
        .or_else(|| text.rsplit_once(char::is_whitespace))
        .ok_or_else(bad)?;
    let approach = approach.trim().replace(' ', "_").parse::<Approach>();
    let outcome = outcome.trim().parse::<PriorOutcome>();
    match (approach, outcome) {
        (Ok(a), Ok(o)) => Ok((a, o)),
        (Err(e), _) => Err(e.to_string()),
        (_, Err(e)) => Err(e.to_string()),
    }
}

/// A travel limit as people say it, in km: `10`, `10km`, `10 km`, `6mi`, `6 miles`.
///
/// ```
/// assert_eq!(groupmatch::parse_travel_km("10km").unwrap(), 10.0);
/// assert!((groupmatch::parse_travel_km("6 mi").unwrap() - 9.656).abs() < 0.001);
/// assert!(groupmatch::parse_travel_km("far").is_err());
/// ```
pub fn parse_travel_km(text: &str) -> std::result::Result<f64, String> {
    let t = text.trim().to_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let factor = match unit.trim() {
        "" | "km" | "kms" | "kilometre" | "kilometres" | "kilometer" | "kilometers" => 1.0,
        "mi" | "mile" | "miles" => 1.609_344,
        _ => return Err(format!("'{text}' is not a distance like 10km or 6mi")),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v * factor)
        .ok_or_else(|| format!("'{text}' is not a distance like 10km or 6mi"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Tz {
        "America/New_York".parse().unwrap()
    }

    #[test]
    fn an_empty_draft_is_the_documented_default_person() {
        let p = PersonDraft::new().build("flags", zone()).unwrap().value;
        assert_eq!(p.stage, Some(crate::Stage::Early));
        assert_eq!(p.availability.len(), 7);
        assert_eq!(p.availability[0].to_string(), "Mon 06:00-22:00");
        assert_eq!(p.timezone, zone());
        assert!(p.id.starts_with("p-") && p.id.len() == 14, "{}", p.id);
    }

    #[test]
    fn a_place_gives_the_zone_and_a_family_member_gets_no_stage() {
        let mut d = PersonDraft::new();
        d.set("latitude", 34.05).set("longitude", -118.24);
        let p = d.build("flags", zone()).unwrap().value;
        assert_eq!(p.timezone.name(), "America/Los_Angeles");
        let mut d = PersonDraft::new();
        d.set("role", "family_member");
        let p = d.build("flags", zone()).unwrap().value;
        assert_eq!(p.stage, None);
    }

    #[test]
    fn a_field_set_replaces_the_files_and_bad_values_get_the_readers_message() {
        let file = br#"{"id": "p1", "stage": "early", "approach_preference": "secular",
            "format_preference": "online", "availability": ["Mon 18:00-22:00"],
            "timezone": "UTC", "needs": ["childcare", "wheelchair"]}"#;
        let mut d = PersonDraft::from_json(file, "p.json").unwrap();
        d.set("needs", vec!["asl"]);
        let p = d.build("flags", zone()).unwrap().value;
        assert_eq!(p.id, "p1");
        assert_eq!(p.needs, [crate::Need::Asl]);
        assert_eq!(p.timezone, Tz::UTC, "no defaults over a file");
        d.set("age", 300);
        let err = d.build("flags", zone()).unwrap_err().to_string();
        let from_file = crate::parse_person(
            br#"{"id": "p1", "stage": "early", "approach_preference": "secular",
            "format_preference": "online", "availability": ["Mon 18:00-22:00"],
            "timezone": "UTC", "age": 300}"#,
            "flags",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err.split(": ").skip(1).collect::<Vec<_>>(),
            from_file.split(": ").skip(1).collect::<Vec<_>>()
        );
        assert!(PersonDraft::from_json(b"[1]", "p.json").is_err());
        assert!(PersonDraft::from_json(b"{", "p.json").is_err());
    }
}
