//! `groupmatch simulate`: write a simulated directory, people, waitlist and placement history.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use groupmatch::simulate::{write_simulation, SimulationParams, SIMULATION_FILES};

use super::ForceArg;

/// Arguments of `simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of every random draw: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// People drawn.
    #[arg(long, default_value_t = 10_000)]
    people: usize,
    /// Groups in the directory.
    #[arg(long, default_value_t = 300)]
    groups: usize,
    /// Past placements (rows of history.csv).
    #[arg(long, default_value_t = 50_000)]
    placements: usize,
    /// People on the waitlist (default: a tenth of the people).
    #[arg(long)]
    waitlist: Option<usize>,
    /// Folder to write into (created if needed).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut params = SimulationParams::new(args.seed, args.people, args.groups, args.placements);
    if let Some(w) = args.waitlist {
        params.waitlist = w;
    }
    let start = Instant::now();
    let files = SIMULATION_FILES.map(|f| args.out.join(f));
    args.force.check(files.iter().map(PathBuf::as_path))?;
    // Checked before the (long) simulation, and by the writer with the same rule.
    let written = write_simulation(&params, &args.out, args.force.force)?;
    eprintln!(
        "simulated {} groups, {} people ({} on the waitlist), {} placements ({:.1}% engaged at 90 days) in {:.1} s",
        written.groups,
        written.people,
        written.waitlist,
        written.placements,
        100.0 * written.engaged as f64 / written.placements.max(1) as f64,
        start.elapsed().as_secs_f64()
    );
    if written.placements < params.placements {
        eprintln!(
            "warning: only {} placements could be made: people ran out of eligible groups",
            written.placements
        );
    }
    for p in written.paths {
        println!("{}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
