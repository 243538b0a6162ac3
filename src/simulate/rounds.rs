//! The closed loop, simulated: rank people with the current model, record what was shown and
//! chosen in the referrals store, draw each outcome from the ground truth, record the events,
//! retrain from the store, and repeat (`groupmatch simulate --rounds`, issue 21).
//!
//! Every round draws new people from the simulator's population model, ranks them with the
//! model of the previous round (the hand-set prior first), and lets each choose among the top
//! suggestions by a position-biased [`ChoiceModel`]. After each round the model is retrained on
//! the store's consented, labelled referrals ([`Store::training_history`]) and measured with
//! [`evaluate`] on placements drawn once, uniformly among each person's eligible groups, and never
//! trained on: the random holdout. Because only suggested groups are ever tried, the logged
//! outcomes are biased toward what the model already liked; [`SelectionBias`] measures it
//! against a model trained on as many random placements. `docs/simulation.md` documents the
//! loop and its parameters. Dates are simulated, so the same parameters give the same store
//! contents and the same report.

use chrono::{Days, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::{population, simulate, stream, Simulation, SimulationDir, SimulationParams};
use crate::domain::person::Person;
use crate::domain::vocab::{EventKind, ReferralType, StopReason};
use crate::engagement::evaluate::{evaluate, Evaluation, ModelMetrics};
use crate::engagement::history::{design_matrix, placement_instant, History, HistoryRow};
use crate::engagement::model::{EngagementModel, Provenance};
use crate::engagement::train::{train, training_summary, HoldoutMetrics, Prior, TrainParams};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::rank::RankOptions;
use crate::rules::RuleSet;
use crate::store::{Consent, NewEvent, NewReferral, Shown, Store};

/// Random streams of the loop, apart from the simulator's own (1 to 6).
const STREAM_ROUND_PERSON: u64 = 7;
const STREAM_ROUND_CHOICE: u64 = 8;
const STREAM_HOLDOUT: u64 = 9;
const STREAM_RANDOM_TRAINING: u64 = 10;

/// The first person index of the holdout and of the random training placements: far above any
/// round's people, so every simulated person id is distinct.
const HOLDOUT_BASE: usize = 1 << 40;
const RANDOM_BASE: usize = 2 << 40;

/// Days over which a round's referrals are spread.
const REFERRAL_DAYS: u64 = 7;

/// Days from a round's first referral to the next round's: the referral days, the 90 days to the
/// label, and one more.
pub const ROUND_DAYS: u64 = REFERRAL_DAYS + 90 + 1;

/// How a simulated person chooses among the suggestions shown.
///
/// The person is shown the top `shown` suggestions of the current model. With probability
/// `none` they choose none of them (no referral is recorded); otherwise they choose the one at
/// rank `r` (from 1) with probability proportional to `decay^(r - 1)`: position bias, the person
/// looks at the top of the list first and knows nothing of the true probabilities. With `explore`
/// above 0, the last suggestion shown is, with that probability, replaced by a group drawn
/// uniformly among the person's other eligible groups: exploration, which lets the logged
/// outcomes cover groups the model does not yet rank high.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChoiceModel {
    /// Suggestions shown.
    pub shown: usize,
    /// Weight of each rank relative to the one above it.
    pub decay: f64,
    /// Chance of choosing none.
    pub none: f64,
    /// Chance that the last suggestion shown is a random eligible group.
    pub explore: f64,
}

impl Default for ChoiceModel {
    fn default() -> ChoiceModel {
        ChoiceModel {
            shown: 5,
            decay: 0.6,
            none: 0.10,
            explore: 0.0,
        }
    }
}

impl ChoiceModel {
    /// The index of the suggestion chosen among `n` shown, or `None`.
    fn choose(&self, rng: &mut ChaCha8Rng, n: usize) -> Option<usize> {
        if n == 0 || rng.gen_bool(self.none) {
            return None;
        }
        let weights: Vec<f64> = (0..n).map(|r| self.decay.powi(r as i32)).collect();
        let mut u = rng.gen_range(0.0..weights.iter().sum::<f64>());
        for (r, w) in weights.iter().enumerate() {
            if u < *w {
                return Some(r);
            }
            u -= w;
        }
        Some(n - 1)
    }
}

/// Parameters of the loop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoopParams {
    /// Seed of every random draw.
    pub seed: u64,
    /// Rounds of referrals, each followed by a retraining.
    pub rounds: usize,
    /// People ranked in each round.
    pub referrals_per_round: usize,
    /// Groups in the simulated directory.
    pub groups: usize,
    /// Random placements of the holdout.
    pub holdout: usize,
    /// How people choose.
    pub choice: ChoiceModel,
    /// Share of referrals whose person consents to training (the others never reach it).
    pub training_consent: f64,
    /// Share of the people who did not engage who went to a first session before stopping (the
    /// others could not be reached); it changes the events, not the labels.
    pub attended_then_stopped: f64,
    /// How each round retrains: `train`'s split and penalty. Its holdout only gives the model
    /// file's own metrics; the loop measures on the random holdout.
    pub retrain: TrainParams,
    /// The standard deviation of the Gaussian prior each retraining shrinks toward the hand-set
    /// prior's weights with ([`Prior`]), in log-odds per unit of each feature; `None`: no prior
    /// (shrunk toward 0 by `retrain`'s penalty alone).
    pub prior_sd: Option<f64>,
}

/// The default [`LoopParams::prior_sd`]: the published effects the hand-set prior is built from
/// are known to within about a factor of 1.3 in odds (`docs/simulation.md`, "The prior").
pub const PRIOR_SD: f64 = 0.25;

impl LoopParams {
    /// Defaults with the given seed and sizes.
    pub fn new(seed: u64, rounds: usize, referrals_per_round: usize) -> LoopParams {
        LoopParams {
            seed,
            rounds,
            referrals_per_round,
            groups: 300,
            holdout: 10_000,
            choice: ChoiceModel::default(),
            training_consent: 0.8,
            attended_then_stopped: 0.5,
            retrain: TrainParams::default(),
            prior_sd: Some(PRIOR_SD),
        }
    }

    fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Training(format!("loop parameters: {m}")));
        let share = |x: f64| (0.0..=1.0).contains(&x);
        if self.rounds == 0 || self.referrals_per_round == 0 {
            return bad("rounds and referrals per round must be at least 1");
        }
        if self.holdout < 2 || self.groups == 0 {
            return bad("the holdout needs at least 2 placements and the directory 1 group");
        }
        let c = &self.choice;
        if c.shown == 0 || !(c.decay > 0.0 && c.decay.is_finite()) {
            return bad("at least 1 suggestion shown, and a positive decay");
        }
        if !(self.retrain.holdout > 0.0 && self.retrain.holdout < 1.0) {
            return bad("the retraining holdout must be between 0 and 1 (exclusive)");
        }
        if self
            .prior_sd
            .is_some_and(|sd| !(sd > 0.0 && sd.is_finite()))
        {
            return bad("the prior's standard deviation must be a finite number above 0");
        }
        if ![
            c.none,
            c.explore,
            self.training_consent,
            self.attended_then_stopped,
        ]
        .into_iter()
        .all(share)
        {
            return bad("shares (none, explore, consent, attended then stopped) must be in 0..1");
        }
        Ok(())
    }
}

/// One row of the rounds table: what a round recorded and how the model retrained after it does
/// on the random holdout. Round 0 is the prior, before any referral.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundRow {
    /// The round, from 1 (0: the prior).
    pub round: usize,
    /// The date of the round's first referral.
    pub started_on: NaiveDate,
    /// People ranked in the round.
    pub people: usize,
    /// Referrals recorded (people who chose a group).
    pub referrals: usize,
    /// Of them, with consent to training.
    pub consented: usize,
    /// Labelled rows the model was retrained on, over every round so far.
    pub training_rows: usize,
    /// Share of the round's chosen placements still attending at 90 days.
    pub engaged: f64,
    /// Mean true probability of the round's chosen placements.
    pub chosen_true_mean: f64,
    /// The model's metrics on the random holdout.
    pub holdout: ModelMetrics,
}

/// A model trained on the logged outcomes against one trained on as many random placements, both
/// judged on the random holdout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectionBias {
    /// Training rows of each.
    pub rows: usize,
    /// The last round's model (logged outcomes) on the random holdout.
    pub logged: ModelMetrics,
    /// Its metrics on its own holdout (logged outcomes too), as `train` reports them.
    pub logged_self: HoldoutMetrics,
    /// The model trained on random placements, on the random holdout.
    pub random: ModelMetrics,
    /// Mean true probability of the logged placements.
    pub logged_true_mean: f64,
    /// Mean true probability of the random placements.
    pub random_true_mean: f64,
}

/// What the loop measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoopReport {
    /// The parameters.
    pub params: LoopParams,
    /// Random placements in the holdout, and the held-out people ranked for NDCG@5.
    pub holdout_placements: usize,
    /// Held-out people with at least two eligible groups (NDCG@5 is over them).
    pub holdout_people: usize,
    /// Round 0 (the prior), then one row per round.
    pub rounds: Vec<RoundRow>,
    /// The oracle (the true probability) on the random holdout: the ceiling.
    pub oracle: ModelMetrics,
    /// The selection bias of the logged outcomes.
    pub bias: SelectionBias,
}

/// What [`run_rounds`] returns: its report, the last round's model and the simulated directory
/// (which the store's group ids refer to).
#[derive(Debug, Clone)]
pub struct LoopRun {
    /// The figures.
    pub report: LoopReport,
    /// The model retrained after the last round.
    pub model: EngagementModel,
    /// The directory.
    pub groups: Vec<crate::Group>,
}

/// A person's round: who they were, what they were shown and chose, and how it went.
struct Decision {
    person: Person,
    on: NaiveDate,
    shown: Vec<Shown>,
    chosen: Option<Chosen>,
}

/// A random placement: the person, the group's index, how they were referred, the outcome and
/// its true probability.
type RandomPlacement = (Person, usize, ReferralType, bool, f64);

/// The group a person chose and its outcome.
struct Chosen {
    group_id: String,
    referral: ReferralType,
    true_probability: f64,
    engaged: bool,
    consent: Consent,
    attended_first: bool,
}

/// The world of the loop: the simulated directory and truth, and the random holdout.
struct World {
    sim: Simulation,
    /// Each group's unobserved quality, by index.
    effects: Vec<f64>,
    start: NaiveDate,
    holdout: History,
    holdout_dir: SimulationDir,
}

impl World {
    /// Evaluates `model` on the random holdout: every held-out person is in the holdout.
    fn measure(&self, model: &EngagementModel) -> Result<Evaluation> {
        let all = TrainParams {
            holdout: 1.0,
            ..TrainParams::default()
        };
        evaluate(
            &self.holdout_dir,
            &self.holdout,
            model,
            &RuleSet::empty(),
            &all,
        )
    }

    /// `count` placements, each of a new person (index `base` + i, drawn on stream `purpose`)
    /// in a group drawn uniformly among their eligible groups on the loop's first day; people
    /// with no eligible group are skipped.
    fn random_placements(
        &self,
        engine: &Engine,
        purpose: u64,
        base: usize,
        count: usize,
    ) -> History {
        const BLOCK: usize = 2_048;
        let at = placement_instant(self.start);
        let truth = &self.sim.file.truth;
        let mut history = History {
            people: Vec::with_capacity(count),
            rows: Vec::with_capacity(count),
        };
        let mut next = 0;
        while history.rows.len() < count {
            let drawn: Vec<Option<RandomPlacement>> = (next..next + BLOCK)
                .into_par_iter()
                .map(|i| {
                    let mut rng = stream(self.sim.file.params.seed, purpose, i);
                    let person = population::person(&mut rng, base + i);
                    let pairs = engine.eligible_pairs(&person, at);
                    if pairs.is_empty() {
                        return None;
                    }
                    let (g, pair) = &pairs[rng.gen_range(0..pairs.len())];
                    let referral = handoff(&mut rng, truth.warm_handoff_share);
                    let p = truth.placement_probability(pair, self.effects[*g], referral);
                    let (g, engaged) = (*g, rng.gen_bool(p));
                    Some((person, g, referral, engaged, p))
                })
                .collect();
            next += BLOCK;
            for (person, group, referral, engaged_90d, p) in drawn.into_iter().flatten() {
                if history.rows.len() == count {
                    break;
                }
                history.rows.push(HistoryRow {
                    placement_id: format!("{}-x", person.id),
                    person: history.people.len(),
                    group,
                    placed_on: self.start,
                    referral,
                    engaged_90d,
                    true_probability: Some(p),
                });
                history.people.push(person);
            }
        }
        history
    }

    /// Ranks and lets choose the people of round `round` (from 0), first referral on `day0`.
    fn decide(
        &self,
        params: &LoopParams,
        engine: &Engine,
        round: usize,
        day0: NaiveDate,
    ) -> Result<Vec<Decision>> {
        let truth = &self.sim.file.truth;
        (0..params.referrals_per_round)
            .into_par_iter()
            .map(|k| {
                let index = round * params.referrals_per_round + k;
                let seed = params.seed;
                let person =
                    population::person(&mut stream(seed, STREAM_ROUND_PERSON, index), index);
                let mut rng = stream(seed, STREAM_ROUND_CHOICE, index);
                let on = day0 + Days::new(k as u64 % REFERRAL_DAYS);
                let at = placement_instant(on);
                let ranking =
                    engine.rank(&person, &RankOptions::new(Some(params.choice.shown), at))?;
                let mut shown: Vec<Shown> = ranking.suggestions.iter().map(Shown::from).collect();
                if !shown.is_empty() && rng.gen_bool(params.choice.explore) {
                    explore(engine, &person, at, &mut shown, &mut rng);
                }
                let chosen = params.choice.choose(&mut rng, shown.len()).map(|r| {
                    let group_id = shown[r].group_id.clone();
                    let g = engine
                        .groups()
                        .iter()
                        .position(|g| g.id == group_id)
                        .expect("a shown group is in the directory");
                    let pair = crate::pair::Pair::at(&person, &engine.groups()[g], at);
                    let referral = handoff(&mut rng, truth.warm_handoff_share);
                    let p = truth.placement_probability(&pair, self.effects[g], referral);
                    Chosen {
                        group_id,
                        referral,
                        true_probability: p,
                        engaged: rng.gen_bool(p),
                        consent: Consent {
                            follow_up: true,
                            training: rng.gen_bool(params.training_consent),
                        },
                        attended_first: rng.gen_bool(params.attended_then_stopped),
                    }
                });
                Ok(Decision {
                    person,
                    on,
                    shown,
                    chosen,
                })
            })
            .collect()
    }
}

/// Replaces the last suggestion of `shown` with a group drawn uniformly among the person's other
/// eligible groups (left as it is when there is none), scored as the rest.
fn explore(
    engine: &Engine,
    person: &Person,
    at: chrono::DateTime<chrono::Utc>,
    shown: &mut [Shown],
    rng: &mut ChaCha8Rng,
) {
    let others: Vec<(usize, crate::pair::Pair)> = engine
        .eligible_pairs(person, at)
        .into_iter()
        .filter(|(g, _)| !shown.iter().any(|s| s.group_id == engine.groups()[*g].id))
        .collect();
    if others.is_empty() {
        return;
    }
    let (g, pair) = &others[rng.gen_range(0..others.len())];
    let last = shown.last_mut().expect("checked not empty");
    last.group_id = engine.groups()[*g].id.clone();
    last.score = crate::sigmoid(engine.model().logit(&crate::features::compute(pair)));
}

/// A warm handoff with probability `share`, else a list.
fn handoff(rng: &mut ChaCha8Rng, share: f64) -> ReferralType {
    if rng.gen_bool(share) {
        ReferralType::WarmHandoff
    } else {
        ReferralType::List
    }
}

/// The events of a chosen group after its `referred` event: attending at 90 days when engaged;
/// otherwise a first session and a stop at 30 days, or no contact at 7 days.
fn events(id: crate::store::ReferralId, on: NaiveDate, c: &Chosen) -> Vec<NewEvent> {
    let event = |kind, days: u64, reason| NewEvent {
        referral: id,
        kind,
        on: on + Days::new(days),
        group_id: Some(c.group_id.clone()),
        reason,
    };
    if c.engaged {
        vec![
            event(EventKind::AttendedFirst, 7, None),
            event(EventKind::Attending, 90, None),
        ]
    } else if c.attended_first {
        vec![
            event(EventKind::AttendedFirst, 7, None),
            event(EventKind::Stopped, 30, Some(StopReason::Other)),
        ]
    } else {
        vec![event(EventKind::CouldNotContact, 7, None)]
    }
}

/// Runs the loop on `store`, which must hold no referral yet.
pub fn run_rounds(params: &LoopParams, store: &mut Store) -> Result<LoopRun> {
    params.check()?;
    if store.counts()?.0 > 0 {
        return Err(Error::Store {
            path: store.path().to_path_buf(),
            message: "it already holds referrals: the loop starts from an empty database, so \
                      give a new --db file"
                .into(),
        });
    }
    // The directory, the truth and the groups' qualities: a simulation with no placements.
    let sim = simulate(&SimulationParams::new(params.seed, 1, params.groups, 0))?;
    let effects = sim
        .groups
        .iter()
        .map(|g| sim.file.group_effects[&g.id])
        .collect();
    let start = sim.file.params.reference_date;
    let prior = EngagementModel::prior();
    let eligibility = Engine::new(sim.groups.clone(), prior.clone())?;
    let mut world = World {
        effects,
        start,
        holdout: History {
            people: Vec::new(),
            rows: Vec::new(),
        },
        holdout_dir: SimulationDir {
            file: sim.file.clone(),
            groups: sim.groups.clone(),
            people: Vec::new(),
        },
        sim,
    };
    world.holdout =
        world.random_placements(&eligibility, STREAM_HOLDOUT, HOLDOUT_BASE, params.holdout);
    world.holdout_dir.people = world.holdout.people.clone();

    let first = world.measure(&prior)?;
    let (oracle, holdout_people) = (first.models["oracle"], first.people);
    let mut rows = vec![RoundRow {
        round: 0,
        started_on: start,
        people: 0,
        referrals: 0,
        consented: 0,
        training_rows: 0,
        engaged: 0.0,
        chosen_true_mean: 0.0,
        holdout: first.models["learned"],
    }];
    // Each retraining shrinks toward the model the loop started from, never toward the last
    // round's: every round retrains on every round's outcomes, which the last model has
    // already seen.
    let shrink_toward = params.prior_sd.map(|sd| Prior { model: &prior, sd });
    let mut model = prior.clone();
    let mut logged_true = Vec::new();
    let mut last_history = None;
    for round in 0..params.rounds {
        let day0 = start + Days::new(round as u64 * ROUND_DAYS);
        let engine = Engine::new(world.sim.groups.clone(), model.clone())?;
        let decisions = world.decide(params, &engine, round, day0)?;
        let made: Vec<(&Decision, &Chosen)> = decisions
            .iter()
            .filter_map(|d| d.chosen.as_ref().map(|c| (d, c)))
            .collect();
        let version = format!("simulate-rounds seed {} round {}", params.seed, round + 1);
        let referrals: Vec<NewReferral> = made
            .iter()
            .map(|(d, c)| NewReferral {
                person: d.person.clone(),
                referred_at: placement_instant(d.on),
                staff: None,
                engine_version: version.clone(),
                shown: d.shown.clone(),
                chosen: vec![c.group_id.clone()],
                referral_type: c.referral,
                consent: c.consent,
            })
            .collect();
        // One transaction per round: the round is recorded whole or not at all.
        let ids = store.record_referrals(&referrals)?;
        let new_events: Vec<NewEvent> = ids
            .iter()
            .zip(&made)
            .flat_map(|(id, (d, c))| events(*id, d.on, c))
            .collect();
        let chosen = || made.iter().map(|(_, c)| c);
        let referrals = made.len();
        let consented = chosen().filter(|c| c.consent.training).count();
        let engaged = chosen().filter(|c| c.engaged).count();
        let true_sum: f64 = chosen().map(|c| c.true_probability).sum();
        logged_true.extend(
            chosen()
                .filter(|c| c.consent.training)
                .map(|c| c.true_probability),
        );
        store.append_events(&new_events)?;
        let now = day0 + Days::new(ROUND_DAYS - 1);
        let history = store.training_history(&world.sim.groups, now)?.history;
        let design = design_matrix(&history, &world.sim.groups);
        let file = train(
            &history,
            &design,
            &params.retrain,
            shrink_toward,
            &format!("simulated referrals, rounds 1-{}", round + 1),
            Provenance::Simulation,
        )?;
        model = EngagementModel::from_file(file, "the retrained model")?;
        let measured = world.measure(&model)?;
        rows.push(RoundRow {
            round: round + 1,
            started_on: day0,
            people: decisions.len(),
            referrals,
            consented,
            training_rows: history.rows.len(),
            engaged: engaged as f64 / referrals.max(1) as f64,
            chosen_true_mean: true_sum / referrals.max(1) as f64,
            holdout: measured.models["learned"],
        });
        last_history = Some(history);
    }

    // The same number of random placements, trained the same way.
    let logged = last_history.expect("at least one round");
    let random = world.random_placements(
        &eligibility,
        STREAM_RANDOM_TRAINING,
        RANDOM_BASE,
        logged.rows.len(),
    );
    let design = design_matrix(&random, &world.sim.groups);
    let random_model = EngagementModel::from_file(
        train(
            &random,
            &design,
            &params.retrain,
            shrink_toward,
            "random placements",
            Provenance::Simulation,
        )?,
        "the model of random placements",
    )?;
    let mean = |v: &mut dyn Iterator<Item = f64>, n: usize| v.sum::<f64>() / n.max(1) as f64;
    let bias = SelectionBias {
        rows: logged.rows.len(),
        logged: rows.last().expect("rows").holdout,
        logged_self: training_summary(&model)
            .expect("a trained model has a summary")
            .metrics,
        random: world.measure(&random_model)?.models["learned"],
        logged_true_mean: mean(&mut logged_true.iter().copied(), logged_true.len()),
        random_true_mean: mean(
            &mut random.rows.iter().filter_map(|r| r.true_probability),
            random.rows.len(),
        ),
    };
    Ok(LoopRun {
        report: LoopReport {
            params: params.clone(),
            holdout_placements: world.holdout.rows.len(),
            holdout_people,
            rounds: rows,
            oracle,
            bias,
        },
        model,
        groups: world.sim.groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> LoopParams {
        let mut p = LoopParams::new(2, 1, 150);
        p.groups = 20;
        p.holdout = 200;
        p
    }

    #[test]
    fn the_position_biased_choice_follows_its_weights() {
        let choice = ChoiceModel::default();
        let mut rng = stream(1, STREAM_ROUND_CHOICE, 0);
        let mut counts = [0usize; 6];
        for _ in 0..20_000 {
            counts[choice.choose(&mut rng, 5).map_or(5, |r| r)] += 1;
        }
        // P(none) = 0.1; P(rank r) = 0.9 * 0.6^(r-1) / (1 + 0.6 + 0.36 + 0.216 + 0.1296).
        let total = 2.3056;
        for (r, &n) in counts.iter().take(5).enumerate() {
            let expected = 0.9 * 0.6f64.powi(r as i32) / total;
            assert!(
                (n as f64 / 20_000.0 - expected).abs() < 0.01,
                "rank {r}: {n}"
            );
        }
        assert!((counts[5] as f64 / 20_000.0 - 0.1).abs() < 0.01);
        assert_eq!(choice.choose(&mut rng, 0), None);
    }

    #[test]
    fn a_store_that_holds_referrals_and_bad_parameters_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("r.db")).unwrap();
        let run = run_rounds(&tiny(), &mut store).unwrap();
        assert_eq!(run.report.rounds.len(), 2);
        assert_eq!(
            store.counts().unwrap().0 as usize,
            run.report.rounds[1].referrals
        );
        let err = run_rounds(&tiny(), &mut store).unwrap_err().to_string();
        assert!(err.contains("already holds referrals"), "{err}");
        let mut bad = tiny();
        bad.choice.none = 1.5;
        let empty = &mut Store::open(&dir.path().join("s.db")).unwrap();
        let err = run_rounds(&bad, empty).unwrap_err().to_string();
        assert!(err.contains("must be in 0..1"), "{err}");
    }
}
