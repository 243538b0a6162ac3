//! The intake interview: the questions staff ask the person in front of them, in the order a
//! conversation goes, each with a default, a one-line reason, and a check of its answer on the
//! spot. The answers build the person through the person reader, so an interview, the flags of
//! `rank` and a person file give the same person for the same facts.
//!
//! The library holds the questions, checks answers and compares rankings ("what if"); asking is
//! the command line's (`groupmatch intake`), which never lets an answer reach the person unchecked.
//!
//! Answers are text, as staff type them or as an answers file holds them: a choice by its value,
//! its words or its number; lists separated by commas (availability by `;`, as a window such as
//! `Sat,Sun 09:00-12:00` holds a comma); `none` for an empty list.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::domain::availability::parse_availability;
use crate::domain::check::MAX_AGE;
use crate::domain::schedule::{parse_timezone, Window};
use crate::domain::vocab::Language;
use crate::error::Result;
use crate::gazetteer::{Gazetteer, Place};
use crate::rank::{ExcludedGroups, Ranking};
use crate::Person;

/// One answer a question offers: its value in the person file and its words for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The value written into the person file.
    pub value: &'static str,
    /// What staff see and may type.
    pub words: &'static str,
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of the choices.
    One(&'static [Choice]),
    /// Any of the choices (`none` for none).
    Many(&'static [Choice]),
    /// A whole number in `min..=max`.
    Number {
        /// The smallest answer.
        min: u32,
        /// The largest answer.
        max: u32,
    },
    /// A postal code, a town, or `lat,lon` ([`crate::Gazetteer::lookup`]).
    Place,
    /// An IANA time-zone name.
    Zone,
    /// How far, in km or miles (`10`, `10km`, `6mi`: [`crate::parse_travel_km`]).
    Distance,
    /// Availability windows and presets, separated by `;` ([`crate::parse_availability`]).
    Availability,
    /// Languages by two-letter code, separated by commas.
    Languages,
    /// Earlier groups as `approach outcome` pairs separated by commas (`twelve_step disliked`).
    Prior,
}

/// One question of the interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// Its key in an answers file, and the person field it fills (a place fills the location,
    /// the zone and `place`).
    pub key: &'static str,
    /// The question as staff ask it.
    pub ask: &'static str,
    /// Why it is asked or how the answer is used, in one line.
    pub why: &'static str,
    /// How it is answered.
    pub kind: Kind,
    /// The answer when staff skip it (empty: the field is left out, and the person reader's
    /// default applies).
    pub default: &'static str,
}

macro_rules! choices {
    ($($value:literal => $words:literal),+ $(,)?) => {
        &[$(Choice { value: $value, words: $words }),+]
    };
}

const YES_NO: &[Choice] = choices!["true" => "yes", "false" => "no"];

/// Every question, in the order a conversation goes. Immediate risk comes first: when any is
/// flagged, where to go now is said before anything else.
pub const QUESTIONS: &[Question] = &[
    Question {
        key: "risks",
        ask: "Is there an immediate risk right now?",
        why: "a group is not emergency help: any risk is answered first with where to go now",
        kind: Kind::Many(choices![
            "suicidal_thoughts" => "thoughts of suicide",
            "withdrawal_risk" => "risk of dangerous withdrawal",
            "recent_overdose" => "a recent overdose",
        ]),
        default: "none",
    },
    Question {
        key: "role",
        ask: "Who is the group for?",
        why: "family members are offered family groups (Al-Anon, CRAFT), others recovery groups",
        kind: Kind::One(choices![
            "in_recovery" => "the person in recovery",
            "family_member" => "a family member or friend of someone who drinks or uses",
        ]),
        default: "in_recovery",
    },
    Question {
        key: "stage",
        ask: "Where are they in their recovery?",
        why: "early recovery favours beginner-friendly and structured groups",
        kind: Kind::One(choices![
            "exploring" => "thinking about change",
            "in_treatment" => "in treatment now",
            "early" => "early recovery (first 90 days)",
            "first_year" => "first year",
            "one_to_two_years" => "one to two years",
            "sustained" => "more than two years",
        ]),
        default: "early",
    },
    Question {
        key: "relationship",
        ask: "How are they related to the person who drinks or uses?",
        why: "some family groups are for parents or partners",
        kind: Kind::One(choices![
            "partner" => "partner",
            "parent" => "parent",
            "child" => "child",
            "sibling" => "sibling",
            "other_family" => "other family",
            "friend" => "friend",
        ]),
        default: "",
    },
    Question {
        key: "family_aim",
        ask: "What do they want help with?",
        why: "CRAFT groups help get a loved one into treatment; Al-Anon supports the family member",
        kind: Kind::One(choices![
            "own_support" => "support for themselves",
            "loved_one_treatment" => "getting their loved one into treatment",
            "both" => "both",
        ]),
        default: "",
    },
    Question {
        key: "approach_preference",
        ask: "What kind of group would suit them?",
        why: "a group that fits their outlook is one they keep going to",
        kind: Kind::One(choices![
            "spiritual" => "spiritual, like AA",
            "secular" => "secular, like SMART Recovery",
            "religious" => "religious, like Celebrate Recovery",
            "no_preference" => "no preference",
        ]),
        default: "no_preference",
    },
    Question {
        key: "approach_strict",
        ask: "Leave out groups of other kinds altogether?",
        why: "otherwise they are only ranked lower",
        kind: Kind::One(YES_NO),
        default: "false",
    },
    Question {
        key: "format_preference",
        ask: "In person, online, or either?",
        why: "online groups are offered only to someone who can join online",
        kind: Kind::One(choices![
            "in_person" => "in person",
            "online" => "online",
            "either" => "either",
        ]),
        default: "either",
    },
    Question {
        key: "max_travel_km",
        ask: "How far can they travel to a meeting (km, in a straight line)?",
        why: "rooms farther than this are left out",
        kind: Kind::Distance,
        default: "15",
    },
    Question {
        key: "place",
        ask: "Where do they start from (postal code, town, or lat,lon)?",
        why: "for distances to rooms and for their time zone; a postal code or town gives distances about right",
        kind: Kind::Place,
        default: "",
    },
    Question {
        key: "timezone",
        ask: "Which time zone are they in?",
        why: "sessions are shown in their own local time",
        kind: Kind::Zone,
        default: "America/New_York",
    },
    Question {
        key: "availability",
        ask: "When can they go?",
        why: "only sessions wholly inside these times count; mornings 06-12, afternoons 12-17, evenings 17-22",
        kind: Kind::Availability,
        default: "weekday evenings",
    },
    Question {
        key: "languages",
        ask: "Which languages can they take part in (main one first)?",
        why: "groups held in other languages are left out",
        kind: Kind::Languages,
        default: "en",
    },
    Question {
        key: "gender",
        ask: "Their gender, as they say it?",
        why: "for women's and men's groups",
        kind: Kind::One(choices![
            "woman" => "woman",
            "man" => "man",
            "nonbinary" => "nonbinary",
            "unspecified" => "prefer not to say",
        ]),
        default: "unspecified",
    },
    Question {
        key: "gender_specific",
        ask: "Would they like a group of their own gender?",
        why: "required leaves out mixed groups; preferred ranks gender-specific groups higher",
        kind: Kind::One(choices![
            "no" => "no",
            "preferred" => "preferred",
            "required" => "required",
        ]),
        default: "no",
    },
    Question {
        key: "age",
        ask: "How old are they?",
        why: "some groups are for teens or young people",
        kind: Kind::Number {
            min: 0,
            max: MAX_AGE as u32,
        },
        default: "",
    },
    Question {
        key: "needs",
        ask: "Do they have any of these needs?",
        why: "accommodations a group must offer, and focuses that help",
        kind: Kind::Many(choices![
            "co_occurring" => "a mental-health condition too",
            "trauma" => "trauma",
            "grief" => "grief",
            "chronic_pain" => "chronic pain",
            "childcare" => "childcare",
            "wheelchair" => "wheelchair access",
            "asl" => "ASL interpretation",
            "proof_of_attendance" => "proof of attendance (court or work)",
        ]),
        default: "none",
    },
    Question {
        key: "substances",
        ask: "What are they recovering from?",
        why: "fellowships such as NA or CMA are for one substance",
        kind: Kind::Many(choices![
            "alcohol" => "alcohol",
            "opioids" => "opioids",
            "cocaine" => "cocaine",
            "methamphetamine" => "methamphetamine",
            "cannabis" => "cannabis",
            "sedatives" => "sedatives",
            "nicotine" => "nicotine",
            "other" => "something else",
        ]),
        default: "none",
    },
    Question {
        key: "facilitation_preference",
        ask: "Peer-led, led by a professional, or either?",
        why: "a group led the way they prefer is ranked higher",
        kind: Kind::One(choices![
            "peer" => "peer-led",
            "professional" => "led by a professional",
            "either" => "either",
        ]),
        default: "either",
    },
    Question {
        key: "can_pay",
        ask: "Can they pay a fee for a session?",
        why: "when not, groups with a fee are left out (free, donation and sliding scale stay)",
        kind: Kind::One(YES_NO),
        default: "true",
    },
    Question {
        key: "prior",
        ask: "Have they been to groups before, and how did it go?",
        why: "a kind of group that helped before is favoured, one they disliked is not",
        kind: Kind::Prior,
        default: "none",
    },
    Question {
        key: "readiness",
        ask: "Optional: readiness to change, 1-10?",
        why: "a scale staff may have from the assessment",
        kind: Kind::Number { min: 1, max: 10 },
        default: "",
    },
    Question {
        key: "self_efficacy",
        ask: "Optional: confidence in staying in recovery, 1-10?",
        why: "a scale staff may have from the assessment",
        kind: Kind::Number { min: 1, max: 10 },
        default: "",
    },
    Question {
        key: "social_support",
        ask: "Optional: support from people around them?",
        why: "little support makes a group's fellowship matter more",
        kind: Kind::One(choices!["low" => "little", "moderate" => "some", "high" => "a lot"]),
        default: "",
    },
];

impl Question {
    /// The question of `key`.
    pub fn find(key: &str) -> Option<&'static Question> {
        QUESTIONS.iter().find(|q| q.key == key)
    }

    /// Whether the question applies given the answers so far: stage for a person in recovery,
    /// relationship and aim for a family member, travel unless online only, the time zone when
    /// no place gives it.
    pub fn applies(&self, answers: &Answers) -> bool {
        let is = |key: &str, value: &str| answers.value(key) == Some(value);
        match self.key {
            "stage" => !is("role", "family_member"),
            "relationship" | "family_aim" => is("role", "family_member"),
            "max_travel_km" => !is("format_preference", "online"),
            "timezone" => answers.value("place").is_none_or(str::is_empty),
            "gender_specific" => !is("gender", "unspecified"),
            _ => true,
        }
    }

    /// Checks `text` as an answer: the answer as it will be kept (a choice by its value,
    /// defaults applied to an empty answer), or why it cannot be taken, to ask again with.
    pub fn check(&self, text: &str) -> std::result::Result<String, String> {
        if text.chars().any(char::is_control) {
            return Err("the answer has a control character".into());
        }
        if text.len() > MAX_ANSWER_BYTES {
            return Err(format!(
                "the answer is longer than {MAX_ANSWER_BYTES} bytes"
            ));
        }
        let text = text.trim();
        let text = if text.is_empty() { self.default } else { text };
        if text.is_empty() {
            return Ok(String::new());
        }
        match self.kind {
            Kind::One(choices) => choice(choices, text).map(str::to_string),
            Kind::Many(choices) => list(text, ',')
                .map(|item| choice(choices, item))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(|values| values.join(",")),
            Kind::Number { min, max } => {
                let digits = text.strip_suffix("km").unwrap_or(text).trim();
                match digits.parse::<u32>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                    _ => Err(format!(
                        "'{text}' is not a whole number from {min} to {max}"
                    )),
                }
            }
            Kind::Place => place(text).map(|_| text.to_string()),
            Kind::Zone => parse_timezone(text).map(|tz| tz.name().to_string()),
            Kind::Availability => {
                parse_availability(text)?;
                Ok(list(text, ';').collect::<Vec<_>>().join("; "))
            }
            Kind::Languages => list(text, ',')
                .map(|l| l.parse::<Language>().map(|l| l.as_str().to_string()))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(|codes| codes.join(",")),
            Kind::Distance => crate::parse_travel_km(text).map(|km| km.to_string()),
            Kind::Prior => list(text, ',')
                .map(crate::parse_prior)
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(|pairs| {
                    let pairs: Vec<String> =
                        pairs.iter().map(|(a, o)| format!("{a} {o}")).collect();
                    pairs.join(",")
                }),
        }
    }
}

/// The longest answer taken.
pub const MAX_ANSWER_BYTES: usize = 2_000;

/// The items of a list answer: split on `separator`, trimmed, empty ones and a lone `none` left
/// out.
fn list(text: &str, separator: char) -> impl Iterator<Item = &str> {
    text.split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("none"))
}

/// The value of the choice `text` names: by value, by words (any case), or by 1-based number.
fn choice(choices: &[Choice], text: &str) -> std::result::Result<&'static str, String> {
    let text = text.trim();
    let by_number = text
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| choices.get(i));
    by_number
        .or_else(|| {
            choices.iter().find(|c| {
                c.value.eq_ignore_ascii_case(text)
                    || c.words.eq_ignore_ascii_case(text)
                    || c.value.replace('_', " ").eq_ignore_ascii_case(text)
            })
        })
        .map(|c| c.value)
        .ok_or_else(|| {
            let words: Vec<&str> = choices.iter().map(|c| c.words).collect();
            format!("'{text}' is not one of: {}", words.join("; "))
        })
}

/// Finds a place as staff give it (a postal code, a town, or `lat,lon`) in the embedded
/// gazetteer: an ambiguous name lists the candidates, a miss suggests the nearest spellings.
pub fn place(text: &str) -> std::result::Result<Place, String> {
    Gazetteer::embedded()
        .lookup(text)
        .map_err(|e| e.to_string())
}

/// The answers given so far, by question key, each as [`Question::check`] kept it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    given: BTreeMap<&'static str, String>,
}

impl Answers {
    /// No answers yet.
    pub fn new() -> Answers {
        Answers::default()
    }

    /// Checks and records the answer `text` to the question `key`; an unknown key or an answer
    /// that does not check is an error saying why.
    pub fn answer(&mut self, key: &str, text: &str) -> std::result::Result<(), String> {
        let question = Question::find(key).ok_or_else(|| {
            let keys: Vec<&str> = QUESTIONS.iter().map(|q| q.key).collect();
            format!("no question '{key}' (the questions: {})", keys.join(", "))
        })?;
        let kept = question.check(text)?;
        self.given.insert(question.key, kept);
        Ok(())
    }

    /// The kept answer to `key`, if given.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.given.get(key).map(String::as_str)
    }

    /// Answers every question still to ask with its default, as staff skipping them would.
    pub fn skip_the_rest(&mut self) {
        while let Some(q) = self.next_question() {
            // Every default checks (a test asks each question with no answer).
            let kept = q.check("").unwrap_or_default();
            self.given.insert(q.key, kept);
        }
    }

    /// The next question to ask, given the answers so far.
    pub fn next_question(&self) -> Option<&'static Question> {
        QUESTIONS
            .iter()
            .find(|q| !self.given.contains_key(q.key) && q.applies(self))
    }

    /// The person file these answers make (questions that do not apply are left out), as JSON.
    pub fn person_json(&self) -> Map<String, Value> {
        let mut person = Map::new();
        for q in QUESTIONS.iter().filter(|q| q.applies(self)) {
            let Some(text) = self.value(q.key).filter(|t| !t.is_empty()) else {
                continue;
            };
            let strings = |sep: char| Value::from(list(text, sep).collect::<Vec<_>>());
            match q.kind {
                Kind::One(YES_NO) => {
                    person.insert(q.key.into(), Value::Bool(text == "true"));
                }
                Kind::One(_) | Kind::Zone => {
                    person.insert(q.key.into(), Value::from(text));
                }
                Kind::Many(_) | Kind::Languages => {
                    person.insert(q.key.into(), strings(','));
                }
                Kind::Availability => {
                    person.insert(q.key.into(), strings(';'));
                }
                Kind::Number { .. } => {
                    let n: u32 = text.parse().unwrap_or_default();
                    person.insert(q.key.into(), Value::from(n));
                }
                Kind::Distance => {
                    let km: f64 = text.parse().unwrap_or_default();
                    person.insert(q.key.into(), Value::from(km));
                }
                Kind::Place => {
                    if let Ok(found) = place(text) {
                        person.insert("latitude".into(), Value::from(found.point.latitude));
                        person.insert("longitude".into(), Value::from(found.point.longitude));
                        person.insert("timezone".into(), Value::from(found.timezone.name()));
                        let given = serde_json::to_value(found.given()).unwrap_or_default();
                        person.insert("place".into(), given);
                    }
                }
                Kind::Prior => {
                    let pairs: Vec<Value> = list(text, ',')
                        .filter_map(|p| crate::parse_prior(p).ok())
                        .map(|(a, o)| serde_json::json!({"approach": a.as_str(), "outcome": o.as_str()}))
                        .collect();
                    person.insert(q.key.into(), Value::from(pairs));
                }
            }
        }
        person
    }

    /// The person these answers make, read by the person reader as `rank`'s flags and a file
    /// are ([`crate::PersonDraft`]); its problems name the question to ask again by `field`.
    /// With `id` (pseudonymous: never a name), or else one made from the answers
    /// ([`crate::pseudonymous_id`]).
    pub fn person(&self, id: Option<&str>) -> Result<Person> {
        let mut draft = crate::PersonDraft::new();
        for (field, value) in self.person_json() {
            draft.set(&field, value);
        }
        if let Some(id) = id {
            draft.set("id", id);
        }
        // Every answer is given (a default at least), the zone among them.
        Ok(draft.build("interview", chrono_tz::UTC)?.value)
    }
}

/// An empty list chosen as `none`, so that it is not read as skipped (which takes the default).
pub fn none_if_empty(list: &str) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list.to_string()
    }
}

/// An answers file (TOML) that replays an interview: `key = "answer"` for any question (a
/// whole number, `true`/`false`, or a list of strings also do), and `id` (the pseudonymous id),
/// `what_if` (a table of answers to try one at a time) and `choose` (group ids).
///
/// ```
/// let file = groupmatch::intake::AnswersFile::parse(
///     "stage = \"early\"\nneeds = [\"childcare\", \"wheelchair\"]\nwhat_if = { format_preference = \"online\" }\n",
///     "answers.toml",
/// ).unwrap();
/// let needs = file.answers.iter().find(|(key, _)| key == "needs").unwrap();
/// assert_eq!(needs.1, "childcare, wheelchair");
/// assert_eq!(file.line_of("needs"), Some(2));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswersFile {
    /// Answers by question key, as text (in key order: the interview asks in its own).
    pub answers: Vec<(String, String)>,
    /// The person's pseudonymous id, when given.
    pub id: Option<String>,
    /// Answers to try instead, one at a time, to see what moves.
    pub what_if: Vec<(String, String)>,
    /// The ids of the groups chosen.
    pub choose: Vec<String>,
    /// The file's text, to find a key's line.
    text: String,
}

impl AnswersFile {
    /// Reads an answers file (at most [`crate::limits::MAX_DOCUMENT_FILE_BYTES`]).
    pub fn read(path: &std::path::Path) -> Result<AnswersFile> {
        let bytes = crate::formats::read_bytes(path, crate::limits::MAX_DOCUMENT_FILE_BYTES)?;
        let label = path.display().to_string();
        let text = String::from_utf8(bytes)
            .map_err(|_| crate::Error::invalid(&label, None, None, "not UTF-8 text"))?;
        AnswersFile::parse(&text, &label)
    }

    /// Parses an answers file's text; `label` names it in messages.
    pub fn parse(text: &str, label: &str) -> Result<AnswersFile> {
        let mut file = AnswersFile {
            text: text.to_string(),
            ..AnswersFile::default()
        };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| crate::text::line_at(text, s.start));
            crate::Error::invalid(label, line, None, e.message())
        })?;
        let invalid = |file: &AnswersFile, key: &str, message: &str| {
            crate::Error::invalid(
                label,
                file.line_of(key).map(|l| l as u64),
                Some(key),
                message,
            )
        };
        for (key, value) in table {
            match key.as_str() {
                "id" => match value.as_str() {
                    Some(id) => file.id = Some(id.to_string()),
                    None => return Err(invalid(&file, &key, "give the id as text in quotes")),
                },
                "choose" => {
                    file.choose = strings(&value)
                        .ok_or_else(|| invalid(&file, &key, "give group ids in quotes"))?
                }
                "what_if" => {
                    let toml::Value::Table(changes) = value else {
                        return Err(invalid(
                            &file,
                            &key,
                            "give a table, such as what_if = { format_preference = \"online\" }",
                        ));
                    };
                    for (k, v) in changes {
                        let answer = answer_text(&k, &v).ok_or_else(|| invalid(&file, &key, "give each answer as text, a number, true or false, or a list of text"))?;
                        file.what_if.push((k, answer));
                    }
                }
                _ => {
                    let answer = answer_text(&key, &value).ok_or_else(|| {
                        invalid(
                            &file,
                            &key,
                            "give the answer as text, a number, true or false, or a list of text",
                        )
                    })?;
                    file.answers.push((key, answer));
                }
            }
        }
        Ok(file)
    }

    /// The 1-based line where `key` is given, when it starts a line.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|l| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map(|i| i + 1)
    }
}

/// An answer of an answers file as the question reads it; `None` for a value of no such kind.
fn answer_text(key: &str, value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::Integer(n) => Some(n.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Array(_) => {
            let separator = match Question::find(key).map(|q| q.kind) {
                Some(Kind::Availability) => "; ",
                _ => ", ",
            };
            Some(none_if_empty(&strings(value)?.join(separator)))
        }
        _ => None,
    }
}

/// A list of strings, or one string as a list of one.
fn strings(value: &toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::String(s) => Some(vec![s.clone()]),
        toml::Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// One group whose place changed between two rankings of the same person ("what if").
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub name: String,
    /// Its place and score before, when it was among the suggestions.
    pub before: Option<(usize, f64)>,
    /// Its place and score after, when it is among the suggestions.
    pub after: Option<(usize, f64)>,
    /// Why, in a sentence: the reason it is now excluded, or the term of its score that changed
    /// most.
    pub why: String,
}

/// What moved between `before` and `after` (two rankings of one person, one answer changed):
/// every group among either's suggestions whose place or score changed, in the order of
/// `after`, then those that left.
pub fn what_moved(before: &Ranking, after: &Ranking) -> Vec<Move> {
    let place = |r: &Ranking, id: &str| {
        r.suggestions
            .iter()
            .find(|s| s.group_id == id)
            .map(|s| (s.rank, s.score))
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut moves = Vec::new();
    for s in after.suggestions.iter().chain(&before.suggestions) {
        if seen.contains(&s.group_id.as_str()) {
            continue;
        }
        seen.push(&s.group_id);
        let (was, is) = (place(before, &s.group_id), place(after, &s.group_id));
        if was == is {
            continue;
        }
        moves.push(Move {
            group_id: s.group_id.clone(),
            name: s.name.clone(),
            before: was,
            after: is,
            why: why_moved(before, after, &s.group_id),
        });
    }
    moves
}

/// Why group `id` moved: excluded now or before (the reasons), below the suggestions shown
/// before or after, or the term of its logit that changed most (terms about the person count
/// too: a person-level term moves every score alike).
fn why_moved(before: &Ranking, after: &Ranking, id: &str) -> String {
    let excluded = |r: &Ranking| match &r.excluded {
        ExcludedGroups::Full(groups) => groups.iter().find(|e| e.group_id == id).map(|e| {
            let reasons: Vec<String> = e.reasons.iter().map(|r| r.text()).collect();
            reasons.join("; ")
        }),
        ExcludedGroups::Counted { .. } => None,
    };
    if let Some(reasons) = excluded(after) {
        return format!("now excluded: {reasons}");
    }
    if let Some(reasons) = excluded(before) {
        return format!("now eligible (before: {reasons})");
    }
    let terms = |r: &Ranking| -> Option<BTreeMap<String, (f64, String)>> {
        let s = r.suggestions.iter().find(|s| s.group_id == id)?;
        Some(
            s.explanation
                .iter()
                .chain(&s.about_the_person)
                .map(|t| (t.id.clone(), (t.contribution, t.text.clone())))
                .collect(),
        )
    };
    let (was, is) = match (terms(before), terms(after)) {
        (None, _) => return format!("was below the first {} before", before.suggestions.len()),
        (_, None) => return format!("now below the first {}", after.suggestions.len()),
        (Some(was), Some(is)) => (was, is),
    };
    let change = |term: &String| {
        let at = |m: &BTreeMap<String, (f64, String)>| m.get(term).map_or(0.0, |t| t.0);
        at(&is) - at(&was)
    };
    let biggest = was
        .keys()
        .chain(is.keys())
        .filter(|term| change(term).abs() >= 0.005)
        .max_by(|a, b| change(a).abs().total_cmp(&change(b).abs()).then(b.cmp(a)));
    match biggest {
        Some(term) => {
            let text = is.get(term).or(was.get(term)).map_or("", |t| t.1.as_str());
            format!("{text} ({:+.2} to its logit)", change(term))
        }
        None => "the same score: groups around it moved".into(),
    }
}

/// The week of `windows` as text, one line a day from 06:00 to 24:00, one character per half
/// hour (`#` available), for staff to read back to the person.
pub fn week_picture(windows: &[Window]) -> String {
    const FROM: u16 = 6 * 60;
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let mut out = String::from("     06    09    12    15    18    21    24\n");
    for (day, name) in DAYS.iter().enumerate() {
        out.push_str(name);
        out.push_str("  ");
        for slot in 0..36u16 {
            let (start, end) = (FROM + slot * 30, FROM + slot * 30 + 30);
            let free = windows
                .iter()
                .any(|w| usize::from(w.day()) == day && w.start() <= start && end <= w.end());
            out.push(if free { '#' } else { '.' });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(pairs: &[(&str, &str)]) -> Answers {
        let mut a = Answers::new();
        for (k, v) in pairs {
            a.answer(k, v).unwrap();
        }
        a
    }

    #[test]
    fn a_choice_is_taken_by_value_words_or_number_and_anything_else_is_refused() {
        let q = Question::find("approach_preference").unwrap();
        assert_eq!(q.check("secular").unwrap(), "secular");
        assert_eq!(q.check("Secular, like SMART Recovery").unwrap(), "secular");
        assert_eq!(q.check("1").unwrap(), "spiritual");
        assert_eq!(q.check("").unwrap(), "no_preference", "the default");
        let e = q.check("buddhist").unwrap_err();
        assert!(
            e.contains("'buddhist' is not one of") && e.contains("like AA"),
            "{e}"
        );
        assert!(q.check("5").is_err(), "past the last number");
        assert!(q.check("0").is_err());
    }

    #[test]
    fn numbers_lists_and_windows_are_checked_on_the_spot() {
        let age = Question::find("age").unwrap();
        assert_eq!(age.check(" 34 ").unwrap(), "34");
        assert!(age.check("121").unwrap_err().contains("0 to 120"));
        assert!(age.check("-3").is_err());
        assert_eq!(age.check("").unwrap(), "", "skipped: left out");
        let km = Question::find("max_travel_km").unwrap();
        assert_eq!(km.check("10km").unwrap(), "10");
        assert!(km.check("far").is_err());
        let needs = Question::find("needs").unwrap();
        assert_eq!(
            needs.check("childcare, wheelchair access").unwrap(),
            "childcare,wheelchair"
        );
        assert_eq!(needs.check("none").unwrap(), "");
        let when = Question::find("availability").unwrap();
        assert_eq!(
            when.check("Mon 18:00-22:00; Sat 08:00-12:00").unwrap(),
            "Mon 18:00-22:00; Sat 08:00-12:00"
        );
        assert!(when.check("Mon 25:00-26:00").unwrap_err().contains("25:00"));
        let langs = Question::find("languages").unwrap();
        assert_eq!(langs.check("ES, en").unwrap(), "es,en");
        assert!(langs
            .check("Spanish")
            .unwrap_err()
            .contains("two-letter code"));
        let prior = Question::find("prior").unwrap();
        assert_eq!(
            prior.check("twelve step disliked").unwrap(),
            "twelve_step disliked"
        );
        assert_eq!(
            prior.check("smart_recovery:helped").unwrap(),
            "smart_recovery helped"
        );
        assert!(prior.check("twelve_step meh").is_err());
        assert!(Question::find("stage")
            .unwrap()
            .check("early\u{1b}[2J")
            .is_err());
        let place = Question::find("place").unwrap();
        assert!(place.check("91,200").is_err());
        assert!(place
            .check("Springfield")
            .unwrap_err()
            .contains("Springfield"));
        assert_eq!(place.check("19104").unwrap(), "19104");
        assert!(Question::find("timezone")
            .unwrap()
            .check("Mars/Olympus")
            .is_err());
    }

    #[test]
    fn every_default_is_an_answer_its_question_takes() {
        for q in QUESTIONS {
            assert!(q.check("").is_ok(), "{}: default '{}'", q.key, q.default);
            if let Kind::One(choices) = q.kind {
                assert!(
                    q.default.is_empty() || choices.iter().any(|c| c.value == q.default),
                    "{}",
                    q.key
                );
            }
        }
    }

    #[test]
    fn the_docs_list_every_question_with_its_default() {
        let docs = include_str!("../docs/intake.md");
        for q in QUESTIONS {
            let default = if q.default.is_empty() {
                "left out".to_string()
            } else {
                format!("`{}`", q.default)
            };
            let row = format!("| `{}` | {} |", q.key, q.ask);
            let line = docs.lines().find(|l| l.starts_with(&row));
            assert!(
                line.is_some_and(|l| l.contains(&default) && l.contains(q.why)),
                "docs/intake.md has no row for {} with default {default}",
                q.key
            );
        }
    }

    #[test]
    fn questions_follow_the_conversation() {
        let mut a = Answers::new();
        assert_eq!(
            a.next_question().unwrap().key,
            "risks",
            "risk is asked first"
        );
        a.answer("risks", "").unwrap();
        assert!(a.answer("role", "cousin").is_err());
        a.answer("role", "family_member").unwrap();
        assert_eq!(
            a.next_question().unwrap().key,
            "relationship",
            "no stage for family"
        );
        a.answer("relationship", "parent").unwrap();
        a.answer("family_aim", "both").unwrap();
        a.answer("approach_preference", "").unwrap();
        a.answer("approach_strict", "no").unwrap();
        a.answer("format_preference", "online").unwrap();
        assert_eq!(
            a.next_question().unwrap().key,
            "place",
            "no travel for online only"
        );
        a.answer("place", "39.95,-75.16").unwrap();
        assert_eq!(
            a.next_question().unwrap().key,
            "availability",
            "the place gave the zone"
        );
        assert!(a
            .answer("nickname", "x")
            .unwrap_err()
            .contains("no question 'nickname'"));
    }

    #[test]
    fn the_answers_make_the_same_person_as_the_example_file() {
        let a = answered(&[
            ("risks", "none"),
            ("role", "in_recovery"),
            ("stage", "early"),
            ("approach_preference", "secular"),
            ("approach_strict", "no"),
            ("format_preference", "either"),
            ("max_travel_km", "10"),
            ("place", "39.9526,-75.1652"),
            (
                "availability",
                "Mon 18:00-22:00; Wed 18:00-22:00; Sat 08:00-13:00",
            ),
            ("languages", "en"),
            ("gender", "woman"),
            ("gender_specific", "preferred"),
            ("age", "34"),
            ("needs", "childcare"),
            ("substances", "alcohol"),
            ("facilitation_preference", "either"),
            ("can_pay", "yes"),
            ("prior", "twelve_step disliked"),
            ("readiness", "7"),
            ("self_efficacy", "5"),
            ("social_support", "moderate"),
        ]);
        let person = a.person(Some("p-demo-01")).unwrap();
        let file = crate::parse_person(
            include_bytes!("../data/people/early-secular-woman.json"),
            "file",
        )
        .unwrap()
        .value;
        // The interview does not ask whether their network drinks or uses (rank's flags can),
        // and keeps how the place was given.
        let place = person.place.as_ref().unwrap();
        assert_eq!(
            (place.kind.as_str(), place.precision_km),
            ("coordinates", 0.0)
        );
        let mut expected = file.clone();
        expected.network_supports_use = None;
        expected.place = person.place.clone();
        assert_eq!(person, expected);
    }

    #[test]
    fn skipped_questions_take_their_defaults_and_make_a_valid_person() {
        let mut a = answered(&[("gender", "woman"), ("gender_specific", "required")]);
        a.skip_the_rest();
        assert_eq!(a.next_question(), None);
        let p = a.person(None).unwrap();
        assert!(p.id.starts_with("p-"), "a pseudonymous id from the answers");
        assert_eq!(p.gender_specific.as_str(), "required");
        assert_eq!(p.stage.map(|s| s.as_str()), Some("early"));
        assert_eq!(
            p.timezone.name(),
            "America/New_York",
            "no place: the zone's default"
        );
        assert_eq!(p.max_travel_km, Some(15.0));
        assert_eq!(
            p.availability.len(),
            5,
            "the default availability: weekday evenings"
        );
        assert_eq!(p.location, None);
        // Without a gender, the wish for a gender-specific group is not asked (nor kept).
        let mut a = answered(&[("gender", "unspecified"), ("gender_specific", "required")]);
        a.skip_the_rest();
        assert_eq!(a.person(None).unwrap().gender_specific.as_str(), "no");
    }

    #[test]
    fn the_week_picture_marks_each_half_hour_available() {
        let windows: Vec<Window> = ["Mon 18:00-22:00", "Sun 06:00-07:00"]
            .iter()
            .map(|w| w.parse().unwrap())
            .collect();
        let picture = week_picture(&windows);
        let lines: Vec<&str> = picture.lines().collect();
        assert_eq!(lines.len(), 8);
        assert_eq!(
            lines[1],
            format!("Mon  {}{}{}", ".".repeat(24), "#".repeat(8), "....")
        );
        assert_eq!(lines[7], format!("Sun  ##{}", ".".repeat(34)));
        assert!(lines[2].ends_with(&".".repeat(36)));
    }
}
