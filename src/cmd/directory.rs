//! `groupmatch directory stats`: what a directory or feed holds, counted; and `directory
//! merge`: several directories made one.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use groupmatch::directory::merge::{
    default_name, merge_directories, name_problem, Duplicate, MergeInput, MergeOptions,
    MergeReport, NameMatch, Place, DEFAULT_STALE_AFTER_DAYS,
};
use groupmatch::directory::{directory_stats, DirectoryStats, DAYS};
use groupmatch::formats::write::{json_text, AtomicFile};
use groupmatch::read_groups;
use groupmatch::text::escape_control as esc;

use super::import::{groups_file, groups_syntax, FeedDefaults};
use super::{plural, print_json, print_stderr, print_stdout, warned, ForceArg, OutputFormat};

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
    /// One directory from several: ids prefixed by each directory's name, the same meeting
    /// listed twice merged, stale listings flagged.
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// The directories: groups files (.csv/.json, such as the imports write), each as PATH or
    /// NAME=PATH. NAME (default: the file's stem in lower case) is its groups' source and the
    /// prefix of their ids (NAME:ID).
    #[arg(required = true, value_name = "[NAME=]PATH")]
    inputs: Vec<String>,
    /// The merged groups file to write (.csv, or .json for a JSON array).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: ForceArg,
    /// Flag a listing as stale when its source last updated it more than DAYS days before
    /// --now (stale listings are kept).
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_STALE_AFTER_DAYS)]
    stale_after: u32,
    /// The day ages are counted to: YYYY-MM-DD, or an RFC 3339 time (its UTC day) [default:
    /// today].
    #[arg(long, value_parser = super::parse_day)]
    now: Option<NaiveDate>,
    /// Also write everything as JSON: each input's counts, every merged pair, every stale
    /// listing.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
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
    let args = match args.action {
        Action::Stats(args) => args,
        Action::Merge(args) => return merge(args),
    };
    // A feed is counted as its import would read it: without --timezone, a meeting takes the
    // zone at its coordinates, and one without any is skipped (and counted so).
    let stats = directory_stats(&args.file, &args.defaults.options()?)?;
    match args.format {
        OutputFormat::Json => print_json(&stats)?,
        OutputFormat::Table => print_stdout(&table(&args.file.display().to_string(), &stats))?,
    }
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

fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    args.force
        .check(std::iter::once(args.out.as_path()).chain(args.report.as_deref()))?;
    groups_syntax(&args.out)?;
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for arg in &args.inputs {
        let (name, path) = named_path(arg);
        let label = path.display().to_string();
        let groups = warned(read_groups(&path)?, &label);
        inputs.push(MergeInput {
            name,
            label,
            groups,
        });
    }
    let options = MergeOptions {
        today: args.now.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        stale_after_days: args.stale_after,
    };
    let merged = merge_directories(inputs, &options)?;
    let report = &merged.report;
    print_stderr(
        &report
            .duplicates
            .iter()
            .map(merged_line)
            .collect::<String>(),
    );
    let mut files = vec![groups_file(&args.out, &merged.groups)?];
    if let Some(path) = &args.report {
        let mut file = AtomicFile::create(path)?;
        json_text(file.writer(), report)
            .with_context(|| format!("{}: cannot write the report", path.display()))?;
        files.push(file);
    }
    // Both on disk before either replaces its path.
    for file in &mut files {
        file.sync()?;
    }
    for file in files {
        file.commit()?;
    }
    print_stdout(&merge_summary(report, &args.out, args.report.as_deref()))?;
    Ok(ExitCode::SUCCESS)
}

/// An input argument as its name and path: `NAME=PATH` when what comes before the first `=` is
/// a name ([`name_problem`]), else the whole argument is the path and the name is its stem's
/// ([`default_name`]). (A path with an `=` is given as `./x=y.csv`, whose `./x` is no name.)
fn named_path(arg: &str) -> (String, PathBuf) {
    match arg.split_once('=') {
        Some((name, path)) if name_problem(name).is_none() => (name.to_string(), path.into()),
        _ => {
            let path = PathBuf::from(arg);
            (default_name(&path), path)
        }
    }
}

/// `merged: sepa:123 into aa:805 (same name, 12.3 m apart; filled phone)`, on stderr.
fn merged_line(d: &Duplicate) -> String {
    let names = match d.names {
        NameMatch::Same => "same name".to_string(),
        NameMatch::Contains => "one name contains the other".to_string(),
        NameMatch::Similar => format!("names {:.2} alike", d.name_similarity),
    };
    let filled = if d.filled.is_empty() {
        String::new()
    } else {
        format!("; filled {}", d.filled.join(", "))
    };
    let place = match (d.place, d.metres) {
        (_, Some(metres)) => format!("{metres} m apart"),
        (Place::SameLink, None) => "online, same link".to_string(),
        (_, None) => "online".to_string(),
    };
    format!(
        "merged: {} into {} ({names}, {place}{filled})\n",
        esc(&d.dropped),
        esc(&d.kept),
    )
}

/// One line per input, then the merge's counts and what was written.
fn merge_summary(
    r: &MergeReport,
    out: &std::path::Path,
    report: Option<&std::path::Path>,
) -> String {
    let mut text = String::new();
    for input in &r.inputs {
        let _ = writeln!(
            text,
            "{} as {}: {} read, {} merged into another directory's listing",
            esc(&input.file),
            esc(&input.name),
            plural(input.read, "group"),
            input.merged
        );
    }
    let _ = writeln!(
        text,
        "{} merged into {}: {} likely duplicates merged, {} stale (updated more than {} days before {}; kept), {} undated",
        match r.inputs.len() {
            1 => "1 directory".to_string(),
            n => format!("{n} directories"),
        },
        plural(r.groups, "group"),
        r.duplicates.len(),
        r.stale.len(),
        r.stale_after_days,
        r.today,
        r.undated
    );
    let _ = writeln!(text, "wrote {}", out.display());
    if let Some(report) = report {
        let _ = writeln!(text, "wrote {}", report.display());
    }
    text
}
