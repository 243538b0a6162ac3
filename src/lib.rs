//! groupmatch matches people in addiction recovery to support groups.
//!
//! It ranks groups for one person in three layers, each of which explains itself:
//!
//! 1. **Eligibility**: hard constraints (format, travel distance, schedule across
//!    time zones, language, audience, strict approach preference, accessibility, open seats), each
//!    failing one with a stable code and a sentence.
//! 2. **Engagement model** ([`EngagementModel`]): a linear logit over named pair features
//!    ([`Feature`]) estimating the chance the person is still attending at 90 days. The
//!    explanation of a suggestion lists every term, and `intercept + sum(contributions) == logit`.
//! 3. **Rules** ([`RuleSet`]): editable, cited log-odds adjustments (or exclusions) on top of the
//!    model, each shown in the explanation.
//!
//! Load a directory and a model once into an [`Engine`], then rank many people against it, from
//! as many threads as you like:
//!
//! ```
//! use groupmatch::{Engine, RankOptions, parse_person};
//!
//! let engine = Engine::embedded(); // the directory and model shipped in the binary
//! let person = parse_person(br#"{
//!     "id": "p-001", "stage": "early", "approach_preference": "secular",
//!     "format_preference": "online", "availability": ["Mon 17:00-23:00", "Wed 17:00-23:00"],
//!     "timezone": "America/New_York"
//! }"#, "request").unwrap().value;
//! let now = "2026-11-26T12:00:00Z".parse().unwrap();
//! let ranking = engine.rank(&person, &RankOptions::new(Some(3), now)).unwrap();
//! for s in &ranking.suggestions {
//!     println!("{} {} {:.2}", s.rank, s.name, s.score);
//! }
//! assert!(!ranking.suggestions.is_empty());
//! println!("{}", serde_json::to_string(&ranking).unwrap());
//! ```
//!
//! [`Engine::explain`] gives the full account of one pair, and [`match_waitlist`] places a
//! waitlist in groups with limited seats, exactly, with the same scores.
//!
//! # The public API
//!
//! The crate root holds what a calling service needs: building an engine ([`EngineBuilder`],
//! [`Engine`]), ranking ([`RankOptions`], [`Ranking`]), explaining ([`Explanation`]), batch
//! matching ([`match_waitlist`], [`MatchOptions`], [`MatchResult`]), the readers and validators of
//! every input file ([`read_groups`], [`read_person`], [`read_waitlist`], [`validate_file`]),
//! what staff type at an intake desk ([`parse_availability`] for `Mon-Fri 5:30pm-10pm` or
//! `weekday evenings`, [`PersonDraft`] for a person given field by field, [`find_group`] for a
//! group by id or name), and the error and problem types ([`Error`], [`Problem`]). The modules that stay public are
//! the tooling layers the command line is built on: [`engagement`] (training and evaluating the
//! model), [`simulate`], [`formats`] (the Meeting Guide import and the writers), [`directory`],
//! [`rules`] and [`matching`] (the exact assignment solver), and [`handout`] (the printable page
//! a person takes home, with the `handout` feature). Everything else is internal.
//!
//! # Features
//!
//! - `fuzzing`: the fuzz targets (`fuzzing::Target`), which `fuzz/` runs under cargo-afl and
//!   `tests/fuzz_corpora.rs` replays; a test harness, not an API.
//! - `handout` (on with `cli`): [`handout::render_handout`], the printable page a person takes
//!   home with the groups they chose (no dependency of its own).
//! - `cli` (on by default): the `groupmatch` command-line program. A service that only calls the
//!   library depends on it with `default-features = false` and compiles neither clap nor anyhow:
//!
//!   ```toml
//!   [dependencies]
//!   groupmatch = { version = "0.1", default-features = false }
//!   ```
//!
//! - `serve` (on with `cli`): [`serve`], the engine behind an HTTP JSON API (`groupmatch
//!   serve`, `docs/serve.md`): axum on tokio, bearer tokens stored hashed, reload without a
//!   restart.
//! - `store` (on with `cli`): [`store`], the referrals store: referrals, their follow-up events
//!   and the 90-day labels `train` learns from, in one SQLite file (`docs/referrals.md`).
//! - `gazetteer` (on with `cli`): [`Gazetteer`], places by postal code or name, offline (US
//!   ZIP codes, Canadian forward sortation areas, towns of 1,000 people or more in the US, Canada
//!   and Germany; about 3 MB in a binary that uses it). `docs/places.md` says more.
//!
//! The file formats are documented in `docs/formats.md`, the eligibility rules in
//! `docs/eligibility.md`, the model in `models/README.md`, and the layers of the code in
//! `docs/architecture.md`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod candidates;
pub mod directory;
mod domain;
mod eligibility;
pub mod engagement;
mod engine;
mod error;
mod explain;
mod features;
pub mod formats;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
#[cfg(feature = "gazetteer")]
mod gazetteer;
pub mod guidance;
#[cfg(feature = "handout")]
pub mod handout;
mod html;
// The interview finds places with the gazetteer.
#[cfg(feature = "gazetteer")]
pub mod intake;
pub mod limits;
mod lookup;
pub mod matching;
mod pair;
mod person_draft;
mod rank;
pub mod rules;
pub mod safety;
#[cfg(feature = "serve")]
pub mod serve;
pub mod simulate;
#[cfg(feature = "store")]
pub mod store;
pub mod text;
mod validate;

#[cfg(test)]
mod testutil;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The date and time types the API takes (`chrono`), re-exported so a caller need not depend on
/// the same version.
pub use chrono::{DateTime, NaiveDate, Utc};
/// Time zones (`chrono-tz`), as groups and people carry them.
pub use chrono_tz::Tz;

pub use domain::availability::parse_availability;
pub use domain::cost::{Cost, Currency};
pub use domain::geo::GeoPoint;
pub use domain::group::{Group, Listing, MAX_COST, MAX_SEATS};
pub use domain::person::{
    Person, Prior, PriorityCode, WaitlistEntry, DEFAULT_TRAVEL_KM, MAX_AGE,
    MAX_PRIORITY_CODE_BYTES, MAX_TRAVEL_KM, SCORE_SCALE,
};
pub use domain::place::{PlaceGiven, PlaceKind, MAX_PLACE_BYTES};
pub use domain::recurrence::Session;
pub use domain::schedule::{parse_timezone, Window};
pub use domain::vocab::*;
pub use domain::zone::{
    boundary_data_version, check_zone, likely_place, zone_at, zone_kind, ZoneFinding, ZoneKind,
};
pub use eligibility::{Exclusion, ExclusionCode};
pub use engagement::model::{sigmoid, EngagementModel, ModelFile, Provenance};
pub use engine::{embedded_groups, Engine, EngineBuilder, EMBEDDED_GROUPS};
pub use error::{Error, Problem, Result};
pub use explain::{Check, Explanation, ExplanationItem, FeatureTerm, RuleTerm, ScoreBasis};
pub use features::{Feature, FEATURE_NAMES};
pub use formats::groups::{parse_groups, read_groups};
pub use formats::people::{parse_person, parse_waitlist, read_people, read_person, read_waitlist};
pub use formats::{Loaded, Syntax};
#[cfg(feature = "gazetteer")]
pub use gazetteer::{
    Candidate, Country, Coverage, Gazetteer, Place, PlaceError, DOMINANT_POPULATION_RATIO,
    MAX_CANDIDATES,
};
#[cfg(feature = "handout")]
pub use handout::{render_handout, HandoutLanguage, Referrer};
pub use limits::{
    MAX_DATA_FILE_BYTES, MAX_DOCUMENT_FILE_BYTES, MAX_EXPR_DEPTH, MAX_FIELD_BYTES, MAX_ID_BYTES,
    MAX_LIST_ITEMS, MAX_QUOTED_BYTES, MAX_RULES, MAX_RULES_FILE_BYTES, MAX_SESSIONS,
    MAX_WHEN_BYTES,
};
pub use lookup::{find_group, find_waitlist_entry};
pub use matching::{
    match_waitlist, GroupFill, MatchOptions, MatchResult, MatchRow, MatchSummary, Outcome, Stratum,
};
pub use pair::Attendance;
pub use person_draft::{
    directory_zone, parse_prior, parse_travel_km, pseudonymous_id, PersonDraft,
    DEFAULT_AVAILABILITY, DEFAULT_STAGE,
};
pub use rank::{Excluded, ExcludedDetail, ExcludedGroups, RankOptions, Ranking, Suggestion};
pub use rules::{Action, Confidence, Rule, RuleSet};
pub use validate::{validate_bytes, validate_file, FileKind, Report};
