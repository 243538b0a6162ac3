//! The exact solver of the seat assignment problem: [`solve`] runs the auction of
//! [`super::auction`] (fast, and its result is proven optimal by a dual bound) and falls back on
//! the shortest paths of [`super::flow`] in the rare case the auction cannot prove its result or
//! runs over its budget. Both are exact, so the choice never changes the objective.
//!
//! The dispatcher lives in its own module so that neither solver needs to know the other.

use super::auction;
use super::flow::shortest_paths;
use super::problem::{Assignment, AssignmentProblem};

/// Solves the problem exactly: the auction, or shortest paths if the auction cannot prove its
/// result.
///
/// ```
/// use groupmatch::matching::problem::AssignmentProblem;
/// use groupmatch::matching::solve::solve;
/// // Two people want the one seat of group 0; the second also likes group 1.
/// let p = AssignmentProblem {
///     seats: vec![Some(1), Some(1)],
///     edges: vec![vec![(0, 10)], vec![(0, 9), (1, 8)]],
/// };
/// let a = solve(&p);
/// assert_eq!(a.group_of, vec![Some(0), Some(1)]);
/// assert_eq!(a.objective, 18);
/// ```
pub fn solve(problem: &AssignmentProblem) -> Assignment {
    auction::solve(problem).unwrap_or_else(|| shortest_paths(problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scarce_seat_goes_where_it_adds_most() {
        // Person 0 only likes group 0; person 1 likes both, slightly less: the optimum moves
        // person 1 away even though it came second and both value group 0 the most.
        let p = AssignmentProblem {
            seats: vec![Some(1), Some(1)],
            edges: vec![vec![(0, 5)], vec![(0, 6), (1, 4)]],
        };
        let a = solve(&p);
        assert_eq!(a.group_of, vec![Some(0), Some(1)]);
        assert_eq!(a.objective, 9);
    }

    #[test]
    fn unlimited_groups_take_everyone_and_zero_seats_no_one() {
        let p = AssignmentProblem {
            seats: vec![None, Some(0)],
            edges: vec![vec![(0, 1), (1, 9)]; 5],
        };
        let a = solve(&p);
        assert!(a.group_of.iter().all(|g| *g == Some(0)));
        assert_eq!(a.objective, 5);
    }

    #[test]
    fn same_problem_same_assignment() {
        let p = AssignmentProblem {
            seats: vec![Some(1), Some(1)],
            edges: vec![vec![(0, 5), (1, 5)], vec![(0, 5), (1, 5)], vec![(0, 5)]],
        };
        assert_eq!(solve(&p), solve(&p));
        assert_eq!(solve(&p).objective, 10);
    }
}
