//! `groupmatch export hsds`: write a directory as an Open Referral HSDS 3.x tabular data package,
//! so a 211 or referral platform can take it back.

use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::formats::hsds::export::{refuse_non_empty_dir, write_package, PackageReport};

use super::{groups_or_embedded, plural, print_stdout, ForceArg};

/// Arguments of `export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Target {
    /// An Open Referral HSDS 3.x tabular data package (datapackage.json and CSV tables): one
    /// service at one location per group, the fields HSDS has no place for as attributes of the
    /// groupmatch taxonomy; `import hsds` reads it back as the same directory.
    Hsds(HsdsArgs),
}

/// Where the package goes and which directory it holds.
#[derive(Debug, clap::Args)]
pub struct HsdsArgs {
    /// The folder to write the package into (created if missing; refused if not empty, unless
    /// --force).
    dir: PathBuf,
    /// The group directory (.csv or .json). Without it, the embedded directory is used.
    #[arg(long)]
    groups: Option<PathBuf>,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Target::Hsds(args) = args.target;
    refuse_non_empty_dir(&args.dir, args.force.force)?;
    let (groups, label) = groups_or_embedded(args.groups.as_deref())?;
    let report = write_package(&args.dir, &groups)?;
    print_stdout(&summary(&label, &args.dir.display().to_string(), &report))?;
    Ok(ExitCode::SUCCESS)
}

/// `LABEL: 3 groups as 3 services at 4 locations (...)` and the files written.
fn summary(label: &str, dir: &str, r: &PackageReport) -> String {
    format!(
        "{label}: {} as {} at {} ({} hybrid: a room and a link), {}, {} of {} groupmatch taxonomy terms\nwrote {dir}: {} and {} tables\n",
        plural(r.services, "group"),
        plural(r.services, "service"),
        plural(r.locations, "location"),
        r.hybrid,
        plural(r.schedules, "schedule"),
        plural(r.attributes, "attribute"),
        r.terms,
        r.files.first().copied().unwrap_or("datapackage.json"),
        r.files.len().saturating_sub(1),
    )
}
