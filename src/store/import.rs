//! The events file `referrals import` reads: JSON Lines, one event a line, as staff systems
//! export them (`{"referral": 12, "status": "attending", "on": "2027-01-05", "group": "g1"}`).
//! Every line is checked and every problem reported with its line and field; an unknown field
//! is a problem too (a misspelt `group` would otherwise make an event about every group).

use crate::domain::check::parse_date;
use crate::error::{Problem, Result};
use crate::formats::record::{jsonl_records, text_of, unknown_field_warnings, Fields};
use crate::formats::Loaded;

use super::records::{NewEvent, ReferralId};

/// The fields of an event line.
pub const EVENT_FIELDS: &[&str] = &["referral", "status", "on", "group", "reason"];

/// Reads an events file (at most [`crate::limits::MAX_DATA_FILE_BYTES`]) as [`parse_events`]
/// parses one.
pub fn read_events(path: &std::path::Path) -> Result<Loaded<Vec<(u64, NewEvent)>>> {
    let bytes = crate::formats::read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    parse_events(&bytes, &path.display().to_string())
}

/// Parses an events file's contents (`label` names it in messages) into its events, each with
/// its 1-based line. The events' checks against the store are [`super::Store::check_events`].
///
/// ```
/// let text = br#"{"referral": 1, "status": "stopped", "on": "2027-01-05", "reason": "travel"}
/// {"referral": 1, "status": "atending", "on": "2027-01-05"}"#;
/// let err = groupmatch::store::parse_events(text, "events.jsonl").unwrap_err();
/// assert_eq!(err.problems()[0].line, Some(2));
/// assert_eq!(err.problems()[0].field.as_deref(), Some("status"));
/// ```
pub fn parse_events(bytes: &[u8], label: &str) -> Result<Loaded<Vec<(u64, NewEvent)>>> {
    let text = match text_of(bytes) {
        Ok(t) => t,
        Err(p) => return Loaded::finish(None, vec![p], Vec::new(), label),
    };
    let (records, mut problems) = jsonl_records(text);
    let mut events = Vec::with_capacity(records.len());
    for record in &records {
        problems.extend(unknown_field_warnings(record.names(), EVENT_FIELDS));
        let mut line_problems = Vec::new();
        let mut f = Fields::new(record, &mut line_problems);
        let referral = f.integer("referral", true, 1..=i64::MAX).map(ReferralId);
        let kind = f.parse("status", true);
        let on = f.parse_with("on", true, parse_date);
        let group_id = f.text("group", false).map(|g| g.into_owned());
        let reason = f.parse("reason", false);
        if let (Some(referral), Some(kind), Some(on)) = (referral, kind, on) {
            let event = NewEvent {
                referral,
                kind,
                on,
                group_id,
                reason,
            };
            line_problems.extend(super::event_problems(&event).into_iter().map(|mut p| {
                p.line = Some(record.line);
                p
            }));
            events.push((record.line, event));
        }
        problems.extend(line_problems);
    }
    if problems.is_empty() && events.is_empty() {
        problems.push(Problem::new(None, None, "no events in the file"));
    }
    Loaded::finish(Some(events), problems, Vec::new(), label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocab::{EventKind, StopReason};

    #[test]
    fn reads_every_field_and_keeps_each_events_line() {
        let text = "{\"referral\": 3, \"status\": \"stopped\", \"on\": \"2027-01-05\", \
                    \"group\": \"g1\", \"reason\": \"travel\"}\n\n\
                    {\"referral\": \"4\", \"status\": \"attending\", \"on\": \"2027-02-01\"}\n";
        let events = parse_events(text.as_bytes(), "e.jsonl").unwrap().value;
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].0, 1);
        assert_eq!(events[0].1.reason, Some(StopReason::Travel));
        assert_eq!(events[0].1.group_id.as_deref(), Some("g1"));
        assert_eq!(events[1].0, 3);
        assert_eq!(
            (events[1].1.referral, events[1].1.kind),
            (ReferralId(4), EventKind::Attending)
        );
    }

    #[test]
    fn every_bad_line_is_reported_with_its_field() {
        let text = "{\"referral\": 0, \"status\": \"attending\", \"on\": \"2027-01-05\"}\n\
                    {\"referral\": 1, \"status\": \"stopped\", \"on\": \"2027-01-05\"}\n\
                    {\"referral\": 1, \"status\": \"attending\", \"on\": \"5 Jan\", \"grup\": \"g\"}\n\
                    not json\n";
        let err = parse_events(text.as_bytes(), "e.jsonl").unwrap_err();
        let got = crate::testutil::lines_and_fields(err.problems());
        assert_eq!(
            got,
            [
                (1, "referral".to_string()),
                (2, "reason".to_string()),
                (3, "grup".to_string()),
                (3, "on".to_string()),
                (4, String::new()),
            ]
        );
    }
}
