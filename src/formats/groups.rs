//! Reading group directories from CSV or JSON (see `docs/formats.md`).

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::domain::check::parse_date;
use crate::domain::group::{Group, Listing, MAX_SEATS};
use crate::domain::recurrence::Session;
use crate::domain::vocab::{
    Approach, Facilitation, Format, Language, MedicationStance, Orientation, Serves,
};
use crate::error::{Problem, Result};
use crate::formats::record::{first_seen, read_records, Fields, Record, READ_CHUNK};
use crate::formats::{read_bytes, Loaded, Syntax};
use crate::limits::{MAX_LIST_ITEMS, MAX_SESSIONS};

/// Every field of a groups file, in documented order.
pub const GROUP_FIELDS: &[&str] = &[
    "id",
    "name",
    "approach",
    "fellowship",
    "orientation",
    "format",
    "facilitation",
    "serves",
    "sessions",
    "timezone",
    "latitude",
    "longitude",
    "city",
    "languages",
    "audience",
    "min_age",
    "max_age",
    "closed",
    "beginner_friendly",
    "focus",
    "accessibility",
    "substances",
    "medication_stance",
    "abstinence_required",
    "newcomer_contact",
    "requires",
    "capacity",
    "enrolled",
    "cost",
    "url",
    "address",
    "phone",
    "join_url",
    "source",
    "updated",
    "location_origin",
    "timezone_origin",
];

/// The fields a groups file must have.
pub const GROUP_REQUIRED: &[&str] = &["id", "name", "approach", "format", "sessions", "timezone"];

/// Reads a groups file: `.csv`, or `.json` (an array of objects).
///
/// Every problem in the file is reported at once in [`crate::Error::Invalid`]; unknown columns,
/// replaced control characters and a `cost` that is not one (left unknown) are warnings in the
/// result.
pub fn read_groups(path: &Path) -> Result<Loaded<Vec<Group>>> {
    let bytes = read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    parse_groups(&bytes, Syntax::of_path(path), &path.display().to_string())
}

/// Parses a groups file's contents; `label` names it in messages.
///
/// ```
/// use groupmatch::{parse_groups, Syntax};
/// let csv = "id,name,approach,format,sessions,timezone\n\
///            g1,Morning Online,smart_recovery,online,Mon 07:00-08:00,America/New_York\n";
/// let groups = parse_groups(csv.as_bytes(), Syntax::Csv, "groups.csv").unwrap().value;
/// assert_eq!(groups[0].sessions.len(), 1);
/// assert_eq!(groups[0].orientation.as_str(), "secular");
/// ```
pub fn parse_groups(bytes: &[u8], syntax: Syntax, label: &str) -> Result<Loaded<Vec<Group>>> {
    let mut groups = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut row_problems = Vec::new();
    let mut row_warnings = Vec::new();
    let each = |records: &[Record]| {
        // Each record is read on its own (in parallel in a large file), then in file order its
        // id is checked against the earlier ones, ahead of its other problems.
        let read = |record: &Record| {
            let (mut problems, mut warnings) = (Vec::new(), Vec::new());
            let group = group_from_fields(&mut Fields::new(record, &mut problems), &mut warnings);
            (group, problems, warnings)
        };
        let read: Vec<_> = if records.len() >= PARALLEL_RECORDS {
            records.par_iter().map(read).collect()
        } else {
            records.iter().map(read).collect()
        };
        groups.reserve(records.len());
        for (record, (group, problems, warnings)) in records.iter().zip(read) {
            let mut f = Fields::new(record, &mut row_problems);
            let fresh = first_seen(record, "id", &mut first_line, &mut f);
            row_problems.extend(problems);
            row_warnings.extend(warnings);
            if fresh {
                groups.extend(group);
            }
        }
    };
    let (mut problems, mut warnings) = read_records(
        bytes,
        syntax,
        GROUP_REQUIRED,
        GROUP_FIELDS,
        READ_CHUNK,
        each,
    );
    problems.append(&mut row_problems);
    if problems.is_empty() && groups.is_empty() {
        problems.push(Problem::new(None, None, "no groups in the file"));
    }
    if !row_warnings.is_empty() {
        warnings.extend(row_warnings);
        warnings.sort_by_key(|w| w.line);
    }
    Loaded::finish(Some(groups), problems, warnings, label)
}

/// Records from which a chunk is read in parallel: below, starting rayon's threads costs more
/// than it saves (the embedded directory is read on one thread).
const PARALLEL_RECORDS: usize = 1024;

/// The group of one record; control characters in its text fields are replaced, and a `cost`
/// that is not one is left unknown, each with a warning in `warnings` (see [`crate::text`]), as
/// is a time zone that does not follow the place ([`Fields::zone_of_place`]).
fn group_from_fields(f: &mut Fields, warnings: &mut Vec<Problem>) -> Option<Group> {
    let id = f.id("id");
    let name = f.single_line("name", true, warnings);
    let approach: Option<Approach> = f.parse("approach", true);
    let fellowship = f.parse("fellowship", false);
    let stated: Option<Orientation> = f.parse("orientation", false);
    let format: Option<Format> = f.parse("format", true);
    let facilitation: Facilitation = f
        .parse("facilitation", false)
        .unwrap_or(approach.map_or(Facilitation::Peer, Approach::default_facilitation));
    let serves: Serves = f
        .parse("serves", false)
        .unwrap_or(approach.map_or(Serves::InRecovery, Approach::default_serves));
    let sessions: Option<Vec<Session>> = f.required_list("sessions", MAX_SESSIONS);
    let timezone = f.timezone();
    let location = f.geo_point();
    let timezone = f.zone_of_place(timezone, location.ok().flatten(), warnings);
    let city = f.single_line("city", false, warnings);
    let mut languages: Vec<Language> = f.list("languages", MAX_LIST_ITEMS);
    let audience = f.list("audience", MAX_LIST_ITEMS);
    let ages = || 0..=crate::domain::check::MAX_AGE.into();
    let min_age = f.integer("min_age", false, ages()).map(|a| a as u8);
    let max_age = f.integer("max_age", false, ages()).map(|a| a as u8);
    let closed = f.boolean("closed");
    let beginner_friendly = f.boolean("beginner_friendly").unwrap_or(false);
    let focus = f.list("focus", MAX_LIST_ITEMS);
    let accessibility = f.list("accessibility", MAX_LIST_ITEMS);
    let substances = f.list("substances", MAX_LIST_ITEMS);
    let medication_stance = f
        .parse("medication_stance", false)
        .unwrap_or(MedicationStance::Unknown);
    let abstinence_required = f.boolean("abstinence_required");
    let newcomer_contact = f.single_line("newcomer_contact", false, warnings);
    let requires = f.list("requires", MAX_LIST_ITEMS);
    let seats = || 0..=MAX_SEATS.into();
    let capacity = f.integer("capacity", false, seats()).map(|c| c as u32);
    let enrolled = f.integer("enrolled", false, seats()).unwrap_or(0) as u32;
    let cost = f.lenient("cost", warnings);
    let url = f.single_line("url", false, warnings);
    let address = f.single_line("address", false, warnings);
    let phone = f.single_line("phone", false, warnings);
    let join_url = f.single_line("join_url", false, warnings);
    let listing = Listing {
        source: f.single_line("source", false, warnings),
        updated: f.parse_with("updated", false, parse_date),
        location_origin: f.parse("location_origin", false).unwrap_or_default(),
        timezone_origin: f.parse("timezone_origin", false).unwrap_or_default(),
    };

    let orientation = match (stated, approach) {
        (Some(o), _) => Some(o),
        (None, Some(a)) => {
            let default = a.default_orientation();
            if default.is_none() {
                f.problem(
                    "orientation",
                    format!("required for approach '{a}' (spiritual, secular or religious)"),
                );
            }
            default
        }
        (None, None) => None,
    };
    if languages.is_empty() {
        languages.push(Language::ENGLISH);
    }
    let group = Group {
        id: id?,
        name: name?,
        approach: approach?,
        fellowship,
        orientation: orientation?,
        format: format?,
        facilitation,
        serves,
        sessions: sessions?,
        timezone: timezone?,
        location: location.ok()?,
        city,
        languages,
        audience,
        min_age,
        max_age,
        closed,
        beginner_friendly,
        focus,
        accessibility,
        substances,
        medication_stance,
        abstinence_required,
        newcomer_contact,
        requires,
        capacity,
        enrolled,
        cost,
        url,
        address,
        phone,
        join_url,
        listing,
    };
    if let Some(m) = group.age_limits_problem() {
        f.problem("max_age", m);
        return None;
    }
    if let Some(p) = group.listing.problems().into_iter().next() {
        f.problem(p.field.as_deref().unwrap_or_default(), p.message);
        return None;
    }
    Some(group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const HEADER: &str = "id,name,approach,format,sessions,timezone,latitude,longitude,capacity,enrolled,orientation\n";

    fn problems(csv: &str) -> Vec<Problem> {
        match parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv") {
            Err(Error::Invalid { problems, .. }) => problems,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn reads_a_group_with_defaults() {
        let csv = format!("{HEADER}g1,Step Up,twelve_step,in_person,Mon 19:00-20:00;Thu 07:00-08:00,America/New_York,39.9,-75.1,,,\n");
        let g = &parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv")
            .unwrap()
            .value[0];
        assert_eq!(g.orientation, Orientation::Spiritual);
        assert_eq!(g.languages, vec![Language::ENGLISH]);
        assert_eq!(g.sessions.len(), 2);
        assert_eq!(g.open_seats(), None);
        assert_eq!(g.facilitation, Facilitation::Peer);
    }

    #[test]
    fn reports_every_bad_field_with_line_and_field() {
        let csv = format!(
            "{HEADER}g1,A,twelve_step,in_person,Mon 25:00-26:00,America/New_York,123,-75,,,\n\
             g1,B,twelve_stp,in_person,Mon 19:00-20:00,Nowhere/City,39,NaN,,,\n\
             g3,C,other,online,Tue 20:00-19:00,UTC,,,5,x,\n"
        );
        let p = problems(&csv);
        let got = crate::testutil::lines_and_fields(&p);
        assert_eq!(
            got,
            [
                (2, "sessions".to_string()),
                (2, "latitude".to_string()),
                (3, "id".to_string()),
                (3, "approach".to_string()),
                (3, "timezone".to_string()),
                (3, "longitude".to_string()),
                (4, "sessions".to_string()),
                (4, "enrolled".to_string()),
                (4, "orientation".to_string()),
            ]
        );
        assert!(p[3].message.contains("allowed: twelve_step"));
    }

    #[test]
    fn a_fixed_offset_zone_that_contradicts_the_coordinates_is_refused_at_its_line() {
        let csv = format!(
            "{HEADER}g1,A,twelve_step,in_person,Mon 19:00-20:00,America/New_York,39.95,-75.16,,,\n\
             g2,B,twelve_step,in_person,Mon 19:00-20:00,Etc/GMT+5,39.95,-75.16,,,\n"
        );
        crate::testutil::assert_timezone_refused(
            &problems(&csv),
            3,
            &["'Etc/GMT+5' follows no place", "use America/New_York"],
        );
    }

    #[test]
    fn zones_that_do_not_follow_the_place_are_warned_and_utc_online_is_not() {
        let csv = format!(
            "{HEADER}g1,A,twelve_step,in_person,Mon 19:00-20:00,America/Los_Angeles,39.95,-75.16,,,\n\
             g2,B,cbt,online,Mon 19:00-20:00,UTC,,,,,\n\
             g3,C,cbt,online,Mon 19:00-20:00,PST8PDT,,,,,\n"
        );
        let loaded = parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv").unwrap();
        assert_eq!(loaded.value.len(), 3, "warnings keep the groups");
        assert_eq!(
            crate::testutil::lines_and_fields(&loaded.warnings),
            [(2, "timezone".to_string()), (4, "timezone".to_string())]
        );
        assert!(loaded.warnings[0]
            .message
            .contains("not the zone at the coordinates, America/New_York"));
        assert!(loaded.warnings[1]
            .message
            .ends_with("likely America/Los_Angeles"));
    }

    #[test]
    fn duplicate_ids_name_the_first_line() {
        let row = "g1,A,cbt,online,Mon 19:00-20:00,UTC,,,,,\n";
        let p = problems(&format!("{HEADER}{row}{row}"));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(3));
        assert!(p[0].message.contains("first on line 2"));
    }

    #[test]
    fn header_only_and_missing_columns_are_errors() {
        assert_eq!(problems(HEADER)[0].message, "no groups in the file");
        let p = problems("id,name\ng1,A\n");
        assert_eq!(p.len(), 4);
        assert!(p.iter().all(|p| p.message.starts_with("missing column")));
    }

    #[test]
    fn json_groups_report_the_line_of_the_bad_key() {
        let json = r#"[
  {"id": "g1", "name": "A", "approach": "cbt", "format": "online",
   "sessions": ["Mon 19:00-20:00"], "timezone": "UTC",
   "capacity": -1}
]"#;
        match parse_groups(json.as_bytes(), Syntax::Json, "g.json") {
            Err(Error::Invalid { problems, .. }) => {
                assert_eq!(problems.len(), 1);
                assert_eq!(problems[0].line, Some(4));
                assert_eq!(problems[0].field.as_deref(), Some("capacity"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_column_is_a_warning_not_an_error() {
        let csv = "id,name,approach,format,sessions,timezone,lanugages\n\
                   g1,A,cbt,online,Mon 19:00-20:00,UTC,es\n";
        let loaded = parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv").unwrap();
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0]
            .message
            .contains("did you mean 'languages'"));
    }

    #[test]
    fn costs_are_read_as_directories_write_them_and_anything_else_is_a_warning() {
        use crate::{Cost, Currency};
        let csv = "id,name,approach,format,sessions,timezone,cost\n\
                   g1,A,cbt,online,Mon 19:00-20:00,UTC,free\n\
                   g2,B,cbt,online,Mon 19:00-20:00,UTC,$25\n\
                   g3,C,cbt,online,Mon 19:00-20:00,UTC,sliding_scale\n\
                   g4,D,cbt,online,Mon 19:00-20:00,UTC,banana\n\
                   g5,E,cbt,online,Mon 19:00-20:00,UTC,10 EUR\n\
                   g6,F,cbt,online,Mon 19:00-20:00,UTC,-5\n\
                   g7,G,cbt,online,Mon 19:00-20:00,UTC,\n";
        let loaded = parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv").unwrap();
        let costs: Vec<Option<Cost>> = loaded.value.iter().map(|g| g.cost).collect();
        let amount = |amount, currency| Some(Cost::Amount { amount, currency });
        assert_eq!(
            costs,
            [
                Some(Cost::Free),
                amount(25.0, Some(Currency::Usd)),
                Some(Cost::SlidingScale),
                None,
                amount(10.0, Some(Currency::Eur)),
                None,
                None,
            ]
        );
        let warnings: Vec<String> = loaded
            .warnings
            .iter()
            .map(|w| w.display_in("g.csv").to_string())
            .collect();
        assert_eq!(
            warnings,
            [
                "g.csv:5: cost: 'banana' is not a cost (use free, donation, sliding_scale, \
                 insurance, or an amount such as 25, $25 or 10 EUR); left unknown",
                "g.csv:7: cost: -5 is outside 0 to 1000000000; left unknown",
            ]
        );
    }

    #[test]
    fn json_costs_may_be_numbers_or_words_and_a_bad_one_is_warned_at_its_line() {
        use crate::Cost;
        let json = r#"[
  {"id": "g1", "name": "A", "approach": "cbt", "format": "online",
   "sessions": ["Mon 19:00-20:00"], "timezone": "UTC", "cost": 20},
  {"id": "g2", "name": "B", "approach": "cbt", "format": "online",
   "sessions": ["Mon 19:00-20:00"], "timezone": "UTC",
   "cost": "ask at the door"},
  {"id": "g3", "name": "C", "approach": "cbt", "format": "online",
   "sessions": ["Mon 19:00-20:00"], "timezone": "UTC", "cost": "Donation"}
]"#;
        let loaded = parse_groups(json.as_bytes(), Syntax::Json, "g.json").unwrap();
        let costs: Vec<Option<Cost>> = loaded.value.iter().map(|g| g.cost).collect();
        let twenty = Cost::Amount {
            amount: 20.0,
            currency: None,
        };
        assert_eq!(costs, [Some(twenty), None, Some(Cost::Donation)]);
        assert_eq!(loaded.warnings.len(), 1);
        let w = &loaded.warnings[0];
        assert_eq!((w.line, w.field.as_deref()), (Some(6), Some("cost")));
        assert!(w.message.starts_with("'ask at the door' is not a cost"));
        // A list is not a cost, nor a text: the file is refused, as for any other field.
        let json = r#"[{"id": "g1", "name": "A", "approach": "cbt", "format": "online",
   "sessions": ["Mon 19:00-20:00"], "timezone": "UTC", "cost": [20]}]"#;
        let err = parse_groups(json.as_bytes(), Syntax::Json, "g.json").unwrap_err();
        assert_eq!(err.problems()[0].field.as_deref(), Some("cost"));
    }

    #[test]
    fn ids_sessions_and_names_past_the_limits_are_refused() {
        let row = |id: &str, sessions: &str, name: &str| {
            format!("id,name,approach,format,sessions,timezone\n{id},{name},cbt,online,{sessions},UTC\n")
        };
        let on = |csv: String| -> Vec<(String, String)> {
            problems(&csv)
                .into_iter()
                .map(|p| (p.field.unwrap_or_default(), p.message))
                .collect()
        };
        let got = on(row(&"g".repeat(5_000_000), "Mon 07:00-08:00", "A"));
        assert_eq!(
            got,
            [(
                "id".into(),
                "5000000 bytes long; an id has at most 128".into()
            )]
        );
        let got = on(row("\"g 1\"", "Mon 07:00-08:00", "A"));
        assert_eq!(got[0].0, "id");
        assert!(got[0].1.starts_with("whitespace"), "{got:?}");
        let many = vec!["Mon 07:00-08:00"; MAX_SESSIONS + 1].join(";");
        let got = on(row("g1", &many, "A"));
        assert_eq!(
            got,
            [(
                "sessions".into(),
                "201 items; at most 200 are allowed".into()
            )]
        );
        let got = on(row("g1", "Mon 07:00-08:00", &"n".repeat(5000)));
        assert_eq!(
            got,
            [(
                "name".into(),
                "5000 bytes long; a field has at most 4096".into()
            )]
        );
        let just = vec!["Mon 07:00-08:00"; MAX_SESSIONS].join(";");
        assert!(parse_groups(row("g1", &just, "A").as_bytes(), Syntax::Csv, "g").is_ok());
    }

    #[test]
    fn a_file_past_the_size_limit_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.csv");
        std::fs::write(&path, vec![b'x'; 2048]).unwrap();
        let err = crate::formats::read_bytes(&path, 1024).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: file is larger than 1 KiB, the most read for this kind of file",
                path.display()
            )
        );
        assert_eq!(crate::formats::read_bytes(&path, 2048).unwrap().len(), 2048);
    }
}
