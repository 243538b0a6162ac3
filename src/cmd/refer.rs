//! `groupmatch refer`: rank a person as `rank` does, and record the referral in the store: the
//! person as ranked, every suggestion shown, the group(s) chosen, the engine's version and the
//! person's consent. Prints the new referral's id.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use groupmatch::store::{Consent, NewReferral, ReferralChoice};
use groupmatch::{read_person, ReferralType};

use super::db::DbArg;
use super::{parse_now, print_stderr, print_stdout, warned, EngineArgs};

/// Arguments of `refer`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The person (.json), as `rank --person` reads it.
    #[arg(long)]
    person: PathBuf,
    /// A group the person chose, by id or exact name (repeatable).
    #[arg(long = "group", id = "chosen", value_name = "ID", required = true)]
    chosen: Vec<String>,
    /// What the person agreed to: follow_up (staff may contact them at 7, 30 and 90 days),
    /// training (their outcome may train the model), both (`follow_up,training`) or none.
    #[arg(long, default_value = "none")]
    consent: Consent,
    /// The staff member making the referral (an id, never a name).
    #[arg(long, value_name = "ID")]
    staff: Option<String>,
    /// How the person was referred: list (given the group's details) or warm_handoff
    /// (introduced to a member who got in touch).
    #[arg(long, default_value = "list")]
    referral_type: ReferralType,
    /// How many suggestions were shown (recorded with their ranks and scores).
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    engine: EngineArgs,
    /// The time of the referral (RFC 3339, such as 2026-11-26T12:00:00Z) [default: now].
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    db: DbArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let builder = args.engine.builder();
    let engine_version = builder.version()?;
    let engine = args.engine.load()?;
    let label = args.person.display().to_string();
    let person = warned(read_person(&args.person)?, &label);
    let referral = NewReferral::ranked(
        &engine,
        &engine_version,
        person,
        ReferralChoice {
            chosen: args.chosen,
            top: args.top,
            now: args.now.unwrap_or_else(Utc::now),
            staff: args.staff,
            referral_type: args.referral_type,
            consent: args.consent,
        },
    )?;
    for group in referral.chosen_not_shown() {
        print_stderr(&format!(
            "note: {group} was not among the {} suggestions shown\n",
            referral.shown.len()
        ));
    }
    let mut store = args.db.open()?;
    let id = store.record_referral(&referral)?;
    print_stdout(&format!(
        "referral {id}: {} to {} ({} shown, engine {engine_version}); consent: {}\n",
        referral.person.id,
        referral.chosen.join(", "),
        referral.shown.len(),
        consent_words(args.consent),
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `follow-up and training`, `follow-up`, `training`, `none`.
pub fn consent_words(c: Consent) -> &'static str {
    match (c.follow_up, c.training) {
        (true, true) => "follow-up and training",
        (true, false) => "follow-up",
        (false, true) => "training",
        (false, false) => "none",
    }
}
