//! `groupmatch intake`: the interview driven through a real pseudo-terminal (every question
//! answered, some skipped, bad answers then good ones, Ctrl-C), and replayed from an answers
//! file; the person it writes ranks byte for byte as the same person given as a file.

mod util;

use std::process::Command;
use std::time::Duration;

use expectrl::{Expect, Session};
use util::{Workdir, EXAMPLE_PERSON, NOW};

const BIN: &str = env!("CARGO_BIN_EXE_groupmatch");
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_C: &str = "\x03";
const BACKSPACE: &str = "\x7f";

/// The interview started in a pseudo-terminal in `wd`, with `args` after `intake`.
fn start(wd: &Workdir, args: &[&str]) -> expectrl::session::OsSession {
    let mut command = Command::new(BIN);
    command
        .arg("intake")
        .args(["--now", NOW])
        .args(args)
        .current_dir(wd.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut session = Session::spawn(command).expect("spawn intake in a pseudo-terminal");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session
}

/// Waits for `question`, then types `keys`.
fn answer(session: &mut expectrl::session::OsSession, question: &str, keys: &[&str]) {
    session
        .expect(question)
        .unwrap_or_else(|e| panic!("waiting for '{question}': {e}"));
    for k in keys {
        session.send(k).unwrap();
        // Keys one at a time, as a person types: a lone Esc is told from an escape sequence
        // by the pause after it.
        std::thread::sleep(Duration::from_millis(60));
    }
}

/// The exit code of the finished session.
fn exit_code(session: &mut expectrl::session::OsSession) -> i32 {
    // Read to the end, so the process is not blocked on a full terminal.
    let _ = session.expect(expectrl::Eof);
    match session.get_process_mut().wait().unwrap() {
        expectrl::process::unix::WaitStatus::Exited(_, code) => code,
        other => panic!("intake did not exit normally: {other:?}"),
    }
}

/// The example person as the interview makes it: with its id, and without whether their
/// network drinks or uses (the interview does not ask it).
fn example_as_interviewed(id: &str) -> String {
    let mut person: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(EXAMPLE_PERSON).unwrap()).unwrap();
    person["id"] = id.into();
    person
        .as_object_mut()
        .unwrap()
        .remove("network_supports_use");
    person.to_string()
}

/// `rank --format json` of the person file `name` in `wd`.
fn ranking(wd: &Workdir, name: &str) -> String {
    wd.run(["rank", "--person", name, "--format", "json", "--now", NOW])
        .assert_success()
        .stdout()
}

#[test]
fn the_interview_in_a_terminal_makes_the_same_person_as_the_file() {
    let wd = Workdir::new();
    let mut s = start(
        &wd,
        &[
            "--id",
            "p-pty",
            "--save-person",
            "person.json",
            "--handout",
            "handout.html",
        ],
    );
    answer(&mut s, "immediate risk", &[ENTER]); // none chosen: no risk
    answer(&mut s, "Who is the group for?", &[ENTER]); // the default, in recovery
    answer(
        &mut s,
        "Where are they in their recovery?",
        &["first 90", ENTER],
    );
    answer(&mut s, "What kind of group", &["secular", ENTER]);
    answer(&mut s, "Leave out groups of other kinds", &[ESC]); // skipped: no
    answer(&mut s, "In person, online, or either?", &[ENTER]); // the default, either
                                                               // A bad answer is refused on the spot with the reason, then a good one is taken.
    answer(&mut s, "How far can they travel", &["far", ENTER]);
    s.expect("is not a distance like 10km or 6mi").unwrap();
    answer(&mut s, "", &[BACKSPACE, BACKSPACE, BACKSPACE, "10", ENTER]);
    answer(
        &mut s,
        "Where do they start from",
        &["39.9526,-75.1652", ENTER],
    );
    answer(
        &mut s,
        "When can they go?",
        &["Mon 18:00-22:00; Wed 18:00-22:00; Sat 08:00-13:00", ENTER],
    );
    s.expect("Their week").unwrap();
    answer(&mut s, "Which languages", &[ENTER]); // the default, en
    answer(&mut s, "Their gender", &["woman", ENTER]);
    answer(&mut s, "of their own gender?", &["preferred", ENTER]);
    answer(&mut s, "How old are they?", &["130", ENTER]);
    s.expect("from 0 to 120").unwrap();
    answer(&mut s, "", &[BACKSPACE, BACKSPACE, BACKSPACE, "34", ENTER]);
    answer(&mut s, "any of these needs?", &["childcare", " ", ENTER]);
    answer(
        &mut s,
        "What are they recovering from?",
        &["alcohol", " ", ENTER],
    );
    answer(&mut s, "Peer-led", &[ENTER]);
    answer(&mut s, "Can they pay", &[ENTER]);
    answer(
        &mut s,
        "Have they been to groups before",
        &["twelve_step disliked", ENTER],
    );
    answer(&mut s, "readiness to change", &["7", ENTER]);
    answer(&mut s, "confidence in staying", &["5", ENTER]);
    answer(&mut s, "support from people around them", &["some", ENTER]);
    answer(&mut s, "What if one answer were different?", &[ESC]);
    answer(&mut s, "Which groups will they try?", &[ENTER]);
    assert_eq!(exit_code(&mut s), 0);

    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path().join("person.json")).unwrap())
            .unwrap();
    assert_eq!(written["id"], "p-pty");
    assert!(written.get("name").is_none(), "no name in the person file");
    assert_eq!(
        written["place"]["kind"], "coordinates",
        "how the place was given"
    );
    wd.create("expected.json", example_as_interviewed("p-pty"));
    let interviewed = ranking(&wd, "person.json");
    assert_eq!(interviewed, ranking(&wd, "expected.json"));
    // The same answers as rank's flags.
    #[rustfmt::skip]
    let flags = [
        "rank", "--format", "json", "--now", NOW, "--id", "p-pty", "--stage", "early",
        "--prefers", "secular", "--attend", "either", "--within", "10",
        "--near", "39.9526,-75.1652", "--available", "Mon 18:00-22:00",
        "--available", "Wed 18:00-22:00", "--available", "Sat 08:00-13:00", "--language", "en",
        "--gender", "woman", "--gender-specific", "preferred", "--age", "34",
        "--needs", "childcare", "--substance", "alcohol", "--prior", "twelve_step disliked",
        "--readiness", "7", "--self-efficacy", "5", "--social-support", "moderate",
    ];
    assert_eq!(wd.run(flags).assert_success().stdout(), interviewed);
    let handout = std::fs::read_to_string(wd.path().join("handout.html")).unwrap();
    assert!(handout.contains("<html"), "the handout of the chosen group");
}

#[test]
fn ctrl_c_stops_the_interview_and_leaves_nothing_behind() {
    let wd = Workdir::new();
    let mut s = start(
        &wd,
        &["--save-person", "person.json", "--handout", "handout.html"],
    );
    answer(&mut s, "immediate risk", &[ENTER]);
    answer(&mut s, "Who is the group for?", &[ENTER]);
    answer(&mut s, "Where are they in their recovery?", &[CTRL_C]);
    assert_eq!(exit_code(&mut s), 130);
    let left: Vec<_> = std::fs::read_dir(wd.path()).unwrap().collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[test]
fn a_risk_is_answered_with_where_to_go_now_before_the_next_question() {
    let wd = Workdir::new();
    let mut s = start(&wd, &[]);
    answer(&mut s, "immediate risk", &["suicide", " ", ENTER]);
    s.expect("988").unwrap();
    answer(&mut s, "Who is the group for?", &[CTRL_C]);
    assert_eq!(exit_code(&mut s), 130);
}

#[test]
fn replayed_answers_print_a_transcript_and_rank_as_the_file_does() {
    let wd = Workdir::new();
    let answers = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/examples/intake-answers.toml"
    ))
    .unwrap();
    wd.create("answers.toml", &answers);
    let out = wd.run([
        "intake",
        "--answers",
        "answers.toml",
        "--now",
        NOW,
        "--save-person",
        "person.json",
    ]);
    out.assert_success()
        .assert_stdout_contains("? Where are they in their recovery?\n> early recovery")
        .assert_stdout_contains("> (skipped: no)")
        .assert_stdout_contains("Their week:")
        .assert_stdout_contains("What if format_preference were 'online'?")
        .assert_stdout_contains("now excluded: in-person-only group")
        .assert_stdout_contains("~: about, from or to the centre of a postal code or town");
    // The place was given as a ZIP code: the person stands at its centre, and keeps how the
    // place was given; every other answer is the example person's.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path().join("person.json")).unwrap())
            .unwrap();
    assert_eq!(saved["place"]["given"], "19107");
    assert_eq!(saved["place"]["kind"], "postal_code");
    let mut expected: serde_json::Value =
        serde_json::from_str(&example_as_interviewed("p-intake-01")).unwrap();
    for field in ["latitude", "longitude", "place"] {
        expected[field] = saved[field].clone();
    }
    expected["substances"] = serde_json::json!(["alcohol"]);
    for field in ["self_efficacy", "readiness", "social_support"] {
        expected.as_object_mut().unwrap().remove(field);
    }
    wd.create("expected.json", expected.to_string());
    assert_eq!(ranking(&wd, "person.json"), ranking(&wd, "expected.json"));
}

#[test]
fn bad_answers_files_name_the_file_line_and_question() {
    let wd = Workdir::new();
    let cases = [
        (
            "stage = \"earlyish\"\n",
            "answers.toml:1: stage: 'earlyish' is not one of",
        ),
        (
            "\n\nage = 400\n",
            "answers.toml:3: age: '400' is not a whole number from 0 to 120",
        ),
        (
            "nickname = \"Al\"\n",
            "answers.toml:1: nickname: no such question",
        ),
        (
            "role = \"family_member\"\nstage = \"early\"\n",
            "answers.toml:2: stage: does not apply",
        ),
        ("stage = [1, 2]\n", "stage: give the answer as text"),
        ("stage = \"early\n", "answers.toml:1:"),
        ("availability = \"Mon 25:00-26:00\"\n", "availability:"),
        (
            "choose = [\"no-such-group\"]\n",
            "'no-such-group' is not among the suggestions",
        ),
    ];
    for (text, message) in cases {
        wd.create("answers.toml", text);
        wd.run(["intake", "--answers", "answers.toml", "--now", NOW])
            .assert_code(2)
            .assert_stderr_contains(message);
    }
}
