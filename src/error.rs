//! The crate's error type.
//!
//! Input problems are collected, not thrown one at a time: a file with ten bad rows gets ten
//! [`Problem`]s in one [`Error::Invalid`], each naming its line and field, so staff fix a file in
//! one pass. Everything else (I/O, a model that does not fit this binary) is its own variant.

use std::fmt;
use std::path::PathBuf;

use crate::text::escape_control;

/// One problem found in an input file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Problem {
    /// 1-based line in the file, when the problem has one.
    pub line: Option<u64>,
    /// The column or JSON field concerned, when there is one.
    pub field: Option<String>,
    /// What is wrong and, when knowable, how to fix it. Lowercase, no trailing period.
    pub message: String,
    /// The 0-based place of the item concerned in a list field (`availability`, `languages`,
    /// ...), when the problem is about one item: the server's JSON pointers end with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
}

impl Problem {
    /// A problem at `line` in `field`.
    pub fn new(line: Option<u64>, field: Option<&str>, message: impl Into<String>) -> Problem {
        Problem {
            line,
            field: field.map(str::to_string),
            message: message.into(),
            item: None,
        }
    }

    /// The same problem about item `item` (0-based) of its list field.
    ///
    /// ```
    /// let p = groupmatch::Problem::new(Some(1), Some("availability"), "bad").at_item(2);
    /// assert_eq!(p.item, Some(2));
    /// assert_eq!(p.display_in("p.json").to_string(), "p.json:1: availability: bad");
    /// ```
    pub fn at_item(mut self, item: usize) -> Problem {
        self.item = Some(item);
        self
    }

    /// Formats the problem as `FILE:LINE: field: message` (parts that are unknown are left out),
    /// on one line: control characters in any part are escaped ([`crate::text::escape_control`]).
    pub fn display_in<'a>(&'a self, path: &'a str) -> impl fmt::Display + 'a {
        ProblemIn {
            path,
            problem: self,
        }
    }
}

struct ProblemIn<'a> {
    path: &'a str,
    problem: &'a Problem,
}

impl fmt::Display for ProblemIn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A problem is one line, and its field and message often quote a value from the file:
        // escaped here, once, so no control character of the data reaches a terminal.
        write!(f, "{}", escape_control(self.path))?;
        if let Some(line) = self.problem.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.problem.field {
            write!(f, "{}: ", escape_control(field))?;
        }
        write!(f, "{}", escape_control(&self.problem.message))
    }
}

/// Everything that can go wrong in groupmatch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error (in the message, so not also a `source`).
        error: std::io::Error,
    },
    /// An input file has one or more problems; all of them are listed.
    #[error("{}", format_problems(.path, .problems))]
    Invalid {
        /// The file concerned (or a label such as `<embedded groups>`).
        path: String,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
        /// Problems that would not have stopped the reading on their own (unknown fields).
        warnings: Vec<Problem>,
    },
    /// A model file does not fit this binary (other feature schema or version).
    #[error("{path}: model does not fit this version of groupmatch: {message}")]
    ModelSchema {
        /// The model file.
        path: String,
        /// What differs and how to fix it.
        message: String,
    },
    /// The referrals store could not do what was asked: the database is from a newer
    /// groupmatch, is not a groupmatch database, is damaged, or SQLite failed.
    #[error("{}: {message}", .path.display())]
    Store {
        /// The database file.
        path: PathBuf,
        /// What went wrong and, when knowable, how to fix it.
        message: String,
    },
    /// The key of an encrypted referrals database could not be had from the environment or
    /// its key file (both given, empty, a key file others may read, ...).
    #[error("{0}")]
    Key(String),
    /// A caller asked for something that does not exist (for example an unknown group id).
    #[error("{0}")]
    NotFound(String),
    /// A group was asked for by a name that several groups of the directory share
    /// ([`crate::Engine::find_group`]): the caller must pick one of their ids.
    #[error("{} groups are called '{}': {}; give one of these ids", .ids.len(), escape_control(.name), .ids.iter().map(|i| escape_control(i).into_owned()).collect::<Vec<_>>().join(", "))]
    AmbiguousGroup {
        /// The name as given.
        name: String,
        /// The ids of every group of that name, in directory order.
        ids: Vec<String>,
    },
    /// Training or evaluation could not be done on the data given (one class only, too few rows,
    /// invalid hyperparameters, ...).
    #[error("{0}")]
    Training(String),
    /// A match weight (score plus the waiting bonus) too large, or not a number, to scale to the
    /// exact solver's integer weights.
    #[error("match weight {weight} is too large to solve exactly: weights must be finite and at most {most:e} in absolute value (lower the wait weight)")]
    WeightOutOfRange {
        /// The weight.
        weight: f64,
        /// The largest weight that scales to an integer.
        most: f64,
    },
}

impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Error {
        Error::Training(e.to_string())
    }
}

fn format_problems(path: &str, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.display_in(path).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// A single-problem [`Error::Invalid`].
    pub fn invalid(
        path: &str,
        line: Option<u64>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Error {
        Error::Invalid {
            path: path.to_string(),
            problems: vec![Problem::new(line, field, message)],
            warnings: Vec::new(),
        }
    }

    /// The problems of an [`Error::Invalid`], in order; empty for every other error.
    ///
    /// ```
    /// let e = groupmatch::Error::invalid("person", None, Some("readiness"), "200 is outside 1 to 10");
    /// assert_eq!(e.problems()[0].field.as_deref(), Some("readiness"));
    /// assert!(groupmatch::Error::NotFound("no group 'x'".into()).problems().is_empty());
    /// ```
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_formats_as_file_line_field_message() {
        let p = Problem::new(Some(7), Some("sessions"), "end 18:00 is before start 19:00");
        assert_eq!(
            p.display_in("groups.csv").to_string(),
            "groups.csv:7: sessions: end 18:00 is before start 19:00"
        );
        let p = Problem::new(Some(2), Some("na\u{1b}me"), "unknown value 'a\nb\u{7}'");
        assert_eq!(
            p.display_in("x.csv").to_string(),
            "x.csv:2: na\\u{1b}me: unknown value 'a\\nb\\u{7}'"
        );
        let p = Problem::new(None, None, "file is empty");
        assert_eq!(p.display_in("x.csv").to_string(), "x.csv: file is empty");
    }

    #[test]
    fn invalid_error_lists_every_problem() {
        let e = Error::Invalid {
            path: "g.csv".into(),
            problems: vec![
                Problem::new(Some(2), Some("id"), "a"),
                Problem::new(Some(3), Some("id"), "b"),
            ],
            warnings: vec![],
        };
        assert_eq!(e.to_string(), "g.csv:2: id: a\ng.csv:3: id: b");
        assert_eq!(e.problems().len(), 2);
    }

    #[test]
    fn errors_without_problems_have_none() {
        assert!(Error::NotFound("x".into()).problems().is_empty());
        assert!(Error::Training("x".into()).problems().is_empty());
    }
}
