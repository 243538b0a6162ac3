//! `groupmatch explain`: every check, feature and rule behind one person-group score.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use groupmatch::rules::Action;
use groupmatch::{read_person, FeatureTerm};

use super::parse_now;
use groupmatch::text::escape_control as esc;

use super::person_flags::waitlist_person;
use super::{print_json, print_stdout, EngineArgs, OutputFormat};

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The person (.json).
    #[arg(long, required_unless_present = "waitlist")]
    person: Option<PathBuf>,
    /// A waitlist (.csv or .jsonl): explain for the person of its row whose id is --id ID.
    #[arg(long, value_name = "FILE", conflicts_with = "person", requires = "id")]
    waitlist: Option<PathBuf>,
    /// With --waitlist: the id of the row.
    #[arg(long, requires = "waitlist")]
    id: Option<String>,
    /// The group's id, or its exact name (any case).
    #[arg(long)]
    group: String,
    #[command(flatten)]
    engine: EngineArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// The current time (RFC 3339), for reproducible output.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = args.engine.load()?;
    let person = match (&args.person, &args.waitlist, &args.id) {
        (Some(path), _, _) => read_person(path)?.value,
        (None, Some(waitlist), Some(id)) => waitlist_person(waitlist, id)?,
        _ => anyhow::bail!("give --person FILE, or --waitlist FILE --id ID"),
    };
    let ex = engine.explain(&person, &args.group, args.now.unwrap_or_else(Utc::now))?;
    match args.format {
        OutputFormat::Json => print_json(&ex)?,
        OutputFormat::Table => {
            let mut out = String::new();
            super::rank::safety_lines(&mut out, &ex.safety_first);
            super::rank::notice_lines(&mut out, ex.under_18.as_deref());
            // Text from data is escaped value by value, so a line break in it cannot forge a line.
            writeln!(
                out,
                "{} and {} ({})",
                esc(&ex.person_id),
                esc(&ex.group_id),
                esc(&ex.name)
            )?;
            writeln!(out, "\nEligibility")?;
            for c in &ex.eligibility {
                let status = if c.passed { "pass" } else { "FAIL" };
                writeln!(
                    out,
                    "  {status}  {:<16} {}",
                    c.code.as_str(),
                    esc(&c.reasons.join("; "))
                )?;
            }
            writeln!(out, "\nModel (intercept {:+.3})", ex.intercept)?;
            feature_lines(&mut out, &ex.features)?;
            let zero = ex
                .features
                .iter()
                .chain(&ex.about_the_person)
                .filter(|f| !adds_something(f))
                .count();
            writeln!(
                out,
                "  ({zero} features are 0 for this pair and add nothing)"
            )?;
            // Terms about the person alone: the same for every group, shown apart.
            if ex.about_the_person.iter().any(|f| adds_something(&f)) {
                writeln!(
                    out,
                    "\nAbout the person (model terms, the same for every group)"
                )?;
                feature_lines(&mut out, &ex.about_the_person)?;
            }
            writeln!(
                out,
                "\nRules (fired: the term and reason; not fired: the facts that decided it)"
            )?;
            for r in &ex.rules {
                match (r.fired, r.action) {
                    (true, Action::Adjust(a)) => writeln!(
                        out,
                        "  {a:+.3}  {:<46} {}",
                        esc(&r.id),
                        esc(r.reason.as_deref().unwrap_or(""))
                    )?,
                    (true, Action::Exclude) => writeln!(
                        out,
                        "  excl.   {:<46} {}",
                        esc(&r.id),
                        esc(r.reason.as_deref().unwrap_or(""))
                    )?,
                    (false, _) => {
                        let inputs: Vec<String> =
                            r.inputs.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                        writeln!(
                            out,
                            "  no      {:<46} ({})",
                            esc(&r.id),
                            esc(&inputs.join(", "))
                        )?
                    }
                }
            }
            match (ex.logit, ex.score) {
                (Some(logit), Some(score)) => {
                    writeln!(
                        out,
                        "\nlogit {logit:+.4} = intercept + model terms + rule terms; score {score:.4}"
                    )?;
                    super::rank::score_lines(&mut out, &ex.score_basis);
                }
                _ => writeln!(
                    out,
                    "\nnot eligible: no score (rules never override eligibility)"
                )?,
            }
            if ex.cost.is_some() || !ex.next_steps.is_empty() || !ex.notes.is_empty() {
                writeln!(out, "\nBefore going")?;
                super::rank::step_lines(&mut out, ex.cost, &ex.next_steps, &ex.notes);
            }
            print_stdout(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether a feature is non-zero for the pair (its value or its term).
fn adds_something(f: &&FeatureTerm) -> bool {
    f.value != 0.0 || f.contribution != 0.0
}

/// One line per feature that is non-zero for the pair: its term, name, value and sentence.
fn feature_lines(out: &mut String, features: &[FeatureTerm]) -> std::fmt::Result {
    for f in features.iter().filter(adds_something) {
        writeln!(
            out,
            "  {:+.3}  {:<32} value {:<6.3} {}",
            f.contribution,
            f.id,
            f.value,
            esc(&f.text)
        )?;
    }
    Ok(())
}
