//! Integration tests of the referrals store and its commands (`refer`, `referrals`, `referral`,
//! `outcomes export`, `train --db`, `forget`, `purge`, `db backup`) on real SQLite files: every
//! command through the built binary, several processes writing at once, a process killed in the
//! middle of an import, a backup taken while writers run, nothing of a forgotten person left in
//! the files, the file's mode, consent, and schema migrations.

mod util;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use groupmatch::engagement::history::read_history;
use groupmatch::store::{Consent, NewReferral, ReferralId, Shown, Store};
use groupmatch::{read_groups, read_person, ReferralType};

use util::{repo_path, Workdir, EXAMPLE_PERSON, NOW};

/// The groups the example person is shown first (embedded directory, at [`NOW`]).
const FIRST: &str = "pro-mot-003";

const BOTH: Consent = Consent {
    follow_up: true,
    training: true,
};

/// A referral of the example person, as `person_id`, on `on`, for `chosen`.
fn new_referral(person_id: &str, on: &str, chosen: &str, consent: Consent) -> NewReferral {
    let mut person = read_person(Path::new(EXAMPLE_PERSON)).unwrap().value;
    person.id = person_id.to_string();
    NewReferral {
        person,
        referred_at: format!("{on}T12:00:00Z").parse().unwrap(),
        staff: None,
        engine_version: "d1-m1-r1".into(),
        shown: vec![Shown {
            group_id: chosen.into(),
            rank: 1,
            score: 0.5,
        }],
        chosen: vec![chosen.into()],
        referral_type: ReferralType::List,
        consent,
    }
}

/// `n` referrals (persons `p0`, `p1`, ...) made on 2026-01-01 into the store at `db`.
fn seed_store(db: &Path, n: usize) -> Vec<ReferralId> {
    let mut store = Store::open(db).unwrap();
    (0..n)
        .map(|i| {
            store
                .record_referral(&new_referral(&format!("p{i}"), "2026-01-01", "g1", BOTH))
                .unwrap()
        })
        .collect()
}

/// An events file of `n` check-ins of `referral`, one a line.
fn checkins(referral: ReferralId, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"referral\": {referral}, \"status\": \"attending\", \"on\": \"2026-{:02}-{:02}\"}}\n",
                1 + i % 12,
                1 + i % 28
            )
        })
        .collect()
}

fn counts(db: &Path) -> (i64, i64) {
    Store::open(db).unwrap().counts().unwrap()
}

fn spawn(wd: &Workdir, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_groupmatch"))
        .args(args)
        .current_dir(wd.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_referral_is_recorded_followed_up_and_shown() {
    let wd = Workdir::new();
    let person = EXAMPLE_PERSON;
    let out = wd.run([
        "refer",
        "--person",
        person,
        "--group",
        FIRST,
        "--group",
        "smart-001",
        "--consent",
        "follow_up,training",
        "--staff",
        "s-17",
        "--top",
        "3",
        "--now",
        NOW,
    ]);
    out.assert_success().assert_stdout_contains(&format!(
        "referral 1: p-demo-01 to {FIRST}, smart-001 (3 shown, engine d"
    ));
    // The default database, in the current folder.
    assert!(wd.path().join("groupmatch.db").exists());
    wd.run(["referrals", "due", "--on", "2026-12-02"])
        .assert_success()
        .assert_stdout_contains("0 follow-ups due on 2026-12-02");
    wd.run(["referrals", "due", "--now", "2026-12-03T09:00:00Z"])
        .assert_success()
        .assert_stdout_contains("1 follow-up due on 2026-12-03")
        .assert_stdout_contains(&format!(
            "       1  p-demo-01         2026-11-26     7 days  2026-12-03  {FIRST}, smart-001"
        ));
    wd.run([
        "referral",
        "update",
        "1",
        "--status",
        "attended_first",
        "--on",
        "2026-12-03",
        "--group",
        FIRST,
    ])
    .assert_success()
    .assert_stdout_contains(&format!(
        "referral 1: attended_first at {FIRST} on 2026-12-03"
    ));
    wd.run(["referrals", "due", "--on", "2026-12-03"])
        .assert_success()
        .assert_stdout_contains("0 follow-ups due");
    let show = wd.run(["referrals", "show", "1"]);
    show.assert_success()
        .assert_stdout_contains("referral 1: p-demo-01 on 2026-11-26T12:00:00+00:00 by s-17")
        .assert_stdout_contains("consent: follow-up and training")
        .assert_stdout_contains(&format!("   1  0.65  {FIRST}  chosen"))
        .assert_stdout_contains(&format!("  2026-12-03  attended_first          {FIRST}"));
    let json: serde_json::Value = serde_json::from_str(
        &wd.run(["referrals", "show", "1", "--format", "json"])
            .stdout(),
    )
    .unwrap();
    assert_eq!(json["shown"].as_array().unwrap().len(), 3);
    assert_eq!(json["person"]["id"], "p-demo-01");
    assert_eq!(json["events"][1]["kind"], "attended_first");
}

#[test]
fn bad_updates_and_imports_name_the_line_and_field_and_write_nothing() {
    let wd = Workdir::new();
    let db = wd.path().join("r.db");
    let ids = seed_store(&db, 1);
    wd.run([
        "referral",
        "update",
        "1",
        "--status",
        "stopped",
        "--on",
        "2026-02-01",
        "--db",
        "r.db",
    ])
    .assert_code(2)
    .assert_stderr_contains("referral 1: reason: missing: a stop needs a reason");
    wd.run([
        "referral",
        "update",
        "9",
        "--status",
        "declined",
        "--on",
        "2026-02-01",
        "--db",
        "r.db",
    ])
    .assert_code(2)
    .assert_stderr_contains("no referral 9 in the store");
    let id = ids[0];
    let bad = format!(
        "{{\"referral\": {id}, \"status\": \"attending\", \"on\": \"2025-12-31\"}}\n\
         {{\"referral\": {id}, \"status\": \"attending\", \"on\": \"2026-02-01\", \"group\": \"g7\"}}\n"
    );
    wd.create("events.jsonl", checkins(id, 2) + &bad);
    let out = wd.run(["referrals", "import", "events.jsonl", "--db", "r.db"]);
    out.assert_code(2)
        .assert_stderr_contains(
            "events.jsonl:3: on: 2025-12-31 is before the referral (2026-01-01)",
        )
        .assert_stderr_contains("events.jsonl:4: group: 'g7' is not a group referral 1 chose");
    assert_eq!(counts(&db), (1, 1), "nothing written");
}

#[test]
fn four_processes_writing_10000_events_each_lose_nothing() {
    let wd = Workdir::new();
    let db = wd.path().join("r.db");
    let ids = seed_store(&db, 4);
    for (i, id) in ids.iter().enumerate() {
        wd.create(&format!("e{i}.jsonl"), checkins(*id, 10_000));
    }
    let children: Vec<Child> = (0..4)
        .map(|i| {
            let file = format!("e{i}.jsonl");
            spawn(
                &wd,
                &[
                    "referrals",
                    "import",
                    &file,
                    "--batch",
                    "50",
                    "--db",
                    "r.db",
                ],
            )
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("imported 10000 events from e"), "{stdout}");
    }
    assert_eq!(counts(&db), (4, 4 + 40_000));
    let store = Store::open(&db).unwrap();
    for id in ids {
        assert_eq!(store.referral(id).unwrap().events.len(), 1 + 10_000);
    }
}

/// Waits until the store at `db` holds more than `events` events (another process writing).
fn wait_for_events(db: &Path, events: i64) {
    let start = Instant::now();
    while counts(db).1 <= events {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_killed_import_keeps_every_committed_batch_and_no_part_of_one() {
    let wd = Workdir::new();
    let db = wd.path().join("r.db");
    let ids = seed_store(&db, 1);
    wd.create("events.jsonl", checkins(ids[0], 60_000));
    let mut child = spawn(
        &wd,
        &[
            "referrals",
            "import",
            "events.jsonl",
            "--batch",
            "200",
            "--db",
            "r.db",
        ],
    );
    wait_for_events(&db, 1);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let (referrals, events) = store.counts().unwrap();
    assert_eq!(referrals, 1);
    let imported = events - 1;
    assert!(imported > 0 && imported < 60_000, "{imported}");
    assert_eq!(imported % 200, 0, "whole batches only: {imported}");
}

#[test]
fn a_backup_taken_while_writers_run_is_a_consistent_copy() {
    let wd = Workdir::new();
    let db = wd.path().join("r.db");
    let ids = seed_store(&db, 1);
    wd.create("events.jsonl", checkins(ids[0], 40_000));
    let mut writer = spawn(
        &wd,
        &[
            "referrals",
            "import",
            "events.jsonl",
            "--batch",
            "100",
            "--db",
            "r.db",
        ],
    );
    wait_for_events(&db, 1);
    for i in 0..3 {
        let name = format!("backup{i}.db");
        wd.run(["db", "backup", &name, "--db", "r.db"])
            .assert_success()
            .assert_stdout_contains(&format!("backed up r.db to {name}: 1 referral, "));
        let copy = Store::open(&wd.path().join(&name)).unwrap();
        assert_eq!(copy.integrity_check().unwrap(), "ok");
        let (_, events) = copy.counts().unwrap();
        assert_eq!(
            (events - 1) % 100,
            0,
            "a snapshot between batches: {events}"
        );
        #[cfg(unix)]
        assert_eq!(mode(&wd.path().join(&name)), 0o600);
    }
    let status = writer.wait().unwrap();
    assert!(status.success());
    assert_eq!(counts(&db).1, 1 + 40_000);
    wd.run(["db", "backup", "backup0.db", "--db", "r.db"])
        .assert_code(2)
        .assert_stderr_contains("already exists (use --force to overwrite)");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_database_is_created_readable_by_its_owner_only() {
    let wd = Workdir::new();
    let db = wd.path().join("new.db");
    let store = Store::open(&db).unwrap();
    assert_eq!(mode(&db), 0o600);
    // SQLite gives its log the database's mode.
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600);
    drop(store);
}

/// Every file of the database at `db` (the database, its log and its shared memory), read raw.
fn raw_files(db: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            bytes.extend(b);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn forget_leaves_nothing_of_the_person_in_the_files_and_log() {
    let wd = Workdir::new();
    let db = wd.path().join("r.db");
    let (gone, kept) = ("p-forget-me-7f3a91", "p-keep-me-0c2b44");
    let mut store = Store::open(&db).unwrap();
    for i in 0..50 {
        let who = if i % 2 == 0 { gone } else { kept };
        let id = store
            .record_referral(&new_referral(who, "2026-01-01", "g1", BOTH))
            .unwrap();
        wd.create(&format!("e{i}.jsonl"), checkins(id, 20));
        drop(wd.run([
            "referrals",
            "import",
            &format!("e{i}.jsonl"),
            "--db",
            "r.db",
        ]));
    }
    // The store stays open (as a server's would): its log is not removed on close.
    assert!(holds(&raw_files(&db), gone));
    wd.run(["forget", gone, "--db", "r.db"])
        .assert_success()
        .assert_stdout_contains(&format!("forgot {gone}: 25 referrals removed"));
    let raw = raw_files(&db);
    assert!(!holds(&raw, gone), "the forgotten id is still in the files");
    assert!(holds(&raw, kept), "the search finds an id that is there");
    assert_eq!(store.counts().unwrap(), (25, 25 * 21));
    drop(store);
    assert!(!holds(&raw_files(&db), gone));
}

#[test]
fn purge_removes_the_referrals_made_before_the_date() {
    let wd = Workdir::new();
    let db = wd.path().join("r.db");
    let mut store = Store::open(&db).unwrap();
    for on in ["2025-06-30", "2025-07-01", "2025-07-02"] {
        store
            .record_referral(&new_referral("p1", on, "g1", BOTH))
            .unwrap();
    }
    drop(store);
    wd.run(["purge", "--before", "2025-07-02", "--db", "r.db"])
        .assert_success()
        .assert_stdout_contains("purged 2 referrals made before 2025-07-02");
    assert_eq!(counts(&db), (1, 1));
}

/// A small simulation (groups.csv, history.csv in `sim/`), recorded in the store at `r.db` as
/// referrals whose events give the history's labels; every third without training consent.
fn simulated_store(wd: &Workdir) -> usize {
    wd.run([
        "simulate",
        "--seed",
        "3",
        "--people",
        "300",
        "--groups",
        "40",
        "--placements",
        "600",
        "--out",
        "sim",
    ])
    .assert_success();
    let groups = read_groups(&wd.path().join("sim/groups.csv"))
        .unwrap()
        .value;
    let history = read_history(&wd.path().join("sim/history.csv"), &groups)
        .unwrap()
        .value;
    let mut store = Store::open(&wd.path().join("r.db")).unwrap();
    let mut events = String::new();
    let mut consented = 0;
    for (i, row) in history.rows.iter().enumerate() {
        let training = i % 3 != 0;
        consented += usize::from(training);
        let group = &groups[row.group].id;
        let mut new = new_referral("x", &row.placed_on.to_string(), group, BOTH);
        new.person = history.people[row.person].clone();
        new.consent.training = training;
        new.referral_type = row.referral;
        let id = store.record_referral(&new).unwrap();
        let (status, day, reason) = if row.engaged_90d {
            ("attending", 95, "")
        } else {
            ("stopped", 40, ", \"reason\": \"schedule\"")
        };
        let on = row.placed_on + chrono::Days::new(day);
        events.push_str(&format!(
            "{{\"referral\": {id}, \"status\": \"{status}\", \"on\": \"{on}\", \"group\": \"{group}\"{reason}}}\n"
        ));
    }
    wd.create("events.jsonl", events);
    wd.run(["referrals", "import", "events.jsonl", "--db", "r.db"])
        .assert_success();
    consented
}

#[test]
fn only_consented_outcomes_are_exported_and_train_from_the_store_matches_the_export() {
    let wd = Workdir::new();
    let consented = simulated_store(&wd);
    let now = "2030-01-01T00:00:00Z";
    wd.run([
        "outcomes",
        "export",
        "--out",
        "history.csv",
        "--groups",
        "sim/groups.csv",
        "--now",
        now,
        "--db",
        "r.db",
    ])
    .assert_success()
    .assert_stdout_contains(&format!("wrote history.csv: {consented} rows"));
    let groups = read_groups(&wd.path().join("sim/groups.csv"))
        .unwrap()
        .value;
    let sim = read_history(&wd.path().join("sim/history.csv"), &groups)
        .unwrap()
        .value;
    let exported = read_history(&wd.path().join("history.csv"), &groups)
        .unwrap()
        .value;
    assert_eq!(exported.rows.len(), consented);
    // Every third placement (no consent to training) is missing, and the labels are the
    // history's.
    for (k, row) in exported.rows.iter().enumerate() {
        let i = k + k / 2 + 1;
        assert_eq!(row.engaged_90d, sim.rows[i].engaged_90d, "row {k}");
        assert_eq!(row.group, sim.rows[i].group);
    }
    wd.run([
        "train",
        "--history",
        "history.csv",
        "--groups",
        "sim/groups.csv",
        "--out",
        "a.json",
    ])
    .assert_success();
    wd.run([
        "train",
        "--db",
        "r.db",
        "--groups",
        "sim/groups.csv",
        "--now",
        now,
        "--out",
        "b.json",
    ])
    .assert_success()
    .assert_stdout_contains("provenance: local_outcomes");
    let coefficients = |name: &str| -> serde_json::Value {
        let model: serde_json::Value =
            serde_json::from_slice(&std::fs::read(wd.path().join(name)).unwrap()).unwrap();
        model["coefficients"].clone()
    };
    assert_eq!(coefficients("a.json"), coefficients("b.json"));
}

#[test]
fn a_database_of_every_earlier_schema_version_opens_and_migrates() {
    let wd = Workdir::new();
    let fixtures = repo_path("tests/fixtures/store");
    let mut versions = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let Some(v) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix('v'))
            .and_then(|n| n.strip_suffix(".sql"))
        else {
            continue;
        };
        let v: u32 = v.parse().unwrap();
        versions += 1;
        let db = wd.path().join(format!("v{v}.db"));
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(&std::fs::read_to_string(&path).unwrap())
            .unwrap();
        let found: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(found, v, "{}", path.display());
        drop(conn);
        // Every fixture holds referral 1 of person p-fixture with one check-in.
        let show = wd.run(["referrals", "show", "1", "--db", db.to_str().unwrap()]);
        show.assert_success()
            .assert_stdout_contains("referral 1: p-fixture on 2026-01-05T12:00:00+00:00")
            .assert_stdout_contains("  2026-04-10  attending               aa-0001");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let now: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(now, groupmatch::store::SCHEMA_VERSION);
        // The migrated schema is the one a new database gets.
        let fresh = wd.path().join(format!("fresh{v}.db"));
        drop(Store::open(&fresh).unwrap());
        assert_eq!(schema_of(&db), schema_of(&fresh));
    }
    assert_eq!(versions, groupmatch::store::SCHEMA_VERSION);
}

#[test]
fn a_v1_database_migrates_to_the_same_referrals_and_export_byte_for_byte() {
    let wd = Workdir::new();
    let fixtures = repo_path("tests/fixtures/store");
    let db = wd.path().join("v1.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    for file in ["v1.sql", "referrals-v1.sql"] {
        conn.execute_batch(&std::fs::read_to_string(fixtures.join(file)).unwrap())
            .unwrap();
    }
    drop(conn);
    let db_arg = db.to_str().unwrap();
    let mut shown = String::new();
    for id in ["1", "2", "3", "4"] {
        let show = wd.run(["referrals", "show", id, "--db", db_arg, "--format", "json"]);
        shown.push_str(&show.assert_success().stdout());
    }
    let expected = std::fs::read_to_string(fixtures.join("referrals-v1.json")).unwrap();
    assert_eq!(
        shown, expected,
        "the referrals as groupmatch at schema version 1 showed them"
    );
    wd.run([
        "outcomes",
        "export",
        "--out",
        "history.csv",
        "--now",
        "2026-12-01T00:00:00Z",
        "--db",
        db_arg,
    ])
    .assert_success()
    .assert_stdout_contains("5 rows (3 engaged) of 3 person records");
    assert_eq!(
        std::fs::read_to_string(wd.path().join("history.csv")).unwrap(),
        std::fs::read_to_string(fixtures.join("referrals-v1.csv")).unwrap(),
        "the export as groupmatch at schema version 1 wrote it"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let records: Vec<(i64, String)> = conn
        .prepare("SELECT id, person_id FROM person_record ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let ids: Vec<(i64, &str)> = records.iter().map(|(i, p)| (*i, p.as_str())).collect();
    assert_eq!(
        ids,
        [
            (1, "p-fixture"),
            (2, "p-fixture"),
            (3, "p-other,\"quoted\"")
        ],
        "each distinct record once, in the order first referred"
    );
    drop(conn);
    // The highest id given (the deleted referral 5) is never given again.
    let mut store = Store::open(&db).unwrap();
    let next = store
        .record_referral(&new_referral("p-new", "2026-03-01", "g1", BOTH))
        .unwrap();
    assert_eq!(next, ReferralId(6));
}

fn schema_of(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap()
}

#[test]
fn a_newer_database_is_refused_naming_the_file_and_both_versions() {
    let wd = Workdir::new();
    let db = wd.path().join("future.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 42; CREATE TABLE later (x);")
        .unwrap();
    wd.run(["referrals", "due", "--on", "2026-01-01", "--db", "future.db"])
        .assert_code(2)
        .assert_stderr_contains(&format!(
            "future.db: the database is at schema version 42, newer than the version {} this groupmatch knows",
            groupmatch::store::SCHEMA_VERSION
        ));
    wd.create(
        "not.db",
        "this is not a database, it is a text file of some length ...",
    );
    wd.run(["referrals", "due", "--db", "not.db"])
        .assert_code(2)
        .assert_stderr_contains(if cfg!(feature = "encryption") {
            "not.db: is encrypted or not a groupmatch database: set GROUPMATCH_DB_KEY or \
             GROUPMATCH_DB_KEY_FILE"
        } else {
            "not.db: not a groupmatch database, or one encrypted"
        });
}
