//! The closed loop through the binary: `simulate --rounds` learns from the outcomes it records
//! (the retrained model gains on the random holdout as referrals accumulate), gives the same
//! rounds table byte for byte for the same seed, and refuses a database that already holds
//! referrals.

mod util;

use util::*;

/// `simulate --rounds ROUNDS --referrals-per-round K` over 60 groups and a holdout of 3,000.
fn run_loop(wd: &Workdir, seed: &str, rounds: &str, k: &str, out: &str) -> Output {
    wd.run([
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
        &format!("{out}.db"),
        "--out",
        out,
    ])
}

#[test]
fn the_loop_learns_from_the_outcomes_it_records() {
    let wd = Workdir::new();
    let run = run_loop(&wd, "1", "4", "400", "loop");
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
