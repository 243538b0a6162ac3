//! The closed vocabularies of the file formats, as enums.
//!
//! Every value is written in files as its snake_case name. Parsing an unknown value fails with a
//! message that lists the allowed ones, so a typo in a file is never silently read as something
//! else. One macro defines them all so that parsing, printing and serde agree by construction.

use std::fmt;
use std::str::FromStr;

/// The error for a value outside a closed vocabulary: names the value and lists the allowed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The value that was given.
    pub value: String,
    /// Every allowed value, in vocabulary order.
    pub allowed: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown value '{}' (allowed: {})",
            self.value,
            self.allowed.join(", ")
        )
    }
}

impl std::error::Error for UnknownValue {}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in vocabulary order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value's file name, in vocabulary order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value's name in files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { value: s.to_string(), allowed: $name::NAMES }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

vocabulary! {
    /// Where a person is in their recovery.
    Stage {
        /// Not yet sure they want to change; looking around.
        Exploring = "exploring",
        /// Currently in formal treatment.
        InTreatment = "in_treatment",
        /// Under 90 days of recovery.
        Early = "early",
        /// 90 days to one year.
        FirstYear = "first_year",
        /// One to two years.
        OneToTwoYears = "one_to_two_years",
        /// More than two years.
        Sustained = "sustained",
    }
}

impl Stage {
    /// Early stages (exploring, in treatment, under 90 days), where beginner-friendly and structured
    /// groups matter most (EVIDENCE T1).
    pub fn is_early(self) -> bool {
        matches!(self, Stage::Exploring | Stage::InTreatment | Stage::Early)
    }
}

vocabulary! {
    /// A group's programme.
    Approach {
        /// AA, NA, CA and other 12-step fellowships.
        TwelveStep = "twelve_step",
        /// SMART Recovery.
        SmartRecovery = "smart_recovery",
        /// LifeRing Secular Recovery.
        Lifering = "lifering",
        /// Women for Sobriety.
        WomenForSobriety = "women_for_sobriety",
        /// Recovery Dharma.
        RecoveryDharma = "recovery_dharma",
        /// Celebrate Recovery (Christian).
        CelebrateRecovery = "celebrate_recovery",
        /// Other secular peer groups (for example "We Agnostics" meetings).
        SecularOther = "secular_other",
        /// Professional cognitive behavioural therapy group.
        Cbt = "cbt",
        /// Professional motivational (MET/MI) group.
        Motivational = "motivational",
        /// Professional psychoeducation group.
        Psychoeducation = "psychoeducation",
        /// Dual-focus group for substance use and mental health.
        DualRecovery = "dual_recovery",
        /// Mutual support for families and friends in their own right (Al-Anon, Nar-Anon,
        /// Families Anonymous, family support groups).
        FamilySupport = "family_support",
        /// Community Reinforcement and Family Training: groups that teach family members skills
        /// to help a loved one into treatment (CRAFT groups, SMART Recovery Family & Friends).
        Craft = "craft",
        /// Anything else; the group must state its orientation.
        Other = "other",
    }
}

impl Approach {
    /// The orientation a group of this approach has unless it states one; `None` for approaches
    /// that must state it (`family_support`, `other`).
    pub fn default_orientation(self) -> Option<Orientation> {
        use Approach::*;
        match self {
            TwelveStep | RecoveryDharma => Some(Orientation::Spiritual),
            CelebrateRecovery => Some(Orientation::Religious),
            SmartRecovery | Lifering | WomenForSobriety | SecularOther | Cbt | Motivational
            | Psychoeducation | DualRecovery | Craft => Some(Orientation::Secular),
            FamilySupport | Other => None,
        }
    }

    /// The approach as staff and people say it, for sentences ("12-step groups helped you
    /// before"), where the file name (`twelve_step`) would be an internal code.
    ///
    /// ```
    /// assert_eq!(groupmatch::Approach::TwelveStep.label(), "12-step groups");
    /// assert_eq!(groupmatch::Approach::Cbt.label(), "CBT groups");
    /// ```
    pub fn label(self) -> &'static str {
        use Approach::*;
        match self {
            TwelveStep => "12-step groups",
            SmartRecovery => "SMART Recovery",
            Lifering => "LifeRing",
            WomenForSobriety => "Women for Sobriety",
            RecoveryDharma => "Recovery Dharma",
            CelebrateRecovery => "Celebrate Recovery",
            SecularOther => "secular peer groups",
            Cbt => "CBT groups",
            Motivational => "motivational groups",
            Psychoeducation => "psychoeducation groups",
            DualRecovery => "dual recovery groups",
            FamilySupport => "family support groups",
            Craft => "CRAFT groups",
            Other => "groups of this kind",
        }
    }

    /// Whom a group of this approach serves unless it states it: family members for
    /// `family_support` and `craft`, people in recovery for the rest.
    pub fn default_serves(self) -> Serves {
        match self {
            Approach::FamilySupport | Approach::Craft => Serves::Family,
            _ => Serves::InRecovery,
        }
    }

    /// The facilitation a group of this approach has unless it states one: professional for the
    /// professional programmes (`cbt`, `motivational`, `psychoeducation`), peer for the rest.
    pub fn default_facilitation(self) -> Facilitation {
        match self {
            Approach::Cbt | Approach::Motivational | Approach::Psychoeducation => {
                Facilitation::Professional
            }
            _ => Facilitation::Peer,
        }
    }
}

vocabulary! {
    /// Whom a person is looking for a group for.
    Role {
        /// Themselves, for their own recovery.
        InRecovery = "in_recovery",
        /// Themselves, as the family member or friend of someone who drinks or uses.
        FamilyMember = "family_member",
    }
}

vocabulary! {
    /// Whom a group serves.
    Serves {
        /// People in recovery.
        InRecovery = "in_recovery",
        /// Family members and friends of people who drink or use.
        Family = "family",
        /// Both (multi-family groups).
        Both = "both",
    }
}

impl Serves {
    /// Whether a group serving these people is for a person in `role`.
    pub fn includes(self, role: Role) -> bool {
        matches!(
            (self, role),
            (Serves::Both, _)
                | (Serves::InRecovery, Role::InRecovery)
                | (Serves::Family, Role::FamilyMember)
        )
    }
}

vocabulary! {
    /// An immediate risk intake staff can flag on a person: outputs for them then lead with where
    /// to go now (the `safety` module).
    Risk {
        /// Thoughts of suicide.
        SuicidalThoughts = "suicidal_thoughts",
        /// Risk of dangerous withdrawal (alcohol, benzodiazepines, opioids).
        WithdrawalRisk = "withdrawal_risk",
        /// A recent overdose.
        RecentOverdose = "recent_overdose",
    }
}

vocabulary! {
    /// A family member's relationship to the person who drinks or uses.
    Relationship {
        /// Spouse or partner.
        Partner = "partner",
        /// Parent.
        Parent = "parent",
        /// Son or daughter.
        Child = "child",
        /// Brother or sister.
        Sibling = "sibling",
        /// Another relative.
        OtherFamily = "other_family",
        /// A friend.
        Friend = "friend",
    }
}

vocabulary! {
    /// What a family member wants help with.
    FamilyAim {
        /// Support for themselves.
        OwnSupport = "own_support",
        /// Getting their loved one into treatment.
        LovedOneTreatment = "loved_one_treatment",
        /// Both.
        Both = "both",
    }
}

impl FamilyAim {
    /// Whether the aim includes the loved one's entry into treatment.
    pub fn wants_treatment_entry(self) -> bool {
        self != FamilyAim::OwnSupport
    }
}

vocabulary! {
    /// Whether a group's programme is spiritual, secular or religious.
    Orientation {
        /// Spiritual but not tied to one religion (12-step, Recovery Dharma).
        Spiritual = "spiritual",
        /// No spiritual content.
        Secular = "secular",
        /// Tied to a religion (Celebrate Recovery).
        Religious = "religious",
    }
}

vocabulary! {
    /// How a group meets.
    Format {
        /// In a room.
        InPerson = "in_person",
        /// Online only.
        Online = "online",
        /// In a room, with online attendance too.
        Hybrid = "hybrid",
    }
}

vocabulary! {
    /// Who leads a group.
    Facilitation {
        /// Members (mutual help).
        Peer = "peer",
        /// A clinician or trained professional.
        Professional = "professional",
    }
}

vocabulary! {
    /// A restriction on who a group is for. A group with no audience is for everyone.
    Audience {
        /// Women only.
        Women = "women",
        /// Men only.
        Men = "men",
        /// LGBTQ+ people.
        Lgbtq = "lgbtq",
        /// Gay people (Meeting Guide type `G`).
        Gay = "gay",
        /// Lesbians (Meeting Guide type `L`): women.
        Lesbian = "lesbian",
        /// Transgender people (Meeting Guide type `T`).
        Transgender = "transgender",
        /// Nonbinary people (Meeting Guide type `NB`).
        Nonbinary = "nonbinary",
        /// Young people. Not an age limit by itself: a group states one with `min_age` and
        /// `max_age`.
        YoungPeople = "young_people",
        /// Seniors (age 60 or over).
        Seniors = "seniors",
        /// Military veterans.
        Veterans = "veterans",
    }
}

impl Audience {
    /// Whether this is an LGBTQ+ audience (LGBTQ+, gay, lesbian, transgender, nonbinary).
    pub fn is_lgbtq(self) -> bool {
        matches!(
            self,
            Audience::Lgbtq
                | Audience::Gay
                | Audience::Lesbian
                | Audience::Transgender
                | Audience::Nonbinary
        )
    }

    /// Whether a group for this audience is one for someone who wants a group for `wanted`:
    /// the same audience, or any LGBTQ+ audience when `wanted` is LGBTQ+.
    pub fn meets(self, wanted: Audience) -> bool {
        self == wanted || (wanted == Audience::Lgbtq && self.is_lgbtq())
    }
}

vocabulary! {
    /// A person's need, or a group's focus or accommodation.
    Need {
        /// Co-occurring mental health condition.
        CoOccurring = "co_occurring",
        /// Trauma.
        Trauma = "trauma",
        /// Grief and loss.
        Grief = "grief",
        /// Chronic pain.
        ChronicPain = "chronic_pain",
        /// Childcare during sessions.
        Childcare = "childcare",
        /// Wheelchair access.
        Wheelchair = "wheelchair",
        /// American Sign Language interpretation.
        Asl = "asl",
        /// A signed proof of attendance (for a court, an employer or a treatment programme): a
        /// group offering it lists it in `accessibility`.
        ProofOfAttendance = "proof_of_attendance",
    }
}

vocabulary! {
    /// A substance (or behaviour) a person is recovering from, or a group focuses on.
    Substance {
        /// Alcohol.
        Alcohol = "alcohol",
        /// Opioids (heroin, fentanyl, prescription opioids).
        Opioids = "opioids",
        /// Cocaine, crack included.
        Cocaine = "cocaine",
        /// Methamphetamine (crystal meth).
        Methamphetamine = "methamphetamine",
        /// Cannabis.
        Cannabis = "cannabis",
        /// Sedatives and benzodiazepines.
        Sedatives = "sedatives",
        /// Nicotine.
        Nicotine = "nicotine",
        /// Anything else.
        Other = "other",
    }
}

impl Substance {
    /// The substance as people say it, for sentences.
    pub fn label(self) -> &'static str {
        match self {
            Substance::Alcohol => "alcohol",
            Substance::Opioids => "opioids",
            Substance::Cocaine => "cocaine",
            Substance::Methamphetamine => "methamphetamine",
            Substance::Cannabis => "cannabis",
            Substance::Sedatives => "sedatives",
            Substance::Nicotine => "nicotine",
            Substance::Other => "other substances",
        }
    }
}

vocabulary! {
    /// A named fellowship, beside the group's approach: which 12-step fellowship (or family
    /// fellowship) a meeting belongs to. Other programmes are named by their approach.
    Fellowship {
        /// Alcoholics Anonymous.
        Aa = "aa",
        /// Narcotics Anonymous: any drug, alcohol included.
        Na = "na",
        /// Cocaine Anonymous: cocaine and all other mind-altering substances.
        Ca = "ca",
        /// Crystal Meth Anonymous.
        Cma = "cma",
        /// Heroin Anonymous.
        Ha = "ha",
        /// Marijuana Anonymous.
        Ma = "ma",
        /// Nicotine Anonymous.
        Nica = "nica",
        /// Al-Anon Family Groups (families and friends of alcoholics).
        AlAnon = "al_anon",
        /// Alateen (young family members, 13 to 19).
        Alateen = "alateen",
        /// Nar-Anon Family Groups.
        NarAnon = "nar_anon",
        /// Families Anonymous.
        FamiliesAnonymous = "families_anonymous",
    }
}

impl Fellowship {
    /// The fellowship's name, for sentences.
    pub fn label(self) -> &'static str {
        use Fellowship::*;
        match self {
            Aa => "AA",
            Na => "NA",
            Ca => "CA",
            Cma => "Crystal Meth Anonymous",
            Ha => "Heroin Anonymous",
            Ma => "Marijuana Anonymous",
            Nica => "Nicotine Anonymous",
            AlAnon => "Al-Anon",
            Alateen => "Alateen",
            NarAnon => "Nar-Anon",
            FamiliesAnonymous => "Families Anonymous",
        }
    }

    /// The substances its *closed* meetings are for (a closed meeting is for people with a
    /// desire to stop using them); empty when its closed meetings take any substance (NA, CA)
    /// or it is not a fellowship of people in recovery. Each is the fellowship's own third
    /// tradition: "a desire to stop drinking" (AA), "to stop using crystal meth" (CMA), ...
    pub fn closed_meeting_substances(self) -> &'static [Substance] {
        use Fellowship::*;
        match self {
            Aa => &[Substance::Alcohol],
            Cma => &[Substance::Methamphetamine],
            Ha => &[Substance::Opioids],
            Ma => &[Substance::Cannabis],
            Nica => &[Substance::Nicotine],
            Na | Ca | AlAnon | Alateen | NarAnon | FamiliesAnonymous => &[],
        }
    }

    /// The fellowships named for a person's main substance: AA for alcohol, NA or Heroin
    /// Anonymous for opioids, CA for cocaine, Crystal Meth Anonymous for methamphetamine,
    /// Marijuana Anonymous for cannabis, NA for sedatives and other drugs, Nicotine Anonymous
    /// for nicotine.
    pub fn for_substance(substance: Substance) -> &'static [Fellowship] {
        use Fellowship::*;
        match substance {
            Substance::Alcohol => &[Aa],
            Substance::Opioids => &[Na, Ha],
            Substance::Cocaine => &[Ca],
            Substance::Methamphetamine => &[Cma],
            Substance::Cannabis => &[Ma],
            Substance::Sedatives | Substance::Other => &[Na],
            Substance::Nicotine => &[Nica],
        }
    }
}

vocabulary! {
    /// A medication for opioid use disorder a person is on.
    Medication {
        /// None.
        None = "none",
        /// Methadone.
        Methadone = "methadone",
        /// Buprenorphine (Suboxone, Subutex, Sublocade).
        Buprenorphine = "buprenorphine",
        /// Naltrexone (Vivitrol).
        Naltrexone = "naltrexone",
    }
}

impl Medication {
    /// Whether this is an opioid agonist (methadone, buprenorphine): the medications some NA
    /// meetings limit sharing by (NA World Services, Bulletin #29, 1996).
    pub fn is_agonist(self) -> bool {
        matches!(self, Medication::Methadone | Medication::Buprenorphine)
    }
}

vocabulary! {
    /// What a group says about members on medication for opioid use disorder.
    MedicationStance {
        /// Welcomes members on medication, as full participants.
        Welcoming = "welcoming",
        /// Limits sharing or service by members on methadone or buprenorphine.
        LimitsSharing = "limits_sharing",
        /// Not stated.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// A step a professional group requires before the first session.
    Requirement {
        /// A referral from a clinician or programme.
        Referral = "referral",
        /// An intake appointment.
        Intake = "intake",
        /// Health insurance (or a payment arrangement).
        Insurance = "insurance",
    }
}

vocabulary! {
    /// How a person was referred to a group.
    ReferralType {
        /// Given the group's details (a list).
        List = "list",
        /// Introduced to a member of the group, who got in touch before the first meeting (a warm
        /// handoff, EVIDENCE F4).
        WarmHandoff = "warm_handoff",
    }
}

vocabulary! {
    /// What happened after a referral, as referral staff record it: each an event on a date,
    /// appended to the referral's record (the referrals store, `docs/referrals.md`).
    EventKind {
        /// The person was referred (recorded with the referral).
        Referred = "referred",
        /// Staff reached the person (a follow-up call that says nothing more).
        Contacted = "contacted",
        /// The person went to the group's first session.
        AttendedFirst = "attended_first",
        /// A check-in: the person is attending the group on this date.
        Attending = "attending",
        /// The person stopped going (with a [`StopReason`]).
        Stopped = "stopped",
        /// The group had no room for the person.
        NoCapacity = "no_capacity",
        /// Staff could not reach the person.
        CouldNotContact = "could_not_contact",
        /// The person declined the group.
        Declined = "declined",
    }
}

vocabulary! {
    /// Why a person stopped going to a group (or declined it), coded so outcomes can be counted.
    StopReason {
        /// The group's times no longer fit.
        Schedule = "schedule",
        /// Too far, or no way to get there.
        Travel = "travel",
        /// The cost.
        Cost = "cost",
        /// The group was not a fit for them (its approach, its people, its format).
        NotAFit = "not_a_fit",
        /// The group ended or stopped meeting.
        GroupEnded = "group_ended",
        /// They moved away.
        Moved = "moved",
        /// Their health, or caring for someone.
        Health = "health",
        /// They went into treatment or another programme.
        OtherProgramme = "other_programme",
        /// They returned to use.
        ReturnedToUse = "returned_to_use",
        /// Any other reason.
        Other = "other",
    }
}

vocabulary! {
    /// What a person aims for with their use.
    Goal {
        /// Stopping altogether.
        Abstinence = "abstinence",
        /// Cutting down.
        Reducing = "reducing",
    }
}

vocabulary! {
    /// The orientation a person prefers.
    ApproachPreference {
        /// Prefers spiritual groups.
        Spiritual = "spiritual",
        /// Prefers secular groups.
        Secular = "secular",
        /// Prefers religious groups.
        Religious = "religious",
        /// No preference.
        NoPreference = "no_preference",
    }
}

impl ApproachPreference {
    /// The orientation preferred, if any.
    pub fn orientation(self) -> Option<Orientation> {
        match self {
            ApproachPreference::Spiritual => Some(Orientation::Spiritual),
            ApproachPreference::Secular => Some(Orientation::Secular),
            ApproachPreference::Religious => Some(Orientation::Religious),
            ApproachPreference::NoPreference => None,
        }
    }
}

vocabulary! {
    /// How a person wants to attend.
    FormatPreference {
        /// Only in a room.
        InPerson = "in_person",
        /// Only online.
        Online = "online",
        /// Either.
        Either = "either",
    }
}

vocabulary! {
    /// A person's gender, as they state it.
    Gender {
        /// Woman.
        Woman = "woman",
        /// Man.
        Man = "man",
        /// Nonbinary.
        Nonbinary = "nonbinary",
        /// Not stated.
        Unspecified = "unspecified",
    }
}

impl Gender {
    /// The audience that makes a group gender-specific for this person (women's, men's, and
    /// LGBTQ+ groups for nonbinary people); `None` when the gender is not stated.
    pub fn own_audience(self) -> Option<Audience> {
        match self {
            Gender::Woman => Some(Audience::Women),
            Gender::Man => Some(Audience::Men),
            Gender::Nonbinary => Some(Audience::Lgbtq),
            Gender::Unspecified => None,
        }
    }
}

vocabulary! {
    /// Whether a person wants a gender-specific group.
    GenderSpecific {
        /// Only gender-specific groups (women's, men's; LGBTQ+ groups for nonbinary people).
        Required = "required",
        /// Prefers them; others are fine.
        Preferred = "preferred",
        /// No wish either way.
        No = "no",
    }
}

vocabulary! {
    /// Who a person wants leading the group.
    FacilitationPreference {
        /// Peer-led.
        Peer = "peer",
        /// Professionally led.
        Professional = "professional",
        /// Either.
        Either = "either",
    }
}

impl FacilitationPreference {
    /// The facilitation preferred, if any.
    pub fn facilitation(self) -> Option<Facilitation> {
        match self {
            FacilitationPreference::Peer => Some(Facilitation::Peer),
            FacilitationPreference::Professional => Some(Facilitation::Professional),
            FacilitationPreference::Either => None,
        }
    }
}

vocabulary! {
    /// How much support a person has from people around them.
    SocialSupport {
        /// Little or none.
        Low = "low",
        /// Some.
        Moderate = "moderate",
        /// Strong.
        High = "high",
    }
}

vocabulary! {
    /// How a person's earlier experience with an approach went.
    PriorOutcome {
        /// It helped.
        Helped = "helped",
        /// Neither helped nor put them off.
        Neutral = "neutral",
        /// They disliked it.
        Disliked = "disliked",
    }
}

/// ISO 639-1 two-letter language codes, the only language values accepted.
pub const LANGUAGE_CODES: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// A language, as an ISO 639-1 code (`en`, `es`, ...). Stored inline: two bytes, `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language([u8; 2]);

impl Language {
    /// English, the default language of groups and people.
    pub const ENGLISH: Language = Language(*b"en");

    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        // Only constructed from entries of LANGUAGE_CODES, which are ASCII.
        std::str::from_utf8(&self.0).expect("language codes are ASCII")
    }

    /// The language's English name, for sentences ("Spanish"), from the ISO 639 table of the
    /// `isolang` crate.
    ///
    /// ```
    /// let es: groupmatch::Language = "es".parse().unwrap();
    /// assert_eq!(es.name(), "Spanish");
    /// ```
    pub fn name(&self) -> &'static str {
        // Every code of LANGUAGE_CODES has a name there (tested).
        isolang::Language::from_639_1(self.as_str()).map_or("another language", |l| l.to_name())
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let code = match s.as_bytes() {
            [a, b] => Some([a.to_ascii_lowercase(), b.to_ascii_lowercase()]),
            _ => None,
        };
        // LANGUAGE_CODES is sorted (tested).
        let known = |code: &[u8; 2]| {
            LANGUAGE_CODES
                .binary_search_by(|c| c.as_bytes().cmp(&code[..]))
                .is_ok()
        };
        if let Some(code) = code.filter(known) {
            Ok(Language(code))
        } else {
            Err(format!(
                "unknown language '{s}' (use an ISO 639-1 two-letter code such as en, es, fr)"
            ))
        }
    }
}

impl serde::Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vocabulary_value_round_trips_through_its_name() {
        for s in Stage::ALL {
            assert_eq!(s.as_str().parse::<Stage>().unwrap(), *s);
        }
        for a in Approach::ALL {
            assert_eq!(a.as_str().parse::<Approach>().unwrap(), *a);
        }
        for n in Need::ALL {
            assert_eq!(
                serde_json::to_string(n).unwrap(),
                format!("\"{}\"", n.as_str())
            );
        }
    }

    #[test]
    fn unknown_value_lists_the_allowed_ones() {
        let err = "online_only".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown value 'online_only' (allowed: in_person, online, hybrid)"
        );
    }

    #[test]
    fn only_family_support_and_other_lack_a_default_orientation() {
        let missing: Vec<_> = Approach::ALL
            .iter()
            .filter(|a| a.default_orientation().is_none())
            .collect();
        assert_eq!(missing, [&Approach::FamilySupport, &Approach::Other]);
    }

    #[test]
    fn languages_accept_iso_codes_only() {
        assert_eq!("ES".parse::<Language>().unwrap().as_str(), "es");
        assert!("xx".parse::<Language>().is_err());
        assert!("eng".parse::<Language>().is_err());
        assert!("".parse::<Language>().is_err());
        assert!("é".parse::<Language>().is_err(), "two bytes, one character");
        assert!(
            LANGUAGE_CODES.windows(2).all(|w| w[0] < w[1]),
            "sorted, for the binary search of a code"
        );
    }

    #[test]
    fn every_language_has_an_english_name_for_sentences() {
        for code in LANGUAGE_CODES {
            let language: Language = code.parse().unwrap();
            let name = language.name();
            assert!(name.len() > 2 && name != *code, "{code}: {name}");
        }
        assert_eq!(Language::ENGLISH.name(), "English");
    }
}

vocabulary! {
    /// How a group's coordinates or time zone came to be in the directory
    /// ([`crate::Listing`]).
    Origin {
        /// Stated by the directory (a groups file written by hand states everything it gives).
        Given = "given",
        /// Worked out by the import: coordinates from the postal code or town (approximate: the embedded
        /// gazetteer's), a zone from the coordinates or from a UTC offset
        /// ([`crate::zone_at`]).
        Derived = "derived",
        /// A time zone only: the import's default (`--timezone`), given for every meeting of a
        /// feed that states none.
        Assumed = "assumed",
    }
}

impl Default for Origin {
    /// [`Origin::Given`].
    fn default() -> Origin {
        Origin::Given
    }
}
