//! The 90-day label of a referral's chosen group, from its events: the outcome `train` learns
//! (`engaged_90d`), defined once here and documented in `docs/referrals.md`.
//!
//! As of a date `now`, reading only the events dated on or before it that are about the group
//! (or about the referral as a whole, without a group):
//!
//! - **1** when an `attending` check-in is dated at least [`LABEL_DAYS`] days after the referral;
//! - otherwise **0** when the last of the events that say how it went is `stopped`, `declined`,
//!   `could_not_contact` or `no_capacity`, or is a `contacted` on or after day 90 (reached at the
//!   90-day follow-up and not recorded as attending);
//! - otherwise **unknown** (`None`): nothing says how it went, or the last word is that they were
//!   going (`attended_first`, `attending` before day 90).
//!
//! Events of one date are taken in the order they were recorded.

use chrono::NaiveDate;

use super::records::Event;
use crate::domain::vocab::EventKind;

/// The outcome's horizon: attending at this many days after the referral.
pub const LABEL_DAYS: u32 = 90;

/// The 90-day label of chosen group `group` of a referral made on `referred_on`, from its
/// `events` (in the order recorded), as of `now`: `Some(true)` engaged, `Some(false)` not,
/// `None` unknown (see the module's documentation).
pub fn label_90d(
    referred_on: NaiveDate,
    group: &str,
    events: &[Event],
    now: NaiveDate,
) -> Option<bool> {
    let horizon = referred_on + chrono::Days::new(u64::from(LABEL_DAYS));
    let mut relevant: Vec<&Event> = events
        .iter()
        .filter(|e| e.on <= now && e.group_id.as_deref().is_none_or(|g| g == group))
        .collect();
    if relevant
        .iter()
        .any(|e| e.kind == EventKind::Attending && e.on >= horizon)
    {
        return Some(true);
    }
    // A stable sort keeps the recorded order within a date.
    relevant.sort_by_key(|e| e.on);
    let last = relevant.iter().rev().find(|e| match e.kind {
        EventKind::Referred => false,
        EventKind::Contacted => e.on >= horizon,
        _ => true,
    })?;
    match last.kind {
        EventKind::AttendedFirst | EventKind::Attending => None,
        _ => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n)
    }

    fn ev(kind: EventKind, on: u64, group: Option<&str>) -> Event {
        Event {
            kind,
            on: day(on),
            group_id: group.map(str::to_string),
            reason: None,
        }
    }

    fn label(events: &[Event], now: u64) -> Option<bool> {
        label_90d(day(0), "g1", events, day(now))
    }

    use EventKind::*;

    #[test]
    fn attending_at_day_90_or_later_is_engaged_whatever_came_before() {
        let events = [
            ev(Referred, 0, None),
            ev(CouldNotContact, 7, None),
            ev(Stopped, 40, Some("g1")),
            ev(Attending, 90, Some("g1")),
        ];
        assert_eq!(label(&events, 200), Some(true));
        assert_eq!(label(&events, 89), Some(false), "as of day 89: stopped");
    }

    #[test]
    fn attending_before_day_90_alone_is_unknown() {
        let events = [ev(AttendedFirst, 5, Some("g1")), ev(Attending, 89, None)];
        assert_eq!(label(&events, 200), None);
    }

    #[test]
    fn the_last_word_decides_a_negative() {
        let stopped = [ev(Attending, 30, Some("g1")), ev(Stopped, 60, Some("g1"))];
        assert_eq!(label(&stopped, 120), Some(false));
        let back = [ev(CouldNotContact, 7, None), ev(Attending, 30, Some("g1"))];
        assert_eq!(label(&back, 120), None);
        for kind in [Declined, NoCapacity, CouldNotContact] {
            assert_eq!(label(&[ev(kind, 3, None)], 120), Some(false), "{kind}");
        }
    }

    #[test]
    fn contacted_at_the_90_day_follow_up_without_attending_is_not_engaged() {
        let events = [ev(Attending, 30, Some("g1")), ev(Contacted, 91, None)];
        assert_eq!(label(&events, 120), Some(false));
        let early = [ev(Contacted, 10, None)];
        assert_eq!(label(&early, 120), None, "an early contact says nothing");
    }

    #[test]
    fn another_groups_events_do_not_count() {
        let events = [ev(Attending, 95, Some("g2")), ev(Stopped, 20, Some("g2"))];
        assert_eq!(label(&events, 120), None);
    }

    #[test]
    fn within_a_date_the_order_recorded_decides() {
        let a = [ev(Stopped, 50, Some("g1")), ev(Attending, 50, Some("g1"))];
        assert_eq!(label(&a, 120), None);
        let b = [ev(Attending, 50, Some("g1")), ev(Stopped, 50, Some("g1"))];
        assert_eq!(label(&b, 120), Some(false));
    }
}
