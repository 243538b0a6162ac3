//! Integration tests of `groupmatch directory merge` on real imports: a Meeting Guide feed (the
//! shared Southeastern Pennsylvania feed, else the Edmonton one in `data/`), the shared BMLT
//! sample of the ABCD region, the HSDS fixture and the embedded directory (`data/groups.csv`,
//! whose AA meetings are listed in the Pennsylvania feed too). The shared samples are read from
//! `../shared/data/external/` and never copied; the tests assert on counts, ids and codes only.

mod util;

use std::path::PathBuf;

use serde_json::Value;

use util::{read_bytes, read_csv, read_json, repo_path, Output, Workdir, NOW};

const EMBEDDED: &str = "data/groups.csv";

/// A shared sample, or `None` with a note that `test` runs without it.
fn shared(relative: &str, test: &str) -> Option<PathBuf> {
    let path = repo_path(&format!("../shared/data/external/{relative}"));
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("note: {test}: {} is not here", path.display());
        None
    }
}

/// `groupmatch ARGS...` in `wd`, which must succeed.
fn run_ok(wd: &Workdir, args: &[&str]) -> Output {
    let out = wd.run(args);
    out.assert_success();
    out
}

/// Imports into `wd` the Meeting Guide, BMLT and HSDS samples there are, as `aa.csv`, `na.csv`
/// and `hsds.csv`, and returns the merge's input arguments (each `NAME=PATH`) with the embedded
/// directory last, as `philly`.
fn import_all(wd: &Workdir, test: &str) -> Vec<String> {
    let sepa = "meetingguide_aa-southeastern-pennsylvania_2022-10_2038.json";
    let (feed, zone) = match shared(sepa, test) {
        Some(feed) => (feed, "America/New_York"),
        None => (
            repo_path("data/meeting-guide/edmonton-2022-09.json"),
            "America/Edmonton",
        ),
    };
    let feed = feed.display().to_string();
    run_ok(
        wd,
        &[
            "import",
            "meeting-guide",
            &feed,
            "--timezone",
            zone,
            "--fellowship",
            "aa",
            "--out",
            "aa.csv",
        ],
    );
    let mut inputs = vec!["aa=aa.csv".to_string()];
    if let Some(bmlt) = shared("bmlt/bmlt-bmlt-workflow-abcd-region-2x.json", test) {
        let bmlt = bmlt.display().to_string();
        run_ok(
            wd,
            &[
                "import",
                "bmlt",
                &bmlt,
                "--timezone",
                "America/New_York",
                "--out",
                "na.csv",
            ],
        );
        inputs.push("na=na.csv".into());
    }
    let hsds = repo_path("tests/fixtures/hsds/recovery-services.json");
    run_ok(
        wd,
        &[
            "import",
            "hsds",
            &hsds.display().to_string(),
            "--out",
            "hsds.csv",
        ],
    );
    inputs.push("hsds=hsds.csv".into());
    inputs.push(format!("philly={}", repo_path(EMBEDDED).display()));
    inputs
}

/// `directory merge INPUTS... --out OUT --now 2026-11-26 --report report.json --force`.
fn merge(wd: &Workdir, inputs: &[String], out: &str) -> Output {
    let mut args: Vec<&str> = vec!["directory", "merge"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend([
        "--out",
        out,
        "--now",
        "2026-11-26",
        "--report",
        "report.json",
        "--force",
    ]);
    wd.run(args)
}

fn count(v: &Value) -> usize {
    v.as_u64().expect("a count") as usize
}

#[test]
fn meeting_guide_bmlt_hsds_and_embedded_groups_merge_into_one_valid_directory() {
    let test = "meeting_guide_bmlt_hsds_and_embedded_groups_merge_into_one_valid_directory";
    let wd = Workdir::new();
    let inputs = import_all(&wd, test);
    merge(&wd, &inputs, "merged.csv")
        .assert_success()
        .assert_stdout_contains("wrote merged.csv");
    run_ok(&wd, &["validate", "merged.csv"]).assert_stdout_contains("ok (groups");
    let report = read_json(&wd, "report.json");
    let table = read_csv(&wd, "merged.csv");
    assert_eq!(count(&report["groups"]), table.rows.len());
    // Every group read is in the output or merged into another.
    let (mut read, mut merged) = (0, 0);
    for input in report["inputs"].as_array().unwrap() {
        read += count(&input["read"]);
        merged += count(&input["merged"]);
        assert_eq!(
            count(&input["read"]),
            count(&input["kept"]) + count(&input["merged"])
        );
    }
    assert_eq!(read, table.rows.len() + merged);
    assert_eq!(merged, report["duplicates"].as_array().unwrap().len());
    // Ids are NAME:ID of their source.
    for (id, source) in table.values("id").iter().zip(table.values("source")) {
        assert!(id.starts_with(&format!("{source}:")), "{id} of {source}");
    }
    // Duplicates are across sources, and only the kept listing is in the output.
    let ids: std::collections::HashSet<&str> = table.values("id").into_iter().collect();
    for d in report["duplicates"].as_array().unwrap() {
        let (kept, dropped) = (d["kept"].as_str().unwrap(), d["dropped"].as_str().unwrap());
        assert_ne!(kept.split(':').next(), dropped.split(':').next());
        assert!(ids.contains(kept) && !ids.contains(dropped), "{d}");
        match d["metres"].as_f64() {
            Some(m) => assert!(m <= 100.0, "{d}"),
            None => assert_ne!(d["place"], "near"),
        }
    }
    // The stale listings are kept and counted in the summary.
    let stale = report["stale"].as_array().unwrap();
    for s in stale {
        assert!(ids.contains(s["id"].as_str().unwrap()));
        assert!(s["days"].as_i64().unwrap() > 365);
    }
    let summary = wd.run(["directory", "stats", "merged.csv"]);
    summary.assert_success();
    if inputs.iter().any(|i| i.starts_with("na=")) && shared_sepa_is_here() {
        // The embedded directory's AA meetings come from the Pennsylvania feed.
        let philly = &report["inputs"].as_array().unwrap()[3];
        assert!(count(&philly["merged"]) > 150, "{philly}");
        assert_eq!(stale.len(), count(&report["inputs"][0]["read"]));
    }
}

fn shared_sepa_is_here() -> bool {
    repo_path("../shared/data/external/meetingguide_aa-southeastern-pennsylvania_2022-10_2038.json")
        .is_file()
}

#[test]
fn a_directory_merged_with_itself_under_two_names_is_all_duplicates() {
    let wd = Workdir::new();
    let embedded = repo_path(EMBEDDED).display().to_string();
    let inputs = [format!("a={embedded}"), format!("b={embedded}")];
    merge(&wd, &inputs, "self.json")
        .assert_success()
        .assert_stdout_contains(
            "2 directories merged into 346 groups: 346 likely duplicates merged",
        );
    let report = read_json(&wd, "report.json");
    assert_eq!(count(&report["inputs"][1]["merged"]), 346);
    let groups: Vec<Value> = serde_json::from_slice(&read_bytes(&wd, "self.json")).unwrap();
    assert!(groups.iter().all(|g| g["source"] == "a"));
}

#[test]
fn merging_is_reproducible_and_a_merged_directory_is_not_prefixed_twice() {
    let wd = Workdir::new();
    let inputs = import_all(&wd, "merging_is_reproducible");
    merge(&wd, &inputs, "one.csv").assert_success();
    let first_report = read_bytes(&wd, "report.json");
    merge(&wd, &inputs, "two.csv").assert_success();
    assert_eq!(read_bytes(&wd, "one.csv"), read_bytes(&wd, "two.csv"));
    assert_eq!(read_bytes(&wd, "report.json"), first_report);
    // The merged file with a new feed: its ids and sources stay as they are.
    let hsds = repo_path("tests/fixtures/hsds/recovery-services.json");
    run_ok(
        &wd,
        &[
            "import",
            "hsds",
            &hsds.display().to_string(),
            "--out",
            "new.csv",
        ],
    );
    merge(&wd, &["one.csv".into(), "new=new.csv".into()], "again.csv").assert_success();
    let (one, again) = (read_csv(&wd, "one.csv"), read_csv(&wd, "again.csv"));
    assert_eq!(
        again.values("id")[..one.rows.len()],
        one.values("id")[..],
        "the merged groups keep their ids"
    );
    // The new feed is the HSDS fixture again: each of its groups is the merged one's.
    assert_eq!(again.rows.len(), one.rows.len());
    let report = read_json(&wd, "report.json");
    assert_eq!(count(&report["inputs"][1]["merged"]), 4);
}

#[test]
fn stale_listings_are_flagged_counted_apart_from_undated_and_kept() {
    let wd = Workdir::new();
    let feed = repo_path("data/meeting-guide/edmonton-2022-09.json");
    run_ok(
        &wd,
        &[
            "import",
            "meeting-guide",
            &feed.display().to_string(),
            "--timezone",
            "America/Edmonton",
            "--out",
            "edmonton.csv",
        ],
    );
    let embedded = repo_path(EMBEDDED).display().to_string();
    let out = wd.run([
        "directory",
        "merge",
        "edmonton.csv",
        &embedded,
        "--out",
        "m.csv",
        "--now",
        "2022-09-30T12:00:00Z",
        "--stale-after",
        "180",
        "--report",
        "r.json",
    ]);
    out.assert_success();
    let report = read_json(&wd, "r.json");
    let stale = report["stale"].as_array().unwrap().len();
    assert!(stale > 0 && stale < 237, "{stale}");
    out.assert_stdout_contains(&format!(
        "{stale} stale (updated more than 180 days before 2022-09-30; kept), 346 undated"
    ));
    assert_eq!(read_csv(&wd, "m.csv").rows.len(), 237 + 346);
    // The default names are the files' stems.
    let ids = read_csv(&wd, "m.csv");
    assert!(ids.values("id")[0].starts_with("edmonton:"));
    assert!(ids.values("id")[237].starts_with("groups:"));
}

#[test]
fn bad_inputs_are_refused_naming_the_file_and_nothing_is_written() {
    let wd = Workdir::new();
    let embedded = repo_path(EMBEDDED).display().to_string();
    wd.create("bad.csv", "id,name\ng1,A\n");
    let long = "x".repeat(127);
    wd.create(
        "long.csv",
        format!(
            "id,name,approach,format,sessions,timezone\n{long},A,cbt,online,Mon 19:00-20:00,UTC\n"
        ),
    );
    wd.create("exists.csv", "kept");
    let cases: [(&[&str], &str); 6] = [
        (&["missing.csv"], "missing.csv"),
        (&["bad.csv"], "bad.csv:1: approach: missing column"),
        (
            &[&embedded, &embedded],
            "name: 'groups' is already the name of",
        ),
        (&["long=long.csv"], "long.csv: id: 'xxx"),
        (&["a:b=long.csv"], "a:b=long.csv"),
        (&["exists.csv"], "already exists"),
    ];
    for (inputs, message) in cases {
        let out_name = if message == "already exists" {
            "exists.csv"
        } else {
            "out.csv"
        };
        let mut args = vec!["directory", "merge"];
        args.extend_from_slice(inputs);
        args.extend(["--out", out_name, "--report", "r.json"]);
        let out = wd.run(&args);
        out.assert_code(2).assert_stdout_empty();
        out.assert_stderr_contains(message);
        assert!(!wd.path().join("out.csv").exists(), "{out}");
        assert!(!wd.path().join("r.json").exists(), "{out}");
    }
    assert_eq!(util::read(&wd, "exists.csv"), "kept");
    wd.run(["directory", "merge", "long=long.csv", "--out", "out.csv"])
        .assert_stderr_contains("with the prefix 'long:' is 132 bytes long; an id has at most 128");
}

#[test]
fn the_merged_directory_ranks_aa_na_and_professional_groups_together() {
    let wd = Workdir::new();
    let inputs = import_all(&wd, "the_merged_directory_ranks");
    merge(&wd, &inputs, "merged.csv").assert_success();
    let out = wd.run([
        "rank",
        "--groups",
        "merged.csv",
        "--near",
        "39.9496,-75.1503",
        "--substance",
        "opioids",
        "--available",
        "weekday evenings",
        "--top",
        "12",
        "--format",
        "json",
        "--now",
        NOW,
    ]);
    let ranking = out.assert_success().json();
    let ids: Vec<&str> = ranking["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["group_id"].as_str().unwrap())
        .collect();
    for kind in ["na-", "pro-"] {
        assert!(
            ids.iter().any(|id| id.contains(kind)),
            "no {kind} in {ids:?}"
        );
    }
    assert!(
        ids.iter()
            .any(|id| id.starts_with("aa:") || id.contains(":aa-")),
        "{ids:?}"
    );
}
