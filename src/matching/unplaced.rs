//! Why a person on a waitlist was not placed: a sentence a coordinator can read to them, and the
//! facts it is made from, for every outcome but [`Outcome::Placed`].
//!
//! - **No eligible group**: every group of the directory is checked against the person's hard
//!   constraints (no group is scored: none is eligible), so the counts by code are exactly those
//!   `rank` shows for the person (`rank --show-excluded`). Groups that fail on one constraint
//!   alone are the nearest misses. Only people with no eligible group pay for this pass (67 of
//!   the 200,000 of the L match): about 4 ms each against 20,000 groups (release build, 2-core
//!   VM, 2026-12-07: 100 such people added 0.4 s to a match), so about 0.3 s at L. The search
//!   for everyone else is unchanged. A waitlist where most people have no eligible group pays
//!   that for each of them; the candidate index with one filter relaxed at a time would bound
//!   the pass to the groups near each person's reach, at the price of counts over those groups
//!   only.
//! - **Below the minimum score**: the best group and its score, and the minimum.
//! - **Seats taken**: how many of the groups that fit the person (eligible, scoring at least the
//!   minimum) were filled, and never by whom; the row's alternates are the groups with a seat left.
//! - **Invalid input**: the row's problems are kept in [`MatchRow::problems`](super::MatchRow).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::result::Outcome;
use super::shortlist::Shortlist;
use super::PersonEdges;
use crate::domain::person::{Person, WaitlistEntry};
use crate::eligibility::ExclusionCode;
use crate::engine::Engine;
use crate::pair::PreparedPerson;

/// How many nearest misses an [`UnplacedReason`] of [`Outcome::NoEligibleGroup`] lists.
pub const NEAREST_MISSES: usize = 3;

/// Why a person was not placed: a sentence in plain language and the facts behind it. The
/// sentence never names another person, and for [`Outcome::SeatsTaken`] never says who took the
/// seats.
///
/// ```
/// use groupmatch::matching::{match_waitlist, MatchOptions, Outcome, UnplacedFacts};
/// use groupmatch::{parse_waitlist, Engine, Syntax};
/// // Available only on Monday nights at 03:00-03:30: no session of the directory fits.
/// let csv = "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
///            w1,early,no_preference,online,Mon 03:00-03:30,America/New_York,2026-10-01\n";
/// let waitlist = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w").unwrap().value;
/// let options = MatchOptions::new("2026-11-26T12:00:00Z".parse().unwrap());
/// let row = &match_waitlist(&Engine::embedded(), &waitlist, &options).unwrap().rows[0];
/// assert_eq!(row.reason, Outcome::NoEligibleGroup);
/// let why = row.why.as_ref().unwrap();
/// assert!(why.sentence.starts_with("No group passes every constraint"));
/// assert!(matches!(why.facts, UnplacedFacts::NoEligibleGroup { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct UnplacedReason {
    /// The reason in a sentence or two (what the CSV's `explanation` column holds).
    pub sentence: String,
    /// The facts the sentence is made from.
    pub facts: UnplacedFacts,
}

/// The facts behind an [`UnplacedReason`], by outcome (in JSON, an object whose `outcome` is the
/// [`Outcome`]'s name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum UnplacedFacts {
    /// No group passes every hard constraint.
    NoEligibleGroup {
        /// Groups in the directory (all of them excluded).
        groups: usize,
        /// Exclusion reasons by code over every group of the directory, as `rank` counts them:
        /// a group failing two constraints counts under both.
        excluded_by_code: BTreeMap<ExclusionCode, usize>,
        /// Groups that fail on one constraint alone, by that constraint's code.
        only_one: BTreeMap<ExclusionCode, usize>,
        /// Up to [`NEAREST_MISSES`] of the groups that fail on one constraint alone, nearest
        /// first: by travel distance (groups whose distance is not known, such as online ones,
        /// after those whose is), then in directory order.
        nearest_misses: Vec<NearMiss>,
    },
    /// Groups are eligible, but none scores at least the minimum.
    BelowMinScore {
        /// The best eligible group's id.
        best_group_id: String,
        /// Its name.
        best_group_name: String,
        /// Its score.
        best_score: f64,
        /// The minimum score of a placement.
        min_score: f64,
    },
    /// Groups fit (eligible, scoring at least the minimum), but their seats went to others.
    SeatsTaken {
        /// How many of the groups that fit the person (those offered to the solver, at most
        /// `candidates`) were filled.
        filled: usize,
        /// Whether more groups fit than were offered (`candidates` cut the list).
        more_fit: bool,
        /// The minimum score of a placement.
        min_score: f64,
    },
    /// The waitlist row could not be read; its problems are the row's `problems`.
    InvalidInput,
}

/// A group that fails on one hard constraint alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct NearMiss {
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub name: String,
    /// The one constraint it fails.
    pub code: ExclusionCode,
    /// Why, as `rank --show-excluded` says it (several sentences joined by `; ` when, say, two
    /// of its audiences do not fit).
    pub reason: String,
    /// Travel distance, when the person would attend in person and both places are known.
    pub distance_km: Option<f64>,
}

impl UnplacedReason {
    /// The outcome these facts explain.
    pub fn outcome(&self) -> Outcome {
        match self.facts {
            UnplacedFacts::NoEligibleGroup { .. } => Outcome::NoEligibleGroup,
            UnplacedFacts::BelowMinScore { .. } => Outcome::BelowMinScore,
            UnplacedFacts::SeatsTaken { .. } => Outcome::SeatsTaken,
            UnplacedFacts::InvalidInput => Outcome::InvalidInput,
        }
    }

    /// Why `entry`, whose judged groups are `p` and whose alternates are `alternates`, was not
    /// placed, after a match with a minimum score of `min_score` left a seat in the groups
    /// `has_open_seat` accepts.
    pub(super) fn of(
        engine: &Engine,
        shortlist: &Shortlist,
        p: &PersonEdges,
        entry: &WaitlistEntry,
        alternates: &[String],
        has_open_seat: &dyn Fn(usize) -> bool,
        min_score: f64,
    ) -> UnplacedReason {
        match p.best {
            None => UnplacedReason::no_eligible_group(engine, shortlist, &entry.person),
            Some((g, score)) if p.edges.is_empty() => {
                UnplacedReason::below_min_score(engine, g, score, min_score)
            }
            Some(_) => {
                let filled = p.edges.iter().filter(|e| !has_open_seat(e.0)).count();
                UnplacedReason::seats_taken(filled, p.cut, min_score, alternates)
            }
        }
    }

    /// The reason of a waitlist row that could not be read, whose problems are `problems` (as
    /// `FILE:LINE: field: message`).
    pub(crate) fn invalid_input(problems: &str) -> UnplacedReason {
        UnplacedReason {
            sentence: format!("The waitlist row could not be read: {problems}"),
            facts: UnplacedFacts::InvalidInput,
        }
    }

    /// The reason of a person for whom no group passes every hard constraint: every group is
    /// checked (see the module docs).
    pub(crate) fn no_eligible_group(
        engine: &Engine,
        shortlist: &Shortlist,
        person: &Person,
    ) -> UnplacedReason {
        let horizon = shortlist.horizon();
        let prepared = PreparedPerson::new(person, horizon);
        let rules = engine.rules_for(person);
        let mut excluded_by_code: BTreeMap<ExclusionCode, usize> = BTreeMap::new();
        let mut only_one: BTreeMap<ExclusionCode, usize> = BTreeMap::new();
        // (distance, group index, reasons) of every group failing on one constraint alone.
        let mut misses = Vec::new();
        for g in 0..engine.groups().len() {
            let pair = engine.pair(&prepared, horizon, g);
            let km = pair.facts.distance_km;
            let Err(reasons) = engine.judge(&rules, g, pair) else {
                continue; // eligible after all: not a miss (never for these people)
            };
            for r in &reasons {
                *excluded_by_code.entry(r.code).or_default() += 1;
            }
            if let Some(first) = reasons
                .first()
                .filter(|f| reasons.iter().all(|r| r.code == f.code))
            {
                *only_one.entry(first.code).or_default() += 1;
                misses.push((km, g, reasons));
            }
        }
        misses.sort_by(|a, b| nearest(a.0, b.0).then(a.1.cmp(&b.1)));
        let nearest_misses: Vec<NearMiss> = misses
            .into_iter()
            .take(NEAREST_MISSES)
            .map(|(km, g, reasons)| {
                let group = &engine.groups()[g];
                NearMiss {
                    group_id: group.id.clone(),
                    name: group.name.clone(),
                    code: reasons[0].code,
                    reason: reasons
                        .iter()
                        .map(|r| r.text())
                        .collect::<Vec<_>>()
                        .join("; "),
                    distance_km: km,
                }
            })
            .collect();
        UnplacedReason {
            sentence: no_eligible_sentence(
                engine.groups().len(),
                &excluded_by_code,
                &only_one,
                &nearest_misses,
            ),
            facts: UnplacedFacts::NoEligibleGroup {
                groups: engine.groups().len(),
                excluded_by_code,
                only_one,
                nearest_misses,
            },
        }
    }

    /// The reason of a person whose best eligible group, `best` (a group index), scores `score`,
    /// below `min_score`.
    pub(crate) fn below_min_score(
        engine: &Engine,
        best: usize,
        score: f64,
        min_score: f64,
    ) -> UnplacedReason {
        let group = &engine.groups()[best];
        // As many decimals as show the score below the minimum (0.1996 is not "0.20"), from two.
        let shown = |x: f64, d: usize| format!("{x:.d$}").parse::<f64>().unwrap_or(x);
        let d = (2..=6)
            .find(|&d| shown(score, d) < shown(min_score, d))
            .unwrap_or(6);
        UnplacedReason {
            sentence: format!(
                "Groups fit every constraint, but none scores the minimum of {min_score:.d$}: the \
                 best, {} {}, scores {score:.d$}.",
                group.id, group.name
            ),
            facts: UnplacedFacts::BelowMinScore {
                best_group_id: group.id.clone(),
                best_group_name: group.name.clone(),
                best_score: score,
                min_score,
            },
        }
    }

    /// The reason of a person whose `filled` groups that fit (of more, when `more_fit`) went to
    /// others; `alternates` are the row's.
    pub(crate) fn seats_taken(
        filled: usize,
        more_fit: bool,
        min_score: f64,
        alternates: &[String],
    ) -> UnplacedReason {
        let m = min_score;
        let fitted = match (more_fit, filled) {
            (true, 1) => {
                format!("The group that fits best (of several scoring at least {m:.2}) was")
            }
            (true, n) => {
                format!("The {n} groups that fit best (of more scoring at least {m:.2}) were")
            }
            (false, 1) => format!("The one group that fits (scoring at least {m:.2}) was"),
            (false, n) => format!("All {n} groups that fit (scoring at least {m:.2}) were"),
        };
        let rest = if alternates.is_empty() {
            "no group that fits has a seat left".to_string()
        } else {
            format!(
                "groups that fit with a seat left: {}",
                alternates.join(", ")
            )
        };
        UnplacedReason {
            sentence: format!(
                "{fitted} filled by others in the best total for the \
                 waitlist; {rest}."
            ),
            facts: UnplacedFacts::SeatsTaken {
                filled,
                more_fit,
                min_score,
            },
        }
    }
}

/// Nearest first: known distances in increasing order, then unknown ones.
fn nearest(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// `1 group` or `3 groups`.
fn groups(n: usize) -> String {
    format!("{n} group{}", if n == 1 { "" } else { "s" })
}

/// The sentence of a person with no eligible group: the counts by code, how many groups fail on
/// one constraint alone, and the nearest of those.
fn no_eligible_sentence(
    total: usize,
    excluded_by_code: &BTreeMap<ExclusionCode, usize>,
    only_one: &BTreeMap<ExclusionCode, usize>,
    nearest_misses: &[NearMiss],
) -> String {
    let counts: Vec<String> = excluded_by_code
        .iter()
        .map(|(code, n)| format!("{n} {code}"))
        .collect();
    let mut s = format!(
        "No group passes every constraint ({total} excluded: {}).",
        counts.join(", ")
    );
    if only_one.is_empty() {
        s.push_str(" No group fails on one constraint alone.");
        return s;
    }
    let alone: Vec<String> = only_one
        .iter()
        .enumerate()
        .map(|(i, (code, n))| match i {
            0 => format!(
                "{} {} only on {code}",
                groups(*n),
                if *n == 1 { "fails" } else { "fail" }
            ),
            _ => format!("{n} only on {code}"),
        })
        .collect();
    let misses: Vec<String> = nearest_misses
        .iter()
        .map(|m| format!("{} {}, {}: {}", m.group_id, m.name, m.code, m.reason))
        .collect();
    s.push_str(&format!(
        " {}. Nearest: {}.",
        alone.join(", "),
        misses.join("; ")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::tests::{engine, entry};
    use crate::matching::{match_waitlist, MatchOptions, MatchRow};
    use crate::testutil::{group, now, person};
    use crate::{GeoPoint, Group, Language};
    use ExclusionCode as C;

    /// A group `km_north` km north of the person (in Center City), meeting on Saturdays only.
    fn saturday_group(id: &str, km_north: f64) -> Group {
        let mut g = group(id);
        g.sessions = vec!["Sat 10:00-11:00".parse().unwrap()];
        g.location = Some(GeoPoint::new(39.9526 + km_north / 111.2, -75.1652).unwrap());
        g
    }

    fn only_row(engine: &Engine, people: &[WaitlistEntry], options: &MatchOptions) -> MatchRow {
        let mut result = match_waitlist(engine, people, options).unwrap();
        result.rows.remove(0)
    }

    #[test]
    fn no_eligible_group_counts_every_reason_and_lists_the_nearest_misses_nearest_first() {
        // The person is free on weekday evenings: every Saturday group fails on schedule. Two
        // also fail on language; the online one has no distance, so it comes after the others.
        let mut spanish = saturday_group("es1", 1.0);
        spanish.languages = vec!["es".parse::<Language>().unwrap()];
        let mut online = saturday_group("on", 0.0);
        online.format = crate::Format::Online;
        online.location = None;
        let mut far_spanish = saturday_group("es2", 40.0);
        far_spanish.languages = spanish.languages.clone();
        let groups = vec![
            online,
            saturday_group("g9", 9.0),
            spanish,
            saturday_group("g2", 2.0),
            saturday_group("g5", 5.0),
            far_spanish,
        ];
        let engine = engine(groups);
        let row = only_row(&engine, &[entry("a", 3)], &MatchOptions::new(now()));
        assert_eq!(row.reason, Outcome::NoEligibleGroup);
        let why = row.why.unwrap();
        let UnplacedFacts::NoEligibleGroup {
            groups,
            excluded_by_code,
            only_one,
            nearest_misses,
        } = &why.facts
        else {
            panic!("{:?}", why.facts)
        };
        assert_eq!(*groups, 6);
        assert_eq!(
            excluded_by_code
                .iter()
                .map(|(c, n)| (*c, *n))
                .collect::<Vec<_>>(),
            [(C::Distance, 1), (C::Schedule, 6), (C::Language, 2)],
            "the same counts as rank"
        );
        let ranking = engine
            .rank(&person(), &crate::RankOptions::new(None, now()))
            .unwrap();
        assert_eq!(
            ranking.exclusion_counts(),
            excluded_by_code
                .iter()
                .map(|(c, n)| (*c, *n))
                .collect::<Vec<_>>()
        );
        // es1 fails on schedule and language, es2 on three: neither fails on one alone.
        assert_eq!(only_one.iter().collect::<Vec<_>>(), [(&C::Schedule, &4)]);
        let ids: Vec<&str> = nearest_misses.iter().map(|m| m.group_id.as_str()).collect();
        assert_eq!(ids, ["g2", "g5", "g9"], "by distance, three at most");
        assert!(nearest_misses.iter().all(|m| m.code == C::Schedule));
        assert!(nearest_misses[0].reason.contains("Sat 10:00-11:00"));
        assert!((nearest_misses[0].distance_km.unwrap() - 2.0).abs() < 0.05);
        assert_eq!(
            why.sentence,
            format!(
                "No group passes every constraint (6 excluded: 1 distance, 6 schedule, 2 \
                 language). 4 groups fail only on schedule. Nearest: g2 Group g2, schedule: {}; \
                 g5 Group g5, schedule: {}; g9 Group g9, schedule: {}.",
                nearest_misses[0].reason, nearest_misses[1].reason, nearest_misses[2].reason
            )
        );
        assert_eq!(
            row.explanation, why.sentence,
            "the CSV carries the sentence"
        );
    }

    #[test]
    fn without_a_place_misses_come_in_directory_order_and_each_code_is_counted_alone() {
        let mut p = entry("a", 3);
        p.person.location = None;
        let mut spanish = group("es");
        spanish.languages = vec!["es".parse::<Language>().unwrap()];
        let mut women = group("w");
        women.audience = vec![crate::Audience::Women];
        let groups = vec![
            saturday_group("s1", 30.0),
            spanish,
            saturday_group("s0", 1.0),
            women,
        ];
        let row = only_row(&engine(groups), &[p], &MatchOptions::new(now()));
        let why = row.why.unwrap();
        let UnplacedFacts::NoEligibleGroup {
            only_one,
            nearest_misses,
            ..
        } = &why.facts
        else {
            panic!("{:?}", why.facts)
        };
        assert_eq!(
            only_one.iter().map(|(c, n)| (*c, *n)).collect::<Vec<_>>(),
            [(C::Schedule, 2), (C::Language, 1), (C::Audience, 1)]
        );
        let ids: Vec<&str> = nearest_misses.iter().map(|m| m.group_id.as_str()).collect();
        assert_eq!(ids, ["s1", "es", "s0"], "no distances: directory order");
        assert!(why
            .sentence
            .contains("2 groups fail only on schedule, 1 only on language, 1 only on audience."));
    }

    #[test]
    fn groups_failing_two_constraints_are_no_near_misses() {
        let mut g = saturday_group("g", 1.0);
        g.languages = vec!["es".parse::<Language>().unwrap()];
        let row = only_row(
            &engine(vec![g]),
            &[entry("a", 3)],
            &MatchOptions::new(now()),
        );
        let why = row.why.unwrap();
        assert!(matches!(
            &why.facts,
            UnplacedFacts::NoEligibleGroup { only_one, nearest_misses, .. }
                if only_one.is_empty() && nearest_misses.is_empty()
        ));
        assert_eq!(
            why.sentence,
            "No group passes every constraint (1 excluded: 1 schedule, 1 language). No group \
             fails on one constraint alone."
        );
    }

    #[test]
    fn below_min_score_gives_the_best_group_and_score_and_the_minimum() {
        let engine = engine(vec![group("g0"), saturday_group("sat", 1.0), group("g1")]);
        let options = MatchOptions {
            min_score: 0.99,
            ..MatchOptions::new(now())
        };
        let row = only_row(&engine, &[entry("a", 3)], &options);
        assert_eq!(row.reason, Outcome::BelowMinScore);
        let best = &engine
            .rank(&person(), &crate::RankOptions::new(Some(1), now()))
            .unwrap()
            .suggestions[0];
        let why = row.why.unwrap();
        assert_eq!(
            why.facts,
            UnplacedFacts::BelowMinScore {
                best_group_id: best.group_id.clone(),
                best_group_name: best.name.clone(),
                best_score: best.score,
                min_score: 0.99,
            }
        );
        assert_eq!(
            why.sentence,
            format!(
                "Groups fit every constraint, but none scores the minimum of 0.99: the best, {} \
                 {}, scores {:.2}.",
                best.group_id, best.name, best.score
            )
        );
        assert!(row.alternates.is_empty(), "no group reaches the minimum");
    }

    #[test]
    fn a_best_score_just_below_the_minimum_is_written_below_it() {
        let engine = engine(vec![group("g0")]);
        let score = engine
            .rank(&person(), &crate::RankOptions::new(Some(1), now()))
            .unwrap()
            .suggestions[0]
            .score;
        let options = MatchOptions {
            min_score: score + 0.0001,
            ..MatchOptions::new(now())
        };
        let why = only_row(&engine, &[entry("a", 3)], &options).why.unwrap();
        let between = |from: &str, to: &str| -> f64 {
            let rest = &why.sentence[why.sentence.rfind(from).unwrap() + from.len()..];
            rest[..rest.rfind(to).unwrap()].parse().unwrap()
        };
        let (min, best) = (between("minimum of ", ": the"), between("scores ", "."));
        assert!(best < min, "{}", why.sentence);
        assert!((min - options.min_score).abs() < 1e-4 && (best - score).abs() < 1e-4);
    }

    #[test]
    fn seats_taken_says_the_groups_were_full_and_never_who_took_them() {
        let mut g = group("g1");
        g.capacity = Some(1);
        let people = [entry("newcomer", 1), entry("longest-wait", 90)];
        let result = match_waitlist(&engine(vec![g]), &people, &MatchOptions::new(now())).unwrap();
        let row = &result.rows[0];
        assert_eq!(row.reason, Outcome::SeatsTaken);
        let why = row.why.as_ref().unwrap();
        assert_eq!(
            why.facts,
            UnplacedFacts::SeatsTaken {
                filled: 1,
                more_fit: false,
                min_score: 0.2
            }
        );
        assert_eq!(
            why.sentence,
            "The one group that fits (scoring at least 0.20) was filled by others in the best \
             total for the waitlist; no group that fits has a seat left."
        );
        let json = serde_json::to_string(&why).unwrap();
        for text in [&why.sentence, &row.explanation, &json] {
            assert!(!text.contains("longest-wait"), "{text}");
        }
        assert!(result.rows[1].why.is_none(), "placed: no reason");
    }

    #[test]
    fn seats_taken_with_more_fitting_groups_than_edges_points_to_the_alternates() {
        let groups: Vec<Group> = (0..4)
            .map(|i| {
                let mut g = saturday_group(&format!("g{i}"), i as f64);
                g.sessions = vec!["Mon 19:00-20:00".parse().unwrap()];
                g.capacity = Some(1);
                g
            })
            .collect();
        // Three people whose one edge is g0: two lose it, and their alternates are g1 and g2.
        let options = MatchOptions {
            candidates: 1,
            alternates: 2,
            ..MatchOptions::new(now())
        };
        let people = [entry("a", 1), entry("b", 2), entry("c", 3)];
        let result = match_waitlist(&engine(groups), &people, &options).unwrap();
        let row = &result.rows[0];
        assert_eq!(row.reason, Outcome::SeatsTaken);
        assert_eq!(row.alternates, ["g1", "g2"]);
        let why = row.why.as_ref().unwrap();
        assert_eq!(
            why.facts,
            UnplacedFacts::SeatsTaken {
                filled: 1,
                more_fit: true,
                min_score: 0.2
            }
        );
        assert!(why
            .sentence
            .starts_with("The group that fits best (of several scoring at least 0.20) was filled"));
        assert!(why
            .sentence
            .ends_with("groups that fit with a seat left: g1, g2."));
    }

    #[test]
    fn the_reasons_round_trip_through_serde_with_the_outcome_as_tag() {
        let row = only_row(
            &engine(vec![saturday_group("g", 1.0)]),
            &[entry("a", 3)],
            &MatchOptions::new(now()),
        );
        let why = row.why.unwrap();
        let json = serde_json::to_value(&why).unwrap();
        assert_eq!(json["facts"]["outcome"], "no_eligible_group");
        assert_eq!(json["facts"]["excluded_by_code"]["schedule"], 1);
        assert_eq!(json["facts"]["nearest_misses"][0]["code"], "schedule");
        assert_eq!(serde_json::from_value::<UnplacedReason>(json).unwrap(), why);
    }
}
