//! `groupmatch rank`: ranked, explained suggestions for one person.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use groupmatch::{
    directory_zone, parse_person, read_person, Attendance, Cost, Engine, ExcludedDetail,
    ExplanationItem, Format, Person, RankOptions, Ranking, ScoreBasis, Suggestion,
};

use groupmatch::text::escape_control as esc;

use super::person_flags::PersonFlags;
use super::{
    parse_now, print_json, print_stderr, print_stdout, warned, EngineArgs, ForceArg, OutputFormat,
};

/// The example person used when `--person` is not given, so the command runs with no files.
const EXAMPLE_PERSON: &[u8] = include_bytes!("../../data/people/early-secular-woman.json");

/// Width the table is laid out for.
const WIDTH: usize = 100;
/// Indent of the reasons under each suggestion.
const INDENT: usize = 12;
/// Columns of the id and the name of a group together (with the space between them).
const ID_AND_NAME: usize = 44;
/// The fewest columns the name keeps however long the ids are.
const MIN_NAME: usize = 16;

/// Arguments of `rank`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The person (.json). Without it and without person flags, an embedded example person is
    /// ranked; person flags given with it replace the file's fields.
    #[arg(long)]
    person: Option<PathBuf>,
    /// A waitlist (.csv or .jsonl): rank the person of its row whose id is --id ID. Person flags
    /// given with it replace the row's fields, as they replace a --person file's.
    #[arg(long, value_name = "FILE", conflicts_with = "person", requires = "id")]
    waitlist: Option<PathBuf>,
    #[command(flatten)]
    who: PersonFlags,
    /// Also write the person ranked (from --person and the flags) to a person file (.json).
    #[arg(long, value_name = "FILE")]
    save_person: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    /// How many suggestions to show.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// List every excluded group with its reasons (the table shows only a summary otherwise).
    #[arg(long)]
    show_excluded: bool,
    /// How much of the excluded groups to report: every group with its reasons (`full`), counts
    /// of reasons by code (`counts`), or how many groups (`none`).
    #[arg(long, value_enum, default_value_t = Excluded::Full)]
    excluded: Excluded,
    /// The current time (RFC 3339, such as 2026-11-26T12:00:00Z), for reproducible output.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// Show everything about each suggestion in the table: every session, the address, the
    /// joining link, the phone, the web page and the newcomer contact (the default table shows
    /// where or how to join, the next session, the cost and the open seats).
    #[arg(long)]
    wide: bool,
    /// Also write the suggestions shown to a calendar file (.ics): one event per session.
    #[arg(long)]
    ics: Option<PathBuf>,
    #[command(flatten)]
    handout: super::handout::HandoutArgs,
    #[command(flatten)]
    force: ForceArg,
}

/// `--excluded`: the library's [`ExcludedDetail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Excluded {
    None,
    Counts,
    Full,
}

impl From<Excluded> for ExcludedDetail {
    fn from(e: Excluded) -> ExcludedDetail {
        match e {
            Excluded::None => ExcludedDetail::None,
            Excluded::Counts => ExcludedDetail::Counts,
            Excluded::Full => ExcludedDetail::Full,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.force.check(
        args.ics
            .iter()
            .chain(&args.save_person)
            .map(PathBuf::as_path)
            .chain(args.handout.path()),
    )?;
    let engine = args.engine.load()?;
    let person = if args.who.any() || args.waitlist.is_some() {
        person_of_flags(&args, &engine)?
    } else {
        load_person(args.person.as_ref())?
    };
    if let Some(path) = &args.save_person {
        save_person(path, &person)?;
    }
    let now = args.now.unwrap_or_else(Utc::now);
    let options = RankOptions::new(Some(args.top), now).with_excluded(args.excluded.into());
    let ranking = engine.rank(&person, &options)?;
    if let Some(path) = &args.ics {
        let ids: Vec<String> = ranking
            .suggestions
            .iter()
            .map(|s| s.group_id.clone())
            .collect();
        let groups = super::calendar::find_groups(engine.groups(), &ids, "the directory")?;
        let file = groupmatch::formats::ics::calendar_file(&groups, now);
        super::calendar::write_calendar(path, &file)?;
        // On stderr: stdout is the ranking (a table or JSON).
        print_stderr(&format!(
            "{}\n",
            super::calendar::summary(path, &file, groups.len())
        ));
    }
    args.handout.write(&engine, &person, &ranking, now, &[])?;
    match args.format {
        // Nothing needs the engine any more: it is freed on another thread while the JSON is
        // written (with a large directory, each takes a while).
        OutputFormat::Json => std::thread::scope(|s| {
            s.spawn(move || drop(engine));
            print_json(&ranking)
        })?,
        OutputFormat::Table => {
            print_stdout(&table(&engine, &ranking, args.show_excluded, args.wide))?
        }
    }
    Ok(if ranking.eligible == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The person of the flags, over the `--waitlist` row or the `--person` file when there is one
/// (bad values are the person reader's errors, naming the flags as their source).
fn person_of_flags(args: &Args, engine: &Engine) -> anyhow::Result<Person> {
    let (draft, label) = match (&args.waitlist, &args.person) {
        (Some(waitlist), _) => args.who.draft_from_waitlist(waitlist)?,
        (None, Some(path)) => (
            args.who.draft(Some(path))?,
            format!("{} with flags", path.display()),
        ),
        (None, None) => (args.who.draft(None)?, "flags".to_string()),
    };
    let loaded = draft.build(&label, directory_zone(engine.groups()))?;
    Ok(warned(loaded, &label))
}

/// Writes `person` to `path` as a person file (pretty JSON), atomically: a temporary file
/// renamed over the target, so a reader never sees half a person.
fn save_person(path: &std::path::Path, person: &Person) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(person)? + "\n";
    groupmatch::formats::write::write_atomic(path, |w| {
        std::io::Write::write_all(w, json.as_bytes())
    })?;
    print_stderr(&format!(
        "saved person {} to {}\n",
        person.id,
        path.display()
    ));
    Ok(())
}

fn load_person(path: Option<&PathBuf>) -> anyhow::Result<Person> {
    const EXAMPLE: &str = "data/people/early-secular-woman.json";
    let (loaded, label) = match path {
        Some(path) => (read_person(path)?, path.display().to_string()),
        None => {
            eprintln!("note: no --person given; ranking the embedded example person ({EXAMPLE})");
            let example =
                parse_person(EXAMPLE_PERSON, EXAMPLE).context("embedded example person")?;
            (example, EXAMPLE.to_string())
        }
    };
    Ok(warned(loaded, &label))
}

/// Cuts `s` to `max` characters, marking a cut with `…`; control characters are escaped first
/// (text from data is data: a name or reason never acts on the terminal, nor breaks the table).
fn fit(s: &str, max: usize) -> String {
    let s = &*esc(s);
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The ranking as a table for people (as `rank` prints it; `intake` too), with every session,
/// phone and link when `wide`.
pub(super) fn table(engine: &Engine, ranking: &Ranking, show_excluded: bool, wide: bool) -> String {
    let mut out = String::new();
    safety_lines(&mut out, &ranking.safety_first);
    notice_lines(&mut out, ranking.under_18.as_deref());
    let _ = writeln!(
        out,
        "Suggestions for {}: {} of {} eligible groups",
        esc(&ranking.person_id),
        ranking.suggestions.len(),
        ranking.eligible,
    );
    let mut summary: Vec<String> = ranking
        .exclusion_counts()
        .iter()
        .map(|(code, n)| format!("{n} {code}"))
        .collect();
    match summary.first_mut() {
        Some(first) => *first = format!("{} excluded: {first}", ranking.excluded.len()),
        // With `--excluded none` reasons are not counted.
        None if !ranking.excluded.is_empty() => {
            summary.push(format!("{} excluded", ranking.excluded.len()))
        }
        None => {}
    }
    for line in wrap(&summary, ", ", 0, usize::MAX) {
        let _ = writeln!(out, "{line}");
    }
    if ranking.eligible == 0 {
        let hint = if show_excluded {
            ""
        } else {
            " Use --show-excluded to see why."
        };
        let _ = writeln!(out, "No group fits every constraint.{hint}");
    }
    if !ranking.suggestions.is_empty() {
        // The id column is as wide as the longest id shown (an id cut short would be no id),
        // and the name column gives up what it takes.
        let id_width = ranking
            .suggestions
            .iter()
            .map(|s| esc(&s.group_id).chars().count())
            .max()
            .unwrap_or(0)
            .max(2);
        let name_width = (ID_AND_NAME - 1).saturating_sub(id_width).max(MIN_NAME);
        let _ = writeln!(
            out,
            "{:>3}  {:<5}  {:<id_width$} {:<name_width$} {:<18} {:<16} {:>7}",
            "#", "score", "id", "group", "approach", "next", "travel"
        );
        for s in &ranking.suggestions {
            write_suggestion(&mut out, s, id_width, name_width, wide);
        }
        // The same for every suggestion: shown once, apart from the reasons, without numbers.
        about_the_person_lines(&mut out, &ranking.suggestions[0].about_the_person);
        if ranking.suggestions.iter().any(|s| s.distance_approximate) {
            let _ = writeln!(
                out,
                "~: about, from or to the centre of a postal code or town (straight line)"
            );
        }
        out.push('\n');
        score_lines(&mut out, &ranking.score_basis);
    }
    if show_excluded {
        let _ = writeln!(out, "\nExcluded:");
        for e in ranking.excluded.groups() {
            let name = engine
                .groups()
                .iter()
                .find(|g| g.id == e.group_id)
                .map_or("", |g| g.name.as_str());
            let reasons: Vec<String> = e
                .reasons
                .iter()
                .map(|r| format!("{}: {}", r.code, esc(&r.text())))
                .collect();
            let _ = writeln!(
                out,
                "  {:<12} {:<30} {}",
                esc(&e.group_id),
                fit(name, 30),
                reasons.join("; ")
            );
        }
    }
    out
}

fn write_suggestion(
    out: &mut String,
    s: &Suggestion,
    id_width: usize,
    name_width: usize,
    wide: bool,
) {
    let travel = match (s.attendance, s.distance_km) {
        (Attendance::Online, _) => "online".to_string(),
        // From the centre of a postal code or town: about right, said with `~` (see below).
        (Attendance::InPerson, Some(d)) if s.distance_approximate => format!("~{d:.0} km"),
        (Attendance::InPerson, Some(d)) => format!("{d:.1} km"),
        // A place without coordinates (many real meeting lists have none).
        (Attendance::InPerson, None) => "? km".to_string(),
    };
    let _ = writeln!(
        out,
        "{:>3}  {:<5.2}  {:<id_width$} {:<name_width$} {:<18} {:<16} {:>7}",
        s.rank,
        s.score,
        esc(&s.group_id),
        fit(&s.name, name_width),
        s.approach.as_str(),
        s.next_session.as_deref().unwrap_or("-"),
        travel
    );
    if wide {
        wide_lines(out, s);
    } else {
        let (label, place) = where_to_go(s);
        labelled(out, label, &place);
    }
    if let Some(cost) = cost_and_seats(s) {
        labelled(out, "cost", &cost);
    }
    // The top three reasons about this group (the terms about the person alone are apart), on
    // at most two indented lines; the JSON output has them all.
    let reasons: Vec<String> = s
        .explanation
        .iter()
        .take(3)
        .map(|e| format!("{} ({:+.2})", esc(&e.text), e.contribution))
        .collect();
    for line in wrap(&reasons, "; ", INDENT, 2) {
        let _ = writeln!(out, "{:INDENT$}{line}", "");
    }
    step_lines(out, None, &s.next_steps, &s.notes);
}

/// Where the person goes, or how they join, for the way they would attend, as a label and a
/// text: `in person` and the address (or the city), `online` and the link (or the phone, or the
/// web page); a hybrid group's label says so (`hybrid, online`).
fn where_to_go(s: &Suggestion) -> (&'static str, String) {
    let hybrid = s.format == Format::Hybrid;
    match s.attendance {
        Attendance::InPerson => {
            let place = s.address.as_deref().or(s.city.as_deref());
            let label = if hybrid {
                "hybrid, in person"
            } else {
                "in person"
            };
            (
                label,
                place.unwrap_or("no address in the directory").to_string(),
            )
        }
        Attendance::Online => {
            let how = match (&s.join_url, &s.phone, &s.url) {
                (Some(link), _, _) => link.clone(),
                (None, Some(phone), _) => format!("call {phone}"),
                (None, None, Some(page)) => format!("see {page}"),
                (None, None, None) => "no joining link in the directory".to_string(),
            };
            (if hybrid { "hybrid, online" } else { "online" }, how)
        }
    }
}

/// `free; 4 of 16 seats open`, `$40 a session`, `cost not given; full (12 seats)`; `None` when
/// the directory gives neither a cost nor a capacity.
fn cost_and_seats(s: &Suggestion) -> Option<String> {
    let seats = match (s.open_seats, s.capacity) {
        (Some(0), Some(c)) => Some(format!("full ({c} seats)")),
        (Some(open), Some(c)) => Some(format!("{open} of {c} seats open")),
        _ => None,
    };
    match (s.cost.map(|c| c.describe()), seats) {
        (Some(cost), Some(seats)) => Some(format!("{cost}; {seats}")),
        (Some(cost), None) => Some(cost),
        (None, Some(seats)) => Some(format!("not given; {seats}")),
        (None, None) => None,
    }
}

/// Everything the directory gives about reaching the group, one labelled line each (`--wide`):
/// where or how to join, every session, then each of the address, city, joining link, phone,
/// web page and newcomer contact that the first line does not already show.
fn wide_lines(out: &mut String, s: &Suggestion) {
    let (label, place) = where_to_go(s);
    labelled(out, label, &place);
    let sessions: Vec<String> = s.sessions.iter().map(|x| x.to_string()).collect();
    labelled(
        out,
        "sessions",
        &format!("{} ({} time)", sessions.join(", "), s.timezone.name()),
    );
    let fields = [
        ("address", &s.address),
        ("city", &s.city),
        ("join", &s.join_url),
        ("phone", &s.phone),
        ("web", &s.url),
        ("contact", &s.newcomer_contact),
    ];
    for (label, value) in fields {
        // The first line shows one of them whole (the city inside an address).
        let shown = |v: &str| {
            place == v
                || place.strip_prefix("call ").or(place.strip_prefix("see ")) == Some(v)
                || (label == "city" && place.contains(v))
        };
        match value {
            Some(value) if !shown(value) => labelled(out, label, value),
            _ => {}
        }
    }
}

/// `label: text` under a suggestion, text from data escaped, word-wrapped as a [`paragraph`].
fn labelled(out: &mut String, label: &str, text: &str) {
    let prefix = format!("{:INDENT$}{label}: ", "");
    paragraph(out, &prefix, &esc(text), INDENT + label.len() + 2);
}

/// A suggestion's cost, when the directory gives it, then its next steps and notes, each on its
/// own lines (`cost: $40 a session`, `next:`, `note:`) below its reasons; text from the
/// directory escaped.
pub(crate) fn step_lines(
    out: &mut String,
    cost: Option<Cost>,
    next_steps: &[String],
    notes: &[String],
) {
    let cost = cost.map(|c| c.describe());
    let labelled = cost
        .iter()
        .map(|c| ("cost", c))
        .chain(next_steps.iter().map(|s| ("next", s)))
        .chain(notes.iter().map(|n| ("note", n)));
    for (label, text) in labelled {
        let prefix = format!("{:INDENT$}{label}: ", "");
        paragraph(out, &prefix, &esc(text), INDENT + label.len() + 2);
    }
}

/// Writes `text` word by word on lines of at most `WIDTH` columns: the first after `prefix`,
/// the others indented by `hang` (each line holds what fits after `hang` columns).
fn paragraph(out: &mut String, prefix: &str, text: &str, hang: usize) {
    let words: Vec<String> = text.split(' ').map(str::to_string).collect();
    for (i, part) in wrap(&words, " ", hang, usize::MAX).iter().enumerate() {
        let head = if i == 0 { prefix } else { "" };
        let indent = if i == 0 { 0 } else { hang };
        let _ = writeln!(out, "{:indent$}{head}{part}", "");
    }
}

/// The line for a person under 18 ([`groupmatch::guidance::under_18`]), when there is one,
/// after the safety lines and before the list, as a [`paragraph`].
pub(crate) fn notice_lines(out: &mut String, notice: Option<&str>) {
    let Some(notice) = notice else { return };
    paragraph(out, "", notice, 0);
    out.push('\n');
}

/// Lays `items` out joined by `sep` on lines of at most `WIDTH` columns after `indent`, keeping
/// at most `max_lines` lines; an item too long for a line of its own is cut with `…`.
fn wrap(items: &[String], sep: &str, indent: usize, max_lines: usize) -> Vec<String> {
    let width = WIDTH - indent;
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        let fits = lines
            .last()
            .is_some_and(|l| l.chars().count() + sep.len() + item.chars().count() <= width);
        if fits {
            let line = lines.last_mut().expect("checked");
            line.push_str(sep);
            line.push_str(item);
        } else if lines.len() < max_lines {
            lines.push(fit(item, width));
        } else {
            break;
        }
    }
    lines
}

/// The terms about the person alone, when there are any: one block under the suggestions, in
/// words only (they are the same for every group, so they are no reason for or against one).
fn about_the_person_lines(out: &mut String, terms: &[ExplanationItem]) {
    if terms.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nAbout you (the same for every group, so it does not change the order):"
    );
    let texts: Vec<String> = terms.iter().map(|t| esc(&t.text).into_owned()).collect();
    for line in wrap(&texts, "; ", INDENT, usize::MAX) {
        let _ = writeln!(out, "{:INDENT$}{line}", "");
    }
}

/// What the score is (the model's provenance, in words for the person's role), word-wrapped.
pub(crate) fn score_lines(out: &mut String, basis: &ScoreBasis) {
    paragraph(out, "score: ", &format!("{}.", basis.text), 7);
}

/// The safety-first lines, when there are any, ahead of everything else in a table output: each
/// a [`paragraph`], continuation lines indented further.
pub(crate) fn safety_lines(out: &mut String, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "SAFETY FIRST");
    for line in lines {
        paragraph(out, "  ", line, 4);
    }
    out.push('\n');
}
