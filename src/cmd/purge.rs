//! `groupmatch purge --before DATE`: the retention period, applied: remove every referral made
//! before a date, as `forget` removes one person's.

use std::process::ExitCode;

use chrono::NaiveDate;

use super::db::DbArg;
use super::{plural, print_stdout};

/// Arguments of `purge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Remove the referrals made before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_parser = super::parse_day)]
    before: NaiveDate,
    #[command(flatten)]
    db: DbArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    let n = store.purge_before(args.before)?;
    print_stdout(&format!(
        "purged {} made before {}\n",
        plural(n, "referral"),
        args.before
    ))?;
    Ok(ExitCode::SUCCESS)
}
