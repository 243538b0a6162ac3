//! Integration tests of `groupmatch match`: the built binary run on a small simulated waitlist
//! and directory (400 people, 60 groups; a fraction of a second in a debug build) for the
//! invariants, and on tiny hand-written files for exact cases (who gets the last seat, the
//! optimum against brute force over the exported problem, bad input).

// Not every helper of the shared harness is used by this test crate.
mod util;

use std::collections::{BTreeMap, BTreeSet};

use approx::assert_abs_diff_eq;
use chrono::NaiveDate;
use serde_json::Value;

use util::{read, read_bytes, read_csv, read_json, repo_path, Output, Workdir};

/// The instant every match here runs at (the simulated waitlist joined before it).
const MATCH_NOW: &str = "2026-06-01T12:00:00Z";

/// `MATCH_NOW`'s date, from which days waited count.
const MATCH_DAY: (i32, u32, u32) = (2026, 6, 1);

/// The columns of the output, in order.
const COLUMNS: [&str; 9] = [
    "person_id",
    "group_id",
    "score",
    "weight",
    "rank_for_person",
    "alternates",
    "reason",
    "explanation",
    "safety_first",
];

/// The columns appended after [`COLUMNS`]: the placed group's name, its next sessions and the
/// signed reasons.
const NEW_COLUMNS: [&str; 3] = ["group_name", "next_sessions", "reasons"];

/// Every reason a row may give.
const REASONS: [&str; 4] = [
    "placed",
    "no_eligible_group",
    "below_min_score",
    "seats_taken",
];

/// Open seats `capacity.csv` writes for an unlimited group.
const UNLIMITED: u64 = 1_000_000_000;

/// Scores and weights are written with 6 decimals.
const PRINTED: f64 = 1e-6;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Simulates the small waitlist and directory (seed 5) into `sim/`.
fn simulate(wd: &Workdir) {
    wd.run([
        "simulate",
        "--seed",
        "5",
        "--people",
        "400",
        "--groups",
        "60",
        "--placements",
        "800",
        "--waitlist",
        "400",
        "--out",
        "sim",
    ])
    .assert_success();
}

/// `match` of the simulated waitlist into `out`, with `extra` arguments; must succeed.
fn match_sim(wd: &Workdir, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "match",
        "--waitlist",
        "sim/waitlist.csv",
        "--groups",
        "sim/groups.csv",
        "--now",
        MATCH_NOW,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let run = wd.run(&args);
    run.assert_success();
    run
}

/// One row of `match`'s output.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    person_id: String,
    group_id: Option<String>,
    score: Option<f64>,
    weight: Option<f64>,
    rank_for_person: Option<usize>,
    alternates: Vec<String>,
    reason: String,
    explanation: String,
}

/// `Some(parsed)` for a non-empty cell, `None` for an empty one.
#[track_caller]
fn cell<T: std::str::FromStr>(s: &str) -> Option<T>
where
    T::Err: std::fmt::Debug,
{
    (!s.is_empty()).then(|| {
        s.parse()
            .unwrap_or_else(|e| panic!("cannot parse {s:?}: {e:?}"))
    })
}

/// Reads `match`'s output, checking its header.
fn read_rows(wd: &Workdir, name: &str) -> Vec<Row> {
    let table = read_csv(wd, name);
    assert_eq!(
        table.header,
        [&COLUMNS[..], &NEW_COLUMNS].concat(),
        "{name}: columns"
    );
    table
        .rows
        .iter()
        .map(|r| Row {
            person_id: r[0].clone(),
            group_id: cell(&r[1]),
            score: cell(&r[2]),
            weight: cell(&r[3]),
            rank_for_person: cell(&r[4]),
            alternates: if r[5].is_empty() {
                Vec::new()
            } else {
                r[5].split(';').map(str::to_string).collect()
            },
            reason: r[6].clone(),
            explanation: r[7].clone(),
        })
        .collect()
}

/// Open seats of every group of a groups CSV: `capacity - enrolled`, `None` when unlimited.
fn open_seats(wd: &Workdir, name: &str) -> BTreeMap<String, Option<u64>> {
    let table = read_csv(wd, name);
    let (id, cap, enrolled) = (
        table.column("id"),
        table.column("capacity"),
        table.column("enrolled"),
    );
    table
        .rows
        .iter()
        .map(|r| {
            let capacity: Option<u64> = cell(&r[cap]);
            let enrolled: u64 = cell(&r[enrolled]).unwrap_or(0);
            (r[id].clone(), capacity.map(|c| c.saturating_sub(enrolled)))
        })
        .collect()
}

/// Placements per group of an output.
fn filled(rows: &[Row]) -> BTreeMap<String, u64> {
    let mut filled = BTreeMap::new();
    for g in rows.iter().filter_map(|r| r.group_id.as_ref()) {
        *filled.entry(g.clone()).or_insert(0) += 1;
    }
    filled
}

/// `edges.csv` of an export: (person, group, weight).
fn read_edges(wd: &Workdir, dir: &str) -> Vec<(String, String, f64)> {
    let table = read_csv(wd, &format!("{dir}/edges.csv"));
    assert_eq!(table.header, ["person_id", "group_id", "score"]);
    table
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].parse().expect("a weight")))
        .collect()
}

/// `capacity.csv` of an export: group -> open seats.
fn read_capacity(wd: &Workdir, dir: &str) -> BTreeMap<String, u64> {
    let table = read_csv(wd, &format!("{dir}/capacity.csv"));
    assert_eq!(table.header, ["group_id", "capacity"]);
    table
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].parse().expect("a capacity")))
        .collect()
}

/// Edges per person of an export.
fn edges_per_person(edges: &[(String, String, f64)]) -> BTreeMap<&str, usize> {
    let mut per = BTreeMap::new();
    for (p, _, _) in edges {
        *per.entry(p.as_str()).or_insert(0) += 1;
    }
    per
}

/// The best total weight of an exported problem, by trying every assignment (tiny ones only).
fn brute_force(edges: &[(String, String, f64)], capacity: &BTreeMap<String, u64>) -> f64 {
    // `edges.csv` lists each person's edges together, in waitlist order.
    let mut people: Vec<&str> = edges.iter().map(|e| e.0.as_str()).collect();
    people.dedup();
    let options: Vec<Vec<(&str, f64)>> = people
        .iter()
        .map(|p| {
            edges
                .iter()
                .filter(|e| e.0 == *p)
                .map(|e| (e.1.as_str(), e.2))
                .collect()
        })
        .collect();
    fn go<'a>(
        options: &[Vec<(&'a str, f64)>],
        left: &mut BTreeMap<&'a str, u64>,
        person: usize,
    ) -> f64 {
        let Some(mine) = options.get(person) else {
            return 0.0;
        };
        let mut best = go(options, left, person + 1);
        for &(g, w) in mine {
            if left[g] > 0 {
                *left.get_mut(g).unwrap() -= 1;
                best = best.max(w + go(options, left, person + 1));
                *left.get_mut(g).unwrap() += 1;
            }
        }
        best
    }
    let mut left: BTreeMap<&str, u64> = capacity.iter().map(|(g, c)| (g.as_str(), *c)).collect();
    go(&options, &mut left, 0)
}

/// `rank --format json` of the person in `person` against `groups`, whole ranking.
fn rank_json(wd: &Workdir, person: &str, groups: &str) -> Value {
    let out = wd.run([
        "rank", "--person", person, "--groups", groups, "--format", "json", "--top", "1000",
        "--now", MATCH_NOW,
    ]);
    out.assert_success();
    out.json()
}

/// The (rank, score) of `group` in a ranking, if suggested.
fn ranked(ranking: &Value, group: &str) -> Option<(usize, f64)> {
    ranking["suggestions"]
        .as_array()
        .expect("suggestions is an array")
        .iter()
        .find(|s| s["group_id"] == group)
        .map(|s| {
            (
                s["rank"].as_u64().expect("rank") as usize,
                s["score"].as_f64().expect("score"),
            )
        })
}

/// The temporary files of atomic writes left in the workdir (none, after any run).
fn leftover_temporaries(wd: &Workdir) -> Vec<String> {
    std::fs::read_dir(wd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// The summary with its timings removed: what must not change between identical runs.
fn without_seconds(mut summary: Value) -> Value {
    summary
        .as_object_mut()
        .expect("the summary is an object")
        .remove("seconds")
        .expect("the summary has seconds");
    summary
}

// ---------------------------------------------------------------------------------------------
// Hand-written cases
// ---------------------------------------------------------------------------------------------

/// Groups for the hand-written people (Philadelphia): `g-seat` at their door with one open seat,
/// `g-two` 4 km north with two, `g-full` with none, `g-es` in Spanish only, `g-online` on
/// Wednesdays without a seat limit.
const HAND_GROUPS: &str = "\
id,name,approach,format,sessions,timezone,latitude,longitude,languages,capacity,enrolled
g-seat,Seat Group,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.9526,-75.1652,en,5,4
g-two,Two Seats,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.9886,-75.1652,en,4,2
g-full,Full Group,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.9526,-75.1652,en,3,3
g-es,Grupo,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,39.9526,-75.1652,es,,
g-online,Online Wednesdays,smart_recovery,online,Wed 19:00-20:00,America/New_York,,,en,,
";

/// One hand-written person of the waitlist.
struct Hand {
    id: &'static str,
    format: &'static str,
    availability: &'static [&'static str],
    latitude: f64,
    max_travel_km: f64,
    waiting_since: &'static str,
}

impl Hand {
    /// A person at `latitude` (longitude -75.1652, New York time) who waited since `since`.
    const fn new(id: &'static str, latitude: f64, since: &'static str) -> Hand {
        Hand {
            id,
            format: "in_person",
            availability: &["Mon 17:00-22:00"],
            latitude,
            max_travel_km: 20.0,
            waiting_since: since,
        }
    }

    /// The person as JSON, as `rank --person` reads it (no `waiting_since`).
    fn person(&self) -> Value {
        serde_json::json!({
            "id": self.id, "stage": "early", "approach_preference": "no_preference",
            "format_preference": self.format, "availability": self.availability,
            "timezone": "America/New_York", "latitude": self.latitude, "longitude": -75.1652,
            "max_travel_km": self.max_travel_km, "languages": ["en"],
        })
    }

    /// The waitlist CSV row.
    fn csv_row(&self) -> String {
        format!(
            "{},early,no_preference,{},{},America/New_York,{},-75.1652,{},en,{}\n",
            self.id,
            self.format,
            self.availability.join(";"),
            self.latitude,
            self.max_travel_km,
            self.waiting_since
        )
    }

    /// The waitlist JSON Lines record.
    fn jsonl_row(&self) -> String {
        let mut v = self.person();
        v["waiting_since"] = self.waiting_since.into();
        format!("{v}\n")
    }
}

/// The header of a hand-written waitlist CSV.
const HAND_WAITLIST_HEADER: &str = "id,stage,approach_preference,format_preference,availability,\
timezone,latitude,longitude,max_travel_km,languages,waiting_since\n";

/// Writes `groups.csv`, `wait.csv` and one `NAME.json` per person into the workdir.
fn write_hand_case(wd: &Workdir, people: &[Hand]) {
    wd.create("groups.csv", HAND_GROUPS);
    let rows: String = people.iter().map(Hand::csv_row).collect();
    wd.create("wait.csv", format!("{HAND_WAITLIST_HEADER}{rows}"));
    for p in people {
        wd.create(&format!("{}.json", p.id), p.person().to_string());
    }
}

/// `match` of `waitlist` against the hand-written `groups.csv` into `out`, with `extra`
/// arguments.
fn run_hand(wd: &Workdir, waitlist: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "match",
        "--waitlist",
        waitlist,
        "--groups",
        "groups.csv",
        "--now",
        MATCH_NOW,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    wd.run(&args)
}

/// `match` of the hand-written `wait.csv` into `m.csv`; must succeed.
fn match_hand(wd: &Workdir, extra: &[&str]) -> Output {
    let run = run_hand(wd, "wait.csv", "m.csv", extra);
    run.assert_success();
    run
}

/// Six people wanting three scarce in-person seats (`g-seat` 1, `g-two` 2); `h3` alone can also
/// meet online on Wednesdays, and `h6` travels at most 1 km, so only `g-seat` (or nothing) fits.
fn six_people() -> Vec<Hand> {
    vec![
        Hand::new("h1", 39.9526, "2026-05-01"),
        Hand::new("h2", 39.9800, "2026-03-15"),
        Hand {
            format: "either",
            availability: &["Mon 17:00-22:00", "Wed 17:00-22:00"],
            ..Hand::new("h3", 39.9526, "2026-02-01")
        },
        Hand::new("h4", 39.9700, "2026-05-25"),
        Hand {
            availability: &["Mon 18:00-21:00", "Wed 18:00-21:00"],
            ..Hand::new("h5", 39.9600, "2026-04-10")
        },
        Hand {
            max_travel_km: 1.0,
            ..Hand::new("h6", 39.9530, "2026-01-20")
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Everyone accounted for, seats kept
// ---------------------------------------------------------------------------------------------

#[test]
fn every_waitlisted_person_appears_once_in_waitlist_order_with_a_known_reason() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(&wd, "m.csv", &[]);
    let rows = read_rows(&wd, "m.csv");
    let waitlist = read_csv(&wd, "sim/waitlist.csv");
    let ids: Vec<&str> = rows.iter().map(|r| r.person_id.as_str()).collect();
    assert_eq!(ids, waitlist.values("id"), "one row per person, in order");
    assert_eq!(ids.len(), 400);

    for r in &rows {
        assert!(REASONS.contains(&r.reason.as_str()), "unknown reason {r:?}");
        let placed = r.reason == "placed";
        assert_eq!(r.group_id.is_some(), placed, "group_id iff placed: {r:?}");
        assert_eq!(r.score.is_some(), placed, "score iff placed: {r:?}");
        assert_eq!(r.weight.is_some(), placed, "weight iff placed: {r:?}");
        assert_eq!(
            r.rank_for_person.is_some(),
            placed,
            "rank iff placed: {r:?}"
        );
        assert!(!r.explanation.is_empty(), "everyone explained: {r:?}");
        let says_why = [
            ("no_eligible_group", "No group passes every constraint ("),
            (
                "below_min_score",
                "Groups fit every constraint, but none scores the minimum",
            ),
            ("seats_taken", "filled by others in the best total"),
        ];
        for (reason, words) in says_why {
            assert_eq!(
                r.reason == reason,
                r.explanation.contains(words),
                "an unplaced row carries its reason in words: {r:?}"
            );
        }
        assert!(
            r.group_id
                .as_ref()
                .is_none_or(|g| !r.alternates.contains(g)),
            "a placed group is not its own alternate: {r:?}"
        );
        assert!(r.alternates.len() <= 3, "3 alternates by default: {r:?}");
    }
    let reasons: BTreeSet<&str> = rows.iter().map(|r| r.reason.as_str()).collect();
    for reason in ["placed", "no_eligible_group", "seats_taken"] {
        assert!(reasons.contains(reason), "the simulation has {reason} rows");
    }
}

#[test]
fn placements_never_exceed_any_groups_open_seats() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(&wd, "m.csv", &["--summary", "s.json"]);
    let seats = open_seats(&wd, "sim/groups.csv");
    let filled = filled(&read_rows(&wd, "m.csv"));
    let mut full = 0;
    for (g, n) in &filled {
        let open = seats
            .get(g)
            .unwrap_or_else(|| panic!("placed in unknown group {g}"));
        if let Some(open) = open {
            assert!(n <= open, "{g}: {n} placed in {open} open seats");
            full += usize::from(n == open);
        }
    }
    assert!(full > 0, "seats are scarce: some group fills up");

    // The summary reports the same fill, and every group with limited seats.
    let summary = read_json(&wd, "s.json");
    let groups = summary["groups"].as_array().expect("groups is an array");
    let reported: BTreeSet<&str> = groups
        .iter()
        .map(|g| g["group_id"].as_str().expect("group_id"))
        .collect();
    for (g, open) in &seats {
        if open.is_some() || filled.contains_key(g) {
            assert!(reported.contains(g.as_str()), "summary lacks group {g}");
        }
    }
    for g in groups {
        let id = g["group_id"].as_str().unwrap();
        assert_eq!(g["open_seats"].as_u64(), seats[id], "{id}: open_seats");
        assert_eq!(
            g["filled"].as_u64(),
            Some(filled.get(id).copied().unwrap_or(0)),
            "{id}: filled"
        );
    }
}

#[test]
fn seats_taken_people_have_no_edge_to_a_group_left_with_open_seats() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(&wd, "m.csv", &["--export-scores", "ex"]);
    let rows = read_rows(&wd, "m.csv");
    let capacity = read_capacity(&wd, "ex");
    let filled = filled(&rows);
    let has_open_seat = |g: &str| filled.get(g).copied().unwrap_or(0) < capacity[g];
    let edges = read_edges(&wd, "ex");
    let reason: BTreeMap<&str, &str> = rows
        .iter()
        .map(|r| (r.person_id.as_str(), r.reason.as_str()))
        .collect();
    for (p, g, _) in &edges {
        if reason[p.as_str()] == "seats_taken" {
            assert!(
                !has_open_seat(g),
                "{p} is seats_taken, yet has an edge to {g}, which has open seats"
            );
        }
    }
    for r in rows.iter().filter(|r| r.reason == "seats_taken") {
        for a in &r.alternates {
            assert!(has_open_seat(a), "{}: alternate {a} is full", r.person_id);
        }
        // Privacy: who took the seats is never said, nor any other person named.
        for other in rows.iter().filter(|o| o.person_id != r.person_id) {
            assert!(
                !r.explanation.contains(&other.person_id),
                "{} names {}: {}",
                r.person_id,
                other.person_id,
                r.explanation
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scores and weights
// ---------------------------------------------------------------------------------------------

#[test]
fn placed_pairs_are_eligible_with_ranks_score_and_place_above_min_score() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(&wd, "m.csv", &["--min-score", "0.3"]);
    let rows = read_rows(&wd, "m.csv");
    let people: BTreeMap<String, String> =
        std::fs::read_to_string(wd.path().join("sim/people.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (v["id"].as_str().unwrap().to_string(), l.to_string())
            })
            .collect();

    let placed: Vec<&Row> = rows.iter().filter(|r| r.reason == "placed").collect();
    for r in &placed {
        assert!(
            r.score.unwrap() >= 0.3 - PRINTED,
            "below --min-score: {r:?}"
        );
    }
    // Some first choices and every lower one (up to 6 each): one `rank` run per person.
    let firsts = placed
        .iter()
        .filter(|r| r.rank_for_person == Some(1))
        .take(6);
    let others: Vec<&&Row> = placed
        .iter()
        .filter(|r| r.rank_for_person != Some(1))
        .take(6)
        .collect();
    assert!(
        !others.is_empty(),
        "scarce seats send someone to a later choice"
    );
    for r in firsts.chain(others) {
        let file = format!("{}.json", r.person_id);
        wd.create(&file, &people[&r.person_id]);
        let ranking = rank_json(&wd, &file, "sim/groups.csv");
        let group = r.group_id.as_deref().unwrap();
        let (rank, score) = ranked(&ranking, group)
            .unwrap_or_else(|| panic!("{} placed in {group}, which rank excludes", r.person_id));
        assert_abs_diff_eq!(r.score.unwrap(), score, epsilon = PRINTED);
        assert_eq!(
            r.rank_for_person,
            Some(rank),
            "rank of {group} for {}",
            r.person_id
        );
    }
}

#[test]
fn weight_is_score_plus_wait_weight_times_days_waited_over_the_longest_wait() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(&wd, "m.csv", &["--wait-weight", "0.3"]);
    let today = NaiveDate::from_ymd_opt(MATCH_DAY.0, MATCH_DAY.1, MATCH_DAY.2).unwrap();
    let waitlist = read_csv(&wd, "sim/waitlist.csv");
    let days: Vec<f64> = waitlist
        .values("waiting_since")
        .iter()
        .map(|d| {
            let since: NaiveDate = d.parse().expect("a date");
            (today - since).num_days().max(0) as f64
        })
        .collect();
    let longest = days.iter().copied().fold(1.0, f64::max);
    assert!(longest > 30.0, "the simulated waits differ: {longest}");
    let rows = read_rows(&wd, "m.csv");
    let mut checked = 0;
    for (r, d) in rows.iter().zip(&days) {
        if let (Some(score), Some(weight)) = (r.score, r.weight) {
            let expected = score + 0.3 * d / longest;
            assert_abs_diff_eq!(weight, expected, epsilon = 2.0 * PRINTED);
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} placements");
}

#[test]
fn the_longer_waiter_gets_the_last_seat_when_scores_tie() {
    let wd = Workdir::new();
    // Same person twice but for the wait: 10 days (listed first) and 100 days.
    let people = [
        Hand::new("a", 39.9526, "2026-05-22"),
        Hand::new("b", 39.9526, "2026-02-21"),
    ];
    write_hand_case(&wd, &people);
    // One edge each (the best group, g-seat, with one open seat): only one of them can be placed.
    match_hand(
        &wd,
        &[
            "--candidates",
            "1",
            "--wait-weight",
            "0.5",
            "--summary",
            "s.json",
        ],
    );
    let rows = read_rows(&wd, "m.csv");
    assert_eq!(rows.len(), 2);
    let (a, b) = (&rows[0], &rows[1]);
    assert_eq!((a.person_id.as_str(), b.person_id.as_str()), ("a", "b"));

    let rank_a = rank_json(&wd, "a.json", "groups.csv");
    let rank_b = rank_json(&wd, "b.json", "groups.csv");
    let (seat_rank, seat_score) = ranked(&rank_b, "g-seat").expect("g-seat suits b");
    assert_eq!(seat_rank, 1, "g-seat is b's first choice");
    assert_eq!(ranked(&rank_a, "g-seat"), Some((1, seat_score)), "a tie");

    assert_eq!(b.reason, "placed");
    assert_eq!(b.group_id.as_deref(), Some("g-seat"));
    assert_eq!(b.rank_for_person, Some(1));
    assert_abs_diff_eq!(b.score.unwrap(), seat_score, epsilon = PRINTED);
    // b waited longest: the whole wait weight.
    assert_abs_diff_eq!(b.weight.unwrap(), seat_score + 0.5, epsilon = PRINTED);
    assert_eq!(b.alternates, ["g-two"]);

    assert_eq!(a.reason, "seats_taken");
    assert_eq!(a.group_id, None);
    assert_eq!((a.score, a.weight, a.rank_for_person), (None, None, None));
    // g-seat is now full and g-full has no seat: only g-two is left to suggest.
    assert_eq!(a.alternates, ["g-two"]);

    let summary = read_json(&wd, "s.json");
    assert_eq!(summary["candidate_cut"], 2, "both had g-two cut");
    let seat = summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == "g-seat")
        .expect("g-seat in the summary");
    assert_eq!(
        (&seat["open_seats"], &seat["filled"]),
        (&1.into(), &1.into())
    );
}

#[test]
fn with_a_second_group_open_both_tied_people_are_placed() {
    let wd = Workdir::new();
    let people = [
        Hand::new("a", 39.9526, "2026-05-22"),
        Hand::new("b", 39.9526, "2026-02-21"),
    ];
    write_hand_case(&wd, &people);
    match_hand(&wd, &[]);
    let rows = read_rows(&wd, "m.csv");
    let groups: BTreeSet<Option<&str>> = rows.iter().map(|r| r.group_id.as_deref()).collect();
    assert_eq!(groups, BTreeSet::from([Some("g-seat"), Some("g-two")]));
}

#[test]
fn min_score_099_leaves_everyone_below_min_score_or_without_an_eligible_group() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(&wd, "default.csv", &[]);
    match_sim(
        &wd,
        "m.csv",
        &[
            "--min-score",
            "0.99",
            "--summary",
            "s.json",
            "--export-scores",
            "ex",
        ],
    );
    let rows = read_rows(&wd, "m.csv");
    for r in &rows {
        assert!(
            r.reason == "below_min_score" || r.reason == "no_eligible_group",
            "{r:?}"
        );
        assert!(r.group_id.is_none(), "{r:?}");
    }
    assert!(rows.iter().any(|r| r.reason == "below_min_score"));
    // The minimum score changes no one's eligibility.
    let ineligible = |rows: &[Row]| -> Vec<String> {
        rows.iter()
            .filter(|r| r.reason == "no_eligible_group")
            .map(|r| r.person_id.clone())
            .collect()
    };
    assert_eq!(
        ineligible(&rows),
        ineligible(&read_rows(&wd, "default.csv"))
    );
    let summary = read_json(&wd, "s.json");
    assert_eq!(summary["placed"], 0);
    assert_eq!(summary["edges"], 0);
    assert_eq!(summary["objective"].as_f64(), Some(0.0));
    assert!(read_edges(&wd, "ex").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Determinism, export, summary, candidates
// ---------------------------------------------------------------------------------------------

#[test]
fn the_same_match_twice_gives_byte_identical_output_and_summary() {
    let wd = Workdir::new();
    simulate(&wd);
    let args = [
        "--summary",
        "s.json",
        "--export-scores",
        "ex",
        "--roster",
        "r.txt",
        "--report",
        "r.html",
    ];
    let first = match_sim(&wd, "m.csv", &args);
    let files = [
        "m.csv",
        "ex/edges.csv",
        "ex/capacity.csv",
        "r.txt",
        "r.html",
    ];
    let before: Vec<Vec<u8>> = files.iter().map(|f| read_bytes(&wd, f)).collect();
    let summary = without_seconds(read_json(&wd, "s.json"));
    let second = match_sim(&wd, "m.csv", &[&args[..], &["--force"]].concat());
    for (f, bytes) in files.iter().zip(&before) {
        assert!(
            read_bytes(&wd, f) == *bytes,
            "{f} changed between runs{first}{second}"
        );
    }
    assert_eq!(without_seconds(read_json(&wd, "s.json")), summary);
}

#[test]
fn exported_problem_solved_by_brute_force_gives_the_summary_objective() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    match_hand(&wd, &["--summary", "s.json", "--export-scores", "ex"]);
    let rows = read_rows(&wd, "m.csv");
    let edges = read_edges(&wd, "ex");
    let capacity = read_capacity(&wd, "ex");

    let seats = open_seats(&wd, "groups.csv");
    let expected: BTreeMap<String, u64> = seats
        .iter()
        .map(|(g, open)| (g.clone(), open.unwrap_or(UNLIMITED)))
        .collect();
    assert_eq!(capacity, expected, "capacity.csv holds the open seats");
    assert_eq!(capacity["g-online"], UNLIMITED);
    assert!(edges.len() >= 8, "a problem worth solving: {edges:?}");
    assert!(
        rows.iter().any(|r| r.reason == "seats_taken"),
        "seats are scarce: {rows:?}"
    );

    // Every placement is an exported edge, with its weight.
    for r in rows.iter().filter(|r| r.reason == "placed") {
        let g = r.group_id.as_deref().unwrap();
        let edge = edges
            .iter()
            .find(|e| e.0 == r.person_id && e.1 == g)
            .unwrap_or_else(|| panic!("{} placed in {g} without an edge", r.person_id));
        assert_abs_diff_eq!(r.weight.unwrap(), edge.2, epsilon = PRINTED);
    }
    let objective = read_json(&wd, "s.json")["objective"].as_f64().unwrap();
    assert_abs_diff_eq!(objective, brute_force(&edges, &capacity), epsilon = 1e-6);
    // h3 alone can go online: the optimum sends h3 there, freeing an in-person seat.
    let h3 = rows.iter().find(|r| r.person_id == "h3").unwrap();
    assert_eq!(h3.group_id.as_deref(), Some("g-online"));
}

#[test]
fn summary_has_every_documented_field_and_accounts_for_everyone() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(
        &wd,
        "m.csv",
        &["--summary", "s.json", "--export-scores", "ex"],
    );
    let s = read_json(&wd, "s.json");
    let rows = read_rows(&wd, "m.csv");
    let edges = read_edges(&wd, "ex");

    let keys: BTreeSet<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "people",
        "placed",
        "unplaced",
        "objective",
        "mean_score",
        "edges",
        "candidate_cut",
        "seconds",
        "by_stage",
        "by_gender",
        "groups",
    ] {
        assert!(keys.contains(key), "summary lacks {key}: {s}");
    }
    for stage in ["load", "score", "solve", "write"] {
        let t = s["seconds"][stage].as_f64();
        assert!(t.is_some_and(|t| t >= 0.0), "seconds.{stage}: {s}");
    }

    let people = s["people"].as_u64().unwrap();
    let placed = s["placed"].as_u64().unwrap();
    let unplaced: u64 = s["unplaced"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(reason, n)| {
            assert!(
                REASONS.contains(&reason.as_str()) && reason != "placed",
                "{reason}"
            );
            n.as_u64().unwrap()
        })
        .sum();
    assert_eq!(placed + unplaced, people);
    assert_eq!(people, rows.len() as u64);
    for reason in REASONS {
        let n = rows.iter().filter(|r| r.reason == reason).count() as u64;
        let reported = if reason == "placed" {
            placed
        } else {
            s["unplaced"][reason].as_u64().unwrap_or(0)
        };
        assert_eq!(reported, n, "{reason}");
    }

    assert_eq!(s["edges"].as_u64(), Some(edges.len() as u64));
    assert_eq!(s["candidate_cut"], 0, "60 groups never reach 50 edges");
    let weight: BTreeMap<(&str, &str), f64> = edges
        .iter()
        .map(|(p, g, w)| ((p.as_str(), g.as_str()), *w))
        .collect();
    let objective: f64 = rows
        .iter()
        .filter_map(|r| Some(weight[&(r.person_id.as_str(), r.group_id.as_deref()?)]))
        .sum();
    assert_abs_diff_eq!(s["objective"].as_f64().unwrap(), objective, epsilon = 1e-6);
    let scores: Vec<f64> = rows.iter().filter_map(|r| r.score).collect();
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    assert_abs_diff_eq!(s["mean_score"].as_f64().unwrap(), mean, epsilon = PRINTED);

    // Strata partition the people.
    let waitlist = read_csv(&wd, "sim/waitlist.csv");
    for (key, column) in [("by_stage", "stage"), ("by_gender", "gender")] {
        let strata = s[key].as_object().unwrap();
        let mut people_of: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (value, r) in waitlist.values(column).into_iter().zip(&rows) {
            let value = if value.is_empty() {
                "unspecified"
            } else {
                value
            };
            let e = people_of.entry(value).or_default();
            e.0 += 1;
            e.1 += u64::from(r.reason == "placed");
        }
        let reported: BTreeMap<&str, (u64, u64)> = strata
            .iter()
            .map(|(k, v)| {
                assert!(v["mean_score"].as_f64().is_some(), "{key}.{k}: {v}");
                let n = (v["people"].as_u64().unwrap(), v["placed"].as_u64().unwrap());
                (k.as_str(), n)
            })
            .collect();
        assert_eq!(reported, people_of, "{key}");
    }
}

#[test]
fn candidates_1_keeps_only_each_persons_best_edge_and_counts_the_cut() {
    let wd = Workdir::new();
    simulate(&wd);
    match_sim(
        &wd,
        "all.csv",
        &[
            "--candidates",
            "1000",
            "--export-scores",
            "all",
            "--summary",
            "all.json",
        ],
    );
    match_sim(
        &wd,
        "m.csv",
        &[
            "--candidates",
            "1",
            "--export-scores",
            "one",
            "--summary",
            "one.json",
        ],
    );
    let all = read_edges(&wd, "all");
    let one = read_edges(&wd, "one");
    let per_one = edges_per_person(&one);
    assert!(per_one.values().all(|n| *n == 1), "one edge at most each");
    let with_choice = edges_per_person(&all).values().filter(|n| **n > 1).count();
    assert!(with_choice > 0);
    assert_eq!(read_json(&wd, "all.json")["candidate_cut"], 0);
    assert_eq!(
        read_json(&wd, "one.json")["candidate_cut"].as_u64(),
        Some(with_choice as u64),
        "the cut touches everyone with more than one edge"
    );
    // The kept edge is the person's heaviest.
    for (p, g, w) in &one {
        let best = all
            .iter()
            .filter(|e| &e.0 == p)
            .map(|e| e.2)
            .fold(f64::MIN, f64::max);
        assert_eq!(*w, best, "{p} kept {g}, not its best edge");
    }
    for r in read_rows(&wd, "m.csv")
        .iter()
        .filter(|r| r.reason == "placed")
    {
        assert_eq!(r.rank_for_person, Some(1), "{r:?}");
    }
}

#[test]
fn a_jsonl_waitlist_matches_exactly_as_the_same_csv() {
    let wd = Workdir::new();
    let people = six_people();
    write_hand_case(&wd, &people);
    wd.create(
        "wait.jsonl",
        people.iter().map(Hand::jsonl_row).collect::<String>(),
    );
    match_hand(&wd, &[]);
    let run = run_hand(&wd, "wait.jsonl", "j.csv", &[]);
    run.assert_success();
    assert!(
        read_bytes(&wd, "j.csv") == read_bytes(&wd, "m.csv"),
        "{run}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input and atomic output
// ---------------------------------------------------------------------------------------------

/// Writes `groups.csv` and `wait.csv`: a good person `a` (line 2), then `rows`.
fn bad_waitlist(wd: &Workdir, rows: &[String]) {
    let good = Hand::new("a", 39.9526, "2026-05-22").csv_row();
    wd.create(
        "wait.csv",
        format!("{HAND_WAITLIST_HEADER}{good}{}", rows.concat()),
    );
    wd.create("groups.csv", HAND_GROUPS);
}

/// `match` of `wait.csv` with every output asked for; must exit 2 and write none of them.
#[track_caller]
fn match_fails(wd: &Workdir) -> Output {
    let run = run_hand(
        wd,
        "wait.csv",
        "m.csv",
        &["--summary", "s.json", "--export-scores", "ex"],
    );
    run.assert_code(2).assert_stdout_empty();
    for file in ["m.csv", "s.json", "ex"] {
        assert!(!wd.path().join(file).exists(), "{file} was written{run}");
    }
    assert_eq!(leftover_temporaries(wd), Vec::<String>::new(), "{run}");
    run
}

#[test]
fn a_duplicate_person_id_exits_2_naming_file_line_and_field_and_writes_nothing() {
    let wd = Workdir::new();
    bad_waitlist(&wd, &[Hand::new("a", 39.9526, "2026-05-01").csv_row()]);
    let run = match_fails(&wd);
    run.assert_problem("wait.csv", 3, Some("id"), &["duplicate", "'a'", "line 2"]);
}

#[test]
fn a_bad_stage_exits_2_naming_file_line_and_field_and_writes_nothing() {
    let wd = Workdir::new();
    bad_waitlist(
        &wd,
        &[
            Hand::new("b", 39.9526, "2026-05-01").csv_row(),
            Hand::new("c", 39.9526, "2026-05-01")
                .csv_row()
                .replace(",early,", ",erly,"),
        ],
    );
    let run = match_fails(&wd);
    run.assert_problem("wait.csv", 4, Some("stage"), &["'erly'", "early"]);
}

#[test]
fn an_unknown_groups_file_exits_2_naming_it_and_writes_nothing() {
    let wd = Workdir::new();
    bad_waitlist(&wd, &[]);
    let run = wd.run([
        "match",
        "--waitlist",
        "wait.csv",
        "--groups",
        "no-such-groups.csv",
        "--now",
        MATCH_NOW,
        "--out",
        "m.csv",
    ]);
    run.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("no-such-groups.csv");
    assert!(!wd.path().join("m.csv").exists(), "m.csv was written{run}");
}

#[test]
fn a_failed_match_leaves_existing_output_and_summary_untouched() {
    let wd = Workdir::new();
    bad_waitlist(
        &wd,
        &[Hand::new("b", 39.9526, "2026-05-01")
            .csv_row()
            .replace(",early,", ",erly,")],
    );
    wd.create("m.csv", "an earlier output\n");
    wd.create("s.json", "{\"earlier\": true}\n");
    // With --force, so the run gets as far as reading the waitlist.
    let run = run_hand(
        &wd,
        "wait.csv",
        "m.csv",
        &["--summary", "s.json", "--force"],
    );
    run.assert_code(2);
    assert_eq!(read_bytes(&wd, "m.csv"), b"an earlier output\n", "{run}");
    assert_eq!(read_bytes(&wd, "s.json"), b"{\"earlier\": true}\n", "{run}");
    assert_eq!(leftover_temporaries(&wd), Vec::<String>::new(), "{run}");
}

#[test]
fn a_match_that_cannot_export_scores_leaves_the_existing_output_untouched() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    wd.create("m.csv", "an earlier output\n");
    wd.create("ex", "a file where the export directory should be\n");
    let run = run_hand(
        &wd,
        "wait.csv",
        "m.csv",
        &["--export-scores", "ex", "--force"],
    );
    run.assert_code(2);
    assert_eq!(read_bytes(&wd, "m.csv"), b"an earlier output\n", "{run}");
}

#[test]
fn a_match_that_cannot_export_scores_names_the_export_path() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    wd.create("not-a-dir", "a file where the export directory should be\n");
    let run = run_hand(&wd, "wait.csv", "m.csv", &["--export-scores", "not-a-dir"]);
    run.assert_code(2).assert_stderr_contains("not-a-dir");
}

#[test]
fn a_negative_wait_weight_is_a_usage_error_and_writes_nothing() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    let run = run_hand(
        &wd,
        "wait.csv",
        "m.csv",
        &["--wait-weight=-1", "--export-scores", "ex"],
    );
    run.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("'-1' is not a number of 0 or more");
    assert!(!wd.path().join("m.csv").exists(), "{run}");
    assert!(!wd.path().join("ex").exists(), "{run}");
}

#[test]
fn nan_min_score_or_wait_weight_is_a_usage_error() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    for bad in ["--min-score=NaN", "--wait-weight=NaN"] {
        let run = run_hand(&wd, "wait.csv", "m.csv", &[bad]);
        run.assert_code(2);
        assert!(!wd.path().join("m.csv").exists(), "{run}");
    }
}

#[test]
fn candidates_0_is_a_usage_error_and_writes_nothing() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    let run = run_hand(&wd, "wait.csv", "m.csv", &["--candidates", "0"]);
    run.assert_code(2)
        .assert_stdout_empty()
        .assert_stderr_contains("0 is not in 1..");
    assert!(!wd.path().join("m.csv").exists(), "{run}");
}

#[test]
fn skip_invalid_lists_bad_rows_as_invalid_input_in_place_and_matches_the_rest() {
    let wd = Workdir::new();
    bad_waitlist(
        &wd,
        &[
            Hand::new("c", 39.9526, "2026-05-01")
                .csv_row()
                .replace(",early,", ",erly,"),
            Hand::new("d", 39.9526, "2026-05-10").csv_row(),
        ],
    );
    let run = run_hand(
        &wd,
        "wait.csv",
        "m.csv",
        &["--skip-invalid", "--summary", "s.json"],
    );
    run.assert_success();
    run.assert_stderr_contains("wait.csv:3: stage:");
    let table = read_csv(&wd, "m.csv");
    assert_eq!(table.values("person_id"), ["a", "c", "d"], "{run}");
    let reasons = table.values("reason");
    assert_eq!(reasons[1], "invalid_input", "{run}");
    assert!(
        table.rows[1][table.column("explanation")].contains("'erly'"),
        "{run}"
    );
    assert_ne!(reasons[0], "invalid_input");
    assert_ne!(reasons[2], "invalid_input");
    let summary = read_json(&wd, "s.json");
    assert_eq!(summary["people"], 3, "{run}");
    assert_eq!(summary["unplaced"]["invalid_input"], 1, "{run}");
}

#[test]
fn skip_invalid_still_stops_on_a_duplicate_id() {
    let wd = Workdir::new();
    bad_waitlist(&wd, &[Hand::new("a", 39.9526, "2026-05-01").csv_row()]);
    let run = run_hand(&wd, "wait.csv", "m.csv", &["--skip-invalid"]);
    run.assert_code(2).assert_stdout_empty();
    run.assert_stderr_contains("duplicate id 'a'");
    assert!(!wd.path().join("m.csv").exists(), "{run}");
}

#[test]
fn a_wait_weight_too_large_to_solve_exactly_exits_2_and_writes_nothing() {
    let wd = Workdir::new();
    bad_waitlist(&wd, &[]);
    let run = run_hand(
        &wd,
        "wait.csv",
        "m.csv",
        &[
            "--wait-weight",
            "1e10",
            "--summary",
            "s.json",
            "--export-scores",
            "ex",
        ],
    );
    run.assert_code(2).assert_stdout_empty();
    run.assert_stderr_contains("wait_weight: 10000000000 is too large");
    for file in ["m.csv", "s.json", "ex"] {
        assert!(!wd.path().join(file).exists(), "{file} was written{run}");
    }
}

// ---------------------------------------------------------------------------------------------
// Safety first
// ---------------------------------------------------------------------------------------------

#[test]
fn people_with_an_immediate_risk_are_named_first_and_flagged_in_their_row() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    let lines: Vec<String> = read(&wd, "wait.csv").lines().map(str::to_string).collect();
    // h2 and h5 are flagged by staff (a `risks` column; the others leave it empty).
    let mut csv = format!("{},risks\n", lines[0]);
    for line in &lines[1..] {
        let risks = match line.split(',').next() {
            Some("h2") => "recent_overdose",
            Some("h5") => "suicidal_thoughts;withdrawal_risk",
            _ => "",
        };
        csv.push_str(&format!("{line},{risks}\n"));
    }
    wd.create("risky.csv", csv);
    let run = run_hand(&wd, "risky.csv", "m.csv", &["--summary", "s.json"]);
    run.assert_success();
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("SAFETY FIRST: 2 people have an immediate risk flagged"),
        "{stderr}"
    );
    assert!(
        stderr.lines().next().unwrap().ends_with(": h2, h5"),
        "{stderr}"
    );
    let table = read_csv(&wd, "m.csv");
    let ids = table.values("person_id");
    let flags = table.values("safety_first");
    let flagged: Vec<(&str, &str)> = ids
        .iter()
        .zip(&flags)
        .filter(|(_, f)| !f.is_empty())
        .map(|(i, f)| (*i, *f))
        .collect();
    assert_eq!(
        flagged,
        [
            ("h2", "recent_overdose"),
            ("h5", "suicidal_thoughts;withdrawal_risk")
        ]
    );
    assert_eq!(
        read_json(&wd, "s.json")["safety_first"],
        serde_json::json!(["h2", "h5"])
    );
    // Without risks, neither the block nor the summary key appears.
    let run = match_hand(&wd, &["--summary", "s2.json", "--force"]);
    assert!(!run.stderr().contains("SAFETY FIRST"));
    assert!(read_json(&wd, "s2.json").get("safety_first").is_none());
}

// ---------------------------------------------------------------------------------------------
// Readable outputs: names, sessions and reasons in the CSV, rosters, the report
// ---------------------------------------------------------------------------------------------

/// The columns `match` wrote before the readable ones were appended, for [`six_people`], as the
/// binary of that time wrote them: they must stay byte for byte, but for the `explanation` of a
/// person not placed, empty then and now the reason in words (issue 19).
const SIX_PEOPLE_OLD_COLUMNS: &str = "\
person_id,group_id,score,weight,rank_for_person,alternates,reason,explanation,safety_first
h1,,,,,,seats_taken,All 2 groups that fit (scoring at least 0.20) were filled by others in the best total for the waitlist; no group that fits has a seat left.,
h2,g-two,0.421360,0.480451,1,,placed,1 session a week fits your schedule; 1.0 km away in a straight line,
h3,g-online,0.317394,0.408303,3,,placed,joined online (people attending only online tend to take part less); 1 session a week fits your schedule,
h4,,,,,,seats_taken,All 2 groups that fit (scoring at least 0.20) were filled by others in the best total for the waitlist; no group that fits has a seat left.,
h5,g-two,0.409752,0.449146,2,,placed,1 session a week fits your schedule; 3.2 km away in a straight line,
h6,g-seat,0.426145,0.526145,1,,placed,1 session a week fits your schedule; 0.0 km away in a straight line,
";

#[test]
fn the_columns_before_the_readable_ones_are_unchanged_byte_for_byte() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    match_hand(&wd, &[]);
    let text = read(&wd, "m.csv");
    let mut old = String::new();
    for line in text.lines() {
        // The three new cells are last; none of these rows quotes a cell holding a comma.
        let cut = line.rmatch_indices(',').nth(2).expect("three new cells").0;
        old.push_str(&line[..cut]);
        old.push('\n');
    }
    assert_eq!(old, SIX_PEOPLE_OLD_COLUMNS);
    assert_eq!(
        text.lines().next().unwrap(),
        format!("{},{}", COLUMNS.join(","), NEW_COLUMNS.join(","))
    );
}

#[test]
fn placed_rows_name_the_group_and_give_ranks_next_sessions_and_signed_reasons() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    match_hand(&wd, &[]);
    let table = read_csv(&wd, "m.csv");
    let rows = read_rows(&wd, "m.csv");
    let names: BTreeMap<&str, &str> = [
        ("g-seat", "Seat Group"),
        ("g-two", "Two Seats"),
        ("g-online", "Online Wednesdays"),
    ]
    .into();
    let (name, next, reasons) = (
        table.column("group_name"),
        table.column("next_sessions"),
        table.column("reasons"),
    );
    for (row, cells) in rows.iter().zip(&table.rows) {
        let Some(group) = &row.group_id else {
            assert_eq!(
                (&cells[name], &cells[next], &cells[reasons]),
                (&String::new(), &String::new(), &String::new()),
                "{}",
                row.person_id
            );
            continue;
        };
        assert_eq!(cells[name], names[group.as_str()], "{}", row.person_id);
        // What rank says of the same pair: its dates (in New York, the group's zone) and its
        // top three reasons with their terms, as its table prints them.
        let ranking = rank_json(&wd, &format!("{}.json", row.person_id), "groups.csv");
        let s = ranking["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["group_id"] == group.as_str())
            .unwrap();
        let dates: Vec<String> = s["next_sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let t = chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap();
                format!("{} America/New_York", t.format("%a %Y-%m-%d %H:%M"))
            })
            .collect();
        assert_eq!(dates.len(), 3);
        assert_eq!(cells[next], dates.join("; "), "{}", row.person_id);
        let terms: Vec<String> = s["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|e| {
                format!(
                    "{} ({:+.2})",
                    e["text"].as_str().unwrap(),
                    e["contribution"].as_f64().unwrap()
                )
            })
            .collect();
        assert_eq!(cells[reasons], terms.join("; "), "{}", row.person_id);
    }
    // h3 meets online on Wednesdays: a negative term is written with its sign.
    let h3 = &table.rows[2];
    assert_eq!(
        h3[next],
        "Wed 2026-06-03 19:00 America/New_York; Wed 2026-06-10 19:00 America/New_York; \
         Wed 2026-06-17 19:00 America/New_York"
    );
    assert!(h3[reasons].starts_with("joined online"), "{}", h3[reasons]);
    assert!(h3[reasons].contains(" (-0."), "{}", h3[reasons]);
}

#[test]
fn the_roster_lists_each_groups_seats_and_people_in_rank_order() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    match_hand(&wd, &["--roster", "r.txt"]);
    let roster = read(&wd, "r.txt");
    let blocks: Vec<&str> = roster.split("\n\n").skip(1).collect();
    // Groups with limited seats and any that took people, in directory order; g-es neither.
    let ids: Vec<&str> = blocks
        .iter()
        .map(|b| b.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids, ["g-seat", "g-two", "g-full", "g-online"], "{roster}");
    assert_eq!(
        blocks[1],
        "g-two  Two Seats\n\
         \x20 sessions  Mon 19:00-20:00 (America/New_York)\n\
         \x20 next      Mon 2026-06-01 19:00; Mon 2026-06-08 19:00; Mon 2026-06-15 19:00 \
         (America/New_York)\n\
         \x20 seats     2 open before the match, 2 filled, 0 left\n\
         \x20 placed      1  h2  score 0.421  their choice 1\n\
         \x20             2  h5  score 0.410  their choice 2"
    );
    assert!(blocks[2]
        .ends_with("seats     0 open before the match, 0 filled, 0 left\n  placed    nobody"));
    assert!(
        blocks[3].contains("seats     no limit, 1 filled\n"),
        "{}",
        blocks[3]
    );
    // Pseudonymous ids only: nothing else about the people.
    for word in ["early", "America/New_York,", "39.9", "in_person"] {
        assert!(!roster.contains(word), "{word} in {roster}");
    }
}

#[test]
fn the_report_escapes_feed_text_matches_the_summary_and_lists_everyone_not_placed() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    let hostile = "<script>alert(\"x\")</script> & 'Co'";
    wd.create(
        "groups.csv",
        HAND_GROUPS.replace(
            "Seat Group",
            &format!("\"{}\"", hostile.replace('"', "\"\"")),
        ),
    );
    match_hand(&wd, &["--report", "r.html", "--summary", "s.json"]);
    let html = read(&wd, "r.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Self-contained and inert: no script, no external resource, the feed's name as text.
    for banned in ["<script", "src=", "href=", "url(", "@import"] {
        assert!(!html.contains(banned), "{banned} in the report");
    }
    assert!(html.contains(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39; \
         <span class=\"id\">g-seat</span>"
    ));
    let summary = read_json(&wd, "s.json");
    let people = summary["people"].as_u64().unwrap();
    let placed = summary["placed"].as_u64().unwrap();
    assert_eq!((people, placed), (6, 4));
    let count = |outcome: &str, n: u64| {
        format!("<span class=\"id\">{outcome}</span></td><td class=\"n\">{n}</td>")
    };
    assert!(html.contains(&count("placed", placed)), "{html}");
    for (outcome, n) in summary["unplaced"].as_object().unwrap() {
        assert!(
            html.contains(&count(outcome, n.as_u64().unwrap())),
            "{outcome}"
        );
    }
    assert!(html.contains(&format!(
        "Best total {:.2}, mean score of the placed {:.3}.",
        summary["objective"].as_f64().unwrap(),
        summary["mean_score"].as_f64().unwrap()
    )));
    // The fill of every group with limited seats.
    for (group, fill) in [
        ("g-seat", "1 of 1"),
        ("g-two", "2 of 2"),
        ("g-full", "0 of 0"),
    ] {
        let at = html
            .find(&format!("<span class=\"id\">{group}</span>"))
            .unwrap();
        assert!(
            html[at..].contains(&format!("<td class=\"n\">{fill}</td>")),
            "{group}"
        );
    }
    // Everyone not placed, by id, in its own section.
    let unplaced = &html[html.find("People not placed").unwrap()..];
    for row in read_rows(&wd, "m.csv") {
        let cell = format!("<td class=\"id\">{}</td>", row.person_id);
        assert_eq!(
            unplaced.contains(&cell),
            row.group_id.is_none(),
            "{}",
            row.person_id
        );
    }
}

#[test]
fn a_roster_or_report_that_cannot_be_written_leaves_the_existing_output_untouched() {
    for flag in ["--roster", "--report"] {
        let wd = Workdir::new();
        write_hand_case(&wd, &six_people());
        wd.create("m.csv", "an earlier output\n");
        let run = run_hand(
            &wd,
            "wait.csv",
            "m.csv",
            &[flag, "no-such-dir/r", "--force"],
        );
        run.assert_code(2).assert_stderr_contains("no-such-dir");
        assert_eq!(
            read_bytes(&wd, "m.csv"),
            b"an earlier output\n",
            "{flag}{run}"
        );
        assert_eq!(leftover_temporaries(&wd), Vec::<String>::new(), "{run}");
    }
}

#[test]
fn the_printed_summary_says_best_total_in_words() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    let run = match_hand(&wd, &["--summary", "s.json"]);
    let total = read_json(&wd, "s.json")["objective"].as_f64().unwrap();
    run.assert_stderr_contains(&format!(
        "6 people: 4 placed; best total {total:.2} (sum of placed scores plus waiting bonus);"
    ));
    assert!(!run.stderr().contains("objective"), "{run}");
}

// ---------------------------------------------------------------------------------------------
// Priority populations and held places
// ---------------------------------------------------------------------------------------------

/// The organisation's tiers: pregnant people first, then people leaving residential care.
const PRIORITY_FILE: &str = r#"
[codes]
leaving_residential = "leaving residential treatment within 30 days"

[[tier]]
name = "pregnant"
when = ["pregnant"]

[[tier]]
name = "step_down"
when = ["leaving_residential"]
"#;

#[test]
fn priorities_and_holds_from_files_with_one_exported_problem_per_tier() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    // h4 (the latest to join) is pregnant, h5 leaves residential care; h6 was promised the seat
    // of g-seat, and h1 one in g-full, which has none.
    let codes = ["", "", "", "pregnant", "leaving_residential", ""];
    let rows: String = six_people()
        .iter()
        .zip(codes)
        .map(|(p, c)| format!("{},{c}\n", p.csv_row().trim_end()))
        .collect();
    let header = HAND_WAITLIST_HEADER.trim_end();
    wd.create("wait.csv", format!("{header},priority\n{rows}"));
    wd.create("priority.toml", PRIORITY_FILE);
    wd.create("holds.csv", "person_id,group_id\nh6,g-seat\nh1,g-full\n");
    let run = match_hand(
        &wd,
        &[
            "--priority-file",
            "priority.toml",
            "--hold",
            "holds.csv",
            "--summary",
            "s.json",
            "--export-scores",
            "ex",
        ],
    );
    let rows = read_rows(&wd, "m.csv");
    let row = |id: &str| rows.iter().find(|r| r.person_id == id).unwrap();
    assert_eq!(
        (row("h6").reason.as_str(), row("h6").group_id.as_deref()),
        ("held", Some("g-seat"))
    );
    assert_eq!(
        row("h4").reason,
        "placed",
        "the pregnant person is placed though she waited least"
    );
    assert_eq!(row("h5").reason, "placed");
    let err = run.stderr();
    assert!(err.contains("holds: 1 kept, 1 not kept"), "{err}");
    assert!(
        err.contains("h1 in g-full: not eligible now: full (3 of 3 seats taken)"),
        "{err}"
    );

    let summary = read_json(&wd, "s.json");
    let tiers: Vec<(&str, u64, u64)> = summary["by_tier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tier"].as_str().unwrap(),
                t["people"].as_u64().unwrap(),
                t["placed"].as_u64().unwrap(),
            )
        })
        .collect();
    // h6 held, and h3 online: the two seats of g-two went to the tiers.
    assert_eq!(
        tiers,
        [("pregnant", 1, 1), ("step_down", 1, 1), ("others", 4, 2)]
    );
    // Without priority the longer waiters would have had them.
    assert_eq!(summary["by_tier"][0]["placed_without_priority"], 0);
    assert_eq!(summary["held"], 1);
    assert_eq!(summary["holds"][1]["kept"], false);
    // One problem per solve, each re-solved by brute force to its stage's objective; with the
    // held place, they make the whole.
    let stages = summary["stages"].as_array().unwrap();
    let folders = ["ex/1-pregnant", "ex/2-step_down", "ex/3-others"];
    assert_eq!(stages.len(), folders.len());
    let mut total = row("h6").weight.unwrap();
    for (stage, folder) in stages.iter().zip(folders) {
        let objective = stage["objective"].as_f64().unwrap();
        let (edges, capacity) = (read_edges(&wd, folder), read_capacity(&wd, folder));
        assert_abs_diff_eq!(objective, brute_force(&edges, &capacity), epsilon = 1e-6);
        total += objective;
    }
    assert_abs_diff_eq!(
        total,
        summary["objective"].as_f64().unwrap(),
        epsilon = PRINTED
    );
    // The first tier began with the seat the hold took gone, the others with fewer still.
    assert_eq!(read_capacity(&wd, "ex/1-pregnant")["g-seat"], 0);
    assert!(
        !wd.path().join("ex/edges.csv").exists(),
        "no problem of the whole"
    );
}

#[test]
fn priority_files_and_holds_that_cannot_be_used_are_refused_by_name_and_line() {
    let wd = Workdir::new();
    write_hand_case(&wd, &six_people());
    wd.create(
        "p.toml",
        "policy = \"strict\"\n[[tier]]\nname = \"a\"\nwhen = [\"pregnant+smokes\"]\n",
    );
    let run = run_hand(&wd, "wait.csv", "m.csv", &["--priority-file", "p.toml"]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .contains("p.toml:2: tier[1].when: 'smokes' is not a known code"),
        "{}",
        run.stderr()
    );
    // Weighted priority needs bonuses the file does not give.
    wd.create("p.toml", PRIORITY_FILE);
    let run = run_hand(
        &wd,
        "wait.csv",
        "m.csv",
        &["--priority-file", "p.toml", "--priority", "weighted"],
    );
    run.assert_code(2);
    assert!(
        run.stderr().contains("p.toml: tier[1].bonus: missing"),
        "{}",
        run.stderr()
    );
    // A code nobody declared, named with the person's row.
    let header = HAND_WAITLIST_HEADER.trim_end();
    let row = six_people()[0].csv_row();
    wd.create(
        "w2.csv",
        format!("{header},priority\n{},smokes\n", row.trim_end()),
    );
    let run = run_hand(&wd, "w2.csv", "m.csv", &[]);
    run.assert_code(2);
    let expected = "w2.csv: priority: row of h1: 'smokes' is not a known priority code";
    assert!(run.stderr().contains(expected), "{}", run.stderr());
    wd.create("h.csv", "person_id,group_id\nh1,g-seat\nh1,g-two\n");
    let run = run_hand(&wd, "wait.csv", "m.csv", &["--hold", "h.csv"]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .contains("h.csv:3: person_id: duplicate person_id 'h1'"),
        "{}",
        run.stderr()
    );
    assert!(!wd.path().join("m.csv").exists(), "nothing written");
}

#[test]
fn rosters_mark_held_places_and_the_report_shows_placements_by_tier() {
    let wd = Workdir::new();
    let example = |f: &str| repo_path(&format!("docs/examples/coordinator/{f}"));
    let path = |f: &str| example(f).display().to_string();
    #[rustfmt::skip]
    wd.run([
        "match", "--waitlist", &path("waitlist.csv"), "--groups", &path("groups.csv"),
        "--priority-file", &path("priority.toml"), "--hold", &path("holds.csv"),
        "--now", "2026-11-26T12:00:00Z", "--out", "m.csv", "--summary", "s.json",
        "--roster", "r.txt", "--report", "r.html",
    ])
    .assert_success();
    let summary = read_json(&wd, "s.json");
    let roster = read(&wd, "r.txt");
    let blocks: Vec<&str> = roster.split("\n\n").skip(1).collect();
    let holds = summary["holds"].as_array().unwrap();
    assert!(
        holds.iter().any(|h| h["kept"] == false),
        "the example has a hold not kept"
    );
    for h in holds {
        let (person, group) = (
            h["person_id"].as_str().unwrap(),
            h["group_id"].as_str().unwrap(),
        );
        let block = blocks.iter().find(|b| b.starts_with(&format!("{group}  ")));
        let line = block.and_then(|b| b.lines().find(|l| l.contains(&format!("  {person}  "))));
        match h["kept"].as_bool().unwrap() {
            true => assert!(
                line.unwrap().ends_with("  held"),
                "{person} in {group}: {line:?}"
            ),
            false => assert!(line.is_none_or(|l| !l.ends_with("held")), "{person}"),
        }
    }
    assert_eq!(
        roster.lines().filter(|l| l.ends_with("  held")).count() as u64,
        summary["held"].as_u64().unwrap()
    );
    let html = read(&wd, "r.html");
    let tiers = &html[html.find("By priority tier").expect("a tier table")..];
    for t in summary["by_tier"].as_array().unwrap() {
        let n = |k: &str| t[k].as_u64().unwrap();
        let row = format!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            t["tier"].as_str().unwrap().replace('_', " "),
            n("people"),
            n("placed"),
            n("held"),
            n("placed_without_priority")
        );
        assert!(tiers.contains(&row), "{row}");
    }
    let kept = holds.iter().filter(|h| h["kept"] == true).count();
    assert!(html.contains(&format!(
        "Holds: {kept} kept, {} not kept",
        holds.len() - kept
    )));
}
