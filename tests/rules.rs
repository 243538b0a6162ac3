//! Integration tests of the rules layer: `rules check`, `rules list`, `rules facts`, `rank` with
//! `--rules FILE` and `--no-rules`, and `explain`. Each test writes its small rule files (and
//! directories) into its own temporary directory and runs the built binary there.

// Not every helper of the shared harness is used by this test crate.
mod util;

use std::collections::BTreeSet;

use approx::assert_abs_diff_eq;
use serde_json::Value;

use util::{example_people, repo_path, Output, Workdir, EXAMPLE_PERSON, NOW};

/// The default rule file, as shipped (and embedded in the binary).
const DEFAULT_RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/rules/default.toml");

/// The default engagement model, as shipped (and embedded in the binary).
const DEFAULT_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/engagement.json");

/// More suggestions than any directory here has groups: asks for the whole ranking.
const ALL: &str = "100000";

/// The hard constraints `explain` reports, in check order (docs/eligibility.md).
const CHECKS: [&str; 15] = [
    "role",
    "format",
    "distance",
    "schedule",
    "language",
    "audience",
    "age",
    "gender_specific",
    "closed_meeting",
    "approach",
    "medication",
    "accessibility",
    "proof_of_attendance",
    "cost",
    "full",
];

/// A valid file with one rule. The malformed-rule tests change one line of it, so each knows the
/// line its problem must be reported at:
///
/// 1 `[[rules]]`, 2 `id`, 3 `description`, 4 `when`, 5 `adjust`, 6 `reason`, 7 `cite`,
/// 8 `confidence`, 10 `[references]`, 11 the reference.
const ONE_RULE: &str = r#"[[rules]]
id = "boost-g1"
description = "A test rule."
when = "group.id == 'g1'"
adjust = 0.5
reason = "{group.name} is boosted"
cite = "local2026"
confidence = "weak"

[references]
local2026 = "Local policy (2026)"
"#;

/// `ONE_RULE` with its line `line` (1-based) replaced by `replacement` (which may hold several
/// lines, or be empty to delete the line).
fn one_rule_with(line: usize, replacement: &str) -> String {
    let mut lines: Vec<&str> = ONE_RULE.lines().collect();
    assert!(
        line >= 1 && line <= lines.len(),
        "no line {line} in ONE_RULE"
    );
    if replacement.is_empty() {
        lines.remove(line - 1);
    } else {
        lines[line - 1] = replacement;
    }
    lines.join("\n") + "\n"
}

/// Writes `text` to `rules.toml` and runs `rules check rules.toml`, which must exit 2 without
/// saying the file is ok.
#[track_caller]
fn check_invalid(wd: &Workdir, text: &str) -> Output {
    wd.create("rules.toml", text);
    let out = wd.run(["rules", "check", "rules.toml"]);
    out.assert_code(2).assert_stdout_lacks("ok (");
    out
}

/// The problem lines `rules check` printed (`rules.toml:LINE: ...`).
fn problem_lines(out: &Output) -> Vec<String> {
    format!("{}\n{}", out.stdout(), out.stderr())
        .lines()
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .filter(|l| l.starts_with("rules.toml:"))
        .map(str::to_string)
        .collect()
}

/// A small directory (America/New_York): three online groups with the same sessions, differing
/// only in id, name and approach, all eligible for `person()`, and one (`g4`) that meets only
/// outside the person's availability.
const GROUPS_CSV: &str = "\
id,name,approach,format,sessions,timezone,latitude,longitude,languages,capacity,enrolled
g1,Alpha Online,smart_recovery,online,Mon 19:00-20:00;Wed 19:00-20:00,America/New_York,,,en,,
g2,Beta Online,cbt,online,Mon 19:00-20:00;Wed 19:00-20:00,America/New_York,,,en,,
g3,Gamma Online,lifering,online,Mon 19:00-20:00;Wed 19:00-20:00,America/New_York,,,en,,
g4,Delta Tuesday,smart_recovery,online,Tue 10:00-11:00,America/New_York,,,en,,
";

/// The ids of the groups in `GROUPS_CSV` that `person()` can attend.
const ELIGIBLE: [&str; 3] = ["g1", "g2", "g3"];

/// A person for `GROUPS_CSV`: free Monday and Wednesday evenings, no preferences.
const PERSON: &str = r#"{
  "id": "p-rules",
  "stage": "early",
  "approach_preference": "no_preference",
  "format_preference": "either",
  "availability": ["Mon 18:00-22:00", "Wed 18:00-22:00"],
  "timezone": "America/New_York",
  "latitude": 39.9526,
  "longitude": -75.1652,
  "max_travel_km": 10,
  "languages": ["en"]
}
"#;

/// The full citation the rule files written by these tests cite.
const LOCAL_CITATION: &str = "Local policy board minutes (2026), item 4.";

/// A rule file with one rule on the group `group_id`: `effect` is its `adjust = ...` or
/// `exclude = true` line. The reason names the group through a placeholder.
fn rule_on_group(id: &str, group_id: &str, effect: &str) -> String {
    format!(
        r#"# A local rule written for a test.
[[rules]]
id = "{id}"
description = "Local policy about one group."
when = "group.id == '{group_id}'"
{effect}
reason = "Local policy about {{group.name}}"
cite = "local"
confidence = "weak"

[references]
local = "{LOCAL_CITATION}"
"#
    )
}

/// Writes the small directory and person into `wd`.
fn small_setup(wd: &Workdir) {
    wd.create("groups.csv", GROUPS_CSV);
    wd.create("person.json", PERSON);
}

/// `rank --format json --top ALL` of `person.json` against `groups.csv` in `wd`, with `extra`
/// arguments (the rules choice); checks the run succeeded.
fn rank_small(wd: &Workdir, extra: &[&str]) -> (Output, Value) {
    let mut args = vec![
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "person.json",
        "--format",
        "json",
        "--now",
        NOW,
        "--top",
        ALL,
    ];
    args.extend_from_slice(extra);
    let out = wd.run(&args);
    out.assert_success();
    let json = out.json();
    (out, json)
}

/// `rank --format json --top ALL` of `person` against the embedded directory, with `extra`
/// arguments; checks the run succeeded.
fn rank_embedded(wd: &Workdir, person: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec![
        "rank", "--person", person, "--format", "json", "--now", NOW, "--top", ALL,
    ];
    args.extend_from_slice(extra);
    let out = wd.run(&args);
    out.assert_success();
    let json = out.json();
    (out, json)
}

/// The suggestions array of a ranking.
fn suggestions(v: &Value) -> &Vec<Value> {
    v["suggestions"]
        .as_array()
        .expect("suggestions is an array")
}

/// The group ids of the suggestions, in rank order.
fn suggested_ids(v: &Value) -> Vec<String> {
    suggestions(v)
        .iter()
        .map(|s| s["group_id"].as_str().expect("group_id").to_string())
        .collect()
}

/// The explanation items of a suggestion that come from rules.
fn rule_items(s: &Value) -> Vec<&Value> {
    s["explanation"]
        .as_array()
        .expect("explanation is an array")
        .iter()
        .filter(|e| e["source"] == "rule")
        .collect()
}

/// Panics unless `intercept + sum(contributions) == logit` (within 1e-9) for every suggestion.
#[track_caller]
fn assert_sum_invariant(out: &Output, ranking: &Value) {
    for s in suggestions(ranking) {
        // The terms about the person alone are apart from the explanation, and in the sum.
        let sum: f64 = ["about_the_person", "explanation"]
            .iter()
            .flat_map(|block| s[*block].as_array().expect("an array"))
            .map(|e| e["contribution"].as_f64().expect("contribution"))
            .sum();
        let intercept = s["intercept"].as_f64().expect("intercept");
        let logit = s["logit"].as_f64().expect("logit");
        assert!(
            (intercept + sum - logit).abs() < 1e-9,
            "{}: intercept {intercept} + sum {sum} != logit {logit}{out}",
            s["group_id"]
        );
    }
}

/// The excluded entry of `group_id`, with its reason codes and texts.
fn excluded_entry(v: &Value, group_id: &str) -> Option<Vec<(String, String)>> {
    v["excluded"]
        .as_array()
        .expect("excluded is an array")
        .iter()
        .find(|e| e["group_id"] == group_id)
        .map(|e| {
            e["reasons"]
                .as_array()
                .expect("reasons is an array")
                .iter()
                .map(|r| {
                    (
                        r["code"].as_str().expect("code").to_string(),
                        r["text"].as_str().expect("text").to_string(),
                    )
                })
                .collect()
        })
}

/// The default rule file, parsed.
fn default_rules() -> toml::Table {
    let text = std::fs::read_to_string(DEFAULT_RULES).expect("read the default rules");
    toml::from_str(&text).expect("the default rules are valid TOML")
}

/// The ids of the default rules, in file order.
fn default_rule_ids() -> Vec<String> {
    default_rules()["rules"]
        .as_array()
        .expect("[[rules]]")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

/// `explain --format json` of `person` and `group` (embedded directory, default rules).
fn explain_json(wd: &Workdir, person: &str, group: &str) -> (Output, Value) {
    let out = wd.run([
        "explain", "--person", person, "--group", group, "--format", "json", "--now", NOW,
    ]);
    out.assert_success();
    let json = out.json();
    (out, json)
}

// ---------------------------------------------------------------------------------------------
// rules check
// ---------------------------------------------------------------------------------------------

#[test]
fn rules_check_accepts_the_default_rules_and_counts_them() {
    let wd = Workdir::new();
    let out = wd.run(["rules", "check", DEFAULT_RULES]);
    out.assert_success();
    let count = default_rule_ids().len();
    // Few rules are left once each is held to its evidence (docs/rules.md, Evidence caps).
    assert!(count >= 5, "only {count} default rules");
    out.assert_stdout_contains(&format!("{DEFAULT_RULES}: ok ({count} rules)"));
}

#[test]
fn rules_check_accepts_the_one_rule_file_the_malformed_cases_start_from() {
    let wd = Workdir::new();
    wd.create("rules.toml", ONE_RULE);
    wd.run(["rules", "check", "rules.toml"])
        .assert_success()
        .assert_stdout_contains("rules.toml: ok (1 rules)");
}

#[test]
fn rules_check_reports_unknown_fact_in_when_and_suggests_the_closest() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(4, r#"when = "person.stge == 'early'""#));
    out.assert_problem(
        "rules.toml",
        4,
        Some("when"),
        &["person.stge", "did you mean 'person.stage'"],
    );
}

#[test]
fn rules_check_reports_unknown_field_in_a_rule_at_its_line() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(5, "adjsut = 0.5"));
    // The line names the misspelt key, with or without a `field: ` part before the message.
    out.assert_problem("rules.toml", 5, None, &["adjsut"]);
}

#[test]
fn rules_check_reports_type_mismatch_in_when() {
    let wd = Workdir::new();
    let out = check_invalid(
        &wd,
        &one_rule_with(4, r#"when = "person.readiness == 'high'""#),
    );
    out.assert_problem("rules.toml", 4, Some("when"), &["a number", "a string"]);
}

#[test]
fn rules_check_reports_string_outside_the_vocabulary_with_the_allowed_values() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(4, r#"when = "person.stage == 'erly'""#));
    out.assert_problem(
        "rules.toml",
        4,
        Some("when"),
        &["'erly'", "person.stage", "early", "first_year"],
    );
}

#[test]
fn rules_check_reports_unknown_cite_key() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(7, r#"cite = "nokey2026""#));
    out.assert_problem("rules.toml", 7, Some("cite"), &["nokey2026"]);
}

#[test]
fn rules_check_reports_duplicate_id_at_the_second_and_names_the_first() {
    let wd = Workdir::new();
    let rules = ONE_RULE.split("[references]").next().unwrap();
    // The first rule: [[rules]] on line 1, its id on line 2; the second: [[rules]] on line 10,
    // its id on line 11.
    let text = format!("{rules}{ONE_RULE}");
    assert_eq!(text.lines().nth(10), Some(r#"id = "boost-g1""#));
    let out = check_invalid(&wd, &text);
    let line = out.assert_problem("rules.toml", 11, Some("id"), &["boost-g1"]);
    assert!(
        line.contains("line 1)") || line.contains("line 2)"),
        "the problem does not name where the first 'boost-g1' is: {line:?}{out}"
    );
    assert_eq!(problem_lines(&out).len(), 1, "one problem only{out}");
}

#[test]
fn rules_check_reports_bad_template_placeholder_and_suggests_the_closest() {
    let wd = Workdir::new();
    let out = check_invalid(
        &wd,
        &one_rule_with(6, r#"reason = "{group.nmae} is boosted""#),
    );
    out.assert_problem(
        "rules.toml",
        6,
        Some("reason"),
        &["{group.nmae}", "did you mean 'group.name'"],
    );
}

#[test]
fn rules_check_reports_unclosed_brace_in_the_reason() {
    let wd = Workdir::new();
    let out = check_invalid(
        &wd,
        &one_rule_with(6, r#"reason = "{group.name is boosted""#),
    );
    out.assert_problem("rules.toml", 6, Some("reason"), &["not closed"]);
}

#[test]
fn rules_check_rejects_a_rule_with_both_adjust_and_exclude() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(5, "adjust = 0.5\nexclude = true"));
    let lines = problem_lines(&out);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": adjust: ") && l.contains("not both")),
        "no `adjust: ... not both` problem{out}"
    );
}

#[test]
fn rules_check_reports_both_adjust_and_exclude_at_the_line_of_the_key() {
    let wd = Workdir::new();
    // adjust on line 5, exclude on line 6.
    let out = check_invalid(&wd, &one_rule_with(5, "adjust = 0.5\nexclude = true"));
    let at_adjust = "rules.toml:5: ";
    let at_exclude = "rules.toml:6: ";
    assert!(
        problem_lines(&out)
            .iter()
            .any(|l| (l.starts_with(at_adjust) || l.starts_with(at_exclude))
                && l.contains("not both")),
        "the problem is not on the line of adjust (5) or exclude (6){out}"
    );
}

#[test]
fn rules_check_reports_a_rule_with_neither_adjust_nor_exclude_at_the_rule() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(5, ""));
    // No key to point at: the rule's own line.
    out.assert_problem("rules.toml", 1, Some("adjust"), &["adjust", "exclude"]);
}

#[test]
fn rules_check_reports_bad_confidence_with_the_allowed_values() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(8, r#"confidence = "medium""#));
    out.assert_problem(
        "rules.toml",
        8,
        Some("confidence"),
        &["medium", "strong", "moderate", "weak"],
    );
}

#[test]
fn rules_check_reports_invalid_toml_at_the_line_of_the_error() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(5, "adjust = = 0.5"));
    out.assert_problem("rules.toml", 5, None, &[]);
    let text = one_rule_with(6, r#"reason = "{group.name} is boosted"#);
    let out = check_invalid(&wd, &text);
    out.assert_problem("rules.toml", 6, None, &[]);
}

#[test]
fn rules_check_reports_every_problem_of_a_file_at_its_line() {
    let wd = Workdir::new();
    let text = r#"[[rules]]
id = "a"
description = "d"
when = "person.stge == 'early'"
adjust = 0.5
reason = "r {group.nmae}"
cite = "k"
confidence = "medium"

[[rules]]
id = "a"
description = "d"
when = "person.readiness == 'high'"
exclude = true
reason = "r {group.name"
cite = "nokey"
confidence = "weak"

[[rules]]
id = "c"
description = "d"
when = "person.stage == 'erly'"
reason = "r"
cite = "k"
confidence = "weak"

[references]
k = "K"
"#;
    let out = check_invalid(&wd, text);
    let expected: [(u64, &str, &[&str]); 9] = [
        (4, "when", &["person.stge"]),
        (6, "reason", &["group.nmae"]),
        (8, "confidence", &["medium"]),
        (11, "id", &["'a'"]),
        (13, "when", &["a number", "a string"]),
        (15, "reason", &["not closed"]),
        (16, "cite", &["nokey"]),
        (19, "adjust", &["exclude"]),
        (22, "when", &["'erly'"]),
    ];
    for (line, field, words) in expected {
        out.assert_problem("rules.toml", line, Some(field), words);
    }
    assert_eq!(
        problem_lines(&out).len(),
        expected.len(),
        "one line per problem{out}"
    );
}

#[test]
fn rules_check_reports_an_unknown_field_together_with_the_other_problems() {
    let wd = Workdir::new();
    let text = one_rule_with(5, "adjsut = 0.5")
        .replace("'g1'", "'g1' and person.stge == 'early'")
        .replace(r#"cite = "local2026""#, r#"cite = "nokey""#);
    let out = check_invalid(&wd, &text);
    out.assert_problem("rules.toml", 5, None, &["adjsut"]);
    out.assert_problem("rules.toml", 4, Some("when"), &["person.stge"]);
    out.assert_problem("rules.toml", 7, Some("cite"), &["nokey"]);
}

// ---------------------------------------------------------------------------------------------
// rank and explain with an invalid rule file
// ---------------------------------------------------------------------------------------------

#[test]
fn rank_refuses_to_run_with_an_invalid_rule_file() {
    let wd = Workdir::new();
    wd.create(
        "bad.toml",
        one_rule_with(4, r#"when = "person.stge == 'early'""#),
    );
    let out = wd.run(["rank", "--rules", "bad.toml", "--now", NOW]);
    out.assert_code(2).assert_stdout_empty();
    out.assert_problem("bad.toml", 4, Some("when"), &["person.stge"]);
}

#[test]
fn explain_refuses_to_run_with_an_invalid_rule_file() {
    let wd = Workdir::new();
    wd.create("bad.toml", one_rule_with(7, r#"cite = "nokey""#));
    let (_, ranking) = rank_embedded(&wd, EXAMPLE_PERSON, &[]);
    let group = suggested_ids(&ranking)[0].clone();
    let out = wd.run([
        "explain",
        "--person",
        EXAMPLE_PERSON,
        "--group",
        &group,
        "--rules",
        "bad.toml",
        "--now",
        NOW,
    ]);
    out.assert_code(2).assert_stdout_empty();
    out.assert_problem("bad.toml", 7, Some("cite"), &["nokey"]);
}

// ---------------------------------------------------------------------------------------------
// Editing a rule file changes the ranking
// ---------------------------------------------------------------------------------------------

#[test]
fn editing_a_rule_file_moves_the_boosted_group_first_and_the_penalised_group_last() {
    let wd = Workdir::new();
    small_setup(&wd);
    let (_, model_only) = rank_small(&wd, &["--no-rules"]);
    let order = suggested_ids(&model_only);
    let eligible: BTreeSet<&str> = order.iter().map(String::as_str).collect();
    assert_eq!(eligible, BTreeSet::from(ELIGIBLE), "{model_only:#}");
    let second = order[1].clone();
    let others: Vec<String> = order.iter().filter(|id| **id != second).cloned().collect();
    let name_of = |v: &Value, id: &str| {
        suggestions(v)
            .iter()
            .find(|s| s["group_id"] == id)
            .map(|s| s["name"].as_str().expect("name").to_string())
            .expect("the group is suggested")
    };
    let name = name_of(&model_only, &second);

    for (adjust, expected) in [
        (3.0, [vec![second.clone()], others.clone()].concat()),
        (-3.0, [others.clone(), vec![second.clone()]].concat()),
    ] {
        wd.create(
            "local.toml",
            rule_on_group("local-move", &second, &format!("adjust = {adjust:.1}")),
        );
        wd.run(["rules", "check", "local.toml"]).assert_success();
        let (out, ranking) = rank_small(&wd, &["--rules", "local.toml"]);
        assert_eq!(suggested_ids(&ranking), expected, "adjust {adjust}{out}");
        assert_sum_invariant(&out, &ranking);
        for s in suggestions(&ranking) {
            let items = rule_items(s);
            if s["group_id"] != second.as_str() {
                assert!(items.is_empty(), "a rule fired on another group{out}");
                continue;
            }
            assert_eq!(items.len(), 1, "exactly the local rule fired{out}");
            let item = items[0];
            assert_eq!(item["id"], "local-move", "{out}");
            assert_eq!(
                item["text"].as_str(),
                Some(format!("Local policy about {name}").as_str()),
                "the reason's placeholder is filled in{out}"
            );
            assert_eq!(item["contribution"].as_f64(), Some(adjust), "{out}");
            assert_eq!(item["cite"].as_str(), Some(LOCAL_CITATION), "{out}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Precedence: eligibility, then model, then rules
// ---------------------------------------------------------------------------------------------

#[test]
fn exclude_rule_removes_an_eligible_group_and_lists_it_with_code_rule_and_its_reason() {
    let wd = Workdir::new();
    small_setup(&wd);
    wd.create(
        "local.toml",
        rule_on_group("local-exclude", "g2", "exclude = true"),
    );
    let (out, ranking) = rank_small(&wd, &["--rules", "local.toml"]);
    assert_eq!(suggested_ids(&ranking), ["g1", "g3"], "{out}");
    assert_eq!(ranking["eligible"], 2, "{out}");
    let reasons = excluded_entry(&ranking, "g2").unwrap_or_else(|| panic!("g2 not excluded{out}"));
    assert_eq!(reasons.len(), 1, "{out}");
    let (code, text) = &reasons[0];
    assert_eq!(code, "rule", "{out}");
    assert!(
        text.contains("Local policy about Beta Online"),
        "the reason is the rule's, filled in: {text:?}{out}"
    );
    // g4 is still out for its own reason.
    let g4 = excluded_entry(&ranking, "g4").unwrap_or_else(|| panic!("g4 not excluded{out}"));
    assert_eq!(
        g4.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["schedule"]
    );
}

#[test]
fn rule_with_large_adjust_cannot_make_an_ineligible_group_eligible() {
    let wd = Workdir::new();
    small_setup(&wd);
    wd.create(
        "local.toml",
        rule_on_group("local-boost", "g4", "adjust = 50.0"),
    );
    let (_, model_only) = rank_small(&wd, &["--no-rules"]);
    let before = excluded_entry(&model_only, "g4").expect("g4 is excluded without rules");
    let (out, ranking) = rank_small(&wd, &["--rules", "local.toml"]);
    assert!(
        !suggested_ids(&ranking).contains(&"g4".to_string()),
        "g4 was suggested{out}"
    );
    assert_eq!(ranking["eligible"], 3, "{out}");
    let after = excluded_entry(&ranking, "g4").unwrap_or_else(|| panic!("g4 not excluded{out}"));
    assert_eq!(after, before, "g4 keeps its original reasons{out}");
    assert_eq!(after[0].0, "schedule", "{out}");
    // And explain agrees: not eligible, no score, whatever the rule says.
    let out = wd.run([
        "explain",
        "--groups",
        "groups.csv",
        "--person",
        "person.json",
        "--group",
        "g4",
        "--rules",
        "local.toml",
        "--format",
        "json",
        "--now",
        NOW,
    ]);
    out.assert_success();
    let ex = out.json();
    assert_eq!(ex["eligible"], false, "{out}");
    assert!(ex["score"].is_null() && ex["logit"].is_null(), "{out}");
}

// ---------------------------------------------------------------------------------------------
// --no-rules and an empty rule file
// ---------------------------------------------------------------------------------------------

#[test]
fn no_rules_gives_explanations_without_rule_items() {
    let wd = Workdir::new();
    let (_, with_rules) = rank_embedded(&wd, EXAMPLE_PERSON, &[]);
    assert!(
        suggestions(&with_rules)
            .iter()
            .any(|s| !rule_items(s).is_empty()),
        "no default rule fires for the example person, so this test proves nothing"
    );
    for person in example_people() {
        let person = person.to_str().expect("UTF-8 path");
        let (out, ranking) = rank_embedded(&wd, person, &["--no-rules"]);
        for s in suggestions(&ranking) {
            assert!(
                rule_items(s).is_empty(),
                "{} has rule items{out}",
                s["group_id"]
            );
        }
        assert_sum_invariant(&out, &ranking);
    }
}

#[test]
fn rule_file_with_only_references_ranks_exactly_like_no_rules() {
    let wd = Workdir::new();
    wd.create(
        "empty.toml",
        "[references]\nlocal = \"Local policy (2026)\"\n",
    );
    wd.run(["rules", "check", "empty.toml"])
        .assert_success()
        .assert_stdout_contains("ok (0 rules)");
    for format in ["json", "table"] {
        let base = [
            "rank",
            "--person",
            EXAMPLE_PERSON,
            "--format",
            format,
            "--now",
            NOW,
            "--top",
            ALL,
            "--show-excluded",
        ];
        let none = wd.run(base.iter().chain(&["--no-rules"]));
        let empty = wd.run(base.iter().chain(&["--rules", "empty.toml"]));
        none.assert_success();
        empty.assert_success();
        assert!(none.stdout == empty.stdout, "outputs differ{none}{empty}");
    }
}

// ---------------------------------------------------------------------------------------------
// The default rules on the example people
// ---------------------------------------------------------------------------------------------

#[test]
fn default_rules_keep_the_sum_invariant_and_cite_every_fired_rule_for_every_example_person() {
    let wd = Workdir::new();
    let ids: BTreeSet<String> = default_rule_ids().into_iter().collect();
    let mut fired = 0;
    for person in example_people() {
        let person = person.to_str().expect("UTF-8 path");
        let (out, ranking) = rank_embedded(&wd, person, &[]);
        assert_sum_invariant(&out, &ranking);
        for s in suggestions(&ranking) {
            for item in rule_items(s) {
                fired += 1;
                let id = item["id"].as_str().unwrap_or_default();
                assert!(ids.contains(id), "unknown rule id {id:?}{out}");
                assert!(
                    item["cite"].as_str().is_some_and(|c| !c.trim().is_empty()),
                    "rule {id} on {} has no citation{out}",
                    s["group_id"]
                );
                assert!(
                    item["text"]
                        .as_str()
                        .is_some_and(|t| !t.is_empty() && !t.contains('{')),
                    "rule {id} has no rendered reason{out}"
                );
            }
        }
    }
    assert!(fired > 0, "no default rule fired for any example person");
}

// ---------------------------------------------------------------------------------------------
// rules list and rules facts
// ---------------------------------------------------------------------------------------------

#[test]
fn rules_list_md_equals_the_table_in_docs_rules_md() {
    let doc_path = repo_path("docs/rules.md");
    let doc = std::fs::read_to_string(&doc_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", doc_path.display()));
    let begin = "<!-- rules:begin -->";
    let end = "<!-- rules:end -->";
    let start = doc
        .find(begin)
        .unwrap_or_else(|| panic!("docs/rules.md lacks {begin}"))
        + begin.len();
    let stop = doc[start..]
        .find(end)
        .unwrap_or_else(|| panic!("docs/rules.md lacks {end} after {begin}"))
        + start;
    let table = doc[start..stop].trim();
    let wd = Workdir::new();
    let out = wd.run(["rules", "list", "--format", "md"]);
    out.assert_success();
    assert!(
        out.stdout().trim() == table,
        "docs/rules.md is out of date: regenerate the table between the markers with \
         `groupmatch rules list --format md`{out}\n---- docs/rules.md ----\n{table}"
    );
    // One row per default rule, under a header and its separator.
    assert_eq!(table.lines().count(), default_rule_ids().len() + 2, "{out}");
}

#[test]
fn rules_facts_lists_every_fact_the_default_rules_use() {
    let wd = Workdir::new();
    let out = wd.run(["rules", "facts"]);
    out.assert_success();
    let listed: BTreeSet<String> = out
        .stdout()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let mut used = BTreeSet::new();
    for rule in default_rules()["rules"].as_array().expect("[[rules]]") {
        let when = rule["when"].as_str().expect("when");
        for word in when.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
            if ["person.", "group.", "pair."]
                .iter()
                .any(|p| word.starts_with(p))
            {
                used.insert(word.to_string());
            }
        }
    }
    assert!(
        used.len() >= 5,
        "too few facts found in the default rules: {used:?}"
    );
    let missing: Vec<&String> = used.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "not listed by `rules facts`: {missing:?}{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// explain
// ---------------------------------------------------------------------------------------------

#[test]
fn explain_accounts_for_every_check_feature_and_rule_and_gives_the_ranked_score() {
    let wd = Workdir::new();
    let model: Value = serde_json::from_str(
        &std::fs::read_to_string(DEFAULT_MODEL).expect("read the default model"),
    )
    .expect("the default model is JSON");
    let model_features: Vec<&str> = model["features"]
        .as_array()
        .expect("features list")
        .iter()
        .map(|f| f.as_str().expect("feature name"))
        .collect();
    let rule_ids = default_rule_ids();
    let (rank_out, ranking) = rank_embedded(&wd, EXAMPLE_PERSON, &[]);
    // The first few suggestions, and the first one a rule adjusts.
    let mut picked: Vec<&Value> = suggestions(&ranking).iter().take(3).collect();
    let with_rule = suggestions(&ranking)
        .iter()
        .find(|s| !rule_items(s).is_empty())
        .unwrap_or_else(|| panic!("no suggestion has a rule item{rank_out}"));
    if !picked.contains(&with_rule) {
        picked.push(with_rule);
    }
    for s in picked {
        let group = s["group_id"].as_str().expect("group_id");
        let (out, ex) = explain_json(&wd, EXAMPLE_PERSON, group);
        assert_eq!(ex["group_id"], group, "{out}");
        assert_eq!(ex["eligible"], true, "{out}");

        let checks = ex["eligibility"].as_array().expect("eligibility array");
        let codes: Vec<&str> = checks
            .iter()
            .map(|c| c["code"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(codes, CHECKS, "{out}");
        assert!(checks.iter().all(|c| c["passed"] == true), "{out}");

        // The features about the person alone are listed apart; together, every model feature.
        let about = ex["about_the_person"]
            .as_array()
            .expect("about_the_person array");
        let about_ids: Vec<&str> = about
            .iter()
            .map(|f| f["id"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            about_ids,
            [
                "readiness",
                "self_efficacy",
                "low_social_support",
                "exploring",
                "warm_handoff"
            ],
            "{out}"
        );
        let features: &Vec<Value> = &ex["features"]
            .as_array()
            .expect("features array")
            .iter()
            .chain(about)
            .cloned()
            .collect();
        let mut ids: Vec<&str> = features
            .iter()
            .map(|f| f["id"].as_str().unwrap_or(""))
            .collect();
        ids.sort_by_key(|id| model_features.iter().position(|f| f == id));
        assert_eq!(ids, model_features, "one feature per model feature{out}");

        let rules = ex["rules"].as_array().expect("rules array");
        let ids: Vec<&str> = rules
            .iter()
            .map(|r| r["id"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(ids, rule_ids, "one entry per default rule{out}");
        assert!(rules.iter().all(|r| r["fired"].is_boolean()), "{out}");
        // The rules that fired are the rule items of the ranking, with the same terms.
        let fired: Vec<(&str, f64)> = rules
            .iter()
            .filter(|r| r["fired"] == true)
            .map(|r| {
                (
                    r["id"].as_str().unwrap(),
                    r["contribution"].as_f64().unwrap(),
                )
            })
            .collect();
        let mut ranked: Vec<(&str, f64)> = rule_items(s)
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap(),
                    r["contribution"].as_f64().unwrap(),
                )
            })
            .collect();
        ranked.sort_by_key(|(id, _)| rule_ids.iter().position(|r| r == id));
        assert_eq!(fired, ranked, "{out}{rank_out}");
        for r in rules.iter().filter(|r| r["fired"] == false) {
            assert_eq!(r["contribution"].as_f64(), Some(0.0), "{out}");
            assert!(
                r["inputs"].as_array().is_some_and(|i| !i.is_empty()),
                "an unfired rule shows the values that decided it{out}"
            );
        }

        let intercept = ex["intercept"].as_f64().expect("intercept");
        let sum = |items: &Vec<Value>| -> f64 {
            items
                .iter()
                .map(|i| i["contribution"].as_f64().expect("contribution"))
                .sum()
        };
        let logit = ex["logit"].as_f64().expect("logit");
        assert_abs_diff_eq!(
            intercept + sum(features) + sum(rules),
            logit,
            epsilon = 1e-9
        );
        let score = ex["score"].as_f64().expect("score");
        let ranked_score = s["score"].as_f64().expect("score");
        assert_abs_diff_eq!(score, ranked_score, epsilon = 1e-12);
    }
}

#[test]
fn explain_score_is_bit_identical_to_rank_when_several_rules_fire() {
    let wd = Workdir::new();
    let mut compared = 0;
    for person in example_people() {
        let person = person.to_str().expect("UTF-8 path");
        let (rank_out, ranking) = rank_embedded(&wd, person, &[]);
        for s in suggestions(&ranking)
            .iter()
            .filter(|s| rule_items(s).len() >= 2)
        {
            compared += 1;
            let (out, ex) = explain_json(&wd, person, s["group_id"].as_str().unwrap());
            assert_eq!(ex["logit"], s["logit"], "{out}{rank_out}");
            assert_eq!(ex["score"], s["score"], "{out}{rank_out}");
        }
    }
    assert!(compared > 0, "no suggestion has two fired rules");
}

#[test]
fn explain_ineligible_pair_has_no_score_and_shows_the_failed_check() {
    let wd = Workdir::new();
    small_setup(&wd);
    let args = |format: &'static str| {
        [
            "explain",
            "--groups",
            "groups.csv",
            "--person",
            "person.json",
            "--group",
            "g4",
            "--format",
            format,
            "--now",
            NOW,
        ]
    };
    let out = wd.run(args("json"));
    out.assert_success();
    let ex = out.json();
    assert_eq!(ex["eligible"], false, "{out}");
    assert!(ex["score"].is_null(), "{out}");
    let checks = ex["eligibility"].as_array().expect("eligibility array");
    assert_eq!(checks.len(), CHECKS.len(), "every check is shown{out}");
    for c in checks {
        if c["code"] == "schedule" {
            assert_eq!(c["passed"], false, "{out}");
            let reasons = c["reasons"].as_array().expect("reasons");
            assert!(
                reasons
                    .iter()
                    .any(|r| r.as_str().is_some_and(|t| !t.is_empty())),
                "the failed check has a reason{out}"
            );
        } else {
            assert_eq!(c["passed"], true, "{}{out}", c["code"]);
        }
    }
    let out = wd.run(args("table"));
    out.assert_success().assert_stdout_contains("not eligible");
}

#[test]
fn explain_unknown_group_exits_2_naming_the_id() {
    let wd = Workdir::new();
    let out = wd.run([
        "explain",
        "--person",
        EXAMPLE_PERSON,
        "--group",
        "no-such-group-42",
        "--now",
        NOW,
    ]);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("no-such-group-42");
}

/// A rule file whose one rule's condition (line 4) is `when`.
fn one_rule_when(when: &str) -> String {
    one_rule_with(4, &format!("when = \"{when}\""))
}

#[test]
fn rules_check_refuses_10000_nested_parentheses_without_crashing() {
    let wd = Workdir::new();
    let when = format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000));
    let out = check_invalid(&wd, &one_rule_when(&when));
    out.assert_problem(
        "rules.toml",
        4,
        Some("when"),
        &["bytes long", "at most 4096"],
    );
    // Deep but short enough to parse: refused for its depth.
    let when = format!("{}true{}", "(".repeat(1_000), ")".repeat(1_000));
    let out = check_invalid(&wd, &one_rule_when(&when));
    out.assert_problem("rules.toml", 4, Some("when"), &["nested more than 64 deep"]);
}

#[test]
fn rules_check_refuses_10000_chained_nots_without_crashing() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_when(&"not ".repeat(10_000)));
    out.assert_problem("rules.toml", 4, Some("when"), &["at most 4096"]);
    let out = check_invalid(
        &wd,
        &one_rule_when(&format!("{}true", "not ".repeat(1_000))),
    );
    out.assert_problem("rules.toml", 4, Some("when"), &["nested more than 64 deep"]);
}

#[test]
fn rank_refuses_200000_anded_conditions_without_crashing() {
    let wd = Workdir::new();
    let when = vec!["group.id == 'g1'"; 200_000].join(" and ");
    wd.create("long.toml", one_rule_when(&when));
    let out = wd.run(["rank", "--rules", "long.toml", "--now", NOW]);
    out.assert_code(2).assert_stdout_empty();
    out.assert_problem(
        "long.toml",
        4,
        Some("when"),
        &["bytes long", "at most 4096"],
    );
    let out = check_invalid(&wd, &one_rule_when(&when));
    out.assert_problem("rules.toml", 4, Some("when"), &["at most 4096"]);
}

#[test]
fn rules_check_refuses_a_rule_id_with_a_space_and_more_than_1000_rules() {
    let wd = Workdir::new();
    let out = check_invalid(&wd, &one_rule_with(2, r#"id = "boost g1""#));
    out.assert_problem("rules.toml", 2, Some("id"), &["whitespace", "no spaces"]);
    let rule = ONE_RULE.split("[references]").next().unwrap();
    let rules: String = (0..1001)
        .map(|i| rule.replace("boost-g1", &format!("r{i}")))
        .collect();
    let text = format!("{rules}[references]\nlocal2026 = \"Local policy (2026)\"\n");
    let out = check_invalid(&wd, &text);
    let line = 1 + 1000 * rule.matches('\n').count() as u64;
    out.assert_problem(
        "rules.toml",
        line,
        Some("rules"),
        &["1001 rules", "at most 1000"],
    );
}

#[test]
fn rules_check_refuses_a_rule_file_past_its_size_limit() {
    let wd = Workdir::new();
    let padding = format!("# {}\n", "x".repeat(1022)).repeat(9 * 1024);
    wd.create("big.toml", format!("{padding}{ONE_RULE}"));
    let out = wd.run(["rules", "check", "big.toml"]);
    out.assert_code(2)
        .assert_stdout_contains("big.toml: file is larger than 8 MiB");
}
