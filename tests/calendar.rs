//! Calendar files (`groupmatch calendar`, `rank --ics`), read back independently: the file is
//! unfolded and split here, each event's DTSTART, RRULE and EXDATE are expanded by the `rrule`
//! crate, and the dates must be the ones groupmatch works with ([`Session::dates_between`] at
//! the session's local start, placed in the zone by chrono-tz), across daylight-saving changes
//! in New York and Berlin. The VTIMEZONE blocks are read too: the offset they give each
//! occurrence must be the zone database's.

mod util;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use groupmatch::Session;
use util::{read, read_bytes, small_workdir, Workdir, NOW};

/// Patterns of every kind, with times around the night of a change too.
const CELLS: [&str; 11] = [
    "Mon 19:00-20:00",
    "Tue 19:00-20:30 every 2 weeks from 2027-01-05",
    "2nd Mon 19:00-20:00",
    "last Fri 19:00-20:30",
    "days 1 15 12:00-13:00",
    "Wed 18:00-19:30 from 2027-03-03 for 10 times",
    "Thu 18:00-19:30 from 2027-03-04 until 2027-05-06",
    "Mon 19:00-20:00 except 2027-03-15 2027-03-29",
    "last Fri 19:00-20:30 every 2 months from 2027-01-01 except 2027-03-26",
    "1st 3rd Sun 01:30-02:30",
    "Sun 09:00-10:00 from 2027-10-03 for 8 times except 2027-10-31",
];

/// Before the spring changes (New York 14 March, Berlin 28 March 2027).
const CAL_NOW: &str = "2027-02-20T12:00:00Z";

/// One component of a calendar file: its name, its content lines (unfolded) and its children.
#[derive(Debug, Default)]
struct Component {
    name: String,
    lines: Vec<(String, String)>,
    children: Vec<Component>,
}

impl Component {
    /// The value of the first property named `name` (with its parameters, as `;TZID=..:value`
    /// keeps them in the name part).
    fn get(&self, name: &str) -> Option<&str> {
        self.lines
            .iter()
            .find(|(k, _)| k == name || k.starts_with(&format!("{name};")))
            .map(|(_, v)| v.as_str())
    }

    /// The whole line of the first property named `name`.
    fn line(&self, name: &str) -> Option<String> {
        self.lines
            .iter()
            .find(|(k, _)| k == name || k.starts_with(&format!("{name};")))
            .map(|(k, v)| format!("{k}:{v}"))
    }
}

/// Parses a calendar file: CRLF lines, continuation lines (a leading space) joined.
fn parse(text: &str) -> Component {
    assert!(text.ends_with("\r\n"), "the file ends with CRLF");
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(
            !raw.contains('\n') && !raw.contains('\r'),
            "a bare line break: {raw:?}"
        );
        match raw.strip_prefix(' ') {
            Some(rest) => lines.last_mut().expect("a line to continue").push_str(rest),
            None => lines.push(raw.to_string()),
        }
    }
    let mut stack = vec![Component::default()];
    for line in lines {
        let (key, value) = line.split_once(':').expect("NAME:VALUE");
        match key {
            "BEGIN" => stack.push(Component {
                name: value.to_string(),
                ..Component::default()
            }),
            "END" => {
                let done = stack.pop().expect("open component");
                assert_eq!(done.name, value, "END matches BEGIN");
                stack.last_mut().expect("parent").children.push(done);
            }
            _ => stack
                .last_mut()
                .expect("component")
                .lines
                .push((key.to_string(), value.to_string())),
        }
    }
    assert_eq!(stack.len(), 1, "every component is closed");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one VCALENDAR");
    root.children.pop().unwrap()
}

/// The instants of an event, expanded by the `rrule` crate from `from` to `to`.
fn expand(event: &Component, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut set = vec![event.line("DTSTART").expect("DTSTART")];
    set.push(format!("RRULE:{}", event.get("RRULE").expect("RRULE")));
    if let Some(ex) = event.line("EXDATE") {
        set.push(ex);
    }
    let set: rrule::RRuleSet = set
        .join("\n")
        .parse()
        .unwrap_or_else(|e| panic!("rrule cannot read {set:?}: {e}"));
    set.into_iter()
        .map(|t| t.with_timezone(&Utc))
        .skip_while(|t| *t < from)
        .take_while(|t| *t < to)
        .collect()
}

/// The offset (minutes) the VTIMEZONE gives a local time: the last observance begun by then.
fn offset_from_vtimezone(vtimezone: &Component, local: NaiveDateTime) -> i32 {
    let parse_offset = |s: &str| {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let h: i32 = s[1..3].parse().unwrap();
        let m: i32 = s[3..5].parse().unwrap();
        sign * (h * 60 + m)
    };
    let mut observances: Vec<(NaiveDateTime, i32)> = vtimezone
        .children
        .iter()
        .map(|o| {
            let start =
                NaiveDateTime::parse_from_str(o.get("DTSTART").unwrap(), "%Y%m%dT%H%M%S").unwrap();
            (start, parse_offset(o.get("TZOFFSETTO").unwrap()))
        })
        .collect();
    observances.sort();
    observances
        .iter()
        .rev()
        .find(|(start, _)| *start <= local)
        .map(|(_, o)| *o)
        .unwrap_or_else(|| panic!("no observance for {local} in {vtimezone:?}"))
}

/// The instants groupmatch gives a session from `from` to `to` in `tz`.
fn groupmatch_instants(
    session: &Session,
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let (first, last) = (
        from.with_timezone(&tz).date_naive() - Duration::days(1),
        to.with_timezone(&tz).date_naive() + Duration::days(1),
    );
    session
        .dates_between(first, last)
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(i64::from(session.start())))
        .map(|local| {
            tz.from_local_datetime(&local)
                .earliest()
                .unwrap()
                .with_timezone(&Utc)
        })
        .filter(|t| *t >= from && *t < to)
        .collect()
}

fn groups_csv(rows: &[(String, &str, &str, &str)]) -> String {
    let mut csv = String::from("id,name,approach,format,sessions,timezone,city,languages,url\n");
    for (id, name, cell, zone) in rows {
        csv.push_str(&format!(
            "{id},\"{name}\",smart_recovery,online,{cell},{zone},,en,https://example.org/{id}?a=1&b=2\n"
        ));
    }
    csv
}

#[test]
fn an_independent_expander_gives_the_dates_groupmatch_works_with_across_summer_time_changes() {
    let wd = Workdir::new();
    let zones = [chrono_tz::America::New_York, chrono_tz::Europe::Berlin];
    let mut rows = Vec::new();
    for tz in zones {
        for (i, cell) in CELLS.iter().enumerate() {
            rows.push((
                format!("{}-{i}", &tz.name()[..2].to_lowercase()),
                "G",
                *cell,
                tz.name(),
            ));
        }
    }
    wd.create("groups.csv", groups_csv(&rows));
    let mut args: Vec<String> = [
        "calendar",
        "--groups",
        "groups.csv",
        "--now",
        CAL_NOW,
        "--out",
    ]
    .map(String::from)
    .to_vec();
    args.push("cal.ics".into());
    for (id, ..) in &rows {
        args.extend(["--group".to_string(), id.clone()]);
    }
    wd.run(&args).assert_success();
    let cal = parse(&read(&wd, "cal.ics"));
    let vtimezones: Vec<&Component> = cal
        .children
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .collect();
    let events: Vec<&Component> = cal.children.iter().filter(|c| c.name == "VEVENT").collect();
    assert_eq!(events.len(), rows.len());
    // From the day of `now` for a year and a half: the spring and autumn changes of 2027 and
    // the spring one of 2028.
    let from: DateTime<Utc> = "2027-02-20T00:00:00Z".parse().unwrap();
    let to: DateTime<Utc> = "2028-08-20T00:00:00Z".parse().unwrap();
    let mut compared = 0;
    for ((id, _, cell, zone), event) in rows.iter().zip(&events) {
        assert_eq!(
            event.get("UID"),
            Some(format!("{id}-1@groupmatch.invalid").as_str())
        );
        let tz: Tz = zone.parse().unwrap();
        let session: Session = cell.parse().unwrap();
        let expanded = expand(event, from, to);
        let ours = groupmatch_instants(&session, tz, from, to);
        assert!(!ours.is_empty(), "{cell}");
        assert_eq!(expanded, ours, "{cell} in {zone}");
        // The file's VTIMEZONE gives each occurrence the zone database's offset.
        let vtz = vtimezones
            .iter()
            .find(|v| v.get("TZID") == Some(zone))
            .unwrap_or_else(|| panic!("no VTIMEZONE for {zone}"));
        for t in &ours {
            let local = t.with_timezone(&tz).naive_local();
            let offset = offset_from_vtimezone(vtz, local);
            assert_eq!(
                (local - Duration::minutes(i64::from(offset))).and_utc(),
                *t,
                "{cell} in {zone} at {local}"
            );
        }
        compared += ours.len();
    }
    assert!(compared > 500, "{compared} occurrences compared");
}

#[test]
fn next_sessions_printed_by_rank_are_dates_of_its_calendar_file() {
    let wd = small_workdir(r#""Mon 17:00-22:00", "Wed 17:00-22:00""#);
    let out = wd.run([
        "rank",
        "--person",
        "p.json",
        "--groups",
        "groups.csv",
        "--top",
        "2",
        "--format",
        "json",
        "--now",
        NOW,
        "--ics",
        "top.ics",
    ]);
    out.assert_success()
        .assert_stderr_contains("wrote top.ics: 3 events (2 groups), time zone America/New_York");
    let ranking = out.json();
    let cal = parse(&read(&wd, "top.ics"));
    let events: Vec<&Component> = cal.children.iter().filter(|c| c.name == "VEVENT").collect();
    let suggestions = ranking["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), 2);
    let from: DateTime<Utc> = NOW.parse().unwrap();
    let to = from + Duration::weeks(13);
    for s in suggestions {
        let id = s["group_id"].as_str().unwrap();
        let mine: Vec<&&Component> = events
            .iter()
            .filter(|e| e.get("UID").unwrap().starts_with(&format!("{id}-")))
            .collect();
        assert!(!mine.is_empty(), "no event for {id}");
        assert_eq!(mine[0].get("SUMMARY"), s["name"].as_str());
        let dates: Vec<DateTime<Utc>> = mine.iter().flat_map(|e| expand(e, from, to)).collect();
        for next in s["next_sessions"].as_array().unwrap() {
            let t = DateTime::parse_from_rfc3339(next.as_str().unwrap()).unwrap();
            assert!(
                dates.contains(&t.with_timezone(&Utc)),
                "{id}: {t} not in {dates:?}"
            );
        }
    }
    // Only the suggestions shown.
    assert_eq!(
        events.len(),
        3,
        "t-online has two sessions, the other suggestion one"
    );
    // Without --force an existing file is refused before any work, and left as it was.
    let before = read_bytes(&wd, "top.ics");
    wd.run([
        "rank",
        "--person",
        "p.json",
        "--groups",
        "groups.csv",
        "--now",
        NOW,
        "--ics",
        "top.ics",
    ])
    .assert_code(2)
    .assert_stderr_contains("top.ics: already exists (use --force to overwrite)");
    assert_eq!(read_bytes(&wd, "top.ics"), before);
}

#[test]
fn calendar_files_are_reproducible_escaped_folded_and_have_a_vtimezone_per_zone() {
    let wd = Workdir::new();
    let long =
        "Café Łódź; Hope, Faith \\ Courage — a very long name for a support group that meets";
    wd.create(
        "groups.csv",
        format!(
            "id,name,approach,format,sessions,timezone,latitude,longitude,city,languages,url\n\
             g-ny,\"{long}\",smart_recovery,in_person,2nd Mon 19:00-20:00;Thu 18:00-19:00,America/New_York,39.95,-75.16,\"Philadelphia, PA\",en,https://example.org/ny\n\
             g-be,Berlin Abend,smart_recovery,online,Tue 19:00-20:30 every 2 weeks from 2026-12-01,Europe/Berlin,,,,de,\n\
             g-in,Mumbai,smart_recovery,online,Wed 19:00-20:00,Asia/Kolkata,,,,en,\n"
        ),
    );
    let run = |out: &str| {
        wd.run([
            "calendar",
            "--groups",
            "groups.csv",
            "--group",
            "g-ny",
            "--group",
            "g-be",
            "--group",
            "g-in",
            "--group",
            "g-ny",
            "--now",
            NOW,
            "--out",
            out,
        ])
    };
    run("a.ics")
        .assert_success()
        .assert_stdout_contains(
            "wrote a.ics: 4 events (3 groups), time zones America/New_York, Asia/Kolkata, Europe/Berlin",
        );
    run("b.ics").assert_success();
    let bytes = read_bytes(&wd, "a.ics");
    assert_eq!(
        bytes,
        read_bytes(&wd, "b.ics"),
        "the same input gives the same bytes"
    );
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "CRLF only"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(
        text.lines().any(|l| l.starts_with(' ')),
        "the long lines are folded"
    );
    let cal = parse(&text);
    assert_eq!(cal.get("VERSION"), Some("2.0"));
    assert_eq!(cal.get("CALSCALE"), Some("GREGORIAN"));
    assert!(cal.get("PRODID").is_some());
    let zones: Vec<&str> = cal
        .children
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .map(|c| c.get("TZID").unwrap())
        .collect();
    assert_eq!(zones, ["America/New_York", "Asia/Kolkata", "Europe/Berlin"]);
    let kolkata = cal
        .children
        .iter()
        .find(|c| c.get("TZID") == Some("Asia/Kolkata"))
        .unwrap();
    let kinds: Vec<&str> = kolkata.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        kinds,
        ["STANDARD"],
        "a zone without summer time has one observance"
    );
    let berlin = cal
        .children
        .iter()
        .find(|c| c.get("TZID") == Some("Europe/Berlin"))
        .unwrap();
    assert!(berlin.children.iter().any(|c| c.name == "DAYLIGHT"));
    let events: Vec<&Component> = cal.children.iter().filter(|c| c.name == "VEVENT").collect();
    let ny = events[0];
    assert_eq!(
        ny.get("SUMMARY"),
        Some("Café Łódź\\; Hope\\, Faith \\\\ Courage — a very long name for a support group that meets")
    );
    assert_eq!(ny.get("LOCATION"), Some("Philadelphia\\, PA"));
    assert_eq!(ny.get("URL"), Some("https://example.org/ny"));
    assert_eq!(
        ny.get("DESCRIPTION"),
        Some("Meets 2nd Mon 19:00-20:00 (America/New_York).\\nDetails: https://example.org/ny")
    );
    assert_eq!(
        ny.line("DTSTART").unwrap(),
        "DTSTART;TZID=America/New_York:20261214T190000"
    );
    assert_eq!(ny.get("DTSTAMP"), Some("20261126T120000Z"));
    // An id given twice is one group; an online group has no LOCATION.
    let uids: Vec<&str> = events.iter().map(|e| e.get("UID").unwrap()).collect();
    assert_eq!(
        uids,
        [
            "g-ny-1@groupmatch.invalid",
            "g-ny-2@groupmatch.invalid",
            "g-be-1@groupmatch.invalid",
            "g-in-1@groupmatch.invalid"
        ]
    );
    assert!(events[2].get("LOCATION").is_none());
    assert_eq!(
        events[2].get("RRULE"),
        Some("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")
    );

    // Refused without --force, replaced with it; `-` writes to stdout.
    run("a.ics")
        .assert_code(2)
        .assert_stderr_contains("a.ics: already exists (use --force to overwrite)");
    let stdout = run("-");
    stdout.assert_success();
    assert_eq!(stdout.stdout, read_bytes(&wd, "a.ics"));
}

#[test]
fn an_unknown_group_is_an_error_naming_the_closest_id_and_writes_nothing() {
    let wd = Workdir::new();
    let out = wd.run([
        "calendar", "--group", "aa-001", "--group", "aa-0002", "--out", "x.ics",
    ]);
    out.assert_code(2).assert_stderr_contains(
        "no group has the id or name 'aa-001' in the embedded directory; closest: aa-0001 ",
    );
    assert!(!wd.path().join("x.ics").exists());
    // The embedded directory by default.
    wd.run([
        "calendar", "--group", "aa-0002", "--now", NOW, "--out", "x.ics",
    ])
    .assert_success()
    .assert_stdout_contains("wrote x.ics: 1 event (1 group), time zone America/New_York");
    let cal = parse(&read(&wd, "x.ics"));
    let event = cal.children.iter().find(|c| c.name == "VEVENT").unwrap();
    assert_eq!(event.get("SUMMARY"), Some("Chalfont Sunday Night"));
    assert_eq!(
        event.get("LOCATION"),
        Some("11 Meadowbrook Ln\\, Chalfont\\, PA 18914")
    );
    assert_eq!(
        event.line("DTSTART").unwrap(),
        "DTSTART;TZID=America/New_York:20261129T193000"
    );
}
