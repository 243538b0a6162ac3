//! groupmatch matches people in addiction recovery to support groups.
//!
//! It ranks groups for one person in three layers, each of which explains itself:
//!
//! 1. **Eligibility** ([`eligibility`]): hard constraints (format, travel distance, schedule across
//!    time zones, language, audience, strict approach preference, accessibility, open seats), each
//!    failing one with a stable code and a sentence.
//! 2. **Engagement model** ([`engagement`]): a linear logit over named pair features
//!    ([`features`]) estimating the chance the person is still attending at 90 days. The
//!    explanation of a suggestion lists every term, and `intercept + sum(contributions) == logit`.
//! 3. **Rules** ([`rules`]): editable, cited log-odds adjustments (or exclusions) on top of the
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
//! The file formats are documented in `docs/formats.md`, the eligibility rules in
//! `docs/eligibility.md`, and the model in `models/README.md`.

#![deny(missing_docs)]

pub(crate) mod candidates;
pub mod directory;
pub mod domain;
pub mod eligibility;
pub mod engagement;
pub mod engine;
pub mod error;
pub mod explain;
pub mod features;
pub mod formats;
pub mod matching;
pub(crate) mod pair;
pub mod rank;
pub mod rules;
pub mod simulate;
pub mod validate;

#[cfg(test)]
mod testutil;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use domain::geo::GeoPoint;
pub use domain::group::Group;
pub use domain::person::{Person, Prior, WaitlistEntry};
pub use domain::schedule::Window;
pub use domain::vocab::*;
pub use eligibility::{Exclusion, ExclusionCode};
pub use engagement::model::{sigmoid, EngagementModel, ModelFile, Scaling};
pub use engine::{embedded_groups, Engine, EngineBuilder, EMBEDDED_GROUPS};
pub use error::{Error, Problem, Result};
pub use explain::ExplanationItem;
pub use features::{Feature, FEATURE_NAMES};
pub use formats::groups::{parse_groups, read_groups};
pub use formats::people::{parse_person, parse_waitlist, read_people, read_person, read_waitlist};
pub use formats::{Loaded, Syntax};
pub use pair::Attendance;
pub use rank::{Excluded, ExcludedDetail, ExcludedGroups, RankOptions, Ranking, Suggestion};
pub use validate::{validate_file, FileKind, Report};
