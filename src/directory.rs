//! What a directory holds, counted: so staff can see the coverage and the quality of a feed
//! before ranking with it (`groupmatch directory stats`); and several directories made one
//! ([`merge`], `groupmatch directory merge`).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::domain::group::Group;
use crate::domain::vocab::Format;
use crate::error::{Error, Result};
use crate::formats::groups::parse_groups;
use crate::formats::meeting_guide::{import_rows, parse_json, ImportOptions, ImportReport};
use crate::formats::{read_bytes, Syntax};

pub mod merge;

/// Day names, Monday first, as in [`DirectoryStats::by_day`].
pub const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Counts over a directory's groups.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DirectoryStats {
    /// Groups.
    pub groups: usize,
    /// Weekly sessions of all groups.
    pub sessions: usize,
    /// Groups by approach.
    pub by_approach: BTreeMap<String, usize>,
    /// Groups by format.
    pub by_format: BTreeMap<String, usize>,
    /// Groups by language (a bilingual group counts under both).
    pub by_language: BTreeMap<String, usize>,
    /// Groups by audience (`everyone` when open to all; a group for two audiences counts under
    /// both).
    pub by_audience: BTreeMap<String, usize>,
    /// Groups by fellowship (`unstated` when the directory does not say).
    pub by_fellowship: BTreeMap<String, usize>,
    /// Groups by the kind of their cost ([`crate::Cost::kind`]; `unknown` when not stated).
    pub by_cost: BTreeMap<String, usize>,
    /// Groups by what they say about medication for opioid use disorder.
    pub by_medication_stance: BTreeMap<String, usize>,
    /// Groups offering each accommodation or focus they list (wheelchair access, ASL,
    /// childcare, proof of attendance, ...); a group counts under each.
    pub by_access: BTreeMap<String, usize>,
    /// Groups that give how to reach them: an address (of a room), a joining link, a phone, a
    /// newcomer contact.
    pub with_contact: BTreeMap<String, usize>,
    /// Sessions by day of the week, Monday first ([`DAYS`]), in each group's own time zone.
    pub by_day: [usize; 7],
    /// Groups meeting in a room (in person or hybrid) by how their coordinates were found:
    /// `given` by the directory, `derived` from their postal code or town (approximate), or
    /// `missing` (such a group can never be excluded for distance)
    /// ([`crate::Listing::location_origin`]).
    pub coordinates: BTreeMap<String, usize>,
    /// Groups by how their time zone was found: `given`, `derived` (from coordinates or a UTC
    /// offset) or `assumed` (an import's default) ([`crate::Listing::timezone_origin`]).
    pub timezones: BTreeMap<String, usize>,
    /// How old the listings are, by the day their source last updated them
    /// ([`crate::Listing::updated`]).
    pub updated: DataAge,
    /// For a Meeting Guide feed: what its import read, merged and skipped, including how many
    /// meetings had no end time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<ImportReport>,
}

/// How old a directory's listings are: the days their sources last updated them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DataAge {
    /// Groups whose source gives the day.
    pub dated: usize,
    /// Groups whose source does not.
    pub undated: usize,
    /// The oldest day.
    pub oldest: Option<NaiveDate>,
    /// The median day (the earlier of the middle two).
    pub median: Option<NaiveDate>,
    /// The latest day.
    pub newest: Option<NaiveDate>,
}

impl DataAge {
    /// The age of `days`, one per group (`None` when undated).
    fn of(days: impl Iterator<Item = Option<NaiveDate>>) -> DataAge {
        let (mut dated, mut undated) = (Vec::new(), 0);
        for day in days {
            match day {
                Some(d) => dated.push(d),
                None => undated += 1,
            }
        }
        dated.sort_unstable();
        DataAge {
            dated: dated.len(),
            undated,
            oldest: dated.first().copied(),
            median: dated.get(dated.len().saturating_sub(1) / 2).copied(),
            newest: dated.last().copied(),
        }
    }
}

impl DirectoryStats {
    /// Counts over `groups`.
    pub fn of(groups: &[Group]) -> DirectoryStats {
        let mut s = DirectoryStats {
            groups: groups.len(),
            ..DirectoryStats::default()
        };
        for g in groups {
            *s.by_approach.entry(g.approach.as_str().into()).or_default() += 1;
            *s.by_format.entry(g.format.as_str().into()).or_default() += 1;
            for l in &g.languages {
                *s.by_language.entry(l.as_str().into()).or_default() += 1;
            }
            if g.audience.is_empty() {
                *s.by_audience.entry("everyone".into()).or_default() += 1;
            }
            for a in &g.audience {
                *s.by_audience.entry(a.as_str().into()).or_default() += 1;
            }
            let fellowship = g.fellowship.map_or("unstated", |f| f.as_str());
            *s.by_fellowship.entry(fellowship.into()).or_default() += 1;
            let cost = g.cost.map_or("unknown", |c| c.kind());
            *s.by_cost.entry(cost.into()).or_default() += 1;
            *s.by_medication_stance
                .entry(g.medication_stance.as_str().into())
                .or_default() += 1;
            for n in g.accessibility.iter().chain(&g.focus) {
                *s.by_access.entry(n.as_str().into()).or_default() += 1;
            }
            for (kind, given) in [
                ("address", g.address.is_some()),
                ("join_url", g.join_url.is_some()),
                ("phone", g.phone.is_some()),
                ("newcomer_contact", g.newcomer_contact.is_some()),
            ] {
                *s.with_contact.entry(kind.into()).or_default() += usize::from(given);
            }
            s.sessions += g.sessions.len();
            for w in g.sessions.iter().filter_map(|s| s.weekday_window()) {
                s.by_day[usize::from(w.day())] += 1;
            }
            if g.format != Format::Online {
                let coordinates = match g.location {
                    None => "missing",
                    Some(_) => g.listing.location_origin.as_str(),
                };
                *s.coordinates.entry(coordinates.into()).or_default() += 1;
            }
            *s.timezones
                .entry(g.listing.timezone_origin.as_str().into())
                .or_default() += 1;
        }
        s.updated = DataAge::of(groups.iter().map(|g| g.listing.updated));
        s
    }
}

/// The statistics of a directory file: a groups file (`.csv`, or `.json` whose records have
/// `sessions`) or a Meeting Guide feed (`.json` whose records have `day` or `time`, imported with
/// `options`).
pub fn directory_stats(path: &Path, options: &ImportOptions) -> Result<DirectoryStats> {
    let bytes = read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    let label = path.display().to_string();
    let syntax = Syntax::of_path(path);
    if syntax == Syntax::Json {
        if let Value::Array(rows) = parse_json(&bytes, &label)? {
            if is_meeting_guide(&rows) {
                let import = import_rows(&rows, &label, options)?;
                let mut stats = DirectoryStats::of(&import.groups);
                stats.feed = Some(import.report);
                return Ok(stats);
            }
        }
    }
    if syntax == Syntax::JsonLines {
        return Err(Error::invalid(
            &label,
            None,
            None,
            "a directory is a groups file (.csv or .json) or a Meeting Guide feed (.json)",
        ));
    }
    Ok(DirectoryStats::of(
        &parse_groups(&bytes, syntax, &label)?.value,
    ))
}

/// Whether the records of a JSON array are Meeting Guide meetings: the first object has `day`
/// or `time` and no `sessions`.
fn is_meeting_guide(rows: &[Value]) -> bool {
    rows.iter().find_map(Value::as_object).is_some_and(|row| {
        !row.contains_key("sessions") && (row.contains_key("day") || row.contains_key("time"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::group;

    #[test]
    fn counts_every_group_under_each_of_its_values() {
        let mut a = group("a");
        a.languages = vec!["en".parse().unwrap(), "es".parse().unwrap()];
        a.audience = vec![crate::Audience::Women];
        a.location = None;
        a.fellowship = Some(crate::Fellowship::Na);
        a.cost = Some(crate::Cost::Donation);
        a.medication_stance = crate::MedicationStance::Welcoming;
        a.accessibility = vec![crate::Need::Wheelchair, crate::Need::Asl];
        a.focus = vec![crate::Need::Trauma];
        a.address = Some("1 Main St".into());
        let mut b = group("b");
        b.format = Format::Online;
        b.location = None;
        b.join_url = Some("https://example.org/j".into());
        let s = DirectoryStats::of(&[a.clone(), b]);
        assert_eq!(s.by_fellowship["na"], 1);
        assert_eq!(s.by_fellowship["unstated"], 1);
        assert_eq!((s.by_cost["donation"], s.by_cost["unknown"]), (1, 1));
        assert_eq!(s.by_medication_stance["welcoming"], 1);
        assert_eq!(s.by_medication_stance["unknown"], 1);
        let access: Vec<(&str, usize)> =
            s.by_access.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        assert_eq!(access, [("asl", 1), ("trauma", 1), ("wheelchair", 1)]);
        assert_eq!(s.with_contact["address"], 1);
        assert_eq!(s.with_contact["join_url"], 1);
        assert_eq!(s.with_contact["phone"], 0);
        assert_eq!(s.groups, 2);
        assert_eq!(s.by_language["en"], 2);
        assert_eq!(s.by_language["es"], 1);
        assert_eq!(s.by_audience["women"], 1);
        assert_eq!(s.by_audience["everyone"], 1);
        assert_eq!(s.by_format["online"], 1);
        assert_eq!(s.sessions, 2 * a.sessions.len());
        assert_eq!(s.by_day.iter().sum::<usize>(), s.sessions);
        assert_eq!(
            s.coordinates,
            BTreeMap::from([("missing".into(), 1)]),
            "the online group needs none"
        );
        assert_eq!(s.timezones, BTreeMap::from([("given".into(), 2)]));
        assert_eq!(s.updated.undated, 2);
    }

    #[test]
    fn counts_how_places_and_zones_were_found_and_how_old_listings_are() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2024, 5, d);
        let listed = |id: &str, location: crate::Origin, zone: crate::Origin, updated| {
            let mut g = group(id);
            g.listing.location_origin = location;
            g.listing.timezone_origin = zone;
            g.listing.updated = updated;
            g
        };
        use crate::Origin::{Assumed, Derived, Given};
        let mut online = listed("d", Given, Assumed, day(9));
        online.format = Format::Online;
        let s = DirectoryStats::of(&[
            listed("a", Derived, Derived, day(20)),
            listed("b", Given, Assumed, None),
            listed("c", Derived, Given, day(2)),
            online,
        ]);
        let counts = |m: &BTreeMap<String, usize>| -> Vec<(String, usize)> {
            m.iter().map(|(k, n)| (k.clone(), *n)).collect()
        };
        assert_eq!(
            counts(&s.coordinates),
            [("derived".to_string(), 2), ("given".to_string(), 1)]
        );
        assert_eq!(
            counts(&s.timezones),
            [
                ("assumed".to_string(), 2),
                ("derived".to_string(), 1),
                ("given".to_string(), 1)
            ]
        );
        assert_eq!(
            s.updated,
            DataAge {
                dated: 3,
                undated: 1,
                oldest: day(2),
                median: day(9),
                newest: day(20),
            }
        );
    }

    #[test]
    fn feeds_are_told_from_groups_files_by_their_fields() {
        let rows = |json: &str| -> Vec<Value> { serde_json::from_str(json).unwrap() };
        assert!(is_meeting_guide(&rows(
            r#"[{"name": "n", "day": 1, "time": "18:00"}]"#
        )));
        assert!(!is_meeting_guide(&rows(
            r#"[{"id": "g", "sessions": ["Mon 18:00-19:00"]}]"#
        )));
        assert!(!is_meeting_guide(&[]));
    }
}
