//! A person looking for a group, and a waitlist entry, and the checks every one of them passes
//! before it is ranked or matched.
//!
//! The file readers and a program building a [`Person`] in Rust go through the same checks
//! ([`Person::validate`]), so a person the library accepts is one it can rank without surprises:
//! a travel limit that is a number, a main language, scores on their scale.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::check::{
    integer_problem, invalid_if_any, list_length_problem, number_problem, required_id_problem,
    MISSING,
};
use super::geo::GeoPoint;
use super::group::serialize_tz;
use super::place::PlaceGiven;
use super::schedule::Window;
use super::vocab::{
    Approach, ApproachPreference, Audience, FacilitationPreference, FamilyAim, FormatPreference,
    Gender, GenderSpecific, Goal, Language, Medication, Need, PriorOutcome, Relationship, Risk,
    Role, SocialSupport, Stage, Substance,
};
use crate::error::{Problem, Result};
use crate::limits::MAX_LIST_ITEMS;

/// The longest travel limit a person may give, in km (half the earth's circumference).
pub const MAX_TRAVEL_KM: f64 = 20_000.0;
/// The travel limit of a person who gives none, in km: 25 km (about 15 miles), an engineering
/// choice above the 16 km (10 miles) at which EVIDENCE F2 sees distance become a barrier, so
/// groups a little farther still show, lower.
pub const DEFAULT_TRAVEL_KM: f64 = 25.0;
pub use super::check::MAX_AGE;
/// The scale of `self_efficacy` and `readiness`.
pub const SCORE_SCALE: std::ops::RangeInclusive<u8> = 1..=10;

/// The problem of a `place` given without the point it stands for.
pub(crate) const PLACE_WITHOUT_POINT: &str =
    "given without latitude and longitude (write the point the place stands for beside it)";

/// A person's earlier experience with one approach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prior {
    /// The approach they tried.
    pub approach: Approach,
    /// How it went.
    pub outcome: PriorOutcome,
}

/// A person looking for a group: stage, preferences, schedule, location and needs.
///
/// The `id` is pseudonymous; groupmatch never logs any other field. Read people with
/// [`crate::read_person`] or [`crate::read_waitlist`], or deserialise one from the same JSON
/// object (with the same defaults and checks); a person built in Rust is checked by
/// [`Person::validate`] at every entry point that takes one.
///
/// ```
/// let person: groupmatch::Person = serde_json::from_str(r#"{"id": "p1", "stage": "early",
///     "approach_preference": "secular", "format_preference": "online",
///     "availability": ["Mon 18:00-22:00"], "timezone": "America/New_York"}"#).unwrap();
/// assert_eq!(person.languages[0].as_str(), "en");
/// let bad = serde_json::from_str::<groupmatch::Person>(r#"{"id": "p1"}"#).unwrap_err();
/// assert!(bad.to_string().contains("stage: missing"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// Pseudonymous id.
    pub id: String,
    /// Whom they are looking for a group for: their own recovery (the default) or themselves
    /// as a family member.
    pub role: Role,
    /// Recovery stage: given for a person in recovery, absent for a family member.
    pub stage: Option<Stage>,
    /// A family member's relationship to the person who drinks or uses.
    pub relationship: Option<Relationship>,
    /// What a family member wants help with.
    pub family_aim: Option<FamilyAim>,
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
    /// How the place was given (a postal code, a town, coordinates) and how precise `location`
    /// is, when it was given that way; `location` holds the point it stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<PlaceGiven>,
    /// How far they can travel to an in-person session; without it,
    /// [`DEFAULT_TRAVEL_KM`] ([`Person::travel_limit_km`]).
    pub max_travel_km: Option<f64>,
    /// Languages they can take part in (default English). Never empty; the first is their main one.
    pub languages: Vec<Language>,
    /// Gender, as they state it.
    pub gender: Gender,
    /// Whether they want a gender-specific group.
    pub gender_specific: GenderSpecific,
    /// Groups for an audience they would like (LGBTQ+, women, young people, veterans, ...): a
    /// wish that favours such groups a little, never a requirement.
    pub audience_preference: Vec<Audience>,
    /// Age in years, when given.
    pub age: Option<u8>,
    /// LGBTQ+.
    pub lgbtq: bool,
    /// Military veteran.
    pub veteran: bool,
    /// Needs (co-occurring condition, childcare, wheelchair access, ...).
    pub needs: Vec<Need>,
    /// Whether they can pay a fee for a session (default `true`). When `false`, groups with a
    /// fee ([`super::cost::Cost::fee`]) are excluded; free, donation, sliding-scale and insurance
    /// groups, and groups whose cost is unknown, are not.
    pub can_pay: bool,
    /// Immediate risks flagged by staff; when any is, every output leads with where to go now
    /// (the `safety` module).
    pub risks: Vec<Risk>,
    /// Substances they are recovering from.
    pub substances: Vec<Substance>,
    /// The one of `substances` that matters most to them, when they say.
    pub primary_substance: Option<Substance>,
    /// Medication for opioid use disorder they are on.
    pub medication: Medication,
    /// What they aim for with their use, when they say.
    pub goal: Option<Goal>,
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

    /// How far they can travel: `max_travel_km`, or [`DEFAULT_TRAVEL_KM`] when they gave none.
    pub fn travel_limit_km(&self) -> f64 {
        self.max_travel_km.unwrap_or(DEFAULT_TRAVEL_KM)
    }

    /// Whether a distance from them is approximate: their `location` is the centroid of a postal
    /// code or a town ([`PlaceGiven::is_approximate`]), so "about 4 km" says it better than
    /// "4.2 km". `false` without a `place` (coordinates as given).
    ///
    /// ```
    /// let mut person: groupmatch::Person = serde_json::from_str(r#"{"id": "p1", "stage": "early",
    ///     "approach_preference": "secular", "format_preference": "either",
    ///     "availability": ["Mon 18:00-22:00"], "timezone": "America/New_York",
    ///     "latitude": 39.9585, "longitude": -75.1989,
    ///     "place": {"given": "19104", "kind": "postal_code", "precision_km": 1.3}}"#).unwrap();
    /// assert!(person.distance_is_approximate());
    /// assert_eq!(person.location_precision_km(), 1.3);
    /// person.place = None;
    /// assert!(!person.distance_is_approximate());
    /// ```
    pub fn distance_is_approximate(&self) -> bool {
        self.place.as_ref().is_some_and(PlaceGiven::is_approximate)
    }

    /// How precise `location` is, as a typical radius in km: the place's `precision_km`, or 0
    /// when no place says otherwise.
    pub fn location_precision_km(&self) -> f64 {
        self.place.as_ref().map_or(0.0, |p| p.precision_km)
    }

    /// The substance that matters most to them: `primary_substance`, or their only substance.
    pub fn main_substance(&self) -> Option<Substance> {
        match (self.primary_substance, self.substances.as_slice()) {
            (Some(s), _) => Some(s),
            (None, [only]) => Some(*only),
            _ => None,
        }
    }

    /// Whether a group for `audience` is one they would like (any LGBTQ+ audience for a wish
    /// for LGBTQ+ groups).
    pub fn wishes_any_of(&self, audience: &[Audience]) -> bool {
        self.audience_preference
            .iter()
            .any(|wish| audience.iter().any(|a| a.meets(*wish)))
    }

    /// Whether they are under 18.
    pub fn is_minor(&self) -> bool {
        self.age.is_some_and(|a| a < 18)
    }

    /// Whether they are early in their own recovery ([`Stage::is_early`]); never for a family
    /// member.
    pub fn in_early_recovery(&self) -> bool {
        self.stage.is_some_and(Stage::is_early)
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

    /// Checks every field a file reader checks, so a person built in Rust is one the library
    /// can rank: an `id` ([`crate::MAX_ID_BYTES`] at most, printable, no whitespace), a
    /// non-empty `availability`, up to [`crate::MAX_LIST_ITEMS`] items in each list, a place on the earth, a finite travel limit
    /// from 0 to [`MAX_TRAVEL_KM`], at least one language, an age up to [`MAX_AGE`], scores on
    /// [`SCORE_SCALE`], and a gender when a gender-specific group is required. The error lists
    /// every problem, each naming its field.
    ///
    /// ```
    /// let mut person: groupmatch::Person = serde_json::from_str(r#"{"id": "p1", "stage": "early",
    ///     "approach_preference": "secular", "format_preference": "online",
    ///     "availability": ["Mon 18:00-22:00"], "timezone": "UTC"}"#).unwrap();
    /// assert!(person.validate().is_ok());
    /// person.readiness = Some(200);
    /// person.max_travel_km = Some(f64::NAN);
    /// let err = person.validate().unwrap_err();
    /// let fields: Vec<_> = err.problems().iter().map(|p| p.field.as_deref().unwrap()).collect();
    /// assert_eq!(fields, ["max_travel_km", "readiness"]);
    /// ```
    pub fn validate(&self) -> Result<()> {
        invalid_if_any("person", self.problems())
    }

    /// Every problem [`Person::validate`] reports, in field order, without a line.
    pub(crate) fn problems(&self) -> Vec<Problem> {
        let named = |field: &str, message: String| Problem::new(None, Some(field), message);
        let mut problems = Vec::new();
        if let Some(m) = required_id_problem(&self.id) {
            problems.push(named("id", m));
        }
        for (field, m) in role_problems(
            self.role,
            self.stage.is_some(),
            self.relationship.is_some(),
            self.family_aim.is_some(),
        ) {
            problems.push(named(field, m.into()));
        }
        if self.availability.is_empty() {
            problems.push(named("availability", MISSING.into()));
        }
        let lists = [
            ("availability", self.availability.len()),
            ("languages", self.languages.len()),
            ("needs", self.needs.len()),
            ("risks", self.risks.len()),
            ("substances", self.substances.len()),
            ("audience_preference", self.audience_preference.len()),
            ("prior", self.prior.len()),
        ];
        problems.extend(self.location.iter().flat_map(GeoPoint::problems));
        if let Some(place) = &self.place {
            problems.extend(place.problems());
            if self.location.is_none() {
                problems.push(named("place", PLACE_WITHOUT_POINT.into()));
            }
        }
        if let Some(m) = self
            .max_travel_km
            .and_then(|km| number_problem(km, &(0.0..=MAX_TRAVEL_KM)))
        {
            problems.push(named("max_travel_km", m));
        }
        if self.languages.is_empty() {
            problems.push(named(
                "languages",
                "empty (list at least one language; the first is the main one)".into(),
            ));
        }
        for (field, len) in lists {
            if let Some(m) = list_length_problem(len, MAX_LIST_ITEMS) {
                problems.push(named(field, m));
            }
        }
        if let Some(m) = gender_specific_problem(self.gender, self.gender_specific) {
            problems.push(named("gender_specific", m.into()));
        }
        if let Some(m) = self.age.and_then(|a| integer_problem(a, &(0..=MAX_AGE))) {
            problems.push(named("age", m));
        }
        if let Some(m) = self
            .self_efficacy
            .and_then(|v| integer_problem(v, &SCORE_SCALE))
        {
            problems.push(named("self_efficacy", m));
        }
        if let Some(m) = self
            .readiness
            .and_then(|v| integer_problem(v, &SCORE_SCALE))
        {
            problems.push(named("readiness", m));
        }
        if let Some(m) = primary_substance_problem(self.primary_substance, &self.substances) {
            problems.push(named("primary_substance", m));
        }
        problems
    }
}

/// The fields that do not fit the person's `role`, with why (shared with the readers): a person
/// in recovery has a `stage` and no family member's fields; a family member has no `stage`.
pub(crate) fn role_problems(
    role: Role,
    has_stage: bool,
    has_relationship: bool,
    has_family_aim: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    match role {
        Role::InRecovery => {
            if !has_stage {
                problems.push(("stage", "missing (required for a person in recovery; a family member has role 'family_member')"));
            }
            if has_relationship {
                problems.push((
                    "relationship",
                    "only for a family member (role 'family_member')",
                ));
            }
            if has_family_aim {
                problems.push((
                    "family_aim",
                    "only for a family member (role 'family_member')",
                ));
            }
        }
        Role::FamilyMember => {
            if has_stage {
                problems.push((
                    "stage",
                    "a family member has no recovery stage; leave it out",
                ));
            }
        }
    }
    problems
}

/// Why `primary` cannot be the person's main substance, if it cannot (shared with the readers):
/// it must be one of their `substances`.
pub(crate) fn primary_substance_problem(
    primary: Option<Substance>,
    substances: &[Substance],
) -> Option<String> {
    primary
        .filter(|p| !substances.contains(p))
        .map(|p| format!("'{p}' is not among substances (list it there too)"))
}

/// Why `gender_specific` cannot be met with `gender`, if it cannot (shared with the readers).
pub(crate) fn gender_specific_problem(
    gender: Gender,
    gender_specific: GenderSpecific,
) -> Option<&'static str> {
    (gender_specific == GenderSpecific::Required && gender == Gender::Unspecified)
        .then_some("'required' needs a gender (woman, man or nonbinary) to know which groups fit")
}

/// A person on a waitlist, with the date they joined it. Serialised as one waitlist row: the
/// person's fields and `waiting_since`.
///
/// ```
/// let entry: groupmatch::WaitlistEntry = serde_json::from_str(r#"{"id": "w1", "stage": "early",
///     "approach_preference": "secular", "format_preference": "online",
///     "availability": ["Mon 18:00-22:00"], "timezone": "UTC", "waiting_since": "2026-10-01"}"#)
///     .unwrap();
/// assert_eq!(entry.waiting_since.to_string(), "2026-10-01");
/// let back: groupmatch::WaitlistEntry =
///     serde_json::from_str(&serde_json::to_string(&entry).unwrap()).unwrap();
/// assert_eq!(back, entry);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitlistEntry {
    /// The person.
    #[serde(flatten)]
    pub person: Person,
    /// The date they joined the waitlist.
    pub waiting_since: NaiveDate,
    /// Priority populations the person belongs to (`pregnant`, `injects_drugs`, or codes an
    /// organisation declares), which decide their tier in a match (`groupmatch::matching`'s
    /// priorities). Left out of JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<PriorityCode>,
}

/// A priority population's code on a waitlist row: 1 to [`MAX_PRIORITY_CODE_BYTES`] lowercase
/// ASCII letters, digits and underscores, starting with a letter (`pregnant`,
/// `leaving_residential`). Which codes are known is the match's business (its priority tiers):
/// the reader checks only the spelling.
///
/// ```
/// use groupmatch::PriorityCode;
/// assert_eq!("injects_drugs".parse::<PriorityCode>().unwrap().as_str(), "injects_drugs");
/// assert!("Pregnant".parse::<PriorityCode>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PriorityCode(String);

/// The longest priority code, in bytes.
pub const MAX_PRIORITY_CODE_BYTES: usize = 40;

impl PriorityCode {
    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PriorityCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PriorityCode {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<PriorityCode, String> {
        let spelled = s.len() <= MAX_PRIORITY_CODE_BYTES
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if spelled {
            Ok(PriorityCode(s.to_string()))
        } else {
            // Never quoted: the text may be long or unprintable.
            Err(format!(
                "a priority code is 1 to {MAX_PRIORITY_CODE_BYTES} lowercase letters, digits and \
                 underscores, starting with a letter (such as pregnant or injects_drugs)"
            ))
        }
    }
}

impl<'de> Deserialize<'de> for PriorityCode {
    fn deserialize<D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<PriorityCode, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl WaitlistEntry {
    /// Checks the person ([`Person::validate`]); any date is a valid `waiting_since`.
    pub fn validate(&self) -> Result<()> {
        self.person.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::person;

    fn fields_of(p: &Person) -> Vec<String> {
        p.validate()
            .unwrap_err()
            .problems()
            .iter()
            .map(|p| p.field.clone().unwrap())
            .collect()
    }

    #[test]
    fn a_person_from_the_readers_is_valid() {
        assert!(person().validate().is_ok());
    }

    #[test]
    fn a_person_without_languages_is_refused() {
        let mut p = person();
        p.languages.clear();
        assert_eq!(fields_of(&p), ["languages"]);
    }

    #[test]
    fn non_finite_or_negative_travel_limits_are_refused() {
        for km in [f64::NAN, f64::INFINITY, -1.0, 20_000.5] {
            let mut p = person();
            p.max_travel_km = Some(km);
            assert_eq!(fields_of(&p), ["max_travel_km"], "{km}");
        }
    }

    #[test]
    fn scores_and_age_off_their_scales_are_refused() {
        let mut p = person();
        p.readiness = Some(200);
        p.self_efficacy = Some(0);
        p.age = Some(121);
        assert_eq!(fields_of(&p), ["age", "self_efficacy", "readiness"]);
        let err = p.validate().unwrap_err();
        assert_eq!(err.problems()[2].message, "200 is outside 1 to 10");
    }

    #[test]
    fn empty_id_and_availability_and_a_point_off_the_earth_are_refused() {
        let mut p = person();
        p.id = " ".into();
        p.availability.clear();
        p.location = Some(crate::GeoPoint {
            latitude: f64::NAN,
            longitude: 200.0,
        });
        assert_eq!(
            fields_of(&p),
            ["id", "availability", "latitude", "longitude"]
        );
    }

    #[test]
    fn required_gender_specific_needs_a_gender() {
        let mut p = person();
        p.gender = Gender::Unspecified;
        p.gender_specific = GenderSpecific::Required;
        assert_eq!(fields_of(&p), ["gender_specific"]);
    }

    #[test]
    fn a_stage_is_for_a_person_in_recovery_and_family_fields_for_a_family_member() {
        let mut p = person();
        p.stage = None;
        p.relationship = Some(Relationship::Parent);
        p.family_aim = Some(FamilyAim::Both);
        assert_eq!(fields_of(&p), ["stage", "relationship", "family_aim"]);
        p.role = Role::FamilyMember;
        assert!(p.validate().is_ok());
        assert!(!p.in_early_recovery());
        p.stage = Some(Stage::Early);
        assert_eq!(fields_of(&p), ["stage"]);
        assert_eq!(
            p.validate().unwrap_err().problems()[0].message,
            "a family member has no recovery stage; leave it out"
        );
    }

    #[test]
    fn a_family_member_reads_from_json_without_a_stage() {
        let p: Person = serde_json::from_str(
            r#"{"id": "f1", "role": "family_member", "relationship": "partner",
                "family_aim": "loved_one_treatment", "approach_preference": "no_preference",
                "format_preference": "either", "availability": ["Mon 18:00-22:00"],
                "timezone": "UTC"}"#,
        )
        .unwrap();
        assert_eq!(
            (p.role, p.stage, p.relationship, p.family_aim),
            (
                Role::FamilyMember,
                None,
                Some(Relationship::Partner),
                Some(FamilyAim::LovedOneTreatment)
            )
        );
        let err = serde_json::from_str::<Person>(
            r#"{"id": "p1", "approach_preference": "no_preference",
                "format_preference": "either", "availability": ["Mon 18:00-22:00"],
                "timezone": "UTC"}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("stage: missing (required for a person in recovery"),
            "{err}"
        );
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Person>(&json).unwrap(), p);
    }

    #[test]
    fn a_person_round_trips_through_serde() {
        let mut p = person();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""can_pay":true"#), "{json}");
        assert_eq!(serde_json::from_str::<Person>(&json).unwrap(), p);
        p.can_pay = false;
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""can_pay":false"#), "{json}");
        assert_eq!(serde_json::from_str::<Person>(&json).unwrap(), p);
    }

    #[test]
    fn can_pay_is_true_unless_the_person_says_not_and_must_be_a_boolean() {
        let mut v = serde_json::to_value(person()).unwrap();
        assert!(serde_json::from_value::<Person>(v.clone()).unwrap().can_pay);
        v["can_pay"] = "no".into();
        assert!(!serde_json::from_value::<Person>(v.clone()).unwrap().can_pay);
        v["can_pay"] = "sometimes".into();
        let err = serde_json::from_value::<Person>(v).unwrap_err().to_string();
        assert!(
            err.contains("can_pay: 'sometimes' is not a boolean"),
            "{err}"
        );
    }

    #[test]
    fn deserialising_applies_the_readers_checks() {
        let mut v = serde_json::to_value(person()).unwrap();
        v["readiness"] = 200.into();
        v["languages"] = serde_json::json!(["xx"]);
        let err = serde_json::from_value::<Person>(v).unwrap_err().to_string();
        assert!(err.contains("readiness: 200 is outside 1 to 10"), "{err}");
        assert!(err.contains("languages: unknown language 'xx'"), "{err}");
    }

    #[test]
    fn a_waitlist_entry_needs_a_date() {
        let v = serde_json::to_value(person()).unwrap();
        let err = serde_json::from_value::<WaitlistEntry>(v)
            .unwrap_err()
            .to_string();
        assert!(err.contains("waiting_since: missing"), "{err}");
    }

    #[test]
    fn ids_and_lists_past_the_limits_are_refused() {
        let mut p = person();
        p.id = "x".repeat(5_000_000);
        p.needs = vec![crate::Need::Trauma; crate::limits::MAX_LIST_ITEMS + 1];
        assert_eq!(fields_of(&p), ["id", "needs"]);
        let err = p.validate().unwrap_err();
        assert_eq!(
            err.problems()[0].message,
            "5000000 bytes long; an id has at most 128"
        );
        p.id = "p\u{0}".into();
        p.needs.clear();
        assert_eq!(fields_of(&p), ["id"]);
    }
}
