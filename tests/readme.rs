//! The README's command tour is run here: every `$ groupmatch ...` line in a `console` block is
//! executed from the repository root, in order, and its stdout must equal the lines shown under
//! it. A line `...` ends the comparison early (the rest of the output is not shown in the README),
//! and `[..]` in a line stands for any text (timings).

use std::process::Command;

struct Example {
    args: Vec<String>,
    expected: Vec<String>,
}

fn examples() -> Vec<Example> {
    let readme = include_str!("../README.md");
    let mut examples = Vec::new();
    let mut in_console = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ groupmatch ") {
            examples.push(Example {
                args: shell_words(command),
                expected: Vec::new(),
            });
        } else if let Some(example) = examples.last_mut() {
            example.expected.push(line.to_string());
        }
    }
    examples
}

/// The words of a command as a shell splits them, for the README's commands: at whitespace,
/// except inside double quotes (`--available "weekday evenings"`).
fn shell_words(command: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut started) = (Vec::new(), String::new(), false, false);
    for c in command.chars() {
        match c {
            '"' => (quoted, started) = (!quoted, true),
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

#[test]
fn readme_quick_start_commands_are_the_documented_ones() {
    let readme = include_str!("../README.md");
    let start: Vec<&str> = readme
        .lines()
        .skip_while(|l| *l != "```sh")
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(
        start[0].starts_with("cargo run --release -- rank "),
        "{start:?}"
    );
    // The test command is CI's script, which installs the browser the handout test needs.
    let test_command = start[1].split('#').next().unwrap().trim();
    assert_eq!(test_command, ".ci/run", "{start:?}");
    let ci = include_str!("../.ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --all-features"),
        ".ci/run runs the whole test suite"
    );
}

#[test]
fn readme_examples_print_what_the_readme_shows() {
    let examples = examples();
    assert!(examples.len() >= 4, "found {} examples", examples.len());
    // The referrals examples use the default database: a new one for each run of the tour.
    let db = tempfile::tempdir().expect("a temp dir");
    for example in examples {
        let output = Command::new(env!("CARGO_BIN_EXE_groupmatch"))
            .args(&example.args)
            .env("GROUPMATCH_DB", db.path().join("groupmatch.db"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("binary runs");
        let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
        let actual: Vec<&str> = stdout.lines().collect();
        let shown = example
            .expected
            .iter()
            .position(|l| l == "...")
            .unwrap_or(example.expected.len());
        let context = format!(
            "groupmatch {}\nstatus: {}\nstdout:\n{stdout}\nstderr:\n{}",
            example.args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            actual.len() >= shown,
            "output shorter than the README shows\n{context}"
        );
        for (a, e) in actual.iter().zip(&example.expected[..shown]) {
            assert!(
                line_matches(a, e),
                "README shows {e:?}, got {a:?}\n{context}"
            );
        }
        if shown == example.expected.len() {
            assert_eq!(
                actual.len(),
                shown,
                "output longer than the README shows\n{context}"
            );
        }
    }
}

/// Whether `actual` matches `expected`, where `[..]` in `expected` matches any text.
fn line_matches(actual: &str, expected: &str) -> bool {
    let mut parts = expected.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn wildcard_lines_match_any_text_in_place() {
    assert!(line_matches(
        "fit 0.31 s (12 iterations)",
        "fit [..] s ([..] iterations)"
    ));
    assert!(line_matches("same", "same"));
    assert!(!line_matches("same!", "same"));
    assert!(!line_matches("fit 0.31 ms", "fit [..] s"));
    assert!(line_matches("abc", "[..]"));
}
