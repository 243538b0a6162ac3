//! The outcome report's figures: how the current model's predictions compare with the outcomes an
//! organisation observed, and whether its calibration has drifted from its training holdout.
//!
//! [`outcome_report`] scores every placement of a history (the format `train` reads, or the
//! store's consented, labelled referrals) with the model and sums the result up by decile of the
//! prediction, by person (stage, gender) and group (approach, format) and by how the person
//! attends, each with the 95% Wilson interval of the observed rate. It then sets AUC and ECE on
//! these outcomes beside the model's own holdout figures and says in words what the gap means
//! ([`Drift`]). Data only: `outcomes_html.rs` draws the page, `--json` writes this struct.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::group::Group;
use crate::engagement::history::{placement_instant, score_history, History};
use crate::engagement::metrics::{
    auc, brier, calibration_by_quantile, ece, log_loss, wilson_interval, CalibrationBin, ECE_BINS,
};
use crate::engagement::model::{EngagementModel, Provenance};
use crate::engagement::train::{training_summary, HoldoutMetrics};
use crate::pair::{Attendance, Pair};

/// Bins of the calibration table and plot: deciles of the prediction.
pub const DECILES: usize = 10;

/// What the intervals of the report are, as the page and the JSON name them.
pub const INTERVAL: &str = "95% Wilson score interval";

/// Below this many outcomes the report still shows every figure, but judges no drift.
pub const MIN_OUTCOMES_FOR_DRIFT: usize = 200;

/// The smallest ECE gap judged as drift, whatever the number of outcomes.
pub const ECE_TOLERANCE: f64 = 0.02;

/// The AUC drop from the holdout that is judged as a ranking that got worse.
pub const AUC_TOLERANCE: f64 = 0.03;

/// The outcome report: the data behind `groupmatch report outcomes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeReport {
    /// What the outcomes were read from (a file or a database), as given.
    pub source: String,
    /// Placements with an outcome.
    pub placements: usize,
    /// Those still attending at 90 days.
    pub engaged: usize,
    /// The model scored with.
    pub model: ModelSummary,
    /// AUC, log loss, Brier and ECE of the model on these outcomes (AUC is `None` when every
    /// outcome is the same).
    pub here: OutcomeMetrics,
    /// Calibration by decile of the prediction, each bin with its interval.
    pub deciles: Vec<CalibrationBin>,
    /// What the intervals are: [`INTERVAL`].
    pub interval: &'static str,
    /// The same figures by stage, approach, gender, format and attendance.
    pub breakdowns: Vec<Breakdown>,
    /// The comparison with the model's holdout.
    pub drift: Drift,
}

/// The model a report scored with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// The model file's `description`.
    pub description: String,
    /// What its coefficients were estimated from, when the file says.
    pub provenance: Option<Provenance>,
    /// Its metrics on its own training holdout, when it was trained by `groupmatch train`.
    pub holdout: Option<HoldoutMetrics>,
}

/// Metrics of the model on the report's outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutcomeMetrics {
    /// ROC AUC; `None` when every outcome is the same.
    pub auc: Option<f64>,
    /// Mean log loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Expected calibration error over [`ECE_BINS`] equal-width bins, as `train` reports it.
    pub ece: f64,
}

/// One breakdown of the outcomes: by stage, approach, ...
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// What the rows are by: `stage`, `approach`, `gender`, `format` or `attendance`.
    pub by: &'static str,
    /// Whose value it is, in words: "the person's", "the group's" or "how the person attends".
    pub of: &'static str,
    /// One row per value seen, in the value's order.
    pub rows: Vec<Cell>,
}

/// The placements with one value of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// The value, as written in the files (`not_given` for a stage left empty).
    pub value: String,
    /// Placements.
    pub n: usize,
    /// Mean predicted probability.
    pub predicted_mean: f64,
    /// Share still attending at 90 days.
    pub observed_rate: f64,
    /// Lower end of the observed rate's interval ([`INTERVAL`]).
    pub observed_low: f64,
    /// Upper end.
    pub observed_high: f64,
}

/// What the gap between these outcomes and the model's holdout means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftVerdict {
    /// Calibration and ranking are within tolerance of the holdout's.
    WithinTolerance,
    /// The probabilities are off (ECE beyond tolerance) but the ranking holds: recalibrate or
    /// retrain.
    Recalibrate,
    /// The ranking is worse than at training (AUC dropped): retrain on these outcomes.
    Retrain,
    /// The model has no holdout figures (the hand-set prior, or a file without a training
    /// record): nothing to compare with.
    NoHoldout,
    /// Too few outcomes ([`MIN_OUTCOMES_FOR_DRIFT`]) to tell drift from chance.
    TooFewOutcomes,
}

/// The drift judgement and its plain-words line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// The judgement.
    pub verdict: DriftVerdict,
    /// The ECE gap counted as drift at this number of outcomes: the larger of
    /// [`ECE_TOLERANCE`] and the ECE a perfectly calibrated model is expected to show on this
    /// many outcomes by chance alone.
    pub ece_tolerance: f64,
    /// One line for people: "ECE 0.041 here against 0.012 at training: recalibrate or retrain".
    pub line: String,
}

/// The outcome report of `history` (its group ids index `groups`) under `model`; `source` names
/// where the outcomes came from.
///
/// ```
/// use groupmatch::engagement::outcomes::{outcome_report, DECILES};
/// use groupmatch::simulate::{simulate, SimulationParams};
/// use groupmatch::EngagementModel;
///
/// let sim = simulate(&SimulationParams::new(1, 300, 30, 1_000)).unwrap();
/// let model = EngagementModel::embedded_default();
/// let report = outcome_report(&sim.to_history(), &sim.groups, &model, "sim");
/// assert_eq!(report.placements, sim.history.len());
/// assert_eq!(report.deciles.len(), DECILES);
/// assert!(report.drift.line.contains("ECE"));
/// ```
pub fn outcome_report(
    history: &History,
    groups: &[Group],
    model: &EngagementModel,
    source: &str,
) -> OutcomeReport {
    let probabilities = score_history(history, groups, model);
    let labels: Vec<bool> = history.rows.iter().map(|r| r.engaged_90d).collect();
    let here = OutcomeMetrics {
        auc: auc(&probabilities, &labels),
        log_loss: log_loss(&probabilities, &labels),
        brier: brier(&probabilities, &labels),
        ece: ece(&probabilities, &labels, ECE_BINS),
    };
    let summary = ModelSummary {
        description: model.file().description.clone(),
        provenance: model.provenance(),
        holdout: training_summary(model).map(|t| t.metrics),
    };
    let value_of = |by: &str, row: &crate::engagement::history::HistoryRow| -> String {
        let (person, group) = (&history.people[row.person], &groups[row.group]);
        match by {
            "stage" => person.stage.map_or("not_given", |s| s.as_str()).to_string(),
            "approach" => group.approach.as_str().to_string(),
            "gender" => person.gender.as_str().to_string(),
            "format" => group.format.as_str().to_string(),
            _ => match Pair::at(person, group, placement_instant(row.placed_on))
                .facts
                .attendance
            {
                Attendance::InPerson => "in_person".to_string(),
                Attendance::Online => "online".to_string(),
            },
        }
    };
    let breakdowns = [
        ("stage", "the person's"),
        ("approach", "the group's"),
        ("gender", "the person's"),
        ("format", "the group's"),
        ("attendance", "how the person attends"),
    ]
    .into_iter()
    .map(|(by, of)| {
        // (n, sum of predictions, positives) by value.
        let mut sums: BTreeMap<String, (usize, f64, usize)> = BTreeMap::new();
        for (i, row) in history.rows.iter().enumerate() {
            let slot = sums.entry(value_of(by, row)).or_default();
            slot.0 += 1;
            slot.1 += probabilities[i];
            slot.2 += usize::from(labels[i]);
        }
        let rows = sums
            .into_iter()
            .map(|(value, (n, sum, positives))| {
                let (observed_low, observed_high) = wilson_interval(positives, n);
                Cell {
                    value,
                    n,
                    predicted_mean: sum / n as f64,
                    observed_rate: positives as f64 / n as f64,
                    observed_low,
                    observed_high,
                }
            })
            .collect();
        Breakdown { by, of, rows }
    })
    .collect();
    let drift = drift(&here, summary.holdout.as_ref(), labels.len());
    OutcomeReport {
        source: source.to_string(),
        placements: labels.len(),
        engaged: labels.iter().filter(|&&y| y).count(),
        model: summary,
        here,
        deciles: calibration_by_quantile(&probabilities, &labels, DECILES),
        interval: INTERVAL,
        breakdowns,
        drift,
    }
}

/// Judges the gap between `here` (on `n` outcomes) and the model's `holdout`.
///
/// The ECE tolerance grows for few outcomes: a perfectly calibrated model shows an ECE of about
/// `sqrt(2 / pi) * sqrt(p (1 - p) / m)` per bin of `m` outcomes by chance, at most
/// `sqrt(5 / (2 pi n))` over [`ECE_BINS`] bins of `n / 10` each (p = 0.5); below that a gap is
/// noise, not drift.
fn drift(here: &OutcomeMetrics, holdout: Option<&HoldoutMetrics>, n: usize) -> Drift {
    let chance = (5.0 / (2.0 * std::f64::consts::PI * n.max(1) as f64)).sqrt();
    let ece_tolerance = ECE_TOLERANCE.max(chance);
    let ece_line = |train: f64| format!("ECE {:.3} here against {train:.3} at training", here.ece);
    let (verdict, line) = match holdout {
        None => (
            DriftVerdict::NoHoldout,
            format!(
                "ECE {:.3} here; the model has no holdout figures to compare with (it was not \
                 trained by groupmatch train): train one on these outcomes",
                here.ece
            ),
        ),
        Some(h) if n < MIN_OUTCOMES_FOR_DRIFT => (
            DriftVerdict::TooFewOutcomes,
            format!(
                "{}, but {n} outcomes are too few to judge (at least {MIN_OUTCOMES_FOR_DRIFT})",
                ece_line(h.ece)
            ),
        ),
        Some(h) => match here.auc {
            Some(a) if a < h.auc - AUC_TOLERANCE => (
                DriftVerdict::Retrain,
                format!(
                    "AUC {a:.3} here against {:.3} at training, {}: the ranking is worse than \
                     at training: retrain on these outcomes",
                    h.auc,
                    ece_line(h.ece)
                ),
            ),
            _ if here.ece > h.ece + ece_tolerance => (
                DriftVerdict::Recalibrate,
                format!("{}: recalibrate or retrain", ece_line(h.ece)),
            ),
            _ => (
                DriftVerdict::WithinTolerance,
                format!(
                    "{}: within tolerance ({ece_tolerance:.3} at {n} outcomes), no drift seen",
                    ece_line(h.ece)
                ),
            ),
        },
    };
    Drift {
        verdict,
        ece_tolerance,
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{simulate, SimulationParams};

    /// The report of a simulated history under the embedded model with `shift` added to its
    /// intercept: the same ranking (AUC), probabilities off by the shift (calibration), and the
    /// model's holdout figures as trained.
    fn report_with(shift: f64) -> OutcomeReport {
        let sim = simulate(&SimulationParams::new(4, 3_000, 60, 12_000)).unwrap();
        let mut file = EngagementModel::embedded_default().file().clone();
        file.intercept += shift;
        let model = EngagementModel::from_file(file, "shifted").unwrap();
        outcome_report(&sim.to_history(), &sim.groups, &model, "sim")
    }

    #[test]
    fn breakdowns_count_every_placement_once_and_intervals_hold_the_rate() {
        let r = report_with(0.0);
        assert_eq!(r.placements, 12_000);
        for b in &r.breakdowns {
            assert_eq!(
                b.rows.iter().map(|c| c.n).sum::<usize>(),
                r.placements,
                "{}",
                b.by
            );
            let engaged: f64 = b.rows.iter().map(|c| c.observed_rate * c.n as f64).sum();
            assert!((engaged - r.engaged as f64).abs() < 1e-6, "{}", b.by);
            for c in &b.rows {
                assert!(c.observed_low <= c.observed_rate && c.observed_rate <= c.observed_high);
            }
        }
        let bys: Vec<&str> = r.breakdowns.iter().map(|b| b.by).collect();
        assert_eq!(bys, ["stage", "approach", "gender", "format", "attendance"]);
        assert_eq!(r.deciles.iter().map(|b| b.count).sum::<usize>(), 12_000);
    }

    #[test]
    fn outcomes_like_the_training_data_show_no_drift_and_shifted_ones_do() {
        let same = report_with(0.0);
        assert_eq!(
            same.drift.verdict,
            DriftVerdict::WithinTolerance,
            "{}",
            same.drift.line
        );
        let shifted = report_with(0.5);
        assert_eq!(
            shifted.drift.verdict,
            DriftVerdict::Recalibrate,
            "{}",
            shifted.drift.line
        );
        assert!(shifted.drift.line.ends_with("recalibrate or retrain"));
        assert!(shifted.here.ece > same.here.ece + 0.05);
        assert_eq!(shifted.here.auc, same.here.auc, "a shift keeps the ranking");
    }

    #[test]
    fn the_prior_has_no_holdout_and_few_outcomes_are_not_judged() {
        let here = OutcomeMetrics {
            auc: Some(0.6),
            log_loss: 0.6,
            brier: 0.2,
            ece: 0.1,
        };
        assert_eq!(drift(&here, None, 10_000).verdict, DriftVerdict::NoHoldout);
        let holdout = HoldoutMetrics {
            auc: 0.66,
            log_loss: 0.6,
            brier: 0.2,
            ece: 0.01,
        };
        let few = drift(&here, Some(&holdout), 50);
        assert_eq!(few.verdict, DriftVerdict::TooFewOutcomes);
        assert_eq!(
            drift(&here, Some(&holdout), 5_000).verdict,
            DriftVerdict::Retrain
        );
        // The tolerance is the chance ECE for few outcomes, 0.02 for many.
        assert!(few.ece_tolerance > 0.1);
        assert_eq!(
            drift(&here, Some(&holdout), 100_000).ece_tolerance,
            ECE_TOLERANCE
        );
    }
}
