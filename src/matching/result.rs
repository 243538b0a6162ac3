//! What a batch match gives: a row for every person (placed, or why not), the seats of every
//! group, and the summary coordinators read.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::hold::HoldOutcome;
use crate::domain::vocab::Risk;
use crate::eligibility::ExclusionCode;
use crate::error::Problem;
use crate::explain::ExplanationItem;
use crate::formats::people::InvalidEntry;
use crate::matching::{UnplacedFacts, UnplacedReason};

/// Why a person was or was not placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Placed in a group.
    Placed,
    /// Kept in the group a hold promised ([`super::hold`]).
    Held,
    /// No group passes the hard constraints.
    NoEligibleGroup,
    /// Eligible groups exist, but none scores at least the minimum.
    BelowMinScore,
    /// Groups fit, but their seats went to others (the best total).
    SeatsTaken,
    /// The person's waitlist row could not be read (see [`MatchResult::with_invalid`]).
    InvalidInput,
}

impl Outcome {
    /// Every outcome, those with a group first, in the order outputs list them.
    pub const ALL: [Outcome; 6] = [
        Outcome::Placed,
        Outcome::Held,
        Outcome::NoEligibleGroup,
        Outcome::BelowMinScore,
        Outcome::SeatsTaken,
        Outcome::InvalidInput,
    ];

    /// The outcome in plain words, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Outcome::Placed => "placed in a group",
            Outcome::Held => "kept in the group a hold promised",
            Outcome::NoEligibleGroup => "no group fits their needs and limits",
            Outcome::BelowMinScore => "groups fit, but none scores at least the minimum",
            Outcome::SeatsTaken => "groups fit, but their seats went to others",
            Outcome::InvalidInput => "their waitlist row could not be read",
        }
    }

    /// The outcome's name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Placed => "placed",
            Outcome::Held => "held",
            Outcome::NoEligibleGroup => "no_eligible_group",
            Outcome::BelowMinScore => "below_min_score",
            Outcome::SeatsTaken => "seats_taken",
            Outcome::InvalidInput => "invalid_input",
        }
    }

    /// Whether the person has a group: placed, or held.
    pub fn has_group(self) -> bool {
        matches!(self, Outcome::Placed | Outcome::Held)
    }
}

/// One person's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct MatchRow {
    /// The person's pseudonymous id.
    pub person_id: String,
    /// The group, when placed.
    pub group_id: Option<String>,
    /// The pair's score (the one `rank` shows), when placed.
    pub score: Option<f64>,
    /// The edge weight used in the objective, when placed.
    pub weight: Option<f64>,
    /// The group's place in the person's own ranking, when placed.
    pub rank_for_person: Option<usize>,
    /// The next groups in the person's ranking that still have open seats, best first, at most
    /// `alternates` of them: each is eligible (passes every hard constraint of the person) and
    /// scores at least `min_score`, so a person is never offered a group they could not have
    /// been placed in. The group the person is placed in is not among them.
    pub alternates: Vec<String>,
    /// Placed, or why not.
    pub reason: Outcome,
    /// The top reasons of the placement; for a person not placed, the sentence of
    /// [`MatchRow::why`].
    pub explanation: String,
    /// Why the person was not placed, in a sentence and the facts behind it; `None` when placed
    /// (and left out of JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<UnplacedReason>,
    /// What is wrong with the row, for [`Outcome::InvalidInput`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// Immediate risks staff flagged on the person: they need where to go now
    /// ([`crate::safety::safety_first`]) before any placement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    /// The placement as a coordinator tells it to the person (the group's name, its next
    /// sessions, the reasons with their signs), when placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

/// What a person is told about their placement: the group's name, when it meets next, and why
/// it suits them, as `rank` would say it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Placement {
    /// The group's name, as the directory gives it.
    pub group_name: String,
    /// The group's time zone (IANA name), in which `next_sessions` are written.
    pub timezone: String,
    /// The group's next sessions that fit the person's availability (the very next one when
    /// none does), earliest first, at most [`crate::matching::NEXT_SESSIONS`]: the dates `rank`
    /// lists for the pair, with the group's offset.
    pub next_sessions: Vec<DateTime<FixedOffset>>,
    /// The top reasons about the group (terms about the person alone are left out, as in
    /// `rank`), largest effect first, at most [`crate::matching::TOP_REASONS`].
    pub reasons: Vec<Reason>,
}

impl Placement {
    /// The next sessions as `Tue 2026-12-01 19:00 America/New_York`, one per session.
    pub fn sessions_text(&self) -> Vec<String> {
        self.next_sessions
            .iter()
            .map(|t| dated(t, &self.timezone))
            .collect()
    }

    /// The reasons as `rank` prints them, `TEXT (+0.68)`, one per reason.
    pub fn reasons_text(&self) -> Vec<String> {
        self.reasons.iter().map(Reason::to_string).collect()
    }
}

/// A session start in a zone as the match outputs write it: `Tue 2026-12-01 19:00
/// America/New_York` (the time is local to `zone`, whose offset `at` carries).
pub(crate) fn dated(at: &DateTime<FixedOffset>, zone: &str) -> String {
    format!("{} {zone}", at.format(DATED))
}

/// The date and local time of a session start in the match outputs: `Tue 2026-12-01 19:00`.
pub(crate) const DATED: &str = "%a %Y-%m-%d %H:%M";

/// One term of a placed pair's logit, as [`crate::ExplanationItem`] gives it, owned so that a
/// result can be read back from JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Reason {
    /// Which layer produced it: `model` or `rule`.
    pub source: String,
    /// The feature or rule id.
    pub id: String,
    /// A sentence for staff.
    pub text: String,
    /// The term's value in the logit: positive for the group, negative against it.
    pub contribution: f64,
}

impl From<ExplanationItem> for Reason {
    fn from(item: ExplanationItem) -> Reason {
        Reason {
            source: item.source.to_string(),
            id: item.id,
            text: item.text,
            contribution: item.contribution,
        }
    }
}

impl fmt::Display for Reason {
    /// `TEXT (+0.68)`: the sentence and its signed contribution, as `rank` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:+.2})", self.text, self.contribution)
    }
}

/// One group's seats after the match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct GroupFill {
    /// The group.
    pub group_id: String,
    /// Open seats before the match; `None` is unlimited.
    pub open_seats: Option<u32>,
    /// People placed in it.
    pub filled: u32,
}

/// One solve of a match: the people of one priority tier under strict priority, else everyone
/// not held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct MatchStage {
    /// The tier's name; `all` for the one solve of a match without strict tiers.
    pub tier: String,
    /// People matched in it (those held are not).
    pub people: usize,
    /// Of whom placed.
    pub placed: usize,
    /// Total weight of its placements: what a re-solve of its exported edges and seats finds.
    pub objective: f64,
    /// Open seats of every group (directory order) when the solve began: after the holds and
    /// the tiers before it.
    #[serde(skip)]
    pub seats: Vec<Option<u32>>,
    /// Its edges, a range of [`MatchResult::edges`].
    #[serde(skip)]
    pub edges: std::ops::Range<usize>,
}

/// Placements of one priority tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct TierCount {
    /// The tier's name ([`super::priority::OTHERS`] for everyone in no declared tier).
    pub tier: String,
    /// People in the tier.
    pub people: usize,
    /// Of whom placed, holds included.
    pub placed: usize,
    /// Of whom held.
    pub held: usize,
    /// How many would have been placed with the same holds but no priority (everyone matched
    /// in one solve without tier bonuses): how priority changed the result. Left out when
    /// nobody is in a declared tier, as nothing changes then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_without_priority: Option<usize>,
}

/// Counts for one stratum (a stage, a gender).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Stratum {
    /// People.
    pub people: usize,
    /// Of whom placed.
    pub placed: usize,
    /// Mean score of the placed (0 when none).
    pub mean_score: f64,
}

/// The result of a batch match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    /// One row per person, in waitlist order (with rows that could not be read where they
    /// stood, after [`MatchResult::with_invalid`]).
    pub rows: Vec<MatchRow>,
    /// Total weight of the placements, holds included.
    pub objective: f64,
    /// Every edge offered to the solver: (index in the waitlist matched, group index, weight),
    /// stage by stage ([`MatchResult::stages`]).
    #[serde(skip)]
    pub edges: Vec<(usize, usize, f64)>,
    /// The solves, in order: one per priority tier with people under strict priority, else one.
    pub stages: Vec<MatchStage>,
    /// Placements by priority tier, first tier first (tiers with people only).
    pub by_tier: Vec<TierCount>,
    /// What became of each hold, in the order given.
    pub holds: Vec<HoldOutcome>,
    /// Seats per group after the match (groups with limited seats, and any that took people).
    pub groups: Vec<GroupFill>,
    /// How many people had more edges than `candidates` and kept only their best.
    pub candidate_cut: usize,
    /// Placed and unplaced counts by stage.
    pub by_stage: BTreeMap<String, Stratum>,
    /// Placed and unplaced counts by gender.
    pub by_gender: BTreeMap<String, Stratum>,
}

/// The numbers of a match, as `groupmatch match --summary` writes them (with its timings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct MatchSummary {
    /// The ids of the people with an immediate risk flagged, in waitlist order: to be contacted
    /// now, before any placement. Left out of JSON when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub safety_first: Vec<String>,
    /// People on the waitlist, rows that could not be read included.
    pub people: usize,
    /// Of whom placed, holds included.
    pub placed: usize,
    /// Of whom held.
    pub held: usize,
    /// The others, by outcome name.
    pub unplaced: BTreeMap<String, usize>,
    /// The people with no eligible group, by each constraint that alone excludes some group for
    /// them (a person counts under each such code; one whose every group fails two constraints
    /// or more, under none): what relaxing one constraint would open up. Left out of JSON when
    /// empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub no_eligible_only_one: BTreeMap<ExclusionCode, usize>,
    /// Total weight of the placements, holds included.
    pub objective: f64,
    /// Mean score of the placed (0 when none).
    pub mean_score: f64,
    /// How many people had more edges than `candidates` and kept only their best.
    pub candidate_cut: usize,
    /// Edges offered to the solver.
    pub edges: usize,
    /// Placed and unplaced counts by stage.
    pub by_stage: BTreeMap<String, Stratum>,
    /// Placed and unplaced counts by gender.
    pub by_gender: BTreeMap<String, Stratum>,
    /// Seats per group after the match.
    pub groups: Vec<GroupFill>,
    /// The solves, in order.
    pub stages: Vec<MatchStage>,
    /// Placements by priority tier.
    pub by_tier: Vec<TierCount>,
    /// What became of each hold. Left out of JSON when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<HoldOutcome>,
}

impl MatchResult {
    /// The result with a row of [`Outcome::InvalidInput`] for each row of the waitlist that could
    /// not be read, at its place: `invalid` holds (place among all rows, row), in order, as
    /// [`crate::formats::people::read_waitlist_rows`] gives them. The row's `explanation` (its
    /// [`UnplacedReason`] sentence) lists its problems in `label` (the file). Strata and edges
    /// stay those of the people matched.
    pub fn with_invalid(mut self, invalid: Vec<(usize, InvalidEntry)>, label: &str) -> MatchResult {
        if invalid.is_empty() {
            return self;
        }
        let total = self.rows.len() + invalid.len();
        let mut matched = std::mem::take(&mut self.rows).into_iter();
        let mut skipped = invalid.into_iter().peekable();
        let mut rows = Vec::with_capacity(total);
        for at in 0..total {
            // A place past the end of the rows puts the row last, rather than dropping it.
            let row = match skipped.next_if(|(place, _)| *place <= at) {
                Some((_, bad)) => Some(invalid_row(bad, label)),
                None => matched
                    .next()
                    .or_else(|| skipped.next().map(|(_, bad)| invalid_row(bad, label))),
            };
            rows.extend(row);
        }
        self.rows = rows;
        self
    }

    /// The numbers of the match.
    ///
    /// ```
    /// use groupmatch::matching::{match_waitlist, MatchOptions};
    /// use groupmatch::{parse_waitlist, Engine, Syntax};
    /// let csv = "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
    ///            w1,early,no_preference,online,Mon 00:00-24:00,America/New_York,2026-10-01\n";
    /// let waitlist = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w").unwrap().value;
    /// let options = MatchOptions::new("2026-11-26T12:00:00Z".parse().unwrap());
    /// let summary = match_waitlist(&Engine::embedded(), &waitlist, &options).unwrap().summary();
    /// assert_eq!((summary.people, summary.placed), (1, 1));
    /// ```
    pub fn summary(&self) -> MatchSummary {
        let mut unplaced = BTreeMap::new();
        for r in self.rows.iter().filter(|r| !r.reason.has_group()) {
            *unplaced
                .entry(r.reason.as_str().to_string())
                .or_insert(0usize) += 1;
        }
        let mut no_eligible_only_one = BTreeMap::new();
        for why in self.rows.iter().filter_map(|r| r.why.as_ref()) {
            if let UnplacedFacts::NoEligibleGroup { only_one, .. } = &why.facts {
                for code in only_one.keys() {
                    *no_eligible_only_one.entry(*code).or_insert(0usize) += 1;
                }
            }
        }
        let placed = self.rows.iter().filter(|r| r.reason.has_group()).count();
        let held = self
            .rows
            .iter()
            .filter(|r| r.reason == Outcome::Held)
            .count();
        let mean_score =
            self.rows.iter().filter_map(|r| r.score).sum::<f64>() / placed.max(1) as f64;
        MatchSummary {
            safety_first: self
                .rows
                .iter()
                .filter(|r| !r.risks.is_empty())
                .map(|r| r.person_id.clone())
                .collect(),
            people: self.rows.len(),
            placed,
            held,
            unplaced,
            no_eligible_only_one,
            objective: self.objective,
            mean_score,
            candidate_cut: self.candidate_cut,
            edges: self.edges.len(),
            by_stage: self.by_stage.clone(),
            by_gender: self.by_gender.clone(),
            groups: self.groups.clone(),
            stages: self.stages.clone(),
            by_tier: self.by_tier.clone(),
            holds: self.holds.clone(),
        }
    }
}

/// The row of a waitlist row that could not be read.
fn invalid_row(bad: InvalidEntry, label: &str) -> MatchRow {
    let problems: Vec<String> = bad
        .problems
        .iter()
        .map(|p| p.display_in(label).to_string())
        .collect();
    let why = UnplacedReason::invalid_input(&problems.join("; "));
    MatchRow {
        person_id: bad.id.unwrap_or_default(),
        group_id: None,
        score: None,
        weight: None,
        rank_for_person: None,
        alternates: Vec::new(),
        reason: Outcome::InvalidInput,
        explanation: why.sentence.clone(),
        why: Some(why),
        problems: bad.problems,
        risks: Vec::new(),
        placement: None,
    }
}
