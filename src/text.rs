//! Text from data is data: the one policy for control characters in values read from files.
//!
//! Names, cities and addresses come from files that volunteers edit (Meeting Guide feeds, groups
//! files). A control character in one (`ESC [2J` clears a screen, `ESC ]0;...BEL` retitles a
//! window, a newline forges an output line) must never act on the terminal of the staff member
//! who prints it. Two functions enforce this, and every reader and printer uses them:
//!
//! - [`single_line`] is applied when a single-line text field is read (the groups reader, the
//!   Meeting Guide import): each [forbidden](is_forbidden) character becomes U+FFFD, and the
//!   reader warns with the field and line (or meeting index). `validate` reports those warnings.
//! - [`escape_control`] renders any forbidden character that still reaches a terminal (in an id,
//!   a rule's text, a message quoting a bad value) as a visible escape such as `\u{1b}`;
//!   [`escape_terminal`] does the same for a whole multi-line output, keeping its line breaks.
//!
//! JSON and CSV outputs are written by their serialisers, which quote and escape; they hold the
//! value exactly as read (after [`single_line`]).
//!
//! See `docs/reliability.md`, "Text from data".

use std::borrow::Cow;
use std::fmt::Write as _;

/// What a forbidden character is replaced with in a single-line field.
pub const REPLACEMENT: char = '\u{FFFD}';

/// The warning of a field whose forbidden characters were replaced.
pub const REPLACED: &str =
    "control character or line break replaced by U+FFFD (text fields are single-line)";

/// Whether `c` may not appear in a single-line text field, nor reach a terminal unescaped: the C0
/// controls (including tab, newline, carriage return, ESC and BEL), DEL, the C1 controls, and the
/// Unicode line and paragraph separators (U+2028, U+2029).
///
/// ```
/// use groupmatch::text::is_forbidden;
/// assert!(is_forbidden('\u{1b}') && is_forbidden('\n') && is_forbidden('\u{7f}') && is_forbidden('\u{9b}'));
/// assert!(!is_forbidden('é') && !is_forbidden(' '));
/// ```
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Whether `s` has a [forbidden](is_forbidden) character.
///
/// ```
/// use groupmatch::text::has_forbidden;
/// assert!(has_forbidden("tab\there") && has_forbidden("c1 \u{9b}") && has_forbidden("\u{2029}"));
/// assert!(!has_forbidden("Café – Step ✓") && !has_forbidden("\u{a0}\u{2030}"));
/// ```
pub fn has_forbidden(s: &str) -> bool {
    has_forbidden_except(s, |_| false)
}

/// `s` with every [forbidden](is_forbidden) character replaced by U+FFFD (borrowed when there is
/// none, which is the common case).
///
/// ```
/// use groupmatch::text::single_line;
/// assert_eq!(single_line("Hope\u{1b}[2J Group\n"), "Hope\u{fffd}[2J Group\u{fffd}");
/// assert_eq!(single_line("Café Step"), "Café Step");
/// ```
pub fn single_line(s: &str) -> Cow<'_, str> {
    if has_forbidden(s) {
        Cow::Owned(
            s.chars()
                .map(|c| if is_forbidden(c) { REPLACEMENT } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// `s` with every [forbidden](is_forbidden) character shown as its Rust escape (`\n`, `\t`,
/// `\u{1b}`), for one value printed to a terminal. Other characters, backslashes included, are
/// left as they are, so text without forbidden characters prints unchanged.
///
/// ```
/// use groupmatch::text::escape_control;
/// assert_eq!(escape_control("a\u{1b}]0;x\u{7}\nb"), "a\\u{1b}]0;x\\u{7}\\nb");
/// assert_eq!(escape_control("plain \\ text"), "plain \\ text");
/// ```
pub fn escape_control(s: &str) -> Cow<'_, str> {
    escape_except(s, |_| false, rust_escape)
}

/// [`escape_control`] for a whole output of several lines: line breaks (`\n`) are kept, every
/// other forbidden character is escaped. The last guard before text reaches a terminal.
///
/// ```
/// use groupmatch::text::escape_terminal;
/// assert_eq!(escape_terminal("one\u{1b}[2J\ntwo\r\n"), "one\\u{1b}[2J\ntwo\\r\n");
/// ```
pub fn escape_terminal(s: &str) -> Cow<'_, str> {
    escape_except(s, |c| c == '\n', rust_escape)
}

/// `c` written as its Rust escape (`\n`, `\u{1b}`), as the terminal escapes show it.
fn rust_escape(out: &mut String, c: char) -> std::fmt::Result {
    write!(out, "{}", c.escape_debug())
}

/// The contents of a JSON string (as a JSON writer leaves them: the C0 controls, quotes and
/// backslashes already escaped) with every other [forbidden](is_forbidden) character (DEL, the C1
/// controls, U+2028, U+2029) written as a JSON `\uXXXX` escape: the same JSON value, and none of
/// those characters reaches a terminal.
///
/// ```
/// use groupmatch::text::escape_json_string;
/// assert_eq!(escape_json_string("a\u{9b}2J\u{2028}b"), "a\\u009b2J\\u2028b");
/// assert_eq!(escape_json_string("plain \\\"quoted\\\""), "plain \\\"quoted\\\"");
/// ```
pub fn escape_json_string(s: &str) -> Cow<'_, str> {
    // Every forbidden character is in the Basic Multilingual Plane: one `\uXXXX` each.
    escape_except(
        s,
        |_| false,
        |out, c| write!(out, "\\u{:04x}", u32::from(c)),
    )
}

/// `s` cut to at most `max` bytes (on a character boundary) and ended with `…` when it is longer,
/// for quoting a name from a file in a message.
///
/// ```
/// use groupmatch::text::shorten;
/// assert_eq!(shorten("name", 4), "name");
/// assert_eq!(shorten("café step", 4), "caf…");
/// ```
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let cut = (0..=max)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    Cow::Owned(format!("{}…", &s[..cut]))
}

/// The name of `known` closest to `name` in edit distance, when it is at most `max_distance`
/// edits away (the alphabetically first of equally close ones), for a "did you mean" hint. Names
/// whose lengths differ by more than `max_distance` are not compared, so a huge name from a file
/// costs nothing.
///
/// ```
/// use groupmatch::text::closest;
/// assert_eq!(closest("langauges", ["language", "languages"], 3), Some("languages"));
/// assert_eq!(closest("colour", ["id", "name"], 3), None);
/// ```
pub fn closest<'k>(
    name: &str,
    known: impl IntoIterator<Item = &'k str>,
    max_distance: usize,
) -> Option<&'k str> {
    known
        .into_iter()
        .filter(|k| k.len().abs_diff(name.len()) <= max_distance)
        .map(|k| (strsim::levenshtein(k, name), k))
        .filter(|(d, _)| *d <= max_distance)
        .min()
        .map(|(_, k)| k)
}

/// Whether `s` has a [forbidden](is_forbidden) character that `keep` does not keep.
fn has_forbidden_except(s: &str, keep: impl Fn(char) -> bool) -> bool {
    // A forbidden character is a C0 control, DEL, or starts with the byte 0xC2 (the C1 controls)
    // or 0xE2 (U+2028, U+2029): text without those bytes (nearly all, and a whole JSON output of
    // megabytes) is cleared by a scan of its bytes, not decoded. The bytes are scanned in blocks
    // of 64, each whole and without branches, so that the compiler scans many at once.
    let suspect =
        |b: u8| (b < 0x20) & !keep(char::from(b)) | (b == 0x7f) | (b == 0xc2) | (b == 0xe2);
    let plain = |block: &[u8]| !block.iter().fold(false, |any, &b| any | suspect(b));
    !s.as_bytes().chunks(64).all(plain) && s.chars().any(|c| is_forbidden(c) && !keep(c))
}

/// `s` with each [forbidden](is_forbidden) character but those `keep` keeps written by `escape`.
fn escape_except(
    s: &str,
    keep: impl Fn(char) -> bool,
    escape: impl Fn(&mut String, char) -> std::fmt::Result,
) -> Cow<'_, str> {
    if !has_forbidden_except(s, &keep) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_forbidden(c) && !keep(c) {
            let _ = escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A name as compared: lower case, accents dropped (`ß` as `ss`, `æ` as `ae`), every run of
/// other characters a single space, and `st`, `mt`, `ft` as `saint`, `mount`, `fort` (so `St.
/// Louis` and `Saint-Louis` are one name). How the gazetteer compares place names and
/// `directory merge` compares group names.
pub(crate) fn fold(name: &str) -> String {
    let mut flat = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match unaccent(c) {
            Some(s) => flat.push_str(s),
            None if c.is_alphanumeric() => flat.push(c),
            None => flat.push(' '),
        }
    }
    let words = flat.split_whitespace().map(|w| match w {
        "st" => "saint",
        "mt" => "mount",
        "ft" => "fort",
        w => w,
    });
    words.collect::<Vec<_>>().join(" ")
}

/// The plain letters of a lower-case Latin letter with a diacritic (Latin-1 and Latin
/// Extended-A, which GeoNames' names in these countries use), or `None` to keep it.
fn unaccent(c: char) -> Option<&'static str> {
    Some(match c {
        'a'..='z' | '0'..='9' => return None,
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        '\'' | '\u{2019}' => "",
        _ => return None,
    })
}

/// The 1-based line of byte `offset` in `text` (past the end: the last line), as a TOML
/// parser's error span or a spanned value gives it.
pub(crate) fn line_at(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c0_c1_del_and_line_separators_are_forbidden_and_nothing_else() {
        for c in [
            '\0', '\u{7}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{80}', '\u{9b}',
        ] {
            assert!(is_forbidden(c), "{c:?}");
        }
        assert!(is_forbidden('\u{2028}') && is_forbidden('\u{2029}'));
        for c in [' ', '~', '\u{a0}', 'é', 'ß', '€', '\u{fffd}', '\\'] {
            assert!(!is_forbidden(c), "{c:?}");
        }
    }

    #[test]
    fn every_forbidden_character_is_escaped_in_text_that_is_otherwise_plain() {
        for c in (char::MIN..=char::MAX).filter(|&c| is_forbidden(c) && c != '\n') {
            let text = format!("plain {c} text");
            assert_eq!(
                escape_terminal(&text),
                format!("plain {} text", c.escape_debug())
            );
        }
        assert_eq!(escape_terminal("a\nb"), "a\nb");
        assert!(matches!(escape_terminal("é … ’ ° \n"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_character_is_found_forbidden_or_not_as_is_forbidden_says_wherever_it_is() {
        // Every character of the Basic Multilingual Plane (where every forbidden one is) and a
        // few past it, at the start of a text and past the first block of 64 bytes the byte
        // scan clears at once, beside characters that share its first bytes.
        let long = "x".repeat(70);
        let others = ['\u{10000}', '\u{1f600}', '\u{e0001}', char::MAX];
        for c in ('\0'..='\u{ffff}').chain(others) {
            for text in [format!("{c}"), format!("{long}\u{a0}{c}\u{2030}")] {
                assert_eq!(has_forbidden(&text), is_forbidden(c), "{c:?}");
                assert_eq!(
                    escape_json_string(&text).contains("\\u"),
                    is_forbidden(c),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn single_line_replaces_each_forbidden_character_once() {
        assert_eq!(single_line("a\r\nb"), "a\u{fffd}\u{fffd}b");
        assert!(matches!(single_line("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn shorten_cuts_on_a_character_boundary_and_marks_the_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("éé", 3), "é…");
        assert_eq!(shorten("é", 0), "…");
    }

    #[test]
    fn closest_takes_the_nearest_within_the_distance_and_the_alphabetical_first_of_a_tie() {
        let known = ["state", "stage", "id"];
        assert_eq!(closest("stag", known, 1), Some("stage"));
        assert_eq!(closest("stae", known, 1), Some("stage"));
        assert_eq!(closest("sta", known, 1), None);
        assert_eq!(closest("sta", known, 2), Some("stage"));
        assert_eq!(closest(&"x".repeat(1 << 20), known, 3), None);
    }

    #[test]
    fn escaped_text_has_no_forbidden_character() {
        let nasty = "\u{1b}[2J\u{1b}]0;title\u{7}\u{9b}31m\r\u{2028}\t\u{7f}";
        assert!(!has_forbidden(&escape_control(nasty)));
        let lines = format!("{nasty}\n");
        let kept = escape_terminal(&lines);
        assert_eq!(kept.matches('\n').count(), 1);
        assert!(!kept.chars().any(|c| is_forbidden(c) && c != '\n'));
    }

    #[test]
    fn escaping_is_borrowed_for_clean_text() {
        assert!(matches!(escape_control("Hope Group"), Cow::Borrowed(_)));
        assert!(matches!(escape_terminal("a\nb\n"), Cow::Borrowed(_)));
    }
}
