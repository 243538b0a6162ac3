//! `groupmatch import meeting-guide` and `import bmlt`: turn a Meeting Guide JSON feed, or a
//! BMLT server's meetings, into a groups file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use groupmatch::formats::bmlt::read_bmlt;
use groupmatch::formats::groups::GROUP_FIELDS;
use groupmatch::formats::meeting_guide::{
    fellowship_approach, read_meeting_guide, ImportOptions, ImportReport,
};
use groupmatch::formats::write::{csv_header, csv_rows, json_text, AtomicFile};
use groupmatch::formats::Syntax;
use groupmatch::text::escape_control as esc;
use groupmatch::{Approach, Fellowship, Group};

use super::{plural, print_stderr, print_stdout, ForceArg};

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    source: Source,
}

#[derive(Debug, clap::Subcommand)]
enum Source {
    /// A Meeting Guide JSON feed (the Code4Recovery format of 12 Step Meeting List sites).
    MeetingGuide(FeedArgs),
    /// An Open Referral HSDS directory (211s, referral platforms): HSDS 3.x JSON, or a tabular
    /// data package folder (3.x, or the 1.x/2.x layout).
    Hsds(hsds::HsdsArgs),
    /// A BMLT server's meetings (its GetSearchResults JSON): Narcotics Anonymous and others.
    Bmlt(BmltArgs),
}

/// Arguments of `import bmlt`.
#[derive(Debug, clap::Args)]
pub struct BmltArgs {
    /// The feed (.json): a GetSearchResults array of meetings, or an object with "meetings" (and
    /// "formats").
    pub feed: PathBuf,
    /// The server's formats (its GetFormats JSON), used instead of the feed's own; without
    /// either, formats are read by their keys.
    #[arg(long)]
    formats: Option<PathBuf>,
    /// The groups file to write (.csv, or .json for a JSON array).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: ForceArg,
    /// Time zone of meetings without one of their own (BMLT servers often leave time_zone
    /// empty), e.g. Europe/Berlin. Without it, a meeting takes the zone at its coordinates.
    #[arg(long, value_parser = clap::builder::ValueParser::new(groupmatch::parse_timezone))]
    timezone: Option<chrono_tz::Tz>,
    /// Programme of the imported groups [default: twelve_step, or family_support with a family
    /// fellowship].
    #[arg(long, value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<Approach>()))]
    approach: Option<Approach>,
    /// Fellowship of the imported groups (BMLT is Narcotics Anonymous' meeting list).
    #[arg(long, default_value = "na", value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<Fellowship>()))]
    fellowship: Fellowship,
}

mod hsds;

/// Where the feed is, where the groups go, and the defaults the feed does not state.
#[derive(Debug, clap::Args)]
pub struct FeedArgs {
    /// The feed (.json): an array of meetings.
    pub feed: PathBuf,
    /// The groups file to write (.csv, or .json for a JSON array).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: ForceArg,
    #[command(flatten)]
    pub defaults: FeedDefaults,
}

/// The defaults a feed's meetings take where the feed is silent.
#[derive(Debug, clap::Args)]
pub struct FeedDefaults {
    /// Time zone of meetings without one of their own (most feeds have none), e.g.
    /// America/Los_Angeles.
    #[arg(long, value_parser = clap::builder::ValueParser::new(groupmatch::parse_timezone))]
    timezone: Option<chrono_tz::Tz>,
    /// Programme of the imported groups [default: twelve_step, or family_support with a family
    /// fellowship (al_anon, alateen, nar_anon, families_anonymous)].
    #[arg(long, value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<Approach>()))]
    approach: Option<Approach>,
    /// Fellowship of the imported groups, when the feed lists one fellowship's meetings (aa, na,
    /// ca, cma, ha, ma, nica, al_anon, alateen, nar_anon, families_anonymous). No default: a feed
    /// does not say which fellowship it lists.
    #[arg(long, value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<Fellowship>()))]
    fellowship: Option<Fellowship>,
}

impl FeedDefaults {
    /// The import options these arguments ask for: the approach defaults to the fellowship's
    /// ([`fellowship_approach`]), else `twelve_step`. An approach that does not go with the
    /// fellowship is an error naming both options.
    pub fn options(&self) -> anyhow::Result<ImportOptions> {
        checked(ImportOptions {
            timezone: self.timezone,
            approach: self
                .approach
                .or(self.fellowship.map(fellowship_approach))
                .unwrap_or(Approach::TwelveStep),
            fellowship: self.fellowship,
        })
    }

    /// A warning when `--timezone` names a zone that follows no place (`EST`, `Etc/GMT+5`, ...):
    /// said once for the run, not for every meeting that takes it.
    pub fn timezone_warning(&self) -> Option<String> {
        timezone_warning(self.timezone)
    }

    /// Whether `--fellowship` was given.
    pub fn has_fellowship(&self) -> bool {
        self.fellowship.is_some()
    }
}

/// The warning for a `--timezone` that is a legacy or deprecated name, when it is one.
fn timezone_warning(timezone: Option<chrono_tz::Tz>) -> Option<String> {
    let found = groupmatch::check_zone(timezone?, None)?;
    Some(format!(
        "warning: --timezone: {}\n",
        esc(&found.to_string())
    ))
}

/// One warning line, `warning: SOURCE: RECORD: field: message` (no field part when the field is
/// empty); the field and message may quote the source's text, so both are escaped.
pub(super) fn warning_line(label: &str, record: &str, field: &str, message: &str) -> String {
    let field = if field.is_empty() {
        String::new()
    } else {
        format!("{}: ", esc(field))
    };
    format!("warning: {label}: {record}: {field}{}\n", esc(message))
}

/// `options`, or an error naming both options when the approach does not go with the
/// fellowship.
fn checked(options: ImportOptions) -> anyhow::Result<ImportOptions> {
    if let Err(e) = options.check() {
        let message = e
            .problems()
            .first()
            .map_or(e.to_string(), |p| p.message.clone());
        bail!("--fellowship, --approach: {message}");
    }
    Ok(options)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let args = match args.source {
        Source::MeetingGuide(args) => args,
        Source::Hsds(args) => return hsds::run(args),
        Source::Bmlt(args) => return run_bmlt(args),
    };
    args.force.check([args.out.as_path()])?;
    let label = args.feed.display().to_string();
    let import = read_meeting_guide(&args.feed, &args.defaults.options()?)?;
    print_stderr(&args.defaults.timezone_warning().unwrap_or_default());
    let mut summary = write_import(&label, &args.out, &import)?;
    if !args.defaults.has_fellowship() {
        summary.push_str(FELLOWSHIP_HINT);
    }
    print_stdout(&summary)?;
    Ok(ExitCode::SUCCESS)
}

fn run_bmlt(args: BmltArgs) -> anyhow::Result<ExitCode> {
    args.force.check([args.out.as_path()])?;
    let label = args.feed.display().to_string();
    let options = checked(ImportOptions {
        timezone: args.timezone,
        approach: args
            .approach
            .unwrap_or(fellowship_approach(args.fellowship)),
        fellowship: Some(args.fellowship),
    })?;
    let import = read_bmlt(&args.feed, args.formats.as_deref(), &options)?;
    print_stderr(&timezone_warning(args.timezone).unwrap_or_default());
    print_stdout(&write_import(&label, &args.out, &import)?)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a meeting import's warnings, writes its groups to `out` (an error, writing nothing,
/// when there are none) and gives its summary.
fn write_import(
    label: &str,
    out: &std::path::Path,
    import: &groupmatch::formats::meeting_guide::Import,
) -> anyhow::Result<String> {
    let report = &import.report;
    print_stderr(&warnings(label, report));
    if import.groups.is_empty() {
        bail!(
            "{label}: no meeting could be imported, nothing written{}",
            timezone_hint(report)
        );
    }
    write_groups(out, &import.groups)?;
    Ok(summary(label, &out.display().to_string(), report))
}

/// Writes `groups` to `path` as a groups file, atomically ([`groups_file`]).
fn write_groups(path: &Path, groups: &[Group]) -> anyhow::Result<()> {
    groups_file(path, groups)?.commit()?;
    Ok(())
}

/// The syntax of a groups file written to `path`: CSV, or JSON (an array) for `.json`; an error
/// for JSON Lines, which groups files are not. Checked before any work by a command that writes
/// groups.
pub(super) fn groups_syntax(path: &Path) -> anyhow::Result<Syntax> {
    match Syntax::of_path(path) {
        Syntax::JsonLines => bail!("{}: write groups as .csv or .json", path.display()),
        syntax => Ok(syntax),
    }
}

/// `groups` written as a groups file to the temp file of `path` ([`groups_syntax`]), to be
/// committed by the caller (with the other files of its run).
pub(super) fn groups_file(path: &Path, groups: &[Group]) -> anyhow::Result<AtomicFile> {
    let syntax = groups_syntax(path)?;
    let mut file = AtomicFile::create(path)?;
    let w = file.writer();
    let written = match syntax {
        Syntax::Json => json_text(w, &groups),
        _ => csv_header(&mut *w, GROUP_FIELDS).and_then(|()| csv_rows(w, GROUP_FIELDS, groups)),
    };
    written.map_err(|error| groupmatch::Error::Io {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(file)
}

/// How a warning names meeting `index`: its id in feeds whose meetings have one (BMLT's
/// `id_bigint`), else its index in the feed.
fn meeting_name(report: &ImportReport, index: usize) -> String {
    if report.ids.is_empty() {
        return index.to_string();
    }
    match report.ids.get(index).filter(|id| !id.is_empty()) {
        Some(id) => esc(id).into_owned(),
        None => format!("#{index} (no id)"),
    }
}

/// Every row warning (`FEED: meeting INDEX: field: message`, or the meeting's id for BMLT),
/// then each unknown type code or format once with the rows that use it.
fn warnings(label: &str, report: &ImportReport) -> String {
    let mut out = String::new();
    let what = if report.ids.is_empty() {
        "types: unknown code"
    } else {
        "formats: unknown format"
    };
    for w in &report.warnings {
        let meeting = format!("meeting {}", meeting_name(report, w.index));
        out.push_str(&warning_line(label, &meeting, &w.field, &w.message));
    }
    for (code, rows) in &report.unknown_types {
        let rows: Vec<String> = rows.iter().map(|&i| meeting_name(report, i)).collect();
        let _ = writeln!(
            out,
            "warning: {label}: {what} '{}' (ignored) in {} at {}",
            esc(code),
            plural(rows.len(), "meeting"),
            rows.join(", ")
        );
    }
    out
}

/// The last line of the summary of an import without `--fellowship`.
const FELLOWSHIP_HINT: &str = "no fellowship set (a feed does not say): pass --fellowship aa (or na, al_anon, ...) when it lists one fellowship's meetings, so that their closed meetings are checked\n";

/// The hint to pass `--timezone` when meetings were skipped for the lack of one.
fn timezone_hint(report: &ImportReport) -> String {
    use groupmatch::formats::meeting_guide::SkipReason;
    match report.skipped.get(&SkipReason::NoTimezone) {
        Some(n) => format!(
            " ({} without a time zone or coordinates: pass --timezone, e.g. --timezone America/New_York)",
            plural(*n, "meeting")
        ),
        None => String::new(),
    }
}

/// `FEED: 1967 meetings read, 1965 imported into 1112 groups (853 merged), ...`.
fn summary(label: &str, out: &str, r: &ImportReport) -> String {
    let skipped: Vec<String> = r
        .skipped
        .iter()
        .map(|(reason, n)| format!("{n} {}", reason.as_str()))
        .collect();
    let skipped_total: usize = r.skipped.values().sum();
    let mut text = format!(
        "{label}: {} read, {} imported as {} ({} merged into an earlier meeting's group), {} skipped",
        plural(r.read, "meeting"),
        r.imported,
        plural(r.groups, "group"),
        r.merged,
        skipped_total,
    );
    if !skipped.is_empty() {
        let _ = write!(text, " ({})", skipped.join(", "));
    }
    let _ = writeln!(text, "{}", timezone_hint(r));
    // Said only when it happened, as most feeds give no coordinates.
    if r.timezone_from_coordinates + r.timezone_unlike_coordinates > 0 {
        let _ = writeln!(
            text,
            "{} with the time zone of their coordinates, {} with a time zone unlike their coordinates' (kept)",
            r.timezone_from_coordinates, r.timezone_unlike_coordinates,
        );
    }
    // A Meeting Guide feed gives end times and type codes (counted per use); a BMLT feed, whose
    // meetings are named by id, gives durations and formats (counted per meeting).
    let (missing, unknown_kind, unknown) = if r.ids.is_empty() {
        (
            "an end time",
            "type codes",
            r.unknown_types.values().map(Vec::len).sum::<usize>(),
        )
    } else {
        let meetings: std::collections::BTreeSet<usize> =
            r.unknown_types.values().flatten().copied().collect();
        ("a duration", "formats", meetings.len())
    };
    let _ = writeln!(
        text,
        "{} without {missing} (given {} minutes), {} without coordinates, {} with the coordinates of their postal code or town (approximate), {unknown} with unknown {unknown_kind}, {}",
        r.end_time_defaulted,
        groupmatch::formats::meeting_guide::DEFAULT_DURATION_MINUTES,
        r.without_coordinates,
        r.coordinates_approximate,
        plural(r.warnings.len(), "warning"),
    );
    let _ = writeln!(text, "wrote {out}");
    text
}
