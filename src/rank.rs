//! The one-person pipeline: person + directory -> eligibility -> features -> model -> rules ->
//! ranked, explained suggestions.
//!
//! Each ranking is a pure function of the [`Engine`], the person and [`RankOptions::now`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::candidates::Candidate;
use crate::domain::check::invalid_if_any;
use crate::domain::cost::Cost;
use crate::domain::person::Person;
use crate::domain::recurrence::Session;
use crate::domain::schedule::format_local;
use crate::domain::vocab::{Approach, Format};
use crate::eligibility::{Exclusion, ExclusionCode, WrittenExclusion};
use crate::engine::{Engine, Scored};
use crate::error::Result;
use crate::explain::{ExplanationItem, ScoreBasis};
use crate::matching::shortlist::{best_by_bound, Bounded};
use crate::pair::{Attendance, Horizon, Pair, PairFacts, PreparedPerson};
use crate::rules::PersonRules;
use chrono_tz::Tz;

/// Below this many groups a ranking runs on the calling thread; above, on rayon's pool.
const PARALLEL_MIN_GROUPS: usize = 4096;

/// How much of the excluded groups a [`Ranking`] carries ([`Ranking::excluded`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExcludedDetail {
    /// Only how many groups were excluded. The cheapest: groups the candidate index rules out
    /// are never checked one by one.
    None,
    /// How many groups were excluded, and how many reasons of each code (the library's default:
    /// listing every excluded group is most of the cost of serialising a ranking).
    #[default]
    Counts,
    /// Every excluded group with every reason (what `groupmatch rank` prints).
    Full,
}

/// Options of one ranking.
///
/// ```
/// use groupmatch::{ExcludedDetail, RankOptions};
/// let options: RankOptions =
///     serde_json::from_str(r#"{"top": 3, "now": "2026-11-26T12:00:00Z"}"#).unwrap();
/// assert_eq!(options.excluded, ExcludedDetail::Counts);
/// assert!(serde_json::from_str::<RankOptions>(r#"{"now": "+99999-01-01T00:00:00Z"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawRankOptions")]
pub struct RankOptions {
    /// How many suggestions to return; `None` for all eligible groups.
    pub top: Option<usize>,
    /// The instant the ranking is for: time-zone offsets and next sessions are taken at it.
    /// Years 1 to 9999 (see [`RankOptions::validate`]).
    pub now: DateTime<Utc>,
    /// How much of the excluded groups the ranking carries.
    pub excluded: ExcludedDetail,
}

/// [`RankOptions`] as written, before [`RankOptions::validate`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRankOptions {
    #[serde(default)]
    top: Option<usize>,
    now: DateTime<Utc>,
    #[serde(default)]
    excluded: ExcludedDetail,
}

impl TryFrom<RawRankOptions> for RankOptions {
    type Error = crate::Error;

    fn try_from(raw: RawRankOptions) -> Result<RankOptions> {
        let options = RankOptions {
            top: raw.top,
            now: raw.now,
            excluded: raw.excluded,
        };
        options.validate()?;
        Ok(options)
    }
}

impl RankOptions {
    /// The top `top` suggestions at `now`, with counts of the excluded groups
    /// ([`ExcludedDetail::Counts`]).
    pub fn new(top: Option<usize>, now: DateTime<Utc>) -> RankOptions {
        RankOptions {
            top,
            now,
            excluded: ExcludedDetail::default(),
        }
    }

    /// The same options carrying `excluded` of the excluded groups.
    pub fn with_excluded(mut self, excluded: ExcludedDetail) -> RankOptions {
        self.excluded = excluded;
        self
    }

    /// Checks that `now` is in years 1 to 9999 (the years RFC 3339 writes; next sessions are
    /// found a week past it). Every `top` is valid.
    ///
    /// ```
    /// use groupmatch::RankOptions;
    /// let late = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    /// let err = RankOptions::new(None, late).validate().unwrap_err();
    /// assert_eq!(err.problems()[0].field.as_deref(), Some("now"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        invalid_if_any(
            "rank options",
            crate::engine::now_problem(self.now).into_iter().collect(),
        )
    }
}

/// How many fitting sessions a suggestion lists, and a placement of `match`.
pub const NEXT_SESSIONS: usize = 3;

/// One suggested group, with its score and the explanation that adds up to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// 1-based place in the ranking.
    pub rank: usize,
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub name: String,
    /// The group's approach.
    pub approach: Approach,
    /// The group's format.
    pub format: Format,
    /// How the person would attend (a hybrid group in person or online).
    pub attendance: Attendance,
    /// The next session that fits the person's availability, as a date and time in their zone
    /// (`Mon 8 Dec 19:00`).
    pub next_session: Option<String>,
    /// The next fitting sessions (up to three, in the next 13 weeks), as RFC 3339 instants with
    /// the person's offset (`2026-12-08T19:00:00-05:00`).
    pub next_sessions: Vec<String>,
    /// Travel distance when attending in person and both places are known.
    pub distance_km: Option<f64>,
    /// Whether `distance_km` is from the centre of the postal code or town the person's place
    /// was given as, or the group's place was found by ([`crate::Group::location_is_approximate`]), so
    /// only about right; left out of JSON when it is not.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub distance_approximate: bool,
    /// What a session costs, as the directory writes it (`free`, `"$40"`, `25`, ...); left out
    /// of JSON when the directory does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// Seats still open (`0` when full); `null` when the group states no capacity (no limit).
    pub open_seats: Option<u32>,
    /// Seats in all, when the group states a capacity; left out of JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    /// The group's city or town; left out of JSON when the directory does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Where an in-person or hybrid group meets (street address, room), as the directory writes
    /// it; left out of JSON when it does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The link that joins an online or hybrid session; left out of JSON when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// A phone number to call about the group or to join it by phone; left out of JSON when
    /// there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The group's (or its organisation's) web page; left out of JSON when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How a newcomer reaches a member before the first session, as the group publishes it;
    /// left out of JSON when it offers none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newcomer_contact: Option<String>,
    /// Every session of the group, as the directory writes it (`Tue 18:00-19:30`,
    /// `2nd 4th Wed 19:00-20:00`), in the group's `timezone`.
    pub sessions: Vec<Session>,
    /// The group's time zone, the one `sessions` are written in.
    #[serde(serialize_with = "crate::domain::group::serialize_tz")]
    #[cfg_attr(feature = "serve", schema(value_type = String, example = "America/New_York"))]
    pub timezone: Tz,
    /// Estimated chance the person is still attending at 90 days: sigmoid(logit).
    pub score: f64,
    /// intercept + the contributions of `about_the_person` + those of `explanation`.
    pub logit: f64,
    /// The model's intercept.
    pub intercept: f64,
    /// Every non-zero term of the logit about the person alone (readiness, stage, online
    /// attendance for a person who chose online only), largest effect first: the same for every
    /// group, so they move every score alike and never the order. Shown apart from the reasons.
    pub about_the_person: Vec<ExplanationItem>,
    /// Every other non-zero term of the logit, about the group and its fit, largest effect first.
    pub explanation: Vec<ExplanationItem>,
    /// Steps before the first session: meeting a member through the group's newcomer contact;
    /// a referral, intake or insurance it requires. Left out of JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    /// What to know before going (such as the group's stance on the person's medication). Left
    /// out of JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A group that was excluded, with every reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Excluded {
    /// The group's id.
    pub group_id: String,
    /// Every hard constraint it fails.
    pub reasons: Vec<Exclusion>,
}

/// The groups a ranking left out, in the detail [`RankOptions::excluded`] asked for. In JSON,
/// [`ExcludedGroups::Full`] is the list of groups and the others an object
/// `{"total": 312, "by_code": {"distance": 80, "schedule": 201}}` (`by_code` only with
/// [`ExcludedDetail::Counts`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ExcludedGroups {
    /// Every excluded group with every reason, in directory order ([`ExcludedDetail::Full`]).
    #[serde(serialize_with = "serialize_full")]
    Full(Vec<Excluded>),
    /// How many groups were excluded ([`ExcludedDetail::None`] and [`ExcludedDetail::Counts`]).
    Counted {
        /// Excluded groups.
        total: usize,
        /// Reasons of each code, leaving out codes with none ([`ExcludedDetail::Counts`]).
        #[serde(skip_serializing_if = "Option::is_none")]
        by_code: Option<BTreeMap<ExclusionCode, usize>>,
    },
}

/// The full excluded list, each group as [`Excluded`] writes it. The list holds most groups of
/// a large directory, and their reasons' sentences are half the work of writing it: they are
/// written in parallel, a block of groups at a time, on other threads while the block before is
/// serialised.
#[allow(clippy::ptr_arg)] // serde hands over the variant's field as it is
fn serialize_full<S: serde::Serializer>(
    groups: &Vec<Excluded>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    #[derive(Serialize)]
    #[serde(rename = "Excluded")]
    struct Written<'a> {
        group_id: &'a str,
        reasons: Vec<WrittenExclusion>,
    }
    fn written(block: &[Excluded]) -> Vec<Written<'_>> {
        block
            .par_iter()
            .map(|g| Written {
                group_id: &g.group_id,
                reasons: g.reasons.iter().map(Exclusion::written).collect(),
            })
            .collect()
    }
    const BLOCK: usize = 4096;
    let mut seq = s.serialize_seq(Some(groups.len()))?;
    std::thread::scope(|scope| {
        let mut blocks = groups.chunks(BLOCK);
        let mut ready = blocks.next().map(written).unwrap_or_default();
        loop {
            let next = blocks
                .next()
                .map(|block| scope.spawn(move || written(block)));
            for group in &ready {
                seq.serialize_element(group)?;
            }
            match next {
                Some(next) => {
                    ready = next.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                }
                None => return Ok(()),
            }
        }
    })?;
    seq.end()
}

impl ExcludedGroups {
    /// How many groups were excluded.
    pub fn len(&self) -> usize {
        match self {
            ExcludedGroups::Full(groups) => groups.len(),
            ExcludedGroups::Counted { total, .. } => *total,
        }
    }

    /// Whether no group was excluded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every excluded group with its reasons: empty unless [`ExcludedDetail::Full`] was asked.
    pub fn groups(&self) -> &[Excluded] {
        match self {
            ExcludedGroups::Full(groups) => groups,
            ExcludedGroups::Counted { .. } => &[],
        }
    }

    /// How many reasons there are of each code, when known (not with [`ExcludedDetail::None`]).
    fn by_code(&self) -> Option<BTreeMap<ExclusionCode, usize>> {
        match self {
            ExcludedGroups::Full(groups) => Some(count_reasons(groups)),
            ExcludedGroups::Counted { by_code, .. } => by_code.clone(),
        }
    }
}

/// How many reasons of each code `groups` have.
fn count_reasons(groups: &[Excluded]) -> BTreeMap<ExclusionCode, usize> {
    let mut counts: BTreeMap<ExclusionCode, usize> = BTreeMap::new();
    for e in groups {
        for r in &e.reasons {
            *counts.entry(r.code).or_default() += 1;
        }
    }
    counts
}

/// The result of ranking one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Ranking {
    /// Where to go now, ahead of any group, when staff flagged an immediate risk on the person
    /// ([`crate::safety::safety_first`]); empty (and left out of JSON) otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub safety_first: Vec<String>,
    /// For a person under 18, why adult groups are left out and where to look
    /// ([`crate::guidance::under_18`]); left out of JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub under_18: Option<String>,
    /// The person's pseudonymous id.
    pub person_id: String,
    /// What the scores are and what the model was estimated from.
    pub score_basis: ScoreBasis,
    /// Suggestions, best first; ties broken by group id.
    pub suggestions: Vec<Suggestion>,
    /// The excluded groups, in the detail asked for.
    pub excluded: ExcludedGroups,
    /// How many groups were eligible (suggestions may be cut to the top N).
    pub eligible: usize,
}

impl Ranking {
    /// How many exclusion reasons there are of each code, in check order, leaving out codes with
    /// none. A group failing two constraints counts under both (and twice under `audience` when
    /// two of its audiences do not fit). Empty with [`ExcludedDetail::None`].
    pub fn exclusion_counts(&self) -> Vec<(ExclusionCode, usize)> {
        self.excluded
            .by_code()
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    /// A one-line summary such as `312 excluded: 201 schedule, 80 distance` (just
    /// `312 excluded` with [`ExcludedDetail::None`], which does not count reasons).
    pub fn exclusion_summary(&self) -> String {
        match self.excluded.by_code() {
            Some(counts) => {
                let parts: Vec<String> = counts
                    .iter()
                    .map(|(code, n)| format!("{n} {code}"))
                    .collect();
                format!("{} excluded: {}", self.excluded.len(), parts.join(", "))
            }
            None => format!("{} excluded", self.excluded.len()),
        }
    }
}

/// Every group judged for one person (see [`Engine::judge_all`]).
pub(crate) struct Judged<'a> {
    pub(crate) prepared: PreparedPerson<'a>,
    pub(crate) rules: PersonRules<'a>,
    pub(crate) horizon: Horizon<'a>,
    /// Eligible groups, scored, in directory order (only the start of the ranking when
    /// [`Engine::judge_eligible`] was asked for the top few).
    pub(crate) scored: Vec<Scored<'a>>,
    /// How many groups are eligible.
    pub(crate) eligible: usize,
    /// The others, with every reason.
    pub(crate) excluded: Vec<Excluded>,
}

impl Engine {
    /// Ranks every group for `person`, after checking the person ([`Person::validate`]) and the
    /// options ([`RankOptions::validate`]); the error lists every problem of both.
    pub fn rank(&self, person: &Person, options: &RankOptions) -> Result<Ranking> {
        let mut problems = person.problems();
        if let Err(e) = options.validate() {
            problems.extend_from_slice(e.problems());
        }
        invalid_if_any("rank", problems)?;
        let Judged {
            prepared,
            rules,
            horizon,
            mut scored,
            eligible,
            excluded,
        } = match options.excluded {
            ExcludedDetail::None => self.judge_eligible(person, options.now, options.top),
            ExcludedDetail::Counts | ExcludedDetail::Full => self.judge_all(person, options.now),
        };
        let excluded = match (options.excluded, excluded) {
            (ExcludedDetail::None, _) => ExcludedGroups::Counted {
                total: self.groups().len() - eligible,
                by_code: None,
            },
            (ExcludedDetail::Counts, excluded) => ExcludedGroups::Counted {
                total: excluded.len(),
                by_code: Some(count_reasons(&excluded)),
            },
            (ExcludedDetail::Full, excluded) => ExcludedGroups::Full(excluded),
        };
        let top = options.top.unwrap_or(eligible).min(eligible);
        if top < eligible && top > 0 {
            scored.select_nth_unstable_by(top - 1, |a, b| self.by_score(a, b));
        }
        scored.truncate(top);
        scored.sort_by(|a, b| self.by_score(a, b));
        let suggestions = scored
            .iter()
            .enumerate()
            .map(|(i, s)| self.suggestion(i + 1, &prepared, &rules, s, &horizon))
            .collect();
        Ok(Ranking {
            safety_first: crate::safety::safety_first(person),
            under_18: crate::guidance::under_18(person),
            person_id: person.id.clone(),
            score_basis: self.score_basis(person),
            suggestions,
            excluded,
            eligible,
        })
    }

    /// The eligible groups for `person` at `now`, found through the candidate index: no reasons
    /// are built for the others (`excluded` is empty). Every eligible group is scored, or, when
    /// only the `top` few are wanted, just those: every candidate is checked (to count the
    /// eligible), but only the groups whose bound on the logit can reach the start are scored
    /// ([`best_by_bound`], exactly the start of the full order).
    fn judge_eligible<'a>(
        &'a self,
        person: &'a Person,
        now: DateTime<Utc>,
        top: Option<usize>,
    ) -> Judged<'a> {
        let horizon = self.horizon(now);
        let prepared = PreparedPerson::new(person, &horizon);
        let rules = self.rules_for(person);
        let candidates = self.index().candidates(&prepared, horizon.spans());
        let pair = |index: usize| self.pair(&prepared, &horizon, index);
        let (scored, eligible) = match top {
            Some(top) if top > 0 && top < candidates.len() => {
                let eligible_pair = |c: Candidate| {
                    let pair = pair(c.group);
                    crate::eligibility::is_eligible(&pair).then_some((c.group, pair))
                };
                // In directory order either way.
                let pairs: Vec<(usize, Pair)> = if candidates.len() >= PARALLEL_MIN_GROUPS {
                    candidates
                        .into_par_iter()
                        .filter_map(eligible_pair)
                        .collect()
                } else {
                    candidates.into_iter().filter_map(eligible_pair).collect()
                };
                let mut bound = self.person_bound(person, &rules);
                // Keyed by place in `pairs`, which is in directory order as the walk needs.
                let pending: Vec<Bounded> = pairs
                    .iter()
                    .enumerate()
                    .filter_map(|(k, (g, pair))| {
                        Some(Bounded::new(
                            bound.logit(*g, pair.facts.fitting_in_horizon)?,
                            k,
                        ))
                    })
                    .collect();
                let score = |k: usize| {
                    let (g, pair) = pairs[k];
                    self.score_eligible(&rules, g, pair).ok()
                };
                let best = best_by_bound(self, pending, top, score);
                // The walk keeps only the start's groups and scores: their pairs are in `pairs`.
                let place = |g: usize| pairs.binary_search_by_key(&g, |(i, _)| *i).ok();
                let scored = best
                    .scored
                    .iter()
                    .filter_map(|r| place(r.index).and_then(score))
                    .collect();
                (scored, pairs.len())
            }
            _ => {
                let scored: Vec<Scored> = candidates
                    .into_iter()
                    .filter_map(|Candidate { group: index, .. }| {
                        let pair = pair(index);
                        crate::eligibility::is_eligible(&pair)
                            .then(|| self.score_eligible(&rules, index, pair).ok())
                            .flatten()
                    })
                    .collect();
                let eligible = scored.len();
                (scored, eligible)
            }
        };
        Judged {
            prepared,
            rules,
            horizon,
            scored,
            eligible,
            excluded: Vec::new(),
        }
    }

    /// Every group judged for `person` at `now`: the eligible ones scored (unordered), the
    /// others with every reason, plus what explaining a pair needs.
    pub(crate) fn judge_all<'a>(&'a self, person: &'a Person, now: DateTime<Utc>) -> Judged<'a> {
        let horizon = self.horizon(now);
        let prepared = PreparedPerson::new(person, &horizon);
        let rules = self.rules_for(person);
        let judge = |index: usize| {
            let pair = self.pair(&prepared, &horizon, index);
            self.judge(&rules, index, pair).map_err(|reasons| Excluded {
                group_id: self.groups()[index].id.clone(),
                reasons,
            })
        };
        let n = self.groups().len();
        let judged: Vec<std::result::Result<Scored, Excluded>> = if n >= PARALLEL_MIN_GROUPS {
            (0..n).into_par_iter().map(judge).collect()
        } else {
            (0..n).map(judge).collect()
        };
        let (mut scored, mut excluded) = (Vec::new(), Vec::new());
        for j in judged {
            match j {
                Ok(s) => scored.push(s),
                Err(e) => excluded.push(e),
            }
        }
        Judged {
            prepared,
            rules,
            horizon,
            eligible: scored.len(),
            scored,
            excluded,
        }
    }

    /// The suggestion at place `rank` of a scored pair.
    fn suggestion(
        &self,
        rank: usize,
        person: &PreparedPerson,
        rules: &PersonRules,
        s: &Scored,
        horizon: &Horizon,
    ) -> Suggestion {
        let group = s.pair.group;
        let next =
            PairFacts::next_sessions(person, &self.calendar(horizon, s.index), NEXT_SESSIONS);
        let (about_the_person, explanation) = self
            .explanation(rules, s)
            .into_iter()
            .partition(|e| e.person_level);
        Suggestion {
            rank,
            group_id: group.id.clone(),
            name: group.name.clone(),
            approach: group.approach,
            format: group.format,
            next_session: next
                .first()
                .map(|t| format_local(*t, person.person.timezone)),
            next_sessions: next
                .iter()
                .map(|t| t.with_timezone(&person.person.timezone).to_rfc3339())
                .collect(),
            attendance: s.pair.facts.attendance,
            distance_km: s.pair.facts.distance_km,
            distance_approximate: s.pair.facts.distance_km.is_some()
                && s.pair.distance_is_approximate(),
            cost: group.cost,
            open_seats: group.open_seats(),
            capacity: group.capacity,
            city: group.city.clone(),
            address: group.address.clone(),
            join_url: group.join_url.clone(),
            phone: group.phone.clone(),
            url: group.url.clone(),
            newcomer_contact: group.newcomer_contact.clone(),
            sessions: group.sessions.clone(),
            timezone: group.timezone,
            score: s.score,
            logit: s.logit,
            intercept: self.model().intercept(),
            about_the_person,
            explanation,
            next_steps: crate::guidance::next_steps(group),
            notes: crate::guidance::notes(person.person, group),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Group;
    use crate::domain::vocab::*;
    use crate::engagement::model::{sigmoid, EngagementModel};
    use crate::testutil::{group, now, person};
    use proptest::prelude::*;

    fn engine(groups: Vec<Group>) -> Engine {
        Engine::new(groups, EngagementModel::prior()).unwrap()
    }

    #[test]
    fn equal_scores_are_ordered_by_group_id() {
        let e = engine(vec![group("b"), group("c"), group("a")]);
        let r = e.rank(&person(), &RankOptions::new(None, now())).unwrap();
        let ids: Vec<&str> = r.suggestions.iter().map(|s| s.group_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(r.suggestions[0].score, r.suggestions[2].score);
    }

    #[test]
    fn top_cuts_suggestions_but_counts_every_eligible_group() {
        let groups = (0..20).map(|i| group(&format!("g{i:02}"))).collect();
        let r = engine(groups)
            .rank(&person(), &RankOptions::new(Some(3), now()))
            .unwrap();
        assert_eq!(r.suggestions.len(), 3);
        assert_eq!(r.eligible, 20);
        assert_eq!(r.suggestions[2].rank, 3);
    }

    #[test]
    fn nothing_eligible_gives_an_empty_list_and_a_summary() {
        let mut g = group("g");
        g.languages = vec!["es".parse().unwrap()];
        let mut h = group("h");
        h.capacity = Some(1);
        h.enrolled = 1;
        h.languages = vec!["es".parse().unwrap()];
        let r = engine(vec![g, h])
            .rank(&person(), &RankOptions::new(None, now()))
            .unwrap();
        assert!(r.suggestions.is_empty());
        assert_eq!(r.exclusion_summary(), "2 excluded: 2 language, 1 full");
    }

    #[test]
    fn the_full_excluded_list_is_written_as_each_excluded_group_writes_itself() {
        // Enough groups for the list to be written in several blocks.
        let sim =
            crate::simulate::simulate(&crate::simulate::SimulationParams::new(3, 4, 12_000, 10))
                .unwrap();
        let e = engine(sim.groups.clone());
        let options = RankOptions::new(Some(3), now()).with_excluded(ExcludedDetail::Full);
        for p in &sim.people {
            let r = e.rank(p, &options).unwrap();
            let ExcludedGroups::Full(list) = &r.excluded else {
                panic!("a full list was asked for")
            };
            assert!(
                list.len() > 2 * 4096,
                "the simulated people are turned away by most groups"
            );
            let each: Vec<serde_json::Value> = list
                .iter()
                .map(|g| serde_json::to_value(g).unwrap())
                .collect();
            assert_eq!(
                serde_json::to_value(&r.excluded).unwrap(),
                serde_json::Value::from(each)
            );
        }
    }

    #[test]
    fn every_detail_of_excluded_groups_summarises_them() {
        let mut g = group("g");
        g.languages = vec!["es".parse().unwrap()];
        let e = engine(vec![g, group("h")]);
        let rank = |detail| {
            e.rank(
                &person(),
                &RankOptions::new(None, now()).with_excluded(detail),
            )
            .unwrap()
        };
        let full = rank(ExcludedDetail::Full);
        let counts = rank(ExcludedDetail::Counts);
        let none = rank(ExcludedDetail::None);
        assert_eq!(full.excluded.groups().len(), 1);
        assert!(counts.excluded.groups().is_empty());
        assert_eq!(full.exclusion_summary(), "1 excluded: 1 language");
        assert_eq!(counts.exclusion_summary(), "1 excluded: 1 language");
        assert_eq!(none.exclusion_summary(), "1 excluded");
        assert_eq!(counts.exclusion_counts(), full.exclusion_counts());
        let json = |r: &Ranking| serde_json::to_value(r).unwrap()["excluded"].clone();
        assert!(json(&full).is_array(), "the full list serialises as before");
        assert_eq!(
            json(&counts),
            serde_json::json!({"total": 1, "by_code": {"language": 1}})
        );
        assert_eq!(json(&none), serde_json::json!({"total": 1}));
    }

    #[test]
    fn the_library_default_counts_excluded_groups() {
        assert_eq!(
            RankOptions::new(None, now()).excluded,
            ExcludedDetail::Counts
        );
    }

    #[test]
    fn rank_refuses_a_person_without_languages_and_a_now_out_of_range() {
        let mut p = person();
        p.languages.clear();
        let options = RankOptions::new(None, DateTime::<Utc>::MAX_UTC);
        let err = engine(vec![group("g")]).rank(&p, &options).unwrap_err();
        let fields: Vec<_> = err
            .problems()
            .iter()
            .map(|p| p.field.as_deref().unwrap())
            .collect();
        assert_eq!(fields, ["languages", "now"]);
    }

    #[test]
    fn rank_options_round_trip_through_serde() {
        let options = RankOptions::new(Some(3), now()).with_excluded(ExcludedDetail::None);
        let json = serde_json::to_string(&options).unwrap();
        assert_eq!(serde_json::from_str::<RankOptions>(&json).unwrap(), options);
    }

    #[test]
    fn next_session_is_the_next_fitting_one_in_local_time() {
        // Thursday 07:00 in New York: the Thursday 19:00 session is next.
        let r = engine(vec![group("g")])
            .rank(&person(), &RankOptions::new(None, now()))
            .unwrap();
        let s = &r.suggestions[0];
        assert_eq!(s.next_session.as_deref(), Some("Thu 26 Nov 19:00"));
        // Then the Monday and the next Thursday, with New York's offset.
        assert_eq!(
            s.next_sessions,
            [
                "2026-11-26T19:00:00-05:00",
                "2026-11-30T19:00:00-05:00",
                "2026-12-03T19:00:00-05:00"
            ]
        );
    }

    #[test]
    fn next_sessions_keep_local_time_across_a_daylight_saving_change() {
        // A monthly group at 19:00 New York time, seen from Phoenix (no summer time) in
        // February: on 14 March 2027 New York moves an hour, so from April 19:00 there is 16:00
        // in Phoenix, not 17:00.
        let mut g = group("g");
        g.sessions = vec!["2nd Mon 19:00-20:00".parse().unwrap()];
        let mut p = person();
        p.timezone = chrono_tz::America::Phoenix;
        p.availability = vec!["Mon 15:00-18:00".parse().unwrap()];
        let now = "2027-02-01T12:00:00Z".parse().unwrap();
        let r = engine(vec![g])
            .rank(&p, &RankOptions::new(None, now))
            .unwrap();
        let s = &r.suggestions[0];
        assert_eq!(
            s.next_sessions,
            [
                "2027-02-08T17:00:00-07:00",
                "2027-03-08T17:00:00-07:00",
                "2027-04-12T16:00:00-07:00"
            ]
        );
        assert_eq!(s.next_session.as_deref(), Some("Mon 8 Feb 17:00"));
    }

    #[test]
    fn a_closer_group_ranks_above_a_farther_one() {
        let mut far = group("far");
        far.location = Some(crate::GeoPoint::new(40.0, -75.1652).unwrap());
        let r = engine(vec![far, group("near")])
            .rank(&person(), &RankOptions::new(None, now()))
            .unwrap();
        assert_eq!(r.suggestions[0].group_id, "near");
    }

    fn arb_group() -> impl Strategy<Value = Group> {
        (
            0usize..Approach::ALL.len(),
            0usize..3,
            any::<bool>(),
            0.0f64..0.3,
            prop::sample::subsequence(Need::ALL.to_vec(), 0..3),
            prop::sample::subsequence(
                vec![Audience::Women, Audience::YoungPeople, Audience::Lgbtq],
                0..2,
            ),
            0u8..7,
            any::<u32>(),
        )
            .prop_map(|(a, f, beginner, dlat, focus, audience, day, id)| {
                let mut g = group(&format!("g{id}"));
                g.approach = Approach::ALL[a];
                g.orientation = g
                    .approach
                    .default_orientation()
                    .unwrap_or(Orientation::Secular);
                g.format = Format::ALL[f];
                g.beginner_friendly = beginner;
                g.location = Some(crate::GeoPoint::new(39.9526 + dlat, -75.1652).unwrap());
                g.focus = focus;
                g.audience = audience;
                g.sessions.push(crate::Session::weekly(
                    crate::Window::new(day, 18 * 60, 19 * 60).unwrap(),
                ));
                g
            })
    }

    fn arb_person() -> impl Strategy<Value = Person> {
        (
            0usize..Stage::ALL.len(),
            0usize..ApproachPreference::ALL.len(),
            prop::sample::subsequence(Need::ALL.to_vec(), 0..3),
            prop::option::of(1u8..=10),
            prop::option::of(1u8..=10),
            0usize..Gender::ALL.len(),
            18u8..80,
        )
            .prop_map(|(stage, pref, needs, readiness, efficacy, gender, age)| {
                let mut p = person();
                p.stage = Some(Stage::ALL[stage]);
                p.approach_preference = ApproachPreference::ALL[pref];
                p.needs = needs;
                p.readiness = readiness;
                p.self_efficacy = efficacy;
                p.gender = Gender::ALL[gender];
                p.gender_specific = GenderSpecific::Preferred;
                p.age = Some(age);
                p
            })
    }

    proptest! {
        #[test]
        fn explanation_adds_up_to_the_score(
            groups in prop::collection::vec(arb_group(), 1..30),
            p in arb_person(),
        ) {
            let n = groups.len();
            let e = engine(groups);
            let options = RankOptions::new(None, now());
            let r = e.rank(&p, &options.clone().with_excluded(ExcludedDetail::Full)).unwrap();
            prop_assert_eq!(r.suggestions.len() + r.excluded.len(), n);
            // Every detail of the excluded groups ranks the same, and counts the same.
            for detail in [ExcludedDetail::None, ExcludedDetail::Counts] {
                let other = e.rank(&p, &options.clone().with_excluded(detail)).unwrap();
                prop_assert_eq!(&other.suggestions, &r.suggestions);
                prop_assert_eq!(other.eligible, r.eligible);
                prop_assert_eq!(other.excluded.len(), r.excluded.len());
                if detail == ExcludedDetail::Counts {
                    prop_assert_eq!(other.exclusion_summary(), r.exclusion_summary());
                }
            }
            prop_assert_eq!(r.eligible, r.suggestions.len());
            // The start alone, without the excluded list (found by bounds), is the start of the
            // full ranking, and the eligible are counted all the same.
            for top in [1, 3] {
                let start = RankOptions::new(Some(top), now()).with_excluded(ExcludedDetail::None);
                let start = e.rank(&p, &start).unwrap();
                prop_assert_eq!(&start.suggestions[..], &r.suggestions[..top.min(r.eligible)]);
                prop_assert_eq!(start.eligible, r.eligible);
            }
            for s in &r.suggestions {
                let sum: f64 = s.about_the_person.iter().chain(&s.explanation).map(|e| e.contribution).sum();
                prop_assert!((s.intercept + sum - s.logit).abs() < 1e-9);
                prop_assert!(s.about_the_person.iter().all(|e| e.person_level));
                prop_assert!(s.explanation.iter().all(|e| !e.person_level));
                // The same for every group.
                prop_assert_eq!(&s.about_the_person, &r.suggestions[0].about_the_person);
                prop_assert!((sigmoid(s.logit) - s.score).abs() < 1e-15);
                prop_assert!(s.explanation.iter().all(|e| e.contribution != 0.0 && !e.text.is_empty()));
            }
            for pair in r.suggestions.windows(2) {
                prop_assert!(
                    pair[0].score > pair[1].score
                        || (pair[0].score == pair[1].score && pair[0].group_id <= pair[1].group_id)
                );
            }
            prop_assert!(r.excluded.groups().iter().all(|e| !e.reasons.is_empty()));
        }

        #[test]
        fn top_n_is_a_prefix_of_the_full_ranking(
            groups in prop::collection::vec(arb_group(), 1..30),
            p in arb_person(),
            n in 1usize..10,
        ) {
            let e = engine(groups);
            let all = e.rank(&p, &RankOptions::new(None, now())).unwrap();
            let top = e.rank(&p, &RankOptions::new(Some(n), now())).unwrap();
            let k = n.min(all.suggestions.len());
            prop_assert_eq!(&top.suggestions[..], &all.suggestions[..k]);
        }
    }

    #[test]
    fn parallel_and_sequential_rankings_agree() {
        let mut groups: Vec<Group> = (0..PARALLEL_MIN_GROUPS + 10)
            .map(|i| {
                let mut g = group(&format!("g{i:05}"));
                g.location = Some(
                    crate::GeoPoint::new(39.9526 + (i % 97) as f64 * 0.001, -75.1652).unwrap(),
                );
                g
            })
            .collect();
        let big_engine = engine(groups.clone());
        let big = big_engine
            .rank(&person(), &RankOptions::new(Some(50), now()))
            .unwrap();
        groups.truncate(PARALLEL_MIN_GROUPS - 1);
        let small = engine(groups)
            .rank(&person(), &RankOptions::new(Some(50), now()))
            .unwrap();
        // Both contain the 97 distinct distances; the best 50 are the same places.
        let scores = |r: &Ranking| r.suggestions.iter().map(|s| s.score).collect::<Vec<_>>();
        assert_eq!(scores(&big), scores(&small));
        // The start alone, its candidates checked in parallel, is the same start.
        let start = RankOptions::new(Some(50), now()).with_excluded(ExcludedDetail::None);
        let alone = big_engine.rank(&person(), &start).unwrap();
        assert_eq!(alone.suggestions, big.suggestions);
        assert_eq!(alone.eligible, big.eligible);
    }
}
