//! Time zones that follow the place: the IANA zone at a point on the earth, looked up offline,
//! and what a stated zone says about a place ([`check_zone`]).
//!
//! The look-up ([`zone_at`]) reads the zone boundaries of timezone-boundary-builder (built from
//! OpenStreetMap, ODbL-1.0) as the `tzf-rs` crate embeds them (its `lite` data: borders within
//! about 100 m; over the sea, the nautical zones `Etc/GMT+N`). It needs no network and no file.
//!
//! A zone name that follows no place (`EST`, `MST`, `EST5EDT`, `Etc/GMT+5`, `CET`, `GMT`, ...)
//! keeps its offsets whatever the place does: `EST` is UTC-05:00 all year, so in July a person in
//! Philadelphia who wrote it would see every session an hour early. [`check_zone`] says so, and
//! names the zone at the coordinates (or a likely one without them). `UTC` is a clock that online
//! groups keep on purpose: it is questioned only when coordinates say otherwise. See
//! `docs/formats.md#time-zones`.

use std::fmt;
use std::sync::LazyLock;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;

use super::geo::{GeoPoint, LATITUDE, LONGITUDE};
use super::schedule::utc_offset_minutes;

/// The year whose mid-January and mid-July offsets two zones are compared by: the year of the
/// boundary data (a test checks that they agree, so that updating the data updates this too).
pub(crate) const REFERENCE_YEAR: i32 = 2026;

/// The boundary finder, opened once (about 5 ms; the data stays in the binary's read-only
/// segment and is queried in place, in about 0.3 µs a point).
static FINDER: LazyLock<tzf_rs::EmbeddedFinder> = LazyLock::new(tzf_rs::EmbeddedFinder::new);

/// The IANA zone at a point: the zone whose boundary holds it, or at sea the nautical zone
/// (`Etc/GMT+3` in the mid-Atlantic, `Etc/GMT` at the North Pole). `None` only for a point that is
/// not on the earth (a [`GeoPoint`] built with bad public fields) or a name the time-zone
/// database of this build does not know (never for the data bundled today).
///
/// ```
/// use groupmatch::{zone_at, GeoPoint};
/// let philadelphia = GeoPoint::new(39.9526, -75.1652).unwrap();
/// assert_eq!(zone_at(philadelphia), Some(chrono_tz::America::New_York));
/// let mid_atlantic = GeoPoint::new(30.0, -40.0).unwrap();
/// assert_eq!(zone_at(mid_atlantic), Some(chrono_tz::Etc::GMTPlus3));
/// ```
pub fn zone_at(point: GeoPoint) -> Option<Tz> {
    zone_name_at(point)?.parse().ok()
}

/// The name of the zone at a point, as the boundary data gives it ([`zone_at`]).
fn zone_name_at(point: GeoPoint) -> Option<&'static str> {
    if !LATITUDE.contains(&point.latitude) || !LONGITUDE.contains(&point.longitude) {
        return None;
    }
    Some(FINDER.get_tz_name(point.longitude, point.latitude))
}

/// The release of the bundled zone boundaries (timezone-boundary-builder's, such as `2026f`).
pub fn boundary_data_version() -> &'static str {
    FINDER.data_version()
}

/// What kind of place a zone name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneKind {
    /// A place's zone (`America/New_York`, and old aliases of places such as `US/Eastern`): it
    /// follows the place's daylight saving and its changes.
    Geographic,
    /// UTC itself (`UTC`, `Etc/UTC`, `UCT`, `Universal`, `Zulu`): a clock kept on purpose, as
    /// online groups do.
    Utc,
    /// A name that follows no place: a fixed offset (`EST`, `MST`, `HST`, `Etc/GMT+5`, `GMT`) or
    /// a rule of no one place (`EST5EDT`, `CST6CDT`, `MST7MDT`, `PST8PDT`, `CET`, `EET`, `MET`,
    /// `WET`).
    NotAPlace,
}

/// The kind of a zone's name.
///
/// ```
/// use groupmatch::{zone_kind, ZoneKind};
/// assert_eq!(zone_kind(chrono_tz::EST), ZoneKind::NotAPlace);
/// assert_eq!(zone_kind(chrono_tz::UTC), ZoneKind::Utc);
/// assert_eq!(zone_kind(chrono_tz::America::Phoenix), ZoneKind::Geographic);
/// ```
pub fn zone_kind(tz: Tz) -> ZoneKind {
    match tz.name() {
        "UTC" | "UCT" | "Universal" | "Zulu" | "Etc/UTC" | "Etc/UCT" | "Etc/Universal"
        | "Etc/Zulu" => ZoneKind::Utc,
        "EST" | "MST" | "HST" | "EST5EDT" | "CST6CDT" | "MST7MDT" | "PST8PDT" | "CET" | "EET"
        | "MET" | "WET" | "GMT" | "GMT+0" | "GMT-0" | "GMT0" | "Greenwich" => ZoneKind::NotAPlace,
        name if name.starts_with("Etc/") => ZoneKind::NotAPlace,
        _ => ZoneKind::Geographic,
    }
}

/// The place a person or directory most likely means by a name that follows no place, when no
/// coordinates say: `EST` and `EST5EDT` America/New_York, `CST6CDT` America/Chicago, `MST` and
/// `MST7MDT` America/Denver (Arizona keeps MST all year: America/Phoenix), `PST8PDT`
/// America/Los_Angeles, `HST` Pacific/Honolulu, `CET` and `MET` Europe/Brussels, `EET`
/// Europe/Athens, `WET` Europe/Lisbon (as the time-zone database links them since 2024b), `GMT`
/// Europe/London. `None` for the fixed offsets `Etc/GMT+N`, which many places share, and for
/// every other zone.
pub fn likely_place(tz: Tz) -> Option<Tz> {
    use chrono_tz::{America, Europe, Pacific};
    Some(match tz.name() {
        "EST" | "EST5EDT" => America::New_York,
        "CST6CDT" => America::Chicago,
        "MST" | "MST7MDT" => America::Denver,
        "PST8PDT" => America::Los_Angeles,
        "HST" => Pacific::Honolulu,
        "CET" | "MET" => Europe::Brussels,
        "EET" => Europe::Athens,
        "WET" => Europe::Lisbon,
        "GMT" | "GMT+0" | "GMT-0" | "GMT0" | "Greenwich" | "Etc/GMT" | "Etc/GMT+0"
        | "Etc/GMT-0" | "Etc/GMT0" | "Etc/Greenwich" => Europe::London,
        _ => return None,
    })
}

/// A zone's offsets from UTC in minutes in mid-January and mid-July of [`REFERENCE_YEAR`]: winter
/// and summer on either side of the equator.
pub(crate) fn offsets(tz: Tz) -> [i32; 2] {
    [1, 7].map(|month| {
        let at = Utc
            .with_ymd_and_hms(REFERENCE_YEAR, month, 15, 12, 0, 0)
            .single()
            // A fixed date that always exists: the default (1970) is never used.
            .unwrap_or_default();
        utc_offset_minutes(tz, at)
    })
}

/// What a stated zone says about a place: a reader warns about the finding, or refuses the
/// value when [`ZoneFinding::is_refusal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneFinding {
    /// A name that follows no place ([`ZoneKind::NotAPlace`]), where no coordinates contradict
    /// it: `suggested` is the zone at the coordinates (same offsets today), else
    /// [`likely_place`]. A warning.
    NotAPlace {
        /// The zone as stated.
        stated: Tz,
        /// The zone to use instead, when one can be named.
        suggested: Option<Tz>,
    },
    /// A name that follows no place whose offsets differ from those of the zone at the
    /// coordinates (in January or July): the sessions or availability would be read at the
    /// wrong hours. Refused.
    Contradicts {
        /// The zone as stated.
        stated: Tz,
        /// The zone at the coordinates.
        at_place: Tz,
    },
    /// A place's zone, or UTC, whose offsets differ from those of the zone at the coordinates. A
    /// warning only: near a border, for an online group based elsewhere, or for coordinates a
    /// little off, the stated zone may be right.
    Differs {
        /// The zone as stated.
        stated: Tz,
        /// The zone at the coordinates.
        at_place: Tz,
    },
}

impl ZoneFinding {
    /// Whether the value is refused (a problem) rather than warned about.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ZoneFinding::Contradicts { .. })
    }

    /// The zone the finding suggests instead, when there is one.
    pub fn suggested(&self) -> Option<Tz> {
        match *self {
            ZoneFinding::NotAPlace { suggested, .. } => suggested,
            ZoneFinding::Contradicts { at_place, .. } | ZoneFinding::Differs { at_place, .. } => {
                Some(at_place)
            }
        }
    }
}

/// Checks a stated zone against the place's coordinates, when there are any (see [`ZoneFinding`];
/// `None` when there is nothing to say). Two zones agree when their offsets in mid-January and
/// mid-July of a reference year (the boundary data's, 2026) are the same: `America/Toronto` in Philadelphia says nothing.
///
/// ```
/// use groupmatch::{check_zone, GeoPoint};
/// use chrono_tz::{America, EST};
/// let philadelphia = Some(GeoPoint::new(39.9526, -75.1652).unwrap());
/// let found = check_zone(EST, philadelphia).unwrap();
/// assert!(found.is_refusal());
/// assert_eq!(found.suggested(), Some(America::New_York));
/// assert!(!check_zone(EST, None).unwrap().is_refusal());
/// assert_eq!(check_zone(America::Toronto, philadelphia), None);
/// ```
pub fn check_zone(stated: Tz, place: Option<GeoPoint>) -> Option<ZoneFinding> {
    let kind = zone_kind(stated);
    // Most places state the zone they are in: that zone is not looked up again.
    let at_place = place
        .and_then(zone_name_at)
        .and_then(|name| match name == stated.name() {
            true => Some(stated),
            false => name.parse().ok(),
        });
    let Some(at_place) = at_place else {
        return (kind == ZoneKind::NotAPlace).then(|| ZoneFinding::NotAPlace {
            stated,
            suggested: likely_place(stated),
        });
    };
    let agree = at_place == stated || offsets(stated) == offsets(at_place);
    match (kind, agree) {
        (ZoneKind::NotAPlace, true) => Some(ZoneFinding::NotAPlace {
            stated,
            // At sea the zone at the coordinates follows no place either.
            suggested: match zone_kind(at_place) {
                ZoneKind::Geographic => Some(at_place),
                _ => likely_place(stated),
            },
        }),
        (ZoneKind::NotAPlace, false) => Some(ZoneFinding::Contradicts { stated, at_place }),
        (_, true) => None,
        (_, false) => Some(ZoneFinding::Differs { stated, at_place }),
    }
}

/// `UTC-05:00` for -300 minutes.
fn utc_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// `a fixed UTC-05:00 zone`, or `UTC-05:00 in January, UTC-04:00 in July`.
fn describe(tz: Tz) -> String {
    match offsets(tz) {
        [winter, summer] if winter == summer => format!("a fixed {} zone", utc_offset(winter)),
        [january, july] => format!(
            "{} in January, {} in July",
            utc_offset(january),
            utc_offset(july)
        ),
    }
}

impl fmt::Display for ZoneFinding {
    /// The message for a warning or a problem in the field `timezone`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ZoneFinding::NotAPlace { stated, suggested } => {
                write!(
                    f,
                    "'{}' follows no place ({}), so it misses the place's changes of time: ",
                    stated.name(),
                    describe(stated)
                )?;
                match suggested {
                    Some(tz) => write!(f, "use the zone of the place, likely {}", tz.name()),
                    None => write!(
                        f,
                        "use the zone of the place (an IANA name such as America/New_York)"
                    ),
                }
            }
            ZoneFinding::Contradicts { stated, at_place } => write!(
                f,
                "'{}' follows no place ({}), but the zone at the coordinates is {} ({}): use {}",
                stated.name(),
                describe(stated),
                at_place.name(),
                describe(at_place),
                at_place.name()
            ),
            ZoneFinding::Differs { stated, at_place } => write!(
                f,
                "'{}' ({}) is not the zone at the coordinates, {} ({}): check the zone and the coordinates",
                stated.name(),
                describe(stated),
                at_place.name(),
                describe(at_place)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Australia, Etc, Europe};

    fn point(latitude: f64, longitude: f64) -> GeoPoint {
        GeoPoint::new(latitude, longitude).unwrap()
    }

    const PHILADELPHIA: (f64, f64) = (39.9526, -75.1652);

    fn philadelphia() -> Option<GeoPoint> {
        Some(point(PHILADELPHIA.0, PHILADELPHIA.1))
    }

    #[test]
    fn known_places_have_their_zones() {
        for ((lat, lon), zone) in [
            (PHILADELPHIA, America::New_York),
            ((53.5461, -113.4938), America::Edmonton),
            ((33.4484, -112.0740), America::Phoenix),
            ((51.5074, -0.1278), Europe::London),
            ((-33.8688, 151.2093), Australia::Sydney),
            ((31.7619, -106.4850), America::Denver),
            ((31.6904, -106.4245), America::Ciudad_Juarez),
        ] {
            assert_eq!(zone_at(point(lat, lon)), Some(zone), "{lat}, {lon}");
        }
    }

    #[test]
    fn at_sea_the_zone_is_the_nautical_one_and_off_the_earth_none() {
        assert_eq!(zone_at(point(30.0, -40.0)), Some(Etc::GMTPlus3));
        assert_eq!(zone_at(point(0.0, -150.0)), Some(Etc::GMTPlus10));
        assert_eq!(zone_at(point(0.0, 0.0)), Some(Etc::GMT));
        let off = GeoPoint {
            latitude: f64::NAN,
            longitude: 0.0,
        };
        assert_eq!(zone_at(off), None);
        let off = GeoPoint {
            latitude: 0.0,
            longitude: 200.0,
        };
        assert_eq!(zone_at(off), None);
    }

    #[test]
    fn the_reference_year_is_the_boundary_data_year() {
        let version = boundary_data_version();
        assert!(
            version.starts_with(&REFERENCE_YEAR.to_string()),
            "boundary data {version}: update REFERENCE_YEAR"
        );
    }

    #[test]
    fn phoenix_keeps_one_offset_and_edmonton_two() {
        assert_eq!(offsets(America::Phoenix), [-420, -420]);
        assert_eq!(offsets(America::Edmonton), [-420, -360]);
        assert_eq!(offsets(Australia::Sydney), [660, 600]);
    }

    #[test]
    fn names_that_follow_no_place_are_told_apart() {
        for tz in [
            chrono_tz::EST,
            chrono_tz::MST,
            chrono_tz::HST,
            chrono_tz::EST5EDT,
            chrono_tz::CST6CDT,
            chrono_tz::MST7MDT,
            chrono_tz::PST8PDT,
            chrono_tz::CET,
            chrono_tz::GMT,
            Etc::GMTPlus5,
            Etc::GMTMinus1,
            Etc::GMT,
        ] {
            assert_eq!(zone_kind(tz), ZoneKind::NotAPlace, "{tz}");
        }
        for tz in [chrono_tz::UTC, Etc::UTC, chrono_tz::Zulu] {
            assert_eq!(zone_kind(tz), ZoneKind::Utc, "{tz}");
        }
        for tz in [America::New_York, chrono_tz::US::Eastern, chrono_tz::Japan] {
            assert_eq!(zone_kind(tz), ZoneKind::Geographic, "{tz}");
        }
    }

    #[test]
    fn est_in_philadelphia_is_refused_naming_new_york() {
        let found = check_zone(chrono_tz::EST, philadelphia()).unwrap();
        assert_eq!(
            found,
            ZoneFinding::Contradicts {
                stated: chrono_tz::EST,
                at_place: America::New_York
            }
        );
        assert_eq!(
            found.to_string(),
            "'EST' follows no place (a fixed UTC-05:00 zone), but the zone at the coordinates is \
             America/New_York (UTC-05:00 in January, UTC-04:00 in July): use America/New_York"
        );
    }

    #[test]
    fn est5edt_in_philadelphia_keeps_the_same_offsets_and_is_only_warned() {
        let found = check_zone(chrono_tz::EST5EDT, philadelphia()).unwrap();
        assert!(!found.is_refusal());
        assert_eq!(found.suggested(), Some(America::New_York));
    }

    #[test]
    fn without_coordinates_a_likely_place_is_suggested() {
        let found = check_zone(chrono_tz::EST, None).unwrap();
        assert!(!found.is_refusal());
        assert_eq!(
            found.to_string(),
            "'EST' follows no place (a fixed UTC-05:00 zone), so it misses the place's changes \
             of time: use the zone of the place, likely America/New_York"
        );
        let found = check_zone(Etc::GMTPlus5, None).unwrap();
        assert_eq!(found.suggested(), None);
        assert!(found.to_string().contains("such as America/New_York"));
    }

    #[test]
    fn a_fixed_zone_that_matches_the_place_is_warned_with_the_place_zone() {
        let phoenix = Some(point(33.4484, -112.0740));
        let found = check_zone(chrono_tz::MST, phoenix).unwrap();
        assert_eq!(
            found,
            ZoneFinding::NotAPlace {
                stated: chrono_tz::MST,
                suggested: Some(America::Phoenix)
            }
        );
    }

    #[test]
    fn another_place_zone_is_a_warning_and_a_neighbour_with_the_same_clock_nothing() {
        let found = check_zone(America::Los_Angeles, philadelphia()).unwrap();
        assert_eq!(
            found,
            ZoneFinding::Differs {
                stated: America::Los_Angeles,
                at_place: America::New_York
            }
        );
        assert!(!found.is_refusal());
        assert_eq!(check_zone(America::New_York, philadelphia()), None);
        assert_eq!(check_zone(America::Detroit, philadelphia()), None);
        assert_eq!(check_zone(America::Los_Angeles, None), None);
    }

    #[test]
    fn utc_is_questioned_only_by_coordinates_and_never_refused() {
        assert_eq!(check_zone(chrono_tz::UTC, None), None);
        assert_eq!(check_zone(Etc::UTC, None), None);
        let found = check_zone(chrono_tz::UTC, philadelphia()).unwrap();
        assert!(matches!(found, ZoneFinding::Differs { .. }));
        let reykjavik = Some(point(64.1466, -21.9426));
        assert_eq!(check_zone(chrono_tz::UTC, reykjavik), None);
    }

    #[test]
    fn offsets_are_written_with_sign_hours_and_minutes() {
        assert_eq!(utc_offset(-300), "UTC-05:00");
        assert_eq!(utc_offset(0), "UTC+00:00");
        assert_eq!(utc_offset(330), "UTC+05:30");
        assert_eq!(describe(chrono_tz::Asia::Kolkata), "a fixed UTC+05:30 zone");
    }
}
