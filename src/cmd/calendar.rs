//! `groupmatch calendar`: a calendar file (.ics) of some groups' sessions.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use chrono::{DateTime, Utc};
use groupmatch::formats::ics::{calendar_file, CalendarFile};
use groupmatch::text::escape_control as esc;
use groupmatch::Group;

use super::parse_now;
use super::{groups_or_embedded, plural, print_stderr, print_stdout, ForceArg};

/// Arguments of `calendar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A group's id or exact name (repeat for several groups).
    #[arg(long = "group", required = true)]
    groups_wanted: Vec<String>,
    /// The group directory (.csv or .json). Without it, the embedded directory is used.
    #[arg(long)]
    groups: Option<PathBuf>,
    /// The calendar file to write (.ics); `-` writes it to standard output.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: ForceArg,
    /// The current time (RFC 3339), for reproducible output: the file's DTSTAMP, and the day
    /// from which sessions without a first date start.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let to_stdout = args.out.as_os_str() == "-";
    if !to_stdout {
        args.force.check([args.out.as_path()])?;
    }
    let (groups, label) = groups_or_embedded(args.groups.as_deref())?;
    let chosen = find_groups(&groups, &args.groups_wanted, &label)?;
    let file = calendar_file(&chosen, args.now.unwrap_or_else(Utc::now));
    for left in &file.left_out {
        print_stderr(&format!(
            "warning: {}: no session from now on, left out\n",
            esc(left)
        ));
    }
    if to_stdout {
        // The file as it is (CRLF lines): text from the directory is single-line already.
        let mut out = std::io::stdout().lock();
        out.write_all(file.text.as_bytes())?;
        out.flush()?;
    } else {
        write_calendar(&args.out, &file)?;
        print_stdout(&format!("{}\n", summary(&args.out, &file, chosen.len())))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The groups `wanted` (each an id or a name: [`groupmatch::find_group`]) in `groups`, in the
/// order asked (a group asked twice once); every one not found, or named ambiguously, is an
/// error saying which ids it could be. `label` names the directory in those errors.
pub fn find_groups<'g>(
    groups: &'g [Group],
    wanted: &[String],
    label: &str,
) -> anyhow::Result<Vec<&'g Group>> {
    let mut found: Vec<&Group> = Vec::new();
    let mut unknown = Vec::new();
    for query in wanted {
        match groupmatch::find_group(groups, query) {
            Ok(i) if found.iter().any(|f| f.id == groups[i].id) => {}
            Ok(i) => found.push(&groups[i]),
            Err(e) => unknown.push(e.to_string().replacen(
                "in the directory",
                &format!("in {}", esc(label)),
                1,
            )),
        }
    }
    if !unknown.is_empty() {
        bail!("{}", unknown.join("\n"));
    }
    Ok(found)
}

/// Writes `file` to `path` atomically (the overwrite check was made before).
pub fn write_calendar(path: &Path, file: &CalendarFile) -> anyhow::Result<()> {
    groupmatch::formats::write::write_atomic(path, |w| w.write_all(file.text.as_bytes()))?;
    Ok(())
}

/// `wrote FILE: 3 events (2 groups), time zones America/New_York`.
pub fn summary(path: &Path, file: &CalendarFile, groups: usize) -> String {
    let zones: Vec<&str> = file.zones.iter().map(|z| z.name()).collect();
    let zones = match zones.len() {
        0 => String::new(),
        1 => format!(", time zone {}", zones[0]),
        _ => format!(", time zones {}", zones.join(", ")),
    };
    format!(
        "wrote {}: {} ({}){zones}",
        path.display(),
        plural(file.events, "event"),
        plural(groups, "group")
    )
}
