//! The domain: groups, people, schedules and calendars, places, the zones at places, costs and
//! the closed vocabularies.

pub mod availability;
pub(crate) mod check;
pub mod cost;
pub mod geo;
pub mod group;
pub mod person;
pub mod place;
pub mod recurrence;
pub mod schedule;
pub mod vocab;
pub mod zone;
