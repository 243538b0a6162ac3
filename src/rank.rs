//! The ranking pipeline: person + directory -> eligibility -> features -> model -> ranked,
//! explained suggestions.
//!
//! An [`Engine`] holds a directory and a model, loaded once; it is `Send + Sync`, so a service
//! ranks many people against it from many threads. Each ranking is a pure function of the engine,
//! the person and [`RankOptions::now`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rayon::prelude::*;
use serde::Serialize;

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
use crate::pair::{PairFacts, PreparedPerson};

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
    /// Which layer produced it: `model` (later also `rule`).
    pub source: &'static str,
    /// The feature (or rule) id.
    pub id: &'static str,
    /// A sentence for staff.
    pub text: String,
    /// The term's value in the logit.
    pub contribution: f64,
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
    /// The next session that fits the person's availability, in their local time (`Thu 19:00`).
    pub next_session: Option<String>,
    /// Travel distance when attending in person.
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
    /// How many excluded groups fail each constraint (a group failing two counts under both),
    /// in check order, leaving out codes with no groups.
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
    /// Distinct time zones of the groups, and each group's index into it.
    zones: Vec<Tz>,
    zone_of: Vec<usize>,
    model: EngagementModel,
}

/// One eligible pair, scored but not yet explained.
struct Scored {
    index: usize,
    facts: PairFacts,
    logit: f64,
}

impl Engine {
    /// An engine over `groups` scored by `model`.
    pub fn new(groups: Vec<Group>, model: EngagementModel) -> Engine {
        let mut zones: Vec<Tz> = Vec::new();
        let zone_of = groups
            .iter()
            .map(|g| match zones.iter().position(|z| *z == g.timezone) {
                Some(i) => i,
                None => {
                    zones.push(g.timezone);
                    zones.len() - 1
                }
            })
            .collect();
        Engine {
            groups,
            zones,
            zone_of,
            model,
        }
    }

    /// The directory and model embedded in the binary.
    pub fn embedded() -> Engine {
        Engine::new(embedded_groups(), EngagementModel::prior())
    }

    /// The directory.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The model.
    pub fn model(&self) -> &EngagementModel {
        &self.model
    }

    /// Ranks every group for `person`.
    pub fn rank(&self, person: &Person, options: &RankOptions) -> Ranking {
        let prepared = PreparedPerson::new(person, options.now);
        let offsets: Vec<i32> = self
            .zones
            .iter()
            .map(|z| utc_offset_minutes(*z, options.now))
            .collect();
        let judge = |index: usize| {
            let group = &self.groups[index];
            let facts = PairFacts::new(&prepared, group, offsets[self.zone_of[index]]);
            let reasons = eligibility::check(person, group, &facts);
            if reasons.is_empty() {
                let x = features::compute(person, group, &facts);
                Ok(Scored {
                    index,
                    logit: self.model.logit(&x),
                    facts,
                })
            } else {
                Err(Excluded {
                    group_id: group.id.clone(),
                    reasons,
                })
            }
        };
        let judged: Vec<std::result::Result<Scored, Excluded>> =
            if self.groups.len() >= PARALLEL_MIN_GROUPS {
                (0..self.groups.len()).into_par_iter().map(judge).collect()
            } else {
                (0..self.groups.len()).map(judge).collect()
            };
        let mut scored = Vec::new();
        let mut excluded = Vec::new();
        for j in judged {
            match j {
                Ok(s) => scored.push(s),
                Err(e) => excluded.push(e),
            }
        }
        let eligible = scored.len();
        let by_score = |a: &Scored, b: &Scored| {
            b.logit
                .total_cmp(&a.logit)
                .then_with(|| self.groups[a.index].id.cmp(&self.groups[b.index].id))
        };
        let top = options.top.unwrap_or(eligible).min(eligible);
        if top < eligible && top > 0 {
            scored.select_nth_unstable_by(top - 1, by_score);
        }
        scored.truncate(top);
        scored.sort_by(by_score);
        let suggestions = scored
            .into_iter()
            .enumerate()
            .map(|(i, s)| self.suggestion(i + 1, &prepared, s, &offsets))
            .collect();
        Ranking {
            person_id: person.id.clone(),
            suggestions,
            excluded,
            eligible,
        }
    }

    fn suggestion(
        &self,
        rank: usize,
        person: &PreparedPerson,
        s: Scored,
        offsets: &[i32],
    ) -> Suggestion {
        let group = &self.groups[s.index];
        let x = features::compute(person.person, group, &s.facts);
        let contributions = self.model.contributions(&x);
        let mut explanation: Vec<ExplanationItem> = Feature::ALL
            .iter()
            .zip(contributions)
            .filter(|(_, c)| *c != 0.0)
            .map(|(f, c)| ExplanationItem {
                source: "model",
                id: f.name(),
                text: features::describe(*f, person.person, group, &s.facts),
                contribution: c,
            })
            .collect();
        explanation.sort_by(|a, b| {
            b.contribution
                .abs()
                .total_cmp(&a.contribution.abs())
                .then_with(|| a.id.cmp(b.id))
        });
        let next = PairFacts::next_session(person, group, offsets[self.zone_of[s.index]]);
        Suggestion {
            rank,
            group_id: group.id.clone(),
            name: group.name.clone(),
            approach: group.approach,
            format: group.format,
            next_session: next.map(|t| format_local(t, person.person.timezone)),
            distance_km: s.facts.distance_km,
            score: sigmoid(s.logit),
            logit: s.logit,
            intercept: self.model.intercept(),
            explanation,
        }
    }
}

/// The directory embedded in the binary.
pub fn embedded_groups() -> Vec<Group> {
    parse_groups(EMBEDDED_GROUPS.as_bytes(), Syntax::Csv, "data/groups.csv")
        .expect("the embedded directory is valid (tested)")
        .value
}

/// Loads the engine a command asks for: the embedded directory and model unless files are given.
pub fn load_engine(
    groups: Option<&std::path::Path>,
    model: Option<&std::path::Path>,
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
        None => EngagementModel::prior(),
    };
    Ok((Engine::new(groups, model), warnings))
}
