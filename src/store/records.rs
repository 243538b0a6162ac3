//! The typed records of the referrals store: what a caller writes ([`NewReferral`],
//! [`NewEvent`]) and what it reads back ([`Referral`], [`Event`], [`DueFollowUp`]). The rest of
//! the library and the command line see these, never SQL ([`super::Store`] owns the schema).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::person::Person;
use crate::domain::vocab::{EventKind, ReferralType, StopReason};
use crate::engagement::history::History;

/// A referral's id in the store (`SQLite`'s rowid: 1, 2, 3, ... never reused while the store
/// keeps the highest one given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ReferralId(pub i64);

impl std::fmt::Display for ReferralId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`: widths and alignment apply, as in a table.
        f.pad(&self.0.to_string())
    }
}

impl std::str::FromStr for ReferralId {
    type Err = String;

    fn from_str(s: &str) -> Result<ReferralId, String> {
        match s.parse::<i64>() {
            Ok(n) if n > 0 => Ok(ReferralId(n)),
            _ => Err(format!(
                "'{s}' is not a referral id (a whole number from 1, as `refer` prints)"
            )),
        }
    }
}

/// The person's consent, recorded with each referral.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// Staff may contact them to follow the referral up (at 7, 30 and 90 days): without it the
    /// referral is never listed as due.
    pub follow_up: bool,
    /// Their outcome may be used to train the model: without it the referral never reaches
    /// [`super::Store::training_history`] nor `outcomes export`.
    pub training: bool,
}

impl std::str::FromStr for Consent {
    type Err = String;

    /// `follow_up`, `training`, `follow_up,training`, or `none`.
    fn from_str(s: &str) -> Result<Consent, String> {
        let mut consent = Consent::default();
        for part in s.split(',').map(str::trim) {
            match part {
                "follow_up" => consent.follow_up = true,
                "training" => consent.training = true,
                "none" => {}
                _ => {
                    return Err(format!(
                        "unknown consent '{part}' (allowed: follow_up, training, none; \
                         comma-separated)"
                    ))
                }
            }
        }
        Ok(consent)
    }
}

/// One suggestion shown when the referral was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shown {
    /// The group's id.
    pub group_id: String,
    /// Its 1-based rank in the list shown.
    pub rank: u32,
    /// Its score (the estimated chance of attending at 90 days).
    pub score: f64,
}

/// A referral to record ([`super::Store::record_referral`]), and the record of a stored one
/// ([`Referral::record`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewReferral {
    /// The person as ranked: their pseudonymous id and the fields the model and the rules read
    /// (a person holds no name or contact detail).
    pub person: Person,
    /// When the referral was made.
    pub referred_at: DateTime<Utc>,
    /// Who made it (a staff id), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<String>,
    /// The engine that ranked the person ([`crate::EngineBuilder::version`]).
    pub engine_version: String,
    /// Every suggestion shown, in rank order.
    pub shown: Vec<Shown>,
    /// The group(s) the person chose: at least one.
    pub chosen: Vec<String>,
    /// How the person was referred (the model's `warm_handoff` feature).
    pub referral_type: ReferralType,
    /// The person's consent.
    pub consent: Consent,
}

/// An event to append ([`super::Store::append_events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The referral it is about.
    pub referral: ReferralId,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub on: NaiveDate,
    /// The chosen group it is about; `None` for the referral as a whole (every chosen group).
    pub group_id: Option<String>,
    /// Why, for `stopped` (required) and `declined` (optional); nothing else has one.
    pub reason: Option<StopReason>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub on: NaiveDate,
    /// The chosen group it is about; `None` for the referral as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Why, for `stopped` and `declined`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<StopReason>,
}

/// A referral as stored: its id, what was recorded, and its events in the order they were
/// appended. Written as one object (the record's fields between `id` and `events`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referral {
    /// Its id.
    pub id: ReferralId,
    /// What was recorded.
    #[serde(flatten)]
    pub record: NewReferral,
    /// What happened since, in the order recorded (the first is `referred`).
    pub events: Vec<Event>,
}

/// A follow-up due ([`super::Store::due`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct DueFollowUp {
    /// The referral.
    pub referral: ReferralId,
    /// The person's pseudonymous id.
    pub person_id: String,
    /// The day the referral was made (UTC).
    pub referred_on: NaiveDate,
    /// Which follow-up: 7, 30 or 90 days after the referral.
    pub day: u32,
    /// The date it fell due.
    pub due_on: NaiveDate,
    /// The groups chosen.
    pub chosen: Vec<String>,
}

/// The placement history of the store's consented, labelled referrals
/// ([`super::Store::training_history`]), and what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledHistory {
    /// One row per chosen group with a known 90-day label.
    pub history: History,
    /// Chosen groups of consented referrals old enough whose label is still unknown.
    pub unlabelled: usize,
    /// Chosen groups with a known label left out because the directory has no such group.
    pub unknown_groups: usize,
}

/// What [`super::Store::export_history`] wrote and left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    /// Rows written (one per chosen group with a known label).
    pub rows: usize,
    /// Of which engaged at 90 days.
    pub engaged: usize,
    /// Distinct person records written.
    pub people: usize,
    /// Chosen groups of consented referrals old enough whose label is still unknown.
    pub unlabelled: usize,
    /// Chosen groups with a known label left out because the directory has no such group.
    pub unknown_groups: usize,
}
