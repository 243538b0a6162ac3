//! The fuzz targets: one function per parser, each taking any bytes and asserting only that
//! nothing panics. The coverage-guided fuzzer in `fuzz/` (cargo-afl) runs them, and
//! `tests/fuzz_corpora.rs` replays the kept corpora and every crash found through the very same
//! functions, so `cargo test` re-checks them all. Behind the `fuzzing` feature: they are a test
//! harness, not an API.
//!
//! A target that parses a value also uses it the way the engine would, on a tiny directory, so
//! the fuzzer reaches evaluation as well as parsing: groups are ranked for an example person,
//! a person or waitlist is ranked and matched, a rule file is applied, a model scores.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use crate::formats::bmlt::{import_bmlt, parse_bmlt_formats};
use crate::formats::meeting_guide::{import_meeting_guide, ImportOptions};
use crate::{
    match_waitlist, parse_groups, parse_person, parse_waitlist, EngagementModel, Engine,
    EngineBuilder, Group, MatchOptions, Person, RankOptions, RuleSet, Syntax,
};

/// Every fuzz target, by the name the fuzzer and the corpora use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A groups file in CSV.
    GroupsCsv,
    /// A groups file in JSON.
    GroupsJson,
    /// A person in JSON.
    PersonJson,
    /// A waitlist in CSV.
    WaitlistCsv,
    /// A waitlist in JSON Lines.
    WaitlistJsonl,
    /// A rule file (TOML and the condition language), parsed and applied.
    Rules,
    /// A model file.
    Model,
    /// A Meeting Guide feed.
    MeetingGuide,
    /// An Open Referral HSDS 3.x JSON document.
    Hsds,
    /// A BMLT server's meetings (`GetSearchResults`, perhaps with its formats).
    Bmlt,
}

impl Target {
    /// Every target.
    pub const ALL: &'static [Target] = &[
        Target::GroupsCsv,
        Target::GroupsJson,
        Target::PersonJson,
        Target::WaitlistCsv,
        Target::WaitlistJsonl,
        Target::Rules,
        Target::Model,
        Target::MeetingGuide,
        Target::Hsds,
        Target::Bmlt,
    ];

    /// The target's name: its folder under `fuzz/corpus/` and the fuzzer's argument.
    pub fn name(self) -> &'static str {
        match self {
            Target::GroupsCsv => "groups_csv",
            Target::GroupsJson => "groups_json",
            Target::PersonJson => "person_json",
            Target::WaitlistCsv => "waitlist_csv",
            Target::WaitlistJsonl => "waitlist_jsonl",
            Target::Rules => "rules",
            Target::Model => "model",
            Target::MeetingGuide => "meeting_guide",
            Target::Hsds => "hsds",
            Target::Bmlt => "bmlt",
        }
    }

    /// The target named `name`.
    pub fn named(name: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// Runs the target on `data`. Returns normally for any input; a panic is a bug.
    pub fn run(self, data: &[u8]) {
        let now = now();
        match self {
            Target::GroupsCsv | Target::GroupsJson => {
                let syntax = if self == Target::GroupsCsv {
                    Syntax::Csv
                } else {
                    Syntax::Json
                };
                if let Ok(groups) = parse_groups(data, syntax, "fuzz") {
                    // The reader checks everything `Engine::new` does: `EngineBuilder` builds
                    // an engine over a file's groups without checking them again.
                    let engine = Engine::new(groups.value, EngagementModel::prior())
                        .expect("groups the reader accepts make an engine");
                    let _ = engine.rank(example_person(), &RankOptions::new(Some(3), now));
                }
            }
            Target::PersonJson => {
                if let Ok(person) = parse_person(data, "fuzz") {
                    let engine = tiny_engine();
                    let _ = engine.rank(&person.value, &RankOptions::new(None, now));
                    for g in engine.groups() {
                        let _ = engine.explain(&person.value, &g.id, now);
                    }
                }
            }
            Target::WaitlistCsv | Target::WaitlistJsonl => {
                let syntax = if self == Target::WaitlistCsv {
                    Syntax::Csv
                } else {
                    Syntax::JsonLines
                };
                if let Ok(waitlist) = parse_waitlist(data, syntax, "fuzz") {
                    let _ = match_waitlist(tiny_engine(), &waitlist.value, &MatchOptions::new(now));
                }
            }
            Target::Rules => {
                let Ok(text) = std::str::from_utf8(data) else {
                    return;
                };
                if let Ok(rules) = RuleSet::parse(text, "fuzz") {
                    let _ = rules.to_markdown();
                    let built = EngineBuilder::new()
                        .groups(tiny_groups().to_vec())
                        .model(EngagementModel::prior())
                        .rules(rules)
                        .build();
                    if let Ok(engine) = built {
                        let person = example_person();
                        let _ = engine.value.rank(person, &RankOptions::new(None, now));
                        for g in engine.value.groups() {
                            let _ = engine.value.explain(person, &g.id, now);
                        }
                    }
                }
            }
            Target::Model => {
                let Ok(text) = std::str::from_utf8(data) else {
                    return;
                };
                if let Ok(model) = EngagementModel::from_json(text, "fuzz") {
                    let built = EngineBuilder::new()
                        .groups(tiny_groups().to_vec())
                        .model(model)
                        .build();
                    if let Ok(engine) = built {
                        let _ = engine
                            .value
                            .rank(example_person(), &RankOptions::new(None, now));
                    }
                }
            }
            Target::MeetingGuide => {
                let options = ImportOptions {
                    timezone: Some(chrono_tz::America::New_York),
                    ..ImportOptions::default()
                };
                if let Ok(import) = import_meeting_guide(data, "fuzz", &options) {
                    if let Ok(engine) = Engine::new(import.groups, EngagementModel::prior()) {
                        let _ = engine.rank(example_person(), &RankOptions::new(Some(3), now));
                    }
                }
            }
            Target::Hsds => {
                let options = crate::formats::hsds::HsdsOptions {
                    timezone: Some(chrono_tz::America::New_York),
                    ..Default::default()
                };
                if let Ok(import) = crate::formats::hsds::import_hsds_json(data, "fuzz", &options) {
                    if let Ok(engine) = Engine::new(import.groups, EngagementModel::prior()) {
                        let _ = engine.rank(example_person(), &RankOptions::new(Some(3), now));
                    }
                }
            }
            Target::Bmlt => {
                // Without a default zone, so that zones are also found at coordinates.
                let options = ImportOptions {
                    fellowship: Some(crate::Fellowship::Na),
                    ..ImportOptions::default()
                };
                // The input read as a feed, and as a formats file for a fixed feed.
                let _ = parse_bmlt_formats(data, "fuzz")
                    .map(|formats| import_bmlt(BMLT_FEED, "fuzz", Some(&formats), &options));
                if let Ok(import) = import_bmlt(data, "fuzz", None, &options) {
                    if let Ok(engine) = Engine::new(import.groups, EngagementModel::prior()) {
                        let _ = engine.rank(example_person(), &RankOptions::new(Some(3), now));
                    }
                }
            }
        }
    }
}

/// The feed a fuzzed BMLT formats file is applied to: meetings whose formats are named by id.
const BMLT_FEED: &[u8] = br#"[{"id_bigint": "1", "meeting_name": "m", "weekday_tinyint": "2",
  "start_time": "19:00:00", "duration_time": "01:00:00", "venue_type": "", "latitude": "52.5",
  "longitude": "13.4", "location_street": "s 1", "virtual_meeting_link": "https://example.org/j",
  "formats": "O,VM", "format_shared_id_list": "1,2,3,4,5"}]"#;

/// The instant every target ranks at.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_694_400, 0).expect("a valid instant") // 2026-11-26T12:00:00Z
}

/// An example person (`data/people/early-secular-woman.json`).
fn example_person() -> &'static Person {
    static PERSON: OnceLock<Person> = OnceLock::new();
    PERSON.get_or_init(|| {
        parse_person(
            include_bytes!("../data/people/early-secular-woman.json"),
            "data/people/early-secular-woman.json",
        )
        .expect("the example person is valid (tested)")
        .value
    })
}

/// The first twelve groups of the embedded directory: enough for every format and approach to
/// meet a few people, small enough to keep the fuzzer fast.
fn tiny_groups() -> &'static [Group] {
    static GROUPS: OnceLock<Vec<Group>> = OnceLock::new();
    GROUPS.get_or_init(|| crate::embedded_groups().into_iter().take(12).collect())
}

/// The engine over [`tiny_groups`] with the default model and rules.
fn tiny_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        EngineBuilder::new()
            .groups(tiny_groups().to_vec())
            .build()
            .expect("the embedded groups are valid (tested)")
            .value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_is_named_and_found_by_its_name() {
        for t in Target::ALL {
            assert_eq!(Target::named(t.name()), Some(*t));
        }
        assert_eq!(Target::named("nope"), None);
    }

    #[test]
    fn the_instant_is_the_documented_one() {
        assert_eq!(now().to_rfc3339(), "2026-11-26T12:00:00+00:00");
    }
}
