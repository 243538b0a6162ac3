//! The closed loop through the binary: `simulate --rounds` learns from the outcomes it records
//! (the retrained model gains on the random holdout as referrals accumulate), does better early
//! when each retraining shrinks toward the hand-set prior than toward 0, gives the same rounds
//! table byte for byte for the same seed, and refuses a database that already holds referrals.

mod util;

use util::*;

/// `simulate --rounds ROUNDS --referrals-per-round K` over 60 groups and a holdout of 3,000.
fn run_loop(wd: &Workdir, seed: &str, rounds: &str, k: &str, out: &str) -> Output {
    run_loop_with(wd, seed, rounds, k, out, &[])
}

/// [`run_loop`] with more arguments.
fn run_loop_with(
    wd: &Workdir,
    seed: &str,
    rounds: &str,
    k: &str,
    out: &str,
    extra: &[&str],
) -> Output {
    let db = format!("{out}.db");
    let args = [
        "simulate",
        "--seed",
        seed,
        "--rounds",
        rounds,
        "--referrals-per-round",
        k,
        "--groups",
        "60",
        "--holdout",
        "3000",
        "--db",
        &db,
        "--out",
        out,
    ];
    wd.run(args.iter().chain(extra))
}

#[test]
fn the_loop_learns_from_the_outcomes_it_records() {
    let wd = Workdir::new();
    // From the outcomes alone: the prior would hold the first models near itself.
    let run = run_loop_with(&wd, "1", "4", "400", "loop", &["--no-prior"]);
    run.assert_success();
    let report = read_json(&wd, "loop/rounds.json");
    let rounds = report["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 5, "the prior and 4 rounds");
    let metric = |r: usize, m: &str| rounds[r]["holdout"][m].as_f64().unwrap();
    let trained: Vec<u64> = rounds
        .iter()
        .map(|r| r["training_rows"].as_u64().unwrap())
        .collect();
    assert!(trained.windows(2).all(|w| w[0] < w[1]), "{trained:?}");
    // More outcomes, a better model: AUC up, calibration error down by half or more.
    assert!(metric(4, "auc") > metric(1, "auc") + 0.01, "{rounds:?}");
    assert!(metric(4, "ece") < metric(1, "ece") / 2.0, "{rounds:?}");
    // Logged placements are the model's favourites: their true probability is above random.
    let bias = &report["bias"];
    assert!(bias["logged_true_mean"].as_f64() > bias["random_true_mean"].as_f64());
    assert!(report["oracle"]["auc"].as_f64().unwrap() > metric(4, "auc"));
    // The table on stdout is the one in rounds.txt, and the directory is written for the store.
    assert_eq!(run.stdout(), read(&wd, "loop/rounds.txt"));
    assert!(read(&wd, "loop/groups.csv").lines().count() == 61);
}

#[test]
fn shrinking_toward_the_prior_does_better_than_toward_zero_while_outcomes_are_few() {
    let wd = Workdir::new();
    run_loop(&wd, "1", "4", "400", "prior").assert_success();
    run_loop_with(&wd, "1", "4", "400", "zero", &["--no-prior"]).assert_success();
    let prior = read_json(&wd, "prior/rounds.json");
    let zero = read_json(&wd, "zero/rounds.json");
    let metric = |report: &serde_json::Value, r: usize, m: &str| {
        report["rounds"][r]["holdout"][m].as_f64().unwrap()
    };
    // The same prior model before round 1; after each round of a few hundred outcomes, the
    // model shrunk toward it ranks and calibrates better on the random holdout.
    assert_eq!(metric(&prior, 0, "auc"), metric(&zero, 0, "auc"));
    for r in 1..=4 {
        assert!(
            metric(&prior, r, "auc") > metric(&zero, r, "auc"),
            "round {r}"
        );
        assert!(
            metric(&prior, r, "ece") < metric(&zero, r, "ece"),
            "round {r}"
        );
    }
    // What each was told, and what the last model says it was trained with.
    assert_eq!(prior["params"]["prior_sd"].as_f64(), Some(0.25));
    assert!(zero["params"]["prior_sd"].is_null());
    let model = read_json(&wd, "prior/model.json");
    assert_eq!(model["training"]["prior"]["sd"].as_f64(), Some(0.25));
    assert!(read_json(&wd, "zero/model.json")["training"]
        .get("prior")
        .is_none());
    // A standard deviation that is not a finite positive number is refused before anything runs.
    run_loop_with(&wd, "1", "1", "10", "bad", &["--prior-sd", "0"])
        .assert_code(2)
        .assert_stderr_contains("the prior's standard deviation must be a finite number above 0");
    assert!(!wd.path().join("bad.db").exists());
}

#[test]
fn the_same_seed_gives_the_same_rounds_table_byte_for_byte() {
    let wd = Workdir::new();
    let first = run_loop(&wd, "5", "2", "150", "a");
    first.assert_success();
    run_loop(&wd, "5", "2", "150", "b").assert_success();
    run_loop(&wd, "6", "2", "150", "c").assert_success();
    // The databases hold the same referrals with the same ids and simulated dates, so they are
    // compared through what the store gives back: the outcomes export.
    for db in ["a", "b"] {
        wd.run([
            "outcomes",
            "export",
            "--db",
            &format!("{db}.db"),
            "--groups",
            &format!("{db}/groups.csv"),
            "--out",
            &format!("{db}/history.csv"),
            "--now",
            "2027-06-01T00:00:00Z",
        ])
        .assert_success();
    }
    for file in ["rounds.txt", "rounds.json", "groups.csv", "history.csv"] {
        assert!(
            read_bytes(&wd, &format!("a/{file}")) == read_bytes(&wd, &format!("b/{file}")),
            "{file} differs between two runs with the same seed"
        );
    }
    assert_eq!(first.stdout(), read(&wd, "a/rounds.txt"));
    assert_ne!(read(&wd, "a/rounds.txt"), read(&wd, "c/rounds.txt"));
}

#[test]
fn the_database_is_an_output_refused_unless_forced_and_replaced_whole() {
    let wd = Workdir::new();
    run_loop(&wd, "1", "1", "100", "once").assert_success();
    let export = |out: &str| {
        wd.run([
            "outcomes",
            "export",
            "--db",
            "once.db",
            "--groups",
            "once/groups.csv",
            "--out",
            out,
            "--now",
            "2027-06-01T00:00:00Z",
        ])
    };
    export("first.csv").assert_success();
    let again = wd.run([
        "simulate",
        "--rounds",
        "1",
        "--referrals-per-round",
        "100",
        "--groups",
        "60",
        "--db",
        "once.db",
        "--out",
        "again",
    ]);
    again.assert_code(2).assert_stderr_contains("once.db");
    // Forced, the same run replaces the database whole: the same referrals, not twice as many.
    let forced = wd.run([
        "simulate",
        "--seed",
        "1",
        "--rounds",
        "1",
        "--referrals-per-round",
        "100",
        "--groups",
        "60",
        "--holdout",
        "3000",
        "--db",
        "once.db",
        "--out",
        "once",
        "--force",
    ]);
    forced.assert_success();
    export("second.csv").assert_success();
    assert_eq!(read(&wd, "first.csv"), read(&wd, "second.csv"));
    let names: Vec<String> = std::fs::read_dir(wd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
    wd.run(["simulate", "--rounds", "2", "--out", "x"])
        .assert_code(2)
        .assert_stderr_contains("--referrals-per-round");
}
