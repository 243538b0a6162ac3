//! One directory from several (`groupmatch directory merge`): each input directory has a name,
//! which becomes its groups' `source` and the prefix of their ids (`NAME:ID`), so ids stay unique
//! and stable; the same meeting listed by two directories (a similar name, within
//! [`DUPLICATE_METRES`] or at one joining link, the same sessions) is kept once, filled in from
//! the other listing; and listings their source has not updated for a while are flagged as stale.
//! The rules, and why they are these, are in `docs/formats.md`, "Merging directories".
//!
//! Likely duplicates are looked for only among groups with the same sessions and, for rooms, in
//! the same cell of a grid of [`DUPLICATE_METRES`] cubes (of the unit sphere scaled to the earth,
//! so it has no seam at the poles or the antimeridian) or a neighbouring one: a merge of three
//! directories of 10,000 groups compares a handful of pairs per group, never every pair.

use std::cmp::Reverse;
use std::hash::{Hash, Hasher};
use std::path::Path;

use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;

use crate::domain::check::id_problem;
use crate::domain::geo::EARTH_RADIUS_KM;
use crate::domain::group::Group;
use crate::domain::recurrence::Session;
use crate::domain::vocab::{Format, MedicationStance, Origin};
use crate::error::{Error, Problem, Result};
use crate::text::fold;

/// How many days after its last update a listing is stale, unless the caller says otherwise
/// ([`MergeOptions::stale_after_days`]): a year, the span after which Meeting Guide apps and
/// 211 data standards ask for a listing to be checked again.
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 365;

/// The farthest apart, in metres, two listings of the same meeting may be placed: about a
/// building, enough for two geocoders' points for one address.
pub const DUPLICATE_METRES: f64 = 100.0;

/// The least Sørensen-Dice similarity (of the character pairs of the two folded names, 0 to 1)
/// for two names to be those of one meeting, when neither contains the other.
pub const NAME_SIMILARITY: f64 = 0.8;

/// Between a directory's name and a group's id in the merged id (`aa:805`).
pub const ID_SEPARATOR: char = ':';

/// One directory to merge: its groups and the name they will carry.
#[derive(Debug, Clone)]
pub struct MergeInput {
    /// The directory's name: its groups' `source` and the prefix of their ids. Letters, digits,
    /// `-`, `_` and `.` ([`name_problem`]); [`default_name`] makes one from a file name.
    pub name: String,
    /// How messages name the directory (its file).
    pub label: String,
    /// Its groups, as read.
    pub groups: Vec<Group>,
}

/// How a merge judges listings' age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeOptions {
    /// The day ages are counted to (today, or a fixed day for reproducible output).
    pub today: NaiveDate,
    /// A listing updated more than this many days before `today` is stale (one updated exactly
    /// this many days before is not).
    pub stale_after_days: u32,
}

impl MergeOptions {
    /// Ages counted to `today`, stale after [`DEFAULT_STALE_AFTER_DAYS`].
    ///
    /// ```
    /// use groupmatch::directory::merge::{MergeOptions, DEFAULT_STALE_AFTER_DAYS};
    /// let options = MergeOptions::new("2026-11-26".parse().unwrap());
    /// assert_eq!(options.stale_after_days, DEFAULT_STALE_AFTER_DAYS);
    /// ```
    pub fn new(today: NaiveDate) -> MergeOptions {
        MergeOptions {
            today,
            stale_after_days: DEFAULT_STALE_AFTER_DAYS,
        }
    }
}

/// The merged directory and what was done to make it.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The groups: every input's in input order, then file order, without the duplicates merged
    /// into another listing.
    pub groups: Vec<Group>,
    /// What was read, merged and flagged.
    pub report: MergeReport,
}

/// What a merge read, merged and flagged: everything `directory merge --report` writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeReport {
    /// Each input, in order.
    pub inputs: Vec<InputReport>,
    /// Every pair of listings merged into one, by the kept group's place in the output.
    pub duplicates: Vec<Duplicate>,
    /// The day ages were counted to.
    pub today: NaiveDate,
    /// The age, in days since the last update, past which a listing is stale.
    pub stale_after_days: u32,
    /// The stale listings of the merged directory (kept in it), in its order.
    pub stale: Vec<StaleListing>,
    /// Groups of the merged directory whose source gives no update day.
    pub undated: usize,
    /// Groups in the merged directory.
    pub groups: usize,
}

/// What a merge did with one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputReport {
    /// Its name.
    pub name: String,
    /// Its label (file).
    pub file: String,
    /// Its groups.
    pub read: usize,
    /// Its groups in the merged directory.
    pub kept: usize,
    /// Its groups merged into another directory's listing of the same meeting.
    pub merged: usize,
}

/// Two listings of one meeting, merged: which was kept and why they were taken for one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    /// The id of the listing kept (the most recently updated).
    pub kept: String,
    /// The id of the listing merged into it (not in the output).
    pub dropped: String,
    /// How the names matched.
    pub names: NameMatch,
    /// The Sørensen-Dice similarity of the folded names, 0 to 1 (three decimals).
    pub name_similarity: f64,
    /// Where both meet.
    pub place: Place,
    /// How far apart the two rooms are placed, in metres (one decimal); `None` online.
    pub metres: Option<f64>,
    /// The fields of the kept listing filled in from the dropped one.
    pub filled: Vec<&'static str>,
}

/// How two names were found alike, once folded (lower case, accents and punctuation dropped:
/// `St. Mark's` is `saint marks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameMatch {
    /// The same name.
    Same,
    /// One name is the other with words added (`Step Sisters` and `Step Sisters Group`).
    Contains,
    /// Similar names ([`NAME_SIMILARITY`] or more).
    Similar,
}

/// A listing not updated for longer than the merge's `stale_after_days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleListing {
    /// The group's id in the merged directory.
    pub id: String,
    /// Its source.
    pub source: Option<String>,
    /// The day it was last updated.
    pub updated: NaiveDate,
    /// Days from then to the merge's `today`.
    pub days: i64,
}

/// The name a directory gets from its file when none is given: the file's stem in lower case,
/// each character other than a letter, digit, `-`, `_` or `.` made a `-`.
///
/// ```
/// use groupmatch::directory::merge::default_name;
/// assert_eq!(default_name("target/Berlin NA.csv".as_ref()), "berlin-na");
/// ```
pub fn default_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    stem.chars()
        .map(|c| {
            if name_char(c) {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Whether `c` may be in a directory's name.
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Why `name` cannot name a directory, if it cannot: it is empty, or has a character other than
/// an ASCII letter, digit, `-`, `_` or `.` (an id's prefix stays plain, and never holds the
/// [`ID_SEPARATOR`]).
///
/// ```
/// use groupmatch::directory::merge::name_problem;
/// assert!(name_problem("aa-2026").is_none());
/// assert!(name_problem("a:b").is_some());
/// ```
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a directory's name is empty (give one: NAME=PATH)".into());
    }
    let bad = name.chars().find(|c| !name_char(*c))?;
    Some(format!(
        "'{name}' has '{bad}'; a directory's name has only letters, digits, '-', '_' and '.'"
    ))
}

/// Merges directories into one (see the [module](self) and `docs/formats.md`, "Merging
/// directories"):
///
/// - every group without a `source` takes its directory's name as its source and the id
///   `NAME:ID`; a group with a source (from an earlier merge) keeps its id and source, so a
///   merged directory merged again with a new feed is not prefixed twice;
/// - two groups of different sources are one meeting when their folded names are the same, one
///   contains the other, or are [`NAME_SIMILARITY`] alike, they meet in the same [`Place`]
///   (rooms at most [`DUPLICATE_METRES`] apart, or online at one joining link), and they have
///   the same sessions in the same time zone. A group is merged with at most one group of each
///   other source (the most alike pair first);
///   the listing updated most recently is kept (an undated one counts as oldest; a tie, the one
///   of the earlier input), and fields it lacks are filled in from the others;
/// - listings updated more than [`MergeOptions::stale_after_days`] before
///   [`MergeOptions::today`] are listed as stale (and kept).
///
/// The result depends only on the inputs and options: the same inputs give the same groups in
/// the same order.
///
/// # Errors
///
/// [`Error::Invalid`], naming the input, when a name is not a name ([`name_problem`]), two
/// inputs have the same name, a name an input gives its groups is the source of groups of an
/// earlier merge, a prefixed id is not an id (too long: [`crate::MAX_ID_BYTES`]), or two groups
/// end with the same id.
///
/// ```
/// use groupmatch::directory::merge::{merge_directories, MergeInput, MergeOptions};
/// use groupmatch::{parse_groups, Syntax};
/// let csv = "id,name,approach,format,sessions,timezone,latitude,longitude,updated\n\
///            g1,Step Sisters,twelve_step,in_person,Mon 19:00-20:00,America/New_York,39.95,-75.16,2026-01-05\n";
/// let groups = parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv").unwrap().value;
/// let input = |name: &str| MergeInput {
///     name: name.into(),
///     label: format!("{name}.csv"),
///     groups: groups.clone(),
/// };
/// let options = MergeOptions::new("2026-11-26".parse().unwrap());
/// let merged = merge_directories(vec![input("aa"), input("intergroup")], &options).unwrap();
/// assert_eq!(merged.groups.len(), 1);
/// assert_eq!(merged.groups[0].id, "aa:g1");
/// assert_eq!(merged.report.duplicates[0].dropped, "intergroup:g1");
/// ```
pub fn merge_directories(inputs: Vec<MergeInput>, options: &MergeOptions) -> Result<Merged> {
    check_names(&inputs)?;
    let mut report_inputs = Vec::with_capacity(inputs.len());
    let mut groups = Vec::new();
    // Each group's input, by its place in `groups`.
    let mut input_of = Vec::new();
    for (k, input) in inputs.into_iter().enumerate() {
        let (mut problems, start) = (Vec::new(), groups.len());
        for mut g in input.groups {
            if g.listing.source.is_none() {
                let id = format!("{}{ID_SEPARATOR}{}", input.name, g.id);
                if let Some(m) = id_problem(&id) {
                    problems.push(Problem::new(
                        None,
                        Some("id"),
                        format!(
                            "'{}' with the prefix '{}{ID_SEPARATOR}' is {m} (give the directory a shorter name: NAME=PATH)",
                            g.id, input.name
                        ),
                    ));
                }
                g.id = id;
                g.listing.source = Some(input.name.clone());
            }
            groups.push(g);
            input_of.push(k);
        }
        if !problems.is_empty() {
            return Err(invalid(&input.label, problems));
        }
        report_inputs.push(InputReport {
            name: input.name,
            file: input.label,
            read: groups.len() - start,
            kept: 0,
            merged: 0,
        });
    }
    check_ids(&groups, &input_of, &report_inputs)?;

    // Who merges into whom, and why, decided on the groups as read; then filled in.
    let merges: Vec<(usize, usize, Likeness)> = {
        let compared = Compared::new(&groups);
        let mut merges = Vec::new();
        for members in compared.clusters(compared.likely_duplicates()) {
            let kept = *members
                .iter()
                .max_by_key(|&&i| (groups[i].listing.updated, Reverse(i)))
                .expect("a cluster has members");
            let mut others: Vec<usize> = members.into_iter().filter(|&i| i != kept).collect();
            others.sort_by_key(|&i| (Reverse(groups[i].listing.updated), i));
            for other in others {
                let likeness = compared
                    .alike(kept, other)
                    .expect("the groups of a cluster are alike two by two");
                merges.push((kept, other, likeness));
            }
        }
        merges
    };
    let mut dropped = vec![false; groups.len()];
    let mut duplicates = Vec::with_capacity(merges.len());
    for (kept, other, likeness) in merges {
        let from = groups[other].clone();
        let filled = fill(&mut groups[kept], &from);
        duplicates.push(Duplicate {
            kept: groups[kept].id.clone(),
            dropped: from.id,
            names: likeness.names,
            name_similarity: round(likeness.similarity, 1000.0),
            place: likeness.place,
            metres: likeness.metres.map(|m| round(m, 10.0)),
            filled,
        });
        dropped[other] = true;
        report_inputs[input_of[other]].merged += 1;
    }

    let mut merged = Vec::with_capacity(groups.len());
    for (i, g) in groups.into_iter().enumerate() {
        if !dropped[i] {
            report_inputs[input_of[i]].kept += 1;
            merged.push(g);
        }
    }
    let position: FxHashMap<&str, usize> = merged
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    duplicates.sort_by_key(|d| (position[d.kept.as_str()], d.dropped.clone()));
    let (stale, undated) = stale_listings(&merged, options);
    let report = MergeReport {
        inputs: report_inputs,
        duplicates,
        today: options.today,
        stale_after_days: options.stale_after_days,
        stale,
        undated,
        groups: merged.len(),
    };
    Ok(Merged {
        groups: merged,
        report,
    })
}

fn invalid(label: &str, problems: Vec<Problem>) -> Error {
    Error::Invalid {
        path: label.to_string(),
        problems,
        warnings: Vec::new(),
    }
}

/// Every input's name is a name, no two inputs share one, and no input gives its groups a name
/// that is already the source of groups of an earlier merge (their listings would be taken for
/// one directory's, and never merged).
fn check_names(inputs: &[MergeInput]) -> Result<()> {
    let name_error = |input: &MergeInput, message: String| {
        invalid(
            &input.label,
            vec![Problem::new(None, Some("name"), message)],
        )
    };
    let mut seen: FxHashMap<&str, &str> = FxHashMap::default();
    for input in inputs {
        if let Some(m) = name_problem(&input.name) {
            return Err(name_error(input, m));
        }
        if let Some(first) = seen.insert(&input.name, &input.label) {
            return Err(name_error(
                input,
                format!(
                    "'{}' is already the name of {first}; give each directory its own name (NAME=PATH)",
                    input.name
                ),
            ));
        }
    }
    for input in inputs {
        if !input.groups.iter().any(|g| g.listing.source.is_none()) {
            continue;
        }
        let holder = inputs.iter().find_map(|other| {
            other
                .groups
                .iter()
                .find(|g| g.listing.source.as_deref() == Some(input.name.as_str()))
                .map(|g| (other, g))
        });
        if let Some((other, g)) = holder {
            return Err(name_error(
                input,
                format!(
                    "'{}' is already the source of {} (group '{}', from an earlier merge); give this directory another name (NAME=PATH)",
                    input.name, other.label, g.id
                ),
            ));
        }
    }
    Ok(())
}

/// No two groups of the merged directory have one id (groups from an earlier merge keep theirs,
/// which a new input's prefixed ids may repeat).
fn check_ids(groups: &[Group], input_of: &[usize], inputs: &[InputReport]) -> Result<()> {
    let mut first: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, g) in groups.iter().enumerate() {
        if let Some(&earlier) = first.get(g.id.as_str()) {
            let (a, b) = (&inputs[input_of[earlier]], &inputs[input_of[i]]);
            return Err(invalid(
                &b.file,
                vec![Problem::new(
                    None,
                    Some("id"),
                    format!(
                        "'{}' is also the id of a group of {} (a directory merged twice, or under a name an earlier merge gave another): give it another name (NAME=PATH)",
                        g.id, a.file
                    ),
                )],
            ));
        }
        first.insert(&g.id, i);
    }
    Ok(())
}

/// Why two groups were taken for one meeting.
#[derive(Debug, Clone, Copy)]
struct Likeness {
    names: NameMatch,
    similarity: f64,
    place: Place,
    metres: Option<f64>,
}

/// Two groups found alike: their places in the directory (`a` before `b`) and why.
#[derive(Debug, Clone, Copy)]
struct Pair {
    a: usize,
    b: usize,
    likeness: Likeness,
}

/// The edge of a grid cell in km: a pair within [`DUPLICATE_METRES`] is never more than one
/// cell apart on any axis (the straight line between two points is never longer than the way
/// round the earth).
const CELL_KM: f64 = DUPLICATE_METRES / 1000.0;

/// The groups of a merge with what they are compared by, computed once: folded names and
/// sessions in order.
struct Compared<'g> {
    groups: &'g [Group],
    names: Vec<String>,
    sessions: Vec<Vec<Session>>,
}

impl<'g> Compared<'g> {
    fn new(groups: &'g [Group]) -> Compared<'g> {
        Compared {
            groups,
            names: groups.iter().map(|g| fold(&g.name)).collect(),
            sessions: groups
                .iter()
                .map(|g| {
                    let mut s = g.sessions.clone();
                    s.sort_unstable();
                    s
                })
                .collect(),
        }
    }

    /// Why groups `a` and `b` are likely one meeting, if they are: different sources, the same
    /// sessions in the same zone, the same place ([`Place`]) and alike names ([`NameMatch`]).
    fn alike(&self, a: usize, b: usize) -> Option<Likeness> {
        let (g, h) = (&self.groups[a], &self.groups[b]);
        if g.listing.source == h.listing.source
            || g.timezone != h.timezone
            || self.sessions[a] != self.sessions[b]
        {
            return None;
        }
        let (place, metres) = same_place(g, h)?;
        let (names, similarity) = name_match(&self.names[a], &self.names[b])?;
        Some(Likeness {
            names,
            similarity,
            place,
            metres,
        })
    }

    /// Every pair of groups that are likely one meeting, found through hash maps keyed by the
    /// sessions and, for a group that meets in a room, its grid cell: only groups in
    /// neighbouring cells (or both online) with the same sessions are compared.
    fn likely_duplicates(&self) -> Vec<Pair> {
        let mut grid: FxHashMap<(u64, [i64; 3]), Vec<usize>> = FxHashMap::default();
        let mut online: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
        let mut pairs = Vec::new();
        let compare = |a: usize, b: usize, pairs: &mut Vec<Pair>| {
            if let Some(likeness) = self.alike(a, b) {
                pairs.push(Pair { a, b, likeness });
            }
        };
        for (b, g) in self.groups.iter().enumerate() {
            let mut hasher = FxHasher::default();
            g.timezone.name().hash(&mut hasher);
            self.sessions[b].hash(&mut hasher);
            let key = hasher.finish();
            if g.format == Format::Online {
                let earlier = online.entry(key).or_default();
                for &a in earlier.iter() {
                    compare(a, b, &mut pairs);
                }
                earlier.push(b);
                continue;
            }
            let Some(point) = g.location else { continue };
            let cell = point
                .unit_vector()
                .map(|x| (x * EARTH_RADIUS_KM / CELL_KM).floor() as i64);
            for dx in -1..=1 {
                for dy in -1..=1 {
                    for dz in -1..=1 {
                        let near = [cell[0] + dx, cell[1] + dy, cell[2] + dz];
                        for &a in grid.get(&(key, near)).into_iter().flatten() {
                            compare(a, b, &mut pairs);
                        }
                    }
                }
            }
            grid.entry((key, cell)).or_default().push(b);
        }
        pairs
    }

    /// The groups of every merged meeting: pairs are taken the most alike first (by name, then
    /// the nearest, then in directory order), and a pair joins two clusters only when every
    /// group of one is alike to every group of the other ([`Compared::alike`], so never two of
    /// one source). Clusters of one group are left out; each cluster's groups are in directory
    /// order, and clusters in the order of their first.
    fn clusters(&self, mut pairs: Vec<Pair>) -> Vec<Vec<usize>> {
        let distance = |p: &Pair| p.likeness.metres.unwrap_or(f64::INFINITY);
        pairs.sort_by(|x, y| {
            y.likeness
                .similarity
                .total_cmp(&x.likeness.similarity)
                .then(distance(x).total_cmp(&distance(y)))
                .then((x.a, x.b).cmp(&(y.a, y.b)))
        });
        let mut cluster_of: Vec<usize> = (0..self.groups.len()).collect();
        let mut members: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
        for pair in pairs {
            let (ca, cb) = (cluster_of[pair.a], cluster_of[pair.b]);
            if ca == cb {
                continue;
            }
            let (low, high) = (ca.min(cb), ca.max(cb));
            let of = |c: usize| members.get(&c).cloned().unwrap_or_else(|| vec![c]);
            let (mut joined, moved) = (of(low), of(high));
            if !joined
                .iter()
                .all(|&i| moved.iter().all(|&j| self.alike(i, j).is_some()))
            {
                continue;
            }
            for &j in &moved {
                cluster_of[j] = low;
            }
            joined.extend(moved);
            members.remove(&high);
            members.insert(low, joined);
        }
        let mut clusters: Vec<Vec<usize>> = members
            .into_values()
            .map(|mut m| {
                m.sort_unstable();
                m
            })
            .collect();
        clusters.sort_unstable();
        clusters
    }
}

/// Where two listings of one meeting were found to meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// Both meet in a room (in person or hybrid), their coordinates at most
    /// [`DUPLICATE_METRES`] apart.
    Near,
    /// Both are online, with the same joining link.
    SameLink,
    /// Both are online, and one gives no joining link (an online meeting has no place to
    /// compare; two different links are two meetings).
    Online,
}

/// Whether two groups meet in the same place, with how far apart they are when they meet in
/// rooms: both online with the same link or one without any, or both placed at most
/// [`DUPLICATE_METRES`] apart. A group that meets in a room and has no coordinates is in no
/// known place.
fn same_place(a: &Group, b: &Group) -> Option<(Place, Option<f64>)> {
    if a.format == Format::Online && b.format == Format::Online {
        return match (a.join_url.as_deref(), b.join_url.as_deref()) {
            (Some(x), Some(y)) => (x.trim() == y.trim()).then_some((Place::SameLink, None)),
            _ => Some((Place::Online, None)),
        };
    }
    if a.format == Format::Online || b.format == Format::Online {
        return None;
    }
    let metres = a.location?.distance_km(&b.location?) * 1000.0;
    (metres <= DUPLICATE_METRES).then_some((Place::Near, Some(metres)))
}

/// How two folded names match, with their Sørensen-Dice similarity, when they do.
fn name_match(a: &str, b: &str) -> Option<(NameMatch, f64)> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b {
        return Some((NameMatch::Same, 1.0));
    }
    let similarity = strsim::sorensen_dice(a, b);
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // Whole words only: `aa` is not in `shaarei`.
    if format!(" {long} ").contains(&format!(" {short} ")) {
        return Some((NameMatch::Contains, similarity));
    }
    (similarity >= NAME_SIMILARITY).then_some((NameMatch::Similar, similarity))
}

/// Fills the fields `kept` lacks from `other`, a listing of the same meeting, and names them:
/// texts and values `kept` does not state (city, address, phone, joining link, web page,
/// newcomer contact, fellowship, open or closed, cost, age limits, abstinence, medication stance,
/// focus), given coordinates over derived ones, a found time zone over an assumed one, and
/// accommodations offered by either. What restricts who may come (audience, languages,
/// substances, steps before the first session) and seats stay the kept listing's.
fn fill(kept: &mut Group, other: &Group) -> Vec<&'static str> {
    let mut filled = Vec::new();
    fn take<T: Clone>(to: &mut Option<T>, from: &Option<T>) -> bool {
        let missing = to.is_none() && from.is_some();
        if missing {
            to.clone_from(from);
        }
        missing
    }
    let texts = [
        ("city", &mut kept.city, &other.city),
        ("address", &mut kept.address, &other.address),
        ("phone", &mut kept.phone, &other.phone),
        ("join_url", &mut kept.join_url, &other.join_url),
        ("url", &mut kept.url, &other.url),
        (
            "newcomer_contact",
            &mut kept.newcomer_contact,
            &other.newcomer_contact,
        ),
    ];
    for (field, to, from) in texts {
        if take(to, from) {
            filled.push(field);
        }
    }
    if take(&mut kept.fellowship, &other.fellowship) {
        filled.push("fellowship");
    }
    if take(&mut kept.closed, &other.closed) {
        filled.push("closed");
    }
    if take(&mut kept.cost, &other.cost) {
        filled.push("cost");
    }
    if take(&mut kept.abstinence_required, &other.abstinence_required) {
        filled.push("abstinence_required");
    }
    if kept.min_age.is_none() && kept.max_age.is_none() {
        for (field, to, from) in [
            ("min_age", &mut kept.min_age, &other.min_age),
            ("max_age", &mut kept.max_age, &other.max_age),
        ] {
            if take(to, from) {
                filled.push(field);
            }
        }
    }
    if kept.medication_stance == MedicationStance::Unknown
        && other.medication_stance != MedicationStance::Unknown
    {
        kept.medication_stance = other.medication_stance;
        filled.push("medication_stance");
    }
    if kept.focus.is_empty() && !other.focus.is_empty() {
        kept.focus.clone_from(&other.focus);
        filled.push("focus");
    }
    let before = kept.accessibility.len();
    for need in &other.accessibility {
        if !kept.accessibility.contains(need) {
            kept.accessibility.push(*need);
        }
    }
    if kept.accessibility.len() > before {
        filled.push("accessibility");
    }
    if other.location.is_some()
        && (kept.location.is_none() || kept.location_is_approximate())
        && !other.location_is_approximate()
    {
        kept.location = other.location;
        kept.listing.location_origin = other.listing.location_origin;
        filled.push("coordinates");
    }
    if kept.timezone == other.timezone
        && kept.listing.timezone_origin == Origin::Assumed
        && other.listing.timezone_origin != Origin::Assumed
    {
        kept.listing.timezone_origin = other.listing.timezone_origin;
        filled.push("timezone_origin");
    }
    filled
}

/// `x` rounded to `1 / scale`.
fn round(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

/// The stale listings of `groups` and how many are undated.
fn stale_listings(groups: &[Group], options: &MergeOptions) -> (Vec<StaleListing>, usize) {
    let mut stale = Vec::new();
    let mut undated = 0;
    for g in groups {
        let Some(updated) = g.listing.updated else {
            undated += 1;
            continue;
        };
        let days = (options.today - updated).num_days();
        if days > i64::from(options.stale_after_days) {
            stale.push(StaleListing {
                id: g.id.clone(),
                source: g.listing.source.clone(),
                updated,
                days,
            });
        }
    }
    (stale, undated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::GeoPoint;
    use crate::testutil::{center_city, group};

    fn input(name: &str, groups: Vec<Group>) -> MergeInput {
        MergeInput {
            name: name.into(),
            label: format!("{name}.csv"),
            groups,
        }
    }

    fn options() -> MergeOptions {
        MergeOptions::new(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
    }

    fn merge(inputs: Vec<MergeInput>) -> Merged {
        merge_directories(inputs, &options()).unwrap()
    }

    fn ids(m: &Merged) -> Vec<&str> {
        m.groups.iter().map(|g| g.id.as_str()).collect()
    }

    /// A group `metres` north of Center City.
    fn north(id: &str, metres: f64) -> Group {
        let mut g = group(id);
        g.name = "Step Sisters".into();
        let c = center_city();
        g.location = Some(GeoPoint::new(c.latitude + metres / 111_195.0, c.longitude).unwrap());
        g
    }

    #[test]
    fn ids_take_the_directory_name_as_prefix_and_source() {
        let m = merge(vec![
            input("aa", vec![north("1", 0.0)]),
            input("na", vec![north("1", 5_000.0)]),
        ]);
        assert_eq!(ids(&m), ["aa:1", "na:1"]);
        assert_eq!(m.groups[1].listing.source.as_deref(), Some("na"));
        assert!(m.report.duplicates.is_empty());
    }

    #[test]
    fn a_merged_directory_merged_again_keeps_its_ids_and_sources() {
        let first = merge(vec![
            input("aa", vec![north("1", 0.0)]),
            input("na", vec![north("1", 5_000.0)]),
        ]);
        let again = merge(vec![
            input("merged", first.groups.clone()),
            input("hsds", vec![north("x", 9_000.0)]),
        ]);
        assert_eq!(ids(&again), ["aa:1", "na:1", "hsds:x"]);
        assert_eq!(again.groups[..2], first.groups[..]);
        let same = merge(vec![
            input("merged", first.groups.clone()),
            input("hsds", vec![north("x", 9_000.0)]),
        ]);
        assert_eq!(same, again);
    }

    #[test]
    fn the_same_meeting_in_two_directories_is_kept_once() {
        let mut a = north("1", 0.0);
        a.name = "St. Mark's Step Sisters".into();
        let mut b = north("7", 60.0);
        b.name = "Saint Marks step sisters group".into();
        b.phone = Some("215-555-0100".into());
        let m = merge(vec![input("aa", vec![a]), input("sepa", vec![b])]);
        assert_eq!(ids(&m), ["aa:1"]);
        let d = &m.report.duplicates[0];
        assert_eq!((d.kept.as_str(), d.dropped.as_str()), ("aa:1", "sepa:7"));
        assert_eq!(d.names, NameMatch::Contains);
        assert_eq!(d.place, Place::Near);
        assert!((d.metres.unwrap() - 60.0).abs() < 0.5, "{:?}", d.metres);
        assert_eq!(d.filled, ["phone"]);
        assert_eq!(m.groups[0].phone.as_deref(), Some("215-555-0100"));
        assert_eq!(m.report.inputs[1].merged, 1);
        assert_eq!(m.report.inputs[1].kept, 0);
    }

    #[test]
    fn similar_names_match_and_different_ones_do_not() {
        let alike = |x: &str, y: &str| name_match(&fold(x), &fold(y));
        assert_eq!(alike("Big Book", "BIG BOOK!").unwrap().0, NameMatch::Same);
        assert_eq!(
            alike("Saturday Morning Big Book", "Saturday Mornin' Big Book")
                .unwrap()
                .0,
            NameMatch::Similar
        );
        assert!(alike("Monday Night Men", "Women in Recovery").is_none());
        assert!(alike("AA", "Shaarei Tefillah").is_none());
        assert!(alike("", "Big Book").is_none());
    }

    #[test]
    fn groups_of_one_source_are_never_merged() {
        let m = merge(vec![input("aa", vec![north("1", 0.0), north("2", 0.0)])]);
        assert_eq!(ids(&m), ["aa:1", "aa:2"]);
        assert!(m.report.duplicates.is_empty());
    }

    #[test]
    fn duplicates_are_at_most_100_metres_apart() {
        let near = merge(vec![
            input("a", vec![north("1", 0.0)]),
            input("b", vec![north("1", 99.0)]),
        ]);
        assert_eq!(near.groups.len(), 1);
        let far = merge(vec![
            input("a", vec![north("1", 0.0)]),
            input("b", vec![north("1", 101.0)]),
        ]);
        assert_eq!(far.groups.len(), 2);
        let mut room = north("1", 0.0);
        room.location = None;
        let unplaced = merge(vec![input("a", vec![room.clone()]), input("b", vec![room])]);
        assert_eq!(unplaced.groups.len(), 2, "rooms without coordinates");
    }

    #[test]
    fn online_groups_meet_at_their_link() {
        let online = |id: &str, link: Option<&str>| {
            let mut g = north(id, 0.0);
            g.format = Format::Online;
            g.location = None;
            g.join_url = link.map(str::to_string);
            g
        };
        let zoom = Some("https://zoom.us/j/1");
        let m = merge(vec![
            input("a", vec![online("1", zoom)]),
            input("b", vec![online("1", zoom)]),
            input("c", vec![online("1", None)]),
        ]);
        assert_eq!(ids(&m), ["a:1"]);
        let places: Vec<Place> = m.report.duplicates.iter().map(|d| d.place).collect();
        assert_eq!(places, [Place::SameLink, Place::Online]);
        assert_eq!(m.report.duplicates[0].metres, None);
        let m = merge(vec![
            input("a", vec![online("1", zoom)]),
            input("b", vec![online("1", Some("https://zoom.us/j/2"))]),
            input("c", vec![north("1", 0.0)]),
        ]);
        assert_eq!(m.groups.len(), 3, "other links, and online and in person");
    }

    #[test]
    fn a_cluster_is_alike_two_by_two() {
        let online = |id: &str, link: Option<&str>| {
            let mut g = north(id, 0.0);
            g.format = Format::Online;
            g.join_url = link.map(str::to_string);
            g
        };
        // b is alike to a and to c, but a and c have different links: one of them stays.
        let m = merge(vec![
            input("a", vec![online("1", Some("https://x.org/1"))]),
            input("b", vec![online("1", None)]),
            input("c", vec![online("1", Some("https://x.org/2"))]),
        ]);
        assert_eq!(ids(&m), ["a:1", "c:1"]);
    }

    #[test]
    fn different_sessions_or_zones_are_different_meetings() {
        let mut b = north("1", 0.0);
        b.sessions.pop();
        let m = merge(vec![input("a", vec![north("1", 0.0)]), input("b", vec![b])]);
        assert_eq!(m.groups.len(), 2);
        let mut b = north("1", 0.0);
        b.sessions.reverse();
        let m = merge(vec![input("a", vec![north("1", 0.0)]), input("b", vec![b])]);
        assert_eq!(m.groups.len(), 1, "the order of sessions does not matter");
        let mut b = north("1", 0.0);
        b.timezone = chrono_tz::America::Chicago;
        let m = merge(vec![input("a", vec![north("1", 0.0)]), input("b", vec![b])]);
        assert_eq!(m.groups.len(), 2);
    }

    #[test]
    fn the_most_recently_updated_listing_is_kept_and_filled_in() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d);
        let mut old = north("1", 0.0);
        old.listing.updated = day(1);
        old.join_url = Some("https://example.org/j".into());
        old.accessibility = vec![crate::Need::Wheelchair];
        let mut new = north("2", 10.0);
        new.listing.updated = day(20);
        new.listing.location_origin = Origin::Derived;
        new.accessibility = vec![crate::Need::Asl];
        let mut undated = north("3", 20.0);
        undated.url = Some("https://example.org".into());
        let m = merge(vec![
            input("a", vec![old]),
            input("b", vec![new]),
            input("c", vec![undated]),
        ]);
        assert_eq!(ids(&m), ["b:2"]);
        let g = &m.groups[0];
        assert_eq!(g.join_url.as_deref(), Some("https://example.org/j"));
        assert_eq!(g.url.as_deref(), Some("https://example.org"));
        assert_eq!(g.accessibility, [crate::Need::Asl, crate::Need::Wheelchair]);
        assert_eq!(
            g.listing.location_origin,
            Origin::Given,
            "given beats derived"
        );
        let dropped: Vec<&str> = m
            .report
            .duplicates
            .iter()
            .map(|d| d.dropped.as_str())
            .collect();
        assert_eq!(dropped, ["a:1", "c:3"]);
        assert_eq!(
            m.report.duplicates[0].filled,
            ["join_url", "accessibility", "coordinates"]
        );
        // A tie goes to the earlier input.
        let m = merge(vec![
            input("a", vec![north("1", 0.0)]),
            input("b", vec![north("2", 0.0)]),
        ]);
        assert_eq!(ids(&m), ["a:1"]);
    }

    #[test]
    fn a_cluster_holds_one_listing_of_each_source() {
        // b has two listings alike to a's: only the nearer is merged with it.
        let m = merge(vec![
            input("a", vec![north("1", 0.0)]),
            input("b", vec![north("far", 80.0), north("near", 10.0)]),
        ]);
        assert_eq!(ids(&m), ["a:1", "b:far"]);
        assert_eq!(m.report.duplicates[0].dropped, "b:near");
    }

    #[test]
    fn stale_means_older_than_the_limit_and_undated_is_counted_apart() {
        let mut options = options();
        options.stale_after_days = 30;
        let dated = |id: &str, days: i64| {
            let mut g = north(id, 1000.0 * days as f64);
            g.listing.updated = Some(options.today - chrono::Duration::days(days));
            g
        };
        let groups = vec![dated("30", 30), dated("31", 31), north("none", 0.0)];
        let m = merge_directories(vec![input("a", groups)], &options).unwrap();
        let stale: Vec<(&str, i64)> = m
            .report
            .stale
            .iter()
            .map(|s| (s.id.as_str(), s.days))
            .collect();
        assert_eq!(stale, [("a:31", 31)]);
        assert_eq!(m.report.undated, 1);
        assert_eq!(m.groups.len(), 3, "stale listings are kept");
    }

    #[test]
    fn bad_names_and_ids_are_refused_naming_the_input() {
        let err = |inputs| {
            merge_directories(inputs, &options())
                .unwrap_err()
                .to_string()
        };
        let e = err(vec![
            input("a", vec![group("1")]),
            input("a", vec![group("2")]),
        ]);
        assert!(
            e.starts_with("a.csv: name: 'a' is already the name of a.csv"),
            "{e}"
        );
        let e = err(vec![input("a:b", vec![group("1")])]);
        assert!(e.starts_with("a:b.csv: name: 'a:b' has ':'"), "{e}");
        let long = "x".repeat(crate::MAX_ID_BYTES);
        let e = err(vec![input("aa", vec![group(&long)])]);
        assert!(e.starts_with("aa.csv: id: 'xxx"), "{e}");
        assert!(
            e.contains("with the prefix 'aa:' is 131 bytes long; an id has at most 128"),
            "{e}"
        );
        let first = merge(vec![input("aa", vec![group("1")])]);
        let e = err(vec![
            input("m1", first.groups.clone()),
            input("m2", first.groups.clone()),
        ]);
        assert!(
            e.starts_with("m2.csv: id: 'aa:1' is also the id of a group of m1.csv"),
            "{e}"
        );
        let e = err(vec![
            input("m", first.groups),
            input("aa", vec![group("2")]),
        ]);
        assert!(
            e.starts_with("aa.csv: name: 'aa' is already the source of m.csv"),
            "{e}"
        );
    }

    #[test]
    fn default_names_come_from_the_file_stem() {
        assert_eq!(default_name(Path::new("x/SEPA feed.JSON")), "sepa-feed");
        assert_eq!(default_name(Path::new("groups.csv")), "groups");
        assert!(name_problem(&default_name(Path::new("a:b.csv"))).is_none());
    }
}
