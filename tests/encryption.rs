//! Encryption at rest of the referrals store (feature `encryption`, SQLCipher): through the
//! built binary, the database and its write-ahead log hold none of a referral's ids in the
//! clear, a referral goes in and comes out with the key, a missing, wrong or unexpected key is
//! refused with a message that names the file and never the key, a key file must be its
//! owner's only, a backup is encrypted under the same key, the server opens the database keyed
//! for each request, and SQLCipher runs on the system's OpenSSL at its version 4 defaults.

mod util;

use std::path::Path;

use groupmatch::store::{DbKey, Store};

use util::{Workdir, EXAMPLE_PERSON, NOW};

const PASSPHRASE: &str = "correct horse 'battery' staple";
const KEY: (&str, &str) = ("GROUPMATCH_DB_KEY", PASSPHRASE);
const PERSON: &str = "p-cipher-5d0e8b21";
const STAFF: &str = "s-cipher-94ac7f";
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The example person as [`PERSON`], written to `person.json`.
fn person_file(wd: &Workdir) {
    let mut person: serde_json::Value =
        serde_json::from_slice(&std::fs::read(EXAMPLE_PERSON).unwrap()).unwrap();
    person["id"] = PERSON.into();
    wd.create("person.json", person.to_string());
}

/// `refer` of [`PERSON`] by [`STAFF`] into `db`, with `vars` set.
fn refer(wd: &Workdir, vars: &[(&str, &str)], db: &str) {
    wd.run_env(
        vars,
        [
            "refer",
            "--person",
            "person.json",
            "--group",
            "smart-001",
            "--consent",
            "follow_up",
            "--staff",
            STAFF,
            "--now",
            NOW,
            "--db",
            db,
        ],
    )
    .assert_success()
    .assert_stdout_contains(&format!("referral 1: {PERSON} to smart-001"));
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The database file and its write-ahead log, read raw (the log must exist).
fn file_and_log(db: &Path) -> (Vec<u8>, Vec<u8>) {
    let file = std::fs::read(db).unwrap();
    let log = std::fs::read(format!("{}-wal", db.display())).unwrap();
    assert!(!log.is_empty(), "the referral is in the log");
    (file, log)
}

/// Records a referral through the binary while this process holds the store open (so the log
/// is not checkpointed away on close), and returns the raw database and log.
fn referral_on_disk(wd: &Workdir, key: Option<&str>, db: &str) -> (Vec<u8>, Vec<u8>) {
    let path = wd.path().join(db);
    let key_of = |k: &str| DbKey::new(k, "the test").unwrap();
    let held = Store::open_with_key(&path, key.map(key_of)).unwrap();
    let vars: Vec<(&str, &str)> = key.map(|k| ("GROUPMATCH_DB_KEY", k)).into_iter().collect();
    refer(wd, &vars, db);
    let raw = file_and_log(&path);
    drop(held);
    raw
}

#[test]
fn an_encrypted_database_and_its_log_hold_nothing_in_the_clear() {
    let wd = Workdir::new();
    person_file(&wd);
    // Unencrypted, the same search finds both ids: it can fail.
    let (file, log) = referral_on_disk(&wd, None, "plain.db");
    assert_eq!(&file[..16], SQLITE_HEADER);
    assert!(holds(&log, PERSON) && holds(&log, STAFF));

    let (file, log) = referral_on_disk(&wd, Some(PASSPHRASE), "r.db");
    assert_ne!(&file[..16], SQLITE_HEADER, "the header is encrypted too");
    for (name, bytes) in [("r.db", &file), ("r.db-wal", &log)] {
        for id in [PERSON, STAFF, "smart-001", "early"] {
            assert!(!holds(bytes, id), "{id} is in {name} in the clear");
        }
    }
    // With the key, through the binary, the referral reads back whole.
    wd.run_env(&[KEY], ["referrals", "show", "1", "--db", "r.db"])
        .assert_success()
        .assert_stdout_contains(&format!(
            "referral 1: {PERSON} on 2026-11-26T12:00:00+00:00 by {STAFF}"
        ))
        .assert_stdout_contains("consent: follow-up");
    wd.run_env(
        &[KEY],
        ["referrals", "due", "--on", "2026-12-03", "--db", "r.db"],
    )
    .assert_success()
    .assert_stdout_contains("1 follow-up due on 2026-12-03");
}

#[test]
fn a_missing_wrong_or_unexpected_key_is_refused_naming_the_file() {
    let wd = Workdir::new();
    person_file(&wd);
    refer(&wd, &[KEY], "r.db");
    refer(&wd, &[], "plain.db");
    let due = |db: &'static str| ["referrals", "due", "--on", "2026-12-03", "--db", db];
    let refused = [
        wd.run_env(&[], due("r.db")),
        wd.run_env(&[("GROUPMATCH_DB_KEY", "correct horse")], due("r.db")),
        wd.run_env(&[KEY], due("plain.db")),
        wd.run_env(&[("GROUPMATCH_DB_KEY", "")], due("r.db")),
        wd.run_env(&[KEY, ("GROUPMATCH_DB_KEY_FILE", "key")], due("r.db")),
    ];
    let expected = [
        "r.db: is encrypted or not a groupmatch database: set GROUPMATCH_DB_KEY or \
         GROUPMATCH_DB_KEY_FILE",
        "r.db: the key from GROUPMATCH_DB_KEY does not open it: a wrong key, or not a \
         groupmatch database",
        "plain.db: the database is not encrypted, but a key is given (GROUPMATCH_DB_KEY): unset \
         it",
        "the key from GROUPMATCH_DB_KEY is empty (an empty key would leave the database \
         unencrypted)",
        "both GROUPMATCH_DB_KEY and GROUPMATCH_DB_KEY_FILE are set: set only one",
    ];
    for (out, message) in refused.iter().zip(expected) {
        out.assert_code(2).assert_stderr_contains(message);
        assert!(!out.stderr().contains(PASSPHRASE), "the key is shown:{out}");
    }
    // Nothing was changed by the refusals: both still open as before.
    wd.run_env(&[KEY], due("r.db"))
        .assert_success()
        .assert_stdout_contains("1 follow-up due");
    wd.run_env(&[], due("plain.db"))
        .assert_success()
        .assert_stdout_contains("1 follow-up due");
}

#[cfg(unix)]
#[test]
fn a_key_file_gives_the_same_key_and_must_be_its_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    person_file(&wd);
    refer(&wd, &[KEY], "r.db");
    // The first line is the key; its line ending and what follows are not.
    let file = wd.create("db.key", format!("{PASSPHRASE}\r\nnot the key\n"));
    let show = ["referrals", "show", "1", "--db", "r.db"];
    let from_file = [("GROUPMATCH_DB_KEY_FILE", "db.key")];
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    wd.run_env(&from_file, show)
        .assert_code(2)
        .assert_stderr_contains(
            "db.key: the key file (GROUPMATCH_DB_KEY_FILE) has mode 0640: group or others can \
             read or change it; make it its owner's only: chmod 600 db.key",
        );
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    wd.run_env(&from_file, show)
        .assert_success()
        .assert_stdout_contains(&format!("referral 1: {PERSON}"));
    wd.create("other.key", "another passphrase\n");
    let other = wd.path().join("other.key");
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o400)).unwrap();
    wd.run_env(&[("GROUPMATCH_DB_KEY_FILE", "other.key")], show)
        .assert_code(2)
        .assert_stderr_contains(
            "r.db: the key from GROUPMATCH_DB_KEY_FILE (other.key) does not open it",
        );
    wd.run_env(&[("GROUPMATCH_DB_KEY_FILE", "missing.key")], show)
        .assert_code(2)
        .assert_stderr_contains("missing.key: ");
}

#[test]
fn a_raw_key_opens_without_derivation_and_only_with_that_key() {
    let wd = Workdir::new();
    person_file(&wd);
    let raw = format!("x'{}'", "5e".repeat(32));
    let other = format!("x'{}'", "5f".repeat(32));
    refer(&wd, &[("GROUPMATCH_DB_KEY", raw.as_str())], "r.db");
    let show = ["referrals", "show", "1", "--db", "r.db"];
    wd.run_env(&[("GROUPMATCH_DB_KEY", raw.as_str())], show)
        .assert_success();
    wd.run_env(&[("GROUPMATCH_DB_KEY", other.as_str())], show)
        .assert_code(2)
        .assert_stderr_contains("does not open it");
    // The raw key is not a passphrase: the same text derived is another key.
    let derived = DbKey::new(raw.trim_start_matches("x'").trim_end_matches('\''), "hex");
    assert!(Store::open_with_key(&wd.path().join("r.db"), Some(derived.unwrap())).is_err());
}

#[test]
fn a_backup_of_an_encrypted_database_is_encrypted_with_the_same_key() {
    let wd = Workdir::new();
    person_file(&wd);
    refer(&wd, &[KEY], "r.db");
    wd.run_env(&[KEY], ["db", "backup", "copy.db", "--db", "r.db"])
        .assert_success()
        .assert_stdout_contains("backed up r.db to copy.db: 1 referral, 1 event");
    let copy = std::fs::read(wd.path().join("copy.db")).unwrap();
    assert_ne!(&copy[..16], SQLITE_HEADER);
    assert!(!holds(&copy, PERSON) && !holds(&copy, STAFF));
    let show = ["referrals", "show", "1", "--db", "copy.db"];
    wd.run_env(&[KEY], show)
        .assert_success()
        .assert_stdout_contains(&format!(
            "referral 1: {PERSON} on 2026-11-26T12:00:00+00:00 by {STAFF}"
        ));
    wd.run_env(&[], show)
        .assert_code(2)
        .assert_stderr_contains("copy.db: is encrypted or not a groupmatch database");
    let key = DbKey::new(PASSPHRASE, "the test").unwrap();
    let store = Store::open_with_key(&wd.path().join("copy.db"), Some(key)).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn sqlcipher_uses_the_systems_openssl_at_its_version_4_defaults() {
    let wd = Workdir::new();
    person_file(&wd);
    refer(&wd, &[KEY], "r.db");
    let conn = rusqlite::Connection::open(wd.path().join("r.db")).unwrap();
    conn.pragma_update(None, "key", PASSPHRASE).unwrap();
    let pragma = |name: &str| -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(pragma("cipher_provider"), "openssl");
    assert!(pragma("cipher_provider_version").starts_with("OpenSSL 3"));
    assert_eq!(pragma("cipher_version").split('.').next(), Some("4"));
    assert_eq!(pragma("kdf_iter"), "256000");
    assert_eq!(pragma("cipher_hmac_algorithm"), "HMAC_SHA512");
    assert_eq!(pragma("cipher_page_size"), "4096");
}

/// `GET path` with a bearer `token` from the server at `addr`: the whole answer, as text.
fn get(addr: &str, path: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn the_server_opens_an_encrypted_database_with_the_key_and_refuses_to_start_without() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let wd = Workdir::new();
    person_file(&wd);
    refer(&wd, &[KEY], "r.db");
    let out = wd.run(["token", "add", "--role", "match", "--tokens", "tokens.json"]);
    let token = out.assert_success().stdout().trim().to_string();
    let serve = [
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--tokens",
        "tokens.json",
        "--db",
        "r.db",
    ];
    wd.run_env(&[], serve)
        .assert_code(2)
        .assert_stderr_contains("r.db: is encrypted or not a groupmatch database");
    let mut server = Command::new(env!("CARGO_BIN_EXE_groupmatch"))
        .args(serve)
        .current_dir(wd.path())
        .env_remove("GROUPMATCH_DB_KEY_FILE")
        .env("GROUPMATCH_DB_KEY", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .map(str::to_string);
    // Each request opens the database anew, keyed.
    let answers: Vec<String> = (0..2)
        .filter_map(|_| {
            Some(get(
                addr.as_deref()?,
                "/v1/referrals/due?on=2026-12-03",
                &token,
            ))
        })
        .collect();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(answers.len(), 2, "the server did not start: {line:?}");
    for answer in answers {
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains(PERSON), "{answer}");
    }
}
