//! `groupmatch db backup FILE`, and `--db FILE`, which every command of the referrals store
//! takes (`refer`, `referrals`, `referral`, `outcomes`, `forget`, `purge`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use groupmatch::store::Store;

use super::{print_stdout, ForceArg};

/// `--db FILE`: the referrals database.
#[derive(Debug, clap::Args)]
pub struct DbArg {
    /// The referrals database (SQLite), created readable by its owner only when it does not
    /// exist. Built with `encryption`: encrypted with the key in GROUPMATCH_DB_KEY, or in the
    /// first line of the file GROUPMATCH_DB_KEY_FILE names (never a flag).
    #[arg(
        long,
        value_name = "FILE",
        env = "GROUPMATCH_DB",
        default_value = "groupmatch.db"
    )]
    pub db: PathBuf,
}

impl DbArg {
    /// The store, opened (and migrated).
    pub fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.db).context("opening the referrals database")
    }
}

/// Arguments of `db`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DbCommand {
    /// Write a consistent copy of the database while other processes go on writing (SQLite's
    /// online backup). A backup keeps people forgotten after it was taken: keep backups under
    /// the same retention period. The copy of an encrypted database is encrypted with its key.
    Backup(BackupArgs),
}

#[derive(Debug, clap::Args)]
struct BackupArgs {
    /// Where to write the copy.
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        DbCommand::Backup(args) => {
            args.force.check([args.file.as_path()])?;
            let store = args.db.open()?;
            store.backup(&args.file)?;
            let copy = Store::open(&args.file)?;
            let (referrals, events) = copy.counts()?;
            print_stdout(&format!(
                "backed up {} to {}: {}, {}\n",
                args.db.db.display(),
                args.file.display(),
                super::plural(referrals as usize, "referral"),
                super::plural(events as usize, "event"),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
