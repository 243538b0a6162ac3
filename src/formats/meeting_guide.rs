//! Importing meeting directories in the Meeting Guide JSON format: the Code4Recovery
//! specification that 12 Step Meeting List websites serve and the Meeting Guide app reads.
//!
//! A feed is a JSON array with one object per meeting and weekday. [`import_meeting_guide`] maps
//! each meeting to a [`Group`](crate::Group): `day`/`time`/`end_time` to a session, `types` codes to audience,
//! languages, accessibility and so on ([`TYPE_CODES`]), `attendance_option` (or, when a feed has
//! none, its `ONL`/`TC` codes, conference links and address) to the format. Rows of one group
//! (same name, place, format and the attributes that matter for matching) become one group with
//! several sessions.
//! Inactive and temporarily closed meetings are skipped and counted; rows that cannot be read are
//! skipped with a warning naming their index; real feeds have many quirks (days as arrays,
//! 12-hour times, coordinates as strings, custom type codes) and all of them are handled and
//! documented in `docs/formats.md`. Control characters and line breaks in the text that is
//! imported ([`TEXT_FIELDS`]) are replaced by U+FFFD with a warning (see [`crate::text`]).

use std::borrow::Cow;
use std::path::Path;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::domain::geo::GeoPoint;
use crate::domain::group::Listing;
use crate::domain::recurrence::Session;
use crate::domain::schedule::Window;
use crate::domain::vocab::{Format, Language, Need, Origin};
use crate::error::{Error, Result};
use crate::formats::import::{
    approximate_point, described, group_key, point_on_earth, timezone as zone_of, AddressHint,
    Collector, FeedGroup, Meeting, RowReport,
};
pub use crate::formats::import::{
    fellowship_approach, poa_is_proof_of_attendance, Import, ImportOptions, ImportReport,
    RowWarning, SkipReason, TypeMeaning,
};
use crate::formats::read_bytes;
use crate::text::{has_forbidden, single_line, REPLACED};

/// Session length when a meeting has no `end_time`, in minutes.
pub const DEFAULT_DURATION_MINUTES: u16 = 60;

/// The longest meeting that is read as running past midnight when its end is before its start
/// (`23:30` to `00:30`); a longer one (`12:15` to `01:15`, `17:30` to `16:30`) is a typo, and the
/// meeting gets the default duration instead.
pub const MAX_PAST_MIDNIGHT_MINUTES: u16 = 360;

/// Every type code of the Meeting Guide specification and what it becomes. Codes are matched
/// without regard to case (feeds write `onl` as well as `ONL`).
pub const TYPE_CODES: &[(&str, &str, TypeMeaning)] = {
    use crate::domain::vocab::Audience as A;
    use TypeMeaning::*;
    &[
        ("11", "11th Step Meditation", Ignored),
        ("12x12", "12 Steps & 12 Traditions", Ignored),
        ("A", "Secular", Secular),
        ("ABSI", "As Bill Sees It", Ignored),
        ("AL", "Concurrent with Alateen", Ignored),
        ("AL-AN", "Concurrent with Al-Anon", Ignored),
        ("AM", "Amharic", Language("am")),
        ("ASL", "American Sign Language", Accessibility(Need::Asl)),
        ("B", "Big Book", Ignored),
        (
            "BA",
            "Babysitting Available",
            Accessibility(Need::Childcare),
        ),
        ("BE", "Newcomer", Newcomer),
        ("BI", "Bisexual", Audience(A::Lgbtq)),
        ("BRK", "Breakfast", Ignored),
        ("C", "Closed", Closed(true)),
        ("CAN", "Candlelight", Ignored),
        ("CF", "Child-Friendly", Accessibility(Need::Childcare)),
        ("D", "Discussion", Ignored),
        ("DA", "Danish", Language("da")),
        ("DB", "Digital Basket", Ignored),
        ("DD", "Dual Diagnosis", Focus(Need::CoOccurring)),
        ("DE", "German", Language("de")),
        ("DR", "Daily Reflections", Ignored),
        ("EL", "Greek", Language("el")),
        ("EN", "English", Language("en")),
        ("FA", "Persian", Language("fa")),
        ("FF", "Fragrance Free", Ignored),
        ("FR", "French", Language("fr")),
        ("G", "Gay", Audience(A::Gay)),
        ("GR", "Grapevine", Ignored),
        ("H", "Birthday", Ignored),
        ("HE", "Hebrew", Language("he")),
        ("HI", "Hindi", Language("hi")),
        ("HR", "Croatian", Language("hr")),
        ("HU", "Hungarian", Language("hu")),
        ("ITA", "Italian", Language("it")),
        ("JA", "Japanese", Language("ja")),
        ("KOR", "Korean", Language("ko")),
        ("L", "Lesbian", Audience(A::Lesbian)),
        ("LGBTQ", "LGBTQ", Audience(A::Lgbtq)),
        ("LIT", "Literature", Ignored),
        ("LS", "Living Sober", Ignored),
        ("LT", "Lithuanian", Language("lt")),
        ("M", "Men", Audience(A::Men)),
        ("MED", "Meditation", Ignored),
        ("ML", "Malayalam", Language("ml")),
        ("N", "Native American", Ignored),
        ("NB", "Non-Binary", Audience(A::Nonbinary)),
        ("NDG", "Indigenous", Ignored),
        ("NO", "Norwegian", Language("no")),
        ("O", "Open", Closed(false)),
        ("ONL", "Online Meeting", Online),
        ("OUT", "Outdoor", Ignored),
        ("P", "Professionals", Ignored),
        ("POA", "Proof of Attendance", ProofOfAttendance),
        ("POC", "People of Color", Ignored),
        ("POL", "Polish", Language("pl")),
        ("POR", "Portuguese", Language("pt")),
        ("PUN", "Punjabi", Language("pa")),
        ("RUS", "Russian", Language("ru")),
        ("S", "Spanish", Language("es")),
        ("SEN", "Seniors", Audience(A::Seniors)),
        ("SK", "Slovak", Language("sk")),
        ("SM", "Smoking Permitted", Ignored),
        ("SP", "Speaker", Ignored),
        ("ST", "Step Study", Ignored),
        ("SV", "Swedish", Language("sv")),
        ("T", "Transgender", Audience(A::Transgender)),
        ("TC", "Location Temporarily Closed", TemporarilyClosed),
        ("TH", "Thai", Language("th")),
        ("TL", "Tagalog", Language("tl")),
        ("TR", "Tradition Study", Ignored),
        ("UK", "Ukrainian", Language("uk")),
        ("W", "Women", Audience(A::Women)),
        ("X", "Wheelchair Access", Accessibility(Need::Wheelchair)),
        ("XB", "Wheelchair-Accessible Bathroom", Ignored),
        ("XT", "Cross Talk Permitted", Ignored),
        ("Y", "Young People", Audience(A::YoungPeople)),
    ]
};

/// The meaning of a type code, if it is in the specification.
pub fn type_meaning(code: &str) -> Option<TypeMeaning> {
    TYPE_CODES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, _, m)| *m)
}

/// Imports a Meeting Guide feed; `label` names it in errors.
///
/// The feed as a whole must be a JSON array (otherwise [`Error::Invalid`] with the line and
/// column of the JSON error); problems in single rows are warnings in the report.
///
/// ```
/// use groupmatch::formats::meeting_guide::{import_meeting_guide, ImportOptions};
/// let feed = br#"[
///   {"name": "Noon Group", "slug": "noon-mon", "day": 1, "time": "12:00", "end_time": "13:00",
///    "types": ["O", "W", "S"], "latitude": 39.95, "longitude": -75.16,
///    "formatted_address": "123 Main St, Philadelphia, PA 19107, USA"},
///   {"name": "Noon Group", "slug": "noon-wed", "day": 3, "time": "12:00", "end_time": "13:00",
///    "types": ["O", "W", "S"], "latitude": 39.95, "longitude": -75.16,
///    "formatted_address": "123 Main St, Philadelphia, PA 19107, USA"}
/// ]"#;
/// let options = ImportOptions { timezone: Some(chrono_tz::America::New_York), ..ImportOptions::default() };
/// let import = import_meeting_guide(feed, "feed.json", &options).unwrap();
/// assert_eq!(import.groups.len(), 1);
/// assert_eq!(import.groups[0].sessions.len(), 2);
/// assert_eq!(import.report.merged, 1);
/// ```
pub fn import_meeting_guide(bytes: &[u8], label: &str, options: &ImportOptions) -> Result<Import> {
    match parse_json(bytes, label)? {
        Value::Array(rows) => import_rows(&rows, label, options),
        _ => Err(Error::invalid(
            label,
            Some(1),
            None,
            "a Meeting Guide feed is a JSON array of meetings",
        )),
    }
}

/// Reads and imports a Meeting Guide feed file (see [`import_meeting_guide`]).
pub fn read_meeting_guide(path: &Path, options: &ImportOptions) -> Result<Import> {
    import_meeting_guide(
        &read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?,
        &path.display().to_string(),
        options,
    )
}

/// A JSON document (a byte-order mark is ignored), or the error with its line.
pub(crate) fn parse_json(bytes: &[u8], label: &str) -> Result<Value> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid(
            label,
            Some(e.line() as u64),
            None,
            format!("not valid JSON: {e}"),
        )
    })
}

/// Imports the meetings of a feed already parsed; `label` names it in errors.
pub(crate) fn import_rows(rows: &[Value], label: &str, options: &ImportOptions) -> Result<Import> {
    options.check()?;
    if rows.is_empty() {
        return Err(Error::invalid(
            label,
            Some(1),
            None,
            "the feed has no meetings",
        ));
    }
    let mut rows_in = Collector::new(rows.len(), "slug");
    for (index, row) in rows.iter().enumerate() {
        let meeting = meeting(row, options, &mut rows_in.row(index));
        rows_in.add(index, meeting);
    }
    Ok(rows_in.finish())
}

/// The row's fields whose text is imported (into the group, its id, or the key that merges the
/// rows of one group). Other fields are read as codes, numbers or times, or not at all.
pub const TEXT_FIELDS: &[&str] = &[
    "name",
    "slug",
    "id",
    "formatted_address",
    "address",
    "city",
    "regions",
    "region",
    "url",
    "conference_url",
    "conference_phone",
];

/// The row with control characters and line breaks in its [`TEXT_FIELDS`] replaced by U+FFFD
/// ([`crate::text::single_line`]), each such field warned; borrowed when there are none.
fn single_line_fields<'r>(
    row: &'r Map<String, Value>,
    out: &mut RowReport,
) -> Cow<'r, Map<String, Value>> {
    let mut clean: Option<Map<String, Value>> = None;
    for field in TEXT_FIELDS {
        let replaced = match row.get(*field) {
            Some(Value::String(s)) if has_forbidden(s) => Value::String(single_line(s).into()),
            Some(Value::Array(items))
                if items.iter().any(|v| v.as_str().is_some_and(has_forbidden)) =>
            {
                Value::Array(
                    items
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => Value::String(single_line(s).into()),
                            other => other.clone(),
                        })
                        .collect(),
                )
            }
            _ => continue,
        };
        out.warn(field, REPLACED);
        clean
            .get_or_insert_with(|| row.clone())
            .insert(field.to_string(), replaced);
    }
    clean.map_or(Cow::Borrowed(row), Cow::Owned)
}

/// A non-empty trimmed string field (numbers are taken as their text, as feeds mix the two).
fn text(row: &Map<String, Value>, field: &str) -> Option<String> {
    match row.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn meeting(
    row: &Value,
    options: &ImportOptions,
    out: &mut RowReport,
) -> std::result::Result<Meeting, SkipReason> {
    let Some(row) = row.as_object() else {
        return Err(out.skip(SkipReason::NotAMeeting, "", "not a JSON object (skipped)"));
    };
    let row = &*single_line_fields(row, out);
    let types = type_meanings(row, out);
    let format = attendance(row, &types, out)?;
    let (sessions, end_time_defaulted) = schedule(row, out)?;
    let mut location = coordinates(row, out);
    let mut location_origin = Origin::Given;
    if format != Format::Online && location.is_none() {
        if let Some(point) = place_by_address(row) {
            location = Some(point);
            location_origin = Origin::Derived;
        }
    }
    let (timezone, timezone_origin) =
        zone_of(text(row, "timezone"), "timezone", options, location, out)?;
    let Some(name) = text(row, "name") else {
        return Err(out.skip(SkipReason::NoName, "name", "missing (skipped)"));
    };
    let fallback = || format!("meeting-{}", out.index);
    let id = match text(row, "slug")
        .map(|s| ("slug", s))
        .or_else(|| text(row, "id").map(|s| ("id", s)))
    {
        Some((field, id)) => match crate::domain::check::id_problem(&id) {
            None => id,
            Some(m) => {
                let id = fallback();
                out.warn(field, format!("{m}: the id '{id}' is used instead"));
                id
            }
        },
        None => fallback(),
    };

    let described = described(types.iter().copied(), options.approach, "types", out);

    let place = address(row);
    let conference = text(row, "conference_url");
    let group = FeedGroup {
        id,
        name,
        format,
        sessions: sessions.into_iter().map(Session::weekly).collect(),
        timezone,
        location,
        city: city(row),
        described,
        default_language: Language::ENGLISH,
        url: text(row, "url").or(conference.clone()),
        // An online meeting's "address" is a placeholder such as "Online".
        address: place.clone().filter(|_| format != Format::Online),
        phone: text(row, "conference_phone"),
        join_url: conference.clone(),
        listing: Listing {
            updated: updated(row, out),
            location_origin,
            timezone_origin,
            ..Listing::default()
        },
    }
    .into_group(options);
    // Rows of one group share everything but their sessions and slug.
    let key = group_key(&group.name, &group, &place, &conference);
    Ok(Meeting {
        group,
        key,
        end_time_defaulted,
    })
}

/// What the row's type codes mean, in their order; unknown codes are recorded in the report.
fn type_meanings(row: &Map<String, Value>, out: &mut RowReport) -> Vec<TypeMeaning> {
    let codes: Vec<String> = match row.get("types") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.trim().to_string()),
                other => {
                    out.warn("types", format!("type {other} is not text (ignored)"));
                    None
                }
            })
            .collect(),
        Some(Value::String(s)) => {
            out.warn("types", "a text, not a list: read as comma-separated codes");
            s.split(',').map(|c| c.trim().to_string()).collect()
        }
        Some(other) => {
            out.warn("types", format!("{other} is not a list of codes (ignored)"));
            Vec::new()
        }
    };
    codes
        .into_iter()
        .filter_map(|c| {
            let meaning = type_meaning(&c);
            if meaning.is_none() {
                out.report
                    .unknown_types
                    .entry(c)
                    .or_default()
                    .push(out.index);
            }
            meaning
        })
        .collect()
}

/// The group's format, from `attendance_option` or, without it, from the type codes, conference
/// links and address.
fn attendance(
    row: &Map<String, Value>,
    types: &[TypeMeaning],
    out: &mut RowReport,
) -> std::result::Result<Format, SkipReason> {
    if let Some(option) = text(row, "attendance_option") {
        match option.as_str() {
            "in_person" => return Ok(Format::InPerson),
            "online" => return Ok(Format::Online),
            "hybrid" => return Ok(Format::Hybrid),
            "inactive" => return Err(SkipReason::Inactive),
            other => out.warn(
                "attendance_option",
                format!("unknown value '{other}' (in_person, online, hybrid, inactive): derived from types and address instead"),
            ),
        }
    }
    let online = types.contains(&TypeMeaning::Online)
        || text(row, "conference_url").is_some()
        || text(row, "conference_phone").is_some();
    let closed = types.contains(&TypeMeaning::TemporarilyClosed);
    let place = !closed && !says_online_only(row) && !approximate(row);
    match (place, online) {
        (true, true) => Ok(Format::Hybrid),
        (true, false) => Ok(Format::InPerson),
        (false, true) => Ok(Format::Online),
        (false, false) if closed => Err(SkipReason::TemporarilyClosed),
        (false, false) => Err(SkipReason::NoPlaceOrLink),
    }
}

/// Whether the meeting's name or location name says it meets online only ("(Online Only)",
/// "Virtual only", "Zoom-only"): feeds often keep a closed room's address and say so only in
/// the name, without the `TC` code.
fn says_online_only(row: &Map<String, Value>) -> bool {
    ["name", "location"].iter().any(|field| {
        text(row, field).is_some_and(|t| {
            let t = t.to_lowercase().replace(['-', '_'], " ");
            ["online", "virtual", "zoom"]
                .iter()
                .any(|w| t.contains(&format!("{w} only")))
        })
    })
}

/// Whether the row's address is only approximate (a town, not a meeting place): as the feed
/// says in `approximate`, or, when it does not say, when there is no address, or its first part
/// is the meeting's city or region, or it is at most three parts without a digit
/// ("Philadelphia, PA, USA").
fn approximate(row: &Map<String, Value>) -> bool {
    if let Some(said) = says_approximate(row) {
        return said;
    }
    let Some(address) = address(row) else {
        return true;
    };
    let parts: Vec<&str> = address
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let first = parts.first().copied().unwrap_or_default();
    let mut places: Vec<String> = ["city", "region"]
        .iter()
        .filter_map(|f| text(row, f))
        .collect();
    if let Some(Value::Array(regions)) = row.get("regions") {
        places.extend(
            regions
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string)),
        );
    }
    let has_digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    !has_digit(first)
        && (places.iter().any(|p| p.eq_ignore_ascii_case(first))
            || (parts.len() <= 3 && !has_digit(&address)))
}

/// Whether the feed marks the row's place approximate (`approximate`: `yes` or `no`), if it says.
fn says_approximate(row: &Map<String, Value>) -> Option<bool> {
    text(row, "approximate").map(|a| a.eq_ignore_ascii_case("yes"))
}

/// The centre of the postal code or town of a row without coordinates, from its `postal_code`,
/// `city`, `state` and `country`, else from the parts of its address ("8318 104 St, Edmonton,
/// Alberta, T6E 4E8, Canada": the part that is a US ZIP or Canadian postal code, and the town
/// and region after the street): approximate ([`approximate_point`]).
fn place_by_address(row: &Map<String, Value>) -> Option<GeoPoint> {
    let address = address(row).unwrap_or_default();
    let parts: Vec<&str> = address
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let country = text(row, "country").or_else(|| {
        parts
            .last()
            .filter(|p| COUNTRIES.iter().any(|c| c.eq_ignore_ascii_case(p)))
            .map(|p| p.to_string())
    });
    let north_american = country
        .as_deref()
        .is_none_or(|c| NORTH_AMERICA.iter().any(|n| n.eq_ignore_ascii_case(c)));
    let postal = text(row, "postal_code").or_else(|| {
        parts.iter().find_map(|p| {
            let last = p.rsplit(' ').next().unwrap_or(p);
            (is_zip(last).then(|| last.to_string())).or_else(|| canadian_postal_code(p))
        })
    });
    // After the street: the parts that are neither a postal code nor a country.
    let mut places = parts.iter().skip(1).filter(|p| {
        !p.chars().any(|c| c.is_ascii_digit())
            && !COUNTRIES.iter().any(|c| c.eq_ignore_ascii_case(p))
    });
    let town = text(row, "city").or_else(|| places.next().map(|t| t.to_string()));
    let region = text(row, "state").or_else(|| places.next().map(|r| r.to_string()));
    approximate_point(AddressHint {
        postal_code: postal.as_deref(),
        town: town.as_deref(),
        region: region.as_deref(),
        north_american,
    })
    .map(|(point, _)| point)
}

/// Country names an address may end with, and those of the US and Canada among them.
const COUNTRIES: &[&str] = &[
    "USA",
    "US",
    "United States",
    "United States of America",
    "Canada",
    "Germany",
    "Deutschland",
    "UK",
    "United Kingdom",
    "Mexico",
    "Australia",
];
const NORTH_AMERICA: &[&str] = &[
    "USA",
    "US",
    "United States",
    "United States of America",
    "Canada",
];

/// Whether `s` is a US ZIP code: five digits, or ZIP+4.
fn is_zip(s: &str) -> bool {
    let (five, four) = s.split_once('-').unwrap_or((s, "0000"));
    five.len() == 5
        && four.len() == 4
        && five.chars().chain(four.chars()).all(|c| c.is_ascii_digit())
}

/// The Canadian postal code at the end of `s` ("AB T6E 4E8", "T6E4E8"): letter, digit, letter,
/// digit, letter, digit, with an optional space in the middle.
fn canadian_postal_code(s: &str) -> Option<String> {
    let compact: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let code = compact.get(compact.len().checked_sub(6)?..)?;
    let shape = code.iter().enumerate().all(|(i, c)| {
        if i % 2 == 0 {
            c.is_ascii_alphabetic()
        } else {
            c.is_ascii_digit()
        }
    });
    shape.then(|| {
        let code: String = code.iter().collect::<String>().to_uppercase();
        format!("{} {}", &code[..3], &code[3..])
    })
}

/// The day the row was last updated: `updated` as the specification writes it
/// (`2023-08-31 12:00:00`), or month/day/year as some feeds do (`8/25/2022 11:17:07 AM`); one
/// that is neither is warned and left unknown.
fn updated(row: &Map<String, Value>, out: &mut RowReport) -> Option<NaiveDate> {
    let t = text(row, "updated")?;
    let day = t.split([' ', 'T']).next().unwrap_or_default();
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(day, "%m/%d/%Y"));
    match date {
        Ok(d) => Some(d),
        Err(_) => {
            out.warn("updated", format!("'{t}' is not a date (left unknown)"));
            None
        }
    }
}

/// The row's address: `formatted_address`, else `address`.
fn address(row: &Map<String, Value>) -> Option<String> {
    text(row, "formatted_address").or_else(|| text(row, "address"))
}

/// The row's weekly sessions (one per day listed) and whether the end time was defaulted.
fn schedule(
    row: &Map<String, Value>,
    out: &mut RowReport,
) -> std::result::Result<(Vec<Window>, bool), SkipReason> {
    let no_schedule = "no day or no time, as for a meeting by appointment (skipped)";
    let days: Vec<&Value> = match row.get("day") {
        None | Some(Value::Null) => {
            return Err(out.skip(SkipReason::NoSchedule, "day", no_schedule))
        }
        Some(Value::Array(days)) if days.is_empty() => {
            return Err(out.skip(SkipReason::NoSchedule, "day", no_schedule))
        }
        Some(Value::Array(days)) => days.iter().collect(),
        Some(day) => vec![day],
    };
    let Some(time) = text(row, "time") else {
        return Err(out.skip(SkipReason::NoSchedule, "time", no_schedule));
    };
    let start = parse_time(&time)
        .filter(|&m| m < 1440)
        .ok_or_else(|| out.skip(SkipReason::BadSchedule, "time", bad_time(&time)))?;
    let (end, defaulted) = match text(row, "end_time") {
        None => (start + DEFAULT_DURATION_MINUTES, true),
        Some(e) => {
            let end = parse_time(&e)
                .ok_or_else(|| out.skip(SkipReason::BadSchedule, "end_time", bad_time(&e)))?;
            let end = if end == 0 { 1440 } else { end };
            if end > start {
                (end, false)
            } else if end + 1440 - start <= MAX_PAST_MIDNIGHT_MINUTES {
                out.warn(
                    "end_time",
                    format!("'{e}' is past midnight: the session is cut at midnight"),
                );
                (1440, false)
            } else {
                out.warn(
                    "end_time",
                    format!(
                        "'{e}' is not after the start '{time}': given {DEFAULT_DURATION_MINUTES} minutes"
                    ),
                );
                (start + DEFAULT_DURATION_MINUTES, true)
            }
        }
    };
    let end = end.min(1440);
    let mut sessions = Vec::new();
    for day in days {
        let d = parse_day(day).ok_or_else(|| {
            out.skip(
                SkipReason::BadSchedule,
                "day",
                format!("{day} is not a day (0 = Sunday ... 6 = Saturday, or a day name)"),
            )
        })?;
        // Meeting Guide counts from Sunday = 0; windows from Monday = 0.
        sessions.push(Window::new((d + 6) % 7, start, end).expect("start < end <= 1440"));
    }
    Ok((sessions, defaulted))
}

fn bad_time(t: &str) -> String {
    format!("'{t}' is not a time (HH:MM, HH:MM:SS, 7:30 PM or 7 PM)")
}

/// A day: 0-6 from Sunday, as a number or a digit, or an English day name (`Monday`, or the
/// three letters `Mon`).
fn parse_day(v: &Value) -> Option<u8> {
    match v {
        Value::Number(n) => n.as_u64().filter(|&d| d < 7).map(|d| d as u8),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u8>().ok().filter(|&d| d < 7).or_else(|| {
                s.parse::<chrono::Weekday>()
                    .ok()
                    .map(|w| w.num_days_from_sunday() as u8)
            })
        }
        _ => None,
    }
}

/// Minutes after midnight of `HH:MM`, `HH:MM:SS` or a 12-hour `7:30 PM` (or `7 PM`); `24:00` is
/// 1440.
pub(crate) fn parse_time(t: &str) -> Option<u16> {
    let t = t.trim().to_ascii_lowercase();
    let (clock, meridiem) = if let Some(c) = t.strip_suffix("am") {
        (c.trim(), Some(false))
    } else if let Some(c) = t.strip_suffix("pm") {
        (c.trim(), Some(true))
    } else {
        (t.as_str(), None)
    };
    let mut parts = clock.split(':');
    let hour: u16 = parts.next()?.parse().ok()?;
    // `7 PM` has no minutes; a 24-hour time must have them.
    let minute: u16 = match parts.next() {
        None if meridiem.is_some() => 0,
        m => m?.parse().ok()?,
    };
    if let Some(seconds) = parts.next() {
        seconds.parse::<u16>().ok().filter(|&s| s < 60)?;
    }
    if parts.next().is_some() || minute > 59 {
        return None;
    }
    let hour = match meridiem {
        None if hour <= 23 || (hour == 24 && minute == 0) => hour,
        Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
        _ => return None,
    };
    Some(hour * 60 + minute)
}

/// Coordinates, when usable: numbers or numeric text, in range, not (0, 0), and not marked
/// approximate.
fn coordinates(row: &Map<String, Value>, out: &mut RowReport) -> Option<GeoPoint> {
    let number = |field: &str| match row.get(field)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !s.trim().is_empty() => {
            Some(s.trim().parse::<f64>().unwrap_or(f64::NAN))
        }
        _ => None,
    };
    let (lat, lon) = (number("latitude")?, number("longitude")?);
    if says_approximate(row) == Some(true) {
        return None;
    }
    if lat == 0.0 && lon == 0.0 {
        out.warn("latitude", "coordinates 0, 0 are a placeholder (ignored)");
        return None;
    }
    point_on_earth(lat, lon, out)
}

/// The city, for display: `city`, else the most specific of `regions`, else `region`.
fn city(row: &Map<String, Value>) -> Option<String> {
    text(row, "city")
        .or_else(|| match row.get("regions") {
            Some(Value::Array(r)) => r.iter().rev().find_map(|v| {
                v.as_str()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            }),
            _ => None,
        })
        .or_else(|| text(row, "region"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Group;
    use crate::domain::vocab::{
        Approach, Audience, Fellowship, MedicationStance, Orientation, Serves,
    };
    use proptest::prelude::*;

    fn options() -> ImportOptions {
        ImportOptions {
            timezone: Some(chrono_tz::America::New_York),
            ..ImportOptions::default()
        }
    }

    fn import(feed: &str) -> Import {
        import_meeting_guide(feed.as_bytes(), "feed.json", &options()).unwrap()
    }

    #[test]
    fn times_in_24_and_12_hour_form() {
        assert_eq!(parse_time("07:05"), Some(425));
        assert_eq!(parse_time("19:30:00"), Some(1170));
        assert_eq!(parse_time("7:30 PM"), Some(1170));
        assert_eq!(parse_time("12:00 pm"), Some(720));
        assert_eq!(parse_time("12:15 AM"), Some(15));
        assert_eq!(parse_time("24:00"), Some(1440));
        assert_eq!(parse_time("7pm"), Some(1140));
        for bad in [
            "25:00",
            "7",
            "7:60",
            "13:00 PM",
            "0:30 AM",
            "noon",
            "",
            "12:00:00:00",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_count_from_sunday_in_numbers_digits_and_names() {
        for (v, d) in [
            ("0", 0),
            ("6", 6),
            ("\"3\"", 3),
            ("\"Sunday\"", 0),
            ("\"friday\"", 5),
            ("\" Sat \"", 6),
        ] {
            assert_eq!(parse_day(&serde_json::from_str(v).unwrap()), Some(d), "{v}");
        }
        for v in ["7", "\"7\"", "-1", "\"Funday\"", "1.5", "null"] {
            assert_eq!(parse_day(&serde_json::from_str(v).unwrap()), None, "{v}");
        }
    }

    #[test]
    fn sunday_is_the_last_window_day_and_missing_end_gets_an_hour() {
        let i = import(r#"[{"name": "n", "day": 0, "time": "23:30", "types": ["ONL"]}]"#);
        let s = i.groups[0].sessions[0].weekday_window().unwrap();
        assert_eq!(
            (s.day(), s.start(), s.end()),
            (6, 1410, 1440),
            "clipped at midnight"
        );
        assert_eq!(i.report.end_time_defaulted, 1);
        let i = import(r#"[{"name": "n", "day": [1, 3], "time": "7:00 PM", "types": ["ONL"]}]"#);
        let days: Vec<(u8, u16, u16)> = i.groups[0]
            .sessions
            .iter()
            .filter_map(|s| s.weekday_window())
            .map(|s| (s.day(), s.start(), s.end()))
            .collect();
        assert_eq!(days, [(0, 1140, 1200), (2, 1140, 1200)]);
    }

    #[test]
    fn an_end_at_or_past_midnight_is_cut_there_and_an_impossible_one_is_replaced() {
        let i = import(
            r#"[{"name": "a", "slug": "a", "day": 5, "time": "22:00", "end_time": "00:00", "types": ["ONL"]},
                {"name": "b", "slug": "b", "day": 5, "time": "22:00", "end_time": "01:00", "types": ["ONL"]},
                {"name": "c", "slug": "c", "day": 5, "time": "12:15", "end_time": "01:15", "types": ["ONL"]},
                {"name": "d", "slug": "d", "day": 5, "time": "10:00", "end_time": "10:00", "types": ["ONL"]}]"#,
        );
        let ends: Vec<u16> = i.groups.iter().map(|g| g.sessions[0].end()).collect();
        assert_eq!(ends, [1440, 1440, 735 + 60, 600 + 60]);
        let warned: Vec<usize> = i.report.warnings.iter().map(|w| w.index).collect();
        assert_eq!(warned, [1, 2, 3], "midnight itself is a valid end");
        assert_eq!(i.report.end_time_defaulted, 2);
    }

    #[test]
    fn address_phone_and_joining_link_are_kept_where_they_mean_something() {
        let i = import(
            r#"[{"name": "hybrid", "day": 2, "time": "18:00", "formatted_address": "12 Main St, Ambler, PA",
                 "latitude": 40.15, "longitude": -75.22, "conference_url": "https://example.org/j/2",
                 "conference_phone": "+12155550100"},
                {"name": "online", "day": 3, "time": "18:00", "formatted_address": "Online",
                 "conference_url": "https://example.org/j/3"}]"#,
        );
        let by_name = |n: &str| i.groups.iter().find(|g| g.name == n).unwrap();
        let hybrid = by_name("hybrid");
        assert_eq!(hybrid.format, Format::Hybrid);
        assert_eq!(hybrid.address.as_deref(), Some("12 Main St, Ambler, PA"));
        assert_eq!(hybrid.phone.as_deref(), Some("+12155550100"));
        assert_eq!(hybrid.join_url.as_deref(), Some("https://example.org/j/2"));
        let online = by_name("online");
        assert_eq!(online.format, Format::Online);
        assert_eq!(
            online.address, None,
            "an online meeting's placeholder is no address"
        );
        assert_eq!(online.phone, None);
    }

    #[test]
    fn type_codes_map_to_audience_languages_access_and_orientation() {
        let i = import(
            r#"[{"name": "n", "day": 2, "time": "18:00", "end_time": "19:00", "conference_url": "https://example.org/j/1",
                 "types": ["W", "LGBTQ", "S", "EN", "X", "BA", "A", "BE", "C", "DD", "B", "onl"]}]"#,
        );
        let g = &i.groups[0];
        assert_eq!(g.audience, [Audience::Women, Audience::Lgbtq]);
        let langs: Vec<&str> = g.languages.iter().map(|l| l.as_str()).collect();
        assert_eq!(langs, ["en", "es"]);
        assert_eq!(g.accessibility, [Need::Childcare, Need::Wheelchair]);
        assert_eq!(g.focus, [Need::CoOccurring]);
        assert_eq!(g.orientation, Orientation::Secular);
        assert!(g.beginner_friendly);
        assert_eq!(g.closed, Some(true));
        assert_eq!(g.format, Format::Online, "no address: online only");
        assert_eq!(g.join_url.as_deref(), Some("https://example.org/j/1"));
        assert_eq!(g.url.as_deref(), Some("https://example.org/j/1"));
        assert!(i.report.unknown_types.is_empty(), "lower-case onl is ONL");
    }

    #[test]
    fn a_name_that_says_online_only_is_read_as_online_without_the_tc_code() {
        let row = |name: &str, link: bool| {
            let link = if link {
                r#", "conference_url": "https://example.org/j/9""#
            } else {
                ""
            };
            format!(
                r#"{{"name": "{name}", "day": 2, "time": "18:00", "formatted_address": "12 Main St, Ambler, PA", "latitude": 40.15, "longitude": -75.22{link}}}"#
            )
        };
        let feed = format!(
            "[{}, {}, {}, {}]",
            row("Step Study (Online Only)", true),
            row("Noon Group - ZOOM-ONLY", true),
            row("Virtual only discussion", false),
            row("Online and in person", true)
        );
        let i = import(&feed);
        let format_of = |n: &str| i.groups.iter().find(|g| g.name == n).map(|g| g.format);
        assert_eq!(format_of("Step Study (Online Only)"), Some(Format::Online));
        assert_eq!(format_of("Noon Group - ZOOM-ONLY"), Some(Format::Online));
        assert_eq!(
            format_of("Virtual only discussion"),
            None,
            "no link and no room"
        );
        assert_eq!(format_of("Online and in person"), Some(Format::Hybrid));
        assert_eq!(i.report.skipped[&SkipReason::NoPlaceOrLink], 1);
    }

    /// The groups of `feed` imported with `fellowship` (and its approach).
    fn import_as(feed: &str, fellowship: Fellowship) -> Vec<Group> {
        let options = ImportOptions {
            fellowship: Some(fellowship),
            approach: fellowship_approach(fellowship),
            ..options()
        };
        import_meeting_guide(feed.as_bytes(), "feed.json", &options)
            .unwrap()
            .groups
    }

    #[test]
    fn the_fellowship_option_sets_every_groups_fellowship() {
        let feed = r#"[{"name": "a", "slug": "a", "day": 1, "time": "18:00", "types": ["ONL", "C"]},
                       {"name": "b", "slug": "b", "day": 2, "time": "18:00", "types": ["ONL", "O"]}]"#;
        let fellowships = |groups: &[Group]| -> Vec<Option<Fellowship>> {
            groups.iter().map(|g| g.fellowship).collect()
        };
        assert_eq!(
            fellowships(&import_as(feed, Fellowship::Na)),
            [Some(Fellowship::Na); 2]
        );
        assert_eq!(fellowships(&import(feed).groups), [None; 2], "no guess");
        let al_anon = import_as(feed, Fellowship::AlAnon);
        assert_eq!(al_anon[0].approach, Approach::FamilySupport);
        assert_eq!(al_anon[0].serves, Serves::Family);
        let alateen = &import_as(feed, Fellowship::Alateen)[0];
        assert_eq!((alateen.min_age, alateen.max_age), (Some(13), Some(19)));
        let aa = &import_as(feed, Fellowship::Aa)[0];
        assert_eq!((aa.min_age, aa.max_age), (None, None));
    }

    #[test]
    fn a_fellowship_with_an_approach_for_other_people_is_an_error_naming_it() {
        let al_anon = ImportOptions {
            fellowship: Some(Fellowship::AlAnon),
            ..options()
        };
        let e = import_meeting_guide(br#"[{"name": "a"}]"#, "feed.json", &al_anon).unwrap_err();
        assert_eq!(e.problems()[0].field.as_deref(), Some("fellowship"));
        assert_eq!(
            e.problems()[0].message,
            "al_anon meetings are for families, but approach twelve_step is for people in recovery: use approach family_support"
        );
        let na_for_families = ImportOptions {
            fellowship: Some(Fellowship::Na),
            approach: Approach::FamilySupport,
            ..options()
        };
        assert!(na_for_families.check().is_err());
    }

    #[test]
    fn gay_lesbian_transgender_and_nonbinary_are_distinct_audiences() {
        let rows: Vec<String> = [
            r#""G""#,
            r#""l""#,
            r#""T""#,
            r#""NB""#,
            r#""LGBTQ""#,
            r#""G", "L""#,
        ]
        .iter()
        .enumerate()
        .map(|(n, codes)| {
            format!(r#"{{"name": "{n}", "day": 1, "time": "18:00", "types": ["ONL", {codes}]}}"#)
        })
        .collect();
        let i = import(&format!("[{}]", rows.join(", ")));
        let audiences: Vec<&[Audience]> = i.groups.iter().map(|g| &g.audience[..]).collect();
        assert_eq!(
            audiences,
            [
                &[Audience::Gay][..],
                &[Audience::Lesbian],
                &[Audience::Transgender],
                &[Audience::Nonbinary],
                &[Audience::Lgbtq],
                &[Audience::Gay, Audience::Lesbian],
            ]
        );
    }

    #[test]
    fn poa_is_a_proof_of_attendance_in_an_aa_feed_and_not_in_an_al_anon_feed() {
        let feed = r#"[{"name": "a", "day": 1, "time": "18:00", "types": ["ONL", "POA", "X"]}]"#;
        let needs = |groups: Vec<Group>| groups[0].accessibility.clone();
        assert_eq!(
            needs(import_as(feed, Fellowship::Aa)),
            [Need::Wheelchair, Need::ProofOfAttendance]
        );
        assert_eq!(
            needs(import(feed).groups),
            [Need::Wheelchair, Need::ProofOfAttendance]
        );
        // Al-Anon's POA is "Parents of Alcoholics": a meeting for parents, no signed proof.
        for family in [Fellowship::AlAnon, Fellowship::Alateen] {
            assert_eq!(
                needs(import_as(feed, family)),
                [Need::Wheelchair],
                "{family}"
            );
        }
        let unnamed_family = ImportOptions {
            approach: Approach::FamilySupport,
            ..options()
        };
        let i = import_meeting_guide(feed.as_bytes(), "f", &unnamed_family).unwrap();
        assert_eq!(needs(i.groups), [Need::Wheelchair]);
        assert!(i.report.unknown_types.is_empty(), "POA is a known code");
    }

    #[test]
    fn med_is_meditation_and_says_nothing_about_medication() {
        assert_eq!(type_meaning("MED"), Some(TypeMeaning::Ignored));
        let g = &import(r#"[{"name": "a", "day": 1, "time": "18:00", "types": ["ONL", "MED"]}]"#)
            .groups[0];
        assert_eq!(g.medication_stance, MedicationStance::Unknown);
        assert!(g.focus.is_empty() && g.accessibility.is_empty() && g.audience.is_empty());
    }

    #[test]
    fn unknown_and_empty_codes_are_recorded_with_their_rows() {
        let i = import(
            r#"[{"name": "a", "slug": "a", "day": 1, "time": "18:00", "types": ["ASBI", "O", "ONL"]},
                {"name": "b", "slug": "b", "day": 1, "time": "18:00", "types": ["ASBI", "", "ONL"]}]"#,
        );
        assert_eq!(i.report.unknown_types["ASBI"], [0, 1]);
        assert_eq!(i.report.unknown_types[""], [1]);
        assert_eq!(i.groups.len(), 2);
    }

    #[test]
    fn format_comes_from_attendance_option_or_from_types_links_and_address() {
        let row = |extra: &str| {
            format!(
                r#"{{"name": "n", "day": 1, "time": "18:00", "formatted_address": "12 Oak St, Springfield, IL 62701, USA"{extra}}}"#
            )
        };
        let cases = [
            (r#", "attendance_option": "online""#, Ok(Format::Online)),
            (
                r#", "attendance_option": "inactive""#,
                Err(SkipReason::Inactive),
            ),
            ("", Ok(Format::InPerson)),
            (r#", "types": ["ONL"]"#, Ok(Format::Hybrid)),
            (
                r#", "conference_phone": "+15555550100""#,
                Ok(Format::Hybrid),
            ),
            (r#", "types": ["TC", "ONL"]"#, Ok(Format::Online)),
            (r#", "types": ["TC"]"#, Err(SkipReason::TemporarilyClosed)),
            (
                r#", "approximate": "yes", "types": ["ONL"]"#,
                Ok(Format::Online),
            ),
            (r#", "approximate": "yes""#, Err(SkipReason::NoPlaceOrLink)),
        ];
        for (extra, want) in cases {
            let i = import(&format!("[{}]", row(extra)));
            let got = match i.groups.first() {
                Some(g) => Ok(g.format),
                None => Err(*i.report.skipped.keys().next().unwrap()),
            };
            assert_eq!(got, want, "{extra}");
        }
    }

    #[test]
    fn a_town_alone_is_not_a_meeting_place() {
        let at = |address: &str, extra: &str| {
            let feed = format!(
                r#"[{{"name": "n", "day": 1, "time": "18:00", "types": ["ONL"], "address": "{address}"{extra}}}]"#
            );
            import(&feed).groups[0].format
        };
        assert_eq!(at("Philadelphia, PA, USA", ""), Format::Online);
        assert_eq!(
            at(
                "Edmonton, Alberta, T5B 0S5, Canada",
                r#", "region": "Edmonton""#
            ),
            Format::Online
        );
        assert_eq!(
            at("#201 14567 118 Avenue NW, Edmonton, Alberta", ""),
            Format::Hybrid
        );
        assert_eq!(
            at("Herringbone Lane & Station Avenue, Bensalem, PA, USA", ""),
            Format::Hybrid
        );
    }

    #[test]
    fn rows_of_one_group_merge_and_others_stay_apart() {
        let row = |slug: &str, day: u8, lang: &str| {
            format!(
                r#"{{"name": "Hope", "slug": "{slug}", "day": {day}, "time": "19:00", "end_time": "20:00", "types": ["{lang}"],
                    "latitude": "39.95", "longitude": "-75.16", "formatted_address": "1 Elm St, Philadelphia, PA 19107, USA"}}"#
            )
        };
        let feed = format!(
            "[{}, {}, {}, {}]",
            row("hope-mon", 1, "EN"),
            row("hope-wed", 3, "EN"),
            row("hope-wed", 3, "EN"),
            row("hope-fri", 5, "S")
        );
        let i = import(&feed);
        assert_eq!(i.report.imported, 4);
        assert_eq!(i.report.merged, 2);
        assert_eq!(
            i.groups.len(),
            2,
            "the Spanish Friday meeting is its own group"
        );
        assert_eq!(i.groups[0].id, "hope-mon");
        assert_eq!(
            i.groups[0].sessions.len(),
            2,
            "the repeated row adds no session"
        );
        assert_eq!(i.groups[1].id, "hope-fri");
        assert!(
            i.groups[0].location.is_some(),
            "coordinates as text are read"
        );
    }

    #[test]
    fn open_and_closed_meetings_of_one_group_merge_with_closed_unstated() {
        let i = import(
            r#"[{"name": "a", "slug": "a1", "day": 1, "time": "18:00", "types": ["ONL", "C"]},
                {"name": "a", "slug": "a2", "day": 2, "time": "18:00", "types": ["ONL", "C"]},
                {"name": "b", "slug": "b1", "day": 1, "time": "18:00", "types": ["ONL", "C"]},
                {"name": "b", "slug": "b2", "day": 2, "time": "18:00", "types": ["ONL", "O"]}]"#,
        );
        let closed: Vec<Option<bool>> = i.groups.iter().map(|g| g.closed).collect();
        assert_eq!(closed, [Some(true), None]);
        assert_eq!(i.report.merged, 2);
    }

    #[test]
    fn control_characters_in_text_and_list_fields_are_replaced_and_warned() {
        let i = import(
            r#"[{"name": "Hope\u001b[2J", "slug": 42, "day": 1, "time": "18:00", "types": ["ONL"],
                 "regions": ["Pennsylvania", "Phila\u0007delphia"]}]"#,
        );
        let g = &i.groups[0];
        assert_eq!(g.name, "Hope\u{fffd}[2J");
        assert_eq!(g.city.as_deref(), Some("Phila\u{fffd}delphia"));
        assert_eq!(g.id, "42", "a number is taken as its text");
        let warned: Vec<(&str, &str)> = i
            .report
            .warnings
            .iter()
            .map(|w| (w.field.as_str(), w.message.as_str()))
            .collect();
        assert_eq!(warned, [("name", REPLACED), ("regions", REPLACED)]);
    }

    #[cfg(feature = "gazetteer")]
    #[test]
    fn a_room_without_coordinates_is_placed_by_its_address_and_updated_dates_are_read() {
        let i = import(
            r#"[{"name": "a", "slug": "a", "day": [6], "time": "7:30 PM", "updated": "8/25/2022 11:17:07 AM",
                 "address": "8318 104 St, Edmonton, Alberta, T6E 4E8, Canada"},
                {"name": "b", "slug": "b", "day": 1, "time": "18:00", "updated": "2023-08-31 12:00:00",
                 "formatted_address": "12 Main St, Hudson, NY, USA"},
                {"name": "b", "slug": "b2", "day": 3, "time": "18:00", "updated": "2023-09-02 08:00:00",
                 "formatted_address": "12 Main St, Hudson, NY, USA"},
                {"name": "c", "slug": "c", "day": 1, "time": "18:00", "updated": "last week",
                 "latitude": 39.95, "longitude": -75.16, "timezone": "America/New_York",
                 "formatted_address": "1 Elm St, Philadelphia, PA 19107, USA"}]"#,
        );
        let near = |g: &Group, lat: f64, lon: f64| {
            let p = g.location.unwrap();
            (p.latitude - lat).abs() < 0.1 && (p.longitude - lon).abs() < 0.1
        };
        assert!(
            near(&i.groups[0], 53.51, -113.49),
            "{:?}",
            i.groups[0].location
        );
        assert!(
            near(&i.groups[1], 42.25, -73.79),
            "{:?}",
            i.groups[1].location
        );
        let listings: Vec<(Origin, Option<NaiveDate>)> = i
            .groups
            .iter()
            .map(|g| (g.listing.location_origin, g.listing.updated))
            .collect();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(
            listings,
            [
                (Origin::Derived, day(2022, 8, 25)),
                (Origin::Derived, day(2023, 9, 2)),
                (Origin::Given, None)
            ],
            "a group's date is its latest meeting's"
        );
        assert_eq!(i.report.coordinates_approximate, 3);
        let updated: Vec<&str> = i
            .report
            .warnings
            .iter()
            .filter(|w| w.field == "updated")
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(updated, ["'last week' is not a date (left unknown)"]);
        let zones: Vec<Origin> = i.groups.iter().map(|g| g.listing.timezone_origin).collect();
        assert_eq!(zones, [Origin::Assumed, Origin::Assumed, Origin::Given]);
    }

    #[test]
    fn canadian_postal_codes_and_zip_codes_are_found_in_address_parts() {
        assert_eq!(
            canadian_postal_code("AB T6E 4E8").as_deref(),
            Some("T6E 4E8")
        );
        assert_eq!(canadian_postal_code("t6e4e8").as_deref(), Some("T6E 4E8"));
        assert_eq!(canadian_postal_code("8318 104 St"), None);
        assert_eq!(canadian_postal_code("4E8"), None);
        assert!(is_zip("19107") && is_zip("19107-1234"));
        assert!(!is_zip("1910") && !is_zip("19107-12") && !is_zip("1910a"));
    }

    #[test]
    fn only_zero_zero_is_a_placeholder_and_a_bad_time_is_named() {
        let i = import(
            r#"[{"name": "a", "slug": "a", "day": 1, "time": "18:00", "latitude": 0, "longitude": 0,
                 "formatted_address": "1 Elm St, Philadelphia, PA 19107, USA"},
                {"name": "b", "slug": "b", "day": 1, "time": "18:00", "latitude": 0, "longitude": 9.5,
                 "formatted_address": "1 Elm St, Philadelphia, PA 19107, USA"},
                {"name": "c", "slug": "c", "day": 1, "time": "25:00", "types": ["ONL"]}]"#,
        );
        assert_eq!(i.groups.len(), 2);
        // The placeholder is dropped; the room is then placed by its ZIP code, approximately.
        assert_eq!(
            i.groups[0].location_is_approximate(),
            cfg!(feature = "gazetteer")
        );
        assert_eq!(i.groups[1].location, Some(GeoPoint::new(0.0, 9.5).unwrap()));
        assert_eq!(i.groups[1].listing.location_origin, Origin::Given);
        let messages: Vec<&str> = i
            .report
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "coordinates 0, 0 are a placeholder (ignored)",
                "'America/New_York' (UTC-05:00 in January, UTC-04:00 in July) is not the zone at \
                 the coordinates, Africa/Libreville (a fixed UTC+01:00 zone): check the zone and \
                 the coordinates (kept)",
                "'25:00' is not a time (HH:MM, HH:MM:SS, 7:30 PM or 7 PM)"
            ]
        );
        assert_eq!(
            i.report.timezone_unlike_coordinates, 1,
            "0, 9.5 is in Gabon"
        );
    }

    #[test]
    fn repeated_ids_of_different_groups_get_a_suffix() {
        let i = import(
            r#"[{"name": "a", "slug": "x", "day": 1, "time": "18:00", "types": ["ONL"]},
                {"name": "b", "slug": "x", "day": 1, "time": "18:00", "types": ["ONL"]},
                {"name": "c", "slug": "x-2", "day": 1, "time": "18:00", "types": ["ONL"]}]"#,
        );
        let ids: Vec<&str> = i.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["x", "x-2", "x-2-2"]);
        assert_eq!(i.report.warnings[0].field, "slug");
    }

    #[test]
    fn bad_rows_are_skipped_with_their_index_and_counted() {
        let i = import(
            r#"[{"name": "ok", "day": 1, "time": "18:00", "types": ["ONL"]},
                {"name": "no time", "day": 1, "types": ["ONL"]},
                {"name": "bad time", "day": 1, "time": "25:00", "types": ["ONL"]},
                {"name": "bad day", "day": 9, "time": "18:00", "types": ["ONL"]},
                {"day": 1, "time": "18:00", "types": ["ONL"]},
                42,
                {"name": "bad zone", "day": 1, "time": "18:00", "types": ["ONL"], "timezone": "Mars/Base"},
                {"name": "far", "day": 1, "time": "18:00", "latitude": 95, "longitude": 0, "formatted_address": "1 A St, B, C 1"}]"#,
        );
        assert_eq!(i.report.read, 8);
        assert_eq!(
            i.report.imported, 3,
            "ok, bad zone (default used), far (no coordinates)"
        );
        let skipped: Vec<(&str, usize)> = i
            .report
            .skipped
            .iter()
            .map(|(r, n)| (r.as_str(), *n))
            .collect();
        assert_eq!(
            skipped,
            [
                ("no_schedule", 1),
                ("bad_schedule", 2),
                ("no_name", 1),
                ("not_a_meeting", 1)
            ]
        );
        let indices: Vec<usize> = i.report.warnings.iter().map(|w| w.index).collect();
        assert_eq!(indices, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(i.report.without_coordinates, 1, "only far meets in a room");
    }

    #[test]
    fn without_a_time_zone_rows_are_skipped_unless_they_have_their_own() {
        let feed = br#"[{"name": "a", "day": 1, "time": "18:00", "types": ["ONL"]},
                        {"name": "b", "day": 1, "time": "18:00", "types": ["ONL"], "timezone": "Europe/London"}]"#;
        let i = import_meeting_guide(feed, "f", &ImportOptions::default()).unwrap();
        assert_eq!(i.groups.len(), 1);
        assert_eq!(i.groups[0].timezone, chrono_tz::Europe::London);
        assert_eq!(i.report.skipped[&SkipReason::NoTimezone], 1);
    }

    #[test]
    fn without_a_given_zone_rows_with_coordinates_take_the_zone_at_them() {
        let feed = br#"[{"name": "a", "day": 1, "time": "18:00", "latitude": 39.9526, "longitude": -75.1652,
                         "formatted_address": "1 Elm St, Philadelphia, PA 19107, USA"},
                        {"name": "b", "day": 1, "time": "18:00", "latitude": "53.5461", "longitude": "-113.4938",
                         "formatted_address": "1 Elm St, Edmonton, AB T5J, Canada"},
                        {"name": "c", "day": 1, "time": "18:00", "types": ["ONL"]},
                        {"name": "d", "day": 1, "time": "18:00", "latitude": 33.4484, "longitude": -112.074,
                         "formatted_address": "1 Elm St, Phoenix, AZ 85004, USA", "timezone": "Mars/Base"}]"#;
        let i = import_meeting_guide(feed, "f", &ImportOptions::default()).unwrap();
        let zones: Vec<&str> = i.groups.iter().map(|g| g.timezone.name()).collect();
        assert_eq!(
            zones,
            ["America/New_York", "America/Edmonton", "America/Phoenix"]
        );
        assert_eq!(i.report.timezone_from_coordinates, 3);
        assert_eq!(
            i.report.skipped[&SkipReason::NoTimezone],
            1,
            "c: no zone, no place"
        );
        let w = &i.report.warnings;
        assert_eq!(
            (w.len(), w[0].index, w[0].field.as_str()),
            (1, 3, "timezone")
        );
        assert!(
            w[0].message
                .ends_with("the zone at the coordinates is used"),
            "{w:?}"
        );
    }

    #[test]
    fn a_given_zone_is_checked_against_the_coordinates() {
        let feed = br#"[{"name": "a", "day": 1, "time": "18:00", "latitude": 39.9526, "longitude": -75.1652,
                         "formatted_address": "1 Elm St, Philadelphia, PA 19107, USA", "timezone": "EST"},
                        {"name": "b", "day": 1, "time": "18:00", "latitude": 39.9526, "longitude": -75.1652,
                         "formatted_address": "2 Elm St, Philadelphia, PA 19107, USA"},
                        {"name": "c", "day": 1, "time": "18:00", "types": ["ONL"], "timezone": "EST"},
                        {"name": "d", "day": 1, "time": "18:00", "types": ["ONL"]}]"#;
        let options = ImportOptions {
            timezone: Some(chrono_tz::America::Los_Angeles),
            ..ImportOptions::default()
        };
        let i = import_meeting_guide(feed, "f", &options).unwrap();
        let zones: Vec<&str> = i.groups.iter().map(|g| g.timezone.name()).collect();
        assert_eq!(
            zones,
            ["America/New_York", "America/Los_Angeles", "EST", "America/Los_Angeles"],
            "EST in Philadelphia is replaced; the default is kept, warned; EST online is kept, warned"
        );
        assert_eq!(i.report.timezone_from_coordinates, 1);
        assert_eq!(i.report.timezone_unlike_coordinates, 1);
        let warned: Vec<(usize, &str)> = i
            .report
            .warnings
            .iter()
            .map(|w| (w.index, w.field.as_str()))
            .collect();
        assert_eq!(warned, [(0, "timezone"), (1, "timezone"), (2, "timezone")]);
        assert!(i.report.warnings[0]
            .message
            .ends_with("use America/New_York (it is used)"));
        assert!(i.report.warnings[2]
            .message
            .ends_with("likely America/New_York"));
        // What was written loads again: EST with Philadelphia coordinates would be refused.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("groups.csv");
        let fields = crate::formats::groups::GROUP_FIELDS;
        crate::formats::write::write_csv(&out, fields, &i.groups).unwrap();
        assert_eq!(crate::read_groups(&out).unwrap().value.len(), 4);
    }

    #[test]
    fn a_feed_that_is_not_an_array_of_meetings_is_an_error_with_its_line() {
        for (feed, want) in [
            ("", "feed.json:1: not valid JSON"),
            ("[\n{\"name\": }]", "feed.json:2: not valid JSON"),
            (
                "{\"meetings\": []}",
                "feed.json:1: a Meeting Guide feed is a JSON array",
            ),
            ("[]", "feed.json:1: the feed has no meetings"),
        ] {
            let e = import_meeting_guide(feed.as_bytes(), "feed.json", &options()).unwrap_err();
            assert!(e.to_string().starts_with(want), "{feed:?}: {e}");
        }
    }

    /// A JSON value of any of the shapes real feeds use for a field, plausible or not.
    fn arb_field() -> impl Strategy<Value = Value> {
        let scalar = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-10i64..3000).prop_map(|n| n.into()),
            any::<f64>().prop_map(|x| {
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            }),
            prop::sample::select(vec![
                "",
                "0",
                "6",
                "7",
                "Sunday",
                "19:30",
                "7:30 PM",
                "24:00",
                "00:00",
                "25:00",
                "12:15",
                "ONL",
                "TC",
                "W",
                "M",
                "S",
                "EN",
                "X",
                "onl",
                "ASBI",
                "in_person",
                "online",
                "hybrid",
                "inactive",
                "yes",
                "no",
                "39.95",
                "-75.16",
                "abc",
                "America/New_York",
                "Nowhere",
                "1 Elm St, Springfield, IL 62701, USA",
                "Philadelphia, PA, USA",
            ])
            .prop_map(|s| Value::String(s.to_string())),
        ];
        scalar.prop_recursive(2, 8, 4, |inner| {
            prop::collection::vec(inner, 0..4).prop_map(Value::Array)
        })
    }

    /// A meeting row: a plausible one with some fields replaced by values of any shape or left
    /// out; now and then not an object at all.
    fn arb_row() -> impl Strategy<Value = Value> {
        const FIELDS: [&str; 14] = [
            "name",
            "slug",
            "day",
            "time",
            "end_time",
            "timezone",
            "types",
            "attendance_option",
            "latitude",
            "longitude",
            "approximate",
            "formatted_address",
            "conference_url",
            "regions",
        ];
        let field = || prop::sample::select(FIELDS.to_vec());
        let object = (
            prop::sample::select(vec!["a", "b", "c"]),
            0u8..7,
            prop::sample::select(vec!["18:00", "19:30", "23:30"]),
            prop::collection::vec((field(), arb_field()), 0..4),
            prop::collection::vec(field(), 0..2),
        )
            .prop_map(|(name, day, time, replaced, removed)| {
                let mut row = serde_json::json!({
                    "name": name, "slug": name, "day": day, "time": time,
                    "types": ["ONL"], "formatted_address": "1 Elm St, Springfield, IL 62701, USA",
                });
                let map = row.as_object_mut().expect("an object");
                for (k, v) in replaced {
                    map.insert(k.to_string(), v);
                }
                for k in removed {
                    map.remove(k);
                }
                row
            });
        prop_oneof![9 => object, 1 => arb_field()]
    }

    proptest! {
        #[test]
        fn any_feed_imports_without_panic_and_accounts_for_every_row(
            rows in prop::collection::vec(arb_row(), 1..30)
        ) {
            let feed = serde_json::to_vec(&rows).unwrap();
            let i = import_meeting_guide(&feed, "f", &options()).unwrap();
            let skipped: usize = i.report.skipped.values().sum();
            prop_assert_eq!(i.report.read, rows.len());
            prop_assert_eq!(i.report.imported + skipped, rows.len());
            prop_assert_eq!(i.groups.len() + i.report.merged, i.report.imported);
            let mut ids: Vec<&str> = i.groups.iter().map(|g| g.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            prop_assert_eq!(ids.len(), i.groups.len(), "ids are unique");
            for g in &i.groups {
                prop_assert!(!g.sessions.is_empty() && !g.languages.is_empty());
                let sessions = g.sessions.len();
                let mut distinct = g.sessions.clone();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), sessions, "no session twice");
            }
        }
    }

    /// The "Becomes" column of docs/formats.md's type code table.
    fn becomes(m: TypeMeaning) -> String {
        match m {
            TypeMeaning::Audience(a) => format!("audience `{}`", a.as_str()),
            TypeMeaning::Language(l) => format!("language `{l}`"),
            TypeMeaning::Accessibility(n) => format!("accessibility `{}`", n.as_str()),
            TypeMeaning::Focus(n) => format!("focus `{}`", n.as_str()),
            TypeMeaning::Secular => "orientation `secular`".into(),
            TypeMeaning::Newcomer => "`beginner_friendly` true".into(),
            TypeMeaning::ProofOfAttendance => {
                "accessibility `proof_of_attendance`; ignored in a feed of family groups (Al-Anon, Alateen, ...: Parents of Alcoholics)".into()
            }
            TypeMeaning::Closed(c) => format!("`closed` {c}"),
            TypeMeaning::Online => "joinable online (format, without `attendance_option`)".into(),
            TypeMeaning::TemporarilyClosed => {
                "no room for now (format, without `attendance_option`)".into()
            }
            TypeMeaning::Ignored => "ignored".into(),
        }
    }

    #[test]
    fn the_documented_type_code_table_is_this_one() {
        let docs = include_str!("../../docs/formats.md");
        let documented: Vec<&str> = docs
            .lines()
            .skip_while(|l| !l.starts_with("| Code | Meaning in the spec | Becomes |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        let ours: Vec<String> = TYPE_CODES
            .iter()
            .map(|(code, name, m)| format!("| `{code}` | {name} | {} |", becomes(*m)))
            .collect();
        assert_eq!(documented, ours);
    }

    #[test]
    fn every_code_in_the_table_is_unique_and_every_language_is_known() {
        let mut codes: Vec<String> = TYPE_CODES
            .iter()
            .map(|(c, _, _)| c.to_ascii_uppercase())
            .collect();
        codes.sort();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
        for (_, _, m) in TYPE_CODES {
            if let TypeMeaning::Language(l) = m {
                assert!(l.parse::<Language>().is_ok(), "{l}");
            }
        }
    }
}
