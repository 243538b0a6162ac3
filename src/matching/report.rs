//! The coordinator's view of a match, as data: totals by outcome, the fairness view by stage and
//! by gender, every group's seats and who was placed in it, and the people not placed.
//!
//! [`MatchReport`] is built from a [`MatchResult`] and the engine that matched it, apart from any
//! rendering, so the HTTP API can return it as JSON; `groupmatch match --roster` writes its plain
//! text ([`MatchReport::roster`]) and `--report` its HTML page ([`super::render_report`]).
//!
//! Only pseudonymous person ids leave this module: stage and gender appear as counts of people,
//! never beside an id, and no other person field is read.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::options::MatchOptions;
use super::result::{MatchResult, MatchRow, Outcome, Stratum, TierCount, DATED};
use super::NEXT_SESSIONS;
use crate::engine::Engine;
use crate::pair::next_group_sessions;
use crate::text::escape_control as esc;

/// The report of one match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchReport {
    /// The instant the match was run at (sessions are dated from it).
    pub now: DateTime<Utc>,
    /// The options' minimum score.
    pub min_score: f64,
    /// The options' weight of waiting.
    pub wait_weight: f64,
    /// People on the waitlist, rows that could not be read included.
    pub people: usize,
    /// Of whom placed, holds included.
    pub placed: usize,
    /// The best total: the sum over placements of score plus waiting bonus, the largest any
    /// assignment within the seats reaches ([`MatchResult::objective`]).
    pub best_total: f64,
    /// Mean score of the placed (0 when none).
    pub mean_score: f64,
    /// How many people have an immediate risk flagged (their ids are in the output's
    /// `safety_first` column, not in the report).
    pub safety_first: usize,
    /// People by outcome, in [`Outcome::ALL`] order: placed always, the others when any.
    pub outcomes: Vec<OutcomeCount>,
    /// Placements by priority tier, first tier first (tiers with people only), with how many
    /// would have been placed without priority.
    pub by_tier: Vec<TierCount>,
    /// Holds kept.
    pub holds_kept: usize,
    /// Holds not kept (the summary says why for each).
    pub holds_not_kept: usize,
    /// The fairness view by stage (role for family members), by name.
    pub by_stage: Vec<Share>,
    /// The fairness view by gender, by name.
    pub by_gender: Vec<Share>,
    /// Every group with limited seats, and any other that took people, in directory order.
    pub groups: Vec<GroupRoster>,
    /// Everyone without a group (neither placed nor held), in waitlist order.
    pub unplaced: Vec<Unplaced>,
}

/// How many people had one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeCount {
    /// The outcome.
    pub outcome: Outcome,
    /// People with it.
    pub people: usize,
}

/// One stratum of the fairness view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The stage or gender.
    pub name: String,
    /// People.
    pub people: usize,
    /// Of whom placed.
    pub placed: usize,
    /// `placed / people` (0 with nobody).
    pub share_placed: f64,
    /// Mean score of the placed (0 when none).
    pub mean_score: f64,
}

/// One group's seats and the people placed in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRoster {
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub name: String,
    /// Its sessions as the directory writes them (`Mon 19:00-20:00`, `2nd Tue 18:00-19:30`).
    pub sessions: Vec<String>,
    /// Its time zone (IANA name), in which sessions and `next_sessions` are local times.
    pub timezone: String,
    /// Its next sessions from the match's instant, whoever attends: at most
    /// [`NEXT_SESSIONS`], earliest first, with the group's offset.
    pub next_sessions: Vec<DateTime<FixedOffset>>,
    /// Open seats before the match; `None` is unlimited.
    pub open_seats: Option<u32>,
    /// People placed in it.
    pub filled: u32,
    /// The people placed, in rank order: highest score first, equal scores by person id.
    pub members: Vec<Member>,
}

/// One person placed (or held) in a group, by pseudonymous id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// The person's pseudonymous id.
    pub person_id: String,
    /// The pair's score.
    pub score: f64,
    /// The group's place in the person's own ranking.
    pub rank_for_person: Option<usize>,
    /// Whether the place was held (promised before the match) rather than placed by it.
    pub held: bool,
}

/// A group by id and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupName {
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub name: String,
}

/// One person not placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unplaced {
    /// The person's pseudonymous id (empty for a row that could not be read and had none).
    pub person_id: String,
    /// Why they were not placed.
    pub outcome: Outcome,
    /// The row's explanation: the reason in a sentence and the facts behind it where the match
    /// gives them; for [`Outcome::InvalidInput`], the fields with problems by name only (a
    /// problem quotes the bad value, a field of the person, which the report never shows).
    pub explanation: String,
    /// Their alternates (groups with a seat left), best first.
    pub alternates: Vec<GroupName>,
}

impl MatchReport {
    /// The report of `result`, which `engine` matched with `options`.
    ///
    /// ```
    /// use groupmatch::matching::{match_waitlist, MatchOptions, MatchReport};
    /// use groupmatch::{parse_waitlist, Engine, Syntax};
    /// let csv = "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
    ///            w1,early,no_preference,online,Mon 00:00-24:00,America/New_York,2026-10-01\n";
    /// let waitlist = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w").unwrap().value;
    /// let options = MatchOptions::new("2026-11-26T12:00:00Z".parse().unwrap());
    /// let engine = Engine::embedded();
    /// let result = match_waitlist(&engine, &waitlist, &options).unwrap();
    /// let report = MatchReport::new(&result, &engine, &options);
    /// assert_eq!((report.people, report.placed), (1, 1));
    /// assert_eq!(report.by_stage[0].share_placed, 1.0);
    /// assert!(report.roster().contains("w1"));
    /// ```
    pub fn new(result: &MatchResult, engine: &Engine, options: &MatchOptions) -> MatchReport {
        let summary = result.summary();
        let groups = engine.groups();
        let index: HashMap<&str, usize> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i))
            .collect();
        let name = |id: &str| index.get(id).map_or("", |&i| groups[i].name.as_str());
        let mut members: HashMap<&str, Vec<Member>> = HashMap::new();
        for r in &result.rows {
            if let (Some(g), Some(score)) = (&r.group_id, r.score) {
                members.entry(g.as_str()).or_default().push(Member {
                    person_id: r.person_id.clone(),
                    score,
                    rank_for_person: r.rank_for_person,
                    held: r.reason == Outcome::Held,
                });
            }
        }
        let rosters = result
            .groups
            .iter()
            .map(|fill| {
                let mut members = members.remove(fill.group_id.as_str()).unwrap_or_default();
                members.sort_by(|a, b| {
                    b.score
                        .total_cmp(&a.score)
                        .then_with(|| a.person_id.cmp(&b.person_id))
                });
                let group = index.get(fill.group_id.as_str()).map(|&i| &groups[i]);
                GroupRoster {
                    group_id: fill.group_id.clone(),
                    name: name(&fill.group_id).to_string(),
                    sessions: group
                        .map(|g| g.sessions.iter().map(ToString::to_string).collect())
                        .unwrap_or_default(),
                    timezone: group.map_or_else(String::new, |g| g.timezone.name().to_string()),
                    next_sessions: group
                        .map(|g| {
                            next_group_sessions(g, options.now, NEXT_SESSIONS)
                                .iter()
                                .map(|t| t.with_timezone(&g.timezone).fixed_offset())
                                .collect()
                        })
                        .unwrap_or_default(),
                    open_seats: fill.open_seats,
                    filled: fill.filled,
                    members,
                }
            })
            .collect();
        let outcomes = Outcome::ALL
            .iter()
            .map(|&outcome| OutcomeCount {
                outcome,
                people: result.rows.iter().filter(|r| r.reason == outcome).count(),
            })
            .filter(|c| c.people > 0 || c.outcome == Outcome::Placed)
            .collect();
        let unplaced = result
            .rows
            .iter()
            .filter(|r| !r.reason.has_group())
            .map(|r| Unplaced {
                person_id: r.person_id.clone(),
                outcome: r.reason,
                explanation: unplaced_explanation(r),
                alternates: r
                    .alternates
                    .iter()
                    .map(|id| GroupName {
                        group_id: id.clone(),
                        name: name(id).to_string(),
                    })
                    .collect(),
            })
            .collect();
        MatchReport {
            now: options.now,
            min_score: options.min_score,
            wait_weight: options.wait_weight,
            people: summary.people,
            placed: summary.placed,
            best_total: summary.objective,
            mean_score: summary.mean_score,
            safety_first: summary.safety_first.len(),
            outcomes,
            by_tier: summary.by_tier.clone(),
            holds_kept: summary.holds.iter().filter(|h| h.kept).count(),
            holds_not_kept: summary.holds.iter().filter(|h| !h.kept).count(),
            by_stage: shares(&summary.by_stage),
            by_gender: shares(&summary.by_gender),
            groups: rosters,
            unplaced,
        }
    }

    /// The rosters as plain text, one block per group of [`MatchReport::groups`]: its id and
    /// name, sessions, next sessions, seats, then the people placed in rank order (highest
    /// score first, equal scores by person id) with their score, the group's place in their
    /// own ranking, and `held` for a place kept from before the match. Text from data has its control characters escaped
    /// ([`crate::text::escape_control`]).
    pub fn roster(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Rosters of the match at {}: {} groups, {} of {} people placed.",
            self.now.format("%Y-%m-%d %H:%M UTC"),
            self.groups.len(),
            self.placed,
            self.people
        );
        out.push_str(
            "Groups with limited seats, and any other that took people, in directory order; in \
             each,\nthe people placed in rank order: highest score first, equal scores by id.\n",
        );
        for g in &self.groups {
            let _ = writeln!(out, "\n{}  {}", esc(&g.group_id), esc(&g.name));
            let zone = esc(&g.timezone);
            let sessions: Vec<_> = g.sessions.iter().map(|s| esc(s)).collect();
            let _ = writeln!(out, "  sessions  {} ({zone})", sessions.join("; "));
            let next: Vec<String> = g
                .next_sessions
                .iter()
                .map(|t| t.format(DATED).to_string())
                .collect();
            let next = if next.is_empty() {
                "none in the next 13 weeks".to_string()
            } else {
                format!("{} ({zone})", next.join("; "))
            };
            let _ = writeln!(out, "  next      {next}");
            let _ = match g.open_seats {
                Some(open) => writeln!(
                    out,
                    "  seats     {open} open before the match, {} filled, {} left",
                    g.filled,
                    open.saturating_sub(g.filled)
                ),
                None => writeln!(out, "  seats     no limit, {} filled", g.filled),
            };
            if g.members.is_empty() {
                out.push_str("  placed    nobody\n");
            }
            let width = g
                .members
                .iter()
                .map(|m| esc(&m.person_id).chars().count())
                .max()
                .unwrap_or(0);
            for (i, m) in g.members.iter().enumerate() {
                let label = if i == 0 { "placed" } else { "" };
                let mut choice = m
                    .rank_for_person
                    .map_or_else(String::new, |r| format!("  their choice {r}"));
                if m.held {
                    choice.push_str("  held");
                }
                let _ = writeln!(
                    out,
                    "  {label:<8}  {:>3}  {:<width$}  score {:.3}{choice}",
                    i + 1,
                    esc(&m.person_id),
                    m.score
                );
            }
        }
        out
    }
}

/// What the report says of a row not placed: its explanation, but for a row that could not be
/// read only the names of the fields with problems.
fn unplaced_explanation(row: &MatchRow) -> String {
    if row.reason != Outcome::InvalidInput {
        return row.explanation.clone();
    }
    let mut fields: Vec<&str> = row
        .problems
        .iter()
        .map(|p| p.field.as_deref().unwrap_or("row"))
        .collect();
    fields.dedup();
    format!(
        "problems in {}: see the output's explanation column",
        fields.join(", ")
    )
}

/// The fairness view of strata.
fn shares(strata: &BTreeMap<String, Stratum>) -> Vec<Share> {
    strata
        .iter()
        .map(|(name, s)| Share {
            name: name.clone(),
            people: s.people,
            placed: s.placed,
            share_placed: if s.people == 0 {
                0.0
            } else {
                s.placed as f64 / s.people as f64
            },
            mean_score: s.mean_score,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::person::WaitlistEntry;
    use crate::domain::vocab::{Gender, Stage};
    use crate::engagement::model::EngagementModel;
    use crate::formats::people::InvalidEntry;
    use crate::matching::{match_waitlist, GroupFill};
    use crate::testutil::{group, now, person};
    use crate::GeoPoint;
    use crate::Problem;

    /// A person `km_north` km north of the groups, of `stage` and `gender`, waiting 10 days.
    fn entry(id: &str, km_north: f64, stage: Stage, gender: Gender) -> WaitlistEntry {
        let mut p = person();
        p.id = id.to_string();
        p.stage = Some(stage);
        p.gender = gender;
        p.location = Some(GeoPoint::new(39.9526 + km_north / 111.2, -75.1652).unwrap());
        WaitlistEntry {
            person: p,
            waiting_since: now().date_naive() - chrono::Days::new(10),
            priority: Vec::new(),
        }
    }

    /// `g-two` (two seats) and `g-one` (one seat) in Center City, `g-open` without a limit 30 km
    /// away (out of everyone's reach), and the report of a match of `people` into them.
    fn report(people: &[WaitlistEntry]) -> MatchReport {
        let mut two = group("g-two");
        two.capacity = Some(2);
        let mut one = group("g-one");
        one.capacity = Some(1);
        one.name = "One <b>seat</b>".to_string();
        let mut open = group("g-open");
        open.location = Some(GeoPoint::new(40.2226, -75.1652).unwrap());
        let engine = Engine::new(vec![two, one, open], EngagementModel::prior()).unwrap();
        let options = MatchOptions::new(now());
        let result = match_waitlist(&engine, people, &options).unwrap();
        MatchReport::new(&result, &engine, &options)
    }

    #[test]
    fn shares_and_mean_scores_are_per_stage_and_gender() {
        // Four people for three seats: the farthest (d, 9 km) is left out.
        let people = [
            entry("a", 0.0, Stage::Early, Gender::Woman),
            entry("b", 1.0, Stage::Early, Gender::Man),
            entry("c", 2.0, Stage::FirstYear, Gender::Woman),
            entry("d", 9.0, Stage::FirstYear, Gender::Woman),
        ];
        let r = report(&people);
        assert_eq!((r.people, r.placed), (4, 3));
        let view = |shares: &[Share]| -> Vec<(String, usize, usize, f64)> {
            shares
                .iter()
                .map(|s| (s.name.clone(), s.people, s.placed, s.share_placed))
                .collect()
        };
        assert_eq!(
            view(&r.by_stage),
            [
                ("early".to_string(), 2, 2, 1.0),
                ("first_year".to_string(), 2, 1, 0.5)
            ]
        );
        assert_eq!(
            view(&r.by_gender),
            [
                ("man".to_string(), 1, 1, 1.0),
                ("woman".to_string(), 3, 2, 2.0 / 3.0)
            ]
        );
        let early: Vec<f64> = r
            .groups
            .iter()
            .flat_map(|g| &g.members)
            .filter(|m| m.person_id == "a" || m.person_id == "b")
            .map(|m| m.score)
            .collect();
        assert_eq!(early.len(), 2);
        assert!((r.by_stage[0].mean_score - (early[0] + early[1]) / 2.0).abs() < 1e-12);
        let counts: Vec<(Outcome, usize)> =
            r.outcomes.iter().map(|c| (c.outcome, c.people)).collect();
        assert_eq!(counts, [(Outcome::Placed, 3), (Outcome::SeatsTaken, 1)]);
        assert_eq!(r.unplaced.len(), 1);
        assert_eq!(r.unplaced[0].person_id, "d");
        assert_eq!(r.unplaced[0].outcome, Outcome::SeatsTaken);
    }

    #[test]
    fn members_are_in_rank_order_highest_score_first_ties_by_id() {
        let row = |id: &str, score: f64| MatchRow {
            person_id: id.to_string(),
            group_id: Some("g-two".to_string()),
            score: Some(score),
            weight: Some(score),
            rank_for_person: Some(1),
            alternates: Vec::new(),
            reason: Outcome::Placed,
            explanation: String::new(),
            why: None,
            problems: Vec::new(),
            risks: Vec::new(),
            placement: None,
        };
        let result = MatchResult {
            rows: vec![row("c", 0.5), row("b", 0.7), row("a", 0.5)],
            objective: 1.7,
            edges: Vec::new(),
            stages: Vec::new(),
            by_tier: Vec::new(),
            holds: Vec::new(),
            groups: vec![GroupFill {
                group_id: "g-two".to_string(),
                open_seats: Some(3),
                filled: 3,
            }],
            candidate_cut: 0,
            by_stage: BTreeMap::new(),
            by_gender: BTreeMap::new(),
        };
        let engine = Engine::new(vec![group("g-two")], EngagementModel::prior()).unwrap();
        let r = MatchReport::new(&result, &engine, &MatchOptions::new(now()));
        let members: Vec<(&str, f64)> = r.groups[0]
            .members
            .iter()
            .map(|m| (m.person_id.as_str(), m.score))
            .collect();
        assert_eq!(members, [("b", 0.7), ("a", 0.5), ("c", 0.5)]);
    }

    #[test]
    fn groups_show_their_fill_sessions_and_next_dates() {
        let people = [
            entry("c", 3.0, Stage::Early, Gender::Woman),
            entry("b", 0.0, Stage::Early, Gender::Woman),
            entry("a", 0.0, Stage::Early, Gender::Woman),
        ];
        let r = report(&people);
        let fill: Vec<(&str, Option<u32>, u32, usize)> = r
            .groups
            .iter()
            .map(|g| (g.group_id.as_str(), g.open_seats, g.filled, g.members.len()))
            .collect();
        assert_eq!(fill, [("g-two", Some(2), 2, 2), ("g-one", Some(1), 1, 1)]);
        assert_eq!(r.groups[1].name, "One <b>seat</b>");
        assert_eq!(r.groups[0].sessions, ["Mon 19:00-20:00", "Thu 19:00-20:00"]);
        assert_eq!(r.groups[0].timezone, "America/New_York");
        // Thursday 26 November 2026, 07:00 in New York: Thursday 19:00 is next.
        let next: Vec<String> = r.groups[0]
            .next_sessions
            .iter()
            .map(|t| t.to_rfc3339())
            .collect();
        assert_eq!(
            next,
            [
                "2026-11-26T19:00:00-05:00",
                "2026-11-30T19:00:00-05:00",
                "2026-12-03T19:00:00-05:00"
            ]
        );
    }

    #[test]
    fn the_roster_has_a_block_per_group_with_its_people_in_rank_order() {
        let people = [
            entry("b", 0.0, Stage::Early, Gender::Woman),
            entry("a", 0.0, Stage::Early, Gender::Woman),
            entry("c", 3.0, Stage::Early, Gender::Woman),
        ];
        let r = report(&people);
        let text = r.roster();
        let two = text.find("\ng-two  Group g-two\n").expect(&text);
        let one = text.find("\ng-one  One <b>seat</b>\n").expect(&text);
        assert!(two < one, "directory order");
        assert!(text.contains("  seats     2 open before the match, 2 filled, 0 left\n"));
        assert!(text.contains(
            "  next      Thu 2026-11-26 19:00; Mon 2026-11-30 19:00; Thu 2026-12-03 19:00 \
             (America/New_York)\n"
        ));
        // Each group's people in its members' order, numbered from 1.
        for g in &r.groups {
            let mut at = text.find(&format!("\n{}  ", g.group_id)).unwrap();
            for (i, m) in g.members.iter().enumerate() {
                let line = format!("{:>3}  {}  score {:.3}", i + 1, m.person_id, m.score);
                let found = text[at..].find(&line).expect(&line);
                at += found;
            }
        }
    }

    #[test]
    fn a_row_that_could_not_be_read_is_listed_with_its_fields_never_their_values() {
        let mut two = group("g-two");
        two.capacity = Some(2);
        let engine = Engine::new(vec![two], EngagementModel::prior()).unwrap();
        let options = MatchOptions::new(now());
        let people = [entry("a", 0.0, Stage::Early, Gender::Woman)];
        let bad = InvalidEntry {
            line: 3,
            id: Some("x".to_string()),
            problems: vec![
                Problem::new(
                    Some(3),
                    Some("substances"),
                    "'secret-value' is not a substance",
                ),
                Problem::new(Some(3), Some("stage"), "'erly' is not a stage"),
            ],
        };
        let result = match_waitlist(&engine, &people, &options)
            .unwrap()
            .with_invalid(vec![(1, bad)], "w.csv");
        let r = MatchReport::new(&result, &engine, &options);
        assert_eq!(r.people, 2);
        assert_eq!(r.unplaced.len(), 1);
        assert_eq!(r.unplaced[0].outcome, Outcome::InvalidInput);
        assert_eq!(
            r.unplaced[0].explanation,
            "problems in substances, stage: see the output's explanation column"
        );
        let json = serde_json::to_string(&r).unwrap();
        let html = crate::matching::render_report(&r);
        for text in [json, html, r.roster()] {
            assert!(!text.contains("secret-value") && !text.contains("erly"));
        }
    }

    #[test]
    fn the_report_round_trips_through_json() {
        let r = report(&[entry("a", 0.0, Stage::Early, Gender::Woman)]);
        let back: MatchReport = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
