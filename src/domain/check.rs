//! The wording and shape of a check, shared by the file readers and by the `validate` of a value
//! built in Rust ([`crate::Person::validate`], [`crate::Group::validate`]), so a rule is written
//! once and a field refused in a file or in code reads the same: a required field missing, a
//! number off its range, a list with a repeated id, and the error that lists every problem.

use std::collections::hash_map::{Entry, HashMap};
use std::fmt::Display;
use std::ops::RangeInclusive;

use crate::error::{Error, Problem, Result};
use crate::limits::{MAX_FIELD_BYTES, MAX_ID_BYTES};

/// The oldest age a person may give, and a group state as a limit, in years.
pub const MAX_AGE: u8 = 120;

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

/// Why a value's required `id` is not an id, if it is not: [`MISSING`] when blank, else
/// [`id_problem`]. What `Person::validate` and `Group::validate` check of their ids.
pub(crate) fn required_id_problem(id: &str) -> Option<String> {
    if id.trim().is_empty() {
        Some(MISSING.into())
    } else {
        id_problem(id)
    }
}

/// A date written `YYYY-MM-DD` (month and day of two digits), or why the text is not one: the
/// one reading of a date in every file groupmatch reads.
pub(crate) fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or_else(|| format!("'{s}' is not a date like 2026-01-31 (YYYY-MM-DD)"))
}

/// Why `id` is not an id, if it is not: at most [`MAX_ID_BYTES`] bytes of printable characters,
/// without whitespace, control or invisible formatting characters (an empty id is
/// [`MISSING`], checked apart). The id itself is never quoted, as it may be huge or unprintable.
pub(crate) fn id_problem(id: &str) -> Option<String> {
    if id.len() > MAX_ID_BYTES {
        return Some(format!(
            "{} bytes long; an id has at most {MAX_ID_BYTES}",
            id.len()
        ));
    }
    if id.bytes().all(|b| b.is_ascii_graphic()) {
        // Nearly every id: visible ASCII only, checked without decoding characters.
        return None;
    }
    let (at, c) = id.chars().enumerate().find(|(_, c)| !printable(*c))?;
    let what = if c.is_whitespace() {
        "whitespace"
    } else if c.is_control() {
        "a control character"
    } else {
        "an invisible character"
    };
    Some(format!(
        "{what} (U+{:04X}) at character {}; an id has only printable characters and no spaces",
        c as u32,
        at + 1
    ))
}

/// Whether `c` may be in an id: not whitespace, not a control character, and not one of the
/// invisible formatting characters that make two different ids look the same (zero-width
/// spaces and joiners, direction marks and overrides, the byte-order mark).
fn printable(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'))
}

/// Why a text field is too long, if it is: more than [`MAX_FIELD_BYTES`] bytes.
pub(crate) fn text_problem(text: &str) -> Option<String> {
    (text.len() > MAX_FIELD_BYTES).then(|| {
        format!(
            "{} bytes long; a field has at most {MAX_FIELD_BYTES}",
            text.len()
        )
    })
}

/// Why a list of `len` items is too long, if it is: more than `max` items.
pub(crate) fn list_length_problem(len: usize, max: usize) -> Option<String> {
    (len > max).then(|| format!("{len} items; at most {max} are allowed"))
}

/// The message of a file larger than `max` bytes.
pub(crate) fn file_size_problem(max: u64) -> String {
    format!(
        "file is larger than {}, the most read for this kind of file",
        size(max)
    )
}

/// `max` bytes in the largest whole unit.
fn size(max: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if max >= MIB && max.is_multiple_of(MIB) {
        format!("{} MiB", max / MIB)
    } else if max >= 1024 && max.is_multiple_of(1024) {
        format!("{} KiB", max / 1024)
    } else {
        format!("{max} bytes")
    }
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
    fn dates_are_year_month_day_with_two_digit_month_and_day() {
        assert_eq!(
            parse_date("2024-05-01"),
            Ok(chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())
        );
        for bad in [
            "2024-5-1",
            "2024-02-30",
            "01/05/2024",
            "2024-05-01T00:00",
            "",
        ] {
            assert_eq!(
                parse_date(bad),
                Err(format!(
                    "'{bad}' is not a date like 2026-01-31 (YYYY-MM-DD)"
                ))
            );
        }
    }

    #[test]
    fn ids_are_short_printable_and_without_whitespace() {
        for good in [
            "g1",
            "na-0007",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "réunion_été",
            "12345",
        ] {
            assert_eq!(id_problem(good), None, "{good}");
        }
        assert_eq!(id_problem(&"x".repeat(MAX_ID_BYTES)), None);
        assert_eq!(
            id_problem(&"x".repeat(5_000_000)).unwrap(),
            "5000000 bytes long; an id has at most 128"
        );
        assert!(id_problem("a b")
            .unwrap()
            .starts_with("whitespace (U+0020) at character 2"));
        assert!(id_problem("a\tb").unwrap().starts_with("whitespace"));
        assert!(id_problem("a\u{1b}[31m")
            .unwrap()
            .starts_with("a control character"));
        assert!(id_problem("a\u{200b}")
            .unwrap()
            .starts_with("an invisible character"));
        assert!(id_problem("\u{202e}abc")
            .unwrap()
            .starts_with("an invisible character"));
    }

    #[test]
    fn long_texts_and_lists_are_named() {
        assert_eq!(text_problem(&"x".repeat(MAX_FIELD_BYTES)), None);
        assert_eq!(
            text_problem(&"x".repeat(MAX_FIELD_BYTES + 1)).unwrap(),
            "4097 bytes long; a field has at most 4096"
        );
        assert_eq!(list_length_problem(3, 3), None);
        assert_eq!(
            list_length_problem(4, 3).unwrap(),
            "4 items; at most 3 are allowed"
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
