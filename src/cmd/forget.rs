//! `groupmatch forget PERSON_ID`: remove every referral of one person, with everything recorded
//! about them, from the database and its write-ahead log.

use std::process::ExitCode;

use super::db::DbArg;
use super::{plural, print_stdout};

/// Arguments of `forget`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The person's pseudonymous id.
    person_id: String,
    #[command(flatten)]
    db: DbArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    let n = store.forget(&args.person_id)?;
    print_stdout(&format!(
        "forgot {}: {} removed (backups taken before still hold them)\n",
        args.person_id,
        plural(n, "referral")
    ))?;
    Ok(ExitCode::SUCCESS)
}
