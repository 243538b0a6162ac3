//! `groupmatch evaluate`: compare the learned model with the prior, baselines and the oracle on a
//! simulation.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::engagement::evaluate::{evaluate, MODEL_NAMES};
use groupmatch::engagement::history::read_history;
use groupmatch::engagement::plot::calibration_svg;
use groupmatch::engagement::train::{training_summary, TrainParams};
use groupmatch::formats::write::write_atomic;
use groupmatch::simulate::SimulationDir;
use groupmatch::EngagementModel;

use super::train::progress;
use super::{print_json, print_stdout, ForceArg, OutputFormat, RulesArgs};

/// Arguments of `evaluate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The learned model (.json). Its training split decides who is held out.
    #[arg(long)]
    model: PathBuf,
    /// The simulation folder (simulation.json, groups.csv, people.jsonl, history.csv).
    #[arg(long)]
    sim: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Write a calibration plot (SVG) here.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// The rules of the `learned_with_rules` row (with `--no-rules` it equals `learned`).
    #[command(flatten)]
    rules: RulesArgs,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.force.check(args.plot.as_deref())?;
    let model = EngagementModel::read(&args.model)?;
    // Hold out the people the model did not see; a model without a training record (the prior)
    // is judged on the default split.
    let split = training_summary(&model).map_or_else(TrainParams::default, |t| t.params);
    progress("reading the simulation ...");
    let sim = SimulationDir::read(&args.sim)?;
    let history = read_history(&args.sim.join("history.csv"), &sim.groups)?.value;
    progress("ranking held-out people ...");
    let rules = args.rules.load()?;
    let result = evaluate(&sim, &history, &model, &rules, &split)?;
    if let Some(plot) = &args.plot {
        let series: Vec<(&str, &[groupmatch::engagement::metrics::CalibrationBin])> = result
            .calibration
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let svg = calibration_svg(&series);
        write_atomic(plot, |w| {
            std::io::Write::write_all(w, svg.as_str().as_bytes())
        })?;
    }
    match args.format {
        OutputFormat::Json => print_json(&result)?,
        OutputFormat::Table => {
            let mut out = String::new();
            writeln!(
                out,
                "{} held-out people, {} eligible pairs ranked; {} held-out placements",
                result.people, result.pairs, result.placements
            )?;
            writeln!(
                out,
                "{:<19} {:>9} {:>14} {:>7} {:>7}",
                "model", "ndcg@5", "precision@1", "auc", "ece"
            )?;
            for name in MODEL_NAMES {
                let m = &result.models[name];
                let ece = m.ece.map_or_else(|| "-".to_string(), |e| format!("{e:.4}"));
                writeln!(
                    out,
                    "{name:<19} {:>9.4} {:>14.4} {:>7.4} {ece:>7}",
                    m.ndcg_at_5, m.precision_at_1, m.auc
                )?;
            }
            print_stdout(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
