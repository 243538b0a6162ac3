//! The rules layer: editable, evidence-cited adjustments on top of the engagement model.
//!
//! A rule file (TOML, see `docs/rules.md`) lists rules, each with a condition over `person.*`,
//! `group.*` and `pair.*` facts ([`facts`]), an `adjust` (a logit term) or `exclude = true` (a
//! local hard policy), a reason template and a citation key into `[references]`. The file is
//! parsed and type-checked once; evaluation per pair reads facts without re-parsing or
//! allocating. Rules run only on groups that passed eligibility, so a rule can never make an
//! ineligible group eligible.
//!
//! Here: the rule model ([`Rule`], [`RuleSet`]) and its Markdown table. Beside it: `file.rs`
//! (reading and checking a rule file), `expr.rs` (the condition language), `facts.rs` (what a
//! condition can read) and `person.rs` (the rules narrowed to one person and applied to a
//! pair's logit).

mod expr;
pub mod facts;
mod file;
mod person;

pub use file::DEFAULT_RULES;
pub(crate) use person::{GroupMasks, PersonRules};

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::pair::Pair;
use expr::{resolve, Expr};
use facts::Fact;

/// How strong the evidence behind a rule is (EVIDENCE.md's scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// RCTs or meta-analyses, consistent.
    Strong,
    /// Controlled or large longitudinal studies.
    Moderate,
    /// Small, single, qualitative or indirect studies.
    Weak,
}

/// What a rule does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Add this term to the logit.
    Adjust(f64),
    /// Exclude the group (a local hard policy).
    Exclude,
}

/// A reason template: text with `{path}` placeholders.
#[derive(Debug, Clone, PartialEq)]
struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Fact(Fact),
}

impl Template {
    fn parse(text: &str) -> std::result::Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!(
                    "'{{' at character {} is not closed",
                    text.len() - rest.len() + open + 1
                ));
            };
            let path = rest[open + 1..open + close].trim();
            pieces.push(Piece::Fact(
                resolve(path).map_err(|m| format!("placeholder {{{path}}}: {m}"))?,
            ));
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err("'}' without '{'".into());
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template(pieces))
    }

    fn render(&self, c: &Pair) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Fact(f) => {
                    let _ = write!(out, "{}", f.value(c));
                }
            }
        }
        out
    }
}

/// One checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique id.
    pub id: String,
    /// One sentence for staff.
    pub description: String,
    /// The condition, as written.
    pub when_text: String,
    when: Expr,
    /// What it does.
    pub action: Action,
    /// The reason template, as written.
    pub reason_text: String,
    reason: Template,
    /// Key into the references.
    pub cite: String,
    /// Strength of the evidence.
    pub confidence: Confidence,
    /// The line of the rule in its file.
    pub line: u64,
}

impl Rule {
    /// Whether the rule's condition holds for a pair.
    pub(crate) fn fires(&self, c: &Pair) -> bool {
        self.when.holds(c)
    }

    /// The reason for a pair, placeholders filled in.
    pub(crate) fn reason(&self, c: &Pair) -> String {
        self.reason.render(c)
    }

    /// The facts the condition reads, with their values for a pair (to show why a rule did not
    /// fire).
    pub(crate) fn inputs(&self, c: &Pair) -> Vec<(&'static str, String)> {
        self.when
            .facts()
            .into_iter()
            .map(|f| (f.name(), f.value(c).to_string()))
            .collect()
    }
}

/// A checked rule file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    references: BTreeMap<String, String>,
}

impl RuleSet {
    /// No rules.
    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The full citation of a reference key.
    pub fn citation(&self, key: &str) -> Option<&str> {
        self.references.get(key).map(String::as_str)
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that fire for a pair, as indices into [`RuleSet::rules`], in file order, each
    /// condition evaluated whole: what [`PersonRules::fired`] is tested against.
    #[cfg(test)]
    pub(crate) fn fired(&self, c: &Pair) -> Vec<usize> {
        (0..self.rules.len())
            .filter(|&i| self.rules[i].fires(c))
            .collect()
    }

    /// The rule table as Markdown, for `docs/rules.md`.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "| id | when | effect | reason | confidence | source |\n|---|---|---|---|---|---|\n",
        );
        let cell = |s: &str| s.replace('|', "\\|");
        for r in &self.rules {
            let effect = match r.action {
                Action::Adjust(a) => format!("{a:+.2}"),
                Action::Exclude => "exclude".into(),
            };
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} | {} | {} |",
                r.id,
                cell(&r.when_text),
                effect,
                cell(&r.reason_text),
                match r.confidence {
                    Confidence::Strong => "strong",
                    Confidence::Moderate => "moderate",
                    Confidence::Weak => "weak",
                },
                cell(self.citation(&r.cite).unwrap_or(&r.cite))
            );
        }
        out
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::testutil::{group, now, person};

    /// A valid rule file of one rule, for the tests of every part of the rules layer.
    pub(super) const GOOD: &str = r#"
[[rules]]
id = "secular-at-spiritual"
description = "d"
when = "person.approach_preference == 'secular' and group.orientation == 'spiritual'"
adjust = -0.4
reason = "Prefers secular; {group.name} is {group.orientation}, {pair.distance_km} km"
cite = "tonigan2002"
confidence = "moderate"

[references]
tonigan2002 = "Tonigan JS et al. (2002)"
"#;

    #[test]
    fn a_rule_fires_and_renders_its_reason() {
        let set = RuleSet::parse(GOOD, "r.toml").unwrap();
        let mut p = person();
        p.approach_preference = crate::ApproachPreference::Secular;
        let g = group("g1");
        let c = Pair::at(&p, &g, now());
        assert_eq!(set.fired(&c), [0]);
        assert_eq!(
            set.rules()[0].reason(&c),
            "Prefers secular; Group g1 is spiritual, 0 km"
        );
        assert_eq!(set.rules()[0].line, 2);
        assert_eq!(
            set.citation("tonigan2002"),
            Some("Tonigan JS et al. (2002)")
        );
    }

    #[test]
    fn a_template_is_text_and_facts_without_empty_pieces() {
        let name = Piece::Fact(resolve("group.name").unwrap());
        assert_eq!(
            Template::parse("{group.name}").unwrap(),
            Template(vec![name.clone()])
        );
        assert_eq!(
            Template::parse("At { group.name }.").unwrap(),
            Template(vec![
                Piece::Text("At ".into()),
                name,
                Piece::Text(".".into())
            ])
        );
        assert_eq!(
            Template::parse("a {group.name").unwrap_err(),
            "'{' at character 3 is not closed"
        );
        assert_eq!(Template::parse("a } b").unwrap_err(), "'}' without '{'");
        assert!(Template::parse("{group.nmae}")
            .unwrap_err()
            .starts_with("placeholder {group.nmae}: unknown fact"));
    }

    #[test]
    fn rules_read_the_cost_as_an_amount_and_a_kind_and_whether_the_person_can_pay() {
        use crate::{Cost, Currency};
        let file = GOOD
            .replace(
                "person.approach_preference == 'secular' and group.orientation == 'spiritual'",
                "group.cost_kind == 'fee' and group.cost >= 40 and person.can_pay",
            )
            .replace(
                "{group.name} is {group.orientation}, {pair.distance_km} km",
                "{group.cost_kind}",
            );
        let set = RuleSet::parse(&file, "r.toml").unwrap();
        let mut p = person();
        let mut g = group("g1");
        let fires =
            |p: &crate::Person, g: &crate::Group| !set.fired(&Pair::at(p, g, now())).is_empty();
        assert!(!fires(&p, &g), "unknown cost: both facts missing");
        g.cost = Some(Cost::Amount {
            amount: 40.0,
            currency: Some(Currency::Usd),
        });
        assert!(fires(&p, &g));
        assert_eq!(
            set.rules()[0].reason(&Pair::at(&p, &g, now())),
            "Prefers secular; fee"
        );
        p.can_pay = false;
        assert!(!fires(&p, &g));
        p.can_pay = true;
        g.cost = Some(Cost::SlidingScale);
        assert!(!fires(&p, &g), "a sliding scale has no amount");
        use crate::rules::facts::{Fact, Value};
        let kind = |g: &crate::Group| match Fact::GroupCostKind.group_value(g) {
            Some(Value::Str(kind)) => kind.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(kind(&g), "sliding_scale");
        assert!(matches!(
            Fact::GroupCost.group_value(&g),
            Some(Value::Missing)
        ));
        g.cost = Some(Cost::Amount {
            amount: 0.0,
            currency: None,
        });
        assert_eq!(kind(&g), "free");
        assert!(matches!(
            Fact::GroupCost.group_value(&g),
            Some(Value::Num(0.0))
        ));
        assert!(RuleSet::parse(&file.replace("'fee'", "'fees'"), "r.toml").is_err());
    }

    #[test]
    fn a_file_without_rules_is_empty() {
        assert!(!RuleSet::parse(GOOD, "r.toml").unwrap().is_empty());
        assert!(RuleSet::parse("[references]\n", "r.toml")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn markdown_table_lists_every_rule() {
        let set = RuleSet::parse(GOOD, "r.toml").unwrap();
        let md = set.to_markdown();
        assert_eq!(md.lines().count(), 3);
        assert!(md.contains("| `secular-at-spiritual` |"));
        assert!(md.contains("-0.40"));
    }
}
