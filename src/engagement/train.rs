//! Training the engagement model from placement outcomes.
//!
//! The history is split by *person* (a stable hash of the id and the seed), so no one's
//! placements are on both sides. Features are standardised on the training rows, logistic
//! regression is fitted through linfa's `Fit` trait ([`super::logistic`]), and the fitted
//! coefficients are folded back to the raw feature scale, so a feature that is 0 contributes 0
//! and explanations stay readable. Holdout metrics are stored in the model file.
//!
//! With a [`Prior`], the coefficients are shrunk toward another model's instead of toward 0: a
//! Gaussian prior centred on that model's per-unit weights, of one standard deviation for every
//! feature on the raw scale, moved into the standardised space the solver works in.

use std::time::Instant;

use linfa::traits::Fit;
use linfa::{Dataset, ParamGuard};
use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engagement::history::{in_holdout, DesignMatrix, History};
use crate::engagement::logistic::LogisticParams;
use crate::engagement::metrics::{auc, brier, ece, log_loss, ECE_BINS};
use crate::engagement::model::{
    sigmoid, EngagementModel, ModelFile, Provenance, Scaling, MODEL_FORMAT, MODEL_VERSION,
};
use crate::error::{Error, Result};
use crate::features::{Feature, FEATURE_NAMES, N_FEATURES};

/// Hyperparameters of a training run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// Share of people held out for the metrics, in (0, 1).
    pub holdout: f64,
    /// Seed of the people split.
    pub seed: u64,
    /// L2 penalty on the standardised coefficients (see [`super::logistic`]).
    pub l2: f64,
}

impl Default for TrainParams {
    fn default() -> TrainParams {
        TrainParams {
            holdout: 0.2,
            seed: 1,
            l2: 1e-4,
        }
    }
}

/// A Gaussian prior for [`train`]: each coefficient is believed to be `model`'s weight for that
/// feature (its log-odds per unit of the raw feature), give or take `sd`.
///
/// The prior counts once, whatever the number of rows, so the more rows the less it weighs: the
/// fit is the maximum a posteriori estimate. The intercept has no prior (the base rate is the
/// data's). The small `l2` penalty of [`TrainParams`] still applies on top.
#[derive(Debug, Clone, Copy)]
pub struct Prior<'a> {
    /// The model whose weights are the prior's means.
    pub model: &'a EngagementModel,
    /// The prior's standard deviation, in log-odds per unit of each raw feature: finite and
    /// above 0 (for no prior, give none).
    pub sd: f64,
}

/// The `prior` a model was trained with, as its training record stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorSummary {
    /// The prior model's `description`.
    pub model: String,
    /// The standard deviation (log-odds per unit of each raw feature).
    pub sd: f64,
}

/// Holdout metrics of a model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HoldoutMetrics {
    /// ROC AUC.
    pub auc: f64,
    /// Mean log loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Expected calibration error (10 equal-width bins).
    pub ece: f64,
}

/// The `training` object of a trained model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Training rows (placements of people not held out).
    pub rows: usize,
    /// Engaged placements among them.
    pub positives: usize,
    /// Seconds spent in the fit itself (the only field that differs between identical runs).
    pub fit_seconds: f64,
    /// Holdout metrics.
    pub metrics: HoldoutMetrics,
    /// Holdout rows.
    pub holdout_rows: usize,
    /// The split and penalty used.
    pub params: TrainParams,
    /// Solver iterations.
    pub iterations: usize,
    /// Whether the solver met its gradient tolerance.
    pub converged: bool,
    /// The standardisation the coefficients were fitted under (already folded into them).
    pub standardization: Scaling,
    /// The Gaussian prior the coefficients were shrunk toward, if any (absent: toward 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<PriorSummary>,
}

/// Rows of the training and holdout sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Training row indices, in file order.
    pub train: Vec<usize>,
    /// Holdout row indices, in file order.
    pub holdout: Vec<usize>,
}

/// Splits history rows by person.
pub fn split(history: &History, params: &TrainParams) -> Split {
    let held: Vec<bool> = history
        .people
        .iter()
        .map(|p| in_holdout(&p.id, params.seed, params.holdout))
        .collect();
    let (holdout, train) = (0..history.rows.len()).partition(|&i| held[history.rows[i].person]);
    Split { train, holdout }
}

/// Trains a model: split, standardise, fit, fold, measure. `prior`, when given, is what the
/// coefficients are shrunk toward (see [`Prior`]). `source` names the history in the
/// model's metadata; `provenance` is what the history is, written in the model so the score is
/// described as what it is. A trained model is never [`Provenance::HandSet`], and a history that
/// [is a simulation](History::provenance) is never local outcomes.
pub fn train(
    history: &History,
    design: &DesignMatrix,
    params: &TrainParams,
    prior: Option<Prior<'_>>,
    source: &str,
    provenance: Provenance,
) -> Result<ModelFile> {
    let refuse = |message: String| Err(Error::Training(format!("{source}: {message}")));
    match provenance {
        Provenance::HandSet => {
            return refuse("a trained model is never hand_set: its coefficients are fitted".into())
        }
        Provenance::LocalOutcomes if history.provenance() == Provenance::Simulation => {
            return refuse(
                "the history has true_probability values, which only a simulation has: it is not local_outcomes".into(),
            )
        }
        _ => {}
    }
    if !(params.holdout > 0.0 && params.holdout < 1.0) {
        return refuse(format!(
            "holdout {} must be between 0 and 1 (exclusive)",
            params.holdout
        ));
    }
    let split = split(history, params);
    let positives = split.train.iter().filter(|&&i| design.y[i]).count();
    if split.train.len() < N_FEATURES + 1 {
        return refuse(format!(
            "{} training rows for {N_FEATURES} features: at least {} are needed",
            split.train.len(),
            N_FEATURES + 1
        ));
    }
    if positives == 0 || positives == split.train.len() {
        return refuse(
            "every training placement has the same outcome: both engaged (1) and not engaged (0) are needed".into(),
        );
    }
    if split.holdout.is_empty() {
        return refuse(
            "no person fell in the holdout: use more people or a larger --holdout".into(),
        );
    }
    if let Some(prior) = prior.filter(|prior| !(prior.sd > 0.0 && prior.sd.is_finite())) {
        return refuse(format!(
            "the prior's standard deviation must be a finite number above 0, got {}",
            prior.sd
        ));
    }
    let x_train = design.x.select(Axis(0), &split.train);
    let y_train: Array1<bool> = split.train.iter().map(|&i| design.y[i]).collect();
    let (mean, scale) = standardization(&x_train);
    let x_std = standardize(x_train, &mean, &scale);

    let mut solver = LogisticParams::new().l2(params.l2);
    if let Some(prior) = prior {
        // A weight per raw unit is `scale` times larger per standardised unit, and so is its
        // uncertainty.
        let weights: Array1<f64> = Feature::ALL
            .iter()
            .map(|&f| prior.model.weight(f))
            .collect();
        solver = solver.prior(&weights * &scale, prior.sd * &scale);
    }
    let start = Instant::now();
    let fitted = solver.check()?.fit(&Dataset::new(x_std, y_train))?;
    let fit_seconds = start.elapsed().as_secs_f64();

    // Fold the standardisation into raw-scale coefficients.
    let coefficients: Vec<f64> = (0..N_FEATURES)
        .map(|j| fitted.coefficients()[j] / scale[j])
        .collect();
    let intercept = fitted.intercept()
        - (0..N_FEATURES)
            .map(|j| coefficients[j] * mean[j])
            .sum::<f64>();

    let mut metadata = serde_json::Map::new();
    metadata.insert("created_by".into(), "groupmatch train".into());
    metadata.insert("history".into(), source.into());
    metadata.insert(
        "target".into(),
        "still attending the group at 90 days".into(),
    );
    let mut file = ModelFile {
        format: MODEL_FORMAT.into(),
        version: MODEL_VERSION,
        kind: "logistic_regression".into(),
        provenance: Some(provenance),
        description: format!("Logistic regression trained on {source}"),
        features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
        coefficients,
        intercept,
        scaling: None,
        metadata,
        training: None,
    };

    // Holdout probabilities through the very scoring path `rank` uses.
    let model = EngagementModel::from_file(file.clone(), source)?;
    let probabilities: Vec<f64> = split
        .holdout
        .par_iter()
        .map(|&i| sigmoid(model.logit(&design.row(i))))
        .collect();
    let labels: Vec<bool> = split.holdout.iter().map(|&i| design.y[i]).collect();
    let summary = TrainingSummary {
        rows: split.train.len(),
        positives,
        fit_seconds,
        metrics: holdout_metrics(&probabilities, &labels)?,
        holdout_rows: split.holdout.len(),
        params: *params,
        iterations: fitted.iterations(),
        converged: fitted.converged(),
        standardization: Scaling {
            mean: mean.to_vec(),
            scale: scale.to_vec(),
        },
        prior: prior.map(|prior| PriorSummary {
            model: prior.model.file().description.clone(),
            sd: prior.sd,
        }),
    };
    file.training = Some(serde_json::to_value(&summary).expect("summary serialises"));
    Ok(file)
}

/// The training record of a model `groupmatch train` made (its split, holdout metrics, ...);
/// `None` for a model without one (the hand-set prior) or whose record this binary cannot read.
pub fn training_summary(model: &EngagementModel) -> Option<TrainingSummary> {
    serde_json::from_value(model.file().training.clone()?).ok()
}

/// AUC, log loss, Brier and ECE of probabilities against outcomes.
pub fn holdout_metrics(probabilities: &[f64], labels: &[bool]) -> Result<HoldoutMetrics> {
    let auc = auc(probabilities, labels).ok_or_else(|| {
        Error::Training("the holdout has only one outcome, so AUC is undefined".into())
    })?;
    Ok(HoldoutMetrics {
        auc,
        log_loss: log_loss(probabilities, labels),
        brier: brier(probabilities, labels),
        ece: ece(probabilities, labels, ECE_BINS),
    })
}

/// Per-column mean and standard deviation (1 for a constant column).
fn standardization(x: &Array2<f64>) -> (Array1<f64>, Array1<f64>) {
    let mean = x.mean_axis(Axis(0)).expect("at least one row");
    let scale = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 1e-12 { s } else { 1.0 });
    (mean, scale)
}

fn standardize(mut x: Array2<f64>, mean: &Array1<f64>, scale: &Array1<f64>) -> Array2<f64> {
    let columns = x.ncols();
    let data = x
        .as_slice_mut()
        .expect("a freshly selected matrix is contiguous");
    data.par_chunks_mut(columns).for_each(|row| {
        for ((v, m), s) in row.iter_mut().zip(mean).zip(scale) {
            *v = (*v - m) / s;
        }
    });
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Group;
    use crate::engagement::history::design_matrix;
    use crate::simulate::{simulate, SimulationParams};

    const SIM: Provenance = Provenance::Simulation;

    fn small_simulation() -> (History, Vec<Group>) {
        let sim = simulate(&SimulationParams::new(3, 4000, 150, 20_000)).unwrap();
        (sim.to_history(), sim.groups)
    }

    #[test]
    fn split_keeps_each_person_on_one_side() {
        let (history, _) = small_simulation();
        let s = split(&history, &TrainParams::default());
        let train_people: std::collections::HashSet<usize> =
            s.train.iter().map(|&i| history.rows[i].person).collect();
        assert!(s
            .holdout
            .iter()
            .all(|&i| !train_people.contains(&history.rows[i].person)));
        assert_eq!(s.train.len() + s.holdout.len(), history.rows.len());
        let share = s.holdout.len() as f64 / history.rows.len() as f64;
        assert!((0.1..0.3).contains(&share), "{share}");
    }

    #[test]
    fn trained_model_predicts_its_holdout_nearly_as_well_as_the_truth() {
        let (history, groups) = small_simulation();
        let design = design_matrix(&history, &groups);
        let file = train(&history, &design, &TrainParams::default(), None, "sim", SIM).unwrap();
        let model = EngagementModel::from_file(file.clone(), "m").unwrap();
        let summary: TrainingSummary =
            serde_json::from_value(file.training.clone().unwrap()).unwrap();
        assert!(summary.converged);
        // Folding the standardisation keeps predictions: recompute one holdout AUC by hand.
        let s = split(&history, &TrainParams::default());
        let learned: Vec<f64> = s
            .holdout
            .iter()
            .map(|&i| model.logit(&design.row(i)))
            .collect();
        let truth: Vec<f64> = s
            .holdout
            .iter()
            .map(|&i| history.rows[i].true_probability.unwrap())
            .collect();
        let labels: Vec<bool> = s.holdout.iter().map(|&i| design.y[i]).collect();
        let learned_auc = auc(&learned, &labels).unwrap();
        assert!((learned_auc - summary.metrics.auc).abs() < 1e-9);
        let oracle_auc = auc(&truth, &labels).unwrap();
        assert!(
            learned_auc > oracle_auc - 0.03,
            "learned {learned_auc}, oracle {oracle_auc}"
        );
    }

    #[test]
    fn a_prior_pulls_the_raw_coefficients_to_its_model_and_a_wider_one_less() {
        let (history, groups) = small_simulation();
        let design = design_matrix(&history, &groups);
        let params = TrainParams::default();
        let hand_set = EngagementModel::prior();
        let with_sd = |sd: f64| {
            let prior = Prior {
                model: &hand_set,
                sd,
            };
            train(&history, &design, &params, Some(prior), "sim", SIM).unwrap()
        };
        // Held at the prior: the raw coefficients are the prior model's, so the prior was moved
        // into the standardised space and back correctly.
        let held = with_sd(1e-4);
        for (w, (_, m)) in held.coefficients.iter().zip(hand_set.coefficients()) {
            assert!((w - m).abs() < 1e-3, "{:?}", held.coefficients);
        }
        let summary: TrainingSummary = serde_json::from_value(held.training.unwrap()).unwrap();
        assert_eq!(
            summary.prior,
            Some(PriorSummary {
                model: hand_set.file().description.clone(),
                sd: 1e-4
            })
        );
        // Without a prior the record has none; with a wider one the coefficients lie between.
        let plain = train(&history, &design, &params, None, "sim", SIM).unwrap();
        let plain_summary = plain.training.clone().unwrap();
        assert!(plain_summary.get("prior").is_none(), "{plain_summary}");
        let distance = |c: &[f64]| {
            c.iter()
                .zip(hand_set.coefficients())
                .map(|(w, (_, m))| (w - m) * (w - m))
                .sum::<f64>()
        };
        let middle = with_sd(0.25);
        assert!(distance(&middle.coefficients) < distance(&plain.coefficients));
        assert!(distance(&middle.coefficients) > distance(&held.coefficients));
        for (sd, shown) in [(0.0, "0"), (f64::INFINITY, "inf"), (f64::NAN, "NaN")] {
            let prior = Prior {
                model: &hand_set,
                sd,
            };
            let err = train(&history, &design, &params, Some(prior), "sim", SIM).unwrap_err();
            let expected =
                format!("standard deviation must be a finite number above 0, got {shown}");
            assert!(err.to_string().contains(&expected), "{err}");
        }
    }

    #[test]
    fn training_is_deterministic_except_for_the_clock() {
        let (history, groups) = small_simulation();
        let design = design_matrix(&history, &groups);
        let a = train(&history, &design, &TrainParams::default(), None, "sim", SIM).unwrap();
        let b = train(&history, &design, &TrainParams::default(), None, "sim", SIM).unwrap();
        assert_eq!(a.coefficients, b.coefficients);
        assert_eq!(a.intercept, b.intercept);
    }

    #[test]
    fn the_model_says_what_it_was_trained_on_and_a_simulation_is_never_called_local_outcomes() {
        let (mut history, groups) = small_simulation();
        let design = design_matrix(&history, &groups);
        assert_eq!(history.provenance(), SIM);
        let file = train(&history, &design, &TrainParams::default(), None, "sim", SIM).unwrap();
        assert_eq!(file.provenance, Some(SIM));
        for wrong in [Provenance::LocalOutcomes, Provenance::HandSet] {
            let err = train(
                &history,
                &design,
                &TrainParams::default(),
                None,
                "sim",
                wrong,
            )
            .unwrap_err();
            assert!(err.to_string().contains(wrong.as_str()), "{err}");
        }
        // Real outcomes carry no true probability.
        for r in &mut history.rows {
            r.true_probability = None;
        }
        let local = history.provenance();
        assert_eq!(local, Provenance::LocalOutcomes);
        let file = train(
            &history,
            &design,
            &TrainParams::default(),
            None,
            "h.csv",
            local,
        )
        .unwrap();
        assert_eq!(file.provenance, Some(local));
    }

    #[test]
    fn one_class_and_too_few_rows_are_refused() {
        let (mut history, groups) = small_simulation();
        for r in &mut history.rows {
            r.engaged_90d = true;
        }
        let design = design_matrix(&history, &groups);
        let err = train(&history, &design, &TrainParams::default(), None, "sim", SIM).unwrap_err();
        assert!(err.to_string().contains("same outcome"), "{err}");
        history.rows.truncate(10);
        let design = design_matrix(&history, &groups);
        let err = train(&history, &design, &TrainParams::default(), None, "sim", SIM).unwrap_err();
        assert!(err.to_string().contains("training rows"), "{err}");
    }
}
