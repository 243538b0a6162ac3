//! Points on the earth and the great-circle distance between them.

use serde::Serialize;

/// Mean earth radius in km (IUGG), as used by the haversine formula.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A latitude/longitude pair in decimal degrees, checked to be on the earth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    /// Latitude, -90 to 90.
    pub latitude: f64,
    /// Longitude, -180 to 180.
    pub longitude: f64,
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
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(format!("latitude {latitude} is outside -90 to 90"));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(format!("longitude {longitude} is outside -180 to 180"));
        }
        Ok(GeoPoint {
            latitude,
            longitude,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn rejects_points_off_the_earth() {
        assert!(GeoPoint::new(39.0, 181.0)
            .unwrap_err()
            .contains("longitude"));
        assert!(GeoPoint::new(-91.0, 0.0).unwrap_err().contains("latitude"));
    }
}
