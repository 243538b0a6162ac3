//! Weekly schedules: session and availability windows, and time-zone conversion between them.
//!
//! A [`Window`] is a span of one weekday in a local time zone (`Mon 19:00-20:30`): a person's
//! availability, and the weekly shape of a group's session ([`crate::Session`]). To compare a
//! session with a person's availability across zones, both are mapped onto one UTC week (minute
//! 0 = Monday 00:00 UTC, 10,080 minutes, wrapping), using each zone's UTC offset at the session's
//! instant. A Friday 20:00 Los Angeles session therefore lands on Saturday 04:00 UTC and fits a
//! New York window on Friday 23:00-24:00 correctly. Which offsets apply when, over the 13 weeks a
//! ranking looks ahead, is worked out once per zone (`pair::ZoneSpan`), so a daylight-saving
//! change inside them moves the sessions after it, and only those.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Minutes in a week.
pub const WEEK_MINUTES: i32 = 7 * 24 * 60;

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// One span of time on one weekday, in local time: a group session or an availability window.
///
/// ```
/// use groupmatch::Window;
/// let w: Window = "Thu 07:00-08:30".parse().unwrap();
/// assert_eq!(w.duration_minutes(), 90);
/// assert_eq!(w.to_string(), "Thu 07:00-08:30");
/// assert!("Thu 25:00-26:00".parse::<Window>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    /// Day of the week, 0 = Monday ... 6 = Sunday.
    day: u8,
    /// Start, minutes after local midnight.
    start: u16,
    /// End, minutes after local midnight (up to 1440, written `24:00`).
    end: u16,
}

impl Window {
    /// A window from its parts; `None` unless `day < 7` and `start < end <= 1440`.
    pub fn new(day: u8, start: u16, end: u16) -> Option<Window> {
        (day < 7 && start < end && end <= 1440).then_some(Window { day, start, end })
    }

    /// Day of the week, 0 = Monday ... 6 = Sunday.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Start, minutes after local midnight.
    pub fn start(&self) -> u16 {
        self.start
    }

    /// End, minutes after local midnight.
    pub fn end(&self) -> u16 {
        self.end
    }

    /// Length in minutes.
    pub fn duration_minutes(&self) -> u16 {
        self.end - self.start
    }

    /// The window's start on the UTC week, given the zone's offset (local minus UTC, minutes).
    pub fn utc_start(&self, offset_minutes: i32) -> i32 {
        let local = i32::from(self.day) * 1440 + i32::from(self.start);
        (local - offset_minutes).rem_euclid(WEEK_MINUTES)
    }

    /// The window on the UTC week, given the zone's offset (local minus UTC, minutes).
    pub fn on_utc_week(&self, offset_minutes: i32) -> UtcWindow {
        UtcWindow {
            start: self.utc_start(offset_minutes),
            minutes: i32::from(self.duration_minutes()),
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", DAY_NAMES[usize::from(self.day)], self.times())
    }
}

impl Window {
    /// The window's times without its day, `19:00-20:30`.
    pub(crate) fn times(&self) -> impl fmt::Display {
        struct Times(u16, u16);
        impl fmt::Display for Times {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}-{}", HhMm(self.0), HhMm(self.1))
            }
        }
        Times(self.start, self.end)
    }
}

/// Formats minutes after midnight as `HH:MM`.
struct HhMm(u16);

impl fmt::Display for HhMm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Two digits each (a time is at most 24:00), without the formatter's padding machinery.
        let (h, m) = ((self.0 / 60).min(99) as u8, (self.0 % 60) as u8);
        let digits = [
            b'0' + h / 10,
            b'0' + h % 10,
            b':',
            b'0' + m / 10,
            b'0' + m % 10,
        ];
        f.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?)
    }
}

fn parse_day(s: &str) -> Result<u8, String> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(s))
        .map(|i| i as u8)
        .ok_or_else(|| format!("unknown day '{s}' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"))
}

pub(super) fn parse_time(s: &str, allow_24: bool) -> Result<u16, String> {
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("time '{s}' is not HH:MM (24-hour)"))?;
    let digits = |x: &str| !x.is_empty() && x.len() <= 2 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return Err(format!("time '{s}' is not HH:MM (24-hour)"));
    }
    let (h, m): (u16, u16) = (h.parse().unwrap_or(99), m.parse().unwrap_or(99));
    if allow_24 && h == 24 && m == 0 {
        return Ok(1440);
    }
    if h > 23 || m > 59 {
        return Err(format!("time '{s}' does not exist (00:00 to 23:59)"));
    }
    Ok(h * 60 + m)
}

impl FromStr for Window {
    type Err = String;

    /// Parses `Mon 19:00-20:30`. The end may be `24:00`; a window may not cross midnight.
    fn from_str(s: &str) -> Result<Window, String> {
        let s = s.trim();
        let (day, times) = s
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("'{s}' is not like 'Mon 19:00-20:30'"))?;
        Window::of_parts(day.trim(), times.trim(), || s.to_string())
    }
}

impl Window {
    /// The window of a day (`Mon`) and its times (`19:00-20:30`), as [`Window::from_str`] reads
    /// them from `whole`, which only an error message needs.
    pub(crate) fn of_parts(
        day: &str,
        times: &str,
        whole: impl Fn() -> String,
    ) -> Result<Window, String> {
        let day = parse_day(day)?;
        let (start, end) = times
            .split_once('-')
            .ok_or_else(|| format!("'{}' is not like 'Mon 19:00-20:30'", whole()))?;
        let start = parse_time(start.trim(), false)?;
        let end = parse_time(end.trim(), true)?;
        if end <= start {
            return Err(format!(
                "end {} is not after start {} (a window cannot cross midnight: split it in two)",
                HhMm(end),
                HhMm(start)
            ));
        }
        Ok(Window { day, start, end })
    }
}

impl serde::Serialize for Window {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parses an IANA time-zone name.
pub fn parse_timezone(s: &str) -> Result<Tz, String> {
    s.trim()
        .parse::<Tz>()
        .map_err(|_| format!("unknown time zone '{s}' (use an IANA name such as America/New_York)"))
}

/// A zone's offset from UTC at `at`, in minutes (local minus UTC).
pub fn utc_offset_minutes(tz: Tz, at: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

/// The changes of a zone's UTC offset from `start` to `end`, as (the first instant with the new
/// offset, to the minute; the new offset in minutes), in time order. The offset is sampled every
/// week (no zone changes its offset and back within a week; the shortest such period on record,
/// Morocco's Ramadan suspension of summer time, lasts about a month), and each change is found
/// to the minute between two samples by bisection.
pub(crate) fn offset_changes(
    tz: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, i32)> {
    // Whole minutes since 1970, so that each change is found at its minute exactly.
    let minute = |m: i64| DateTime::from_timestamp(m * 60, 0).unwrap_or_default();
    let at = |m: i64| utc_offset_minutes(tz, minute(m));
    let (start, end) = (
        start.timestamp().div_euclid(60),
        end.timestamp().div_euclid(60),
    );
    const WEEK: i64 = 7 * 24 * 60;
    let mut changes = Vec::new();
    let mut before = at(start);
    let mut t = start;
    while t < end {
        let next = (t + WEEK).min(end);
        let after = at(next);
        if after != before {
            // The change lies in (t, next]: bisect to the minute.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if at(mid) == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            changes.push((minute(hi), after));
            before = after;
        }
        t = next;
    }
    changes
}

/// A weekly window placed on the UTC week, for comparing windows of different zones many times
/// without converting them each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcWindow {
    /// Start, minutes after Monday 00:00 UTC (0 to 10079).
    start: i32,
    /// Length in minutes.
    minutes: i32,
}

impl UtcWindow {
    /// A window starting `start` minutes after Monday 00:00 UTC (taken modulo the week) and
    /// lasting `minutes`.
    pub fn new(start: i32, minutes: i32) -> UtcWindow {
        // Most starts are off the week by less than a week (a local start moved by a UTC
        // offset): those wrap without a division.
        let start = match start {
            s if (0..WEEK_MINUTES).contains(&s) => s,
            s if (-WEEK_MINUTES..0).contains(&s) => s + WEEK_MINUTES,
            s if (WEEK_MINUTES..2 * WEEK_MINUTES).contains(&s) => s - WEEK_MINUTES,
            s => s.rem_euclid(WEEK_MINUTES),
        };
        UtcWindow { start, minutes }
    }

    /// Whether this window lies wholly inside `outer` (across the end of the week too).
    pub fn fits_inside(self, outer: UtcWindow) -> bool {
        (self.start - outer.start).rem_euclid(WEEK_MINUTES) + self.minutes <= outer.minutes
    }
}

/// A set of windows on the UTC week, for testing many windows against it: for every minute of the
/// week, the most minutes left from it to the end of one window that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekRoom {
    left: Vec<u16>,
}

impl WeekRoom {
    /// The room of `windows`.
    pub fn new(windows: &[UtcWindow]) -> WeekRoom {
        let week = WEEK_MINUTES as usize;
        let mut left = vec![0u16; week];
        for w in windows {
            // Minute `start + lead` (around the week) has `minutes - lead` left (at most a day:
            // the length of a window). Past a week's leads, a minute is met again with less
            // left: only the first week counts. The leads up to the end of the week, then the
            // ones wrapped to its start.
            let (start, minutes) = (w.start as usize, w.minutes.max(0) as usize);
            let leads = minutes.min(week);
            let before_end = leads.min(week - start);
            let (wrapped, from_start) = left.split_at_mut(start);
            let fill = |slots: &mut [u16], first: usize| {
                for (lead, slot) in slots.iter_mut().enumerate() {
                    *slot = (*slot).max((first - lead) as u16);
                }
            };
            fill(&mut from_start[..before_end], minutes);
            fill(&mut wrapped[..leads - before_end], minutes - before_end);
        }
        WeekRoom { left }
    }

    /// Whether `w` lies wholly inside one of the windows: [`UtcWindow::fits_inside`] for some
    /// window, found in one lookup.
    pub fn holds(&self, w: UtcWindow) -> bool {
        w.minutes <= i32::from(self.left[w.start as usize])
    }
}

/// Formats an instant as a date and time in `tz`: `Mon 8 Dec 19:00`.
pub fn format_local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `session` (in a zone at `session_offset`) lies wholly inside `window` (in a zone at
    /// `window_offset`), compared on the UTC week.
    fn fits_inside(
        session: &Window,
        session_offset: i32,
        window: &Window,
        window_offset: i32,
    ) -> bool {
        session
            .on_utc_week(session_offset)
            .fits_inside(window.on_utc_week(window_offset))
    }

    #[test]
    fn the_room_of_windows_holds_exactly_what_fits_inside_one_of_them() {
        let windows: Vec<UtcWindow> = [
            "Sun 22:00-24:00",
            "Mon 00:00-01:00",
            "Mon 09:00-12:00",
            "Mon 10:00-11:30",
        ]
        .iter()
        .map(|s| w(s).on_utc_week(-300))
        .collect();
        let room = WeekRoom::new(&windows);
        let mut seen = [0usize; 2];
        for day in 0..7u8 {
            for start in (0..1440u16).step_by(15) {
                for len in [15u16, 60, 90, 120, 150] {
                    let Some(session) = Window::new(day, start, (start + len).min(1440)) else {
                        continue;
                    };
                    for offset in [-300, 60] {
                        let s = session.on_utc_week(offset);
                        let one = windows.iter().any(|o| s.fits_inside(*o));
                        assert_eq!(room.holds(s), one, "{session} at offset {offset}");
                        seen[usize::from(one)] += 1;
                    }
                }
            }
        }
        assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
    }

    fn w(s: &str) -> Window {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_windows() {
        assert_eq!(w("mon 7:05-08:00").to_string(), "Mon 07:05-08:00");
        assert_eq!(w("Sat 18:00-24:00").duration_minutes(), 360);
    }

    #[test]
    fn rejects_impossible_times_with_a_reason() {
        let err = |s: &str| s.parse::<Window>().unwrap_err();
        assert!(err("Mon 25:00-26:00").contains("does not exist"));
        assert!(err("Mon 10:60-11:00").contains("does not exist"));
        assert!(err("Mon 20:00-19:00").contains("not after start"));
        assert!(err("Mon 20:00-20:00").contains("not after start"));
        assert!(err("Mo 10:00-11:00").contains("unknown day"));
        assert!(err("Mon 10-11").contains("HH:MM"));
        assert!(err("Mon 24:00-24:00").contains("does not exist"));
        assert!(err("Mon").contains("not like"));
    }

    #[test]
    fn session_inside_window_in_same_zone() {
        assert!(fits_inside(
            &w("Mon 19:00-20:00"),
            0,
            &w("Mon 18:00-22:00"),
            0
        ));
        assert!(fits_inside(
            &w("Mon 18:00-22:00"),
            0,
            &w("Mon 18:00-22:00"),
            0
        ));
        assert!(!fits_inside(
            &w("Mon 21:30-22:30"),
            0,
            &w("Mon 18:00-22:00"),
            0
        ));
        assert!(!fits_inside(
            &w("Tue 19:00-20:00"),
            0,
            &w("Mon 18:00-22:00"),
            0
        ));
    }

    #[test]
    fn online_session_in_other_zone_is_converted_across_days() {
        // Late November: New York is UTC-5, Los Angeles UTC-8.
        let now = at("2026-11-26T12:00:00Z");
        let ny = utc_offset_minutes(chrono_tz::America::New_York, now);
        let la = utc_offset_minutes(chrono_tz::America::Los_Angeles, now);
        assert_eq!((ny, la), (-300, -480));
        // Fri 20:00 in LA is Fri 23:00 in NY (Sat 04:00 UTC).
        let session = w("Fri 20:00-21:00");
        assert_eq!(session.utc_start(la), 5 * 1440 + 4 * 60);
        assert!(fits_inside(&session, la, &w("Fri 22:30-24:00"), ny));
        assert!(!fits_inside(&session, la, &w("Fri 19:00-22:00"), ny));
        // Sun 22:00 in LA is Mon 06:00 UTC, Mon 15:00 at UTC+9: wraps over the end of the week.
        assert!(fits_inside(
            &w("Sun 22:00-23:00"),
            la,
            &w("Mon 14:00-17:00"),
            9 * 60
        ));
        assert!(!fits_inside(
            &w("Sun 22:00-23:00"),
            la,
            &w("Sun 14:00-17:00"),
            9 * 60
        ));
    }

    #[test]
    fn summer_time_changes_the_offset() {
        let winter = utc_offset_minutes(chrono_tz::Europe::London, at("2026-01-15T12:00:00Z"));
        let summer = utc_offset_minutes(chrono_tz::Europe::London, at("2026-07-15T12:00:00Z"));
        assert_eq!((winter, summer), (0, 60));
    }

    #[test]
    fn timezone_names_are_checked() {
        assert!(parse_timezone("America/New_York").is_ok());
        assert!(parse_timezone("Mars/Olympus").unwrap_err().contains("IANA"));
    }
}
