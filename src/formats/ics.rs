//! Calendar files (RFC 5545, `.ics`): one event per session pattern of each group, with its
//! recurrence, its skipped dates and a VTIMEZONE for its zone, so a calendar application shows
//! the dates groupmatch does. See `docs/formats.md`, "Calendar files".
//!
//! Each event is a session in its group's zone: `DTSTART;TZID=zone` is the first occurrence
//! ([`Session::first_occurrence`]: the session's first date, or the first occurrence on or after
//! the day of `now` in the group's zone), `DTEND` the same day at the end time, `RRULE` the
//! session's recurrence ([`Session::rrule_in`]), `EXDATE` its skipped dates at its start time.
//! `SUMMARY` is the group's name, `LOCATION` its address or else its city (in person or hybrid),
//! `GEO` its place, `URL` its web page or joining link, and `DESCRIPTION` says when it meets and where to join.
//!
//! The output is reproducible: `UID` is the group's id and the session's number at a fixed
//! domain ([`UID_DOMAIN`]), `DTSTAMP` is `now`, zones are listed by name and events in the order
//! of the groups given, so the same groups and `now` give the same bytes.
//!
//! Each content line is written by the `icalendar` crate's `Property` (TEXT values escaped as
//! RFC 5545 3.3.11 says — backslash, semicolon, comma, newline —, lines folded at 75 octets on
//! character boundaries, CRLF endings). The crate cannot build a VTIMEZONE, so the components
//! are laid out here, and each zone's STANDARD and DAYLIGHT observances are derived from its
//! offset changes from the earlier of `now` and the first event to the end of the last (an event
//! that runs on: [`VTIMEZONE_YEARS`] years past the later of `now` and its start), with the
//! observance in effect at the start: an application that knows the IANA name (most do) uses its
//! own rules, and one that does not has the right offsets over that span. A session with no
//! occurrence from the day of `now` on (a cohort that ended) gets no event.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use icalendar::Property;

use crate::domain::group::Group;
use crate::domain::recurrence::Session;
use crate::domain::schedule::{offset_changes, utc_offset_minutes};
use crate::domain::vocab::Format;

/// The calendar's product identifier (`PRODID`).
pub const PRODID: &str = "-//groupmatch//groupmatch//EN";

/// The domain of the events' `UID`s (`GROUP-N@groupmatch.invalid` for session N of a group): a
/// reserved name, so no UID can clash with a real one.
pub const UID_DOMAIN: &str = "groupmatch.invalid";

/// How many years of offset changes a VTIMEZONE lists for an event that runs on: past the later
/// of `now` and the event's first occurrence (an event that ends needs none past its end).
pub const VTIMEZONE_YEARS: i32 = 2;

/// A calendar file, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFile {
    /// The file: UTF-8, CRLF line endings, lines folded at 75 octets.
    pub text: String,
    /// How many events it has (one per session pattern with an occurrence).
    pub events: usize,
    /// The zones it has a VTIMEZONE for, by name.
    pub zones: Vec<Tz>,
    /// The sessions left out, as `GROUP session N (CELL)`: a pattern with no occurrence from the
    /// day of `now` on, such as a cohort that ended.
    pub left_out: Vec<String>,
}

/// The local date and time `minutes` minutes after midnight of `date`.
fn local_time(date: NaiveDate, minutes: u16) -> NaiveDateTime {
    date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(i64::from(minutes))
}

/// A local date and time as RFC 5545 writes it (`20261208T190000`).
fn ical_local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// The instant of a local time in `tz` (the first of a repeated one; a skipped one read with
/// the offset before the gap, as RFC 5545 3.3.5 says).
fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => {
            let before = utc_offset_minutes(tz, (local - Duration::days(1)).and_utc());
            (local - Duration::minutes(i64::from(before))).and_utc()
        }
    }
}

/// Content lines, each written by `icalendar`'s [`Property`] (escaped, folded, CRLF).
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn begin(&mut self, component: &str) {
        self.0.push_str("BEGIN:");
        self.0.push_str(component);
        self.0.push_str("\r\n");
    }

    fn end(&mut self, component: &str) {
        self.0.push_str("END:");
        self.0.push_str(component);
        self.0.push_str("\r\n");
    }

    fn put(&mut self, property: Property) {
        // Writing into a String cannot fail.
        let line: Result<String, std::fmt::Error> = property.try_into();
        self.0.push_str(&line.unwrap_or_default());
    }

    fn text(&mut self, key: &str, value: &str) {
        self.put(Property::new(key, value));
    }

    fn zoned(&mut self, key: &str, tz: Tz, value: &str) {
        self.put(
            Property::new(key, value)
                .add_parameter("TZID", tz.name())
                .done(),
        );
    }
}

/// One session's event, before it is written.
struct Event<'g> {
    group: &'g Group,
    number: usize,
    session: &'g Session,
    first: NaiveDate,
}

impl Event<'_> {
    /// The instant of the first occurrence.
    fn start(&self) -> DateTime<Utc> {
        instant(
            self.group.timezone,
            local_time(self.first, self.session.start()),
        )
    }

    fn write(&self, out: &mut Lines, stamp: &str) {
        let (g, s, tz) = (self.group, self.session, self.group.timezone);
        out.begin("VEVENT");
        out.text("UID", &format!("{}-{}@{UID_DOMAIN}", g.id, self.number));
        out.text("DTSTAMP", stamp);
        out.zoned(
            "DTSTART",
            tz,
            &ical_local(local_time(self.first, s.start())),
        );
        out.zoned("DTEND", tz, &ical_local(local_time(self.first, s.end())));
        out.text("RRULE", &s.rrule_in(tz));
        let skipped: Vec<String> = s
            .except_dates()
            .iter()
            .filter(|d| **d >= self.first)
            .map(|d| ical_local(local_time(*d, s.start())))
            .collect();
        if !skipped.is_empty() {
            out.zoned("EXDATE", tz, &skipped.join(","));
        }
        out.text("SUMMARY", &g.name);
        if g.format != Format::Online {
            // Where to go: the street address when the directory gives one, else the city.
            if let Some(place) = g.address.as_ref().or(g.city.as_ref()) {
                out.text("LOCATION", place);
            }
            if let Some(p) = g.location {
                out.text("GEO", &format!("{};{}", p.latitude, p.longitude));
            }
        }
        if let Some(url) = &g.url {
            out.text("URL", url);
        }
        let mut description = format!("Meets {s} ({}).", tz.name());
        if let Some(url) = &g.url {
            let how = match g.format {
                Format::InPerson => "Details",
                Format::Online | Format::Hybrid => "Join or details",
            };
            description.push_str(&format!("\n{how}: {url}"));
        }
        out.text("DESCRIPTION", &description);
        out.end("VEVENT");
    }
}

/// The calendar file of `groups` at `now`: one event per session (in the order of the groups,
/// a group given twice once), a VTIMEZONE per zone used.
///
/// ```
/// use groupmatch::formats::ics::calendar_file;
/// let groups = groupmatch::embedded_groups();
/// let now = "2026-11-26T12:00:00Z".parse().unwrap();
/// let file = calendar_file(&[&groups[0]], now);
/// assert!(file.text.starts_with("BEGIN:VCALENDAR\r\n"));
/// assert!(file.text.contains("\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n"));
/// assert!(file.text.contains("\r\nBEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"));
/// assert_eq!(file.events, groups[0].sessions.len());
/// ```
pub fn calendar_file(groups: &[&Group], now: DateTime<Utc>) -> CalendarFile {
    let mut seen = HashSet::new();
    let mut events = Vec::new();
    let mut left_out = Vec::new();
    for g in groups.iter().filter(|g| seen.insert(g.id.as_str())) {
        let today = now.with_timezone(&g.timezone).date_naive();
        let later = today
            .checked_add_months(chrono::Months::new(12 * 10))
            .unwrap_or(today);
        for (i, s) in g.sessions.iter().enumerate() {
            // A session with no occurrence from today on (a cohort that ended) is left out.
            let ahead = s.dates_between(today, later).next();
            match ahead.and_then(|_| s.first_occurrence(today)) {
                Some(first) => events.push(Event {
                    group: g,
                    number: i + 1,
                    session: s,
                    first,
                }),
                None => left_out.push(format!("{} session {} ({s})", g.id, i + 1)),
            }
        }
    }
    // Each zone's span: from the earlier of `now` and its first start to the last end of its
    // events, where an event that runs on ends VTIMEZONE_YEARS years past the later of `now`
    // and its first occurrence.
    let years = chrono::Months::new(12 * VTIMEZONE_YEARS as u32);
    let mut spans: BTreeMap<&str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for e in &events {
        let tz = e.group.timezone;
        let start = e.start();
        let end = match e.session.end_date() {
            Some(last) => instant(tz, local_time(last, e.session.end())),
            None => start.max(now).checked_add_months(years).unwrap_or(start),
        };
        let span = spans.entry(tz.name()).or_insert((tz, now.min(start), end));
        span.1 = span.1.min(start);
        span.2 = span.2.max(end);
    }
    let mut out = Lines::default();
    out.begin("VCALENDAR");
    out.text("PRODID", PRODID);
    out.text("VERSION", "2.0");
    out.text("CALSCALE", "GREGORIAN");
    for (tz, from, to) in spans.values() {
        vtimezone(&mut out, *tz, *from, *to);
    }
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for e in &events {
        e.write(&mut out, &stamp);
    }
    out.end("VCALENDAR");
    CalendarFile {
        text: out.0,
        events: events.len(),
        zones: spans.values().map(|(tz, _, _)| *tz).collect(),
        left_out,
    }
}

/// A UTC offset in minutes as RFC 5545 writes it (`-0500`, `+0530`).
fn ical_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// Writes the VTIMEZONE of `tz` for events from `from` to `to`: the observance in effect at
/// `from` (with its onset when it began within a year before, else from 1970) and each change
/// of offset up to `to`, each STANDARD or DAYLIGHT as the zone database says. A zone that keeps
/// its offset through the span gets one STANDARD observance.
fn vtimezone(out: &mut Lines, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    let changes = offset_changes(tz, from - Duration::days(366), to);
    let at_from = changes.iter().rposition(|(t, _)| *t <= from);
    out.begin("VTIMEZONE");
    out.text("TZID", tz.name());
    let kept = match at_from {
        Some(i) => &changes[i..],
        None => {
            let offset = utc_offset_minutes(tz, from);
            let since = NaiveDate::from_ymd_opt(1970, 1, 1).map(|d| local_time(d, 0));
            observance(out, tz, from, since.unwrap_or_default(), offset, offset);
            &changes[..]
        }
    };
    for (t, after) in kept {
        let before = utc_offset_minutes(tz, *t - Duration::minutes(1));
        // DTSTART is the local time of the change in the offset before it.
        let local = t.naive_utc() + Duration::minutes(i64::from(before));
        observance(out, tz, *t, local, before, *after);
    }
    out.end("VTIMEZONE");
}

/// One STANDARD or DAYLIGHT observance of `tz`, as in effect at `at`, starting at local `start`.
fn observance(
    out: &mut Lines,
    tz: Tz,
    at: DateTime<Utc>,
    start: NaiveDateTime,
    from: i32,
    to: i32,
) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let kind = if offset.dst_offset().is_zero() {
        "STANDARD"
    } else {
        "DAYLIGHT"
    };
    out.begin(kind);
    out.text("DTSTART", &ical_local(start));
    out.text("TZOFFSETFROM", &ical_offset(from));
    out.text("TZOFFSETTO", &ical_offset(to));
    if let Some(name) = offset.abbreviation() {
        out.text("TZNAME", name);
    }
    out.end(kind);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::group;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn offsets_are_written_with_sign_hours_and_minutes() {
        assert_eq!(ical_offset(-300), "-0500");
        assert_eq!(ical_offset(330), "+0530");
        assert_eq!(ical_offset(0), "+0000");
        assert_eq!(ical_offset(-570), "-0930");
    }

    #[test]
    fn a_zone_with_summer_time_lists_its_changes_and_one_without_has_one_standard() {
        let mut out = Lines::default();
        let tz = chrono_tz::America::New_York;
        vtimezone(
            &mut out,
            tz,
            at("2026-11-26T12:00:00Z"),
            at("2027-11-26T12:00:00Z"),
        );
        let text = out.0;
        // In effect on 26 November 2026: standard time since 1 November 2026 02:00 EDT.
        assert!(
            text.contains(
                "BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\n\
             TZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD\r\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "BEGIN:DAYLIGHT\r\nDTSTART:20270314T020000\r\nTZOFFSETFROM:-0500\r\n\
             TZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT\r\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("DTSTART:20271107T020000\r\nTZOFFSETFROM:-0400"),
            "{text}"
        );
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 2, "{text}");
        assert_eq!(text.matches("BEGIN:DAYLIGHT").count(), 1, "{text}");

        let mut out = Lines::default();
        vtimezone(
            &mut out,
            chrono_tz::Asia::Kolkata,
            at("2026-11-26T12:00:00Z"),
            at("2028-11-26T12:00:00Z"),
        );
        assert_eq!(
            out.0,
            "BEGIN:VTIMEZONE\r\nTZID:Asia/Kolkata\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
             TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nTZNAME:IST\r\nEND:STANDARD\r\n\
             END:VTIMEZONE\r\n"
        );
    }

    #[test]
    fn an_event_starts_on_its_first_occurrence_and_skips_its_dates() {
        let mut g = group("g1");
        g.timezone = chrono_tz::Europe::Berlin;
        g.sessions = vec![
            "2nd Mon 19:00-20:00 except 2027-01-11".parse().unwrap(),
            "Wed 18:00-19:30 from 2026-01-07 until 2026-02-25"
                .parse()
                .unwrap(),
        ];
        let file = calendar_file(&[&g, &g], at("2026-11-26T12:00:00Z"));
        let t = &file.text;
        assert_eq!(file.events, 1, "{t}");
        assert_eq!(file.left_out.len(), 1);
        assert!(file.left_out[0].starts_with("g1 session 2 (Wed 18:00-19:30"));
        assert!(t.contains("\r\nUID:g1-1@groupmatch.invalid\r\n"), "{t}");
        assert!(t.contains("\r\nDTSTAMP:20261126T120000Z\r\n"), "{t}");
        assert!(
            t.contains("\r\nDTSTART;TZID=Europe/Berlin:20261214T190000\r\n"),
            "{t}"
        );
        assert!(
            t.contains("\r\nDTEND;TZID=Europe/Berlin:20261214T200000\r\n"),
            "{t}"
        );
        assert!(t.contains("\r\nRRULE:FREQ=MONTHLY;BYDAY=2MO\r\n"), "{t}");
        assert!(
            t.contains("\r\nEXDATE;TZID=Europe/Berlin:20270111T190000\r\n"),
            "{t}"
        );
        assert_eq!(file.zones, vec![chrono_tz::Europe::Berlin]);
    }
}
