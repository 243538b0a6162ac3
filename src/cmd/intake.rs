//! `groupmatch intake`: the interview at the intake desk, asked in the terminal or replayed from
//! an answers file, then the ranking, "what if", the groups chosen, and the person file.
//!
//! The questions, their checks and the comparison of rankings are the library's
//! ([`groupmatch::intake`]); this file only asks and prints. Nothing is written before the end:
//! Ctrl-C at any point leaves no file behind.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use chrono::{DateTime, Utc};
use groupmatch::intake::{
    none_if_empty, week_picture, what_moved, Answers, AnswersFile, Kind, Question, QUESTIONS,
};
use groupmatch::{Engine, ExcludedDetail, Person, RankOptions, Ranking, Window};
use inquire::error::InquireError;
use inquire::validator::Validation;
use inquire::{Confirm, MultiSelect, Select, Text};

use super::{parse_now, print_stdout, EngineArgs, ForceArg};

/// Arguments of `intake`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Replay the answers of this file (TOML: `key = "answer"`, see docs/intake.md) instead of
    /// asking; questions it leaves out take their defaults.
    #[arg(long)]
    answers: Option<PathBuf>,
    /// The person's pseudonymous id (never a name). Without it: the answers file's `id`, else
    /// one made from the answers (`rank`'s flags make theirs the same way).
    #[arg(long)]
    id: Option<String>,
    /// Write the person the interview made here (.json), to rank again with `rank --person`.
    #[arg(long)]
    save_person: Option<PathBuf>,
    #[command(flatten)]
    handout: super::handout::HandoutArgs,
    #[command(flatten)]
    engine: EngineArgs,
    /// How many suggestions to show.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// The current time (RFC 3339, such as 2026-11-26T12:00:00Z), for reproducible output.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    force: ForceArg,
}

/// The exit code of an interview stopped with Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.force.check(
        args.save_person
            .as_deref()
            .into_iter()
            .chain(args.handout.path()),
    )?;
    let engine = args.engine.load()?;
    let now = args.now.unwrap_or_else(Utc::now);
    let result = match &args.answers {
        Some(path) => replay(&args, &engine, now, path),
        None => interview(&args, &engine, now),
    };
    match result {
        Err(e) if is_interrupted(&e) => {
            eprintln!("interview stopped: nothing was written");
            Ok(ExitCode::from(INTERRUPTED))
        }
        other => other,
    }
}

/// Whether `e` is Ctrl-C in a prompt.
fn is_interrupted(e: &anyhow::Error) -> bool {
    e.downcast_ref::<InquireError>()
        .is_some_and(|e| matches!(e, InquireError::OperationInterrupted))
}

/// The options of a ranking in the interview: every excluded group with its reasons, so that a
/// "what if" can say why a group left.
fn options(args: &Args, now: DateTime<Utc>) -> RankOptions {
    RankOptions::new(Some(args.top), now).with_excluded(ExcludedDetail::Full)
}

/// The interview replayed from an answers file, printed as a transcript.
fn replay(
    args: &Args,
    engine: &Engine,
    now: DateTime<Utc>,
    path: &Path,
) -> anyhow::Result<ExitCode> {
    let file = AnswersFile::read(path)?;
    let at = |key: &str| {
        file.line_of(key).map_or(path.display().to_string(), |l| {
            format!("{}:{l}", path.display())
        })
    };
    let mut answers = Answers::new();
    let mut transcript = String::new();
    while let Some(q) = answers.next_question() {
        let given = file.answers.iter().find(|(k, _)| k == q.key);
        let text = given.map_or("", |(_, t)| t.as_str());
        answers
            .answer(q.key, text)
            .map_err(|e| anyhow!("{}: {}: {e}", at(q.key), q.key))?;
        transcript.push_str(&format!("? {}\n", q.ask));
        let kept = answers.value(q.key).unwrap_or_default();
        match given {
            Some(_) => transcript.push_str(&format!("> {text}\n")),
            None => transcript.push_str(&format!("> (skipped: {})\n", shown(q, kept))),
        }
        transcript.push_str(&after_answer(q, &answers));
    }
    // Answers to questions that did not apply (a stage for a family member) are refused rather
    // than dropped without a word.
    for (key, _) in &file.answers {
        if Question::find(key).is_some_and(|q| !q.applies(&answers)) {
            bail!(
                "{}: {key}: does not apply to these answers (remove it)",
                at(key)
            );
        }
        if Question::find(key).is_none() {
            bail!("{}: {key}: no such question (see docs/intake.md)", at(key));
        }
    }
    let id = args.id.clone().or(file.id.clone());
    let person = answers
        .person(id.as_deref())
        .with_context(|| format!("{}: the answers do not make a person", path.display()))?;
    let ranking = engine.rank(&person, &options(args, now))?;
    transcript.push('\n');
    transcript.push_str(&super::rank::table(engine, &ranking, false, false));
    for (key, text) in &file.what_if {
        let mut changed = answers.clone();
        changed
            .answer(key, text)
            .map_err(|e| anyhow!("{}: what_if {key}: {e}", at("what_if")))?;
        transcript.push_str(&format!("\nWhat if {key} were '{text}'?\n"));
        transcript.push_str(&moves_text(
            engine, &ranking, &changed, &person.id, args, now,
        )?);
    }
    let chosen = choose_ids(&ranking, &file.choose)?;
    transcript.push_str(&format!("\nChosen: {}\n", chosen.join(", ")));
    print_stdout(&transcript)?;
    finish(args, engine, &person, &ranking, now, &chosen)
}

/// The interview asked in the terminal.
fn interview(args: &Args, engine: &Engine, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
    let mut answers = Answers::new();
    while let Some(q) = answers.next_question() {
        ask(q, &mut answers)?;
        print_stdout(&after_answer(q, &answers))?;
    }
    let id = args.id.clone();
    // A problem across answers names the field to ask again.
    let person = loop {
        match answers.person(id.as_deref()) {
            Ok(person) => break person,
            Err(e) => {
                let field = e.problems().iter().find_map(|p| p.field.clone());
                let Some(q) = field.as_deref().and_then(Question::find) else {
                    return Err(e.into());
                };
                eprintln!("{e}");
                ask(q, &mut answers)?;
            }
        }
    };
    let mut person = person;
    let mut ranking = engine.rank(&person, &options(args, now))?;
    print_stdout(&format!(
        "\n{}",
        super::rank::table(engine, &ranking, false, false)
    ))?;
    loop {
        let mut keys: Vec<&str> = vec!["no, go on"];
        keys.extend(
            QUESTIONS
                .iter()
                .filter(|q| q.applies(&answers))
                .map(|q| q.key),
        );
        let pick = Select::new("What if one answer were different?", keys)
            .with_help_message("change one answer to see which groups move and why")
            .prompt_skippable()?;
        let Some(key) = pick.filter(|k| *k != "no, go on") else {
            break;
        };
        let mut changed = answers.clone();
        ask(
            Question::find(key).expect("listed from QUESTIONS"),
            &mut changed,
        )?;
        print_stdout(&moves_text(
            engine, &ranking, &changed, &person.id, args, now,
        )?)?;
        if Confirm::new("Keep this change?")
            .with_default(false)
            .prompt()?
        {
            answers = changed;
            person = answers.person(id.as_deref())?;
            ranking = engine.rank(&person, &options(args, now))?;
            print_stdout(&format!(
                "\n{}",
                super::rank::table(engine, &ranking, false, false)
            ))?;
        }
    }
    let labels: Vec<String> = ranking
        .suggestions
        .iter()
        .map(|s| format!("{} ({})", s.name, s.group_id))
        .collect();
    let picked = MultiSelect::new("Which groups will they try?", labels.clone())
        .with_default(&[0])
        .prompt_skippable()?
        .unwrap_or_default();
    let chosen: Vec<String> = picked
        .iter()
        .filter_map(|l| labels.iter().position(|x| x == l))
        .map(|i| ranking.suggestions[i].group_id.clone())
        .collect();
    print_stdout(&format!("Chosen: {}\n", chosen.join(", ")))?;
    finish(args, engine, &person, &ranking, now, &chosen)
}

/// Asks `q` and records the answer; Esc skips it (its default).
fn ask(q: &Question, answers: &mut Answers) -> anyhow::Result<()> {
    let text = match q.kind {
        Kind::One(choices) => {
            let words: Vec<&str> = choices.iter().map(|c| c.words).collect();
            let start = choices.iter().position(|c| c.value == q.default);
            let mut select = Select::new(q.ask, words).with_help_message(q.why);
            if let Some(start) = start {
                select = select.with_starting_cursor(start);
            }
            select.prompt_skippable()?.unwrap_or_default().to_string()
        }
        Kind::Many(choices) => {
            let words: Vec<&str> = choices.iter().map(|c| c.words).collect();
            MultiSelect::new(q.ask, words)
                .with_help_message(q.why)
                .prompt_skippable()?
                .map_or_else(|| q.default.to_string(), |w| none_if_empty(&w.join(",")))
        }
        _ => {
            let check = move |s: &str| {
                Ok(match q.check(s) {
                    Ok(_) => Validation::Valid,
                    Err(e) => Validation::Invalid(e.into()),
                })
            };
            let mut text = Text::new(q.ask)
                .with_help_message(q.why)
                .with_validator(check);
            if !q.default.is_empty() {
                text = text.with_default(q.default);
            }
            text.prompt_skippable()?.unwrap_or_default()
        }
    };
    answers
        .answer(q.key, &text)
        .map_err(|e| anyhow!("{}: {e}", q.key))
}

/// A kept answer as staff read it: a choice by its words.
fn shown(q: &Question, kept: &str) -> String {
    let words = |value: &str| match q.kind {
        Kind::One(choices) | Kind::Many(choices) => choices
            .iter()
            .find(|c| c.value == value)
            .map_or(value.to_string(), |c| c.words.to_string()),
        _ => value.to_string(),
    };
    match (q.kind, kept) {
        (_, "") => "none".into(),
        (Kind::Many(_), _) => kept.split(',').map(words).collect::<Vec<_>>().join(", "),
        _ => words(kept),
    }
}

/// What is said right after an answer: where to go now after a risk (before anything else),
/// the week read back after availability.
fn after_answer(q: &Question, answers: &Answers) -> String {
    match q.key {
        "risks" if answers.value("risks").is_some_and(|r| !r.is_empty()) => {
            let risks: Vec<groupmatch::Risk> = answers
                .value("risks")
                .unwrap_or_default()
                .split(',')
                .filter_map(|r| r.parse().ok())
                .collect();
            let mut lines = vec![groupmatch::safety::EMERGENCY.to_string()];
            lines.extend(
                risks
                    .iter()
                    .map(|r| groupmatch::safety::advice(*r).to_string()),
            );
            format!("\n!! {}\n\n", lines.join("\n!! "))
        }
        "availability" => {
            let windows: Vec<Window> = answers
                .value("availability")
                .and_then(|a| groupmatch::parse_availability(a).ok())
                .unwrap_or_default();
            format!("Their week:\n{}", week_picture(&windows))
        }
        _ => String::new(),
    }
}

/// What moved, ranking with `changed` answers instead.
fn moves_text(
    engine: &Engine,
    before: &Ranking,
    changed: &Answers,
    id: &str,
    args: &Args,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    // The same id as before the change: the same person, one answer different.
    let person = changed.person(Some(id))?;
    let after = engine.rank(&person, &options(args, now))?;
    let moves = what_moved(before, &after);
    if moves.is_empty() {
        return Ok("Nothing moved.\n".into());
    }
    let place = |p: Option<(usize, f64)>| p.map_or("-".into(), |(r, s)| format!("#{r} {s:.2}"));
    Ok(moves
        .iter()
        .map(|m| {
            format!(
                "  {} ({}): {} -> {}: {}\n",
                m.name,
                m.group_id,
                place(m.before),
                place(m.after),
                m.why
            )
        })
        .collect())
}

/// The groups chosen: `ids` (each among the suggestions), or the first suggestion.
fn choose_ids(ranking: &Ranking, ids: &[String]) -> anyhow::Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(ranking
            .suggestions
            .iter()
            .take(1)
            .map(|s| s.group_id.clone())
            .collect());
    }
    for id in ids {
        if !ranking.suggestions.iter().any(|s| &s.group_id == id) {
            bail!("choose: '{id}' is not among the suggestions shown");
        }
    }
    Ok(ids.to_vec())
}

/// Writes the person file and the handout of the `chosen` groups, if asked for: only now, at
/// the end.
fn finish(
    args: &Args,
    engine: &Engine,
    person: &Person,
    ranking: &Ranking,
    now: DateTime<Utc>,
    chosen: &[String],
) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.save_person {
        groupmatch::formats::write::write_json(path, person)?;
        eprintln!("wrote {}", path.display());
    }
    args.handout.write(engine, person, ranking, now, chosen)?;
    Ok(ExitCode::SUCCESS)
}
