//! The rules layer: editable, evidence-cited adjustments on top of the engagement model.
//!
//! A rule file (TOML, see `docs/rules.md`) lists rules, each with a condition over `person.*`,
//! `group.*` and `pair.*` facts ([`facts`]), an `adjust` (a logit term) or `exclude = true` (a
//! local hard policy), a reason template and a citation key into `[references]`. The file is
//! parsed and type-checked once; evaluation per pair reads facts without re-parsing or
//! allocating. Rules run only on groups that passed eligibility, so a rule can never make an
//! ineligible group eligible.

mod expr;
pub mod facts;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::error::{Error, Problem, Result};
use crate::pair::Pair;
use expr::{compile, resolve, Expr};
use facts::{Fact, GroupOnly, PersonOnly};

/// The default rule file embedded in the binary.
pub const DEFAULT_RULES: &str = include_str!("../../data/rules/default.toml");

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

/// For each rule of a [`RuleSet`], which groups of one directory pass the parts of its condition
/// that read only group facts (`None` for a rule without such parts): decided once per directory
/// by [`RuleSet::group_masks`], so that ranking many people does not decide them again.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GroupMasks {
    masks: Vec<Option<Vec<bool>>>,
}

/// A [`RuleSet`] narrowed to one person by [`RuleSet::for_person`] or
/// [`RuleSet::for_person_in`].
#[derive(Debug, Clone)]
pub(crate) struct PersonRules<'r> {
    /// The whole rule set.
    rules: &'r RuleSet,
    /// Rules still possible for the person, with the parts of their condition left to check.
    active: Vec<ActiveRule<'r>>,
    /// The group-only parts, decided per group of the directory, when known.
    masks: Option<&'r GroupMasks>,
}

/// A rule still possible for one person.
#[derive(Debug, Clone)]
struct ActiveRule<'r> {
    /// Index into [`RuleSet::rules`].
    index: usize,
    /// The parts of its condition that read only group facts.
    group_only: Vec<&'r Expr>,
    /// The other parts that are not about the person alone.
    rest: Vec<&'r Expr>,
}

impl GroupMasks {
    /// For group `g`, whether the group-only parts of each rule's condition hold, for the rules
    /// with such parts.
    pub(crate) fn of(&self, g: usize) -> impl Iterator<Item = bool> + '_ {
        self.masks.iter().flatten().map(move |m| m[g])
    }

    /// Whether the group-only parts of rule `rule`'s condition hold for group `g` (a rule
    /// without such parts passes every group).
    fn holds(&self, rule: usize, g: usize) -> bool {
        self.masks[rule].as_ref().is_none_or(|m| m[g])
    }
}

impl PersonRules<'_> {
    /// The rules applied to a pair's model `logit`: the logit plus every fired rule's adjustment
    /// (added in file order), or, when rules exclude the group, every such exclusion with its
    /// reason. `at` is the group's index in the directory the masks were made for (see
    /// [`RuleSet::for_person_in`]), when known. This is the one place rules change a score.
    pub(crate) fn apply(
        &self,
        pair: &Pair,
        at: Option<usize>,
        logit: f64,
    ) -> std::result::Result<f64, Vec<crate::Exclusion>> {
        let mut logit = logit;
        let mut excluded = Vec::new();
        self.fire(pair, at, |r| {
            let rule = &self.rules.rules[r];
            match rule.action {
                Action::Adjust(a) => logit += a,
                Action::Exclude => {
                    excluded.push(crate::Exclusion::by_rule(&rule.id, rule.reason(pair)))
                }
            }
        });
        if excluded.is_empty() {
            Ok(logit)
        } else {
            Err(excluded)
        }
    }

    /// The rules that fire for a pair of this person, as indices into [`RuleSet::rules`], in
    /// file order: the same as [`RuleSet::fired`]. `at` as for [`PersonRules::apply`].
    pub(crate) fn fired(&self, c: &Pair, at: Option<usize>) -> Vec<usize> {
        let mut fired = Vec::new();
        self.fire(c, at, |i| fired.push(i));
        fired
    }

    /// The most the rules can add to the logit of a pair of this person with group `group` of
    /// the directory the masks were made for, reading only what is decided without the pair: a
    /// rule whose condition is decided adds its adjustment, one that also reads pair facts adds
    /// its adjustment when positive. `None` when a decided rule excludes the group.
    pub(crate) fn bound_at(&self, group: usize) -> Option<f64> {
        let mut sum = 0.0;
        for rule in &self.active {
            let (group_ok, decided) = match self.masks {
                Some(masks) => (masks.holds(rule.index, group), rule.rest.is_empty()),
                // Without masks the group-only parts are not decided here either.
                None => (true, rule.rest.is_empty() && rule.group_only.is_empty()),
            };
            if !group_ok {
                continue;
            }
            match (self.rules.rules[rule.index].action, decided) {
                (Action::Adjust(a), true) => sum += a,
                (Action::Adjust(a), false) => sum += a.max(0.0),
                (Action::Exclude, true) => return None,
                (Action::Exclude, false) => {}
            }
        }
        Some(sum)
    }

    /// Calls `f` with each rule that fires for a pair, in file order, without allocating; the
    /// group-only parts are looked up when the group's index `group` is known, else evaluated.
    fn fire(&self, c: &Pair, group: Option<usize>, mut f: impl FnMut(usize)) {
        for rule in &self.active {
            let group_ok = match (self.masks, group) {
                (Some(masks), Some(g)) => masks.holds(rule.index, g),
                _ => rule.group_only.iter().all(|e| e.holds(c)),
            };
            if group_ok && rule.rest.iter().all(|e| e.holds(c)) {
                f(rule.index);
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    references: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Option<Spanned<String>>,
    description: Option<String>,
    when: Option<Spanned<String>>,
    adjust: Option<Spanned<f64>>,
    exclude: Option<Spanned<bool>>,
    reason: Option<Spanned<String>>,
    cite: Option<Spanned<String>>,
    confidence: Option<Spanned<String>>,
}

/// The keys a rule may have.
const RULE_KEYS: [&str; 8] = [
    "id",
    "description",
    "when",
    "adjust",
    "exclude",
    "reason",
    "cite",
    "confidence",
];

/// Problems for unknown keys (top level and in rules), and the text with their lines blanked.
fn unknown_keys(text: &str, table: &toml::Table) -> (Vec<Problem>, String) {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    let key_line = |lines: &[&str], from: usize, key: &str| {
        (from..lines.len()).find(|&i| {
            let l = lines[i].trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
    };
    let mut report = |lines: &mut Vec<&str>, from: usize, key: &str, known: &[&str]| {
        let at = key_line(lines, from, key);
        let closest = known
            .iter()
            .map(|k| (strsim::levenshtein(k, key), *k))
            .min()
            .filter(|(d, _)| *d <= 3);
        let message = match closest {
            Some((_, k)) => format!("unknown field; did you mean '{k}'?"),
            None => format!("unknown field (known: {})", known.join(", ")),
        };
        problems.push(Problem::new(at.map(|i| i as u64 + 1), Some(key), message));
        if let Some(i) = at {
            lines[i] = "";
        }
    };
    for key in table
        .keys()
        .filter(|k| !matches!(k.as_str(), "rules" | "references"))
    {
        report(&mut lines, 0, key, &["rules", "references"]);
    }
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim() == "[[rules]]")
        .collect();
    if let Some(toml::Value::Array(rules)) = table.get("rules") {
        for (n, rule) in rules.iter().enumerate() {
            let (Some(toml::Value::Table(rule)), Some(&from)) = (Some(rule), headers.get(n)) else {
                continue;
            };
            for key in rule.keys().filter(|k| !RULE_KEYS.contains(&k.as_str())) {
                report(&mut lines, from, key, &RULE_KEYS);
            }
        }
    }
    let mut scrubbed = lines.join("\n");
    scrubbed.push('\n');
    (problems, scrubbed)
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

impl RuleSet {
    /// No rules.
    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// The default rules embedded in the binary (`data/rules/default.toml`).
    pub fn embedded_default() -> RuleSet {
        RuleSet::parse(DEFAULT_RULES, "data/rules/default.toml")
            .expect("the embedded rules are valid (tested)")
    }

    /// Reads and checks a rule file.
    pub fn read(path: &Path) -> Result<RuleSet> {
        let text = crate::formats::read_text(path)?;
        RuleSet::parse(&text, &path.display().to_string())
    }

    /// Parses and checks rule text; every problem is reported with its line.
    pub fn parse(text: &str, label: &str) -> Result<RuleSet> {
        let invalid = |problems: Vec<Problem>| Error::Invalid {
            path: label.to_string(),
            problems,
            warnings: Vec::new(),
        };
        let syntax = |e: toml::de::Error| {
            let line = e.span().map(|s| line_of(text, s.start));
            invalid(vec![Problem::new(
                line,
                None,
                e.message().trim().to_string(),
            )])
        };
        // Unknown keys are reported, then blanked out (line numbers kept), so that one typo does
        // not hide the file's other problems.
        let table: toml::Table = toml::from_str(text).map_err(syntax)?;
        let (mut problems, scrubbed) = unknown_keys(text, &table);
        let raw: RawFile = toml::from_str(&scrubbed).map_err(syntax)?;
        // Spans below are into the scrubbed text, which has the same lines.
        let text = scrubbed.as_str();
        let mut rules = Vec::new();
        let mut ids: HashMap<String, u64> = HashMap::new();
        for spanned in raw.rules {
            let rule_line = line_of(text, spanned.span().start);
            let r = spanned.into_inner();
            let at = |s: &std::ops::Range<usize>| Some(line_of(text, s.start));
            let mut problem = |line: Option<u64>, field: &str, message: String| {
                problems.push(Problem::new(line, Some(field), message));
            };
            for (field, absent) in [
                ("id", r.id.is_none()),
                ("description", r.description.is_none()),
                ("when", r.when.is_none()),
                ("reason", r.reason.is_none()),
                ("cite", r.cite.is_none()),
                ("confidence", r.confidence.is_none()),
            ] {
                if absent {
                    problem(
                        Some(rule_line),
                        field,
                        "missing (this field is required)".into(),
                    );
                }
            }
            let (
                Some(id),
                Some(description),
                Some(when_text),
                Some(reason_text),
                Some(cite),
                Some(confidence_text),
            ) = (r.id, r.description, r.when, r.reason, r.cite, r.confidence)
            else {
                continue;
            };
            if let Some(first) = ids.get(id.get_ref()) {
                problem(
                    at(&id.span()),
                    "id",
                    format!("duplicate id '{}' (first on line {first})", id.get_ref()),
                );
            } else {
                ids.insert(id.get_ref().clone(), rule_line);
            }
            let when = compile(when_text.get_ref())
                .map_err(|e| {
                    problem(
                        at(&when_text.span()),
                        "when",
                        format!("column {}: {}", e.column, e.message),
                    )
                })
                .ok();
            let reason = Template::parse(reason_text.get_ref())
                .map_err(|m| problem(at(&reason_text.span()), "reason", m))
                .ok();
            if !raw.references.contains_key(cite.get_ref()) {
                problem(
                    at(&cite.span()),
                    "cite",
                    format!(
                        "unknown reference '{}' (add it under [references])",
                        cite.get_ref()
                    ),
                );
            }
            let confidence = match confidence_text.get_ref().as_str() {
                "strong" => Some(Confidence::Strong),
                "moderate" => Some(Confidence::Moderate),
                "weak" => Some(Confidence::Weak),
                other => {
                    problem(
                        at(&confidence_text.span()),
                        "confidence",
                        format!("unknown value '{other}' (allowed: strong, moderate, weak)"),
                    );
                    None
                }
            };
            let action = match (&r.adjust, &r.exclude) {
                (Some(a), None) if a.get_ref().is_finite() => Some(Action::Adjust(*a.get_ref())),
                (Some(a), None) => {
                    problem(at(&a.span()), "adjust", "must be a finite number".into());
                    None
                }
                (None, Some(e)) if *e.get_ref() => Some(Action::Exclude),
                (None, Some(e)) => {
                    problem(
                        at(&e.span()),
                        "exclude",
                        "only `exclude = true` is meaningful; remove it or use adjust".into(),
                    );
                    None
                }
                (Some(a), Some(_)) => {
                    problem(
                        at(&a.span()),
                        "adjust",
                        "a rule has either adjust or exclude = true, not both".into(),
                    );
                    None
                }
                (None, None) => {
                    problem(
                        Some(rule_line),
                        "adjust",
                        "missing: give adjust = <number> or exclude = true".into(),
                    );
                    None
                }
            };
            if let (Some(when), Some(reason), Some(confidence), Some(action)) =
                (when, reason, confidence, action)
            {
                rules.push(Rule {
                    id: id.get_ref().clone(),
                    description,
                    when_text: when_text.into_inner(),
                    when,
                    action,
                    reason_text: reason_text.into_inner(),
                    reason,
                    cite: cite.into_inner(),
                    confidence,
                    line: rule_line,
                });
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(invalid(problems));
        }
        Ok(RuleSet {
            rules,
            references: raw.references,
        })
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

    /// The rules narrowed to one person, for evaluating many groups: the parts of each condition
    /// that read only person facts are decided once, and rules they rule out are dropped.
    pub(crate) fn for_person(&self, person: &Person) -> PersonRules<'_> {
        let who = PersonOnly(person);
        let active = self
            .rules
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| {
                let (personal, others): (Vec<&Expr>, Vec<&Expr>) = rule
                    .when
                    .conjuncts()
                    .into_iter()
                    .partition(|c| c.is_person_only());
                let (group_only, rest) = others.into_iter().partition(|c| c.is_group_only());
                personal
                    .iter()
                    .all(|c| c.holds(&who))
                    .then_some(ActiveRule {
                        index,
                        group_only,
                        rest,
                    })
            })
            .collect();
        PersonRules {
            rules: self,
            active,
            masks: None,
        }
    }

    /// [`RuleSet::for_person`], with the group-only parts of the conditions already decided for
    /// every group of a directory (`masks`, from [`RuleSet::group_masks`] on that directory).
    pub(crate) fn for_person_in<'r>(
        &'r self,
        person: &Person,
        masks: &'r GroupMasks,
    ) -> PersonRules<'r> {
        PersonRules {
            masks: Some(masks),
            ..self.for_person(person)
        }
    }

    /// Decides, for every rule and every group of `groups`, the parts of the rule's condition
    /// that read only group facts.
    pub(crate) fn group_masks(&self, groups: &[Group]) -> GroupMasks {
        let masks = self
            .rules
            .iter()
            .map(|rule| {
                let parts: Vec<&Expr> = rule
                    .when
                    .conjuncts()
                    .into_iter()
                    .filter(|c| c.is_group_only())
                    .collect();
                (!parts.is_empty()).then(|| {
                    groups
                        .iter()
                        .map(|g| parts.iter().all(|c| c.holds(&GroupOnly(g))))
                        .collect()
                })
            })
            .collect();
        GroupMasks { masks }
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
mod tests {
    use super::*;
    use crate::testutil::{group, now, person};

    const GOOD: &str = r#"
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

    fn problems(text: &str) -> Vec<(u64, String, String)> {
        match RuleSet::parse(text, "r.toml") {
            Err(Error::Invalid { problems, .. }) => problems
                .into_iter()
                .map(|p| (p.line.unwrap_or(0), p.field.unwrap_or_default(), p.message))
                .collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

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
    fn each_malformed_rule_is_reported_with_its_line() {
        let bad = GOOD
            .replace(
                "group.orientation == 'spiritual'",
                "group.orientaton == 'spiritual'",
            )
            .replace("{group.name}", "{group.nam}")
            .replace("cite = \"tonigan2002\"", "cite = \"tonigan2003\"")
            .replace("\"moderate\"", "\"medium\"");
        let got = problems(&bad);
        let fields: Vec<&str> = got.iter().map(|(_, f, _)| f.as_str()).collect();
        assert_eq!(fields, ["when", "reason", "cite", "confidence"]);
        assert_eq!(got[0].0, 5);
        assert!(
            got[0].2.contains("did you mean 'group.orientation'"),
            "{}",
            got[0].2
        );
        assert!(got[1].2.contains("placeholder {group.nam}"), "{}", got[1].2);
        assert_eq!(got[2].0, 8);
    }

    #[test]
    fn type_mismatch_and_duplicate_ids_are_reported() {
        let twice = format!(
            "{}\n{}",
            GOOD.split("[references]").next().unwrap(),
            GOOD.replace(
                "person.approach_preference == 'secular'",
                "person.readiness == 'high'"
            )
        );
        let got = problems(&twice);
        assert!(
            got.iter()
                .any(|(l, f, m)| *l == 14 && f == "id" && m.contains("first on line 2")),
            "{got:?}"
        );
        assert!(got.iter().any(|(_, f, m)| f == "when" && m.contains("cannot compare a number with a string")), "{got:?}");
    }

    #[test]
    fn unknown_keys_and_missing_actions_are_reported() {
        let got = problems(&GOOD.replace("adjust = -0.4", "adjsut = -0.4"));
        let fields: Vec<&str> = got.iter().map(|(_, f, _)| f.as_str()).collect();
        assert_eq!(fields, ["adjust", "adjsut"], "{got:?}");
        assert!(got[1].2.contains("did you mean 'adjust'"), "{got:?}");
        assert_eq!(got[1].0, 6);
        let got = problems(&GOOD.replace("adjust = -0.4", "adjust = -0.4\nexclude = true"));
        assert!(got[0].2.contains("not both"), "{got:?}");
        let got = problems(&GOOD.replace("reason = ", "reasn = "));
        let fields: Vec<&str> = got.iter().map(|(_, f, _)| f.as_str()).collect();
        assert_eq!(fields, ["reason", "reasn"], "{got:?}");
    }

    #[test]
    fn rules_narrowed_to_a_person_fire_exactly_as_the_full_set() {
        let set = RuleSet::embedded_default();
        let groups = crate::engine::embedded_groups();
        let people = [
            &include_bytes!("../../data/people/early-secular-woman.json")[..],
            include_bytes!("../../data/people/young-man-first-year.json"),
            include_bytes!("../../data/people/veteran-co-occurring.json"),
            include_bytes!("../../data/people/nonbinary-online.json"),
            include_bytes!("../../data/people/parent-childcare.json"),
        ];
        let mut fired = 0;
        for bytes in people {
            let p = crate::parse_person(bytes, "p").unwrap().value;
            let narrowed = set.for_person(&p);
            let masks = set.group_masks(&groups);
            let masked = set.for_person_in(&p, &masks);
            for (i, g) in groups.iter().enumerate() {
                let c = Pair::at(&p, g, now());
                assert_eq!(
                    narrowed.fired(&c, None),
                    set.fired(&c),
                    "{} / {}",
                    p.id,
                    g.id
                );
                assert_eq!(
                    masked.fired(&c, Some(i)),
                    set.fired(&c),
                    "{} / {}",
                    p.id,
                    g.id
                );
                fired += set.fired(&c).len();
            }
        }
        assert!(
            fired > 100,
            "the default rules fire on the example people ({fired})"
        );
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
