//! Integration tests of `groupmatch rank`: the built binary run on good and bad files, each in
//! its own temporary directory (so a test passing proves the embedded data, not the repository's
//! files, were used when no files are given).

mod util;

use std::collections::BTreeSet;

use approx::assert_abs_diff_eq;
use serde_json::Value;

use util::{
    example_people, read_json, small_person, Output, Workdir, EXAMPLE_PERSON, NOW,
    SMALL_GROUPS_CSV, SMALL_GROUPS_JSON,
};

/// The id of the example person `rank` falls back to.
const EXAMPLE_PERSON_ID: &str = "p-demo-01";

/// The embedded directory's source file.
const EMBEDDED_GROUPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/groups.csv");

/// The embedded model's source file.
const PRIOR_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/prior.json");
const DEFAULT_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/engagement.json");

/// Exclusion codes the JSON output may carry (docs/eligibility.md).
const EXCLUSION_CODES: &[&str] = &[
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

/// More suggestions than any directory here has groups: asks for the whole ranking.
const ALL: &str = "100000";

/// `rank --format json` for `person` against the embedded directory, for the whole ranking
/// unless `top` is given; checks the run succeeded.
fn rank_json(wd: &Workdir, person: &std::path::Path, top: &str) -> (Output, Value) {
    let out = wd.run([
        "rank".as_ref(),
        "--person".as_ref(),
        person.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--now".as_ref(),
        NOW.as_ref(),
        "--top".as_ref(),
        top.as_ref(),
    ]);
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

/// The excluded array of a ranking.
fn excluded(v: &Value) -> &Vec<Value> {
    v["excluded"].as_array().expect("excluded is an array")
}

/// The group ids of the suggestions, in rank order.
fn suggested_ids(v: &Value) -> Vec<String> {
    suggestions(v)
        .iter()
        .map(|s| s["group_id"].as_str().expect("group_id").to_string())
        .collect()
}

/// `group_id -> [reason codes]` of the excluded groups.
fn excluded_codes(v: &Value) -> Vec<(String, Vec<String>)> {
    excluded(v)
        .iter()
        .map(|e| {
            let codes = e["reasons"]
                .as_array()
                .expect("reasons is an array")
                .iter()
                .map(|r| r["code"].as_str().expect("code").to_string())
                .collect();
            (e["group_id"].as_str().expect("group_id").to_string(), codes)
        })
        .collect()
}

/// How many groups the embedded directory holds, according to `validate`.
fn embedded_group_count(wd: &Workdir) -> u64 {
    let out = wd.run(["validate", "--format", "json", EMBEDDED_GROUPS]);
    out.assert_success();
    let records = out.json()[0]["records"].as_u64();
    records.unwrap_or_else(|| panic!("no record count{out}"))
}

/// The table rows of suggestions: lines starting with a right-aligned rank number.
fn table_ranks(stdout: &str) -> Vec<usize> {
    stdout
        .lines()
        .filter_map(|l| {
            let head = l.get(..3)?;
            if l.get(3..5) == Some("  ") {
                head.trim().parse().ok()
            } else {
                None
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// rank: the table
// ---------------------------------------------------------------------------------------------

#[test]
fn rank_with_no_flags_at_all_ranks_the_embedded_example_person() {
    let wd = Workdir::new();
    let out = wd.run(["rank"]);
    out.assert_success()
        .assert_stdout_contains(&format!("Suggestions for {EXAMPLE_PERSON_ID}: "))
        .assert_stdout_contains("score: the chance of still attending the group at 90 days")
        .assert_stderr_contains("no --person given");
    let ranks = table_ranks(&out.stdout());
    assert_eq!(ranks, (1..=10).collect::<Vec<_>>(), "{out}");
}

#[test]
fn rank_without_files_prints_ranked_table_from_embedded_data_in_empty_dir() {
    let wd = Workdir::new();
    let out = wd.run(["rank", "--now", NOW]);
    out.assert_success();
    // Nothing was there to read: the directory, model and person are the embedded ones.
    let left: Vec<_> = std::fs::read_dir(wd.path()).unwrap().collect();
    assert!(left.is_empty(), "the working directory was not empty");
    let stdout = out.stdout();
    let mut lines = stdout.lines();
    let summary = lines.next().unwrap_or_default();
    assert!(
        summary.starts_with(&format!("Suggestions for {EXAMPLE_PERSON_ID}: 10 of "))
            && summary.ends_with(" eligible groups"),
        "summary line {summary:?}{out}"
    );
    let excluded = lines.next().unwrap_or_default();
    assert!(
        excluded.contains(" excluded: "),
        "exclusion line {excluded:?}{out}"
    );
    let header = lines.next().unwrap_or_default();
    for column in ["#", "score", "id", "group", "approach", "next", "travel"] {
        assert!(header.contains(column), "header lacks {column}{out}");
    }
    assert_eq!(table_ranks(&stdout), (1..=10).collect::<Vec<_>>(), "{out}");
    // Every suggestion is followed by where to go or how to join, then (after the cost, when
    // the directory gives one) an indented line of reasons with signed contributions.
    let all: Vec<&str> = stdout.lines().collect();
    for (i, line) in all.iter().enumerate() {
        if !table_ranks(line).is_empty() {
            let place = all.get(i + 1).copied().unwrap_or_default();
            assert!(
                ["in person: ", "online: ", "hybrid, "]
                    .iter()
                    .any(|l| place.starts_with(&format!("            {l}"))),
                "no place under {line:?}{out}"
            );
            let reasons = all[i + 2..]
                .iter()
                .take(2)
                .find(|l| !l.starts_with("            cost: "))
                .copied()
                .unwrap_or_default();
            assert!(
                reasons.starts_with("            ")
                    && (reasons.contains(" (+") || reasons.contains(" (-")),
                "no reasons under {line:?}{out}"
            );
        }
    }
}

#[test]
fn rank_with_person_file_matches_rank_without_person() {
    let wd = Workdir::new();
    let implicit = wd.run(["rank", "--now", NOW]);
    let explicit = wd.run(["rank", "--now", NOW, "--person", EXAMPLE_PERSON]);
    implicit.assert_success();
    explicit.assert_success();
    assert_eq!(implicit.stdout(), explicit.stdout(), "{implicit}{explicit}");
}

#[test]
fn rank_table_rows_fit_in_100_columns() {
    let wd = Workdir::new();
    for person in example_people() {
        let out = wd.run([
            "rank".as_ref(),
            "--person".as_ref(),
            person.as_os_str(),
            "--now".as_ref(),
            NOW.as_ref(),
        ]);
        out.assert_success();
        // The first line is the summary; see rank_table_summary_line_fits_in_100_columns.
        for line in out.stdout().lines().skip(1) {
            assert!(
                line.chars().count() <= 100,
                "{} characters: {line:?}{out}",
                line.chars().count()
            );
        }
    }
}

#[test]
fn rank_table_summary_line_fits_in_100_columns() {
    let wd = Workdir::new();
    for person in example_people() {
        let out = wd.run([
            "rank".as_ref(),
            "--person".as_ref(),
            person.as_os_str(),
            "--now".as_ref(),
            NOW.as_ref(),
        ]);
        out.assert_success();
        let stdout = out.stdout();
        let summary = stdout.lines().next().unwrap_or_default();
        assert!(
            summary.chars().count() <= 100,
            "{} characters: {summary:?}{out}",
            summary.chars().count()
        );
    }
}

#[test]
fn rank_top_limits_the_table_rows() {
    let wd = Workdir::new();
    for (top, rows) in [("3", 3), ("1", 1)] {
        let out = wd.run(["rank", "--now", NOW, "--top", top]);
        out.assert_success();
        assert_eq!(
            table_ranks(&out.stdout()),
            (1..=rows).collect::<Vec<_>>(),
            "{out}"
        );
        out.assert_stdout_contains(&format!(": {rows} of "));
    }
}

#[test]
fn rank_top_zero_does_not_claim_that_nothing_fits() {
    let wd = Workdir::new();
    let out = wd.run(["rank", "--now", NOW, "--top", "0"]);
    out.assert_stdout_lacks("No group fits every constraint");
}

#[test]
fn rank_show_excluded_lists_every_excluded_group_with_its_reasons() {
    let wd = Workdir::new();
    let (_, ranking) = rank_json(&wd, EXAMPLE_PERSON.as_ref(), "10");
    let plain = wd.run(["rank", "--now", NOW]);
    plain.assert_success().assert_stdout_lacks("Excluded:");
    let out = wd.run(["rank", "--now", NOW, "--show-excluded"]);
    out.assert_success().assert_stdout_contains("\nExcluded:\n");
    let stdout = out.stdout();
    let section = stdout.split("\nExcluded:\n").nth(1).unwrap_or_default();
    let rows: Vec<&str> = section.lines().filter(|l| !l.trim().is_empty()).collect();
    let expected = excluded_codes(&ranking);
    assert_eq!(
        rows.len(),
        expected.len(),
        "one row per excluded group{out}"
    );
    for (row, (id, codes)) in rows.iter().zip(&expected) {
        let mut words = row.split_whitespace();
        assert_eq!(words.next(), Some(id.as_str()), "row {row:?}{out}");
        for code in codes {
            assert!(
                row.contains(&format!("{code}: ")),
                "row {row:?} lacks {code}{out}"
            );
        }
    }
    // The suggestions part is unchanged by the flag.
    assert!(stdout.starts_with(&plain.stdout()), "{plain}{out}");
}

#[test]
fn rank_output_is_byte_identical_across_runs() {
    let wd = Workdir::new();
    for format in ["table", "json"] {
        let args = [
            "rank",
            "--now",
            NOW,
            "--format",
            format,
            "--show-excluded",
            "--top",
            ALL,
        ];
        let first = wd.run(args);
        let second = wd.run(args);
        first.assert_success();
        assert!(first.stdout == second.stdout, "runs differ{first}{second}");
    }
}

#[test]
fn rank_rejects_a_now_that_is_not_rfc3339() {
    let wd = Workdir::new();
    let out = wd.run(["rank", "--now", "next thursday"]);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("RFC 3339");
}

// ---------------------------------------------------------------------------------------------
// rank: the JSON contract, for every example person
// ---------------------------------------------------------------------------------------------

#[test]
fn rank_json_has_person_id_suggestions_and_excluded_for_every_example_person() {
    let wd = Workdir::new();
    for person in example_people() {
        let (out, v) = rank_json(&wd, &person, "10");
        let text = std::fs::read_to_string(&person).unwrap();
        let given: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["person_id"], given["id"], "{out}");
        for s in suggestions(&v) {
            for key in [
                "rank",
                "group_id",
                "name",
                "score",
                "logit",
                "intercept",
                "explanation",
            ] {
                assert!(s.get(key).is_some(), "suggestion lacks {key}{out}");
            }
            for e in s["explanation"].as_array().expect("explanation array") {
                let source = e["source"].as_str().unwrap_or_default();
                assert!(
                    ["model", "rule"].contains(&source),
                    "source {source:?}{out}"
                );
                for key in ["id", "text"] {
                    assert!(
                        e[key].as_str().is_some_and(|t| !t.is_empty()),
                        "explanation item lacks {key}{out}"
                    );
                }
                assert!(e["contribution"].is_f64(), "{out}");
            }
        }
        for e in excluded(&v) {
            let reasons = e["reasons"].as_array().expect("reasons array");
            assert!(!reasons.is_empty(), "excluded without a reason{out}");
            for r in reasons {
                let code = r["code"].as_str().unwrap_or_default();
                assert!(
                    EXCLUSION_CODES.contains(&code),
                    "unknown code {code:?}{out}"
                );
                assert!(
                    r["text"].as_str().is_some_and(|t| !t.is_empty()),
                    "reason without text{out}"
                );
            }
        }
    }
}

#[test]
fn rank_json_explanation_sums_to_logit_and_score_is_its_sigmoid() {
    let wd = Workdir::new();
    let mut checked = 0;
    for person in example_people() {
        let (out, v) = rank_json(&wd, &person, ALL);
        for s in suggestions(&v) {
            let logit = s["logit"].as_f64().expect("logit");
            let intercept = s["intercept"].as_f64().expect("intercept");
            let score = s["score"].as_f64().expect("score");
            // The terms about the person alone are apart from the explanation, and in the sum.
            let sum: f64 = ["about_the_person", "explanation"]
                .iter()
                .flat_map(|block| s[*block].as_array().expect("an array"))
                .map(|e| e["contribution"].as_f64().expect("contribution"))
                .sum();
            assert_abs_diff_eq!(intercept + sum, logit, epsilon = 1e-9);
            assert_abs_diff_eq!(score, 1.0 / (1.0 + (-logit).exp()), epsilon = 1e-12);
            assert!(score > 0.0 && score < 1.0, "{out}");
            checked += 1;
        }
    }
    assert!(checked > 0, "no suggestion was checked");
}

#[test]
fn rank_json_sorts_by_score_with_ties_by_group_id_and_ranks_from_one() {
    let wd = Workdir::new();
    let mut ties = 0;
    for person in example_people() {
        for top in ["10", ALL] {
            let (out, v) = rank_json(&wd, &person, top);
            let list = suggestions(&v);
            let ranks: Vec<u64> = list.iter().map(|s| s["rank"].as_u64().unwrap()).collect();
            assert_eq!(ranks, (1..=list.len() as u64).collect::<Vec<_>>(), "{out}");
            for pair in list.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                let (sa, sb) = (a["score"].as_f64().unwrap(), b["score"].as_f64().unwrap());
                assert!(sa >= sb, "{} before {}{out}", a["group_id"], b["group_id"]);
                if sa == sb {
                    ties += 1;
                    let (ia, ib) = (
                        a["group_id"].as_str().unwrap(),
                        b["group_id"].as_str().unwrap(),
                    );
                    assert!(ia < ib, "tie not broken by group id: {ia} before {ib}{out}");
                }
            }
        }
    }
    // The embedded directory has look-alike groups, so ties are really exercised.
    assert!(ties > 0, "no tied scores seen; the tie-break is untested");
}

#[test]
fn rank_json_never_suggests_an_excluded_group_and_accounts_for_every_group() {
    let wd = Workdir::new();
    let total = embedded_group_count(&wd);
    for person in example_people() {
        let (out, v) = rank_json(&wd, &person, ALL);
        let suggested: BTreeSet<String> = suggested_ids(&v).into_iter().collect();
        let excluded_ids: BTreeSet<String> =
            excluded_codes(&v).into_iter().map(|(id, _)| id).collect();
        assert_eq!(
            suggested.len(),
            suggestions(&v).len(),
            "duplicate suggestion{out}"
        );
        assert_eq!(
            excluded_ids.len(),
            excluded(&v).len(),
            "duplicate exclusion{out}"
        );
        assert!(
            suggested.is_disjoint(&excluded_ids),
            "a group is both suggested and excluded{out}"
        );
        assert_eq!(
            (suggested.len() + excluded_ids.len()) as u64,
            total,
            "{out}"
        );
        assert_eq!(
            v["eligible"].as_u64(),
            Some(suggested.len() as u64),
            "{out}"
        );
    }
}

#[test]
fn rank_top_returns_a_prefix_of_the_full_ranking() {
    let wd = Workdir::new();
    for person in example_people() {
        let (_, full) = rank_json(&wd, &person, ALL);
        for top in [1usize, 3, 10] {
            let (out, v) = rank_json(&wd, &person, &top.to_string());
            let n = suggestions(&full).len().min(top);
            assert_eq!(suggestions(&v).len(), n, "{out}");
            assert_eq!(suggestions(&v)[..], suggestions(&full)[..n], "{out}");
            assert_eq!(v["excluded"], full["excluded"], "{out}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// rank: custom directories and models
// ---------------------------------------------------------------------------------------------

#[test]
fn rank_uses_a_custom_groups_csv() {
    let wd = Workdir::new();
    wd.create("groups.csv", SMALL_GROUPS_CSV);
    wd.create(
        "p.json",
        small_person("p-small", r#""Mon 18:00-22:00", "Wed 18:00-22:00""#),
    );
    let out = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "p.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    out.assert_success();
    let v = out.json();
    assert_eq!(v["person_id"], "p-small", "{out}");
    let mut ids = suggested_ids(&v);
    ids.sort();
    assert_eq!(ids, ["t-near", "t-online"], "{out}");
    let codes = excluded_codes(&v);
    let expected = [
        ("t-far".to_string(), vec!["distance".to_string()]),
        ("t-full".to_string(), vec!["full".to_string()]),
        ("t-es".to_string(), vec!["language".to_string()]),
    ];
    assert_eq!(codes, expected, "excluded in directory order{out}");

    let table = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "p.json",
        "--now",
        NOW,
    ]);
    table
        .assert_success()
        .assert_stdout_contains("Suggestions for p-small: 2 of 2 eligible groups\n3 excluded: ")
        .assert_stdout_contains("Neighbourhood Step")
        .assert_stdout_contains("Evening SMART Online");
}

#[test]
fn rank_reads_a_groups_json_array_exactly_as_the_same_csv() {
    let wd = Workdir::new();
    wd.create("groups.csv", SMALL_GROUPS_CSV);
    wd.create("groups.json", SMALL_GROUPS_JSON);
    wd.create(
        "p.json",
        small_person("p-small", r#""Mon 18:00-22:00", "Wed 18:00-22:00""#),
    );
    let run = |groups: &str| {
        let out = wd.run([
            "rank", "--groups", groups, "--person", "p.json", "--now", NOW, "--format", "json",
        ]);
        out.assert_success();
        out
    };
    let from_csv = run("groups.csv");
    let from_json = run("groups.json");
    assert_eq!(suggestions(&from_json.json()).len(), 2, "{from_json}");
    assert!(
        from_csv.stdout == from_json.stdout,
        "CSV and JSON directories rank differently{from_csv}{from_json}"
    );
}

#[test]
fn rank_warns_about_an_unknown_groups_column_and_still_ranks() {
    let wd = Workdir::new();
    let typo = SMALL_GROUPS_CSV.replacen(",languages,", ",langauges,", 1);
    wd.create("groups.csv", typo);
    wd.create(
        "p.json",
        small_person("p-small", r#""Mon 18:00-22:00", "Wed 18:00-22:00""#),
    );
    let out = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "p.json",
        "--now",
        NOW,
    ]);
    out.assert_success()
        .assert_stderr_contains("warning: groups.csv:1: langauges: ")
        .assert_stderr_contains("did you mean 'languages'");
}

/// Six online groups alike but for their cost, as directories write it: unknown, free, a
/// donation, a sliding scale, insurance, $40 and a word that is not a cost.
const COST_GROUPS_CSV: &str = "id,name,approach,format,sessions,timezone,cost
c-unknown,Cost Unknown,smart_recovery,online,Mon 19:00-20:00,America/New_York,
c-free,Cost Free,smart_recovery,online,Mon 19:00-20:00,America/New_York,free
c-donation,Cost Donation,smart_recovery,online,Mon 19:00-20:00,America/New_York,donation
c-sliding,Cost Sliding,smart_recovery,online,Mon 19:00-20:00,America/New_York,sliding_scale
c-insurance,Cost Insurance,smart_recovery,online,Mon 19:00-20:00,America/New_York,insurance
c-fee,Cost Fee,smart_recovery,online,Mon 19:00-20:00,America/New_York,$40
c-banana,Cost Banana,smart_recovery,online,Mon 19:00-20:00,America/New_York,banana
";

#[test]
fn a_person_who_cannot_pay_is_not_offered_a_group_with_a_fee_and_scores_do_not_change() {
    let wd = Workdir::new();
    wd.create("groups.csv", COST_GROUPS_CSV);
    let person = small_person("p-cost", r#""Mon 18:00-22:00""#);
    wd.create("pays.json", &person);
    let cannot = person.replacen("\"languages\"", "\"can_pay\": false,\n  \"languages\"", 1);
    wd.create("cannot-pay.json", cannot);
    let rank = |person: &str| {
        let out = wd.run([
            "rank",
            "--groups",
            "groups.csv",
            "--person",
            person,
            "--now",
            NOW,
            "--format",
            "json",
            "--top",
            ALL,
        ]);
        out.assert_success()
            .assert_stderr_contains("warning: groups.csv:8: cost: 'banana' is not a cost");
        out.json()
    };
    let scores = |v: &Value| -> Vec<(String, f64)> {
        let mut s: Vec<(String, f64)> = suggestions(v)
            .iter()
            .map(|s| {
                (
                    s["group_id"].as_str().unwrap().into(),
                    s["score"].as_f64().unwrap(),
                )
            })
            .collect();
        s.sort_by(|a, b| a.0.cmp(&b.0));
        s
    };
    let pays = rank("pays.json");
    assert_eq!(suggestions(&pays).len(), 7, "{pays}");
    let cost_of = |v: &Value, id: &str| {
        let s = suggestions(v).iter().find(|s| s["group_id"] == id).unwrap();
        s.get("cost").cloned()
    };
    assert_eq!(cost_of(&pays, "c-fee"), Some("$40".into()));
    assert_eq!(cost_of(&pays, "c-sliding"), Some("sliding_scale".into()));
    assert_eq!(cost_of(&pays, "c-unknown"), None, "left out when unknown");
    assert_eq!(cost_of(&pays, "c-banana"), None, "left out when unknown");

    let cannot = rank("cannot-pay.json");
    let mut offered = suggested_ids(&cannot);
    offered.sort();
    assert_eq!(
        offered,
        [
            "c-banana",
            "c-donation",
            "c-free",
            "c-insurance",
            "c-sliding",
            "c-unknown"
        ]
    );
    assert_eq!(
        excluded(&cannot)[0]["reasons"],
        serde_json::json!([{"code": "cost", "text": "a fee of $40 a session; you cannot pay"}])
    );
    let mut unchanged = scores(&pays);
    unchanged.retain(|(id, _)| id != "c-fee");
    assert_eq!(scores(&cannot), unchanged, "can_pay changes no score");

    let table = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "pays.json",
        "--now",
        NOW,
        "--top",
        ALL,
    ]);
    table
        .assert_success()
        .assert_stdout_contains("\n            cost: $40 a session\n")
        .assert_stdout_contains("\n            cost: on a sliding scale\n")
        .assert_stdout_contains("\n            cost: billed to insurance\n");
    let explain = wd.run([
        "explain",
        "--groups",
        "groups.csv",
        "--person",
        "cannot-pay.json",
        "--group",
        "c-fee",
        "--now",
        NOW,
    ]);
    explain
        .assert_success()
        .assert_stdout_contains("  FAIL  cost             a fee of $40 a session; you cannot pay\n")
        .assert_stdout_contains("\nBefore going\n            cost: $40 a session\n");
}

#[test]
fn rank_warns_about_an_unknown_person_field_and_still_ranks() {
    let wd = Workdir::new();
    let person = std::fs::read_to_string(EXAMPLE_PERSON).unwrap().replacen(
        "\"max_travel_km\"",
        "\"max_travel_kms\"",
        1,
    );
    wd.create("p.json", person);
    let out = wd.run(["rank", "--person", "p.json", "--now", NOW]);
    out.assert_success()
        .assert_stderr_contains("max_travel_kms: ")
        .assert_stderr_contains("did you mean 'max_travel_km'");
}

#[test]
fn rank_with_nothing_eligible_exits_1_with_empty_list_and_exclusion_summary() {
    let wd = Workdir::new();
    wd.create("groups.csv", SMALL_GROUPS_CSV);
    // Available only in the small hours of Sunday: no session of the directory fits.
    wd.create("p.json", small_person("p-night", r#""Sun 03:00-04:00""#));
    let table = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "p.json",
        "--now",
        NOW,
    ]);
    table
        .assert_code(1)
        .assert_stdout_contains("Suggestions for p-night: 0 of 0 eligible groups\n5 excluded: ")
        .assert_stdout_contains("5 schedule")
        .assert_stdout_contains("1 distance")
        .assert_stdout_contains("1 language")
        .assert_stdout_contains("1 full")
        .assert_stdout_contains("No group fits every constraint");
    assert!(table_ranks(&table.stdout()).is_empty(), "{table}");

    let json = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "p.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    json.assert_code(1);
    let v = json.json();
    assert!(suggestions(&v).is_empty(), "{json}");
    assert_eq!(excluded(&v).len(), 5, "{json}");
    assert!(
        excluded_codes(&v)
            .iter()
            .all(|(_, codes)| codes.iter().any(|c| c == "schedule")),
        "{json}"
    );
}

/// An online group in Los Angeles meeting Friday 20:00-21:00 (Friday 23:00-24:00 in New York).
const LA_GROUP_CSV: &str = "\
id,name,approach,format,sessions,timezone
la-fri,Pacific Friday Night,smart_recovery,online,Fri 20:00-21:00,America/Los_Angeles
";

/// A New York person who wants online groups, available in `window`.
fn new_york_person(window: &str) -> String {
    format!(
        r#"{{"id": "p-ny", "stage": "first_year", "approach_preference": "no_preference",
  "format_preference": "online", "availability": ["{window}"], "timezone": "America/New_York"}}"#
    )
}

#[test]
fn schedule_admits_online_group_from_other_zone_when_converted_session_fits() {
    let wd = Workdir::new();
    wd.create("groups.csv", LA_GROUP_CSV);
    wd.create("p.json", new_york_person("Fri 22:30-24:00"));
    // In winter (both zones on standard time) and in summer (both on daylight time).
    for (now, next) in [
        (NOW, "Fri 27 Nov 23:00"),
        ("2026-07-09T12:00:00Z", "Fri 10 Jul 23:00"),
    ] {
        let out = wd.run([
            "rank",
            "--groups",
            "groups.csv",
            "--person",
            "p.json",
            "--now",
            now,
            "--format",
            "json",
        ]);
        out.assert_success();
        let v = out.json();
        assert_eq!(suggested_ids(&v), ["la-fri"], "{out}");
        // The next session is shown as a date and time in the person's own zone.
        assert_eq!(v["suggestions"][0]["next_session"], next, "{out}");
    }
}

#[test]
fn schedule_excludes_online_group_from_other_zone_when_converted_session_falls_outside() {
    let wd = Workdir::new();
    wd.create("groups.csv", LA_GROUP_CSV);
    // Friday 19:00-22:00 in New York holds the Los Angeles session's local time, not its instant.
    wd.create("p.json", new_york_person("Fri 19:00-22:00"));
    let out = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "p.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    out.assert_code(1);
    let v = out.json();
    assert!(suggestions(&v).is_empty(), "{out}");
    assert_eq!(
        excluded_codes(&v),
        [("la-fri".to_string(), vec!["schedule".to_string()])],
        "{out}"
    );
    let text = v["excluded"][0]["reasons"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("America/Los_Angeles"),
        "reason names the group's zone{out}"
    );
}

#[test]
fn rank_uses_the_embedded_default_model_and_accepts_the_prior_file() {
    let wd = Workdir::new();
    let embedded = wd.run(["rank", "--now", NOW, "--format", "json"]);
    let default_file = wd.run([
        "rank",
        "--now",
        NOW,
        "--format",
        "json",
        "--model",
        DEFAULT_MODEL,
    ]);
    let prior = wd.run([
        "rank",
        "--now",
        NOW,
        "--format",
        "json",
        "--model",
        PRIOR_MODEL,
    ]);
    embedded.assert_success();
    default_file.assert_success();
    prior.assert_success();
    assert!(
        embedded.stdout == default_file.stdout,
        "{embedded}{default_file}"
    );
    assert!(
        embedded.stdout != prior.stdout,
        "the prior scores differently{prior}"
    );
    let v = prior.json();
    assert_eq!(
        v["suggestions"][0]["intercept"].as_f64(),
        Some(-0.45),
        "{prior}"
    );
}

#[test]
fn rank_refuses_a_model_whose_features_differ() {
    let wd = Workdir::new();
    let mut model: Value =
        serde_json::from_str(&std::fs::read_to_string(PRIOR_MODEL).unwrap()).unwrap();
    let features = model["features"].as_array_mut().expect("features array");
    let renamed = features
        .iter_mut()
        .find(|f| *f == "readiness")
        .expect("the prior model has a readiness feature");
    *renamed = Value::from("readyness");
    wd.create("model.json", serde_json::to_string_pretty(&model).unwrap());
    let out = wd.run(["rank", "--now", NOW, "--model", "model.json"]);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("model.json")
        .assert_stderr_contains("feature schema")
        .assert_stderr_contains("readyness");
}

#[test]
fn rank_with_a_bad_person_exits_2_naming_file_line_and_field_with_no_output() {
    let wd = Workdir::new();
    let person = std::fs::read_to_string(EXAMPLE_PERSON)
        .unwrap()
        .replacen("\"early\"", "\"earlyish\"", 1)
        .replacen("\"latitude\": 39.9526", "\"latitude\": 123", 1);
    wd.create("bad.json", person);
    for format in ["table", "json"] {
        let out = wd.run([
            "rank", "--person", "bad.json", "--now", NOW, "--format", format,
        ]);
        out.assert_code(2).assert_stdout_empty();
        out.assert_problem("bad.json", 3, Some("stage"), &["'earlyish'", "allowed: "]);
        out.assert_problem("bad.json", 13, Some("latitude"), &["123"]);
    }
}

#[test]
fn rank_with_a_bad_groups_file_exits_2_naming_file_line_and_field_with_no_output() {
    let wd = Workdir::new();
    wd.create(
        "groups.csv",
        SMALL_GROUPS_CSV.replacen("Mon 18:30-19:30", "Mon 18:30-25:00", 1),
    );
    wd.create("p.json", small_person("p-small", r#""Mon 18:00-22:00""#));
    let out = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "p.json",
        "--now",
        NOW,
    ]);
    out.assert_code(2).assert_stdout_empty();
    out.assert_problem("groups.csv", 3, Some("sessions"), &["25:00"]);
}

#[test]
fn rank_with_a_missing_person_file_exits_2_naming_it() {
    let wd = Workdir::new();
    let out = wd.run(["rank", "--person", "nobody.json"]);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("nobody.json");
}

#[test]
fn rank_with_a_missing_person_file_states_the_os_error_once() {
    let wd = Workdir::new();
    let out = wd.run(["rank", "--person", "nobody.json"]);
    assert_eq!(out.stderr().matches("os error").count(), 1, "{out}");
}

#[test]
fn rank_rejects_an_empty_groups_file() {
    let wd = Workdir::new();
    wd.create("groups.csv", "");
    let out = wd.run(["rank", "--groups", "groups.csv", "--now", NOW]);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("groups.csv: file is empty");
}

#[test]
fn a_family_member_is_offered_family_groups_only_and_craft_first_when_the_aim_is_treatment() {
    let wd = Workdir::new();
    let family = util::repo_path("data/people/family-member-craft.json");
    let (out, v) = rank_json(&wd, &family, ALL);
    let approaches: Vec<&str> = suggestions(&v)
        .iter()
        .map(|s| s["approach"].as_str().expect("approach"))
        .collect();
    assert!(!approaches.is_empty(), "{out}");
    assert!(
        approaches
            .iter()
            .all(|a| ["family_support", "craft"].contains(a)),
        "{approaches:?}{out}"
    );
    assert_eq!(approaches[0], "craft", "{out}");
    let rules = |s: &Value| -> Vec<String> {
        s["explanation"]
            .as_array()
            .expect("explanation")
            .iter()
            .filter(|e| e["source"] == "rule")
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        rules(&suggestions(&v)[0]),
        ["craft-when-the-aim-is-treatment-entry"],
        "{out}"
    );
    // Wanting support for themselves only, no rule prefers CRAFT.
    let mut person: Value =
        serde_json::from_str(&std::fs::read_to_string(&family).unwrap()).unwrap();
    person["family_aim"] = "own_support".into();
    let own = wd.create("own.json", person.to_string());
    let (out, v) = rank_json(&wd, &own, ALL);
    assert!(suggestions(&v).iter().all(|s| rules(s).is_empty()), "{out}");
    // The people in recovery in the examples are offered no group that serves only families.
    let mut directory = csv::Reader::from_path(EMBEDDED_GROUPS).unwrap();
    let serves = directory
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "serves");
    let families_only: BTreeSet<String> = directory
        .records()
        .map(|r| r.unwrap())
        .filter(|r| {
            let cell = &r[serves.unwrap()];
            cell == "family" || (cell.is_empty() && ["family_support", "craft"].contains(&&r[2]))
        })
        .map(|r| r[0].to_string())
        .collect();
    assert!(families_only.len() >= 10, "{families_only:?}");
    for p in example_people() {
        let (out, v) = rank_json(&wd, &p, ALL);
        if v["person_id"] == "p-demo-08" {
            continue;
        }
        let offered = suggested_ids(&v);
        assert!(
            offered.iter().all(|id| !families_only.contains(id)),
            "{out}"
        );
    }
}

#[test]
fn a_flagged_risk_puts_where_to_go_now_before_any_group_in_rank_and_explain() {
    let wd = Workdir::new();
    let at_risk = util::repo_path("data/people/recent-overdose.json");
    let person = at_risk.to_str().unwrap();
    let table = wd.run(["rank", "--person", person, "--now", NOW]);
    table.assert_success();
    let text = table.stdout();
    assert!(
        text.starts_with("SAFETY FIRST\n  In immediate danger: call 911"),
        "{table}"
    );
    let safety = text.find("naloxone").expect("overdose advice");
    assert!(safety < text.find("Suggestions for").unwrap(), "{table}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{table}");
    let (out, v) = rank_json(&wd, &at_risk, "3");
    let first_key = out
        .stdout()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(first_key.starts_with("\"safety_first\""), "{out}");
    assert_eq!(v["safety_first"].as_array().unwrap().len(), 3, "{out}");
    let explained = wd.run([
        "explain",
        "--person",
        person,
        "--group",
        suggested_ids(&v)[0].as_str(),
        "--now",
        NOW,
    ]);
    explained.assert_success();
    assert!(
        explained.stdout().starts_with("SAFETY FIRST\n"),
        "{explained}"
    );
    // Without a flag, nothing is added: the JSON has no such key and the table starts as ever.
    for p in example_people() {
        let (out, v) = rank_json(&wd, &p, "1");
        if v["person_id"] == "p-demo-09" {
            continue;
        }
        assert!(v.get("safety_first").is_none(), "{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// honest words: what the score is, and the terms about the person apart
// ---------------------------------------------------------------------------------------------

/// The model features about the person alone, the same for every group.
const PERSON_LEVEL: [&str; 4] = [
    "readiness",
    "self_efficacy",
    "low_social_support",
    "exploring",
];

/// The texts and ids of a suggestion's `block` (`explanation` or `about_the_person`).
fn items<'v>(s: &'v Value, block: &str) -> Vec<(&'v str, &'v str)> {
    s[block]
        .as_array()
        .unwrap_or_else(|| panic!("{block} is an array"))
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e["text"].as_str().unwrap()))
        .collect()
}

#[test]
fn the_table_and_json_say_what_the_score_is_estimated_from() {
    let wd = Workdir::new();
    let table = wd.run(["rank", "--now", NOW]);
    table.assert_success();
    let text = table.stdout();
    // Footer: the last lines, word-wrapped within the table's width.
    let footer = &text[text.rfind("\nscore: ").expect("a score footer") + 1..];
    assert_eq!(
        footer.split_whitespace().collect::<Vec<_>>().join(" "),
        "score: the chance of still attending the group at 90 days, estimated from a simulation, \
         not from real outcomes; not a promise about recovery."
    );
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{table}");
    let (out, v) = rank_json(&wd, std::path::Path::new(EXAMPLE_PERSON), "3");
    assert_eq!(v["score_basis"]["provenance"], "simulation", "{out}");
    assert!(
        v["score_basis"]["text"]
            .as_str()
            .unwrap()
            .contains("estimated from a simulation"),
        "{out}"
    );
    // The hand-set prior says so.
    let prior = wd.run([
        "rank",
        "--model",
        PRIOR_MODEL,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    prior.assert_success();
    assert_eq!(prior.json()["score_basis"]["provenance"], "hand_set");
    wd.run(["rank", "--model", PRIOR_MODEL, "--now", NOW])
        .assert_stdout_contains("set by hand from published")
        .assert_stdout_lacks("simulation");
    // A model file from before the field is still read, and says that it does not say.
    let old = std::fs::read_to_string(DEFAULT_MODEL)
        .unwrap()
        .replace("  \"provenance\": \"simulation\",\n", "");
    wd.create("old.json", old);
    let unstated = wd.run([
        "rank", "--model", "old.json", "--now", NOW, "--format", "json",
    ]);
    unstated.assert_success();
    let basis = &unstated.json()["score_basis"];
    assert!(basis["provenance"].is_null(), "{unstated}");
    assert!(
        basis["text"].as_str().unwrap().contains("does not say"),
        "{unstated}"
    );
}

#[test]
fn for_a_family_member_the_score_is_their_own_attendance_not_anyone_s_recovery() {
    let wd = Workdir::new();
    let family = util::repo_path("data/people/family-member-craft.json");
    let out = wd.run(["rank", "--person", family.to_str().unwrap(), "--now", NOW]);
    out.assert_success();
    let text = out
        .stdout()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(
            "score: the chance that the family member is still attending the group at 90 days"
        ),
        "{out}"
    );
    assert!(
        text.ends_with("not a promise about their loved one's recovery."),
        "{out}"
    );
    let (out, v) = rank_json(&wd, &family, "1");
    let basis = v["score_basis"]["text"].as_str().unwrap();
    assert!(basis.contains("family member"), "{out}");
    let explained = wd.run([
        "explain",
        "--person",
        family.to_str().unwrap(),
        "--group",
        suggested_ids(&v)[0].as_str(),
        "--now",
        NOW,
    ]);
    explained.assert_success();
    let text = explained
        .stdout()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("the family member is still attending"),
        "{explained}"
    );
}

#[test]
fn terms_about_the_person_are_never_among_the_reasons_about_a_group() {
    let wd = Workdir::new();
    let mut seen = BTreeSet::new();
    for person in example_people() {
        let (out, v) = rank_json(&wd, &person, ALL);
        let given: Value =
            serde_json::from_str(&std::fs::read_to_string(&person).unwrap()).unwrap();
        let online_only = given["format_preference"] == "online";
        let about_person =
            |id: &str| PERSON_LEVEL.contains(&id) || (online_only && id == "online_attendance");
        let first = suggestions(&v)
            .first()
            .map(|s| s["about_the_person"].clone());
        for s in suggestions(&v) {
            for (id, _) in items(s, "explanation") {
                assert!(!about_person(id), "{id} among the group's reasons{out}");
            }
            for (id, _) in items(s, "about_the_person") {
                assert!(about_person(id), "{id} is about the group{out}");
                seen.insert(id.to_string());
            }
            // The same for every group.
            assert_eq!(Some(&s["about_the_person"]), first.as_ref(), "{out}");
        }
        // The table shows them once, in their own block, in words only.
        let table = wd.run(["rank", "--person", person.to_str().unwrap(), "--now", NOW]);
        let text = table.stdout();
        let about = first
            .as_ref()
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        assert_eq!(text.contains("\nAbout you ("), about, "{table}");
        if let Some(at) = text.find("\nAbout you (") {
            let (reasons, block) = text.split_at(at);
            for (_, t) in items(&suggestions(&v)[0], "about_the_person") {
                assert!(!reasons.contains(t), "{t:?} among the reasons{table}");
                let line = block.lines().find(|l| l.contains(t)).expect("shown");
                assert!(!line.contains("(-") && !line.contains("(+"), "{table}");
            }
        }
    }
    // The examples exercise every kind of term about the person.
    for id in ["readiness", "self_efficacy", "online_attendance"] {
        assert!(seen.contains(id), "no example person has {id}: {seen:?}");
    }
}

/// Whether `text` holds a word written like an internal code: letters joined by `_`.
fn has_snake_case(text: &str) -> Option<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| {
            let parts: Vec<&str> = w.split('_').collect();
            parts.len() > 1 && parts.iter().all(|p| !p.is_empty())
        })
}

#[test]
fn no_rendered_reason_holds_an_internal_code() {
    let wd = Workdir::new();
    let mut checked = 0;
    for model in [DEFAULT_MODEL, PRIOR_MODEL] {
        for person in example_people() {
            let out = wd.run([
                "rank".as_ref(),
                "--person".as_ref(),
                person.as_os_str(),
                "--model".as_ref(),
                model.as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
                "--now".as_ref(),
                NOW.as_ref(),
                "--top".as_ref(),
                ALL.as_ref(),
            ]);
            out.assert_success();
            let v = out.json();
            for s in suggestions(&v) {
                for block in ["explanation", "about_the_person"] {
                    for (id, text) in items(s, block) {
                        assert_eq!(has_snake_case(text), None, "{id}: {text:?}{out}");
                        checked += 1;
                    }
                }
            }
            let basis = v["score_basis"]["text"].as_str().unwrap();
            assert_eq!(has_snake_case(basis), None, "{basis}");
        }
    }
    assert!(checked > 100, "only {checked} reasons checked");
    assert_eq!(
        has_snake_case("twelve_step helped you before"),
        Some("twelve_step")
    );
    assert_eq!(has_snake_case("a 12-step group; __init__"), None);
}

#[test]
fn explain_takes_a_group_by_name_lists_the_ids_of_a_shared_name_and_suggests_on_a_miss() {
    let wd = Workdir::new();
    let explain = |group: &str| {
        wd.run([
            "explain",
            "--person",
            EXAMPLE_PERSON,
            "--group",
            group,
            "--now",
            NOW,
        ])
    };
    explain("center city smart recovery")
        .assert_success()
        .assert_stdout_contains("and smart-001 (Center City SMART Recovery)");
    explain("Weekenders")
        .assert_code(2)
        .assert_stderr_contains("2 groups are called 'Weekenders': ")
        .assert_stderr_contains("; give one of these ids");
    explain("Center City SMART")
        .assert_code(2)
        .assert_stderr_contains("no group has the id or name 'Center City SMART' in the directory; closest: smart-001 'Center City SMART Recovery'");
}

#[test]
fn each_suggestion_says_where_to_go_how_to_join_what_it_costs_and_its_seats() {
    let wd = Workdir::new();
    // A hostile address: the reader replaces its control character (with a warning), and none
    // reaches the terminal.
    wd.create(
        "groups.json",
        r#"[
  {"id": "t-room", "name": "Room Group", "approach": "cbt", "format": "in_person",
   "sessions": ["Mon 18:30-19:30", "Thu 18:30-19:30"], "timezone": "America/New_York",
   "latitude": 39.95, "longitude": -75.16, "city": "Philadelphia",
   "address": "12 Main St\u001b[31m, Philadelphia", "phone": "(215) 555-0100",
   "newcomer_contact": "call Sam", "capacity": 12, "enrolled": 8, "cost": "$20"},
  {"id": "t-link", "name": "Link Group", "approach": "smart_recovery", "format": "online",
   "sessions": ["Mon 19:00-20:00"], "timezone": "America/Chicago",
   "join_url": "https://example.org/join/t-link", "url": "https://example.org/"}
]"#,
    );
    wd.create("p.json", small_person("p", r#""Mon-Fri 5pm-10pm""#));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "rank",
            "--groups",
            "groups.json",
            "--person",
            "p.json",
            "--now",
            NOW,
        ];
        args.extend_from_slice(extra);
        wd.run(args)
    };
    let json = run(&["--format", "json"]);
    json.assert_success();
    let v = json.json();
    let room = &v["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group_id"] == "t-room")
        .unwrap();
    assert_eq!(room["address"], "12 Main St\u{fffd}[31m, Philadelphia");
    assert_eq!(room["city"], "Philadelphia");
    assert_eq!(room["phone"], "(215) 555-0100");
    assert_eq!(room["newcomer_contact"], "call Sam");
    assert_eq!(room["open_seats"], 4);
    assert_eq!(room["capacity"], 12);
    assert_eq!(
        room["sessions"],
        serde_json::json!(["Mon 18:30-19:30", "Thu 18:30-19:30"])
    );
    assert_eq!(room["timezone"], "America/New_York");
    let link = &v["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group_id"] == "t-link")
        .unwrap();
    assert_eq!(link["join_url"], "https://example.org/join/t-link");
    assert!(link["open_seats"].is_null(), "no capacity: no limit");
    assert!(link.get("address").is_none());

    let table = run(&[]);
    table
        .assert_success()
        .assert_stdout_contains("            in person: 12 Main St\u{fffd}[31m, Philadelphia\n")
        .assert_stdout_contains("            cost: $20 a session; 4 of 12 seats open\n")
        .assert_stdout_contains("            online: https://example.org/join/t-link\n")
        .assert_stdout_lacks("sessions: ")
        .assert_stdout_lacks("\u{1b}");
    let wide = run(&["--wide"]);
    wide.assert_success()
        .assert_stdout_contains(
            "            sessions: Mon 18:30-19:30, Thu 18:30-19:30 (America/New_York time)\n",
        )
        .assert_stdout_contains("            phone: (215) 555-0100\n")
        .assert_stdout_contains("            contact: call Sam\n")
        .assert_stdout_contains("            web: https://example.org/\n")
        .assert_stdout_lacks("\u{1b}");
}

/// The flags of a person given on the command line, and the same person as a file.
const FLAG_PERSON: &[&str] = &[
    "--stage",
    "first_year",
    "--prefers",
    "secular",
    "--attend",
    "either",
    "--near",
    "39.9526,-75.1652",
    "--within",
    "10km",
    "--available",
    "Mon-Fri 5:30pm-10pm",
    "--available",
    "weekend mornings",
    "--language",
    "en,es",
    "--gender",
    "woman",
    "--gender-specific",
    "preferred",
    "--age",
    "34",
    "--needs",
    "childcare",
    "--substance",
    "alcohol",
    "--readiness",
    "7",
    "--prior",
    "twelve_step:disliked",
];

const FILE_PERSON: &str = r#"{
  "id": "ID", "stage": "first_year", "approach_preference": "secular",
  "format_preference": "either", "latitude": 39.9526, "longitude": -75.1652,
  "max_travel_km": 10, "timezone": "America/New_York",
  "availability": ["Mon 17:30-22:00", "Tue 17:30-22:00", "Wed 17:30-22:00",
                   "Thu 17:30-22:00", "Fri 17:30-22:00", "Sat 06:00-12:00", "Sun 06:00-12:00"],
  "languages": ["en", "es"], "gender": "woman", "gender_specific": "preferred", "age": 34,
  "needs": ["childcare"], "substances": ["alcohol"], "readiness": 7,
  "prior": [{"approach": "twelve_step", "outcome": "disliked"}]
}"#;

#[test]
fn a_person_from_flags_ranks_byte_for_byte_as_the_same_person_from_a_file() {
    let wd = Workdir::new();
    let rank = |extra: &[&str]| {
        let mut args = vec!["rank", "--now", NOW, "--format", "json", "--top", "5"];
        args.extend_from_slice(extra);
        let out = wd.run(&args);
        out.assert_success();
        out.stdout
    };
    let mut flags = FLAG_PERSON.to_vec();
    flags.extend(["--save-person", "saved.json"]);
    let from_flags = rank(&flags);
    // The pseudonymous id is the same for the same flags, and the saved file ranks the same.
    assert_eq!(rank(FLAG_PERSON), from_flags);
    let saved = read_json(&wd, "saved.json");
    let id = saved["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("p-") && id.len() == 14, "{id}");
    assert_eq!(rank(&["--person", "saved.json"]), from_flags);
    // A hand-written file with the same fields (windows written out, defaults left out).
    wd.create("same.json", FILE_PERSON.replace("ID", &id));
    assert_eq!(rank(&["--person", "same.json"]), from_flags);
    // The same flags with an explicit id equal the file with that id.
    let mut with_id = FLAG_PERSON.to_vec();
    with_id.extend(["--id", "p-intake-7"]);
    wd.create("named.json", FILE_PERSON.replace("ID", "p-intake-7"));
    assert_eq!(rank(&with_id), rank(&["--person", "named.json"]));
}

#[test]
fn a_flag_replaces_the_files_field_and_a_list_flag_the_whole_list() {
    let wd = Workdir::new();
    wd.create("p.json", FILE_PERSON.replace("ID", "p-file"));
    let out = wd.run([
        "rank",
        "--now",
        NOW,
        "--person",
        "p.json",
        "--needs",
        "wheelchair",
        "--age",
        "40",
        "--save-person",
        "out.json",
    ]);
    out.assert_success();
    let p = read_json(&wd, "out.json");
    assert_eq!(p["id"], "p-file", "the file's id is kept");
    assert_eq!(p["needs"], serde_json::json!(["wheelchair"]));
    assert_eq!(p["age"], 40);
    assert_eq!(p["languages"], serde_json::json!(["en", "es"]));
    // --save-person refuses to overwrite without --force.
    wd.run([
        "rank",
        "--now",
        NOW,
        "--age",
        "41",
        "--save-person",
        "out.json",
    ])
    .assert_code(2)
    .assert_stderr_contains("out.json: already exists (use --force to overwrite)");
}

#[test]
fn bad_flag_values_exit_2_with_the_file_readers_message() {
    let wd = Workdir::new();
    wd.create(
        "bad.json",
        r#"{"id": "p", "stage": "erly", "approach_preference": "secular",
            "format_preference": "either", "availability": ["Mon 19:00-21:00"],
            "timezone": "UTC"}"#,
    );
    let from_file = wd.run(["rank", "--now", NOW, "--person", "bad.json"]);
    from_file.assert_code(2);
    let message = from_file.stderr();
    let message = message.split("stage: ").nth(1).unwrap().trim().to_string();
    wd.run(["rank", "--now", NOW, "--stage", "erly"])
        .assert_code(2)
        .assert_stderr_contains(&format!("error: flags: stage: {message}"));
    for (flag, value, says) in [
        ("--available", "Mon 7pm-13pm", "time '13pm' does not exist"),
        ("--available", "Mun-Fri 7pm-9pm", "unknown day 'Mun'"),
        (
            "--available",
            "Mon 9pm-7pm",
            "end 19:00 is not after start 21:00",
        ),
        ("--age", "300", "age: 300 is outside 0 to 120"),
        (
            "--within",
            "far",
            "--within: 'far' is not a distance like 10km or 6mi",
        ),
        ("--near", "00000", "ZIP code 00000 is not in the gazetteer"),
        ("--near", "Springfield", "add the state"),
        ("--near", "Philadelpia", "Philadelphia"),
        ("--near", "91,0", "latitude"),
        ("--timezone", "Mars/Base", "unknown time zone 'Mars/Base'"),
    ] {
        wd.run(["rank", "--now", NOW, flag, value])
            .assert_code(2)
            .assert_stderr_contains(says);
    }
}

#[test]
fn a_place_by_postal_code_gives_distances_said_to_be_about_right() {
    let wd = Workdir::new();
    let args = [
        "rank", "--near", "19107", "--within", "5km", "--now", NOW, "--top", "3",
    ];
    let table = wd.run(args).assert_success().stdout();
    assert!(table.contains(" km\n") && table.contains("~"), "{table}");
    assert!(table.contains("~: about, from or to the centre of a postal code or town"));
    let json = wd
        .run(args.iter().chain(&["--format", "json"]))
        .assert_success()
        .json();
    let first = &json["suggestions"][0];
    assert_eq!(first["distance_approximate"], true);
    // Coordinates as given are exact: no `~`, and the field is left out.
    let exact = wd
        .run([
            "rank",
            "--near",
            "39.9526,-75.1652",
            "--now",
            NOW,
            "--top",
            "3",
            "--format",
            "json",
        ])
        .assert_success()
        .json();
    assert!(exact["suggestions"][0]
        .get("distance_approximate")
        .is_none());
}

// ---------------------------------------------------------------------------------------------
// A waitlist row as the person: rank and explain --waitlist FILE --id ID
// ---------------------------------------------------------------------------------------------

/// A waitlist of two people (the second row unreadable), and the first as a person file.
const WAITLIST_CSV: &str = "\
id,stage,approach_preference,format_preference,availability,timezone,latitude,longitude,max_travel_km,languages,gender,age,needs,waiting_since
w-0007,in_treatment,secular,in_person,Tue 18:00-21:00;Thu 18:00-21:00,America/New_York,39.9526,-75.1652,10,en,man,52,co_occurring,2026-11-02
w-0008,bogus,secular,in_person,Tue 18:00-21:00,America/New_York,39.9526,-75.1652,10,en,man,52,,2026-11-02
";
const WAITLIST_PERSON: &str = r#"{"id": "w-0007", "stage": "in_treatment",
  "approach_preference": "secular", "format_preference": "in_person",
  "availability": ["Tue 18:00-21:00", "Thu 18:00-21:00"], "timezone": "America/New_York",
  "latitude": 39.9526, "longitude": -75.1652, "max_travel_km": 10, "languages": ["en"],
  "gender": "man", "age": 52, "needs": ["co_occurring"]}"#;

/// `rank ... --format json --now NOW` with `args` (`wd` holding the waitlist and its person file),
/// checked to succeed.
fn rank_json_of(wd: &Workdir, args: &[&str]) -> Value {
    let out = wd.run(
        ["rank", "--format", "json", "--now", NOW]
            .iter()
            .chain(args),
    );
    out.assert_success();
    // The bad second row does not matter when another row is asked for.
    assert!(!out.stderr().contains("w-0008"), "{}", out.stderr());
    out.json()
}

#[test]
fn rank_waitlist_id_ranks_that_row_as_its_person_file_would_be_ranked() {
    let wd = Workdir::new();
    wd.create("w.csv", WAITLIST_CSV);
    wd.create("w-0007.json", WAITLIST_PERSON);
    let by_row = rank_json_of(&wd, &["--waitlist", "w.csv", "--id", "w-0007"]);
    assert_eq!(by_row["person_id"], "w-0007");
    assert!(!by_row["suggestions"].as_array().unwrap().is_empty());
    let by_file = rank_json_of(&wd, &["--person", "w-0007.json"]);
    assert_eq!(by_row, by_file, "the row is read as the person file");
}

#[test]
fn rank_waitlist_id_takes_person_flags_over_the_row() {
    let wd = Workdir::new();
    wd.create("w.csv", WAITLIST_CSV);
    wd.create("w-0007.json", WAITLIST_PERSON);
    let flags = ["--within", "3km", "--attend", "either"];
    let row = ["--waitlist", "w.csv", "--id", "w-0007"];
    let by_row = rank_json_of(&wd, &[&row[..], &flags].concat());
    let by_file = rank_json_of(&wd, &[&["--person", "w-0007.json"][..], &flags].concat());
    assert_eq!(by_row, by_file);
    let plain = rank_json_of(&wd, &row);
    assert_ne!(
        plain["eligible"], by_row["eligible"],
        "the flags changed it"
    );
}

#[test]
fn explain_waitlist_id_explains_that_rows_person() {
    let wd = Workdir::new();
    wd.create("w.csv", WAITLIST_CSV);
    wd.create("w-0007.json", WAITLIST_PERSON);
    let group = ["--group", "aa-0178", "--format", "json", "--now", NOW];
    let by_row = wd.run(
        ["explain", "--waitlist", "w.csv", "--id", "w-0007"]
            .iter()
            .chain(&group),
    );
    by_row.assert_success();
    let by_file = wd.run(["explain", "--person", "w-0007.json"].iter().chain(&group));
    assert_eq!(by_row.json(), by_file.json());
    assert_eq!(by_row.json()["person_id"], "w-0007");
}

#[test]
fn an_unknown_id_suggests_the_closest_and_an_unreadable_row_gives_its_problems() {
    let wd = Workdir::new();
    wd.create("w.csv", WAITLIST_CSV);
    let cases = [
        (
            "w-007",
            "error: no row of w.csv has the id 'w-007'; closest: w-0007, w-0008\n",
        ),
        (
            "w-0008",
            "error: w.csv:3: stage: unknown value 'bogus' (allowed: exploring, in_treatment, \
             early, first_year, one_to_two_years, sustained)\n",
        ),
    ];
    for (id, said) in cases {
        for command in [&["rank"][..], &["explain", "--group", "aa-0178"]] {
            let out = wd.run(command.iter().chain(&["--waitlist", "w.csv", "--id", id]));
            out.assert_code(2).assert_stdout_empty();
            assert_eq!(out.stderr(), said, "{command:?} {id}");
        }
    }
}

#[test]
fn waitlist_without_id_or_with_person_is_a_usage_error() {
    let wd = Workdir::new();
    wd.create("w.csv", WAITLIST_CSV);
    wd.create("w-0007.json", WAITLIST_PERSON);
    for command in [&["rank"][..], &["explain", "--group", "aa-0178"]] {
        let alone = wd.run(command.iter().chain(&["--waitlist", "w.csv"]));
        alone.assert_code(2).assert_stdout_empty();
        alone.assert_stderr_contains("--id <ID>");
        let both = wd.run(command.iter().chain(&[
            "--waitlist",
            "w.csv",
            "--id",
            "w-0007",
            "--person",
            "w-0007.json",
        ]));
        both.assert_code(2).assert_stdout_empty();
        both.assert_stderr_contains("'--waitlist <FILE>' cannot be used with '--person");
    }
    let id_alone = wd.run(["explain", "--group", "aa-0178", "--id", "w-0007"]);
    id_alone.assert_code(2);
    id_alone.assert_stderr_contains("--waitlist <FILE>");
    let neither = wd.run(["explain", "--group", "aa-0178"]);
    neither.assert_code(2);
    neither.assert_stderr_contains("--person <PERSON>");
}

#[test]
fn a_missing_or_garbled_waitlist_is_an_error_not_a_panic() {
    let wd = Workdir::new();
    wd.create("junk.csv", b"\xff\xfe\x00id\n\"unterminated");
    wd.create("empty.jsonl", "");
    for file in ["missing.csv", "junk.csv", "empty.jsonl"] {
        let out = wd.run(["rank", "--waitlist", file, "--id", "x"]);
        out.assert_code(2).assert_stdout_empty();
        assert!(out.stderr().starts_with("error: "), "{}", out.stderr());
        assert!(!out.stderr().contains("panicked"), "{}", out.stderr());
    }
}

#[test]
fn ranking_one_waitlist_row_warns_about_that_row_only() {
    let wd = Workdir::new();
    // The second row's zone is not the zone at its coordinates: a warning about that person.
    let csv = WAITLIST_CSV
        .replacen("w-0008,bogus", "w-0009,early", 1)
        .replacen(
            "Tue 18:00-21:00,America/New_York",
            "Tue 18:00-21:00,America/Chicago",
            1,
        );
    assert!(csv.contains("w-0009,early,secular,in_person,Tue 18:00-21:00,America/Chicago"));
    wd.create("w.csv", csv);
    let first = wd.run([
        "rank",
        "--waitlist",
        "w.csv",
        "--id",
        "w-0007",
        "--now",
        NOW,
    ]);
    first.assert_success();
    assert_eq!(first.stderr(), "", "nothing said about another person");
    let second = wd.run([
        "rank",
        "--waitlist",
        "w.csv",
        "--id",
        "w-0009",
        "--now",
        NOW,
    ]);
    second.assert_success();
    second.assert_stderr_contains("warning: w.csv (row w-0009): timezone: 'America/Chicago'");
}
