//! Replays every kept fuzz input through its target as an ordinary test: the minimised corpora
//! in `fuzz/corpus/<target>/` and every crash the fuzzer ever found, kept in
//! `fuzz/regressions/<target>/` (see `docs/reliability.md`). A target panicking on any of them
//! fails here, naming the file.

use std::path::{Path, PathBuf};

use groupmatch::fuzzing::Target;

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every kept input of `target` and returns how many there were.
fn replay(target: Target) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for kind in ["corpus", "regressions"] {
        for file in files(&root.join(kind).join(target.name())) {
            let data = std::fs::read(&file).expect("a readable corpus file");
            let outcome = std::panic::catch_unwind(|| target.run(&data));
            assert!(
                outcome.is_ok(),
                "{} panicked on {}",
                target.name(),
                file.display()
            );
            count += 1;
        }
    }
    count
}

#[test]
fn every_kept_input_of_every_target_runs_without_a_panic() {
    for target in Target::ALL {
        let count = replay(*target);
        // Every target has a seed corpus: a missing one would make this test pass vacuously.
        assert!(count > 0, "no corpus for {}", target.name());
    }
}

/// The kept inputs of `target` (its corpus), for mutating.
fn corpus(target: Target) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target.name());
    files(&dir)
        .iter()
        .map(|f| std::fs::read(f).expect("a readable corpus file"))
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any bytes at all give a value or an error in every parser, never a panic.
    #[test]
    fn any_bytes_give_a_value_or_an_error(
        target in proptest::sample::select(Target::ALL),
        data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
    ) {
        target.run(&data);
    }

    /// So do kept inputs with bytes overwritten, inserted or cut: mostly valid inputs reach
    /// further into each parser than random bytes do.
    #[test]
    fn mutated_corpus_inputs_give_a_value_or_an_error(
        target in proptest::sample::select(Target::ALL),
        pick in proptest::prelude::any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(
            (proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>(), 0u8..3),
            1..8,
        ),
    ) {
        let inputs = corpus(target);
        let mut data = inputs[pick.index(inputs.len())].clone();
        for (at, byte, kind) in edits {
            let i = at.index(data.len() + 1);
            match kind {
                0 if i < data.len() => data[i] = byte,
                1 => data.insert(i, byte),
                _ => data.truncate(i),
            }
        }
        target.run(&data);
    }
}
