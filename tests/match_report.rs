//! The match report in a real browser: `groupmatch match --report` writes the page for a small
//! waitlist and directory, Debian's `chromium` renders it headless to a PNG and a PDF, and the
//! PDF's text (`pdftotext`) must hold the totals, a hostile group name as plain text, and every
//! person not placed. Both tools are installed by `.ci/run`; without them this test fails and
//! says so.
//!
//! `REPORT_PNG=docs/match-report.png cargo test --test match_report` also copies the screenshot
//! there (for the README).

mod util;

use util::*;

/// Two groups with one seat each (one named to inject a script), one with none left, one online
/// without a limit on Wednesdays.
const GROUPS_CSV: &str = "\
id,name,approach,format,sessions,timezone,latitude,longitude,languages,capacity,enrolled
r-one,\"<script>alert(\"\"x\"\")</script> & 'Co'\",smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.9526,-75.1652,en,5,4
r-two,Two Seats,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.9886,-75.1652,en,4,3
r-full,Full Group,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.9526,-75.1652,en,3,3
r-online,Online Wednesdays,smart_recovery,online,Wed 19:00-20:00,America/New_York,,,en,,
";

/// Five people on Mondays in person (two seats for them), one who can also meet online.
const WAITLIST_CSV: &str = "\
id,stage,gender,approach_preference,format_preference,availability,timezone,latitude,longitude,max_travel_km,languages,waiting_since
w1,early,woman,no_preference,in_person,Mon 17:00-22:00,America/New_York,39.9526,-75.1652,20,en,2026-05-01
w2,first_year,man,no_preference,in_person,Mon 17:00-22:00,America/New_York,39.98,-75.1652,20,en,2026-03-15
w3,early,woman,no_preference,either,Mon 17:00-22:00;Wed 17:00-22:00,America/New_York,39.9526,-75.1652,20,en,2026-02-01
w4,sustained,man,no_preference,in_person,Mon 17:00-22:00,America/New_York,39.97,-75.1652,20,en,2026-05-25
w5,early,woman,no_preference,in_person,Mon 17:00-22:00,America/New_York,39.96,-75.1652,20,en,2026-04-10
";

#[test]
fn the_report_renders_in_chromium_with_totals_escaped_names_and_everyone_not_placed() {
    require_browser("the report test renders the page in a real browser");
    let wd = Workdir::new();
    let d = wd.path();
    wd.create("groups.csv", GROUPS_CSV);
    wd.create("wait.csv", WAITLIST_CSV);
    wd.run([
        "match",
        "--waitlist",
        "wait.csv",
        "--groups",
        "groups.csv",
        "--now",
        "2026-06-01T12:00:00Z",
        "--out",
        "m.csv",
        "--summary",
        "s.json",
        "--report",
        "r.html",
    ])
    .assert_success();
    let page = d.join("r.html");

    let bytes = screenshot_and_print(d, &page, "900,1500", "REPORT_PNG");
    let pages = pdf_pages(&bytes);
    assert!((1..=2).contains(&pages), "{pages} pages for 5 people");
    let rendered = pdf_text(d, "r.pdf");
    let summary = read_json(&wd, "s.json");
    let placed = summary["placed"].as_u64().unwrap();
    assert_eq!(placed, 3, "{summary}");
    let mut want = vec![
        "Match report".to_string(),
        format!("Best total {:.2}", summary["objective"].as_f64().unwrap()),
        "<script>alert(\"x\")</script> & 'Co'".to_string(),
        "People not placed".to_string(),
    ];
    for row in read_csv(&wd, "m.csv").rows {
        if row[1].is_empty() {
            want.push(format!("{} seats_taken", row[0]));
        }
    }
    assert_eq!(want.len(), 6, "two people not placed");
    for want in want {
        assert!(
            rendered.contains(&want),
            "{want:?} not in the PDF's text:\n{rendered}"
        );
    }
}
