//! Integration tests of `groupmatch import hsds`: the hand-written fixtures of
//! `tests/fixtures/hsds/` (HSDS 3.x JSON, a 3.x tabular package, the 1.x/2.x layout) import and
//! validate; the public samples of `../shared/data/external/hsds/` (official examples, a real
//! food-bank file) are read as HSDS and every record is accounted for; bad input is refused with
//! the file named, and nothing is written.

// Not every helper of the shared harness is used by this test crate.
mod util;

use std::path::PathBuf;

use groupmatch::formats::hsds::{read_hsds, HsdsOptions, HsdsSkip};
use groupmatch::Approach;
use util::{read_csv, repo_path, Output, Workdir};

fn fixture(name: &str) -> PathBuf {
    repo_path(&format!("tests/fixtures/hsds/{name}"))
}

/// A public sample, or `None` (with a note) where the shared data is not beside the repository.
fn shared(relative: &str) -> Option<PathBuf> {
    let path = repo_path(&format!("../shared/data/external/hsds/{relative}"));
    if path.exists() {
        Some(path)
    } else {
        eprintln!("note: {} is not here: test skipped", path.display());
        None
    }
}

fn import(wd: &Workdir, source: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import".to_string(),
        "hsds".into(),
        source.display().to_string(),
        "--out".into(),
        "groups.csv".into(),
        "--force".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    wd.run(args)
}

fn validates(wd: &Workdir) {
    wd.run(["validate", "groups.csv"])
        .assert_success()
        .assert_stdout_contains("ok (groups");
}

#[test]
fn json_fixture_imports_and_validates_with_every_record_accounted_for() {
    let wd = Workdir::new();
    import(&wd, &fixture("recovery-services.json"), &[])
        .assert_success()
        .assert_stdout_contains("5 services read (5 at locations), 4 imported as 4 groups (1 virtual locations merged into hybrid groups), 1 skipped (1 inactive)")
        .assert_stdout_contains("1 schedule skipped (cannot be expressed), 1 with a zone from a UTC offset, 1 with approximate coordinates");
    validates(&wd);
    let groups = read_csv(&wd, "groups.csv");
    assert_eq!(
        groups.values("id"),
        [
            "svc-family@loc-library",
            "svc-hybrid@loc-church",
            "svc-fortnight@loc-hall",
            "svc-food@loc-pantry"
        ]
    );
    assert!(groups.values("approach").iter().all(|a| *a == "other"));
}

#[test]
fn monthly_second_monday_becomes_a_monthly_session_with_its_fields() {
    let wd = Workdir::new();
    import(&wd, &fixture("recovery-services.json"), &[]).assert_success();
    let groups = read_csv(&wd, "groups.csv");
    let at = |column: &str| groups.values(column)[0].to_string();
    assert_eq!(at("sessions"), "2nd Mon 18:30-20:00 from 2027-01-11");
    assert_eq!(at("timezone"), "America/New_York");
    assert_eq!(at("languages"), "en;es");
    assert_eq!(at("min_age"), "18");
    assert_eq!(at("capacity"), "12");
    assert_eq!(at("enrolled"), "7");
    assert_eq!(at("cost"), "free");
    assert_eq!(at("accessibility"), "wheelchair;asl");
    assert_eq!(at("city"), "Northampton");
    assert_eq!(at("phone"), "413-555-0101");
    assert_eq!(
        groups.values("sessions")[2],
        "Wed 17:00-18:30 every 2 weeks from 2027-01-06 until 2027-12-29"
    );
    assert_eq!(groups.values("sessions")[3], "days 1 15 09:00-12:00");
}

#[test]
fn service_with_physical_and_virtual_locations_is_one_hybrid_group() {
    let wd = Workdir::new();
    import(&wd, &fixture("recovery-services.json"), &[]).assert_success();
    let groups = read_csv(&wd, "groups.csv");
    assert_eq!(groups.values("format")[1], "hybrid");
    assert_eq!(
        groups.values("join_url")[1],
        "https://meet.example.org/recovery"
    );
    assert_eq!(
        groups.values("sessions")[1],
        "Tue 19:00-20:00;Thu 19:00-20:00"
    );
}

#[test]
fn numeric_offset_is_read_as_the_zone_at_the_place_with_a_warning_when_it_disagrees() {
    let wd = Workdir::new();
    import(&wd, &fixture("recovery-services.json"), &[])
        .assert_success()
        .assert_stderr_contains("svc-hybrid@loc-church: timezone: UTC offset -05:00 read as America/New_York (the zone at the coordinates), whose offset is -04:00");
    assert_eq!(
        read_csv(&wd, "groups.csv").values("timezone")[1],
        "America/New_York"
    );
}

#[test]
fn schedule_that_cannot_be_expressed_is_warned_by_its_id_and_skipped() {
    let wd = Workdir::new();
    import(&wd, &fixture("recovery-services.json"), &[])
        .assert_success()
        .assert_stderr_contains("sch-yearly: schedule: schedule of svc-fortnight@loc-hall skipped: freq 'YEARLY' cannot be expressed");
}

#[test]
fn room_without_coordinates_is_placed_by_its_postal_code_as_approximate() {
    let wd = Workdir::new();
    import(&wd, &fixture("recovery-services.json"), &[])
        .assert_success()
        .assert_stderr_contains(
            "svc-fortnight@loc-hall: latitude: no coordinates: those of '01002' used (approximate)",
        );
    let groups = read_csv(&wd, "groups.csv");
    assert!(!groups.values("latitude")[2].is_empty());
}

#[test]
fn taxonomy_filter_keeps_tagged_services_and_counts_the_rest() {
    let wd = Workdir::new();
    import(
        &wd,
        &fixture("recovery-services.json"),
        &[
            "--taxonomy",
            "sud-support-group",
            "--approach",
            "secular_other",
        ],
    )
    .assert_success()
    .assert_stdout_contains("3 imported as 3 groups")
    .assert_stdout_contains("2 skipped (1 inactive, 1 not_in_taxonomy)");
    let groups = read_csv(&wd, "groups.csv");
    assert!(!groups.values("id").contains(&"svc-food@loc-pantry"));
    assert!(groups
        .values("approach")
        .iter()
        .all(|a| *a == "secular_other"));
    validates(&wd);
}

#[test]
fn tabular_3x_package_imports_and_validates() {
    let wd = Workdir::new();
    import(
        &wd,
        &fixture("package-3"),
        &["--taxonomy", "SUD-SUPPORT-GROUP"],
    )
    .assert_success()
    .assert_stdout_contains("2 services read (2 at locations), 1 imported as 1 group")
    .assert_stdout_contains("1 skipped (1 inactive)");
    validates(&wd);
    let groups = read_csv(&wd, "groups.csv");
    assert_eq!(
        groups.values("sessions"),
        ["1st 3rd Tue 15:30-16:30 from 2027-01-05"]
    );
    assert_eq!(groups.values("capacity"), ["10"]);
    assert_eq!(groups.values("enrolled"), ["7"]);
    assert_eq!(groups.values("max_age"), ["19"]);
}

#[test]
fn hsds_2_package_reads_weekday_rows_and_holiday_closures() {
    let wd = Workdir::new();
    import(&wd, &fixture("package-2"), &[])
        .assert_success()
        .assert_stdout_contains("1 imported as 1 group");
    validates(&wd);
    let groups = read_csv(&wd, "groups.csv");
    // 24 to 26 December are closed: only the Thursday 24th is a session day.
    assert_eq!(
        groups.values("sessions"),
        ["Mon 18:00-19:30;Thu 18:00-19:30 except 2026-12-24"]
    );
    assert_eq!(groups.values("city"), ["Greenfield"]);
}

#[test]
fn official_json_examples_import_with_the_rule_parts_rfc_5545_forbids_ignored() {
    let Some(dir) = shared("hsds-openreferral-spec-3.0-examples/json") else {
        return;
    };
    let wd = Workdir::new();
    for name in [
        "service_full.json",
        "service_at_location_full.json",
        "organization_full.json",
    ] {
        // The one schedule sets byweekno, bymonthday and byyearday on a WEEKLY rule with both
        // count and until: RFC 5545 allows none of these there, so they are ignored (warned),
        // and its byday, hours, dates and UTC offset (+3, no usable coordinates) are read.
        import(&wd, &dir.join(name), &[])
            .assert_success()
            .assert_stdout_contains("1 imported as 1 group")
            .assert_stderr_contains(
                "byweekno '41,42' ignored: RFC 5545 allows it only in YEARLY rules",
            )
            .assert_stderr_contains(
                "count '3' ignored: a rule has until or count, not both (RFC 5545); until is kept",
            )
            .assert_stderr_contains(
                "bymonthday '2,3,4' ignored: RFC 5545 does not allow it in WEEKLY rules",
            )
            .assert_stderr_contains("latitude 100 is outside -90 to 90")
            .assert_stderr_contains("UTC offset +03:00 without coordinates: read as Etc/GMT-3");
        validates(&wd);
        let groups = read_csv(&wd, "groups.csv");
        assert_eq!(
            groups.values("sessions"),
            ["Thu 10:00-18:00 from 2005-01-01 until 2005-01-01;Fri 10:00-18:00 from 2005-01-01 until 2005-01-01"]
        );
        assert_eq!(
            (groups.values("timezone"), groups.values("timezone_origin")),
            (vec!["Etc/GMT-3"], vec!["derived"])
        );
    }
    // With --timezone, the place's zone is the one given, not the fixed offset.
    import(
        &wd,
        &dir.join("service_full.json"),
        &["--timezone", "Europe/London"],
    )
    .assert_success()
    .assert_stderr_contains("UTC offset +03:00 without coordinates: --timezone used");
    let groups = read_csv(&wd, "groups.csv");
    assert_eq!(
        (groups.values("timezone"), groups.values("timezone_origin")),
        (vec!["Europe/London"], vec!["assumed"])
    );
    std::fs::remove_file(wd.path().join("groups.csv")).unwrap();
    for name in ["service_list.json", "organization_list.json"] {
        // The paged lists hold services without their locations.
        import(&wd, &dir.join(name), &[])
            .assert_code(2)
            .assert_stderr_contains("(1 no_place)");
    }
    assert!(!wd.path().join("groups.csv").exists(), "nothing is written");
}

#[test]
fn official_tabular_example_is_joined_like_its_json() {
    let Some(dir) = shared("hsds-openreferral-spec-3.0-examples/csv") else {
        return;
    };
    let import = read_hsds(&dir, &HsdsOptions::default()).unwrap();
    assert_eq!(import.report.services, 1);
    assert_eq!((import.report.read, import.report.imported), (1, 1));
    assert_eq!(import.report.schedules_skipped, 0);
    assert_eq!(
        import.groups[0].sessions.len(),
        2,
        "Thursday and Friday, as in the JSON"
    );
    assert!(import
        .report
        .warnings
        .iter()
        .any(|w| w.id == "48102e86-bb50-41c4-8f1e-e269368c41d1"
            && w.message.contains("byyearday '2,3,4' ignored")));
}

#[test]
fn food_bank_file_imports_as_other_services_with_days_read_from_descriptions() {
    let Some(file) = shared("hsds-haarrrvest-food-bank-western-mass-3.1.1.json") else {
        return;
    };
    let options = HsdsOptions::default();
    assert_eq!(options.approach, Approach::Other);
    let import = read_hsds(&file, &options).unwrap();
    let r = &import.report;
    let skipped: usize = r.skipped.values().sum();
    assert_eq!(r.read, r.imported + skipped, "{r:?}");
    assert!(r.read >= 243, "{r:?}");
    // Its schedules give opening hours but no weekday: the day is read from a description
    // where one names it (warned), and the rest are skipped, each warned about.
    let read_from_text = r
        .warnings
        .iter()
        .filter(|w| w.message.starts_with("no day in the schedule: "))
        .count();
    assert!(read_from_text >= 90, "{read_from_text}");
    assert!(import.groups.len() >= 90, "{}", import.groups.len());
    assert!(r
        .skipped
        .get(&HsdsSkip::NoSchedule)
        .is_some_and(|n| *n > 100));
    assert!(import.groups.iter().all(|g| g.approach == Approach::Other));
    let lorraine = import
        .groups
        .iter()
        .find(|g| g.id == "svc_5353_food_pantry@loc_5353")
        .unwrap();
    let sessions: Vec<String> = lorraine.sessions.iter().map(ToString::to_string).collect();
    assert_eq!(sessions, ["1st Tue 16:00-17:30"]);
    let wd = Workdir::new();
    import_food_bank_cli(&wd, &file)
        .assert_success()
        .assert_stderr_contains("svc_5353_food_pantry@loc_5353: schedule: no day in the schedule: MONTHLY 1TU read from the location's description 'Distribution is on the 1st Tuesday of each month from 4:00 – 5:30 p.m.")
        .assert_stderr_contains("4785@loc_4785: schedule: schedule of 4785@loc_4785 skipped: freq WEEKLY without byday or dtstart: no weekday");
    validates(&wd);
}

fn import_food_bank_cli(wd: &Workdir, file: &std::path::Path) -> Output {
    import(wd, file, &[])
}

#[test]
fn file_that_is_not_hsds_is_refused_naming_the_file_and_the_problem() {
    let wd = Workdir::new();
    for (name, contents, problem) in [
        (
            "meetings.json",
            r#"[{"day": 1, "time": "19:00"}]"#,
            "not HSDS: item 0: no 'id'",
        ),
        (
            "number.json",
            "42",
            "not HSDS: expected an array of services",
        ),
        ("broken.json", "[{", "not valid JSON"),
        ("empty.json", "[]", "not HSDS: the document has no services"),
    ] {
        let path = wd.create(name, contents);
        import(&wd, &path, &[])
            .assert_code(2)
            .assert_stderr_contains(name)
            .assert_stderr_contains(problem);
    }
    std::fs::create_dir(wd.path().join("folder")).unwrap();
    import(&wd, &wd.path().join("folder"), &[])
        .assert_code(2)
        .assert_stderr_contains("not HSDS: a folder is read as an HSDS tabular package");
    assert!(!wd.path().join("groups.csv").exists());
}

#[test]
fn bad_record_is_skipped_with_a_warning_naming_its_id() {
    let wd = Workdir::new();
    let json = r#"[
      {"id": "good", "name": "Good", "status": "active", "service_at_locations": [{"location": {"id": "l", "latitude": 42.1, "longitude": -72.6,
        "schedules": [{"freq": "WEEKLY", "byday": "MO", "opens_at": "19:00", "closes_at": "20:00"}]}}]},
      "not an object",
      {"id": "noname", "status": "active", "service_at_locations": [{"location": {"id": "l", "latitude": 42.1, "longitude": -72.6}}]}
    ]"#;
    let path = wd.create("mixed.json", json);
    import(&wd, &path, &[])
        .assert_success()
        .assert_stdout_contains("1 imported as 1 group")
        .assert_stderr_contains("item 1: skipped: not a JSON object")
        .assert_stderr_contains("noname@l: name: skipped: no name");
}

#[test]
fn deeply_nested_json_is_refused_without_a_crash() {
    let wd = Workdir::new();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let path = wd.create("deep.json", deep);
    import(&wd, &path, &[])
        .assert_code(2)
        .assert_stderr_contains("deep.json")
        .assert_stderr_contains("recursion limit");
}
