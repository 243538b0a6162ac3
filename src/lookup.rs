//! Finding one group of a directory as staff name it: by its id or by its exact name, with the
//! closest ids and names suggested when neither matches; and one row of a waitlist by its
//! person's id, with the closest ids suggested. The command line and a calling service
//! both ask through [`crate::Engine::find_group`], so a group is found the same way everywhere.

use crate::domain::group::Group;
use crate::domain::person::WaitlistEntry;
use crate::error::{Error, Result};
use crate::formats::people::InvalidEntry;
use crate::text::escape_control as esc;

/// How many suggestions a miss lists.
const SUGGESTIONS: usize = 3;

/// The index in `groups` of the group whose id is `query` or, failing that, whose name is
/// `query` (ignoring case and surrounding spaces). A name several groups share is
/// [`Error::AmbiguousGroup`] with their ids; a miss is [`Error::NotFound`] suggesting up to three
/// of the closest ids and names (names containing the query first, then by edit distance).
///
/// ```
/// use groupmatch::{embedded_groups, find_group};
/// let groups = embedded_groups();
/// assert_eq!(groups[find_group(&groups, "Doylestown t.g.i.s.").unwrap()].id, "aa-0004");
/// ```
pub fn find_group(groups: &[Group], query: &str) -> Result<usize> {
    if let Some(i) = groups.iter().position(|g| g.id == query) {
        return Ok(i);
    }
    let wanted = query.trim().to_lowercase();
    let named: Vec<usize> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.name.trim().to_lowercase() == wanted)
        .map(|(i, _)| i)
        .collect();
    match named[..] {
        [i] => Ok(i),
        [] => Err(Error::NotFound(format!(
            "no group has the id or name '{}' in the directory{}",
            esc(query),
            hint(groups, &wanted)
        ))),
        _ => Err(Error::AmbiguousGroup {
            name: query.to_string(),
            ids: named.iter().map(|&i| groups[i].id.clone()).collect(),
        }),
    }
}

/// The id of a waitlist row, when it could be read.
fn id_of(row: &std::result::Result<WaitlistEntry, InvalidEntry>) -> Option<&str> {
    match row {
        Ok(entry) => Some(entry.person.id.as_str()),
        Err(bad) => bad.id.as_deref(),
    }
}

/// `; closest: aa-0012 'Center City SMART Recovery', ...`, or nothing when nothing is close.
fn hint(groups: &[Group], wanted: &str) -> String {
    let close = closest(
        groups
            .iter()
            .map(|g| (g.id.as_str(), Some(g.name.as_str()))),
        wanted,
    );
    if close.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = close
        .iter()
        .map(|&i| format!("{} '{}'", esc(&groups[i].id), esc(&groups[i].name)))
        .collect();
    format!("; closest: {}", listed.join(", "))
}

/// The places in `items` (an id and, when it has one, a name) of up to three closest to
/// `wanted` (lowercase), closest first.
fn closest<'a>(
    items: impl Iterator<Item = (&'a str, Option<&'a str>)>,
    wanted: &str,
) -> Vec<usize> {
    // A name containing the query ranks first (distance 0), then ids and names by edit distance
    // within a third of the query's length (at least 3 edits); the id breaks ties, so the hint is
    // the same every time.
    let most = (wanted.chars().count() / 3).max(3);
    let mut close: Vec<(usize, &str, usize)> = items
        .enumerate()
        .filter_map(|(i, (id, name))| {
            let name = name.map(str::to_lowercase);
            let by_id = strsim::levenshtein(&id.to_lowercase(), wanted);
            let d = match name {
                Some(name) if !wanted.is_empty() && name.contains(wanted) => 0,
                Some(name) => by_id.min(strsim::levenshtein(&name, wanted)),
                None => by_id,
            };
            (d <= most).then_some((d, id, i))
        })
        .collect();
    close.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    close.iter().take(SUGGESTIONS).map(|c| c.2).collect()
}

/// The entry whose person's id is `id` among `rows`, a waitlist read row by row
/// ([`crate::formats::people::read_waitlist_rows`]) from the file `label` names. When no row has
/// the id, [`Error::NotFound`] suggests up to three of the closest ids; when its row could not be
/// read, [`Error::Invalid`] lists the row's problems. Other rows may be bad: only this one is
/// read.
///
/// ```
/// use groupmatch::{find_waitlist_entry, formats::people::parse_waitlist_rows, Syntax};
/// let csv = "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
///            w-001,early,no_preference,online,Mon 18:00-21:00,America/New_York,2026-10-01\n\
///            w-002,not-a-stage,no_preference,online,Mon 18:00-21:00,America/New_York,2026-10-01\n";
/// let rows = parse_waitlist_rows(csv.as_bytes(), Syntax::Csv, "w.csv").unwrap().value;
/// let entry = find_waitlist_entry(rows.clone(), "w-001", "w.csv").unwrap();
/// assert_eq!(entry.person.id, "w-001");
/// let missing = find_waitlist_entry(rows.clone(), "w-01", "w.csv").unwrap_err();
/// assert_eq!(missing.to_string(), "no row of w.csv has the id 'w-01'; closest: w-001, w-002");
/// assert!(find_waitlist_entry(rows, "w-002", "w.csv").unwrap_err().to_string().starts_with("w.csv:3: stage"));
/// ```
pub fn find_waitlist_entry(
    mut rows: Vec<std::result::Result<WaitlistEntry, InvalidEntry>>,
    id: &str,
    label: &str,
) -> Result<WaitlistEntry> {
    match rows.iter().position(|row| id_of(row) == Some(id)) {
        Some(at) => rows.swap_remove(at).map_err(|bad| Error::Invalid {
            path: label.to_string(),
            problems: bad.problems,
            warnings: Vec::new(),
        }),
        None => {
            let ids: Vec<&str> = rows.iter().filter_map(id_of).collect();
            let close = closest(ids.iter().map(|id| (*id, None)), &id.trim().to_lowercase());
            let listed: Vec<String> = close.iter().map(|&i| esc(ids[i]).into_owned()).collect();
            Err(Error::NotFound(format!(
                "no row of {} has the id '{}'{}",
                esc(label),
                esc(id),
                if listed.is_empty() {
                    String::new()
                } else {
                    format!("; closest: {}", listed.join(", "))
                }
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Error};

    #[test]
    fn a_group_is_found_by_id_or_by_name_in_any_case() {
        let engine = Engine::embedded();
        let g = &engine.groups()[5];
        assert_eq!(engine.find_group(&g.id).unwrap(), 5);
        let first = engine
            .groups()
            .iter()
            .position(|h| h.name.eq_ignore_ascii_case(&g.name))
            .unwrap();
        let shared = engine
            .groups()
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(&g.name))
            .count();
        if shared == 1 {
            assert_eq!(engine.find_group(&g.name.to_uppercase()).unwrap(), first);
        }
    }

    #[test]
    fn a_shared_name_lists_the_ids_and_a_miss_suggests_the_closest() {
        let mut a = crate::testutil::group("g-1");
        a.name = "Weekenders".into();
        let mut b = crate::testutil::group("g-2");
        b.name = "weekenders".into();
        let mut c = crate::testutil::group("smart-cc");
        c.name = "Center City SMART Recovery".into();
        let groups = vec![a, b, c];
        match super::find_group(&groups, "WEEKENDERS") {
            Err(Error::AmbiguousGroup { ids, .. }) => assert_eq!(ids, ["g-1", "g-2"]),
            other => panic!("{other:?}"),
        }
        let err = super::find_group(&groups, "Center City SMART").unwrap_err();
        assert!(matches!(err, Error::NotFound(_)));
        assert!(
            err.to_string()
                .ends_with("closest: smart-cc 'Center City SMART Recovery'"),
            "{err}"
        );
        let err = super::find_group(&groups, "g-3").unwrap_err().to_string();
        assert!(
            err.contains("closest: g-1 'Weekenders', g-2 'weekenders'"),
            "{err}"
        );
        let err = super::find_group(&groups, "nothing like it at all").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no group has the id or name 'nothing like it at all' in the directory"
        );
        assert_eq!(super::find_group(&groups, "smart-cc").unwrap(), 2);
    }
}
