//! A simulator of placement outcomes, to develop and prove the learning pipeline.
//!
//! No public placement-outcome data exists, so [`simulate`] draws a directory, people and past
//! placements for one metro area, and the outcome of each placement (still attending at 90 days)
//! from a documented ground truth ([`truth::Truth`], `docs/simulation.md`). Staff placements are
//! plausible, not uniform: each person is placed in eligible groups chosen by the hand-set prior
//! model with noise, and sometimes at random among the eligible ones. Everything is a pure
//! function of the parameters: the same seed gives byte-identical files on any machine.

pub mod population;
pub mod truth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::group::Group;
use crate::domain::person::{Person, WaitlistEntry};
use crate::domain::vocab::ReferralType;
use crate::engagement::history::{placement_instant, write_history, History, HistoryRow};
use crate::engagement::model::EngagementModel;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::features;
use crate::formats::groups::{read_groups, GROUP_FIELDS};
use crate::formats::people::{read_people, PERSON_FIELDS};
use crate::formats::write::{refuse_to_overwrite, write_csv, write_json, write_jsonl};
use crate::pair::Pair;
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

/// Draws a simulation.
pub fn simulate(params: &SimulationParams) -> Result<Simulation> {
    params.check()?;
    let seed = params.seed;
    let groups: Vec<Group> = (0..params.groups)
        .into_par_iter()
        .map(|j| population::group(&mut stream(seed, STREAM_GROUP, j), j, params.reference_date))
        .collect();
    let people: Vec<Person> = (0..params.people)
        .into_par_iter()
        .map(|i| population::person(&mut stream(seed, STREAM_PERSON, i), i))
        .collect();
    let truth = Truth::default();
    let effects: Vec<f64> = (0..groups.len())
        .map(|j| truth.group_effect_sd * normal(&mut stream(seed, STREAM_EFFECT, j)))
        .collect();
    let engine = Engine::new(groups, EngagementModel::prior())?;
    let prior = EngagementModel::prior();

    // Each person's placement date and the groups eligible for them then.
    let dates: Vec<NaiveDate> = (0..people.len())
        .map(|i| {
            let days = stream(seed, STREAM_PLACEMENT, i).gen_range(30..=730);
            params.reference_date - Days::new(days)
        })
        .collect();
    let eligible: Vec<Vec<(usize, Pair)>> = people
        .par_iter()
        .zip(&dates)
        .map(|(p, d)| engine.eligible_pairs(p, placement_instant(*d)))
        .collect();

    // Share the placements out: round-robin over people, each up to their eligible groups.
    let mut quota = vec![0usize; people.len()];
    let caps: Vec<usize> = eligible
        .iter()
        .map(|e| e.len().min(params.max_placements_per_person))
        .collect();
    let mut left = params.placements;
    while left > 0 {
        let before = left;
        for (q, cap) in quota.iter_mut().zip(&caps) {
            if left > 0 && *q < *cap {
                *q += 1;
                left -= 1;
            }
        }
        if left == before {
            break;
        }
    }

    // Staff choose groups (prior model plus noise), and outcomes are drawn from the truth.
    let per_person: Vec<Vec<(usize, ReferralType, bool, f64)>> = (0..people.len())
        .into_par_iter()
        .map(|i| {
            let mut rng = stream(seed, STREAM_PLACEMENT, i);
            let _date_draw: u64 = rng.gen_range(30..=730);
            let mut pool: Vec<(usize, &Pair, f64)> = eligible[i]
                .iter()
                .map(|(g, pair)| (*g, pair, prior.logit(&features::compute(pair))))
                .collect();
            let mut chosen = Vec::with_capacity(quota[i]);
            for _ in 0..quota[i] {
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
                let referral = if rng.gen_bool(truth.warm_handoff_share) {
                    ReferralType::WarmHandoff
                } else {
                    ReferralType::List
                };
                let p = truth.placement_probability(pair, effects[g], referral);
                chosen.push((g, referral, rng.gen_bool(p), p));
            }
            chosen
        })
        .collect();
    let mut history = Vec::with_capacity(params.placements);
    for (i, placements) in per_person.into_iter().enumerate() {
        for (g, referral, engaged, p) in placements {
            history.push(HistoryRow {
                placement_id: format!("sim-x{:07}", history.len()),
                person: i,
                group: g,
                placed_on: dates[i],
                referral,
                engaged_90d: engaged,
                true_probability: Some(p),
            });
        }
    }
    let waitlist = (people.len() - params.waitlist..people.len())
        .map(|i| WaitlistEntry {
            person: people[i].clone(),
            waiting_since: params.reference_date
                - Days::new(stream(seed, STREAM_WAITLIST, i).gen_range(0..=180)),
        })
        .collect();
    // Seats are today's: past placements were made before peer groups' rooms filled up.
    let mut groups = engine.groups().to_vec();
    for (j, g) in groups.iter_mut().enumerate() {
        population::limit_peer_seats(&mut stream(seed, STREAM_SEATS, j), g);
    }
    let file = SimulationFile {
        format: SIMULATION_FORMAT.into(),
        version: 1,
        params: params.clone(),
        truth,
        group_effects: groups.iter().map(|g| g.id.clone()).zip(effects).collect(),
        placements_written: history.len(),
    };
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

    /// Writes the simulation's files into `dir` (created if needed). Existing files are an error
    /// unless `force`; each file is written atomically. Returns the paths written.
    pub fn write(&self, dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|error| Error::Io {
            path: dir.to_path_buf(),
            error,
        })?;
        let paths: Vec<PathBuf> = SIMULATION_FILES.iter().map(|f| dir.join(f)).collect();
        for path in &paths {
            refuse_to_overwrite(path, force)?;
        }
        write_csv(&paths[0], GROUP_FIELDS, &self.groups)?;
        write_jsonl(&paths[1], &self.people)?;
        let waitlist_fields = [PERSON_FIELDS, &["waiting_since"]].concat();
        write_csv(&paths[2], &waitlist_fields, &self.waitlist)?;
        write_history(&paths[3], &self.people, &self.groups, &self.history)?;
        write_json(&paths[4], &self.file)?;
        Ok(paths)
    }
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
