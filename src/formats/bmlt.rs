//! Importing the meetings of a BMLT server (the Basic Meeting List Toolbox that Narcotics
//! Anonymous service bodies run): its `GetSearchResults` JSON, with the formats of its
//! `GetFormats` JSON.
//!
//! A feed is a JSON array of meetings, or an object `{"meetings": [...], "formats": [...]}`;
//! every value is text. [`import_bmlt`] maps each meeting to a [`Group`](crate::Group): `weekday_tinyint`
//! (1 = Sunday), `start_time` and `duration_time` to a weekly session; `venue_type` (or, without
//! it, the `VM`, `HY` and `TC` formats and the joining link) to the format; the formats, by their
//! NAWS `world_id` or else by their key and name in English or German ([`format_meaning`]), to
//! audience, languages, accessibility and so on. Meetings of one group (the same `worldid_mixed`
//! or shared group id, or else the same name, at the same place) become one group with several
//! sessions, exactly as in the Meeting Guide import (the shared machinery is in
//! [`crate::formats::import`]). A room without coordinates takes those of its postal code or
//! town from the embedded gazetteer (feature `gazetteer`), counted as approximate. Every field
//! and default is documented in `docs/formats.md`.

use std::path::Path;

use serde_json::{Map, Value};

use crate::domain::geo::GeoPoint;
use crate::domain::group::Listing;
use crate::domain::recurrence::Session;
use crate::domain::schedule::Window;
use crate::domain::vocab::{Format, Language, Need, Origin};
use crate::error::{Error, Result};
use crate::formats::import::{
    approximate_point, described, group_key, point_on_earth, timezone, AddressHint, Collector,
    FeedGroup, Meeting, RowReport,
};
pub use crate::formats::import::{Import, ImportOptions, ImportReport, RowWarning, SkipReason};
use crate::formats::meeting_guide::{
    parse_json, parse_time, TypeMeaning, DEFAULT_DURATION_MINUTES, MAX_PAST_MIDNIGHT_MINUTES,
};
use crate::formats::read_bytes;
use crate::text::{has_forbidden, single_line, REPLACED};

/// What a BMLT format means for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatMeaning {
    /// What the Meeting Guide type code of the same meaning gives (audience, language,
    /// accessibility, open or closed, online, temporarily closed, or nothing for matching).
    Type(TypeMeaning),
    /// Held in a room and online at once (`HY`): hybrid, when `venue_type` is missing.
    Hybrid,
    /// Attendance restricted (`RA`, such as a meeting inside an institution): the meeting is not
    /// open to the public and is skipped.
    Restricted,
}

/// The NAWS world ids of formats (the `world_id` of `GetFormats`) and what they mean. `LANG`
/// is a language: the format's key is its ISO 639-1 code.
pub const WORLD_IDS: &[(&str, &str, FormatMeaning)] = {
    use crate::domain::vocab::Audience as A;
    use FormatMeaning::*;
    use TypeMeaning::*;
    &[
        ("BEG", "Beginners / newcomers", Type(Newcomer)),
        ("BT", "Basic Text", Type(Ignored)),
        ("CAN", "Candlelight", Type(Ignored)),
        ("CH", "Closed holidays", Type(Ignored)),
        ("CLOSED", "Closed", Type(Closed(true))),
        ("CPT", "Concepts", Type(Ignored)),
        (
            "CW",
            "Children welcome",
            Type(Accessibility(Need::Childcare)),
        ),
        ("DISC", "Discussion", Type(Ignored)),
        (
            "GL",
            "Gay / lesbian / transgender",
            Type(Audience(A::Lgbtq)),
        ),
        ("HYBR", "Hybrid", Hybrid),
        ("IP", "Informational pamphlet", Type(Ignored)),
        ("IW", "It Works: How and Why", Type(Ignored)),
        ("JFT", "Just for Today", Type(Ignored)),
        ("LC", "Living Clean", Type(Ignored)),
        ("LIT", "Literature study", Type(Ignored)),
        ("M", "Men", Type(Audience(A::Men))),
        ("MED", "Meditation", Type(Ignored)),
        ("NC", "No children", Type(Ignored)),
        ("NS", "Non-smoking", Type(Ignored)),
        ("OPEN", "Open", Type(Closed(false))),
        ("QA", "Questions and answers", Type(Ignored)),
        ("RA", "Restricted attendance", Restricted),
        ("SMOK", "Smoking", Type(Ignored)),
        ("SPAD", "A Spiritual Principle a Day", Type(Ignored)),
        ("SPK", "Speaker", Type(Ignored)),
        ("STEP", "Step", Type(Ignored)),
        ("SWG", "Step Working Guide", Type(Ignored)),
        ("TC", "Temporarily closed facility", Type(TemporarilyClosed)),
        ("TOP", "Topic", Type(Ignored)),
        ("TRAD", "Tradition", Type(Ignored)),
        ("VAR", "Format varies", Type(Ignored)),
        ("VM", "Virtual meeting", Type(Online)),
        ("W", "Women", Type(Audience(A::Women))),
        (
            "WCHR",
            "Wheelchair accessible",
            Type(Accessibility(Need::Wheelchair)),
        ),
        ("Y", "Young people", Type(Audience(A::YoungPeople))),
    ]
};

/// Formats without a world id, by their key or name (compared without regard to case), in
/// English (the BMLT defaults) and German (the German region's server). Language keys (`en`,
/// `ru`, ...) are read as ISO 639-1 codes before this table.
pub const KEYS_AND_NAMES: &[(&str, FormatMeaning)] = {
    use crate::domain::vocab::Audience as A;
    use FormatMeaning::*;
    use TypeMeaning::*;
    &[
        // English keys and names.
        ("O", Type(Closed(false))),
        ("Open", Type(Closed(false))),
        ("C", Type(Closed(true))),
        ("Closed", Type(Closed(true))),
        ("B", Type(Newcomer)),
        ("BEG", Type(Newcomer)),
        ("Beginners", Type(Newcomer)),
        ("Newcomer", Type(Newcomer)),
        ("WC", Type(Accessibility(Need::Wheelchair))),
        ("WCHR", Type(Accessibility(Need::Wheelchair))),
        ("Wheelchair", Type(Accessibility(Need::Wheelchair))),
        (
            "Wheelchair Accessible",
            Type(Accessibility(Need::Wheelchair)),
        ),
        ("SL", Type(Accessibility(Need::Asl))),
        ("ASL", Type(Accessibility(Need::Asl))),
        ("CW", Type(Accessibility(Need::Childcare))),
        ("Children Welcome", Type(Accessibility(Need::Childcare))),
        ("W", Type(Audience(A::Women))),
        ("Women", Type(Audience(A::Women))),
        ("M", Type(Audience(A::Men))),
        ("Men", Type(Audience(A::Men))),
        ("GL", Type(Audience(A::Lgbtq))),
        ("Gay/Lesbian/Transgender", Type(Audience(A::Lgbtq))),
        ("LGBTQ", Type(Audience(A::Lgbtq))),
        ("YP", Type(Audience(A::YoungPeople))),
        ("Y", Type(Audience(A::YoungPeople))),
        ("Young People", Type(Audience(A::YoungPeople))),
        ("VM", Type(Online)),
        ("Virtual Meeting", Type(Online)),
        ("HY", Hybrid),
        ("Hybrid", Hybrid),
        ("TC", Type(TemporarilyClosed)),
        ("Temporarily Closed", Type(TemporarilyClosed)),
        ("Temporarily Closed Facility", Type(TemporarilyClosed)),
        ("RA", Restricted),
        ("Restricted Attendance", Restricted),
        ("ES", Type(Language("es"))),
        ("Espanol", Type(Language("es"))),
        ("Spanish", Type(Language("es"))),
        // German keys and names (narcotics-anonymous.de).
        ("offen", Type(Closed(false))),
        ("auch Nichtsüchtige willkommen", Type(Closed(false))),
        ("geschlossen", Type(Closed(true))),
        ("new", Type(Newcomer)),
        ("Neuankömmlinge", Type(Newcomer)),
        ("Beh", Type(Accessibility(Need::Wheelchair))),
        ("barrierefrei", Type(Accessibility(Need::Wheelchair))),
        ("rollstuhlgerecht", Type(Accessibility(Need::Wheelchair))),
        ("kf", Type(Accessibility(Need::Childcare))),
        ("Kinderfreundlich", Type(Accessibility(Need::Childcare))),
        ("F", Type(Audience(A::Women))),
        ("Frauen", Type(Audience(A::Women))),
        ("Frauenmeeting", Type(Audience(A::Women))),
        ("Männer", Type(Audience(A::Men))),
        ("Männermeeting", Type(Audience(A::Men))),
        ("glbtiiq", Type(Audience(A::Lgbtq))),
        ("LGBTQ*", Type(Audience(A::Lgbtq))),
        ("Junge Leute", Type(Audience(A::YoungPeople))),
        ("Simultan Online und Präsenz", Hybrid),
        ("VG", Type(TemporarilyClosed)),
        ("Vorübergehend Geschlossen", Type(TemporarilyClosed)),
        ("inst", Restricted),
        ("Institutsmeeting", Restricted),
        // Known, with no meaning for matching (literature, meeting style, covid rules, weeks of
        // the month: groupmatch's sessions are weekly).
        ("D", Type(Ignored)),
        ("BT", Type(Ignored)),
        ("BK", Type(Ignored)),
        ("BL", Type(Ignored)),
        ("CH", Type(Ignored)),
        ("CL", Type(Ignored)),
        ("CP", Type(Ignored)),
        ("CS", Type(Ignored)),
        ("IL", Type(Ignored)),
        ("IP", Type(Ignored)),
        ("IW", Type(Ignored)),
        ("JT", Type(Ignored)),
        ("LC", Type(Ignored)),
        ("ME", Type(Ignored)),
        ("NC", Type(Ignored)),
        ("NS", Type(Ignored)),
        ("QA", Type(Ignored)),
        ("RF", Type(Ignored)),
        ("SD", Type(Ignored)),
        ("SG", Type(Ignored)),
        ("So", Type(Ignored)),
        ("St", Type(Ignored)),
        ("Ti", Type(Ignored)),
        ("To", Type(Ignored)),
        ("Tr", Type(Ignored)),
        ("TW", Type(Ignored)),
        ("AB", Type(Ignored)),
        ("FD", Type(Ignored)),
        ("OE", Type(Ignored)),
        ("Pi", Type(Ignored)),
        ("Rr", Type(Ignored)),
        ("SC", Type(Ignored)),
        ("ID", Type(Ignored)),
        ("Med", Type(Ignored)),
        ("naf", Type(Ignored)),
        ("Lit", Type(Ignored)),
        ("S", Type(Ignored)),
        ("Sp", Type(Ignored)),
        ("KK", Type(Ignored)),
        ("EF", Type(Ignored)),
        ("Essf", Type(Ignored)),
        ("p", Type(Ignored)),
        ("nfh", Type(Ignored)),
        ("T", Type(Ignored)),
        ("schf", Type(Ignored)),
        ("GT", Type(Ignored)),
        ("sch10", Type(Ignored)),
        ("RE", Type(Ignored)),
        ("Wo1", Type(Ignored)),
        ("Wo2", Type(Ignored)),
        ("Wo3", Type(Ignored)),
        ("Wo4", Type(Ignored)),
        ("WoL", Type(Ignored)),
        ("Sp1", Type(Ignored)),
        ("Sp2", Type(Ignored)),
        ("Sp3", Type(Ignored)),
        ("Sp4", Type(Ignored)),
        ("Sp5", Type(Ignored)),
        ("SpL", Type(Ignored)),
        ("FuA", Type(Ignored)),
        ("FuAL", Type(Ignored)),
        // Open only in one week of the month: closed in the others, so left unstated.
        ("O1", Type(Ignored)),
        ("O2", Type(Ignored)),
        ("O3", Type(Ignored)),
        ("O4", Type(Ignored)),
        ("O5", Type(Ignored)),
        ("OL", Type(Ignored)),
        ("wf", Type(Ignored)),
        ("Aussen", Type(Ignored)),
        ("KT", Type(Ignored)),
        ("SPAD", Type(Ignored)),
        ("Co-BT", Type(Ignored)),
        ("Co-Pu", Type(Ignored)),
        ("Co-Mask", Type(Ignored)),
        ("Co-List", Type(Ignored)),
        ("Co-Abstand", Type(Ignored)),
        ("Co-3G", Type(Ignored)),
        ("Co-2G", Type(Ignored)),
        ("Co-Test", Type(Ignored)),
    ]
};

/// One format of a server (an item of its `GetFormats` response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BmltFormat {
    /// The server's id of the format, as meetings' `format_shared_id_list` gives it.
    pub id: String,
    /// Its short key (`key_string`), as meetings' `formats` gives it.
    pub key: String,
    /// Its name in the server's language (`name_string`).
    pub name: String,
    /// The NAWS world id (`world_id`), if it has one.
    pub world_id: Option<String>,
}

impl BmltFormat {
    /// What the format means ([`format_meaning`]).
    pub fn meaning(&self) -> Option<FormatMeaning> {
        format_meaning(self.world_id.as_deref(), &self.key, Some(&self.name))
    }
}

/// What a format means: by its NAWS world id when it has one ([`WORLD_IDS`]; `LANG` takes the
/// language from the key), else by its key, as an ISO 639-1 language code or in
/// [`KEYS_AND_NAMES`], else by its name there. `None` for a format not known.
///
/// ```
/// use groupmatch::formats::bmlt::{format_meaning, FormatMeaning};
/// use groupmatch::formats::meeting_guide::TypeMeaning;
/// use groupmatch::{Audience, Need};
/// let wheelchair = FormatMeaning::Type(TypeMeaning::Accessibility(Need::Wheelchair));
/// assert_eq!(format_meaning(Some("WCHR"), "Beh", Some("barrierefrei")), Some(wheelchair));
/// assert_eq!(format_meaning(None, "Beh", None), Some(wheelchair));
/// assert_eq!(format_meaning(None, "x9", Some("Frauenmeeting")), Some(FormatMeaning::Type(TypeMeaning::Audience(Audience::Women))));
/// assert_eq!(format_meaning(Some("LANG"), "ru", Some("Russisch")), Some(FormatMeaning::Type(TypeMeaning::Language("ru"))));
/// assert_eq!(format_meaning(None, "zz9", Some("Unheard of")), None);
/// ```
pub fn format_meaning(
    world_id: Option<&str>,
    key: &str,
    name: Option<&str>,
) -> Option<FormatMeaning> {
    let world_id = world_id.map(str::trim).filter(|w| !w.is_empty());
    if let Some(world_id) = world_id {
        if world_id.eq_ignore_ascii_case("LANG") {
            if let Some(code) = language_code(key) {
                return Some(FormatMeaning::Type(TypeMeaning::Language(code)));
            }
        } else if let Some((_, _, m)) = WORLD_IDS
            .iter()
            .find(|(w, _, _)| w.eq_ignore_ascii_case(world_id))
        {
            return Some(*m);
        }
    }
    let key = key.trim();
    if let Some(code) = language_code(key) {
        return Some(FormatMeaning::Type(TypeMeaning::Language(code)));
    }
    // Keys are matched with their case first: `O` (open) is not `o`, `Sp` not `SP`.
    let by = |text: &str| {
        KEYS_AND_NAMES
            .iter()
            .find(|(k, _)| *k == text)
            .or_else(|| {
                KEYS_AND_NAMES
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(text))
            })
            .or_else(|| {
                let lower = text.to_lowercase();
                KEYS_AND_NAMES
                    .iter()
                    .find(|(k, _)| k.to_lowercase() == lower)
            })
            .map(|(_, m)| *m)
    };
    by(key).or_else(|| name.map(str::trim).filter(|n| !n.is_empty()).and_then(by))
}

/// A lower-case two-letter key that is an ISO 639-1 code (`en`, `ru`, `fa`), as BMLT servers
/// key their language formats; an upper-case key (`M`, `W`, `ES`) is not read as a language
/// here.
fn language_code(key: &str) -> Option<&'static str> {
    if key.len() != 2 || !key.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let language: Language = key.parse().ok()?;
    crate::domain::vocab::LANGUAGE_CODES
        .iter()
        .copied()
        .find(|c| *c == language.as_str())
}

/// Reads a `GetFormats` response (a JSON array of formats, or an object with a `formats`
/// array); `label` names it in errors. Formats without an `id` are skipped; of several with one
/// id (a server's formats in several languages) the first with a world id is kept.
///
/// ```
/// use groupmatch::formats::bmlt::parse_bmlt_formats;
/// let formats = parse_bmlt_formats(br#"[{"id": "4", "key_string": "C", "name_string": "Closed", "world_id": "CLOSED"}]"#, "formats.json").unwrap();
/// assert_eq!(formats[0].world_id.as_deref(), Some("CLOSED"));
/// assert!(parse_bmlt_formats(b"[1, 2]", "formats.json").is_err());
/// ```
pub fn parse_bmlt_formats(bytes: &[u8], label: &str) -> Result<Vec<BmltFormat>> {
    match parse_json(bytes, label)? {
        Value::Array(items) => formats_of(&items, label),
        Value::Object(mut o) => match o.remove("formats") {
            Some(Value::Array(items)) => formats_of(&items, label),
            _ => Err(not_formats(label, "an object without a \"formats\" array")),
        },
        _ => Err(not_formats(label, "neither an array nor an object")),
    }
}

/// Reads a `GetFormats` file (see [`parse_bmlt_formats`]).
pub fn read_bmlt_formats(path: &Path) -> Result<Vec<BmltFormat>> {
    parse_bmlt_formats(
        &read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?,
        &path.display().to_string(),
    )
}

fn not_formats(label: &str, what: &str) -> Error {
    Error::invalid(
        label,
        Some(1),
        None,
        format!("not a BMLT GetFormats response (a JSON array of formats, each with an \"id\" and a \"key_string\"): {what}"),
    )
}

fn formats_of(items: &[Value], label: &str) -> Result<Vec<BmltFormat>> {
    let mut formats: Vec<BmltFormat> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(o) = item.as_object() else {
            return Err(not_formats(label, &format!("item {i} is not an object")));
        };
        let (Some(id), Some(key)) = (text(o, "id"), text(o, "key_string")) else {
            if i == 0 {
                return Err(not_formats(
                    label,
                    "its first item has no \"id\" or no \"key_string\"",
                ));
            }
            continue;
        };
        let format = BmltFormat {
            id,
            key,
            name: text(o, "name_string").unwrap_or_default(),
            world_id: text(o, "world_id"),
        };
        match formats.iter_mut().find(|f| f.id == format.id) {
            Some(f) if f.world_id.is_none() && format.world_id.is_some() => *f = format,
            Some(_) => {}
            None => formats.push(format),
        }
    }
    Ok(formats)
}

/// Imports a BMLT `GetSearchResults` response; `label` names it in errors. `formats` are the
/// server's formats (a `GetFormats` response, [`parse_bmlt_formats`]): given, they replace a
/// feed's own `formats` list; without either, formats are read by their key alone.
///
/// The feed as a whole must be BMLT (otherwise [`Error::Invalid`] naming the first problem):
/// a JSON array of meetings, or an object with a `meetings` array, whose first meeting has a
/// `weekday_tinyint` and a `start_time`. Problems in single meetings are warnings in the report,
/// naming the meeting's `id_bigint` ([`ImportReport::ids`]).
///
/// ```
/// use groupmatch::formats::bmlt::{import_bmlt, ImportOptions};
/// use groupmatch::{Fellowship, Format};
/// let feed = br#"[
///   {"id_bigint": "1", "worldid_mixed": "G001", "meeting_name": "Hope", "weekday_tinyint": "2",
///    "start_time": "19:00:00", "duration_time": "01:30:00", "venue_type": "1", "formats": "O,WC",
///    "latitude": "52.52", "longitude": "13.40", "location_street": "Hauptstr. 1",
///    "location_municipality": "Berlin", "location_postal_code_1": "10115", "time_zone": ""},
///   {"id_bigint": "2", "worldid_mixed": "G001", "meeting_name": "Hope", "weekday_tinyint": "5",
///    "start_time": "19:00:00", "duration_time": "", "venue_type": "1", "formats": "O,WC",
///    "latitude": "52.52", "longitude": "13.40", "location_street": "Hauptstr. 1",
///    "location_municipality": "Berlin", "location_postal_code_1": "10115", "time_zone": ""}
/// ]"#;
/// let options = ImportOptions { fellowship: Some(Fellowship::Na), ..ImportOptions::default() };
/// let import = import_bmlt(feed, "feed.json", None, &options).unwrap();
/// let group = &import.groups[0];
/// assert_eq!((group.id.as_str(), group.format, group.sessions.len()), ("bmlt-1", Format::InPerson, 2));
/// assert_eq!(group.timezone, chrono_tz::Europe::Berlin, "from the coordinates");
/// assert_eq!(group.address.as_deref(), Some("Hauptstr. 1, Berlin, 10115"));
/// assert_eq!((import.report.merged, import.report.end_time_defaulted), (1, 1));
/// ```
pub fn import_bmlt(
    bytes: &[u8],
    label: &str,
    formats: Option<&[BmltFormat]>,
    options: &ImportOptions,
) -> Result<Import> {
    options.check()?;
    let (meetings, own_formats) = match parse_json(bytes, label)? {
        Value::Array(meetings) => (meetings, None),
        Value::Object(mut o) => match o.remove("meetings") {
            Some(Value::Array(meetings)) => {
                let own = match o.remove("formats") {
                    Some(Value::Array(items)) if formats.is_none() => {
                        Some(formats_of(&items, label)?)
                    }
                    _ => None,
                };
                (meetings, own)
            }
            _ => return Err(not_bmlt(label, "an object without a \"meetings\" array")),
        },
        _ => return Err(not_bmlt(label, "neither an array nor an object")),
    };
    if meetings.is_empty() {
        return Err(Error::invalid(
            label,
            Some(1),
            None,
            "the feed has no meetings",
        ));
    }
    check_first_meeting(&meetings, label)?;
    let formats = formats.or(own_formats.as_deref());
    let mut rows_in = Collector::new(meetings.len(), "id_bigint");
    rows_in.report().ids = meetings
        .iter()
        .map(|m| {
            m.as_object()
                .and_then(|o| text(o, "id_bigint"))
                .map(|id| single_line(&id).into_owned())
                .unwrap_or_default()
        })
        .collect();
    for (index, row) in meetings.iter().enumerate() {
        let meeting = meeting(row, formats, options, &mut rows_in.row(index));
        rows_in.add(index, meeting);
    }
    Ok(rows_in.finish())
}

/// Reads and imports a BMLT feed file, with the server's formats from `formats` when given
/// (see [`import_bmlt`]).
pub fn read_bmlt(path: &Path, formats: Option<&Path>, options: &ImportOptions) -> Result<Import> {
    let formats = formats.map(read_bmlt_formats).transpose()?;
    import_bmlt(
        &read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?,
        &path.display().to_string(),
        formats.as_deref(),
        options,
    )
}

fn not_bmlt(label: &str, what: &str) -> Error {
    Error::invalid(
        label,
        Some(1),
        None,
        format!("not a BMLT GetSearchResults response (a JSON array of meetings, or an object with a \"meetings\" array): {what}"),
    )
}

/// Refuses a feed of another kind: the first meeting must be an object with BMLT's
/// `weekday_tinyint` and `start_time`.
fn check_first_meeting(meetings: &[Value], label: &str) -> Result<()> {
    let Some(first) = meetings[0].as_object() else {
        return Err(not_bmlt(label, "meeting 0 is not a JSON object"));
    };
    for field in ["weekday_tinyint", "start_time"] {
        if !first.contains_key(field) {
            let hint = if first.contains_key("day") && first.contains_key("time") {
                " (it looks like a Meeting Guide feed: use import meeting-guide)"
            } else {
                ""
            };
            return Err(not_bmlt(
                label,
                &format!("meeting 0 has no \"{field}\"{hint}"),
            ));
        }
    }
    Ok(())
}

/// A non-empty trimmed text field (numbers taken as their text: every BMLT value should be
/// text, but a hand-made feed may not quote them).
fn text(row: &Map<String, Value>, field: &str) -> Option<String> {
    match row.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A text field that is imported (into the group, its id or its key): control characters and
/// line breaks replaced by U+FFFD, with a warning ([`crate::text::single_line`]).
fn line(row: &Map<String, Value>, field: &str, out: &mut RowReport) -> Option<String> {
    let t = text(row, field)?;
    if has_forbidden(&t) {
        out.warn(field, REPLACED);
        return Some(single_line(&t).into_owned());
    }
    Some(t)
}

fn meeting(
    row: &Value,
    formats: Option<&[BmltFormat]>,
    options: &ImportOptions,
    out: &mut RowReport,
) -> std::result::Result<Meeting, SkipReason> {
    let Some(row) = row.as_object() else {
        return Err(out.skip(SkipReason::NotAMeeting, "", "not a JSON object (skipped)"));
    };
    if text(row, "published").as_deref() == Some("0") {
        return Err(SkipReason::Unpublished);
    }
    let meanings = format_meanings(row, formats, out);
    if meanings.contains(&FormatMeaning::Restricted) {
        return Err(SkipReason::RestrictedAttendance);
    }
    let join_url = line(row, "virtual_meeting_link", out);
    let phone = line(row, "phone_meeting_number", out);
    let street = line(row, "location_street", out);
    let town = line(row, "location_municipality", out);
    let province = line(row, "location_province", out);
    let postal = line(row, "location_postal_code_1", out);
    let given_point = coordinates(row, out);
    let has_room = street.is_some() || given_point.is_some();
    let format = venue(
        row,
        &meanings,
        has_room,
        join_url.is_some() || phone.is_some(),
        out,
    )?;
    let (window, end_time_defaulted) = schedule(row, out)?;
    let mut location = given_point.filter(|_| format != Format::Online);
    let mut location_origin = Origin::Given;
    if format != Format::Online && location.is_none() {
        // A postal code alone is read as a US ZIP or Canadian FSA by the gazetteer: only for
        // meetings in those countries, or in none named (a German 10115 is not New York's).
        let nation = text(row, "location_nation")
            .unwrap_or_default()
            .to_lowercase();
        let north_american = nation.is_empty()
            || ["us", "usa", "united states", "ca", "canada"].contains(&nation.as_str());
        if let Some((point, _)) = approximate_point(AddressHint {
            postal_code: postal.as_deref(),
            town: town.as_deref(),
            region: province.as_deref(),
            north_american,
        }) {
            location = Some(point);
            location_origin = Origin::Derived;
        }
    }
    let (timezone, timezone_origin) = timezone(
        line(row, "time_zone", out),
        "time_zone",
        options,
        location,
        out,
    )?;
    let Some(name) = line(row, "meeting_name", out) else {
        return Err(out.skip(SkipReason::NoName, "meeting_name", "missing (skipped)"));
    };
    let index = out.index;
    let fallback = || format!("bmlt-meeting-{index}");
    let id = match line(row, "id_bigint", out) {
        Some(raw) => {
            let id = format!("bmlt-{raw}");
            match crate::domain::check::id_problem(&id) {
                None => id,
                Some(m) => {
                    let id = fallback();
                    out.warn("id_bigint", format!("{m}: the id '{id}' is used instead"));
                    id
                }
            }
        }
        None => fallback(),
    };

    let types = meanings.iter().filter_map(|m| match *m {
        FormatMeaning::Type(t) => Some(t),
        _ => None,
    });
    let described = described(types, options.approach, "formats", out);
    // `lang_enum` is the meeting's language, or the server's when the meeting states none.
    let default_language = text(row, "lang_enum")
        .and_then(|l| l.parse::<Language>().ok())
        .unwrap_or(Language::ENGLISH);
    let place = [
        street.clone(),
        town.clone(),
        match (province, postal) {
            (Some(p), Some(c)) => Some(format!("{p} {c}")),
            (p, c) => p.or(c),
        },
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<String>>();
    let place = (!place.is_empty() && format != Format::Online).then(|| place.join(", "));
    // Meetings of one group: the group id the server gives, else the same name (at the same
    // place, with the same format and attributes, as the key below also requires).
    let identity = match (
        line(row, "worldid_mixed", out),
        line(row, "shared_group_id_bigint", out),
    ) {
        (Some(w), _) => format!("world id {w}"),
        (None, Some(s)) => format!("shared group {s}"),
        (None, None) => format!("name {name}"),
    };
    let group = FeedGroup {
        id,
        name,
        format,
        sessions: vec![Session::weekly(window)],
        timezone,
        location,
        city: town,
        described,
        default_language,
        url: join_url.clone().filter(|_| format != Format::InPerson),
        address: place.clone(),
        phone: phone.filter(|_| format != Format::InPerson),
        join_url: join_url.clone().filter(|_| format != Format::InPerson),
        // BMLT's search results do not say when a meeting was last changed.
        listing: Listing {
            location_origin,
            timezone_origin,
            ..Listing::default()
        },
    }
    .into_group(options);
    let key = group_key(&identity, &group, &place, &group.join_url);
    Ok(Meeting {
        group,
        key,
        end_time_defaulted,
    })
}

/// What the meeting's formats mean, in their order. With the server's formats, the meeting's
/// `format_shared_id_list` names them by id (its `formats` keys when it has no ids); without,
/// its `formats` keys are read alone. Unknown formats (and ids the server's list lacks) are
/// recorded in the report by key.
fn format_meanings(
    row: &Map<String, Value>,
    formats: Option<&[BmltFormat]>,
    out: &mut RowReport,
) -> Vec<FormatMeaning> {
    let list = |field: &str| -> Vec<String> {
        text(row, field)
            .map(|t| {
                t.split(',')
                    .map(|c| single_line(c.trim()).into_owned())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut meanings = Vec::new();
    let ids = list("format_shared_id_list");
    match formats {
        Some(formats) if !ids.is_empty() => {
            for id in ids {
                match formats.iter().find(|f| f.id == id) {
                    Some(f) => match f.meaning() {
                        Some(m) => meanings.push(m),
                        None => unknown(f.key.clone(), out),
                    },
                    None => unknown(format!("id {id}"), out),
                }
            }
        }
        _ => {
            for key in list("formats") {
                let format = formats.and_then(|fs| fs.iter().find(|f| f.key == key));
                let meaning = match format {
                    Some(f) => f.meaning(),
                    None => format_meaning(None, &key, None),
                };
                match meaning {
                    Some(m) => meanings.push(m),
                    None => unknown(key, out),
                }
            }
        }
    }
    meanings
}

/// Records an unknown format (once per meeting).
fn unknown(name: String, out: &mut RowReport) {
    let rows = out.report.unknown_types.entry(name).or_default();
    if rows.last() != Some(&out.index) {
        rows.push(out.index);
    }
}

/// The group's format: `venue_type` 1, 2, 3 (in person, online, hybrid); without it (or with
/// another value, warned), hybrid for `HY`, online for `VM`, else hybrid for a room with a link
/// or phone, online for a link or phone alone, in person for a room alone. A temporarily
/// closed room (`TC`) makes an in-person or hybrid meeting online when it has a link or phone,
/// and skips it otherwise. Without a room (a street or coordinates) a meeting is online; without
/// a link or phone too, it is skipped.
fn venue(
    row: &Map<String, Value>,
    meanings: &[FormatMeaning],
    has_room: bool,
    has_link: bool,
    out: &mut RowReport,
) -> std::result::Result<Format, SkipReason> {
    let has = |m: TypeMeaning| meanings.contains(&FormatMeaning::Type(m));
    let stated = match text(row, "venue_type").as_deref() {
        None => None,
        Some("1") => Some(Format::InPerson),
        Some("2") => Some(Format::Online),
        Some("3") => Some(Format::Hybrid),
        Some(other) => {
            out.warn(
                "venue_type",
                format!("unknown value '{}' (1 in person, 2 virtual, 3 hybrid): derived from formats and links instead", single_line(other)),
            );
            None
        }
    };
    let format = stated.unwrap_or(if meanings.contains(&FormatMeaning::Hybrid) {
        Format::Hybrid
    } else if has(TypeMeaning::Online) {
        Format::Online
    } else if has_link && has_room {
        Format::Hybrid
    } else if has_link {
        Format::Online
    } else {
        Format::InPerson
    });
    let closed = has(TypeMeaning::TemporarilyClosed);
    match format {
        Format::Online if has_link => Ok(Format::Online),
        _ if closed && has_link => Ok(Format::Online),
        _ if closed => Err(SkipReason::TemporarilyClosed),
        Format::Online => Err(out.skip(
            SkipReason::NoPlaceOrLink,
            "virtual_meeting_link",
            "a virtual meeting without a link or phone number (skipped)",
        )),
        _ if has_room => Ok(format),
        _ if has_link => {
            out.warn(
                "location_street",
                "no street and no coordinates: read as online",
            );
            Ok(Format::Online)
        }
        _ => Err(out.skip(
            SkipReason::NoPlaceOrLink,
            "location_street",
            "no street, coordinates, link or phone number (skipped)",
        )),
    }
}

/// The meeting's weekly window and whether its duration was defaulted. `weekday_tinyint` 1-7 from
/// Sunday; `start_time` `HH:MM:SS`; `duration_time` `HH:MM:SS`, empty or `00:00:00` for
/// [`DEFAULT_DURATION_MINUTES`]. A duration over [`MAX_PAST_MIDNIGHT_MINUTES`] is read as a typo
/// and defaulted; a session that runs past midnight is cut there (sessions do not cross
/// midnight in groupmatch), both warned, as in the Meeting Guide import.
fn schedule(
    row: &Map<String, Value>,
    out: &mut RowReport,
) -> std::result::Result<(Window, bool), SkipReason> {
    let Some(day) = text(row, "weekday_tinyint") else {
        return Err(out.skip(
            SkipReason::NoSchedule,
            "weekday_tinyint",
            "missing (skipped)",
        ));
    };
    let day = parse_weekday(&day).ok_or_else(|| {
        out.skip(
            SkipReason::BadSchedule,
            "weekday_tinyint",
            format!(
                "'{}' is not a weekday (1 = Sunday ... 7 = Saturday)",
                single_line(&day)
            ),
        )
    })?;
    let Some(time) = text(row, "start_time") else {
        return Err(out.skip(SkipReason::NoSchedule, "start_time", "missing (skipped)"));
    };
    let start = parse_time(&time).filter(|&m| m < 1440).ok_or_else(|| {
        out.skip(
            SkipReason::BadSchedule,
            "start_time",
            format!("'{}' is not a time (HH:MM:SS)", single_line(&time)),
        )
    })?;
    let (duration, defaulted) = match text(row, "duration_time") {
        None => (DEFAULT_DURATION_MINUTES, true),
        Some(d) => match parse_duration(&d) {
            Some(0) => (DEFAULT_DURATION_MINUTES, true),
            Some(m) if m <= MAX_PAST_MIDNIGHT_MINUTES => (m, false),
            _ => {
                out.warn(
                    "duration_time",
                    format!(
                        "'{}' is not a duration of at most {} hours (HH:MM:SS): given {DEFAULT_DURATION_MINUTES} minutes",
                        single_line(&d),
                        MAX_PAST_MIDNIGHT_MINUTES / 60
                    ),
                );
                (DEFAULT_DURATION_MINUTES, true)
            }
        },
    };
    let mut end = start + duration;
    if end > 1440 {
        out.warn(
            "duration_time",
            "the meeting runs past midnight: the session is cut at midnight",
        );
        end = 1440;
    }
    Ok((
        Window::new(day, start, end).expect("start < end <= 1440"),
        defaulted,
    ))
}

/// A BMLT weekday (1 = Sunday ... 7 = Saturday) as a window's day (0 = Monday ... 6 = Sunday).
fn parse_weekday(d: &str) -> Option<u8> {
    let d: u8 = d.trim().parse().ok().filter(|d| (1..=7).contains(d))?;
    Some((d + 5) % 7)
}

/// Minutes of an `HH:MM:SS` (or `HH:MM`) duration.
fn parse_duration(d: &str) -> Option<u16> {
    let mut parts = d.trim().split(':');
    let hours: u16 = parts.next()?.parse().ok().filter(|h| *h < 100)?;
    let minutes: u16 = parts.next()?.parse().ok().filter(|m| *m < 60)?;
    if let Some(seconds) = parts.next() {
        seconds.parse::<u16>().ok().filter(|s| *s < 60)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(hours * 60 + minutes)
}

/// The meeting's coordinates when usable: numeric text in range, not `0`/`0` (BMLT's "none").
fn coordinates(row: &Map<String, Value>, out: &mut RowReport) -> Option<GeoPoint> {
    let number = |field: &str| text(row, field).map(|t| t.parse::<f64>().unwrap_or(f64::NAN));
    let (lat, lon) = (number("latitude")?, number("longitude")?);
    if lat == 0.0 && lon == 0.0 {
        return None;
    }
    point_on_earth(lat, lon, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Group;
    use crate::domain::vocab::{Audience, Fellowship};
    use serde_json::json;

    fn options() -> ImportOptions {
        ImportOptions {
            timezone: Some(chrono_tz::America::New_York),
            fellowship: Some(Fellowship::Na),
            ..ImportOptions::default()
        }
    }

    /// A meeting in a room in Hudson, NY, with `fields` replacing or adding to it.
    fn meeting(id: &str, fields: Value) -> Value {
        let mut m = json!({
            "id_bigint": id, "worldid_mixed": "", "shared_group_id_bigint": "",
            "meeting_name": format!("Meeting {id}"), "weekday_tinyint": "3", "venue_type": "1",
            "start_time": "18:30:00", "duration_time": "01:30:00", "time_zone": "", "formats": "",
            "lang_enum": "en", "latitude": "42.2516169", "longitude": "-73.7890075",
            "location_street": "360 Warren Street", "location_municipality": "Hudson",
            "location_province": "NY", "location_postal_code_1": "12534",
            "virtual_meeting_link": "", "phone_meeting_number": "", "published": "1",
            "format_shared_id_list": ""
        });
        for (k, v) in fields.as_object().unwrap() {
            m[k] = v.clone();
        }
        m
    }

    fn import_with(meetings: &[Value], formats: Option<&[BmltFormat]>) -> Import {
        let feed = serde_json::to_vec(meetings).unwrap();
        import_bmlt(&feed, "feed.json", formats, &options()).unwrap()
    }

    fn import(meetings: &[Value]) -> Import {
        import_with(meetings, None)
    }

    fn window(g: &Group) -> (u8, u16, u16) {
        let w = g.sessions[0].weekday_window().unwrap();
        (w.day(), w.start(), w.end())
    }

    #[test]
    fn weekday_one_is_sunday_and_seven_is_saturday() {
        assert_eq!(parse_weekday("1"), Some(6));
        assert_eq!(parse_weekday("2"), Some(0));
        assert_eq!(parse_weekday("7"), Some(5));
        for bad in ["0", "8", "", "Monday", "-1", "1.0"] {
            assert_eq!(parse_weekday(bad), None, "{bad}");
        }
        let i = import(&[meeting("1", json!({"weekday_tinyint": "x"}))]);
        assert_eq!(i.report.skipped[&SkipReason::BadSchedule], 1);
    }

    #[test]
    fn start_and_duration_make_the_session_and_an_empty_duration_gets_the_default() {
        let i = import(&[
            meeting(
                "1",
                json!({"weekday_tinyint": "1", "start_time": "19:00:00"}),
            ),
            meeting("2", json!({"duration_time": ""})),
            meeting("3", json!({"duration_time": "00:00:00"})),
        ]);
        let windows: Vec<_> = i.groups.iter().map(window).collect();
        assert_eq!(
            windows,
            [
                (6, 1140, 1230),
                (1, 1110, 1110 + DEFAULT_DURATION_MINUTES),
                (1, 1110, 1110 + DEFAULT_DURATION_MINUTES)
            ]
        );
        assert_eq!(i.report.end_time_defaulted, 2);
        assert_eq!(parse_duration("01:30:00"), Some(90));
        assert_eq!(parse_duration("00:35"), Some(35));
        for bad in ["1h", "01:60:00", "01:00:60", "1:2:3:4", ""] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_session_past_midnight_is_cut_there_and_an_overlong_duration_is_defaulted() {
        let i = import(&[
            meeting(
                "1",
                json!({"start_time": "23:30:00", "duration_time": "01:00:00"}),
            ),
            meeting(
                "2",
                json!({"start_time": "10:00:00", "duration_time": "12:00:00"}),
            ),
            meeting(
                "3",
                json!({"start_time": "22:00:00", "duration_time": "02:00:00"}),
            ),
        ]);
        let ends: Vec<u16> = i.groups.iter().map(|g| window(g).2).collect();
        assert_eq!(ends, [1440, 600 + DEFAULT_DURATION_MINUTES, 1440]);
        let warned: Vec<(usize, &str)> = i
            .report
            .warnings
            .iter()
            .map(|w| (w.index, w.field.as_str()))
            .collect();
        assert_eq!(warned, [(0, "duration_time"), (1, "duration_time")]);
        let i = import(&[meeting("1", json!({"start_time": "24:30:00"}))]);
        assert_eq!(i.report.skipped[&SkipReason::BadSchedule], 1);
    }

    #[test]
    fn venue_type_maps_to_the_format_and_virtual_coordinates_are_ignored() {
        let link = "https://example.org/j/1";
        let i = import(&[
            meeting("1", json!({})),
            meeting(
                "2",
                json!({"venue_type": "2", "virtual_meeting_link": link}),
            ),
            meeting(
                "3",
                json!({"venue_type": "3", "virtual_meeting_link": link, "phone_meeting_number": "+15185550100"}),
            ),
        ]);
        let formats: Vec<Format> = i.groups.iter().map(|g| g.format).collect();
        assert_eq!(formats, [Format::InPerson, Format::Online, Format::Hybrid]);
        let online = &i.groups[1];
        assert_eq!(online.location, None, "a virtual meeting's coordinates");
        assert_eq!(online.address, None);
        assert_eq!(online.join_url.as_deref(), Some(link));
        assert_eq!(i.groups[0].join_url, None);
        assert_eq!(
            i.groups[0].address.as_deref(),
            Some("360 Warren Street, Hudson, NY 12534")
        );
        assert_eq!(i.groups[0].city.as_deref(), Some("Hudson"));
        assert_eq!(i.groups[2].phone.as_deref(), Some("+15185550100"));
        let i = import(&[meeting("1", json!({"venue_type": "2"}))]);
        assert_eq!(i.report.skipped[&SkipReason::NoPlaceOrLink], 1);
    }

    #[test]
    fn without_venue_type_the_format_comes_from_vm_hy_tc_and_the_link() {
        let link = json!("https://example.org/j/1");
        let no_venue = |id: &str, formats: &str, link: &Value, street: &str| {
            meeting(
                id,
                json!({"venue_type": "", "formats": formats, "virtual_meeting_link": link,
                       "location_street": street, "latitude": if street.is_empty() { "0" } else { "42.25" },
                       "longitude": if street.is_empty() { "0" } else { "-73.79" }}),
            )
        };
        let i = import(&[
            no_venue("1", "O", &json!(""), "1 Main St"),
            no_venue("2", "VM", &link, "1 Main St"),
            no_venue("3", "HY", &link, "1 Main St"),
            no_venue("4", "", &link, "1 Main St"),
            no_venue("5", "", &link, ""),
            no_venue("6", "TC", &link, "1 Main St"),
            no_venue("7", "TC", &json!(""), "1 Main St"),
            no_venue("8", "", &json!(""), ""),
        ]);
        let formats: Vec<(&str, Format)> =
            i.groups.iter().map(|g| (g.id.as_str(), g.format)).collect();
        assert_eq!(
            formats,
            [
                ("bmlt-1", Format::InPerson),
                ("bmlt-2", Format::Online),
                ("bmlt-3", Format::Hybrid),
                ("bmlt-4", Format::Hybrid),
                ("bmlt-5", Format::Online),
                ("bmlt-6", Format::Online),
            ]
        );
        assert_eq!(i.report.skipped[&SkipReason::TemporarilyClosed], 1);
        assert_eq!(i.report.skipped[&SkipReason::NoPlaceOrLink], 1);
        // A stated in-person venue in a temporarily closed room: online when it has a link.
        let i = import(&[meeting(
            "1",
            json!({"formats": "TC", "virtual_meeting_link": "https://example.org/j/1"}),
        )]);
        assert_eq!(i.groups[0].format, Format::Online);
    }

    #[test]
    fn formats_map_by_world_id_and_by_english_or_german_key_and_name() {
        use crate::domain::vocab::Audience as A;
        let m = |w: Option<&str>, k: &str, n: Option<&str>| format_meaning(w, k, n);
        let t = FormatMeaning::Type;
        assert_eq!(
            m(Some("CLOSED"), "C", Some("Closed")),
            Some(t(TypeMeaning::Closed(true)))
        );
        assert_eq!(
            m(Some("OPEN"), "O", None),
            Some(t(TypeMeaning::Closed(false)))
        );
        assert_eq!(m(Some("BEG"), "new", None), Some(t(TypeMeaning::Newcomer)));
        assert_eq!(m(Some("HYBR"), "HY", None), Some(FormatMeaning::Hybrid));
        assert_eq!(
            m(Some("W"), "F", None),
            Some(t(TypeMeaning::Audience(A::Women)))
        );
        assert_eq!(
            m(Some("GL"), "glbtiiq", None),
            Some(t(TypeMeaning::Audience(A::Lgbtq)))
        );
        assert_eq!(m(Some("RA"), "inst", None), Some(FormatMeaning::Restricted));
        // English keys and names.
        assert_eq!(
            m(None, "WC", None),
            Some(t(TypeMeaning::Accessibility(Need::Wheelchair)))
        );
        assert_eq!(
            m(None, "YP", None),
            Some(t(TypeMeaning::Audience(A::YoungPeople)))
        );
        assert_eq!(m(None, "ES", None), Some(t(TypeMeaning::Language("es"))));
        assert_eq!(
            m(None, "zz", Some("Young People")),
            Some(t(TypeMeaning::Audience(A::YoungPeople)))
        );
        // German keys and names.
        assert_eq!(
            m(None, "Beh", None),
            Some(t(TypeMeaning::Accessibility(Need::Wheelchair)))
        );
        assert_eq!(
            m(None, "kf", None),
            Some(t(TypeMeaning::Accessibility(Need::Childcare)))
        );
        assert_eq!(
            m(None, "zz", Some("Männermeeting")),
            Some(t(TypeMeaning::Audience(A::Men)))
        );
        assert_eq!(
            m(None, "zz", Some("vorübergehend geschlossen")),
            Some(t(TypeMeaning::TemporarilyClosed))
        );
        // Language keys, and upper-case keys that are not languages.
        assert_eq!(m(None, "ru", None), Some(t(TypeMeaning::Language("ru"))));
        assert_eq!(
            m(Some("LANG"), "fa", Some("Farsi")),
            Some(t(TypeMeaning::Language("fa")))
        );
        assert_eq!(m(None, "M", None), Some(t(TypeMeaning::Audience(A::Men))));
        assert_eq!(m(None, "Wo9", Some("Irgendwas")), None);
    }

    #[test]
    fn a_meetings_formats_give_its_audience_languages_and_access() {
        let i = import(&[meeting(
            "1",
            json!({"formats": "C,W,WC,B,ru,en", "lang_enum": "de"}),
        )]);
        let g = &i.groups[0];
        assert_eq!(g.closed, Some(true));
        assert_eq!(g.audience, [Audience::Women]);
        assert_eq!(g.accessibility, [Need::Wheelchair]);
        assert!(g.beginner_friendly);
        let langs: Vec<&str> = g.languages.iter().map(|l| l.as_str()).collect();
        assert_eq!(langs, ["en", "ru"]);
        let i = import(&[meeting("1", json!({"formats": "O", "lang_enum": "de"}))]);
        assert_eq!(
            i.groups[0].languages[0].as_str(),
            "de",
            "the meeting's lang_enum"
        );
    }

    #[test]
    fn the_servers_formats_are_found_by_id_and_the_feeds_own_list_is_read() {
        let formats = parse_bmlt_formats(
            br#"[{"id": "7", "key_string": "Fm", "name_string": "Frauen", "world_id": "W"},
                 {"id": "7", "key_string": "Wm", "name_string": "Women", "world_id": ""},
                 {"id": "8", "key_string": "zz", "name_string": "Gebaerdensprache", "world_id": ""}]"#,
            "formats.json",
        )
        .unwrap();
        assert_eq!(formats.len(), 2, "one format per id");
        let m = meeting(
            "1",
            json!({"formats": "Fm,zz", "format_shared_id_list": "7,8,99"}),
        );
        let i = import_with(std::slice::from_ref(&m), Some(&formats));
        assert_eq!(i.groups[0].audience, [Audience::Women]);
        let unknown: Vec<&str> = i.report.unknown_types.keys().map(|k| k.as_str()).collect();
        assert_eq!(unknown, ["id 99", "zz"]);
        let feed = json!({"meetings": [m], "formats": [
            {"id": "7", "key_string": "Fm", "name_string": "Frauen", "world_id": "W"}]});
        let i = import_bmlt(
            &serde_json::to_vec(&feed).unwrap(),
            "feed.json",
            None,
            &options(),
        )
        .unwrap();
        assert_eq!(i.groups[0].audience, [Audience::Women]);
    }

    #[test]
    fn unknown_formats_are_counted_once_per_meeting_and_never_fatal() {
        let i = import(&[
            meeting("1", json!({"formats": "Xq,Xq,O"})),
            meeting("2", json!({"formats": "Xq", "start_time": "08:00:00"})),
        ]);
        assert_eq!(i.groups.len(), 2);
        assert_eq!(i.report.unknown_types["Xq"], [0, 1]);
        assert_eq!(i.report.ids, ["1", "2"]);
    }

    #[test]
    fn meetings_of_one_world_id_merge_and_so_do_those_of_one_name_and_place() {
        let i = import(&[
            meeting(
                "1",
                json!({"worldid_mixed": "G001", "meeting_name": "Hope", "weekday_tinyint": "2"}),
            ),
            meeting(
                "2",
                json!({"worldid_mixed": "G001", "meeting_name": "Hope Group", "weekday_tinyint": "4"}),
            ),
            meeting(
                "3",
                json!({"meeting_name": "Serenity", "weekday_tinyint": "2"}),
            ),
            meeting(
                "4",
                json!({"meeting_name": "Serenity", "weekday_tinyint": "5"}),
            ),
            meeting(
                "5",
                json!({"meeting_name": "Serenity", "location_street": "1 Other St"}),
            ),
            meeting(
                "6",
                json!({"worldid_mixed": "G001", "meeting_name": "Hope", "formats": "W"}),
            ),
        ]);
        let groups: Vec<(&str, usize)> = i
            .groups
            .iter()
            .map(|g| (g.id.as_str(), g.sessions.len()))
            .collect();
        assert_eq!(
            groups,
            [("bmlt-1", 2), ("bmlt-3", 2), ("bmlt-5", 1), ("bmlt-6", 1)],
            "another place, or another audience, is another group"
        );
        assert_eq!((i.report.merged, i.report.imported), (2, 6));
    }

    #[test]
    fn a_feed_of_another_kind_is_refused_naming_the_file_and_the_first_problem() {
        for (feed, problem) in [
            (r#"{"a": 1}"#, "without a \"meetings\" array"),
            ("42", "neither an array nor an object"),
            ("[1]", "meeting 0 is not a JSON object"),
            (
                r#"[{"name": "n", "day": 1, "time": "19:00"}]"#,
                "use import meeting-guide",
            ),
            (
                r#"[{"id": "1", "key_string": "O"}]"#,
                "no \"weekday_tinyint\"",
            ),
            ("[", "not valid JSON"),
            ("[]", "no meetings"),
        ] {
            let e = import_bmlt(feed.as_bytes(), "feed.json", None, &options())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("feed.json") && e.contains(problem),
                "{feed}: {e}"
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(import_bmlt(deep.as_bytes(), "feed.json", None, &options()).is_err());
        assert!(parse_bmlt_formats(b"{\"x\": 1}", "f.json").is_err());
    }

    #[test]
    fn a_bad_meeting_is_skipped_with_a_warning_naming_its_id() {
        let i = import(&[
            meeting("1", json!({})),
            json!("not a meeting"),
            meeting("3", json!({"start_time": "late"})),
            meeting("4", json!({"meeting_name": ""})),
            meeting("5", json!({"published": "0"})),
            meeting("6", json!({"formats": "RA"})),
        ]);
        assert_eq!(i.report.imported, 1);
        let skipped: Vec<(SkipReason, usize)> =
            i.report.skipped.iter().map(|(r, n)| (*r, *n)).collect();
        assert_eq!(
            skipped,
            [
                (SkipReason::BadSchedule, 1),
                (SkipReason::NoName, 1),
                (SkipReason::NotAMeeting, 1),
                (SkipReason::Unpublished, 1),
                (SkipReason::RestrictedAttendance, 1),
            ]
        );
        let warned: Vec<(&str, &str)> = i
            .report
            .warnings
            .iter()
            .map(|w| (i.report.ids[w.index].as_str(), w.field.as_str()))
            .collect();
        assert_eq!(
            warned,
            [("", ""), ("3", "start_time"), ("4", "meeting_name")]
        );
    }

    #[test]
    fn the_time_zone_is_the_meetings_own_else_the_default_else_at_its_coordinates() {
        let i = import(&[meeting(
            "1",
            json!({"time_zone": "America/Chicago", "latitude": "41.88", "longitude": "-87.63"}),
        )]);
        assert_eq!(i.groups[0].timezone, chrono_tz::America::Chicago);
        assert_eq!(i.groups[0].listing.timezone_origin, Origin::Given);
        let i = import(&[meeting("1", json!({}))]);
        assert_eq!(
            (i.groups[0].timezone, i.groups[0].listing.timezone_origin),
            (chrono_tz::America::New_York, Origin::Assumed),
            "the default of the import"
        );
        let feed = serde_json::to_vec(&[
            meeting("1", json!({"latitude": "52.52", "longitude": "13.40"})),
            meeting(
                "2",
                json!({"venue_type": "2", "virtual_meeting_link": "https://example.org/j",
                       "latitude": "34.2", "longitude": "-118.5"}),
            ),
        ])
        .unwrap();
        let none = ImportOptions {
            timezone: None,
            ..options()
        };
        let i = import_bmlt(&feed, "feed.json", None, &none).unwrap();
        assert_eq!(i.groups[0].timezone, chrono_tz::Europe::Berlin);
        assert_eq!(i.groups[0].listing.timezone_origin, Origin::Derived);
        assert_eq!(
            i.report.skipped[&SkipReason::NoTimezone],
            1,
            "a virtual meeting's coordinates do not give its zone"
        );
    }

    #[cfg(feature = "gazetteer")]
    #[test]
    fn a_room_without_coordinates_takes_its_postal_codes_and_is_counted_approximate() {
        let i = import(&[
            meeting("1", json!({"latitude": "", "longitude": ""})),
            meeting(
                "2",
                json!({"latitude": "0", "longitude": "0", "location_postal_code_1": "",
                       "location_municipality": "Philadelphia", "location_province": "PA"}),
            ),
            meeting(
                "3",
                json!({"latitude": "", "longitude": "", "location_postal_code_1": "",
                       "location_municipality": "Nowhereville Zzz"}),
            ),
        ]);
        let hudson = i.groups[0].location.unwrap();
        assert!((hudson.latitude - 42.25).abs() < 0.1, "{hudson:?}");
        let philadelphia = i.groups[1].location.unwrap();
        assert!(
            (philadelphia.latitude - 39.95).abs() < 0.1,
            "{philadelphia:?}"
        );
        assert_eq!(i.groups[2].location, None);
        let origins: Vec<Origin> = i.groups.iter().map(|g| g.listing.location_origin).collect();
        assert_eq!(origins, [Origin::Derived, Origin::Derived, Origin::Given]);
        assert_eq!(
            (
                i.report.coordinates_approximate,
                i.report.without_coordinates
            ),
            (2, 1)
        );
    }

    proptest::proptest! {
        /// Whatever the values, every meeting is counted once, as imported or as skipped.
        #[test]
        fn every_meeting_is_imported_or_skipped(
            days in proptest::collection::vec("[0-9]{0,2}", 1..6),
            times in proptest::collection::vec("[0-9:]{0,9}", 1..6),
            venues in proptest::collection::vec("[0-4]?", 1..6),
        ) {
            let meetings: Vec<Value> = days
                .iter()
                .zip(&times)
                .zip(&venues)
                .enumerate()
                .map(|(n, ((d, t), v))| {
                    meeting(&n.to_string(), json!({"weekday_tinyint": d, "duration_time": t, "venue_type": v}))
                })
                .collect();
            let feed = serde_json::to_vec(&meetings).unwrap();
            let r = import_bmlt(&feed, "feed.json", None, &options()).unwrap().report;
            proptest::prop_assert_eq!(r.imported + r.skipped.values().sum::<usize>(), r.read);
        }
    }
}
