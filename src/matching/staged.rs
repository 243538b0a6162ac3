//! Solving a match in stages: one exact solve per priority tier under strict priority, each with
//! the seats the tiers before it left (and after the holds), or one solve of everyone.

use std::time::Instant;

use super::priority::{Priorities, PriorityPolicy};
use super::problem::{scale, AssignmentProblem};
use super::result::{MatchStage, TierCount};
use super::solve::solve;
use crate::error::Result;

/// The people of each solve, in order, with the solve's name: under strict priority the `free`
/// people (waitlist indexes, those not held) of each tier that has any, first tier first; else
/// all of them in one solve named `all`.
pub(super) fn stages(
    free: &[usize],
    tiers: &[usize],
    priorities: &Priorities,
) -> Vec<(String, Vec<usize>)> {
    if priorities.policy == PriorityPolicy::Weighted {
        return vec![("all".to_string(), free.to_vec())];
    }
    let mut by_tier = vec![Vec::new(); priorities.tiers.len() + 1];
    for &i in free {
        by_tier[tiers[i]].push(i);
    }
    let stages: Vec<(String, Vec<usize>)> = by_tier
        .into_iter()
        .enumerate()
        .filter(|(_, people)| !people.is_empty())
        .map(|(t, people)| (priorities.tier_name(t).to_string(), people))
        .collect();
    match stages.len() {
        // One tier alone is the whole match: named as a match without tiers is.
        0 | 1 => vec![("all".to_string(), free.to_vec())],
        _ => stages,
    }
}

/// The solves of a match, done.
pub(super) struct Solved {
    /// Each person's group (waitlist index): their kept hold's, or the one a solve gave them.
    pub group_of: Vec<Option<usize>>,
    /// The solves, with the seats each began with and its range of the match's edges (those of
    /// its members, stage by stage and member by member: [`stage_edges`]).
    pub stages: Vec<MatchStage>,
    /// Seconds the solver took, all stages together.
    pub seconds: f64,
}

/// Solves `stages` in turn, each exactly, with the `seats` the ones before it (and the holds)
/// left. Person `i`'s edges are `edges_of(i)` as (group, score, weight), each weight lessened by
/// `less(i)`; `held` gives the people whose place was kept, and where. An error when a weight is
/// too large to solve exactly.
pub(super) fn solve_stages<'a>(
    held: &[Option<(usize, f64)>],
    stages: &[(String, Vec<usize>)],
    mut seats: Vec<Option<u32>>,
    edges_of: impl Fn(usize) -> &'a [(usize, f64, f64)],
    less: impl Fn(usize) -> f64,
) -> Result<Solved> {
    let mut solved = Solved {
        group_of: held.iter().map(|h| h.map(|(g, _)| g)).collect(),
        stages: Vec::with_capacity(stages.len()),
        seconds: 0.0,
    };
    let mut first_edge = 0;
    for (tier, members) in stages {
        let problem = AssignmentProblem {
            seats: seats.clone(),
            edges: members
                .iter()
                .map(|&i| {
                    let cut = less(i);
                    edges_of(i)
                        .iter()
                        .map(|&(g, _, w)| Ok((g as u32, scale(w - cut)?)))
                        .collect()
                })
                .collect::<Result<_>>()?,
        };
        let started = Instant::now();
        let assignment = solve(&problem);
        solved.seconds += started.elapsed().as_secs_f64();
        let (mut placed, mut objective) = (0, 0.0);
        for (&i, g) in members.iter().zip(&assignment.group_of) {
            let Some(g) = g.map(|g| g as usize) else {
                continue;
            };
            solved.group_of[i] = Some(g);
            if let Some(open) = &mut seats[g] {
                *open -= 1;
            }
            placed += 1;
            objective += edges_of(i).iter().find(|e| e.0 == g).map_or(0.0, |e| e.2) - less(i);
        }
        let edges = problem.edges.iter().map(Vec::len).sum::<usize>();
        solved.stages.push(MatchStage {
            tier: tier.clone(),
            people: members.len(),
            placed,
            objective,
            seats: problem.seats,
            edges: first_edge..first_edge + edges,
        });
        first_edge += edges;
    }
    Ok(solved)
}

/// Every edge offered to the solves of `stages` (as [`solve_stages`] numbers them): (waitlist
/// index, group, weight), stage by stage, member by member.
pub(super) fn stage_edges<'a>(
    stages: &[(String, Vec<usize>)],
    edges_of: impl Fn(usize) -> &'a [(usize, f64, f64)],
) -> Vec<(usize, usize, f64)> {
    stages
        .iter()
        .flat_map(|(_, members)| members)
        .flat_map(|&i| edges_of(i).iter().map(move |&(g, _, w)| (i, g, w)))
        .collect()
}

/// Placements by tier (tiers with people), first tier first. `without_priority` solves the match
/// again without tiers and gives each person's group; it is called only when someone is in a
/// declared tier.
pub(super) fn by_tier(
    priorities: &Priorities,
    tiers: &[usize],
    group_of: &[Option<usize>],
    held: &[Option<(usize, f64)>],
    without_priority: impl FnOnce() -> Result<Vec<Option<usize>>>,
) -> Result<Vec<TierCount>> {
    let declared = priorities.tiers.len();
    let plain = if tiers.iter().any(|&t| t < declared) {
        Some(without_priority()?)
    } else {
        None
    };
    let mut counts: Vec<TierCount> = (0..=declared)
        .map(|t| TierCount {
            tier: priorities.tier_name(t).to_string(),
            people: 0,
            placed: 0,
            held: 0,
            placed_without_priority: plain.as_ref().map(|_| 0),
        })
        .collect();
    for (i, &t) in tiers.iter().enumerate() {
        let c = &mut counts[t];
        c.people += 1;
        c.placed += usize::from(group_of[i].is_some());
        c.held += usize::from(held[i].is_some());
        if let (Some(n), Some(plain)) = (&mut c.placed_without_priority, &plain) {
            *n += usize::from(plain[i].is_some());
        }
    }
    counts.retain(|c| c.people > 0);
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::tests::{arb_case, engine, entry};
    use crate::matching::{match_waitlist, Hold, MatchOptions, MatchResult, Outcome, Priorities};
    use crate::matching::{PriorityPolicy, WaitlistEntry};
    use crate::testutil::{group, now};

    fn code(c: &str) -> crate::PriorityCode {
        c.parse().unwrap()
    }

    /// One seat; `a` waited 1 day and is pregnant, `b` waited 90 days and has no priority code.
    fn one_seat_two_people() -> (crate::Engine, Vec<WaitlistEntry>) {
        let mut g = group("g1");
        g.capacity = Some(1);
        let mut a = entry("a", 1);
        a.priority = vec![code("pregnant")];
        (engine(vec![g]), vec![a, entry("b", 90)])
    }

    fn group_of<'r>(r: &'r MatchResult, id: &str) -> Option<&'r str> {
        let row = r.rows.iter().find(|r| r.person_id == id).unwrap();
        row.group_id.as_deref()
    }

    #[test]
    fn strict_priority_gives_the_seat_to_the_higher_tier_whatever_the_wait() {
        let (engine, people) = one_seat_two_people();
        let r = match_waitlist(&engine, &people, &MatchOptions::new(now())).unwrap();
        assert_eq!(group_of(&r, "a"), Some("g1"));
        assert_eq!(group_of(&r, "b"), None);
        let tiers: Vec<_> = r
            .stages
            .iter()
            .map(|s| (s.tier.as_str(), s.people, s.placed))
            .collect();
        assert_eq!(tiers, [("pregnant", 1, 1), ("others", 1, 0)]);
        // The second solve began with the seat the first took.
        assert_eq!(r.stages[0].seats, [Some(1)]);
        assert_eq!(r.stages[1].seats, [Some(0)]);
        let counts: Vec<_> = r
            .by_tier
            .iter()
            .map(|t| (t.tier.as_str(), t.placed, t.placed_without_priority))
            .collect();
        // Without priority the longer wait wins the seat.
        assert_eq!(counts, [("pregnant", 1, Some(0)), ("others", 0, Some(1))]);
        let total: f64 = r.stages.iter().map(|s| s.objective).sum();
        assert!((total - r.objective).abs() < 1e-12);
    }

    #[test]
    fn weighted_priority_weighs_the_bonus_against_the_wait() {
        let (engine, people) = one_seat_two_people();
        let mut options = MatchOptions::new(now());
        let weighted = |bonus: f64| {
            let mut p = Priorities::default()
                .with_policy(PriorityPolicy::Weighted, "p")
                .unwrap();
            p.tiers[1].bonus = Some(bonus);
            p
        };
        // b's wait is worth 0.1 (the longest wait), a's 1/90 of that: a bonus of 0.05 loses.
        options.priorities = weighted(0.05);
        let r = match_waitlist(&engine, &people, &options).unwrap();
        assert_eq!(group_of(&r, "b"), Some("g1"));
        assert_eq!(r.stages.len(), 1, "one solve");
        options.priorities = weighted(0.5);
        let r = match_waitlist(&engine, &people, &options).unwrap();
        assert_eq!(group_of(&r, "a"), Some("g1"));
        let a = &r.rows[0];
        assert!((a.weight.unwrap() - a.score.unwrap() - 0.5 - 0.1 / 90.0).abs() < 1e-12);
    }

    #[test]
    fn nobody_in_a_declared_tier_is_one_solve_as_before() {
        let mut g = group("g1");
        g.capacity = Some(1);
        let r = match_waitlist(
            &engine(vec![g]),
            &[entry("a", 1), entry("b", 2)],
            &MatchOptions::new(now()),
        )
        .unwrap();
        assert_eq!(r.stages.len(), 1);
        assert_eq!(r.stages[0].tier, "all");
        assert_eq!(r.by_tier.len(), 1);
        assert_eq!(r.by_tier[0].placed_without_priority, None);
    }

    #[test]
    fn an_undeclared_code_is_refused_with_the_entrys_place() {
        let (engine, mut people) = one_seat_two_people();
        people[1].priority = vec![code("leaving_residential")];
        let err = match_waitlist(&engine, &people, &MatchOptions::new(now())).unwrap_err();
        let p = &err.problems()[0];
        assert_eq!((p.line, p.field.as_deref()), (Some(2), Some("priority")));
        assert!(
            p.message
                .contains("'leaving_residential' is not a known priority code"),
            "{}",
            p.message
        );
    }

    #[test]
    fn holds_are_kept_first_and_those_that_no_longer_hold_are_reported() {
        let mut one = group("one");
        one.capacity = Some(1);
        let mut french = group("french");
        french.languages = vec!["fr".parse().unwrap()];
        let engine = engine(vec![one, french, group("open")]);
        let people = [entry("a", 1), entry("b", 90), entry("c", 5)];
        let hold = |p: &str, g: &str| Hold {
            person_id: p.into(),
            group_id: g.into(),
        };
        let mut options = MatchOptions::new(now());
        options.holds = vec![
            hold("a", "one"),
            hold("c", "one"),
            hold("b", "french"),
            hold("z", "open"),
            hold("b", "nowhere"),
        ];
        let r = match_waitlist(&engine, &people, &options).unwrap();
        // a keeps the one seat though b waited longer.
        assert_eq!(r.rows[0].reason, Outcome::Held);
        assert_eq!(group_of(&r, "a"), Some("one"));
        assert_eq!(
            r.rows[0].score,
            Some(engine.verdict(&people[0].person, 0, now()).unwrap())
        );
        let reasons: Vec<(bool, Option<&str>)> = r
            .holds
            .iter()
            .map(|h| (h.kept, h.reason.as_deref()))
            .collect();
        assert_eq!(reasons[0], (true, None));
        assert_eq!(reasons[1].1, Some("the group has no open seat left for it"));
        assert!(
            reasons[2].1.unwrap().starts_with("not eligible now: "),
            "{reasons:?}"
        );
        assert_eq!(reasons[3].1, Some("the person is not on the waitlist"));
        assert_eq!(
            reasons[4].1,
            Some("the person has an earlier hold, in french")
        );
        // Those whose holds failed are matched like everyone else.
        assert_eq!(group_of(&r, "b"), Some("open"));
        assert_eq!(group_of(&r, "c"), Some("open"));
        let summary = r.summary();
        assert_eq!((summary.placed, summary.held), (3, 1));
        // The held person is not offered to the solver.
        assert!(r.edges.iter().all(|e| e.0 != 0));
        assert_eq!(r.stages[0].seats[0], Some(0));
    }

    /// A case with priority codes and holds drawn over it.
    fn arb_prioritised() -> impl Strategy<Value = (Vec<crate::Group>, Vec<WaitlistEntry>, Vec<Hold>)>
    {
        let codes = prop::sample::select(vec![
            vec![],
            vec!["pregnant"],
            vec!["injects_drugs"],
            vec!["pregnant", "injects_drugs"],
        ]);
        (
            arb_case(),
            prop::collection::vec(codes, 12),
            prop::collection::vec((0usize..14, 0usize..10), 0..4),
        )
            .prop_map(|((groups, mut people), codes, holds)| {
                for (e, c) in people.iter_mut().zip(codes) {
                    e.priority = c.into_iter().map(code).collect();
                }
                // Ids past the ends name nobody and no group: reported, never kept.
                let holds = holds
                    .into_iter()
                    .map(|(p, g)| Hold {
                        person_id: format!("p{p}"),
                        group_id: format!("g{g}"),
                    })
                    .collect();
                (groups, people, holds)
            })
    }

    proptest! {
        #[test]
        fn strict_priority_and_holds(
            (groups, people, holds) in arb_prioritised(),
        ) {
            let engine = engine(groups);
            let options = MatchOptions { holds: holds.clone(), ..MatchOptions::new(now()) };
            let r = match_waitlist(&engine, &people, &options).unwrap();
            let p = &options.priorities;
            let index = |id: &str| engine.groups().iter().position(|g| g.id == id).unwrap();
            let mut filled = vec![0u32; engine.groups().len()];
            for row in &r.rows {
                if let Some(g) = &row.group_id {
                    filled[index(g)] += 1;
                }
            }
            for (g, f) in filled.iter().enumerate() {
                prop_assert!(engine.groups()[g].open_seats().is_none_or(|s| *f <= s), "seats exceeded");
            }
            // Nobody of a lower tier, not held, has a seat of a full group that a higher-tier
            // person left without a group had an edge to.
            for (q, row) in r.rows.iter().enumerate() {
                let (Some(g), Outcome::Placed) = (&row.group_id, row.reason) else { continue };
                let g = index(g);
                if engine.groups()[g].open_seats().is_none_or(|s| filled[g] < s) {
                    continue;
                }
                for (i, other) in r.rows.iter().enumerate() {
                    let higher = p.tier_of(&people[i].priority) < p.tier_of(&people[q].priority);
                    let lacks = other.group_id.is_none() && r.edges.iter().any(|e| e.0 == i && e.1 == g);
                    prop_assert!(!(higher && lacks), "{} took a seat {} lacked", row.person_id, other.person_id);
                }
            }
            // Every hold kept (its person held there) or reported with a reason.
            prop_assert_eq!(r.holds.len(), holds.len());
            for (h, outcome) in holds.iter().zip(&r.holds) {
                let row = r.rows.iter().find(|r| r.person_id == h.person_id);
                if outcome.kept {
                    let row = row.unwrap();
                    prop_assert_eq!(row.reason, Outcome::Held);
                    prop_assert_eq!(row.group_id.as_deref(), Some(h.group_id.as_str()));
                } else {
                    prop_assert!(outcome.reason.as_deref().is_some_and(|m| !m.is_empty()));
                }
            }
            let held = r.rows.iter().filter(|r| r.reason == Outcome::Held).count();
            prop_assert_eq!(held, r.holds.iter().filter(|h| h.kept).count());
            let total: f64 = r.rows.iter().filter_map(|r| r.weight).sum();
            prop_assert!((total - r.objective).abs() < 1e-9);
        }
    }
}
