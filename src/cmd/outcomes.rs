//! `groupmatch outcomes export --out history.csv`: the store's consented referrals with a known
//! 90-day label, as the placement history `train` reads.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};

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
            let e = store.export_history(&args.out, &groups, now)?;
            print_stdout(&format!(
                "wrote {}: {} ({} engaged) of {}\n",
                args.out.display(),
                plural(e.rows, "row"),
                e.engaged,
                plural(e.people, "person record"),
            ))?;
            print_stdout(&format!(
                "left out: {} whose label is not known yet, {} not in the directory\n",
                plural(e.unlabelled, "chosen group"),
                plural(e.unknown_groups, "chosen group"),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
