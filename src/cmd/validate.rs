//! `groupmatch validate`: report every problem of input files, exit 2 if any.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::text::escape_control as esc;
use groupmatch::{validate_file, FileKind};

use super::{plural, print_json, print_stdout, OutputFormat};

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to check (groups .csv/.json, person .json, waitlist .csv/.jsonl).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The kind of every file, instead of recognising it from its shape.
    #[arg(long, value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<FileKind>()))]
    kind: Option<FileKind>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let reports: Vec<_> = args
        .files
        .iter()
        .map(|file| validate_file(file, args.kind))
        .collect();
    let failed = reports.iter().any(|r| !r.problems.is_empty());
    match args.format {
        OutputFormat::Json => print_json(&reports)?,
        OutputFormat::Table => {
            let mut out = String::new();
            for r in &reports {
                for p in &r.problems {
                    writeln!(out, "{}", p.display_in(&r.path))?;
                }
                for w in &r.warnings {
                    writeln!(out, "warning: {}", w.display_in(&r.path))?;
                }
                let kind = r.kind.map_or("unknown kind", |k| k.as_str());
                let path = esc(&r.path);
                if r.problems.is_empty() {
                    let records = plural(r.records, "record");
                    writeln!(out, "{path}: ok ({kind}, {records})")?;
                } else {
                    let problems = plural(r.problems.len(), "problem");
                    writeln!(out, "{path}: {problems} ({kind})")?;
                }
            }
            print_stdout(&out)?;
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
