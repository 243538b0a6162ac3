//! `groupmatch train`: fit the engagement model on a placement history.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use groupmatch::engagement::history::design_matrix;
use groupmatch::engagement::train::{train, TrainParams, TrainingSummary};
use groupmatch::formats::write::write_json;
use groupmatch::Provenance;

use super::{ForceArg, OutcomeSource};

/// Arguments of `train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: OutcomeSource,
    /// Where to write the model.
    #[arg(long, default_value = "engagement.json")]
    out: PathBuf,
    /// Share of people held out for the metrics.
    #[arg(long, default_value_t = 0.2)]
    holdout: f64,
    /// Seed of the people split.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// L2 penalty on standardised coefficients (mean log loss + l2/2 ||w||^2).
    #[arg(long, default_value_t = 1e-4)]
    l2: f64,
    /// What the history is, written in the model as its `provenance` (how the score is
    /// described). Default: `simulation` when the history has true_probability values (only
    /// `groupmatch simulate` writes them), else `local_outcomes`.
    #[arg(long, value_enum)]
    provenance: Option<HistoryProvenance>,
    #[command(flatten)]
    force: ForceArg,
}

/// `--provenance`: the provenances a history can have (a trained model is never hand-set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum HistoryProvenance {
    /// A simulated history.
    Simulation,
    /// The organisation's own placement outcomes.
    #[value(name = "local_outcomes")]
    LocalOutcomes,
}

impl From<HistoryProvenance> for Provenance {
    fn from(p: HistoryProvenance) -> Provenance {
        match p {
            HistoryProvenance::Simulation => Provenance::Simulation,
            HistoryProvenance::LocalOutcomes => Provenance::LocalOutcomes,
        }
    }
}

/// Prints a progress line to stderr when it is a terminal.
pub fn progress(message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{message}");
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.force.check([args.out.as_path()])?;
    let start = Instant::now();
    let (source, engine, history) = args.input.load(None)?;
    progress(&format!(
        "{} placements of {} people read in {:.1} s; building features ...",
        history.rows.len(),
        history.people.len(),
        start.elapsed().as_secs_f64()
    ));
    let design = design_matrix(&history, engine.groups());
    progress("fitting ...");
    let params = TrainParams {
        holdout: args.holdout,
        seed: args.seed,
        l2: args.l2,
    };
    let provenance = args
        .provenance
        .map_or_else(|| history.provenance(), Provenance::from);
    let file = train(&history, &design, &params, None, &source, provenance)?;
    write_json(&args.out, &file)?;
    let summary: TrainingSummary = serde_json::from_value(
        file.training
            .clone()
            .expect("trained models have a summary"),
    )?;
    let m = summary.metrics;
    println!(
        "trained on {} rows ({} engaged), held out {} rows; fit {:.2} s ({} iterations), total {:.1} s",
        summary.rows,
        summary.positives,
        summary.holdout_rows,
        summary.fit_seconds,
        summary.iterations,
        start.elapsed().as_secs_f64()
    );
    println!(
        "holdout: auc {:.4}  log_loss {:.4}  brier {:.4}  ece {:.4}",
        m.auc, m.log_loss, m.brier, m.ece
    );
    println!(
        "wrote {} (provenance: {})",
        args.out.display(),
        provenance.as_str()
    );
    Ok(ExitCode::SUCCESS)
}
