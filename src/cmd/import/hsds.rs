//! `groupmatch import hsds`: turn an Open Referral HSDS directory into a groups file.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use groupmatch::formats::hsds::{read_hsds, HsdsOptions, HsdsReport, HsdsSkip};
use groupmatch::text::escape_control as esc;
use groupmatch::Approach;

use super::super::{plural, print_stderr, print_stdout, ForceArg};

/// Where the directory is, where the groups go, and the defaults it does not state.
#[derive(Debug, clap::Args)]
pub struct HsdsArgs {
    /// The directory: an HSDS JSON file (.json), or a folder with datapackage.json and CSVs.
    path: PathBuf,
    /// The groups file to write (.csv, or .json for a JSON array).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: ForceArg,
    /// Programme of the imported groups.
    #[arg(long, default_value = "other", value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<Approach>()))]
    approach: Approach,
    /// Keep only services tagged with this taxonomy term code (others are skipped and counted).
    #[arg(long)]
    taxonomy: Option<String>,
    /// Time zone of services whose schedules give none, e.g. America/New_York.
    #[arg(long, value_parser = clap::builder::ValueParser::new(groupmatch::parse_timezone))]
    timezone: Option<chrono_tz::Tz>,
}

pub fn run(args: HsdsArgs) -> anyhow::Result<ExitCode> {
    args.force.check([args.out.as_path()])?;
    let label = args.path.display().to_string();
    let options = HsdsOptions {
        timezone: args.timezone,
        approach: args.approach,
        taxonomy: args.taxonomy.clone(),
    };
    let import = read_hsds(&args.path, &options)?;
    let report = &import.report;
    print_stderr(&warnings(&label, report));
    if import.groups.is_empty() {
        bail!(
            "{label}: no service could be imported, nothing written ({})",
            skipped(report).unwrap_or_else(|| "nothing to read".into())
        );
    }
    super::write_groups(&args.out, &import.groups)?;
    print_stdout(&summary(&label, &args.out.display().to_string(), report))?;
    Ok(ExitCode::SUCCESS)
}

/// Every warning: `PATH: ID: field: message`.
fn warnings(label: &str, report: &HsdsReport) -> String {
    let mut out = String::new();
    for w in &report.warnings {
        out.push_str(&super::warning_line(
            label,
            &esc(&w.id),
            &w.field,
            &w.message,
        ));
    }
    out
}

fn skipped(r: &HsdsReport) -> Option<String> {
    let parts: Vec<String> = r
        .skipped
        .iter()
        .map(|(reason, n): (&HsdsSkip, &usize)| format!("{n} {}", reason.as_str()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `PATH: 3 services read, 4 services at locations, 3 imported as groups, ...`.
fn summary(label: &str, out: &str, r: &HsdsReport) -> String {
    let skipped_total: usize = r.skipped.values().sum();
    let mut text = format!(
        "{label}: {} read ({} at locations), {} imported as {} ({} virtual locations merged into hybrid groups), {} skipped",
        plural(r.services, "service"),
        r.read,
        r.imported,
        plural(r.imported, "group"),
        r.merged,
        skipped_total,
    );
    if let Some(s) = skipped(r) {
        let _ = write!(text, " ({s})");
    }
    text.push('\n');
    let _ = writeln!(
        text,
        "{} skipped (cannot be expressed), {} with a zone from a UTC offset, {} with approximate coordinates (postal code or town), {} without coordinates, {}",
        plural(r.schedules_skipped, "schedule"),
        r.timezone_from_offset,
        r.coordinates_approximate,
        r.without_coordinates,
        plural(r.warnings.len(), "warning"),
    );
    let _ = writeln!(text, "wrote {out}");
    text
}
