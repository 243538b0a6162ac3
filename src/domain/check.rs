//! The wording and shape of a check, shared by the file readers and by the `validate` of a value
//! built in Rust ([`crate::Person::validate`], [`crate::Group::validate`]), so a rule is written
//! once and a field refused in a file or in code reads the same: a required field missing, a
//! number off its range, a list with a repeated id, and the error that lists every problem.

use std::collections::hash_map::{Entry, HashMap};
use std::fmt::Display;
use std::ops::RangeInclusive;

use crate::error::{Error, Problem, Result};

/// The message of a required field that is missing or empty.
pub(crate) const MISSING: &str = "missing (this field is required)";

/// The message of a value outside `range`.
pub(crate) fn outside<T: Display>(v: T, range: &RangeInclusive<T>) -> String {
    format!("{v} is outside {} to {}", range.start(), range.end())
}

/// Why `v` is not a finite number in `range`, if it is not.
pub(crate) fn number_problem(v: f64, range: &RangeInclusive<f64>) -> Option<String> {
    if !v.is_finite() {
        Some(format!("{v} is not a finite number"))
    } else {
        (!range.contains(&v)).then(|| outside(v, range))
    }
}

/// Why `v` is not in `range`, if it is not.
pub(crate) fn integer_problem<T: PartialOrd + Display>(
    v: T,
    range: &RangeInclusive<T>,
) -> Option<String> {
    (!range.contains(&v)).then(|| outside(v, range))
}

/// The problems of a list built in Rust: each item's own (`problems_of`), with the item's 1-based
/// place in the list as their `line`, and a problem on `id` for each id an earlier item has
/// (`noun` names an item in that message: `first at entry 2`).
pub(crate) fn list_problems<'a, T>(
    items: &'a [T],
    noun: &str,
    id_of: impl Fn(&'a T) -> &'a str,
    problems_of: impl Fn(&'a T) -> Vec<Problem>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let line = Some(i as u64 + 1);
        problems.extend(problems_of(item).into_iter().map(|mut p| {
            p.line = line;
            p
        }));
        let id = id_of(item);
        match first.entry(id) {
            Entry::Occupied(at) => problems.push(Problem::new(
                line,
                Some("id"),
                format!("duplicate id '{id}' (first at {noun} {})", at.get()),
            )),
            Entry::Vacant(place) => {
                place.insert(i + 1);
            }
        }
    }
    problems
}

/// `Ok` when there are no problems, else every one as an [`Error::Invalid`] labelled `label`.
pub(crate) fn invalid_if_any(label: &str, problems: Vec<Problem>) -> Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid {
            path: label.to_string(),
            problems,
            warnings: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_off_their_range_or_not_finite_are_named() {
        assert_eq!(number_problem(1.0, &(0.0..=2.0)), None);
        assert_eq!(
            number_problem(-1.0, &(0.0..=1e9)).unwrap(),
            "-1 is outside 0 to 1000000000"
        );
        assert_eq!(
            number_problem(f64::NAN, &(0.0..=1.0)).unwrap(),
            "NaN is not a finite number"
        );
        assert_eq!(
            integer_problem(7u32, &(0..=5)).unwrap(),
            "7 is outside 0 to 5"
        );
    }

    #[test]
    fn list_problems_carry_the_place_and_name_the_first_of_a_repeated_id() {
        let items = ["a", "", "a"];
        let problems = list_problems(
            &items,
            "item",
            |s| s,
            |s| {
                if s.is_empty() {
                    vec![Problem::new(None, Some("id"), MISSING)]
                } else {
                    Vec::new()
                }
            },
        );
        assert_eq!(
            problems,
            [
                Problem::new(Some(2), Some("id"), MISSING),
                Problem::new(Some(3), Some("id"), "duplicate id 'a' (first at item 1)"),
            ]
        );
    }
}
