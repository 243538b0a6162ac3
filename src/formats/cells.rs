//! CSV cells straight from JSON text: each field of a JSON object as the cell
//! [`super::write::csv_cells`] makes of it, without building the object's tree
//! (`serde_json::Value`) first, and many objects' cells in one [`CellTable`] (one text and its
//! offsets, not a `String` per cell). A history of a million person records is written from it
//! (`outcomes export`): the tree and the strings per cell were most of that export's time.

use std::fmt::Write as _;

use rustc_hash::FxHashMap;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::write::cell_text;

/// The cells of many JSON objects under the same `fields`, each object a row set by
/// [`CellTable::set_json`] (in any order) and read by [`CellTable::row`].
pub(crate) struct CellTable {
    fields: &'static [&'static str],
    /// Each field's place in `fields`.
    place: FxHashMap<&'static str, usize>,
    /// Every row's cells, one after another.
    text: String,
    /// Each row's start in `text`.
    starts: Vec<usize>,
    /// Each row's cell ends, from its start: `fields.len()` per row.
    ends: Vec<u32>,
    /// The cells of the object being read, one per field (kept to reuse their buffers).
    scratch: Vec<String>,
}

impl CellTable {
    /// A table of `rows` rows of `fields`, each empty until set.
    pub(crate) fn new(fields: &'static [&'static str], rows: usize) -> CellTable {
        CellTable {
            fields,
            place: fields.iter().enumerate().map(|(i, f)| (*f, i)).collect(),
            text: String::new(),
            starts: vec![0; rows],
            ends: vec![0; rows * fields.len()],
            scratch: vec![String::new(); fields.len()],
        }
    }

    /// Sets row `row` to the cells of the JSON object `json`, each field's cell as
    /// [`super::write::csv_cells`] makes it (a field it lacks is an empty cell), except the
    /// fields `given`, whose cells are the values given. A row set twice keeps the last.
    pub(crate) fn set_json(
        &mut self,
        row: usize,
        json: &str,
        given: &[(&str, &str)],
    ) -> serde_json::Result<()> {
        self.scratch.iter_mut().for_each(String::clear);
        let mut de = serde_json::Deserializer::from_str(json);
        Object {
            place: &self.place,
            cells: &mut self.scratch,
        }
        .deserialize(&mut de)?;
        de.end()?;
        for &(field, value) in given {
            if let Some(&i) = self.place.get(field) {
                value.clone_into(&mut self.scratch[i]);
            }
        }
        let start = self.text.len();
        self.starts[row] = start;
        let ends = &mut self.ends[row * self.fields.len()..(row + 1) * self.fields.len()];
        for (cell, end) in self.scratch.iter().zip(ends) {
            self.text.push_str(cell);
            *end = u32::try_from(self.text.len() - start).expect("a person record under 4 GB");
        }
        Ok(())
    }

    /// The cells of row `row`, in the order of the fields.
    pub(crate) fn row(&self, row: usize) -> impl Iterator<Item = &str> {
        let start = self.starts[row];
        let ends = &self.ends[row * self.fields.len()..(row + 1) * self.fields.len()];
        let text = &self.text[start..];
        let mut from = 0;
        ends.iter().map(move |&end| {
            let cell = &text[from..end as usize];
            from = end as usize;
            cell
        })
    }
}

/// A top-level JSON object read into one cell per known field.
struct Object<'a> {
    place: &'a FxHashMap<&'static str, usize>,
    cells: &'a mut [String],
}

impl<'de> DeserializeSeed<'de> for Object<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(place) = map.next_key_seed(Key(self.place))? {
            match place {
                Some(i) => {
                    // A repeated key keeps its last value, as `serde_json::Value` does.
                    self.cells[i].clear();
                    map.next_value_seed(Cell(&mut self.cells[i]))?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An object's key, as its field's place (`None`: not a field of the table).
struct Key<'a>(&'a FxHashMap<&'static str, usize>);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.get(key).copied())
    }
}

/// One value appended to a cell as [`cell_text`] writes it: a list's items joined by `;`. An
/// object inside a value (rare) is read into a `serde_json::Value` and written by `cell_text`
/// itself, so its key order is the one `cell_text` sees.
struct Cell<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for Cell<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cell<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As `serde_json::Value` writes the number it holds (a non-finite one is null).
        if let Some(n) = serde_json::Number::from_f64(v) {
            let _ = write!(self.0, "{n}");
        }
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut first = true;
        loop {
            let mark = self.0.len();
            if !first {
                self.0.push(';');
            }
            if seq.next_element_seed(Cell(&mut *self.0))?.is_none() {
                self.0.truncate(mark);
                return Ok(());
            }
            first = false;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value =
            serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        self.0.push_str(&cell_text(&value));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::write::csv_cells;

    const FIELDS: &[&str] = &["id", "n", "x", "ok", "list", "nested", "none", "missing"];

    fn cells(json: &str, given: &[(&str, &str)]) -> Vec<String> {
        let mut table = CellTable::new(FIELDS, 2);
        table.set_json(1, "{\"id\": \"other\"}", &[]).unwrap();
        table.set_json(0, json, given).unwrap();
        table.row(0).map(str::to_string).collect()
    }

    #[test]
    fn cells_from_text_are_the_cells_of_the_json_tree() {
        for json in [
            r#"{"id": "a,\"b\"\u00e9", "n": -3, "x": 2.50, "ok": true, "list": ["m", "n", 7],
                "nested": [{"b": 1, "a": [2, null]}, [3, 4], {}], "none": null, "extra": {"q": 1}}"#,
            r#"{"x": 1e300, "n": 18446744073709551615, "list": [], "id": "", "x": 0.1}"#,
            r#"{"list": [[], [null, null], ""], "ok": false, "nested": {"z": "1", "y": [1, 2]}}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(cells(json, &[]), csv_cells(&value, FIELDS), "{json}");
        }
    }

    #[test]
    fn a_given_cell_replaces_the_field_and_rows_set_out_of_order_keep_their_own() {
        let mut table = CellTable::new(FIELDS, 2);
        table.set_json(1, r#"{"id": "p1", "n": 1}"#, &[]).unwrap();
        table
            .set_json(0, r#"{"id": "p1", "n": 2}"#, &[("id", "p1~2")])
            .unwrap();
        let row = |i| table.row(i).take(2).collect::<Vec<_>>();
        assert_eq!(row(0), ["p1~2", "2"]);
        assert_eq!(row(1), ["p1", "1"]);
    }

    #[test]
    fn text_that_is_not_an_object_is_an_error() {
        let mut table = CellTable::new(FIELDS, 1);
        for bad in ["[1]", "{\"id\": 1", "{} x", "\"id\""] {
            assert!(table.set_json(0, bad, &[]).is_err(), "{bad}");
        }
    }
}
