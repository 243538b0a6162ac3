//! The facts a rule can test: `person.*`, `group.*` and derived `pair.*` values.
//!
//! Each fact has a name, a type and, for closed vocabularies, its allowed values, so a rule file
//! is type-checked once when it is read. At evaluation a fact is read straight from the person,
//! the group and the facts about the pair, without allocating.

use std::fmt;

use crate::domain::cost::Cost;
use crate::domain::group::Group;
use crate::domain::person::{Person, Prior};
use crate::domain::vocab::*;
use crate::pair::{Attendance, Pair};

/// The type of a fact or an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// true / false.
    Bool,
    /// A number.
    Num,
    /// A string (free text or a vocabulary value).
    Str,
    /// A list of strings.
    List,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Bool => "a boolean",
            Type::Num => "a number",
            Type::Str => "a string",
            Type::List => "a list",
        })
    }
}

/// A list-valued fact, borrowed from the person or group.
#[derive(Debug, Clone, Copy)]
pub enum ListRef<'a> {
    /// Needs, focus or accessibility.
    Needs(&'a [Need]),
    /// A group's audience.
    Audience(&'a [Audience]),
    /// Languages.
    Languages(&'a [Language]),
    /// Substances.
    Substances(&'a [Substance]),
    /// A group's steps before the first session.
    Requirements(&'a [Requirement]),
    /// The approaches of the person's earlier experiences with one outcome.
    Prior(&'a [Prior], PriorOutcome),
}

impl ListRef<'_> {
    /// Whether the list holds the string `s`.
    pub fn contains(&self, s: &str) -> bool {
        match self {
            ListRef::Needs(v) => v.iter().any(|x| x.as_str() == s),
            ListRef::Audience(v) => v.iter().any(|x| x.as_str() == s),
            ListRef::Languages(v) => v.iter().any(|x| x.as_str() == s),
            ListRef::Substances(v) => v.iter().any(|x| x.as_str() == s),
            ListRef::Requirements(v) => v.iter().any(|x| x.as_str() == s),
            ListRef::Prior(v, o) => v
                .iter()
                .any(|p| p.outcome == *o && p.approach.as_str() == s),
        }
    }

    /// The items, for templates.
    pub fn items(&self) -> Vec<&str> {
        match self {
            ListRef::Needs(v) => v.iter().map(|x| x.as_str()).collect(),
            ListRef::Audience(v) => v.iter().map(|x| x.as_str()).collect(),
            ListRef::Languages(v) => v.iter().map(|x| x.as_str()).collect(),
            ListRef::Substances(v) => v.iter().map(|x| x.as_str()).collect(),
            ListRef::Requirements(v) => v.iter().map(|x| x.as_str()).collect(),
            ListRef::Prior(v, o) => v
                .iter()
                .filter(|p| p.outcome == *o)
                .map(|p| p.approach.as_str())
                .collect(),
        }
    }
}

/// A fact's value for one pair.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// Not known (an optional field that is absent). Every comparison with it is false.
    Missing,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(&'a str),
    /// A list.
    List(ListRef<'a>),
}

impl fmt::Display for Value<'_> {
    /// As shown in reasons: whole numbers without decimals, others with one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("unknown"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{n:.0}"),
            Value::Num(n) => write!(f, "{n:.1}"),
            Value::Str(s) => f.write_str(s),
            Value::List(l) if l.items().is_empty() => f.write_str("none"),
            Value::List(l) => f.write_str(&l.items().join(", ")),
        }
    }
}

/// Where an expression reads facts from: a whole pair, or a person alone.
pub trait FactSource<'a> {
    /// The value of a fact.
    fn fact(&self, f: Fact) -> Value<'a>;
}

impl<'a> FactSource<'a> for Pair<'a> {
    fn fact(&self, f: Fact) -> Value<'a> {
        f.value(self)
    }
}

/// A person alone: person facts have values, group and pair facts are missing.
#[derive(Debug, Clone, Copy)]
pub struct PersonOnly<'a>(pub &'a Person);

impl<'a> FactSource<'a> for PersonOnly<'a> {
    fn fact(&self, f: Fact) -> Value<'a> {
        f.person_value(self.0).unwrap_or(Value::Missing)
    }
}

/// A group alone: group facts have values, person and pair facts are missing.
#[derive(Debug, Clone, Copy)]
pub struct GroupOnly<'a>(pub &'a Group);

impl<'a> FactSource<'a> for GroupOnly<'a> {
    fn fact(&self, f: Fact) -> Value<'a> {
        f.group_value(self.0).unwrap_or(Value::Missing)
    }
}

macro_rules! facts {
    ($($variant:ident = $name:literal : $ty:ident, $vocab:expr, $doc:literal;)+) => {
        /// A fact rules can test.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Fact {
            $(#[doc = $doc] $variant),+
        }

        impl Fact {
            /// Every fact, in documented order.
            pub const ALL: &'static [Fact] = &[$(Fact::$variant),+];

            /// The fact's path, such as `person.stage`.
            pub fn name(self) -> &'static str {
                match self { $(Fact::$variant => $name),+ }
            }

            /// The fact's type.
            pub fn ty(self) -> Type {
                match self { $(Fact::$variant => Type::$ty),+ }
            }

            /// The allowed string values (of the fact, or of its list items), if closed.
            pub fn vocabulary(self) -> Option<&'static [&'static str]> {
                match self { $(Fact::$variant => $vocab),+ }
            }

            /// One line on what the fact is.
            pub fn doc(self) -> &'static str {
                match self { $(Fact::$variant => $doc),+ }
            }
        }
    };
}

const NONE: Option<&'static [&'static str]> = None;

facts! {
    PersonRole = "person.role": Str, Some(Role::NAMES), "in recovery, or a family member";
    PersonStage = "person.stage": Str, Some(Stage::NAMES), "recovery stage (missing for a family member)";
    PersonRelationship = "person.relationship": Str, Some(Relationship::NAMES), "a family member's relationship to their loved one (may be missing)";
    PersonFamilyAim = "person.family_aim": Str, Some(FamilyAim::NAMES), "what a family member wants help with (may be missing)";
    PersonApproachPreference = "person.approach_preference": Str, Some(ApproachPreference::NAMES), "preferred orientation";
    PersonApproachStrict = "person.approach_strict": Bool, NONE, "accepts only the preferred orientation";
    PersonFormatPreference = "person.format_preference": Str, Some(FormatPreference::NAMES), "in person, online or either";
    PersonGender = "person.gender": Str, Some(Gender::NAMES), "gender";
    PersonGenderSpecific = "person.gender_specific": Str, Some(GenderSpecific::NAMES), "wish for a gender-specific group";
    PersonAge = "person.age": Num, NONE, "age in years (may be missing)";
    PersonLgbtq = "person.lgbtq": Bool, NONE, "LGBTQ+";
    PersonVeteran = "person.veteran": Bool, NONE, "military veteran";
    PersonNeeds = "person.needs": List, Some(Need::NAMES), "needs";
    PersonCanPay = "person.can_pay": Bool, NONE, "can pay a fee for a session (true unless they said not)";
    PersonSubstances = "person.substances": List, Some(Substance::NAMES), "substances";
    PersonPrimarySubstance = "person.primary_substance": Str, Some(Substance::NAMES), "the substance that matters most to them (may be missing)";
    PersonMedication = "person.medication": Str, Some(Medication::NAMES), "medication for opioid use disorder";
    PersonGoal = "person.goal": Str, Some(Goal::NAMES), "abstinence or reducing (may be missing)";
    PersonAudiencePreference = "person.audience_preference": List, Some(Audience::NAMES), "audiences they would like a group for";
    PersonLanguages = "person.languages": List, Some(LANGUAGE_CODES), "languages (the first is the main one)";
    PersonFacilitationPreference = "person.facilitation_preference": Str, Some(FacilitationPreference::NAMES), "peer, professional or either";
    PersonSelfEfficacy = "person.self_efficacy": Num, NONE, "confidence 1-10 (may be missing)";
    PersonReadiness = "person.readiness": Num, NONE, "readiness to change 1-10 (may be missing)";
    PersonSocialSupport = "person.social_support": Str, Some(SocialSupport::NAMES), "support from people around them (may be missing)";
    PersonNetworkSupportsUse = "person.network_supports_use": Bool, NONE, "friends or family who drink or use (may be missing)";
    PersonMaxTravelKm = "person.max_travel_km": Num, NONE, "travel limit in km (may be missing)";
    PersonPriorHelped = "person.prior_helped": List, Some(Approach::NAMES), "approaches that helped before";
    PersonPriorDisliked = "person.prior_disliked": List, Some(Approach::NAMES), "approaches disliked before";
    GroupId = "group.id": Str, NONE, "the group's id";
    GroupName = "group.name": Str, NONE, "the group's name";
    GroupCity = "group.city": Str, NONE, "city (may be missing)";
    GroupApproach = "group.approach": Str, Some(Approach::NAMES), "programme";
    GroupFellowship = "group.fellowship": Str, Some(Fellowship::NAMES), "the fellowship of a 12-step or family meeting (may be missing)";
    GroupOrientation = "group.orientation": Str, Some(Orientation::NAMES), "spiritual, secular or religious";
    GroupFormat = "group.format": Str, Some(Format::NAMES), "in person, online or hybrid";
    GroupFacilitation = "group.facilitation": Str, Some(Facilitation::NAMES), "peer or professional";
    GroupServes = "group.serves": Str, Some(Serves::NAMES), "people in recovery, family members, or both";
    GroupLanguages = "group.languages": List, Some(LANGUAGE_CODES), "languages";
    GroupAudience = "group.audience": List, Some(Audience::NAMES), "audience restriction";
    GroupFocus = "group.focus": List, Some(Need::NAMES), "topics";
    GroupAccessibility = "group.accessibility": List, Some(Need::NAMES), "accommodations";
    GroupSubstances = "group.substances": List, Some(Substance::NAMES), "substances (empty: any)";
    GroupMinAge = "group.min_age": Num, NONE, "youngest age taken (may be missing)";
    GroupMaxAge = "group.max_age": Num, NONE, "oldest age taken (may be missing)";
    GroupClosed = "group.closed": Bool, NONE, "closed meeting (may be missing)";
    GroupMedicationStance = "group.medication_stance": Str, Some(MedicationStance::NAMES), "stance on members on medication for opioid use disorder";
    GroupAbstinenceRequired = "group.abstinence_required": Bool, NONE, "members aim for abstinence (may be missing)";
    GroupNewcomerContact = "group.newcomer_contact": Str, NONE, "how a newcomer reaches a member (missing: none offered)";
    GroupRequires = "group.requires": List, Some(Requirement::NAMES), "steps before the first session";
    GroupBeginnerFriendly = "group.beginner_friendly": Bool, NONE, "welcomes newcomers";
    GroupCapacity = "group.capacity": Num, NONE, "seats (missing: unlimited)";
    GroupEnrolled = "group.enrolled": Num, NONE, "seats taken";
    GroupOpenSeats = "group.open_seats": Num, NONE, "open seats (missing: unlimited)";
    GroupCost = "group.cost": Num, NONE, "the amount a session costs, 0 when free (missing unless the directory gives an amount)";
    GroupCostKind = "group.cost_kind": Str, Some(Cost::KINDS), "free, donation, sliding_scale, insurance or fee (an amount above 0); missing when the cost is unknown";
    GroupSessionsPerWeek = "group.sessions_per_week": Num, NONE, "sessions the group lists (a weekly one is one a week; see pair.sessions_fitting_per_week for real rates)";
    PairAttendance = "pair.attendance": Str, Some(&["in_person", "online"]), "how the person would attend";
    PairDistanceKm = "pair.distance_km": Num, NONE, "km to travel (missing when online or a place is unknown)";
    PairSessionsFittingPerWeek = "pair.sessions_fitting_per_week": Num, NONE, "sessions a week inside the person's availability, averaged over the next 13 weeks";
    PairOrientationMatch = "pair.orientation_match": Bool, NONE, "the person has a preference and the group has it";
    PairNeedsCovered = "pair.needs_covered": Num, NONE, "share (0-1) of the person's needs the group offers; 0 without needs";
    PairMainLanguage = "pair.main_language": Bool, NONE, "the group is held in the person's first language";
    PairSubstanceMatch = "pair.substance_match": Bool, NONE, "the group lists no substances, or one of the person's";
    PairFellowshipOfMainSubstance = "pair.fellowship_of_main_substance": Bool, NONE, "the group's fellowship is one named for the person's main substance (missing when either is unknown)";
    PairAudienceWished = "pair.audience_wished": Bool, NONE, "the group is for an audience the person would like";
    PairPriorOutcome = "pair.prior_outcome": Str, Some(&["helped", "neutral", "disliked", "none"]), "the person's earlier experience with this approach";
}

impl Fact {
    /// The fact with this path.
    pub fn named(name: &str) -> Option<Fact> {
        Fact::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The fact's value for a pair.
    pub(crate) fn value<'a>(self, c: &Pair<'a>) -> Value<'a> {
        self.person_value(c.person)
            .or_else(|| self.group_value(c.group))
            .unwrap_or_else(|| self.pair_value(c))
    }

    /// Whether the fact is about the person alone.
    pub fn is_person_fact(self) -> bool {
        self.name().starts_with("person.")
    }

    /// Whether the fact is about the group alone.
    pub fn is_group_fact(self) -> bool {
        self.name().starts_with("group.")
    }

    /// Whether the fact reads what is known of the pair itself (how the person would attend,
    /// the distance, the sessions fitting), not only the person and the group.
    pub fn reads_pair_facts(self) -> bool {
        matches!(
            self,
            Fact::PairAttendance | Fact::PairDistanceKm | Fact::PairSessionsFittingPerWeek
        )
    }

    /// The group facts this fact reads of a group: itself for a group fact, none for a person
    /// fact, and for a pair fact the group's side of the comparison (beside the pair's facts,
    /// for one that [`Fact::reads_pair_facts`]). Two groups alike in these give a person the
    /// same value of a fact that does not read pair facts (a test holds every such fact to it).
    pub(crate) fn group_facts(self) -> &'static [Fact] {
        use Fact::*;
        match self {
            PairAttendance => &[GroupFormat],
            PairDistanceKm | PairSessionsFittingPerWeek => &[],
            PairOrientationMatch => &[GroupOrientation],
            PairNeedsCovered => &[GroupFocus, GroupAccessibility],
            PairMainLanguage => &[GroupLanguages],
            PairSubstanceMatch => &[GroupSubstances],
            PairFellowshipOfMainSubstance => &[GroupFellowship],
            PairAudienceWished => &[GroupAudience],
            PairPriorOutcome => &[GroupApproach],
            group if group.is_group_fact() => {
                let i = Fact::ALL
                    .iter()
                    .position(|f| *f == group)
                    .unwrap_or_default();
                std::slice::from_ref(&Fact::ALL[i])
            }
            _ => &[],
        }
    }

    /// The value of a person fact; `None` for group and pair facts.
    pub fn person_value(self, p: &Person) -> Option<Value<'_>> {
        use Fact::*;
        let num = |v: Option<f64>| v.map_or(Value::Missing, Value::Num);
        Some(match self {
            PersonRole => Value::Str(p.role.as_str()),
            PersonStage => p.stage.map_or(Value::Missing, |s| Value::Str(s.as_str())),
            PersonRelationship => p
                .relationship
                .map_or(Value::Missing, |r| Value::Str(r.as_str())),
            PersonFamilyAim => p
                .family_aim
                .map_or(Value::Missing, |a| Value::Str(a.as_str())),
            PersonApproachPreference => Value::Str(p.approach_preference.as_str()),
            PersonApproachStrict => Value::Bool(p.approach_strict),
            PersonFormatPreference => Value::Str(p.format_preference.as_str()),
            PersonGender => Value::Str(p.gender.as_str()),
            PersonGenderSpecific => Value::Str(p.gender_specific.as_str()),
            PersonAge => num(p.age.map(f64::from)),
            PersonLgbtq => Value::Bool(p.lgbtq),
            PersonVeteran => Value::Bool(p.veteran),
            PersonNeeds => Value::List(ListRef::Needs(&p.needs)),
            PersonCanPay => Value::Bool(p.can_pay),
            PersonSubstances => Value::List(ListRef::Substances(&p.substances)),
            PersonPrimarySubstance => p
                .primary_substance
                .map_or(Value::Missing, |s| Value::Str(s.as_str())),
            PersonMedication => Value::Str(p.medication.as_str()),
            PersonGoal => p.goal.map_or(Value::Missing, |g| Value::Str(g.as_str())),
            PersonAudiencePreference => Value::List(ListRef::Audience(&p.audience_preference)),
            PersonLanguages => Value::List(ListRef::Languages(&p.languages)),
            PersonFacilitationPreference => Value::Str(p.facilitation_preference.as_str()),
            PersonSelfEfficacy => num(p.self_efficacy.map(f64::from)),
            PersonReadiness => num(p.readiness.map(f64::from)),
            PersonSocialSupport => p
                .social_support
                .map_or(Value::Missing, |s| Value::Str(s.as_str())),
            PersonNetworkSupportsUse => p.network_supports_use.map_or(Value::Missing, Value::Bool),
            PersonMaxTravelKm => num(p.max_travel_km),
            PersonPriorHelped => Value::List(ListRef::Prior(&p.prior, PriorOutcome::Helped)),
            PersonPriorDisliked => Value::List(ListRef::Prior(&p.prior, PriorOutcome::Disliked)),
            _ => return None,
        })
    }

    /// The value of a group fact; `None` for person and pair facts.
    pub fn group_value(self, g: &Group) -> Option<Value<'_>> {
        use Fact::*;
        let num = |v: Option<f64>| v.map_or(Value::Missing, Value::Num);
        Some(match self {
            GroupId => Value::Str(&g.id),
            GroupName => Value::Str(&g.name),
            GroupCity => g.city.as_deref().map_or(Value::Missing, Value::Str),
            GroupApproach => Value::Str(g.approach.as_str()),
            GroupFellowship => g
                .fellowship
                .map_or(Value::Missing, |f| Value::Str(f.as_str())),
            GroupOrientation => Value::Str(g.orientation.as_str()),
            GroupFormat => Value::Str(g.format.as_str()),
            GroupFacilitation => Value::Str(g.facilitation.as_str()),
            GroupServes => Value::Str(g.serves.as_str()),
            GroupLanguages => Value::List(ListRef::Languages(&g.languages)),
            GroupAudience => Value::List(ListRef::Audience(&g.audience)),
            GroupFocus => Value::List(ListRef::Needs(&g.focus)),
            GroupAccessibility => Value::List(ListRef::Needs(&g.accessibility)),
            GroupSubstances => Value::List(ListRef::Substances(&g.substances)),
            GroupMinAge => num(g.min_age.map(f64::from)),
            GroupMaxAge => num(g.max_age.map(f64::from)),
            GroupClosed => g.closed.map_or(Value::Missing, Value::Bool),
            GroupMedicationStance => Value::Str(g.medication_stance.as_str()),
            GroupAbstinenceRequired => g.abstinence_required.map_or(Value::Missing, Value::Bool),
            GroupNewcomerContact => g
                .newcomer_contact
                .as_deref()
                .map_or(Value::Missing, Value::Str),
            GroupRequires => Value::List(ListRef::Requirements(&g.requires)),
            GroupBeginnerFriendly => Value::Bool(g.beginner_friendly),
            GroupCapacity => num(g.capacity.map(f64::from)),
            GroupEnrolled => Value::Num(f64::from(g.enrolled)),
            GroupOpenSeats => num(g.open_seats().map(f64::from)),
            GroupCost => num(g.cost.and_then(Cost::amount)),
            GroupCostKind => g.cost.map_or(Value::Missing, |c| Value::Str(c.kind())),
            GroupSessionsPerWeek => Value::Num(g.sessions.len() as f64),
            _ => return None,
        })
    }

    /// The value of a pair fact.
    fn pair_value<'a>(self, c: &Pair<'a>) -> Value<'a> {
        use Fact::*;
        let (p, g, facts) = (c.person, c.group, &c.facts);
        let num = |v: Option<f64>| v.map_or(Value::Missing, Value::Num);
        match self {
            PairAttendance => Value::Str(match facts.attendance {
                Attendance::InPerson => "in_person",
                Attendance::Online => "online",
            }),
            PairDistanceKm => num(facts.distance_km),
            PairSessionsFittingPerWeek => Value::Num(facts.sessions_per_week()),
            PairOrientationMatch => Value::Bool(
                p.approach_preference
                    .orientation()
                    .is_some_and(|o| o == g.orientation),
            ),
            PairNeedsCovered => Value::Num(if p.needs.is_empty() {
                0.0
            } else {
                p.needs.iter().filter(|n| g.covers(**n)).count() as f64 / p.needs.len() as f64
            }),
            PairMainLanguage => {
                Value::Bool(p.languages.first().is_some_and(|l| g.languages.contains(l)))
            }
            PairSubstanceMatch => Value::Bool(
                g.substances.is_empty() || p.substances.iter().any(|s| g.substances.contains(s)),
            ),
            PairFellowshipOfMainSubstance => match (p.main_substance(), g.fellowship) {
                (Some(s), Some(f)) => Value::Bool(Fellowship::for_substance(s).contains(&f)),
                _ => Value::Missing,
            },
            PairAudienceWished => Value::Bool(p.wishes_any_of(&g.audience)),
            PairPriorOutcome => {
                Value::Str(p.prior_outcome(g.approach).map_or("none", |o| o.as_str()))
            }
            _ => unreachable!("person and group facts are read by person_value and group_value"),
        }
    }
}
