//! A person looking for a group, and a waitlist entry.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;

use super::geo::GeoPoint;
use super::group::serialize_tz;
use super::schedule::Window;
use super::vocab::{
    Approach, ApproachPreference, FacilitationPreference, FormatPreference, Gender, GenderSpecific,
    Language, Need, PriorOutcome, SocialSupport, Stage, Substance,
};

/// A person's earlier experience with one approach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Prior {
    /// The approach they tried.
    pub approach: Approach,
    /// How it went.
    pub outcome: PriorOutcome,
}

/// A person looking for a group: stage, preferences, schedule, location and needs.
///
/// The `id` is pseudonymous; groupmatch never logs any other field. Read people with
/// [`crate::read_person`] or [`crate::read_waitlist`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// Pseudonymous id.
    pub id: String,
    /// Recovery stage.
    pub stage: Stage,
    /// Preferred orientation.
    pub approach_preference: ApproachPreference,
    /// Exclude groups of other orientations.
    pub approach_strict: bool,
    /// In person, online, or either.
    pub format_preference: FormatPreference,
    /// When they can attend, in their time zone. Never empty.
    pub availability: Vec<Window>,
    /// Their time zone.
    #[serde(serialize_with = "serialize_tz")]
    pub timezone: Tz,
    /// Where they travel from.
    #[serde(flatten)]
    pub location: Option<GeoPoint>,
    /// How far they can travel to an in-person session.
    pub max_travel_km: Option<f64>,
    /// Languages they can take part in (default English). Never empty; the first is their main one.
    pub languages: Vec<Language>,
    /// Gender, as they state it.
    pub gender: Gender,
    /// Whether they want a gender-specific group.
    pub gender_specific: GenderSpecific,
    /// Age in years, when given.
    pub age: Option<u8>,
    /// LGBTQ+.
    pub lgbtq: bool,
    /// Military veteran.
    pub veteran: bool,
    /// Needs (co-occurring condition, childcare, wheelchair access, ...).
    pub needs: Vec<Need>,
    /// Substances they are recovering from.
    pub substances: Vec<Substance>,
    /// Peer-led, professionally led, or either.
    pub facilitation_preference: FacilitationPreference,
    /// Confidence in staying in recovery, 1-10.
    pub self_efficacy: Option<u8>,
    /// Readiness to change, 1-10.
    pub readiness: Option<u8>,
    /// Support from people around them.
    pub social_support: Option<SocialSupport>,
    /// Friends or family who drink or use.
    pub network_supports_use: Option<bool>,
    /// Earlier experience with approaches.
    pub prior: Vec<Prior>,
}

impl Person {
    /// Whether LGBTQ+ groups are for them: they said so, or they are nonbinary.
    pub fn is_lgbtq(&self) -> bool {
        self.lgbtq || self.gender == super::vocab::Gender::Nonbinary
    }

    /// The outcome of their earlier experience with `approach`, if they tried it (the last entry
    /// wins when an approach is listed twice).
    pub fn prior_outcome(&self, approach: Approach) -> Option<PriorOutcome> {
        self.prior
            .iter()
            .rev()
            .find(|p| p.approach == approach)
            .map(|p| p.outcome)
    }
}

/// A person on a waitlist, with the date they joined it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitlistEntry {
    /// The person.
    pub person: Person,
    /// The date they joined the waitlist.
    pub waiting_since: NaiveDate,
}
