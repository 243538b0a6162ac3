//! `groupmatch outcomes export --out history.csv`: the store's consented referrals with a known
//! 90-day label, as the placement history `train` reads.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use groupmatch::engagement::history::write_history;

use super::db::DbArg;
use super::{groups_or_embedded, parse_now, plural, print_stdout, ForceArg};

/// Arguments of `outcomes`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: OutcomesCommand,
}

#[derive(Debug, clap::Subcommand)]
enum OutcomesCommand {
    /// Write the placement history `train` reads: one row per chosen group of each referral
    /// with consent to training, made 90 days or more before --now, whose 90-day label the
    /// events give (docs/referrals.md).
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// Where to write the history (.csv).
    #[arg(long)]
    out: PathBuf,
    /// The directory the referrals' group ids refer to [default: the embedded directory].
    #[arg(long)]
    groups: Option<PathBuf>,
    /// The current time (RFC 3339): labels as of its day [default: now].
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    db: DbArg,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        OutcomesCommand::Export(args) => {
            args.force.check([args.out.as_path()])?;
            let (groups, _) = groups_or_embedded(args.groups.as_deref())?;
            let store = args.db.open()?;
            let now = args.now.unwrap_or_else(Utc::now).date_naive();
            let labelled = store.training_history(&groups, now)?;
            let h = &labelled.history;
            write_history(&args.out, &h.people, &groups, &h.rows)?;
            let engaged = h.rows.iter().filter(|r| r.engaged_90d).count();
            print_stdout(&format!(
                "wrote {}: {} ({engaged} engaged) of {}\n",
                args.out.display(),
                plural(h.rows.len(), "row"),
                plural(h.people.len(), "person record"),
            ))?;
            print_stdout(&format!(
                "left out: {} whose label is not known yet, {} not in the directory\n",
                plural(labelled.unlabelled, "chosen group"),
                plural(labelled.unknown_groups, "chosen group"),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
