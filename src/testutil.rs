//! Builders for unit tests: a plain person and group that pass every constraint, to be changed
//! one field at a time.

use chrono::{DateTime, Utc};

use crate::domain::cost::{Cost, Currency};
use crate::domain::geo::GeoPoint;
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::*;

/// Thursday 2026-11-26 12:00 UTC (07:00 in New York).
pub fn now() -> DateTime<Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

/// Center City Philadelphia.
pub fn center_city() -> GeoPoint {
    GeoPoint::new(39.9526, -75.1652).unwrap()
}

/// An in-person 12-step group in Center City, Mondays and Thursdays at 19:00 New York time.
pub fn group(id: &str) -> Group {
    Group {
        id: id.to_string(),
        name: format!("Group {id}"),
        approach: Approach::TwelveStep,
        fellowship: None,
        orientation: Orientation::Spiritual,
        format: Format::InPerson,
        facilitation: Facilitation::Peer,
        serves: Serves::InRecovery,
        sessions: vec![
            "Mon 19:00-20:00".parse().unwrap(),
            "Thu 19:00-20:00".parse().unwrap(),
        ],
        timezone: chrono_tz::America::New_York,
        location: Some(center_city()),
        city: Some("Philadelphia".into()),
        languages: vec![Language::ENGLISH],
        audience: vec![],
        min_age: None,
        max_age: None,
        closed: None,
        beginner_friendly: false,
        focus: vec![],
        accessibility: vec![],
        substances: vec![],
        medication_stance: MedicationStance::Unknown,
        abstinence_required: None,
        newcomer_contact: None,
        requires: Vec::new(),
        capacity: None,
        enrolled: 0,
        cost: None,
        url: None,
        address: None,
        phone: None,
        join_url: None,
        listing: crate::Listing::default(),
    }
}

/// A person in Center City, free weekday evenings, no preferences.
pub fn person() -> Person {
    Person {
        id: "p-test".into(),
        role: Role::InRecovery,
        stage: Some(Stage::FirstYear),
        relationship: None,
        family_aim: None,
        approach_preference: ApproachPreference::NoPreference,
        approach_strict: false,
        format_preference: FormatPreference::Either,
        availability: ["Mon", "Tue", "Wed", "Thu", "Fri"]
            .iter()
            .map(|d| format!("{d} 18:00-22:00").parse().unwrap())
            .collect(),
        timezone: chrono_tz::America::New_York,
        location: Some(center_city()),
        place: None,
        max_travel_km: Some(15.0),
        languages: vec![Language::ENGLISH],
        gender: Gender::Unspecified,
        gender_specific: GenderSpecific::No,
        audience_preference: vec![],
        age: Some(40),
        lgbtq: false,
        veteran: false,
        needs: vec![],
        can_pay: true,
        risks: vec![],
        substances: vec![],
        primary_substance: None,
        medication: Medication::None,
        goal: None,
        facilitation_preference: FacilitationPreference::Either,
        self_efficacy: None,
        readiness: None,
        social_support: None,
        network_supports_use: None,
        prior: vec![],
    }
}

/// A group's cost of every kind that is no fee: unknown, the four words, and an amount of 0.
pub fn costs_without_a_fee() -> [Option<Cost>; 6] {
    [
        None,
        Some(Cost::Free),
        Some(Cost::Donation),
        Some(Cost::SlidingScale),
        Some(Cost::Insurance),
        Some(Cost::Amount {
            amount: 0.0,
            currency: Some(Currency::Usd),
        }),
    ]
}

/// Each problem's line and field, for comparing with a list.
pub fn lines_and_fields(problems: &[crate::Problem]) -> Vec<(u64, String)> {
    lines_and_fields_of(problems)
}

/// Asserts that `problems` is one refused `timezone` at `line` whose message holds every one of
/// `says`.
pub fn assert_timezone_refused(problems: &[crate::Problem], line: u64, says: &[&str]) {
    assert_eq!(
        lines_and_fields_of(problems),
        [(line, "timezone".to_string())]
    );
    for needle in says {
        assert!(
            problems[0].message.contains(needle),
            "{needle}: {}",
            problems[0].message
        );
    }
}

fn lines_and_fields_of(problems: &[crate::Problem]) -> Vec<(u64, String)> {
    problems
        .iter()
        .map(|p| (p.line.unwrap_or(0), p.field.clone().unwrap_or_default()))
        .collect()
}
