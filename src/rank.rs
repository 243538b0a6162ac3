//! The ranking pipeline: person + directory -> eligibility -> features -> model -> ranked,
//! explained suggestions.
//!
//! An [`Engine`] holds a directory and a model, loaded once; it is `Send + Sync`, so a service
//! ranks many people against it from many threads. Each ranking is a pure function of the engine,
//! the person and [`RankOptions::now`].

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::bound::{GroupTable, PersonBound, MARGIN};
use crate::candidates::CandidateIndex;
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::schedule::{format_local, utc_offset_minutes};
use crate::domain::vocab::{Approach, Format};
use crate::eligibility::{self, Exclusion, ExclusionCode};
use crate::engagement::model::{sigmoid, EngagementModel};
use crate::error::Result;
use crate::features::{self, Feature};
use crate::formats::groups::parse_groups;
use crate::formats::Syntax;
use crate::pair::{Attendance, PairFacts, PreparedPerson};
use crate::rules::facts::PairContext;
use crate::rules::{Action, GroupMasks, PersonRules, RuleSet};

/// The default directory embedded in the binary (`data/groups.csv`).
pub const EMBEDDED_GROUPS: &str = include_str!("../data/groups.csv");

/// Below this many groups a ranking runs on the calling thread; above, on rayon's pool.
const PARALLEL_MIN_GROUPS: usize = 4096;

/// Options of one ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankOptions {
    /// How many suggestions to return; `None` for all eligible groups.
    pub top: Option<usize>,
    /// The instant the ranking is for: time-zone offsets and next sessions are taken at it.
    pub now: DateTime<Utc>,
}

impl RankOptions {
    /// The top `top` suggestions at `now`.
    pub fn new(top: Option<usize>, now: DateTime<Utc>) -> RankOptions {
        RankOptions { top, now }
    }
}

/// One line of an explanation: a term of the logit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplanationItem {
    /// Whether the term is about the person alone (the same for every group).
    #[serde(skip)]
    pub person_level: bool,
    /// Which layer produced it: `model` or `rule`.
    pub source: &'static str,
    /// The feature or rule id.
    pub id: String,
    /// A sentence for staff.
    pub text: String,
    /// The term's value in the logit.
    pub contribution: f64,
    /// For rules: the full citation of the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cite: Option<String>,
}

/// One suggested group, with its score and the explanation that adds up to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// The next session that fits the person's availability, in their local time (`Thu 19:00`).
    pub next_session: Option<String>,
    /// Travel distance when attending in person and both places are known.
    pub distance_km: Option<f64>,
    /// Estimated chance the person is still attending at 90 days: sigmoid(logit).
    pub score: f64,
    /// intercept + the sum of the explanation's contributions.
    pub logit: f64,
    /// The model's intercept.
    pub intercept: f64,
    /// Every non-zero term of the logit, largest effect first.
    pub explanation: Vec<ExplanationItem>,
}

/// A group that was excluded, with every reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    /// The group's id.
    pub group_id: String,
    /// Every hard constraint it fails.
    pub reasons: Vec<Exclusion>,
}

/// The result of ranking one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// The person's pseudonymous id.
    pub person_id: String,
    /// Suggestions, best first; ties broken by group id.
    pub suggestions: Vec<Suggestion>,
    /// Excluded groups, in directory order.
    pub excluded: Vec<Excluded>,
    /// How many groups were eligible (suggestions may be cut to the top N).
    pub eligible: usize,
}

impl Ranking {
    /// How many exclusion reasons there are of each code, in check order, leaving out codes with
    /// none. A group failing two constraints counts under both (and twice under `audience` when
    /// two of its audiences do not fit).
    pub fn exclusion_counts(&self) -> Vec<(ExclusionCode, usize)> {
        let mut counts: BTreeMap<ExclusionCode, usize> = BTreeMap::new();
        for e in &self.excluded {
            for r in &e.reasons {
                *counts.entry(r.code).or_default() += 1;
            }
        }
        counts.into_iter().collect()
    }

    /// A one-line summary such as `312 excluded: 201 schedule, 80 distance`.
    pub fn exclusion_summary(&self) -> String {
        let parts: Vec<String> = self
            .exclusion_counts()
            .iter()
            .map(|(code, n)| format!("{n} {code}"))
            .collect();
        format!("{} excluded: {}", self.excluded.len(), parts.join(", "))
    }
}

/// A loaded directory and model, ready to rank people. Cheap to share across threads.
///
/// ```
/// use groupmatch::{Engine, RankOptions, parse_person};
/// let engine = Engine::embedded();
/// let person = parse_person(include_bytes!("../data/people/early-secular-woman.json"), "p").unwrap().value;
/// let now = "2026-11-26T12:00:00Z".parse().unwrap();
/// let ranking = engine.rank(&person, &RankOptions::new(Some(5), now));
/// assert!(ranking.suggestions.len() <= 5);
/// for s in &ranking.suggestions {
///     let sum: f64 = s.explanation.iter().map(|e| e.contribution).sum();
///     assert!((s.intercept + sum - s.logit).abs() < 1e-9);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    groups: Vec<Group>,
    model: EngagementModel,
    rules: RuleSet,
    /// The group-only parts of the rules' conditions, decided for every group.
    masks: GroupMasks,
    /// Groups by what can rule them out first (and by time zone), for batch work.
    index: CandidateIndex,
    /// What bounds on the groups' logits read, packed.
    table: GroupTable,
}

/// Every group judged for one person (see [`Engine::judge_all`]).
pub(crate) struct Judged<'e, 'p> {
    pub(crate) prepared: PreparedPerson<'p>,
    pub(crate) rules: PersonRules<'e>,
    pub(crate) offsets: Vec<i32>,
    /// Eligible groups, scored, in directory order.
    pub(crate) scored: Vec<Scored>,
    /// The others, with every reason.
    pub(crate) excluded: Vec<Excluded>,
}

/// One eligible pair, scored but not yet explained.
pub(crate) struct Scored {
    pub(crate) index: usize,
    pub(crate) facts: PairFacts,
    /// Model logit plus every fired rule's adjustment.
    pub(crate) logit: f64,
    /// sigmoid(logit): the order is by score (two logits can round to one score), then by id.
    pub(crate) score: f64,
}

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

/// The start of one person's ranking (see [`Engine::best`]).
pub(crate) struct Best {
    /// The best eligible groups, best first.
    pub(crate) scored: Vec<Scored>,
    /// Whether every eligible group is known to be among them (when not, groups left out
    /// unscored may all be ineligible).
    pub(crate) complete: bool,
}

impl Engine {
    /// An engine over `groups` scored by `model`.
    pub fn new(groups: Vec<Group>, model: EngagementModel) -> Engine {
        Engine {
            index: CandidateIndex::new(&groups),
            table: GroupTable::new(&groups, &GroupMasks::default()),
            groups,
            model,
            rules: RuleSet::empty(),
            masks: GroupMasks::default(),
        }
    }

    /// The same engine with a rules layer on top of the model.
    pub fn with_rules(mut self, rules: RuleSet) -> Engine {
        self.masks = rules.group_masks(&self.groups);
        self.table = GroupTable::new(&self.groups, &self.masks);
        self.rules = rules;
        self
    }

    /// The directory, default model and default rules embedded in the binary.
    pub fn embedded() -> Engine {
        Engine::new(embedded_groups(), EngagementModel::embedded_default())
            .with_rules(RuleSet::embedded_default())
    }

    /// The rules layer.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The directory.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The model.
    pub fn model(&self) -> &EngagementModel {
        &self.model
    }

    /// The facts of `person` (prepared at some `now`) with group `index`.
    fn facts(&self, prepared: &PreparedPerson, offsets: &[i32], index: usize) -> PairFacts {
        PairFacts::new(
            prepared,
            &self.groups[index],
            offsets[self.index.zone_of(index)],
        )
    }

    /// Every group eligible for `person` at `now`, as (index into [`Engine::groups`], facts), in
    /// directory order. No reasons are built for the others, and only the groups the index cannot
    /// rule out are checked.
    pub fn eligible_pairs(&self, person: &Person, now: DateTime<Utc>) -> Vec<(usize, PairFacts)> {
        let prepared = PreparedPerson::new(person, now);
        let offsets = self.index.offsets(now);
        self.index
            .candidates(&prepared, &offsets)
            .into_iter()
            .filter_map(|i| {
                let facts = self.facts(&prepared, &offsets, i);
                eligibility::is_eligible(person, &self.groups[i], &facts).then_some((i, facts))
            })
            .collect()
    }

    /// The verdict on one pair, in layer order: every hard constraint, then the model, then the
    /// rules (which only run on eligible groups, so they can never make one eligible). `Err`
    /// holds every reason the group is out.
    pub(crate) fn judge(
        &self,
        person: &Person,
        rules: &PersonRules,
        index: usize,
        facts: PairFacts,
    ) -> Result<Scored, Vec<Exclusion>> {
        let reasons = eligibility::check(person, &self.groups[index], &facts);
        if !reasons.is_empty() {
            return Err(reasons);
        }
        self.score_eligible(person, rules, index, facts)
    }

    /// The model, then the rules, on a pair that passes every hard constraint. `Err` holds the
    /// exclusions by rules.
    fn score_eligible(
        &self,
        person: &Person,
        rules: &PersonRules,
        index: usize,
        facts: PairFacts,
    ) -> Result<Scored, Vec<Exclusion>> {
        let group = &self.groups[index];
        let mut logit = self.model.logit(&features::compute(person, group, &facts));
        let context = PairContext {
            person,
            group,
            facts: &facts,
        };
        let mut policy = Vec::new();
        rules.for_each_fired_at(&context, index, |r| {
            let rule = &self.rules.rules()[r];
            match rule.action {
                Action::Adjust(a) => logit += a,
                Action::Exclude => policy.push(Exclusion::by_rule(&rule.id, rule.reason(&context))),
            }
        });
        if !policy.is_empty() {
            return Err(policy);
        }
        Ok(Scored {
            index,
            logit,
            score: sigmoid(logit),
            facts,
        })
    }

    /// Ranks every group for `person`.
    pub fn rank(&self, person: &Person, options: &RankOptions) -> Ranking {
        let Judged {
            prepared,
            rules,
            offsets,
            mut scored,
            excluded,
        } = self.judge_all(person, options.now);
        let eligible = scored.len();
        let top = options.top.unwrap_or(eligible).min(eligible);
        if top < eligible && top > 0 {
            scored.select_nth_unstable_by(top - 1, |a, b| self.by_score(a, b));
        }
        scored.truncate(top);
        scored.sort_by(|a, b| self.by_score(a, b));
        let suggestions = scored
            .into_iter()
            .enumerate()
            .map(|(i, s)| self.suggestion(i + 1, &prepared, &rules, s, &offsets))
            .collect();
        Ranking {
            person_id: person.id.clone(),
            suggestions,
            excluded,
            eligible,
        }
    }

    /// Every group judged for `person` at `now`: the eligible ones scored (unordered), the
    /// others with every reason, plus what explaining a pair needs.
    pub(crate) fn judge_all<'e, 'p>(
        &'e self,
        person: &'p Person,
        now: DateTime<Utc>,
    ) -> Judged<'e, 'p> {
        let prepared = PreparedPerson::new(person, now);
        let offsets = self.index.offsets(now);
        let rules = self.rules.for_person_in(person, &self.masks);
        let judge = |index: usize| {
            let facts = self.facts(&prepared, &offsets, index);
            self.judge(person, &rules, index, facts)
                .map_err(|reasons| Excluded {
                    group_id: self.groups[index].id.clone(),
                    reasons,
                })
        };
        let n = self.groups.len();
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
            offsets,
            scored,
            excluded,
        }
    }

    /// What bounds on the groups' logits read ([`crate::bound`]).
    pub(crate) fn table(&self) -> &GroupTable {
        &self.table
    }

    /// The directory's index restricted to the groups that `keep` accepts (by index), for
    /// [`Engine::best`] among them.
    pub(crate) fn index_where(&self, keep: impl Fn(usize) -> bool) -> CandidateIndex {
        CandidateIndex::new_where(&self.groups, keep)
    }

    /// The start of `person`'s ranking at `now` among the groups of `among` (an
    /// [`Engine::index_where`]; `None` for the whole directory): exactly the best `top` of
    /// [`Engine::rank`]'s order, best first, but without scoring every group in full. Only
    /// groups the index cannot rule out are looked at, in the order of a cheap upper bound on
    /// their logits ([`crate::bound`]), and each is scored in full until the bound of the next
    /// cannot reach the `top`-th best score found.
    pub(crate) fn best(
        &self,
        person: &Person,
        now: DateTime<Utc>,
        among: Option<&CandidateIndex>,
        top: usize,
    ) -> Best {
        let prepared = PreparedPerson::new(person, now);
        let offsets = self.index.offsets(now);
        let rules = self.rules.for_person_in(person, &self.masks);
        let candidates = among.unwrap_or(&self.index).candidates(&prepared, &offsets);
        // With no more candidates than `top`, every one is scored: bounds would only cost.
        let mut bound = (candidates.len() > top).then(|| PersonBound::new(self, person, &rules));
        let mut pending: Vec<(f64, usize)> = candidates
            .into_iter()
            .filter_map(|g| {
                let Some(bound) = bound.as_mut() else {
                    return Some((f64::INFINITY, g));
                };
                let offset = offsets[self.index.zone_of(g)];
                let sessions =
                    PairFacts::sessions_fitting(&prepared, self.table.sessions(g), offset);
                Some((bound.logit(g, sessions)?, g))
            })
            .collect();
        let judge = |g: usize| {
            let facts = self.facts(&prepared, &offsets, g);
            eligibility::is_eligible(person, &self.groups[g], &facts)
                .then(|| self.score_eligible(person, &rules, g, facts).ok())
                .flatten()
        };
        // Most promising first: once `top` are scored, a group whose bound is at most `cut`
        // has a logit below `cut + MARGIN`, so a score below the `top`-th best (unless scores
        // no longer tell such logits apart, near 1), and so has every group after it. Only as
        // much of the order is sorted as is walked, in chunks of growing size.
        let by_bound = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let mut best_logits: BinaryHeap<Reverse<Logit>> =
            BinaryHeap::with_capacity(top.min(pending.len()) + 1);
        let (mut cut, mut cut_for) = (None, None);
        let mut scored: Vec<Scored> = Vec::new();
        let (mut sorted, mut chunk) = (0, 4 * top.max(1));
        let mut pruned = false;
        for i in 0..pending.len() {
            if i == sorted {
                let rest = &mut pending[sorted..];
                let n = chunk.min(rest.len());
                if n < rest.len() {
                    rest.select_nth_unstable_by(n - 1, by_bound);
                }
                rest[..n].sort_unstable_by(by_bound);
                sorted += n;
                chunk *= 2;
            }
            let (bound, g) = pending[i];
            if cut.is_some_and(|cut| bound <= cut) {
                pruned = true;
                break;
            }
            let Some(s) = judge(g) else { continue };
            best_logits.push(Reverse(Logit(s.logit)));
            scored.push(s);
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
            scored.select_nth_unstable_by(top.saturating_sub(1), |a, b| self.by_score(a, b));
        }
        scored.truncate(top);
        scored.sort_by(|a, b| self.by_score(a, b));
        Best { scored, complete }
    }

    /// The explanation of one pair at `now`, as `rank` gives it (empty when not eligible).
    pub(crate) fn explain_pair(
        &self,
        person: &Person,
        index: usize,
        now: DateTime<Utc>,
    ) -> Vec<ExplanationItem> {
        let prepared = PreparedPerson::new(person, now);
        let offset = utc_offset_minutes(self.groups[index].timezone, now);
        let rules = self.rules.for_person_in(person, &self.masks);
        let facts = PairFacts::new(&prepared, &self.groups[index], offset);
        self.judge(person, &rules, index, facts)
            .map(|s| self.explanation(person, &rules, &s))
            .unwrap_or_default()
    }

    /// The ranking order: best score first, ties by group id.
    pub(crate) fn by_score(&self, a: &Scored, b: &Scored) -> std::cmp::Ordering {
        b.score
            .total_cmp(&a.score)
            .then_with(|| self.groups[a.index].id.cmp(&self.groups[b.index].id))
    }

    fn suggestion(
        &self,
        rank: usize,
        person: &PreparedPerson,
        rules: &PersonRules,
        s: Scored,
        offsets: &[i32],
    ) -> Suggestion {
        let group = &self.groups[s.index];
        let next = PairFacts::next_session(person, group, offsets[self.index.zone_of(s.index)]);
        Suggestion {
            rank,
            group_id: group.id.clone(),
            name: group.name.clone(),
            approach: group.approach,
            format: group.format,
            next_session: next.map(|t| format_local(t, person.person.timezone)),
            attendance: s.facts.attendance,
            distance_km: s.facts.distance_km,
            score: s.score,
            logit: s.logit,
            intercept: self.model.intercept(),
            explanation: self.explanation(person.person, rules, &s),
        }
    }

    /// Every non-zero term of a scored pair's logit, largest effect first.
    pub(crate) fn explanation(
        &self,
        person: &Person,
        rules: &PersonRules,
        s: &Scored,
    ) -> Vec<ExplanationItem> {
        let group = &self.groups[s.index];
        let x = features::compute(person, group, &s.facts);
        let contributions = self.model.contributions(&x);
        let mut explanation: Vec<ExplanationItem> = Feature::ALL
            .iter()
            .zip(contributions)
            .filter(|(_, c)| *c != 0.0)
            .map(|(f, c)| ExplanationItem {
                person_level: f.is_person_level(),
                source: "model",
                id: f.name().to_string(),
                text: features::describe(*f, person, group, &s.facts),
                contribution: c,
                cite: None,
            })
            .collect();
        let context = PairContext {
            person,
            group,
            facts: &s.facts,
        };
        for r in rules.fired(&context) {
            let rule = &self.rules.rules()[r];
            if let Action::Adjust(a) = rule.action {
                explanation.push(ExplanationItem {
                    person_level: false,
                    source: "rule",
                    id: rule.id.clone(),
                    text: rule.reason(&context),
                    contribution: a,
                    cite: self.rules.citation(&rule.cite).map(str::to_string),
                });
            }
        }
        explanation.sort_by(|a, b| {
            b.contribution
                .abs()
                .total_cmp(&a.contribution.abs())
                .then_with(|| a.id.cmp(&b.id))
        });
        explanation
    }
}

/// The directory embedded in the binary.
pub fn embedded_groups() -> Vec<Group> {
    parse_groups(EMBEDDED_GROUPS.as_bytes(), Syntax::Csv, "data/groups.csv")
        .expect("the embedded directory is valid (tested)")
        .value
}

/// Which rules an engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesChoice<'a> {
    /// The default rules embedded in the binary.
    Default,
    /// A rule file.
    File(&'a std::path::Path),
    /// No rules: the model alone.
    None,
}

impl RulesChoice<'_> {
    /// The rules chosen.
    pub fn load(self) -> Result<RuleSet> {
        match self {
            RulesChoice::Default => Ok(RuleSet::embedded_default()),
            RulesChoice::File(path) => RuleSet::read(path),
            RulesChoice::None => Ok(RuleSet::empty()),
        }
    }
}

/// Loads the engine a command asks for: the embedded directory and model unless files are given,
/// with the rules chosen. Returns the groups file's warnings.
pub fn load_engine(
    groups: Option<&std::path::Path>,
    model: Option<&std::path::Path>,
    rules: RulesChoice,
) -> Result<(Engine, Vec<crate::Problem>)> {
    let (groups, warnings) = match groups {
        Some(path) => {
            let loaded = crate::formats::groups::read_groups(path)?;
            (loaded.value, loaded.warnings)
        }
        None => (embedded_groups(), Vec::new()),
    };
    let model = match model {
        Some(path) => EngagementModel::read(path)?,
        None => EngagementModel::embedded_default(),
    };
    Ok((
        Engine::new(groups, model).with_rules(rules.load()?),
        warnings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocab::*;
    use crate::testutil::{group, now, person};
    use proptest::prelude::*;

    fn engine(groups: Vec<Group>) -> Engine {
        Engine::new(groups, EngagementModel::prior())
    }

    #[test]
    fn equal_scores_are_ordered_by_group_id() {
        let e = engine(vec![group("b"), group("c"), group("a")]);
        let r = e.rank(&person(), &RankOptions::new(None, now()));
        let ids: Vec<&str> = r.suggestions.iter().map(|s| s.group_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(r.suggestions[0].score, r.suggestions[2].score);
    }

    #[test]
    fn top_cuts_suggestions_but_counts_every_eligible_group() {
        let groups = (0..20).map(|i| group(&format!("g{i:02}"))).collect();
        let r = engine(groups).rank(&person(), &RankOptions::new(Some(3), now()));
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
        let r = engine(vec![g, h]).rank(&person(), &RankOptions::new(None, now()));
        assert!(r.suggestions.is_empty());
        assert_eq!(r.exclusion_summary(), "2 excluded: 2 language, 1 full");
    }

    #[test]
    fn next_session_is_the_next_fitting_one_in_local_time() {
        // Thursday 07:00 in New York: the Thursday 19:00 session is next.
        let r = engine(vec![group("g")]).rank(&person(), &RankOptions::new(None, now()));
        assert_eq!(r.suggestions[0].next_session.as_deref(), Some("Thu 19:00"));
    }

    #[test]
    fn a_closer_group_ranks_above_a_farther_one() {
        let mut far = group("far");
        far.location = Some(crate::GeoPoint::new(40.0, -75.1652).unwrap());
        let r = engine(vec![far, group("near")]).rank(&person(), &RankOptions::new(None, now()));
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
                g.sessions
                    .push(crate::Window::new(day, 18 * 60, 19 * 60).unwrap());
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
                p.stage = Stage::ALL[stage];
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
            let r = engine(groups).rank(&p, &RankOptions::new(None, now()));
            prop_assert_eq!(r.suggestions.len() + r.excluded.len(), n);
            prop_assert_eq!(r.eligible, r.suggestions.len());
            for s in &r.suggestions {
                let sum: f64 = s.explanation.iter().map(|e| e.contribution).sum();
                prop_assert!((s.intercept + sum - s.logit).abs() < 1e-9);
                prop_assert!((sigmoid(s.logit) - s.score).abs() < 1e-15);
                prop_assert!(s.explanation.iter().all(|e| e.contribution != 0.0 && !e.text.is_empty()));
            }
            for pair in r.suggestions.windows(2) {
                prop_assert!(
                    pair[0].score > pair[1].score
                        || (pair[0].score == pair[1].score && pair[0].group_id <= pair[1].group_id)
                );
            }
            prop_assert!(r.excluded.iter().all(|e| !e.reasons.is_empty()));
        }

        #[test]
        fn top_n_is_a_prefix_of_the_full_ranking(
            groups in prop::collection::vec(arb_group(), 1..30),
            p in arb_person(),
            n in 1usize..10,
        ) {
            let e = engine(groups);
            let all = e.rank(&p, &RankOptions::new(None, now()));
            let top = e.rank(&p, &RankOptions::new(Some(n), now()));
            let k = n.min(all.suggestions.len());
            prop_assert_eq!(&top.suggestions[..], &all.suggestions[..k]);
        }
    }

    #[test]
    fn eligible_pairs_from_the_index_equal_the_exhaustive_filter() {
        let sim =
            crate::simulate::simulate(&crate::simulate::SimulationParams::new(3, 150, 400, 10))
                .unwrap();
        assert!(sim
            .groups
            .iter()
            .any(|g| g.timezone != sim.groups[0].timezone));
        let e = engine(sim.groups);
        // Summer and winter time, and the hours either side of the US change.
        for now in [
            "2026-11-26T12:00:00Z",
            "2026-07-01T03:00:00Z",
            "2026-03-08T06:30:00Z",
            "2026-03-08T07:30:00Z",
        ] {
            let now: DateTime<Utc> = now.parse().unwrap();
            let mut pairs = 0;
            for p in &sim.people {
                let prepared = PreparedPerson::new(p, now);
                let exhaustive: Vec<(usize, PairFacts)> = e
                    .groups()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, g)| {
                        let facts =
                            PairFacts::new(&prepared, g, utc_offset_minutes(g.timezone, now));
                        eligibility::is_eligible(p, g, &facts).then_some((i, facts))
                    })
                    .collect();
                assert_eq!(e.eligible_pairs(p, now), exhaustive, "{} at {now}", p.id);
                pairs += exhaustive.len();
            }
            assert!(pairs > sim.people.len(), "{pairs} eligible pairs at {now}");
        }
    }

    #[test]
    fn best_is_exactly_the_start_of_the_ranking() {
        let sim =
            crate::simulate::simulate(&crate::simulate::SimulationParams::new(6, 80, 500, 10))
                .unwrap();
        let engine = Engine::new(sim.groups, EngagementModel::embedded_default())
            .with_rules(RuleSet::embedded_default());
        // Every third group, as the groups with a seat left after a match.
        let some = engine.index_where(|g| g % 3 == 0);
        let index_of: std::collections::HashMap<&str, usize> = engine
            .groups()
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i))
            .collect();
        let mut cut = 0;
        for p in &sim.people {
            let full = engine.rank(p, &RankOptions::new(None, now()));
            for top in [1, 4, 25, 103] {
                for among in [None, Some(&some)] {
                    let expected: Vec<(&str, f64)> = full
                        .suggestions
                        .iter()
                        .filter(|s| among.is_none() || index_of[s.group_id.as_str()] % 3 == 0)
                        .map(|s| (s.group_id.as_str(), s.score))
                        .collect();
                    let best = engine.best(p, now(), among, top);
                    let got: Vec<(&str, f64)> = best
                        .scored
                        .iter()
                        .map(|s| (engine.groups[s.index].id.as_str(), s.score))
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
        let big = engine(groups.clone()).rank(&person(), &RankOptions::new(Some(50), now()));
        groups.truncate(PARALLEL_MIN_GROUPS - 1);
        let small = engine(groups).rank(&person(), &RankOptions::new(Some(50), now()));
        // Both contain the 97 distinct distances; the best 50 are the same places.
        let scores = |r: &Ranking| r.suggestions.iter().map(|s| s.score).collect::<Vec<_>>();
        assert_eq!(scores(&big), scores(&small));
    }
}

#[cfg(test)]
mod embedded_tests {
    use super::*;
    use crate::domain::vocab::*;

    #[test]
    fn embedded_directory_is_a_realistic_metro_directory() {
        let groups = embedded_groups();
        assert!(groups.len() >= 300, "{}", groups.len());
        let twelve = groups
            .iter()
            .filter(|g| g.approach == Approach::TwelveStep)
            .count();
        assert!(twelve * 2 > groups.len(), "12-step groups are the majority");
        for a in [
            Approach::SmartRecovery,
            Approach::Lifering,
            Approach::WomenForSobriety,
            Approach::RecoveryDharma,
            Approach::CelebrateRecovery,
            Approach::Cbt,
            Approach::Motivational,
            Approach::Psychoeducation,
            Approach::DualRecovery,
        ] {
            assert!(groups.iter().any(|g| g.approach == a), "{a}");
        }
        for f in Format::ALL {
            assert!(groups.iter().any(|g| g.format == *f), "{f}");
        }
        assert!(groups
            .iter()
            .any(|g| g.languages.iter().any(|l| l.as_str() != "en")));
        assert!(groups.iter().any(|g| !g.audience.is_empty()));
        assert!(groups
            .iter()
            .any(|g| g.facilitation == Facilitation::Professional && g.capacity.is_some()));
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }
}
