//! The cargo-afl harness: `gm-fuzz TARGET` feeds each input the fuzzer makes to the named target
//! of `groupmatch::fuzzing` (see `docs/reliability.md` for how to run it).

use groupmatch::fuzzing::Target;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = Target::named(&name) else {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        eprintln!("usage: gm-fuzz TARGET (one of: {})", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        target.run(data);
    });
}
