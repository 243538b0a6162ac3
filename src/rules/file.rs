//! Reading and checking a rule file (TOML, see `docs/rules.md`): every rule's keys, condition,
//! action, reason template and citation are checked once, and every problem is reported with its
//! line, before any rule is evaluated.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::expr::compile;
use super::{Action, Confidence, Rule, RuleSet, Template};
use crate::domain::check::{id_problem, text_problem};
use crate::error::{Error, Problem, Result};
use crate::limits::{MAX_QUOTED_BYTES, MAX_RULES, MAX_WHEN_BYTES};
use crate::text::{closest, line_at, shorten};

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
        let message = match closest(key, known.iter().copied(), 3) {
            Some(k) => format!("unknown field; did you mean '{k}'?"),
            None => format!("unknown field (known: {})", known.join(", ")),
        };
        let name = shorten(key, MAX_QUOTED_BYTES);
        problems.push(Problem::new(at.map(|i| i as u64 + 1), Some(&name), message));
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

impl RuleSet {
    /// The default rules embedded in the binary (`data/rules/default.toml`).
    pub fn embedded_default() -> RuleSet {
        RuleSet::parse(DEFAULT_RULES, "data/rules/default.toml")
            .expect("the embedded rules are valid (tested)")
    }

    /// Reads and checks a rule file.
    pub fn read(path: &Path) -> Result<RuleSet> {
        let text = crate::formats::read_text(path, crate::limits::MAX_RULES_FILE_BYTES)?;
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
            let line = e.span().map(|s| line_at(text, s.start));
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
        if let Some(past) = raw.rules.get(MAX_RULES) {
            problems.push(Problem::new(
                Some(line_at(text, past.span().start)),
                Some("rules"),
                format!(
                    "{} rules; a rule file has at most {MAX_RULES} (this is the first past the limit)",
                    raw.rules.len()
                ),
            ));
            return Err(invalid(problems));
        }
        let mut rules = Vec::new();
        let mut ids: HashMap<String, u64> = HashMap::new();
        for spanned in raw.rules {
            let rule_line = line_at(text, spanned.span().start);
            let r = spanned.into_inner();
            let at = |s: &std::ops::Range<usize>| Some(line_at(text, s.start));
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
            let mut texts_ok = true;
            // Long texts are refused before anything quotes them.
            for (field, value) in [
                ("description", &description),
                ("reason", reason_text.get_ref()),
                ("cite", cite.get_ref()),
                ("confidence", confidence_text.get_ref()),
            ] {
                if let Some(m) = text_problem(value) {
                    problem(Some(rule_line), field, m);
                    texts_ok = false;
                }
            }
            if !texts_ok {
                continue;
            }
            if let Some(m) = id_problem(id.get_ref()) {
                problem(at(&id.span()), "id", m);
            } else if let Some(first) = ids.get(id.get_ref()) {
                problem(
                    at(&id.span()),
                    "id",
                    format!("duplicate id '{}' (first on line {first})", id.get_ref()),
                );
            } else {
                ids.insert(id.get_ref().clone(), rule_line);
            }
            let when_len = when_text.get_ref().len();
            let when = if when_len > MAX_WHEN_BYTES {
                let m = format!("{when_len} bytes long; a condition has at most {MAX_WHEN_BYTES}");
                problem(at(&when_text.span()), "when", m);
                None
            } else {
                compile(when_text.get_ref())
                    .map_err(|e| {
                        problem(
                            at(&when_text.span()),
                            "when",
                            format!("column {}: {}", e.column, e.message),
                        )
                    })
                    .ok()
            };
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

    /// `GOOD` with its condition (line 5) replaced by `when`.
    fn with_when(when: &str) -> String {
        GOOD.replace(
            "person.approach_preference == 'secular' and group.orientation == 'spiritual'",
            when,
        )
    }

    #[test]
    fn deeply_nested_conditions_are_refused_on_their_line() {
        // 1,000 deep fits the length limit and is refused for its depth; 10,000 deep is
        // refused for its length before it is parsed.
        for (n, message) in [
            (1_000, "nested more than 64 deep"),
            (10_000, "bytes long; a condition has at most 4096"),
        ] {
            for when in [
                format!("{}true{}", "(".repeat(n), ")".repeat(n)),
                format!("{}true", "not ".repeat(n)),
            ] {
                let got = problems(&with_when(&when));
                assert_eq!(got.len(), 1, "{got:?}");
                assert_eq!((got[0].0, got[0].1.as_str()), (5, "when"));
                assert!(got[0].2.contains(message), "{got:?}");
            }
        }
    }

    #[test]
    fn a_condition_past_the_length_limit_is_refused_on_its_line() {
        let when = vec!["person.readiness > 3"; 200_000].join(" and ");
        let got = problems(&with_when(&when));
        assert_eq!(
            got,
            [(
                5,
                "when".to_string(),
                format!("{} bytes long; a condition has at most 4096", when.len())
            )]
        );
        // Just under the limit, a flat chain is read.
        let when = vec!["true"; MAX_WHEN_BYTES / 9].join(" and ");
        assert!(when.len() <= MAX_WHEN_BYTES);
        assert!(RuleSet::parse(&with_when(&when), "r.toml").is_ok());
    }

    #[test]
    fn too_many_rules_are_refused_at_the_first_past_the_limit() {
        let rule = GOOD.split("[references]").next().unwrap();
        let rules: String = (0..=MAX_RULES)
            .map(|i| rule.replace("secular-at-spiritual", &format!("r{i}")))
            .collect();
        let text = format!("{rules}[references]\ntonigan2002 = \"t\"\n");
        let got = problems(&text);
        assert_eq!(got.len(), 1, "{got:?}");
        let lines_per_rule = rule.matches('\n').count() as u64;
        assert_eq!(got[0].0, 2 + MAX_RULES as u64 * lines_per_rule);
        assert_eq!(got[0].1, "rules");
        assert!(got[0]
            .2
            .starts_with("1001 rules; a rule file has at most 1000"));
        let rules: String = (0..MAX_RULES)
            .map(|i| rule.replace("secular-at-spiritual", &format!("r{i}")))
            .collect();
        let text = format!("{rules}[references]\ntonigan2002 = \"t\"\n");
        assert_eq!(
            RuleSet::parse(&text, "r.toml").unwrap().rules().len(),
            MAX_RULES
        );
    }

    #[test]
    fn rule_ids_and_texts_past_their_limits_are_refused() {
        let got = problems(&GOOD.replace("secular-at-spiritual", "secular at spiritual"));
        assert_eq!((got[0].0, got[0].1.as_str()), (3, "id"));
        assert!(got[0].2.starts_with("whitespace"), "{got:?}");
        let long = "x".repeat(5_000_000);
        let got = problems(&GOOD.replace("secular-at-spiritual", &long));
        assert_eq!(got[0].2, "5000000 bytes long; an id has at most 128");
        let got =
            problems(&GOOD.replace("description = \"d\"", &format!("description = \"{long}\"")));
        assert_eq!(got[0].1, "description");
        assert!(got[0].2.len() < 100, "the text is not quoted back");
        let got = problems(&GOOD.replace("\"moderate\"", &format!("\"{long}\"")));
        assert_eq!(got[0].1, "confidence");
        assert!(got[0].2.len() < 100, "the text is not quoted back");
    }

    #[test]
    fn deeply_nested_toml_is_an_error_not_a_stack_overflow() {
        let n = 100_000;
        for text in [
            format!("x = {}1{}", "[".repeat(n), "]".repeat(n)),
            format!("x = {}1{}", "{a = ".repeat(n), "}".repeat(n)),
            format!("{} = 1", vec!["a"; n].join(".")),
            format!("[{}]", vec!["a"; n].join(".")),
        ] {
            assert!(RuleSet::parse(&text, "r.toml").is_err());
        }
    }
}
