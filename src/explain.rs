//! Explanations: the terms a scored pair's logit adds up from ([`ExplanationItem`], shown with
//! every suggestion of `rank` and every placement of `match`), and the full account of one pair
//! for `groupmatch explain` ([`Explanation`]: every eligibility check, every model feature and
//! every rule, fired or not, and the score they add up to).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::cost::Cost;
use crate::domain::person::Person;
use crate::domain::vocab::Role;
use crate::eligibility::{self, ExclusionCode};
use crate::engagement::model::Provenance;
use crate::engine::{Engine, Scored};
use crate::error::Result;
use crate::features::{self, Feature};
use crate::pair::{Horizon, Pair, PairFacts, PreparedPerson};
use crate::rules::{Action, PersonRules};

/// What a score is, said with every ranking and explanation: what the model was estimated from,
/// and the score in words for the person's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct ScoreBasis {
    /// What the model was estimated from (`simulation`, `local_outcomes` or `hand_set`); `null`
    /// when the model file does not say.
    pub provenance: Option<Provenance>,
    /// The score in words, such as "the chance of still attending the group at 90 days,
    /// estimated from a simulation rather than from real outcomes; not a promise about
    /// recovery".
    pub text: String,
}

impl ScoreBasis {
    /// The basis of a score from a model of `provenance`, for a person of `role`: for a family
    /// member, the chance that they keep attending, never a claim about anyone's recovery.
    pub fn new(provenance: Option<Provenance>, role: Role) -> ScoreBasis {
        let (who, promise) = match role {
            Role::InRecovery => ("of still attending", "recovery"),
            Role::FamilyMember => (
                "that the family member is still attending",
                "their loved one's recovery",
            ),
        };
        ScoreBasis {
            provenance,
            text: format!(
                "the chance {who} the group at 90 days, {}; not a promise about {promise}",
                Provenance::estimated_from(provenance)
            ),
        }
    }
}

/// One line of a suggestion's explanation: a term of the logit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct ExplanationItem {
    /// Whether the term is about the person alone (the same for every group): such terms are
    /// shown apart from the reasons about the group ([`crate::Suggestion::about_the_person`]).
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

/// One hard constraint and whether the pair passes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Check {
    /// The constraint's code.
    pub code: ExclusionCode,
    /// Whether the pair passes.
    pub passed: bool,
    /// Why it fails (every reason under this code), when it does.
    pub reasons: Vec<String>,
}

/// One model feature's value and term.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct FeatureTerm {
    /// Feature name.
    pub id: &'static str,
    /// Its value for the pair.
    pub value: f64,
    /// The model's coefficient.
    pub coefficient: f64,
    /// Its term in the logit.
    pub contribution: f64,
    /// A sentence for staff.
    pub text: String,
}

/// One rule and what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct RuleTerm {
    /// Rule id.
    pub id: String,
    /// Whether its condition holds.
    pub fired: bool,
    /// `adjust` or `exclude`.
    pub action: Action,
    /// Its term in the logit (0 when it did not fire or excludes).
    pub contribution: f64,
    /// The rendered reason, when it fired.
    pub reason: Option<String>,
    /// The condition, as written.
    pub when: String,
    /// The facts the condition reads and their values here (why it did or did not fire).
    pub inputs: Vec<(&'static str, String)>,
    /// The full citation.
    pub cite: Option<String>,
}

/// Everything about one pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// Where to go now, ahead of anything about the group, when staff flagged an immediate risk
    /// on the person ([`crate::safety::safety_first`]); empty (and left out of JSON) otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub safety_first: Vec<String>,
    /// For a person under 18, why adult groups are left out and where to look
    /// ([`crate::guidance::under_18`]); left out of JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub under_18: Option<String>,
    /// The person's pseudonymous id.
    pub person_id: String,
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub name: String,
    /// What a session of the group costs, as the directory writes it; left out of JSON when the
    /// directory does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// Every hard constraint, in check order.
    pub eligibility: Vec<Check>,
    /// Whether every constraint passed and no rule excludes the group.
    pub eligible: bool,
    /// What the score is and what the model was estimated from.
    pub score_basis: ScoreBasis,
    /// The model's intercept.
    pub intercept: f64,
    /// Every feature of the model about the group and the fit.
    pub features: Vec<FeatureTerm>,
    /// Every feature of the model about the person alone, the same for every group (readiness,
    /// stage, online attendance for a person who chose online only): kept in the logit, shown
    /// apart from the reasons about the group.
    pub about_the_person: Vec<FeatureTerm>,
    /// Every rule.
    pub rules: Vec<RuleTerm>,
    /// intercept + feature terms (of both lists) + fired rule adjustments; `None` when not
    /// eligible.
    pub logit: Option<f64>,
    /// sigmoid(logit), the score `rank` shows; `None` when not eligible.
    pub score: Option<f64>,
    /// Steps before the first session ([`crate::Suggestion::next_steps`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    /// What to know before going ([`crate::Suggestion::notes`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Engine {
    /// Explains the pair of `person` and the group `group_id` (an id, or a name that one group
    /// has: [`Engine::find_group`]) at `now`. Features and rules are
    /// shown even for an ineligible group, but it gets no score: rules never override
    /// eligibility.
    pub fn explain(
        &self,
        person: &Person,
        group_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Explanation> {
        let mut problems = person.problems();
        problems.extend(crate::engine::now_problem(now));
        crate::domain::check::invalid_if_any("explain", problems)?;
        let index = self.find_group(group_id)?;
        let group = &self.groups()[index];
        let pair = Pair::at(person, group, now);
        let rules = self.rules_for(person);
        let failures = eligibility::check(&pair);
        let checks: Vec<Check> = ExclusionCode::ALL
            .iter()
            .filter(|c| **c != ExclusionCode::Rule)
            .map(|code| {
                let reasons: Vec<String> = failures
                    .iter()
                    .filter(|e| e.code == *code)
                    .map(|e| e.text())
                    .collect();
                Check {
                    code: *code,
                    passed: reasons.is_empty(),
                    reasons,
                }
            })
            .collect();
        let x = features::compute(&pair);
        let contributions = self.model().contributions(&x);
        let coefficients: Vec<f64> = self.model().coefficients().map(|(_, c)| c).collect();
        let (mut features, mut about_the_person) = (Vec::new(), Vec::new());
        for f in Feature::ALL {
            let j = *f as usize;
            let term = FeatureTerm {
                id: f.name(),
                value: x[j],
                coefficient: coefficients[j],
                contribution: contributions[j],
                text: features::describe(*f, &pair),
            };
            if features::about_the_person(*f, &pair) {
                about_the_person.push(term);
            } else {
                features.push(term);
            }
        }
        let terms: Vec<RuleTerm> = self
            .rules()
            .rules()
            .iter()
            .map(|r| {
                let fired = r.fires(&pair);
                RuleTerm {
                    id: r.id.clone(),
                    fired,
                    action: r.action,
                    contribution: match (fired, r.action) {
                        (true, Action::Adjust(a)) => a,
                        _ => 0.0,
                    },
                    reason: fired.then(|| r.reason(&pair)),
                    when: r.when_text.clone(),
                    inputs: r.inputs(&pair),
                    cite: self.rules().citation(&r.cite).map(str::to_string),
                }
            })
            .collect();
        // Scored exactly as ranking scores it.
        let scored = failures
            .is_empty()
            .then(|| self.score_eligible(&rules, index, pair).ok())
            .flatten();
        Ok(Explanation {
            safety_first: crate::safety::safety_first(person),
            under_18: crate::guidance::under_18(person),
            person_id: person.id.clone(),
            group_id: group.id.clone(),
            name: group.name.clone(),
            cost: group.cost,
            eligibility: checks,
            eligible: scored.is_some(),
            score_basis: self.score_basis(person),
            intercept: self.model().intercept(),
            features,
            about_the_person,
            rules: terms,
            logit: scored.map(|s| s.logit),
            score: scored.map(|s| s.score),
            next_steps: crate::guidance::next_steps(group),
            notes: crate::guidance::notes(person, group),
        })
    }

    /// What a score for `person` is: the model's provenance, in words for the person's role.
    pub fn score_basis(&self, person: &Person) -> ScoreBasis {
        ScoreBasis::new(self.model().provenance(), person.role)
    }

    /// Every non-zero term of a scored pair's logit, largest effect first: the model's, then
    /// each fired rule's adjustment, with a sentence for staff. `rules` is the engine's rules
    /// narrowed to the pair's person ([`Engine::rules_for`]).
    pub(crate) fn explanation(&self, rules: &PersonRules, s: &Scored) -> Vec<ExplanationItem> {
        let x = features::compute(&s.pair);
        let contributions = self.model().contributions(&x);
        let mut explanation: Vec<ExplanationItem> = Feature::ALL
            .iter()
            .zip(contributions)
            .filter(|(_, c)| *c != 0.0)
            .map(|(f, c)| ExplanationItem {
                person_level: features::about_the_person(*f, &s.pair),
                source: "model",
                id: f.name().to_string(),
                text: features::describe(*f, &s.pair),
                contribution: c,
                cite: None,
            })
            .collect();
        for r in rules.fired(&s.pair, Some(s.index)) {
            let rule = &self.rules().rules()[r];
            if let Action::Adjust(a) = rule.action {
                explanation.push(ExplanationItem {
                    person_level: false,
                    source: "rule",
                    id: rule.id.clone(),
                    text: rule.reason(&s.pair),
                    contribution: a,
                    cite: self.rules().citation(&rule.cite).map(str::to_string),
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

    /// The verdict on `person` and group `index` at `now`: the pair's score, or every reason
    /// the group is out.
    pub(crate) fn verdict(
        &self,
        person: &Person,
        index: usize,
        now: DateTime<Utc>,
    ) -> std::result::Result<f64, Vec<crate::eligibility::Exclusion>> {
        let rules = self.rules_for(person);
        let pair = Pair::at(person, &self.groups()[index], now);
        self.judge(&rules, index, pair).map(|s| s.score)
    }

    /// The explanation of the pair of `person` and group `index` at `now`, as `rank` gives it
    /// (empty when the group is not eligible), and the pair's next `sessions` sessions as `rank`
    /// lists them ([`PairFacts::next_sessions`]): what `match` tells of a placement, over the
    /// group's own horizon.
    pub(crate) fn explain_placement(
        &self,
        person: &Person,
        index: usize,
        now: DateTime<Utc>,
        sessions: usize,
    ) -> (Vec<ExplanationItem>, Vec<DateTime<Utc>>) {
        let rules = self.rules_for(person);
        let group = &self.groups()[index];
        let horizon = Horizon::of_one(group, now);
        let prepared = PreparedPerson::new(person, &horizon);
        let calendar = horizon.group(0, group, 0);
        let explanation = self
            .judge(&rules, index, Pair::new(&prepared, group, &calendar))
            .map(|s| self.explanation(&rules, &s))
            .unwrap_or_default();
        (
            explanation,
            PairFacts::next_sessions(&prepared, &calendar, sessions),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::model::EngagementModel;
    use crate::rules::RuleSet;
    use crate::testutil::{group, now, person};

    const RULES: &str = r#"
[[rules]]
id = "near"
description = "d"
when = "pair.distance_km < 5"
adjust = 0.25
reason = "{pair.distance_km} km away"
cite = "k"
confidence = "weak"

[[rules]]
id = "lgbtq"
description = "d"
when = "person.lgbtq"
adjust = 0.5
reason = "r"
cite = "k"
confidence = "weak"

[references]
k = "Someone (2020)"
"#;

    fn engine() -> Engine {
        Engine::new(vec![group("g1")], EngagementModel::prior())
            .unwrap()
            .with_rules(RuleSet::parse(RULES, "r").unwrap())
    }

    /// Panics unless the intercept and every term (both feature lists, the rules) add up to
    /// the logit.
    #[track_caller]
    fn assert_adds_up(ex: &Explanation) {
        let sum = ex.intercept
            + ex.features.iter().map(|f| f.contribution).sum::<f64>()
            + ex.about_the_person
                .iter()
                .map(|f| f.contribution)
                .sum::<f64>()
            + ex.rules.iter().map(|r| r.contribution).sum::<f64>();
        assert!((sum - ex.logit.unwrap()).abs() < 1e-9);
    }

    #[test]
    fn explanation_adds_up_to_the_ranked_score() {
        let e = engine();
        let p = person();
        let ex = e.explain(&p, "g1", now()).unwrap();
        let ranked = &e
            .rank(&p, &crate::RankOptions::new(None, now()))
            .unwrap()
            .suggestions[0];
        assert_adds_up(&ex);
        assert_eq!(ex.score, Some(ranked.score));
        assert!(ex.eligibility.iter().all(|c| c.passed));
        assert!(ex.rules[0].fired && !ex.rules[1].fired);
        assert_eq!(ex.rules[1].inputs, [("person.lgbtq", "false".to_string())]);
    }

    #[test]
    fn person_level_features_are_listed_apart_and_still_add_up() {
        let e = engine();
        let mut p = person();
        p.readiness = Some(3);
        p.stage = Some(crate::Stage::Exploring);
        let ex = e.explain(&p, "g1", now()).unwrap();
        let ids: Vec<&str> = ex.about_the_person.iter().map(|f| f.id).collect();
        assert_eq!(
            ids,
            [
                "readiness",
                "self_efficacy",
                "low_social_support",
                "exploring",
                "warm_handoff"
            ]
        );
        assert!(ex.features.iter().all(|f| !ids.contains(&f.id)));
        assert_eq!(ex.features.len() + ids.len(), Feature::ALL.len());
        assert_adds_up(&ex);
    }

    #[test]
    fn the_score_is_described_by_the_model_s_provenance_and_the_person_s_role() {
        let say = |p, r| ScoreBasis::new(p, r).text;
        assert_eq!(
            say(Some(Provenance::Simulation), Role::InRecovery),
            "the chance of still attending the group at 90 days, estimated from a simulation, not from real outcomes; not a promise about recovery"
        );
        assert!(say(Some(Provenance::LocalOutcomes), Role::InRecovery)
            .contains("estimated from this organisation's outcomes"));
        assert!(say(Some(Provenance::HandSet), Role::InRecovery)
            .contains("set by hand from published findings"));
        assert!(say(None, Role::InRecovery).contains("does not say"));
        let family = say(Some(Provenance::Simulation), Role::FamilyMember);
        assert!(family.starts_with("the chance that the family member is still attending"));
        assert!(family.ends_with("not a promise about their loved one's recovery"));
        let mut p = person();
        assert_eq!(
            engine().score_basis(&p).provenance,
            Some(Provenance::HandSet)
        );
        p.role = Role::FamilyMember;
        assert_eq!(
            engine().score_basis(&p),
            ScoreBasis::new(Some(Provenance::HandSet), Role::FamilyMember)
        );
    }

    #[test]
    fn an_ineligible_group_has_no_score_and_names_the_failed_check() {
        let e = engine();
        let mut p = person();
        p.languages = vec!["fr".parse().unwrap()];
        let ex = e.explain(&p, "g1", now()).unwrap();
        assert!(!ex.eligible);
        assert_eq!(ex.score, None);
        let failed: Vec<_> = ex
            .eligibility
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.code)
            .collect();
        assert_eq!(failed, [ExclusionCode::Language]);
    }

    #[test]
    fn a_person_without_languages_is_refused_not_a_panic() {
        let mut p = person();
        p.languages.clear();
        let err = engine().explain(&p, "g1", now()).unwrap_err();
        assert_eq!(err.problems()[0].field.as_deref(), Some("languages"));
    }

    #[test]
    fn unknown_group_is_an_error() {
        assert!(engine().explain(&person(), "nope", now()).is_err());
    }
}
