//! The weekdays a description names, for a schedule that gives its hours but no day: directories
//! converted from web pages often keep the day only in free text ("Distribution is on the 1st
//! Tuesday of each month from 4:00 - 5:30 p.m.", "Monday through Friday", "every 2nd & 4th
//! Saturday"). Read in English, as documented in `docs/formats.md` (HSDS, "Days from
//! descriptions"), and always warned, so staff can check the reading.

use super::WEEKDAYS;

/// What a text says about days: weekdays every week, and weekdays by their place in the month
/// (1 to 5, or -1 for the last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TextDays {
    /// Weekdays, Monday = 0, every week.
    pub(crate) weekly: Vec<usize>,
    /// (ordinal, weekday) pairs, monthly.
    pub(crate) monthly: Vec<(i8, usize)>,
}

impl TextDays {
    /// The `byday` of a WEEKLY rule for [`TextDays::weekly`] (`MO,FR`), if any.
    pub(crate) fn weekly_byday(&self) -> Option<String> {
        let days: Vec<&str> = self.weekly.iter().map(|&d| WEEKDAYS[d]).collect();
        (!days.is_empty()).then(|| days.join(","))
    }

    /// The `byday` of a MONTHLY rule for [`TextDays::monthly`] (`1TU,-1FR`), if any.
    pub(crate) fn monthly_byday(&self) -> Option<String> {
        let days: Vec<String> = self
            .monthly
            .iter()
            .map(|&(o, d)| format!("{o}{}", WEEKDAYS[d]))
            .collect();
        (!days.is_empty()).then(|| days.join(","))
    }
}

/// Words that may stand between ordinals and their weekday ("the 2nd and 4th Saturday").
const CONNECTORS: &[&str] = &["and", "&", "/", "the", "every", "each", "on", "of"];
/// Words that make the next weekday one the service is not open ("closed Mondays").
const NEGATIONS: &[&str] = &["closed", "except", "excluding", "not", "no"];
/// Words that join two weekdays into a range ("Monday through Friday").
const RANGE: &[&str] = &["through", "thru", "to", "-", "–", "—"];

/// The weekdays `text` names, or `None` when it names none.
///
/// A weekday after ordinals (`1st`, `second`, `last`, ...) is monthly; otherwise weekly. Two
/// weekdays joined by `through`, `thru`, `to` or a dash are a range, `weekdays` is Monday to
/// Friday and `daily` every day; a weekday (or range) after `closed`, `except`, `excluding`,
/// `not` or `no` is taken out. Only full names count (`Tue` or `Sat` are too often other words).
pub(crate) fn days_in_text(text: &str) -> Option<TextDays> {
    let tokens = tokens(text);
    let mut found = TextDays::default();
    let mut ordinals: Vec<i8> = Vec::new();
    let mut closed: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        let negated = tokens[i.saturating_sub(2)..i]
            .iter()
            .any(|p| NEGATIONS.contains(&p.as_str()));
        if let Some(o) = ordinal(t) {
            ordinals.push(o);
        } else if let Some(day) = weekday(t) {
            let end = match (tokens.get(i + 1), tokens.get(i + 2)) {
                (Some(r), Some(e)) if RANGE.contains(&r.as_str()) => weekday(e),
                _ => None,
            };
            let days: Vec<usize> = match end {
                Some(end) => (0..=(end + 7 - day) % 7).map(|k| (day + k) % 7).collect(),
                None => vec![day],
            };
            if negated {
                closed.extend(days);
            } else if ordinals.is_empty() {
                found.weekly.extend(days);
            } else {
                found.monthly.extend(
                    days.iter()
                        .flat_map(|&d| ordinals.iter().map(move |&o| (o, d))),
                );
            }
            ordinals.clear();
            i += if end.is_some() { 3 } else { 1 };
            continue;
        } else if t == "weekdays" && !negated {
            found.weekly.extend(0..5);
        } else if t == "daily" && !negated {
            found.weekly.extend(0..7);
        } else if !CONNECTORS.contains(&t) && t != "," {
            ordinals.clear();
        }
        i += 1;
    }
    found.weekly.retain(|d| !closed.contains(d));
    found.monthly.retain(|(_, d)| !closed.contains(d));
    found.weekly.sort_unstable();
    found.weekly.dedup();
    found
        .monthly
        .sort_unstable_by_key(|&(o, d)| (d, if o < 0 { 6 } else { o }));
    found.monthly.dedup();
    // A weekday every week already holds its monthly dates.
    found.monthly.retain(|(_, d)| !found.weekly.contains(d));
    (!found.weekly.is_empty() || !found.monthly.is_empty()).then_some(found)
}

/// The text's words in lower case, with the range dashes, `&`, `/` and `,` as tokens of their
/// own.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if matches!(c, '-' | '–' | '—' | '&' | '/' | ',') {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The weekday a word names in full (Monday = 0), singular or plural.
fn weekday(word: &str) -> Option<usize> {
    let word = word.strip_suffix('s').unwrap_or(word);
    // chrono reads the full name, and the three letters that are too often other words.
    (word.len() > 3)
        .then(|| word.parse::<chrono::Weekday>().ok())
        .flatten()
        .map(|w| w.num_days_from_monday() as usize)
}

/// The place in the month an ordinal word names: 1 to 5, or -1 for `last`.
fn ordinal(word: &str) -> Option<i8> {
    match word {
        "1st" | "first" => Some(1),
        "2nd" | "second" => Some(2),
        "3rd" | "third" => Some(3),
        "4th" | "fourth" => Some(4),
        "5th" | "fifth" => Some(5),
        "last" => Some(-1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<String>, Option<String>) {
        let days = days_in_text(text).unwrap_or_default();
        (days.weekly_byday(), days.monthly_byday())
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn ordinals_before_a_weekday_make_it_monthly() {
        assert_eq!(
            read("Distribution is on the 1st Tuesday of each month from 4:00 – 5:30 p.m."),
            (None, some("1TU"))
        );
        assert_eq!(
            read("Pantry is open every 2nd and 4th Saturday of the month from 2:00 – 4:30 p.m."),
            (None, some("2SA,4SA"))
        );
        assert_eq!(
            read("occurring the 2nd & 4th Monday of each month"),
            (None, some("2MO,4MO"))
        );
        assert_eq!(
            read("pickup occurs every 3rd Tuesday from 12:00 – 1:00 p.m."),
            (None, some("3TU"))
        );
        assert_eq!(read("the last Friday"), (None, some("-1FR")));
        assert_eq!(
            read("the first and third Wednesdays"),
            (None, some("1WE,3WE"))
        );
    }

    #[test]
    fn weekdays_alone_ranges_and_words_for_every_day_are_weekly() {
        assert_eq!(
            read("Mealsite serves dine-in meals Monday through Friday, and to-go meals on Saturday and Sunday."),
            (some("MO,TU,WE,TH,FR,SA,SU"), None)
        );
        assert_eq!(read("Open Tuesdays and Thursdays"), (some("TU,TH"), None));
        assert_eq!(read("Friday - Monday"), (some("MO,FR,SA,SU"), None));
        assert_eq!(read("weekdays 9-5"), (some("MO,TU,WE,TH,FR"), None));
        assert_eq!(read("open daily"), (some("MO,TU,WE,TH,FR,SA,SU"), None));
        assert_eq!(
            read("every Monday, and the 1st Monday and 3rd Friday of the month"),
            (some("MO"), some("3FR")),
            "a weekly Monday holds the monthly one"
        );
    }

    #[test]
    fn ordinals_of_other_words_closed_days_and_abbreviations_are_not_days() {
        assert_eq!(
            days_in_text("First Parish Unitarian Church Food Pantry"),
            None
        );
        assert_eq!(
            read("First Parish pantry, open Wednesday"),
            (some("WE"), None),
            "an ordinal before another word is forgotten"
        );
        assert_eq!(
            read("Open daily, closed Mondays"),
            (some("TU,WE,TH,FR,SA,SU"), None)
        );
        assert_eq!(
            read("open daily except Saturday through Sunday"),
            (some("MO,TU,WE,TH,FR"), None)
        );
        assert_eq!(read("closed Monday, open Tuesday"), (some("TU"), None));
        assert_eq!(days_in_text("Sat and Sun 10-2, Tue"), None);
        assert_eq!(days_in_text("Food pantry location in Holyoke"), None);
        assert_eq!(days_in_text(""), None);
    }
}
