//! Importing Open Referral HSDS (Human Services Data Specification) directories: the format in
//! which 211 helplines and referral platforms publish services.
//!
//! Two shapes are read. HSDS 3.x JSON ([`import_hsds_json`]): an array of full services, the
//! API's paged wrapper (`{"contents": [...], "total_items": ...}`), one service, a list of
//! `service_at_location` records, or organizations that hold their `locations` and `services`
//! (as machine-converted feeds do). And the tabular data package ([`read_hsds`] on a folder): a
//! `datapackage.json` beside `services.csv`, `locations.csv`, `service_at_location.csv`,
//! `schedules.csv` and the other tables (3.x names, singular or plural), whose rows are joined
//! into the same full services and mapped the same way.
//!
//! One service at one location is one [`Group`] with the id `SERVICE@LOCATION`. A service with
//! both physical and virtual locations is hybrid. Services that are not `active`, or not tagged
//! with `--taxonomy`'s term, are skipped and counted. Schedules become [`Session`]s (RFC 5545
//! rules: WEEKLY or MONTHLY, INTERVAL, BYDAY with ordinals, BYMONTHDAY, DTSTART, UNTIL, COUNT,
//! `valid_from`/`valid_to`); a schedule that groupmatch cannot express exactly is skipped with a
//! warning, never approximated. Every field mapped, and every default, is listed in
//! `docs/formats.md`.
//!
//! A service's attributes of the groupmatch taxonomy (`groupmatch:fellowship:aa`, ...) state the
//! group fields HSDS has no place for, so that a directory written by [`export::write_package`]
//! imports back as the same directory.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::cost::{Cost, Currency};
use crate::domain::geo::GeoPoint;
use crate::domain::group::{Group, Listing, MAX_SEATS};
use crate::domain::recurrence::Session;
use crate::domain::schedule::{parse_timezone, utc_offset_minutes};
use crate::domain::vocab::{
    Approach, Format, Language, MedicationStance, Need, Orientation, Origin,
};
use crate::domain::zone::{zone_at, REFERENCE_YEAR};
use crate::error::{Error, Result};
use crate::formats::import::{approximate_point, AddressHint};
use crate::formats::meeting_guide::parse_json;
use crate::formats::read_bytes;
use crate::text::single_line;

/// Options of an HSDS import.
///
/// ```
/// use groupmatch::formats::hsds::HsdsOptions;
/// use groupmatch::Approach;
/// let options = HsdsOptions { taxonomy: Some("SUD-SUPPORT-GROUP".into()), ..HsdsOptions::default() };
/// assert_eq!(options.approach, Approach::Other);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HsdsOptions {
    /// Time zone of services whose schedules give none (nor a numeric offset with coordinates).
    pub timezone: Option<Tz>,
    /// Programme of every imported group (default `other`: a directory of human services).
    pub approach: Approach,
    /// Keep only services tagged with the taxonomy term of this code (compared without regard
    /// to case), e.g. a 211 code for substance-use support groups.
    pub taxonomy: Option<String>,
}

impl Default for HsdsOptions {
    /// No default time zone; approach `other`; every service kept.
    fn default() -> HsdsOptions {
        HsdsOptions {
            timezone: None,
            approach: Approach::Other,
            taxonomy: None,
        }
    }
}

/// Why a record (a service at a location) was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HsdsSkip {
    /// The service's `status` is not `active`.
    Inactive,
    /// `--taxonomy` was given and the service is not tagged with that term.
    NotInTaxonomy,
    /// No physical or virtual location to meet at.
    NoPlace,
    /// No schedule groupmatch can express (each skipped schedule has its own warning).
    NoSchedule,
    /// No time zone: none in the schedules, no `--timezone`, no coordinates.
    NoTimezone,
    /// No `name`.
    NoName,
    /// The record cannot make a valid group (the warning names the field).
    BadRecord,
}

impl HsdsSkip {
    /// The reason's name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            HsdsSkip::Inactive => "inactive",
            HsdsSkip::NotInTaxonomy => "not_in_taxonomy",
            HsdsSkip::NoPlace => "no_place",
            HsdsSkip::NoSchedule => "no_schedule",
            HsdsSkip::NoTimezone => "no_timezone",
            HsdsSkip::NoName => "no_name",
            HsdsSkip::BadRecord => "bad_record",
        }
    }
}

/// A problem with one record that did not stop the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordWarning {
    /// The record's id: the service's (and location's) id as `SERVICE@LOCATION`, or a
    /// schedule's id for a schedule that was skipped.
    pub id: String,
    /// The field concerned.
    pub field: String,
    /// What is wrong and what was done about it.
    pub message: String,
}

/// What an HSDS import did: every record (a service at a location) is counted once, as imported,
/// merged or skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HsdsReport {
    /// Services read.
    pub services: usize,
    /// Records read: services at locations (a service without locations is one record).
    pub read: usize,
    /// Records imported, each a group.
    pub imported: usize,
    /// Virtual locations of a service that also meets in a room: part of its hybrid groups.
    pub merged: usize,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<HsdsSkip, usize>,
    /// Schedules skipped because groupmatch cannot express them (each with a warning).
    pub schedules_skipped: usize,
    /// Groups meeting in a room whose coordinates came from the gazetteer (postal code or town):
    /// approximate.
    pub coordinates_approximate: usize,
    /// Groups meeting in a room without coordinates.
    pub without_coordinates: usize,
    /// Groups whose zone was found from a numeric UTC offset and their coordinates.
    pub timezone_from_offset: usize,
    /// Problems, in record order.
    pub warnings: Vec<RecordWarning>,
}

/// An imported HSDS directory and its report.
#[derive(Debug, Clone, PartialEq)]
pub struct HsdsImport {
    /// The groups, in record order.
    pub groups: Vec<Group>,
    /// What was read, imported and skipped.
    pub report: HsdsReport,
}

/// Imports HSDS 3.x JSON; `label` names the document in errors.
///
/// A document that is not HSDS (not JSON, or no record with an `id` and a service) is an
/// [`Error::Invalid`] naming the first problem; a bad record is skipped with a warning.
///
/// ```
/// use groupmatch::formats::hsds::{import_hsds_json, HsdsOptions};
/// let json = br#"[{"id": "s1", "name": "Family Group", "status": "active",
///   "service_at_locations": [{"id": "sal1", "location": {"id": "l1", "location_type": "physical",
///     "latitude": 42.1, "longitude": -72.6,
///     "schedules": [{"id": "sc1", "freq": "MONTHLY", "byday": "2MO", "opens_at": "19:00",
///                    "closes_at": "20:30", "timezone": "America/New_York"}]}}]}]"#;
/// let import = import_hsds_json(json, "services.json", &HsdsOptions::default()).unwrap();
/// assert_eq!(import.groups[0].id, "s1@l1");
/// assert_eq!(import.groups[0].sessions[0].to_string(), "2nd Mon 19:00-20:30");
/// ```
pub fn import_hsds_json(bytes: &[u8], label: &str, options: &HsdsOptions) -> Result<HsdsImport> {
    let doc = parse_json(bytes, label)?;
    let items: Vec<&Value> = match &doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => match map.get("contents") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(_) => return Err(not_hsds(label, "'contents' is not an array")),
            None => vec![&doc],
        },
        _ => {
            return Err(not_hsds(
                label,
                "expected an array of services, a paged object with 'contents', or one service",
            ))
        }
    };
    let mut services = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match shape(item) {
            Ok(found) => services.extend(found),
            Err(problem) if services.is_empty() && index == 0 => {
                return Err(not_hsds(label, &format!("item 0: {problem}")));
            }
            Err(problem) => services.push(Root::Bad {
                id: item
                    .get("id")
                    .map_or_else(|| format!("item {index}"), value_text),
                problem,
            }),
        }
    }
    if items.is_empty() {
        return Err(not_hsds(label, "the document has no services"));
    }
    Ok(import_roots(&services, options))
}

/// Reads and imports HSDS: a JSON file ([`import_hsds_json`]) or a tabular data package folder
/// (with `datapackage.json` and CSV tables).
///
/// ```
/// use groupmatch::formats::hsds::{read_hsds, HsdsOptions, HsdsSkip};
/// let path = std::path::Path::new("tests/fixtures/hsds/package-3");
/// let import = read_hsds(path, &HsdsOptions::default()).unwrap();
/// assert_eq!(import.groups[0].sessions[0].to_string(), "1st 3rd Tue 15:30-16:30 from 2027-01-05");
/// assert_eq!(import.report.skipped[&HsdsSkip::Inactive], 1);
/// ```
pub fn read_hsds(path: &Path, options: &HsdsOptions) -> Result<HsdsImport> {
    let label = path.display().to_string();
    if path.is_dir() {
        let services = tabular::read_package(path)?;
        return Ok(import_roots(
            &services
                .iter()
                .map(|s| Root::Service {
                    service: s,
                    sal: None,
                })
                .collect::<Vec<_>>(),
            options,
        ));
    }
    import_hsds_json(
        &read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?,
        &label,
        options,
    )
}

fn not_hsds(label: &str, problem: &str) -> Error {
    Error::invalid(label, Some(1), None, format!("not HSDS: {problem}"))
}

/// A record root found in the document.
enum Root<'a> {
    /// A full service; `sal` is set for a `service_at_location` record holding one location.
    Service {
        service: &'a Value,
        sal: Option<&'a Value>,
    },
    /// An organization holding its locations and services (no `service_at_locations`).
    Organization(&'a Value),
    /// An item that is neither.
    Bad { id: String, problem: String },
}

fn shape(item: &Value) -> std::result::Result<Vec<Root<'_>>, String> {
    let Value::Object(map) = item else {
        return Err("not a JSON object".into());
    };
    if !map.contains_key("id") {
        return Err("no 'id'".into());
    }
    if let Some(service) = map.get("service").filter(|s| s.is_object()) {
        return Ok(vec![Root::Service {
            service,
            sal: Some(item),
        }]);
    }
    if map.contains_key("status") || map.contains_key("service_at_locations") {
        return Ok(vec![Root::Service {
            service: item,
            sal: None,
        }]);
    }
    if map.get("locations").is_some_and(Value::is_array)
        || map.get("services").is_some_and(Value::is_array)
    {
        return Ok(vec![Root::Organization(item)]);
    }
    if map.contains_key("name") {
        return Ok(vec![Root::Service {
            service: item,
            sal: None,
        }]);
    }
    Err("neither a service (with 'name' and 'status'), a service_at_location (with 'service') nor an organization (with 'locations' or 'services')".into())
}

/// One service at one place, with the schedules that apply there.
struct Record<'a> {
    service: &'a Value,
    location: Option<&'a Value>,
    sal: Option<&'a Value>,
    schedules: Vec<&'a Value>,
    /// Whether the service also has a virtual location (this physical one is then hybrid).
    virtual_too: Option<&'a Value>,
    /// Phones of the organization, when the record is organization-rooted.
    org: Option<&'a Value>,
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn location_type(location: &Value) -> String {
    location
        .get("location_type")
        .and_then(Value::as_str)
        .unwrap_or("physical")
        .to_ascii_lowercase()
}

/// The records of a service: one per location it is offered at.
fn records<'a>(
    service: &'a Value,
    sals: Vec<(&'a Value, Option<&'a Value>)>,
    org: Option<&'a Value>,
    report: &mut HsdsReport,
) -> Vec<Record<'a>> {
    let service_schedules = array(service, "schedules");
    let virtual_loc = sals
        .iter()
        .map(|(l, _)| *l)
        .find(|l| location_type(l) == "virtual");
    let physical: Vec<_> = sals
        .iter()
        .filter(|(l, _)| location_type(l) == "physical")
        .copied()
        .collect();
    if !physical.is_empty() {
        report.merged += sals
            .iter()
            .filter(|(l, _)| location_type(l) == "virtual")
            .count();
    }
    let chosen: Vec<_> = if physical.is_empty() {
        sals.iter()
            .filter(|(l, _)| location_type(l) == "virtual")
            .copied()
            .collect()
    } else {
        physical
    };
    if chosen.is_empty() {
        return vec![Record {
            service,
            location: None,
            sal: None,
            schedules: service_schedules.iter().collect(),
            virtual_too: None,
            org,
        }];
    }
    chosen
        .into_iter()
        .map(|(location, sal)| {
            let location_id = location.get("id").map(value_text);
            // The schedules of this service here: those of the service_at_location, else the
            // service's own (for every location, or for this one), else the location's.
            let mut schedules: Vec<&Value> = sal
                .map_or(&[][..], |s| array(s, "schedules"))
                .iter()
                .collect();
            if schedules.is_empty() {
                schedules = service_schedules
                    .iter()
                    .filter(|s| match s.get("location_id").map(value_text) {
                        Some(id) if !id.is_empty() => Some(id) == location_id,
                        _ => true,
                    })
                    .collect();
            }
            if schedules.is_empty() {
                schedules = array(location, "schedules").iter().collect();
            }
            Record {
                service,
                location: Some(location),
                sal,
                schedules,
                virtual_too: virtual_loc.filter(|_| location_type(location) == "physical"),
                org,
            }
        })
        .collect()
}

fn import_roots(roots: &[Root<'_>], options: &HsdsOptions) -> HsdsImport {
    let mut report = HsdsReport::default();
    let mut all: Vec<Record<'_>> = Vec::new();
    for root in roots {
        match root {
            Root::Bad { id, problem } => {
                report.read += 1;
                *report.skipped.entry(HsdsSkip::BadRecord).or_default() += 1;
                report.warnings.push(RecordWarning {
                    id: id.clone(),
                    field: String::new(),
                    message: format!("skipped: {problem}"),
                });
            }
            Root::Service { service, sal } => {
                report.services += 1;
                let sals: Vec<(&Value, Option<&Value>)> = match sal {
                    Some(sal) => sal
                        .get("location")
                        .filter(|l| l.is_object())
                        .map(|l| (l, Some(*sal)))
                        .into_iter()
                        .collect(),
                    None => array(service, "service_at_locations")
                        .iter()
                        .filter_map(|s| {
                            s.get("location")
                                .filter(|l| l.is_object())
                                .map(|l| (l, Some(s)))
                        })
                        .collect(),
                };
                all.extend(records(service, sals, None, &mut report));
            }
            Root::Organization(org) => {
                let locations: Vec<(&Value, Option<&Value>)> =
                    array(org, "locations").iter().map(|l| (l, None)).collect();
                let services = array(org, "services");
                if services.is_empty() {
                    // An organization that lists places but no service (as machine-converted
                    // feeds do) is read as one service of its own, at each place.
                    report.services += 1;
                    all.extend(records(org, locations, Some(org), &mut report));
                } else {
                    for service in services {
                        report.services += 1;
                        all.extend(records(service, locations.clone(), Some(org), &mut report));
                    }
                }
            }
        }
    }
    let mut groups = Vec::new();
    let mut ids = HashSet::new();
    for record in &all {
        report.read += 1;
        match group_of(record, options, &mut report) {
            Err(reason) => *report.skipped.entry(reason).or_default() += 1,
            Ok(mut group) => {
                if !ids.insert(group.id.clone()) {
                    let id = (2..)
                        .map(|n| format!("{}-{n}", group.id))
                        .find(|id| !ids.contains(id))
                        .expect("some suffix is free");
                    report.warnings.push(RecordWarning {
                        id: group.id.clone(),
                        field: "id".into(),
                        message: format!("id used by an earlier record; this one is '{id}'"),
                    });
                    ids.insert(id.clone());
                    group.id = id;
                }
                report.imported += 1;
                groups.push(group);
            }
        }
    }
    HsdsImport { groups, report }
}

/// A JSON value as text: a string as it is, a number as written.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A non-empty text field, on one line.
fn text(v: Option<&Value>, key: &str) -> Option<String> {
    let s = v?.get(key)?.as_str()?.trim();
    // Some feeds quote phone numbers twice ("\"+44 ...\"").
    let s = s.trim_matches('"').trim();
    (!s.is_empty()).then(|| single_line(s).into_owned())
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// What one record's import reports.
struct Warn<'r> {
    id: String,
    report: &'r mut HsdsReport,
}

impl Warn<'_> {
    fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.report.warnings.push(RecordWarning {
            id: self.id.clone(),
            field: field.into(),
            message: message.into(),
        });
    }
}

/// The ids allowed in a groups file: printable, no whitespace.
fn clean_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect()
}

fn group_of(
    record: &Record<'_>,
    options: &HsdsOptions,
    report: &mut HsdsReport,
) -> std::result::Result<Group, HsdsSkip> {
    let service = record.service;
    let service_id = service.get("id").map(value_text).unwrap_or_default();
    let id = match record.location.and_then(|l| l.get("id")).map(value_text) {
        Some(l) if !l.is_empty() && l != service_id => clean_id(&format!("{service_id}@{l}")),
        _ => clean_id(&service_id),
    };
    let mut w = Warn {
        id: id.clone(),
        report,
    };
    // What the service's groupmatch attributes state (a directory exported by groupmatch).
    let stated = attributes::Stated::read(service, &mut w);
    let approach = stated.approach.unwrap_or(options.approach);
    let status = text(Some(service), "status").unwrap_or_else(|| "active".into());
    if !status.eq_ignore_ascii_case("active") {
        return Err(HsdsSkip::Inactive);
    }
    if let Some(code) = &options.taxonomy {
        if !tagged(service, code) {
            return Err(HsdsSkip::NotInTaxonomy);
        }
    }
    let Some(name) = text(Some(service), "name") else {
        w.warn("name", "skipped: no name");
        return Err(HsdsSkip::NoName);
    };
    let format = match record.location.map(location_type).as_deref() {
        None => {
            w.warn(
                "service_at_locations",
                "skipped: no physical or virtual location",
            );
            return Err(HsdsSkip::NoPlace);
        }
        Some("virtual") => Format::Online,
        Some(_) if record.virtual_too.is_some() => Format::Hybrid,
        Some("physical") => Format::InPerson,
        Some(other) => {
            w.warn(
                "location_type",
                format!(
                    "skipped: location type '{other}' is not a place to meet (physical or virtual)"
                ),
            );
            return Err(HsdsSkip::NoPlace);
        }
    };
    let location = record.location.filter(|_| format != Format::Online);
    let addr = location.and_then(first_address);
    // Coordinates: the location's, else the gazetteer's for its postal code or town.
    let mut point = location.and_then(|l| {
        let (lat, lon) = (
            l.get("latitude").and_then(number),
            l.get("longitude").and_then(number),
        );
        match (lat, lon) {
            (Some(lat), Some(lon)) => match GeoPoint::new(lat, lon) {
                Ok(p) => Some((p, false)),
                Err(e) => {
                    w.warn("latitude", format!("coordinates ignored: {e}"));
                    None
                }
            },
            _ => None,
        }
    });
    if point.is_none() && location.is_some() && stated.location_origin.is_none() {
        point = addr.and_then(|a| place_by_address(a, &mut w));
    }
    if location.is_some() && point.is_none() {
        w.report.without_coordinates += 1;
    }
    // Sessions and the zone they are in.
    let mut sessions = Vec::new();
    // The zone of the first schedule that gives one, and how it was found.
    let mut zone: Option<(Tz, Origin)> = None;
    for schedule in &record.schedules {
        // The schedule's warnings name it by its own id.
        let mut notes = Vec::new();
        let readings = match days_from_descriptions(schedule, record) {
            Some((readings, note)) => {
                notes.push(note);
                readings
            }
            None => vec![Cow::Borrowed(*schedule)],
        };
        for schedule in &readings {
            match schedule_sessions(schedule) {
                Err(why) => {
                    w.report.schedules_skipped += 1;
                    notes.push(format!("schedule of {id} skipped: {why}"));
                }
                Ok(found) => {
                    notes.extend(
                        found
                            .ignored
                            .iter()
                            .map(|note| format!("schedule of {id}: {note}")),
                    );
                    if zone.is_none() {
                        zone = read_zone(schedule, point, &found.sessions, options, &mut w);
                    }
                    sessions.extend(found.sessions);
                }
            }
        }
        let sid = schedule.get("id").map_or_else(|| id.clone(), value_text);
        w.report
            .warnings
            .extend(notes.into_iter().map(|message| RecordWarning {
                id: sid.clone(),
                field: "schedule".into(),
                message,
            }));
    }
    if sessions.is_empty() {
        if record.schedules.is_empty() {
            w.warn("schedules", "skipped: no schedule");
        }
        return Err(HsdsSkip::NoSchedule);
    }
    // A groupmatch export lists its sessions in the group's order; others are put in order.
    if !stated.exported() {
        sessions.sort();
        sessions.dedup();
    }
    // A schedule's zone is derived only from a UTC offset.
    let from_offset = zone.is_some_and(|(_, origin)| origin == Origin::Derived);
    let Some((timezone, timezone_origin)) = zone
        .or(options.timezone.map(|tz| (tz, Origin::Assumed)))
        .or_else(|| {
            point
                .and_then(|(p, _)| zone_at(p))
                .map(|tz| (tz, Origin::Derived))
        })
    else {
        w.warn(
            "timezone",
            "skipped: no time zone in the schedules and no coordinates (pass --timezone)",
        );
        return Err(HsdsSkip::NoTimezone);
    };
    if from_offset {
        w.report.timezone_from_offset += 1;
    }
    let (min_age, max_age) = (
        age(service, "minimum_age", &mut w),
        age(service, "maximum_age", &mut w),
    );
    let (capacity, enrolled) = capacity(service, &mut w);
    let virtual_url = record
        .virtual_too
        .or(record.location.filter(|_| format == Format::Online));
    let join_url = virtual_url
        .and_then(|l| text(Some(l), "url"))
        .filter(|_| format != Format::InPerson);
    let phone = [record.sal, record.location, Some(service), record.org]
        .into_iter()
        .flatten()
        .flat_map(|v| array(v, "phones").iter().chain(array(v, "phone")))
        .find_map(|p| text(Some(p), "number"));
    let mut group = Group {
        id: id.clone(),
        name,
        approach,
        fellowship: None,
        orientation: approach
            .default_orientation()
            .unwrap_or(Orientation::Secular),
        format,
        facilitation: approach.default_facilitation(),
        serves: approach.default_serves(),
        sessions,
        timezone,
        location: point.map(|(p, _)| p),
        city: addr.and_then(|a| text(Some(a), "city")),
        languages: languages(service, &mut w),
        audience: Vec::new(),
        min_age,
        max_age,
        closed: None,
        beginner_friendly: false,
        focus: Vec::new(),
        accessibility: accessibility(location),
        substances: Vec::new(),
        medication_stance: MedicationStance::Unknown,
        abstinence_required: None,
        newcomer_contact: text(Some(service), "email"),
        requires: Vec::new(),
        capacity,
        enrolled,
        cost: cost(service, &mut w),
        url: text(Some(service), "url")
            .or_else(|| record.org.and_then(|o| text(Some(o), "website"))),
        address: addr.and_then(address_line),
        phone,
        join_url,
        listing: Listing {
            source: None,
            updated: updated(service),
            location_origin: if point.is_some_and(|(_, approximate)| approximate) {
                Origin::Derived
            } else {
                Origin::Given
            },
            timezone_origin,
        },
    };
    stated.apply(&mut group);
    if let Err(e) = group.validate() {
        let (field, message) = e
            .problems()
            .first()
            .map_or((String::new(), e.to_string()), |p| {
                (p.field.clone().unwrap_or_default(), p.message.clone())
            });
        w.warn(&field, format!("skipped: {message}"));
        return Err(HsdsSkip::BadRecord);
    }
    if group.location_is_approximate() {
        w.report.coordinates_approximate += 1;
    }
    Ok(group)
}

/// The coordinates of the address's postal code or town ([`approximate_point`]), marked
/// approximate and warned.
fn place_by_address(addr: &Value, w: &mut Warn<'_>) -> Option<(GeoPoint, bool)> {
    let (postal_code, town, region, country) = (
        text(Some(addr), "postal_code"),
        text(Some(addr), "city"),
        text(Some(addr), "state_province"),
        text(Some(addr), "country"),
    );
    let (point, name) = approximate_point(AddressHint {
        postal_code: postal_code.as_deref(),
        town: town.as_deref(),
        region: region.as_deref(),
        north_american: country.as_deref().is_none_or(|c| {
            ["US", "USA", "CA", "CAN"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(c))
        }),
    })?;
    w.warn(
        "latitude",
        format!("no coordinates: those of '{name}' used (approximate)"),
    );
    Some((point, true))
}

/// The day the service was last changed: its `last_modified` (3.1), else the latest
/// `last_action_date` of its `metadata`.
fn updated(service: &Value) -> Option<NaiveDate> {
    let day = |v: &Value| -> Option<NaiveDate> {
        let t = value_text(v);
        NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
    };
    service.get("last_modified").and_then(day).or_else(|| {
        array(service, "metadata")
            .iter()
            .filter_map(|m| m.get("last_action_date").and_then(day))
            .max()
    })
}

/// Whether a service is tagged with the taxonomy term `code`: in its `attributes` (3.x, with a
/// `taxonomy_term`), or its `taxonomy_terms` / `taxonomies` lists.
fn tagged(service: &Value, code: &str) -> bool {
    let matches = |term: &Value| {
        ["code", "id", "term", "name"].iter().any(|k| {
            term.get(*k)
                .map(value_text)
                .is_some_and(|c| c.eq_ignore_ascii_case(code))
        })
    };
    array(service, "attributes")
        .iter()
        .filter_map(|a| a.get("taxonomy_term"))
        .chain(array(service, "taxonomy_terms"))
        .chain(array(service, "taxonomies"))
        .any(matches)
}

/// The first address of a location: its physical one, else any.
fn first_address(location: &Value) -> Option<&Value> {
    // `addresss` is how one machine converter spells the list; it is read too.
    let all: Vec<&Value> = ["addresses", "addresss", "physical_addresses", "address"]
        .iter()
        .flat_map(|k| match location.get(*k) {
            Some(Value::Array(a)) => a.iter().collect::<Vec<_>>(),
            Some(v @ Value::Object(_)) => vec![v],
            _ => Vec::new(),
        })
        .collect();
    all.iter()
        .copied()
        .find(|a| text(Some(a), "address_type").is_none_or(|t| t.eq_ignore_ascii_case("physical")))
        .or(all.first().copied())
}

fn address_line(a: &Value) -> Option<String> {
    let parts: Vec<String> = [
        "address_1",
        "address_2",
        "city",
        "state_province",
        "postal_code",
    ]
    .iter()
    .filter_map(|k| text(Some(a), k))
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn age(service: &Value, key: &str, w: &mut Warn<'_>) -> Option<u8> {
    let v = service
        .get(key)
        .filter(|v| !v.is_null() && v.as_str() != Some(""))?;
    match number(v).filter(|n| (0.0..=255.0).contains(n)) {
        Some(n) => Some(n as u8),
        None => {
            w.warn(key, format!("'{}' is not an age (ignored)", value_text(v)));
            None
        }
    }
}

/// Seats: HSDS 3.1 `capacity` entries whose unit is seats, places or people (or unnamed):
/// `maximum` is the capacity, `maximum - available` the seats taken.
fn capacity(service: &Value, w: &mut Warn<'_>) -> (Option<u32>, u32) {
    for c in array(service, "capacities")
        .iter()
        .chain(array(service, "capacity"))
    {
        let unit = c
            .get("unit")
            .and_then(|u| text(Some(u), "name").or_else(|| u.as_str().map(str::to_string)))
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !(unit.is_empty()
            || ["seat", "place", "person", "people", "participant", "space"]
                .iter()
                .any(|k| unit.contains(k)))
        {
            w.warn("capacity", format!("unit '{unit}' is not seats (ignored)"));
            continue;
        }
        let max = c.get("maximum").and_then(number);
        let available = c.get("available").and_then(number);
        let seats = |n: f64| (n >= 0.0 && n <= f64::from(MAX_SEATS)).then_some(n as u32);
        match (max.and_then(seats), available.and_then(seats)) {
            (Some(m), a) => return (Some(m), a.map_or(0, |a| m.saturating_sub(a))),
            (None, Some(a)) => return (Some(a), 0),
            _ => w.warn("capacity", "no maximum or available seats (ignored)"),
        }
    }
    (None, 0)
}

fn languages(service: &Value, w: &mut Warn<'_>) -> Vec<Language> {
    let mut out = Vec::new();
    for l in array(service, "languages") {
        let code = text(Some(l), "code").or_else(|| l.as_str().map(str::to_string));
        let name = text(Some(l), "name");
        let found = code
            .as_deref()
            .and_then(|c| c.get(..2).filter(|_| c.len() == 2 || c.contains('-')))
            .and_then(|c| c.parse::<Language>().ok())
            .or_else(|| name.as_deref().and_then(language_named));
        match found {
            Some(lang) if !out.contains(&lang) => out.push(lang),
            Some(_) => {}
            None => w.warn(
                "languages",
                format!(
                    "unknown language '{}' (ignored)",
                    code.or(name).unwrap_or_default()
                ),
            ),
        }
    }
    if out.is_empty() {
        out.push(Language::ENGLISH);
    }
    out
}

fn language_named(name: &str) -> Option<Language> {
    crate::domain::vocab::LANGUAGE_CODES
        .iter()
        .filter_map(|c| c.parse::<Language>().ok())
        .find(|l| l.name().eq_ignore_ascii_case(name.trim()))
}

/// Accessibility by keyword in the location's `accessibility` descriptions and details (free
/// text, so unverified): wheelchair, ramp, step-free -> wheelchair; ASL, sign language ->
/// asl; childcare, child care, creche -> childcare.
fn accessibility(location: Option<&Value>) -> Vec<Need> {
    let mut text_all = String::new();
    for a in location.map_or(&[][..], |l| array(l, "accessibility")) {
        for k in ["description", "details", "accessibility"] {
            if let Some(t) = text(Some(a), k) {
                text_all.push(' ');
                text_all.push_str(&t.to_lowercase());
            }
        }
        if let Some(s) = a.as_str() {
            text_all.push_str(&s.to_lowercase());
        }
    }
    let words: Vec<&str> = text_all
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .collect();
    let mut out = Vec::new();
    for (need, keys) in ACCESSIBILITY_KEYWORDS {
        if keys.iter().any(|k| {
            if k.contains(' ') {
                text_all.contains(k)
            } else {
                words.contains(k)
            }
        }) {
            out.push(*need);
        }
    }
    out
}

/// The keywords that map accessibility text to needs (whole words, or phrases).
pub const ACCESSIBILITY_KEYWORDS: &[(Need, &[&str])] = &[
    (
        Need::Wheelchair,
        &[
            "wheelchair",
            "wheelchairs",
            "ramp",
            "step-free",
            "accessible entrance",
        ],
    ),
    (Need::Asl, &["asl", "sign language"]),
    (
        Need::Childcare,
        &["childcare", "child care", "creche", "crèche"],
    ),
];

/// The cost: free if any option is free (amount 0, or `free` in its text), else the lowest
/// amount with its currency.
fn cost(service: &Value, w: &mut Warn<'_>) -> Option<Cost> {
    let options = array(service, "cost_options");
    let says_free = |v: &Value| {
        ["option", "amount_description"]
            .iter()
            .any(|k| text(Some(v), k).is_some_and(|t| t.to_lowercase().contains("free")))
    };
    if options
        .iter()
        .any(|o| says_free(o) || o.get("amount").and_then(number) == Some(0.0))
    {
        return Some(Cost::Free);
    }
    let mut best: Option<(f64, Option<Currency>)> = None;
    for o in options {
        let Some(amount) = o.get("amount").and_then(number) else {
            continue;
        };
        if !(0.0..=crate::domain::group::MAX_COST).contains(&amount) {
            w.warn(
                "cost_options",
                format!("amount {amount} out of range (ignored)"),
            );
            continue;
        }
        let currency = text(Some(o), "currency").and_then(|c| {
            Currency::ALL
                .into_iter()
                .find(|k| k.code().eq_ignore_ascii_case(&c))
        });
        if best.as_ref().is_none_or(|(b, _)| amount < *b) {
            best = Some((amount, currency));
        }
    }
    if let Some((amount, currency)) = best {
        return Some(Cost::Amount { amount, currency });
    }
    text(Some(service), "fees_description")
        .or_else(|| text(Some(service), "fees"))
        .filter(|f| {
            f.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "free")
        })
        .map(|_| Cost::Free)
}

/// The zone a schedule gives and how it was found, each problem warned: an IANA name
/// ([`Origin::Given`]); a UTC offset ([`Origin::Derived`]) turned into the zone at the
/// coordinates, or without coordinates into the fixed zone of that offset (`Etc/GMT-3` for +3)
/// unless `--timezone` is given; nothing for a value that is neither.
fn read_zone(
    schedule: &Value,
    point: Option<(GeoPoint, bool)>,
    sessions: &[Session],
    options: &HsdsOptions,
    w: &mut Warn<'_>,
) -> Option<(Tz, Origin)> {
    match schedule_zone(schedule, point, sessions) {
        ScheduleZone::Named(tz) => Some((tz, Origin::Given)),
        ScheduleZone::FromOffset(tz, disagreement) => {
            if let Some(d) = disagreement {
                w.warn("timezone", d);
            }
            Some((tz, Origin::Derived))
        }
        ScheduleZone::OffsetWithoutPlace(offset, _) if options.timezone.is_some() => {
            w.warn(
                "timezone",
                format!("UTC offset {offset} without coordinates: --timezone used"),
            );
            None
        }
        ScheduleZone::OffsetWithoutPlace(offset, fixed) => {
            let Some(fixed) = fixed else {
                w.warn("timezone", format!("UTC offset {offset} cannot be turned into a zone without coordinates (pass --timezone)"));
                return None;
            };
            w.warn(
                "timezone",
                format!(
                    "UTC offset {offset} without coordinates: read as {}, a fixed offset without summer time (pass --timezone for the place's zone)",
                    fixed.name()
                ),
            );
            Some((fixed, Origin::Derived))
        }
        ScheduleZone::Bad(value) => {
            w.warn(
                "timezone",
                format!("'{value}' is neither an IANA zone nor a UTC offset (ignored)"),
            );
            None
        }
        ScheduleZone::None => None,
    }
}

/// For a schedule with hours but no day (no `byday` or `bymonthday`, and no `dtstart` in a
/// WEEKLY rule): the schedules its description, or else its location's, service's or
/// organization's, says ([`days::days_in_text`]): a WEEKLY one for the weekdays it names, a
/// MONTHLY one for the weekdays it names by their place in the month. With them, the warning
/// that says what was read where.
fn days_from_descriptions<'a>(
    schedule: &'a Value,
    record: &Record<'a>,
) -> Option<(Vec<Cow<'a, Value>>, String)> {
    let rule = schedule.as_object()?;
    let given = |k: &str| text(Some(schedule), k).is_some();
    let weekly = text(Some(schedule), "freq").is_none_or(|f| f.eq_ignore_ascii_case("WEEKLY"));
    if given("byday") || given("bymonthday") || (weekly && given("dtstart")) {
        return None;
    }
    let sources = [
        ("schedule", Some(schedule)),
        ("location", record.location),
        ("service", Some(record.service)),
        ("organization", record.org),
    ];
    let (whose, description, days) = sources.into_iter().find_map(|(whose, v)| {
        let description = text(v, "description")?;
        days::days_in_text(&description).map(|days| (whose, description, days))
    })?;
    let (mut readings, mut read) = (Vec::new(), Vec::new());
    for (freq, byday) in [
        ("WEEKLY", days.weekly_byday()),
        ("MONTHLY", days.monthly_byday()),
    ] {
        let Some(byday) = byday else {
            continue;
        };
        read.push(format!("{freq} {byday}"));
        let mut rule = rule.clone();
        rule.insert("freq".into(), freq.into());
        rule.insert("byday".into(), byday.into());
        readings.push(Cow::Owned(Value::Object(rule)));
    }
    let note = format!(
        "no day in the schedule: {} read from the {whose}'s description '{}'",
        read.join(" and "),
        crate::text::single_line(&description)
    );
    Some((readings, note))
}

enum ScheduleZone {
    Named(Tz),
    FromOffset(Tz, Option<String>),
    /// An offset, shown, and the fixed zone of it when it is whole hours.
    OffsetWithoutPlace(String, Option<Tz>),
    Bad(String),
    None,
}

/// The zone of a schedule: its `timezone` when an IANA name; a numeric offset (hours, or
/// `+HH:MM`) turned into the zone at the coordinates, with a note when the offset disagrees
/// with the zone's rules on the schedule's dates.
fn schedule_zone(
    schedule: &Value,
    point: Option<(GeoPoint, bool)>,
    sessions: &[Session],
) -> ScheduleZone {
    let Some(v) = schedule
        .get("timezone")
        .filter(|v| !v.is_null() && v.as_str() != Some(""))
    else {
        return ScheduleZone::None;
    };
    if let Some(tz) = v.as_str().and_then(|s| parse_timezone(s.trim()).ok()) {
        return ScheduleZone::Named(tz);
    }
    let Some(minutes) = offset_minutes(v) else {
        return ScheduleZone::Bad(value_text(v));
    };
    let shown = format!("{:+03}:{:02}", minutes / 60, (minutes % 60).abs());
    let Some(tz) = point.and_then(|(p, _)| zone_at(p)) else {
        // `Etc/GMT-3` is three hours ahead of UTC: the sign is the POSIX one.
        let fixed = (minutes % 60 == 0)
            .then(|| format!("Etc/GMT{:+}", -minutes / 60).replace("GMT+0", "GMT"))
            .and_then(|name| name.parse().ok());
        return ScheduleZone::OffsetWithoutPlace(shown, fixed);
    };
    // The schedule's dates: a year from its first date (or, without one, from the start of the
    // zone data's year, so that the same file gives the same warnings on any day), month by
    // month, up to its last date.
    let first = sessions
        .iter()
        .filter_map(Session::first_date)
        .min()
        .or(NaiveDate::from_ymd_opt(REFERENCE_YEAR, 1, 1))
        .expect("the reference year has a first of January");
    let last = sessions.iter().filter_map(Session::end_date).max();
    let mut wrong = Vec::new();
    for m in 0..12 {
        let Some(day) = first.checked_add_months(chrono::Months::new(m)) else {
            break;
        };
        if last.is_some_and(|l| day > l) && m > 0 {
            break;
        }
        let at = Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN));
        let actual = utc_offset_minutes(tz, at);
        if actual != minutes && !wrong.iter().any(|(a, _): &(i32, NaiveDate)| *a == actual) {
            wrong.push((actual, day));
        }
    }
    let note = wrong.first().map(|(actual, day)| {
        format!(
            "UTC offset {shown} read as {} (the zone at the coordinates), whose offset is {:+03}:{:02} on {day}: times are taken as {}'s local times",
            tz.name(),
            actual / 60,
            (actual % 60).abs(),
            tz.name()
        )
    });
    ScheduleZone::FromOffset(tz, note)
}

fn offset_minutes(v: &Value) -> Option<i32> {
    let minutes = match v {
        Value::Number(n) => (n.as_f64()? * 60.0).round(),
        Value::String(s) => {
            let s = s.trim();
            let s = s.strip_prefix("UTC").or(s.strip_prefix("GMT")).unwrap_or(s);
            if let Some((h, m)) = s.split_once(':') {
                let h: f64 = h.parse().ok()?;
                let m: f64 = m.parse().ok()?;
                (h.abs() * 60.0 + m) * h.signum()
            } else {
                (s.parse::<f64>().ok()? * 60.0).round()
            }
        }
        _ => return None,
    };
    (minutes.abs() <= 14.0 * 60.0).then_some(minutes as i32)
}

const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const ORDINAL_NAMES: [&str; 5] = ["1st", "2nd", "3rd", "4th", "5th"];

/// What one HSDS schedule gives: its sessions, and the rule parts that were ignored because RFC
/// 5545 does not allow them there.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleReading {
    /// The sessions, exactly as the schedule defines them.
    pub sessions: Vec<Session>,
    /// Each ignored rule part, in words (`byweekno '41,42' ignored: RFC 5545 allows it only in
    /// YEARLY rules`).
    pub ignored: Vec<String>,
}

/// The sessions of one HSDS schedule, or why groupmatch cannot express it exactly.
///
/// Rule parts that RFC 5545 forbids where they stand are ignored and named in
/// [`ScheduleReading::ignored`]: `byweekno` (YEARLY rules only), `byyearday` (not in WEEKLY or
/// MONTHLY rules), `bymonthday` in a WEEKLY rule, and `count` beside `until` (a rule has one or
/// the other; `until` is kept). Parts that are allowed but cannot be expressed (`bymonth`,
/// `bysetpos`, `byhour`, `byminute`, a YEARLY or DAILY `freq`) refuse the schedule.
///
/// ```
/// use groupmatch::formats::hsds::schedule_sessions;
/// let s = serde_json::json!({"freq": "MONTHLY", "byday": "1TU,-1TH", "opens_at": "18:00:00",
///                            "closes_at": "19:30:00", "dtstart": "2026-01-06"});
/// let sessions: Vec<String> = schedule_sessions(&s).unwrap().sessions.iter().map(|s| s.to_string()).collect();
/// assert_eq!(sessions, ["1st Tue 18:00-19:30 from 2026-01-06", "last Thu 18:00-19:30 from 2026-01-06"]);
/// assert!(schedule_sessions(&serde_json::json!({"freq": "YEARLY", "opens_at": "9:00", "closes_at": "10:00"})).is_err());
/// ```
pub fn schedule_sessions(schedule: &Value) -> std::result::Result<ScheduleReading, String> {
    let Value::Object(s) = schedule else {
        return Err("not a JSON object".into());
    };
    let get = |k: &str| -> Option<String> {
        s.get(k)
            .map(value_text)
            .filter(|t| !t.is_empty() && t != "null")
    };
    for k in ["bymonth", "bysetpos", "byhour", "byminute"] {
        if let Some(v) = get(k) {
            return Err(format!(
                "{k} '{v}' cannot be expressed (only byday and bymonthday)"
            ));
        }
    }
    let ignore = |k: &str, why: &str| get(k).map(|v| format!("{k} '{v}' ignored: {why}"));
    let mut ignored: Vec<String> = [
        ignore("byweekno", "RFC 5545 allows it only in YEARLY rules"),
        ignore(
            "byyearday",
            "RFC 5545 does not allow it in WEEKLY or MONTHLY rules",
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let byday = get("byday");
    let mut bymonthday = get("bymonthday");
    let freq = match get("freq").map(|f| f.to_ascii_uppercase()) {
        Some(f) if f == "WEEKLY" || f == "MONTHLY" => f,
        Some(f) => {
            return Err(format!(
                "freq '{f}' cannot be expressed (WEEKLY or MONTHLY)"
            ))
        }
        None if byday.is_some() => "WEEKLY".into(),
        None => return Err("no freq and no byday".into()),
    };
    let interval: u8 = match get("interval") {
        None => 1,
        Some(i) => i
            .parse::<f64>()
            .ok()
            .filter(|n| {
                n.fract() == 0.0
                    && (1.0..=f64::from(crate::domain::recurrence::MAX_INTERVAL)).contains(n)
            })
            .map(|n| n as u8)
            .ok_or_else(|| {
                format!(
                    "interval '{i}' is not 1 to {}",
                    crate::domain::recurrence::MAX_INTERVAL
                )
            })?,
    };
    let (opens, closes) = match (get("opens_at"), get("closes_at")) {
        (Some(o), Some(c)) => (hhmm(&o)?, hhmm(&c)?),
        (None, _) => return Err("no opens_at".into()),
        (_, None) => return Err("no closes_at".into()),
    };
    if closes <= opens {
        return Err(format!(
            "closes_at {} is not after opens_at {} (a session past midnight cannot be expressed)",
            minutes_text(closes),
            minutes_text(opens)
        ));
    }
    let date = |k: &str| -> std::result::Result<Option<NaiveDate>, String> {
        match get(k) {
            None => Ok(None),
            Some(d) => NaiveDate::parse_from_str(d.get(..10).unwrap_or(&d), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("{k} '{d}' is not a date YYYY-MM-DD")),
        }
    };
    let (dtstart, valid_from) = (date("dtstart")?, date("valid_from")?);
    let (until, valid_to) = (date("until")?, date("valid_to")?);
    let count: Option<u32> = match get("count") {
        None => None,
        Some(c) => Some(
            c.parse::<u32>()
                .ok()
                .filter(|c| *c >= 1)
                .ok_or_else(|| format!("count '{c}' is not a number of sessions"))?,
        ),
    };
    let count = match (count, until) {
        (Some(c), Some(_)) => {
            ignored.push(format!(
                "count '{c}' ignored: a rule has until or count, not both (RFC 5545); until is kept"
            ));
            None
        }
        (c, _) => c,
    };
    if freq == "WEEKLY" {
        ignored.extend(ignore(
            "bymonthday",
            "RFC 5545 does not allow it in WEEKLY rules",
        ));
        bymonthday = None;
    }
    let wkst = get("wkst").map(|w| w.to_ascii_uppercase());
    // The first date anchors the interval; valid_from later than dtstart would move it.
    let from = match (dtstart, valid_from) {
        (Some(d), Some(v)) if v > d && (interval > 1 || count.is_some()) => {
            return Err(
                "valid_from later than dtstart with an interval or a count cannot be expressed"
                    .into(),
            )
        }
        (d, v) => d.max(v),
    };
    let last = match (until, valid_to) {
        (Some(u), Some(v)) => Some(u.min(v)),
        (u, v) => u.or(v),
    };
    if count.is_some() && valid_to.is_some() {
        return Err("both count and valid_to cannot be expressed together".into());
    }
    let mut tail = String::new();
    if interval > 1 {
        let unit = if freq == "WEEKLY" { "weeks" } else { "months" };
        tail.push_str(&format!(" every {interval} {unit}"));
    }
    if let Some(f) = from {
        tail.push_str(&format!(" from {f}"));
    }
    if let Some(l) = last {
        tail.push_str(&format!(" until {l}"));
    }
    if let Some(c) = count {
        tail.push_str(&format!(" for {c} times"));
    }
    let except = closed_dates(s)?;
    let times = format!("{}-{}", minutes_text(opens), minutes_text(closes));
    let mut cells = Vec::new();
    if freq == "WEEKLY" {
        let days: Vec<(Option<i8>, usize)> = match &byday {
            Some(b) => parse_byday(b)?,
            None => match dtstart {
                Some(d) => vec![(None, d.weekday().num_days_from_monday() as usize)],
                None => return Err("freq WEEKLY without byday or dtstart: no weekday".into()),
            },
        };
        if days.iter().any(|(o, _)| o.is_some()) {
            return Err("ordinals in byday need freq MONTHLY".into());
        }
        if days.len() > 1 && count.is_some() {
            return Err("count over several weekdays cannot be expressed".into());
        }
        if interval > 1 && wkst.as_deref().is_some_and(|w| w != "MO") && days.len() > 1 {
            return Err("an interval with a week start other than MO cannot be expressed".into());
        }
        if interval > 1 && from.is_none() {
            return Err("an interval without dtstart has no first week".into());
        }
        for (_, d) in days {
            cells.push(format!("{} {times}{tail}", DAY_NAMES[d]));
        }
    } else {
        match (&byday, &bymonthday) {
            (Some(_), Some(_)) => return Err("byday with bymonthday cannot be expressed".into()),
            (None, None) => return Err("freq MONTHLY without byday or bymonthday".into()),
            (None, Some(m)) => {
                let mut days = Vec::new();
                for d in m.split(',').map(str::trim) {
                    match d.parse::<u8>() {
                        Ok(n) if (1..=31).contains(&n) => days.push(n.to_string()),
                        _ => return Err(format!("bymonthday '{d}' cannot be expressed (1 to 31)")),
                    }
                }
                cells.push(format!("day {} {times}{tail}", days.join(" ")));
            }
            (Some(b), None) => {
                let days = parse_byday(b)?;
                let mut by_weekday: BTreeMap<usize, Vec<i8>> = BTreeMap::new();
                for (o, d) in days {
                    let Some(o) = o else {
                        return Err(format!(
                            "byday '{b}' without an ordinal in a MONTHLY rule cannot be expressed"
                        ));
                    };
                    by_weekday.entry(d).or_default().push(o);
                }
                if by_weekday.len() > 1 && count.is_some() {
                    return Err("count over several weekdays cannot be expressed".into());
                }
                if interval > 1 && from.is_none() {
                    return Err("an interval without dtstart has no first month".into());
                }
                for (d, mut ordinals) in by_weekday {
                    ordinals.sort_by_key(|o| if *o < 0 { 6 } else { *o });
                    ordinals.dedup();
                    let words: Vec<&str> = ordinals
                        .iter()
                        .map(|o| {
                            if *o < 0 {
                                "last"
                            } else {
                                ORDINAL_NAMES[*o as usize - 1]
                            }
                        })
                        .collect();
                    cells.push(format!(
                        "{} {} {times}{tail}",
                        words.join(" "),
                        DAY_NAMES[d]
                    ));
                }
            }
        }
    }
    let mut sessions = Vec::new();
    for c in cells {
        let session = c.parse::<Session>().map_err(|e| format!("'{c}': {e}"))?;
        // Closed days skip the sessions that fall on them; other closed days do not concern
        // this session.
        let skipped: Vec<String> = except
            .iter()
            .filter(|d| {
                d.succ_opt()
                    .is_some_and(|next| session.dates_between(**d, next).any(|x| x == **d))
            })
            .map(ToString::to_string)
            .collect();
        if skipped.is_empty() {
            sessions.push(session);
        } else {
            let c = format!("{c} except {}", skipped.join(" "));
            sessions.push(c.parse::<Session>().map_err(|e| format!("'{c}': {e}"))?);
        }
    }
    Ok(ScheduleReading { sessions, ignored })
}

/// The closed dates a 1.x/2.x package's `holiday_schedule` gives a weekly schedule (kept
/// under a key of groupmatch's own): dates or `FIRST/LAST` ranges; and the dates a groupmatch
/// export's schedule skips (its `groupmatch:except` attributes).
fn closed_dates(s: &Map<String, Value>) -> std::result::Result<Vec<NaiveDate>, String> {
    let mut out = Vec::new();
    let closed = s
        .get("x_groupmatch_closed")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(value_text);
    // A groupmatch export's skipped dates: its schedules' `groupmatch:except` attributes.
    for t in closed.chain(attributes::except_dates(s)) {
        let (a, b) = t.split_once('/').unwrap_or((&t, &t));
        let parse = |d: &str| {
            NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d")
                .map_err(|_| format!("holiday_schedule date '{d}' is not YYYY-MM-DD"))
        };
        let (mut day, last) = (parse(a)?, parse(b)?);
        while day <= last {
            if out.len() >= crate::domain::recurrence::MAX_EXCEPTIONS {
                return Err("more closed days than a session can skip".into());
            }
            out.push(day);
            day = day.succ_opt().ok_or("date out of range")?;
        }
    }
    Ok(out)
}

/// `byday` as (ordinal, weekday from Monday = 0): `MO`, `2MO`, `-1WE`, `+1FR`.
fn parse_byday(b: &str) -> std::result::Result<Vec<(Option<i8>, usize)>, String> {
    let mut out = Vec::new();
    for item in b.split(',').map(|s| s.trim().to_ascii_uppercase()) {
        // The weekday is the last two characters, ASCII in every valid item.
        let Some((ord, day)) = item
            .len()
            .checked_sub(2)
            .and_then(|at| item.split_at_checked(at))
        else {
            return Err(format!("byday '{item}' is not a weekday"));
        };
        let d = WEEKDAYS
            .iter()
            .position(|w| *w == day)
            .ok_or_else(|| format!("byday '{item}' is not a weekday (MO to SU)"))?;
        let o = match ord {
            "" => None,
            o => match o.trim_start_matches('+').parse::<i8>() {
                Ok(n @ 1..=5) => Some(n),
                Ok(-1) => Some(-1),
                _ => {
                    return Err(format!(
                        "byday '{item}': ordinal {o} cannot be expressed (1 to 5, or -1)"
                    ))
                }
            },
        };
        out.push((o, d));
    }
    Ok(out)
}

fn hhmm(t: &str) -> std::result::Result<u16, String> {
    let t = t.trim();
    // The end of the day (ISO 8601), as a session ending at midnight closes.
    if t == "24:00" || t == "24:00:00" {
        return Ok(24 * 60);
    }
    let base = t.get(..8).unwrap_or(t);
    ["%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|f| {
            NaiveTime::parse_from_str(base, f)
                .ok()
                .or_else(|| NaiveTime::parse_from_str(t.get(..5).unwrap_or(t), f).ok())
        })
        .map(|n| {
            use chrono::Timelike;
            (n.hour() * 60 + n.minute()) as u16
        })
        .ok_or_else(|| format!("time '{t}' is not HH:MM"))
}

fn minutes_text(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

mod attributes;
mod days;
pub mod export;
mod tabular;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cells(v: Value) -> std::result::Result<Vec<String>, String> {
        schedule_sessions(&v).map(|s| s.sessions.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn weekly_byday_gives_one_session_per_weekday() {
        let got = cells(
            json!({"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "10:00:00", "closes_at": "11:30:00"}),
        );
        assert_eq!(got.unwrap(), ["Mon 10:00-11:30", "Wed 10:00-11:30"]);
    }

    #[test]
    fn monthly_second_monday_is_a_monthly_session() {
        let got = cells(
            json!({"freq": "MONTHLY", "byday": "2MO", "opens_at": "19:00", "closes_at": "20:00"}),
        );
        assert_eq!(got.unwrap(), ["2nd Mon 19:00-20:00"]);
    }

    #[test]
    fn fortnightly_with_dtstart_and_until_keeps_interval_and_dates() {
        let got = cells(
            json!({"freq": "WEEKLY", "interval": 2, "byday": "TU", "dtstart": "2026-12-08",
            "until": "2027-06-01", "opens_at": "18:00", "closes_at": "19:00"}),
        );
        assert_eq!(
            got.unwrap(),
            ["Tue 18:00-19:00 every 2 weeks from 2026-12-08 until 2027-06-01"]
        );
    }

    #[test]
    fn monthly_days_and_last_weekday_and_count() {
        assert_eq!(
            cells(json!({"freq": "MONTHLY", "bymonthday": "1,15", "opens_at": "12:00", "closes_at": "13:00"})).unwrap(),
            ["days 1 15 12:00-13:00"]
        );
        assert_eq!(
            cells(json!({"freq": "MONTHLY", "byday": "-1WE", "count": 6, "dtstart": "2027-01-01", "opens_at": "12:00", "closes_at": "13:00"})).unwrap(),
            ["last Wed 12:00-13:00 from 2027-01-01 for 6 times"]
        );
    }

    #[test]
    fn valid_to_bounds_the_session() {
        let got = cells(
            json!({"byday": "FR", "valid_from": "2027-01-01", "valid_to": "2027-03-31", "opens_at": "09:00", "closes_at": "10:00"}),
        );
        assert_eq!(
            got.unwrap(),
            ["Fri 09:00-10:00 from 2027-01-01 until 2027-03-31"]
        );
    }

    #[test]
    fn schedules_groupmatch_cannot_express_are_refused_not_guessed() {
        for bad in [
            json!({"freq": "YEARLY", "byday": "MO", "opens_at": "9:00", "closes_at": "10:00"}),
            json!({"freq": "WEEKLY", "byday": "2MO", "opens_at": "9:00", "closes_at": "10:00"}),
            json!({"freq": "MONTHLY", "byday": "MO", "opens_at": "9:00", "closes_at": "10:00"}),
            json!({"freq": "MONTHLY", "byday": "-2MO", "opens_at": "9:00", "closes_at": "10:00"}),
            json!({"freq": "MONTHLY", "bymonthday": "-1", "opens_at": "9:00", "closes_at": "10:00"}),
            json!({"freq": "WEEKLY", "opens_at": "16:00", "closes_at": "17:30"}),
            json!({"freq": "WEEKLY", "byday": "MO", "opens_at": "22:00", "closes_at": "01:00"}),
            json!({"freq": "WEEKLY", "byday": "MO,TU", "count": 3, "opens_at": "9:00", "closes_at": "10:00"}),
            json!({"freq": "WEEKLY", "byday": "MO"}),
            json!({"freq": "WEEKLY", "byday": "TUӫH", "opens_at": "9:00", "closes_at": "10:00"}),
        ] {
            assert!(schedule_sessions(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rule_parts_rfc_5545_forbids_there_are_ignored_and_named() {
        let read = schedule_sessions(&json!({"freq": "WEEKLY", "byday": "MO", "byweekno": "41",
            "byyearday": "2", "bymonthday": "3", "count": 3, "until": "2027-01-01",
            "opens_at": "9:00", "closes_at": "10:00"}))
        .unwrap();
        let sessions: Vec<String> = read.sessions.iter().map(ToString::to_string).collect();
        assert_eq!(sessions, ["Mon 09:00-10:00 until 2027-01-01"]);
        assert_eq!(
            read.ignored,
            [
                "byweekno '41' ignored: RFC 5545 allows it only in YEARLY rules",
                "byyearday '2' ignored: RFC 5545 does not allow it in WEEKLY or MONTHLY rules",
                "count '3' ignored: a rule has until or count, not both (RFC 5545); until is kept",
                "bymonthday '3' ignored: RFC 5545 does not allow it in WEEKLY rules",
            ]
        );
        // In a MONTHLY rule, bymonthday is a rule part like any other.
        let read = schedule_sessions(&json!({"freq": "MONTHLY", "bymonthday": "3",
            "opens_at": "9:00", "closes_at": "10:00"}))
        .unwrap();
        assert!(read.ignored.is_empty());
        assert_eq!(read.sessions[0].to_string(), "day 3 09:00-10:00");
    }

    #[test]
    fn an_offset_without_coordinates_is_its_fixed_zone_when_whole_hours() {
        let zone = |offset: Value| match schedule_zone(&json!({ "timezone": offset }), None, &[]) {
            ScheduleZone::OffsetWithoutPlace(_, fixed) => fixed.map(|tz| tz.name().to_string()),
            _ => panic!("not an offset without a place"),
        };
        assert_eq!(zone(json!(3)).as_deref(), Some("Etc/GMT-3"));
        assert_eq!(zone(json!("-05:00")).as_deref(), Some("Etc/GMT+5"));
        assert_eq!(zone(json!(0)).as_deref(), Some("Etc/GMT"));
        assert_eq!(zone(json!("+05:30")), None, "no fixed zone of half hours");
    }

    #[test]
    fn days_of_a_schedule_without_any_are_read_from_the_nearest_description() {
        let schedule =
            json!({"id": "s1", "freq": "WEEKLY", "opens_at": "16:00", "closes_at": "17:30"});
        let location = json!({"description": "Distribution on the 2nd and 4th Monday"});
        let service = json!({"description": "Open Fridays"});
        let record = Record {
            service: &service,
            location: Some(&location),
            sal: None,
            schedules: vec![&schedule],
            virtual_too: None,
            org: None,
        };
        let (readings, note) = days_from_descriptions(&schedule, &record).unwrap();
        let sessions: Vec<String> = readings
            .iter()
            .flat_map(|r| schedule_sessions(r).unwrap().sessions)
            .map(|s| s.to_string())
            .collect();
        assert_eq!(sessions, ["2nd 4th Mon 16:00-17:30"]);
        assert_eq!(
            note,
            "no day in the schedule: MONTHLY 2MO,4MO read from the location's description 'Distribution on the 2nd and 4th Monday'"
        );
        // A schedule that gives its day is read as it is.
        let given =
            json!({"freq": "WEEKLY", "byday": "TU", "opens_at": "16:00", "closes_at": "17:30"});
        assert!(days_from_descriptions(&given, &record).is_none());
        let dated = json!({"freq": "WEEKLY", "dtstart": "2027-01-05", "opens_at": "16:00", "closes_at": "17:30"});
        assert!(days_from_descriptions(&dated, &record).is_none());
    }

    #[test]
    fn numeric_offset_is_read_in_hours_or_hh_mm() {
        assert_eq!(offset_minutes(&json!(-5)), Some(-300));
        assert_eq!(offset_minutes(&json!("+05:30")), Some(330));
        assert_eq!(offset_minutes(&json!("UTC-4")), Some(-240));
        assert_eq!(offset_minutes(&json!("Mars/Base")), None);
    }

    #[test]
    fn accessibility_keywords_are_whole_words() {
        let loc = json!({"accessibility": [{"description": "Wheelchair ramp; ASL on request"}]});
        assert_eq!(accessibility(Some(&loc)), [Need::Wheelchair, Need::Asl]);
        let loc = json!({"accessibility": [{"description": "classroom"}]});
        assert!(accessibility(Some(&loc)).is_empty());
    }
}
