//! The domain: groups, people, weekly schedules, places, the zones at places and the closed
//! vocabularies.

pub(crate) mod check;
pub mod geo;
pub mod group;
pub mod person;
pub mod schedule;
pub mod vocab;
pub mod zone;
