//! Integration tests of `groupmatch export hsds`: the package of `data/groups.csv` imports back
//! (`import hsds`, the tabular reader) as the same directory and validates; its tables have the
//! columns of the official HSDS 3.0 example package of `../shared/data/external/hsds/`; a folder
//! that is not empty is refused without `--force`, and nothing is written.

mod util;

use std::path::PathBuf;

use groupmatch::read_groups;
use util::{repo_path, Workdir};

/// The official example package's folder, or `None` (with a note) where the shared data is not
/// beside the repository.
fn official_csv_package() -> Option<PathBuf> {
    let path = repo_path("../shared/data/external/hsds/hsds-openreferral-spec-3.0-examples/csv");
    if path.exists() {
        Some(path)
    } else {
        eprintln!("note: {} is not here: test skipped", path.display());
        None
    }
}

fn header(path: &std::path::Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect()
}

#[test]
fn export_then_import_of_the_groups_file_gives_the_same_directory() {
    let wd = Workdir::new();
    let groups = repo_path("data/groups.csv");
    wd.run([
        "export",
        "hsds",
        "pkg",
        "--groups",
        groups.to_str().unwrap(),
    ])
    .assert_success()
    .assert_stdout_contains(
        "346 groups as 346 services at 398 locations (52 hybrid: a room and a link)",
    )
    .assert_stdout_contains("wrote pkg: datapackage.json and 15 tables");
    wd.run(["import", "hsds", "pkg", "--out", "back.csv"])
        .assert_success()
        .assert_stdout_contains("346 services read (346 at locations), 346 imported as 346 groups (52 virtual locations merged into hybrid groups), 0 skipped")
        .assert_stdout_contains(", 0 warnings");
    wd.run(["validate", "back.csv"])
        .assert_success()
        .assert_stdout_contains("ok (groups");
    let back = read_groups(&wd.path().join("back.csv")).unwrap().value;
    assert_eq!(back, read_groups(&groups).unwrap().value);
}

#[test]
fn export_without_groups_writes_the_embedded_directory() {
    let wd = Workdir::new();
    wd.run(["export", "hsds", "pkg"])
        .assert_success()
        .assert_stdout_contains("the embedded directory: 346 groups");
}

#[test]
fn exported_tables_have_the_columns_of_the_official_example_package() {
    let Some(official) = official_csv_package() else {
        return;
    };
    let wd = Workdir::new();
    wd.run(["export", "hsds", "pkg"]).assert_success();
    let pkg = wd.path().join("pkg");
    let descriptor: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("datapackage.json")).unwrap()).unwrap();
    let mut compared = 0;
    for resource in descriptor["resources"].as_array().unwrap() {
        let path = resource["path"].as_str().unwrap();
        let written = header(&pkg.join(path));
        let described: Vec<&str> = resource["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(written, described, "{path}");
        let example = official.join(path);
        if example.exists() {
            assert_eq!(written, header(&example), "{path}");
            compared += 1;
        } else {
            // HSDS 3.1's tables for seats are not in the 3.0 example.
            assert!(
                ["service_capacity.csv", "units.csv"].contains(&path),
                "{path}"
            );
        }
    }
    assert_eq!(compared, 13);
}

#[test]
fn export_refuses_a_folder_that_is_not_empty_without_force_and_writes_nothing() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.path().join("pkg")).unwrap();
    wd.create("pkg/notes.txt", "kept");
    wd.run(["export", "hsds", "pkg"])
        .assert_code(2)
        .assert_stderr_contains("pkg: is not empty (use --force to write the package into it)");
    assert_eq!(std::fs::read_dir(wd.path().join("pkg")).unwrap().count(), 1);
    wd.run(["export", "hsds", "pkg", "--force"])
        .assert_success();
    assert!(wd.path().join("pkg/services.csv").exists());
    assert_eq!(
        std::fs::read_to_string(wd.path().join("pkg/notes.txt")).unwrap(),
        "kept"
    );
}
