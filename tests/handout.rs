//! The handout in a real browser: `groupmatch rank --handout` writes the page for a small
//! directory, Debian's `chromium` renders it headless to a PNG and a PDF, and the PDF's text
//! (`pdftotext`, from poppler-utils) must hold the group names and dates. Both tools are
//! installed by `.ci/run`; without them this test fails and says so.
//!
//! `HANDOUT_PNG=docs/handout.png cargo test --test handout` also copies the screenshot there
//! (the README's picture).

mod util;

use std::process::Command;

use util::*;

/// A directory with every kind of place and link, and a name that tries to inject a script.
const GROUPS_CSV: &str = "\
id,name,approach,fellowship,format,facilitation,sessions,timezone,latitude,longitude,city,languages,closed,accessibility,newcomer_contact,requires,cost,url,address,phone,join_url
h-aa,Tuesday Night Hope,twelve_step,aa,in_person,peer,Tue 19:00-20:00;Sat 10:00-11:00,America/New_York,39.95,-75.16,Philadelphia,en;es,false,wheelchair,\"Dana, 215-555-0111\",,donation,,\"1 Arch St, Room 2 & \"\"Hall B\"\"\",215-555-0142,
h-smart,Center City SMART Recovery,smart_recovery,,hybrid,peer,2nd 4th Wed 18:00-19:30,America/New_York,39.95,-75.17,Philadelphia,en,,asl;childcare,,,free,https://example.org/smart,200 Walnut St,,https://meet.example.org/smart
h-x,<script>alert(1)</script>,cbt,,online,professional,Thu 18:30-20:00,America/New_York,,,,en,,,,intake,40,,,,javascript:alert(1)
";

const PERSON_JSON: &str = r#"{
  "id": "p-handout", "stage": "early", "approach_preference": "no_preference",
  "format_preference": "either", "timezone": "America/New_York",
  "latitude": 39.95, "longitude": -75.16,
  "availability": ["Tue 18:00-21:00", "Wed 17:00-21:00", "Thu 18:00-21:00", "Sat 09:00-12:00"]
}"#;

const NOW: &str = "2026-12-07T15:00:00Z";

#[test]
fn the_handout_renders_in_chromium_to_a_png_and_a_one_or_two_page_pdf_with_names_and_dates() {
    require_browser("the handout test renders the page in a real browser");
    let wd = Workdir::new();
    let d = wd.path();
    wd.create("groups.csv", GROUPS_CSV);
    wd.create("person.json", PERSON_JSON);
    let page = d.join("handout.html");
    let run = wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "person.json",
        "--now",
        NOW,
        "--handout",
        "handout.html",
        "--choose",
        "h-aa",
        "--choose",
        "h-smart",
        "--choose",
        "h-x",
        "--referrer-name",
        "Northside Recovery Services",
        "--referrer-phone",
        "215-555-0100",
    ]);
    run.assert_success().assert_stderr_contains(
        "wrote handout.html: handout in English for 3 groups (h-aa, h-smart, h-x)",
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<script"), "{html}");

    let bytes = screenshot_and_print(d, &page, "800,1300", "HANDOUT_PNG");
    let pages = pdf_pages(&bytes);
    assert!((1..=2).contains(&pages), "{pages} pages");

    let rendered = pdf_text(d, "handout.pdf");
    for want in [
        "Tuesday Night Hope",
        "Center City SMART Recovery",
        "<script>alert(1)</script>",
        // Monday 7 December 2026, 10:00 in New York.
        "Tuesday, December 8, 7:00–8:00 pm",
        "Saturday, December 12, 10:00–11:00 am",
        "Tuesday, December 15, 7:00–8:00 pm",
        "Wednesday, December 9, 6:00–7:30 pm",
        "Wednesday, December 23, 6:00–7:30 pm",
        "Thursday, December 10, 6:30–8:00 pm",
        "1 Arch St, Room 2 & \"Hall B\", Philadelphia",
        "https://meet.example.org/smart",
        "javascript:alert(1)",
        "Northside Recovery Services",
        "988",
    ] {
        assert!(
            rendered.contains(want),
            "{want:?} not in the PDF's text:\n{rendered}"
        );
    }
}

#[test]
fn a_spanish_speakers_handout_renders_in_spanish() {
    require_browser("the handout test renders the page in a real browser");
    let wd = Workdir::new();
    let d = wd.path();
    wd.create("groups.csv", GROUPS_CSV);
    let person = PERSON_JSON.replace(
        "\"stage\": \"early\"",
        "\"stage\": \"early\", \"languages\": [\"es\", \"en\"]",
    );
    wd.create("person.json", person);
    wd.run([
        "rank",
        "--groups",
        "groups.csv",
        "--person",
        "person.json",
        "--now",
        NOW,
        "--top",
        "2",
        "--handout",
        "h.html",
    ])
    .assert_success()
    .assert_stderr_contains("handout in Spanish for 2 groups");
    let pdf = d.join("h.pdf");
    chromium(
        d,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        &d.join("h.html"),
    );
    let out = Command::new("pdftotext")
        .args(["h.pdf", "-"])
        .current_dir(d)
        .output()
        .expect("pdftotext runs");
    let rendered = String::from_utf8_lossy(&out.stdout);
    let rendered = rendered.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "Sus grupos de apoyo",
        "martes 8 de diciembre, 19:00–20:00",
        "oprima 2",
    ] {
        assert!(rendered.contains(want), "{want:?} not in\n{rendered}");
    }
}

#[test]
fn handout_flags_refuse_unknown_ids_an_existing_file_and_a_choice_without_a_handout() {
    let wd = Workdir::new();
    wd.create("groups.csv", GROUPS_CSV);
    wd.create("person.json", PERSON_JSON);
    let rank = |extra: &[&str]| {
        let mut args = vec![
            "rank",
            "--groups",
            "groups.csv",
            "--person",
            "person.json",
            "--now",
            NOW,
        ];
        args.extend_from_slice(extra);
        wd.run(args)
    };
    rank(&["--handout", "h.html", "--choose", "h-smrt"])
        .assert_code(2)
        .assert_stderr_contains("no group 'h-smrt' in the directory (did you mean 'h-smart'?)");
    assert!(!wd.path().join("h.html").exists(), "nothing written");
    rank(&["--choose", "h-aa"]).assert_code(2);
    wd.create("h.html", "kept");
    rank(&["--handout", "h.html"])
        .assert_code(2)
        .assert_stderr_contains("already exists (use --force to overwrite)");
    assert_eq!(
        std::fs::read_to_string(wd.path().join("h.html")).unwrap(),
        "kept"
    );
    rank(&[
        "--handout",
        "h.html",
        "--force",
        "--referrer",
        "missing.toml",
    ])
    .assert_code(2);
    wd.create("r.toml", "name = \"Northside\"\nfax = \"1\"\n");
    rank(&["--handout", "h.html", "--force", "--referrer", "r.toml"])
        .assert_code(2)
        .assert_stderr_contains("r.toml: unknown field `fax`");
    rank(&[
        "--handout",
        "h.html",
        "--force",
        "--referrer",
        "r.toml",
        "--referrer-name",
        "x",
    ])
    .assert_code(2);
    wd.create("r.toml", "name = \"Northside\"\nphone = \"215-555-0100\"\n");
    rank(&[
        "--handout",
        "h.html",
        "--force",
        "--referrer",
        "r.toml",
        "--referrer-name",
        "Eastside",
    ])
    .assert_success()
    .assert_stderr_contains("wrote h.html: handout in English for 3 groups");
    let html = std::fs::read_to_string(wd.path().join("h.html")).unwrap();
    assert!(html.contains("<strong>Eastside</strong>") && html.contains("215-555-0100"));
}
