//! Batch matching of a waitlist to groups with limited seats.
//!
//! Every person is judged against every group with exactly the scoring `rank` uses (eligibility,
//! model, rules), though only the start of each ranking is needed and computed: groups are taken
//! in the order of a cheap upper bound on their logits (`shortlist.rs`), and those whose bound
//! cannot reach the start are never scored in full. Each eligible pair with score >= `min_score`
//! becomes an edge of weight
//! `score + wait_weight * days waited / longest wait on the list`; a person with more edges than
//! `candidates` keeps their best ones. The assignment that maximises the total weight, each
//! person in at most one group and each group within its open seats, is then found exactly
//! ([`solve::solve`]). Every person gets a row: placed, or the reason they were not.

pub mod auction;
pub(crate) mod bound;
pub mod flow;
pub mod hold;
mod options;
pub mod priority;
pub mod problem;
mod report;
mod report_html;
mod result;
pub(crate) mod shortlist;
pub mod solve;
mod staged;
mod unplaced;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::domain::check::{invalid_if_any, list_problems};
use crate::domain::person::WaitlistEntry;
use crate::domain::vocab::Stage;
use crate::engine::Engine;
use crate::error::{Problem, Result};
use shortlist::Shortlist;

pub use crate::rank::NEXT_SESSIONS;
pub use hold::{parse_holds, read_holds, Hold, HoldOutcome};
pub use options::{max_wait_weight, MatchOptions};
pub use priority::{Priorities, PriorityPolicy, PriorityTier};
pub use report::{GroupName, GroupRoster, MatchReport, Member, OutcomeCount, Share, Unplaced};
pub use report_html::render_report;
pub use result::{
    GroupFill, MatchResult, MatchRow, MatchStage, MatchSummary, Outcome, Placement, Reason,
    Stratum, TierCount,
};
pub use unplaced::{NearMiss, UnplacedFacts, UnplacedReason, NEAREST_MISSES};

/// How many reasons a placement gives (in `explanation` and [`Placement::reasons`]), as `rank`'s
/// table shows.
pub const TOP_REASONS: usize = 3;

/// Every person's judged groups and edges: the scoring half of a match, before solving.
#[derive(Debug, Clone)]
pub struct Candidates {
    people: Vec<PersonEdges>,
    /// The options the people were scored with, and the size of the directory.
    options: MatchOptions,
    groups: usize,
}

impl Candidates {
    /// How many edges (person-group pairs offered to the solver) there are.
    pub fn edges(&self) -> usize {
        self.people.iter().map(|p| p.edges.len()).sum()
    }
}

/// One person's judged groups, ranked.
#[derive(Debug, Clone)]
struct PersonEdges {
    /// The start of the person's ranking of eligible groups, (group index, score): the edges
    /// and as many groups again as alternates. Keeping every eligible group would take
    /// gigabytes for a large waitlist and directory; [`assign`] ranks the people whose
    /// alternates lie further down again, among the groups left with a seat.
    ranked: Vec<(usize, f64)>,
    /// Whether `ranked` stops before the end of the ranking.
    truncated: bool,
    /// The best eligible group and its score; `None` when no group is eligible.
    best: Option<(usize, f64)>,
    /// Edges: (group index, score, weight), best weight first, at most `candidates`.
    edges: Vec<(usize, f64, f64)>,
    /// What each of the person's edges gains over its score: waiting, and their priority tier's
    /// bonus under weighted priority.
    bonus: f64,
    /// The person's priority tier ([`Priorities::tier_of`]).
    tier: usize,
    cut: bool,
}

/// Matches a waitlist to the engine's directory. An error when a weight is too large to solve
/// exactly (a wait weight in the billions).
///
/// ```
/// use groupmatch::matching::{match_waitlist, MatchOptions, Outcome};
/// use groupmatch::{parse_waitlist, Engine, Syntax};
/// let csv = "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
///            w1,early,no_preference,online,Mon 00:00-24:00;Tue 00:00-24:00;Wed 00:00-24:00,America/New_York,2026-10-01\n";
/// let waitlist = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w").unwrap().value;
/// let engine = Engine::embedded();
/// let result = match_waitlist(&engine, &waitlist, &MatchOptions::new("2026-11-26T12:00:00Z".parse().unwrap())).unwrap();
/// assert_eq!(result.rows.len(), 1);
/// assert_eq!(result.rows[0].reason, Outcome::Placed);
/// ```
pub fn match_waitlist(
    engine: &Engine,
    waitlist: &[WaitlistEntry],
    options: &MatchOptions,
) -> Result<MatchResult> {
    let candidates = score_candidates(engine, waitlist, options)?;
    Ok(assign(engine, waitlist, &candidates, options)?.0)
}

/// Every problem of a match of `waitlist` with `options`: the options' (for this many people),
/// then each entry's, its `line` being its 1-based place in the list, and repeated ids.
fn match_problems(waitlist: &[WaitlistEntry], options: &MatchOptions) -> Vec<Problem> {
    let mut problems = options.problems(waitlist.len());
    problems.extend(list_problems(
        waitlist,
        "entry",
        |e| &e.person.id,
        |e| {
            let mut found = e.person.problems();
            found.extend(
                e.priority
                    .iter()
                    .filter_map(|c| options.priorities.unknown_code(c))
                    .map(|m| Problem::new(None, Some("priority"), m)),
            );
            found
        },
    ));
    problems
}

/// Scores every person against every group (in parallel) and keeps their edges, after checking
/// the options and every entry (an error lists every problem; an entry's problems have its
/// 1-based place in the list as their `line`).
pub fn score_candidates(
    engine: &Engine,
    waitlist: &[WaitlistEntry],
    options: &MatchOptions,
) -> Result<Candidates> {
    invalid_if_any("waitlist", match_problems(waitlist, options))?;
    let today = options.now.date_naive();
    let waits: Vec<f64> = waitlist
        .iter()
        .map(|e| (today - e.waiting_since).num_days().max(0) as f64)
        .collect();
    let longest = waits.iter().copied().fold(0.0, f64::max).max(1.0);
    let shortlist = Shortlist::new(engine, options.now);
    let judged: Vec<PersonEdges> = waitlist
        .par_iter()
        .zip(&waits)
        .map(|(entry, wait)| {
            // The edges and as many groups again as alternates: the most any person keeps.
            let most = options.candidates + options.alternates;
            let best = shortlist.best(&entry.person, None, most);
            // Groups scoring at least the minimum come first in the ranking (so when all `most`
            // do, more than `candidates` do), and the edges are its first `n_edges` (the same
            // bonus for all of a person's edges keeps the weight order the ranking order).
            let above_min = best
                .scored
                .iter()
                .filter(|s| s.score >= options.min_score)
                .count();
            let n_edges = above_min.min(options.candidates);
            let keep = n_edges + options.alternates;
            let truncated = !best.complete || keep < best.scored.len();
            let ranked: Vec<(usize, f64)> = best
                .scored
                .iter()
                .take(keep)
                .map(|s| (s.index, s.score))
                .collect();
            let tier = options.priorities.tier_of(&entry.priority);
            let bonus = options.wait_weight * wait / longest + options.priorities.bonus(tier);
            let edges = ranked[..n_edges]
                .iter()
                .map(|&(g, score)| (g, score, score + bonus))
                .collect();
            PersonEdges {
                ranked,
                bonus,
                tier,
                truncated,
                best: best.scored.first().map(|s| (s.index, s.score)),
                edges,
                cut: above_min > options.candidates,
            }
        })
        .collect();
    Ok(Candidates {
        people: judged,
        options: options.clone(),
        groups: engine.groups().len(),
    })
}

/// Solves the assignment exactly and accounts for every person. Also returns the seconds the
/// exact solver took: the rest is bookkeeping, and scoring for alternates past the kept rankings.
/// `candidates` must come from [`score_candidates`] with the same engine, waitlist and options.
///
/// An error when a weight is too large to solve exactly.
pub fn assign(
    engine: &Engine,
    waitlist: &[WaitlistEntry],
    candidates: &Candidates,
    options: &MatchOptions,
) -> Result<(MatchResult, f64)> {
    let mut problems = Vec::new();
    if *options != candidates.options {
        problems.push(Problem::new(
            None,
            Some("options"),
            "differ from the options the candidates were scored with",
        ));
    }
    if waitlist.len() != candidates.people.len() || engine.groups().len() != candidates.groups {
        problems.push(Problem::new(
            None,
            Some("candidates"),
            format!(
                "scored for {} people and {} groups, not this waitlist of {} and directory of {}",
                candidates.people.len(),
                candidates.groups,
                waitlist.len(),
                engine.groups().len()
            ),
        ));
    }
    invalid_if_any("match", problems)?;
    let judged = &candidates.people;
    let groups = engine.groups();
    let open_seats: Vec<Option<u32>> = groups.iter().map(|g| g.open_seats()).collect();
    let mut seats = open_seats.clone();
    let (held, hold_outcomes) =
        hold::apply_holds(engine, waitlist, &options.holds, &mut seats, options.now);
    let priorities = &options.priorities;
    let tiers: Vec<usize> = judged.iter().map(|p| p.tier).collect();
    let free: Vec<usize> = (0..waitlist.len()).filter(|&i| held[i].is_none()).collect();
    let edges_of = |i: usize| judged[i].edges.as_slice();
    let stages = staged::stages(&free, &tiers, priorities);
    let solved = staged::solve_stages(&held, &stages, seats.clone(), edges_of, |_| 0.0)?;
    let group_of = solved.group_of;
    let by_tier = staged::by_tier(priorities, &tiers, &group_of, &held, || {
        // Everyone not held in one solve, each weight without its tier's bonus.
        let all = [("all".to_string(), free.clone())];
        let without = |i: usize| priorities.bonus(tiers[i]);
        let plain = staged::solve_stages(&held, &all, seats.clone(), edges_of, without)?;
        Ok(plain.group_of)
    })?;
    let solve_seconds = solved.seconds;
    let seats = &open_seats;

    let mut filled = vec![0u32; groups.len()];
    for g in group_of.iter().flatten() {
        filled[*g] += 1;
    }
    let has_open_seat = |g: usize| seats[g].is_none_or(|s| filled[g] < s);
    let shortlist = Shortlist::new(engine, options.now);
    let open_groups = shortlist.index_where(has_open_seat);

    // The explanation of each placement, and the next groups with a seat left in each person's
    // ranking that score at least the minimum; ranked again, among the groups with a seat left,
    // when the kept start of it is too short and does not yet fall below the minimum. Then why
    // each person not placed was not.
    let explained: Vec<_> = waitlist
        .par_iter()
        .zip(judged)
        .zip(&group_of)
        .map(|((entry, p), placed)| {
            let pick = |ranked: &[(usize, f64)]| -> Vec<String> {
                ranked
                    .iter()
                    .filter(|(g, s)| {
                        Some(*g) != *placed && *s >= options.min_score && has_open_seat(*g)
                    })
                    .take(options.alternates)
                    .map(|(g, _)| groups[*g].id.clone())
                    .collect()
            };
            let found = pick(&p.ranked);
            let past_min = p.ranked.last().is_some_and(|r| r.1 < options.min_score);
            let alternates = if found.len() < options.alternates && p.truncated && !past_min {
                // Only groups with a seat left can be alternates: judge just those (the placed
                // group may be one of them).
                let open =
                    shortlist.best(&entry.person, Some(&open_groups), options.alternates + 1);
                let open: Vec<(usize, f64)> =
                    open.scored.iter().map(|s| (s.index, s.score)).collect();
                pick(&open)
            } else {
                found
            };
            let (explanation, placement, why) = match placed {
                Some(g) => {
                    let placement = placement(engine, entry, *g, options.now);
                    let texts: Vec<&str> =
                        placement.reasons.iter().map(|r| r.text.as_str()).collect();
                    (texts.join("; "), Some(placement), None)
                }
                None => {
                    let why = UnplacedReason::of(
                        engine,
                        &shortlist,
                        p,
                        entry,
                        &alternates,
                        &has_open_seat,
                        options.min_score,
                    );
                    (why.sentence.clone(), None, Some(why))
                }
            };
            (explanation, placement, alternates, why)
        })
        .collect();

    let mut objective = 0.0;
    let mut rows = Vec::with_capacity(waitlist.len());
    for (i, ((entry, p), (explanation, placement, alternates, why))) in
        waitlist.iter().zip(judged).zip(explained).enumerate()
    {
        let placed = group_of[i];
        // A held pair's score is its own (it may have no edge); its weight has the person's
        // bonuses, as an edge's would.
        let edge = match held[i] {
            Some((g, score)) => Some((g, score, score + p.bonus)),
            None => placed.and_then(|g| p.edges.iter().find(|e| e.0 == g).copied()),
        };
        let reason = match (held[i], &why) {
            (Some(_), _) => Outcome::Held,
            (None, Some(why)) => why.outcome(),
            (None, None) => Outcome::Placed,
        };
        if let Some((_, _, w)) = edge {
            objective += w;
        }
        rows.push(MatchRow {
            person_id: entry.person.id.clone(),
            group_id: placed.map(|g| groups[g].id.clone()),
            score: edge.map(|e| e.1),
            weight: edge.map(|e| e.2),
            rank_for_person: placed
                .and_then(|g| p.ranked.iter().position(|(x, _)| *x == g))
                .map(|r| r + 1),
            alternates,
            reason,
            explanation,
            why,
            problems: Vec::new(),
            risks: entry.person.risks.clone(),
            placement,
        });
    }

    let strata = |key: &dyn Fn(&WaitlistEntry) -> &'static str| {
        let mut out: BTreeMap<String, Stratum> = BTreeMap::new();
        for (entry, row) in waitlist.iter().zip(&rows) {
            let s = out.entry(key(entry).to_string()).or_default();
            s.people += 1;
            if let Some(score) = row.score {
                s.placed += 1;
                s.mean_score += score;
            }
        }
        for s in out.values_mut() {
            if s.placed > 0 {
                s.mean_score /= s.placed as f64;
            }
        }
        out
    };
    let by_stage =
        strata(&|e: &WaitlistEntry| e.person.stage.map_or(e.person.role.as_str(), Stage::as_str));
    let by_gender = strata(&|e: &WaitlistEntry| e.person.gender.as_str());
    let fills = groups
        .iter()
        .enumerate()
        .filter(|(g, _)| seats[*g].is_some() || filled[*g] > 0)
        .map(|(g, group)| GroupFill {
            group_id: group.id.clone(),
            open_seats: seats[g],
            filled: filled[g],
        })
        .collect();
    let result = MatchResult {
        rows,
        objective,
        edges: staged::stage_edges(&stages, edges_of),
        stages: solved.stages,
        by_tier,
        holds: hold_outcomes,
        groups: fills,
        candidate_cut: judged.iter().filter(|p| p.cut).count(),
        by_stage,
        by_gender,
    };
    Ok((result, solve_seconds))
}

/// A placement as the person is told it: the group's name, its next sessions that fit them, and
/// the top reasons about the group, as `rank` would give them.
fn placement(
    engine: &Engine,
    entry: &WaitlistEntry,
    group: usize,
    now: DateTime<Utc>,
) -> Placement {
    let g = &engine.groups()[group];
    let (explanation, next) = engine.explain_placement(&entry.person, group, now, NEXT_SESSIONS);
    Placement {
        group_name: g.name.clone(),
        timezone: g.timezone.name().to_string(),
        next_sessions: next
            .iter()
            .map(|t| t.with_timezone(&g.timezone).fixed_offset())
            .collect(),
        reasons: explanation
            .into_iter()
            .filter(|e| !e.person_level)
            .take(TOP_REASONS)
            .map(Reason::from)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::model::EngagementModel;
    use crate::formats::people::InvalidEntry;
    use crate::testutil::{group, now, person};
    use problem::WEIGHT_SCALE;
    use proptest::prelude::*;

    /// `person()` as `id`, on the waitlist for `days_ago` days.
    pub(super) fn entry(id: &str, days_ago: u64) -> WaitlistEntry {
        let mut p = person();
        p.id = id.to_string();
        WaitlistEntry {
            person: p,
            waiting_since: now().date_naive() - chrono::Days::new(days_ago),
            priority: Vec::new(),
        }
    }

    /// `n` groups `g0`, `g1`, ... in a row northwards from `person()`'s place, `step` degrees of
    /// latitude apart: each scores lower than the one before.
    fn in_a_row(n: usize, step: f64) -> Vec<crate::Group> {
        (0..n)
            .map(|i| {
                let mut g = group(&format!("g{i}"));
                g.location =
                    Some(crate::GeoPoint::new(39.9526 + i as f64 * step, -75.1652).unwrap());
                g
            })
            .collect()
    }

    /// An engine of `groups` and the prior model.
    pub(super) fn engine(groups: Vec<crate::Group>) -> Engine {
        Engine::new(groups, EngagementModel::prior()).unwrap()
    }

    #[test]
    fn one_seat_two_people_the_longer_waiter_gets_it() {
        let mut g = group("g1");
        g.capacity = Some(1);
        let result = match_waitlist(
            &engine(vec![g]),
            &[entry("a", 1), entry("b", 90)],
            &MatchOptions::new(now()),
        )
        .unwrap();
        let reasons: Vec<Outcome> = result.rows.iter().map(|r| r.reason).collect();
        assert_eq!(reasons, [Outcome::SeatsTaken, Outcome::Placed]);
        assert_eq!(result.rows[1].group_id.as_deref(), Some("g1"));
        assert_eq!(result.rows[1].rank_for_person, Some(1));
        assert!(
            (result.rows[1].weight.unwrap() - result.rows[1].score.unwrap() - 0.1).abs() < 1e-12
        );
        assert!(
            result.rows[0].alternates.is_empty(),
            "no open seat is left to suggest"
        );
        assert_eq!(
            result.groups,
            vec![GroupFill {
                group_id: "g1".into(),
                open_seats: Some(1),
                filled: 1
            }]
        );
    }

    #[test]
    fn the_summary_counts_each_stratum_and_only_groups_with_seats_or_placements() {
        let mut full = group("full");
        full.capacity = Some(0);
        let mut seats = group("seats");
        seats.capacity = Some(1);
        seats.location = Some(crate::GeoPoint::new(40.0, -75.2).unwrap());
        let unlimited_unused = {
            let mut g = group("unused");
            g.languages = vec!["fr".parse().unwrap()];
            g
        };
        let mut a = entry("a", 3);
        a.person.readiness = Some(10);
        let mut b = entry("b", 2);
        b.person.stage = Some(crate::Stage::Sustained);
        let c = entry("c", 1);
        let groups = vec![full, seats, group("open"), unlimited_unused];
        let r = match_waitlist(&engine(groups), &[a, b, c], &MatchOptions::new(now())).unwrap();
        let score = |i: usize| r.rows[i].score.unwrap();
        let first_year = &r.by_stage["first_year"];
        assert_eq!((first_year.people, first_year.placed), (2, 2));
        assert!((first_year.mean_score - (score(0) + score(2)) / 2.0).abs() < 1e-12);
        let sustained = &r.by_stage["sustained"];
        assert_eq!((sustained.people, sustained.placed), (1, 1));
        assert_eq!(sustained.mean_score, score(1));
        // `full` has seats (none open); `unused` has no limit and no one placed: not listed.
        let listed: Vec<&str> = r.groups.iter().map(|g| g.group_id.as_str()).collect();
        assert_eq!(listed, ["full", "seats", "open"]);
        // A placement's reasons are about the group, never the person's own readiness.
        assert!(!r.rows[0].explanation.is_empty());
        assert!(
            !r.rows[0].explanation.contains("readiness"),
            "{}",
            r.rows[0].explanation
        );
    }

    #[test]
    fn every_unplaced_person_has_a_reason() {
        let mut far = group("far");
        far.languages = vec!["fr".parse().unwrap()];
        let mut options = MatchOptions::new(now());
        let only_far = match_waitlist(&engine(vec![far]), &[entry("a", 3)], &options).unwrap();
        assert_eq!(only_far.rows[0].reason, Outcome::NoEligibleGroup);
        options.min_score = 0.99;
        let strict = match_waitlist(&engine(vec![group("g")]), &[entry("a", 3)], &options).unwrap();
        assert_eq!(strict.rows[0].reason, Outcome::BelowMinScore);
        options.alternates = 0;
        let strict = match_waitlist(&engine(vec![group("g")]), &[entry("a", 3)], &options).unwrap();
        assert_eq!(
            strict.rows[0].reason,
            Outcome::BelowMinScore,
            "with nothing of the ranking kept, the group is still known to be eligible"
        );
        assert!(strict.edges.is_empty());
    }

    #[test]
    fn the_candidate_cut_keeps_each_persons_best_edges() {
        let groups = in_a_row(5, 0.01);
        let mut options = MatchOptions::new(now());
        options.candidates = 2;
        let r = match_waitlist(&engine(groups), &[entry("a", 3)], &options).unwrap();
        assert_eq!(r.candidate_cut, 1);
        let kept: Vec<usize> = r.edges.iter().map(|e| e.1).collect();
        assert_eq!(kept, [0, 1], "the two nearest groups score best");
    }

    #[test]
    fn alternates_are_read_past_the_kept_edges() {
        let groups = in_a_row(7, 0.01);
        let engine = engine(groups);
        let mut options = MatchOptions::new(now());
        options.candidates = 1;
        let r = match_waitlist(&engine, &[entry("a", 3)], &options).unwrap();
        assert_eq!(r.rows[0].group_id.as_deref(), Some("g0"));
        assert_eq!(r.rows[0].alternates, ["g1", "g2", "g3"]);
        options.alternates = 5;
        let r = match_waitlist(&engine, &[entry("a", 3)], &options).unwrap();
        assert_eq!(r.rows[0].alternates, ["g1", "g2", "g3", "g4", "g5"]);
    }

    #[test]
    fn alternates_past_the_kept_ranking_are_found_by_ranking_again() {
        // Five one-seat groups in a row, and four people each at one of g0-g3 with that group
        // as their one edge: g0-g3 fill, so everyone's one alternate is g4, past the kept start
        // of their ranking (two groups: the one edge, and one for the alternate).
        let mut groups = in_a_row(5, 0.01);
        for g in &mut groups {
            g.capacity = Some(1);
        }
        let engine = engine(groups);
        let options = MatchOptions {
            candidates: 1,
            alternates: 1,
            ..MatchOptions::new(now())
        };
        let people: Vec<_> = (0..4)
            .map(|i| {
                let mut e = entry(&format!("p{i}"), i);
                e.person.location =
                    Some(crate::GeoPoint::new(39.9526 + i as f64 * 0.01, -75.1652).unwrap());
                e
            })
            .collect();
        let candidates = score_candidates(&engine, &people, &options).unwrap();
        assert!(candidates
            .people
            .iter()
            .all(|p| p.truncated && p.ranked.len() == 2));
        assert_eq!(candidates.edges(), 4, "one edge each");
        let (r, _) = assign(&engine, &people, &candidates, &options).unwrap();
        for (i, row) in r.rows.iter().enumerate() {
            assert_eq!(row.group_id, Some(format!("g{i}")));
            assert_eq!(row.alternates, ["g4"], "{}", row.person_id);
        }
    }

    #[test]
    fn alternates_below_the_minimum_score_are_not_offered() {
        // Groups ever farther away score ever lower: with the minimum between the best score and
        // the next, the person is placed in the best and no other group may be an alternate,
        // though every one is eligible and has a seat.
        let groups = in_a_row(5, 0.02);
        let engine = engine(groups);
        let people = [entry("a", 3)];
        let ranking = engine
            .rank(&people[0].person, &crate::RankOptions::new(None, now()))
            .unwrap();
        let scores: Vec<f64> = ranking.suggestions.iter().map(|s| s.score).collect();
        assert!(scores.windows(2).all(|w| w[0] > w[1]), "{scores:?}");
        let options = MatchOptions {
            min_score: (scores[0] + scores[1]) / 2.0,
            ..MatchOptions::new(now())
        };
        let r = match_waitlist(&engine, &people, &options).unwrap();
        assert_eq!(r.rows[0].group_id.as_deref(), Some("g0"));
        assert!(
            r.rows[0].alternates.is_empty(),
            "{:?}",
            r.rows[0].alternates
        );
        let options = MatchOptions {
            min_score: (scores[2] + scores[3]) / 2.0,
            ..options
        };
        let r = match_waitlist(&engine, &people, &options).unwrap();
        assert_eq!(r.rows[0].alternates, ["g1", "g2"]);
    }

    #[test]
    fn a_ranking_kept_whole_is_not_marked_truncated() {
        // Three eligible groups, one edge and two alternates: the kept start is the whole
        // ranking, so alternates are never looked for again; with one alternate it is not.
        let groups: Vec<_> = (0..3).map(|i| group(&format!("g{i}"))).collect();
        let engine = engine(groups);
        let people = [entry("a", 3)];
        let mut options = MatchOptions {
            candidates: 1,
            alternates: 2,
            ..MatchOptions::new(now())
        };
        let whole = score_candidates(&engine, &people, &options).unwrap();
        assert_eq!(
            (whole.people[0].ranked.len(), whole.people[0].truncated),
            (3, false)
        );
        options.alternates = 1;
        let cut = score_candidates(&engine, &people, &options).unwrap();
        assert_eq!(
            (cut.people[0].ranked.len(), cut.people[0].truncated),
            (2, true)
        );
    }

    /// The fields named by the problems of `match_waitlist` with `options`.
    fn refused_fields(people: &[WaitlistEntry], options: &MatchOptions) -> Vec<String> {
        let err = match_waitlist(&engine(vec![group("g")]), people, options).unwrap_err();
        err.problems()
            .iter()
            .map(|p| p.field.clone().unwrap())
            .collect()
    }

    #[test]
    fn zero_candidates_are_refused_not_read_as_below_min_score() {
        let options = MatchOptions {
            candidates: 0,
            ..MatchOptions::new(now())
        };
        assert_eq!(refused_fields(&[entry("a", 3)], &options), ["candidates"]);
    }

    #[test]
    fn candidates_and_alternates_that_overflow_are_refused() {
        let options = MatchOptions {
            candidates: usize::MAX,
            alternates: 1,
            ..MatchOptions::new(now())
        };
        assert_eq!(refused_fields(&[entry("a", 3)], &options), ["alternates"]);
        let huge = MatchOptions {
            candidates: usize::MAX / 2,
            alternates: usize::MAX / 2,
            ..MatchOptions::new(now())
        };
        let r = match_waitlist(&engine(vec![group("g")]), &[entry("a", 3)], &huge).unwrap();
        assert_eq!(
            r.rows[0].reason,
            Outcome::Placed,
            "large but countable is fine"
        );
    }

    #[test]
    fn nan_negative_and_infinite_wait_weights_are_refused() {
        for w in [f64::NAN, -0.1, f64::INFINITY, f64::NEG_INFINITY] {
            let options = MatchOptions {
                wait_weight: w,
                ..MatchOptions::new(now())
            };
            assert_eq!(
                refused_fields(&[entry("a", 3)], &options),
                ["wait_weight"],
                "{w}"
            );
        }
    }

    #[test]
    fn a_wait_weight_the_solver_cannot_hold_is_refused() {
        let at = |w: f64| MatchOptions {
            wait_weight: w,
            ..MatchOptions::new(now())
        };
        // Past the point where scale() saturates, for any waitlist.
        let saturating = i64::MAX as f64 / WEIGHT_SCALE;
        assert!(at(saturating).validate().is_err());
        assert!(at(max_wait_weight(0)).validate().is_ok());
        // Within the bound for no one, past it for this many people.
        let people: Vec<_> = (0..3).map(|i| entry(&format!("p{i}"), i)).collect();
        let w = max_wait_weight(people.len()) + 1.0;
        assert!(at(w).validate().is_ok());
        assert_eq!(refused_fields(&people, &at(w)), ["wait_weight"]);
        let r = match_waitlist(
            &engine(vec![group("g")]),
            &people,
            &at(max_wait_weight(people.len())),
        )
        .unwrap();
        assert!(r.rows.iter().all(|r| r.reason == Outcome::Placed));
    }

    #[test]
    fn a_min_score_that_is_nan_or_off_0_to_1_is_refused() {
        for m in [f64::NAN, -0.1, 1.5] {
            let options = MatchOptions {
                min_score: m,
                ..MatchOptions::new(now())
            };
            assert_eq!(
                refused_fields(&[entry("a", 3)], &options),
                ["min_score"],
                "{m}"
            );
        }
    }

    #[test]
    fn every_bad_person_and_repeated_id_is_named_at_its_place() {
        let mut bad = entry("b", 3);
        bad.person.languages.clear();
        let people = [entry("a", 3), bad, entry("a", 1)];
        let err = match_waitlist(
            &engine(vec![group("g")]),
            &people,
            &MatchOptions::new(now()),
        )
        .unwrap_err();
        let got: Vec<_> = err
            .problems()
            .iter()
            .map(|p| (p.line, p.field.clone().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(2), "languages".to_string()),
                (Some(3), "id".to_string())
            ]
        );
    }

    #[test]
    fn assign_refuses_candidates_of_another_waitlist_or_options() {
        let engine = engine(vec![group("g")]);
        let options = MatchOptions::new(now());
        let people = [entry("a", 3)];
        let candidates = score_candidates(&engine, &people, &options).unwrap();
        assert!(assign(&engine, &[], &candidates, &options).is_err());
        let other = MatchOptions {
            alternates: 9,
            ..options.clone()
        };
        assert!(assign(&engine, &people, &candidates, &other).is_err());
    }

    #[test]
    fn invalid_rows_take_their_place_and_count_in_the_summary() {
        let result = match_waitlist(
            &engine(vec![group("g")]),
            &[entry("a", 3), entry("c", 2)],
            &MatchOptions::new(now()),
        )
        .unwrap();
        let bad = |line: u64, id: &str| InvalidEntry {
            line,
            id: Some(id.to_string()),
            problems: vec![Problem::new(Some(line), Some("stage"), "unknown")],
        };
        let result = result.with_invalid(vec![(0, bad(2, "x")), (2, bad(4, "b"))], "w.csv");
        let ids: Vec<_> = result.rows.iter().map(|r| r.person_id.as_str()).collect();
        assert_eq!(ids, ["x", "a", "b", "c"]);
        assert_eq!(result.rows[2].reason, Outcome::InvalidInput);
        assert_eq!(
            result.rows[2].explanation,
            "The waitlist row could not be read: w.csv:4: stage: unknown"
        );
        let summary = result.summary();
        assert_eq!((summary.people, summary.placed), (4, 2));
        assert_eq!(summary.unplaced["invalid_input"], 2);
        assert_eq!(
            summary.by_stage.values().map(|s| s.people).sum::<usize>(),
            2
        );
    }

    #[test]
    fn results_and_options_round_trip_through_serde() {
        let options = MatchOptions::new(now());
        let json = serde_json::to_string(&options).unwrap();
        assert_eq!(
            serde_json::from_str::<MatchOptions>(&json).unwrap(),
            options
        );
        let mut result =
            match_waitlist(&engine(vec![group("g")]), &[entry("a", 3)], &options).unwrap();
        let back: MatchResult =
            serde_json::from_str(&serde_json::to_string(&result).unwrap()).unwrap();
        // Not serialised: the solver's input, not a result.
        result.edges.clear();
        for stage in &mut result.stages {
            stage.seats.clear();
            stage.edges = 0..0;
        }
        assert_eq!(back, result);
    }

    pub(super) fn arb_case() -> impl Strategy<Value = (Vec<crate::Group>, Vec<WaitlistEntry>)> {
        let groups = prop::collection::vec(
            (
                prop::option::of(0u32..3),
                0u8..7,
                0.0f64..0.2,
                any::<bool>(),
            ),
            1..9,
        );
        let people = prop::collection::vec((0u64..200, 0u8..7, any::<bool>()), 1..12);
        (groups, people).prop_map(|(gs, ps)| {
            let groups = gs
                .into_iter()
                .enumerate()
                .map(|(i, (cap, day, dlat, beginner))| {
                    let mut g = group(&format!("g{i}"));
                    g.capacity = cap;
                    g.sessions = vec![crate::Session::weekly(
                        crate::Window::new(day, 18 * 60, 19 * 60).unwrap(),
                    )];
                    g.location = Some(crate::GeoPoint::new(39.9526 + dlat, -75.1652).unwrap());
                    g.beginner_friendly = beginner;
                    g
                })
                .collect();
            let people = ps
                .into_iter()
                .enumerate()
                .map(|(i, (days, day, early))| {
                    let mut e = entry(&format!("p{i}"), days);
                    e.person.availability =
                        vec![crate::Window::new(day, 17 * 60, 22 * 60).unwrap()];
                    if early {
                        e.person.stage = Some(crate::Stage::Early);
                    }
                    e
                })
                .collect();
            (groups, people)
        })
    }

    proptest! {
        #[test]
        fn everyone_accounted_for_seats_kept_and_placements_eligible(
            (groups, people) in arb_case(),
            candidates in 1usize..4,
            min_score in prop::sample::select(vec![0.0, 0.2, 0.3, 0.4, 0.5, 0.9]),
        ) {
            let engine = engine(groups);
            let options = MatchOptions { candidates, min_score, ..MatchOptions::new(now()) };
            let result = match_waitlist(&engine, &people, &options).unwrap();
            prop_assert_eq!(result.rows.len(), people.len());
            for (row, e) in result.rows.iter().zip(&people) {
                prop_assert_eq!(&row.person_id, &e.person.id);
            }
            let mut filled = vec![0u32; engine.groups().len()];
            for row in &result.rows {
                match &row.group_id {
                    Some(id) => {
                        prop_assert_eq!(row.reason, Outcome::Placed);
                        let g = engine.groups().iter().position(|g| &g.id == id).unwrap();
                        filled[g] += 1;
                        prop_assert!(row.score.unwrap() >= options.min_score);
                        let person = &people.iter().find(|e| e.person.id == row.person_id).unwrap().person;
                        let ranking = engine.rank(person, &crate::RankOptions::new(None, now())).unwrap();
                        let s = ranking.suggestions.iter().find(|s| &s.group_id == id);
                        prop_assert!(s.is_some(), "placed pair is eligible");
                        prop_assert_eq!(s.unwrap().score, row.score.unwrap());
                        prop_assert_eq!(Some(s.unwrap().rank), row.rank_for_person);
                        // The placement says what rank says of the pair: the name, the same
                        // dates (in the group's zone), the top reasons with their terms.
                        let placement = row.placement.as_ref().unwrap();
                        prop_assert_eq!(&placement.group_name, &s.unwrap().name);
                        let dates: Vec<DateTime<Utc>> = s.unwrap().next_sessions.iter()
                            .map(|t| t.parse().unwrap()).collect();
                        let ours: Vec<DateTime<Utc>> = placement.next_sessions.iter()
                            .map(|t| t.with_timezone(&Utc)).collect();
                        prop_assert_eq!(ours, dates);
                        let terms: Vec<(&str, f64)> = s.unwrap().explanation.iter().take(TOP_REASONS)
                            .map(|e| (e.text.as_str(), e.contribution)).collect();
                        let reasons: Vec<(&str, f64)> = placement.reasons.iter()
                            .map(|r| (r.text.as_str(), r.contribution)).collect();
                        prop_assert_eq!(reasons, terms);
                    }
                    None => {
                        // Every person not placed is told why, in words, with the facts of
                        // their outcome.
                        prop_assert!(row.reason != Outcome::Placed);
                        prop_assert!(row.placement.is_none());
                        let why = row.why.as_ref().unwrap();
                        prop_assert_eq!(why.outcome(), row.reason);
                        prop_assert!(!why.sentence.trim().is_empty());
                        prop_assert_eq!(&row.explanation, &why.sentence);
                        if let UnplacedFacts::NoEligibleGroup { excluded_by_code, nearest_misses, .. } = &why.facts {
                            // The counts rank gives, and misses that fail one constraint alone.
                            let person = &people.iter().find(|e| e.person.id == row.person_id).unwrap().person;
                            let options = crate::RankOptions::new(None, now())
                                .with_excluded(crate::ExcludedDetail::Full);
                            let ranking = engine.rank(person, &options).unwrap();
                            prop_assert_eq!(ranking.eligible, 0);
                            let counts: Vec<_> = excluded_by_code.iter().map(|(c, n)| (*c, *n)).collect();
                            prop_assert_eq!(ranking.exclusion_counts(), counts);
                            for m in nearest_misses {
                                let e = ranking.excluded.groups().iter().find(|e| e.group_id == m.group_id).unwrap();
                                prop_assert!(e.reasons.iter().all(|r| r.code == m.code), "{:?}", m);
                            }
                        }
                    }
                }
            }
            for (g, f) in filled.iter().enumerate() {
                prop_assert!(engine.groups()[g].open_seats().is_none_or(|s| *f <= s), "seats exceeded");
            }
            // Alternates as read from the whole ranking (only its start is kept): eligible
            // groups with a seat left scoring at least the minimum, best first.
            for (row, e) in result.rows.iter().zip(&people) {
                let ranking = engine.rank(&e.person, &crate::RankOptions::new(None, now())).unwrap();
                for id in &row.alternates {
                    let s = ranking.suggestions.iter().find(|s| &s.group_id == id);
                    prop_assert!(s.is_some_and(|s| s.score >= min_score), "alternate {}", id);
                }
                let alternates: Vec<&String> = ranking
                    .suggestions
                    .iter()
                    .filter(|s| s.score >= min_score)
                    .map(|s| &s.group_id)
                    .filter(|id| Some(*id) != row.group_id.as_ref())
                    .filter(|id| {
                        let g = engine.groups().iter().position(|g| &g.id == *id).unwrap();
                        engine.groups()[g].open_seats().is_none_or(|s| filled[g] < s)
                    })
                    .take(options.alternates)
                    .collect();
                prop_assert_eq!(row.alternates.iter().collect::<Vec<_>>(), alternates);
            }
            prop_assert_eq!(&match_waitlist(&engine, &people, &options).unwrap(), &result, "deterministic");
            let total: f64 = result.rows.iter().filter_map(|r| r.weight).sum();
            prop_assert!((total - result.objective).abs() < 1e-9);
        }
    }
}
