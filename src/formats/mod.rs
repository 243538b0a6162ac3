//! File formats: reading groups, people and waitlists from CSV, JSON and JSON Lines, and
//! checking files for `validate`. The formats are documented in `docs/formats.md`.

pub mod bmlt;
pub(crate) mod cells;
mod fetch;
pub mod groups;
pub mod hsds;
pub mod ics;
pub mod import;
pub mod meeting_guide;
pub mod people;
pub(crate) mod record;
pub mod write;

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Problem, Result};

/// The syntax of an input file, chosen by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Comma-separated values with a header row; lists in cells separated by `;`.
    Csv,
    /// A JSON document.
    Json,
    /// JSON Lines: one JSON object per line.
    JsonLines,
}

impl Syntax {
    /// `.json` is JSON, `.jsonl`/`.ndjson` JSON Lines, anything else CSV.
    pub fn of_path(path: &Path) -> Syntax {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Syntax::Json,
            Some("jsonl" | "ndjson") => Syntax::JsonLines,
            _ => Syntax::Csv,
        }
    }
}

/// A value read from a file, with the warnings (such as unknown columns) that did not stop it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loaded<T> {
    /// What was read.
    pub value: T,
    /// Problems that did not stop the reading (unknown fields, which are ignored).
    pub warnings: Vec<Problem>,
}

impl<T> Loaded<T> {
    /// The value, or every problem (sorted by line) as [`Error::Invalid`].
    pub(crate) fn finish(
        value: Option<T>,
        mut problems: Vec<Problem>,
        warnings: Vec<Problem>,
        label: &str,
    ) -> Result<Loaded<T>> {
        problems.sort_by_key(|p| p.line);
        match value {
            Some(value) if problems.is_empty() => Ok(Loaded { value, warnings }),
            _ => Err(Error::Invalid {
                path: label.to_string(),
                problems,
                warnings,
            }),
        }
    }
}

/// Reads a whole UTF-8 text file of at most `max` bytes with something in it, naming it in the
/// error.
pub(crate) fn read_text(path: &Path, max: u64) -> Result<String> {
    let bytes = read_bytes(path, max)?;
    record::text_of(&bytes)
        .map(str::to_string)
        .map_err(|p| Error::Invalid {
            path: path.display().to_string(),
            problems: vec![p],
            warnings: Vec::new(),
        })
}

/// Reads a whole file of at most `max` bytes (one of the limits in [`crate::limits`]), naming it
/// in the error. A larger file is refused without reading more than `max + 1` bytes of it, so a
/// huge file, or a device that never ends, costs no more memory than the limit.
///
/// A path that is an `http://` or `https://` URL is fetched instead (`fetch`), within the same
/// limit.
pub(crate) fn read_bytes(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |error| Error::Io {
        path: path.to_path_buf(),
        error,
    };
    // A file's size (when it is known) is reserved at once, not grown into.
    let (source, size): (Box<dyn Read>, u64) = match fetch::url_of(path) {
        Some(url) => (fetch::open(url).map_err(io)?, 0),
        None => {
            let file = std::fs::File::open(path).map_err(io)?;
            let size = file.metadata().map_or(0, |m| m.len());
            (Box::new(file), size)
        }
    };
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(max)).unwrap_or(0));
    source
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(Error::invalid(
            &path.display().to_string(),
            None,
            None,
            crate::domain::check::file_size_problem(max),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_names_the_syntax_in_any_case() {
        for (path, syntax) in [
            ("g.json", Syntax::Json),
            ("g.JSON", Syntax::Json),
            ("w.jsonl", Syntax::JsonLines),
            ("w.ndjson", Syntax::JsonLines),
            ("g.csv", Syntax::Csv),
            ("g.txt", Syntax::Csv),
            ("groups", Syntax::Csv),
        ] {
            assert_eq!(Syntax::of_path(Path::new(path)), syntax, "{path}");
        }
    }

    #[test]
    fn the_shipped_data_keeps_the_zones_of_its_places() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let zone_warnings = |warnings: &[Problem]| {
            warnings
                .iter()
                .filter(|w| w.field.as_deref() == Some("timezone"))
                .count()
        };
        let groups = crate::read_groups(&root.join("groups.csv")).unwrap();
        assert_eq!(zone_warnings(&groups.warnings), 0, "{:?}", groups.warnings);
        let mut people: Vec<_> = std::fs::read_dir(root.join("people"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        people.push(root.join("meeting-guide/edmonton-person.json"));
        for path in people {
            let person = crate::read_person(&path).unwrap();
            assert_eq!(zone_warnings(&person.warnings), 0, "{}", path.display());
        }
        let options = meeting_guide::ImportOptions {
            timezone: Some(chrono_tz::America::Edmonton),
            ..meeting_guide::ImportOptions::default()
        };
        let feed = root.join("meeting-guide/edmonton-2022-09.json");
        let import = meeting_guide::read_meeting_guide(&feed, &options).unwrap();
        let r = &import.report;
        assert_eq!(
            (r.timezone_from_coordinates, r.timezone_unlike_coordinates),
            (0, 0)
        );
    }

    #[test]
    fn read_text_gives_the_text_or_names_the_file_and_its_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(&path, "\u{feff}[[rules]]\n").unwrap();
        assert_eq!(read_text(&path, 100).unwrap(), "[[rules]]\n");
        let refused = |max| read_text(&path, max).unwrap_err().to_string();
        assert!(refused(5).contains("rules.toml"), "{}", refused(5));
        assert!(refused(5).contains("larger than"), "{}", refused(5));
        std::fs::write(&path, " \n").unwrap();
        assert!(refused(100).ends_with("file is empty"), "{}", refused(100));
    }
}
