//! Raw records: one row of a CSV file or one JSON object, with the line of every field.
//!
//! Groups, people and waitlists can each come from CSV or JSON. Rather than two parsers per kind,
//! every input is first turned into [`Record`]s (field name -> raw cell, with its line; a CSV
//! record borrows its cells from its row, read chunk by chunk), and one [`Fields`] reader per kind
//! turns a record into a domain value, collecting a [`Problem`] for each bad field instead of
//! stopping at the first. This is what lets `validate` list every problem of a file, and keeps the
//! CSV and JSON readings of a field identical by construction.
//!
//! What every reader shares lives here too, so no format reaches into another: splitting a file
//! into records by its syntax ([`read_records`]), catching a repeated id ([`first_seen`]) and
//! reading the `latitude`/`longitude` pair ([`Fields::geo_point`]) and checking the `timezone`
//! against it ([`Fields::zone_of_place`]).

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use crate::domain::availability::Windows;
use crate::domain::check::{id_problem, list_length_problem, outside, text_problem, MISSING};
use crate::domain::geo::{GeoPoint, LATITUDE, LONGITUDE};
use crate::domain::schedule::{parse_timezone, Window};
use crate::domain::zone::check_zone;
use crate::error::Problem;
use crate::formats::Syntax;
use crate::limits::MAX_QUOTED_BYTES;
use crate::text::{closest, shorten, single_line, REPLACED};

/// A raw cell: CSV text (trimmed), or a JSON value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Text(&'a str),
    Json(&'a serde_json::Value),
}

/// One input record: its first line and its fields, each with its own line.
#[derive(Debug, Clone)]
pub(crate) struct Record<'a> {
    pub line: u64,
    fields: RecordFields<'a>,
}

/// The fields of a [`Record`].
#[derive(Debug, Clone)]
enum RecordFields<'a> {
    /// A CSV row, read where it lies: its cells in the header's order, all on the record's line.
    Row(&'a Columns, &'a csv::StringRecord),
    /// A JSON object's fields in file order, each with the line of its key.
    Object(Vec<(String, serde_json::Value, u64)>),
}

impl<'a> Record<'a> {
    /// A record of a JSON object's fields, each with the line of its key.
    pub fn object(line: u64, fields: Vec<(String, serde_json::Value, u64)>) -> Record<'static> {
        Record {
            line,
            fields: RecordFields::Object(fields),
        }
    }

    /// The trimmed text of a scalar field, if present and not empty.
    pub fn scalar(&self, name: &str) -> Option<Cow<'_, str>> {
        let (cell, _, _) = self.field(name, 0)?;
        scalar_text(cell).filter(|s| !s.is_empty())
    }

    /// A field, empty or not, with its line and its place among the record's fields. It is
    /// looked for at the place `hint` first: readers read a record's fields in about the order
    /// files write them, so nearly every field is where the reader expects it.
    fn field(&self, name: &str, hint: usize) -> Option<(Cell<'_>, u64, usize)> {
        match &self.fields {
            RecordFields::Row(columns, row) => {
                let i = columns.index(name, hint)?;
                Some((Cell::Text(trim(row.get(i)?)), self.line, i))
            }
            RecordFields::Object(fields) => {
                let at = |i: usize| fields.get(i).filter(|(n, _, _)| n == name).map(|_| i);
                let i = at(hint).or_else(|| fields.iter().position(|(n, _, _)| n == name))?;
                let (_, value, line) = &fields[i];
                Some((Cell::Json(value), *line, i))
            }
        }
    }

    /// The names of the record's fields, each with its line.
    pub fn names(&self) -> Box<dyn Iterator<Item = (&str, u64)> + '_> {
        match &self.fields {
            RecordFields::Row(columns, _) => {
                Box::new(columns.names.iter().map(|n| (n.as_str(), self.line)))
            }
            RecordFields::Object(fields) => {
                Box::new(fields.iter().map(|(n, _, l)| (n.as_str(), *l)))
            }
        }
    }
}

/// A CSV header: the column names, and the column of each name (every field of every row is
/// looked up by name: where the reader expects it, else by a fast hash, as the names are few and
/// the file's own).
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    names: Vec<String>,
    index: FxHashMap<String, usize>,
}

impl Columns {
    fn new(names: Vec<String>) -> Columns {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Columns { names, index }
    }

    /// The column of `name`, looked for at `hint` first. (No row of a header that repeats a name
    /// is read, so a name has one column.)
    fn index(&self, name: &str, hint: usize) -> Option<usize> {
        match self.names.get(hint) {
            Some(n) if n == name => Some(hint),
            _ => self.index.get(name).copied(),
        }
    }
}

fn cell_is_empty(cell: &Cell) -> bool {
    match cell {
        Cell::Text(s) => s.is_empty(),
        Cell::Json(serde_json::Value::Null) => true,
        Cell::Json(serde_json::Value::String(s)) => s.trim().is_empty(),
        Cell::Json(_) => false,
    }
}

/// Text of a scalar cell, or `None` for arrays and objects.
fn scalar_text(cell: Cell<'_>) -> Option<Cow<'_, str>> {
    match cell {
        Cell::Text(s) => Some(Cow::Borrowed(s)),
        Cell::Json(v) => json_scalar(v),
    }
}

/// Text of a scalar JSON value (a string trimmed), or `None` for arrays and objects.
fn json_scalar(value: &serde_json::Value) -> Option<Cow<'_, str>> {
    match value {
        serde_json::Value::String(s) => Some(Cow::Borrowed(s.trim())),
        serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
        serde_json::Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// `s` without leading and trailing whitespace, as [`str::trim`]; a cell that starts and ends
/// with a visible ASCII character (nearly every one) is returned as it is, without decoding.
fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        [only] if only.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Reads typed fields out of a [`Record`], recording a problem for each bad or missing one.
pub(crate) struct Fields<'a> {
    record: &'a Record<'a>,
    problems: &'a mut Vec<Problem>,
    /// Where the next field read is looked for first: after the last one found.
    next: std::cell::Cell<usize>,
}

impl<'a> Fields<'a> {
    pub fn new(record: &'a Record<'a>, problems: &'a mut Vec<Problem>) -> Fields<'a> {
        let next = std::cell::Cell::new(0);
        Fields {
            record,
            problems,
            next,
        }
    }

    /// A field of the record, empty or not, with its line.
    fn field(&self, field: &str) -> Option<(Cell<'a>, u64)> {
        let (cell, line, i) = self.record.field(field, self.next.get())?;
        self.next.set(i + 1);
        Some((cell, line))
    }

    /// A field that is present and not empty, with its line.
    fn get(&self, field: &str) -> Option<(Cell<'a>, u64)> {
        self.field(field).filter(|(c, _)| !cell_is_empty(c))
    }

    /// Records a problem with `field` at that field's line (or the record's).
    pub fn problem(&mut self, field: &str, message: impl Into<String>) {
        let line = self.line_of(field);
        self.problems
            .push(Problem::new(Some(line), Some(field), message));
    }

    /// Records a problem of item `item` (0-based) of the list `field`.
    fn item_problem(&mut self, field: &str, item: usize, message: impl Into<String>) {
        let line = self.line_of(field);
        self.problems
            .push(Problem::new(Some(line), Some(field), message).at_item(item));
    }

    /// The line of `field`, or the record's when it is absent.
    fn line_of(&self, field: &str) -> u64 {
        self.field(field).map_or(self.record.line, |(_, l)| l)
    }

    fn missing(&mut self, field: &str) {
        self.problems
            .push(Problem::new(Some(self.record.line), Some(field), MISSING));
    }

    /// The trimmed text of a scalar field; `None` when absent or empty (a problem if required),
    /// or longer than [`crate::limits::MAX_FIELD_BYTES`] (a problem).
    pub fn text(&mut self, field: &str, required: bool) -> Option<Cow<'a, str>> {
        let text = self.unchecked_text(field, required)?;
        match text_problem(&text) {
            None => Some(text),
            Some(m) => {
                self.problem(field, m);
                None
            }
        }
    }

    /// A required id ([`id_problem`]: short, printable, without whitespace).
    pub fn id(&mut self, field: &str) -> Option<String> {
        let id = self.unchecked_text(field, true)?;
        match id_problem(&id) {
            None => Some(id.into_owned()),
            Some(m) => {
                self.problem(field, m);
                None
            }
        }
    }

    /// [`Fields::text`] of any length.
    fn unchecked_text(&mut self, field: &str, required: bool) -> Option<Cow<'a, str>> {
        match self.get(field) {
            None => {
                if required {
                    self.missing(field);
                }
                None
            }
            Some((cell, _)) => match scalar_text(cell) {
                Some(s) => Some(s),
                None => {
                    self.problem(field, "expected a single value, not a list or object");
                    None
                }
            },
        }
    }

    /// The text of a single-line field (a name, a city): as [`Fields::text`], with control
    /// characters and line breaks replaced by U+FFFD ([`crate::text::single_line`]) and a warning
    /// at the field's line in `warnings` when there were any.
    pub fn single_line(
        &mut self,
        field: &str,
        required: bool,
        warnings: &mut Vec<Problem>,
    ) -> Option<String> {
        let text = self.text(field, required)?;
        match single_line(&text) {
            Cow::Borrowed(_) => Some(text.into_owned()),
            Cow::Owned(clean) => {
                warnings.push(Problem::new(
                    Some(self.line_of(field)),
                    Some(field),
                    REPLACED,
                ));
                Some(clean)
            }
        }
    }

    /// A field whose bad value is a warning, not a problem: parsed with `FromStr`, and on a parse
    /// error `None` (the value is unknown), with a warning at the field's line in `warnings`
    /// saying so. A list or an object, or a text past the length limit, is still a problem.
    pub fn lenient<T>(&mut self, field: &str, warnings: &mut Vec<Problem>) -> Option<T>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let text = self.text(field, false)?;
        match text.parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                let line = self.line_of(field);
                let message = format!("{e}; left unknown");
                warnings.push(Problem::new(Some(line), Some(field), message));
                None
            }
        }
    }

    /// A field parsed with `FromStr`; the parse error becomes the problem's message.
    pub fn parse<T>(&mut self, field: &str, required: bool) -> Option<T>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let text = self.text(field, required)?;
        match text.parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(field, e.to_string());
                None
            }
        }
    }

    /// A list field: a JSON array, or text with items separated by `;`, of at most `max` items,
    /// each at most [`crate::limits::MAX_FIELD_BYTES`] long. Absent means empty.
    pub fn list<T>(&mut self, field: &str, max: usize) -> Vec<T>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let Some((cell, _)) = self.get(field) else {
            return Vec::new();
        };
        match cell {
            Cell::Json(serde_json::Value::Array(values)) => {
                let mut items = Vec::with_capacity(values.len());
                for v in values {
                    match json_scalar(v) {
                        Some(s) => items.push(s),
                        None => {
                            self.problem(field, "list items must be single values");
                            return Vec::new();
                        }
                    }
                }
                self.items(field, max, items.iter().map(|s| &**s))
            }
            other => match scalar_text(other) {
                Some(s) => self.items(field, max, s.split(';').map(str::trim)),
                None => {
                    self.problem(field, "expected a list");
                    Vec::new()
                }
            },
        }
    }

    /// The non-empty `items` of a list field parsed with `FromStr`: none when there are more than
    /// `max`, and a problem for each item too long or not parsed.
    fn items<'i, T>(
        &mut self,
        field: &str,
        max: usize,
        items: impl Iterator<Item = &'i str> + Clone,
    ) -> Vec<T>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        // Each item keeps its place in the list as given, empty items counted.
        let items = items.enumerate().filter(|(_, s)| !s.is_empty());
        let given = items.clone().count();
        if let Some(m) = list_length_problem(given, max) {
            self.problem(field, m);
            return Vec::new();
        }
        let mut out = Vec::with_capacity(given);
        for (place, item) in items {
            if let Some(m) = text_problem(item) {
                self.item_problem(field, place, m);
                continue;
            }
            match item.parse::<T>() {
                Ok(v) => out.push(v),
                Err(e) => self.item_problem(field, place, e.to_string()),
            }
        }
        out
    }

    /// A list that must have at least one item; `None` (with a problem) when absent or bad.
    pub fn required_list<T>(&mut self, field: &str, max: usize) -> Option<Vec<T>>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let before = self.problems.len();
        let items = self.list(field, max);
        if self.problems.len() > before {
            return None;
        }
        if items.is_empty() {
            self.missing(field);
            return None;
        }
        Some(items)
    }

    /// A person's availability: a required list whose items are read with
    /// [`crate::parse_availability`] (`Mon-Fri 5:30pm-10pm`, `weekday evenings`), each expanding
    /// to one window or more; at most `max` items as written and `max` windows once expanded.
    pub fn availability(&mut self, field: &str, max: usize) -> Option<Vec<Window>> {
        let entries: Vec<Windows> = self.required_list(field, max)?;
        let windows: Vec<Window> = entries.into_iter().flat_map(|e| e.0).collect();
        if let Some(m) = list_length_problem(windows.len(), max) {
            self.problem(
                field,
                format!("{m} (once day ranges and presets are expanded)"),
            );
            return None;
        }
        Some(windows)
    }

    /// A boolean: `true`/`false` (also `yes`/`no`, `1`/`0`). Absent means `None`.
    pub fn boolean(&mut self, field: &str) -> Option<bool> {
        let text = self.text(field, false)?;
        let is = |word: &str| text.eq_ignore_ascii_case(word);
        match () {
            _ if is("true") || is("yes") || is("1") => Some(true),
            _ if is("false") || is("no") || is("0") => Some(false),
            _ => {
                self.problem(
                    field,
                    format!("'{text}' is not a boolean (use true or false)"),
                );
                None
            }
        }
    }

    /// A finite number within `range`.
    pub fn number(
        &mut self,
        field: &str,
        required: bool,
        range: std::ops::RangeInclusive<f64>,
    ) -> Option<f64> {
        let text = self.text(field, required)?;
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && range.contains(&v) => Some(v),
            Ok(v) if v.is_finite() => {
                self.problem(field, outside(v, &range));
                None
            }
            _ => {
                self.problem(field, format!("'{text}' is not a number"));
                None
            }
        }
    }

    /// A whole number within `range`.
    pub fn integer(
        &mut self,
        field: &str,
        required: bool,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let text = self.text(field, required)?;
        match text.parse::<i64>() {
            Ok(v) if range.contains(&v) => Some(v),
            Ok(v) => {
                self.problem(field, outside(v, &range));
                None
            }
            Err(_) => {
                self.problem(field, format!("'{text}' is not a whole number"));
                None
            }
        }
    }

    /// A field parsed by `parse`, whose error becomes the problem's message.
    pub fn parse_with<T>(
        &mut self,
        field: &str,
        required: bool,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.text(field, required)?;
        parse(&text).map_err(|e| self.problem(field, e)).ok()
    }

    /// Reads `latitude`/`longitude`: both or neither. `Err` when they are present but bad.
    pub fn geo_point(&mut self) -> Result<Option<GeoPoint>, ()> {
        let lat = self.number("latitude", false, LATITUDE);
        let lon = self.number("longitude", false, LONGITUDE);
        let (lat_given, lon_given) = (
            self.cell("latitude").is_some(),
            self.cell("longitude").is_some(),
        );
        match (lat, lon) {
            (Some(la), Some(lo)) => Ok(GeoPoint::new(la, lo).ok()),
            _ if !lat_given && !lon_given => Ok(None),
            _ => {
                if lat_given != lon_given {
                    let missing = if lat_given { "longitude" } else { "latitude" };
                    self.problem(missing, "missing (latitude and longitude go together)");
                }
                Err(())
            }
        }
    }

    /// The `timezone` read with [`parse_timezone`] (a problem when missing or unknown).
    pub fn timezone(&mut self) -> Option<Tz> {
        self.parse_with("timezone", true, parse_timezone)
    }

    /// A `timezone` read by [`Fields::timezone`], checked against the place's coordinates
    /// ([`check_zone`]): a zone that follows no place, or another place's, is a warning at the
    /// field's line in `warnings`; one that follows no place and contradicts the coordinates is a
    /// problem (`None`).
    pub fn zone_of_place(
        &mut self,
        stated: Option<Tz>,
        place: Option<GeoPoint>,
        warnings: &mut Vec<Problem>,
    ) -> Option<Tz> {
        let stated = stated?;
        match check_zone(stated, place) {
            None => Some(stated),
            Some(found) if found.is_refusal() => {
                self.problem("timezone", found.to_string());
                None
            }
            Some(found) => {
                let line = self.line_of("timezone");
                warnings.push(Problem::new(
                    Some(line),
                    Some("timezone"),
                    found.to_string(),
                ));
                Some(stated)
            }
        }
    }

    /// The raw JSON value of a field (for structured fields such as `prior`).
    pub fn cell(&self, field: &str) -> Option<Cell<'a>> {
        self.get(field).map(|(c, _)| c)
    }
}

/// Warnings for fields not in `known`, naming the closest known one so a typo never silently
/// drops data. Each unknown name is reported once, at its first line.
pub(crate) fn unknown_field_warnings<'r>(
    records: impl IntoIterator<Item = (&'r str, u64)>,
    known: &[&str],
) -> Vec<Problem> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut warnings = Vec::new();
    for (name, line) in records {
        if known.contains(&name) || !seen.insert(name) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let message = match closest(&lower, known.iter().copied(), 3) {
            Some(k) => format!("unknown field, ignored; did you mean '{k}'?"),
            None => format!(
                "unknown field, ignored (known fields: {})",
                known.join(", ")
            ),
        };
        let name = shorten(name, MAX_QUOTED_BYTES);
        warnings.push(Problem::new(Some(line), Some(&name), message));
    }
    warnings
}

/// Records the record's id as seen; `false` (with a problem) when an earlier record had it. Checked
/// on the raw id, so a repeated id is caught even in a row with other problems (which are still
/// reported).
pub(crate) fn first_seen(
    record: &Record,
    field: &str,
    first_line: &mut HashMap<String, u64>,
    f: &mut Fields,
) -> bool {
    // An id that is not one is refused by its own check, and never quoted here.
    let Some(id) = record.scalar(field).filter(|id| id_problem(id).is_none()) else {
        return true;
    };
    // One look-up (hashing the id once): a new id is the common case.
    match first_line.entry(id.into_owned()) {
        Entry::Vacant(new) => {
            new.insert(record.line);
            true
        }
        Entry::Occupied(seen) => {
            let (id, first) = (seen.key(), seen.get());
            f.problem(
                field,
                format!("duplicate {field} '{id}' (first on line {first})"),
            );
            false
        }
    }
}

/// Records a reader handles at a time ([`read_records`]): enough to share a chunk between
/// threads, few enough that its rows stay in the processor's caches.
pub(crate) const READ_CHUNK: usize = 4096;

/// Reads a file's records by its syntax, handing them to `each` in file order, at most `chunk`
/// at a time (a CSV file is read row by row, so its raw rows never are all in memory at once).
/// Returns the structural problems and the unknown-field warnings, which come before the
/// problems and warnings of the records at the same line.
pub(crate) fn read_records(
    bytes: &[u8],
    syntax: Syntax,
    required: &[&str],
    known: &[&str],
    chunk: usize,
    mut each: impl FnMut(&[Record]) + Send,
) -> (Vec<Problem>, Vec<Problem>) {
    let text = match text_of(bytes) {
        Ok(t) => t,
        Err(p) => return (vec![p], Vec::new()),
    };
    match syntax {
        Syntax::Csv => {
            let (headers, problems) = csv_record_chunks(text, required, chunk, each);
            let warnings = unknown_field_warnings(headers.iter().map(|h| (h.as_str(), 1)), known);
            (problems, warnings)
        }
        Syntax::Json | Syntax::JsonLines => {
            let (records, problems) = if syntax == Syntax::Json {
                json_records(text, true)
            } else {
                jsonl_records(text)
            };
            let warnings = unknown_field_warnings(records.iter().flat_map(|r| r.names()), known);
            for records in records.chunks(chunk) {
                each(records);
            }
            (problems, warnings)
        }
    }
}

/// Checks that `bytes` are UTF-8 text with something in them.
pub(crate) fn text_of(bytes: &[u8]) -> Result<&str, Problem> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let bad = e.valid_up_to();
        let line = bytes[..bad].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let mut p = Problem::new(
            Some(line),
            None,
            "not valid UTF-8 text (save the file as UTF-8)",
        );
        p.field = csv_column_at(bytes, bad);
        p
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(Problem::new(None, None, "file is empty"));
    }
    Ok(text)
}

/// The CSV header name of the cell holding byte `offset`, when the file looks like CSV (the
/// header has a comma). Quotes are followed, so commas inside quoted cells do not count.
fn csv_column_at(bytes: &[u8], offset: usize) -> Option<String> {
    let header_end = bytes.iter().position(|&b| b == b'\n')?;
    if offset <= header_end {
        return None;
    }
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    let names: Vec<&str> = header
        .split(',')
        .map(|h| h.trim().trim_matches('"'))
        .collect();
    if names.len() < 2 {
        return None;
    }
    let line_start = bytes[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut quoted = false;
    let mut column = 0;
    for &b in &bytes[line_start..offset] {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => column += 1,
            _ => {}
        }
    }
    names.get(column).map(|n| n.to_string())
}

/// Splits CSV text into records, one per data row (header on line 1), handed to `each` in
/// chunks of at most `chunk` records, so a large file never holds all its raw rows at once: each
/// record borrows its cells from its row, read into buffers used again for the next chunk.
/// Returns the header and the structural problems (a duplicate header, a row with the wrong
/// number of cells, a missing required column); rows that cannot be read are left out.
pub(crate) fn csv_record_chunks<F: FnMut(&[Record]) + Send>(
    text: &str,
    required: &[&str],
    chunk: usize,
    mut each: F,
) -> (Vec<String>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            problems.push(Problem::new(
                Some(1),
                None,
                format!("unreadable header: {e}"),
            ));
            return (Vec::new(), problems);
        }
    };
    for (i, h) in headers.iter().enumerate() {
        if headers[..i].contains(h) {
            problems.push(Problem::new(Some(1), Some(h), "column appears twice"));
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            problems.push(Problem::new(
                Some(1),
                Some(r),
                "missing column (it is required)",
            ));
        }
    }
    if !problems.is_empty() {
        return (headers, problems);
    }
    let chunk = chunk.max(1);
    let columns = Columns::new(headers);
    let hand_over = |rows: &[(u64, csv::StringRecord)], each: &mut F| {
        let records: Vec<Record> = rows
            .iter()
            .map(|(line, row)| Record {
                line: *line,
                fields: RecordFields::Row(&columns, row),
            })
            .collect();
        each(&records);
    };
    // Lines are counted from byte offsets: the csv crate's own line count is off by one after
    // CRLF line ends (BurntSushi/rust-csv#395).
    let mut lines = LineCounter::new(text);
    let mut read = |rows: &mut Vec<(u64, csv::StringRecord)>, problems: &mut Vec<Problem>| {
        read_rows(
            &mut reader,
            &mut lines,
            columns.names.len(),
            rows,
            chunk,
            problems,
        )
    };
    // Two buffers of rows: while one chunk is handed over, the next is read on another thread.
    let (mut current, mut next) = (Vec::new(), Vec::new());
    let mut filled = read(&mut current, &mut problems);
    while filled == chunk {
        let (next_filled, ()) = rayon::join(
            || read(&mut next, &mut problems),
            || hand_over(&current[..filled], &mut each),
        );
        std::mem::swap(&mut current, &mut next);
        filled = next_filled;
    }
    if filled > 0 {
        hand_over(&current[..filled], &mut each);
    }
    (columns.names, problems)
}

/// Reads up to `chunk` rows of `width` cells into `rows` (reusing its buffers), each with its
/// line, and returns how many; fewer than `chunk` when the file ends or cannot be read further.
/// A row with another number of cells, or that is not UTF-8, is a problem and left out.
fn read_rows(
    reader: &mut csv::Reader<&[u8]>,
    lines: &mut LineCounter,
    width: usize,
    rows: &mut Vec<(u64, csv::StringRecord)>,
    chunk: usize,
    problems: &mut Vec<Problem>,
) -> usize {
    let mut filled = 0;
    while filled < chunk {
        if filled == rows.len() {
            rows.push((0, csv::StringRecord::new()));
        }
        let (line, row) = &mut rows[filled];
        match reader.read_record(row) {
            Ok(false) => break,
            Ok(true) => {
                *line = row.position().map_or(0, |p| lines.line_at(p.byte()));
                if row.len() != width {
                    problems.push(Problem::new(
                        Some(*line),
                        None,
                        format!("row has {} cells, the header has {width}", row.len()),
                    ));
                    continue;
                }
                filled += 1;
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                problems.push(Problem::new(
                    Some(line),
                    None,
                    format!("unreadable row: {e}"),
                ));
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    filled
}

/// A JSON syntax error as a problem at its line, the column in the message.
pub(crate) fn json_syntax_problem(e: &serde_json::Error) -> Problem {
    let full = e.to_string();
    let message = full.split(" at line ").next().unwrap_or(&full);
    Problem::new(
        Some(e.line() as u64),
        None,
        format!("invalid JSON: {message} (column {})", e.column()),
    )
}

/// Turns increasing byte offsets into 1-based line numbers, counting each newline once.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of a record starting at byte `offset`; offsets must not decrease between calls.
    /// After a CRLF the csv crate starts the next record at the `\n`, which belongs to the line
    /// before, so a record starting on a newline starts after it.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut offset = (offset as usize).min(self.bytes.len());
        if self.bytes.get(offset) == Some(&b'\n') {
            offset += 1;
        }
        if offset > self.offset {
            self.line += self.bytes[self.offset..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// Parses JSON text whose records are objects: the top-level object itself (`array = false`) or
/// each element of a top-level array (`array = true`). Every field keeps the line of its key.
/// Items that are not objects are problems; the other items are still read.
pub(crate) fn json_records(text: &str, array: bool) -> (Vec<Record<'static>>, Vec<Problem>) {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return (Vec::new(), vec![json_syntax_problem(&e)]),
    };
    let key_lines = object_key_lines(text, if array { 2 } else { 1 });
    let objects: Vec<serde_json::Value> = match (value, array) {
        (serde_json::Value::Array(items), true) => items,
        (v @ serde_json::Value::Object(_), false) => vec![v],
        (_, true) => {
            let p = Problem::new(Some(1), None, "expected a JSON array of objects");
            return (Vec::new(), vec![p]);
        }
        (_, false) => {
            let p = Problem::new(Some(1), None, "expected a JSON object");
            return (Vec::new(), vec![p]);
        }
    };
    let mut records = Vec::with_capacity(objects.len());
    let mut problems = Vec::new();
    for (i, v) in objects.into_iter().enumerate() {
        let (line, keys) = key_lines.get(i).cloned().unwrap_or_default();
        let serde_json::Value::Object(map) = v else {
            problems.push(Problem::new(
                Some(line.max(1)),
                None,
                format!("item {} is not an object", i + 1),
            ));
            continue;
        };
        let fields = map
            .into_iter()
            .map(|(k, v)| {
                let l = keys.iter().find(|(n, _)| *n == k).map_or(line, |(_, l)| *l);
                (k, v, l)
            })
            .collect();
        records.push(Record::object(line, fields));
    }
    (records, problems)
}

/// One record per non-blank line of JSON Lines text; a bad line is a problem, the others are read.
pub(crate) fn jsonl_records(text: &str) -> (Vec<Record<'static>>, Vec<Problem>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = i as u64 + 1;
        let (recs, line_problems) = json_records(line, false);
        problems.extend(line_problems.into_iter().map(|mut p| {
            p.line = Some(line_no);
            p
        }));
        for rec in recs {
            let RecordFields::Object(mut fields) = rec.fields else {
                continue;
            };
            for field in &mut fields {
                field.2 = line_no;
            }
            records.push(Record::object(line_no, fields));
        }
    }
    (records, problems)
}

/// For each JSON value at `depth` (1 = the top level, 2 = items of a top-level array): its first
/// line and, if it is an object, the line of each of its keys. The text is known to be valid JSON.
fn object_key_lines(text: &str, depth: usize) -> Vec<(u64, Vec<(String, u64)>)> {
    let mut out: Vec<(u64, Vec<(String, u64)>)> = Vec::new();
    let bytes = text.as_bytes();
    let (mut line, mut level, mut i) = (1u64, 0usize, 0usize);
    let mut string_start: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(start) = string_start {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    string_start = None;
                    if level == depth && !out.is_empty() {
                        let rest = bytes[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
                        if rest == Some(&b':') {
                            let raw = &text[start..=i];
                            let key: String = serde_json::from_str(raw).unwrap_or_default();
                            out.last_mut().expect("checked").1.push((key, line));
                        }
                    }
                }
                b'\n' => line += 1,
                _ => {}
            }
        } else {
            match b {
                b'"' => {
                    if level + 1 == depth && (depth == 1 || level > 0) {
                        out.push((line, Vec::new()));
                    }
                    string_start = Some(i);
                }
                b'{' | b'[' => {
                    level += 1;
                    if level == depth {
                        out.push((line, Vec::new()));
                    }
                }
                b'}' | b']' => level = level.saturating_sub(1),
                b'\n' => line += 1,
                c if level + 1 == depth && !c.is_ascii_whitespace() && c != b',' && c != b':' => {
                    // A scalar item of the array: record its line, then skip to its end.
                    out.push((line, Vec::new()));
                    while i + 1 < bytes.len() && !matches!(bytes[i + 1], b',' | b']' | b'\n') {
                        i += 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_array_items_keep_the_line_of_each_key() {
        let text = "[\n {\"id\": \"a\",\n  \"name\": \"x\"},\n {\"id\": \"b\"}\n]";
        let (recs, problems) = json_records(text, true);
        assert!(problems.is_empty());
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].line, 2);
        assert_eq!(recs[0].field("name", 0).unwrap().1, 3);
        assert_eq!(recs[1].line, 4);
        assert_eq!(recs[1].field("id", 0).unwrap().1, 4);
    }

    #[test]
    fn nested_keys_and_string_braces_do_not_confuse_line_tracking() {
        let text =
            "{\n\"prior\": [{\"approach\": \"cbt\"}],\n\"note\": \"{[\\\"x\",\n\"id\": \"p1\"\n}";
        let (recs, _) = json_records(text, false);
        assert_eq!(recs[0].field("id", 0).unwrap().1, 4);
        assert_eq!(recs[0].field("note", 0).unwrap().1, 3);
    }

    #[test]
    fn scalar_array_item_is_reported_with_its_line_and_the_rest_still_read() {
        let text = "[\n{\"id\": \"a\"},\n42,\n{\"id\": \"b\"}\n]";
        let (recs, problems) = json_records(text, true);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(3));
        assert!(problems[0].message.contains("item 2 is not an object"));
        assert_eq!(recs.len(), 2);
    }

    #[test]
    fn invalid_json_names_the_line() {
        let (_, problems) = json_records("[\n{\"id\": }\n]", true);
        assert_eq!(problems[0].line, Some(2));
        assert!(
            problems[0].message.ends_with("(column 8)"),
            "{}",
            problems[0].message
        );
        assert!(!problems[0].message.contains("at line"));
    }

    /// The lines and trimmed cells of every CSV record, read a chunk of two at a time, with the
    /// structural problems.
    fn csv_records(text: &str, required: &[&str]) -> (Vec<(u64, Vec<String>)>, Vec<Problem>) {
        let mut records = Vec::new();
        let (_, problems) = csv_record_chunks(text, required, 2, |chunk| {
            assert!(chunk.len() <= 2);
            records.extend(chunk.iter().map(|r| {
                let cells = r.names().map(|(n, _)| r.field(n, 0).unwrap().0);
                let text = |c| scalar_text(c).unwrap().into_owned();
                (r.line, cells.map(text).collect())
            }));
        });
        (records, problems)
    }

    #[test]
    fn csv_reports_missing_columns_and_ragged_rows() {
        let (_, p) = csv_records("id,name\n1,a\n", &["id", "sessions"]);
        assert_eq!(
            p,
            vec![Problem::new(
                Some(1),
                Some("sessions"),
                "missing column (it is required)"
            )]
        );
        let (recs, p) = csv_records("id,name\n1,a\n2\n3,c\n", &["id"]);
        assert_eq!(recs.len(), 2);
        assert_eq!(p[0].line, Some(3));
        let (recs, p) = csv_records("id,name\r\n1,a\r\n2\r\n3,\"c\nd\"\r\n4,e\r\n", &["id"]);
        assert_eq!(p[0].line, Some(3), "CRLF line ends count once");
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 4, 6]);
        assert_eq!(recs[1].1, ["3", "c\nd"]);
    }

    #[test]
    fn unknown_field_suggests_the_closest_known_one() {
        let w = unknown_field_warnings(
            [("lanugages", 1), ("lanugages", 5), ("zzzzzzzz", 2)],
            &["languages", "id"],
        );
        assert_eq!(w.len(), 2);
        assert!(w[0].message.contains("did you mean 'languages'"));
        assert!(w[1].message.contains("known fields: languages, id"));
    }

    #[test]
    fn a_huge_unknown_field_name_is_quoted_cut() {
        let name = "é".repeat(100_000);
        let w = unknown_field_warnings([(name.as_str(), 1)], &["languages"]);
        let field = w[0].field.as_deref().unwrap();
        assert_eq!(field.len(), MAX_QUOTED_BYTES + '…'.len_utf8());
        assert!(field.ends_with('…') && name.starts_with(field.trim_end_matches('…')));
    }

    #[test]
    fn non_utf8_and_empty_files_are_problems() {
        assert_eq!(text_of(b"a\nb\xff").unwrap_err().line, Some(2));
        let p = text_of(b"id,name,city\n1,\"A, B\",Caf\xe9\n").unwrap_err();
        assert_eq!((p.line, p.field.as_deref()), (Some(2), Some("city")));
        assert_eq!(text_of(b"  \n").unwrap_err().message, "file is empty");
    }

    #[test]
    fn fields_reject_nan_and_out_of_range_numbers() {
        let columns = Columns::new(vec!["a".into(), "b".into(), "c".into()]);
        let row = csv::StringRecord::from(vec!["NaN", "123", " x; y "]);
        let rec = Record {
            line: 2,
            fields: RecordFields::Row(&columns, &row),
        };
        let mut problems = Vec::new();
        let mut f = Fields::new(&rec, &mut problems);
        assert_eq!(f.number("a", true, -90.0..=90.0), None);
        assert_eq!(f.number("b", true, -90.0..=90.0), None);
        assert_eq!(
            f.list::<String>("c", crate::limits::MAX_LIST_ITEMS),
            vec!["x".to_string(), "y".to_string()]
        );
        assert_eq!(f.text("missing", true), None);
        assert_eq!(problems.len(), 3);
        assert!(problems[0].message.contains("not a number"));
        assert!(problems[1].message.contains("outside -90 to 90"));
        assert_eq!(problems[2].field.as_deref(), Some("missing"));
    }
}
