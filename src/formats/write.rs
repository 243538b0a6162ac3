//! Writing files: atomically (a temp file renamed into place, so a failed run never leaves a
//! half-written file), and in the same formats the readers accept.
//!
//! Domain values serialise (serde) to exactly the JSON the readers take; CSV rows are made from
//! that JSON by [`csv_cells`], so there is one description of each format, not one per writer.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// Writes `path` atomically: `write` fills a temp file in the same folder, which then replaces
/// `path`. On any error the temp file is removed and `path` is untouched.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let io_err = |error| Error::Io {
        path: path.to_path_buf(),
        error,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = File::create(&tmp).and_then(|file| {
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        w.flush()?;
        w.get_ref().sync_all()
    });
    match result.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(io_err(e))
        }
    }
}

/// The CSV cells of a serialised record, in `fields` order: lists joined with `;`, `prior` items
/// as `approach:outcome`, absent values empty.
pub fn csv_cells(value: &serde_json::Value, fields: &[&str]) -> Vec<String> {
    fields
        .iter()
        .map(|f| value.get(*f).map_or_else(String::new, cell_text))
        .collect()
}

fn cell_text(v: &serde_json::Value) -> String {
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
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(fields).map_err(std::io::Error::other)?;
        for r in records {
            let value = serde_json::to_value(r).map_err(std::io::Error::other)?;
            csv.write_record(csv_cells(&value, fields))
                .map_err(std::io::Error::other)?;
        }
        csv.flush()
    })
}

/// Writes records as JSON Lines, atomically.
pub fn write_jsonl<T: Serialize>(path: &Path, records: &[T]) -> Result<()> {
    write_atomic(path, |w| {
        for r in records {
            serde_json::to_writer(&mut *w, r).map_err(std::io::Error::other)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Writes a value as pretty JSON with a final newline, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::groups::{parse_groups, GROUP_FIELDS};
    use crate::formats::people::{parse_person, parse_waitlist, PERSON_FIELDS};
    use crate::formats::Syntax;
    use crate::testutil::{group, person};

    #[test]
    fn groups_round_trip_through_csv_and_json() {
        let mut g = group("g1");
        g.languages.push("es".parse().unwrap());
        g.capacity = Some(12);
        g.enrolled = 3;
        g.cost = Some(12.5);
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
        };
        let mut value = serde_json::to_value(&entry.person).unwrap();
        value["waiting_since"] = "2026-10-01".into();
        let fields = [PERSON_FIELDS, &["waiting_since"]].concat();
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
