//! Writing files: never over an existing file by accident ([`refuse_to_overwrite`]), atomically
//! (a temp file renamed into place, so a failed run never leaves a half-written file), and in the
//! same formats the readers accept.
//!
//! Domain values serialise (serde) to exactly the JSON the readers take; CSV rows are made from
//! that JSON by [`csv_cells`], so there is one description of each format, not one per writer.
//!
//! The temp file of `NAME` is `.NAME.PID.tmp` in the same folder (so the rename is atomic). It is
//! removed on any error and on a panic (a drop guard). A process killed mid-write (Ctrl-C, a
//! signal) cannot remove it: the next write of the same `NAME` removes such leftovers of processes
//! that no longer run. See `docs/reliability.md`, "Outputs".

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// The message of an output that exists and was not to be replaced.
pub const EXISTS: &str = "already exists (use --force to overwrite)";

/// The one rule of every command that writes a file: an existing `path` is replaced only when
/// `force` is given; otherwise an [`Error::Io`] of kind `AlreadyExists` naming it. Checked before
/// any work, so a long run never ends in a refusal.
///
/// ```
/// use groupmatch::formats::write::refuse_to_overwrite;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.csv");
/// assert!(refuse_to_overwrite(&path, false).is_ok());
/// std::fs::write(&path, "kept").unwrap();
/// let e = refuse_to_overwrite(&path, false).unwrap_err();
/// assert!(e.to_string().ends_with("out.csv: already exists (use --force to overwrite)"));
/// assert!(refuse_to_overwrite(&path, true).is_ok());
/// ```
pub fn refuse_to_overwrite(path: &Path, force: bool) -> Result<()> {
    // `symlink_metadata`: a dangling link is an existing name too.
    if force || std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    Err(Error::Io {
        path: path.to_path_buf(),
        error: std::io::Error::new(std::io::ErrorKind::AlreadyExists, EXISTS),
    })
}

/// Removes the temp file it names when dropped, unless [`TempFile::keep`] was called: on an
/// error, and on a panic in the caller's `write`.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn keep(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A file written atomically, in as many parts as the caller likes: [`AtomicFile::create`] opens
/// a temp file in the same folder and [`AtomicFile::commit`] renames it over the path. Dropped
/// before that (an error, a panic), the temp file is removed and the path is untouched. Whether an
/// existing path may be replaced is decided before, by [`refuse_to_overwrite`].
pub struct AtomicFile {
    // Declared first, so it is closed before the temp file is removed.
    writer: BufWriter<File>,
    temp: TempFile,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path`: creates its temp file.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        remove_stale_temps(&dir, &name);
        let tmp = dir.join(temp_name(&name, std::process::id()));
        let temp = TempFile(Some(tmp.clone()));
        let file = File::create(&tmp).map_err(|error| Error::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Ok(AtomicFile {
            writer: BufWriter::new(file),
            temp,
            path: path.to_path_buf(),
        })
    }

    /// The temp file's path, for a writer that opens the file by name (SQLite's online backup
    /// of the referrals store) rather than through [`AtomicFile::writer`].
    #[cfg(feature = "store")]
    pub fn temp_path(&self) -> &Path {
        self.temp.0.as_deref().expect("a temp file until committed")
    }

    /// Where the contents go (the temp file).
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    /// Writes what is buffered and waits until the temp file is on disk; the path is not replaced
    /// yet. A caller writing several files syncs them all before committing any.
    pub fn sync(&mut self) -> Result<()> {
        self.writer
            .flush()
            .and_then(|()| self.writer.get_ref().sync_all())
            .map_err(|error| Error::Io {
                path: self.path.clone(),
                error,
            })
    }

    /// Syncs the temp file and renames it over the path.
    pub fn commit(mut self) -> Result<()> {
        self.sync()?;
        let tmp = self.temp.0.clone().expect("a temp file until committed");
        std::fs::rename(&tmp, &self.path).map_err(|error| Error::Io {
            path: self.path.clone(),
            error,
        })?;
        self.temp.keep();
        Ok(())
    }
}

/// Writes `path` atomically: `write` fills a temp file in the same folder, which then replaces
/// `path`. On any error (or a panic in `write`) the temp file is removed and `path` is untouched.
/// Whether an existing `path` may be replaced is decided before, by [`refuse_to_overwrite`].
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    write(file.writer()).map_err(|error| Error::Io {
        path: path.to_path_buf(),
        error,
    })?;
    file.commit()
}

/// The temp file of `name` written by process `pid`.
fn temp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.tmp")
}

/// Removes the temp files of `name` left in `dir` by processes killed mid-write. A temp file of a
/// process still running (another write of the same file in progress) is left alone; where that
/// cannot be known (no `/proc`), only leftovers older than a day are removed.
fn remove_stale_temps(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !still_running(pid, &entry.path()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether the process that wrote the temp file `path` may still be writing it.
fn still_running(pid: u32, path: &Path) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < DAY)
}

/// The CSV cells of a serialised record, in `fields` order: lists joined with `;`, `prior` items
/// as `approach:outcome`, absent values empty.
pub fn csv_cells(value: &serde_json::Value, fields: &[&str]) -> Vec<String> {
    fields
        .iter()
        .map(|f| value.get(*f).map_or_else(String::new, cell_text))
        .collect()
}

/// A JSON value as one CSV cell ([`csv_cells`]).
pub(crate) fn cell_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(";"),
        Value::Object(map) => map.values().map(cell_text).collect::<Vec<_>>().join(":"),
    }
}

/// Writes records as CSV with the header `fields`, atomically.
pub fn write_csv<T: Serialize>(path: &Path, fields: &[&str], records: &[T]) -> Result<()> {
    write_atomic(path, |w| {
        csv_header(&mut *w, fields)?;
        csv_rows(w, fields, records)
    })
}

/// Writes the CSV header line `fields`.
pub fn csv_header(w: impl Write, fields: &[&str]) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(fields).map_err(std::io::Error::other)?;
    csv.flush()
}

/// Writes records as the CSV rows under the header `fields` (as [`write_csv`] does), for a file
/// written in parts.
pub fn csv_rows<T: Serialize>(
    w: impl Write,
    fields: &[&str],
    records: &[T],
) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    for r in records {
        let value = serde_json::to_value(r).map_err(std::io::Error::other)?;
        csv.write_record(csv_cells(&value, fields))
            .map_err(std::io::Error::other)?;
    }
    csv.flush()
}

/// Writes records as JSON Lines, atomically.
pub fn write_jsonl<T: Serialize>(path: &Path, records: &[T]) -> Result<()> {
    write_atomic(path, |w| jsonl_rows(w, records))
}

/// Writes records as JSON Lines (as [`write_jsonl`] does), for a file written in parts.
pub fn jsonl_rows<T: Serialize>(mut w: impl Write, records: &[T]) -> std::io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut w, r).map_err(std::io::Error::other)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes a value as pretty JSON with a final newline, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| json_text(w, value))
}

/// Writes a value as pretty JSON with a final newline (as [`write_json`] does), for a file
/// written with others.
pub fn json_text<T: Serialize>(mut w: impl Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, value).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::groups::{parse_groups, GROUP_FIELDS};
    use crate::formats::people::{parse_person, parse_waitlist, PERSON_FIELDS, WAITLIST_FIELDS};
    use crate::formats::Syntax;
    use crate::testutil::{group, person};

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

        /// parse(write(x)) == x for directories and waitlists of every shape the simulator
        /// draws, in CSV and JSON (JSON Lines for the waitlist), written as `simulate` writes
        /// them.
        #[test]
        fn simulated_directories_and_waitlists_round_trip(seed in 0u64..1_000_000) {
            let sim = crate::simulate::simulate(&crate::simulate::SimulationParams::new(
                seed, 60, 40, 10,
            ))
            .unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("groups.csv");
            write_csv(&path, GROUP_FIELDS, &sim.groups).unwrap();
            let back = parse_groups(&std::fs::read(&path).unwrap(), Syntax::Csv, "g").unwrap();
            proptest::prop_assert_eq!(&back.value, &sim.groups);
            let json = serde_json::to_string(&sim.groups).unwrap();
            let back = parse_groups(json.as_bytes(), Syntax::Json, "g").unwrap();
            proptest::prop_assert_eq!(&back.value, &sim.groups);
            let jsonl: String = sim
                .waitlist
                .iter()
                .map(|e| serde_json::to_string(e).unwrap() + "\n")
                .collect();
            let back = parse_waitlist(jsonl.as_bytes(), Syntax::JsonLines, "w").unwrap();
            proptest::prop_assert_eq!(&back.value, &sim.waitlist);
            let path = dir.path().join("waitlist.csv");
            let fields = [PERSON_FIELDS, WAITLIST_FIELDS].concat();
            write_csv(&path, &fields, &sim.waitlist).unwrap();
            let back = parse_waitlist(&std::fs::read(&path).unwrap(), Syntax::Csv, "w").unwrap();
            proptest::prop_assert_eq!(&back.value, &sim.waitlist);
        }
    }

    #[test]
    fn groups_round_trip_through_csv_and_json() {
        let mut g = group("g1");
        g.languages.push("es".parse().unwrap());
        g.capacity = Some(12);
        g.enrolled = 3;
        g.cost = Some(crate::Cost::Amount {
            amount: 12.5,
            currency: None,
        });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.csv");
        write_csv(&path, GROUP_FIELDS, &[g.clone()]).unwrap();
        let back = parse_groups(&std::fs::read(&path).unwrap(), Syntax::Csv, "g").unwrap();
        assert_eq!(back.value, vec![g.clone()]);
        assert!(back.warnings.is_empty());
        let json = serde_json::to_string(&[g.clone()]).unwrap();
        let back = parse_groups(json.as_bytes(), Syntax::Json, "g")
            .unwrap()
            .value;
        assert_eq!(back, vec![g]);
    }

    #[test]
    fn every_kind_of_cost_round_trips_through_csv_and_json() {
        use crate::{Cost, Currency};
        let fees = [
            Some(Cost::Amount {
                amount: 25.5,
                currency: None,
            }),
            Some(Cost::Amount {
                amount: 40.0,
                currency: Some(Currency::Usd),
            }),
            Some(Cost::Amount {
                amount: 10.0,
                currency: Some(Currency::Eur),
            }),
            Some(Cost::Amount {
                amount: 5.25,
                currency: Some(Currency::Gbp),
            }),
            Some(Cost::Amount {
                amount: 30.0,
                currency: Some(Currency::Cad),
            }),
        ];
        let costs = [&crate::testutil::costs_without_a_fee()[..], &fees].concat();
        let groups: Vec<crate::Group> = costs
            .iter()
            .enumerate()
            .map(|(i, cost)| {
                let mut g = group(&format!("g{i}"));
                g.cost = *cost;
                g
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.csv");
        write_csv(&path, GROUP_FIELDS, &groups).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let cost_column = GROUP_FIELDS.iter().position(|f| *f == "cost").unwrap();
        let written: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(cost_column).unwrap())
            .collect();
        assert_eq!(
            written,
            [
                "",
                "free",
                "donation",
                "sliding_scale",
                "insurance",
                "$0",
                "25.5",
                "$40",
                "€10",
                "£5.25",
                "30 CAD"
            ]
        );
        let back = parse_groups(text.as_bytes(), Syntax::Csv, "g").unwrap();
        assert_eq!(back.value, groups);
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        let json = serde_json::to_string(&groups).unwrap();
        let back = parse_groups(json.as_bytes(), Syntax::Json, "g").unwrap();
        assert_eq!(back.value, groups);
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    }

    #[test]
    fn people_round_trip_through_json_and_csv() {
        let mut p = person();
        p.prior = vec![crate::Prior {
            approach: crate::Approach::Cbt,
            outcome: crate::PriorOutcome::Helped,
        }];
        p.readiness = Some(7);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(parse_person(json.as_bytes(), "p").unwrap().value, p);

        let entry = crate::WaitlistEntry {
            person: p.clone(),
            waiting_since: "2026-10-01".parse().unwrap(),
            priority: vec![
                "pregnant".parse().unwrap(),
                "injects_drugs".parse().unwrap(),
            ],
        };
        let value = serde_json::to_value(&entry).unwrap();
        assert_eq!(
            value["priority"],
            serde_json::json!(["pregnant", "injects_drugs"])
        );
        let fields = [PERSON_FIELDS, WAITLIST_FIELDS].concat();
        let mut csv = fields.join(",") + "\n";
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(csv_cells(&value, &fields)).unwrap();
        csv.push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
        let back = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w")
            .unwrap()
            .value;
        assert_eq!(back, vec![entry]);
    }

    #[test]
    fn a_panic_in_the_writer_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let caught = std::panic::catch_unwind(|| {
            let _ = write_atomic(&path, |w| {
                w.write_all(b"partial")?;
                panic!("interrupted")
            });
        });
        assert!(caught.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn leftovers_of_a_killed_write_are_removed_by_the_next_write_of_that_file() {
        let dir = tempfile::tempdir().unwrap();
        // No process has pid u32::MAX - 1 (above any pid_max); our own temp name is in use.
        let dead = dir.path().join(temp_name("out.csv", u32::MAX - 1));
        let other = dir.path().join(temp_name("other.csv", u32::MAX - 1));
        let unrelated = dir.path().join(".out.csv.notes.tmp");
        for p in [&dead, &other, &unrelated] {
            std::fs::write(p, "partial").unwrap();
        }
        let path = dir.path().join("out.csv");
        write_atomic(&path, |w| w.write_all(b"done")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "done");
        assert!(
            !dead.exists(),
            "the dead process's temp file of out.csv is removed"
        );
        assert!(
            other.exists() && unrelated.exists(),
            "other names are not touched"
        );
    }

    #[test]
    fn an_existing_output_is_refused_without_force_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "kept").unwrap();
        match refuse_to_overwrite(&path, false) {
            Err(Error::Io { path: p, error }) => {
                assert_eq!(p, path);
                assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
            }
            other => panic!("{other:?}"),
        }
        assert!(refuse_to_overwrite(&path, true).is_ok());
    }

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
