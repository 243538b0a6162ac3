//! Integration tests of `groupmatch import meeting-guide` and `groupmatch directory stats`: every
//! real Meeting Guide feed is imported, every meeting in it is accounted for, and `validate`,
//! `rank` and `match` run on the result; hand-made feeds cover bad input. The real feeds are the
//! redacted Edmonton copy in `data/meeting-guide/` and, where the workplace's shared data is
//! beside the repository, the three feeds of `../shared/data/external/` (public directory data;
//! see SOURCES.md there). The tests assert on counts and codes only: the feeds' free text holds
//! contact details that must not be copied anywhere.

// Not every helper of the shared harness is used by this test crate.
mod util;

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::PathBuf;

use serde_json::Value;

use util::{repo_path, Output, Workdir, NOW};

/// The shared real feeds, when they are there.
fn shared_feeds() -> Vec<PathBuf> {
    let dir = repo_path("../shared/data/external");
    if dir.is_dir() {
        util::json_files(&dir, 3)
    } else {
        notice(&format!(
            "{} is not here: only the feed in data/ is tested",
            dir.display()
        ));
        Vec::new()
    }
}

/// The shared real feed of `area`, or `None` with a notice that `test` is skipped.
fn shared_feed(area: &str, test: &str) -> Option<PathBuf> {
    let feed = shared_feeds()
        .into_iter()
        .find(|f| f.to_string_lossy().contains(area));
    if feed.is_none() {
        notice(&format!(
            "SKIPPED {test}: the {area} feed of ../shared/data/external/ is not here"
        ));
    }
    feed
}

/// Writes `message` to the process's stderr, past libtest's capture of `eprintln!`, so that
/// `cargo test` shows when a test ran on less than all the feeds or was skipped.
fn notice(message: &str) {
    let _ = writeln!(std::io::stderr(), "note: {message}");
}

/// Every real feed: the one in `data/` and the shared ones.
fn real_feeds() -> Vec<PathBuf> {
    let mut feeds = vec![repo_path("data/meeting-guide/edmonton-2022-09.json")];
    feeds.extend(shared_feeds());
    feeds
}

/// `groupmatch import meeting-guide ARGS...` in `wd`.
fn import<S: AsRef<OsStr>>(wd: &Workdir, args: impl IntoIterator<Item = S>) -> Output {
    let args: Vec<OsString> = ["import", "meeting-guide"]
        .into_iter()
        .map(OsString::from)
        .chain(args.into_iter().map(|a| a.as_ref().to_owned()))
        .collect();
    wd.run(args)
}

/// The feeds state no time zone: each area's, by its file name.
fn timezone_of(feed: &std::path::Path) -> &'static str {
    let name = feed.file_name().unwrap().to_string_lossy().to_string();
    if name.contains("orange-county-ca") {
        "America/Los_Angeles"
    } else if name.contains("edmonton") {
        "America/Edmonton"
    } else {
        "America/New_York"
    }
}

fn count(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn every_real_feed_imports_with_every_meeting_accounted_for_and_ranks() {
    let wd = Workdir::new();
    for feed in real_feeds() {
        let tz = timezone_of(&feed);
        let raw: Vec<Value> = serde_json::from_slice(&std::fs::read(&feed).unwrap()).unwrap();
        let out = wd.path().join("groups.csv");
        let run = import(
            &wd,
            [
                feed.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
                "--timezone".as_ref(),
                tz.as_ref(),
                // The previous feed's groups are replaced.
                "--force".as_ref(),
            ],
        );
        run.assert_success()
            .assert_stdout_contains(&format!("{} meetings read", raw.len()));

        // The same import's report, in full.
        let stats = wd
            .run([
                "directory".as_ref(),
                "stats".as_ref(),
                feed.as_os_str(),
                "--timezone".as_ref(),
                tz.as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
            ])
            .assert_success()
            .json();
        let report = &stats["feed"];
        let skipped: u64 = report["skipped"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(count(report, "read"), raw.len() as u64);
        assert_eq!(
            count(report, "imported") + skipped,
            raw.len() as u64,
            "{feed:?}"
        );
        assert_eq!(
            count(report, "groups") + count(report, "merged"),
            count(report, "imported")
        );
        assert_eq!(count(&stats, "groups"), count(report, "groups"));
        assert!(
            count(report, "imported") * 10 >= raw.len() as u64 * 9,
            "nine in ten meetings or more are active and imported: {report}"
        );
        // Only meetings the feed marks inactive or temporarily closed, or that cannot be
        // read, are left out; active ones all arrive.
        let inactive = raw
            .iter()
            .filter(|m| m["attendance_option"] == "inactive")
            .count() as u64;
        let closed = raw
            .iter()
            .filter(|m| {
                m["types"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|c| c == "TC"))
            })
            .count() as u64;
        let reasons = &report["skipped"];
        assert_eq!(reasons["inactive"].as_u64().unwrap_or(0), inactive);
        assert!(reasons["temporarily_closed"].as_u64().unwrap_or(0) <= closed);
        let unread = skipped
            - inactive
            - reasons["temporarily_closed"].as_u64().unwrap_or(0)
            - reasons["no_place_or_link"].as_u64().unwrap_or(0);
        assert!(unread <= 2, "{feed:?}: {reasons}");
        let days: u64 = stats["by_day"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(days, count(&stats, "sessions"));

        wd.run(["validate".as_ref(), out.as_os_str()])
            .assert_success()
            .assert_stdout_contains(&format!("ok (groups, {} records)", count(report, "groups")));
        // Exit 1 is rank's answer when no group fits a person (a secular-only person and an
        // AA directory, say); most example people get suggestions.
        let mut suggested = 0;
        for person in util::example_people() {
            let run = wd.run([
                "rank".as_ref(),
                "--groups".as_ref(),
                out.as_os_str(),
                "--person".as_ref(),
                person.as_os_str(),
                "--now".as_ref(),
                NOW.as_ref(),
            ]);
            run.assert_stdout_contains("eligible groups");
            match run.code {
                Some(0) => suggested += 1,
                Some(1) => {
                    run.assert_stdout_contains("No group fits every constraint");
                }
                _ => panic!("{run}"),
            }
        }
        assert!(
            suggested >= 3,
            "{feed:?}: {suggested} people got suggestions"
        );
    }
}

#[test]
fn an_imported_feed_matches_a_waitlist() {
    let wd = Workdir::new();
    import(
        &wd,
        [
            repo_path("data/meeting-guide/edmonton-2022-09.json").as_os_str(),
            "--out".as_ref(),
            "groups.csv".as_ref(),
            "--timezone".as_ref(),
            "America/Edmonton".as_ref(),
        ],
    )
    .assert_success();
    wd.create(
        "waitlist.csv",
        "id,stage,approach_preference,format_preference,availability,timezone,latitude,longitude,max_travel_km,waiting_since\n\
         w1,early,no_preference,in_person,Mon 17:00-22:00;Thu 17:00-22:00,America/Edmonton,53.55,-113.49,10,2026-10-01\n\
         w2,first_year,no_preference,online,Sat 08:00-14:00;Sun 08:00-14:00,America/Edmonton,,,,2026-11-01\n\
         w3,sustained,spiritual,either,Wed 18:00-22:00,America/Edmonton,53.5,-113.5,5,2026-09-15\n",
    );
    wd.run([
        "match",
        "--waitlist",
        "waitlist.csv",
        "--groups",
        "groups.csv",
        "--out",
        "match.csv",
        "--now",
        NOW,
    ])
    .assert_success();
    let rows = util::read_csv(&wd, "match.csv");
    assert_eq!(rows.rows.len(), 3);
    let (reason, group) = (rows.column("reason"), rows.column("group_id"));
    assert!(
        rows.rows
            .iter()
            .all(|r| r[reason] == "placed" && !r[group].is_empty()),
        "{:?}",
        rows.rows
    );
    // The in-person meetings have no coordinates: placed at the centre of their postal code, so
    // their distances are shown as approximate (and never as online).
    let ranking = wd
        .run([
            "rank".as_ref(),
            "--groups".as_ref(),
            "groups.csv".as_ref(),
            "--person".as_ref(),
            repo_path("data/meeting-guide/edmonton-person.json").as_os_str(),
            "--now".as_ref(),
            NOW.as_ref(),
        ])
        .assert_success()
        .stdout();
    // A suggestion attended in the room is the line above its `in person:` line.
    let lines: Vec<&str> = ranking.lines().collect();
    let rooms: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[1].trim_start().starts_with("in person: "))
        .map(|w| w[0])
        .collect();
    assert!(!rooms.is_empty());
    assert!(
        rooms.iter().all(|l| {
            let travel = l.rsplit(' ').nth(1).unwrap_or_default();
            travel.starts_with('~') && l.ends_with(" km")
        }),
        "{ranking}"
    );
}

#[test]
fn the_philadelphia_feed_ranks_rooms_near_a_philadelphian() {
    // No copy of this feed is in data/ (only Edmonton's, which has no coordinates).
    let Some(feed) = shared_feed(
        "southeastern-pennsylvania",
        "the_philadelphia_feed_ranks_rooms_near_a_philadelphian",
    ) else {
        return;
    };
    let wd = Workdir::new();
    import(
        &wd,
        [
            feed.as_os_str(),
            "--out".as_ref(),
            "groups.csv".as_ref(),
            "--timezone".as_ref(),
            "America/New_York".as_ref(),
        ],
    )
    .assert_success();
    // The example young man lives in Philadelphia and wants to meet in person.
    let ranking = wd
        .run([
            "rank".as_ref(),
            "--groups".as_ref(),
            "groups.csv".as_ref(),
            "--person".as_ref(),
            repo_path("data/people/young-man-first-year.json").as_os_str(),
            "--now".as_ref(),
            NOW.as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
        ])
        .assert_success()
        .json();
    let suggestions = ranking["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), 10);
    for s in suggestions {
        assert_eq!(s["approach"], "twelve_step");
        assert_eq!(s["attendance"], "in_person");
        assert!(s["distance_km"].as_f64().unwrap() <= 6.0, "{s}");
    }
}

#[test]
fn a_feed_that_is_not_json_fails_naming_the_line_and_writes_nothing() {
    let wd = Workdir::new();
    wd.create("feed.json", "[\n{\"name\": \"a\", \"day\": 1,,}\n]");
    wd.create("groups.csv", "kept");
    import(
        &wd,
        [
            "feed.json",
            "--out",
            "groups.csv",
            "--timezone",
            "UTC",
            "--force",
        ],
    )
    .assert_code(2)
    .assert_stderr_contains("feed.json:2: not valid JSON");
    assert_eq!(
        util::read(&wd, "groups.csv"),
        "kept",
        "the old file is untouched"
    );
}

#[test]
fn a_feed_without_time_zones_needs_one_and_says_so() {
    let wd = Workdir::new();
    wd.create(
        "feed.json",
        r#"[{"name": "a", "day": 1, "time": "18:00", "types": ["ONL"]}]"#,
    );
    import(&wd, ["feed.json", "--out", "groups.csv"])
        .assert_code(2)
        .assert_stderr_contains("1 meeting without a time zone or coordinates: pass --timezone");
    assert!(!wd.path().join("groups.csv").exists());
    import(
        &wd,
        ["feed.json", "--out", "groups.csv", "--timezone", "Nowhere"],
    )
    .assert_code(2)
    .assert_stderr_contains("unknown time zone 'Nowhere'");
}

#[test]
fn meetings_with_coordinates_take_their_zone_and_a_zone_of_no_place_is_warned_once() {
    let wd = Workdir::new();
    wd.create(
        "feed.json",
        r#"[{"name": "a", "day": 1, "time": "18:00", "latitude": 39.9526, "longitude": -75.1652,
             "formatted_address": "1 Elm St, Philadelphia, PA 19107, USA"},
            {"name": "b", "day": 2, "time": "18:00", "types": ["ONL"]},
            {"name": "c", "day": 3, "time": "18:00", "types": ["ONL"]}]"#,
    );
    import(&wd, ["feed.json", "--out", "groups.csv"])
        .assert_success()
        .assert_stdout_contains("2 skipped (2 no_timezone)")
        .assert_stdout_contains("1 with the time zone of their coordinates, 0 with a time zone unlike their coordinates' (kept)");
    assert!(util::read(&wd, "groups.csv").contains("America/New_York"));
    let run = import(
        &wd,
        [
            "feed.json",
            "--out",
            "groups.csv",
            "--timezone",
            "EST",
            "--force",
        ],
    );
    run.assert_success()
        .assert_stdout_contains("1 with the time zone of their coordinates");
    let once = "warning: --timezone: 'EST' follows no place (a fixed UTC-05:00 zone)";
    assert_eq!(run.stderr().matches(once).count(), 1, "{}", run.stderr());
    let written = util::read(&wd, "groups.csv");
    assert_eq!(
        (
            written.matches(",EST,").count(),
            written.matches(",America/New_York,").count()
        ),
        (2, 1),
        "Philadelphia's EST became America/New_York: {written}"
    );
    wd.run(["validate", "groups.csv"]).assert_success();
}

#[test]
fn problem_rows_are_warned_with_their_index_and_the_rest_imported() {
    let wd = Workdir::new();
    wd.create(
        "feed.json",
        r#"[{"name": "a", "slug": "a", "day": 1, "time": "18:00", "types": ["ONL", "ASBI"]},
            {"name": "b", "slug": "b", "day": 8, "time": "18:00", "types": ["ONL"]},
            {"name": "c", "slug": "c", "day": 2, "time": "6:30 PM", "types": ["ONL", "ASBI"],
             "attendance_option": "online"},
            {"name": "d", "slug": "d", "day": 2, "time": "18:00", "attendance_option": "inactive"}]"#,
    );
    import(&wd, ["feed.json", "--out", "groups.json", "--timezone", "Europe/London"])
    .assert_success()
    .assert_stderr_contains("feed.json: meeting 1: day: 8 is not a day")
    .assert_stderr_contains("unknown code 'ASBI' (ignored) in 2 meetings at 0, 2")
    .assert_stdout_contains(
        "4 meetings read, 2 imported as 2 groups (0 merged into an earlier meeting's group), 2 skipped (1 inactive, 1 bad_schedule)",
    );
    let groups = util::read_json(&wd, "groups.json");
    let ids: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(groups[1]["sessions"][0], "Tue 18:30-19:30");
    wd.run(["validate", "groups.json"]).assert_success();
}

#[test]
fn directory_stats_counts_a_groups_file() {
    let wd = Workdir::new();
    let stats = wd
        .run([
            "directory".as_ref(),
            "stats".as_ref(),
            repo_path("data/groups.csv").as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ])
        .assert_success()
        .json();
    let groups = count(&stats, "groups");
    let by_format: u64 = stats["by_format"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_format, groups);
    assert!(stats["by_language"]["en"].as_u64().unwrap() <= groups);
    assert!(stats.get("feed").is_none(), "a groups file is not a feed");
}

#[test]
fn the_fellowship_option_sets_the_fellowship_approach_and_meaning_of_poa() {
    let wd = Workdir::new();
    wd.create(
        "feed.json",
        r#"[{"name": "a", "slug": "a", "day": 1, "time": "18:00", "types": ["ONL", "POA", "C"]},
            {"name": "b", "slug": "b", "day": 2, "time": "18:00", "types": ["ONL", "O"]}]"#,
    );
    // An import of the feed into `out` with `options` added.
    let run = |out: &str, options: &[&str]| {
        let base = ["feed.json", "--out", out, "--timezone", "UTC", "--force"];
        import(&wd, base.iter().chain(options))
    };
    let groups = |options: &[&str]| -> Vec<Value> {
        run("groups.json", options).assert_success();
        wd.run(["validate", "groups.json"]).assert_success();
        util::read_json(&wd, "groups.json")
            .as_array()
            .unwrap()
            .clone()
    };
    let signs_proof = |g: &Value| {
        g["accessibility"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "proof_of_attendance")
    };

    let na = groups(&["--fellowship", "na"]);
    assert!(na
        .iter()
        .all(|g| g["fellowship"] == "na" && g["approach"] == "twelve_step"));
    assert!(signs_proof(&na[0]) && !signs_proof(&na[1]));

    // Al-Anon's groups serve families, and its POA is Parents of Alcoholics.
    let al_anon = groups(&["--fellowship", "al_anon"]);
    assert!(al_anon
        .iter()
        .all(|g| g["fellowship"] == "al_anon" && g["approach"] == "family_support"));
    assert!(!signs_proof(&al_anon[0]));

    // No guess without the option, and the summary says how to set it.
    run("groups.json", &[])
        .assert_success()
        .assert_stdout_contains("no fellowship set (a feed does not say): pass --fellowship aa");
    assert!(groups(&[])[0]["fellowship"].is_null());
    run("groups.json", &["--fellowship", "aa"])
        .assert_success()
        .assert_stdout_lacks("no fellowship set");

    run("x.json", &["--fellowship", "al_anon", "--approach", "twelve_step"])
        .assert_code(2)
        .assert_stderr_contains(
            "--fellowship, --approach: al_anon meetings are for families, but approach twelve_step is for people in recovery",
        );
    run("x.json", &["--fellowship", "alcoholics"])
        .assert_code(2)
        .assert_stderr_contains("unknown value 'alcoholics'");
    assert!(!wd.path().join("x.json").exists());
}

#[test]
fn a_real_feeds_gay_lesbian_transgender_and_nonbinary_meetings_stay_apart() {
    let test = "a_real_feeds_gay_lesbian_transgender_and_nonbinary_meetings_stay_apart";
    let Some(feed) = shared_feed("orange-county", test) else {
        return;
    };
    let wd = Workdir::new();
    let out = wd.path().join("groups.json");
    let tz = timezone_of(&feed);
    let args = [feed.as_os_str(), "--out".as_ref(), out.as_os_str()];
    import(
        &wd,
        args.into_iter().chain(["--timezone".as_ref(), tz.as_ref()]),
    )
    .assert_success();
    let groups = util::read_json(&wd, "groups.json");
    let with = |audience: &str| {
        groups
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| {
                g["audience"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a == audience)
            })
            .count()
    };
    // The feed has 8 G, 1 L, 3 T, 1 NB and 10 LGBTQ meeting rows.
    for audience in ["gay", "lesbian", "transgender", "nonbinary", "lgbtq"] {
        assert!(with(audience) >= 1, "{audience}");
    }
}

// `import bmlt`: the two real BMLT responses of ../shared/data/external/bmlt/ (read from there,
// never copied: some carry copyleft licences), each with and without its server's formats.

/// The shared BMLT sample `name`, with its server's formats file, or `None` with a notice.
fn bmlt_sample(name: &str, test: &str) -> Option<(PathBuf, PathBuf)> {
    let dir = repo_path("../shared/data/external/bmlt");
    let formats = if name.contains("berlin") {
        "bmlt-formats-bread-narcotics-anonymous-de.json"
    } else {
        "bmlt-formats-yap-latest-aws-bmlt-app.json"
    };
    let (feed, formats) = (dir.join(name), dir.join(formats));
    if feed.is_file() && formats.is_file() {
        Some((feed, formats))
    } else {
        notice(&format!("SKIPPED {test}: {} is not here", feed.display()));
        None
    }
}

#[test]
fn both_bmlt_samples_import_with_and_without_formats_validate_and_rank_na_groups() {
    let test = "both_bmlt_samples_import_with_and_without_formats_validate_and_rank_na_groups";
    let wd = Workdir::new();
    for (name, near, timezone) in [
        ("bmlt-bmlt-workflow-abcd-region-2x.json", "12534", None),
        (
            "bmlt-bread-berlin-narcotics-anonymous-de.json",
            "10115 Berlin",
            Some("Europe/Berlin"),
        ),
    ] {
        let Some((feed, formats)) = bmlt_sample(name, test) else {
            continue;
        };
        let raw: Vec<Value> = serde_json::from_slice(&std::fs::read(&feed).unwrap()).unwrap();
        for with_formats in [false, true] {
            let out = wd.path().join("na.json");
            let mut args: Vec<OsString> = vec![
                "import".into(),
                "bmlt".into(),
                feed.clone().into(),
                "--out".into(),
                out.clone().into(),
                "--force".into(),
            ];
            if with_formats {
                args.extend(["--formats".into(), formats.clone().into()]);
            }
            if let Some(tz) = timezone {
                args.extend(["--timezone".into(), tz.into()]);
            }
            let run = wd.run(&args);
            run.assert_success()
                .assert_stdout_contains(&format!("{} meetings read", raw.len()));
            let groups: Vec<Value> = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
            assert!(
                groups.len() * 10 >= raw.len() * 7,
                "{name}: {} groups of {} meetings\n{run}",
                groups.len(),
                raw.len()
            );
            assert!(groups.iter().all(|g| g["fellowship"] == "na"));
            // Virtual meetings keep no coordinates (the Berlin server puts them in California).
            assert!(groups
                .iter()
                .filter(|g| g["format"] == "online")
                .all(|g| g["latitude"].is_null() && g["join_url"].is_string()));
            wd.run(["validate".as_ref(), out.as_os_str()])
                .assert_success()
                .assert_stdout_contains(&format!("ok (groups, {} records)", groups.len()));
            wd.run([
                "rank".as_ref(),
                "--groups".as_ref(),
                out.as_os_str(),
                "--near".as_ref(),
                near.as_ref(),
                "--now".as_ref(),
                NOW.as_ref(),
                "--top".as_ref(),
                "3".as_ref(),
            ])
            .assert_success()
            .assert_stdout_contains("  1  ")
            .assert_stdout_contains("bmlt-");
        }
    }
}

#[test]
fn the_berlin_bmlt_sample_reads_german_formats_and_warns_each_unknown_one_once() {
    let test = "the_berlin_bmlt_sample_reads_german_formats_and_warns_each_unknown_one_once";
    let Some((feed, formats)) = bmlt_sample("bmlt-bread-berlin-narcotics-anonymous-de.json", test)
    else {
        return;
    };
    let wd = Workdir::new();
    let out = wd.path().join("berlin.json");
    let run = wd.run([
        "import".as_ref(),
        "bmlt".as_ref(),
        feed.as_os_str(),
        "--formats".as_ref(),
        formats.as_os_str(),
        "--timezone".as_ref(),
        "Europe/Berlin".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    run.assert_success()
        .assert_stdout_contains("1 restricted_attendance")
        .assert_stderr_contains("formats: unknown format 'flinta' (ignored) in 3 meetings at ");
    assert_eq!(run.stderr().matches("'flinta'").count(), 1, "{run}");
    let groups: Vec<Value> = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let has = |field: &str, value: &str| {
        groups
            .iter()
            .any(|g| g[field].as_array().unwrap().iter().any(|v| v == value))
    };
    assert!(has("languages", "de") && has("languages", "ru") && has("languages", "fa"));
    assert!(has("accessibility", "wheelchair") && has("accessibility", "childcare"));
    assert!(has("audience", "women") && has("audience", "lgbtq"));
    let formats: std::collections::BTreeSet<&str> = groups
        .iter()
        .map(|g| g["format"].as_str().unwrap())
        .collect();
    assert!(formats.contains("online") && formats.contains("in_person"));
}

#[test]
fn import_bmlt_refuses_a_meeting_guide_feed_and_writes_nothing() {
    let wd = Workdir::new();
    let feed = repo_path("data/meeting-guide/edmonton-2022-09.json");
    let out = wd.path().join("groups.csv");
    let run = wd.run([
        "import".as_ref(),
        "bmlt".as_ref(),
        feed.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    run.assert_code(2)
        .assert_stderr_contains("edmonton-2022-09.json")
        .assert_stderr_contains("not a BMLT GetSearchResults response")
        .assert_stderr_contains("use import meeting-guide");
    assert!(!out.exists());
    let junk = wd.create("junk.json", r#"{"services": []}"#);
    wd.run([
        "import".as_ref(),
        "bmlt".as_ref(),
        junk.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .assert_code(2)
    .assert_stderr_contains("junk.json");
    assert!(!out.exists());
}

#[test]
fn import_bmlt_names_a_bad_meeting_by_its_id_and_counts_it() {
    let wd = Workdir::new();
    let meeting = |id: &str, day: &str| {
        format!(
            r#"{{"id_bigint": "{id}", "meeting_name": "Hope", "weekday_tinyint": "{day}",
                "start_time": "19:00:00", "duration_time": "", "venue_type": "2",
                "virtual_meeting_link": "https://example.org/j/1", "formats": "VM,Zz"}}"#
        )
    };
    let feed = wd.create(
        "feed.json",
        format!(
            "[{}, {}, {}]",
            meeting("41", "2"),
            meeting("42", "9"),
            meeting("43", "4")
        ),
    );
    let run = wd.run([
        "import".as_ref(),
        "bmlt".as_ref(),
        feed.as_os_str(),
        "--timezone".as_ref(),
        "America/New_York".as_ref(),
        "--out".as_ref(),
        "groups.csv".as_ref(),
    ]);
    run.assert_success()
        .assert_stderr_contains("meeting 42: weekday_tinyint: '9' is not a weekday")
        .assert_stderr_contains("unknown format 'Zz' (ignored) in 3 meetings at 41, 42, 43")
        .assert_stdout_contains(
            "3 meetings read, 2 imported as 1 group (1 merged into an earlier meeting's group), 1 skipped (1 bad_schedule)",
        )
        .assert_stdout_contains("2 without a duration (given 60 minutes)");
}
