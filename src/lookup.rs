//! Finding one group of a directory as staff name it: by its id or by its exact name, with the
//! closest ids and names suggested when neither matches. The command line and a calling service
//! both ask through [`crate::Engine::find_group`], so a group is found the same way everywhere.

use crate::domain::group::Group;
use crate::error::{Error, Result};
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

/// ` (closest: aa-0012 'Center City SMART Recovery', ...)`, or nothing when nothing is close.
fn hint(groups: &[Group], wanted: &str) -> String {
    // A name containing the query ranks first (distance 0), then ids and names by edit distance
    // within a third of the query's length (at least 3 edits); the id breaks ties, so the hint is
    // the same every time.
    let most = (wanted.chars().count() / 3).max(3);
    let mut close: Vec<(usize, &Group)> = groups
        .iter()
        .filter_map(|g| {
            let name = g.name.to_lowercase();
            let d = if !wanted.is_empty() && name.contains(wanted) {
                0
            } else {
                let by_id = strsim::levenshtein(&g.id.to_lowercase(), wanted);
                let by_name = strsim::levenshtein(&name, wanted);
                by_id.min(by_name)
            };
            (d <= most).then_some((d, g))
        })
        .collect();
    close.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    if close.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = close
        .iter()
        .take(SUGGESTIONS)
        .map(|(_, g)| format!("{} '{}'", esc(&g.id), esc(&g.name)))
        .collect();
    format!("; closest: {}", listed.join(", "))
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
