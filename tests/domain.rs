//! Domain truth on the embedded directory (issue 14): fellowships and substances, closed
//! meetings, medication for opioid use disorder, people under 18, the default travel limit and
//! the wishes a person states. Each test ranks people through the library with the embedded
//! directory, model and rules, as `groupmatch rank` does.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use groupmatch::*;

/// A fixed instant, so next sessions and time-zone offsets do not depend on the day.
fn now() -> DateTime<Utc> {
    "2026-12-07T12:00:00Z".parse().unwrap()
}

fn engine() -> Engine {
    EngineBuilder::new().build().unwrap().value
}

/// A person in recovery in North Philadelphia, free every evening and Saturday, with `extra`
/// fields (JSON object members) on top.
fn person(extra: &str) -> Person {
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .map(|d| format!("\"{d} 06:00-23:00\""))
        .join(", ");
    let base = format!(
        r#""id": "p-domain", "stage": "first_year", "approach_preference": "no_preference",
        "format_preference": "either", "timezone": "America/New_York",
        "latitude": 39.9925, "longitude": -75.1289, "max_travel_km": 30,
        "availability": [{days}]"#
    );
    let json = if extra.is_empty() {
        format!("{{{base}}}")
    } else {
        format!("{{{base}, {extra}}}")
    };
    serde_json::from_str(&json).unwrap()
}

fn rank(engine: &Engine, p: &Person) -> Ranking {
    let mut options = RankOptions::new(None, now());
    options.excluded = ExcludedDetail::Full;
    engine.rank(p, &options).unwrap()
}

/// `group_id -> exclusion codes` of a ranking.
fn exclusions(r: &Ranking) -> HashMap<String, Vec<ExclusionCode>> {
    r.excluded
        .groups()
        .iter()
        .map(|e| {
            (
                e.group_id.clone(),
                e.reasons.iter().map(|x| x.code).collect(),
            )
        })
        .collect()
}

fn group<'a>(engine: &'a Engine, id: &str) -> &'a Group {
    engine.groups().iter().find(|g| g.id == id).unwrap()
}

#[test]
fn na_and_ca_meetings_take_any_substance_and_carry_no_penalty_for_an_alcohol_only_person() {
    let e = engine();
    for id in ["na-0001", "na-0041"] {
        let g = group(&e, id);
        assert!(g.substances.is_empty(), "{id}");
        assert!(matches!(
            g.fellowship,
            Some(Fellowship::Na | Fellowship::Ca)
        ));
    }
    let p = person(r#""substances": ["alcohol"]"#);
    let r = rank(&e, &p);
    let na: Vec<&Suggestion> = r
        .suggestions
        .iter()
        .filter(|s| s.group_id.starts_with("na-00"))
        .collect();
    assert!(na.len() > 10, "{}", na.len());
    for s in na {
        assert!(
            s.explanation
                .iter()
                .all(|x| !x.text.contains("not your substances")),
            "{}: {:?}",
            s.group_id,
            s.explanation
        );
    }
}

#[test]
fn closed_aa_meetings_are_not_offered_to_a_person_who_uses_only_opioids() {
    let e = engine();
    let closed_aa: Vec<&Group> = e
        .groups()
        .iter()
        .filter(|g| g.fellowship == Some(Fellowship::Aa) && g.closed == Some(true))
        .collect();
    assert!(closed_aa.len() > 20, "{}", closed_aa.len());
    let r = rank(&e, &person(r#""substances": ["opioids"]"#));
    let codes = exclusions(&r);
    for g in &closed_aa {
        assert!(
            codes[&g.id].contains(&ExclusionCode::ClosedMeeting),
            "{}",
            g.id
        );
    }
    // Open AA meetings are still offered.
    assert!(r
        .suggestions
        .iter()
        .any(|s| group(&e, &s.group_id).fellowship == Some(Fellowship::Aa)));
    // A person who also drinks is not excluded from them.
    let r = rank(&e, &person(r#""substances": ["opioids", "alcohol"]"#));
    assert!(exclusions(&r)
        .values()
        .all(|c| !c.contains(&ExclusionCode::ClosedMeeting)));
}

#[test]
fn medication_never_lowers_a_score_and_excludes_only_meetings_that_limit_sharing() {
    let e = engine();
    let without = rank(&e, &person(r#""substances": ["opioids"]"#));
    let with = rank(
        &e,
        &person(r#""substances": ["opioids"], "medication": "buprenorphine""#),
    );
    let codes = exclusions(&with);
    for id in ["na-0010", "na-0023"] {
        assert_eq!(
            group(&e, id).medication_stance,
            MedicationStance::LimitsSharing
        );
        assert!(codes[id].contains(&ExclusionCode::Medication), "{id}");
    }
    let scores: HashMap<&str, f64> = without
        .suggestions
        .iter()
        .map(|s| (s.group_id.as_str(), s.score))
        .collect();
    for s in &with.suggestions {
        assert_eq!(scores[s.group_id.as_str()], s.score, "{}", s.group_id);
        let stance = group(&e, &s.group_id).medication_stance;
        let note = s.notes.first().expect("a note on medication");
        match stance {
            MedicationStance::Welcoming => assert!(note.starts_with("Welcomes"), "{note}"),
            _ => assert!(note.contains("ask first"), "{note}"),
        }
    }
    assert!(without.suggestions.iter().all(|s| s.notes.is_empty()));
}

#[test]
fn a_person_under_18_is_offered_youth_groups_only_and_told_where_to_look() {
    let e = engine();
    let r = rank(&e, &person(r#""age": 16"#));
    let ids: Vec<&str> = r.suggestions.iter().map(|s| s.group_id.as_str()).collect();
    assert_eq!(ids, ["pro-teen-001"]);
    assert!(r.under_18.as_deref().unwrap().contains("Youth programmes"));
    // A young family member is offered Alateen.
    let json = r#"{"id": "p-teen", "role": "family_member", "age": 15,
        "approach_preference": "no_preference", "format_preference": "either",
        "timezone": "America/New_York", "latitude": 39.95, "longitude": -75.16,
        "availability": ["Tue 17:00-21:00"]}"#;
    let teen: Person = serde_json::from_str(json).unwrap();
    let r = rank(&e, &teen);
    let ids: Vec<&str> = r.suggestions.iter().map(|s| s.group_id.as_str()).collect();
    assert_eq!(ids, ["fam-005"]);
    assert!(r.under_18.as_deref().unwrap().contains("Alateen"));
    // At 18 the line goes and adult groups come back.
    let r = rank(&e, &person(r#""age": 18"#));
    assert_eq!(r.under_18, None);
    assert!(r.suggestions.len() > 50);
}

#[test]
fn without_a_travel_limit_no_room_farther_than_the_default_is_a_trip() {
    let e = engine();
    let mut p = person("");
    p.max_travel_km = None;
    let r = rank(&e, &p);
    for s in &r.suggestions {
        if let Some(km) = s.distance_km {
            assert!(km <= DEFAULT_TRAVEL_KM, "{} at {km} km", s.group_id);
        }
    }
    assert!(exclusions(&r)
        .values()
        .any(|c| c.contains(&ExclusionCode::Distance)));
}

#[test]
fn a_meeting_of_the_fellowship_for_the_main_substance_is_favoured_a_little() {
    let e = engine();
    let p = person(
        r#""substances": ["methamphetamine", "alcohol"], "primary_substance": "methamphetamine""#,
    );
    let r = rank(&e, &p);
    let cma = r
        .suggestions
        .iter()
        .find(|s| s.group_id == "na-0046")
        .expect("the Crystal Meth Anonymous meeting is suggested");
    let rule = cma
        .explanation
        .iter()
        .find(|x| x.id == "fellowship-of-main-substance")
        .expect("the rule fired");
    assert_eq!(rule.contribution, 0.1);
    // No AA meeting gets it: alcohol is not the main substance.
    for s in &r.suggestions {
        if group(&e, &s.group_id).fellowship == Some(Fellowship::Aa) {
            assert!(s
                .explanation
                .iter()
                .all(|x| x.id != "fellowship-of-main-substance"));
        }
    }
}

#[test]
fn a_newcomer_contact_and_a_groups_requirements_are_shown_as_next_steps() {
    let e = engine();
    let r = rank(&e, &person(""));
    let na = r
        .suggestions
        .iter()
        .find(|s| s.group_id == "na-0005")
        .unwrap();
    assert!(na.next_steps[0].starts_with("Newcomer contact: phone 215-555-0142"));
    let cbt = r
        .suggestions
        .iter()
        .find(|s| s.group_id == "pro-cbt-001")
        .unwrap();
    assert_eq!(
        cbt.next_steps,
        ["Needed before the first session: an intake appointment, insurance cover (check it)"]
    );
}

/// The contribution of rule `id` to suggestion `group_id` of a ranking, if it fired.
fn rule_term(r: &Ranking, group_id: &str, id: &str) -> Option<f64> {
    let s = r.suggestions.iter().find(|s| s.group_id == group_id)?;
    s.explanation
        .iter()
        .find(|x| x.id == id)
        .map(|x| x.contribution)
}

#[test]
fn a_reducing_goal_favours_groups_without_an_abstinence_requirement_and_never_lowers_others() {
    let e = engine();
    let rule = "reducing-goal-without-an-abstinence-requirement";
    let reducing = rank(&e, &person(r#""goal": "reducing""#));
    let abstinence = rank(&e, &person(r#""goal": "abstinence""#));
    assert_eq!(group(&e, "smart-001").abstinence_required, Some(false));
    assert_eq!(rule_term(&reducing, "smart-001", rule), Some(0.1));
    assert_eq!(rule_term(&abstinence, "smart-001", rule), None);
    // A group that asks for abstinence scores the same whatever the goal.
    let score = |r: &Ranking, id: &str| {
        r.suggestions
            .iter()
            .find(|s| s.group_id == id)
            .unwrap()
            .score
    };
    assert_eq!(group(&e, "na-0001").abstinence_required, Some(true));
    assert_eq!(score(&reducing, "na-0001"), score(&abstinence, "na-0001"));
}

#[test]
fn a_wish_for_a_women_only_group_favours_one_without_excluding_the_others() {
    let e = engine();
    let rule = "women-only-group-when-wished";
    let base = r#""gender": "woman", "latitude": 39.9526, "longitude": -75.1652"#;
    let without = rank(&e, &person(base));
    let with = rank(
        &e,
        &person(&format!(r#"{base}, "audience_preference": ["women"]"#)),
    );
    assert_eq!(without.suggestions.len(), with.suggestions.len());
    let women: Vec<&str> = with
        .suggestions
        .iter()
        .filter(|s| group(&e, &s.group_id).audience.contains(&Audience::Women))
        .map(|s| s.group_id.as_str())
        .collect();
    assert!(!women.is_empty());
    for id in women {
        assert_eq!(rule_term(&with, id, rule), Some(0.1), "{id}");
        assert_eq!(rule_term(&without, id, rule), None, "{id}");
    }
}
