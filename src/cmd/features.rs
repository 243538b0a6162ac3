//! `groupmatch features`: export the exact design matrix and labels `train` uses.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::engagement::history::{design_matrix, in_holdout};
use groupmatch::engagement::train::TrainParams;
use groupmatch::formats::write::write_atomic;
use groupmatch::FEATURE_NAMES;

use super::{ForceArg, HistoryArgs};

/// Arguments of `features`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: HistoryArgs,
    /// Output CSV: placement_id, person_id, holdout, one column per feature, engaged_90d.
    #[arg(long)]
    out: PathBuf,
    /// Share of people in the holdout column (as `train --holdout`).
    #[arg(long, default_value_t = TrainParams::default().holdout)]
    holdout: f64,
    /// Seed of the split (as `train --seed`).
    #[arg(long, default_value_t = TrainParams::default().seed)]
    seed: u64,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.force.check([args.out.as_path()])?;
    let (engine, history) = args.input.load(None)?;
    let design = design_matrix(&history, engine.groups());
    write_atomic(&args.out, |w| {
        write!(w, "placement_id,person_id,holdout")?;
        for name in FEATURE_NAMES {
            write!(w, ",{name}")?;
        }
        writeln!(w, ",engaged_90d")?;
        for (i, row) in history.rows.iter().enumerate() {
            let person = &history.people[row.person].id;
            let held = in_holdout(person, args.seed, args.holdout);
            write!(w, "{},{},{}", row.placement_id, person, u8::from(held))?;
            for x in design.x.row(i) {
                write!(w, ",{x}")?;
            }
            writeln!(w, ",{}", u8::from(design.y[i]))?;
        }
        Ok(())
    })?;
    eprintln!(
        "wrote {} rows x {} features to {}",
        history.rows.len(),
        FEATURE_NAMES.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
