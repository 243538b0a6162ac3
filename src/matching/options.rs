//! The options of a batch match and their checks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::hold::Hold;
use super::priority::Priorities;
use super::problem::WEIGHT_SCALE;
use crate::domain::check::invalid_if_any;
use crate::error::{Problem, Result};

/// Options of a batch match: `min_score` in 0..=1, `wait_weight` finite, 0 or more and at most
/// [`max_wait_weight`], `candidates` at least 1 (see [`MatchOptions::validate`]).
///
/// ```
/// use groupmatch::matching::MatchOptions;
/// let options: MatchOptions = serde_json::from_str(r#"{"min_score": 0.2, "wait_weight": 0.1,
///     "alternates": 3, "candidates": 50, "now": "2026-11-26T12:00:00Z"}"#).unwrap();
/// assert_eq!(options, MatchOptions::new("2026-11-26T12:00:00Z".parse().unwrap()));
/// let zero = r#"{"min_score": 0.2, "wait_weight": 0.1, "alternates": 3, "candidates": 0,
///     "now": "2026-11-26T12:00:00Z"}"#;
/// assert!(serde_json::from_str::<MatchOptions>(zero).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawMatchOptions")]
pub struct MatchOptions {
    /// Pairs scoring below this are not offered.
    pub min_score: f64,
    /// Weight of waiting: the longest waiter's edges gain this much.
    pub wait_weight: f64,
    /// How many alternates to list per person.
    pub alternates: usize,
    /// Most edges per person (their best by weight).
    pub candidates: usize,
    /// The instant of the match (days waited, time zones).
    pub now: DateTime<Utc>,
    /// Priority tiers and their policy (by default the block grant's order, strict).
    pub priorities: Priorities,
    /// Places already promised, kept fixed (see [`super::hold`]).
    pub holds: Vec<Hold>,
}

/// [`MatchOptions`] as written, before [`MatchOptions::validate`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatchOptions {
    min_score: f64,
    wait_weight: f64,
    alternates: usize,
    candidates: usize,
    now: DateTime<Utc>,
    #[serde(default)]
    priorities: Priorities,
    #[serde(default)]
    holds: Vec<Hold>,
}

impl TryFrom<RawMatchOptions> for MatchOptions {
    type Error = crate::Error;

    fn try_from(raw: RawMatchOptions) -> Result<MatchOptions> {
        let options = MatchOptions {
            min_score: raw.min_score,
            wait_weight: raw.wait_weight,
            alternates: raw.alternates,
            candidates: raw.candidates,
            now: raw.now,
            priorities: raw.priorities,
            holds: raw.holds,
        };
        options.validate()?;
        Ok(options)
    }
}

/// The largest `wait_weight` a match of `people` people accepts.
///
/// The heaviest edge weighs a score of 1 plus the whole wait weight; the solver works with it as
/// an integer ([`super::problem::scale`], [`WEIGHT_SCALE`] units), and its auction with that integer times
/// `people + 1`, times 4 for headroom. Keeping that within half of `i64::MAX` keeps every weight
/// from saturating and every sum of weights the solvers form from overflowing.
///
/// ```
/// use groupmatch::matching::max_wait_weight;
/// assert!(max_wait_weight(1_000_000) > 1000.0);
/// assert!(max_wait_weight(0) < 2e9);
/// ```
pub fn max_wait_weight(people: usize) -> f64 {
    let headroom = (i64::MAX / 2) as f64 / (4.0 * (people as f64 + 1.0));
    (headroom / WEIGHT_SCALE).floor() - 1.0
}

impl MatchOptions {
    /// The documented defaults at `now`: min score 0.2, wait weight 0.1, 3 alternates,
    /// 50 candidates, the default strict priorities ([`Priorities::default`]), no holds.
    pub fn new(now: DateTime<Utc>) -> MatchOptions {
        MatchOptions {
            min_score: 0.2,
            wait_weight: 0.1,
            alternates: 3,
            candidates: 50,
            now,
            priorities: Priorities::default(),
            holds: Vec::new(),
        }
    }

    /// Checks the options, whatever the waitlist: `min_score` from 0 to 1, `wait_weight` a finite
    /// number from 0 to [`max_wait_weight`] of an empty list, `candidates` at least 1,
    /// `candidates + alternates` countable, `now` in years 1 to 9999. The error lists every
    /// problem, each naming its field. [`crate::match_waitlist`] also checks the wait weight against
    /// the waitlist's length.
    ///
    /// ```
    /// use groupmatch::matching::MatchOptions;
    /// let mut options = MatchOptions::new("2026-11-26T12:00:00Z".parse().unwrap());
    /// assert!(options.validate().is_ok());
    /// options.wait_weight = f64::NAN;
    /// options.candidates = 0;
    /// let err = options.validate().unwrap_err();
    /// let fields: Vec<_> = err.problems().iter().map(|p| p.field.as_deref().unwrap()).collect();
    /// assert_eq!(fields, ["wait_weight", "candidates"]);
    /// ```
    pub fn validate(&self) -> Result<()> {
        invalid_if_any("match options", self.problems(0))
    }

    /// Every problem of the options for a waitlist of `people` people.
    pub(super) fn problems(&self, people: usize) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String| {
            problems.push(Problem::new(None, Some(field), message));
        };
        if !(0.0..=1.0).contains(&self.min_score) {
            problem(
                "min_score",
                format!("{} is not a number from 0 to 1", self.min_score),
            );
        }
        let w = self.wait_weight;
        // Priority bonuses weigh on top of waiting: together they stay within the solver's scale.
        let bonus = self.priorities.largest_bonus();
        if !w.is_finite() || w < 0.0 {
            problem(
                "wait_weight",
                format!("{w} is not a finite number of 0 or more"),
            );
        } else if w + bonus > max_wait_weight(people) {
            let with_bonus = if bonus > 0.0 {
                format!(" with priority bonuses of up to {bonus}")
            } else {
                String::new()
            };
            problem(
                "wait_weight",
                format!(
                    "{w} is too large for a waitlist of {people}: at most {}{with_bonus} (the \
                     solver's integer weights would overflow)",
                    max_wait_weight(people) - bonus
                ),
            );
        }
        if self.candidates == 0 {
            problem("candidates", "0 is not at least 1".into());
        } else if self.candidates.checked_add(self.alternates).is_none() {
            problem(
                "alternates",
                format!(
                    "{} alternates and {} candidates are more than can be counted",
                    self.alternates, self.candidates
                ),
            );
        }
        problems.extend(crate::engine::now_problem(self.now));
        for mut p in self.priorities.problems() {
            p.field = Some(format!("priorities.{}", p.field.as_deref().unwrap_or("")));
            problems.push(p);
        }
        problems
    }
}
