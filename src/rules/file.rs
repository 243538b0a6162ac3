//! Reading and checking a rule file (TOML, see `docs/rules.md`): every rule's keys, condition,
//! action, reason template and citation are checked once, and every problem is reported with its
//! line, before any rule is evaluated.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::expr::compile;
use super::{Action, Confidence, Rule, RuleSet, Template};
use crate::error::{Error, Problem, Result};

/// The default rule file embedded in the binary.
pub const DEFAULT_RULES: &str = include_str!("../../data/rules/default.toml");

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::GOOD;

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
}
