//! One person-group pair, and the facts about it that every layer reads.
//!
//! How the person would attend (in person or online), how far they would travel, and how many of
//! the group's weekly sessions fall inside their availability are needed by the hard constraints,
//! by the model's features, by the rules and by the explanation. [`Pair::new`] computes them once
//! per pair, so no layer recomputes (or disagrees with) another: eligibility, features and rules
//! all read a [`Pair`].

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::recurrence::Session;
use crate::domain::schedule::{offset_changes, utc_offset_minutes, UtcWindow, WeekRoom};
use crate::domain::vocab::{Format, FormatPreference};

/// How far ahead sessions are judged, in weeks: 13 (a quarter), so a monthly session counts about
/// three times. A group is eligible on schedule when an occurrence in the next 13 weeks fits, and
/// the model's `sessions_fitting` reads fitting occurrences per week over them.
pub const HORIZON_WEEKS: u32 = 13;

/// The horizon as a duration.
fn horizon() -> Duration {
    Duration::weeks(i64::from(HORIZON_WEEKS))
}

/// How a person would attend a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// In the room.
    InPerson,
    /// Online.
    Online,
}

/// A time zone over a ranking's horizon: its offset at `now`, and the changes of offset
/// (daylight saving) before the horizon ends, found once so that every occurrence in the
/// horizon is placed without looking the zone up again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZoneSpan {
    /// The zone.
    pub(crate) tz: Tz,
    /// Every distinct UTC offset (minutes) the zone has in the horizon, the one at `now` first.
    pub(crate) offsets: Vec<i32>,
    /// The offset (minutes) in effect from each instant on (minutes since 1970-01-01 00:00
    /// UTC), in time order; the first piece starts two days before `now` and the last runs two
    /// days past the horizon.
    pieces: Vec<(i64, i32)>,
    /// The horizon, in epoch minutes: from `now` to its end, each rounded up to the minute (an
    /// occurrence starting in `[from, to)` is in it).
    from: i64,
    to: i64,
    /// The local dates wide enough to hold every instant of the horizon, `[first, last)`.
    first: NaiveDate,
    last: NaiveDate,
}

/// The days from 0001-01-01 (day 1) to 1970-01-01, as chrono's `num_days_from_ce` counts them.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Minutes since 1970-01-01 00:00 UTC.
fn epoch_minutes(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

/// The instant `minutes` minutes after 1970-01-01 00:00 UTC.
fn from_epoch_minutes(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minutes * 60, 0).unwrap_or_default()
}

/// The minute of the UTC week (0 = Monday 00:00 UTC) of an instant in epoch minutes: 1970-01-01
/// was a Thursday.
fn week_minute(minutes: i64) -> i32 {
    (minutes + 3 * 1440).rem_euclid(i64::from(crate::domain::schedule::WEEK_MINUTES)) as i32
}

impl ZoneSpan {
    /// The zone `tz` over the horizon from `now`: its changes of offset from two days before
    /// `now` to two days past the horizon, found as [`offset_changes`] finds them.
    pub(crate) fn new(tz: Tz, now: DateTime<Utc>) -> ZoneSpan {
        let start = now - Duration::days(2);
        let end_at = now + horizon();
        let end = end_at + Duration::days(2);
        let at = |t: DateTime<Utc>| utc_offset_minutes(tz, t);
        let pieces: Vec<(i64, i32)> = std::iter::once((start, at(start)))
            .chain(offset_changes(tz, start, end))
            .map(|(t, offset)| (epoch_minutes(t), offset))
            .collect();
        // Occurrences start on whole minutes: the first at or after `now` is at `now` rounded
        // up to the minute, and none at or after the end (rounded up too) is in the horizon.
        let ceil = |t: DateTime<Utc>| (t.timestamp_millis() + 59_999).div_euclid(60_000);
        let mut span = ZoneSpan {
            tz,
            offsets: Vec::new(),
            pieces,
            from: ceil(now),
            to: ceil(end_at),
            first: NaiveDate::MIN,
            last: NaiveDate::MIN,
        };
        span.first = span.local_date(now) - Duration::days(1);
        span.last = span.local_date(end_at) + Duration::days(2);
        // The offset at `now` first, then the others in time order.
        span.offsets.push(span.offset_at(epoch_minutes(now)));
        for (_, o) in &span.pieces {
            if !span.offsets.contains(o) {
                span.offsets.push(*o);
            }
        }
        span
    }

    /// The offset at `now`.
    pub(crate) fn now(&self) -> i32 {
        self.offsets[0]
    }

    /// Whether the offset is the same through the horizon.
    pub(crate) fn is_constant(&self) -> bool {
        self.pieces.len() == 1
    }

    /// The offset at `at`, in epoch minutes (within the span).
    fn offset_at(&self, at: i64) -> i32 {
        self.pieces
            .iter()
            .rev()
            .find(|(from, _)| *from <= at)
            .unwrap_or(&self.pieces[0])
            .1
    }

    /// The instant, in epoch minutes, a session starting `minute` minutes after local midnight
    /// on local `date` begins. A local time repeated by a change is read as its first instance,
    /// and one skipped by a change with the offset before it (RFC 5545, 3.3.5).
    pub(crate) fn instant(&self, date: NaiveDate, minute: u16) -> i64 {
        let local =
            i64::from(date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE) * 1440 + i64::from(minute);
        let with = |offset: i32| local - i64::from(offset);
        if let [(_, offset)] = self.pieces[..] {
            return with(offset);
        }
        let ends = self
            .pieces
            .iter()
            .skip(1)
            .map(|(from, _)| Some(*from))
            .chain(std::iter::once(None));
        let mut fits = self
            .pieces
            .iter()
            .zip(ends)
            .map(|((from, offset), end)| (with(*offset), *from, end))
            .filter(|(t, from, end)| t >= from && end.is_none_or(|e| *t < e));
        if let Some((t, _, _)) = fits.next() {
            return t;
        }
        // In a gap: the offset of the piece before the first change it falls after.
        let before = self
            .pieces
            .windows(2)
            .find(|w| with(w[0].1) >= w[1].0)
            .map_or(self.pieces[0].1, |w| w[0].1);
        with(before)
    }

    /// The start (epoch minutes) of every occurrence of `session` (of a group in this zone) in
    /// the horizon, in time order.
    fn starts<'s>(&'s self, session: &'s Session) -> impl Iterator<Item = i64> + 's {
        session
            .dates_between(self.first, self.last)
            .map(move |d| self.instant(d, session.start()))
            .filter(move |at| *at >= self.from && *at < self.to)
    }

    /// How many times `session` starts in the horizon: [`ZoneSpan::starts`] counted, but in a
    /// zone that keeps one offset through the horizon without placing each date: the dates
    /// whose local start lies in the horizon's local minutes are counted at once.
    fn count_starts(&self, session: &Session) -> u32 {
        let [(_, offset)] = self.pieces[..] else {
            return self.starts(session).count() as u32;
        };
        // A date `d` (days since 1970-01-01) starts at local minute d * 1440 + start, which is in
        // the horizon when it lies in [from, to) moved by the offset.
        let start = i64::from(session.start());
        let first_day = |minute: i64| (minute - start + 1439).div_euclid(1440);
        let date = |day: i64| {
            i32::try_from(day)
                .ok()
                .and_then(|d| NaiveDate::from_num_days_from_ce_opt(d + UNIX_EPOCH_DAYS_FROM_CE))
        };
        let offset = i64::from(offset);
        match (
            date(first_day(self.from + offset)),
            date(first_day(self.to + offset)),
        ) {
            (Some(a), Some(b)) => session.count_between(a, b) as u32,
            _ => self.starts(session).count() as u32,
        }
    }

    /// The local date of `at` in the zone.
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        (at + Duration::minutes(i64::from(self.offset_at(epoch_minutes(at))))).date_naive()
    }
}

/// The [`HORIZON_WEEKS`] weeks from one instant over a directory: the span of each of its
/// groups' zones, found once, and how many times each session of each group starts in them,
/// counted when first needed. A ranking makes one; a match makes one for all its people, so a
/// group's calendar is walked once per match, not once per person.
///
/// Only sessions on one weekday that are not plain weekly are counted this way (a plain weekly
/// session starts [`HORIZON_WEEKS`] times, and a session on days of the month is checked
/// occurrence by occurrence), so a directory of weekly groups needs no counts at all.
#[derive(Debug)]
pub(crate) struct Horizon<'d> {
    /// The instant the horizon starts.
    pub(crate) now: DateTime<Utc>,
    /// Each zone's span, by the zone numbers of the directory's candidate index.
    spans: Vec<ZoneSpan>,
    /// The directory's sessions, packed ([`WeekSessions::of`]).
    weekly: Cow<'d, WeekSessions>,
    /// How many times each counted session starts in the horizon, once counted
    /// ([`NOT_COUNTED`] before).
    starts: Vec<AtomicU32>,
}

/// A session's count of starts in a [`Horizon`] before it is counted. Two threads may count the
/// same session at once: both find the same number, so either store will do.
const NOT_COUNTED: u32 = u32::MAX;

/// Every session of a directory as [`PairFacts::fitting_in_horizon`] reads it when zones keep
/// their offset, packed (8 bytes a session, one group after another) so that a pass over
/// thousands of groups per person stays in cache: made once per directory.
#[derive(Debug, Clone, Default)]
pub(crate) struct WeekSessions {
    /// Every group's sessions, in order, one group after another.
    sessions: Vec<WeekSession>,
    /// Where each group's sessions begin in `sessions` (and, last, their end).
    first: Vec<u32>,
    /// How many sessions a horizon counts the starts of.
    counted: u32,
}

/// One session of a [`WeekSessions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WeekSession {
    /// Its weekly window's start on the local week of its zone (0 = Monday 00:00).
    start: u16,
    /// Its length in minutes.
    minutes: u16,
    /// How its starts in the horizon are known: [`PLAIN_WEEKLY`], [`ANY_WEEKDAY`], or its
    /// place among the horizon's counts.
    count: u32,
}

/// A plain weekly session: it starts [`HORIZON_WEEKS`] times.
const PLAIN_WEEKLY: u32 = u32::MAX;

/// A session on days of the month, which fall on any weekday: each occurrence is checked.
const ANY_WEEKDAY: u32 = u32::MAX - 1;

impl WeekSessions {
    /// Packs the sessions of `groups`.
    pub(crate) fn of(groups: &[Group]) -> WeekSessions {
        let mut packed = WeekSessions::default();
        for g in groups {
            packed.first.push(packed.sessions.len() as u32);
            for s in &g.sessions {
                // A local start is the start on the UTC week of a zone at offset 0 (below 7 * 1440).
                let (start, count) = match s.weekday_window() {
                    None => (0, ANY_WEEKDAY),
                    Some(w) if s.is_plain_weekly() => (w.utc_start(0) as u16, PLAIN_WEEKLY),
                    Some(w) => {
                        packed.counted += 1;
                        (w.utc_start(0) as u16, packed.counted - 1)
                    }
                };
                packed.sessions.push(WeekSession {
                    start,
                    minutes: s.duration_minutes(),
                    count,
                });
            }
        }
        packed.first.push(packed.sessions.len() as u32);
        packed
    }

    /// Group `g`'s sessions.
    fn of_group(&self, g: usize) -> &[WeekSession] {
        &self.sessions[self.first[g] as usize..self.first[g + 1] as usize]
    }
}

impl<'d> Horizon<'d> {
    /// The horizon from `now` over a directory whose distinct zones are `zones` and whose
    /// sessions are `weekly` ([`WeekSessions::of`]).
    pub(crate) fn new(
        weekly: Cow<'d, WeekSessions>,
        zones: &[Tz],
        now: DateTime<Utc>,
    ) -> Horizon<'d> {
        Horizon {
            now,
            spans: zones.iter().map(|z| ZoneSpan::new(*z, now)).collect(),
            starts: (0..weekly.counted)
                .map(|_| AtomicU32::new(NOT_COUNTED))
                .collect(),
            weekly,
        }
    }

    /// The horizon from `now` over one group alone.
    pub(crate) fn of_one(group: &Group, now: DateTime<Utc>) -> Horizon<'static> {
        let weekly = WeekSessions::of(std::slice::from_ref(group));
        Horizon::new(Cow::Owned(weekly), &[group.timezone], now)
    }

    /// Each zone's span, by zone number.
    pub(crate) fn spans(&self) -> &[ZoneSpan] {
        &self.spans
    }

    /// The span of `tz`: the directory's own when one of its groups is there.
    fn span_of(&self, tz: Tz) -> ZoneSpan {
        self.spans
            .iter()
            .find(|s| s.tz == tz)
            .cloned()
            .unwrap_or_else(|| ZoneSpan::new(tz, self.now))
    }

    /// The calendar of `group`, number `index` of the directory, whose zone is number `zone`.
    /// Its sessions are read from the packed copy, and from the group itself only for what that
    /// does not decide.
    pub(crate) fn group<'h>(&'h self, index: usize, group: &'h Group, zone: usize) -> Calendar<'h> {
        Calendar {
            group,
            weekly: self.weekly.of_group(index),
            zone: &self.spans[zone],
            starts: &self.starts,
        }
    }
}

/// A group's sessions over a [`Horizon`], with its zone's span.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calendar<'h> {
    /// The group (whose sessions are read only when the packed copy does not decide).
    group: &'h Group,
    /// The group's sessions, packed.
    weekly: &'h [WeekSession],
    /// The group's zone over the horizon.
    pub(crate) zone: &'h ZoneSpan,
    /// How many times each counted session of the directory starts in the horizon, once
    /// counted.
    starts: &'h [AtomicU32],
}

impl Calendar<'_> {
    /// The group's sessions.
    pub(crate) fn sessions(&self) -> &[Session] {
        &self.group.sessions
    }

    /// How many times session number `i`, counted in place `slot`, starts in the horizon:
    /// counted the first time asked.
    fn starts(&self, i: usize, slot: u32) -> u32 {
        let cell = &self.starts[slot as usize];
        match cell.load(Ordering::Relaxed) {
            NOT_COUNTED => {
                let n = self.zone.count_starts(&self.sessions()[i]);
                cell.store(n, Ordering::Relaxed);
                n
            }
            n => n,
        }
    }
}

/// A person prepared for ranking at one instant: their zone over the horizon, and their
/// availability on the UTC week for each offset it takes.
#[derive(Debug, Clone)]
pub(crate) struct PreparedPerson<'a> {
    /// The person.
    pub(crate) person: &'a Person,
    /// Their zone over the horizon.
    pub(crate) zone: ZoneSpan,
    /// The person's availability on the UTC week, for each of `zone.offsets` in order.
    rooms: Vec<WeekRoom>,
}

impl<'a> PreparedPerson<'a> {
    /// Prepares `person` for a ranking over `horizon`.
    pub(crate) fn new(person: &'a Person, horizon: &Horizon) -> PreparedPerson<'a> {
        let zone = horizon.span_of(person.timezone);
        let rooms = zone
            .offsets
            .iter()
            .map(|o| {
                WeekRoom::new(
                    &person
                        .availability
                        .iter()
                        .map(|w| w.on_utc_week(*o))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        PreparedPerson {
            person,
            zone,
            rooms,
        }
    }

    /// Whether a weekly window starting `start` minutes into the local week of a zone at offset
    /// `group_offset` and lasting `minutes` lies wholly inside one of the person's availability
    /// windows, with the person's offset at `now`.
    fn is_available_for(&self, start: u16, minutes: u16, group_offset: i32) -> bool {
        self.rooms[0].holds(UtcWindow::new(
            i32::from(start) - group_offset,
            i32::from(minutes),
        ))
    }

    /// Whether a session occurrence starting at `at` (epoch minutes) and lasting `minutes` lies
    /// wholly inside one of the person's availability windows, with the person's offset at `at`.
    fn is_available_at(&self, at: i64, minutes: u16) -> bool {
        let offset = self.zone.offset_at(at);
        let room = self
            .zone
            .offsets
            .iter()
            .position(|o| *o == offset)
            .map_or(&self.rooms[0], |i| &self.rooms[i]);
        room.holds(UtcWindow::new(week_minute(at), i32::from(minutes)))
    }

    /// Every occurrence of `sessions` (of a group in `zone`) starting in the horizon, as
    /// (instant in epoch minutes, whether it fits the person's availability), in order of the
    /// sessions and then of time.
    fn occurrences<'s>(
        &'s self,
        sessions: &'s [Session],
        zone: &'s ZoneSpan,
    ) -> impl Iterator<Item = (i64, bool)> + 's {
        sessions.iter().flat_map(move |s| {
            zone.starts(s)
                .map(move |at| (at, self.is_available_at(at, s.duration_minutes())))
        })
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
    /// Whether the distance between the two is approximate: the person's place is a postal code
    /// or town ([`Person::distance_is_approximate`]), or the group's is
    /// ([`Group::location_is_approximate`]).
    pub(crate) fn distance_is_approximate(&self) -> bool {
        self.person.distance_is_approximate() || self.group.location_is_approximate()
    }

    /// The pair of a prepared person and `group`, whose calendar over the person's horizon is
    /// `calendar`. A ranking prepares the person once, and each zone and session once.
    pub(crate) fn new(
        person: &PreparedPerson<'a>,
        group: &'a Group,
        calendar: &Calendar,
    ) -> Pair<'a> {
        Pair {
            person: person.person,
            group,
            facts: PairFacts::new(person, group, calendar),
        }
    }

    /// The pair of `person` and `group` taken alone, at `now`.
    pub(crate) fn at(person: &'a Person, group: &'a Group, now: DateTime<Utc>) -> Pair<'a> {
        let horizon = Horizon::of_one(group, now);
        let prepared = PreparedPerson::new(person, &horizon);
        Pair::new(&prepared, group, &horizon.group(0, group, 0))
    }
}

/// What is known about one person-group pair before scoring.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub(crate) struct PairFacts {
    /// How the person would attend.
    pub(crate) attendance: Attendance,
    /// Great-circle km to the meeting place, when attending in person and both places are known.
    pub(crate) distance_km: Option<f64>,
    /// Occurrences of the group's sessions in the next [`HORIZON_WEEKS`] weeks that lie wholly
    /// inside one of the person's availability windows: 13 for each weekly session that fits.
    pub(crate) fitting_in_horizon: u32,
}

impl PairFacts {
    /// Computes the facts for `person` and `group`, whose calendar over the horizon is
    /// `calendar`.
    fn new(person: &PreparedPerson, group: &Group, calendar: &Calendar) -> PairFacts {
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
            fitting_in_horizon: PairFacts::fitting_in_horizon(person, calendar),
        }
    }

    /// Fitting sessions per week, averaged over the horizon (a monthly session about 0.23).
    pub(crate) fn sessions_per_week(&self) -> f64 {
        f64::from(self.fitting_in_horizon) / f64::from(HORIZON_WEEKS)
    }

    /// How many occurrences of a group's sessions (its `calendar`) in the next
    /// [`HORIZON_WEEKS`] weeks lie wholly inside one of the person's availability windows.
    ///
    /// When neither zone changes offset in the horizon, every occurrence of a session on one
    /// weekday lies at the same place on the UTC week, so one check of its weekly window decides
    /// them all, and the session's starts in the horizon (the same for every person) are counted
    /// once per horizon; a plain weekly session that fits counts [`HORIZON_WEEKS`]. Otherwise
    /// each occurrence is checked at its own instant.
    pub(crate) fn fitting_in_horizon(person: &PreparedPerson, calendar: &Calendar) -> u32 {
        let zone = calendar.zone;
        if !(zone.is_constant() && person.zone.is_constant()) {
            return person
                .occurrences(calendar.sessions(), zone)
                .filter(|(_, fits)| *fits)
                .count() as u32;
        }
        let offset = zone.now();
        calendar
            .weekly
            .iter()
            .enumerate()
            .map(|(i, s)| match s.count {
                ANY_WEEKDAY => person
                    .occurrences(std::slice::from_ref(&calendar.sessions()[i]), zone)
                    .filter(|(_, fits)| *fits)
                    .count() as u32,
                _ if !person.is_available_for(s.start, s.minutes, offset) => 0,
                PLAIN_WEEKLY => HORIZON_WEEKS,
                // Every occurrence fits, as its weekly window does.
                slot => calendar.starts(i, slot),
            })
            .sum()
    }

    /// The next fitting session starts in the horizon, earliest first, at most `n` (or, when none
    /// fits, the first start in the horizon at all).
    pub(crate) fn next_sessions(
        person: &PreparedPerson,
        calendar: &Calendar,
        n: usize,
    ) -> Vec<DateTime<Utc>> {
        let all: Vec<(i64, bool)> = person
            .occurrences(calendar.sessions(), calendar.zone)
            .collect();
        let mut fitting: Vec<i64> = all.iter().filter(|(_, f)| *f).map(|(t, _)| *t).collect();
        if fitting.is_empty() {
            fitting = all.iter().map(|(t, _)| *t).min().into_iter().collect();
        }
        fitting.sort_unstable();
        fitting.dedup();
        fitting.truncate(n);
        fitting.into_iter().map(from_epoch_minutes).collect()
    }
}

/// The next starts of `group`'s sessions in the horizon from `now`, whoever attends: earliest
/// first, at most `n` (a roster's dates, where [`PairFacts::next_sessions`] gives one person's).
pub(crate) fn next_group_sessions(
    group: &Group,
    now: DateTime<Utc>,
    n: usize,
) -> Vec<DateTime<Utc>> {
    let horizon = Horizon::of_one(group, now);
    let zone = &horizon.spans[0];
    let mut starts: Vec<i64> = group.sessions.iter().flat_map(|s| zone.starts(s)).collect();
    starts.sort_unstable();
    starts.dedup();
    starts.truncate(n);
    starts.into_iter().map(from_epoch_minutes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{group, person};
    use chrono::{Offset, TimeZone};
    use proptest::prelude::*;

    const ZONES: [Tz; 6] = [
        chrono_tz::America::New_York,
        chrono_tz::America::Phoenix,
        chrono_tz::Europe::Berlin,
        chrono_tz::Australia::Sydney,
        chrono_tz::Pacific::Chatham,
        chrono_tz::Asia::Kolkata,
    ];

    /// Instants over 2026-2029, often a few days before a summer-time change.
    fn any_now() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..4 * 365 * 24 * 60)
            .prop_map(|m| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(m))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The span's offsets and local times agree with the zone database at every instant
        /// and local time of the horizon: RFC 5545's first instance for a repeated local time,
        /// the offset before a change for a skipped one.
        #[test]
        fn a_zone_span_places_local_times_as_the_zone_database_does(
            zone in 0usize..ZONES.len(),
            now in any_now(),
            day in 0i64..91,
            minute in 0u16..1440,
        ) {
            let tz = ZONES[zone];
            let span = ZoneSpan::new(tz, now);
            let at = now + Duration::days(day) + Duration::minutes(i64::from(minute));
            prop_assert_eq!(span.offset_at(epoch_minutes(at)), utc_offset_minutes(tz, at));
            let date = (now + Duration::days(day)).date_naive();
            let local = date.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(i64::from(minute));
            let want = match tz.from_local_datetime(&local).earliest() {
                Some(t) => t.with_timezone(&Utc),
                None => {
                    let before = tz.offset_from_utc_datetime(&(local - Duration::hours(24)))
                        .fix().local_minus_utc();
                    (local - Duration::seconds(i64::from(before))).and_utc()
                }
            };
            prop_assert_eq!(from_epoch_minutes(span.instant(date, minute)), want);
        }

        /// The count of fitting occurrences is the same whether worked out from weekly windows
        /// (zones that keep their offset) or occurrence by occurrence.
        #[test]
        fn fitting_sessions_counted_by_window_or_one_by_one_agree(
            cell in prop::sample::select(vec![
                "Mon 19:00-20:00",
                "Tue 07:00-08:30 every 2 weeks from 2025-12-30",
                "2nd Thu 18:00-19:00",
                "last Sat 10:00-11:00",
                "days 1 15 12:00-13:00",
                "Wed 18:00-19:30 from 2026-03-04 for 6 times",
                "Fri 20:00-21:00 except 2026-02-06",
            ]),
            zone in 0usize..ZONES.len(),
            person_zone in 0usize..ZONES.len(),
            now in any_now(),
        ) {
            let mut g = group("g");
            g.sessions = vec![cell.parse().unwrap()];
            g.timezone = ZONES[zone];
            let mut p = person();
            p.timezone = ZONES[person_zone];
            p.availability = ["Mon 06:00-21:00", "Tue 05:00-10:00", "Thu 17:00-20:00",
                "Sat 09:00-12:00", "Wed 12:00-23:00", "Fri 19:00-22:00"]
                .map(|w| w.parse().unwrap()).to_vec();
            let horizon = Horizon::of_one(&g, now);
            let prepared = PreparedPerson::new(&p, &horizon);
            let calendar = horizon.group(0, &g, 0);
            let counted = PairFacts::fitting_in_horizon(&prepared, &calendar);
            let one_by_one = prepared
                .occurrences(&g.sessions, calendar.zone)
                .filter(|(_, fits)| *fits)
                .count() as u32;
            prop_assert_eq!(counted, one_by_one);
            let starts = calendar.zone.starts(&g.sessions[0]).count() as u32;
            prop_assert_eq!(calendar.zone.count_starts(&g.sessions[0]), starts);
            // Counted again, from the horizon's count of starts.
            prop_assert_eq!(PairFacts::fitting_in_horizon(&prepared, &calendar), counted);
        }
    }

    #[test]
    fn a_monthly_session_counts_its_occurrences_a_week_and_a_weekly_one_each_week() {
        let now = "2026-12-07T12:00:00Z".parse().unwrap();
        let p = person();
        let fitting = |g: &Group| {
            let horizon = Horizon::of_one(g, now);
            assert!(horizon.spans()[0].is_constant());
            let prepared = PreparedPerson::new(&p, &horizon);
            Pair::new(&prepared, g, &horizon.group(0, g, 0)).facts
        };
        let mut g = group("g");
        assert_eq!(fitting(&g).fitting_in_horizon, 2 * HORIZON_WEEKS);
        // The 2nd Monday from 7 December 2026 for 13 weeks: 14 December, 11 January, 8 February.
        g.sessions = vec!["2nd Mon 19:00-20:00".parse().unwrap()];
        let facts = fitting(&g);
        assert_eq!(facts.fitting_in_horizon, 3);
        assert!((facts.sessions_per_week() - 3.0 / 13.0).abs() < 1e-12);
        // A cohort that starts after the horizon has none.
        g.sessions = vec!["Mon 19:00-20:00 from 2027-06-07 for 10 times"
            .parse()
            .unwrap()];
        assert_eq!(fitting(&g).fitting_in_horizon, 0);
    }

    #[test]
    fn a_horizon_counts_each_session_once_for_every_person() {
        let now = "2026-12-07T12:00:00Z".parse().unwrap();
        let mut g = group("g");
        g.sessions = vec!["2nd Mon 19:00-20:00".parse().unwrap()];
        // Weekly groups and days of the month need no count; a monthly weekday one does.
        let mut days = group("d");
        days.sessions = vec!["days 1 15 12:00-13:00".parse().unwrap()];
        assert_eq!(WeekSessions::of(&[group("w"), days, g.clone()]).counted, 1);
        let horizon = Horizon::of_one(&g, now);
        let calendar = horizon.group(0, &g, 0);
        let counted = || horizon.starts[0].load(Ordering::Relaxed);
        assert_eq!(counted(), NOT_COUNTED, "not counted before it is needed");
        let (mut free, mut busy) = (person(), person());
        busy.availability = vec!["Tue 09:00-10:00".parse().unwrap()];
        free.availability = vec!["Mon 18:00-21:00".parse().unwrap()];
        let busy = PreparedPerson::new(&busy, &horizon);
        assert_eq!(PairFacts::fitting_in_horizon(&busy, &calendar), 0);
        assert_eq!(
            counted(),
            NOT_COUNTED,
            "a window that does not fit needs no count"
        );
        let free = PreparedPerson::new(&free, &horizon);
        assert_eq!(PairFacts::fitting_in_horizon(&free, &calendar), 3);
        assert_eq!(counted(), 3);
    }
}
