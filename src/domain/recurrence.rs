//! Sessions that recur as calendars do: weekly, every N weeks, monthly on the nth or last weekday
//! or on days of the month, with a first and a last date or a count, and dates skipped.
//!
//! The semantics are RFC 5545's recurrence rules for these cases: FREQ=WEEKLY or MONTHLY with
//! INTERVAL, BYDAY (with ordinals), BYMONTHDAY, DTSTART, UNTIL or COUNT, and EXDATE (WKST=MO).
//! Times are wall-clock times in the group's zone, so a session stays at 19:00 local across
//! daylight-saving changes. A cell is written (parts in brackets are optional):
//!
//! ```text
//! Mon 19:00-20:00                                   every Monday (today's weekly syntax)
//! Tue 19:00-20:30 every 2 weeks from 2026-12-08     fortnightly, counting from that week
//! 2nd Mon 19:00-20:00                               the second Monday of every month
//! 1st 3rd Thu 18:00-19:00                           the first and third Thursdays
//! last Fri 19:00-20:30 every 2 months from 2027-01-01
//! day 15 12:00-13:00                                the 15th of every month
//! Wed 18:00-19:30 from 2027-01-13 for 10 times      a cohort of ten sessions
//! Wed 18:00-19:30 from 2027-01-13 until 2027-03-17  the same, by its last date
//! Mon 19:00-20:00 except 2026-12-21 2026-12-28      skipping two dates
//! ```
//!
//! The order after the times is free; dates are `YYYY-MM-DD` in the group's zone.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::check::parse_date;
use super::schedule::Window;

/// The most dates a session may skip, and the most occurrences a count may give.
pub const MAX_EXCEPTIONS: usize = 366;
/// The largest interval (`every N weeks` or `every N months`).
pub const MAX_INTERVAL: u8 = 52;

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const ORDINALS: [&str; 5] = ["1st", "2nd", "3rd", "4th", "5th"];

/// Which days a session falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DayPattern {
    /// One weekday, every `interval` weeks.
    Weekly,
    /// One weekday in the given weeks of the month.
    MonthlyWeekday(Ordinals),
    /// The given days of the month (a month without the day has no session then).
    MonthDays(MonthDays),
}

/// Weeks of the month, as bits: bit `n` for the nth weekday (1 to 5), bit 6 for the last. A
/// set, kept in canonical order without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ordinals(u8);

impl Ordinals {
    /// The set of `list`'s ordinals (1 to 5, or -1 for the last).
    fn of(list: &[i8]) -> Ordinals {
        Ordinals(
            list.iter()
                .fold(0, |bits, &n| bits | if n < 0 { 1 << 6 } else { 1 << n }),
        )
    }

    /// The ordinals in order: 1 to 5, then -1 for the last.
    fn iter(self) -> impl Iterator<Item = i8> {
        (1..=6)
            .filter(move |b| self.0 & (1 << b) != 0)
            .map(|b| if b == 6 { -1 } else { b as i8 })
    }
}

/// Days of the month, as bits (bit `d` for day `d`, 1 to 31), without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonthDays(u32);

impl MonthDays {
    /// The set of `list`'s days.
    fn of(list: &[u8]) -> MonthDays {
        MonthDays(list.iter().fold(0, |bits, &d| bits | 1 << d))
    }

    /// The days in order.
    fn iter(self) -> impl Iterator<Item = u8> {
        (1..=31u8).filter(move |d| self.0 & (1 << d) != 0)
    }

    /// How many days.
    fn len(self) -> u32 {
        self.0.count_ones()
    }
}

/// A group's session: a time on the days of its pattern, in the group's zone.
///
/// ```
/// use groupmatch::Session;
/// let s: Session = "2nd Mon 19:00-20:00 except 2026-12-14".parse().unwrap();
/// assert_eq!(s.to_string(), "2nd Mon 19:00-20:00 except 2026-12-14");
/// let dates: Vec<String> = s
///     .dates_between("2026-11-01".parse().unwrap(), "2027-02-01".parse().unwrap())
///     .map(|d| d.to_string())
///     .collect();
/// assert_eq!(dates, ["2026-11-09", "2027-01-11"]);
/// assert!("0th Mon 19:00-20:00".parse::<Session>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Session {
    pattern: Pattern,
    /// Dates with no session.
    except: Vec<NaiveDate>,
}

/// When a session meets, without the dates it skips: its days, times, interval, first and last
/// date or count. Copied without allocating, as a sentence about a group's sessions is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Pattern {
    /// The weekday and times (for a month-days pattern the weekday is unused: Monday).
    window: Window,
    days: DayPattern,
    /// Every `interval` weeks or months.
    interval: u8,
    /// The first date with a session, and the anchor of the interval.
    from: Option<NaiveDate>,
    /// The last date with a session.
    until: Option<NaiveDate>,
    /// How many sessions in all, from `from`.
    count: Option<u32>,
}

/// A session's recurrence as the parts of an RFC 5545 rule ([`Session::rule`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    /// FREQ=MONTHLY (else WEEKLY).
    pub monthly: bool,
    /// INTERVAL: every N weeks or months.
    pub interval: u8,
    /// BYDAY: `MO`, or with ordinals `1TH,3TH`, `-1FR`.
    pub byday: Option<String>,
    /// BYMONTHDAY: `1,15`.
    pub bymonthday: Option<String>,
    /// The first date (DTSTART's date, the anchor of the interval).
    pub from: Option<NaiveDate>,
    /// UNTIL, as a date in the group's zone.
    pub until: Option<NaiveDate>,
    /// COUNT.
    pub count: Option<u32>,
}

impl Session {
    /// A session every week at `window`: today's weekly syntax.
    pub fn weekly(window: Window) -> Session {
        Session {
            pattern: Pattern {
                window,
                days: DayPattern::Weekly,
                interval: 1,
                from: None,
                until: None,
                count: None,
            },
            except: Vec::new(),
        }
    }

    /// The weekly window this session keeps to, when every occurrence is on one weekday at one
    /// time: every pattern but days of the month. A plain weekly session is exactly this window.
    pub fn weekday_window(&self) -> Option<Window> {
        match self.pattern.days {
            DayPattern::MonthDays(_) => None,
            _ => Some(self.pattern.window),
        }
    }

    /// When the session meets, without the dates it skips.
    pub(crate) fn pattern(&self) -> Pattern {
        self.pattern
    }

    /// Whether the session is a plain weekly one: every week, with no first or last date and no
    /// skipped dates.
    pub fn is_plain_weekly(&self) -> bool {
        self.pattern.days == DayPattern::Weekly
            && self.pattern.interval == 1
            && self.pattern.from.is_none()
            && self.pattern.until.is_none()
            && self.pattern.count.is_none()
            && self.except.is_empty()
    }

    /// Start, minutes after local midnight.
    pub fn start(&self) -> u16 {
        self.pattern.window.start()
    }

    /// End, minutes after local midnight.
    pub fn end(&self) -> u16 {
        self.pattern.window.end()
    }

    /// Length in minutes.
    pub fn duration_minutes(&self) -> u16 {
        self.pattern.window.duration_minutes()
    }

    /// The first date with a session, when the session states one.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.pattern.from
    }

    /// The dates the session skips.
    pub fn except_dates(&self) -> &[NaiveDate] {
        &self.except
    }

    /// The session's recurrence as an RFC 5545 RRULE value (without the `RRULE:` name), for a
    /// calendar file: `FREQ=WEEKLY;BYDAY=MO`, `FREQ=MONTHLY;BYDAY=2MO`,
    /// `FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,15;COUNT=10`, ... `UNTIL` is the end of the last
    /// date in the group's zone `tz`, written in UTC as RFC 5545 requires with a zoned DTSTART.
    ///
    /// ```
    /// let s: groupmatch::Session = "1st 3rd Thu 18:00-19:00".parse().unwrap();
    /// assert_eq!(s.rrule_in(chrono_tz::UTC), "FREQ=MONTHLY;BYDAY=1TH,3TH");
    /// ```
    pub fn rrule_in(&self, tz: chrono_tz::Tz) -> String {
        let rule = self.rule();
        let mut parts = vec![if rule.monthly {
            "FREQ=MONTHLY".to_string()
        } else {
            "FREQ=WEEKLY".to_string()
        }];
        if rule.interval > 1 {
            parts.push(format!("INTERVAL={}", rule.interval));
        }
        if let Some(byday) = rule.byday {
            parts.push(format!("BYDAY={byday}"));
        }
        if let Some(bymonthday) = rule.bymonthday {
            parts.push(format!("BYMONTHDAY={bymonthday}"));
        }
        if let Some(until) = rule.until {
            // The end of the last day in the group's zone, in UTC (RFC 5545 3.3.10).
            use chrono::TimeZone;
            let end = until.and_hms_opt(23, 59, 59).expect("a valid time");
            let utc = tz
                .from_local_datetime(&end)
                .earliest()
                .map_or(end, |t| t.naive_utc());
            parts.push(format!("UNTIL={}", utc.format("%Y%m%dT%H%M%SZ")));
        }
        if let Some(count) = rule.count {
            parts.push(format!("COUNT={count}"));
        }
        parts.join(";")
    }

    /// The session's recurrence as the parts of an RFC 5545 rule in the group's zone, without
    /// the dates it skips: what a calendar file ([`Session::rrule_in`]) and an HSDS schedule
    /// (`formats::hsds::export`) write, each in its own syntax.
    pub(crate) fn rule(&self) -> Rule {
        const RFC_DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
        let day = RFC_DAYS[usize::from(self.pattern.window.day())];
        let (byday, bymonthday) = match &self.pattern.days {
            DayPattern::Weekly => (Some(day.to_string()), None),
            DayPattern::MonthlyWeekday(ordinals) => {
                let days: Vec<String> = ordinals.iter().map(|n| format!("{n}{day}")).collect();
                (Some(days.join(",")), None)
            }
            DayPattern::MonthDays(days) => {
                let days: Vec<String> = days.iter().map(|d| d.to_string()).collect();
                (None, Some(days.join(",")))
            }
        };
        Rule {
            monthly: self.pattern.days != DayPattern::Weekly,
            interval: self.pattern.interval,
            byday,
            bymonthday,
            from: self.pattern.from,
            until: self.pattern.until,
            count: self.pattern.count,
        }
    }

    /// The date a calendar event of this session starts (its DTSTART): the first date of the
    /// pattern on or after the session's first date, or on or after `on` when it states none.
    /// A skipped date counts here, as RFC 5545 counts DTSTART before EXDATE (so a count stays
    /// the same). `None` when the pattern has no date within ten years of there, or none before
    /// the session's last date.
    ///
    /// ```
    /// let s: groupmatch::Session = "last Fri 19:00-20:30 every 2 months from 2027-01-01 except 2027-01-29"
    ///     .parse()
    ///     .unwrap();
    /// let on = "2027-06-01".parse().unwrap();
    /// assert_eq!(s.first_occurrence(on), Some("2027-01-29".parse().unwrap()));
    /// let weekly: groupmatch::Session = "Mon 19:00-20:00".parse().unwrap();
    /// assert_eq!(weekly.first_occurrence(on), Some("2027-06-07".parse().unwrap()));
    /// ```
    pub fn first_occurrence(&self, on: NaiveDate) -> Option<NaiveDate> {
        let from = self.pattern.from.unwrap_or(on);
        let end = from.checked_add_months(Months::new(12 * 10))?;
        self.pattern_dates(from, end)
            .next()
            .filter(|d| self.pattern.until.is_none_or(|u| *d <= u))
    }

    /// The last date the session can meet, when it ends: its last date (`until`), or the date of
    /// its last counted occurrence (`for N times`). `None` for a session that runs on.
    ///
    /// ```
    /// let s: groupmatch::Session = "Wed 18:00-19:30 from 2027-01-13 for 3 times".parse().unwrap();
    /// assert_eq!(s.end_date(), Some("2027-01-27".parse().unwrap()));
    /// assert_eq!("Mon 19:00-20:00".parse::<groupmatch::Session>().unwrap().end_date(), None);
    /// ```
    pub fn end_date(&self) -> Option<NaiveDate> {
        if let Some(until) = self.pattern.until {
            return Some(until);
        }
        let (from, count) = (self.pattern.from?, self.pattern.count?);
        let end = from.checked_add_months(Months::new(12 * 10))?;
        self.pattern_dates(from, end).take(count as usize).last()
    }

    /// The dates of the session's occurrences from `start` (inclusive) to `end` (exclusive),
    /// in order, in the group's zone.
    pub fn dates_between(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> impl Iterator<Item = NaiveDate> + '_ {
        let limit = self.pattern.count.map_or(usize::MAX, |c| c as usize);
        self.pattern_dates(self.walk_from(start), self.end_by_until(end))
            .take(limit)
            .filter(move |d| *d >= start && !self.except.contains(d))
    }

    /// How many dates [`Session::dates_between`] gives, without walking them: for a weekday
    /// every N weeks from the first date and the step, and for a monthly pattern month by month
    /// from the days it has (a monthly pattern with a count is walked).
    pub fn count_between(&self, start: NaiveDate, end: NaiveDate) -> usize {
        match self.pattern.days {
            DayPattern::Weekly => self.count_weekly_between(start, end),
            _ if self.pattern.count.is_some() => self.dates_between(start, end).count(),
            _ => self.count_monthly_between(start, end),
        }
    }

    /// [`Session::count_between`] for a monthly pattern without a count.
    fn count_monthly_between(&self, start: NaiveDate, end: NaiveDate) -> usize {
        let lo = start.max(self.pattern.from.unwrap_or(start));
        let hi = self.end_by_until(end);
        let same_month =
            |a: NaiveDate, b: NaiveDate| a.year() == b.year() && a.month() == b.month();
        let mut n = 0;
        let mut month = NaiveDate::from_ymd_opt(lo.year(), lo.month(), 1);
        while let Some(first) = month.filter(|m| *m < hi) {
            if self.month_on_interval(first) {
                let mut days = self.days_in_month(first);
                if same_month(first, lo) {
                    days &= !((1u32 << lo.day()) - 1);
                }
                if same_month(first, hi) {
                    days &= (1u32 << hi.day()) - 1;
                }
                n += days.count_ones() as usize;
            }
            month = first.checked_add_days(Days::new(month_length(first).into()));
        }
        // Skipped dates are dates of the pattern.
        n - self.except.iter().filter(|d| **d >= lo && **d < hi).count()
    }

    /// Whether the month starting `first` is one the pattern meets in (every N months from the
    /// first date's month).
    fn month_on_interval(&self, first: NaiveDate) -> bool {
        self.pattern.from.is_none_or(|a| {
            (month_index(first) - month_index(a)).rem_euclid(i64::from(self.pattern.interval)) == 0
        })
    }

    /// Where a walk of the dates from `start` begins: with a count, occurrences are counted
    /// from the first date (COUNT before EXDATE, as RFC 5545 says), so the walk starts there.
    fn walk_from(&self, start: NaiveDate) -> NaiveDate {
        match (self.pattern.count, self.pattern.from) {
            (Some(_), Some(from)) => from,
            (_, from) => start.max(from.unwrap_or(start)),
        }
    }

    /// The end (exclusive) of dates before `end` and on or before the last date.
    fn end_by_until(&self, end: NaiveDate) -> NaiveDate {
        match self.pattern.until {
            Some(u) => end.min(u + chrono::Duration::days(1)),
            None => end,
        }
    }

    /// [`Session::count_between`] for a weekday every N weeks.
    fn count_weekly_between(&self, start: NaiveDate, end: NaiveDate) -> usize {
        let Some(first) = self.pattern_dates(self.walk_from(start), end).next() else {
            return 0;
        };
        let step = 7 * i64::from(self.pattern.interval);
        // The dates first + k * step before `end` and on or before the last date.
        let stop = self.end_by_until(end);
        let span = (stop - first).num_days();
        let mut n = if span <= 0 { 0 } else { (span - 1) / step + 1 };
        if let Some(c) = self.pattern.count {
            n = n.min(i64::from(c));
        }
        // Less those before `start`, and the skipped dates among the rest.
        let before = ((start - first).num_days().max(0) + step - 1) / step;
        let last = first + chrono::Duration::days((n - 1).max(0) * step);
        let skipped = self
            .except
            .iter()
            .filter(|d| **d >= start && **d >= first && **d <= last && n > 0)
            .count() as i64;
        (n - before.min(n) - skipped).max(0) as usize
    }

    /// The pattern's dates in `[from, end)` on or after the session's first date, ignoring its
    /// last date, count and skipped dates: computed as they are walked, without allocating.
    fn pattern_dates(&self, from: NaiveDate, end: NaiveDate) -> PatternDates<'_> {
        let from = from.max(self.pattern.from.unwrap_or(from));
        let mut dates = PatternDates {
            session: self,
            from,
            end,
            next: None,
            month: None,
            days: 0,
        };
        match &self.pattern.days {
            DayPattern::Weekly => {
                let weekday = weekday(self.pattern.window.day());
                let ahead = (7 + weekday.num_days_from_monday() as i64
                    - from.weekday().num_days_from_monday() as i64)
                    % 7;
                let first = from + chrono::Duration::days(ahead);
                // The weeks are counted from the week of the first date (Monday-based).
                let first = match self.pattern.from {
                    Some(anchor) if self.pattern.interval > 1 => {
                        let weeks = (monday_of(first) - monday_of(anchor)).num_days() / 7;
                        let behind = weeks.rem_euclid(i64::from(self.pattern.interval));
                        if behind == 0 {
                            first
                        } else {
                            first
                                + chrono::Duration::days(
                                    (i64::from(self.pattern.interval) - behind) * 7,
                                )
                        }
                    }
                    _ => first,
                };
                dates.next = Some(first);
            }
            DayPattern::MonthlyWeekday(_) | DayPattern::MonthDays(_) => {
                dates.month = NaiveDate::from_ymd_opt(from.year(), from.month(), 1);
            }
        }
        dates
    }

    /// The pattern's days in the month starting at `first`, as bits (bit `d` for day `d`).
    fn days_in_month(&self, first: NaiveDate) -> u32 {
        let mut bits = 0u32;
        match &self.pattern.days {
            DayPattern::Weekly => {}
            DayPattern::MonthlyWeekday(ordinals) => {
                // The month's first such weekday, then every seventh day up to its length.
                let wanted = u32::from(self.pattern.window.day());
                let first_day = 1 + (7 + wanted - first.weekday().num_days_from_monday()) % 7;
                let length = month_length(first);
                for n in ordinals.iter() {
                    let day = if n > 0 {
                        first_day + 7 * (n as u32 - 1)
                    } else {
                        first_day + 7 * ((length - first_day) / 7)
                    };
                    if day <= length {
                        bits |= 1 << day;
                    }
                }
            }
            DayPattern::MonthDays(days) => {
                // The days the month has.
                bits = days.0 & (u32::MAX >> (31 - month_length(first)));
            }
        }
        bits
    }

    /// Whether `date` is one of the pattern's dates (within the first and last date).
    fn on_pattern(&self, date: NaiveDate) -> bool {
        let next = date + chrono::Duration::days(1);
        let from = match self.pattern.from {
            Some(f) => f.min(date),
            None => date,
        };
        self.pattern_dates(from, next).any(|d| d == date)
            && self.pattern.until.is_none_or(|u| date <= u)
    }
}

/// The dates of a session's pattern, walked week by week or month by month
/// ([`Session::pattern_dates`]).
struct PatternDates<'a> {
    session: &'a Session,
    from: NaiveDate,
    end: NaiveDate,
    /// Weekly: the next date.
    next: Option<NaiveDate>,
    /// Monthly: the month (its first day) whose days are in `days`, or the next to look at.
    month: Option<NaiveDate>,
    /// Monthly: the days of `month` still to give, as bits.
    days: u32,
}

impl Iterator for PatternDates<'_> {
    type Item = NaiveDate;

    fn next(&mut self) -> Option<NaiveDate> {
        let s = self.session;
        if let Some(d) = self.next {
            if d >= self.end {
                return None;
            }
            self.next =
                d.checked_add_signed(chrono::Duration::days(i64::from(s.pattern.interval) * 7));
            return Some(d);
        }
        loop {
            let month = self.month?;
            if self.days == 0 {
                if month >= self.end {
                    return None;
                }
                self.days = if s.month_on_interval(month) {
                    s.days_in_month(month)
                } else {
                    0
                };
                if self.days == 0 {
                    self.month = month.checked_add_days(Days::new(month_length(month).into()));
                    continue;
                }
            }
            let day = self.days.trailing_zeros();
            self.days &= self.days - 1;
            if self.days == 0 {
                self.month = month.checked_add_days(Days::new(month_length(month).into()));
            }
            let date = month.with_day(day)?;
            if date >= self.end {
                return None;
            }
            if date >= self.from {
                return Some(date);
            }
        }
    }
}

fn weekday(day: u8) -> Weekday {
    Weekday::try_from(day).unwrap_or(Weekday::Mon)
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// How many days the month of `date` has.
fn month_length(date: NaiveDate) -> u32 {
    match date.month() {
        2 if date.leap_year() => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn parse_ordinal(s: &str) -> Option<i8> {
    if s.eq_ignore_ascii_case("last") {
        return Some(-1);
    }
    ORDINALS
        .iter()
        .position(|o| o.eq_ignore_ascii_case(s))
        .map(|i| i as i8 + 1)
}

/// The words that may follow a session's times, in any case.
const KEYWORDS: [&str; 5] = ["every", "from", "until", "for", "except"];

const SYNTAX: &str = "like 'Mon 19:00-20:00', '2nd Mon 19:00-20:00', 'day 15 12:00-13:00', \
                      with optional 'every N weeks|months', 'from DATE', 'until DATE' or \
                      'for N times', 'except DATE ...'";

impl FromStr for Session {
    type Err = String;

    fn from_str(s: &str) -> Result<Session, String> {
        let words: Vec<&str> = s.split_whitespace().collect();
        let not_like = || format!("'{}' is not {SYNTAX}", s.trim());
        let mut i = 0;
        // The days: ordinals and a weekday, a weekday, or `day`/`days` and days of the month.
        let mut ordinals: Vec<i8> = Vec::new();
        while let Some(n) = words.get(i).and_then(|w| parse_ordinal(w)) {
            ordinals.push(n);
            i += 1;
        }
        let mut month_days: Vec<u8> = Vec::new();
        let day_word = *words.get(i).ok_or_else(not_like)?;
        let weekday_of_window =
            if day_word.eq_ignore_ascii_case("day") || day_word.eq_ignore_ascii_case("days") {
                if !ordinals.is_empty() {
                    return Err(format!(
                        "'{}': ordinals go with a weekday ('2nd Mon'), not with days of the month",
                        s.trim()
                    ));
                }
                i += 1;
                while let Some(w) = words.get(i).filter(|w| !w.contains(':')) {
                    let d: u8 = w
                        .parse()
                        .ok()
                        .filter(|d| (1..=31).contains(d))
                        .ok_or_else(|| format!("day of the month '{w}' is not 1 to 31"))?;
                    month_days.push(d);
                    i += 1;
                }
                if month_days.is_empty() {
                    return Err(format!(
                        "'{}': 'day' needs days of the month (day 15)",
                        s.trim()
                    ));
                }
                "Mon"
            } else {
                if let Some(bad) = words.get(i).filter(|w| {
                    w.len() <= 4 && w.chars().next().is_some_and(|c| c.is_ascii_digit())
                }) {
                    return Err(format!(
                        "unknown ordinal '{bad}' (use 1st, 2nd, 3rd, 4th, 5th or last)"
                    ));
                }
                i += 1;
                day_word
            };
        let times = words.get(i).ok_or_else(not_like)?;
        let window = Window::of_parts(weekday_of_window, times, || {
            format!("{weekday_of_window} {times}")
        })?;
        i += 1;
        let mut session = Session::weekly(window);
        session.pattern.days = match (ordinals.is_empty(), month_days.is_empty()) {
            (true, true) => DayPattern::Weekly,
            (false, _) => DayPattern::MonthlyWeekday(Ordinals::of(&ordinals)),
            (true, false) => DayPattern::MonthDays(MonthDays::of(&month_days)),
        };
        let monthly = session.pattern.days != DayPattern::Weekly;
        while let Some(&word) = words.get(i) {
            i += 1;
            let arg = |at: usize, k: usize| words.get(at + k).copied();
            let keyword = KEYWORDS.iter().find(|k| word.eq_ignore_ascii_case(k));
            match keyword.copied().unwrap_or_default() {
                "every" => {
                    let n = arg(i, 0).ok_or_else(not_like)?;
                    let unit = arg(i, 1).unwrap_or("").to_ascii_lowercase();
                    let interval: u8 = n
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_INTERVAL).contains(n))
                        .ok_or_else(|| format!("interval '{n}' is not 1 to {MAX_INTERVAL}"))?;
                    let ok_unit = if monthly {
                        unit.starts_with("month")
                    } else {
                        unit.starts_with("week")
                    };
                    if !ok_unit {
                        let want = if monthly { "months" } else { "weeks" };
                        return Err(format!(
                            "'every {n} {unit}': this pattern repeats every N {want}"
                        ));
                    }
                    session.pattern.interval = interval;
                    i += 2;
                }
                "from" => {
                    session.pattern.from = Some(parse_date(arg(i, 0).ok_or_else(not_like)?)?);
                    i += 1;
                }
                "until" => {
                    session.pattern.until = Some(parse_date(arg(i, 0).ok_or_else(not_like)?)?);
                    i += 1;
                }
                "for" => {
                    let n = arg(i, 0).ok_or_else(not_like)?;
                    let count: u32 = n
                        .parse()
                        .ok()
                        .filter(|c| (1..=MAX_EXCEPTIONS as u32).contains(c))
                        .ok_or_else(|| {
                            format!("count '{n}' is not 1 to {MAX_EXCEPTIONS} sessions")
                        })?;
                    session.pattern.count = Some(count);
                    i += 1;
                    if arg(i, 0).is_some_and(|w| {
                        w.eq_ignore_ascii_case("times") || w.eq_ignore_ascii_case("sessions")
                    }) {
                        i += 1;
                    }
                }
                "except" => {
                    while let Some(w) =
                        arg(i, 0).filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
                    {
                        session.except.push(parse_date(w)?);
                        i += 1;
                    }
                    if session.except.len() > MAX_EXCEPTIONS {
                        return Err(format!("more than {MAX_EXCEPTIONS} dates to skip"));
                    }
                }
                _ => {
                    return Err(format!(
                        "unknown word '{word}' in '{}' ({SYNTAX})",
                        s.trim()
                    ))
                }
            }
        }
        session.check()?;
        session.except.sort();
        session.except.dedup();
        Ok(session)
    }
}

impl Session {
    /// Why the parts cannot make a session, if they cannot.
    fn check(&self) -> Result<(), String> {
        if self.pattern.interval > 1 && self.pattern.from.is_none() {
            return Err(format!(
                "'every {}' needs 'from DATE' to know which {} count",
                self.pattern.interval,
                if self.pattern.days == DayPattern::Weekly {
                    "weeks"
                } else {
                    "months"
                }
            ));
        }
        if self.pattern.until.is_some() && self.pattern.count.is_some() {
            return Err("give 'until DATE' or 'for N times', not both".into());
        }
        if self.pattern.count.is_some() && self.pattern.from.is_none() {
            return Err("'for N times' needs 'from DATE' to count from".into());
        }
        if let (Some(from), Some(until)) = (self.pattern.from, self.pattern.until) {
            if until < from {
                return Err(format!("last date {until} is before first date {from}"));
            }
        }
        if let Some(d) = self.except.iter().find(|d| !self.on_pattern(**d)) {
            return Err(format!(
                "{d} is not a date of this session, so it cannot be skipped"
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let times = self.window.times();
        match &self.days {
            DayPattern::Weekly => {
                write!(f, "{} {times}", DAY_NAMES[usize::from(self.window.day())])?
            }
            DayPattern::MonthlyWeekday(ordinals) => {
                for n in ordinals.iter() {
                    let word = if n < 0 {
                        "last"
                    } else {
                        ORDINALS[(n - 1) as usize]
                    };
                    write!(f, "{word} ")?;
                }
                write!(f, "{} {times}", DAY_NAMES[usize::from(self.window.day())])?;
            }
            DayPattern::MonthDays(days) => {
                let list: Vec<String> = days.iter().map(|d| d.to_string()).collect();
                let word = if days.len() == 1 { "day" } else { "days" };
                write!(f, "{word} {} {times}", list.join(" "))?;
            }
        }
        if self.interval > 1 {
            let unit = if self.days == DayPattern::Weekly {
                "weeks"
            } else {
                "months"
            };
            write!(f, " every {} {unit}", self.interval)?;
        }
        if let Some(from) = self.from {
            write!(f, " from {from}")?;
        }
        if let Some(until) = self.until {
            write!(f, " until {until}")?;
        }
        if let Some(count) = self.count {
            write!(f, " for {count} times")?;
        }
        Ok(())
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pattern.fmt(f)?;
        if !self.except.is_empty() {
            let list: Vec<String> = self.except.iter().map(NaiveDate::to_string).collect();
            write!(f, " except {}", list.join(" "))?;
        }
        Ok(())
    }
}

impl serde::Serialize for Session {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// What `Serialize` writes: the session as a directory writes it.
#[cfg(feature = "serve")]
impl utoipa::PartialSchema for Session {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "a session as a directory writes it (docs/formats.md): `Tue 19:00-20:00`, \
                 `2nd 4th Wed 19:00-20:00`, `Tue 19:00-20:00 every 2 weeks from 2026-12-08 except 2026-12-22`",
            ))
            .into()
    }
}

#[cfg(feature = "serve")]
impl utoipa::ToSchema for Session {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dates(cell: &str, start: &str, end: &str) -> Vec<String> {
        let s: Session = cell.parse().unwrap();
        s.dates_between(date(start), date(end))
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn each_pattern_gives_the_calendar_dates() {
        // December 2026: Tuesdays are the 1st, 8th, 15th, 22nd, 29th.
        assert_eq!(
            dates("Tue 19:00-20:00", "2026-12-01", "2026-12-16"),
            ["2026-12-01", "2026-12-08", "2026-12-15"]
        );
        assert_eq!(
            dates(
                "Tue 19:00-20:00 every 2 weeks from 2026-12-08",
                "2026-12-01",
                "2027-01-06"
            ),
            ["2026-12-08", "2026-12-22", "2027-01-05"]
        );
        assert_eq!(
            dates("1st 3rd Thu 18:00-19:00", "2026-12-01", "2027-02-01"),
            ["2026-12-03", "2026-12-17", "2027-01-07", "2027-01-21"]
        );
        assert_eq!(
            dates("last Fri 19:00-20:30", "2026-12-01", "2027-03-01"),
            ["2026-12-25", "2027-01-29", "2027-02-26"]
        );
        assert_eq!(
            dates("day 31 12:00-13:00", "2027-01-01", "2027-06-01"),
            ["2027-01-31", "2027-03-31", "2027-05-31"]
        );
        assert_eq!(
            dates(
                "2nd Mon 19:00-20:00 every 2 months from 2027-01-01",
                "2027-01-01",
                "2027-07-01"
            ),
            ["2027-01-11", "2027-03-08", "2027-05-10"]
        );
    }

    #[test]
    fn cohorts_start_and_end_by_date_or_count_and_skipped_dates_do_not_count_again() {
        let cohort = "Wed 18:00-19:30 from 2027-01-13 for 10 times";
        let all = dates(cohort, "2026-01-01", "2028-01-01");
        assert_eq!(all.len(), 10);
        assert_eq!(
            (all[0].as_str(), all[9].as_str()),
            ("2027-01-13", "2027-03-17")
        );
        assert_eq!(
            dates(cohort, "2026-01-01", "2028-01-01"),
            dates(
                "Wed 18:00-19:30 from 2027-01-13 until 2027-03-17",
                "2026-01-01",
                "2028-01-01"
            )
        );
        // A window starting mid-cohort sees only the rest of it.
        assert_eq!(dates(cohort, "2027-03-04", "2028-01-01").len(), 2);
        // A skipped date is one of the ten: nine sessions happen (RFC 5545: COUNT, then EXDATE).
        let skipped = dates(
            "Wed 18:00-19:30 from 2027-01-13 for 10 times except 2027-02-17",
            "2026-01-01",
            "2028-01-01",
        );
        assert_eq!(skipped.len(), 9);
        assert!(!skipped.contains(&"2027-02-17".to_string()));
    }

    #[test]
    fn cells_print_as_they_parse() {
        for cell in [
            "Mon 19:00-20:00",
            "Tue 19:00-20:30 every 2 weeks from 2026-12-08",
            "1st 3rd Thu 18:00-19:00",
            "last Fri 19:00-20:30 every 2 months from 2027-01-01",
            "days 1 15 12:00-13:00",
            "Wed 18:00-19:30 from 2027-01-13 for 10 times",
            "Wed 18:00-19:30 from 2027-01-13 until 2027-03-17",
            "Mon 19:00-20:00 except 2026-12-21 2026-12-28",
        ] {
            let s: Session = cell.parse().unwrap();
            assert_eq!(s.to_string(), cell);
        }
        // Order and case are free; the print is canonical.
        let s: Session = "3RD 1st thu 18:00-19:00 FOR 3 from 2027-01-01"
            .parse()
            .unwrap();
        assert_eq!(
            s.to_string(),
            "1st 3rd Thu 18:00-19:00 from 2027-01-01 for 3 times"
        );
        assert!(Session::weekly("Mon 19:00-20:00".parse().unwrap()).is_plain_weekly());
    }

    #[test]
    fn bad_cells_say_what_is_wrong() {
        for (cell, says) in [
            ("0th Mon 19:00-20:00", "unknown ordinal '0th'"),
            ("6th Mon 19:00-20:00", "unknown ordinal '6th'"),
            (
                "Mon 19:00-20:00 every 0 weeks",
                "interval '0' is not 1 to 52",
            ),
            ("Mon 19:00-20:00 every 2 weeks", "needs 'from DATE'"),
            (
                "2nd Mon 19:00-20:00 every 2 weeks from 2027-01-01",
                "every N months",
            ),
            (
                "Mon 19:00-20:00 from 2027-03-01 until 2027-01-01",
                "is before first date",
            ),
            (
                "Mon 19:00-20:00 except 2026-12-22",
                "2026-12-22 is not a date of this session",
            ),
            ("Mon 19:00-20:00 for 3 times", "needs 'from DATE'"),
            (
                "Mon 19:00-20:00 from 2027-01-04 for 3 until 2027-02-01",
                "not both",
            ),
            ("day 32 12:00-13:00", "day of the month '32' is not 1 to 31"),
            ("2nd day 3 12:00-13:00", "ordinals go with a weekday"),
            ("Mon 19:00-20:00 from 2027-02-30", "is not a date"),
            ("Mon 19:00-20:00 weekly", "unknown word 'weekly'"),
            ("Mon 25:00-26:00", "does not exist"),
            ("Mon", "is not like"),
        ] {
            let err = cell.parse::<Session>().unwrap_err();
            assert!(err.contains(says), "{cell}: {err}");
        }
    }

    /// Whether `d` is an occurrence of `s`, decided from the definitions day by day.
    fn brute(s: &Session, d: NaiveDate) -> bool {
        if s.pattern.from.is_some_and(|f| d < f) || s.pattern.until.is_some_and(|u| d > u) {
            return false;
        }
        let months_ok = |d: NaiveDate| {
            s.pattern.from.is_none_or(|f| {
                (month_index(d) - month_index(f)) % i64::from(s.pattern.interval) == 0
            })
        };
        let on = |d: NaiveDate| match &s.pattern.days {
            DayPattern::Weekly => {
                d.weekday() == weekday(s.pattern.window.day())
                    && s.pattern.from.is_none_or(|f| {
                        ((monday_of(d) - monday_of(f)).num_days() / 7)
                            % i64::from(s.pattern.interval)
                            == 0
                    })
            }
            DayPattern::MonthlyWeekday(ns) => {
                let next_month_day = d + chrono::Duration::days(7);
                d.weekday() == weekday(s.pattern.window.day())
                    && months_ok(d)
                    && ns.iter().any(|n| {
                        (n > 0 && (d.day() - 1) / 7 + 1 == n as u32)
                            || (n < 0 && next_month_day.month() != d.month())
                    })
            }
            DayPattern::MonthDays(ds) => months_ok(d) && ds.iter().any(|x| u32::from(x) == d.day()),
        };
        if !on(d) {
            return false;
        }
        if let (Some(c), Some(f)) = (s.pattern.count, s.pattern.from) {
            let before = f
                .iter_days()
                .take_while(|x| *x <= d)
                .filter(|x| on(*x))
                .count();
            if before > c as usize {
                return false;
            }
        }
        !s.except.contains(&d)
    }

    fn any_session() -> impl Strategy<Value = Session> {
        (
            0u8..7,
            0usize..3,
            prop::collection::vec(prop_oneof![1i8..=5, Just(-1i8)], 1..3),
            prop::collection::vec(1u8..=31, 1..3),
            1u8..4,
            prop::option::of(0i64..1500),
            prop::option::of(0i64..400),
            prop::option::of(1u32..30),
            prop::collection::vec(0usize..40, 0..3),
        )
            .prop_map(
                |(day, kind, ordinals, days, interval, from, len, count, skip)| {
                    let base = date("2025-01-01");
                    let mut s = Session::weekly(Window::new(day, 600, 660).unwrap());
                    s.pattern.days = match kind {
                        0 => DayPattern::Weekly,
                        1 => DayPattern::MonthlyWeekday(Ordinals::of(&ordinals)),
                        _ => {
                            // The weekday of a month-days session is unused: Monday, as parsed.
                            s.pattern.window = Window::new(0, 600, 660).unwrap();
                            DayPattern::MonthDays(MonthDays::of(&days))
                        }
                    };
                    s.pattern.from = from.map(|f| base + chrono::Duration::days(f));
                    if s.pattern.from.is_some() {
                        s.pattern.interval = interval;
                        match (count, len) {
                            (Some(c), _) => s.pattern.count = Some(c),
                            (None, Some(l)) => {
                                s.pattern.until =
                                    s.pattern.from.map(|f| f + chrono::Duration::days(l))
                            }
                            _ => {}
                        }
                    }
                    // Skip some of its own dates.
                    let own: Vec<NaiveDate> = s
                        .dates_between(base, base + chrono::Duration::days(2000))
                        .collect();
                    s.except = skip.iter().filter_map(|i| own.get(*i).copied()).collect();
                    s.except.sort();
                    s.except.dedup();
                    s
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn expansion_matches_a_day_by_day_walk(
            s in any_session(),
            start in 0i64..1800,
            span in 1i64..800,
        ) {
            let base = date("2025-01-01");
            let (a, b) = (base + chrono::Duration::days(start), base + chrono::Duration::days(start + span));
            let got: Vec<NaiveDate> = s.dates_between(a, b).collect();
            let want: Vec<NaiveDate> = a.iter_days().take_while(|d| *d < b).filter(|d| brute(&s, *d)).collect();
            prop_assert_eq!(&got, &want, "{}", s);
            prop_assert_eq!(s.count_between(a, b), want.len(), "{} counted", s);
            // The printed cell reads back as the same session.
            let back: Session = s.to_string().parse().unwrap();
            prop_assert_eq!(back, s);
        }
    }
}
