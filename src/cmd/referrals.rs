//! `groupmatch referrals due|show|import`: the follow-ups due, one referral with its events,
//! and events imported in bulk from a JSON Lines file.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use groupmatch::store::{read_events, DueFollowUp, NewEvent, Referral, ReferralId};
use groupmatch::text::escape_control as esc;
use groupmatch::{Error, Problem};

use super::db::DbArg;
use super::refer::consent_words;
use super::{parse_now, plural, print_json, print_stdout, OutputFormat};

/// Events written per transaction by `referrals import` unless `--batch` says otherwise.
const DEFAULT_BATCH: u64 = 10_000;

/// Arguments of `referrals`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ReferralsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ReferralsCommand {
    /// List the follow-ups due (7, 30 and 90 days after each referral with consent to
    /// follow-up, until done).
    Due(DueArgs),
    /// Show one referral: the person's id, what was shown and chosen, consent and every event.
    Show(ShowArgs),
    /// Append events from a JSON Lines file (one event a line: referral, status, on, group,
    /// reason). Every line is checked first: one bad line and nothing is written.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct DueArgs {
    /// The day (YYYY-MM-DD) [default: the day of --now].
    #[arg(long, value_parser = super::parse_day)]
    on: Option<NaiveDate>,
    /// The current time (RFC 3339), for reproducible output [default: now].
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    #[command(flatten)]
    db: DbArg,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The referral's id.
    id: ReferralId,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    #[command(flatten)]
    db: DbArg,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The events (.jsonl).
    file: PathBuf,
    /// Events written per transaction: a batch is written whole or not at all, and a run
    /// stopped half-way keeps the batches before.
    #[arg(long, default_value_t = DEFAULT_BATCH, value_parser = clap::value_parser!(u64).range(1..))]
    batch: u64,
    #[command(flatten)]
    db: DbArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ReferralsCommand::Due(args) => due(args),
        ReferralsCommand::Show(args) => show(args),
        ReferralsCommand::Import(args) => import(args),
    }
}

fn due(args: DueArgs) -> anyhow::Result<ExitCode> {
    let on = args
        .on
        .unwrap_or_else(|| args.now.unwrap_or_else(Utc::now).date_naive());
    let store = args.db.open()?;
    let due = store.due(on)?;
    match args.format {
        OutputFormat::Json => print_json(&due)?,
        OutputFormat::Table => print_stdout(&due_table(on, &due))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn due_table(on: NaiveDate, due: &[DueFollowUp]) -> String {
    let mut out = format!("{} due on {on}\n", plural(due.len(), "follow-up"));
    if due.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{:>8}  {:<16}  {:<10}  {:>9}  {:<10}  chosen",
        "referral", "person", "referred", "follow-up", "due"
    );
    for d in due {
        let _ = writeln!(
            out,
            "{:>8}  {:<16}  {:<10}  {:>9}  {:<10}  {}",
            d.referral,
            esc(&d.person_id),
            d.referred_on,
            format!("{} days", d.day),
            d.due_on,
            esc(&d.chosen.join(", "))
        );
    }
    out
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let store = args.db.open()?;
    let referral = store.referral(args.id)?;
    match args.format {
        OutputFormat::Json => print_json(&referral)?,
        OutputFormat::Table => print_stdout(&referral_text(&referral))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn referral_text(r: &Referral) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "referral {}: {} on {}{}",
        r.id,
        esc(&r.record.person.id),
        r.record.referred_at.to_rfc3339(),
        r.record
            .staff
            .as_deref()
            .map_or_else(String::new, |s| format!(" by {}", esc(s)))
    );
    let _ = writeln!(
        out,
        "engine {}, {}, consent: {}",
        esc(&r.record.engine_version),
        r.record.referral_type,
        consent_words(r.record.consent)
    );
    let _ = writeln!(out, "shown:");
    for s in &r.record.shown {
        let mark = if r.record.chosen.contains(&s.group_id) {
            "  chosen"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:>2}  {:.2}  {}{mark}",
            s.rank,
            s.score,
            esc(&s.group_id)
        );
    }
    for g in r
        .record
        .chosen
        .iter()
        .filter(|g| !r.record.shown.iter().any(|s| &s.group_id == *g))
    {
        let _ = writeln!(out, "   -     -  {}  chosen (not shown)", esc(g));
    }
    let _ = writeln!(out, "events:");
    for e in &r.events {
        let group = e
            .group_id
            .as_deref()
            .map_or_else(String::new, |g| esc(g).into_owned());
        let reason = e.reason.map_or_else(String::new, |r| format!(" ({r})"));
        let kind = format!("{}{reason}", e.kind);
        let line = format!("  {}  {kind:<24}{group}", e.on);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let label = args.file.display().to_string();
    let (lines, events): (Vec<u64>, Vec<NewEvent>) =
        read_events(&args.file)?.value.into_iter().unzip();
    let mut store = args.db.open()?;
    // Every event checked against the store before any is written, with the file's lines.
    let problems: Vec<Problem> = store
        .check_events(&events)?
        .into_iter()
        .map(|mut p| {
            p.line = p.line.map(|i| lines[i as usize - 1]);
            p
        })
        .collect();
    if !problems.is_empty() {
        return Err(Error::Invalid {
            path: label,
            problems,
            warnings: Vec::new(),
        }
        .into());
    }
    let batch = args.batch as usize;
    let mut written = 0;
    for part in events.chunks(batch) {
        written += store.append_events(part)?;
    }
    print_stdout(&format!(
        "imported {} from {label} in {}\n",
        plural(written, "event"),
        plural(events.len().div_ceil(batch), "transaction")
    ))?;
    Ok(ExitCode::SUCCESS)
}
