//! `groupmatch directory stats`: what a directory or feed holds, counted.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::directory::{directory_stats, DirectoryStats, DAYS};
use groupmatch::text::escape_control as esc;

use super::import::FeedDefaults;
use super::{plural, print_stdout, OutputFormat};

/// Arguments of `directory`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Counts by approach, format, language, audience and day, and what is missing.
    Stats(StatsArgs),
}

#[derive(Debug, clap::Args)]
struct StatsArgs {
    /// A groups file (.csv/.json) or a Meeting Guide feed (.json).
    file: PathBuf,
    /// For a feed: the defaults of its import.
    #[command(flatten)]
    defaults: FeedDefaults,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Action::Stats(args) = args.action;
    // A feed is counted as its import would read it: without --timezone, a meeting takes the
    // zone at its coordinates, and one without any is skipped (and counted so).
    let stats = directory_stats(&args.file, &args.defaults.options()?)?;
    let text = match args.format {
        OutputFormat::Json => serde_json::to_string_pretty(&stats)? + "\n",
        OutputFormat::Table => table(&args.file.display().to_string(), &stats),
    };
    print_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn table(label: &str, s: &DirectoryStats) -> String {
    let mut out = String::new();
    let counts = |m: &std::collections::BTreeMap<String, usize>| {
        let mut v: Vec<(&String, &usize)> = m.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        v.iter()
            .map(|(k, n)| format!("{} {n}", esc(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "{}: {}, {}",
        esc(label),
        plural(s.groups, "group"),
        plural(s.sessions, "weekly session")
    );
    if let Some(feed) = &s.feed {
        let skipped: usize = feed.skipped.values().sum();
        let _ = writeln!(
            out,
            "  feed        {} read, {} imported, {} merged, {} skipped",
            plural(feed.read, "meeting"),
            feed.imported,
            feed.merged,
            skipped
        );
    }
    let _ = writeln!(out, "  approach    {}", counts(&s.by_approach));
    let _ = writeln!(out, "  format      {}", counts(&s.by_format));
    let _ = writeln!(out, "  language    {}", counts(&s.by_language));
    let _ = writeln!(out, "  audience    {}", counts(&s.by_audience));
    let _ = writeln!(out, "  fellowship  {}", counts(&s.by_fellowship));
    let _ = writeln!(out, "  cost        {}", counts(&s.by_cost));
    let _ = writeln!(out, "  medication  {}", counts(&s.by_medication_stance));
    let _ = writeln!(out, "  access      {}", counts(&s.by_access));
    let _ = writeln!(out, "  contact     {}", counts(&s.with_contact));
    let days: Vec<String> = DAYS
        .iter()
        .zip(s.by_day)
        .map(|(d, n)| format!("{d} {n}"))
        .collect();
    let _ = writeln!(out, "  day         {}", days.join(", "));
    let _ = writeln!(out, "  coordinates {}", counts(&s.coordinates));
    let _ = writeln!(out, "  time zone   {}", counts(&s.timezones));
    let u = &s.updated;
    let _ = match (u.oldest, u.median, u.newest) {
        (Some(oldest), Some(median), Some(newest)) => writeln!(
            out,
            "  updated     {} dated: oldest {oldest}, median {median}, newest {newest}; {} undated",
            u.dated, u.undated
        ),
        _ => writeln!(out, "  updated     no dates ({} undated)", u.undated),
    };
    if let Some(feed) = &s.feed {
        let _ = writeln!(
            out,
            "  end time    {} of {} imported given none",
            feed.end_time_defaulted, feed.imported
        );
    }
    out
}
