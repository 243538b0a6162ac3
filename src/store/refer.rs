//! A referral made from a ranking: the person ranked by the engine as `rank` ranks them, the
//! suggestions shown with their ranks and scores, and the chosen groups found by id or name.
//! `groupmatch refer` and `POST /v1/referrals` both build their [`NewReferral`] here, so the two
//! record the same referral for the same person, choice and engine.

use chrono::{DateTime, Utc};

use super::records::{Consent, NewReferral, Shown};
use crate::domain::person::Person;
use crate::domain::vocab::ReferralType;
use crate::engine::Engine;
use crate::error::Result;
use crate::rank::{RankOptions, Suggestion};

/// What a referral records besides the person and the engine: the groups chosen, how many
/// suggestions were shown, when, by whom, how, and the person's consent.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralChoice {
    /// The groups the person chose, each by id or by a name one group has (as `--group`).
    pub chosen: Vec<String>,
    /// How many suggestions were shown.
    pub top: usize,
    /// When the referral was made (the ranking's moment).
    pub now: DateTime<Utc>,
    /// The staff member making it (an id, never a name).
    pub staff: Option<String>,
    /// How the person was referred.
    pub referral_type: ReferralType,
    /// What the person agreed to.
    pub consent: Consent,
}

impl NewReferral {
    /// Ranks `person` with `engine` (whose version is `engine_version`,
    /// [`crate::EngineBuilder::version`]) at `choice.now`, keeping the top `choice.top`
    /// suggestions as shown, and finds each chosen group in the directory.
    ///
    /// A chosen group need not be among those shown ([`NewReferral::chosen_not_shown`] says which
    /// were not). A person the ranking refuses, or a group that is not in the directory (or a
    /// name several groups have), is an error.
    ///
    /// ```
    /// use groupmatch::store::{Consent, NewReferral, ReferralChoice};
    /// use groupmatch::{EngineBuilder, ReferralType};
    /// let person = groupmatch::parse_person(
    ///     include_bytes!("../../data/people/early-secular-woman.json"), "p").unwrap().value;
    /// let engine = EngineBuilder::new().build().unwrap().value;
    /// let group = engine.groups()[0].id.clone();
    /// let referral = NewReferral::ranked(&engine, "d0-m0-r0", person, ReferralChoice {
    ///     chosen: vec![group.clone()],
    ///     top: 5,
    ///     now: "2026-11-26T12:00:00Z".parse().unwrap(),
    ///     staff: None,
    ///     referral_type: ReferralType::List,
    ///     consent: Consent::default(),
    /// }).unwrap();
    /// assert_eq!(referral.chosen, [group]);
    /// assert!(referral.shown.len() <= 5);
    /// ```
    pub fn ranked(
        engine: &Engine,
        engine_version: &str,
        person: Person,
        choice: ReferralChoice,
    ) -> Result<NewReferral> {
        let ranking = engine.rank(&person, &RankOptions::new(Some(choice.top), choice.now))?;
        let chosen = choice
            .chosen
            .iter()
            .map(|query| Ok(engine.groups()[engine.find_group(query)?].id.clone()))
            .collect::<Result<Vec<String>>>()?;
        let shown = ranking.suggestions.iter().map(Shown::from).collect();
        Ok(NewReferral {
            person,
            referred_at: choice.now,
            staff: choice.staff,
            engine_version: engine_version.to_string(),
            shown,
            chosen,
            referral_type: choice.referral_type,
            consent: choice.consent,
        })
    }

    /// The chosen groups that were not among the suggestions shown.
    pub fn chosen_not_shown(&self) -> impl Iterator<Item = &str> {
        self.chosen
            .iter()
            .filter(|c| !self.shown.iter().any(|s| &s.group_id == *c))
            .map(String::as_str)
    }
}

impl From<&Suggestion> for Shown {
    /// The suggestion as shown: its group, rank and score.
    fn from(s: &Suggestion) -> Shown {
        Shown {
            group_id: s.group_id.clone(),
            rank: s.rank as u32,
            score: s.score,
        }
    }
}
