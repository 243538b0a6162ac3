//! The start of one person's ranking without scoring every group: the bounded search batch
//! matching runs for every person on a waitlist.
//!
//! Only groups the candidate index cannot rule out are looked at, in the order of a cheap upper
//! bound on their logits ([`crate::matching::bound`]), and each is scored in full, exactly as
//! [`Engine::rank`] scores it, until the bound of the next cannot reach the `top`-th best score
//! found. The result is exactly the start of `rank`'s order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use crate::candidates::{Candidate, CandidateIndex};
use crate::domain::person::Person;
use crate::eligibility;
use crate::engagement::model::sigmoid;
use crate::engine::{Engine, Scored};
use crate::matching::bound::MARGIN;
use crate::pair::{Horizon, PairFacts, PreparedPerson};

/// A logit ordered by [`f64::total_cmp`], for a heap of the best ones.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Logit(f64);

impl Eq for Logit {}

impl PartialOrd for Logit {
    fn partial_cmp(&self, other: &Logit) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Logit {
    fn cmp(&self, other: &Logit) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A group's upper bound on its logit and its key (a place in directory order), packed into
/// one integer ordered as [`best_by_bound`] walks them: highest bound first (in
/// [`f64::total_cmp`]'s order), then lowest key. Ordering thousands of these per person as plain
/// integers is cheaper than comparing pairs of a float and a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Bounded(u128);

impl Bounded {
    /// Group `key` with logits at most `bound`.
    pub(crate) fn new(bound: f64, key: usize) -> Bounded {
        // The bits in total_cmp's order as an unsigned integer (negatives reversed, then the
        // sign flipped), reversed again for highest first.
        let bits = bound.to_bits();
        let ascending = if bits >> 63 == 1 {
            !bits
        } else {
            bits | 1 << 63
        };
        Bounded(u128::from(!ascending) << 64 | key as u128)
    }

    /// The bound.
    fn bound(self) -> f64 {
        let ascending = !((self.0 >> 64) as u64);
        let bits = if ascending >> 63 == 1 {
            ascending & !(1 << 63)
        } else {
            !ascending
        };
        f64::from_bits(bits)
    }

    /// The key.
    fn key(self) -> usize {
        self.0 as u64 as usize
    }
}

/// The start of one person's ranking (see [`Shortlist::best`]).
pub(crate) struct Best {
    /// The best eligible groups, best first.
    pub(crate) scored: Vec<Ranked>,
    /// Whether every eligible group is known to be among them (when not, groups left out
    /// unscored may all be ineligible).
    pub(crate) complete: bool,
}

/// One group of the start of a ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ranked {
    /// The group's index in the directory.
    pub(crate) index: usize,
    /// The pair's score, as `rank` gives it.
    pub(crate) score: f64,
}

impl Ranked {
    /// What [`Engine::order`] orders by.
    fn key(&self) -> (f64, usize) {
        (self.score, self.index)
    }
}

/// An engine's directory ready for bounded searches: built once per match run.
pub(crate) struct Shortlist<'e> {
    engine: &'e Engine,
    /// The horizon of every ranking of the run: each zone's span and each session's count of
    /// starts, found once for all the people.
    horizon: Horizon<'e>,
}

impl<'e> Shortlist<'e> {
    /// Searches over `engine`'s directory at `now`.
    pub(crate) fn new(engine: &'e Engine, now: DateTime<Utc>) -> Shortlist<'e> {
        Shortlist {
            engine,
            horizon: engine.horizon(now),
        }
    }

    /// The horizon of the run's rankings.
    pub(crate) fn horizon(&self) -> &Horizon<'e> {
        &self.horizon
    }

    /// The directory's index restricted to the groups that `keep` accepts (by index), for
    /// [`Shortlist::best`] among them.
    pub(crate) fn index_where(&self, keep: impl Fn(usize) -> bool) -> CandidateIndex {
        CandidateIndex::new_where(self.engine.groups(), keep)
    }

    /// The start of `person`'s ranking at the run's `now` among the groups of `among` (an
    /// [`Shortlist::index_where`]; `None` for the whole directory): exactly the best `top` of
    /// [`Engine::rank`]'s order, best first, but without scoring every group in full.
    pub(crate) fn best(&self, person: &Person, among: Option<&CandidateIndex>, top: usize) -> Best {
        let engine = self.engine;
        let horizon = &self.horizon;
        let prepared = PreparedPerson::new(person, horizon);
        let rules = engine.rules_for(person);
        let candidates = among
            .unwrap_or(engine.index())
            .candidates(&prepared, horizon.spans());
        // With no more candidates than `top`, every one is scored: bounds would only cost.
        let mut bound = (candidates.len() > top).then(|| engine.person_bound(person, &rules));
        let pending: Vec<Bounded> = candidates
            .into_iter()
            .filter_map(|Candidate { group: g, fitting }| {
                let Some(bound) = bound.as_mut() else {
                    return Some(Bounded::new(f64::INFINITY, g));
                };
                // Counted by the index when it could be, else here.
                let sessions = fitting.unwrap_or_else(|| {
                    PairFacts::fitting_in_horizon(&prepared, &engine.calendar(horizon, g))
                });
                Some(Bounded::new(bound.logit(g, sessions)?, g))
            })
            .collect();
        let judge = |g: usize| {
            let pair = engine.pair(&prepared, horizon, g);
            eligibility::is_eligible(&pair)
                .then(|| engine.score_eligible(&rules, g, pair).ok())
                .flatten()
        };
        best_by_bound(engine, pending, top, judge)
    }
}

/// The best `top` of the `pending` groups, each given as an upper bound on its logit and a key
/// in directory order ([`Bounded`]), judged (`None`: not eligible) most promising first until
/// no bound left can reach the `top`-th best score: exactly the best `top` of
/// [`Engine::rank`]'s order among them, best first.
pub(crate) fn best_by_bound<'a>(
    engine: &Engine,
    mut pending: Vec<Bounded>,
    top: usize,
    mut judge: impl FnMut(usize) -> Option<Scored<'a>>,
) -> Best {
    // Most promising first: once `top` are scored, a group whose bound is at most `cut`
    // has a logit below `cut + MARGIN`, so a score below the `top`-th best (unless scores
    // no longer tell such logits apart, near 1), and so has every group after it. Only as
    // much of the order is sorted as is walked, in chunks of growing size.
    let mut best_logits: BinaryHeap<Reverse<Logit>> =
        BinaryHeap::with_capacity(top.min(pending.len()) + 1);
    let (mut cut, mut cut_for) = (None, None);
    // Only what the start needs is kept of each scored pair: a smaller element makes the
    // collection of many thousands per person cheaper (measured: 1.3% of a whole M match).
    let mut scored: Vec<Ranked> = Vec::new();
    let (mut sorted, mut chunk) = (0, top.max(1).saturating_mul(4));
    let mut pruned = false;
    for i in 0..pending.len() {
        if i == sorted {
            let rest = &mut pending[sorted..];
            let n = chunk.min(rest.len());
            if n < rest.len() {
                rest.select_nth_unstable(n - 1);
            }
            rest[..n].sort_unstable();
            sorted += n;
            chunk = chunk.saturating_mul(2);
        }
        let (bound, g) = (pending[i].bound(), pending[i].key());
        if cut.is_some_and(|cut| bound <= cut) {
            pruned = true;
            break;
        }
        let Some(s) = judge(g) else { continue };
        best_logits.push(Reverse(Logit(s.logit)));
        scored.push(Ranked {
            index: s.index,
            score: s.score,
        });
        if best_logits.len() > top {
            best_logits.pop();
        }
        // The `top`-th best logit so far, once there are `top`; the cut moves up with it.
        let last = best_logits
            .peek()
            .filter(|_| best_logits.len() == top)
            .map(|l| l.0 .0);
        if let Some(last) = last.filter(|l| Some(*l) != cut_for) {
            cut_for = Some(last);
            let c = last - 2.0 * MARGIN;
            cut = (sigmoid(c + MARGIN) < sigmoid(last)).then_some(c);
        }
    }
    let complete = !pruned && scored.len() <= top;
    if top < scored.len() {
        scored.select_nth_unstable_by(top.saturating_sub(1), |a, b| engine.order(a.key(), b.key()));
    }
    scored.truncate(top);
    scored.sort_by(|a, b| engine.order(a.key(), b.key()));
    Best { scored, complete }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::model::EngagementModel;
    use crate::rules::RuleSet;
    use crate::testutil::now;
    use crate::RankOptions;

    #[test]
    fn bounded_orders_as_the_walk_takes_groups_and_keeps_the_bound() {
        let bounds = [
            f64::NEG_INFINITY,
            -3.5,
            -0.0,
            0.0,
            1e-300,
            2.25,
            f64::INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        let mut pairs: Vec<(f64, usize)> = bounds
            .iter()
            .flat_map(|b| [(*b, 7), (*b, 2), (*b, usize::MAX)])
            .collect();
        let mut packed: Vec<Bounded> = pairs.iter().map(|(b, k)| Bounded::new(*b, *k)).collect();
        for (p, (b, k)) in packed.iter().zip(&pairs) {
            assert_eq!((p.bound().to_bits(), p.key()), (b.to_bits(), *k));
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        packed.sort();
        let unpacked: Vec<(u64, usize)> = packed
            .iter()
            .map(|p| (p.bound().to_bits(), p.key()))
            .collect();
        let expected: Vec<(u64, usize)> = pairs.iter().map(|(b, k)| (b.to_bits(), *k)).collect();
        assert_eq!(unpacked, expected);
    }

    #[test]
    fn best_is_exactly_the_start_of_the_ranking() {
        let sim =
            crate::simulate::simulate(&crate::simulate::SimulationParams::new(6, 80, 500, 10))
                .unwrap();
        let engine = Engine::new(sim.groups, EngagementModel::embedded_default())
            .unwrap()
            .with_rules(RuleSet::embedded_default());
        // Every third group, as the groups with a seat left after a match.
        let shortlist = Shortlist::new(&engine, now());
        let some = shortlist.index_where(|g| g % 3 == 0);
        let index_of: std::collections::HashMap<&str, usize> = engine
            .groups()
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i))
            .collect();
        let mut cut = 0;
        for p in &sim.people {
            let full = engine.rank(p, &RankOptions::new(None, now())).unwrap();
            for top in [1, 4, 25, 103] {
                for among in [None, Some(&some)] {
                    let expected: Vec<(&str, f64)> = full
                        .suggestions
                        .iter()
                        .filter(|s| {
                            among.is_none() || index_of[s.group_id.as_str()].is_multiple_of(3)
                        })
                        .map(|s| (s.group_id.as_str(), s.score))
                        .collect();
                    let best = shortlist.best(p, among, top);
                    let got: Vec<(&str, f64)> = best
                        .scored
                        .iter()
                        .map(|s| (engine.groups()[s.index].id.as_str(), s.score))
                        .collect();
                    assert_eq!(
                        got,
                        expected[..top.min(expected.len())],
                        "{} top {top}",
                        p.id
                    );
                    // Complete when known to be; then there is nothing past the start.
                    assert!(
                        !best.complete || expected.len() <= top,
                        "{} top {top}",
                        p.id
                    );
                    cut += usize::from(expected.len() > top);
                }
            }
        }
        assert!(cut > 100, "{cut} rankings cut");
    }
}
