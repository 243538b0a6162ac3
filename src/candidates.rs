//! A conservative index of a directory, so that batch matching and simulation judge each person
//! only against groups that could pass the hard constraints, instead of every group.
//!
//! For a person the index returns a superset of the groups eligibility accepts, in directory
//! order, so judging only those gives exactly the same result as judging all:
//!
//! - **schedule** (conservative): each session on one weekday (weekly, every N weeks, the nth
//!   weekday of the month) is listed under its group's time zone and format by its weekly window's
//!   start on the zone's local week; every occurrence lies there. For each availability window
//!   and zone, the window is moved onto the zone's week with each pair of offsets the two zones
//!   take in the horizon (one pair unless a daylight-saving change falls in it), and the sessions
//!   starting in it are found by binary search; those that also end by its end lie inside it. A
//!   window may pass the end of the week, and then also covers sessions early in the week. A
//!   session on days of the month falls on any weekday: its group is listed apart and always
//!   passes. Dates (cohorts, skipped dates, intervals) only remove occurrences, so the index stays
//!   a superset. Storing local starts keeps the index independent of `now` (`simulate` judges
//!   each placement at its own date); only the few zones are taken per query.
//! - **format** (exact): only the session lists of formats the person can attend are read.
//! - **language and audience** (exact but for directories with more than 63 languages): each
//!   group's languages and audiences are bit masks, compared with the person's; so is a
//!   gender-specific group's audience with the one a person who requires one needs.
//! - **whom the group serves and its orientation** (exact): compared with the person's role
//!   and, for a person who accepts only their preferred approach, its orientation. Before these three
//!   were indexed they were the reason for 88 of every 100 groups that eligibility turned away
//!   after the index in the L match, each scored in full against its bound first.
//! - **distance** (conservative): a group with a room passes for a person who will be in the room
//!   when either has no coordinates, when the person has no travel limit, or when the room lies
//!   in a latitude/longitude box that holds every place within the limit. Hybrid groups pass for
//!   a person who accepts online (they join online when the room is too far). Sessions are listed
//!   with the cell of a grid over the directory's rooms that their room lies in, so sessions in
//!   cells the box does not touch are passed over without marking their groups.
//! - **seats** (exact): a full group is not indexed at all.
//!
//! Groups whose sessions fit are marked in a bitset (one bit per group), which is then read in
//! order, so no per-person list of the whole directory is built or sorted. The sessions found are
//! counted too: for a group whose sessions are all plain weekly ones, when neither zone changes
//! its offset in the horizon and the person's windows do not overlap, each fitting session is
//! found exactly once, so the index hands over the pair's count of fitting occurrences
//! ([`Candidate::fitting`]) and the caller need not count them again. The other constraints
//! (age, closed meetings, medication, accessibility, proof of attendance, cost) are left to
//! eligibility: they rule out few of the groups that pass these.

use chrono_tz::Tz;

use crate::domain::geo::{BoundingBox, GeoPoint};
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::recurrence::Session;
use crate::domain::schedule::{Window, WEEK_MINUTES};
use crate::domain::vocab::{
    Audience, Format, FormatPreference, Language, Orientation, Role, Serves,
};
use crate::eligibility::{in_audience, required_audience, required_orientation};
use crate::pair::{PreparedPerson, ZoneSpan, HORIZON_WEEKS};

/// A directory indexed by session start, format, language, audience and place (see the module
/// docs), and the distinct time zones of its groups. Built once per directory; independent of
/// `now`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CandidateIndex {
    /// Distinct time zones of the groups.
    zones: Vec<Tz>,
    /// Each group's index into `zones`.
    zone_of: Vec<usize>,
    /// Each group's format, meeting place, languages and audience.
    places: Vec<Place>,
    /// The groups' distinct languages, the first 63 of them: bit `i` of a language mask is
    /// `languages[i]`, and bit 63 stands for every other language (so any person may share it).
    languages: Vec<Language>,
    /// By zone, then by format (in declaration order, as [`Format::ALL`]): every session of those
    /// groups, sorted by start on the zone's local week.
    starts: Vec<[Vec<Start>; 3]>,
    /// By zone, then by format: groups with a session on days of the month (any weekday).
    anytime: Vec<[Vec<u32>; 3]>,
    /// The cells the groups' rooms lie in, so that a person's sessions are looked at only in
    /// cells within their reach.
    grid: Grid,
}

/// A grid of [`GRID_SIDE`] by [`GRID_SIDE`] cells over the rooms of a directory, by latitude and
/// longitude: a room outside the cells a person's [`BoundingBox`] touches is outside the box.
#[derive(Debug, Clone, Copy, Default)]
struct Grid {
    /// The least latitude and longitude of a room.
    least: [f64; 2],
    /// The height and width of a cell, in degrees (positive).
    step: [f64; 2],
}

/// Cells on each side of a [`Grid`].
const GRID_SIDE: usize = 16;

/// The cell of a session whose group has no room to go to: never ruled out by distance.
const NO_ROOM: u16 = (GRID_SIDE * GRID_SIDE) as u16;

/// Which cells of a [`Grid`] (and [`NO_ROOM`]) a person can reach, by cell.
type Cells = [bool; GRID_SIDE * GRID_SIDE + 1];

impl Grid {
    /// The grid over `rooms`.
    fn over(rooms: impl Iterator<Item = GeoPoint>) -> Grid {
        let (mut least, mut most) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for room in rooms {
            for (k, x) in [room.latitude, room.longitude].into_iter().enumerate() {
                least[k] = least[k].min(x);
                most[k] = most[k].max(x);
            }
        }
        let step = |k: usize| ((most[k] - least[k]) / GRID_SIDE as f64).max(1e-9);
        Grid {
            least,
            step: [step(0), step(1)],
        }
    }

    /// The row (`k` = 0, by latitude) or column (`k` = 1) of coordinate `x`: a monotone
    /// function of it, clamped to the grid.
    fn band(&self, k: usize, x: f64) -> usize {
        (((x - self.least[k]) / self.step[k]) as usize).min(GRID_SIDE - 1)
    }

    /// The cell of `room`.
    fn cell(&self, room: Option<GeoPoint>) -> u16 {
        room.map_or(NO_ROOM, |r| {
            (self.band(0, r.latitude) * GRID_SIDE + self.band(1, r.longitude)) as u16
        })
    }

    /// The cells that may hold a point of `within` ([`NO_ROOM`] too).
    fn reached(&self, within: BoundingBox) -> Cells {
        let (latitude, (west, east)) = (within.latitude(), within.longitude_span());
        // Every latitude in the box lies between its ends: their rows bound its points' rows.
        let rows = self.band(0, latitude[0])..=self.band(0, latitude[1]);
        // Longitudes in the box lie between its ends when it does not cross the antimeridian
        // (with a margin for the rounding of the box's test); else any column may hold one.
        let margin = 1e-9;
        let columns = if west - margin > -180.0 && east + margin < 180.0 {
            self.band(1, west - margin)..=self.band(1, east + margin)
        } else {
            0..=GRID_SIDE - 1
        };
        let mut cells: Cells = [false; GRID_SIDE * GRID_SIDE + 1];
        for row in rows {
            for column in columns.clone() {
                cells[row * GRID_SIDE + column] = true;
            }
        }
        cells[usize::from(NO_ROOM)] = true;
        cells
    }
}

/// What format, distance, language and audience need of a group, and whether its sessions are
/// all plain weekly ones.
#[derive(Debug, Clone, Copy)]
struct Place {
    format: Format,
    /// Whether every session is plain weekly ([`Session::is_plain_weekly`]): each that fits
    /// then counts [`HORIZON_WEEKS`] fitting occurrences.
    plain_weekly: bool,
    /// Where it meets, when it has a room and coordinates.
    room: Option<GeoPoint>,
    /// Its languages, one bit each (see [`CandidateIndex::languages`]).
    languages: u64,
    /// The audiences it is restricted to, one bit each in [`Audience::ALL`] order.
    audience: u64,
    serves: Serves,
    orientation: Orientation,
}

/// One session of a group, on the local week of the group's zone (0 = Monday 00:00).
#[derive(Debug, Clone, Copy)]
struct Start {
    start: u16,
    /// At most [`WEEK_MINUTES`]: a session does not cross midnight.
    end: u16,
    group: u32,
    /// The [`Grid`] cell of the group's room, or [`NO_ROOM`] (an online group's too).
    cell: u16,
}

/// A group that can pass the constraints the index checks (see [`CandidateIndex::candidates`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// The group's index in the directory.
    pub(crate) group: usize,
    /// How many occurrences of its sessions in the horizon fit the person's availability
    /// ([`crate::pair::PairFacts::fitting_in_horizon`]), when the index knows it exactly (see
    /// the module docs).
    pub(crate) fitting: Option<u32>,
}

/// Bit 63 of a language mask: any language past the 63 the index numbers.
const OTHER_LANGUAGES: u64 = 1 << 63;

/// How far a person's format preference and travel limit reach, what they speak and which
/// audiences they are in.
struct Reach {
    accepts_online: bool,
    wants_room: bool,
    /// Every place within the travel limit is in it; `None` when distance excludes nothing.
    within: Option<BoundingBox>,
    languages: u64,
    audiences: u64,
    role: Role,
    /// The audiences a group must be for, one of them, when the person requires a
    /// gender-specific group ([`required_audience`]).
    gender_audiences: Option<u64>,
    /// The orientation a group must have, when the person accepts only theirs.
    orientation: Option<Orientation>,
}

impl Reach {
    fn of(person: &Person, index: &CandidateIndex) -> Reach {
        Reach {
            languages: person
                .languages
                .iter()
                .filter_map(|l| index.languages.iter().position(|x| x == l))
                .fold(OTHER_LANGUAGES, |m, i| m | 1 << i),
            audiences: Audience::ALL
                .iter()
                .filter(|a| in_audience(person, **a))
                .fold(0, |m, a| m | 1 << *a as u32),
            role: person.role,
            gender_audiences: required_audience(person).map(|wanted| {
                Audience::ALL
                    .iter()
                    .filter(|a| a.meets(wanted))
                    .fold(0, |m, a| m | 1 << *a as u32)
            }),
            orientation: required_orientation(person),
            accepts_online: person.format_preference != FormatPreference::InPerson,
            wants_room: person.format_preference != FormatPreference::Online,
            within: match (person.location, person.travel_limit_km()) {
                (Some(p), km) if !km.is_nan() => Some(BoundingBox::around(p, km)),
                // No location: distance excludes nothing.
                _ => None,
            },
        }
    }

    /// Whether groups of `format` can pass the format constraint.
    fn accepts(&self, format: Format) -> bool {
        match format {
            Format::InPerson => self.wants_room,
            Format::Online => self.accepts_online,
            Format::Hybrid => true,
        }
    }

    /// Whether a group at `place`, of a format the person [`Reach::accepts`], can pass distance,
    /// language, audience, role, gender-specific and approach.
    fn admits(&self, place: &Place) -> bool {
        if place.languages & self.languages == 0
            || place.audience & !self.audiences != 0
            || !place.serves.includes(self.role)
            || self
                .gender_audiences
                .is_some_and(|m| place.audience & m == 0)
            || self.orientation.is_some_and(|o| place.orientation != o)
        {
            return false;
        }
        if self.accepts_online && place.format != Format::InPerson {
            // Joined online when the room (if any) is out of reach.
            return true;
        }
        match (place.room, self.within) {
            (Some(room), Some(within)) => within.contains(room),
            _ => true,
        }
    }
}

/// Whether no two of `windows` overlap on the week (around its end too), so that a session lies
/// inside at most one of them.
fn windows_disjoint(windows: &[Window]) -> bool {
    let week = WEEK_MINUTES as u32;
    let mut spans: Vec<(u32, u32)> = windows
        .iter()
        .map(|w| {
            let start = u32::from(w.day()) * 1440 + u32::from(w.start());
            (start, start + u32::from(w.duration_minutes()))
        })
        .collect();
    spans.sort_unstable();
    let wrapped = spans.first().map(|(start, _)| (start + week, 0));
    spans
        .iter()
        .zip(spans.iter().skip(1).chain(wrapped.as_ref()))
        .all(|(a, b)| a.1 <= b.0)
}

impl CandidateIndex {
    /// Indexes a directory.
    pub fn new(groups: &[Group]) -> CandidateIndex {
        CandidateIndex::new_where(groups, |_| true)
    }

    /// Indexes only the groups of a directory that `keep` accepts (by index): the others are
    /// never candidates. Zones are numbered as in [`CandidateIndex::new`] on the same directory,
    /// so the offsets of either serve both.
    pub fn new_where(groups: &[Group], keep: impl Fn(usize) -> bool) -> CandidateIndex {
        let room = |g: &Group| g.location.filter(|_| g.format != Format::Online);
        let mut index = CandidateIndex {
            grid: Grid::over(groups.iter().filter_map(room)),
            ..CandidateIndex::default()
        };
        for (i, g) in groups.iter().enumerate() {
            let zone = match index.zones.iter().position(|z| *z == g.timezone) {
                Some(z) => z,
                None => {
                    index.zones.push(g.timezone);
                    index.starts.push(Default::default());
                    index.anytime.push(Default::default());
                    index.zones.len() - 1
                }
            };
            index.zone_of.push(zone);
            let mut languages = 0;
            for l in &g.languages {
                languages |= match index.languages.iter().position(|x| x == l) {
                    Some(b) => 1 << b,
                    None if index.languages.len() < 63 => {
                        index.languages.push(*l);
                        1 << (index.languages.len() - 1)
                    }
                    None => OTHER_LANGUAGES,
                };
            }
            index.places.push(Place {
                format: g.format,
                plain_weekly: g.sessions.iter().all(Session::is_plain_weekly),
                room: room(g),
                languages,
                audience: g.audience.iter().fold(0, |m, a| m | 1 << *a as u32),
                serves: g.serves,
                orientation: g.orientation,
            });
            if !keep(i) || g.open_seats() == Some(0) {
                continue;
            }
            for s in &g.sessions {
                match s.weekday_window() {
                    Some(w) => {
                        // A local start is the start on the UTC week of a zone at offset 0.
                        let start = w.utc_start(0) as u16;
                        index.starts[zone][g.format as usize].push(Start {
                            start,
                            end: start + w.duration_minutes(),
                            group: i as u32,
                            cell: index.grid.cell(room(g)),
                        });
                    }
                    None => index.anytime[zone][g.format as usize].push(i as u32),
                }
            }
        }
        for starts in index.starts.iter_mut().flatten() {
            starts.sort_by_key(|s| s.start);
        }
        index
    }

    /// The number of group `group`'s time zone, in [`CandidateIndex::zones`].
    pub fn zone_of(&self, group: usize) -> usize {
        self.zone_of[group]
    }

    /// The groups' distinct zones, by zone number (see [`CandidateIndex::zone_of`]).
    pub(crate) fn zones(&self) -> &[Tz] {
        &self.zones
    }

    /// Groups that can pass the schedule, format, language, audience and distance constraints for
    /// `person`, in directory order, with their count of fitting occurrences when the index
    /// knows it; every other group fails at least one of them. `spans` are the zones' spans at
    /// the person's `now` ([`crate::pair::Horizon::spans`]).
    pub fn candidates(&self, person: &PreparedPerson, spans: &[ZoneSpan]) -> Vec<Candidate> {
        let reach = Reach::of(person.person, self);
        // One bit per group: a few hundred words even for a large directory.
        let mut fits = vec![0u64; self.places.len().div_ceil(64)];
        // Sessions found, by group: exactly the fitting ones in the zones of `exact`, where
        // neither zone changes its offset and no session is found in two windows (up to
        // MAX_SESSIONS, below 256); elsewhere only a bound, never read (wrapping: no overflow
        // panics).
        let mut found = vec![0u8; self.places.len()];
        let disjoint = windows_disjoint(&person.person.availability);
        let exact: Vec<bool> = spans
            .iter()
            .map(|z| disjoint && z.is_constant() && person.zone.is_constant())
            .collect();
        for by_format in &self.anytime {
            for format in Format::ALL.iter().filter(|f| reach.accepts(**f)) {
                for &g in &by_format[*format as usize] {
                    fits[g as usize / 64] |= 1 << (g % 64);
                }
            }
        }
        // Rooms in cells beyond the person's reach fail distance: their sessions are passed
        // over, unless the person joins such a group online.
        let reached = reach.within.map(|within| self.grid.reached(within));
        for (zone, by_format) in self.starts.iter().enumerate() {
            // Every difference between an offset of the person's zone and one of the group's
            // zone in the horizon: one, unless a daylight-saving change falls in it.
            let mut shifts: Vec<i32> = person
                .zone
                .offsets
                .iter()
                .flat_map(|p| spans[zone].offsets.iter().map(move |z| p - z))
                .collect();
            shifts.sort_unstable();
            shifts.dedup();
            for (window, shift) in person
                .person
                .availability
                .iter()
                .flat_map(|w| shifts.iter().map(move |d| (w, *d)))
            {
                // The window on the zone's local week: [from, to), where `to` may pass the end of
                // the week (up to a day). A session lies inside when it starts at or after `from`
                // and ends by `to`; one starting early next week is a week later.
                let from = window.utc_start(shift);
                let to = from + i32::from(window.duration_minutes());
                for format in Format::ALL.iter().filter(|f| reach.accepts(**f)) {
                    let starts = &by_format[*format as usize];
                    let cells = reached
                        .as_ref()
                        .filter(|_| !(reach.accepts_online && *format != Format::InPerson));
                    let mut mark = |lo: i32, hi: i32, end: i32| {
                        let first = starts.partition_point(|s| i32::from(s.start) < lo);
                        for s in starts[first..]
                            .iter()
                            .take_while(|s| i32::from(s.start) < hi)
                        {
                            if i32::from(s.end) <= end
                                && cells.is_none_or(|c| c[usize::from(s.cell)])
                            {
                                fits[s.group as usize / 64] |= 1 << (s.group % 64);
                                let n = &mut found[s.group as usize];
                                *n = n.wrapping_add(1);
                            }
                        }
                    };
                    mark(from, to.min(WEEK_MINUTES), to);
                    if to > WEEK_MINUTES {
                        mark(0, to - WEEK_MINUTES, to - WEEK_MINUTES);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (w, &word) in fits.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let place = &self.places[i];
                if reach.admits(place) {
                    let known = place.plain_weekly && exact[self.zone_of[i]];
                    out.push(Candidate {
                        group: i,
                        fitting: known.then(|| u32::from(found[i]) * HORIZON_WEEKS),
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::recurrence::Session;
    use crate::domain::schedule::Window;
    use crate::domain::vocab::{ApproachPreference, Gender, GenderSpecific};
    use crate::eligibility::{check, ExclusionCode};
    use crate::pair::{Horizon, Pair, PairFacts, WeekSessions};
    use crate::testutil::{center_city, group, person};
    use chrono::{DateTime, TimeZone, Utc};
    use proptest::prelude::*;
    use std::borrow::Cow;

    /// Zones with and without summer time, north and south, at whole, half and quarter hours.
    const ZONES: [Tz; 10] = [
        chrono_tz::America::New_York,
        chrono_tz::America::Chicago,
        chrono_tz::America::Denver,
        chrono_tz::America::Phoenix,
        chrono_tz::America::Los_Angeles,
        chrono_tz::America::St_Johns,
        chrono_tz::Europe::Berlin,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Australia::Sydney,
        chrono_tz::Pacific::Chatham,
    ];

    /// Instants a few hours either side of summer-time changes in 2026 (US, EU, Sydney,
    /// Chatham), and the start of the year.
    fn arb_now() -> impl Strategy<Value = DateTime<Utc>> {
        let changes = [
            (2026, 3, 8, 7),
            (2026, 11, 1, 6),
            (2026, 3, 29, 1),
            (2026, 10, 25, 1),
            (2026, 4, 4, 16),
            (2026, 10, 3, 16),
            (2026, 4, 4, 14),
            (2026, 1, 1, 0),
        ];
        (prop::sample::select(changes.to_vec()), -240i64..240).prop_map(|((y, m, d, h), min)| {
            Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap() + chrono::Duration::minutes(min)
        })
    }

    /// A window on any day, from midnight to midnight (`24:00`) included.
    fn arb_window(min_len: u16, max_len: u16) -> impl Strategy<Value = Window> {
        (0u8..7, 0u16..1440, min_len..=max_len).prop_map(|(day, start, len)| {
            let start = start.min(1440 - len);
            Window::new(day, start, start + len).unwrap()
        })
    }

    /// A session at `window`: weekly, fortnightly, monthly on weekdays or days of the month, or a
    /// cohort, around the 2026 instants of [`arb_now`].
    fn arb_session() -> impl Strategy<Value = Session> {
        (arb_window(15, 180), 0usize..6).prop_map(|(w, kind)| {
            let shown = w.to_string();
            let (day, times) = shown.split_once(' ').unwrap();
            let cell = match kind {
                0 | 1 => shown.clone(),
                2 => format!("{shown} every 2 weeks from 2025-12-29"),
                3 => format!("1st last {day} {times}"),
                4 => format!("days 3 17 {times}"),
                _ => format!("{shown} from 2026-03-01 for 6 times"),
            };
            cell.parse().unwrap()
        })
    }

    fn arb_languages() -> impl Strategy<Value = Vec<Language>> {
        prop::sample::subsequence(vec!["en", "es", "pl"], 0..3)
            .prop_map(|codes| codes.iter().map(|c| c.parse().unwrap()).collect())
    }

    fn arb_group() -> impl Strategy<Value = Group> {
        (
            0usize..Format::ALL.len(),
            0usize..ZONES.len(),
            prop::collection::vec(arb_session(), 0..4),
            prop::option::of((-0.4f64..0.4, -0.4f64..0.4)),
            arb_languages(),
            prop::sample::subsequence(Audience::ALL.to_vec(), 0..2),
            prop::option::of((0u32..3, 0u32..3)),
            (
                prop::sample::select(Serves::ALL),
                prop::sample::select(Orientation::ALL),
            ),
        )
            .prop_map(
                |(
                    format,
                    zone,
                    sessions,
                    place,
                    languages,
                    audience,
                    seats,
                    (serves, orientation),
                )| {
                    let mut g = group("g");
                    // Unlimited, or 0-2 seats of which 0-2 taken (full, or even over-full).
                    if let Some((capacity, enrolled)) = seats {
                        g.capacity = Some(capacity);
                        g.enrolled = enrolled;
                    }
                    g.format = Format::ALL[format];
                    g.timezone = ZONES[zone];
                    g.sessions = sessions;
                    g.location = place.map(|(dlat, dlon)| {
                        GeoPoint::new(39.9526 + dlat, -75.1652 + dlon).unwrap()
                    });
                    g.languages = languages;
                    g.audience = audience;
                    g.serves = serves;
                    g.orientation = orientation;
                    g
                },
            )
    }

    fn arb_person() -> impl Strategy<Value = crate::Person> {
        (
            (
                0usize..FormatPreference::ALL.len(),
                0usize..ZONES.len(),
                prop::collection::vec(arb_window(1, 1440), 0..6),
                prop::option::of((-0.3f64..0.3, -0.3f64..0.3)),
                prop::option::of(1.0f64..40.0),
            ),
            (
                arb_languages(),
                0usize..Gender::ALL.len(),
                prop::option::of(18u8..80),
                any::<bool>(),
                any::<bool>(),
            ),
            (
                prop::sample::select(Role::ALL),
                prop::sample::select(GenderSpecific::ALL),
                prop::sample::select(ApproachPreference::ALL),
                any::<bool>(),
            ),
        )
            .prop_map(
                |(
                    (format, zone, availability, place, km),
                    (languages, gender, age, lgbtq, veteran),
                    (role, gender_specific, approach, strict),
                )| {
                    let mut p = person();
                    p.format_preference = FormatPreference::ALL[format];
                    p.timezone = ZONES[zone];
                    p.availability = availability;
                    p.location = place
                        .map(|(dlat, dlon)| GeoPoint::new(39.95 + dlat, -75.16 + dlon).unwrap());
                    p.max_travel_km = km;
                    p.languages = languages;
                    p.gender = Gender::ALL[gender];
                    p.age = age;
                    p.lgbtq = lgbtq;
                    p.veteran = veteran;
                    p.role = role;
                    p.gender_specific = gender_specific;
                    p.approach_preference = approach;
                    p.approach_strict = strict;
                    p
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn the_index_never_drops_an_eligible_group_and_is_exact_but_for_distance(
            groups in prop::collection::vec(arb_group(), 1..80),
            p in arb_person(),
            now in arb_now(),
        ) {
            let index = CandidateIndex::new(&groups);
            let horizon = Horizon::new(Cow::Owned(WeekSessions::of(&groups)), index.zones(), now);
            let prepared = PreparedPerson::new(&p, &horizon);
            let found = index.candidates(&prepared, horizon.spans());
            for c in found.iter().filter(|c| c.fitting.is_some()) {
                // A count handed over is the one the pair would count.
                let calendar = horizon.group(c.group, &groups[c.group], index.zone_of(c.group));
                let fitting = PairFacts::fitting_in_horizon(&prepared, &calendar);
                prop_assert_eq!(c.fitting, Some(fitting), "group {}", c.group);
            }
            let candidates: Vec<usize> = found.iter().map(|c| c.group).collect();
            prop_assert!(candidates.windows(2).all(|w| w[0] < w[1]), "directory order");
            for (i, g) in groups.iter().enumerate() {
                let zone = ZoneSpan::new(g.timezone, now);
                let pair = Pair::at(&p, g, now);
                let codes: Vec<ExclusionCode> = check(&pair).iter().map(|e| e.code).collect();
                let kept = candidates.binary_search(&i).is_ok();
                prop_assert!(kept || !codes.is_empty(), "eligible group {} dropped", i);
                // Every filter but distance is exact; schedule too for weekly sessions when
                // neither zone changes its offset in the horizon (dates only remove
                // occurrences, and days of the month fall on any weekday).
                let exact_schedule = g.sessions.iter().all(Session::is_plain_weekly)
                    && zone.is_constant()
                    && prepared.zone.is_constant();
                prop_assert!(
                    !kept || codes.iter().all(|c| !matches!(
                        c,
                        ExclusionCode::Schedule if exact_schedule
                    ) && !matches!(
                        c,
                        ExclusionCode::Format
                            | ExclusionCode::Language
                            | ExclusionCode::Audience
                            | ExclusionCode::Role
                            | ExclusionCode::GenderSpecific
                            | ExclusionCode::Approach
                            | ExclusionCode::Full
                    )),
                    "group {} kept: {:?}", i, codes
                );
            }
        }
    }

    proptest! {
        #[test]
        fn an_index_of_some_groups_finds_the_candidates_among_them(
            groups in prop::collection::vec(arb_group(), 1..40),
            p in arb_person(),
            now in arb_now(),
            kept in prop::collection::vec(any::<bool>(), 40),
        ) {
            let all = CandidateIndex::new(&groups);
            let some = CandidateIndex::new_where(&groups, |g| kept[g]);
            let horizon = Horizon::new(Cow::Owned(WeekSessions::of(&groups)), all.zones(), now);
            let prepared = PreparedPerson::new(&p, &horizon);
            let expected: Vec<Candidate> = all
                .candidates(&prepared, horizon.spans())
                .into_iter()
                .filter(|c| kept[c.group])
                .collect();
            prop_assert_eq!(all.zones(), some.zones());
            prop_assert_eq!(some.candidates(&prepared, horizon.spans()), expected);
        }
    }

    fn found(groups: &[Group], p: &crate::Person) -> Vec<usize> {
        let now = crate::testutil::now();
        let index = CandidateIndex::new(groups);
        let horizon = Horizon::new(Cow::Owned(WeekSessions::of(groups)), index.zones(), now);
        index
            .candidates(&PreparedPerson::new(p, &horizon), horizon.spans())
            .into_iter()
            .map(|c| c.group)
            .collect()
    }

    #[test]
    fn the_index_counts_the_fitting_sessions_of_weekly_groups_when_windows_do_not_overlap() {
        // December to March in Phoenix: no change of offset in the horizon.
        let now: DateTime<Utc> = "2026-12-07T12:00:00Z".parse().unwrap();
        let mut weekly = group("weekly");
        weekly.timezone = chrono_tz::America::Phoenix;
        weekly.sessions = ["Mon 19:00-20:00", "Wed 19:00-20:00", "Fri 07:00-08:00"]
            .map(|s| s.parse().unwrap())
            .to_vec();
        let mut monthly = weekly.clone();
        monthly.sessions = vec!["2nd Mon 19:00-20:00".parse().unwrap()];
        let groups = [weekly, monthly];
        let mut p = person();
        p.timezone = chrono_tz::America::Phoenix;
        let counted = |p: &crate::Person| {
            let index = CandidateIndex::new(&groups);
            let horizon = Horizon::new(Cow::Owned(WeekSessions::of(&groups)), index.zones(), now);
            let prepared = PreparedPerson::new(p, &horizon);
            index
                .candidates(&prepared, horizon.spans())
                .iter()
                .map(|c| c.fitting)
                .collect::<Vec<_>>()
        };
        p.availability = ["Mon 18:00-21:00", "Wed 18:30-20:00", "Sun 22:00-24:00"]
            .map(|s| s.parse().unwrap())
            .to_vec();
        assert_eq!(counted(&p), [Some(2 * HORIZON_WEEKS), None]);
        // Overlapping windows would find a session twice: left to the pair to count.
        p.availability.push("Mon 19:00-20:30".parse().unwrap());
        assert_eq!(counted(&p), [None, None]);
    }

    #[test]
    fn sessions_are_found_across_the_end_of_the_week_and_up_to_midnight() {
        let mut g = group("g");
        g.format = Format::Online;
        g.location = None;
        g.timezone = chrono_tz::America::Los_Angeles;
        g.sessions = vec!["Mon 00:00-01:00".parse().unwrap()];
        let mut p = person();
        // Mon 02:00-04:00 in New York is Sun 23:00 to Mon 01:00 in Los Angeles: the window wraps
        // over the end of the group's week.
        p.availability = vec!["Mon 02:00-04:00".parse().unwrap()];
        assert_eq!(found(&[g.clone()], &p), [0]);
        p.availability = vec!["Mon 02:00-03:59".parse().unwrap()];
        assert!(
            found(&[g.clone()], &p).is_empty(),
            "the session must end inside"
        );
        p.availability = vec!["Mon 03:01-05:00".parse().unwrap()];
        assert!(
            found(&[g.clone()], &p).is_empty(),
            "the session must start inside"
        );
        // Sun 22:00-24:00 in Los Angeles is Mon 15:00-17:00 in Tokyo.
        g.sessions = vec!["Sun 22:00-24:00".parse().unwrap()];
        p.timezone = chrono_tz::Asia::Tokyo;
        p.availability = vec!["Mon 15:00-17:00".parse().unwrap()];
        assert_eq!(found(&[g.clone()], &p), [0]);
        p.availability = vec!["Mon 15:00-16:59".parse().unwrap()];
        assert!(found(&[g], &p).is_empty(), "the session must end inside");
    }

    #[test]
    fn a_far_room_is_found_only_by_people_who_may_join_online() {
        let mut g = group("g");
        g.location = Some(GeoPoint::new(center_city().latitude + 1.0, -75.1652).unwrap());
        let p = person();
        assert!(found(&[g.clone()], &p).is_empty());
        g.format = Format::Hybrid;
        assert_eq!(found(&[g], &p), [0]);
    }

    #[test]
    fn languages_past_the_first_63_are_kept_for_everyone() {
        let codes = crate::domain::vocab::LANGUAGE_CODES;
        assert!(codes.len() >= 70);
        let groups: Vec<Group> = codes[..70]
            .iter()
            .map(|code| {
                let mut g = group(code);
                g.languages = vec![code.parse().unwrap()];
                g
            })
            .collect();
        let mut p = person();
        p.languages = vec![codes[1].parse().unwrap()];
        assert_eq!(found(&groups, &p), [1, 63, 64, 65, 66, 67, 68, 69]);
    }
}
