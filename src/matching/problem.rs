//! The seat assignment problem the exact solvers share: its types ([`AssignmentProblem`],
//! [`Assignment`]) and the scaling of real weights to the integers they solve on ([`scale`]).
//!
//! Each person goes to at most one group, each group within its seats, maximising the total
//! weight of the chosen person-group edges. The problem lives apart from its solvers so that the
//! auction (`auction.rs`), shortest paths (`flow.rs`) and the dispatcher between them
//! (`solve.rs`) all depend on it and not on one another.
//!
//! Weights are integers, so the optimum is exact and the same on every machine. A real weight
//! too large for an integer is an error, not a saturated weight: a saturated weight would tie
//! with every other saturated one and the "optimum" would be wrong without a word.

use crate::error::{Error, Result};

/// Weights are scaled by this before solving: 1e-9 resolution keeps objectives exact to far
/// better than 1e-6 relative and sums of 10^7 edges well inside i64.
pub const WEIGHT_SCALE: f64 = 1e9;

/// A real weight as the solver's integer weight; an error when the weight is not a number or is
/// too large in absolute value (`|weight| * WEIGHT_SCALE` must fit an `i64`).
///
/// ```
/// use groupmatch::matching::problem::scale;
/// assert_eq!(scale(0.25).unwrap(), 250_000_000);
/// assert!(scale(1e10).is_err());
/// ```
pub fn scale(weight: f64) -> Result<i64> {
    let scaled = (weight * WEIGHT_SCALE).round();
    // `i64::MAX as f64` is 2^63, one past the largest i64, so that end is excluded; `i64::MIN`
    // is exactly -2^63. NaN fails both comparisons.
    if scaled >= i64::MIN as f64 && scaled < i64::MAX as f64 {
        Ok(scaled as i64)
    } else {
        Err(Error::WeightOutOfRange {
            weight,
            most: i64::MAX as f64 / WEIGHT_SCALE,
        })
    }
}

/// An assignment problem on a sparse bipartite graph.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentProblem {
    /// Seats per group; `None` is unlimited.
    pub seats: Vec<Option<u32>>,
    /// Edges of each person, as (group, weight). Only positive weights are worth taking.
    pub edges: Vec<Vec<(u32, i64)>>,
}

/// An optimal assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The group of each person, if placed.
    pub group_of: Vec<Option<u32>>,
    /// The total weight of the chosen edges.
    pub objective: i64,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Random problems below the given sizes: up to 3 seats a group (a fifth unlimited), up to
    /// 6 edges a person, weights 1 to 99.
    pub(crate) fn arb_problem(
        max_groups: usize,
        max_people: usize,
    ) -> impl Strategy<Value = AssignmentProblem> {
        (1..max_groups, 1..max_people).prop_flat_map(|(groups, people)| {
            (
                prop::collection::vec(prop::option::weighted(0.8, 0u32..4), groups),
                prop::collection::vec(
                    prop::collection::btree_map(0u32..groups as u32, 1i64..100, 0..=groups.min(6)),
                    people,
                ),
            )
                .prop_map(|(seats, edges)| AssignmentProblem {
                    seats,
                    edges: edges.into_iter().map(|m| m.into_iter().collect()).collect(),
                })
        })
    }

    #[test]
    fn weights_scale_to_nanounits() {
        assert_eq!(scale(0.25).unwrap(), 250_000_000);
        assert_eq!(scale(1.0 / 3.0).unwrap(), 333_333_333);
        assert_eq!(scale(-1.5).unwrap(), -1_500_000_000);
    }

    #[test]
    fn weights_too_large_for_an_integer_are_errors_not_saturated() {
        let most = i64::MAX as f64 / WEIGHT_SCALE;
        assert!(scale(most * 0.999).is_ok());
        for bad in [most, -most * 1.001, 1e300, f64::INFINITY, f64::NAN] {
            let err = scale(bad).unwrap_err();
            assert!(
                matches!(err, Error::WeightOutOfRange { .. }),
                "{bad}: {err}"
            );
        }
        let message = scale(1e10).unwrap_err().to_string();
        assert!(message.contains("10000000000"), "{message}");
    }
}
