//! Checking input files without using them: every problem and warning of a groups, person or
//! waitlist file, for `groupmatch validate`.

use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

use crate::domain::check::file_size_problem;
use crate::error::{Error, Problem};
use crate::formats::groups::parse_groups;
use crate::formats::people::{parse_person, parse_waitlist};
use crate::formats::record::text_of;
use crate::formats::{read_bytes, Syntax};
use crate::limits::{MAX_DATA_FILE_BYTES, MAX_DOCUMENT_FILE_BYTES};

/// The kinds of input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A group directory (`.csv` or a `.json` array).
    Groups,
    /// One person (a `.json` object).
    Person,
    /// A waitlist (`.csv` or `.jsonl`).
    Waitlist,
}

impl FromStr for FileKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<FileKind, String> {
        match s {
            "groups" => Ok(FileKind::Groups),
            "person" => Ok(FileKind::Person),
            "waitlist" => Ok(FileKind::Waitlist),
            _ => Err(format!(
                "unknown kind '{s}' (allowed: groups, person, waitlist)"
            )),
        }
    }
}

impl FileKind {
    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Groups => "groups",
            FileKind::Person => "person",
            FileKind::Waitlist => "waitlist",
        }
    }

    /// Recognises a file's kind from its extension and shape: a JSON array is groups, a JSON
    /// object a person, JSON Lines a waitlist; a CSV with `sessions` is groups, one with
    /// `waiting_since` or `availability` a waitlist.
    ///
    /// Only the start of the file is read: up to the first character that is not whitespace
    /// (JSON), or the first line (CSV).
    pub fn detect(path: &Path, bytes: &[u8]) -> Option<FileKind> {
        FileKind::detect_in(Syntax::of_path(path), bytes)
    }

    /// Recognises the kind of a document in `syntax` from its shape, as [`FileKind::detect`]
    /// does for a file.
    pub fn detect_in(syntax: Syntax, bytes: &[u8]) -> Option<FileKind> {
        match syntax {
            Syntax::JsonLines => Some(FileKind::Waitlist),
            // The first character is in the text before any bytes that are not UTF-8.
            Syntax::Json => match bytes
                .utf8_chunks()
                .next()
                .map_or("", |chunk| chunk.valid())
                .trim_start_matches('\u{feff}')
                .trim_start()
                .chars()
                .next()
            {
                Some('[') => Some(FileKind::Groups),
                Some('{') => Some(FileKind::Person),
                _ => None,
            },
            Syntax::Csv => {
                let end = bytes
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(bytes.len());
                let first_line = String::from_utf8_lossy(&bytes[..end]);
                let header = first_line.lines().next().unwrap_or("");
                let has = |c: &str| header.split(',').any(|h| h.trim().trim_matches('"') == c);
                if has("sessions") {
                    Some(FileKind::Groups)
                } else if has("waiting_since") || has("availability") {
                    Some(FileKind::Waitlist)
                } else {
                    None
                }
            }
        }
    }
}

/// What `validate` found in one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Report {
    /// The file.
    pub path: String,
    /// Its kind, as recognised or given; `None` when it could not be recognised.
    pub kind: Option<FileKind>,
    /// How many records were read (0 when there are problems).
    pub records: usize,
    /// Problems that make the file unusable.
    pub problems: Vec<Problem>,
    /// Problems that do not (unknown fields).
    pub warnings: Vec<Problem>,
}

/// Checks one file, recognising its kind unless `kind` is given. Everything wrong with the file,
/// including that it cannot be read, is in the report.
pub fn validate_file(path: &Path, kind: Option<FileKind>) -> Report {
    let label = path.display().to_string();
    match read_bytes(path, MAX_DATA_FILE_BYTES) {
        Ok(bytes) => validate_bytes(&bytes, Syntax::of_path(path), kind, &label),
        Err(e) => {
            let problems = match e {
                Error::Invalid { problems, .. } => problems,
                e => vec![Problem::new(None, None, e.to_string())],
            };
            Report {
                path: label,
                kind,
                records: 0,
                problems,
                warnings: Vec::new(),
            }
        }
    }
}

/// Checks one document's contents in `syntax` (as [`validate_file`] checks a file's), recognising
/// its kind unless `kind` is given; `label` names it in the report.
///
/// ```
/// use groupmatch::{validate_bytes, FileKind, Syntax};
/// let report = validate_bytes(br#"{"id": "p1"}"#, Syntax::Json, None, "request");
/// assert_eq!(report.kind, Some(FileKind::Person));
/// assert!(report.problems.iter().any(|p| p.field.as_deref() == Some("availability")));
/// ```
pub fn validate_bytes(bytes: &[u8], syntax: Syntax, kind: Option<FileKind>, label: &str) -> Report {
    let mut report = Report {
        path: label.to_string(),
        kind,
        records: 0,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    if let Err(problem) = text_of(bytes) {
        report.problems.push(problem);
        return report;
    }
    report.kind = kind.or_else(|| FileKind::detect_in(syntax, bytes));
    let label = &report.path;
    if report.kind == Some(FileKind::Person) && bytes.len() as u64 > MAX_DOCUMENT_FILE_BYTES {
        report.problems.push(Problem::new(
            None,
            None,
            file_size_problem(MAX_DOCUMENT_FILE_BYTES),
        ));
        return report;
    }
    let read = match report.kind {
        Some(FileKind::Groups) => {
            parse_groups(bytes, syntax, label).map(|l| (l.value.len(), l.warnings))
        }
        Some(FileKind::Person) => parse_person(bytes, label).map(|l| (1, l.warnings)),
        Some(FileKind::Waitlist) => {
            parse_waitlist(bytes, syntax, label).map(|l| (l.value.len(), l.warnings))
        }
        None => Err(Error::invalid(
            label,
            None,
            None,
            "cannot tell whether this is a groups, person or waitlist file; give --kind",
        )),
    };
    match read {
        Ok((records, warnings)) => {
            report.records = records;
            report.warnings = warnings;
        }
        Err(Error::Invalid {
            problems, warnings, ..
        }) => {
            report.problems = problems;
            report.warnings = warnings;
        }
        Err(other) => report
            .problems
            .push(Problem::new(None, None, other.to_string())),
    }
    report
}
