//! Integration tests of the rule for outputs (`docs/reliability.md`, "Outputs"): every command
//! that writes a file refuses an existing one without `--force` (exit 2, the file untouched,
//! nothing else written) and replaces it with `--force`; a failed write leaves no temp file.

mod util;

use util::{read_bytes, Output, Workdir, NOW, SMALL_GROUPS_CSV};

const KEEP: &[u8] = b"an earlier output\n";

/// A one-person waitlist for [`SMALL_GROUPS_CSV`].
const WAITLIST: &str =
    "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
    w1,early,no_preference,either,Mon 18:00-22:00,America/New_York,2026-10-01\n";

/// A one-meeting Meeting Guide feed.
const FEED: &str = r#"[{"name": "a", "slug": "a", "day": 1, "time": "18:00", "types": ["ONL"]}]"#;

/// The temporary files of atomic writes left under the workdir.
fn temporaries(wd: &Workdir) -> Vec<String> {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.to_string_lossy().ends_with(".tmp") {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(wd.path(), &mut found);
    found
}

/// A workdir with the inputs of every writing command: a small simulation in `sim/` and a model
/// trained on it, the small directory, a waitlist and a feed.
fn inputs() -> Workdir {
    let wd = Workdir::new();
    #[rustfmt::skip]
    wd.run([
        "simulate", "--seed", "3", "--people", "300", "--groups", "40", "--placements", "1500",
        "--out", "sim",
    ])
    .assert_success();
    wd.run([
        "train",
        "--history",
        "sim/history.csv",
        "--out",
        "sim/model.json",
    ])
    .assert_success();
    wd.create("groups.csv", SMALL_GROUPS_CSV);
    wd.create("wait.csv", WAITLIST);
    wd.create("feed.json", FEED);
    std::fs::create_dir(wd.path().join("ex")).unwrap();
    wd
}

/// Each writing command, with the output that is made to exist beforehand.
fn commands() -> Vec<(&'static str, Vec<&'static str>)> {
    #[rustfmt::skip]
    let commands = vec![
        ("out.csv", vec!["import", "meeting-guide", "feed.json", "--out", "out.csv", "--timezone", "UTC"]),
        ("m.csv", vec!["match", "--waitlist", "wait.csv", "--groups", "groups.csv", "--now", NOW, "--out", "m.csv"]),
        ("s.json", vec!["match", "--waitlist", "wait.csv", "--groups", "groups.csv", "--now", NOW, "--out", "m2.csv", "--summary", "s.json"]),
        ("ex/edges.csv", vec!["match", "--waitlist", "wait.csv", "--groups", "groups.csv", "--now", NOW, "--out", "m3.csv", "--export-scores", "ex"]),
        ("r.txt", vec!["match", "--waitlist", "wait.csv", "--groups", "groups.csv", "--now", NOW, "--out", "m4.csv", "--roster", "r.txt"]),
        ("r.html", vec!["match", "--waitlist", "wait.csv", "--groups", "groups.csv", "--now", NOW, "--out", "m5.csv", "--report", "r.html"]),
        ("sim2/people.jsonl", vec!["simulate", "--people", "50", "--groups", "10", "--placements", "100", "--out", "sim2"]),
        ("model.json", vec!["train", "--history", "sim/history.csv", "--out", "model.json"]),
        ("score.csv", vec!["score", "--model", "sim/model.json", "--history", "sim/history.csv", "--out", "score.csv"]),
        ("features.csv", vec!["features", "--history", "sim/history.csv", "--out", "features.csv"]),
        ("plot.svg", vec!["evaluate", "--model", "sim/model.json", "--sim", "sim", "--plot", "plot.svg"]),
    ];
    commands
}

#[test]
fn every_writing_command_refuses_an_existing_output_without_force_and_replaces_it_with() {
    let wd = inputs();
    for (existing, args) in commands() {
        let path = wd.path().join(existing);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, KEEP).unwrap();
        let before: Vec<String> = listing(&wd);

        let refused = wd.run(&args);
        refused.assert_code(2).assert_stderr_contains(&format!(
            "{existing}: already exists (use --force to overwrite)"
        ));
        assert_eq!(
            read_bytes(&wd, existing),
            KEEP,
            "{existing} touched{refused}"
        );
        assert_eq!(listing(&wd), before, "something was written{refused}");

        let forced = wd.run(args.iter().chain(&["--force"]));
        forced.assert_success();
        assert_ne!(
            read_bytes(&wd, existing),
            KEEP,
            "{existing} not replaced{forced}"
        );
        assert_eq!(temporaries(&wd), Vec::<String>::new(), "{forced}");
    }
}

/// Every file under the workdir.
fn listing(wd: &Workdir) -> Vec<String> {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(wd.path(), &mut found);
    found.sort();
    found
}

#[test]
fn a_write_that_fails_at_the_rename_leaves_no_temp_file() {
    let wd = inputs();
    // A folder where the output file should go: the temp file is written, the rename fails.
    for (out, args) in [
        (
            "score.csv",
            vec![
                "score",
                "--model",
                "sim/model.json",
                "--history",
                "sim/history.csv",
            ],
        ),
        (
            "out.csv",
            vec!["import", "meeting-guide", "feed.json", "--timezone", "UTC"],
        ),
    ] {
        std::fs::create_dir(wd.path().join(out)).unwrap();
        let run: Output = wd.run(args.iter().chain(&["--out", out, "--force"]));
        run.assert_code(2).assert_stderr_contains(out);
        assert!(wd.path().join(out).is_dir(), "{run}");
        assert_eq!(temporaries(&wd), Vec::<String>::new(), "{run}");
    }
}
