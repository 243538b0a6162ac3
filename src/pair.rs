//! One person-group pair, and the facts about it that every layer reads.
//!
//! How the person would attend (in person or online), how far they would travel, and how many of
//! the group's weekly sessions fall inside their availability are needed by the hard constraints,
//! by the model's features, by the rules and by the explanation. [`Pair::new`] computes them once
//! per pair, so no layer recomputes (or disagrees with) another: eligibility, features and rules
//! all read a [`Pair`].

use chrono::{DateTime, Utc};

use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::schedule::{next_start, utc_offset_minutes, WeekRoom, Window};
use crate::domain::vocab::{Format, FormatPreference};

/// How a person would attend a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// In the room.
    InPerson,
    /// Online.
    Online,
}

/// A person prepared for ranking at one instant: their zone's offset is computed once.
#[derive(Debug, Clone)]
pub(crate) struct PreparedPerson<'a> {
    /// The person.
    pub(crate) person: &'a Person,
    /// Their zone's UTC offset at `now`, minutes.
    pub(crate) offset: i32,
    /// The instant the ranking is for.
    pub(crate) now: DateTime<Utc>,
    /// The person's availability on the UTC week at `now`.
    availability: WeekRoom,
}

impl<'a> PreparedPerson<'a> {
    /// Prepares `person` for a ranking at `now`.
    pub(crate) fn new(person: &'a Person, now: DateTime<Utc>) -> PreparedPerson<'a> {
        let offset = utc_offset_minutes(person.timezone, now);
        PreparedPerson {
            person,
            offset,
            now,
            availability: WeekRoom::new(
                &person
                    .availability
                    .iter()
                    .map(|w| w.on_utc_week(offset))
                    .collect::<Vec<_>>(),
            ),
        }
    }

    /// Whether a session of a group whose zone has offset `group_offset` lies wholly inside one
    /// of the person's availability windows.
    pub(crate) fn is_available_for(&self, session: &Window, group_offset: i32) -> bool {
        self.availability.holds(session.on_utc_week(group_offset))
    }
}

/// One person and one group, with the facts about them: what eligibility, features and rules
/// read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair<'a> {
    /// The person.
    pub(crate) person: &'a Person,
    /// The group.
    pub(crate) group: &'a Group,
    /// What is known about the two together.
    pub(crate) facts: PairFacts,
}

impl<'a> Pair<'a> {
    /// The pair of a prepared person and `group`, whose zone has offset `group_offset` at the
    /// person's `now`. A ranking prepares the person once and takes each zone's offset once.
    pub(crate) fn new(
        person: &PreparedPerson<'a>,
        group: &'a Group,
        group_offset: i32,
    ) -> Pair<'a> {
        Pair {
            person: person.person,
            group,
            facts: PairFacts::new(person, group, group_offset),
        }
    }

    /// The pair of `person` and `group` taken alone, at `now`.
    pub(crate) fn at(person: &'a Person, group: &'a Group, now: DateTime<Utc>) -> Pair<'a> {
        let prepared = PreparedPerson::new(person, now);
        Pair::new(&prepared, group, utc_offset_minutes(group.timezone, now))
    }
}

/// What is known about one person-group pair before scoring.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub(crate) struct PairFacts {
    /// How the person would attend.
    pub(crate) attendance: Attendance,
    /// Great-circle km to the meeting place, when attending in person and both places are known.
    pub(crate) distance_km: Option<f64>,
    /// Weekly sessions that lie wholly inside one of the person's availability windows.
    pub(crate) sessions_fitting: u32,
}

impl PairFacts {
    /// Computes the facts for `person` and `group`, whose zone has offset `group_offset` at the
    /// person's `now`.
    fn new(person: &PreparedPerson, group: &Group, group_offset: i32) -> PairFacts {
        let p = person.person;
        // An online group is joined online: its place does not matter.
        let distance = match (p.location, group.location, group.format) {
            (_, _, Format::Online) => None,
            (Some(a), Some(b), _) => Some(a.distance_km(&b)),
            _ => None,
        };
        let attendance = match (group.format, p.format_preference) {
            (Format::InPerson, _) => Attendance::InPerson,
            (Format::Online, _) => Attendance::Online,
            (Format::Hybrid, FormatPreference::InPerson) => Attendance::InPerson,
            (Format::Hybrid, FormatPreference::Online) => Attendance::Online,
            // Either: go in person when the place is known and within reach, else join online.
            (Format::Hybrid, FormatPreference::Either) => match distance {
                Some(d) if d <= p.travel_limit_km() => Attendance::InPerson,
                _ => Attendance::Online,
            },
        };
        PairFacts {
            attendance,
            distance_km: distance.filter(|_| attendance == Attendance::InPerson),
            sessions_fitting: PairFacts::sessions_fitting(person, &group.sessions, group_offset),
        }
    }

    /// How many of a group's weekly `sessions` lie wholly inside one of the person's
    /// availability windows, when the group's zone has offset `group_offset`.
    pub(crate) fn sessions_fitting(
        person: &PreparedPerson,
        sessions: &[Window],
        group_offset: i32,
    ) -> u32 {
        sessions
            .iter()
            .filter(|s| person.is_available_for(s, group_offset))
            .count() as u32
    }

    /// The next session start that fits the person's availability (or, if none fits, the next
    /// session at all), at or after `now`.
    pub(crate) fn next_session(
        person: &PreparedPerson,
        group: &Group,
        group_offset: i32,
    ) -> Option<DateTime<Utc>> {
        let starts = |fitting_only: bool| {
            group
                .sessions
                .iter()
                .filter(move |s| !fitting_only || person.is_available_for(s, group_offset))
                .map(|s| next_start(s, group_offset, person.now))
                .min()
        };
        starts(true).or_else(|| starts(false))
    }
}
