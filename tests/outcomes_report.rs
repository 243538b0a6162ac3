//! The outcome report in a real browser: `groupmatch report outcomes` writes the page for a
//! simulated history, Debian's `chromium` renders it headless to a PNG and a PDF, and the PDF's
//! text must hold the drift line, every decile, every breakdown and a hostile file name as plain
//! text; the JSON beside it must account for every placement. Both tools are installed by
//! `.ci/run`; without them this test fails and says so.
//!
//! `OUTCOMES_PNG=/tmp/outcomes.png cargo test --test outcomes_report` also copies the screenshot
//! there; `docs/outcomes-report.png` is the page's plot alone, made as `docs/outcomes.md` says.

mod util;

use util::*;

#[test]
fn the_outcome_report_renders_in_chromium_with_deciles_breakdowns_and_drift() {
    require_browser("the outcome report test renders the page in a real browser");
    let wd = Workdir::new();
    let d = wd.path();
    wd.run([
        "simulate",
        "--seed",
        "7",
        "--people",
        "1500",
        "--groups",
        "60",
        "--placements",
        "6000",
        "--out",
        "sim",
    ])
    .assert_success();
    // A file name that is markup: shown as the text it is.
    let hostile = "sim/<img src=x>&'h'.csv";
    std::fs::rename(d.join("sim/history.csv"), d.join(hostile)).unwrap();
    let out = wd.run([
        "report",
        "outcomes",
        "--history",
        hostile,
        "--out",
        "r.html",
        "--json",
        "r.json",
    ]);
    out.assert_success();
    let json = read_json(&wd, "r.json");
    assert_eq!(json["placements"], 6000);
    let deciles = json["deciles"].as_array().unwrap();
    assert_eq!(deciles.len(), 10);
    let counted: u64 = deciles.iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 6000);
    assert_eq!(json["interval"], "95% Wilson score interval");
    let line = json["drift"]["line"].as_str().unwrap().to_string();
    assert!(out.stdout().contains(&line), "{}", out.stdout());

    let page = d.join("r.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<img") && !html.contains("<script"));
    let bytes = screenshot_and_print(d, &page, "900,1300", "OUTCOMES_PNG");
    assert!((1..=4).contains(&pdf_pages(&bytes)));
    let rendered = pdf_text(d, "r.pdf");
    let mut want = vec![
        "Outcome report".to_string(),
        "<img src=x>&'h'.csv".to_string(),
        format!("Drift: {line}."),
        "95% Wilson score interval".to_string(),
    ];
    for by in [
        "By stage",
        "By approach",
        "By gender",
        "By format",
        "By attendance",
    ] {
        want.push(by.to_string());
    }
    for b in deciles {
        want.push(format!(
            "{:.3}-{:.3} {}",
            b["lower"].as_f64().unwrap(),
            b["upper"].as_f64().unwrap(),
            b["count"]
        ));
    }
    for want in want {
        assert!(
            rendered.contains(&want),
            "{want:?} not in the PDF's text:\n{rendered}"
        );
    }
}

#[test]
fn report_outcomes_needs_an_output_and_refuses_to_overwrite() {
    let wd = Workdir::new();
    wd.run([
        "simulate",
        "--seed",
        "3",
        "--people",
        "200",
        "--groups",
        "20",
        "--placements",
        "500",
        "--out",
        "sim",
    ])
    .assert_success();
    wd.run(["report", "outcomes", "--history", "sim/history.csv"])
        .assert_code(2)
        .assert_stderr_contains("--out");
    wd.create("r.html", "keep");
    wd.run([
        "report",
        "outcomes",
        "--history",
        "sim/history.csv",
        "--out",
        "r.html",
    ])
    .assert_code(2)
    .assert_stderr_contains("r.html");
    assert_eq!(read(&wd, "r.html"), "keep");
}
