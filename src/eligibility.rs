//! Hard constraints: the reasons a group is not offered to a person at all.
//!
//! Every check runs (none short-circuits) so that staff see all the reasons a group is out, each
//! with a stable [`ExclusionCode`] for machines and a sentence for people. The codes are listed
//! with their rules in `docs/eligibility.md`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::cost::Cost;
use crate::domain::person::Person;
use chrono_tz::Tz;

use crate::domain::recurrence::{Pattern, Session};
use crate::domain::vocab::{
    Audience, Fellowship, Format, FormatPreference, Gender, GenderSpecific, Language, Medication,
    MedicationStance, Need, Orientation, Role, Substance,
};
use crate::pair::{Attendance, Pair};

/// The oldest age at which a young people's group counts as near the person's age: a soft
/// preference in the features and the simulation, never a limit (a group states its own with
/// `max_age`).
pub const YOUNG_PEOPLE_MAX_AGE: u8 = 30;
/// The youngest age that fits a seniors' group.
pub const SENIORS_MIN_AGE: u8 = 60;

/// Why a group is excluded: a stable code per hard constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
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
    /// The person's age is outside the limits the group states, or the person is under 18 and
    /// the group is for adults (it states no minimum age under 18).
    Age,
    /// The person requires a gender-specific group and this is not one for them.
    GenderSpecific,
    /// A closed meeting for people recovering from a substance that is not among the person's.
    ClosedMeeting,
    /// The person accepts only their preferred orientation.
    Approach,
    /// The group limits sharing by members on methadone or buprenorphine, and the person is on
    /// one of them.
    Medication,
    /// The person needs wheelchair access to an in-person group that does not offer it.
    Accessibility,
    /// The person needs a signed proof of attendance and the group does not give one.
    ProofOfAttendance,
    /// The person cannot pay (`can_pay: false`) and the group charges a fee (an amount above 0;
    /// not free, donation, sliding scale, insurance or unknown).
    Cost,
    /// No open seats.
    Full,
    /// A local policy rule with `exclude = true` fired (checked after every hard constraint
    /// passed).
    Rule,
}

impl ExclusionCode {
    /// Every code, in the order checks run.
    pub const ALL: [ExclusionCode; 16] = [
        ExclusionCode::Role,
        ExclusionCode::Format,
        ExclusionCode::Distance,
        ExclusionCode::Schedule,
        ExclusionCode::Language,
        ExclusionCode::Audience,
        ExclusionCode::Age,
        ExclusionCode::GenderSpecific,
        ExclusionCode::ClosedMeeting,
        ExclusionCode::Approach,
        ExclusionCode::Medication,
        ExclusionCode::Accessibility,
        ExclusionCode::ProofOfAttendance,
        ExclusionCode::Cost,
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
            ExclusionCode::Age => "age",
            ExclusionCode::GenderSpecific => "gender_specific",
            ExclusionCode::ClosedMeeting => "closed_meeting",
            ExclusionCode::Approach => "approach",
            ExclusionCode::Medication => "medication",
            ExclusionCode::Accessibility => "accessibility",
            ExclusionCode::ProofOfAttendance => "proof_of_attendance",
            ExclusionCode::Cost => "cost",
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
        stated: bool,
        /// When the distance is approximate, whose place is a postal code or town, in words
        /// that follow the distance.
        approximate: Option<&'static str>,
    },
    Schedule {
        /// The first three sessions, without the dates they skip.
        first: [Option<Pattern>; 3],
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
    AgeLimit {
        min: Option<u8>,
        max: Option<u8>,
        age: u8,
    },
    ForAdults,
    GenderSpecific {
        wanted: Audience,
    },
    ClosedMeeting {
        fellowship: Option<Fellowship>,
        for_substances: [Option<Substance>; 3],
    },
    Approach {
        group: Orientation,
        wanted: Orientation,
    },
    Medication {
        on: Medication,
    },
    Wheelchair,
    ProofOfAttendance,
    Fee {
        cost: Cost,
    },
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

    /// A sentence for staff, such as "38 km away in a straight line, limit 15 km".
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
            Detail::Distance {
                km,
                limit,
                stated,
                approximate,
            } => format!(
                "{}{} in a straight line{}, limit {} km{}",
                if approximate.is_some() { "about " } else { "" },
                km_beyond(km, limit),
                approximate.unwrap_or_default(),
                limit_km(limit),
                if stated { "" } else { " (the default: no limit was given)" }
            ),
            Detail::Schedule { first, more, zone } => format!(
                "no session inside your availability (meets {}{}, {} time)",
                join_some(&first),
                if more { ", ..." } else { "" },
                zone.name()
            ),
            Detail::Language { first } => {
                let names: Vec<&str> = first.iter().flatten().map(|l| l.name()).collect();
                format!("held in {}; no language in common", names.join(", "))
            }
            Detail::Audience { audience, age } => {
                let age = || {
                    age.map_or("your age is not given".to_string(), |a| {
                        format!("you are {a}")
                    })
                };
                match audience {
                    Audience::Seniors => {
                        format!("seniors' group ({SENIORS_MIN_AGE} or over); {}", age())
                    }
                    other => format!("{} group", audience_label(other)),
                }
            }
            Detail::AgeLimit { min, max, age } => {
                let limits = match (min, max) {
                    (Some(min), Some(max)) => format!("ages {min} to {max}"),
                    (Some(min), None) => format!("ages {min} and over"),
                    (None, Some(max)) => format!("ages up to {max}"),
                    (None, None) => "all ages".into(),
                };
                format!("a group for {limits}; you are {age}")
            }
            Detail::ForAdults => {
                "a group for adults (it states no minimum age under 18); see the note on groups for people under 18".into()
            }
            Detail::ClosedMeeting {
                fellowship,
                for_substances,
            } => {
                let names: Vec<&str> = for_substances.iter().flatten().map(|s| s.label()).collect();
                format!(
                    "closed {}meeting, for people who want to stop using {}, which is not among your substances; open meetings welcome anyone",
                    fellowship.map_or(String::new(), |f| format!("{} ", f.label())),
                    names.join(" or ")
                )
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
            Detail::Medication { on } => format!(
                "this meeting limits sharing by members on methadone or buprenorphine, and you are on {on}"
            ),
            Detail::Wheelchair => "meeting place not marked wheelchair accessible".into(),
            Detail::ProofOfAttendance => {
                "does not sign a proof of attendance, which you need".into()
            }
            Detail::Fee { cost } => {
                format!("a fee of {}; you cannot pay", cost.describe())
            }
            Detail::Full { enrolled, capacity } => {
                format!("full ({enrolled} of {capacity} seats taken)")
            }
            Detail::Rule { id, reason } => format!("{reason} (rule {id})"),
        }
    }
}

/// An exclusion as it is written out: its code and its sentence.
#[derive(Debug, Serialize)]
#[serde(rename = "Exclusion")]
pub(crate) struct WrittenExclusion {
    code: ExclusionCode,
    text: String,
}

impl Exclusion {
    /// The exclusion as it is written out ([`Exclusion::text`] done).
    pub(crate) fn written(&self) -> WrittenExclusion {
        WrittenExclusion {
            code: self.code,
            text: self.text(),
        }
    }
}

impl Serialize for Exclusion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.written().serialize(s)
    }
}

// What `Serialize` writes: the code and the sentence.
#[cfg(feature = "serve")]
impl utoipa::PartialSchema for Exclusion {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .property("code", ExclusionCode::schema())
            .property(
                "text",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("why, in a sentence for staff")),
            )
            .required("code")
            .required("text")
            .into()
    }
}

#[cfg(feature = "serve")]
impl utoipa::ToSchema for Exclusion {}

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

/// The audience a group must be for (an audience that [`Audience::meets`] it) to take `person`:
/// their own, when they require a gender-specific group ([`ExclusionCode::GenderSpecific`]).
pub(crate) fn required_audience(person: &Person) -> Option<Audience> {
    (person.gender_specific == GenderSpecific::Required)
        .then(|| person.gender.own_audience())
        .flatten()
}

/// The orientation a group must have to take `person`: their preferred one, when they accept
/// only it ([`ExclusionCode::Approach`]).
pub(crate) fn required_orientation(person: &Person) -> Option<Orientation> {
    person
        .approach_strict
        .then(|| person.approach_preference.orientation())
        .flatten()
}

/// Whether `person` is in `audience`, so that a group for it may take them. A young people's
/// group takes anyone: only an age limit the group states ([`ExclusionCode::Age`]) restricts.
pub(crate) fn in_audience(person: &Person, audience: Audience) -> bool {
    match audience {
        Audience::Women => person.gender == Gender::Woman,
        Audience::Men => person.gender == Gender::Man,
        Audience::Lgbtq | Audience::Gay | Audience::Transgender | Audience::Nonbinary => {
            person.is_lgbtq()
        }
        Audience::Lesbian => person.is_lgbtq() && person.gender != Gender::Man,
        Audience::YoungPeople => true,
        Audience::Seniors => person.age.is_some_and(|a| a >= SENIORS_MIN_AGE),
        Audience::Veterans => person.veteran,
    }
}

/// An audience as people say it: "women-only", "LGBTQ+", "young people's", ...
pub(crate) fn audience_label(audience: Audience) -> &'static str {
    match audience {
        Audience::Women => "women-only",
        Audience::Men => "men-only",
        Audience::Lgbtq => "LGBTQ+",
        Audience::Gay => "gay",
        Audience::Lesbian => "lesbian",
        Audience::Transgender => "transgender",
        Audience::Nonbinary => "nonbinary",
        Audience::YoungPeople => "young people's",
        Audience::Seniors => "seniors'",
        Audience::Veterans => "veterans'",
    }
}

/// The substances a closed meeting of `group` is for: its fellowship's
/// ([`Fellowship::closed_meeting_substances`]), else the substances it lists; empty when it is
/// not closed or takes any substance.
fn closed_for(group: &crate::domain::group::Group) -> &[Substance] {
    if group.closed != Some(true) {
        return &[];
    }
    match group.fellowship {
        Some(f) => f.closed_meeting_substances(),
        None => &group.substances,
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
    if let Some(km) = facts.distance_km {
        let limit = person.travel_limit_km();
        if km > limit {
            let stated = person.max_travel_km.is_some();
            let approximate = if person.distance_is_approximate() {
                Some(" from the centre of the place given")
            } else if group.location_is_approximate() {
                Some(" to the centre of the group's postal code or town")
            } else {
                None
            };
            push(
                ExclusionCode::Distance,
                Detail::Distance {
                    km,
                    limit,
                    stated,
                    approximate,
                },
            );
        }
    }
    if facts.fitting_in_horizon == 0 {
        push(
            ExclusionCode::Schedule,
            Detail::Schedule {
                first: std::array::from_fn(|i| group.sessions.get(i).map(Session::pattern)),
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
    if let Some(age) = person.age {
        let (min, max) = (group.min_age, group.max_age);
        if min.is_some_and(|m| age < m) || max.is_some_and(|m| age > m) {
            push(ExclusionCode::Age, Detail::AgeLimit { min, max, age });
        } else if age < 18 && min.is_none_or(|m| m >= 18) {
            push(ExclusionCode::Age, Detail::ForAdults);
        }
    }
    if let Some(wanted) =
        required_audience(person).filter(|w| !group.audience.iter().any(|a| a.meets(*w)))
    {
        push(
            ExclusionCode::GenderSpecific,
            Detail::GenderSpecific { wanted },
        );
    }
    let closed_for = closed_for(group);
    if person.role == Role::InRecovery
        && !closed_for.is_empty()
        && !person.substances.is_empty()
        && !closed_for.iter().any(|s| person.substances.contains(s))
    {
        push(
            ExclusionCode::ClosedMeeting,
            Detail::ClosedMeeting {
                fellowship: group.fellowship,
                for_substances: first_three(closed_for),
            },
        );
    }
    if let Some(wanted) = required_orientation(person).filter(|w| group.orientation != *w) {
        push(
            ExclusionCode::Approach,
            Detail::Approach {
                group: group.orientation,
                wanted,
            },
        );
    }
    if group.medication_stance == MedicationStance::LimitsSharing && person.medication.is_agonist()
    {
        push(
            ExclusionCode::Medication,
            Detail::Medication {
                on: person.medication,
            },
        );
    }
    if person.needs.contains(&Need::Wheelchair)
        && facts.attendance == Attendance::InPerson
        && !group.accessibility.contains(&Need::Wheelchair)
    {
        push(ExclusionCode::Accessibility, Detail::Wheelchair);
    }
    if person.needs.contains(&Need::ProofOfAttendance) && !group.covers(Need::ProofOfAttendance) {
        push(ExclusionCode::ProofOfAttendance, Detail::ProofOfAttendance);
    }
    if let Some(cost) = group.cost.filter(|c| !person.can_pay && c.fee().is_some()) {
        push(ExclusionCode::Cost, Detail::Fee { cost });
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
/// A travel limit as given: up to two decimals, without trailing zeros (`15`, `7.5`).
pub(crate) fn limit_km(limit: f64) -> String {
    // A whole number (the usual limit) is the same text as an integer, written without the exact
    // decimal formatting, which is slow on such numbers (a full excluded list writes it for
    // every group too far).
    if limit.fract() == 0.0 && limit.is_sign_positive() && limit < 1e15 {
        return (limit as i64).to_string();
    }
    let s = format!("{limit:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A distance beyond `limit` with the precision that shows it is beyond the limit as
/// [`limit_km`] writes it: `24 km away`, but `15.2 km away` for a limit of 15 km (never "15 km
/// away, limit 15 km"), up to three decimals; past those, `just over 15 km away`.
pub(crate) fn km_beyond(km: f64, limit: f64) -> String {
    let shown_limit: f64 = limit_km(limit).parse().unwrap_or(limit);
    let mut decimals = if km < 10.0 { 1 } else { 0 };
    while decimals <= 3 {
        let s = format!("{km:.decimals$}");
        if s.parse::<f64>().is_ok_and(|v| v > shown_limit) {
            return format!("{s} km away");
        }
        decimals += 1;
    }
    format!("just over {} km away", limit_km(limit))
}

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
    fn a_distance_just_beyond_the_limit_is_shown_beyond_it() {
        assert_eq!(km_beyond(15.16, 15.0), "15.2 km away");
        assert_eq!(km_beyond(15.04, 15.0), "15.04 km away");
        assert_eq!(km_beyond(15.0001, 15.0), "just over 15 km away");
        assert_eq!(km_beyond(24.2, 15.0), "24 km away");
        assert_eq!(km_beyond(7.52, 7.5), "7.52 km away");
        assert_eq!(km_beyond(3.0, 2.5), "3.0 km away");
        assert_eq!(limit_km(7.5), "7.5");
        assert_eq!(limit_km(15.0), "15");
        for (km, limit) in [(15.16, 15.0), (10.4, 10.0), (25.3, 25.0), (0.06, 0.05)] {
            let shown: f64 = km_beyond(km, limit)
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(shown > limit, "{km} beyond {limit}");
        }
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
        assert_eq!(
            reasons[0].text(),
            "24 km away in a straight line, limit 15 km"
        );
        // From the centre of a postal code, the distance is only about right, and said so.
        p.place = Some(crate::domain::place::PlaceGiven {
            given: "19107".into(),
            kind: crate::domain::place::PlaceKind::PostalCode,
            name: None,
            precision_km: 1.2,
        });
        assert_eq!(
            texts(&p, &g)[0].text(),
            "about 24 km away in a straight line from the centre of the place given, limit 15 km"
        );
        p.place = None;
        // So it is when the group's place was found by its postal code or town.
        g.listing.location_origin = crate::Origin::Derived;
        assert_eq!(
            texts(&p, &g)[0].text(),
            "about 24 km away in a straight line to the centre of the group's postal code or town, limit 15 km"
        );
        g.listing.location_origin = crate::Origin::Given;
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
        // Without a limit, the default limit applies, and the sentence says so.
        p.max_travel_km = None;
        assert!(codes(&p, &g).is_empty());
        // Doylestown, about 40 km away, is beyond it.
        g.location = Some(GeoPoint::new(40.3101, -75.1299).unwrap());
        assert_eq!(
            texts(&p, &g)[0].text(),
            "40 km away in a straight line, limit 25 km (the default: no limit was given)"
        );
    }

    #[test]
    fn without_a_travel_limit_the_default_applies_and_a_far_hybrid_group_is_joined_online() {
        let mut p = person();
        p.max_travel_km = None;
        let mut g = group("g");
        // Pittsburgh: about 414 km from Center City.
        g.location = Some(GeoPoint::new(40.4406, -79.9959).unwrap());
        assert_eq!(codes(&p, &g), [ExclusionCode::Distance]);
        g.format = Format::Hybrid;
        let pair = Pair::at(&p, &g, now());
        assert_eq!(pair.facts.attendance, Attendance::Online);
        assert_eq!(pair.facts.distance_km, None);
        assert!(codes(&p, &g).is_empty());
        // At 20 km, inside the default, the same group is a trip.
        g.location = Some(GeoPoint::new(40.1, -75.2).unwrap());
        assert_eq!(
            Pair::at(&p, &g, now()).facts.attendance,
            Attendance::InPerson
        );
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
        assert_eq!(reasons[0].text(), "held in Spanish; no language in common");
        let mut p = person();
        p.languages.push("es".parse().unwrap());
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn audience_checks_gender_lgbtq_and_veterans() {
        let mut p = person();
        let mut g = group("g");
        for (audience, text) in [
            (Audience::Women, "women-only group"),
            (Audience::Men, "men-only group"),
            (Audience::Lgbtq, "LGBTQ+ group"),
            (Audience::Gay, "gay group"),
            (Audience::Lesbian, "lesbian group"),
            (Audience::Transgender, "transgender group"),
            (Audience::Nonbinary, "nonbinary group"),
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
        // Meeting Guide's G, L, T and NB stay distinct: a lesbian meeting is for women.
        for audience in [Audience::Gay, Audience::Lesbian, Audience::Transgender] {
            g.audience = vec![audience];
            assert!(codes(&p, &g).is_empty(), "{audience}");
        }
        p.gender = Gender::Man;
        g.audience = vec![Audience::Lesbian];
        assert_eq!(codes(&p, &g), [ExclusionCode::Audience]);
        g.audience = vec![Audience::Gay];
        assert!(codes(&p, &g).is_empty());
        p.age = Some(60);
        g.audience = vec![Audience::Seniors];
        assert!(codes(&p, &g).is_empty());
        p.age = None;
        assert_eq!(
            texts(&p, &g)[0].text(),
            "seniors' group (60 or over); your age is not given"
        );
        p.veteran = true;
        g.audience = vec![Audience::Veterans];
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn a_young_peoples_group_limits_age_only_where_it_states_a_limit() {
        let mut p = person();
        let mut g = group("g");
        g.audience = vec![Audience::YoungPeople];
        assert_eq!(p.age, Some(40));
        assert!(codes(&p, &g).is_empty());
        g.min_age = Some(18);
        g.max_age = Some(25);
        let reasons = texts(&p, &g);
        assert_eq!(
            (reasons[0].code, reasons[0].text().as_str()),
            (ExclusionCode::Age, "a group for ages 18 to 25; you are 40")
        );
        p.age = Some(25);
        assert!(codes(&p, &g).is_empty());
        p.age = Some(17);
        assert_eq!(
            texts(&p, &g)[0].text(),
            "a group for ages 18 to 25; you are 17"
        );
        g.max_age = None;
        assert_eq!(
            texts(&p, &g)[0].text(),
            "a group for ages 18 and over; you are 17"
        );
        // Age not given: no limit can be checked.
        p.age = None;
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn people_under_18_are_not_offered_adult_groups() {
        let mut p = person();
        p.age = Some(16);
        let mut g = group("g");
        let reasons = texts(&p, &g);
        assert_eq!(reasons[0].code, ExclusionCode::Age);
        assert!(reasons[0].text().starts_with("a group for adults"));
        // A group that states a minimum age under 18 takes them.
        g.min_age = Some(13);
        g.max_age = Some(17);
        assert!(codes(&p, &g).is_empty());
        // So does Alateen, for a young family member.
        p.role = Role::FamilyMember;
        p.stage = None;
        g.serves = crate::Serves::Family;
        g.max_age = Some(19);
        assert!(codes(&p, &g).is_empty());
        g.min_age = None;
        g.max_age = None;
        assert_eq!(codes(&p, &g), [ExclusionCode::Age]);
        p.age = Some(18);
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn a_closed_meeting_needs_its_fellowships_substance_among_the_persons() {
        let mut p = person();
        p.substances = vec![Substance::Opioids];
        let mut g = group("g");
        g.fellowship = Some(Fellowship::Aa);
        g.substances = vec![Substance::Alcohol];
        g.closed = Some(true);
        let reasons = texts(&p, &g);
        assert_eq!(
            (reasons[0].code, reasons[0].text().as_str()),
            (
                ExclusionCode::ClosedMeeting,
                "closed AA meeting, for people who want to stop using alcohol, which is not \
                 among your substances; open meetings welcome anyone"
            )
        );
        // Open (or unstated) meetings welcome anyone.
        for closed in [Some(false), None] {
            g.closed = closed;
            assert!(codes(&p, &g).is_empty());
        }
        g.closed = Some(true);
        p.substances.push(Substance::Alcohol);
        assert!(codes(&p, &g).is_empty());
        // NA and CA closed meetings take any substance, alcohol included.
        p.substances = vec![Substance::Alcohol];
        for fellowship in [Fellowship::Na, Fellowship::Ca] {
            g.fellowship = Some(fellowship);
            g.substances.clear();
            assert!(codes(&p, &g).is_empty(), "{fellowship}");
        }
        // A closed Crystal Meth Anonymous meeting is for methamphetamine.
        g.fellowship = Some(Fellowship::Cma);
        assert_eq!(codes(&p, &g), [ExclusionCode::ClosedMeeting]);
        p.substances.push(Substance::Methamphetamine);
        assert!(codes(&p, &g).is_empty());
        // Without a fellowship, the group's own substances decide.
        g.fellowship = None;
        g.substances = vec![Substance::Cocaine];
        assert_eq!(
            texts(&p, &g)[0].text(),
            "closed meeting, for people who want to stop using cocaine, which is not among your \
             substances; open meetings welcome anyone"
        );
        // Substances not given: nothing to check.
        p.substances.clear();
        assert!(codes(&p, &g).is_empty());
    }

    #[test]
    fn a_meeting_limiting_sharing_by_people_on_agonist_medication_excludes_them_only() {
        let mut p = person();
        let mut g = group("g");
        g.medication_stance = MedicationStance::LimitsSharing;
        assert!(codes(&p, &g).is_empty());
        for on in [Medication::Methadone, Medication::Buprenorphine] {
            p.medication = on;
            let reasons = texts(&p, &g);
            assert_eq!(
                (reasons[0].code, reasons[0].text()),
                (
                    ExclusionCode::Medication,
                    format!(
                        "this meeting limits sharing by members on methadone or buprenorphine, \
                         and you are on {on}"
                    )
                )
            );
        }
        p.medication = Medication::Naltrexone;
        assert!(codes(&p, &g).is_empty());
        p.medication = Medication::Buprenorphine;
        for stance in [MedicationStance::Welcoming, MedicationStance::Unknown] {
            g.medication_stance = stance;
            assert!(codes(&p, &g).is_empty());
        }
    }

    #[test]
    fn a_person_needing_proof_of_attendance_gets_groups_that_sign_one() {
        let mut p = person();
        p.needs = vec![Need::ProofOfAttendance];
        let mut g = group("g");
        let reasons = texts(&p, &g);
        assert_eq!(
            (reasons[0].code, reasons[0].text().as_str()),
            (
                ExclusionCode::ProofOfAttendance,
                "does not sign a proof of attendance, which you need"
            )
        );
        g.accessibility = vec![Need::ProofOfAttendance];
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
    fn a_person_who_cannot_pay_is_not_offered_a_group_with_a_fee_only() {
        use crate::{Cost, Currency};
        let mut p = person();
        let mut g = group("g");
        let fee = Cost::Amount {
            amount: 40.0,
            currency: Some(Currency::Usd),
        };
        g.cost = Some(fee);
        assert!(codes(&p, &g).is_empty(), "a person who can pay");
        p.can_pay = false;
        let reasons = texts(&p, &g);
        assert_eq!(
            (reasons.len(), reasons[0].code, reasons[0].text().as_str()),
            (
                1,
                ExclusionCode::Cost,
                "a fee of $40 a session; you cannot pay"
            )
        );
        g.cost = Some(Cost::Amount {
            amount: 25.5,
            currency: None,
        });
        assert_eq!(
            texts(&p, &g)[0].text(),
            "a fee of 25.50 a session; you cannot pay"
        );
        for cost in crate::testutil::costs_without_a_fee() {
            g.cost = cost;
            assert!(codes(&p, &g).is_empty(), "{cost:?}");
        }
        // Checked after proof of attendance and before seats.
        p.needs = vec![Need::ProofOfAttendance];
        g.cost = Some(fee);
        g.capacity = Some(0);
        assert_eq!(
            codes(&p, &g),
            [
                ExclusionCode::ProofOfAttendance,
                ExclusionCode::Cost,
                ExclusionCode::Full
            ]
        );
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
