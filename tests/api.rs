//! The public API never panics on a value a caller can pass: `Engine::new`, `EngineBuilder::build`,
//! `Engine::rank`, `Engine::explain` and `match_waitlist` called with arbitrary groups, people and
//! options built field by field in Rust return `Ok`, or an error whose problems are not empty and
//! each name a field.

use chrono::{DateTime, NaiveDate, Utc};
use groupmatch::matching::{match_waitlist, Hold, MatchOptions, Priorities, PriorityPolicy};
use groupmatch::*;
use proptest::prelude::*;

/// Any f64, NaN and infinities included, with the edges more often than chance.
fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(1.0),
        Just(f64::MAX),
        -1e12f64..1e12,
        any::<f64>(),
    ]
}

fn any_usize() -> impl Strategy<Value = usize> {
    prop_oneof![
        1 => Just(0usize),
        1 => Just(usize::MAX),
        1 => Just(usize::MAX / 2),
        4 => 1usize..100
    ]
}

/// Any instant chrono can hold, and ordinary ones more often.
fn any_now() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        3 => (1_700_000_000i64..1_900_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => any::<i64>().prop_map(|s| DateTime::from_timestamp(s / 1000, 0)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)),
    ]
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    (0..all.len()).prop_map(move |i| all[i])
}

fn any_window() -> impl Strategy<Value = Window> {
    (0u8..7, 0u16..1439, 1u16..=1440).prop_map(|(day, start, end)| {
        Window::new(day, start.min(end - 1), end.max(start + 1)).unwrap()
    })
}

/// A person built field by field, every field any value its type can hold.
fn any_person_core() -> impl Strategy<Value = Person> {
    let who = (
        prop_oneof![
            1 => Just(String::new()),
            1 => Just(" ".to_string()),
            6 => "[a-z0-9-]{1,8}"
        ],
        // A role and a stage that go together, more often than not.
        prop_oneof![
            6 => pick(Stage::ALL).prop_map(|s| (Role::InRecovery, Some(s))),
            2 => Just((Role::FamilyMember, None)),
            1 => (pick(Role::ALL), prop::option::of(pick(Stage::ALL))),
        ],
        pick(ApproachPreference::ALL),
        any::<bool>(),
        pick(FormatPreference::ALL),
        prop::collection::vec(any_window(), 0..4),
        prop_oneof![
            Just(chrono_tz::UTC),
            Just(chrono_tz::America::New_York),
            Just(chrono_tz::Pacific::Kiritimati)
        ],
        prop::option::of(prop_oneof![
            (39.0f64..41.0, -76.0f64..-74.0),
            (any_f64(), any_f64())
        ]),
        prop::option::of(prop_oneof![0.0f64..50.0, any_f64()]),
        prop::collection::vec(
            prop_oneof![Just("en"), Just("es"), Just("fr")].prop_map(|l| l.parse().unwrap()),
            0..4,
        ),
    );
    let what = (
        pick(Gender::ALL),
        pick(GenderSpecific::ALL),
        prop::option::of(prop_oneof![0u8..=120, any::<u8>()]),
        any::<bool>(),
        prop::sample::subsequence(Need::ALL.to_vec(), 0..3),
        prop::option::of(prop_oneof![1u8..=10, any::<u8>()]),
        prop::option::of(prop_oneof![1u8..=10, any::<u8>()]),
        prop::option::of(any::<bool>()),
    );
    (who, what).prop_map(
        |(
            (
                id,
                (role, stage),
                approach,
                strict,
                format,
                availability,
                timezone,
                place,
                travel,
                languages,
            ),
            (gender, gender_specific, age, lgbtq, needs, efficacy, readiness, network),
        )| Person {
            id,
            role,
            stage,
            relationship: None,
            family_aim: None,
            approach_preference: approach,
            approach_strict: strict,
            format_preference: format,
            availability,
            timezone,
            location: place.map(|(latitude, longitude)| GeoPoint {
                latitude,
                longitude,
            }),
            place: None,
            max_travel_km: travel,
            languages,
            gender,
            gender_specific,
            audience_preference: Vec::new(),
            age,
            lgbtq,
            veteran: false,
            needs,
            can_pay: true,
            risks: Vec::new(),
            substances: Vec::new(),
            primary_substance: None,
            medication: Medication::None,
            goal: None,
            facilitation_preference: FacilitationPreference::Either,
            self_efficacy: efficacy,
            readiness,
            social_support: None,
            network_supports_use: network,
            prior: Vec::new(),
        },
    )
}

/// A group built field by field, every field any value its type can hold, valid more often than
/// not; ids from a small set, so directories repeat them.
fn any_group_core() -> impl Strategy<Value = Group> {
    let what = (
        prop_oneof![
            1 => Just(String::new()),
            1 => Just(" ".to_string()),
            8 => "g[0-9]{1,2}"
        ],
        prop_oneof![1 => Just(" ".to_string()), 8 => "[A-Za-z]{1,10}"],
        pick(Approach::ALL),
        pick(Orientation::ALL),
        pick(Format::ALL),
        pick(Facilitation::ALL),
        prop_oneof![
            1 => Just(Vec::new()),
            6 => prop::collection::vec(any_window(), 1..4)
        ],
        prop_oneof![
            Just(chrono_tz::UTC),
            Just(chrono_tz::America::New_York),
            Just(chrono_tz::Pacific::Kiritimati)
        ],
        prop::option::of(prop_oneof![
            8 => (39.0f64..41.0, -76.0f64..-74.0),
            1 => (any_f64(), any_f64())
        ]),
        prop_oneof![
            1 => Just(Vec::new()),
            6 => prop::collection::vec(
                prop_oneof![Just("en"), Just("es"), Just("fr")].prop_map(|l| l.parse().unwrap()),
                1..3,
            )
        ],
    );
    let who = (
        prop::sample::subsequence(Audience::ALL.to_vec(), 0..2),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        prop::sample::subsequence(Need::ALL.to_vec(), 0..3),
        prop::sample::subsequence(Substance::ALL.to_vec(), 0..2),
        prop::option::of(prop_oneof![8 => 0u32..20, 1 => any::<u32>()]),
        prop_oneof![8 => 0u32..25, 1 => any::<u32>()],
        prop::option::of(prop_oneof![
            6 => (0.0f64..20.0).prop_map(|amount| Cost::Amount { amount, currency: None }),
            1 => any_f64().prop_map(|amount| Cost::Amount { amount, currency: Some(Currency::Eur) }),
            2 => pick(&[Cost::Free, Cost::Donation, Cost::SlidingScale, Cost::Insurance]),
        ]),
        pick(Serves::ALL),
    );
    (what, who).prop_map(
        |(
            (
                id,
                name,
                approach,
                orientation,
                format,
                facilitation,
                sessions,
                timezone,
                place,
                languages,
            ),
            (
                audience,
                closed,
                beginner_friendly,
                needs,
                substances,
                capacity,
                enrolled,
                cost,
                serves,
            ),
        )| Group {
            id,
            name,
            approach,
            fellowship: None,
            orientation,
            format,
            facilitation,
            serves,
            sessions: sessions.into_iter().map(Session::weekly).collect(),
            timezone,
            location: place.map(|(latitude, longitude)| GeoPoint {
                latitude,
                longitude,
            }),
            city: None,
            languages,
            audience,
            min_age: None,
            max_age: None,
            closed,
            beginner_friendly,
            focus: needs.clone(),
            accessibility: needs,
            substances,
            medication_stance: MedicationStance::Unknown,
            abstinence_required: None,
            newcomer_contact: None,
            requires: Vec::new(),
            capacity,
            enrolled,
            cost,
            url: None,
            address: None,
            phone: None,
            join_url: None,
            listing: groupmatch::Listing::default(),
        },
    )
}

/// A person from [`any_person_core`] with any of the fields about substances, medication,
/// goal and audience wishes (a main substance outside their substances is invalid).
fn any_person() -> impl Strategy<Value = Person> {
    (
        any_person_core(),
        prop::collection::vec(pick(Substance::ALL), 0..3),
        prop::option::weighted(0.15, 0usize..3),
        pick(Medication::ALL),
        prop::option::of(pick(Goal::ALL)),
        prop::collection::vec(pick(Audience::ALL), 0..3),
    )
        .prop_map(
            |(p, substances, primary, medication, goal, wishes)| Person {
                // Mostly one of their substances; past the list, any (often invalid).
                primary_substance: primary.map(|i| {
                    substances
                        .get(i)
                        .copied()
                        .unwrap_or(Substance::ALL[i % Substance::ALL.len()])
                }),
                substances,
                medication,
                goal,
                audience_preference: wishes,
                ..p
            },
        )
}

/// A group from [`any_group_core`] with any fellowship, age limits (sometimes crossed),
/// medication stance, abstinence, newcomer contact and requirements.
fn any_group() -> impl Strategy<Value = Group> {
    (
        any_group_core(),
        prop::option::of(pick(Fellowship::ALL)),
        prop::option::of(prop_oneof![8 => 0u8..=30, 1 => 121u8..=255]),
        prop::option::of(prop_oneof![8 => 13u8..=120, 1 => any::<u8>()]),
        pick(MedicationStance::ALL),
        prop::option::of(any::<bool>()),
        prop::option::of(prop_oneof![
            6 => Just("call 555-0100".to_string()),
            1 => Just("a\u{7}b".to_string())
        ]),
        prop::collection::vec(pick(Requirement::ALL), 0..3),
    )
        .prop_map(
            |(g, fellowship, min_age, max_age, stance, abstinence, contact, requires)| Group {
                fellowship,
                min_age,
                max_age,
                medication_stance: stance,
                abstinence_required: abstinence,
                newcomer_contact: contact,
                requires,
                ..g
            },
        )
}

/// Whether `Engine::new` should take `groups`: each valid, no id twice.
fn valid_directory(groups: &[Group]) -> bool {
    let ids: std::collections::HashSet<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    ids.len() == groups.len() && groups.iter().all(|g| g.validate().is_ok())
}

fn any_entry() -> impl Strategy<Value = WaitlistEntry> {
    // Known codes, and one no match declares (refused with the entry's place, never a panic).
    let code = prop::sample::select(vec!["pregnant", "injects_drugs", "not_declared"]);
    (
        any_person(),
        -100_000i32..100_000,
        prop::collection::vec(code, 0..3),
    )
        .prop_map(|(person, days, codes)| WaitlistEntry {
            person,
            waiting_since: NaiveDate::from_num_days_from_ce_opt(739_000 + days).unwrap(),
            priority: codes.iter().map(|c| c.parse().unwrap()).collect(),
        })
}

/// Ok, or problems that are not empty and each name a field.
fn refused_properly<T>(result: Result<T>) -> std::result::Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.problems().is_empty(), "{e}");
        for p in e.problems() {
            prop_assert!(p.field.is_some(), "{e}");
        }
    }
    Ok(())
}

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(Engine::embedded)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rank_never_panics(
        person in any_person(),
        top in prop::option::of(any_usize()),
        now in any_now(),
        detail in pick(&[ExcludedDetail::None, ExcludedDetail::Counts, ExcludedDetail::Full]),
    ) {
        let options = RankOptions::new(top, now).with_excluded(detail);
        let result = engine().rank(&person, &options);
        prop_assert_eq!(result.is_ok(), person.validate().is_ok() && options.validate().is_ok());
        refused_properly(result)?;
    }

    #[test]
    fn explain_never_panics(person in any_person(), now in any_now(), group in 0usize..400) {
        let id = engine().groups()[group % engine().groups().len()].id.clone();
        let result = engine().explain(&person, &id, now);
        let now_ok = RankOptions::new(None, now).validate().is_ok();
        prop_assert_eq!(result.is_ok(), person.validate().is_ok() && now_ok);
        refused_properly(result)?;
    }

    #[test]
    fn match_waitlist_never_panics(
        waitlist in prop::collection::vec(any_entry(), 0..4),
        min_score in any_f64(),
        wait_weight in any_f64(),
        alternates in any_usize(),
        candidates in any_usize(),
        now in any_now(),
        bonus in any_f64(),
        holds in prop::collection::vec((0usize..5, prop::sample::select(vec!["aa-0002", "aa-0003", "none"])), 0..4),
    ) {
        // Weighted priority with a bonus of any number; holds of people on the list or not,
        // in groups of the directory or not.
        let mut priorities = Priorities { policy: PriorityPolicy::Weighted, ..Priorities::default() };
        priorities.tiers[0].bonus = Some(bonus);
        let holds = holds
            .into_iter()
            .map(|(p, g)| Hold {
                person_id: waitlist.get(p).map_or("nobody".into(), |e| e.person.id.clone()),
                group_id: g.to_string(),
            })
            .collect();
        let options = MatchOptions { min_score, wait_weight, alternates, candidates, now, priorities, holds };
        let result = match_waitlist(engine(), &waitlist, &options);
        if let Ok(r) = &result {
            prop_assert_eq!(r.rows.len(), waitlist.len());
            prop_assert!(options.validate().is_ok());
        }
        refused_properly(result)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn engines_over_arbitrary_groups_never_panic(
        groups in prop::collection::vec(any_group(), 0..5),
        person in any_person(),
        waitlist in prop::collection::vec(any_entry(), 0..3),
        now in any_now(),
    ) {
        let valid = valid_directory(&groups);
        let built = Engine::new(groups.clone(), EngagementModel::prior());
        let loaded = EngineBuilder::new().groups(groups.clone()).build();
        prop_assert_eq!(built.is_ok(), valid);
        prop_assert_eq!(loaded.is_ok(), valid);
        let (built, loaded) = match (built, loaded) {
            (Ok(built), Ok(loaded)) => (built, loaded.value),
            (built, loaded) => {
                for e in [built.err(), loaded.err()].into_iter().flatten() {
                    for p in e.problems() {
                        prop_assert!(p.line.is_some_and(|l| (1..=groups.len() as u64).contains(&l)), "{e}");
                    }
                    refused_properly::<()>(Err(e))?;
                }
                return Ok(());
            }
        };
        let options = RankOptions::new(None, now);
        let person_ok = person.validate().is_ok() && options.validate().is_ok();
        for engine in [&built, &loaded] {
            let ranking = engine.rank(&person, &options);
            prop_assert_eq!(ranking.is_ok(), person_ok);
            refused_properly(ranking)?;
            for g in engine.groups() {
                let explanation = engine.explain(&person, &g.id, now);
                prop_assert_eq!(explanation.is_ok(), person_ok);
                refused_properly(explanation)?;
            }
            let result = match_waitlist(engine, &waitlist, &MatchOptions::new(now));
            if let Ok(r) = &result {
                prop_assert_eq!(r.rows.len(), waitlist.len());
            }
            refused_properly(result)?;
        }
    }
}

#[test]
fn the_arbitrary_directories_are_often_valid_so_the_ok_paths_are_exercised() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let directories = prop::collection::vec(any_group(), 0..5);
    let valid = (0..400)
        .filter(|_| valid_directory(&directories.new_tree(&mut runner).unwrap().current()))
        .count();
    assert!((100..=360).contains(&valid), "{valid} of 400 valid");
}

#[test]
fn a_group_built_in_rust_without_sessions_is_refused_with_its_place() {
    let mut groups = embedded_groups();
    groups[4].sessions.clear();
    for err in [
        Engine::new(groups.clone(), EngagementModel::prior()).unwrap_err(),
        EngineBuilder::new().groups(groups).build().unwrap_err(),
    ] {
        let p = &err.problems()[0];
        assert_eq!((p.line, p.field.as_deref()), (Some(5), Some("sessions")));
        assert!(
            err.to_string().starts_with("groups:5: sessions: missing"),
            "{err}"
        );
    }
}

#[test]
fn the_arbitrary_people_are_often_valid_so_the_ok_paths_are_exercised() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let valid = (0..400)
        .filter(|_| {
            let p = any_person().new_tree(&mut runner).unwrap().current();
            p.validate().is_ok()
        })
        .count();
    assert!(valid > 40, "{valid} of 400 valid");
}

#[test]
fn a_person_built_in_rust_without_languages_is_refused_everywhere() {
    let mut person: Person = serde_json::from_str(
        r#"{"id": "p1", "stage": "early", "approach_preference": "secular",
            "format_preference": "online", "availability": ["Mon 00:00-24:00"],
            "timezone": "America/New_York"}"#,
    )
    .unwrap();
    person.languages.clear();
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let named = |e: Error| e.problems()[0].field.clone().unwrap();
    let rank = engine().rank(&person, &RankOptions::new(None, now));
    assert_eq!(named(rank.unwrap_err()), "languages");
    let id = &engine().groups()[0].id;
    assert_eq!(
        named(engine().explain(&person, id, now).unwrap_err()),
        "languages"
    );
    let entry = WaitlistEntry {
        person,
        waiting_since: now.date_naive(),
        priority: Vec::new(),
    };
    let err = match_waitlist(engine(), &[entry], &MatchOptions::new(now)).unwrap_err();
    assert_eq!(err.problems()[0].line, Some(1), "the entry's place");
    assert_eq!(named(err), "languages");
}
