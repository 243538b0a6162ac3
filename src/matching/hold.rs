//! Held places: placements already promised, kept fixed while everyone else is matched around
//! them.
//!
//! A hold is kept when its person is on the waitlist, its group is in the directory, the person
//! is still eligible for the group at the match's `now`, and the group has an open seat left
//! for it (holds take seats in the order given). A hold that fails any of these is reported with
//! the reason, never dropped in silence, and its person is matched like everyone else. A kept
//! hold stands even if the pair now scores below the match's minimum: the minimum governs new
//! offers, not promises.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::person::WaitlistEntry;
use crate::engine::Engine;
use crate::error::Result;
use crate::formats::record::{first_seen, read_records, Fields, Record, READ_CHUNK};
use crate::formats::{read_bytes, Loaded, Syntax};
use crate::text::escape_control as esc;

/// A place promised to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Hold {
    /// The person's id on the waitlist.
    pub person_id: String,
    /// The group's id in the directory.
    pub group_id: String,
}

/// What became of a hold in a match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct HoldOutcome {
    /// The person's id.
    pub person_id: String,
    /// The group's id.
    pub group_id: String,
    /// Whether the placement was kept.
    pub kept: bool,
    /// Why not, when it was not kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The fields of a holds file.
const HOLD_FIELDS: &[&str] = &["person_id", "group_id"];

/// Reads holds: `.csv` with columns `person_id,group_id`, or `.jsonl` objects with those fields.
/// A person held twice is a problem with both lines.
pub fn read_holds(path: &Path) -> Result<Loaded<Vec<Hold>>> {
    let bytes = read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    parse_holds(&bytes, Syntax::of_path(path), &path.display().to_string())
}

/// Parses a holds file's contents ([`read_holds`]); `label` names it in messages.
pub fn parse_holds(bytes: &[u8], syntax: Syntax, label: &str) -> Result<Loaded<Vec<Hold>>> {
    let mut holds = Vec::new();
    let mut row_problems = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let each = |records: &[Record]| {
        for record in records {
            let mut f = Fields::new(record, &mut row_problems);
            let fresh = first_seen(record, "person_id", &mut first_line, &mut f);
            let person_id = f.id("person_id");
            let group_id = f.id("group_id");
            if let (Some(person_id), Some(group_id), true) = (person_id, group_id, fresh) {
                holds.push(Hold {
                    person_id,
                    group_id,
                });
            }
        }
    };
    let (mut problems, warnings) =
        read_records(bytes, syntax, HOLD_FIELDS, HOLD_FIELDS, READ_CHUNK, each);
    problems.append(&mut row_problems);
    Loaded::finish(Some(holds), problems, warnings, label)
}

/// The holds of a match applied in order: each kept hold takes a seat of `seats` (the open seats
/// of each group, `None` unlimited, updated in place). Returns, for each waitlist entry, its kept
/// hold (group index and score), and what became of every hold.
pub(crate) fn apply_holds(
    engine: &Engine,
    waitlist: &[WaitlistEntry],
    holds: &[Hold],
    seats: &mut [Option<u32>],
    now: DateTime<Utc>,
) -> (Vec<Option<(usize, f64)>>, Vec<HoldOutcome>) {
    let mut held = vec![None; waitlist.len()];
    if holds.is_empty() {
        return (held, Vec::new());
    }
    let people: HashMap<&str, usize> = waitlist
        .iter()
        .enumerate()
        .map(|(i, e)| (e.person.id.as_str(), i))
        .collect();
    let groups: HashMap<&str, usize> = engine
        .groups()
        .iter()
        .enumerate()
        .map(|(g, group)| (group.id.as_str(), g))
        .collect();
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let outcomes = holds
        .iter()
        .map(|hold| {
            let verdict = (|| {
                if let Some(first) = seen.insert(&hold.person_id, &hold.group_id) {
                    return Err(format!("the person has an earlier hold, in {}", esc(first)));
                }
                let &i = people
                    .get(hold.person_id.as_str())
                    .ok_or("the person is not on the waitlist")?;
                let &g = groups
                    .get(hold.group_id.as_str())
                    .ok_or("the group is not in the directory")?;
                let score = engine.verdict(&waitlist[i].person, g, now).map_err(|out| {
                    let reasons: Vec<String> = out.iter().map(|e| e.text()).collect();
                    format!("not eligible now: {}", reasons.join("; "))
                })?;
                match &mut seats[g] {
                    Some(0) => return Err("the group has no open seat left for it".into()),
                    Some(open) => *open -= 1,
                    None => {}
                }
                held[i] = Some((g, score));
                Ok(())
            })();
            HoldOutcome {
                person_id: hold.person_id.clone(),
                group_id: hold.group_id.clone(),
                kept: verdict.is_ok(),
                reason: verdict.err(),
            }
        })
        .collect();
    (held, outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_are_read_with_every_problem_on_its_line() {
        let csv = b"person_id,group_id\nw1,g1\nw2,g2\n";
        let holds = parse_holds(csv, Syntax::Csv, "h").unwrap().value;
        assert_eq!(holds.len(), 2);
        assert_eq!(holds[1].person_id, "w2");
        let bad = b"person_id,group_id\nw1,g1\nw1,g2\nw3,\n";
        let err = parse_holds(bad, Syntax::Csv, "h.csv")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("h.csv:3: person_id: duplicate person_id 'w1' (first on line 2)"),
            "{err}"
        );
        assert!(err.contains("h.csv:4: group_id"), "{err}");
        let missing = parse_holds(b"person_id\nw1\n", Syntax::Csv, "h.csv").unwrap_err();
        assert!(missing.to_string().contains("group_id"), "{missing}");
    }
}
