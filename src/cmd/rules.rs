//! `groupmatch rules`: check, list and document rule files.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use groupmatch::rules::facts::Fact;
use groupmatch::rules::{Action, RuleSet};
use groupmatch::Error;

use super::print_stdout;

/// Arguments of `rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Check a rule file: every problem as FILE:LINE: field: message, exit 2 if any.
    Check {
        /// The rule file (.toml).
        file: PathBuf,
    },
    /// List the rules of a file (default: the embedded rules).
    List {
        /// The rule file (.toml); without it, the embedded default rules.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// `table` for people, `md` for docs/rules.md.
        #[arg(long, default_value = "table", value_parser = ["table", "md"])]
        format: String,
    },
    /// List the facts rule conditions and reasons can use.
    Facts,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        RulesCommand::Check { file } => match RuleSet::read(&file) {
            Ok(set) => {
                print_stdout(&format!(
                    "{}: ok ({} rules)\n",
                    file.display(),
                    set.rules().len()
                ))?;
                Ok(ExitCode::SUCCESS)
            }
            Err(Error::Invalid { path, problems, .. }) => {
                let mut out = String::new();
                for p in &problems {
                    writeln!(out, "{}", p.display_in(&path))?;
                }
                print_stdout(&out)?;
                Ok(ExitCode::from(2))
            }
            Err(e) => Err(e.into()),
        },
        RulesCommand::List { rules, format } => {
            let set = match &rules {
                Some(path) => RuleSet::read(path)?,
                None => RuleSet::embedded_default(),
            };
            let text = if format == "md" {
                set.to_markdown()
            } else {
                let mut out = String::new();
                for r in set.rules() {
                    let effect = match r.action {
                        Action::Adjust(a) => format!("{a:+.2}"),
                        Action::Exclude => "exclude".into(),
                    };
                    writeln!(out, "{:<48} {:>8}  {}", r.id, effect, r.when_text)?;
                }
                out
            };
            print_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Facts => {
            let mut out = String::new();
            for f in Fact::ALL {
                let ty = format!("{:?}", f.ty()).to_lowercase();
                writeln!(out, "{:<34} {:<5} {}", f.name(), ty, f.doc())?;
            }
            print_stdout(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
