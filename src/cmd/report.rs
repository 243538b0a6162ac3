//! `groupmatch report outcomes`: observed engagement against the model's predictions, as a
//! printable page and as JSON, with a line on drift from the model's holdout.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use groupmatch::engagement::outcomes::outcome_report;
use groupmatch::engagement::render_outcome_report;
use groupmatch::formats::write::{write_atomic, write_json};

use super::{print_stdout, ForceArg, OutcomeSource};

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    report: Report,
}

#[derive(Debug, clap::Subcommand)]
enum Report {
    /// Observed engagement against predicted, by decile, stage, approach, gender, format and
    /// attendance, with 95% intervals, and the drift from the model's holdout figures.
    Outcomes(OutcomesArgs),
}

/// Arguments of `report outcomes`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["out", "json"])))]
pub struct OutcomesArgs {
    #[command(flatten)]
    input: OutcomeSource,
    /// The model to judge (.json). Without it, the embedded model.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Write the page (HTML, CSS inline, no script) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the report's figures as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.report {
        Report::Outcomes(args) => outcomes(args),
    }
}

fn outcomes(args: OutcomesArgs) -> anyhow::Result<ExitCode> {
    args.force
        .check(args.out.iter().chain(&args.json).map(PathBuf::as_path))?;
    let (source, engine, history) = args.input.load(args.model.as_deref())?;
    anyhow::ensure!(
        !history.rows.is_empty(),
        "no outcomes to report on: {source} has no labelled placement"
    );
    let report = outcome_report(&history, engine.groups(), engine.model(), &source);
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    if let Some(path) = &args.out {
        let page = render_outcome_report(&report);
        write_atomic(path, |w| std::io::Write::write_all(w, page.as_bytes()))?;
    }
    let auc = report
        .here
        .auc
        .map_or_else(|| "-".to_string(), |a| format!("{a:.3}"));
    print_stdout(&format!(
        "{} placements, {} engaged at 90 days; auc {auc}, ece {:.3}\n{}\n",
        report.placements, report.engaged, report.here.ece, report.drift.line
    ))?;
    for path in args.out.iter().chain(&args.json) {
        print_stdout(&format!("wrote {}\n", Path::display(path)))?;
    }
    Ok(ExitCode::SUCCESS)
}
