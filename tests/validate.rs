//! Integration tests of `groupmatch validate`: the built binary run on good and bad groups,
//! person and waitlist files, each in its own temporary directory; every problem is reported with
//! its file, line and field.

mod util;

use util::{example_people, repo_path, Output, Workdir, EXAMPLE_PERSON, SMALL_GROUPS_JSON};

/// A groups CSV header with every column the bad-file tests need.
const GROUPS_HEADER: &str = "id,name,approach,format,sessions,timezone,latitude,longitude\n";

/// A good groups row with id `id`.
fn group_row(id: &str) -> String {
    format!(
        "{id},Good Group,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.95,-75.16\n"
    )
}

/// Runs `validate FILE` on a file with `contents`, expecting exit 2 and a summary line.
fn validate_bad(wd: &Workdir, name: &str, contents: impl AsRef<[u8]>) -> Output {
    wd.create(name, contents);
    let out = wd.run(["validate", name]);
    out.assert_code(2)
        .assert_stdout_contains(&format!("{name}: "));
    out
}

#[test]
fn validate_accepts_the_embedded_data_files() {
    let wd = Workdir::new();
    let mut files = vec![repo_path("data/groups.csv")];
    files.extend(example_people());
    let out = wd.run(
        std::iter::once("validate".into()).chain(files.iter().map(|p| p.clone().into_os_string())),
    );
    out.assert_success();
    out.assert_stdout_contains("groups.csv: ok (groups, ");
    for person in example_people() {
        out.assert_stdout_contains(&format!("{}: ok (person, 1 record)", person.display()));
    }
}

#[test]
fn validate_reports_a_missing_required_column() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.csv",
        "id,name,approach,format,sessions\ng1,A,cbt,online,Mon 19:00-20:00\n",
    );
    out.assert_problem("groups.csv", 1, Some("timezone"), &["missing column"]);
}

#[test]
fn validate_reports_an_unknown_value_with_the_allowed_ones() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!(
            "{GROUPS_HEADER}{}",
            group_row("g1").replace("smart_recovery", "smart_recovry")
        ),
    );
    out.assert_problem(
        "groups.csv",
        2,
        Some("approach"),
        &[
            "'smart_recovry'",
            "allowed: ",
            "twelve_step",
            "smart_recovery",
            "lifering",
        ],
    );
}

#[test]
fn validate_rejects_hour_25() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!(
            "{GROUPS_HEADER}{}",
            group_row("g1").replace("Mon 19:00-20:00", "Mon 25:00-26:00")
        ),
    );
    out.assert_problem("groups.csv", 2, Some("sessions"), &["25:00"]);
}

#[test]
fn validate_rejects_a_session_ending_before_it_starts() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!(
            "{GROUPS_HEADER}{}",
            group_row("g1").replace("Mon 19:00-20:00", "Mon 20:00-19:00")
        ),
    );
    out.assert_problem("groups.csv", 2, Some("sessions"), &["19:00", "20:00"]);
}

#[test]
fn validate_names_the_first_line_of_a_duplicate_id() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!(
            "{GROUPS_HEADER}{}{}{}",
            group_row("g1"),
            group_row("g2"),
            group_row("g1")
        ),
    );
    out.assert_problem(
        "groups.csv",
        4,
        Some("id"),
        &["duplicate", "'g1'", "line 2"],
    );
}

#[test]
fn validate_rejects_latitude_123() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!("{GROUPS_HEADER}{}", group_row("g1").replace("39.95", "123")),
    );
    out.assert_problem("groups.csv", 2, Some("latitude"), &["123", "-90", "90"]);
}

#[test]
fn validate_rejects_nan() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!(
            "{GROUPS_HEADER}{}",
            group_row("g1").replace("-75.16", "NaN")
        ),
    );
    out.assert_problem("groups.csv", 2, Some("longitude"), &["NaN", "not a number"]);
}

#[test]
fn validate_rejects_an_empty_file_of_a_given_kind() {
    let wd = Workdir::new();
    for (name, kind) in [
        ("groups.csv", "groups"),
        ("person.json", "person"),
        ("wait.jsonl", "waitlist"),
    ] {
        wd.create(name, "");
        let out = wd.run(["validate", "--kind", kind, name]);
        out.assert_code(2)
            .assert_stdout_contains(&format!("{name}: file is empty"));
    }
}

#[test]
fn validate_says_an_empty_file_is_empty_without_kind() {
    let wd = Workdir::new();
    let out = validate_bad(&wd, "groups.csv", "");
    out.assert_stdout_contains("groups.csv: file is empty");
}

#[test]
fn validate_rejects_non_utf8_bytes_naming_the_line() {
    let wd = Workdir::new();
    let mut bytes = format!("{GROUPS_HEADER}{}", group_row("g1")).into_bytes();
    bytes.extend_from_slice(b"g2,Caf\xe9 Group,cbt,online,Mon 19:00-20:00,UTC,,\n");
    let out = validate_bad(&wd, "groups.csv", bytes);
    out.assert_problem("groups.csv", 3, None, &["UTF-8"]);
}

#[test]
fn validate_names_the_column_holding_non_utf8_bytes() {
    let wd = Workdir::new();
    let mut bytes = GROUPS_HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"g2,Caf\xe9 Group,cbt,online,Mon 19:00-20:00,UTC,,\n");
    let out = validate_bad(&wd, "groups.csv", bytes);
    out.assert_problem("groups.csv", 2, Some("name"), &["UTF-8"]);
}

#[test]
fn validate_rejects_malformed_json_naming_the_line() {
    let wd = Workdir::new();
    let out = validate_bad(
        &wd,
        "groups.json",
        "[\n  {\"id\": \"g1\",\n   \"name\": A}\n]\n",
    );
    out.assert_problem("groups.json", 3, None, &["invalid JSON"]);
    let out = validate_bad(
        &wd,
        "person.json",
        "{\n  \"id\": \"p1\",\n  \"stage\": early\n}\n",
    );
    out.assert_problem("person.json", 3, None, &["invalid JSON"]);
}

#[test]
fn validate_rejects_a_header_only_csv() {
    let wd = Workdir::new();
    let out = validate_bad(&wd, "groups.csv", GROUPS_HEADER);
    out.assert_stdout_contains("groups.csv: no groups in the file");
}

#[test]
fn validate_reports_every_problem_in_a_file_not_just_the_first() {
    let wd = Workdir::new();
    let rows = [
        // line 2: two problems on one row
        group_row("g1")
            .replace("smart_recovery", "smart")
            .replace("39.95", "123"),
        // line 3: fine
        group_row("g2"),
        // line 4: bad time zone and end before start
        group_row("g3")
            .replace("America/New_York", "Mars/Olympus")
            .replace("Mon 19:00-20:00", "Mon 20:00-19:00"),
        // line 5: duplicate of line 3
        group_row("g2"),
        // line 6: bad format value and NaN
        group_row("g6")
            .replace("in_person", "in_persn")
            .replace("-75.16", "NaN"),
    ];
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!("{GROUPS_HEADER}{}", rows.concat()),
    );
    out.assert_problem("groups.csv", 2, Some("approach"), &["'smart'"]);
    out.assert_problem("groups.csv", 2, Some("latitude"), &["123"]);
    out.assert_problem("groups.csv", 4, Some("timezone"), &["Mars/Olympus"]);
    out.assert_problem("groups.csv", 4, Some("sessions"), &["not after start"]);
    out.assert_problem("groups.csv", 5, Some("id"), &["duplicate", "line 3"]);
    out.assert_problem(
        "groups.csv",
        6,
        Some("format"),
        &["'in_persn'", "allowed: "],
    );
    out.assert_problem("groups.csv", 6, Some("longitude"), &["NaN"]);
    out.assert_stdout_contains("groups.csv: 7 problems");
}

#[test]
fn validate_warns_about_an_unknown_column_naming_the_closest_and_exits_0() {
    let wd = Workdir::new();
    wd.create(
        "groups.csv",
        "id,name,approach,format,sessions,timezone,lanugages\n\
         g1,A,cbt,online,Mon 19:00-20:00,UTC,es\n",
    );
    let out = wd.run(["validate", "groups.csv"]);
    out.assert_success()
        .assert_stdout_contains("groups.csv: ok (groups, 1 record)");
    let line = out.assert_problem(
        "groups.csv",
        1,
        Some("lanugages"),
        &["did you mean 'languages'"],
    );
    assert!(out.stdout().contains(&format!("warning: {line}")), "{out}");
}

#[test]
fn validate_kind_overrides_recognition_from_the_shape() {
    let wd = Workdir::new();
    // A groups CSV missing `sessions` cannot be recognised from its header...
    wd.create(
        "groups.csv",
        "id,name,approach,format,timezone\ng1,A,cbt,online,UTC\n",
    );
    let out = wd.run(["validate", "groups.csv"]);
    out.assert_code(2).assert_stdout_contains("give --kind");
    // ...but with --kind the real problem shows.
    let out = wd.run(["validate", "--kind", "groups", "groups.csv"]);
    out.assert_code(2);
    out.assert_problem("groups.csv", 1, Some("sessions"), &["missing column"]);

    // A person file read as groups is judged as groups.
    let out = wd.run(["validate", "--kind", "groups", EXAMPLE_PERSON]);
    out.assert_code(2).assert_stdout_contains("(groups)");
    let out = wd.run(["validate", "--kind", "person", EXAMPLE_PERSON]);
    out.assert_success()
        .assert_stdout_contains("ok (person, 1 record)");

    let out = wd.run(["validate", "--kind", "teams", EXAMPLE_PERSON]);
    out.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("teams");
}

#[test]
fn validate_person_json_reports_the_line_of_each_bad_key() {
    let wd = Workdir::new();
    let person = "{
  \"id\": \"p1\",
  \"stage\": \"earlyish\",
  \"approach_preference\": \"secular\",
  \"format_preference\": \"online\",
  \"availability\": [\"Mon 18:00-22:00\", \"Sat 12:00-09:00\"],
  \"timezone\": \"America/New_York\",
  \"age\": 200,
  \"gender\": \"woman\",
  \"readiness\": 11
}
";
    let out = validate_bad(&wd, "person.json", person);
    out.assert_problem(
        "person.json",
        3,
        Some("stage"),
        &["'earlyish'", "allowed: ", "first_year"],
    );
    out.assert_problem("person.json", 6, Some("availability"), &["not after start"]);
    out.assert_problem("person.json", 8, Some("age"), &["200"]);
    out.assert_problem("person.json", 10, Some("readiness"), &["11"]);
    out.assert_stdout_contains("person.json: 4 problems (person)");
}

#[test]
fn validate_person_json_names_each_missing_required_field() {
    let wd = Workdir::new();
    let out = validate_bad(&wd, "person.json", "{\"id\": \"p1\"}\n");
    for field in [
        "stage",
        "approach_preference",
        "format_preference",
        "availability",
        "timezone",
    ] {
        out.assert_problem("person.json", 1, Some(field), &["missing"]);
    }
}

#[test]
fn validate_groups_json_reports_the_line_of_the_bad_key() {
    let wd = Workdir::new();
    let groups = SMALL_GROUPS_JSON.replacen("\"enrolled\": 10", "\"enrolled\": -3", 1);
    let out = validate_bad(&wd, "groups.json", groups);
    out.assert_problem("groups.json", 13, Some("enrolled"), &["-3"]);
}

/// A waitlist header and two good rows.
const WAITLIST_CSV: &str = "\
id,stage,approach_preference,format_preference,availability,timezone,prior,waiting_since
w1,early,secular,online,Mon 18:00-22:00;Tue 18:00-22:00,UTC,twelve_step:disliked;smart_recovery:helped,2026-10-01
w2,first_year,spiritual,either,Sat 09:00-12:00,America/New_York,,2026-09-15
";

/// One waitlist JSON Lines record.
fn waitlist_line(id: &str, since: &str) -> String {
    let record = serde_json::json!({
        "id": id, "stage": "early", "approach_preference": "secular",
        "format_preference": "online", "availability": ["Mon 18:00-22:00"], "timezone": "UTC",
        "prior": [{"approach": "twelve_step", "outcome": "neutral"}], "waiting_since": since,
    });
    format!("{record}\n")
}

#[test]
fn validate_accepts_good_waitlists_in_csv_and_jsonl() {
    let wd = Workdir::new();
    wd.create("wait.csv", WAITLIST_CSV);
    wd.create(
        "wait.jsonl",
        [
            waitlist_line("w1", "2026-10-01"),
            waitlist_line("w2", "2026-09-15"),
        ]
        .concat(),
    );
    let out = wd.run(["validate", "wait.csv", "wait.jsonl"]);
    out.assert_success()
        .assert_stdout_contains("wait.csv: ok (waitlist, 2 records)")
        .assert_stdout_contains("wait.jsonl: ok (waitlist, 2 records)");
}

#[test]
fn validate_waitlist_csv_reports_duplicate_person_and_bad_date() {
    let wd = Workdir::new();
    let csv = format!(
        "{WAITLIST_CSV}\
         w1,early,secular,online,Mon 18:00-22:00,UTC,,2026-10-01\n\
         w4,early,secular,online,Mon 18:00-22:00,UTC,,2026-13-01\n"
    );
    let out = validate_bad(&wd, "wait.csv", csv);
    out.assert_problem("wait.csv", 4, Some("id"), &["duplicate", "'w1'", "line 2"]);
    out.assert_problem("wait.csv", 5, Some("waiting_since"), &["2026-13-01"]);
    out.assert_stdout_contains("wait.csv: 2 problems (waitlist)");
}

#[test]
fn validate_waitlist_jsonl_reports_duplicate_person_and_bad_date() {
    let wd = Workdir::new();
    let lines = [
        waitlist_line("w1", "2026-10-01"),
        "\n".to_string(),
        waitlist_line("w2", "yesterday"),
        waitlist_line("w1", "2026-10-02"),
    ];
    let out = validate_bad(&wd, "wait.jsonl", lines.concat());
    out.assert_problem("wait.jsonl", 3, Some("waiting_since"), &["'yesterday'"]);
    out.assert_problem(
        "wait.jsonl",
        4,
        Some("id"),
        &["duplicate", "'w1'", "line 1"],
    );
}

#[test]
fn validate_checks_every_file_and_fails_when_any_is_bad() {
    let wd = Workdir::new();
    wd.create("good.csv", format!("{GROUPS_HEADER}{}", group_row("g1")));
    wd.create(
        "bad.csv",
        format!("{GROUPS_HEADER}{}", group_row("g1").replace("39.95", "123")),
    );
    let out = wd.run(["validate", "bad.csv", "good.csv"]);
    out.assert_code(2)
        .assert_stdout_contains("bad.csv: 1 problem (groups)")
        .assert_stdout_contains("good.csv: ok (groups, 1 record)");
}

#[test]
fn validate_json_output_lists_problems_with_line_and_field() {
    let wd = Workdir::new();
    wd.create(
        "bad.csv",
        format!("{GROUPS_HEADER}{}", group_row("g1").replace("39.95", "123")),
    );
    let out = wd.run(["validate", "--format", "json", "bad.csv"]);
    out.assert_code(2);
    let v = out.json();
    assert_eq!(v[0]["path"], "bad.csv", "{out}");
    assert_eq!(v[0]["kind"], "groups", "{out}");
    let problems = v[0]["problems"].as_array().expect("problems array");
    assert_eq!(problems.len(), 1, "{out}");
    assert_eq!(problems[0]["line"], 2, "{out}");
    assert_eq!(problems[0]["field"], "latitude", "{out}");
}

#[test]
fn validate_without_files_is_a_usage_error() {
    let wd = Workdir::new();
    wd.run(["validate"]).assert_code(2).assert_stdout_empty();
}

#[test]
fn validate_refuses_a_5_mb_id_without_echoing_it() {
    let wd = Workdir::new();
    let id = "g".repeat(5_000_000);
    let out = validate_bad(
        &wd,
        "groups.csv",
        format!("{GROUPS_HEADER}{}", group_row(&id)),
    );
    out.assert_problem(
        "groups.csv",
        2,
        Some("id"),
        &["5000000 bytes long", "at most 128"],
    );
    assert!(
        out.stdout().len() + out.stderr().len() < 10_000,
        "the id is not echoed"
    );
}

#[test]
fn validate_refuses_ids_with_a_space_or_a_control_character() {
    let wd = Workdir::new();
    let rows = format!(
        "{GROUPS_HEADER}{}{}",
        group_row("\"g 1\""),
        group_row("g\u{1b}1")
    );
    let out = validate_bad(&wd, "groups.csv", rows);
    out.assert_problem("groups.csv", 2, Some("id"), &["whitespace (U+0020)"]);
    out.assert_problem(
        "groups.csv",
        3,
        Some("id"),
        &["a control character (U+001B)"],
    );
    let person = std::fs::read_to_string(EXAMPLE_PERSON).unwrap();
    let id = serde_json::from_str::<serde_json::Value>(&person).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = validate_bad(&wd, "person.json", person.replace(&id, "p\\t1"));
    out.assert_problem("person.json", 2, Some("id"), &["whitespace (U+0009)"]);
}

#[test]
fn validate_refuses_a_group_with_too_many_sessions() {
    let wd = Workdir::new();
    let sessions = vec!["Mon 19:00-20:00"; 201].join(";");
    let row = group_row("g1").replace("Mon 19:00-20:00", &sessions);
    let out = validate_bad(&wd, "groups.csv", format!("{GROUPS_HEADER}{row}"));
    out.assert_problem(
        "groups.csv",
        2,
        Some("sessions"),
        &["201 items", "at most 200"],
    );
}

#[test]
fn validate_and_rank_refuse_a_person_file_past_its_size_limit() {
    let wd = Workdir::new();
    let person = std::fs::read_to_string(EXAMPLE_PERSON).unwrap();
    let big = format!("{person}{}", " ".repeat(2 * 1024 * 1024));
    let out = validate_bad(&wd, "person.json", &big);
    out.assert_stdout_contains("person.json: file is larger than 1 MiB");
    let out = wd.run(["rank", "--person", "person.json"]);
    out.assert_code(2)
        .assert_stderr_contains("person.json: file is larger than 1 MiB");
}

#[test]
fn validate_refuses_deeply_nested_json_without_crashing() {
    let wd = Workdir::new();
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let out = validate_bad(&wd, "person.json", format!("{{\"id\": {deep}}}"));
    out.assert_stdout_contains("recursion limit");
}
