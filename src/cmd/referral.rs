//! `groupmatch referral update ID --status STATUS --on DATE`: append one event to a referral
//! (events are never changed: a correction is a new event).

use std::process::ExitCode;

use chrono::NaiveDate;
use groupmatch::store::{NewEvent, ReferralId};
use groupmatch::{Error, EventKind, Problem, StopReason};

use super::db::DbArg;
use super::print_stdout;

/// Arguments of `referral`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ReferralCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ReferralCommand {
    /// Record what happened: contacted, attended_first, attending (a check-in), stopped (with
    /// --reason), no_capacity, could_not_contact or declined.
    Update(UpdateArgs),
}

#[derive(Debug, clap::Args)]
struct UpdateArgs {
    /// The referral's id (as `refer` printed it).
    id: ReferralId,
    /// What happened.
    #[arg(long)]
    status: EventKind,
    /// When (YYYY-MM-DD).
    #[arg(long, value_parser = super::parse_day)]
    on: NaiveDate,
    /// The chosen group it is about (default: the referral as a whole, every chosen group).
    #[arg(long, value_name = "ID")]
    group: Option<String>,
    /// Why they stopped (required with stopped) or declined: schedule, travel, cost,
    /// not_a_fit, group_ended, moved, health, other_programme, returned_to_use, other.
    #[arg(long, value_name = "CODE")]
    reason: Option<StopReason>,
    #[command(flatten)]
    db: DbArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ReferralCommand::Update(args) => {
            let mut store = args.db.open()?;
            let event = NewEvent {
                referral: args.id,
                kind: args.status,
                on: args.on,
                group_id: args.group,
                reason: args.reason,
            };
            // One event: its problems need no place in a list.
            store
                .append_events(std::slice::from_ref(&event))
                .map_err(|e| match e {
                    Error::Invalid { problems, .. } => Error::Invalid {
                        path: format!("referral {}", event.referral),
                        problems: problems
                            .into_iter()
                            .map(|p| Problem { line: None, ..p })
                            .collect(),
                        warnings: Vec::new(),
                    },
                    other => other,
                })?;
            let about = event
                .group_id
                .as_deref()
                .map_or_else(String::new, |g| format!(" at {g}"));
            let why = event.reason.map_or_else(String::new, |r| format!(" ({r})"));
            print_stdout(&format!(
                "referral {}: {}{about} on {}{why}\n",
                event.referral, event.kind, event.on
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
