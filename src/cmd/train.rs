//! `groupmatch train`: fit the engagement model on a placement history.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use groupmatch::engagement::history::{design_matrix, read_history};
use groupmatch::engagement::train::{train, TrainParams, TrainingSummary};
use groupmatch::formats::write::write_json;
use groupmatch::rank::{load_engine, RulesChoice};

/// Arguments of `train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Placement history (.csv): person fields, group_id, placed_on, engaged_90d.
    #[arg(long)]
    history: PathBuf,
    /// The directory the history's group ids refer to (default: groups.csv beside the history,
    /// else the embedded directory).
    #[arg(long)]
    groups: Option<PathBuf>,
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
    /// Overwrite an existing model file.
    #[arg(long)]
    force: bool,
}

/// The directory a history refers to: `--groups`, else `groups.csv` beside it, else embedded.
pub fn groups_for(history: &Path, groups: Option<&Path>) -> Option<PathBuf> {
    groups.map(Path::to_path_buf).or_else(|| {
        let beside = history
            .parent()
            .unwrap_or(Path::new("."))
            .join("groups.csv");
        beside.exists().then_some(beside)
    })
}

/// Prints a progress line to stderr when it is a terminal.
pub fn progress(message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{message}");
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.out.exists() && !args.force {
        bail!(
            "{}: already exists (use --force to overwrite)",
            args.out.display()
        );
    }
    let start = Instant::now();
    let groups = groups_for(&args.history, args.groups.as_deref());
    let (engine, _) = load_engine(groups.as_deref(), None, RulesChoice::None)?;
    progress(&format!("reading {} ...", args.history.display()));
    let history = read_history(&args.history, &engine)?.value;
    progress(&format!(
        "{} placements of {} people read in {:.1} s; building features ...",
        history.rows.len(),
        history.people.len(),
        start.elapsed().as_secs_f64()
    ));
    let design = design_matrix(&history, &engine);
    progress("fitting ...");
    let params = TrainParams {
        holdout: args.holdout,
        seed: args.seed,
        l2: args.l2,
    };
    let file = train(
        &history,
        &design,
        &params,
        &args.history.display().to_string(),
    )?;
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
    println!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
