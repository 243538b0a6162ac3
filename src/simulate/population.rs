//! Synthetic groups and people for one metro area, drawn from documented proportions.
//!
//! Every draw comes from a ChaCha8 stream seeded by (seed, purpose, index), so the same seed gives
//! the same directory and people on any machine and with any number of threads.

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::domain::cost::Cost;
use crate::domain::geo::GeoPoint;
use crate::domain::group::Group;
use crate::domain::person::{Person, Prior};
use crate::domain::recurrence::Session;
use crate::domain::schedule::Window;
use crate::domain::vocab::*;

/// Centre of the simulated metro area (Philadelphia City Hall).
const CENTRE: (f64, f64) = (39.9526, -75.1652);
/// The metro area's zone.
const METRO_ZONE: Tz = chrono_tz::America::New_York;

/// Picks one item by weight.
pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0.0..total);
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A point within about `radius_km` of the centre, denser near it.
fn near_centre(rng: &mut ChaCha8Rng, radius_km: f64) -> GeoPoint {
    let r = radius_km * libm::pow(rng.gen_range(0.0f64..1.0), 0.75);
    let angle = rng.gen_range(0.0..std::f64::consts::TAU);
    let lat = CENTRE.0 + r * libm::sin(angle) / 111.2;
    let lon = CENTRE.1 + r * libm::cos(angle) / (111.2 * libm::cos(CENTRE.0.to_radians()));
    GeoPoint::new(lat, lon).expect("near the centre")
}

fn window(day: u8, start: u16, end: u16) -> Window {
    Window::new(day, start, end).expect("valid simulated window")
}

/// A 1-10 score centred near 6, missing 8% of the time.
fn score(rng: &mut ChaCha8Rng) -> Option<u8> {
    if rng.gen_bool(0.08) {
        return None;
    }
    let s = (rng.gen_range(1..=10) + rng.gen_range(1..=10) + 1) / 2;
    Some(s as u8)
}

/// One synthetic group.
pub(crate) fn group(rng: &mut ChaCha8Rng, index: usize, reference: NaiveDate) -> Group {
    use Approach::*;
    let approach = pick(
        rng,
        &[
            (TwelveStep, 0.60),
            (SmartRecovery, 0.07),
            (Lifering, 0.02),
            (WomenForSobriety, 0.02),
            (RecoveryDharma, 0.03),
            (CelebrateRecovery, 0.03),
            (SecularOther, 0.02),
            (Cbt, 0.06),
            (Motivational, 0.03),
            (Psychoeducation, 0.03),
            (DualRecovery, 0.05),
            (FamilySupport, 0.03),
            (Other, 0.01),
        ],
    );
    let professional = matches!(approach, Cbt | Motivational | Psychoeducation)
        || (matches!(approach, DualRecovery | FamilySupport) && rng.gen_bool(0.5));
    let orientation = approach.default_orientation().unwrap_or_else(|| {
        pick(
            rng,
            &[(Orientation::Secular, 0.6), (Orientation::Spiritual, 0.4)],
        )
    });
    let format = pick(
        rng,
        &[
            (Format::InPerson, 0.68),
            (Format::Hybrid, 0.16),
            (Format::Online, 0.16),
        ],
    );
    let timezone = if format == Format::Online && rng.gen_bool(0.25) {
        pick(
            rng,
            &[
                (chrono_tz::America::Chicago, 0.5),
                (chrono_tz::America::Denver, 0.2),
                (chrono_tz::America::Los_Angeles, 0.3),
            ],
        )
    } else {
        METRO_ZONE
    };
    let n_sessions = if professional {
        rng.gen_range(1..=2)
    } else {
        pick(
            rng,
            &[(1, 0.45), (2, 0.25), (3, 0.15), (5, 0.10), (7, 0.05)],
        )
    };
    let start_hour = pick(
        rng,
        &[
            (7u16, 0.15),
            (12, 0.15),
            (17, 0.10),
            (18, 0.20),
            (19, 0.25),
            (20, 0.15),
        ],
    );
    let start = start_hour * 60 + if rng.gen_bool(0.3) { 30 } else { 0 };
    let duration = if rng.gen_bool(0.6) { 60 } else { 90 };
    let first_day: u8 = rng.gen_range(0..7);
    let mut sessions: Vec<Window> = (0..n_sessions)
        .map(|k| {
            window(
                ((u32::from(first_day) + k * 7 / n_sessions) % 7) as u8,
                start,
                start + duration,
            )
        })
        .collect();
    sessions.sort();
    sessions.dedup();
    let location = (format != Format::Online).then(|| near_centre(rng, 30.0));
    let languages: Vec<Language> = match pick(rng, &[(0, 0.88), (1, 0.08), (2, 0.03), (3, 0.01)]) {
        0 => vec![Language::ENGLISH],
        1 => vec!["es".parse().expect("code")],
        2 => vec![Language::ENGLISH, "es".parse().expect("code")],
        _ => vec!["pl".parse().expect("code")],
    };
    let mut audience = Vec::new();
    for (a, p) in [
        (
            Audience::Women,
            if approach == WomenForSobriety {
                1.0
            } else {
                0.10
            },
        ),
        (Audience::Men, 0.06),
        (Audience::Lgbtq, 0.04),
        (Audience::YoungPeople, 0.05),
        (Audience::Seniors, 0.02),
        (Audience::Veterans, 0.02),
    ] {
        if audience.is_empty() && rng.gen_bool(p) {
            audience.push(a);
        }
    }
    let mut focus = Vec::new();
    match approach {
        DualRecovery => focus.push(Need::CoOccurring),
        _ => {
            for (n, p) in [
                (Need::CoOccurring, 0.05),
                (Need::Trauma, 0.06),
                (Need::Grief, 0.02),
                (Need::ChronicPain, 0.02),
            ] {
                if rng.gen_bool(p) {
                    focus.push(n);
                }
            }
        }
    }
    let mut accessibility = Vec::new();
    if location.is_some() && rng.gen_bool(0.45) {
        accessibility.push(Need::Wheelchair);
    }
    if rng.gen_bool(if professional { 0.20 } else { 0.05 }) {
        accessibility.push(Need::Childcare);
    }
    if rng.gen_bool(0.02) {
        accessibility.push(Need::Asl);
    }
    let substances = if approach == TwelveStep {
        match pick(rng, &[(0, 0.60), (1, 0.30), (2, 0.10)]) {
            0 => vec![Substance::Alcohol],
            1 => vec![
                Substance::Opioids,
                Substance::Cocaine,
                Substance::Methamphetamine,
                Substance::Cannabis,
                Substance::Sedatives,
                Substance::Other,
            ],
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let capacity = professional.then(|| rng.gen_range(8..=16));
    let enrolled = capacity.map_or(0, |c| rng.gen_range(c / 3..=c));
    let mut group = Group {
        id: format!("sim-g{index:05}"),
        name: format!("{} group {index}", approach.as_str().replace('_', " ")),
        approach,
        fellowship: None,
        orientation,
        serves: approach.default_serves(),
        format,
        facilitation: if professional {
            Facilitation::Professional
        } else {
            Facilitation::Peer
        },
        sessions: Vec::new(),
        timezone,
        location,
        city: None,
        languages,
        audience,
        min_age: None,
        max_age: None,
        closed: None,
        beginner_friendly: rng.gen_bool(if professional { 0.5 } else { 0.3 }),
        focus,
        accessibility,
        substances,
        medication_stance: MedicationStance::Unknown,
        abstinence_required: None,
        newcomer_contact: None,
        requires: Vec::new(),
        capacity,
        enrolled,
        // An amount without a currency (0: free), drawn as before the words were read.
        cost: professional.then(|| Cost::Amount {
            amount: if rng.gen_bool(0.5) {
                0.0
            } else {
                f64::from(rng.gen_range(4..=12) * 5)
            },
            currency: None,
        }),
        url: None,
        address: None,
        phone: None,
        join_url: None,
        listing: crate::Listing::default(),
    };
    // Drawn last, so every other attribute is drawn as before calendars existed.
    group.sessions = calendar(rng, &group, &sessions, reference);
    group
}

/// The group's sessions as calendars have them (assumption: no census gives the shares): peer
/// groups mostly weekly, 10% fortnightly and 8% monthly on the first and third, or the last,
/// weekday; professional groups 35% in cohorts of 8 to 12 weekly sessions starting in the two
/// years before `reference` or the quarter after it.
fn calendar(
    rng: &mut ChaCha8Rng,
    group: &Group,
    weekly: &[Window],
    reference: NaiveDate,
) -> Vec<Session> {
    let professional = group.facilitation == Facilitation::Professional;
    let kind = if professional {
        pick(rng, &[(0u8, 0.65), (3, 0.35)])
    } else {
        pick(rng, &[(0u8, 0.82), (1, 0.10), (2, 0.08)])
    };
    let anchor = reference - Days::new(rng.gen_range(0..=820)) + Days::new(90);
    let first_and_third = rng.gen_bool(0.5);
    let count: u32 = rng.gen_range(8..=12);
    let text = |w: &Window| {
        let shown = w.to_string();
        let (day, times) = shown.split_once(' ').unwrap_or((&shown, ""));
        match kind {
            1 => format!("{w} every 2 weeks from {anchor}"),
            2 if first_and_third => format!("1st 3rd {day} {times}"),
            2 => format!("last {day} {times}"),
            3 => format!("{w} from {anchor} for {count} times"),
            _ => shown.clone(),
        }
    };
    weekly
        .iter()
        .map(|w| text(w).parse().expect("valid simulated session"))
        .collect()
}

/// Gives a peer group (which [`group`] leaves without a seat limit) the limit of its meeting
/// place: a room of 20 to 50 seats, or the usual video-call limit of 100 online, with regulars
/// taking from half of the seats to all of them. Professional groups keep theirs.
pub(crate) fn limit_peer_seats(rng: &mut ChaCha8Rng, group: &mut Group) {
    if group.facilitation == Facilitation::Peer {
        let capacity = if group.format == Format::Online {
            100
        } else {
            rng.gen_range(20..=50)
        };
        group.capacity = Some(capacity);
        group.enrolled = rng.gen_range(capacity / 2..=capacity);
    }
}

/// One synthetic person.
pub(crate) fn person(rng: &mut ChaCha8Rng, index: usize) -> Person {
    let stage = pick(
        rng,
        &[
            (Stage::Exploring, 0.10),
            (Stage::InTreatment, 0.20),
            (Stage::Early, 0.20),
            (Stage::FirstYear, 0.20),
            (Stage::OneToTwoYears, 0.15),
            (Stage::Sustained, 0.15),
        ],
    );
    let approach_preference = pick(
        rng,
        &[
            (ApproachPreference::Spiritual, 0.35),
            (ApproachPreference::Secular, 0.30),
            (ApproachPreference::Religious, 0.08),
            (ApproachPreference::NoPreference, 0.27),
        ],
    );
    let approach_strict =
        approach_preference != ApproachPreference::NoPreference && rng.gen_bool(0.12);
    let format_preference = pick(
        rng,
        &[
            (FormatPreference::InPerson, 0.40),
            (FormatPreference::Online, 0.20),
            (FormatPreference::Either, 0.40),
        ],
    );
    let mut availability = Vec::new();
    for day in 0..5u8 {
        if rng.gen_bool(0.55) {
            availability.push(window(
                day,
                17 * 60 + 30 * rng.gen_range(0..3),
                21 * 60 + 30 * rng.gen_range(0..4),
            ));
        }
        if rng.gen_bool(0.15) {
            availability.push(window(day, 6 * 60 + 30, 9 * 60));
        }
        if rng.gen_bool(0.15) {
            availability.push(window(day, 11 * 60 + 30, 13 * 60 + 30));
        }
    }
    for day in 5..7u8 {
        if rng.gen_bool(0.45) {
            availability.push(window(day, 8 * 60, 14 * 60));
        }
        if rng.gen_bool(0.2) {
            availability.push(window(day, 17 * 60, 22 * 60));
        }
    }
    if availability.is_empty() {
        availability.push(window(rng.gen_range(0..7), 18 * 60, 21 * 60));
    }
    let timezone = if format_preference == FormatPreference::Online && rng.gen_bool(0.05) {
        chrono_tz::America::Chicago
    } else {
        METRO_ZONE
    };
    let max_travel_km = (format_preference != FormatPreference::Online && rng.gen_bool(0.9))
        .then(|| f64::from(rng.gen_range(3..=30)));
    let languages: Vec<Language> = match pick(rng, &[(0, 0.85), (1, 0.09), (2, 0.06)]) {
        0 => vec![Language::ENGLISH],
        1 => vec!["es".parse().expect("code")],
        _ => vec!["es".parse().expect("code"), Language::ENGLISH],
    };
    let gender = pick(
        rng,
        &[
            (Gender::Woman, 0.44),
            (Gender::Man, 0.50),
            (Gender::Nonbinary, 0.04),
            (Gender::Unspecified, 0.02),
        ],
    );
    let gender_specific = if gender == Gender::Unspecified {
        GenderSpecific::No
    } else {
        pick(
            rng,
            &[
                (GenderSpecific::Required, 0.07),
                (GenderSpecific::Preferred, 0.20),
                (GenderSpecific::No, 0.73),
            ],
        )
    };
    let age = 18 + (libm::pow(rng.gen_range(0.0f64..1.0), 1.6) * 57.0) as u8;
    let mut needs = Vec::new();
    for (n, p) in [
        (Need::CoOccurring, 0.30),
        (Need::Trauma, 0.15),
        (Need::Grief, 0.05),
        (Need::ChronicPain, 0.08),
        (Need::Childcare, 0.09),
        (Need::Wheelchair, 0.03),
        (Need::Asl, 0.01),
    ] {
        if rng.gen_bool(p) {
            needs.push(n);
        }
    }
    let mut substances = Vec::new();
    for (s, p) in [
        (Substance::Alcohol, 0.70),
        (Substance::Opioids, 0.25),
        (Substance::Cocaine, 0.09),
        (Substance::Methamphetamine, 0.07),
        (Substance::Cannabis, 0.10),
        (Substance::Sedatives, 0.05),
    ] {
        if rng.gen_bool(p) {
            substances.push(s);
        }
    }
    if substances.is_empty() {
        substances.push(Substance::Alcohol);
    }
    let mut prior = Vec::new();
    for _ in 0..pick(rng, &[(0, 0.45), (1, 0.40), (2, 0.15)]) {
        let approach = pick(
            rng,
            &[
                (Approach::TwelveStep, 0.60),
                (Approach::SmartRecovery, 0.15),
                (Approach::Cbt, 0.10),
                (Approach::CelebrateRecovery, 0.05),
                (Approach::DualRecovery, 0.05),
                (Approach::Lifering, 0.05),
            ],
        );
        let outcome = pick(
            rng,
            &[
                (PriorOutcome::Helped, 0.40),
                (PriorOutcome::Neutral, 0.35),
                (PriorOutcome::Disliked, 0.25),
            ],
        );
        if !prior.iter().any(|p: &Prior| p.approach == approach) {
            prior.push(Prior { approach, outcome });
        }
    }
    Person {
        id: format!("sim-p{index:07}"),
        role: Role::InRecovery,
        stage: Some(stage),
        relationship: None,
        family_aim: None,
        approach_preference,
        approach_strict,
        format_preference,
        availability,
        timezone,
        location: Some(near_centre(rng, 25.0)),
        place: None,
        max_travel_km,
        languages,
        gender,
        gender_specific,
        audience_preference: Vec::new(),
        age: Some(age),
        lgbtq: gender == Gender::Nonbinary || rng.gen_bool(0.08),
        veteran: rng.gen_bool(if gender == Gender::Man { 0.10 } else { 0.03 }),
        needs,
        can_pay: true,
        risks: Vec::new(),
        substances,
        primary_substance: None,
        medication: Medication::None,
        goal: None,
        facilitation_preference: pick(
            rng,
            &[
                (FacilitationPreference::Peer, 0.25),
                (FacilitationPreference::Professional, 0.20),
                (FacilitationPreference::Either, 0.55),
            ],
        ),
        self_efficacy: score(rng),
        readiness: score(rng),
        social_support: (!rng.gen_bool(0.1)).then(|| {
            pick(
                rng,
                &[
                    (SocialSupport::Low, 0.30),
                    (SocialSupport::Moderate, 0.45),
                    (SocialSupport::High, 0.25),
                ],
            )
        }),
        network_supports_use: (!rng.gen_bool(0.1)).then(|| rng.gen_bool(0.35)),
        prior,
    }
}
