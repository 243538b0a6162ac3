//! The groupmatch taxonomy: the group fields HSDS has no place for (or holds in another shape),
//! carried as HSDS `attribute`s so that a directory exported by `groupmatch export hsds` imports
//! back as the same directory. The export writes them ([`of_group`], [`except`]); the import reads
//! them ([`Stated::read`], [`except_dates`]) with the groups reader's own field parsers, so a value
//! means the same in an attribute as in a groups file.
//!
//! A term's code is `groupmatch:FIELD:VALUE` for a field of a closed vocabulary (one term per
//! value: `groupmatch:fellowship:aa`), and `groupmatch:FIELD` for a free value, which the
//! attribute's `value` holds (`groupmatch:source` with the feed's name). FIELD is the groups-file
//! column and VALUE is written as a groups file writes it. The list is in `docs/formats.md`,
//! "Exporting HSDS".

use serde_json::{Map, Value};

use crate::domain::cost::Cost;
use crate::domain::geo::GeoPoint;
use crate::domain::group::{Group, MAX_SEATS};
use crate::domain::recurrence::Session;
use crate::domain::vocab::{
    Approach, Audience, Facilitation, Fellowship, MedicationStance, Need, Orientation, Origin,
    Requirement, Serves, Substance,
};
use crate::error::Problem;
use crate::formats::record::{Fields, Record};
use crate::formats::write::cell_text;
use crate::limits::MAX_LIST_ITEMS;

use super::{array, value_text, Warn};

/// The taxonomy's id in `taxonomies.csv` (and `taxonomy_id` of its terms).
pub const TAXONOMY_ID: &str = "groupmatch";
/// The taxonomy's URI; a term's URI is `urn:` and its code.
pub const TAXONOMY_URI: &str = "urn:groupmatch";
/// What every term code of the taxonomy starts with.
pub const PREFIX: &str = "groupmatch:";
/// The code of a schedule's attribute naming a date the session skips (one attribute a date).
pub const EXCEPT: &str = "groupmatch:except";

/// How a field travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried {
    /// One term per value: `groupmatch:FIELD:VALUE`, the attribute without a value.
    Term,
    /// One term for the field, `groupmatch:FIELD`; the attribute's `value` holds the value.
    Value,
}

/// A group field carried as attributes.
#[derive(Debug, Clone, Copy)]
pub struct AttributeField {
    /// The groups-file column.
    pub name: &'static str,
    /// How it travels.
    pub carried: Carried,
    /// A list: one attribute per item, in the group's order.
    pub list: bool,
    /// The value not written: the groups reader's default, which the import gives a field no
    /// attribute states.
    pub default: Option<&'static str>,
    /// Written for online groups only: the place of other groups is their HSDS location.
    pub online_only: bool,
    /// What the field says (the term's description).
    pub about: &'static str,
}

const fn field(name: &'static str, carried: Carried, about: &'static str) -> AttributeField {
    AttributeField {
        name,
        carried,
        list: false,
        default: None,
        online_only: false,
        about,
    }
}

const fn list(name: &'static str, about: &'static str) -> AttributeField {
    AttributeField {
        list: true,
        ..field(name, Carried::Term, about)
    }
}

const fn defaulting(
    name: &'static str,
    carried: Carried,
    default: &'static str,
    about: &'static str,
) -> AttributeField {
    AttributeField {
        default: Some(default),
        ..field(name, carried, about)
    }
}

const fn online(name: &'static str, about: &'static str) -> AttributeField {
    AttributeField {
        online_only: true,
        ..field(name, Carried::Value, about)
    }
}

use Carried::{Term, Value as Val};

/// Every field carried as attributes, in groups-file order.
pub const FIELDS: &[AttributeField] = &[
    field("approach", Term, "The group's programme."),
    field(
        "fellowship",
        Term,
        "The fellowship a 12-step or family meeting belongs to.",
    ),
    field("orientation", Term, "Spiritual, secular or religious."),
    field("facilitation", Term, "Peer-led or professionally led."),
    field(
        "serves",
        Term,
        "Whom the group is for: people in recovery, their families, or both.",
    ),
    online(
        "city",
        "The town of an online group (HSDS virtual locations have no address).",
    ),
    online("latitude", "The latitude of an online group's place."),
    online("longitude", "The longitude of an online group's place."),
    list("audience", "Who the group is for (empty: everyone)."),
    field(
        "closed",
        Term,
        "Whether the meeting is closed (for people with a desire to stop).",
    ),
    defaulting(
        "beginner_friendly",
        Term,
        "false",
        "Whether the group welcomes newcomers explicitly.",
    ),
    list("focus", "A topic the group focuses on."),
    list(
        "accessibility",
        "An accommodation or service offered (all of them, in order).",
    ),
    list(
        "substances",
        "A substance the group focuses on (empty: any).",
    ),
    defaulting(
        "medication_stance",
        Term,
        "unknown",
        "What the group says about members on medication for opioid use disorder.",
    ),
    field(
        "abstinence_required",
        Term,
        "Whether members are expected to aim for abstinence.",
    ),
    field(
        "newcomer_contact",
        Val,
        "How a newcomer reaches a member before the first session.",
    ),
    list("requires", "A step before the first session."),
    defaulting(
        "enrolled",
        Val,
        "0",
        "Seats taken (may be more than the capacity: the group is full).",
    ),
    field(
        "cost",
        Val,
        "What a session costs, as groupmatch writes it.",
    ),
    field(
        "address",
        Val,
        "Where a session meets, as one line (as groupmatch holds it).",
    ),
    field("source", Val, "The directory the listing came from."),
    field(
        "location_origin",
        Term,
        "How the coordinates were found (given or derived from the postal code or town).",
    ),
    field(
        "timezone_origin",
        Term,
        "How the time zone was found (given, derived or assumed).",
    ),
];

/// One attribute of a group or schedule: its term's code and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The field it carries (its term's parent), or `except`.
    pub field: &'static str,
    /// The term's code: `groupmatch:FIELD:VALUE` or `groupmatch:FIELD`.
    pub code: String,
    /// The value, for a field carried as a value.
    pub value: Option<String>,
}

/// The attributes of a group: every field of [`FIELDS`] it holds, but defaults and, for groups
/// that are not online, the place fields.
pub fn of_group(group: &Group) -> Vec<Attribute> {
    // The group as the groups writer serialises it, so each value is written as a groups file
    // writes it and read back by the same parser.
    let json = serde_json::to_value(group).unwrap_or_default();
    let online = group.format == crate::Format::Online;
    let mut out = Vec::new();
    for f in FIELDS.iter().filter(|f| online || !f.online_only) {
        let items: Vec<String> = match json.get(f.name) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) => items.iter().map(cell_text).collect(),
            Some(v) => vec![cell_text(v)],
        };
        for item in items {
            if f.default == Some(item.as_str()) {
                continue;
            }
            out.push(match f.carried {
                Carried::Term => Attribute {
                    field: f.name,
                    code: format!("{PREFIX}{}:{item}", f.name),
                    value: None,
                },
                Carried::Value => Attribute {
                    field: f.name,
                    code: format!("{PREFIX}{}", f.name),
                    value: Some(item),
                },
            });
        }
    }
    out
}

/// The attributes of a session's schedule: one per date it skips (HSDS 3.x schedules have no
/// exception dates).
pub fn except(session: &Session) -> Vec<Attribute> {
    session
        .except_dates()
        .iter()
        .map(|d| Attribute {
            field: "except",
            code: EXCEPT.to_string(),
            value: Some(d.to_string()),
        })
        .collect()
}

/// The code of an attribute's taxonomy term: the joined `taxonomy_term`'s `code` (else its `id`),
/// else the attribute's `taxonomy_term_id`.
fn code_of(attribute: &Value) -> Option<String> {
    let term = attribute.get("taxonomy_term");
    term.and_then(|t| t.get("code"))
        .or_else(|| term.and_then(|t| t.get("id")))
        .or_else(|| attribute.get("taxonomy_term_id"))
        .map(value_text)
        .filter(|c| !c.is_empty())
}

/// The dates a schedule's `groupmatch:except` attributes skip, as written.
pub(super) fn except_dates(schedule: &Map<String, Value>) -> Vec<String> {
    schedule
        .get("attributes")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter(|a| code_of(a).as_deref() == Some(EXCEPT))
        .filter_map(|a| a.get("value").map(value_text))
        .collect()
}

/// What a service's groupmatch attributes state, each field read as the groups reader reads its
/// column. A field no attribute states is `None`: the import's own reading (or default) stands.
#[derive(Debug, Default)]
pub(super) struct Stated {
    pub approach: Option<Approach>,
    fellowship: Option<Fellowship>,
    orientation: Option<Orientation>,
    facilitation: Option<Facilitation>,
    serves: Option<Serves>,
    city: Option<String>,
    location: Option<GeoPoint>,
    audience: Option<Vec<Audience>>,
    closed: Option<bool>,
    beginner_friendly: Option<bool>,
    focus: Option<Vec<Need>>,
    accessibility: Option<Vec<Need>>,
    substances: Option<Vec<Substance>>,
    medication_stance: Option<MedicationStance>,
    abstinence_required: Option<bool>,
    newcomer_contact: Option<String>,
    requires: Option<Vec<Requirement>>,
    enrolled: Option<u32>,
    cost: Option<Cost>,
    address: Option<String>,
    source: Option<String>,
    /// Stated: the listing says how its coordinates were found, or that it has none, so the
    /// import derives none from the gazetteer.
    pub location_origin: Option<Origin>,
    timezone_origin: Option<Origin>,
    /// Whether the service has any attribute of the taxonomy: it was exported by groupmatch,
    /// whose `groupmatch:address` then gives the address (none without it), and whose schedules
    /// are in the order of the group's sessions.
    any: bool,
}

impl Stated {
    /// Reads the service's attributes of the groupmatch taxonomy; an unknown field, a value a
    /// field cannot take, or a field stated twice is warned about and ignored.
    pub(super) fn read(service: &Value, w: &mut Warn<'_>) -> Stated {
        let mut cells: Vec<(String, Value, u64)> = Vec::new();
        for a in array(service, "attributes") {
            let Some(code) = code_of(a) else { continue };
            let Some(rest) = code.strip_prefix(PREFIX) else {
                continue;
            };
            let (name, value) = match rest.split_once(':') {
                Some((name, value)) => (name, value.to_string()),
                None => (rest, a.get("value").map(value_text).unwrap_or_default()),
            };
            let Some(f) = FIELDS.iter().find(|f| f.name == name) else {
                w.warn(
                    "attributes",
                    format!("unknown groupmatch attribute '{code}' (ignored)"),
                );
                continue;
            };
            match cells.iter_mut().find(|(n, _, _)| n == name) {
                Some((_, Value::Array(items), _)) => items.push(value.into()),
                Some(_) => w.warn(
                    name,
                    format!("groupmatch attribute '{code}' stated twice: the first kept"),
                ),
                None if f.list => cells.push((name.into(), Value::Array(vec![value.into()]), 1)),
                None => cells.push((name.into(), value.into(), 1)),
            }
        }
        if cells.is_empty() {
            return Stated::default();
        }
        let any = true;
        let record = Record::object(1, cells);
        let (mut problems, mut warnings): (Vec<Problem>, Vec<Problem>) = (Vec::new(), Vec::new());
        let stated = {
            let mut f = Fields::new(&record, &mut problems);
            let seats = || 0..=i64::from(MAX_SEATS);
            Stated {
                approach: f.parse("approach", false),
                fellowship: f.parse("fellowship", false),
                orientation: f.parse("orientation", false),
                facilitation: f.parse("facilitation", false),
                serves: f.parse("serves", false),
                city: f.single_line("city", false, &mut warnings),
                location: f.geo_point().ok().flatten(),
                audience: f
                    .cell("audience")
                    .is_some()
                    .then(|| f.list("audience", MAX_LIST_ITEMS)),
                closed: f.boolean("closed"),
                beginner_friendly: f.boolean("beginner_friendly"),
                focus: f
                    .cell("focus")
                    .is_some()
                    .then(|| f.list("focus", MAX_LIST_ITEMS)),
                accessibility: f
                    .cell("accessibility")
                    .is_some()
                    .then(|| f.list("accessibility", MAX_LIST_ITEMS)),
                substances: f
                    .cell("substances")
                    .is_some()
                    .then(|| f.list("substances", MAX_LIST_ITEMS)),
                medication_stance: f.parse("medication_stance", false),
                abstinence_required: f.boolean("abstinence_required"),
                newcomer_contact: f.single_line("newcomer_contact", false, &mut warnings),
                requires: f
                    .cell("requires")
                    .is_some()
                    .then(|| f.list("requires", MAX_LIST_ITEMS)),
                enrolled: f.integer("enrolled", false, seats()).map(|n| n as u32),
                cost: f.lenient("cost", &mut warnings),
                address: f.single_line("address", false, &mut warnings),
                source: f.single_line("source", false, &mut warnings),
                location_origin: f.parse("location_origin", false),
                timezone_origin: f.parse("timezone_origin", false),
                any,
            }
        };
        for p in problems.iter().chain(&warnings) {
            let field = p.field.as_deref().unwrap_or("attributes");
            w.warn(
                field,
                format!("groupmatch attribute: {} (ignored)", p.message),
            );
        }
        stated
    }

    /// Whether the service was exported by groupmatch (it has attributes of the taxonomy).
    pub(super) fn exported(&self) -> bool {
        self.any
    }

    /// Sets the fields the attributes state on `group` (built from the HSDS fields), after its
    /// approach (read first: the import's defaults follow it).
    pub(super) fn apply(self, group: &mut Group) {
        fn set<T>(field: &mut T, stated: Option<T>) {
            if let Some(v) = stated {
                *field = v;
            }
        }
        set(&mut group.orientation, self.orientation);
        set(&mut group.facilitation, self.facilitation);
        set(&mut group.serves, self.serves);
        set(&mut group.audience, self.audience);
        set(&mut group.beginner_friendly, self.beginner_friendly);
        set(&mut group.focus, self.focus);
        set(&mut group.accessibility, self.accessibility);
        set(&mut group.substances, self.substances);
        set(&mut group.medication_stance, self.medication_stance);
        set(&mut group.requires, self.requires);
        set(&mut group.enrolled, self.enrolled);
        set(&mut group.listing.location_origin, self.location_origin);
        set(&mut group.listing.timezone_origin, self.timezone_origin);
        for (field, stated) in [
            (&mut group.city, self.city),
            (&mut group.newcomer_contact, self.newcomer_contact),
            (&mut group.listing.source, self.source),
        ] {
            if stated.is_some() {
                *field = stated;
            }
        }
        if self.any {
            // The HSDS address adds the city to the line groupmatch holds.
            group.address = self.address;
        }
        if self.fellowship.is_some() {
            group.fellowship = self.fellowship;
        }
        if self.location.is_some() {
            group.location = self.location;
        }
        if self.closed.is_some() {
            group.closed = self.closed;
        }
        if self.abstinence_required.is_some() {
            group.abstinence_required = self.abstinence_required;
        }
        if self.cost.is_some() {
            group.cost = self.cost;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_its_code_are_documented_and_a_groups_file_column() {
        let docs = include_str!("../../../docs/formats.md");
        let section = docs
            .split("## Exporting HSDS")
            .nth(1)
            .expect("docs/formats.md has the export section");
        for f in FIELDS {
            assert!(
                crate::formats::groups::GROUP_FIELDS.contains(&f.name),
                "{}",
                f.name
            );
            let code = format!("`{PREFIX}{}", f.name);
            assert!(section.contains(&code), "{code} is not documented");
        }
        assert!(section.contains(&format!("`{EXCEPT}`")));
    }
}
