//! Hard constraints: the reasons a group is not offered to a person at all.
//!
//! Every check runs (none short-circuits) so that staff see all the reasons a group is out, each
//! with a stable [`ExclusionCode`] for machines and a sentence for people. The codes are listed
//! with their rules in `docs/eligibility.md`.

use std::fmt;

use serde::Serialize;

use crate::domain::person::Person;
use chrono_tz::Tz;

use crate::domain::schedule::Window;
use crate::domain::vocab::{
    Audience, Format, FormatPreference, Gender, GenderSpecific, Language, Need, Orientation, Role,
};
use crate::pair::{Attendance, Pair};

/// The oldest age that fits a young people's group.
pub const YOUNG_PEOPLE_MAX_AGE: u8 = 30;
/// The youngest age that fits a seniors' group.
pub const SENIORS_MIN_AGE: u8 = 60;

/// Why a group is excluded: a stable code per hard constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionCode {
    /// The group is for people in recovery and the person is a family member, or the reverse.
    Role,
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
    /// A local policy rule with `exclude = true` fired (checked after every hard constraint
    /// passed).
    Rule,
}

impl ExclusionCode {
    /// Every code, in the order checks run.
    pub const ALL: [ExclusionCode; 11] = [
        ExclusionCode::Role,
        ExclusionCode::Format,
        ExclusionCode::Distance,
        ExclusionCode::Schedule,
        ExclusionCode::Language,
        ExclusionCode::Audience,
        ExclusionCode::GenderSpecific,
        ExclusionCode::Approach,
        ExclusionCode::Accessibility,
        ExclusionCode::Full,
        ExclusionCode::Rule,
    ];

    /// The code as written in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ExclusionCode::Role => "role",
            ExclusionCode::Format => "format",
            ExclusionCode::Distance => "distance",
            ExclusionCode::Schedule => "schedule",
            ExclusionCode::Language => "language",
            ExclusionCode::Audience => "audience",
            ExclusionCode::GenderSpecific => "gender_specific",
            ExclusionCode::Approach => "approach",
            ExclusionCode::Accessibility => "accessibility",
            ExclusionCode::Full => "full",
            ExclusionCode::Rule => "rule",
        }
    }
}

impl fmt::Display for ExclusionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason a group is excluded: a code, and the facts its sentence is made from.
///
/// The sentence is rendered only when asked for ([`Exclusion::text`], or serialisation), so
/// checking a large directory allocates no text for groups nobody will read about.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    /// Stable code.
    pub code: ExclusionCode,
    detail: Detail,
}

/// The facts behind an exclusion's sentence.
#[derive(Debug, Clone, PartialEq)]
enum Detail {
    ForFamilies,
    ForPeopleInRecovery,
    OnlineOnly,
    InPersonOnly,
    Distance {
        km: f64,
        limit: f64,
    },
    Schedule {
        first: [Option<Window>; 3],
        more: bool,
        zone: Tz,
    },
    Language {
        first: [Option<Language>; 3],
    },
    Audience {
        audience: Audience,
        age: Option<u8>,
    },
    GenderSpecific {
        wanted: Audience,
    },
    Approach {
        group: Orientation,
        wanted: Orientation,
    },
    Wheelchair,
    Full {
        enrolled: u32,
        capacity: u32,
    },
    Rule {
        id: String,
        reason: String,
    },
}

/// Up to the first three items of a list, for a sentence.
fn first_three<T: Copy>(items: &[T]) -> [Option<T>; 3] {
    [
        items.first().copied(),
        items.get(1).copied(),
        items.get(2).copied(),
    ]
}

fn join_some<T: fmt::Display>(items: &[Option<T>]) -> String {
    items
        .iter()
        .flatten()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Exclusion {
    /// An exclusion by the local policy rule `id`, with its rendered reason.
    pub(crate) fn by_rule(id: &str, reason: String) -> Exclusion {
        Exclusion {
            code: ExclusionCode::Rule,
            detail: Detail::Rule {
                id: id.to_string(),
                reason,
            },
        }
    }

    /// A sentence for staff, such as "38 km away, limit 15 km".
    pub fn text(&self) -> String {
        match self.detail.clone() {
            Detail::ForFamilies => {
                "a group for family members and friends of people who drink or use, not for your own recovery".into()
            }
            Detail::ForPeopleInRecovery => {
                "a group for people in their own recovery, not for family members".into()
            }
            Detail::OnlineOnly => "online-only group; you want to meet in person".into(),
            Detail::InPersonOnly => "in-person-only group; you want to meet online".into(),
            Detail::Distance { km, limit } => {
                format!("{} km away, limit {} km", round_km(km), round_km(limit))
            }
            Detail::Schedule { first, more, zone } => format!(
                "no session inside your availability (meets {}{}, {} time)",
                join_some(&first),
                if more { ", ..." } else { "" },
                zone.name()
            ),
            Detail::Language { first } => {
                format!("held in {}; no language in common", join_some(&first))
            }
            Detail::Audience { audience, age } => {
                let age = || {
                    age.map_or("your age is not given".to_string(), |a| {
                        format!("you are {a}")
                    })
                };
                match audience {
                    Audience::Women => "women-only group".into(),
                    Audience::Men => "men-only group".into(),
                    Audience::Lgbtq => "LGBTQ+ group".into(),
                    Audience::YoungPeople => {
                        format!(
                            "young people's group ({YOUNG_PEOPLE_MAX_AGE} or under); {}",
                            age()
                        )
                    }
                    Audience::Seniors => {
                        format!("seniors' group ({SENIORS_MIN_AGE} or over); {}", age())
                    }
                    Audience::Veterans => "veterans' group".into(),
                }
            }
            Detail::GenderSpecific { wanted } => {
                let kind = match wanted {
                    Audience::Women => "a women-only group",
                    Audience::Men => "a men-only group",
                    _ => "an LGBTQ+ group",
                };
                format!("not {kind}, which you asked for")
            }
            Detail::Approach { group, wanted } => {
                format!("{group} group; you want {wanted} groups only")
            }
            Detail::Wheelchair => "meeting place not marked wheelchair accessible".into(),
            Detail::Full { enrolled, capacity } => {
                format!("full ({enrolled} of {capacity} seats taken)")
            }
            Detail::Rule { id, reason } => format!("{reason} (rule {id})"),
        }
    }
}

impl Serialize for Exclusion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Exclusion", 2)?;
        st.serialize_field("code", &self.code)?;
        st.serialize_field("text", &self.text())?;
        st.end()
    }
}

/// Every hard constraint the pair's group fails for its person, in check order; empty when the
/// group is eligible. [`crate::Ranking::excluded`] and [`crate::Explanation::eligibility`] show
/// them.
pub(crate) fn check(pair: &Pair) -> Vec<Exclusion> {
    let mut out = Vec::new();
    visit(pair, |e| out.push(e));
    out
}

/// Whether `group` passes every hard constraint for `person`, without building any reasons.
pub(crate) fn is_eligible(pair: &Pair) -> bool {
    let mut eligible = true;
    visit(pair, |_| eligible = false);
    eligible
}

/// Whether `person` is in `audience`, so that a group restricted to it may take them.
pub(crate) fn in_audience(person: &Person, audience: Audience) -> bool {
    match audience {
        Audience::Women => person.gender == Gender::Woman,
        Audience::Men => person.gender == Gender::Man,
        Audience::Lgbtq => person.is_lgbtq(),
        Audience::YoungPeople => person.age.is_some_and(|a| a <= YOUNG_PEOPLE_MAX_AGE),
        Audience::Seniors => person.age.is_some_and(|a| a >= SENIORS_MIN_AGE),
        Audience::Veterans => person.veteran,
    }
}

/// Runs every check, handing each failure to `sink`: the one place the rules live.
fn visit(pair: &Pair, mut sink: impl FnMut(Exclusion)) {
    let (person, group, facts) = (pair.person, pair.group, &pair.facts);
    let mut push = |code, detail| sink(Exclusion { code, detail });

    if !group.serves.includes(person.role) {
        let detail = match person.role {
            Role::InRecovery => Detail::ForFamilies,
            Role::FamilyMember => Detail::ForPeopleInRecovery,
        };
        push(ExclusionCode::Role, detail);
    }

    match (person.format_preference, group.format) {
        (FormatPreference::InPerson, Format::Online) => {
            push(ExclusionCode::Format, Detail::OnlineOnly)
        }
        (FormatPreference::Online, Format::InPerson) => {
            push(ExclusionCode::Format, Detail::InPersonOnly)
        }
        _ => {}
    }
    if let (Some(km), Some(limit)) = (facts.distance_km, person.max_travel_km) {
        if km > limit {
            push(ExclusionCode::Distance, Detail::Distance { km, limit });
        }
    }
    if facts.sessions_fitting == 0 {
        push(
            ExclusionCode::Schedule,
            Detail::Schedule {
                first: first_three(&group.sessions),
                more: group.sessions.len() > 3,
                zone: group.timezone,
            },
        );
    }
    if !group.languages.iter().any(|l| person.languages.contains(l)) {
        push(
            ExclusionCode::Language,
            Detail::Language {
                first: first_three(&group.languages),
            },
        );
    }
    for &audience in &group.audience {
        if !in_audience(person, audience) {
            push(
                ExclusionCode::Audience,
                Detail::Audience {
                    audience,
                    age: person.age,
                },
            );
        }
    }
    if person.gender_specific == GenderSpecific::Required {
        if let Some(wanted) = person
            .gender
            .own_audience()
            .filter(|w| !group.audience.contains(w))
        {
            push(
                ExclusionCode::GenderSpecific,
                Detail::GenderSpecific { wanted },
            );
        }
    }
    if person.approach_strict {
        if let Some(wanted) = person.approach_preference.orientation() {
            if group.orientation != wanted {
                push(
                    ExclusionCode::Approach,
                    Detail::Approach {
                        group: group.orientation,
                        wanted,
                    },
                );
            }
        }
    }
    if person.needs.contains(&Need::Wheelchair)
        && facts.attendance == Attendance::InPerson
        && !group.accessibility.contains(&Need::Wheelchair)
    {
        push(ExclusionCode::Accessibility, Detail::Wheelchair);
    }
    if let Some(capacity) = group.capacity {
        if group.enrolled >= capacity {
            push(
                ExclusionCode::Full,
                Detail::Full {
                    enrolled: group.enrolled,
                    capacity,
                },
            );
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::GeoPoint;
    use crate::domain::group::Group;
    use crate::domain::vocab::*;
    use crate::testutil::{group, now, person};

    fn codes(p: &Person, g: &Group) -> Vec<ExclusionCode> {
        texts(p, g).into_iter().map(|e| e.code).collect()
    }

    fn texts(p: &Person, g: &Group) -> Vec<Exclusion> {
        check(&Pair::at(p, g, now()))
    }

    #[test]
    fn plain_pair_is_eligible() {
        assert!(codes(&person(), &group("g")).is_empty());
    }

    #[test]
    fn family_groups_are_for_family_members_and_recovery_groups_for_people_in_recovery() {
        let mut p = person();
        let mut g = group("g");
        g.serves = Serves::Family;
        let reasons = texts(&p, &g);
        assert_eq!(
            (reasons[0].code, reasons[0].text().as_str()),
            (
                ExclusionCode::Role,
                "a group for family members and friends of people who drink or use, not for your own recovery"
            )
        );
        g.serves = Serves::Both;
        assert!(codes(&p, &g).is_empty(), "multi-family groups take both");
        p.role = Role::FamilyMember;
        p.stage = None;
        assert!(codes(&p, &g).is_empty());
        g.serves = Serves::Family;
        assert!(codes(&p, &g).is_empty());
        g.serves = Serves::InRecovery;
        let reasons = texts(&p, &g);
        assert_eq!(
            (reasons[0].code, reasons[0].text().as_str()),
            (
                ExclusionCode::Role,
                "a group for people in their own recovery, not for family members"
            )
        );
    }

    #[test]
    fn format_excludes_online_group_for_in_person_only_person_and_the_reverse() {
        let mut p = person();
        let mut g = group("g");
        p.format_preference = FormatPreference::InPerson;
        g.format = Format::Online;
        g.location = None;
        assert_eq!(codes(&p, &g), [ExclusionCode::Format]);
        g.format = Format::Hybrid;
        g.location = Some(crate::testutil::center_city());
        assert!(codes(&p, &g).is_empty(), "hybrid fits in-person people");
        p.format_preference = FormatPreference::Online;
        g.format = Format::InPerson;
        assert_eq!(codes(&p, &g), [ExclusionCode::Format]);
        g.format = Format::Hybrid;
        assert!(codes(&p, &g).is_empty(), "hybrid fits online people");
    }

    #[test]
    fn distance_excludes_in_person_groups_beyond_the_limit_only() {
        let mut p = person();
        let mut g = group("g");
        // Norristown is about 26 km from Center City.
        g.location = Some(GeoPoint::new(40.1215, -75.3399).unwrap());
        let reasons = texts(&p, &g);
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].code, ExclusionCode::Distance);
        assert_eq!(reasons[0].text(), "24 km away, limit 15 km");
        p.max_travel_km = Some(30.0);
        assert!(codes(&p, &g).is_empty());
        // A group exactly at the limit is within it.
        let km = Pair::at(&p, &g, now()).facts.distance_km.unwrap();
        p.max_travel_km = Some(km);
        assert!(codes(&p, &g).is_empty());
        p.max_travel_km = Some(km - 1e-9);
        assert_eq!(codes(&p, &g), [ExclusionCode::Distance]);
        // A far hybrid group is joined online by a person who can do either.
        p.max_travel_km = Some(15.0);
        g.format = Format::Hybrid;
        assert!(codes(&p, &g).is_empty());
        // ... but not by one who wants to be in the room.
        p.format_preference = FormatPreference::InPerson;
        assert_eq!(codes(&p, &g), [ExclusionCode::Distance]);
        // Without a limit, distance never excludes.
        p.max_travel_km = None;
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn schedule_excludes_groups_with_no_session_inside_availability() {
        let mut p = person();
        p.availability = vec!["Sat 09:00-12:00".parse().unwrap()];
        let reasons = texts(&p, &group("g"));
        assert_eq!(reasons[0].code, ExclusionCode::Schedule);
        assert!(
            reasons[0].text().contains("Mon 19:00-20:00"),
            "{}",
            reasons[0].text()
        );
        // A window that covers only part of a session does not count.
        p.availability = vec!["Mon 19:30-22:00".parse().unwrap()];
        assert_eq!(codes(&p, &group("g")), [ExclusionCode::Schedule]);
    }

    #[test]
    fn the_schedule_sentence_names_three_sessions_and_marks_more() {
        let mut p = person();
        p.availability = vec!["Sat 09:00-12:00".parse().unwrap()];
        let mut g = group("g");
        g.sessions = ["Mon 19:00-20:00", "Tue 19:00-20:00", "Wed 19:00-20:00"]
            .map(|s| s.parse().unwrap())
            .to_vec();
        assert_eq!(
            texts(&p, &g)[0].text(),
            "no session inside your availability (meets Mon 19:00-20:00, Tue 19:00-20:00, \
             Wed 19:00-20:00, America/New_York time)"
        );
        g.sessions.push("Thu 19:00-20:00".parse().unwrap());
        assert_eq!(
            texts(&p, &g)[0].text(),
            "no session inside your availability (meets Mon 19:00-20:00, Tue 19:00-20:00, \
             Wed 19:00-20:00, ..., America/New_York time)"
        );
    }

    #[test]
    fn schedule_excludes_online_group_in_other_zone_judged_in_local_time() {
        let mut p = person();
        p.format_preference = FormatPreference::Online;
        let mut g = group("g");
        g.format = Format::Online;
        g.location = None;
        g.timezone = chrono_tz::America::Los_Angeles;
        g.sessions = vec!["Fri 20:00-21:00".parse().unwrap()]; // 23:00-24:00 in New York
        p.availability = vec!["Fri 18:00-22:00".parse().unwrap()];
        assert_eq!(codes(&p, &g), [ExclusionCode::Schedule]);
        p.availability = vec!["Fri 22:30-24:00".parse().unwrap()];
        assert!(codes(&p, &g).is_empty());
        // Across midnight in the person's zone: a Sun 23:30 Berlin session is Sun 17:30 in New York.
        g.timezone = chrono_tz::Europe::Berlin;
        g.sessions = vec!["Sun 23:00-23:59".parse().unwrap()];
        p.availability = vec!["Sun 16:00-18:00".parse().unwrap()];
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn language_excludes_groups_with_no_common_language() {
        let mut g = group("g");
        g.languages = vec!["es".parse().unwrap()];
        let reasons = texts(&person(), &g);
        assert_eq!(reasons[0].code, ExclusionCode::Language);
        assert_eq!(reasons[0].text(), "held in es; no language in common");
        let mut p = person();
        p.languages.push("es".parse().unwrap());
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn audience_checks_gender_lgbtq_age_and_veterans() {
        let mut p = person();
        let mut g = group("g");
        for (audience, text) in [
            (Audience::Women, "women-only group"),
            (Audience::Men, "men-only group"),
            (Audience::Lgbtq, "LGBTQ+ group"),
            (
                Audience::YoungPeople,
                "young people's group (30 or under); you are 40",
            ),
            (Audience::Seniors, "seniors' group (60 or over); you are 40"),
            (Audience::Veterans, "veterans' group"),
        ] {
            g.audience = vec![audience];
            let reasons = texts(&p, &g);
            assert_eq!(reasons.len(), 1, "{audience}");
            assert_eq!(
                (reasons[0].code, reasons[0].text().as_str()),
                (ExclusionCode::Audience, text)
            );
        }
        p.gender = Gender::Woman;
        p.lgbtq = true;
        g.audience = vec![Audience::Women, Audience::Lgbtq];
        assert!(codes(&p, &g).is_empty());
        p.age = Some(30);
        g.audience = vec![Audience::YoungPeople];
        assert!(codes(&p, &g).is_empty());
        p.age = None;
        assert_eq!(
            texts(&p, &g)[0].text(),
            "young people's group (30 or under); your age is not given"
        );
        p.age = Some(60);
        g.audience = vec![Audience::Seniors];
        assert!(codes(&p, &g).is_empty());
        p.veteran = true;
        g.audience = vec![Audience::Veterans];
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn required_gender_specific_excludes_mixed_groups() {
        let mut p = person();
        let mut g = group("g");
        p.gender_specific = GenderSpecific::Required;
        for (gender, kind) in [
            (Gender::Woman, "a women-only group"),
            (Gender::Man, "a men-only group"),
            (Gender::Nonbinary, "an LGBTQ+ group"),
        ] {
            p.gender = gender;
            let reasons = texts(&p, &g);
            assert_eq!(
                (reasons.len(), reasons[0].code),
                (1, ExclusionCode::GenderSpecific)
            );
            assert_eq!(
                reasons[0].text(),
                format!("not {kind}, which you asked for")
            );
        }
        p.gender = Gender::Woman;
        g.audience = vec![Audience::Women];
        assert!(codes(&p, &g).is_empty());
        p.gender = Gender::Nonbinary;
        g.audience = vec![Audience::Lgbtq];
        assert!(!p.lgbtq);
        assert!(
            codes(&p, &g).is_empty(),
            "LGBTQ+ groups are for nonbinary people too"
        );
        p.gender_specific = GenderSpecific::Preferred;
        g.audience = vec![];
        assert!(codes(&p, &g).is_empty(), "a preference is not a constraint");
    }

    #[test]
    fn strict_approach_excludes_other_orientations_only_when_strict() {
        let mut p = person();
        p.approach_preference = ApproachPreference::Secular;
        let g = group("g");
        assert!(codes(&p, &g).is_empty());
        p.approach_strict = true;
        let reasons = texts(&p, &g);
        assert_eq!(reasons[0].code, ExclusionCode::Approach);
        assert_eq!(
            reasons[0].text(),
            "spiritual group; you want secular groups only"
        );
        p.approach_preference = ApproachPreference::NoPreference;
        assert!(
            codes(&p, &g).is_empty(),
            "strict without a preference excludes nothing"
        );
    }

    #[test]
    fn wheelchair_need_excludes_inaccessible_in_person_groups_but_not_online_attendance() {
        let mut p = person();
        p.needs = vec![Need::Wheelchair];
        let mut g = group("g");
        assert_eq!(codes(&p, &g), [ExclusionCode::Accessibility]);
        g.accessibility = vec![Need::Wheelchair];
        assert!(codes(&p, &g).is_empty());
        g.accessibility = vec![];
        g.format = Format::Hybrid;
        p.format_preference = FormatPreference::Online;
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn full_groups_are_excluded() {
        let mut g = group("g");
        g.capacity = Some(12);
        g.enrolled = 11;
        assert!(codes(&person(), &g).is_empty());
        g.enrolled = 12;
        let reasons = texts(&person(), &g);
        assert_eq!(reasons[0].text(), "full (12 of 12 seats taken)");
    }

    #[test]
    fn every_failing_constraint_is_reported_not_just_the_first() {
        let mut p = person();
        p.format_preference = FormatPreference::Online;
        p.availability = vec!["Sat 09:00-10:00".parse().unwrap()];
        let mut g = group("g");
        g.languages = vec!["fr".parse().unwrap()];
        g.audience = vec![Audience::Veterans];
        g.capacity = Some(0);
        assert_eq!(
            codes(&p, &g),
            [
                ExclusionCode::Format,
                ExclusionCode::Schedule,
                ExclusionCode::Language,
                ExclusionCode::Audience,
                ExclusionCode::Full
            ]
        );
    }
}
