//! Evaluation metrics for engagement probabilities.
//!
//! `train` reports discrimination ([`auc`]), probabilistic accuracy ([`log_loss`], [`brier`]) and
//! calibration ([`ece`]) on its holdout; `evaluate` compares each model's ranking of a person's
//! groups with the oracle's ([`ndcg_at_k`], [`precision_at_1`]) and bins predictions for the
//! reliability diagram ([`calibration`]; `plot.rs` draws it). Everything here is
//! a pure function over slices: no I/O, no randomness, and the same input always gives
//! bit-identical output, so reported figures are reproducible.
//!
//! Probabilities and outcomes are parallel slices (`&[f64]`, `&[bool]`); every function panics
//! when their lengths differ, because that is a bug in the caller, not bad data.

use std::cmp::Ordering;

use serde::Serialize;

/// The number of equal-width bins the project uses for expected calibration error ([`ece`]) and
/// the calibration plot, unless a caller asks for another number.
pub const ECE_BINS: usize = 10;

/// Probabilities are clipped to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` in [`log_loss`], so a
/// confident miss costs about 34.5 nats instead of infinity (the value scikit-learn used).
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Area under the ROC curve: the chance that a random positive scores above a random negative,
/// counting a tie as half (the Mann-Whitney U statistic divided by `positives * negatives`).
///
/// Tied scores get their midrank, so the result does not depend on input order. Runs in
/// O(n log n); the pair count is kept in integers, so it is exact up to the final division.
/// Scores are ordered with [`f64::total_cmp`]; `-0.0` and `0.0` count as tied, while a NaN score
/// has no meaning here and should be filtered out by the caller.
///
/// Returns `None` when the labels hold only one class (or none), where AUC is undefined.
///
/// # Panics
///
/// When `scores` and `labels` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::auc;
///
/// let scores = [0.1, 0.4, 0.35, 0.8];
/// let labels = [false, false, true, true];
/// assert_eq!(auc(&scores, &labels), Some(0.75));
/// assert_eq!(auc(&scores, &[true; 4]), None);
/// ```
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    check_lengths(scores.len(), labels.len(), "scores");
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));

    // Walk tie groups in ascending score order. A positive beats every negative below its group
    // and ties with each negative inside it; doubling keeps the halves integral.
    let (mut positives, mut negatives_below) = (0u64, 0u64);
    let mut twice_u: u128 = 0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let group_pos = order[start..end].iter().filter(|&&i| labels[i]).count() as u64;
        let group_neg = (end - start) as u64 - group_pos;
        twice_u += 2 * u128::from(group_pos) * u128::from(negatives_below)
            + u128::from(group_pos) * u128::from(group_neg);
        positives += group_pos;
        negatives_below += group_neg;
        start = end;
    }
    let negatives = negatives_below;
    if positives == 0 || negatives == 0 {
        return None;
    }
    Some(twice_u as f64 / (2.0 * positives as f64 * negatives as f64))
}

/// Mean negative log-likelihood (natural log) of the outcomes under the probabilities, with each
/// probability clipped to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` ([`LOG_LOSS_EPS`]).
///
/// Lower is better; always predicting the base rate `r` scores the entropy of `r`. Returns NaN
/// for empty input (a mean of nothing).
///
/// # Panics
///
/// When `probs` and `labels` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::log_loss;
///
/// let loss = log_loss(&[0.5, 0.5], &[true, false]);
/// assert!((loss - std::f64::consts::LN_2).abs() < 1e-12);
/// ```
pub fn log_loss(probs: &[f64], labels: &[bool]) -> f64 {
    check_lengths(probs.len(), labels.len(), "probs");
    let total: f64 = probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if y {
                -libm::log(p)
            } else {
                -libm::log(1.0 - p)
            }
        })
        .sum();
    total / probs.len() as f64
}

/// Brier score: the mean squared difference between probability and outcome (1 or 0).
///
/// Lower is better; 0 is perfect, and always predicting 0.5 scores 0.25. Returns NaN for empty
/// input.
///
/// # Panics
///
/// When `probs` and `labels` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::brier;
///
/// assert_eq!(brier(&[0.5, 0.5], &[true, false]), 0.25);
/// assert_eq!(brier(&[1.0, 0.0], &[true, false]), 0.0);
/// ```
pub fn brier(probs: &[f64], labels: &[bool]) -> f64 {
    check_lengths(probs.len(), labels.len(), "probs");
    let total: f64 = probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let d = p - if y { 1.0 } else { 0.0 };
            d * d
        })
        .sum();
    total / probs.len() as f64
}

/// One bin of a calibration (reliability) table: an equal-width bin of [`calibration`] or an
/// equal-count bin (a decile) of [`calibration_by_quantile`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin (inclusive): for an equal-count bin, its smallest prediction.
    pub lower: f64,
    /// Upper edge of the bin (exclusive, except the last bin, which includes 1): for an
    /// equal-count bin, its largest prediction (inclusive).
    pub upper: f64,
    /// How many predictions fell in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin; 0 when `count` is 0.
    pub mean_predicted: f64,
    /// Fraction of the bin's outcomes that were positive; 0 when `count` is 0.
    pub observed_rate: f64,
    /// The 95% Wilson score interval of the observed rate ([`wilson_interval`]): its lower end.
    pub observed_low: f64,
    /// Its upper end.
    pub observed_high: f64,
}

impl CalibrationBin {
    /// The bin of `count` predictions between `lower` and `upper` that sum to `sum_predicted`,
    /// `positives` of which came true.
    fn new(lower: f64, upper: f64, count: usize, sum_predicted: f64, positives: usize) -> Self {
        let (mean_predicted, observed_rate) = if count == 0 {
            (0.0, 0.0)
        } else {
            (
                sum_predicted / count as f64,
                positives as f64 / count as f64,
            )
        };
        let (observed_low, observed_high) = wilson_interval(positives, count);
        CalibrationBin {
            lower,
            upper,
            count,
            mean_predicted,
            observed_rate,
            observed_low,
            observed_high,
        }
    }
}

/// The normal quantile of a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// The 95% Wilson score interval of a rate of `positives` in `n`: `(0, 0)` when `n` is 0.
///
/// Unlike the normal (Wald) interval it stays inside `[0, 1]` and does not collapse to a point
/// at 0 or `n` positives, which matters for the small groups an outcome report breaks down
/// (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it for small `n`).
///
/// # Panics
///
/// When `positives` is larger than `n`.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::wilson_interval;
///
/// let (low, high) = wilson_interval(5, 10);
/// assert!((low - 0.2366).abs() < 1e-4 && (high - 0.7634).abs() < 1e-4);
/// let (low, high) = wilson_interval(0, 4);
/// assert!(low.abs() < 1e-15 && high > 0.4);
/// ```
pub fn wilson_interval(positives: usize, n: usize) -> (f64, f64) {
    assert!(positives <= n, "{positives} positives among {n}");
    if n == 0 {
        return (0.0, 0.0);
    }
    let (n, p) = (n as f64, positives as f64 / n as f64);
    let z2 = Z_95 * Z_95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z_95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Splits the predictions, in increasing order, into `bins` bins of (nearly) equal count, the
/// deciles of an outcome report when `bins` is 10, and reports each as [`calibration`] does.
///
/// Predictions are ordered by [`f64::total_cmp`], ties by input position, so the bins are the
/// same for the same input; bin `i` holds the sorted predictions `i * n / bins .. (i + 1) * n /
/// bins`, so equal predictions can straddle two bins. With fewer predictions than bins, some
/// bins are empty (edges 0). Equal-count bins suit predictions that crowd a narrow range, where
/// most equal-width bins would be empty or nearly so.
///
/// # Panics
///
/// When `bins` is 0, or `probs` and `labels` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::calibration_by_quantile;
///
/// let bins = calibration_by_quantile(&[0.9, 0.1, 0.2, 0.4], &[true, false, true, false], 2);
/// assert_eq!((bins[0].lower, bins[0].upper, bins[0].count), (0.1, 0.2, 2));
/// assert_eq!(bins[0].observed_rate, 0.5);
/// assert_eq!((bins[1].lower, bins[1].upper), (0.4, 0.9));
/// ```
pub fn calibration_by_quantile(probs: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    assert!(bins > 0, "calibration needs at least 1 bin, got 0");
    check_lengths(probs.len(), labels.len(), "probs");
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[a].total_cmp(&probs[b]).then(a.cmp(&b)));
    let n = order.len();
    (0..bins)
        .map(|i| {
            let members = &order[i * n / bins..(i + 1) * n / bins];
            let (lower, upper) = match (members.first(), members.last()) {
                (Some(&a), Some(&b)) => (probs[a], probs[b]),
                _ => (0.0, 0.0),
            };
            let sum: f64 = members.iter().map(|&k| probs[k]).sum();
            let positives = members.iter().filter(|&&k| labels[k]).count();
            CalibrationBin::new(lower, upper, members.len(), sum, positives)
        })
        .collect()
}

/// Splits `[0, 1]` into `bins` equal-width bins and reports, for each, how many predictions fell
/// in it, their mean and the observed positive rate.
///
/// A probability `p` goes to bin `floor(p * bins)`, so each bin holds `[lower, upper)` and the
/// last one also holds 1. Values outside `[0, 1]` land in the nearest end bin (a NaN in the
/// first). Every bin is returned, empty ones included, so tables from different models line up.
///
/// # Panics
///
/// When `bins` is 0, or `probs` and `labels` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::calibration;
///
/// let bins = calibration(&[0.1, 0.2, 0.9], &[false, true, true], 2);
/// assert_eq!(bins.len(), 2);
/// assert_eq!((bins[0].lower, bins[0].upper, bins[0].count), (0.0, 0.5, 2));
/// assert!((bins[0].mean_predicted - 0.15).abs() < 1e-12);
/// assert_eq!(bins[0].observed_rate, 0.5);
/// assert_eq!(bins[1].observed_rate, 1.0);
/// ```
pub fn calibration(probs: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    assert!(bins > 0, "calibration needs at least 1 bin, got 0");
    check_lengths(probs.len(), labels.len(), "probs");
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
    for (&p, &y) in probs.iter().zip(labels) {
        // `as usize` saturates: negatives and NaN give 0; `min` caps 1.0 and above.
        let index = ((p * bins as f64).floor() as usize).min(bins - 1);
        let slot = &mut sums[index];
        slot.0 += 1;
        slot.1 += p;
        slot.2 += usize::from(y);
    }
    sums.iter()
        .enumerate()
        .map(|(i, &(count, sum_p, positives))| {
            CalibrationBin::new(
                i as f64 / bins as f64,
                (i + 1) as f64 / bins as f64,
                count,
                sum_p,
                positives,
            )
        })
        .collect()
}

/// Expected calibration error: over the equal-width bins of [`calibration`], the sum of
/// `count / n * |mean_predicted - observed_rate|`.
///
/// The project reports it with [`ECE_BINS`] (10) bins. 0 means every bin's mean prediction
/// matches its observed rate. Returns NaN for empty input.
///
/// # Panics
///
/// When `bins` is 0, or `probs` and `labels` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::{ece, ECE_BINS};
///
/// // Two predictions of 0.25, one of which came true: off by 0.25 in the only non-empty bin.
/// let e = ece(&[0.25, 0.25], &[true, false], ECE_BINS);
/// assert!((e - 0.25).abs() < 1e-12);
/// ```
pub fn ece(probs: &[f64], labels: &[bool], bins: usize) -> f64 {
    let n = probs.len() as f64;
    calibration(probs, labels, bins)
        .iter()
        .map(|b| b.count as f64 / n * (b.mean_predicted - b.observed_rate).abs())
        .sum()
}

/// Normalised discounted cumulative gain of the top `k` items ranked by `predicted`, with the
/// oracle's values `truth` as gains.
///
/// Items are ranked by `predicted` descending; ties go to the lower index first, so the result is
/// deterministic. The item at rank `r` (from 1) adds `truth / log2(r + 1)` (linear gain: the
/// true probability itself). The ideal DCG ranks by `truth` descending. `k` larger than the
/// number of items means all of them. Gains are assumed non-negative (they are probabilities).
///
/// Returns `None` for empty input or when the ideal DCG is 0 (all true values 0, or `k == 0`),
/// where the ratio is undefined.
///
/// # Panics
///
/// When `predicted` and `truth` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::ndcg_at_k;
///
/// let truth = [0.9, 0.5, 0.1];
/// assert_eq!(ndcg_at_k(&[0.7, 0.6, 0.2], &truth, 3), Some(1.0));
/// let swapped = ndcg_at_k(&[0.6, 0.7, 0.2], &truth, 3).unwrap();
/// assert!(swapped < 1.0);
/// ```
pub fn ndcg_at_k(predicted: &[f64], truth: &[f64], k: usize) -> Option<f64> {
    check_lengths(predicted.len(), truth.len(), "predicted");
    if predicted.is_empty() {
        return None;
    }
    let actual = dcg(&top_k(predicted, k), truth);
    let idcg = dcg(&top_k(truth, k), truth);
    if idcg > 0.0 {
        Some(actual / idcg)
    } else {
        None
    }
}

/// 1.0 when the top item by `predicted` (ties to the lower index, as in [`ndcg_at_k`]) is one of
/// the items with the maximal `truth`, otherwise 0.0; averaged over people this is the share of
/// people whose first suggestion is the oracle's best.
///
/// Returns `None` for empty input.
///
/// # Panics
///
/// When `predicted` and `truth` differ in length.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::precision_at_1;
///
/// let truth = [0.3, 0.8, 0.8];
/// assert_eq!(precision_at_1(&[0.1, 0.2, 0.9], &truth), Some(1.0)); // tied for best counts
/// assert_eq!(precision_at_1(&[0.9, 0.2, 0.1], &truth), Some(0.0));
/// assert_eq!(precision_at_1(&[], &[]), None);
/// ```
pub fn precision_at_1(predicted: &[f64], truth: &[f64]) -> Option<f64> {
    check_lengths(predicted.len(), truth.len(), "predicted");
    let top = *top_k(predicted, 1).first()?;
    let best = truth.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(if truth[top] == best { 1.0 } else { 0.0 })
}

/// Panics with a message naming the slice when parallel slices differ in length.
fn check_lengths(left: usize, right: usize, what: &str) {
    assert_eq!(
        left, right,
        "{what} has {left} values but the other slice has {right}; they must be parallel"
    );
}

/// Indices of the `k` largest values, largest first, ties to the lower index.
///
/// The comparator is a total order (value descending by [`f64::total_cmp`], then index), so the
/// unstable selection and sort still give one deterministic answer in O(n + k log k).
fn top_k(values: &[f64], k: usize) -> Vec<usize> {
    let by_rank =
        |a: &usize, b: &usize| -> Ordering { values[*b].total_cmp(&values[*a]).then(a.cmp(b)) };
    let mut order: Vec<usize> = (0..values.len()).collect();
    let k = k.min(order.len());
    if k == 0 {
        return Vec::new();
    }
    if k < order.len() {
        order.select_nth_unstable_by(k - 1, by_rank);
        order.truncate(k);
    }
    order.sort_unstable_by(by_rank);
    order
}

/// Discounted cumulative gain of `ranking` (indices, best first) with `gains`.
fn dcg(ranking: &[usize], gains: &[f64]) -> f64 {
    ranking
        .iter()
        .enumerate()
        .map(|(r, &i)| gains[i] / libm::log2((r + 2) as f64))
        .sum()
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::*;

    const T: bool = true;
    const F: bool = false;

    #[test]
    fn auc_of_perfect_ranking_is_one() {
        let scores = [0.1, 0.2, 0.3, 0.8, 0.9];
        assert_eq!(auc(&scores, &[F, F, F, T, T]), Some(1.0));
    }

    #[test]
    fn auc_of_reversed_ranking_is_zero() {
        let scores = [0.1, 0.2, 0.3, 0.8, 0.9];
        assert_eq!(auc(&scores, &[T, T, T, F, F]), Some(0.0));
    }

    #[test]
    fn auc_of_all_tied_scores_is_one_half() {
        assert_eq!(auc(&[0.4; 5], &[T, F, F, T, F]), Some(0.5));
    }

    #[test]
    fn auc_counts_ties_as_half_by_midranks() {
        // Positives score 0.4, 0.8, 0.9; negatives 0.1, 0.4, 0.8.
        // Mann-Whitney by pairs: 0.4 beats 0.1, ties 0.4 -> 1.5; 0.8 beats 0.1 and 0.4, ties
        // 0.8 -> 2.5; 0.9 beats all three -> 3. U = 7 of 3 * 3 = 9 pairs.
        // By midranks: sorted ranks 0.1 -> 1, 0.4 -> 2.5, 0.8 -> 4.5, 0.9 -> 6; positive rank sum
        // 2.5 + 4.5 + 6 = 13, U = 13 - 3 * 4 / 2 = 7. AUC = 7 / 9.
        let scores = [0.8, 0.1, 0.9, 0.4, 0.8, 0.4];
        let labels = [F, F, T, T, T, F];
        assert_abs_diff_eq!(auc(&scores, &labels).unwrap(), 7.0 / 9.0, epsilon = 1e-15);
    }

    #[test]
    fn auc_does_not_depend_on_input_order() {
        let scores = [0.8, 0.1, 0.9, 0.4, 0.8, 0.4];
        let labels = [F, F, T, T, T, F];
        let rev_scores: Vec<f64> = scores.iter().rev().copied().collect();
        let rev_labels: Vec<bool> = labels.iter().rev().copied().collect();
        assert_eq!(auc(&scores, &labels), auc(&rev_scores, &rev_labels));
    }

    #[test]
    fn auc_treats_signed_zeros_as_tied() {
        assert_eq!(auc(&[-0.0, 0.0], &[T, F]), Some(0.5));
        assert_eq!(auc(&[0.0, -0.0], &[T, F]), Some(0.5));
    }

    #[test]
    fn auc_is_none_with_one_class() {
        assert_eq!(auc(&[0.1, 0.9], &[T, T]), None);
        assert_eq!(auc(&[0.1, 0.9], &[F, F]), None);
        assert_eq!(auc(&[], &[]), None);
    }

    #[test]
    #[should_panic(expected = "must be parallel")]
    fn auc_panics_on_mismatched_lengths() {
        auc(&[0.1, 0.2], &[T]);
    }

    #[test]
    fn log_loss_matches_hand_value() {
        // (-ln 0.9 - ln 0.8 - ln 0.4) / 3 = (0.1053605 + 0.2231436 + 0.9162907) / 3
        let loss = log_loss(&[0.9, 0.2, 0.6], &[T, F, F]);
        assert_abs_diff_eq!(loss, 0.414_931_599_615_397, epsilon = 1e-12);
    }

    #[test]
    fn log_loss_clips_certain_misses() {
        // -ln(1e-15) = 34.5387764
        assert_abs_diff_eq!(
            log_loss(&[0.0], &[T]),
            34.538_776_394_910_684,
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(
            log_loss(&[1.0], &[F]),
            34.538_776_394_910_684,
            epsilon = 1e-2
        );
        assert!(log_loss(&[1.0, 0.0], &[T, F]) < 1e-14);
    }

    #[test]
    fn brier_matches_hand_value() {
        // (0.1^2 + 0.2^2 + 0.6^2) / 3 = 0.41 / 3
        let score = brier(&[0.9, 0.2, 0.6], &[T, F, F]);
        assert_abs_diff_eq!(score, 0.41 / 3.0, epsilon = 1e-12);
    }

    #[test]
    fn mean_metrics_of_empty_input_are_nan() {
        assert!(log_loss(&[], &[]).is_nan());
        assert!(brier(&[], &[]).is_nan());
        assert!(ece(&[], &[], ECE_BINS).is_nan());
    }

    #[test]
    fn calibration_bins_are_equal_width_and_include_one_in_last_bin() {
        let bins = calibration(&[0.0, 0.5, 0.49, 1.0, 0.75], &[F, T, F, T, F], 4);
        let edges: Vec<(f64, f64)> = bins.iter().map(|b| (b.lower, b.upper)).collect();
        assert_eq!(edges, [(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)]);
        let counts: Vec<usize> = bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [1, 1, 1, 2]);
        assert_abs_diff_eq!(bins[3].mean_predicted, 0.875, epsilon = 1e-15);
        assert_abs_diff_eq!(bins[3].observed_rate, 0.5, epsilon = 1e-15);
    }

    #[test]
    fn calibration_reports_empty_bins_as_zero() {
        let bins = calibration(&[0.95], &[T], ECE_BINS);
        assert_eq!(bins.len(), ECE_BINS);
        assert_eq!(bins[0].count, 0);
        assert_eq!((bins[0].mean_predicted, bins[0].observed_rate), (0.0, 0.0));
        assert_eq!(bins[9].count, 1);
    }

    #[test]
    fn calibration_puts_out_of_range_values_in_end_bins() {
        let bins = calibration(&[-0.2, 1.3, f64::NAN], &[F, T, F], 2);
        assert_eq!((bins[0].count, bins[1].count), (2, 1));
    }

    #[test]
    fn wilson_interval_matches_hand_values_and_stays_in_the_unit_interval() {
        // 0 of 10: (0, z^2 / (n + z^2)) = (0, 3.8415 / 13.8415).
        let (low, high) = wilson_interval(0, 10);
        assert_abs_diff_eq!(low, 0.0, epsilon = 1e-15);
        assert_abs_diff_eq!(high, 0.277_532, epsilon = 1e-6);
        // 10 of 10 mirrors it.
        let (low, high) = wilson_interval(10, 10);
        assert_abs_diff_eq!(low, 1.0 - 0.277_532, epsilon = 1e-6);
        assert_abs_diff_eq!(high, 1.0, epsilon = 1e-15);
        // Large n: close to the normal interval, 0.3 +- 1.96 * sqrt(0.21 / 10000).
        let (low, high) = wilson_interval(3000, 10_000);
        assert_abs_diff_eq!(
            high - low,
            2.0 * 1.96 * (0.21f64 / 1e4).sqrt(),
            epsilon = 1e-4
        );
        assert_eq!(wilson_interval(0, 0), (0.0, 0.0));
        let bins = calibration(&[0.2, 0.3, 0.9], &[T, F, T], 2);
        assert_eq!(
            (bins[0].observed_low, bins[0].observed_high),
            wilson_interval(1, 2)
        );
    }

    #[test]
    fn quantile_bins_hold_equal_counts_in_prediction_order() {
        let probs: Vec<f64> = (0..25).map(|i| f64::from(24 - i) / 100.0).collect();
        let labels: Vec<bool> = (0..25).map(|i| i % 3 == 0).collect();
        let bins = calibration_by_quantile(&probs, &labels, 10);
        let counts: Vec<usize> = bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 3, 2, 3, 2, 3, 2, 3, 2, 3]);
        assert_eq!((bins[0].lower, bins[0].upper), (0.0, 0.01));
        assert_eq!(bins[9].upper, 0.24);
        assert!(bins.windows(2).all(|w| w[0].upper <= w[1].lower));
        let total: usize = bins
            .iter()
            .map(|b| (b.observed_rate * b.count as f64).round() as usize)
            .sum();
        assert_eq!(total, labels.iter().filter(|&&y| y).count());
        let few = calibration_by_quantile(&[0.5], &[T], 3);
        assert_eq!(few.iter().map(|b| b.count).collect::<Vec<_>>(), [0, 0, 1]);
    }

    #[test]
    #[should_panic(expected = "at least 1 bin")]
    fn calibration_panics_on_zero_bins() {
        calibration(&[0.5], &[T], 0);
    }

    #[test]
    fn ece_of_perfectly_calibrated_bins_is_zero() {
        // 0.25 with 1 of 4 engaged; 0.75 with 3 of 4 engaged.
        let probs = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
        let labels = [T, F, F, F, T, T, F, T];
        assert_abs_diff_eq!(ece(&probs, &labels, ECE_BINS), 0.0, epsilon = 1e-15);
    }

    #[test]
    fn ece_matches_hand_value() {
        // Two bins. [0, 0.5): 0.2 and 0.4, mean 0.3, observed 1/2 -> 2/4 * 0.2 = 0.1.
        // [0.5, 1]: 0.7 and 0.9, mean 0.8, observed 2/2 -> 2/4 * 0.2 = 0.1. ECE = 0.2.
        let e = ece(&[0.2, 0.4, 0.7, 0.9], &[F, T, T, T], 2);
        assert_abs_diff_eq!(e, 0.2, epsilon = 1e-12);
    }

    #[test]
    fn ndcg_is_one_when_predicted_order_equals_truth_order() {
        let truth = [0.2, 0.9, 0.5, 0.1];
        // Different values, same order.
        let predicted = [0.3, 0.6, 0.4, 0.05];
        for k in 1..=5 {
            assert_abs_diff_eq!(
                ndcg_at_k(&predicted, &truth, k).unwrap(),
                1.0,
                epsilon = 1e-15
            );
        }
    }

    #[test]
    fn ndcg_matches_three_item_hand_value() {
        // Predicted order: item 1 (truth 0.5), item 2 (0.1), item 0 (0.9).
        // DCG@3 = 0.5/log2(2) + 0.1/log2(3) + 0.9/log2(4) = 0.5 + 0.0630930 + 0.45 = 1.0130930
        // IDCG@3 = 0.9/log2(2) + 0.5/log2(3) + 0.1/log2(4) = 0.9 + 0.3154649 + 0.05 = 1.2654649
        // NDCG@3 = 0.8005698; at k = 2: 0.5630930 / 1.2154649 = 0.4632738.
        let truth = [0.9, 0.5, 0.1];
        let predicted = [0.2, 0.8, 0.5];
        assert_abs_diff_eq!(
            ndcg_at_k(&predicted, &truth, 3).unwrap(),
            0.800_569_809_515_689,
            epsilon = 1e-12
        );
        assert_abs_diff_eq!(
            ndcg_at_k(&predicted, &truth, 2).unwrap(),
            0.463_273_753_204_809_4,
            epsilon = 1e-12
        );
    }

    #[test]
    fn ndcg_breaks_prediction_ties_by_lower_index() {
        // All predictions tie, so the ranking is 0, 1, 2: the worst possible here.
        let truth = [0.1, 0.5, 0.9];
        let expected = (0.1 + 0.5 / 3f64.log2() + 0.9 / 2.0) / (0.9 + 0.5 / 3f64.log2() + 0.05);
        assert_abs_diff_eq!(
            ndcg_at_k(&[0.3; 3], &truth, 3).unwrap(),
            expected,
            epsilon = 1e-12
        );
        assert_eq!(precision_at_1(&[0.3; 3], &truth), Some(0.0));
    }

    #[test]
    fn ndcg_is_none_for_empty_input_or_zero_ideal_gain() {
        assert_eq!(ndcg_at_k(&[], &[], 5), None);
        assert_eq!(ndcg_at_k(&[0.4, 0.6], &[0.0, 0.0], 5), None);
        assert_eq!(ndcg_at_k(&[0.4, 0.6], &[0.3, 0.7], 0), None);
    }

    #[test]
    fn precision_at_1_checks_top_prediction_against_best_truth() {
        let truth = [0.5, 0.7, 0.7];
        assert_eq!(precision_at_1(&[0.3, 0.9, 0.1], &truth), Some(1.0));
        assert_eq!(precision_at_1(&[0.3, 0.1, 0.9], &truth), Some(1.0));
        assert_eq!(precision_at_1(&[0.9, 0.3, 0.1], &truth), Some(0.0));
        assert_eq!(precision_at_1(&[], &[]), None);
    }

    #[test]
    fn top_k_orders_by_value_then_index() {
        let values = [0.5, 0.9, 0.5, 0.1, 0.9];
        assert_eq!(top_k(&values, 3), [1, 4, 0]);
        assert_eq!(top_k(&values, 10), [1, 4, 0, 2, 3]);
        assert!(top_k(&values, 0).is_empty());
    }
}
