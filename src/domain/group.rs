//! A support group as listed in a directory.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;

use super::check::{
    integer_problem, invalid_if_any, list_length_problem, list_problems, required_id_problem,
    text_problem, MISSING,
};
use super::cost::Cost;
pub use super::cost::MAX_COST;
use super::geo::GeoPoint;
use super::recurrence::Session;
use super::vocab::{
    Approach, Audience, Facilitation, Fellowship, Format, Language, MedicationStance, Need,
    Orientation, Origin, Requirement, Serves, Substance,
};
use crate::error::{Problem, Result};
use crate::limits::{MAX_LIST_ITEMS, MAX_SESSIONS};

/// The most seats a group may have in total, or have taken.
pub const MAX_SEATS: u32 = 1_000_000;

/// A support group: what it is, when and where it meets, and who it is for.
///
/// Groups are read with [`crate::read_groups`], which validates every field; the fields are public
/// so that services can build groups in code as well, and such a group is checked by
/// [`Group::validate`] when an engine is built over it ([`crate::Engine::new`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Group {
    /// Unique id within its directory.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Programme.
    pub approach: Approach,
    /// The fellowship a 12-step or family meeting belongs to (AA, NA, Al-Anon, ...), when known.
    pub fellowship: Option<Fellowship>,
    /// Spiritual, secular or religious (stated, or the approach's default).
    pub orientation: Orientation,
    /// In person, online or hybrid.
    pub format: Format,
    /// Peer-led or professionally led.
    pub facilitation: Facilitation,
    /// Whom the group is for: people in recovery, their families, or both (stated, or the
    /// approach's default: [`Approach::default_serves`]).
    pub serves: Serves,
    /// Sessions, each a weekly, fortnightly, monthly or cohort pattern ([`Session`]), in the
    /// group's time zone. Never empty.
    pub sessions: Vec<Session>,
    /// The group's time zone.
    #[serde(serialize_with = "serialize_tz")]
    #[cfg_attr(feature = "serve", schema(value_type = String, example = "America/New_York"))]
    pub timezone: Tz,
    /// Where it meets. Optional: an in-person group without it cannot be checked for distance.
    #[serde(flatten)]
    #[cfg_attr(feature = "serve", schema(schema_with = super::geo::flattened_point_schema))]
    pub location: Option<GeoPoint>,
    /// City, for display.
    pub city: Option<String>,
    /// Languages the group is held in (default English). Never empty.
    pub languages: Vec<Language>,
    /// Who the group is for; empty means everyone. Only an age limit the group states
    /// (`min_age`, `max_age`) restricts by age.
    pub audience: Vec<Audience>,
    /// The youngest age the group takes, when it states one. A group without it is for adults.
    pub min_age: Option<u8>,
    /// The oldest age the group takes, when it states one.
    pub max_age: Option<u8>,
    /// Whether the meeting is closed: for people with a desire to stop using the fellowship's
    /// substance (see [`Fellowship::closed_meeting_substances`]).
    pub closed: Option<bool>,
    /// Whether the group welcomes newcomers explicitly.
    pub beginner_friendly: bool,
    /// Topics the group focuses on.
    pub focus: Vec<Need>,
    /// Accommodations and services offered (wheelchair access, ASL, childcare, a signed proof of
    /// attendance).
    pub accessibility: Vec<Need>,
    /// Substances the group focuses on; empty means any.
    pub substances: Vec<Substance>,
    /// What the group says about members on medication for opioid use disorder.
    pub medication_stance: MedicationStance,
    /// Whether members are expected to aim for abstinence, when the group says.
    pub abstinence_required: Option<bool>,
    /// How a newcomer reaches a member before the first session, as the group publishes it
    /// (a phone number, an e-mail address or a sentence); `None` when it offers no contact.
    pub newcomer_contact: Option<String>,
    /// Steps before the first session (a referral, an intake appointment, insurance).
    pub requires: Vec<Requirement>,
    /// Seats in total, up to [`MAX_SEATS`]; `None` means unlimited.
    pub capacity: Option<u32>,
    /// Seats taken, up to [`MAX_SEATS`]. May be more than `capacity`: the group is then full.
    pub enrolled: u32,
    /// What a session costs, as the directory writes it (`free`, `donation`, `sliding_scale`,
    /// `insurance`, or an amount from 0 to [`MAX_COST`]); `None` when the directory does not say
    /// or says something else (the reader then warns).
    pub cost: Option<Cost>,
    /// Web page.
    pub url: Option<String>,
    /// Where an in-person or hybrid session meets, as the directory writes it (street address,
    /// room); `None` for an online group or when the directory does not say.
    pub address: Option<String>,
    /// A phone number to call about the group or to join it by phone, as published.
    pub phone: Option<String>,
    /// The link that joins an online or hybrid session (a video-meeting address).
    pub join_url: Option<String>,
    /// Where the listing came from, when it was updated, and which of its coordinates and zone
    /// the directory stated.
    #[serde(flatten)]
    pub listing: Listing,
}

/// Where a group's listing came from and how much of it its directory stated: what staff check
/// before relying on a feed (`groupmatch directory stats`), and what `directory merge` keeps
/// apart and flags as stale. The default is a listing of a hand-written directory: no source or
/// date, coordinates and zone given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Listing {
    /// The directory the group came from: the feed an import read (its file or URL), or the
    /// prefix `directory merge` gave its ids.
    pub source: Option<String>,
    /// The day its source last updated the listing, when the source says.
    pub updated: Option<NaiveDate>,
    /// How its coordinates were found: [`Origin::Given`], or [`Origin::Derived`] from its postal
    /// code or town (approximate to a few km, so distances to it are said to be "about").
    /// Meaningless without coordinates.
    pub location_origin: Origin,
    /// How its time zone was found: given, derived from its coordinates or a UTC offset, or
    /// assumed (the import's default for a feed that states none).
    pub timezone_origin: Origin,
}

impl Listing {
    /// Every problem of the listing, each naming its field: a `source` that is not one line of
    /// printable text, and a `location_origin` that is `assumed` (only a zone can be assumed).
    pub(crate) fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Some(m) = self.source.as_deref().and_then(text_problem) {
            problems.push(Problem::new(None, Some("source"), m));
        }
        if self.location_origin == Origin::Assumed {
            problems.push(Problem::new(
                None,
                Some("location_origin"),
                "'assumed' is for a time zone; coordinates are given or derived",
            ));
        }
        problems
    }
}

impl Group {
    /// Seats still open: `None` when unlimited.
    pub fn open_seats(&self) -> Option<u32> {
        self.capacity.map(|c| c.saturating_sub(self.enrolled))
    }

    /// Whether the group focuses on substance use and mental health together.
    pub fn is_dual_focus(&self) -> bool {
        self.approach == crate::Approach::DualRecovery
            || self.focus.contains(&crate::Need::CoOccurring)
    }

    /// Whether the group offers `need` as a focus or an accommodation.
    pub fn covers(&self, need: Need) -> bool {
        self.focus.contains(&need) || self.accessibility.contains(&need)
    }

    /// Checks every field the groups reader checks, so a group built in Rust is one the library
    /// can rank: an `id` ([`crate::MAX_ID_BYTES`] at most, printable, no whitespace), a non-empty
    /// `name` and `sessions`, a place on the earth, at least one language, texts up to
    /// [`crate::MAX_FIELD_BYTES`], up to [`crate::MAX_SESSIONS`] sessions and
    /// [`crate::MAX_LIST_ITEMS`] items in each other list, `capacity` and `enrolled` up to [`MAX_SEATS`], and a `cost` whose amount is
    /// finite, from 0 to [`MAX_COST`]. The error lists every problem, each naming its field. (Every session is a
    /// possible one by construction: see [`crate::Window::new`].)
    ///
    /// ```
    /// use groupmatch::{parse_groups, Syntax};
    /// let csv = "id,name,approach,format,sessions,timezone\n\
    ///            g1,Morning Online,cbt,online,Mon 07:00-08:00,UTC\n";
    /// let mut group = parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv").unwrap().value.remove(0);
    /// assert!(group.validate().is_ok());
    /// group.sessions.clear();
    /// group.cost = Some(groupmatch::Cost::Amount { amount: f64::NAN, currency: None });
    /// let err = group.validate().unwrap_err();
    /// let fields: Vec<_> = err.problems().iter().map(|p| p.field.as_deref().unwrap()).collect();
    /// assert_eq!(fields, ["sessions", "cost"]);
    /// ```
    pub fn validate(&self) -> Result<()> {
        invalid_if_any("group", self.problems())
    }

    /// Every problem [`Group::validate`] reports, in field order, without a line.
    pub(crate) fn problems(&self) -> Vec<Problem> {
        let named = |field: &str, message: String| Problem::new(None, Some(field), message);
        let mut problems = Vec::new();
        if let Some(m) = required_id_problem(&self.id) {
            problems.push(named("id", m));
        }
        if self.name.trim().is_empty() {
            problems.push(named("name", MISSING.into()));
        } else if let Some(m) = text_problem(&self.name) {
            problems.push(named("name", m));
        }
        if self.sessions.is_empty() {
            problems.push(named("sessions", MISSING.into()));
        } else if let Some(m) = list_length_problem(self.sessions.len(), MAX_SESSIONS) {
            problems.push(named("sessions", m));
        }
        problems.extend(self.location.iter().flat_map(GeoPoint::problems));
        if let Some(m) = self.city.as_deref().and_then(text_problem) {
            problems.push(named("city", m));
        }
        if self.languages.is_empty() {
            problems.push(named(
                "languages",
                "empty (list at least one language the group is held in)".into(),
            ));
        }
        for (field, len) in [
            ("languages", self.languages.len()),
            ("audience", self.audience.len()),
            ("focus", self.focus.len()),
            ("accessibility", self.accessibility.len()),
            ("substances", self.substances.len()),
            ("requires", self.requires.len()),
        ] {
            if let Some(m) = list_length_problem(len, MAX_LIST_ITEMS) {
                problems.push(named(field, m));
            }
        }
        let seats = 0..=MAX_SEATS;
        if let Some(m) = self.capacity.and_then(|c| integer_problem(c, &seats)) {
            problems.push(named("capacity", m));
        }
        if let Some(m) = integer_problem(self.enrolled, &seats) {
            problems.push(named("enrolled", m));
        }
        if let Some(m) = self.cost.and_then(Cost::problem) {
            problems.push(named("cost", m));
        }
        if let Some(m) = self.url.as_deref().and_then(text_problem) {
            problems.push(named("url", m));
        }
        for (field, text) in [
            ("newcomer_contact", &self.newcomer_contact),
            ("address", &self.address),
            ("phone", &self.phone),
            ("join_url", &self.join_url),
        ] {
            if let Some(m) = text.as_deref().and_then(text_problem) {
                problems.push(named(field, m));
            }
        }
        if let Some(m) = self.age_limits_problem() {
            problems.push(named("max_age", m));
        }
        problems.extend(self.listing.problems());
        problems
    }

    /// Whether distances to the group are approximate: its coordinates are those of its postal
    /// code or town ([`Origin::Derived`]).
    pub fn location_is_approximate(&self) -> bool {
        self.location.is_some() && self.listing.location_origin == Origin::Derived
    }

    /// Why the group's age limits cannot hold together, if they cannot (shared with the reader):
    /// each up to [`crate::MAX_AGE`], and `min_age` not above `max_age`.
    pub(crate) fn age_limits_problem(&self) -> Option<String> {
        let ages = 0..=super::check::MAX_AGE;
        for age in [self.min_age, self.max_age].into_iter().flatten() {
            if let Some(m) = integer_problem(age, &ages) {
                return Some(m);
            }
        }
        match (self.min_age, self.max_age) {
            (Some(min), Some(max)) if min > max => Some(format!("{max} is below min_age {min}")),
            _ => None,
        }
    }
}

/// Every problem of a directory built in Rust: each group's ([`Group::validate`]) and a problem
/// on `id` for each id an earlier group has, every problem's `line` being its group's 1-based
/// place in the list.
pub(crate) fn directory_problems(groups: &[Group]) -> Vec<Problem> {
    list_problems(groups, "group", |g| &g.id, Group::problems)
}

pub(crate) fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::groups::parse_groups;
    use crate::formats::Syntax;
    use crate::testutil::group;

    fn fields_of(g: &Group) -> Vec<String> {
        g.validate()
            .unwrap_err()
            .problems()
            .iter()
            .map(|p| p.field.clone().unwrap())
            .collect()
    }

    /// The groups reader's message on `field` for one CSV row with `field` set to `value`.
    fn reader_message(field: &str, value: &str) -> String {
        let csv = format!(
            "id,name,approach,format,sessions,timezone,{field}\n\
             g1,A,cbt,online,Mon 19:00-20:00,UTC,{value}\n"
        );
        let err = parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv").unwrap_err();
        let on_field = err
            .problems()
            .iter()
            .find(|p| p.field.as_deref() == Some(field));
        on_field.expect("a problem on the field").message.clone()
    }

    #[test]
    fn groups_from_the_reader_are_valid() {
        assert!(group("g1").validate().is_ok());
        for g in crate::engine::embedded_groups() {
            assert!(g.validate().is_ok(), "{}", g.id);
        }
    }

    #[test]
    fn empty_id_name_and_sessions_are_refused() {
        let mut g = group("g1");
        g.id = " ".into();
        g.name.clear();
        g.sessions.clear();
        assert_eq!(fields_of(&g), ["id", "name", "sessions"]);
        assert!(g
            .validate()
            .unwrap_err()
            .problems()
            .iter()
            .all(|p| p.message == MISSING));
    }

    #[test]
    fn a_point_off_the_earth_is_refused() {
        let mut g = group("g1");
        g.location = Some(GeoPoint {
            latitude: 91.0,
            longitude: f64::NAN,
        });
        assert_eq!(fields_of(&g), ["latitude", "longitude"]);
        let err = g.validate().unwrap_err();
        assert_eq!(err.problems()[0].message, reader_message("latitude", "91"));
    }

    #[test]
    fn a_group_without_languages_is_refused() {
        let mut g = group("g1");
        g.languages.clear();
        assert_eq!(fields_of(&g), ["languages"]);
    }

    #[test]
    fn seats_past_the_readers_limit_are_refused_in_its_words() {
        let mut g = group("g1");
        g.capacity = Some(MAX_SEATS + 1);
        g.enrolled = u32::MAX;
        assert_eq!(fields_of(&g), ["capacity", "enrolled"]);
        let err = g.validate().unwrap_err();
        assert_eq!(
            err.problems()[0].message,
            reader_message("capacity", "1000001")
        );
        assert_eq!(
            err.problems()[1].message,
            reader_message("enrolled", "4294967295")
        );
    }

    /// The groups reader's warning on `field` for one CSV row with `field` set to `value`
    /// (the row is still read).
    fn reader_warning(field: &str, value: &str) -> String {
        let csv = format!(
            "id,name,approach,format,sessions,timezone,{field}\n\
             g1,A,cbt,online,Mon 19:00-20:00,UTC,{value}\n"
        );
        let loaded = parse_groups(csv.as_bytes(), Syntax::Csv, "g.csv").unwrap();
        assert_eq!(loaded.value.len(), 1);
        let on_field = loaded
            .warnings
            .iter()
            .find(|p| p.field.as_deref() == Some(field));
        on_field.expect("a warning on the field").message.clone()
    }

    #[test]
    fn a_cost_not_finite_or_off_its_range_is_refused_in_the_readers_words() {
        for amount in [f64::NAN, f64::INFINITY, -1.0, MAX_COST * 2.0] {
            for currency in [None, Some(crate::Currency::Usd)] {
                let mut g = group("g1");
                g.cost = Some(Cost::Amount { amount, currency });
                assert_eq!(fields_of(&g), ["cost"], "{amount}");
            }
        }
        // The reader leaves such a cost unknown with a warning, which says the same.
        for (amount, written) in [(-1.0, "-1"), (MAX_COST * 2.0, "$2000000000")] {
            let mut g = group("g1");
            g.cost = Some(Cost::Amount {
                amount,
                currency: None,
            });
            let err = g.validate().unwrap_err();
            let message = &err.problems()[0].message;
            assert_eq!(
                reader_warning("cost", written),
                format!("{message}; left unknown")
            );
        }
        let mut g = group("g1");
        for cost in [
            Cost::Free,
            Cost::Donation,
            Cost::SlidingScale,
            Cost::Insurance,
        ] {
            g.cost = Some(cost);
            assert!(g.validate().is_ok());
        }
        g.cost = Some(Cost::Amount {
            amount: 0.0,
            currency: None,
        });
        assert!(g.validate().is_ok());
    }

    #[test]
    fn more_enrolled_than_seats_is_a_full_group_not_an_error() {
        // docs/formats.md: a group with `enrolled` >= `capacity` is full; the reader accepts it.
        let mut g = group("g1");
        g.capacity = Some(10);
        g.enrolled = 12;
        assert!(g.validate().is_ok());
        assert_eq!(g.open_seats(), Some(0));
    }

    #[test]
    fn a_directory_names_each_groups_place_and_repeated_ids() {
        let mut bad = group("g2");
        bad.sessions.clear();
        let groups = [group("g1"), bad, group("g1")];
        let problems = directory_problems(&groups);
        assert_eq!(
            problems,
            [
                Problem::new(Some(2), Some("sessions"), MISSING),
                Problem::new(Some(3), Some("id"), "duplicate id 'g1' (first at group 1)"),
            ]
        );
        assert!(directory_problems(&[]).is_empty());
    }

    #[test]
    fn ids_texts_and_lists_past_the_limits_are_refused_in_the_readers_words() {
        let mut g = group("g1");
        g.id = "x".repeat(5_000_000);
        g.city = Some("n".repeat(5000));
        g.sessions = vec![g.sessions[0].clone(); MAX_SESSIONS + 1];
        g.focus = vec![crate::Need::Trauma; MAX_LIST_ITEMS + 1];
        assert_eq!(fields_of(&g), ["id", "sessions", "city", "focus"]);
        let err = g.validate().unwrap_err();
        let city = g.city.as_deref().unwrap();
        assert_eq!(err.problems()[2].message, reader_message("city", city));
        let many = vec!["Mon 07:00-08:00"; MAX_SESSIONS + 1].join(";");
        let csv =
            format!("id,name,approach,format,sessions,timezone\ng1,A,cbt,online,{many},UTC\n");
        let from_reader = parse_groups(csv.as_bytes(), Syntax::Csv, "g").unwrap_err();
        assert_eq!(err.problems()[1].message, from_reader.problems()[0].message);
        let mut g = group("g1");
        g.id = "g\n1".into();
        assert_eq!(fields_of(&g), ["id"]);
    }
}
