//! `groupmatch score`: the model's probability for every placement of a history, in input order.

use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::engagement::history::score_history;
use groupmatch::formats::write::write_atomic;

use super::{ForceArg, HistoryArgs};

/// Arguments of `score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model (.json).
    #[arg(long)]
    model: PathBuf,
    #[command(flatten)]
    input: HistoryArgs,
    /// Output CSV: person_id,group_id,probability.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.force.check([args.out.as_path()])?;
    let (engine, history) = args.input.load(Some(&args.model))?;
    let probabilities = score_history(&history, engine.groups(), engine.model());
    write_atomic(&args.out, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let io = std::io::Error::other;
        csv.write_record(["person_id", "group_id", "probability"])
            .map_err(io)?;
        for (row, p) in history.rows.iter().zip(&probabilities) {
            let person = &history.people[row.person].id;
            let group = &engine.groups()[row.group].id;
            csv.write_record([person.as_str(), group.as_str(), &p.to_string()])
                .map_err(io)?;
        }
        csv.flush()
    })?;
    eprintln!(
        "scored {} placements into {}",
        history.rows.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
