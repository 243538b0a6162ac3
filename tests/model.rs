//! Integration tests of the model commands: `simulate`, `train`, `features`, `score`,
//! `evaluate`, and `rank` with a freshly trained model. Each test simulates a small history into
//! its own temporary directory (a fraction of a second in a debug build) and runs the built
//! binary on it.

// Not every helper of the shared harness is used by this test crate.
mod util;

use std::collections::{BTreeMap, BTreeSet};

use approx::assert_abs_diff_eq;
use serde_json::Value;

use util::{read, read_bytes, read_csv, read_json, Output, Table, Workdir, NOW};

/// The files a simulation writes.
const SIM_FILES: [&str; 5] = [
    "groups.csv",
    "people.jsonl",
    "waitlist.csv",
    "history.csv",
    "simulation.json",
];

/// Rows of the small simulation every test uses.
const PLACEMENTS: usize = 3000;

/// `simulate` arguments of the small simulation, less `--out`.
fn sim_args(seed: u64) -> Vec<String> {
    [
        "simulate",
        "--seed",
        &seed.to_string(),
        "--people",
        "600",
        "--groups",
        "80",
        "--placements",
        &PLACEMENTS.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Simulates the small history with `seed` into `dir` (relative to the workdir).
fn simulate_seed(wd: &Workdir, seed: u64, dir: &str) -> Output {
    let mut args = sim_args(seed);
    args.extend(["--out".to_string(), dir.to_string()]);
    let out = wd.run(&args);
    out.assert_success();
    out
}

/// Simulates the small history (seed 5) into `sim/`.
fn simulate(wd: &Workdir) {
    simulate_seed(wd, 5, "sim");
}

/// Trains on `history` into `out`, which must succeed.
fn train(wd: &Workdir, history: &str, out: &str) -> Output {
    let run = wd.run(["train", "--history", history, "--out", out]);
    run.assert_success();
    run
}

/// Writes a CSV file into the workdir (`\n` line ends).
fn write_csv(wd: &Workdir, name: &str, table: &Table) {
    let path = wd.path().join(name);
    let mut w =
        csv::Writer::from_path(&path).unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    w.write_record(&table.header).unwrap();
    for row in &table.rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
}

/// Writes `sim/NAME`, a copy of the simulated history changed by `edit`, and returns its path
/// relative to the workdir (beside `sim/groups.csv`, which `train` then uses).
fn edited_history(wd: &Workdir, name: &str, edit: impl FnOnce(&mut Table)) -> String {
    let mut table = read_csv(wd, "sim/history.csv");
    edit(&mut table);
    let path = format!("sim/{name}");
    write_csv(wd, &path, &table);
    path
}

/// The names in a directory of the workdir, sorted.
fn listing(wd: &Workdir, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(wd.path().join(dir))
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `train` on `history` into the empty folder `models/`, checks it exits 2 with nothing on
/// stdout, and that no model file (nor any temporary file) was written.
fn train_refuses(wd: &Workdir, history: &str) -> Output {
    std::fs::create_dir_all(wd.path().join("models")).unwrap();
    let out = wd.run(["train", "--history", history, "--out", "models/m.json"]);
    out.assert_code(2).assert_stdout_empty();
    assert!(
        !wd.path().join("models/m.json").exists(),
        "a model was written{out}"
    );
    assert_eq!(
        listing(wd, "models"),
        Vec::<String>::new(),
        "stray files{out}"
    );
    let sim: Vec<String> = listing(wd, "sim")
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(sim.is_empty(), "stray files {sim:?} in sim/{out}");
    out
}

/// Parses a number, naming where it came from when it is not one.
#[track_caller]
fn number(s: &str, what: &str) -> f64 {
    let x: f64 = s
        .parse()
        .unwrap_or_else(|e| panic!("{what}: {s:?} is not a number ({e})"));
    assert!(x.is_finite(), "{what}: {s:?} is not finite");
    x
}

/// The `features` list of a model file.
fn feature_names(model: &Value) -> Vec<String> {
    model["features"]
        .as_array()
        .expect("features array")
        .iter()
        .map(|f| f.as_str().expect("feature name").to_string())
        .collect()
}

/// The `coefficients` of a model file.
fn coefficients(model: &Value) -> Vec<f64> {
    model["coefficients"]
        .as_array()
        .expect("coefficients array")
        .iter()
        .map(|c| c.as_f64().expect("coefficient"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// simulate
// ---------------------------------------------------------------------------------------------

#[test]
fn simulate_writes_the_five_files_in_the_project_formats() {
    let wd = Workdir::new();
    let out = wd.run(
        sim_args(5)
            .into_iter()
            .chain(["--out".to_string(), "sim".to_string()]),
    );
    out.assert_success();
    assert_eq!(listing(&wd, "sim"), {
        let mut files: Vec<String> = SIM_FILES.iter().map(|s| s.to_string()).collect();
        files.sort();
        files
    });
    for file in SIM_FILES {
        out.assert_stdout_contains(file);
    }
    wd.run(["validate", "sim/groups.csv", "sim/waitlist.csv"])
        .assert_success()
        .assert_stdout_contains("sim/groups.csv: ok (groups, 80 records)")
        .assert_stdout_contains("sim/waitlist.csv: ok (waitlist, ");

    // history.csv: placement_id, the person's fields, then the placement's.
    let people: Vec<Value> = read(&wd, "sim/people.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON person per line"))
        .collect();
    assert_eq!(people.len(), 600);
    let mut person_fields: BTreeSet<String> = people[0]
        .as_object()
        .expect("a person object")
        .keys()
        .cloned()
        .collect();
    // How a place was given is left out of JSON when it was not given, as for every simulated
    // person; a CSV has the column all the same.
    assert!(!person_fields.contains("place"));
    person_fields.insert("place".into());
    assert!(person_fields.contains("id") && person_fields.contains("availability"));
    let history = read(&wd, "sim/history.csv");
    let header: Vec<&str> = history.lines().next().unwrap().split(',').collect();
    let n = header.len();
    assert!(n > 5, "{header:?}");
    assert_eq!(header[0], "placement_id");
    assert_eq!(
        header[n - 5..],
        [
            "group_id",
            "placed_on",
            "engaged_90d",
            "referral_type",
            "true_probability"
        ]
    );
    let middle: BTreeSet<String> = header[1..n - 5].iter().map(|s| s.to_string()).collect();
    assert_eq!(middle, person_fields, "person columns of history.csv");
    assert_eq!(
        history.lines().count(),
        PLACEMENTS + 1,
        "a header and one row per placement"
    );

    let sim = read_json(&wd, "sim/simulation.json");
    assert_eq!(sim["params"]["seed"], 5);
    assert_eq!(sim["params"]["placements"], PLACEMENTS);
    assert!(
        sim["truth"].as_object().is_some_and(|t| !t.is_empty()),
        "simulation.json has the ground truth"
    );
}

#[test]
fn simulate_history_rows_have_known_groups_binary_labels_and_probabilities() {
    let wd = Workdir::new();
    simulate(&wd);
    let groups: BTreeSet<String> = read_csv(&wd, "sim/groups.csv")
        .values("id")
        .into_iter()
        .map(str::to_string)
        .collect();
    let history = read_csv(&wd, "sim/history.csv");
    for g in history.values("group_id") {
        assert!(groups.contains(g), "unknown group {g}");
    }
    let labels = history.values("engaged_90d");
    assert!(labels.iter().all(|l| *l == "0" || *l == "1"));
    assert!(
        labels.contains(&"0") && labels.contains(&"1"),
        "both outcomes"
    );
    for p in history.values("true_probability") {
        let p = number(p, "true_probability");
        assert!(p > 0.0 && p < 1.0, "{p}");
    }
    let ids: BTreeSet<&str> = history.values("placement_id").into_iter().collect();
    assert_eq!(ids.len(), PLACEMENTS, "placement ids are unique");
}

#[test]
fn simulate_is_byte_identical_for_a_seed_and_differs_for_another() {
    let wd = Workdir::new();
    simulate_seed(&wd, 5, "a");
    simulate_seed(&wd, 5, "b");
    simulate_seed(&wd, 6, "c");
    for file in SIM_FILES {
        assert!(
            read_bytes(&wd, &format!("a/{file}")) == read_bytes(&wd, &format!("b/{file}")),
            "{file} differs between two runs with the same seed"
        );
    }
    assert!(
        read_bytes(&wd, "a/history.csv") != read_bytes(&wd, "c/history.csv"),
        "another seed gives the same history"
    );
}

#[test]
fn simulate_refuses_to_overwrite_without_force_and_writes_nothing() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.path().join("sim")).unwrap();
    wd.create("sim/history.csv", "keep me\n");
    let mut args = sim_args(5);
    args.extend(["--out".to_string(), "sim".to_string()]);
    let out = wd.run(&args);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("sim/history.csv")
        .assert_stderr_contains("--force");
    assert_eq!(read(&wd, "sim/history.csv"), "keep me\n", "file touched");
    assert_eq!(
        listing(&wd, "sim"),
        ["history.csv"],
        "other files written{out}"
    );
}

#[test]
fn simulate_overwrites_existing_files_with_force() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.path().join("sim")).unwrap();
    wd.create("sim/history.csv", "keep me\n");
    let mut args = sim_args(5);
    args.extend(["--out", "sim", "--force"].map(String::from));
    wd.run(&args).assert_success();
    simulate_seed(&wd, 5, "fresh");
    assert!(
        read_bytes(&wd, "sim/history.csv") == read_bytes(&wd, "fresh/history.csv"),
        "history.csv was not overwritten"
    );
}

#[test]
fn simulate_creates_a_missing_output_directory() {
    let wd = Workdir::new();
    simulate_seed(&wd, 5, "deep/er/sim");
    let files = listing(&wd, "deep/er/sim");
    let mut expected: Vec<String> = SIM_FILES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(files, expected);
}

#[test]
fn simulate_waitlist_sets_the_number_of_waitlist_rows() {
    let wd = Workdir::new();
    let mut args = sim_args(5);
    args.extend(["--waitlist", "37", "--out", "sim"].map(String::from));
    wd.run(&args).assert_success();
    let waitlist = read_csv(&wd, "sim/waitlist.csv");
    assert_eq!(waitlist.rows.len(), 37);
    assert!(waitlist
        .values("waiting_since")
        .iter()
        .all(|d| d.len() == 10));
    let people: BTreeSet<String> = read(&wd, "sim/people.jsonl")
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for id in waitlist.values("id") {
        assert!(
            people.contains(id),
            "waitlist person {id} is not in people.jsonl"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// train
// ---------------------------------------------------------------------------------------------

#[test]
fn train_writes_a_model_with_its_training_summary_and_prints_the_holdout_metrics() {
    let wd = Workdir::new();
    simulate(&wd);
    let out = train(&wd, "sim/history.csv", "model.json");
    out.assert_stdout_contains("holdout: auc ")
        .assert_stdout_contains("log_loss ")
        .assert_stdout_contains("brier ")
        .assert_stdout_contains("ece ")
        .assert_stdout_contains("model.json");
    let model = read_json(&wd, "model.json");
    let t = &model["training"];
    let rows = t["rows"].as_u64().expect("training.rows");
    let positives = t["positives"].as_u64().expect("training.positives");
    assert!(rows > 0 && rows < PLACEMENTS as u64, "{rows}");
    assert!(positives > 0 && positives < rows, "{positives}");
    assert!(t["fit_seconds"].as_f64().is_some_and(|s| s >= 0.0));
    let m = &t["metrics"];
    for key in ["auc", "log_loss", "brier", "ece"] {
        let x = m[key].as_f64().unwrap_or_else(|| panic!("metrics.{key}"));
        assert!(x.is_finite() && x >= 0.0, "{key} = {x}");
    }
    let auc = m["auc"].as_f64().unwrap();
    assert!(auc > 0.55 && auc <= 1.0, "holdout auc {auc}");
    assert!(m["ece"].as_f64().unwrap() <= 1.0);
    // The printed figures are the stored ones.
    out.assert_stdout_contains(&format!("auc {auc:.4}"));
    out.assert_stdout_contains(&format!("trained on {rows} rows ({positives} engaged)"));
    assert_eq!(
        coefficients(&model).len(),
        feature_names(&model).len(),
        "one coefficient per feature"
    );
}

#[test]
fn rank_with_a_trained_model_explains_each_score_as_the_sum_of_its_logit() {
    let wd = Workdir::new();
    simulate(&wd);
    train(&wd, "sim/history.csv", "model.json");
    let model = read_json(&wd, "model.json");
    let intercept = model["intercept"].as_f64().unwrap();
    let people = read(&wd, "sim/people.jsonl");
    let mut checked = 0;
    // The first simulated people with an eligible group now.
    for line in people.lines().take(20) {
        wd.create("p.json", line);
        let out = wd.run([
            "rank",
            "--model",
            "model.json",
            "--groups",
            "sim/groups.csv",
            "--person",
            "p.json",
            "--format",
            "json",
            "--now",
            NOW,
            "--top",
            "1000",
        ]);
        if out.code == Some(1) {
            continue;
        }
        out.assert_success();
        let v = out.json();
        let person: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["person_id"], person["id"], "{out}");
        for s in v["suggestions"].as_array().expect("suggestions") {
            let logit = s["logit"].as_f64().expect("logit");
            let score = s["score"].as_f64().expect("score");
            let sum: f64 = ["about_the_person", "explanation"]
                .iter()
                .flat_map(|block| s[*block].as_array().expect(block))
                .map(|e| e["contribution"].as_f64().expect("contribution"))
                .sum();
            assert_abs_diff_eq!(s["intercept"].as_f64().unwrap(), intercept, epsilon = 1e-12);
            assert_abs_diff_eq!(intercept + sum, logit, epsilon = 1e-9);
            assert_abs_diff_eq!(score, 1.0 / (1.0 + (-logit).exp()), epsilon = 1e-12);
            checked += 1;
        }
        if checked >= 20 {
            break;
        }
    }
    assert!(checked > 0, "no simulated person had an eligible group");
}

#[test]
fn train_refuses_to_overwrite_an_existing_model_without_force() {
    let wd = Workdir::new();
    simulate(&wd);
    wd.create("model.json", "keep me\n");
    let out = wd.run([
        "train",
        "--history",
        "sim/history.csv",
        "--out",
        "model.json",
    ]);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("model.json")
        .assert_stderr_contains("--force");
    assert_eq!(read(&wd, "model.json"), "keep me\n", "model touched");
    wd.run([
        "train",
        "--history",
        "sim/history.csv",
        "--out",
        "model.json",
        "--force",
    ])
    .assert_success();
    assert_eq!(read_json(&wd, "model.json")["format"], "groupmatch-model");
}

#[test]
fn train_refuses_a_history_without_the_engaged_90d_column() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| {
        let i = t.column("engaged_90d");
        t.header.remove(i);
        for r in &mut t.rows {
            r.remove(i);
        }
    });
    let out = train_refuses(&wd, &history);
    out.assert_problem(&history, 1, Some("engaged_90d"), &["missing column"]);
}

#[test]
fn train_refuses_a_label_of_2_naming_file_line_and_field() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| {
        let i = t.column("engaged_90d");
        t.rows[9][i] = "2".into();
    });
    let out = train_refuses(&wd, &history);
    out.assert_problem(&history, 11, Some("engaged_90d"), &["'2'", "0 or 1"]);
}

#[test]
fn train_refuses_an_empty_label_naming_file_line_and_field() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| {
        let i = t.column("engaged_90d");
        t.rows[9][i] = String::new();
    });
    let out = train_refuses(&wd, &history);
    out.assert_problem(&history, 11, Some("engaged_90d"), &["missing"]);
}

#[test]
fn train_refuses_an_unknown_group_id_naming_file_line_and_field() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| {
        let i = t.column("group_id");
        t.rows[41][i] = "no-such-group".into();
    });
    let out = train_refuses(&wd, &history);
    out.assert_problem(&history, 43, Some("group_id"), &["'no-such-group'"]);
}

#[test]
fn train_refuses_a_duplicate_placement_id_naming_both_lines() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| {
        t.rows[9][0] = t.rows[3][0].clone();
    });
    let out = train_refuses(&wd, &history);
    out.assert_problem(&history, 11, Some("placement_id"), &["duplicate", "line 5"]);
}

#[test]
fn train_refuses_a_history_with_one_outcome_only() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| {
        let i = t.column("engaged_90d");
        for r in &mut t.rows {
            r[i] = "0".into();
        }
    });
    train_refuses(&wd, &history).assert_stderr_contains("same outcome");
}

#[test]
fn train_refuses_fewer_rows_than_features() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| t.rows.truncate(5));
    train_refuses(&wd, &history).assert_stderr_contains("features");
}

#[test]
fn train_errors_about_the_whole_history_name_the_file() {
    let wd = Workdir::new();
    simulate(&wd);
    let one_class = edited_history(&wd, "one-class.csv", |t| {
        let i = t.column("engaged_90d");
        for r in &mut t.rows {
            r[i] = "1".into();
        }
    });
    train_refuses(&wd, &one_class).assert_stderr_contains(&one_class);
    let few = edited_history(&wd, "few.csv", |t| t.rows.truncate(5));
    train_refuses(&wd, &few).assert_stderr_contains(&few);
}

#[test]
fn train_refuses_an_empty_file() {
    let wd = Workdir::new();
    simulate(&wd);
    wd.create("sim/empty.csv", "");
    train_refuses(&wd, "sim/empty.csv")
        .assert_stderr_contains("sim/empty.csv")
        .assert_stderr_contains("empty");
}

#[test]
fn train_refuses_a_header_only_history() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| t.rows.clear());
    train_refuses(&wd, &history).assert_stderr_contains(&history);
}

#[test]
fn train_names_the_right_line_in_a_history_with_crlf_line_ends() {
    let wd = Workdir::new();
    simulate(&wd);
    let history = edited_history(&wd, "h.csv", |t| {
        let i = t.column("group_id");
        t.rows[9][i] = "no-such-group".into();
    });
    let crlf = read(&wd, &history).replace('\n', "\r\n");
    wd.create("sim/crlf.csv", crlf);
    train_refuses(&wd, "sim/crlf.csv").assert_problem(
        "sim/crlf.csv",
        11,
        Some("group_id"),
        &["'no-such-group'"],
    );
}

#[test]
fn train_does_not_use_true_probability_as_a_feature() {
    let wd = Workdir::new();
    simulate(&wd);
    let changed = edited_history(&wd, "changed.csv", |t| {
        let i = t.column("true_probability");
        let n = t.rows.len();
        // Reverse the column, so every row gets another row's probability.
        let reversed: Vec<String> = (0..n).map(|k| t.rows[n - 1 - k][i].clone()).collect();
        for (r, p) in t.rows.iter_mut().zip(reversed) {
            r[i] = p;
        }
    });
    let dropped = edited_history(&wd, "dropped.csv", |t| {
        let i = t.column("true_probability");
        t.header.remove(i);
        for r in &mut t.rows {
            r.remove(i);
        }
    });
    train(&wd, "sim/history.csv", "a.json");
    train(&wd, &changed, "b.json");
    train(&wd, &dropped, "c.json");
    let a = read_json(&wd, "a.json");
    for other in ["b.json", "c.json"] {
        let b = read_json(&wd, other);
        assert_eq!(coefficients(&a), coefficients(&b), "a.json vs {other}");
        assert_eq!(a["intercept"], b["intercept"], "a.json vs {other}");
        assert_eq!(
            a["training"]["metrics"], b["training"]["metrics"],
            "a.json vs {other}"
        );
    }
    assert!(
        !feature_names(&a).iter().any(|f| f.contains("true")),
        "{:?}",
        feature_names(&a)
    );
}

#[test]
fn train_writes_what_the_history_is_as_the_model_s_provenance() {
    let wd = Workdir::new();
    simulate(&wd);
    // A simulated history carries true probabilities: the model says it came from a simulation.
    train(&wd, "sim/history.csv", "a.json").assert_stdout_contains("(provenance: simulation)");
    assert_eq!(read_json(&wd, "a.json")["provenance"], "simulation");
    // Real outcomes have no true probability: local outcomes, unless told otherwise.
    let real = edited_history(&wd, "real.csv", |t| {
        let i = t.column("true_probability");
        t.header.remove(i);
        for r in &mut t.rows {
            r.remove(i);
        }
    });
    train(&wd, &real, "b.json");
    assert_eq!(read_json(&wd, "b.json")["provenance"], "local_outcomes");
    let told = wd.run([
        "train",
        "--history",
        &real,
        "--provenance",
        "simulation",
        "--out",
        "c.json",
    ]);
    told.assert_success();
    assert_eq!(read_json(&wd, "c.json")["provenance"], "simulation");
    // A simulation is never passed off as local outcomes, and no trained model is hand-set.
    let refused = wd.run([
        "train",
        "--history",
        "sim/history.csv",
        "--provenance",
        "local_outcomes",
        "--out",
        "d.json",
    ]);
    refused
        .assert_code(2)
        .assert_stderr_contains("not local_outcomes");
    assert!(!wd.path().join("d.json").exists(), "{refused}");
    let hand = wd.run([
        "train",
        "--history",
        "sim/history.csv",
        "--provenance",
        "hand_set",
        "--out",
        "e.json",
    ]);
    hand.assert_code(2);
    // The trained model's score is described by what it was trained on.
    let ranked = wd.run([
        "rank",
        "--model",
        "b.json",
        "--groups",
        "sim/groups.csv",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let basis = &ranked.json()["score_basis"];
    assert_eq!(basis["provenance"], "local_outcomes", "{ranked}");
    let text = basis["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("estimated from this organisation's outcomes"),
        "{ranked}"
    );
}

// ---------------------------------------------------------------------------------------------
// features and the people-level split
// ---------------------------------------------------------------------------------------------

#[test]
fn features_holdout_split_is_by_person_with_a_fifth_of_people_held_out() {
    let wd = Workdir::new();
    simulate(&wd);
    wd.run(["features", "--history", "sim/history.csv", "--out", "X.csv"])
        .assert_success();
    let x = read_csv(&wd, "X.csv");
    let mut by_person: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (person, held) in x.values("person_id").into_iter().zip(x.values("holdout")) {
        assert!(held == "0" || held == "1", "holdout {held:?}");
        by_person.entry(person).or_default().insert(held);
    }
    for (person, sides) in &by_person {
        assert_eq!(sides.len(), 1, "{person} is on both sides of the split");
    }
    let held = by_person.values().filter(|s| s.contains("1")).count();
    let share = held as f64 / by_person.len() as f64;
    assert!(
        by_person.len() > 300,
        "{} people in the history",
        by_person.len()
    );
    assert!(
        (share - 0.2).abs() < 0.06,
        "holdout share of people {share}"
    );

    // train splits the same way: its training rows are the rows with holdout 0.
    train(&wd, "sim/history.csv", "model.json");
    let t = read_json(&wd, "model.json")["training"].clone();
    let engaged = x.values("engaged_90d");
    let train_rows: Vec<usize> = (0..x.rows.len())
        .filter(|&i| x.rows[i][x.column("holdout")] == "0")
        .collect();
    assert_eq!(t["rows"], train_rows.len());
    assert_eq!(t["holdout_rows"], x.rows.len() - train_rows.len());
    assert_eq!(
        t["positives"],
        train_rows.iter().filter(|&&i| engaged[i] == "1").count()
    );
}

#[test]
fn features_exports_one_numeric_column_per_model_feature_for_every_history_row() {
    let wd = Workdir::new();
    simulate(&wd);
    wd.run(["features", "--history", "sim/history.csv", "--out", "X.csv"])
        .assert_success();
    train(&wd, "sim/history.csv", "model.json");
    let names = feature_names(&read_json(&wd, "model.json"));
    let x = read_csv(&wd, "X.csv");
    let mut expected = vec!["placement_id", "person_id", "holdout"];
    expected.extend(names.iter().map(String::as_str));
    expected.push("engaged_90d");
    assert_eq!(x.header, expected);
    let history = read_csv(&wd, "sim/history.csv");
    assert_eq!(x.rows.len(), history.rows.len());
    assert_eq!(x.values("placement_id"), history.values("placement_id"));
    assert_eq!(x.values("person_id"), history.values("id"));
    assert_eq!(x.values("engaged_90d"), history.values("engaged_90d"));
    for (i, row) in x.rows.iter().enumerate() {
        for (name, value) in names.iter().zip(&row[3..row.len() - 1]) {
            number(value, &format!("X.csv row {} {name}", i + 2));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// score
// ---------------------------------------------------------------------------------------------

#[test]
fn score_writes_a_probability_for_every_history_row_in_input_order() {
    let wd = Workdir::new();
    simulate(&wd);
    train(&wd, "sim/history.csv", "model.json");
    wd.run([
        "score",
        "--model",
        "model.json",
        "--history",
        "sim/history.csv",
        "--out",
        "preds.csv",
    ])
    .assert_success();
    let preds = read_csv(&wd, "preds.csv");
    assert_eq!(preds.header, ["person_id", "group_id", "probability"]);
    let history = read_csv(&wd, "sim/history.csv");
    assert_eq!(preds.rows.len(), history.rows.len());
    assert_eq!(preds.values("person_id"), history.values("id"));
    assert_eq!(preds.values("group_id"), history.values("group_id"));
    for p in preds.values("probability") {
        let p = number(p, "probability");
        assert!(p > 0.0 && p < 1.0, "{p}");
    }
}

#[test]
fn score_probabilities_are_the_model_applied_to_the_exported_features() {
    let wd = Workdir::new();
    simulate(&wd);
    train(&wd, "sim/history.csv", "model.json");
    wd.run([
        "score",
        "--model",
        "model.json",
        "--history",
        "sim/history.csv",
        "--out",
        "preds.csv",
    ])
    .assert_success();
    wd.run(["features", "--history", "sim/history.csv", "--out", "X.csv"])
        .assert_success();
    let model = read_json(&wd, "model.json");
    assert!(
        model["scaling"].is_null(),
        "trained models fold their scaling"
    );
    let w = coefficients(&model);
    let b = model["intercept"].as_f64().unwrap();
    let x = read_csv(&wd, "X.csv");
    let preds = read_csv(&wd, "preds.csv");
    for (row, p) in x.rows.iter().zip(preds.values("probability")) {
        let logit: f64 = b + row[3..row.len() - 1]
            .iter()
            .zip(&w)
            .map(|(v, c)| number(v, "feature") * c)
            .sum::<f64>();
        assert_abs_diff_eq!(
            number(p, "probability"),
            1.0 / (1.0 + (-logit).exp()),
            epsilon = 1e-9
        );
    }
}

// ---------------------------------------------------------------------------------------------
// evaluate
// ---------------------------------------------------------------------------------------------

#[test]
fn evaluate_json_compares_learned_prior_baselines_and_oracle_and_plots_calibration() {
    let wd = Workdir::new();
    simulate(&wd);
    train(&wd, "sim/history.csv", "model.json");
    let out = wd.run([
        "evaluate",
        "--model",
        "model.json",
        "--sim",
        "sim",
        "--format",
        "json",
        "--plot",
        "calibration.svg",
    ]);
    out.assert_success();
    let v = out.json();
    assert!(v["people"].as_u64().is_some_and(|n| n > 0), "{out}");
    assert!(v["pairs"].as_u64().is_some_and(|n| n > 0), "{out}");
    let models = v["models"].as_object().expect("models object");
    let names: BTreeSet<&str> = models.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "learned",
            "learned_with_rules",
            "prior",
            "distance_only",
            "random",
            "oracle"
        ]),
        "{out}"
    );
    for (name, m) in models {
        for key in ["ndcg_at_5", "precision_at_1", "auc"] {
            let x = m[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{name}.{key}{out}"));
            assert!((0.0..=1.0).contains(&x), "{name}.{key} = {x}{out}");
        }
        let ece = m.get("ece").unwrap_or_else(|| panic!("{name}.ece{out}"));
        if name != "distance_only" {
            assert!(
                ece.as_f64().is_some_and(|e| (0.0..=1.0).contains(&e)),
                "{name}.ece{out}"
            );
        }
    }
    let metric = |model: &str, key: &str| v["models"][model][key].as_f64().unwrap();
    assert_eq!(metric("oracle", "ndcg_at_5"), 1.0, "{out}");
    assert_eq!(metric("oracle", "precision_at_1"), 1.0, "{out}");
    assert!(
        metric("learned", "ndcg_at_5") > metric("random", "ndcg_at_5"),
        "learned does not beat random{out}"
    );
    let svg = read(&wd, "calibration.svg");
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.trim_end().ends_with("</svg>"));
}

#[test]
fn evaluate_table_lists_every_model() {
    let wd = Workdir::new();
    simulate(&wd);
    train(&wd, "sim/history.csv", "model.json");
    let out = wd.run(["evaluate", "--model", "model.json", "--sim", "sim"]);
    out.assert_success().assert_stdout_contains("ndcg@5");
    for name in ["learned", "prior", "distance_only", "random", "oracle"] {
        assert!(
            out.stdout().lines().any(|l| l.starts_with(name)),
            "no row for {name}{out}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// schema refusal
// ---------------------------------------------------------------------------------------------

#[test]
fn a_model_with_another_feature_schema_is_refused_by_evaluate_score_and_rank() {
    let wd = Workdir::new();
    simulate(&wd);
    train(&wd, "sim/history.csv", "model.json");
    let model = read_json(&wd, "model.json");
    let mut renamed = model.clone();
    renamed["features"][0] = Value::from("not_a_feature");
    wd.create(
        "renamed.json",
        serde_json::to_string_pretty(&renamed).unwrap(),
    );
    let mut swapped = model.clone();
    let features = swapped["features"].as_array_mut().unwrap();
    features.swap(0, 1);
    wd.create(
        "swapped.json",
        serde_json::to_string_pretty(&swapped).unwrap(),
    );
    let mut shorter = model;
    shorter["features"].as_array_mut().unwrap().pop();
    shorter["coefficients"].as_array_mut().unwrap().pop();
    wd.create(
        "shorter.json",
        serde_json::to_string_pretty(&shorter).unwrap(),
    );

    for bad in ["renamed.json", "swapped.json", "shorter.json"] {
        let runs = [
            wd.run(["evaluate", "--model", bad, "--sim", "sim"]),
            wd.run([
                "score",
                "--model",
                bad,
                "--history",
                "sim/history.csv",
                "--out",
                "preds.csv",
            ]),
            wd.run([
                "rank",
                "--model",
                bad,
                "--groups",
                "sim/groups.csv",
                "--now",
                NOW,
            ]),
        ];
        for out in runs {
            out.assert_code(2)
                .assert_stdout_empty()
                .assert_stderr_contains(bad)
                .assert_stderr_contains("feature schema");
        }
        assert!(!wd.path().join("preds.csv").exists(), "score wrote output");
    }
}

// The default model (`rank` without `--model` uses models/engagement.json) is covered in rank.rs.
