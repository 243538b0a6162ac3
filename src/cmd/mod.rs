//! Subcommands: one file each, each with a `run(args)`. Arguments are turned into library calls
//! here; nothing below this module knows about the command line.

mod calendar;
mod db;
mod directory;
mod evaluate;
mod explain;
mod export;
mod features;
mod forget;
mod handout;
mod import;
mod intake;
mod matching;
mod outcomes;
mod person_flags;
mod purge;
mod rank;
mod refer;
mod referral;
mod referrals;
mod report;
mod rules;
mod score;
#[cfg(feature = "serve")]
mod serve;
mod simulate;
#[cfg(feature = "serve")]
mod token;
mod train;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use groupmatch::text::escape_terminal;

/// Match people in addiction recovery to support groups, with explained scores.
#[derive(Debug, Parser)]
#[command(name = "groupmatch", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Rank the groups of a directory for one person, with explanations.
    // Boxed: a person's every field as a flag makes these arguments much larger than the others.
    Rank(Box<rank::Args>),
    /// Interview a person at the intake desk, rank their groups, and write their person file.
    Intake(intake::Args),
    /// Place a waitlist in groups with limited seats: exact best total, everyone accounted for.
    Match(matching::Args),
    /// Explain one person-group score: every check, model feature and rule.
    Explain(explain::Args),
    /// Write a calendar file (.ics) of groups' sessions, for any calendar application.
    Calendar(calendar::Args),
    /// Check, list and document rule files.
    Rules(rules::Args),
    /// Check groups, person and waitlist files and report every problem.
    Validate(validate::Args),
    /// Import a meeting directory from another format into a groups file.
    Import(import::Args),
    /// Export a directory into another format (an HSDS package for a 211).
    Export(export::Args),
    /// Describe a directory (groups file or Meeting Guide feed), or merge several into one.
    Directory(directory::Args),
    /// Simulate a directory, people and placement outcomes from a documented ground truth.
    Simulate(simulate::Args),
    /// Train the engagement model on a placement history.
    Train(train::Args),
    /// Compare a learned model with the prior, baselines and the oracle on a simulation.
    Evaluate(evaluate::Args),
    /// Write the model's probability for every placement of a history.
    Score(score::Args),
    /// Reports on the organisation's own results: `report outcomes`.
    Report(report::Args),
    /// Serve ranking, explanations and the directory over HTTP (JSON), with bearer tokens.
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    /// Make, list and revoke the server's bearer tokens.
    #[cfg(feature = "serve")]
    Token(token::Args),
    /// Export the design matrix and labels `train` uses, for outside tools.
    Features(features::Args),
    /// Rank a person and record the referral: what was shown, the group(s) chosen, consent.
    Refer(refer::Args),
    /// Follow-ups due, one referral with its events, and events imported in bulk.
    Referrals(referrals::Args),
    /// Record what happened after a referral (an event on a date).
    Referral(referral::Args),
    /// Export the referrals' 90-day outcomes as the history `train` reads.
    Outcomes(outcomes::Args),
    /// Remove every referral of one person from the referrals database.
    Forget(forget::Args),
    /// Remove the referrals made before a date (a retention period).
    Purge(purge::Args),
    /// The referrals database itself: a consistent backup while others write.
    Db(db::Args),
}

/// Output format of commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table for people.
    Table,
    /// JSON for programs.
    Json,
}

/// `--rules FILE` / `--no-rules`, shared by the commands that score with rules.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// A rule file (.toml) instead of the embedded default rules.
    #[arg(long, conflicts_with = "no_rules")]
    rules: Option<std::path::PathBuf>,
    /// Use the model alone, without any rules.
    #[arg(long)]
    no_rules: bool,
}

impl RulesArgs {
    /// `builder` with the rules asked for: the file's (read when the engine is built), none, or
    /// the embedded default rules.
    fn apply(&self, builder: groupmatch::EngineBuilder) -> groupmatch::EngineBuilder {
        match (&self.rules, self.no_rules) {
            (Some(path), _) => builder.rules_file(path),
            (None, true) => builder.no_rules(),
            (None, false) => builder,
        }
    }

    /// The rules asked for: the file's, none, or the embedded default rules.
    pub fn load(&self) -> anyhow::Result<groupmatch::rules::RuleSet> {
        use groupmatch::rules::RuleSet;
        Ok(match (&self.rules, self.no_rules) {
            (Some(path), _) => RuleSet::read(path)?,
            (None, true) => RuleSet::empty(),
            (None, false) => RuleSet::embedded_default(),
        })
    }
}

/// `[--groups FILE] [--model FILE] [--rules FILE | --no-rules]`, shared by the commands that
/// score pairs.
#[derive(Debug, clap::Args)]
pub struct EngineArgs {
    /// The group directory (.csv or .json). Without it, the embedded directory is used.
    #[arg(long)]
    groups: Option<std::path::PathBuf>,
    /// The engagement model (.json). Without it, the embedded model is used.
    #[arg(long)]
    model: Option<std::path::PathBuf>,
    #[command(flatten)]
    rules: RulesArgs,
}

impl EngineArgs {
    /// The engine asked for, to be built (its files are read by
    /// [`groupmatch::EngineBuilder::build`], again at each build: the server's reload).
    pub fn builder(&self) -> groupmatch::EngineBuilder {
        let mut builder = self.rules.apply(groupmatch::EngineBuilder::new());
        if let Some(path) = &self.groups {
            builder = builder.groups_file(path);
        }
        if let Some(path) = &self.model {
            builder = builder.model_file(path);
        }
        builder
    }

    /// The engine asked for; the groups file's warnings go to stderr.
    pub fn load(&self) -> anyhow::Result<groupmatch::Engine> {
        let loaded = self.builder().build()?;
        let label = self.groups.as_deref().map(|p| p.display().to_string());
        Ok(warned(
            loaded,
            label.as_deref().unwrap_or("the embedded directory"),
        ))
    }
}

/// `--history FILE [--groups FILE]`, shared by the commands that read a placement history.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Placement history (.csv): person fields, placement_id, group_id, placed_on, engaged_90d.
    #[arg(long)]
    pub history: std::path::PathBuf,
    /// The directory the history's group ids refer to (default: groups.csv beside the history,
    /// else the embedded directory).
    #[arg(long)]
    groups: Option<std::path::PathBuf>,
}

impl HistoryArgs {
    /// The engine over the history's directory (with `model`, no rules) and the history.
    pub fn load(
        &self,
        model: Option<&std::path::Path>,
    ) -> anyhow::Result<(groupmatch::Engine, groupmatch::engagement::history::History)> {
        let beside = self
            .history
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("groups.csv");
        let groups = self
            .groups
            .clone()
            .or_else(|| beside.exists().then_some(beside));
        let mut builder = groupmatch::EngineBuilder::new().no_rules();
        if let Some(path) = groups {
            builder = builder.groups_file(path);
        }
        if let Some(path) = model {
            builder = builder.model_file(path);
        }
        let engine = builder.build()?.value;
        let history =
            groupmatch::engagement::history::read_history(&self.history, engine.groups())?.value;
        Ok((engine, history))
    }
}

/// `--history FILE | --db FILE [--now TIME]`, `[--groups FILE]`: the placement outcomes `train`
/// learns from and `report outcomes` judges a model on.
#[derive(Debug, clap::Args)]
pub struct OutcomeSource {
    /// Placement history (.csv): person fields, placement_id, group_id, placed_on, engaged_90d.
    #[arg(long, required_unless_present = "db", conflicts_with = "db")]
    history: Option<std::path::PathBuf>,
    /// The referrals database instead of a history: its referrals with consent to training and
    /// a known 90-day label, the rows `outcomes export` writes (docs/referrals.md).
    #[arg(long, value_name = "FILE")]
    db: Option<std::path::PathBuf>,
    /// The directory the group ids refer to (default: groups.csv beside the history, else the
    /// embedded directory; with --db, the embedded directory).
    #[arg(long)]
    groups: Option<std::path::PathBuf>,
    /// With --db: the labels as of this time (RFC 3339) [default: now].
    #[arg(long, value_parser = parse_now, requires = "db")]
    now: Option<chrono::DateTime<chrono::Utc>>,
}

impl OutcomeSource {
    /// What the outcomes are read from (the file's name), the engine over their directory
    /// (with `model`, else the embedded one; no rules) and the outcomes. From the database, the
    /// rows left out (label not known yet, group not in the directory) are counted on stderr.
    pub fn load(
        &self,
        model: Option<&std::path::Path>,
    ) -> anyhow::Result<(
        String,
        groupmatch::Engine,
        groupmatch::engagement::history::History,
    )> {
        let Some(db) = &self.db else {
            let path = self
                .history
                .clone()
                .ok_or_else(|| anyhow::anyhow!("give --history FILE or --db FILE"))?;
            let input = HistoryArgs {
                history: path.clone(),
                groups: self.groups.clone(),
            };
            let (engine, history) = input.load(model)?;
            return Ok((path.display().to_string(), engine, history));
        };
        let mut builder = groupmatch::EngineBuilder::new().no_rules();
        if let Some(path) = &self.groups {
            builder = builder.groups_file(path);
        }
        if let Some(path) = model {
            builder = builder.model_file(path);
        }
        let engine = builder.build()?.value;
        let store = groupmatch::store::Store::open(db)?;
        let now = self.now.unwrap_or_else(chrono::Utc::now).date_naive();
        let labelled = store.training_history(engine.groups(), now)?;
        print_stderr(&format!(
            "{}: {} labelled; left out {} whose label is not known yet, {} not in the directory\n",
            db.display(),
            plural(labelled.history.rows.len(), "chosen group"),
            labelled.unlabelled,
            labelled.unknown_groups
        ));
        Ok((db.display().to_string(), engine, labelled.history))
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Rank(args) => rank::run(*args),
        Command::Intake(args) => intake::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Import(args) => import::run(args),
        Command::Export(args) => export::run(args),
        Command::Directory(args) => directory::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Calendar(args) => calendar::run(args),
        Command::Match(args) => matching::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Train(args) => train::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Score(args) => score::run(args),
        Command::Report(args) => report::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
        #[cfg(feature = "serve")]
        Command::Token(args) => token::run(args),
        Command::Features(args) => features::run(args),
        Command::Refer(args) => refer::run(args),
        Command::Referrals(args) => referrals::run(args),
        Command::Referral(args) => referral::run(args),
        Command::Outcomes(args) => outcomes::run(args),
        Command::Forget(args) => forget::run(args),
        Command::Purge(args) => purge::run(args),
        Command::Db(args) => db::run(args),
    }
}

/// Writes `text` to stdout, reporting (not panicking on) a closed pipe. Every output of a command
/// goes through here; control characters other than line breaks are escaped
/// ([`escape_terminal`]), so none from the data reaches a terminal. JSON is unchanged by this:
/// its strings are already escaped by the serialiser.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(escape_terminal(text).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes `value` to stdout as pretty JSON and a line break, streamed (a ranking with its
/// excluded list is tens of megabytes). Strings are escaped as JSON escapes them, and so is every
/// other character that must not reach a terminal ([`groupmatch::text::escape_json_string`]):
/// the output is the same JSON value, safe to print.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    write_json(&mut out, value)?;
    out.flush()?;
    Ok(())
}

/// Writes `value` to `w` as [`print_json`] prints it.
fn write_json(w: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut json = serde_json::Serializer::with_formatter(&mut *w, TerminalJson::default());
    // A failed write is an I/O error again, so a closed pipe is recognised as one.
    value.serialize(&mut json).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// serde_json's pretty layout, with string contents passed through
/// [`groupmatch::text::escape_json_string`].
#[derive(Default)]
struct TerminalJson(serde_json::ser::PrettyFormatter<'static>);

/// Each method of the layout, handed to the pretty formatter.
macro_rules! pretty_layout {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<W: ?Sized + Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
            self.0.$method(w $(, $arg)*)
        }
    )*};
}

impl serde_json::ser::Formatter for TerminalJson {
    pretty_layout! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        begin_object_value();
        end_object_value();
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        w.write_all(groupmatch::text::escape_json_string(fragment).as_bytes())
    }
}

/// The value of a file read, its warnings printed to stderr, each in `label` (the file).
fn warned<T>(loaded: groupmatch::Loaded<T>, label: &str) -> T {
    for w in &loaded.warnings {
        print_stderr(&format!("warning: {}\n", w.display_in(label)));
    }
    loaded.value
}

/// The groups of `--groups FILE` (its warnings printed), else the embedded directory; with
/// the name messages give them.
fn groups_or_embedded(
    path: Option<&std::path::Path>,
) -> anyhow::Result<(Vec<groupmatch::Group>, String)> {
    Ok(match path {
        Some(path) => {
            let label = path.display().to_string();
            (warned(groupmatch::read_groups(path)?, &label), label)
        }
        None => (
            groupmatch::embedded_groups(),
            "the embedded directory".to_string(),
        ),
    })
}

/// Writes `text` to stderr (warnings, progress), escaped as [`print_stdout`] escapes.
fn print_stderr(text: &str) {
    eprint!("{}", escape_terminal(text));
}

/// `--force`, shared by every command that writes files.
#[derive(Debug, clap::Args)]
pub struct ForceArg {
    /// Overwrite output files that exist (without it, an existing output is an error and is left
    /// untouched).
    #[arg(long)]
    pub force: bool,
}

impl ForceArg {
    /// The one rule for outputs, checked before any work: each of `paths` that exists is refused
    /// unless `--force` ([`groupmatch::formats::write::refuse_to_overwrite`]).
    pub fn check<'a>(
        &self,
        paths: impl IntoIterator<Item = &'a std::path::Path>,
    ) -> anyhow::Result<()> {
        for path in paths {
            groupmatch::formats::write::refuse_to_overwrite(path, self.force)?;
        }
        Ok(())
    }
}

/// `--now TIME`: an RFC 3339 instant, for reproducible output.
pub fn parse_now(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("'{s}' is not an RFC 3339 time like 2026-11-26T12:00:00Z ({e})"))
}

/// A day given as a flag (`directory merge --now`, `referral update --on`, `purge --before`):
/// YYYY-MM-DD, or the UTC day of an RFC 3339 time (as `rank --now` takes).
pub fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    s.parse::<chrono::NaiveDate>()
        .or_else(|_| parse_now(s).map(|t| t.date_naive()))
        .map_err(|_| {
            format!("'{s}' is not a day like 2026-11-26 or a time like 2026-11-26T12:00:00Z")
        })
}

/// `1 record`, `2 records`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_is_printed_as_serde_json_lays_it_out() {
        let value = serde_json::json!({"id": "g1", "list": [1, {"a": "b"}], "empty": [], "x": {}});
        assert_eq!(
            written(&value),
            serde_json::to_string_pretty(&value).unwrap() + "\n"
        );
    }

    #[test]
    fn printed_json_holds_no_terminal_control_character_and_reads_back_the_same() {
        let nasty = "a\u{1b}[2J\u{7}b\u{7f}c\u{9b}31m\u{85}d\u{2028}e\u{2029}f\r\ng";
        let value = serde_json::json!({ nasty: [nasty, "plain"] });
        let text = written(&value);
        assert!(
            !text
                .chars()
                .any(|c| groupmatch::text::is_forbidden(c) && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains(r"a\u001b[2J\u0007b\u007fc\u009b31m\u0085d\u2028e\u2029f\r\ng"));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }
}
