//! Availability as people say it: `Mon-Fri 5:30pm-10pm`, `weekend mornings`, `daily 7-9pm`,
//! read into the weekly [`Window`]s the rest of the library works with.
//!
//! Every place a person's availability is read (person and waitlist files, the `rank` flags)
//! goes through [`parse_availability`], so the syntax is one and documented once
//! (`docs/formats.md`, "Availability"). The strict form `Mon 19:00-20:30` reads exactly as
//! [`Window::from_str`](std::str::FromStr) reads it, errors included; group sessions keep that
//! strict form (a directory is written by programs, an availability by people).

use std::str::FromStr;

use super::schedule::{parse_time, Window};

/// The span each preset names, in minutes after midnight: mornings 06:00-12:00, afternoons
/// 12:00-17:00, evenings 17:00-22:00 (issue 17's definitions, the ones intake staff use).
const PRESETS: [(&str, u16, u16); 3] = [
    ("morning", 6 * 60, 12 * 60),
    ("afternoon", 12 * 60, 17 * 60),
    ("evening", 17 * 60, 22 * 60),
];

/// Day names and the abbreviations people write, by weekday (0 = Monday).
const DAY_WORDS: [&[&str]; 7] = [
    &["mon", "monday", "mondays"],
    &["tue", "tues", "tuesday", "tuesdays"],
    &["wed", "weds", "wednesday", "wednesdays"],
    &["thu", "thur", "thurs", "thursday", "thursdays"],
    &["fri", "friday", "fridays"],
    &["sat", "saturday", "saturdays"],
    &["sun", "sunday", "sundays"],
];

/// What an availability entry may look like, for error messages.
const FORMS: &str = "such as 'Mon 19:00-20:30', 'Mon-Fri 5:30pm-10pm', 'Sat,Sun 09:00-12:00', \
                     'weekday evenings' or 'daily 7pm-9pm'";

/// Reads an availability as people say it into weekly windows, in the order written (the days
/// of one entry in week order). Entries may be separated by `;`. Each entry is days, then times
/// or a preset:
///
/// - days: `Mon` (or `Monday`, `Tues`, `Thurs`, ...), ranges `Mon-Fri` (a range may wrap:
///   `Fri-Mon`), lists `Sat,Sun`, `weekdays`, `weekends`, `daily` or `every day`; without days, a
///   preset means every day (`evenings`);
/// - times: 24-hour `19:00-20:30` (the end may be `24:00`), 12-hour `7pm-9:30pm`, `7:30 pm`,
///   `12am` (midnight; as an end, the end of the day), `12pm` (noon), or `7-9pm` (the start takes
///   the end's half of the day when that puts it before the end); `noon` and `midnight` too;
/// - presets: `mornings` 06:00-12:00, `afternoons` 12:00-17:00, `evenings` 17:00-22:00
///   (`weekday evenings`, `weekend mornings`, `Sat afternoon`).
///
/// A window may not cross midnight. The error names what is wrong: an impossible time, an end
/// not after its start, an unknown day.
///
/// ```
/// use groupmatch::{parse_availability, Window};
/// let w = |s: &str| s.parse::<Window>().unwrap();
/// assert_eq!(parse_availability("Mon 19:00-20:30").unwrap(), [w("Mon 19:00-20:30")]);
/// assert_eq!(parse_availability("Sat,Sun 9am-12pm").unwrap(),
///            [w("Sat 09:00-12:00"), w("Sun 09:00-12:00")]);
/// assert_eq!(parse_availability("weekday evenings").unwrap().len(), 5);
/// assert_eq!(parse_availability("Fri 10pm-12am").unwrap(), [w("Fri 22:00-24:00")]);
/// let err = parse_availability("Mon 13pm-2pm").unwrap_err();
/// assert!(err.contains("'13pm'"), "{err}");
/// ```
pub fn parse_availability(text: &str) -> Result<Vec<Window>, String> {
    let mut windows = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        windows.extend(parse_entry(entry)?);
    }
    if windows.is_empty() {
        return Err(format!("no availability given ({FORMS})"));
    }
    Ok(windows)
}

/// One entry of [`parse_availability`].
fn parse_entry(entry: &str) -> Result<Vec<Window>, String> {
    // The strict form first, so it reads (and fails) exactly as it always has.
    if is_strict_form(entry) {
        return Window::from_str(entry).map(|w| vec![w]);
    }
    let words: Vec<&str> = entry.split_whitespace().collect();
    // The times start at the first word that starts with a digit, or are `noon`/`midnight`.
    let times_at = words.iter().position(|w| {
        w.starts_with(|c: char| c.is_ascii_digit())
            || w.eq_ignore_ascii_case("noon")
            || w.eq_ignore_ascii_case("midnight")
    });
    let (days, (start, end)) = match times_at {
        Some(i) => (
            &words[..i],
            parse_times(&words[i..].join(" ").to_lowercase())?,
        ),
        None => {
            let (last, days) = words
                .split_last()
                .ok_or_else(|| format!("empty availability entry ({FORMS})"))?;
            let span = preset(&last.to_lowercase()).ok_or_else(|| {
                format!("'{entry}' has no times (add times or a preset: {FORMS})")
            })?;
            (days, span)
        }
    };
    let days = if days.is_empty() && times_at.is_none() {
        (0..7).collect()
    } else {
        parse_days(&days.join(" "), entry)?
    };
    Ok(days
        .into_iter()
        .map(|day| Window::new(day, start, end).expect("days and times checked"))
        .collect())
}

/// `Day HH:MM-HH:MM` with a three-letter day and 24-hour times, as [`Window::from_str`] reads.
fn is_strict_form(entry: &str) -> bool {
    let mut words = entry.split_whitespace();
    let (Some(day), Some(times), None) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    day.len() == 3
        && day.chars().all(|c| c.is_ascii_alphabetic())
        && times.contains('-')
        && times
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
}

/// A preset's span (`evenings`, `morning`).
fn preset(word: &str) -> Option<(u16, u16)> {
    let word = word.strip_suffix('s').unwrap_or(word);
    PRESETS
        .iter()
        .find(|(name, ..)| *name == word)
        .map(|&(_, start, end)| (start, end))
}

/// The weekdays of a days part (lower case): `mon`, `mon-fri`, `sat,sun`, `weekdays`, `daily`,
/// in week order without repeats.
fn parse_days(days: &str, entry: &str) -> Result<Vec<u8>, String> {
    let days = days.replace(" and ", ",").replace(" - ", "-");
    let days = days.trim();
    let mut out = [false; 7];
    match &*days.to_lowercase() {
        "" => return Err(format!("'{entry}' has no days ({FORMS})")),
        "weekday" | "weekdays" => out[..5].fill(true),
        "weekend" | "weekends" => out[5..].fill(true),
        "daily" | "every day" | "everyday" | "all week" => out.fill(true),
        _ => {
            for item in days.split(',').map(str::trim) {
                match item.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (day(a.trim())?, day(b.trim())?);
                        let mut d = a;
                        loop {
                            out[usize::from(d)] = true;
                            if d == b {
                                break;
                            }
                            d = (d + 1) % 7;
                        }
                    }
                    None => out[usize::from(day(item)?)] = true,
                }
            }
        }
    }
    Ok((0..7).filter(|&d| out[usize::from(d)]).collect())
}

/// One day name.
fn day(word: &str) -> Result<u8, String> {
    DAY_WORDS
        .iter()
        .position(|names| names.contains(&&*word.to_lowercase()))
        .map(|d| d as u8)
        .ok_or_else(|| {
            format!(
                "unknown day '{word}' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range such as \
                 Mon-Fri, a list such as Sat,Sun, weekdays, weekends or daily)"
            )
        })
}

/// Start and end, in minutes after midnight, of `7pm-9:30pm`, `7:30 pm - 9 pm`, `19:00 to 21:00`.
fn parse_times(text: &str) -> Result<(u16, u16), String> {
    let text = text.replace(" to ", "-").replace('–', "-");
    let (a, b) = text.split_once('-').ok_or_else(|| {
        format!(
            "'{}' is not a span of times like 19:00-20:30 or 7pm-9pm",
            text.trim()
        )
    })?;
    let (a, b) = (a.replace(' ', ""), b.replace(' ', ""));
    let end = time(&b, true)?;
    let start = match (half_of_day(&a), half_of_day(&b)) {
        // `7-9pm`: the start takes the end's half of the day, unless that puts it after the end
        // (`11-1pm` is 11:00-13:00).
        (None, Some(pm)) if is_twelve_hour_number(&a) => {
            let same = twelve_hour(&a, pm, false, &a)?;
            if same < end.0 {
                same
            } else {
                twelve_hour(&a, false, false, &a)?
            }
        }
        _ => time(&a, false)?.0,
    };
    let end = end.0;
    if end <= start {
        return Err(format!(
            "end {} is not after start {} (a window cannot cross midnight: split it in two)",
            hhmm(end),
            hhmm(start)
        ));
    }
    Ok((start, end))
}

/// `Some(true)` for a time ending in `pm`, `Some(false)` in `am`.
fn half_of_day(t: &str) -> Option<bool> {
    if t.ends_with("pm") || t.ends_with("p.m.") {
        Some(true)
    } else if t.ends_with("am") || t.ends_with("a.m.") {
        Some(false)
    } else {
        None
    }
}

/// `7` or `7:30`: a time that may be a 12-hour one once its half of the day is known.
fn is_twelve_hour_number(t: &str) -> bool {
    // `07:30` is a 24-hour time: nobody pads a 12-hour one.
    let hour = t.split(':').next().unwrap_or("");
    !hour.starts_with('0') && hour.parse::<u16>().is_ok_and(|h| (1..=12).contains(&h))
}

/// One time, in minutes after midnight, with whether it was written in 12-hour form.
fn time(t: &str, is_end: bool) -> Result<(u16, bool), String> {
    match t {
        "noon" => return Ok((12 * 60, false)),
        "midnight" => return Ok((if is_end { 1440 } else { 0 }, false)),
        _ => {}
    }
    match half_of_day(t) {
        Some(pm) => {
            let number = t
                .trim_end_matches("p.m.")
                .trim_end_matches("a.m.")
                .trim_end_matches("pm")
                .trim_end_matches("am");
            Ok((twelve_hour(number, pm, is_end, t)?, true))
        }
        None => parse_time(t, is_end).map(|m| (m, false)),
    }
}

/// `number` (`7`, `7:30`, `12`) in the morning or afternoon; `12am` as an end is the end of the
/// day. `whole` is the time as written, for the error.
fn twelve_hour(number: &str, pm: bool, is_end: bool, whole: &str) -> Result<u16, String> {
    let (h, m) = number.split_once(':').unwrap_or((number, "00"));
    let digits = |x: &str, max: usize| {
        !x.is_empty() && x.len() <= max && x.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 2) || !digits(m, 2) || m.len() != 2 {
        return Err(format!("time '{whole}' is not like 7pm or 7:30pm"));
    }
    let (h, m): (u16, u16) = (h.parse().unwrap_or(99), m.parse().unwrap_or(99));
    if !(1..=12).contains(&h) || m > 59 {
        return Err(format!(
            "time '{whole}' does not exist (12-hour times run from 12:00am to 11:59pm)"
        ));
    }
    let minutes = (h % 12) * 60 + m + if pm { 12 * 60 } else { 0 };
    Ok(if minutes == 0 && is_end {
        1440
    } else {
        minutes
    })
}

/// `HH:MM`.
fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One entry of an availability list, read with [`parse_availability`]: what the file readers
/// parse each list item into before flattening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Windows(pub(crate) Vec<Window>);

impl FromStr for Windows {
    type Err = String;

    fn from_str(s: &str) -> Result<Windows, String> {
        parse_availability(s).map(Windows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn windows(list: &[&str]) -> Vec<Window> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn parsed(s: &str) -> Vec<String> {
        parse_availability(s)
            .unwrap()
            .iter()
            .map(Window::to_string)
            .collect()
    }

    #[test]
    fn strict_windows_read_as_before() {
        for s in ["Mon 19:00-20:30", "sat 7:05-9:00", "Sun 22:00-24:00"] {
            assert_eq!(parse_availability(s).unwrap(), [s.parse().unwrap()]);
        }
        for s in [
            "Mon 7-9",
            "Mon 25:00-26:00",
            "Mon 22:00-01:00",
            "Mon 24:00-24:00",
        ] {
            assert_eq!(
                parse_availability(s).unwrap_err(),
                s.parse::<Window>().unwrap_err()
            );
        }
    }

    #[test]
    fn day_ranges_lists_and_words_expand_to_one_window_a_day() {
        assert_eq!(
            parse_availability("Mon-Fri 17:00-22:00").unwrap(),
            windows(&[
                "Mon 17:00-22:00",
                "Tue 17:00-22:00",
                "Wed 17:00-22:00",
                "Thu 17:00-22:00",
                "Fri 17:00-22:00"
            ])
        );
        assert_eq!(
            parsed("Sat,Sun 09:00-12:00"),
            ["Sat 09:00-12:00", "Sun 09:00-12:00"]
        );
        assert_eq!(
            parsed("Sat, Sun 09:00-12:00"),
            ["Sat 09:00-12:00", "Sun 09:00-12:00"]
        );
        assert_eq!(
            parsed("weekends 9am-noon"),
            ["Sat 09:00-12:00", "Sun 09:00-12:00"]
        );
        assert_eq!(parsed("Fri-Mon 8pm-9pm")[0], "Mon 20:00-21:00");
        assert_eq!(parsed("Fri-Mon 8pm-9pm").len(), 4);
        assert_eq!(parsed("daily 7pm-8pm").len(), 7);
        assert_eq!(parsed("every day 7pm-8pm").len(), 7);
        assert_eq!(
            parsed("Tuesday and Thursday 18:00-19:00"),
            ["Tue 18:00-19:00", "Thu 18:00-19:00"]
        );
        assert_eq!(parsed("weekdays 06:30-08:00").len(), 5);
    }

    #[test]
    fn twelve_hour_times_mean_what_people_mean() {
        assert_eq!(parsed("Mon-Fri 5:30pm-10pm")[0], "Mon 17:30-22:00");
        assert_eq!(parsed("Wed 7pm-9pm"), ["Wed 19:00-21:00"]);
        assert_eq!(parsed("Wed 7:30 pm - 9 pm"), ["Wed 19:30-21:00"]);
        assert_eq!(parsed("Wed 7-9pm"), ["Wed 19:00-21:00"]);
        assert_eq!(parsed("Wed 11-1pm"), ["Wed 11:00-13:00"]);
        assert_eq!(parsed("Wed 12am-6am"), ["Wed 00:00-06:00"]);
        assert_eq!(parsed("Wed 12pm-1pm"), ["Wed 12:00-13:00"]);
        assert_eq!(parsed("Wed 10pm-12am"), ["Wed 22:00-24:00"]);
        assert_eq!(parsed("Wed 10pm-midnight"), ["Wed 22:00-24:00"]);
        assert_eq!(parsed("Wed 6 P.M. to 8 P.M."), ["Wed 18:00-20:00"]);
    }

    #[test]
    fn presets_are_documented_spans() {
        assert_eq!(parsed("weekday evenings")[4], "Fri 17:00-22:00");
        assert_eq!(
            parsed("weekend mornings"),
            ["Sat 06:00-12:00", "Sun 06:00-12:00"]
        );
        assert_eq!(parsed("weekends mornings"), parsed("weekend mornings"));
        assert_eq!(parsed("evenings").len(), 7);
        assert_eq!(parsed("afternoons")[0], "Mon 12:00-17:00");
        assert_eq!(parsed("Sat morning"), ["Sat 06:00-12:00"]);
        assert_eq!(
            parsed("weekday evenings; Sat 09:00-12:00").len(),
            6,
            "entries split on ';'"
        );
    }

    #[test]
    fn bad_input_names_what_is_wrong() {
        let err = |s: &str| parse_availability(s).unwrap_err();
        assert!(err("Mon 25:00-26:00").contains("'25:00' does not exist"));
        assert!(err("Mon 13pm-2pm").contains("'13pm' does not exist"));
        assert!(err("Mon 0am-2am").contains("'0am' does not exist"));
        assert!(err("Mon-Fri 9pm-7pm").contains("end 19:00 is not after start 21:00"));
        assert!(err("Mun-Fri 7pm-9pm").contains("unknown day 'Mun'"));
        assert!(err("Mo 19:00-20:00").starts_with("unknown day 'Mo' (use Mon, Tue,"));
        assert!(err("weekends").contains("has no times"));
        assert!(err("Mon 7pm").contains("not a span of times"));
        assert!(err("").contains("no availability"));
        assert!(err("weekday nights").contains("has no times"));
    }

    #[test]
    fn person_files_read_the_spoken_forms_and_limit_the_expanded_count() {
        let person = |availability: &str| {
            crate::parse_person(
                format!(
                    r#"{{"id": "p1", "stage": "early", "approach_preference": "secular",
                        "format_preference": "online", "availability": {availability},
                        "timezone": "UTC"}}"#
                )
                .as_bytes(),
                "p.json",
            )
        };
        let p = person(r#"["weekday evenings", "Sat 09:00-12:00"]"#)
            .unwrap()
            .value;
        assert_eq!(p.availability.len(), 6);
        let many = format!("[{}]", [r#""daily 7pm-8pm""#; 10].join(","));
        let err = person(&many).unwrap_err().to_string();
        assert!(
            err.contains("once day ranges and presets are expanded"),
            "{err}"
        );
        let err = person(r#"["Mon 13pm-2pm"]"#).unwrap_err().to_string();
        assert!(err.contains("'13pm' does not exist"), "{err}");
    }

    #[test]
    fn waitlists_read_the_spoken_forms_too() {
        let csv =
            "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
                   w1,early,secular,online,Mon-Fri 7pm-9pm;Sat 9am-noon,UTC,2026-10-01\n";
        let list = crate::parse_waitlist(csv.as_bytes(), crate::Syntax::Csv, "w.csv")
            .unwrap()
            .value;
        let windows: Vec<String> = list[0]
            .person
            .availability
            .iter()
            .map(Window::to_string)
            .collect();
        assert_eq!(windows.len(), 6);
        assert_eq!(windows[5], "Sat 09:00-12:00");
    }

    proptest! {
        #[test]
        fn every_window_returned_is_valid(s in "[A-Za-z0-9:,; -]{0,30}") {
            if let Ok(ws) = parse_availability(&s) {
                prop_assert!(!ws.is_empty());
                for w in ws {
                    prop_assert!(Window::new(w.day(), w.start(), w.end()).is_some());
                }
            }
        }

        #[test]
        fn a_day_range_equals_its_single_days(a in 0u8..7, len in 0u8..7, start in 0u16..1439, span in 1u16..1440) {
            let end = (start + span).min(1440);
            let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            let b = (a + len) % 7;
            let one = |d: u8| Window::new(d, start, end).unwrap();
            let range = format!("{}-{} {}", names[usize::from(a)], names[usize::from(b)], one(0).times());
            let mut singles: Vec<Window> = (0..=len).map(|i| one((a + i) % 7)).collect();
            singles.sort();
            prop_assert_eq!(parse_availability(&range).unwrap(), singles);
        }

        #[test]
        fn twelve_hour_and_24_hour_agree(h in 0u16..24, m in 0u16..60) {
            let (h12, half) = match h { 0 => (12, "am"), 1..=11 => (h, "am"), 12 => (12, "pm"), _ => (h - 12, "pm") };
            let twelve = parse_availability(&format!("Mon {h12}:{m:02}{half}-midnight"));
            let strict = parse_availability(&format!("Mon {h:02}:{m:02}-24:00"));
            prop_assert_eq!(twelve, strict);
        }
    }
}
