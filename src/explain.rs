//! A full account of one person-group pair: every eligibility check, every model feature and
//! every rule, fired or not, and the score they add up to. For `groupmatch explain`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::person::Person;
use crate::domain::schedule::utc_offset_minutes;
use crate::eligibility::{self, ExclusionCode};
use crate::engagement::model::sigmoid;
use crate::error::{Error, Result};
use crate::features::{self, Feature};
use crate::pair::{PairFacts, PreparedPerson};
use crate::rank::Engine;
use crate::rules::facts::PairContext;
use crate::rules::Action;

/// One hard constraint and whether the pair passes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
pub struct Explanation {
    /// The person's pseudonymous id.
    pub person_id: String,
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub name: String,
    /// Every hard constraint, in check order.
    pub eligibility: Vec<Check>,
    /// Whether every constraint passed and no rule excludes the group.
    pub eligible: bool,
    /// The model's intercept.
    pub intercept: f64,
    /// Every feature of the model.
    pub features: Vec<FeatureTerm>,
    /// Every rule.
    pub rules: Vec<RuleTerm>,
    /// intercept + feature terms + fired rule adjustments; `None` when not eligible.
    pub logit: Option<f64>,
    /// sigmoid(logit), the score `rank` shows; `None` when not eligible.
    pub score: Option<f64>,
}

impl Engine {
    /// Explains the pair of `person` and the group `group_id` at `now`. Features and rules are
    /// shown even for an ineligible group, but it gets no score: rules never override
    /// eligibility.
    pub fn explain(
        &self,
        person: &Person,
        group_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Explanation> {
        let index = self
            .groups()
            .iter()
            .position(|g| g.id == group_id)
            .ok_or_else(|| Error::NotFound(format!("no group '{group_id}' in the directory")))?;
        let group = &self.groups()[index];
        let prepared = PreparedPerson::new(person, now);
        let facts = PairFacts::new(&prepared, group, utc_offset_minutes(group.timezone, now));
        let failures = eligibility::check(person, group, &facts);
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
        let x = features::compute(person, group, &facts);
        let contributions = self.model().contributions(&x);
        let coefficients: Vec<f64> = self.model().coefficients().map(|(_, c)| c).collect();
        let features: Vec<FeatureTerm> = Feature::ALL
            .iter()
            .map(|f| {
                let j = *f as usize;
                FeatureTerm {
                    id: f.name(),
                    value: x[j],
                    coefficient: coefficients[j],
                    contribution: contributions[j],
                    text: features::describe(*f, person, group, &facts),
                }
            })
            .collect();
        let context = PairContext {
            person,
            group,
            facts: &facts,
        };
        let rules: Vec<RuleTerm> = self
            .rules()
            .rules()
            .iter()
            .map(|r| {
                let fired = r.fires(&context);
                RuleTerm {
                    id: r.id.clone(),
                    fired,
                    action: r.action,
                    contribution: match (fired, r.action) {
                        (true, Action::Adjust(a)) => a,
                        _ => 0.0,
                    },
                    reason: fired.then(|| r.reason(&context)),
                    when: r.when_text.clone(),
                    inputs: r.inputs(&context),
                    cite: self.rules().citation(&r.cite).map(str::to_string),
                }
            })
            .collect();
        let excluded_by_rule = rules.iter().any(|r| r.fired && r.action == Action::Exclude);
        let eligible = failures.is_empty() && !excluded_by_rule;
        // The same sum, in the same order, as ranking: the model's logit, then each fired rule's
        // term in file order (a rule that did not fire adds an exact 0).
        let logit = eligible.then(|| {
            rules
                .iter()
                .fold(self.model().logit(&x), |z, r| z + r.contribution)
        });
        Ok(Explanation {
            person_id: person.id.clone(),
            group_id: group.id.clone(),
            name: group.name.clone(),
            eligibility: checks,
            eligible,
            intercept: self.model().intercept(),
            features,
            rules,
            logit,
            score: logit.map(sigmoid),
        })
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
            .with_rules(RuleSet::parse(RULES, "r").unwrap())
    }

    #[test]
    fn explanation_adds_up_to_the_ranked_score() {
        let e = engine();
        let p = person();
        let ex = e.explain(&p, "g1", now()).unwrap();
        let ranked = &e
            .rank(&p, &crate::RankOptions::new(None, now()))
            .suggestions[0];
        let sum = ex.intercept
            + ex.features.iter().map(|f| f.contribution).sum::<f64>()
            + ex.rules.iter().map(|r| r.contribution).sum::<f64>();
        assert!((sum - ex.logit.unwrap()).abs() < 1e-9);
        assert_eq!(ex.score, Some(ranked.score));
        assert!(ex.eligibility.iter().all(|c| c.passed));
        assert!(ex.rules[0].fired && !ex.rules[1].fired);
        assert_eq!(ex.rules[1].inputs, [("person.lgbtq", "false".to_string())]);
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
    fn unknown_group_is_an_error() {
        assert!(engine().explain(&person(), "nope", now()).is_err());
    }
}
