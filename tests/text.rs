//! Integration tests of the text policy (`docs/reliability.md`, "Text from data"): control
//! characters and line breaks in a feed's or a groups file's text are replaced by U+FFFD with a
//! warning naming the field and row, `validate` reports them, and no control character from the
//! data reaches the terminal through any table, warning or error (asserted on the raw bytes).

mod util;

use util::{small_person, Output, Workdir, NOW};

/// A feed whose names, addresses, city and slug hold a screen clear (`ESC [2J`), a window title
/// (`ESC ]0;...BEL`), a colour and line breaks.
const NASTY_FEED: &str = r#"[
  {"name": "Hope\u001b[2J Group", "slug": "hope", "day": 1, "time": "19:00", "end_time": "20:00",
   "types": ["O"], "latitude": 39.95, "longitude": -75.16,
   "formatted_address": "12 Oak St\nPhiladelphia, PA 19107, USA",
   "city": "Phila\u001b]0;pwned\u0007delphia"},
  {"name": "Line\nBreak\r\nOnline", "slug": "esc\u001b[31m", "day": 1, "time": "19:00",
   "end_time": "20:00", "types": ["ONL"], "conference_url": "https://example.org/j/1",
   "address": "Online\u009b31m"}
]"#;

/// A person in Philadelphia free on Monday evenings, for whom both groups of the feed fit.
fn person() -> String {
    small_person("p-1", r#""Mon 18:00-22:00""#)
}

/// Panics, showing the run, if stdout or stderr holds ESC, BEL, CR or a C1 control byte.
#[track_caller]
fn assert_no_control_bytes(out: &Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !bytes.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
            "a control byte in {name}{out}"
        );
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' || c == '\u{2028}'),
            "a control character in {name}{out}"
        );
    }
}

fn import_nasty(wd: &Workdir, out: &str) -> Output {
    wd.create("feed.json", NASTY_FEED);
    let run = wd.run([
        "import",
        "meeting-guide",
        "feed.json",
        "--out",
        out,
        "--timezone",
        "America/New_York",
    ]);
    run.assert_success();
    run
}

#[test]
fn control_characters_in_a_feed_are_replaced_with_a_warning_naming_field_and_row() {
    let wd = Workdir::new();
    let run = import_nasty(&wd, "groups.json");
    assert_no_control_bytes(&run);
    for (row, field) in [
        (0, "name"),
        (0, "formatted_address"),
        (0, "city"),
        (1, "name"),
        (1, "slug"),
        (1, "address"),
    ] {
        run.assert_stderr_contains(&format!(
            "feed.json: meeting {row}: {field}: control character or line break replaced by U+FFFD"
        ));
    }
    let groups = util::read_json(&wd, "groups.json");
    assert_eq!(groups[0]["name"], "Hope\u{fffd}[2J Group");
    assert_eq!(groups[0]["city"], "Phila\u{fffd}]0;pwned\u{fffd}delphia");
    assert_eq!(groups[1]["name"], "Line\u{fffd}Break\u{fffd}\u{fffd}Online");
    assert_eq!(groups[1]["id"], "esc\u{fffd}[31m");
    // The written file is clean, so reading it back warns of nothing.
    let check = wd.run(["validate", "groups.json"]);
    check
        .assert_success()
        .assert_stdout_contains("ok (groups, 2 records)");
    assert!(!check.stdout().contains("warning"), "{check}");
}

#[test]
fn rank_explain_and_stats_of_an_imported_nasty_feed_print_no_control_byte() {
    let wd = Workdir::new();
    import_nasty(&wd, "groups.csv");
    wd.create("person.json", person());
    let rank = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "person.json",
        "--now",
        NOW,
        "--show-excluded",
    ]);
    rank.assert_success()
        .assert_stdout_contains("Hope\u{fffd}[2J Group");
    assert_no_control_bytes(&rank);
    let explain = wd.run([
        "explain",
        "--groups",
        "groups.csv",
        "--person",
        "person.json",
        "--group",
        "esc\u{fffd}[31m",
        "--now",
        NOW,
    ]);
    explain
        .assert_success()
        .assert_stdout_contains("Line\u{fffd}Break");
    assert_no_control_bytes(&explain);
    let stats = wd.run(["directory", "stats", "feed.json"]);
    stats.assert_success();
    assert_no_control_bytes(&stats);
}

/// A groups CSV whose name, city and url hold control characters (quoted, so the line breaks
/// stay in the cell). An id holding ESC is refused outright (see docs/reliability.md, Limits).
const NASTY_GROUPS: &str = "id,name,approach,format,sessions,timezone,city,url\n\
    g1,\"Bad\x1b]0;t\x07 Name\",smart_recovery,online,Mon 19:00-20:00,America/New_York,\"Two\nLines\",\"https://x.org/\x1b[1m\"\n";

#[test]
fn validate_reports_control_characters_of_a_groups_file_as_warnings_at_their_line() {
    let wd = Workdir::new();
    wd.create("groups.csv", NASTY_GROUPS);
    let out = wd.run(["validate", "groups.csv"]);
    out.assert_success();
    for field in ["name", "city", "url"] {
        out.assert_problem("groups.csv", 2, Some(field), &["replaced by U+FFFD"]);
    }
    assert_no_control_bytes(&out);
    let json = wd.run(["validate", "groups.csv", "--format", "json"]);
    json.assert_success();
    assert_eq!(json.json()[0]["warnings"].as_array().unwrap().len(), 3);
}

#[test]
fn rank_over_a_groups_file_with_control_characters_prints_none_and_warns() {
    let wd = Workdir::new();
    wd.create("groups.csv", NASTY_GROUPS);
    wd.create("person.json", person());
    for format in ["table", "json"] {
        let rank = wd.run([
            "rank",
            "--groups",
            "groups.csv",
            "--person",
            "person.json",
            "--now",
            NOW,
            "--format",
            format,
        ]);
        rank.assert_success()
            .assert_stderr_contains("groups.csv:2: name: control character");
        assert_no_control_bytes(&rank);
    }
    let json = wd
        .run([
            "rank",
            "--groups",
            "groups.csv",
            "--person",
            "person.json",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .json();
    let top = &json["suggestions"][0];
    assert_eq!(top["name"], "Bad\u{fffd}]0;t\u{fffd} Name");
    assert_eq!(top["group_id"], "g1");
}

#[test]
fn a_groups_file_whose_id_holds_a_control_character_is_refused_without_echoing_it() {
    let wd = Workdir::new();
    wd.create(
        "groups.csv",
        NASTY_GROUPS.replacen("g1,", "\"g\x1b[2J\",", 1),
    );
    let out = wd.run(["validate", "groups.csv"]);
    out.assert_code(2);
    out.assert_problem("groups.csv", 2, Some("id"), &["control character"]);
    assert_no_control_bytes(&out);
}

#[test]
fn errors_and_problems_quoting_a_bad_value_escape_its_control_characters() {
    let wd = Workdir::new();
    wd.create(
        "groups.csv",
        "id,name,approach,format,sessions,timezone\n\
         g1,A,\x1b]0;pwned\x07,online,Mon 19:00-20:00,America/New_York\n",
    );
    wd.create("person.json", person());
    let validate = wd.run(["validate", "groups.csv"]);
    validate.assert_code(2).assert_problem(
        "groups.csv",
        2,
        Some("approach"),
        &["'\\u{1b}]0;pwned\\u{7}'"],
    );
    assert_no_control_bytes(&validate);
    let rank = wd.run(["rank", "--groups", "groups.csv", "--person", "person.json"]);
    rank.assert_code(2)
        .assert_stderr_contains("\\u{1b}]0;pwned\\u{7}");
    assert_no_control_bytes(&rank);
}
