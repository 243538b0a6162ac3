//! `groupmatch score`: the model's probability for every placement of a history, in input order.

use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::engagement::history::{read_history, score_history};
use groupmatch::formats::write::write_atomic;
use groupmatch::rank::{load_engine, RulesChoice};

use super::train::groups_for;

/// Arguments of `score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model (.json).
    #[arg(long)]
    model: PathBuf,
    /// Placement history (.csv).
    #[arg(long)]
    history: PathBuf,
    /// The directory the history refers to (default: groups.csv beside the history, else embedded).
    #[arg(long)]
    groups: Option<PathBuf>,
    /// Output CSV: person_id,group_id,probability.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let groups = groups_for(&args.history, args.groups.as_deref());
    let (engine, _) = load_engine(groups.as_deref(), Some(&args.model), RulesChoice::None)?;
    let history = read_history(&args.history, &engine)?.value;
    let probabilities = score_history(&history, &engine, engine.model());
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
