//! A simulator of placement outcomes, to develop and prove the learning pipeline.
//!
//! No public placement-outcome data exists, so [`simulate`] draws a directory, people and past
//! placements for one metro area, and the outcome of each placement (still attending at 90 days)
//! from a documented ground truth ([`truth::Truth`], `docs/simulation.md`). Staff placements are
//! plausible, not uniform: each person is placed in eligible groups chosen by the hand-set prior
//! model with noise, and sometimes at random among the eligible ones. Everything is a pure
//! function of the parameters: the same seed gives byte-identical files on any machine.

pub mod population;
#[cfg(feature = "store")]
pub mod rounds;
pub mod truth;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::group::Group;
use crate::domain::person::{Person, WaitlistEntry};
use crate::domain::vocab::ReferralType;
use crate::engagement::history::{
    history_header, history_rows, placement_instant, History, HistoryRow,
};
use crate::engagement::model::EngagementModel;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::features;
use crate::formats::groups::{read_groups, GROUP_FIELDS};
use crate::formats::people::{read_people, PERSON_FIELDS};
use crate::formats::write::{
    csv_header, csv_rows, json_text, jsonl_rows, refuse_to_overwrite, AtomicFile,
};
use crate::pair::{Horizon, Pair, PreparedPerson};
use truth::Truth;

/// The `format` value of `simulation.json`.
pub const SIMULATION_FORMAT: &str = "groupmatch-simulation";

/// The files a simulation writes, in the order they are written.
pub const SIMULATION_FILES: [&str; 5] = [
    "groups.csv",
    "people.jsonl",
    "waitlist.csv",
    "history.csv",
    "simulation.json",
];

/// Parameters of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationParams {
    /// Seed of every random draw.
    pub seed: u64,
    /// People drawn.
    pub people: usize,
    /// Groups in the directory.
    pub groups: usize,
    /// Past placements (history rows).
    pub placements: usize,
    /// People on the waitlist (a subset of the people).
    pub waitlist: usize,
    /// The simulation's "today": placements fall in the two years before it.
    pub reference_date: NaiveDate,
    /// Share of staff choices made at random among eligible groups.
    pub staff_noise: f64,
    /// Scale of the Gumbel noise added to the prior model's logit when staff choose.
    pub staff_temperature: f64,
    /// Most placements per person.
    pub max_placements_per_person: usize,
}

impl SimulationParams {
    /// Defaults with the given seed and sizes.
    pub fn new(seed: u64, people: usize, groups: usize, placements: usize) -> SimulationParams {
        SimulationParams {
            seed,
            people,
            groups,
            placements,
            waitlist: (people / 10).max(1).min(people),
            reference_date: NaiveDate::from_ymd_opt(2026, 6, 1).expect("valid date"),
            staff_noise: 0.15,
            staff_temperature: 1.0,
            max_placements_per_person: 8,
        }
    }

    fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Training(format!("simulation parameters: {m}")));
        if self.people == 0 || self.groups == 0 {
            return bad("people and groups must be at least 1");
        }
        if self.waitlist > self.people {
            return bad("the waitlist cannot be larger than the number of people");
        }
        if !(0.0..=1.0).contains(&self.staff_noise)
            || self.staff_temperature.is_nan()
            || self.staff_temperature < 0.0
        {
            return bad("staff noise must be in 0..1 and temperature non-negative");
        }
        if self.max_placements_per_person == 0 {
            return bad("max placements per person must be at least 1");
        }
        Ok(())
    }
}

/// `simulation.json`: every parameter, the ground truth and each group's unobserved quality, so
/// the true probability of any person-group pair can be recomputed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationFile {
    /// Always [`SIMULATION_FORMAT`].
    pub format: String,
    /// File version, 1.
    pub version: u32,
    /// The parameters.
    pub params: SimulationParams,
    /// The ground truth.
    pub truth: Truth,
    /// Each group's unobserved quality (added to the true logit), by group id.
    pub group_effects: BTreeMap<String, f64>,
    /// History rows actually written (fewer than asked only if people ran out of eligible groups).
    pub placements_written: usize,
}

impl SimulationFile {
    /// The true probability that `person` is still attending `group` at 90 days, judged at `now`.
    pub fn true_probability(
        &self,
        group: &Group,
        person: &Person,
        now: DateTime<Utc>,
    ) -> Option<f64> {
        let effect = *self.group_effects.get(&group.id)?;
        Some(
            self.truth
                .probability(&Pair::at(person, group, now), effect),
        )
    }
}

/// A whole simulation, in memory.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Parameters, truth and group effects.
    pub file: SimulationFile,
    /// The directory.
    pub groups: Vec<Group>,
    /// Everyone drawn.
    pub people: Vec<Person>,
    /// The waitlist: the last `waitlist` people, with the date they joined it.
    pub waitlist: Vec<WaitlistEntry>,
    /// Past placements, by person, then in the order staff made them; each indexes
    /// [`Simulation::people`] and [`Simulation::groups`] and has the true probability its outcome
    /// was drawn from.
    pub history: Vec<HistoryRow>,
}

/// Purposes of the random streams, so no two draws share one.
const STREAM_GROUP: u64 = 1;
const STREAM_PERSON: u64 = 2;
const STREAM_PLACEMENT: u64 = 3;
const STREAM_EFFECT: u64 = 4;
const STREAM_WAITLIST: u64 = 5;
const STREAM_SEATS: u64 = 6;

/// An independent random stream for (`purpose`, `index`) under `seed`.
fn stream(seed: u64, purpose: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((purpose << 48) | index as u64);
    rng
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    let v: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
    (-2.0 * libm::log(u)).sqrt() * libm::cos(v)
}

/// People drawn and placed at a time when a simulation is written: its memory is the directory
/// and one chunk of people (with their placements and the text of their rows).
pub const CHUNK_PEOPLE: usize = 8_192;

/// Draws a simulation, in memory.
pub fn simulate(params: &SimulationParams) -> Result<Simulation> {
    let (mut people, mut waitlist, mut history) = (Vec::new(), Vec::new(), Vec::new());
    let (groups, file) = run(params, params.people, |_, chunk| {
        history.extend(chunk.history.into_iter().map(|row| HistoryRow {
            person: chunk.first + row.person,
            ..row
        }));
        people.extend(chunk.people);
        waitlist.extend(chunk.waitlist);
        Ok(())
    })?;
    Ok(Simulation {
        file,
        groups,
        people,
        waitlist,
        history,
    })
}

impl Simulation {
    /// The placements as a [`History`], as `train` reads them back from `history.csv` with the
    /// simulated directory.
    pub fn to_history(&self) -> History {
        History {
            people: self.people.clone(),
            rows: self.history.clone(),
        }
    }
}

/// What [`write_simulation`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The files, in the order of [`SIMULATION_FILES`].
    pub paths: Vec<PathBuf>,
    /// Groups in the directory.
    pub groups: usize,
    /// People drawn.
    pub people: usize,
    /// People on the waitlist.
    pub waitlist: usize,
    /// History rows (placements).
    pub placements: usize,
    /// Placements still attending at 90 days.
    pub engaged: usize,
}

/// Draws a simulation and writes its files into `dir` (created if needed): the files of what
/// [`simulate`] draws, made [`CHUNK_PEOPLE`] people at a time. Existing files are an error unless
/// `force`, checked before any work. Each file is written to a temp file, and they replace their
/// paths only once all five are complete, so a run that fails leaves the folder as it was.
pub fn write_simulation(params: &SimulationParams, dir: &Path, force: bool) -> Result<Written> {
    write_in_chunks(params, dir, force, CHUNK_PEOPLE)
}

/// [`write_simulation`], `chunk` people at a time.
fn write_in_chunks(
    params: &SimulationParams,
    dir: &Path,
    force: bool,
    chunk: usize,
) -> Result<Written> {
    let paths: Vec<PathBuf> = SIMULATION_FILES.iter().map(|f| dir.join(f)).collect();
    for path in &paths {
        refuse_to_overwrite(path, force)?;
    }
    params.check()?;
    std::fs::create_dir_all(dir).map_err(|error| Error::Io {
        path: dir.to_path_buf(),
        error,
    })?;
    let mut files = paths
        .iter()
        .map(|p| AtomicFile::create(p))
        .collect::<Result<Vec<AtomicFile>>>()?;
    let [groups_file, people_file, waitlist_file, history_file, json_file] = &mut files[..] else {
        unreachable!("five files")
    };
    let io = |i: usize| {
        let path = paths[i].clone();
        move |error| Error::Io { path, error }
    };
    let waitlist_fields = [PERSON_FIELDS, &["waiting_since"]].concat();
    csv_header(waitlist_file.writer(), &waitlist_fields).map_err(io(2))?;
    history_header(history_file.writer()).map_err(io(3))?;
    let (mut waitlist, mut engaged) = (0, 0);
    let (groups, file) = run(params, chunk, |groups, chunk| {
        // The text of the chunk's lines is made on every core, then written in order.
        let (people, (listed, placed)) = rayon::join(
            || in_parts(&chunk.people, |w, part| jsonl_rows(w, part)),
            || {
                rayon::join(
                    || {
                        in_parts(&chunk.waitlist, |w, part| {
                            csv_rows(w, &waitlist_fields, part)
                        })
                    },
                    || {
                        let mut text = Vec::new();
                        history_rows(&mut text, &chunk.people, groups, &chunk.history)
                            .map(|()| text)
                    },
                )
            },
        );
        let put = |file: &mut AtomicFile, text: std::io::Result<Vec<u8>>, i| {
            text.and_then(|t| file.writer().write_all(&t))
                .map_err(io(i))
        };
        put(people_file, people, 1)?;
        put(waitlist_file, listed, 2)?;
        put(history_file, placed, 3)?;
        waitlist += chunk.waitlist.len();
        engaged += chunk.history.iter().filter(|h| h.engaged_90d).count();
        Ok(())
    })?;
    csv_header(groups_file.writer(), GROUP_FIELDS).map_err(io(0))?;
    csv_rows(groups_file.writer(), GROUP_FIELDS, &groups).map_err(io(0))?;
    json_text(json_file.writer(), &file).map_err(io(4))?;
    for f in &mut files {
        f.sync()?;
    }
    for f in files {
        f.commit()?;
    }
    Ok(Written {
        paths,
        groups: groups.len(),
        people: params.people,
        waitlist,
        placements: file.placements_written,
        engaged,
    })
}

/// The text `write` makes of `records`, made part by part on every core and joined in order.
fn in_parts<T: Sync>(
    records: &[T],
    write: impl Fn(&mut Vec<u8>, &[T]) -> std::io::Result<()> + Sync,
) -> std::io::Result<Vec<u8>> {
    let parts = records
        .par_chunks(256)
        .map(|part| {
            let mut text = Vec::new();
            write(&mut text, part).map(|()| text)
        })
        .collect::<std::io::Result<Vec<Vec<u8>>>>()?;
    Ok(parts.concat())
}

/// The people, waitlist entries and placements of consecutive people.
struct Chunk {
    /// The index of the first of them among everyone drawn.
    first: usize,
    /// The people, in order.
    people: Vec<Person>,
    /// Those of them on the waitlist, in order.
    waitlist: Vec<WaitlistEntry>,
    /// Their placements, by person, then in the order staff made them; `person` indexes
    /// [`Chunk::people`].
    history: Vec<HistoryRow>,
}

/// What is drawn before the people: the directory, the truth and each group's quality, and the
/// engine that finds the groups eligible for a person on each placement date.
struct World<'e> {
    params: &'e SimulationParams,
    truth: Truth,
    effects: Vec<f64>,
    engine: &'e Engine,
    prior: EngagementModel,
    /// The horizon of each placement date, shared by the people placed then, by the date's
    /// days before the reference date less [`FIRST_DAY`].
    horizons: Vec<Horizon<'e>>,
}

/// The days before the reference date of the placement dates: 30 to 730.
const FIRST_DAY: u64 = 30;
const LAST_DAY: u64 = 730;

/// One placement: the group, how the person was referred, the outcome and its true probability.
type Placement = (usize, ReferralType, bool, f64);

impl World<'_> {
    /// Person `i`'s placement draws, after their date (days before the reference date).
    fn placement_stream(&self, i: usize) -> (u64, ChaCha8Rng) {
        let mut rng = stream(self.params.seed, STREAM_PLACEMENT, i);
        let days = rng.gen_range(FIRST_DAY..=LAST_DAY);
        (days, rng)
    }

    /// Person number `i`.
    fn person(&self, i: usize) -> Person {
        population::person(&mut stream(self.params.seed, STREAM_PERSON, i), i)
    }

    /// How many placements person `i` can take: their eligible groups on their placement date,
    /// up to the most per person (only that many are looked for).
    fn cap(&self, i: usize) -> usize {
        let person = self.person(i);
        let (days, _) = self.placement_stream(i);
        let horizon = &self.horizons[(days - FIRST_DAY) as usize];
        let prepared = PreparedPerson::new(&person, horizon);
        self.engine
            .eligible(&prepared, horizon)
            .take(self.params.max_placements_per_person)
            .count()
    }

    /// The `quota` placements staff make for person `i`: groups chosen by the prior model with
    /// noise among those eligible on their date, outcomes drawn from the truth.
    fn place(&self, i: usize, person: &Person, quota: usize) -> Vec<Placement> {
        if quota == 0 {
            return Vec::new();
        }
        let (days, mut rng) = self.placement_stream(i);
        let horizon = &self.horizons[(days - FIRST_DAY) as usize];
        let prepared = PreparedPerson::new(person, horizon);
        let mut pool: Vec<(usize, Pair, f64)> = self
            .engine
            .eligible(&prepared, horizon)
            .map(|(g, pair)| (g, pair, self.prior.logit(&features::compute(&pair))))
            .collect();
        let params = self.params;
        let mut chosen = Vec::with_capacity(quota);
        for _ in 0..quota {
            let pick = if rng.gen_bool(params.staff_noise) {
                rng.gen_range(0..pool.len())
            } else {
                let mut best = (f64::NEG_INFINITY, 0);
                for (k, (_, _, logit)) in pool.iter().enumerate() {
                    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
                    let gumbel = -libm::log(-libm::log(u));
                    let value = logit + params.staff_temperature * gumbel;
                    if value > best.0 {
                        best = (value, k);
                    }
                }
                best.1
            };
            let (g, pair, _) = pool.swap_remove(pick);
            let referral = if rng.gen_bool(self.truth.warm_handoff_share) {
                ReferralType::WarmHandoff
            } else {
                ReferralType::List
            };
            let p = self
                .truth
                .placement_probability(&pair, self.effects[g], referral);
            chosen.push((g, referral, rng.gen_bool(p), p));
        }
        chosen
    }
}

/// Shares `placements` out: round-robin over people, each up to their `caps`.
fn quotas(caps: &[usize], placements: usize) -> Vec<usize> {
    let mut quota = vec![0usize; caps.len()];
    let mut left = placements;
    while left > 0 {
        let before = left;
        for (q, cap) in quota.iter_mut().zip(caps) {
            if left > 0 && *q < *cap {
                *q += 1;
                left -= 1;
            }
        }
        if left == before {
            break;
        }
    }
    quota
}

/// Draws a simulation, `chunk` people at a time: each chunk goes to `sink` with the directory as
/// drawn (before today's seat limits), in order. Returns the directory with today's seats and
/// `simulation.json`. Nothing depends on the chunk size or the number of threads.
fn run(
    params: &SimulationParams,
    chunk: usize,
    mut sink: impl FnMut(&[Group], Chunk) -> Result<()>,
) -> Result<(Vec<Group>, SimulationFile)> {
    params.check()?;
    let seed = params.seed;
    let groups: Vec<Group> = (0..params.groups)
        .into_par_iter()
        .map(|j| population::group(&mut stream(seed, STREAM_GROUP, j), j, params.reference_date))
        .collect();
    let truth = Truth::default();
    let effects: Vec<f64> = (0..groups.len())
        .map(|j| truth.group_effect_sd * normal(&mut stream(seed, STREAM_EFFECT, j)))
        .collect();
    let engine = Engine::new(groups, EngagementModel::prior())?;
    let world = World {
        params,
        truth,
        effects,
        engine: &engine,
        prior: EngagementModel::prior(),
        horizons: (FIRST_DAY..=LAST_DAY)
            .map(|days| engine.horizon(placement_instant(params.reference_date - Days::new(days))))
            .collect(),
    };

    // Each person's share of the placements depends on everyone's eligible groups: counted first.
    let caps: Vec<usize> = (0..params.people)
        .into_par_iter()
        .map(|i| world.cap(i))
        .collect();
    let quota = quotas(&caps, params.placements);

    let first_listed = params.people - params.waitlist;
    let mut placed = 0;
    let chunk = chunk.max(1);
    for first in (0..params.people).step_by(chunk) {
        let range = first..first.saturating_add(chunk).min(params.people);
        let people: Vec<Person> = range
            .clone()
            .into_par_iter()
            .map(|i| world.person(i))
            .collect();
        let placements: Vec<Vec<Placement>> = range
            .clone()
            .into_par_iter()
            .zip(&people)
            .map(|(i, person)| world.place(i, person, quota[i]))
            .collect();
        let mut history = Vec::new();
        for (k, person_placements) in placements.into_iter().enumerate() {
            let (days, _) = world.placement_stream(first + k);
            for (g, referral, engaged, p) in person_placements {
                history.push(HistoryRow {
                    placement_id: format!("sim-x{placed:07}"),
                    person: k,
                    group: g,
                    placed_on: params.reference_date - Days::new(days),
                    referral,
                    engaged_90d: engaged,
                    true_probability: Some(p),
                });
                placed += 1;
            }
        }
        let waitlist = range
            .filter(|i| *i >= first_listed)
            .map(|i| WaitlistEntry {
                person: people[i - first].clone(),
                waiting_since: params.reference_date
                    - Days::new(stream(seed, STREAM_WAITLIST, i).gen_range(0..=180)),
                priority: Vec::new(),
            })
            .collect();
        sink(
            engine.groups(),
            Chunk {
                first,
                people,
                waitlist,
                history,
            },
        )?;
    }

    // Seats are today's: past placements were made before peer groups' rooms filled up.
    let mut groups = engine.groups().to_vec();
    for (j, g) in groups.iter_mut().enumerate() {
        population::limit_peer_seats(&mut stream(seed, STREAM_SEATS, j), g);
    }
    let file = SimulationFile {
        format: SIMULATION_FORMAT.into(),
        version: 1,
        params: params.clone(),
        truth: world.truth,
        group_effects: groups
            .iter()
            .map(|g| g.id.clone())
            .zip(world.effects)
            .collect(),
        placements_written: placed,
    };
    Ok((groups, file))
}

/// A simulation read back from its folder, for `evaluate`.
#[derive(Debug, Clone)]
pub struct SimulationDir {
    /// `simulation.json`.
    pub file: SimulationFile,
    /// `groups.csv`.
    pub groups: Vec<Group>,
    /// `people.jsonl`.
    pub people: Vec<Person>,
}

impl SimulationDir {
    /// Reads `simulation.json`, `groups.csv` and `people.jsonl` from `dir`.
    pub fn read(dir: &Path) -> Result<SimulationDir> {
        let path = dir.join("simulation.json");
        let label = path.display().to_string();
        let text = crate::formats::read_text(&path, crate::limits::MAX_DOCUMENT_FILE_BYTES)?;
        let file: SimulationFile = serde_json::from_str(&text).map_err(|e| {
            Error::invalid(
                &label,
                Some(e.line() as u64),
                None,
                format!("not a simulation file: {e}"),
            )
        })?;
        if file.format != SIMULATION_FORMAT || file.version != 1 {
            return Err(Error::invalid(
                &label,
                None,
                Some("format"),
                "not a version 1 groupmatch simulation",
            ));
        }
        let groups = read_groups(&dir.join("groups.csv"))?.value;
        let people = read_people(&dir.join("people.jsonl"))?.value;
        Ok(SimulationDir {
            file,
            groups,
            people,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::history::write_history;
    use crate::formats::write::{write_csv, write_json, write_jsonl};

    /// More placements than people, so most people are placed several times, and a waitlist of
    /// the last 25 people.
    fn params() -> SimulationParams {
        let mut p = SimulationParams::new(3, 70, 40, 180);
        p.waitlist = 25;
        p
    }

    fn contents(dir: &Path) -> Vec<Vec<u8>> {
        SIMULATION_FILES
            .iter()
            .map(|f| std::fs::read(dir.join(f)).unwrap())
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn written_files_are_the_same_in_any_chunks_and_on_any_threads() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole");
        let written = write_in_chunks(&params(), &whole, false, params().people).unwrap();
        assert_eq!(
            (written.people, written.waitlist, written.placements),
            (70, 25, 180)
        );
        let expected = contents(&whole);
        for chunk in [1, 7, 64] {
            for threads in [1, 3] {
                let out = dir.path().join(format!("{chunk}-{threads}"));
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let again = pool
                    .install(|| write_in_chunks(&params(), &out, false, chunk))
                    .unwrap();
                assert_eq!(
                    again,
                    Written {
                        paths: again.paths.clone(),
                        ..written.clone()
                    }
                );
                assert!(
                    contents(&out) == expected,
                    "chunks of {chunk} people on {threads} threads"
                );
            }
        }
    }

    #[test]
    fn written_files_are_those_of_the_simulation_in_memory() {
        let sim = simulate(&params()).unwrap();
        assert_eq!(sim.history.len(), 180);
        assert!(sim.history.windows(2).any(|w| w[0].person == w[1].person));
        assert_eq!(sim.waitlist[0].person, sim.people[45]);
        let dir = tempfile::tempdir().unwrap();
        let streamed = dir.path().join("streamed");
        write_in_chunks(&params(), &streamed, false, 16).unwrap();
        let whole = dir.path().join("whole");
        std::fs::create_dir(&whole).unwrap();
        let path = |i: usize| whole.join(SIMULATION_FILES[i]);
        write_csv(&path(0), GROUP_FIELDS, &sim.groups).unwrap();
        write_jsonl(&path(1), &sim.people).unwrap();
        let waitlist_fields = [PERSON_FIELDS, &["waiting_since"]].concat();
        write_csv(&path(2), &waitlist_fields, &sim.waitlist).unwrap();
        write_history(&path(3), &sim.people, &sim.groups, &sim.history).unwrap();
        write_json(&path(4), &sim.file).unwrap();
        assert!(contents(&streamed) == contents(&whole));
    }

    #[test]
    fn a_failed_write_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let none = dir.path().join("none");
        assert!(write_simulation(&SimulationParams::new(1, 0, 5, 1), &none, false).is_err());
        assert!(
            !none.exists(),
            "nothing is made for parameters that are refused"
        );

        let out = dir.path().join("sim");
        write_in_chunks(&params(), &out, false, 16).unwrap();
        let before = contents(&out);
        // A folder where groups.csv goes: found only when the other files are complete too.
        std::fs::remove_file(out.join("groups.csv")).unwrap();
        std::fs::create_dir_all(out.join("groups.csv").join("kept")).unwrap();
        let mut other = params();
        other.seed = 4;
        let e = write_in_chunks(&other, &out, true, 16).unwrap_err();
        assert!(e.to_string().contains("groups.csv"), "{e}");
        let mut names: Vec<String> = SIMULATION_FILES.iter().map(|f| f.to_string()).collect();
        names.sort();
        assert_eq!(listing(&out), names, "no temp file is left");
        for (i, file) in SIMULATION_FILES.iter().enumerate().skip(1) {
            assert!(
                std::fs::read(out.join(file)).unwrap() == before[i],
                "{file} changed"
            );
        }
    }
}
