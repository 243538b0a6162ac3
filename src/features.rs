//! The engagement model's named pair features, and the sentence that explains each one.
//!
//! The feature list is the schema every model file must match, in this order ([`FEATURE_NAMES`]).
//! Each feature is a plain number built from the person, the group and their [`PairFacts`]; most
//! are 0/1 indicators so that a coefficient reads directly as a log-odds change. Sources for the
//! prior coefficients are in `models/README.md`.

use crate::domain::group::Group;
use crate::domain::vocab::{
    Approach, Audience, Facilitation, FormatPreference, GenderSpecific, Need, Orientation,
    PriorOutcome, SocialSupport, Stage, Substance,
};
use crate::eligibility::{round_km, YOUNG_PEOPLE_MAX_AGE};
use crate::pair::{Attendance, Pair, HORIZON_WEEKS};

macro_rules! features {
    ($($(#[$doc:meta])* $variant:ident = $name:literal),+ $(,)?) => {
        /// A named pair feature of the engagement model.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Feature {
            $($(#[$doc])* $variant),+
        }

        /// Every feature's name, in schema order.
        pub const FEATURE_NAMES: &[&str] = &[$($name),+];

        impl Feature {
            /// Every feature, in schema order.
            pub const ALL: &'static [Feature] = &[$(Feature::$variant),+];

            /// The feature's name in model files.
            pub fn name(self) -> &'static str {
                FEATURE_NAMES[self as usize]
            }

            /// Whether the feature describes only the person, so it is the same for every group
            /// and moves the score without changing the order.
            pub fn is_person_level(self) -> bool {
                matches!(
                    self,
                    Feature::Readiness | Feature::SelfEfficacy | Feature::LowSocialSupport | Feature::Exploring | Feature::WarmHandoff
                )
            }

            /// Whether the feature reads the pair's facts (how the person attends, how
            /// far, how many sessions fit); every other feature reads only the person and the
            /// group's attributes.
            pub fn reads_pair_facts(self) -> bool {
                matches!(
                    self,
                    Feature::SessionsFitting | Feature::Distance10km | Feature::LocationUnknown | Feature::OnlineAttendance
                )
            }
        }
    };
}

features! {
    /// The group's orientation is the one the person prefers.
    OrientationMatch = "orientation_match",
    /// The person has a preference and the group's orientation is another.
    OrientationMismatch = "orientation_mismatch",
    /// ln(1 + sessions a week inside the person's availability, averaged over the 13-week
    /// horizon): more chances to attend, saturating. A weekly session that fits counts 1, a
    /// monthly one about 0.23.
    SessionsFitting = "sessions_fitting",
    /// Distance to the meeting place in units of 10 km, when attending in person.
    Distance10km = "distance_10km",
    /// Attending in person but the distance cannot be computed (a location is missing).
    LocationUnknown = "location_unknown",
    /// The person would attend online.
    OnlineAttendance = "online_attendance",
    /// Early stage and the group welcomes beginners.
    BeginnerFriendlyEarly = "beginner_friendly_early",
    /// Early stage and the group is professionally led (structure early on).
    ProfessionalEarly = "professional_early",
    /// Facilitation is the kind the person prefers.
    FacilitationMatch = "facilitation_match",
    /// Facilitation is not the kind the person prefers.
    FacilitationMismatch = "facilitation_mismatch",
    /// The person wants a gender-specific group and this is one for them.
    GenderSpecificMatch = "gender_specific_match",
    /// A young person (30 or under) and a young people's group.
    YoungAdultAgeMatched = "young_adult_age_matched",
    /// A co-occurring condition and a dual-focus group.
    DualFocusCoOccurring = "dual_focus_co_occurring",
    /// A co-occurring condition and a traditional 12-step group without a mental-health focus.
    CoOccurringTraditional12Step = "co_occurring_traditional_12step",
    /// Share of the person's other needs the group offers (0 to 1).
    NeedsCovered = "needs_covered",
    /// A person who lists several languages, and a group held in their main (first-listed) one.
    MainLanguage = "main_language",
    /// The approach helped the person before.
    PriorHelped = "prior_helped",
    /// The person disliked the approach before.
    PriorDisliked = "prior_disliked",
    /// A network that drinks or uses, and a 12-step fellowship.
    Network12Step = "network_12step",
    /// An LGBTQ+ person and an LGBTQ+ group.
    LgbtqAffirming = "lgbtq_affirming",
    /// A veteran and a veterans' group.
    VeteranGroup = "veteran_group",
    /// The group focuses on substances other than the person's and is not an open meeting
    /// (an open meeting welcomes anyone; a closed one for other substances is excluded).
    SubstanceMismatch = "substance_mismatch",
    /// Readiness to change, centred: (readiness - 5.5) / 4.5, 0 when not given.
    Readiness = "readiness",
    /// Self-efficacy, centred: (self_efficacy - 5.5) / 4.5, 0 when not given.
    SelfEfficacy = "self_efficacy",
    /// Little social support.
    LowSocialSupport = "low_social_support",
    /// Still exploring whether to change (not yet committed).
    Exploring = "exploring",
    /// The person was introduced to a member (a warm handoff) rather than given the group's
    /// details: set from a history's `referral_type`, and 0 when ranking, which estimates the
    /// chance for a person given the details (the next step then suggests the handoff).
    WarmHandoff = "warm_handoff",
}

/// Number of features.
pub const N_FEATURES: usize = FEATURE_NAMES.len();

/// One pair's feature values, in schema order.
pub type FeatureVector = [f64; N_FEATURES];

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// A 1-10 score centred on 0: (score - 5.5) / 4.5, 0 when not given.
pub(crate) fn centred(score: Option<u8>) -> f64 {
    score.map_or(0.0, |s| (f64::from(s) - 5.5) / 4.5)
}

/// ln(1 + n / 13): ln(1 + sessions a week) for `n` fitting occurrences in the 13-week horizon,
/// the same value as `libm::log1p`, looked up for the counts of a few sessions a week (computed
/// once) rather than computed for every pair. For a weekly session n / 13 is a whole number, so
/// the value is exactly ln(1 + sessions a week).
fn ln_1p_rate(n: u32) -> f64 {
    const TABLE_LEN: usize = 32 * HORIZON_WEEKS as usize;
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let rate = |n: f64| libm::log1p(n / f64::from(HORIZON_WEEKS));
    let table = TABLE.get_or_init(|| (0..TABLE_LEN).map(|i| rate(i as f64)).collect());
    table
        .get(n as usize)
        .copied()
        .unwrap_or_else(|| rate(f64::from(n)))
}

/// Needs handled by their own features or by eligibility, left out of `needs_covered`.
const SEPARATE_NEEDS: [Need; 2] = [Need::CoOccurring, Need::Wheelchair];

/// What the features read of a group besides the pair's facts, packed into a few bytes: its
/// lists as bit masks. Scoring many pairs per person reads this one small record per group
/// rather than the group and the lists it points to ([`compute_with`]); only a person with
/// several languages has the group's languages read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GroupTraits {
    approach: Approach,
    orientation: Orientation,
    facilitation: Facilitation,
    beginner_friendly: bool,
    closed: Option<bool>,
    /// [`Group::is_dual_focus`].
    dual_focus: bool,
    /// Whether one of its audiences is LGBTQ+.
    lgbtq: bool,
    /// Its audiences, bit `a as u32` for audience `a`.
    audience: u16,
    /// The needs it covers ([`Group::covers`]), bit `n as u32` for need `n`.
    covers: u16,
    /// Its substances, bit `s as u32` for substance `s`.
    substances: u16,
}

// Each vocabulary fits its mask.
const _: () =
    assert!(Audience::ALL.len() <= 16 && Need::ALL.len() <= 16 && Substance::ALL.len() <= 16);

/// The mask of the `places` of some items in their vocabulary, one bit each.
fn mask(places: impl Iterator<Item = u32>) -> u16 {
    places.fold(0, |m, i| m | 1 << i)
}

impl GroupTraits {
    /// What the features read of `group`.
    pub(crate) fn of(group: &Group) -> GroupTraits {
        GroupTraits {
            approach: group.approach,
            orientation: group.orientation,
            facilitation: group.facilitation,
            beginner_friendly: group.beginner_friendly,
            closed: group.closed,
            dual_focus: group.is_dual_focus(),
            lgbtq: group.audience.iter().any(|a| a.is_lgbtq()),
            audience: mask(group.audience.iter().map(|a| *a as u32)),
            covers: mask(
                group
                    .focus
                    .iter()
                    .chain(&group.accessibility)
                    .map(|n| *n as u32),
            ),
            substances: mask(group.substances.iter().map(|s| *s as u32)),
        }
    }

    fn has_audience(&self, audience: Audience) -> bool {
        self.audience & 1 << audience as u32 != 0
    }

    fn covers(&self, need: Need) -> bool {
        self.covers & 1 << need as u32 != 0
    }

    fn has_substance(&self, substance: Substance) -> bool {
        self.substances & 1 << substance as u32 != 0
    }
}

/// Computes the feature vector of a pair.
pub(crate) fn compute(pair: &Pair) -> FeatureVector {
    compute_with(pair, &GroupTraits::of(pair.group))
}

/// Computes the feature vector of a pair whose group's traits are `traits`
/// ([`GroupTraits::of`] its group): the group itself is read only for its languages.
pub(crate) fn compute_with(pair: &Pair, traits: &GroupTraits) -> FeatureVector {
    let (person, group, facts) = (pair.person, traits, &pair.facts);
    use Feature as F;
    let mut x = [0.0; N_FEATURES];
    let mut set = |f: F, v: f64| x[f as usize] = v;

    if let Some(wanted) = person.approach_preference.orientation() {
        set(F::OrientationMatch, flag(group.orientation == wanted));
        set(F::OrientationMismatch, flag(group.orientation != wanted));
    }
    set(F::SessionsFitting, ln_1p_rate(facts.fitting_in_horizon));
    let in_person = facts.attendance == Attendance::InPerson;
    set(F::Distance10km, facts.distance_km.map_or(0.0, |d| d / 10.0));
    set(
        F::LocationUnknown,
        flag(in_person && facts.distance_km.is_none()),
    );
    set(F::OnlineAttendance, flag(!in_person));
    let early = person.in_early_recovery();
    set(
        F::BeginnerFriendlyEarly,
        flag(early && group.beginner_friendly),
    );
    set(
        F::ProfessionalEarly,
        flag(early && group.facilitation == Facilitation::Professional),
    );
    if let Some(w) = person.facilitation_preference.facilitation() {
        set(F::FacilitationMatch, flag(group.facilitation == w));
        set(F::FacilitationMismatch, flag(group.facilitation != w));
    }
    let wants_gender_specific = person.gender_specific != GenderSpecific::No;
    set(
        F::GenderSpecificMatch,
        flag(
            wants_gender_specific
                && person
                    .gender
                    .own_audience()
                    .is_some_and(|a| group.has_audience(a)),
        ),
    );
    set(
        F::YoungAdultAgeMatched,
        flag(
            person.age.is_some_and(|a| a <= YOUNG_PEOPLE_MAX_AGE)
                && group.has_audience(Audience::YoungPeople),
        ),
    );
    let co_occurring = person.needs.contains(&Need::CoOccurring);
    set(
        F::DualFocusCoOccurring,
        flag(co_occurring && group.dual_focus),
    );
    set(
        F::CoOccurringTraditional12Step,
        flag(co_occurring && group.approach == Approach::TwelveStep && !group.dual_focus),
    );
    let other_needs = || person.needs.iter().filter(|n| !SEPARATE_NEEDS.contains(n));
    let wanted = other_needs().count();
    if wanted > 0 {
        let covered = other_needs().filter(|n| group.covers(**n)).count();
        set(F::NeedsCovered, covered as f64 / wanted as f64);
    }
    set(
        F::MainLanguage,
        flag(person.languages.len() > 1 && pair.group.languages.contains(&person.languages[0])),
    );
    let prior = person.prior_outcome(group.approach);
    set(F::PriorHelped, flag(prior == Some(PriorOutcome::Helped)));
    set(
        F::PriorDisliked,
        flag(prior == Some(PriorOutcome::Disliked)),
    );
    set(
        F::Network12Step,
        flag(person.network_supports_use == Some(true) && group.approach == Approach::TwelveStep),
    );
    set(F::LgbtqAffirming, flag(person.is_lgbtq() && group.lgbtq));
    set(
        F::VeteranGroup,
        flag(person.veteran && group.has_audience(Audience::Veterans)),
    );
    set(
        F::SubstanceMismatch,
        flag(
            group.closed != Some(false)
                && group.substances != 0
                && !person.substances.is_empty()
                && !person.substances.iter().any(|s| group.has_substance(*s)),
        ),
    );
    set(F::Readiness, centred(person.readiness));
    set(F::SelfEfficacy, centred(person.self_efficacy));
    set(
        F::LowSocialSupport,
        flag(person.social_support == Some(SocialSupport::Low)),
    );
    set(F::Exploring, flag(person.stage == Some(Stage::Exploring)));
    x
}

/// Whether a feature's term is, for this pair, about the person rather than the group: the
/// [person-level](Feature::is_person_level) features, and online attendance for a person who
/// chose to meet online only (every group they can attend is joined online, so it is no reason
/// about this group). Such terms stay in the logit but are shown apart from the reasons.
pub(crate) fn about_the_person(feature: Feature, pair: &Pair) -> bool {
    feature.is_person_level()
        || (feature == Feature::OnlineAttendance
            && pair.person.format_preference == FormatPreference::Online)
}

/// A need a group offers, in words for a sentence: the accommodations by name, the others as a
/// focus ("a chronic pain focus"), never as a code.
fn need_words(need: Need) -> String {
    match need {
        Need::Asl => "ASL interpretation".into(),
        Need::Childcare => "childcare".into(),
        Need::Wheelchair => "wheelchair access".into(),
        other => format!("a {} focus", other.as_str().replace('_', " ")),
    }
}

/// A sentence explaining a feature's value for this pair, for staff.
pub(crate) fn describe(feature: Feature, pair: &Pair) -> String {
    let (person, group, facts) = (pair.person, pair.group, &pair.facts);
    use Feature as F;
    let pref = person
        .approach_preference
        .orientation()
        .map_or("", |o| o.as_str());
    match feature {
        F::OrientationMatch => format!("{} group, as you prefer", group.orientation),
        F::OrientationMismatch => format!("{} group; you prefer {pref}", group.orientation),
        F::SessionsFitting => {
            let n = facts.fitting_in_horizon;
            match (n % HORIZON_WEEKS, n / HORIZON_WEEKS) {
                (0, 1) => "1 session a week fits your schedule".into(),
                (0, k) => format!("{k} sessions a week fit your schedule"),
                _ => format!(
                    "{n} sessions in the next {HORIZON_WEEKS} weeks fit your schedule \
                     ({:.1} a week)",
                    facts.sessions_per_week()
                ),
            }
        }
        F::Distance10km => format!(
            "{}{} km away in a straight line",
            if pair.distance_is_approximate() {
                "about "
            } else {
                ""
            },
            round_km(facts.distance_km.unwrap_or_default())
        ),
        F::LocationUnknown => "no map location, so travel distance is unknown".into(),
        // For a person who chose online only this is about them, not the group: said plainly.
        F::OnlineAttendance if person.format_preference == FormatPreference::Online => {
            "meets online only, as you chose".into()
        }
        F::OnlineAttendance => {
            "joined online (people attending only online tend to take part less)".into()
        }
        F::BeginnerFriendlyEarly => "welcomes newcomers".into(),
        F::ProfessionalEarly => "professionally led".into(),
        F::FacilitationMatch => format!("{} facilitation, as you prefer", group.facilitation),
        F::FacilitationMismatch => format!(
            "{} facilitation; you prefer {}",
            group.facilitation, person.facilitation_preference
        ),
        F::GenderSpecificMatch => "gender-specific group, as you asked".into(),
        F::YoungAdultAgeMatched => "young people's group, near your age".into(),
        F::DualFocusCoOccurring => "dual focus on mental health and substance use".into(),
        F::CoOccurringTraditional12Step => "12-step group without a mental-health focus".into(),
        F::NeedsCovered => {
            let offered: Vec<String> = person
                .needs
                .iter()
                .filter(|n| !SEPARATE_NEEDS.contains(n) && group.covers(**n))
                .map(|n| need_words(*n))
                .collect();
            if offered.is_empty() {
                "offers none of your other needs".into()
            } else {
                format!("offers {}", offered.join(", "))
            }
        }
        F::MainLanguage => format!("held in {}, your main language", person.languages[0].name()),
        F::PriorHelped => format!("{} helped you before", group.approach.label()),
        F::PriorDisliked => format!("you did not like {} before", group.approach.label()),
        F::Network12Step => "12-step fellowship offers a sober network".into(),
        F::LgbtqAffirming => "LGBTQ+ group".into(),
        F::VeteranGroup => "veterans' group".into(),
        F::SubstanceMismatch => {
            let s: Vec<&str> = group.substances.iter().map(|s| s.label()).collect();
            format!("focuses on {}, not your substances", s.join(", "))
        }
        F::Readiness => format!(
            "readiness to change {}/10",
            person.readiness.unwrap_or_default()
        ),
        F::SelfEfficacy => format!(
            "confidence in staying in recovery {}/10",
            person.self_efficacy.unwrap_or_default()
        ),
        F::LowSocialSupport => "little support from people around you".into(),
        F::Exploring => "still exploring whether to change".into(),
        F::WarmHandoff => {
            "estimated for a referral by list, without an introduction to a member".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_looked_up_log_is_libms_to_the_bit() {
        for n in 0..100u32 {
            assert_eq!(
                ln_1p_rate(n * HORIZON_WEEKS).to_bits(),
                libm::log1p(f64::from(n)).to_bits()
            );
        }
    }

    #[test]
    fn names_are_unique_and_in_enum_order() {
        for (i, f) in Feature::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(FEATURE_NAMES.iter().filter(|n| **n == f.name()).count(), 1);
        }
        assert_eq!(Feature::ALL.len(), N_FEATURES);
    }

    #[test]
    fn only_the_features_declared_to_read_pair_facts_change_with_them() {
        use crate::pair::{Attendance, PairFacts};
        let sim = crate::simulate::simulate(&crate::simulate::SimulationParams::new(2, 30, 60, 10))
            .unwrap();
        let facts = [
            PairFacts {
                attendance: Attendance::InPerson,
                distance_km: Some(7.5),
                fitting_in_horizon: 3 * HORIZON_WEEKS,
            },
            PairFacts {
                attendance: Attendance::InPerson,
                distance_km: None,
                fitting_in_horizon: HORIZON_WEEKS,
            },
            PairFacts {
                attendance: Attendance::Online,
                distance_km: None,
                fitting_in_horizon: 2,
            },
        ];
        let mut changed = [false; N_FEATURES];
        for p in &sim.people {
            for g in &sim.groups {
                let x: Vec<FeatureVector> = facts
                    .iter()
                    .map(|&facts| {
                        compute(&Pair {
                            person: p,
                            group: g,
                            facts,
                        })
                    })
                    .collect();
                for f in Feature::ALL {
                    let j = *f as usize;
                    let differs = x.iter().any(|y| y[j] != x[0][j]);
                    assert!(
                        !differs || f.reads_pair_facts(),
                        "{} reads pair facts",
                        f.name()
                    );
                    changed[j] |= differs;
                }
            }
        }
        for f in Feature::ALL.iter().filter(|f| f.reads_pair_facts()) {
            assert!(changed[*f as usize], "{} never changed", f.name());
        }
    }

    #[test]
    fn the_person_level_features_are_exactly_those_the_same_for_every_group() {
        let sim =
            crate::simulate::simulate(&crate::simulate::SimulationParams::new(4, 200, 80, 10))
                .unwrap();
        let now = crate::testutil::now();
        // Simulated groups all have a place: add some without, as real directories have.
        let mut groups = sim.groups.clone();
        groups.extend(sim.groups.iter().take(20).map(|g| {
            let mut g = g.clone();
            g.location = None;
            g
        }));
        let mut varies = [false; N_FEATURES];
        for p in &sim.people {
            let x: Vec<FeatureVector> = groups
                .iter()
                .map(|g| compute(&Pair::at(p, g, now)))
                .collect();
            for f in Feature::ALL {
                let j = *f as usize;
                let differs = x.iter().any(|y| y[j] != x[0][j]);
                assert!(!(differs && f.is_person_level()), "{}", f.name());
                varies[*f as usize] |= differs;
            }
        }
        for f in Feature::ALL.iter().filter(|f| !f.is_person_level()) {
            assert!(
                varies[*f as usize],
                "{} is the same for every group",
                f.name()
            );
        }
    }

    #[test]
    fn centred_scores_span_minus_one_to_one() {
        assert_eq!(centred(Some(1)), -1.0);
        assert_eq!(centred(Some(10)), 1.0);
        assert_eq!(centred(None), 0.0);
    }
}

#[cfg(test)]
mod pair_tests {
    use super::*;
    use crate::domain::vocab::*;
    use crate::testutil::{group, now, person};

    fn x(p: &crate::Person, g: &crate::Group) -> FeatureVector {
        compute(&Pair::at(p, g, now()))
    }

    fn get(v: &FeatureVector, f: Feature) -> f64 {
        v[f as usize]
    }

    #[test]
    fn orientation_features_need_a_preference() {
        let mut p = person();
        let g = group("g");
        assert_eq!(get(&x(&p, &g), Feature::OrientationMismatch), 0.0);
        p.approach_preference = ApproachPreference::Secular;
        assert_eq!(get(&x(&p, &g), Feature::OrientationMismatch), 1.0);
        p.approach_preference = ApproachPreference::Spiritual;
        assert_eq!(get(&x(&p, &g), Feature::OrientationMatch), 1.0);
    }

    #[test]
    fn sessions_fitting_saturates_and_distance_is_in_tens_of_km() {
        let p = person();
        let mut g = group("g");
        assert!((get(&x(&p, &g), Feature::SessionsFitting) - 3f64.ln()).abs() < 1e-15);
        g.location = Some(crate::GeoPoint::new(40.0426, -75.1652).unwrap()); // 10 km north
        assert!((get(&x(&p, &g), Feature::Distance10km) - 1.0).abs() < 0.01);
        g.format = Format::Online;
        let v = x(&p, &g);
        assert_eq!(get(&v, Feature::Distance10km), 0.0);
        assert_eq!(get(&v, Feature::OnlineAttendance), 1.0);
    }

    #[test]
    fn co_occurring_needs_favour_dual_focus_over_traditional_12_step() {
        let mut p = person();
        p.needs = vec![Need::CoOccurring, Need::Childcare];
        let mut g = group("g");
        let v = x(&p, &g);
        assert_eq!(get(&v, Feature::CoOccurringTraditional12Step), 1.0);
        assert_eq!(get(&v, Feature::NeedsCovered), 0.0);
        g.focus = vec![Need::CoOccurring];
        g.accessibility = vec![Need::Childcare];
        let v = x(&p, &g);
        assert_eq!(get(&v, Feature::DualFocusCoOccurring), 1.0);
        assert_eq!(get(&v, Feature::CoOccurringTraditional12Step), 0.0);
        assert_eq!(get(&v, Feature::NeedsCovered), 1.0);
    }

    #[test]
    fn facilitation_young_people_and_partly_covered_needs() {
        let mut p = person();
        let mut g = group("g");
        p.facilitation_preference = FacilitationPreference::Professional;
        let v = x(&p, &g);
        assert_eq!(
            (
                get(&v, Feature::FacilitationMatch),
                get(&v, Feature::FacilitationMismatch)
            ),
            (0.0, 1.0)
        );
        g.facilitation = Facilitation::Professional;
        let v = x(&p, &g);
        assert_eq!(
            (
                get(&v, Feature::FacilitationMatch),
                get(&v, Feature::FacilitationMismatch)
            ),
            (1.0, 0.0)
        );
        // Young adult: both the age and the group's audience, never one alone.
        p.age = Some(YOUNG_PEOPLE_MAX_AGE);
        assert_eq!(get(&x(&p, &g), Feature::YoungAdultAgeMatched), 0.0);
        g.audience = vec![Audience::YoungPeople];
        assert_eq!(get(&x(&p, &g), Feature::YoungAdultAgeMatched), 1.0);
        p.age = Some(YOUNG_PEOPLE_MAX_AGE + 1);
        assert_eq!(get(&x(&p, &g), Feature::YoungAdultAgeMatched), 0.0);
        // One of two needs covered is half.
        p.needs = vec![Need::Childcare, Need::Asl];
        g.accessibility = vec![Need::Childcare];
        assert_eq!(get(&x(&p, &g), Feature::NeedsCovered), 0.5);
    }

    #[test]
    fn person_level_and_history_features() {
        let mut p = person();
        p.readiness = Some(10);
        p.prior = vec![crate::Prior {
            approach: Approach::TwelveStep,
            outcome: PriorOutcome::Disliked,
        }];
        p.network_supports_use = Some(true);
        p.substances = vec![Substance::Opioids];
        let mut g = group("g");
        g.substances = vec![Substance::Alcohol];
        let v = x(&p, &g);
        assert_eq!(get(&v, Feature::Readiness), 1.0);
        assert_eq!(get(&v, Feature::PriorDisliked), 1.0);
        assert_eq!(get(&v, Feature::Network12Step), 1.0);
        assert_eq!(get(&v, Feature::SubstanceMismatch), 1.0);
        assert_eq!(
            get(&v, Feature::MainLanguage),
            0.0,
            "one language: no signal"
        );
    }

    #[test]
    fn network_and_social_support_features_need_their_exact_conditions() {
        let mut p = person();
        let mut g = group("g");
        p.network_supports_use = Some(true);
        assert_eq!(get(&x(&p, &g), Feature::Network12Step), 1.0);
        g.approach = Approach::SmartRecovery;
        assert_eq!(get(&x(&p, &g), Feature::Network12Step), 0.0);
        p.network_supports_use = Some(false);
        g.approach = Approach::TwelveStep;
        assert_eq!(get(&x(&p, &g), Feature::Network12Step), 0.0);
        for (support, low) in [
            (None, 0.0),
            (Some(SocialSupport::Low), 1.0),
            (Some(SocialSupport::High), 0.0),
        ] {
            p.social_support = support;
            assert_eq!(
                get(&x(&p, &g), Feature::LowSocialSupport),
                low,
                "{support:?}"
            );
        }
    }

    #[test]
    fn substance_mismatch_needs_substances_on_both_sides() {
        let mut p = person();
        let mut g = group("g");
        g.substances = vec![Substance::Alcohol];
        p.substances = vec![];
        assert_eq!(get(&x(&p, &g), Feature::SubstanceMismatch), 0.0);
        p.substances = vec![Substance::Opioids];
        assert_eq!(get(&x(&p, &g), Feature::SubstanceMismatch), 1.0);
        p.substances.push(Substance::Alcohol);
        assert_eq!(get(&x(&p, &g), Feature::SubstanceMismatch), 0.0);
        g.substances = vec![];
        p.substances = vec![Substance::Opioids];
        assert_eq!(get(&x(&p, &g), Feature::SubstanceMismatch), 0.0);
    }

    #[test]
    fn sentences_say_the_pair_s_own_facts() {
        let mut p = person();
        p.approach_preference = ApproachPreference::Secular;
        p.needs = vec![Need::Childcare, Need::Asl];
        let mut g = group("g");
        g.accessibility = vec![Need::Childcare];
        let pair = Pair::at(&p, &g, now());
        let say = |f| describe(f, &pair);
        assert_eq!(
            say(Feature::OrientationMismatch),
            "spiritual group; you prefer secular"
        );
        assert_eq!(
            say(Feature::SessionsFitting),
            "2 sessions a week fit your schedule"
        );
        assert_eq!(say(Feature::NeedsCovered), "offers childcare");
        g.sessions.truncate(1);
        let pair = Pair::at(&p, &g, now());
        assert_eq!(
            describe(Feature::SessionsFitting, &pair),
            "1 session a week fits your schedule"
        );
    }

    #[test]
    fn earlier_experience_is_said_in_words_not_codes() {
        let mut p = person();
        let g = group("g");
        p.prior = vec![crate::Prior {
            approach: Approach::TwelveStep,
            outcome: PriorOutcome::Helped,
        }];
        let pair = Pair::at(&p, &g, now());
        assert_eq!(
            describe(Feature::PriorHelped, &pair),
            "12-step groups helped you before"
        );
        assert_eq!(
            describe(Feature::PriorDisliked, &pair),
            "you did not like 12-step groups before"
        );
    }

    #[test]
    fn online_attendance_is_about_the_person_only_when_they_chose_online() {
        let mut p = person();
        let mut g = group("g");
        g.format = Format::Online;
        g.location = None;
        let pair = Pair::at(&p, &g, now());
        assert!(!about_the_person(Feature::OnlineAttendance, &pair));
        assert!(!about_the_person(Feature::SessionsFitting, &pair));
        assert!(about_the_person(Feature::Readiness, &pair));
        p.format_preference = FormatPreference::Online;
        let pair = Pair::at(&p, &g, now());
        assert!(about_the_person(Feature::OnlineAttendance, &pair));
        // Said as the person's choice, not as less involvement to hold against them.
        assert_eq!(
            describe(Feature::OnlineAttendance, &pair),
            "meets online only, as you chose"
        );
    }

    #[test]
    fn needs_are_said_in_words_not_codes() {
        let mut p = person();
        p.needs = vec![Need::ChronicPain, Need::Asl];
        let mut g = group("g");
        g.focus = vec![Need::ChronicPain];
        g.accessibility = vec![Need::Asl];
        let pair = Pair::at(&p, &g, now());
        assert_eq!(
            describe(Feature::NeedsCovered, &pair),
            "offers a chronic pain focus, ASL interpretation"
        );
    }

    #[test]
    fn every_nonzero_feature_has_a_sentence() {
        let mut p = person();
        p.needs = vec![Need::Grief];
        let g = group("g");
        let pair = Pair::at(&p, &g, now());
        for f in Feature::ALL {
            assert!(!describe(*f, &pair).is_empty(), "{}", f.name());
        }
    }
}
