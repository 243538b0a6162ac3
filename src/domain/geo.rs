//! Points on the earth and the great-circle distance between them.

use std::ops::RangeInclusive;

use serde::Serialize;

use super::check::{number_problem, outside};
use crate::error::Problem;

/// The latitudes on the earth, in degrees.
pub(crate) const LATITUDE: RangeInclusive<f64> = -90.0..=90.0;
/// The longitudes on the earth, in degrees.
pub(crate) const LONGITUDE: RangeInclusive<f64> = -180.0..=180.0;

/// Mean earth radius in km (IUGG), as used by the haversine formula.
pub(crate) const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A latitude/longitude pair in decimal degrees, checked to be on the earth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    /// Latitude, -90 to 90.
    pub latitude: f64,
    /// Longitude, -180 to 180.
    pub longitude: f64,
}

/// What an optional point flattened into its owner writes (a group's `location`): `latitude`
/// and `longitude` beside the owner's fields, or neither.
#[cfg(feature = "serve")]
pub(crate) fn flattened_point_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let degrees = |what: &str, limit: f64| {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(-limit))
            .maximum(Some(limit))
            .description(Some(what))
    };
    ObjectBuilder::new()
        .property("latitude", degrees("Latitude in decimal degrees", 90.0))
        .property("longitude", degrees("Longitude in decimal degrees", 180.0))
        .description(Some(
            "Where it meets, when known: both coordinates, or neither",
        ))
        .build()
}

impl GeoPoint {
    /// A point, or a message naming the bad coordinate.
    ///
    /// ```
    /// use groupmatch::GeoPoint;
    /// assert!(GeoPoint::new(39.95, -75.17).is_ok());
    /// assert!(GeoPoint::new(123.0, -75.17).is_err());
    /// ```
    pub fn new(latitude: f64, longitude: f64) -> Result<GeoPoint, String> {
        if !LATITUDE.contains(&latitude) {
            return Err(format!("latitude {}", outside(latitude, &LATITUDE)));
        }
        if !LONGITUDE.contains(&longitude) {
            return Err(format!("longitude {}", outside(longitude, &LONGITUDE)));
        }
        Ok(GeoPoint {
            latitude,
            longitude,
        })
    }

    /// A problem for each coordinate that is not a finite number on the earth, naming
    /// `latitude` or `longitude` (for a point built in Rust, whose fields are public).
    pub(crate) fn problems(&self) -> Vec<Problem> {
        [
            ("latitude", self.latitude, LATITUDE),
            ("longitude", self.longitude, LONGITUDE),
        ]
        .into_iter()
        .filter_map(|(field, v, range)| {
            number_problem(v, &range).map(|m| Problem::new(None, Some(field), m))
        })
        .collect()
    }

    /// Great-circle distance in km (haversine).
    ///
    /// ```
    /// use groupmatch::GeoPoint;
    /// let philadelphia = GeoPoint::new(39.9526, -75.1652).unwrap();
    /// let new_york = GeoPoint::new(40.7128, -74.0060).unwrap();
    /// let km = philadelphia.distance_km(&new_york);
    /// assert!((km - 129.6).abs() < 1.0);
    /// ```
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (la1, la2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dla = la2 - la1;
        let dlo = (other.longitude - self.longitude).to_radians();
        let h = libm::sin(dla / 2.0).powi(2)
            + libm::cos(la1) * libm::cos(la2) * libm::sin(dlo / 2.0).powi(2);
        2.0 * EARTH_RADIUS_KM * libm::asin(h.sqrt().min(1.0))
    }
}

/// A point on the unit sphere, for [`chord_km`]: computed once per place, so that a lower bound
/// on many distances costs no trigonometry.
pub(crate) type UnitVector = [f64; 3];

impl GeoPoint {
    /// The point on the unit sphere.
    pub(crate) fn unit_vector(&self) -> UnitVector {
        let (la, lo) = (self.latitude.to_radians(), self.longitude.to_radians());
        [
            libm::cos(la) * libm::cos(lo),
            libm::cos(la) * libm::sin(lo),
            libm::sin(la),
        ]
    }
}

/// The straight-line (chord) distance in km between two points on the earth: never more than
/// the great-circle distance ([`GeoPoint::distance_km`], `2R asin(c / 2)` for chord `c`), and
/// within 0.01% of it up to 250 km.
pub(crate) fn chord_km(a: &UnitVector, b: &UnitVector) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    EARTH_RADIUS_KM * (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
}

/// Slack on each side of a [`BoundingBox`], in degrees (about 0.1 m), for rounding.
const BOX_MARGIN_DEGREES: f64 = 1e-6;

/// A latitude/longitude box that holds every point within some distance of a centre: a point
/// outside it is farther, for sure; a point inside may still be farther.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BoundingBox {
    /// Lowest and highest latitude.
    latitude: [f64; 2],
    /// The centre's longitude.
    longitude: f64,
    /// The largest longitude difference from the centre (180 or more when every longitude is in).
    half_width: f64,
}

impl BoundingBox {
    /// The box around `centre` holding every point at most `km` away by [`GeoPoint::distance_km`].
    pub(crate) fn around(centre: GeoPoint, km: f64) -> BoundingBox {
        // On a sphere, a point r radians away differs by at most r in latitude and by at most
        // asin(sin r / cos latitude) in longitude, unless the circle holds a pole.
        let r = km / EARTH_RADIUS_KM;
        let latitude = centre.latitude.to_radians();
        let half_width = if latitude.abs() + r >= std::f64::consts::FRAC_PI_2 {
            180.0
        } else {
            libm::asin(libm::sin(r) / libm::cos(latitude)).to_degrees()
        };
        let dlat = r.to_degrees() + BOX_MARGIN_DEGREES;
        BoundingBox {
            latitude: [centre.latitude - dlat, centre.latitude + dlat],
            longitude: centre.longitude,
            half_width: half_width + BOX_MARGIN_DEGREES,
        }
    }

    /// Its lowest and highest latitude: every point in it lies between them.
    pub(crate) fn latitude(&self) -> [f64; 2] {
        self.latitude
    }

    /// The centre's longitude less and plus the largest difference from it, not wrapped
    /// around (either may pass ±180): every point in the box lies between them when neither
    /// does.
    pub(crate) fn longitude_span(&self) -> (f64, f64) {
        (
            self.longitude - self.half_width,
            self.longitude + self.half_width,
        )
    }

    /// Whether `point` is in the box (across the antimeridian too).
    pub(crate) fn contains(&self, point: GeoPoint) -> bool {
        let dlon = (point.longitude - self.longitude).abs();
        (self.latitude[0]..=self.latitude[1]).contains(&point.latitude)
            && dlon.min(360.0 - dlon) <= self.half_width
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::prop;

    #[test]
    fn distance_is_zero_to_itself_and_symmetric() {
        let a = GeoPoint::new(39.95, -75.16).unwrap();
        let b = GeoPoint::new(40.10, -75.30).unwrap();
        assert_eq!(a.distance_km(&a), 0.0);
        assert!((a.distance_km(&b) - b.distance_km(&a)).abs() < 1e-12);
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let a = GeoPoint::new(0.0, 0.0).unwrap();
        let b = GeoPoint::new(1.0, 0.0).unwrap();
        assert!((a.distance_km(&b) - 111.19).abs() < 0.01);
    }

    proptest::proptest! {
        #[test]
        fn a_bounding_box_holds_every_point_within_its_distance(
            lat in -90.0f64..=90.0,
            lon in -180.0f64..=180.0,
            dlat in -1.0f64..1.0,
            dlon in -1.0f64..1.0,
            scale in prop::sample::select(vec![0.01, 1.0, 10.0, 90.0, 180.0]),
            km in 0.0f64..20_000.0,
        ) {
            let centre = GeoPoint::new(lat, lon).unwrap();
            let lon2 = lon + dlon * scale;
            let lon2 = if lon2 > 180.0 { lon2 - 360.0 } else if lon2 < -180.0 { lon2 + 360.0 } else { lon2 };
            let point = GeoPoint::new((lat + dlat * scale).clamp(-90.0, 90.0), lon2).unwrap();
            let bbox = BoundingBox::around(centre, km);
            proptest::prop_assert!(centre.distance_km(&point) > km || bbox.contains(point));
        }
    }

    proptest::proptest! {
        #[test]
        fn the_chord_is_a_tight_lower_bound_on_the_distance(
            lat in -90.0f64..=90.0,
            lon in -180.0f64..=180.0,
            lat2 in -90.0f64..=90.0,
            lon2 in -180.0f64..=180.0,
            near in proptest::bool::ANY,
        ) {
            let a = GeoPoint::new(lat, lon).unwrap();
            // Half the cases within a degree or so, as rooms and people in one metro area.
            let b = if near {
                GeoPoint::new((lat + lat2 / 90.0).clamp(-90.0, 90.0), (lon + lon2 / 180.0).clamp(-180.0, 180.0)).unwrap()
            } else {
                GeoPoint::new(lat2, lon2).unwrap()
            };
            let (chord, arc) = (chord_km(&a.unit_vector(), &b.unit_vector()), a.distance_km(&b));
            // Rounding aside (far below the bound's margin in the logit).
            proptest::prop_assert!(chord <= arc + 1e-9, "{chord} > {arc}");
            if arc <= 250.0 {
                proptest::prop_assert!(arc - chord <= 1e-4 * arc + 1e-9, "{chord} vs {arc}");
            }
        }
    }

    #[test]
    fn a_bounding_box_is_tight_away_from_the_poles() {
        let philadelphia = GeoPoint::new(39.9526, -75.1652).unwrap();
        let bbox = BoundingBox::around(philadelphia, 10.0);
        let north = GeoPoint::new(39.9526 + 0.091, -75.1652).unwrap();
        let east = GeoPoint::new(39.9526, -75.1652 + 0.118).unwrap();
        assert!(bbox.contains(GeoPoint::new(39.9526 + 0.089, -75.1652 + 0.116).unwrap()));
        assert!(!bbox.contains(north) && !bbox.contains(east));
        // Across the antimeridian.
        let fiji = BoundingBox::around(GeoPoint::new(-17.0, 179.99).unwrap(), 10.0);
        assert!(fiji.contains(GeoPoint::new(-17.0, -179.99).unwrap()));
    }

    #[test]
    fn rejects_points_off_the_earth() {
        assert!(GeoPoint::new(39.0, 181.0)
            .unwrap_err()
            .contains("longitude"));
        assert!(GeoPoint::new(-91.0, 0.0).unwrap_err().contains("latitude"));
    }
}
