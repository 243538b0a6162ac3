//! The week picture: an inline SVG of one group's sessions over the person's availability, in
//! the person's zone, Monday to Sunday.
//!
//! Each session is drawn where its next occurrence falls in the person's zone (so a group in
//! another zone lands on the person's clock), solid when it meets every week and dashed when it
//! does not (fortnightly, monthly); the availability windows are shaded behind. The hours shown
//! are those of the windows and sessions, an hour either side, at least six.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};

use super::text::Text;
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::html::Page;

/// One span on one day of the person's week, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Block {
    pub(crate) day: u32,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// Splits a span starting on `day` at `start` and lasting `minutes` at midnight.
fn blocks(day: u32, start: u32, minutes: u32, out: &mut Vec<Block>) {
    let end = start + minutes;
    out.push(Block {
        day,
        start,
        end: end.min(1440),
    });
    if end > 1440 {
        out.push(Block {
            day: (day + 1) % 7,
            start: 0,
            end: end - 1440,
        });
    }
}

/// The group's sessions in the person's week, as (block, meets every week), from each
/// session's next occurrence on or after the day of `now` in the group's zone (a session with
/// none in the next year is left out).
pub(crate) fn session_blocks(
    person: &Person,
    group: &Group,
    now: DateTime<Utc>,
) -> Vec<(Block, bool)> {
    let today = now.with_timezone(&group.timezone).date_naive();
    let later = today + Duration::days(400);
    let mut out = Vec::new();
    for s in &group.sessions {
        let Some(date) = s.dates_between(today, later).next() else {
            continue;
        };
        let at = instant(group.timezone, date, s.start()).with_timezone(&person.timezone);
        let rule = s.rrule_in(group.timezone);
        let weekly = rule.starts_with("FREQ=WEEKLY") && !rule.contains("INTERVAL=");
        let mut parts = Vec::new();
        blocks(
            at.weekday().num_days_from_monday(),
            at.hour() * 60 + at.minute(),
            u32::from(s.duration_minutes()),
            &mut parts,
        );
        out.extend(parts.into_iter().map(|b| (b, weekly)));
    }
    out
}

/// The instant of local `minute` on `date` in `tz` (the first of a repeated time; a skipped time
/// read with the offset of the day before).
fn instant(tz: chrono_tz::Tz, date: chrono::NaiveDate, minute: u16) -> DateTime<Utc> {
    let local = date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(i64::from(minute));
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => {
            let before = crate::domain::schedule::utc_offset_minutes(
                tz,
                (local - Duration::days(1)).and_utc(),
            );
            (local - Duration::minutes(i64::from(before))).and_utc()
        }
    }
}

const LEFT: f64 = 34.0;
const COLUMN: f64 = 40.0;
const TOP: f64 = 16.0;
const GRID: f64 = 120.0;
const WIDTH: f64 = LEFT + 7.0 * COLUMN + 2.0;
const HEIGHT: f64 = TOP + GRID + 30.0;

/// Writes the picture of `group` for `person` at `now`.
pub(crate) fn picture(p: &mut Page, t: &Text, person: &Person, group: &Group, now: DateTime<Utc>) {
    let sessions = session_blocks(person, group, now);
    let mut available = Vec::new();
    for w in &person.availability {
        blocks(
            u32::from(w.day()),
            u32::from(w.start()),
            u32::from(w.duration_minutes()),
            &mut available,
        );
    }
    let all = available.iter().chain(sessions.iter().map(|(b, _)| b));
    let first = all.clone().map(|b| b.start / 60).min().unwrap_or(8);
    let last = all.map(|b| b.end.div_ceil(60)).max().unwrap_or(22);
    let (mut from, mut to) = (first.saturating_sub(1), (last + 1).min(24));
    while to - from < 6 {
        from = from.saturating_sub(1);
        if to - from < 6 && to < 24 {
            to += 1;
        }
    }
    let per_minute = GRID / f64::from((to - from) * 60);
    let y = |minute: u32| {
        TOP + f64::from(minute.saturating_sub(from * 60)).min(f64::from((to - from) * 60))
            * per_minute
    };
    p.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
    p.num(WIDTH);
    p.raw(" ");
    p.num(HEIGHT);
    p.raw("\" role=\"img\" aria-label=\"");
    p.text(t.week_caption);
    p.raw("\">\n");
    for (d, name) in t.short_days.iter().enumerate() {
        let x = LEFT + d as f64 * COLUMN;
        p.raw("<rect class=\"day\" x=\"");
        p.num(x);
        p.raw("\" y=\"");
        p.num(TOP);
        p.raw("\" width=\"");
        p.num(COLUMN);
        p.raw("\" height=\"");
        p.num(GRID);
        p.raw("\"/><text class=\"dayname\" x=\"");
        p.num(x + COLUMN / 2.0);
        p.raw("\" y=\"11\">");
        p.text(name);
        p.raw("</text>\n");
    }
    let step = if to - from > 12 { 3 } else { 2 };
    for h in (from..=to).filter(|h| h % step == 0) {
        let yy = y(h * 60);
        p.raw("<line class=\"hour\" x1=\"");
        p.num(LEFT);
        p.raw("\" x2=\"");
        p.num(LEFT + 7.0 * COLUMN);
        p.raw("\" y1=\"");
        p.num(yy);
        p.raw("\" y2=\"");
        p.num(yy);
        p.raw("\"/><text class=\"hourname\" x=\"");
        p.num(LEFT - 3.0);
        p.raw("\" y=\"");
        p.num(yy + 3.0);
        p.raw("\">");
        p.text(&(t.hour_label)(h));
        p.raw("</text>\n");
    }
    let rect = |p: &mut Page, class: &'static str, b: &Block, inset: f64| {
        p.raw("<rect class=\"");
        p.raw(class);
        p.raw("\" x=\"");
        p.num(LEFT + f64::from(b.day) * COLUMN + inset);
        p.raw("\" y=\"");
        p.num(y(b.start));
        p.raw("\" width=\"");
        p.num(COLUMN - 2.0 * inset);
        p.raw("\" height=\"");
        p.num((y(b.end) - y(b.start)).max(2.0));
        p.raw("\"/>\n");
    };
    for b in &available {
        rect(p, "avail", b, 1.0);
    }
    for (b, weekly) in &sessions {
        let class = if *weekly {
            "session"
        } else {
            "session sometimes"
        };
        rect(p, class, b, 7.0);
    }
    // The legend, under the grid.
    let ly = TOP + GRID + 10.0;
    let legend: [(&'static str, &str); 3] = [
        ("avail", t.week_available),
        ("session", t.week_session),
        ("session sometimes", t.week_not_weekly),
    ];
    let mut x = LEFT;
    for (class, label) in legend {
        // Each kind of session only when the group has one.
        let shown = match class {
            "session" => sessions.iter().any(|(_, weekly)| *weekly),
            "session sometimes" => sessions.iter().any(|(_, weekly)| !*weekly),
            _ => true,
        };
        if !shown {
            continue;
        }
        p.raw("<rect class=\"");
        p.raw(class);
        p.raw("\" x=\"");
        p.num(x);
        p.raw("\" y=\"");
        p.num(ly);
        p.raw("\" width=\"10\" height=\"10\"/><text class=\"legend\" x=\"");
        p.num(x + 13.0);
        p.raw("\" y=\"");
        p.num(ly + 9.0);
        p.raw("\">");
        p.text(label);
        p.raw("</text>\n");
        x += 22.0 + 5.0 * label.chars().count() as f64;
    }
    p.raw("</svg>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{group, now, person};

    #[test]
    fn a_session_lands_on_the_persons_clock_and_splits_at_midnight() {
        let mut g = group("g");
        g.timezone = chrono_tz::America::Los_Angeles;
        g.sessions = vec![
            "Fri 20:00-22:00".parse().unwrap(),
            "2nd Mon 19:00-20:00".parse().unwrap(),
        ];
        let p = person(); // New York
        let b = session_blocks(&p, &g, now());
        assert_eq!(
            b,
            [
                (
                    Block {
                        day: 4,
                        start: 23 * 60,
                        end: 1440
                    },
                    true
                ),
                (
                    Block {
                        day: 5,
                        start: 0,
                        end: 60
                    },
                    true
                ),
                (
                    Block {
                        day: 0,
                        start: 22 * 60,
                        end: 23 * 60
                    },
                    false
                ),
            ]
        );
    }
}
