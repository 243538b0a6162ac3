//! Evaluating models on a simulation, where the true probability of every pair is known.
//!
//! Two views, both on *held-out* people (the same split the model was trained with):
//! - **Ranking**: for each held-out person with at least two eligible groups (at the
//!   simulation's reference date), every eligible group is ranked by each model and compared
//!   with the oracle ranking by true probability: NDCG@5 (gain = true probability) and
//!   precision@1, averaged over people.
//! - **Outcomes**: AUC and expected calibration error of each model's probability against the
//!   observed outcome of the held-out placements in `history.csv`.
//!
//! Models compared: the learned model, the hand-set prior, a distance-only baseline (closest
//! first; online attendance counts as 15 km), seeded random scores, and the oracle (the true
//! probability itself, the ceiling).

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::engagement::history::{design_matrix, in_holdout, placement_instant, History};
use crate::engagement::metrics::{
    auc, calibration, ece, ndcg_at_k, precision_at_1, CalibrationBin, ECE_BINS,
};
use crate::engagement::model::{sigmoid, EngagementModel};
use crate::engagement::train::TrainParams;
use crate::engine::Engine;
use crate::error::Result;
use crate::features;
use crate::pair::Pair;
use crate::rules::RuleSet;
use crate::simulate::SimulationDir;

/// Distance an online attendance counts as in the distance-only baseline.
const ONLINE_AS_KM: f64 = 15.0;

/// The metrics of one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelMetrics {
    /// Mean NDCG@5 of the model's ranking against the true probabilities.
    pub ndcg_at_5: f64,
    /// Share of people whose top-ranked group is the truly best one.
    pub precision_at_1: f64,
    /// AUC of the model's score against held-out outcomes.
    pub auc: f64,
    /// Expected calibration error against held-out outcomes; `None` for scores that are not
    /// probabilities (distance-only).
    pub ece: Option<f64>,
}

/// The result of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Held-out people ranked (those with at least two eligible groups).
    pub people: usize,
    /// (person, eligible group) pairs ranked.
    pub pairs: usize,
    /// Held-out placements the outcome metrics use.
    pub placements: usize,
    /// Metrics by model: `learned`, `learned_with_rules`, `prior`, `distance_only`, `random`,
    /// `oracle`.
    pub models: BTreeMap<String, ModelMetrics>,
    /// Calibration bins of the probability models (`learned`, `prior`, `oracle`), for plotting.
    #[serde(skip)]
    pub calibration: Vec<(String, Vec<CalibrationBin>)>,
}

/// The names of the compared models, in report order.
pub const MODEL_NAMES: [&str; 6] = [
    "learned",
    "learned_with_rules",
    "prior",
    "distance_only",
    "random",
    "oracle",
];

/// Index of the oracle in [`MODEL_NAMES`].
const ORACLE: usize = 5;

/// Per-pair scores of every compared model, in [`MODEL_NAMES`] order.
type Scores = [f64; 6];

/// One ranked person: eligible pairs, then NDCG@5 and precision@1 of each model.
type PersonResult = (usize, Scores, Scores);

/// A logit with the rules layer applied; a group a rule excludes ranks last.
fn with_rules(logit: f64, rules: &RuleSet, pair: &Pair) -> f64 {
    rules
        .for_person(pair.person)
        .apply(pair, None, logit)
        .unwrap_or(f64::NEG_INFINITY)
}

/// Evaluates `learned` (alone and with `rules`) on `sim`, holding out people as `split` does
/// (use the model's own training parameters so the people are unseen). The simulation's groups
/// are checked as [`Engine::new`] checks them.
pub fn evaluate(
    sim: &SimulationDir,
    history: &History,
    learned: &EngagementModel,
    rules: &RuleSet,
    split: &TrainParams,
) -> Result<Evaluation> {
    let engine = Engine::new(sim.groups.clone(), learned.clone())?;
    let prior = EngagementModel::prior();
    let now = placement_instant(sim.file.params.reference_date);
    let seed = sim.file.params.seed;
    let effects: Vec<f64> = engine
        .groups()
        .iter()
        .map(|g| sim.file.group_effects.get(&g.id).copied().unwrap_or(0.0))
        .collect();

    // Ranking view.
    let held: Vec<usize> = (0..sim.people.len())
        .filter(|&i| in_holdout(&sim.people[i].id, split.seed, split.holdout))
        .collect();
    let per_person: Vec<Option<PersonResult>> = held
        .par_iter()
        .map(|&i| {
            let person = &sim.people[i];
            let pairs = engine.eligible_pairs(person, now);
            if pairs.len() < 2 {
                return None;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
            rng.set_stream(i as u64);
            let scores: Vec<Scores> = pairs
                .iter()
                .map(|(g, pair)| {
                    let x = features::compute(pair);
                    let distance = pair.facts.distance_km.unwrap_or(ONLINE_AS_KM);
                    let logit = learned.logit(&x);
                    [
                        logit,
                        with_rules(logit, rules, pair),
                        prior.logit(&x),
                        -distance,
                        rng.gen(),
                        sim.file.truth.probability(pair, effects[*g]),
                    ]
                })
                .collect();
            let truth: Vec<f64> = scores.iter().map(|s| s[ORACLE]).collect();
            let mut ndcg = [0.0; 6];
            let mut p1 = [0.0; 6];
            for m in 0..MODEL_NAMES.len() {
                let predicted: Vec<f64> = scores.iter().map(|s| s[m]).collect();
                ndcg[m] = ndcg_at_k(&predicted, &truth, 5).unwrap_or(1.0);
                p1[m] = precision_at_1(&predicted, &truth).unwrap_or(1.0);
            }
            Some((pairs.len(), ndcg, p1))
        })
        .collect();
    let ranked: Vec<&PersonResult> = per_person.iter().flatten().collect();
    let people = ranked.len();
    let mean = |m: usize, which: usize| -> f64 {
        let sum: f64 = ranked
            .iter()
            .map(|r| if which == 0 { r.1[m] } else { r.2[m] })
            .sum();
        sum / people.max(1) as f64
    };

    // Outcome view: held-out placements of the history.
    let rows: Vec<usize> = (0..history.rows.len())
        .filter(|&r| {
            in_holdout(
                &history.people[history.rows[r].person].id,
                split.seed,
                split.holdout,
            )
        })
        .collect();
    let design = design_matrix(history, engine.groups());
    let labels: Vec<bool> = rows.iter().map(|&r| design.y[r]).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xa0c);
    let probabilities: Vec<Scores> = rows
        .iter()
        .map(|&r| {
            let x = design.row(r);
            let row = &history.rows[r];
            let (person, group) = (&history.people[row.person], &engine.groups()[row.group]);
            let pair = Pair::at(person, group, placement_instant(row.placed_on));
            let distance = x[features::Feature::Distance10km as usize] * 10.0;
            let online = x[features::Feature::OnlineAttendance as usize] > 0.0;
            let logit = learned.logit(&x);
            [
                sigmoid(logit),
                sigmoid(with_rules(logit, rules, &pair)),
                sigmoid(prior.logit(&x)),
                -(if online { ONLINE_AS_KM } else { distance }),
                rng.gen(),
                history.rows[r].true_probability.unwrap_or(f64::NAN),
            ]
        })
        .collect();
    let column = |m: usize| probabilities.iter().map(|p| p[m]).collect::<Vec<f64>>();
    let mut models = BTreeMap::new();
    let mut bins = Vec::new();
    for (m, name) in MODEL_NAMES.iter().enumerate() {
        let scores = column(m);
        let is_probability = *name != "distance_only";
        models.insert(
            name.to_string(),
            ModelMetrics {
                ndcg_at_5: mean(m, 0),
                precision_at_1: mean(m, 1),
                auc: auc(&scores, &labels).unwrap_or(f64::NAN),
                ece: is_probability.then(|| ece(&scores, &labels, ECE_BINS)),
            },
        );
        if matches!(*name, "learned" | "learned_with_rules" | "prior" | "oracle") {
            bins.push((name.to_string(), calibration(&scores, &labels, ECE_BINS)));
        }
    }
    Ok(Evaluation {
        people,
        pairs: ranked.iter().map(|r| r.0).sum(),
        placements: rows.len(),
        models,
        calibration: bins,
    })
}
