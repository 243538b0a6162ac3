//! Subcommands: one file each, each with a `run(args)`. Arguments are turned into library calls
//! here; nothing below this module knows about the command line.

mod evaluate;
mod explain;
mod features;
mod rank;
mod rules;
mod score;
mod simulate;
mod train;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Match people in addiction recovery to support groups, with explained scores.
#[derive(Debug, Parser)]
#[command(name = "groupmatch", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Rank the groups of a directory for one person, with explanations.
    Rank(rank::Args),
    /// Explain one person-group score: every check, model feature and rule.
    Explain(explain::Args),
    /// Check, list and document rule files.
    Rules(rules::Args),
    /// Check groups, person and waitlist files and report every problem.
    Validate(validate::Args),
    /// Simulate a directory, people and placement outcomes from a documented ground truth.
    Simulate(simulate::Args),
    /// Train the engagement model on a placement history.
    Train(train::Args),
    /// Compare a learned model with the prior, baselines and the oracle on a simulation.
    Evaluate(evaluate::Args),
    /// Write the model's probability for every placement of a history.
    Score(score::Args),
    /// Export the design matrix and labels `train` uses, for outside tools.
    Features(features::Args),
}

/// Output format of commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table for people.
    Table,
    /// JSON for programs.
    Json,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Rank(args) => rank::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Train(args) => train::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Score(args) => score::run(args),
        Command::Features(args) => features::run(args),
    }
}

/// Writes `text` to stdout, reporting (not panicking on) a closed pipe.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
