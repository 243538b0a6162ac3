//! Placement histories (`history.csv`) and the design matrix built from them.
//!
//! A history row is one past placement: the person's fields (their `id` is the person's id), the
//! `group_id` they were placed in, `placed_on`, the outcome `engaged_90d` (0/1), how the person
//! was referred (`referral_type`: `list` or `warm_handoff`, the model's `warm_handoff` feature;
//! `list` when empty or absent) and, in simulations, `true_probability` (never used as a
//! feature). Every row is checked; all problems
//! are reported with line and field. The design matrix holds exactly the features `rank` scores
//! with, computed as of the placement date (noon UTC), so training and ranking agree.
//!
//! The file's layout ([`HISTORY_EXTRA_FIELDS`]) and its writer ([`write_history`]) live here with
//! the reader, so the simulator, which writes histories, and `train`, which reads them, share one
//! description of the file.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use ndarray::{Array1, Array2};
use rayon::prelude::*;

use crate::domain::check::parse_date;
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::ReferralType;
use crate::engagement::model::{sigmoid, EngagementModel, Provenance};
use crate::error::{Problem, Result};
use crate::features::{self, Feature, FeatureVector, N_FEATURES};
use crate::formats::cells::CellTable;
use crate::formats::people::{person_from_fields, PERSON_FIELDS, PERSON_REQUIRED};
use crate::formats::record::{
    csv_record_chunks, first_seen, unknown_field_warnings, Fields, Record,
};
use crate::formats::write::{csv_header, write_atomic};
use crate::formats::{read_bytes, Loaded};
use crate::pair::Pair;

/// History columns besides the person's fields (the person's `id` is its `id` column). In the
/// file `placement_id` comes first, then the person's fields, then the rest in this order.
pub const HISTORY_EXTRA_FIELDS: [&str; 6] = [
    "placement_id",
    "group_id",
    "placed_on",
    "engaged_90d",
    "referral_type",
    "true_probability",
];

/// The instant a placement made on `date` is judged at (time-zone offsets, schedule fit): noon UTC.
pub fn placement_instant(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(12, 0, 0).expect("noon exists").and_utc()
}

/// One past placement.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// Unique placement id.
    pub placement_id: String,
    /// Index into [`History::people`].
    pub person: usize,
    /// Index into the directory's groups.
    pub group: usize,
    /// The date of the placement.
    pub placed_on: NaiveDate,
    /// How the person was referred (`list` when the column is empty or absent): the model's
    /// `warm_handoff` feature.
    pub referral: ReferralType,
    /// Still attending at 90 days.
    pub engaged_90d: bool,
    /// The true probability, in simulated histories.
    pub true_probability: Option<f64>,
}

/// A placement history: the distinct people and the rows, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Each person once, in order of first appearance.
    pub people: Vec<Person>,
    /// The placements, in file order.
    pub rows: Vec<HistoryRow>,
}

impl History {
    /// What the history says it is: a [simulation](Provenance::Simulation) when any row carries
    /// a `true_probability` (only `groupmatch simulate` knows one; real outcomes never do), else
    /// [local outcomes](Provenance::LocalOutcomes).
    pub fn provenance(&self) -> Provenance {
        if self.rows.iter().any(|r| r.true_probability.is_some()) {
            Provenance::Simulation
        } else {
            Provenance::LocalOutcomes
        }
    }
}

/// Reads a history CSV against the directory `groups` (every `group_id` must be in it).
pub fn read_history(path: &Path, groups: &[Group]) -> Result<Loaded<History>> {
    let bytes = read_bytes(path, crate::limits::MAX_DATA_FILE_BYTES)?;
    parse_history(&bytes, groups, &path.display().to_string())
}

/// Parses a history CSV's contents; `label` names it in messages.
pub fn parse_history(bytes: &[u8], groups: &[Group], label: &str) -> Result<Loaded<History>> {
    let required: Vec<&str> = [PERSON_REQUIRED, &HISTORY_EXTRA_FIELDS[..4]].concat();
    let known: Vec<&str> = [PERSON_FIELDS, &HISTORY_EXTRA_FIELDS[..]].concat();
    let text = match crate::formats::record::text_of(bytes) {
        Ok(t) => t,
        Err(p) => return Loaded::finish(None, vec![p], Vec::new(), label),
    };
    let group_index: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut reader = HistoryReader::default();
    let (headers, structural) = csv_record_chunks(text, &required, HISTORY_CHUNK_ROWS, |records| {
        reader.add(records, &group_index);
    });
    let warnings = unknown_field_warnings(headers.iter().map(|h| (h.as_str(), 1)), &known);
    let HistoryReader {
        people,
        rows,
        mut problems,
        ..
    } = reader;
    problems.extend(structural);
    if problems.is_empty() && rows.is_empty() {
        problems.push(Problem::new(None, None, "no placements in the file"));
    }
    Loaded::finish(Some(History { people, rows }), problems, warnings, label)
}

/// Raw rows parsed at a time: bounds the memory of reading a large history.
const HISTORY_CHUNK_ROWS: usize = 65_536;

/// One parsed row before it is joined to the others.
type ParsedRow = (
    Option<(Person, usize, NaiveDate, ReferralType, bool, Option<f64>)>,
    Vec<Problem>,
);

/// The state of reading a history chunk by chunk.
#[derive(Default)]
struct HistoryReader {
    people: Vec<Person>,
    person_index: HashMap<String, (usize, u64)>,
    placement_lines: HashMap<String, u64>,
    rows: Vec<HistoryRow>,
    problems: Vec<Problem>,
}

impl HistoryReader {
    /// Parses a chunk of records in parallel, then joins them in file order: people are
    /// deduplicated and placement ids checked across chunks.
    fn add(&mut self, records: &[Record], group_index: &HashMap<&str, usize>) {
        let parsed: Vec<ParsedRow> = records
            .par_iter()
            .map(|record| parse_row(record, group_index))
            .collect();
        for (record, (row, row_problems)) in records.iter().zip(parsed) {
            self.problems.extend(row_problems);
            let mut f = Fields::new(record, &mut self.problems);
            let Some(placement_id) = f.id("placement_id") else {
                continue;
            };
            let fresh = first_seen(record, "placement_id", &mut self.placement_lines, &mut f);
            let Some((person, group, placed_on, referral, engaged_90d, true_probability)) = row
            else {
                continue;
            };
            let index = match self.person_index.get(&person.id) {
                Some((i, first_line)) => {
                    if self.people[*i] != person {
                        let msg = format!(
                            "person '{}' has other fields than on line {first_line}",
                            person.id
                        );
                        f.problem("id", msg);
                        continue;
                    }
                    *i
                }
                None => {
                    let i = self.people.len();
                    self.person_index
                        .insert(person.id.clone(), (i, record.line));
                    self.people.push(person);
                    i
                }
            };
            if fresh {
                self.rows.push(HistoryRow {
                    placement_id,
                    person: index,
                    group,
                    placed_on,
                    referral,
                    engaged_90d,
                    true_probability,
                });
            }
        }
    }
}

/// Parses one history record: the person, the group, the date, the label and the truth.
fn parse_row(record: &Record, group_index: &HashMap<&str, usize>) -> ParsedRow {
    let mut problems = Vec::new();
    let mut f = Fields::new(record, &mut problems);
    // A history repeats a person on every placement: zone warnings belong to the person and
    // waitlist files, and are not repeated here (a zone that contradicts the coordinates is still
    // refused).
    let person = person_from_fields(&mut f, &mut Vec::new());
    let group = f
        .id("group_id")
        .and_then(|id| match group_index.get(id.as_str()) {
            Some(i) => Some(*i),
            None => {
                f.problem(
                    "group_id",
                    format!("unknown group '{id}' (not in the directory)"),
                );
                None
            }
        });
    let placed_on = f.parse_with("placed_on", true, parse_date);
    let referral = f
        .parse("referral_type", false)
        .unwrap_or(ReferralType::List);
    let engaged = f.parse_with("engaged_90d", true, |s| match s {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(format!("'{s}' is not 0 or 1")),
    });
    let truth = f.number("true_probability", false, 0.0..=1.0);
    let row = match (person, group, placed_on, engaged) {
        (Some(p), Some(g), Some(d), Some(e)) => Some((p, g, d, referral, e, truth)),
        _ => None,
    };
    (row, problems)
}

/// The feature matrix and labels of a history, one row per placement, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignMatrix {
    /// Features, `rows x N_FEATURES`, in schema order.
    pub x: Array2<f64>,
    /// Outcomes.
    pub y: Array1<bool>,
}

impl DesignMatrix {
    /// Row `i` as a feature vector.
    pub fn row(&self, i: usize) -> FeatureVector {
        let mut v = [0.0; N_FEATURES];
        for (t, x) in v.iter_mut().zip(self.x.row(i)) {
            *t = *x;
        }
        v
    }
}

/// Builds the design matrix of `history` against its directory `groups` (in parallel).
pub fn design_matrix(history: &History, groups: &[Group]) -> DesignMatrix {
    let rows: Vec<FeatureVector> = history
        .rows
        .par_iter()
        .map(|row| pair_features(history, groups, row))
        .collect();
    let mut x = Array2::zeros((rows.len(), N_FEATURES));
    for (mut target, row) in x.outer_iter_mut().zip(&rows) {
        target.assign(&ndarray::ArrayView1::from(row));
    }
    let y = history.rows.iter().map(|r| r.engaged_90d).collect();
    DesignMatrix { x, y }
}

fn pair_features(history: &History, groups: &[Group], row: &HistoryRow) -> FeatureVector {
    let person = &history.people[row.person];
    let group = &groups[row.group];
    let mut x = features::compute(&Pair::at(person, group, placement_instant(row.placed_on)));
    if row.referral == ReferralType::WarmHandoff {
        x[Feature::WarmHandoff as usize] = 1.0;
    }
    x
}

/// The model's probability for every history row, in file order (eligibility is not applied).
pub fn score_history(history: &History, groups: &[Group], model: &EngagementModel) -> Vec<f64> {
    history
        .rows
        .par_iter()
        .map(|row| sigmoid(model.logit(&pair_features(history, groups, row))))
        .collect()
}

/// Writes a history CSV (atomically) that [`read_history`] reads back: `rows` index `people` and
/// the directory `groups`. A row without a true probability leaves that cell empty.
pub fn write_history(
    path: &Path,
    people: &[Person],
    groups: &[Group],
    rows: &[HistoryRow],
) -> Result<()> {
    write_atomic(path, |w| {
        history_header(&mut *w)?;
        history_rows(w, people, groups, rows)
    })
}

/// Writes the header line of a history CSV: `placement_id`, the person's fields, then the rest of
/// [`HISTORY_EXTRA_FIELDS`].
pub fn history_header(w: impl Write) -> std::io::Result<()> {
    let header: Vec<&str> = std::iter::once(HISTORY_EXTRA_FIELDS[0])
        .chain(PERSON_FIELDS.iter().copied())
        .chain(HISTORY_EXTRA_FIELDS[1..].iter().copied())
        .collect();
    csv_header(w, &header)
}

/// Writes history rows under [`history_header`] (as [`write_history`] does), for a file written in
/// parts: `rows` index `people` and the directory `groups`.
pub fn history_rows(
    w: impl Write,
    people: &[Person],
    groups: &[Group],
    rows: &[HistoryRow],
) -> std::io::Result<()> {
    // Each person's cells are made once, from the JSON the person serialises to, by the same
    // reader the referrals store's export uses.
    let mut cells = person_cells(people.len());
    for (i, p) in people.iter().enumerate() {
        let json = serde_json::to_string(p).map_err(std::io::Error::other)?;
        cells
            .set_json(i, &json, &[])
            .map_err(std::io::Error::other)?;
    }
    rows_of_cells(w, &cells, groups, rows)
}

/// A table of `people` persons' cells in a history row, in the order of [`history_header`]'s
/// person columns, each set from a person's JSON (the object a person file holds).
pub(crate) fn person_cells(people: usize) -> CellTable {
    CellTable::new(PERSON_FIELDS, people)
}

/// Writes a history CSV (atomically) as [`write_history`] does, from each person's cells
/// ([`person_cells`]), for a writer that has people as JSON already (the referrals store) and
/// need not read them into [`Person`]s.
#[cfg(feature = "store")]
pub(crate) fn write_history_cells(
    path: &Path,
    person_cells: &CellTable,
    groups: &[Group],
    rows: &[HistoryRow],
) -> Result<()> {
    write_atomic(path, |w| {
        history_header(&mut *w)?;
        rows_of_cells(w, person_cells, groups, rows)
    })
}

/// History rows from each person's cells: each row's cells borrowed, none copied.
fn rows_of_cells(
    w: impl Write,
    person_cells: &CellTable,
    groups: &[Group],
    rows: &[HistoryRow],
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut csv = csv::Writer::from_writer(w);
    let (mut placed, mut p) = (String::new(), String::new());
    for h in rows {
        placed.clear();
        let _ = write!(placed, "{}", h.placed_on);
        p.clear();
        if let Some(x) = h.true_probability {
            let _ = write!(p, "{x}");
        }
        let rest = [
            groups[h.group].id.as_str(),
            &placed,
            if h.engaged_90d { "1" } else { "0" },
            h.referral.as_str(),
            &p,
        ];
        csv.write_record(
            std::iter::once(h.placement_id.as_str())
                .chain(person_cells.row(h.person))
                .chain(rest),
        )
        .map_err(std::io::Error::other)?;
    }
    csv.flush()
}

/// Whether a person is in the holdout: a stable hash of their id and the seed, below `fraction`.
/// The split is by person, so no one is in both the training and the holdout rows.
pub fn in_holdout(person_id: &str, seed: u64, fraction: f64) -> bool {
    // FNV-1a, then a SplitMix64 finaliser: stable across platforms and Rust versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in person_id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    ((h >> 11) as f64 / (1u64 << 53) as f64) < fraction
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::group;
    use crate::Error;

    fn groups() -> Vec<Group> {
        vec![group("g1"), group("g2")]
    }

    const HEADER: &str = "placement_id,id,stage,approach_preference,format_preference,availability,timezone,group_id,placed_on,engaged_90d\n";

    fn row(placement: &str, person: &str, group: &str, engaged: &str) -> String {
        format!("{placement},{person},early,secular,either,Mon 18:00-22:00,America/New_York,{group},2026-03-02,{engaged}\n")
    }

    fn problems(text: &str) -> Vec<(u64, String)> {
        match parse_history(text.as_bytes(), &groups(), "h.csv") {
            Err(Error::Invalid { problems, .. }) => crate::testutil::lines_and_fields(&problems),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn reads_rows_and_dedupes_people() {
        let text = format!(
            "{HEADER}{}{}{}",
            row("x1", "p1", "g1", "1"),
            row("x2", "p1", "g2", "0"),
            row("x3", "p2", "g1", "0")
        );
        let h = parse_history(text.as_bytes(), &groups(), "h.csv")
            .unwrap()
            .value;
        assert_eq!(h.people.len(), 2);
        assert_eq!(h.rows.len(), 3);
        assert_eq!(
            (h.rows[1].person, h.rows[1].group, h.rows[1].engaged_90d),
            (0, 1, false)
        );
        let d = design_matrix(&h, &groups());
        assert_eq!(d.x.dim(), (3, N_FEATURES));
        assert_eq!(d.y.to_vec(), [true, false, false]);
    }

    #[test]
    fn bad_rows_are_each_reported() {
        let text = format!(
            "{HEADER}{}{}{}{}",
            row("x1", "p1", "g1", "1"),
            row("x1", "p2", "g1", "0"),
            row("x3", "p3", "nope", "yes"),
            row("x4", "p4", "g1", "")
        );
        assert_eq!(
            problems(&text),
            [
                (3, "placement_id".to_string()),
                (4, "group_id".to_string()),
                (4, "engaged_90d".to_string()),
                (5, "engaged_90d".to_string()),
            ]
        );
    }

    #[test]
    fn placement_and_group_ids_follow_the_id_rules() {
        let long = "g".repeat(crate::limits::MAX_ID_BYTES + 1);
        let text = format!(
            "{HEADER}{}{}{}",
            row("x 1", "p1", "g1", "1"),
            row("x2", "p2", &long, "0"),
            row("x3", "p3", "g2", "0")
        );
        assert_eq!(
            problems(&text),
            [(2, "placement_id".to_string()), (3, "group_id".to_string())]
        );
    }

    #[test]
    fn a_person_with_changing_fields_is_an_error() {
        let text = format!(
            "{HEADER}{}{}",
            row("x1", "p1", "g1", "1"),
            row("x2", "p1", "g1", "0").replace("secular", "spiritual")
        );
        assert_eq!(problems(&text), [(3, "id".to_string())]);
    }

    #[test]
    fn missing_label_column_is_reported() {
        let text = HEADER.replace(",engaged_90d", "")
            + "x1,p1,early,secular,either,Mon 18:00-22:00,UTC,g1,2026-03-02\n";
        assert_eq!(problems(&text), [(1, "engaged_90d".to_string())]);
    }

    #[test]
    fn a_written_history_reads_back_as_it_was() {
        let sim = crate::simulate::simulate(&crate::simulate::SimulationParams::new(5, 40, 12, 80))
            .unwrap();
        let mut history = sim.to_history();
        history.rows[0].true_probability = None;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.csv");
        write_history(&path, &history.people, &sim.groups, &history.rows).unwrap();
        let back = read_history(&path, &sim.groups).unwrap();
        assert!(back.warnings.is_empty());
        // People without placements are not in the file, so compare people, not their indices.
        let rows = |h: &History| -> Vec<(Person, HistoryRow)> {
            h.rows
                .iter()
                .map(|r| {
                    (
                        h.people[r.person].clone(),
                        HistoryRow {
                            person: 0,
                            ..r.clone()
                        },
                    )
                })
                .collect()
        };
        assert_eq!(rows(&back.value), rows(&history));
    }

    #[test]
    fn holdout_split_is_stable_and_near_the_fraction() {
        let ids: Vec<String> = (0..20_000).map(|i| format!("p{i}")).collect();
        let share =
            ids.iter().filter(|id| in_holdout(id, 7, 0.2)).count() as f64 / ids.len() as f64;
        assert!((share - 0.2).abs() < 0.01, "{share}");
        assert_eq!(in_holdout("p1", 7, 0.2), in_holdout("p1", 7, 0.2));
        let moved = ids
            .iter()
            .filter(|id| in_holdout(id, 7, 0.2) != in_holdout(id, 8, 0.2))
            .count();
        assert!(moved > 1000, "another seed gives another split");
    }
}
