//! Hard constraints: the reasons a group is not offered to a person at all.
//!
//! Every check runs (none short-circuits) so that staff see all the reasons a group is out, each
//! with a stable [`ExclusionCode`] for machines and a sentence for people. The codes are listed
//! with their rules in `docs/eligibility.md`.

use std::fmt;

use serde::Serialize;

use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::{Audience, Format, FormatPreference, Gender, GenderSpecific, Need};
use crate::pair::{Attendance, PairFacts};

/// The oldest age that fits a young people's group.
pub const YOUNG_PEOPLE_MAX_AGE: u8 = 30;
/// The youngest age that fits a seniors' group.
pub const SENIORS_MIN_AGE: u8 = 60;

/// Why a group is excluded: a stable code per hard constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionCode {
    /// The group meets only in a way the person cannot attend (online vs in person).
    Format,
    /// The meeting place is farther than the person can travel.
    Distance,
    /// No session lies inside the person's availability.
    Schedule,
    /// No language in common.
    Language,
    /// The group is restricted to an audience the person is not in.
    Audience,
    /// The person requires a gender-specific group and this is not one for them.
    GenderSpecific,
    /// The person accepts only their preferred orientation.
    Approach,
    /// The person needs wheelchair access to an in-person group that does not offer it.
    Accessibility,
    /// No open seats.
    Full,
}

impl ExclusionCode {
    /// Every code, in the order checks run.
    pub const ALL: [ExclusionCode; 9] = [
        ExclusionCode::Format,
        ExclusionCode::Distance,
        ExclusionCode::Schedule,
        ExclusionCode::Language,
        ExclusionCode::Audience,
        ExclusionCode::GenderSpecific,
        ExclusionCode::Approach,
        ExclusionCode::Accessibility,
        ExclusionCode::Full,
    ];

    /// The code as written in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ExclusionCode::Format => "format",
            ExclusionCode::Distance => "distance",
            ExclusionCode::Schedule => "schedule",
            ExclusionCode::Language => "language",
            ExclusionCode::Audience => "audience",
            ExclusionCode::GenderSpecific => "gender_specific",
            ExclusionCode::Approach => "approach",
            ExclusionCode::Accessibility => "accessibility",
            ExclusionCode::Full => "full",
        }
    }
}

impl fmt::Display for ExclusionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason a group is excluded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    /// Stable code.
    pub code: ExclusionCode,
    /// A sentence for staff, such as "38 km away, limit 15 km".
    pub text: String,
}

/// Every hard constraint `group` fails for `person`; empty when the group is eligible.
///
/// ```
/// # use groupmatch::{parse_groups, parse_person, Syntax, eligibility, PairFacts, PreparedPerson};
/// let groups = parse_groups(b"id,name,approach,format,sessions,timezone,audience\n\
///     g1,Women's Step,twelve_step,online,Mon 19:00-20:00,UTC,women\n", Syntax::Csv, "g").unwrap().value;
/// let person = parse_person(br#"{"id": "p1", "stage": "early", "approach_preference": "no_preference",
///     "format_preference": "online", "availability": ["Tue 18:00-22:00"], "timezone": "UTC",
///     "gender": "man"}"#, "p").unwrap().value;
/// let now = "2026-11-26T12:00:00Z".parse().unwrap();
/// let prepared = PreparedPerson::new(&person, now);
/// let facts = PairFacts::new(&prepared, &groups[0], 0);
/// let reasons = eligibility::check(&person, &groups[0], &facts);
/// let codes: Vec<_> = reasons.iter().map(|r| r.code.as_str()).collect();
/// assert_eq!(codes, ["schedule", "audience"]);
/// ```
pub fn check(person: &Person, group: &Group, facts: &PairFacts) -> Vec<Exclusion> {
    let mut out = Vec::new();
    let mut push = |code, text: String| out.push(Exclusion { code, text });

    match (person.format_preference, group.format) {
        (FormatPreference::InPerson, Format::Online) => push(
            ExclusionCode::Format,
            "online-only group; you want to meet in person".into(),
        ),
        (FormatPreference::Online, Format::InPerson) => push(
            ExclusionCode::Format,
            "in-person-only group; you want to meet online".into(),
        ),
        _ => {}
    }
    if let (Some(d), Some(max)) = (facts.distance_km, person.max_travel_km) {
        if d > max {
            push(
                ExclusionCode::Distance,
                format!("{} km away, limit {} km", round_km(d), round_km(max)),
            );
        }
    }
    if facts.sessions_fitting == 0 {
        let sessions: Vec<String> = group
            .sessions
            .iter()
            .take(3)
            .map(|s| s.to_string())
            .collect();
        let more = if group.sessions.len() > 3 {
            ", ..."
        } else {
            ""
        };
        push(
            ExclusionCode::Schedule,
            format!(
                "no session inside your availability (meets {}{more}, {} time)",
                sessions.join(", "),
                group.timezone.name()
            ),
        );
    }
    if !group.languages.iter().any(|l| person.languages.contains(l)) {
        let langs: Vec<&str> = group.languages.iter().map(|l| l.as_str()).collect();
        push(
            ExclusionCode::Language,
            format!("held in {}; no language in common", langs.join(", ")),
        );
    }
    for audience in &group.audience {
        if let Some(text) = audience_misfit(person, *audience) {
            push(ExclusionCode::Audience, text);
        }
    }
    if person.gender_specific == GenderSpecific::Required {
        let wanted = match person.gender {
            Gender::Woman => Some(Audience::Women),
            Gender::Man => Some(Audience::Men),
            Gender::Nonbinary => Some(Audience::Lgbtq),
            Gender::Unspecified => None,
        };
        if let Some(wanted) = wanted.filter(|w| !group.audience.contains(w)) {
            let kind = match wanted {
                Audience::Women => "a women-only group",
                Audience::Men => "a men-only group",
                _ => "an LGBTQ+ group",
            };
            push(
                ExclusionCode::GenderSpecific,
                format!("not {kind}, which you asked for"),
            );
        }
    }
    if person.approach_strict {
        if let Some(wanted) = person.approach_preference.orientation() {
            if group.orientation != wanted {
                push(
                    ExclusionCode::Approach,
                    format!("{} group; you want {wanted} groups only", group.orientation),
                );
            }
        }
    }
    if person.needs.contains(&Need::Wheelchair)
        && facts.attendance == Attendance::InPerson
        && !group.accessibility.contains(&Need::Wheelchair)
    {
        push(
            ExclusionCode::Accessibility,
            "meeting place not marked wheelchair accessible".into(),
        );
    }
    if let Some(capacity) = group.capacity {
        if group.enrolled >= capacity {
            push(
                ExclusionCode::Full,
                format!("full ({} of {capacity} seats taken)", group.enrolled),
            );
        }
    }
    out
}

fn audience_misfit(person: &Person, audience: Audience) -> Option<String> {
    let age_text = |a: Option<u8>| {
        a.map_or("your age is not given".to_string(), |a| {
            format!("you are {a}")
        })
    };
    match audience {
        Audience::Women if person.gender != Gender::Woman => Some("women-only group".into()),
        Audience::Men if person.gender != Gender::Man => Some("men-only group".into()),
        Audience::Lgbtq if !person.lgbtq => Some("LGBTQ+ group".into()),
        Audience::YoungPeople if person.age.is_none_or(|a| a > YOUNG_PEOPLE_MAX_AGE) => {
            Some(format!(
                "young people's group ({YOUNG_PEOPLE_MAX_AGE} or under); {}",
                age_text(person.age)
            ))
        }
        Audience::Seniors if person.age.is_none_or(|a| a < SENIORS_MIN_AGE) => Some(format!(
            "seniors' group ({SENIORS_MIN_AGE} or over); {}",
            age_text(person.age)
        )),
        Audience::Veterans if !person.veteran => Some("veterans' group".into()),
        _ => None,
    }
}

/// Kilometres for display: one decimal under 10 km, whole numbers above.
pub(crate) fn round_km(km: f64) -> String {
    if km < 10.0 {
        format!("{km:.1}")
    } else {
        format!("{km:.0}")
    }
}
